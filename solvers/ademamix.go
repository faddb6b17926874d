package solvers

import (
	"math"

	"gorgonia.org/gorgonia"
)

// AdEMAMixConfig holds the hyperparameters of AdEMAMix. Start from
// DefaultAdEMAMixConfig: a zero field means zero, not "default".
type AdEMAMixConfig struct {
	LR                  float64 // learning rate, >= 0
	Beta1, Beta2        float64 // decays of the fast EMA and of the second moment, in [0, 1)
	Beta3               float64 // decay of the slow EMA, in [0, 1)
	Alpha               float64 // weight of the slow EMA, >= 0
	Beta3Warmup         int     // steps of the β3 warm-up, >= 0; 0: none
	AlphaWarmup         int     // steps of the α warm-up, >= 0; 0: none
	Eps                 float64 // added to the denominator, >= 2⁻¹²⁶ (the smallest normal float32)
	WeightDecay         float64 // decoupled, added to the update: θ ← θ - lr(u + λθ)
	ClipNorm, ClipValue float64 // gradient clipping; 0: off
}

// DefaultAdEMAMixConfig returns the defaults of the authors' code: lr
// 1e-3, β 0.9/0.999/0.9999, α 2, no warm-ups, ε 1e-8, no weight decay.
func DefaultAdEMAMixConfig() AdEMAMixConfig {
	return AdEMAMixConfig{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Beta3: 0.9999, Alpha: 2, Eps: 1e-8}
}

// AdEMAMix (Pagliardini, Ablin and Grangier 2024, "The AdEMAMix
// Optimizer: Better, Faster, Older"), as the authors' PyTorch code
// (apple/ml-ademamix, pytorch/ademamix.py at
// c3d73c09f1287e5c33b95189bb0aa7de0a5a7667). With t the parameter's step:
//
//	m1 ← β1·m1 + (1-β1)g;  m2 ← β3(t)·m2 + (1-β3(t))g;  v ← β2·v + (1-β2)g²
//	u = (m1/(1-β1^t) + α(t)·m2) / (√v/√(1-β2^t) + ε) + λθ
//	θ ← θ - lr·u
//
// During an α warm-up of T steps, α(t) = α·t/T for t < T; during a β3
// warm-up, β3(t) interpolates linearly in half-life, from β1 to β3:
// β3(t) = 0.5^(1/(h+1)) with h = (1-t/T)·f(β1) + (t/T)·f(β3) and
// f(β) = ln 0.5/ln(β+1e-8) - 1. A warm-up of 0 steps is none (the
// reference's None). The slow EMA m2 has no bias correction.
type AdEMAMix struct {
	base
	cfg AdEMAMixConfig
}

var _ Solver = (*AdEMAMix)(nil)

// NewAdEMAMix returns an AdEMAMix solver, or an error naming the first invalid field.
func NewAdEMAMix(cfg AdEMAMixConfig) (*AdEMAMix, error) {
	c := checker{solver: "ademamix"}
	c.common(cfg.LR, cfg.ClipNorm, cfg.ClipValue)
	c.beta("beta1", cfg.Beta1)
	c.beta("beta2", cfg.Beta2)
	c.beta("beta3", cfg.Beta3)
	c.nonNeg("alpha", cfg.Alpha)
	c.check(cfg.Beta3Warmup >= 0, "beta3_warmup", cfg.Beta3Warmup, ">= 0")
	c.check(cfg.AlphaWarmup >= 0, "alpha_warmup", cfg.AlphaWarmup, ">= 0")
	c.eps("eps", cfg.Eps)
	c.nonNeg("weight_decay", cfg.WeightDecay)
	if c.err != nil {
		return nil, c.err
	}
	return &AdEMAMix{base: newBase("ademamix", cfg.LR, cfg.ClipNorm, cfg.ClipValue, "exp_avg_fast", "exp_avg_slow", "exp_avg_sq"), cfg: cfg}, nil
}

func parseAdEMAMix(a *Args) (Solver, error) {
	cfg := DefaultAdEMAMixConfig()
	cfg.LR = a.Float("lr", cfg.LR)
	cfg.Beta1 = a.Float("beta1", cfg.Beta1)
	cfg.Beta2 = a.Float("beta2", cfg.Beta2)
	cfg.Beta3 = a.Float("beta3", cfg.Beta3)
	cfg.Alpha = a.Float("alpha", cfg.Alpha)
	cfg.Beta3Warmup = a.Int("beta3_warmup", cfg.Beta3Warmup)
	cfg.AlphaWarmup = a.Int("alpha_warmup", cfg.AlphaWarmup)
	cfg.Eps = a.Float("eps", cfg.Eps)
	cfg.WeightDecay = a.Float("weight_decay", cfg.WeightDecay)
	cfg.ClipNorm, cfg.ClipValue = a.Clip()
	return NewAdEMAMix(cfg)
}

// String returns the solver's spec with every key (see Base.Spec).
func (s *AdEMAMix) String() string {
	c := &s.cfg
	return s.Spec("lr", c.LR, "beta1", c.Beta1, "beta2", c.Beta2, "beta3", c.Beta3, "alpha", c.Alpha,
		"beta3_warmup", c.Beta3Warmup, "alpha_warmup", c.AlphaWarmup, "eps", c.Eps, "weight_decay", c.WeightDecay)
}

// ademamixBeta3 is β3(t) of the half-life warm-up (see AdEMAMix).
func ademamixBeta3(t, warmup int, beta1, beta3 float64) float64 {
	if warmup == 0 || t >= warmup {
		return beta3
	}
	f := func(b float64) float64 { return math.Log(0.5)/math.Log(b+1e-8) - 1 }
	a := float64(t) / float64(warmup)
	return math.Pow(0.5, 1/((1-a)*f(beta1)+a*f(beta3)+1))
}

// Step updates the parameters in place and zeroes their gradients.
func (s *AdEMAMix) Step(model []gorgonia.ValueGrad) error {
	c := &s.cfg
	return s.Update(model, func(p *Param) {
		t := p.step
		alpha := c.Alpha
		if c.AlphaWarmup > 0 && t < c.AlphaWarmup {
			alpha = float64(t) / float64(c.AlphaWarmup) * c.Alpha
		}
		k := ademamixStep{lr: s.lr, alpha: alpha, beta3: ademamixBeta3(t, c.Beta3Warmup, c.Beta1, c.Beta3),
			bc1: 1 - math.Pow(c.Beta1, float64(t)), bc2sqrt: math.Sqrt(1 - math.Pow(c.Beta2, float64(t))), c: c}
		Dispatch(p, k, ademamixKernel[float32], ademamixKernel[float64])
	})
}

type ademamixStep struct {
	lr, alpha, beta3, bc1, bc2sqrt float64
	c                              *AdEMAMixConfig
}

// ademamixKernel flushes, in float32, the three moments as Adam's (see
// flush, for why that is harmless); products that are added are rounded
// explicitly (no FMA, see adamKernel).
func ademamixKernel[T float](w, g []T, s [][]T, k ademamixStep) {
	c := k.c
	g, m1, m2, v := g[:len(w)], s[0][:len(w)], s[1][:len(w)], s[2][:len(w)]
	b1, omb1, b2, omb2 := T(c.Beta1), T(1-c.Beta1), T(c.Beta2), T(1-c.Beta2)
	b3, omb3, alpha, bc1, bc2sqrt := T(k.beta3), T(1-k.beta3), T(k.alpha), T(k.bc1), T(k.bc2sqrt)
	eps, wd, nlr := T(c.Eps), T(c.WeightDecay), T(-k.lr)
	ftz, tiny := flushLimits[T](1-c.Beta2, c.Eps)
	for i := range w {
		gi := g[i]
		m1[i] = flush(T(b1*m1[i])+T(omb1*gi), ftz)
		m2[i] = flush(T(b3*m2[i])+T(omb3*gi), ftz)
		v[i] = flush(T(b2*v[i])+sqTerm(omb2, gi, tiny), ftz)
		d := T(math.Sqrt(float64(v[i])))/bc2sqrt + eps
		u := (m1[i]/bc1 + T(alpha*m2[i])) / d
		u += T(wd * w[i])
		w[i] += T(nlr * u)
	}
}
