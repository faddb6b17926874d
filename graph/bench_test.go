package graph

import (
	"math/rand/v2"
	"testing"

	"github.com/convergo/convergo/layers"
	"github.com/convergo/convergo/solvers"
	"gorgonia.org/gorgonia"
)

// The benchmark workload of issue 7: an MLP 784-256-128-10 with ReLU on
// batches of 128, float32.
func BenchmarkTrainerStepSGD(b *testing.B)  { benchTrainerStep(b, "sgd(lr=0.05,momentum=0.9)") }
func BenchmarkTrainerStepAdam(b *testing.B) { benchTrainerStep(b, "adam(lr=1e-3)") }

// BenchmarkTrainerStepSGDTapeMachine is BenchmarkTrainerStepSGD with the
// graph run by Gorgonia's TapeMachine (BindDualValues) instead of the
// Model's machine: the baseline of the machine's gain, in the same run.
func BenchmarkTrainerStepSGDTapeMachine(b *testing.B) {
	benchTrainerStepWith(b, "sgd(lr=0.05,momentum=0.9)", true)
}

// benchTrainerStep times one training step as the Trainer runs it: the
// input copy, the forward and backward pass, and the solver step.
func benchTrainerStep(b *testing.B, spec string) { benchTrainerStepWith(b, spec, false) }

func benchTrainerStepWith(b *testing.B, spec string, tapeMachine bool) {
	const batch, features, classes = 128, 784, 10
	m, err := NewModel(layers.Stack(layers.Dense(256), layers.ReLU(), layers.Dense(128), layers.ReLU(), layers.Dense(classes)),
		Config{Input: []int{features}, Classes: classes, Batch: batch, EvalBatch: batch, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	solver, err := solvers.Parse(spec)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	x := make([]float32, batch*features)
	for i := range x {
		x[i] = rng.Float32()
	}
	y := make([]int, batch)
	for i := range y {
		y[i] = rng.IntN(classes)
	}
	grads := gorgonia.NodesToValueGrads(m.Params())
	step := m.trainStep
	if tapeMachine {
		tape := gorgonia.NewTapeMachine(m.train.g, gorgonia.BindDualValues(m.params...))
		defer tape.Close()
		step = func(x []float32, y []int, n, step int) (float64, error) {
			m.fill(&m.train, x, y, n)
			tape.Reset()
			if err := tape.RunAll(); err != nil {
				return 0, err
			}
			return scalarValue(m.train.loss.Value())
		}
	}
	// One step outside the loop: the first allocates buffers and the
	// solver's state, so that -benchmem reports the steady state.
	if _, err := step(x, y, batch, 0); err != nil {
		b.Fatal(err)
	}
	if err := solver.Step(grads); err != nil {
		b.Fatal(err)
	}
	var sink float64
	for b.Loop() {
		loss, err := step(x, y, batch, 0)
		if err != nil {
			b.Fatal(err)
		}
		if err := solver.Step(grads); err != nil {
			b.Fatal(err)
		}
		sink += loss
	}
	benchSink = sink
	b.ReportMetric(float64(batch)*float64(b.N)/b.Elapsed().Seconds(), "samples/s")
}

var benchSink float64
