package datasets

import (
	"strings"
	"testing"
)

func TestText(t *testing.T) {
	s, err := Text("t", []byte("abcdefghij"), 3)
	if err != nil {
		t.Fatal(err)
	}
	if s.Len() != 3 || s.Validate() != nil {
		t.Fatalf("%d rows, Validate %v", s.Len(), s.Validate())
	}
	if s.X[3] != 'd' || s.Seq[3] != 'e' || s.Y[2] != 'j' {
		t.Errorf("row 1 starts %c→%c, last target %c", rune(s.X[3]), rune(s.Seq[3]), rune(s.Y[2]))
	}
	sub, _ := s.Subset([]int{2})
	if sub.Seq[0] != 'h' || sub.SeqLen != 3 {
		t.Errorf("Subset kept Seq %v", sub.Seq)
	}
	b, _ := NewBatcher(s, BatchOptions{Size: 2, Seed: 1, Shuffle: true})
	x, y, seq := make([]float32, 6), make([]int, 2), make([]int, 6)
	b.NextSeq(x, y, seq)
	for k := range 6 {
		if seq[k] != int(x[k])+1 {
			t.Fatalf("NextSeq: x %v, targets %v", x, seq)
		}
	}
}

// TestGoSource checks the corpus is deterministic, within budget and split
// by file.
func TestGoSource(t *testing.T) {
	tr, va, files, err := GoSource(GoSourceOptions{Bytes: 200000})
	if err != nil {
		t.Fatal(err)
	}
	if len(tr)+len(va) > 200000 || len(va) == 0 || len(tr) < 4*len(va) {
		t.Errorf("train %d, val %d bytes", len(tr), len(va))
	}
	tr2, _, files2, _ := GoSource(GoSourceOptions{Bytes: 200000})
	if string(tr) != string(tr2) || strings.Join(files, ",") != strings.Join(files2, ",") {
		t.Error("two selections differ")
	}
	if !strings.HasPrefix(files[0], "archive/") || !strings.HasSuffix(files[9], " (val)") || files[len(files)-1] < "n" { // spans the tree
		t.Errorf("files %v", files[:10])
	}
}
