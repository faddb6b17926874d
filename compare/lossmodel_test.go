package compare_test

import (
	"math"
	"testing"

	"github.com/convergo/convergo/compare"
	"github.com/convergo/convergo/datasets"
	"github.com/convergo/convergo/graph"
	"github.com/convergo/convergo/layers"
)

// TestLossModelStudy runs a study on a model without labels (an
// autoencoder, graph.Config.Loss): it trains, and its accuracy is missing
// (NaN), not 0, in the statistics.
func TestLossModelStudy(t *testing.T) {
	train, _ := datasets.Blobs(128, 6, 2, 1)
	eval, _ := datasets.Blobs(40, 6, 2, 2)
	p := compare.Problem{
		Name: "ae", Train: train, Eval: eval,
		Config: graph.Config{Input: []int{6}, Loss: graph.ReconstructionLoss, Batch: 16},
		Net: func() layers.Layer {
			return layers.Stack(layers.Dense(4), layers.GaussianSample(2), layers.Dense(6), layers.Sigmoid())
		},
	}
	ss, err := compare.ParseStrategies("adam(lr=1e-2)")
	if err != nil {
		t.Fatal(err)
	}
	res, err := compare.Run(t.Context(), compare.Study{Problems: []compare.Problem{p}, Strategies: ss, Seeds: []uint64{1, 2}, Steps: 40, EvalEvery: 10})
	if err != nil {
		t.Fatal(err)
	}
	st := res.Stats[0]
	if !math.IsNaN(st.FinalTestAcc.Median) || st.OK != 2 {
		t.Errorf("accuracy %v, %d ok", st.FinalTestAcc.Median, st.OK)
	}
	tr := res.Trials[0]
	if first, last := tr.Curve[0].TestLoss, tr.Curve[len(tr.Curve)-1].TestLoss; !(last < first) {
		t.Errorf("loss %v → %v", first, last)
	}
}
