package solvers

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// unregister removes a name that a test registered.
func unregister(name string) {
	registry.Lock()
	delete(registry.m, name)
	registry.Unlock()
}

// register registers name for the duration of the test.
func register(t *testing.T, name string, build func(a *Args) (Solver, error)) {
	t.Helper()
	if err := Register(name, build); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unregister(name) })
}

// scaled is a test solver: θ ← θ - lr·scale·g, with keys of every kind.
type scaled struct {
	Base
	scale float64
	lr    float64
}

func (s *scaled) Step(model []gorgonia.ValueGrad) error {
	return s.Update(model, func(p *Param) {
		if p.Float32() {
			w, g := p.W32(), p.G32()
			for i := range w {
				w[i] -= float32(s.LearnRate() * s.scale * float64(g[i]))
			}
			return
		}
		w, g := p.W64(), p.G64()
		for i := range w {
			w[i] -= s.LearnRate() * s.scale * g[i]
		}
	})
}

func (s *scaled) String() string { return s.Spec("lr", s.lr, "scale", s.scale) }

func buildScaled(a *Args) (Solver, error) {
	lr := a.Float("lr", 0.1)
	scale := a.Float("scale", 1)
	if !(scale > 0) {
		a.Errorf("scale", "must be > 0")
	}
	_ = a.Int("repeat", 1)
	_ = a.Bool("verbose", false)
	_ = a.Enum("mode", "plain", "plain", "fancy")
	_ = a.Floats("milestones", nil)
	norm, value := a.Clip()
	return &scaled{Base: NewBase(a.Name(), BaseOptions{LR: lr, ClipNorm: norm, ClipValue: value}), scale: scale, lr: lr}, nil
}

func TestRegister(t *testing.T) {
	register(t, "test_scaled", buildScaled)
	if !slices.Contains(Names(), "test_scaled") {
		t.Errorf("Names() = %v, want test_scaled in it", Names())
	}
	s, err := Parse("test_scaled(lr=0.5,scale=2,repeat=3,verbose=true,mode=fancy,milestones=[1,2],clip_norm=1)")
	if err != nil {
		t.Fatal(err)
	}
	if s.LearnRate() != 0.5 {
		t.Errorf("lr = %v, want 0.5", s.LearnRate())
	}
	if got, want := fmt.Sprint(s), "test_scaled(lr=0.5,scale=2,clip_norm=1)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	p := newParam("w", tensor.Float64, []int{2}, 1, -1)
	p.setGrad([]float64{0.25, 0.25})
	if err := s.Step(valueGrads(p)); err != nil {
		t.Fatal(err)
	}
	if got := p.values(); got[0] != 0.75 || got[1] != -1.25 {
		t.Errorf("after one step: %v, want [0.75 -1.25] (θ - 0.5·2·g)", got)
	}

	// A wrapper of a registered solver, and a registered wrapper.
	register(t, "test_wrap", func(a *Args) (Solver, error) { return a.Inner() })
	if s, err := Parse("lookahead(test_scaled(lr=0.2))"); err != nil || s.LearnRate() != 0.2 {
		t.Errorf("lookahead(test_scaled(lr=0.2)): %v, %v", s, err)
	}
	if s, err := Parse("test_wrap(adam(lr=0.25))"); err != nil || s.LearnRate() != 0.25 {
		t.Errorf("test_wrap(adam(lr=0.25)): %v, %v", s, err)
	}

	// The same key checking as the built-in solvers.
	for _, tt := range []struct{ spec, want string }{
		{"test_scaled(lr=0.1,beta=0.9)", "solvers: test_scaled: unknown key beta (known: lr, scale, repeat, verbose, mode, milestones, clip_norm, clip_value)"},
		{"test_scaled(scale=true)", "solvers: test_scaled: scale=true: want a number, got a boolean"},
		{"test_scaled(repeat=1.5)", "solvers: test_scaled: repeat=1.5: want an integer"},
		{"test_scaled(mode=odd)", "solvers: test_scaled: mode=odd: want one of plain|fancy"},
		{"test_scaled(milestones=[1,x])", "milestones=[1,x]: want a list of numbers"},
		{"test_scaled(scale=-2)", "solvers: test_scaled: scale=-2: must be > 0"},
		{"test_scaled(clip_norm=0)", "solvers: test_scaled: clip_norm=0: must be > 0"},
		{"test_scaled(adam)", "solvers: test_scaled: unexpected positional argument adam"},
		{"test_wrap", "solvers: test_wrap: want exactly one inner solver spec"},
		{"test_wrap(adam,sgd)", "solvers: test_wrap: want exactly one inner solver spec"},
		{"test_wrap(adam(beta1=2))", "solvers: test_wrap: inner solver: solvers: adam: beta1=2: must be in [0, 1)"},
		{"test_scaledd", `unknown solver "test_scaledd" (known: adabelief,`},
	} {
		if _, err := Parse(tt.spec); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Parse(%q) error = %v, want it to contain %q", tt.spec, err, tt.want)
		}
	}

	// Names that cannot be registered.
	for _, tt := range []struct{ name, want string }{
		{"", "empty name"},
		{"1abc", "not a valid spec name"},
		{"a-b", "not a valid spec name"},
		{"adam(lr=1)", "not a valid spec name"},
		{" x", "not a valid spec name"},
		{"adam", "adam is a built-in solver"},
		{"lookahead", "lookahead is a built-in solver"},
		{"test_scaled", "test_scaled is already registered"},
	} {
		if err := Register(tt.name, buildScaled); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Register(%q) error = %v, want it to contain %q", tt.name, err, tt.want)
		}
	}
	if err := Register("test_nil", nil); err == nil || !strings.Contains(err.Error(), "nil build function") {
		t.Errorf("Register with a nil build: %v", err)
	}
	register(t, "test_none", func(a *Args) (Solver, error) { return nil, nil })
	if _, err := Parse("test_none"); err == nil || !strings.Contains(err.Error(), "returned no solver") {
		t.Errorf("a build returning nil, nil: %v", err)
	}
}

// TestRegisterConcurrent registers and parses from several goroutines
// (run with -race to check the locking).
func TestRegisterConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for i := range 8 {
		name := fmt.Sprintf("test_conc%d", i)
		t.Cleanup(func() { unregister(name) })
		wg.Go(func() {
			if err := Register(name, buildScaled); err != nil {
				t.Error(err)
				return
			}
			if _, err := Parse(name + "(lr=0.5)"); err != nil {
				t.Error(err)
			}
			_ = Names()
		})
	}
	wg.Wait()
	for i := range 8 {
		if !slices.Contains(Names(), fmt.Sprintf("test_conc%d", i)) {
			t.Errorf("test_conc%d missing from Names()", i)
		}
	}
}
