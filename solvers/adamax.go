package solvers

import (
	"math"

	"gorgonia.org/gorgonia"
)

// This file: Adamax, a PyTorch optimizer. Its kernel follows the order of
// operations of torch 1.13's _single_tensor_adamax, with scalar
// hyperparameters converted to the parameter dtype per operation.

// AdamaxConfig holds the hyperparameters of Adamax. Start from
// DefaultAdamaxConfig: a zero field means zero, not "default".
type AdamaxConfig struct {
	LR                  float64 // learning rate, >= 0
	Beta1, Beta2        float64 // decays of the moment and of the infinity norm, in [0, 1)
	Eps                 float64 // added to |g| in the infinity norm, >= 2⁻¹²⁶ (the smallest normal float32)
	WeightDecay         float64 // coupled: adds WeightDecay·θ to the gradient
	ClipNorm, ClipValue float64 // gradient clipping; 0: off
}

// DefaultAdamaxConfig returns the defaults of torch.optim.Adamax.
func DefaultAdamaxConfig() AdamaxConfig {
	return AdamaxConfig{LR: 2e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}
}

// Adamax is torch.optim.Adamax (Kingma & Ba 2015, section 7.1):
//
//	g ← g + λθ;  m ← β1·m + (1-β1)g;  u ← max(β2·u, |g|+ε);  θ ← θ - lr/(1-β1^t) · m/u
type Adamax struct {
	base
	cfg AdamaxConfig
}

var _ Solver = (*Adamax)(nil)

// NewAdamax returns an Adamax solver, or an error naming the first invalid field.
func NewAdamax(cfg AdamaxConfig) (*Adamax, error) {
	c := adamKeys(cfg).check("adamax")
	if c.err != nil {
		return nil, c.err
	}
	return &Adamax{base: newBase("adamax", cfg.LR, cfg.ClipNorm, cfg.ClipValue, "exp_avg", "exp_inf"), cfg: cfg}, nil
}

func parseAdamax(a *Args) (Solver, error) {
	return NewAdamax(AdamaxConfig(adamKeys(DefaultAdamaxConfig()).read(a)))
}

// String returns the solver's spec with every key (see Base.Spec).
func (s *Adamax) String() string { return s.Spec(adamKeys(s.cfg).spec()...) }

// Step updates the parameters in place and zeroes their gradients.
func (s *Adamax) Step(model []gorgonia.ValueGrad) error {
	return s.Update(model, func(p *Param) {
		nclr := -(s.lr / (1 - math.Pow(s.cfg.Beta1, float64(p.step))))
		Dispatch(p, adamaxStep{nclr, &s.cfg}, adamaxKernel[float32], adamaxKernel[float64])
	})
}

type adamaxStep struct {
	nclr float64 // -lr / (1-β1^t)
	c    *AdamaxConfig
}

// adamaxKernel flushes, in float32, the first moment m, which decays
// geometrically under zero gradients (see flush); u ≥ ε never needs it.
// Harmless: a flushed m moves θ by less than lr/(1-β1^t)·2⁻¹²⁶/ε.
func adamaxKernel[T float](w, g []T, s [][]T, k adamaxStep) {
	c := k.c
	g, m, u := g[:len(w)], s[0][:len(w)], s[1][:len(w)]
	wd, b1, omb1, b2, eps, nclr := T(c.WeightDecay), T(c.Beta1), T(1-c.Beta1), T(c.Beta2), T(c.Eps), T(k.nclr)
	ftz, _ := flushLimits[T](1, c.Eps)
	for i := range w {
		gi := g[i]
		if c.WeightDecay != 0 {
			gi += T(wd * w[i])
		}
		m[i] = flush(T(m[i]*b1)+T(omb1*gi), ftz)
		u[i] = max(u[i]*b2, abs(gi)+eps)
		w[i] += nclr * m[i] / u[i]
	}
}

func abs[T float](x T) T {
	if x < 0 {
		return -x
	}
	return x
}
