package graph

import (
	"errors"
	"math"
	"testing"

	"gorgonia.org/tensor"
)

func weights(m *Model) map[string][]float64 {
	out := map[string][]float64{}
	for _, n := range m.Store().Names() {
		out[n] = append([]float64(nil), m.Store().Tensor(n).Data().([]float64)...)
	}
	return out
}

// TestEarlyStopping trains with a scripted metric (best at epoch 3, then no
// improvement beyond MinDelta) and checks that training stops after
// Patience more epochs without an error, and that the weights are those
// recorded at the best epoch.
func TestEarlyStopping(t *testing.T) {
	tests := []struct {
		name      string
		metric    []float64
		patience  int
		minDelta  float64
		noRestore bool
		epochs    int // run length
		best      int
	}{
		{"stop-restore", []float64{5, 4, 3, 3.5, 3.2, 3.1, 1}, 3, 0, false, 6, 3},
		{"min-delta", []float64{5, 4, 3.95, 3.92, 3.91, 1}, 2, 0.1, false, 4, 2},
		{"no-restore", []float64{5, 4, 3, 3.5, 3.2, 3.1, 1}, 3, 0, true, 6, 3},
		{"never-stops", []float64{5, 4, 3, 2, 1}, 2, 0, false, 5, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mlp(t, tensor.Float64, 10)
			es := NewEarlyStopping(m, tt.patience)
			es.MinDelta, es.NoRestore = tt.minDelta, tt.noRestore
			es.Metric = func(e EpochStats) float64 { return tt.metric[e.Epoch-1] }
			seen := map[int]map[string][]float64{}
			tr := Trainer{Solver: &sgd{lr: 0.1}, Epochs: len(tt.metric), Seed: 1,
				OnEpoch: Chain(func(e EpochStats) error { seen[e.Epoch] = weights(m); return nil }, es.OnEpoch)}
			hist, err := tr.Fit(t.Context(), m, blobs(t, 60), blobs(t, 20))
			if err != nil {
				t.Fatal(err)
			}
			if len(hist.Epochs) != tt.epochs || es.BestEpoch() != tt.best || es.Best() != tt.metric[tt.best-1] {
				t.Fatalf("ran %d epochs, best epoch %d (%v); want %d, %d", len(hist.Epochs), es.BestEpoch(), es.Best(), tt.epochs, tt.best)
			}
			if es.Stopped() != (tt.epochs < len(tt.metric)) {
				t.Errorf("Stopped() = %v", es.Stopped())
			}
			want := seen[tt.best]
			if tt.noRestore {
				want = seen[tt.epochs]
			}
			if d := maxRelDiff(weights(m), want); d != 0 {
				t.Errorf("weights differ from epoch %d's by %v", tt.best, d)
			}
			if err := es.Restore(); err != nil {
				t.Fatal(err)
			}
			if d := maxRelDiff(weights(m), seen[tt.best]); d != 0 {
				t.Errorf("after Restore, weights differ from the best epoch's by %v", d)
			}
		})
	}
}

func TestEarlyStoppingErrors(t *testing.T) {
	m := mlp(t, tensor.Float64, 10)
	if err := (&EarlyStopping{Patience: 1}).OnEpoch(EpochStats{Epoch: 1}); err == nil {
		t.Error("no model: no error")
	}
	if err := NewEarlyStopping(m, 0).OnEpoch(EpochStats{Epoch: 1, TestLoss: 1}); err == nil {
		t.Error("patience 0: no error")
	}
	if err := NewEarlyStopping(m, 1).OnEpoch(EpochStats{Epoch: 1, TestLoss: math.NaN()}); err == nil {
		t.Error("NaN metric: no error")
	}
	if err := NewEarlyStopping(m, 1).Restore(); err == nil {
		t.Error("Restore before any epoch: no error")
	}
	es := NewEarlyStopping(m, 1)
	_ = es.OnEpoch(EpochStats{Epoch: 1, TestLoss: 1})
	if err := es.OnEpoch(EpochStats{Epoch: 2, TestLoss: 2}); !errors.Is(err, ErrStop) {
		t.Errorf("err = %v, want ErrStop", err)
	}
}

// TestErrStopFromOnStep checks that OnStep can end training cleanly too.
func TestErrStopFromOnStep(t *testing.T) {
	m := mlp(t, tensor.Float64, 10)
	tr := Trainer{Solver: &sgd{lr: 0.1}, Epochs: 5, OnStep: func(s StepStats) error {
		if s.Step == 7 {
			return ErrStop
		}
		return nil
	}}
	hist, err := tr.Fit(t.Context(), m, blobs(t, 60), nil)
	if err != nil || len(hist.LRs) != 8 {
		t.Errorf("err %v after %d steps; want nil after 8", err, len(hist.LRs))
	}
}
