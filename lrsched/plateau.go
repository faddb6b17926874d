package lrsched

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/pkg/errors"
)

// ThresholdMode says how Plateau measures a significant improvement.
type ThresholdMode int

// The threshold modes of torch ReduceLROnPlateau (mode "min").
const (
	ThresholdRel ThresholdMode = iota // better when metric < best·(1−threshold)
	ThresholdAbs                      // better when metric < best−threshold
)

func (m ThresholdMode) String() string {
	switch m {
	case ThresholdRel:
		return "rel"
	case ThresholdAbs:
		return "abs"
	}
	return fmt.Sprintf("ThresholdMode(%d)", int(m))
}

// PlateauEps is torch ReduceLROnPlateau's eps: a reduction smaller than this
// is skipped (so the rate stops moving once it is within eps of min_lr).
const PlateauEps = 1e-8

// PlateauConfig holds the parameters of Plateau. DefaultPlateau gives
// torch's defaults.
type PlateauConfig struct {
	LR            float64 // initial learning rate; spec key lr
	Factor        float64 // new lr = lr·Factor, in (0,1); default 0.1
	Patience      int     // bad epochs tolerated before a reduction, >= 0; default 10
	Threshold     float64 // significance of an improvement, >= 0; default 1e-4
	ThresholdMode ThresholdMode
	Cooldown      int     // epochs after a reduction during which bad epochs are not counted; default 0
	MinLR         float64 // floor of the rate; default 0
}

// DefaultPlateau returns the configuration with torch ReduceLROnPlateau's
// defaults (factor 0.1, patience 10, threshold 1e-4 rel, cooldown 0,
// min_lr 0) for the given initial rate.
func DefaultPlateau(lr float64) PlateauConfig {
	return PlateauConfig{LR: lr, Factor: 0.1, Patience: 10, Threshold: 1e-4, ThresholdMode: ThresholdRel}
}

// PlateauState is everything Plateau learns from its metrics; with the
// configuration it determines the schedule's future. It marshals to JSON
// (Best is +Inf before the first improvement and is encoded as a string
// then).
type PlateauState struct {
	LR        float64 // the current learning rate
	Best      float64 // best metric seen (+Inf before any)
	BadEpochs int     // epochs since the last improvement, reset by a reduction or cooldown
	Cooldown  int     // cooldown epochs left
	Epochs    int     // metrics observed so far (torch's last_epoch)
}

type plateauStateJSON struct {
	LR        float64 `json:"lr"`
	Best      any     `json:"best"`
	BadEpochs int     `json:"bad_epochs"`
	Cooldown  int     `json:"cooldown"`
	Epochs    int     `json:"epochs"`
}

// MarshalJSON encodes the state; a non-finite Best is written as a string
// ("+Inf").
func (s PlateauState) MarshalJSON() ([]byte, error) {
	j := plateauStateJSON{LR: s.LR, Best: s.Best, BadEpochs: s.BadEpochs, Cooldown: s.Cooldown, Epochs: s.Epochs}
	if !finite(s.Best) {
		j.Best = fmt.Sprint(s.Best)
	}
	return json.Marshal(j)
}

// UnmarshalJSON decodes what MarshalJSON wrote.
func (s *PlateauState) UnmarshalJSON(b []byte) error {
	var j plateauStateJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return errors.Wrap(err, "lrsched: plateau state")
	}
	*s = PlateauState{LR: j.LR, BadEpochs: j.BadEpochs, Cooldown: j.Cooldown, Epochs: j.Epochs}
	switch v := j.Best.(type) {
	case float64:
		s.Best = v
	case string:
		switch v {
		case "+Inf":
			s.Best = math.Inf(1)
		case "-Inf":
			s.Best = math.Inf(-1)
		case "NaN":
			s.Best = math.NaN()
		default:
			return errors.Errorf("lrsched: plateau state: best=%q: not a number", v)
		}
	default:
		return errors.Errorf("lrsched: plateau state: best=%v: not a number", j.Best)
	}
	return nil
}

// Plateau reduces the learning rate when a metric stops improving, as torch
// ReduceLROnPlateau in mode "min" (eps = PlateauEps). Each Observe(metric)
// is one torch scheduler.step(metric): the metric is better if it is below
// best·(1−threshold) (rel) or best−threshold (abs); otherwise it counts as a
// bad epoch (a NaN metric is never better); during cooldown bad epochs are
// not counted; after more than patience bad epochs the rate becomes
// max(lr·factor, min_lr) (skipped if that changes it by less than eps) and
// cooldown starts.
//
// Plateau is the one stateful schedule: LR(step) ignores step and returns
// the current rate, which changes only in Observe. Save and restore that
// state with State and SetState (or SaveState and LoadState for a whole
// schedule tree). A Plateau is not safe for concurrent use. Spec:
// plateau(lr,factor=0.1,patience=10,threshold=1e-4,threshold_mode=rel|abs,cooldown=0,min_lr=0).
type Plateau struct {
	c  PlateauConfig
	st PlateauState
}

var (
	_ Scheduler = (*Plateau)(nil)
	_ Observer  = (*Plateau)(nil)
)

// NewPlateau returns a Plateau at its initial state; LR >= 0, Factor in
// (0,1), Patience >= 0, Threshold >= 0 (< 1 in rel mode, else nothing is
// ever an improvement), Cooldown >= 0, 0 <= MinLR <= LR (torch accepts
// MinLR > LR, and then never reduces the rate: a reduction to MinLR would
// raise it).
func NewPlateau(c PlateauConfig) (*Plateau, error) {
	p := newPlateau(c)
	return valid(p, p.check())
}

func newPlateau(c PlateauConfig) *Plateau {
	p := &Plateau{c: c}
	p.Reset()
	return p
}

func (p *Plateau) check() error {
	c := checker{sched: "plateau"}
	c.rate("lr", p.c.LR)
	c.finite("factor", p.c.Factor)
	if !(p.c.Factor > 0 && p.c.Factor < 1) {
		c.fail("factor", p.c.Factor, "must be in (0,1)")
	}
	c.nonNegInt("patience", p.c.Patience)
	c.nonNeg("threshold", p.c.Threshold)
	switch p.c.ThresholdMode {
	case ThresholdRel:
		if p.c.Threshold >= 1 {
			c.fail("threshold", p.c.Threshold, "must be < 1 with threshold_mode=rel")
		}
	case ThresholdAbs:
	default:
		c.fail("threshold_mode", p.c.ThresholdMode, "want rel or abs")
	}
	c.nonNegInt("cooldown", p.c.Cooldown)
	c.rate("min_lr", p.c.MinLR)
	c.atMost("min_lr", p.c.MinLR, "lr", p.c.LR)
	return c.err
}

// Reset returns p to its initial state (rate lr, no metric seen).
func (p *Plateau) Reset() {
	p.st = PlateauState{LR: p.c.LR, Best: math.Inf(1)}
}

// LR returns the current rate, whatever the step.
func (p *Plateau) LR(int) float64 { return p.st.LR }

// Observe records one epoch's metric (lower is better) and reduces the rate
// if the metric has not improved for more than patience epochs.
func (p *Plateau) Observe(metric float64) {
	st := &p.st
	st.Epochs++
	if p.better(metric) {
		st.Best = metric
		st.BadEpochs = 0
	} else {
		st.BadEpochs++
	}
	if st.Cooldown > 0 {
		st.Cooldown--
		st.BadEpochs = 0
	}
	if st.BadEpochs > p.c.Patience {
		next := max(st.LR*p.c.Factor, p.c.MinLR)
		if st.LR-next > PlateauEps {
			st.LR = next
		}
		st.Cooldown = p.c.Cooldown
		st.BadEpochs = 0
	}
}

func (p *Plateau) better(m float64) bool {
	if p.c.ThresholdMode == ThresholdAbs {
		return m < p.st.Best-p.c.Threshold
	}
	return m < p.st.Best*(1-p.c.Threshold)
}

// State returns a copy of p's state.
func (p *Plateau) State() PlateauState { return p.st }

// SetState restores a state returned by State; the rate must be a valid
// learning rate and the counters >= 0.
func (p *Plateau) SetState(s PlateauState) error {
	c := checker{sched: "plateau state"}
	c.rate("lr", s.LR)
	c.nonNegInt("bad_epochs", s.BadEpochs)
	c.nonNegInt("cooldown", s.Cooldown)
	c.nonNegInt("epochs", s.Epochs)
	if c.err != nil {
		return pkgErr(c.err)
	}
	p.st = s
	return nil
}

// Config returns p's configuration.
func (p *Plateau) Config() PlateauConfig { return p.c }

func (p *Plateau) String() string {
	return fmt.Sprintf("plateau(lr=%s,factor=%s,patience=%d,threshold=%s,threshold_mode=%s,cooldown=%d,min_lr=%s)",
		num(p.c.LR), num(p.c.Factor), p.c.Patience, num(p.c.Threshold), p.c.ThresholdMode, p.c.Cooldown, num(p.c.MinLR))
}

func parsePlateau(a *Args) (Scheduler, error) {
	c := DefaultPlateau(a.RequiredFloat("lr"))
	c.Factor = a.Float("factor", c.Factor)
	c.Patience = a.Int("patience", c.Patience)
	c.Threshold = a.Float("threshold", c.Threshold)
	if a.Enum("threshold_mode", "rel", "rel", "abs") == "abs" {
		c.ThresholdMode = ThresholdAbs
	}
	c.Cooldown = a.Int("cooldown", c.Cooldown)
	c.MinLR = a.Float("min_lr", c.MinLR)
	p := newPlateau(c)
	return p, p.check()
}
