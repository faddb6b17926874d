package tensorboard

import (
	"encoding/binary"
	"hash/crc32"
	"io"
	"math"

	"github.com/pkg/errors"
	"google.golang.org/protobuf/encoding/protowire"
)

// FileVersion is the file_version of the first event of every event file.
const FileVersion = "brain.Event:2"

// Field numbers of tensorboard.Event, Summary and Summary.Value
// (tensorboard/compat/proto/event.proto and summary.proto).
const (
	eventWallTime    protowire.Number = 1 // double
	eventStep        protowire.Number = 2 // int64
	eventFileVersion protowire.Number = 3 // string, in oneof what
	eventSummary     protowire.Number = 5 // Summary, in oneof what
	summaryValue     protowire.Number = 1 // repeated Value
	valueTag         protowire.Number = 1 // string
	valueSimpleValue protowire.Number = 2 // float, in oneof value
)

// castagnoli is the CRC-32C table of TFRecord checksums.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// maskedCRC is the CRC-32C of b, masked as TFRecord (and LevelDB) store it.
func maskedCRC(b []byte) uint32 {
	c := crc32.Checksum(b, castagnoli)
	return ((c >> 15) | (c << 17)) + 0xa282ead8
}

// appendRecord appends data framed as one TFRecord: length (uint64), masked
// CRC of the length, data, masked CRC of the data, all little-endian.
func appendRecord(dst, data []byte) []byte {
	n := len(dst)
	dst = binary.LittleEndian.AppendUint64(dst, uint64(len(data)))
	dst = binary.LittleEndian.AppendUint32(dst, maskedCRC(dst[n:]))
	dst = append(dst, data...)
	return binary.LittleEndian.AppendUint32(dst, maskedCRC(data))
}

// appendEventHead appends an Event's wall_time and step, each left out when
// 0 as proto3 does.
func appendEventHead(b []byte, wallTime float64, step int64) []byte {
	if wallTime != 0 || math.Signbit(wallTime) {
		b = protowire.AppendTag(b, eventWallTime, protowire.Fixed64Type)
		b = protowire.AppendFixed64(b, math.Float64bits(wallTime))
	}
	if step != 0 {
		b = protowire.AppendTag(b, eventStep, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(step))
	}
	return b
}

// appendVersionEvent appends a serialized Event{wall_time, file_version}.
func appendVersionEvent(b []byte, wallTime float64) []byte {
	b = appendEventHead(b, wallTime, 0)
	b = protowire.AppendTag(b, eventFileVersion, protowire.BytesType)
	return protowire.AppendString(b, FileVersion)
}

// appendScalarEvent appends a serialized
// Event{wall_time, step, summary: {value: [{tag, simple_value}]}}.
func appendScalarEvent(b []byte, tag string, step int64, wallTime float64, value float32) []byte {
	var v []byte
	v = protowire.AppendTag(v, valueTag, protowire.BytesType)
	v = protowire.AppendString(v, tag)
	v = protowire.AppendTag(v, valueSimpleValue, protowire.Fixed32Type)
	v = protowire.AppendFixed32(v, math.Float32bits(value))
	var s []byte
	s = protowire.AppendTag(s, summaryValue, protowire.BytesType)
	s = protowire.AppendBytes(s, v)
	b = appendEventHead(b, wallTime, step)
	b = protowire.AppendTag(b, eventSummary, protowire.BytesType)
	return protowire.AppendBytes(b, s)
}

// Writer writes one TensorBoard event file (one run) to an io.Writer:
// each call writes whole records with a single Write. The first record is
// the file_version event, written before the first scalar with that
// scalar's wall time. A Writer does no buffering of its own and is not
// safe for concurrent use; after an error every call returns that error.
type Writer struct {
	w       io.Writer
	started bool
	buf     []byte
	err     error
}

// NewWriter returns a Writer that writes an event file to w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// AddScalar writes one Event holding one simple_value scalar: tag at step,
// with wallTime in seconds since the Unix epoch. The value is stored as a
// float32 (TensorBoard's simple_value); NaN is written as it is, so skip
// missing values before calling.
func (w *Writer) AddScalar(tag string, step int64, wallTime float64, value float64) error {
	if w.err != nil {
		return w.err
	}
	if tag == "" {
		return errors.New("tensorboard: AddScalar: empty tag")
	}
	w.buf = w.buf[:0]
	if !w.started {
		w.buf = appendRecord(w.buf, appendVersionEvent(nil, wallTime))
	}
	w.buf = appendRecord(w.buf, appendScalarEvent(nil, tag, step, wallTime, float32(value)))
	return w.write()
}

// Start writes the file_version event with the given wall time, if no
// record has been written yet; AddScalar does so itself otherwise. A file
// that holds no scalar but is to be recognized by TensorBoard needs it.
func (w *Writer) Start(wallTime float64) error {
	if w.err != nil || w.started {
		return w.err
	}
	w.buf = appendRecord(w.buf[:0], appendVersionEvent(nil, wallTime))
	return w.write()
}

// WriteRecord writes data, a serialized tensorboard.Event of the caller's
// making, framed as one TFRecord. It writes no file_version event, and a
// later AddScalar writes none either: a caller that starts with
// WriteRecord writes the file_version event itself (or calls Start first).
func (w *Writer) WriteRecord(data []byte) error {
	if w.err != nil {
		return w.err
	}
	w.buf = appendRecord(w.buf[:0], data)
	return w.write()
}

func (w *Writer) write() error {
	w.started = true
	if _, err := w.w.Write(w.buf); err != nil {
		w.err = errors.Wrap(err, "tensorboard: writing event file")
	}
	return w.err
}
