package solvers

import (
	"math"

	"gorgonia.org/gorgonia"
)

// This file: ADOPT, the solver (adopt.go is the Adopter interface).

// ADOPTConfig holds the hyperparameters of ADOPT. Start from
// DefaultADOPTConfig: a zero field means zero, not "default".
type ADOPTConfig struct {
	LR                  float64 // learning rate, >= 0
	Beta1, Beta2        float64 // moment decays, in [0, 1)
	Eps                 float64 // floor of √v, >= 2⁻¹²⁶ (the smallest normal float32)
	WeightDecay         float64 // coupled (λθ added to g), or decoupled with Decouple
	Decouple            bool    // decoupled weight decay: θ ← θ(1 - lr·λ)
	ClipExp             float64 // the normalised gradient is clipped to ±(t-1)^clip_exp, >= 0
	ClipNorm, ClipValue float64 // gradient clipping; 0: off
}

// DefaultADOPTConfig returns the authors' defaults: lr 1e-3, β 0.9/0.9999,
// ε 1e-6, clipping (t-1)^0.25, no weight decay.
func DefaultADOPTConfig() ADOPTConfig {
	return ADOPTConfig{LR: 1e-3, Beta1: 0.9, Beta2: 0.9999, Eps: 1e-6, ClipExp: 0.25}
}

// ADOPT (Taniguchi et al. 2024, "ADOPT: Modified Adam Can Converge with
// Any β2 with the Optimal Rate", NeurIPS), as the authors' code
// (iShohei220/adopt, src/adopt/adopt.py at
// c621db21481adc94769982cccd7b896464ab295e, with clip_lambda = step^clip_exp).
// With t the parameter's step (from 1), coupled decay adding λθ to g:
//
//	t = 1:  v ← g²  (no update)
//	t > 1:  θ ← θ(1 - lr·λ) if decoupled
//	        n = clamp(g / max(√v, ε), ±(t-1)^clip_exp)
//	        m ← m + (1-β1)(n - m);  θ ← θ - lr·m;  v ← β2·v + (1-β2)g²
//
// The second moment of the current gradient is not in its own
// normalisation — the point of the method.
type ADOPT struct {
	base
	cfg ADOPTConfig
}

var _ Solver = (*ADOPT)(nil)

// NewADOPT returns an ADOPT solver, or an error naming the first invalid field.
func NewADOPT(cfg ADOPTConfig) (*ADOPT, error) {
	c := adamKeys{cfg.LR, cfg.Beta1, cfg.Beta2, cfg.Eps, cfg.WeightDecay, cfg.ClipNorm, cfg.ClipValue}.check("adopt")
	c.nonNeg("clip_exp", cfg.ClipExp)
	if c.err != nil {
		return nil, c.err
	}
	return &ADOPT{base: newBase("adopt", cfg.LR, cfg.ClipNorm, cfg.ClipValue, "exp_avg", "exp_avg_sq"), cfg: cfg}, nil
}

func parseADOPT(a *Args) (Solver, error) {
	cfg := DefaultADOPTConfig()
	k := adamKeys{cfg.LR, cfg.Beta1, cfg.Beta2, cfg.Eps, cfg.WeightDecay, 0, 0}.read(a)
	cfg.LR, cfg.Beta1, cfg.Beta2, cfg.Eps, cfg.WeightDecay = k.LR, k.Beta1, k.Beta2, k.Eps, k.WeightDecay
	cfg.Decouple = a.Bool("decouple", cfg.Decouple)
	cfg.ClipExp = a.Float("clip_exp", cfg.ClipExp)
	cfg.ClipNorm, cfg.ClipValue = k.ClipNorm, k.ClipValue
	return NewADOPT(cfg)
}

// String returns the solver's spec with every key (see Base.Spec).
func (s *ADOPT) String() string {
	c := &s.cfg
	return s.Spec("lr", c.LR, "beta1", c.Beta1, "beta2", c.Beta2, "eps", c.Eps, "weight_decay", c.WeightDecay,
		"decouple", c.Decouple, "clip_exp", c.ClipExp)
}

// Step updates the parameters in place and zeroes their gradients.
func (s *ADOPT) Step(model []gorgonia.ValueGrad) error {
	return s.Update(model, func(p *Param) {
		k := adoptStep{lr: s.lr, clip: math.Pow(float64(p.step-1), s.cfg.ClipExp), first: p.step == 1, c: &s.cfg}
		Dispatch(p, k, adoptKernel[float32], adoptKernel[float64])
	})
}

type adoptStep struct {
	lr, clip float64
	first    bool
	c        *ADOPTConfig
}

// adoptKernel flushes, in float32, m and v as Adam's: a v below 2⁻¹²⁶ has
// √v < 1.1e-19 < ε (flushing is off for ε < 1e-10), so max(√v, ε) is ε
// either way; a flushed m moves θ by less than lr·2⁻¹²⁶. Products that are
// added are rounded explicitly (no FMA, see adamKernel).
func adoptKernel[T float](w, g []T, s [][]T, k adoptStep) {
	c := k.c
	g, m, v := g[:len(w)], s[0][:len(w)], s[1][:len(w)]
	wd, coupled := T(c.WeightDecay), c.WeightDecay != 0 && !c.Decouple
	if k.first {
		ftz, tiny1 := flushLimits[T](1, c.Eps)
		for i := range w {
			gi := g[i]
			if coupled {
				gi += T(wd * w[i])
			}
			v[i] = flush(v[i]+sqTerm(1, gi, tiny1), ftz)
		}
		return
	}
	omb1, b2, omb2 := T(1-c.Beta1), T(c.Beta2), T(1-c.Beta2)
	eps, clip, nlr := T(c.Eps), T(k.clip), T(-k.lr)
	decay := T(-k.lr * c.WeightDecay)
	decoupled := c.WeightDecay != 0 && c.Decouple
	ftz, tiny := flushLimits[T](1-c.Beta2, c.Eps)
	for i := range w {
		gi := g[i]
		if coupled {
			gi += T(wd * w[i])
		}
		if decoupled {
			w[i] += T(decay * w[i])
		}
		n := gi / max(T(math.Sqrt(float64(v[i]))), eps)
		n = min(max(n, -clip), clip)
		m[i] = flush(lerpTorch(m[i], n, omb1), ftz)
		w[i] += T(nlr * m[i])
		v[i] = flush(T(b2*v[i])+sqTerm(omb2, gi, tiny), ftz)
	}
}
