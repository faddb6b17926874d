// Package compare runs convergence comparisons: several optimization
// strategies on the same models and data, each over several seeds, and
// says — with statistics and figures — which converges faster and to what.
//
// # Overview
//
// A Study is a set of Problems (a network, a graph.Config, training and
// validation data — or an analytic objective, see below), a set of Strategies, a list of seeds, a budget (Epochs
// or optimizer Steps), an optional Target and an evaluation cadence. Run
// trains one model per (problem, strategy, seed) — a trial — and returns
// Results: every trial's curve and figures, and per (problem, strategy)
// StrategyStats, ranked.
//
//	net := func() layers.Layer { return layers.Stack(layers.Dense(128), layers.ReLU(), layers.Dense(10)) }
//	cfg := graph.Config{Input: []int{784}, Classes: 10, Batch: 64}
//	res, err := compare.Run(ctx, compare.Study{
//		Problems:   []compare.Problem{{Name: "mlp", Net: net, Config: cfg, Train: train, Eval: test}},
//		Strategies: strategies, // from ParseStrategies
//		Seeds:      []uint64{1, 2, 3},
//		Epochs:     10,
//		EvalEvery:  50,
//		Dir:        "convergo-out",
//		Plotter:    plot.New(), // package compare/plot
//	})
//
// # Strategies: the text form
//
// Every convergo program names a strategy the same way:
//
//	[name ":"] solver ["|" schedule] ["|" regularizer]
//
//	sgd(lr=0.1,momentum=0.9) | cosine(max=0.1,T=total)
//	adamw: adamw(lr=1e-3,weight_decay=0.05) | warmup(steps=200,cosine(max=1e-3,T=total))
//	sgd+l2: sgd(lr=0.1) | l2(lambda=1e-4)
//
// The solver is a solvers.Parse spec, the schedule an lrsched.Parse spec
// (none: the solver's learning rate, constant) and the regularizer one of
//
//	l2(lambda=λ)             ½·λ·Σθ²  added to the training loss
//	l1(lambda=λ)             λ·Σ|θ|
//	elastic(l1=λ₁,l2=λ₂)     λ₁·Σ|θ| + ½·λ₂·Σθ²
//
// over the weights (not the biases) — a penalty in the loss, distinct from a
// solver's weight_decay. The segments after the solver are told apart by
// name. Wherever a spec expects a value, the identifier total stands for
// the trial's budget in optimizer steps, so cosine(max=0.1,T=total) anneals
// over the whole run whatever -epochs is. The name, if given, is what tables
// and plots show; otherwise they show the specs. ParseStrategy checks every
// spec, so a misspelt key is an error before anything runs.
//
// With a schedule, the schedule sets every step's rate: a solver spec that
// writes lr as well must agree with the schedule at step 0, else it is an
// error (write sgd | cosine(max=0.1,T=total), or sgd(lr=0.1) with it).
//
// A further segment hyper(key=schedule,…) schedules other hyperparameters
// (graph.Trainer.Hyper: momentum, beta1, weight_decay where the solver has
// them, dropout), each schedule's "rate" the hyperparameter's value:
//
//	sgd(lr=0.1,momentum=0.9) | cosine(max=0.1,T=total) | hyper(momentum=linear(lr=0.95,start_factor=0.9,total=total))
//
// # Your own solver or schedule
//
// A strategy's parts may be Go values instead of text (see Strategy):
//
//	compare.Strategy{
//		Name:        "signum+rsqrt",
//		NewSolver:   func() (gorgonia.Solver, error) { return myopt.NewSignum(1e-3, 0.9), nil },
//		NewSchedule: func(total int) (lrsched.Scheduler, error) { return myopt.NewWarmupRsqrt(2e-3, 100) },
//		Key:         "signum-v1", // bump it when the code changes: old trials are then not reused
//	}
//
// Any gorgonia.Solver works (one with SetLearnRate to take a schedule;
// solvers.Base gives a solver of your own everything convergo's have), and
// any lrsched.Scheduler, lrsched.Func included. Or register them by name
// with solvers.Register and lrsched.Register: they are then part of the
// spec grammar, with the built-ins' key checking, in ParseStrategy and in
// every -strategy flag. A Go-valued strategy works everywhere a parsed one
// does: both kinds of problem, parallel trials, resume, shards, Merge, the
// report and the figures. examples/custom is a complete program.
//
// # Fairness and reproducibility
//
// For seed s every strategy starts from the same initial weights
// (graph.Config.Seed = s) and sees the same batch order (graph.Trainer.Seed
// = s); a trial's result is a function of (problem, strategy, seed) and
// never of Parallel, the order trials run in, or sharding. Each trial builds
// its own graph.Model (Gorgonia graphs are not shared between goroutines).
// Only the time columns differ between two runs of a study.
//
// # Evaluation and the curve
//
// A trial of a network problem is a graph.Trainer — the one training loop —
// configured with the budget in steps, EvalAtStart and EvalEvery, and a
// hook that records the curve. It evaluates on the validation set at step 0 (the initial weights),
// every EvalEvery optimizer steps, at each epoch end and at the end of the
// budget; each evaluation is a Point (step, epoch, seconds, mean training
// loss since the previous point, validation loss and accuracy, learning
// rate). Seconds count training only (graph.EvalStats.Seconds: the optimizer
// steps, not evaluations or hooks), so the cadence does not change the
// clock. Schedule-free solvers (SwapToEval) are
// evaluated at their evaluation weights, as graph.Trainer does.
//
// A Target (validation accuracy ≥ Acc and/or loss ≤ Loss) is reached at the
// first evaluation point where it holds: Trial.StepsToTarget is that
// point's step, so its resolution is the evaluation cadence.
//
// # Failures
//
// A trial whose loss becomes NaN or ±Inf is recorded as diverged
// (StatusDiverged), any other error as failed (StatusFailed); the study goes
// on. Cancelling ctx stops the study: finished trials are kept (and, with a
// Dir, already on disk) and Run returns them with ctx's error.
//
// # Statistics
//
// For each problem and strategy, over the seeds (StrategyStats):
//
//   - Median and interquartile range [Q1, Q3] of the final validation loss
//     and accuracy, best accuracy, final training loss, steps and seconds to
//     target, and area under the loss curve; quantiles are Hyndman & Fan
//     (1996) definition 7 (linear interpolation, R's and NumPy's default).
//     A diverged or failed trial counts as the worst value (+Inf loss,
//     steps or seconds, 0 accuracy), and so does a trial that missed the
//     target for steps and seconds to target: a strategy that fails on most
//     seeds has an infinite median.
//   - Mean ± sample standard deviation over the finite values only (N).
//   - Success rate: the fraction of trials that reached the target, or,
//     without a target, that did not diverge or fail.
//   - Area under the loss curve (AULC): the validation loss integrated over
//     optimizer steps from 0 to the budget S by the trapezoid rule on the
//     evaluation points, divided by S — the mean validation loss over the
//     run. Lower means faster convergence as well as a lower end point. A
//     curve that stopped at the target is continued flat.
//   - Rank: by median steps to target when there is a target, else by median
//     final validation loss; ties by median AULC.
//   - DiffToBest: for each strategy but the best, the mean over seeds of the
//     paired difference (this − best) in the ranking metric, with a 95%
//     percentile bootstrap interval (Efron & Tibshirani 1993, An
//     Introduction to the Bootstrap, ch. 13): Study.Bootstrap resamples
//     (default 2000) of the common seeds with replacement, the 2.5% and
//     97.5% quantiles of the resampled means. Pairing by seed removes the
//     variance the strategies share (same initial weights, same batches).
//     The resampling stream is seeded by Study.BootstrapSeed and the
//     (problem, strategy) names, so intervals are reproducible. The interval
//     is undefined when a paired value is infinite. With 3 seeds it is
//     coarse: report it, but use more seeds to conclude.
//
// With several problems, Results.Profile is the performance profile of
// Dolan & Moré (2002), "Benchmarking optimization software with
// performance profiles", Math. Programming 91:201–213, as used by DeepOBS
// (Schneider et al. 2019) and AlgoPerf (Dahl et al. 2023): with cost
// t(p,s) = the median steps to target (or, without a target, the median
// AULC) and ratio r(p,s) = t(p,s)/minₛ t(p,s), ρₛ(τ) is the fraction of
// problems with r(p,s) ≤ τ. ρₛ(1) is how often s was best; ρₛ(τ) for large
// τ how often it succeeded at all.
//
// # Analytic problems
//
// A Problem with Analytic set is an objective with a known minimum from
// package solvers/solvertest (Rosenbrock, Beale, Booth, Quadratic,
// NoisyQuadratic, LogisticRegression, or one of your own), minimised
// directly by the strategy's solver — no network, no data:
//
//	quad := compare.AnalyticProblem(solvertest.Quadratic(10, 100, 0))
//	quad.Analytic.Jitter = 0.1 // optional: a different start per seed
//	study := compare.Study{Problems: []compare.Problem{quad, compare.AnalyticProblem(solvertest.Booth())},
//		Strategies: strategies, Steps: 1000, Target: compare.Target{Loss: 1e-6}}
//
// A trial (strategy, seed) is one solvertest.Run of Study.Steps optimizer
// steps (the budget must be given in Steps: there are no epochs) in
// float64 (Analytic.Dtype), with:
//
//   - the seed as solvertest.Options.Seed: it draws the start jitter
//     (Analytic.Jitter·N(0, 1) added to each coordinate of the problem's
//     start; 0, the default, starts every seed at the same point, so a
//     deterministic problem gives the same run for every seed) and the
//     gradient noise of a stochastic problem (NoisyQuadratic). For a given
//     seed every strategy starts from the same point and sees the same
//     noise;
//   - the strategy's schedule applied before each step (with total = the
//     budget), as on a classification problem;
//   - no regularizer: a strategy with one is an error, since there are no
//     weights to penalise (a solver's weight_decay is allowed);
//   - the loss: Point.TestLoss is f(θₜ) − f*, computed in float64 from θ;
//     Point.TrainLoss the mean of the graph's loss minus f* over the steps
//     since the previous point (a sampled loss on a stochastic problem).
//     Accuracies are NaN: empty in results.csv, null in curves.jsonl,
//     missing (not 0) in StrategyStats, absent from the report's tables
//     and figures. Epoch is 0;
//   - the target: Target.Loss is a tolerance on f − f* (Target.Acc is an
//     error). solvertest checks it after every step, so StepsToTarget is
//     exact to the step, whatever EvalEvery is; StopAtTarget ends the run
//     there (solvertest.Options.StopAtTol);
//   - the curve: points at step 0, every EvalEvery steps (0: every step),
//     at the step the target is reached and at the last step. Seconds are
//     wall-clock times taken after each step (solvertest.Options.OnStep);
//   - divergence: solvertest's (f − f* NaN, ±Inf or beyond 1e12 times its
//     start value) is StatusDiverged, with the step and value in Error.
//
// Everything else — statistics, ranking, bootstrap intervals, the
// performance profile, results.csv, curves.jsonl, report.md, figures,
// resume, shards and Merge — works as for classification problems, and a
// study may mix both kinds. The trial key hashes the objective's name,
// dimension, f*, start, L, μ, jitter and dtype (a function cannot be
// hashed): give a problem of your own a distinct name.
//
// # Output files
//
// With Study.Dir set, Run writes:
//
//	study.json        the study's description (strategies, seeds, budget, target, trial keys)
//	trials/KEY.json   one file per finished trial, written atomically when it finishes
//	results.csv       one row per trial; see CSVColumns
//	curves.jsonl      one JSON record per evaluation point of every trial
//	report.md         the ranked tables, profile, failures and figures
//	*.png, *.svg      the figures, if a Plotter is set (package compare/plot)
//
// Every file is written through a temporary file and a rename. A trial's
// key is derived from its problem, strategy name and seed plus a hash of
// everything its result depends on, so rerunning a study into the same Dir
// skips the trials already there (interrupted studies lose only the trials
// that were running) while a changed spec or budget runs afresh. Failed
// trials are run again; diverged ones are results and are kept.
//
// # Sharding and merging
//
// Study.Shard = Shard{Index: i, Count: n} runs the trials whose index in
// the study's order (problems, then strategies, then seeds) is i modulo n —
// the same subset on every machine. Run each shard into its own directory
// (a Slurm array task, a Kubernetes Indexed Job pod), then Merge the
// directories into one; Merge checks that they hold the same study and
// writes the combined results, identical (apart from time columns) to an
// unsharded run.
//
// # Inside go test
//
// Without Dir and Plotter nothing is written and no plotting library is
// linked; a test asserts on Results:
//
//	res, err := compare.Run(t.Context(), study)
//	if rank := res.Ranking("blobs"); rank[len(rank)-1] != "tiny" { t.Errorf(...) }
//
// On analytic problems a study runs in milliseconds and its ranking can be
// backed by theory: TestAnalyticRanking (analytic_test.go) asserts that on
// Quadratic(10, κ=100) heavy ball with Polyak's tuning reaches
// f − f* ≤ 1e-6 at least 5 times sooner than gradient descent with
// 2/(L+μ), for every seed (68–69 steps against 441–448), and
// TestPerformanceProfile checks Results.Profile on four problems against
// values worked out by hand.
package compare
