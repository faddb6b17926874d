package graph

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/convergo/convergo/layers"
	"github.com/convergo/convergo/lrsched"
	"github.com/convergo/convergo/solvers"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// solverSpecs returns a spec for every solver name: the name alone, or,
// for a wrapper that needs an inner solver, the name around adam.
func solverSpecs(t *testing.T) []string {
	var out []string
	for _, name := range solvers.Names() {
		spec := name
		if _, err := solvers.Parse(spec); err != nil {
			spec = name + "(adam(lr=0.01))"
			if _, err := solvers.Parse(spec); err != nil {
				t.Errorf("solver %s: neither %q nor %q parses: %v", name, name, spec, err)
				continue
			}
		}
		out = append(out, spec)
	}
	return out
}

// checkpointRun is one run of the checkpoint tests: a network with batch
// normalisation (buffers) and dropout (per-step masks), 15 steps per
// epoch, a warm-up around a plateau schedule (schedule state), and an
// evaluation every 4 steps.
type checkpointRun struct {
	m      *Model
	tr     *Trainer
	losses []float64
	evals  []EvalStats
}

func newCheckpointRun(t *testing.T, spec string, dt tensor.Dtype) *checkpointRun {
	t.Helper()
	net := layers.Stack(&layers.DenseLayer{Units: 8, NoBias: true}, layers.BatchNorm(), layers.ReLU(), layers.Dropout(0.2), layers.Dense(3))
	m, err := NewModel(net, Config{Input: []int{6}, Classes: 3, Batch: 4, EvalBatch: 10, Dtype: dt, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	sol, err := solvers.Parse(spec)
	if err != nil {
		t.Fatal(err)
	}
	sch, err := lrsched.Parse("warmup(steps=6,plateau(lr=0.01,patience=0,factor=0.5))")
	if err != nil {
		t.Fatal(err)
	}
	r := &checkpointRun{m: m}
	r.tr = &Trainer{Solver: sol, Schedule: sch, Steps: 50, Seed: 9, EvalEvery: 4, EvalAtStart: true,
		Hooks: []Hook{{Name: "record",
			OnStep: func(s StepStats) error { r.losses = append(r.losses, s.Loss); return nil },
			OnEval: func(e EvalStats) error { r.evals = append(r.evals, e); return nil },
		}}}
	return r
}

// TestCheckpointAnyStep trains every solver for 50 steps straight, and
// again stopped after step k — mid-epoch (k = 22), and right after an
// epoch's last step, before its evaluation and plateau update (k = 30) —
// checkpointed to bytes, and resumed on a fresh model, solver, schedule and
// trainer: losses, evaluations and every tensor must be bit-identical.
func TestCheckpointAnyStep(t *testing.T) {
	train, eval := blobs(t, 60), blobs(t, 20)
	for _, spec := range solverSpecs(t) {
		for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
			whole := newCheckpointRun(t, spec, dt)
			if _, err := whole.tr.Fit(t.Context(), whole.m, train, eval); err != nil {
				t.Fatalf("%s %v: %v", spec, dt, err)
			}
			for _, k := range []int{22, 30} {
				first := newCheckpointRun(t, spec, dt)
				first.tr.Hooks = append(first.tr.Hooks, Hook{Name: "stop", OnStep: func(s StepStats) error {
					if s.Step+1 == k {
						return ErrStop
					}
					return nil
				}})
				if _, err := first.tr.Fit(t.Context(), first.m, train, eval); err != nil {
					t.Fatalf("%s %v: %v", spec, dt, err)
				}
				var file bytes.Buffer
				if err := first.tr.SaveCheckpoint(&file, first.m); err != nil {
					t.Fatalf("%s %v: %v", spec, dt, err)
				}

				second := newCheckpointRun(t, spec, dt)
				if err := second.tr.LoadCheckpoint(bytes.NewReader(file.Bytes()), second.m); err != nil {
					t.Fatalf("%s %v: %v", spec, dt, err)
				}
				if _, err := second.tr.Fit(t.Context(), second.m, train, eval); err != nil {
					t.Fatalf("%s %v: %v", spec, dt, err)
				}
				losses := append(first.losses, second.losses...)
				evals := append(first.evals, second.evals...)
				name := spec + " " + dt.String() + " stopped at " + string(rune('0'+k/10)) + string(rune('0'+k%10))
				if len(losses) != len(whole.losses) || len(evals) != len(whole.evals) {
					t.Errorf("%s: %d losses and %d evaluations, want %d and %d", name, len(losses), len(evals), len(whole.losses), len(whole.evals))
					continue
				}
				for i := range losses {
					if losses[i] != whole.losses[i] {
						t.Errorf("%s: loss of step %d is %v, uninterrupted %v", name, i, losses[i], whole.losses[i])
						break
					}
				}
				for i, e := range evals {
					w := whole.evals[i]
					if e.Step != w.Step || e.TestLoss != w.TestLoss || e.TestAcc != w.TestAcc || e.LR != w.LR || !sameFloat(e.TrainLoss, w.TrainLoss) {
						t.Errorf("%s: evaluation %d is %+v, uninterrupted %+v", name, i, e, w)
						break
					}
				}
				for _, n := range whole.m.Store().Names() {
					if !sameBits(whole.m.Store().Tensor(n).Data(), second.m.Store().Tensor(n).Data()) {
						t.Errorf("%s: tensor %s differs from the uninterrupted run", name, n)
					}
				}
			}
		}
	}
}

func sameFloat(a, b float64) bool { return a == b || (a != a && b != b) }

func TestCheckpointErrors(t *testing.T) {
	train := blobs(t, 60)
	r := newCheckpointRun(t, "adam", tensor.Float32)
	if _, err := r.tr.Checkpoint(r.m); err == nil || !strings.Contains(err.Error(), "no run") {
		t.Errorf("checkpoint before Fit: %v", err)
	}
	r.tr.Steps = 5
	if _, err := r.tr.Fit(t.Context(), r.m, train, nil); err != nil {
		t.Fatal(err)
	}
	other := newCheckpointRun(t, "adam", tensor.Float32)
	if _, err := r.tr.Checkpoint(other.m); err == nil || !strings.Contains(err.Error(), "not the one") {
		t.Errorf("checkpoint of another model: %v", err)
	}
	var file bytes.Buffer
	if err := r.tr.SaveCheckpoint(&file, r.m); err != nil {
		t.Fatal(err)
	}
	data := file.Bytes()

	for _, tc := range []struct {
		name  string
		data  []byte
		setup func(*checkpointRun)
		want  string
	}{
		{"not a checkpoint", []byte("hello"), nil, "not a convergo checkpoint"},
		{"truncated", data[:len(data)/2], nil, "corrupt checkpoint"},
		{"other seed", data, func(c *checkpointRun) { c.tr.Seed = 1 }, "seed"},
		{"other solver", data, func(c *checkpointRun) { c.tr.Solver, _ = solvers.Parse("sgd") }, "adam"},
		{"Gorgonia's solver", data, func(c *checkpointRun) { c.tr.Solver = gorgonia.NewAdamSolver() }, "does not implement solvers.Stater"},
		{"no schedule", data, func(c *checkpointRun) { c.tr.Schedule = nil }, "no schedule"},
	} {
		c := newCheckpointRun(t, "adam", tensor.Float32)
		if tc.setup != nil {
			tc.setup(c)
		}
		err := c.tr.LoadCheckpoint(bytes.NewReader(tc.data), c.m)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error containing %q", tc.name, err, tc.want)
		}
	}

	// Another batch order length (another training set) is refused by Fit.
	c := newCheckpointRun(t, "adam", tensor.Float32)
	if err := c.tr.LoadCheckpoint(bytes.NewReader(data), c.m); err != nil {
		t.Fatal(err)
	}
	if _, err := c.tr.Fit(t.Context(), c.m, blobs(t, 80), nil); err == nil || !strings.Contains(err.Error(), "batches per epoch") {
		t.Errorf("resume on another training set: %v", err)
	}

	// Gorgonia's own solvers cannot be checkpointed.
	g := newCheckpointRun(t, "adam", tensor.Float32)
	g.tr.Solver, g.tr.Schedule, g.tr.Steps = gorgonia.NewVanillaSolver(), nil, 3
	if _, err := g.tr.Fit(t.Context(), g.m, train, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := g.tr.Checkpoint(g.m); err == nil || !strings.Contains(err.Error(), "cannot be checkpointed") {
		t.Errorf("Gorgonia solver: %v", err)
	}

	// A run that failed inside a step has no checkpoint.
	f := newCheckpointRun(t, "sgd(lr=1e30)", tensor.Float32)
	f.tr.Schedule = nil
	if _, err := f.tr.Fit(t.Context(), f.m, train, nil); !errors.Is(err, ErrDiverged) {
		t.Fatalf("lr=1e30: %v, want divergence", err)
	}
	if _, err := f.tr.Checkpoint(f.m); err == nil || !strings.Contains(err.Error(), "inside a step") {
		t.Errorf("checkpoint after divergence: %v", err)
	}
}
