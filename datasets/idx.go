package datasets

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"os"

	"github.com/pkg/errors"
)

// IDX type bytes and the magic numbers of the two MNIST file kinds.
const (
	IDXUint8 byte = 0x08 // unsigned byte, the only data type ReadIDX accepts

	IDXImagesMagic uint32 = 0x00000803 // unsigned bytes, rank 3: count x rows x cols
	IDXLabelsMagic uint32 = 0x00000801 // unsigned bytes, rank 1: count
)

// MaxIDXBytes is the largest payload ReadIDX accepts (2 GiB). A header
// announcing more is rejected before anything is allocated.
const MaxIDXBytes = 1 << 31

// IDX is the content of one IDX file: the data type byte, the dimensions from
// the header and the payload, row-major, one byte per element.
type IDX struct {
	Type byte
	Dims []int
	Data []byte
}

// FormatError reports a malformed IDX file. Offset is the byte offset in the
// (decompressed, when Compressed) stream where the problem was found.
type FormatError struct {
	File       string
	Offset     int64
	Compressed bool
	Msg        string
}

func (e *FormatError) Error() string {
	where := "byte offset"
	if e.Compressed {
		where = "decompressed byte offset"
	}
	return fmt.Sprintf("datasets: IDX file %s: %s %d: %s", e.File, where, e.Offset, e.Msg)
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// ReadIDX reads one IDX file (http://yann.lecun.com/exdb/mnist/) from r,
// gzip-compressed or raw: a stream starting with the gzip magic bytes 1f 8b
// is decompressed. name is only used in error messages.
//
// Only unsigned-byte data is accepted, with the two MNIST layouts: images
// (magic 0x00000803, rank 3) and labels (magic 0x00000801, rank 1). Every
// dimension must be non-zero, the payload at most MaxIDXBytes, and the data
// must have exactly the announced length: a short payload and trailing bytes
// are both errors. Errors are *FormatError values (wrapped, use errors.As)
// naming the file, the problem and the byte offset; a failing reader or a
// corrupt gzip stream gives a wrapped error with the same information.
// ReadIDX never allocates much more than the data actually present.
func ReadIDX(r io.Reader, name string) (*IDX, error) {
	if r == nil {
		return nil, errors.Errorf("datasets: IDX file %s: nil reader", name)
	}
	br := bufio.NewReader(r)
	compressed := false
	if peek, _ := br.Peek(2); len(peek) == 2 && peek[0] == 0x1f && peek[1] == 0x8b {
		compressed = true
	}
	var src io.Reader = br
	if compressed {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, errors.Wrapf(err, "datasets: IDX file %s: corrupt gzip header at byte offset 0", name)
		}
		defer zr.Close()
		src = zr
	}
	cr := &countingReader{r: src}
	ferr := func(off int64, format string, args ...any) error {
		return errors.WithStack(&FormatError{File: name, Offset: off, Compressed: compressed, Msg: fmt.Sprintf(format, args...)})
	}
	ioerr := func(err error, what string) error {
		if compressed {
			return errors.Wrapf(err, "datasets: IDX file %s: reading %s at decompressed byte offset %d (corrupt gzip stream?)", name, what, cr.n)
		}
		return errors.Wrapf(err, "datasets: IDX file %s: reading %s at byte offset %d", name, what, cr.n)
	}

	// Magic: two zero bytes, the type byte, the rank.
	var magic [4]byte
	if n, err := io.ReadFull(cr, magic[:]); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			if n == 0 {
				return nil, ferr(0, "empty file, want a 4-byte magic number")
			}
			return nil, ferr(int64(n), "truncated header: %d of 4 magic bytes", n)
		}
		return nil, ioerr(err, "magic number")
	}
	if magic[0] != 0 || magic[1] != 0 {
		return nil, ferr(0, "bad magic number %#08x: first two bytes must be zero (not an IDX file?)", binary.BigEndian.Uint32(magic[:]))
	}
	if magic[2] != IDXUint8 {
		return nil, ferr(2, "unsupported data type byte %#02x, only unsigned bytes (0x08) are supported", magic[2])
	}
	rank := int(magic[3])
	if rank != 1 && rank != 3 {
		return nil, ferr(3, "unsupported rank %d, want 3 (images, magic 0x00000803) or 1 (labels, magic 0x00000801)", rank)
	}

	// Dimensions, 4-byte big-endian each.
	hdr := make([]byte, 4*rank)
	if n, err := io.ReadFull(cr, hdr); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return nil, ferr(4+int64(n), "truncated header: %d of %d dimension bytes", n, len(hdr))
		}
		return nil, ioerr(err, "dimensions")
	}
	dims := make([]int, rank)
	total := int64(1)
	for i := range dims {
		d := binary.BigEndian.Uint32(hdr[4*i:])
		off := int64(4 + 4*i)
		if d == 0 {
			return nil, ferr(off, "dimension %d is zero", i)
		}
		dims[i] = int(d)
		total *= int64(d) // at most (2^31)^2 before the check below: no overflow
		if total > MaxIDXBytes {
			return nil, ferr(off, "dimensions %v... announce more than %d bytes (corrupt header?)", dims[:i+1], int64(MaxIDXBytes))
		}
	}
	start := int64(4 + 4*rank)

	// Payload: grow with the data actually present, never trust the header
	// for the allocation, and read one byte more to detect trailing data.
	var buf bytes.Buffer
	buf.Grow(int(min(total+1, 1<<20)))
	n, err := buf.ReadFrom(io.LimitReader(cr, total+1))
	if err != nil {
		return nil, ioerr(err, "data")
	}
	switch {
	case n < total:
		return nil, ferr(start+n, "truncated data: %d of %d bytes for dimensions %v", n, total, dims)
	case n > total:
		return nil, ferr(start+total, "trailing bytes after the %d data bytes for dimensions %v", total, dims)
	}
	// For gzip input, reaching the end of the data means the gzip reader
	// returned io.EOF, which it does only after verifying the checksum.
	data := buf.Bytes()
	return &IDX{Type: magic[2], Dims: dims, Data: data[:total:total]}, nil
}

// ReadIDXFile opens path and reads it with ReadIDX.
func ReadIDXFile(path string) (*IDX, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, errors.Wrap(err, "datasets")
	}
	defer f.Close()
	return ReadIDX(f, path)
}

// WriteIDX writes m to w as a raw (uncompressed) IDX file. It checks that m
// is consistent (ReadIDX accepts the result).
func WriteIDX(w io.Writer, m *IDX) error {
	if m == nil {
		return errors.New("datasets: WriteIDX: nil IDX")
	}
	if m.Type != IDXUint8 {
		return errors.Errorf("datasets: WriteIDX: data type %#02x, only 0x08 is supported", m.Type)
	}
	if len(m.Dims) != 1 && len(m.Dims) != 3 {
		return errors.Errorf("datasets: WriteIDX: rank %d, want 1 or 3", len(m.Dims))
	}
	total := 1
	for _, d := range m.Dims {
		if d <= 0 || d > 1<<31-1 {
			return errors.Errorf("datasets: WriteIDX: bad dimension %d in %v", d, m.Dims)
		}
		total *= d
		if total > MaxIDXBytes {
			return errors.Errorf("datasets: WriteIDX: dimensions %v exceed %d bytes", m.Dims, MaxIDXBytes)
		}
	}
	if total != len(m.Data) {
		return errors.Errorf("datasets: WriteIDX: %d data bytes for dimensions %v, want %d", len(m.Data), m.Dims, total)
	}
	hdr := make([]byte, 4+4*len(m.Dims))
	hdr[2], hdr[3] = m.Type, byte(len(m.Dims))
	for i, d := range m.Dims {
		binary.BigEndian.PutUint32(hdr[4+4*i:], uint32(d))
	}
	if _, err := w.Write(hdr); err != nil {
		return errors.Wrap(err, "datasets: WriteIDX")
	}
	if _, err := w.Write(m.Data); err != nil {
		return errors.Wrap(err, "datasets: WriteIDX")
	}
	return nil
}
