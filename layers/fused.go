package layers

import (
	"unsafe"

	"github.com/chewxy/hm"
	"github.com/pkg/errors"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// maxFusedArity is the most inputs a fusedOp takes.
const maxFusedArity = 4

// kernel computes an op's output from its inputs' data, all of one element
// type; shapes are the inputs' shapes (a scalar's is empty).
type kernel[T float] func(out []T, in *[maxFusedArity][]T, shapes *[maxFusedArity]tensor.Shape) error

// fusedOp is the shared plumbing of the sequence-model ops (embedding,
// layer norm, attention, residual add, the VAE's sampling and KL term): a
// Gorgonia op with a kernel per dtype, written into the buffer the machine
// hands back (UsePreallocDoer), and its symbolic gradient built by sym.
// Inputs may be scalars (a loss gradient); the output is a scalar when
// infer returns tensor.ScalarShape().
type fusedOp struct {
	named
	ranks   []int // input ranks (0: scalar)
	outRank int
	infer   func(in []tensor.Shape) (tensor.Shape, error)
	k32     kernel[float32]
	k64     kernel[float64]
	diff    []bool
	sym     func(inputs gorgonia.Nodes, output, grad *gorgonia.Node) (gorgonia.Nodes, error)
}

func (op *fusedOp) Arity() int { return len(op.ranks) }

func (op *fusedOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	ts := make([]hm.Type, 0, len(op.ranks)+1)
	for _, r := range append(append([]int(nil), op.ranks...), op.outRank) {
		if r == 0 {
			ts = append(ts, a)
		} else {
			ts = append(ts, gorgonia.TensorType{Dims: r, Of: a})
		}
	}
	return hm.NewFnType(ts...)
}

func (op *fusedOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	shapes := make([]tensor.Shape, len(in))
	for i := range in {
		s, err := shapeOf(op.id, in, i)
		if err != nil {
			return nil, err
		}
		shapes[i] = s
	}
	return op.infer(shapes)
}

func (op *fusedOp) Do(vals ...gorgonia.Value) (gorgonia.Value, error) {
	return op.UsePreallocDo(nil, vals...)
}

func (op *fusedOp) DiffWRT(int) []bool { return op.diff }

func (op *fusedOp) SymDiff(inputs gorgonia.Nodes, output, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	if op.sym == nil {
		return nil, errors.Errorf("layers: %s is not differentiable", op.id)
	}
	return op.sym(inputs, output, grad)
}

func (op *fusedOp) UsePreallocDo(prealloc gorgonia.Value, vals ...gorgonia.Value) (gorgonia.Value, error) {
	if len(vals) != len(op.ranks) {
		return nil, errors.Errorf("layers: %s: want %d inputs, got %d", op.id, len(op.ranks), len(vals))
	}
	var shapes [maxFusedArity]tensor.Shape
	var dt tensor.Dtype
	for i, v := range vals {
		shapes[i] = v.Shape()
		if i == 0 {
			dt = v.Dtype()
		} else if v.Dtype() != dt {
			return nil, errors.Errorf("layers: %s: inputs have dtypes %v and %v", op.id, dt, v.Dtype())
		}
	}
	var outShape tensor.Shape
	if op.outRank > 0 {
		s, err := op.infer(shapes[:len(vals)])
		if err != nil {
			return nil, err
		}
		outShape = s
	}
	switch dt {
	case tensor.Float32:
		return runFused(op, op.k32, prealloc, vals, &shapes, outShape, tensor.Float32)
	case tensor.Float64:
		return runFused(op, op.k64, prealloc, vals, &shapes, outShape, tensor.Float64)
	}
	return nil, errors.Errorf("layers: %s: unsupported dtype %v", op.id, dt)
}

func runFused[T float](op *fusedOp, k kernel[T], prealloc gorgonia.Value, vals []gorgonia.Value, shapes *[maxFusedArity]tensor.Shape, outShape tensor.Shape, dt tensor.Dtype) (gorgonia.Value, error) {
	var in [maxFusedArity][]T
	for i, v := range vals {
		d, err := dataOf[T](op.id, v)
		if err != nil {
			return nil, err
		}
		in[i] = d
	}
	if op.outRank == 0 {
		var s T
		if err := k(unsafe.Slice(&s, 1), &in, shapes); err != nil {
			return nil, err
		}
		switch p := prealloc.(type) {
		case *gorgonia.F32:
			*p = gorgonia.F32(s)
			return p, nil
		case *gorgonia.F64:
			*p = gorgonia.F64(s)
			return p, nil
		}
		if dt == tensor.Float32 {
			return gorgonia.NewF32(float32(s)), nil
		}
		return gorgonia.NewF64(float64(s)), nil
	}
	out, err := outBuffer(op.id, prealloc, dt, outShape)
	if err != nil {
		return nil, err
	}
	o, err := dataOf[T](op.id, out)
	if err != nil {
		return nil, err
	}
	if err := k(o, &in, shapes); err != nil {
		return nil, err
	}
	return out, nil
}

// dataOf returns v's elements without copying: a dense tensor's backing
// slice or a one-element view of a scalar.
func dataOf[T float](op string, v gorgonia.Value) ([]T, error) {
	switch x := v.(type) {
	case *tensor.Dense:
		if d, ok := x.Data().([]T); ok {
			return d, nil
		}
		if x.Shape().IsScalar() || x.Shape().TotalSize() == 1 {
			if s, ok := x.Data().(T); ok {
				return []T{s}, nil
			}
		}
	case *gorgonia.F32:
		var z T
		if _, ok := any(z).(float32); ok {
			return unsafe.Slice((*T)(unsafe.Pointer(x)), 1), nil
		}
	case *gorgonia.F64:
		var z T
		if _, ok := any(z).(float64); ok {
			return unsafe.Slice((*T)(unsafe.Pointer(x)), 1), nil
		}
	}
	return nil, errors.Errorf("layers: %s: input %T (%v) is not of the op's dtype", op, v, v.Dtype())
}

// apply adds op on the inputs to the graph, naming the layer in errors.
func apply(layer string, op *fusedOp, inputs ...*gorgonia.Node) (*gorgonia.Node, error) {
	n, err := gorgonia.ApplyOp(op, inputs...)
	if err != nil {
		shapes := make([]tensor.Shape, len(inputs))
		for i, x := range inputs {
			shapes[i] = x.Shape()
		}
		return nil, errors.Wrapf(err, "layers: %s (%s) on inputs %v", layer, op.id, shapes)
	}
	return n, nil
}
