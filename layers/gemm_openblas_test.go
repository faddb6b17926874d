//go:build openblas

package layers

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	_ "github.com/convergo/convergo/internal/blas"
	"gonum.org/v1/gonum/blas"
)

// TestBLASThreadsSameBits checks what Workers.blas relies on: OpenBLAS
// computes an element of a product the same way whatever band of the
// output a call covers, so that a model's products give the same bits
// for any thread count (the bands are one per thread). The shapes are the
// MLP's and the convnet's, and odd ones.
func TestBLASThreadsSameBits(t *testing.T) {
	skipOwnThreads(t)
	shapes := []struct {
		tA, tB  blas.Transpose
		m, n, k int
	}{
		{blas.NoTrans, blas.NoTrans, 128, 256, 784},
		{blas.Trans, blas.NoTrans, 784, 256, 128},
		{blas.NoTrans, blas.Trans, 128, 784, 256},
		{blas.NoTrans, blas.NoTrans, 64, 120, 400},
		{blas.NoTrans, blas.Trans, 16, 150, 6400},
		{blas.Trans, blas.NoTrans, 150, 6400, 16},
		{blas.NoTrans, blas.NoTrans, 97, 333, 71},
		{blas.Trans, blas.Trans, 211, 67, 129},
	}
	r := rand.New(rand.NewPCG(3, 4))
	for _, s := range shapes {
		lda, ldb := s.k, s.n
		if s.tA == blas.Trans {
			lda = s.m
		}
		if s.tB == blas.Trans {
			ldb = s.k
		}
		a32, b32 := make([]float32, s.m*s.k), make([]float32, s.k*s.n)
		a64, b64 := make([]float64, s.m*s.k), make([]float64, s.k*s.n)
		for i := range a32 {
			a32[i] = float32(r.NormFloat64())
			a64[i] = r.NormFloat64()
		}
		for i := range b32 {
			b32[i] = float32(r.NormFloat64())
			b64[i] = r.NormFloat64()
		}
		var first32 []float32
		var first64 []float64
		for threads := 1; threads <= 3; threads++ {
			name := fmt.Sprintf("%dx%dx%d/tA=%v,tB=%v/threads=%d", s.m, s.n, s.k, s.tA, s.tB, threads)
			w := NewWorkers(threads)
			c32, c64 := make([]float32, s.m*s.n), make([]float64, s.m*s.n)
			gemm32(w, s.tA, s.tB, s.m, s.n, s.k, a32, lda, b32, ldb, c32, s.n)
			gemm64(w, s.tA, s.tB, s.m, s.n, s.k, a64, lda, b64, ldb, c64, s.n)
			w.Close()
			if threads == 1 {
				first32, first64 = c32, c64
				continue
			}
			for i := range c32 {
				if math.Float32bits(c32[i]) != math.Float32bits(first32[i]) || math.Float64bits(c64[i]) != math.Float64bits(first64[i]) {
					t.Fatalf("%s: c[%d] = %v, %v; one thread gives %v, %v", name, i, c32[i], c64[i], first32[i], first64[i])
				}
			}
		}
	}
}
