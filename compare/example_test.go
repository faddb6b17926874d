package compare_test

import (
	"context"
	"fmt"
	"log"

	"github.com/convergo/convergo/compare"
	"github.com/convergo/convergo/datasets"
	"github.com/convergo/convergo/graph"
	"github.com/convergo/convergo/layers"
	"github.com/convergo/convergo/solvers/solvertest"
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

// A study on analytic problems from package solvertest: gradient descent
// against heavy ball, each with its optimal constant step for a quadratic
// of condition number κ = 100 (Polyak 1964), on that quadratic and on
// Booth's function (L = 18, μ = 2). The loss is f − f* and the target a tolerance on it; steps to
// target are exact to the step. No jitter: every seed starts at the
// problem's start point, so one seed is enough.
func ExampleAnalyticProblem() {
	booth := compare.AnalyticProblem(solvertest.Booth())
	quad := compare.AnalyticProblem(solvertest.Quadratic(10, 100, 0))
	quad.Name = "quadratic"
	strategies, err := compare.ParseStrategies(
		"gd: sgd(lr=0.019801980198019802)",                                    // 2/(L+μ) = 2/101
		"heavy-ball: sgd(lr=0.03305785123966942,momentum=0.6694214876033058)", // 4/(√L+√μ)² = 4/121, ((√κ-1)/(√κ+1))² = 81/121
	)
	if err != nil {
		log.Fatal(err)
	}
	res, err := compare.Run(context.Background(), compare.Study{
		Problems:     []compare.Problem{booth, quad},
		Strategies:   strategies,
		Seeds:        []uint64{1},
		Steps:        1000,
		Target:       compare.Target{Loss: 1e-6}, // f − f* ≤ 1e-6
		StopAtTarget: true,
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range []string{"booth", "quadratic"} {
		for _, name := range res.Ranking(p) {
			s := res.Stat(p, name)
			fmt.Printf("%-9s %d %-10s steps to f-f*<=1e-6: %v\n", p, s.Rank, name, s.StepsToTarget.Median)
		}
	}
	// The performance profile: ratios 180/42 = 4.29 and 444/69 = 6.43 for gd.
	for i, s := range res.Profile.Strategies {
		fmt.Printf("%-10s ρ(1) = %.1f, ρ(5) = %.1f, ρ(7) = %.1f\n", s, res.Profile.Rho(i, 1), res.Profile.Rho(i, 5), res.Profile.Rho(i, 7))
	}
	// Output:
	// booth     1 heavy-ball steps to f-f*<=1e-6: 42
	// booth     2 gd         steps to f-f*<=1e-6: 180
	// quadratic 1 heavy-ball steps to f-f*<=1e-6: 69
	// quadratic 2 gd         steps to f-f*<=1e-6: 444
	// gd         ρ(1) = 0.0, ρ(5) = 0.5, ρ(7) = 1.0
	// heavy-ball ρ(1) = 1.0, ρ(5) = 1.0, ρ(7) = 1.0
}
