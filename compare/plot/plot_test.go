package plot_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/convergo/convergo/compare"
	"github.com/convergo/convergo/compare/plot"
	"github.com/convergo/convergo/datasets"
	"github.com/convergo/convergo/graph"
	"github.com/convergo/convergo/layers"
	"github.com/convergo/convergo/solvers/solvertest"
)

func blobs(t *testing.T, name string, classes int, seed uint64) compare.Problem {
	data, err := datasets.Blobs(600, 4, classes, seed)
	if err != nil {
		t.Fatal(err)
	}
	train, val, err := data.Split(200, seed)
	if err != nil {
		t.Fatal(err)
	}
	return compare.Problem{
		Name:   name,
		Net:    func() layers.Layer { return layers.Stack(layers.Dense(16), layers.ReLU(), layers.Dense(classes)) },
		Config: graph.Config{Input: []int{4}, Classes: classes, Batch: 20},
		Train:  train, Eval: val,
	}
}

// TestPlotTwoProblems draws every figure of a two-problem study, the
// performance profile included.
func TestPlotTwoProblems(t *testing.T) {
	strategies, err := compare.ParseStrategies("sgd: sgd(lr=0.05)", "adam: adam(lr=0.01)", "cos: sgd(lr=0.2) | cosine(max=0.2,T=total)", "bad: sgd(lr=1e30)")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if os.Getenv("PLOT_DIR") != "" {
		dir = os.Getenv("PLOT_DIR") // to look at the figures
	}
	res, err := compare.Run(t.Context(), compare.Study{
		Problems:   []compare.Problem{blobs(t, "blobs3", 3, 1), blobs(t, "blobs5", 5, 2)},
		Strategies: strategies, Seeds: []uint64{1, 2, 3}, Epochs: 4, EvalEvery: 5,
		Target: compare.Target{Acc: 0.9}, Dir: dir, Plotter: plot.New(),
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Profile == nil {
		t.Fatal("no performance profile for two problems")
	}
	for _, f := range []string{"loss_vs_step-blobs3.png", "acc_vs_seconds-blobs5.svg", "lr_vs_step-blobs3.png", "performance_profile.png", "performance_profile.svg"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
}

// TestPlotAnalytic draws the figures of a study on analytic problems: the
// f − f* curves (down to 1e-6 and beyond), learning rates and the profile,
// and no accuracy figure, since there is no accuracy.
func TestPlotAnalytic(t *testing.T) {
	strategies, err := compare.ParseStrategies("gd: sgd(lr=0.0198)", "hb: sgd(lr=0.033,momentum=0.67)", "adam-cos: adam(lr=0.1) | cosine(max=0.1,T=total)", "bad: sgd(lr=0.2)")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if os.Getenv("PLOT_DIR") != "" {
		dir = os.Getenv("PLOT_DIR")
	}
	quad := compare.AnalyticProblem(solvertest.Quadratic(10, 100, 0))
	quad.Name = "quadratic"
	quad.Analytic.Jitter = 0.1
	res, err := compare.Run(t.Context(), compare.Study{
		Problems:   []compare.Problem{compare.AnalyticProblem(solvertest.Booth()), quad},
		Strategies: strategies, Seeds: []uint64{1, 2, 3}, Steps: 600, EvalEvery: 5,
		Target: compare.Target{Loss: 1e-6}, Dir: dir, Plotter: plot.New(),
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"loss_vs_step-booth.png", "loss_vs_step-quadratic.svg", "lr_vs_step-quadratic.png", "performance_profile.png"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "acc_vs_seconds-booth.png")); err == nil {
		t.Error("an accuracy figure for an analytic problem")
	}
	if res.Profile == nil {
		t.Error("no profile")
	}
}
