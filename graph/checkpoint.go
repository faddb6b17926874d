package graph

import (
	"bufio"
	"bytes"
	"encoding/gob"
	"io"
	"math"
	"time"

	"github.com/pkg/errors"

	"github.com/convergo/convergo/lrsched"
	"github.com/convergo/convergo/solvers"
)

// Checkpoint is everything a training run needs to continue from a step as
// if it had never stopped: the model's tensors (parameters and buffers
// such as batch-norm statistics), the solver's state, the schedule's state
// (plateau), the position (optimizer steps done, whether the epoch's end
// was processed) and the running sums of the epoch. The batch order needs
// no state (epoch e's order is a function of Trainer.Seed and e), nor do
// dropout masks (a function of the model's seed, the layer and the step).
//
// Take one with Trainer.Checkpoint or SaveCheckpoint — from inside a hook,
// after Fit returned, or after Fit was cancelled — and continue with
// Trainer.Resume or LoadCheckpoint on a fresh Model, a fresh solver built
// from the same spec and a Trainer with the same configuration; the run is
// then bit-identical to the uninterrupted one, for every solver of package
// solvers. The solver must implement solvers.Stater (a Gorgonia solver,
// wrapped or not, keeps its state where it cannot be read, and is refused
// with an error).
type Checkpoint struct {
	Format int
	// Step is the number of optimizer steps done; EpochEnded reports
	// whether the end-of-epoch work (evaluation, Observe, OnEpoch) of the
	// epoch of step Step has been done.
	Step       int
	EpochEnded bool
	// Seed, Batches (per epoch) and Batch must match the resuming run.
	Seed    uint64
	Batches int
	Batch   int
	// Weights is the model's Store, as layers.Store.Save writes it.
	Weights []byte
	// Solver is the solver's state; Schedule the schedule's
	// (lrsched.SaveState), nil without a schedule.
	Solver   *solvers.State
	Schedule []byte
	// The running sums of the current epoch and of the interval since the
	// last evaluation, the last learning rate and the training time so far.
	EpochLoss       float64
	EpochBatches    int
	EpochSamples    int
	EpochSeconds    float64
	IntervalLoss    float64
	IntervalBatches int
	LastLR          float64
	Seconds         float64
}

// checkpointFormat is the version of Checkpoint's encoding.
const checkpointFormat = 1

// checkpointMagic starts every checkpoint file, so that another file is
// told apart from a corrupt checkpoint.
const checkpointMagic = "convergo-checkpoint\n"

// Checkpoint returns the state of the trainer's current (or last) Fit on
// m: see the type Checkpoint.
func (t *Trainer) Checkpoint(m *Model) (*Checkpoint, error) {
	r := t.run
	switch {
	case r == nil:
		return nil, errors.New("graph: Trainer.Checkpoint: no run (call it from a hook or after Fit)")
	case r.m != m:
		return nil, errors.New("graph: Trainer.Checkpoint: the model is not the one this trainer is training")
	case !r.valid:
		return nil, errors.New("graph: Trainer.Checkpoint: the run stopped inside a step (an error or a panic); its state is not a step's end")
	}
	st, ok := t.Solver.(solvers.Stater)
	if !ok {
		return nil, errors.Errorf("graph: Trainer.Checkpoint: solver %T cannot be checkpointed: it does not implement solvers.Stater (Gorgonia's own solvers keep their state unexported; use the convergo solver of the same name)", t.Solver)
	}
	ss, err := st.State()
	if err != nil {
		return nil, errors.WithMessage(err, "graph: Trainer.Checkpoint")
	}
	c := &Checkpoint{
		Format: checkpointFormat, Step: r.step, EpochEnded: r.epochEnded, Seed: t.Seed, Batches: r.batches, Batch: m.cfg.Batch,
		Solver: ss, EpochLoss: r.epochLoss, EpochBatches: r.epochBatches, EpochSamples: r.samples,
		EpochSeconds: r.epochSeconds.Seconds(), IntervalLoss: r.intervalLoss, IntervalBatches: r.intervalBatches,
		LastLR: r.lastLR, Seconds: r.seconds.Seconds(),
	}
	var w bytes.Buffer
	if err := m.store.Save(&w); err != nil {
		return nil, errors.WithMessage(err, "graph: Trainer.Checkpoint")
	}
	c.Weights = w.Bytes()
	if t.Schedule != nil {
		if c.Schedule, err = lrsched.SaveState(t.Schedule); err != nil {
			return nil, errors.WithMessage(err, "graph: Trainer.Checkpoint")
		}
	}
	return c, nil
}

// Resume loads c into m, the trainer's solver and its schedule, so that
// the next Fit continues from c's step. m must be built like the
// checkpointed model (same network, Config) and the solver and schedule
// from the same specs; their states are replaced. Resume checks the
// checkpoint before changing anything where it can: the solver's state is
// adopted when the solver first sees the parameters.
func (t *Trainer) Resume(m *Model, c *Checkpoint) error {
	switch {
	case m == nil:
		return errors.New("graph: Trainer.Resume: nil model")
	case c == nil:
		return errors.New("graph: Trainer.Resume: nil checkpoint")
	case c.Format != checkpointFormat:
		return errors.Errorf("graph: Trainer.Resume: checkpoint format %d, want %d", c.Format, checkpointFormat)
	case c.Seed != t.Seed:
		return errors.Errorf("graph: Trainer.Resume: the checkpoint's batch-order seed is %d, Trainer.Seed %d", c.Seed, t.Seed)
	case c.Batch != m.cfg.Batch:
		return errors.Errorf("graph: Trainer.Resume: the checkpoint is of batch size %d, the model's is %d", c.Batch, m.cfg.Batch)
	case c.Step < 0 || c.Step > MaxSteps || c.Batches < 1:
		return errors.Errorf("graph: Trainer.Resume: bad position (step %d, %d batches per epoch)", c.Step, c.Batches)
	case t.Schedule == nil && c.Schedule != nil:
		return errors.New("graph: Trainer.Resume: the checkpoint has a schedule's state and the trainer has no schedule")
	}
	st, ok := t.Solver.(solvers.Stater)
	if !ok {
		return errors.Errorf("graph: Trainer.Resume: solver %T cannot restore a checkpoint: it does not implement solvers.Stater", t.Solver)
	}
	if c.Solver == nil {
		return errors.New("graph: Trainer.Resume: the checkpoint has no solver state")
	}
	if err := m.store.Load(bytes.NewReader(c.Weights)); err != nil {
		return errors.WithMessage(err, "graph: Trainer.Resume")
	}
	if err := st.SetState(c.Solver); err != nil {
		return errors.WithMessage(err, "graph: Trainer.Resume")
	}
	if t.Schedule != nil && c.Schedule != nil {
		if err := lrsched.LoadState(t.Schedule, c.Schedule); err != nil {
			return errors.WithMessage(err, "graph: Trainer.Resume")
		}
	}
	t.resume = c
	return nil
}

// continues sets the run state r from c at the start of a Fit.
func (c *Checkpoint) continues(r *runState, t *Trainer) error {
	if c.Batches != r.batches {
		return errors.Errorf("graph: Trainer.Fit: the checkpoint has %d batches per epoch, this run %d (another training set or batch size)", c.Batches, r.batches)
	}
	if c.Step > r.total {
		return errors.Errorf("graph: Trainer.Fit: the checkpoint is at step %d, beyond the budget of %d steps", c.Step, r.total)
	}
	r.step, r.epochEnded = c.Step, c.EpochEnded
	r.epochLoss, r.epochBatches, r.samples = c.EpochLoss, c.EpochBatches, c.EpochSamples
	r.epochSeconds = time.Duration(c.EpochSeconds * float64(time.Second))
	r.intervalLoss, r.intervalBatches = c.IntervalLoss, c.IntervalBatches
	r.lastLR, r.seconds = c.LastLR, time.Duration(c.Seconds*float64(time.Second))
	if t.Schedule != nil && c.Step > 0 {
		// A Warmup around a plateau remembers the step of its last LR
		// call, to route the epoch's metric: replay it.
		s := c.Step - 1
		if t.Unit == PerEpoch {
			s = (c.Step - 1) / c.Batches
		}
		t.Schedule.LR(s)
	}
	return nil
}

// SaveCheckpoint writes Checkpoint(m) to w (encoding/gob after a magic
// line; NaN and ±Inf survive).
func (t *Trainer) SaveCheckpoint(w io.Writer, m *Model) error {
	c, err := t.Checkpoint(m)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	bw.WriteString(checkpointMagic)
	if err := gob.NewEncoder(bw).Encode(c); err != nil {
		return errors.Wrap(err, "graph: SaveCheckpoint")
	}
	return errors.Wrap(bw.Flush(), "graph: SaveCheckpoint")
}

// maxCheckpointBytes bounds what LoadCheckpoint reads (1 GiB).
const maxCheckpointBytes = 1 << 30

// LoadCheckpoint reads a checkpoint written by SaveCheckpoint and Resumes
// from it.
func (t *Trainer) LoadCheckpoint(r io.Reader, m *Model) error {
	c, err := ReadCheckpoint(r)
	if err != nil {
		return err
	}
	return t.Resume(m, c)
}

// ReadCheckpoint reads a checkpoint written by SaveCheckpoint.
func ReadCheckpoint(r io.Reader) (*Checkpoint, error) {
	br := bufio.NewReader(io.LimitReader(r, maxCheckpointBytes))
	head := make([]byte, len(checkpointMagic))
	if _, err := io.ReadFull(br, head); err != nil || string(head) != checkpointMagic {
		return nil, errors.New("graph: ReadCheckpoint: not a convergo checkpoint (bad magic line)")
	}
	var c Checkpoint
	if err := gob.NewDecoder(br).Decode(&c); err != nil {
		return nil, errors.Wrap(err, "graph: ReadCheckpoint: corrupt checkpoint")
	}
	if c.Format != checkpointFormat {
		return nil, errors.Errorf("graph: ReadCheckpoint: format %d, want %d", c.Format, checkpointFormat)
	}
	if math.IsNaN(c.Seconds) || c.Seconds < 0 {
		return nil, errors.Errorf("graph: ReadCheckpoint: bad training time %v", c.Seconds)
	}
	return &c, nil
}
