package solvers

import (
	"fmt"

	"gorgonia.org/gorgonia"
)

// LookaheadConfig holds the hyperparameters of Lookahead. Start from
// DefaultLookaheadConfig: a zero field means zero, not "default".
type LookaheadConfig struct {
	K     int     // inner steps between synchronisations, >= 1
	Alpha float64 // slow-weight step size, in [0, 1]
}

// DefaultLookaheadConfig returns k 5, α 0.5.
func DefaultLookaheadConfig() LookaheadConfig { return LookaheadConfig{K: 5, Alpha: 0.5} }

// Lookahead wraps an inner solver (Zhang et al. 2019, "Lookahead Optimizer:
// k steps forward, 1 step back", Algorithm 1): the parameters are the fast
// weights, updated by the inner solver; slow weights φ start as a copy of
// the parameters when first seen, and after every k-th Step
//
//	φ ← φ + α(θ - φ),  θ ← φ
//
// The inner solver's state (moments, step counts) is kept across
// synchronisations. The learning rate is the inner solver's. Gradient
// clipping belongs to the inner solver: lookahead(clip_norm=…) is an
// error, write lookahead(adam(clip_norm=…)).
type Lookahead struct {
	base  // slots: slow weights; lr and clipping unused
	inner Solver
	cfg   LookaheadConfig
	count int // inner steps taken
}

var (
	_ Solver      = (*Lookahead)(nil)
	_ EvalSwapper = (*Lookahead)(nil)
)

// NewLookahead wraps inner, or returns an error naming the first invalid field.
func NewLookahead(inner Solver, cfg LookaheadConfig) (*Lookahead, error) {
	c := checker{solver: "lookahead"}
	c.check(cfg.K >= 1, "k", cfg.K, ">= 1")
	c.unit("alpha", cfg.Alpha)
	c.check(inner != nil, "inner", "nil", "a solver")
	if c.err != nil {
		return nil, c.err
	}
	l := &Lookahead{base: newBase("lookahead", 0, 0, 0, "slow"), inner: inner, cfg: cfg}
	l.init = initFromValue
	return l, nil
}

func parseLookahead(a *Args) (Solver, error) {
	cfg := DefaultLookaheadConfig()
	cfg.K = a.Int("k", cfg.K)
	cfg.Alpha = a.Float("alpha", cfg.Alpha)
	for _, key := range []string{"clip_norm", "clip_value", "lr"} {
		if a.Has(key) {
			a.Errorf(key, "belongs to the inner solver, as in lookahead(adam(%s=...))", key)
		}
	}
	inner, err := a.Inner()
	if err != nil {
		return nil, err
	}
	return NewLookahead(inner, cfg)
}

// String returns the solver's spec with every key and the inner
// solver's spec (its String, or its Go type if it has none).
func (l *Lookahead) String() string {
	var inner any = l.inner
	if _, ok := inner.(interface{ String() string }); !ok {
		inner = fmt.Sprintf("%T", l.inner)
	}
	return l.Spec("k", l.cfg.K, "alpha", l.cfg.Alpha, "", inner)
}

// Inner returns the wrapped solver.
func (l *Lookahead) Inner() Solver { return l.inner }

// LearnRate returns the inner solver's learning rate.
func (l *Lookahead) LearnRate() float64 { return l.inner.LearnRate() }

// SetLearnRate sets the inner solver's learning rate.
func (l *Lookahead) SetLearnRate(lr float64) { l.inner.SetLearnRate(lr) }

// DescribeParams passes the information on to the inner solver (see
// ParamDescriber).
func (l *Lookahead) DescribeParams(info map[string]ParamInfo) {
	if d, ok := l.inner.(ParamDescriber); ok {
		d.DescribeParams(info)
	}
}

// Step runs one inner Step (which zeroes the gradients) and, every k-th
// Step, moves the slow weights toward the fast ones and resets the fast
// weights to them.
func (l *Lookahead) Step(model []gorgonia.ValueGrad) error {
	// Validate and allocate slow weights before the inner step changes θ.
	if err := l.prepare(model); err != nil {
		return err
	}
	if err := l.inner.Step(model); err != nil {
		return err
	}
	l.count++
	if l.count%l.cfg.K != 0 {
		return nil
	}
	for _, p := range l.cur {
		if p.f32() {
			lookaheadSync(p.w32, p.s32[0], float32(l.cfg.Alpha))
		} else {
			lookaheadSync(p.w64, p.s64[0], l.cfg.Alpha)
		}
	}
	return nil
}

func lookaheadSync[T float](fast, slow []T, alpha T) {
	slow = slow[:len(fast)]
	for i := range fast {
		slow[i] += T(alpha * (fast[i] - slow[i])) // rounded: no FMA (see adamKernel)
		fast[i] = slow[i]
	}
}

// SwapToEval forwards to the inner solver if it is an EvalSwapper.
func (l *Lookahead) SwapToEval() error {
	if s, ok := l.inner.(EvalSwapper); ok {
		return s.SwapToEval()
	}
	return nil
}

// SwapToTrain forwards to the inner solver if it is an EvalSwapper.
func (l *Lookahead) SwapToTrain() error {
	if s, ok := l.inner.(EvalSwapper); ok {
		return s.SwapToTrain()
	}
	return nil
}

// State returns the slow weights, the step counter and, as Inner, the
// inner solver's state (which must be a Stater).
func (l *Lookahead) State() (*State, error) {
	is, ok := l.inner.(Stater)
	if !ok {
		return nil, l.errorf("State: inner solver %T has no State", l.inner)
	}
	inner, err := is.State()
	if err != nil {
		return nil, err
	}
	st, err := l.base.State()
	if err != nil {
		return nil, err
	}
	st.Scalars = map[string]float64{"count": float64(l.count)}
	st.Inner = inner
	return st, nil
}

// SetState restores a State saved by State, the inner solver's included.
func (l *Lookahead) SetState(st *State) error {
	is, ok := l.inner.(Stater)
	if !ok {
		return l.errorf("SetState: inner solver %T has no SetState", l.inner)
	}
	if st == nil || st.Inner == nil {
		return l.errorf("SetState: no inner state")
	}
	if err := l.needScalars(st, "count"); err != nil {
		return err
	}
	if err := l.base.SetState(st); err != nil {
		return err
	}
	if err := is.SetState(st.Inner); err != nil {
		return err
	}
	l.count = int(st.Scalars["count"])
	return nil
}
