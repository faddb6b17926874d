package graph_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/convergo/convergo/datasets"
	"github.com/convergo/convergo/graph"
	"github.com/convergo/convergo/layers"
	"github.com/convergo/convergo/solvers"
	"gorgonia.org/tensor"
)

// splitBlobs returns a seeded synthetic classification problem of n rows,
// nVal of which are split off for validation.
func splitBlobs(n, features, classes, nVal int) (train, val *datasets.Set) {
	data, err := datasets.Blobs(n, features, classes, 1)
	if err != nil {
		log.Fatal(err)
	}
	train, val, err = data.Split(nVal, 2)
	if err != nil {
		log.Fatal(err)
	}
	return train, val
}

// solver parses a solver spec.
func solver(spec string) solvers.Solver {
	s, err := solvers.Parse(spec)
	if err != nil {
		log.Fatal(err)
	}
	return s
}

// sumSquares returns Σθ² over the store's tensors with the given names.
func sumSquares(s *layers.Store, names ...string) float64 {
	sum := 0.0
	for _, name := range names {
		switch d := s.Tensor(name).Data().(type) {
		case []float32:
			for _, v := range d {
				sum += float64(v) * float64(v)
			}
		case []float64:
			for _, v := range d {
				sum += v * v
			}
		}
	}
	return sum
}

// An L2 penalty ½·λ·Σθ² on the weights (not the biases, the default
// filter WeightsOnly) is part of the training loss. Two models from the
// same seed see the same first batch, so their first-step losses differ
// by exactly the penalty at the initial weights; an OnStep hook returning
// ErrStop ends each run after that step. Trained for 10 more epochs with
// plain SGD, the penalised model ends with much smaller weights.
func ExampleL2() {
	train, val := splitBlobs(300, 4, 3, 60)
	const lambda = 0.1
	newModel := func(penalty graph.Penalty) *graph.Model {
		net := layers.Stack(layers.Dense(16), layers.ReLU(), layers.Dense(3))
		m, err := graph.NewModel(net, graph.Config{Input: []int{4}, Classes: 3, Batch: 20, Dtype: tensor.Float64, Seed: 1, Penalty: penalty})
		if err != nil {
			log.Fatal(err)
		}
		return m
	}
	firstLoss := func(m *graph.Model) float64 {
		var loss float64
		tr := graph.Trainer{
			Solver: solver("sgd(lr=0.1)"), Epochs: 1, Seed: 1,
			OnStep: func(s graph.StepStats) error { loss = s.Loss; return graph.ErrStop },
		}
		if _, err := tr.Fit(context.Background(), m, train, nil); err != nil {
			log.Fatal(err)
		}
		return loss
	}
	plain, l2 := newModel(nil), newModel(graph.L2(lambda, nil))
	defer plain.Close()
	defer l2.Close()
	want := 0.5 * lambda * sumSquares(l2.Store(), "dense0.W", "dense1.W")
	fmt.Printf("½·λ·Σ W² at initialisation:      %.6f\n", want)
	fmt.Printf("first-step loss, L2 minus plain: %.6f\n", firstLoss(l2)-firstLoss(plain))

	for _, m := range []*graph.Model{plain, l2} {
		tr := graph.Trainer{Solver: solver("sgd(lr=0.1)"), Epochs: 10, Seed: 1}
		if _, err := tr.Fit(context.Background(), m, train, val); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Printf("Σ W² after 10 more epochs: plain %.2f, L2 %.2f\n",
		sumSquares(plain.Store(), "dense0.W", "dense1.W"), sumSquares(l2.Store(), "dense0.W", "dense1.W"))
	// Output:
	// ½·λ·Σ W² at initialisation:      0.620390
	// first-step loss, L2 minus plain: 0.620390
	// Σ W² after 10 more epochs: plain 27.72, L2 7.38
}

// Early stopping on the validation loss with Patience 3: after three
// epochs without a new best, training stops, Fit returns a nil
// error, and the model holds the weights of the best epoch again. Chain
// runs a printing hook before the early-stopping one.
func ExampleEarlyStopping() {
	train, val := splitBlobs(120, 2, 5, 60)
	net := layers.Stack(layers.Dense(64), layers.ReLU(), layers.Dense(5))
	m, err := graph.NewModel(net, graph.Config{Input: []int{2}, Classes: 5, Batch: 10, Seed: 1})
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	es := graph.NewEarlyStopping(m, 3)
	tr := graph.Trainer{
		Solver: solver("adam(lr=0.05)"),
		Epochs: 100,
		Seed:   1,
		OnEpoch: graph.Chain(func(e graph.EpochStats) error {
			fmt.Printf("epoch %d: val_loss=%.4f\n", e.Epoch, e.TestLoss)
			return nil
		}, es.OnEpoch),
	}
	hist, err := tr.Fit(context.Background(), m, train, val)
	if err != nil {
		log.Fatal(err)
	}
	loss, _, err := m.Evaluate(val)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("stopped after epoch %d (stopped=%v); best epoch %d, val_loss %.4f\n", hist.Last().Epoch, es.Stopped(), es.BestEpoch(), es.Best())
	fmt.Printf("val_loss of the model now: %.4f, restored: %v\n", loss, loss == es.Best())
	// Output:
	// epoch 1: val_loss=1.2457
	// epoch 2: val_loss=0.8731
	// epoch 3: val_loss=0.5994
	// epoch 4: val_loss=0.5307
	// epoch 5: val_loss=0.2593
	// epoch 6: val_loss=0.2010
	// epoch 7: val_loss=0.2054
	// epoch 8: val_loss=0.1094
	// epoch 9: val_loss=0.0953
	// epoch 10: val_loss=0.1377
	// epoch 11: val_loss=0.0780
	// epoch 12: val_loss=0.0942
	// epoch 13: val_loss=0.1179
	// epoch 14: val_loss=0.1080
	// stopped after epoch 14 (stopped=true); best epoch 11, val_loss 0.0780
	// val_loss of the model now: 0.0780, restored: true
}

// Resume a run from a checkpoint: the weights (Store.Save, Store.Load)
// and the solver's state (solvers.Stater) after epoch 2 are loaded into a
// fresh model and a fresh solver, and Trainer.StartEpoch = 2 runs epochs 3
// and 4 with the batch order they have in an uninterrupted run. The result
// is the uninterrupted run's, bit for bit.
func ExampleTrainer_resume() {
	train, val := splitBlobs(240, 4, 3, 60)
	newModel := func() *graph.Model {
		net := layers.Stack(layers.Dense(16), layers.ReLU(), layers.Dense(3))
		m, err := graph.NewModel(net, graph.Config{Input: []int{4}, Classes: 3, Batch: 20, Seed: 1})
		if err != nil {
			log.Fatal(err)
		}
		return m
	}
	newSolver := func() solvers.Solver { return solver("adam(lr=0.01)") }
	ctx := context.Background()

	// The uninterrupted run: 4 epochs.
	straight := newModel()
	defer straight.Close()
	tr := graph.Trainer{Solver: newSolver(), Epochs: 4, Seed: 1}
	whole, err := tr.Fit(ctx, straight, train, val)
	if err != nil {
		log.Fatal(err)
	}

	// 2 epochs, then a checkpoint.
	first := newModel()
	defer first.Close()
	s1 := newSolver()
	tr = graph.Trainer{Solver: s1, Epochs: 2, Seed: 1}
	if _, err := tr.Fit(ctx, first, train, val); err != nil {
		log.Fatal(err)
	}
	var weights bytes.Buffer
	if err := first.Store().Save(&weights); err != nil {
		log.Fatal(err)
	}
	state, err := s1.(solvers.Stater).State()
	if err != nil {
		log.Fatal(err)
	}

	// A fresh model and solver take over at epoch 3.
	second := newModel()
	defer second.Close()
	if err := second.Store().Load(&weights); err != nil {
		log.Fatal(err)
	}
	s2 := newSolver()
	if err := s2.(solvers.Stater).SetState(state); err != nil {
		log.Fatal(err)
	}
	tr = graph.Trainer{Solver: s2, Epochs: 4, StartEpoch: 2, Seed: 1}
	rest, err := tr.Fit(ctx, second, train, val)
	if err != nil {
		log.Fatal(err)
	}
	for _, e := range rest.Epochs {
		w := whole.Epochs[e.Epoch-1]
		fmt.Printf("epoch %d: steps %d, val_loss %.4f (uninterrupted: steps %d, val_loss %.4f)\n", e.Epoch, e.Steps, e.TestLoss, w.Steps, w.TestLoss)
	}
	identical := true
	for _, name := range straight.Store().Names() {
		a, b := straight.Store().Tensor(name).Data().([]float32), second.Store().Tensor(name).Data().([]float32)
		for i := range a {
			identical = identical && a[i] == b[i]
		}
	}
	fmt.Println("weights identical to the uninterrupted run:", identical)
	// Output:
	// epoch 3: steps 27, val_loss 0.5535 (uninterrupted: steps 27, val_loss 0.5535)
	// epoch 4: steps 36, val_loss 0.3852 (uninterrupted: steps 36, val_loss 0.3852)
	// weights identical to the uninterrupted run: true
}

// A learning rate far too large makes the loss overflow; Fit stops at
// the first NaN or ±Inf loss with an error matching ErrDiverged, and
// returns the history of the epochs completed before it.
func ExampleErrDiverged() {
	train, val := splitBlobs(240, 4, 3, 60)
	net := layers.Stack(layers.Dense(16), layers.ReLU(), layers.Dense(3))
	m, err := graph.NewModel(net, graph.Config{Input: []int{4}, Classes: 3, Batch: 20, Seed: 1})
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	tr := graph.Trainer{Solver: solver("sgd(lr=1e30)"), Epochs: 5, Seed: 1}
	hist, err := tr.Fit(context.Background(), m, train, val)
	fmt.Println("diverged:", errors.Is(err, graph.ErrDiverged))
	fmt.Println("epochs completed:", len(hist.Epochs))
	fmt.Println(err)
	// Output:
	// diverged: true
	// epochs completed: 0
	// epoch 1 step 1: training loss NaN: graph: training diverged
}
