package layers

import (
	"github.com/chewxy/hm"
	"github.com/pkg/errors"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Flatten returns the layer that reshapes (batch, d1, d2, …) into
// (batch, d1·d2·…), row-major, as torch nn.Flatten: the bridge from
// convolution and pooling layers, whose outputs are NCHW, to Dense.
func Flatten() Layer { return flatten{} }

type flatten struct{}

func (flatten) Build(b *Builder, x *gorgonia.Node) (*gorgonia.Node, error) {
	name := b.Name("flatten")
	s := x.Shape()
	if len(s) < 2 {
		return nil, errors.Errorf("layers: %s: input shape %v, want (batch, …) with at least 2 dimensions", name, s)
	}
	if len(s) == 2 {
		return x, nil
	}
	y, err := gorgonia.ApplyOp(&reshapeOp{named{"Flatten"}, s.Clone(), tensor.Shape{s[0], s.TotalSize() / s[0]}}, x)
	if err != nil {
		return nil, errors.Wrapf(err, "layers: %s: reshaping %v", name, s)
	}
	return y, nil
}

// reshapeOp reshapes a dense row-major tensor by copying its elements into
// an output buffer (kept across runs by the machine that runs it), where
// gorgonia.Reshape returns a view, a new header every run. Its gradient is
// the reshape back.
type reshapeOp struct {
	named
	from, to tensor.Shape
}

func (op *reshapeOp) Arity() int    { return 1 }
func (op *reshapeOp) Type() hm.Type { return tensorFn(len(op.to), len(op.from)) }
func (op *reshapeOp) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	return op.to.Clone(), nil
}
func (op *reshapeOp) Do(vals ...gorgonia.Value) (gorgonia.Value, error) {
	return op.UsePreallocDo(nil, vals...)
}
func (op *reshapeOp) UsePreallocDo(prealloc gorgonia.Value, vals ...gorgonia.Value) (gorgonia.Value, error) {
	in, err := denseArgs(op.id, vals, 1)
	if err != nil {
		return nil, err
	}
	if !in[0].Shape().Eq(op.from) {
		return nil, errors.Errorf("layers: %s: input shape %v, want %v", op.id, in[0].Shape(), op.from)
	}
	x := in[0]
	if x.IsView() { // a strided view (a slice or transpose upstream): copy in logical order
		m, ok := x.Materialize().(*tensor.Dense)
		if !ok {
			return nil, errors.Errorf("layers: %s: cannot materialise a %T view", op.id, x.Materialize())
		}
		x = m
	}
	out, err := outBuffer(op.id, prealloc, x.Dtype(), op.to)
	if err != nil {
		return nil, err
	}
	switch out.Dtype() {
	case tensor.Float32:
		copy(out.Float32s(), x.Float32s())
	case tensor.Float64:
		copy(out.Float64s(), x.Float64s())
	}
	return out, nil
}
func (op *reshapeOp) DiffWRT(int) []bool { return []bool{true} }
func (op *reshapeOp) SymDiff(inputs gorgonia.Nodes, output, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	dx, err := gorgonia.ApplyOp(&reshapeOp{named{op.id + "Grad"}, op.to, op.from}, grad)
	if err != nil {
		return nil, err
	}
	return gorgonia.Nodes{dx}, nil
}
