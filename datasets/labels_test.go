package datasets

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// mnistDir writes an MNIST-layout directory: 3 train and 2 test images of
// 2x4 pixels, with the given labels (the train labels file gzipped).
func mnistDir(t *testing.T, trainLabels, testLabels []byte) string {
	t.Helper()
	dir := t.TempDir()
	for name, b := range map[string][]byte{
		TrainImagesFile + ".gz": gzipBytes(t, smallImages),
		TrainLabelsFile + ".gz": gzipBytes(t, idxBytes(8, []uint32{uint32(len(trainLabels))}, trainLabels)),
		TestImagesFile:          idxBytes(8, []uint32{2, 2, 4}, seq(16)),
		TestLabelsFile:          idxBytes(8, []uint32{uint32(len(testLabels))}, testLabels),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestLoadDirBadLabel: one label byte set to 255 (issue 16) used to give a
// 256-class problem, trained without complaint. LoadDir's sets have 10
// classes, and a label outside them is an error naming the file, the
// record, its byte offset and the value.
func TestLoadDirBadLabel(t *testing.T) {
	for _, tc := range []struct {
		name          string
		train, test   []byte
		file          string
		record        string
		offset        int64
		compressed    bool
		value, reason string
	}{
		{"train-255", []byte{2, 255, 5}, []byte{1, 0}, TrainLabelsFile + ".gz", "record 1", 9, true, "label 255", "[0, 10)"},
		{"test-10", []byte{2, 0, 5}, []byte{1, 10}, TestLabelsFile, "record 1", 9, false, "label 10", "[0, 10)"},
		{"train-first", []byte{200, 0, 5}, []byte{1, 0}, TrainLabelsFile + ".gz", "record 0", 8, true, "label 200", "[0, 10)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := mnistDir(t, tc.train, tc.test)
			train, _, err := LoadDir(dir)
			if err == nil {
				t.Fatalf("no error; train set has %d classes", train.Classes)
			}
			msg := err.Error()
			for _, want := range []string{filepath.Join(dir, tc.file), tc.record, tc.value, tc.reason} {
				if !strings.Contains(msg, want) {
					t.Fatalf("error %q does not contain %q", msg, want)
				}
			}
			var fe *FormatError
			if !errors.As(err, &fe) || fe.File != filepath.Join(dir, tc.file) || fe.Offset != tc.offset || fe.Compressed != tc.compressed {
				t.Fatalf("error %q: want a *FormatError for %s at offset %d (compressed %v), got %+v", msg, tc.file, tc.offset, tc.compressed, fe)
			}
		})
	}
}

// TestLoadDirClasses: the sets of an MNIST-format directory have 10
// classes, whatever labels happen to occur (the test part may lack some).
func TestLoadDirClasses(t *testing.T) {
	train, test, err := LoadDir(mnistDir(t, []byte{2, 0, 5}, []byte{7, 1}))
	if err != nil {
		t.Fatal(err)
	}
	if train.Classes != 10 || test.Classes != 10 {
		t.Fatalf("classes %d and %d, want 10", train.Classes, test.Classes)
	}
}

func TestLoadDirWith(t *testing.T) {
	dir := mnistDir(t, []byte{2, 12, 5}, []byte{1, 0})
	if _, _, err := LoadDir(dir); err == nil || !strings.Contains(err.Error(), "label 12 out of range [0, 10)") {
		t.Fatalf("LoadDir: error %v", err)
	}
	train, test, err := LoadDirWith(dir, &LoadOptions{Classes: 13})
	if err != nil {
		t.Fatal(err)
	}
	if train.Classes != 13 || test.Classes != 13 {
		t.Fatalf("classes %d and %d, want 13", train.Classes, test.Classes)
	}
	if err := train.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		o    *LoadOptions
		want string
	}{
		{&LoadOptions{Classes: 12}, "label 12 out of range [0, 12)"},
		{&LoadOptions{Classes: -1}, "LoadOptions.Classes = -1"},
		{&LoadOptions{Classes: 257}, "LoadOptions.Classes = 257"},
		{&LoadOptions{Classes: 13, MaxBytes: 20}, TrainImagesFile + ".gz: decompressed byte offset 12: dimensions [3 2 4]... announce more than 20 bytes"},
	} {
		if _, _, err := LoadDirWith(dir, tc.o); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want %q", *tc.o, err, tc.want)
		}
	}
}

func TestFromIDXClasses(t *testing.T) {
	images := &IDX{Type: 8, Dims: []int{3, 2, 4}, Data: seq(24)}
	labels := &IDX{Type: 8, Dims: []int{3}, Data: []byte{2, 0, 5}, Name: "labels.idx"}
	s, err := FromIDXClasses(images, labels, "small", 10)
	if err != nil {
		t.Fatal(err)
	}
	if s.Classes != 10 || s.Validate() != nil {
		t.Fatalf("classes %d, want 10 (FromIDX: %d)", s.Classes, 6)
	}
	// FromIDX still computes the class count.
	if s, err := FromIDX(images, labels, "small"); err != nil || s.Classes != 6 {
		t.Fatalf("FromIDX: %v, %v", s, err)
	}
	for _, tc := range []struct {
		labels  *IDX
		classes int
		want    string
	}{
		{labels, 5, "datasets: IDX file labels.idx: byte offset 10: record 2 of 3: label 5 out of range [0, 5) for set small with 5 classes"},
		{&IDX{Type: 8, Dims: []int{3}, Data: []byte{2, 255, 5}, Compressed: true}, 10,
			"datasets: IDX file (labels of small): decompressed byte offset 9: record 1 of 3: label 255 out of range [0, 10)"},
		{labels, 0, "classes = 0, want 1 to 256"},
		{labels, 257, "classes = 257, want 1 to 256"},
	} {
		_, err := FromIDXClasses(images, tc.labels, "small", tc.classes)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("classes %d: error %v, want %q", tc.classes, err, tc.want)
		}
	}
}
