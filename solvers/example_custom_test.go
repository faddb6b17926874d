package solvers_test

import (
	"fmt"
	"log"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/convergo/convergo/solvers"
)

// SignSGD is sign-SGD with momentum (Signum, Bernstein et al. 2018), a
// solver written outside the package on solvers.Base:
//
//	m ← β·m + (1-β)·g;  θ ← θ - lr·sign(m)
//
// Base gives it LearnRate/SetLearnRate, gradient validation and clipping,
// a state slot per parameter, State/SetState, and a Step that allocates
// nothing.
type SignSGD struct {
	solvers.Base
	lr, beta float64 // as built, for String
}

// NewSignSGD returns a SignSGD solver; opt holds lr and the clipping.
func NewSignSGD(opt solvers.BaseOptions, beta float64) (*SignSGD, error) {
	if !(beta >= 0 && beta < 1) {
		return nil, fmt.Errorf("signsgd: beta=%v: must be in [0, 1)", beta)
	}
	return &SignSGD{Base: solvers.NewBase("signsgd", opt, "momentum"), lr: opt.LR, beta: beta}, nil
}

// Step updates the parameters in place and zeroes their gradients.
func (s *SignSGD) Step(model []gorgonia.ValueGrad) error {
	return s.Update(model, func(p *solvers.Param) {
		solvers.Dispatch(p, s, signStep[float32], signStep[float64])
	})
}

// signStep is the rule, written once for float32 and float64.
func signStep[T solvers.Float](w, g []T, slots [][]T, s *SignSGD) {
	m, beta, lr := slots[0], T(s.beta), T(s.LearnRate())
	for i := range w {
		m[i] = beta*m[i] + (1-beta)*g[i]
		if m[i] > 0 {
			w[i] -= lr
		} else if m[i] < 0 {
			w[i] += lr
		}
	}
}

// String returns the spec that Parse reads back.
func (s *SignSGD) String() string { return s.Spec("lr", s.lr, "beta", s.beta) }

// parseSignSGD builds a SignSGD from a spec's keys, for solvers.Register.
func parseSignSGD(a *solvers.Args) (solvers.Solver, error) {
	lr, beta := a.Float("lr", 0.01), a.Float("beta", 0.9)
	if !(beta >= 0 && beta < 1) {
		a.Errorf("beta", "must be in [0, 1)")
	}
	norm, value := a.Clip()
	return NewSignSGD(solvers.BaseOptions{LR: lr, ClipNorm: norm, ClipValue: value}, beta)
}

// registered: a program registers its solvers once, in main; from then on
// solvers.Parse, compare.ParseStrategy and the -strategy flags know the name.
var registered = solvers.Register("signsgd", parseSignSGD)

// A solver of your own, on f(w) = Σw² from w = (1, -0.5): the weights move
// by lr against the sign of the momentum.
func Example_customSolver() {
	if registered != nil {
		log.Fatal(registered)
	}
	s, err := solvers.Parse("signsgd(lr=0.1,beta=0.5)")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(s)

	g := gorgonia.NewGraph()
	w := gorgonia.NewVector(g, tensor.Float64, gorgonia.WithShape(2), gorgonia.WithName("w"),
		gorgonia.WithValue(tensor.New(tensor.WithBacking([]float64{1, -0.5}))))
	loss := gorgonia.Must(gorgonia.Sum(gorgonia.Must(gorgonia.Square(w))))
	if _, err := gorgonia.Grad(loss, w); err != nil {
		log.Fatal(err)
	}
	vm := gorgonia.NewTapeMachine(g, gorgonia.BindDualValues(w))
	defer vm.Close()
	for step := 1; step <= 3; step++ {
		if err := vm.RunAll(); err != nil {
			log.Fatal(err)
		}
		if err := s.Step(gorgonia.NodesToValueGrads(gorgonia.Nodes{w})); err != nil {
			log.Fatal(err)
		}
		vm.Reset()
		fmt.Printf("step %d: w = %.1f\n", step, w.Value().Data())
	}

	// Keys are checked as for the built-in solvers.
	_, err = solvers.Parse("signsgd(beta=1.5)")
	fmt.Println(err)
	_, err = solvers.Parse("signsgd(momentum=0.9)")
	fmt.Println(err)
	// Output:
	// signsgd(lr=0.1,beta=0.5)
	// step 1: w = [0.9 -0.4]
	// step 2: w = [0.8 -0.3]
	// step 3: w = [0.7 -0.2]
	// solvers: signsgd: beta=1.5: must be in [0, 1)
	// solvers: signsgd: unknown key momentum (known: lr, beta, clip_norm, clip_value)
}
