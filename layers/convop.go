package layers

import (
	"fmt"

	"github.com/chewxy/hm"
	"github.com/pkg/errors"
	"gonum.org/v1/gonum/blas"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The convolution as convergo ops: im2col into a buffer kept across runs,
// one GEMM for the forward pass with the bias and the NCHW layout written
// in one pass, and GEMMs for the weight and input gradients (the latter
// folded back by col2im). The column matrix is channel-major, one row per
// (input channel, kernel row, kernel column) and one column per output
// pixel of the batch, so that im2col and col2im move contiguous runs of
// input rows, and the forward product's wide dimension is the pixels:
//
//	col = Im2Col(x)           (C·kh·kw, N·H'·W')
//	t   = W·col               (F, N·H'·W'), W read as (F, C·kh·kw)
//	y   = t as (N, F, H', W'), + b
//
// and the gradient
//
//	t    = ChanMajor(dy)       (F, N·H'·W'), dy with the channel axis first
//	dW   = t·colᵀ              (F, C, kh, kw)
//	db   = ChanSum(dy)         the channel bias's gradient (see chanOp)
//	dcol = Wᵀ·t                only when x needs a gradient
//	dx   = Col2Im(dcol)
//
// The GEMMs go through gemm32/gemm64 (convergo's own float32 kernel in the
// default build, the BLAS Gorgonia uses otherwise: OpenBLAS under -tags
// openblas), on the model's Workers, as are im2col, col2im and pooling.
// Every output is written into a buffer the op keeps (convBuf), so a
// training step allocates no tensors; the value a node held is overwritten
// by the next run. Every sum is over a fixed order, so results do not
// depend on the thread count. The values are Gorgonia's Conv2d's to
// rounding (its product is col·Wᵀ, in another order).

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

// conv2d adds y = conv(x, w) + b (b may be nil) to x's graph.
func conv2d(wk *Workers, x, w, b *gorgonia.Node, g convGeom) (*gorgonia.Node, error) {
	d, err := g.dims(x.Shape())
	if err != nil {
		return nil, err
	}
	yshape := tensor.Shape{d.n, w.Shape()[0], d.oh, d.ow}
	col, err := gorgonia.ApplyOp(&im2colOp{named{"Im2Col(" + g.String() + ")"}, g, new(convBuf), wk}, x)
	if err != nil {
		return nil, err
	}
	in := gorgonia.Nodes{col, w}
	if b != nil {
		in = append(in, b)
	}
	return gorgonia.ApplyOp(&convGemmOp{named{fmt.Sprintf("ConvGemm(bias=%t,y=%v)", b != nil, yshape)}, b != nil, yshape, new(convBuf), new(convBuf), wk}, in...)
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

// im2colOp is x (N, C, H, W) → col (C·kh·kw, N·H'·W'), with
// col[(c·kh + i)·kw + j, (n·H' + oy)·W' + ox] = x[n, c, oy·sh − ph + i, ox·sw − pw + j]
// (0 in the padding). Its gradient is col2imOp.
type im2colOp struct {
	named
	g   convGeom
	buf *convBuf
	wk  *Workers
}

func (op *im2colOp) Arity() int    { return 1 }
func (op *im2colOp) Type() hm.Type { return tensorFn(2, 4) }
func (op *im2colOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, err := shapeOf(op.id, in, 0)
	if err != nil {
		return nil, err
	}
	d, err := op.g.dims(s)
	if err != nil {
		return nil, errors.Wrap(err, op.id)
	}
	return tensor.Shape{d.cols(), d.rows()}, nil
}
func (op *im2colOp) Do(vals ...gorgonia.Value) (gorgonia.Value, error) {
	return op.UsePreallocDo(nil, vals...)
}
func (op *im2colOp) UsePreallocDo(prealloc gorgonia.Value, vals ...gorgonia.Value) (gorgonia.Value, error) {
	in, err := denseArgs(op.id, vals, 1)
	if err != nil {
		return nil, err
	}
	x := in[0]
	d, err := op.g.dims(x.Shape())
	if err != nil {
		return nil, errors.Wrap(err, op.id)
	}
	out := op.buf.prealloc(prealloc, x.Dtype(), tensor.Shape{d.cols(), d.rows()})
	switch out.Dtype() {
	case tensor.Float32:
		o := out.Float32s()
		im2col(op.wk, d, x.Float32s(), o)
	case tensor.Float64:
		o := out.Float64s()
		im2col(op.wk, d, x.Float64s(), o)
	}
	return out, nil
}
func (op *im2colOp) DiffWRT(int) []bool { return []bool{true} }
func (op *im2colOp) SymDiff(inputs gorgonia.Nodes, output, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	dx, err := gorgonia.ApplyOp(&col2imOp{named{fmt.Sprintf("Col2Im(%s,x=%v)", op.g, inputs[0].Shape())}, op.g, inputs[0].Shape().Clone(), new(convBuf), op.wk}, grad)
	if err != nil {
		return nil, err
	}
	return gorgonia.Nodes{dx}, nil
}

// col2imOp is dcol (C·kh·kw, N·H'·W') → dx (N, C, H, W), the adjoint of
// im2col: every column entry is added to the input element it was copied
// from.
type col2imOp struct {
	named
	g   convGeom
	x   tensor.Shape
	buf *convBuf
	wk  *Workers
}

func (op *col2imOp) Arity() int    { return 1 }
func (op *col2imOp) Type() hm.Type { return tensorFn(4, 2) }
func (op *col2imOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	return op.x.Clone(), nil
}
func (op *col2imOp) Do(vals ...gorgonia.Value) (gorgonia.Value, error) {
	return op.UsePreallocDo(nil, vals...)
}
func (op *col2imOp) UsePreallocDo(prealloc gorgonia.Value, vals ...gorgonia.Value) (gorgonia.Value, error) {
	in, err := denseArgs(op.id, vals, 1)
	if err != nil {
		return nil, err
	}
	dcol := in[0]
	d, err := op.g.dims(op.x)
	if err != nil {
		return nil, errors.Wrap(err, op.id)
	}
	if !dcol.Shape().Eq(tensor.Shape{d.cols(), d.rows()}) {
		return nil, errors.Errorf("layers: %s: gradient shape %v, want (%d, %d)", op.id, dcol.Shape(), d.cols(), d.rows())
	}
	out := op.buf.prealloc(prealloc, dcol.Dtype(), op.x)
	switch out.Dtype() {
	case tensor.Float32:
		o := out.Float32s()
		col2im(op.wk, d, dcol.Float32s(), o)
	case tensor.Float64:
		o := out.Float64s()
		col2im(op.wk, d, dcol.Float64s(), o)
	}
	return out, nil
}
func (op *col2imOp) DiffWRT(int) []bool { return []bool{false} }
func (op *col2imOp) SymDiff(gorgonia.Nodes, *gorgonia.Node, *gorgonia.Node) (gorgonia.Nodes, error) {
	return nil, errors.Errorf("layers: %s: second derivative not implemented", op.id)
}

// convGemmOp is (col, W[, b]) → y (N, F, H', W') with
// y[n, f, p] = Σ_r W[f, r]·col[r, n·H'·W' + p] + b[f], W read as the
// matrix (F, C·kh·kw).
type convGemmOp struct {
	named
	bias bool
	y    tensor.Shape // (N, F, H', W')
	buf  *convBuf     // y
	tmp  *convBuf     // W·col, (F, N·H'·W')
	wk   *Workers
}

func (op *convGemmOp) Arity() int {
	if op.bias {
		return 3
	}
	return 2
}
func (op *convGemmOp) Type() hm.Type {
	if op.bias {
		return tensorFn(4, 2, 4, 1)
	}
	return tensorFn(4, 2, 4)
}

func (op *convGemmOp) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	return op.y.Clone(), nil
}

func (op *convGemmOp) Do(vals ...gorgonia.Value) (gorgonia.Value, error) {
	return op.UsePreallocDo(nil, vals...)
}

func (op *convGemmOp) UsePreallocDo(prealloc gorgonia.Value, vals ...gorgonia.Value) (gorgonia.Value, error) {
	in, err := denseArgs(op.id, vals, op.Arity())
	if err != nil {
		return nil, err
	}
	col, w := in[0], in[1]
	f, r := w.Shape()[0], w.Shape().TotalSize()/max(w.Shape()[0], 1)
	if col.Dims() != 2 || col.Shape()[0] != r || w.Dims() != 4 {
		return nil, errors.Errorf("layers: %s: columns %v and weight %v do not match", op.id, col.Shape(), w.Shape())
	}
	if op.bias && in[2].Shape().TotalSize() != f {
		return nil, errors.Errorf("layers: %s: bias %v for %d filters", op.id, in[2].Shape(), f)
	}
	yshape := op.y
	cols := col.Shape()[1]
	if yshape[0]*yshape[2]*yshape[3] != cols || yshape[1] != f {
		return nil, errors.Errorf("layers: %s: columns %v do not give output %v", op.id, col.Shape(), yshape)
	}
	y := op.buf.prealloc(prealloc, col.Dtype(), yshape)
	t := op.tmp.get(col.Dtype(), tensor.Shape{f, cols})
	switch y.Dtype() {
	case tensor.Float32:
		yd := y.Float32s()
		var b []float32
		if op.bias {
			b = in[2].Float32s()
		}
		td := t.Float32s()
		gemm32(op.wk, blas.NoTrans, blas.NoTrans, f, cols, r, w.Float32s(), r, col.Float32s(), cols, td, cols)
		batchMajor(td, b, yd, yshape[0], f, yshape[2]*yshape[3])
	case tensor.Float64:
		yd := y.Float64s()
		var b []float64
		if op.bias {
			b = in[2].Float64s()
		}
		td := t.Float64s()
		gemm64(op.wk, blas.NoTrans, blas.NoTrans, f, cols, r, w.Float64s(), r, col.Float64s(), cols, td, cols)
		batchMajor(td, b, yd, yshape[0], f, yshape[2]*yshape[3])
	}
	return y, nil
}

func (op *convGemmOp) DiffWRT(int) []bool {
	d := make([]bool, op.Arity())
	for i := range d {
		d[i] = true
	}
	return d
}

func (op *convGemmOp) SymDiff(inputs gorgonia.Nodes, output, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	if len(inputs) != op.Arity() {
		return nil, errors.Errorf("layers: %s: want %d inputs, got %d", op.id, op.Arity(), len(inputs))
	}
	col, w := inputs[0], inputs[1]
	t, err := gorgonia.ApplyOp(&chanMajorOp{named{"ChanMajor"}, new(convBuf)}, grad)
	if err != nil {
		return nil, err
	}
	dw, err := gorgonia.ApplyOp(&convGradWOp{named{fmt.Sprintf("ConvGradW(w=%v)", w.Shape())}, w.Shape().Clone(), new(convBuf), op.wk}, t, col)
	if err != nil {
		return nil, err
	}
	dcol, err := gorgonia.ApplyOp(&convGradColOp{named{fmt.Sprintf("ConvGradCol(%d)", col.ID())}, col, new(convBuf), op.wk}, w, t)
	if err != nil {
		return nil, err
	}
	grads := gorgonia.Nodes{dcol, dw}
	if op.bias {
		db, err := gorgonia.ApplyOp(&chanOp{named{"ChanSum4"}, 4, true}, grad)
		if err != nil {
			return nil, err
		}
		grads = append(grads, db)
	}
	return grads, nil
}

// batchMajor writes y[n, f, p] = t[f, n·np + p] + b[f] (b may be nil):
// each sample's channel f is a contiguous run of t's row f, plus the bias.
func batchMajor[T float](t, b, y []T, n, f, np int) {
	for ni := range n {
		for fi := range f {
			dst := y[(ni*f+fi)*np:][:np]
			src := t[fi*n*np+ni*np:][:np]
			if b == nil {
				copy(dst, src)
				continue
			}
			bv := b[fi]
			for p, v := range src {
				dst[p] = v + bv
			}
		}
	}
}

// chanMajorOp is dy (N, F, H', W') → t (F, N·H'·W'), t[f, n·H'·W' + p] =
// dy[n, f, p].
type chanMajorOp struct {
	named
	buf *convBuf
}

func (op *chanMajorOp) Arity() int    { return 1 }
func (op *chanMajorOp) Type() hm.Type { return tensorFn(2, 4) }
func (op *chanMajorOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, err := shapeOf(op.id, in, 0)
	if err != nil {
		return nil, err
	}
	if len(s) != 4 {
		return nil, errors.Errorf("layers: %s: input shape %v, want (N, F, H, W)", op.id, s)
	}
	return tensor.Shape{s[1], s[0] * s[2] * s[3]}, nil
}
func (op *chanMajorOp) Do(vals ...gorgonia.Value) (gorgonia.Value, error) {
	return op.UsePreallocDo(nil, vals...)
}
func (op *chanMajorOp) UsePreallocDo(prealloc gorgonia.Value, vals ...gorgonia.Value) (gorgonia.Value, error) {
	in, err := denseArgs(op.id, vals, 1)
	if err != nil {
		return nil, err
	}
	dy := in[0]
	s := dy.Shape()
	if len(s) != 4 {
		return nil, errors.Errorf("layers: %s: input shape %v, want (N, F, H, W)", op.id, s)
	}
	n, f, np := s[0], s[1], s[2]*s[3]
	out := op.buf.prealloc(prealloc, dy.Dtype(), tensor.Shape{f, n * np})
	switch out.Dtype() {
	case tensor.Float32:
		o := out.Float32s()
		chanMajor(dy.Float32s(), o, n, f, np)
	case tensor.Float64:
		o := out.Float64s()
		chanMajor(dy.Float64s(), o, n, f, np)
	}
	return out, nil
}
func (op *chanMajorOp) DiffWRT(int) []bool { return []bool{false} }
func (op *chanMajorOp) SymDiff(gorgonia.Nodes, *gorgonia.Node, *gorgonia.Node) (gorgonia.Nodes, error) {
	return nil, errors.Errorf("layers: %s: second derivative not implemented", op.id)
}

func chanMajor[T float](y, t []T, n, f, np int) {
	cols := n * np
	for ni := range n {
		for fi := range f {
			copy(t[fi*cols+ni*np:fi*cols+(ni+1)*np], y[(ni*f+fi)*np:(ni*f+fi+1)*np])
		}
	}
}

// convGradWOp is (t, col) → dW = t·colᵀ, shaped as the weight
// (F, C, kh, kw).
type convGradWOp struct {
	named
	w   tensor.Shape
	buf *convBuf
	wk  *Workers
}

func (op *convGradWOp) Arity() int    { return 2 }
func (op *convGradWOp) Type() hm.Type { return tensorFn(4, 2, 2) }
func (op *convGradWOp) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	return op.w.Clone(), nil
}
func (op *convGradWOp) Do(vals ...gorgonia.Value) (gorgonia.Value, error) {
	return op.UsePreallocDo(nil, vals...)
}
func (op *convGradWOp) UsePreallocDo(prealloc gorgonia.Value, vals ...gorgonia.Value) (gorgonia.Value, error) {
	in, err := denseArgs(op.id, vals, 2)
	if err != nil {
		return nil, err
	}
	t, col := in[0], in[1]
	f, r := op.w[0], op.w.TotalSize()/op.w[0]
	if !t.Shape().Eq(tensor.Shape{f, col.Shape()[1]}) || col.Shape()[0] != r {
		return nil, errors.Errorf("layers: %s: gradient %v and columns %v do not match", op.id, t.Shape(), col.Shape())
	}
	cols := col.Shape()[1]
	dw := op.buf.prealloc(prealloc, t.Dtype(), op.w)
	switch dw.Dtype() {
	case tensor.Float32:
		gemm32(op.wk, blas.NoTrans, blas.Trans, f, r, cols, t.Float32s(), cols, col.Float32s(), cols, dw.Float32s(), r)
	case tensor.Float64:
		gemm64(op.wk, blas.NoTrans, blas.Trans, f, r, cols, t.Float64s(), cols, col.Float64s(), cols, dw.Float64s(), r)
	}
	return dw, nil
}
func (op *convGradWOp) DiffWRT(int) []bool { return []bool{false, false} }
func (op *convGradWOp) SymDiff(gorgonia.Nodes, *gorgonia.Node, *gorgonia.Node) (gorgonia.Nodes, error) {
	return nil, errors.Errorf("layers: %s: second derivative not implemented", op.id)
}

// convGradColOp is (W, t) → dcol = Wᵀ·t (C·kh·kw, N·H'·W'). It is computed
// only when the column node has a derivative in the graph, that is when
// the convolution's input needs a gradient; for the data fed to the first
// layer it does not, and the GEMM is skipped (the result is zeros).
type convGradColOp struct {
	named
	col *gorgonia.Node
	buf *convBuf
	wk  *Workers
}

func (op *convGradColOp) Arity() int    { return 2 }
func (op *convGradColOp) Type() hm.Type { return tensorFn(2, 4, 2) }
func (op *convGradColOp) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	return op.col.Shape().Clone(), nil
}
func (op *convGradColOp) Do(vals ...gorgonia.Value) (gorgonia.Value, error) {
	return op.UsePreallocDo(nil, vals...)
}
func (op *convGradColOp) UsePreallocDo(prealloc gorgonia.Value, vals ...gorgonia.Value) (gorgonia.Value, error) {
	in, err := denseArgs(op.id, vals, 2)
	if err != nil {
		return nil, err
	}
	w, t := in[0], in[1]
	f := w.Shape()[0]
	r := w.Shape().TotalSize() / f
	cols := t.Shape()[1]
	if t.Shape()[0] != f {
		return nil, errors.Errorf("layers: %s: weight %v and gradient %v do not match", op.id, w.Shape(), t.Shape())
	}
	dcol := op.buf.prealloc(prealloc, w.Dtype(), tensor.Shape{r, cols})
	if op.col.Deriv() == nil {
		dcol.Zero()
		return dcol, nil
	}
	switch dcol.Dtype() {
	case tensor.Float32:
		o := dcol.Float32s()
		gemm32(op.wk, blas.Trans, blas.NoTrans, r, cols, f, w.Float32s(), r, t.Float32s(), cols, o, cols)
	case tensor.Float64:
		o := dcol.Float64s()
		gemm64(op.wk, blas.Trans, blas.NoTrans, r, cols, f, w.Float64s(), r, t.Float64s(), cols, o, cols)
	}
	return dcol, nil
}
func (op *convGradColOp) DiffWRT(int) []bool { return []bool{false, false} }
func (op *convGradColOp) SymDiff(gorgonia.Nodes, *gorgonia.Node, *gorgonia.Node) (gorgonia.Nodes, error) {
	return nil, errors.Errorf("layers: %s: second derivative not implemented", op.id)
}

// im2col fills col (see im2colOp), its rows split among wk's threads.
func im2col[T float](wk *Workers, d convDims, x, col []T) {
	parallel(wk, d.cols(), d.rows(), func(lo, hi int) { im2colRange(d, x, col, lo, hi) })
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

// col2im writes into dx the adjoint of im2col applied to dcol: each input
// element receives the column entries copied from it, added in (i, j, oy)
// order (whatever the split: the planes of dx are split among wk's
// threads).
func col2im[T float](wk *Workers, d convDims, dcol, dx []T) {
	parallel(wk, d.n*d.c, d.h*d.w*d.kh*d.kw, func(lo, hi int) { col2imRange(d, dcol, dx, lo, hi) })
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
