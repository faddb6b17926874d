package compare

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/pkg/errors"
	"gorgonia.org/tensor"

	"github.com/convergo/convergo/graph"
	"github.com/convergo/convergo/solvers/solvertest"
)

// KindAnalytic is ProblemInfo.Kind of an analytic problem (see Analytic);
// a classification problem has an empty Kind.
const KindAnalytic = "analytic"

// Analytic makes a Problem an analytic one: an objective with a known
// minimum from package solvers/solvertest (Rosenbrock, Beale, Booth,
// Quadratic, NoisyQuadratic, LogisticRegression, or your own), minimised
// directly by the strategy's solver with solvertest.Run — no network, no
// data. See the package documentation, "Analytic problems".
type Analytic struct {
	// Problem is the objective; it is shared by the trials, read-only.
	Problem solvertest.Problem
	// Jitter perturbs the start point by Jitter·N(0, 1) per coordinate,
	// drawn from the trial's seed (solvertest.Options.Jitter), so that the
	// seeds of a deterministic problem are different runs. 0: every seed
	// starts at Problem.Start, and a deterministic problem gives the same
	// run for every seed.
	Jitter float64
	// Dtype is the dtype of the graph: tensor.Float64 (the default; a
	// tolerance like 1e-6 on f − f* needs it) or tensor.Float32.
	Dtype tensor.Dtype
}

// AnalyticProblem returns the Problem named after p (p.Name) that
// minimises p, with no jitter, in float64.
func AnalyticProblem(p solvertest.Problem) Problem {
	return Problem{Name: p.Name, Analytic: &Analytic{Problem: p}}
}

func (a *Analytic) dtype() tensor.Dtype {
	if a.Dtype == (tensor.Dtype{}) {
		return tensor.Float64
	}
	return a.Dtype
}

// describe is the one-line description of the problem in study.json and
// the report.
func (a *Analytic) describe() string {
	p := &a.Problem
	s := fmt.Sprintf("dim %d, f* = %s, start %s", p.Dim, strconv.FormatFloat(p.FStar, 'g', 6, 64), fmtVec(p.Start))
	if p.L > 0 {
		s += fmt.Sprintf(", L = %s, μ = %s", strconv.FormatFloat(p.L, 'g', 6, 64), strconv.FormatFloat(p.Mu, 'g', 6, 64))
	}
	if p.Stochastic {
		s += ", stochastic"
	}
	if a.Jitter != 0 {
		s += fmt.Sprintf(", start jitter %s·N(0,1) per seed", strconv.FormatFloat(a.Jitter, 'g', -1, 64))
	}
	s += fmt.Sprintf(", %v", a.dtype())
	if p.Ref != "" {
		s += "; " + p.Ref
	}
	return s
}

func fmtVec(x []float64) string {
	var parts []string
	for i, v := range x {
		if i == 4 && len(x) > 5 {
			parts = append(parts, "…")
			break
		}
		parts = append(parts, strconv.FormatFloat(v, 'g', 4, 64))
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

func (a *Analytic) validate(name string) error {
	p := &a.Problem
	if p.Build == nil || p.F == nil || p.Dim < 1 || len(p.Start) != p.Dim {
		return errors.Errorf("compare: analytic problem %q is incomplete (solvertest.Problem needs Build, F, Dim and a Start of length Dim)", name)
	}
	if dt := a.dtype(); dt != tensor.Float64 && dt != tensor.Float32 {
		return errors.Errorf("compare: analytic problem %q: Dtype %v: want float32 or float64", name, dt)
	}
	if math.IsNaN(a.Jitter) || math.IsInf(a.Jitter, 0) {
		return errors.Errorf("compare: analytic problem %q: Jitter %v: must be finite", name, a.Jitter)
	}
	return nil
}

// fingerprint hashes everything an analytic trial's result depends on.
// The objective itself is a function and cannot be hashed: its name,
// dimension, minimum, start and constants stand for it.
func (a *Analytic) fingerprint(name string, st *Study, s Strategy, seed uint64, total int) string {
	p := &a.Problem
	return hashHex(fmt.Sprintf("v%da|%s|%s|dim=%d|fstar=%v|start=%v|L=%v|mu=%v|stoch=%v|jitter=%v|dtype=%v|%s|seed=%d|steps=%d|eval=%d|target=%s|stop=%v",
		TrialFormat, name, p.Name, p.Dim, p.FStar, p.Start, p.L, p.Mu, p.Stochastic, a.Jitter, a.dtype(),
		s.fingerprintText(), seed, total, st.EvalEvery, st.Target, st.StopAtTarget))
}

// runAnalytic runs one trial of an analytic problem with solvertest.Run:
// the strategy's solver from the problem's start (jittered by the seed),
// for t.total steps, with the strategy's schedule; the curve's loss is
// f − f*.
func (st *Study) runAnalytic(ctx context.Context, t trialSpec, onStep func(int)) *Trial {
	a := t.problem.Analytic
	tr := newTrial(t)
	tr.FinalTrainLoss = math.NaN()
	fail := func(err error) *Trial {
		if ctx.Err() != nil {
			return nil
		}
		tr.Status, tr.Error = StatusFailed, fmt.Sprintf("after %d steps: %v", tr.Steps, err)
		tr.finish(st.Target)
		return tr
	}
	if t.strategy.Regularizer != "" || t.strategy.Penalty != nil { // validate catches this; a Trial built by hand may not
		return fail(errRegularizer(t.problem.Name, t.strategy))
	}
	sol, sch, _, err := t.strategy.build(t.total)
	if err != nil {
		return fail(err)
	}
	every := st.EvalEvery
	if every <= 0 {
		every = 1
	}
	lr0 := math.NaN()
	if sch != nil {
		lr0 = sch.LR(0)
	} else if lr, ok := sol.(graph.LearnRater); ok {
		lr0 = lr.LearnRate()
	}
	var lrs []float64
	times := []float64{0} // times[k]: training seconds after k steps
	var start time.Time
	opt := &solvertest.Options{
		Steps: t.total, Seed: t.seed, Dtype: a.dtype(), Jitter: a.Jitter,
		Tol: st.Target.Loss, StopAtTol: st.StopAtTarget && st.Target.Loss > 0,
		OnStep: func(s solvertest.StepInfo) error {
			times = append(times, time.Since(start).Seconds())
			lrs = append(lrs, s.LR)
			tr.Steps = s.Step + 1
			if n := s.Step + 1; n%every == 0 {
				onStep(n)
			}
			return nil
		},
	}
	if sch != nil {
		opt.Schedule = sch
	}
	start = time.Now()
	res, err := solvertest.Run(ctx, a.Problem, sol, opt)
	tr.Seconds = time.Since(start).Seconds()
	tr.WallSeconds = tr.Seconds
	if err != nil {
		return fail(err)
	}
	fstar := a.Problem.FStar
	tr.Steps = res.Steps
	secondsAt := func(step int) float64 { // training time after `step` steps
		if step < len(times) {
			return times[step]
		}
		return tr.Seconds
	}
	var sum float64 // graph losses since the previous point
	var n int
	prev := 0
	addPoint := func(step int) {
		for ; prev < step && prev < len(res.Loss); prev++ {
			sum += res.Loss[prev] - fstar
			n++
		}
		p := Point{Step: step, Seconds: secondsAt(step), TrainLoss: math.NaN(), TestLoss: res.Curve[step], TestAcc: math.NaN(), LR: lr0}
		if step > 0 && step-1 < len(lrs) {
			p.LR = lrs[step-1]
		}
		if n > 0 {
			p.TrainLoss = sum / float64(n)
			tr.FinalTrainLoss = p.TrainLoss
		}
		sum, n = 0, 0
		tr.Curve = append(tr.Curve, p)
	}
	last := len(res.Curve) - 1
	hit := -1
	if st.Target.Loss > 0 {
		hit = res.StepsToTol
	}
	for s := 0; s <= last; s++ {
		if s == 0 || s == last || s%every == 0 || s == hit {
			addPoint(s)
		}
	}
	if hit >= 0 {
		tr.StepsToTarget, tr.SecondsToTarget = hit, secondsAt(hit)
	}
	tr.LRs = thin(lrs[:min(len(lrs), res.Steps)], maxLRs)
	onStep(res.Steps)
	if res.Diverged {
		tr.Status = StatusDiverged
		tr.Error = fmt.Sprintf("diverged at step %d: f − f* = %g (start %g)", last, res.Curve[last], res.Curve[0])
	}
	tr.finish(st.Target)
	if tr.Status != StatusOK {
		tr.FinalTrainLoss = math.NaN()
	}
	return tr
}

func errRegularizer(problem string, s Strategy) error {
	return errors.Errorf("compare: strategy %q has the regularizer %s, but problem %q is analytic: a regularizer is a penalty on a network's weights and an analytic objective has none (drop it, or use the solver's weight_decay)",
		s.DisplayName(), cmp.Or(s.Regularizer, "(a Go Penalty)"), problem)
}
