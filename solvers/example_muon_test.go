package solvers_test

import (
	"fmt"
	"log"

	"github.com/convergo/convergo/solvers"
)

// Muon takes the matrices of a network and hands the other parameters to
// its inner solver (adamw with its defaults unless given). graph.Trainer
// tells it which parameter is what (solvers.ParamDescriber); a hand-written
// loop can do the same.
func ExampleMuon() {
	s, err := solvers.Parse("muon(lr=0.02,adamw(lr=3e-4))")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(s)
	s.(solvers.ParamDescriber).DescribeParams(map[string]solvers.ParamInfo{
		"dense0.W": {Layer: "dense", Role: "weight"},               // Muon, as torch's (out, in)
		"dense0.b": {Layer: "dense", Role: "bias"},                 // adamw
		"dense1.W": {Layer: "dense", Role: "weight", Output: true}, // adamw: the output layer
	})
	// Output:
	// muon(lr=0.02,weight_decay=0.1,momentum=0.95,nesterov=true,ns_steps=5,eps=1e-07,adjust_lr_fn=original,adamw(lr=0.0003,beta1=0.9,beta2=0.999,eps=1e-08,weight_decay=0.01,amsgrad=false))
}
