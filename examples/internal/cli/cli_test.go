package cli

import (
	"bytes"
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
