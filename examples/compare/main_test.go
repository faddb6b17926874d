package main

import (
	"bytes"
	"encoding/csv"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// withoutTimes returns the rows of a results.csv without its time columns.
func withoutTimes(t *testing.T, path string) [][]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var drop []int
	for i, h := range rows[0] {
		if h == "seconds_to_target" || h == "seconds" || h == "wall_seconds" {
			drop = append(drop, i)
		}
	}
	for r, row := range rows {
		var keep []string
		for i, f := range row {
			if !slices.Contains(drop, i) {
				keep = append(keep, f)
			}
		}
		rows[r] = keep
	}
	return rows
}

// TestParallelShardMerge runs a small study on the embedded sample with
// -parallel 1, with -parallel 2, and as two shards merged, and checks that
// all three give the same results.csv apart from the time columns.
func TestParallelShardMerge(t *testing.T) {
	base := []string{"-steps", "30", "-batch", "64", "-seeds", "1,2", "-eval-every", "10", "-target", "acc=0.5",
		"-strategy", "sgd(lr=0.1) | cosine(max=0.1,T=total)", "-strategy", "adam: adam(lr=1e-3)"}
	dir := t.TempDir()
	runs := map[string][]string{
		"p1":      {"-parallel", "1", "-no-plots"},
		"p2":      {"-parallel", "2"},
		"shard-0": {"-parallel", "2", "-shard", "0/2", "-no-plots"},
		"shard-1": {"-parallel", "2", "-shard", "1/2", "-no-plots"},
	}
	for _, name := range []string{"p1", "p2", "shard-0", "shard-1"} {
		var out, errb bytes.Buffer
		args := append(slices.Clone(base), append(runs[name], "-out", filepath.Join(dir, name))...)
		if err := run(t.Context(), args, &out, &errb, false); err != nil {
			t.Fatalf("%s: %v\n%s", name, err, errb.String())
		}
		if !strings.Contains(out.String(), "rank") {
			t.Errorf("%s printed no table:\n%s", name, out.String())
		}
	}
	var out bytes.Buffer
	if err := run(t.Context(), []string{"-merge", filepath.Join(dir, "shard-0") + "," + filepath.Join(dir, "shard-1"), "-no-plots", "-out", filepath.Join(dir, "merged")}, &out, &out, false); err != nil {
		t.Fatal(err)
	}
	want := withoutTimes(t, filepath.Join(dir, "p1", "results.csv"))
	if len(want) != 5 {
		t.Fatalf("results.csv has %d rows, want a header and 4 trials", len(want))
	}
	// They train: 30 steps take every trial past a 0.5 held-out accuracy
	// (chance is 0.1).
	acc := slices.Index(want[0], "final_test_acc")
	for _, r := range want[1:] {
		if v, err := strconv.ParseFloat(r[acc], 64); err != nil || v < 0.5 {
			t.Errorf("final held-out accuracy %q, want ≥ 0.5: %v", r[acc], r)
		}
	}
	for _, name := range []string{"p2", "merged"} {
		got := withoutTimes(t, filepath.Join(dir, name, "results.csv"))
		if !slices.EqualFunc(got, want, slices.Equal) {
			t.Errorf("%s/results.csv differs from p1/results.csv:\n%v\n%v", name, got, want)
		}
	}
	for _, f := range []string{"report.md", "curves.jsonl", "loss_vs_step.png", "loss_vs_step.svg", "acc_vs_seconds.png", "lr_vs_step.svg"} {
		if _, err := os.Stat(filepath.Join(dir, "p2", f)); err != nil {
			t.Error(err)
		}
	}
}

func TestFlagErrors(t *testing.T) {
	for _, args := range [][]string{
		{"-strategy", "sgd(rate=1)"},
		{"-model", "rnn"},
		{"-shard", "2/2"},
		{"-target", "acc=2"},
		{"-seeds", "x"},
		{"-problem", "cifar"},
		{"-problem", "analytic", "-steps", "10", "-strategy", "sgd(lr=0.1) | l2(lambda=1e-4)"},
		{"-problem", "analytic", "-steps", "10", "-target", "acc=0.9"},
		{"-problem", "analytic", "-steps", "10", "-model", "convnet"},
		{"-problem", "analytic", "-epochs", "3"},
	} {
		var out bytes.Buffer
		if err := run(t.Context(), append(args, "-out", t.TempDir()), &out, &out, false); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
}

// TestFlagErrorsNamed checks that each bad flag value gets an error that
// names the flag and the problem, before anything is allocated or run.
func TestFlagErrorsNamed(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-epochs", "0"}, "-epochs 0"},
		{[]string{"-eval-every", "-5"}, "-eval-every -5"},
		{[]string{"-parallel", "0"}, "-parallel 0"},
		{[]string{"-seeds", "1000000000"}, "-seeds"},
		{[]string{"-epochs", "9000000000000000000"}, "-epochs 9000000000000000000"},
		{[]string{"-epochs", "20000000"}, "exceed the maximum budget"},
		{[]string{"-steps", "9223372036854775807"}, "-steps 9223372036854775807"},
		{[]string{"-problem", "analytic", "-steps", "9223372036854775807"}, "-steps 9223372036854775807"},
		{[]string{"-batch", "9000"}, "-batch 9000 is larger than the training set"},
		{[]string{"-target", "acc=0.9,acc=0.8"}, "acc given twice"},
		{[]string{"-merge", "a,b,"}, "entry 3 of 3 is empty"},
		{[]string{"-data", "/nonexistent-dir"}, "/nonexistent-dir"},
		{[]string{"-strategy", "sgd(lr=0.5) | cosine(max=0.1,T=total)"}, "sets lr=0.5 but the schedule starts at 0.1"},
	} {
		var out bytes.Buffer
		err := run(t.Context(), append(c.args, "-out", t.TempDir()), &out, &out, false)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want an error containing %q", c.args, err, c.want)
		}
	}
	var out bytes.Buffer
	if err := run(t.Context(), []string{"-h"}, &out, &out, false); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: %v, want flag.ErrHelp (which cli.Main turns into exit status 0)", err)
	}
}

// TestRerunAnnounced reruns a finished study into its directory: the
// program says that there is nothing to run instead of silently printing
// the old table; -fresh reruns it.
func TestRerunAnnounced(t *testing.T) {
	dir := t.TempDir()
	args := []string{"-steps", "10", "-seeds", "1", "-strategy", "sgd(lr=0.1)", "-no-plots", "-out", dir}
	var out bytes.Buffer
	if err := run(t.Context(), args, &out, &out, false); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(t.Context(), args, &out, &out, false); err != nil {
		t.Fatal(err)
	}
	if want := "all 1 trials are already in " + dir + "; nothing to run (use -fresh to rerun)"; !strings.Contains(out.String(), want) {
		t.Errorf("rerun printed:\n%s\nwant %q", out.String(), want)
	}
	out.Reset()
	if err := run(t.Context(), append(args, "-fresh"), &out, &out, false); err != nil || !strings.Contains(out.String(), "-fresh: running all 1 trials") {
		t.Errorf("-fresh: %v\n%s", err, out.String())
	}
}

// TestAnalytic runs the classic comparison on the analytic problems and
// checks the table, the rows of results.csv (empty accuracy) and the
// performance profile in the report.
func TestAnalytic(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	if err := run(t.Context(), []string{"-problem", "analytic", "-steps", "300", "-seeds", "1,2", "-no-plots", "-out", dir}, &out, &errb, false); err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	for _, want := range []string{"problem booth (analytic; loss = f − f*): 300 steps", "target loss<=1e-06", "steps to target"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	rows := withoutTimes(t, filepath.Join(dir, "results.csv"))
	if len(rows) != 1+4*5*2 {
		t.Fatalf("results.csv has %d rows, want a header and 40 trials", len(rows))
	}
	acc := slices.Index(rows[0], "final_test_acc")
	for _, r := range rows[1:] {
		if r[acc] != "" {
			t.Errorf("accuracy %q in %v", r[acc], r)
		}
	}
	report, err := os.ReadFile(filepath.Join(dir, "report.md"))
	if err != nil || !bytes.Contains(report, []byte("## Performance profile")) || !bytes.Contains(report, []byte("| momentum |")) {
		t.Errorf("report.md (%v) has no performance profile:\n%s", err, report)
	}
}

// TestMergePartial merges one shard of two: the table is printed with a
// line saying the study is incomplete, and the program fails unless
// -allow-partial.
func TestMergePartial(t *testing.T) {
	dir := t.TempDir()
	shard := filepath.Join(dir, "s0")
	var out bytes.Buffer
	if err := run(t.Context(), []string{"-steps", "10", "-seeds", "1,2", "-strategy", "sgd(lr=0.1)", "-no-plots", "-shard", "0/2", "-out", shard}, &out, &out, false); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	err := run(t.Context(), []string{"-merge", shard, "-no-plots", "-out", filepath.Join(dir, "m")}, &out, &out, false)
	if err == nil || !strings.Contains(err.Error(), "-allow-partial") || !strings.Contains(out.String(), "incomplete: ") || !strings.Contains(out.String(), "1 of the study's 2 trials") {
		t.Errorf("partial merge: %v\n%s", err, out.String())
	}
	if err := run(t.Context(), []string{"-merge", shard, "-allow-partial", "-no-plots", "-out", filepath.Join(dir, "m")}, &out, &out, false); err != nil {
		t.Errorf("partial merge with -allow-partial: %v", err)
	}
}

// TestLRFindFlag runs -lrfind on a tiny budget and checks its outputs.
func TestLRFindFlag(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	if err := run(t.Context(), []string{"-lrfind", "-strategy", "sgd(lr=loguniform(0.01,1))", "-strategy", "adam", "-out", dir}, &out, &out, false); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, want := range []string{"sgd(lr=loguniform(0.01,1))", "valley", "→ search space loguniform("} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	for _, f := range []string{"lrfind.csv", "lrfind.png", "lrfind.svg"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
}

// TestLogLines checks the progress report of a non-terminal stdout: one
// line per finished trial, a diverged one flagged with its error.
func TestLogLines(t *testing.T) {
	var out bytes.Buffer
	if err := run(t.Context(), []string{"-steps", "10", "-seeds", "1", "-strategy", "sgd(lr=0.1)", "-strategy", "bad: sgd(lr=1e30)", "-no-plots", "-out", t.TempDir()}, &out, &out, false); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"] sgd(lr=0.1) seed 1: ok, 10 steps in ", "] bad seed 1: DIVERGED after 1 steps: "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("no line containing %q:\n%s", want, out.String())
		}
	}
}

// TestTunedShards shards a tuned study in two passes through the flags:
// the first pass of shard 0 says the tuning phase is incomplete, then
// shard 1, shard 0 again, and the merge succeed.
func TestTunedShards(t *testing.T) {
	dir := t.TempDir()
	d0, d1 := filepath.Join(dir, "s0"), filepath.Join(dir, "s1")
	base := []string{"-steps", "20", "-seeds", "1,2", "-strategy", "sgd(lr=loguniform(0.01,1))", "-tune", "2", "-no-plots", "-tune-dirs", d0 + "," + d1}
	run1 := func(shard, out string) (string, error) {
		var b bytes.Buffer
		err := run(t.Context(), append(slices.Clone(base), "-shard", shard, "-out", out), &b, &b, false)
		return b.String(), err
	}
	if out, err := run1("0/2", d0); err == nil || !strings.Contains(out, "tuning phase incomplete") {
		t.Fatalf("first pass of shard 0: %v\n%s", err, out)
	}
	for _, c := range [][2]string{{"1/2", d1}, {"0/2", d0}} {
		if out, err := run1(c[0], c[1]); err != nil {
			t.Fatalf("shard %s: %v\n%s", c[0], err, out)
		}
	}
	var b bytes.Buffer
	if err := run(t.Context(), []string{"-merge", d0 + "," + d1, "-no-plots", "-out", filepath.Join(dir, "all")}, &b, &b, false); err != nil {
		t.Fatalf("merge: %v\n%s", err, b.String())
	}
}
