package lrsched

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/pkg/errors"
)

// halving is a registered test schedule: lr/2^⌊t/every⌋, floored at min,
// with the key kinds a user's schedule reads.
func buildHalving(a *Args) (Scheduler, error) {
	lr := a.RequiredFloat("lr")
	every := a.Int("every", 10)
	floor := a.Float("min", 0)
	if every <= 0 {
		a.Errorf("every", "must be > 0")
	}
	if lr < 0 {
		a.Errorf("lr", "must be >= 0")
	}
	_ = a.Bool("verbose", false)
	_ = a.Enum("shape", "steps", "steps", "smooth")
	_ = a.Floats("weights", nil)
	_ = a.Ints("marks", nil)
	return Func(func(t int) float64 {
		return max(lr/math.Pow(2, float64(max(t, 0)/every)), floor)
	}), nil
}

// scaled is a registered wrapper: factor·inner(t).
func buildScaled(a *Args) (Scheduler, error) {
	f := a.RequiredFloat("factor")
	inner, err := a.Inner()
	if err != nil {
		return nil, err
	}
	return Func(func(t int) float64 { return f * inner.LR(t) }), nil
}

var registerOnce sync.Once

// registerTestSchedules registers halving, scaled, failing and panicking
// once for the whole test binary (registration cannot be undone).
func registerTestSchedules(t *testing.T) {
	t.Helper()
	registerOnce.Do(func() {
		for name, b := range map[string]func(*Args) (Scheduler, error){
			"halving": buildHalving,
			"scaled":  buildScaled,
			"failing": func(a *Args) (Scheduler, error) {
				if a.Has("prefixed") {
					return nil, errors.New("failing: says so itself")
				}
				return nil, errors.New("always fails")
			},
			"panicking": func(a *Args) (Scheduler, error) { panic("boom") },
			"nothing":   func(a *Args) (Scheduler, error) { return nil, nil },
			"required": func(a *Args) (Scheduler, error) {
				a.RequiredInts("ms")
				a.RequiredFloats("ws")
				T := a.RequiredInt("T")
				return Func(func(int) float64 { return float64(T) }), nil
			},
		} {
			if err := Register(name, b); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func TestRegister(t *testing.T) {
	registerTestSchedules(t)
	tests := []struct {
		spec string
		want []float64 // LR(0), LR(10), LR(25)
	}{
		{"halving(lr=0.8)", []float64{0.8, 0.4, 0.2}},
		{"halving(lr=0.8,every=5,min=0.1)", []float64{0.8, 0.2, 0.1}},
		{"halving(lr=1,verbose=true,shape=smooth,weights=[1,2],marks=[3])", []float64{1, 0.5, 0.25}},
		{"scaled(factor=0.5,halving(lr=1))", []float64{0.5, 0.25, 0.125}},
		{"scaled(factor=2,constant(lr=0.1))", []float64{0.2, 0.2, 0.2}},
		{"warmup(steps=10,halving(lr=0.8))", []float64{0, 0.4, 0.2}},
		{"sequential(constant(lr=1),halving(lr=0.8),milestones=[10])", []float64{1, 0.8, 0.4}},
	}
	for _, tt := range tests {
		s, err := Parse(tt.spec)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.spec, err)
			continue
		}
		for i, step := range []int{0, 10, 25} {
			if got := s.LR(step); math.Abs(got-tt.want[i]) > 1e-15 {
				t.Errorf("%s: LR(%d) = %v, want %v", tt.spec, step, got, tt.want[i])
			}
		}
	}
	if n := Names(); !slices.Contains(n, "halving") || !slices.Contains(n, "scaled") || n[0] != "constant" {
		t.Errorf("Names() = %v", n)
	}
}

// A registered schedule's keys are checked as a built-in's are.
func TestRegisterErrors(t *testing.T) {
	registerTestSchedules(t)
	tests := []struct{ spec, want string }{
		{"halving(lr=0.1,evry=3)", "lrsched: halving: unknown key evry (known: lr, every, min, verbose, shape, weights, marks)"},
		{"halving(lr=0.1,every=2.5)", "lrsched: halving: every=2.5: want an integer"},
		{"halving(lr=0.1,every=1e300)", "lrsched: halving: every=1e300: want an integer of magnitude at most 2^53"},
		{"halving(lr=true)", "lrsched: halving: lr=true: want a number, got a boolean"},
		{"halving(every=3)", "lrsched: halving: missing required key lr"},
		{"halving(lr=0.1,every=0)", "lrsched: halving: every=0: must be > 0"},
		{"halving(lr=-1)", "lrsched: halving: lr=-1: must be >= 0"},
		{"halving(lr=1,verbose=1)", "lrsched: halving: verbose=1: want a boolean, got a number"},
		{"halving(lr=1,shape=round)", "lrsched: halving: shape=round: want one of steps|smooth"},
		{"halving(lr=1,weights=[a])", "lrsched: halving: weights=[a]: want a list of numbers, element a is an identifier"},
		{"halving(lr=1,marks=[1e300])", "lrsched: halving: marks=[1e300]: want a list of integers of magnitude at most 2^53, element 1e300 is not"},
		{"halving(lr=1,constant(lr=1))", "lrsched: halving: unexpected positional argument constant(lr=1)"},
		{"scaled(factor=2)", "lrsched: scaled: missing the inner schedule"},
		{"scaled(factor=2,constant(lr=1),constant(lr=2))", "lrsched: scaled: want one inner schedule, got 2"},
		{"scaled(factor=2,cosine(max=1,T=0))", "lrsched: scaled: cosine: T=0: must be > 0"},
		{"scaled(factor=2,halving(lr=1,x=2))", "lrsched: scaled: halving: unknown key x"},
		{"scaled(factor=2,fctr=2,constant(lr=1))", "lrsched: scaled: unknown key fctr (known: factor)"},
		{"scaled(factr=2,constant(lr=1))", "lrsched: scaled: missing required key factor"}, // first error first, as for built-ins
		{"warmup(steps=3,halving(lr=-1))", "lrsched: warmup: halving: lr=-1: must be >= 0"},
		{"failing", "lrsched: failing: always fails"},
		{"failing(prefixed=1)", "lrsched: failing: says so itself"},
		{"panicking", "lrsched: panicking: build panicked: boom"},
		{"nothing", "lrsched: nothing: the builder returned no schedule"},
		{"required(T=1)", "lrsched: required: missing required key ms"},
		{"required(ms=[],T=1)", "lrsched: required: missing required key ws"},
		{"bogus", `lrsched: unknown schedule "bogus" (known: constant, step,`},
		{"bogus", `sequential, `}, // then the registered names
		{"bogus", `halving`},
	}
	for _, tt := range tests {
		s, err := Parse(tt.spec)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Parse(%q) = %v, %v; want an error containing %q", tt.spec, s, err, tt.want)
		}
		if err != nil && s != nil {
			t.Errorf("Parse(%q) returned a schedule with its error", tt.spec)
		}
	}
	if s, err := Parse("required(ms=[],ws=[],T=7)"); err != nil || s.LR(0) != 7 {
		t.Errorf("required with empty lists: %v", err)
	}
}

func TestRegisterRejects(t *testing.T) {
	registerTestSchedules(t)
	ok := func(*Args) (Scheduler, error) { return Func(func(int) float64 { return 1 }), nil }
	tests := []struct {
		name  string
		build func(*Args) (Scheduler, error)
		want  string
	}{
		{"", ok, "lrsched: Register: empty schedule name"},
		{"1cycle", ok, `lrsched: Register: "1cycle" is not a spec name`},
		{"my-sched", ok, `lrsched: Register: "my-sched" is not a spec name`},
		{"a(b)", ok, `lrsched: Register: "a(b)" is not a spec name`},
		{"true", ok, `lrsched: Register: "true" is not a spec name`},
		{"cosine", ok, "lrsched: Register: cosine is a built-in schedule"},
		{"halving", ok, "lrsched: Register: halving is already registered"},
		{"fine", nil, "lrsched: Register: fine: nil build function"},
	}
	for _, tt := range tests {
		if err := Register(tt.name, tt.build); err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("Register(%q) = %v, want %q", tt.name, err, tt.want)
		}
	}
	if _, err := Parse("fine"); err == nil {
		t.Error("a rejected registration took effect")
	}
}

// Register, Parse and Names from many goroutines at once (run with -race).
func TestRegisterConcurrent(t *testing.T) {
	registerTestSchedules(t)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			name := fmt.Sprintf("concurrent%d", g)
			if err := Register(name, buildHalving); err != nil {
				t.Error(err)
			}
			for range 100 {
				if _, err := Parse("warmup(steps=2," + name + "(lr=0.1))"); err != nil {
					t.Error(err)
				}
				if _, err := Parse("halving(lr=0.1)"); err != nil {
					t.Error(err)
				}
				_ = Names()
			}
		})
	}
	wg.Wait()
	for g := range 8 {
		if !slices.Contains(Names(), fmt.Sprintf("concurrent%d", g)) {
			t.Errorf("concurrent%d missing from Names", g)
		}
	}
}
