package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/convergo/convergo/datasets"
	"github.com/convergo/convergo/examples/internal/clitest"
)

// TestOutput runs a tiny benchmark (1,024 training samples, 2 epochs) and
// checks the JSON lines the README and scripts/bench/run.sh rely on.
func TestOutput(t *testing.T) {
	if _, err := os.Stat(DefaultData); err != nil {
		t.Skipf("Fashion-MNIST not installed (%v): apt-get install -y dataset-fashion-mnist", err)
	}
	var out, errOut bytes.Buffer
	if err := run(t.Context(), []string{"-epochs", "2", "-limit", "1024"}, &out, &errOut); err != nil {
		t.Fatal(err, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	want := [][2]string{{"convergo", "sgd"}, {"gorgonia", "sgd"}, {"convergo", "adam"}, {"gorgonia", "adam"}}
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(want), out.String())
	}
	for i, l := range lines {
		var r map[string]any
		dec := json.NewDecoder(strings.NewReader(l))
		dec.UseNumber()
		if err := dec.Decode(&r); err != nil {
			t.Fatalf("line %d: %v: %s", i, err, l)
		}
		keys := []string{"system", "blas", "gemm", "threads", "solver", "dtype", "epoch_s", "samples_per_s", "test_acc", "bytes_per_step", "allocs_per_step"}
		if len(r) != len(keys) {
			t.Errorf("line %d has keys %v, want %v", i, r, keys)
		}
		for _, k := range keys {
			if _, ok := r[k]; !ok {
				t.Errorf("line %d: no %q", i, k)
			}
		}
		if r["system"] != want[i][0] || r["solver"] != want[i][1] || r["dtype"] != "float32" {
			t.Errorf("line %d: %s, want system %s solver %s", i, l, want[i][0], want[i][1])
		}
		acc, _ := r["test_acc"].(json.Number).Float64()
		if acc < 0.3 { // 10 classes: chance is 0.1; 16 steps of SGD or Adam get well above 0.3
			t.Errorf("line %d: test_acc %v", i, acc)
		}
	}
}

// TestExport writes the initial weights and batch orders of a small run
// (-systems none: no training) and reads them back: every tensor of the
// model's Store with its name, shape and values, and per epoch the rows the
// Trainer's Batcher yields.
func TestExport(t *testing.T) {
	if _, err := os.Stat(DefaultData); err != nil {
		t.Skipf("Fashion-MNIST not installed (%v): apt-get install -y dataset-fashion-mnist", err)
	}
	const limit, epochs, seed = 1000, 2, 7
	dir := filepath.Join(t.TempDir(), "new", "init") // created by -export
	var out, errOut bytes.Buffer
	args := []string{"-systems", "none", "-export", dir, "-limit", strconv.Itoa(limit), "-epochs", strconv.Itoa(epochs), "-seed", strconv.Itoa(seed)}
	if err := run(t.Context(), args, &out, &errOut); err != nil {
		t.Fatal(err, errOut.String())
	}
	if out.Len() != 0 {
		t.Errorf("-systems none printed %q", out.String())
	}
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var man Manifest
	if err := json.Unmarshal(b, &man); err != nil {
		t.Fatal(err)
	}
	if man.Format != ExportFormat || man.Seed != seed || man.Batch != batchSize || man.Epochs != epochs || man.TrainLen != limit {
		t.Errorf("manifest %+v", man)
	}

	train, _, err := datasets.LoadDir(DefaultData)
	if err != nil {
		t.Fatal(err)
	}
	if train, err = train.Head(limit); err != nil {
		t.Fatal(err)
	}
	m, err := newModel(train, seed)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	store := m.Store()
	var names []string
	for _, p := range man.Params {
		names = append(names, p.Name)
		want := store.Tensor(p.Name)
		if want == nil {
			t.Errorf("%s: not in the Store", p.Name)
			continue
		}
		shape, raw := readNPY(t, filepath.Join(dir, p.File), "<f4")
		if !slices.Equal(shape, p.Shape) || !slices.Equal(shape, []int(want.Shape())) {
			t.Errorf("%s: shape %v in the file, %v in the manifest, %v in the Store", p.Name, shape, p.Shape, want.Shape())
			continue
		}
		got := make([]float32, len(raw)/4)
		if _, err := binary.Decode(raw, binary.LittleEndian, got); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want.Data().([]float32)) {
			t.Errorf("%s: values differ from the Store's", p.Name)
		}
	}
	if !slices.Equal(names, store.Names()) {
		t.Errorf("params %v, want the Store's %v", names, store.Names())
	}

	steps := limit / batchSize // 7: the last 104 rows are dropped
	shape, raw := readNPY(t, filepath.Join(dir, man.Order.File), "<i8")
	if want := []int{epochs, steps, batchSize}; !slices.Equal(shape, want) || !slices.Equal(man.Order.Shape, want) {
		t.Fatalf("order shape %v in the file, %v in the manifest, want %v", shape, man.Order.Shape, want)
	}
	order := make([]int64, len(raw)/8)
	if _, err := binary.Decode(raw, binary.LittleEndian, order); err != nil {
		t.Fatal(err)
	}
	// The rows the Trainer's Batcher copies out are the exported rows.
	bt, err := datasets.NewBatcher(train, datasets.BatchOptions{Size: batchSize, Shuffle: true, DropLast: true, Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	f := train.Features()
	x, y := make([]float32, batchSize*f), make([]int, batchSize)
	for e := range epochs {
		bt.Reset(e)
		seen := map[int64]bool{}
		for s := range steps {
			if n, ok := bt.Next(x, y); !ok || n != batchSize {
				t.Fatalf("epoch %d batch %d: Next = %d, %v", e, s, n, ok)
			}
			for k := range batchSize {
				i := order[(e*steps+s)*batchSize+k]
				seen[i] = true
				if i < 0 || i >= limit || !slices.Equal(x[k*f:(k+1)*f], train.X[int(i)*f:int(i+1)*f]) || y[k] != train.Y[i] {
					t.Fatalf("epoch %d batch %d row %d: exported index %d is not the row the Batcher yields", e, s, k, i)
				}
			}
		}
		if len(seen) != steps*batchSize {
			t.Errorf("epoch %d: %d distinct indices, want %d", e, len(seen), steps*batchSize)
		}
	}
	if slices.Equal(order[:steps*batchSize], order[steps*batchSize:]) {
		t.Error("epochs 1 and 2 have the same order")
	}
}

var npyDict = regexp.MustCompile(`^\{'descr': '([<>|][a-z][0-9]+)', 'fortran_order': False, 'shape': \(([0-9, ]*)\), \} *\n$`)

// readNPY reads a version 1.0 .npy file of dtype descr and returns its
// shape and raw data.
func readNPY(t *testing.T, path, descr string) (shape []int, data []byte) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 10 || string(b[:8]) != "\x93NUMPY\x01\x00" {
		t.Fatalf("%s: not a version 1.0 .npy file", path)
	}
	n := 10 + int(binary.LittleEndian.Uint16(b[8:10]))
	if n%64 != 0 || n > len(b) {
		t.Fatalf("%s: header of %d bytes, want a multiple of 64", path, n)
	}
	sm := npyDict.FindStringSubmatch(string(b[10:n]))
	if sm == nil || sm[1] != descr {
		t.Fatalf("%s: header %q, want descr %q", path, b[10:n], descr)
	}
	size := 1
	for d := range strings.SplitSeq(sm[2], ",") {
		if d = strings.TrimSpace(d); d == "" {
			continue
		}
		v, err := strconv.Atoi(d)
		if err != nil {
			t.Fatal(err)
		}
		shape = append(shape, v)
		size *= v
	}
	item, _ := strconv.Atoi(descr[2:])
	if len(b)-n != size*item {
		t.Fatalf("%s: %d data bytes, want %d for shape %v", path, len(b)-n, size*item, shape)
	}
	return shape, b[n:]
}

func TestErrors(t *testing.T) {
	notDir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notDir, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	clitest.FlagErrors(t, run, []clitest.FlagError{
		{Args: []string{"-export", filepath.Join(notDir, "init")}, Want: "-export"},
		{Args: []string{"-data", "/nonexistent"}, Want: "apt-get install -y dataset-fashion-mnist"},
		{Args: []string{"-solvers", "rmsprop"}, Want: `unknown "rmsprop"`},
		{Args: []string{"-systems", "jax"}, Want: `unknown "jax"`},
		{Args: []string{"-epochs", "0"}, Want: "-epochs"},
		{Args: []string{"extra"}, Want: "unexpected arguments"},
	})
}
