package layers

import (
	"fmt"

	"github.com/chewxy/hm"
	"github.com/pkg/errors"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Conv2DLayer is a 2-D convolution (cross-correlation, as torch
// nn.Conv2d) over an NCHW input (batch, channels, height, width). Its
// weight has shape (Filters, channels, Kernel[0], Kernel[1]), as torch's,
// its bias shape (Filters). The output is (batch, Filters, H', W') with
//
//	H' = ⌊(H + 2·Padding[0] − Kernel[0]) / Stride[0]⌋ + 1
//
// and likewise W'; padding is with zeros. The convolution is a set of
// convergo ops (convop.go): im2col into a buffer kept across steps and one
// matrix product, the same as Gorgonia's Conv2d (its forward values equal
// Gorgonia's bit for bit under gonum's BLAS), with the bias added in the
// same pass; the gradients are matrix products and col2im. Its forward
// values are checked against torch and its gradients against finite
// differences and against Gorgonia's Conv2d.
type Conv2DLayer struct {
	Filters    int
	Kernel     [2]int // (height, width)
	Stride     [2]int // default (1, 1)
	Padding    [2]int // zeros added on each side of (height, width)
	NoBias     bool
	WeightInit Init // default GlorotUniform with fanIn = C·kh·kw, fanOut = Filters·kh·kw
	BiasInit   Init // default Zeros
}

// Conv2D returns a convolution with the given number of filters and a
// square kernel, stride 1, no padding, Glorot-uniform weights and zero
// biases. Set Stride and Padding (or use WithStride, WithPadding) for
// others.
func Conv2D(filters, kernel int) *Conv2DLayer {
	return &Conv2DLayer{Filters: filters, Kernel: [2]int{kernel, kernel}, Stride: [2]int{1, 1}, WeightInit: GlorotUniform, BiasInit: Zeros}
}

// WithStride returns a copy of c with stride s in both directions.
func (c *Conv2DLayer) WithStride(s int) *Conv2DLayer {
	d := *c
	d.Stride = [2]int{s, s}
	return &d
}

// WithPadding returns a copy of c with p zeros on every side.
func (c *Conv2DLayer) WithPadding(p int) *Conv2DLayer {
	d := *c
	d.Padding = [2]int{p, p}
	return &d
}

// WithInit returns a copy of c with the given initializers.
func (c *Conv2DLayer) WithInit(weight, bias Init) *Conv2DLayer {
	d := *c
	d.WeightInit, d.BiasInit = weight, bias
	return &d
}

// Build adds the convolution to the graph.
func (c *Conv2DLayer) Build(b *Builder, x *gorgonia.Node) (*gorgonia.Node, error) {
	name := b.Name("conv")
	stride := c.Stride
	if stride == ([2]int{}) {
		stride = [2]int{1, 1}
	}
	if c.Filters <= 0 || c.Kernel[0] <= 0 || c.Kernel[1] <= 0 || stride[0] <= 0 || stride[1] <= 0 || c.Padding[0] < 0 || c.Padding[1] < 0 {
		return nil, errors.Errorf("layers: %s: filters %d, kernel %v, stride %v, padding %v: want filters, kernel and stride > 0, padding ≥ 0",
			name, c.Filters, c.Kernel, stride, c.Padding)
	}
	s := x.Shape()
	if len(s) != 4 {
		return nil, errors.Errorf("layers: %s: input shape %v, want (batch, channels, height, width)", name, s)
	}
	ch, h, w := s[1], s[2], s[3]
	kh, kw := c.Kernel[0], c.Kernel[1]
	if h+2*c.Padding[0] < kh || w+2*c.Padding[1] < kw {
		return nil, errors.Errorf("layers: %s: input shape %v (padding %v) is smaller than the kernel shape %v", name, s, c.Padding, c.Kernel)
	}
	winit, binit := c.WeightInit, c.BiasInit
	if winit == nil {
		winit = GlorotUniform
	}
	if binit == nil {
		binit = Zeros
	}
	wshape := tensor.Shape{c.Filters, ch, kh, kw}
	fanIn, fanOut := ch*kh*kw, c.Filters*kh*kw
	wt, err := b.Param(name+".W", Weight, wshape, fanIn, fanOut, winit)
	if err != nil {
		return nil, err
	}
	var bias *gorgonia.Node
	if !c.NoBias {
		if bias, err = b.Param(name+".b", Bias, tensor.Shape{c.Filters}, fanIn, fanOut, binit); err != nil {
			return nil, err
		}
	}
	y, err := conv2d(b.Workers, x, wt, bias, convGeom{kh: kh, kw: kw, sh: stride[0], sw: stride[1], ph: c.Padding[0], pw: c.Padding[1]})
	if err != nil {
		return nil, errors.Wrapf(err, "layers: %s: input %v, weight %v", name, s, wshape)
	}
	return y, nil
}

// AddChannelBias returns x + b broadcast over channels: for x of shape
// (N, C, …) and b of shape (C), y[n, c, …] = x[n, c, …] + b[c].
func AddChannelBias(x, b *gorgonia.Node) (*gorgonia.Node, error) {
	if x.Dims() < 2 || b.Dims() != 1 || b.Shape()[0] != x.Shape()[1] {
		return nil, errors.Errorf("layers: channel bias of shape %v does not fit input %v (want (C) for (N, C, …))", b.Shape(), x.Shape())
	}
	return gorgonia.ApplyOp(&chanOp{named{fmt.Sprintf("ChanAdd%d", x.Dims())}, x.Dims(), false}, x, b)
}

// chanOp adds a per-channel vector to an (N, C, …) tensor (sum false), or
// sums an (N, C, …) tensor over everything but the channel axis (sum true,
// the bias gradient).
type chanOp struct {
	named
	dims int
	sum  bool
}

func (op *chanOp) Arity() int {
	if op.sum {
		return 1
	}
	return 2
}
func (op *chanOp) Type() hm.Type {
	if op.sum {
		return tensorFn(1, op.dims)
	}
	return tensorFn(op.dims, op.dims, 1)
}
func (op *chanOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, err := shapeOf(op.id, in, 0)
	if err != nil || !op.sum {
		return s, err
	}
	return tensor.Shape{s[1]}, nil
}
func (op *chanOp) Do(vals ...gorgonia.Value) (gorgonia.Value, error) {
	return op.UsePreallocDo(nil, vals...)
}
func (op *chanOp) UsePreallocDo(prealloc gorgonia.Value, vals ...gorgonia.Value) (gorgonia.Value, error) {
	in, err := denseArgs(op.id, vals, op.Arity())
	if err != nil {
		return nil, err
	}
	x := in[0]
	s := x.Shape()
	n, c := s[0], s[1]
	inner := s.TotalSize() / (n * c)
	oshape := s
	if op.sum {
		oshape = tensor.Shape{c}
	}
	out, err := outBuffer(op.id, prealloc, x.Dtype(), oshape)
	if err != nil {
		return nil, err
	}
	switch out.Dtype() {
	case tensor.Float32:
		o := out.Float32s()
		var b []float32
		if !op.sum {
			b = in[1].Float32s()
		}
		chanKernel(x.Float32s(), b, o, n, c, inner)
	case tensor.Float64:
		o := out.Float64s()
		var b []float64
		if !op.sum {
			b = in[1].Float64s()
		}
		chanKernel(x.Float64s(), b, o, n, c, inner)
	}
	return out, nil
}
func (op *chanOp) DiffWRT(int) []bool {
	if op.sum {
		return []bool{false}
	}
	return []bool{true, true}
}
func (op *chanOp) SymDiff(inputs gorgonia.Nodes, output, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	if op.sum {
		return nil, errors.New("layers: ChanSum is not differentiable")
	}
	db, err := gorgonia.ApplyOp(&chanOp{named{fmt.Sprintf("ChanSum%d", op.dims)}, op.dims, true}, grad)
	if err != nil {
		return nil, err
	}
	return gorgonia.Nodes{grad, db}, nil
}

// chanKernel writes x + b[c] into out, or, when b is nil, the per-channel
// sums of x (accumulated in float64).
func chanKernel[T float](x, b, out []T, n, c, inner int) {
	if b == nil {
		for ci := range c {
			var s float64
			for ni := range n {
				for _, v := range x[(ni*c+ci)*inner : (ni*c+ci+1)*inner] {
					s += float64(v)
				}
			}
			out[ci] = T(s)
		}
		return
	}
	for ni := range n {
		for ci := range c {
			off := (ni*c + ci) * inner
			bv := b[ci]
			for k, v := range x[off : off+inner] {
				out[off+k] = v + bv
			}
		}
	}
}
