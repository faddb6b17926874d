package graph

import (
	"testing"

	"github.com/convergo/convergo/layers"
	"gorgonia.org/tensor"
)

// TestModelWithBatchNormAndDropout builds a model with the stateful layers
// and checks the contract with graph: the running statistics are in the
// Store but not among the parameters, training updates them, a penalty
// does not see them, and a run is reproducible (dropout masks included).
func TestModelWithBatchNormAndDropout(t *testing.T) {
	run := func() (*Model, []float64) {
		net := layers.Stack(&layers.DenseLayer{Units: 8, NoBias: true}, layers.BatchNorm(), layers.ReLU(), layers.Dropout(0.3), layers.Dense(3))
		m, err := NewModel(net, Config{Input: []int{6}, Classes: 3, Batch: 10, EvalBatch: 7, Dtype: tensor.Float64, Seed: 2,
			Penalty: L2(1e-3, AllParams)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { m.Close() })
		tr := Trainer{Solver: &sgd{lr: 0.1}, Epochs: 3, Seed: 4}
		hist, err := tr.Fit(t.Context(), m, blobs(t, 60), blobs(t, 20))
		if err != nil {
			t.Fatal(err)
		}
		return m, []float64{hist.Last().TrainLoss, hist.Last().TestLoss}
	}
	m, a := run()
	_, b := run()
	if a[0] != b[0] || a[1] != b[1] {
		t.Errorf("runs differ: %v vs %v", a, b)
	}
	for _, p := range m.Params() {
		if m.Store().IsBuffer(p.Name()) {
			t.Errorf("buffer %s is a trainable parameter", p.Name())
		}
	}
	if got := len(m.Params()); got != 5 { // dense0.W, γ, β, dense1.W, dense1.b
		t.Errorf("%d parameters, want 5", got)
	}
	rm := m.Store().Tensor("batchnorm0.running_mean").Data().([]float64)
	if rm[0] == 0 && rm[1] == 0 {
		t.Error("training did not update the running mean")
	}
}
