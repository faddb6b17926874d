package datasets

import (
	"bytes"
	"compress/gzip"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
)

// Tests of issue 16 ("Reliability"): corrupt files must give an error that
// says what is wrong, where, never a different task or a misleading
// message. The corrupt files are built in t.TempDir().

// digitLike returns n images of 28x28 bytes that compress about as MNIST's
// do (mostly zero, a blob of ink per image), from seed.
func digitLike(n int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, n*28*28)
	for i := range n {
		img := b[i*784 : (i+1)*784]
		r0, c0 := 4+rng.IntN(10), 4+rng.IntN(10)
		for r := r0; r < r0+10; r++ {
			for c := c0; c < c0+8; c++ {
				img[r*28+c] = byte(rng.IntN(256))
			}
		}
	}
	return b
}

func writeTemp(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// gzipCorrupt is what every error about a corrupt gzip stream must say.
var gzipCorrupt = regexp.MustCompile(`gzip: [^:]*corrupt`)

// TestReadIDXCorruptGzipBody flips one byte at each of 60 places in the
// deflate data of a 1,000-image file (784,000 data bytes, as issue 16's
// report) and requires either the original data (a flip the format cannot
// see, such as in the padding bits of the last byte) or an error naming
// the file that says the gzip stream is corrupt. Before the fix, some flips
// gave "trailing bytes after the 784000 data bytes" or "truncated data",
// and flips near the start a bad IDX header.
func TestReadIDXCorruptGzipBody(t *testing.T) {
	data := digitLike(1000, 1)
	raw := idxBytes(0x08, []uint32{1000, 28, 28}, data)
	gz := gzipBytes(t, raw)
	const header, trailer = 10, 8 // gzip header without optional fields; CRC-32 and size
	body := len(gz) - header - trailer
	kinds := map[string]int{}
	for k := range 60 {
		pos := header + k*body/60
		for _, x := range []byte{0x01, 0x80, 0xff} {
			bad := slices.Clone(gz)
			bad[pos] ^= x
			p := writeTemp(t, "images.gz", bad)
			m, err := ReadIDXFile(p)
			if err == nil {
				if !bytes.Equal(m.Data, data) {
					t.Fatalf("byte %d ^ %#x: accepted, with different data", pos, x)
				}
				kinds["harmless"]++
				continue
			}
			msg := err.Error()
			if !gzipCorrupt.MatchString(msg) || !bytes.Contains([]byte(msg), []byte(p)) {
				t.Fatalf("byte %d ^ %#x: error %q does not name %s and say the gzip stream is corrupt", pos, x, msg, p)
			}
			kinds["corrupt"]++
		}
	}
	t.Logf("%v", kinds)
}

// TestReadIDXGzipChecksum: a wrong CRC-32 or length in the trailer is
// reported as gzip corruption, not as an IDX problem.
func TestReadIDXGzipChecksum(t *testing.T) {
	gz := gzipBytes(t, idxBytes(0x08, []uint32{50, 28, 28}, digitLike(50, 2)))
	for _, off := range []int{8, 5, 4, 1} { // from the end: CRC-32 (8..5), size (4..1)
		bad := slices.Clone(gz)
		bad[len(bad)-off] ^= 0x10
		p := writeTemp(t, "x.gz", bad)
		_, err := ReadIDXFile(p)
		if err == nil || !gzipCorrupt.MatchString(err.Error()) || !bytes.Contains([]byte(err.Error()), []byte(p)) {
			t.Fatalf("trailer byte -%d: error %v, want one naming the file and saying gzip ... corrupt", off, err)
		}
		if !errors.Is(err, gzip.ErrChecksum) {
			t.Fatalf("trailer byte -%d: error %v is not gzip.ErrChecksum", off, err)
		}
	}
}

// TestReadIDXGzipPadding: gzip files followed by zero bytes (tape or block
// padding, which gunzip accepts with a warning) are accepted; files made
// of several gzip members (cat a.gz b.gz) are read whole; non-zero bytes
// after the gzip stream are an error.
func TestReadIDXGzipPadding(t *testing.T) {
	data := digitLike(20, 3)
	raw := idxBytes(0x08, []uint32{20, 28, 28}, data)
	gz := gzipBytes(t, raw)
	two := append(gzipBytes(t, raw[:5000]), gzipBytes(t, raw[5000:])...)
	for _, tc := range []struct {
		name string
		in   []byte
	}{
		{"zeros-1", append(slices.Clone(gz), 0)},
		{"zeros-512", append(slices.Clone(gz), make([]byte, 512)...)},
		{"zeros-100000", append(slices.Clone(gz), make([]byte, 100000)...)},
		{"two-members", two},
		{"two-members-zeros", append(slices.Clone(two), make([]byte, 7)...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ReadIDXFile(writeTemp(t, "x.gz", tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(m.Data, data) {
				t.Fatal("wrong data")
			}
		})
	}
	for _, tc := range []struct {
		name string
		in   []byte
	}{
		{"garbage", append(slices.Clone(gz), 'x')},
		{"zeros-then-garbage", append(append(slices.Clone(gz), make([]byte, 100)...), 1)},
		{"half-a-member", append(slices.Clone(gz), gz[:20]...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := writeTemp(t, "x.gz", tc.in)
			_, err := ReadIDXFile(p)
			if err == nil || !gzipCorrupt.MatchString(err.Error()) || !bytes.Contains([]byte(err.Error()), []byte(p)) {
				t.Fatalf("error %v, want one naming the file and saying gzip ... corrupt", err)
			}
			var fe *FormatError
			if !errors.As(err, &fe) || fe.File != p {
				t.Fatalf("error %v is not a *FormatError for %s", err, p)
			}
		})
	}
}
