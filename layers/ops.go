package layers

import (
	"fmt"
	"hash"
	"hash/fnv"

	"github.com/chewxy/hm"
	"github.com/pkg/errors"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// named provides the boilerplate methods of convergo's custom Gorgonia ops.
// id must describe the op and every parameter it was configured with, so
// that two ops with the same id compute the same function (Gorgonia
// deduplicates nodes by op hash and children).
type named struct{ id string }

func (n named) ReturnsPtr() bool      { return false }
func (n named) CallsExtern() bool     { return false }
func (n named) OverwritesInput() int  { return -1 }
func (n named) WriteHash(h hash.Hash) { fmt.Fprint(h, "convergo.layers.", n.id) }
func (n named) String() string        { return n.id }
func (n named) Hashcode() uint32 {
	h := fnv.New32a()
	n.WriteHash(h)
	return h.Sum32()
}

// tensorFn is the type of an op from tensors of the given ranks to a
// tensor of rank out, all of one element type.
func tensorFn(out int, ins ...int) hm.Type {
	a := hm.TypeVariable('a')
	ts := make([]hm.Type, 0, len(ins)+1)
	for _, d := range ins {
		ts = append(ts, gorgonia.TensorType{Dims: d, Of: a})
	}
	ts = append(ts, gorgonia.TensorType{Dims: out, Of: a})
	return hm.NewFnType(ts...)
}

// denseArgs checks that vals are n dense tensors of one float dtype.
func denseArgs(op string, vals []gorgonia.Value, n int) (out [maxArity]*tensor.Dense, err error) {
	if len(vals) != n || n > maxArity {
		return out, errors.Errorf("layers: %s: want %d inputs, got %d", op, n, len(vals))
	}
	for i, v := range vals {
		d, ok := v.(*tensor.Dense)
		if !ok {
			return out, errors.Errorf("layers: %s: input %d is %T, want a dense tensor", op, i, v)
		}
		if d.Dtype() != tensor.Float32 && d.Dtype() != tensor.Float64 {
			return out, errors.Errorf("layers: %s: input %d has dtype %v", op, i, d.Dtype())
		}
		if i > 0 && d.Dtype() != out[0].Dtype() {
			return out, errors.Errorf("layers: %s: inputs have dtypes %v and %v", op, out[0].Dtype(), d.Dtype())
		}
		out[i] = d
	}
	return out, nil
}

// maxArity is the most inputs a layers op takes (a convolution's x, W, b).
// denseArgs returns an array, not a slice, so that running an op allocates
// nothing.
const maxArity = 3

// outBuffer returns prealloc as a dense tensor of the given shape and
// dtype, or a new one when prealloc is nil.
func outBuffer(op string, prealloc gorgonia.Value, dt tensor.Dtype, shape tensor.Shape) (*tensor.Dense, error) {
	if prealloc == nil {
		return tensor.New(tensor.Of(dt), tensor.WithShape(shape.Clone()...)), nil
	}
	out, ok := prealloc.(*tensor.Dense)
	if !ok || out.Dtype() != dt || !out.Shape().Eq(shape) {
		return nil, errors.Errorf("layers: %s: bad output buffer %T %v (want %v %v)", op, prealloc, prealloc.Shape(), dt, shape)
	}
	return out, nil
}

// shapeOf returns the i-th inferred input shape.
func shapeOf(op string, in []gorgonia.DimSizer, i int) (tensor.Shape, error) {
	if i >= len(in) {
		return nil, errors.Errorf("layers: %s: want %d input shapes, got %d", op, i+1, len(in))
	}
	s, ok := in[i].(tensor.Shape)
	if !ok {
		return nil, errors.Errorf("layers: %s: cannot infer the shape from %v", op, in[i])
	}
	return s.Clone(), nil
}

// float is the element type of a kernel.
type float interface{ float32 | float64 }
