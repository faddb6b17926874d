package datasets

import (
	"bytes"
	"compress/gzip"
	"math"
	"runtime"
	"strings"
	"testing"
)

// allocated returns the bytes f allocates (runtime.MemStats.TotalAlloc,
// which counts every allocation, freed or not, so no GC is needed; other
// goroutines' allocations are counted too, a few KiB at most here).
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// gzipHeaderThenZeros is a gzip file whose content is an IDX header for
// dims followed by zeros zero bytes: a small file that decompresses to a
// large one.
func gzipHeaderThenZeros(t testing.TB, dims []uint32, zeros int) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	if _, err := zw.Write(idxBytes(0x08, dims, nil)); err != nil {
		t.Fatal(err)
	}
	block := make([]byte, 1<<20)
	for zeros > 0 {
		n := min(zeros, len(block))
		if _, err := zw.Write(block[:n]); err != nil {
			t.Fatal(err)
		}
		zeros -= n
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const mib = 1 << 20

// TestReadIDXMemory bounds what reading allocates for files whose header
// and content disagree (issue 16: a 228 KB .gz file took 1.46 GB). Reading
// allocates at most twice the announced payload plus 1 MiB, never more than
// the data actually present allows, exactly the payload for a raw file of
// known size, and nothing for a header announcing more than the maximum.
func TestReadIDXMemory(t *testing.T) {
	for _, tc := range []struct {
		name  string
		in    func(t testing.TB) []byte
		file  bool   // read with ReadIDXFile (the size is known), else from a reader
		want  string // in the error, "" for success
		limit uint64 // bytes allocated at most
	}{
		// 1.1 GB announced (over MaxIDXBytes), 32 MiB of zeros in 32 KB.
		{"over-max-gzip", func(t testing.TB) []byte { return gzipHeaderThenZeros(t, []uint32{1400000, 28, 28}, 32*mib) },
			false, "announce more than", mib / 4},
		// 64 MiB announced, 4 MiB present: allocation follows the data.
		{"truncated-gzip", func(t testing.TB) []byte { return gzipHeaderThenZeros(t, []uint32{1, 8192, 8192}, 4*mib) },
			false, "truncated data: 4194304 of 67108864", 2*4*mib + mib},
		// 16 MiB announced, 16 MiB + 48 MiB of trailing zeros present:
		// the trailing bytes are decompressed (to check the stream) but
		// not kept.
		{"trailing-gzip", func(t testing.TB) []byte { return gzipHeaderThenZeros(t, []uint32{1, 4096, 4096}, 64*mib) },
			false, "50331648 trailing bytes", 2*16*mib + mib},
		// 16 MiB announced and present, gzip: at most twice.
		{"exact-gzip", func(t testing.TB) []byte { return gzipHeaderThenZeros(t, []uint32{1, 4096, 4096}, 16*mib) },
			false, "", 2*16*mib + mib},
		// Raw files: the size is known, so a truncated one allocates
		// nothing and a whole one exactly its payload.
		{"truncated-raw", func(t testing.TB) []byte { return idxBytes(0x08, []uint32{1, 16384, 32768}, make([]byte, 1000)) },
			true, "truncated data: 1000 of 536870912", 64 << 10},
		{"exact-raw", func(t testing.TB) []byte { return idxBytes(0x08, []uint32{1, 4096, 4096}, make([]byte, 16*mib)) },
			true, "", 16*mib + 64<<10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in(t)
			var p string
			if tc.file {
				p = writeTemp(t, "x.idx", in)
			}
			var m *IDX
			var err error
			got := allocated(func() {
				if tc.file {
					m, err = ReadIDXFile(p)
				} else {
					m, err = ReadIDX(bytes.NewReader(in), "x.gz")
				}
			})
			switch {
			case tc.want == "" && err != nil:
				t.Fatal(err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
			t.Logf("%d-byte file: allocated %.1f MiB (limit %.1f MiB)", len(in), float64(got)/mib, float64(tc.limit)/mib)
			if got > tc.limit {
				t.Errorf("allocated %d bytes, want at most %d", got, tc.limit)
			}
			if m != nil && (len(m.Data) != 16*mib || cap(m.Data) != 16*mib) {
				t.Errorf("%d data bytes (capacity %d), want %d", len(m.Data), cap(m.Data), 16*mib)
			}
		})
	}
}

func TestReadIDXMaxBytes(t *testing.T) {
	in := idxBytes(0x08, []uint32{3, 2, 4}, seq(24))
	for _, tc := range []struct {
		max  int64
		want string // in the error, "" for success
	}{
		{0, ""},
		{24, ""},
		{23, "announce more than 23 bytes"},
		{-1, "MaxBytes = -1"},
	} {
		_, err := ReadIDXWith(bytes.NewReader(in), "small.idx", &IDXOptions{MaxBytes: tc.max})
		if (tc.want == "" && err != nil) || (tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "small.idx"))) {
			t.Errorf("MaxBytes %d: error %v, want %q", tc.max, err, tc.want)
		}
	}
	// A huge maximum: the product of the dimensions must not overflow.
	big := idxBytes(0x08, []uint32{1<<32 - 1, 1<<32 - 1, 1<<32 - 1}, nil)
	if _, err := ReadIDXWith(bytes.NewReader(big), "big.idx", &IDXOptions{MaxBytes: math.MaxInt64 - 1}); err == nil || !strings.Contains(err.Error(), "announce more than") {
		t.Errorf("(2^32-1)^3 announced: error %v", err)
	}
	// The default: MaxIDXBytes, 1 GiB.
	over := idxBytes(0x08, []uint32{1 << 10, 1 << 10, 1<<10 + 1}, nil)
	if _, err := ReadIDX(bytes.NewReader(over), "over.idx"); err == nil || !strings.Contains(err.Error(), "announce more than 1073741824 bytes") {
		t.Errorf("1 GiB + 1 MiB announced: error %v", err)
	}
}
