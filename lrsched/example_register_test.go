package lrsched_test

import (
	"fmt"
	"math"

	"github.com/convergo/convergo/lrsched"
)

func ExampleRegister() {
	// halve(lr, every=10): the rate halves every `every` steps.
	err := lrsched.Register("halve", func(a *lrsched.Args) (lrsched.Scheduler, error) {
		lr := a.RequiredFloat("lr")
		every := a.Int("every", 10)
		if lr < 0 {
			a.Errorf("lr", "must be >= 0")
		}
		if every <= 0 {
			a.Errorf("every", "must be > 0")
		}
		return lrsched.Func(func(t int) float64 {
			return lr * math.Pow(0.5, float64(max(t, 0)/every))
		}), nil
	})
	if err != nil {
		panic(err)
	}
	// It composes with the built-in schedules.
	s, err := lrsched.Parse("warmup(steps=2,halve(lr=0.8,every=2))")
	if err != nil {
		panic(err)
	}
	for step := range 7 {
		fmt.Printf("%d:%.2f ", step, s.LR(step))
	}
	fmt.Println("...")
	// Its keys are checked like a built-in's.
	for _, bad := range []string{"halve(lr=0.8,evry=2)", "halve(lr=0.8,every=0)", "halve(every=2)"} {
		_, err := lrsched.Parse(bad)
		fmt.Println(err)
	}
	// Output:
	// 0:0.00 1:0.20 2:0.40 3:0.40 4:0.20 5:0.20 6:0.10 ...
	// lrsched: halve: unknown key evry (known: lr, every)
	// lrsched: halve: every=0: must be > 0
	// lrsched: halve: missing required key lr
}
