package myopt

import (
	"gorgonia.org/gorgonia"

	"github.com/convergo/convergo/solvers"
)

// Signum is sign-SGD with momentum (Bernstein et al. 2018, "signSGD:
// Compressed Optimisation for Non-Convex Problems", Alg. 1 with the
// momentum of §3.3):
//
//	m ← β·m + (1−β)·g
//	θ ← θ − lr·sign(m)        (sign(0) = 0)
//
// It is built on solvers.Base, which gives it what every convergo solver
// has: float32 and float64 parameters, clip_norm and clip_value,
// validation of gradients, State and SetState (checkpoints), LearnRate
// and SetLearnRate (schedules), and no allocation per Step.
type Signum struct {
	solvers.Base
	Beta float64
}

// NewSignum returns Signum with learning rate lr and momentum beta.
func NewSignum(lr, beta float64) *Signum {
	return &Signum{Base: solvers.NewBase("signum", solvers.BaseOptions{LR: lr}, "momentum"), Beta: beta}
}

// Step updates every parameter from its gradient and zeroes the gradient.
func (s *Signum) Step(params []gorgonia.ValueGrad) error {
	k := signumArgs{lr: s.LearnRate(), beta: s.Beta}
	return s.Update(params, func(p *solvers.Param) {
		solvers.Dispatch(p, k, signumRule[float32], signumRule[float64])
	})
}

type signumArgs struct{ lr, beta float64 }

// signumRule is the update of one parameter, written once for both
// dtypes: w the weights, g the gradient, s[0] the momentum.
func signumRule[T solvers.Float](w, g []T, s [][]T, k signumArgs) {
	m, beta, lr := s[0], T(k.beta), T(k.lr)
	for i := range w {
		m[i] = beta*m[i] + (1-beta)*g[i]
		switch {
		case m[i] > 0:
			w[i] -= lr
		case m[i] < 0:
			w[i] += lr
		}
	}
}

// String returns the spec that Parse reads back once the solver is
// registered (see examples/custom).
func (s *Signum) String() string { return s.Spec("lr", s.LearnRate(), "beta", s.Beta) }
