package solvers

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// simdLengths: every remainder mod 8 around the first blocks, and longer
// slices with and without a tail.
var simdLengths = func() []int {
	var ns []int
	for n := 0; n <= 40; n++ {
		ns = append(ns, n)
	}
	return append(ns, 1000, 4097)
}()

// specials are the float32 values the kernels must treat exactly as Go
// does: signed zeros, the subnormal boundary, subnormals, infinities and
// NaNs with distinct payloads (a quiet NaN, a signalling one, a negative).
var specials = []float32{
	0, float32(math.Copysign(0, -1)), 1, -1,
	minNormal32, -minNormal32, 0x1p-127, -0x1p-149, 0x1p-140,
	1e-20, -3e-21, 1e-25, 2e-19, -1.1e-19,
	float32(math.Inf(1)), float32(math.Inf(-1)),
	float32(math.NaN()), math.Float32frombits(0x7f800001), math.Float32frombits(0xffc01234),
	math.MaxFloat32, -math.MaxFloat32,
}

// fillSIMD fills x with values of the given kind, from r.
func fillSIMD(r *rand.Rand, x []float32, kind string) {
	for i := range x {
		switch kind {
		case "normal": // ordinary gradients and weights
			x[i] = float32(r.NormFloat64() * 1e-2)
		case "tiny": // squares subnormal: the flushing paths
			x[i] = float32(r.NormFloat64() * math.Pow(10, -18-4*r.Float64()))
		case "positive": // second moments
			x[i] = float32(r.Float64() * 1e-4)
		case "special":
			x[i] = specials[r.IntN(len(specials))]
		case "mixed":
			switch r.IntN(4) {
			case 0:
				x[i] = specials[r.IntN(len(specials))]
			case 1:
				x[i] = float32(r.NormFloat64() * math.Pow(10, -18-4*r.Float64()))
			default:
				x[i] = float32(r.NormFloat64())
			}
		}
	}
}

// simdKinds: the kinds of w, g and the slots in one test case.
var simdKinds = []struct{ name, w, g, s string }{
	{"normal", "normal", "normal", "positive"},
	{"tiny", "normal", "tiny", "positive"},
	{"tinyState", "normal", "tiny", "tiny"},
	{"special", "special", "special", "special"},
	{"mixed", "mixed", "mixed", "mixed"},
}

// sameBits reports the first index where a and b differ: in any bit, or
// where one is NaN and the other not. Two NaNs are equal whatever their
// payloads: when two NaN operands meet, x86 returns the first one, and Go
// may swap the operands of a commutative operation (its register
// allocator decides), so which payload survives is not something the Go
// kernel defines — or the Go spec, which leaves NaN payloads unspecified.
func sameBits(a, b []float32) (int, bool) {
	for i := range a {
		x, y := a[i], b[i]
		if math.Float32bits(x) != math.Float32bits(y) && !(x != x && y != y) {
			return i, false
		}
	}
	return 0, true
}

func clone32(x []float32) []float32 { return append([]float32(nil), x...) }

// TestAdamSIMDMatchesGo runs the assembly Adam kernel (with the Go loop
// on the tail, as adamKernel32 does) beside the Go loop alone, for each
// weight-decay mode, with flushing on (eps 1e-8) and off (eps 1e-12), on
// seeded random data of many lengths, including subnormals, signed
// zeros, infinities and NaNs, over three steps, and requires every bit of
// w, g, m and v to agree (NaN payloads aside, see sameBits).
func TestAdamSIMDMatchesGo(t *testing.T) {
	if !useAVX {
		t.Skip("no assembly kernels (purego, not amd64, or no AVX)")
	}
	modes := []struct {
		name string
		wd   float64
		dec  bool
	}{{"plain", 0, false}, {"coupled", 0.01, false}, {"decoupled", 0.01, true}}
	r := rand.New(rand.NewPCG(1, 2)) // any fixed seed: the cases are random but reproducible
	for _, md := range modes {
		for _, eps := range []float64{1e-8, 1e-12} {
			for _, kd := range simdKinds {
				for _, n := range simdLengths {
					name := fmt.Sprintf("%s/eps=%g/%s/n=%d", md.name, eps, kd.name, n)
					w, m, v := make([]float32, n), make([]float32, n), make([]float32, n)
					fillSIMD(r, w, kd.w)
					fillSIMD(r, m, kd.s)
					fillSIMD(r, v, kd.s)
					w2, m2, v2 := clone32(w), clone32(m), clone32(v)
					for step := 1; step <= 3; step++ {
						g := make([]float32, n)
						fillSIMD(r, g, kd.g)
						g2 := clone32(g)
						lr := 1e-3
						k := adamScalars{
							b1: 0.9, omb1: 1 - 0.9, b2: 0.999, omb2: 1 - 0.999, eps: eps,
							bc2sqrt: math.Sqrt(1 - math.Pow(0.999, float64(step))),
							negStep: -(lr / (1 - math.Pow(0.9, float64(step)))),
						}
						if md.dec {
							k.decay, k.decoupleWD = 1-lr*md.wd, true
						} else {
							k.wd, k.coupledWD = md.wd, md.wd != 0
						}
						c := newAdam32(k)
						done := adamSIMD32(w, g, m, v, &c)
						if want := n &^ 7; done != want {
							t.Fatalf("%s: assembly did %d elements, want %d", name, done, want)
						}
						adamLoop32(w[done:], g[done:], m[done:], v[done:], &c)
						adamLoop32(w2, g2, m2, v2, &c)
						for _, x := range []struct {
							what string
							a, b []float32
						}{{"w", w, w2}, {"g", g, g2}, {"m", m, m2}, {"v", v, v2}} {
							if i, ok := sameBits(x.a, x.b); !ok {
								t.Fatalf("%s step %d: %s[%d] = %v (%#08x), Go %v (%#08x)", name, step, x.what, i,
									x.a[i], math.Float32bits(x.a[i]), x.b[i], math.Float32bits(x.b[i]))
							}
						}
					}
				}
			}
		}
	}
}

// TestSGDSIMDMatchesGo is TestAdamSIMDMatchesGo for sgdKernel32 against
// sgdLoops: every configuration, the assembly ones (momentum or none, with
// or without weight decay and dampening) and those it leaves to Go
// (Nesterov, the first step).
func TestSGDSIMDMatchesGo(t *testing.T) {
	if !useAVX {
		t.Skip("no assembly kernels (purego, not amd64, or no AVX)")
	}
	cfgs := []SGDConfig{
		{LR: 0.05, Momentum: 0.9},
		{LR: 0.05, Momentum: 0.9, WeightDecay: 5e-4},
		{LR: 0.05, Momentum: 0.9, Dampening: 0.1},
		{LR: 0.05, Momentum: 0.9, Dampening: 0.1, WeightDecay: 5e-4},
		{LR: 0.05},
		{LR: 0.05, WeightDecay: 5e-4},
		{LR: 0.05, Momentum: 0.9, Nesterov: true},
		{LR: 0.05, Momentum: 0.9, Nesterov: true, WeightDecay: 5e-4},
	}
	r := rand.New(rand.NewPCG(3, 4)) // any fixed seed
	for _, cfg := range cfgs {
		for _, kd := range simdKinds {
			for _, n := range simdLengths {
				name := fmt.Sprintf("%+v/%s/n=%d", cfg, kd.name, n)
				w, buf := make([]float32, n), make([]float32, n)
				fillSIMD(r, w, kd.w)
				fillSIMD(r, buf, kd.s)
				w2, buf2 := clone32(w), clone32(buf)
				s := [][]float32{buf}
				if cfg.Momentum == 0 {
					s, buf, buf2 = nil, nil, nil
				}
				for step := 1; step <= 3; step++ {
					g := make([]float32, n)
					fillSIMD(r, g, kd.g)
					g2 := clone32(g)
					k := sgdStep{first: step == 1, lr: cfg.LR, c: &cfg}
					sgdKernel32(w, g, s, k)
					sgdLoops(w2, g2, buf2, k)
					for _, x := range []struct {
						what string
						a, b []float32
					}{{"w", w, w2}, {"g", g, g2}, {"buf", buf, buf2}} {
						if i, ok := sameBits(x.a, x.b); !ok {
							t.Fatalf("%s step %d: %s[%d] = %v (%#08x), Go %v (%#08x)", name, step, x.what, i,
								x.a[i], math.Float32bits(x.a[i]), x.b[i], math.Float32bits(x.b[i]))
						}
					}
				}
			}
		}
	}
}
