package compare

import (
	"hash/fnv"
	"math"
	"math/rand/v2"

	"github.com/pkg/errors"
)

// Samplers name the ways Tuning draws configurations.
var Samplers = []string{"halton", "random", "grid"}

// points returns n points of [0, 1)^dim drawn by the sampler:
//
//   - halton: the Halton sequence (bases 2, 3, 5, 7, …, one per
//     dimension) with random digit scrambling — each digit position of
//     each dimension permuted by its own random permutation of {0, …, b−1}
//     (Matoušek 1998, "On the L2-discrepancy for anchored boxes", J.
//     Complexity 14; Owen 2017 for why scrambling matters) — a
//     randomised quasi-random sequence: low discrepancy, no point at the
//     bounds, a different sequence per seed;
//   - random: independent uniform draws (PCG);
//   - grid: the full factorial grid, each dimension at L levels
//     (i+½)/L, i = 0…L−1 (a choice at its own number of values), in
//     lexicographic order; n must be the grid's size.
//
// levels[d] is the number of values of dimension d if it is a choice (0
// for a continuous one; only grid uses it). The points are a pure function
// of (sampler, n, dim, levels, seed).
func points(sampler string, n int, levels []int, seed uint64) ([][]float64, error) {
	dim := len(levels)
	out := make([][]float64, n)
	switch sampler {
	case "", "halton":
		rng := rand.New(rand.NewPCG(seed, 0x68616c746f6e)) // "halton"
		perms := make([][][]int, dim)
		for d := range dim {
			b := primes[d%len(primes)]
			digits := int(math.Ceil(53*math.Ln2/math.Log(float64(b)))) + 1
			perms[d] = make([][]int, digits)
			for k := range perms[d] {
				perms[d][k] = rng.Perm(b)
			}
		}
		for i := range out {
			out[i] = make([]float64, dim)
			for d := range dim {
				out[i][d] = scrambledRadical(uint64(i+1), primes[d%len(primes)], perms[d])
			}
		}
	case "random":
		rng := rand.New(rand.NewPCG(seed, 0x72616e646f6d)) // "random"
		for i := range out {
			out[i] = make([]float64, dim)
			for d := range dim {
				out[i][d] = rng.Float64()
			}
		}
	case "grid":
		cont, fixed := 0, 1
		for _, l := range levels {
			if l == 0 {
				cont++
			} else {
				fixed *= l
			}
		}
		L := 1
		if cont > 0 {
			L = int(math.Round(math.Pow(float64(n)/float64(fixed), 1/float64(cont))))
		}
		size := fixed
		for range cont {
			size *= max(L, 1)
		}
		if L < 1 || size != n {
			return nil, errors.Errorf("compare: grid sampler: %d trials is not a full grid of %d continuous dimensions and choices of %v values (e.g. %d trials)", n, cont, levels, max(size, fixed))
		}
		idx := make([]int, dim)
		for i := range out {
			out[i] = make([]float64, dim)
			for d := range dim {
				l := levels[d]
				if l == 0 {
					l = L
				}
				out[i][d] = (float64(idx[d]) + 0.5) / float64(l)
			}
			for d := dim - 1; d >= 0; d-- { // next index, last dimension fastest
				l := levels[d]
				if l == 0 {
					l = L
				}
				if idx[d]++; idx[d] < l {
					break
				}
				idx[d] = 0
			}
		}
	default:
		return nil, errors.Errorf("compare: unknown sampler %q (known: halton, random, grid)", sampler)
	}
	return out, nil
}

var primes = []int{2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97}

// scrambledRadical is the radical inverse of i in base b with the digit
// at position k permuted by perm[k]. Digits beyond i's own are zeros,
// permuted too, so the point is not truncated at the last digit of i.
func scrambledRadical(i uint64, b int, perm [][]int) float64 {
	var x float64
	f := 1 / float64(b)
	for k := range perm {
		d := int(i % uint64(b))
		i /= uint64(b)
		x += float64(perm[k][d]) * f
		f /= float64(b)
	}
	return min(x, math.Nextafter(1, 0))
}

// spaceSeed derives the sampler seed of a search space from the tuning
// seed and the space's shape (kinds and bounds, not the strategy's name),
// so that strategies with the same space get the same sequence.
func spaceSeed(seed uint64, spaces []Space) uint64 {
	h := fnv.New64a()
	for _, s := range spaces {
		h.Write([]byte(s.signature()))
		h.Write([]byte{0})
	}
	return seed ^ h.Sum64()
}
