package solvers

import "gorgonia.org/gorgonia"

// Adopter is implemented by the solvers of this package. Adopt registers
// the parameters of model — allocating their state, or taking the state
// that SetState restored under their names — without changing them, as
// the first Step would before updating. It lets what acts on every
// parameter seen (SwapToEval of a schedule-free solver) work right after a
// restore, before any Step; graph.Trainer calls it when it resumes from a
// checkpoint.
type Adopter interface {
	Adopt(model []gorgonia.ValueGrad) error
}

// Adopt registers the parameters of model (see Adopter).
func (b *Base) Adopt(model []gorgonia.ValueGrad) error {
	if b.err != nil {
		return b.err
	}
	for i, vg := range model {
		if vg == nil {
			return b.errorf("Adopt: parameter %d is nil", i)
		}
		w, err := data(vg.Value())
		if err != nil {
			return b.errorf("Adopt: parameter %d (%s): value is %v", i, nodeName(vg), err)
		}
		p, err := b.lookup(i, vg, w)
		if err != nil {
			return err
		}
		p.w32, p.w64 = w.f32, w.f64
	}
	return nil
}

// Adopt registers the parameters with the slow weights and with the inner
// solver (see Adopter).
func (l *Lookahead) Adopt(model []gorgonia.ValueGrad) error {
	if err := l.base.Adopt(model); err != nil {
		return err
	}
	if a, ok := l.inner.(Adopter); ok {
		return a.Adopt(model)
	}
	return nil
}
