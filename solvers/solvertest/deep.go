package solvertest

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// QuadraticDeepNoise is the standard deviation of one "data" sample of
// QuadraticDeep, DeepOBS's quadratic data set's noise_level.
const QuadraticDeepNoise = 0.6

// quadraticDeepSeed fixes the spectrum and the rotation of QuadraticDeep:
// they are properties of the problem, not of a run (DeepOBS seeds NumPy's
// RandomState(42) for them).
const quadraticDeepSeed = 42

// QuadraticDeep returns DeepOBS's quadratic_deep (Schneider, Balles &
// Hennig 2019): a 100-dimensional noisy quadratic whose Hessian
// H = Rᵀ·diag(λ)·R has 90 eigenvalues drawn uniformly from (0, 1) and 10
// from (30, 60) — the bulk-and-outliers spectrum reported for deep networks
// (Chaudhari et al. 2017, arXiv:1611.01838) — with R a Haar-random
// rotation. The graph computes, at step t of a run seeded with s, the loss
// of a mini-batch of `batch` data points xᵢ ~ N(0, 0.6²·I):
//
//	ℓₜ(θ) = (1/B) Σᵢ ½ (θ − xᵢ)ᵀ H (θ − xᵢ) = ½ (θ − x̄ₜ)ᵀ H (θ − x̄ₜ) + const,
//
// computed as the second form, with x̄ₜ ~ N(0, 0.6²/B·I) drawn from a PCG
// generator seeded with (s, t); the curve reports F(θ) = ½ θᵀHθ, the excess
// of the expected loss over its minimum (f* = 0 at θ* = 0). The start is
// θ = (1, …, 1) (DeepOBS initialises θ to ones); DeepOBS's batch size is 128.
//
// The spectrum and rotation are drawn from a fixed seed with Go's PCG and
// this package's QR-based Haar rotation, so they follow DeepOBS's
// construction but are not NumPy's numbers.
func QuadraticDeep(batch int) Problem {
	if batch < 1 {
		panic(fmt.Sprintf("solvertest: QuadraticDeep(%d): need batch >= 1", batch))
	}
	const n = 100
	lam := quadraticDeepSpectrum()
	q := rotation(n, quadraticDeepSeed)
	a := make([]float64, n*n)
	for i := range n {
		for j := i; j < n; j++ {
			var s float64
			for k := range n {
				s += q.At(i, k) * lam[k] * q.At(j, k)
			}
			a[i*n+j], a[j*n+i] = s, s
		}
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, l := range lam {
		lo, hi = min(lo, l), max(hi, l)
	}
	start := make([]float64, n)
	for i := range start {
		start[i] = 1
	}
	sigma := QuadraticDeepNoise / math.Sqrt(float64(batch))
	quad := func(x []float64) float64 {
		var f float64
		for i := range n {
			var s float64
			for j := range n {
				s += a[i*n+j] * x[j]
			}
			f += x[i] * s
		}
		return f / 2
	}
	return Problem{
		Name: fmt.Sprintf("quadratic_deep(batch=%d)", batch), Dim: n,
		Start: start, FStar: 0, XStar: make([]float64, n), L: hi, Mu: lo, Stochastic: true,
		Ref: "DeepOBS quadratic_deep (Schneider et al. 2019): 90% of H's eigenvalues in (0,1), 10% in (30,60)",
		F:   quad,
		Grad: func(grad, x []float64) {
			for i := range n {
				var s float64
				for j := range n {
					s += a[i*n+j] * x[j]
				}
				grad[i] = s
			}
		},
		Build: func(theta *gorgonia.Node) (*gorgonia.Node, func(uint64, int), error) {
			dt := theta.Dtype()
			c := denseOf(dt, make([]float64, n), n)
			loss, err := buildChecked(func() *gorgonia.Node {
				cn := gorgonia.NewVector(theta.Graph(), dt, gorgonia.WithShape(n), gorgonia.WithName("xbar"), gorgonia.WithValue(c))
				d := must(gorgonia.Sub(theta, cn))
				hd := must(gorgonia.Mul(tensorConst("H", dt, a, n, n), d))
				return must(gorgonia.HadamardProd(constant(dt, 0.5), must(gorgonia.Mul(d, hd))))
			})
			feed := func(seed uint64, step int) {
				rng := rand.New(rand.NewPCG(seed, uint64(step)^0x71756164646565)) // "quaddee"
				if dt == tensor.Float32 {
					for i := range c.Float32s() {
						c.Float32s()[i] = float32(sigma * rng.NormFloat64())
					}
				} else {
					for i := range c.Float64s() {
						c.Float64s()[i] = sigma * rng.NormFloat64()
					}
				}
			}
			return loss, feed, err
		},
	}
}

// quadraticDeepSpectrum returns QuadraticDeep's eigenvalues: 90 from
// U(0, 1), then 10 from U(30, 60).
func quadraticDeepSpectrum() []float64 {
	rng := rand.New(rand.NewPCG(quadraticDeepSeed, 0x65696773)) // "eigs"
	lam := make([]float64, 100)
	for i := range lam {
		if i < 90 {
			lam[i] = rng.Float64()
		} else {
			lam[i] = 30 + 30*rng.Float64()
		}
	}
	return lam
}
