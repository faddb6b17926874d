package graph

import (
	"bytes"
	"testing"

	"github.com/convergo/convergo/lrsched"
	"github.com/convergo/convergo/solvers"
	"gorgonia.org/tensor"
)

// TestResume trains 4 epochs straight, and 2 epochs then a checkpoint
// (weights with Store.Save, solver state with solvers.Stater) restored into
// a fresh model and solver that train epochs 3 and 4: the weights must be
// identical bit for bit, and so must the learning rates of the resumed
// steps (a per-step cosine schedule).
func TestResume(t *testing.T) {
	data := blobs(t, 96)
	sched, err := lrsched.Parse("cosine(max=0.05,T=30)")
	if err != nil {
		t.Fatal(err)
	}
	newSolver := func() solvers.Solver {
		s, err := solvers.Parse("adam(lr=0.05)")
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	straight := mlp(t, tensor.Float32, 16)
	tr := Trainer{Solver: newSolver(), Schedule: sched, Epochs: 4, Seed: 3}
	whole, err := tr.Fit(t.Context(), straight, data, nil)
	if err != nil {
		t.Fatal(err)
	}

	first := mlp(t, tensor.Float32, 16)
	s1 := newSolver()
	tr = Trainer{Solver: s1, Schedule: sched, Epochs: 2, Seed: 3}
	if _, err := tr.Fit(t.Context(), first, data, nil); err != nil {
		t.Fatal(err)
	}
	var weights bytes.Buffer
	if err := first.Store().Save(&weights); err != nil {
		t.Fatal(err)
	}
	state, err := s1.(solvers.Stater).State()
	if err != nil {
		t.Fatal(err)
	}

	second := mlp(t, tensor.Float32, 16)
	if err := second.Store().Load(&weights); err != nil {
		t.Fatal(err)
	}
	s2 := newSolver()
	if err := s2.(solvers.Stater).SetState(state); err != nil {
		t.Fatal(err)
	}
	tr = Trainer{Solver: s2, Schedule: sched, Epochs: 4, StartEpoch: 2, Seed: 3}
	rest, err := tr.Fit(t.Context(), second, data, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rest.Epochs) != 2 || rest.Epochs[0].Epoch != 3 || rest.Last().Steps != whole.Last().Steps {
		t.Fatalf("resumed history %+v, want epochs 3 and 4 ending at step %d", rest.Epochs, whole.Last().Steps)
	}
	tail := whole.LRs[len(whole.LRs)-len(rest.LRs):]
	for i := range tail {
		if tail[i] != rest.LRs[i] {
			t.Errorf("resumed LR %d = %v, want %v", i, rest.LRs[i], tail[i])
		}
	}
	for _, name := range straight.Store().Names() {
		if !sameBits(straight.Store().Tensor(name).Data(), second.Store().Tensor(name).Data()) {
			t.Errorf("%s differs between the straight and the resumed run", name)
		}
	}
}
