package solvertest

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/pkg/errors"
	"gonum.org/v1/gonum/mat"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Problem is an objective with a known minimum, a closed-form gradient and
// a Gorgonia graph that computes the same objective. The parameters are
// one vector θ of length Dim.
//
// A Problem is a value: the constructors precompute everything (matrices,
// data sets, the reference minimum) and Build only adds nodes to a graph,
// so one Problem can be run any number of times, concurrently.
type Problem struct {
	Name string // e.g. "rosenbrock2", "quadratic(n=10,kappa=100)"
	Dim  int    // length of θ

	// Start is the conventional starting point (Rosenbrock (-1.2, 1),
	// Beale (1, 1), ...). Run starts here unless Options.Start is set.
	Start []float64
	// FStar is the minimum value f* of F.
	FStar float64
	// XStar is a minimiser, in closed form where the problem has one; for
	// LogisticRegression it is computed by Newton's method to machine
	// precision (see there).
	XStar []float64
	// L and Mu are the smoothness (largest Hessian eigenvalue) and strong
	// convexity (smallest) constants of F where they are known exactly
	// (the quadratics), else 0.
	L, Mu float64

	// Ref names where the problem, its start point and its minimum come from.
	Ref string

	// F is the objective in float64. For a stochastic problem it is the
	// expected (population) objective, which is what the loss curve of Run
	// reports; the graph computes one noisy sample of it per step.
	F func(x []float64) float64
	// Grad sets grad to the gradient of F at x (gonum's optimize.Problem
	// argument order).
	Grad func(grad, x []float64)

	// Stochastic is true when the graph's objective changes with the step
	// (NoisyQuadratic): Build returns a feed that must be called before
	// each forward pass.
	Stochastic bool

	// Build adds the objective to theta's graph as a function of theta, a
	// vector node of length Dim whose dtype (float32 or float64) every
	// other node must share, and returns the scalar loss node. For a
	// stochastic problem it also returns feed, which refills the graph's
	// inputs with the sample of step `step` of the run seeded with seed (a
	// pure function of the two); deterministic problems return a nil feed.
	// Build may panic; Run and the tests recover.
	Build func(theta *gorgonia.Node) (loss *gorgonia.Node, feed func(seed uint64, step int), err error)
}

// Minimiser returns a copy of XStar.
func (p *Problem) Minimiser() []float64 { return append([]float64(nil), p.XStar...) }

// constant returns a scalar constant of dtype dt.
func constant(dt tensor.Dtype, v float64) *gorgonia.Node {
	if dt == tensor.Float32 {
		return gorgonia.NewConstant(float32(v))
	}
	return gorgonia.NewConstant(v)
}

// denseOf returns a *tensor.Dense of dtype dt and the given shape holding
// vals (converted).
func denseOf(dt tensor.Dtype, vals []float64, shape ...int) *tensor.Dense {
	if dt == tensor.Float32 {
		b := make([]float32, len(vals))
		for i, v := range vals {
			b[i] = float32(v)
		}
		return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(b))
	}
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(append([]float64(nil), vals...)))
}

// tensorConst returns a named constant tensor node.
func tensorConst(name string, dt tensor.Dtype, vals []float64, shape ...int) *gorgonia.Node {
	return gorgonia.NewConstant(denseOf(dt, vals, shape...), gorgonia.WithName(name))
}

// must panics on err; Build functions run under recover.
func must(n *gorgonia.Node, err error) *gorgonia.Node {
	if err != nil {
		panic(err)
	}
	return n
}

// buildChecked runs a graph-building function, turning panics into errors.
func buildChecked(f func() *gorgonia.Node) (loss *gorgonia.Node, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errors.Errorf("%v", r)
		}
	}()
	return f(), nil
}

// Rosenbrock returns the n-dimensional (chained) Rosenbrock function
//
//	f(x) = Σ_{i=1}^{n-1} 100(x_{i+1} - x_i²)² + (1 - x_i)²,
//
// f* = 0 at x* = (1, …, 1), started at (-1.2, 1, -1.2, 1, …). n = 2 is
// the classic banana valley: Rosenbrock 1960; Moré, Garbow & Hillstrom
// 1981, problem 1 (start (-1.2, 1)). n ≥ 2.
func Rosenbrock(n int) Problem {
	if n < 2 {
		panic(fmt.Sprintf("solvertest: Rosenbrock(%d): n must be >= 2", n))
	}
	start := make([]float64, n)
	xstar := make([]float64, n)
	for i := range start {
		start[i] = 1
		if i%2 == 0 {
			start[i] = -1.2
		}
		xstar[i] = 1
	}
	return Problem{
		Name: fmt.Sprintf("rosenbrock%d", n), Dim: n, Start: start, FStar: 0, XStar: xstar,
		Ref: "Rosenbrock 1960; Moré, Garbow & Hillstrom 1981 (problem 1, n = 2)",
		F: func(x []float64) float64 {
			var f float64
			for i := 0; i+1 < len(x); i++ {
				a, b := x[i+1]-x[i]*x[i], 1-x[i]
				f += 100*a*a + b*b
			}
			return f
		},
		Grad: func(grad, x []float64) {
			clear(grad)
			for i := 0; i+1 < len(x); i++ {
				a, b := x[i+1]-x[i]*x[i], 1-x[i]
				grad[i] += -400*a*x[i] - 2*b
				grad[i+1] += 200 * a
			}
		},
		Build: func(theta *gorgonia.Node) (*gorgonia.Node, func(uint64, int), error) {
			dt := theta.Dtype()
			loss, err := buildChecked(func() *gorgonia.Node {
				lo := must(gorgonia.Slice(theta, gorgonia.S(0, n-1)))
				hi := must(gorgonia.Slice(theta, gorgonia.S(1, n)))
				a := must(gorgonia.Sub(hi, must(gorgonia.Square(lo))))
				b := must(gorgonia.Sub(constant(dt, 1), lo))
				t := must(gorgonia.Add(must(gorgonia.HadamardProd(constant(dt, 100), must(gorgonia.Square(a)))),
					must(gorgonia.Square(b))))
				return must(gorgonia.Sum(t))
			})
			return loss, nil, err
		},
	}
}

// Beale returns Beale's function
//
//	f(x, y) = (1.5 - x + xy)² + (2.25 - x + xy²)² + (2.625 - x + xy³)²,
//
// f* = 0 at (3, 0.5), started at (1, 1): Beale 1958; Moré, Garbow &
// Hillstrom 1981, problem 5.
func Beale() Problem {
	c := [3]float64{1.5, 2.25, 2.625}
	return Problem{
		Name: "beale", Dim: 2, Start: []float64{1, 1}, FStar: 0, XStar: []float64{3, 0.5},
		Ref: "Beale 1958; Moré, Garbow & Hillstrom 1981 (problem 5)",
		F: func(x []float64) float64 {
			var f float64
			yi := 1.0
			for i := range c {
				yi *= x[1]
				t := c[i] - x[0] + x[0]*yi
				f += t * t
			}
			return f
		},
		Grad: func(grad, x []float64) {
			grad[0], grad[1] = 0, 0
			yi := 1.0 // y^(i-1)
			for i := range c {
				k := float64(i + 1)
				t := c[i] - x[0] + x[0]*yi*x[1]
				grad[0] += 2 * t * (yi*x[1] - 1)
				grad[1] += 2 * t * x[0] * k * yi
				yi *= x[1]
			}
		},
		Build: func(theta *gorgonia.Node) (*gorgonia.Node, func(uint64, int), error) {
			dt := theta.Dtype()
			loss, err := buildChecked(func() *gorgonia.Node {
				x := must(gorgonia.Slice(theta, gorgonia.S(0)))
				y := must(gorgonia.Slice(theta, gorgonia.S(1)))
				var f *gorgonia.Node
				yi := y
				for i := range c {
					if i > 0 {
						yi = must(gorgonia.HadamardProd(yi, y))
					}
					t := must(gorgonia.Add(must(gorgonia.Sub(constant(dt, c[i]), x)), must(gorgonia.HadamardProd(x, yi))))
					sq := must(gorgonia.Square(t))
					if f == nil {
						f = sq
					} else {
						f = must(gorgonia.Add(f, sq))
					}
				}
				return f
			})
			return loss, nil, err
		},
	}
}

// Booth returns Booth's function
//
//	f(x, y) = (x + 2y - 7)² + (2x + y - 5)²,
//
// a convex quadratic with Hessian [[10, 8], [8, 10]] (eigenvalues
// L = 18, μ = 2, κ = 9), f* = 0 at (1, 3), started at (0, 0) (the
// customary start; Booth is not in Moré, Garbow & Hillstrom). Reference:
// Jamil & Yang 2013, "A literature survey of benchmark functions for
// global optimization problems", no. 24.
func Booth() Problem {
	return Problem{
		Name: "booth", Dim: 2, Start: []float64{0, 0}, FStar: 0, XStar: []float64{1, 3}, L: 18, Mu: 2,
		Ref: "Jamil & Yang 2013, function 24",
		F: func(x []float64) float64 {
			a, b := x[0]+2*x[1]-7, 2*x[0]+x[1]-5
			return a*a + b*b
		},
		Grad: func(grad, x []float64) {
			a, b := x[0]+2*x[1]-7, 2*x[0]+x[1]-5
			grad[0] = 2*a + 4*b
			grad[1] = 4*a + 2*b
		},
		Build: func(theta *gorgonia.Node) (*gorgonia.Node, func(uint64, int), error) {
			dt := theta.Dtype()
			loss, err := buildChecked(func() *gorgonia.Node {
				x := must(gorgonia.Slice(theta, gorgonia.S(0)))
				y := must(gorgonia.Slice(theta, gorgonia.S(1)))
				lin := func(p, q, r float64) *gorgonia.Node {
					px := must(gorgonia.HadamardProd(constant(dt, p), x))
					qy := must(gorgonia.HadamardProd(constant(dt, q), y))
					return must(gorgonia.Sub(must(gorgonia.Add(px, qy)), constant(dt, r)))
				}
				return must(gorgonia.Add(must(gorgonia.Square(lin(1, 2, 7))), must(gorgonia.Square(lin(2, 1, 5)))))
			})
			return loss, nil, err
		},
	}
}

// logSpaced returns n values from 1 to kappa, equally spaced in log scale
// (1 and kappa exactly).
func logSpaced(n int, kappa float64) []float64 {
	h := make([]float64, n)
	for i := range h {
		if n == 1 {
			h[i] = 1
			continue
		}
		h[i] = math.Pow(kappa, float64(i)/float64(n-1))
	}
	h[0] = 1
	if n > 1 {
		h[n-1] = kappa
	}
	return h
}

// Quadratic returns f(x) = ½ xᵀAx with A = Q·diag(λ)·Qᵀ, where the n
// eigenvalues λ are log-spaced from μ = 1 to L = kappa (both exactly) and
// Q is a random rotation drawn from seed (the Q factor of the QR
// decomposition of an n×n matrix of standard normals, signs fixed so
// that R has a positive diagonal: Haar-distributed, Mezzadri 2007). With
// seed = 0, Q = I and A is diagonal. f* = 0 at x* = 0; the start is
// (1, …, 1). The condition number is exactly kappa, so the rates of
// gradient descent and heavy-ball momentum are known in closed form (see
// the package documentation). n ≥ 2, kappa ≥ 1.
func Quadratic(n int, kappa float64, seed uint64) Problem {
	if n < 2 || !(kappa >= 1) || math.IsInf(kappa, 0) {
		panic(fmt.Sprintf("solvertest: Quadratic(%d, %v): need n >= 2 and a finite kappa >= 1", n, kappa))
	}
	lam := logSpaced(n, kappa)
	a := make([]float64, n*n)
	if seed == 0 {
		for i, l := range lam {
			a[i*n+i] = l
		}
	} else {
		q := rotation(n, seed)
		for i := range n {
			for j := range n {
				var s float64
				for k := range n {
					s += q.At(i, k) * lam[k] * q.At(j, k)
				}
				a[i*n+j] = s
			}
		}
		for i := range n { // exactly symmetric
			for j := i + 1; j < n; j++ {
				s := (a[i*n+j] + a[j*n+i]) / 2
				a[i*n+j], a[j*n+i] = s, s
			}
		}
	}
	start := make([]float64, n)
	for i := range start {
		start[i] = 1
	}
	kind := "rotated"
	if seed == 0 {
		kind = "diagonal"
	}
	return Problem{
		Name: fmt.Sprintf("quadratic(n=%d,kappa=%g,seed=%d)", n, kappa, seed), Dim: n,
		Start: start, FStar: 0, XStar: make([]float64, n), L: kappa, Mu: 1,
		Ref: "½xᵀAx, " + kind + ", eigenvalues log-spaced in [1, κ]",
		F: func(x []float64) float64 {
			var f float64
			for i := range n {
				var s float64
				for j := range n {
					s += a[i*n+j] * x[j]
				}
				f += x[i] * s
			}
			return f / 2
		},
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
			loss, err := buildChecked(func() *gorgonia.Node {
				am := tensorConst("A", dt, a, n, n)
				ax := must(gorgonia.Mul(am, theta))
				xax := must(gorgonia.Mul(theta, ax)) // inner product
				return must(gorgonia.HadamardProd(constant(dt, 0.5), xax))
			})
			return loss, nil, err
		},
	}
}

// rotation returns a Haar-random n×n orthogonal matrix drawn from seed.
func rotation(n int, seed uint64) *mat.Dense {
	rng := rand.New(rand.NewPCG(seed, 0x736f6c7665727465)) // "solverte"
	g := mat.NewDense(n, n, nil)
	for i := range n {
		for j := range n {
			g.Set(i, j, rng.NormFloat64())
		}
	}
	var qr mat.QR
	qr.Factorize(g)
	var q, r mat.Dense
	qr.QTo(&q)
	qr.RTo(&r)
	for j := range n {
		if r.At(j, j) < 0 {
			for i := range n {
				q.Set(i, j, -q.At(i, j))
			}
		}
	}
	return &q
}

// NoisyQuadratic returns the noisy quadratic model of Zhang et al. 2019
// ("Which algorithmic choices matter at which batch sizes? Insights from a
// noisy quadratic model", NeurIPS), in the shifted-minimum form of Schaul,
// Zhang & LeCun 2013 ("No more pesky learning rates"): the objective is
//
//	F(x) = ½ Σ hᵢ xᵢ²,  f* = 0 at x* = 0,
//
// with curvatures hᵢ log-spaced from 1 to kappa (diagonal), and the graph
// computes, at step t of a run seeded with s, the sampled loss
//
//	ℓₜ(x) = ½ Σ hᵢ (xᵢ - cₜᵢ)²,  cₜᵢ = sigma·zₜᵢ/√hᵢ,  zₜᵢ ~ N(0, 1),
//
// where z is drawn from a PCG generator seeded with (s, t): a pure
// function of seed and step. The stochastic gradient H(x - cₜ) is then
// unbiased with covariance sigma²·H, Zhang et al.'s C = H/B for a batch
// size B = 1/sigma². The loss curve of Run reports F, the excess risk.
// The start is (1, …, 1).
//
// SGD with a constant learning rate α < 2/L does not converge to 0 but to
// a noise floor: each coordinate is an AR(1) process with stationary
// variance α·sigma²/(2 - α·hᵢ), so E[F] → ½ Σ hᵢ·α·sigma²/(2 - α·hᵢ)
// (see SGDNoiseFloor).
func NoisyQuadratic(n int, kappa, sigma float64) Problem {
	if n < 1 || !(kappa >= 1) || math.IsInf(kappa, 0) || !(sigma >= 0) || math.IsInf(sigma, 0) {
		panic(fmt.Sprintf("solvertest: NoisyQuadratic(%d, %v, %v): need n >= 1, a finite kappa >= 1 and sigma >= 0", n, kappa, sigma))
	}
	h := logSpaced(n, kappa)
	start := make([]float64, n)
	for i := range start {
		start[i] = 1
	}
	return Problem{
		Name: fmt.Sprintf("noisyquadratic(n=%d,kappa=%g,sigma=%g)", n, kappa, sigma), Dim: n,
		Start: start, FStar: 0, XStar: make([]float64, n), L: kappa, Mu: 1, Stochastic: true,
		Ref: "Zhang et al. 2019 (noisy quadratic model); Schaul, Zhang & LeCun 2013",
		F: func(x []float64) float64 {
			var f float64
			for i, v := range x {
				f += h[i] * v * v
			}
			return f / 2
		},
		Grad: func(grad, x []float64) {
			for i, v := range x {
				grad[i] = h[i] * v
			}
		},
		Build: func(theta *gorgonia.Node) (*gorgonia.Node, func(uint64, int), error) {
			dt := theta.Dtype()
			c := denseOf(dt, make([]float64, n), n)
			buf := make([]float64, n)
			var loss *gorgonia.Node
			loss, err := buildChecked(func() *gorgonia.Node {
				cn := gorgonia.NewVector(theta.Graph(), dt, gorgonia.WithShape(n), gorgonia.WithName("c"), gorgonia.WithValue(c))
				d := must(gorgonia.Sub(theta, cn))
				hd := must(gorgonia.HadamardProd(tensorConst("h", dt, h, n), must(gorgonia.Square(d))))
				return must(gorgonia.HadamardProd(constant(dt, 0.5), must(gorgonia.Sum(hd))))
			})
			feed := func(seed uint64, step int) {
				noiseShift(buf, h, sigma, seed, step)
				if dt == tensor.Float32 {
					for i, v := range buf {
						c.Float32s()[i] = float32(v)
					}
				} else {
					copy(c.Float64s(), buf)
				}
			}
			return loss, feed, err
		},
	}
}

// noiseShift sets dst to the shift cₜ of NoisyQuadratic for (seed, step).
func noiseShift(dst, h []float64, sigma float64, seed uint64, step int) {
	rng := rand.New(rand.NewPCG(seed, uint64(step)))
	for i := range dst {
		dst[i] = sigma * rng.NormFloat64() / math.Sqrt(h[i])
	}
}

// SGDNoiseFloor returns the stationary expected excess risk E[F] of plain
// SGD with constant learning rate lr on NoisyQuadratic(n, kappa, sigma):
// ½ Σ hᵢ·lr·sigma²/(2 - lr·hᵢ), from the AR(1) recursion
// xₜ₊₁ = (1 - lr·h)xₜ + lr·h·cₜ (Zhang et al. 2019, §3). It is +Inf when
// lr ≥ 2/kappa.
func SGDNoiseFloor(n int, kappa, sigma, lr float64) float64 {
	var f float64
	for _, h := range logSpaced(n, kappa) {
		if lr*h >= 2 {
			return math.Inf(1)
		}
		f += h * lr * sigma * sigma / (2 - lr*h)
	}
	return f / 2
}

// LogisticRegression returns L2-regularised logistic regression on a
// seeded synthetic data set of n examples with d standard-normal features
// and a constant feature 1 (the bias), so Dim = d+1:
//
//	f(θ) = (1/n) Σᵢ log(1 + exp(-yᵢ·aᵢᵀθ)) + (λ/2)‖θ‖²,
//
// the bias included in the penalty. Labels yᵢ ∈ {-1, +1} are drawn from
// the logistic model with teacher weights w ~ N(0, I) and bias 0.5, so the
// classes overlap and the minimiser is finite even for λ = 0. f is
// strongly convex for λ > 0. There is no closed form: FStar and XStar
// are computed at construction by Newton's method in float64, iterated
// until the gradient norm stops decreasing (‖∇f‖ ~ 1e-16; f* is then
// exact to rounding). The start is θ = 0 (f = log 2).
//
// The graph uses Gorgonia's Softplus, which returns x itself for x > 16
// (x > 14 in float32), an absolute error below 1.2e-7 per example that
// only matters far from the minimum; F is exact.
func LogisticRegression(n, d int, lambda float64, seed uint64) Problem {
	if n < 1 || d < 1 || !(lambda >= 0) || math.IsInf(lambda, 0) {
		panic(fmt.Sprintf("solvertest: LogisticRegression(%d, %d, %v): need n, d >= 1 and a finite lambda >= 0", n, d, lambda))
	}
	p := d + 1
	rng := rand.New(rand.NewPCG(seed, 0x6c6f67726567)) // "logreg"
	w := make([]float64, d)
	for j := range w {
		w[j] = rng.NormFloat64()
	}
	a := make([]float64, n*p) // rows aᵢ = (features, 1)
	y := make([]float64, n)
	for i := range n {
		z := 0.5
		for j := range d {
			v := rng.NormFloat64()
			a[i*p+j] = v
			z += w[j] * v
		}
		a[i*p+d] = 1
		y[i] = -1
		if rng.Float64() < 1/(1+math.Exp(-z)) {
			y[i] = 1
		}
	}
	f := func(x []float64) float64 {
		var s, r float64
		for i := range n {
			var z float64
			for j := range p {
				z += a[i*p+j] * x[j]
			}
			s += softplus(-y[i] * z)
		}
		for _, v := range x {
			r += v * v
		}
		return s/float64(n) + lambda/2*r
	}
	grad := func(grad, x []float64) {
		clear(grad)
		for i := range n {
			var z float64
			for j := range p {
				z += a[i*p+j] * x[j]
			}
			c := -y[i] * sigmoid(-y[i]*z) / float64(n)
			for j := range p {
				grad[j] += c * a[i*p+j]
			}
		}
		for j, v := range x {
			grad[j] += lambda * v
		}
	}
	xstar := newton(p, n, a, y, lambda, grad)
	negY := make([]float64, n)
	for i, v := range y {
		negY[i] = -v
	}
	return Problem{
		Name: fmt.Sprintf("logreg(n=%d,d=%d,lambda=%g,seed=%d)", n, d, lambda, seed), Dim: p,
		Start: make([]float64, p), FStar: f(xstar), XStar: xstar,
		Ref: "L2-regularised logistic regression; f* by Newton's method",
		F:   f, Grad: grad,
		Build: func(theta *gorgonia.Node) (*gorgonia.Node, func(uint64, int), error) {
			dt := theta.Dtype()
			loss, err := buildChecked(func() *gorgonia.Node {
				am := tensorConst("A", dt, a, n, p)
				z := must(gorgonia.Mul(am, theta))
				m := must(gorgonia.HadamardProd(tensorConst("negY", dt, negY, n), z))
				data := must(gorgonia.Mean(must(gorgonia.Softplus(m))))
				if lambda == 0 {
					return data
				}
				reg := must(gorgonia.HadamardProd(constant(dt, lambda/2), must(gorgonia.Sum(must(gorgonia.Square(theta))))))
				return must(gorgonia.Add(data, reg))
			})
			return loss, nil, err
		},
	}
}

// softplus is log(1+eˣ), computed without overflow or cancellation.
func softplus(x float64) float64 {
	if x > 0 {
		return x + math.Log1p(math.Exp(-x))
	}
	return math.Log1p(math.Exp(x))
}

func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// newton minimises the logistic loss by Newton's method from 0 and
// returns the iterate with the smallest gradient norm. The logistic loss
// is self-concordant-like and the data are non-separable, so plain Newton
// converges quadratically from 0 here; a backtracking safeguard halves
// steps that would increase the gradient norm by more than 2×.
func newton(p, n int, a, y []float64, lambda float64, grad func(grad, x []float64)) []float64 {
	x := make([]float64, p)
	g := make([]float64, p)
	best := append([]float64(nil), x...)
	grad(g, x)
	bestNorm := norm(g)
	hess := mat.NewSymDense(p, nil)
	for iter := 0; iter < 100; iter++ {
		for i := range p {
			for j := i; j < p; j++ {
				hess.SetSym(i, j, 0)
			}
			hess.SetSym(i, i, lambda)
		}
		for i := range n {
			var z float64
			for j := range p {
				z += a[i*p+j] * x[j]
			}
			s := sigmoid(z)
			wgt := s * (1 - s) / float64(n)
			for j := range p {
				for k := j; k < p; k++ {
					hess.SetSym(j, k, hess.At(j, k)+wgt*a[i*p+j]*a[i*p+k])
				}
			}
		}
		var chol mat.Cholesky
		if !chol.Factorize(hess) {
			break
		}
		var step mat.VecDense
		if err := chol.SolveVecTo(&step, mat.NewVecDense(p, append([]float64(nil), g...))); err != nil {
			break
		}
		t := 1.0
		trial := make([]float64, p)
		tg := make([]float64, p)
		for range 30 {
			for j := range p {
				trial[j] = x[j] - t*step.AtVec(j)
			}
			grad(tg, trial)
			if norm(tg) <= 2*norm(g) {
				break
			}
			t /= 2
		}
		copy(x, trial)
		copy(g, tg)
		gn := norm(g)
		if gn < bestNorm {
			bestNorm = gn
			copy(best, x)
		} else if iter > 5 && gn >= bestNorm {
			break // at machine precision
		}
	}
	return best
}

func norm(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x * x
	}
	return math.Sqrt(s)
}

// Scale returns p with its objective multiplied by c > 0 (F, Grad, FStar,
// L, Mu and the graph's loss), the minimiser unchanged. Solvers that are
// invariant to the scale of the gradient (Adam, up to ε; Kingma & Ba
// 2015, §2.1) follow the same trajectory on both; gradient descent with
// the same learning rate does not.
func Scale(p Problem, c float64) Problem {
	if !(c > 0) || math.IsInf(c, 0) {
		panic(fmt.Sprintf("solvertest: Scale(%s, %v): c must be finite and > 0", p.Name, c))
	}
	q := p
	q.Name = fmt.Sprintf("%g*%s", c, p.Name)
	q.FStar, q.L, q.Mu = c*p.FStar, c*p.L, c*p.Mu
	q.F = func(x []float64) float64 { return c * p.F(x) }
	q.Grad = func(grad, x []float64) {
		p.Grad(grad, x)
		for i := range grad {
			grad[i] *= c
		}
	}
	q.Build = func(theta *gorgonia.Node) (*gorgonia.Node, func(uint64, int), error) {
		loss, feed, err := p.Build(theta)
		if err != nil {
			return nil, nil, err
		}
		scaled, err := buildChecked(func() *gorgonia.Node {
			return must(gorgonia.HadamardProd(constant(theta.Dtype(), c), loss))
		})
		return scaled, feed, err
	}
	return q
}
