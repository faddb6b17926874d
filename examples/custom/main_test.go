package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/convergo/convergo/compare"
)

// TestRun compares the custom strategies with the built-in ones on one
// epoch and checks that every one trained (held-out accuracy well above
// chance), that the registered names work in the -strategy flag, and that
// the report and figures are written.
func TestRun(t *testing.T) {
	if testing.Short() {
		t.Skip("trains 12 models")
	}
	dir := t.TempDir()
	var out, errb bytes.Buffer
	args := []string{"-epochs", "1", "-seeds", "2", "-out", dir,
		"-strategy", "signum-by-name: signum(beta=0.9) | warmup_rsqrt(peak=1e-3,warmup=20)"}
	if err := run(t.Context(), args, &out, &errb); err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	res, err := compare.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"signum", "signum+rsqrt", "adam+rsqrt", "adam", "sgd", "signum-by-name"} {
		st := res.Stat("mlp/mnist-sample", s)
		if st == nil || st.OK != 2 || !(st.FinalTestAcc.Median > 0.8) {
			t.Errorf("%s: %+v, want 2 finished trials above 0.8 held-out accuracy (one epoch; chance is 0.1)", s, st)
		}
		if !strings.Contains(out.String(), s) {
			t.Errorf("the table does not list %s:\n%s", s, out.String())
		}
	}
	for _, f := range []string{"report.md", "results.csv", "loss_vs_step.png", "lr_vs_step.png"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	if !strings.Contains(out.String(), "rank") {
		t.Errorf("no ranked table:\n%s", out.String())
	}
}

func TestFlagErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-epochs", "0"}, "-epochs 0"},
		{[]string{"-seeds", "1000"}, "-seeds 1000"},
		{[]string{"-strategy", "signum(lr=-1)"}, "lr"},
		{[]string{"-strategy", "signum(rate=1)"}, "unknown key rate"},
		{[]string{"-strategy", "sgd | warmup_rsqrt(peak=1)"}, "warmup"},
	} {
		var out bytes.Buffer
		err := run(t.Context(), append(c.args, "-out", t.TempDir()), &out, &out)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want an error containing %q", c.args, err, c.want)
		}
	}
}
