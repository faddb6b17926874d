package layers

import (
	"math"
	"math/rand/v2"

	"github.com/pkg/errors"
)

// Init fills dst with the initial values of a parameter whose fan-in and
// fan-out are given. It must draw every random number from rng, so that a
// parameter's initial value is a function of the model seed and the
// parameter's name only.
//
// Values are drawn in float64 and converted to the model's dtype, so a
// float32 and a float64 model built from the same seed start from the same
// weights up to float32 rounding.
type Init func(rng *rand.Rand, fanIn, fanOut int, dst []float64)

// GlorotUniform draws from U(-a, a) with a = √(6/(fanIn+fanOut)).
// Glorot & Bengio 2010, eq. 16; torch.nn.init.xavier_uniform_.
func GlorotUniform(rng *rand.Rand, fanIn, fanOut int, dst []float64) {
	uniform(rng, math.Sqrt(6/float64(fanIn+fanOut)), dst)
}

// GlorotNormal draws from N(0, σ²) with σ = √(2/(fanIn+fanOut)).
// torch.nn.init.xavier_normal_.
func GlorotNormal(rng *rand.Rand, fanIn, fanOut int, dst []float64) {
	normal(rng, math.Sqrt(2/float64(fanIn+fanOut)), dst)
}

// HeUniform draws from U(-a, a) with a = √(6/fanIn): He et al. 2015, for
// ReLU networks; torch.nn.init.kaiming_uniform_(nonlinearity="relu").
func HeUniform(rng *rand.Rand, fanIn, fanOut int, dst []float64) {
	uniform(rng, math.Sqrt(6/float64(fanIn)), dst)
}

// HeNormal draws from N(0, σ²) with σ = √(2/fanIn): He et al. 2015, eq. 10;
// torch.nn.init.kaiming_normal_ (fan_in mode, ReLU gain).
func HeNormal(rng *rand.Rand, fanIn, fanOut int, dst []float64) {
	normal(rng, math.Sqrt(2/float64(fanIn)), dst)
}

// TorchDefault draws from U(-1/√fanIn, 1/√fanIn), the distribution PyTorch's
// nn.Linear and nn.Conv2d use for both weights and biases
// (kaiming_uniform_ with a=√5 gives exactly this bound).
func TorchDefault(rng *rand.Rand, fanIn, fanOut int, dst []float64) {
	uniform(rng, 1/math.Sqrt(float64(fanIn)), dst)
}

// Zeros fills dst with zeros.
func Zeros(_ *rand.Rand, _, _ int, dst []float64) { clear(dst) }

// Constant returns an Init that fills with v.
func Constant(v float64) Init {
	return func(_ *rand.Rand, _, _ int, dst []float64) {
		for i := range dst {
			dst[i] = v
		}
	}
}

func uniform(rng *rand.Rand, a float64, dst []float64) {
	for i := range dst {
		dst[i] = (2*rng.Float64() - 1) * a
	}
}

func normal(rng *rand.Rand, sigma float64, dst []float64) {
	for i := range dst {
		dst[i] = rng.NormFloat64() * sigma
	}
}

// paramRand returns the random stream of the parameter called name in a
// model seeded with seed: PCG with the seed as state and a hash of the name
// as stream selector, so adding a layer never changes another layer's
// initial values.
func paramRand(seed uint64, name string) *rand.Rand {
	return rand.New(rand.NewPCG(seed, fnv64a([]byte(name))))
}

// fnv64a is the 64-bit FNV-1a hash of b (hash/fnv's New64a, without its
// allocation).
func fnv64a(b []byte) uint64 {
	const offset, prime = 14695981039346656037, 1099511628211
	h := uint64(offset)
	for _, c := range b {
		h ^= uint64(c)
		h *= prime
	}
	return h
}

func checkInit(init Init, what string) error {
	if init == nil {
		return errors.Errorf("layers: %s: nil initializer", what)
	}
	return nil
}
