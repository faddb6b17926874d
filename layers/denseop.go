package layers

import (
	"fmt"
	"hash"
	"hash/fnv"

	"github.com/chewxy/hm"
	"github.com/pkg/errors"
	"gonum.org/v1/gonum/blas"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The fused dense op: y = x·W + b as one graph node, and its gradient as
// three nodes (dx, dW, db), each one BLAS call (or one pass for db)
// straight into the buffer the tape machine preallocated for it.
//
// Compared with gorgonia.Mul followed by gorgonia.BroadcastAdd this builds
// 4 nodes per layer instead of about 10, materialises no broadcast copy of
// the bias, allocates nothing per step, and skips the input gradient
// x·Wᵀ when nobody asked for it (the first layer's input, the data). The
// arithmetic is the same as Gorgonia's: the same GEMM calls through the
// BLAS Gorgonia uses (gorgonia.WhichBLAS, OpenBLAS under -tags openblas),
// the bias added after the product, the bias gradient summed over rows in
// row order.

// denseForward is (x, W[, b]) → x·W (+ b).
type denseForward struct {
	bias bool
	buf  *fcBuf
	wk   *Workers
}

func (op denseForward) Arity() int {
	if op.bias {
		return 3
	}
	return 2
}

func (op denseForward) Type() hm.Type {
	a := hm.TypeVariable('a')
	m := gorgonia.TensorType{Dims: 2, Of: a}
	if op.bias {
		return hm.NewFnType(m, m, gorgonia.TensorType{Dims: 1, Of: a}, m)
	}
	return hm.NewFnType(m, m, m)
}

func (op denseForward) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	if len(in) != op.Arity() {
		return nil, errors.Errorf("layers: DenseOp: want %d inputs, got %d", op.Arity(), len(in))
	}
	x, ok1 := in[0].(tensor.Shape)
	w, ok2 := in[1].(tensor.Shape)
	if !ok1 || !ok2 || len(x) != 2 || len(w) != 2 || x[1] != w[0] {
		return nil, errors.Errorf("layers: DenseOp: input %v and weight %v do not multiply", in[0], in[1])
	}
	return tensor.Shape{x[0], w[1]}, nil
}

func (denseForward) ReturnsPtr() bool     { return false }
func (denseForward) CallsExtern() bool    { return false }
func (denseForward) OverwritesInput() int { return -1 }
func (op denseForward) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "convergo.DenseOp(bias=%t)", op.bias)
}
func (op denseForward) Hashcode() uint32 { return fcHash(op) }
func (op denseForward) String() string {
	if op.bias {
		return "DenseOp(x·W+b)"
	}
	return "DenseOp(x·W)"
}

func (op denseForward) Do(vals ...gorgonia.Value) (gorgonia.Value, error) {
	x, w, err := fcArgs(vals, op.Arity(), "DenseOp")
	if err != nil {
		return nil, err
	}
	out := op.buf.get(x.Dtype(), x.Shape()[0], w.Shape()[1])
	return op.UsePreallocDo(out, vals...)
}

func (op denseForward) UsePreallocDo(prealloc gorgonia.Value, vals ...gorgonia.Value) (gorgonia.Value, error) {
	x, w, err := fcArgs(vals, op.Arity(), "DenseOp")
	if err != nil {
		return nil, err
	}
	rows, in, out := x.Shape()[0], x.Shape()[1], w.Shape()[1]
	y, err := fcOut(prealloc, x.Dtype(), tensor.Shape{rows, out}, "DenseOp")
	if err != nil {
		return nil, err
	}
	var b *tensor.Dense
	if op.bias {
		if b, err = fcValue(vals[2], "DenseOp bias"); err != nil {
			return nil, err
		}
		if b.Shape().TotalSize() != out || b.Dtype() != x.Dtype() {
			return nil, errors.Errorf("layers: DenseOp: bias %v %v, want (%d) %v", b.Shape(), b.Dtype(), out, x.Dtype())
		}
	}
	switch x.Dtype() {
	case tensor.Float32:
		xd := x.Float32s()
		gemm32(op.wk, blas.NoTrans, blas.NoTrans, rows, out, in, xd, in, w.Float32s(), out, y.Float32s(), out)
		if b != nil {
			fcAddRows(y.Float32s(), b.Float32s())
		}
	case tensor.Float64:
		xd := x.Float64s()
		gemm64(op.wk, blas.NoTrans, blas.NoTrans, rows, out, in, xd, in, w.Float64s(), out, y.Float64s(), out)
		if b != nil {
			fcAddRows(y.Float64s(), b.Float64s())
		}
	default:
		return nil, errors.Errorf("layers: DenseOp: unsupported dtype %v", x.Dtype())
	}
	return y, nil
}

func (op denseForward) DiffWRT(n int) []bool {
	d := make([]bool, n)
	for i := range d {
		d[i] = true
	}
	return d
}

func (op denseForward) SymDiff(inputs gorgonia.Nodes, output, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	if len(inputs) != op.Arity() {
		return nil, errors.Errorf("layers: DenseOp.SymDiff: want %d inputs, got %d", op.Arity(), len(inputs))
	}
	x, w := inputs[0], inputs[1]
	dx, err := gorgonia.ApplyOp(denseGradX{x: x, buf: new(fcBuf), wk: op.wk}, grad, w)
	if err != nil {
		return nil, err
	}
	dw, err := gorgonia.ApplyOp(denseGradW{buf: new(fcBuf), wk: op.wk}, x, grad)
	if err != nil {
		return nil, err
	}
	grads := gorgonia.Nodes{dx, dw}
	if op.bias {
		db, err := gorgonia.ApplyOp(denseGradB{buf: new(fcBuf)}, grad)
		if err != nil {
			return nil, err
		}
		grads = append(grads, db)
	}
	return grads, nil
}

// denseGradX is (g, W) → g·Wᵀ, the gradient of the input x. It is computed
// only when x has a derivative in the graph, that is when gorgonia.Grad was
// asked for x or for something x depends on; for the data fed to the
// first layer it is not, and the GEMM (as costly as the forward product)
// is skipped, leaving zeros.
type denseGradX struct {
	x   *gorgonia.Node
	buf *fcBuf
	wk  *Workers
}

func (denseGradX) Arity() int { return 2 }
func (denseGradX) Type() hm.Type {
	a := hm.TypeVariable('a')
	m := gorgonia.TensorType{Dims: 2, Of: a}
	return hm.NewFnType(m, m, m)
}
func (denseGradX) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	g, ok1 := in[0].(tensor.Shape)
	w, ok2 := in[1].(tensor.Shape)
	if !ok1 || !ok2 || len(g) != 2 || len(w) != 2 || g[1] != w[1] {
		return nil, errors.Errorf("layers: DenseGradX: gradient %v and weight %v do not match", in[0], in[1])
	}
	return tensor.Shape{g[0], w[0]}, nil
}
func (denseGradX) ReturnsPtr() bool     { return false }
func (denseGradX) CallsExtern() bool    { return false }
func (denseGradX) OverwritesInput() int { return -1 }
func (op denseGradX) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "convergo.DenseGradX(%d)", op.x.ID())
}
func (op denseGradX) Hashcode() uint32 { return fcHash(op) }
func (denseGradX) String() string      { return "DenseGradX(g·Wᵀ)" }

func (op denseGradX) Do(vals ...gorgonia.Value) (gorgonia.Value, error) {
	g, w, err := fcArgs(vals, 2, "DenseGradX")
	if err != nil {
		return nil, err
	}
	out := op.buf.get(g.Dtype(), g.Shape()[0], w.Shape()[0])
	return op.UsePreallocDo(out, vals...)
}

func (op denseGradX) UsePreallocDo(prealloc gorgonia.Value, vals ...gorgonia.Value) (gorgonia.Value, error) {
	g, w, err := fcArgs(vals, 2, "DenseGradX")
	if err != nil {
		return nil, err
	}
	rows, in, out := g.Shape()[0], w.Shape()[0], w.Shape()[1]
	dx, err := fcOut(prealloc, g.Dtype(), tensor.Shape{rows, in}, "DenseGradX")
	if err != nil {
		return nil, err
	}
	if op.x != nil && op.x.Deriv() == nil {
		dx.Zero()
		return dx, nil
	}
	switch g.Dtype() {
	case tensor.Float32:
		gd := g.Float32s()
		gemm32(op.wk, blas.NoTrans, blas.Trans, rows, in, out, gd, out, w.Float32s(), out, dx.Float32s(), in)
	case tensor.Float64:
		gd := g.Float64s()
		gemm64(op.wk, blas.NoTrans, blas.Trans, rows, in, out, gd, out, w.Float64s(), out, dx.Float64s(), in)
	default:
		return nil, errors.Errorf("layers: DenseGradX: unsupported dtype %v", g.Dtype())
	}
	return dx, nil
}

// denseGradW is (x, g) → xᵀ·g, the gradient of the weight.
type denseGradW struct {
	buf *fcBuf
	wk  *Workers
}

func (denseGradW) Arity() int { return 2 }
func (denseGradW) Type() hm.Type {
	a := hm.TypeVariable('a')
	m := gorgonia.TensorType{Dims: 2, Of: a}
	return hm.NewFnType(m, m, m)
}
func (denseGradW) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	x, ok1 := in[0].(tensor.Shape)
	g, ok2 := in[1].(tensor.Shape)
	if !ok1 || !ok2 || len(x) != 2 || len(g) != 2 || x[0] != g[0] {
		return nil, errors.Errorf("layers: DenseGradW: input %v and gradient %v do not match", in[0], in[1])
	}
	return tensor.Shape{x[1], g[1]}, nil
}
func (denseGradW) ReturnsPtr() bool      { return false }
func (denseGradW) CallsExtern() bool     { return false }
func (denseGradW) OverwritesInput() int  { return -1 }
func (denseGradW) WriteHash(h hash.Hash) { fmt.Fprint(h, "convergo.DenseGradW") }
func (op denseGradW) Hashcode() uint32   { return fcHash(op) }
func (denseGradW) String() string        { return "DenseGradW(xᵀ·g)" }
func (op denseGradW) Do(vals ...gorgonia.Value) (gorgonia.Value, error) {
	x, g, err := fcArgs(vals, 2, "DenseGradW")
	if err != nil {
		return nil, err
	}
	out := op.buf.get(x.Dtype(), x.Shape()[1], g.Shape()[1])
	return op.UsePreallocDo(out, vals...)
}

func (op denseGradW) UsePreallocDo(prealloc gorgonia.Value, vals ...gorgonia.Value) (gorgonia.Value, error) {
	x, g, err := fcArgs(vals, 2, "DenseGradW")
	if err != nil {
		return nil, err
	}
	rows, in, out := x.Shape()[0], x.Shape()[1], g.Shape()[1]
	dw, err := fcOut(prealloc, x.Dtype(), tensor.Shape{in, out}, "DenseGradW")
	if err != nil {
		return nil, err
	}
	switch x.Dtype() {
	case tensor.Float32:
		xd := x.Float32s()
		gemm32(op.wk, blas.Trans, blas.NoTrans, in, out, rows, xd, in, g.Float32s(), out, dw.Float32s(), out)
	case tensor.Float64:
		xd := x.Float64s()
		gemm64(op.wk, blas.Trans, blas.NoTrans, in, out, rows, xd, in, g.Float64s(), out, dw.Float64s(), out)
	default:
		return nil, errors.Errorf("layers: DenseGradW: unsupported dtype %v", x.Dtype())
	}
	return dw, nil
}

// denseGradB is g → Σ_rows g, the gradient of the bias, summed in row
// order.
type denseGradB struct{ buf *fcBuf }

func (denseGradB) Arity() int { return 1 }
func (denseGradB) Type() hm.Type {
	a := hm.TypeVariable('a')
	return hm.NewFnType(gorgonia.TensorType{Dims: 2, Of: a}, gorgonia.TensorType{Dims: 1, Of: a})
}
func (denseGradB) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	g, ok := in[0].(tensor.Shape)
	if !ok || len(g) != 2 {
		return nil, errors.Errorf("layers: DenseGradB: gradient %v is not a matrix", in[0])
	}
	return tensor.Shape{g[1]}, nil
}
func (denseGradB) ReturnsPtr() bool      { return false }
func (denseGradB) CallsExtern() bool     { return false }
func (denseGradB) OverwritesInput() int  { return -1 }
func (denseGradB) WriteHash(h hash.Hash) { fmt.Fprint(h, "convergo.DenseGradB") }
func (op denseGradB) Hashcode() uint32   { return fcHash(op) }
func (denseGradB) String() string        { return "DenseGradB(Σg)" }
func (op denseGradB) Do(vals ...gorgonia.Value) (gorgonia.Value, error) {
	if len(vals) != 1 {
		return nil, errors.Errorf("layers: DenseGradB: want 1 input, got %d", len(vals))
	}
	g, err := fcValue(vals[0], "DenseGradB")
	if err != nil {
		return nil, err
	}
	out := op.buf.get(g.Dtype(), g.Shape()[1])
	return op.UsePreallocDo(out, vals...)
}

func (denseGradB) UsePreallocDo(prealloc gorgonia.Value, vals ...gorgonia.Value) (gorgonia.Value, error) {
	if len(vals) != 1 {
		return nil, errors.Errorf("layers: DenseGradB: want 1 input, got %d", len(vals))
	}
	g, err := fcValue(vals[0], "DenseGradB")
	if err != nil || g.Dims() != 2 {
		return nil, errors.Errorf("layers: DenseGradB: gradient %v is not a dense matrix", vals[0])
	}
	cols := g.Shape()[1]
	db, err := fcOut(prealloc, g.Dtype(), tensor.Shape{cols}, "DenseGradB")
	if err != nil {
		return nil, err
	}
	switch g.Dtype() {
	case tensor.Float32:
		gd := g.Float32s()
		fcSumRows(db.Float32s(), gd)
	case tensor.Float64:
		gd := g.Float64s()
		fcSumRows(db.Float64s(), gd)
	default:
		return nil, errors.Errorf("layers: DenseGradB: unsupported dtype %v", g.Dtype())
	}
	return db, nil
}

// fcAddRows adds b to every row of y.
func fcAddRows[T float32 | float64](y, b []T) {
	n := len(b)
	for i := 0; i+n <= len(y); i += n {
		row := y[i : i+n]
		for j, v := range b {
			row[j] += v
		}
	}
}

// fcSumRows writes the column sums of the row-major matrix g (len(dst)
// columns) into dst, adding the rows in order.
func fcSumRows[T float32 | float64](dst, g []T) {
	n := len(dst)
	copy(dst, g[:n])
	for i := n; i+n <= len(g); i += n {
		row := g[i : i+n]
		for j, v := range row {
			dst[j] += v
		}
	}
}

func fcValue(v gorgonia.Value, what string) (*tensor.Dense, error) {
	d, ok := v.(*tensor.Dense)
	if !ok {
		return nil, errors.Errorf("layers: %s: value is %T, want a dense tensor", what, v)
	}
	return d, nil
}

// fcArgs returns the first two of n values as dense matrices of one
// dtype.
func fcArgs(vals []gorgonia.Value, n int, op string) (a, b *tensor.Dense, err error) {
	if len(vals) != n {
		return nil, nil, errors.Errorf("layers: %s: want %d inputs, got %d", op, n, len(vals))
	}
	if a, err = fcValue(vals[0], op); err != nil {
		return nil, nil, err
	}
	if b, err = fcValue(vals[1], op); err != nil {
		return nil, nil, err
	}
	if a.Dims() != 2 || b.Dims() != 2 || a.Dtype() != b.Dtype() {
		return nil, nil, errors.Errorf("layers: %s: inputs %v %v and %v %v, want two matrices of one dtype", op, a.Shape(), a.Dtype(), b.Shape(), b.Dtype())
	}
	return a, b, nil
}

func fcOut(prealloc gorgonia.Value, dt tensor.Dtype, shape tensor.Shape, op string) (*tensor.Dense, error) {
	out, ok := prealloc.(*tensor.Dense)
	if !ok || out.Dtype() != dt || !out.Shape().Eq(shape) || !out.IsNativelyAccessible() || out.DataOrder().IsColMajor() {
		// shape is copied so that it does not escape: callers pass literals.
		return nil, errors.Errorf("layers: %s: output buffer %v does not fit %v %v", op, prealloc, shape.Clone(), dt)
	}
	return out, nil
}

// fcBuf is the output buffer of one op node, kept across runs. A tape
// machine that is Reset before every run (as graph.Model's is) forgets its
// registers and asks Do for a fresh value each time; Do hands back this one
// instead, so a step allocates nothing. The price: the value a node held
// after one run is overwritten by the next (copy it to keep it). A nil
// *fcBuf allocates every time.
type fcBuf struct{ t *tensor.Dense }

func (b *fcBuf) get(dt tensor.Dtype, shape ...int) *tensor.Dense {
	if b != nil && b.t != nil && b.t.Dtype() == dt && sameShape(b.t.Shape(), shape) {
		return b.t
	}
	// The shape is copied so that the caller's variadic slice does not escape.
	t := tensor.New(tensor.Of(dt), tensor.WithShape(append([]int(nil), shape...)...))
	if b != nil {
		b.t = t
	}
	return t
}

func sameShape(s tensor.Shape, dims []int) bool {
	if len(s) != len(dims) {
		return false
	}
	for i, d := range dims {
		if s[i] != d {
			return false
		}
	}
	return true
}

func fcHash(op interface{ WriteHash(hash.Hash) }) uint32 {
	h := fnv.New32a()
	op.WriteHash(h)
	return h.Sum32()
}
