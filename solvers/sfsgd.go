package solvers

import "gorgonia.org/gorgonia"

// SFSGDConfig holds the hyperparameters of SFSGD. Start from
// DefaultSFSGDConfig: a zero field means zero, not "default".
type SFSGDConfig struct {
	LR                  float64 // learning rate, >= 0
	Momentum            float64 // interpolation between z and x, in (0, 1)
	WeightDecay         float64 // coupled: λy added to the gradient
	Warmup              int     // linear warmup steps of the learning rate, >= 0
	R                   float64 // polynomial weighting of the average, (k+1)^r, >= 0
	WeightLRPower       float64 // the average's weights are lr_max^weight_lr_power, >= 0
	ClipNorm, ClipValue float64 // gradient clipping; 0: off
}

// DefaultSFSGDConfig returns the defaults of the authors' SGDScheduleFree:
// lr 1, momentum 0.9, no weight decay, no warmup, r 0, weight_lr_power 2.
func DefaultSFSGDConfig() SFSGDConfig {
	return SFSGDConfig{LR: 1, Momentum: 0.9, WeightLRPower: 2}
}

// SFSGD is Schedule-Free SGD (Defazio et al. 2024, "The Road Less
// Scheduled"), as the authors' SGDScheduleFree (facebookresearch/
// schedule_free, schedulefree/sgd_schedulefree.py at
// 59ed9b662d5ec5799aded7390b2482758423653c, unchanged since, up to
// 70785b53). With k the step count from 0 and β the momentum:
//
//	lr_k = lr · min(1, (k+1)/warmup);  lr_max = max lr_k so far
//	w_k = (k+1)^r · lr_max^weight_lr_power;  c = w_k / Σ_{i≤k} w_i  (0 if the sum is 0)
//	g ← g + λy
//	y ← y + c(z - y) + lr_k(β(1-c) - 1)·g;  z ← z - lr_k·g
//
// As SFAdamW, the parameter tensors hold y while training and
// y = (1-β)z + β·x; SwapToEval writes x into them, SwapToTrain y (see
// EvalSwapper); Step returns an error in eval mode; the learning rate is
// meant to stay constant (warmup built in); State saves k, lr_max and the
// weight sum.
type SFSGD struct {
	base
	cfg       SFSGDConfig
	k         int
	lrMax     float64 // -1 before the first step, as the reference
	weightSum float64
	eval      bool
}

var (
	_ Solver      = (*SFSGD)(nil)
	_ EvalSwapper = (*SFSGD)(nil)
)

// NewSFSGD returns an SFSGD solver, or an error naming the first invalid field.
func NewSFSGD(cfg SFSGDConfig) (*SFSGD, error) {
	c := checker{solver: "sfsgd"}
	c.common(cfg.LR, cfg.ClipNorm, cfg.ClipValue)
	c.check(cfg.Momentum > 0 && cfg.Momentum < 1, "momentum", cfg.Momentum, "in (0, 1) (the evaluation point divides by it)")
	c.nonNeg("weight_decay", cfg.WeightDecay)
	c.check(cfg.Warmup >= 0, "warmup", cfg.Warmup, ">= 0")
	c.nonNeg("r", cfg.R)
	c.nonNeg("weight_lr_power", cfg.WeightLRPower)
	if c.err != nil {
		return nil, c.err
	}
	s := &SFSGD{base: newBase("sfsgd", cfg.LR, cfg.ClipNorm, cfg.ClipValue, "z"), cfg: cfg, lrMax: -1}
	s.init = initFromValue
	return s, nil
}

func parseSFSGD(a *Args) (Solver, error) {
	cfg := DefaultSFSGDConfig()
	cfg.LR = a.Float("lr", cfg.LR)
	cfg.Momentum = a.Float("momentum", cfg.Momentum)
	cfg.WeightDecay = a.Float("weight_decay", cfg.WeightDecay)
	cfg.Warmup = a.Int("warmup", cfg.Warmup)
	cfg.R = a.Float("r", cfg.R)
	cfg.WeightLRPower = a.Float("weight_lr_power", cfg.WeightLRPower)
	cfg.ClipNorm, cfg.ClipValue = a.Clip()
	return NewSFSGD(cfg)
}

// String returns the solver's spec with every key (see Base.Spec).
func (s *SFSGD) String() string {
	c := &s.cfg
	return s.Spec("lr", c.LR, "momentum", c.Momentum, "weight_decay", c.WeightDecay, "warmup", c.Warmup,
		"r", c.R, "weight_lr_power", c.WeightLRPower)
}

// Step updates the parameters (y) in place and zeroes their gradients.
func (s *SFSGD) Step(model []gorgonia.ValueGrad) error {
	if s.eval {
		return s.errorf("Step in eval mode: call SwapToTrain first")
	}
	if err := s.prepare(model); err != nil {
		return err
	}
	c := &s.cfg
	lr, ckp1 := sfWeights(s.lr, s.k, c.Warmup, c.R, c.WeightLRPower, &s.lrMax, &s.weightSum)
	k := sfsgdStep{lr: lr, ckp1: ckp1, c: c}
	s.each(func(p *Param) { Dispatch(p, k, sfsgdKernel[float32], sfsgdKernel[float64]) })
	s.k++
	return nil
}

type sfsgdStep struct {
	lr, ckp1 float64
	c        *SFSGDConfig
}

// sfsgdKernel: the slot is z. Nothing decays geometrically to
// subnormals, so nothing is flushed.
func sfsgdKernel[T float](y, g []T, s [][]T, k sfsgdStep) {
	c := k.c
	g, z := g[:len(y)], s[0][:len(y)]
	wd, ck := T(c.WeightDecay), T(k.ckp1)
	yCoef, nlr := T(k.lr*(float64(c.Momentum*(1-k.ckp1))-1)), T(-k.lr)
	for i := range y {
		gi := g[i]
		if c.WeightDecay != 0 {
			gi += T(wd * y[i])
		}
		y[i] = lerpTorch(y[i], z[i], ck)
		y[i] += T(yCoef * gi)
		z[i] += T(nlr * gi)
	}
}

// SwapToEval writes the evaluation point x = y + (1-1/β)(z-y) into the
// parameters seen so far. A no-op in eval mode.
func (s *SFSGD) SwapToEval() error {
	if !s.eval {
		sfLerpAll(&s.base, 1-1/s.cfg.Momentum)
		s.eval = true
	}
	return nil
}

// SwapToTrain writes the training point y = x + (1-β)(z-x) back into the
// parameters. A no-op in train mode.
func (s *SFSGD) SwapToTrain() error {
	if s.eval {
		sfLerpAll(&s.base, 1-s.cfg.Momentum)
		s.eval = false
	}
	return nil
}

// State returns the solver's state, including the step count k, lr_max
// and the weight sum; in eval mode it returns an error (see SFAdamW.State).
func (s *SFSGD) State() (*State, error) {
	return sfState(&s.base, s.eval, s.k, s.lrMax, s.weightSum)
}

// SetState restores a State saved by State.
func (s *SFSGD) SetState(st *State) error {
	k, lrMax, ws, err := sfSetState(&s.base, st)
	if err != nil {
		return err
	}
	s.k, s.lrMax, s.weightSum, s.eval = k, lrMax, ws, false
	return nil
}
