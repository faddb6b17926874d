package compare_test

import (
	"bytes"
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/convergo/convergo/compare"
	"github.com/convergo/convergo/solvers/solvertest"
)

// hbStudy is heavy ball against gradient descent on the quadratic of
// condition number κ = 100 (n = 10, L = 100, μ = 1), each with its optimal
// constant step (Polyak 1964): GD α = 2/(L+μ) = 2/101; heavy ball
// α = 4/(√L+√μ)² = 4/121, β = ((√κ−1)/(√κ+1))² = 81/121. Two more
// strategies diverge: GD with α = 0.03 > 2/L, and GD with the safe solver
// rate overridden by a schedule to the same 0.03 (so the schedule is what
// is applied).
func hbStudy(t *testing.T, dir string) compare.Study {
	p := compare.AnalyticProblem(solvertest.Quadratic(10, 100, 0))
	p.Name = "quadratic"
	p.Analytic.Jitter = 0.1 // each seed its own start: (1, …, 1) + 0.1·N(0, I)
	return compare.Study{
		Problems: []compare.Problem{p},
		Strategies: strategies(t,
			"gd: sgd(lr=0.019801980198019802)",
			"heavy-ball: sgd(lr=0.03305785123966942,momentum=0.6694214876033058)",
			"gd-too-fast: sgd(lr=0.03)",
			"gd-scheduled-too-fast: sgd | constant(lr=0.03)",
		),
		Seeds:        []uint64{1, 2, 3},
		Steps:        1000,
		Target:       compare.Target{Loss: 1e-6},
		StopAtTarget: true,
		EvalEvery:    10,
		Dir:          dir,
	}
}

// TestAnalyticRanking runs a study on a solvertest problem inside go test
// and asserts a ranking that theory predicts. On a quadratic with condition
// number κ, gradient descent with step 2/(L+μ) contracts the error by
// q = (κ−1)/(κ+1) per step, heavy ball with Polyak's tuning by
// (√κ−1)/(√κ+1) (Polyak 1964, "Some methods of speeding up the
// convergence of iteration methods", USSR Comp. Math. Math. Phys. 4(5)):
// 99/101 against 9/11, so heavy ball needs about √κ = 10 times fewer
// steps. GD with a step above 2/L diverges.
func TestAnalyticRanking(t *testing.T) {
	res, err := compare.Run(t.Context(), hbStudy(t, ""))
	if err != nil {
		t.Fatal(err)
	}
	rank := res.Ranking("quadratic")
	if len(rank) != 4 || rank[0] != "heavy-ball" || rank[1] != "gd" {
		t.Fatalf("ranking %v, want heavy-ball, gd, then the diverging ones", rank)
	}
	gd, hb := res.TrialsOf("quadratic", "gd"), res.TrialsOf("quadratic", "heavy-ball")
	q := 99.0 / 101
	for i := range gd {
		g, h := gd[i], hb[i]
		t.Logf("seed %d: gd %d steps, heavy ball %d (f0 − f* = %.4g)", g.Seed, g.StepsToTarget, h.StepsToTarget, g.Curve[0].TestLoss)
		if !g.Reached() || !h.Reached() {
			t.Fatalf("seed %d: gd reached %v, heavy ball %v", g.Seed, g.Reached(), h.Reached())
		}
		// GD's error e_t = (I − αA)^t e_0 has ‖·‖_A shrinking by at
		// least q per step, so f_t − f* ≤ q^{2t}(f_0 − f*).
		bound := int(math.Ceil(math.Log(1e-6/g.Curve[0].TestLoss) / (2 * math.Log(q))))
		if g.StepsToTarget > bound {
			t.Errorf("seed %d: gd took %d steps, more than the rate bound %d", g.Seed, g.StepsToTarget, bound)
		}
		if 5*h.StepsToTarget > g.StepsToTarget {
			t.Errorf("seed %d: heavy ball %d steps, gd %d: want heavy ball at least 5× faster", g.Seed, h.StepsToTarget, g.StepsToTarget)
		}
	}
	for _, name := range []string{"gd-too-fast", "gd-scheduled-too-fast"} {
		s := res.Stat("quadratic", name)
		if s.Diverged != 3 || !math.IsInf(s.StepsToTarget.Median, 1) {
			t.Errorf("%s: %d of 3 diverged, median steps %v; want 3, +Inf", name, s.Diverged, s.StepsToTarget.Median)
		}
	}
	if s := res.Stat("quadratic", "heavy-ball"); s.SuccessRate != 1 || !math.IsNaN(s.FinalTestAcc.Median) || s.DiffToBest.OK {
		t.Errorf("heavy ball stats: success %v, accuracy %v (want NaN), CI %+v", s.SuccessRate, s.FinalTestAcc.Median, s.DiffToBest)
	}
	if ci := res.Stat("quadratic", "gd").DiffToBest; !ci.OK || ci.Lo <= 300 {
		t.Errorf("gd − heavy ball: %+v, want a CI above 300 steps", ci)
	}
	// The schedule is applied: its learning rate is the one recorded, at
	// step 0 too (the solver's default lr, 0.01, is never used).
	if tr := res.TrialsOf("quadratic", "gd-scheduled-too-fast")[0]; tr.LRs[0][1] != 0.03 || tr.Curve[0].LR != 0.03 {
		t.Errorf("scheduled lr: %v, point 0 lr %v", tr.LRs[:1], tr.Curve[0].LR)
	}
}

// TestAnalyticFiles checks the files of an analytic study: results.csv
// with empty accuracy columns, a report without accuracy, curves.jsonl,
// and that shards merged equal the whole study and a rerun runs nothing.
func TestAnalyticFiles(t *testing.T) {
	whole := t.TempDir()
	st := hbStudy(t, whole)
	st.Parallel = 2
	if _, err := compare.Run(t.Context(), st); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(whole, "results.csv"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 13 {
		t.Fatalf("results.csv has %d rows, want a header and 12 trials", len(rows))
	}
	col := func(name string) int { return slices.Index(rows[0], name) }
	for _, r := range rows[1:] {
		if r[col("final_test_acc")] != "" || r[col("best_test_acc")] != "" || r[col("epochs")] != "0" {
			t.Errorf("accuracy or epochs of an analytic trial not empty/0: %v", r)
		}
		diverged := r[col("diverged")] == "true"
		if diverged != strings.Contains(r[col("strategy")], "too-fast") || (r[col("steps_to_target")] == "") != diverged {
			t.Errorf("row %v: diverged %v, steps to target %q", r, diverged, r[col("steps_to_target")])
		}
	}
	report, _ := os.ReadFile(filepath.Join(whole, "report.md"))
	for _, want := range []string{"Analytic objective: dim 10, f* = 0", "| 1 | heavy-ball |", "final f − f*", "diverged at step"} {
		if !bytes.Contains(report, []byte(want)) {
			t.Errorf("report.md lacks %q:\n%s", want, report)
		}
	}
	for _, bad := range []string{"NaN", "test acc", "epochs"} {
		if bytes.Contains(report, []byte(bad)) {
			t.Errorf("report.md contains %q:\n%s", bad, report)
		}
	}
	curves, _ := os.ReadFile(filepath.Join(whole, "curves.jsonl"))
	if first, _, _ := bytes.Cut(curves, []byte("\n")); !bytes.Contains(first, []byte(`"step":0`)) || !bytes.Contains(first, []byte(`"test_acc":null`)) {
		t.Errorf("curves.jsonl starts with %s", first)
	}
	var table bytes.Buffer
	res, err := compare.Load(whole)
	if err != nil {
		t.Fatal(err)
	}
	if err := res.WriteTable(&table); err != nil || !strings.Contains(table.String(), "f − f* median") || strings.Contains(table.String(), "acc") {
		t.Errorf("table (%v):\n%s", err, table.String())
	}

	var dirs []string
	for i := range 3 {
		dir := t.TempDir()
		st := hbStudy(t, dir)
		st.Shard = compare.Shard{Index: i, Count: 3}
		if _, err := compare.Run(t.Context(), st); err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, dir)
	}
	merged := t.TempDir()
	if _, err := compare.Merge(merged, nil, dirs...); err != nil {
		t.Fatal(err)
	}
	m, _ := os.ReadFile(filepath.Join(merged, "results.csv"))
	if stripTimes(t, b) != stripTimes(t, m) {
		t.Errorf("merged shards differ from the whole study:\n%s\n---\n%s", b, m)
	}

	st = hbStudy(t, whole)
	var last compare.Progress
	st.Progress = func(p compare.Progress) { last = p }
	if _, err := compare.Run(t.Context(), st); err != nil {
		t.Fatal(err)
	}
	if last.Skipped != 12 || last.StepsRun != 0 {
		t.Errorf("resume: skipped %d trials and ran %d steps, want 12 and 0", last.Skipped, last.StepsRun)
	}
}

func TestAnalyticErrors(t *testing.T) {
	base := func() compare.Study {
		return compare.Study{
			Problems:   []compare.Problem{compare.AnalyticProblem(solvertest.Booth())},
			Strategies: strategies(t, "sgd(lr=0.05)"), Steps: 10,
		}
	}
	for _, tc := range []struct {
		edit func(*compare.Study)
		want string
	}{
		{func(s *compare.Study) { s.Strategies = strategies(t, "sgd(lr=0.05) | l2(lambda=1e-4)") }, "is analytic: a regularizer"},
		{func(s *compare.Study) { s.Target = compare.Target{Acc: 0.9} }, "no accuracy"},
		{func(s *compare.Study) { s.Steps, s.Epochs = 0, 3 }, "Study.Steps"},
		{func(s *compare.Study) { s.Problems[0].Train = blobsProblem(t).Train }, "must be empty"},
		{func(s *compare.Study) { s.Problems[0].Analytic.Jitter = math.NaN() }, "Jitter"},
	} {
		st := base()
		tc.edit(&st)
		if _, err := compare.Run(t.Context(), st); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %v, want one containing %q", err, tc.want)
		}
	}
}

// TestPerformanceProfile checks the Dolan–Moré profile of a study over
// four analytic problems against values worked out by hand from the
// per-problem step counts (Dolan & Moré 2002, "Benchmarking optimization
// software with performance profiles", Math. Program. 91:201–213, eq. 1:
// ρₛ(τ) = |{p : r(p,s) ≤ τ}| / |P|, r(p,s) = t(p,s) / minₛ t(p,s)).
func TestPerformanceProfile(t *testing.T) {
	res, err := compare.Run(t.Context(), compare.Study{
		Problems: []compare.Problem{
			compare.AnalyticProblem(solvertest.Rosenbrock(2)),
			compare.AnalyticProblem(solvertest.Beale()),
			compare.AnalyticProblem(solvertest.Booth()),
			compare.AnalyticProblem(solvertest.Quadratic(10, 100, 0)),
		},
		Strategies: strategies(t,
			"gd: sgd(lr=0.002)",
			"hb: sgd(lr=0.002,momentum=0.9)",
			"adam: adam(lr=0.05)",
			"adam-cos: adam(lr=0.1) | cosine(max=0.1,T=total)",
		),
		Seeds: []uint64{1}, Steps: 2000, Target: compare.Target{Loss: 1e-6}, StopAtTarget: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	// The step counts to f − f* ≤ 1e-6 (∞: not within 2000 steps), as
	// measured; the ratios and ρ below are worked out by hand from them.
	inf := math.Inf(1)
	steps := map[string][4]float64{ // rosenbrock2, beale, booth, quadratic
		"gd":       {inf, inf, 1810, inf},
		"hb":       {769, 755, 143, 260},
		"adam":     {1691, 414, 528, 130},
		"adam-cos": {inf, 207, 235, 97},
	}
	pr := res.Profile
	for i, s := range pr.Strategies {
		for j, p := range pr.Problems {
			if got := res.Stat(p, s).StepsToTarget.Median; got != steps[s][j] {
				t.Errorf("%s on %s: %v steps, want %v", s, p, got, steps[s][j])
			}
		}
		t.Logf("%-8s ratios %.4g", s, pr.Ratio[i])
	}
	// Best per problem: hb 769, adam-cos 207, hb 143, adam-cos 97. Ratios:
	//	gd        ∞              ∞              1810/143 = 12.66  ∞
	//	hb        1              755/207 = 3.647  1               260/97 = 2.680
	//	adam      1691/769 = 2.199  414/207 = 2    528/143 = 3.692   130/97 = 1.340
	//	adam-cos  ∞              1              235/143 = 1.643   1
	want := map[string]map[float64]float64{ // ρₛ(τ)
		"gd":       {1: 0, 2: 0, 4: 0, 12.65: 0, 12.66: 0.25, math.MaxFloat64: 0.25},
		"hb":       {1: 0.5, 2.67: 0.5, 2.69: 0.75, 3.64: 0.75, 3.65: 1, math.MaxFloat64: 1},
		"adam":     {1: 0, 1.34: 0, 1.35: 0.25, 1.99: 0.25, 2: 0.5, 2.19: 0.5, 2.2: 0.75, 3.69: 0.75, 3.7: 1},
		"adam-cos": {1: 0.5, 1.64: 0.5, 1.65: 0.75, math.MaxFloat64: 0.75}, // fails on Rosenbrock
	}
	// AlgoPerf's score, (1/3)∫₁⁴ ρ(τ)dτ, from the step functions above.
	r1, r2 := 260.0/97, 755.0/207
	a1, a2, a3 := 130.0/97, 1691.0/769, 528.0/143
	c1 := 235.0 / 143
	score := map[string]float64{
		"gd":       0,
		"hb":       (0.5*(r1-1) + 0.75*(r2-r1) + 1*(4-r2)) / 3,
		"adam":     (0.25*(2-a1) + 0.5*(a2-2) + 0.75*(a3-a2) + 1*(4-a3)) / 3,
		"adam-cos": (0.5*(c1-1) + 0.75*(4-c1)) / 3,
	}
	for i, s := range pr.Strategies {
		if got := pr.Score(i, compare.AlgoPerfRMax); math.Abs(got-score[s]) > 1e-12 {
			t.Errorf("score of %s: %v, want %v", s, got, score[s])
		}
		for tau, rho := range want[s] {
			if got := pr.Rho(i, tau); got != rho {
				t.Errorf("ρ_%s(%v) = %v, want %v", s, tau, got, rho)
			}
		}
		// ρₛ(1) is the fraction of problems on which s is fastest.
		fastest := 0
		for j := range pr.Problems {
			best := inf
			for _, c := range steps {
				best = min(best, c[j])
			}
			if steps[s][j] == best {
				fastest++
			}
		}
		if got := pr.Rho(i, 1); got != float64(fastest)/4 {
			t.Errorf("ρ_%s(1) = %v, but s is fastest on %d of 4 problems", s, got, fastest)
		}
		// ρₛ is a non-decreasing step function of τ.
		prev := 0.0
		for _, tau := range append([]float64{1}, pr.Taus()...) {
			if r := pr.Rho(i, tau); r < prev {
				t.Errorf("ρ_%s decreases at τ = %v: %v < %v", s, tau, r, prev)
			} else {
				prev = r
			}
		}
	}
}
