package solvers

import (
	"math"

	"gorgonia.org/gorgonia"
)

// This file: Adadelta, a PyTorch optimizer. Its kernel follows the order of
// operations of torch 1.13's _single_tensor_adadelta, with scalar
// hyperparameters converted to the parameter dtype per operation.

// AdadeltaConfig holds the hyperparameters of Adadelta. Start from
// DefaultAdadeltaConfig: a zero field means zero, not "default".
type AdadeltaConfig struct {
	LR                  float64 // scales the update, >= 0
	Rho                 float64 // decay of the running averages, in [0, 1]
	Eps                 float64 // inside both square roots, >= 2⁻¹²⁶ (the smallest normal float32)
	WeightDecay         float64 // coupled: adds WeightDecay·θ to the gradient
	ClipNorm, ClipValue float64 // gradient clipping; 0: off
}

// DefaultAdadeltaConfig returns the defaults of torch.optim.Adadelta.
func DefaultAdadeltaConfig() AdadeltaConfig { return AdadeltaConfig{LR: 1, Rho: 0.9, Eps: 1e-6} }

// Adadelta is torch.optim.Adadelta (Zeiler 2012):
//
//	g ← g + λθ;  v ← ρv + (1-ρ)g²;  Δ ← √(u+ε)/√(v+ε)·g;  u ← ρu + (1-ρ)Δ²;  θ ← θ - lr·Δ
type Adadelta struct {
	base
	cfg AdadeltaConfig
}

var _ Solver = (*Adadelta)(nil)

// NewAdadelta returns an Adadelta solver, or an error naming the first invalid field.
func NewAdadelta(cfg AdadeltaConfig) (*Adadelta, error) {
	c := checker{solver: "adadelta"}
	c.common(cfg.LR, cfg.ClipNorm, cfg.ClipValue)
	c.unit("rho", cfg.Rho)
	c.eps("eps", cfg.Eps)
	c.nonNeg("weight_decay", cfg.WeightDecay)
	if c.err != nil {
		return nil, c.err
	}
	return &Adadelta{base: newBase("adadelta", cfg.LR, cfg.ClipNorm, cfg.ClipValue, "square_avg", "acc_delta"), cfg: cfg}, nil
}

func parseAdadelta(a *Args) (Solver, error) {
	cfg := DefaultAdadeltaConfig()
	cfg.LR = a.Float("lr", cfg.LR)
	cfg.Rho = a.Float("rho", cfg.Rho)
	cfg.Eps = a.Float("eps", cfg.Eps)
	cfg.WeightDecay = a.Float("weight_decay", cfg.WeightDecay)
	cfg.ClipNorm, cfg.ClipValue = a.Clip()
	return NewAdadelta(cfg)
}

// String returns the solver's spec with every key (see Base.Spec).
func (s *Adadelta) String() string {
	c := &s.cfg
	return s.Spec("lr", c.LR, "rho", c.Rho, "eps", c.Eps, "weight_decay", c.WeightDecay)
}

// Step updates the parameters in place and zeroes their gradients.
func (s *Adadelta) Step(model []gorgonia.ValueGrad) error {
	return s.Update(model, func(p *Param) { Dispatch(p, s, adadeltaKernel[float32], adadeltaKernel[float64]) })
}

// adadeltaKernel flushes, in float32, both running averages of squares
// (of g and of Δ) as Adam's v (see flush). Harmless: both are added to ε
// inside a square root, and ε ≥ 1e-20 (else flushing is off) makes an
// amount below 2⁻¹²⁶ vanish in the sum.
func adadeltaKernel[T float](w, g []T, s [][]T, a *Adadelta) {
	lr, c := a.lr, &a.cfg
	g, sq, acc := g[:len(w)], s[0][:len(w)], s[1][:len(w)]
	wd, rho, omr, eps, nlr := T(c.WeightDecay), T(c.Rho), T(1-c.Rho), T(c.Eps), T(-lr)
	ftz, tiny := flushLimits[T](1-c.Rho, math.Sqrt(c.Eps))
	for i := range w {
		gi := g[i]
		if c.WeightDecay != 0 {
			gi += T(wd * w[i])
		}
		sq[i] = flush(T(sq[i]*rho)+sqTerm(omr, gi, tiny), ftz)
		std := T(math.Sqrt(float64(sq[i] + eps)))
		delta := T(math.Sqrt(float64(acc[i]+eps))) / std * gi
		acc[i] = flush(T(acc[i]*rho)+sqTerm(omr, delta, tiny), ftz)
		w[i] += T(nlr * delta)
	}
}
