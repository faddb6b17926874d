package graph

import (
	"fmt"
	"hash"
	"math"

	"github.com/chewxy/hm"
	"github.com/convergo/convergo/datasets"
	"github.com/convergo/convergo/internal/num"
	"github.com/convergo/convergo/layers"
	"github.com/pkg/errors"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// LossFunc builds the per-sample losses of a model without labels
// (Config.Loss): a (batch) vector, from the network's input x (batch,
// Input...) and output out, in b's graph. It is called once for the
// training graph and once for the evaluation graph.
type LossFunc func(b *layers.Builder, x, out *gorgonia.Node) (*gorgonia.Node, error)

// buildLoss finishes a graph of a model with Config.Loss: the per-sample
// losses plus the layers' recorded terms, and, in the training graph, their
// mean over the real rows of the batch (a mask input) and the penalty.
func (m *Model) buildLoss(h *half, training bool) (err error) {
	h.hooks = h.b.Hooks()
	rows, err := m.cfg.Loss(h.b, h.x, h.logits)
	if err != nil {
		return errors.WithMessage(err, "graph: Config.Loss")
	}
	want := tensor.Shape{h.batch}
	if rows == nil || !rows.Shape().Eq(want) || rows.Dtype() != m.cfg.Dtype {
		return errors.Errorf("graph: Config.Loss returned %v, want a %v vector of shape %v (one loss per sample)", rows, m.cfg.Dtype, want)
	}
	for i, term := range h.b.Losses() {
		if !term.Shape().Eq(want) {
			return errors.Errorf("graph: loss term %d recorded by a layer has shape %v, want %v (one value per sample)", i, term.Shape(), want)
		}
		if rows, err = layers.Add(rows, term); err != nil {
			return err
		}
	}
	h.rows = rows
	if !training {
		h.scratch = make([]float64, h.batch)
		return nil
	}
	h.mask = newTensor(m.cfg.Dtype, want)
	h.mask32, h.mask64 = floats(h.mask)
	fillMask(h, h.batch)
	mn := gorgonia.NewVector(h.g, m.cfg.Dtype, gorgonia.WithShape(h.batch), gorgonia.WithName("rowmask"), gorgonia.WithValue(h.mask))
	if h.loss, err = MaskedMean(rows, mn); err != nil {
		return err
	}
	return m.addPenalty(h)
}

// fillMask marks rows [0, n) of a training batch as real.
func fillMask(h *half, n int) {
	if h.mask32 != nil {
		for i := range h.mask32 {
			h.mask32[i] = float32(b2f(i < n))
		}
		return
	}
	for i := range h.mask64 {
		h.mask64[i] = b2f(i < n)
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// fillSeq writes the one-hot targets of a sequence model's n samples
// (seq: n·Positions labels) into the training graph's target tensor;
// padding rows stay zero, which the loss ignores.
func (m *Model) fillSeq(seq []int, n int) {
	h, c := &m.train, m.cfg.Classes
	if h.t32 != nil {
		clear(h.t32)
		for i, l := range seq[:n*m.cfg.Positions] {
			h.t32[i*c+l] = 1
		}
	} else {
		clear(h.t64)
		for i, l := range seq[:n*m.cfg.Positions] {
			h.t64[i*c+l] = 1
		}
	}
}

// trainStepSeq is trainStep for a model whose targets are per position.
func (m *Model) trainStepSeq(x []float32, y, seq []int, n, step int) (float64, error) {
	m.fill(&m.train, x, y, n)
	m.fillSeq(seq, n)
	return m.runTrain(step)
}

// evaluateOther is Evaluate for a model with Config.Loss (the mean
// per-sample loss, NaN accuracy) or Config.Positions (the mean
// cross-entropy and accuracy per position).
func (m *Model) evaluateOther(s *datasets.Set) (loss, acc float64, err error) {
	h := &m.eval
	f := m.cfg.features()
	var sum float64
	correct, count := 0, 0
	for start := 0; start < s.Len(); start += h.batch {
		n := min(h.batch, s.Len()-start)
		m.fill(h, s.X[start*f:(start+n)*f], nil, n)
		if err := h.vm.run(); err != nil {
			return 0, 0, errors.Wrap(err, "graph: evaluation forward pass")
		}
		if m.cfg.Loss != nil {
			copyOut(h.scratch, h.rows.Value())
			for _, v := range h.scratch[:n] {
				sum += v
			}
			count += n
			continue
		}
		c, p := m.cfg.Classes, m.cfg.Positions
		out := h.outBuf
		copyOut(out, h.logits.Value())
		labels := s.Seq[start*p : (start+n)*p]
		for i, label := range labels {
			row := out[i*c : (i+1)*c]
			sum += num.LogSumExp(row) - row[label]
			if argmax(row) == label {
				correct++
			}
		}
		count += len(labels)
	}
	loss, acc = sum/float64(count), float64(correct)/float64(count)
	if m.cfg.Loss != nil {
		acc = math.NaN()
	}
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return loss, acc, errors.Wrapf(ErrDiverged, "evaluation loss on %s is %v", s.Name, loss)
	}
	return loss, acc, nil
}

func copyOut(dst []float64, v gorgonia.Value) {
	switch d := v.Data().(type) {
	case []float32:
		for i, x := range d {
			dst[i] = float64(x)
		}
	case []float64:
		copy(dst, d)
	}
}

// MaskedMean returns Σᵢ mᵢvᵢ / Σᵢ mᵢ for vectors v and m (0 when m is all
// zero), accumulated in float64; its gradient with respect to v is
// g·mᵢ/Σm, and m is not differentiated. A Model with Config.Loss averages
// the per-sample losses with it, m marking a batch's real rows.
func MaskedMean(v, m *gorgonia.Node) (*gorgonia.Node, error) {
	if v.Dims() != 1 || !v.Shape().Eq(m.Shape()) || v.Dtype() != m.Dtype() {
		return nil, errors.Errorf("graph: MaskedMean: v %v %v and mask %v %v must be vectors of one shape and dtype", v.Shape(), v.Dtype(), m.Shape(), m.Dtype())
	}
	return gorgonia.ApplyOp(maskedMean{}, v, m)
}

type maskedMean struct{}

func (maskedMean) Arity() int { return 2 }
func (maskedMean) Type() hm.Type {
	a := hm.TypeVariable('a')
	v := gorgonia.TensorType{Dims: 1, Of: a}
	return hm.NewFnType(v, v, a)
}
func (maskedMean) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	return tensor.ScalarShape(), nil
}
func (maskedMean) ReturnsPtr() bool      { return false }
func (maskedMean) CallsExtern() bool     { return false }
func (maskedMean) OverwritesInput() int  { return -1 }
func (maskedMean) WriteHash(h hash.Hash) { fmt.Fprint(h, "convergo.MaskedMean") }
func (op maskedMean) Hashcode() uint32   { return hashOf(op) }
func (maskedMean) String() string        { return "MaskedMean" }
func (op maskedMean) Do(vals ...gorgonia.Value) (gorgonia.Value, error) {
	return op.UsePreallocDo(nil, vals...)
}
func (maskedMean) UsePreallocDo(prealloc gorgonia.Value, vals ...gorgonia.Value) (gorgonia.Value, error) {
	v, m, err := vecPair(vals)
	if err != nil {
		return nil, err
	}
	switch v.Dtype() {
	case tensor.Float32:
		r := float32(maskedMeanOf(v.Float32s(), m.Float32s()))
		if p, ok := prealloc.(*gorgonia.F32); ok {
			*p = gorgonia.F32(r)
			return p, nil
		}
		return gorgonia.NewF32(r), nil
	case tensor.Float64:
		r := maskedMeanOf(v.Float64s(), m.Float64s())
		if p, ok := prealloc.(*gorgonia.F64); ok {
			*p = gorgonia.F64(r)
			return p, nil
		}
		return gorgonia.NewF64(r), nil
	}
	return nil, errors.Errorf("graph: MaskedMean: unsupported dtype %v", v.Dtype())
}
func (maskedMean) DiffWRT(int) []bool { return []bool{true, false} }
func (maskedMean) SymDiff(inputs gorgonia.Nodes, _, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	dv, err := gorgonia.ApplyOp(maskedMeanGrad{buf: new(gradBuf)}, inputs[1], grad)
	return gorgonia.Nodes{dv, nil}, err
}

func vecPair(vals []gorgonia.Value) (v, m *tensor.Dense, err error) {
	if len(vals) < 2 {
		return nil, nil, errors.Errorf("graph: want 2 inputs, got %d", len(vals))
	}
	v, ok1 := vals[0].(*tensor.Dense)
	m, ok2 := vals[1].(*tensor.Dense)
	if !ok1 || !ok2 || v.Dtype() != m.Dtype() || !v.Shape().Eq(m.Shape()) {
		return nil, nil, errors.Errorf("graph: inputs %T and %T, want dense tensors of one shape and dtype", vals[0], vals[1])
	}
	return v, m, nil
}

func maskedMeanOf[T float32 | float64](v, m []T) float64 {
	var s, w float64
	for i, x := range v {
		if m[i] != 0 {
			s += float64(m[i]) * float64(x)
			w += float64(m[i])
		}
	}
	if w == 0 {
		return 0
	}
	return s / w
}

// maskedMeanGrad is (m, g) → g·m/Σm.
type maskedMeanGrad struct{ buf *gradBuf }

func (maskedMeanGrad) Arity() int { return 2 }
func (maskedMeanGrad) Type() hm.Type {
	a := hm.TypeVariable('a')
	v := gorgonia.TensorType{Dims: 1, Of: a}
	return hm.NewFnType(v, a, v)
}
func (maskedMeanGrad) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, ok := in[0].(tensor.Shape)
	if !ok {
		return nil, errors.Errorf("graph: MaskedMeanGrad: cannot infer shape from %v", in[0])
	}
	return s.Clone(), nil
}
func (maskedMeanGrad) ReturnsPtr() bool      { return false }
func (maskedMeanGrad) CallsExtern() bool     { return false }
func (maskedMeanGrad) OverwritesInput() int  { return -1 }
func (maskedMeanGrad) WriteHash(h hash.Hash) { fmt.Fprint(h, "convergo.MaskedMeanGrad") }
func (op maskedMeanGrad) Hashcode() uint32   { return hashOf(op) }
func (maskedMeanGrad) String() string        { return "MaskedMeanGrad" }
func (op maskedMeanGrad) Do(vals ...gorgonia.Value) (gorgonia.Value, error) {
	m, ok := vals[0].(*tensor.Dense)
	if !ok {
		return nil, errors.Errorf("graph: MaskedMeanGrad: mask is %T", vals[0])
	}
	if op.buf.t == nil || !op.buf.t.Shape().Eq(m.Shape()) || op.buf.t.Dtype() != m.Dtype() {
		op.buf.t = tensor.New(tensor.Of(m.Dtype()), tensor.WithShape(m.Shape().Clone()...))
	}
	return op.UsePreallocDo(op.buf.t, vals...)
}
func (maskedMeanGrad) UsePreallocDo(prealloc gorgonia.Value, vals ...gorgonia.Value) (gorgonia.Value, error) {
	m, ok := vals[0].(*tensor.Dense)
	out, ok2 := prealloc.(*tensor.Dense)
	if !ok || !ok2 || !out.Shape().Eq(m.Shape()) || out.Dtype() != m.Dtype() {
		return nil, errors.Errorf("graph: MaskedMeanGrad: bad inputs %T, buffer %T", vals[0], prealloc)
	}
	switch m.Dtype() {
	case tensor.Float32:
		g, err := scalarOf[float32](vals[1])
		if err != nil {
			return nil, err
		}
		maskedMeanBackward(out.Float32s(), m.Float32s(), g)
	case tensor.Float64:
		g, err := scalarOf[float64](vals[1])
		if err != nil {
			return nil, err
		}
		maskedMeanBackward(out.Float64s(), m.Float64s(), g)
	default:
		return nil, errors.Errorf("graph: MaskedMeanGrad: unsupported dtype %v", m.Dtype())
	}
	return out, nil
}

func maskedMeanBackward[T float32 | float64](out, m []T, g T) {
	var w float64
	for _, x := range m {
		w += float64(x)
	}
	if w == 0 {
		clear(out)
		return
	}
	for i, x := range m {
		out[i] = T(float64(g) * float64(x) / w)
	}
}

// SquaredError returns the (batch) vector of per-sample summed squared
// errors Σⱼ (predᵢⱼ − targetᵢⱼ)² for two tensors of one shape whose first
// axis is the batch — DeepOBS's VAE reconstruction loss (img_loss) when
// pred is the decoder's sigmoid output and target the input image. Its
// gradient with respect to pred is 2g(pred − target); target is not
// differentiated. A LossFunc: graph.Config{Loss: graph.ReconstructionLoss}.
func SquaredError(pred, target *gorgonia.Node) (*gorgonia.Node, error) {
	if pred.Shape().TotalSize() != target.Shape().TotalSize() || pred.Dims() < 1 || pred.Dtype() != target.Dtype() ||
		pred.Shape()[0] != target.Shape()[0] {
		return nil, errors.Errorf("graph: SquaredError: pred %v %v and target %v %v differ", pred.Shape(), pred.Dtype(), target.Shape(), target.Dtype())
	}
	var err error
	if pred.Dims() != 2 {
		if pred, err = gorgonia.Reshape(pred, tensor.Shape{pred.Shape()[0], pred.Shape().TotalSize() / pred.Shape()[0]}); err != nil {
			return nil, err
		}
	}
	if target.Dims() != 2 {
		if target, err = gorgonia.Reshape(target, pred.Shape().Clone()); err != nil {
			return nil, err
		}
	}
	return gorgonia.ApplyOp(sqErr{}, pred, target)
}

// ReconstructionLoss is the LossFunc of an autoencoder whose network
// returns the reconstruction of its input: SquaredError(out, x).
func ReconstructionLoss(_ *layers.Builder, x, out *gorgonia.Node) (*gorgonia.Node, error) {
	return SquaredError(out, x)
}

type sqErr struct{}

func (sqErr) Arity() int { return 2 }
func (sqErr) Type() hm.Type {
	a := hm.TypeVariable('a')
	mt := gorgonia.TensorType{Dims: 2, Of: a}
	return hm.NewFnType(mt, mt, gorgonia.TensorType{Dims: 1, Of: a})
}
func (sqErr) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, ok := in[0].(tensor.Shape)
	if !ok {
		return nil, errors.Errorf("graph: SquaredError: cannot infer shape from %v", in[0])
	}
	return tensor.Shape{s[0]}, nil
}
func (sqErr) ReturnsPtr() bool      { return false }
func (sqErr) CallsExtern() bool     { return false }
func (sqErr) OverwritesInput() int  { return -1 }
func (sqErr) WriteHash(h hash.Hash) { fmt.Fprint(h, "convergo.SquaredError") }
func (op sqErr) Hashcode() uint32   { return hashOf(op) }
func (sqErr) String() string        { return "SquaredError" }
func (op sqErr) Do(vals ...gorgonia.Value) (gorgonia.Value, error) {
	return op.UsePreallocDo(nil, vals...)
}
func (sqErr) UsePreallocDo(prealloc gorgonia.Value, vals ...gorgonia.Value) (gorgonia.Value, error) {
	p, t, err := twoDense(vals)
	if err != nil {
		return nil, err
	}
	rows, cols := p.Shape()[0], p.Shape()[1]
	out, ok := prealloc.(*tensor.Dense)
	if !ok || out.Dtype() != p.Dtype() || !out.Shape().Eq(tensor.Shape{rows}) {
		out = tensor.New(tensor.Of(p.Dtype()), tensor.WithShape(rows))
	}
	switch p.Dtype() {
	case tensor.Float32:
		sqErrForward(out.Float32s(), p.Float32s(), t.Float32s(), cols)
	case tensor.Float64:
		sqErrForward(out.Float64s(), p.Float64s(), t.Float64s(), cols)
	default:
		return nil, errors.Errorf("graph: SquaredError: unsupported dtype %v", p.Dtype())
	}
	return out, nil
}
func (sqErr) DiffWRT(int) []bool { return []bool{true, false} }
func (sqErr) SymDiff(inputs gorgonia.Nodes, _, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	dp, err := gorgonia.ApplyOp(sqErrGrad{buf: new(gradBuf)}, inputs[0], inputs[1], grad)
	return gorgonia.Nodes{dp, nil}, err
}

func sqErrForward[T float32 | float64](out, p, t []T, cols int) {
	for i := range out {
		var s float64
		for j, v := range p[i*cols : (i+1)*cols] {
			d := float64(v) - float64(t[i*cols+j])
			s += d * d
		}
		out[i] = T(s)
	}
}

// sqErrGrad is (p, t, g) → 2gᵢ(pᵢⱼ − tᵢⱼ).
type sqErrGrad struct{ buf *gradBuf }

func (sqErrGrad) Arity() int { return 3 }
func (sqErrGrad) Type() hm.Type {
	a := hm.TypeVariable('a')
	mt := gorgonia.TensorType{Dims: 2, Of: a}
	return hm.NewFnType(mt, mt, gorgonia.TensorType{Dims: 1, Of: a}, mt)
}
func (sqErrGrad) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, ok := in[0].(tensor.Shape)
	if !ok {
		return nil, errors.Errorf("graph: SquaredErrorGrad: cannot infer shape from %v", in[0])
	}
	return s.Clone(), nil
}
func (sqErrGrad) ReturnsPtr() bool      { return false }
func (sqErrGrad) CallsExtern() bool     { return false }
func (sqErrGrad) OverwritesInput() int  { return -1 }
func (sqErrGrad) WriteHash(h hash.Hash) { fmt.Fprint(h, "convergo.SquaredErrorGrad") }
func (op sqErrGrad) Hashcode() uint32   { return hashOf(op) }
func (sqErrGrad) String() string        { return "SquaredErrorGrad" }
func (op sqErrGrad) Do(vals ...gorgonia.Value) (gorgonia.Value, error) {
	p, ok := vals[0].(*tensor.Dense)
	if !ok {
		return nil, errors.Errorf("graph: SquaredErrorGrad: input is %T", vals[0])
	}
	if op.buf.t == nil || !op.buf.t.Shape().Eq(p.Shape()) || op.buf.t.Dtype() != p.Dtype() {
		op.buf.t = tensor.New(tensor.Of(p.Dtype()), tensor.WithShape(p.Shape().Clone()...))
	}
	return op.UsePreallocDo(op.buf.t, vals...)
}
func (sqErrGrad) UsePreallocDo(prealloc gorgonia.Value, vals ...gorgonia.Value) (gorgonia.Value, error) {
	p, t, err := twoDense(vals[:2])
	if err != nil {
		return nil, err
	}
	g, ok := vals[2].(*tensor.Dense)
	out, ok2 := prealloc.(*tensor.Dense)
	if !ok || !ok2 || !out.Shape().Eq(p.Shape()) || out.Dtype() != p.Dtype() {
		return nil, errors.Errorf("graph: SquaredErrorGrad: bad gradient %T or buffer %T", vals[2], prealloc)
	}
	cols := p.Shape()[1]
	switch p.Dtype() {
	case tensor.Float32:
		sqErrBackward(out.Float32s(), p.Float32s(), t.Float32s(), g.Float32s(), cols)
	case tensor.Float64:
		sqErrBackward(out.Float64s(), p.Float64s(), t.Float64s(), g.Float64s(), cols)
	}
	return out, nil
}

func sqErrBackward[T float32 | float64](out, p, t, g []T, cols int) {
	for i, gi := range g {
		for j := i * cols; j < (i+1)*cols; j++ {
			out[j] = 2 * gi * (p[j] - t[j])
		}
	}
}
