package layers

import (
	"fmt"
	"math"

	"github.com/chewxy/hm"
	"github.com/pkg/errors"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// BatchNormLayer is batch normalisation (Ioffe & Szegedy 2015) over the
// channel axis 1 of a (batch, features) matrix (torch nn.BatchNorm1d) or an
// NCHW tensor (torch nn.BatchNorm2d):
//
//	y = γ·(x − μ)/√(σ² + ε) + β
//
// per channel, with γ (scale) initialised to 1 and β (shift) to 0; both are
// trainable parameters with Role Norm, so regularizers leave them alone by
// default.
//
// In the training graph μ and σ² are the batch statistics (σ² biased,
// divided by the count M = batch·H·W), and every training forward pass
// updates the running statistics with torch's momentum convention
//
//	running_mean ← (1 − momentum)·running_mean + momentum·μ
//	running_var  ← (1 − momentum)·running_var  + momentum·σ²·M/(M − 1)
//
// (the running variance is unbiased, as torch's). In the evaluation graph
// μ and σ² are the running statistics. These live in the Store as
// non-trainable buffers name.running_mean (init 0) and name.running_var
// (init 1) (see Store.Buffer), so they are saved with the model and no
// solver sees them.
//
// Padding rows of a partial batch would enter the batch statistics, so the
// layer declares itself with Builder.MixSamples and graph.Trainer refuses
// KeepLast when the final batch of an epoch would be partial.
type BatchNormLayer struct {
	Momentum float64 // default 0.1 (torch)
	Eps      float64 // default 1e-5 (torch)
}

// BatchNorm returns a batch normalisation with torch's defaults, momentum
// 0.1 and ε = 1e-5.
func BatchNorm() *BatchNormLayer { return &BatchNormLayer{Momentum: 0.1, Eps: 1e-5} }

// Build adds the normalisation to the graph.
func (l *BatchNormLayer) Build(b *Builder, x *gorgonia.Node) (*gorgonia.Node, error) {
	name := b.Name("batchnorm")
	mom, eps := l.Momentum, l.Eps
	if mom == 0 {
		mom = 0.1
	}
	if eps == 0 {
		eps = 1e-5
	}
	if !(mom > 0 && mom <= 1) || !(eps > 0) {
		return nil, errors.Errorf("layers: %s: momentum %v, eps %v: want 0 < momentum ≤ 1 and eps > 0", name, mom, eps)
	}
	s := x.Shape()
	if len(s) != 2 && len(s) != 4 {
		return nil, errors.Errorf("layers: %s: input shape %v, want (batch, features) or (batch, channels, height, width)", name, s)
	}
	c := s[1]
	m := s.TotalSize() / c
	if b.Training && m < 2 {
		return nil, errors.Errorf("layers: %s: input shape %v has %d value per channel; batch statistics need at least 2", name, s, m)
	}
	if b.Training {
		b.MixSamples(name)
	}
	gamma, err := b.Param(name+".gamma", Norm, tensor.Shape{c}, c, c, Constant(1))
	if err != nil {
		return nil, err
	}
	beta, err := b.Param(name+".beta", Norm, tensor.Shape{c}, c, c, Zeros)
	if err != nil {
		return nil, err
	}
	rm, err := b.Store.Buffer(name+".running_mean", tensor.Shape{c}, Zeros)
	if err != nil {
		return nil, err
	}
	rv, err := b.Store.Buffer(name+".running_var", tensor.Shape{c}, Constant(1))
	if err != nil {
		return nil, err
	}
	g := bnGeom{n: s[0], c: c, inner: m / s[0], dims: len(s), mom: mom, eps: eps}
	op := &bnOp{named: named{fmt.Sprintf("BatchNorm(%s,train=%v,m=%g,eps=%g)", name, b.Training, mom, eps)}, g: g, train: b.Training, rm: rm, rv: rv}
	y, err := gorgonia.ApplyOp(op, x, gamma, beta)
	if err != nil {
		return nil, errors.Wrapf(err, "layers: %s on input %v", name, s)
	}
	return y, nil
}

type bnGeom struct {
	n, c, inner, dims int
	mom, eps          float64
}

// bnOp is (x, γ, β) → y. In training it uses and records the batch
// statistics, updating the running ones as a side effect; in evaluation it
// uses the running statistics and is not differentiable.
type bnOp struct {
	named
	g      bnGeom
	train  bool
	rm, rv *tensor.Dense
}

func (op *bnOp) Arity() int    { return 3 }
func (op *bnOp) Type() hm.Type { return tensorFn(op.g.dims, op.g.dims, 1, 1) }
func (op *bnOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	return shapeOf(op.id, in, 0)
}
func (op *bnOp) Do(vals ...gorgonia.Value) (gorgonia.Value, error) {
	return op.UsePreallocDo(nil, vals...)
}
func (op *bnOp) UsePreallocDo(prealloc gorgonia.Value, vals ...gorgonia.Value) (gorgonia.Value, error) {
	in, err := denseArgs(op.id, vals, 3)
	if err != nil {
		return nil, err
	}
	x := in[0]
	if x.Dtype() != op.rm.Dtype() {
		return nil, errors.Errorf("layers: %s: input is %v, running statistics %v", op.id, x.Dtype(), op.rm.Dtype())
	}
	out, err := outBuffer(op.id, prealloc, x.Dtype(), x.Shape())
	if err != nil {
		return nil, err
	}
	switch out.Dtype() {
	case tensor.Float32:
		o := out.Float32s()
		bnForward(op.g, op.train, x.Float32s(), in[1].Float32s(), in[2].Float32s(),
			op.rm.Float32s(), op.rv.Float32s(), o)
	case tensor.Float64:
		o := out.Float64s()
		bnForward(op.g, op.train, x.Float64s(), in[1].Float64s(), in[2].Float64s(),
			op.rm.Float64s(), op.rv.Float64s(), o)
	}
	return out, nil
}
func (op *bnOp) DiffWRT(int) []bool { return []bool{op.train, op.train, op.train} }
func (op *bnOp) SymDiff(inputs gorgonia.Nodes, output, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	if !op.train {
		return nil, errors.Errorf("layers: %s: the evaluation-mode batch norm is not differentiable", op.id)
	}
	res := make(gorgonia.Nodes, 3)
	for which := range 3 {
		n, err := gorgonia.ApplyOp(&bnGradOp{named{fmt.Sprintf("%sGrad%d", op.id, which)}, op.g, which}, inputs[0], inputs[1], grad)
		if err != nil {
			return nil, err
		}
		res[which] = n
	}
	return res, nil
}

// bnStats returns the batch mean and biased variance of channel c,
// accumulated in float64.
func bnStats[T float](g bnGeom, x []T, c int) (mean, variance float64) {
	m := float64(g.n * g.inner)
	for n := range g.n {
		for _, v := range x[(n*g.c+c)*g.inner : (n*g.c+c+1)*g.inner] {
			mean += float64(v)
		}
	}
	mean /= m
	for n := range g.n {
		for _, v := range x[(n*g.c+c)*g.inner : (n*g.c+c+1)*g.inner] {
			d := float64(v) - mean
			variance += d * d
		}
	}
	return mean, variance / m
}

func bnForward[T float](g bnGeom, train bool, x, gamma, beta, rm, rv, out []T) {
	m := float64(g.n * g.inner)
	for c := range g.c {
		var mean, variance float64
		if train {
			mean, variance = bnStats(g, x, c)
			rm[c] = T((1-g.mom)*float64(rm[c]) + g.mom*mean)
			rv[c] = T((1-g.mom)*float64(rv[c]) + g.mom*variance*m/(m-1))
		} else {
			mean, variance = float64(rm[c]), float64(rv[c])
		}
		scale := float64(gamma[c]) / math.Sqrt(variance+g.eps)
		shift := float64(beta[c]) - mean*scale
		for n := range g.n {
			off := (n*g.c + c) * g.inner
			for k, v := range x[off : off+g.inner] {
				out[off+k] = T(float64(v)*scale + shift)
			}
		}
	}
}

// bnGradOp is (x, γ, g) → ∂/∂x (which 0), ∂/∂γ (1) or ∂/∂β (2) of the
// training-mode batch norm:
//
//	x̂ = (x − μ)/√(σ²+ε), ∂β = Σg, ∂γ = Σ g·x̂,
//	∂x = γ/(M·√(σ²+ε)) · (M·g − ∂β − x̂·∂γ)
type bnGradOp struct {
	named
	g     bnGeom
	which int
}

func (op *bnGradOp) Arity() int { return 3 }
func (op *bnGradOp) Type() hm.Type {
	if op.which == 0 {
		return tensorFn(op.g.dims, op.g.dims, 1, op.g.dims)
	}
	return tensorFn(1, op.g.dims, 1, op.g.dims)
}
func (op *bnGradOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	return shapeOf(op.id, in, min(op.which, 1))
}
func (op *bnGradOp) Do(vals ...gorgonia.Value) (gorgonia.Value, error) {
	return op.UsePreallocDo(nil, vals...)
}
func (op *bnGradOp) UsePreallocDo(prealloc gorgonia.Value, vals ...gorgonia.Value) (gorgonia.Value, error) {
	in, err := denseArgs(op.id, vals, 3)
	if err != nil {
		return nil, err
	}
	shape := in[0].Shape()
	if op.which > 0 {
		shape = in[1].Shape()
	}
	out, err := outBuffer(op.id, prealloc, in[0].Dtype(), shape)
	if err != nil {
		return nil, err
	}
	switch out.Dtype() {
	case tensor.Float32:
		o := out.Float32s()
		bnBackward(op.g, op.which, in[0].Float32s(), in[1].Float32s(), in[2].Float32s(), o)
	case tensor.Float64:
		o := out.Float64s()
		bnBackward(op.g, op.which, in[0].Float64s(), in[1].Float64s(), in[2].Float64s(), o)
	}
	return out, nil
}

func bnBackward[T float](g bnGeom, which int, x, gamma, grad, out []T) {
	m := float64(g.n * g.inner)
	for c := range g.c {
		mean, variance := bnStats(g, x, c)
		inv := 1 / math.Sqrt(variance+g.eps)
		var dbeta, dgamma float64
		for n := range g.n {
			off := (n*g.c + c) * g.inner
			for k, v := range x[off : off+g.inner] {
				gv := float64(grad[off+k])
				dbeta += gv
				dgamma += gv * (float64(v) - mean) * inv
			}
		}
		switch which {
		case 1:
			out[c] = T(dgamma)
			continue
		case 2:
			out[c] = T(dbeta)
			continue
		}
		k := float64(gamma[c]) * inv / m
		for n := range g.n {
			off := (n*g.c + c) * g.inner
			for i, v := range x[off : off+g.inner] {
				xhat := (float64(v) - mean) * inv
				out[off+i] = T(k * (m*float64(grad[off+i]) - dbeta - xhat*dgamma))
			}
		}
	}
}
