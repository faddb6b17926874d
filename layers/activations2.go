package layers

import (
	"fmt"
	"math"

	"github.com/chewxy/hm"
	"github.com/pkg/errors"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// LeakyReLU returns the layer max(x, 0) + α·min(x, 0) (torch
// nn.LeakyReLU; its default α is 0.01). The gradient at x = 0 is α, as
// torch's.
func LeakyReLU(alpha float64) Layer {
	return elementwise{fmt.Sprintf("LeakyReLU(%g)", alpha),
		func(x float64) float64 {
			if x > 0 {
				return x
			}
			return alpha * x
		},
		func(x float64) float64 {
			if x > 0 {
				return 1
			}
			return alpha
		}}
}

// GELU returns the layer x·Φ(x) = ½x(1 + erf(x/√2)), the exact Gaussian
// error linear unit (Hendrycks & Gimpel 2016; torch nn.GELU with
// approximate="none"). Its derivative is Φ(x) + x·φ(x).
func GELU() Layer {
	return elementwise{"GELU",
		func(x float64) float64 { return 0.5 * x * (1 + math.Erf(x/math.Sqrt2)) },
		func(x float64) float64 {
			return 0.5*(1+math.Erf(x/math.Sqrt2)) + x*math.Exp(-0.5*x*x)/math.Sqrt(2*math.Pi)
		}}
}

// elementwise is a parameter-free layer y = f(x) applied to every element,
// computed in float64 whatever the dtype, with derivative df.
type elementwise struct {
	id    string
	f, df func(float64) float64
}

func (e elementwise) Build(b *Builder, x *gorgonia.Node) (*gorgonia.Node, error) {
	y, err := gorgonia.ApplyOp(&elemOp{named{e.id}, e.f, e.df, x.Dims()}, x)
	if err != nil {
		return nil, errors.Wrapf(err, "layers: %s on input %v", e.id, x.Shape())
	}
	return y, nil
}

// elemOp is f applied elementwise; elemGradOp is g·f'(x).
type elemOp struct {
	named
	f, df func(float64) float64
	dims  int
}

func (op *elemOp) Arity() int { return 1 }
func (op *elemOp) Type() hm.Type {
	return tensorFn(op.dims, op.dims)
}
func (op *elemOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	return shapeOf(op.id, in, 0)
}
func (op *elemOp) Do(vals ...gorgonia.Value) (gorgonia.Value, error) {
	return op.UsePreallocDo(nil, vals...)
}
func (op *elemOp) UsePreallocDo(prealloc gorgonia.Value, vals ...gorgonia.Value) (gorgonia.Value, error) {
	in, err := denseArgs(op.id, vals, 1)
	if err != nil {
		return nil, err
	}
	out, err := outBuffer(op.id, prealloc, in[0].Dtype(), in[0].Shape())
	if err != nil {
		return nil, err
	}
	switch out.Dtype() {
	case tensor.Float32:
		o := out.Float32s()
		for i, v := range in[0].Float32s() {
			o[i] = float32(op.f(float64(v)))
		}
	case tensor.Float64:
		o := out.Float64s()
		for i, v := range in[0].Float64s() {
			o[i] = op.f(v)
		}
	}
	return out, nil
}
func (op *elemOp) DiffWRT(int) []bool { return []bool{true} }
func (op *elemOp) SymDiff(inputs gorgonia.Nodes, output, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	dx, err := gorgonia.ApplyOp(&elemGradOp{named{op.id + "Grad"}, op.df, op.dims}, inputs[0], grad)
	if err != nil {
		return nil, err
	}
	return gorgonia.Nodes{dx}, nil
}

type elemGradOp struct {
	named
	df   func(float64) float64
	dims int
}

func (op *elemGradOp) Arity() int    { return 2 }
func (op *elemGradOp) Type() hm.Type { return tensorFn(op.dims, op.dims, op.dims) }
func (op *elemGradOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	return shapeOf(op.id, in, 0)
}
func (op *elemGradOp) Do(vals ...gorgonia.Value) (gorgonia.Value, error) {
	return op.UsePreallocDo(nil, vals...)
}
func (op *elemGradOp) UsePreallocDo(prealloc gorgonia.Value, vals ...gorgonia.Value) (gorgonia.Value, error) {
	in, err := denseArgs(op.id, vals, 2)
	if err != nil {
		return nil, err
	}
	out, err := outBuffer(op.id, prealloc, in[0].Dtype(), in[0].Shape())
	if err != nil {
		return nil, err
	}
	switch out.Dtype() {
	case tensor.Float32:
		o := out.Float32s()
		g := in[1].Float32s()
		for i, v := range in[0].Float32s() {
			o[i] = g[i] * float32(op.df(float64(v)))
		}
	case tensor.Float64:
		o := out.Float64s()
		g := in[1].Float64s()
		for i, v := range in[0].Float64s() {
			o[i] = g[i] * op.df(v)
		}
	}
	return out, nil
}
