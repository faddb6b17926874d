// Command bench times convergo's Trainer against a plain hand-written
// Gorgonia loop (Gorgonia's own solvers) on one fixed workload, and prints
// one JSON object per (system, solver) on its own line.
//
// The workload (issue 7): Fashion-MNIST at full size (60,000 train, 10,000
// test), an MLP 784-256-128-10 with ReLU, softmax cross-entropy, batch 128
// (the last partial batch dropped), float32, SGD lr 0.05 momentum 0.9 and
// Adam lr 1e-3, PyTorch's default initialisation of nn.Linear. Timing
// covers training only; the data is in memory.
//
//	go run ./examples/bench
//	CGO_LDFLAGS=-lopenblas go run -tags openblas ./examples/bench -epochs 5
//
// Output, one line per (system, solver):
//
//	{"system":"convergo","blas":"gonum","solver":"sgd","dtype":"float32","epoch_s":1.52,"samples_per_s":39400,"test_acc":0.8651,"bytes_per_step":312,"allocs_per_step":4.1}
//
// epoch_s is the median of the epochs after the first (the first warms
// caches and allocates state); with -epochs 1 it is the only epoch.
// bytes_per_step and allocs_per_step are runtime.MemStats deltas over the
// same steps divided by their number. test_acc is measured after the last
// epoch, with convergo's evaluation graph in both systems.
//
// scripts/bench/run.sh runs this program in both BLAS builds and the
// PyTorch reference (scripts/bench/torch_bench.py) and prints the ratios.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"github.com/convergo/convergo/datasets"
	"github.com/convergo/convergo/graph"
	"github.com/convergo/convergo/internal/blas"
	"github.com/convergo/convergo/layers"
	"github.com/convergo/convergo/solvers"
	"github.com/pkg/errors"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// DefaultData is where Debian's dataset-fashion-mnist package puts the files.
const DefaultData = "/usr/share/datasets/fashion-mnist"

// The workload.
const (
	batchSize = 128
	evalBatch = 1000
)

var hidden = []int{256, 128}

// solverSpecs are the convergo specs and the equivalent Gorgonia solvers.
var solverSpecs = map[string]struct {
	spec     string
	gorgonia func() gorgonia.Solver
}{
	"sgd": {"sgd(lr=0.05,momentum=0.9)", func() gorgonia.Solver {
		// Gorgonia's Momentum: c = μc − η·g, w += c, the same iterates as
		// PyTorch's SGD with momentum (c = −η·v) at a constant rate.
		return gorgonia.NewMomentum(gorgonia.WithLearnRate(0.05), gorgonia.WithMomentum(0.9))
	}},
	"adam": {"adam(lr=1e-3)", func() gorgonia.Solver {
		return gorgonia.NewAdamSolver(gorgonia.WithLearnRate(1e-3))
	}},
}

// Result is one output line.
type Result struct {
	System        string  `json:"system"`
	BLAS          string  `json:"blas"`
	Solver        string  `json:"solver"`
	Dtype         string  `json:"dtype"`
	EpochS        float64 `json:"epoch_s"`
	SamplesPerS   float64 `json:"samples_per_s"`
	TestAcc       float64 `json:"test_acc"`
	BytesPerStep  float64 `json:"bytes_per_step"`
	AllocsPerStep float64 `json:"allocs_per_step"`
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		dataDir  = fs.String("data", DefaultData, "directory of the four Fashion-MNIST IDX files")
		epochs   = fs.Int("epochs", 3, "epochs per run")
		seed     = fs.Uint64("seed", 1, "seed of the initial weights and the batch order")
		systems  = fs.String("systems", "convergo,gorgonia", "comma-separated: convergo, gorgonia")
		solverFl = fs.String("solvers", "sgd,adam", "comma-separated: sgd, adam")
		limit    = fs.Int("limit", 0, "train on the first N samples only (0: all; for tests)")
		cpuprof  = fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return errors.Errorf("unexpected arguments %q", fs.Args())
	}
	if *epochs < 1 {
		return errors.Errorf("-epochs %d: want ≥ 1", *epochs)
	}
	sys, err := list(*systems, "-systems", "convergo", "gorgonia")
	if err != nil {
		return err
	}
	sols, err := list(*solverFl, "-solvers", "sgd", "adam")
	if err != nil {
		return err
	}
	train, test, err := load(*dataDir)
	if err != nil {
		return err
	}
	if *limit > 0 && *limit < train.Len() {
		if train, err = train.Head(*limit); err != nil {
			return err
		}
	}
	if *cpuprof != "" {
		f, err := os.Create(*cpuprof)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	enc := json.NewEncoder(stdout)
	for _, sv := range sols {
		for _, sy := range sys {
			var r Result
			var err error
			switch sy {
			case "convergo":
				r, err = runConvergo(ctx, sv, train, test, *epochs, *seed)
			case "gorgonia":
				r, err = runGorgonia(ctx, sv, train, test, *epochs, *seed)
			}
			if err != nil {
				return errors.Wrapf(err, "%s %s", sy, sv)
			}
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
	}
	return nil
}

func list(s, flagName string, allowed ...string) ([]string, error) {
	var out []string
	for f := range strings.SplitSeq(s, ",") {
		f = strings.TrimSpace(f)
		if !slices.Contains(allowed, f) {
			return nil, errors.Errorf("%s: unknown %q (want %s)", flagName, f, strings.Join(allowed, ", "))
		}
		out = append(out, f)
	}
	return out, nil
}

func load(dir string) (train, test *datasets.Set, err error) {
	if _, statErr := os.Stat(dir); statErr != nil {
		return nil, nil, errors.Errorf("-data %s: %v\nthe benchmark needs Fashion-MNIST at full size; on Debian or Ubuntu install it with\n\tsudo apt-get install -y dataset-fashion-mnist\n(files in %s), or pass -data DIR with the four IDX files (train-images-idx3-ubyte.gz, …)", dir, statErr, DefaultData)
	}
	return datasets.LoadDir(dir)
}

// network is the MLP, initialised as PyTorch's nn.Linear is (weights and
// biases from U(±1/√fan_in)), so that the three systems train the same
// model from the same distribution.
func network(classes int) layers.Layer {
	dense := func(units int) layers.Layer {
		return layers.Dense(units).WithInit(layers.TorchDefault, layers.TorchDefault)
	}
	return layers.Stack(
		dense(hidden[0]), layers.ReLU(),
		dense(hidden[1]), layers.ReLU(),
		dense(classes),
	)
}

func newModel(train *datasets.Set, seed uint64) (*graph.Model, error) {
	return graph.NewModel(network(train.Classes), graph.Config{
		Input: []int{train.Features()}, Classes: train.Classes,
		Batch: batchSize, EvalBatch: evalBatch, Dtype: tensor.Float32, Seed: seed,
	})
}

// meter turns per-epoch times and two MemStats readings into a Result.
type meter struct {
	epochs  []float64
	samples int // per epoch
	m0, m1  runtime.MemStats
	steps0  int // step count at m0
	steps1  int // step count at m1
	haveM0  bool
}

func (mt *meter) mark(step int) {
	if !mt.haveM0 {
		runtime.ReadMemStats(&mt.m0)
		mt.steps0, mt.haveM0 = step, true
		return
	}
	runtime.ReadMemStats(&mt.m1)
	mt.steps1 = step
}

func (mt *meter) result(system, solver string, acc float64) Result {
	r := Result{System: system, BLAS: blas.Name(), Solver: solver, Dtype: "float32", TestAcc: acc}
	times := mt.epochs
	if len(times) > 1 {
		times = times[1:]
	}
	r.EpochS = median(times)
	r.SamplesPerS = float64(mt.samples) / r.EpochS
	if n := mt.steps1 - mt.steps0; n > 0 {
		r.BytesPerStep = float64(mt.m1.TotalAlloc-mt.m0.TotalAlloc) / float64(n)
		r.AllocsPerStep = float64(mt.m1.Mallocs-mt.m0.Mallocs) / float64(n)
	}
	return r
}

func median(x []float64) float64 {
	s := slices.Clone(x)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// runConvergo trains with graph.Trainer and a convergo solver.
func runConvergo(ctx context.Context, solverName string, train, test *datasets.Set, epochs int, seed uint64) (Result, error) {
	solver, err := solvers.Parse(solverSpecs[solverName].spec)
	if err != nil {
		return Result{}, err
	}
	m, err := newModel(train, seed)
	if err != nil {
		return Result{}, err
	}
	defer m.Close()
	steps := train.Len() / batchSize
	mt := &meter{samples: steps * batchSize}
	// Memory is read after the last step of the first epoch (or before the
	// first step when there is one epoch) and after the last step.
	tr := graph.Trainer{
		Solver: solver, Epochs: epochs, Seed: seed,
		OnStep: func(s graph.StepStats) error {
			if (epochs > 1 && s.Step == steps-1) || s.Step == epochs*steps-1 {
				mt.mark(s.Step)
			}
			return nil
		},
	}
	if epochs == 1 {
		mt.mark(-1)
	}
	runtime.GC()
	hist, err := tr.Fit(ctx, m, train, nil)
	if err != nil {
		return Result{}, err
	}
	for _, e := range hist.Epochs {
		mt.epochs = append(mt.epochs, e.Seconds)
	}
	_, acc, err := m.Evaluate(test)
	if err != nil {
		return Result{}, err
	}
	return mt.result("convergo", solverName, acc), nil
}

// runGorgonia trains the same network, from the same initial weights and
// in the same batch order, in the loop a Gorgonia user writes by hand:
// Mul, BroadcastAdd, Rectify, a TapeMachine with BindDualValues, fresh
// input tensors bound with gorgonia.Let per batch, and Gorgonia's own
// solver. The loss is convergo's fused softmax cross-entropy, so that both
// systems compute the same function. The trained weights are copied into a
// convergo model to measure the test accuracy with the same code.
func runGorgonia(ctx context.Context, solverName string, train, test *datasets.Set, epochs int, seed uint64) (Result, error) {
	m, err := newModel(train, seed)
	if err != nil {
		return Result{}, err
	}
	defer m.Close()
	f, classes := train.Features(), train.Classes
	g := gorgonia.NewGraph()
	x := gorgonia.NewMatrix(g, tensor.Float32, gorgonia.WithShape(batchSize, f), gorgonia.WithName("x"))
	y := gorgonia.NewMatrix(g, tensor.Float32, gorgonia.WithShape(batchSize, classes), gorgonia.WithName("y"))
	var params gorgonia.Nodes
	h := x
	for i := range len(hidden) + 1 {
		wName, bName := fmt.Sprintf("dense%d.W", i), fmt.Sprintf("dense%d.b", i)
		wv := m.Store().Tensor(wName).Clone().(*tensor.Dense)
		bv := m.Store().Tensor(bName).Clone().(*tensor.Dense)
		w := gorgonia.NewMatrix(g, tensor.Float32, gorgonia.WithShape(wv.Shape()...), gorgonia.WithName(wName), gorgonia.WithValue(wv))
		b := gorgonia.NewVector(g, tensor.Float32, gorgonia.WithShape(bv.Shape()...), gorgonia.WithName(bName), gorgonia.WithValue(bv))
		params = append(params, w, b)
		if h, err = gorgonia.Mul(h, w); err != nil {
			return Result{}, err
		}
		if h, err = gorgonia.BroadcastAdd(h, b, nil, []byte{0}); err != nil {
			return Result{}, err
		}
		if i < len(hidden) {
			if h, err = gorgonia.Rectify(h); err != nil {
				return Result{}, err
			}
		}
	}
	loss, err := graph.SoftmaxCrossEntropy(h, y)
	if err != nil {
		return Result{}, err
	}
	if _, err := gorgonia.Grad(loss, params...); err != nil {
		return Result{}, err
	}
	vm := gorgonia.NewTapeMachine(g, gorgonia.BindDualValues(params...))
	defer vm.Close()
	solver := solverSpecs[solverName].gorgonia()
	batcher, err := datasets.NewBatcher(train, datasets.BatchOptions{Size: batchSize, Shuffle: true, DropLast: true, Seed: seed})
	if err != nil {
		return Result{}, err
	}
	steps := batcher.NumBatches()
	mt := &meter{samples: steps * batchSize}
	xb, yb := make([]float32, batchSize*f), make([]int, batchSize)
	runtime.GC()
	if epochs == 1 {
		mt.mark(-1)
	}
	step := 0
	for epoch := 1; epoch <= epochs; epoch++ {
		if err := ctx.Err(); err != nil {
			return Result{}, err
		}
		start := time.Now()
		batcher.Reset(epoch - 1)
		for {
			n, ok := batcher.Next(xb, yb)
			if !ok {
				break
			}
			xt := tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(batchSize, f))
			yt := tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(batchSize, classes))
			copy(xt.Data().([]float32), xb[:n*f])
			yd := yt.Data().([]float32)
			for i := range n {
				yd[i*classes+yb[i]] = 1
			}
			if err := gorgonia.Let(x, xt); err != nil {
				return Result{}, err
			}
			if err := gorgonia.Let(y, yt); err != nil {
				return Result{}, err
			}
			vm.Reset()
			if err := vm.RunAll(); err != nil {
				return Result{}, errors.Wrap(err, "plain loop")
			}
			if err := solver.Step(gorgonia.NodesToValueGrads(params)); err != nil {
				return Result{}, err
			}
			if (epochs > 1 && step == steps-1) || step == epochs*steps-1 {
				mt.mark(step)
			}
			step++
		}
		mt.epochs = append(mt.epochs, time.Since(start).Seconds())
	}
	for _, p := range params {
		copy(m.Store().Tensor(p.Name()).Data().([]float32), p.Value().Data().([]float32))
	}
	_, acc, err := m.Evaluate(test)
	if err != nil {
		return Result{}, err
	}
	return mt.result("gorgonia", solverName, acc), nil
}
