package tensorboard

import (
	"bytes"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/convergo/convergo/compare"
)

// testResults are three trials of a classification problem (one with a
// missing training loss at step 0 and a validation accuracy missing at one
// point), a diverged trial, a failed one with no curve, an analytic problem
// (no accuracy) and two strategy names that become the same directory.
func testResults() *compare.Results {
	nan := math.NaN()
	curve := func(scale float64) []compare.Point {
		return []compare.Point{
			{Step: 0, Epoch: 0, Seconds: 0, TrainLoss: nan, TestLoss: 2.3 * scale, TestAcc: 0.1, LR: 0.1},
			{Step: 10, Epoch: 1, Seconds: 0.5, TrainLoss: 1.5 * scale, TestLoss: 1.2 * scale, TestAcc: nan, LR: 0.05},
			{Step: 20, Epoch: 2, Seconds: 1.25, TrainLoss: 0.7 * scale, TestLoss: 0.8 * scale, TestAcc: 0.8, LR: 0.01},
		}
	}
	lrs := [][2]float64{{0, 0.1}, {5, 0.075}, {10, 0.05}, {15, 0.03}, {19, 0.01}}
	return &compare.Results{Trials: []*compare.Trial{
		{Problem: "mlp/mnist-sample", Strategy: "sgd+cosine", Seed: 1, Status: compare.StatusOK, Curve: curve(1), LRs: lrs},
		{Problem: "mlp/mnist-sample", Strategy: "sgd+cosine", Seed: 2, Status: compare.StatusOK, Curve: curve(1.1), LRs: lrs},
		{Problem: "mlp/mnist-sample", Strategy: "sgd(lr=0.1) | cosine(max=0.1,T=total)", Seed: 1, Status: compare.StatusOK, Curve: curve(0.9)},
		{Problem: "mlp/mnist-sample", Strategy: "sgd(lr=0.1) / cosine(max=0.1,T=total)", Seed: 1, Status: compare.StatusOK, Curve: curve(0.95)},
		{Problem: "mlp/mnist-sample", Strategy: "adam", Seed: 1, Status: compare.StatusDiverged,
			Curve: []compare.Point{{Step: 0, TrainLoss: nan, TestLoss: 2.3, TestAcc: 0.1, LR: 1}, {Step: 10, Seconds: 0.5, TrainLoss: math.Inf(1), TestLoss: math.Inf(1), TestAcc: 0.1, LR: 1}}},
		{Problem: "mlp/mnist-sample", Strategy: "adam", Seed: 2, Status: compare.StatusFailed},
		{Problem: "rosenbrock", Strategy: "sgd+cosine", Seed: 7, Status: compare.StatusOK,
			Curve: []compare.Point{{Step: 0, TrainLoss: nan, TestLoss: 1, TestAcc: nan, LR: 0.002}, {Step: 100, Seconds: 0.01, TrainLoss: 0.5, TestLoss: 0.25, TestAcc: nan, LR: 0.002}}},
	}}
}

// readRun reads an event file with the test reader and returns its scalars
// by tag, checking the file_version event, that steps never decrease and
// that every wall time is BaseWallTime plus the point's seconds.
type point struct {
	Step  int64
	Wall  float64
	Value float32
}

func readRun(t *testing.T, path string) map[string][]point {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	recs := readRecords(t, b)
	if len(recs) == 0 {
		t.Fatalf("%s: no records", path)
	}
	if e := decodeEvent(t, recs[0]); e.FileVersion != FileVersion || e.WallTime != BaseWallTime || e.HasSummary {
		t.Fatalf("%s: first event %+v", path, e)
	}
	out := map[string][]point{}
	last := int64(-1)
	for i, r := range recs[1:] {
		e := decodeEvent(t, r)
		if len(e.Values) != 1 || len(e.Other)+len(e.OtherValue) > 0 || e.FileVersion != "" {
			t.Fatalf("%s: event %d: %+v", path, i+1, e)
		}
		if e.Step < last {
			t.Errorf("%s: event %d: step %d after %d", path, i+1, e.Step, last)
		}
		last = e.Step
		v := e.Values[0]
		if math.IsNaN(float64(v.Value)) {
			t.Errorf("%s: event %d: NaN written for %s", path, i+1, v.Tag)
		}
		out[v.Tag] = append(out[v.Tag], point{e.Step, e.WallTime, v.Value})
	}
	return out
}

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	r := testResults()
	if err := Write(dir, r); err != nil {
		t.Fatal(err)
	}
	var files []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			files = append(files, filepath.ToSlash(rel))
		}
		return err
	})
	want := []string{
		"mlp/mnist-sample/adam/seed1/" + FileName,
		"mlp/mnist-sample/sgd(lr=0.1)___cosine(max=0.1,T=total)/seed1/" + FileName,
		"mlp/mnist-sample/sgd(lr=0.1)___cosine(max=0.1,T=total)-2/seed1/" + FileName, // "/" instead of "|": the same name, told apart
		"mlp/mnist-sample/sgd+cosine/seed1/" + FileName,
		"mlp/mnist-sample/sgd+cosine/seed2/" + FileName,
		"rosenbrock/sgd+cosine/seed7/" + FileName,
	}
	if !slices.Equal(files, want) { // WalkDir visits in lexical order; the failed trial has no file
		t.Fatalf("files:\n%q\nwant\n%q", files, want)
	}

	got := readRun(t, filepath.Join(dir, "mlp/mnist-sample/sgd+cosine/seed1", FileName))
	tc := r.Trials[0]
	wantTags := map[string][]point{}
	for _, p := range tc.Curve {
		wall := BaseWallTime + p.Seconds
		if !math.IsNaN(p.TrainLoss) {
			wantTags[TagTrainLoss] = append(wantTags[TagTrainLoss], point{int64(p.Step), wall, float32(p.TrainLoss)})
		}
		wantTags[TagValLoss] = append(wantTags[TagValLoss], point{int64(p.Step), wall, float32(p.TestLoss)})
		if !math.IsNaN(p.TestAcc) {
			wantTags[TagValAcc] = append(wantTags[TagValAcc], point{int64(p.Step), wall, float32(p.TestAcc)})
		}
	}
	// lr from LRs, at the seconds interpolated between curve points:
	// steps 0, 5, 10, 15, 19 → 0, 0.25, 0.5, 0.875, 1.175 s.
	for i, sec := range []float64{0, 0.25, 0.5, 0.875, 1.175} {
		wantTags[TagLR] = append(wantTags[TagLR], point{int64(tc.LRs[i][0]), BaseWallTime + sec, float32(tc.LRs[i][1])})
	}
	for tag, w := range wantTags {
		g := got[tag]
		if len(g) != len(w) {
			t.Errorf("%s: %v, want %v", tag, g, w)
			continue
		}
		for i := range w {
			if g[i].Step != w[i].Step || g[i].Value != w[i].Value || math.Abs(g[i].Wall-w[i].Wall) > 1e-6 {
				t.Errorf("%s[%d]: %+v, want %+v", tag, i, g[i], w[i])
			}
		}
	}
	if len(got) != 4 {
		t.Errorf("tags %v", got)
	}

	// Without LRs, lr comes from the curve; an analytic problem has no
	// accuracy; a diverged trial's +Inf loss is written.
	if g := readRun(t, filepath.Join(dir, "mlp/mnist-sample/sgd(lr=0.1)___cosine(max=0.1,T=total)/seed1", FileName)); len(g[TagLR]) != 3 || g[TagLR][2].Value != 0.01 {
		t.Errorf("lr from the curve: %v", g[TagLR])
	}
	if g := readRun(t, filepath.Join(dir, "rosenbrock/sgd+cosine/seed7", FileName)); len(g[TagValAcc]) != 0 || len(g[TagValLoss]) != 2 {
		t.Errorf("analytic problem: %v", g)
	}
	if g := readRun(t, filepath.Join(dir, "mlp/mnist-sample/adam/seed1", FileName)); len(g[TagTrainLoss]) != 1 || !math.IsInf(float64(g[TagTrainLoss][0].Value), 1) {
		t.Errorf("diverged trial: %v", g)
	}
}

// TestWriteDeterministic writes the same results twice, into two
// directories: the files are the same bytes.
func TestWriteDeterministic(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	if err := Write(a, testResults()); err != nil {
		t.Fatal(err)
	}
	if err := Write(b, testResults()); err != nil {
		t.Fatal(err)
	}
	n := 0
	filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(a, p)
		x, _ := os.ReadFile(p)
		y, err := os.ReadFile(filepath.Join(b, rel))
		if err != nil || !bytes.Equal(x, y) {
			t.Errorf("%s differs (%v)", rel, err)
		}
		n++
		return nil
	})
	if n != 6 {
		t.Errorf("%d files", n)
	}
	if err := Write(a, nil); err == nil {
		t.Error("nil results accepted")
	}
}

func TestComponent(t *testing.T) {
	for in, want := range map[string]string{
		"sgd+cosine": "sgd+cosine", "": "_", ".": "_", "..": "_", "a b|c": "a_b_c", "κ=100": "__=100", "lr=1e-3,wd=0.1": "lr=1e-3,wd=0.1",
	} {
		if got := component(in); got != want {
			t.Errorf("component(%q) = %q, want %q", in, got, want)
		}
	}
	if got := problemPath("../x/./y"); got != "_/x/_/y" {
		t.Errorf("problemPath: %q", got)
	}
}
