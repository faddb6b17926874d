package compare_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/convergo/convergo/compare"
	"github.com/convergo/convergo/graph"
	"github.com/convergo/convergo/lrsched"
	"github.com/convergo/convergo/solvers/solvertest"
)

// signMomentum is a user's own solver, written without convergo's solver
// toolkit: sign-SGD with momentum (signum, Bernstein et al. 2018),
// m ← βm + (1−β)g, θ ← θ − lr·sign(m), on float32 or float64 tensors.
type signMomentum struct {
	lr, beta float64
	m        map[gorgonia.ValueGrad][]float64
}

func newSignMomentum(lr, beta float64) *signMomentum {
	return &signMomentum{lr: lr, beta: beta, m: map[gorgonia.ValueGrad][]float64{}}
}

func (s *signMomentum) LearnRate() float64      { return s.lr }
func (s *signMomentum) SetLearnRate(lr float64) { s.lr = lr }
func (s *signMomentum) String() string          { return fmt.Sprintf("signum(lr=%g,beta=%g)", s.lr, s.beta) }

func (s *signMomentum) Step(params []gorgonia.ValueGrad) error {
	for _, p := range params {
		g, err := p.Grad()
		if err != nil {
			return err
		}
		w, gd := p.Value().(*tensor.Dense), g.(*tensor.Dense)
		m := s.m[p]
		if m == nil {
			m = make([]float64, w.Size())
			s.m[p] = m
		}
		switch wd := w.Data().(type) {
		case []float32:
			gs := gd.Data().([]float32)
			for i := range wd {
				m[i] = s.beta*m[i] + (1-s.beta)*float64(gs[i])
				wd[i] -= float32(s.lr * sign(m[i]))
				gs[i] = 0
			}
		case []float64:
			gs := gd.Data().([]float64)
			for i := range wd {
				m[i] = s.beta*m[i] + (1-s.beta)*gs[i]
				wd[i] -= s.lr * sign(m[i])
				gs[i] = 0
			}
		default:
			return fmt.Errorf("signum: dtype %v", w.Dtype())
		}
	}
	return nil
}

func sign(x float64) float64 {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return 0
}

// goStrategies are two strategies given as Go values — the custom solver
// with a constant rate, and with a cosine written as an lrsched.Func — and
// a parsed one.
func goStrategies(t *testing.T) []compare.Strategy {
	custom := func() (gorgonia.Solver, error) { return newSignMomentum(0.01, 0.9), nil }
	cosine := func(total int) (lrsched.Scheduler, error) {
		return lrsched.Func(func(step int) float64 {
			return 0.005 * (1 + math.Cos(math.Pi*float64(step)/float64(total)))
		}), nil
	}
	return append([]compare.Strategy{
		{Name: "signum", NewSolver: custom, Key: "signum-v1"},
		{Name: "signum+cos", NewSolver: custom, NewSchedule: cosine, Key: "signum-v1"},
	}, strategies(t, "adam: adam(lr=0.01)")...)
}

// TestGoStrategiesResume runs a study of Go-valued strategies next to a
// parsed one, cancels it after two trials, resumes it, and checks that
// results.csv equals an uninterrupted run's apart from the time columns.
func TestGoStrategiesResume(t *testing.T) {
	study := func(dir string) compare.Study {
		return compare.Study{
			Problems:   []compare.Problem{blobsProblem(t)},
			Strategies: goStrategies(t),
			Seeds:      []uint64{1, 2},
			Steps:      60,
			EvalEvery:  10,
			Target:     compare.Target{Acc: 0.8},
			Parallel:   2,
			Dir:        dir,
		}
	}
	whole := t.TempDir()
	res, err := compare.Run(t.Context(), study(whole))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"signum", "signum+cos", "adam"} {
		s := res.Stat("blobs", name)
		if s == nil || s.SuccessRate != 1 || !(s.FinalTestAcc.Median > 0.8) {
			t.Errorf("%s: %+v, want every trial ok and accuracy > 0.8", name, s)
		}
	}
	// The cosine is applied: the rate of the first step is 0.01, of the
	// last 0.005·(1+cos(59π/60)).
	tr := res.TrialsOf("blobs", "signum+cos")[0]
	if first, last := tr.LRs[0][1], tr.LRs[len(tr.LRs)-1][1]; first != 0.01 || math.Abs(last-0.005*(1+math.Cos(math.Pi*59/60))) > 1e-15 {
		t.Errorf("signum+cos rates %v … %v", first, last)
	}
	if tr.Solver != "go:signum(lr=0.01,beta=0.9)" || tr.Schedule != "go:lrsched.Func" {
		t.Errorf("the Go values are described as %q | %q", tr.Solver, tr.Schedule)
	}

	dir := t.TempDir()
	ctx, cancel := context.WithCancel(t.Context())
	st := study(dir)
	done := 0
	st.Progress = func(p compare.Progress) {
		if p.Trial != nil {
			if done++; done == 2 {
				cancel()
			}
		}
	}
	if _, err := compare.Run(ctx, st); err == nil {
		t.Fatal("the cancelled study returned no error")
	}
	cancel()
	files, _ := filepath.Glob(filepath.Join(dir, "trials", "*.json"))
	if len(files) < 2 || len(files) >= 6 {
		t.Fatalf("after the cancel %d trial files, want 2 to 5", len(files))
	}
	st = study(dir)
	var last compare.Progress
	st.Progress = func(p compare.Progress) { last = p }
	if _, err := compare.Run(t.Context(), st); err != nil {
		t.Fatal(err)
	}
	if last.Skipped != len(files) || last.TrialsDone != 6 {
		t.Errorf("resume skipped %d trials of %d, want the %d finished ones", last.Skipped, last.TrialsDone, len(files))
	}
	a, _ := os.ReadFile(filepath.Join(whole, "results.csv"))
	b, _ := os.ReadFile(filepath.Join(dir, "results.csv"))
	if stripTimes(t, a) != stripTimes(t, b) {
		t.Errorf("the resumed study differs from the uninterrupted one:\n%s\n---\n%s", a, b)
	}

	// A new Key is a new solver: nothing is reused.
	st = study(dir)
	st.Strategies[0].Key = "signum-v2"
	st.Progress = func(p compare.Progress) { last = p }
	if _, err := compare.Run(t.Context(), st); err != nil {
		t.Fatal(err)
	}
	if last.Skipped != 4 {
		t.Errorf("after bumping signum's Key, %d trials were reused, want 4 (signum's 2 rerun)", last.Skipped)
	}
}

func TestGoStrategyErrors(t *testing.T) {
	custom := func() (gorgonia.Solver, error) { return newSignMomentum(0.01, 0.9), nil }
	for _, tc := range []struct {
		name string
		s    compare.Strategy
		want string
	}{
		{"no key", compare.Strategy{Name: "x", NewSolver: custom}, "set Key"},
		{"no name", compare.Strategy{NewSolver: custom, Key: "v1"}, "needs a Name"},
		{"no solver", compare.Strategy{Name: "x", Key: "v1"}, "no solver"},
		{"schedule key", compare.Strategy{Name: "x", Solver: "sgd", NewSchedule: func(int) (lrsched.Scheduler, error) { return lrsched.Func(func(int) float64 { return 1 }), nil }}, "set Key"},
		{"penalty key", compare.Strategy{Name: "x", Solver: "sgd", Penalty: graph.L2(1e-4, graph.WeightsOnly)}, "set Key"},
		{"factory error", compare.Strategy{Name: "x", Key: "v1", NewSolver: func() (gorgonia.Solver, error) { return nil, fmt.Errorf("no GPU") }}, "no GPU"},
		{"factory nil", compare.Strategy{Name: "x", Key: "v1", NewSolver: func() (gorgonia.Solver, error) { return nil, nil }}, "nil solver"},
		{"factory panic", compare.Strategy{Name: "x", Key: "v1", NewSolver: func() (gorgonia.Solver, error) { panic("boom") }}, "panicked: boom"},
		{"schedule without SetLearnRate", compare.Strategy{Name: "x", Key: "v1", Schedule: "constant(lr=0.1)",
			NewSolver: func() (gorgonia.Solver, error) { return gorgonia.NewVanillaSolver(), nil }}, "no SetLearnRate"},
		{"Gorgonia's solver", compare.Strategy{Name: "x", Key: "v1",
			NewSolver: func() (gorgonia.Solver, error) { return gorgonia.NewVanillaSolver(), nil }}, ""},
	} {
		err := tc.s.Validate()
		if tc.want == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
	// A study refuses it too, before running anything.
	_, err := compare.Run(t.Context(), compare.Study{
		Problems: []compare.Problem{blobsProblem(t)}, Strategies: []compare.Strategy{{Name: "x", NewSolver: custom}}, Steps: 10,
	})
	if err == nil || !strings.Contains(err.Error(), "set Key") {
		t.Errorf("Run: %v", err)
	}
}

// TestGoStrategiesAnalyticAndShards runs Go-valued strategies on an
// analytic problem, as two shards merged, and checks the merge equals the
// unsharded study and that the custom solver minimises the quadratic.
func TestGoStrategiesAnalyticAndShards(t *testing.T) {
	quad := compare.AnalyticProblem(solvertest.Quadratic(4, 10, 0))
	quad.Analytic.Jitter = 0.1
	study := func(dir string, shard compare.Shard) compare.Study {
		return compare.Study{
			Problems: []compare.Problem{quad}, Strategies: goStrategies(t), Seeds: []uint64{1, 2},
			Steps: 200, EvalEvery: 20, Parallel: 2, Dir: dir, Shard: shard,
		}
	}
	whole := t.TempDir()
	res, err := compare.Run(t.Context(), study(whole, compare.Shard{}))
	if err != nil {
		t.Fatal(err)
	}
	// Signum with a cosine to 0 ends near the minimum: f − f* below 2 %
	// of its start (sign steps of at most 0.01 per coordinate, 200 of
	// them, from a start at distance ≈ 2).
	for _, tr := range res.TrialsOf(quad.Name, "signum+cos") {
		if start := tr.Curve[0].TestLoss; tr.Status != compare.StatusOK || !(tr.FinalTestLoss < 0.02*start) {
			t.Errorf("signum+cos seed %d: %s, f − f* = %v from %v", tr.Seed, tr.Status, tr.FinalTestLoss, start)
		}
	}
	var dirs []string
	for i := range 2 {
		d := t.TempDir()
		if _, err := compare.Run(t.Context(), study(d, compare.Shard{Index: i, Count: 2})); err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, d)
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
	report, _ := os.ReadFile(filepath.Join(merged, "report.md"))
	if !strings.Contains(string(report), "go:signum(lr=0.01,beta=0.9)") {
		t.Errorf("report.md does not describe the Go solver:\n%s", report)
	}
}

// TestDataChangeReruns changes one label of the training set and reruns
// the study into the same directory: no trial may be reused (the
// fingerprint hashes the data's contents, not only names and sizes).
func TestDataChangeReruns(t *testing.T) {
	dir := t.TempDir()
	p := blobsProblem(t)
	study := func(p compare.Problem) compare.Study {
		return compare.Study{Problems: []compare.Problem{p}, Strategies: strategies(t, "sgd(lr=0.1)"), Seeds: []uint64{1, 2}, Steps: 20, Dir: dir}
	}
	if _, err := compare.Run(t.Context(), study(p)); err != nil {
		t.Fatal(err)
	}
	var last compare.Progress
	st := study(p)
	st.Progress = func(pr compare.Progress) { last = pr }
	if _, err := compare.Run(t.Context(), st); err != nil || last.Skipped != 2 {
		t.Fatalf("unchanged rerun: skipped %d of 2 (%v)", last.Skipped, err)
	}
	changed := *p.Train
	changed.Y = append([]int(nil), p.Train.Y...)
	changed.Y[0] = (changed.Y[0] + 1) % changed.Classes
	p.Train = &changed
	st = study(p)
	st.Progress = func(pr compare.Progress) { last = pr }
	if _, err := compare.Run(t.Context(), st); err != nil {
		t.Fatal(err)
	}
	if last.Skipped != 0 {
		t.Errorf("after changing one label, %d trials were reused, want 0", last.Skipped)
	}
}
