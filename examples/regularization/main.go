// Command regularization is the overfitting experiment: a wide multilayer
// perceptron (784-256-256-10, ReLU) trained with Adam on a small subset of
// MNIST (500 digits by default) for 100 epochs, long after it fits the
// training set, five times from the same seed and initial weights, with
// the same batches:
//
//	none      Adam, no regularization
//	l1        Adam + the L1 term λ·Σ|W|      (graph.L1, weights only)
//	l2        Adam + the L2 term ½·λ·Σ W²    (graph.L2, weights only)
//	dropout   Adam + dropout after each hidden layer
//	adamw     decoupled weight decay: adamw(weight_decay=λ) (all parameters)
//
// It prints a table — final training loss and accuracy (evaluation graph,
// no dropout, no penalty), held-out loss and accuracy, and the train−test
// accuracy gap — and then one line per method:
//
//	reg: method=none train_acc=… test_acc=… gap=…
//
//	go run ./examples/regularization
//	go run ./examples/regularization -curve            # held-out loss every epoch
//	go run ./examples/regularization -val 200 -l2 1e-2  # tune on a validation split
//
// The default λ and p were chosen on validation splits carved out of the
// training subset (-val 200, -valseed 1 and 2), never on the test set;
// README.md has the sweep.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"text/tabwriter"

	"github.com/convergo/convergo/datasets"
	"github.com/convergo/convergo/examples/internal/cli"
	"github.com/convergo/convergo/graph"
	_ "github.com/convergo/convergo/internal/blas"
	"github.com/convergo/convergo/layers"
	"github.com/convergo/convergo/solvers"
	"github.com/pkg/errors"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "regularization:", err)
		os.Exit(1)
	}
}

// method is one arm of the experiment.
type method struct {
	name, setting string
	solver        string
	penalty       graph.Penalty
	dropout       float64 // after each hidden layer
	inputDropout  float64 // on the input
}

// result is what one arm measured.
type result struct {
	method
	trainLoss, trainAcc, testLoss, testAcc float64
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("regularization", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		lr      = fs.Float64("lr", 1e-3, "Adam learning rate, every method")
		epochs  = fs.Int("epochs", 100, "epochs")
		batch   = fs.Int("batch", 50, "batch size")
		hidden  = fs.Int("hidden", 256, "units of each of the two hidden layers")
		limit   = fs.Int("limit", 500, "train on the first N training digits")
		l1      = fs.Float64("l1", 1e-3, "λ of the L1 term (chosen on a validation split, see README)")
		l2      = fs.Float64("l2", 3e-3, "λ of the L2 term (chosen on a validation split, see README)")
		dropout = fs.Float64("dropout", 0.8, "dropout rate after each hidden layer (chosen on a validation split, see README)")
		wd      = fs.Float64("wd", 3, "decoupled weight decay of adamw; each step multiplies θ by 1−lr·wd (chosen on a validation split, see README)")
		seed    = fs.Uint64("seed", 1, "seed of the initial weights, the dropout masks and the batch order")
		dataDir = fs.String("data", "", "directory of the four MNIST-format files (default: the embedded sample)")
		only    = fs.String("only", "", "run only this method")
		val     = fs.Int("val", 0, "tuning mode: carve N digits out of the training subset, train on the rest and report the N in place of the test set")
		valSeed = fs.Uint64("valseed", 1, "seed of the -val split")
		indrop  = fs.Float64("input-dropout", 0, "dropout rate on the input pixels, dropout arm only")
		curve   = fs.Bool("curve", false, "also print each method's held-out loss after every epoch (slower)")
		tune    = fs.Int("tune", 8, "tune each regularizer's strength by compare's equal-budget protocol with this many configurations, then run seeds 1…-seeds; 0: the fixed settings of -l1, -l2, -dropout, -wd on one -seed")
		seeds   = fs.Int("seeds", 5, "with -tune: the seeds of the tuned runs")
		valFrac = fs.Float64("validation", 0.4, "with -tune: the fraction of the training subset held out to score configurations")
		out     = fs.String("out", "convergo-regularization", "with -tune: the output directory (report, tuning.csv, figures)")
	)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return errors.Errorf("unexpected arguments %q", fs.Args())
	}
	if *epochs < 1 || *batch < 1 || *hidden < 1 || *limit < 1 {
		return errors.New("-epochs, -batch, -hidden and -limit must be ≥ 1")
	}
	if !(*dropout >= 0 && *dropout < 1) {
		return errors.Errorf("-dropout %v: want 0 ≤ p < 1", *dropout)
	}
	train, test, err := cli.Load(*dataDir)
	if err != nil {
		return err
	}
	if *limit < train.Len() {
		if train, err = train.Head(*limit); err != nil {
			return err
		}
	}
	if *val > 0 {
		if train, test, err = train.Split(*val, *valSeed); err != nil {
			return err
		}
	}
	if !(*indrop >= 0 && *indrop < 1) {
		return errors.Errorf("-input-dropout %v: want 0 ≤ p < 1", *indrop)
	}
	if *tune < 0 || *tune > 1000 {
		return errors.Errorf("-tune %d: want 0 to 1000", *tune)
	}
	if *tune > 0 {
		if *val > 0 || *only != "" || *curve {
			return errors.New("-val, -only and -curve belong to the fixed mode: add -tune 0")
		}
		if *seeds < 1 || *seeds > 100 {
			return errors.Errorf("-seeds %d: want 1 to 100", *seeds)
		}
		if !(*valFrac > 0 && *valFrac < 1) {
			return errors.Errorf("-validation %v: want a fraction in (0, 1)", *valFrac)
		}
		return runTuned(ctx, stdout, train, test, tunedOptions{solver: fmt.Sprintf("adam(lr=%g)", *lr), epochs: *epochs, batch: *batch,
			hidden: *hidden, trials: *tune, seeds: *seeds, validation: *valFrac, out: *out})
	}
	adam := fmt.Sprintf("adam(lr=%g)", *lr)
	methods := []method{
		{name: "none", setting: "-", solver: adam},
		{name: "l1", setting: fmt.Sprintf("λ=%g", *l1), solver: adam, penalty: graph.L1(*l1, nil)},
		{name: "l2", setting: fmt.Sprintf("λ=%g", *l2), solver: adam, penalty: graph.L2(*l2, nil)},
		{name: "dropout", setting: fmt.Sprintf("p=%g", *dropout), solver: adam, dropout: *dropout, inputDropout: *indrop},
		{name: "adamw", setting: fmt.Sprintf("λ=%g", *wd), solver: fmt.Sprintf("adamw(lr=%g,weight_decay=%g)", *lr, *wd)},
	}
	var results []result
	for _, mt := range methods {
		if *only != "" && mt.name != *only {
			continue
		}
		r, err := fit(ctx, mt, train, test, *hidden, *batch, *epochs, *seed, *curve, stdout)
		if err != nil {
			return errors.Wrapf(err, "method %s", mt.name)
		}
		results = append(results, r)
	}
	if len(results) == 0 {
		return errors.Errorf("-only %q: no such method", *only)
	}
	fmt.Fprintf(stdout, "wide MLP 784-%d-%d-10 on %d training digits, %d held out; %d epochs of batch %d; seed %d\n\n",
		*hidden, *hidden, train.Len(), test.Len(), *epochs, *batch, *seed)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "method\tsetting\ttrain_loss\ttest_loss\ttrain_acc\ttest_acc\tgap\t")
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t%s\t%.4f\t%.4f\t%.4f\t%.4f\t%.4f\t\n", r.name, r.setting, r.trainLoss, r.testLoss, r.trainAcc, r.testAcc, r.trainAcc-r.testAcc)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(stdout)
	for _, r := range results {
		if _, err := fmt.Fprintf(stdout, "reg: method=%s train_acc=%.4f test_acc=%.4f gap=%.4f\n", r.name, r.trainAcc, r.testAcc, r.trainAcc-r.testAcc); err != nil {
			return err
		}
	}
	return nil
}

// fit trains one arm from the seed and measures it. The network's weights
// are a function of the seed and the layer names only, and dropout adds no
// parameter, so every arm starts from the same weights.
func fit(ctx context.Context, mt method, train, test *datasets.Set, hidden, batch, epochs int, seed uint64, curve bool, stdout io.Writer) (result, error) {
	var net layers.Sequential
	if mt.inputDropout > 0 {
		net = append(net, layers.Dropout(mt.inputDropout))
	}
	for range 2 {
		net = append(net, layers.Dense(hidden), layers.ReLU())
		if mt.dropout > 0 {
			net = append(net, layers.Dropout(mt.dropout))
		}
	}
	net = append(net, layers.Dense(train.Classes))
	m, err := graph.NewModel(net, graph.Config{
		Input: []int{train.Features()}, Classes: train.Classes, Batch: batch, Seed: seed, Penalty: mt.penalty,
	})
	if err != nil {
		return result{}, err
	}
	defer m.Close()
	s, err := solvers.Parse(mt.solver)
	if err != nil {
		return result{}, err
	}
	tr := graph.Trainer{Solver: s, Epochs: epochs, Seed: seed}
	var ev *datasets.Set // evaluating every epoch does not change the training
	if curve {
		ev = test
	}
	h, err := tr.Fit(ctx, m, train, ev)
	if err != nil {
		return result{}, err
	}
	if curve {
		fmt.Fprintf(stdout, "curve %s: held-out loss after epochs 1…%d:", mt.name, len(h.Epochs))
		for _, e := range h.Epochs {
			fmt.Fprintf(stdout, " %.3f", e.TestLoss)
		}
		fmt.Fprintln(stdout)
	}
	r := result{method: mt}
	if r.trainLoss, r.trainAcc, err = m.Evaluate(train); err != nil {
		return r, err
	}
	if r.testLoss, r.testAcc, err = m.Evaluate(test); err != nil {
		return r, err
	}
	return r, nil
}
