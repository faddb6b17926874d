// Command regularization is the overfitting experiment: a wide multilayer
// perceptron (784-256-256-10, ReLU) trained on a small subset of MNIST
// (1,000 digits by default) until it fits the training set, five times
// from the same seed and initial weights, with the same batches:
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
//	go run ./examples/regularization -limit 2000 -epochs 60 -l2 3e-3
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
	"github.com/convergo/convergo/datasets/mnistsample"
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
	dropout       float64
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
		epochs  = fs.Int("epochs", 20, "epochs")
		batch   = fs.Int("batch", 50, "batch size")
		hidden  = fs.Int("hidden", 256, "units of each of the two hidden layers")
		limit   = fs.Int("limit", 1000, "train on the first N training digits")
		l1      = fs.Float64("l1", 1e-4, "λ of the L1 term")
		l2      = fs.Float64("l2", 1e-3, "λ of the L2 term")
		dropout = fs.Float64("dropout", 0.5, "dropout rate after each hidden layer")
		wd      = fs.Float64("wd", 0.5, "decoupled weight decay of adamw")
		seed    = fs.Uint64("seed", 1, "seed of the initial weights, the dropout masks and the batch order")
		dataDir = fs.String("data", "", "directory of the four MNIST-format files (default: the embedded sample)")
		only    = fs.String("only", "", "run only this method")
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
	train, test, err := load(*dataDir)
	if err != nil {
		return err
	}
	if *limit < train.Len() {
		if train, err = train.Head(*limit); err != nil {
			return err
		}
	}
	adam := fmt.Sprintf("adam(lr=%g)", *lr)
	methods := []method{
		{name: "none", setting: "-", solver: adam},
		{name: "l1", setting: fmt.Sprintf("λ=%g", *l1), solver: adam, penalty: graph.L1(*l1, nil)},
		{name: "l2", setting: fmt.Sprintf("λ=%g", *l2), solver: adam, penalty: graph.L2(*l2, nil)},
		{name: "dropout", setting: fmt.Sprintf("p=%g", *dropout), solver: adam, dropout: *dropout},
		{name: "adamw", setting: fmt.Sprintf("λ=%g", *wd), solver: fmt.Sprintf("adamw(lr=%g,weight_decay=%g)", *lr, *wd)},
	}
	var results []result
	for _, mt := range methods {
		if *only != "" && mt.name != *only {
			continue
		}
		r, err := fit(ctx, mt, train, test, *hidden, *batch, *epochs, *seed)
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
func fit(ctx context.Context, mt method, train, test *datasets.Set, hidden, batch, epochs int, seed uint64) (result, error) {
	var net layers.Sequential
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
	if _, err := tr.Fit(ctx, m, train, nil); err != nil {
		return result{}, err
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

func load(dir string) (train, test *datasets.Set, err error) {
	if dir == "" {
		return mnistsample.Load()
	}
	return datasets.LoadDir(dir)
}
