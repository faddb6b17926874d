package layers

import (
	"github.com/pkg/errors"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// DenseLayer is a fully connected layer y = x·W + b, with W of shape
// (in, out) and b of shape (out). Its input is a matrix (batch, in).
type DenseLayer struct {
	Units      int
	WeightInit Init // default GlorotUniform
	BiasInit   Init // default Zeros
	NoBias     bool
}

// Dense returns a fully connected layer with the given number of output
// units, Glorot-uniform weights and zero biases.
func Dense(units int) *DenseLayer {
	return &DenseLayer{Units: units, WeightInit: GlorotUniform, BiasInit: Zeros}
}

// WithInit returns a copy of d with the given initializers.
func (d *DenseLayer) WithInit(weight, bias Init) *DenseLayer {
	c := *d
	c.WeightInit, c.BiasInit = weight, bias
	return &c
}

// Build adds x·W + b to the graph as one fused node (see denseop.go): one
// GEMM into a preallocated buffer and a row-wise bias add forward; dx, dW
// and db by one GEMM or one pass each backward, dx skipped when the input
// needs no gradient. The arithmetic is Gorgonia's Mul + BroadcastAdd's.
func (d *DenseLayer) Build(b *Builder, x *gorgonia.Node) (*gorgonia.Node, error) {
	name := b.Name("dense")
	if d.Units <= 0 {
		return nil, errors.Errorf("layers: %s: units = %d, must be > 0", name, d.Units)
	}
	if x.Dims() != 2 {
		return nil, errors.Errorf("layers: %s: input shape %v, want a matrix (batch, features); add a Flatten layer", name, x.Shape())
	}
	in := x.Shape()[1]
	winit, binit := d.WeightInit, d.BiasInit
	if winit == nil {
		winit = GlorotUniform
	}
	if binit == nil {
		binit = Zeros
	}
	w, err := b.Param(name+".W", Weight, tensor.Shape{in, d.Units}, in, d.Units, winit)
	if err != nil {
		return nil, err
	}
	if d.NoBias {
		y, err := gorgonia.ApplyOp(denseForward{buf: new(fcBuf)}, x, w)
		if err != nil {
			return nil, errors.Wrapf(err, "layers: %s: input %v times weight %v", name, x.Shape(), w.Shape())
		}
		return y, nil
	}
	bias, err := b.Param(name+".b", Bias, tensor.Shape{d.Units}, in, d.Units, binit)
	if err != nil {
		return nil, err
	}
	y, err := gorgonia.ApplyOp(denseForward{bias: true, buf: new(fcBuf)}, x, w, bias)
	if err != nil {
		return nil, errors.Wrapf(err, "layers: %s: input %v times weight %v plus bias %v", name, x.Shape(), w.Shape(), bias.Shape())
	}
	return y, nil
}

// activation is a parameter-free elementwise layer.
type activation struct {
	name string
	fn   func(*gorgonia.Node) (*gorgonia.Node, error)
}

func (a activation) Build(b *Builder, x *gorgonia.Node) (*gorgonia.Node, error) {
	y, err := a.fn(x)
	if err != nil {
		return nil, errors.Wrapf(err, "layers: %s on input %v", a.name, x.Shape())
	}
	return y, nil
}

// ReLU returns the layer max(x, 0): one node forward and one backward, each
// writing into a buffer kept across steps (see reluop.go).
func ReLU() Layer { return activation{"relu", relu} }

// Sigmoid returns the layer 1/(1+e^-x).
func Sigmoid() Layer { return activation{"sigmoid", gorgonia.Sigmoid} }

// Tanh returns the layer tanh(x).
func Tanh() Layer { return activation{"tanh", gorgonia.Tanh} }
