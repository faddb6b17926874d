// Command mnist trains a multilayer perceptron (784-hidden-10, ReLU) on
// MNIST digits with any convergo solver and schedule, and prints one line
// per epoch.
//
// By default it uses the 10,000 real digits embedded in convergo (8,000 to
// train on, 2,000 held out), so it runs from a fresh clone with nothing to
// download:
//
//	go run ./examples/mnist
//	go run ./examples/mnist -solver 'adam(lr=1e-3)' -epochs 10
//	go run ./examples/mnist -solver 'sgd(lr=0.1)' -schedule 'cosine(max=0.1,T=625)'
//	go run ./examples/mnist -data /usr/share/datasets/fashion-mnist
//
// Output, one line per epoch and a last summary line:
//
//	epoch=1 train_loss=0.5123 test_loss=0.3012 test_acc=0.9105 lr=0.05 seconds=0.81 samples_per_s=9840
//	final: test_acc=… test_loss=… train_loss=… seconds=…
//
// Two runs with the same -seed print the same numbers apart from seconds
// and samples_per_s. Build with -tags openblas (and CGO_LDFLAGS=-lopenblas)
// to use OpenBLAS.
package main

import (
	"context"
	"flag"
	"io"
	"runtime"

	"github.com/convergo/convergo/examples/internal/cli"
	"github.com/convergo/convergo/graph"
	_ "github.com/convergo/convergo/internal/blas"
	"github.com/convergo/convergo/layers"
	"github.com/pkg/errors"
)

func main() { cli.Main("mnist", run) }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("mnist", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		solverSpec = fs.String("solver", "sgd(lr=0.05,momentum=0.9)", "solver spec, e.g. adam(lr=1e-3)")
		schedSpec  = fs.String("schedule", "", "learning-rate schedule spec; total stands for the budget in steps, e.g. cosine(max=0.1,T=total) (default: constant at the solver's lr)")
		epochs     = fs.Int("epochs", 5, "epochs")
		batch      = fs.Int("batch", 64, "batch size")
		hidden     = fs.Int("hidden", 128, "hidden units")
		seed       = fs.Uint64("seed", 1, "seed of the initial weights and the batch order")
		dtype      = fs.String("dtype", "float32", "float32 or float64")
		dataDir    = fs.String("data", "", "directory of the four MNIST-format files (default: the embedded sample)")
		limit      = fs.Int("limit", 0, "train on the first N training samples only (0: all)")
		threads    = fs.Int("threads", runtime.GOMAXPROCS(0), "goroutines of the model's matrix products and parallel passes (graph.Config.Threads)")
		plain      = fs.Bool("plain", false, "afterwards, time the same model in a hand-written Gorgonia loop (the Trainer's overhead yardstick)")
	)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return errors.Errorf("unexpected arguments %q", fs.Args())
	}
	dt, err := cli.Dtype(*dtype)
	if err != nil {
		return err
	}
	if *hidden < 1 || *epochs < 1 || *batch < 1 {
		return errors.New("-hidden, -epochs and -batch must be ≥ 1")
	}
	train, test, err := cli.LoadHead(*dataDir, *limit)
	if err != nil {
		return err
	}
	// total, in a -schedule spec, is the run's budget in optimizer steps
	// (the Trainer drops the last partial batch of each epoch).
	solver, sched, err := cli.Optimizer(*solverSpec, *schedSpec, *epochs*(train.Len() / *batch))
	if err != nil {
		return err
	}
	net := layers.Stack(layers.Dense(*hidden), layers.ReLU(), layers.Dense(train.Classes))
	m, err := graph.NewModel(net, graph.Config{
		Input: []int{train.Features()}, Classes: train.Classes, Batch: *batch, Dtype: dt, Seed: *seed, Threads: *threads,
	})
	if err != nil {
		return err
	}
	defer m.Close()
	tr := graph.Trainer{
		Solver: solver, Schedule: sched, Epochs: *epochs, Seed: *seed,
		OnEpoch: func(e graph.EpochStats) error { return cli.EpochLine(stdout, e) },
	}
	// The baseline copies the initial weights, so it is built before training.
	var baseline func() error
	if *plain {
		mb, err := graph.NewModel(net, graph.Config{
			Input: []int{train.Features()}, Classes: train.Classes, Batch: *batch, Dtype: dt, Seed: *seed, Threads: *threads,
		})
		if err != nil {
			return err
		}
		defer mb.Close()
		baseline = func() error { return plainBaseline(stdout, *solverSpec, mb, train, *epochs, *batch, *seed) }
	}
	hist, err := tr.Fit(ctx, m, train, test)
	if err != nil {
		return err
	}
	if err := cli.FinalLine(stdout, hist); err != nil {
		return err
	}
	if baseline != nil {
		return baseline()
	}
	return nil
}
