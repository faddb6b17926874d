package layers

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/pkg/errors"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// GaussianSampleLayer is the reparameterisation trick of a variational
// autoencoder (Kingma & Welling 2014): its input is a (batch, 2·Latent)
// matrix [μ | s] whose first half is the mean and second half the log
// standard deviation s = log σ of a diagonal Gaussian q(z|x), and its output
// the (batch, Latent) sample
//
//	z = μ + σ ⊙ ε,  ε ~ N(0, I)
//
// (DeepOBS's _vae: z = mean + ε·exp(std_dev)). ε is an input of the graph:
// in the training graph a batch hook refills it before every forward pass
// as a pure function of the store seed, the layer's name and the optimizer
// step, exactly as Dropout's mask; in the evaluation graph it is drawn once
// from the seed and the name, so evaluation is deterministic (an unbiased,
// fixed-noise estimate of the ELBO). The gradient reaches μ and s through
// z; ε gets none.
//
// Unless NoKL is set, Build also records (Builder.AddLoss) the KL term
//
//	KL(q(z|x) ‖ N(0, I)) = −½ Σⱼ (1 + 2sⱼ − μⱼ² − e^{2sⱼ}),  per sample
//
// (DeepOBS's latent_loss), so that a graph.Model's loss is the negative
// ELBO when the reconstruction term is its loss function
// (graph.Config.Loss).
type GaussianSampleLayer struct {
	Latent int
	NoKL   bool
}

// GaussianSample returns the reparameterised sampling layer with its KL
// term, for latent dimensions.
func GaussianSample(latent int) *GaussianSampleLayer { return &GaussianSampleLayer{Latent: latent} }

// Build adds the sampling op (and the KL term).
func (l *GaussianSampleLayer) Build(b *Builder, x *gorgonia.Node) (*gorgonia.Node, error) {
	name := b.Name("gaussian")
	k := l.Latent
	if k <= 0 || x.Dims() != 2 || x.Shape()[1] != 2*k {
		return nil, errors.Errorf("layers: %s: input shape %v, want (batch, 2·%d) = [mean | log σ]", name, x.Shape(), k)
	}
	if x.Dtype() != b.Store.Dtype {
		return nil, errors.Errorf("layers: %s: input is %v, the model %v", name, x.Dtype(), b.Store.Dtype)
	}
	batch := x.Shape()[0]
	eps := tensor.New(tensor.Of(b.Store.Dtype), tensor.WithShape(batch, k))
	seed := b.Store.Seed
	pcg := rand.NewPCG(0, 0)
	rng := rand.New(pcg)
	var key []byte
	fill := func(step int) error {
		if step < 0 {
			key = append(append(key[:0], name...), ".eval"...)
		} else {
			key = strconv.AppendInt(append(append(key[:0], name...), ".eps/"...), int64(step), 10)
		}
		pcg.Seed(seed, fnv64a(key))
		switch eps.Dtype() {
		case tensor.Float32:
			for i := range eps.Float32s() {
				eps.Float32s()[i] = float32(rng.NormFloat64())
			}
		case tensor.Float64:
			for i := range eps.Float64s() {
				eps.Float64s()[i] = rng.NormFloat64()
			}
		}
		return nil
	}
	if b.Training {
		if err := fill(0); err != nil {
			return nil, err
		}
		b.OnBatch(fill)
	} else if err := fill(-1); err != nil {
		return nil, err
	}
	en := gorgonia.NewMatrix(b.Graph, b.Store.Dtype, gorgonia.WithShape(batch, k), gorgonia.WithName(name+".eps"), gorgonia.WithValue(eps))
	id := fmt.Sprintf("GaussianSample(%d)", k)
	zs := func([]tensor.Shape) (tensor.Shape, error) { return tensor.Shape{batch, k}, nil }
	hs := func([]tensor.Shape) (tensor.Shape, error) { return tensor.Shape{batch, 2 * k}, nil }
	op := &fusedOp{named: named{id}, ranks: []int{2, 2}, outRank: 2, diff: []bool{true, false}, infer: zs,
		k32: func(out []float32, in *[maxFusedArity][]float32, _ *[maxFusedArity]tensor.Shape) error {
			sampleForward(out, in[0], in[1], k)
			return nil
		},
		k64: func(out []float64, in *[maxFusedArity][]float64, _ *[maxFusedArity]tensor.Shape) error {
			sampleForward(out, in[0], in[1], k)
			return nil
		},
	}
	op.sym = func(inputs gorgonia.Nodes, _, grad *gorgonia.Node) (gorgonia.Nodes, error) {
		g := &fusedOp{named: named{id + "Grad"}, ranks: []int{2, 2, 2}, outRank: 2, diff: []bool{false, false, false}, infer: hs,
			k32: func(out []float32, in *[maxFusedArity][]float32, _ *[maxFusedArity]tensor.Shape) error {
				sampleBackward(out, in[0], in[1], in[2], k)
				return nil
			},
			k64: func(out []float64, in *[maxFusedArity][]float64, _ *[maxFusedArity]tensor.Shape) error {
				sampleBackward(out, in[0], in[1], in[2], k)
				return nil
			},
		}
		dh, err := apply(name, g, inputs[0], inputs[1], grad)
		return gorgonia.Nodes{dh, nil}, err
	}
	z, err := apply(name, op, x, en)
	if err != nil || l.NoKL {
		return z, err
	}
	kl, err := KLStandardNormal(x)
	if err != nil {
		return nil, errors.WithMessagef(err, "layers: %s", name)
	}
	return z, b.AddLoss(kl)
}

func sampleForward[T float](z, h, eps []T, k int) {
	for i := 0; i < len(eps); i += k {
		r := i / k
		mu, s := h[2*r*k:][:k], h[2*r*k+k:][:k]
		for j := range k {
			z[i+j] = mu[j] + T(math.Exp(float64(s[j])))*eps[i+j]
		}
	}
}

func sampleBackward[T float](dh, h, eps, g []T, k int) {
	for i := 0; i < len(eps); i += k {
		r := i / k
		s := h[2*r*k+k:][:k]
		for j := range k {
			dh[2*r*k+j] = g[i+j]
			dh[2*r*k+k+j] = g[i+j] * eps[i+j] * T(math.Exp(float64(s[j])))
		}
	}
}

// KLStandardNormal returns the (batch) vector node
//
//	KLᵢ = −½ Σⱼ (1 + 2sᵢⱼ − μᵢⱼ² − e^{2sᵢⱼ})
//
// for h = [μ | s], a (batch, 2k) matrix of means and log standard
// deviations: each sample's KL(N(μ, σ²) ‖ N(0, I)), accumulated in float64,
// with its gradient ∂KLᵢ/∂μᵢⱼ = μᵢⱼ, ∂KLᵢ/∂sᵢⱼ = e^{2sᵢⱼ} − 1.
func KLStandardNormal(h *gorgonia.Node) (*gorgonia.Node, error) {
	if h.Dims() != 2 || h.Shape()[1]%2 != 0 {
		return nil, errors.Errorf("layers: KLStandardNormal: input shape %v, want (batch, 2k)", h.Shape())
	}
	batch, k := h.Shape()[0], h.Shape()[1]/2
	hs := h.Shape().Clone()
	op := &fusedOp{named: named{"KLStandardNormal"}, ranks: []int{2}, outRank: 1, diff: []bool{true},
		infer: func([]tensor.Shape) (tensor.Shape, error) { return tensor.Shape{batch}, nil },
		k32: func(out []float32, in *[maxFusedArity][]float32, _ *[maxFusedArity]tensor.Shape) error {
			klForward(out, in[0], k)
			return nil
		},
		k64: func(out []float64, in *[maxFusedArity][]float64, _ *[maxFusedArity]tensor.Shape) error {
			klForward(out, in[0], k)
			return nil
		},
	}
	op.sym = func(inputs gorgonia.Nodes, _, grad *gorgonia.Node) (gorgonia.Nodes, error) {
		g := &fusedOp{named: named{"KLStandardNormalGrad"}, ranks: []int{2, 1}, outRank: 2, diff: []bool{false, false},
			infer: func([]tensor.Shape) (tensor.Shape, error) { return hs.Clone(), nil },
			k32: func(out []float32, in *[maxFusedArity][]float32, _ *[maxFusedArity]tensor.Shape) error {
				klBackward(out, in[0], in[1], k)
				return nil
			},
			k64: func(out []float64, in *[maxFusedArity][]float64, _ *[maxFusedArity]tensor.Shape) error {
				klBackward(out, in[0], in[1], k)
				return nil
			},
		}
		dh, err := apply("kl", g, inputs[0], grad)
		return gorgonia.Nodes{dh}, err
	}
	return apply("kl", op, h)
}

func klForward[T float](out, h []T, k int) {
	for r := range out {
		mu, s := h[2*r*k:][:k], h[2*r*k+k:][:k]
		var sum float64
		for j := range k {
			m, sv := float64(mu[j]), float64(s[j])
			sum += -0.5 * (1 + 2*sv - m*m - math.Exp(2*sv))
		}
		out[r] = T(sum)
	}
}

func klBackward[T float](dh, h, g []T, k int) {
	for r, gr := range g {
		for j := range k {
			dh[2*r*k+j] = gr * h[2*r*k+j]
			dh[2*r*k+k+j] = T(float64(gr) * (math.Exp(2*float64(h[2*r*k+k+j])) - 1))
		}
	}
}
