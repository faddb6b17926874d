package solvers

import (
	"math"

	"gorgonia.org/gorgonia"
)

// This file: AdaBelief, which PyTorch does not have: its reference check is a
// paperCase (paper_test.go).

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
