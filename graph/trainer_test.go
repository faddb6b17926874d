package graph

import (
	"context"
	"math"
	"runtime"
	"strings"
	"testing"

	"github.com/convergo/convergo/datasets"
	"github.com/convergo/convergo/layers"
	"github.com/convergo/convergo/lrsched"
	"github.com/pkg/errors"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// sgd is a minimal test solver, θ ← θ − lr·g, written here so that the
// graph tests depend on no other convergo package's correctness.
type sgd struct{ lr float64 }

func (s *sgd) LearnRate() float64      { return s.lr }
func (s *sgd) SetLearnRate(lr float64) { s.lr = lr }
func (s *sgd) Step(vgs []gorgonia.ValueGrad) error {
	for _, vg := range vgs {
		gv, err := vg.Grad()
		if err != nil {
			return err
		}
		switch w := vg.Value().Data().(type) {
		case []float32:
			g := gv.Data().([]float32)
			for i := range w {
				w[i] -= float32(s.lr) * g[i]
				g[i] = 0
			}
		case []float64:
			g := gv.Data().([]float64)
			for i := range w {
				w[i] -= s.lr * g[i]
				g[i] = 0
			}
		}
	}
	return nil
}

func blobs(t testing.TB, n int) *datasets.Set {
	t.Helper()
	s, err := datasets.Blobs(n, 6, 3, 11)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mlp(t testing.TB, dt tensor.Dtype, batch int) *Model {
	t.Helper()
	m, err := NewModel(layers.Stack(layers.Dense(8), layers.ReLU(), layers.Dense(3)),
		Config{Input: []int{6}, Classes: 3, Batch: batch, EvalBatch: 7, Dtype: dt, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// TestTrainerMatchesPlainLoop trains with the Trainer and with a
// hand-written Gorgonia loop (Gorgonia's own VanillaSolver, the same
// batches, the same initial weights) and requires identical weights, bit
// for bit: the Trainer adds nothing to the arithmetic.
func TestTrainerMatchesPlainLoop(t *testing.T) {
	for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
		t.Run(dt.String(), func(t *testing.T) {
			data := blobs(t, 100)
			m := mlp(t, dt, 16)
			// A copy of the initial weights for the plain loop.
			init := map[string]*tensor.Dense{}
			for _, name := range m.Store().Names() {
				init[name] = m.Store().Tensor(name).Clone().(*tensor.Dense)
			}
			tr := Trainer{Solver: gorgonia.NewVanillaSolver(gorgonia.WithLearnRate(0.1)), Epochs: 3, Seed: 5}
			if _, err := tr.Fit(t.Context(), m, data, nil); err != nil {
				t.Fatal(err)
			}

			// The plain loop.
			g := gorgonia.NewGraph()
			x := gorgonia.NewMatrix(g, dt, gorgonia.WithShape(16, 6), gorgonia.WithName("x"))
			y := gorgonia.NewMatrix(g, dt, gorgonia.WithShape(16, 3), gorgonia.WithName("y"))
			param := func(name string) *gorgonia.Node {
				v := init[name]
				return gorgonia.NewTensor(g, dt, v.Dims(), gorgonia.WithShape(v.Shape()...), gorgonia.WithName(name), gorgonia.WithValue(v))
			}
			w0, b0, w1, b1 := param("dense0.W"), param("dense0.b"), param("dense1.W"), param("dense1.b")
			h := gorgonia.Must(gorgonia.Rectify(gorgonia.Must(gorgonia.BroadcastAdd(gorgonia.Must(gorgonia.Mul(x, w0)), b0, nil, []byte{0}))))
			z := gorgonia.Must(gorgonia.BroadcastAdd(gorgonia.Must(gorgonia.Mul(h, w1)), b1, nil, []byte{0}))
			loss := gorgonia.Must(SoftmaxCrossEntropy(z, y))
			params := gorgonia.Nodes{w0, b0, w1, b1}
			if _, err := gorgonia.Grad(loss, params...); err != nil {
				t.Fatal(err)
			}
			vm := gorgonia.NewTapeMachine(g, gorgonia.BindDualValues(params...))
			defer vm.Close()
			solver := gorgonia.NewVanillaSolver(gorgonia.WithLearnRate(0.1))
			batcher, _ := datasets.NewBatcher(data, datasets.BatchOptions{Size: 16, Shuffle: true, DropLast: true, Seed: 5})
			xb, yb := make([]float32, 16*6), make([]int, 16)
			for epoch := range 3 {
				batcher.Reset(epoch)
				for {
					n, ok := batcher.Next(xb, yb)
					if !ok {
						break
					}
					xt := tensor.New(tensor.Of(dt), tensor.WithShape(16, 6))
					yt := tensor.New(tensor.Of(dt), tensor.WithShape(16, 3))
					for i := range n * 6 {
						xt.Set(i, convert(dt, float64(xb[i])))
					}
					for i := range n {
						yt.Set(i*3+yb[i], convert(dt, 1))
					}
					gorgonia.Let(x, xt)
					gorgonia.Let(y, yt)
					vm.Reset()
					if err := vm.RunAll(); err != nil {
						t.Fatal(err)
					}
					if err := solver.Step(gorgonia.NodesToValueGrads(params)); err != nil {
						t.Fatal(err)
					}
				}
			}
			// convergo's own float32 GEMM (default build, amd64) sums in
			// another order than gonum's, which the plain loop's Mul uses:
			// the same weights to rounding, not the same bits.
			exact := dt == tensor.Float64 || !strings.HasPrefix(layers.GEMMKernel(), "convergo")
			for _, n := range params {
				got := m.Store().Tensor(n.Name()).Data()
				if !exact && near32(got.([]float32), n.Value().Data().([]float32), 1e-5) {
					continue
				}
				if !sameBits(got, n.Value().Data()) {
					t.Errorf("%s differs:\ntrainer %v\nplain   %v", n.Name(), got, n.Value().Data())
				}
			}
		})
	}
}

func convert(dt tensor.Dtype, v float64) any {
	if dt == tensor.Float32 {
		return float32(v)
	}
	return v
}

func near32(a, b []float32, tol float64) bool {
	for i := range a {
		if math.Abs(float64(a[i]-b[i])) > tol*(1+math.Abs(float64(b[i]))) {
			return false
		}
	}
	return len(a) == len(b)
}

func sameBits(a, b any) bool {
	switch a := a.(type) {
	case []float32:
		b := b.([]float32)
		for i := range a {
			if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
				return false
			}
		}
		return len(a) == len(b)
	case []float64:
		b := b.([]float64)
		for i := range a {
			if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
				return false
			}
		}
		return len(a) == len(b)
	}
	return false
}

// TestEvaluateSharedWeights checks Evaluate against a forward pass computed
// here in plain Go from the stored weights, after training steps (so the
// evaluation graph must see the solver's in-place updates), with an
// evaluation batch (7) that does not divide the set (so padding is
// exercised).
func TestEvaluateSharedWeights(t *testing.T) {
	data := blobs(t, 50)
	m := mlp(t, tensor.Float64, 10)
	tr := Trainer{Solver: &sgd{lr: 0.5}, Epochs: 2}
	if _, err := tr.Fit(t.Context(), m, data, nil); err != nil {
		t.Fatal(err)
	}
	loss, acc, err := m.Evaluate(data)
	if err != nil {
		t.Fatal(err)
	}
	w0 := m.Store().Tensor("dense0.W").Data().([]float64)
	b0 := m.Store().Tensor("dense0.b").Data().([]float64)
	w1 := m.Store().Tensor("dense1.W").Data().([]float64)
	b1 := m.Store().Tensor("dense1.b").Data().([]float64)
	var wantLoss float64
	correct := 0
	for i := range data.Len() {
		x := data.Row(i)
		h := make([]float64, 8)
		for j := range 8 {
			s := b0[j]
			for k := range 6 {
				s += float64(x[k]) * w0[k*8+j]
			}
			h[j] = math.Max(s, 0)
		}
		z := make([]float64, 3)
		for c := range 3 {
			s := b1[c]
			for j := range 8 {
				s += h[j] * w1[j*3+c]
			}
			z[c] = s
		}
		wantLoss += math.Log(math.Exp(z[0])+math.Exp(z[1])+math.Exp(z[2])) - z[data.Y[i]]
		if argmax(z) == data.Y[i] {
			correct++
		}
	}
	wantLoss /= float64(data.Len())
	if math.Abs(loss-wantLoss) > 1e-12 {
		t.Errorf("loss = %.15g, want %.15g", loss, wantLoss)
	}
	if want := float64(correct) / float64(data.Len()); acc != want {
		t.Errorf("accuracy = %v, want %v", acc, want)
	}
	if acc < 0.9 {
		t.Errorf("accuracy %v after training on separable blobs, want ≥ 0.9", acc)
	}
}

// TestTrainerReproducible trains twice with the same seeds, once with
// GOMAXPROCS=1, and requires identical histories apart from times.
func TestTrainerReproducible(t *testing.T) {
	run := func(procs int) *History {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		data := blobs(t, 120)
		m := mlp(t, tensor.Float32, 16)
		tr := Trainer{Solver: &sgd{lr: 0.2}, Epochs: 3, Seed: 9, KeepLast: true}
		h, err := tr.Fit(t.Context(), m, data, data)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	a, b := run(1), run(2)
	for i := range a.Epochs {
		ea, eb := a.Epochs[i], b.Epochs[i]
		if ea.TrainLoss != eb.TrainLoss || ea.TestLoss != eb.TestLoss || ea.TestAcc != eb.TestAcc || ea.Steps != eb.Steps {
			t.Errorf("epoch %d differs: %+v vs %+v", i+1, ea, eb)
		}
	}
	// KeepLast: 120 samples in batches of 16 is 8 steps per epoch.
	if got := a.Last().Steps; got != 24 {
		t.Errorf("steps = %d, want 24", got)
	}
}

// observer records what the Trainer tells it.
type observer struct {
	lrsched.Func
	seen []float64
}

func (o *observer) Observe(m float64) { o.seen = append(o.seen, m) }

func TestTrainerSchedule(t *testing.T) {
	data := blobs(t, 64)
	tests := []struct {
		name  string
		unit  Unit
		want0 []float64 // LRs of the first 5 steps
	}{
		// 64/16 = 4 steps per epoch; LR(s) = 1/(s+1).
		{"per-step", PerStep, []float64{1, 0.5, 1.0 / 3, 0.25, 0.2}},
		{"per-epoch", PerEpoch, []float64{1, 1, 1, 1, 0.5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mlp(t, tensor.Float64, 16)
			obs := &observer{Func: func(s int) float64 { return 1 / float64(s+1) }}
			s := &sgd{lr: 99}
			tr := Trainer{Solver: s, Schedule: obs, Unit: tt.unit, Epochs: 3}
			h, err := tr.Fit(t.Context(), m, data, data)
			if err != nil {
				t.Fatal(err)
			}
			if len(h.LRs) != 12 {
				t.Fatalf("%d LRs recorded, want 12", len(h.LRs))
			}
			for i, want := range tt.want0 {
				if h.LRs[i] != want {
					t.Errorf("LR at step %d = %v, want %v", i, h.LRs[i], want)
				}
			}
			if len(obs.seen) != 3 || obs.seen[2] != h.Epochs[2].TestLoss {
				t.Errorf("observed %v, want the 3 test losses", obs.seen)
			}
		})
	}
}

func TestTrainerErrors(t *testing.T) {
	data := blobs(t, 64)
	wide, _ := datasets.Blobs(64, 7, 3, 1)
	tests := []struct {
		name string
		tr   Trainer
		data *datasets.Set
		is   error
		want string
	}{
		{"diverged", Trainer{Solver: &sgd{lr: 1e30}, Epochs: 5}, data, ErrDiverged, "training loss"},
		{"no-solver", Trainer{Epochs: 1}, data, nil, "Solver is nil"},
		{"no-epochs", Trainer{Solver: &sgd{lr: 0.1}}, data, nil, "Epochs = 0"},
		{"start-epoch", Trainer{Solver: &sgd{lr: 0.1}, Epochs: 2, StartEpoch: 2}, data, nil, "StartEpoch = 2"},
		{"features", Trainer{Solver: &sgd{lr: 0.1}, Epochs: 1}, wide, nil, "has 7 features"},
		{"schedule-without-setter", Trainer{Solver: gorgonia.NewVanillaSolver(), Schedule: lrsched.Func(func(int) float64 { return 1 }), Epochs: 1}, data, nil, "SetLearnRate"},
		{"bad-schedule", Trainer{Solver: &sgd{}, Schedule: lrsched.Func(func(int) float64 { return math.NaN() }), Epochs: 1}, data, nil, "learning rate NaN"},
		{"hook", Trainer{Solver: &sgd{lr: 0.1}, Epochs: 2, OnEpoch: func(EpochStats) error { return errors.New("stop here") }}, data, nil, "stop here"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mlp(t, tensor.Float32, 16)
			_, err := tt.tr.Fit(t.Context(), m, tt.data, data)
			if err == nil || !strings.Contains(err.Error(), tt.want) || (tt.is != nil && !errors.Is(err, tt.is)) {
				t.Errorf("error = %v, want %q (is %v)", err, tt.want, tt.is)
			}
		})
	}
}

func TestTrainerCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	m := mlp(t, tensor.Float32, 16)
	steps := 0
	tr := Trainer{Solver: &sgd{lr: 0.1}, Epochs: 100, OnStep: func(StepStats) error {
		if steps++; steps == 3 {
			cancel()
		}
		return nil
	}}
	_, err := tr.Fit(ctx, m, blobs(t, 64), nil)
	if !errors.Is(err, context.Canceled) || steps != 3 {
		t.Errorf("error = %v after %d steps, want context.Canceled after 3", err, steps)
	}
}

func TestNewModelErrors(t *testing.T) {
	tests := []struct {
		name string
		net  layers.Layer
		cfg  Config
		want string
	}{
		{"no-input", layers.Dense(3), Config{Classes: 3}, "Input"},
		{"classes", layers.Dense(3), Config{Input: []int{4}, Classes: 1}, "Classes = 1"},
		{"dtype", layers.Dense(3), Config{Input: []int{4}, Classes: 3, Dtype: tensor.Int}, "Dtype"},
		{"output-shape", layers.Dense(4), Config{Input: []int{4}, Classes: 3}, "output has shape (64, 4), want (64, 3)"},
		{"not-a-matrix", layers.Dense(3), Config{Input: []int{2, 2}, Classes: 3}, "dense0: input shape (64, 2, 2)"},
		{"no-params", layers.ReLU(), Config{Input: []int{3}, Classes: 3}, "no parameters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewModel(tt.net, tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

// TestKeepLastBatchNorm: padding rows would enter batch-norm statistics,
// so KeepLast is refused when the final batch is partial and allowed when
// the batch size divides the data.
func TestKeepLastBatchNorm(t *testing.T) {
	net := func() layers.Layer {
		return layers.Stack(layers.Dense(8), layers.BatchNorm(), layers.ReLU(), layers.Dense(3))
	}
	for _, tc := range []struct {
		samples int
		wantErr bool
	}{
		{120, true},  // 120 = 7·16 + 8: a partial batch of 8
		{128, false}, // 8 full batches
	} {
		m, err := NewModel(net(), Config{Input: []int{6}, Classes: 3, Batch: 16, EvalBatch: 16, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		tr := Trainer{Solver: &sgd{lr: 0.1}, Epochs: 1, KeepLast: true}
		_, err = tr.Fit(t.Context(), m, blobs(t, tc.samples), nil)
		if tc.wantErr {
			if err == nil || !strings.Contains(err.Error(), "batchnorm0") || !strings.Contains(err.Error(), "8 of 16 rows") {
				t.Errorf("%d samples: err = %v, want one naming batchnorm0 and the 8 of 16 rows", tc.samples, err)
			}
		} else if err != nil {
			t.Errorf("%d samples: %v", tc.samples, err)
		}
	}
}
