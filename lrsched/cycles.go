package lrsched

import (
	"fmt"
	"math"
)

// Anneal is the shape of OneCycle's phases.
type Anneal int

// The anneal strategies of torch OneCycleLR.
const (
	AnnealCos    Anneal = iota // cosine: end + (start−end)/2·(1+cos(π·pct)); torch's default "cos"
	AnnealLinear               // linear: start + (end−start)·pct
)

func (a Anneal) String() string {
	if a == AnnealLinear {
		return "linear"
	}
	if a == AnnealCos {
		return "cos"
	}
	return fmt.Sprintf("Anneal(%d)", int(a))
}

// OneCycleConfig holds the parameters of OneCycle. DefaultOneCycle gives
// torch's defaults.
type OneCycleConfig struct {
	Max      float64 // peak learning rate (torch max_lr); spec key max
	Total    int     // steps in the cycle (torch total_steps); spec key total
	PctStart float64 // fraction of the cycle spent increasing, in (0,1); default 0.3
	Div      float64 // initial lr = Max/Div; default 25 (torch div_factor)
	FinalDiv float64 // final lr = initial lr/FinalDiv; default 1e4 (torch final_div_factor)
	Anneal   Anneal  // default AnnealCos
}

// DefaultOneCycle returns the configuration with torch OneCycleLR's
// defaults for the given peak and length.
func DefaultOneCycle(max float64, total int) OneCycleConfig {
	return OneCycleConfig{Max: max, Total: total, PctStart: 0.3, Div: 25, FinalDiv: 1e4, Anneal: AnnealCos}
}

// OneCycle is the 1cycle policy (Smith & Topin 2018) as torch OneCycleLR
// with three_phase=False and its phase boundaries: phase 1 anneals from
// max/div to max over steps 0…e1 where e1 = pct_start·total − 1 (a float),
// phase 2 from max to max/(div·final_div) over e1…total−1, pct being the
// position within the phase. Torch raises after total steps (and at step
// total evaluates phase 2 beyond its end); here every t ≥ total−1 gives the
// final rate. When e1 = 0 (pct_start·total = 1) torch divides by zero at
// step 0; here step 0 gives the end of phase 1, max. Spec:
// onecycle(max,total,pct_start=0.3,div=25,final_div=1e4,anneal=cos|linear).
type OneCycle struct{ c OneCycleConfig }

// NewOneCycle returns the 1cycle schedule; Max >= 0, Total > 0, PctStart in
// (0,1), Div > 0, FinalDiv > 0, and the initial and final rates Max/Div and
// Max/(Div·FinalDiv) finite.
func NewOneCycle(c OneCycleConfig) (*OneCycle, error) {
	s := &OneCycle{c}
	return valid(s, s.check())
}

func (s *OneCycle) check() error {
	c := checker{sched: "onecycle"}
	c.rate("max", s.c.Max)
	c.positiveInt("total", s.c.Total)
	c.finite("pct_start", s.c.PctStart)
	if !(s.c.PctStart > 0 && s.c.PctStart < 1) {
		c.fail("pct_start", s.c.PctStart, "must be in (0,1)")
	}
	c.positive("div", s.c.Div)
	c.positive("final_div", s.c.FinalDiv)
	if initial := s.c.Max / s.c.Div; c.err == nil && !finite(initial) {
		c.fail("div", num(s.c.Div), "max/div = %g: the initial rate must be finite", initial)
	} else if final := initial / s.c.FinalDiv; c.err == nil && !finite(final) {
		c.fail("final_div", num(s.c.FinalDiv), "max/div/final_div = %g: the final rate must be finite", final)
	}
	if s.c.Anneal != AnnealCos && s.c.Anneal != AnnealLinear {
		c.fail("anneal", s.c.Anneal, "want cos or linear")
	}
	return c.err
}

func (s *OneCycle) anneal(start, end, pct float64) float64 {
	if s.c.Anneal == AnnealLinear {
		return (end-start)*pct + start
	}
	return end + (start-end)/2.0*(math.Cos(math.Pi*pct)+1)
}

// LR returns the 1cycle rate at t (torch OneCycleLR.get_lr, operation for
// operation).
func (s *OneCycle) LR(t int) float64 {
	t = min(clampStep(t), s.c.Total-1)
	initial := s.c.Max / s.c.Div
	final := initial / s.c.FinalDiv
	end1 := s.c.PctStart*float64(s.c.Total) - 1
	end2 := float64(s.c.Total - 1)
	x := float64(t)
	if x <= end1 {
		if end1 == 0 {
			return s.c.Max
		}
		return s.anneal(initial, s.c.Max, x/end1)
	}
	return s.anneal(s.c.Max, final, (x-end1)/(end2-end1))
}

func (s *OneCycle) String() string {
	return fmt.Sprintf("onecycle(max=%s,total=%d,pct_start=%s,div=%s,final_div=%s,anneal=%s)",
		num(s.c.Max), s.c.Total, num(s.c.PctStart), num(s.c.Div), num(s.c.FinalDiv), s.c.Anneal)
}

// CyclicMode is the amplitude policy of Cyclic.
type CyclicMode int

// The modes of torch CyclicLR (Smith 2017).
const (
	Triangular  CyclicMode = iota // constant amplitude
	Triangular2                   // amplitude halved every cycle: scale 1/2^(cycle−1)
	ExpRange                      // amplitude scaled by γ^t (t the step)
)

func (m CyclicMode) String() string {
	switch m {
	case Triangular:
		return "triangular"
	case Triangular2:
		return "triangular2"
	case ExpRange:
		return "exp_range"
	}
	return fmt.Sprintf("CyclicMode(%d)", int(m))
}

// CyclicConfig holds the parameters of Cyclic. StepSizeDown 0 means equal
// to StepSizeUp; Gamma 0 means 1 (torch's default; only ExpRange uses it).
type CyclicConfig struct {
	Base, Max    float64 // the two boundaries (torch base_lr, max_lr)
	StepSizeUp   int     // steps of the increasing half-cycle, > 0
	StepSizeDown int     // steps of the decreasing half-cycle; 0: same as StepSizeUp
	Mode         CyclicMode
	Gamma        float64 // ExpRange's factor per step; 0: 1
}

// Cyclic is the cyclical learning rate (Smith 2017) as torch CyclicLR
// (scale_mode fixed by the mode, as torch does when scale_fn is None): a
// triangle between base and max, up in step_size_up steps and down in
// step_size_down, its amplitude scaled per mode. base > max, an upside-down
// triangle that torch accepts, is an error here (most likely swapped
// keys); exp_range with gamma > 1 grows the amplitude as torch does, up to
// MaxLR. Spec:
// cyclic(base,max,step_size_up,step_size_down=step_size_up,mode=triangular|triangular2|exp_range,gamma=1).
type Cyclic struct{ c CyclicConfig }

// NewCyclic returns the cyclic schedule; 0 <= Base <= Max, step sizes > 0,
// Gamma > 0.
func NewCyclic(c CyclicConfig) (*Cyclic, error) {
	if c.StepSizeDown == 0 {
		c.StepSizeDown = c.StepSizeUp
	}
	if c.Gamma == 0 {
		c.Gamma = 1
	}
	s := &Cyclic{c}
	return valid(s, s.check())
}

func (s *Cyclic) check() error {
	c := checker{sched: "cyclic"}
	c.rate("base", s.c.Base)
	c.rate("max", s.c.Max)
	c.atMost("base", s.c.Base, "max", s.c.Max)
	c.positiveInt("step_size_up", s.c.StepSizeUp)
	c.positiveInt("step_size_down", s.c.StepSizeDown)
	if s.c.Mode < Triangular || s.c.Mode > ExpRange {
		c.fail("mode", s.c.Mode, "want triangular, triangular2 or exp_range")
	}
	c.positive("gamma", s.c.Gamma)
	return c.err
}

// LR returns the cyclic rate at t (torch CyclicLR.get_lr, operation for
// operation).
func (s *Cyclic) LR(t int) float64 {
	t = clampStep(t)
	up := float64(s.c.StepSizeUp)
	total := up + float64(s.c.StepSizeDown)
	ratio := up / total
	x0 := float64(t)
	cycle := math.Floor(1 + x0/total)
	x := 1. + x0/total - cycle
	var scale float64
	if x <= ratio {
		scale = x / ratio
	} else {
		scale = (x - 1) / (ratio - 1)
	}
	height := (s.c.Max - s.c.Base) * scale
	switch s.c.Mode {
	case Triangular2:
		return s.c.Base + height*(1/math.Pow(2., cycle-1))
	case ExpRange:
		return min(s.c.Base+grow(height, s.c.Gamma, x0), MaxLR)
	}
	return s.c.Base + height*1.
}

func (s *Cyclic) String() string {
	return fmt.Sprintf("cyclic(base=%s,max=%s,step_size_up=%d,step_size_down=%d,mode=%s,gamma=%s)",
		num(s.c.Base), num(s.c.Max), s.c.StepSizeUp, s.c.StepSizeDown, s.c.Mode, num(s.c.Gamma))
}

func parseOneCycle(a *Args) (Scheduler, error) {
	c := DefaultOneCycle(a.RequiredFloat("max"), a.RequiredInt("total"))
	c.PctStart = a.Float("pct_start", c.PctStart)
	c.Div = a.Float("div", c.Div)
	c.FinalDiv = a.Float("final_div", c.FinalDiv)
	if a.Enum("anneal", "cos", "cos", "linear") == "linear" {
		c.Anneal = AnnealLinear
	}
	s := &OneCycle{c}
	return s, s.check()
}

func parseCyclic(a *Args) (Scheduler, error) {
	c := CyclicConfig{Base: a.RequiredFloat("base"), Max: a.RequiredFloat("max"), StepSizeUp: a.RequiredInt("step_size_up")}
	c.StepSizeDown = a.Int("step_size_down", c.StepSizeUp)
	switch a.Enum("mode", "triangular", "triangular", "triangular2", "exp_range") {
	case "triangular2":
		c.Mode = Triangular2
	case "exp_range":
		c.Mode = ExpRange
	}
	c.Gamma = a.Float("gamma", 1)
	s := &Cyclic{c}
	return s, s.check()
}
