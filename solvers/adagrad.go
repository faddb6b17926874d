package solvers

import (
	"math"

	"gorgonia.org/gorgonia"
)

// This file: Adagrad, a PyTorch optimizer. Its kernel follows the order of
// operations of torch 1.13's _single_tensor_adagrad, with scalar
// hyperparameters converted to the parameter dtype per operation.

// AdagradConfig holds the hyperparameters of Adagrad. Start from
// DefaultAdagradConfig: a zero field means zero, not "default".
type AdagradConfig struct {
	LR                      float64 // learning rate, >= 0
	LRDecay                 float64 // lr_t = lr / (1 + (t-1)·LRDecay), >= 0
	WeightDecay             float64 // coupled: adds WeightDecay·θ to the gradient
	InitialAccumulatorValue float64 // initial value of the sum of squares, >= 0
	Eps                     float64 // added to the denominator, >= 2⁻¹²⁶ (the smallest normal float32)
	ClipNorm, ClipValue     float64 // gradient clipping; 0: off
}

// DefaultAdagradConfig returns the defaults of torch.optim.Adagrad.
func DefaultAdagradConfig() AdagradConfig { return AdagradConfig{LR: 0.01, Eps: 1e-10} }

// Adagrad is torch.optim.Adagrad (Duchi et al. 2011):
//
//	g ← g + λθ;  s ← s + g²;  θ ← θ - lr/(1+(t-1)·lr_decay) · g/(√s + ε)
type Adagrad struct {
	base
	cfg AdagradConfig
}

var _ Solver = (*Adagrad)(nil)

// NewAdagrad returns an Adagrad solver, or an error naming the first invalid field.
func NewAdagrad(cfg AdagradConfig) (*Adagrad, error) {
	c := checker{solver: "adagrad"}
	c.common(cfg.LR, cfg.ClipNorm, cfg.ClipValue)
	c.nonNeg("lr_decay", cfg.LRDecay)
	c.nonNeg("weight_decay", cfg.WeightDecay)
	c.nonNeg("initial_accumulator_value", cfg.InitialAccumulatorValue)
	c.eps("eps", cfg.Eps)
	if c.err != nil {
		return nil, c.err
	}
	s := &Adagrad{base: newBase("adagrad", cfg.LR, cfg.ClipNorm, cfg.ClipValue, "sum"), cfg: cfg}
	s.zeroes = true // adagradKernel
	if v := cfg.InitialAccumulatorValue; v != 0 {
		s.init = func(p *Param) {
			if p.f32() {
				fill(p.s32[0], float32(v))
			} else {
				fill(p.s64[0], v)
			}
		}
	}
	return s, nil
}

func fill[T float](x []T, v T) {
	for i := range x {
		x[i] = v
	}
}

func parseAdagrad(a *Args) (Solver, error) {
	cfg := DefaultAdagradConfig()
	cfg.LR = a.Float("lr", cfg.LR)
	cfg.LRDecay = a.Float("lr_decay", cfg.LRDecay)
	cfg.WeightDecay = a.Float("weight_decay", cfg.WeightDecay)
	cfg.InitialAccumulatorValue = a.Float("initial_accumulator_value", cfg.InitialAccumulatorValue)
	cfg.Eps = a.Float("eps", cfg.Eps)
	cfg.ClipNorm, cfg.ClipValue = a.Clip()
	return NewAdagrad(cfg)
}

// String returns the solver's spec with every key (see Base.Spec).
func (s *Adagrad) String() string {
	c := &s.cfg
	return s.Spec("lr", c.LR, "lr_decay", c.LRDecay, "weight_decay", c.WeightDecay,
		"initial_accumulator_value", c.InitialAccumulatorValue, "eps", c.Eps)
}

// Step updates the parameters in place and zeroes their gradients.
func (s *Adagrad) Step(model []gorgonia.ValueGrad) error {
	return s.Update(model, func(p *Param) {
		clr := s.lr / (1 + float64(float64(p.step-1)*s.cfg.LRDecay))
		Dispatch(p, adagradStep{clr, &s.cfg}, adagradKernel[float32], adagradKernel[float64])
	})
}

type adagradStep struct {
	clr float64 // the decayed learning rate
	c   *AdagradConfig
}

// adagradKernel: float32 squares g² below 2⁻¹²⁶ are dropped (see flush;
// the sum only grows, so it is never flushed itself). Harmless: √sum + ε
// then differs from the unflushed one by at most √(n·2⁻¹²⁶) after n such
// steps, far below an ulp of ε (≥ 1e-10, else flushing is off) for any
// realistic n, and with gradients this small the step lr·g/(√sum+ε) is
// below 1e-9·lr anyway.
func adagradKernel[T float](w, g []T, s [][]T, k adagradStep) {
	g, sum := g[:len(w)], s[0][:len(w)]
	wd, nclr, eps := T(k.c.WeightDecay), T(-k.clr), T(k.c.Eps)
	_, tiny := flushLimits[T](1, k.c.Eps)
	if k.c.WeightDecay == 0 {
		for i := range w {
			gi := g[i]
			g[i] = 0
			si := sum[i] + sqTerm(1, gi, tiny)
			sum[i] = si
			std := T(math.Sqrt(float64(si))) + eps
			w[i] += nclr * gi / std
		}
		return
	}
	for i := range w {
		gi := g[i]
		g[i] = 0
		gi += T(wd * w[i])
		si := sum[i] + sqTerm(1, gi, tiny)
		sum[i] = si
		std := T(math.Sqrt(float64(si))) + eps
		w[i] += nclr * gi / std
	}
}
