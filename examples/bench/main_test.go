package main

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

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
		keys := []string{"system", "blas", "solver", "dtype", "epoch_s", "samples_per_s", "test_acc", "bytes_per_step", "allocs_per_step"}
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

func TestErrors(t *testing.T) {
	clitest.FlagErrors(t, run, []clitest.FlagError{
		{Args: []string{"-data", "/nonexistent"}, Want: "apt-get install -y dataset-fashion-mnist"},
		{Args: []string{"-solvers", "rmsprop"}, Want: `unknown "rmsprop"`},
		{Args: []string{"-systems", "jax"}, Want: `unknown "jax"`},
		{Args: []string{"-epochs", "0"}, Want: "-epochs"},
		{Args: []string{"extra"}, Want: "unexpected arguments"},
	})
}
