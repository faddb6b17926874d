// Package clitest holds the checks the example programs' tests share: a
// run repeated with the same seed must print the same lines apart from the
// timings, in the documented format, and bad flags must give errors that
// name them.
package clitest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"
)

// Run is an example program's entry point.
type Run func(ctx context.Context, args []string, stdout, stderr io.Writer) error

var (
	timing    = regexp.MustCompile(`(seconds|samples_per_s)=[0-9.e+]+`)
	epochLine = regexp.MustCompile(`^epoch=\d+ train_loss=[0-9.]+ test_loss=[0-9.]+ test_acc=[0-9.]+ lr=[0-9.e-]+ seconds=[0-9.]+ samples_per_s=[0-9]+$`)
	finalLine = regexp.MustCompile(`^final: test_acc=[0-9.]+ test_loss=[0-9.]+ train_loss=[0-9.]+ seconds=[0-9.]+$`)
)

// Reproducible runs the program twice with args and requires identical
// output apart from seconds and samples_per_s, made of epochs epoch lines
// and a final line (see cli.EpochLine and cli.FinalLine) whose test_acc is
// at least minAcc — so that a run that trains nothing fails too.
func Reproducible(t *testing.T, run Run, args []string, epochs int, minAcc float64) {
	t.Helper()
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
	ok := len(lines) == epochs+1 && finalLine.MatchString(lines[epochs])
	for _, l := range lines[:min(epochs, len(lines))] {
		ok = ok && epochLine.MatchString(l)
	}
	if !ok {
		t.Errorf("unexpected output format (want %d epoch lines and a final line):\n%s", epochs, a.String())
		return
	}
	var acc float64
	if _, err := fmt.Sscanf(lines[epochs], "final: test_acc=%g", &acc); err != nil || acc < minAcc {
		t.Errorf("final held-out accuracy %v (%v), want ≥ %v:\n%s", acc, err, minAcc, lines[epochs])
	}
}

// FlagError is a bad command line and a string its error must contain.
type FlagError struct {
	Args []string
	Want string
}

// FlagErrors runs the program with each bad command line and requires an
// error mentioning Want.
func FlagErrors(t *testing.T, run Run, cases []FlagError) {
	t.Helper()
	for _, tt := range cases {
		t.Run(strings.Join(tt.Args, " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := run(t.Context(), tt.Args, &out, &errOut)
			if err == nil || !strings.Contains(err.Error(), tt.Want) {
				t.Errorf("error = %v, want it to mention %q", err, tt.Want)
			}
		})
	}
}
