package solvers

import (
	"fmt"
	"math"

	"github.com/pkg/errors"
	"gorgonia.org/gorgonia"
)

// Elementwise is implemented by solvers whose update of each parameter
// element depends only on that element's gradient and state and on
// scalars (the learning rate, bias corrections): sgd, momentum, adagrad,
// rmsprop, adadelta, adam, adamw, adamax, nadam, radam, lion, adabelief.
// Cautious wraps only those; a user's solver opts in by implementing it.
// Not elementwise: lamb (a per-tensor trust ratio), lookahead (its
// synchronisation is not a gradient step), sfadamw (the parameters hold
// an interpolation of two sequences), and the wrappers.
type Elementwise interface {
	// ElementwiseUpdate reports whether the update is elementwise.
	ElementwiseUpdate() bool
}

// decoupledDecayer is a solver that applies decoupled weight decay
// θ ← T(θ·T(1 - lr·λ)) before its update (adamw, lion, adabelief):
// decoupledDecay returns λ.
type decoupledDecayer interface{ decoupledDecay() float64 }

func (s *SGD) ElementwiseUpdate() bool       { return true } // see Elementwise
func (s *Momentum) ElementwiseUpdate() bool  { return true } // see Elementwise
func (s *Adagrad) ElementwiseUpdate() bool   { return true } // see Elementwise
func (s *RMSprop) ElementwiseUpdate() bool   { return true } // see Elementwise
func (s *Adadelta) ElementwiseUpdate() bool  { return true } // see Elementwise
func (s *Adam) ElementwiseUpdate() bool      { return true } // see Elementwise (adam and adamw)
func (s *Adamax) ElementwiseUpdate() bool    { return true } // see Elementwise
func (s *NAdam) ElementwiseUpdate() bool     { return true } // see Elementwise
func (s *RAdam) ElementwiseUpdate() bool     { return true } // see Elementwise
func (s *Lion) ElementwiseUpdate() bool      { return true } // see Elementwise
func (s *AdaBelief) ElementwiseUpdate() bool { return true } // see Elementwise

func (s *AdamW) decoupledDecay() float64     { return s.cfg.WeightDecay }
func (s *Lion) decoupledDecay() float64      { return s.cfg.WeightDecay }
func (s *AdaBelief) decoupledDecay() float64 { return s.cfg.WeightDecay }

// cautiousMinMean is the floor of the mask's mean: the reference divides
// by mask.mean().clamp_(min=1e-3).
const cautiousMinMean = 1e-3

// Cautious wraps an elementwise solver (Liang et al. 2024, "Cautious
// Optimizers: Improving Training with One Line of Code",
// kyleliang919/C-Optim, as its current c_adamw.py): the inner solver
// proposes an update u of each parameter tensor, and only the elements
// where u agrees in sign with the gradient g are applied, rescaled by the
// mean of the mask:
//
//	φ = 1[u·(−g) > 0] (elementwise),  θ ← θ + u·φ / max(mean(φ), 1e-3)
//
// per parameter tensor. Decoupled weight decay (adamw, lion, adabelief) is
// not masked, as in the reference's C-AdamW: θ ← θ(1−lr·λ), then the
// masked update — the decay first, as torch.optim.AdamW and this
// package's adamw; C-Optim's code, derived from Hugging Face's AdamW,
// decays the updated θ after the step, which differs by lr·λ times the
// masked update. To decay by role and mask the rest, write
// chain(decay(weight_decay=0.05,mask=weights),cautious(adam)). Cautious runs the inner Step in place, so the inner
// solver's state (moments, step counts) is exactly what it would be
// unwrapped, and takes u as the difference of the parameter after and
// before it (after removing the decay); g is the gradient as given to
// Step (the inner solver's clipping scales it by a positive factor or
// clamps it, which changes no sign). It keeps, per parameter, a copy of
// the value and of the gradient during a Step (scratch, not state), and
// has no keys of its own: cautious(adamw(lr=1e-3)). Inner solvers whose
// update is not elementwise are refused (see Elementwise).
type Cautious struct {
	base  // no slots
	inner Solver
	wd    decoupledDecayer // nil: the inner solver has no decoupled decay
	s32   map[*Param][]float32
	s64   map[*Param][]float64
}

var (
	_ Solver     = (*Cautious)(nil)
	_ RoleSetter = (*Cautious)(nil)
	_ Adopter    = (*Cautious)(nil)
)

// NewCautious wraps inner, or returns an error if its update is not
// elementwise (see Elementwise).
func NewCautious(inner Solver) (*Cautious, error) {
	if inner == nil {
		return nil, errors.New("solvers: cautious: nil inner solver")
	}
	if e, ok := inner.(Elementwise); !ok || !e.ElementwiseUpdate() {
		return nil, errors.Errorf("solvers: cautious: inner solver %s: its update is not elementwise (cautious wraps sgd, momentum, adagrad, rmsprop, adadelta, adam, adamw, adamax, nadam, radam, lion, adabelief, or a solver implementing solvers.Elementwise)", specName(inner))
	}
	c := &Cautious{base: newBase("cautious", 0, 0, 0), inner: inner, s32: map[*Param][]float32{}, s64: map[*Param][]float64{}}
	c.wd, _ = inner.(decoupledDecayer)
	return c, nil
}

// specName names a solver in an error: its spec, or its Go type.
func specName(s Solver) string {
	if st, ok := s.(interface{ String() string }); ok {
		return st.String()
	}
	return fmt.Sprintf("%T", s)
}

func parseCautious(a *Args) (Solver, error) {
	for _, key := range []string{"clip_norm", "clip_value", "lr"} {
		if a.Has(key) {
			a.Errorf(key, "belongs to the inner solver, as in cautious(adam(%s=...))", key)
		}
	}
	inner, err := a.Inner()
	if err != nil {
		return nil, err
	}
	return NewCautious(inner)
}

// String returns cautious(inner spec).
func (c *Cautious) String() string { return c.Spec("", innerString(c.inner)) }

// Inner returns the wrapped solver.
func (c *Cautious) Inner() Solver { return c.inner }

// LearnRate returns the inner solver's learning rate.
func (c *Cautious) LearnRate() float64 { return c.inner.LearnRate() }

// SetLearnRate sets the inner solver's learning rate.
func (c *Cautious) SetLearnRate(lr float64) { c.inner.SetLearnRate(lr) }

// SetRoles forwards the roles to the inner solver.
func (c *Cautious) SetRoles(roles map[string]Role) { forwardRoles(c.inner, roles) }

// Step runs the inner Step and keeps, of its update, the elements that
// agree in sign with the gradient, rescaled.
func (c *Cautious) Step(model []gorgonia.ValueGrad) error {
	if err := c.prepare(model); err != nil {
		return err
	}
	// Save θ and g: the inner Step overwrites θ and zeroes g.
	for _, p := range c.cur {
		if p.f32() {
			buf := c.scratch32(p)
			copy(buf, p.w32)
			copy(buf[len(p.w32):], p.g32)
		} else {
			buf := c.scratch64(p)
			copy(buf, p.w64)
			copy(buf[len(p.w64):], p.g64)
		}
	}
	decay := 1.0
	if c.wd != nil {
		decay = 1 - float64(c.inner.LearnRate()*c.wd.decoupledDecay()) // as the inner kernel
	}
	if err := c.inner.Step(model); err != nil {
		return err
	}
	for _, p := range c.cur {
		if p.f32() {
			buf := c.s32[p]
			cautiousMask(p.w32, buf[:len(p.w32)], buf[len(p.w32):], float32(decay), c.wd != nil)
		} else {
			buf := c.s64[p]
			cautiousMask(p.w64, buf[:len(p.w64)], buf[len(p.w64):], decay, c.wd != nil)
		}
	}
	return nil
}

func (c *Cautious) scratch32(p *Param) []float32 {
	buf, ok := c.s32[p]
	if !ok {
		buf = make([]float32, 2*len(p.w32))
		c.s32[p] = buf
	}
	return buf
}

func (c *Cautious) scratch64(p *Param) []float64 {
	buf, ok := c.s64[p]
	if !ok {
		buf = make([]float64, 2*len(p.w64))
		c.s64[p] = buf
	}
	return buf
}

// cautiousMask: w holds the inner solver's result, prev the value before
// it and g the gradient. With decoupled decay the base point is
// T(prev·decay), the inner kernel's first operation, else prev; the
// update is u = w − base. It writes base + T(u·scale) where u agrees
// with −g, base elsewhere; where every element agrees (scale 1) it leaves
// the inner result as it is. Signs are compared, not the product u·g,
// which can underflow to 0 in float32.
func cautiousMask[T float](w, prev, g []T, decay T, decayed bool) {
	prev, g = prev[:len(w)], g[:len(w)]
	n := 0
	for i := range w {
		b := prev[i]
		if decayed {
			b = T(b * decay)
		}
		if agrees(w[i]-b, g[i]) {
			n++
		}
	}
	if n == len(w) {
		return
	}
	mean := float64(n) / float64(len(w))
	scale := T(1 / math.Max(mean, cautiousMinMean))
	for i := range w {
		b := prev[i]
		if decayed {
			b = T(b * decay)
		}
		if u := w[i] - b; agrees(u, g[i]) {
			w[i] = b + T(u*scale)
		} else {
			w[i] = b
		}
	}
}

// agrees reports whether the update u moves against the gradient g: u·g < 0.
func agrees[T float](u, g T) bool { return u < 0 && g > 0 || u > 0 && g < 0 }

// Adopt registers the parameters with the wrapper and the inner solver.
func (c *Cautious) Adopt(model []gorgonia.ValueGrad) error {
	if err := c.base.Adopt(model); err != nil {
		return err
	}
	if a, ok := c.inner.(Adopter); ok {
		return a.Adopt(model)
	}
	return nil
}

// State returns, as Inner, the inner solver's state (the mask is a
// function of the Step).
func (c *Cautious) State() (*State, error) { return wrapperState(&c.base, c.inner) }

// SetState restores a State saved by State.
func (c *Cautious) SetState(st *State) error {
	clear(c.s32)
	clear(c.s64)
	return setWrapperState(&c.base, c.inner, st)
}
