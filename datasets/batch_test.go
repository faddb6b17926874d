package datasets

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// epochRows runs one epoch and returns the row indices seen, batch by batch.
func epochRows(t testing.TB, b *Batcher, epoch int) [][]int {
	t.Helper()
	s := b.Set()
	size := b.Options().Size
	x := make([]float32, size*s.Features())
	y := make([]int, size)
	b.Reset(epoch)
	var out [][]int
	for {
		n, ok := b.Next(x, y)
		if !ok {
			break
		}
		rows := make([]int, n)
		for k := range n {
			rows[k] = rowOf(x[k*s.Features():], s.Len())
			if y[k] != s.Y[rows[k]] {
				t.Fatalf("batch %d row %d: label %d, want %d", len(out), k, y[k], s.Y[rows[k]])
			}
		}
		out = append(out, rows)
		if len(out) > b.NumBatches() {
			t.Fatalf("more than NumBatches = %d batches", b.NumBatches())
		}
	}
	return out
}

func TestBatcherEpoch(t *testing.T) {
	for _, tc := range []struct {
		n, size    int
		shuffle    bool
		dropLast   bool
		numBatches int
		lastSize   int
	}{
		{10, 3, false, false, 4, 1},
		{10, 3, false, true, 3, 3},
		{10, 3, true, false, 4, 1},
		{10, 3, true, true, 3, 3},
		{12, 4, true, false, 3, 4},
		{12, 4, true, true, 3, 4},
		{5, 7, true, false, 1, 5},
		{1, 1, true, false, 1, 1},
		{7, 7, false, true, 1, 7},
	} {
		name := fmt.Sprintf("n=%d,size=%d,shuffle=%v,droplast=%v", tc.n, tc.size, tc.shuffle, tc.dropLast)
		t.Run(name, func(t *testing.T) {
			s := rowID(tc.n, 3, 2)
			b, err := NewBatcher(s, BatchOptions{Size: tc.size, Shuffle: tc.shuffle, DropLast: tc.dropLast, Seed: 42})
			if err != nil {
				t.Fatal(err)
			}
			if b.NumBatches() != tc.numBatches {
				t.Fatalf("NumBatches = %d, want %d", b.NumBatches(), tc.numBatches)
			}
			for epoch := range 3 {
				batches := epochRows(t, b, epoch)
				if len(batches) != tc.numBatches {
					t.Fatalf("epoch %d: %d batches, want %d", epoch, len(batches), tc.numBatches)
				}
				var seen []int
				for i, bt := range batches {
					want := tc.size
					if i == len(batches)-1 {
						want = tc.lastSize
					}
					if len(bt) != want {
						t.Fatalf("epoch %d batch %d: %d rows, want %d", epoch, i, len(bt), want)
					}
					seen = append(seen, bt...)
				}
				// Every row exactly once (all of them without DropLast).
				if !tc.dropLast && len(seen) != tc.n {
					t.Fatalf("epoch %d: %d rows seen, want %d", epoch, len(seen), tc.n)
				}
				sorted := slices.Sorted(slices.Values(seen))
				if len(slices.Compact(sorted)) != len(seen) {
					t.Fatalf("epoch %d: repeated rows in %v", epoch, seen)
				}
				if !tc.shuffle && !slices.IsSorted(seen) {
					t.Fatalf("no shuffle but order %v", seen)
				}
			}
			// After exhaustion Next keeps saying so.
			if n, ok := b.Next(make([]float32, tc.size*3), make([]int, tc.size)); ok || n != 0 {
				t.Fatalf("Next after the end = %d, %v", n, ok)
			}
		})
	}
}

func TestBatcherDeterminism(t *testing.T) {
	const n = 50
	s := rowID(n, 2, 5)
	mk := func(seed uint64) *Batcher {
		b, err := NewBatcher(s, BatchOptions{Size: 8, Shuffle: true, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	flat := func(bs [][]int) []int { return slices.Concat(bs...) }
	a, b := mk(1), mk(1)

	t.Run("same-seed-same-order", func(t *testing.T) {
		for e := range 4 {
			if !slices.Equal(flat(epochRows(t, a, e)), flat(epochRows(t, b, e))) {
				t.Fatalf("epoch %d differs", e)
			}
		}
	})
	t.Run("reset-twice", func(t *testing.T) {
		first := flat(epochRows(t, a, 3))
		if !slices.Equal(first, flat(epochRows(t, a, 3))) {
			t.Fatal("Reset(3) twice gives different orders")
		}
	})
	t.Run("resume", func(t *testing.T) {
		// b ran epochs 0..3 and a half of 5; a fresh Batcher goes straight to 5.
		b.Reset(5)
		b.Next(make([]float32, 16), make([]int, 8))
		want := flat(epochRows(t, b, 5))
		if got := flat(epochRows(t, mk(1), 5)); !slices.Equal(got, want) {
			t.Fatalf("fresh Batcher's epoch 5 %v, want %v", got, want)
		}
	})
	t.Run("epochs-differ", func(t *testing.T) {
		orders := map[string]int{}
		for e := range 10 {
			orders[fmt.Sprint(flat(epochRows(t, a, e)))] = e
		}
		if len(orders) != 10 {
			t.Fatalf("10 epochs gave %d distinct orders", len(orders))
		}
		if slices.IsSorted(flat(epochRows(t, a, 0))) {
			t.Fatal("epoch 0 is not shuffled")
		}
	})
	t.Run("seeds-differ", func(t *testing.T) {
		if slices.Equal(flat(epochRows(t, mk(1), 0)), flat(epochRows(t, mk(2), 0))) {
			t.Fatal("seeds 1 and 2 give the same order")
		}
	})
	t.Run("golden", func(t *testing.T) {
		// Locks in the stream: Go's PCG and this package's seeding. A change
		// here changes every recorded run; it must be deliberate.
		got := flat(epochRows(t, mk(1), 0))[:10]
		want := goldenEpoch0
		if !slices.Equal(got, want) {
			t.Fatalf("epoch 0 of seed 1 starts %v, want %v", got, want)
		}
	})
}

// goldenEpoch0 is the start of epoch 0 of rowID(50, ...) with Seed 1, as
// produced by this implementation when the test was written.
var goldenEpoch0 = []int{5, 2, 10, 9, 8, 15, 33, 23, 17, 36}

func TestBatcherErrors(t *testing.T) {
	s := rowID(5, 2, 2)
	bad := rowID(5, 2, 2)
	bad.Y[0] = 9
	for _, tc := range []struct {
		name string
		s    *Set
		opt  BatchOptions
		want string
	}{
		{"nil", nil, BatchOptions{Size: 1}, "nil Set"},
		{"size-zero", s, BatchOptions{}, "Size = 0"},
		{"invalid-set", bad, BatchOptions{Size: 1}, "label 9"},
		{"empty", &Set{Name: "e", Shape: []int{1}, Classes: 1}, BatchOptions{Size: 1}, "empty"},
		{"droplast-too-small", s, BatchOptions{Size: 6, DropLast: true}, "no batches"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := NewBatcher(tc.s, tc.opt); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
	t.Run("short-buffer-panics", func(t *testing.T) {
		b, _ := NewBatcher(s, BatchOptions{Size: 2})
		defer func() {
			if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "rows") {
				t.Fatalf("recovered %v, want a panic naming the set", r)
			}
		}()
		b.Next(make([]float32, 3), make([]int, 2))
	})
}

func TestBatcherNoAlloc(t *testing.T) {
	s := rowID(100, 784, 10)
	for _, shuffle := range []bool{false, true} {
		t.Run(fmt.Sprintf("shuffle=%v", shuffle), func(t *testing.T) {
			b, err := NewBatcher(s, BatchOptions{Size: 32, Shuffle: shuffle, Seed: 3})
			if err != nil {
				t.Fatal(err)
			}
			x, y := make([]float32, 32*784), make([]int, 32)
			epoch := 0
			allocs := testing.AllocsPerRun(100, func() {
				if _, ok := b.Next(x, y); !ok {
					epoch++
					b.Reset(epoch)
				}
			})
			if allocs != 0 {
				t.Fatalf("Next/Reset allocate %v times per call", allocs)
			}
		})
	}
}

func benchmarkNext(b *testing.B, n, features, size int) {
	s := rowID(n, features, 10)
	bt, err := NewBatcher(s, BatchOptions{Size: size, Shuffle: true, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	x, y := make([]float32, size*features), make([]int, size)
	epoch := 0
	b.ReportAllocs()
	b.SetBytes(int64(size * features * 4))
	for b.Loop() {
		if _, ok := bt.Next(x, y); !ok {
			epoch++
			bt.Reset(epoch)
		}
	}
}

func BenchmarkBatcherNextMNIST64(b *testing.B)  { benchmarkNext(b, 10000, 784, 64) }
func BenchmarkBatcherNextMNIST512(b *testing.B) { benchmarkNext(b, 10000, 784, 512) }
func BenchmarkBatcherNextSmall(b *testing.B)    { benchmarkNext(b, 1000, 10, 16) }
