package solvers

import (
	"github.com/pkg/errors"
	"gorgonia.org/gorgonia"
)

// EMAConfig holds the hyperparameters of EMA. Start from DefaultEMAConfig:
// a zero field means zero, not "default".
type EMAConfig struct {
	Decay  float64 // β, the weight of the old average, in [0, 1)
	Warmup bool    // use min(β, (1+t)/(10+t)) at the t-th update
}

// DefaultEMAConfig returns decay 0.999 (Keras's ema_momentum) and no warmup.
func DefaultEMAConfig() EMAConfig { return EMAConfig{Decay: 0.999} }

// EMA wraps an inner solver and keeps an exponential moving average of the
// parameters, the weights to evaluate, as Keras's optimizer option
// use_ema (ema_momentum) and torch.optim.swa_utils.AveragedModel with
// get_ema_multi_avg_fn: after each inner Step, with t the number of
// earlier updates of the parameter,
//
//	avg ← θ                          (t = 0: the first Step copies, as Keras and AveragedModel)
//	avg ← β_t·avg + (1-β_t)·θ        (t ≥ 1)
//
// with β_t = β, or with warmup β_t = min(β, (1+t)/(10+t)) (the
// num_updates rule of tf.train.ExponentialMovingAverage). β_t and 1-β_t
// are computed in float64 and converted to the parameter's dtype; each
// product is rounded. SwapToEval exchanges the parameters and the averages
// (exactly: the values are swapped, not recomputed) and SwapToTrain
// exchanges them back (see EvalSwapper; graph.Trainer calls them around
// every evaluation); Step and State return an error in eval mode. The
// averages are state (State saves them as the slot "ema"). The learning
// rate is the inner solver's; an inner solver that has an evaluation point
// of its own (sfadamw, an ema) is refused.
type EMA struct {
	base  // slot: the average
	inner Solver
	cfg   EMAConfig
	eval  bool
}

var (
	_ Solver      = (*EMA)(nil)
	_ EvalSwapper = (*EMA)(nil)
	_ RoleSetter  = (*EMA)(nil)
	_ Adopter     = (*EMA)(nil)
)

// NewEMA wraps inner, or returns an error naming the first invalid field.
func NewEMA(inner Solver, cfg EMAConfig) (*EMA, error) {
	c := checker{solver: "ema"}
	c.beta("decay", cfg.Decay)
	if c.err != nil {
		return nil, c.err
	}
	if inner == nil {
		return nil, errors.New("solvers: ema: nil inner solver")
	}
	if swapsParams(inner) {
		return nil, errors.Errorf("solvers: ema: inner solver %s evaluates at a point of its own; an average of its training iterate would not be it", specName(inner))
	}
	e := &EMA{base: newBase("ema", 0, 0, 0, "ema"), inner: inner, cfg: cfg}
	e.init = initFromValue
	e.zeroes = true // the inner Step has zeroed the gradients
	return e, nil
}

// swapsParams reports whether s changes the parameters for evaluation.
func swapsParams(s Solver) bool {
	switch s := s.(type) {
	case *Lookahead:
		return swapsParams(s.inner)
	case *Chain:
		return swapsParams(s.inner)
	case *Cautious:
		return false
	case *Groups:
		for _, g := range s.solvers {
			if swapsParams(g) {
				return true
			}
		}
		return false
	}
	_, ok := s.(EvalSwapper)
	return ok
}

func parseEMA(a *Args) (Solver, error) {
	cfg := DefaultEMAConfig()
	cfg.Decay = a.Float("decay", cfg.Decay)
	cfg.Warmup = a.Bool("warmup", cfg.Warmup)
	for _, key := range []string{"clip_norm", "clip_value", "lr"} {
		if a.Has(key) {
			a.Errorf(key, "belongs to the inner solver, as in ema(adam(%s=...))", key)
		}
	}
	inner, err := a.Inner()
	if err != nil {
		return nil, err
	}
	return NewEMA(inner, cfg)
}

// String returns ema(decay=…,warmup=…,inner spec).
func (e *EMA) String() string {
	return e.Spec("decay", e.cfg.Decay, "warmup", e.cfg.Warmup, "", innerString(e.inner))
}

// Inner returns the wrapped solver.
func (e *EMA) Inner() Solver { return e.inner }

// LearnRate returns the inner solver's learning rate.
func (e *EMA) LearnRate() float64 { return e.inner.LearnRate() }

// SetLearnRate sets the inner solver's learning rate.
func (e *EMA) SetLearnRate(lr float64) { e.inner.SetLearnRate(lr) }

// SetRoles forwards the roles to the inner solver.
func (e *EMA) SetRoles(roles map[string]Role) { forwardRoles(e.inner, roles) }

// Step runs the inner Step and updates the averages.
func (e *EMA) Step(model []gorgonia.ValueGrad) error {
	if e.eval {
		return e.errorf("Step in eval mode: call SwapToTrain first")
	}
	if err := e.prepare(model); err != nil {
		return err
	}
	if err := e.inner.Step(model); err != nil {
		return err
	}
	e.each(func(p *Param) {
		t := p.step - 1 // earlier updates
		if t == 0 {
			initFromValue(p)
			return
		}
		b := e.cfg.Decay
		if e.cfg.Warmup {
			b = min(b, float64(1+t)/float64(10+t))
		}
		if p.f32() {
			emaUpdate(p.s32[0], p.w32, float32(b), float32(1-b))
		} else {
			emaUpdate(p.s64[0], p.w64, b, 1-b)
		}
	})
	return nil
}

func emaUpdate[T float](avg, w []T, b, omb T) {
	avg = avg[:len(w)]
	for i := range w {
		avg[i] = T(b*avg[i]) + T(omb*w[i]) // rounded: no FMA (see adamKernel)
	}
}

// SwapToEval writes the averages into the parameters seen so far (and
// keeps the training values in their place). A no-op in eval mode and
// before the first Step.
func (e *EMA) SwapToEval() error {
	if e.eval {
		return nil
	}
	e.swap()
	e.eval = true
	return nil
}

// SwapToTrain writes the training values back. A no-op in train mode.
func (e *EMA) SwapToTrain() error {
	if !e.eval {
		return nil
	}
	e.swap()
	e.eval = false
	return nil
}

func (e *EMA) swap() {
	for _, p := range e.order {
		if p.f32() {
			swapSlices(p.w32, p.s32[0])
		} else {
			swapSlices(p.w64, p.s64[0])
		}
	}
}

func swapSlices[T float](a, b []T) {
	b = b[:len(a)]
	for i := range a {
		a[i], b[i] = b[i], a[i]
	}
}

// Adopt registers the parameters with the averages (a restored average,
// or the value) and the inner solver.
func (e *EMA) Adopt(model []gorgonia.ValueGrad) error {
	if err := e.base.Adopt(model); err != nil {
		return err
	}
	if a, ok := e.inner.(Adopter); ok {
		return a.Adopt(model)
	}
	return nil
}

// State returns the averages, the step counts and, as Inner, the inner
// solver's state. It is an error in eval mode.
func (e *EMA) State() (*State, error) {
	if e.eval {
		return nil, e.errorf("State in eval mode: call SwapToTrain first")
	}
	return wrapperState(&e.base, e.inner)
}

// SetState restores a State saved by State (in train mode).
func (e *EMA) SetState(st *State) error {
	if e.eval {
		return e.errorf("SetState in eval mode: call SwapToTrain first")
	}
	return setWrapperState(&e.base, e.inner, st)
}
