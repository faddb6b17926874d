package solvertest

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/pkg/errors"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/convergo/convergo/solvers"
)

// Defaults of Options.
const (
	DefaultSteps = 1000
	DefaultTol   = 1e-6
	// DefaultDivergeFactor: a run is declared diverged when
	// f - f* > DefaultDivergeFactor·max(1, f(θ₀) - f*).
	DefaultDivergeFactor = 1e12
)

// Schedule is a learning-rate schedule: the absolute learning rate for
// step t, t counting from 0. lrsched.Scheduler satisfies it.
type Schedule interface{ LR(step int) float64 }

// ScheduleFunc adapts a function to Schedule.
type ScheduleFunc func(step int) float64

// LR returns f(step).
func (f ScheduleFunc) LR(step int) float64 { return f(step) }

// Options tune a Run. A nil *Options, and every zero field, means the
// default.
type Options struct {
	Steps int          // optimizer steps; 0: DefaultSteps
	Seed  uint64       // seeds the noise of stochastic problems and Jitter
	Dtype tensor.Dtype // tensor.Float32 or tensor.Float64; zero: Float64
	// Tol is the tolerance of StepsToTol, on f - f*; 0: DefaultTol.
	Tol float64
	// StopAtTol ends the run at the first step where f - f* ≤ Tol.
	StopAtTol bool
	// Start overrides the problem's start point (length Dim).
	Start []float64
	// Jitter adds Jitter·N(0, 1) to each start coordinate, drawn from
	// Seed, so that several seeds give several runs of a deterministic
	// problem.
	Jitter float64
	// Schedule, if set, sets the solver's learning rate before each step
	// t to Schedule.LR(t); the solver must then be a solvers.LearnRater.
	Schedule Schedule
	// DivergeFactor overrides DefaultDivergeFactor.
	DivergeFactor float64
	// OnStep, if not nil, is called after every optimizer step. An error
	// it returns ends the run, and Run returns it (wrapped) with the
	// Result so far.
	OnStep func(StepInfo) error
}

// StepInfo describes the optimizer step just taken, for Options.OnStep.
type StepInfo struct {
	Step int     // from 0
	LR   float64 // the learning rate the step used (NaN if the solver has none)
	Loss float64 // the graph's loss at the step's forward pass (Result.Loss[Step])
}

// MaxSteps bounds Options.Steps (2³¹−1): a Run records every step, and a
// larger budget is an error rather than an allocation that fails.
const MaxSteps = 1<<31 - 1

// Result is the record of one Run.
type Result struct {
	Problem string
	Solver  string // the spec, or the solver's Go type
	Dtype   tensor.Dtype

	// Curve[t] = F(θₜ) - f* for t = 0 … Steps: Curve[0] is the start,
	// Curve[t] the point after t optimizer steps. F is evaluated in
	// float64 from the parameter values (float32 ones converted), so the
	// curve is exact whatever the dtype, and for a stochastic problem it is
	// the expected objective, not the sampled loss.
	Curve []float64
	// Loss[t] is the value of the graph's loss node at θₜ, t = 0 … Steps-1,
	// as computed in the forward pass of step t (in the run's dtype; the
	// sampled loss of a stochastic problem).
	Loss []float64
	// X is the final parameter vector θ_Steps (in float64).
	X []float64
	// Steps is the number of optimizer steps taken: Options.Steps unless
	// the run stopped early (StopAtTol, divergence, cancellation, error).
	Steps int
	// StepsToTol is the first t with Curve[t] ≤ Tol, or -1.
	StepsToTol int
	// Diverged is set when f became NaN or ±Inf, a parameter became NaN
	// or ±Inf, or f - f* exceeded DivergeFactor·max(1, Curve[0]); the run
	// stops there (Curve ends with the offending value).
	Diverged bool
}

// Final returns the last value of the curve, F(θ_Steps) - f*.
func (r *Result) Final() float64 { return r.Curve[len(r.Curve)-1] }

func (r *Result) String() string {
	s := fmt.Sprintf("%s on %s (%v): %d steps, f-f* %.3g -> %.3g, steps to tol %d",
		r.Solver, r.Problem, r.Dtype, r.Steps, r.Curve[0], r.Final(), r.StepsToTol)
	if r.Diverged {
		s += ", diverged"
	}
	return s
}

// RunSpec parses spec with solvers.Parse and runs the solver: see Run.
// Result.Solver is the spec.
func RunSpec(ctx context.Context, p Problem, spec string, opt *Options) (*Result, error) {
	s, err := solvers.Parse(spec)
	if err != nil {
		return nil, errors.Wrapf(err, "solvertest: %s", p.Name)
	}
	r, err := Run(ctx, p, s, opt)
	if r != nil {
		r.Solver = spec
	}
	return r, err
}

// Run minimises p with the solver s: it builds p's graph in the dtype of
// opt, binds the gradient with gorgonia.BindDualValues and runs a
// gorgonia.TapeMachine loop (Reset, feed, RunAll, Step) for opt.Steps
// steps, recording the loss curve. Use a fresh solver for each Run: the
// solver keeps state for the parameter node of this run's graph.
//
// A solver that is a solvers.EvalSwapper (sfadamw, and lookahead around
// it) trains at one point and evaluates at another: Run records F at the
// evaluation point (SwapToEval before reading θ, SwapToTrain after), and
// Result.X is that point; the graph's Loss is at the training point.
//
// Divergence is an outcome, not an error: the run stops and
// Result.Diverged is set. Errors — invalid options, a graph that fails to
// build or run, a Step error, ctx cancelled — are returned with the
// Result so far (nil if the run never started); panics in the graph or
// the solver are recovered and returned as errors.
func Run(ctx context.Context, p Problem, s gorgonia.Solver, opt *Options) (res *Result, err error) {
	var o Options
	if opt != nil {
		o = *opt
	}
	if o.Steps == 0 {
		o.Steps = DefaultSteps
	}
	if o.Tol == 0 {
		o.Tol = DefaultTol
	}
	if o.DivergeFactor == 0 {
		o.DivergeFactor = DefaultDivergeFactor
	}
	if o.Dtype == (tensor.Dtype{}) {
		o.Dtype = tensor.Float64
	}
	switch {
	case s == nil:
		return nil, errors.Errorf("solvertest: %s: nil solver", p.Name)
	case p.Build == nil || p.F == nil || p.Dim < 1:
		return nil, errors.Errorf("solvertest: problem %q is incomplete (Build, F and Dim are required)", p.Name)
	case o.Steps < 0 || o.Steps > MaxSteps:
		return nil, errors.Errorf("solvertest: %s: Steps=%d: must be in [0, %d]", p.Name, o.Steps, MaxSteps)
	case !(o.Tol > 0):
		return nil, errors.Errorf("solvertest: %s: Tol=%v: must be > 0", p.Name, o.Tol)
	case !(o.DivergeFactor > 0):
		return nil, errors.Errorf("solvertest: %s: DivergeFactor=%v: must be > 0", p.Name, o.DivergeFactor)
	case o.Dtype != tensor.Float64 && o.Dtype != tensor.Float32:
		return nil, errors.Errorf("solvertest: %s: Dtype=%v: must be float32 or float64", p.Name, o.Dtype)
	case o.Start != nil && len(o.Start) != p.Dim:
		return nil, errors.Errorf("solvertest: %s: Start has %d values, want %d", p.Name, len(o.Start), p.Dim)
	case o.Start == nil && len(p.Start) != p.Dim:
		return nil, errors.Errorf("solvertest: %s: problem Start has %d values, want %d", p.Name, len(p.Start), p.Dim)
	case math.IsNaN(o.Jitter) || math.IsInf(o.Jitter, 0):
		return nil, errors.Errorf("solvertest: %s: Jitter=%v: must be finite", p.Name, o.Jitter)
	}
	lr, _ := s.(solvers.LearnRater)
	if o.Schedule != nil && lr == nil {
		return nil, errors.Errorf("solvertest: %s: a Schedule needs a solver with SetLearnRate (solvers.LearnRater); %T is not one", p.Name, s)
	}

	start := append([]float64(nil), p.Start...)
	if o.Start != nil {
		copy(start, o.Start)
	}
	if o.Jitter != 0 {
		rng := rand.New(rand.NewPCG(o.Seed, 0x6a6974746572)) // "jitter"
		for i := range start {
			start[i] += o.Jitter * rng.NormFloat64()
		}
	}

	res = &Result{Problem: p.Name, Solver: fmt.Sprintf("%T", s), Dtype: o.Dtype, StepsToTol: -1,
		Curve: make([]float64, 0, min(o.Steps, 1<<16)+1), Loss: make([]float64, 0, min(o.Steps, 1<<16))}
	defer func() {
		if r := recover(); r != nil {
			err = errors.Errorf("solvertest: %s: %s: panic at step %d: %v", p.Name, res.Solver, res.Steps, r)
		}
	}()

	g := gorgonia.NewGraph()
	val := denseOf(o.Dtype, start, p.Dim)
	theta := gorgonia.NewVector(g, o.Dtype, gorgonia.WithShape(p.Dim), gorgonia.WithName("theta"), gorgonia.WithValue(val))
	loss, feed, err := p.Build(theta)
	if err != nil {
		return nil, errors.Wrapf(err, "solvertest: %s: building the graph", p.Name)
	}
	if p.Stochastic && feed == nil {
		return nil, errors.Errorf("solvertest: %s: a stochastic problem's Build returned no feed", p.Name)
	}
	if _, err := gorgonia.Grad(loss, theta); err != nil {
		return nil, errors.Wrapf(err, "solvertest: %s: gorgonia.Grad", p.Name)
	}
	vm := gorgonia.NewTapeMachine(g, gorgonia.BindDualValues(theta))
	defer vm.Close()
	params := gorgonia.NodesToValueGrads(gorgonia.Nodes{theta})

	swapper, _ := s.(solvers.EvalSwapper)
	x := make([]float64, p.Dim)
	read := func() bool { // copies θ (the evaluation point) into x; false if not finite
		if swapper != nil {
			if err := swapper.SwapToEval(); err != nil {
				panic(errors.Wrap(err, "SwapToEval"))
			}
			defer func() {
				if err := swapper.SwapToTrain(); err != nil {
					panic(errors.Wrap(err, "SwapToTrain"))
				}
			}()
		}
		ok := true
		if o.Dtype == tensor.Float32 {
			for i, v := range val.Float32s() {
				x[i] = float64(v)
			}
		} else {
			copy(x, val.Float64s())
		}
		for _, v := range x {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				ok = false
			}
		}
		return ok
	}
	var limit float64
	for t := 0; ; t++ {
		finite := read()
		d := p.F(x) - p.FStar
		res.Curve = append(res.Curve, d)
		if t == 0 {
			limit = o.DivergeFactor * math.Max(1, d)
		}
		if !finite || math.IsNaN(d) || math.IsInf(d, 0) || d > limit {
			res.Diverged = true
			break
		}
		if res.StepsToTol < 0 && d <= o.Tol {
			res.StepsToTol = t
			if o.StopAtTol {
				break
			}
		}
		if t == o.Steps {
			break
		}
		if err := ctx.Err(); err != nil {
			res.X = append([]float64(nil), x...)
			return res, errors.Wrapf(err, "solvertest: %s: %s: stopped at step %d", p.Name, res.Solver, t)
		}
		if feed != nil {
			feed(o.Seed, t)
		}
		vm.Reset()
		if err := vm.RunAll(); err != nil {
			res.X = append([]float64(nil), x...)
			return res, errors.Wrapf(err, "solvertest: %s: forward/backward pass of step %d", p.Name, t)
		}
		res.Loss = append(res.Loss, scalarOf(loss.Value()))
		rate := math.NaN()
		if o.Schedule != nil {
			rate = o.Schedule.LR(t)
			lr.SetLearnRate(rate)
		} else if lr != nil {
			rate = lr.LearnRate()
		}
		if err := s.Step(params); err != nil {
			res.X = append([]float64(nil), x...)
			return res, errors.Wrapf(err, "solvertest: %s: %s: step %d", p.Name, res.Solver, t)
		}
		res.Steps = t + 1
		if o.OnStep != nil {
			if err := o.OnStep(StepInfo{Step: t, LR: rate, Loss: res.Loss[t]}); err != nil {
				read()
				res.X = append([]float64(nil), x...)
				return res, errors.Wrapf(err, "solvertest: %s: %s: OnStep after step %d", p.Name, res.Solver, t)
			}
		}
	}
	res.X = append([]float64(nil), x...)
	return res, nil
}

// scalarOf returns the float64 value of a scalar loss (NaN if it is not one).
func scalarOf(v gorgonia.Value) float64 {
	switch s := v.(type) {
	case *gorgonia.F64:
		return float64(*s)
	case *gorgonia.F32:
		return float64(*s)
	case *tensor.Dense:
		switch d := s.Data().(type) {
		case float64:
			return d
		case float32:
			return float64(d)
		case []float64:
			if len(d) == 1 {
				return d[0]
			}
		case []float32:
			if len(d) == 1 {
				return float64(d[0])
			}
		}
	}
	return math.NaN()
}
