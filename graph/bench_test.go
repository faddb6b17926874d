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

// benchTrainerStep times one training step as the Trainer runs it: the
// input copy, the forward and backward pass, and the solver step.
func benchTrainerStep(b *testing.B, spec string) {
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
	var sink float64
	for b.Loop() {
		loss, err := m.trainStep(x, y, batch, 0)
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
