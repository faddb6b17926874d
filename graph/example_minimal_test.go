package graph_test

import (
	"context"
	"fmt"
	"log"

	"github.com/convergo/convergo/datasets/mnistsample"
	"github.com/convergo/convergo/graph"
	"github.com/convergo/convergo/layers"
	"github.com/convergo/convergo/lrsched"
	"github.com/convergo/convergo/solvers"
)

// Example_minimal is the README's minimal program, as written there:
// an MLP on the embedded MNIST sample, Adam with a cosine schedule, five
// epochs.
func Example_minimal() {
	ctx := context.Background()
	train, test, err := mnistsample.Load()
	if err != nil {
		log.Fatal(err)
	}
	net := layers.Stack(layers.Dense(128), layers.ReLU(), layers.Dense(10))
	m, err := graph.NewModel(net, graph.Config{Input: []int{784}, Classes: 10, Batch: 64, Seed: 1})
	if err != nil {
		log.Fatal(err)
	}
	solver, err := solvers.Parse("adam(lr=1e-3)")
	if err != nil {
		log.Fatal(err)
	}
	sched, err := lrsched.Parse("cosine(max=1e-3,T=625)") // 5 epochs of 125 steps
	if err != nil {
		log.Fatal(err)
	}
	trainer := graph.Trainer{Solver: solver, Schedule: sched, Epochs: 5, Seed: 1}
	hist, err := trainer.Fit(ctx, m, train, test)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("held-out accuracy after %d steps: %.2f\n", hist.Last().Steps, hist.Last().TestAcc)
	// Output:
	// held-out accuracy after 625 steps: 0.93
}
