package datasets

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// rowID makes a Set whose row i has X values all equal to i/(n) and label
// i%classes, so rows can be recognised after copying.
func rowID(n, features, classes int) *Set {
	s := &Set{Name: "rows", X: make([]float32, n*features), Y: make([]int, n), Shape: []int{features}, Classes: classes}
	for i := range n {
		for j := range features {
			s.X[i*features+j] = float32(i) / float32(n)
		}
		s.Y[i] = i % classes
	}
	return s
}

// rowOf recovers the row index of a copied row of rowID(n, ...).
func rowOf(x []float32, n int) int { return int(math.Round(float64(x[0]) * float64(n))) }

func TestValidate(t *testing.T) {
	good := func() *Set { return rowID(4, 3, 2) }
	for _, tc := range []struct {
		name   string
		mutate func(*Set)
		want   string // "" = valid
	}{
		{"ok", func(*Set) {}, ""},
		{"empty-rows", func(s *Set) { s.X, s.Y = nil, nil }, ""},
		{"no-shape", func(s *Set) { s.Shape = nil }, "empty Shape"},
		{"zero-dim", func(s *Set) { s.Shape = []int{0} }, "bad Shape"},
		{"no-classes", func(s *Set) { s.Classes = 0 }, "Classes = 0"},
		{"short-x", func(s *Set) { s.X = s.X[:11] }, "len(X) = 11"},
		{"label-high", func(s *Set) { s.Y[2] = 2 }, "row 2: label 2 out of range"},
		{"label-negative", func(s *Set) { s.Y[1] = -1 }, "row 1: label -1"},
		{"nan", func(s *Set) { s.X[7] = float32(math.NaN()) }, "row 2, feature 1: non-finite"},
		{"inf", func(s *Set) { s.X[0] = float32(math.Inf(-1)) }, "row 0, feature 0: non-finite"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := good()
			tc.mutate(s)
			err := s.Validate()
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), `"rows"`) {
				t.Fatalf("error %v, want one naming the set and %q", err, tc.want)
			}
		})
	}
}

func TestSubsetHeadSlice(t *testing.T) {
	s := rowID(10, 3, 4)
	sub, err := s.Subset([]int{7, 2, 2, 9})
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	for i := range sub.Len() {
		got = append(got, rowOf(sub.Row(i), 10))
		if sub.Y[i] != got[i]%4 {
			t.Fatalf("row %d: label %d, want %d", i, sub.Y[i], got[i]%4)
		}
	}
	if !slices.Equal(got, []int{7, 2, 2, 9}) || sub.Name != "rows" || sub.Classes != 4 {
		t.Fatalf("Subset rows %v name %q classes %d", got, sub.Name, sub.Classes)
	}
	// A copy: writing to it leaves s alone.
	sub.X[0], sub.Shape[0] = 99, 99
	if s.X[21] == 99 || s.Shape[0] != 3 {
		t.Fatal("Subset aliases its source")
	}

	h, err := s.Head(3)
	if err != nil || h.Len() != 3 || rowOf(h.Row(2), 10) != 2 || h.Name != "rows[:3]" {
		t.Fatalf("Head(3) = %+v, %v", h, err)
	}
	sl, err := s.Slice(4, 6)
	if err != nil || sl.Len() != 2 || rowOf(sl.Row(0), 10) != 4 || sl.Name != "rows[4:6]" {
		t.Fatalf("Slice(4,6) = %+v, %v", sl, err)
	}
	for _, tc := range []struct {
		name string
		f    func() (*Set, error)
	}{
		{"subset-high", func() (*Set, error) { return s.Subset([]int{0, 10}) }},
		{"subset-negative", func() (*Set, error) { return s.Subset([]int{-1}) }},
		{"head-high", func() (*Set, error) { return s.Head(11) }},
		{"head-negative", func() (*Set, error) { return s.Head(-1) }},
		{"slice-reversed", func() (*Set, error) { return s.Slice(5, 4) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tc.f(); err == nil || !strings.Contains(err.Error(), `"rows"`) {
				t.Fatalf("error %v", err)
			}
		})
	}
}

func TestSplit(t *testing.T) {
	const n = 100
	s := rowID(n, 2, 3)
	rows := func(p *Set) []int {
		var r []int
		for i := range p.Len() {
			r = append(r, rowOf(p.Row(i), n))
		}
		return r
	}
	for _, tc := range []struct {
		name string
		nVal int
		seed uint64
	}{
		{"one", 1, 0},
		{"fifth", 20, 1},
		{"most", 99, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, va, err := s.Split(tc.nVal, tc.seed)
			if err != nil {
				t.Fatal(err)
			}
			if tr.Len() != n-tc.nVal || va.Len() != tc.nVal || tr.Name != "rows/train" || va.Name != "rows/val" {
				t.Fatalf("sizes %d/%d names %q %q", tr.Len(), va.Len(), tr.Name, va.Name)
			}
			all := append(rows(tr), rows(va)...)
			if !slices.IsSorted(rows(tr)) || !slices.IsSorted(rows(va)) {
				t.Fatal("parts are not in original row order")
			}
			slices.Sort(all)
			for i, r := range all {
				if r != i {
					t.Fatalf("rows of train+val are not a partition: %v", all)
				}
			}
			// Deterministic: same seed, same split.
			_, va2, _ := s.Split(tc.nVal, tc.seed)
			if !slices.Equal(rows(va), rows(va2)) {
				t.Fatal("same seed, different split")
			}
		})
	}
	_, a, _ := s.Split(20, 1)
	_, b, _ := s.Split(20, 2)
	if slices.Equal(rows(a), rows(b)) {
		t.Fatal("seeds 1 and 2 give the same split")
	}
	// The first and last row are not always kept out of val (a real shuffle).
	_, c, _ := s.Split(50, 3)
	if rows(c)[0] == 0 && rows(c)[49] == 50 {
		t.Fatal("split looks like Head")
	}
	for _, nVal := range []int{0, -1, n} {
		if _, _, err := s.Split(nVal, 0); err == nil {
			t.Fatalf("Split(%d) gave no error", nVal)
		}
	}
}

func TestBlobs(t *testing.T) {
	s, err := Blobs(103, 4, 5, 7)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	if s.Len() != 103 || s.Features() != 4 || s.Classes != 5 {
		t.Fatalf("len %d features %d classes %d", s.Len(), s.Features(), s.Classes)
	}
	// 103 = 5*20 + 3: balanced counts.
	if got := s.ClassCounts(); !slices.Equal(got, []int{21, 21, 21, 20, 20}) {
		t.Fatalf("class counts %v", got)
	}
	for i, v := range s.X {
		if v < 0 || v > 1 {
			t.Fatalf("X[%d] = %v outside [0,1]", i, v)
		}
	}
	s2, _ := Blobs(103, 4, 5, 7)
	if !slices.Equal(s.X, s2.X) || !slices.Equal(s.Y, s2.Y) {
		t.Fatal("same seed, different blobs")
	}
	s3, _ := Blobs(103, 4, 5, 8)
	if slices.Equal(s.X, s3.X) {
		t.Fatal("different seed, same blobs")
	}
	// Labels are shuffled, not 0,1,2,3,4,0,...
	if slices.Equal(s.Y[:5], []int{0, 1, 2, 3, 4}) && slices.Equal(s.Y[5:10], []int{0, 1, 2, 3, 4}) {
		t.Fatal("labels not shuffled")
	}
	// Separable: each point is nearer its own class mean than any other
	// for most points (centres 20 apart on average, unit noise).
	means := make([]float64, 5*4)
	counts := s.ClassCounts()
	for i, y := range s.Y {
		for j, v := range s.Row(i) {
			means[y*4+j] += float64(v) / float64(counts[y])
		}
	}
	wrong := 0
	for i, y := range s.Y {
		best, bd := -1, math.Inf(1)
		for c := range 5 {
			d := 0.0
			for j, v := range s.Row(i) {
				d += (float64(v) - means[c*4+j]) * (float64(v) - means[c*4+j])
			}
			if d < bd {
				best, bd = c, d
			}
		}
		if best != y {
			wrong++
		}
	}
	if wrong > 5 {
		t.Fatalf("%d of 103 points nearer another class mean", wrong)
	}
	for _, bad := range [][3]int{{0, 1, 1}, {1, 0, 1}, {1, 1, 0}} {
		if _, err := Blobs(bad[0], bad[1], bad[2], 0); err == nil {
			t.Fatalf("Blobs%v: no error", bad)
		}
	}
}

const fashionDir = "/usr/share/datasets/fashion-mnist"

func TestLoadDirFashionMNIST(t *testing.T) {
	if _, err := os.Stat(fashionDir); err != nil {
		t.Skipf("Fashion-MNIST not installed (%v); apt-get install dataset-fashion-mnist", err)
	}
	if testing.Short() {
		t.Skip("reading 60,000 images takes about a second")
	}
	train, test, err := LoadDir(fashionDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		s    *Set
		name string
		n    int // from https://github.com/zalandoresearch/fashion-mnist: 60,000 train, 10,000 test
	}{
		{train, "fashion-mnist/train", 60000},
		{test, "fashion-mnist/test", 10000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.s.Name != tc.name || tc.s.Len() != tc.n || !slices.Equal(tc.s.Shape, []int{28, 28}) || tc.s.Classes != 10 {
				t.Fatalf("%q: %d rows, shape %v, %d classes", tc.s.Name, tc.s.Len(), tc.s.Shape, tc.s.Classes)
			}
			if err := tc.s.Validate(); err != nil {
				t.Fatal(err)
			}
			// Fashion-MNIST is balanced: n/10 of each class.
			for c, k := range tc.s.ClassCounts() {
				if k != tc.n/10 {
					t.Fatalf("class %d: %d rows, want %d", c, k, tc.n/10)
				}
			}
		})
	}
}

func TestLoadDir(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(TrainImagesFile+".gz", gzipBytes(t, smallImages))
	write(TrainLabelsFile, smallLabels)
	_, _, err := LoadDir(dir)
	if err == nil || !strings.Contains(err.Error(), TestImagesFile) || !strings.Contains(err.Error(), TestLabelsFile) || strings.Contains(err.Error(), TrainImagesFile) {
		t.Fatalf("error %v, want one naming exactly the two missing test files", err)
	}
	write(TestImagesFile, idxBytes(8, []uint32{2, 2, 4}, seq(16)))
	write(TestLabelsFile+".gz", gzipBytes(t, idxBytes(8, []uint32{2}, []byte{7, 1})))
	train, test, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	base := filepath.Base(dir)
	// Classes: 10, MNIST's, whatever the labels (at most 7 here).
	if train.Len() != 3 || test.Len() != 2 || train.Classes != 10 || test.Classes != 10 || train.Name != base+"/train" {
		t.Fatalf("train %d rows %d classes %q, test %d rows %d classes", train.Len(), train.Classes, train.Name, test.Len(), test.Classes)
	}
	write(TestLabelsFile, []byte{0, 0, 8, 1, 0, 0, 0, 5})
	if _, _, err := LoadDir(dir); err == nil || !strings.Contains(err.Error(), TestLabelsFile) {
		t.Fatalf("corrupt raw file preferred over .gz: error %v", err)
	}
}
