package lrsched_test

import (
	"strings"
	"sync/atomic"
	"testing"

	"github.com/convergo/convergo/compare"
	"github.com/convergo/convergo/lrsched"
)

// A registered schedule gets T=total from compare like a built-in one:
// compare substitutes the trial's budget for the identifier total, and the
// schedule reads it as an integer key. ParseStrategy checks a strategy with
// a budget of 1000 steps.
func TestRegisteredTotalFromCompare(t *testing.T) {
	var gotT atomic.Int64
	err := lrsched.Register("budget_probe", func(a *lrsched.Args) (lrsched.Scheduler, error) {
		T := a.RequiredInt("T")
		gotT.Store(int64(T))
		return lrsched.Func(func(int) float64 { return 0.1 }), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := compare.ParseStrategy("sgd | budget_probe(T=total)"); err != nil {
		t.Fatal(err)
	}
	if gotT.Load() != 1000 {
		t.Errorf("T = %d, want the budget 1000", gotT.Load())
	}
	gotT.Store(0)
	if _, err := compare.ParseStrategy("sgd | warmup(steps=10,budget_probe(T=total))"); err != nil || gotT.Load() != 1000 {
		t.Errorf("inside warmup: T = %d, %v", gotT.Load(), err)
	}
	_, err = compare.ParseStrategy("sgd | budget_probe(T=total,Tmax=3)")
	if err == nil || !strings.Contains(err.Error(), "lrsched: budget_probe: unknown key Tmax (known: T)") {
		t.Errorf("unknown key through compare: %v", err)
	}
}
