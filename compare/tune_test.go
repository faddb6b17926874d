package compare_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/convergo/convergo/compare"
	"github.com/convergo/convergo/solvers/solvertest"
)

// TestTuneQuadraticLR tunes gradient descent's learning rate on the
// κ = 100 quadratic (L = 100, μ = 1) by steps to f − f* ≤ 1e-6. The
// optimal constant step is 2/(L+μ) (Nesterov 2004, Thm. 2.1.15: it
// minimises the contraction factor max(|1−αμ|, |1−αL|)), so the chosen lr
// must be the best of its trials and within 10 % of 2/(L+μ) = 0.0198.
func TestTuneQuadraticLR(t *testing.T) {
	p := solvertest.Quadratic(10, 100, 0)
	dir := t.TempDir()
	st := compare.Study{
		Problems:   []compare.Problem{compare.AnalyticProblem(p)},
		Strategies: strategies(t, "gd: sgd(lr=loguniform(1e-3,0.05))", "heavy-ball: sgd(lr=0.0330578512396694,momentum=0.6694214876033058)"),
		Seeds:      []uint64{1, 2}, Steps: 2000, Target: compare.Target{Loss: 1e-6}, StopAtTarget: true,
		Tune: &compare.Tuning{Trials: 32}, Dir: dir,
	}
	res, err := compare.Run(t.Context(), st)
	if err != nil {
		t.Fatal(err)
	}
	configs := res.TuningOf(p.Name)
	if len(configs) != 32 {
		t.Fatalf("%d configurations, want 32 (the fixed strategy is not tuned)", len(configs))
	}
	best := configs[0]
	var chosen compare.TuningConfig
	for _, c := range configs {
		if c.Score < best.Score {
			best = c
		}
		if c.Chosen {
			chosen = c
		}
	}
	if chosen.Spec == "" || chosen.Index != best.Index {
		t.Fatalf("chosen configuration %d (%s), the best is %d (%s, %v steps)", chosen.Index, chosen.Spec, best.Index, best.Spec, best.Score)
	}
	lr := chosen.Values[0]
	if opt := 2 / (p.L + p.Mu); math.Abs(lr/opt-1) > 0.1 {
		t.Errorf("chosen lr %v, want within 10%% of 2/(L+μ) = %v", lr, opt)
	}
	if got := res.Chosen(p.Name, "gd"); got != chosen.Spec || res.Chosen(p.Name, "heavy-ball") != "" {
		t.Errorf("Chosen: %q, %q", got, res.Chosen(p.Name, "heavy-ball"))
	}
	// The study's trials run the chosen configuration.
	for _, tr := range res.TrialsOf(p.Name, "gd") {
		if "gd: "+tr.Solver != chosen.Spec {
			t.Errorf("seed %d ran %s, chosen %s", tr.Seed, tr.Solver, chosen.Spec)
		}
	}
	if r := res.Ranking(p.Name); r[0] != "heavy-ball" {
		t.Errorf("ranking %v: tuned GD cannot beat Polyak's heavy ball", r)
	}

	// tuning.csv: one row per tuning trial, the sampled lr in its column.
	rows := readCSV(t, filepath.Join(dir, "tuning.csv"))
	col := func(name string) int {
		for i, h := range rows[0] {
			if h == name {
				return i
			}
		}
		t.Fatalf("tuning.csv has no column %q: %v", name, rows[0])
		return -1
	}
	if len(rows) != 33 {
		t.Fatalf("tuning.csv has %d rows, want a header and 32", len(rows))
	}
	for _, r := range rows[1:] {
		v, err := strconv.ParseFloat(r[col("sgd.lr")], 64)
		if err != nil || !(v >= 1e-3 && v <= 0.05) || !strings.Contains(r[col("spec")], r[col("sgd.lr")]) {
			t.Errorf("tuning.csv row %v: lr %q", r, r[col("sgd.lr")])
		}
		if _, err := strconv.ParseFloat(r[col("score")], 64); err != nil {
			t.Errorf("score %q is not a number", r[col("score")])
		}
	}

	// Load rebuilds the same tuning from the files.
	loaded, err := compare.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if loaded.Chosen(p.Name, "gd") != chosen.Spec {
		t.Errorf("Load: chosen %q, want %q", loaded.Chosen(p.Name, "gd"), chosen.Spec)
	}
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestTuneResume interrupts a tuned classification study in its tuning
// phase, resumes it, and checks that nothing finished is run again and
// that the results equal an uninterrupted run's.
func TestTuneResume(t *testing.T) {
	study := func(dir string) compare.Study {
		return compare.Study{
			Problems: []compare.Problem{blobsProblem(t)},
			Strategies: strategies(t, "sgd: sgd(lr=loguniform(0.01,1),momentum=choice(0,0.9))",
				"adam: adam(lr=loguniform(1e-3,0.1))", "fixed: sgd(lr=0.1)"),
			Seeds: []uint64{1, 2}, Steps: 40, EvalEvery: 10, Parallel: 2, Dir: dir,
			Tune: &compare.Tuning{Trials: 5},
		}
	}
	whole := t.TempDir()
	res, err := compare.Run(t.Context(), study(whole))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(res.Tuning); n != 10 {
		t.Fatalf("%d configurations, want 5 for each of the 2 tunable strategies", n)
	}
	// Validation split: 10 % of the 400 training rows.
	if tr := res.Tuning[0].Trials[0]; tr.Phase != "tune" {
		t.Errorf("tuning trial phase %q", tr.Phase)
	}
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(t.Context())
	st := study(dir)
	n := 0
	st.Progress = func(p compare.Progress) {
		if p.Trial != nil {
			if n++; n == 4 {
				cancel()
			}
		}
	}
	if _, err := compare.Run(ctx, st); err == nil {
		t.Fatal("no error from the cancelled study")
	}
	cancel()
	var plans []compare.Plan
	st = study(dir)
	st.OnPlan = func(p compare.Plan) { plans = append(plans, p) }
	if _, err := compare.Run(t.Context(), st); err != nil {
		t.Fatal(err)
	}
	if len(plans) != 2 || plans[0].Phase != "tuning" || plans[0].Found < 4 || plans[0].Found+plans[0].ToRun != 10 || plans[1].Found != 0 {
		t.Errorf("resume plans %+v, want the tuning phase to find the 4+ finished trials", plans)
	}
	for _, f := range []string{"results.csv", "tuning.csv"} {
		a, _ := os.ReadFile(filepath.Join(whole, f))
		b, _ := os.ReadFile(filepath.Join(dir, f))
		if stripTimes(t, a) != stripTimes(t, b) {
			t.Errorf("%s differs after the resume:\n%s\n---\n%s", f, a, b)
		}
	}
}

func TestTuneErrors(t *testing.T) {
	for _, c := range []struct {
		text, want string
	}{
		{"sgd(lr=loguniform(1,0))", "key lr: compare: search space loguniform(1,0): want a < b"},
		{"sgd(lr=loguniform(0,1))", "want 0 < a < b"},
		{"sgd(lr=uniform(0.1))", "want two bounds"},
		{"sgd(nesterov=choice(true,false))", "not a finite number"},
		{"sgd(lr=choice())", "not a finite number"},
		{"sgd(lr=uniform(1,2)) | cosine(max=same,T=total)", ""},
		{"sgd | cosine(max=loguniform(1e-3,1),T=uniform(1,2))", "want an integer"},
		{"sgd(lr=loguniform(1e-3,1) | cosine(max=same,T=total)", "solver: spec \"sgd(lr=loguniform(1e-3,1)\""},
		{"multistep(lr=0.1,milestones=[uniform(1,2)])", ""},
	} {
		_, err := compare.ParseStrategy(c.text)
		if c.want == "" {
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want an error containing %q", c.text, err, c.want)
		}
	}
	// A space in a fixed study.
	_, err := compare.Run(t.Context(), compare.Study{Problems: []compare.Problem{blobsProblem(t)},
		Strategies: strategies(t, "sgd(lr=loguniform(1e-3,1))"), Steps: 10})
	if err == nil || !strings.Contains(err.Error(), "not tuned") || !strings.Contains(err.Error(), "sgd.lr=loguniform(1e-3,1)") {
		t.Errorf("space in a fixed study: %v", err)
	}
	// A grid that is not full.
	_, err = compare.Run(t.Context(), compare.Study{Problems: []compare.Problem{blobsProblem(t)},
		Strategies: strategies(t, "sgd(lr=loguniform(1e-3,1),momentum=choice(0,0.9))"), Steps: 10,
		Tune: &compare.Tuning{Trials: 5, Sampler: "grid"}})
	if err == nil || !strings.Contains(err.Error(), "not a full grid") {
		t.Errorf("grid of 5: %v", err)
	}
}

// TestSame ties a warm-up cosine's peak to the solver's lr with same: the
// solver's lr is not the rate of step 0 (the warm-up starts at 0), which
// is allowed with same and an error without.
func TestSame(t *testing.T) {
	res, err := compare.Run(t.Context(), compare.Study{
		Problems:   []compare.Problem{blobsProblem(t)},
		Strategies: strategies(t, "w: sgd(lr=0.3) | warmup(steps=10,cosine(max=same,T=total))"),
		Seeds:      []uint64{1}, Steps: 40,
	})
	if err != nil {
		t.Fatal(err)
	}
	lrs := res.TrialsOf("blobs", "w")[0].LRs
	if want := 0.3 * 0.5 * (1 + math.Cos(math.Pi*10/40)); lrs[0][1] != 0 || math.Abs(lrs[10][1]-want) > 1e-15 {
		t.Errorf("rates %v, want 0 at step 0 and %v at step 10", lrs[:11], want)
	}
	if _, err := compare.ParseStrategy("sgd(lr=0.3) | warmup(steps=10,cosine(max=0.3,T=total))"); err == nil {
		t.Error("lr=0.3 with a warm-up from 0 and no same: no error")
	}
}

// TestBestAfter checks the tuning-curve distribution against values worked
// out by hand: scores {1, 2, 3, 4}; the best of k draws with replacement
// has P(best ≤ v_i) = 1 − (1 − i/4)^k.
func TestBestAfter(t *testing.T) {
	scores := []float64{3, 1, 4, 2}
	for _, c := range []struct {
		k           int
		med, q1, q3 float64
	}{
		// k = 1: the empirical quartiles, lower order statistic: CDF 0.25, 0.5, 0.75, 1.
		{1, 2, 1, 3},
		// k = 2: CDF 1 − (3/4)² = 0.4375, 1 − (1/2)² = 0.75, 0.9375, 1.
		{2, 2, 1, 2},
		// k = 4: CDF 0.684, 0.9375, …: the median and both quartiles are 1 except Q3 = 2.
		{4, 1, 1, 2},
	} {
		m, q1, q3 := compare.BestAfter(scores, c.k)
		if m != c.med || q1 != c.q1 || q3 != c.q3 {
			t.Errorf("k=%d: median %v [%v, %v], want %v [%v, %v]", c.k, m, q1, q3, c.med, c.q1, c.q3)
		}
	}
	// Diverged trials: 3 of 4 are ∞; the best of 1 is ∞ in the median,
	// the best of 4 has P(all ∞) = (3/4)^4 = 0.32 < 0.5, so a median of 1.
	inf := math.Inf(1)
	if m, _, _ := compare.BestAfter([]float64{inf, 1, inf, inf}, 1); !math.IsInf(m, 1) {
		t.Errorf("k=1 with 3 of 4 diverged: median %v, want +Inf", m)
	}
	if m, _, q3 := compare.BestAfter([]float64{inf, 1, inf, inf}, 4); m != 1 || !math.IsInf(q3, 1) {
		t.Errorf("k=4 with 3 of 4 diverged: median %v, Q3 %v, want 1 and +Inf", m, q3)
	}
}

// TestDropoutRegularizer: dropout(p=…) in a strategy drops the input of a
// network without dropout layers (its training loss rises above the same
// run's without dropout, its curve differs), combines with a penalty, and
// is refused twice or out of range.
func TestDropoutRegularizer(t *testing.T) {
	res, err := compare.Run(t.Context(), compare.Study{
		Problems:   []compare.Problem{blobsProblem(t)},
		Strategies: strategies(t, "plain: sgd(lr=0.1)", "drop: sgd(lr=0.1) | dropout(p=0.5)", "both: sgd(lr=0.1) | l2(lambda=1e-3) | dropout(p=0.5)"),
		Seeds:      []uint64{1}, Steps: 60,
	})
	if err != nil {
		t.Fatal(err)
	}
	plain, drop := res.TrialsOf("blobs", "plain")[0], res.TrialsOf("blobs", "drop")[0]
	if !(drop.FinalTrainLoss > plain.FinalTrainLoss) {
		t.Errorf("input dropout 0.5: training loss %v, without %v: want higher (half the inputs dropped)", drop.FinalTrainLoss, plain.FinalTrainLoss)
	}
	if both := res.TrialsOf("blobs", "both")[0]; both.Status != compare.StatusOK || both.Regularizer != "l2(lambda=1e-3) | dropout(p=0.5)" {
		t.Errorf("l2 and dropout: %s, regularizer %q", both.Status, both.Regularizer)
	}
	for _, c := range []struct{ text, want string }{
		{"sgd | dropout(p=0.5) | dropout(p=0.2)", "two regularizers"},
		{"sgd | dropout(p=1)", "p must be in (0, 1)"},
		{"sgd | dropout(rate=0.1)", "missing required key p"},
		{"sgd | l2(lambda=1e-4) | l1(lambda=1e-4)", "use elastic"},
	} {
		if _, err := compare.ParseStrategy(c.text); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want an error containing %q", c.text, err, c.want)
		}
	}
}

// TestHalving tunes the quadratic's lr by successive halving: 27
// configurations at 1/27 of the budget, 9 at 1/9, 3 at 1/3, 1 at the full
// budget. GD's steps to target fall as lr rises to 2/(L+μ) and grow beyond
// it (the contraction factor is max(|1−αμ|, |1−αL|)), so of the sampled
// rates the best is the largest one below 2/(L+μ): the survivor of the
// last rung must be that one, at well under half the plain protocol's
// steps.
func TestHalving(t *testing.T) {
	p := solvertest.Quadratic(10, 100, 0)
	res, err := compare.Run(t.Context(), compare.Study{
		Problems:   []compare.Problem{compare.AnalyticProblem(p)},
		Strategies: strategies(t, "gd: sgd(lr=loguniform(1e-3,0.05))"),
		Seeds:      []uint64{1}, Steps: 2000, Target: compare.Target{Loss: 1e-6},
		Tune: &compare.Tuning{Trials: 27, Halving: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	count := map[int]int{}
	steps := 0
	var chosen compare.TuningConfig
	for _, c := range res.Tuning {
		count[c.Rung]++
		for _, tr := range c.Trials {
			steps += tr.BudgetSteps
		}
		if c.Chosen {
			chosen = c
		}
	}
	if count[0] != 27 || count[1] != 9 || count[2] != 3 || count[3] != 1 || len(count) != 4 {
		t.Errorf("configurations per rung %v, want 27, 9, 3, 1", count)
	}
	if chosen.Rung != 3 || chosen.Steps != 2000 {
		t.Errorf("chosen %+v, want the survivor of rung 3 at the full budget", chosen.ConfigInfo)
	}
	best := 0.0
	for _, c := range res.Tuning {
		if lr := c.Values[0]; c.Rung == 0 && lr <= 2/(p.L+p.Mu) {
			best = max(best, lr)
		}
	}
	if chosen.Values[0] != best {
		t.Errorf("chosen lr %v, want %v, the largest sampled rate below 2/(L+μ) = %v", chosen.Values[0], best, 2/(p.L+p.Mu))
	}
	if plain := 27 * 2000; steps > plain/2 {
		t.Errorf("halving budgeted %d steps, the plain protocol %d", steps, plain)
	}
	t.Logf("halving: %d budgeted steps (plain: %d), chose lr %v", steps, 27*2000, chosen.Values[0])
}

// TestHyperSegment schedules sgd's momentum in a strategy: hyper(…) is read
// as its own segment, total substituted, and the schedule changes the run
// (a momentum ramp from 0 to 0.9 differs from a constant 0.9).
func TestHyperSegment(t *testing.T) {
	res, err := compare.Run(t.Context(), compare.Study{
		Problems: []compare.Problem{blobsProblem(t)},
		Strategies: strategies(t, "const: sgd(lr=0.05,momentum=0.9)",
			"ramp: sgd(lr=0.05,momentum=0.9) | hyper(momentum=linear(lr=0.9,start_factor=0.01,total=total))"),
		Seeds: []uint64{1}, Steps: 40,
	})
	if err != nil {
		t.Fatal(err)
	}
	a, b := res.TrialsOf("blobs", "const")[0], res.TrialsOf("blobs", "ramp")[0]
	if b.Status != compare.StatusOK || a.FinalTestLoss == b.FinalTestLoss {
		t.Errorf("ramp %s, losses %v and %v: want a run that differs from the constant momentum", b.Status, a.FinalTestLoss, b.FinalTestLoss)
	}
	for _, c := range []struct{ text, want string }{
		{"sgd(lr=0.1,momentum=0.9) | hyper(gamma=0.5)", "can schedule"},
		{"sgd | hyper(momentum=0.5) | hyper(momentum=0.6)", "two hyper"},
	} {
		if _, err := compare.ParseStrategy(c.text); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want an error containing %q", c.text, err, c.want)
		}
	}
	if s, err := compare.ParseStrategy("adam | hyper(beta1=0.8)"); err != nil || s.String() != "adam | hyper(beta1=0.8)" {
		t.Errorf("adam | hyper(beta1=0.8): %v, %q", err, s.String())
	}
}

// TestTuneShards runs a tuned study as two shards on "shared storage":
// each first pass runs its half of the tuning trials and reports the
// phase incomplete until the other's are there; the second passes choose
// the same configurations and run their halves of the study; the merge
// equals the unsharded study (results.csv and tuning.csv).
func TestTuneShards(t *testing.T) {
	study := func(dir string) compare.Study {
		return compare.Study{
			Problems:   []compare.Problem{blobsProblem(t)},
			Strategies: strategies(t, "sgd: sgd(lr=loguniform(0.01,1))", "adam: adam(lr=loguniform(1e-3,0.1))", "fixed: sgd(lr=0.1)"),
			Seeds:      []uint64{1, 2}, Steps: 30, EvalEvery: 10, Parallel: 2, Dir: dir,
			Tune: &compare.Tuning{Trials: 4},
		}
	}
	whole := t.TempDir()
	if _, err := compare.Run(t.Context(), study(whole)); err != nil {
		t.Fatal(err)
	}
	dirs := []string{t.TempDir(), t.TempDir()}
	shard := func(i int) compare.Study {
		st := study(dirs[i])
		st.Shard = compare.Shard{Index: i, Count: 2}
		st.TuneDirs = dirs
		return st
	}
	if _, err := compare.Run(t.Context(), shard(0)); !errors.Is(err, compare.ErrTuningIncomplete) {
		t.Fatalf("shard 0 alone: %v, want ErrTuningIncomplete", err)
	}
	if _, err := compare.Run(t.Context(), shard(1)); err != nil { // sees shard 0's half
		t.Fatal(err)
	}
	if _, err := compare.Run(t.Context(), shard(0)); err != nil {
		t.Fatal(err)
	}
	merged := t.TempDir()
	if _, err := compare.Merge(merged, nil, dirs...); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"results.csv", "tuning.csv"} {
		a, _ := os.ReadFile(filepath.Join(whole, f))
		b, _ := os.ReadFile(filepath.Join(merged, f))
		if stripTimes(t, a) != stripTimes(t, b) {
			t.Errorf("%s of the merged shards differs from the unsharded study:\n%s\n---\n%s", f, a, b)
		}
	}
}
