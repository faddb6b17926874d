package datasets

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/pkg/errors"
)

// Set is an in-memory labelled dataset (MNIST scale).
type Set struct {
	Name    string    // e.g. "mnist-sample/train", used in error messages
	X       []float32 // Len()*Features() values, row-major, scaled to [0,1]
	Y       []int     // labels in [0, Classes)
	Shape   []int     // shape of one sample, e.g. []int{28, 28}
	Classes int
	// SeqLen, when > 0, gives every row SeqLen per-position labels in Seq
	// (Len()*SeqLen values in [0, Classes), row-major): the next-token
	// targets of a language model, say (see Text). Y then holds one label
	// per row as usual (Text sets it to the row's last target).
	SeqLen int
	Seq    []int
}

// Len returns the number of rows (samples), len(s.Y).
func (s *Set) Len() int { return len(s.Y) }

// Features returns the number of values in one sample, the product of Shape.
func (s *Set) Features() int {
	f := 1
	for _, d := range s.Shape {
		f *= d
	}
	return f
}

// Row returns sample i's values, aliasing s.X (not a copy).
func (s *Set) Row(i int) []float32 {
	f := s.Features()
	return s.X[i*f : (i+1)*f : (i+1)*f]
}

// Validate checks that s is consistent: a non-empty Shape of positive
// dimensions, Classes > 0, len(X) == Len()*Features(), every label in
// [0, Classes) and every value finite. The error names the set and the first
// offending row.
func (s *Set) Validate() error {
	if s == nil {
		return errors.New("datasets: nil Set")
	}
	if len(s.Shape) == 0 {
		return errors.Errorf("datasets: set %q: empty Shape", s.Name)
	}
	f := 1
	for _, d := range s.Shape {
		if d <= 0 {
			return errors.Errorf("datasets: set %q: bad Shape %v", s.Name, s.Shape)
		}
		if f > math.MaxInt32/d {
			return errors.Errorf("datasets: set %q: Shape %v too large", s.Name, s.Shape)
		}
		f *= d
	}
	if s.Classes <= 0 {
		return errors.Errorf("datasets: set %q: Classes = %d, want > 0", s.Name, s.Classes)
	}
	if len(s.X) != len(s.Y)*f {
		return errors.Errorf("datasets: set %q: len(X) = %d, want Len()*Features() = %d*%d = %d",
			s.Name, len(s.X), len(s.Y), f, len(s.Y)*f)
	}
	for i, y := range s.Y {
		if y < 0 || y >= s.Classes {
			return errors.Errorf("datasets: set %q: row %d: label %d out of range [0, %d)", s.Name, i, y, s.Classes)
		}
	}
	if s.SeqLen < 0 || (s.SeqLen == 0 && len(s.Seq) != 0) || len(s.Seq) != len(s.Y)*s.SeqLen {
		return errors.Errorf("datasets: set %q: len(Seq) = %d, want Len()*SeqLen = %d*%d", s.Name, len(s.Seq), len(s.Y), s.SeqLen)
	}
	for i, y := range s.Seq {
		if y < 0 || y >= s.Classes {
			return errors.Errorf("datasets: set %q: row %d, position %d: label %d out of range [0, %d)", s.Name, i/s.SeqLen, i%s.SeqLen, y, s.Classes)
		}
	}
	for i, v := range s.X {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return errors.Errorf("datasets: set %q: row %d, feature %d: non-finite value %v", s.Name, i/f, i%f, v)
		}
	}
	return nil
}

// Subset returns a copy of the rows idx, in that order (an index may repeat).
// The result has the same Name, Shape and Classes.
func (s *Set) Subset(idx []int) (*Set, error) {
	return s.subset(idx, s.Name)
}

func (s *Set) subset(idx []int, name string) (*Set, error) {
	if s == nil {
		return nil, errors.New("datasets: Subset of a nil Set")
	}
	f := s.Features()
	if len(s.X) != len(s.Y)*f {
		return nil, errors.Errorf("datasets: set %q: len(X) = %d, want %d", s.Name, len(s.X), len(s.Y)*f)
	}
	n := s.Len()
	for k, i := range idx {
		if i < 0 || i >= n {
			return nil, errors.Errorf("datasets: set %q: Subset index %d (position %d) out of range [0, %d)", s.Name, i, k, n)
		}
	}
	out := &Set{
		Name:    name,
		X:       make([]float32, len(idx)*f),
		Y:       make([]int, len(idx)),
		Shape:   slices.Clone(s.Shape),
		Classes: s.Classes,
	}
	if q := s.SeqLen; q > 0 {
		out.SeqLen, out.Seq = q, make([]int, len(idx)*q)
		for k, i := range idx {
			copy(out.Seq[k*q:(k+1)*q], s.Seq[i*q:(i+1)*q])
		}
	}
	for k, i := range idx {
		copy(out.X[k*f:(k+1)*f], s.X[i*f:(i+1)*f])
		out.Y[k] = s.Y[i]
	}
	return out, nil
}

// Head returns a copy of the first n rows, named Name+"[:n]".
// 0 <= n <= Len() is required.
func (s *Set) Head(n int) (*Set, error) {
	return s.Slice(0, n)
}

// Slice returns a copy of rows [from, to), named Name+"[from:to]" (or
// Name+"[:to]" when from is 0). 0 <= from <= to <= Len() is required.
func (s *Set) Slice(from, to int) (*Set, error) {
	if s == nil {
		return nil, errors.New("datasets: Slice of a nil Set")
	}
	if from < 0 || to < from || to > s.Len() {
		return nil, errors.Errorf("datasets: set %q: rows [%d:%d] out of range [0:%d]", s.Name, from, to, s.Len())
	}
	idx := make([]int, to-from)
	for i := range idx {
		idx[i] = from + i
	}
	name := fmt.Sprintf("%s[%d:%d]", s.Name, from, to)
	if from == 0 {
		name = fmt.Sprintf("%s[:%d]", s.Name, to)
	}
	return s.subset(idx, name)
}

// Split splits s at random into a training part and a validation part of
// nVal rows (0 < nVal < Len()). Which rows go where is a function of seed
// only; both parts keep the original row order (shuffling is the Batcher's
// job) and are copies named Name+"/train" and Name+"/val".
func (s *Set) Split(nVal int, seed uint64) (train, val *Set, err error) {
	if s == nil {
		return nil, nil, errors.New("datasets: Split of a nil Set")
	}
	n := s.Len()
	if nVal <= 0 || nVal >= n {
		return nil, nil, errors.Errorf("datasets: set %q: Split: nVal = %d, want 0 < nVal < Len() = %d", s.Name, nVal, n)
	}
	perm := make([]int, n)
	for i := range perm {
		perm[i] = i
	}
	shuffle(rand.New(rand.NewPCG(seed, streamSplit)), perm)
	vi := slices.Clone(perm[:nVal])
	ti := slices.Clone(perm[nVal:])
	slices.Sort(vi)
	slices.Sort(ti)
	if train, err = s.subset(ti, s.Name+"/train"); err != nil {
		return nil, nil, err
	}
	if val, err = s.subset(vi, s.Name+"/val"); err != nil {
		return nil, nil, err
	}
	return train, val, nil
}

// ClassCounts returns the number of rows of each class, indexed by label.
// Labels out of [0, Classes) are not counted.
func (s *Set) ClassCounts() []int {
	c := make([]int, max(s.Classes, 0))
	for _, y := range s.Y {
		if y >= 0 && y < len(c) {
			c[y]++
		}
	}
	return c
}

// Second words of the PCG seeds, one per use, so that the same user seed
// gives independent streams for different purposes.
const (
	streamSplit   = 0x5851f42d4c957f2d
	streamBatcher = 0x14057b7ef767814f
	streamBlobs   = 0x2545f4914f6cdd1d
)

// shuffle is a Fisher-Yates shuffle of p driven by r. It does not allocate.
func shuffle(r *rand.Rand, p []int) {
	for i := len(p) - 1; i > 0; i-- {
		j := r.IntN(i + 1)
		p[i], p[j] = p[j], p[i]
	}
}
