package compare_test

import (
	"context"
	"fmt"
	"log"

	"github.com/convergo/convergo/compare"
	"github.com/convergo/convergo/datasets"
	"github.com/convergo/convergo/graph"
	"github.com/convergo/convergo/layers"
)

func ExampleParseStrategy() {
	s, err := compare.ParseStrategy("sgd+cos: sgd(lr=0.1,momentum=0.9) | l2(lambda=1e-4) | cosine(max=0.1,T=total)")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("name:       ", s.Name)
	fmt.Println("solver:     ", s.Solver)
	fmt.Println("schedule:   ", s.Schedule)
	fmt.Println("regularizer:", s.Regularizer)
	fmt.Println(s)
	_, err = compare.ParseStrategy("adam(lr=1e-3,beta=0.9)")
	fmt.Println(err != nil)
	// Output:
	// name:        sgd+cos
	// solver:      sgd(lr=0.1,momentum=0.9)
	// schedule:    cosine(max=0.1,T=total)
	// regularizer: l2(lambda=1e-4)
	// sgd+cos: sgd(lr=0.1,momentum=0.9) | cosine(max=0.1,T=total) | l2(lambda=1e-4)
	// true
}

// A small study on synthetic data: three strategies, three seeds, a target
// of 90% validation accuracy. The ranking and step counts are the same on
// every machine and whatever Parallel is.
func ExampleRun() {
	data, err := datasets.Blobs(600, 4, 3, 7)
	if err != nil {
		log.Fatal(err)
	}
	train, val, err := data.Split(200, 7)
	if err != nil {
		log.Fatal(err)
	}
	strategies, err := compare.ParseStrategies(
		"slow: sgd(lr=0.001)",
		"adam: adam(lr=0.01)",
		"sgd+cosine: sgd(lr=0.1,momentum=0.9) | cosine(max=0.1,T=total)",
	)
	if err != nil {
		log.Fatal(err)
	}
	res, err := compare.Run(context.Background(), compare.Study{
		Problems: []compare.Problem{{
			Name:   "blobs",
			Net:    func() layers.Layer { return layers.Stack(layers.Dense(16), layers.ReLU(), layers.Dense(3)) },
			Config: graph.Config{Input: []int{4}, Classes: 3, Batch: 20},
			Train:  train, Eval: val,
		}},
		Strategies: strategies,
		Seeds:      []uint64{1, 2, 3},
		Epochs:     5,
		EvalEvery:  5,
		Target:     compare.Target{Acc: 0.9},
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, name := range res.Ranking("blobs") {
		s := res.Stat("blobs", name)
		fmt.Printf("%d %-10s reached %d/%d, median steps to target %v\n", s.Rank, name, s.Reached, s.Trials, s.StepsToTarget.Median)
	}
	// Output:
	// 1 sgd+cosine reached 3/3, median steps to target 15
	// 2 adam       reached 3/3, median steps to target 20
	// 3 slow       reached 0/3, median steps to target +Inf
}
