package layers

import (
	"fmt"

	"github.com/chewxy/hm"
	"github.com/pkg/errors"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The convolution as three convergo ops, one per pass, each working on the
// batch a group of samples at a time (convDims.group: as many samples as
// keep the group's column matrix within a core's L2 cache). For a group,
// the column matrix is channel-major, one row per (input channel, kernel
// row, kernel column) and one column per output pixel of the group's
// samples, so that im2col and col2im move contiguous runs of input rows
// and the products' wide dimension is the pixels:
//
//	col = Im2Col(x_g)          (C·kh·kw, g·H'·W')
//	t   = W·col                (F, g·H'·W'), W read as (F, C·kh·kw)
//	y_g = t as (g, F, H', W'), + b
//
// and the gradients, the column matrix rebuilt from x rather than kept
// from the forward pass (rebuilding a cached group costs less than
// reading a whole batch's column matrix back from memory):
//
//	t     = dy_g with the channel axis first   (F, g·H'·W')
//	dW    = Σ_g t·colᵀ         (F, C, kh, kw), the groups' sums added in order
//	db    = ChanSum(dy)        the channel bias's gradient (see chanOp)
//	dx_g  = Col2Im(Wᵀ·t)       only when x needs a gradient
//
// Groups run in parallel on the model's Workers, each worker with its own
// scratch (shared by the three ops of a layer, which never run at the
// same time); the products of a group run on its worker (convergo's own
// float32 kernel in the default build, the BLAS Gorgonia uses otherwise:
// OpenBLAS under -tags openblas). The group size depends on the shapes
// only, and every sum is over a fixed order, so the results do not depend
// on the thread count. Every output is written into a buffer the op keeps
// (convBuf), so a training step allocates nothing; the value a node held
// is overwritten by the next run. The values are Gorgonia's Conv2d's to
// rounding (its product is col·Wᵀ over the whole batch, in another order).

// convGeom is the static part of a convolution: kernel, stride, padding.
// The batch, channel and image sizes come from the input's shape.
type convGeom struct {
	kh, kw, sh, sw, ph, pw int
}

// convDims is a convolution's full geometry.
type convDims struct {
	convGeom
	n, c, h, w, oh, ow int
}

func (g convGeom) dims(x tensor.Shape) (convDims, error) {
	if len(x) != 4 {
		return convDims{}, errors.Errorf("input shape %v, want (N, C, H, W)", x)
	}
	d := convDims{convGeom: g, n: x[0], c: x[1], h: x[2], w: x[3]}
	d.oh = (d.h+2*g.ph-g.kh)/g.sh + 1
	d.ow = (d.w+2*g.pw-g.kw)/g.sw + 1
	if d.h+2*g.ph < g.kh || d.w+2*g.pw < g.kw {
		return convDims{}, errors.Errorf("input shape %v is smaller than the kernel", x)
	}
	return d, nil
}

func (g convGeom) String() string {
	return fmt.Sprintf("k=%dx%d,s=%dx%d,p=%dx%d", g.kh, g.kw, g.sh, g.sw, g.ph, g.pw)
}

// rows is N·H'·W', the rows of the column matrix; cols is C·kh·kw.
func (d convDims) rows() int { return d.n * d.oh * d.ow }
func (d convDims) cols() int { return d.c * d.kh * d.kw }

// convGroupElems bounds a group's column matrix, in elements: 512 KiB of
// float32, which with the product's operands stays within the L2 cache of
// current x86 cores (1–2 MiB).
const convGroupElems = 1 << 17

// group is the number of samples convolved at a time, and groups the
// number of groups of the batch.
func (d convDims) group() int {
	per := max(d.cols()*d.np(), 1)
	return max(1, min(d.n, convGroupElems/per))
}

// A convolution of stride 1 uses wide rows: the column matrix has a
// column for every (oy, ox) with 0 ≤ ox < W+2·pw, the padded input's
// width, rather than < W', so that a row of it is, per sample, one
// contiguous run of the padded input plane (from (i, j), H'·(W+2·pw)
// long) instead of H' runs of W'. The extra columns hold other pixels of
// the plane; the output drops them, and the output gradient is zero there
// (so they add exact zeros to dW and dx). The products grow by
// (W+2·pw)/W', so rows are wide only when that is at most 3/2: 14 % for
// LeNet's first layer, 40 % for its second, whose forward and backward
// pass (BenchmarkConv2DLeNet1, best of 4 interleaved) took 5.3 ms wide
// against 6.1 ms narrow in the pure-Go build, 3.8 against 5.6 ms with
// OpenBLAS.
func (d convDims) wide() bool {
	return d.sh == 1 && d.sw == 1 && 2*(d.w+2*d.pw) <= 3*d.ow
}

// rowLen is the column matrix's output row length: W+2·pw wide, else W'.
func (d convDims) rowLen() int {
	if d.wide() {
		return d.w + 2*d.pw
	}
	return d.ow
}

// np is the number of columns per sample of the column matrix.
func (d convDims) np() int { return d.oh * d.rowLen() }

// padLen is the length of a wide group's padded input: its planes, and
// kw−1 more elements the last plane's last row reads past its end.
func (d convDims) padLen(g int) int {
	if !d.wide() {
		return 0
	}
	return g*d.c*(d.h+2*d.ph)*(d.w+2*d.pw) + d.kw - 1
}

func (d convDims) groups() int {
	g := d.group()
	return (d.n + g - 1) / g
}

// conv2d adds y = conv(x, w) + b (b may be nil) to x's graph.
func conv2d(wk *Workers, x, w, b *gorgonia.Node, g convGeom) (*gorgonia.Node, error) {
	d, err := g.dims(x.Shape())
	if err != nil {
		return nil, err
	}
	if w.Dims() != 4 || w.Shape()[1] != d.c || w.Shape()[2] != g.kh || w.Shape()[3] != g.kw {
		return nil, errors.Errorf("weight shape %v does not fit input %v and kernel %dx%d", w.Shape(), x.Shape(), g.kh, g.kw)
	}
	op := &convOp{
		named: named{fmt.Sprintf("Conv2d(%s,bias=%t,x=%v,w=%v)", g, b != nil, x.Shape(), w.Shape())},
		d:     d, f: w.Shape()[0], bias: b != nil, x: x,
		buf: new(convBuf), scratch: new(convScratch), wk: wk,
	}
	in := gorgonia.Nodes{x, w}
	if b != nil {
		in = append(in, b)
	}
	return gorgonia.ApplyOp(op, in...)
}

// convBuf is the output buffer of one op node, kept across runs (a tape
// machine that is Reset before every run, as graph.Model's is, asks Do for
// a fresh value every time).
type convBuf struct{ t *tensor.Dense }

func (b *convBuf) get(dt tensor.Dtype, shape tensor.Shape) *tensor.Dense {
	if b.t == nil || b.t.Dtype() != dt || !b.t.Shape().Eq(shape) {
		b.t = tensor.New(tensor.Of(dt), tensor.WithShape(shape.Clone()...))
	}
	return b.t
}

// prealloc returns p if it is a dense tensor of the given dtype and shape,
// else the buffer.
func (b *convBuf) prealloc(p gorgonia.Value, dt tensor.Dtype, shape tensor.Shape) *tensor.Dense {
	if d, ok := p.(*tensor.Dense); ok && d.Dtype() == dt && d.Shape().Eq(shape) && d.IsNativelyAccessible() && !d.DataOrder().IsColMajor() {
		return d
	}
	return b.get(dt, shape)
}

// convOp is (x, W[, b]) → y (N, F, H', W') with
// y[n, f, oy, ox] = Σ_{c,i,j} W[f, c, i, j]·x[n, c, oy·sh − ph + i, ox·sw − pw + j] + b[f]
// (x is 0 in the padding).
type convOp struct {
	named
	d       convDims
	f       int
	bias    bool
	x       *gorgonia.Node // for the input gradient's op
	buf     *convBuf
	scratch *convScratch
	wk      *Workers
}

func (op *convOp) Arity() int {
	if op.bias {
		return 3
	}
	return 2
}
func (op *convOp) Type() hm.Type {
	if op.bias {
		return tensorFn(4, 4, 4, 1)
	}
	return tensorFn(4, 4, 4)
}
func (op *convOp) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	return op.d.yShape(op.f), nil
}
func (op *convOp) Do(vals ...gorgonia.Value) (gorgonia.Value, error) {
	return op.UsePreallocDo(nil, vals...)
}
func (op *convOp) UsePreallocDo(prealloc gorgonia.Value, vals ...gorgonia.Value) (gorgonia.Value, error) {
	in, err := denseArgs(op.id, vals, op.Arity())
	if err != nil {
		return nil, err
	}
	x, w := in[0], in[1]
	if err := op.d.check(op.id, x.Shape(), w.Shape(), op.f); err != nil {
		return nil, err
	}
	if op.bias && in[2].Shape().TotalSize() != op.f {
		return nil, errors.Errorf("layers: %s: bias %v for %d filters", op.id, in[2].Shape(), op.f)
	}
	y := op.buf.prealloc(prealloc, x.Dtype(), op.d.yShape(op.f))
	switch y.Dtype() {
	case tensor.Float32:
		var b []float32
		if op.bias {
			b = in[2].Float32s()
		}
		p := passOf[float32](op.scratch, op.wk, op.d, op.f)
		p.forward(x.Float32s(), w.Float32s(), b, y.Float32s())
	case tensor.Float64:
		var b []float64
		if op.bias {
			b = in[2].Float64s()
		}
		p := passOf[float64](op.scratch, op.wk, op.d, op.f)
		p.forward(x.Float64s(), w.Float64s(), b, y.Float64s())
	}
	return y, nil
}
func (op *convOp) DiffWRT(int) []bool {
	d := make([]bool, op.Arity())
	for i := range d {
		d[i] = true
	}
	return d
}
func (op *convOp) SymDiff(inputs gorgonia.Nodes, output, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	if len(inputs) != op.Arity() {
		return nil, errors.Errorf("layers: %s: want %d inputs, got %d", op.id, op.Arity(), len(inputs))
	}
	x, w := inputs[0], inputs[1]
	dx, err := gorgonia.ApplyOp(&convGradOp{named{"ConvGradX" + op.id[len("Conv2d"):]}, op, false, new(convBuf)}, w, grad)
	if err != nil {
		return nil, err
	}
	dw, err := gorgonia.ApplyOp(&convGradOp{named{"ConvGradW" + op.id[len("Conv2d"):]}, op, true, new(convBuf)}, x, grad)
	if err != nil {
		return nil, err
	}
	grads := gorgonia.Nodes{dx, dw}
	if op.bias {
		db, err := gorgonia.ApplyOp(&chanOp{named{"ChanSum4"}, 4, true}, grad)
		if err != nil {
			return nil, err
		}
		grads = append(grads, db)
	}
	return grads, nil
}

// convGradOp is a convolution's weight gradient, (x, dy) → dW, or (with
// weight false) its input gradient, (W, dy) → dx. The input gradient is
// computed only when x has a derivative in the graph, that is when the
// convolution's input needs a gradient; for the data fed to the first
// layer it does not, and the products are skipped (the result is zeros).
type convGradOp struct {
	named
	conv   *convOp
	weight bool
	buf    *convBuf
}

func (op *convGradOp) Arity() int    { return 2 }
func (op *convGradOp) Type() hm.Type { return tensorFn(4, 4, 4) }
func (op *convGradOp) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	if op.weight {
		return op.conv.d.wShape(op.conv.f), nil
	}
	return op.conv.d.xShape(), nil
}
func (op *convGradOp) Do(vals ...gorgonia.Value) (gorgonia.Value, error) {
	return op.UsePreallocDo(nil, vals...)
}
func (op *convGradOp) UsePreallocDo(prealloc gorgonia.Value, vals ...gorgonia.Value) (gorgonia.Value, error) {
	in, err := denseArgs(op.id, vals, 2)
	if err != nil {
		return nil, err
	}
	c := op.conv
	d, f := c.d, c.f
	a, dy := in[0], in[1]
	if s := dy.Shape(); !s.Eq(d.yShape(f)) {
		return nil, errors.Errorf("layers: %s: output gradient %v, want %v", op.id, s, d.yShape(f))
	}
	want, out := d.xShape(), d.xShape()
	if op.weight {
		out = d.wShape(f)
	} else {
		want = d.wShape(f)
	}
	if !a.Shape().Eq(want) {
		return nil, errors.Errorf("layers: %s: input %v, want %v", op.id, a.Shape(), want)
	}
	res := op.buf.prealloc(prealloc, dy.Dtype(), out)
	if !op.weight && c.x.Deriv() == nil {
		res.Zero()
		return res, nil
	}
	switch res.Dtype() {
	case tensor.Float32:
		p := passOf[float32](c.scratch, c.wk, d, f)
		if op.weight {
			p.gradW(a.Float32s(), dy.Float32s(), res.Float32s())
		} else {
			p.gradX(a.Float32s(), dy.Float32s(), res.Float32s())
		}
	case tensor.Float64:
		p := passOf[float64](c.scratch, c.wk, d, f)
		if op.weight {
			p.gradW(a.Float64s(), dy.Float64s(), res.Float64s())
		} else {
			p.gradX(a.Float64s(), dy.Float64s(), res.Float64s())
		}
	}
	return res, nil
}
func (op *convGradOp) DiffWRT(int) []bool { return []bool{false, false} }
func (op *convGradOp) SymDiff(gorgonia.Nodes, *gorgonia.Node, *gorgonia.Node) (gorgonia.Nodes, error) {
	return nil, errors.Errorf("layers: %s: second derivative not implemented", op.id)
}

func (d convDims) xShape() tensor.Shape      { return tensor.Shape{d.n, d.c, d.h, d.w} }
func (d convDims) yShape(f int) tensor.Shape { return tensor.Shape{d.n, f, d.oh, d.ow} }
func (d convDims) wShape(f int) tensor.Shape { return tensor.Shape{f, d.c, d.kh, d.kw} }

// check reports whether an input and weight of these shapes are the ones
// the op was built for.
func (d convDims) check(op string, x, w tensor.Shape, f int) error {
	if !x.Eq(d.xShape()) || !w.Eq(d.wShape(f)) {
		return errors.Errorf("layers: %s: input %v and weight %v, want %v and %v", op, x, w, d.xShape(), d.wShape(f))
	}
	return nil
}

// convScratch is a layer's working memory, kept across runs: per worker,
// a group's column matrix and channel-major product; the groups' partial
// weight gradients.
type convScratch struct {
	f32 *convPass[float32]
	f64 *convPass[float64]
}

// convPass is one pass of a convolution over the batch, a group per part
// (a gemm.Task: Do(worker, group)).
type convPass[T float] struct {
	d     convDims
	f     int
	wk    *Workers
	slots []convSlot[T] // per worker, the last for a caller outside the pool
	part  []T           // the groups' weight gradients, (groups, F·C·kh·kw)

	kind       convKind
	x, w, b, y []T      // the pass's operands (dropped when it returns)
	gemmWk     *Workers // the products' workers: nil when the groups run in parallel
}

type convSlot[T float] struct{ col, t, pad []T }

type convKind int

const (
	convForward convKind = iota
	convGradW
	convGradX
)

// passOf returns the scratch's pass for element type T, made on first use.
func passOf[T float](s *convScratch, wk *Workers, d convDims, f int) *convPass[T] {
	var p *convPass[T]
	switch any(p).(type) {
	case *convPass[float32]:
		if s.f32 == nil {
			s.f32 = &convPass[float32]{d: d, f: f, wk: wk}
		}
		p = any(s.f32).(*convPass[T])
	case *convPass[float64]:
		if s.f64 == nil {
			s.f64 = &convPass[float64]{d: d, f: f, wk: wk}
		}
		p = any(s.f64).(*convPass[T])
	}
	if len(p.slots) == 0 {
		p.slots = make([]convSlot[T], wk.Threads()+1)
		g := d.group()
		for i := range p.slots {
			p.slots[i] = convSlot[T]{col: make([]T, d.cols()*g*d.np()), t: make([]T, f*g*d.np()), pad: make([]T, d.padLen(g))}
		}
	}
	return p
}

// run does the pass over every group, on the workers.
func (p *convPass[T]) run(kind convKind, x, w, b, y []T) {
	p.kind, p.x, p.w, p.b, p.y = kind, x, w, b, y
	switch groups := p.d.groups(); {
	case groups == 1:
		// One group (a small batch, or large images): its products on
		// the workers.
		p.gemmWk = p.wk
		p.Do(-1, 0)
	case p.wk.Threads() < 2:
		for i := range groups {
			p.Do(-1, i)
		}
	default:
		p.wk.pool.Do(groups, p)
	}
	p.x, p.w, p.b, p.y, p.gemmWk = nil, nil, nil, nil, nil
}

// forward writes y = conv(x, w) + b (b may be nil).
func (p *convPass[T]) forward(x, w, b, y []T) { p.run(convForward, x, w, b, y) }

// gradX writes dx, the gradient of the input, from w and dy.
func (p *convPass[T]) gradX(w, dy, dx []T) { p.run(convGradX, dy, w, nil, dx) }

// gradW writes dw, the gradient of the weight, from x and dy: each
// group's sum into its own row of part, then the rows added in order.
func (p *convPass[T]) gradW(x, dy, dw []T) {
	r := p.f * p.d.cols()
	if groups := p.d.groups(); len(p.part) < groups*r {
		p.part = make([]T, groups*r)
	}
	p.run(convGradW, x, dy, nil, dw)
	copy(dw, p.part[:r])
	for g := 1; g < p.d.groups(); g++ {
		for i, v := range p.part[g*r : (g+1)*r] {
			dw[i] += v
		}
	}
}

// Do runs the pass on group i. For convGradW, x is the input and w the
// output gradient; for convGradX, x is the output gradient.
func (p *convPass[T]) Do(worker, i int) {
	if worker < 0 {
		worker = len(p.slots) - 1
	}
	s := &p.slots[worker]
	d := p.d
	g := d.group()
	n0 := i * g
	dg := d
	dg.n = min(g, d.n-n0)
	cols, rows, np := d.cols(), dg.n*d.np(), d.oh*d.ow
	xs, ys := d.c*d.h*d.w, p.f*np // per-sample sizes of x and y
	col, t := s.col[:cols*rows], s.t[:p.f*rows]
	var x, y []T // the group's input and output
	switch p.kind {
	case convForward:
		x, y = p.x[n0*xs:], p.y[n0*ys:]
	case convGradW:
		x = p.x[n0*xs:]
	case convGradX:
		x, y = p.x[n0*ys:], p.y[n0*xs:] // dy, dx
	}
	wide := d.wide()
	switch p.kind {
	case convForward:
		if wide {
			im2colWide(dg, x, s.pad, col)
		} else {
			im2colRange(dg, x, col, 0, cols)
		}
		gemmT(p.gemmWk, blas.NoTrans, blas.NoTrans, p.f, rows, cols, p.w, cols, col, rows, t, rows)
		batchMajor(t, p.b, y, dg.n, p.f, d.oh, d.ow, d.rowLen())
	case convGradW:
		if wide {
			im2colWide(dg, x, s.pad, col)
		} else {
			im2colRange(dg, x, col, 0, cols)
		}
		chanMajor(p.w[n0*ys:], t, dg.n, p.f, d.oh, d.ow, d.rowLen())
		gemmT(p.gemmWk, blas.NoTrans, blas.Trans, p.f, cols, rows, t, rows, col, rows, p.part[i*p.f*cols:], cols)
	case convGradX:
		chanMajor(x, t, dg.n, p.f, d.oh, d.ow, d.rowLen())
		gemmT(p.gemmWk, blas.Trans, blas.NoTrans, cols, rows, p.f, p.w, cols, t, rows, col, rows)
		if wide {
			col2imWide(dg, col, s.pad, y)
		} else {
			col2imRange(dg, col, y, 0, dg.n*d.c)
		}
	}
}

// im2colWide fills the wide column matrix col of a group (d.n samples):
// the padded input into pad, then each row of col, per sample, one run
// of a padded plane.
func im2colWide[T float](d convDims, x, pad, col []T) {
	hp, wp := d.h+2*d.ph, d.w+2*d.pw
	plane, np, rows := hp*wp, d.np(), d.n*d.np()
	pad = pad[:d.padLen(d.n)]
	for pl := range d.n * d.c {
		dst := pad[pl*plane:][:plane]
		src := x[pl*d.h*d.w:][:d.h*d.w]
		clear(dst[:d.ph*wp])
		for y := range d.h {
			row := dst[(y+d.ph)*wp:][:wp]
			clear(row[:d.pw])
			copy(row[d.pw:], src[y*d.w:][:d.w])
			clear(row[d.pw+d.w:])
		}
		clear(dst[(d.ph+d.h)*wp:])
	}
	clear(pad[d.n*d.c*plane:])
	for r := range d.cols() {
		c, i, j := r/(d.kh*d.kw), r/d.kw%d.kh, r%d.kw
		dst := col[r*rows:][:rows]
		for n := range d.n {
			copy(dst[n*np:][:np], pad[(n*d.c+c)*plane+i*wp+j:][:np])
		}
	}
}

// col2imWide writes into dx the adjoint of im2colWide applied to the wide
// dcol: the runs added into the padded planes in pad (for each input
// element, its terms in (i, j) order, as col2imRange adds them), then the
// planes' interiors copied out.
func col2imWide[T float](d convDims, dcol, pad, dx []T) {
	hp, wp := d.h+2*d.ph, d.w+2*d.pw
	plane, np, rows := hp*wp, d.np(), d.n*d.np()
	pad = pad[:d.padLen(d.n)]
	clear(pad)
	for r := range d.cols() {
		c, i, j := r/(d.kh*d.kw), r/d.kw%d.kh, r%d.kw
		src := dcol[r*rows:][:rows]
		for n := range d.n {
			addTo(pad[(n*d.c+c)*plane+i*wp+j:][:np], src[n*np:][:np])
		}
	}
	for pl := range d.n * d.c {
		src := pad[pl*plane:][:plane]
		dst := dx[pl*d.h*d.w:][:d.h*d.w]
		for y := range d.h {
			copy(dst[y*d.w:][:d.w], src[(y+d.ph)*wp+d.pw:][:d.w])
		}
	}
}

// addTo adds src into dst, element by element (gonum's vectorised axpy
// with α = 1: the same sums).
func addTo[T float](dst, src []T) {
	switch d := any(dst).(type) {
	case []float32:
		gonum.Implementation{}.Saxpy(len(src), 1, any(src).([]float32), 1, d, 1)
	case []float64:
		gonum.Implementation{}.Daxpy(len(src), 1, any(src).([]float64), 1, d, 1)
	}
}

// gemmT is gemm32 or gemm64, c = op(a)·op(b), on wk's threads (nil: the
// calling goroutine).
func gemmT[T float](wk *Workers, tA, tB blas.Transpose, m, n, k int, a []T, lda int, b []T, ldb int, c []T, ldc int) {
	switch a := any(a).(type) {
	case []float32:
		gemm32(wk, tA, tB, m, n, k, a, lda, any(b).([]float32), ldb, any(c).([]float32), ldc)
	case []float64:
		gemm64(wk, tA, tB, m, n, k, a, lda, any(b).([]float64), ldb, any(c).([]float64), ldc)
	}
}

// batchMajor writes y[n, f, oy, ox] = t[f, (n·oh + oy)·rl + ox] + b[f] (b
// may be nil) for ox < ow: the product's rows of rl ≥ ow columns (see
// convDims.wide), cut to the output's, plus the bias.
func batchMajor[T float](t, b, y []T, n, f, oh, ow, rl int) {
	cols := n * oh * rl
	for ni := range n {
		for fi := range f {
			var bv T
			if b != nil {
				bv = b[fi]
			}
			src := t[fi*cols+ni*oh*rl:][:oh*rl]
			dst := y[(ni*f+fi)*oh*ow:][:oh*ow]
			if rl == ow && b == nil {
				copy(dst, src)
				continue
			}
			for oy := range oh {
				d, s := dst[oy*ow:][:ow], src[oy*rl:][:ow]
				for k, v := range s {
					d[k] = v + bv
				}
			}
		}
	}
}

// chanMajor writes t[f, (n·oh + oy)·rl + ox] = dy[n, f, oy, ox], zero for
// ow ≤ ox < rl: the inverse of batchMajor without bias.
func chanMajor[T float](dy, t []T, n, f, oh, ow, rl int) {
	cols := n * oh * rl
	for ni := range n {
		for fi := range f {
			src := dy[(ni*f+fi)*oh*ow:][:oh*ow]
			dst := t[fi*cols+ni*oh*rl:][:oh*rl]
			if rl == ow {
				copy(dst, src)
				continue
			}
			for oy := range oh {
				d := dst[oy*rl:][:rl]
				copy(d, src[oy*ow:][:ow])
				clear(d[ow:])
			}
		}
	}
}

// span returns the output columns [lo, hi) whose input column ox·sw + ix0
// lies in [0, w).
func span(ix0, sw, w, ow int) (lo, hi int) {
	lo = 0
	if ix0 < 0 {
		lo = (-ix0 + sw - 1) / sw
	}
	hi = ow
	if last := ix0 + (ow-1)*sw; last >= w {
		hi = max(0, (w-ix0+sw-1)/sw)
	}
	return min(lo, hi), hi
}

// im2colRange fills the rows [lo, hi) of col: row r = (c·kh + i)·kw + j
// is, for every sample and output row, a strided run of one input row
// (a contiguous copy at stride 1), zeros in the padding.
func im2colRange[T float](d convDims, x, col []T, lo, hi int) {
	rows, np := d.rows(), d.oh*d.ow
	for r := lo; r < hi; r++ {
		c, i, j := r/(d.kh*d.kw), r/d.kw%d.kh, r%d.kw
		dst := col[r*rows:][:rows]
		ix0 := j - d.pw
		xlo, xhi := span(ix0, d.sw, d.w, d.ow)
		for n := range d.n {
			xp := x[(n*d.c+c)*d.h*d.w:][:d.h*d.w]
			for oy := range d.oh {
				seg := dst[n*np+oy*d.ow:][:d.ow]
				iy := oy*d.sh - d.ph + i
				if iy < 0 || iy >= d.h {
					clear(seg)
					continue
				}
				xr := xp[iy*d.w:][:d.w]
				clear(seg[:xlo])
				clear(seg[xhi:])
				if d.sw == 1 {
					copy(seg[xlo:xhi], xr[xlo+ix0:])
					continue
				}
				for ox := xlo; ox < xhi; ox++ {
					seg[ox] = xr[ox*d.sw+ix0]
				}
			}
		}
	}
}

// col2imRange writes the planes [lo, hi) (plane n·C + c) of dx.
func col2imRange[T float](d convDims, dcol, dx []T, lo, hi int) {
	rows, np := d.rows(), d.oh*d.ow
	for pl := lo; pl < hi; pl++ {
		n, c := pl/d.c, pl%d.c
		xp := dx[pl*d.h*d.w:][:d.h*d.w]
		clear(xp)
		for i := range d.kh {
			for j := range d.kw {
				r := (c*d.kh+i)*d.kw + j
				src := dcol[r*rows+n*np:][:np]
				ix0 := j - d.pw
				xlo, xhi := span(ix0, d.sw, d.w, d.ow)
				for oy := range d.oh {
					iy := oy*d.sh - d.ph + i
					if iy < 0 || iy >= d.h {
						continue
					}
					xr := xp[iy*d.w:][:d.w]
					seg := src[oy*d.ow:][:d.ow]
					if d.sw == 1 {
						dst := xr[xlo+ix0:][:xhi-xlo]
						for k, v := range seg[xlo:xhi] {
							dst[k] += v
						}
						continue
					}
					for ox := xlo; ox < xhi; ox++ {
						xr[ox*d.sw+ix0] += seg[ox]
					}
				}
			}
		}
	}
}
