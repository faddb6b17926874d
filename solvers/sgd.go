package solvers

import (
	"github.com/convergo/convergo/internal/spec"
	"gorgonia.org/gorgonia"
)

// SGDConfig holds the hyperparameters of SGD. Start from DefaultSGDConfig
// and change what you need: a zero field means zero, not "default".
type SGDConfig struct {
	LR          float64 // learning rate, >= 0
	Momentum    float64 // heavy-ball momentum, >= 0
	Dampening   float64 // dampening of the momentum, >= 0
	Nesterov    bool    // Nesterov momentum; needs Momentum > 0 and Dampening == 0
	WeightDecay float64 // coupled (L2) weight decay: adds WeightDecay·θ to the gradient
	ClipNorm    float64 // clip the global gradient norm to this; 0: off
	ClipValue   float64 // clip each gradient element to ±this; 0: off
}

// DefaultSGDConfig returns the defaults of torch.optim.SGD (lr 0.01, as
// in the spec table).
func DefaultSGDConfig() SGDConfig { return SGDConfig{LR: 0.01} }

// SGD is stochastic gradient descent with optional momentum, dampening,
// Nesterov momentum and coupled weight decay, as torch.optim.SGD:
//
//	g ← g + λθ
//	b ← g (first step), b ← μb + (1-τ)g (later steps)
//	d ← g + μb (Nesterov) or b (momentum) or g (none)
//	θ ← θ - lr·d
type SGD struct {
	base
	cfg SGDConfig
}

var _ Solver = (*SGD)(nil)

// NewSGD returns an SGD solver, or an error naming the first invalid field.
func NewSGD(cfg SGDConfig) (*SGD, error) {
	c := checker{solver: "sgd"}
	c.common(cfg.LR, cfg.ClipNorm, cfg.ClipValue)
	c.nonNeg("momentum", cfg.Momentum)
	c.nonNeg("dampening", cfg.Dampening)
	c.nonNeg("weight_decay", cfg.WeightDecay)
	c.check(!cfg.Nesterov || cfg.Momentum > 0 && cfg.Dampening == 0, "nesterov", cfg.Nesterov,
		"false unless momentum > 0 and dampening = 0 (as torch.optim.SGD)")
	if c.err != nil {
		return nil, c.err
	}
	var slots []string
	if cfg.Momentum != 0 {
		slots = []string{"momentum_buffer"}
	}
	s := &SGD{base: newBase("sgd", cfg.LR, cfg.ClipNorm, cfg.ClipValue, slots...), cfg: cfg}
	s.zeroes = true // sgdKernel
	return s, nil
}

func init() {
	parsers["sgd"] = func(a *spec.Args, _ *spec.Call) (Solver, error) {
		cfg := DefaultSGDConfig()
		cfg.LR = a.Float("lr", cfg.LR)
		cfg.Momentum = a.Float("momentum", cfg.Momentum)
		cfg.Dampening = a.Float("dampening", cfg.Dampening)
		cfg.Nesterov = a.Bool("nesterov", cfg.Nesterov)
		cfg.WeightDecay = a.Float("weight_decay", cfg.WeightDecay)
		cfg.ClipNorm, cfg.ClipValue = readClip(a)
		return NewSGD(cfg)
	}
}

// Step updates the parameters in place and zeroes their gradients.
func (s *SGD) Step(model []gorgonia.ValueGrad) error {
	return s.update(model, func(p *param) {
		dispatch(p, sgdStep{first: p.step == 1, lr: s.lr, c: &s.cfg}, sgdKernel[float32], sgdKernel[float64])
	})
}

type sgdStep struct {
	first bool // the parameter's first step: the momentum buffer starts at the gradient
	lr    float64
	c     *SGDConfig
}

// sgdKernel: the slot, with momentum, is the momentum buffer. It zeroes
// the gradient as it reads it. The common cases have a loop of their own,
// with no per-element tests; the rest (the first step with momentum, when
// the buffer starts at the gradient) take the general loop. Each loop does
// the same operations in the same order as the general one.
func sgdKernel[T float](w, g []T, s [][]T, k sgdStep) {
	cfg := k.c
	g = g[:len(w)]
	wd, mu, omd, nlr := T(cfg.WeightDecay), T(cfg.Momentum), T(1-cfg.Dampening), T(-k.lr)
	decay := cfg.WeightDecay != 0
	if cfg.Momentum == 0 {
		if decay {
			for i := range w {
				d := g[i]
				g[i] = 0
				d += wd * w[i]
				w[i] += nlr * d
			}
		} else {
			for i := range w {
				d := g[i]
				g[i] = 0
				w[i] += nlr * d
			}
		}
		return
	}
	buf := s[0][:len(w)]
	switch {
	case k.first:
		sgdGeneral(w, g, buf, k)
	case !decay && !cfg.Nesterov:
		for i := range w {
			d := g[i]
			g[i] = 0
			b := buf[i]*mu + omd*d
			buf[i] = b
			w[i] += nlr * b
		}
	case decay && !cfg.Nesterov:
		for i := range w {
			d := g[i]
			g[i] = 0
			d += wd * w[i]
			b := buf[i]*mu + omd*d
			buf[i] = b
			w[i] += nlr * b
		}
	case !decay: // Nesterov
		for i := range w {
			d := g[i]
			g[i] = 0
			b := buf[i]*mu + omd*d
			buf[i] = b
			d += mu * b
			w[i] += nlr * d
		}
	default: // Nesterov, weight decay
		for i := range w {
			d := g[i]
			g[i] = 0
			d += wd * w[i]
			b := buf[i]*mu + omd*d
			buf[i] = b
			d += mu * b
			w[i] += nlr * d
		}
	}
}

// sgdGeneral is the whole SGD update with momentum, every case tested per
// element.
func sgdGeneral[T float](w, g, buf []T, k sgdStep) {
	first, cfg := k.first, k.c
	g, buf = g[:len(w)], buf[:len(w)]
	wd, mu, omd, nlr := T(cfg.WeightDecay), T(cfg.Momentum), T(1-cfg.Dampening), T(-k.lr)
	for i := range w {
		d := g[i]
		g[i] = 0
		if cfg.WeightDecay != 0 {
			d += wd * w[i]
		}
		b := d
		if !first {
			b = buf[i]*mu + omd*d
		}
		buf[i] = b
		if cfg.Nesterov {
			d += mu * b
		} else {
			d = b
		}
		w[i] += nlr * d
	}
}
