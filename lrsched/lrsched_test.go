package lrsched

import (
	"math"
	"strings"
	"testing"
)

func mustParse(t *testing.T, s string) Scheduler {
	t.Helper()
	sch, err := Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

// The closed forms without a torch counterpart, against their formulas
// written out independently here.
func TestClosedForms(t *testing.T) {
	// The seed's formula, η_t = ½(η_max−η_min)(1+cos(tπ/T)) + η_min, for
	// every t: periodic beyond T.
	cos := func(hi, lo float64, T int) func(int) float64 {
		return func(t int) float64 {
			return 0.5*(hi-lo)*(1+math.Cos(float64(t)*math.Pi/float64(T))) + lo
		}
	}
	hold := func(hi, lo float64, T int) func(int) float64 {
		return func(t int) float64 {
			if t >= T {
				return lo
			}
			return cos(hi, lo, T)(t)
		}
	}
	tests := []struct {
		spec  string
		steps int
		want  func(t int) float64
	}{
		{"expdecay(lr=0.1,k=0.01)", 300, func(t int) float64 { return 0.1 * math.Exp(-0.01*float64(t)) }},
		{"expdecay(lr=1,k=0)", 10, func(int) float64 { return 1 }},
		{"inverse_time(lr=0.5,k=0.1)", 300, func(t int) float64 { return 0.5 / (1 + 0.1*float64(t)) }},
		{"cosine(max=0.1,min=0,T=50)", 120, cos(0.1, 0, 50)},
		{"cosine(max=0.1,min=0.01,T=7)", 30, cos(0.1, 0.01, 7)},
		{"cosine(max=0.1,T=1)", 5, cos(0.1, 0, 1)},
		{"cosine(max=0.1,min=0.01,T=7,hold=true)", 30, hold(0.1, 0.01, 7)},
		{"cosine(max=0.1,T=50,hold=false)", 120, cos(0.1, 0, 50)},
		{"constant(lr=0.3)", 10, func(int) float64 { return 0.3 }},
		// wsd: the three phases written out (Hägele et al. 2024, Sec. 3), 0 from total on.
		{"wsd(lr=0.5,warmup=10,decay=20,total=100)", 130, wsd(0.5, 10, 20, 100, func(x float64) float64 { return 1 - x })},
		{"wsd(lr=0.5,warmup=10,decay=20,total=100,decay_shape=cosine)", 130, wsd(0.5, 10, 20, 100, func(x float64) float64 { return 0.5 * (1 + math.Cos(math.Pi*x)) })},
		{"wsd(lr=0.5,warmup=10,decay=20,total=100,decay_shape=sqrt)", 130, wsd(0.5, 10, 20, 100, func(x float64) float64 { return 1 - math.Sqrt(x) })},
		{"wsd(lr=0.1,warmup=0,decay=7,total=7,decay_shape=sqrt)", 10, wsd(0.1, 0, 7, 7, func(x float64) float64 { return 1 - math.Sqrt(x) })},
		{"wsd(lr=0.1,warmup=3,decay=0,total=10)", 15, wsd(0.1, 3, 0, 10, nil)},
		// warmup: linear ramp start→inner(steps), then inner(t).
		{"warmup(steps=10,cosine(max=0.1,T=50))", 80, func(t int) float64 {
			if t < 10 {
				return 0 + (cos(0.1, 0, 50)(10)-0)*float64(t)/10
			}
			return cos(0.1, 0, 50)(t)
		}},
		{"warmup(steps=4,start=0.01,constant(lr=0.05))", 10, func(t int) float64 {
			return 0.01 + (0.05-0.01)*math.Min(float64(t), 4)/4
		}},
		{"warmup(steps=0,expdecay(lr=0.1,k=0.5))", 10, func(t int) float64 { return 0.1 * math.Exp(-0.5*float64(t)) }},
		{"warmup(steps=3,expdecay(lr=0.1,k=0.5))", 10, func(t int) float64 {
			if t < 3 {
				return 0.1 * math.Exp(-1.5) * float64(t) / 3
			}
			return 0.1 * math.Exp(-0.5*float64(t))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			s := mustParse(t, tt.spec)
			for step := range tt.steps {
				if got, want := s.LR(step), tt.want(step); !closeRel(got, want, 1e-14) {
					t.Errorf("LR(%d) = %.17g, want %.17g", step, got, want)
				}
			}
		})
	}
}

// wsd returns the warmup–stable–decay rate written out phase by phase;
// shape is the cooldown's factor at progress x in [0,1).
func wsd(lr float64, warmup, decay, total int, shape func(x float64) float64) func(int) float64 {
	return func(t int) float64 {
		switch {
		case t < warmup:
			return lr * float64(t) / float64(warmup)
		case t < total-decay:
			return lr
		case t < total:
			return lr * shape(float64(t-(total-decay))/float64(decay))
		}
		return 0
	}
}

// Hand-checked values at the boundaries of the composites and of onecycle.
func TestBoundaries(t *testing.T) {
	tests := []struct {
		spec string
		step int
		want float64
	}{
		{"cosine(max=0.1,T=50)", 0, 0.1},
		{"cosine(max=0.1,T=50)", 25, 0.05}, // cos(π/2) = 0: half way
		{"cosine(max=0.1,min=0.02,T=50)", 50, 0.02},
		{"cosine(max=0.1,min=0.02,T=50)", 75, 0.06},                // climbing back, as torch: cos(3π/2) = 0
		{"cosine(max=0.1,min=0.02,T=50)", 100, 0.1},                // back at max after 2T
		{"cosine(max=0.1,min=0.02,T=50)", 150, 0.02},               // and at min again after 3T
		{"cosine(max=0.1,min=0.02,T=50,hold=true)", 75, 0.02},      // held at min after T
		{"cosine(max=0.1,min=0.02,T=50,hold=true)", 1 << 40, 0.02}, // and forever
		{"cosine(max=0.1,min=0.1,T=50)", 75, 0.1},                  // min = max: constant
		{"cosine_restarts(max=1,T0=2,mult=2)", 2, 1},               // restart after 2
		{"cosine_restarts(max=1,T0=2,mult=2)", 4, 0.5},             // 2 into a cycle of 4
		{"cosine_restarts(max=1,T0=2,mult=2)", 6, 1},               // restart after 2+4
		{"sequential(constant(lr=1),exp(lr=0.5,gamma=0.5),milestones=[3])", 2, 1},
		{"sequential(constant(lr=1),exp(lr=0.5,gamma=0.5),milestones=[3])", 3, 0.5}, // exp restarts its count
		{"sequential(constant(lr=1),exp(lr=0.5,gamma=0.5),milestones=[3])", 5, 0.125},
		{"onecycle(max=1,total=10,pct_start=0.1)", 0, 1},         // e1 = 0: torch divides by 0; here the peak
		{"onecycle(max=1,total=10,div=4,final_div=5)", 9, 0.05},  // last step: max/div/final_div
		{"onecycle(max=1,total=10,div=4,final_div=5)", 10, 0.05}, // held after the cycle
		{"onecycle(max=1,total=10,div=4,final_div=5)", 0, 0.25},  // max/div
		{"linear(lr=1,start_factor=0.5,total=2)", 1, 0.75},
		{"linear(lr=1,start_factor=0.5,total=2)", 100, 1},
		{"poly(lr=1,total=4,power=2)", 2, 0.25},
		{"poly(lr=1,total=4,power=2)", 9, 0},
		{"multistep(lr=1,milestones=[2,4],gamma=0.5)", 4, 0.25},
		{"multistep(lr=1,milestones=[],gamma=0.5)", 4, 1},
		{"step(lr=1,step_size=2,gamma=0.5)", 3, 0.5},
		{"cyclic(base=0,max=1,step_size_up=2)", 1, 0.5},
		{"cyclic(base=0,max=1,step_size_up=2)", 2, 1},
		{"cyclic(base=0,max=1,step_size_up=2,mode=triangular2)", 6, 0.5}, // second peak, halved
		{"wsd(lr=1,warmup=10,decay=20,total=100)", 0, 0},                 // the warm-up starts at 0
		{"wsd(lr=1,warmup=10,decay=20,total=100)", 5, 0.5},               // half way up
		{"wsd(lr=1,warmup=10,decay=20,total=100)", 10, 1},                // stable from warmup
		{"wsd(lr=1,warmup=10,decay=20,total=100)", 80, 1},                // cooldown starts at total−decay with factor 1
		{"wsd(lr=1,warmup=10,decay=20,total=100)", 90, 0.5},
		{"wsd(lr=1,warmup=10,decay=20,total=100)", 99, 0.05}, // last step of the run: lr/decay
		{"wsd(lr=1,warmup=10,decay=20,total=100)", 100, 0},   // 0 at total
		{"wsd(lr=1,warmup=10,decay=20,total=100)", 1 << 40, 0},
		{"wsd(lr=1,warmup=10,decay=20,total=100,decay_shape=cosine)", 90, 0.5},
		{"wsd(lr=1,warmup=10,decay=20,total=100,decay_shape=sqrt)", 85, 0.5}, // 1−√(1/4)
		{"wsd(lr=1,warmup=0,decay=0,total=5)", 0, 1},
		{"wsd(lr=1,warmup=0,decay=0,total=5)", 4, 1},
		{"wsd(lr=1,warmup=0,decay=0,total=5)", 5, 0},
		// Growth saturates at MaxLR; a zero rate stays 0 (issue 16: NaN from 0·Inf).
		{"exp(lr=0,gamma=2)", 1075, 0},
		{"exp(lr=0,gamma=2)", maxRunStep, 0},
		{"exp(lr=0.1,gamma=2)", 1000, 0.1 * math.Pow(2, 1000)},
		{"exp(lr=0.1,gamma=2)", 1100, MaxLR},
		{"exp(lr=0.1,gamma=2)", maxRunStep, MaxLR},
		{"exp(lr=0.1,gamma=0.5)", maxRunStep, 0}, // decay underflows to 0
		{"step(lr=1,step_size=2,gamma=1e10)", 100, MaxLR},
		{"step(lr=0,step_size=2,gamma=1e10)", 100, 0},
		{"multistep(lr=1,milestones=[1,2],gamma=1e200)", 1, 1e200},
		{"multistep(lr=1,milestones=[1,2],gamma=1e200)", 2, MaxLR},
		{"cyclic(base=0,max=1,step_size_up=2,mode=exp_range,gamma=2)", 2, 4},        // amplitude·γ^t at the peak
		{"cyclic(base=0,max=1,step_size_up=2,mode=exp_range,gamma=2)", 2002, MaxLR}, // a peak, saturated
		{"cyclic(base=0.5,max=1,step_size_up=2,mode=exp_range,gamma=2)", 2000, 0.5}, // a trough: base, not 0·Inf
		{"cosine(max=1.7e308,T=10)", 0, 1.7e308},                                    // (max−min)·2 would overflow
		{"cosine(max=1.7e308,T=10)", 5, 0.85e308},
		{"warmup(steps=2000000000,start=1.7e308,constant(lr=0))", 1000000000, 0.85e308}, // (target−start)·t would overflow
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			if got := mustParse(t, tt.spec).LR(tt.step); !closeRel(got, tt.want, 1e-14) {
				t.Errorf("LR(%d) = %.17g, want %g", tt.step, got, tt.want)
			}
		})
	}
}

// every spec of the table, for the tests that run over all schedules.
var everySpec = []string{
	"constant(lr=0.1)",
	"step(lr=0.1,step_size=3)",
	"multistep(lr=0.1,milestones=[2,5])",
	"exp(lr=0.1,gamma=0.9)",
	"expdecay(lr=0.1,k=0.01)",
	"inverse_time(lr=0.1,k=0.01)",
	"linear(lr=0.1)",
	"poly(lr=0.1,total=10,power=2)",
	"cosine(max=0.1,min=0.001,T=50)",
	"cosine_restarts(max=0.1,T0=5,mult=3)",
	"warmup(steps=5,start=0.001,cosine(max=0.1,T=50))",
	"onecycle(max=0.1,total=100,anneal=linear)",
	"cyclic(base=0.01,max=0.1,step_size_up=4,step_size_down=6,mode=exp_range,gamma=0.99)",
	"plateau(lr=0.1,factor=0.5,patience=3,threshold=0.01,threshold_mode=abs,cooldown=2,min_lr=0.001)",
	"sequential(linear(lr=0.1,start_factor=0.1,total=10),cosine(max=0.1,T=90),milestones=[10])",
	"wsd(lr=0.1,warmup=10,decay=30,total=100,decay_shape=sqrt)",
}

func TestEverySpecCovered(t *testing.T) {
	for i, name := range Names()[:len(builtins)] {
		if !strings.HasPrefix(everySpec[i], name+"(") {
			t.Errorf("everySpec[%d] = %s, want %s", i, everySpec[i], name)
		}
	}
}

// String gives a canonical spec (every key explicit) that parses back to
// the same schedule.
func TestStringRoundTrip(t *testing.T) {
	for _, in := range everySpec {
		t.Run(in, func(t *testing.T) {
			s := mustParse(t, in)
			str := s.(interface{ String() string }).String()
			again := mustParse(t, str)
			if got := again.(interface{ String() string }).String(); got != str {
				t.Errorf("String of reparse = %s, want %s", got, str)
			}
			for step := range 200 {
				if a, b := s.LR(step), again.LR(step); a != b {
					t.Fatalf("LR(%d): %v from %s, %v from %s", step, a, in, b, str)
				}
			}
		})
	}
}

// LR never panics and is finite for any step, negative steps give LR(0),
// and pure schedules give the same value when asked again.
func TestAnyStep(t *testing.T) {
	steps := []int{-1 << 62, -1, 0, 1, 2, 99, 100, 101, 1 << 20, 1 << 40, math.MaxInt32, math.MaxInt - 1, math.MaxInt}
	for _, in := range everySpec {
		t.Run(in, func(t *testing.T) {
			s := mustParse(t, in)
			lr0 := s.LR(0)
			for _, step := range steps {
				lr := s.LR(step)
				if math.IsNaN(lr) || math.IsInf(lr, 0) || lr < 0 {
					t.Errorf("LR(%d) = %v", step, lr)
				}
				if step < 0 && lr != lr0 {
					t.Errorf("LR(%d) = %v, want LR(0) = %v", step, lr, lr0)
				}
				if again := s.LR(step); again != lr {
					t.Errorf("LR(%d) = %v then %v", step, lr, again)
				}
			}
		})
	}
	// Huge steps with mult > 1 reach the overflow guard of CosineRestarts.
	s := mustParse(t, "cosine_restarts(max=1,T0=1,mult=1000)")
	for _, step := range []int{math.MaxInt, math.MaxInt / 2, 1 << 61} {
		if lr := s.LR(step); !(lr >= 0 && lr <= 1) {
			t.Errorf("cosine_restarts LR(%d) = %v", step, lr)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ spec, want string }{
		{"", "lrsched: spec: empty spec"},
		{"cosine(max=0.1", "missing ')'"},
		{"foo(lr=1)", `lrsched: unknown schedule "foo" (known: constant, step, multistep, exp, expdecay, inverse_time, linear, poly, cosine, cosine_restarts, warmup, onecycle, cyclic, plateau, sequential, wsd`},
		{"cosine(max=0.1,T=10,tmax=3)", "lrsched: cosine: unknown key tmax (known: max, min, T, hold)"},
		{"cosine(T=10)", "lrsched: cosine: missing required key max"},
		{"cosine(max=0.1)", "lrsched: cosine: missing required key T"},
		{"cosine(max=0.1,T=0)", "lrsched: cosine: T=0: must be > 0"},
		{"cosine(max=0.1,T=-5)", "lrsched: cosine: T=-5: must be > 0"},
		{"cosine(max=0.1,T=2.5)", "lrsched: cosine: T=2.5: want an integer"},
		{"cosine(max=-0.1,T=5)", "lrsched: cosine: max=-0.1: must be >= 0 (a learning rate)"},
		{"cosine(max=true,T=5)", "lrsched: cosine: max=true: want a number, got a boolean"},
		{"cosine(max=0.1,min=0.2,T=5)", "lrsched: cosine: min=0.2: must be <= max (0.1)"},
		{"cosine(max=0.1,T=5,hold=1)", "lrsched: cosine: hold=1: want a boolean, got a number"},
		{"cosine_restarts(max=0.1,min=0.2,T0=5)", "lrsched: cosine_restarts: min=0.2: must be <= max (0.1)"},
		{"constant", "lrsched: constant: missing required key lr"},
		{"constant(lr=-1)", "lrsched: constant: lr=-1: must be >= 0"},
		{"step(lr=0.1,step_size=0)", "lrsched: step: step_size=0: must be > 0"},
		{"step(lr=0.1,step_size=3,gamma=0)", "lrsched: step: gamma=0: must be > 0"},
		{"multistep(lr=0.1,milestones=[5,5])", "lrsched: multistep: milestones=[5,5]: milestones must be strictly increasing (5 after 5)"},
		{"multistep(lr=0.1,milestones=[0,5])", "lrsched: multistep: milestones=[0,5]: milestone 0 must be > 0"},
		{"multistep(lr=0.1)", "lrsched: multistep: missing required key milestones"},
		{"exp(lr=0.1,gamma=-0.9)", "lrsched: exp: gamma=-0.9: must be > 0"},
		{"exp(lr=0.1)", "lrsched: exp: missing required key gamma"},
		{"expdecay(lr=0.1,k=-1)", "lrsched: expdecay: k=-1: must be >= 0"},
		{"inverse_time(lr=0.1,k=-1)", "lrsched: inverse_time: k=-1: must be >= 0"},
		{"linear(lr=0.1,start_factor=0)", "lrsched: linear: start_factor=0: must be in (0,1]"},
		{"linear(lr=0.1,end_factor=1.5)", "lrsched: linear: end_factor=1.5: must be in [0,1]"},
		{"linear(lr=0.1,total=0)", "lrsched: linear: total=0: must be > 0"},
		{"poly(lr=0.1,total=0)", "lrsched: poly: total=0: must be > 0"},
		{"poly(lr=0.1,total=10,power=-1)", "lrsched: poly: power=-1: must be >= 0"},
		{"cosine_restarts(max=0.1,T0=0)", "lrsched: cosine_restarts: T0=0: must be > 0"},
		{"cosine_restarts(max=0.1,T0=5,mult=0)", "lrsched: cosine_restarts: mult=0: must be >= 1"},
		{"cosine_restarts(max=0.1,T0=5,mult=1.5)", "lrsched: cosine_restarts: mult=1.5: want an integer"},
		{"onecycle(max=0.1,total=0)", "lrsched: onecycle: total=0: must be > 0"},
		{"onecycle(max=0.1,total=100,pct_start=0)", "lrsched: onecycle: pct_start=0: must be in (0,1)"},
		{"onecycle(max=0.1,total=100,pct_start=1)", "lrsched: onecycle: pct_start=1: must be in (0,1)"},
		{"onecycle(max=0.1,total=100,div=0)", "lrsched: onecycle: div=0: must be > 0"},
		{"onecycle(max=0.1,total=100,anneal=cosine)", "lrsched: onecycle: anneal=cosine: want one of cos|linear"},
		{"onecycle(total=100)", "lrsched: onecycle: missing required key max"},
		{"cyclic(base=0.1,max=1)", "lrsched: cyclic: missing required key step_size_up"},
		{"cyclic(base=0.1,max=1,step_size_up=4,step_size_down=0)", "lrsched: cyclic: step_size_down=0: must be > 0"},
		{"cyclic(base=0.1,max=1,step_size_up=4,mode=exp_range,gamma=0)", "lrsched: cyclic: gamma=0: must be > 0"},
		{"plateau(lr=0.1,factor=1)", "lrsched: plateau: factor=1: must be in (0,1)"},
		{"plateau(lr=0.1,factor=0)", "lrsched: plateau: factor=0: must be in (0,1)"},
		{"plateau(lr=0.1,factor=2)", "lrsched: plateau: factor=2: must be in (0,1)"},
		{"plateau(lr=0.1,patience=-1)", "lrsched: plateau: patience=-1: must be >= 0"},
		{"plateau(lr=0.1,threshold=1)", "lrsched: plateau: threshold=1: must be < 1 with threshold_mode=rel"},
		{"plateau(lr=0.1,threshold_mode=max)", "lrsched: plateau: threshold_mode=max: want one of rel|abs"},
		{"plateau(lr=0.1,cooldown=-1)", "lrsched: plateau: cooldown=-1: must be >= 0"},
		{"plateau(lr=0.1,min_lr=-0.1)", "lrsched: plateau: min_lr=-0.1: must be >= 0"},
		{"plateau(lr=0.1,mode=max)", "lrsched: plateau: unknown key mode"},
		{"warmup(steps=5)", "lrsched: warmup: missing the inner schedule"},
		{"warmup(cosine(max=0.1,T=5))", "lrsched: warmup: missing required key steps"},
		{"warmup(steps=-1,cosine(max=0.1,T=5))", "lrsched: warmup: steps=-1: must be >= 0"},
		{"warmup(steps=5,constant(lr=1),constant(lr=2))", "lrsched: warmup: want one inner schedule, got 2"},
		{"warmup(steps=5,cosine(max=0.1,T=0))", "lrsched: warmup: cosine: T=0: must be > 0"},
		{"warmup(steps=5,bogus)", `lrsched: warmup: unknown schedule "bogus"`},
		{"sequential(constant(lr=1),constant(lr=2),milestones=[])", "lrsched: sequential: milestones=[]: 2 schedules need 1 milestones, got 0"},
		{"sequential(constant(lr=1),milestones=[3])", "lrsched: sequential: milestones=[3]: 1 schedules need 0 milestones, got 1"},
		{"sequential(constant(lr=1),constant(lr=2),constant(lr=3),milestones=[5,5])", "lrsched: sequential: milestones=[5,5]: milestones must be strictly increasing"},
		{"sequential(constant(lr=1),constant(lr=2))", "lrsched: sequential: missing required key milestones"},
		{"sequential(milestones=[])", "lrsched: sequential: no inner schedules"},
		{"sequential(constant(lr=1),exp(lr=1),milestones=[3])", "lrsched: sequential: schedule 1: exp: missing required key gamma"},
		{"sequential(warmup(steps=1,cosine(max=1,T=0)),milestones=[])", "lrsched: sequential: schedule 0: warmup: cosine: T=0: must be > 0"},
		{"wsd(lr=0.1,warmup=10,decay=20)", "lrsched: wsd: missing required key total"},
		{"wsd(lr=0.1,decay=20,total=100)", "lrsched: wsd: missing required key warmup"},
		{"wsd(lr=0.1,warmup=10,decay=20,total=100,decay_shape=exp)", "lrsched: wsd: decay_shape=exp: want one of linear|cosine|sqrt"},
		{"wsd(lr=0.1,warmup=50,decay=60,total=100)", "lrsched: wsd: total=100: must be >= warmup + decay = 110"},
		{"wsd(lr=0.1,warmup=-1,decay=20,total=100)", "lrsched: wsd: warmup=-1: must be >= 0"},
		{"wsd(lr=0.1,warmup=1,decay=-2,total=100)", "lrsched: wsd: decay=-2: must be >= 0"},
		{"wsd(lr=0.1,warmup=0,decay=0,total=0)", "lrsched: wsd: total=0: must be > 0"},
		{"wsd(lr=-0.1,warmup=0,decay=0,total=1)", "lrsched: wsd: lr=-0.1: must be >= 0"},
		// Issue 16: schedules that passed validation but could not work.
		{"multistep(lr=0.1,milestones=[1e300])", "lrsched: multistep: milestones=[1e300]: want a list of integers of magnitude at most 2^53, element 1e300 is not"},
		{"cyclic(base=0.2,max=0.1,step_size_up=5)", "lrsched: cyclic: base=0.2: must be <= max (0.1)"},
		{"plateau(lr=0.1,min_lr=0.5)", "lrsched: plateau: min_lr=0.5: must be <= lr (0.1)"},
		{"onecycle(max=1e300,total=10,div=1e-300)", "lrsched: onecycle: div=1e-300: max/div = +Inf: the initial rate must be finite"},
		{"onecycle(max=1,total=10,final_div=1e-320)", "lrsched: onecycle: final_div=1e-320: max/div/final_div = +Inf: the final rate must be finite"},
		{"step(lr=0.1,step_size=1e300)", "lrsched: step: step_size=1e300: want an integer of magnitude at most 2^53"},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			s, err := Parse(tt.spec)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse(%q) = %v, %v; want error containing %q", tt.spec, s, err, tt.want)
			}
			if err != nil && s != nil {
				t.Errorf("Parse(%q) returned a schedule with its error", tt.spec)
			}
		})
	}
}

func TestConstructorErrors(t *testing.T) {
	_, err1 := NewCosine(0.1, 0, 0)
	_, err2 := NewSequential([]Scheduler{&Constant{1}}, []int{1})
	_, err3 := NewWarmup(3, 0, nil)
	_, err4 := NewPlateau(PlateauConfig{LR: 0.1})
	_, err5 := NewCyclic(CyclicConfig{Base: 0.1, Max: 1})
	_, err6 := NewOneCycle(OneCycleConfig{Max: 1, Total: 10})
	_, err7 := NewSequential(nil, nil)
	tests := []struct {
		err  error
		want string
	}{
		{err1, "lrsched: cosine: T=0: must be > 0"},
		{err2, "lrsched: sequential: milestones=[1]: 1 schedules need 0 milestones"},
		{err3, "lrsched: warmup: missing the inner schedule"},
		{err4, "lrsched: plateau: factor=0: must be in (0,1)"}, // the zero config is not torch's defaults
		{err5, "lrsched: cyclic: step_size_up=0: must be > 0"},
		{err6, "lrsched: onecycle: pct_start=0: must be in (0,1)"},
		{err7, "lrsched: sequential: no schedules"},
	}
	for _, tt := range tests {
		if tt.err == nil || tt.err.Error() != tt.want && !strings.HasPrefix(tt.err.Error(), tt.want) {
			t.Errorf("error %v, want %q", tt.err, tt.want)
		}
	}
	// Valid constructors agree with Parse.
	s, err := NewCyclic(CyclicConfig{Base: 0.1, Max: 1, StepSizeUp: 3})
	if err != nil || s.String() != "cyclic(base=0.1,max=1,step_size_up=3,step_size_down=3,mode=triangular,gamma=1)" {
		t.Errorf("NewCyclic defaults: %v, %v", s, err)
	}
	p, err := NewPlateau(DefaultPlateau(0.1))
	if err != nil || p.String() != mustParse(t, "plateau(lr=0.1)").(*Plateau).String() {
		t.Errorf("DefaultPlateau: %v, %v", p, err)
	}
	o, err := NewOneCycle(DefaultOneCycle(0.1, 100))
	if err != nil || o.String() != mustParse(t, "onecycle(max=0.1,total=100)").(*OneCycle).String() {
		t.Errorf("DefaultOneCycle: %v, %v", o, err)
	}
}

func TestFunc(t *testing.T) {
	var s Scheduler = Func(func(step int) float64 { return 1 / float64(step+1) })
	if got := s.LR(3); got != 0.25 {
		t.Errorf("Func LR(3) = %v", got)
	}
	w, err := NewWarmup(2, 0, s)
	if err != nil {
		t.Fatal(err)
	}
	if got := w.LR(1); got != 1.0/3/2 { // half way to f(2) = 1/3
		t.Errorf("warmup(Func) LR(1) = %v", got)
	}
	if Observes(s) || Observes(w) {
		t.Error("Func observes")
	}
}

// The constructors build the same schedules as Parse, and reject what it
// rejects.
func TestConstructors(t *testing.T) {
	must := func(s Scheduler, err error) Scheduler {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	cos := must(NewCosine(0.1, 0, 50))
	tests := []struct {
		s    Scheduler
		spec string
	}{
		{must(NewConstant(0.1)), "constant(lr=0.1)"},
		{must(NewStep(0.1, 3, 0.1)), "step(lr=0.1,step_size=3)"},
		{must(NewMultiStep(0.1, []int{2, 5}, 0.1)), "multistep(lr=0.1,milestones=[2,5])"},
		{must(NewExp(0.1, 0.9)), "exp(lr=0.1,gamma=0.9)"},
		{must(NewExpDecay(0.1, 0.01)), "expdecay(lr=0.1,k=0.01)"},
		{must(NewInverseTime(0.1, 0.01)), "inverse_time(lr=0.1,k=0.01)"},
		{must(NewLinear(0.1, 1.0/3, 1, 5)), "linear(lr=0.1)"},
		{must(NewPoly(0.1, 10, 2)), "poly(lr=0.1,total=10,power=2)"},
		{cos, "cosine(max=0.1,T=50)"},
		{must(NewCosineHold(0.1, 0.01, 50)), "cosine(max=0.1,min=0.01,T=50,hold=true)"},
		{must(NewCosineRestarts(0.1, 0, 5, 3)), "cosine_restarts(max=0.1,T0=5,mult=3)"},
		{must(NewWarmup(5, 0.001, cos)), "warmup(steps=5,start=0.001,cosine(max=0.1,T=50))"},
		{must(NewOneCycle(OneCycleConfig{Max: 0.1, Total: 100, PctStart: 0.3, Div: 25, FinalDiv: 1e4, Anneal: AnnealLinear})),
			"onecycle(max=0.1,total=100,anneal=linear)"},
		{must(NewCyclic(CyclicConfig{Base: 0.01, Max: 0.1, StepSizeUp: 4, StepSizeDown: 6, Mode: ExpRange, Gamma: 0.99})),
			"cyclic(base=0.01,max=0.1,step_size_up=4,step_size_down=6,mode=exp_range,gamma=0.99)"},
		{must(NewPlateau(PlateauConfig{LR: 0.1, Factor: 0.5, Patience: 3, Threshold: 0.01, ThresholdMode: ThresholdAbs, Cooldown: 2, MinLR: 0.001})),
			"plateau(lr=0.1,factor=0.5,patience=3,threshold=0.01,threshold_mode=abs,cooldown=2,min_lr=0.001)"},
		{must(NewWSD(0.1, 10, 30, 100, DecaySqrt)), "wsd(lr=0.1,warmup=10,decay=30,total=100,decay_shape=sqrt)"},
		{must(NewWSD(0.1, 0, 30, 100, DecayLinear)), "wsd(lr=0.1,warmup=0,decay=30,total=100)"},
		{must(NewSequential([]Scheduler{must(NewLinear(0.1, 0.1, 1, 10)), must(NewCosine(0.1, 0, 90))}, []int{10})),
			"sequential(linear(lr=0.1,start_factor=0.1,total=10),cosine(max=0.1,T=90),milestones=[10])"},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			got := tt.s.(interface{ String() string }).String()
			want := mustParse(t, tt.spec).(interface{ String() string }).String()
			if got != want {
				t.Errorf("constructor gives %s, Parse %s", got, want)
			}
		})
	}
	errs := []struct {
		err  error
		want string
	}{
		{second(NewConstant(math.NaN())), "lrsched: constant: lr=NaN: must be a finite number"},
		{second(NewStep(0.1, 0, 0.1)), "lrsched: step: step_size=0: must be > 0"},
		{second(NewMultiStep(0.1, []int{3, 1}, 0.1)), "lrsched: multistep: milestones=[3,1]: milestones must be strictly increasing (1 after 3)"},
		{second(NewExp(-1, 0.9)), "lrsched: exp: lr=-1: must be >= 0 (a learning rate)"},
		{second(NewExpDecay(0.1, math.Inf(1))), "lrsched: expdecay: k=+Inf: must be a finite number"},
		{second(NewInverseTime(0.1, -2)), "lrsched: inverse_time: k=-2: must be >= 0"},
		{second(NewLinear(0.1, 2, 1, 5)), "lrsched: linear: start_factor=2: must be in (0,1]"},
		{second(NewPoly(0.1, -1, 1)), "lrsched: poly: total=-1: must be > 0"},
		{second(NewCosineRestarts(0.1, 0, 5, 0)), "lrsched: cosine_restarts: mult=0: must be >= 1"},
		{second(NewCosine(0.1, 0.5, 5)), "lrsched: cosine: min=0.5: must be <= max (0.1)"},
		{second(NewCosineHold(0.1, 0, 0)), "lrsched: cosine: T=0: must be > 0"},
		{second(NewWSD(0.1, 10, 10, 15, DecayCosine)), "lrsched: wsd: total=15: must be >= warmup + decay = 20 (the warm-up and the cooldown would overlap)"},
		{second(NewWSD(0.1, 1, 1, 15, DecayShape(7))), "lrsched: wsd: decay_shape=DecayShape(7): want linear, cosine or sqrt"},
		{second(NewWarmup(-1, 0, cos)), "lrsched: warmup: steps=-1: must be >= 0"},
		{second(NewSequential([]Scheduler{cos, nil}, []int{3})), "lrsched: sequential: schedule 1 is nil"},
	}
	for _, tt := range errs {
		if tt.err == nil || tt.err.Error() != tt.want {
			t.Errorf("error %v, want %q", tt.err, tt.want)
		}
	}
}

func second[S any](_ S, err error) error { return err }
