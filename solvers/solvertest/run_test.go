package solvertest_test

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/convergo/convergo/solvers"
	"github.com/convergo/convergo/solvers/solvertest"
)

var dtypes = []tensor.Dtype{tensor.Float64, tensor.Float32}

// TestRunConverges runs one reasonable solver on every problem, in both
// dtypes, and checks the loss curve and the steps-to-tolerance.
func TestRunConverges(t *testing.T) {
	tests := []struct {
		p     solvertest.Problem
		spec  string
		steps int
		tol   float64 // on f - f* at the end; float32 gets max(tol, its floor)
		f32   float64 // float32 floor: f* resolution of float32 iterates
		long  bool
	}{
		// Booth: GD with 1/L, f - f* = 2(64/81)^t (TestBoothLinearRate).
		{solvertest.Booth(), "sgd(lr=0.05555555555555555)", 100, 1e-9, 1e-9, false},
		// Beale: Adam makes steady progress down the curved valley.
		{solvertest.Beale(), "adam(lr=0.01)", 3000, 1e-6, 1e-6, false},
		// Rosenbrock: the heavy ball with a small lr crawls along the valley.
		{solvertest.Rosenbrock(2), "sgd(lr=1e-3,momentum=0.9)", 3000, 1e-6, 1e-6, false},
		{solvertest.Rosenbrock(4), "adam(lr=0.02)", 4000, 1e-4, 1e-4, true},
		// Quadratic κ = 100: tuned heavy ball (TestHeavyBallBeatsGD).
		{solvertest.Quadratic(10, 100, 5), "sgd(lr=0.03305785123966942,momentum=0.6694214876033058)", 200, 1e-12, 1e-9, false},
		// Logistic regression: GD, lr below 1/L (L ≤ (d+1)/4 + λ).
		{solvertest.LogisticRegression(100, 4, 1e-2, 1), "sgd(lr=0.5,momentum=0.5)", 400, 1e-9, 1e-7, false},
	}
	for _, tt := range tests {
		for _, dt := range dtypes {
			t.Run(tt.p.Name+"/"+tt.spec+"/"+dt.String(), func(t *testing.T) {
				if tt.long && testing.Short() {
					t.Skip("long")
				}
				r, err := solvertest.RunSpec(t.Context(), tt.p, tt.spec, &solvertest.Options{Steps: tt.steps, Dtype: dt})
				if err != nil {
					t.Fatal(err)
				}
				tol := tt.tol
				if dt == tensor.Float32 {
					tol = math.Max(tol, tt.f32)
				}
				if r.Diverged || r.Steps != tt.steps || len(r.Curve) != tt.steps+1 || len(r.Loss) != tt.steps {
					t.Fatalf("%v (len(Curve) %d, len(Loss) %d)", r, len(r.Curve), len(r.Loss))
				}
				if r.Final() > tol {
					t.Errorf("%v: final f - f* %.3g > %g", r, r.Final(), tol)
				}
				// StepsToTol is the first t with Curve[t] ≤ DefaultTol, or -1.
				first := slices.IndexFunc(r.Curve, func(v float64) bool { return v <= solvertest.DefaultTol })
				if r.StepsToTol != first {
					t.Errorf("StepsToTol %d, first step with f - f* ≤ %g is %d", r.StepsToTol, solvertest.DefaultTol, first)
				}
				// Loss[t] is the graph's f(θₜ): equal to Curve[t] + f*.
				for i, l := range r.Loss {
					want := r.Curve[i] + tt.p.FStar
					if e := math.Abs(l-want) / math.Max(math.Abs(want), 1e-3); e > 1e-4 {
						t.Fatalf("step %d: graph loss %.10g, F %.10g", i, l, want)
					}
				}
				if len(r.X) != tt.p.Dim {
					t.Fatalf("len(X) %d", len(r.X))
				}
			})
		}
	}
}

// TestDeterministic: a run is a pure function of its options — same seed,
// same curve, bit for bit; another seed, another (stochastic) curve.
func TestDeterministic(t *testing.T) {
	p := solvertest.NoisyQuadratic(6, 10, 0.3)
	for _, dt := range dtypes {
		t.Run(dt.String(), func(t *testing.T) {
			opt := &solvertest.Options{Steps: 50, Seed: 7, Dtype: dt}
			a, err := solvertest.RunSpec(t.Context(), p, "adam(lr=0.05)", opt)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := solvertest.RunSpec(t.Context(), p, "adam(lr=0.05)", opt)
			if !slices.Equal(a.Curve, b.Curve) || !slices.Equal(a.X, b.X) || !slices.Equal(a.Loss, b.Loss) {
				t.Errorf("two runs with seed 7 differ")
			}
			opt.Seed = 8
			c, _ := solvertest.RunSpec(t.Context(), p, "adam(lr=0.05)", opt)
			if slices.Equal(a.Curve, c.Curve) {
				t.Errorf("seeds 7 and 8 give the same curve")
			}
		})
	}
	// Jitter moves the start of a deterministic problem, per seed.
	q := solvertest.Rosenbrock(2)
	j1, _ := solvertest.RunSpec(t.Context(), q, "sgd(lr=1e-3)", &solvertest.Options{Steps: 1, Seed: 1, Jitter: 0.1})
	j2, _ := solvertest.RunSpec(t.Context(), q, "sgd(lr=1e-3)", &solvertest.Options{Steps: 1, Seed: 2, Jitter: 0.1})
	if j1.Curve[0] == j2.Curve[0] || j1.Curve[0] == q.F(q.Start) {
		t.Errorf("Jitter: start values %v, %v, unjittered %v", j1.Curve[0], j2.Curve[0], q.F(q.Start))
	}
}

// TestSolverValues: Run takes any gorgonia.Solver — a convergo solver
// built in Go, or Gorgonia's own — and matches RunSpec.
func TestSolverValues(t *testing.T) {
	p := solvertest.Booth()
	opt := &solvertest.Options{Steps: 30}
	cfg := solvers.DefaultSGDConfig()
	cfg.LR = 0.05
	s, err := solvers.NewSGD(cfg)
	if err != nil {
		t.Fatal(err)
	}
	a, err := solvertest.Run(t.Context(), p, s, opt)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := solvertest.RunSpec(t.Context(), p, "sgd(lr=0.05)", opt)
	if !slices.Equal(a.Curve, b.Curve) {
		t.Errorf("NewSGD and Parse(sgd) give different curves")
	}
	if a.Solver != "*solvers.SGD" || b.Solver != "sgd(lr=0.05)" {
		t.Errorf("Solver names %q, %q", a.Solver, b.Solver)
	}
	v, err := solvertest.Run(t.Context(), p, gorgonia.NewVanillaSolver(gorgonia.WithLearnRate(0.05)), opt)
	if err != nil {
		t.Fatal(err)
	}
	for i := range v.Curve {
		if math.Abs(v.Curve[i]-a.Curve[i]) > 1e-12*math.Max(1, a.Curve[i]) {
			t.Fatalf("step %d: gorgonia VanillaSolver %.17g, convergo sgd %.17g", i, v.Curve[i], a.Curve[i])
		}
	}
}

// TestSchedule: the schedule's LR(t) is set before step t.
func TestSchedule(t *testing.T) {
	p := solvertest.Booth()
	// lr 0 for the first 5 steps: nothing moves; then 1/L.
	sched := solvertest.ScheduleFunc(func(t int) float64 {
		if t < 5 {
			return 0
		}
		return 1.0 / 18
	})
	r, err := solvertest.RunSpec(t.Context(), p, "sgd", &solvertest.Options{Steps: 10, Schedule: sched})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 5; i++ {
		if r.Curve[i] != r.Curve[0] {
			t.Errorf("step %d moved with lr 0: %v", i, r.Curve[i])
		}
	}
	// From step 5 on, GD with 1/L: f - f* = 2(64/81)^k after k such steps.
	if want := 2 * (64.0 / 81) * (64.0 / 81); math.Abs(r.Curve[7]-want) > 1e-12 {
		t.Errorf("f - f* after 2 steps of 1/L: %v, want %v", r.Curve[7], want)
	}
	_, err = solvertest.Run(t.Context(), p, gorgonia.NewVanillaSolver(), &solvertest.Options{Schedule: sched})
	if err == nil || !strings.Contains(err.Error(), "LearnRater") {
		t.Errorf("a Schedule with a solver without SetLearnRate: err = %v", err)
	}
}

// TestStopAtTolAndDivergence covers the early exits.
func TestStopAtTolAndDivergence(t *testing.T) {
	p := solvertest.Booth()
	r, err := solvertest.RunSpec(t.Context(), p, "sgd(lr=0.05555555555555555)", &solvertest.Options{Steps: 1000, StopAtTol: true})
	if err != nil {
		t.Fatal(err)
	}
	if r.StepsToTol != 62 || r.Steps != 62 || len(r.Curve) != 63 || r.Diverged {
		t.Errorf("StopAtTol: %v, len(Curve) %d", r, len(r.Curve))
	}
	// lr = 0.2 > 2/L = 0.111: |1 - 0.2·18| = 2.6, f grows by 6.76 per step
	// and passes 1e12·74 after ~15 steps.
	d, err := solvertest.RunSpec(t.Context(), p, "sgd(lr=0.2)", &solvertest.Options{Steps: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if !d.Diverged || d.Steps > 30 || d.StepsToTol != -1 {
		t.Errorf("lr above 2/L: %v", d)
	}
	// NaN from the start: diverged at step 0, no error.
	n, err := solvertest.RunSpec(t.Context(), p, "sgd", &solvertest.Options{Start: []float64{math.NaN(), 0}})
	if err != nil || !n.Diverged || n.Steps != 0 {
		t.Errorf("NaN start: %v, %v", n, err)
	}
	// Divergence to Inf in float32 within the step budget.
	f, err := solvertest.RunSpec(t.Context(), p, "sgd(lr=0.2)", &solvertest.Options{Steps: 1000, Dtype: tensor.Float32, DivergeFactor: math.MaxFloat64})
	if err != nil || !f.Diverged {
		t.Errorf("float32 overflow: %v, %v", f, err)
	}
}

func TestErrors(t *testing.T) {
	p := solvertest.Booth()
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name, spec string
		ctx        context.Context
		opt        *solvertest.Options
		want       string
	}{
		{"bad spec", "adam(momentum=0.9)", nil, nil, "unknown key momentum"},
		{"negative steps", "sgd", nil, &solvertest.Options{Steps: -1}, "Steps=-1"},
		{"negative tol", "sgd", nil, &solvertest.Options{Tol: -1}, "Tol=-1"},
		{"dtype", "sgd", nil, &solvertest.Options{Dtype: tensor.Int}, "Dtype=int"},
		{"start length", "sgd", nil, &solvertest.Options{Start: []float64{1}}, "Start has 1 values, want 2"},
		{"jitter", "sgd", nil, &solvertest.Options{Jitter: math.Inf(1)}, "Jitter=+Inf"},
		{"cancelled", "sgd", cancelled, nil, "context canceled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := tt.ctx
			if ctx == nil {
				ctx = t.Context()
			}
			r, err := solvertest.RunSpec(ctx, p, tt.spec, tt.opt)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
			if tt.ctx == cancelled {
				if !errors.Is(err, context.Canceled) || r == nil || r.Steps != 0 || len(r.Curve) != 1 {
					t.Errorf("cancelled: %v, %v", r, err)
				}
			}
		})
	}
	if _, err := solvertest.Run(t.Context(), p, nil, nil); err == nil {
		t.Error("nil solver: no error")
	}
	if _, err := solvertest.Run(t.Context(), solvertest.Problem{Name: "empty"}, gorgonia.NewVanillaSolver(), nil); err == nil {
		t.Error("empty problem: no error")
	}
	// A Build that panics is an error, not a panic.
	bad := solvertest.Booth()
	bad.Build = func(*gorgonia.Node) (*gorgonia.Node, func(uint64, int), error) { panic("boom") }
	if _, err := solvertest.RunSpec(t.Context(), bad, "sgd", nil); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("panicking Build: err = %v", err)
	}
}

// TestEverySolverRuns is a smoke test of every solver solvers.Parse knows,
// at its defaults, in both dtypes: 100 steps on a rotated quadratic must
// run without error and lower f.
func TestEverySolverRuns(t *testing.T) {
	p := solvertest.Quadratic(4, 10, 1)
	for _, name := range solvers.Names() {
		spec := name
		if name == "lookahead" {
			spec = "lookahead(adam)"
		}
		if w, ok := map[string]string{"cautious": "cautious(adam)", "chain": "chain(clip_norm(max=1),decay(weight_decay=0.01,mask=weights),adam)",
			"ema": "ema(decay=0.9,adam)", "groups": "groups(adam,biases=sgd)"}[name]; ok { // issue 13's wrappers
			spec = w
		}
		for _, dt := range dtypes {
			t.Run(spec+"/"+dt.String(), func(t *testing.T) {
				r, err := solvertest.RunSpec(t.Context(), p, spec, &solvertest.Options{Steps: 100, Dtype: dt})
				if err != nil {
					t.Fatal(err)
				}
				if r.Diverged || !(r.Final() < r.Curve[0]) {
					t.Errorf("%v", r)
				}
			})
		}
	}
}

// swapCounter is a VanillaSolver that counts EvalSwapper calls.
type swapCounter struct {
	*gorgonia.VanillaSolver
	eval, train int
}

func (s *swapCounter) SwapToEval() error  { s.eval++; return nil }
func (s *swapCounter) SwapToTrain() error { s.train++; return nil }

// TestEvalSwapper: Run evaluates F at the evaluation point of a
// schedule-free solver, once per recorded step, and swaps back.
func TestEvalSwapper(t *testing.T) {
	s := &swapCounter{VanillaSolver: gorgonia.NewVanillaSolver(gorgonia.WithLearnRate(0.05))}
	r, err := solvertest.Run(t.Context(), solvertest.Booth(), s, &solvertest.Options{Steps: 10})
	if err != nil {
		t.Fatal(err)
	}
	if s.eval != len(r.Curve) || s.train != len(r.Curve) {
		t.Errorf("SwapToEval %d, SwapToTrain %d calls for %d curve points", s.eval, s.train, len(r.Curve))
	}
	// sfadamw converges on the quadratic when evaluated at x.
	p := solvertest.Quadratic(4, 10, 1)
	sf, err := solvertest.RunSpec(t.Context(), p, "sfadamw(lr=0.05)", &solvertest.Options{Steps: 300})
	if err != nil {
		t.Fatal(err)
	}
	if sf.Diverged || sf.Final() > 1e-3 {
		t.Errorf("%v", sf)
	}
}
