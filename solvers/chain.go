package solvers

import (
	"fmt"
	"math"

	"github.com/pkg/errors"
	"gorgonia.org/gorgonia"

	"github.com/convergo/convergo/internal/spec"
)

// This file: Chain, gradient transforms run in order in front of any
// solver, each on the parameters its Mask selects, as Optax's chain of
// clip_by_global_norm, clip, add_decayed_weights(mask=...).

// TransformKind is what a Transform does.
type TransformKind int

// The transforms of a Chain. Each acts on the parameters its mask selects
// only.
const (
	// ClipNormKind scales the selected gradients by max/(norm+1e-6) when
	// that is below 1, norm being their global L2 norm (as clip_norm and
	// torch.nn.utils.clip_grad_norm_). Spec: clip_norm(max=…,mask=…).
	ClipNormKind TransformKind = iota
	// ClipValueKind clamps each selected gradient element to [-max, max]
	// (as clip_value and torch.nn.utils.clip_grad_value_). Spec:
	// clip_value(max=…,mask=…).
	ClipValueKind
	// CoupledDecayKind adds λθ to the selected gradients, the gradient of
	// the L2 penalty ½λ‖θ‖² (PyTorch's weight_decay of SGD and Adam).
	// Spec: coupled_decay(weight_decay=…,mask=…).
	CoupledDecayKind
	// DecayKind is decoupled weight decay: θ ← θ(1 − lr·λ), lr the inner
	// solver's current learning rate, before the inner Step (AdamW's order).
	// Spec: decay(weight_decay=…,mask=…).
	DecayKind
)

var transformNames = [...]string{"clip_norm", "clip_value", "coupled_decay", "decay"}

// transformKey is the key of each transform's amount.
var transformKey = [...]string{"max", "max", "weight_decay", "weight_decay"}

// Transform is one gradient transform of a Chain: its kind, its amount
// (max for the clipping kinds, weight_decay λ for the decays) and the
// parameters it acts on.
type Transform struct {
	Kind   TransformKind
	Amount float64
	Mask   Mask
}

// String returns the transform's spec, as chain reads it.
func (t Transform) String() string {
	if t.Kind < 0 || int(t.Kind) >= len(transformNames) {
		return fmt.Sprintf("TransformKind(%d)", int(t.Kind))
	}
	return transformNames[t.Kind] + "(" + transformKey[t.Kind] + "=" + formatValue(t.Amount) + ",mask=" + t.Mask.String() + ")"
}

// Chain runs gradient transforms, in order, in front of an inner solver:
// each transform acts on the parameters its mask selects (by role or
// layer name, see Mask and RoleSetter), then the inner solver steps every
// parameter. The learning rate is the inner solver's. It is the spec
//
//	chain(clip_norm(max=1),decay(weight_decay=0.05,mask=weights),adam(lr=1e-3))
//
// the last positional argument being the solver. A transform whose mask is
// all does exactly what the inner solver's fused key does, bit for bit:
// chain(clip_norm(max=c),s) is s(clip_norm=c), chain(clip_value(max=c),s)
// is s(clip_value=c), chain(coupled_decay(weight_decay=λ),adam) is
// adam(weight_decay=λ) and chain(decay(weight_decay=λ),adam) is
// adamw(weight_decay=λ) (TestChainMatchesFusedKeys); the fused keys stay
// the fast path. The inner solver's own clipping runs after the chain's
// transforms.
type Chain struct {
	base // no slots: validation and the parameters of the current Step
	Roles
	inner Solver
	ts    []Transform
}

var (
	_ Solver      = (*Chain)(nil)
	_ RoleSetter  = (*Chain)(nil)
	_ EvalSwapper = (*Chain)(nil)
	_ Adopter     = (*Chain)(nil)
)

// NewChain returns the chain of ts in front of inner, or an error naming
// the first invalid transform.
func NewChain(inner Solver, ts ...Transform) (*Chain, error) {
	if inner == nil {
		return nil, errors.New("solvers: chain: nil inner solver")
	}
	for i, t := range ts {
		if t.Kind < 0 || int(t.Kind) >= len(transformNames) {
			return nil, errors.Errorf("solvers: chain: transform %d: unknown kind %d", i, int(t.Kind))
		}
		c := checker{solver: "chain: " + transformNames[t.Kind]}
		if t.Kind == ClipNormKind || t.Kind == ClipValueKind {
			c.pos(transformKey[t.Kind], t.Amount)
		} else {
			c.nonNeg(transformKey[t.Kind], t.Amount)
		}
		if c.err != nil {
			return nil, c.err
		}
	}
	return &Chain{base: newBase("chain", 0, 0, 0), inner: inner, ts: append([]Transform(nil), ts...)}, nil
}

func parseChain(a *Args) (Solver, error) {
	for _, key := range []string{"clip_norm", "clip_value", "lr"} {
		if a.Has(key) {
			a.Errorf(key, "belongs to a transform or the solver, as in chain(clip_norm(max=1),adam(lr=1e-3))")
		}
	}
	pos := a.a.Positional()
	if len(pos) == 0 {
		return nil, errors.New("solvers: chain: want transforms and a solver last, as in chain(clip_norm(max=1),adam), got nothing")
	}
	var ts []Transform
	for _, c := range pos[:len(pos)-1] {
		t, err := parseTransform(c)
		if err != nil {
			return nil, err
		}
		ts = append(ts, t)
	}
	inner, err := a.parse(pos[len(pos)-1])
	if err != nil {
		return nil, errors.Wrap(err, "solvers: chain: solver (the last argument)")
	}
	return NewChain(inner, ts...)
}

// parseTransform reads one transform of a chain spec.
func parseTransform(c *spec.Call) (Transform, error) {
	kind := -1
	for i, n := range transformNames {
		if n == c.Name {
			kind = i
		}
	}
	if kind < 0 {
		return Transform{}, errors.Errorf("solvers: chain: unknown transform %q (known: clip_norm, clip_value, coupled_decay, decay; the solver comes last)", c.Name)
	}
	sa := c.Args("solvers: chain: " + c.Name)
	a := &Args{a: sa, name: c.Name}
	key := transformKey[kind]
	amount := a.Float(key, math.NaN())
	if !a.Has(key) {
		a.Errorf(key, "required")
	}
	t := Transform{Kind: TransformKind(kind), Amount: amount, Mask: a.Mask("mask", AllParams)}
	if err := sa.Done(); err != nil {
		return Transform{}, err
	}
	return t, nil
}

// String returns the chain's spec: every transform with its keys, then
// the inner solver's spec.
func (c *Chain) String() string {
	args := make([]any, 0, 2*len(c.ts)+2)
	for _, t := range c.ts {
		args = append(args, "", t)
	}
	return c.Spec(append(args, "", innerString(c.inner))...)
}

// innerString is an inner solver as a Spec value: its String, or its Go
// type if it has none.
func innerString(s Solver) any {
	if _, ok := s.(fmt.Stringer); ok {
		return s
	}
	return fmt.Sprintf("%T", s)
}

// Inner returns the wrapped solver.
func (c *Chain) Inner() Solver { return c.inner }

// Transforms returns the transforms, in order.
func (c *Chain) Transforms() []Transform { return append([]Transform(nil), c.ts...) }

// LearnRate returns the inner solver's learning rate.
func (c *Chain) LearnRate() float64 { return c.inner.LearnRate() }

// SetLearnRate sets the inner solver's learning rate.
func (c *Chain) SetLearnRate(lr float64) { c.inner.SetLearnRate(lr) }

// SetRoles sets the roles the masks see and forwards them to the inner solver.
func (c *Chain) SetRoles(roles map[string]Role) {
	c.Roles.SetRoles(roles)
	forwardRoles(c.inner, roles)
}

// Step validates every parameter, runs the transforms in order and then
// the inner Step (which zeroes the gradients).
func (c *Chain) Step(model []gorgonia.ValueGrad) error {
	if err := c.prepare(model); err != nil {
		return err
	}
	lr := c.inner.LearnRate()
	for _, t := range c.ts {
		switch t.Kind {
		case ClipNormKind:
			var sum float64
			for _, p := range c.cur {
				if t.Mask.Selects(p.name, c.roleOf(p)) {
					sum += sumSquares(p.g32) + sumSquares(p.g64)
				}
			}
			// As Base.clip (torch's clip_grad_norm_), in the gradients' dtype.
			total := math.Sqrt(sum)
			coef64 := t.Amount / (total + 1e-6)
			coef32 := float32(t.Amount) / (float32(total) + float32(1e-6))
			for _, p := range c.cur {
				if !t.Mask.Selects(p.name, c.roleOf(p)) {
					continue
				}
				if p.f32() {
					if coef32 < 1 {
						scaleSlice(p.g32, coef32)
					}
				} else if coef64 < 1 {
					scaleSlice(p.g64, coef64)
				}
			}
		case ClipValueKind:
			for _, p := range c.cur {
				if t.Mask.Selects(p.name, c.roleOf(p)) {
					clampSlice(p.g32, float32(t.Amount))
					clampSlice(p.g64, t.Amount)
				}
			}
		case CoupledDecayKind:
			for _, p := range c.cur {
				if t.Amount != 0 && t.Mask.Selects(p.name, c.roleOf(p)) {
					addScaled(p.g32, p.w32, float32(t.Amount))
					addScaled(p.g64, p.w64, t.Amount)
				}
			}
		case DecayKind:
			decay := 1 - float64(lr*t.Amount) // as AdamW's kernel
			for _, p := range c.cur {
				if t.Amount != 0 && t.Mask.Selects(p.name, c.roleOf(p)) {
					scaleRounded(p.w32, float32(decay))
					scaleRounded(p.w64, decay)
				}
			}
		}
	}
	return c.inner.Step(model)
}

// addScaled adds a·x to g, the product rounded first (no FMA), as the
// coupled weight decay of the kernels: g + T(λ·θ).
func addScaled[T float](g, x []T, a T) {
	x = x[:len(g)]
	for i := range g {
		g[i] += T(a * x[i])
	}
}

// scaleRounded multiplies w by d, each product rounded: T(w·d), as AdamW's
// decoupled decay.
func scaleRounded[T float](w []T, d T) {
	for i := range w {
		w[i] = T(w[i] * d)
	}
}

// SwapToEval forwards to the inner solver if it is an EvalSwapper.
func (c *Chain) SwapToEval() error {
	if s, ok := c.inner.(EvalSwapper); ok {
		return s.SwapToEval()
	}
	return nil
}

// SwapToTrain forwards to the inner solver if it is an EvalSwapper.
func (c *Chain) SwapToTrain() error {
	if s, ok := c.inner.(EvalSwapper); ok {
		return s.SwapToTrain()
	}
	return nil
}

// Adopt registers the parameters with the chain and the inner solver.
func (c *Chain) Adopt(model []gorgonia.ValueGrad) error {
	if err := c.base.Adopt(model); err != nil {
		return err
	}
	if a, ok := c.inner.(Adopter); ok {
		return a.Adopt(model)
	}
	return nil
}

// State returns, as Inner, the inner solver's state (the transforms have
// none).
func (c *Chain) State() (*State, error) { return wrapperState(&c.base, c.inner) }

// SetState restores a State saved by State.
func (c *Chain) SetState(st *State) error { return setWrapperState(&c.base, c.inner, st) }

// wrapperState is the State of a wrapper built on b around inner: b's
// own and, as Inner, inner's (which must be a Stater).
func wrapperState(b *Base, inner Solver) (*State, error) {
	is, ok := inner.(Stater)
	if !ok {
		return nil, b.errorf("State: inner solver %T has no State", inner)
	}
	in, err := is.State()
	if err != nil {
		return nil, err
	}
	st, err := b.State()
	if err != nil {
		return nil, err
	}
	st.Inner = in
	return st, nil
}

// setWrapperState restores what wrapperState saved.
func setWrapperState(b *Base, inner Solver, st *State) error {
	is, ok := inner.(Stater)
	if !ok {
		return b.errorf("SetState: inner solver %T has no SetState", inner)
	}
	if st == nil || st.Inner == nil {
		return b.errorf("SetState: no inner state")
	}
	if err := b.SetState(st); err != nil {
		return err
	}
	return is.SetState(st.Inner)
}
