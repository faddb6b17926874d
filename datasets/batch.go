package datasets

import (
	"fmt"
	"math/rand/v2"

	"github.com/pkg/errors"
)

// BatchOptions configures a Batcher.
type BatchOptions struct {
	Size     int  // rows per batch, > 0
	Shuffle  bool // a fresh seeded random order every epoch; else the set's order
	DropLast bool // drop the final partial batch
	Seed     uint64
}

// Batcher iterates over a Set in mini-batches, epoch by epoch:
//
//	b.Reset(epoch)
//	for {
//		n, ok := b.Next(x, y)
//		if !ok {
//			break
//		}
//		// use x[:n*features], y[:n]
//	}
//
// A Batcher is not safe for concurrent use. It does not copy the Set: the
// Set must not change while the Batcher is in use.
type Batcher struct {
	set   *Set
	opt   BatchOptions
	feat  int
	order []int
	pos   int
	src   *rand.PCG
	rng   *rand.Rand
}

// NewBatcher returns a Batcher over s, positioned at the start of epoch 0
// (as after Reset(0)). s must be valid (see Set.Validate) and non-empty, and
// opt.Size positive.
func NewBatcher(s *Set, opt BatchOptions) (*Batcher, error) {
	if s == nil {
		return nil, errors.New("datasets: NewBatcher: nil Set")
	}
	if opt.Size <= 0 {
		return nil, errors.Errorf("datasets: NewBatcher: set %q: batch Size = %d, want > 0", s.Name, opt.Size)
	}
	if err := s.Validate(); err != nil {
		return nil, errors.WithMessage(err, "datasets: NewBatcher")
	}
	if s.Len() == 0 {
		return nil, errors.Errorf("datasets: NewBatcher: set %q is empty", s.Name)
	}
	if opt.DropLast && s.Len() < opt.Size {
		return nil, errors.Errorf("datasets: NewBatcher: set %q: %d rows < batch Size %d with DropLast: no batches", s.Name, s.Len(), opt.Size)
	}
	b := &Batcher{
		set:   s,
		opt:   opt,
		feat:  s.Features(),
		order: make([]int, s.Len()),
		src:   rand.NewPCG(opt.Seed, streamBatcher),
	}
	b.rng = rand.New(b.src)
	b.Reset(0)
	return b, nil
}

// Options returns the options the Batcher was made with.
func (b *Batcher) Options() BatchOptions { return b.opt }

// Set returns the Set being iterated.
func (b *Batcher) Set() *Set { return b.set }

// NumBatches returns the number of batches in one epoch: ceil(Len/Size), or
// floor(Len/Size) with DropLast.
func (b *Batcher) NumBatches() int {
	n := b.set.Len()
	if b.opt.DropLast {
		return n / b.opt.Size
	}
	return (n + b.opt.Size - 1) / b.opt.Size
}

// Reset starts epoch e. The order of epoch e is a pure function of
// (opt.Seed, e) — not of how many epochs ran before — so a resumed run sees
// the same batches. Without Shuffle the order is the set's row order in
// every epoch. Reset does not allocate.
func (b *Batcher) Reset(epoch int) {
	b.pos = 0
	for i := range b.order {
		b.order[i] = i
	}
	if !b.opt.Shuffle {
		return
	}
	b.src.Seed(b.opt.Seed, streamBatcher^splitmix64(uint64(epoch)))
	shuffle(b.rng, b.order)
}

// Order returns the row order of the current epoch (aliasing the Batcher's
// state: do not modify).
func (b *Batcher) Order() []int { return b.order }

// Next copies the next batch into x (len >= Size*Features) and y
// (len >= Size) and returns the number of rows n; ok is false when the
// epoch is exhausted. n < Size only for the final partial batch when
// DropLast is false. Next does not allocate. It panics if x or y is too
// short for a full batch.
func (b *Batcher) Next(x []float32, y []int) (n int, ok bool) {
	size, f := b.opt.Size, b.feat
	if len(x) < size*f || len(y) < size {
		panic(fmt.Sprintf("datasets: Batcher.Next on set %q: buffers of %d values and %d labels, want at least %d and %d",
			b.set.Name, len(x), len(y), size*f, size))
	}
	rest := len(b.order) - b.pos
	if rest <= 0 || (b.opt.DropLast && rest < size) {
		return 0, false
	}
	n = min(size, rest)
	X, Y := b.set.X, b.set.Y
	for k, i := range b.order[b.pos : b.pos+n] {
		copy(x[k*f:(k+1)*f], X[i*f:(i+1)*f])
		y[k] = Y[i]
	}
	b.pos += n
	return n, true
}

// NextSeq is Next that also copies the rows' per-position labels (Set.Seq)
// into seq (len >= Size*SeqLen). It panics if seq is too short.
func (b *Batcher) NextSeq(x []float32, y, seq []int) (n int, ok bool) {
	pos := b.pos
	n, ok = b.Next(x, y)
	if !ok {
		return n, ok
	}
	q := b.set.SeqLen
	if len(seq) < b.opt.Size*q {
		panic(fmt.Sprintf("datasets: Batcher.NextSeq on set %q: %d labels, want at least %d", b.set.Name, len(seq), b.opt.Size*q))
	}
	for k, i := range b.order[pos : pos+n] {
		copy(seq[k*q:(k+1)*q], b.set.Seq[i*q:(i+1)*q])
	}
	return n, ok
}

// splitmix64 is the output function of SplitMix64 (Steele, Lea, Flood
// 2014): a bijective mixer turning nearby integers into unrelated words.
func splitmix64(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}
