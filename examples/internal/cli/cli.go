// Package cli holds what the example programs share: loading the data
// (the embedded sample by default), parsing -dtype, running main with
// Ctrl-C cancellation, and the epoch/final lines that examples/mnist,
// examples/convnet and the README document.
package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"

	"github.com/convergo/convergo/compare"
	"github.com/convergo/convergo/datasets"
	"github.com/convergo/convergo/datasets/mnistsample"
	"github.com/convergo/convergo/graph"
	"github.com/convergo/convergo/lrsched"
	"github.com/convergo/convergo/solvers"
	"github.com/pkg/errors"
	"gorgonia.org/tensor"
)

// Main runs a program's run function with a context cancelled by Ctrl-C
// (SIGINT) or SIGTERM — what Slurm and Kubernetes send on cancellation and
// at a time limit — so both take the same graceful path, printing an
// error as "name: error" (once, if the error already names the program)
// and exiting with status 1. -h and -help (flag.ErrHelp, the usage already
// printed) exit with status 0.
func Main(name string, run func(ctx context.Context, args []string, stdout, stderr io.Writer) error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		msg := err.Error()
		if !strings.HasPrefix(msg, name+": ") {
			msg = name + ": " + msg
		}
		fmt.Fprintln(os.Stderr, msg)
		os.Exit(1)
	}
}

// Load returns the train and test sets of an MNIST-format directory, or of
// the embedded 10,000-digit sample (8,000 / 2,000) when dir is "".
func Load(dir string) (train, test *datasets.Set, err error) {
	if dir == "" {
		return mnistsample.Load()
	}
	switch fi, err := os.Stat(dir); {
	case errors.Is(err, os.ErrNotExist):
		return nil, nil, errors.Errorf("-data %s: no such directory", dir)
	case err != nil:
		return nil, nil, errors.Wrapf(err, "-data %s", dir)
	case !fi.IsDir():
		return nil, nil, errors.Errorf("-data %s: not a directory (want one holding the four MNIST-format files)", dir)
	}
	return datasets.LoadDir(dir)
}

// Dtype parses the value of a -dtype flag.
func Dtype(s string) (tensor.Dtype, error) {
	switch s {
	case "float32":
		return tensor.Float32, nil
	case "float64":
		return tensor.Float64, nil
	}
	return tensor.Dtype{}, errors.Errorf("-dtype %q: want float32 or float64", s)
}

// EpochLine writes the line an example prints after each epoch:
//
//	epoch=N train_loss=… test_loss=… test_acc=… lr=… seconds=… samples_per_s=…
func EpochLine(w io.Writer, e graph.EpochStats) error {
	_, err := fmt.Fprintf(w, "epoch=%d train_loss=%.4f test_loss=%.4f test_acc=%.4f lr=%.6g seconds=%.2f samples_per_s=%.0f\n",
		e.Epoch, e.TrainLoss, e.TestLoss, e.TestAcc, e.LR, e.Seconds, e.SamplesPerSec)
	return err
}

// FinalLine writes the last line of a training run, with the training
// seconds summed over the epochs:
//
//	final: test_acc=… test_loss=… train_loss=… seconds=…
func FinalLine(w io.Writer, h *graph.History) error {
	var secs float64
	for _, e := range h.Epochs {
		secs += e.Seconds
	}
	last := h.Last()
	_, err := fmt.Fprintf(w, "final: test_acc=%.4f test_loss=%.4f train_loss=%.4f seconds=%.2f\n", last.TestAcc, last.TestLoss, last.TrainLoss, secs)
	return err
}

// Optimizer builds the solver of a -solver spec and the schedule of an
// optional -schedule spec ("" for none: the solver keeps its own learning
// rate) for a run of total optimizer steps, by the rules of a compare
// strategy's text: total stands for the budget (cosine(max=0.1,T=total)),
// names registered with solvers.Register and lrsched.Register are known,
// and a solver spec that sets lr must agree with the schedule at step 0.
func Optimizer(solverSpec, scheduleSpec string, total int) (solvers.Solver, lrsched.Scheduler, error) {
	if strings.ContainsAny(solverSpec+scheduleSpec, "|:") {
		return nil, nil, errors.New("-solver and -schedule take one spec each (no '|' or ':'; a whole strategy is examples/compare's -strategy)")
	}
	text := solverSpec
	if scheduleSpec != "" {
		text += " | " + scheduleSpec
	}
	st, err := compare.ParseStrategy(text)
	if err != nil {
		return nil, nil, err
	}
	if st.Regularizer != "" {
		return nil, nil, errors.Errorf("-schedule %s is a regularizer, not a schedule", st.Regularizer)
	}
	sol, err := st.NewSolver()
	if err != nil {
		return nil, nil, err
	}
	s, ok := sol.(solvers.Solver)
	if !ok {
		return nil, nil, errors.Errorf("-solver %s: %T is not a solvers.Solver", solverSpec, sol)
	}
	if st.NewSchedule == nil {
		return s, nil, nil
	}
	sched, err := st.NewSchedule(total)
	if err != nil {
		return nil, nil, err
	}
	return s, sched, nil
}

// LoadHead is Load keeping only the first limit training samples when
// 0 < limit < the training set's size.
func LoadHead(dir string, limit int) (train, test *datasets.Set, err error) {
	if train, test, err = Load(dir); err != nil {
		return nil, nil, err
	}
	if limit > 0 && limit < train.Len() {
		if train, err = train.Head(limit); err != nil {
			return nil, nil, err
		}
	}
	return train, test, nil
}

// CPUProfile starts a CPU profile written to path (go tool pprof reads it)
// and returns the function that stops it and closes the file; with an
// empty path it does nothing. The programs' -cpuprofile flags use it.
func CPUProfile(path string) (stop func() error, err error) {
	if path == "" {
		return func() error { return nil }, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, errors.Wrap(err, "-cpuprofile")
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, errors.Wrap(err, "-cpuprofile")
	}
	return func() error {
		pprof.StopCPUProfile()
		return errors.Wrap(f.Close(), "-cpuprofile")
	}, nil
}
