// Command convnet trains a LeNet-style convolutional network on MNIST
// digits with any convergo solver and schedule, and prints one line per
// epoch, as examples/mnist does:
//
//	conv 5×5, 6 filters, padding 2 → ReLU → max-pool 2×2     (6×14×14)
//	conv 5×5, 16 filters            → ReLU → max-pool 2×2     (16×5×5)
//	flatten → dense 120 → ReLU → dropout → dense 10
//
// By default it uses the 10,000 real digits embedded in convergo (8,000 to
// train on, 2,000 held out):
//
//	go run ./examples/convnet
//	go run ./examples/convnet -solver 'sgd(lr=0.05,momentum=0.9)' -epochs 8
//	go run ./examples/convnet -data /usr/share/datasets/fashion-mnist
//
// Output, one line per epoch and a last summary line:
//
//	epoch=1 train_loss=… test_loss=… test_acc=… lr=… seconds=… samples_per_s=…
//	final: test_acc=… test_loss=… train_loss=… seconds=…
//
// Two runs with the same -seed print the same numbers apart from seconds
// and samples_per_s.
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

func main() { cli.Main("convnet", run) }

// LeNet returns the network: two convolution + pooling blocks, then a
// dense layer with dropout and the classifier.
func LeNet(classes int, dropout float64) layers.Layer {
	return layers.Stack(
		layers.Conv2D(6, 5).WithPadding(2), layers.ReLU(), layers.MaxPool2D(2),
		layers.Conv2D(16, 5), layers.ReLU(), layers.MaxPool2D(2),
		layers.Flatten(),
		layers.Dense(120), layers.ReLU(), layers.Dropout(dropout),
		layers.Dense(classes),
	)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("convnet", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		solverSpec = fs.String("solver", "adam(lr=2e-3)", "solver spec, e.g. sgd(lr=0.05,momentum=0.9)")
		schedSpec  = fs.String("schedule", "", "learning-rate schedule spec; total stands for the budget in steps, e.g. cosine(max=0.1,T=total) (default: constant at the solver's lr)")
		epochs     = fs.Int("epochs", 4, "epochs")
		batch      = fs.Int("batch", 64, "batch size")
		dropout    = fs.Float64("dropout", 0.25, "dropout rate before the classifier")
		seed       = fs.Uint64("seed", 1, "seed of the initial weights, the dropout masks and the batch order")
		dtype      = fs.String("dtype", "float32", "float32 or float64")
		dataDir    = fs.String("data", "", "directory of the four MNIST-format files (default: the embedded sample)")
		limit      = fs.Int("limit", 0, "train on the first N training samples only (0: all)")
		threads    = fs.Int("threads", runtime.GOMAXPROCS(0), "goroutines of the model's matrix products and parallel passes (graph.Config.Threads)")
		cpuProfile = fs.String("cpuprofile", "", "write a CPU profile of the training to `file` (go tool pprof reads it)")
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
	if *epochs < 1 || *batch < 1 {
		return errors.New("-epochs and -batch must be ≥ 1")
	}
	if !(*dropout >= 0 && *dropout < 1) {
		return errors.Errorf("-dropout %v: want 0 ≤ p < 1", *dropout)
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
	if train.Features() != 28*28 {
		return errors.Errorf("dataset %s has %d features per sample, the network takes 28×28 images", train.Name, train.Features())
	}
	m, err := graph.NewModel(LeNet(train.Classes, *dropout), graph.Config{
		Input: []int{1, 28, 28}, Classes: train.Classes, Batch: *batch, Dtype: dt, Seed: *seed, Threads: *threads,
	})
	if err != nil {
		return err
	}
	defer m.Close()
	tr := graph.Trainer{
		Solver: solver, Schedule: sched, Epochs: *epochs, Seed: *seed,
		OnEpoch: func(e graph.EpochStats) error { return cli.EpochLine(stdout, e) },
	}
	stopProfile, err := cli.CPUProfile(*cpuProfile)
	if err != nil {
		return err
	}
	hist, err := tr.Fit(ctx, m, train, test)
	if perr := stopProfile(); err == nil {
		err = perr
	}
	if err != nil {
		return err
	}
	return cli.FinalLine(stdout, hist)
}
