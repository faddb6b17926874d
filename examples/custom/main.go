// Command custom compares a solver and a schedule of your own with
// convergo's built-in ones, through the same harness (compare.Run) as the
// main job: the same seeds, initial weights and batches for every
// strategy, statistics over seeds, the report and the figures.
//
// The solver (myopt.Signum, sign-SGD with momentum) and the schedule
// (myopt.WarmupRsqrt, the Transformer's warm-up and inverse square root)
// live in package myopt, written as a user writes them in their own
// package, against convergo's public API only. This program shows both
// ways to hand them to compare:
//
//   - as Go values: a compare.Strategy with NewSolver, NewSchedule and a
//     Key (a version string hashed into the trial fingerprint, so that
//     resumed studies never reuse the trials of an older version);
//   - by name: solvers.Register and lrsched.Register make "signum(…)" and
//     "warmup_rsqrt(…)" part of the spec grammar, with the built-ins' key
//     checking, so they work in a strategy's text — and in the -strategy
//     flag here — like any built-in name.
//
// With no flags it runs five strategies over 3 seeds for 5 epochs on the
// embedded MNIST sample (MLP 784-128-10) and writes the report to
// ./convergo-custom:
//
//	go run ./examples/custom
//	go run ./examples/custom -strategy 'signum95: signum(beta=0.95) | warmup_rsqrt(peak=3e-3,warmup=100)'
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/pkg/errors"
	"gorgonia.org/gorgonia"

	"github.com/convergo/convergo/compare"
	"github.com/convergo/convergo/compare/plot"
	"github.com/convergo/convergo/examples/custom/myopt"
	"github.com/convergo/convergo/examples/internal/cli"
	"github.com/convergo/convergo/graph"
	_ "github.com/convergo/convergo/internal/blas"
	"github.com/convergo/convergo/layers"
	"github.com/convergo/convergo/lrsched"
	"github.com/convergo/convergo/solvers"
)

func main() {
	cli.Main("custom", run)
}

// registerOnce registers once per process (a name can be registered only
// once; run is called several times by the tests).
var registerOnce = sync.OnceValue(register)

// register makes the solver and the schedule of package myopt known by
// name to every spec parser: solvers.Parse, lrsched.Parse and through
// them compare.ParseStrategy.
func register() error {
	if err := solvers.Register("signum", func(a *solvers.Args) (solvers.Solver, error) {
		lr, beta := a.Float("lr", 1e-3), a.Float("beta", 0.9)
		if !(lr >= 0) {
			a.Errorf("lr", "must be ≥ 0")
		}
		if !(beta >= 0 && beta < 1) {
			a.Errorf("beta", "must be in [0, 1)")
		}
		return myopt.NewSignum(lr, beta), nil
	}); err != nil {
		return err
	}
	return lrsched.Register("warmup_rsqrt", func(a *lrsched.Args) (lrsched.Scheduler, error) {
		return myopt.NewWarmupRsqrt(a.RequiredFloat("peak"), a.RequiredInt("warmup"))
	})
}

// strategies are the custom solver with its constant rate and with the
// custom schedule, given as Go values, the custom schedule around a
// built-in solver, by name, and two built-in strategies.
func strategies() ([]compare.Strategy, error) {
	signum := func() (gorgonia.Solver, error) { return myopt.NewSignum(1e-3, 0.9), nil }
	rsqrt := func(total int) (lrsched.Scheduler, error) { return myopt.NewWarmupRsqrt(2e-3, 100) }
	parsed, err := compare.ParseStrategies(
		"adam+rsqrt: adam | warmup_rsqrt(peak=2e-3,warmup=100)",
		"adam: adam(lr=1e-3)",
		"sgd: sgd(lr=0.1)",
	)
	if err != nil {
		return nil, err
	}
	return append([]compare.Strategy{
		{Name: "signum", NewSolver: signum, Key: "signum-v1"},
		{Name: "signum+rsqrt", NewSolver: signum, NewSchedule: rsqrt, Key: "signum-v1"},
	}, parsed...), nil
}

type listFlag []string

func (l *listFlag) String() string     { return fmt.Sprint(*l) }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("custom", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var extra listFlag
	fs.Var(&extra, "strategy", "a further strategy `[name:] solver | schedule | regularizer`; signum(lr,beta) and warmup_rsqrt(peak,warmup) are known by name (repeatable)")
	var (
		epochs   = fs.Int("epochs", 5, "budget in epochs")
		seeds    = fs.Int("seeds", 3, "seeds 1..n")
		parallel = fs.Int("parallel", 2, "trials run at once")
		out      = fs.String("out", "convergo-custom", "output directory")
		noPlots  = fs.Bool("no-plots", false, "do not draw figures")
	)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return errors.Errorf("unexpected arguments %q", fs.Args())
	}
	if *epochs < 1 || *epochs > 1000 {
		return errors.Errorf("-epochs %d: want 1 to 1000", *epochs)
	}
	if *seeds < 1 || *seeds > 100 {
		return errors.Errorf("-seeds %d: want 1 to 100", *seeds)
	}
	if *parallel < 1 {
		return errors.Errorf("-parallel %d: want ≥ 1", *parallel)
	}
	if err := registerOnce(); err != nil {
		return err
	}
	strats, err := strategies()
	if err != nil {
		return err
	}
	more, err := compare.ParseStrategies(extra...)
	if err != nil {
		return err
	}
	strats = append(strats, more...)

	train, test, err := cli.Load("")
	if err != nil {
		return err
	}
	st := compare.Study{
		Problems: []compare.Problem{{
			Name:   "mlp/mnist-sample",
			Net:    func() layers.Layer { return layers.Stack(layers.Dense(128), layers.ReLU(), layers.Dense(10)) },
			Config: graph.Config{Input: []int{784}, Classes: 10, Batch: 64},
			Train:  train, Eval: test,
		}},
		Strategies: strats, Epochs: *epochs, EvalEvery: 25, Parallel: *parallel, Dir: *out,
	}
	for i := range *seeds {
		st.Seeds = append(st.Seeds, uint64(i+1))
	}
	if !*noPlots {
		st.Plotter = plot.New()
	}
	fmt.Fprintf(stdout, "%d strategies × %d seeds, %d epochs on the embedded MNIST sample, writing to %s\n", len(strats), *seeds, *epochs, *out)
	start := time.Now()
	res, err := compare.Run(ctx, st)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout)
	if err := res.WriteTable(stdout); err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "\nwrote %s/{results.csv,curves.jsonl,report.md} and figures; wall time %.1fs\n", *out, time.Since(start).Seconds())
	return err
}
