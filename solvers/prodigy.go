package solvers

import (
	"math"

	"gorgonia.org/gorgonia"
)

// ProdigyConfig holds the hyperparameters of Prodigy. Start from
// DefaultProdigyConfig: a zero field means zero, not "default" — except
// Beta3, whose zero is √β2 (the reference's None).
type ProdigyConfig struct {
	LR                  float64 // multiplies the estimated step size d, >= 0
	Beta1, Beta2        float64 // moment decays, in [0, 1)
	Beta3               float64 // decay of the d estimate's sums, in [0, 1); 0: √β2
	D0                  float64 // initial d, > 0
	DCoef               float64 // multiplies the estimate d̂, > 0
	GrowthRate          float64 // d grows by at most this factor per step, >= 1; +Inf: no limit
	WeightDecay         float64 // decoupled (θ ← θ - λ·d·lr·θ) or coupled (λθ added to g)
	Decouple            bool    // decoupled weight decay
	SafeguardWarmup     bool    // leave lr out of s (the reference's safeguard_warmup)
	BiasCorrection      bool    // scale d·lr by √(1-β2^(k+1))/(1-β1^(k+1))
	Eps                 float64 // added to the denominator, times d, >= 2⁻¹²⁶ (the smallest normal float32)
	ClipNorm, ClipValue float64 // gradient clipping; 0: off
}

// DefaultProdigyConfig returns the authors' defaults: lr 1, β 0.9/0.999,
// β3 √β2, d0 1e-6, d_coef 1, unlimited growth, decoupled weight decay of
// 0, no safeguard warm-up, no bias correction, ε 1e-8.
func DefaultProdigyConfig() ProdigyConfig {
	return ProdigyConfig{LR: 1, Beta1: 0.9, Beta2: 0.999, D0: 1e-6, DCoef: 1, GrowthRate: math.Inf(1),
		Decouple: true, Eps: 1e-8}
}

// Prodigy (Mishchenko and Defazio 2023, "Prodigy: An Expeditiously
// Adaptive Parameter-Free Learner"), as the authors' code
// (konstmish/prodigy, prodigyopt/prodigy.py at
// a1b4f0eff7ef988ac10d6f11f26b0da15d254588, one parameter group,
// slice_p = 1, no FSDP). With k the solver's step count from 0, d the
// current estimate, θ0 each parameter's initial value and
// dlr = d·lr·(bias correction, if on):
//
//	first, over all parameters (g with λθ added when coupled):
//	  N ← β3·N + Σ (d/d0)·dlr·⟨g, θ0 - θ⟩
//	  m ← β1·m + d(1-β1)g;  v ← β2·v + d²(1-β2)g²
//	  s ← β3·s + (d/d0)·dlr·g  (d/d0·d without lr, safeguard warm-up)
//	  D = Σ ‖s‖₁;  if D = 0 the step ends here (no update, k unchanged)
//	d̂ = d_coef·N/D;  d ← max(d, d̂) while d = d0;  d_max ← max(d_max, d̂);
//	d ← min(d_max, d·growth_rate)
//	then θ ← θ - λ·dlr·θ (decoupled);  θ ← θ - dlr·m/(√v + d·ε)
//	(with β1 = 0: θ ← θ - dlr·d·g/(√v + d·ε))
//
// dlr is computed from d before its update, as the reference. d, d_max,
// N and k are solver-wide: State saves them. Products are accumulated in
// float64. The float32 state is not flushed (d·ε starts at 1e-14, where
// flushing could show).
type Prodigy struct {
	base
	cfg       ProdigyConfig
	beta3     float64
	k         int
	d, dMax   float64
	numerator float64 // N
}

var _ Solver = (*Prodigy)(nil)

// NewProdigy returns a Prodigy solver, or an error naming the first invalid field.
func NewProdigy(cfg ProdigyConfig) (*Prodigy, error) {
	c := checker{solver: "prodigy"}
	c.common(cfg.LR, cfg.ClipNorm, cfg.ClipValue)
	c.beta("beta1", cfg.Beta1)
	c.beta("beta2", cfg.Beta2)
	c.beta("beta3", cfg.Beta3)
	c.pos("d0", cfg.D0)
	c.pos("d_coef", cfg.DCoef)
	c.check(cfg.GrowthRate >= 1, "growth_rate", cfg.GrowthRate, ">= 1 (inf: no limit)")
	c.nonNeg("weight_decay", cfg.WeightDecay)
	c.eps("eps", cfg.Eps)
	if c.err != nil {
		return nil, c.err
	}
	s := &Prodigy{base: newBase("prodigy", cfg.LR, cfg.ClipNorm, cfg.ClipValue, "exp_avg", "exp_avg_sq", "s", "p0"),
		cfg: cfg, beta3: cfg.Beta3, d: cfg.D0, dMax: cfg.D0}
	if s.beta3 == 0 {
		s.beta3 = math.Sqrt(cfg.Beta2)
	}
	s.init = func(p *Param) { // p0 is the initial value
		if p.f32() {
			copy(p.s32[3], p.w32)
		} else {
			copy(p.s64[3], p.w64)
		}
	}
	return s, nil
}

func parseProdigy(a *Args) (Solver, error) {
	cfg := DefaultProdigyConfig()
	cfg.LR = a.Float("lr", cfg.LR)
	cfg.Beta1 = a.Float("beta1", cfg.Beta1)
	cfg.Beta2 = a.Float("beta2", cfg.Beta2)
	if a.Has("beta3") {
		cfg.Beta3 = a.Float("beta3", 0)
		if cfg.Beta3 == 0 {
			a.Errorf("beta3", "must be in (0, 1) (leave it out for sqrt(beta2))")
		}
	}
	cfg.D0 = a.Float("d0", cfg.D0)
	cfg.DCoef = a.Float("d_coef", cfg.DCoef)
	cfg.GrowthRate = a.floatOrWord("growth_rate", cfg.GrowthRate, "inf", math.Inf(1))
	cfg.WeightDecay = a.Float("weight_decay", cfg.WeightDecay)
	cfg.Decouple = a.Bool("decouple", cfg.Decouple)
	cfg.SafeguardWarmup = a.Bool("safeguard_warmup", cfg.SafeguardWarmup)
	cfg.BiasCorrection = a.Bool("bias_correction", cfg.BiasCorrection)
	cfg.Eps = a.Float("eps", cfg.Eps)
	cfg.ClipNorm, cfg.ClipValue = a.Clip()
	return NewProdigy(cfg)
}

// String returns the solver's spec with every key (see Base.Spec); β3 is
// shown as its value (√β2 by default) and an unlimited growth rate as inf.
func (s *Prodigy) String() string {
	c := &s.cfg
	var growth any = c.GrowthRate
	if math.IsInf(c.GrowthRate, 1) {
		growth = "inf"
	}
	return s.Spec("lr", c.LR, "beta1", c.Beta1, "beta2", c.Beta2, "beta3", s.beta3, "d0", c.D0, "d_coef", c.DCoef,
		"growth_rate", growth, "weight_decay", c.WeightDecay, "decouple", c.Decouple,
		"safeguard_warmup", c.SafeguardWarmup, "bias_correction", c.BiasCorrection, "eps", c.Eps)
}

type prodigyStep struct {
	d, dlr, sCoef float64
	lr            float64
	c             *ProdigyConfig
	beta3         float64
	numerator     *float64 // Σ (d/d0)·dlr·⟨g, θ0-θ⟩, accumulated by the first pass
	denom         *float64 // Σ ‖s‖₁
}

// Step updates the parameters in place and zeroes their gradients.
func (s *Prodigy) Step(model []gorgonia.ValueGrad) error {
	if err := s.prepare(model); err != nil {
		return err
	}
	c := &s.cfg
	bc := 1.0
	if c.BiasCorrection {
		bc = math.Sqrt(1-math.Pow(c.Beta2, float64(s.k+1))) / (1 - math.Pow(c.Beta1, float64(s.k+1)))
	}
	dlr := s.d * s.lr * bc
	var delta, denom float64
	k := prodigyStep{d: s.d, dlr: dlr, lr: s.lr, c: c, beta3: s.beta3, numerator: &delta, denom: &denom}
	k.sCoef = s.d / c.D0 * dlr
	if c.SafeguardWarmup {
		k.sCoef = s.d / c.D0 * s.d
	}
	for _, p := range s.cur {
		Dispatch(p, k, prodigyFirst[float32], prodigyFirst[float64])
	}
	if denom == 0 {
		s.finish() // as the reference: moments updated, no step, k unchanged
		return nil
	}
	if s.lr > 0 {
		num := s.numerator*s.beta3 + delta
		dHat := c.DCoef * num / denom
		if s.d == c.D0 {
			s.d = max(s.d, dHat)
		}
		s.dMax = max(s.dMax, dHat)
		s.d = min(s.dMax, s.d*c.GrowthRate)
		s.numerator = num
	}
	k.d = s.d // the denominator's d·ε uses the new d; dlr the old one
	s.each(func(p *Param) { Dispatch(p, k, prodigySecond[float32], prodigySecond[float64]) })
	s.k++
	return nil
}

// prodigyFirst is the first pass over a parameter: moments, s and the
// sums of the d estimate. The slots are m, v, s and θ0. Coupled weight
// decay is added to the gradient in place, for the second pass (as the
// reference).
func prodigyFirst[T float](w, g []T, sl [][]T, k prodigyStep) {
	c := k.c
	g, m, v, s, p0 := g[:len(w)], sl[0][:len(w)], sl[1][:len(w)], sl[2][:len(w)], sl[3][:len(w)]
	if c.WeightDecay != 0 && !c.Decouple {
		wd := T(c.WeightDecay)
		for i := range w {
			g[i] += T(wd * w[i])
		}
	}
	if k.lr <= 0 {
		return
	}
	var dot, l1 float64
	for i := range w {
		dot += float64(float64(g[i]) * float64(p0[i]-w[i]))
	}
	*k.numerator += k.d / c.D0 * k.dlr * dot
	b1, m1, b2, m2, b3, sc := T(c.Beta1), T(k.d*(1-c.Beta1)), T(c.Beta2), T(k.d*k.d*(1-c.Beta2)), T(k.beta3), T(k.sCoef)
	for i := range w {
		gi := g[i]
		if c.Beta1 > 0 {
			m[i] = T(b1*m[i]) + T(m1*gi)
		}
		v[i] = T(b2*v[i]) + T(T(m2*gi)*gi)
		s[i] = T(b3*s[i]) + T(sc*gi)
		l1 += math.Abs(float64(s[i]))
	}
	*k.denom += l1
}

// prodigySecond is the update of a parameter.
func prodigySecond[T float](w, g []T, sl [][]T, k prodigyStep) {
	c := k.c
	g, m, v := g[:len(w)], sl[0][:len(w)], sl[1][:len(w)]
	deps, ndlr := T(k.d*c.Eps), T(-k.dlr)
	decay := T(-c.WeightDecay * k.dlr)
	decoupled := c.WeightDecay != 0 && c.Decouple
	for i := range w {
		if decoupled {
			w[i] += T(decay * w[i])
		}
		d := T(math.Sqrt(float64(v[i]))) + deps
		if c.Beta1 > 0 {
			w[i] += ndlr * m[i] / d
		} else {
			w[i] += T(ndlr*T(k.d)) * g[i] / d
		}
	}
}

// State returns the solver's state, with the step count k, d, d_max and
// the numerator N of the d estimate.
func (s *Prodigy) State() (*State, error) {
	st, err := s.base.State()
	if err != nil {
		return nil, err
	}
	st.Scalars = map[string]float64{"k": float64(s.k), "d": s.d, "d_max": s.dMax, "d_numerator": s.numerator}
	return st, nil
}

// SetState restores a State saved by State.
func (s *Prodigy) SetState(st *State) error {
	if err := s.base.SetState(st); err != nil {
		return err
	}
	if err := s.needScalars(st, "k", "d", "d_max", "d_numerator"); err != nil {
		return err
	}
	s.k, s.d, s.dMax, s.numerator = int(st.Scalars["k"]), st.Scalars["d"], st.Scalars["d_max"], st.Scalars["d_numerator"]
	return nil
}
