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
//
// Flags: -solver (any solver spec, default sgd(lr=0.1)), -x0 (the start,
// 1), -steps (100), -every (10):
//
//	go run ./examples/gd -solver 'momentum(lr=0.1,beta=0.9)' -steps 50 -every 5
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"

	"github.com/convergo/convergo/examples/internal/cli"
	"github.com/convergo/convergo/solvers"
	"github.com/pkg/errors"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func main() {
	cli.Main("gd", func(_ context.Context, args []string, stdout, stderr io.Writer) error {
		fs := flag.NewFlagSet("gd", flag.ContinueOnError)
		fs.SetOutput(stderr)
		spec := fs.String("solver", "sgd(lr=0.1)", "the solver spec")
		x0 := fs.Float64("x0", 1, "the start point")
		steps := fs.Int("steps", 100, "optimizer steps")
		every := fs.Int("every", 10, "print every N steps")
		if err := fs.Parse(args); err != nil {
			return err
		}
		if fs.NArg() > 0 {
			return errors.Errorf("unexpected arguments %q", fs.Args())
		}
		return runWith(stdout, *spec, *x0, *steps, *every)
	})
}

// run is runWith for the defaults: sgd(lr=0.1) from x₀ = 1.
func run(w io.Writer, steps, every int) error { return runWith(w, "sgd(lr=0.1)", 1, steps, every) }

// runWith takes steps of the solver from x0, printing every `every` steps.
func runWith(w io.Writer, spec string, x0 float64, steps, every int) error {
	switch {
	case steps < 0 || steps > 1e9:
		return errors.Errorf("-steps %d: want 0 to 1e9", steps)
	case every < 1:
		return errors.Errorf("-every %d: want ≥ 1", every)
	case math.IsNaN(x0) || math.IsInf(x0, 0):
		return errors.Errorf("-x0 %v: want a finite number", x0)
	}
	g := gorgonia.NewGraph()
	// x is a one-element vector rather than a scalar so that its value is
	// a *tensor.Dense the solver can update in place.
	x := gorgonia.NewVector(g, tensor.Float64, gorgonia.WithShape(1), gorgonia.WithName("x"),
		gorgonia.WithValue(tensor.New(tensor.WithShape(1), tensor.WithBacking([]float64{x0}))))
	f := gorgonia.Must(gorgonia.Sum(gorgonia.Must(gorgonia.Square(x))))
	if _, err := gorgonia.Grad(f, x); err != nil {
		return errors.Wrap(err, "symbolic gradient")
	}
	vm := gorgonia.NewTapeMachine(g, gorgonia.BindDualValues(x))
	defer vm.Close()
	sgd, err := solvers.Parse(spec)
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
