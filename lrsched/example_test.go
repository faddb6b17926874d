package lrsched_test

import (
	"fmt"

	"github.com/convergo/convergo/lrsched"
)

func ExampleParse() {
	// Cosine annealing over T=4 steps; beyond T the cosine climbs back.
	s, err := lrsched.Parse("cosine(max=0.1,min=0,T=4)")
	if err != nil {
		panic(err)
	}
	for step := range 9 {
		fmt.Printf("%d %.6f\n", step, s.LR(step))
	}
	fmt.Println(s)
	// Output:
	// 0 0.100000
	// 1 0.085355
	// 2 0.050000
	// 3 0.014645
	// 4 0.000000
	// 5 0.014645
	// 6 0.050000
	// 7 0.085355
	// 8 0.100000
	// cosine(max=0.1,min=0,T=4,hold=false)
}

func ExampleParse_cosineHold() {
	// hold=true ends the annealing at T: the rate stays at min.
	s, err := lrsched.Parse("cosine(max=0.1,min=0.001,T=4,hold=true)")
	if err != nil {
		panic(err)
	}
	for _, step := range []int{0, 2, 4, 6, 8, 1000} {
		fmt.Printf("%d %.6f\n", step, s.LR(step))
	}
	// Output:
	// 0 0.100000
	// 2 0.050500
	// 4 0.001000
	// 6 0.001000
	// 8 0.001000
	// 1000 0.001000
}

func ExampleParse_error() {
	_, err := lrsched.Parse("cosine(max=0.1,T=0)")
	fmt.Println(err)
	_, err = lrsched.Parse("plateau(lr=0.1,factor=1.5)")
	fmt.Println(err)
	// Output:
	// lrsched: cosine: T=0: must be > 0
	// lrsched: plateau: factor=1.5: must be in (0,1)
}

func ExampleWarmup() {
	// A linear warm-up over 4 steps into cosine annealing over 8.
	s, err := lrsched.Parse("warmup(steps=4,cosine(max=0.1,T=8))")
	if err != nil {
		panic(err)
	}
	for step := range 9 {
		fmt.Printf("%d %.4f\n", step, s.LR(step))
	}
	// Output:
	// 0 0.0000
	// 1 0.0125
	// 2 0.0250
	// 3 0.0375
	// 4 0.0500
	// 5 0.0309
	// 6 0.0146
	// 7 0.0038
	// 8 0.0000
}

func ExamplePlateau() {
	p, err := lrsched.NewPlateau(lrsched.PlateauConfig{
		LR: 0.1, Factor: 0.5, Patience: 1, Threshold: 1e-4, ThresholdMode: lrsched.ThresholdRel,
	})
	if err != nil {
		panic(err)
	}
	for epoch, valLoss := range []float64{1.0, 0.8, 0.8, 0.8, 0.79, 0.79, 0.79} {
		fmt.Printf("epoch %d lr %.3f\n", epoch, p.LR(epoch))
		p.Observe(valLoss)
	}
	st := p.State()
	fmt.Printf("best %.2f, %d bad epochs, lr %.3f\n", st.Best, st.BadEpochs, st.LR)
	// Output:
	// epoch 0 lr 0.100
	// epoch 1 lr 0.100
	// epoch 2 lr 0.100
	// epoch 3 lr 0.100
	// epoch 4 lr 0.050
	// epoch 5 lr 0.050
	// epoch 6 lr 0.050
	// best 0.79, 0 bad epochs, lr 0.025
}

func ExampleSequential() {
	// A plateau after two constant epochs: it sees only the metrics of the
	// epochs in which it sets the rate.
	s, err := lrsched.Parse("sequential(constant(lr=0.5),plateau(lr=0.1,patience=0),milestones=[2])")
	if err != nil {
		panic(err)
	}
	obs := s.(lrsched.Observer)
	for epoch := range 5 {
		fmt.Printf("epoch %d lr %.3f\n", epoch, s.LR(epoch))
		obs.Observe(1) // the validation loss never improves on its first value
	}
	// Output:
	// epoch 0 lr 0.500
	// epoch 1 lr 0.500
	// epoch 2 lr 0.100
	// epoch 3 lr 0.100
	// epoch 4 lr 0.010
}

func ExampleFunc() {
	// A custom schedule: halve every 10 steps, as a plain function.
	half := lrsched.Func(func(step int) float64 { return 0.1 / float64(int(1)<<(max(step, 0)/10)) })
	w, err := lrsched.NewWarmup(5, 0, half)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%.3f %.3f %.3f %.3f\n", w.LR(0), w.LR(2), w.LR(5), w.LR(10))
	// Output:
	// 0.000 0.040 0.100 0.050
}

func ExampleWSD() {
	// Warm up over 2 steps, hold 0.1, cool down over the last 4 of 10 steps
	// with the paper's 1−√x shape; 0 from step 10 on.
	s, err := lrsched.Parse("wsd(lr=0.1,warmup=2,decay=4,total=10,decay_shape=sqrt)")
	if err != nil {
		panic(err)
	}
	for step := range 11 {
		fmt.Printf("%d %.4f\n", step, s.LR(step))
	}
	// Output:
	// 0 0.0000
	// 1 0.0500
	// 2 0.1000
	// 3 0.1000
	// 4 0.1000
	// 5 0.1000
	// 6 0.1000
	// 7 0.0500
	// 8 0.0293
	// 9 0.0134
	// 10 0.0000
}
