package graph

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/convergo/convergo/datasets"
	"github.com/convergo/convergo/internal/gradcheck"
	"github.com/convergo/convergo/layers"
	"github.com/convergo/convergo/solvers"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func vecInput(g *gorgonia.ExprGraph, name string, vals []float64, shape ...int) *gorgonia.Node {
	t := tensor.New(tensor.WithShape(shape...), tensor.WithBacking(vals))
	return gorgonia.NewTensor(g, tensor.Float64, len(shape), gorgonia.WithShape(shape...), gorgonia.WithName(name), gorgonia.WithValue(t))
}

// TestMaskedSquaredErrorGradient checks MaskedMean(SquaredError(p, t), m)
// against central finite differences (relative error ≤ 1e-6, package
// gradcheck), with one masked row.
func TestMaskedSquaredErrorGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	p, tg := make([]float64, 12), make([]float64, 12)
	for i := range p {
		p[i], tg[i] = rng.NormFloat64(), rng.Float64()
	}
	res, err := gradcheck.Check(func(g *gorgonia.ExprGraph) (*gorgonia.Node, []*gorgonia.Node, error) {
		pn := vecInput(g, "p", p, 4, 3)
		tn := vecInput(g, "t", tg, 4, 3)
		mn := vecInput(g, "m", []float64{1, 1, 0, 1}, 4)
		se, err := SquaredError(pn, tn)
		if err != nil {
			return nil, nil, err
		}
		loss, err := MaskedMean(se, mn)
		return loss, []*gorgonia.Node{pn}, err
	}, gradcheck.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.MaxErr > 1e-6 {
		t.Error(res)
	}
}

// tinySeq is a sequence set: rows of 4 tokens from {0..4}, each target the
// next token (t+1 mod 5), so a model can learn it.
func tinySeq(n int, seed uint64) *datasets.Set {
	rng := rand.New(rand.NewPCG(seed, 3))
	s := &datasets.Set{Name: "tinyseq", Shape: []int{4}, Classes: 5, SeqLen: 4}
	for range n {
		start := rng.IntN(5)
		for t := range 4 {
			s.X = append(s.X, float32((start+t)%5))
			s.Seq = append(s.Seq, (start+t+1)%5)
		}
		s.Y = append(s.Y, (start+4)%5)
	}
	return s
}

func seqNet() layers.Layer {
	return layers.Stack(layers.Embedding(5, 8), layers.PositionalEmbedding(4), layers.TransformerBlock(2, 4, 16), layers.LayerNorm(), layers.Dense(5))
}

// TestSequenceModelTrains trains a one-block transformer on next-token
// targets with the Trainer: the per-position loss falls and the accuracy
// rises; two runs give the same bits.
func TestSequenceModelTrains(t *testing.T) {
	run := func() *History {
		m, err := NewModel(seqNet(), Config{Input: []int{4}, Classes: 5, Positions: 4, Batch: 8, EvalBatch: 7, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		s, _ := solvers.Parse("adam(lr=1e-2)")
		tr := Trainer{Solver: s, Steps: 60, Seed: 1, EvalAtStart: true}
		h, err := tr.Fit(context.Background(), m, tinySeq(64, 1), tinySeq(20, 2))
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	h := run()
	first, last := h.Evals[0], h.Evals[len(h.Evals)-1]
	if !(last.TestLoss < first.TestLoss/4 && last.TestAcc > 0.9) {
		t.Errorf("loss %v → %v, accuracy %v → %v", first.TestLoss, last.TestLoss, first.TestAcc, last.TestAcc)
	}
	if math.Abs(first.TestLoss-math.Log(5)) > 0.5 { // near-uniform predictions at the start
		t.Errorf("initial loss %v, want about log 5", first.TestLoss)
	}
	h2 := run()
	if h2.Evals[len(h2.Evals)-1].TestLoss != last.TestLoss {
		t.Error("two runs differ")
	}
}

// TestLossModelTrains trains a tiny VAE (Config.Loss, GaussianSample with
// its KL term): the negative ELBO falls, accuracy is NaN, and a partial
// evaluation batch counts its real rows only.
func TestLossModelTrains(t *testing.T) {
	train, _ := datasets.Blobs(96, 6, 2, 1)
	eval, _ := datasets.Blobs(25, 6, 2, 2)
	net := layers.Stack(layers.Dense(8), layers.Tanh(), layers.Dense(4), layers.GaussianSample(2), layers.Dense(8), layers.Tanh(), layers.Dense(6))
	m, err := NewModel(net, Config{Input: []int{6}, Loss: ReconstructionLoss, Batch: 16, EvalBatch: 10, Dtype: tensor.Float64, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	// A deterministic autoencoder evaluated in batches of 10 (the last
	// partial) and in one batch of 25 gives the same mean: padding rows do
	// not count. (The VAE's evaluation noise is fixed per row of the
	// evaluation batch, so its loss depends on EvalBatch.)
	ae := layers.Stack(layers.Dense(3), layers.Tanh(), layers.Dense(6))
	var ls []float64
	for _, eb := range []int{10, 25} {
		ma, err := NewModel(ae, Config{Input: []int{6}, Loss: ReconstructionLoss, Batch: 16, EvalBatch: eb, Dtype: tensor.Float64, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		l, _, err := ma.Evaluate(eval)
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
	}
	if math.Abs(ls[0]-ls[1]) > 1e-12*math.Abs(ls[1]) {
		t.Errorf("evaluation loss %v in batches of 10, %v in one batch", ls[0], ls[1])
	}
	s, _ := solvers.Parse("adam(lr=1e-2)")
	tr := Trainer{Solver: s, Epochs: 20, Seed: 1, EvalAtStart: true, KeepLast: true}
	h, err := tr.Fit(context.Background(), m, train, eval)
	if err != nil {
		t.Fatal(err)
	}
	first, last := h.Evals[0], h.Evals[len(h.Evals)-1]
	if !(last.TestLoss < first.TestLoss/2) || !math.IsNaN(last.TestAcc) {
		t.Errorf("negative ELBO %v → %v, accuracy %v (want NaN)", first.TestLoss, last.TestLoss, last.TestAcc)
	}
}

func TestLossConfigErrors(t *testing.T) {
	_, err := NewModel(layers.Stack(layers.Dense(4), layers.GaussianSample(2)), Config{Input: []int{3}, Classes: 2})
	if err == nil {
		t.Error("a classifier with a KL term: no error")
	}
	_, err = NewModel(seqNet(), Config{Input: []int{4}, Classes: 5, Positions: 3})
	if err == nil {
		t.Error("wrong positions: no error")
	}
}

// TestSequenceMachineMatchesTapeMachine is TestMachineMatchesTapeMachine
// for the new kinds of model: a transformer with per-position targets and
// a VAE with Config.Loss (its batch hook refills ε). Losses and gradients
// must be the same bits as a TapeMachine's, in float32 and float64; the
// last batch is partial.
func TestSequenceMachineMatchesTapeMachine(t *testing.T) {
	vae := func() layers.Layer {
		return layers.Stack(layers.Dense(6), layers.LeakyReLU(0.3), layers.Dense(4), layers.GaussianSample(2), layers.Dense(6), layers.Dense(8), layers.Sigmoid())
	}
	cases := []struct {
		name string
		net  func() layers.Layer
		cfg  Config
	}{
		{"gpt", seqNet, Config{Input: []int{4}, Classes: 5, Positions: 4}},
		{"vae", vae, Config{Input: []int{8}, Loss: ReconstructionLoss}},
	}
	const batch, steps = 5, 4
	for _, tc := range cases {
		for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
			t.Run(tc.name+"/"+dt.String(), func(t *testing.T) {
				cfg := tc.cfg
				cfg.Batch, cfg.EvalBatch, cfg.Dtype, cfg.Seed = batch, batch, dt, 4
				ours, err := NewModel(tc.net(), cfg)
				if err != nil {
					t.Fatal(err)
				}
				ref, err := NewModel(tc.net(), cfg)
				if err != nil {
					t.Fatal(err)
				}
				tape := gorgonia.NewTapeMachine(ref.train.g, gorgonia.BindDualValues(ref.params...))
				defer tape.Close()
				rng := rand.New(rand.NewPCG(5, 6))
				f := cfg.features()
				x, y, seq := make([]float32, batch*f), make([]int, batch), make([]int, batch*max(cfg.Positions, 1))
				solver := &sgd{lr: 0.1}
				for step := range steps {
					for i := range x {
						if cfg.Positions > 0 {
							x[i] = float32(rng.IntN(5))
						} else {
							x[i] = rng.Float32()
						}
					}
					for i := range seq {
						seq[i] = rng.IntN(5)
					}
					n := batch
					if step == steps-1 {
						n = batch - 2
					}
					var got float64
					if cfg.Positions > 0 {
						got, err = ours.trainStepSeq(x, y, seq, n, step)
						ref.fillSeq(seq, n)
					} else {
						got, err = ours.trainStep(x, y, n, step)
					}
					if err != nil {
						t.Fatal(err)
					}
					// tapeStep refills x (and the mask), not the sequence targets
					want, err := tapeStep(ref, tape, x, y, n, step)
					if err != nil {
						t.Fatal(err)
					}
					if math.Float64bits(got) != math.Float64bits(want) {
						t.Fatalf("step %d: loss %v, TapeMachine %v", step, got, want)
					}
					for i, p := range ours.params {
						g, _ := p.Grad()
						rg, _ := ref.params[i].Grad()
						if d := firstDiff(t, g, rg); d >= 0 {
							t.Fatalf("step %d: gradient of %s differs at element %d", step, p.Name(), d)
						}
					}
					for _, m := range []*Model{ours, ref} {
						if err := solver.Step(gorgonia.NodesToValueGrads(m.params)); err != nil {
							t.Fatal(err)
						}
					}
				}
			})
		}
	}
}
