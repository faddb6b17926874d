package suite

import (
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/convergo/convergo/compare"
	"github.com/convergo/convergo/datasets"
	"github.com/convergo/convergo/datasets/mnistsample"
	"github.com/convergo/convergo/graph"
	"github.com/convergo/convergo/layers"
	"github.com/convergo/convergo/solvers/solvertest"
	"github.com/pkg/errors"
)

// Size selects a workload's scale.
type Size int

// Sizes.
const (
	// Small is the default: architectures scaled down (fewer channels and
	// units, a smaller corpus) so that the default study and the tests run
	// in seconds to minutes on a laptop. Targets and step hints are for it.
	Small Size = iota
	// Full is the reference architecture (DeepOBS's, nanoGPT-style for
	// char_gpt) at its reference batch size.
	Full
)

// Options choose a workload's size and data. The zero value is the small
// size on the default data.
type Options struct {
	Size Size
	// Data replaces the default data: an MNIST-format directory (the
	// image problems; datasets.LoadDir) or, for char_gpt, any text file
	// (datasets.TextFile).
	Data string
	// Batch, if > 0, replaces the workload's batch size.
	Batch int
}

// Workload is a named problem of the suite, with what AlgoPerf's workloads
// carry besides the model: a documented target on the validation set and
// a step hint.
type Workload struct {
	Name      string
	About     string // one line: the model and the data
	Reference string // where the architecture comes from
	// Target is the validation accuracy or loss the documented Strategy
	// reaches within StepHint optimizer steps at the Small size on the
	// default data (measured; see the package documentation).
	Target compare.Target
	// StepHint is a budget in optimizer steps that suffices for Target.
	StepHint int
	// Strategy is the strategy (compare's text form) documented to reach
	// Target; Strategies, if set, the comparison the workload is for
	// (mnist_seed's three optimizers).
	Strategy   string
	Strategies []string
	// Load builds the problem.
	Load func(Options) (compare.Problem, error)
}

var (
	mu       sync.RWMutex
	registry = builtins()
)

// Register adds a workload of your own to the registry (its Name must be
// new and Load set).
func Register(w Workload) error {
	mu.Lock()
	defer mu.Unlock()
	if w.Name == "" || w.Load == nil {
		return errors.New("suite: Register: a workload needs a Name and Load")
	}
	for _, o := range registry {
		if o.Name == w.Name {
			return errors.Errorf("suite: Register: %q is already registered", w.Name)
		}
	}
	registry = append(registry, w)
	return nil
}

// Workloads returns the registered workloads, built-ins first.
func Workloads() []Workload {
	mu.RLock()
	defer mu.RUnlock()
	return slices.Clone(registry)
}

// Names returns the registered workloads' names.
func Names() []string {
	var n []string
	for _, w := range Workloads() {
		n = append(n, w.Name)
	}
	return n
}

// Lookup returns the workload called name.
func Lookup(name string) (Workload, error) {
	for _, w := range Workloads() {
		if w.Name == name {
			return w, nil
		}
	}
	return Workload{}, errors.Errorf("suite: unknown problem %q (known: %s)", name, strings.Join(Names(), ", "))
}

// Problem loads the workload called name.
func Problem(name string, opt Options) (compare.Problem, error) {
	w, err := Lookup(name)
	if err != nil {
		return compare.Problem{}, err
	}
	p, err := w.Load(opt)
	return p, errors.WithMessagef(err, "suite: %s", name)
}

func batchOr(opt Options, b int) int {
	if opt.Batch > 0 {
		return opt.Batch
	}
	return b
}

// mnist returns the MNIST problem data: the embedded sample (8,000 train,
// 2,000 validation digits) or opt.Data.
func mnist(opt Options) (train, eval *datasets.Set, err error) {
	if opt.Data != "" {
		return datasets.LoadDir(opt.Data)
	}
	return mnistsample.Load()
}

// FashionMNIST is where Debian's dataset-fashion-mnist installs the data.
const FashionMNIST = "/usr/share/datasets/fashion-mnist"

// fashion returns Fashion-MNIST from opt.Data or FashionMNIST: its first
// 8,000 training and 2,000 test images at the Small size, all of them at
// Full.
func fashion(opt Options) (train, eval *datasets.Set, err error) {
	dir := opt.Data
	if dir == "" {
		dir = FashionMNIST
		if _, err := os.Stat(dir); err != nil {
			return nil, nil, errors.Errorf("Fashion-MNIST is not installed at %s (Debian: apt-get install dataset-fashion-mnist), or give a directory with -data", dir)
		}
	}
	train, eval, err = datasets.LoadDir(dir)
	if err != nil || opt.Size == Full {
		return train, eval, err
	}
	if train, err = train.Head(min(8000, train.Len())); err != nil {
		return nil, nil, err
	}
	eval, err = eval.Head(min(2000, eval.Len()))
	return train, eval, err
}

// MLP returns an MLP classifier on train and eval: Dense(h) + ReLU for
// each hidden size, then Dense(classes) (Glorot-uniform weights, zero
// biases), named "mlp:H1,H2,…" — examples/compare's -model mlp:H1,H2,….
func MLP(hidden []int, train, eval *datasets.Set, batch int) compare.Problem {
	classes := train.Classes
	hs := slices.Clone(hidden)
	var parts []string
	for _, h := range hs {
		parts = append(parts, strconv.Itoa(h))
	}
	return compare.Problem{
		Name: "mlp:" + strings.Join(parts, ","), Train: train, Eval: eval,
		Config: graph.Config{Input: []int{train.Features()}, Classes: classes, Batch: batch},
		Net: func() layers.Layer {
			var ls []layers.Layer
			for _, h := range hs {
				ls = append(ls, layers.Dense(h), layers.ReLU())
			}
			return layers.Stack(append(ls, layers.Dense(classes))...)
		},
	}
}

// ParseMLP reads "mlp:H1,H2,…" (hidden sizes, each ≥ 1; "mlp:" alone is
// logistic regression).
func ParseMLP(spec string) ([]int, error) {
	rest, ok := strings.CutPrefix(spec, "mlp:")
	if !ok {
		return nil, errors.Errorf("suite: model %q: want mlp:H1,H2,…", spec)
	}
	var hs []int
	if rest == "" {
		return hs, nil
	}
	for _, f := range strings.Split(rest, ",") {
		h, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || h < 1 || h > 1<<16 {
			return nil, errors.Errorf("suite: model %q: hidden size %q, want an integer in [1, 65536]", spec, f)
		}
		hs = append(hs, h)
	}
	return hs, nil
}

// QuadraticDeepBatch is DeepOBS's batch size for quadratic_deep.
const QuadraticDeepBatch = 128

func builtins() []Workload {
	return []Workload{
		{
			Name: "mnist_logreg", About: "multinomial logistic regression, 784 → 10, zero initialisation, batch 128, on MNIST",
			Reference: "DeepOBS mnist_logreg", Target: compare.Target{Acc: 0.90}, StepHint: 600,
			Strategy: "sgd(lr=0.5)", Load: loadLogreg,
		},
		{
			Name: "mnist_mlp", About: "ReLU MLP 784-1000-500-100-10 (Small: 784-250-125-25-10), truncated-normal(0.03) weights, batch 128, on MNIST",
			Reference: "DeepOBS mnist_mlp", Target: compare.Target{Acc: 0.92}, StepHint: 600,
			Strategy: "adam(lr=1e-3)", Load: loadMLP,
		},
		{
			Name: "mnist_2c2d", About: "conv 32,64 (5×5, same) + max-pool, dense 1024, 10 (Small: conv 8,16, dense 128), batch 128, on MNIST",
			Reference: "DeepOBS mnist_2c2d", Target: compare.Target{Acc: 0.96}, StepHint: 600,
			Strategy: "adam(lr=1e-3)", Load: func(o Options) (compare.Problem, error) { return load2c2d("mnist_2c2d", o, mnist) },
		},
		{
			Name: "fmnist_2c2d", About: "the same network on Fashion-MNIST (Small: its first 8,000 / 2,000 images)",
			Reference: "DeepOBS fmnist_2c2d", Target: compare.Target{Acc: 0.82}, StepHint: 600,
			Strategy: "adam(lr=1e-3)", Load: func(o Options) (compare.Problem, error) { return load2c2d("fmnist_2c2d", o, fashion) },
		},
		{
			Name: "mnist_vae", About: "variational autoencoder, 8 latent dimensions, MLP encoder/decoder 784-256-(8,8) / 8-256-784 (Full: 512-256 each way, dropout 0.2), loss = squared reconstruction error + KL",
			Reference: "DeepOBS mnist_vae (its latent size, loss and leaky ReLU 0.3; MLP instead of its conv/deconv stacks)",
			Target:    compare.Target{Loss: 38}, StepHint: 1000, Strategy: "adam(lr=1e-3)", Load: loadVAE,
		},
		{
			Name: "quadratic_deep", About: "100-d noisy quadratic, 90% of the Hessian's eigenvalues in (0,1), 10% in (30,60), batch 128 (analytic; loss f − f*)",
			Reference: "DeepOBS quadratic_deep", Target: compare.Target{Loss: 1}, StepHint: 1000,
			Strategy: "adam(lr=0.1)",
			Load: func(Options) (compare.Problem, error) {
				p := compare.AnalyticProblem(solvertest.QuadraticDeep(QuadraticDeepBatch))
				p.Name = "quadratic_deep"
				return p, nil
			},
		},
		{
			Name: "char_gpt", About: "decoder-only transformer, 2 layers, d = 64, 4 heads, context 64, next byte, on the Go standard library's source",
			Reference: "nanoGPT's character-level setup (shakespeare_char), smaller", Target: compare.Target{Loss: 3.0}, StepHint: 600,
			Strategy: "adamw(lr=3e-3)", Load: loadCharGPT,
		},
		{
			Name: "mnist_seed", About: "ReLU MLP 784-10-10, softmax cross-entropy, batch 32, 5 epochs, on MNIST",
			Reference: "the seed programs (TensorFlow, PyTorch, Keras)", Target: compare.Target{Acc: 0.88}, StepHint: 1250,
			Strategy:   "adam(lr=1e-3)",
			Strategies: []string{"sgd: sgd(lr=0.01)", "momentum: sgd(lr=0.01,momentum=0.9)", "adam: adam(lr=1e-3)"},
			Load: func(o Options) (compare.Problem, error) {
				train, eval, err := mnist(o)
				if err != nil {
					return compare.Problem{}, err
				}
				p := MLP([]int{10}, train, eval, batchOr(o, 32))
				p.Name = "mnist_seed"
				return p, nil
			},
		},
	}
}

func loadLogreg(o Options) (compare.Problem, error) {
	train, eval, err := mnist(o)
	if err != nil {
		return compare.Problem{}, err
	}
	classes := train.Classes
	return compare.Problem{
		Name: "mnist_logreg", Train: train, Eval: eval,
		Config: graph.Config{Input: []int{train.Features()}, Classes: classes, Batch: batchOr(o, 128)},
		Net:    func() layers.Layer { return layers.Dense(classes).WithInit(layers.Zeros, layers.Zeros) },
	}, nil
}

func loadMLP(o Options) (compare.Problem, error) {
	train, eval, err := mnist(o)
	if err != nil {
		return compare.Problem{}, err
	}
	hidden := []int{250, 125, 25}
	if o.Size == Full {
		hidden = []int{1000, 500, 100}
	}
	classes := train.Classes
	return compare.Problem{
		Name: "mnist_mlp", Train: train, Eval: eval,
		Config: graph.Config{Input: []int{train.Features()}, Classes: classes, Batch: batchOr(o, 128)},
		Net: func() layers.Layer {
			init := layers.TruncatedNormal(3e-2)
			var ls []layers.Layer
			for _, h := range hidden {
				ls = append(ls, layers.Dense(h).WithInit(init, layers.Zeros), layers.ReLU())
			}
			return layers.Stack(append(ls, layers.Dense(classes).WithInit(init, layers.Zeros))...)
		},
	}, nil
}

func load2c2d(name string, o Options, data func(Options) (*datasets.Set, *datasets.Set, error)) (compare.Problem, error) {
	train, eval, err := data(o)
	if err != nil {
		return compare.Problem{}, err
	}
	if len(train.Shape) != 2 {
		return compare.Problem{}, errors.Errorf("%s needs images (rows, cols); the data have shape %v", name, train.Shape)
	}
	c1, c2, d := 8, 16, 128
	if o.Size == Full {
		c1, c2, d = 32, 64, 1024
	}
	classes := train.Classes
	return compare.Problem{
		Name: name, Train: train, Eval: eval,
		Config: graph.Config{Input: []int{1, train.Shape[0], train.Shape[1]}, Classes: classes, Batch: batchOr(o, 128)},
		Net: func() layers.Layer {
			// DeepOBS _2c2d: conv 5×5 "same", ReLU, 2×2 max-pool, twice;
			// dense + ReLU; dense. Weights truncated normal (0.05), biases
			// 0.05.
			w, b := layers.TruncatedNormal(0.05), layers.Constant(0.05)
			return layers.Stack(
				layers.Conv2D(c1, 5).WithPadding(2).WithInit(w, b), layers.ReLU(), layers.MaxPool2D(2),
				layers.Conv2D(c2, 5).WithPadding(2).WithInit(w, b), layers.ReLU(), layers.MaxPool2D(2),
				layers.Flatten(), layers.Dense(d).WithInit(w, b), layers.ReLU(), layers.Dense(classes).WithInit(w, b),
			)
		},
	}, nil
}

// VAELatent is mnist_vae's latent dimension (DeepOBS's n_latent).
const VAELatent = 8

func loadVAE(o Options) (compare.Problem, error) {
	train, eval, err := mnist(o)
	if err != nil {
		return compare.Problem{}, err
	}
	hidden := []int{256}
	dropout := 0.0
	if o.Size == Full {
		hidden, dropout = []int{512, 256}, 0.2
	}
	f := train.Features()
	return compare.Problem{
		Name: "mnist_vae", Train: train, Eval: eval,
		Config: graph.Config{Input: []int{f}, Loss: graph.ReconstructionLoss, Batch: batchOr(o, 64)},
		Net:    func() layers.Layer { return VAE(f, hidden, VAELatent, dropout) },
	}, nil
}

// VAE returns a variational autoencoder on inputs of `features` values in
// [0, 1]: an encoder of Dense(h) + leaky ReLU (α = 0.3, DeepOBS's lrelu)
// [+ dropout] per hidden size, Dense(2·latent) giving [μ | log σ],
// GaussianSample(latent) (reparameterisation and the KL term), and a
// mirrored decoder ending in Dense(features) and a sigmoid. With
// graph.Config{Loss: graph.ReconstructionLoss} the model's loss is the
// negative ELBO of DeepOBS's VAE: Σ (x̂ − x)² + KL, per image.
func VAE(features int, hidden []int, latent int, dropout float64) layers.Layer {
	var ls []layers.Layer
	block := func(h int) {
		ls = append(ls, layers.Dense(h), layers.LeakyReLU(0.3))
		if dropout > 0 {
			ls = append(ls, layers.Dropout(dropout))
		}
	}
	for _, h := range hidden {
		block(h)
	}
	ls = append(ls, layers.Dense(2*latent), layers.GaussianSample(latent))
	for i := len(hidden) - 1; i >= 0; i-- {
		block(hidden[i])
	}
	return layers.Stack(append(ls, layers.Dense(features), layers.Sigmoid())...)
}
