package layers

import (
	"math"

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
		y, err := gorgonia.ApplyOp(denseForward{buf: new(fcBuf), wk: b.Workers}, x, w)
		if err != nil {
			return nil, errors.Wrapf(err, "layers: %s: input %v times weight %v", name, x.Shape(), w.Shape())
		}
		return y, nil
	}
	bias, err := b.Param(name+".b", Bias, tensor.Shape{d.Units}, in, d.Units, binit)
	if err != nil {
		return nil, err
	}
	y, err := gorgonia.ApplyOp(denseForward{bias: true, buf: new(fcBuf), wk: b.Workers}, x, w, bias)
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

// Sigmoid returns the layer 1/(1+e^-x) (torch nn.Sigmoid), computed in
// float64 whatever the dtype, with derivative σ(x)(1 − σ(x)). It is one
// op writing into a buffer kept across steps (Gorgonia's Sigmoid allocates
// its output every step).
func Sigmoid() Layer {
	return elementwise{"Sigmoid", sigmoid, func(x float64) float64 {
		s := sigmoid(x)
		return s * (1 - s)
	}}
}

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// Tanh returns the layer tanh(x) (torch nn.Tanh), computed in float64
// whatever the dtype, with derivative 1 − tanh²(x); one op writing into a
// kept buffer, as Sigmoid.
func Tanh() Layer {
	return elementwise{"Tanh", math.Tanh, func(x float64) float64 {
		t := math.Tanh(x)
		return 1 - t*t
	}}
}
