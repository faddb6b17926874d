package tensorboard

import (
	"encoding/binary"
	"hash/crc32"
	"math"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

// This file is an independent reader of event files for the tests: it
// checks each record's framing and both checksums with hash/crc32 and
// decodes the Event messages with protowire.

// readRecords splits an event file into the data of its records, failing
// the test on a bad length, a bad checksum or trailing bytes.
func readRecords(t *testing.T, b []byte) [][]byte {
	t.Helper()
	tab := crc32.MakeTable(crc32.Castagnoli)
	mask := func(c uint32) uint32 { return ((c >> 15) | (c << 17)) + 0xa282ead8 }
	var out [][]byte
	for off := 0; off < len(b); {
		if len(b)-off < 12 {
			t.Fatalf("offset %d: %d bytes left, a record header is 12", off, len(b)-off)
		}
		n := binary.LittleEndian.Uint64(b[off:])
		if got, want := binary.LittleEndian.Uint32(b[off+8:]), mask(crc32.Checksum(b[off:off+8], tab)); got != want {
			t.Fatalf("offset %d: length CRC %#08x, want %#08x", off, got, want)
		}
		if n > uint64(len(b)-off-16) {
			t.Fatalf("offset %d: length %d runs past the end (%d bytes)", off, n, len(b))
		}
		data := b[off+12 : off+12+int(n)]
		if got, want := binary.LittleEndian.Uint32(b[off+12+int(n):]), mask(crc32.Checksum(data, tab)); got != want {
			t.Fatalf("offset %d: data CRC %#08x, want %#08x", off, got, want)
		}
		out = append(out, data)
		off += 16 + int(n)
	}
	return out
}

// scalar is one Summary.Value with a simple_value.
type scalar struct {
	Tag   string
	Value float32
}

// decodedEvent is what the tests read of a tensorboard.Event.
type decodedEvent struct {
	WallTime    float64
	Step        int64
	FileVersion string
	HasSummary  bool
	Values      []scalar
	Other       []protowire.Number // Event fields not decoded above
	OtherValue  []protowire.Number // Summary.Value fields other than tag and simple_value
}

// decodeEvent decodes a serialized tensorboard.Event.
func decodeEvent(t *testing.T, b []byte) decodedEvent {
	t.Helper()
	var e decodedEvent
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			t.Fatalf("bad tag: %v", protowire.ParseError(n))
		}
		switch {
		case num == 1 && typ == protowire.Fixed64Type:
			v, m := protowire.ConsumeFixed64(b[n:])
			checkN(t, m)
			e.WallTime = math.Float64frombits(v)
			n += m
		case num == 2 && typ == protowire.VarintType:
			v, m := protowire.ConsumeVarint(b[n:])
			checkN(t, m)
			e.Step = int64(v)
			n += m
		case num == 3 && typ == protowire.BytesType:
			v, m := protowire.ConsumeString(b[n:])
			checkN(t, m)
			e.FileVersion = v
			n += m
		case num == 5 && typ == protowire.BytesType:
			v, m := protowire.ConsumeBytes(b[n:])
			checkN(t, m)
			e.HasSummary = true
			vals, other := decodeSummary(t, v)
			e.Values = append(e.Values, vals...)
			e.OtherValue = append(e.OtherValue, other...)
			n += m
		default:
			m := protowire.ConsumeFieldValue(num, typ, b[n:])
			checkN(t, m)
			e.Other = append(e.Other, num)
			n += m
		}
		b = b[n:]
	}
	return e
}

func decodeSummary(t *testing.T, b []byte) (out []scalar, other []protowire.Number) {
	t.Helper()
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeField(b)
		checkN(t, n)
		if num != 1 || typ != protowire.BytesType {
			t.Fatalf("Summary field %d (type %d), want only value = 1", num, typ)
		}
		_, _, tn := protowire.ConsumeTag(b)
		v, _ := protowire.ConsumeBytes(b[tn:])
		var s scalar
		for len(v) > 0 {
			num, typ, m := protowire.ConsumeTag(v)
			checkN(t, m)
			switch {
			case num == 1 && typ == protowire.BytesType:
				str, k := protowire.ConsumeString(v[m:])
				checkN(t, k)
				s.Tag = str
				m += k
			case num == 2 && typ == protowire.Fixed32Type:
				x, k := protowire.ConsumeFixed32(v[m:])
				checkN(t, k)
				s.Value = math.Float32frombits(x)
				m += k
			default:
				k := protowire.ConsumeFieldValue(num, typ, v[m:])
				checkN(t, k)
				other = append(other, num)
				m += k
			}
			v = v[m:]
		}
		out = append(out, s)
		b = b[n:]
	}
	return out, other
}

func checkN(t *testing.T, n int) {
	t.Helper()
	if n < 0 {
		t.Fatalf("protowire: %v", protowire.ParseError(n))
	}
}
