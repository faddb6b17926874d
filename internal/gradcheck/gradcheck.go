// Package gradcheck compares Gorgonia's symbolic gradients with central
// finite differences. It is the gradient-check harness of every layer and
// loss test in convergo.
//
// The check builds a float64 graph, computes ∂L/∂θ with gorgonia.Grad and a
// TapeMachine, then perturbs each element θₖ by ±h in place and takes
// (L(θ+h) − L(θ−h)) / 2h. The error of an element is
//
//	|analytic − numeric| / max(|analytic|, |numeric|, Floor)
//
// so that large gradients are compared relatively and near-zero ones
// absolutely (a central difference with h = 1e-6 in float64 carries an
// absolute error of about 1e-10, which no relative test can see through
// at a gradient of 0).
package gradcheck

import (
	"fmt"
	"math"

	"github.com/pkg/errors"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Options tune a check. The zero value means H = 1e-6 and Floor = 1e-4.
type Options struct {
	H     float64 // finite-difference step
	Floor float64 // denominator floor of the relative error
}

// Result is the worst element found.
type Result struct {
	MaxErr   float64
	Param    string
	Index    int
	Analytic float64
	Numeric  float64
	Checked  int // number of elements compared
}

func (r Result) String() string {
	return fmt.Sprintf("max error %.3g at %s[%d] (analytic %.10g, numeric %.10g) over %d elements",
		r.MaxErr, r.Param, r.Index, r.Analytic, r.Numeric, r.Checked)
}

// Build returns a scalar loss in g and the nodes to differentiate it with
// respect to. Every node in wrt must have a float64 *tensor.Dense value
// bound to it (gorgonia.WithValue).
type Build func(g *gorgonia.ExprGraph) (loss *gorgonia.Node, wrt []*gorgonia.Node, err error)

// Check runs the comparison.
func Check(build Build, opt Options) (Result, error) {
	if opt.H == 0 {
		opt.H = 1e-6
	}
	if opt.Floor == 0 {
		opt.Floor = 1e-4
	}
	g := gorgonia.NewGraph()
	loss, wrt, err := build(g)
	if err != nil {
		return Result{}, err
	}
	if _, err := gorgonia.Grad(loss, wrt...); err != nil {
		return Result{}, errors.Wrap(err, "gradcheck: Grad")
	}
	vm := gorgonia.NewTapeMachine(g, gorgonia.BindDualValues(wrt...))
	defer vm.Close()
	run := func() (float64, error) {
		vm.Reset()
		if err := vm.RunAll(); err != nil {
			return 0, err
		}
		return scalar(loss.Value())
	}
	if _, err := run(); err != nil {
		return Result{}, err
	}
	analytic := make([][]float64, len(wrt))
	for i, n := range wrt {
		gv, err := n.Grad()
		if err != nil {
			return Result{}, errors.Wrapf(err, "gradcheck: gradient of %s", n.Name())
		}
		analytic[i] = append([]float64(nil), gv.Data().([]float64)...)
	}
	var res Result
	for i, n := range wrt {
		vals, ok := n.Value().Data().([]float64)
		if !ok {
			return Result{}, errors.Errorf("gradcheck: %s is not float64", n.Name())
		}
		for k := range vals {
			orig := vals[k]
			vals[k] = orig + opt.H
			fp, err := run()
			if err != nil {
				return Result{}, err
			}
			vals[k] = orig - opt.H
			fm, err := run()
			if err != nil {
				return Result{}, err
			}
			vals[k] = orig
			num := (fp - fm) / (2 * opt.H)
			a := analytic[i][k]
			e := math.Abs(a-num) / math.Max(math.Max(math.Abs(a), math.Abs(num)), opt.Floor)
			res.Checked++
			if e > res.MaxErr || math.IsNaN(e) {
				res.MaxErr, res.Param, res.Index, res.Analytic, res.Numeric = e, n.Name(), k, a, num
			}
		}
	}
	return res, nil
}

func scalar(v gorgonia.Value) (float64, error) {
	switch s := v.(type) {
	case *gorgonia.F64:
		return float64(*s), nil
	case *gorgonia.F32:
		return float64(*s), nil
	case *tensor.Dense:
		if d, ok := s.Data().([]float64); ok && len(d) == 1 {
			return d[0], nil
		}
		if d, ok := s.Data().(float64); ok {
			return d, nil
		}
	}
	return 0, errors.Errorf("gradcheck: loss is %T %v, want a float64 scalar", v, v)
}
