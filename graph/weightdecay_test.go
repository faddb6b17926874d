package graph

import (
	"math"
	"testing"

	"github.com/convergo/convergo/layers"
	"github.com/convergo/convergo/solvers"
	"gorgonia.org/tensor"
)

// trainWith trains a float64 MLP (same seed, same initial weights, same
// batches every call) with the given solver spec and penalty, and returns
// its final parameters.
func trainWith(t *testing.T, spec string, pen Penalty) map[string][]float64 {
	t.Helper()
	m, err := NewModel(layers.Stack(layers.Dense(8), layers.Tanh(), layers.Dense(3)),
		Config{Input: []int{6}, Classes: 3, Batch: 16, EvalBatch: 7, Dtype: tensor.Float64, Seed: 3, Penalty: pen})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	s, err := solvers.Parse(spec)
	if err != nil {
		t.Fatal(err)
	}
	tr := Trainer{Solver: s, Epochs: 4, Seed: 5}
	if _, err := tr.Fit(t.Context(), m, blobs(t, 96), nil); err != nil {
		t.Fatal(err)
	}
	out := map[string][]float64{}
	for _, n := range m.Store().Names() {
		out[n] = append([]float64(nil), m.Store().Tensor(n).Data().([]float64)...)
	}
	return out
}

// maxRelDiff is max |a−b| / max(|a|, |b|, 1e-8) over all parameters.
func maxRelDiff(a, b map[string][]float64) float64 {
	var worst float64
	for n, av := range a {
		for i, x := range av {
			y := b[n][i]
			worst = math.Max(worst, math.Abs(x-y)/math.Max(math.Max(math.Abs(x), math.Abs(y)), 1e-8))
		}
	}
	return worst
}

// TestL2VersusWeightDecay is the experiment behind the package
// documentation's "Regularization" section. With λ = 0.05 over all
// parameters (a solver's weight_decay decays biases too):
//
//   - plain SGD: the L2 term ½λΣθ² and coupled weight decay
//     sgd(weight_decay=λ) give the same trajectory (up to rounding: the
//     graph adds λθ to the gradient in a different order);
//   - Adam: the L2 term and adam(weight_decay=λ) (coupled) still coincide,
//     but decoupled weight decay adamw(weight_decay=λ) follows a different
//     trajectory, because Adam divides λθ by √v̂ in the coupled form only.
func TestL2VersusWeightDecay(t *testing.T) {
	const lambda = 0.05
	l2 := L2(lambda, AllParams)
	const same = 1e-12 // measured: 0, bit-identical (solver and graph add λθ in the same order today)
	tests := []struct {
		name       string
		a, b       string
		penA, penB Penalty
		equal      bool
	}{
		{"sgd: L2 term == coupled", "sgd(lr=0.1)", "sgd(lr=0.1,weight_decay=0.05)", l2, nil, true},
		{"sgd+momentum: L2 term == coupled", "sgd(lr=0.1,momentum=0.9)", "sgd(lr=0.1,momentum=0.9,weight_decay=0.05)", l2, nil, true},
		{"sgd: L2 term != no regularization", "sgd(lr=0.1)", "sgd(lr=0.1)", l2, nil, false},
		{"adam: L2 term == coupled", "adam(lr=0.01)", "adam(lr=0.01,weight_decay=0.05)", l2, nil, true},
		{"adam: L2 term != decoupled (adamw)", "adam(lr=0.01)", "adamw(lr=0.01,weight_decay=0.05)", l2, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := trainWith(t, tt.a, tt.penA), trainWith(t, tt.b, tt.penB)
			d := maxRelDiff(a, b)
			t.Logf("max relative difference of the final parameters: %.3g", d)
			if tt.equal && d > same {
				t.Errorf("trajectories differ by %.3g, want ≤ %g", d, same)
			}
			if !tt.equal && d < 1e-3 {
				t.Errorf("trajectories differ by only %.3g, want a visible difference", d)
			}
		})
	}
}
