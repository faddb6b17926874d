package datasets

import (
	"bufio"
	"compress/flate"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/pkg/errors"
)

// IDX type bytes and the magic numbers of the two MNIST file kinds.
const (
	IDXUint8 byte = 0x08 // unsigned byte, the only data type ReadIDX accepts

	IDXImagesMagic uint32 = 0x00000803 // unsigned bytes, rank 3: count x rows x cols
	IDXLabelsMagic uint32 = 0x00000801 // unsigned bytes, rank 1: count
)

// MaxIDXBytes is the largest payload (the product of the dimensions) that
// ReadIDX accepts by default: 1 GiB. A header announcing more is rejected
// before anything is allocated. The largest MNIST-format set in use,
// EMNIST ByClass, has 547 MB of training images; MNIST and Fashion-MNIST
// have 47 MB. Note what the maximum means for untrusted gzip files: deflate
// compresses up to 1032:1, so a valid file of 1 MiB can hold 1 GiB of
// (constant) data, which FromIDX then turns into 4 GiB of float32 — set
// IDXOptions.MaxBytes (LoadOptions.MaxBytes) lower where that matters.
const MaxIDXBytes = 1 << 30

// IDXOptions configures ReadIDXWith. A nil *IDXOptions means the defaults.
type IDXOptions struct {
	// MaxBytes is the largest payload accepted, in bytes; a header
	// announcing more is rejected before anything is allocated. 0 means
	// MaxIDXBytes; it may be set lower or higher.
	MaxBytes int64
}

func (o *IDXOptions) maxBytes() (int64, error) {
	if o == nil || o.MaxBytes == 0 {
		return MaxIDXBytes, nil
	}
	if o.MaxBytes < 0 || o.MaxBytes > math.MaxInt-1 {
		return 0, errors.Errorf("MaxBytes = %d, want 0 (the default, %d) or a positive size", o.MaxBytes, int64(MaxIDXBytes))
	}
	return o.MaxBytes, nil
}

// IDX is the content of one IDX file: the data type byte, the dimensions from
// the header and the payload, row-major, one byte per element. Name and
// Compressed say where it came from (ReadIDX sets them; WriteIDX ignores
// them), so that FromIDX can name the file and the byte offset of a bad
// label.
type IDX struct {
	Type byte
	Dims []int
	Data []byte

	Name       string // the name given to ReadIDX
	Compressed bool   // whether the file was gzip-compressed (offsets are then decompressed ones)
}

// FormatError reports a malformed IDX file, or a corrupt gzip stream
// around one. Offset is the byte offset in the (decompressed, when
// Compressed) stream where the problem was found; errors about the gzip
// stream itself also give the offset in the compressed file in Msg. Err,
// if not nil, is the underlying error (gzip.ErrChecksum, gzip.ErrHeader, a
// flate.CorruptInputError, io.ErrUnexpectedEOF), so that errors.Is and
// errors.As see it.
type FormatError struct {
	File       string
	Offset     int64
	Compressed bool
	Msg        string
	Err        error
}

func (e *FormatError) Error() string {
	where := "byte offset"
	if e.Compressed {
		where = "decompressed byte offset"
	}
	return fmt.Sprintf("datasets: IDX file %s: %s %d: %s", e.File, where, e.Offset, e.Msg)
}

// Unwrap returns the underlying error, or nil.
func (e *FormatError) Unwrap() error { return e.Err }

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

// gzipCheckLimit bounds how much of a gzip stream ReadIDX decompresses
// (and discards) after an error in the IDX data, to tell a corrupt gzip
// stream, whose checksum fails at its end, from a well-formed file with bad
// contents. No memory is kept; it bounds the time an error takes.
const gzipCheckLimit = 64 << 20

// gzipStream decompresses a gzip file: one or more members (as cat a.gz
// b.gz makes), then either the end of the file or zero bytes to the end of
// the file (block padding, which gunzip accepts with a warning). Errors of
// the gzip layer are *gzipError values; the underlying reader's errors pass
// through unchanged.
type gzipStream struct {
	in  *byteCounter // the compressed file
	zr  *gzip.Reader
	out int64 // decompressed bytes returned
	err error // sticky: io.EOF after the last member, or the first error
}

// byteCounter counts the compressed bytes consumed. It is a flate.Reader
// (it has ReadByte), so the gzip and flate readers read from it exactly
// what they decode and no further.
type byteCounter struct {
	r *bufio.Reader
	n int64
}

func (b *byteCounter) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.n += int64(n)
	return n, err
}

func (b *byteCounter) ReadByte() (byte, error) {
	c, err := b.r.ReadByte()
	if err == nil {
		b.n++
	}
	return c, err
}

// gzipError is a corrupt gzip stream: Msg says what, In is the offset in
// the compressed file where it was found, Out the decompressed offset.
type gzipError struct {
	Msg     string
	In, Out int64
	Err     error
}

func (e *gzipError) Error() string { return e.Msg }

func newGzipStream(br *bufio.Reader) (*gzipStream, error) {
	g := &gzipStream{in: &byteCounter{r: br}}
	zr, err := gzip.NewReader(g.in)
	if err != nil {
		return nil, g.corrupt(err)
	}
	zr.Multistream(false) // members are chained by next, which allows padding
	g.zr = zr
	return g, nil
}

func (g *gzipStream) Read(p []byte) (int, error) {
	for g.err == nil {
		n, err := g.zr.Read(p)
		g.out += int64(n)
		switch {
		case err == io.EOF:
			// The end of a member, whose CRC-32 and length the gzip
			// reader has checked.
			g.err = g.next()
		case err != nil:
			g.err = g.corrupt(err)
		}
		if n > 0 || len(p) == 0 {
			return n, nil // an error is returned by the next Read
		}
	}
	return 0, g.err
}

// next moves to the next member, if any, or checks that only zero bytes
// follow the last one.
func (g *gzipStream) next() error {
	b, err := g.in.r.Peek(2)
	switch {
	case len(b) == 0 && err == io.EOF:
		return io.EOF
	case len(b) == 0:
		return err
	case len(b) == 2 && b[0] == 0x1f && b[1] == 0x8b:
		if err := g.zr.Reset(g.in); err != nil {
			return g.corrupt(err)
		}
		g.zr.Multistream(false)
		return nil
	case b[0] != 0:
		return g.garbage()
	}
	for { // zero padding, to the end of the file
		c, err := g.in.ReadByte()
		if err == io.EOF {
			return io.EOF
		}
		if err != nil {
			return err
		}
		if c != 0 {
			g.in.n-- // the offset of that byte
			return g.garbage()
		}
	}
}

func (g *gzipStream) garbage() error {
	return &gzipError{In: g.in.n, Out: g.out,
		Msg: fmt.Sprintf("gzip: file corrupt at compressed byte offset %d: data after the end of the gzip stream that is neither a gzip member nor zero padding", g.in.n)}
}

// corrupt turns an error of the gzip reader into a *gzipError, or returns
// it unchanged if it comes from the underlying reader.
func (g *gzipStream) corrupt(err error) error {
	var what, why string
	var ce flate.CorruptInputError
	switch {
	case errors.Is(err, gzip.ErrChecksum):
		what, why = "data corrupt", " (the CRC-32 or the length in a member's trailer does not match the decompressed data)"
	case errors.Is(err, gzip.ErrHeader):
		what = "header corrupt"
	case errors.As(err, &ce):
		what = "compressed data corrupt"
	case err == io.ErrUnexpectedEOF || err == io.EOF:
		what, why = "stream truncated", " (the file is incomplete or corrupt)"
		err = io.ErrUnexpectedEOF
	default:
		return err
	}
	return &gzipError{In: g.in.n, Out: g.out, Err: err,
		Msg: fmt.Sprintf("gzip: %s at compressed byte offset %d%s: %v", what, g.in.n, why, err)}
}

// check decompresses and discards the rest of the stream, up to limit
// bytes. It returns how many bytes there were, whether the stream ended
// (cleanly) within the limit, and the error that ended it otherwise.
func (g *gzipStream) check(limit int64) (n int64, ended bool, err error) {
	n, err = io.Copy(io.Discard, io.LimitReader(g, limit))
	if err != nil {
		return n, false, err
	}
	if n < limit {
		return n, true, nil
	}
	var b [1]byte
	m, err := g.Read(b[:])
	if m == 0 && err == io.EOF {
		return n, true, nil
	}
	if m == 0 && err != nil {
		return n, false, err
	}
	return n, false, nil
}

// ReadIDX reads one IDX file (http://yann.lecun.com/exdb/mnist/) from r,
// gzip-compressed or raw: a stream starting with the gzip magic bytes 1f 8b
// is decompressed. name is only used in error messages (and kept in
// IDX.Name).
//
// Only unsigned-byte data is accepted, with the two MNIST layouts: images
// (magic 0x00000803, rank 3) and labels (magic 0x00000801, rank 1). Every
// dimension must be non-zero, the payload at most MaxIDXBytes, and the data
// must have exactly the announced length: a short payload and trailing bytes
// are both errors. The header is read first; then exactly the announced
// number of bytes, then one more to detect trailing data.
//
// Memory: the payload buffer grows with the data actually read (from 1 MiB,
// doubling, capped at the announced size), so a header announcing more
// than the file holds costs little, and a whole file at most twice its
// payload, transiently. When the size of the input is known — an *os.File
// (ReadIDXFile) or a reader with a Len method, such as *bytes.Reader — and
// the file is raw, a truncated file is rejected before the payload is
// allocated and a whole one is read into a buffer of exactly its size.
//
// A gzip file may hold several members (cat a.gz b.gz), and may be followed
// by zero bytes to its end (block padding, which gunzip accepts with a
// warning); anything else after the gzip stream is an error. Every member's
// CRC-32 and length are checked. When the IDX data inside a gzip file looks
// wrong (a bad header, trailing bytes), the rest of the stream (up to 64
// MiB) is decompressed to check it, so that a corrupt gzip stream is
// reported as such rather than as the garbage it decodes to.
//
// Errors are *FormatError values (wrapped, use errors.As) naming the file,
// the problem and the byte offset; a corrupt gzip stream's message starts
// "gzip:", says "corrupt" and gives the compressed byte offset, and
// errors.Is sees the gzip or flate error (gzip.ErrChecksum, ...). A failing
// reader gives a wrapped error with the file name and offset.
// ReadIDX never allocates much more than the data actually present.
func ReadIDX(r io.Reader, name string) (*IDX, error) { return ReadIDXWith(r, name, nil) }

// ReadIDXWith is ReadIDX with options; nil means the defaults.
func ReadIDXWith(r io.Reader, name string, o *IDXOptions) (*IDX, error) {
	if r == nil {
		return nil, errors.Errorf("datasets: IDX file %s: nil reader", name)
	}
	maxBytes, err := o.maxBytes()
	if err != nil {
		return nil, errors.Wrapf(err, "datasets: IDX file %s: IDXOptions", name)
	}
	size := inputSize(r) // -1 if unknown
	br := bufio.NewReader(r)
	compressed := false
	if peek, _ := br.Peek(2); len(peek) == 2 && peek[0] == 0x1f && peek[1] == 0x8b {
		compressed = true
	}
	var src io.Reader = br
	var gz *gzipStream
	// gzerr turns a gzip layer's error into a *FormatError.
	gzerr := func(err error) error {
		var ge *gzipError
		if !errors.As(err, &ge) {
			return nil
		}
		return errors.WithStack(&FormatError{File: name, Offset: ge.Out, Compressed: true, Msg: ge.Msg, Err: ge.Err})
	}
	if compressed {
		var err error
		if gz, err = newGzipStream(br); err != nil {
			if fe := gzerr(err); fe != nil {
				return nil, fe
			}
			return nil, errors.Wrapf(err, "datasets: IDX file %s: reading the gzip header", name)
		}
		src = gz
	}
	cr := &countingReader{r: src}
	// formatErr reports a problem with the IDX data. ferr does too, but
	// inside a gzip stream it first checks the rest of the stream, and
	// reports its corruption instead if it is corrupt.
	formatErr := func(off int64, format string, args ...any) error {
		return errors.WithStack(&FormatError{File: name, Offset: off, Compressed: compressed, Msg: fmt.Sprintf(format, args...)})
	}
	ferr := func(off int64, format string, args ...any) error {
		if gz != nil {
			if _, _, err := gz.check(gzipCheckLimit); err != nil {
				if fe := gzerr(err); fe != nil {
					return fe
				}
			}
		}
		return formatErr(off, format, args...)
	}
	ioerr := func(err error, what string) error {
		if fe := gzerr(err); fe != nil {
			return fe
		}
		where := "byte offset"
		if compressed {
			where = "decompressed byte offset"
		}
		return errors.Wrapf(err, "datasets: IDX file %s: reading %s at %s %d", name, what, where, cr.n)
	}
	eof := func(err error) bool { return err == io.EOF || err == io.ErrUnexpectedEOF }

	// Magic: two zero bytes, the type byte, the rank.
	var magic [4]byte
	if n, err := io.ReadFull(cr, magic[:]); err != nil {
		if eof(err) {
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
		if eof(err) {
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
		if total > maxBytes/int64(d) { // total*d > maxBytes, without overflow
			return nil, ferr(off, "dimensions %v... announce more than %d bytes, the maximum (corrupt header? see MaxIDXBytes and IDXOptions.MaxBytes)", dims[:i+1], maxBytes)
		}
		total *= int64(d)
	}
	start := int64(4 + 4*rank)

	// Payload: exactly total bytes. With the size known (raw input), check
	// it first and allocate exactly; else grow with the data actually
	// present, never trusting the header for the allocation.
	exact := false
	if size >= 0 && !compressed {
		if avail := size - start; avail < total {
			return nil, ferr(start+avail, "truncated data: %d of %d bytes for dimensions %v", avail, total, dims)
		}
		exact = true
	}
	data, n, err := readPayload(cr, total, exact)
	if err != nil && !eof(err) {
		return nil, ioerr(err, "data")
	}
	if n < total {
		// For gzip input, the stream ended cleanly (checksums verified).
		return nil, ferr(start+n, "truncated data: %d of %d bytes for dimensions %v", n, total, dims)
	}
	// Trailing data. Inside a gzip stream, decompress the rest (up to
	// gzipCheckLimit bytes, discarded) to tell trailing bytes from a
	// corrupt stream that decodes to more bytes than it should.
	if gz != nil {
		extra, ended, err := gz.check(gzipCheckLimit)
		switch {
		case err != nil:
			return nil, ioerr(err, "the end of the gzip stream")
		case extra > 0 && ended: // the stream checked out: really trailing bytes
			return nil, formatErr(start+total, "%d trailing bytes after the %d data bytes for dimensions %v", extra, total, dims)
		case extra > 0:
			return nil, formatErr(start+total, "more than %d trailing bytes after the %d data bytes for dimensions %v (the gzip stream was not checked beyond them)", extra, total, dims)
		}
	} else {
		var one [1]byte
		if m, err := io.ReadFull(cr, one[:]); m > 0 {
			return nil, ferr(start+total, "trailing bytes after the %d data bytes for dimensions %v", total, dims)
		} else if err != nil && err != io.EOF {
			return nil, ioerr(err, "the end of the file")
		}
	}
	return &IDX{Type: magic[2], Dims: dims, Data: data, Name: name, Compressed: compressed}, nil
}

// payloadChunk is the first allocation for a payload of unknown presence.
const payloadChunk = 1 << 20

// readPayload reads total bytes from r into a buffer of exactly total
// bytes. Unless exact, the buffer starts at payloadChunk and doubles
// (capped at total) only once a byte beyond it has been read, so that it
// never exceeds twice the data present. It returns the bytes read, and the
// error that stopped it early (io.EOF or io.ErrUnexpectedEOF if the data
// ran out).
func readPayload(r io.Reader, total int64, exact bool) ([]byte, int64, error) {
	c := total
	if !exact {
		c = min(total, payloadChunk)
	}
	buf := make([]byte, c)
	var n int64
	for {
		m, err := io.ReadFull(r, buf[n:])
		n += int64(m)
		if err != nil {
			return buf[:n], n, err
		}
		if n == total {
			return buf, n, nil
		}
		var probe [1]byte // more data? only then grow
		if _, err := io.ReadFull(r, probe[:]); err != nil {
			return buf[:n], n, err
		}
		next := make([]byte, min(2*int64(len(buf)), total))
		copy(next, buf)
		next[n] = probe[0]
		n++
		buf = next
	}
}

// inputSize returns the number of bytes left in r when that is known
// cheaply (a regular *os.File, or a reader with a Len method such as
// *bytes.Reader), else -1.
func inputSize(r io.Reader) int64 {
	switch x := r.(type) {
	case *os.File:
		st, err := x.Stat()
		if err != nil || !st.Mode().IsRegular() {
			return -1
		}
		pos, err := x.Seek(0, io.SeekCurrent)
		if err != nil || pos > st.Size() {
			return -1
		}
		return st.Size() - pos
	case interface{ Len() int }:
		return int64(x.Len())
	}
	return -1
}

// ReadIDXFile opens path and reads it with ReadIDX.
func ReadIDXFile(path string) (*IDX, error) { return readIDXFile(path, nil) }

func readIDXFile(path string, o *IDXOptions) (*IDX, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, errors.Wrap(err, "datasets")
	}
	defer f.Close()
	return ReadIDXWith(f, path, o)
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
