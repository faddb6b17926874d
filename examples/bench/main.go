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
//	{"system":"convergo","blas":"openblas","solver":"sgd","dtype":"float32","epoch_s":0.96,"samples_per_s":62640,"test_acc":0.8479,"bytes_per_step":0.12,"allocs_per_step":0.0032}
//
// epoch_s is the median of the epochs after the first (the first warms
// caches and allocates state); with -epochs 1 it is the only epoch. With
// both systems, their epochs alternate (convergo 1, Gorgonia 1, convergo
// 2, …), so that a shared machine's load falls on both alike.
// bytes_per_step and allocs_per_step are runtime.MemStats deltas over the
// same steps divided by their number (convergo's steps allocate nothing;
// its fraction of an allocation per step is the epoch's own bookkeeping). test_acc is measured after the last
// epoch, with convergo's evaluation graph in both systems.
//
// -systems none trains nothing (with -export: only write the files).
// -losses N prints the training loss of convergo's first N steps per
// solver to stderr, {"system":"convergo","solver":"sgd","step":0,"loss":2.305…}
// per line, to compare the first steps with torch_bench.py --losses N.
//
// # Sharing the start with PyTorch
//
// -export DIR writes, for -seed, the initial weights of the model (the same
// for every solver and system) and the batch order of each of the -epochs
// epochs, so that scripts/bench/torch_bench.py --init DIR trains the same
// model from the same start on the same batches (DIR is created if need be):
//
//	go run ./examples/bench -systems none -export /tmp/init
//	/usr/bin/python3 scripts/bench/torch_bench.py --init /tmp/init
//
// DIR holds numpy .npy files (format version 1.0, C order, little-endian;
// numpy.load reads them) and manifest.json:
//
//	{"format": "convergo-bench-init/1", "seed": 1, "batch": 128, "epochs": 3,
//	 "train_len": 60000,
//	 "params": [{"name": "dense0.W", "file": "dense0.W.npy", "dtype": "<f4", "shape": [784, 256]}, …],
//	 "order": {"file": "order.npy", "dtype": "<i8", "shape": [3, 468, 128]}}
//
// params lists every tensor of the model's layers.Store, in its order
// (dense0.W, dense0.b, …, dense2.b), as float32. A Dense W is (in, out), y =
// xW + b; PyTorch's Linear.weight is its transpose. order[e][s] holds the
// train-set row indices of batch s of epoch e+1, as graph.Trainer's
// datasets.Batcher (shuffled with the seed, the last partial batch dropped)
// yields them: Batcher.Reset(e) then Batcher.Order, batch after batch.
// train_len is the number of training rows (the first ones, with -limit).
//
// scripts/bench/run.sh runs this program in both BLAS builds and the
// PyTorch reference (scripts/bench/torch_bench.py, from the weights and
// batches exported here) and prints the ratios; scripts/bench/seeds.sh
// compares the test accuracies of convergo and PyTorch, each from its own
// initialisation, over several seeds.
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
	GEMM          string  `json:"gemm"`    // the float32 product convergo's ops use (layers.GEMMKernel)
	Threads       int     `json:"threads"` // convergo's model's threads
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
		systems  = fs.String("systems", "convergo,gorgonia", "comma-separated: convergo, gorgonia; or none")
		solverFl = fs.String("solvers", "sgd,adam", "comma-separated: sgd, adam")
		limit    = fs.Int("limit", 0, "train on the first N samples only (0: all; for tests)")
		cpuprof  = fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
		exportTo = fs.String("export", "", "write the initial weights and the batch orders of this seed to `DIR` (for torch_bench.py --init DIR)")
		losses   = fs.Int("losses", 0, "print convergo's training loss of the first `N` steps to stderr, one JSON line per step")
		peakFl   = fs.Bool("peak", false, "print only the -peak line: this build's float32 GEMM GFLOP/s on a 1024³ product (best of 5) at -threads, and exit")
		threadFl = fs.Int("threads", runtime.GOMAXPROCS(0), "threads of convergo's model (graph.Config.Threads; OpenBLAS runs single-threaded on them in the openblas build; -peak uses OpenBLAS's own threads)")
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
	if *threadFl < 1 {
		return errors.Errorf("-threads %d: want ≥ 1", *threadFl)
	}
	threads = *threadFl
	if *peakFl {
		return json.NewEncoder(stdout).Encode(peak(threads, 1024, 5))
	}
	var sys []string
	if *systems != "none" {
		var err error
		if sys, err = list(*systems, "-systems", "convergo", "gorgonia"); err != nil {
			return err
		}
	}
	sols, err := list(*solverFl, "-solvers", "sgd", "adam")
	if err != nil {
		return err
	}
	if *exportTo != "" {
		if err := exportDir(*exportTo); err != nil {
			return err
		}
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
	if *exportTo != "" {
		if err := export(*exportTo, train, *seed, *epochs); err != nil {
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
		if len(sys) == 0 {
			break
		}
		rs, err := runPair(ctx, sv, train, test, *epochs, *seed, slices.Contains(sys, "convergo"), slices.Contains(sys, "gorgonia"), stepLogger(stderr, sv, *losses))
		if err != nil {
			return errors.Wrap(err, sv)
		}
		for _, r := range rs {
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

// threads is convergo's model's thread count (-threads).
var threads = 1

func newModel(train *datasets.Set, seed uint64) (*graph.Model, error) {
	return graph.NewModel(network(train.Classes), graph.Config{
		Input: []int{train.Features()}, Classes: train.Classes,
		Batch: batchSize, EvalBatch: evalBatch, Dtype: tensor.Float32, Seed: seed, Threads: threads,
	})
}

// meter turns per-epoch times and MemStats deltas into a Result. Memory is
// counted over the steps of the epochs after the first (all steps with one
// epoch), between begin and end, so that what runs in between — the other
// system's epoch — is not counted.
type meter struct {
	epochs        []float64
	samples       int // per epoch
	m0, m1        runtime.MemStats
	bytes, allocs uint64
	steps         int
}

func (mt *meter) begin() { runtime.ReadMemStats(&mt.m0) }

func (mt *meter) end(steps int) {
	runtime.ReadMemStats(&mt.m1)
	mt.bytes += mt.m1.TotalAlloc - mt.m0.TotalAlloc
	mt.allocs += mt.m1.Mallocs - mt.m0.Mallocs
	mt.steps += steps
}

// counts reports whether epoch e (from 1) of n is measured for memory.
func counts(e, n int) bool { return e > 1 || n == 1 }

func (mt *meter) result(system, solver string, acc float64) Result {
	// Gorgonia's Mul calls the BLAS itself; convergo's ops use
	// layers.GEMMKernel (its own kernel in the default build).
	gemm := layers.GEMMKernel()
	if system != "convergo" || gemm == "blas" {
		gemm = blas.Name()
	}
	r := Result{System: system, BLAS: blas.Name(), GEMM: gemm, Threads: threads, Solver: solver, Dtype: "float32", TestAcc: acc}
	times := mt.epochs
	if len(times) > 1 {
		times = times[1:]
	}
	r.EpochS = median(times)
	r.SamplesPerS = float64(mt.samples) / r.EpochS
	if mt.steps > 0 {
		r.BytesPerStep = float64(mt.bytes) / float64(mt.steps)
		r.AllocsPerStep = float64(mt.allocs) / float64(mt.steps)
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

// runPair trains with the systems asked for, interleaving their epochs
// when both are (convergo epoch 1, Gorgonia epoch 1, convergo epoch 2, …)
// so that the load of a shared machine falls on both alike.
func runPair(ctx context.Context, solverName string, train, test *datasets.Set, epochs int, seed uint64, withConvergo, withGorgonia bool, logStep func(graph.StepStats) error) ([]Result, error) {
	var plain *plainLoop
	if withGorgonia {
		var err error
		if plain, err = newPlainLoop(solverName, train, seed); err != nil {
			return nil, errors.Wrap(err, "gorgonia")
		}
		defer plain.close()
	}
	var results []Result
	if withConvergo {
		r, err := runConvergo(ctx, solverName, train, test, epochs, seed, logStep, func(e int) error {
			if plain != nil {
				return plain.epoch(ctx, e, epochs)
			}
			return nil
		})
		if err != nil {
			return nil, errors.Wrap(err, "convergo")
		}
		results = append(results, r)
	} else if plain != nil {
		for e := 1; e <= epochs; e++ {
			if err := plain.epoch(ctx, e, epochs); err != nil {
				return nil, errors.Wrap(err, "gorgonia")
			}
		}
	}
	if plain != nil {
		r, err := plain.result(test)
		if err != nil {
			return nil, errors.Wrap(err, "gorgonia")
		}
		results = append(results, r)
	}
	return results, nil
}

// stepLogger returns an OnStep hook printing the loss of the first n steps
// to w as JSON lines, or nil if n ≤ 0.
func stepLogger(w io.Writer, solverName string, n int) func(graph.StepStats) error {
	if n <= 0 {
		return nil
	}
	enc := json.NewEncoder(w)
	return func(s graph.StepStats) error {
		if s.Step >= n {
			return nil
		}
		return enc.Encode(struct {
			System string  `json:"system"`
			Solver string  `json:"solver"`
			Step   int     `json:"step"`
			Loss   float64 `json:"loss"`
		}{"convergo", solverName, s.Step, s.Loss})
	}
}

// runConvergo trains with graph.Trainer and a convergo solver, calling
// logStep (if not nil) after every step and between(e) after epoch e.
func runConvergo(ctx context.Context, solverName string, train, test *datasets.Set, epochs int, seed uint64, logStep func(graph.StepStats) error, between func(e int) error) (Result, error) {
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
	tr := graph.Trainer{
		Solver: solver, Epochs: epochs, Seed: seed,
		OnStep: func(s graph.StepStats) error {
			if s.Step%steps == steps-1 && counts(s.Epoch, epochs) {
				mt.end(steps)
			}
			if logStep != nil {
				return logStep(s)
			}
			return nil
		},
		OnEpoch: func(e graph.EpochStats) error {
			if err := between(e.Epoch); err != nil {
				return err
			}
			runtime.GC()
			mt.begin()
			return nil
		},
	}
	runtime.GC()
	mt.begin()
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

// plainLoop trains the same network, from the same initial weights and
// in the same batch order, in the loop a Gorgonia user writes by hand:
// Mul, BroadcastAdd, Rectify, a TapeMachine with BindDualValues, fresh
// input tensors bound with gorgonia.Let per batch, and Gorgonia's own
// solver. The loss is convergo's fused softmax cross-entropy, so that both
// systems compute the same function. The trained weights are copied into a
// convergo model to measure the test accuracy with the same code.
type plainLoop struct {
	solverName string
	m          *graph.Model // for the initial weights and the evaluation
	x, y       *gorgonia.Node
	params     gorgonia.Nodes
	vm         gorgonia.VM
	solver     gorgonia.Solver
	batcher    *datasets.Batcher
	xb         []float32
	yb         []int
	mt         *meter
}

func newPlainLoop(solverName string, train *datasets.Set, seed uint64) (p *plainLoop, err error) {
	m, err := newModel(train, seed)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			m.Close()
		}
	}()
	f, classes := train.Features(), train.Classes
	g := gorgonia.NewGraph()
	p = &plainLoop{solverName: solverName, m: m}
	p.x = gorgonia.NewMatrix(g, tensor.Float32, gorgonia.WithShape(batchSize, f), gorgonia.WithName("x"))
	p.y = gorgonia.NewMatrix(g, tensor.Float32, gorgonia.WithShape(batchSize, classes), gorgonia.WithName("y"))
	h := p.x
	for i := range len(hidden) + 1 {
		wName, bName := fmt.Sprintf("dense%d.W", i), fmt.Sprintf("dense%d.b", i)
		wv := m.Store().Tensor(wName).Clone().(*tensor.Dense)
		bv := m.Store().Tensor(bName).Clone().(*tensor.Dense)
		w := gorgonia.NewMatrix(g, tensor.Float32, gorgonia.WithShape(wv.Shape()...), gorgonia.WithName(wName), gorgonia.WithValue(wv))
		b := gorgonia.NewVector(g, tensor.Float32, gorgonia.WithShape(bv.Shape()...), gorgonia.WithName(bName), gorgonia.WithValue(bv))
		p.params = append(p.params, w, b)
		if h, err = gorgonia.Mul(h, w); err != nil {
			return nil, err
		}
		if h, err = gorgonia.BroadcastAdd(h, b, nil, []byte{0}); err != nil {
			return nil, err
		}
		if i < len(hidden) {
			if h, err = gorgonia.Rectify(h); err != nil {
				return nil, err
			}
		}
	}
	loss, err := graph.SoftmaxCrossEntropy(h, p.y)
	if err != nil {
		return nil, err
	}
	if _, err := gorgonia.Grad(loss, p.params...); err != nil {
		return nil, err
	}
	p.vm = gorgonia.NewTapeMachine(g, gorgonia.BindDualValues(p.params...))
	p.solver = solverSpecs[solverName].gorgonia()
	if p.batcher, err = datasets.NewBatcher(train, datasets.BatchOptions{Size: batchSize, Shuffle: true, DropLast: true, Seed: seed}); err != nil {
		return nil, err
	}
	p.xb, p.yb = make([]float32, batchSize*f), make([]int, batchSize)
	p.mt = &meter{samples: p.batcher.NumBatches() * batchSize}
	return p, nil
}

func (p *plainLoop) close() {
	p.vm.Close()
	p.m.Close()
}

// epoch trains epoch e (from 1) of n.
func (p *plainLoop) epoch(ctx context.Context, e, n int) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f, classes := p.x.Shape()[1], p.y.Shape()[1]
	runtime.GC()
	p.mt.begin()
	start := time.Now()
	p.batcher.Reset(e - 1)
	steps := 0
	for {
		k, ok := p.batcher.Next(p.xb, p.yb)
		if !ok {
			break
		}
		xt := tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(batchSize, f))
		yt := tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(batchSize, classes))
		copy(xt.Data().([]float32), p.xb[:k*f])
		yd := yt.Data().([]float32)
		for i := range k {
			yd[i*classes+p.yb[i]] = 1
		}
		if err := gorgonia.Let(p.x, xt); err != nil {
			return err
		}
		if err := gorgonia.Let(p.y, yt); err != nil {
			return err
		}
		p.vm.Reset()
		if err := p.vm.RunAll(); err != nil {
			return errors.Wrap(err, "plain loop")
		}
		if err := p.solver.Step(gorgonia.NodesToValueGrads(p.params)); err != nil {
			return err
		}
		steps++
	}
	p.mt.epochs = append(p.mt.epochs, time.Since(start).Seconds())
	if counts(e, n) {
		p.mt.end(steps)
	}
	return nil
}

func (p *plainLoop) result(test *datasets.Set) (Result, error) {
	for _, n := range p.params {
		copy(p.m.Store().Tensor(n.Name()).Data().([]float32), n.Value().Data().([]float32))
	}
	_, acc, err := p.m.Evaluate(test)
	if err != nil {
		return Result{}, err
	}
	return p.mt.result("gorgonia", p.solverName, acc), nil
}
