package graph

import (
	"context"
	"math"
	"time"

	"github.com/convergo/convergo/datasets"
	"github.com/convergo/convergo/lrsched"
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
	Seconds       float64 // wall time of the epoch's training steps (evaluation excluded)
	EvalSeconds   float64 // wall time of the evaluation
	SamplesPerSec float64 // training samples per second of Seconds
}

// StepStats are the figures of one optimizer step, passed to OnStep.
type StepStats struct {
	Step  int // from 0
	Epoch int // from 1
	Loss  float64
	LR    float64
}

// History is the record of a run.
type History struct {
	Epochs []EpochStats
	// LRs is the learning rate used at every optimizer step (NaN when the
	// solver has no readable rate).
	LRs []float64
}

// Last returns the last epoch's figures, or the zero value.
func (h *History) Last() EpochStats {
	if len(h.Epochs) == 0 {
		return EpochStats{}
	}
	return h.Epochs[len(h.Epochs)-1]
}

// Trainer runs the training loop: for each epoch, seeded shuffled batches
// through the training graph (forward and backward), the solver's Step after each
// batch, then an evaluation. The zero value is not usable: Solver and
// Epochs must be set.
type Trainer struct {
	Solver gorgonia.Solver
	// Schedule, if not nil, sets the solver's learning rate before every
	// optimizer step to Schedule.LR(step), where step counts optimizer
	// steps so far (PerStep) or completed epochs (PerEpoch). The solver
	// must then implement LearnRater. A schedule that implements
	// lrsched.Observer is given the evaluation loss after every epoch
	// (the training loss when there is no evaluation set).
	Schedule lrsched.Scheduler
	Unit     Unit
	Epochs   int
	// Seed determines the batch order (epoch e's order is a function of
	// Seed and e only).
	Seed uint64
	// NoShuffle keeps the dataset order.
	NoShuffle bool
	// StartEpoch is the number of epochs already done, to resume from a
	// checkpoint: Fit runs epochs StartEpoch+1 … Epochs, with the batch
	// order and schedule steps those epochs have in an uninterrupted run.
	// Restore the weights (layers.Store.Load) and the solver's state (see
	// solvers.Stater) first; the result is then bit-identical to the
	// uninterrupted run. A plateau schedule's state must be restored too.
	StartEpoch int
	// KeepLast trains on the final partial batch of each epoch too (padded;
	// the loss ignores the padding). By default it is dropped. Fit returns
	// an error instead when the batch would be partial and the network
	// mixes samples (batch normalisation, whose statistics would include
	// the padding rows).
	KeepLast bool
	// OnStep, if not nil, is called after every optimizer step.
	// Returning an error matching ErrStop ends training without an error.
	OnStep func(StepStats) error
	// OnEpoch, if not nil, is called after every epoch's evaluation; an
	// error stops training and is returned, except one matching ErrStop,
	// which ends training without an error (see EarlyStopping).
	OnEpoch func(EpochStats) error
}

// Fit trains m on train for t.Epochs epochs, evaluating on eval (may be
// nil) after each. It returns the history so far together with any error:
// ctx's error on cancellation, an error matching ErrDiverged when a loss
// is NaN or ±Inf, or a solver, schedule or hook error.
func (t *Trainer) Fit(ctx context.Context, m *Model, train, eval *datasets.Set) (hist *History, err error) {
	hist = &History{}
	defer func() {
		if r := recover(); r != nil {
			err = errors.Errorf("graph: Trainer.Fit: panic: %v", r)
		}
	}()
	if err := t.check(m, train, eval); err != nil {
		return hist, err
	}
	lr, _ := t.Solver.(LearnRater)
	obs, _ := t.Schedule.(lrsched.Observer)
	swap, _ := t.Solver.(evalSwapper)
	batcher, err := datasets.NewBatcher(train, datasets.BatchOptions{
		Size: m.cfg.Batch, Shuffle: !t.NoShuffle, DropLast: !t.KeepLast, Seed: t.Seed,
	})
	if err != nil {
		return hist, err
	}
	if batcher.NumBatches() == 0 {
		return hist, errors.Errorf("graph: Trainer.Fit: dataset %s has %d samples, fewer than one batch of %d", train.Name, train.Len(), m.cfg.Batch)
	}
	f := m.cfg.features()
	xb := make([]float32, m.cfg.Batch*f)
	yb := make([]int, m.cfg.Batch)
	grads := gorgonia.NodesToValueGrads(m.params)
	hist.LRs = make([]float64, 0, (t.Epochs-t.StartEpoch)*batcher.NumBatches())
	step := t.StartEpoch * batcher.NumBatches()
	for epoch := t.StartEpoch + 1; epoch <= t.Epochs; epoch++ {
		start := time.Now()
		batcher.Reset(epoch - 1)
		var lossSum float64
		var batches, samples int
		rate := math.NaN()
		for {
			n, ok := batcher.Next(xb, yb)
			if !ok {
				break
			}
			if err := ctx.Err(); err != nil {
				return hist, err
			}
			if t.Schedule != nil {
				s := step
				if t.Unit == PerEpoch {
					s = epoch - 1
				}
				r := t.Schedule.LR(s)
				if math.IsNaN(r) || math.IsInf(r, 0) || r < 0 {
					return hist, errors.Errorf("graph: schedule gave learning rate %v at step %d", r, s)
				}
				lr.SetLearnRate(r)
			}
			if lr != nil {
				rate = lr.LearnRate()
			}
			loss, err := m.trainStep(xb, yb, n, step)
			if err != nil {
				return hist, err
			}
			if math.IsNaN(loss) || math.IsInf(loss, 0) {
				return hist, errors.Wrapf(ErrDiverged, "epoch %d step %d: training loss %v", epoch, step, loss)
			}
			if err := t.Solver.Step(grads); err != nil {
				return hist, errors.Wrapf(err, "graph: solver step %d", step)
			}
			hist.LRs = append(hist.LRs, rate)
			lossSum += loss
			batches++
			samples += n
			if t.OnStep != nil {
				if err := t.OnStep(StepStats{Step: step, Epoch: epoch, Loss: loss, LR: rate}); err != nil {
					if errors.Is(err, ErrStop) {
						return hist, nil
					}
					return hist, errors.Wrapf(err, "graph: OnStep at step %d", step)
				}
			}
			step++
		}
		es := EpochStats{
			Epoch: epoch, Steps: step, TrainLoss: lossSum / float64(batches), LR: rate,
			Seconds: time.Since(start).Seconds(), TestLoss: math.NaN(), TestAcc: math.NaN(),
		}
		es.SamplesPerSec = float64(samples) / es.Seconds
		if eval != nil {
			evalStart := time.Now()
			if swap != nil {
				if err := swap.SwapToEval(); err != nil {
					return hist, errors.Wrap(err, "graph: solver SwapToEval")
				}
			}
			es.TestLoss, es.TestAcc, err = m.Evaluate(eval)
			if swap != nil {
				if serr := swap.SwapToTrain(); serr != nil && err == nil {
					err = errors.Wrap(serr, "graph: solver SwapToTrain")
				}
			}
			es.EvalSeconds = time.Since(evalStart).Seconds()
			if err != nil {
				hist.Epochs = append(hist.Epochs, es)
				return hist, errors.Wrapf(err, "epoch %d", epoch)
			}
		}
		hist.Epochs = append(hist.Epochs, es)
		if obs != nil {
			metric := es.TestLoss
			if eval == nil {
				metric = es.TrainLoss
			}
			obs.Observe(metric)
		}
		if t.OnEpoch != nil {
			if err := t.OnEpoch(es); err != nil {
				if errors.Is(err, ErrStop) {
					return hist, nil
				}
				return hist, errors.Wrapf(err, "graph: OnEpoch after epoch %d", epoch)
			}
		}
	}
	return hist, nil
}

func (t *Trainer) check(m *Model, train, eval *datasets.Set) error {
	if m == nil {
		return errors.New("graph: Trainer.Fit: nil model")
	}
	if t.Solver == nil {
		return errors.New("graph: Trainer.Solver is nil")
	}
	if t.Epochs < 1 {
		return errors.Errorf("graph: Trainer.Epochs = %d, want ≥ 1", t.Epochs)
	}
	if t.StartEpoch < 0 || t.StartEpoch >= t.Epochs {
		return errors.Errorf("graph: Trainer.StartEpoch = %d, want 0 ≤ StartEpoch < Epochs = %d", t.StartEpoch, t.Epochs)
	}
	if t.Unit != PerStep && t.Unit != PerEpoch {
		return errors.Errorf("graph: Trainer.Unit = %d, want PerStep or PerEpoch", t.Unit)
	}
	if t.Schedule != nil {
		if _, ok := t.Solver.(LearnRater); !ok {
			return errors.Errorf("graph: a schedule needs a solver with SetLearnRate; %T has none (wrap a Gorgonia solver with solvers.Gorgonia)", t.Solver)
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
