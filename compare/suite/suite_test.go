package suite

import (
	"context"
	"math"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/convergo/convergo/compare"
	"github.com/convergo/convergo/graph"
	"github.com/convergo/convergo/solvers"
	"github.com/convergo/convergo/solvers/solvertest"
)

// TestEveryProblemLearns trains each workload of the table (Small size)
// for a few steps with its documented strategy and requires the
// validation loss to fall (on a head of the validation set, to keep the
// test short): by 5% where 20–30 steps run, at all for the convnets and the
// transformer (6–8 steps; -short skips them).
func TestEveryProblemLearns(t *testing.T) {
	steps := map[string]int{"mnist_2c2d": 8, "fmnist_2c2d": 8, "char_gpt": 6, "mnist_vae": 20, "quadratic_deep": 20}
	slow := map[string]bool{"mnist_2c2d": true, "fmnist_2c2d": true, "char_gpt": true}
	for _, w := range Workloads() {
		t.Run(w.Name, func(t *testing.T) {
			if slow[w.Name] && testing.Short() {
				t.Skip("a convnet or transformer: a few seconds per step on a loaded machine")
			}
			p, err := w.Load(Options{})
			if err != nil {
				if w.Name == "fmnist_2c2d" && strings.Contains(err.Error(), "not installed") {
					t.Skip(err)
				}
				t.Fatal(err)
			}
			n := steps[w.Name]
			if n == 0 {
				n = 30
			}
			s, err := compare.ParseStrategy(w.Strategy)
			if err != nil {
				t.Fatal(err)
			}
			if p.IsAnalytic() {
				sol, err := solvers.Parse(s.Solver)
				if err != nil {
					t.Fatal(err)
				}
				res, err := solvertest.Run(t.Context(), p.Analytic.Problem, sol, &solvertest.Options{Steps: n, Seed: 1})
				if err != nil {
					t.Fatal(err)
				}
				if first, last := res.Curve[0], res.Curve[len(res.Curve)-1]; !(last < first/2) {
					t.Errorf("f − f* %v → %v after %d steps", first, last, n)
				}
				return
			}
			if eval, err := p.Eval.Head(min(p.Eval.Len(), 200)); err == nil {
				p.Eval = eval
			}
			cfg := p.Config
			cfg.Seed = 1
			m, err := graph.NewModel(p.Net(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			sol, err := solvers.Parse(s.Solver)
			if err != nil {
				t.Fatal(err)
			}
			tr := graph.Trainer{Solver: sol, Steps: n, Seed: 1, EvalAtStart: true}
			h, err := tr.Fit(context.Background(), m, p.Train, p.Eval)
			if err != nil {
				t.Fatal(err)
			}
			first, last := h.Evals[0], h.Evals[len(h.Evals)-1]
			factor := 0.95
			if slow[w.Name] {
				factor = 1
			}
			if !(last.TestLoss < factor*first.TestLoss) {
				t.Errorf("validation loss %v → %v after %d steps", first.TestLoss, last.TestLoss, n)
			}
			if (p.Config.Loss != nil) != math.IsNaN(last.TestAcc) {
				t.Errorf("accuracy %v", last.TestAcc)
			}
			t.Logf("%s: loss %.4g → %.4g in %d steps (%.2f s)", w.Name, first.TestLoss, last.TestLoss, n, h.Seconds)
		})
	}
}

// TestFullSizesBuild builds every network at its full size (without
// training): the reference architectures are available.
func TestFullSizesBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the full-size networks")
	}
	want := map[string]int{ // parameter counts of the reference architectures
		"mnist_logreg": 784*10 + 10,
		"mnist_mlp":    784*1000 + 1000 + 1000*500 + 500 + 500*100 + 100 + 100*10 + 10,
		"mnist_2c2d":   32*25 + 32 + 64*32*25 + 64 + 7*7*64*1024 + 1024 + 1024*10 + 10,
	}
	for name, n := range want {
		p, err := Problem(name, Options{Size: Full})
		if err != nil {
			t.Fatal(err)
		}
		cfg := p.Config
		cfg.Batch, cfg.EvalBatch = 2, 2
		m, err := graph.NewModel(p.Net(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		got := 0
		for _, q := range m.Params() {
			got += q.Shape().TotalSize()
		}
		if got != n {
			t.Errorf("%s: %d parameters, want %d", name, got, n)
		}
	}
	p, err := Problem("char_gpt", Options{Size: Full, Batch: 1})
	if err != nil {
		t.Fatal(err)
	}
	if p.Config.Positions != 256 {
		t.Errorf("full char_gpt context %d", p.Config.Positions)
	}
}

func TestRegistry(t *testing.T) {
	names := strings.Join(Names(), ",")
	if names != "mnist_logreg,mnist_mlp,mnist_2c2d,fmnist_2c2d,mnist_vae,quadratic_deep,char_gpt,mnist_seed" {
		t.Errorf("names %s", names)
	}
	if _, err := Lookup("nope"); err == nil || !strings.Contains(err.Error(), "mnist_mlp") {
		t.Errorf("Lookup: %v", err)
	}
	if err := Register(Workload{Name: "mnist_mlp", Load: loadMLP}); err == nil {
		t.Error("duplicate registered")
	}
	for _, w := range Workloads() {
		if w.Target.IsZero() || w.StepHint <= 0 || w.Strategy == "" {
			t.Errorf("%s: target %v, step hint %d, strategy %q", w.Name, w.Target, w.StepHint, w.Strategy)
		}
	}
	hs, err := ParseMLP("mlp:1000,500,100")
	if err != nil || len(hs) != 3 || hs[2] != 100 {
		t.Errorf("ParseMLP: %v %v", hs, err)
	}
	if _, err := ParseMLP("mlp:10,x"); err == nil {
		t.Error("ParseMLP accepted a bad size")
	}
}

// TestCharGPTTextFile: -data FILE for char_gpt.
func TestCharGPTTextFile(t *testing.T) {
	f := t.TempDir() + "/t.txt"
	if err := os.WriteFile(f, []byte(strings.Repeat("hello, world. ", 2000)), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := Problem("char_gpt", Options{Data: f})
	if err != nil {
		t.Fatal(err)
	}
	// 28,000 bytes: the first 25,200 train, (25,200 − 1)/64 = 393 windows
	if p.Train.Len() != 393 || p.Eval.Len() != (2800-1)/64 {
		t.Errorf("%d training windows", p.Train.Len())
	}
}

// TestCharGPTGOMAXPROCS trains char_gpt for 3 steps at GOMAXPROCS 1 and 2:
// the weights are the same bits (the attention op is single-threaded and
// the GEMMs split work without changing any sum's order).
func TestCharGPTGOMAXPROCS(t *testing.T) {
	if testing.Short() {
		t.Skip("trains the transformer twice")
	}
	p, err := Problem("char_gpt", Options{})
	if err != nil {
		t.Fatal(err)
	}
	var weights [2][]float32
	for i, procs := range []int{1, 2} {
		prev := runtime.GOMAXPROCS(procs)
		cfg := p.Config
		cfg.Seed = 3
		m, err := graph.NewModel(p.Net(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		sol, _ := solvers.Parse("adamw(lr=3e-3)")
		tr := graph.Trainer{Solver: sol, Steps: 3, Seed: 3}
		if _, err := tr.Fit(t.Context(), m, p.Train, nil); err != nil {
			t.Fatal(err)
		}
		runtime.GOMAXPROCS(prev)
		for _, q := range m.Params() {
			weights[i] = append(weights[i], q.Value().Data().([]float32)...)
		}
	}
	for k := range weights[0] {
		if math.Float32bits(weights[0][k]) != math.Float32bits(weights[1][k]) {
			t.Fatalf("weight %d: %v at GOMAXPROCS 1, %v at 2", k, weights[0][k], weights[1][k])
		}
	}
}
