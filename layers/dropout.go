package layers

import (
	"math"
	"math/rand/v2"
	"strconv"
	"sync/atomic"

	"github.com/pkg/errors"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// DropoutLayer is inverted dropout (Srivastava et al. 2014; torch
// nn.Dropout): in the training graph y = x ⊙ mask, where each mask element
// is 0 with probability p and 1/(1−p) otherwise, so that E[y] = x and the
// evaluation graph is the identity (it adds no node at all).
//
// The mask is an input of the training graph, refilled before every
// training forward pass by a batch hook (Builder.OnBatch) as a pure
// function of the store seed, the layer's name (dropout0, …) and the
// optimizer step: two runs with the same seed drop the same units, whatever
// else the model contains. Its gradient is therefore the mask itself —
// kept units get 1/(1−p), dropped ones 0 — unlike Gorgonia's Dropout op,
// whose backward divides by p and whose random numbers cannot be seeded.
//
// The rate is read at every batch, so it can be changed while training
// (from Trainer.OnEpoch or OnStep, say) with SetRate: keep the
// *DropoutLayer returned by Dropout. A layer value built into several
// models shares its rate between them.
type DropoutLayer struct {
	rate atomic.Uint64 // math.Float64bits of p
}

// Dropout returns a dropout layer with drop probability p, 0 ≤ p < 1.
// An out-of-range p is reported by Build.
func Dropout(p float64) *DropoutLayer {
	d := &DropoutLayer{}
	d.rate.Store(math.Float64bits(p))
	return d
}

// Rate returns the drop probability.
func (d *DropoutLayer) Rate() float64 { return math.Float64frombits(d.rate.Load()) }

// SetRate sets the drop probability used from the next batch on. It
// returns an error, and keeps the old rate, unless 0 ≤ p < 1.
func (d *DropoutLayer) SetRate(p float64) error {
	if !(p >= 0 && p < 1) {
		return errors.Errorf("layers: dropout rate %v, want 0 ≤ p < 1", p)
	}
	d.rate.Store(math.Float64bits(p))
	return nil
}

// Build returns x unchanged in an evaluation graph, and x ⊙ mask in a
// training graph, registering the hook that refills the mask.
func (d *DropoutLayer) Build(b *Builder, x *gorgonia.Node) (*gorgonia.Node, error) {
	name := b.Name("dropout")
	if p := d.Rate(); !(p >= 0 && p < 1) {
		return nil, errors.Errorf("layers: %s: rate %v, want 0 ≤ p < 1", name, p)
	}
	if !b.Training {
		return x, nil
	}
	if x.Dtype() != b.Store.Dtype {
		return nil, errors.Errorf("layers: %s: input is %v, the model %v", name, x.Dtype(), b.Store.Dtype)
	}
	shape := x.Shape().Clone()
	mask := tensor.New(tensor.Of(b.Store.Dtype), tensor.WithShape(shape...))
	seed := b.Store.Seed
	// One generator, reseeded per step exactly as paramRand(seed,
	// name+".mask/"+step) would seed a new one, so that the hook
	// allocates nothing.
	pcg := rand.NewPCG(0, 0)
	rng := rand.New(pcg)
	var key []byte
	fill := func(step int) error {
		p := d.Rate()
		if !(p >= 0 && p < 1) {
			return errors.Errorf("layers: %s: rate %v, want 0 ≤ p < 1", name, p)
		}
		key = strconv.AppendInt(append(append(key[:0], name...), ".mask/"...), int64(step), 10)
		pcg.Seed(seed, fnv64a(key))
		keep := 1 / (1 - p)
		switch mask.Dtype() {
		case tensor.Float32:
			m := mask.Float32s()
			dropoutMask(m, rng.Float64, p, keep)
		case tensor.Float64:
			m := mask.Float64s()
			dropoutMask(m, rng.Float64, p, keep)
		}
		return nil
	}
	if err := fill(0); err != nil {
		return nil, err
	}
	b.OnBatch(fill)
	mn := gorgonia.NewTensor(b.Graph, b.Store.Dtype, len(shape), gorgonia.WithShape(shape...), gorgonia.WithName(name+".mask"), gorgonia.WithValue(mask))
	y, err := gorgonia.HadamardProd(x, mn)
	if err != nil {
		return nil, errors.Wrapf(err, "layers: %s on input %v", name, x.Shape())
	}
	return y, nil
}

// dropoutMask sets each element to 0 with probability p, else to keep.
// It draws one number per element even when p = 0, so the stream does not
// depend on the rate.
func dropoutMask[T float](m []T, u func() float64, p, keep float64) {
	for i := range m {
		if u() < p {
			m[i] = 0
		} else {
			m[i] = T(keep)
		}
	}
}
