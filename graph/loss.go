package graph

import (
	"fmt"
	"hash"
	"hash/fnv"
	"math"

	"github.com/chewxy/hm"
	"github.com/convergo/convergo/internal/num"
	"github.com/pkg/errors"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// SoftmaxCrossEntropy returns the node
//
//	L = −Σᵢ Σ_c tᵢ_c · log softmax(zᵢ)_c / Σᵢ Σ_c tᵢ_c
//
// for logits z and targets t, both (batch, classes). With one-hot targets
// this is the mean over the batch of the cross-entropy, as PyTorch's
// nn.CrossEntropyLoss; rows of t that are all zero (padding) contribute
// nothing to the loss, its normaliser or the gradient.
//
// It is one fused op with its own gradient, ∂L/∂zᵢ = (mᵢ·softmax(zᵢ) − tᵢ)/Σt
// where mᵢ = Σ_c tᵢ_c, computed in the numerically stable log-sum-exp form
// (the row maximum subtracted before exponentiation), so it neither
// overflows for large logits nor builds the dozen nodes of the composed
// form. Targets are not differentiated.
func SoftmaxCrossEntropy(logits, targets *gorgonia.Node) (*gorgonia.Node, error) {
	if logits.Dims() != 2 || !logits.Shape().Eq(targets.Shape()) {
		return nil, errors.Errorf("graph: SoftmaxCrossEntropy: logits %v and targets %v must be matrices of the same shape", logits.Shape(), targets.Shape())
	}
	if logits.Dtype() != targets.Dtype() {
		return nil, errors.Errorf("graph: SoftmaxCrossEntropy: logits are %v, targets %v", logits.Dtype(), targets.Dtype())
	}
	return gorgonia.ApplyOp(softmaxCE{}, logits, targets)
}

// softmaxCE is the forward op: (z, t) → scalar loss.
type softmaxCE struct{}

func (softmaxCE) Arity() int { return 2 }
func (softmaxCE) Type() hm.Type {
	a := hm.TypeVariable('a')
	m := gorgonia.TensorType{Dims: 2, Of: a}
	return hm.NewFnType(m, m, a)
}
func (softmaxCE) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	return tensor.ScalarShape(), nil
}
func (softmaxCE) ReturnsPtr() bool      { return false }
func (softmaxCE) CallsExtern() bool     { return false }
func (softmaxCE) OverwritesInput() int  { return -1 }
func (softmaxCE) WriteHash(h hash.Hash) { fmt.Fprint(h, "convergo.SoftmaxCE") }
func (op softmaxCE) Hashcode() uint32   { return hashOf(op) }
func (softmaxCE) String() string        { return "SoftmaxCE" }

func (op softmaxCE) Do(vals ...gorgonia.Value) (gorgonia.Value, error) {
	return op.UsePreallocDo(nil, vals...)
}

// UsePreallocDo writes the loss into prealloc when it is a scalar of the
// logits' dtype (*gorgonia.F32 or *gorgonia.F64), and returns a new scalar
// otherwise.
func (softmaxCE) UsePreallocDo(prealloc gorgonia.Value, vals ...gorgonia.Value) (gorgonia.Value, error) {
	z, t, err := twoDense(vals)
	if err != nil {
		return nil, err
	}
	rows, cols := z.Shape()[0], z.Shape()[1]
	switch z.Dtype() {
	case tensor.Float32:
		loss := float32(ceForward(z.Float32s(), t.Float32s(), rows, cols))
		if p, ok := prealloc.(*gorgonia.F32); ok {
			*p = gorgonia.F32(loss)
			return p, nil
		}
		return gorgonia.NewF32(loss), nil
	case tensor.Float64:
		loss := ceForward(z.Float64s(), t.Float64s(), rows, cols)
		if p, ok := prealloc.(*gorgonia.F64); ok {
			*p = gorgonia.F64(loss)
			return p, nil
		}
		return gorgonia.NewF64(loss), nil
	}
	return nil, errors.Errorf("graph: SoftmaxCE: unsupported dtype %v", z.Dtype())
}

func (softmaxCE) DiffWRT(int) []bool { return []bool{true, false} }

func (softmaxCE) SymDiff(inputs gorgonia.Nodes, output, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	dz, err := gorgonia.ApplyOp(softmaxCEGrad{buf: new(gradBuf)}, inputs[0], inputs[1], grad)
	if err != nil {
		return nil, err
	}
	return gorgonia.Nodes{dz, nil}, nil
}

// softmaxCEGrad is the backward op: (z, t, g) → g·∂L/∂z.
type softmaxCEGrad struct{ buf *gradBuf }

// gradBuf is the gradient op's output, kept across runs, so that Do under a
// TapeMachine (which calls Do, not UsePreallocDo, after a Reset) reuses
// it instead of allocating.
type gradBuf struct{ t *tensor.Dense }

func (softmaxCEGrad) Arity() int { return 3 }
func (softmaxCEGrad) Type() hm.Type {
	a := hm.TypeVariable('a')
	m := gorgonia.TensorType{Dims: 2, Of: a}
	return hm.NewFnType(m, m, a, m)
}
func (softmaxCEGrad) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, ok := in[0].(tensor.Shape)
	if !ok {
		return nil, errors.Errorf("graph: SoftmaxCEGrad: cannot infer shape from %v", in[0])
	}
	return s.Clone(), nil
}
func (softmaxCEGrad) ReturnsPtr() bool      { return false }
func (softmaxCEGrad) CallsExtern() bool     { return false }
func (softmaxCEGrad) OverwritesInput() int  { return -1 }
func (softmaxCEGrad) WriteHash(h hash.Hash) { fmt.Fprint(h, "convergo.SoftmaxCEGrad") }
func (op softmaxCEGrad) Hashcode() uint32   { return hashOf(op) }
func (softmaxCEGrad) String() string        { return "SoftmaxCEGrad" }

func (op softmaxCEGrad) Do(vals ...gorgonia.Value) (gorgonia.Value, error) {
	if len(vals) != 3 {
		return nil, errors.Errorf("graph: SoftmaxCEGrad: want 3 inputs, got %d", len(vals))
	}
	z, ok := vals[0].(*tensor.Dense)
	if !ok {
		return nil, errors.Errorf("graph: SoftmaxCEGrad: logits are %T", vals[0])
	}
	var out *tensor.Dense
	if op.buf != nil && op.buf.t != nil && op.buf.t.Dtype() == z.Dtype() && op.buf.t.Shape().Eq(z.Shape()) {
		out = op.buf.t
	} else {
		out = tensor.New(tensor.Of(z.Dtype()), tensor.WithShape(z.Shape().Clone()...))
		if op.buf != nil {
			op.buf.t = out
		}
	}
	return op.UsePreallocDo(out, vals...)
}

// UsePreallocDo writes the gradient into prealloc, so that a machine
// reuses one buffer across steps.
func (softmaxCEGrad) UsePreallocDo(prealloc gorgonia.Value, vals ...gorgonia.Value) (gorgonia.Value, error) {
	z, t, err := twoDense(vals[:2])
	if err != nil {
		return nil, err
	}
	out, ok := prealloc.(*tensor.Dense)
	if !ok || !out.Shape().Eq(z.Shape()) || out.Dtype() != z.Dtype() {
		return nil, errors.Errorf("graph: SoftmaxCEGrad: bad output buffer %v", prealloc)
	}
	rows, cols := z.Shape()[0], z.Shape()[1]
	switch z.Dtype() {
	case tensor.Float32:
		zd := z.Float32s()
		g, err := scalarOf[float32](vals[2])
		if err != nil {
			return nil, err
		}
		ceBackward(zd, t.Float32s(), out.Float32s(), rows, cols, g)
	case tensor.Float64:
		zd := z.Float64s()
		g, err := scalarOf[float64](vals[2])
		if err != nil {
			return nil, err
		}
		ceBackward(zd, t.Float64s(), out.Float64s(), rows, cols, g)
	default:
		return nil, errors.Errorf("graph: SoftmaxCEGrad: unsupported dtype %v", z.Dtype())
	}
	return out, nil
}

func scalarOf[T float32 | float64](v gorgonia.Value) (T, error) {
	switch s := v.(type) {
	case *gorgonia.F32:
		return T(*s), nil
	case *gorgonia.F64:
		return T(*s), nil
	case *tensor.Dense:
		if s.Shape().TotalSize() == 1 {
			switch d := s.Data().(type) {
			case float32:
				return T(d), nil
			case float64:
				return T(d), nil
			case []float32:
				return T(d[0]), nil
			case []float64:
				return T(d[0]), nil
			}
		}
	}
	return 0, errors.Errorf("graph: want a scalar gradient, got %T", v)
}

func twoDense(vals []gorgonia.Value) (z, t *tensor.Dense, err error) {
	if len(vals) < 2 {
		return nil, nil, errors.Errorf("graph: SoftmaxCE: want 2 inputs, got %d", len(vals))
	}
	z, ok1 := vals[0].(*tensor.Dense)
	t, ok2 := vals[1].(*tensor.Dense)
	if !ok1 || !ok2 {
		return nil, nil, errors.Errorf("graph: SoftmaxCE: inputs are %T and %T, want dense tensors", vals[0], vals[1])
	}
	if !z.Shape().Eq(t.Shape()) || z.Dims() != 2 || z.Dtype() != t.Dtype() {
		return nil, nil, errors.Errorf("graph: SoftmaxCE: logits %v %v and targets %v %v differ", z.Shape(), z.Dtype(), t.Shape(), t.Dtype())
	}
	return z, t, nil
}

// ceForward returns −Σ t·log softmax(z) / Σ t, accumulating in float64.
func ceForward[T float32 | float64](z, t []T, rows, cols int) float64 {
	var sum, mass float64
	for i := range rows {
		zr, tr := z[i*cols:(i+1)*cols], t[i*cols:(i+1)*cols]
		lse := num.LogSumExp(zr)
		for c, tc := range tr {
			if tc != 0 {
				sum -= float64(tc) * (float64(zr[c]) - lse)
				mass += float64(tc)
			}
		}
	}
	if mass == 0 {
		return 0
	}
	return sum / mass
}

// ceBackward writes g·(mᵢ·softmax(zᵢ) − tᵢ)/Σt into out.
func ceBackward[T float32 | float64](z, t, out []T, rows, cols int, g T) {
	var mass float64
	for _, tc := range t {
		mass += float64(tc)
	}
	if mass == 0 {
		clear(out)
		return
	}
	scale := float64(g) / mass
	for i := range rows {
		zr, tr, or := z[i*cols:(i+1)*cols], t[i*cols:(i+1)*cols], out[i*cols:(i+1)*cols]
		var m float64
		for _, tc := range tr {
			m += float64(tc)
		}
		lse := num.LogSumExp(zr)
		for c := range zr {
			p := math.Exp(float64(zr[c]) - lse)
			or[c] = T(scale * (m*p - float64(tr[c])))
		}
	}
}

func hashOf(op fmt.Stringer) uint32 {
	h := fnv.New32a()
	fmt.Fprint(h, "convergo."+op.String())
	return h.Sum32()
}
