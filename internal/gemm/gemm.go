// Package gemm is convergo's float32 matrix product for the default (pure
// Go, no cgo) build: C = op(A)·op(B), row-major, in the GotoBLAS/BLIS
// style — A and B packed into panels, cache blocking over k, m and n, and
// a register-blocked micro-kernel in Go assembly (AVX-512 12×32 or
// AVX2+FMA 6×16, chosen at run time with golang.org/x/sys/cpu).
//
// # Exactness
//
// Every element of C is one chain of fused multiply-adds in k order,
// starting from zero, cut into the same k blocks for a given k (see
// kBlocks), the blocks' sums added into C in order. The chain does not depend
// on the kernel (AVX2 and AVX-512 give the same bits), on the tiling, on
// the pool's thread count or on the transposes, because the work is split
// over output tiles only, never over k. The bits differ from gonum's
// (which rounds every product, in blocks of 64) and OpenBLAS's (other
// blocks).
//
// Without a kernel (other architectures, a CPU without AVX2 and FMA, or
// the build tag purego) Available is false and callers use gonum.
package gemm

import "sync"

// Available reports whether Sgemm has an assembly kernel on this machine.
func Available() bool { return kern != nil }

// Kernel names the micro-kernel in use: "avx512", "avx2" or "".
func Kernel() string { return kernName }

// Cache blocking. kcMax bounds a k block (a packed A panel of mr×kc and a
// B panel of kc×nr stay in L1); mcMax×kc is the packed A block (L2);
// ncMax bounds the packed B block.
const (
	kcMax = 256
	mcMax = 144
	ncMax = 1024
	// parMin is the work (multiply-adds) below which a product runs on
	// one goroutine: waking a helper costs a few microseconds.
	parMin = 1 << 17
)

// kBlocks returns the k block length for inner dimension k: the blocks
// are as even as possible, and depend on k only.
func kBlocks(k int) int {
	nb := (k + kcMax - 1) / kcMax
	return (k + nb - 1) / nb
}

// Sgemm computes c = op(a)·op(b) (alpha 1, beta 0; c is m×n with row
// stride ldc), where op(a) is a (m×k, stride lda) or, with tA, the
// transpose of a (k×m); likewise op(b) is k×n, or the transpose of the n×k
// b with tB. It panics if Available is false. Work is split over p's
// threads (nil: the calling goroutine).
func Sgemm(p *Pool, tA, tB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	if m <= 0 || n <= 0 {
		return
	}
	if k <= 0 {
		for i := range m {
			clear(c[i*ldc : i*ldc+n])
		}
		return
	}
	checkLen("a", a, tA, m, k, lda)
	checkLen("b", b, tB, k, n, ldb)
	checkLen("c", c, false, m, n, ldc)
	threads := p.Threads()
	if m*n*k < parMin {
		threads = 1
	}
	if p == nil || p.pool == nil || !p.mu.TryLock() {
		// No pool, or a busy one: one tile at a time on the caller.
		j := job{tA: tA, tB: tB, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc, kc: kBlocks(k)}
		j.tiles(1)
		for t := range j.tm * j.tn {
			j.Do(-1, t)
		}
		return
	}
	q := p.pool
	defer q.mu.Unlock()
	q.job = job{tA: tA, tB: tB, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc, kc: kBlocks(k), ws: q.ws}
	q.job.tiles(threads)
	if threads == 1 {
		for t := range q.job.tm * q.job.tn {
			q.job.Do(0, t)
		}
	} else {
		q.do(q.job.tm*q.job.tn, &q.job)
	}
	q.job = job{} // drop the references to the caller's slices
}

func checkLen(name string, x []float32, trans bool, r, c, ld int) {
	if trans {
		r, c = c, r
	}
	if ld < max(c, 1) || len(x) < (r-1)*ld+c {
		panic("gemm: " + name + " is too short or its stride too small")
	}
}

// job is one product.
type job struct {
	tA, tB  bool
	m, n, k int
	a       []float32
	lda     int
	b       []float32
	ldb     int
	c       []float32
	ldc     int
	kc      int // k block
	mc, nc  int // macro tile
	tm, tn  int // macro tiles along m and n
	ws      []*workspace
}

// tiles chooses the macro tiles: at most mcMax×ncMax, and for a parallel
// product at least one per thread, split along the dimension that leaves
// the work the most even. The tiling does not change the result.
func (j *job) tiles(threads int) {
	j.tm, j.mc = split(j.m, mcMax, mr)
	j.tn, j.nc = split(j.n, ncMax, nr)
	if threads < 2 || j.tm*j.tn >= 2*threads {
		return
	}
	// Candidates: more tiles along m or along n; pick the smaller largest
	// tile (in padded panels), then the one with more tiles.
	tmM, mcM := splitN(j.m, max(j.tm, threads), mr)
	tnN, ncN := splitN(j.n, max(j.tn, threads), nr)
	workM := pad(mcM, mr) * pad(j.nc, nr)
	workN := pad(j.mc, mr) * pad(ncN, nr)
	if workM <= workN {
		j.tm, j.mc = tmM, mcM
	} else {
		j.tn, j.nc = tnN, ncN
	}
	if j.tm*j.tn < threads && j.n > 1 {
		// A small output over a long k (a convolution's weight gradient):
		// split n below a panel, so that the threads share the packing;
		// each part runs the kernel on a partial (padded) panel.
		j.tn, j.nc = splitN(j.n, threads, 1)
	}
}

// split cuts d into tiles of at most lim (a multiple of unit where
// possible) as even as possible.
func split(d, lim, unit int) (count, size int) {
	return splitN(d, (d+lim-1)/lim, unit)
}

// splitN cuts d into at most count tiles whose size is a multiple of unit.
func splitN(d, count, unit int) (int, int) {
	size := pad((d+count-1)/count, unit)
	return (d + size - 1) / size, size
}

func pad(x, unit int) int { return (x + unit - 1) / unit * unit }

// workspace is one worker's packed panels and edge tile.
type workspace struct {
	a, b []float32
	tile []float32
}

var spare = sync.Pool{New: func() any { return new(workspace) }}

func (ws *workspace) grow(na, nb int) {
	if len(ws.a) < na {
		ws.a = make([]float32, na)
	}
	if len(ws.b) < nb {
		ws.b = make([]float32, nb)
	}
	if len(ws.tile) < mr*nr {
		ws.tile = make([]float32, mr*nr)
	}
}

// Do computes macro tile t on worker w.
func (j *job) Do(w, t int) {
	var ws *workspace
	if w >= 0 && j.ws != nil {
		if ws = j.ws[w]; ws == nil {
			ws = new(workspace)
			j.ws[w] = ws
		}
	} else {
		ws = spare.Get().(*workspace)
		defer spare.Put(ws)
	}
	i0 := t / j.tn * j.mc
	j0 := t % j.tn * j.nc
	i1, j1 := min(i0+j.mc, j.m), min(j0+j.nc, j.n)
	mb, nb := i1-i0, j1-j0
	ws.grow(pad(mb, mr)*j.kc, pad(nb, nr)*j.kc)
	for p0 := 0; p0 < j.k; p0 += j.kc {
		kb := min(j.kc, j.k-p0)
		j.packA(ws.a, i0, i1, p0, kb)
		j.packB(ws.b, j0, j1, p0, kb)
		add := p0 > 0
		for jr := j0; jr < j1; jr += nr {
			bp := &ws.b[(jr-j0)*kb]
			nv := min(nr, j1-jr)
			for ir := i0; ir < i1; ir += mr {
				ap := &ws.a[(ir-i0)*kb]
				mv := min(mr, i1-ir)
				if mv == mr && nv == nr {
					kern(kb, ap, bp, &j.c[ir*j.ldc+jr], j.ldc, add)
					continue
				}
				tile := ws.tile[:mr*nr]
				kern(kb, ap, bp, &tile[0], nr, false)
				for i := range mv {
					dst := j.c[(ir+i)*j.ldc+jr:][:nv]
					src := tile[i*nr:][:nv]
					if add {
						for x, v := range src {
							dst[x] += v
						}
					} else {
						copy(dst, src)
					}
				}
			}
		}
	}
}

// packA writes rows [i0, i1) × columns [p0, p0+kb) of op(A) as panels of
// mr rows: panel q holds, for each l, the mr values op(A)[i0+q·mr+i, p0+l]
// (zeros past i1).
func (j *job) packA(dst []float32, i0, i1, p0, kb int) {
	for ir := i0; ir < i1; ir += mr {
		panel := dst[(ir-i0)*kb:][:mr*kb]
		mv := min(mr, i1-ir)
		if j.tA {
			// op(A)[i, l] = a[l·lda + i]: mv contiguous values per l.
			for l := range kb {
				src := j.a[(p0+l)*j.lda+ir:][:mv]
				d := panel[l*mr:][:mr]
				copy(d, src)
				clear(d[mv:])
			}
			continue
		}
		// op(A)[i, l] = a[i·lda + l]: a transpose, four rows at a time.
		i := 0
		for ; i+4 <= mv; i += 4 {
			s0 := j.a[(ir+i)*j.lda+p0:][:kb]
			s1 := j.a[(ir+i+1)*j.lda+p0:][:kb]
			s2 := j.a[(ir+i+2)*j.lda+p0:][:kb]
			s3 := j.a[(ir+i+3)*j.lda+p0:][:kb]
			for l := range kb {
				d := panel[l*mr+i:][:4]
				d[0], d[1], d[2], d[3] = s0[l], s1[l], s2[l], s3[l]
			}
		}
		for ; i < mv; i++ {
			src := j.a[(ir+i)*j.lda+p0:][:kb]
			for l, v := range src {
				panel[l*mr+i] = v
			}
		}
		for i := mv; i < mr; i++ {
			for l := range kb {
				panel[l*mr+i] = 0
			}
		}
	}
}

// packB writes rows [p0, p0+kb) × columns [j0, j1) of op(B) as panels of
// nr columns: panel q holds, for each l, the nr values op(B)[p0+l,
// j0+q·nr+x] (zeros past j1).
func (j *job) packB(dst []float32, j0, j1, p0, kb int) {
	for jr := j0; jr < j1; jr += nr {
		panel := dst[(jr-j0)*kb:][:nr*kb]
		nv := min(nr, j1-jr)
		if !j.tB {
			for l := range kb {
				src := j.b[(p0+l)*j.ldb+jr:][:nv]
				d := panel[l*nr:][:nr]
				copy(d, src)
				clear(d[nv:])
			}
			continue
		}
		// op(B)[l, x] = b[x·ldb + l]: a transpose, four source rows at
		// a time so that each write fills four adjacent values.
		x := 0
		for ; x+8 <= nv; x += 8 {
			s0 := j.b[(jr+x)*j.ldb+p0:][:kb]
			s1 := j.b[(jr+x+1)*j.ldb+p0:][:kb]
			s2 := j.b[(jr+x+2)*j.ldb+p0:][:kb]
			s3 := j.b[(jr+x+3)*j.ldb+p0:][:kb]
			s4 := j.b[(jr+x+4)*j.ldb+p0:][:kb]
			s5 := j.b[(jr+x+5)*j.ldb+p0:][:kb]
			s6 := j.b[(jr+x+6)*j.ldb+p0:][:kb]
			s7 := j.b[(jr+x+7)*j.ldb+p0:][:kb]
			for l := range kb {
				d := panel[l*nr+x:][:8]
				d[0], d[1], d[2], d[3] = s0[l], s1[l], s2[l], s3[l]
				d[4], d[5], d[6], d[7] = s4[l], s5[l], s6[l], s7[l]
			}
		}
		for ; x+4 <= nv; x += 4 {
			s0 := j.b[(jr+x)*j.ldb+p0:][:kb]
			s1 := j.b[(jr+x+1)*j.ldb+p0:][:kb]
			s2 := j.b[(jr+x+2)*j.ldb+p0:][:kb]
			s3 := j.b[(jr+x+3)*j.ldb+p0:][:kb]
			for l := range kb {
				d := panel[l*nr+x:][:4]
				d[0], d[1], d[2], d[3] = s0[l], s1[l], s2[l], s3[l]
			}
		}
		for ; x < nv; x++ {
			src := j.b[(jr+x)*j.ldb+p0:][:kb]
			for l, v := range src {
				panel[l*nr+x] = v
			}
		}
		for x := nv; x < nr; x++ {
			for l := range kb {
				panel[l*nr+x] = 0
			}
		}
	}
}
