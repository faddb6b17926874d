package graph

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/convergo/convergo/layers"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// machineCases are networks covering every kind of op a Model runs:
// convergo's fused ops, Gorgonia's own (sigmoid, tanh, reshape, and the
// penalties' abs, square, sum and scalar arithmetic), batch hooks
// (dropout masks) and layer state (batch-norm running statistics).
var machineCases = []struct {
	name    string
	input   []int
	net     func() layers.Layer
	penalty Penalty
}{
	{"mlp", []int{12}, func() layers.Layer {
		return layers.Stack(layers.Dense(8), layers.ReLU(), layers.Dense(3))
	}, nil},
	{"activations", []int{12}, func() layers.Layer {
		return layers.Stack(layers.Dense(8), layers.Sigmoid(), layers.Dense(8), layers.Tanh(),
			layers.Dense(8), layers.GELU(), layers.Dense(8), layers.LeakyReLU(0.1), layers.Dense(3))
	}, nil},
	{"convnet", []int{1, 6, 6}, func() layers.Layer {
		return layers.Stack(layers.Conv2D(4, 3), layers.BatchNorm(), layers.ReLU(), layers.MaxPool2D(2),
			layers.Flatten(), layers.Dropout(0.5), layers.Dense(3))
	}, nil},
	{"elasticnet", []int{12}, func() layers.Layer {
		return layers.Stack(layers.Dense(8), layers.ReLU(), layers.Dense(3))
	}, ElasticNet(1e-2, 1e-1, AllParams)},
}

// TestMachineMatchesTapeMachine trains two copies of each network for a
// few steps, one with the Model's machine and one with Gorgonia's
// TapeMachine (BindDualValues, gradients zeroed before each run) on the
// same batches, and requires the same losses, gradients, weights and
// evaluation logits, bit for bit. The last batch is partial (padding).
func TestMachineMatchesTapeMachine(t *testing.T) {
	const batch, classes, steps = 5, 3, 4
	for _, tc := range machineCases {
		for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
			t.Run(tc.name+"/"+dt.String(), func(t *testing.T) {
				cfg := Config{Input: tc.input, Classes: classes, Batch: batch, EvalBatch: batch, Dtype: dt, Seed: 9, Penalty: tc.penalty}
				ours, err := NewModel(tc.net(), cfg)
				if err != nil {
					t.Fatal(err)
				}
				ref, err := NewModel(tc.net(), cfg)
				if err != nil {
					t.Fatal(err)
				}
				tape := gorgonia.NewTapeMachine(ref.train.g, gorgonia.BindDualValues(ref.params...))
				defer tape.Close()
				evalTape := gorgonia.NewTapeMachine(ref.eval.g)
				defer evalTape.Close()

				f := cfg.features()
				rng := rand.New(rand.NewPCG(1, 2))
				x := make([]float32, batch*f)
				y := make([]int, batch)
				solver := &sgd{lr: 0.1}
				for step := range steps {
					for i := range x {
						x[i] = rng.Float32()*2 - 1
					}
					for i := range y {
						y[i] = rng.IntN(classes)
					}
					n := batch
					if step == steps-1 {
						n = batch - 2
					}
					got, err := ours.trainStep(x, y, n, step)
					if err != nil {
						t.Fatal(err)
					}
					want, err := tapeStep(ref, tape, x, y, n, step)
					if err != nil {
						t.Fatal(err)
					}
					if math.Float64bits(got) != math.Float64bits(want) {
						t.Fatalf("step %d: loss %v, TapeMachine %v", step, got, want)
					}
					for i, p := range ours.params {
						g, _ := p.Grad()
						rg, _ := ref.params[i].Grad()
						if d := firstDiff(t, g, rg); d >= 0 {
							t.Fatalf("step %d: gradient of %s differs from the TapeMachine's at element %d", step, p.Name(), d)
						}
					}
					for _, m := range []*Model{ours, ref} {
						if err := solver.Step(gorgonia.NodesToValueGrads(m.params)); err != nil {
							t.Fatal(err)
						}
					}
				}
				for i, p := range ours.params {
					if d := firstDiff(t, p.Value(), ref.params[i].Value()); d >= 0 {
						t.Fatalf("weights of %s differ at element %d", p.Name(), d)
					}
				}
				// Evaluation graph: the logits of one batch.
				ours.fill(&ours.eval, x, nil, batch)
				if err := ours.eval.vm.run(); err != nil {
					t.Fatal(err)
				}
				ref.fill(&ref.eval, x, nil, batch)
				if err := evalTape.RunAll(); err != nil {
					t.Fatal(err)
				}
				if d := firstDiff(t, ours.eval.logits.Value(), ref.eval.logits.Value()); d >= 0 {
					t.Fatalf("evaluation logits differ at element %d", d)
				}
			})
		}
	}
}

// tapeStep is Model.trainStep with a TapeMachine: the gradients are
// zeroed first, as the TapeMachine adds into them.
func tapeStep(m *Model, tape gorgonia.VM, x []float32, y []int, n, step int) (float64, error) {
	for _, p := range m.params {
		g, _ := p.Grad()
		g.(*tensor.Dense).Zero()
	}
	m.fill(&m.train, x, y, n)
	for _, h := range m.train.hooks {
		if err := h(step); err != nil {
			return 0, err
		}
	}
	tape.Reset()
	if err := tape.RunAll(); err != nil {
		return 0, err
	}
	return scalarValue(m.train.loss.Value())
}

// firstDiff returns the index of the first element where a and b differ
// in bits, or -1.
func firstDiff(t *testing.T, a, b gorgonia.Value) int {
	t.Helper()
	switch x := a.Data().(type) {
	case []float32:
		y := b.Data().([]float32)
		for i := range x {
			if math.Float32bits(x[i]) != math.Float32bits(y[i]) {
				return i
			}
		}
	case []float64:
		y := b.Data().([]float64)
		for i := range x {
			if math.Float64bits(x[i]) != math.Float64bits(y[i]) {
				return i
			}
		}
	default:
		t.Fatalf("values of %T", x)
	}
	return -1
}

// TestTrainStepAllocates locks in the machine's reuse of buffers: after the
// first step, a training step of an MLP of convergo's ops (every
// activation) allocates nothing (a TapeMachine allocated about 150 objects
// per step on the benchmark MLP). Gorgonia's elementwise unary ops, Sum and
// Reshape cannot write into a given buffer, so networks using them
// allocate those outputs every run, as under a TapeMachine; its Add, which sums a penalty's terms
// and adds their gradients to the loss's, writes into the buffer but
// allocates about five small objects per call on the way (56 per step on
// the elastic-net case, 750 bytes, where the composed penalty allocated 400
// objects including tensors the size of the weights).
func TestTrainStepAllocates(t *testing.T) {
	for _, c := range machineCases[:2] { // mlp, activations
		for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
			t.Run(c.name+"/"+dt.String(), func(t *testing.T) {
				m, err := NewModel(c.net(), Config{Input: c.input, Classes: 3, Batch: 4, EvalBatch: 4, Seed: 1, Dtype: dt})
				if err != nil {
					t.Fatal(err)
				}
				x := make([]float32, 4*m.cfg.features())
				y := make([]int, 4)
				if _, err := m.trainStep(x, y, 4, 0); err != nil {
					t.Fatal(err)
				}
				if n := testing.AllocsPerRun(20, func() { _, _ = m.trainStep(x, y, 4, 0) }); n != 0 {
					t.Errorf("a training step allocates %v objects", n)
				}
			})
		}
	}
}
