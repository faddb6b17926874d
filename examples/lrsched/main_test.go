package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestParseFlags(t *testing.T) {
	tests := []struct {
		args    []string
		specs   []string
		steps   int
		out     string
		wantErr string
	}{
		{nil, defaultSpecs, 100, "lrsched", ""},
		{[]string{"-s", "exp(lr=1,gamma=0.9)", "-s", "constant(lr=1)", "cosine(max=1,T=5)"},
			[]string{"exp(lr=1,gamma=0.9)", "constant(lr=1)", "cosine(max=1,T=5)"}, 100, "lrsched", ""},
		{[]string{"-steps", "7", "-out", "fig", "constant(lr=1)"}, []string{"constant(lr=1)"}, 7, "fig", ""},
		{[]string{"-steps", "0"}, nil, 0, "", "-steps=0: must be > 0"},
		{[]string{"-out", "a/b"}, nil, 0, "", "want a file name prefix"},
		{[]string{"-bogus"}, nil, 0, "", "flag provided but not defined"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			c, err := parseFlags(tt.args, io.Discard)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(c.specs, tt.specs) || c.steps != tt.steps || c.out != tt.out || c.outdir != "." {
				t.Errorf("config %+v", c)
			}
		})
	}
}

func TestRun(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new", "dir") // run creates it
	var out, errOut bytes.Buffer
	c := config{specs: []string{"constant(lr=0.5)", "exp(lr=1,gamma=0.5)"}, steps: 3, out: "x", outdir: dir}
	if err := run(c, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	want := "step  constant(lr=0.5)  exp(lr=1,gamma=0.5)\n" +
		"0     0.5               1\n" +
		"1     0.5               0.5\n" +
		"2     0.5               0.25\n"
	if out.String() != want {
		t.Errorf("table:\n%s\nwant:\n%s", out.String(), want)
	}
	if want := "wrote " + filepath.Join(dir, "x.png") + "\nwrote " + filepath.Join(dir, "x.svg") + "\n"; errOut.String() != want {
		t.Errorf("stderr %q, want %q", errOut.String(), want)
	}
	for _, f := range []string{"x.png", "x.svg"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	c.specs = []string{"cosine(max=1)"}
	if err := run(c, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "missing required key T") {
		t.Errorf("bad spec: %v", err)
	}
}

// The default figure is the seed's: the cosine climbs back to 0.1 after
// T=50 (issue 13), the exponential decays.
func TestDefaultTable(t *testing.T) {
	var out bytes.Buffer
	c := config{specs: defaultSpecs, steps: 100, out: "lrsched", outdir: t.TempDir()}
	if err := run(c, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 101 {
		t.Fatalf("%d lines", len(lines))
	}
	for step, want := range map[int][2]string{0: {"0.1", "0.1"}, 50: {"0.0606531", "0"}, 75: {"0.0472367", "0.05"}, 99: {"0.0371577", "0.0999013"}} {
		f := strings.Fields(lines[step+1])
		if f[1] != want[0] || f[2] != want[1] {
			t.Errorf("step %d: %v, want %v", step, f, want)
		}
	}
}

// exitCode runs realMain and returns its status and stderr.
func exitCode(args []string, stdout io.Writer) (int, string) {
	var stderr bytes.Buffer
	code := realMain(args, stdout, &stderr)
	return code, stderr.String()
}

func TestExitStatus(t *testing.T) {
	dir := t.TempDir()
	if code, stderr := exitCode([]string{"-h"}, io.Discard); code != 0 || !strings.Contains(stderr, "-steps") {
		t.Errorf("-h: status %d, stderr %q", code, stderr)
	}
	if code, _ := exitCode([]string{"-outdir", dir, "constant(lr=1)"}, io.Discard); code != 0 {
		t.Errorf("ok run: status %d", code)
	}
	if code, stderr := exitCode([]string{"-outdir", dir, "cosine(max=1)"}, io.Discard); code != 1 || !strings.Contains(stderr, "lrsched: lrsched: cosine: missing required key T") {
		t.Errorf("bad spec: status %d, stderr %q", code, stderr)
	}
	if code, _ := exitCode([]string{"-bogus"}, io.Discard); code != 2 {
		t.Errorf("bad flag: status %d", code)
	}
}

// A reader that stops early (| head): the write fails with EPIPE, the
// program ends with status 0 and no message, the figures written.
func TestClosedStdout(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	r.Close() // the reader is gone: writes to w fail with EPIPE
	defer w.Close()
	dir := t.TempDir()
	code, stderr := exitCode([]string{"-outdir", dir, "-steps", "100000", "constant(lr=1)"}, w)
	if code != 0 || strings.Contains(stderr, "lrsched:") {
		t.Errorf("closed stdout: status %d, stderr %q", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "lrsched.png")); err != nil {
		t.Errorf("figure: %v", err)
	}
}
