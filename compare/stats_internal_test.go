package compare

import (
	"encoding/csv"
	"math"
	"strconv"
	"strings"
	"testing"
)

// TestMeanRule checks the one rule of Summary's mean: over the trials that
// finished (and, for steps to target, reached it). A diverged trial counts
// as the worst value in the median — +Inf loss, 0 accuracy — and is left
// out of the mean of both.
func TestMeanRule(t *testing.T) {
	ok := func(loss, acc float64, stt int) *Trial {
		return &Trial{Status: StatusOK, FinalTestLoss: loss, FinalTestAcc: acc, BestTestAcc: acc, FinalTrainLoss: loss,
			AULC: loss, StepsToTarget: stt, SecondsToTarget: float64(stt), Seconds: 1}
	}
	diverged := &Trial{Status: StatusDiverged, FinalTestLoss: math.NaN(), FinalTestAcc: math.NaN(), BestTestAcc: 0.5,
		FinalTrainLoss: math.NaN(), AULC: math.Inf(1), StepsToTarget: 40, SecondsToTarget: 4, Seconds: 1}
	ts := []*Trial{ok(0.2, 0.9, 100), ok(0.4, 0.8, -1), diverged}
	st := strategyStats("p", StrategyInfo{Name: "s"}, ts, true)
	for _, c := range []struct {
		name         string
		s            Summary
		median, mean float64
		n            int
	}{
		{"final loss", st.FinalTestLoss, 0.4, 0.3, 2},
		{"final accuracy", st.FinalTestAcc, 0.8, 0.85, 2}, // the diverged trial's 0 is in the median only
		{"best accuracy", st.BestTestAcc, 0.8, 0.85, 2},
		{"steps to target", st.StepsToTarget, 100, 100, 1}, // reached and finished: the first trial only
	} {
		if math.Abs(c.s.Median-c.median) > 1e-12 || math.Abs(c.s.Mean-c.mean) > 1e-12 || c.s.N != c.n {
			t.Errorf("%s: median %v mean %v over %d, want %v, %v over %d", c.name, c.s.Median, c.s.Mean, c.s.N, c.median, c.mean, c.n)
		}
	}
}

// TestCSVNumbers writes results.csv for trials with every kind of value —
// finite, NaN, +Inf (the AULC of a diverged trial) — and reads it back
// with encoding/csv and strconv.ParseFloat, as a CSV reader would: every
// numeric cell is empty (missing) or parses as a number.
func TestCSVNumbers(t *testing.T) {
	diverged := &Trial{Problem: "p", Strategy: "s", Status: StatusDiverged, Error: `loss "NaN", at step 3`, StepsToTarget: -1}
	diverged.finish(Target{})
	good := &Trial{Problem: "p", Strategy: "s", Seed: 2, Status: StatusOK, BudgetSteps: 10, StepsToTarget: -1,
		Curve: []Point{{Step: 0, TestLoss: 2, TestAcc: 0.1}, {Step: 10, TestLoss: 1, TestAcc: 0.5, TrainLoss: 1.5}}}
	good.finish(Target{})
	r := newResults(StudyInfo{Strategies: []StrategyInfo{{Name: "s"}}, Problems: []ProblemInfo{{Name: "p"}}}, []*Trial{diverged, good})
	var b strings.Builder
	if err := r.WriteCSV(&b); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(b.String())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	text := map[string]bool{"problem": true, "strategy": true, "solver": true, "schedule": true, "regularizer": true, "status": true, "diverged": true, "error": true}
	sawInf := false
	for _, row := range rows[1:] {
		for i, cell := range row {
			if text[rows[0][i]] || cell == "" {
				continue
			}
			v, err := strconv.ParseFloat(cell, 64)
			if err != nil {
				t.Errorf("column %s: %q is not a number", rows[0][i], cell)
			}
			sawInf = sawInf || math.IsInf(v, 1)
		}
	}
	if !sawInf || !strings.Contains(b.String(), ",inf,") {
		t.Errorf("no inf written for the diverged trial's AULC:\n%s", b.String())
	}
}
