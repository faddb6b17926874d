package lrsched

import (
	"math"
	"testing"

	"github.com/convergo/convergo/internal/spec"
)

// maxRunStep is the last step a run can reach: steps are counted in an int
// and budgets stay below 2^31 (issue 16's rule: a schedule's rate is finite
// and >= 0 for 0 <= t < 2^31).
const maxRunStep = 1<<31 - 1

// FuzzParseLR: whenever Parse accepts a spec, LR is finite and >= 0 at
// steps 0, 1, a fuzzed step and 2^31−1. The seeds are every schedule of
// the table and the cases of issue 16 that used to break the rule.
func FuzzParseLR(f *testing.F) {
	for _, s := range everySpec {
		f.Add(s, uint32(12345))
	}
	for _, s := range []string{
		"exp(lr=0,gamma=2)",   // was NaN from step ~1075 (0·Inf)
		"exp(lr=0.1,gamma=2)", // was +Inf
		"step(lr=0.1,step_size=1,gamma=1e10)",
		"multistep(lr=1,milestones=[1,2,3],gamma=1e200)",
		"multistep(lr=0.1,milestones=[1e300])", // named -9223372036854775808
		"cosine(max=0.1,min=0.2,T=10)",         // min > max
		"cosine(max=1.7e308,T=10)",             // (max−min)·2 overflows
		"cosine_restarts(max=1.7e308,T0=3,mult=2)",
		"cyclic(base=0.2,max=0.1,step_size_up=5)", // base > max
		"cyclic(base=0,max=1,step_size_up=2,mode=exp_range,gamma=3)",
		"cyclic(base=1e308,max=1.7e308,step_size_up=2,mode=exp_range,gamma=3)",
		"plateau(lr=0.1,min_lr=0.5)", // min_lr > lr
		"onecycle(max=1e300,total=10,div=1e-300)",
		"onecycle(max=1,total=10,final_div=1e-320)",
		"warmup(steps=2000000000,start=1.7e308,constant(lr=0))",
		"warmup(steps=10,exp(lr=1,gamma=10))",
		"wsd(lr=1.7e308,warmup=3,decay=5,total=10,decay_shape=cosine)",
		"sequential(exp(lr=1,gamma=1.5),constant(lr=0),milestones=[100])",
		"inverse_time(lr=1.7e308,k=1e308)",
		"poly(lr=1,total=9007199254740992,power=1e308)",
	} {
		f.Add(s, uint32(1<<31+7))
	}
	f.Fuzz(func(t *testing.T, text string, r uint32) {
		if !builtinOnly(text) {
			t.Skip() // registered test schedules make no such promise
		}
		s, err := Parse(text)
		if err != nil {
			if s != nil {
				t.Errorf("Parse(%q) returned a schedule with its error", text)
			}
			return
		}
		for _, step := range []int{0, 1, int(r & maxRunStep), maxRunStep} {
			if lr := s.LR(step); math.IsNaN(lr) || math.IsInf(lr, 0) || lr < 0 {
				t.Errorf("%s: LR(%d) = %v", text, step, lr)
			}
		}
	})
}

// builtinOnly reports whether every schedule named in text is a built-in
// one (true for text that does not parse: Parse's error is then tested).
func builtinOnly(text string) bool {
	c, err := spec.Parse(text)
	if err != nil {
		return true
	}
	var walk func(c *spec.Call) bool
	walk = func(c *spec.Call) bool {
		if _, ok := builtinIndex[c.Name]; !ok {
			return false
		}
		for _, p := range c.Positional {
			if !walk(p) {
				return false
			}
		}
		return true
	}
	return walk(c)
}
