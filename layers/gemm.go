package layers

import (
	"runtime"
	"sync"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
	"gorgonia.org/gorgonia"
)

// gemm32 computes c = op(a)·op(b) (alpha 1, beta 0) with the BLAS Gorgonia
// uses (gorgonia.WhichBLAS: OpenBLAS under -tags openblas, gonum's pure-Go
// BLAS by default).
//
// gonum's GEMM starts a goroutine, a channel and a WaitGroup per call and
// per 64×64 block of c: about twenty allocations a call, two hundred a
// training step. For gonum, gemm hands out exactly the same blocks (same
// block size, same k order, so the same result bit for bit) to a pool of
// long-lived workers instead, and allocates nothing. Other BLAS are called
// directly.
func gemm32(tA, tB blas.Transpose, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	impl := gorgonia.WhichBLAS()
	if !gemmPooled(impl, m, n) {
		impl.Sgemm(tA, tB, m, n, k, 1, a, lda, b, ldb, 0, c, ldc)
		return
	}
	for i := range m {
		clear(c[i*ldc : i*ldc+n])
	}
	gemmPool.run(gemmJob{tA: tA, tB: tB, m: m, n: n, k: k, lda: lda, ldb: ldb, ldc: ldc, a32: a, b32: b, c32: c})
}

// gemm64 is gemm32 in float64.
func gemm64(tA, tB blas.Transpose, m, n, k int, a []float64, lda int, b []float64, ldb int, c []float64, ldc int) {
	impl := gorgonia.WhichBLAS()
	if !gemmPooled(impl, m, n) {
		impl.Dgemm(tA, tB, m, n, k, 1, a, lda, b, ldb, 0, c, ldc)
		return
	}
	for i := range m {
		clear(c[i*ldc : i*ldc+n])
	}
	gemmPool.run(gemmJob{tA: tA, tB: tB, m: m, n: n, k: k, lda: lda, ldb: ldb, ldc: ldc, a64: a, b64: b, c64: c})
}

// gemmPooled reports whether a product goes to the worker pool: gonum's
// BLAS, and big enough that gonum would run it in parallel.
func gemmPooled(impl gorgonia.BLAS, m, n int) bool {
	_, isGonum := impl.(gonum.Implementation)
	return isGonum && gemmBlocks(m)*gemmBlocks(n) >= gemmMinParBlock && runtime.GOMAXPROCS(0) >= 2
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

// gemmWorkers runs one job at a time (mu) on GOMAXPROCS workers started
// on first use.
type gemmWorkers struct {
	mu    sync.Mutex
	once  sync.Once
	tasks chan [2]int
	wg    sync.WaitGroup
	job   gemmJob
}

var gemmPool gemmWorkers

func (p *gemmWorkers) run(job gemmJob) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.once.Do(func() {
		p.tasks = make(chan [2]int, 256)
		for range runtime.GOMAXPROCS(0) {
			go func() {
				for t := range p.tasks {
					p.job.block(t[0], t[1])
					p.wg.Done()
				}
			}()
		}
	})
	p.job = job
	p.wg.Add(gemmBlocks(job.m) * gemmBlocks(job.n))
	for i := 0; i < job.m; i += gemmBlockSize {
		for j := 0; j < job.n; j += gemmBlockSize {
			p.tasks <- [2]int{i, j}
		}
	}
	p.wg.Wait()
	p.job = gemmJob{} // drop the references to the caller's slices
}

// block computes the block of c at (i, j) as gonum's sgemmParallel does:
// k in blocks of 64, in order, accumulated into c.
func (j *gemmJob) block(i, jj int) {
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
