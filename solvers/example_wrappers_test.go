package solvers_test

import (
	"fmt"
	"log"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/convergo/convergo/solvers"
)

// hand is a parameter whose value and gradient are set by hand: any
// gorgonia.ValueGrad (with a Name) works; in a model it is a *gorgonia.Node.
type hand struct {
	name string
	v, g *tensor.Dense
}

func (p *hand) Name() string                  { return p.name }
func (p *hand) Value() gorgonia.Value         { return p.v }
func (p *hand) Grad() (gorgonia.Value, error) { return p.g, nil }

func param(name string, value, grad []float64, shape ...int) *hand {
	if grad == nil {
		grad = make([]float64, len(value))
	}
	return &hand{name: name, v: tensor.New(tensor.WithShape(shape...), tensor.WithBacking(value)),
		g: tensor.New(tensor.WithShape(shape...), tensor.WithBacking(grad))}
}

// A chain of gradient transforms in front of SGD: clip the gradients of
// the weights to norm 1 and decay the weights only (decoupled, by lr·λ);
// the bias keeps its value and its raw gradient. Roles come from the
// model (graph.Trainer calls SetRoles) or, without them, from the shape.
func Example_chain() {
	s, err := solvers.Parse("chain(clip_norm(max=1,mask=weights),decay(weight_decay=0.5,mask=weights),sgd(lr=0.1))")
	if err != nil {
		log.Fatal(err)
	}
	w := param("dense0.W", []float64{1, 1}, []float64{3, 4}, 1, 2) // ‖g‖ = 5: scaled by 1/5
	b := param("dense0.b", []float64{1}, []float64{2}, 1)
	s.(solvers.RoleSetter).SetRoles(map[string]solvers.Role{"dense0.W": solvers.RoleWeight, "dense0.b": solvers.RoleBias})
	if err := s.Step([]gorgonia.ValueGrad{w, b}); err != nil {
		log.Fatal(err)
	}
	// W: 1·(1 − 0.1·0.5) − 0.1·(3, 4)/5 = (0.89, 0.87); b: 1 − 0.1·2 = 0.8.
	fmt.Printf("W %.4f\nb %.4f\n", w.v.Data(), b.v.Data())
	fmt.Println(s)
	// Output:
	// W [0.8900 0.8700]
	// b [0.8000]
	// chain(clip_norm(max=1,mask=weights),decay(weight_decay=0.5,mask=weights),sgd(lr=0.1,momentum=0,dampening=0,nesterov=false,weight_decay=0))
}

// An exponential moving average of the weights, evaluated between
// SwapToEval and SwapToTrain (graph.Trainer calls them around every
// evaluation). Three SGD steps on ½w² from w = 2 with lr 0.5: w = 1, 0.5,
// 0.25; the average is 1, then 0.9·1 + 0.1·0.5 = 0.95, then
// 0.9·0.95 + 0.1·0.25 = 0.88.
func Example_ema() {
	s, err := solvers.Parse("ema(decay=0.9,sgd(lr=0.5))")
	if err != nil {
		log.Fatal(err)
	}
	w := param("w", []float64{2}, nil, 1)
	for range 3 {
		copy(w.g.Float64s(), w.v.Float64s()) // ∇½w² = w
		if err := s.Step([]gorgonia.ValueGrad{w}); err != nil {
			log.Fatal(err)
		}
	}
	e := s.(solvers.EvalSwapper)
	_ = e.SwapToEval()
	fmt.Printf("evaluated: %.4f\n", w.v.Data())
	_ = e.SwapToTrain()
	fmt.Printf("trained:   %.4f\n", w.v.Data())
	// Output:
	// evaluated: [0.8800]
	// trained:   [0.2500]
}

// Parameter groups: no weight decay on biases and normalisation
// parameters, and a tenth of the learning rate for the layer dense0,
// kept in proportion when a schedule sets the rate.
func Example_groups() {
	s, err := solvers.Parse("groups(adamw(lr=1e-3,weight_decay=0.05),dense0=adamw(lr=1e-4,weight_decay=0.05)," +
		"biases=adamw(lr=1e-3,weight_decay=0),norms=adamw(lr=1e-3,weight_decay=0))")
	if err != nil {
		log.Fatal(err)
	}
	s.SetLearnRate(2e-3) // what a schedule does
	for _, gr := range s.(*solvers.Groups).Groups() {
		fmt.Printf("%-6s lr=%g\n", gr.Key, gr.Solver.LearnRate())
	}
	// Output:
	// dense0 lr=0.0002
	// biases lr=0.002
	// norms  lr=0.002
}
