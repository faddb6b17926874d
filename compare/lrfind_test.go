package compare_test

import (
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/convergo/convergo/compare"
	"github.com/convergo/convergo/solvers/solvertest"
)

// TestLRFind runs the range test with SGD on the blobs problem: the rates
// follow the exponential ramp, the smoothed loss is the debiased moving
// average of the raw losses, the test stops when the loss blows up, and
// the suggested rate trains: 50 steps at Valley lower the validation loss
// more than 50 steps at a rate 100 times smaller.
func TestLRFind(t *testing.T) {
	p := blobsProblem(t)
	res, err := compare.LRFind(t.Context(), p, "sgd", &compare.LRFindOptions{Start: 1e-4, End: 1e3, Steps: 80})
	if err != nil {
		t.Fatal(err)
	}
	n := len(res.LRs)
	if !res.Diverged || n >= 80 || n < 20 {
		t.Fatalf("%d steps, diverged %v: want a stop before lr=1e3", n, res.Diverged)
	}
	q := math.Log(1e3/1e-4) / 79
	for i, lr := range res.LRs {
		if want := 1e-4 * math.Exp(q*float64(i)); math.Abs(lr/want-1) > 1e-12 {
			t.Fatalf("lr of step %d: %v, want %v", i, lr, want)
		}
	}
	var avg float64
	for i, l := range res.Losses {
		avg = 0.98*avg + 0.02*l
		if want := avg / (1 - math.Pow(0.98, float64(i+1))); math.Abs(res.Smoothed[i]-want) > 1e-12*want {
			t.Fatalf("smoothed loss %d: %v, want %v", i, res.Smoothed[i], want)
		}
	}
	for _, s := range []float64{res.Valley, res.Steepest, res.MinOver10} {
		if !(s >= 1e-4 && s <= 1e3) {
			t.Errorf("suggestion %v outside the ramp", s)
		}
	}
	train := func(lr float64) float64 {
		r, err := compare.Run(t.Context(), compare.Study{Problems: []compare.Problem{p},
			Strategies: strategies(t, "sgd(lr="+strconv.FormatFloat(lr, 'g', -1, 64)+")"), Seeds: []uint64{1}, Steps: 50})
		if err != nil {
			t.Fatal(err)
		}
		return r.Trials[0].FinalTestLoss
	}
	if at, below := train(res.Valley), train(res.Valley/100); !(at < below) {
		t.Errorf("50 steps at the valley rate %v: loss %v, at a hundredth of it %v", res.Valley, at, below)
	}
	var b strings.Builder
	if err := res.WriteCSV(&b); err != nil || strings.Count(b.String(), "\n") != n+1 {
		t.Errorf("CSV: %v, %d lines for %d steps", err, strings.Count(b.String(), "\n"), n)
	}
	if _, err := compare.LRFind(t.Context(), compare.AnalyticProblem(solvertest.Booth()), "sgd", nil); err == nil {
		t.Error("LRFind on an analytic problem: no error")
	}
}
