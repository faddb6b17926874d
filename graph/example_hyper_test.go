package graph_test

import (
	"fmt"
	"log"

	"github.com/convergo/convergo/graph"
)

// Schedules of hyperparameters other than the learning rate, for
// Trainer.Hyper: momentum ramped from 0.85 to 0.95 over 100 steps, weight
// decay annealed from 0.05 to 0.005 over 1000, dropout fixed at 0.1. The
// Trainer sets them before every step, at the learning-rate schedule's
// step count.
func ExampleParseHyper() {
	hyper, err := graph.ParseHyper("momentum=linear(lr=0.95,start_factor=0.8947368421052632,total=100)," +
		"weight_decay=cosine(max=0.05,min=0.005,T=1000),dropout=0.1")
	if err != nil {
		log.Fatal(err)
	}
	for _, step := range []int{0, 50, 100, 1000} {
		fmt.Printf("step %4d: momentum %.3f, weight_decay %.4f, dropout %.1f\n", step,
			hyper["momentum"].LR(step), hyper["weight_decay"].LR(step), hyper["dropout"].LR(step))
	}
	_ = &graph.Trainer{Hyper: hyper} // with a Solver, a Schedule and a budget
	// Output:
	// step    0: momentum 0.850, weight_decay 0.0500, dropout 0.1
	// step   50: momentum 0.900, weight_decay 0.0497, dropout 0.1
	// step  100: momentum 0.950, weight_decay 0.0489, dropout 0.1
	// step 1000: momentum 0.950, weight_decay 0.0050, dropout 0.1
}
