package layers

import (
	"math"

	"github.com/chewxy/hm"
	"github.com/convergo/convergo/internal/num"
	"github.com/pkg/errors"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Softmax returns the layer softmax(x)ᵢ = e^xᵢ / Σⱼ e^xⱼ over the last axis
// of a (batch, classes) matrix (torch nn.Softmax(dim=1)), computed with
// the row maximum subtracted. For training, feed logits to the loss
// instead (graph.SoftmaxCrossEntropy fuses the softmax); Softmax is for
// models whose output must be probabilities.
func Softmax() Layer { return softmaxLayer{log: false} }

// LogSoftmax returns the layer xᵢ − log Σⱼ e^xⱼ over the last axis of a
// (batch, classes) matrix (torch nn.LogSoftmax(dim=1)), computed in the
// stable log-sum-exp form.
func LogSoftmax() Layer { return softmaxLayer{log: true} }

type softmaxLayer struct{ log bool }

func (l softmaxLayer) Build(b *Builder, x *gorgonia.Node) (*gorgonia.Node, error) {
	kind := "softmax"
	if l.log {
		kind = "logsoftmax"
	}
	name := b.Name(kind)
	if x.Dims() != 2 {
		return nil, errors.Errorf("layers: %s: input shape %v, want a matrix (batch, classes)", name, x.Shape())
	}
	y, err := gorgonia.ApplyOp(&softmaxOp{named{kind}, l.log, false}, x)
	if err != nil {
		return nil, errors.Wrapf(err, "layers: %s on input %v", name, x.Shape())
	}
	return y, nil
}

// softmaxOp is the forward op (x → y) or, with grad set, the backward op
// (x, g → dx): for softmax dx = s⊙(g − Σ g⊙s), for log-softmax
// dx = g − s·Σg, row by row.
type softmaxOp struct {
	named
	log, grad bool
}

func (op *softmaxOp) Arity() int {
	if op.grad {
		return 2
	}
	return 1
}
func (op *softmaxOp) Type() hm.Type {
	if op.grad {
		return tensorFn(2, 2, 2)
	}
	return tensorFn(2, 2)
}
func (op *softmaxOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	return shapeOf(op.id, in, 0)
}
func (op *softmaxOp) Do(vals ...gorgonia.Value) (gorgonia.Value, error) {
	return op.UsePreallocDo(nil, vals...)
}
func (op *softmaxOp) UsePreallocDo(prealloc gorgonia.Value, vals ...gorgonia.Value) (gorgonia.Value, error) {
	in, err := denseArgs(op.id, vals, op.Arity())
	if err != nil {
		return nil, err
	}
	x := in[0]
	out, err := outBuffer(op.id, prealloc, x.Dtype(), x.Shape())
	if err != nil {
		return nil, err
	}
	rows, cols := x.Shape()[0], x.Shape()[1]
	switch out.Dtype() {
	case tensor.Float32:
		o := out.Float32s()
		var g []float32
		if op.grad {
			g = in[1].Float32s()
		}
		softmaxKernel(x.Float32s(), g, o, rows, cols, op.log)
	case tensor.Float64:
		o := out.Float64s()
		var g []float64
		if op.grad {
			g = in[1].Float64s()
		}
		softmaxKernel(x.Float64s(), g, o, rows, cols, op.log)
	}
	return out, nil
}
func (op *softmaxOp) DiffWRT(int) []bool { return []bool{true} }
func (op *softmaxOp) SymDiff(inputs gorgonia.Nodes, output, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	if op.grad {
		return nil, errors.Errorf("layers: %s: second derivative not implemented", op.id)
	}
	dx, err := gorgonia.ApplyOp(&softmaxOp{named{op.id + "Grad"}, op.log, true}, inputs[0], grad)
	if err != nil {
		return nil, err
	}
	return gorgonia.Nodes{dx}, nil
}

// softmaxKernel writes softmax or log-softmax of each row of x into out,
// or, when g is not nil, the gradient with respect to x given the output
// gradient g.
func softmaxKernel[T float](x, g, out []T, rows, cols int, log bool) {
	for i := range rows {
		xr, or := x[i*cols:(i+1)*cols], out[i*cols:(i+1)*cols]
		lse := num.LogSumExp(xr)
		if g == nil {
			for c, v := range xr {
				if log {
					or[c] = T(float64(v) - lse)
				} else {
					or[c] = T(math.Exp(float64(v) - lse))
				}
			}
			continue
		}
		gr := g[i*cols : (i+1)*cols]
		var dot float64 // Σg (log-softmax) or Σ g⊙s (softmax)
		for c, v := range xr {
			if log {
				dot += float64(gr[c])
			} else {
				dot += float64(gr[c]) * math.Exp(float64(v)-lse)
			}
		}
		for c, v := range xr {
			s := math.Exp(float64(v) - lse)
			if log {
				or[c] = T(float64(gr[c]) - s*dot)
			} else {
				or[c] = T(s * (float64(gr[c]) - dot))
			}
		}
	}
}
