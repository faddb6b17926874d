package solvers

import (
	"math"
	"slices"
	"testing"

	"gorgonia.org/tensor"
)

// flushGrads: gradients whose squares are subnormal in float32, between
// ordinary ones and zeros; 19 of them, so that with AVX the assembly
// kernels (16) and the Go tail (3) both see some.
var flushGrads = []float32{
	1e-20, -3e-21, 1e-3, 0, 2e-19, -1e-25, 1e-20, 5e-22,
	-1e-20, 3e-21, -1e-3, 1e-19, -2e-19, 1e-25, 7e-23, -1e-21,
	1e-20, -4e-22, 2e-3,
}

// flushRun runs the solver of spec on one float32 parameter of
// len(flushGrads) weights of 0.5, 25 steps with flushGrads and then 400
// with zero gradients (the moments decay, and reach subnormals unflushed),
// with flushing on or off, and returns the weights and the slots.
func flushRun(t *testing.T, spec string, off bool) ([]float32, [][]float32) {
	t.Helper()
	defer func(old bool) { flushOff = old }(flushOff)
	flushOff = off
	s, err := Parse(spec)
	if err != nil {
		t.Fatal(err)
	}
	p := newParam("W", tensor.Float32, []int{len(flushGrads)})
	w, g := p.v.Float32s(), p.g.Float32s()
	for i := range w {
		w[i] = 0.5
	}
	for step := 1; step <= 425; step++ {
		if step <= 25 {
			copy(g, flushGrads)
		} else {
			clear(g)
		}
		if err := s.Step(valueGrads(p)); err != nil {
			t.Fatal(err)
		}
	}
	st, err := s.(Stater).State()
	if err != nil {
		t.Fatal(err)
	}
	var slots [][]float32
	ps := st.Params["W"]
	for _, name := range sortedKeys(ps.Slots) {
		slot := make([]float32, len(ps.Slots[name]))
		for i, x := range ps.Slots[name] {
			slot[i] = float32(x)
		}
		slots = append(slots, slot)
	}
	return clone32(w), slots
}

// TestFlushSubnormals runs each float32 solver that flushes with and
// without flushing (flushRun) and requires (1) the same weights, bit for
// bit — the flushed amounts are far below one ulp of what they meet — and
// (2) no subnormal left in the state of the flushed run, and some in the
// unflushed one (else the case tests nothing). With ε below the solver's
// threshold flushing is off, and the states must agree too.
func TestFlushSubnormals(t *testing.T) {
	cases := []struct {
		spec    string
		flushes bool // false: the solver's state is never flushed (no flushing, or ε below the threshold)
	}{
		{"adam", true}, {"adamw", true}, {"adam(amsgrad=true)", true},
		// λθ = 5e-31 keeps the gradients tiny, so that the coupled loop flushes.
		{"adam(weight_decay=1e-30)", true},
		{"adam(eps=1e-12)", false}, {"adam(amsgrad=true,eps=1e-12)", false},
		{"rmsprop", true}, {"rmsprop(centered=true,momentum=0.9)", true}, {"rmsprop(eps=1e-12)", false},
		{"adagrad", true}, {"adagrad(eps=1e-12)", false},
		{"adadelta", true}, {"adadelta(eps=1e-21)", false},
		{"adamax", true}, {"nadam", true}, {"radam", true}, {"lamb", true}, {"sfadamw", true}, {"sfadamw(inner_momentum=0.9)", true},
		{"adabelief", true}, {"adabelief(eps=1e-21)", false},
		// No flushing at all: the state is the same bits either way.
		{"sgd(momentum=0.9)", false}, {"momentum", false}, {"lion", false},
		// Lookahead's own state, the slow weights, follows the weights.
		{"lookahead(adam)", false},
		// Issue 13: ADOPT and AdEMAMix flush as Adam; Adafactor, Prodigy
		// and SFSGD never flush; Muon's vector goes to its inner adamw,
		// whose flushing leaves the weights' bits alone.
		{"adopt", true}, {"ademamix", true}, {"adafactor", false}, {"prodigy", false}, {"sfsgd", false}, {"muon", false},
		// The wrappers' own state has no moments (ema's averages follow the weights).
		{"cautious(adam)", false}, {"ema(adam)", false}, {"chain(adam)", false}, {"groups(adam)", false},
	}
	specs := make([]string, len(cases))
	for i, tc := range cases {
		specs[i] = tc.spec
	}
	checkCovers(t, "the flush table", specs)
	for _, tc := range cases {
		t.Run(tc.spec, func(t *testing.T) {
			w1, s1 := flushRun(t, tc.spec, false)
			w2, s2 := flushRun(t, tc.spec, true)
			for i := range w1 {
				if math.Float32bits(w1[i]) != math.Float32bits(w2[i]) {
					t.Errorf("weight %d: flushed %v, unflushed %v", i, w1[i], w2[i])
				}
			}
			subnormal := func(x float32) bool { return x != 0 && math.Abs(float64(x)) < minNormal32 }
			if tc.flushes && !slices.ContainsFunc(slices.Concat(s2...), subnormal) {
				t.Errorf("no subnormal in the unflushed state: the case tests nothing")
			}
			for j, slot := range s1 {
				for i, x := range slot {
					if tc.flushes && subnormal(x) {
						t.Errorf("slot %d[%d] = %v is subnormal", j, i, x)
					}
					if !tc.flushes && math.Float32bits(x) != math.Float32bits(s2[j][i]) {
						t.Errorf("slot %d[%d] = %v, unflushed %v (flushing must be off)", j, i, x, s2[j][i])
					}
				}
			}
		})
	}
}
