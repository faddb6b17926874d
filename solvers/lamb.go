package solvers

import (
	"math"

	"gorgonia.org/gorgonia"
)

// This file: LAMB, which PyTorch does not have: its reference check is a
// paperCase (paper_test.go).

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
