package layers

import (
	"fmt"
	"hash"
	"math"

	"github.com/chewxy/hm"
	"github.com/pkg/errors"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// reluOp is x → max(x, 0) with its own gradient op, (x, g) → g·[x > 0],
// both writing into buffers kept across runs (fcBuf). It computes what
// gorgonia.Rectify computes, without the per-step allocations of
// Gorgonia's composed gradient.
type reluOp struct {
	dims int
	buf  *fcBuf
}

func relu(x *gorgonia.Node) (*gorgonia.Node, error) {
	return gorgonia.ApplyOp(reluOp{dims: x.Dims(), buf: new(fcBuf)}, x)
}

func (reluOp) Arity() int { return 1 }
func (op reluOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	t := gorgonia.TensorType{Dims: op.dims, Of: a}
	return hm.NewFnType(t, t)
}
func (reluOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, ok := in[0].(tensor.Shape)
	if !ok {
		return nil, errors.Errorf("layers: ReLU: cannot infer a shape from %v", in[0])
	}
	return s.Clone(), nil
}
func (reluOp) ReturnsPtr() bool      { return false }
func (reluOp) CallsExtern() bool     { return false }
func (reluOp) OverwritesInput() int  { return -1 }
func (reluOp) WriteHash(h hash.Hash) { fmt.Fprint(h, "convergo.ReLU") }
func (op reluOp) Hashcode() uint32   { return fcHash(op) }
func (reluOp) String() string        { return "ReLU" }

func (op reluOp) Do(vals ...gorgonia.Value) (gorgonia.Value, error) {
	if len(vals) != 1 {
		return nil, errors.Errorf("layers: ReLU: want 1 input, got %d", len(vals))
	}
	x, err := fcValue(vals[0], "ReLU")
	if err != nil {
		return nil, err
	}
	return op.UsePreallocDo(op.buf.get(x.Dtype(), x.Shape()...), vals...)
}

func (op reluOp) UsePreallocDo(prealloc gorgonia.Value, vals ...gorgonia.Value) (gorgonia.Value, error) {
	if len(vals) != 1 {
		return nil, errors.Errorf("layers: ReLU: want 1 input, got %d", len(vals))
	}
	x, err := fcValue(vals[0], "ReLU")
	if err != nil {
		return nil, err
	}
	y, err := fcOut(prealloc, x.Dtype(), x.Shape(), "ReLU")
	if err != nil {
		return nil, err
	}
	switch x.Dtype() {
	case tensor.Float32:
		xd := x.Float32s()
		reluForward32(y.Float32s(), xd)
	case tensor.Float64:
		xd := x.Float64s()
		reluForward(y.Float64s(), xd)
	default:
		return nil, errors.Errorf("layers: ReLU: unsupported dtype %v", x.Dtype())
	}
	return y, nil
}

func (reluOp) DiffWRT(int) []bool { return []bool{true} }

func (op reluOp) SymDiff(inputs gorgonia.Nodes, output, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	dx, err := gorgonia.ApplyOp(reluGrad{dims: op.dims, buf: new(fcBuf)}, inputs[0], grad)
	if err != nil {
		return nil, err
	}
	return gorgonia.Nodes{dx}, nil
}

// reluGrad is (x, g) → g where x > 0, else 0.
type reluGrad struct {
	dims int
	buf  *fcBuf
}

func (reluGrad) Arity() int { return 2 }
func (op reluGrad) Type() hm.Type {
	a := hm.TypeVariable('a')
	t := gorgonia.TensorType{Dims: op.dims, Of: a}
	return hm.NewFnType(t, t, t)
}
func (reluGrad) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, ok := in[0].(tensor.Shape)
	if !ok {
		return nil, errors.Errorf("layers: ReLUGrad: cannot infer a shape from %v", in[0])
	}
	return s.Clone(), nil
}
func (reluGrad) ReturnsPtr() bool      { return false }
func (reluGrad) CallsExtern() bool     { return false }
func (reluGrad) OverwritesInput() int  { return -1 }
func (reluGrad) WriteHash(h hash.Hash) { fmt.Fprint(h, "convergo.ReLUGrad") }
func (op reluGrad) Hashcode() uint32   { return fcHash(op) }
func (reluGrad) String() string        { return "ReLUGrad" }

func (op reluGrad) Do(vals ...gorgonia.Value) (gorgonia.Value, error) {
	if len(vals) != 2 {
		return nil, errors.Errorf("layers: ReLUGrad: want 2 inputs, got %d", len(vals))
	}
	x, err := fcValue(vals[0], "ReLUGrad")
	if err != nil {
		return nil, err
	}
	return op.UsePreallocDo(op.buf.get(x.Dtype(), x.Shape()...), vals...)
}

func (op reluGrad) UsePreallocDo(prealloc gorgonia.Value, vals ...gorgonia.Value) (gorgonia.Value, error) {
	if len(vals) != 2 {
		return nil, errors.Errorf("layers: ReLUGrad: want 2 inputs, got %d", len(vals))
	}
	x, err := fcValue(vals[0], "ReLUGrad")
	if err != nil {
		return nil, err
	}
	g, err := fcValue(vals[1], "ReLUGrad")
	if err != nil {
		return nil, err
	}
	if !g.Shape().Eq(x.Shape()) || g.Dtype() != x.Dtype() {
		return nil, errors.Errorf("layers: ReLUGrad: input %v %v and gradient %v %v differ", x.Shape(), x.Dtype(), g.Shape(), g.Dtype())
	}
	dx, err := fcOut(prealloc, x.Dtype(), x.Shape(), "ReLUGrad")
	if err != nil {
		return nil, err
	}
	switch x.Dtype() {
	case tensor.Float32:
		xd := x.Float32s()
		reluBackward32(dx.Float32s(), xd, g.Float32s())
	case tensor.Float64:
		xd := x.Float64s()
		reluBackward(dx.Float64s(), xd, g.Float64s())
	default:
		return nil, errors.Errorf("layers: ReLUGrad: unsupported dtype %v", x.Dtype())
	}
	return dx, nil
}

// reluForward32 and reluBackward32 are the float32 kernels without
// branches: the signs of activations are random, and a mispredicted branch
// per element made the branchy loops cost ~10 ns an element, 10 % of a
// training step with OpenBLAS. They compute exactly what the generic
// versions do (-0 and +0 map to +0; NaN inputs are not given a meaning).
func reluForward32(y, x []float32) {
	y = y[:len(x)]
	for i, v := range x {
		b := math.Float32bits(v)
		neg := uint32(int32(b) >> 31) // all ones when the sign bit is set
		y[i] = math.Float32frombits(b &^ neg)
	}
}

func reluBackward32(dx, x, g []float32) {
	dx, g = dx[:len(x)], g[:len(x)]
	for i, v := range x {
		// x > 0 ⇔ its bits, read as a signed integer, are ≥ 1; the 64-bit
		// subtraction cannot overflow, so -0 (the most negative int32)
		// counts as ≤ 0.
		notPos := uint32((int64(int32(math.Float32bits(v))) - 1) >> 63)
		dx[i] = math.Float32frombits(math.Float32bits(g[i]) &^ notPos)
	}
}

func reluForward[T float32 | float64](y, x []T) {
	for i, v := range x {
		if v > 0 {
			y[i] = v
		} else {
			y[i] = 0
		}
	}
}

func reluBackward[T float32 | float64](dx, x, g []T) {
	for i, v := range x {
		if v > 0 {
			dx[i] = g[i]
		} else {
			dx[i] = 0
		}
	}
}
