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
	dir := t.TempDir()
	var out bytes.Buffer
	c := config{specs: []string{"constant(lr=0.5)", "exp(lr=1,gamma=0.5)"}, steps: 3, out: "x", outdir: dir}
	if err := run(c, &out); err != nil {
		t.Fatal(err)
	}
	want := "step  constant(lr=0.5)  exp(lr=1,gamma=0.5)\n" +
		"0     0.5               1\n" +
		"1     0.5               0.5\n" +
		"2     0.5               0.25\n"
	if !strings.HasPrefix(out.String(), want) {
		t.Errorf("table:\n%s\nwant:\n%s", out.String(), want)
	}
	for _, f := range []string{"x.png", "x.svg"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	c.specs = []string{"cosine(max=1)"}
	if err := run(c, io.Discard); err == nil || !strings.Contains(err.Error(), "missing required key T") {
		t.Errorf("bad spec: %v", err)
	}
}
