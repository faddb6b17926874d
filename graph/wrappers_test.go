package graph

import (
	"bytes"
	"strings"
	"testing"

	"github.com/convergo/convergo/layers"
	"github.com/convergo/convergo/lrsched"
	"github.com/convergo/convergo/solvers"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestIssue13SolversTrain: each wrapper of issue 13, on a small network
// with batch normalisation (norm roles) trained on blobs, lowers the
// training loss, in float32 and float64.
func TestIssue13SolversTrain(t *testing.T) {
	train := blobs(t, 60)
	for _, spec := range []string{
		"cautious(adamw(lr=0.01))",
		"ema(decay=0.9,warmup=true,adam(lr=0.01))",
		"chain(clip_norm(max=1),decay(weight_decay=0.05,mask=weights),adam(lr=0.01))",
		"groups(adamw(lr=0.01,weight_decay=0.05),biases=adamw(lr=0.01,weight_decay=0),norms=adam(lr=0.02))",
	} {
		for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
			net := layers.Stack(&layers.DenseLayer{Units: 8, NoBias: true}, layers.BatchNorm(), layers.ReLU(), layers.Dense(3))
			m, err := NewModel(net, Config{Input: []int{6}, Classes: 3, Batch: 4, EvalBatch: 10, Dtype: dt, Seed: 5})
			if err != nil {
				t.Fatal(err)
			}
			s, err := solvers.Parse(spec)
			if err != nil {
				t.Fatal(err)
			}
			tr := &Trainer{Solver: s, Epochs: 8, Seed: 1}
			h, err := tr.Fit(t.Context(), m, train, train)
			m.Close()
			if err != nil {
				t.Fatalf("%s %v: %v", spec, dt, err)
			}
			first, last := h.Epochs[0], h.Last()
			if !(last.TrainLoss < 0.5*first.TrainLoss) || last.TestAcc < 0.9 {
				t.Errorf("%s %v: training loss %v -> %v, accuracy %v: does not train", spec, dt, first.TrainLoss, last.TrainLoss, last.TestAcc)
			}
		}
	}
}

// roleSpy is a solver that records the roles the Trainer gives it.
type roleSpy struct {
	*solvers.SGD
	roles map[string]solvers.Role
}

func (r *roleSpy) SetRoles(roles map[string]solvers.Role) { r.roles = roles }

// TestTrainerSetsRoles: Model.Roles and the Trainer's SetRoles call.
func TestTrainerSetsRoles(t *testing.T) {
	net := layers.Stack(layers.Dense(4), layers.BatchNorm(), layers.ReLU(), layers.Dense(3))
	m, err := NewModel(net, Config{Input: []int{6}, Classes: 3, Batch: 4, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	sgd, _ := solvers.NewSGD(solvers.DefaultSGDConfig())
	spy := &roleSpy{SGD: sgd}
	if _, err := (&Trainer{Solver: spy, Steps: 1}).Fit(t.Context(), m, blobs(t, 8), nil); err != nil {
		t.Fatal(err)
	}
	want := map[string]solvers.Role{"dense0.W": solvers.RoleWeight, "dense0.b": solvers.RoleBias,
		"batchnorm0.gamma": solvers.RoleNorm, "batchnorm0.beta": solvers.RoleNorm, "dense1.W": solvers.RoleWeight, "dense1.b": solvers.RoleBias}
	if len(spy.roles) != len(want) {
		t.Fatalf("roles %v, want %v", spy.roles, want)
	}
	for k, v := range want {
		if spy.roles[k] != v {
			t.Errorf("role of %s = %q, want %q (all: %v)", k, spy.roles[k], v, spy.roles)
		}
	}
}

// hyperSpy wraps a solver and records the learning rate and the
// hyperparameters the Trainer sets before each step.
type hyperSpy struct {
	solvers.Solver
	lrs  []float64
	sets map[string][]float64
}

func (h *hyperSpy) SetLearnRate(lr float64) { h.lrs = append(h.lrs, lr); h.Solver.SetLearnRate(lr) }
func (h *hyperSpy) SetHyper(key string, v float64) error {
	h.sets[key] = append(h.sets[key], v)
	return h.Solver.(solvers.Hyperparams).SetHyper(key, v)
}
func (h *hyperSpy) HyperKeys() []string { return h.Solver.(solvers.Hyperparams).HyperKeys() }

// TestTrainerHyper: Trainer.Hyper sets each hyperparameter before every
// step to its schedule at the step the learning-rate schedule uses, per
// step and per epoch.
func TestTrainerHyper(t *testing.T) {
	hyper, err := ParseHyper("momentum=linear(lr=0.9,start_factor=0.5,total=4),weight_decay=0.001")
	if err != nil {
		t.Fatal(err)
	}
	sched, _ := lrsched.Parse("step(lr=0.1,step_size=2,gamma=0.5)")
	for _, unit := range []Unit{PerStep, PerEpoch} {
		m := mlp(t, tensor.Float64, 4)
		s, _ := solvers.Parse("sgd(lr=0.1,momentum=0.9)")
		spy := &hyperSpy{Solver: s, sets: map[string][]float64{}}
		tr := &Trainer{Solver: spy, Schedule: sched, Hyper: hyper, Unit: unit, Steps: 9}
		if _, err := tr.Fit(t.Context(), m, blobs(t, 12), nil); err != nil { // 3 steps per epoch
			t.Fatal(err)
		}
		for step := range 9 {
			s := step
			if unit == PerEpoch {
				s = step / 3
			}
			if spy.lrs[step] != sched.LR(s) {
				t.Errorf("unit %d step %d: lr %v, want %v", unit, step, spy.lrs[step], sched.LR(s))
			}
			// linear: 0.9·(0.5 + 0.5·min(s, 4)/4), written out.
			if want := 0.9 * (0.5 + 0.5*float64(min(s, 4))/4); spy.sets["momentum"][step] != want {
				t.Errorf("unit %d step %d: momentum %v, want %v", unit, step, spy.sets["momentum"][step], want)
			}
			if spy.sets["weight_decay"][step] != 0.001 {
				t.Errorf("unit %d step %d: weight_decay %v", unit, step, spy.sets["weight_decay"][step])
			}
		}
	}
	m := mlp(t, tensor.Float64, 4)
	plateau, _ := lrsched.Parse("plateau(lr=0.9)")
	for _, tc := range []struct {
		solver string
		hyper  map[string]lrsched.Scheduler
		want   string
	}{
		{"sgd(momentum=0.9)", map[string]lrsched.Scheduler{"lr": sched}, "Trainer.Schedule"},
		{"sgd(momentum=0.9)", map[string]lrsched.Scheduler{"momentum": plateau}, "metric-driven"},
		{"sgd(momentum=0.9)", map[string]lrsched.Scheduler{"beta1": sched}, "cannot schedule it"},
		{"sgd", map[string]lrsched.Scheduler{"momentum": sched}, "cannot schedule it"},
		{"adam", map[string]lrsched.Scheduler{"beta1": lrsched.Func(func(int) float64 { return 1 })}, "beta1=1: must be in [0, 1)"},
		{"adam", map[string]lrsched.Scheduler{"dropout": sched}, "no dropout layer"},
	} {
		s, _ := solvers.Parse(tc.solver)
		_, err := (&Trainer{Solver: s, Hyper: tc.hyper, Steps: 2}).Fit(t.Context(), m, blobs(t, 12), nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s with %v: %v, want an error containing %q", tc.solver, tc.hyper, err, tc.want)
		}
	}
	if _, err := (&Trainer{Solver: gorgonia.NewVanillaSolver(), Hyper: hyper, Steps: 2}).Fit(t.Context(), m, blobs(t, 12), nil); err == nil {
		t.Error("a solver without SetHyper: no error")
	}
	for _, bad := range []string{"", "momentum", "momentum=foo(x=1)", "momentum=[1]"} {
		if _, err := ParseHyper(bad); err == nil {
			t.Errorf("ParseHyper(%q): no error", bad)
		}
	}
}

// TestCheckpointHyper: with hyperparameter schedules (momentum, beta1,
// weight decay), a run stopped and resumed from a checkpoint is
// bit-identical to the uninterrupted one: the schedules are functions of
// the step.
func TestCheckpointHyper(t *testing.T) {
	train, eval := blobs(t, 60), blobs(t, 20)
	for _, tc := range [][2]string{
		{"sgd(lr=0.01,momentum=0.9,weight_decay=0.01)", "momentum=linear(lr=0.95,start_factor=0.5,total=20),weight_decay=cosine(max=0.01,T=50)"},
		{"adamw(lr=0.01)", "beta1=linear(lr=0.9,start_factor=0.9,total=30),weight_decay=linear(lr=0.1,start_factor=0.1,total=40)"},
		{"groups(adamw(lr=0.01,weight_decay=0.05),norms=adamw(lr=0.01,weight_decay=0))", "weight_decay=cosine(max=0.05,T=50)"},
		{"adam(lr=0.01)", "dropout=linear(lr=0.5,start_factor=0.1,total=30)"},
	} {
		hyper, err := ParseHyper(tc[1])
		if err != nil {
			t.Fatal(err)
		}
		for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
			whole := newCheckpointRun(t, tc[0], dt)
			whole.tr.Hyper = hyper
			if _, err := whole.tr.Fit(t.Context(), whole.m, train, eval); err != nil {
				t.Fatal(err)
			}
			first := newCheckpointRun(t, tc[0], dt)
			first.tr.Hyper = hyper
			first.tr.Hooks = append(first.tr.Hooks, Hook{Name: "stop", OnStep: func(s StepStats) error {
				if s.Step+1 == 22 {
					return ErrStop
				}
				return nil
			}})
			if _, err := first.tr.Fit(t.Context(), first.m, train, eval); err != nil {
				t.Fatal(err)
			}
			var file bytes.Buffer
			if err := first.tr.SaveCheckpoint(&file, first.m); err != nil {
				t.Fatal(err)
			}
			second := newCheckpointRun(t, tc[0], dt)
			second.tr.Hyper = hyper
			if err := second.tr.LoadCheckpoint(bytes.NewReader(file.Bytes()), second.m); err != nil {
				t.Fatal(err)
			}
			if _, err := second.tr.Fit(t.Context(), second.m, train, eval); err != nil {
				t.Fatal(err)
			}
			for _, n := range whole.m.Store().Names() {
				if !sameBits(whole.m.Store().Tensor(n).Data(), second.m.Store().Tensor(n).Data()) {
					t.Errorf("%s %s %v: tensor %s differs from the uninterrupted run", tc[0], tc[1], dt, n)
				}
			}
			if d := whole.m.Dropouts(); len(d) != 1 || (strings.Contains(tc[1], "dropout") && d[0].Rate() != whole.tr.Hyper["dropout"].LR(49)) {
				t.Errorf("%s: dropout layers %v, rate after Fit %v", tc[1], d, d[0].Rate())
			}
			// The schedules changed something: without them the weights differ.
			plain := newCheckpointRun(t, tc[0], dt)
			if _, err := plain.tr.Fit(t.Context(), plain.m, train, eval); err != nil {
				t.Fatal(err)
			}
			if sameBits(whole.m.Store().Tensor("dense1.W").Data(), plain.m.Store().Tensor("dense1.W").Data()) {
				t.Errorf("%s %s %v: the hyperparameter schedules changed nothing", tc[0], tc[1], dt)
			}
		}
	}
}
