package graph_test

import (
	"context"
	"fmt"
	"log"

	"github.com/convergo/convergo/datasets"
	"github.com/convergo/convergo/graph"
	"github.com/convergo/convergo/layers"
	"gorgonia.org/gorgonia"
)

// Train a small MLP on a synthetic three-class problem with Gorgonia's own
// vanilla SGD, evaluating on a held-out split after each epoch.
func ExampleTrainer_Fit() {
	data, err := datasets.Blobs(600, 4, 3, 1)
	if err != nil {
		log.Fatal(err)
	}
	train, test, err := data.Split(200, 2)
	if err != nil {
		log.Fatal(err)
	}
	net := layers.Stack(layers.Dense(16), layers.ReLU(), layers.Dense(3))
	m, err := graph.NewModel(net, graph.Config{Input: []int{4}, Classes: 3, Batch: 20, Seed: 1})
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	tr := graph.Trainer{
		Solver: gorgonia.NewVanillaSolver(gorgonia.WithLearnRate(0.1)),
		Epochs: 3,
		Seed:   1,
		OnEpoch: func(e graph.EpochStats) error {
			fmt.Printf("epoch %d: steps=%d test_acc=%.2f\n", e.Epoch, e.Steps, e.TestAcc)
			return nil
		},
	}
	if _, err := tr.Fit(context.Background(), m, train, test); err != nil {
		log.Fatal(err)
	}
	// Output:
	// epoch 1: steps=20 test_acc=0.68
	// epoch 2: steps=40 test_acc=1.00
	// epoch 3: steps=60 test_acc=1.00
}
