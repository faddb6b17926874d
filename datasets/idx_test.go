package datasets

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// idxBytes builds a raw IDX file by hand (independently of WriteIDX):
// two zero bytes, type, rank, big-endian dims, data.
func idxBytes(typ byte, dims []uint32, data []byte) []byte {
	b := []byte{0, 0, typ, byte(len(dims))}
	for _, d := range dims {
		b = binary.BigEndian.AppendUint32(b, d)
	}
	return append(b, data...)
}

func gzipBytes(t testing.TB, raw []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(raw); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func seq(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i * 7)
	}
	return b
}

// A small valid image file: 3 images of 2x4 pixels, and its labels.
var (
	smallImages = idxBytes(0x08, []uint32{3, 2, 4}, seq(24))
	smallLabels = idxBytes(0x08, []uint32{3}, []byte{2, 0, 5})
)

func TestReadIDXRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name string
		raw  []byte
		dims []int
		data []byte
	}{
		{"images", smallImages, []int{3, 2, 4}, seq(24)},
		{"labels", smallLabels, []int{3}, []byte{2, 0, 5}},
		{"one-pixel", idxBytes(0x08, []uint32{1, 1, 1}, []byte{255}), []int{1, 1, 1}, []byte{255}},
		// Starts with 0x1f? No: IDX starts with 0 0, so raw files never look like gzip.
	} {
		for _, comp := range []bool{false, true} {
			name := tc.name + "/raw"
			in := tc.raw
			if comp {
				name = tc.name + "/gzip"
				in = gzipBytes(t, tc.raw)
			}
			t.Run(name, func(t *testing.T) {
				m, err := ReadIDX(bytes.NewReader(in), name)
				if err != nil {
					t.Fatal(err)
				}
				if m.Type != 0x08 || !slices.Equal(m.Dims, tc.dims) || !bytes.Equal(m.Data, tc.data) {
					t.Fatalf("got type %#x dims %v data %v, want 0x08 %v %v", m.Type, m.Dims, m.Data, tc.dims, tc.data)
				}
				// WriteIDX reproduces the hand-built bytes.
				var out bytes.Buffer
				if err := WriteIDX(&out, m); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(out.Bytes(), tc.raw) {
					t.Fatalf("WriteIDX = % x, want % x", out.Bytes(), tc.raw)
				}
			})
		}
	}
}

// oneByteReader returns one byte per Read, to exercise short reads.
type oneByteReader struct{ r io.Reader }

func (o oneByteReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	return o.r.Read(p[:1])
}

func TestReadIDXShortReads(t *testing.T) {
	m, err := ReadIDX(oneByteReader{bytes.NewReader(gzipBytes(t, smallImages))}, "short")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(m.Data, seq(24)) {
		t.Fatalf("data %v", m.Data)
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

func TestReadIDXErrors(t *testing.T) {
	gz := gzipBytes(t, smallImages)
	corruptBody := slices.Clone(gz)
	corruptBody[len(corruptBody)-12] ^= 0xff // inside the deflate stream or CRC
	badCRC := slices.Clone(gz)
	badCRC[len(badCRC)-8] ^= 0xff // the CRC-32 of the trailer
	huge := idxBytes(0x08, []uint32{1 << 20, 1 << 12, 1 << 12}, nil)
	for _, tc := range []struct {
		name   string
		in     []byte
		want   string // in the message
		offset int64  // -1: not a *FormatError, -2: a *FormatError at any offset
	}{
		{"empty", nil, "empty file", 0},
		{"truncated-magic", []byte{0, 0, 8}, "truncated header", 3},
		{"bad-magic", idxBytes(0x08, []uint32{3}, []byte{1, 2, 3})[1:], "bad magic", 0},
		{"bad-magic-text", []byte("hello, world"), "bad magic", 0},
		{"type-int32", idxBytes(0x0C, []uint32{3}, []byte{1, 2, 3}), "data type byte 0x0c", 2},
		{"type-signed", idxBytes(0x09, []uint32{3}, []byte{1, 2, 3}), "data type byte 0x09", 2},
		{"rank-2", idxBytes(0x08, []uint32{2, 2}, []byte{1, 2, 3, 4}), "rank 2", 3},
		{"rank-0", idxBytes(0x08, nil, nil), "rank 0", 3},
		{"zero-dim", idxBytes(0x08, []uint32{3, 0, 4}, nil), "dimension 1 is zero", 8},
		{"truncated-dims", idxBytes(0x08, []uint32{3, 2, 4}, nil)[:10], "truncated header", 10},
		{"huge", huge, "announce more than", 8},
		{"truncated-data", smallImages[:len(smallImages)-1], "truncated data: 23 of 24", 16 + 23},
		{"no-data", smallImages[:16], "truncated data: 0 of 24", 16},
		{"trailing", append(slices.Clone(smallLabels), 9), "trailing bytes", 8 + 3},
		{"gzip-trailing", gzipBytes(t, append(slices.Clone(smallLabels), 9, 9)), "trailing bytes", 8 + 3},
		{"gzip-truncated-data", gzipBytes(t, smallImages[:20]), "truncated data", 20},
		{"gzip-header-only", []byte{0x1f, 0x8b}, "gzip: stream truncated at compressed byte offset 2", 0},
		{"gzip-cut", gz[:len(gz)/2], "gzip: stream truncated", -2},
		{"gzip-corrupt-body", corruptBody, "gzip: compressed data corrupt", -2},
		{"gzip-bad-crc", badCRC, "gzip: data corrupt", -2},
		{"gzip-trailing-garbage", append(slices.Clone(gz), 1, 2), "gzip: file corrupt at compressed byte offset " + strconv.Itoa(len(gz)), 16 + 24},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name := "testdata/" + tc.name + ".idx"
			m, err := ReadIDX(bytes.NewReader(tc.in), name)
			if err == nil {
				t.Fatalf("no error, got %+v", m)
			}
			msg := err.Error()
			if !strings.Contains(msg, name) || !strings.Contains(msg, tc.want) {
				t.Fatalf("error %q does not contain %q and %q", msg, name, tc.want)
			}
			var fe *FormatError
			if tc.offset < 0 {
				if !strings.Contains(msg, "offset") {
					t.Fatalf("error %q has no offset", msg)
				}
				return
			}
			if !errors.As(err, &fe) {
				t.Fatalf("error %q is not a *FormatError", msg)
			}
			if (fe.Offset != tc.offset && tc.offset != -2) || fe.File != name {
				t.Fatalf("FormatError{File: %q, Offset: %d}, want %q, %d", fe.File, fe.Offset, name, tc.offset)
			}
		})
	}
	t.Run("reader-error", func(t *testing.T) {
		_, err := ReadIDX(failingReader{}, "broken.idx")
		if err == nil || !strings.Contains(err.Error(), "broken.idx") || !strings.Contains(err.Error(), "disk on fire") {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("nil-reader", func(t *testing.T) {
		if _, err := ReadIDX(nil, "nil.idx"); err == nil || !strings.Contains(err.Error(), "nil.idx") {
			t.Fatalf("error %v", err)
		}
	})
}

func TestReadIDXFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "x.idx.gz")
	if err := os.WriteFile(p, gzipBytes(t, smallLabels), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := ReadIDXFile(p)
	if err != nil || !slices.Equal(m.Data, []byte{2, 0, 5}) {
		t.Fatalf("ReadIDXFile = %v, %v", m, err)
	}
	_, err = ReadIDXFile(filepath.Join(dir, "absent"))
	if err == nil || !strings.Contains(err.Error(), "absent") {
		t.Fatalf("missing file: error %v", err)
	}
}

func TestWriteIDXErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		m    *IDX
	}{
		{"nil", nil},
		{"type", &IDX{Type: 0x0c, Dims: []int{1}, Data: []byte{1}}},
		{"rank", &IDX{Type: 8, Dims: []int{1, 1}, Data: []byte{1}}},
		{"zero-dim", &IDX{Type: 8, Dims: []int{0}}},
		{"length", &IDX{Type: 8, Dims: []int{2}, Data: []byte{1}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := WriteIDX(io.Discard, tc.m); err == nil {
				t.Fatal("no error")
			}
		})
	}
}

func TestFromIDX(t *testing.T) {
	read := func(b []byte) *IDX {
		m, err := ReadIDX(bytes.NewReader(b), "t")
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	images, labels := read(smallImages), read(smallLabels)
	s, err := FromIDX(images, labels, "small")
	if err != nil {
		t.Fatal(err)
	}
	// Classes = largest label (5) + 1, not 10.
	if s.Name != "small" || s.Len() != 3 || s.Features() != 8 || !slices.Equal(s.Shape, []int{2, 4}) || s.Classes != 6 {
		t.Fatalf("got %q len %d shape %v classes %d", s.Name, s.Len(), s.Shape, s.Classes)
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	for i, b := range seq(24) {
		if want := float32(b) / 255; s.X[i] != want {
			t.Fatalf("X[%d] = %v, want %v", i, s.X[i], want)
		}
	}
	full := read(idxBytes(8, []uint32{2, 1, 2}, []byte{0, 255, 128, 1}))
	fs, err := FromIDX(full, read(idxBytes(8, []uint32{2}, []byte{0, 0})), "edges")
	if err != nil {
		t.Fatal(err)
	}
	if fs.X[0] != 0 || fs.X[1] != 1 || fs.Classes != 1 {
		t.Fatalf("X %v classes %d, want 0 and 1 exactly, 1 class", fs.X, fs.Classes)
	}

	for _, tc := range []struct {
		name           string
		images, labels *IDX
		want           string
	}{
		{"count-mismatch", images, read(idxBytes(8, []uint32{2}, []byte{1, 2})), "3 images (t) but 2 labels (t)"},
		{"swapped", labels, images, "rank 1"},
		{"nil", nil, labels, "nil"},
		{"inconsistent", &IDX{Type: 8, Dims: []int{3, 2, 4}, Data: []byte{1}}, labels, "image bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := FromIDX(tc.images, tc.labels, "pair-"+tc.name)
			if err == nil || !strings.Contains(err.Error(), "pair-"+tc.name) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one naming the set and %q", err, tc.want)
			}
		})
	}
}

// FuzzReadIDX checks that ReadIDX either accepts a file that writes back
// to the same file or returns an error naming it, and that it never
// allocates much more than the data actually present: at most twice the
// bytes the input decompresses to, plus 1 MiB (the first payload chunk)
// and the readers' buffers.
func FuzzReadIDX(f *testing.F) {
	f.Add(smallImages)
	f.Add(smallLabels)
	f.Add(gzipBytes(f, smallImages))
	f.Add(gzipBytes(f, smallLabels))
	f.Add(smallImages[:20])
	f.Add(append(slices.Clone(smallLabels), 1))
	f.Add(idxBytes(0x08, []uint32{3, 0, 4}, nil))
	f.Add(idxBytes(0x08, []uint32{1 << 20, 1 << 12, 1 << 12}, nil))
	f.Add(idxBytes(0x0d, []uint32{1}, []byte{1, 2, 3, 4}))
	f.Add([]byte{0x1f, 0x8b, 8, 0})
	f.Add([]byte{})
	// Issue 16's cases: a corrupt deflate body and a bad CRC; gzip
	// padding, members and garbage; a label of 255; a header announcing
	// more than the maximum, and a small gzip file announcing a lot.
	gz := gzipBytes(f, idxBytes(0x08, []uint32{4, 28, 28}, digitLike(4, 1)))
	for _, pos := range []int{12, len(gz) / 2, len(gz) - 12, len(gz) - 8, len(gz) - 3} {
		bad := slices.Clone(gz)
		bad[pos] ^= 0x40
		f.Add(bad)
	}
	f.Add(append(slices.Clone(gz), make([]byte, 64)...))
	f.Add(append(slices.Clone(gz), 0, 0, 7))
	f.Add(append(gzipBytes(f, smallImages[:10]), gzipBytes(f, smallImages[10:])...))
	f.Add(gzipBytes(f, idxBytes(0x08, []uint32{3}, []byte{2, 255, 5})))
	f.Add(idxBytes(0x08, []uint32{1400000, 28, 28}, nil))
	f.Add(gzipHeaderThenZeros(f, []uint32{1, 1 << 14, 1 << 14}, 1<<20))
	f.Add(gzipHeaderThenZeros(f, []uint32{1, 256, 256}, 1<<20))
	f.Fuzz(func(t *testing.T, in []byte) {
		var m *IDX
		var err error
		got := allocated(func() { m, err = ReadIDX(bytes.NewReader(in), "fuzz") })
		present := int64(len(in))
		if len(in) >= 2 && in[0] == 0x1f && in[1] == 0x8b {
			// What the gzip stream decodes to, up to its first error.
			if zr, zerr := gzip.NewReader(bytes.NewReader(in)); zerr == nil {
				present, _ = io.Copy(io.Discard, zr)
			} else {
				present = 0
			}
		}
		if limit := uint64(2*present) + 1<<20 + 256<<10; got > limit {
			t.Fatalf("allocated %d bytes for %d bytes of data present (limit %d)", got, present, limit)
		}
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		if m.Type != 0x08 || (len(m.Dims) != 1 && len(m.Dims) != 3) {
			t.Fatalf("accepted type %#x rank %d", m.Type, len(m.Dims))
		}
		n := 1
		for _, d := range m.Dims {
			if d <= 0 {
				t.Fatalf("accepted dims %v", m.Dims)
			}
			n *= d
		}
		if n != len(m.Data) || n > MaxIDXBytes {
			t.Fatalf("dims %v but %d data bytes", m.Dims, len(m.Data))
		}
		// An accepted file writes back to a file that reads the same.
		var buf bytes.Buffer
		if err := WriteIDX(&buf, m); err != nil {
			t.Fatal(err)
		}
		m2, err := ReadIDX(&buf, "fuzz-again")
		if err != nil || !slices.Equal(m2.Dims, m.Dims) || !bytes.Equal(m2.Data, m.Data) {
			t.Fatalf("round trip: %v", err)
		}
	})
}

// FuzzFromIDX checks that a pair of files either gives a valid set of 10
// classes, every label below 10, or an error naming the set or a file.
func FuzzFromIDX(f *testing.F) {
	f.Add(smallImages, smallLabels)
	f.Add(smallImages, idxBytes(0x08, []uint32{3}, []byte{2, 255, 5}))
	f.Add(smallImages, idxBytes(0x08, []uint32{2}, []byte{2, 5}))
	f.Add(smallLabels, smallImages)
	f.Add(gzipBytes(f, smallImages), gzipBytes(f, idxBytes(0x08, []uint32{3}, []byte{9, 10, 0})))
	f.Fuzz(func(t *testing.T, img, lab []byte) {
		images, err := ReadIDX(bytes.NewReader(img), "images")
		if err != nil {
			return
		}
		labels, err := ReadIDX(bytes.NewReader(lab), "labels")
		if err != nil {
			return
		}
		s, err := FromIDXClasses(images, labels, "pair", 10)
		if err != nil {
			if msg := err.Error(); !strings.Contains(msg, "pair") && !strings.Contains(msg, "labels") {
				t.Fatalf("error %q names neither the set nor a file", msg)
			}
			return
		}
		if err := s.Validate(); err != nil || s.Classes != 10 {
			t.Fatalf("accepted a set with %d classes: %v", s.Classes, err)
		}
	})
}
