package layers

import (
	"fmt"
	"math"

	"github.com/pkg/errors"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// AttentionLayer is causal multi-head self-attention (Vaswani et al. 2017;
// GPT-2, nanoGPT's CausalSelfAttention without dropout) on a
// (batch·Context, d) matrix:
//
//	[Q K V] = x·W_qkv + b_qkv                        one Dense(3d)
//	headₕ  = softmax(QₕKₕᵀ/√dₕ + causal mask)·Vₕ     per sample and head, dₕ = d/Heads
//	y      = [head₁ … head_H]·W_o + b_o              one Dense(d)
//
// where position t attends to positions 0…t of its own sample. The middle
// line is one fused op of this package with a hand-written gradient (the
// attention probabilities are recomputed in the backward pass rather than
// kept), computed in float64 per score, single-threaded and in a fixed
// order, so results do not depend on GOMAXPROCS. The projections are Dense
// layers initialised N(0, 0.02²) with zero biases (nanoGPT).
type AttentionLayer struct {
	Heads, Context int
	Init           Init // of both projections; default Normal(0.02)
}

// CausalSelfAttention returns causal self-attention with the given number
// of heads over sequences of context positions.
func CausalSelfAttention(heads, context int) *AttentionLayer {
	return &AttentionLayer{Heads: heads, Context: context, Init: Normal(0.02)}
}

// Build adds the projections and the attention op.
func (a *AttentionLayer) Build(b *Builder, x *gorgonia.Node) (*gorgonia.Node, error) {
	name := b.Name("attention")
	if a.Heads <= 0 {
		return nil, errors.Errorf("layers: %s: heads %d, want > 0", name, a.Heads)
	}
	if err := checkSeq(name, x, a.Context, a.Heads); err != nil {
		return nil, err
	}
	init := a.Init
	if init == nil {
		init = Normal(0.02)
	}
	d := x.Shape()[1]
	qkv, err := Dense(3*d).WithInit(init, Zeros).Build(b, x)
	if err != nil {
		return nil, err
	}
	h, err := attention(name, qkv, a.Context, a.Heads)
	if err != nil {
		return nil, err
	}
	return Dense(d).WithInit(init, Zeros).Build(b, h)
}

// attention adds the fused causal attention op on qkv (batch·t, 3d).
func attention(name string, qkv *gorgonia.Node, t, heads int) (*gorgonia.Node, error) {
	rows, d := qkv.Shape()[0], qkv.Shape()[1]/3
	g := attnGeom{batch: rows / t, t: t, heads: heads, d: d}
	id := fmt.Sprintf("CausalAttention(t=%d,heads=%d)", t, heads)
	var scratch []float64
	op := &fusedOp{named: named{id}, ranks: []int{2}, outRank: 2, diff: []bool{true},
		infer: func([]tensor.Shape) (tensor.Shape, error) { return tensor.Shape{rows, d}, nil },
		k32: func(out []float32, in *[maxFusedArity][]float32, _ *[maxFusedArity]tensor.Shape) error {
			scratch = grow(scratch, t)
			attnForward(g, out, in[0], scratch)
			return nil
		},
		k64: func(out []float64, in *[maxFusedArity][]float64, _ *[maxFusedArity]tensor.Shape) error {
			scratch = grow(scratch, t)
			attnForward(g, out, in[0], scratch)
			return nil
		},
	}
	op.sym = func(inputs gorgonia.Nodes, _, grad *gorgonia.Node) (gorgonia.Nodes, error) {
		var acc []float64
		gop := &fusedOp{named: named{id + "Grad"}, ranks: []int{2, 2}, outRank: 2, diff: []bool{false, false},
			infer: func([]tensor.Shape) (tensor.Shape, error) { return tensor.Shape{rows, 3 * d}, nil },
			k32: func(out []float32, in *[maxFusedArity][]float32, _ *[maxFusedArity]tensor.Shape) error {
				acc = grow(acc, rows*3*d+2*t)
				attnBackward(g, out, in[0], in[1], acc)
				return nil
			},
			k64: func(out []float64, in *[maxFusedArity][]float64, _ *[maxFusedArity]tensor.Shape) error {
				acc = grow(acc, rows*3*d+2*t)
				attnBackward(g, out, in[0], in[1], acc)
				return nil
			},
		}
		dq, err := apply(name, gop, inputs[0], grad)
		return gorgonia.Nodes{dq}, err
	}
	return apply(name, op, qkv)
}

func grow(s []float64, n int) []float64 {
	if cap(s) < n {
		return make([]float64, n)
	}
	return s[:n]
}

type attnGeom struct{ batch, t, heads, d int }

// probs writes the attention probabilities of query position i of sample
// b, head h, into p[:i+1].
func probs[T float](g attnGeom, qkv []T, b, h, i int, p []float64) {
	dh, w := g.d/g.heads, 3*g.d
	scale := 1 / math.Sqrt(float64(dh))
	q := qkv[(b*g.t+i)*w+h*dh:][:dh]
	m := math.Inf(-1)
	for j := 0; j <= i; j++ {
		k := qkv[(b*g.t+j)*w+g.d+h*dh:][:dh]
		var s float64
		for c, v := range q {
			s += float64(v) * float64(k[c])
		}
		s *= scale
		p[j] = s
		m = max(m, s)
	}
	var sum float64
	for j := 0; j <= i; j++ {
		p[j] = math.Exp(p[j] - m)
		sum += p[j]
	}
	for j := 0; j <= i; j++ {
		p[j] /= sum
	}
}

func attnForward[T float](g attnGeom, out, qkv []T, p []float64) {
	dh, w := g.d/g.heads, 3*g.d
	for b := range g.batch {
		for h := range g.heads {
			for i := range g.t {
				probs(g, qkv, b, h, i, p)
				o := out[(b*g.t+i)*g.d+h*dh:][:dh]
				for c := range o {
					var s float64
					for j := 0; j <= i; j++ {
						s += p[j] * float64(qkv[(b*g.t+j)*w+2*g.d+h*dh+c])
					}
					o[c] = T(s)
				}
			}
		}
	}
}

// attnBackward writes ∂L/∂qkv given ∂L/∂out = gr: with p the
// probabilities of query i, dpⱼ = gᵢ·vⱼ, dsⱼ = pⱼ(dpⱼ − Σₖ pₖdpₖ); then
// dqᵢ += scale·Σⱼ dsⱼkⱼ, dkⱼ += scale·dsⱼqᵢ, dvⱼ += pⱼgᵢ. acc holds the
// float64 sums (rows·3d) and two rows of scratch.
func attnBackward[T float](g attnGeom, dqkv, qkv, gr []T, acc []float64) {
	dh, w := g.d/g.heads, 3*g.d
	scale := 1 / math.Sqrt(float64(dh))
	n := g.batch * g.t * w
	sum, p, dp := acc[:n], acc[n:n+g.t], acc[n+g.t:n+2*g.t]
	clear(sum)
	for b := range g.batch {
		for h := range g.heads {
			for i := range g.t {
				probs(g, qkv, b, h, i, p)
				gi := gr[(b*g.t+i)*g.d+h*dh:][:dh]
				var dot float64
				for j := 0; j <= i; j++ {
					v := qkv[(b*g.t+j)*w+2*g.d+h*dh:][:dh]
					var s float64
					for c, x := range gi {
						s += float64(x) * float64(v[c])
					}
					dp[j] = s
					dot += p[j] * s
				}
				qi := (b*g.t+i)*w + h*dh
				q := qkv[qi:][:dh]
				dq := sum[qi:][:dh]
				for j := 0; j <= i; j++ {
					ds := p[j] * (dp[j] - dot) * scale
					kj := (b*g.t+j)*w + g.d + h*dh
					k := qkv[kj:][:dh]
					dk := sum[kj:][:dh]
					dv := sum[kj+g.d:][:dh]
					for c := range dq {
						dq[c] += ds * float64(k[c])
						dk[c] += ds * float64(q[c])
						dv[c] += p[j] * float64(gi[c])
					}
				}
			}
		}
	}
	for i, v := range sum {
		dqkv[i] = T(v)
	}
}

// Residual returns the layer x + f(x) (He et al. 2016), one fused add whose
// gradient passes to both terms; f must keep x's shape.
func Residual(f Layer) Layer {
	return Func(func(b *Builder, x *gorgonia.Node) (*gorgonia.Node, error) {
		if f == nil {
			return nil, errors.New("layers: Residual of a nil layer")
		}
		y, err := f.Build(b, x)
		if err != nil {
			return nil, err
		}
		return Add(x, y)
	})
}

// Add returns the node a + b for two tensors of one shape, as one op that
// writes into a kept buffer (Gorgonia's Add allocates its output every run)
// and whose gradient is the incoming gradient for both terms.
func Add(a, b *gorgonia.Node) (*gorgonia.Node, error) {
	if !a.Shape().Eq(b.Shape()) {
		return nil, errors.Errorf("layers: Add: shapes %v and %v differ", a.Shape(), b.Shape())
	}
	s := a.Shape().Clone()
	op := &fusedOp{named: named{"Add"}, ranks: []int{a.Dims(), b.Dims()}, outRank: a.Dims(), diff: []bool{true, true},
		infer: func([]tensor.Shape) (tensor.Shape, error) { return s.Clone(), nil },
		k32: func(out []float32, in *[maxFusedArity][]float32, _ *[maxFusedArity]tensor.Shape) error {
			addKernel(out, in[0], in[1])
			return nil
		},
		k64: func(out []float64, in *[maxFusedArity][]float64, _ *[maxFusedArity]tensor.Shape) error {
			addKernel(out, in[0], in[1])
			return nil
		},
		sym: func(_ gorgonia.Nodes, _, grad *gorgonia.Node) (gorgonia.Nodes, error) {
			return gorgonia.Nodes{grad, grad}, nil
		},
	}
	return apply("add", op, a, b)
}

func addKernel[T float](out, a, b []T) {
	for i, v := range a {
		out[i] = v + b[i]
	}
}

// MLPBlock returns the transformer's position-wise feed-forward block
// Dense(hidden) → GELU → Dense(d), d the input width (GPT-2's MLP with
// hidden = 4d; nanoGPT's without dropout), weights N(0, 0.02²).
func MLPBlock(hidden int) Layer {
	return Func(func(b *Builder, x *gorgonia.Node) (*gorgonia.Node, error) {
		if x.Dims() != 2 {
			return nil, errors.Errorf("layers: MLPBlock: input shape %v, want a matrix", x.Shape())
		}
		return Stack(Dense(hidden).WithInit(Normal(0.02), Zeros), GELU(), Dense(x.Shape()[1]).WithInit(Normal(0.02), Zeros)).Build(b, x)
	})
}

// TransformerBlock returns a pre-norm decoder block (GPT-2, nanoGPT's
// Block):
//
//	x = x + CausalSelfAttention(LayerNorm(x))
//	x = x + MLPBlock(LayerNorm(x))
//
// on a (batch·context, d) matrix; d must be a multiple of heads.
func TransformerBlock(heads, context, hidden int) Layer {
	return Stack(
		Residual(Stack(LayerNorm(), CausalSelfAttention(heads, context))),
		Residual(Stack(LayerNorm(), MLPBlock(hidden))),
	)
}
