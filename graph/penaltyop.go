package graph

import (
	"fmt"
	"hash"
	"math"

	"github.com/chewxy/hm"
	"github.com/pkg/errors"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// normKind is the norm of a penalty op.
type normKind int

const (
	normL1 normKind = iota // Σ|θ|, gradient sign θ (0 at 0)
	normL2                 // Σθ², gradient 2θ
)

// normOp is the fused penalty term coef·Σ f(θ) of one parameter: a scalar,
// accumulated in float64. It replaces Abs (or Square), Sum and a scalar
// Mul, whose Gorgonia ops allocate a tensor the size of θ every step, and
// its gradient op writes coef·f′(θ)·g into a buffer kept across steps.
// The gradient is the composed form's, bit for bit: for L2 (2θ)·coef·g,
// which with g = 1 and coef = λ/2 is θ·λ rounded once — what a solver's
// weight_decay adds (TestL2VersusWeightDecay) — and for L1 sign(θ)·coef·g.
type normOp struct {
	kind normKind
	coef float64
	dims int
}

func (op normOp) Arity() int { return 1 }
func (op normOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	return hm.NewFnType(gorgonia.TensorType{Dims: op.dims, Of: a}, a)
}
func (normOp) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	return tensor.ScalarShape(), nil
}
func (normOp) ReturnsPtr() bool         { return false }
func (normOp) CallsExtern() bool        { return false }
func (normOp) OverwritesInput() int     { return -1 }
func (op normOp) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op normOp) Hashcode() uint32      { return hashOf(op) }
func (op normOp) String() string {
	return fmt.Sprintf("%s·%v", [...]string{"L1", "L2"}[op.kind], op.coef)
}

func (op normOp) Do(vals ...gorgonia.Value) (gorgonia.Value, error) {
	return op.UsePreallocDo(nil, vals...)
}

// UsePreallocDo writes the term into prealloc when it is a scalar of θ's
// dtype, and returns a new scalar otherwise.
func (op normOp) UsePreallocDo(prealloc gorgonia.Value, vals ...gorgonia.Value) (gorgonia.Value, error) {
	if len(vals) != 1 {
		return nil, errors.Errorf("graph: %v: want 1 input, got %d", op, len(vals))
	}
	t, ok := vals[0].(*tensor.Dense)
	if !ok {
		return nil, errors.Errorf("graph: %v: input is %T, want a dense tensor", op, vals[0])
	}
	switch t.Dtype() {
	case tensor.Float32:
		v := float32(op.coef * normSum(op.kind, t.Float32s()))
		if p, ok := prealloc.(*gorgonia.F32); ok {
			*p = gorgonia.F32(v)
			return p, nil
		}
		return gorgonia.NewF32(v), nil
	case tensor.Float64:
		v := op.coef * normSum(op.kind, t.Float64s())
		if p, ok := prealloc.(*gorgonia.F64); ok {
			*p = gorgonia.F64(v)
			return p, nil
		}
		return gorgonia.NewF64(v), nil
	}
	return nil, errors.Errorf("graph: %v: unsupported dtype %v", op, t.Dtype())
}

func (normOp) DiffWRT(int) []bool { return []bool{true} }

func (op normOp) SymDiff(inputs gorgonia.Nodes, output, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	d, err := gorgonia.ApplyOp(normGradOp{normOp: op, buf: new(gradBuf)}, inputs[0], grad)
	if err != nil {
		return nil, err
	}
	return gorgonia.Nodes{d}, nil
}

// normSum returns Σ|x| or Σx² in float64.
func normSum[T float32 | float64](kind normKind, x []T) float64 {
	var s float64
	if kind == normL1 {
		for _, v := range x {
			s += math.Abs(float64(v))
		}
		return s
	}
	for _, v := range x {
		s += float64(v) * float64(v)
	}
	return s
}

// normGradOp is normOp's gradient: (θ, g) → coef·f′(θ)·g.
type normGradOp struct {
	normOp
	buf *gradBuf
}

func (op normGradOp) Arity() int { return 2 }
func (op normGradOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	t := gorgonia.TensorType{Dims: op.dims, Of: a}
	return hm.NewFnType(t, a, t)
}
func (normGradOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, ok := in[0].(tensor.Shape)
	if !ok {
		return nil, errors.Errorf("graph: penalty gradient: cannot infer shape from %v", in[0])
	}
	return s.Clone(), nil
}
func (op normGradOp) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op normGradOp) Hashcode() uint32      { return hashOf(op) }
func (op normGradOp) String() string        { return op.normOp.String() + "Grad" }

func (op normGradOp) Do(vals ...gorgonia.Value) (gorgonia.Value, error) {
	if len(vals) != 2 {
		return nil, errors.Errorf("graph: %v: want 2 inputs, got %d", op, len(vals))
	}
	t, ok := vals[0].(*tensor.Dense)
	if !ok {
		return nil, errors.Errorf("graph: %v: input is %T, want a dense tensor", op, vals[0])
	}
	if op.buf.t == nil || op.buf.t.Dtype() != t.Dtype() || !op.buf.t.Shape().Eq(t.Shape()) {
		op.buf.t = tensor.New(tensor.Of(t.Dtype()), tensor.WithShape(t.Shape().Clone()...))
	}
	return op.UsePreallocDo(op.buf.t, vals...)
}

// UsePreallocDo writes the gradient into prealloc.
func (op normGradOp) UsePreallocDo(prealloc gorgonia.Value, vals ...gorgonia.Value) (gorgonia.Value, error) {
	if len(vals) != 2 {
		return nil, errors.Errorf("graph: %v: want 2 inputs, got %d", op, len(vals))
	}
	t, ok1 := vals[0].(*tensor.Dense)
	out, ok2 := prealloc.(*tensor.Dense)
	if !ok1 || !ok2 || !out.Shape().Eq(t.Shape()) || out.Dtype() != t.Dtype() {
		return nil, errors.Errorf("graph: %v: bad input %T or output buffer %v", op, vals[0], prealloc)
	}
	switch t.Dtype() {
	case tensor.Float32:
		g, err := scalarOf[float32](vals[1])
		if err != nil {
			return nil, err
		}
		normGrad(op.kind, float32(op.coef), g, t.Float32s(), out.Float32s())
	case tensor.Float64:
		g, err := scalarOf[float64](vals[1])
		if err != nil {
			return nil, err
		}
		normGrad(op.kind, op.coef, g, t.Float64s(), out.Float64s())
	default:
		return nil, errors.Errorf("graph: %v: unsupported dtype %v", op, t.Dtype())
	}
	return out, nil
}

// normGrad writes f′(x)·(coef·g) into out, rounding as the composed
// Gorgonia graph does: the upstream scalar coef·g first (Mul's gradient),
// then per element f′(x) times it (2x for Square, sign x for Abs).
func normGrad[T float32 | float64](kind normKind, coef, g T, x, out []T) {
	s := coef * g
	if kind == normL1 {
		for i, v := range x {
			switch {
			case v > 0:
				out[i] = s
			case v < 0:
				out[i] = -s
			default:
				out[i] = 0
			}
		}
		return
	}
	for i, v := range x {
		out[i] = (v + v) * s
	}
}
