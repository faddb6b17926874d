package solvers

import (
	"math"

	"gorgonia.org/gorgonia"
)

// This file: RMSprop, a PyTorch optimizer. Its kernel follows the order of
// operations of torch 1.13's _single_tensor_rmsprop, with scalar
// hyperparameters converted to the parameter dtype per operation.

// RMSpropConfig holds the hyperparameters of RMSprop. Start from
// DefaultRMSpropConfig: a zero field means zero, not "default".
type RMSpropConfig struct {
	LR                  float64 // learning rate, >= 0
	Alpha               float64 // decay of the mean square, in [0, 1) (1 would keep it at 0)
	Eps                 float64 // added to the denominator, >= 2⁻¹²⁶ (the smallest normal float32)
	WeightDecay         float64 // coupled: adds WeightDecay·θ to the gradient
	Momentum            float64 // momentum of the update, in [0, 1)
	Centered            bool    // divide by the estimated variance, not the mean square
	ClipNorm, ClipValue float64 // gradient clipping; 0: off
}

// DefaultRMSpropConfig returns the defaults of torch.optim.RMSprop.
func DefaultRMSpropConfig() RMSpropConfig { return RMSpropConfig{LR: 0.01, Alpha: 0.99, Eps: 1e-8} }

// RMSprop is torch.optim.RMSprop (Hinton's lecture 6e; centered:
// Graves 2013):
//
//	g ← g + λθ;  v ← αv + (1-α)g²;  ḡ ← αḡ + (1-α)g (centered)
//	d ← √(v - ḡ²) + ε (centered) or √v + ε
//	b ← μb + g/d, θ ← θ - lr·b (momentum > 0), else θ ← θ - lr·g/d
type RMSprop struct {
	base
	cfg RMSpropConfig
}

var _ Solver = (*RMSprop)(nil)

// NewRMSprop returns an RMSprop solver, or an error naming the first invalid field.
func NewRMSprop(cfg RMSpropConfig) (*RMSprop, error) {
	c := checker{solver: "rmsprop"}
	c.common(cfg.LR, cfg.ClipNorm, cfg.ClipValue)
	c.beta("alpha", cfg.Alpha)
	c.eps("eps", cfg.Eps)
	c.nonNeg("weight_decay", cfg.WeightDecay)
	c.beta("momentum", cfg.Momentum)
	if c.err != nil {
		return nil, c.err
	}
	s := &RMSprop{base: newBase("rmsprop", cfg.LR, cfg.ClipNorm, cfg.ClipValue, "square_avg", "grad_avg", "momentum_buffer"), cfg: cfg}
	s.zeroes = true // rmspropKernel
	return s, nil
}

func parseRMSprop(a *Args) (Solver, error) {
	cfg := DefaultRMSpropConfig()
	cfg.LR = a.Float("lr", cfg.LR)
	cfg.Alpha = a.Float("alpha", cfg.Alpha)
	cfg.Eps = a.Float("eps", cfg.Eps)
	cfg.WeightDecay = a.Float("weight_decay", cfg.WeightDecay)
	cfg.Momentum = a.Float("momentum", cfg.Momentum)
	cfg.Centered = a.Bool("centered", cfg.Centered)
	cfg.ClipNorm, cfg.ClipValue = a.Clip()
	return NewRMSprop(cfg)
}

// String returns the solver's spec with every key (see Base.Spec).
func (s *RMSprop) String() string {
	c := &s.cfg
	return s.Spec("lr", c.LR, "alpha", c.Alpha, "eps", c.Eps, "weight_decay", c.WeightDecay,
		"momentum", c.Momentum, "centered", c.Centered)
}

// Step updates the parameters in place and zeroes their gradients.
func (s *RMSprop) Step(model []gorgonia.ValueGrad) error {
	return s.Update(model, func(p *Param) { Dispatch(p, s, rmspropKernel[float32], rmspropKernel[float64]) })
}

// rmspropKernel flushes, in float32, the mean square v as Adam's (see
// flush), and the centered mean ḡ and the momentum buffer b, which decay
// geometrically under zero gradients; ḡ² is dropped below 2⁻¹²⁶ like g².
// Harmless: a flushed v or ḡ² moves √(v-ḡ²) + ε by less than a fiftieth
// of an ulp (ε ≥ 1e-10, else flushing is off), and a flushed b moves θ by
// less than lr·2⁻¹²⁶.
func rmspropKernel[T float](w, g []T, s [][]T, r *RMSprop) {
	lr, c := r.lr, &r.cfg
	g, sq, ga, buf := g[:len(w)], s[0][:len(w)], s[1][:len(w)], s[2][:len(w)]
	wd, alpha, oma, eps, mu, nlr := T(c.WeightDecay), T(c.Alpha), T(1-c.Alpha), T(c.Eps), T(c.Momentum), T(-lr)
	ftz, tiny := flushLimits[T](1-c.Alpha, c.Eps)
	_, tinyGa := flushLimits[T](1, c.Eps)
	if c.WeightDecay == 0 && !c.Centered && c.Momentum == 0 { // the defaults
		for i := range w {
			gi := g[i]
			g[i] = 0
			si := flush(T(sq[i]*alpha)+sqTerm(oma, gi, tiny), ftz)
			sq[i] = si
			avg := T(math.Sqrt(float64(si))) + eps
			w[i] += nlr * gi / avg
		}
		return
	}
	for i := range w {
		gi := g[i]
		g[i] = 0
		if c.WeightDecay != 0 {
			gi += T(wd * w[i])
		}
		sq[i] = flush(T(sq[i]*alpha)+sqTerm(oma, gi, tiny), ftz)
		var avg T
		if c.Centered {
			ga[i] = flush(T(ga[i]*alpha)+T(oma*gi), ftz)
			avg = T(math.Sqrt(float64(sq[i] + sqTerm(-1, ga[i], tinyGa))))
		} else {
			avg = T(math.Sqrt(float64(sq[i])))
		}
		avg += eps
		if c.Momentum > 0 {
			buf[i] = flush(T(buf[i]*mu)+gi/avg, ftz)
			w[i] += T(nlr * buf[i])
		} else {
			w[i] += nlr * gi / avg
		}
	}
}
