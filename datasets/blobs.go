package datasets

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/pkg/errors"
)

// Blobs returns a seeded synthetic classification set of n rows: isotropic
// Gaussian blobs, one per class, in the manner of scikit-learn's make_blobs
// (centres uniform in [-10, 10]^features, unit standard deviation). Labels
// are balanced (row counts per class differ by at most one) and in random
// order. Each feature is then min-max scaled to [0,1] over the set, following
// the package convention. Shape is []int{features}; the name is
// "blobs(n=…,features=…,classes=…,seed=…)". The result is a function of the
// arguments only.
func Blobs(n, features, classes int, seed uint64) (*Set, error) {
	if n <= 0 || features <= 0 || classes <= 0 {
		return nil, errors.Errorf("datasets: Blobs(n=%d, features=%d, classes=%d): all must be > 0", n, features, classes)
	}
	if n > (1<<31)/4/features { // 2 GiB of float32s
		return nil, errors.Errorf("datasets: Blobs(n=%d, features=%d): too large", n, features)
	}
	r := rand.New(rand.NewPCG(seed, streamBlobs))
	centres := make([]float64, classes*features)
	for i := range centres {
		centres[i] = -10 + 20*r.Float64()
	}
	s := &Set{
		Name:    fmt.Sprintf("blobs(n=%d,features=%d,classes=%d,seed=%d)", n, features, classes, seed),
		X:       make([]float32, n*features),
		Y:       make([]int, n),
		Shape:   []int{features},
		Classes: classes,
	}
	for i := range s.Y {
		s.Y[i] = i % classes
	}
	shuffle(r, s.Y)
	raw := make([]float64, n*features)
	for i, y := range s.Y {
		c := centres[y*features : (y+1)*features]
		for j := range features {
			raw[i*features+j] = c[j] + r.NormFloat64()
		}
	}
	for j := range features {
		lo, hi := math.Inf(1), math.Inf(-1)
		for i := range n {
			v := raw[i*features+j]
			lo, hi = min(lo, v), max(hi, v)
		}
		span := hi - lo
		for i := range n {
			v := 0.0
			if span > 0 {
				v = (raw[i*features+j] - lo) / span
			}
			s.X[i*features+j] = float32(v)
		}
	}
	return s, nil
}
