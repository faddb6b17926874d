package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/convergo/convergo/graph"
	"gorgonia.org/tensor"
)

func TestLines(t *testing.T) {
	h := &graph.History{Epochs: []graph.EpochStats{
		{Epoch: 1, TrainLoss: 0.5, TestLoss: 0.25, TestAcc: 0.9, LR: 0.05, Seconds: 1.5, SamplesPerSec: 5333.3},
		{Epoch: 2, TrainLoss: 0.25, TestLoss: 0.125, TestAcc: 0.95, LR: 0.025, Seconds: 1.25, SamplesPerSec: 6400},
	}}
	var b bytes.Buffer
	if err := EpochLine(&b, h.Epochs[0]); err != nil {
		t.Fatal(err)
	}
	if err := FinalLine(&b, h); err != nil {
		t.Fatal(err)
	}
	want := "epoch=1 train_loss=0.5000 test_loss=0.2500 test_acc=0.9000 lr=0.05 seconds=1.50 samples_per_s=5333\n" +
		"final: test_acc=0.9500 test_loss=0.1250 train_loss=0.2500 seconds=2.75\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

func TestDtype(t *testing.T) {
	for s, want := range map[string]tensor.Dtype{"float32": tensor.Float32, "float64": tensor.Float64} {
		if got, err := Dtype(s); err != nil || got != want {
			t.Errorf("Dtype(%q) = %v, %v", s, got, err)
		}
	}
	if _, err := Dtype("int8"); err == nil {
		t.Error("Dtype(int8): no error")
	}
}

func TestLoad(t *testing.T) {
	train, test, err := Load("")
	if err != nil || train.Len() != 8000 || test.Len() != 2000 {
		t.Fatalf("Load(\"\") = %v, %v, %v", train, test, err)
	}
	if _, _, err := Load(t.TempDir()); err == nil {
		t.Error("Load of an empty directory: no error")
	}
}

func TestOptimizer(t *testing.T) {
	s, sched, err := Optimizer("sgd(lr=0.5)", "", 100)
	if err != nil || sched != nil || s.LearnRate() != 0.5 {
		t.Errorf("Optimizer(sgd, none) = %v, %v, %v", s, sched, err)
	}
	if _, sched, err = Optimizer("adam", "cosine(max=1,T=10)", 100); err != nil || sched.LR(10) != 0 {
		t.Errorf("Optimizer(adam, cosine): %v, %v", sched, err)
	}
	// total is the budget, as in a compare strategy.
	if _, sched, err = Optimizer("sgd", "cosine(max=1,T=total)", 40); err != nil || sched.LR(20) != 0.5 {
		t.Errorf("Optimizer(sgd, cosine T=total): %v, %v", sched, err)
	}
	for _, bad := range []struct{ solver, schedule, want string }{
		{"sgd(lr=-1)", "", "lr"},
		{"sgd", "cosine(max=1,T=0)", "T"},
		{"sgd(lr=0.5)", "cosine(max=0.1,T=total)", "sets lr=0.5"},
		{"sgd", "l2(lambda=1e-4)", "regularizer"},
		{"sgd | cosine(max=1,T=10)", "", "one spec each"},
	} {
		if _, _, err := Optimizer(bad.solver, bad.schedule, 100); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("Optimizer(%q, %q): %v, want an error containing %q", bad.solver, bad.schedule, err, bad.want)
		}
	}
}

func TestLoadHead(t *testing.T) {
	train, test, err := LoadHead("", 300)
	if err != nil || train.Len() != 300 || test.Len() != 2000 {
		t.Fatalf("LoadHead(\"\", 300) = %v, %v, %v", train, test, err)
	}
	if train, _, _ = LoadHead("", 0); train.Len() != 8000 {
		t.Errorf("LoadHead with limit 0 kept %d samples, want all 8000", train.Len())
	}
}
