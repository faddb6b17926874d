// Command gd is convergo's hello world: gradient descent on f(x) = x²,
// written as a Gorgonia graph whose gradient is derived symbolically, and
// stepped by convergo's sgd solver.
//
// From x₀ = 1 with learning rate 0.1 each step is x ← x − 0.1·2x = 0.8·x,
// so x after t steps is 0.8^t; the program prints x and f(x) every 10
// steps:
//
//	go run ./examples/gd
//	step=0 x=1 f=1
//	step=10 x=0.107374 f=0.0115292
//	…
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/convergo/convergo/solvers"
	"github.com/pkg/errors"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func main() {
	if err := run(os.Stdout, 100, 10); err != nil {
		fmt.Fprintln(os.Stderr, "gd:", err)
		os.Exit(1)
	}
}

// run takes steps of gradient descent, printing every `every` steps, and
// returns x after each step through the printed lines.
func run(w io.Writer, steps, every int) error {
	g := gorgonia.NewGraph()
	// x is a one-element vector rather than a scalar so that its value is
	// a *tensor.Dense the solver can update in place.
	x := gorgonia.NewVector(g, tensor.Float64, gorgonia.WithShape(1), gorgonia.WithName("x"),
		gorgonia.WithValue(tensor.New(tensor.WithShape(1), tensor.WithBacking([]float64{1}))))
	f := gorgonia.Must(gorgonia.Sum(gorgonia.Must(gorgonia.Square(x))))
	if _, err := gorgonia.Grad(f, x); err != nil {
		return errors.Wrap(err, "symbolic gradient")
	}
	vm := gorgonia.NewTapeMachine(g, gorgonia.BindDualValues(x))
	defer vm.Close()
	sgd, err := solvers.Parse("sgd(lr=0.1)")
	if err != nil {
		return err
	}
	for step := 0; step <= steps; step++ {
		// The forward pass computes f at the current x (and its gradient).
		vm.Reset()
		if err := vm.RunAll(); err != nil {
			return err
		}
		if step%every == 0 {
			xv := x.Value().Data().([]float64)[0]
			fv := f.Value().Data().(float64)
			if _, err := fmt.Fprintf(w, "step=%d x=%.6g f=%.6g\n", step, xv, fv); err != nil {
				return err
			}
		}
		if step == steps {
			break
		}
		if err := sgd.Step(gorgonia.NodesToValueGrads(gorgonia.Nodes{x})); err != nil {
			return err
		}
	}
	return nil
}
