package compare_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/convergo/convergo/compare"
	"github.com/convergo/convergo/datasets"
	"github.com/convergo/convergo/graph"
	"github.com/convergo/convergo/layers"
)

// blobsProblem is a small three-class problem: 600 Gaussian-blob points in
// 4 dimensions (200 held out) and a 4-16-3 MLP, batch 20 (20 steps/epoch).
func blobsProblem(t testing.TB) compare.Problem {
	t.Helper()
	data, err := datasets.Blobs(600, 4, 3, 7)
	if err != nil {
		t.Fatal(err)
	}
	train, val, err := data.Split(200, 7)
	if err != nil {
		t.Fatal(err)
	}
	return compare.Problem{
		Name:   "blobs",
		Net:    func() layers.Layer { return layers.Stack(layers.Dense(16), layers.ReLU(), layers.Dense(3)) },
		Config: graph.Config{Input: []int{4}, Classes: 3, Batch: 20, EvalBatch: 200},
		Train:  train, Eval: val,
	}
}

func strategies(t testing.TB, texts ...string) []compare.Strategy {
	t.Helper()
	s, err := compare.ParseStrategies(texts...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestRanking runs a small study and asserts the ranking a practitioner
// expects: on a well-conditioned problem, a sensible learning rate beats a
// learning rate 100 times too small, with or without momentum.
func TestRanking(t *testing.T) {
	res, err := compare.Run(t.Context(), compare.Study{
		Problems: []compare.Problem{blobsProblem(t)},
		Strategies: strategies(t,
			"tiny: sgd(lr=0.001)",
			"adam: adam(lr=0.01)",
			"momentum: sgd(lr=0.1,momentum=0.9) | cosine(max=0.1,T=total)",
		),
		Seeds:     []uint64{1, 2, 3},
		Epochs:    5,
		EvalEvery: 5,
		Target:    compare.Target{Acc: 0.9},
	})
	if err != nil {
		t.Fatal(err)
	}
	rank := res.Ranking("blobs")
	if len(rank) != 3 || rank[2] != "tiny" {
		t.Errorf("ranking %v, want tiny last", rank)
	}
	if s := res.Stat("blobs", "tiny"); s.Reached != 0 {
		t.Errorf("tiny reached the target in %d trials, want 0", s.Reached)
	}
	for _, name := range rank[:2] {
		if s := res.Stat("blobs", name); s.SuccessRate != 1 {
			t.Errorf("%s: success rate %v, want 1", name, s.SuccessRate)
		}
	}
}

// timeColumns matches the values of the time columns of results.csv.
var timeColumns = []string{"seconds_to_target", "seconds", "wall_seconds"}

func stripTimes(t *testing.T, data []byte) string {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	head := rows[0]
	drop := map[int]bool{}
	for i, h := range head {
		for _, c := range timeColumns {
			if h == c {
				drop[i] = true
			}
		}
	}
	var out []string
	for _, l := range rows {
		var keep []string
		for i, f := range l {
			if !drop[i] {
				keep = append(keep, f)
			}
		}
		out = append(out, strings.Join(keep, "\t"))
	}
	return strings.Join(out, "\n")
}

func smallStudy(t *testing.T, dir string, parallel int) compare.Study {
	return compare.Study{
		Problems:   []compare.Problem{blobsProblem(t)},
		Strategies: strategies(t, "sgd(lr=0.05)", "sgd(lr=0.1) | expdecay(lr=0.1,k=0.01)", "adam(lr=0.01) | l2(lambda=1e-3)", "diverges: sgd(lr=1e30)"),
		Seeds:      []uint64{1, 2},
		Steps:      50,
		EvalEvery:  7,
		Target:     compare.Target{Acc: 0.8},
		Parallel:   parallel,
		Dir:        dir,
	}
}

// TestParallelIdentical checks that results.csv does not depend on the
// number of workers, apart from the time columns.
func TestParallelIdentical(t *testing.T) {
	var csvs []string
	for _, par := range []int{1, 2, 4} {
		dir := t.TempDir()
		if _, err := compare.Run(t.Context(), smallStudy(t, dir, par)); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(dir, "results.csv"))
		if err != nil {
			t.Fatal(err)
		}
		csvs = append(csvs, stripTimes(t, b))
	}
	for i := 1; i < len(csvs); i++ {
		if csvs[i] != csvs[0] {
			t.Errorf("results.csv differs between Parallel=1 and run %d:\n%s\n---\n%s", i, csvs[0], csvs[i])
		}
	}
	if _, rows, _ := strings.Cut(csvs[0], "\n"); !strings.Contains(rows, "\tdiverged\t") {
		t.Errorf("the lr=1e30 strategy did not diverge:\n%s", csvs[0])
	}
}

// TestResumeAndShards runs a study as two shards, merges them, and checks
// the merged results.csv against an unsharded run; then reruns a shard
// into its directory and checks that nothing is run again.
func TestResumeAndShards(t *testing.T) {
	whole := t.TempDir()
	if _, err := compare.Run(t.Context(), smallStudy(t, whole, 2)); err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for i := range 2 {
		dir := t.TempDir()
		st := smallStudy(t, dir, 2)
		st.Shard = compare.Shard{Index: i, Count: 2}
		res, err := compare.Run(t.Context(), st)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Trials) != 4 { // 8 trials, every other one
			t.Errorf("shard %d ran %d trials, want 4", i, len(res.Trials))
		}
		dirs = append(dirs, dir)
	}
	merged := t.TempDir()
	if _, err := compare.Merge(merged, nil, dirs...); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(filepath.Join(whole, "results.csv"))
	b, _ := os.ReadFile(filepath.Join(merged, "results.csv"))
	if stripTimes(t, a) != stripTimes(t, b) {
		t.Errorf("merged shards differ from the whole study:\n%s\n---\n%s", a, b)
	}

	// Resume: every trial is found, none is run.
	st := smallStudy(t, dirs[0], 2)
	st.Shard = compare.Shard{Index: 0, Count: 2}
	var last compare.Progress
	st.Progress = func(p compare.Progress) { last = p }
	if _, err := compare.Run(t.Context(), st); err != nil {
		t.Fatal(err)
	}
	if last.Skipped != 4 || last.StepsRun != 0 {
		t.Errorf("resume: skipped %d trials and ran %d steps, want 4 and 0", last.Skipped, last.StepsRun)
	}
	report, _ := os.ReadFile(filepath.Join(merged, "report.md"))
	if !bytes.Contains(report, []byte("| 1 |")) {
		t.Errorf("report.md has no ranked table:\n%s", report)
	}
}

func TestCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	res, err := compare.Run(ctx, smallStudy(t, "", 2))
	if err == nil || res == nil || len(res.Trials) != 0 {
		t.Errorf("cancelled study: err %v, results %v", err, res)
	}
}

func TestParseStrategy(t *testing.T) {
	for _, tc := range []struct {
		text, want, err string
	}{
		{"sgd(lr=0.1,momentum=0.9) | cosine(max=0.1,T=600)", "sgd(lr=0.1,momentum=0.9) | cosine(max=0.1,T=600)", ""},
		{"fast: adam(lr=1e-3)|l2(lambda=1e-4)", "fast: adam(lr=1e-3) | l2(lambda=1e-4)", ""},
		{"x: sgd | l1(lambda=1e-5) | warmup(steps=10,cosine(max=0.1,T=total))", "x: sgd | warmup(steps=10,cosine(max=0.1,T=total)) | l1(lambda=1e-5)", ""},
		{"sgd(lr=0.1) | exp(lr=0.1,gamma=0.99)", "sgd(lr=0.1) | exp(lr=0.1,gamma=0.99)", ""},
		{"lookahead(sgd(lr=0.1)) | cosine(max=0.1,T=total)", "lookahead(sgd(lr=0.1)) | cosine(max=0.1,T=total)", ""},
		// The solver says 0.5, the schedule runs at 0.1: refused.
		{"sgd(lr=0.5) | cosine(max=0.1,T=total)", "", "sets lr=0.5 but the schedule starts at 0.1"},
		{"lookahead(k=5,sgd(lr=0.5)) | cosine(max=0.1,T=total)", "", "sets lr=0.5"},
		{"sgd(lr=0.1) | warmup(steps=10,cosine(max=0.1,T=total))", "", "leave lr out of the solver spec"},
		{"sgd(lr=0.1) | cosine(max=0.1,T=600) | step(lr=0.1,step_size=10)", "", "two schedules"},
		{"sgd(lr=0.1) | l1(lambda=1) | l2(lambda=1)", "", "two regularizers"},
		{"sgd(rate=0.1)", "", "rate"},
		{"sgd(lr=0.1) | cosine(max=0.1)", "", "T"},
		{"sgd(lr=0.1) | l2(lambda=-1)", "", "coefficients"},
		{": sgd", "", "empty name"},
	} {
		s, err := compare.ParseStrategy(tc.text)
		if tc.err != "" {
			if err == nil || !regexp.MustCompile(regexp.QuoteMeta(tc.err)).MatchString(err.Error()) {
				t.Errorf("%q: error %v, want one mentioning %q", tc.text, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.text, err)
			continue
		}
		if s.String() != tc.want {
			t.Errorf("%q: String() = %q, want %q", tc.text, s.String(), tc.want)
		}
	}
}

// TestMuonRateRule: muon has its own lr (its inner solver's is another's),
// so a muon spec without lr under a schedule is not checked against the
// inner adamw's rate.
func TestMuonRateRule(t *testing.T) {
	if _, err := compare.ParseStrategy("muon(adamw(lr=3e-4)) | cosine(max=0.02,T=total)"); err != nil {
		t.Error(err)
	}
	if _, err := compare.ParseStrategy("muon(lr=0.05,adamw(lr=3e-4)) | cosine(max=0.02,T=total)"); err == nil {
		t.Error("muon(lr=0.05) under a cosine from 0.02: no error")
	}
}
