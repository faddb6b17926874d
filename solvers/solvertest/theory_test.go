package solvertest_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/convergo/convergo/solvers/solvertest"
)

// Notation: on a quadratic with Hessian eigenvalues in [μ, L], κ = L/μ.
// Gradient descent with step α contracts the error along eigenvalue λ by
// |1 - αλ| per step, so f - f* (a sum of λ·error²) by (1 - αλ)².
//
// The heavy ball of Polyak 1964 ("Some methods of speeding up the
// convergence of iteration methods", §3) is
//
//	θₜ₊₁ = θₜ - α∇f(θₜ) + β(θₜ - θₜ₋₁),
//
// with the optimal α = 4/(√L+√μ)² and β = ((√κ-1)/(√κ+1))², which
// converges like ((√κ-1)/(√κ+1))^t in the error (times a factor linear in
// t: the iteration matrix has a double eigenvalue at μ and L).
//
// Which convergo spec is the heavy ball: torch's sgd(momentum=β) keeps
// v ← βv + g and steps θ ← θ - lr·v, so θₜ₊₁ - θₜ = -lr·gₜ + β(θₜ - θₜ₋₁):
// exactly Polyak's form with α = lr (its first step v = g is Polyak's with
// θ₋₁ = θ₀). convergo's momentum(beta=β) is the EMA form v ← βv + (1-β)g,
// θ ← θ - lr·v, so θₜ₊₁ - θₜ = -lr(1-β)·gₜ + β(θₜ - θₜ₋₁): the heavy ball
// with α = lr·(1-β). Both are tested below; they must agree.

// stepsFor returns the smallest t ≥ 0 with c·q^(power·t) ≤ tol.
func stepsFor(c, q, power, tol float64) int {
	return int(math.Ceil(math.Log(c/tol) / (-power * math.Log(q))))
}

// run is RunSpec with StopAtTol, failing the test on error or divergence.
func run(t *testing.T, p solvertest.Problem, spec string, opt solvertest.Options) *solvertest.Result {
	t.Helper()
	opt.StopAtTol = true
	r, err := solvertest.RunSpec(t.Context(), p, spec, &opt)
	if err != nil {
		t.Fatal(err)
	}
	if r.Diverged {
		t.Fatalf("%v", r)
	}
	t.Logf("%v", r)
	return r
}

// TestHeavyBallBeatsGD: on the diagonal quadratic with κ = 100, eigenvalues
// log-spaced in [1, 100] and start (1, …, 1), so that f₀ = ½Σλᵢ and the
// error has weight ½λ on every eigenvalue.
func TestHeavyBallBeatsGD(t *testing.T) {
	const n, kappa, tol = 10, 100.0, 1e-6
	p := solvertest.Quadratic(n, kappa, 0)
	L, mu := p.L, p.Mu
	f0 := p.F(p.Start)

	// Gradient descent with its optimal step 2/(L+μ) (Nesterov 2004,
	// Thm 2.1.15; Polyak 1987 §1.4): the extreme eigenvalues 1 and κ both
	// contract by q = (κ-1)/(κ+1) per step and the others faster, so
	// ½(μ+L)·q^{2t} ≤ f - f* ≤ f₀·q^{2t}: both bounds are exact for this
	// start, and give the step count to within the window below.
	qGD := (kappa - 1) / (kappa + 1)
	gd := run(t, p, fmt.Sprintf("sgd(lr=%v)", 2/(L+mu)), solvertest.Options{Steps: 2000, Tol: tol})
	lo, hi := stepsFor((L+mu)/2, qGD, 2, tol), stepsFor(f0, qGD, 2, tol)
	if gd.StepsToTol < lo || gd.StepsToTol > hi {
		t.Errorf("GD reached %g in %d steps; theory: between %d and %d", tol, gd.StepsToTol, lo, hi)
	}

	// Heavy ball, tuned (Polyak 1964): rate qHB = (√κ-1)/(√κ+1) = 9/11 in
	// the error. The count from the rate alone, ln(f₀/tol)/(-2 ln qHB) ≈
	// 46, ignores the factor linear in t of the double eigenvalue, which
	// costs a few dozen steps more; the window allows up to 2×.
	sk := math.Sqrt(kappa)
	qHB := (sk - 1) / (sk + 1)
	alpha := 4 / ((math.Sqrt(L) + math.Sqrt(mu)) * (math.Sqrt(L) + math.Sqrt(mu)))
	beta := qHB * qHB
	hb := run(t, p, fmt.Sprintf("sgd(lr=%v,momentum=%v)", alpha, beta), solvertest.Options{Steps: 2000, Tol: tol})
	pred := stepsFor(f0, qHB, 2, tol)
	if hb.StepsToTol < pred || hb.StepsToTol > 2*pred {
		t.Errorf("heavy ball reached %g in %d steps; the rate predicts %d (window [%d, %d])", tol, hb.StepsToTol, pred, pred, 2*pred)
	}
	// The point of momentum: the step count scales with √κ, not κ. The
	// ratio of the rates' logarithms is ln qHB / ln qGD ≈ 10 at κ = 100;
	// require at least √κ/2 = 5.
	if ratio := float64(gd.StepsToTol) / float64(hb.StepsToTol); ratio < sk/2 {
		t.Errorf("GD/heavy-ball step ratio %.2f, want ≥ %.1f (GD %d, heavy ball %d)", ratio, sk/2, gd.StepsToTol, hb.StepsToTol)
	}

	// The EMA form with lr = α/(1-β) is the same iteration (see the
	// comment at the top of this file): same step count, curves equal up
	// to rounding.
	ema := run(t, p, fmt.Sprintf("momentum(lr=%v,beta=%v)", alpha/(1-beta), beta), solvertest.Options{Steps: 2000, Tol: tol})
	if ema.StepsToTol != hb.StepsToTol {
		t.Errorf("momentum (EMA form) took %d steps, sgd(momentum) %d: they are the same heavy ball", ema.StepsToTol, hb.StepsToTol)
	}
	for i := range min(len(ema.Curve), len(hb.Curve)) {
		if d := math.Abs(ema.Curve[i]-hb.Curve[i]) / hb.Curve[i]; d > 1e-9 {
			t.Errorf("step %d: EMA momentum f-f* %.17g, heavy ball %.17g", i, ema.Curve[i], hb.Curve[i])
			break
		}
	}
	// Untuned: the EMA form with the heavy ball's lr (not divided by
	// 1-β) takes steps (1-β) ≈ 0.33 times too small, and is slower.
	slow := run(t, p, fmt.Sprintf("momentum(lr=%v,beta=%v)", alpha, beta), solvertest.Options{Steps: 2000, Tol: tol})
	if slow.StepsToTol <= hb.StepsToTol {
		t.Errorf("momentum(lr=α) took %d steps, not more than the heavy ball's %d", slow.StepsToTol, hb.StepsToTol)
	}
}

// TestHeavyBallRotated: the rates depend only on the spectrum, so the
// comparison holds in a random rotation too (three rotations).
func TestHeavyBallRotated(t *testing.T) {
	const n, kappa, tol = 10, 100.0, 1e-6
	sk := math.Sqrt(kappa)
	qHB := (sk - 1) / (sk + 1)
	alpha, beta := 4/((sk+1)*(sk+1)), qHB*qHB
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			p := solvertest.Quadratic(n, kappa, seed)
			f0 := p.F(p.Start)
			qGD := (kappa - 1) / (kappa + 1)
			gd := run(t, p, fmt.Sprintf("sgd(lr=%v)", 2/(kappa+1)), solvertest.Options{Steps: 2000, Tol: tol})
			hb := run(t, p, fmt.Sprintf("sgd(lr=%v,momentum=%v)", alpha, beta), solvertest.Options{Steps: 2000, Tol: tol})
			// f - f* ≤ f₀·qGD^{2t} holds for any start.
			if hi := stepsFor(f0, qGD, 2, tol); gd.StepsToTol > hi {
				t.Errorf("GD took %d steps, more than the bound %d", gd.StepsToTol, hi)
			}
			if pred := stepsFor(f0, qHB, 2, tol); hb.StepsToTol > 2*pred {
				t.Errorf("heavy ball took %d steps, more than 2× the rate's %d", hb.StepsToTol, pred)
			}
			if hb.StepsToTol*int(sk/2) > gd.StepsToTol {
				t.Errorf("heavy ball %d steps, GD %d: want a ratio ≥ %v", hb.StepsToTol, gd.StepsToTol, sk/2)
			}
		})
	}
}

// TestNesterovBeatsGD: with step 1/L, gradient descent contracts the
// slowest (λ = μ) error component by 1 - 1/κ per step, so on the diagonal
// quadratic f - f* ≥ ½μ(1-1/κ)^{2t}. Nesterov's accelerated method with
// step 1/L and momentum (√κ-1)/(√κ+1) (Nesterov 2004, scheme (2.2.19),
// Thm 2.2.3) satisfies f(xₜ) - f* ≤ (1-1/√κ)^t·(f₀ - f* + μ/2‖x₀-x*‖²).
// torch's sgd(nesterov=true) iterates Nesterov's look-ahead point yₜ
// (Sutskever et al. 2013's reformulation), not xₜ, so the bound is the
// ballpark here rather than a guarantee; it holds with room to spare.
func TestNesterovBeatsGD(t *testing.T) {
	const n, kappa, tol = 10, 100.0, 1e-6
	p := solvertest.Quadratic(n, kappa, 0)
	f0 := p.F(p.Start)
	gd := run(t, p, fmt.Sprintf("sgd(lr=%v)", 1/p.L), solvertest.Options{Steps: 2000, Tol: tol})
	if lo := stepsFor(p.Mu/2, 1-1/kappa, 2, tol); gd.StepsToTol < lo {
		t.Errorf("GD with 1/L took %d steps, fewer than the lower bound %d", gd.StepsToTol, lo)
	}
	sk := math.Sqrt(kappa)
	nest := run(t, p, fmt.Sprintf("sgd(lr=%v,momentum=%v,nesterov=true)", 1/p.L, (sk-1)/(sk+1)),
		solvertest.Options{Steps: 2000, Tol: tol})
	x0sq := float64(n) // ‖x₀ - x*‖² = ‖(1, …, 1)‖²
	if hi := stepsFor(f0+p.Mu/2*x0sq, 1-1/sk, 1, tol); nest.StepsToTol > hi {
		t.Errorf("Nesterov took %d steps, more than the bound's %d", nest.StepsToTol, hi)
	}
	if 2*nest.StepsToTol > gd.StepsToTol {
		t.Errorf("Nesterov %d steps, GD %d: want Nesterov at least 2× faster", nest.StepsToTol, gd.StepsToTol)
	}
}

// TestBoothLinearRate: Booth's function is a quadratic with Hessian
// eigenvalues L = 18 and μ = 2. Gradient descent with step 1/L annihilates
// the L-component in one step and contracts the μ-component by
// 1 - μ/L = 8/9, so from (0, 0) — whose error (-1, -3) has components
// -4/√2 along (1,1)/√2 and 2/√2 along (1,-1)/√2 — f - f* = 2·(64/81)^t
// exactly for t ≥ 1: linear convergence at the rate (1-1/κ)² of the
// textbook bound (Nesterov 2004, Thm 2.1.15; Boyd & Vandenberghe 2004,
// §9.3.1). Both dtypes: float32 to 1e-4 relative until f is small.
func TestBoothLinearRate(t *testing.T) {
	p := solvertest.Booth()
	for _, dt := range dtypes {
		t.Run(dt.String(), func(t *testing.T) {
			r, err := solvertest.RunSpec(t.Context(), p, fmt.Sprintf("sgd(lr=%v)", 1/p.L), &solvertest.Options{Steps: 80, Dtype: dt})
			if err != nil {
				t.Fatal(err)
			}
			tol := 1e-9 // float64: the residuals are exact to ~1e-15 absolute
			last := 80
			if dt == dtypes[1] {
				tol, last = 1e-3, 30 // float32: f ≳ 1e-3 keeps relative rounding ≲ 1e-4
			}
			for i := 1; i <= last; i++ {
				want := 2 * math.Pow(64.0/81, float64(i))
				if e := math.Abs(r.Curve[i]-want) / want; e > tol {
					t.Fatalf("step %d: f - f* = %.17g, want 2·(64/81)^t = %.17g (rel err %.2g)", i, r.Curve[i], want, e)
				}
			}
			if dt == dtypes[0] {
				// 2·(64/81)^t ≤ 1e-6 first at t = ⌈ln(2e6)/ln(81/64)⌉ = 62.
				if want := stepsFor(2, 64.0/81, 1, 1e-6); r.StepsToTol != want || want != 62 {
					t.Errorf("steps to 1e-6: %d, want %d (= 62)", r.StepsToTol, want)
				}
			}
		})
	}
}

// TestAdamScaleInvariance: Adam's step m̂/(√v̂+ε) is invariant to a
// rescaling of the objective f → c·f, up to ε (Kingma & Ba 2015, §2.1:
// "the magnitudes of parameter updates are invariant to rescaling of the
// gradient"). So Adam follows the same trajectory on Rosenbrock and on
// 1000·Rosenbrock, while gradient descent with a learning rate that
// converges on f (1e-3, below 2/λmax ≈ 1.3e-3 at the start) diverges on
// 1000·f, whose curvature is 1000 times larger.
func TestAdamScaleInvariance(t *testing.T) {
	const c, steps = 1000.0, 1500
	f, cf := solvertest.Rosenbrock(2), solvertest.Scale(solvertest.Rosenbrock(2), c)
	opt := &solvertest.Options{Steps: steps}
	a, err := solvertest.RunSpec(t.Context(), f, "adam(lr=0.01)", opt)
	if err != nil {
		t.Fatal(err)
	}
	b, err := solvertest.RunSpec(t.Context(), cf, "adam(lr=0.01)", opt)
	if err != nil {
		t.Fatal(err)
	}
	for i := range a.Curve {
		// 1e-6: ε = 1e-8 against √v̂ ≳ 1e-2 (the gradients on this stretch
		// of the valley) perturbs each step by ≲ 1e-6 relative.
		if d := math.Abs(b.Curve[i]/c-a.Curve[i]) / a.Curve[i]; d > 1e-6 {
			t.Fatalf("step %d: Adam on f: %.17g, on %g·f: %.17g/%g", i, a.Curve[i], c, b.Curve[i], c)
		}
	}
	g, err := solvertest.RunSpec(t.Context(), f, "sgd(lr=1e-3)", opt)
	if err != nil {
		t.Fatal(err)
	}
	if g.Diverged || !(g.Final() < g.Curve[0]) {
		t.Errorf("GD on f: %v", g)
	}
	gc, err := solvertest.RunSpec(t.Context(), cf, "sgd(lr=1e-3)", opt)
	if err != nil {
		t.Fatal(err)
	}
	if !gc.Diverged {
		t.Errorf("GD on %g·f did not diverge: %v", c, gc)
	}
}

// TestNoiseFloor: on the noisy quadratic, SGD with a constant learning
// rate does not converge but fluctuates around the floor
// ½Σhᵢ·lr·σ²/(2 - lr·hᵢ) (Zhang et al. 2019, §3; SGDNoiseFloor), and a
// decaying learning rate goes below it (Robbins & Monro 1951). The
// average of f - f* over the second half of 4 runs of 2000 steps
// (autocorrelation time 1/(lr·μ) = 10 steps, so ~800 independent samples
// of a sum of 8 chi-squares: ~2% standard error) must be within 10% of
// the floor.
func TestNoiseFloor(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: 12000 steps")
	}
	const n, kappa, sigma, lr, steps = 8, 10.0, 0.1, 0.1, 2000
	p := solvertest.NoisyQuadratic(n, kappa, sigma)
	floor := solvertest.SGDNoiseFloor(n, kappa, sigma, lr)
	var sum float64
	var count int
	for seed := range uint64(4) {
		r, err := solvertest.RunSpec(t.Context(), p, fmt.Sprintf("sgd(lr=%v)", lr), &solvertest.Options{Steps: steps, Seed: seed + 1})
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range r.Curve[steps/2:] {
			sum += v
			count++
		}
	}
	mean := sum / float64(count)
	t.Logf("constant lr %v: mean f - f* %.4g, predicted floor %.4g", lr, mean, floor)
	if math.Abs(mean-floor) > 0.1*floor {
		t.Errorf("mean f - f* over the second half %.4g, predicted noise floor %.4g", mean, floor)
	}
	// lr/(1 + t/100): Σlr = ∞, Σlr² < ∞ (Robbins–Monro). The last 100
	// steps of 2 runs, at lr ≈ lr/20, must average below half the floor.
	decay := solvertest.ScheduleFunc(func(t int) float64 { return lr / (1 + float64(t)/100) })
	sum, count = 0, 0
	for seed := range uint64(2) {
		r, err := solvertest.RunSpec(t.Context(), p, fmt.Sprintf("sgd(lr=%v)", lr), &solvertest.Options{Steps: steps, Seed: seed + 1, Schedule: decay})
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range r.Curve[steps-100:] {
			sum += v
			count++
		}
	}
	if m := sum / float64(count); m > floor/2 {
		t.Errorf("decaying lr: mean f - f* %.4g over the last 100 steps, want < floor/2 = %.4g", m, floor/2)
	} else {
		t.Logf("decaying lr: mean f - f* %.4g", m)
	}
}
