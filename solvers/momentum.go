package solvers

import "gorgonia.org/gorgonia"

// This file: Momentum, which PyTorch does not have: its reference check is a
// paperCase (paper_test.go).

// MomentumConfig holds the hyperparameters of Momentum. Start from
// DefaultMomentumConfig: a zero field means zero, not "default".
type MomentumConfig struct {
	LR                  float64 // learning rate, >= 0
	Beta                float64 // decay of the velocity, in [0, 1)
	ClipNorm, ClipValue float64 // gradient clipping; 0: off
}

// DefaultMomentumConfig returns lr 0.01, β 0.9.
func DefaultMomentumConfig() MomentumConfig { return MomentumConfig{LR: 0.01, Beta: 0.9} }

// Momentum is gradient descent with momentum in the classic exponential
// moving average form (as in Andrew Ng's course and Keras' docs of it):
//
//	v ← βv + (1-β)g,  θ ← θ - lr·v,  v₀ = 0
//
// torch.optim.SGD(momentum=β, dampening=β) follows the same recursion but
// starts its buffer at g instead of (1-β)g.
type Momentum struct {
	base
	cfg MomentumConfig
}

var _ Solver = (*Momentum)(nil)

// NewMomentum returns a Momentum solver, or an error naming the first invalid field.
func NewMomentum(cfg MomentumConfig) (*Momentum, error) {
	c := checker{solver: "momentum"}
	c.common(cfg.LR, cfg.ClipNorm, cfg.ClipValue)
	c.beta("beta", cfg.Beta)
	if c.err != nil {
		return nil, c.err
	}
	s := &Momentum{base: newBase("momentum", cfg.LR, cfg.ClipNorm, cfg.ClipValue, "velocity"), cfg: cfg}
	s.zeroes = true // momentumKernel
	return s, nil
}

func parseMomentum(a *Args) (Solver, error) {
	cfg := DefaultMomentumConfig()
	cfg.LR = a.Float("lr", cfg.LR)
	cfg.Beta = a.Float("beta", cfg.Beta)
	cfg.ClipNorm, cfg.ClipValue = a.Clip()
	return NewMomentum(cfg)
}

// String returns the solver's spec with every key (see Base.Spec).
func (s *Momentum) String() string { return s.Spec("lr", s.cfg.LR, "beta", s.cfg.Beta) }

// Step updates the parameters in place and zeroes their gradients.
func (s *Momentum) Step(model []gorgonia.ValueGrad) error {
	return s.Update(model, func(p *Param) { Dispatch(p, s, momentumKernel[float32], momentumKernel[float64]) })
}

func momentumKernel[T float](w, g []T, s [][]T, m *Momentum) {
	beta, lr := m.cfg.Beta, m.lr
	g, v := g[:len(w)], s[0][:len(w)]
	b, omb, nlr := T(beta), T(1-beta), T(-lr)
	for i := range w {
		gi := g[i]
		g[i] = 0
		vi := T(b*v[i]) + T(omb*gi) // explicit roundings: no FMA (see adamKernel)
		v[i] = vi
		w[i] += T(nlr * vi)
	}
}
