// Command compare runs a convergence comparison: several optimization
// strategies (solver | schedule | regularizer), several seeds, one model and
// dataset, and writes a report with statistics and plots.
//
// With no flags it runs the classic comparison on the 10,000 MNIST digits
// embedded in convergo (an MLP 784-128-10, batch 64, 10 epochs, 3 seeds):
// SGD with a constant learning rate, SGD with exponential decay, SGD with
// cosine annealing, momentum and Adam. It takes under a minute on 2 cores (37 s, built):
//
//	go run ./examples/compare
//
// and writes into ./convergo-out:
//
//	results.csv     one row per trial (strategy, seed, final and best figures, steps/seconds to target, diverged)
//	curves.jsonl    one record per evaluation point of every trial
//	report.md       the ranked table with medians, IQRs, bootstrap CIs, and the figures
//	*.png, *.svg    loss vs step (median + IQR band), accuracy vs seconds, learning rate vs step
//	trials/         one file per finished trial: rerunning into the same -out skips them
//
// Strategies use the text form of package compare,
// "[name:] solver [| schedule] [| regularizer]", where the identifier
// total stands for the budget in optimizer steps:
//
//	go run ./examples/compare -strategy 'sgd(lr=0.1) | cosine(max=0.1,T=total)' \
//	    -strategy 'adamw: adamw(lr=1e-3,weight_decay=0.05)' -seeds 5 -epochs 5 -target acc=0.95
//
// To spread a study over machines, run each shard into its own directory
// and merge (see the README for Slurm and Kubernetes job files):
//
//	go run ./examples/compare -shard 0/2 -out run-0
//	go run ./examples/compare -shard 1/2 -out run-1
//	go run ./examples/compare -merge run-0,run-1 -out merged
//
// With -problem analytic it runs the classic comparison (step sizes scaled
// for these objectives) on four analytic problems of solvers/solvertest —
// Rosenbrock, Beale, Booth and a quadratic with condition number 100 —
// for 2000 steps to f − f* ≤ 1e-6, in a few seconds, and the report adds
// the Dolan–Moré performance profile over the four:
//
//	go run ./examples/compare -problem analytic
//
// Results do not depend on -parallel: two runs with -parallel 1 and
// -parallel 2 write the same results.csv apart from the time columns
// (seconds_to_target, seconds, wall_seconds).
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/pkg/errors"

	"github.com/convergo/convergo/compare"
	"github.com/convergo/convergo/compare/plot"
	"github.com/convergo/convergo/compare/suite"
	"github.com/convergo/convergo/datasets"
	"github.com/convergo/convergo/examples/internal/cli"
	"github.com/convergo/convergo/graph"
	_ "github.com/convergo/convergo/internal/blas"
	"github.com/convergo/convergo/layers"
	"github.com/convergo/convergo/solvers/solvertest"
)

func main() {
	cli.Main("compare", func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
		return run(ctx, args, stdout, stderr, isTerminal(os.Stdout))
	})
}

// isTerminal reports whether f is a character device (a terminal), where
// the progress bar is drawn.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// tunedStrategies is the classic comparison with every learning rate a
// search space, the schedules' peaks tied to it (same): what the default
// study tunes. The ranges span 2.5 decades around the rates that work on
// MNIST MLPs, wide enough that the chosen rates are inside them.
func tunedStrategies(total int) []string {
	gamma := math.Pow(0.01, 1/float64(total))
	return []string{
		"sgd: sgd(lr=loguniform(0.01,3))",
		fmt.Sprintf("sgd+exp: sgd(lr=loguniform(0.01,3)) | exp(lr=same,gamma=%.6g)", gamma),
		"sgd+cosine: sgd(lr=loguniform(0.01,3)) | cosine(max=same,T=total)",
		"momentum: momentum(lr=loguniform(0.01,3),beta=0.9)",
		"adam: adam(lr=loguniform(1e-4,3e-2))",
	}
}

// defaultStrategies is the classic comparison for a budget of total steps.
// Exponential decay takes the rate from 0.1 to 0.001 over the budget.
func defaultStrategies(total int) []string {
	gamma := math.Pow(0.01, 1/float64(total))
	return []string{
		"sgd: sgd(lr=0.1)",
		fmt.Sprintf("sgd+exp: sgd(lr=0.1) | exp(lr=0.1,gamma=%.6g)", gamma),
		"sgd+cosine: sgd(lr=0.1) | cosine(max=0.1,T=total)",
		"momentum: momentum(lr=0.1,beta=0.9)",
		"adam: adam(lr=1e-3)",
	}
}

// analyticStrategies is the classic comparison on the analytic problems:
// the same solvers and schedules, with step sizes these objectives
// tolerate (Rosenbrock's curvature reaches ~2500 near its start).
// momentum(lr=0.02,beta=0.9) is heavy ball with step 0.002 (the EMA form
// scales the step by 1-β).
func analyticStrategies(total int) []string {
	gamma := math.Pow(0.01, 1/float64(total))
	return []string{
		"sgd: sgd(lr=0.002)",
		fmt.Sprintf("sgd+exp: sgd(lr=0.002) | exp(lr=0.002,gamma=%.6g)", gamma),
		"sgd+cosine: sgd(lr=0.002) | cosine(max=0.002,T=total)",
		"momentum: momentum(lr=0.02,beta=0.9)",
		"adam: adam(lr=0.05)",
	}
}

// analyticProblems are Rosenbrock, Beale, Booth and Quadratic(10, κ=100),
// each start jittered by 0.1·N(0, 1) per seed.
func analyticProblems() []compare.Problem {
	var out []compare.Problem
	for _, p := range []solvertest.Problem{solvertest.Rosenbrock(2), solvertest.Beale(), solvertest.Booth(), solvertest.Quadratic(10, 100, 0)} {
		cp := compare.AnalyticProblem(p)
		cp.Analytic.Jitter = 0.1
		out = append(out, cp)
	}
	out[3].Name = "quadratic-kappa100"
	return out
}

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, "; ") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

func run(ctx context.Context, args []string, stdout, stderr io.Writer, tty bool) error {
	fs := flag.NewFlagSet("compare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var strategies listFlag
	fs.Var(&strategies, "strategy", "a strategy `[name:] solver | schedule | regularizer` (repeatable; default: the classic five)")
	var (
		seedsFlag = fs.String("seeds", "1,2,3", "seeds: a comma-separated list, or one number n for 1..n")
		epochs    = fs.Int("epochs", 10, "budget in epochs")
		steps     = fs.Int("steps", 0, "budget in optimizer steps (overrides -epochs)")
		batch     = fs.Int("batch", 64, "batch size")
		model     = fs.String("model", "mlp", "mlp (784-128-10), mlp:H1,H2,… (those hidden sizes) or convnet (LeNet-style)")
		probFlag  = fs.String("problem", "mnist", "mnist (the -model on the -data), analytic (Rosenbrock, Beale, Booth, quadratic κ=100; -steps default 2000, -target default loss=1e-6), or named workloads NAME[,NAME…] of compare/suite: "+strings.Join(suite.Names(), ", ")+" (-steps default: the step hint, -target: a single workload's)")
		full      = fs.Bool("full", false, "named workloads at their full (reference) size instead of the small default")
		dataDir   = fs.String("data", "", "directory of the four MNIST-format files (default: the embedded sample)")
		target    = fs.String("target", "", "target: acc=0.95, loss=0.2, or both comma-separated (default none)")
		stopAt    = fs.Bool("stop-at-target", false, "end each trial when it reaches the target")
		evalEvery = fs.Int("eval-every", 50, "evaluate every N steps as well as at epoch ends (0: epoch ends only)")
		parallel  = fs.Int("parallel", runtime.NumCPU(), "trials run at once")
		shardFlag = fs.String("shard", "", "run shard i/n of the trials (0 ≤ i < n)")
		out       = fs.String("out", "convergo-out", "output directory")
		merge     = fs.String("merge", "", "merge these comma-separated shard directories into -out, run nothing")
		noPlots   = fs.Bool("no-plots", false, "do not draw figures")
		fresh     = fs.Bool("fresh", false, "rerun every trial, ignoring (and overwriting) the finished ones in -out")
		partial   = fs.Bool("allow-partial", false, "with -merge: exit 0 even if trials are missing")
		tune      = fs.Int("tune", 8, "tune: give every strategy with search spaces (loguniform(a,b), uniform(a,b), choice(…)) this many configurations, scored on a validation split of the training set; 0: the classic five at fixed rates. -problem analytic defaults to 0")
		sampler   = fs.String("sampler", "halton", "tuning sampler: halton (scrambled, quasi-random), random, or grid")
		tuneSeeds = fs.String("tune-seeds", "1", "seeds each tuning configuration is trained on (a list, or a count n for 1..n)")
		valFrac   = fs.Float64("validation", 0.1, "fraction of the training set held out to score tuning configurations")
		tuneDirs  = fs.String("tune-dirs", "", "with -shard and tuning: the comma-separated -out directories of all the shards (shared storage), where each shard finds the others' tuning trials")
		halving   = fs.Bool("halving", false, "tune by successive halving (η = 3): the -tune configurations start at a fraction of the budget and only the best third go on")
		lrfind    = fs.Bool("lrfind", false, "run the learning-rate range test (1e-7 → 10 over 100 steps) for each strategy's solver instead of the study: writes lrfind.csv and lrfind.png to -out and prints the suggested rates")
		tbDir     = fs.String("tensorboard", "", "also write TensorBoard event files, one run per trial, under this directory")
		apDir     = fs.String("algoperf", "", "also write MLCommons AlgoPerf eval_measurements.csv files under this directory (keep it for them alone)")
	)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return errors.Errorf("unexpected arguments %q", fs.Args())
	}
	var plotter compare.Plotter = plot.New()
	if *noPlots {
		plotter = nil
	}
	start := time.Now()
	if *merge != "" {
		dirs := strings.Split(*merge, ",")
		for i, d := range dirs {
			if strings.TrimSpace(d) == "" {
				return errors.Errorf("-merge %q: entry %d of %d is empty", *merge, i+1, len(dirs))
			}
		}
		res, err := compare.Merge(*out, plotter, dirs...)
		if errors.Is(err, compare.ErrIncomplete) {
			if serr := summary(stdout, res, *out, start); serr != nil {
				return serr
			}
			fmt.Fprintf(stdout, "incomplete: %v\n", err)
			if xerr := export(stdout, res, *tbDir, *apDir); xerr != nil {
				return xerr
			}
			if *partial {
				return nil
			}
			return errors.Wrap(err, "-merge (use -allow-partial to accept a partial study)")
		}
		if err != nil {
			return err
		}
		if err := summary(stdout, res, *out, start); err != nil {
			return err
		}
		return export(stdout, res, *tbDir, *apDir)
	}

	seeds, err := parseSeeds(*seedsFlag)
	if err != nil {
		return err
	}
	tgt, err := compare.ParseTarget(*target)
	if err != nil {
		return err
	}
	shard, err := compare.ParseShard(*shardFlag)
	if err != nil {
		return err
	}
	for _, c := range []struct {
		flag      string
		v, lo, hi int
	}{
		{"-epochs", *epochs, 1, graph.MaxSteps},
		{"-steps", *steps, 0, graph.MaxSteps},
		{"-batch", *batch, 1, 1 << 20},
		{"-parallel", *parallel, 1, 1024},
		{"-eval-every", *evalEvery, 0, graph.MaxSteps},
	} {
		if c.v < c.lo || c.v > c.hi {
			return errors.Errorf("%s %d: want %d to %d", c.flag, c.v, c.lo, c.hi)
		}
	}
	var probs []compare.Problem
	var what string
	switch {
	case isSuite(*probFlag):
		probs, what, err = suiteStudy(fs, *probFlag, *dataDir, *full, *batch, steps, tune, &tgt, &strategies)
		if err != nil {
			return err
		}
	case *probFlag == "mnist":
		train, test, err := cli.Load(*dataDir)
		if err != nil {
			return err
		}
		if *batch > train.Len() {
			return errors.Errorf("-batch %d is larger than the training set (%d samples of %s)", *batch, train.Len(), train.Name)
		}
		if per := train.Len() / *batch; *steps == 0 && *epochs > graph.MaxSteps/per {
			return errors.Errorf("-epochs %d: %d epochs of %d steps exceed the maximum budget of %d steps", *epochs, *epochs, per, graph.MaxSteps)
		}
		prob, err := problem(*model, train, test, *batch)
		if err != nil {
			return err
		}
		probs = []compare.Problem{prob}
		what = fmt.Sprintf("%s (%d train, %d validation digits)", prob.Name, train.Len(), test.Len())
		if len(strategies) == 0 {
			total := *epochs * (train.Len() / *batch)
			if *steps > 0 {
				total = *steps
			}
			if *tune > 0 {
				strategies = tunedStrategies(total)
			} else {
				strategies = defaultStrategies(total)
			}
		}
	case *probFlag == "analytic":
		// Flags that describe the MNIST problem mean nothing here; refuse
		// them rather than ignore them.
		var misplaced []string
		fs.Visit(func(f *flag.Flag) {
			switch f.Name {
			case "model", "data", "batch", "epochs":
				misplaced = append(misplaced, "-"+f.Name)
			}
		})
		if len(misplaced) > 0 {
			return errors.Errorf("-problem analytic takes no %s (its budget is -steps)", strings.Join(misplaced, ", "))
		}
		probs = analyticProblems()
		what = fmt.Sprintf("%d analytic problems (start jitter 0.1 per seed)", len(probs))
		if *steps == 0 {
			*steps = 2000
		}
		explicit := false
		fs.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "tune" })
		if !explicit {
			*tune = 0
		}
		if *target == "" {
			tgt = compare.Target{Loss: 1e-6}
		}
		if len(strategies) == 0 {
			strategies = analyticStrategies(*steps)
		}
	default:
		return errors.Errorf("-problem %q: want mnist, analytic or workloads among %s", *probFlag, strings.Join(suite.Names(), ", "))
	}
	strats, err := compare.ParseStrategies(strategies...)
	if err != nil {
		return err
	}
	if *lrfind {
		return runLRFind(ctx, stdout, probs, strats, *out, *noPlots)
	}
	var tuning *compare.Tuning
	if *tune < 0 || *tune > 100000 {
		return errors.Errorf("-tune %d: want 0 to 100000", *tune)
	}
	tunable := 0
	for _, s := range strats {
		if s.IsTunable() {
			tunable++
		}
	}
	if *tune > 0 && tunable > 0 {
		ts, err := parseSeeds(*tuneSeeds)
		if err != nil {
			return errors.WithMessage(err, "-tune-seeds")
		}
		if !(*valFrac > 0 && *valFrac < 1) {
			return errors.Errorf("-validation %v: want a fraction in (0, 1)", *valFrac)
		}
		tuning = &compare.Tuning{Trials: *tune, Sampler: *sampler, Seeds: ts, Validation: *valFrac, Halving: *halving}
	}
	st := compare.Study{
		Problems: probs, Strategies: strats, Seeds: seeds,
		Epochs: *epochs, Steps: *steps, Target: tgt, StopAtTarget: *stopAt, EvalEvery: *evalEvery,
		Parallel: *parallel, Dir: *out, Shard: shard, Plotter: plotter, Fresh: *fresh, Tune: tuning,
		TuneDirs: splitList(*tuneDirs),
		OnPlan:   func(p compare.Plan) { announce(stdout, p) },
	}
	var pb *bar
	if tty {
		pb = newBar(stdout)
		st.Progress = pb.update
	} else {
		st.Progress = (&lines{w: stdout}).update
	}
	fmt.Fprintf(stdout, "%d strategies × %d seeds on %s, %d workers, writing to %s\n",
		len(strats), len(seeds), what, *parallel, *out)
	if tuning != nil {
		fmt.Fprintf(stdout, "tuning first: %d %s configurations for each of the %d strategies with search spaces, on seeds %v, scored on %s of the training set\n",
			tuning.Trials, tuning.Sampler, tunable, tuning.Seeds, strconv.FormatFloat(100*tuning.Validation, 'g', 3, 64)+"%")
	}
	res, err := compare.Run(ctx, st)
	if pb != nil {
		pb.done()
	}
	if err != nil {
		if errors.Is(err, compare.ErrTuningIncomplete) {
			fmt.Fprintf(stdout, "tuning phase incomplete: %v\n", err)
			return errors.Wrap(err, "-shard (rerun this shard once the other shards' tuning trials are finished)")
		}
		if res != nil && errors.Is(err, context.Canceled) {
			fmt.Fprintf(stdout, "interrupted: %d trials finished and saved; rerun the same command to continue\n", len(res.Trials))
		}
		return err
	}
	if err := summary(stdout, res, *out, start); err != nil {
		return err
	}
	return export(stdout, res, *tbDir, *apDir)
}

// runLRFind runs the range test of each distinct solver of the strategies
// (a search space at its midpoint: the test overrides the rate anyway) on
// the first problem, writes lrfind.csv and the figure, and prints the
// suggestions with a search space around each.
func runLRFind(ctx context.Context, w io.Writer, probs []compare.Problem, strats []compare.Strategy, out string, noPlots bool) error {
	if probs[0].IsAnalytic() {
		return errors.New("-lrfind: the range test is for networks (-problem mnist)")
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	var results []*compare.LRFindResult
	seen := map[string]bool{}
	var csv bytes.Buffer
	fmt.Fprintf(w, "learning-rate range test on %s: 100 steps from 1e-7 to 10, stopping when the smoothed loss passes 4× its minimum\n", probs[0].Name)
	for _, s := range strats {
		if s.Solver == "" || seen[s.Solver] {
			continue
		}
		seen[s.Solver] = true
		text := s.Solver
		if s.IsTunable() {
			sp, _ := s.Spaces()
			u := make([]float64, len(sp))
			for i := range u {
				u[i] = 0.5
			}
			m, err := s.Sample(u)
			if err != nil {
				return err
			}
			text = m.Solver
		}
		r, err := compare.LRFind(ctx, probs[0], text, nil)
		if err != nil {
			return errors.WithMessagef(err, "-lrfind %s", text)
		}
		r.Solver = s.Solver // the ramp sets the rate: show the spec as written
		results = append(results, r)
		if len(results) == 1 {
			r.WriteCSV(&csv)
		} else {
			var b bytes.Buffer
			r.WriteCSV(&b)
			_, rest, _ := strings.Cut(b.String(), "\n")
			csv.WriteString(rest)
		}
		stop := "ran all 100 steps"
		if r.Diverged {
			stop = "diverged at lr " + strconv.FormatFloat(r.LRs[len(r.LRs)-1], 'g', 3, 64)
		}
		fmt.Fprintf(w, "  %-40s valley %.3g  steepest %.3g  min/10 %.3g  (%s)  → search space loguniform(%.2g,%.2g)\n",
			s.Solver, r.Valley, r.Steepest, r.MinOver10, stop, r.Valley/10, r.Valley*10)
	}
	if err := compare.WriteFileAtomic(filepath.Join(out, "lrfind.csv"), csv.Bytes()); err != nil {
		return err
	}
	if !noPlots {
		if _, err := plot.New().LRFind(out, results); err != nil {
			return err
		}
		fmt.Fprintf(w, "wrote %s and %s\n", filepath.Join(out, "lrfind.csv"), filepath.Join(out, "lrfind.png"))
	}
	return nil
}

// announce says what a run found in its output directory and will do, so
// that a rerun that has nothing to do says so instead of silently
// printing old results.
func announce(w io.Writer, p compare.Plan) {
	for _, f := range p.RemovedTemps {
		fmt.Fprintf(w, "removed %s, left by a killed run\n", f)
	}
	for _, r := range p.Recomputed {
		fmt.Fprintln(w, r)
	}
	switch {
	case p.Fresh:
		fmt.Fprintf(w, "-fresh: running all %d trials\n", p.Trials)
	case p.ToRun == 0:
		fmt.Fprintf(w, "all %d trials are already in %s; nothing to run (use -fresh to rerun)\n", p.Trials, p.Dir)
	case p.Found > 0:
		fmt.Fprintf(w, "found %d finished trials in %s, running %d\n", p.Found, filepath.Join(p.Dir, "trials"), p.ToRun)
	}
}

func summary(w io.Writer, res *compare.Results, out string, start time.Time) error {
	fmt.Fprintln(w)
	if err := res.WriteTable(w); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\nwrote %s/{results.csv,curves.jsonl,report.md} and figures; wall time %.1fs\n", out, time.Since(start).Seconds())
	return err
}

// splitList splits a comma-separated flag value, dropping empty entries.
func splitList(s string) []string {
	var out []string
	for _, e := range strings.Split(s, ",") {
		if e = strings.TrimSpace(e); e != "" {
			out = append(out, e)
		}
	}
	return out
}

// maxSeeds bounds -seeds: a study's trials are listed up front.
const maxSeeds = 10000

func parseSeeds(s string) ([]uint64, error) {
	parts := strings.Split(s, ",")
	if len(parts) > maxSeeds {
		return nil, errors.Errorf("-seeds: %d seeds, more than %d", len(parts), maxSeeds)
	}
	if len(parts) == 1 {
		n, err := strconv.Atoi(strings.TrimSpace(parts[0]))
		if err != nil || n < 1 || n > maxSeeds {
			return nil, errors.Errorf("-seeds %q: want a list like 1,2,3 or a count n from 1 to %d", s, maxSeeds)
		}
		seeds := make([]uint64, n)
		for i := range seeds {
			seeds[i] = uint64(i + 1)
		}
		return seeds, nil
	}
	var seeds []uint64
	for _, p := range parts {
		v, err := strconv.ParseUint(strings.TrimSpace(p), 10, 64)
		if err != nil {
			return nil, errors.Errorf("-seeds %q: %q is not a seed", s, p)
		}
		seeds = append(seeds, v)
	}
	return seeds, nil
}

func problem(model string, train, test *datasets.Set, batch int) (compare.Problem, error) {
	if strings.HasPrefix(model, "mlp:") {
		return mlpFrom(model, train, test, batch)
	}
	p := compare.Problem{
		Train: train, Eval: test,
		Config: graph.Config{Classes: train.Classes, Batch: batch},
	}
	switch model {
	case "mlp":
		p.Name = "mlp"
		p.Config.Input = []int{train.Features()}
		classes := train.Classes
		p.Net = func() layers.Layer {
			return layers.Stack(layers.Dense(128), layers.ReLU(), layers.Dense(classes))
		}
	case "convnet":
		if len(train.Shape) != 2 {
			return p, errors.Errorf("-model convnet needs images (rows, cols); the data have shape %v", train.Shape)
		}
		p.Name = "convnet"
		p.Config.Input = []int{1, train.Shape[0], train.Shape[1]}
		classes := train.Classes
		p.Net = func() layers.Layer { // LeNet-style: two conv+pool blocks, a dense layer
			return layers.Stack(
				layers.Conv2D(8, 5), layers.ReLU(), layers.MaxPool2D(2),
				layers.Conv2D(16, 5), layers.ReLU(), layers.MaxPool2D(2),
				layers.Flatten(), layers.Dense(64), layers.ReLU(), layers.Dense(classes),
			)
		}
	default:
		return p, errors.Errorf("-model %q: want mlp or convnet", model)
	}
	p.Name += "/" + strings.TrimSuffix(train.Name, "/train")
	return p, nil
}
