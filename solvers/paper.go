package solvers

import (
	"math"

	"gorgonia.org/gorgonia"
)

// This file: the solvers PyTorch does not have, each after its paper.

// ---------------------------------------------------------------- Momentum

// MomentumConfig holds the hyperparameters of Momentum. Start from
// DefaultMomentumConfig: a zero field means zero, not "default".
type MomentumConfig struct {
	LR                  float64 // learning rate, >= 0
	Beta                float64 // decay of the velocity, in [0, 1)
	ClipNorm, ClipValue float64 // gradient clipping; 0: off
}

// DefaultMomentumConfig returns lr 0.01, β 0.9.
func DefaultMomentumConfig() MomentumConfig { return MomentumConfig{LR: 0.01, Beta: 0.9} }

// Momentum is gradient descent with momentum in the classic exponential
// moving average form (as in Andrew Ng's course and Keras' docs of it):
//
//	v ← βv + (1-β)g,  θ ← θ - lr·v,  v₀ = 0
//
// torch.optim.SGD(momentum=β, dampening=β) follows the same recursion but
// starts its buffer at g instead of (1-β)g.
type Momentum struct {
	base
	cfg MomentumConfig
}

var _ Solver = (*Momentum)(nil)

// NewMomentum returns a Momentum solver, or an error naming the first invalid field.
func NewMomentum(cfg MomentumConfig) (*Momentum, error) {
	c := checker{solver: "momentum"}
	c.common(cfg.LR, cfg.ClipNorm, cfg.ClipValue)
	c.beta("beta", cfg.Beta)
	if c.err != nil {
		return nil, c.err
	}
	s := &Momentum{base: newBase("momentum", cfg.LR, cfg.ClipNorm, cfg.ClipValue, "velocity"), cfg: cfg}
	s.zeroes = true // momentumKernel
	return s, nil
}

func parseMomentum(a *Args) (Solver, error) {
	cfg := DefaultMomentumConfig()
	cfg.LR = a.Float("lr", cfg.LR)
	cfg.Beta = a.Float("beta", cfg.Beta)
	cfg.ClipNorm, cfg.ClipValue = a.Clip()
	return NewMomentum(cfg)
}

// String returns the solver's spec with every key (see Base.Spec).
func (s *Momentum) String() string { return s.Spec("lr", s.cfg.LR, "beta", s.cfg.Beta) }

// Step updates the parameters in place and zeroes their gradients.
func (s *Momentum) Step(model []gorgonia.ValueGrad) error {
	return s.Update(model, func(p *Param) { Dispatch(p, s, momentumKernel[float32], momentumKernel[float64]) })
}

func momentumKernel[T float](w, g []T, s [][]T, m *Momentum) {
	beta, lr := m.cfg.Beta, m.lr
	g, v := g[:len(w)], s[0][:len(w)]
	b, omb, nlr := T(beta), T(1-beta), T(-lr)
	for i := range w {
		gi := g[i]
		g[i] = 0
		vi := T(b*v[i]) + T(omb*gi) // explicit roundings: no FMA (see adamKernel)
		v[i] = vi
		w[i] += T(nlr * vi)
	}
}

// ---------------------------------------------------------------- Lion

// LionConfig holds the hyperparameters of Lion. Start from
// DefaultLionConfig: a zero field means zero, not "default".
type LionConfig struct {
	LR                  float64 // learning rate, >= 0
	Beta1               float64 // interpolation of the update direction, in [0, 1)
	Beta2               float64 // decay of the momentum, in [0, 1)
	WeightDecay         float64 // decoupled: θ ← θ(1 - lr·λ)
	ClipNorm, ClipValue float64 // gradient clipping; 0: off
}

// DefaultLionConfig returns the defaults of the paper: lr 1e-4, β1 0.9, β2 0.99.
func DefaultLionConfig() LionConfig { return LionConfig{LR: 1e-4, Beta1: 0.9, Beta2: 0.99} }

// Lion is EvoLved Sign Momentum (Chen et al. 2023, "Symbolic Discovery of
// Optimization Algorithms", Algorithm 2), with decoupled weight decay and
// sign(0) = 0:
//
//	c ← β1·m + (1-β1)g;  θ ← θ - lr·(sign(c) + λθ);  m ← β2·m + (1-β2)g
type Lion struct {
	base
	cfg LionConfig
}

var _ Solver = (*Lion)(nil)

// NewLion returns a Lion solver, or an error naming the first invalid field.
func NewLion(cfg LionConfig) (*Lion, error) {
	c := checker{solver: "lion"}
	c.common(cfg.LR, cfg.ClipNorm, cfg.ClipValue)
	c.beta("beta1", cfg.Beta1)
	c.beta("beta2", cfg.Beta2)
	c.nonNeg("weight_decay", cfg.WeightDecay)
	if c.err != nil {
		return nil, c.err
	}
	s := &Lion{base: newBase("lion", cfg.LR, cfg.ClipNorm, cfg.ClipValue, "exp_avg"), cfg: cfg}
	s.zeroes = true // lionKernel
	return s, nil
}

func parseLion(a *Args) (Solver, error) {
	cfg := DefaultLionConfig()
	cfg.LR = a.Float("lr", cfg.LR)
	cfg.Beta1 = a.Float("beta1", cfg.Beta1)
	cfg.Beta2 = a.Float("beta2", cfg.Beta2)
	cfg.WeightDecay = a.Float("weight_decay", cfg.WeightDecay)
	cfg.ClipNorm, cfg.ClipValue = a.Clip()
	return NewLion(cfg)
}

// String returns the solver's spec with every key (see Base.Spec).
func (s *Lion) String() string {
	c := &s.cfg
	return s.Spec("lr", c.LR, "beta1", c.Beta1, "beta2", c.Beta2, "weight_decay", c.WeightDecay)
}

// Step updates the parameters in place and zeroes their gradients.
func (s *Lion) Step(model []gorgonia.ValueGrad) error {
	return s.Update(model, func(p *Param) { Dispatch(p, s, lionKernel[float32], lionKernel[float64]) })
}

func lionKernel[T float](w, g []T, s [][]T, l *Lion) {
	lr, c := l.lr, &l.cfg
	g, m := g[:len(w)], s[0][:len(w)]
	decay, b1, omb1, b2, omb2, nlr := T(1-float64(lr*c.WeightDecay)), T(c.Beta1), T(1-c.Beta1), T(c.Beta2), T(1-c.Beta2), T(-lr)
	for i := range w {
		gi, mi := g[i], m[i]
		g[i] = 0
		u := T(b1*mi) + T(omb1*gi) // explicit roundings: no FMA (see adamKernel)
		var sign T
		if u > 0 {
			sign = 1
		} else if u < 0 {
			sign = -1
		}
		w[i] = T(w[i]*decay) + T(nlr*sign)
		m[i] = T(b2*mi) + T(omb2*gi)
	}
}

// ---------------------------------------------------------------- AdaBelief

// AdaBeliefConfig holds the hyperparameters of AdaBelief. Start from
// DefaultAdaBeliefConfig: a zero field means zero, not "default".
type AdaBeliefConfig struct {
	LR                  float64 // learning rate, >= 0
	Beta1, Beta2        float64 // moment decays, in [0, 1)
	Eps                 float64 // added inside s every step and to the denominator, >= 2⁻¹²⁶ (the smallest normal float32)
	WeightDecay         float64 // decoupled: θ ← θ(1 - lr·λ)
	ClipNorm, ClipValue float64 // gradient clipping; 0: off
}

// DefaultAdaBeliefConfig returns lr 1e-3, β 0.9/0.999, ε 1e-16 (the
// paper's defaults).
func DefaultAdaBeliefConfig() AdaBeliefConfig {
	return AdaBeliefConfig{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-16}
}

// AdaBelief (Zhuang et al. 2020, "AdaBelief Optimizer: Adapting Stepsizes
// by the Belief in Observed Gradients", Algorithm 2), with decoupled
// weight decay:
//
//	θ ← θ(1 - lr·λ)
//	m ← β1·m + (1-β1)g;  s ← β2·s + (1-β2)(g-m)² + ε
//	θ ← θ - lr/(1-β1^t) · m / (√s/√(1-β2^t) + ε)
type AdaBelief struct {
	base
	cfg AdaBeliefConfig
}

var _ Solver = (*AdaBelief)(nil)

// NewAdaBelief returns an AdaBelief solver, or an error naming the first invalid field.
func NewAdaBelief(cfg AdaBeliefConfig) (*AdaBelief, error) {
	c := adamKeys(cfg).check("adabelief")
	if c.err != nil {
		return nil, c.err
	}
	return &AdaBelief{base: newBase("adabelief", cfg.LR, cfg.ClipNorm, cfg.ClipValue, "exp_avg", "exp_avg_var"), cfg: cfg}, nil
}

func parseAdaBelief(a *Args) (Solver, error) {
	return NewAdaBelief(AdaBeliefConfig(adamKeys(DefaultAdaBeliefConfig()).read(a)))
}

// String returns the solver's spec with every key (see Base.Spec).
func (s *AdaBelief) String() string { return s.Spec(adamKeys(s.cfg).spec()...) }

// Step updates the parameters in place and zeroes their gradients.
func (s *AdaBelief) Step(model []gorgonia.ValueGrad) error {
	c := &s.cfg
	return s.Update(model, func(p *Param) {
		t := float64(p.step)
		k := adamScalars{
			decay: 1 - float64(s.lr*c.WeightDecay), b1: c.Beta1, omb1: 1 - c.Beta1, b2: c.Beta2, omb2: 1 - c.Beta2,
			bc2sqrt: math.Sqrt(1 - math.Pow(c.Beta2, t)), negStep: -(s.lr / (1 - math.Pow(c.Beta1, t))), eps: c.Eps,
		}
		Dispatch(p, k, adabeliefKernel[float32], adabeliefKernel[float64])
	})
}

// adabeliefKernel flushes, in float32, the first moment m, which decays
// geometrically under zero gradients, and drops (g-m)² below 2⁻¹²⁶ (see
// flush); s ≥ ε needs no flushing. Harmless: s ≥ ε ≥ 1e-20 (else flushing
// is off) is far above 2⁻¹⁰², where an addend below 2⁻¹²⁶ is under half
// an ulp and rounds away, so s comes out the same; a flushed m moves θ by
// less than lr/(1-β1^t)·2⁻¹²⁶/√ε.
func adabeliefKernel[T float](w, g []T, sl [][]T, k adamScalars) {
	g, m, s := g[:len(w)], sl[0][:len(w)], sl[1][:len(w)]
	decay, b1, omb1, b2, omb2 := T(k.decay), T(k.b1), T(k.omb1), T(k.b2), T(k.omb2)
	bc2sqrt, negStep, eps := T(k.bc2sqrt), T(k.negStep), T(k.eps)
	ftz, tiny := flushLimits[T](k.omb2, math.Sqrt(k.eps))
	for i := range w {
		gi := g[i]
		w[i] = T(w[i] * decay)
		m[i] = flush(T(b1*m[i])+T(omb1*gi), ftz)
		d := gi - m[i]
		s[i] = T(b2*s[i]) + sqTerm(omb2, d, tiny) + eps
		denom := T(math.Sqrt(float64(s[i])))/bc2sqrt + eps
		w[i] += negStep * m[i] / denom
	}
}

// ---------------------------------------------------------------- LAMB

// LAMBConfig holds the hyperparameters of LAMB. Start from
// DefaultLAMBConfig: a zero field means zero, not "default".
type LAMBConfig struct {
	LR                  float64 // learning rate, >= 0
	Beta1, Beta2        float64 // moment decays, in [0, 1)
	Eps                 float64 // added to the denominator, >= 2⁻¹²⁶ (the smallest normal float32)
	WeightDecay         float64 // λ of r = m̂/(√v̂+ε) + λθ
	ClipNorm, ClipValue float64 // gradient clipping; 0: off
}

// DefaultLAMBConfig returns lr 1e-3, β 0.9/0.999, ε 1e-6, no weight decay.
func DefaultLAMBConfig() LAMBConfig {
	return LAMBConfig{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-6}
}

// LAMB (You et al. 2020, "Large Batch Optimization for Deep Learning:
// Training BERT in 76 minutes", Algorithm 2), per parameter tensor, with
// bias-corrected moments and φ the identity:
//
//	m ← β1·m + (1-β1)g;  v ← β2·v + (1-β2)g²
//	r ← m̂/(√v̂ + ε) + λθ,  m̂ = m/(1-β1^t), v̂ = v/(1-β2^t)
//	θ ← θ - lr·‖θ‖/‖r‖ · r     (the ratio is 1 if ‖θ‖ or ‖r‖ is 0)
//
// Norms are L2 norms over the whole tensor, accumulated in float64.
type LAMB struct {
	base
	cfg LAMBConfig
}

var _ Solver = (*LAMB)(nil)

// NewLAMB returns a LAMB solver, or an error naming the first invalid field.
func NewLAMB(cfg LAMBConfig) (*LAMB, error) {
	c := adamKeys(cfg).check("lamb")
	if c.err != nil {
		return nil, c.err
	}
	// The slot "update" is scratch space for r, kept so Step allocates nothing.
	return &LAMB{base: newBase("lamb", cfg.LR, cfg.ClipNorm, cfg.ClipValue, "exp_avg", "exp_avg_sq", "update"), cfg: cfg}, nil
}

func parseLAMB(a *Args) (Solver, error) {
	return NewLAMB(LAMBConfig(adamKeys(DefaultLAMBConfig()).read(a)))
}

// String returns the solver's spec with every key (see Base.Spec).
func (s *LAMB) String() string { return s.Spec(adamKeys(s.cfg).spec()...) }

// Step updates the parameters in place and zeroes their gradients.
func (s *LAMB) Step(model []gorgonia.ValueGrad) error {
	c := &s.cfg
	return s.Update(model, func(p *Param) {
		t := float64(p.step)
		k := lambStep{bc1: 1 - math.Pow(c.Beta1, t), bc2: 1 - math.Pow(c.Beta2, t), lr: s.lr, c: c}
		Dispatch(p, k, lambKernel[float32], lambKernel[float64])
	})
}

type lambStep struct {
	bc1, bc2, lr float64
	c            *LAMBConfig
}

// lambKernel flushes, in float32, m and v as Adam's (see flush, for why
// that is harmless). The norms are sums of float64 products, each rounded
// before it is added (no FMA under GOAMD64=v3, see adamKernel).
func lambKernel[T float](w, g []T, s [][]T, k lambStep) {
	bc1, bc2, lr, c := k.bc1, k.bc2, k.lr, k.c
	g, m, v, r := g[:len(w)], s[0][:len(w)], s[1][:len(w)], s[2][:len(w)]
	b1, omb1, b2, omb2 := T(c.Beta1), T(1-c.Beta1), T(c.Beta2), T(1-c.Beta2)
	eps, wd, tbc1, tbc2 := T(c.Eps), T(c.WeightDecay), T(bc1), T(bc2)
	ftz, tiny := flushLimits[T](1-c.Beta2, c.Eps)
	var wn, rn float64
	for i := range w {
		gi := g[i]
		m[i] = flush(T(b1*m[i])+T(omb1*gi), ftz)
		v[i] = flush(T(b2*v[i])+sqTerm(omb2, gi, tiny), ftz)
		ri := (m[i] / tbc1) / (T(math.Sqrt(float64(v[i]/tbc2))) + eps)
		ri += T(wd * w[i])
		r[i] = ri
		wn += float64(float64(w[i]) * float64(w[i]))
		rn += float64(float64(ri) * float64(ri))
	}
	ratio := 1.0
	if wn > 0 && rn > 0 {
		ratio = math.Sqrt(wn) / math.Sqrt(rn)
	}
	step := T(-lr * ratio)
	for i := range w {
		w[i] += T(step * r[i])
	}
}
