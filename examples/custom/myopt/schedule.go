package myopt

import (
	"fmt"
	"math"
)

// WarmupRsqrt is the schedule of "Attention Is All You Need" (Vaswani et
// al. 2017, §5.3), written with the peak rate as its parameter: a linear
// ramp to Peak over Warmup steps, then decay as the inverse square root of
// the step,
//
//	LR(t) = Peak · min((t+1)/Warmup, √(Warmup/(t+1)))
//
// It is a pure function of the step, so it satisfies lrsched.Scheduler as
// it is, and a resumed run needs no state.
type WarmupRsqrt struct {
	Peak   float64 // the rate at step Warmup−1
	Warmup int     // steps of the linear ramp, ≥ 1
}

// NewWarmupRsqrt checks its arguments.
func NewWarmupRsqrt(peak float64, warmup int) (*WarmupRsqrt, error) {
	if !(peak > 0) || math.IsInf(peak, 0) {
		return nil, fmt.Errorf("warmup_rsqrt: peak=%v: must be a finite number > 0", peak)
	}
	if warmup < 1 {
		return nil, fmt.Errorf("warmup_rsqrt: warmup=%d: must be ≥ 1", warmup)
	}
	return &WarmupRsqrt{Peak: peak, Warmup: warmup}, nil
}

// LR returns the rate of step t (from 0).
func (s *WarmupRsqrt) LR(t int) float64 {
	n := float64(t + 1)
	w := float64(s.Warmup)
	return s.Peak * math.Min(n/w, math.Sqrt(w/n))
}

// String returns the schedule's spec.
func (s *WarmupRsqrt) String() string {
	return fmt.Sprintf("warmup_rsqrt(peak=%g,warmup=%d)", s.Peak, s.Warmup)
}
