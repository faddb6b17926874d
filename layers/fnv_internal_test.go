package layers

import (
	"hash/fnv"
	"testing"
)

// TestFNV64a: the allocation-free hash that seeds parameters and dropout
// masks is hash/fnv's FNV-1a, so weights and masks are what they were.
func TestFNV64a(t *testing.T) {
	for _, s := range []string{"", "a", "dense0.W", "dropout0.mask/123456", "\xff\x00é"} {
		h := fnv.New64a()
		h.Write([]byte(s))
		if got, want := fnv64a([]byte(s)), h.Sum64(); got != want {
			t.Errorf("fnv64a(%q) = %#x, hash/fnv %#x", s, got, want)
		}
	}
}
