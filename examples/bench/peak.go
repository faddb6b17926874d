package main

import (
	"math/rand/v2"
	"strings"
	"time"

	"github.com/convergo/convergo/internal/blas"
	"github.com/convergo/convergo/internal/gemm"
	"github.com/convergo/convergo/layers"
	gblas "gonum.org/v1/gonum/blas"
	"gorgonia.org/gorgonia"
)

// Peak is the -peak line: the GFLOP/s of this build's float32 GEMM on a
// square product large enough to run near the kernel's peak, the best of
// a few repetitions, on the model's thread count. scripts/bench/run.sh
// divides each workload's GEMM work by it to get the epoch's compute bound.
type Peak struct {
	System  string  `json:"system"` // "gemm-peak"
	BLAS    string  `json:"blas"`
	GEMM    string  `json:"gemm"`
	Threads int     `json:"threads"`
	N       int     `json:"n"`
	GFLOPS  float64 `json:"gflops"`
}

func peak(threads, n, reps int) Peak {
	r := rand.New(rand.NewPCG(1, 2))
	a, b, c := make([]float32, n*n), make([]float32, n*n), make([]float32, n*n)
	for i := range a {
		a[i], b[i] = float32(r.NormFloat64()), float32(r.NormFloat64())
	}
	kernel := layers.GEMMKernel()
	var mul func()
	if strings.HasPrefix(kernel, "convergo") {
		p := gemm.NewPool(threads)
		defer p.Close()
		mul = func() { gemm.Sgemm(p, false, false, n, n, n, a, n, b, n, c, n) }
	} else {
		impl := gorgonia.WhichBLAS()
		if s, ok := impl.(interface{ SetThreads(int) }); ok {
			s.SetThreads(threads)
		}
		mul = func() { impl.Sgemm(gblas.NoTrans, gblas.NoTrans, n, n, n, 1, a, n, b, n, 0, c, n) }
		kernel = blas.Name()
	}
	mul() // warm up: buffers, threads
	best := time.Duration(1 << 62)
	for range reps {
		t0 := time.Now()
		mul()
		best = min(best, time.Since(t0))
	}
	return Peak{System: "gemm-peak", BLAS: blas.Name(), GEMM: kernel, Threads: threads, N: n,
		GFLOPS: 2 * float64(n) * float64(n) * float64(n) / best.Seconds() / 1e9}
}
