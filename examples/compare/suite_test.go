package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSuiteProblems runs a study over two named workloads (one network,
// one analytic) with their documented strategies: the report has both
// problems and the performance profile. -model mlp:… names its problem.
func TestSuiteProblems(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	args := []string{"-problem", "mnist_seed,quadratic_deep", "-steps", "40", "-seeds", "1", "-no-plots", "-parallel", "2", "-out", filepath.Join(dir, "s")}
	if err := run(t.Context(), args, &out, &errb, false); err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	s := out.String()
	for _, want := range []string{"problem mnist_seed", "problem quadratic_deep", "momentum", "adam(lr=0.1)"} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	if rep, err := os.ReadFile(filepath.Join(dir, "s", "report.md")); err != nil || !strings.Contains(string(rep), "Performance profile") {
		t.Errorf("report.md has no performance profile (%v)", err)
	}
	out.Reset()
	args = []string{"-model", "mlp:16,8", "-steps", "5", "-seeds", "1", "-no-plots", "-strategy", "adam(lr=1e-3)", "-out", filepath.Join(dir, "m")}
	if err := run(t.Context(), args, &out, &errb, false); err != nil || !strings.Contains(out.String(), "mlp:16,8") {
		t.Errorf("-model mlp:16,8: %v\n%s", err, out.String())
	}
	for _, bad := range [][]string{{"-problem", "mnist_seed", "-epochs", "2"}, {"-problem", "mnist_seed", "-model", "convnet"}, {"-model", "mlp:0"}} {
		if err := run(t.Context(), append(bad, "-out", filepath.Join(dir, "bad")), &out, &errb, false); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
}
