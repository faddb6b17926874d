package lrsched

import (
	"fmt"
	"math"
)

// DecayShape is the shape of WSD's cooldown.
type DecayShape int

// The cooldown shapes of WSD, as functions of the cooldown's progress
// x = (t − (total−decay))/decay in [0,1): the factor on lr.
const (
	DecayLinear DecayShape = iota // 1 − x
	DecayCosine                   // ½(1 + cos(π·x))
	DecaySqrt                     // 1 − √x, the paper's (1−sqrt) cooldown
)

func (d DecayShape) String() string {
	switch d {
	case DecayLinear:
		return "linear"
	case DecayCosine:
		return "cosine"
	case DecaySqrt:
		return "sqrt"
	}
	return fmt.Sprintf("DecayShape(%d)", int(d))
}

// WSD is the warmup–stable–decay schedule (also "trapezoidal"), as studied
// by Hägele et al. 2024, "Scaling Laws and Compute-Optimal Training Beyond
// Fixed Training Durations": a linear warm-up from 0, a constant rate, and
// a cooldown to 0 over the last decay steps of total. With s = total−decay
// the step where the cooldown starts and x = (t−s)/decay:
//
//	t < warmup:       lr·t/warmup
//	warmup ≤ t < s:   lr
//	s ≤ t < total:    lr·(1−x)          decay_shape=linear
//	                  lr·½(1+cos(π·x))  decay_shape=cosine
//	                  lr·(1−√x)         decay_shape=sqrt, the paper's (1−sqrt)
//	t ≥ total:        0
//
// Each shape reaches 0 at x = 1, i.e. at t = total, the first step after a
// run of total steps, and the rate stays 0 beyond (a continuation of a
// finished cooldown has nothing left to anneal). The last step of the run,
// total−1, has the rate at x = (decay−1)/decay (lr/decay for linear): the
// cooldown occupies steps total−decay … total−1, as in the authors' code
// (epfml/schedules-and-scaling, wsd_schedule). Their code also has a
// starting factor (init_div_factor) and a final factor (final_lr_factor);
// here both ends are 0. warmup = 0 starts at lr; decay = 0 has no cooldown
// (lr up to total−1). Spec:
// wsd(lr,warmup,decay,total,decay_shape=linear|cosine|sqrt).
type WSD struct {
	lr                   float64
	warmup, decay, total int
	shape                DecayShape
}

var _ Scheduler = (*WSD)(nil)

// NewWSD returns the warmup–stable–decay schedule; lr >= 0, warmup >= 0,
// decay >= 0, total > 0 and warmup + decay <= total (the warm-up and the
// cooldown do not overlap).
func NewWSD(lr float64, warmup, decay, total int, shape DecayShape) (*WSD, error) {
	s := &WSD{lr, warmup, decay, total, shape}
	return valid(s, s.check())
}

func (s *WSD) check() error {
	c := checker{sched: "wsd"}
	c.rate("lr", s.lr)
	c.nonNegInt("warmup", s.warmup)
	c.nonNegInt("decay", s.decay)
	c.positiveInt("total", s.total)
	if c.err == nil && s.warmup+s.decay > s.total {
		c.fail("total", s.total, "must be >= warmup + decay = %d (the warm-up and the cooldown would overlap)", s.warmup+s.decay)
	}
	if s.shape < DecayLinear || s.shape > DecaySqrt {
		c.fail("decay_shape", s.shape, "want linear, cosine or sqrt")
	}
	return c.err
}

// LR returns the rate at t (see the type's documentation).
func (s *WSD) LR(t int) float64 {
	t = clampStep(t)
	start := s.total - s.decay
	switch {
	case t >= s.total:
		return 0
	case t < s.warmup:
		return s.lr * (float64(t) / float64(s.warmup)) // the fraction first: lr·t could overflow
	case t < start:
		return s.lr
	}
	x := float64(t-start) / float64(s.decay)
	switch s.shape {
	case DecayCosine:
		return s.lr * ((1 + math.Cos(math.Pi*x)) / 2)
	case DecaySqrt:
		return s.lr * (1 - math.Sqrt(x))
	}
	return s.lr * (1 - x)
}

func (s *WSD) String() string {
	return fmt.Sprintf("wsd(lr=%s,warmup=%d,decay=%d,total=%d,decay_shape=%s)", num(s.lr), s.warmup, s.decay, s.total, s.shape)
}

func parseWSD(a *Args) (Scheduler, error) {
	s := &WSD{lr: a.RequiredFloat("lr"), warmup: a.RequiredInt("warmup"), decay: a.RequiredInt("decay"), total: a.RequiredInt("total")}
	switch a.Enum("decay_shape", "linear", "linear", "cosine", "sqrt") {
	case "cosine":
		s.shape = DecayCosine
	case "sqrt":
		s.shape = DecaySqrt
	}
	return s, s.check()
}
