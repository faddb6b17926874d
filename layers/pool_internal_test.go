package layers

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestMaxPool2x2FastPath checks the 2×2 stride-2 fast path against the
// general pooling code, bit for bit, on data with ties, signed zeros,
// NaNs and infinities, and odd plane sizes (the last row or column is then
// outside every window).
func TestMaxPool2x2FastPath(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	vals := []float32{0, float32(math.Copysign(0, -1)), 1, -1, 1, float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))}
	for _, hw := range [][2]int{{28, 28}, {10, 10}, {7, 9}, {2, 2}, {3, 5}} {
		g := poolGeom{n: 3, c: 2, h: hw[0], w: hw[1], kh: 2, kw: 2, sh: 2, sw: 2, max: true}
		g.oh, g.ow = (g.h-2)/2+1, (g.w-2)/2+1
		if !g.max2x2() {
			t.Fatal("not the fast path's geometry")
		}
		x := make([]float32, g.n*g.c*g.h*g.w)
		for i := range x {
			if r.IntN(3) == 0 {
				x[i] = vals[r.IntN(len(vals))]
			} else {
				x[i] = float32(r.IntN(5) - 2)
			}
		}
		grad := make([]float32, g.n*g.c*g.oh*g.ow)
		for i := range grad {
			grad[i] = float32(r.NormFloat64())
			if r.IntN(8) == 0 {
				// Gradients that are not finite, or signed zeros: the
				// fast path's gv·[won] + 0 must not turn them into NaN
				// or −0 in the windows' other elements.
				grad[i] = vals[r.IntN(len(vals))]
			}
		}
		fast, gen := make([]float32, len(grad)), make([]float32, len(grad))
		maxPool2x2Forward(g, x, fast, 0, g.n*g.c)
		poolForwardGeneral(g, x, gen, 0, g.n*g.c)
		for i := range fast {
			if math.Float32bits(fast[i]) != math.Float32bits(gen[i]) {
				t.Fatalf("%v forward [%d]: fast %v, general %v", hw, i, fast[i], gen[i])
			}
		}
		dfast, dgen := make([]float32, len(x)), make([]float32, len(x))
		maxPool2x2Backward(g, x, grad, dfast, 0, g.n*g.c)
		poolBackwardGeneral(g, x, grad, dgen, 0, g.n*g.c)
		for i := range dfast {
			if math.Float32bits(dfast[i]) != math.Float32bits(dgen[i]) {
				t.Fatalf("%v backward [%d]: fast %v, general %v", hw, i, dfast[i], dgen[i])
			}
		}
	}
}
