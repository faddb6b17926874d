package solvers

import (
	"math"

	"gorgonia.org/gorgonia"
)

// SFAdamWConfig holds the hyperparameters of SFAdamW. Start from
// DefaultSFAdamWConfig: a zero field means zero, not "default".
type SFAdamWConfig struct {
	LR                  float64 // learning rate, >= 0
	Beta1               float64 // interpolation between z and x, in (0, 1)
	Beta2               float64 // decay of the second moment, in [0, 1)
	Eps                 float64 // added to the denominator, >= 2⁻¹²⁶ (the smallest normal float32)
	WeightDecay         float64 // added to the normalised gradient, evaluated at y
	Warmup              int     // linear warmup steps of the learning rate, >= 0
	R                   float64 // polynomial weighting of the average, (k+1)^r, >= 0
	WeightLRPower       float64 // the average's weights are lr_max^weight_lr_power, >= 0
	InnerMomentum       float64 // EMA of the gradient inside the Adam step, in [0, 1); 0: none
	ClipNorm, ClipValue float64 // gradient clipping; 0: off
}

// DefaultSFAdamWConfig returns the defaults of the authors'
// AdamWScheduleFree: lr 2.5e-3, β 0.9/0.999, ε 1e-8, no weight decay, no
// warmup, r 0, weight_lr_power 2, no inner momentum.
func DefaultSFAdamWConfig() SFAdamWConfig {
	return SFAdamWConfig{LR: 2.5e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightLRPower: 2}
}

// SFAdamW is Schedule-Free AdamW (Defazio et al. 2024, "The Road Less
// Scheduled"), as the authors' AdamWScheduleFree in its current form
// (facebookresearch/schedule_free, schedulefree/adamw_schedulefree.py at
// 43e5c2d978920e1a3707a7609662c72b56401e62, 2026-05-18, which keeps the
// 2024-11-04 "Stability improvements" of 59ed9b66 and adds
// inner_momentum). With k the step count from 0:
//
//	lr_k = lr · min(1, (k+1)/warmup);  lr_max = max lr_k so far
//	w_k = (k+1)^r · lr_max^weight_lr_power;  c = w_k / Σ_{i≤k} w_i  (0 if the sum is 0)
//	v ← β2·v + (1-β2)g²;  d = √(v/(1-β2^(k+1))) + ε
//	u = g/d, or with inner momentum μ: m ← μm + (1-μ)g, u = m/(1-μ^(k+1))/d
//	u ← u + λy
//	y ← y + c(z - y) + lr_k(β1(1-c) - 1)·u;  z ← z - lr_k·u
//
// Before the 2024-11-04 change (and in convergo before issue 13) lr_k
// carried the bias correction √(1-β2^(k+1)) and d was √v + ε; lr_max and
// the averaging weights change with it. The parameter tensors hold y, the
// point where gradients are taken, while training. The averaged iterate
// x, the one to evaluate, satisfies y = (1-β1)z + β1·x: SwapToEval writes
// x into the parameters and SwapToTrain writes y back (see EvalSwapper).
// Step returns an error in eval mode. Its learning rate is meant to stay
// constant (warmup built in). The interpolations are torch's lerp (for a
// weight ≥ ½ it is computed from the far end).
type SFAdamW struct {
	base
	cfg       SFAdamWConfig
	k         int     // steps taken
	lrMax     float64 // -1 before the first step, as the reference
	weightSum float64
	eval      bool
}

var (
	_ Solver      = (*SFAdamW)(nil)
	_ EvalSwapper = (*SFAdamW)(nil)
)

func (cfg *SFAdamWConfig) keys() adamKeys {
	return adamKeys{cfg.LR, cfg.Beta1, cfg.Beta2, cfg.Eps, cfg.WeightDecay, cfg.ClipNorm, cfg.ClipValue}
}

// NewSFAdamW returns an SFAdamW solver, or an error naming the first invalid field.
func NewSFAdamW(cfg SFAdamWConfig) (*SFAdamW, error) {
	c := cfg.keys().check("sfadamw")
	c.check(cfg.Warmup >= 0, "warmup", cfg.Warmup, ">= 0")
	c.nonNeg("r", cfg.R)
	c.nonNeg("weight_lr_power", cfg.WeightLRPower)
	c.beta("inner_momentum", cfg.InnerMomentum)
	if c.err == nil && cfg.Beta1 == 0 {
		// x = (y - (1-β1)z)/β1 needs β1 > 0.
		c.check(false, "beta1", cfg.Beta1, "> 0 (the evaluation point divides by beta1)")
	}
	if c.err != nil {
		return nil, c.err
	}
	slots := []string{"z", "exp_avg_sq"}
	if cfg.InnerMomentum != 0 {
		slots = append(slots, "exp_avg") // as the reference, only with inner momentum
	}
	s := &SFAdamW{base: newBase("sfadamw", cfg.LR, cfg.ClipNorm, cfg.ClipValue, slots...), cfg: cfg, lrMax: -1}
	s.init = initFromValue
	return s, nil
}

func parseSFAdamW(a *Args) (Solver, error) {
	d := DefaultSFAdamWConfig()
	cfg := AdamConfig{LR: d.LR, Beta1: d.Beta1, Beta2: d.Beta2, Eps: d.Eps}
	readAdamKeys(a, &cfg)
	warmup := a.Int("warmup", d.Warmup)
	r := a.Float("r", d.R)
	power := a.Float("weight_lr_power", d.WeightLRPower)
	im := a.Float("inner_momentum", d.InnerMomentum)
	return NewSFAdamW(SFAdamWConfig{LR: cfg.LR, Beta1: cfg.Beta1, Beta2: cfg.Beta2, Eps: cfg.Eps,
		WeightDecay: cfg.WeightDecay, Warmup: warmup, R: r, WeightLRPower: power, InnerMomentum: im,
		ClipNorm: cfg.ClipNorm, ClipValue: cfg.ClipValue})
}

// String returns the solver's spec with every key (see Base.Spec).
func (s *SFAdamW) String() string {
	c := &s.cfg
	return s.Spec(append(c.keys().spec(), "warmup", c.Warmup, "r", c.R, "weight_lr_power", c.WeightLRPower,
		"inner_momentum", c.InnerMomentum)...)
}

// Step updates the parameters (y) in place and zeroes their gradients.
func (s *SFAdamW) Step(model []gorgonia.ValueGrad) error {
	if s.eval {
		return s.errorf("Step in eval mode: call SwapToTrain first")
	}
	if err := s.prepare(model); err != nil {
		return err
	}
	c := &s.cfg
	lr, ckp1 := sfWeights(s.lr, s.k, c.Warmup, c.R, c.WeightLRPower, &s.lrMax, &s.weightSum)
	k := sfadamwStep{lr: lr, ckp1: ckp1, bc2: 1 - math.Pow(c.Beta2, float64(s.k+1)), c: c}
	if c.InnerMomentum != 0 {
		k.bc1 = 1 - math.Pow(c.InnerMomentum, float64(s.k+1))
	}
	s.each(func(p *Param) { Dispatch(p, k, sfadamwKernel[float32], sfadamwKernel[float64]) })
	s.k++
	return nil
}

type sfadamwStep struct {
	lr, ckp1 float64 // lr_k and c
	bc1, bc2 float64 // bias corrections of the inner momentum and of v
	c        *SFAdamWConfig
}

// sfadamwKernel: the slots are z, v and, with inner momentum, m. It
// flushes, in float32, v and m as Adam's (see flush, for why that is
// harmless: v/(1-β2^(k+1)) ≥ v); products that are added are rounded
// explicitly (no FMA, see adamKernel).
func sfadamwKernel[T float](y, g []T, s [][]T, k sfadamwStep) {
	lr, ckp1, c := k.lr, k.ckp1, k.c
	g, z, v := g[:len(y)], s[0][:len(y)], s[1][:len(y)]
	var m []T
	if c.InnerMomentum != 0 {
		m = s[2][:len(y)]
	}
	b2, omb2, eps, wd, bc2 := T(c.Beta2), T(1-c.Beta2), T(c.Eps), T(c.WeightDecay), T(k.bc2)
	mu, ommu, bc1 := T(c.InnerMomentum), T(1-c.InnerMomentum), T(k.bc1)
	ck, yCoef, nlr := T(ckp1), T(lr*(float64(c.Beta1*(1-ckp1))-1)), T(-lr)
	ftz, tiny := flushLimits[T](1-c.Beta2, c.Eps)
	for i := range y {
		v[i] = flush(T(v[i]*b2)+sqTerm(omb2, g[i], tiny), ftz)
		d := T(math.Sqrt(float64(v[i]/bc2))) + eps
		var u T
		if m != nil {
			m[i] = flush(T(mu*m[i])+T(ommu*g[i]), ftz)
			u = m[i] / bc1 / d
		} else {
			u = g[i] / d
		}
		if c.WeightDecay != 0 {
			u += T(wd * y[i])
		}
		y[i] = lerpTorch(y[i], z[i], ck)
		y[i] += T(yCoef * u)
		z[i] += T(nlr * u)
	}
}

// SwapToEval writes the evaluation point x = y + (1-1/β1)(z-y) into the
// parameters seen so far. A no-op in eval mode.
func (s *SFAdamW) SwapToEval() error {
	if s.eval {
		return nil
	}
	s.lerpAll(1 - 1/s.cfg.Beta1)
	s.eval = true
	return nil
}

// SwapToTrain writes the training point y = x + (1-β1)(z-x) back into the
// parameters. A no-op in train mode.
func (s *SFAdamW) SwapToTrain() error {
	if !s.eval {
		return nil
	}
	s.lerpAll(1 - s.cfg.Beta1)
	s.eval = false
	return nil
}

// lerpAll sets θ ← θ + wt(z-θ) for every parameter seen so far, through
// the value slices of its last Step (the parameter tensors, which Step
// updates in place).
func (s *SFAdamW) lerpAll(wt float64) { sfLerpAll(&s.base, wt) }

// State returns the solver's state, including the step count k, lr_max
// and the weight sum. It must be called in train mode (the parameters,
// saved alongside, then hold y); it returns an error in eval mode.
func (s *SFAdamW) State() (*State, error) {
	return sfState(&s.base, s.eval, s.k, s.lrMax, s.weightSum)
}

// SetState restores a State saved by State.
func (s *SFAdamW) SetState(st *State) error {
	k, lrMax, ws, err := sfSetState(&s.base, st)
	if err != nil {
		return err
	}
	s.k, s.lrMax, s.weightSum, s.eval = k, lrMax, ws, false
	return nil
}
