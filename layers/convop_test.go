package layers

import (
	"fmt"
	"math"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestConvOpMatchesGorgonia runs the convergo convolution ops and
// Gorgonia's Conv2d (+ the channel bias op), which they replaced, on the
// same inputs and compares the output and the gradients of x, W and b.
// Under gonum's BLAS the forward values are equal bit for bit (same GEMM
// kernel, same summation order); the gradients, whose sums are ordered
// differently, agree to a relative 1e-12 in float64 and 1e-5 in float32.
func TestConvOpMatchesGorgonia(t *testing.T) {
	tests := []struct {
		x                         []int // N, C, H, W
		f, kh, kw, sh, sw, ph, pw int
		bias                      bool
	}{
		{[]int{4, 1, 28, 28}, 6, 5, 5, 1, 1, 2, 2, true},  // LeNet conv0
		{[]int{4, 6, 14, 14}, 16, 5, 5, 1, 1, 0, 0, true}, // LeNet conv1
		{[]int{2, 2, 6, 5}, 3, 3, 3, 2, 2, 1, 1, true},
		{[]int{1, 3, 4, 6}, 2, 2, 3, 1, 2, 1, 0, false},
		{[]int{3, 2, 7, 7}, 4, 3, 1, 3, 1, 2, 0, true},
		{[]int{130, 2, 9, 9}, 70, 3, 3, 1, 1, 1, 1, true},  // big enough for the parallel GEMM paths
		{[]int{20, 6, 14, 14}, 16, 5, 5, 1, 1, 0, 0, true}, // groups of 8, 8 and 4 samples
		{[]int{3, 2, 7, 9}, 4, 3, 2, 1, 1, 2, 1, true},     // wide rows, unequal kernel and padding
		{[]int{2, 1, 5, 5}, 3, 2, 2, 1, 1, 2, 2, false},    // padding ≥ kernel
	}

	for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%v/%v-f%d-k%dx%d-s%dx%d-p%dx%d", dt, tt.x, tt.f, tt.kh, tt.kw, tt.sh, tt.sw, tt.ph, tt.pw), func(t *testing.T) {
				run := func(ours bool) (y []float64, grads [][]float64) {
					g := gorgonia.NewGraph()
					x := filled(g, dt, "x", 1, tt.x...)
					w := filled(g, dt, "W", 2, tt.f, tt.x[1], tt.kh, tt.kw)
					b := filled(g, dt, "b", 3, tt.f)
					wrt := gorgonia.Nodes{x, w}
					var out *gorgonia.Node
					if ours {
						var bn *gorgonia.Node
						if tt.bias {
							bn = b
						}
						out = gorgonia.Must(conv2d(nil, x, w, bn, convGeom{tt.kh, tt.kw, tt.sh, tt.sw, tt.ph, tt.pw}))
					} else {
						out = gorgonia.Must(gorgonia.Conv2d(x, w, tensor.Shape{tt.kh, tt.kw}, []int{tt.ph, tt.pw}, []int{tt.sh, tt.sw}, []int{1, 1}))
						if tt.bias {
							out = gorgonia.Must(AddChannelBias(out, b))
						}
					}
					if tt.bias {
						wrt = append(wrt, b)
					}
					vals := outAndGrads(t, g, out, wrt)
					return vals[0], vals[1:]
				}
				y0, g0 := run(false)
				y1, g1 := run(true)
				tol := 1e-12
				if dt == tensor.Float32 {
					// Two float32 summation orders of dW's N·H'·W' terms
					// (3,136 in LeNet's first layer, partial sums ~50): a
					// typical difference is √n·2⁻²⁴·50 ≈ 2e-4.
					tol = 1e-3
				}
				// convergo's convolution is W·col over a channel-major
				// column matrix, Gorgonia's col·Wᵀ: the same values to
				// rounding (bits differ, under any BLAS).
				compare(t, "y", y1, y0, tol)
				for i, name := range []string{"dx", "dW", "db"}[:len(g0)] {
					compare(t, name, g1[i], g0[i], tol)
				}
			})
		}
	}
}

func asFloat64s(v gorgonia.Value) []float64 {
	switch d := v.Data().(type) {
	case []float64:
		return append([]float64(nil), d...)
	case []float32:
		out := make([]float64, len(d))
		for i, x := range d {
			out[i] = float64(x)
		}
		return out
	}
	panic(fmt.Sprintf("unexpected %T", v.Data()))
}

// compare checks |got − want| ≤ tol·max(1, |want|) elementwise.
func compare(t *testing.T, name string, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", name, len(got), len(want))
	}
	for i := range got {
		if d := math.Abs(got[i] - want[i]); d > tol*math.Max(1, math.Abs(want[i])) || math.IsNaN(got[i]) {
			t.Fatalf("%s[%d] = %.17g, Gorgonia %.17g", name, i, got[i], want[i])
		}
	}
}

// TestConvThreadsSameBits runs a convolution and its gradients on Workers
// of 1, 2 and 3 threads: the groups of samples run in parallel, and the
// outputs and gradients must be the same bits for every count.
func TestConvThreadsSameBits(t *testing.T) {
	skipOwnThreads(t)
	for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
		for _, shape := range [][]int{{20, 6, 14, 14}, {37, 1, 28, 28}} {
			run := func(threads int) [][]float64 {
				wk := NewWorkers(threads)
				defer wk.Close()
				g := gorgonia.NewGraph()
				x := filled(g, dt, "x", 1, shape...)
				w := filled(g, dt, "W", 2, 16, shape[1], 5, 5)
				b := filled(g, dt, "b", 3, 16)
				out := gorgonia.Must(conv2d(wk, x, w, b, convGeom{5, 5, 1, 1, 2, 2}))
				return outAndGrads(t, g, out, gorgonia.Nodes{x, w, b})
			}
			want := run(1)
			for threads := 2; threads <= 3; threads++ {
				got := run(threads)
				for i, name := range []string{"y", "dx", "dW", "db"} {
					for j := range got[i] {
						if math.Float64bits(got[i][j]) != math.Float64bits(want[i][j]) {
							t.Fatalf("%v %v threads=%d: %s[%d] = %v, one thread gives %v", dt, shape, threads, name, j, got[i][j], want[i][j])
						}
					}
				}
			}
		}
	}
}

// outAndGrads runs g once with the gradients of weightedSum(out) with
// respect to wrt, and returns out's value followed by those gradients.
func outAndGrads(t *testing.T, g *gorgonia.ExprGraph, out *gorgonia.Node, wrt gorgonia.Nodes) [][]float64 {
	t.Helper()
	loss := weightedSum(g, out)
	if _, err := gorgonia.Grad(loss, wrt...); err != nil {
		t.Fatal(err)
	}
	vm := gorgonia.NewTapeMachine(g, gorgonia.BindDualValues(wrt...))
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	vals := [][]float64{asFloat64s(out.Value())}
	for _, n := range wrt {
		gv, err := n.Grad()
		if err != nil {
			t.Fatal(err)
		}
		vals = append(vals, asFloat64s(gv))
	}
	return vals
}

// skipOwnThreads skips a test of thread-count invariance when OpenBLAS
// runs on its own threads (CONVERGO_OPENBLAS_THREADS=own), whose results
// depend on the count, as documented.
func skipOwnThreads(t *testing.T) {
	if blasOwnThreads() {
		t.Skip("CONVERGO_OPENBLAS_THREADS=own: results depend on OpenBLAS's thread count")
	}
}
