package solvers

import (
	"math"

	"gorgonia.org/gorgonia"
)

// This file: NAdam, a PyTorch optimizer. Its kernel follows the order of
// operations of torch 1.13's _single_tensor_nadam, with scalar
// hyperparameters converted to the parameter dtype per operation.

// NAdamConfig holds the hyperparameters of NAdam. Start from
// DefaultNAdamConfig: a zero field means zero, not "default".
type NAdamConfig struct {
	LR                  float64 // learning rate, >= 0
	Beta1, Beta2        float64 // moment decays, in [0, 1)
	Eps                 float64 // added to the denominator, >= 2⁻¹²⁶ (the smallest normal float32)
	WeightDecay         float64 // coupled: adds WeightDecay·θ to the gradient
	MomentumDecay       float64 // ψ of the momentum schedule μ_t = β1(1 - ½·0.96^(tψ)), >= 0
	ClipNorm, ClipValue float64 // gradient clipping; 0: off
}

// DefaultNAdamConfig returns the defaults of torch.optim.NAdam.
func DefaultNAdamConfig() NAdamConfig {
	return NAdamConfig{LR: 2e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, MomentumDecay: 4e-3}
}

// NAdam is torch.optim.NAdam (Dozat 2016), as in PyTorch >= 2.0:
//
//	g ← g + λθ;  μ_t = β1(1 - ½·0.96^(tψ));  Π_t = Π_{i≤t} μ_i
//	m ← β1·m + (1-β1)g;  v ← β2·v + (1-β2)g²;  d = √(v/(1-β2^t)) + ε
//	θ ← θ - lr(1-μ_t)/(1-Π_t) · g/d - lr·μ_{t+1}/(1-Π_t·μ_{t+1}) · m/d
//
// PyTorch 1.13 multiplies μ_t twice into the second denominator (a bug
// fixed in 2.0); convergo does not.
type NAdam struct {
	base
	cfg NAdamConfig
}

var _ Solver = (*NAdam)(nil)

func (cfg *NAdamConfig) keys() adamKeys {
	return adamKeys{cfg.LR, cfg.Beta1, cfg.Beta2, cfg.Eps, cfg.WeightDecay, cfg.ClipNorm, cfg.ClipValue}
}

// NewNAdam returns an NAdam solver, or an error naming the first invalid field.
func NewNAdam(cfg NAdamConfig) (*NAdam, error) {
	c := cfg.keys().check("nadam")
	c.nonNeg("momentum_decay", cfg.MomentumDecay)
	if c.err != nil {
		return nil, c.err
	}
	s := &NAdam{base: newBase("nadam", cfg.LR, cfg.ClipNorm, cfg.ClipValue, "exp_avg", "exp_avg_sq"), cfg: cfg}
	s.scalarNames = []string{"mu_product"} // Π_{i≤t} μ_i, a per-parameter float64 (as torch's state)
	s.init = func(p *Param) { p.sc[0] = 1 }
	return s, nil
}

func parseNAdam(a *Args) (Solver, error) {
	d := DefaultNAdamConfig()
	cfg := AdamConfig{LR: d.LR, Beta1: d.Beta1, Beta2: d.Beta2, Eps: d.Eps}
	readAdamKeys(a, &cfg)
	md := a.Float("momentum_decay", d.MomentumDecay)
	return NewNAdam(NAdamConfig{LR: cfg.LR, Beta1: cfg.Beta1, Beta2: cfg.Beta2, Eps: cfg.Eps,
		WeightDecay: cfg.WeightDecay, MomentumDecay: md, ClipNorm: cfg.ClipNorm, ClipValue: cfg.ClipValue})
}

// String returns the solver's spec with every key (see Base.Spec).
func (s *NAdam) String() string {
	return s.Spec(append(s.cfg.keys().spec(), "momentum_decay", s.cfg.MomentumDecay)...)
}

// Step updates the parameters in place and zeroes their gradients.
func (s *NAdam) Step(model []gorgonia.ValueGrad) error {
	c := &s.cfg
	return s.Update(model, func(p *Param) {
		t := float64(p.step)
		mu := c.Beta1 * (1 - float64(0.5*math.Pow(0.96, t*c.MomentumDecay)))
		muNext := c.Beta1 * (1 - float64(0.5*math.Pow(0.96, (t+1)*c.MomentumDecay)))
		p.sc[0] *= mu // mu_product, in float64 whatever the dtype
		prod := p.sc[0]
		k := nadamScalars{
			bc2: 1 - math.Pow(c.Beta2, t),
			c1:  -s.lr * (1 - mu) / (1 - prod),
			c2:  -s.lr * muNext / (1 - float64(prod*muNext)),
			c:   c,
		}
		Dispatch(p, k, nadamKernel[float32], nadamKernel[float64])
	})
}

type nadamScalars struct {
	bc2, c1, c2 float64
	c           *NAdamConfig
}

// nadamKernel flushes, in float32, m and v as Adam's (see flush, for why
// that is harmless).
func nadamKernel[T float](w, g []T, s [][]T, k nadamScalars) {
	c := k.c
	g, m, v := g[:len(w)], s[0][:len(w)], s[1][:len(w)]
	wd, b1, omb1, b2, omb2 := T(c.WeightDecay), T(c.Beta1), T(1-c.Beta1), T(c.Beta2), T(1-c.Beta2)
	eps, bc2, c1, c2 := T(c.Eps), T(k.bc2), T(k.c1), T(k.c2)
	ftz, tiny := flushLimits[T](1-c.Beta2, c.Eps)
	for i := range w {
		gi := g[i]
		if c.WeightDecay != 0 {
			gi += T(wd * w[i])
		}
		m[i] = flush(T(m[i]*b1)+T(omb1*gi), ftz)
		v[i] = flush(T(v[i]*b2)+sqTerm(omb2, gi, tiny), ftz)
		denom := T(math.Sqrt(float64(v[i]/bc2))) + eps
		w[i] += c1 * gi / denom
		w[i] += c2 * m[i] / denom
	}
}
