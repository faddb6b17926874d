package solvers

import (
	"math"

	"gorgonia.org/gorgonia"
)

// AdamConfig holds the hyperparameters of Adam and AdamW. Start from
// DefaultAdamConfig or DefaultAdamWConfig and change what you need: a zero
// field means zero, not "default".
type AdamConfig struct {
	LR          float64 // learning rate, >= 0
	Beta1       float64 // decay of the first moment, in [0, 1)
	Beta2       float64 // decay of the second moment, in [0, 1)
	Eps         float64 // added to the denominator, >= 2⁻¹²⁶ (the smallest normal float32)
	WeightDecay float64 // Adam: coupled (added to the gradient); AdamW: decoupled (θ ← θ(1-lr·λ))
	AMSGrad     bool    // use the running maximum of the second moment
	ClipNorm    float64 // clip the global gradient norm to this; 0: off
	ClipValue   float64 // clip each gradient element to ±this; 0: off
}

// DefaultAdamConfig returns the defaults of torch.optim.Adam.
func DefaultAdamConfig() AdamConfig {
	return AdamConfig{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}
}

// DefaultAdamWConfig returns the defaults of torch.optim.AdamW (weight
// decay 0.01).
func DefaultAdamWConfig() AdamConfig {
	c := DefaultAdamConfig()
	c.WeightDecay = 0.01
	return c
}

func (cfg *AdamConfig) check(name string) error { return cfg.keys().check(name).err }

// adamKeys are the hyperparameters the Adam family shares: the fields of
// AdamaxConfig, RAdamConfig, AdaBeliefConfig and LAMBConfig (which
// convert to it), and some of those of AdamConfig, NAdamConfig and
// SFAdamWConfig (see their keys methods).
type adamKeys struct {
	LR                  float64
	Beta1, Beta2        float64
	Eps                 float64
	WeightDecay         float64
	ClipNorm, ClipValue float64
}

func (cfg *AdamConfig) keys() adamKeys {
	return adamKeys{cfg.LR, cfg.Beta1, cfg.Beta2, cfg.Eps, cfg.WeightDecay, cfg.ClipNorm, cfg.ClipValue}
}

// check returns a checker for solver name that has checked k, the
// clipping and lr first, as every config.
func (k adamKeys) check(name string) checker {
	c := checker{solver: name}
	c.common(k.LR, k.ClipNorm, k.ClipValue)
	c.beta("beta1", k.Beta1)
	c.beta("beta2", k.Beta2)
	c.eps("eps", k.Eps)
	c.nonNeg("weight_decay", k.WeightDecay)
	return c
}

// read returns k with lr, beta1, beta2, eps, weight_decay and the
// clipping keys read from a (k holds the defaults).
func (k adamKeys) read(a *Args) adamKeys {
	k.LR = a.Float("lr", k.LR)
	k.Beta1 = a.Float("beta1", k.Beta1)
	k.Beta2 = a.Float("beta2", k.Beta2)
	k.Eps = a.Float("eps", k.Eps)
	k.WeightDecay = a.Float("weight_decay", k.WeightDecay)
	k.ClipNorm, k.ClipValue = a.Clip()
	return k
}

// spec returns the keys of k in spec order, for Base.Spec.
func (k adamKeys) spec() []any {
	return []any{"lr", k.LR, "beta1", k.Beta1, "beta2", k.Beta2, "eps", k.Eps, "weight_decay", k.WeightDecay}
}

// readAdamKeys reads lr, beta1, beta2, eps, weight_decay and the clipping
// keys into cfg.
func readAdamKeys(a *Args, cfg *AdamConfig) {
	k := cfg.keys().read(a)
	cfg.LR, cfg.Beta1, cfg.Beta2, cfg.Eps, cfg.WeightDecay = k.LR, k.Beta1, k.Beta2, k.Eps, k.WeightDecay
	cfg.ClipNorm, cfg.ClipValue = k.ClipNorm, k.ClipValue
}

// Adam is torch.optim.Adam (Kingma & Ba 2015) with coupled weight decay
// and optional AMSGrad:
//
//	g ← g + λθ
//	m ← β1·m + (1-β1)·g,  v ← β2·v + (1-β2)·g²,  v̂max ← max(v̂max, v) (AMSGrad)
//	θ ← θ - lr/(1-β1^t) · m / (√v/√(1-β2^t) + ε)
type Adam struct {
	base
	cfg       AdamConfig
	decoupled bool
}

// AdamW is torch.optim.AdamW (Loshchilov & Hutter 2019): Adam with
// decoupled weight decay θ ← θ(1 - lr·λ) applied before the Adam update.
type AdamW struct{ Adam }

var (
	_ Solver = (*Adam)(nil)
	_ Solver = (*AdamW)(nil)
)

func newAdam(name string, cfg AdamConfig, decoupled bool) (*Adam, error) {
	if err := cfg.check(name); err != nil {
		return nil, err
	}
	slots := []string{"exp_avg", "exp_avg_sq"}
	if cfg.AMSGrad {
		slots = append(slots, "max_exp_avg_sq")
	}
	a := &Adam{base: newBase(name, cfg.LR, cfg.ClipNorm, cfg.ClipValue, slots...), cfg: cfg, decoupled: decoupled}
	a.zeroes = true // adamKernel
	return a, nil
}

// NewAdam returns an Adam solver, or an error naming the first invalid field.
func NewAdam(cfg AdamConfig) (*Adam, error) { return newAdam("adam", cfg, false) }

// NewAdamW returns an AdamW solver, or an error naming the first invalid field.
func NewAdamW(cfg AdamConfig) (*AdamW, error) {
	a, err := newAdam("adamw", cfg, true)
	if err != nil {
		return nil, err
	}
	return &AdamW{*a}, nil
}

func parseAdam(a *Args) (Solver, error) {
	cfg := DefaultAdamConfig()
	readAdamKeys(a, &cfg)
	cfg.AMSGrad = a.Bool("amsgrad", cfg.AMSGrad)
	return NewAdam(cfg)
}

func parseAdamW(a *Args) (Solver, error) {
	cfg := DefaultAdamWConfig()
	readAdamKeys(a, &cfg)
	cfg.AMSGrad = a.Bool("amsgrad", cfg.AMSGrad)
	return NewAdamW(cfg)
}

// String returns the solver's spec with every key (see Base.Spec); for
// AdamW its name is adamw.
func (s *Adam) String() string {
	return s.Spec(append(s.cfg.keys().spec(), "amsgrad", s.cfg.AMSGrad)...)
}

// adamScalars are the per-step scalars of the Adam update, computed in
// float64 as PyTorch computes them in Python floats.
type adamScalars struct {
	decay      float64 // 1 - lr·λ (decoupled), else 1
	wd         float64 // coupled weight decay
	b1, omb1   float64
	b2, omb2   float64
	bc2sqrt    float64
	negStep    float64 // -lr / (1-β1^t)
	eps        float64
	amsgrad    bool
	coupledWD  bool
	decoupleWD bool
}

// Step updates the parameters in place and zeroes their gradients.
func (s *Adam) Step(model []gorgonia.ValueGrad) error {
	c := &s.cfg
	return s.Update(model, func(p *Param) {
		t := float64(p.step)
		k := adamScalars{
			b1: c.Beta1, omb1: 1 - c.Beta1, b2: c.Beta2, omb2: 1 - c.Beta2,
			bc2sqrt: math.Sqrt(1 - math.Pow(c.Beta2, t)),
			negStep: -(s.lr / (1 - math.Pow(c.Beta1, t))),
			eps:     c.Eps, amsgrad: c.AMSGrad,
		}
		if s.decoupled {
			k.decay, k.decoupleWD = 1-float64(s.lr*c.WeightDecay), c.WeightDecay != 0
		} else {
			k.wd, k.coupledWD = c.WeightDecay, c.WeightDecay != 0
		}
		Dispatch(p, k, adamKernel32, adamKernel[float64])
	})
}

// adamKernel follows the order of operations of torch's
// _single_tensor_adam, with the scalars converted to T per operation. It
// zeroes the gradient as it reads it. Without AMSGrad, each weight-decay
// case has a loop of its own with no per-element tests, doing the same
// operations in the same order as the general loop (adamGeneral). The
// slots are m, v and, with AMSGrad, vmax. It serves float64 parameters;
// float32 ones take adamKernel32.
//
// Products that are added are converted to T explicitly: the Go spec lets
// the compiler fuse x*y + z into one FMA (it does under GOAMD64=v3), and an
// explicit conversion forbids it, so results do not depend on GOAMD64.
func adamKernel[T float](w, g []T, s [][]T, k adamScalars) {
	if k.amsgrad {
		adamGeneral(w, g, s, k)
		return
	}
	g, m, v := g[:len(w)], s[0][:len(w)], s[1][:len(w)]
	decay, wd := T(k.decay), T(k.wd)
	b1, omb1, b2, omb2 := T(k.b1), T(k.omb1), T(k.b2), T(k.omb2)
	bc2sqrt, negStep, eps := T(k.bc2sqrt), T(k.negStep), T(k.eps)
	switch {
	case k.decoupleWD:
		for i := range w {
			gi := g[i]
			g[i] = 0
			w[i] = T(w[i] * decay)
			mi := T(m[i]*b1) + T(omb1*gi)
			m[i] = mi
			vi := T(v[i]*b2) + T(omb2*gi*gi)
			v[i] = vi
			denom := T(math.Sqrt(float64(vi)))/bc2sqrt + eps
			w[i] += negStep * mi / denom
		}
	case k.coupledWD:
		for i := range w {
			gi := g[i]
			g[i] = 0
			gi += T(wd * w[i])
			mi := T(m[i]*b1) + T(omb1*gi)
			m[i] = mi
			vi := T(v[i]*b2) + T(omb2*gi*gi)
			v[i] = vi
			denom := T(math.Sqrt(float64(vi)))/bc2sqrt + eps
			w[i] += negStep * mi / denom
		}
	default:
		for i := range w {
			gi := g[i]
			g[i] = 0
			mi := T(m[i]*b1) + T(omb1*gi)
			m[i] = mi
			vi := T(v[i]*b2) + T(omb2*gi*gi)
			v[i] = vi
			denom := T(math.Sqrt(float64(vi)))/bc2sqrt + eps
			w[i] += negStep * mi / denom
		}
	}
}

// adamGeneral is the whole Adam update, every case tested per element:
// the AMSGrad path, of both dtypes. float32 moments are flushed (see
// flush); the running maximum vmax only takes values of v, so it is never
// subnormal either.
func adamGeneral[T float](w, g []T, s [][]T, k adamScalars) {
	g, m, v := g[:len(w)], s[0][:len(w)], s[1][:len(w)]
	var vmax []T
	if k.amsgrad {
		vmax = s[2][:len(w)]
	}
	decay, wd := T(k.decay), T(k.wd)
	b1, omb1, b2, omb2 := T(k.b1), T(k.omb1), T(k.b2), T(k.omb2)
	bc2sqrt, negStep, eps := T(k.bc2sqrt), T(k.negStep), T(k.eps)
	ftz, tiny := flushLimits[T](k.omb2, k.eps)
	for i := range w {
		gi := g[i]
		g[i] = 0
		if k.decoupleWD {
			w[i] = T(w[i] * decay)
		}
		if k.coupledWD {
			gi += T(wd * w[i])
		}
		m[i] = flush(T(m[i]*b1)+T(omb1*gi), ftz)
		vi := flush(T(v[i]*b2)+sqTerm(omb2, gi, tiny), ftz)
		v[i] = vi
		if vmax != nil {
			vi = max(vmax[i], vi)
			vmax[i] = vi
		}
		denom := T(math.Sqrt(float64(vi)))/bc2sqrt + eps
		w[i] += negStep * m[i] / denom
	}
}

// adam32 holds the per-Step float32 constants of adamKernel32. It is the
// argument of the assembly kernel (adam_amd64.s), which addresses the
// fields by the offsets the toolchain writes into go_asm.h (adam32_b1,
// ...), so fields may be added or reordered freely.
type adam32 struct {
	b1, omb1, b2, omb2 float32
	rbc2               float32 // 1/√(1-β2^t)
	negStep            float32 // -lr/(1-β1^t)
	eps                float32
	ftz, tiny          float32 // flush limits (flushLimits32)
	decay              float32 // decoupled weight decay: θ ← θ·decay
	wd                 float32 // coupled weight decay: g ← g + wd·θ
	mode               int     // adamPlain, adamCoupled or adamDecoupled
}

// The loops of adamLoop32 and of the assembly kernel.
const (
	adamPlain     = 0 // no weight decay
	adamCoupled   = 1 // Adam's weight decay
	adamDecoupled = 2 // AdamW's
)

func newAdam32(k adamScalars) adam32 {
	c := adam32{
		b1: float32(k.b1), omb1: float32(k.omb1), b2: float32(k.b2), omb2: float32(k.omb2),
		rbc2: float32(1 / k.bc2sqrt), negStep: float32(k.negStep), eps: float32(k.eps),
		decay: float32(k.decay), wd: float32(k.wd),
	}
	c.ftz, c.tiny = flushLimits32(k.omb2, k.eps)
	switch {
	case k.decoupleWD:
		c.mode = adamDecoupled
	case k.coupledWD:
		c.mode = adamCoupled
	}
	return c
}

// adamKernel32 is adamKernel for float32 parameters, with one division
// per element instead of two: √v/√(1-β2^t) is computed as √v·(1/√(1-β2^t)),
// the reciprocal taken once per Step. Subnormal moments are flushed to
// zero (see flush).
//
// This is a deliberate departure from torch's bits. torch 1.13's
// single-tensor Adam divides √v by √(1-β2^t) element by element, and on an
// AVX2/FMA CPU its moment updates are fused multiply-adds
// (m = fma(1-β1, g, β1·m), v = fma((1-β2)·g, g, β2·v)); convergo rounds
// every product (no FMA, so the bits do not depend on the CPU or GOAMD64)
// and saves a division. The results agree with torch to float32 rounding
// (the goldens, within 5e-4 after 100 steps); on the issue-7 MLP from a
// shared start the training losses are the same bits for 86 steps and the
// test accuracies end within 0.3 points (README, "Performance").
//
// Where the CPU allows (amd64 with AVX, see simd_amd64.go), whole blocks
// of 8 elements are done by an assembly kernel that computes the same
// float32 operations in the same order as adamLoop32, so the results are
// the same bits; adamLoop32 does the rest.
func adamKernel32(w, g []float32, s [][]float32, k adamScalars) {
	if k.amsgrad {
		adamGeneral(w, g, s, k)
		return
	}
	g, m, v := g[:len(w)], s[0][:len(w)], s[1][:len(w)]
	c := newAdam32(k)
	n := adamSIMD32(w, g, m, v, &c)
	adamLoop32(w[n:], g[n:], m[n:], v[n:], &c)
}

// adamLoop32 is the float32 Adam update without AMSGrad, a loop per
// weight-decay case; the assembly kernel is its transcription. Every
// product that is added is rounded to float32 explicitly (see adamKernel),
// as the assembly does.
func adamLoop32(w, g, m, v []float32, c *adam32) {
	g, m, v = g[:len(w)], m[:len(w)], v[:len(w)]
	b1, omb1, b2, omb2 := c.b1, c.omb1, c.b2, c.omb2
	rbc2, negStep, eps := c.rbc2, c.negStep, c.eps
	ftz, tiny := limit32(c.ftz), limit32(c.tiny)
	decay, wd := c.decay, c.wd
	switch c.mode {
	case adamDecoupled:
		for i := range w {
			gi := g[i]
			g[i] = 0
			wi := float32(w[i] * decay)
			mi := flush(float32(m[i]*b1)+float32(omb1*gi), ftz)
			m[i] = mi
			vi := flush(float32(v[i]*b2)+sqTerm(omb2, gi, tiny), ftz)
			v[i] = vi
			denom := float32(float32(math.Sqrt(float64(vi)))*rbc2) + eps
			w[i] = wi + negStep*mi/denom
		}
	case adamCoupled:
		for i := range w {
			gi := g[i]
			g[i] = 0
			wi := w[i]
			gi += float32(wd * wi)
			mi := flush(float32(m[i]*b1)+float32(omb1*gi), ftz)
			m[i] = mi
			vi := flush(float32(v[i]*b2)+sqTerm(omb2, gi, tiny), ftz)
			v[i] = vi
			denom := float32(float32(math.Sqrt(float64(vi)))*rbc2) + eps
			w[i] = wi + negStep*mi/denom
		}
	default:
		for i := range w {
			gi := g[i]
			g[i] = 0
			mi := flush(float32(m[i]*b1)+float32(omb1*gi), ftz)
			m[i] = mi
			vi := flush(float32(v[i]*b2)+sqTerm(omb2, gi, tiny), ftz)
			v[i] = vi
			denom := float32(float32(math.Sqrt(float64(vi)))*rbc2) + eps
			w[i] += negStep * mi / denom
		}
	}
}
