package solvertest

import (
	"math"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/convergo/convergo/internal/gradcheck"
)

// evalGraph builds p's graph in dtype dt at x, feeds step `step` of seed,
// and returns the graph's loss and gradient in float64.
func evalGraph(t *testing.T, p Problem, dt tensor.Dtype, x []float64, seed uint64, step int) (float64, []float64) {
	t.Helper()
	g := gorgonia.NewGraph()
	theta := gorgonia.NewVector(g, dt, gorgonia.WithShape(p.Dim), gorgonia.WithName("theta"), gorgonia.WithValue(denseOf(dt, x, p.Dim)))
	loss, feed, err := p.Build(theta)
	if err != nil {
		t.Fatal(err)
	}
	if feed != nil {
		feed(seed, step)
	}
	if _, err := gorgonia.Grad(loss, theta); err != nil {
		t.Fatal(err)
	}
	vm := gorgonia.NewTapeMachine(g, gorgonia.BindDualValues(theta))
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	gv, err := theta.Grad()
	if err != nil {
		t.Fatal(err)
	}
	grad := make([]float64, p.Dim)
	switch d := gv.Data().(type) {
	case []float64:
		copy(grad, d)
	case []float32:
		for i, v := range d {
			grad[i] = float64(v)
		}
	default:
		t.Fatalf("gradient data is %T", d)
	}
	return scalarOf(loss.Value()), grad
}

// testProblems are the problems every test below checks.
func testProblems() []Problem {
	return []Problem{
		Rosenbrock(2),
		Rosenbrock(5),
		Beale(),
		Booth(),
		Quadratic(6, 100, 0),
		Quadratic(6, 100, 7),
		NoisyQuadratic(5, 10, 0), // sigma 0: F is the graph loss
		LogisticRegression(60, 4, 1e-2, 3),
		LogisticRegression(60, 4, 0, 3),
		Scale(Rosenbrock(2), 1e3),
	}
}

// relErr is |a-b| / max(|a|, |b|, floor).
func relErr(a, b, floor float64) float64 {
	return math.Abs(a-b) / math.Max(math.Max(math.Abs(a), math.Abs(b)), floor)
}

// TestGraphMatchesClosedForm checks, at the start point, the minimiser and
// two other points, that the graph's loss equals F and its gradient equals
// Grad, in float64 (to 1e-12 relative: the same arithmetic in another
// order) and float32 (to 1e-4 relative, a few float32 roundings of
// quantities up to ~1e3 times the result).
func TestGraphMatchesClosedForm(t *testing.T) {
	for _, p := range testProblems() {
		t.Run(p.Name, func(t *testing.T) {
			points := [][]float64{p.Start, p.XStar, make([]float64, p.Dim), make([]float64, p.Dim)}
			for i := range p.Dim {
				points[2][i] = 0.3 + 0.1*float64(i)
				points[3][i] = -0.7 + 0.25*float64(i%3)
			}
			for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
				tol := 1e-12
				if dt == tensor.Float32 {
					tol = 1e-4
				}
				for _, x := range points {
					f, g := evalGraph(t, p, dt, x, 0, 0)
					// Floors: near the minimiser F and ∇F are ~0; compare
					// absolutely there, at the scale of F at the start.
					floor := math.Max(1e-3, math.Abs(p.F(p.Start)))
					if e := relErr(f, p.F(x), floor); e > tol {
						t.Errorf("%v at %v: graph loss %.15g, F %.15g (err %.3g)", dt, x, f, p.F(x), e)
					}
					want := make([]float64, p.Dim)
					p.Grad(want, x)
					gfloor := 1e-3 * math.Max(1, norm(want))
					for i := range want {
						if e := relErr(g[i], want[i], gfloor); e > tol {
							t.Errorf("%v at %v: ∂f/∂x%d graph %.15g, closed form %.15g (err %.3g)", dt, x, i, g[i], want[i], e)
						}
					}
				}
			}
		})
	}
}

// TestGradcheck compares the graph's gradient with central finite
// differences (internal/gradcheck), independently of the closed forms.
func TestGradcheck(t *testing.T) {
	for _, p := range testProblems() {
		t.Run(p.Name, func(t *testing.T) {
			x := make([]float64, p.Dim)
			for i := range x {
				x[i] = p.Start[i] + 0.05*float64(i+1)
			}
			res, err := gradcheck.Check(func(g *gorgonia.ExprGraph) (*gorgonia.Node, []*gorgonia.Node, error) {
				theta := gorgonia.NewVector(g, tensor.Float64, gorgonia.WithShape(p.Dim), gorgonia.WithName("theta"),
					gorgonia.WithValue(denseOf(tensor.Float64, x, p.Dim)))
				loss, _, err := p.Build(theta)
				return loss, []*gorgonia.Node{theta}, err
			}, gradcheck.Options{})
			if err != nil {
				t.Fatal(err)
			}
			// Central differences with h = 1e-6: truncation O(h²·f''')
			// plus rounding O(ε·f/h); 1e-6 relative covers f up to ~1e3
			// (1e3·Rosenbrock included, whose f''' reaches ~1e6).
			if res.MaxErr > 1e-5 {
				t.Errorf("gradcheck: %v", res)
			}
		})
	}
}

// TestMinimum checks f* = F(x*), that the closed-form gradient vanishes at
// x*, and that F is larger at nearby points.
func TestMinimum(t *testing.T) {
	for _, p := range testProblems() {
		t.Run(p.Name, func(t *testing.T) {
			if f := p.F(p.XStar); math.Abs(f-p.FStar) > 1e-15*math.Max(1, math.Abs(p.FStar)) {
				t.Errorf("F(x*) = %.17g, f* = %.17g", f, p.FStar)
			}
			g := make([]float64, p.Dim)
			p.Grad(g, p.XStar)
			// 1e-12: exact zeros for the closed-form minimisers; Newton's
			// minimiser of the logistic loss reaches ~1e-16.
			if n := norm(g); n > 1e-12 {
				t.Errorf("‖∇F(x*)‖ = %.3g", n)
			}
			x := make([]float64, p.Dim)
			for k := range 2 * p.Dim {
				copy(x, p.XStar)
				h := 1e-3
				if k%2 == 1 {
					h = -h
				}
				x[k/2] += h
				if f := p.F(x); !(f > p.FStar) {
					t.Errorf("F(x* + %g·e%d) = %.17g ≤ f* = %.17g", h, k/2, f, p.FStar)
				}
			}
			if len(p.Start) != p.Dim || len(p.XStar) != p.Dim {
				t.Errorf("len(Start) %d, len(XStar) %d, Dim %d", len(p.Start), len(p.XStar), p.Dim)
			}
		})
	}
}

// TestClassicValues pins the published start values: Moré, Garbow &
// Hillstrom 1981 give f(x₀) = 24.2 for Rosenbrock from (-1.2, 1) and
// 14.203125 for Beale from (1, 1); Booth at (0, 0) is 7² + 5² = 74.
func TestClassicValues(t *testing.T) {
	tests := []struct {
		p    Problem
		want float64
	}{
		{Rosenbrock(2), 24.2},
		{Beale(), 14.203125},
		{Booth(), 74},
		{LogisticRegression(50, 3, 0.1, 1), math.Ln2}, // θ = 0: log 2 per example
	}
	for _, tt := range tests {
		t.Run(tt.p.Name, func(t *testing.T) {
			if got := tt.p.F(tt.p.Start); math.Abs(got-tt.want) > 1e-12*tt.want {
				t.Errorf("F(start) = %.17g, want %.17g", got, tt.want)
			}
		})
	}
}

// TestQuadraticSpectrum checks that the rotated quadratic has eigenvalues
// exactly 1 … κ: A·qₖ = λₖ·qₖ is not observable without Q, so check the
// invariants trace(A) = Σλ and xᵀAx ∈ [μ‖x‖², L‖x‖²].
func TestQuadraticSpectrum(t *testing.T) {
	const n, kappa = 8, 100.0
	p := Quadratic(n, kappa, 42)
	var trace float64
	e := make([]float64, n)
	g := make([]float64, n)
	for i := range n {
		clear(e)
		e[i] = 1
		p.Grad(g, e)
		trace += g[i]
	}
	var sum float64
	for _, l := range logSpaced(n, kappa) {
		sum += l
	}
	if math.Abs(trace-sum) > 1e-12*sum {
		t.Errorf("trace %v, Σλ %v", trace, sum)
	}
	x := make([]float64, n)
	for k := range 50 {
		for i := range x {
			x[i] = math.Sin(float64(7*k + 3*i + 1))
		}
		q := 2 * p.F(x) / (norm(x) * norm(x))
		if q < 1-1e-12 || q > kappa*(1+1e-12) {
			t.Errorf("Rayleigh quotient %v outside [1, %v]", q, kappa)
		}
	}
}

// TestNoisyQuadraticGradient checks the sampled gradient H(x - cₜ)
// against the graph at several steps, that the sample is a pure function
// of (seed, step), and that it changes with either.
func TestNoisyQuadraticGradient(t *testing.T) {
	const n, kappa, sigma = 4, 10.0, 0.5
	p := NoisyQuadratic(n, kappa, sigma)
	h := logSpaced(n, kappa)
	x := []float64{0.5, -1, 2, 0.25}
	c := make([]float64, n)
	for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
		tol := 1e-12
		if dt == tensor.Float32 {
			tol = 1e-5
		}
		for _, step := range []int{0, 1, 17} {
			_, g := evalGraph(t, p, dt, x, 9, step)
			noiseShift(c, h, sigma, 9, step)
			for i := range g {
				if want := h[i] * (x[i] - c[i]); relErr(g[i], want, 1e-3) > tol {
					t.Errorf("%v step %d: ∂ℓ/∂x%d = %v, want %v", dt, step, i, g[i], want)
				}
			}
		}
	}
	a, b := make([]float64, n), make([]float64, n)
	noiseShift(a, h, sigma, 1, 5)
	noiseShift(b, h, sigma, 1, 5)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("noise not a pure function of (seed, step): %v vs %v", a, b)
		}
	}
	noiseShift(b, h, sigma, 2, 5)
	if a[0] == b[0] {
		t.Errorf("noise does not depend on the seed")
	}
	noiseShift(b, h, sigma, 1, 6)
	if a[0] == b[0] {
		t.Errorf("noise does not depend on the step")
	}
}

// TestLogisticRegressionReference checks Newton's reference minimum
// against an independent long run of gradient descent (lr = 1/L with
// L ≤ λmax(AᵀA)/(4n) + λ bounded by the trace): GD from 0 must approach
// f* from above and never go below it.
func TestLogisticRegressionReference(t *testing.T) {
	p := LogisticRegression(60, 4, 1e-2, 3)
	x := make([]float64, p.Dim)
	g := make([]float64, p.Dim)
	// L ≤ trace(AᵀA)/(4n) + λ ≈ (d+1)/4 + λ for standard-normal features;
	// lr = 0.5 is below 1/L for d = 4 (L ≲ 1.3).
	const lr = 0.5
	for range 20000 {
		p.Grad(g, x)
		for i := range x {
			x[i] -= lr * g[i]
		}
	}
	f := p.F(x)
	if f < p.FStar-1e-15 {
		t.Errorf("GD found %.17g below Newton's f* %.17g", f, p.FStar)
	}
	if f-p.FStar > 1e-12 {
		t.Errorf("GD after 20000 steps: f - f* = %.3g, want ≤ 1e-12", f-p.FStar)
	}
}
