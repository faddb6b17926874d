package solvers

import (
	"gorgonia.org/gorgonia"
)

// SGDConfig holds the hyperparameters of SGD. Start from DefaultSGDConfig
// and change what you need: a zero field means zero, not "default".
type SGDConfig struct {
	LR          float64 // learning rate, >= 0
	Momentum    float64 // heavy-ball momentum, in [0, 1) (torch allows >= 1, which never converges)
	Dampening   float64 // dampening of the momentum, in [0, 1]
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
	c.beta("momentum", cfg.Momentum)
	c.unit("dampening", cfg.Dampening)
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

func parseSGD(a *Args) (Solver, error) {
	cfg := DefaultSGDConfig()
	cfg.LR = a.Float("lr", cfg.LR)
	cfg.Momentum = a.Float("momentum", cfg.Momentum)
	cfg.Dampening = a.Float("dampening", cfg.Dampening)
	cfg.Nesterov = a.Bool("nesterov", cfg.Nesterov)
	cfg.WeightDecay = a.Float("weight_decay", cfg.WeightDecay)
	cfg.ClipNorm, cfg.ClipValue = a.Clip()
	return NewSGD(cfg)
}

// String returns the solver's spec with every key (see Base.Spec).
func (s *SGD) String() string {
	c := &s.cfg
	return s.Spec("lr", c.LR, "momentum", c.Momentum, "dampening", c.Dampening, "nesterov", c.Nesterov,
		"weight_decay", c.WeightDecay)
}

// Step updates the parameters in place and zeroes their gradients.
func (s *SGD) Step(model []gorgonia.ValueGrad) error {
	return s.Update(model, func(p *Param) {
		Dispatch(p, sgdStep{first: p.step == 1, lr: s.lr, c: &s.cfg}, sgdKernel32, sgdKernel[float64])
	})
}

type sgdStep struct {
	first bool // the parameter's first step: the momentum buffer starts at the gradient
	lr    float64
	c     *SGDConfig
}

// sgd32 holds the float32 constants of sgdKernel32, the argument of the
// assembly kernel, which reads the fields at the offsets go_asm.h gives
// (sgd_amd64.s).
type sgd32 struct {
	wd, mu, omd, nlr float32 // λ, μ, 1-τ, -lr
	mode             int     // sgdMomentum, sgdMomentumWD, sgdPlain or sgdPlainWD
}

// The loops of the assembly SGD kernel: the non-Nesterov ones after the
// first step.
const (
	sgdMomentum   = 0 // b ← μb + (1-τ)g, θ ← θ - lr·b
	sgdMomentumWD = 1 // the same with g ← g + λθ first
	sgdPlain      = 2 // θ ← θ - lr·g
	sgdPlainWD    = 3 // the same with g ← g + λθ first
)

// sgdKernel32 is sgdKernel for float32 parameters. Where the CPU allows
// (amd64 with AVX, see simd_amd64.go), the common loops — momentum or
// none, with or without weight decay, not Nesterov — run in assembly on
// whole blocks of 8 elements, computing the same float32 operations in the
// same order as sgdLoops, so the results are the same bits; sgdLoops does
// the rest.
func sgdKernel32(w, g []float32, s [][]float32, k sgdStep) {
	cfg := k.c
	g = g[:len(w)]
	var buf []float32
	if cfg.Momentum != 0 {
		buf = s[0][:len(w)]
	}
	n := 0
	if !cfg.Nesterov && (buf == nil || !k.first) {
		c := sgd32{wd: float32(cfg.WeightDecay), mu: float32(cfg.Momentum), omd: float32(1 - cfg.Dampening),
			nlr: float32(-k.lr), mode: sgdMomentum}
		if buf == nil {
			c.mode = sgdPlain
		}
		if cfg.WeightDecay != 0 {
			c.mode++ // the WD variant
		}
		n = sgdSIMD32(w, g, buf, &c)
	}
	if buf != nil {
		buf = buf[n:]
	}
	sgdLoops(w[n:], g[n:], buf, k)
}

// sgdKernel: the slot, with momentum, is the momentum buffer.
func sgdKernel[T float](w, g []T, s [][]T, k sgdStep) {
	var buf []T
	if k.c.Momentum != 0 {
		buf = s[0][:len(w)]
	}
	sgdLoops(w, g, buf, k)
}

// sgdLoops zeroes the gradient as it reads it. The common cases have a
// loop of their own, with no per-element tests; the rest (the first step
// with momentum, when the buffer starts at the gradient) take the general
// loop. Each loop does the same operations in the same order as the
// general one. Products that are added are converted to T explicitly, so
// that the compiler does not fuse them into FMA (see adamKernel).
func sgdLoops[T float](w, g, buf []T, k sgdStep) {
	cfg := k.c
	g = g[:len(w)]
	wd, mu, omd, nlr := T(cfg.WeightDecay), T(cfg.Momentum), T(1-cfg.Dampening), T(-k.lr)
	decay := cfg.WeightDecay != 0
	if cfg.Momentum == 0 {
		if decay {
			for i := range w {
				d := g[i]
				g[i] = 0
				d += T(wd * w[i])
				w[i] += T(nlr * d)
			}
		} else {
			for i := range w {
				d := g[i]
				g[i] = 0
				w[i] += T(nlr * d)
			}
		}
		return
	}
	buf = buf[:len(w)]
	switch {
	case k.first:
		sgdGeneral(w, g, buf, k)
	case !decay && !cfg.Nesterov:
		for i := range w {
			d := g[i]
			g[i] = 0
			b := T(buf[i]*mu) + T(omd*d)
			buf[i] = b
			w[i] += T(nlr * b)
		}
	case decay && !cfg.Nesterov:
		for i := range w {
			d := g[i]
			g[i] = 0
			d += T(wd * w[i])
			b := T(buf[i]*mu) + T(omd*d)
			buf[i] = b
			w[i] += T(nlr * b)
		}
	case !decay: // Nesterov
		for i := range w {
			d := g[i]
			g[i] = 0
			b := T(buf[i]*mu) + T(omd*d)
			buf[i] = b
			d += T(mu * b)
			w[i] += T(nlr * d)
		}
	default: // Nesterov, weight decay
		for i := range w {
			d := g[i]
			g[i] = 0
			d += T(wd * w[i])
			b := T(buf[i]*mu) + T(omd*d)
			buf[i] = b
			d += T(mu * b)
			w[i] += T(nlr * d)
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
			d += T(wd * w[i])
		}
		b := d
		if !first {
			b = T(buf[i]*mu) + T(omd*d)
		}
		buf[i] = b
		if cfg.Nesterov {
			d += T(mu * b)
		} else {
			d = b
		}
		w[i] += T(nlr * d)
	}
}
