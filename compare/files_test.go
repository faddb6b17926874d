package compare_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/convergo/convergo/compare"
)

// TestTrialFilesIntegrity edits a number in one trial file, truncates
// another, leaves a stale temporary file from a "killed" process, and
// reruns: the two damaged trials are recomputed and reported with the
// reason, the temporary file is removed, the results equal the first run's.
func TestTrialFilesIntegrity(t *testing.T) {
	dir := t.TempDir()
	study := func() compare.Study {
		return compare.Study{Problems: []compare.Problem{blobsProblem(t)}, Strategies: strategies(t, "sgd(lr=0.1)", "adam(lr=0.01)"),
			Seeds: []uint64{1, 2}, Steps: 20, Dir: dir}
	}
	if _, err := compare.Run(t.Context(), study()); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(filepath.Join(dir, "results.csv"))
	files, _ := filepath.Glob(filepath.Join(dir, "trials", "*.json"))
	if len(files) != 4 {
		t.Fatalf("%d trial files, want 4", len(files))
	}
	for _, f := range files {
		fi, err := os.Stat(f)
		if err != nil || fi.Mode().Perm()&0o044 != 0o044 {
			t.Errorf("%s: mode %v, want readable by group and others", f, fi.Mode())
		}
	}
	edited, _ := os.ReadFile(files[0])
	i := strings.Index(string(edited), `"final_test_acc":`) + len(`"final_test_acc":`)
	edited = append(append(append([]byte{}, edited[:i]...), '1', ','), edited[strings.IndexByte(string(edited[i:]), ',')+i+1:]...)
	if err := os.WriteFile(files[0], edited, 0o644); err != nil {
		t.Fatal(err)
	}
	whole, _ := os.ReadFile(files[1])
	if err := os.WriteFile(files[1], whole[:len(whole)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(dir, "trials", ".tmp-x.json-123")
	os.WriteFile(stale, []byte("half"), 0o600)
	old := time.Now().Add(-time.Hour)
	os.Chtimes(stale, old, old)

	var plan compare.Plan
	st := study()
	st.OnPlan = func(p compare.Plan) { plan = p }
	if _, err := compare.Run(t.Context(), st); err != nil {
		t.Fatal(err)
	}
	if plan.Found != 2 || plan.ToRun != 2 || len(plan.Recomputed) != 2 {
		t.Errorf("plan %+v, want 2 found, 2 to run, 2 recomputed", plan)
	}
	reasons := strings.Join(plan.Recomputed, "\n")
	if !strings.Contains(reasons, "checksum mismatch") || !strings.Contains(reasons, "unreadable") {
		t.Errorf("reasons do not say what was wrong:\n%s", reasons)
	}
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) || len(plan.RemovedTemps) != 1 {
		t.Errorf("stale temporary file: %v, removed %v", err, plan.RemovedTemps)
	}
	after, _ := os.ReadFile(filepath.Join(dir, "results.csv"))
	if stripTimes(t, before) != stripTimes(t, after) {
		t.Errorf("results differ after recomputing the damaged trials:\n%s\n---\n%s", before, after)
	}

	// Fresh reruns everything.
	st = study()
	st.Fresh = true
	st.OnPlan = func(p compare.Plan) { plan = p }
	if _, err := compare.Run(t.Context(), st); err != nil {
		t.Fatal(err)
	}
	if plan.Found != 0 || plan.ToRun != 4 {
		t.Errorf("fresh plan %+v, want 4 to run", plan)
	}
}

// TestMergeIncomplete merges one shard of two: the outputs are written and
// the error matches ErrIncomplete and says how many trials are there.
func TestMergeIncomplete(t *testing.T) {
	dir := t.TempDir()
	st := smallStudy(t, dir, 2)
	st.Shard = compare.Shard{Index: 0, Count: 2}
	if _, err := compare.Run(t.Context(), st); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	res, err := compare.Merge(out, nil, dir)
	if !errors.Is(err, compare.ErrIncomplete) || !strings.Contains(err.Error(), "4 of the study's 8 trials") || res == nil {
		t.Errorf("Merge of one shard of two: %v", err)
	}
	if _, err := os.Stat(filepath.Join(out, "report.md")); err != nil {
		t.Error(err)
	}
	if _, err := compare.Merge(out, nil, dir, ""); err == nil || !strings.Contains(err.Error(), "directory 2 of 2 is empty") {
		t.Errorf("Merge with an empty entry: %v", err)
	}
}
