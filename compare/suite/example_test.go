package suite_test

import (
	"fmt"
	"log"

	"github.com/convergo/convergo/compare/suite"
)

// The registry: every workload with its documented target, step hint and
// strategy.
func ExampleWorkloads() {
	for _, w := range suite.Workloads() {
		fmt.Printf("%-15s %-12s %5d  %s\n", w.Name, w.Target, w.StepHint, w.Strategy)
	}
	// Output:
	// mnist_logreg    acc>=0.9       600  sgd(lr=0.5)
	// mnist_mlp       acc>=0.92      600  adam(lr=1e-3)
	// mnist_2c2d      acc>=0.96      600  adam(lr=1e-3)
	// fmnist_2c2d     acc>=0.82      600  adam(lr=1e-3)
	// mnist_vae       loss<=38      1000  adam(lr=1e-3)
	// quadratic_deep  loss<=1       1000  adam(lr=0.1)
	// char_gpt        loss<=3        600  adamw(lr=3e-3)
	// mnist_seed      acc>=0.88     1250  adam(lr=1e-3)
}

// A named problem is a compare.Problem: here the transformer on the Go
// source corpus, whose model predicts the next byte at each of 64
// positions.
func ExampleProblem() {
	p, err := suite.Problem("char_gpt", suite.Options{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(p.Name, p.Config.Input, p.Config.Positions, p.Config.Classes, p.Config.Batch, p.Eval.Len())
	// Output: char_gpt [64] 64 256 16 256
}
