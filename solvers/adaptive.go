package solvers

import (
	"math"

	"gorgonia.org/gorgonia"
)

// This file: the PyTorch optimizers other than SGD and Adam(W): Adagrad,
// RMSprop, Adadelta, Adamax, NAdam, RAdam. Each kernel follows the order
// of operations of torch 1.13's _single_tensor_* function, with scalar
// hyperparameters converted to the parameter dtype per operation.

// ---------------------------------------------------------------- Adagrad

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

// ---------------------------------------------------------------- RMSprop

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

// ---------------------------------------------------------------- Adadelta

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

// ---------------------------------------------------------------- Adamax

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

// ---------------------------------------------------------------- NAdam

// NAdamConfig holds the hyperparameters of NAdam. Start from
// DefaultNAdamConfig: a zero field means zero, not "default".
type NAdamConfig struct {
	LR                  float64 // learning rate, >= 0
	Beta1, Beta2        float64 // moment decays, in [0, 1)
	Eps                 float64 // added to the denominator, >= 2⁻¹²⁶ (the smallest normal float32)
	WeightDecay         float64 // coupled: adds WeightDecay·θ to the gradient
	MomentumDecay       float64 // ψ of the momentum schedule μ_t = β1(1 - ½·0.96^(tψ)), >= 0
	ClipNorm, ClipValue float64 // gradient clipping; 0: off
}

// DefaultNAdamConfig returns the defaults of torch.optim.NAdam.
func DefaultNAdamConfig() NAdamConfig {
	return NAdamConfig{LR: 2e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, MomentumDecay: 4e-3}
}

// NAdam is torch.optim.NAdam (Dozat 2016), as in PyTorch >= 2.0:
//
//	g ← g + λθ;  μ_t = β1(1 - ½·0.96^(tψ));  Π_t = Π_{i≤t} μ_i
//	m ← β1·m + (1-β1)g;  v ← β2·v + (1-β2)g²;  d = √(v/(1-β2^t)) + ε
//	θ ← θ - lr(1-μ_t)/(1-Π_t) · g/d - lr·μ_{t+1}/(1-Π_t·μ_{t+1}) · m/d
//
// PyTorch 1.13 multiplies μ_t twice into the second denominator (a bug
// fixed in 2.0); convergo does not.
type NAdam struct {
	base
	cfg NAdamConfig
}

var _ Solver = (*NAdam)(nil)

func (cfg *NAdamConfig) keys() adamKeys {
	return adamKeys{cfg.LR, cfg.Beta1, cfg.Beta2, cfg.Eps, cfg.WeightDecay, cfg.ClipNorm, cfg.ClipValue}
}

// NewNAdam returns an NAdam solver, or an error naming the first invalid field.
func NewNAdam(cfg NAdamConfig) (*NAdam, error) {
	c := cfg.keys().check("nadam")
	c.nonNeg("momentum_decay", cfg.MomentumDecay)
	if c.err != nil {
		return nil, c.err
	}
	s := &NAdam{base: newBase("nadam", cfg.LR, cfg.ClipNorm, cfg.ClipValue, "exp_avg", "exp_avg_sq"), cfg: cfg}
	s.scalarNames = []string{"mu_product"} // Π_{i≤t} μ_i, a per-parameter float64 (as torch's state)
	s.init = func(p *Param) { p.sc[0] = 1 }
	return s, nil
}

func parseNAdam(a *Args) (Solver, error) {
	d := DefaultNAdamConfig()
	cfg := AdamConfig{LR: d.LR, Beta1: d.Beta1, Beta2: d.Beta2, Eps: d.Eps}
	readAdamKeys(a, &cfg)
	md := a.Float("momentum_decay", d.MomentumDecay)
	return NewNAdam(NAdamConfig{LR: cfg.LR, Beta1: cfg.Beta1, Beta2: cfg.Beta2, Eps: cfg.Eps,
		WeightDecay: cfg.WeightDecay, MomentumDecay: md, ClipNorm: cfg.ClipNorm, ClipValue: cfg.ClipValue})
}

// String returns the solver's spec with every key (see Base.Spec).
func (s *NAdam) String() string {
	return s.Spec(append(s.cfg.keys().spec(), "momentum_decay", s.cfg.MomentumDecay)...)
}

// Step updates the parameters in place and zeroes their gradients.
func (s *NAdam) Step(model []gorgonia.ValueGrad) error {
	c := &s.cfg
	return s.Update(model, func(p *Param) {
		t := float64(p.step)
		mu := c.Beta1 * (1 - float64(0.5*math.Pow(0.96, t*c.MomentumDecay)))
		muNext := c.Beta1 * (1 - float64(0.5*math.Pow(0.96, (t+1)*c.MomentumDecay)))
		p.sc[0] *= mu // mu_product, in float64 whatever the dtype
		prod := p.sc[0]
		k := nadamScalars{
			bc2: 1 - math.Pow(c.Beta2, t),
			c1:  -s.lr * (1 - mu) / (1 - prod),
			c2:  -s.lr * muNext / (1 - float64(prod*muNext)),
			c:   c,
		}
		Dispatch(p, k, nadamKernel[float32], nadamKernel[float64])
	})
}

type nadamScalars struct {
	bc2, c1, c2 float64
	c           *NAdamConfig
}

// nadamKernel flushes, in float32, m and v as Adam's (see flush, for why
// that is harmless).
func nadamKernel[T float](w, g []T, s [][]T, k nadamScalars) {
	c := k.c
	g, m, v := g[:len(w)], s[0][:len(w)], s[1][:len(w)]
	wd, b1, omb1, b2, omb2 := T(c.WeightDecay), T(c.Beta1), T(1-c.Beta1), T(c.Beta2), T(1-c.Beta2)
	eps, bc2, c1, c2 := T(c.Eps), T(k.bc2), T(k.c1), T(k.c2)
	ftz, tiny := flushLimits[T](1-c.Beta2, c.Eps)
	for i := range w {
		gi := g[i]
		if c.WeightDecay != 0 {
			gi += T(wd * w[i])
		}
		m[i] = flush(T(m[i]*b1)+T(omb1*gi), ftz)
		v[i] = flush(T(v[i]*b2)+sqTerm(omb2, gi, tiny), ftz)
		denom := T(math.Sqrt(float64(v[i]/bc2))) + eps
		w[i] += c1 * gi / denom
		w[i] += c2 * m[i] / denom
	}
}

// ---------------------------------------------------------------- RAdam

// RAdamConfig holds the hyperparameters of RAdam. Start from
// DefaultRAdamConfig: a zero field means zero, not "default".
type RAdamConfig struct {
	LR                  float64 // learning rate, >= 0
	Beta1, Beta2        float64 // moment decays, in [0, 1)
	Eps                 float64 // added to the denominator, >= 2⁻¹²⁶ (the smallest normal float32)
	WeightDecay         float64 // coupled: adds WeightDecay·θ to the gradient
	ClipNorm, ClipValue float64 // gradient clipping; 0: off
}

// DefaultRAdamConfig returns the defaults of torch.optim.RAdam.
func DefaultRAdamConfig() RAdamConfig {
	return RAdamConfig{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}
}

// RAdam is torch.optim.RAdam (Liu et al. 2020, Alg. 2): Adam whose
// adaptive step is switched on, rectified, once the variance of the
// adaptive learning rate is tractable (ρ_t > 5); before that the update
// is momentum SGD with the bias-corrected first moment.
type RAdam struct {
	base
	cfg RAdamConfig
}

var _ Solver = (*RAdam)(nil)

// NewRAdam returns a RAdam solver, or an error naming the first invalid field.
func NewRAdam(cfg RAdamConfig) (*RAdam, error) {
	c := adamKeys(cfg).check("radam")
	if c.err != nil {
		return nil, c.err
	}
	return &RAdam{base: newBase("radam", cfg.LR, cfg.ClipNorm, cfg.ClipValue, "exp_avg", "exp_avg_sq"), cfg: cfg}, nil
}

func parseRAdam(a *Args) (Solver, error) {
	return NewRAdam(RAdamConfig(adamKeys(DefaultRAdamConfig()).read(a)))
}

// String returns the solver's spec with every key (see Base.Spec).
func (s *RAdam) String() string { return s.Spec(adamKeys(s.cfg).spec()...) }

type radamScalars struct {
	bc1, lr, rect, bc2sqrt float64
	rectified              bool
	c                      *RAdamConfig
}

// Step updates the parameters in place and zeroes their gradients.
func (s *RAdam) Step(model []gorgonia.ValueGrad) error {
	c := &s.cfg
	return s.Update(model, func(p *Param) {
		t := float64(p.step)
		bc1, bc2 := 1-math.Pow(c.Beta1, t), 1-math.Pow(c.Beta2, t)
		rhoInf := 2/(1-c.Beta2) - 1
		rhoT := rhoInf - 2*t*math.Pow(c.Beta2, t)/bc2
		k := radamScalars{bc1: bc1, lr: s.lr, bc2sqrt: math.Sqrt(bc2), c: c}
		if rhoT > 5 {
			k.rectified = true
			k.rect = math.Sqrt((rhoT - 4) * (rhoT - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rhoT))
		}
		Dispatch(p, k, radamKernel[float32], radamKernel[float64])
	})
}

// radamKernel flushes, in float32, m and v as Adam's (see flush, for why
// that is harmless).
func radamKernel[T float](w, g []T, s [][]T, k radamScalars) {
	c := k.c
	g, m, v := g[:len(w)], s[0][:len(w)], s[1][:len(w)]
	wd, b1, omb1, b2, omb2 := T(c.WeightDecay), T(c.Beta1), T(1-c.Beta1), T(c.Beta2), T(1-c.Beta2)
	eps, bc1, lr, rect, bc2sqrt := T(c.Eps), T(k.bc1), T(k.lr), T(k.rect), T(k.bc2sqrt)
	ftz, tiny := flushLimits[T](1-c.Beta2, c.Eps)
	for i := range w {
		gi := g[i]
		if c.WeightDecay != 0 {
			gi += T(wd * w[i])
		}
		m[i] = flush(T(m[i]*b1)+T(omb1*gi), ftz)
		v[i] = flush(T(v[i]*b2)+sqTerm(omb2, gi, tiny), ftz)
		mhat := m[i] / bc1
		if k.rectified {
			adaptive := bc2sqrt / (T(math.Sqrt(float64(v[i]))) + eps)
			w[i] += T(-1 * (mhat * lr * adaptive * rect))
		} else {
			w[i] += T(-1 * (mhat * lr))
		}
	}
}
