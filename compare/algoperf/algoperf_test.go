package algoperf

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/convergo/convergo/compare"
)

// testResults: two strategies (one whose name is not a safe directory), two
// seeds, a classification problem with a missing training loss and
// accuracy, a diverged trial (+Inf), a failed one (no curve) and an
// analytic problem.
func testResults() *compare.Results {
	nan := math.NaN()
	curve := func(scale float64) []compare.Point {
		return []compare.Point{
			{Step: 0, Seconds: 0, TrainLoss: nan, TestLoss: 2.3 * scale, TestAcc: 0.1, LR: 0.1},
			{Step: 10, Epoch: 1, Seconds: 0.5, TrainLoss: 1.5 * scale, TestLoss: 1.2 * scale, TestAcc: nan, LR: 0.05},
			{Step: 20, Epoch: 2, Seconds: 1.25, TrainLoss: 0.7 * scale, TestLoss: 0.8 * scale, TestAcc: 0.8125, LR: 0.01},
		}
	}
	return &compare.Results{
		Study: compare.StudyInfo{
			Seeds:    []uint64{7, 3},
			Problems: []compare.ProblemInfo{{Name: "mlp/mnist-sample", EvalRows: 2000}, {Name: "rosenbrock", Kind: compare.KindAnalytic}},
		},
		Trials: []*compare.Trial{
			{Problem: "mlp/mnist-sample", Strategy: "sgd+cosine", Solver: "sgd(lr=0.1)", Schedule: "cosine(max=0.1,T=total)", Seed: 7, Status: compare.StatusOK, Curve: curve(1)},
			{Problem: "mlp/mnist-sample", Strategy: "sgd+cosine", Solver: "sgd(lr=0.1)", Schedule: "cosine(max=0.1,T=total)", Seed: 3, Status: compare.StatusOK, Curve: curve(1.1)},
			{Problem: "mlp/mnist-sample", Strategy: "adam", Solver: "adam(lr=1)", Seed: 7, Status: compare.StatusDiverged, Error: "loss is +Inf",
				Curve: []compare.Point{{Step: 0, TrainLoss: nan, TestLoss: 2.3, TestAcc: 0.1}, {Step: 10, Seconds: 0.5, TrainLoss: math.Inf(1), TestLoss: math.Inf(1), TestAcc: 0.1}}},
			{Problem: "mlp/mnist-sample", Strategy: "adam", Seed: 3, Status: compare.StatusFailed},
			{Problem: "rosenbrock", Strategy: "sgd+cosine", Seed: 7, Status: compare.StatusOK,
				Curve: []compare.Point{{Step: 0, TrainLoss: nan, TestLoss: 1, TestAcc: nan}, {Step: 100, Seconds: 0.01, TrainLoss: 0.5, TestLoss: 0.25, TestAcc: nan}}},
		},
	}
}

// The patterns AlgoPerf's scoring_utils.get_experiment_df applies
// (scoring/scoring_utils.py): trial directories match TRIAL_DIR_REGEX.
var trialDir = regexp.MustCompile(`^trial_(\d+)`)

// scan walks dir the way get_experiment_df does — every entry of dir is a
// submission, every entry of a submission a study directory, the
// directories in a study are workloads, the entries of a workload that
// match trial_(\d+) are trials holding eval_measurements.csv — and returns
// the CSV paths relative to dir.
func scan(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	ls := func(d string) []os.DirEntry {
		es, err := os.ReadDir(d)
		if err != nil {
			t.Fatal(err)
		}
		return es
	}
	for _, sub := range ls(dir) {
		if !sub.IsDir() {
			t.Errorf("%s in the submission directory is not a directory", sub.Name())
			continue
		}
		for _, st := range ls(filepath.Join(dir, sub.Name())) {
			if !st.IsDir() || !strings.HasPrefix(st.Name(), "study_") {
				t.Errorf("%s/%s is not a study directory", sub.Name(), st.Name())
				continue
			}
			for _, w := range ls(filepath.Join(dir, sub.Name(), st.Name())) {
				if !w.IsDir() {
					continue
				}
				for _, tr := range ls(filepath.Join(dir, sub.Name(), st.Name(), w.Name())) {
					if trialDir.MatchString(tr.Name()) {
						out = append(out, filepath.ToSlash(filepath.Join(sub.Name(), st.Name(), w.Name(), tr.Name(), MeasurementsFile)))
					}
				}
			}
		}
	}
	return out
}

// readCSV parses an eval_measurements.csv with encoding/csv into columns.
func readCSV(t *testing.T, path string) map[string][]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if !slices.Equal(rows[0], Columns) {
		t.Fatalf("%s: header %q", path, rows[0])
	}
	cols := map[string][]string{}
	for _, r := range rows[1:] {
		for i, f := range r {
			cols[rows[0][i]] = append(cols[rows[0][i]], f)
		}
	}
	return cols
}

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	r := testResults()
	if err := Write(dir, r); err != nil {
		t.Fatal(err)
	}
	got := scan(t, dir)
	want := []string{
		"adam/study_0/mlp_mnist-sample/trial_1/eval_measurements.csv", // seed 7 is Seeds[0]; seed 3 failed: no file
		"sgd_cosine/study_0/mlp_mnist-sample/trial_1/eval_measurements.csv",
		"sgd_cosine/study_0/rosenbrock/trial_1/eval_measurements.csv",
		"sgd_cosine/study_1/mlp_mnist-sample/trial_1/eval_measurements.csv",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("files\n%q\nwant\n%q", got, want)
	}

	// The columns the scorer reads (score_submissions.py, performance_profile.py):
	// global_step, accumulated_submission_time, score, the validation metric.
	c := readCSV(t, filepath.Join(dir, "sgd_cosine/study_1/mlp_mnist-sample/trial_1", MeasurementsFile))
	tr := r.Trials[1]
	for i, p := range tr.Curve {
		f := func(col string) float64 {
			s := c[col][i]
			if s == "" {
				return math.NaN()
			}
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				t.Fatalf("%s[%d] = %q: %v", col, i, s, err)
			}
			return v
		}
		same := func(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }
		if f("global_step") != float64(p.Step) || !same(f("accumulated_submission_time"), p.Seconds) || !same(f("score"), p.Seconds) ||
			!same(f("train/loss"), p.TrainLoss) || !same(f("validation/loss"), p.TestLoss) || !same(f("validation/accuracy"), p.TestAcc) ||
			f("preemption_count") != 0 || f("validation/num_examples") != 2000 {
			t.Errorf("row %d: %v, want %+v", i, c, p)
		}
	}
	if c["train/loss"][0] != "" || c["validation/accuracy"][1] != "" {
		t.Errorf("NaN is not an empty field: %v", c)
	}

	if c := readCSV(t, filepath.Join(dir, "adam/study_0/mlp_mnist-sample/trial_1", MeasurementsFile)); c["validation/loss"][1] != "inf" {
		t.Errorf("diverged trial: %v", c)
	}
	if c := readCSV(t, filepath.Join(dir, "sgd_cosine/study_0/rosenbrock/trial_1", MeasurementsFile)); c["validation/accuracy"][1] != "" || c["validation/num_examples"][0] != "" || c["validation/loss"][1] != "0.25" {
		t.Errorf("analytic problem: %v", c)
	}

	b, err := os.ReadFile(filepath.Join(dir, "adam/study_0/mlp_mnist-sample/trial_1", TrialFile))
	if err != nil {
		t.Fatal(err)
	}
	var info map[string]any
	if err := json.Unmarshal(b, &info); err != nil || info["seed"] != float64(7) || info["strategy"] != "adam" || info["status"] != compare.StatusDiverged {
		t.Errorf("%s: %s (%v)", TrialFile, b, err)
	}
}

func TestWriteOptions(t *testing.T) {
	dir := t.TempDir()
	r := testResults()
	r.Study.Seeds = nil // seeds numbered in order of appearance: 7 → 0, 3 → 1
	r.Trials[0].Strategy = "a/b"
	r.Trials[1].Strategy = "a_b" // a different strategy with the same safe name
	err := WriteOptions(dir, r, &Options{Workload: func(p string) string {
		if p == "mlp/mnist-sample" {
			return "mnist_jax"
		}
		return p
	}})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"a_b/study_0/mnist_jax/trial_1", "a_b-2/study_1/mnist_jax/trial_1", "sgd_cosine/study_0/rosenbrock/trial_1"} {
		if _, err := os.Stat(filepath.Join(dir, f, MeasurementsFile)); err != nil {
			t.Error(err)
		}
	}
	if err := Write(dir, nil); err == nil {
		t.Error("nil results accepted")
	}
}

func TestDeterministic(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	for _, d := range []string{a, b} {
		if err := Write(d, testResults()); err != nil {
			t.Fatal(err)
		}
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
	if n != 8 { // 4 trials × (CSV + JSON)
		t.Errorf("%d files", n)
	}
}

func TestSafe(t *testing.T) {
	for in, want := range map[string]string{"sgd+cosine": "sgd_cosine", "": "_", "..": "_", "a(b)|c": "a_b__c", "lr-1e-3.x": "lr-1e-3.x"} {
		if got := safe(in); got != want {
			t.Errorf("safe(%q) = %q, want %q", in, got, want)
		}
	}
}
