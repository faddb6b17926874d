package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
)

var timing = regexp.MustCompile(`(seconds|samples_per_s)=[0-9.e+]+`)

// TestReproducible runs the program twice with the same seed on a subset of
// the embedded sample and requires identical output apart from timings
// (dropout masks included), in examples/mnist's line format.
func TestReproducible(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a convnet twice")
	}
	args := []string{"-epochs", "2", "-limit", "256", "-seed", "7"}
	var a, b, stderr bytes.Buffer
	if err := run(t.Context(), args, &a, &stderr); err != nil {
		t.Fatal(err, stderr.String())
	}
	if err := run(t.Context(), args, &b, &stderr); err != nil {
		t.Fatal(err, stderr.String())
	}
	ga, gb := timing.ReplaceAllString(a.String(), "$1=T"), timing.ReplaceAllString(b.String(), "$1=T")
	if ga != gb {
		t.Errorf("runs differ:\n%s\n%s", ga, gb)
	}
	lines := strings.Split(strings.TrimSpace(a.String()), "\n")
	epochLine := regexp.MustCompile(`^epoch=\d+ train_loss=[0-9.]+ test_loss=[0-9.]+ test_acc=[0-9.]+ lr=[0-9.e-]+ seconds=[0-9.]+ samples_per_s=[0-9]+$`)
	finalLine := regexp.MustCompile(`^final: test_acc=[0-9.]+ test_loss=[0-9.]+ train_loss=[0-9.]+ seconds=[0-9.]+$`)
	if len(lines) != 3 || !epochLine.MatchString(lines[0]) || !epochLine.MatchString(lines[1]) || !finalLine.MatchString(lines[2]) {
		t.Errorf("unexpected output format:\n%s", a.String())
	}
}

func TestFlagErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-dtype", "int8"}, "-dtype"},
		{[]string{"-dropout", "1"}, "-dropout"},
		{[]string{"-solver", "nosuch"}, "nosuch"},
		{[]string{"-schedule", "cosine(max=0.1,T=0)"}, "T"},
		{[]string{"-data", "/nonexistent"}, "/nonexistent"},
		{[]string{"extra"}, "unexpected arguments"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := run(t.Context(), tt.args, &out, &errOut)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}
