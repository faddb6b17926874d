package layers

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/pkg/errors"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Normal returns an Init drawing from N(0, std²), whatever the fans — GPT-2's
// and nanoGPT's N(0, 0.02²) for embeddings and linear layers
// (torch.nn.init.normal_).
func Normal(std float64) Init {
	return func(rng *rand.Rand, _, _ int, dst []float64) { normal(rng, std, dst) }
}

// EmbeddingLayer maps token ids to the rows of a learned table W of shape
// (Vocab, Dim), as torch nn.Embedding. Its input holds ids as exact integers
// in the model's float dtype, shape (batch, positions) or (batch); its
// output is the (batch·positions, Dim) matrix of the rows W[id], row
// b·positions + t for token t of sample b — the layout every sequence layer
// of this package takes (see doc.go). The gradient flows into the table
// (rows of repeated ids summed, in row order); the ids get none. An id
// outside [0, Vocab) or not an integer is a run-time error naming the layer.
type EmbeddingLayer struct {
	Vocab, Dim int
	Init       Init // default Normal(0.02)
}

// Embedding returns an embedding of vocab ids into dim dimensions,
// initialised N(0, 0.02²) (GPT-2, nanoGPT).
func Embedding(vocab, dim int) *EmbeddingLayer {
	return &EmbeddingLayer{Vocab: vocab, Dim: dim, Init: Normal(0.02)}
}

// Build adds the lookup; the table is the Weight parameter embedding0.W, …
func (e *EmbeddingLayer) Build(b *Builder, x *gorgonia.Node) (*gorgonia.Node, error) {
	name := b.Name("embedding")
	if e.Vocab <= 0 || e.Dim <= 0 {
		return nil, errors.Errorf("layers: %s: vocab %d and dim %d must be > 0", name, e.Vocab, e.Dim)
	}
	if x.Dims() != 1 && x.Dims() != 2 {
		return nil, errors.Errorf("layers: %s: input shape %v, want (batch, positions) or (batch) of token ids", name, x.Shape())
	}
	init := e.Init
	if init == nil {
		init = Normal(0.02)
	}
	w, err := b.Param(name+".W", Weight, tensor.Shape{e.Vocab, e.Dim}, e.Vocab, e.Dim, init)
	if err != nil {
		return nil, err
	}
	vocab, dim := e.Vocab, e.Dim
	rows := x.Shape().TotalSize()
	id := fmt.Sprintf("Embedding(%d,%d)", vocab, dim)
	op := &fusedOp{named: named{id}, ranks: []int{x.Dims(), 2}, outRank: 2, diff: []bool{false, true},
		infer: func([]tensor.Shape) (tensor.Shape, error) { return tensor.Shape{rows, dim}, nil },
		k32: func(out []float32, in *[maxFusedArity][]float32, _ *[maxFusedArity]tensor.Shape) error {
			return embedForward(name, out, in[0], in[1], vocab, dim)
		},
		k64: func(out []float64, in *[maxFusedArity][]float64, _ *[maxFusedArity]tensor.Shape) error {
			return embedForward(name, out, in[0], in[1], vocab, dim)
		},
	}
	op.sym = func(inputs gorgonia.Nodes, _, grad *gorgonia.Node) (gorgonia.Nodes, error) {
		g := &fusedOp{named: named{id + "Grad"}, ranks: []int{inputs[0].Dims(), 2}, outRank: 2, diff: []bool{false, false},
			infer: func([]tensor.Shape) (tensor.Shape, error) { return tensor.Shape{vocab, dim}, nil },
			k32: func(out []float32, in *[maxFusedArity][]float32, _ *[maxFusedArity]tensor.Shape) error {
				return embedBackward(name, out, in[0], in[1], vocab, dim)
			},
			k64: func(out []float64, in *[maxFusedArity][]float64, _ *[maxFusedArity]tensor.Shape) error {
				return embedBackward(name, out, in[0], in[1], vocab, dim)
			},
		}
		dw, err := apply(name, g, inputs[0], grad)
		return gorgonia.Nodes{nil, dw}, err
	}
	return apply(name, op, x, w)
}

func tokenID[T float](layer string, v T, vocab, pos int) (int, error) {
	i := int(v)
	if T(i) != v || i < 0 || i >= vocab {
		return 0, errors.Errorf("layers: %s: token %d is %v, want an integer id in [0, %d)", layer, pos, v, vocab)
	}
	return i, nil
}

func embedForward[T float](layer string, out, ids, w []T, vocab, dim int) error {
	for r, v := range ids {
		i, err := tokenID(layer, v, vocab, r)
		if err != nil {
			return err
		}
		copy(out[r*dim:(r+1)*dim], w[i*dim:(i+1)*dim])
	}
	return nil
}

func embedBackward[T float](layer string, dw, ids, g []T, vocab, dim int) error {
	clear(dw)
	for r, v := range ids {
		i, err := tokenID(layer, v, vocab, r)
		if err != nil {
			return err
		}
		d, gr := dw[i*dim:(i+1)*dim], g[r*dim:(r+1)*dim]
		for k := range d {
			d[k] += gr[k]
		}
	}
	return nil
}

// PositionalEmbeddingLayer adds a learned vector per position, P of shape
// (Context, dim), to a (batch·Context, dim) matrix of token vectors: row
// b·Context + t gets P[t] (GPT-2's learned absolute positions; nanoGPT's
// wpe). The gradient of P sums over the batch.
type PositionalEmbeddingLayer struct {
	Context int
	Init    Init // default Normal(0.02)
}

// PositionalEmbedding returns learned positional embeddings for sequences
// of context positions.
func PositionalEmbedding(context int) *PositionalEmbeddingLayer {
	return &PositionalEmbeddingLayer{Context: context, Init: Normal(0.02)}
}

// Build adds x + P (the parameter posembed0.P, Role Weight).
func (p *PositionalEmbeddingLayer) Build(b *Builder, x *gorgonia.Node) (*gorgonia.Node, error) {
	name := b.Name("posembed")
	t := p.Context
	if err := checkSeq(name, x, t, 1); err != nil {
		return nil, err
	}
	dim := x.Shape()[1]
	init := p.Init
	if init == nil {
		init = Normal(0.02)
	}
	pos, err := b.Param(name+".P", Weight, tensor.Shape{t, dim}, t, dim, init)
	if err != nil {
		return nil, err
	}
	xs := x.Shape().Clone()
	id := fmt.Sprintf("PosEmbed(%d)", t)
	op := &fusedOp{named: named{id}, ranks: []int{2, 2}, outRank: 2, diff: []bool{true, true},
		infer: func([]tensor.Shape) (tensor.Shape, error) { return xs.Clone(), nil },
		k32: func(out []float32, in *[maxFusedArity][]float32, _ *[maxFusedArity]tensor.Shape) error {
			posAdd(out, in[0], in[1])
			return nil
		},
		k64: func(out []float64, in *[maxFusedArity][]float64, _ *[maxFusedArity]tensor.Shape) error {
			posAdd(out, in[0], in[1])
			return nil
		},
	}
	op.sym = func(_ gorgonia.Nodes, _, grad *gorgonia.Node) (gorgonia.Nodes, error) {
		g := &fusedOp{named: named{id + "Grad"}, ranks: []int{2}, outRank: 2, diff: []bool{false},
			infer: func([]tensor.Shape) (tensor.Shape, error) { return tensor.Shape{t, dim}, nil },
			k32: func(out []float32, in *[maxFusedArity][]float32, _ *[maxFusedArity]tensor.Shape) error {
				posGrad(out, in[0])
				return nil
			},
			k64: func(out []float64, in *[maxFusedArity][]float64, _ *[maxFusedArity]tensor.Shape) error {
				posGrad(out, in[0])
				return nil
			},
		}
		dp, err := apply(name, g, grad)
		return gorgonia.Nodes{grad, dp}, err
	}
	return apply(name, op, x, pos)
}

// checkSeq checks that x is a (batch·context, d) matrix with d a multiple
// of div.
func checkSeq(name string, x *gorgonia.Node, context, div int) error {
	if context <= 0 {
		return errors.Errorf("layers: %s: context %d, want > 0", name, context)
	}
	if x.Dims() != 2 || x.Shape()[0]%context != 0 || x.Shape()[1]%div != 0 {
		return errors.Errorf("layers: %s: input shape %v, want (batch·%d, d) with d a multiple of %d", name, x.Shape(), context, div)
	}
	return nil
}

func posAdd[T float](out, x, p []T) {
	n := len(p)
	for i := 0; i < len(x); i += n {
		o, xr := out[i:i+n], x[i:i+n]
		for k, v := range p {
			o[k] = xr[k] + v
		}
	}
}

func posGrad[T float](dp, g []T) {
	clear(dp)
	n := len(dp)
	for i := 0; i < len(g); i += n {
		for k, v := range g[i : i+n] {
			dp[k] += v
		}
	}
}

// LayerNormLayer normalises each row of a (rows, d) matrix to zero mean and
// unit (biased) variance, then scales and shifts it per column:
// y = γ·(x − μ)/√(σ² + ε) + β, as torch nn.LayerNorm(d) (ε = 1e-5, γ = 1,
// β = 0 at initialisation, both Role Bias, so not penalised by default).
// Statistics are computed in float64.
type LayerNormLayer struct{ Eps float64 }

// LayerNorm returns a layer normalisation over the last axis with ε = 1e-5.
func LayerNorm() *LayerNormLayer { return &LayerNormLayer{Eps: 1e-5} }

// Build adds the normalisation; parameters layernorm0.gamma, layernorm0.beta.
func (l *LayerNormLayer) Build(b *Builder, x *gorgonia.Node) (*gorgonia.Node, error) {
	name := b.Name("layernorm")
	if x.Dims() != 2 {
		return nil, errors.Errorf("layers: %s: input shape %v, want a matrix (rows, d)", name, x.Shape())
	}
	if !(l.Eps > 0) {
		return nil, errors.Errorf("layers: %s: eps %v, want > 0", name, l.Eps)
	}
	d := x.Shape()[1]
	gamma, err := b.Param(name+".gamma", Bias, tensor.Shape{d}, d, d, Constant(1))
	if err != nil {
		return nil, err
	}
	beta, err := b.Param(name+".beta", Bias, tensor.Shape{d}, d, d, Zeros)
	if err != nil {
		return nil, err
	}
	eps := l.Eps
	xs := x.Shape().Clone()
	id := fmt.Sprintf("LayerNorm(%g)", eps)
	same := func([]tensor.Shape) (tensor.Shape, error) { return xs.Clone(), nil }
	vec := func([]tensor.Shape) (tensor.Shape, error) { return tensor.Shape{d}, nil }
	op := &fusedOp{named: named{id}, ranks: []int{2, 1, 1}, outRank: 2, diff: []bool{true, true, true}, infer: same,
		k32: func(out []float32, in *[maxFusedArity][]float32, _ *[maxFusedArity]tensor.Shape) error {
			lnForward(out, in[0], in[1], in[2], d, eps)
			return nil
		},
		k64: func(out []float64, in *[maxFusedArity][]float64, _ *[maxFusedArity]tensor.Shape) error {
			lnForward(out, in[0], in[1], in[2], d, eps)
			return nil
		},
	}
	op.sym = func(inputs gorgonia.Nodes, _, grad *gorgonia.Node) (gorgonia.Nodes, error) {
		gx := &fusedOp{named: named{id + "GradX"}, ranks: []int{2, 1, 2}, outRank: 2, diff: []bool{false, false, false}, infer: same,
			k32: func(out []float32, in *[maxFusedArity][]float32, _ *[maxFusedArity]tensor.Shape) error {
				lnGradX(out, in[0], in[1], in[2], d, eps)
				return nil
			},
			k64: func(out []float64, in *[maxFusedArity][]float64, _ *[maxFusedArity]tensor.Shape) error {
				lnGradX(out, in[0], in[1], in[2], d, eps)
				return nil
			},
		}
		gg := &fusedOp{named: named{id + "GradGamma"}, ranks: []int{2, 2}, outRank: 1, diff: []bool{false, false}, infer: vec,
			k32: func(out []float32, in *[maxFusedArity][]float32, _ *[maxFusedArity]tensor.Shape) error {
				lnGradGamma(out, in[0], in[1], d, eps)
				return nil
			},
			k64: func(out []float64, in *[maxFusedArity][]float64, _ *[maxFusedArity]tensor.Shape) error {
				lnGradGamma(out, in[0], in[1], d, eps)
				return nil
			},
		}
		gb := &fusedOp{named: named{id + "GradBeta"}, ranks: []int{2}, outRank: 1, diff: []bool{false}, infer: vec,
			k32: func(out []float32, in *[maxFusedArity][]float32, _ *[maxFusedArity]tensor.Shape) error {
				colSum(out, in[0])
				return nil
			},
			k64: func(out []float64, in *[maxFusedArity][]float64, _ *[maxFusedArity]tensor.Shape) error {
				colSum(out, in[0])
				return nil
			},
		}
		dx, err := apply(name, gx, inputs[0], inputs[1], grad)
		if err != nil {
			return nil, err
		}
		dg, err := apply(name, gg, inputs[0], grad)
		if err != nil {
			return nil, err
		}
		db, err := apply(name, gb, grad)
		return gorgonia.Nodes{dx, dg, db}, err
	}
	return apply(name, op, x, gamma, beta)
}

// rowStats returns the mean and 1/√(var + eps) of a row, in float64.
func rowStats[T float](r []T, eps float64) (mean, inv float64) {
	for _, v := range r {
		mean += float64(v)
	}
	mean /= float64(len(r))
	var v2 float64
	for _, v := range r {
		dv := float64(v) - mean
		v2 += dv * dv
	}
	return mean, 1 / math.Sqrt(v2/float64(len(r))+eps)
}

func lnForward[T float](out, x, gamma, beta []T, d int, eps float64) {
	for i := 0; i < len(x); i += d {
		r, o := x[i:i+d], out[i:i+d]
		mean, inv := rowStats(r, eps)
		for k, v := range r {
			o[k] = T((float64(v)-mean)*inv*float64(gamma[k])) + beta[k]
		}
	}
}

// lnGradX is ∂L/∂x = inv·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)) with ĝ = g·γ.
func lnGradX[T float](dx, x, gamma, g []T, d int, eps float64) {
	for i := 0; i < len(x); i += d {
		r, gr, o := x[i:i+d], g[i:i+d], dx[i:i+d]
		mean, inv := rowStats(r, eps)
		var mg, mgx float64
		for k, v := range r {
			gh := float64(gr[k]) * float64(gamma[k])
			mg += gh
			mgx += gh * (float64(v) - mean) * inv
		}
		mg /= float64(d)
		mgx /= float64(d)
		for k, v := range r {
			xh := (float64(v) - mean) * inv
			o[k] = T(inv * (float64(gr[k])*float64(gamma[k]) - mg - xh*mgx))
		}
	}
}

func lnGradGamma[T float](dg, x, g []T, d int, eps float64) {
	acc := make([]float64, d)
	for i := 0; i < len(x); i += d {
		r, gr := x[i:i+d], g[i:i+d]
		mean, inv := rowStats(r, eps)
		for k, v := range r {
			acc[k] += float64(gr[k]) * (float64(v) - mean) * inv
		}
	}
	for k, v := range acc {
		dg[k] = T(v)
	}
}

// colSum writes the column sums of the matrix g (len(out) columns) into
// out, accumulated in float64.
func colSum[T float](out, g []T) {
	d := len(out)
	acc := make([]float64, d)
	for i := 0; i < len(g); i += d {
		for k, v := range g[i : i+d] {
			acc[k] += float64(v)
		}
	}
	for k, v := range acc {
		out[k] = T(v)
	}
}

// TruncatedNormal returns an Init drawing from N(0, std²) restricted to
// ±2·std by redrawing (TensorFlow's truncated_normal_initializer, which
// DeepOBS uses for its MNIST networks).
func TruncatedNormal(std float64) Init {
	return func(rng *rand.Rand, _, _ int, dst []float64) {
		for i := range dst {
			v := rng.NormFloat64()
			for math.Abs(v) > 2 {
				v = rng.NormFloat64()
			}
			dst[i] = std * v
		}
	}
}
