package solvers

import (
	"github.com/pkg/errors"
	"gorgonia.org/gorgonia"
)

// GorgoniaSolver adapts one of Gorgonia's own solvers so that a schedule
// can set its learning rate. Gorgonia's solvers have no SetLearnRate;
// SetLearnRate re-applies gorgonia.WithLearnRate to the wrapped solver,
// which (in Gorgonia v0.9.18) only assigns the learning-rate field and
// keeps the solver's state (moments, iteration count).
//
// Gorgonia's solvers keep state by position in the []ValueGrad slice, not
// by node, and deviate from their references in places; see
// TestGorgoniaDeviations. Prefer this package's solvers.
type GorgoniaSolver struct {
	s  gorgonia.Solver
	lr float64
}

var _ Solver = (*GorgoniaSolver)(nil)

// Gorgonia builds newFn(lr) and wraps it. It refuses the solvers on which
// gorgonia.WithLearnRate has no effect (AdaGradSolver: the option's type
// switch silently skips it) and those that do not come from the gorgonia
// package's option-taking constructors it knows.
func Gorgonia(newFn func(lr float64) gorgonia.Solver, lr float64) (*GorgoniaSolver, error) {
	if newFn == nil {
		return nil, errors.New("solvers: gorgonia: nil constructor")
	}
	s := newFn(lr)
	switch s.(type) {
	case *gorgonia.AdamSolver, *gorgonia.RMSPropSolver, *gorgonia.VanillaSolver, *gorgonia.Momentum,
		*gorgonia.AdamW, *gorgonia.BarzilaiBorweinSolver:
	case *gorgonia.AdaGradSolver:
		return nil, errors.New("solvers: gorgonia: *gorgonia.AdaGradSolver ignores gorgonia.WithLearnRate, so its learning rate cannot be scheduled")
	case nil:
		return nil, errors.New("solvers: gorgonia: the constructor returned nil")
	default:
		return nil, errors.Errorf("solvers: gorgonia: %T: unknown Gorgonia solver, cannot set its learning rate", s)
	}
	return &GorgoniaSolver{s: s, lr: lr}, nil
}

// Step runs the wrapped solver's Step.
func (g *GorgoniaSolver) Step(model []gorgonia.ValueGrad) error { return g.s.Step(model) }

// LearnRate returns the last learning rate set.
func (g *GorgoniaSolver) LearnRate() float64 { return g.lr }

// SetLearnRate re-applies gorgonia.WithLearnRate(lr) to the wrapped solver.
func (g *GorgoniaSolver) SetLearnRate(lr float64) {
	g.lr = lr
	gorgonia.WithLearnRate(lr)(g.s)
}

// Unwrap returns the wrapped Gorgonia solver.
func (g *GorgoniaSolver) Unwrap() gorgonia.Solver { return g.s }
