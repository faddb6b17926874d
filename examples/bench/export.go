package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/convergo/convergo/datasets"
	"github.com/pkg/errors"
	"gorgonia.org/tensor"
)

// ExportFormat names the layout -export writes, in the manifest's "format".
const ExportFormat = "convergo-bench-init/1"

// Manifest is DIR/manifest.json, written by -export DIR.
type Manifest struct {
	Format   string        `json:"format"`
	Seed     uint64        `json:"seed"`
	Batch    int           `json:"batch"`
	Epochs   int           `json:"epochs"`
	TrainLen int           `json:"train_len"` // rows trained on (after -limit): the first TrainLen of the train set
	Params   []ExportParam `json:"params"`
	Order    ExportArray   `json:"order"`
}

// ExportParam is one tensor of the model's Store.
type ExportParam struct {
	Name string `json:"name"`
	ExportArray
}

// ExportArray is one .npy file in the export directory.
type ExportArray struct {
	File  string `json:"file"`
	Dtype string `json:"dtype"` // numpy descr: "<f4", "<i8"
	Shape []int  `json:"shape"`
}

// exportDir creates dir (and its parents) if need be, so that an
// unwritable -export fails before the data is loaded.
func exportDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return errors.Wrap(err, "-export")
	}
	return nil
}

// export writes, for seed, the initial weights of the benchmark's model
// and the batch order of epochs 1…epochs into dir (see the package doc).
func export(dir string, train *datasets.Set, seed uint64, epochs int) error {
	m, err := newModel(train, seed)
	if err != nil {
		return err
	}
	defer m.Close()
	man := Manifest{Format: ExportFormat, Seed: seed, Batch: batchSize, Epochs: epochs, TrainLen: train.Len()}
	store := m.Store()
	for _, name := range store.Names() {
		t := store.Tensor(name)
		if t.Dtype() != tensor.Float32 {
			return errors.Errorf("-export: %s is %v, want float32", name, t.Dtype())
		}
		a := ExportArray{File: fileName(name) + ".npy", Dtype: "<f4", Shape: []int(t.Shape().Clone())}
		if err := writeNPY(filepath.Join(dir, a.File), a, t.Data().([]float32)); err != nil {
			return err
		}
		man.Params = append(man.Params, ExportParam{Name: name, ExportArray: a})
	}
	order, err := batchOrder(train, seed, epochs)
	if err != nil {
		return err
	}
	man.Order = ExportArray{File: "order.npy", Dtype: "<i8", Shape: []int{epochs, len(order) / (epochs * batchSize), batchSize}}
	if err := writeNPY(filepath.Join(dir, man.Order.File), man.Order, order); err != nil {
		return err
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // "<f4", not "\u003cf4"
	enc.SetIndent("", "  ")
	if err := enc.Encode(man); err != nil {
		return err
	}
	return errors.Wrap(os.WriteFile(filepath.Join(dir, "manifest.json"), b.Bytes(), 0o644), "-export")
}

// batchOrder returns the row indices graph.Trainer's Batcher yields in
// epochs 1…epochs, batch after batch: Trainer.Fit makes its Batcher with
// these options and calls Reset(epoch−1) before each epoch.
func batchOrder(train *datasets.Set, seed uint64, epochs int) ([]int64, error) {
	b, err := datasets.NewBatcher(train, datasets.BatchOptions{Size: batchSize, Shuffle: true, DropLast: true, Seed: seed})
	if err != nil {
		return nil, err
	}
	n := b.NumBatches() * batchSize
	out := make([]int64, 0, epochs*n)
	for e := range epochs {
		b.Reset(e)
		for _, i := range b.Order()[:n] {
			out = append(out, int64(i))
		}
	}
	return out, nil
}

// fileName turns a parameter name into a file name ("dense0.W" stays).
func fileName(name string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == 0 {
			return '_'
		}
		return r
	}, name)
}

// writeNPY writes data ([]float32 or []int64) as a version 1.0 .npy file
// (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html):
// C order, little-endian, the shape and dtype of a.
func writeNPY(path string, a ExportArray, data any) error {
	var buf bytes.Buffer
	buf.WriteString(npyHeader(a.Dtype, a.Shape))
	if err := binary.Write(&buf, binary.LittleEndian, data); err != nil {
		return err
	}
	return errors.Wrap(os.WriteFile(path, buf.Bytes(), 0o644), "-export")
}

// npyHeader is the magic string, version, header length and the header
// dictionary, padded with spaces and a newline to a multiple of 64 bytes.
func npyHeader(descr string, shape []int) string {
	dims := make([]string, len(shape))
	for i, d := range shape {
		dims[i] = fmt.Sprint(d)
	}
	s := strings.Join(dims, ", ")
	if len(shape) == 1 {
		s += ","
	}
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': (%s), }", descr, s)
	const pre = 10 // "\x93NUMPY", 2 version bytes, 2 length bytes
	pad := 64 - (pre+len(dict)+1)%64
	if pad == 64 {
		pad = 0
	}
	dict += strings.Repeat(" ", pad) + "\n"
	n := len(dict)
	return "\x93NUMPY\x01\x00" + string([]byte{byte(n), byte(n >> 8)}) + dict
}
