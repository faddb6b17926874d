package lrsched

import (
	"math"
	"strconv"
	"strings"
)

// Scheduler gives the learning rate to use at a step.
//
// step counts from 0 (the first optimizer step, or the first epoch when the
// Trainer steps per epoch). LR returns the absolute learning rate, not a
// factor. Every schedule of this package except [Plateau] (and composites
// that contain one) is a pure function of step: no hidden state, so a
// resumed run gets the right rate from the step count alone, and a schedule
// may be shared between goroutines. LR never panics; a negative step is
// treated as step 0.
type Scheduler interface {
	LR(step int) float64
}

// Observer is implemented by metric-driven schedules ([Plateau]) and by the
// composites ([Warmup], [Sequential]) that may contain one. Observe is
// called once per epoch with the validation metric; lower is better.
type Observer interface {
	Observe(metric float64)
}

// Func adapts a function to a Scheduler, for custom schedules. The function
// is called as is, negative steps included; it should be pure for resuming
// to be safe.
type Func func(step int) float64

// LR returns f(step).
func (f Func) LR(step int) float64 { return f(step) }

var _ Scheduler = Func(nil)

// clampStep maps negative steps to 0: every schedule is flat before its
// start.
func clampStep(t int) int { return max(t, 0) }

// num formats a float for a canonical spec (shortest form that parses back
// to the same float64, as spec.Value.String).
func num(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

func ints(xs []int) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = strconv.Itoa(x)
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// MaxLR is the rate at which a growing schedule saturates: exp and step
// with gamma > 1, multistep with gamma > 1 and many milestones, cyclic's
// exp_range with gamma > 1 (PyTorch allows all of them, and its rates
// overflow to +Inf, then to NaN where 0·Inf appears). Every schedule of
// this package returns a rate that is finite and >= 0 for every step, so
// such a schedule stops growing at MaxLR, the largest finite float64. A
// rate anywhere near it is of course useless for training; the point is
// that the value is a number, and a run with it diverges visibly instead
// of a NaN appearing from the schedule.
const MaxLR = math.MaxFloat64

// grow returns lr·γ^n saturated at MaxLR: 0 when lr is 0 (never 0·Inf).
// For lr >= 0 and γ > 0 finite it is finite and >= 0.
func grow(lr, gamma, n float64) float64 {
	if lr == 0 {
		return 0
	}
	return min(lr*math.Pow(gamma, n), MaxLR)
}

// finite reports whether f is neither NaN nor ±Inf.
func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }
