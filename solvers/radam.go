package solvers

import (
	"math"

	"gorgonia.org/gorgonia"
)

// This file: RAdam, a PyTorch optimizer. Its kernel follows the order of
// operations of torch 1.13's _single_tensor_radam, with scalar
// hyperparameters converted to the parameter dtype per operation.

// RAdamConfig holds the hyperparameters of RAdam. Start from
// DefaultRAdamConfig: a zero field means zero, not "default".
type RAdamConfig struct {
	LR                  float64 // learning rate, >= 0
	Beta1, Beta2        float64 // moment decays, in [0, 1)
	Eps                 float64 // added to the denominator, >= 2⁻¹²⁶ (the smallest normal float32)
	WeightDecay         float64 // coupled: adds WeightDecay·θ to the gradient
	ClipNorm, ClipValue float64 // gradient clipping; 0: off
}

// DefaultRAdamConfig returns the defaults of torch.optim.RAdam.
func DefaultRAdamConfig() RAdamConfig {
	return RAdamConfig{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}
}

// RAdam is torch.optim.RAdam (Liu et al. 2020, Alg. 2): Adam whose
// adaptive step is switched on, rectified, once the variance of the
// adaptive learning rate is tractable (ρ_t > 5); before that the update
// is momentum SGD with the bias-corrected first moment.
type RAdam struct {
	base
	cfg RAdamConfig
}

var _ Solver = (*RAdam)(nil)

// NewRAdam returns a RAdam solver, or an error naming the first invalid field.
func NewRAdam(cfg RAdamConfig) (*RAdam, error) {
	c := adamKeys(cfg).check("radam")
	if c.err != nil {
		return nil, c.err
	}
	return &RAdam{base: newBase("radam", cfg.LR, cfg.ClipNorm, cfg.ClipValue, "exp_avg", "exp_avg_sq"), cfg: cfg}, nil
}

func parseRAdam(a *Args) (Solver, error) {
	return NewRAdam(RAdamConfig(adamKeys(DefaultRAdamConfig()).read(a)))
}

// String returns the solver's spec with every key (see Base.Spec).
func (s *RAdam) String() string { return s.Spec(adamKeys(s.cfg).spec()...) }

type radamScalars struct {
	bc1, lr, rect, bc2sqrt float64
	rectified              bool
	c                      *RAdamConfig
}

// Step updates the parameters in place and zeroes their gradients.
func (s *RAdam) Step(model []gorgonia.ValueGrad) error {
	c := &s.cfg
	return s.Update(model, func(p *Param) {
		t := float64(p.step)
		bc1, bc2 := 1-math.Pow(c.Beta1, t), 1-math.Pow(c.Beta2, t)
		rhoInf := 2/(1-c.Beta2) - 1
		rhoT := rhoInf - 2*t*math.Pow(c.Beta2, t)/bc2
		k := radamScalars{bc1: bc1, lr: s.lr, bc2sqrt: math.Sqrt(bc2), c: c}
		if rhoT > 5 {
			k.rectified = true
			k.rect = math.Sqrt((rhoT - 4) * (rhoT - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rhoT))
		}
		Dispatch(p, k, radamKernel[float32], radamKernel[float64])
	})
}

// radamKernel flushes, in float32, m and v as Adam's (see flush, for why
// that is harmless).
func radamKernel[T float](w, g []T, s [][]T, k radamScalars) {
	c := k.c
	g, m, v := g[:len(w)], s[0][:len(w)], s[1][:len(w)]
	wd, b1, omb1, b2, omb2 := T(c.WeightDecay), T(c.Beta1), T(1-c.Beta1), T(c.Beta2), T(1-c.Beta2)
	eps, bc1, lr, rect, bc2sqrt := T(c.Eps), T(k.bc1), T(k.lr), T(k.rect), T(k.bc2sqrt)
	ftz, tiny := flushLimits[T](1-c.Beta2, c.Eps)
	for i := range w {
		gi := g[i]
		if c.WeightDecay != 0 {
			gi += T(wd * w[i])
		}
		m[i] = flush(T(m[i]*b1)+T(omb1*gi), ftz)
		v[i] = flush(T(v[i]*b2)+sqTerm(omb2, gi, tiny), ftz)
		mhat := m[i] / bc1
		if k.rectified {
			adaptive := bc2sqrt / (T(math.Sqrt(float64(v[i]))) + eps)
			w[i] += T(-1 * (mhat * lr * adaptive * rect))
		} else {
			w[i] += T(-1 * (mhat * lr))
		}
	}
}
