package lrsched

import (
	"fmt"
	"math"
	"sort"
)

// Compile-time checks: every pure schedule is a Scheduler.
var (
	_ Scheduler = (*Constant)(nil)
	_ Scheduler = (*Step)(nil)
	_ Scheduler = (*MultiStep)(nil)
	_ Scheduler = (*Exp)(nil)
	_ Scheduler = (*ExpDecay)(nil)
	_ Scheduler = (*InverseTime)(nil)
	_ Scheduler = (*Linear)(nil)
	_ Scheduler = (*Poly)(nil)
	_ Scheduler = (*Cosine)(nil)
	_ Scheduler = (*CosineRestarts)(nil)
	_ Scheduler = (*OneCycle)(nil)
	_ Scheduler = (*Cyclic)(nil)
)

// Constant is the schedule lr at every step. Spec: constant(lr).
type Constant struct{ lr float64 }

// NewConstant returns the constant schedule lr; lr must be >= 0.
func NewConstant(lr float64) (*Constant, error) {
	s := &Constant{lr}
	return valid(s, s.check())
}

func (s *Constant) check() error {
	c := checker{sched: "constant"}
	c.rate("lr", s.lr)
	return c.err
}

// LR returns lr.
func (s *Constant) LR(int) float64 { return s.lr }

func (s *Constant) String() string { return fmt.Sprintf("constant(lr=%s)", num(s.lr)) }

// Step decays lr by gamma every stepSize steps: lr·γ^⌊t/step_size⌋, as
// torch.optim.lr_scheduler.StepLR (its closed form). gamma > 1 grows the
// rate, as torch allows, up to MaxLR (torch overflows to +Inf). Spec:
// step(lr,step_size,gamma=0.1).
type Step struct {
	lr       float64
	stepSize int
	gamma    float64
}

// NewStep returns lr·γ^⌊t/stepSize⌋, at most MaxLR; lr >= 0, stepSize > 0,
// gamma > 0 (torch's default gamma is 0.1).
func NewStep(lr float64, stepSize int, gamma float64) (*Step, error) {
	s := &Step{lr, stepSize, gamma}
	return valid(s, s.check())
}

func (s *Step) check() error {
	c := checker{sched: "step"}
	c.rate("lr", s.lr)
	c.positiveInt("step_size", s.stepSize)
	c.positive("gamma", s.gamma)
	return c.err
}

// LR returns lr·γ^⌊t/step_size⌋, at most MaxLR.
func (s *Step) LR(t int) float64 {
	t = clampStep(t)
	return grow(s.lr, s.gamma, float64(t/s.stepSize))
}

func (s *Step) String() string {
	return fmt.Sprintf("step(lr=%s,step_size=%d,gamma=%s)", num(s.lr), s.stepSize, num(s.gamma))
}

// MultiStep decays lr by gamma at each milestone: lr·γ^(number of milestones
// ≤ t), as torch MultiStepLR (its closed form); with gamma > 1, at most
// MaxLR. Spec: multistep(lr,milestones,gamma=0.1).
type MultiStep struct {
	lr         float64
	milestones []int
	gamma      float64
}

// NewMultiStep returns lr·γ^(number of milestones ≤ t); milestones must be
// > 0 and strictly increasing (an empty list is a constant schedule),
// gamma > 0. The slice is copied.
func NewMultiStep(lr float64, milestones []int, gamma float64) (*MultiStep, error) {
	s := &MultiStep{lr, cloneInts(milestones), gamma}
	return valid(s, s.check())
}

func (s *MultiStep) check() error {
	c := checker{sched: "multistep"}
	c.rate("lr", s.lr)
	c.milestones("milestones", s.milestones)
	c.positive("gamma", s.gamma)
	return c.err
}

// LR returns lr·γ^k, k the number of milestones ≤ t.
func (s *MultiStep) LR(t int) float64 {
	t = clampStep(t)
	k := sort.SearchInts(s.milestones, t+1) // milestones ≤ t, Python's bisect_right
	return grow(s.lr, s.gamma, float64(k))
}

func (s *MultiStep) String() string {
	return fmt.Sprintf("multistep(lr=%s,milestones=%s,gamma=%s)", num(s.lr), ints(s.milestones), num(s.gamma))
}

// Exp is exponential decay by a factor per step: lr·γ^t, as torch
// ExponentialLR (its closed form). gamma > 1 grows the rate, as torch
// allows, up to MaxLR: torch's rate overflows to +Inf (after about 71,000
// steps for γ = 1.01 from 0.01), and with lr = 0 becomes NaN (0·Inf); here
// lr = 0 is 0 at every step. Spec: exp(lr,gamma).
type Exp struct{ lr, gamma float64 }

// NewExp returns lr·γ^t, at most MaxLR; lr >= 0, gamma > 0.
func NewExp(lr, gamma float64) (*Exp, error) {
	s := &Exp{lr, gamma}
	return valid(s, s.check())
}

func (s *Exp) check() error {
	c := checker{sched: "exp"}
	c.rate("lr", s.lr)
	c.positive("gamma", s.gamma)
	return c.err
}

// LR returns lr·γ^t, at most MaxLR.
func (s *Exp) LR(t int) float64 { return grow(s.lr, s.gamma, float64(clampStep(t))) }

func (s *Exp) String() string { return fmt.Sprintf("exp(lr=%s,gamma=%s)", num(s.lr), num(s.gamma)) }

// ExpDecay is continuous exponential decay lr·e^(−k·t) (no PyTorch
// counterpart; it is Exp with γ = e^−k). Spec: expdecay(lr,k).
type ExpDecay struct{ lr, k float64 }

// NewExpDecay returns lr·e^(−k·t); k >= 0.
func NewExpDecay(lr, k float64) (*ExpDecay, error) {
	s := &ExpDecay{lr, k}
	return valid(s, s.check())
}

func (s *ExpDecay) check() error {
	c := checker{sched: "expdecay"}
	c.rate("lr", s.lr)
	c.nonNeg("k", s.k)
	return c.err
}

// LR returns lr·e^(−k·t).
func (s *ExpDecay) LR(t int) float64 { return s.lr * math.Exp(-s.k*float64(clampStep(t))) }

func (s *ExpDecay) String() string { return fmt.Sprintf("expdecay(lr=%s,k=%s)", num(s.lr), num(s.k)) }

// InverseTime is inverse-time decay lr/(1+k·t) (no PyTorch counterpart;
// Keras InverseTimeDecay with decay_steps=1). Spec: inverse_time(lr,k).
type InverseTime struct{ lr, k float64 }

// NewInverseTime returns lr/(1+k·t); k >= 0.
func NewInverseTime(lr, k float64) (*InverseTime, error) {
	s := &InverseTime{lr, k}
	return valid(s, s.check())
}

func (s *InverseTime) check() error {
	c := checker{sched: "inverse_time"}
	c.rate("lr", s.lr)
	c.nonNeg("k", s.k)
	return c.err
}

// LR returns lr/(1+k·t).
func (s *InverseTime) LR(t int) float64 { return s.lr / (1 + s.k*float64(clampStep(t))) }

func (s *InverseTime) String() string {
	return fmt.Sprintf("inverse_time(lr=%s,k=%s)", num(s.lr), num(s.k))
}

// Linear interpolates the factor on lr linearly from startFactor at step 0
// to endFactor at step total, then holds it: lr·(s + (e−s)·min(t,total)/total),
// as torch LinearLR (its closed form). Spec:
// linear(lr,start_factor=1/3,end_factor=1,total=5).
type Linear struct {
	lr, startFactor, endFactor float64
	total                      int
}

// NewLinear returns the torch LinearLR schedule; startFactor in (0,1],
// endFactor in [0,1] (torch's ranges; torch's recursive form divides by
// startFactor), total > 0. Torch's defaults are 1/3, 1 and 5.
func NewLinear(lr, startFactor, endFactor float64, total int) (*Linear, error) {
	s := &Linear{lr, startFactor, endFactor, total}
	return valid(s, s.check())
}

func (s *Linear) check() error {
	c := checker{sched: "linear"}
	c.rate("lr", s.lr)
	c.finite("start_factor", s.startFactor)
	if !(s.startFactor > 0 && s.startFactor <= 1) {
		c.fail("start_factor", s.startFactor, "must be in (0,1]")
	}
	c.finite("end_factor", s.endFactor)
	if !(s.endFactor >= 0 && s.endFactor <= 1) {
		c.fail("end_factor", s.endFactor, "must be in [0,1]")
	}
	c.positiveInt("total", s.total)
	return c.err
}

// LR returns lr·(s + (e−s)·min(t,total)/total).
func (s *Linear) LR(t int) float64 {
	t = min(clampStep(t), s.total)
	// Operation order of torch's _get_closed_form_lr.
	return s.lr * (s.startFactor + (s.endFactor-s.startFactor)*float64(t)/float64(s.total))
}

func (s *Linear) String() string {
	return fmt.Sprintf("linear(lr=%s,start_factor=%s,end_factor=%s,total=%d)",
		num(s.lr), num(s.startFactor), num(s.endFactor), s.total)
}

// Poly is polynomial decay to 0 at step total: lr·(1 − min(t,total)/total)^power,
// as torch PolynomialLR (its closed form). Spec: poly(lr,total,power=1).
type Poly struct {
	lr    float64
	total int
	power float64
}

// NewPoly returns lr·(1 − min(t,total)/total)^power; total > 0, power >= 0.
func NewPoly(lr float64, total int, power float64) (*Poly, error) {
	s := &Poly{lr, total, power}
	return valid(s, s.check())
}

func (s *Poly) check() error {
	c := checker{sched: "poly"}
	c.rate("lr", s.lr)
	c.positiveInt("total", s.total)
	c.nonNeg("power", s.power)
	return c.err
}

// LR returns lr·(1 − min(t,total)/total)^power.
func (s *Poly) LR(t int) float64 {
	t = min(clampStep(t), s.total)
	return s.lr * math.Pow(1-float64(t)/float64(s.total), s.power)
}

func (s *Poly) String() string {
	return fmt.Sprintf("poly(lr=%s,total=%d,power=%s)", num(s.lr), s.total, num(s.power))
}

// Cosine is cosine annealing from max at step 0 to min at step T:
// min + ½(max−min)(1+cos(π·t/T)) for every t, the closed form of torch
// CosineAnnealingLR (Loshchilov & Hutter, SGDR, 2017, eq. 5 without
// restarts) and the seed's formula η_t = ½(η_max−η_min)(1+cos(tπ/T)) + η_min.
// Beyond T the formula is periodic with period 2T: the rate climbs back to
// max at 2T, falls to min at 3T, and so on, as torch's recursive form does
// too (the goldens follow it to 3T). With hold, the rate stays at min for
// t ≥ T instead: the annealing ends there, which is what a run longer than
// T usually wants (CosineRestarts gives warm restarts instead of the slow
// climb). Spec: cosine(max,min=0,T,hold=false).
type Cosine struct {
	hi, lo float64
	T      int
	hold   bool
}

// NewCosine returns cosine annealing from max to min over T steps,
// periodic beyond T; 0 <= min <= max, T > 0.
func NewCosine(max, min float64, T int) (*Cosine, error) {
	s := &Cosine{hi: max, lo: min, T: T}
	return valid(s, s.check())
}

// NewCosineHold returns cosine annealing from max to min over T steps that
// holds min for t ≥ T: the spec cosine(max,min,T,hold=true).
func NewCosineHold(max, min float64, T int) (*Cosine, error) {
	s := &Cosine{hi: max, lo: min, T: T, hold: true}
	return valid(s, s.check())
}

func (s *Cosine) check() error {
	c := checker{sched: "cosine"}
	c.rate("max", s.hi)
	c.rate("min", s.lo)
	c.atMost("min", s.lo, "max", s.hi)
	c.positiveInt("T", s.T)
	return c.err
}

// LR returns min + ½(max−min)(1+cos(π·t/T)); with hold, min for t ≥ T.
func (s *Cosine) LR(t int) float64 {
	t = clampStep(t)
	if s.hold && t >= s.T {
		return s.lo
	}
	return cosAnneal(s.lo, s.hi, float64(t)/float64(s.T))
}

// cosAnneal returns lo + (hi−lo)(1+cos(π·x))/2 in the operation order of
// torch's CosineAnnealingLR closed form (and CosineAnnealingWarmRestarts),
// or, when hi−lo is so large that (hi−lo)·2 would overflow, halving first.
// For 0 <= lo <= hi the result is in [lo, hi].
func cosAnneal(lo, hi, x float64) float64 {
	if d := hi - lo; d > math.MaxFloat64/2 {
		return lo + d*((1+math.Cos(math.Pi*x))/2)
	}
	return lo + (hi-lo)*(1+math.Cos(math.Pi*x))/2
}

func (s *Cosine) String() string {
	return fmt.Sprintf("cosine(max=%s,min=%s,T=%d,hold=%t)", num(s.hi), num(s.lo), s.T, s.hold)
}

// CosineRestarts is cosine annealing with warm restarts (SGDR, Loshchilov &
// Hutter 2017), as torch CosineAnnealingWarmRestarts stepped once per step:
// cycles of length T_i = T0·mult^i, and within a cycle, at t_cur steps since
// its start, min + ½(max−min)(1+cos(π·t_cur/T_i)). Spec:
// cosine_restarts(max,min=0,T0,mult=1).
type CosineRestarts struct {
	hi, lo   float64
	T0, mult int
}

// NewCosineRestarts returns SGDR; 0 <= min <= max, T0 > 0, mult >= 1 (an
// integer, as in torch).
func NewCosineRestarts(max, min float64, T0, mult int) (*CosineRestarts, error) {
	s := &CosineRestarts{max, min, T0, mult}
	return valid(s, s.check())
}

func (s *CosineRestarts) check() error {
	c := checker{sched: "cosine_restarts"}
	c.rate("max", s.hi)
	c.rate("min", s.lo)
	c.atMost("min", s.lo, "max", s.hi)
	c.positiveInt("T0", s.T0)
	if s.mult < 1 {
		c.fail("mult", s.mult, "must be >= 1")
	}
	return c.err
}

// cycle returns the position in the current cycle and its length.
func (s *CosineRestarts) cycle(t int) (cur, length int) {
	if s.mult == 1 {
		return t % s.T0, s.T0
	}
	cur, length = t, s.T0
	for cur >= length {
		cur -= length
		if length > math.MaxInt/s.mult {
			return cur, math.MaxInt // the cycle outlasts any int step
		}
		length *= s.mult
	}
	return cur, length
}

// LR returns min + ½(max−min)(1+cos(π·t_cur/T_i)).
func (s *CosineRestarts) LR(t int) float64 {
	cur, length := s.cycle(clampStep(t))
	return cosAnneal(s.lo, s.hi, float64(cur)/float64(length))
}

func (s *CosineRestarts) String() string {
	return fmt.Sprintf("cosine_restarts(max=%s,min=%s,T0=%d,mult=%d)", num(s.hi), num(s.lo), s.T0, s.mult)
}
