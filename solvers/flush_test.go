package solvers

import (
	"math"
	"testing"
)

// TestAdamFlushSubnormals runs the float32 Adam kernel, which flushes
// subnormal moments to zero, beside the unflushed generic kernel on
// gradients whose squares are subnormal in float32 (and on ordinary ones),
// and requires (1) the same weights, bit for bit — the flushed amounts are
// far below one ulp of √v + ε — and (2) no subnormal left in the state of
// the flushed kernel. With ε below 1e-10 flushing is off, and the kernels
// must agree on the state too.
func TestAdamFlushSubnormals(t *testing.T) {
	for _, eps := range []float64{1e-8, 1e-12} {
		const n = 6
		grads := []float32{1e-20, -3e-21, 1e-3, 0, 2e-19, -1e-25}
		k := adamScalars{b1: 0.9, omb1: 0.1, b2: 0.999, omb2: 0.001, eps: eps}
		w1, w2 := make([]float32, n), make([]float32, n)
		s1 := [][]float32{make([]float32, n), make([]float32, n)}
		s2 := [][]float32{make([]float32, n), make([]float32, n)}
		for i := range w1 {
			w1[i], w2[i] = 0.5, 0.5
		}
		for step := 1; step <= 50; step++ {
			t := float64(step)
			k.bc2sqrt = math.Sqrt(1 - math.Pow(0.999, t))
			k.negStep = -1e-3 / (1 - math.Pow(0.9, t))
			g1, g2 := append([]float32(nil), grads...), append([]float32(nil), grads...)
			if step > 25 { // then zero gradients: the moments decay
				clear(g1)
				clear(g2)
			}
			adamKernel32(w1, g1, s1, k)
			adamGeneral(w2, g2, s2, k)
		}
		for i := range w1 {
			if math.Float32bits(w1[i]) != math.Float32bits(w2[i]) {
				t.Errorf("eps %g: weight %d: flushed %v, unflushed %v", eps, i, w1[i], w2[i])
			}
		}
		for j, slot := range s1 {
			for i, x := range slot {
				sub := x != 0 && math.Abs(float64(x)) < minNormal32
				if eps >= 1e-10 && sub {
					t.Errorf("eps %g: moment %d[%d] = %v is subnormal", eps, j, i, x)
				}
				if eps < 1e-10 && math.Float32bits(x) != math.Float32bits(s2[j][i]) {
					t.Errorf("eps %g: moment %d[%d] = %v, unflushed %v (flushing must be off)", eps, j, i, x, s2[j][i])
				}
			}
		}
	}
}
