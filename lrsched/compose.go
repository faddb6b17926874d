package lrsched

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/pkg/errors"
)

// composite is implemented by schedules built from others.
type composite interface {
	children() []Scheduler
}

// Observes reports whether s takes metrics: it is an Observer other than a
// composite, or a composite (Warmup, Sequential) that contains one. Warmup
// and Sequential always have an Observe method (a no-op when nothing inside
// observes), so test with Observes rather than a type assertion when it
// matters whether metrics are needed.
func Observes(s Scheduler) bool {
	switch s := s.(type) {
	case *Warmup:
		return s.observes
	case *Sequential:
		return s.observes
	case Observer:
		return true
	}
	return false
}

// Plateaus returns the Plateau schedules inside s (s itself included),
// depth first in spec order.
func Plateaus(s Scheduler) []*Plateau {
	var out []*Plateau
	var walk func(Scheduler)
	walk = func(s Scheduler) {
		if p, ok := s.(*Plateau); ok {
			out = append(out, p)
		}
		if c, ok := s.(composite); ok {
			for _, ch := range c.children() {
				walk(ch)
			}
		}
	}
	walk(s)
	return out
}

// SaveState returns the hidden state of s as JSON: the states of
// Plateaus(s), in order ("[]" for a pure schedule). Together with the step
// count it is all a resumed run needs.
func SaveState(s Scheduler) ([]byte, error) {
	ps := Plateaus(s)
	states := make([]PlateauState, len(ps))
	for i, p := range ps {
		states[i] = p.State()
	}
	b, err := json.Marshal(states)
	return b, errors.Wrap(err, "lrsched: save state")
}

// LoadState restores into s a state written by SaveState for a schedule of
// the same shape.
func LoadState(s Scheduler, data []byte) error {
	var states []PlateauState
	if err := json.Unmarshal(data, &states); err != nil {
		return errors.Wrap(err, "lrsched: load state")
	}
	ps := Plateaus(s)
	if len(states) != len(ps) {
		return errors.Errorf("lrsched: load state: %d plateau states for a schedule with %d plateaus", len(states), len(ps))
	}
	for i, p := range ps {
		if err := p.SetState(states[i]); err != nil {
			return errors.WithMessagef(err, "load state: plateau %d", i)
		}
	}
	return nil
}

func name(s Scheduler) string {
	if st, ok := s.(fmt.Stringer); ok {
		return st.String()
	}
	return fmt.Sprintf("%T", s)
}

// Warmup ramps the rate linearly from start at step 0 to inner(steps) at
// step steps, then follows the inner schedule at the same (absolute) step:
//
//	t < steps:  start + (inner(steps) − start)·t/steps
//	t ≥ steps:  inner(t)
//
// The ramp ends where the inner schedule is at step steps, so the rate is
// continuous (the inner schedule does not restart; to restart it, use
// Sequential). steps = 0 is the inner schedule itself. Spec:
// warmup(steps,start=0,inner spec).
//
// Metrics: Warmup is an Observer. Observe forwards the metric to the inner
// schedule when it observes (Observes) and the most recent LR call was for
// a step ≥ steps, i.e. the epoch just finished used the inner schedule's
// own rate; metrics of warm-up epochs are dropped, so a Plateau inside
// counts patience from the end of warm-up. Before any LR call the step is
// taken as 0. Only a Warmup that contains an Observer records that step;
// one that does not is pure and safe for concurrent use.
type Warmup struct {
	steps    int
	start    float64
	inner    Scheduler
	observes bool
	last     int
}

var (
	_ Scheduler = (*Warmup)(nil)
	_ Observer  = (*Warmup)(nil)
)

// NewWarmup returns a linear warm-up of steps steps from start into inner;
// steps >= 0, start >= 0, inner not nil.
func NewWarmup(steps int, start float64, inner Scheduler) (*Warmup, error) {
	w := newWarmup(steps, start, inner)
	return valid(w, w.check())
}

func newWarmup(steps int, start float64, inner Scheduler) *Warmup {
	return &Warmup{steps: steps, start: start, inner: inner, observes: inner != nil && Observes(inner)}
}

func (w *Warmup) check() error {
	c := checker{sched: "warmup"}
	c.nonNegInt("steps", w.steps)
	c.rate("start", w.start)
	if w.inner == nil && c.err == nil {
		c.err = errors.New("warmup: missing the inner schedule")
	}
	return c.err
}

// LR returns the warm-up ramp for t < steps, inner(t) after.
func (w *Warmup) LR(t int) float64 {
	t = clampStep(t)
	if w.observes {
		w.last = t
	}
	if t >= w.steps {
		return w.inner.LR(t)
	}
	target := w.inner.LR(w.steps)
	// The fraction first: (target−start)·t could overflow for rates near
	// MaxLR; this way the ramp stays between start and target.
	return w.start + (target-w.start)*(float64(t)/float64(w.steps))
}

// Observe forwards metric to the inner schedule once warm-up is over (see
// the type's documentation).
func (w *Warmup) Observe(metric float64) {
	if w.observes && w.last >= w.steps {
		w.inner.(Observer).Observe(metric)
	}
}

func (w *Warmup) children() []Scheduler { return []Scheduler{w.inner} }

func (w *Warmup) String() string {
	return fmt.Sprintf("warmup(steps=%d,start=%s,%s)", w.steps, num(w.start), name(w.inner))
}

func parseWarmup(a *Args) (Scheduler, error) {
	steps := a.RequiredInt("steps")
	start := a.Float("start", 0)
	inner, err := a.Inner()
	if err != nil {
		return nil, err
	}
	w := newWarmup(steps, start, inner)
	return w, w.check()
}

// Sequential runs schedules one after the other, as torch SequentialLR:
// schedule i is active from milestone i−1 (0 for the first) until milestone
// i, and each restarts its count, seeing step t − milestone[i−1]. There is
// one milestone fewer than schedules. Spec: sequential(inner specs…,
// milestones=[…]).
//
// Metrics: Sequential is an Observer. Observe forwards the metric to the
// schedule that was active at the step of the most recent LR call, if that
// schedule observes (Observes); a Plateau in it therefore sees only the
// epochs during which it sets the rate, and keeps the rate it had reached
// if it becomes active again. Before any LR call the step is taken as 0.
// Only a Sequential that contains an Observer records that step; one that
// does not is pure and safe for concurrent use.
type Sequential struct {
	scheds     []Scheduler
	milestones []int
	observes   bool
	last       int
}

var (
	_ Scheduler = (*Sequential)(nil)
	_ Observer  = (*Sequential)(nil)
)

// NewSequential returns the schedules joined at the milestones; at least
// one schedule, none nil, len(milestones) = len(schedules) − 1, milestones
// > 0 and strictly increasing. Both slices are copied.
func NewSequential(schedules []Scheduler, milestones []int) (*Sequential, error) {
	s := newSequential(schedules, milestones)
	return valid(s, s.check())
}

func newSequential(schedules []Scheduler, milestones []int) *Sequential {
	s := &Sequential{scheds: append([]Scheduler(nil), schedules...), milestones: cloneInts(milestones)}
	for _, in := range s.scheds {
		if in != nil && Observes(in) {
			s.observes = true
		}
	}
	return s
}

func (s *Sequential) check() error {
	c := checker{sched: "sequential"}
	if len(s.scheds) == 0 {
		return errors.New("sequential: no schedules")
	}
	for i, in := range s.scheds {
		if in == nil {
			return errors.Errorf("sequential: schedule %d is nil", i)
		}
	}
	if len(s.milestones) != len(s.scheds)-1 {
		c.fail("milestones", ints(s.milestones), "%d schedules need %d milestones, got %d",
			len(s.scheds), len(s.scheds)-1, len(s.milestones))
	}
	c.milestones("milestones", s.milestones)
	return c.err
}

// index returns the active schedule at t and the step it sees.
func (s *Sequential) index(t int) (i, local int) {
	i = sort.SearchInts(s.milestones, t+1) // milestones ≤ t, Python's bisect_right
	if i > 0 {
		return i, t - s.milestones[i-1]
	}
	return 0, t
}

// LR returns the active schedule's rate at its own step.
func (s *Sequential) LR(t int) float64 {
	t = clampStep(t)
	if s.observes {
		s.last = t
	}
	i, local := s.index(t)
	return s.scheds[i].LR(local)
}

// Observe forwards metric to the schedule active at the most recent LR
// call (see the type's documentation).
func (s *Sequential) Observe(metric float64) {
	if !s.observes {
		return
	}
	i, _ := s.index(s.last)
	if Observes(s.scheds[i]) {
		s.scheds[i].(Observer).Observe(metric)
	}
}

func (s *Sequential) children() []Scheduler { return s.scheds }

func (s *Sequential) String() string {
	parts := make([]string, len(s.scheds))
	for i, in := range s.scheds {
		parts[i] = name(in)
	}
	return fmt.Sprintf("sequential(%s,milestones=%s)", strings.Join(parts, ","), ints(s.milestones))
}

func parseSequential(a *Args) (Scheduler, error) {
	ms := a.RequiredInts("milestones")
	scheds, err := a.inners()
	if err != nil {
		return nil, err
	}
	if len(scheds) == 0 {
		return nil, errors.New("sequential: no inner schedules, as in sequential(linear(lr=0.1,start_factor=0.1,total=10),cosine(max=0.1,T=90),milestones=[10])")
	}
	s := newSequential(scheds, ms)
	return s, s.check()
}
