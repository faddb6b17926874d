package graph

import (
	"context"
	"maps"
	"math"
	"slices"
	"time"

	"github.com/convergo/convergo/datasets"
	"github.com/convergo/convergo/lrsched"
	"github.com/convergo/convergo/solvers"
	"github.com/pkg/errors"
	"gorgonia.org/gorgonia"
)

// ErrDiverged is matched (errors.Is) by the error a Trainer returns when the
// training or evaluation loss becomes NaN or ±Inf.
var ErrDiverged = errors.New("graph: training diverged")

// LearnRater is a solver whose learning rate can be read and set; every
// convergo solver is one (solvers.LearnRater, restated here so that graph
// works with any solver that has the two methods).
type LearnRater interface {
	LearnRate() float64
	SetLearnRate(lr float64)
}

// evalSwapper is a solver whose evaluation weights differ from its training
// iterate (schedule-free AdamW): see solvers.EvalSwapper.
type evalSwapper interface {
	SwapToEval() error
	SwapToTrain() error
}

// Unit is what a schedule's step counts.
type Unit int

// Schedule units.
const (
	PerStep  Unit = iota // optimizer steps (batches) so far, the default
	PerEpoch             // completed epochs
)

// EpochStats are the figures of one epoch.
type EpochStats struct {
	Epoch         int     // from 1
	Steps         int     // optimizer steps so far, cumulative
	TrainLoss     float64 // mean training-batch loss over the epoch (penalty included)
	TestLoss      float64 // cross-entropy on the evaluation set (NaN without one)
	TestAcc       float64 // accuracy on the evaluation set (NaN without one)
	LR            float64 // learning rate of the epoch's last step
	Seconds       float64 // wall time of the epoch's training steps (evaluations and hooks excluded)
	EvalSeconds   float64 // wall time of the epoch-end evaluation
	SamplesPerSec float64 // training samples per second of Seconds
	// Partial marks the last epoch of a step budget (Trainer.Steps) that
	// ends before the epoch does. A partial epoch is recorded in
	// History.Epochs but not passed to OnEpoch hooks or to an
	// lrsched.Observer; its evaluation figures are those of the final
	// evaluation.
	Partial bool
}

// StepStats are the figures of one optimizer step, passed to OnStep hooks.
type StepStats struct {
	Step  int // from 0: the step just taken
	Epoch int // from 1
	Loss  float64
	LR    float64
}

// EvalStats are the figures of one evaluation, passed to OnEval hooks.
type EvalStats struct {
	Step  int // optimizer steps done (0: before training)
	Epoch int // the epoch in progress (0 before training)
	// TrainLoss is the mean training-batch loss over the steps since the
	// previous evaluation; NaN at step 0.
	TrainLoss float64
	TestLoss  float64 // loss on the evaluation set
	TestAcc   float64 // accuracy on the evaluation set
	// LR is the learning rate of the last step; at step 0, the rate the
	// first step will use (the schedule's LR(0), else the solver's).
	LR float64
	// Seconds is the training time so far: the wall time of the optimizer
	// steps (schedule, forward and backward pass, solver), evaluations and
	// hooks excluded. A resumed run continues the count of its checkpoint.
	Seconds     float64
	EvalSeconds float64 // wall time of this evaluation
	// EpochEnd is set for the evaluation at the end of a full epoch.
	EpochEnd bool
}

// History is the record of a run.
type History struct {
	Epochs []EpochStats
	// Evals are every evaluation of the run, in order.
	Evals []EvalStats
	// LRs is the learning rate used at every optimizer step of this Fit
	// (NaN when the solver has no readable rate).
	LRs []float64
	// Seconds is the training time of the run (see EvalStats.Seconds), a
	// resumed run's including its checkpoint's.
	Seconds float64
}

// Last returns the last epoch's figures, or the zero value.
func (h *History) Last() EpochStats {
	if len(h.Epochs) == 0 {
		return EpochStats{}
	}
	return h.Epochs[len(h.Epochs)-1]
}

// Hook is a named set of callbacks of the training loop; any of the
// functions may be nil. An error returned by a hook stops training and is
// returned by Fit, wrapped with the hook's name and the step, except an
// error matching ErrStop, which ends training without an error. Hooks run
// in the order of Trainer.Hooks, after the Trainer's own OnStep, OnEval
// and OnEpoch fields.
type Hook struct {
	Name string
	// OnStep is called after every optimizer step.
	OnStep func(StepStats) error
	// OnEval is called after every evaluation (see Trainer.EvalEvery).
	OnEval func(EvalStats) error
	// OnEpoch is called after every full epoch, its evaluation and the
	// schedule's Observe.
	OnEpoch func(EpochStats) error
}

// Trainer runs the training loop: seeded shuffled batches through the
// training graph (forward and backward), the solver's Step after each
// batch, evaluations at a fixed cadence, hooks. The zero value is not
// usable: Solver and a budget (Epochs or Steps) must be set.
//
// It is the one training loop of convergo: compare runs every trial of a
// network problem as a configured Trainer.
type Trainer struct {
	Solver gorgonia.Solver
	// Schedule, if not nil, sets the solver's learning rate before every
	// optimizer step to Schedule.LR(step), where step counts optimizer
	// steps so far (PerStep) or completed epochs (PerEpoch). The solver
	// must then implement LearnRater. A schedule that implements
	// lrsched.Observer is given the evaluation loss after every full epoch
	// (the training loss when there is no evaluation set).
	Schedule lrsched.Scheduler
	// Hyper schedules hyperparameters other than the learning rate, by
	// the solver's spec key (momentum, beta1, weight_decay: see
	// solvers.Hyperparams), as Optax's inject_hyperparams: before every
	// optimizer step, after the learning rate and in the order of the
	// keys, the solver's SetHyper(key, Hyper[key].LR(s)), s counted as for
	// Schedule (Unit). The schedule's "rate" is the hyperparameter's
	// value. A schedule must be a pure function of the step (an
	// lrsched.Observer is refused), so that a checkpoint resumes it
	// exactly. ParseHyper builds the map from a spec. The key "dropout"
	// is the Trainer's own: it sets the rate p of every dropout layer of
	// the model (Model.Dropouts), read at the next batch; the rate stays
	// at its last value after Fit.
	Hyper map[string]lrsched.Scheduler
	Unit  Unit
	// The budget: Epochs full passes over the training set, or, if Steps
	// > 0, that many optimizer steps (the last epoch may then be partial).
	Epochs int
	Steps  int
	// Seed determines the batch order (epoch e's order is a function of
	// Seed and e only).
	Seed uint64
	// NoShuffle keeps the dataset order.
	NoShuffle bool
	// EvalEvery evaluates on the evaluation set every that many optimizer
	// steps, besides each epoch end and the end of a step budget (0: epoch
	// ends only). A step is evaluated once even if several rules ask.
	EvalEvery int
	// EvalAtStart evaluates before the first step too (step 0).
	EvalAtStart bool
	// StartEpoch is the number of epochs already done, to resume at an
	// epoch boundary from weights and solver state restored by hand
	// (layers.Store.Load, solvers.Stater). LoadCheckpoint, which resumes at
	// any step and restores everything in one call, is the simpler way.
	StartEpoch int
	// KeepLast trains on the final partial batch of each epoch too (padded;
	// the loss ignores the padding). By default it is dropped. Fit returns
	// an error instead when the batch would be partial and the network
	// mixes samples (batch normalisation, whose statistics would include
	// the padding rows).
	KeepLast bool
	// OnStep, OnEval and OnEpoch are a hook named "OnStep", "OnEval" and
	// "OnEpoch": see Hook.
	OnStep  func(StepStats) error
	OnEval  func(EvalStats) error
	OnEpoch func(EpochStats) error
	// Hooks are further named hooks, called in order.
	Hooks []Hook

	resume *Checkpoint // set by Resume, consumed by the next Fit
	run    *runState   // the state of the current (or last) Fit
}

// runState is where a Fit is: what a Checkpoint records.
type runState struct {
	m          *Model
	step       int  // optimizer steps done
	epochEnded bool // the epoch-end work of the epoch of the last step is done
	batches    int  // batches per epoch
	total      int  // the budget in steps
	seconds    time.Duration
	// running sums: the epoch so far, and the steps since the last evaluation
	epochLoss             float64
	epochBatches, samples int
	epochSeconds          time.Duration
	intervalLoss          float64
	intervalBatches       int
	lastLR                float64
	valid                 bool // false after an error inside a step
}

// MaxSteps bounds a Trainer's budget in optimizer steps (2³¹−1): a budget
// beyond it is an error rather than a run that never ends or a count that
// overflows.
const MaxSteps = math.MaxInt32

// budget returns the run's length in optimizer steps.
func (t *Trainer) budget(perEpoch int) (int, error) {
	if t.Steps > 0 {
		if t.Steps > MaxSteps {
			return 0, errors.Errorf("graph: Trainer.Steps = %d, more than the maximum %d", t.Steps, MaxSteps)
		}
		return t.Steps, nil
	}
	if t.Epochs > MaxSteps/perEpoch {
		return 0, errors.Errorf("graph: Trainer.Epochs = %d: %d epochs of %d steps exceed the maximum of %d steps", t.Epochs, t.Epochs, perEpoch, MaxSteps)
	}
	return t.Epochs * perEpoch, nil
}

func (t *Trainer) hooks() []Hook {
	var hs []Hook
	if t.OnStep != nil {
		hs = append(hs, Hook{Name: "OnStep", OnStep: t.OnStep})
	}
	if t.OnEval != nil {
		hs = append(hs, Hook{Name: "OnEval", OnEval: t.OnEval})
	}
	if t.OnEpoch != nil {
		hs = append(hs, Hook{Name: "OnEpoch", OnEpoch: t.OnEpoch})
	}
	return append(hs, t.Hooks...)
}

// errStopped is how the hook runners tell Fit that a hook returned ErrStop.
var errStopped = errors.New("graph: stopped by a hook")

func runHooks[S any](hooks []Hook, kind string, step int, pick func(Hook) func(S) error, s S) error {
	for _, h := range hooks {
		f := pick(h)
		if f == nil {
			continue
		}
		if err := f(s); err != nil {
			if errors.Is(err, ErrStop) {
				return errStopped
			}
			return errors.Wrapf(err, "graph: hook %q (%s) at step %d", h.Name, kind, step)
		}
	}
	return nil
}

// Fit trains m on train for the budget (Epochs or Steps), evaluating on
// eval (may be nil) at each epoch end and at the cadence of EvalEvery and
// EvalAtStart. It returns the history so far together with any error:
// ctx's error on cancellation, an error matching ErrDiverged when a loss
// is NaN or ±Inf, or a solver, schedule or hook error (naming the hook).
// After Resume, Fit continues from the checkpoint's step.
func (t *Trainer) Fit(ctx context.Context, m *Model, train, eval *datasets.Set) (hist *History, err error) {
	hist = &History{}
	defer func() {
		if r := recover(); r != nil {
			err = errors.Errorf("graph: Trainer.Fit: panic: %v", r)
			if t.run != nil {
				t.run.valid = false
			}
		}
	}()
	if err := t.check(m, train, eval); err != nil {
		return hist, err
	}
	if rs, ok := t.Solver.(solvers.RoleSetter); ok {
		rs.SetRoles(m.Roles())
	}
	lr, _ := t.Solver.(LearnRater)
	hyper, _ := t.Solver.(solvers.Hyperparams)
	hyperKeys := slices.Sorted(maps.Keys(t.Hyper))
	dropouts := m.Dropouts()
	obs, _ := t.Schedule.(lrsched.Observer)
	swap, _ := t.Solver.(evalSwapper)
	batcher, err := datasets.NewBatcher(train, datasets.BatchOptions{
		Size: m.cfg.Batch, Shuffle: !t.NoShuffle, DropLast: !t.KeepLast, Seed: t.Seed,
	})
	if err != nil {
		return hist, err
	}
	nb := batcher.NumBatches()
	if nb == 0 {
		return hist, errors.Errorf("graph: Trainer.Fit: dataset %s has %d samples, fewer than one batch of %d", train.Name, train.Len(), m.cfg.Batch)
	}
	total, err := t.budget(nb)
	if err != nil {
		return hist, err
	}
	run := &runState{m: m, batches: nb, total: total, lastLR: math.NaN(), valid: true}
	if d, ok := t.Solver.(solvers.ParamDescriber); ok {
		// Before any Step or Adopt: Muon settles how it treats a
		// parameter when it first sees it.
		d.DescribeParams(m.ParamInfos())
	}
	if c := t.resume; c != nil {
		t.resume = nil
		if err := c.continues(run, t); err != nil {
			return hist, err
		}
		if a, ok := t.Solver.(solvers.Adopter); ok {
			// Take the restored state now rather than at the first
			// Step: an evaluation may come first (SwapToEval).
			if err := a.Adopt(gorgonia.NodesToValueGrads(m.params)); err != nil {
				return hist, errors.WithMessage(err, "graph: resuming")
			}
		}
	} else if t.StartEpoch > 0 {
		run.step, run.epochEnded = t.StartEpoch*nb, true
		if run.step >= total {
			return hist, errors.Errorf("graph: Trainer.StartEpoch = %d: the budget of %d steps is already done", t.StartEpoch, total)
		}
	}
	t.run = run
	defer func() { hist.Seconds = run.seconds.Seconds() }()
	hooks := t.hooks()
	f := m.cfg.features()
	xb := make([]float32, m.cfg.Batch*f)
	yb := make([]int, m.cfg.Batch)
	var sb []int // per-position labels of a sequence model
	if m.cfg.Positions > 0 {
		sb = make([]int, m.cfg.Batch*m.cfg.Positions)
	}
	grads := gorgonia.NodesToValueGrads(m.params)
	hist.LRs = make([]float64, 0, min(total-run.step, 1<<16))

	rateAt := func(step, epoch int) (float64, error) {
		if t.Schedule == nil {
			if lr != nil {
				return lr.LearnRate(), nil
			}
			return math.NaN(), nil
		}
		s := step
		if t.Unit == PerEpoch {
			s = epoch - 1
		}
		r := t.Schedule.LR(s)
		if math.IsNaN(r) || math.IsInf(r, 0) || r < 0 {
			return 0, errors.Errorf("graph: schedule gave learning rate %v at step %d", r, s)
		}
		return r, nil
	}
	// evaluate runs one evaluation after run.step steps and the OnEval
	// hooks.
	evaluate := func(epoch int, epochEnd bool) (EvalStats, error) {
		es := EvalStats{Step: run.step, Epoch: epoch, TrainLoss: math.NaN(), LR: run.lastLR, EpochEnd: epochEnd}
		if run.intervalBatches > 0 {
			es.TrainLoss = run.intervalLoss / float64(run.intervalBatches)
		}
		run.intervalLoss, run.intervalBatches = 0, 0
		es.Seconds = run.seconds.Seconds()
		start := time.Now()
		if swap != nil {
			if err := swap.SwapToEval(); err != nil {
				return es, errors.Wrap(err, "graph: solver SwapToEval")
			}
		}
		var err error
		es.TestLoss, es.TestAcc, err = m.Evaluate(eval)
		if swap != nil {
			if serr := swap.SwapToTrain(); serr != nil && err == nil {
				err = errors.Wrap(serr, "graph: solver SwapToTrain")
			}
		}
		es.EvalSeconds = time.Since(start).Seconds()
		if err != nil {
			return es, errors.Wrapf(err, "graph: evaluation after step %d", run.step)
		}
		hist.Evals = append(hist.Evals, es)
		return es, runHooks(hooks, "OnEval", run.step, func(h Hook) func(EvalStats) error { return h.OnEval }, es)
	}
	// endEpoch does the work of the end of a full epoch: the evaluation,
	// the schedule's Observe, the OnEpoch hooks.
	endEpoch := func(epoch int) error {
		es := EpochStats{
			Epoch: epoch, Steps: run.step, TrainLoss: run.epochLoss / float64(run.epochBatches), LR: run.lastLR,
			Seconds: run.epochSeconds.Seconds(), TestLoss: math.NaN(), TestAcc: math.NaN(),
		}
		es.SamplesPerSec = float64(run.samples) / es.Seconds
		run.epochLoss, run.epochBatches, run.samples, run.epochSeconds = 0, 0, 0, 0
		run.epochEnded = true
		var herr error
		if eval != nil {
			ev, err := evaluate(epoch, true)
			es.TestLoss, es.TestAcc, es.EvalSeconds = ev.TestLoss, ev.TestAcc, ev.EvalSeconds
			if err != nil && !errors.Is(err, errStopped) {
				hist.Epochs = append(hist.Epochs, es)
				return err
			}
			herr = err
		}
		hist.Epochs = append(hist.Epochs, es)
		if obs != nil {
			metric := es.TestLoss
			if eval == nil {
				metric = es.TrainLoss
			}
			obs.Observe(metric)
		}
		if herr != nil {
			return herr
		}
		return runHooks(hooks, "OnEpoch", run.step, func(h Hook) func(EpochStats) error { return h.OnEpoch }, es)
	}
	finish := func(err error) (*History, error) {
		if errors.Is(err, errStopped) {
			return hist, nil
		}
		return hist, err
	}

	if run.step == 0 && t.EvalAtStart && eval != nil {
		if r, err := rateAt(0, 1); err == nil {
			run.lastLR = r
		}
		if _, err := evaluate(0, false); err != nil {
			return finish(err)
		}
	}
	if run.step > 0 && run.step%nb == 0 && !run.epochEnded {
		// Resumed from a checkpoint taken after an epoch's last step but
		// before its end-of-epoch work.
		if err := endEpoch(run.step / nb); err != nil {
			return finish(err)
		}
	}
	for run.step < total {
		epoch := run.step/nb + 1
		batcher.Reset(epoch - 1)
		for range run.step % nb { // resuming mid-epoch
			batcher.Next(xb, yb)
		}
		for run.step < total {
			var n int
			var ok bool
			if sb != nil {
				n, ok = batcher.NextSeq(xb, yb, sb)
			} else {
				n, ok = batcher.Next(xb, yb)
			}
			if !ok {
				break
			}
			if err := ctx.Err(); err != nil {
				return hist, err
			}
			step := run.step
			began := time.Now()
			rate, err := rateAt(step, epoch)
			if err != nil {
				return hist, err
			}
			if t.Schedule != nil {
				lr.SetLearnRate(rate)
			}
			for _, key := range hyperKeys {
				s := step
				if t.Unit == PerEpoch {
					s = epoch - 1
				}
				v := t.Hyper[key].LR(s)
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return hist, errors.Errorf("graph: Hyper[%q] gave %v at step %d", key, v, s)
				}
				if key == "dropout" {
					for _, d := range dropouts {
						if err := d.SetRate(v); err != nil {
							return hist, errors.Wrapf(err, "graph: Hyper[%q] at step %d", key, s)
						}
					}
					continue
				}
				if err := hyper.SetHyper(key, v); err != nil {
					return hist, errors.Wrapf(err, "graph: Hyper[%q] at step %d", key, s)
				}
			}
			run.valid = false // until the step is whole
			var loss float64
			if sb != nil {
				loss, err = m.trainStepSeq(xb, yb, sb, n, step)
			} else {
				loss, err = m.trainStep(xb, yb, n, step)
			}
			if err != nil {
				return hist, err
			}
			if math.IsNaN(loss) || math.IsInf(loss, 0) {
				return hist, errors.Wrapf(ErrDiverged, "epoch %d step %d: training loss %v", epoch, step, loss)
			}
			if err := t.Solver.Step(grads); err != nil {
				return hist, errors.Wrapf(err, "graph: solver step %d", step)
			}
			took := time.Since(began)
			run.seconds += took
			run.epochSeconds += took
			run.valid = true
			run.step++
			run.epochEnded = false
			run.lastLR = rate
			hist.LRs = append(hist.LRs, rate)
			run.epochLoss += loss
			run.epochBatches++
			run.samples += n
			run.intervalLoss += loss
			run.intervalBatches++
			ss := StepStats{Step: step, Epoch: epoch, Loss: loss, LR: rate}
			if err := runHooks(hooks, "OnStep", step, func(h Hook) func(StepStats) error { return h.OnStep }, ss); err != nil {
				return finish(err)
			}
			endOfEpoch := run.step%nb == 0
			if eval != nil && !endOfEpoch && ((t.EvalEvery > 0 && run.step%t.EvalEvery == 0) || run.step == total) {
				if _, err := evaluate(epoch, false); err != nil {
					return finish(err)
				}
			}
		}
		if run.step%nb == 0 {
			if err := endEpoch(epoch); err != nil {
				return finish(err)
			}
			continue
		}
		// A step budget ending inside an epoch.
		es := EpochStats{
			Epoch: epoch, Steps: run.step, TrainLoss: run.epochLoss / float64(run.epochBatches), LR: run.lastLR,
			Seconds: run.epochSeconds.Seconds(), TestLoss: math.NaN(), TestAcc: math.NaN(), Partial: true,
		}
		es.SamplesPerSec = float64(run.samples) / es.Seconds
		if k := len(hist.Evals); k > 0 && hist.Evals[k-1].Step == run.step {
			es.TestLoss, es.TestAcc = hist.Evals[k-1].TestLoss, hist.Evals[k-1].TestAcc
		}
		hist.Epochs = append(hist.Epochs, es)
	}
	return hist, nil
}

// Position returns the number of optimizer steps done by the current (or
// last) Fit, and whether the work of the end of that step's epoch is done;
// 0, false before the first Fit.
func (t *Trainer) Position() (step int, epochEnded bool) {
	if t.run == nil {
		return 0, false
	}
	return t.run.step, t.run.epochEnded
}

func (t *Trainer) check(m *Model, train, eval *datasets.Set) error {
	if m == nil {
		return errors.New("graph: Trainer.Fit: nil model")
	}
	if t.Solver == nil {
		return errors.New("graph: Trainer.Solver is nil")
	}
	if t.Steps < 0 {
		return errors.Errorf("graph: Trainer.Steps = %d, want ≥ 0", t.Steps)
	}
	if t.Steps == 0 && t.Epochs < 1 {
		return errors.Errorf("graph: Trainer.Epochs = %d, want ≥ 1 (or a step budget in Trainer.Steps)", t.Epochs)
	}
	if t.EvalEvery < 0 {
		return errors.Errorf("graph: Trainer.EvalEvery = %d, want ≥ 0", t.EvalEvery)
	}
	if t.StartEpoch < 0 || (t.Steps == 0 && t.StartEpoch >= t.Epochs) {
		return errors.Errorf("graph: Trainer.StartEpoch = %d, want 0 ≤ StartEpoch < Epochs = %d", t.StartEpoch, t.Epochs)
	}
	if t.StartEpoch > 0 && t.resume != nil {
		return errors.New("graph: Trainer.StartEpoch and a checkpoint (Resume) are both set; a checkpoint carries its own position")
	}
	if t.Unit != PerStep && t.Unit != PerEpoch {
		return errors.Errorf("graph: Trainer.Unit = %d, want PerStep or PerEpoch", t.Unit)
	}
	for i, h := range t.Hooks {
		if h.Name == "" {
			return errors.Errorf("graph: Trainer.Hooks[%d] has no Name", i)
		}
	}
	if t.Schedule != nil {
		if _, ok := t.Solver.(LearnRater); !ok {
			return errors.Errorf("graph: a schedule needs a solver with SetLearnRate; %T has none (wrap a Gorgonia solver with solvers.Gorgonia)", t.Solver)
		}
	}
	if len(t.Hyper) > 0 {
		h, ok := t.Solver.(solvers.Hyperparams)
		for _, key := range slices.Sorted(maps.Keys(t.Hyper)) {
			switch s := t.Hyper[key]; {
			case key == "dropout" && len(m.Dropouts()) == 0:
				return errors.New("graph: Trainer.Hyper[\"dropout\"]: the model has no dropout layer")
			case key != "dropout" && !ok:
				return errors.Errorf("graph: Trainer.Hyper[%q] needs a solver with schedulable hyperparameters (solvers.Hyperparams); %T has none", key, t.Solver)
			case key == "lr":
				return errors.New("graph: Trainer.Hyper[\"lr\"]: the learning rate's schedule is Trainer.Schedule")
			case s == nil:
				return errors.Errorf("graph: Trainer.Hyper[%q] is nil", key)
			case key != "dropout" && !slices.Contains(h.HyperKeys(), key):
				return errors.Errorf("graph: Trainer.Hyper[%q]: the solver cannot schedule it (it can: %v)", key, h.HyperKeys())
			default:
				if _, ok := s.(lrsched.Observer); ok {
					return errors.Errorf("graph: Trainer.Hyper[%q]: a metric-driven schedule (%T) has state that checkpoints do not keep; use a pure function of the step", key, s)
				}
			}
		}
	}
	if err := m.checkSet(train); err != nil {
		return err
	}
	if layer := m.train.b.MixesSamples(); t.KeepLast && layer != "" && train.Len()%m.cfg.Batch != 0 {
		return errors.Errorf("graph: Trainer.KeepLast: the final batch of %s would have %d of %d rows, and %s computes batch statistics, which the %d padding rows would enter; drop the partial batch (KeepLast false) or use a batch size that divides %d",
			train.Name, train.Len()%m.cfg.Batch, m.cfg.Batch, layer, m.cfg.Batch-train.Len()%m.cfg.Batch, train.Len())
	}
	if eval != nil {
		if err := m.checkSet(eval); err != nil {
			return err
		}
	}
	return nil
}
