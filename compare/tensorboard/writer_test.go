package tensorboard

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"testing"

	"github.com/pkg/errors"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
)

// TestFramingVectors checks the checksum and the record framing against
// vectors quoted in TensorBoard's own tests.
func TestFramingVectors(t *testing.T) {
	mask := func(c uint32) uint32 { return ((c >> 15) | (c << 17)) + 0xa282ead8 }
	// RFC 3720 (iSCSI), section B.4: the CRC-32C of 32 zero bytes is
	// 0x8a9136aa (also in tensorboard/data/server/masked_crc.rs).
	if got, want := maskedCRC(make([]byte, 32)), mask(0x8a9136aa); got != want {
		t.Errorf("masked CRC of 32 zeros %#08x, want %#08x", got, want)
	}
	// masked_crc.rs: Event(file_version="CRC test, one two") from a real
	// TensorFlow event file has masked CRC 0x5794d08a.
	if got := maskedCRC([]byte("\x1a\x11CRC test, one two")); got != 0x5794d08a {
		t.Errorf("masked CRC %#08x, want 0x5794d08a", got)
	}
	if got := appendVersionEvent(nil, 0); !bytes.Equal(got, []byte("\x1a\x0dbrain.Event:2")) {
		t.Errorf("version event at wall time 0: % x", got)
	}

	// tensorboard/data/server/tf_record.rs, test_success: the records of an
	// event file with tf.summary.scalar("accuracy", 0.99, step=77), dumped
	// with xxd. Record 1 is the file_version event.
	rec1 := []byte("\x18\x00\x00\x00\x00\x00\x00\x00\xa3\x7f\x4b\x22" +
		"\x09\x00\x00\x80\x38\x99\xd6\xd7\x41\x1a\x0dbrain.Event:2" + "\x12\x4b\x36\xab")
	wall := math.Float64frombits(binary.LittleEndian.Uint64(rec1[13:]))
	if got := appendRecord(nil, appendVersionEvent(nil, wall)); !bytes.Equal(got, rec1) {
		t.Errorf("file_version record at wall time %v:\n got % x\nwant % x", wall, got, rec1)
	}
	// Record 2 is a TF2 tensor summary (not a simple_value): its framing,
	// and its wall_time and step fields, are what this package writes.
	data2 := []byte("\x09\xc4\x05\xb7\x3d\x99\xd6\xd7\x41" + "\x10\x4d" +
		"\x2a\x25\x0a\x23\x0a\x08accuracy\x42\x0a\x08\x01\x12\x00\x22\x04\xa4\x70\x7d\x3f\x4a\x0b\x0a\x09\x0a\x07scalars")
	rec2 := append(append([]byte("\x32\x00\x00\x00\x00\x00\x00\x00\x24\x19\x56\xec"), data2...), "\xa5\x5b\x64\x33"...)
	if got := appendRecord(nil, data2); !bytes.Equal(got, rec2) {
		t.Errorf("record 2:\n got % x\nwant % x", got, rec2)
	}
	wall2 := math.Float64frombits(binary.LittleEndian.Uint64(data2[1:]))
	if got := appendEventHead(nil, wall2, 77); !bytes.Equal(got, data2[:11]) {
		t.Errorf("wall_time and step 77: % x, want % x", got, data2[:11])
	}
	var recs bytes.Buffer
	recs.Write(rec1)
	recs.Write(rec2)
	got := readRecords(t, recs.Bytes())
	if len(got) != 2 || !bytes.Equal(got[1], data2) {
		t.Errorf("test reader read %d records", len(got))
	}
	if e := decodeEvent(t, got[1]); e.Step != 77 || e.WallTime != wall2 || !e.HasSummary {
		t.Errorf("record 2 decodes as %+v", e)
	}
}

// TestTensorBoardFile reads the event file from TensorBoard's repository
// (testdata/README.md) and writes it again with Writer, byte for byte.
func TestTensorBoardFile(t *testing.T) {
	orig, err := os.ReadFile("testdata/end_to_end.tfevents")
	if err != nil {
		t.Fatal(err)
	}
	recs := readRecords(t, orig)
	if len(recs) != 25 { // 1 file_version + 24 scalars, see testdata/README.md
		t.Fatalf("%d records, want 25", len(recs))
	}
	var buf bytes.Buffer
	w := NewWriter(&buf)
	for i, r := range recs {
		e := decodeEvent(t, r)
		if len(e.Other)+len(e.OtherValue) > 0 {
			t.Fatalf("record %d has fields %v %v this test does not decode", i, e.Other, e.OtherValue)
		}
		if i == 0 {
			if e.FileVersion != FileVersion || e.HasSummary {
				t.Fatalf("first event %+v, want file_version %q", e, FileVersion)
			}
			if err := w.Start(e.WallTime); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if len(e.Values) != 1 || e.FileVersion != "" {
			t.Fatalf("record %d: %+v, want one scalar", i, e)
		}
		v := e.Values[0]
		if err := w.AddScalar(v.Tag, e.Step, e.WallTime, float64(v.Value)); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(buf.Bytes(), orig) {
		t.Errorf("rewritten file differs from TensorBoard's (%d vs %d bytes)", buf.Len(), len(orig))
	}
}

// eventDescriptors builds tensorboard.Event, Summary and Summary.Value
// (the fields this package writes, with their numbers and types from
// event.proto and summary.proto) as protobuf descriptors.
func eventDescriptors(t *testing.T) (event, summary, value protoreflect.MessageDescriptor) {
	t.Helper()
	opt := descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum()
	field := func(name string, num int32, typ descriptorpb.FieldDescriptorProto_Type, typeName string, oneof *int32) *descriptorpb.FieldDescriptorProto {
		f := &descriptorpb.FieldDescriptorProto{Name: proto.String(name), Number: proto.Int32(num), Label: opt,
			Type: typ.Enum(), JsonName: proto.String(name), OneofIndex: oneof}
		if typeName != "" {
			f.TypeName = proto.String(typeName)
		}
		return f
	}
	zero := proto.Int32(0)
	fd := &descriptorpb.FileDescriptorProto{
		Name: proto.String("tensorboard_test_event.proto"), Package: proto.String("tensorboard"), Syntax: proto.String("proto3"),
		MessageType: []*descriptorpb.DescriptorProto{
			{
				Name: proto.String("Event"),
				Field: []*descriptorpb.FieldDescriptorProto{
					field("wall_time", 1, descriptorpb.FieldDescriptorProto_TYPE_DOUBLE, "", nil),
					field("step", 2, descriptorpb.FieldDescriptorProto_TYPE_INT64, "", nil),
					field("file_version", 3, descriptorpb.FieldDescriptorProto_TYPE_STRING, "", zero),
					field("summary", 5, descriptorpb.FieldDescriptorProto_TYPE_MESSAGE, ".tensorboard.Summary", zero),
				},
				OneofDecl: []*descriptorpb.OneofDescriptorProto{{Name: proto.String("what")}},
			},
			{
				Name: proto.String("Summary"),
				Field: []*descriptorpb.FieldDescriptorProto{{Name: proto.String("value"), Number: proto.Int32(1),
					Label: descriptorpb.FieldDescriptorProto_LABEL_REPEATED.Enum(), Type: descriptorpb.FieldDescriptorProto_TYPE_MESSAGE.Enum(),
					TypeName: proto.String(".tensorboard.Summary.Value"), JsonName: proto.String("value")}},
				NestedType: []*descriptorpb.DescriptorProto{{
					Name: proto.String("Value"),
					Field: []*descriptorpb.FieldDescriptorProto{
						field("tag", 1, descriptorpb.FieldDescriptorProto_TYPE_STRING, "", nil),
						field("simple_value", 2, descriptorpb.FieldDescriptorProto_TYPE_FLOAT, "", zero),
					},
					OneofDecl: []*descriptorpb.OneofDescriptorProto{{Name: proto.String("value")}},
				}},
			},
		},
	}
	f, err := protodesc.NewFile(fd, nil)
	if err != nil {
		t.Fatal(err)
	}
	ms := f.Messages()
	return ms.ByName("Event"), ms.ByName("Summary"), ms.ByName("Summary").Messages().ByName("Value")
}

// TestProtobufEncoding checks that the events are the bytes protobuf's own
// deterministic serialization gives for the same messages, and that
// protobuf parses them back.
func TestProtobufEncoding(t *testing.T) {
	evd, sumd, vald := eventDescriptors(t)
	fields := func(md protoreflect.MessageDescriptor, name protoreflect.Name) protoreflect.FieldDescriptor {
		return md.Fields().ByName(name)
	}
	marshal := func(m proto.Message) []byte {
		b, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, c := range []struct {
		tag   string
		step  int64
		wall  float64
		value float32
	}{
		{"train/loss", 0, 0, 0}, // all defaults: only the oneof fields
		{"validation/loss", 1, BaseWallTime, 2.5},
		{"validation/accuracy", 1 << 40, BaseWallTime + 12.25, 0.9921875},
		{"lr", -3, -1, float32(math.Inf(1))},  // negative step: a 10-byte varint
		{"ü/κ", 77, math.Copysign(0, -1), -0}, // -0 is written, as protobuf does
		{"x", 5, 1e300, float32(math.NaN())},
	} {
		got := appendScalarEvent(nil, c.tag, c.step, c.wall, c.value)

		val := dynamicpb.NewMessage(vald)
		val.Set(fields(vald, "tag"), protoreflect.ValueOfString(c.tag))
		val.Set(fields(vald, "simple_value"), protoreflect.ValueOfFloat32(c.value))
		sum := dynamicpb.NewMessage(sumd)
		list := sum.Mutable(fields(sumd, "value")).List()
		list.Append(protoreflect.ValueOfMessage(val))
		ev := dynamicpb.NewMessage(evd)
		ev.Set(fields(evd, "wall_time"), protoreflect.ValueOfFloat64(c.wall))
		ev.Set(fields(evd, "step"), protoreflect.ValueOfInt64(c.step))
		ev.Set(fields(evd, "summary"), protoreflect.ValueOfMessage(sum))
		if want := marshal(ev); !bytes.Equal(got, want) {
			t.Errorf("%+v:\n got % x\nwant % x (protobuf)", c, got, want)
		}

		back := dynamicpb.NewMessage(evd)
		if err := proto.Unmarshal(got, back); err != nil {
			t.Fatalf("%+v: protobuf cannot parse the event: %v", c, err)
		}
		bv := back.Get(fields(evd, "summary")).Message().Get(fields(sumd, "value")).List().Get(0).Message()
		gotV := float32(bv.Get(fields(vald, "simple_value")).Float())
		if back.Get(fields(evd, "step")).Int() != c.step || math.Float64bits(back.Get(fields(evd, "wall_time")).Float()) != math.Float64bits(c.wall) ||
			bv.Get(fields(vald, "tag")).String() != c.tag || math.Float32bits(gotV) != math.Float32bits(c.value) {
			t.Errorf("%+v: protobuf reads %v", c, back)
		}
	}

	ev := dynamicpb.NewMessage(evd)
	ev.Set(fields(evd, "wall_time"), protoreflect.ValueOfFloat64(BaseWallTime))
	ev.Set(fields(evd, "file_version"), protoreflect.ValueOfString(FileVersion))
	if got, want := appendVersionEvent(nil, BaseWallTime), marshal(ev); !bytes.Equal(got, want) {
		t.Errorf("version event:\n got % x\nwant % x", got, want)
	}
}

type failWriter struct{ n int }

func (f *failWriter) Write(p []byte) (int, error) {
	if f.n == 0 {
		return 0, errors.New("disk full")
	}
	f.n--
	return len(p), nil
}

func TestWriterErrors(t *testing.T) {
	w := NewWriter(&failWriter{n: 1})
	if err := w.AddScalar("a", 1, 1, 1); err != nil { // version + scalar in one Write
		t.Fatal(err)
	}
	if err := w.AddScalar("a", 2, 2, 2); err == nil {
		t.Error("no error from a failing writer")
	}
	if err := w.WriteRecord([]byte("x")); err == nil {
		t.Error("the error is not kept")
	}
	if err := NewWriter(&bytes.Buffer{}).AddScalar("", 0, 0, 0); err == nil {
		t.Error("empty tag accepted")
	}
}

// TestWriterStartsWithVersion checks that the first AddScalar writes the
// file_version event first, with the scalar's wall time, and only once.
func TestWriterStartsWithVersion(t *testing.T) {
	var b bytes.Buffer
	w := NewWriter(&b)
	for i := range 3 {
		if err := w.AddScalar("s", int64(i), 10+float64(i), float64(i)/2); err != nil {
			t.Fatal(err)
		}
	}
	recs := readRecords(t, b.Bytes())
	if len(recs) != 4 {
		t.Fatalf("%d records, want 4", len(recs))
	}
	if e := decodeEvent(t, recs[0]); e.FileVersion != FileVersion || e.WallTime != 10 {
		t.Errorf("first event %+v", e)
	}
	for i, r := range recs[1:] {
		e := decodeEvent(t, r)
		if e.Step != int64(i) || e.WallTime != 10+float64(i) || len(e.Values) != 1 || e.Values[0] != (scalar{"s", float32(i) / 2}) {
			t.Errorf("event %d: %+v", i+1, e)
		}
	}
}
