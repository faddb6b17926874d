// Package solvertest provides analytic optimisation problems with known
// minima, built as Gorgonia graphs, and helpers that run a solver on one
// and record how fast it converges — for `go test` comparisons of
// solvers.
//
// # Overview
//
// A Problem is an objective F: ℝⁿ → ℝ given three ways — in closed form
// (F and its gradient Grad, in float64), as a Gorgonia graph (Build adds
// the loss of a parameter vector node θ to a graph), and by its minimum
// (FStar, XStar) and conventional start point (Start). Run builds the
// graph in float32 or float64, differentiates it with gorgonia.Grad, and
// runs the plain Gorgonia loop
//
//	for t := 0; t < steps; t++ {
//		vm.Reset()           // RunAll without Reset silently does nothing
//		feed(seed, t)        // stochastic problems only
//		vm.RunAll()          // forward and backward (BindDualValues)
//		s.SetLearnRate(...)  // if Options.Schedule is set
//		s.Step(params)       // updates θ in place and zeroes its gradient
//	}
//
// recording the loss curve. Any gorgonia.Solver works (convergo's, or
// Gorgonia's own); RunSpec takes a solvers.Parse spec instead.
//
// # Problems
//
//	constructor                    F                                       f*      x*            start
//	Rosenbrock(n)                  Σ 100(xᵢ₊₁-xᵢ²)² + (1-xᵢ)²               0       (1, …, 1)     (-1.2, 1, -1.2, 1, …)
//	Beale()                        Σₖ (cₖ - x + xyᵏ)², c = 1.5, 2.25, 2.625  0       (3, 0.5)      (1, 1)
//	Booth()                        (x+2y-7)² + (2x+y-5)²                   0       (1, 3)        (0, 0)
//	Quadratic(n, κ, seed)          ½xᵀAx, eig(A) log-spaced in [1, κ]      0       0             (1, …, 1)
//	NoisyQuadratic(n, κ, σ)        ½Σhᵢxᵢ² (graph: ½Σhᵢ(xᵢ-cₜᵢ)²)           0       0             (1, …, 1)
//	LogisticRegression(n, d, λ, s) mean log(1+exp(-yᵢaᵢᵀθ)) + λ/2‖θ‖²      Newton  Newton        0
//	Scale(p, c)                    c·F of p                                c·f*    x* of p       start of p
//
// References: Rosenbrock 1960 and Moré, Garbow & Hillstrom 1981 ("Testing
// unconstrained optimization software", ACM TOMS 7(1)), problem 1
// (f(x₀) = 24.2) — for n > 2 the chained form, not MGH's extended one;
// Beale 1958 and MGH problem 5 (f(x₀) = 14.203125); Booth: Jamil & Yang
// 2013, no. 24 — a quadratic with Hessian [[10, 8], [8, 10]], so L = 18,
// μ = 2. Quadratic: A = Q·diag(λ)·Qᵀ with eigenvalues 1 = λ₁ < … < λₙ = κ
// (exactly), Q Haar-random from seed (QR of a Gaussian matrix, Mezzadri
// 2007), or Q = I (diagonal) for seed 0. NoisyQuadratic: the noisy
// quadratic model of Zhang et al. 2019 in the shifted-minimum form of
// Schaul, Zhang & LeCun 2013, curvatures log-spaced in [1, κ], gradient
// noise of covariance σ²H; SGDNoiseFloor gives SGD's stationary excess
// risk. LogisticRegression: a seeded synthetic set with a bias feature,
// labels from a logistic teacher (the classes overlap); f* and x* are
// computed by Newton's method at construction, to ‖∇F‖ ≈ 1e-16.
//
// Problem.L and Problem.Mu are the exact smoothness and strong-convexity
// constants of the quadratics (Booth, Quadratic, NoisyQuadratic), 0
// elsewhere. A Problem's slices are shared, not copied: don't modify
// them. Add your own problem by filling in a Problem; Build gets the
// parameter node θ (a vector of length Dim, float32 or float64) and must
// build every node in θ's dtype.
//
// # Run and its Result
//
// Run(ctx, problem, solver, opts) and RunSpec(ctx, problem, spec, opts)
// return a *Result:
//
//   - Curve[t] = F(θₜ) - f*, t = 0 … Steps: the start and the point after
//     each step. F is evaluated in float64 from the parameter values, so
//     the curve is exact in float32 runs too, and is the expected
//     objective (excess risk) for a stochastic problem.
//     For a schedule-free solver (a solvers.EvalSwapper, such as sfadamw)
//     F is taken at its evaluation point x, not the training iterate y.
//   - Loss[t]: the graph's loss at θₜ as the forward pass of step t
//     computed it (the run's dtype; the sampled loss when stochastic).
//   - X: the final θ; StepsToTol: the first t with Curve[t] ≤ Tol, or -1.
//   - Diverged: F or θ became NaN/Inf, or f - f* exceeded
//     DivergeFactor·max(1, f₀ - f*) (1e12 by default). Divergence ends
//     the run and is not an error — a learning rate that is too large is a
//     result worth asserting.
//
// Options (nil means defaults): Steps (1000), Seed, Dtype (float64 —
// tolerances like 1e-6 on f - f* need it; float32 is supported), Tol
// (1e-6), StopAtTol, Start, Jitter (a seeded perturbation of the start),
// Schedule (any LR(step int) float64, such as an lrsched.Scheduler; it is
// applied to the solver with SetLearnRate before each step), and
// DivergeFactor.
//
// A run is a pure function of the problem, the solver's configuration and
// the options: the noise of step t of NoisyQuadratic comes from a PCG
// generator seeded with (Seed, t), so two runs with the same Seed are
// equal bit for bit, and different solvers see the same noise. Pass a
// fresh solver to each Run (its state is keyed by the run's parameter
// node). Errors — bad options, a graph that does not build, a failing
// Step, a cancelled ctx — are returned with the partial Result; panics
// are recovered.
//
// # Writing a solver comparison
//
// Pick a problem whose theory you know, state the fact with its source,
// and assert the measured step counts against the predicted window rather
// than exact numbers:
//
//	func TestHeavyBallBeatsGD(t *testing.T) {
//		p := solvertest.Quadratic(10, 100, 0) // L = 100, μ = 1
//		opt := solvertest.Options{Steps: 2000, StopAtTol: true}
//		sL, sMu := math.Sqrt(p.L), math.Sqrt(p.Mu)
//		gd, err := solvertest.RunSpec(t.Context(), p, fmt.Sprintf("sgd(lr=%v)", 2/(p.L+p.Mu)), &opt)
//		if err != nil {
//			t.Fatal(err)
//		}
//		// Polyak 1964: α = 4/(√L+√μ)², β = ((√L−√μ)/(√L+√μ))².
//		hb, err := solvertest.RunSpec(t.Context(), p, fmt.Sprintf("sgd(lr=%v,momentum=%v)",
//			4/((sL+sMu)*(sL+sMu)), (sL-sMu)*(sL-sMu)/((sL+sMu)*(sL+sMu))), &opt)
//		if err != nil {
//			t.Fatal(err)
//		}
//		// Rates ((√κ-1)/(√κ+1))^t versus ((κ-1)/(κ+1))^t.
//		if 5*hb.StepsToTol > gd.StepsToTol {
//			t.Errorf("heavy ball %d steps, gd %d", hb.StepsToTol, gd.StepsToTol)
//		}
//	}
//
// (This is TestDocHeavyBallBeatsGD in the package's tests, so it runs as
// written. Write hyperparameters from the formulas: rounded to three
// digits, the same two specs give 94 steps against 440, because
// heavy ball's rate is sensitive to β near the optimal tuning.)
//
// Mind the momentum conventions: sgd(momentum=β) is PyTorch's heavy ball
// (v ← βv + g, θ ← θ - lr·v), exactly Polyak's θₜ₊₁ = θₜ - α∇f + β(θₜ-θₜ₋₁)
// with α = lr; convergo's momentum(beta=β) is the EMA form
// (v ← βv + (1-β)g), the same iteration with α = lr·(1-β), so its lr must
// be divided by 1-β to match. sgd(nesterov=true) iterates Nesterov's
// look-ahead point (Sutskever et al. 2013).
//
// The package's own tests assert, on the quadratic with κ = 100 (n = 10,
// start (1, …, 1), tol 1e-6): gradient descent with 2/(L+μ) takes 444
// steps, inside the exact window [444, 466] given by ½(μ+L)q^{2t} ≤
// f - f* ≤ f₀q^{2t}, q = 99/101; the tuned heavy ball takes 69 (the rate
// alone predicts 46; the double eigenvalue adds a factor linear in t),
// and 67–70 in three random rotations, against GD's 427–454; the EMA form
// with lr/(1-β) takes the same 69; Nesterov with 1/L takes 83, GD with
// 1/L 653. On Booth, GD with 1/L gives f - f* = 2·(64/81)^t exactly and
// reaches 1e-6 at step 62. Adam's trajectory on 1000·Rosenbrock equals its
// trajectory on Rosenbrock to 1e-6 relative (Kingma & Ba 2015, §2.1),
// while GD at lr 1e-3 converges on one and diverges on the other. SGD on
// the noisy quadratic settles at the predicted noise floor (within 2%),
// and a Robbins–Monro schedule goes below it.
//
// # Tests and speed
//
// A step costs a TapeMachine pass, some tens of µs on these small graphs;
// `go test ./solvers/solvertest` takes a few seconds, and `-short` skips
// the longest runs. Use StopAtTol when only StepsToTol matters.
package solvertest
