package solvers

import (
	"reflect"

	"github.com/pkg/errors"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
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
	bb *bbGuard // for a *gorgonia.BarzilaiBorweinSolver
}

var _ Solver = (*GorgoniaSolver)(nil)

// Gorgonia builds newFn(lr) and wraps it. It refuses the solvers that
// cannot be used as they are: AdaGradSolver (gorgonia.WithLearnRate's type
// switch silently skips it, so its learning rate cannot be scheduled),
// AdamW (in v0.9.18 its Step never changes the weights: it scales a copy)
// and those that do not come from the gorgonia package's option-taking
// constructors it knows.
//
// A BarzilaiBorweinSolver is guarded against its zero denominator: its
// step size is ⟨Δθ, Δg⟩/‖Δg‖² over the last two Steps, 0/0 once the
// gradients stop changing (at the optimum), which makes Gorgonia's Step
// write NaN into every weight. When ‖Δg‖² is 0 the adapter keeps the
// previous step size instead: θ ← θ - η_prev·g. Its learning rate is only
// the first Step's (the method computes its own afterwards), and it
// takes float64 *tensor.Dense parameters only (Gorgonia's panics on
// others; the adapter returns an error).
func Gorgonia(newFn func(lr float64) gorgonia.Solver, lr float64) (*GorgoniaSolver, error) {
	if newFn == nil {
		return nil, errors.New("solvers: gorgonia: nil constructor")
	}
	s := newFn(lr)
	g := &GorgoniaSolver{s: s, lr: lr}
	switch s := s.(type) {
	case *gorgonia.AdamSolver, *gorgonia.RMSPropSolver, *gorgonia.VanillaSolver, *gorgonia.Momentum:
	case *gorgonia.BarzilaiBorweinSolver:
		eta := reflect.ValueOf(s).Elem().FieldByName("eta")
		if !eta.IsValid() || eta.Kind() != reflect.Float64 {
			return nil, errors.New("solvers: gorgonia: *gorgonia.BarzilaiBorweinSolver has no eta field: not the Gorgonia v0.9.18 the zero-denominator guard was written for")
		}
		g.bb = &bbGuard{eta: eta}
	case *gorgonia.AdaGradSolver:
		return nil, errors.New("solvers: gorgonia: *gorgonia.AdaGradSolver ignores gorgonia.WithLearnRate, so its learning rate cannot be scheduled")
	case *gorgonia.AdamW:
		return nil, errors.New(`solvers: gorgonia: *gorgonia.AdamW never updates the weights in Gorgonia v0.9.18 (its Step scales a copy of them); use this package's AdamW (NewAdamW, or Parse("adamw"))`)
	case nil:
		return nil, errors.New("solvers: gorgonia: the constructor returned nil")
	default:
		return nil, errors.Errorf("solvers: gorgonia: %T: unknown Gorgonia solver, cannot set its learning rate", s)
	}
	return g, nil
}

// Step runs the wrapped solver's Step. A panic in Gorgonia's Step is
// returned as an error.
func (g *GorgoniaSolver) Step(model []gorgonia.ValueGrad) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errors.Errorf("solvers: gorgonia: %T.Step panicked: %v", g.s, r)
		}
	}()
	if g.bb != nil {
		return g.bb.step(g.s, model)
	}
	return g.s.Step(model)
}

// LearnRate returns the last learning rate set.
func (g *GorgoniaSolver) LearnRate() float64 { return g.lr }

// SetLearnRate re-applies gorgonia.WithLearnRate(lr) to the wrapped solver.
func (g *GorgoniaSolver) SetLearnRate(lr float64) {
	g.lr = lr
	gorgonia.WithLearnRate(lr)(g.s)
}

// Unwrap returns the wrapped Gorgonia solver.
func (g *GorgoniaSolver) Unwrap() gorgonia.Solver { return g.s }

// bbGuard keeps a Barzilai–Borwein solver's step size when its
// denominator ‖g - g_prev‖² is 0 (see Gorgonia).
type bbGuard struct {
	eta    reflect.Value // the solver's step size field, read after each Step
	steps  int
	prevG  [][]float64 // the gradients of the last Step, by position (as the solver keeps them)
	saved  [][]float64 // the values before a Step whose denominator is 0
	etaOld float64     // the step size of the last Step
}

func (b *bbGuard) step(s gorgonia.Solver, model []gorgonia.ValueGrad) error {
	ws := make([][]float64, len(model))
	gs := make([][]float64, len(model))
	for i, vg := range model {
		if vg == nil {
			return errors.Errorf("solvers: gorgonia: parameter %d is nil", i)
		}
		w, ok := vg.Value().(*tensor.Dense)
		gv, err := vg.Grad()
		if err != nil {
			return errors.Wrapf(err, "solvers: gorgonia: %s has no gradient", label(i, vg))
		}
		g, gok := gv.(*tensor.Dense)
		if !ok || !gok || w.Dtype() != tensor.Float64 || g.Dtype() != tensor.Float64 || w.RequiresIterator() || g.RequiresIterator() ||
			len(w.Float64s()) != len(g.Float64s()) {
			return errors.Errorf("solvers: gorgonia: *gorgonia.BarzilaiBorweinSolver: %s: want a float64 *tensor.Dense value and gradient of the same size", label(i, vg))
		}
		ws[i], gs[i] = w.Float64s(), g.Float64s()
	}
	zero := false
	if b.steps > 0 {
		if len(model) != len(b.prevG) {
			return errors.Errorf("solvers: gorgonia: *gorgonia.BarzilaiBorweinSolver: %d parameters, %d at the last Step (it keeps state by position)", len(model), len(b.prevG))
		}
		var den float64
		for i, g := range gs {
			if len(g) != len(b.prevG[i]) {
				return errors.Errorf("solvers: gorgonia: *gorgonia.BarzilaiBorweinSolver: %s changed size", label(i, model[i]))
			}
			for j, x := range g {
				d := x - b.prevG[i][j]
				den += d * d
			}
		}
		zero = den == 0
	}
	b.prevG = resize(b.prevG, gs)
	for i, g := range gs {
		copy(b.prevG[i], g)
	}
	if zero {
		b.saved = resize(b.saved, ws)
		for i, w := range ws {
			copy(b.saved[i], w)
		}
	}
	if err := s.Step(model); err != nil {
		return err
	}
	b.steps++
	if !zero {
		b.etaOld = b.eta.Float()
		return nil
	}
	// The solver's state (the previous values and gradients) is now that
	// of this Step, as it should be; only the update used 0/0.
	for i, w := range ws {
		for j := range w {
			w[j] = b.saved[i][j] - float64(b.etaOld*b.prevG[i][j])
		}
	}
	gorgonia.WithLearnRate(b.etaOld)(s)
	return nil
}

// resize returns bufs with one slice per element of like, each as long.
func resize(bufs, like [][]float64) [][]float64 {
	if len(bufs) != len(like) {
		bufs = make([][]float64, len(like))
	}
	for i, x := range like {
		if len(bufs[i]) != len(x) {
			bufs[i] = make([]float64, len(x))
		}
	}
	return bufs
}
