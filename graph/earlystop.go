package graph

import (
	"math"

	"github.com/pkg/errors"
	"gorgonia.org/tensor"
)

// ErrStop ends training early without an error: when an OnEpoch or OnStep
// hook returns an error matching ErrStop (errors.Is), Trainer.Fit stops and
// returns the history so far and a nil error. EarlyStopping uses it.
var ErrStop = errors.New("graph: stop training")

// EarlyStopping stops training when a validation metric has not improved
// for Patience epochs, and puts back the weights of the best epoch. It is
// an OnEpoch hook:
//
//	es := graph.NewEarlyStopping(m, 5)
//	tr := graph.Trainer{Solver: s, Epochs: 100, OnEpoch: es.OnEpoch}
//	hist, err := tr.Fit(ctx, m, train, val)
//	// m now holds the weights of epoch es.BestEpoch() if training stopped
//	// early; call es.Restore() to get them after a run that did not.
//
// An epoch improves on the best so far when its metric is below
// best − MinDelta (torch-style "min" mode with an absolute threshold,
// Keras's EarlyStopping min_delta). Each improvement snapshots every
// tensor of the model's Store — parameters and buffers such as batch-norm
// running statistics — and Restore copies them back in place. The solver's
// state (momenta, step counts) is not part of the snapshot.
//
// Early stopping needs a validation set that is not the test set on which
// results are reported; split one off the training data (datasets.Set.Split).
type EarlyStopping struct {
	// Patience is the number of epochs without improvement after which
	// training stops (≥ 1).
	Patience int
	// MinDelta is the amount by which the metric must decrease to count as
	// an improvement (default 0).
	MinDelta float64
	// Metric returns the monitored value of an epoch, lower is better.
	// Default: the evaluation loss (EpochStats.TestLoss). Use
	// func(e EpochStats) float64 { return -e.TestAcc } for accuracy.
	Metric func(EpochStats) float64
	// NoRestore keeps the last epoch's weights when stopping.
	NoRestore bool

	m         *Model
	best      float64
	bestEpoch int
	bad       int
	stopped   bool
	snap      []*tensor.Dense // parallel to m.store.Names()
}

// NewEarlyStopping returns early stopping on the evaluation loss of m with
// the given patience.
func NewEarlyStopping(m *Model, patience int) *EarlyStopping {
	return &EarlyStopping{Patience: patience, m: m, best: math.Inf(1)}
}

// OnEpoch records the epoch's metric, snapshots the weights if it is the
// best so far, and returns an error matching ErrStop (after restoring the
// best weights, unless NoRestore) once Patience epochs have passed without
// improvement.
func (e *EarlyStopping) OnEpoch(s EpochStats) error {
	if e.m == nil {
		return errors.New("graph: EarlyStopping has no model (use NewEarlyStopping)")
	}
	if e.Patience < 1 {
		return errors.Errorf("graph: EarlyStopping.Patience = %d, want ≥ 1", e.Patience)
	}
	if e.MinDelta < 0 {
		return errors.Errorf("graph: EarlyStopping.MinDelta = %v, want ≥ 0", e.MinDelta)
	}
	v := s.TestLoss
	if e.Metric != nil {
		v = e.Metric(s)
	}
	if math.IsNaN(v) {
		return errors.Errorf("graph: EarlyStopping: the metric of epoch %d is NaN (no evaluation set?)", s.Epoch)
	}
	if e.bestEpoch == 0 || v < e.best-e.MinDelta {
		e.best, e.bestEpoch, e.bad = v, s.Epoch, 0
		e.snapshot()
		return nil
	}
	e.bad++
	if e.bad < e.Patience {
		return nil
	}
	e.stopped = true
	if !e.NoRestore {
		if err := e.Restore(); err != nil {
			return err
		}
	}
	return errors.Wrapf(ErrStop, "early stopping after epoch %d: best %v at epoch %d", s.Epoch, e.best, e.bestEpoch)
}

func (e *EarlyStopping) snapshot() {
	st := e.m.Store()
	names := st.Names()
	if len(e.snap) != len(names) {
		e.snap = make([]*tensor.Dense, len(names))
	}
	for i, n := range names {
		t := st.Tensor(n)
		if e.snap[i] == nil {
			e.snap[i] = t.Clone().(*tensor.Dense)
			continue
		}
		copyData(e.snap[i], t)
	}
}

// Restore copies the best epoch's weights (and buffers) back into the
// model. It is an error before any epoch was recorded.
func (e *EarlyStopping) Restore() error {
	if e.snap == nil {
		return errors.New("graph: EarlyStopping.Restore: no epoch recorded yet")
	}
	st := e.m.Store()
	names := st.Names()
	if len(names) != len(e.snap) {
		return errors.Errorf("graph: EarlyStopping.Restore: the store has %d tensors, the snapshot %d", len(names), len(e.snap))
	}
	for i, n := range names {
		copyData(st.Tensor(n), e.snap[i])
	}
	return nil
}

// copyData copies src's elements into dst (same shape and dtype).
func copyData(dst, src *tensor.Dense) {
	switch d := dst.Data().(type) {
	case []float32:
		copy(d, src.Data().([]float32))
	case []float64:
		copy(d, src.Data().([]float64))
	}
}

// BestEpoch returns the epoch (from 1) with the best metric so far, 0 before
// the first.
func (e *EarlyStopping) BestEpoch() int { return e.bestEpoch }

// Best returns the best metric so far (+Inf before the first epoch).
func (e *EarlyStopping) Best() float64 { return e.best }

// Stopped reports whether OnEpoch has asked training to stop.
func (e *EarlyStopping) Stopped() bool { return e.stopped }

// Chain returns an OnEpoch hook that calls each non-nil hook in order and
// stops at the first error — to print a line and check early stopping, say.
func Chain(hooks ...func(EpochStats) error) func(EpochStats) error {
	return func(s EpochStats) error {
		for _, h := range hooks {
			if h == nil {
				continue
			}
			if err := h(s); err != nil {
				return err
			}
		}
		return nil
	}
}
