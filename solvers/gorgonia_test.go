package solvers

import (
	"math"
	"strings"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// gorgoniaParam is a real graph node with a dual value, as the
// TapeMachine leaves it after BindDualValues.
func gorgoniaParam(t *testing.T, vals []float64) (*gorgonia.Node, gorgonia.VM) {
	t.Helper()
	g := gorgonia.NewGraph()
	w := gorgonia.NewVector(g, tensor.Float64, gorgonia.WithShape(len(vals)), gorgonia.WithName("w"),
		gorgonia.WithValue(tensor.New(tensor.WithBacking(append([]float64(nil), vals...)))))
	// loss = Σ ½w², so the gradient is w.
	loss := gorgonia.Must(gorgonia.Mul(gorgonia.Must(gorgonia.Sum(gorgonia.Must(gorgonia.Square(w)))), gorgonia.NewConstant(0.5)))
	if _, err := gorgonia.Grad(loss, w); err != nil {
		t.Fatal(err)
	}
	return w, gorgonia.NewTapeMachine(g, gorgonia.BindDualValues(w))
}

func runOnce(t *testing.T, s gorgonia.Solver, vals []float64) []float64 {
	t.Helper()
	w, vm := gorgoniaParam(t, vals)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	if err := s.Step(gorgonia.NodesToValueGrads(gorgonia.Nodes{w})); err != nil {
		t.Fatal(err)
	}
	return append([]float64(nil), w.Value().Data().([]float64)...)
}

// TestGorgoniaDeviations documents where Gorgonia v0.9.18's built-in
// solvers deviate from their references. Each subtest asserts the
// deviation, so it fails (and this documentation must be updated) the day
// Gorgonia fixes it.
func TestGorgoniaDeviations(t *testing.T) {
	start := []float64{1, -2}
	t.Run("AdamW does not update the weights", func(t *testing.T) {
		// solvers.go: `w, err = tensor.Mul(w, decay)` returns a new tensor
		// instead of scaling in place; the rest of the update goes to it.
		got := runOnce(t, gorgonia.NewAdamW(gorgonia.WithLearnRate(0.1)), start)
		if got[0] != start[0] || got[1] != start[1] {
			t.Errorf("Gorgonia's AdamW now updates the weights (%v): fixed upstream?", got)
		}
		ours, _ := Parse("adamw(lr=0.1)")
		if got := runOnce(t, ours, start); got[0] == start[0] {
			t.Errorf("convergo's adamw did not move: %v", got)
		}
	})
	t.Run("Momentum applies L2 to the velocity", func(t *testing.T) {
		// With WithL2Reg(λ) Gorgonia adds λ·v (the velocity cache, zero at
		// the first step) to the gradient instead of λ·θ, so the first step
		// ignores the penalty: θ1 = θ0 - lr·g, not θ0 - lr·(g + λθ0).
		lr, l2 := 0.1, 0.5
		got := runOnce(t, gorgonia.NewMomentum(gorgonia.WithLearnRate(lr), gorgonia.WithMomentum(0.9), gorgonia.WithL2Reg(l2)), start)
		for i, w := range start {
			noPenalty := w - lr*w // gradient of Σ½w² is w
			if math.Abs(got[i]-noPenalty) > 1e-15 {
				t.Errorf("element %d = %v, want the unpenalised %v: fixed upstream?", i, got[i], noPenalty)
			}
		}
	})
	t.Run("AdaGrad ignores WithLearnRate", func(t *testing.T) {
		// WithLearnRate's type switch has no case for *AdaGradSolver: the
		// default learning rate 0.001 is used whatever is asked for.
		got := runOnce(t, gorgonia.NewAdaGradSolver(gorgonia.WithLearnRate(0.5)), start)
		// First AdaGrad step: θ - η·g/√(g²+ε) ≈ θ - η·sign(g), with η = 0.001.
		for i, w := range start {
			if math.Abs(got[i]-(w-0.001*math.Copysign(1, w))) > 1e-6 {
				t.Errorf("element %d = %v: AdaGrad now honours WithLearnRate?", i, got[i])
			}
		}
	})
	t.Run("Barzilai-Borwein divides 0 by 0 at the optimum", func(t *testing.T) {
		// On Σ½w² (gradient w) the second step has η = 1 and lands on 0;
		// the third keeps it there; at the fourth the gradients no longer
		// change, η = 0/0 = NaN and every weight becomes NaN.
		got := bbRun(t, gorgonia.NewBarzilaiBorweinSolver(gorgonia.WithLearnRate(0.1)), 4)
		if !math.IsNaN(got[3][0]) || !math.IsNaN(got[3][1]) {
			t.Errorf("after 4 steps: %v, want NaN: fixed upstream?", got[3])
		}
	})
	t.Run("Adam eps outside the bias correction", func(t *testing.T) {
		// Gorgonia: m̂/(√v̂ + ε) with v̂ = v/(1-β2^t); torch: same. This
		// subtest pins that Gorgonia's Adam matches ours in float64 on one
		// step (no deviation), so the comparison benchmark is fair.
		g := runOnce(t, gorgonia.NewAdamSolver(gorgonia.WithLearnRate(0.1)), start)
		ours, _ := Parse("adam(lr=0.1)")
		o := runOnce(t, ours, start)
		for i := range g {
			if math.Abs(g[i]-o[i]) > 1e-12 {
				t.Errorf("element %d: gorgonia %v, convergo %v", i, g[i], o[i])
			}
		}
	})
}

func TestGorgoniaAdapter(t *testing.T) {
	t.Run("schedules the learning rate and keeps state", func(t *testing.T) {
		// Gorgonia's Vanilla SGD, lr changed between steps: θ ← θ - lr·θ.
		a, err := Gorgonia(func(lr float64) gorgonia.Solver { return gorgonia.NewVanillaSolver(gorgonia.WithLearnRate(lr)) }, 0.1)
		if err != nil {
			t.Fatal(err)
		}
		w, vm := gorgoniaParam(t, []float64{1, -2})
		defer vm.Close()
		for _, lr := range []float64{0.1, 0.5} {
			a.SetLearnRate(lr)
			if a.LearnRate() != lr {
				t.Fatalf("LearnRate = %v", a.LearnRate())
			}
			if err := vm.RunAll(); err != nil {
				t.Fatal(err)
			}
			if err := a.Step(gorgonia.NodesToValueGrads(gorgonia.Nodes{w})); err != nil {
				t.Fatal(err)
			}
			vm.Reset()
		}
		got := w.Value().Data().([]float64)
		want := []float64{1 * 0.9 * 0.5, -2 * 0.9 * 0.5} // (1-0.1)(1-0.5)θ0
		for i := range want {
			if math.Abs(got[i]-want[i]) > 1e-15 {
				t.Errorf("element %d = %v, want %v", i, got[i], want[i])
			}
		}
		// Adam's moments and iteration count survive SetLearnRate: two
		// steps with SetLearnRate in between equal two steps without.
		mk := func() *GorgoniaSolver {
			s, err := Gorgonia(func(lr float64) gorgonia.Solver { return gorgonia.NewAdamSolver(gorgonia.WithLearnRate(lr)) }, 0.1)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		two := func(s *GorgoniaSolver, reset bool) []float64 {
			w, vm := gorgoniaParam(t, []float64{1, -2})
			defer vm.Close()
			for range 2 {
				if reset {
					s.SetLearnRate(0.1)
				}
				if err := vm.RunAll(); err != nil {
					t.Fatal(err)
				}
				if err := s.Step(gorgonia.NodesToValueGrads(gorgonia.Nodes{w})); err != nil {
					t.Fatal(err)
				}
				vm.Reset()
			}
			return append([]float64(nil), w.Value().Data().([]float64)...)
		}
		x, y := two(mk(), false), two(mk(), true)
		if x[0] != y[0] || x[1] != y[1] {
			t.Errorf("SetLearnRate reset Adam's state: %v vs %v", x, y)
		}
	})
	t.Run("refuses AdaGrad", func(t *testing.T) {
		_, err := Gorgonia(func(lr float64) gorgonia.Solver { return gorgonia.NewAdaGradSolver(gorgonia.WithLearnRate(lr)) }, 0.1)
		if err == nil || !strings.Contains(err.Error(), "AdaGradSolver ignores gorgonia.WithLearnRate") {
			t.Errorf("error = %v", err)
		}
	})
	t.Run("refuses AdamW", func(t *testing.T) {
		_, err := Gorgonia(func(lr float64) gorgonia.Solver { return gorgonia.NewAdamW(gorgonia.WithLearnRate(lr)) }, 0.1)
		if err == nil || !strings.Contains(err.Error(), "*gorgonia.AdamW never updates the weights") {
			t.Errorf("error = %v", err)
		}
	})
	t.Run("refuses unknown solvers", func(t *testing.T) {
		_, err := Gorgonia(func(lr float64) gorgonia.Solver { s, _ := NewSGD(SGDConfig{LR: lr}); return s }, 0.1)
		if err == nil || !strings.Contains(err.Error(), "unknown Gorgonia solver") {
			t.Errorf("error = %v", err)
		}
	})
}

// bbRun runs steps Steps of s on Σ½w² from (1, -2) and returns the
// weights after each.
func bbRun(t *testing.T, s gorgonia.Solver, steps int) [][]float64 {
	t.Helper()
	w, vm := gorgoniaParam(t, []float64{1, -2})
	defer vm.Close()
	var out [][]float64
	for range steps {
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		if err := s.Step(gorgonia.NodesToValueGrads(gorgonia.Nodes{w})); err != nil {
			t.Fatal(err)
		}
		vm.Reset()
		out = append(out, append([]float64(nil), w.Value().Data().([]float64)...))
	}
	return out
}

func TestGorgoniaBarzilaiBorweinGuard(t *testing.T) {
	newBB := func(lr float64) gorgonia.Solver { return gorgonia.NewBarzilaiBorweinSolver(gorgonia.WithLearnRate(lr)) }
	guarded, err := Gorgonia(newBB, 0.1)
	if err != nil {
		t.Fatal(err)
	}
	const steps = 6
	got := bbRun(t, guarded, steps)
	plain := bbRun(t, newBB(0.1), steps)
	// Until the denominator is 0 the guard changes nothing, bit for bit.
	for step := range 3 {
		for i := range got[step] {
			if math.Float64bits(got[step][i]) != math.Float64bits(plain[step][i]) {
				t.Errorf("step %d: guarded %v, Gorgonia %v", step+1, got[step], plain[step])
			}
		}
	}
	// θ1 = 0.9·θ0 (the learning rate), then η = 1 lands on 0 and stays:
	// from step 4 on the gradient is unchanged (0), and the previous step
	// size (1) is kept instead of 0/0.
	want := [][]float64{{0.9, -1.8}, {0, 0}, {0, 0}, {0, 0}, {0, 0}, {0, 0}}
	for step := range want {
		for i := range want[step] {
			if math.Abs(got[step][i]-want[step][i]) > 1e-15 {
				t.Errorf("step %d: %v, want %v", step+1, got[step], want[step])
			}
		}
	}
	// A gradient that stops changing away from the optimum: the kept step
	// size moves θ by η·g. f = Σ g0·w, constant gradient g0 = (1, 1):
	// Δg = 0 from the second Step on, η stays the learning rate 0.1.
	g := gorgonia.NewGraph()
	w := gorgonia.NewVector(g, tensor.Float64, gorgonia.WithShape(2), gorgonia.WithName("w"),
		gorgonia.WithValue(tensor.New(tensor.WithBacking([]float64{1, -2}))))
	if _, err := gorgonia.Grad(gorgonia.Must(gorgonia.Sum(w)), w); err != nil {
		t.Fatal(err)
	}
	vm := gorgonia.NewTapeMachine(g, gorgonia.BindDualValues(w))
	defer vm.Close()
	lin, err := Gorgonia(newBB, 0.1)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		if err := lin.Step(gorgonia.NodesToValueGrads(gorgonia.Nodes{w})); err != nil {
			t.Fatal(err)
		}
		vm.Reset()
	}
	if got := w.Value().Data().([]float64); math.Abs(got[0]-0.7) > 1e-15 || math.Abs(got[1]+2.3) > 1e-15 {
		t.Errorf("constant gradient, 3 steps of 0.1: %v, want [0.7 -2.3]", got)
	}
	// float32 parameters: an error (Gorgonia's Step would panic).
	bb32, _ := Gorgonia(newBB, 0.1)
	p := newParam("w", tensor.Float32, []int{2}, 1, 2)
	if err := bb32.Step(valueGrads(p)); err == nil || !strings.Contains(err.Error(), "want a float64 *tensor.Dense") {
		t.Errorf("float32 parameter: %v", err)
	}
}

// TestGorgoniaPanicIsError: a panic inside Gorgonia's Step is returned.
func TestGorgoniaPanicIsError(t *testing.T) {
	s, err := Gorgonia(func(lr float64) gorgonia.Solver { return gorgonia.NewVanillaSolver(gorgonia.WithLearnRate(lr)) }, 0.1)
	if err != nil {
		t.Fatal(err)
	}
	// Gorgonia's Vanilla Step dereferences a nil parameter.
	if err := s.Step([]gorgonia.ValueGrad{nil}); err == nil || !strings.Contains(err.Error(), "*gorgonia.VanillaSolver.Step panicked") {
		t.Errorf("error = %v", err)
	}
}
