package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// ref is op(a)·op(b) in float64, and Σ|a||b| per element for the error
// bound.
func ref(tA, tB bool, m, n, k int, a []float32, lda int, b []float32, ldb int) (c, mag []float64) {
	c, mag = make([]float64, m*n), make([]float64, m*n)
	for i := range m {
		for j := range n {
			var s, s2 float64
			for l := range k {
				var av, bv float32
				if tA {
					av = a[l*lda+i]
				} else {
					av = a[i*lda+l]
				}
				if tB {
					bv = b[j*ldb+l]
				} else {
					bv = b[l*ldb+j]
				}
				s += float64(av) * float64(bv)
				s2 += math.Abs(float64(av) * float64(bv))
			}
			c[i*n+j], mag[i*n+j] = s, s2
		}
	}
	return c, mag
}

// fill gives x random values of mixed magnitude, with subnormals and, if
// special, NaNs and infinities.
func fill(r *rand.Rand, x []float32, special bool) {
	for i := range x {
		x[i] = float32(r.NormFloat64())
		switch u := r.IntN(100); {
		case u < 5:
			x[i] *= 1e-39 // subnormal float32
		case u < 7:
			x[i] = 0
		case special && u == 7:
			x[i] = float32(math.NaN())
		case special && u == 8:
			x[i] = float32(math.Inf(1 - 2*r.IntN(2)))
		}
	}
}

type shape struct{ m, n, k int }

var shapes = []shape{
	{1, 1, 1}, {1, 1, 7}, {7, 1, 1}, {1, 7, 1}, {2, 3, 1}, {13, 17, 1},
	{5, 7, 11}, {31, 37, 41}, {97, 89, 83}, {12, 32, 256}, {12, 32, 257},
	{6, 16, 3}, {24, 64, 600}, {1, 300, 20}, {300, 1, 20}, {1000, 3, 5},
	{3, 1000, 5}, {6, 25, 1000}, {128, 256, 784}, {145, 1025, 13}, {200, 150, 513},
}

func TestSgemm(t *testing.T) {
	for _, kn := range kernels() {
		useKernel(kn)
		for _, special := range []bool{false, true} {
			for _, s := range shapes {
				for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}} {
					for _, threads := range []int{1, 2, 3} {
						name := fmt.Sprintf("%s/special=%t/%dx%dx%d/tA=%t,tB=%t/threads=%d", kn, special, s.m, s.n, s.k, tr[0], tr[1], threads)
						checkSgemm(t, name, s, tr[0], tr[1], threads, special)
					}
				}
			}
		}
	}
	restoreKernel()
}

func restoreKernel() {
	if ks := kernels(); len(ks) > 0 {
		useKernel(ks[0])
	}
}

func checkSgemm(t *testing.T, name string, s shape, tA, tB bool, threads int, special bool) {
	t.Helper()
	r := rand.New(rand.NewPCG(uint64(s.m*1000003+s.n*1009+s.k), 7))
	lda, ldb, ldc := s.k+1, s.n+2, s.n+3 // strides wider than the rows
	if tA {
		lda = s.m + 1
	}
	if tB {
		ldb = s.k + 2
	}
	ar, br := s.m, s.k
	if tA {
		ar = s.k
	}
	if tB {
		br = s.n
	}
	a := make([]float32, ar*lda)
	b := make([]float32, br*ldb)
	fill(r, a, special)
	fill(r, b, special)
	c := make([]float32, s.m*ldc)
	for i := range c {
		c[i] = 12345 // overwritten (beta = 0), except between rows
	}
	p := NewPool(threads)
	defer p.Close()
	Sgemm(p, tA, tB, s.m, s.n, s.k, a, lda, b, ldb, c, ldc)
	want, mag := ref(tA, tB, s.m, s.n, s.k, a, lda, b, ldb)
	for i := range s.m {
		for j := range ldc {
			got := c[i*ldc+j]
			if j >= s.n {
				if got != 12345 {
					t.Fatalf("%s: c[%d,%d] past n overwritten: %v", name, i, j, got)
				}
				continue
			}
			w := want[i*s.n+j]
			switch {
			case math.IsNaN(w):
				if !math.IsNaN(float64(got)) {
					t.Fatalf("%s: c[%d,%d] = %v, want NaN", name, i, j, got)
				}
			case math.IsInf(w, 0):
				if float64(got) != w {
					t.Fatalf("%s: c[%d,%d] = %v, want %v", name, i, j, got, w)
				}
			default:
				// k roundings of a float32 FMA chain plus the block sums:
				// |error| ≤ (k+1)·2⁻²⁴·Σ|a||b| (Higham 2002, §3.1), and the
				// subnormal floor.
				tol := float64(s.k+1)*0x1p-24*mag[i*s.n+j] + 1e-44
				if d := math.Abs(float64(got) - w); !(d <= tol) {
					t.Fatalf("%s: c[%d,%d] = %v, want %v ± %g", name, i, j, got, w, tol)
				}
			}
		}
	}
}

// TestSgemmBits checks that the result is the same bits for every kernel,
// thread count and transpose: the promise that lets a run be reproduced
// on any machine with an assembly kernel.
func TestSgemmBits(t *testing.T) {
	if len(kernels()) == 0 {
		t.Skip("no kernel")
	}
	defer restoreKernel()
	for _, s := range shapes {
		r := rand.New(rand.NewPCG(uint64(s.m), uint64(s.n*s.k)))
		a := make([]float32, s.m*s.k)
		b := make([]float32, s.k*s.n)
		fill(r, a, false)
		fill(r, b, false)
		at, bt := transpose(a, s.m, s.k), transpose(b, s.k, s.n)
		var first []float32
		for _, kn := range kernels() {
			useKernel(kn)
			for threads := 1; threads <= 4; threads++ {
				p := NewPool(threads)
				for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}} {
					aa, lda, bb, ldb := a, s.k, b, s.n
					if tr[0] {
						aa, lda = at, s.m
					}
					if tr[1] {
						bb, ldb = bt, s.k
					}
					c := make([]float32, s.m*s.n)
					Sgemm(p, tr[0], tr[1], s.m, s.n, s.k, aa, lda, bb, ldb, c, s.n)
					if first == nil {
						first = c
						continue
					}
					for i := range c {
						if math.Float32bits(c[i]) != math.Float32bits(first[i]) {
							t.Fatalf("%dx%dx%d %s threads=%d tA=%t tB=%t: c[%d] = %v, first run %v", s.m, s.n, s.k, kn, threads, tr[0], tr[1], i, c[i], first[i])
						}
					}
				}
				p.Close()
			}
		}
	}
}

func transpose(x []float32, r, c int) []float32 {
	t := make([]float32, len(x))
	for i := range r {
		for j := range c {
			t[j*r+i] = x[i*c+j]
		}
	}
	return t
}

func TestSgemmK0(t *testing.T) {
	if !Available() {
		t.Skip("no kernel")
	}
	c := []float32{1, 2, 3, 4}
	Sgemm(nil, false, false, 2, 2, 0, nil, 1, nil, 2, c, 2)
	for _, v := range c {
		if v != 0 {
			t.Fatalf("k=0: c = %v, want zeros", c)
		}
	}
}

func TestNoAllocs(t *testing.T) {
	if !Available() {
		t.Skip("no kernel")
	}
	m, n, k := 128, 256, 784
	a, b, c := make([]float32, m*k), make([]float32, k*n), make([]float32, m*n)
	for _, threads := range []int{1, 2} {
		p := NewPool(threads)
		Sgemm(p, false, false, m, n, k, a, k, b, n, c, n)
		if got := testing.AllocsPerRun(10, func() { Sgemm(p, false, true, m, n, k, a, k, b, k, c, n) }); got > 0 {
			t.Errorf("threads=%d: %v allocations per product, want 0", threads, got)
		}
		p.Close()
	}
}

// benchImpls are the products BenchmarkSgemm compares, in each round:
// openblas is added under -tags openblas (bench_openblas_test.go).
var benchImpls = []string{"convergo", "gonum"}

var openblas blas.Float32Level3

// The bench's shapes: the MLP 784-256-128-10 at batch 128 (forward, dx,
// dW) and the products of the convnet's convolutions at batch 64, which
// layers computes a group of samples at a time, one group per thread
// (channel-major columns: forward W·col, dW = t·colᵀ, dcol = Wᵀ·t): the
// first layer's groups of 5 samples with wide rows (5·28·32 columns), the
// second's of 8 (8·10·10). The convolutions' products run on one thread
// each; the bench times them on one and two.
var benchShapes = []struct {
	name    string
	tA, tB  bool
	m, n, k int
}{
	{"mlp1_fwd", false, false, 128, 256, 784},
	{"mlp1_dW", true, false, 784, 256, 128},
	{"mlp2_fwd", false, false, 128, 128, 256},
	{"mlp2_dx", false, true, 128, 256, 128},
	{"mlp2_dW", true, false, 256, 128, 128},
	{"conv1_fwd", false, false, 6, 4480, 25},
	{"conv1_dW", false, true, 6, 25, 4480},
	{"conv2_fwd", false, false, 16, 800, 150},
	{"conv2_dW", false, true, 16, 150, 800},
	{"conv2_dcol", true, false, 150, 800, 16},
	{"square512", false, false, 512, 512, 512},
}

func BenchmarkSgemm(b *testing.B) {
	for _, s := range benchShapes {
		for _, impl := range benchImpls {
			for _, threads := range []int{1, 2} {
				b.Run(fmt.Sprintf("%s/%s/threads=%d", s.name, impl, threads), func(b *testing.B) {
					benchSgemm(b, impl, threads, s.tA, s.tB, s.m, s.n, s.k)
				})
			}
		}
	}
}

func benchSgemm(b *testing.B, impl string, threads int, tA, tB bool, m, n, k int) {
	if impl == "convergo" && !Available() {
		b.Skip("no kernel")
	}
	// Normal values only: a subnormal operand costs a microcode assist in
	// every implementation.
	r := rand.New(rand.NewPCG(1, 2))
	a, bb, c := make([]float32, m*k), make([]float32, k*n), make([]float32, m*n)
	for i := range a {
		a[i] = float32(r.NormFloat64())
	}
	for i := range bb {
		bb[i] = float32(r.NormFloat64())
	}
	lda, ldb := k, n
	if tA {
		lda = m
	}
	if tB {
		ldb = k
	}
	p := NewPool(threads)
	defer p.Close()
	var g blas.Float32Level3 = gonum.Implementation{}
	if impl == "openblas" {
		g = openblas
	}
	ta, tb := blas.NoTrans, blas.NoTrans
	if tA {
		ta = blas.Trans
	}
	if tB {
		tb = blas.Trans
	}
	for b.Loop() {
		if impl == "convergo" {
			Sgemm(p, tA, tB, m, n, k, a, lda, bb, ldb, c, n)
		} else {
			g.Sgemm(ta, tb, m, n, k, 1, a, lda, bb, ldb, 0, c, n)
		}
	}
	b.ReportMetric(2*float64(m*n*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}
