package layers

import (
	"sync"

	"github.com/convergo/convergo/internal/gemm"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
	"gorgonia.org/gorgonia"
)

// Workers are the goroutines that run one model's matrix products and
// parallel passes (im2col, col2im, pooling): a fixed number, Threads, the
// calling goroutine included. A model's speed then depends on its own
// thread count only, not on GOMAXPROCS or on the other models training in
// the same process (compare runs trials in parallel), and its results do
// not depend on the count at all: work is split over disjoint outputs,
// never over a sum.
//
// graph.Model makes one Workers per model (graph.Config.Threads, default
// 1) and sets it on its Builders; a nil *Workers (a Builder made by hand)
// runs everything on the calling goroutine.
//
// Under the openblas build tag the matrix products are OpenBLAS's, run on
// these goroutines too: NewWorkers makes OpenBLAS single-threaded (its
// thread count is process-wide, and its idle threads spin on the cores
// the model's own passes need), and a large product is cut into bands of
// its output, one OpenBLAS call each, the bands depending on the shape
// only. CONVERGO_OPENBLAS_THREADS=own (internal/blas) gives OpenBLAS its
// own threads instead, Threads of them: every product one call, faster
// for large dense products, the bits then depending on the count.
type Workers struct {
	pool *gemm.Pool
	mu   sync.Mutex // guards job and bjob
	job  gemmJob    // gonum's blocked product (no assembly kernel)
	bjob blasJob    // a product on another BLAS
}

// NewWorkers returns workers for threads goroutines (at least 1). Close
// stops them; they also stop when the Workers are garbage collected.
func NewWorkers(threads int) *Workers {
	threads = max(threads, 1)
	if s, ok := gorgonia.WhichBLAS().(interface{ SetThreads(int) }); ok {
		if blasOwnThreads() {
			s.SetThreads(threads)
		} else {
			s.SetThreads(1)
		}
	}
	return &Workers{pool: gemm.NewPool(threads)}
}

// Threads is the number of goroutines (1 for nil Workers).
func (w *Workers) Threads() int {
	if w == nil {
		return 1
	}
	return w.pool.Threads()
}

// Close stops the goroutines; later work runs on the calling goroutine.
func (w *Workers) Close() {
	if w != nil {
		w.pool.Close()
	}
}

func (w *Workers) gemmPool() *gemm.Pool {
	if w == nil {
		return nil
	}
	return w.pool
}

// GEMMKernel names the float32 matrix product of this build and machine:
// "openblas" (or another BLAS set with gorgonia.Use), convergo's own
// assembly kernel ("convergo-avx512", "convergo-avx2"), or "gonum" (no
// kernel: another architecture or -tags purego).
func GEMMKernel() string {
	if _, ok := gorgonia.WhichBLAS().(gonum.Implementation); !ok {
		return "blas"
	}
	if gemm.Available() {
		return "convergo-" + gemm.Kernel()
	}
	return "gonum"
}

// gemm32 computes c = op(a)·op(b) (alpha 1, beta 0) on w's threads.
//
// With Gorgonia's default BLAS (gonum's), the product is convergo's own
// (internal/gemm: packed panels, an AVX-512 or AVX2+FMA micro-kernel): the
// same bits for any thread count, other bits than gonum's (one FMA chain
// per element). Without an assembly kernel, and in float64, it is gonum's
// blocked product, its blocks handed to w's threads (gemmJob). Any other
// BLAS (OpenBLAS under -tags openblas) is called directly.
func gemm32(w *Workers, tA, tB blas.Transpose, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	impl := gorgonia.WhichBLAS()
	if _, isGonum := impl.(gonum.Implementation); !isGonum {
		w.blas(gemmJob{tA: tA, tB: tB, m: m, n: n, k: k, lda: lda, ldb: ldb, ldc: ldc, a32: a, b32: b, c32: c}, impl)
		return
	}
	if gemm.Available() {
		gemm.Sgemm(w.gemmPool(), tA == blas.Trans, tB == blas.Trans, m, n, k, a, lda, b, ldb, c, ldc)
		return
	}
	w.gonum(gemmJob{tA: tA, tB: tB, m: m, n: n, k: k, lda: lda, ldb: ldb, ldc: ldc, a32: a, b32: b, c32: c})
}

// gemm64 is gemm32 in float64 (gonum's product, or the BLAS in use).
func gemm64(w *Workers, tA, tB blas.Transpose, m, n, k int, a []float64, lda int, b []float64, ldb int, c []float64, ldc int) {
	impl := gorgonia.WhichBLAS()
	if _, isGonum := impl.(gonum.Implementation); !isGonum {
		w.blas(gemmJob{tA: tA, tB: tB, m: m, n: n, k: k, lda: lda, ldb: ldb, ldc: ldc, a64: a, b64: b, c64: c}, impl)
		return
	}
	w.gonum(gemmJob{tA: tA, tB: tB, m: m, n: n, k: k, lda: lda, ldb: ldb, ldc: ldc, a64: a, b64: b, c64: c})
}

// gonum runs gonum's GEMM as gonum does (the same blocks of 64, the same k
// order, hence the same bits), its blocks on w's threads. gonum's own
// parallel path starts a goroutine per block per call; this allocates
// nothing. Small products, and busy or nil Workers, call gonum directly
// (its serial path, the same bits).
func (w *Workers) gonum(job gemmJob) {
	if w.Threads() < 2 || gemmBlocks(job.m)*gemmBlocks(job.n) < gemmMinParBlock || !w.mu.TryLock() {
		impl := gonum.Implementation{}
		if job.c32 != nil {
			impl.Sgemm(job.tA, job.tB, job.m, job.n, job.k, 1, job.a32, job.lda, job.b32, job.ldb, 0, job.c32, job.ldc)
		} else {
			impl.Dgemm(job.tA, job.tB, job.m, job.n, job.k, 1, job.a64, job.lda, job.b64, job.ldb, 0, job.c64, job.ldc)
		}
		return
	}
	defer w.mu.Unlock()
	for i := range job.m {
		if job.c32 != nil {
			clear(job.c32[i*job.ldc : i*job.ldc+job.n])
		} else {
			clear(job.c64[i*job.ldc : i*job.ldc+job.n])
		}
	}
	w.job = job
	w.pool.Do(gemmBlocks(job.m)*gemmBlocks(job.n), &w.job)
	w.job = gemmJob{} // drop the references to the caller's slices
}

// blas runs a product on a BLAS other than gonum's (OpenBLAS): a small
// one as one call, a larger one as several calls, each on a band of the
// output cut along its longer side (blasBands), on w's threads. The bands
// depend on the shape only, never on the thread count: OpenBLAS's edge
// kernels sum in another order, so an element's bits depend on where the
// band it is computed in starts (TestBLASThreadsSameBits).
func (w *Workers) blas(job gemmJob, impl gorgonia.BLAS) {
	if blasOwnThreads() {
		job.call(impl, 0, job.m, 0, job.n)
		return
	}
	bj := blasJob{gemmJob: job, impl: impl}
	bj.cols, bj.size, bj.bands = blasBands(job.m, job.n, job.k)
	if bj.bands < 2 {
		job.call(impl, 0, job.m, 0, job.n)
		return
	}
	if w.Threads() < 2 || !w.mu.TryLock() {
		for t := range bj.bands {
			bj.Do(-1, t)
		}
		return
	}
	defer w.mu.Unlock()
	w.bjob = bj
	w.pool.Do(bj.bands, &w.bjob)
	w.bjob = blasJob{}
}

// blasOwnThreads reports whether the BLAS in use runs on threads of its
// own (CONVERGO_OPENBLAS_THREADS=own, see internal/blas): then every
// product is one call, on OpenBLAS's threads.
func blasOwnThreads() bool {
	o, ok := gorgonia.WhichBLAS().(interface{ OwnThreads() bool })
	return ok && o.OwnThreads()
}

// blasBands cuts an m×n×k product into bands: of columns when there are
// too few rows for bands of at least blasBandMin, of rows otherwise; at
// most blasBandsMax bands, each a multiple of 16 long and at least
// blasBandMin (each call packs the whole of the other operand, so fewer,
// longer bands pack less); a single band below blasParMin multiply-adds.
func blasBands(m, n, k int) (cols bool, size, bands int) {
	if m*n*k < blasParMin {
		return false, m, 1
	}
	cols = m < 2*blasBandMin && n > m
	d := m
	if cols {
		d = n
	}
	size = max(blasBandMin, (((d+blasBandsMax-1)/blasBandsMax)+15)&^15)
	return cols, size, (d + size - 1) / size
}

// The bands of a large BLAS product (see blasBands). Bands of at least
// 128 were faster on the MLP's products than 4 bands of any length
// (interleaved, 2 threads: 107–120 against 86–96 GFLOP/s on 128×256×784).
const (
	blasBandMin  = 128
	blasBandsMax = 8
	blasParMin   = 1 << 18
)

type blasJob struct {
	gemmJob
	impl        gorgonia.BLAS
	cols        bool
	size, bands int
}

// Do computes band t of the product.
func (j *blasJob) Do(_, t int) {
	d := j.m
	if j.cols {
		d = j.n
	}
	lo, hi := t*j.size, min((t+1)*j.size, d)
	if j.cols {
		j.call(j.impl, 0, j.m, lo, hi)
	} else {
		j.call(j.impl, lo, hi, 0, j.n)
	}
}

// call computes rows [i0, i1) × columns [j0, j1) of c with one BLAS call.
func (j *gemmJob) call(impl gorgonia.BLAS, i0, i1, j0, j1 int) {
	m, n := i1-i0, j1-j0
	ai, bj := i0*j.lda, j0
	if j.tA == blas.Trans {
		ai = i0
	}
	if j.tB == blas.Trans {
		bj = j0 * j.ldb
	}
	ci := i0*j.ldc + j0
	if j.c32 != nil {
		impl.Sgemm(j.tA, j.tB, m, n, j.k, 1, j.a32[ai:], j.lda, j.b32[bj:], j.ldb, 0, j.c32[ci:], j.ldc)
	} else {
		impl.Dgemm(j.tA, j.tB, m, n, j.k, 1, j.a64[ai:], j.lda, j.b64[bj:], j.ldb, 0, j.c64[ci:], j.ldc)
	}
}

// gonum's blocking constants (gonum.org/v1/gonum/blas/gonum: blockSize,
// minParBlock).
const (
	gemmBlockSize   = 64
	gemmMinParBlock = 4
)

func gemmBlocks(d int) int { return (d + gemmBlockSize - 1) / gemmBlockSize }

type gemmJob struct {
	tA, tB        blas.Transpose
	m, n, k       int
	lda, ldb, ldc int
	a32, b32, c32 []float32
	a64, b64, c64 []float64
}

// Do computes block t (row-major over the blocks of c), as gonum's
// sgemmParallel does: k in blocks of 64, in order, accumulated into c.
func (j *gemmJob) Do(_, t int) {
	nb := gemmBlocks(j.n)
	i, jj := t/nb*gemmBlockSize, t%nb*gemmBlockSize
	leni := min(gemmBlockSize, j.m-i)
	lenj := min(gemmBlockSize, j.n-jj)
	impl := gonum.Implementation{}
	for l := 0; l < j.k; l += gemmBlockSize {
		lenk := min(gemmBlockSize, j.k-l)
		ai, ak := i, l
		if j.tA == blas.Trans {
			ai, ak = l, i
		}
		bk, bj := l, jj
		if j.tB == blas.Trans {
			bk, bj = jj, l
		}
		// Sub-matrix views as gonum's sliceView: rows×cols from (r, c).
		ar, ac := leni, lenk
		if j.tA == blas.Trans {
			ar, ac = lenk, leni
		}
		br, bc := lenk, lenj
		if j.tB == blas.Trans {
			br, bc = lenj, lenk
		}
		if j.c32 != nil {
			impl.Sgemm(j.tA, j.tB, leni, lenj, lenk, 1,
				view(j.a32, j.lda, ai, ak, ar, ac), j.lda,
				view(j.b32, j.ldb, bk, bj, br, bc), j.ldb, 1,
				view(j.c32, j.ldc, i, jj, leni, lenj), j.ldc)
		} else {
			impl.Dgemm(j.tA, j.tB, leni, lenj, lenk, 1,
				view(j.a64, j.lda, ai, ak, ar, ac), j.lda,
				view(j.b64, j.ldb, bk, bj, br, bc), j.ldb, 1,
				view(j.c64, j.ldc, i, jj, leni, lenj), j.ldc)
		}
	}
}

// view is the r×c sub-matrix at (i, j) of a row-major matrix with stride
// ld, as gonum's sliceView32/64.
func view[T any](a []T, ld, i, j, r, c int) []T {
	return a[i*ld+j : (i+r-1)*ld+j+c]
}

// parallel calls fn on consecutive parts [lo, hi) of [0, n), on w's
// threads when there is enough work (n·cost ≥ parallelMin). The parts
// write disjoint outputs, so the results do not depend on the split.
func parallel(w *Workers, n, cost int, fn func(lo, hi int)) {
	p := min(w.Threads(), n)
	if p < 2 || n*cost < parallelMin {
		fn(0, n)
		return
	}
	w.pool.Do(p, rangeTask{n: n, parts: p, fn: fn})
}

// rangeTask is part i of p of [0, n).
type rangeTask struct {
	n, parts int
	fn       func(lo, hi int)
}

func (r rangeTask) Do(_, i int) { r.fn(i*r.n/r.parts, (i+1)*r.n/r.parts) }

// parallelMin is the work (elements touched) below which parallel runs
// serially.
const parallelMin = 1 << 15
