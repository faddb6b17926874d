package solvers

import (
	"math"
	"slices"
	"strconv"
	"testing"
)

// flushGrads: gradients whose squares are subnormal in float32, between
// ordinary ones and zeros; 19 of them, so that with AVX the assembly
// kernels (16) and the Go tail (3) both see some.
var flushGrads = []float32{
	1e-20, -3e-21, 1e-3, 0, 2e-19, -1e-25, 1e-20, 5e-22,
	-1e-20, 3e-21, -1e-3, 1e-19, -2e-19, 1e-25, 7e-23, -1e-21,
	1e-20, -4e-22, 2e-3,
}

// flushRun runs step 50 times on flushGrads (zero gradients after step
// 25, so that the moments decay), from weights of 0.5 and zero slots
// (nslots of them), with flushing on or off, and returns the weights and
// the slots.
func flushRun(nslots int, off bool, step func(w, g []float32, s [][]float32, t int)) ([]float32, [][]float32) {
	defer func(old bool) { flushOff = old }(flushOff)
	flushOff = off
	n := len(flushGrads)
	w := make([]float32, n)
	for i := range w {
		w[i] = 0.5
	}
	s := make([][]float32, nslots)
	for i := range s {
		s[i] = make([]float32, n)
	}
	for t := 1; t <= 50; t++ {
		g := clone32(flushGrads)
		if t > 25 {
			clear(g)
		}
		step(w, g, s, t)
	}
	return w, s
}

// checkFlush runs a float32 kernel with and without flushing (flushRun)
// and requires (1) the same weights, bit for bit — the flushed amounts are
// far below one ulp of what they are added to — and (2) no subnormal left
// in the state of the flushed run, unless flushes says flushing is off
// (ε below 1e-10), when the states must agree too.
func checkFlush(t *testing.T, name string, nslots int, flushes bool, step func(w, g []float32, s [][]float32, t int)) {
	t.Helper()
	w1, s1 := flushRun(nslots, false, step)
	w2, s2 := flushRun(nslots, true, step)
	for i := range w1 {
		if math.Float32bits(w1[i]) != math.Float32bits(w2[i]) {
			t.Errorf("%s: weight %d: flushed %v, unflushed %v", name, i, w1[i], w2[i])
		}
	}
	subnormal := func(x float32) bool { return x != 0 && math.Abs(float64(x)) < minNormal32 }
	if flushes && !slices.ContainsFunc(slices.Concat(s2...), subnormal) {
		t.Errorf("%s: no subnormal in the unflushed state: the test exercises nothing", name)
	}
	for j, slot := range s1 {
		for i, x := range slot {
			if flushes && subnormal(x) {
				t.Errorf("%s: slot %d[%d] = %v is subnormal", name, j, i, x)
			}
			if !flushes && math.Float32bits(x) != math.Float32bits(s2[j][i]) {
				t.Errorf("%s: slot %d[%d] = %v, unflushed %v (flushing must be off)", name, j, i, x, s2[j][i])
			}
		}
	}
}

// TestAdamFlushSubnormals checks flushing in the float32 Adam kernels:
// the Go loop and assembly (adamKernel32), each weight-decay mode, and
// AMSGrad (adamGeneral).
func TestAdamFlushSubnormals(t *testing.T) {
	for _, eps := range []float64{1e-8, 1e-12} {
		for _, tc := range []struct {
			name     string
			wd       float64
			dec, ams bool
		}{{"adam", 0, false, false}, {"adamw", 0.01, true, false},
			// λθ = 5e-31 keeps the gradients tiny, so that the coupled loop flushes.
			{"adam-wd", 1e-30, false, false},
			{"amsgrad", 0, false, true}} {
			slots := 2
			if tc.ams {
				slots = 3
			}
			checkFlush(t, tc.name+"/eps="+ftoa(eps), slots, eps >= 1e-10, func(w, g []float32, s [][]float32, step int) {
				t := float64(step)
				k := adamScalars{b1: 0.9, omb1: 0.1, b2: 0.999, omb2: 0.001, eps: eps, amsgrad: tc.ams,
					bc2sqrt: math.Sqrt(1 - math.Pow(0.999, t)), negStep: -1e-3 / (1 - math.Pow(0.9, t))}
				if tc.dec {
					k.decay, k.decoupleWD = 1-1e-3*tc.wd, true
				} else {
					k.wd, k.coupledWD = tc.wd, tc.wd != 0
				}
				adamKernel32(w, g, s, k)
			})
		}
	}
}

func ftoa(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
