package solvers

import (
	"math"

	"gorgonia.org/gorgonia"
)

// AdafactorConfig holds the hyperparameters of Adafactor. Start from
// DefaultAdafactorConfig: a zero field means zero, not "default" — except
// Eps1, whose zero is "none" (the reference's None).
type AdafactorConfig struct {
	LR                  float64 // the cap of the relative step size ρ_t = min(lr, 1/√t), >= 0
	Beta2Decay          float64 // τ of 1-β̂2_t = t^τ, <= 0
	Eps1                float64 // floor of the variance estimate's denominator and of √V̂; 0: none, the dtype's machine epsilon
	Eps2                float64 // floor of the parameter RMS in the step size, >= 0
	D                   float64 // update clipping threshold, >= 1
	WeightDecay         float64 // decoupled: θ ← θ(1 - lr·λ)
	ClipNorm, ClipValue float64 // gradient clipping; 0: off
}

// DefaultAdafactorConfig returns torch.optim.Adafactor's defaults: lr
// 1e-2, τ -0.8, ε1 none, ε2 1e-3, d 1, no weight decay.
func DefaultAdafactorConfig() AdafactorConfig {
	return AdafactorConfig{LR: 1e-2, Beta2Decay: -0.8, Eps2: 1e-3, D: 1}
}

// Adafactor (Shazeer and Stern 2018, "Adafactor: Adaptive Learning Rates
// with Sublinear Memory Cost"), as torch.optim.Adafactor (PyTorch ≥ 2.5,
// torch/optim/_adafactor.py at 051d6a09bb159a48ac11006c454c0c979511d0f3,
// the single-tensor code). With t the parameter's step and n its size:
//
//	1-β̂ = t^τ;  ρ = min(lr, 1/√t);  α = max(ε2, ‖θ‖/√n)·ρ  (θ before decay)
//	θ ← θ(1 - lr·λ)
//	≥ 2-D, over the last two axes (rows i, columns j; leading axes are a batch):
//	  R_i ← R_i + (1-β̂)(mean_j g_ij² - R_i);  C_j ← C_j + (1-β̂)(mean_i g_ij² - C_j)
//	  V̂_ij = R_i·C_j / max(mean_i R_i, ε1)
//	scalars and vectors:  V ← V + (1-β̂)(g² - V);  V̂ = V
//	U = g / √max(V̂, ε1²);  θ ← θ - α/max(1, ‖U‖/(√n·d)) · U
//
// ε1 "none" is the machine epsilon of the parameter's dtype (2⁻²³ for
// float32, 2⁻⁵² for float64), as torch. A ≥ 2-D parameter keeps only its
// row and column factors (slots row_var and col_var, of the sizes of its
// rows and columns times the leading axes); others keep variance. Norms
// and means are accumulated in float64. The float32 state is not flushed:
// V̂ is floored at ε1² ≥ 1.4e-14 only after the factors are combined, so a
// flushed factor could show.
type Adafactor struct {
	base
	cfg AdafactorConfig
}

var _ Solver = (*Adafactor)(nil)

// NewAdafactor returns an Adafactor solver, or an error naming the first invalid field.
func NewAdafactor(cfg AdafactorConfig) (*Adafactor, error) {
	c := checker{solver: "adafactor"}
	c.common(cfg.LR, cfg.ClipNorm, cfg.ClipValue)
	c.check(finite(cfg.Beta2Decay) && cfg.Beta2Decay <= 0, "beta2_decay", cfg.Beta2Decay, "<= 0")
	if cfg.Eps1 != 0 {
		c.eps("eps1", cfg.Eps1)
	}
	c.nonNeg("eps2", cfg.Eps2)
	c.check(finite(cfg.D) && cfg.D >= 1, "d", cfg.D, ">= 1")
	c.nonNeg("weight_decay", cfg.WeightDecay)
	if c.err != nil {
		return nil, c.err
	}
	s := &Adafactor{base: newBase("adafactor", cfg.LR, cfg.ClipNorm, cfg.ClipValue, "row_var", "col_var", "variance"), cfg: cfg}
	s.slotLen = adafactorSlotLen
	return s, nil
}

// adafactorSlotLen: row_var and col_var for ≥ 2-D parameters, variance
// for the others.
func adafactorSlotLen(p *Param, i int) int {
	lead, rows, cols, factored := factorShape(p)
	switch {
	case !factored && i == 2:
		return p.shape.TotalSize()
	case factored && i == 0:
		return lead * rows
	case factored && i == 1:
		return lead * cols
	}
	return 0
}

// factorShape returns the leading size, the rows and the columns of a
// parameter of 2 or more axes (factored), split at its last two axes.
func factorShape(p *Param) (lead, rows, cols int, factored bool) {
	sh := p.shape
	if len(sh) < 2 {
		return 0, 0, 0, false
	}
	lead = 1
	for _, d := range sh[:len(sh)-2] {
		lead *= d
	}
	return lead, sh[len(sh)-2], sh[len(sh)-1], true
}

func parseAdafactor(a *Args) (Solver, error) {
	cfg := DefaultAdafactorConfig()
	cfg.LR = a.Float("lr", cfg.LR)
	cfg.Beta2Decay = a.Float("beta2_decay", cfg.Beta2Decay)
	// none is NaN here, which no number of a spec can be.
	switch eps1 := a.floatOrWord("eps1", math.NaN(), "none", math.NaN()); {
	case math.IsNaN(eps1):
		cfg.Eps1 = 0
	case eps1 == 0:
		a.Errorf("eps1", "must be > 0 (eps1=none is the dtype's machine epsilon)")
	default:
		cfg.Eps1 = eps1
	}
	cfg.Eps2 = a.Float("eps2", cfg.Eps2)
	cfg.D = a.Float("d", cfg.D)
	cfg.WeightDecay = a.Float("weight_decay", cfg.WeightDecay)
	cfg.ClipNorm, cfg.ClipValue = a.Clip()
	return NewAdafactor(cfg)
}

// String returns the solver's spec with every key (see Base.Spec).
func (s *Adafactor) String() string {
	c := &s.cfg
	var eps1 any = c.Eps1
	if c.Eps1 == 0 {
		eps1 = "none"
	}
	return s.Spec("lr", c.LR, "beta2_decay", c.Beta2Decay, "eps1", eps1, "eps2", c.Eps2, "d", c.D, "weight_decay", c.WeightDecay)
}

// Step updates the parameters in place and zeroes their gradients.
func (s *Adafactor) Step(model []gorgonia.ValueGrad) error {
	c := &s.cfg
	return s.Update(model, func(p *Param) {
		t := float64(p.step)
		eps1 := c.Eps1
		if eps1 == 0 {
			eps1 = 0x1p-52
			if p.f32() {
				eps1 = 0x1p-23
			}
		}
		k := adafactorStep{omb2: math.Pow(t, c.Beta2Decay), rho: min(s.lr, 1/math.Sqrt(t)), lr: s.lr, eps1: eps1, c: c}
		k.lead, k.rows, k.cols, k.factored = factorShape(p)
		Dispatch(p, k, adafactorKernel[float32], adafactorKernel[float64])
	})
}

type adafactorStep struct {
	omb2, rho, lr, eps1 float64
	lead, rows, cols    int
	factored            bool
	c                   *AdafactorConfig
}

// adafactorKernel: the slots are row_var, col_var and variance (see
// Adafactor). Sums are accumulated in float64, the per-element arithmetic
// is in the parameter's dtype.
func adafactorKernel[T float](w, g []T, s [][]T, k adafactorStep) {
	c := k.c
	g = g[:len(w)]
	n := float64(len(w))
	alpha := max(c.Eps2, math.Sqrt(sumSquares(w))/math.Sqrt(n)) * k.rho
	if c.WeightDecay != 0 {
		scaleSlice(w, T(1-k.lr*c.WeightDecay))
	}
	omb2, floor := T(k.omb2), T(k.eps1*k.eps1)
	rsqrt := func(v T) T { return T(1 / math.Sqrt(float64(max(v, floor)))) }
	var un float64 // ‖U‖²
	if !k.factored {
		v := s[2][:len(w)]
		for i := range w {
			v[i] = lerpTorch(v[i], T(g[i]*g[i]), omb2)
			x := float64(T(g[i] * rsqrt(v[i])))
			un += float64(x * x)
		}
		step := T(-alpha / max(1, math.Sqrt(un)/(math.Sqrt(n)*c.D)))
		for i := range w {
			w[i] += T(step * T(g[i]*rsqrt(v[i])))
		}
		return
	}
	rows, cols, eps1 := k.rows, k.cols, T(k.eps1)
	// each calls f(b, gb, rb, cb, m) for every matrix b of the batch, with
	// m = max(mean_i R_i, ε1).
	each := func(f func(gb, rb, cb []T, m T)) {
		for b := range k.lead {
			rb := s[0][b*rows : (b+1)*rows]
			var sum float64
			for _, r := range rb {
				sum += float64(r)
			}
			f(g[b*rows*cols:(b+1)*rows*cols], rb, s[1][b*cols:(b+1)*cols], max(T(sum/float64(rows)), eps1))
		}
	}
	for b := range k.lead {
		gb, rb, cb := g[b*rows*cols:(b+1)*rows*cols], s[0][b*rows:(b+1)*rows], s[1][b*cols:(b+1)*cols]
		for i := range rows {
			rb[i] = lerpTorch(rb[i], T(sumSquares(gb[i*cols:(i+1)*cols])/float64(cols)), omb2)
		}
		for j := range cols {
			var sum float64
			for i := range rows {
				x := float64(gb[i*cols+j])
				sum += float64(x * x)
			}
			cb[j] = lerpTorch(cb[j], T(sum/float64(rows)), omb2)
		}
	}
	each(func(gb, rb, cb []T, m T) {
		for i := range rows {
			for j := range cols {
				x := float64(T(gb[i*cols+j] * rsqrt(T(rb[i]*cb[j])/m)))
				un += float64(x * x)
			}
		}
	})
	step := T(-alpha / max(1, math.Sqrt(un)/(math.Sqrt(n)*c.D)))
	wb := 0
	each(func(gb, rb, cb []T, m T) {
		for i := range rows {
			for j := range cols {
				w[wb] += T(step * T(gb[i*cols+j]*rsqrt(T(rb[i]*cb[j])/m)))
				wb++
			}
		}
	})
}
