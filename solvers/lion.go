package solvers

import "gorgonia.org/gorgonia"

// This file: Lion, which PyTorch does not have: its reference check is a
// paperCase (paper_test.go).

// LionConfig holds the hyperparameters of Lion. Start from
// DefaultLionConfig: a zero field means zero, not "default".
type LionConfig struct {
	LR                  float64 // learning rate, >= 0
	Beta1               float64 // interpolation of the update direction, in [0, 1)
	Beta2               float64 // decay of the momentum, in [0, 1)
	WeightDecay         float64 // decoupled: θ ← θ(1 - lr·λ)
	ClipNorm, ClipValue float64 // gradient clipping; 0: off
}

// DefaultLionConfig returns the defaults of the paper: lr 1e-4, β1 0.9, β2 0.99.
func DefaultLionConfig() LionConfig { return LionConfig{LR: 1e-4, Beta1: 0.9, Beta2: 0.99} }

// Lion is EvoLved Sign Momentum (Chen et al. 2023, "Symbolic Discovery of
// Optimization Algorithms", Algorithm 2), with decoupled weight decay and
// sign(0) = 0:
//
//	c ← β1·m + (1-β1)g;  θ ← θ - lr·(sign(c) + λθ);  m ← β2·m + (1-β2)g
type Lion struct {
	base
	cfg LionConfig
}

var _ Solver = (*Lion)(nil)

// NewLion returns a Lion solver, or an error naming the first invalid field.
func NewLion(cfg LionConfig) (*Lion, error) {
	c := checker{solver: "lion"}
	c.common(cfg.LR, cfg.ClipNorm, cfg.ClipValue)
	c.beta("beta1", cfg.Beta1)
	c.beta("beta2", cfg.Beta2)
	c.nonNeg("weight_decay", cfg.WeightDecay)
	if c.err != nil {
		return nil, c.err
	}
	s := &Lion{base: newBase("lion", cfg.LR, cfg.ClipNorm, cfg.ClipValue, "exp_avg"), cfg: cfg}
	s.zeroes = true // lionKernel
	return s, nil
}

func parseLion(a *Args) (Solver, error) {
	cfg := DefaultLionConfig()
	cfg.LR = a.Float("lr", cfg.LR)
	cfg.Beta1 = a.Float("beta1", cfg.Beta1)
	cfg.Beta2 = a.Float("beta2", cfg.Beta2)
	cfg.WeightDecay = a.Float("weight_decay", cfg.WeightDecay)
	cfg.ClipNorm, cfg.ClipValue = a.Clip()
	return NewLion(cfg)
}

// String returns the solver's spec with every key (see Base.Spec).
func (s *Lion) String() string {
	c := &s.cfg
	return s.Spec("lr", c.LR, "beta1", c.Beta1, "beta2", c.Beta2, "weight_decay", c.WeightDecay)
}

// Step updates the parameters in place and zeroes their gradients.
func (s *Lion) Step(model []gorgonia.ValueGrad) error {
	return s.Update(model, func(p *Param) { Dispatch(p, s, lionKernel[float32], lionKernel[float64]) })
}

func lionKernel[T float](w, g []T, s [][]T, l *Lion) {
	lr, c := l.lr, &l.cfg
	g, m := g[:len(w)], s[0][:len(w)]
	decay, b1, omb1, b2, omb2, nlr := T(1-float64(lr*c.WeightDecay)), T(c.Beta1), T(1-c.Beta1), T(c.Beta2), T(1-c.Beta2), T(-lr)
	for i := range w {
		gi, mi := g[i], m[i]
		g[i] = 0
		u := T(b1*mi) + T(omb1*gi) // explicit roundings: no FMA (see adamKernel)
		var sign T
		if u > 0 {
			sign = 1
		} else if u < 0 {
			sign = -1
		}
		w[i] = T(w[i]*decay) + T(nlr*sign)
		m[i] = T(b2*mi) + T(omb2*gi)
	}
}
