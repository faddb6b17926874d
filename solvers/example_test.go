package solvers_test

import (
	"fmt"
	"log"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/convergo/convergo/solvers"
)

func ExampleParse() {
	s, err := solvers.Parse("adamw(lr=3e-4,weight_decay=0.05,clip_norm=1)")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%T lr=%g\n", s, s.LearnRate())

	_, err = solvers.Parse("adam(lr=0.1,momentum=0.9)")
	fmt.Println(err)
	// Output:
	// *solvers.AdamW lr=0.0003
	// solvers: adam: unknown key momentum (known: lr, beta1, beta2, eps, weight_decay, clip_norm, clip_value, amsgrad)
}

// One Step of SGD with momentum on a parameter whose gradient is set by
// hand (any gorgonia.ValueGrad works; in a real model it is a *Node).
func ExampleNewSGD() {
	cfg := solvers.DefaultSGDConfig() // start from the defaults...
	cfg.LR, cfg.Momentum = 0.1, 0.9   // ...and change what you need
	s, err := solvers.NewSGD(cfg)
	if err != nil {
		log.Fatal(err)
	}
	g := gorgonia.NewGraph()
	w := gorgonia.NewVector(g, tensor.Float64, gorgonia.WithShape(2), gorgonia.WithName("w"),
		gorgonia.WithValue(tensor.New(tensor.WithBacking([]float64{1, -2}))))
	loss := gorgonia.Must(gorgonia.Sum(gorgonia.Must(gorgonia.Square(w)))) // ∇ = 2w
	if _, err := gorgonia.Grad(loss, w); err != nil {
		log.Fatal(err)
	}
	vm := gorgonia.NewTapeMachine(g, gorgonia.BindDualValues(w))
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		log.Fatal(err)
	}
	if err := s.Step(gorgonia.NodesToValueGrads(gorgonia.Nodes{w})); err != nil {
		log.Fatal(err)
	}
	grad, _ := w.Grad()
	fmt.Println("w:", w.Value().Data(), "grad after Step:", grad.Data())
	// Output:
	// w: [0.8 -1.6] grad after Step: [0 0]
}

// The hand-written Gorgonia loop: RunAll, Step, Reset. Gradient descent on
// f(x) = x² from x = 1 with lr 0.1 shrinks x by 0.8 per step.
func Example_tapeMachineLoop() {
	g := gorgonia.NewGraph()
	x := gorgonia.NewScalar(g, tensor.Float64, gorgonia.WithName("x"), gorgonia.WithValue(1.0))
	f := gorgonia.Must(gorgonia.Square(x))
	if _, err := gorgonia.Grad(f, x); err != nil {
		log.Fatal(err)
	}
	vm := gorgonia.NewTapeMachine(g, gorgonia.BindDualValues(x))
	defer vm.Close()
	s, err := solvers.Parse("sgd(lr=0.1)")
	if err != nil {
		log.Fatal(err)
	}
	params := gorgonia.NodesToValueGrads(gorgonia.Nodes{x})
	for step := 1; step <= 3; step++ {
		if err := vm.RunAll(); err != nil {
			log.Fatal(err)
		}
		if err := s.Step(params); err != nil {
			log.Fatal(err)
		}
		vm.Reset()
		fmt.Printf("step %d: x = %.4f\n", step, x.Value().Data())
	}
	// Output:
	// step 1: x = 0.8000
	// step 2: x = 0.6400
	// step 3: x = 0.5120
}

// Schedule-free AdamW: evaluate at x, train at y.
func ExampleSFAdamW_SwapToEval() {
	s, err := solvers.Parse("sfadamw(lr=0.1)")
	if err != nil {
		log.Fatal(err)
	}
	if es, ok := s.(solvers.EvalSwapper); ok {
		_ = es.SwapToEval() // before evaluating the model (a no-op before the first Step)
		_ = es.SwapToTrain()
	}
	fmt.Println("ok")
	// Output: ok
}
