package solvers

import (
	"fmt"
	"strings"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func TestParseDefaults(t *testing.T) {
	// Every name of DESIGN.md parses with its defaults (the table's values).
	tests := []struct {
		spec string
		lr   float64
	}{
		{"sgd", 0.01}, {"momentum", 0.01}, {"adagrad", 0.01}, {"rmsprop", 0.01}, {"adadelta", 1.0},
		{"adam", 1e-3}, {"adamw", 1e-3}, {"adamax", 2e-3}, {"nadam", 2e-3}, {"radam", 1e-3},
		{"lion", 1e-4}, {"adabelief", 1e-3}, {"lamb", 1e-3}, {"sfadamw", 2.5e-3},
		{"lookahead(adam)", 1e-3}, {"lookahead(k=6,alpha=0.5,radam(lr=1e-3))", 1e-3},
		{"muon", 1e-3}, {"muon(lr=0.02,adamw(lr=3e-4))", 0.02}, {"adafactor", 1e-2}, {"ademamix", 1e-3},
		{"adopt", 1e-3}, {"sfsgd", 1.0}, {"prodigy", 1.0},
		{"adamw(lr=3e-4,weight_decay=0.05,clip_norm=1)", 3e-4},
		{"cautious(adamw)", 1e-3}, {"ema(decay=0.999,adam)", 1e-3}, {"chain(clip_norm(max=1),adam)", 1e-3},
		{"groups(adamw(lr=1e-3),biases=adamw(lr=1e-3,weight_decay=0))", 1e-3},
	}
	if got := len(builtinNames(t)); got != 15+6+4 { // issue 13: muon, adafactor, ademamix, adopt, sfsgd, prodigy; cautious, chain, ema, groups
		t.Errorf("Names() has %d built-in solvers, want the 25 of DESIGN.md (15, and issue 13's 10): %v", got, Names())
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			s, err := Parse(tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			if s.LearnRate() != tt.lr {
				t.Errorf("lr = %v, want %v", s.LearnRate(), tt.lr)
			}
			s.SetLearnRate(0.5)
			if s.LearnRate() != 0.5 {
				t.Errorf("SetLearnRate: lr = %v", s.LearnRate())
			}
			if _, ok := s.(Stater); !ok {
				t.Errorf("%T is not a Stater", s)
			}
		})
	}
	if c := DefaultAdamWConfig(); c.WeightDecay != 0.01 {
		t.Errorf("adamw default weight_decay = %v, want 0.01 (torch.optim.AdamW)", c.WeightDecay)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ spec, want string }{
		{"adamm", `unknown solver "adamm" (known: adabelief, adadelta, adafactor, adagrad, adam,`},
		{"adam(lr=0.1,momentum=0.9)", "solvers: adam: unknown key momentum (known: lr, beta1"},
		{"adam(lr=true)", "solvers: adam: lr=true: want a number, got a boolean"},
		{"sgd(nesterov=1)", "solvers: sgd: nesterov=1: want a boolean"},
		{"adam(lr=-1)", "solvers: adam: lr=-1: must be >= 0"},
		{"adam(beta1=1)", "solvers: adam: beta1=1: must be in [0, 1)"},
		{"nadam(beta2=-0.1)", "solvers: nadam: beta2=-0.1: must be in [0, 1)"},
		{"adam(eps=0)", "solvers: adam: eps=0: must be > 0"},
		{"radam(weight_decay=-1)", "solvers: radam: weight_decay=-1: must be >= 0"},
		{"sgd(momentum=-0.5)", "solvers: sgd: momentum=-0.5: must be in [0, 1)"},
		// Range checks of issue 16: momentum >= 1 never converges (torch
		// only rejects < 0), dampening beyond 1 reverses the gradient,
		// alpha = 1 keeps the mean square at 0, and an eps below the
		// smallest normal float32 rounds to 0 or a subnormal in float32.
		{"sgd(momentum=1)", "solvers: sgd: momentum=1: must be in [0, 1)"},
		{"sgd(momentum=1.5)", "solvers: sgd: momentum=1.5: must be in [0, 1)"},
		{"sgd(momentum=0.9,dampening=2)", "solvers: sgd: dampening=2: must be in [0, 1]"},
		{"sgd(dampening=-0.1)", "solvers: sgd: dampening=-0.1: must be in [0, 1]"},
		{"rmsprop(alpha=1)", "solvers: rmsprop: alpha=1: must be in [0, 1)"},
		{"rmsprop(momentum=1)", "solvers: rmsprop: momentum=1: must be in [0, 1)"},
		{"adam(eps=1e-46)", "solvers: adam: eps=1e-46: must be >= 1.1754943508222875e-38, the smallest normal float32"},
		{"adagrad(eps=1e-39)", "solvers: adagrad: eps=1e-39: must be >= 1.1754943508222875e-38"},
		{"rmsprop(eps=1e-40)", "solvers: rmsprop: eps=1e-40: must be >= 1.1754943508222875e-38"},
		{"adadelta(eps=1e-45)", "solvers: adadelta: eps=1e-45: must be >= 1.1754943508222875e-38"},
		{"adamw(eps=1e-40)", "solvers: adamw: eps=1e-40: must be >= 1.1754943508222875e-38"},
		{"adamax(eps=1e-40)", "solvers: adamax: eps=1e-40: must be >= 1.1754943508222875e-38"},
		{"nadam(eps=1e-40)", "solvers: nadam: eps=1e-40: must be >= 1.1754943508222875e-38"},
		{"radam(eps=1e-40)", "solvers: radam: eps=1e-40: must be >= 1.1754943508222875e-38"},
		{"adabelief(eps=1e-40)", "solvers: adabelief: eps=1e-40: must be >= 1.1754943508222875e-38"},
		{"lamb(eps=1e-40)", "solvers: lamb: eps=1e-40: must be >= 1.1754943508222875e-38"},
		{"sfadamw(eps=1e-40)", "solvers: sfadamw: eps=1e-40: must be >= 1.1754943508222875e-38"},
		{"lookahead(adam(eps=1e-40))", "inner solver: solvers: adam: eps=1e-40: must be >= 1.1754943508222875e-38"},
		{"sgd(nesterov=true)", "solvers: sgd: nesterov=true: must be false unless momentum > 0"},
		{"sgd(momentum=0.9,dampening=0.1,nesterov=true)", "nesterov=true: must be false unless momentum > 0 and dampening = 0"},
		{"rmsprop(alpha=1.5)", "solvers: rmsprop: alpha=1.5: must be in [0, 1)"},
		{"adadelta(rho=2)", "solvers: adadelta: rho=2: must be in [0, 1]"},
		{"adagrad(lr_decay=-1)", "solvers: adagrad: lr_decay=-1: must be >= 0"},
		{"adagrad(initial_accumulator_value=-1)", "initial_accumulator_value=-1: must be >= 0"},
		{"nadam(momentum_decay=-1)", "momentum_decay=-1: must be >= 0"},
		{"momentum(beta=1)", "solvers: momentum: beta=1: must be in [0, 1)"},
		{"lion(beta2=1)", "solvers: lion: beta2=1: must be in [0, 1)"},
		{"sfadamw(warmup=1.5)", "solvers: sfadamw: warmup=1.5: want an integer"},
		{"sfadamw(warmup=-1)", "solvers: sfadamw: warmup=-1: must be >= 0"},
		{"sfadamw(beta1=0)", "solvers: sfadamw: beta1=0: must be > 0"},
		{"adam(clip_norm=0)", "solvers: adam: clip_norm=0: must be > 0"},
		{"sgd(clip_value=-1)", "solvers: sgd: clip_value=-1: must be > 0"},
		{"lookahead(k=0,adam)", "solvers: lookahead: k=0: must be >= 1"},
		{"lookahead(alpha=1.5,adam)", "solvers: lookahead: alpha=1.5: must be in [0, 1]"},
		{"lookahead(clip_norm=1,adam)", "solvers: lookahead: clip_norm=1: belongs to the inner solver"},
		{"lookahead", "want exactly one inner solver"},
		{"lookahead(adam,sgd)", "want exactly one inner solver"},
		{"lookahead(adam(beta1=2))", "inner solver: solvers: adam: beta1=2"},
		{"lookahead(foo)", `unknown solver "foo"`},
		{"adam(sgd)", "solvers: adam: unexpected positional argument sgd"},
		{"adam(lr=", "solvers: spec"},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			_, err := Parse(tt.spec)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse(%q) error = %v, want it to contain %q", tt.spec, err, tt.want)
			}
		})
	}
}

// TestRangeBoundaries: the values just inside the ranges of issue 16
// are accepted: momentum just below 1, dampening 1, alpha 0, and eps at
// the smallest normal float32.
func TestRangeBoundaries(t *testing.T) {
	for _, spec := range []string{
		"sgd(momentum=0.999999)", "sgd(momentum=0.9,dampening=1)", "sgd(momentum=0)", "rmsprop(alpha=0)",
		"rmsprop(momentum=0.99)", "adam(eps=1.1754943508222875e-38)", "adagrad(eps=1e-30)",
	} {
		if _, err := Parse(spec); err != nil {
			t.Errorf("Parse(%q): %v", spec, err)
		}
	}
	// Every solver with an eps or a momentum key (read from its String,
	// so that a new solver is covered) rejects eps below the smallest
	// normal float32 and momentum 1.
	for _, name := range builtinNames(t) {
		if name == "lookahead" {
			continue // no keys of its own of these kinds
		}
		if _, ok := wrapperSpecs[name]; ok {
			continue // no eps or momentum of their own
		}
		s, err := Parse(name)
		if err != nil {
			t.Fatal(err)
		}
		str := fmt.Sprint(s)
		for _, kv := range []string{"eps=1e-40", "momentum=1"} {
			key, _, _ := strings.Cut(kv, "=")
			if !strings.Contains(str, "("+key+"=") && !strings.Contains(str, ","+key+"=") {
				continue
			}
			spec := name + "(" + kv + ")"
			if _, err := Parse(spec); err == nil || !strings.Contains(err.Error(), kv+": must be") {
				t.Errorf("Parse(%q) error = %v, want a range error naming %s", spec, err, kv)
			}
		}
	}
	// Through the config constructors too.
	if _, err := NewSGD(SGDConfig{LR: 0.1, Momentum: 1}); err == nil || !strings.Contains(err.Error(), "momentum=1: must be in [0, 1)") {
		t.Errorf("NewSGD(Momentum: 1): %v", err)
	}
	cfg := DefaultAdamConfig()
	cfg.Eps = 1e-46
	if _, err := NewAdam(cfg); err == nil || !strings.Contains(err.Error(), "eps=1e-46") {
		t.Errorf("NewAdam(Eps: 1e-46): %v", err)
	}
}

func TestConfigErrors(t *testing.T) {
	// Constructors validate like Parse; a zero field is zero, not a default.
	cfg := DefaultAdamConfig()
	cfg.Eps = 0
	if _, err := NewAdam(cfg); err == nil || !strings.Contains(err.Error(), "solvers: adam: eps=0: must be > 0") {
		t.Errorf("NewAdam(eps=0) error = %v", err)
	}
	if _, err := NewSGD(SGDConfig{LR: 0.1, ClipNorm: -1}); err == nil || !strings.Contains(err.Error(), "clip_norm=-1") {
		t.Errorf("NewSGD(ClipNorm=-1) error = %v", err)
	}
	if _, err := NewLookahead(nil, DefaultLookaheadConfig()); err == nil {
		t.Error("NewLookahead(nil) gave no error")
	}
	if s, err := NewSGD(SGDConfig{}); err != nil || s.LearnRate() != 0 {
		t.Errorf("NewSGD(zero config) = %v, %v; want lr 0, no error", s, err)
	}
}

// badParam is a ValueGrad whose value or gradient can be anything.
type badParam struct {
	name string
	v    gorgonia.Value
	g    gorgonia.Value
	err  error
}

func (p *badParam) Name() string                  { return p.name }
func (p *badParam) Value() gorgonia.Value         { return p.v }
func (p *badParam) Grad() (gorgonia.Value, error) { return p.g, p.err }

func TestStepErrors(t *testing.T) {
	f64 := func(shape ...int) *tensor.Dense {
		return tensor.New(tensor.WithShape(shape...), tensor.Of(tensor.Float64))
	}
	f32 := func(shape ...int) *tensor.Dense {
		return tensor.New(tensor.WithShape(shape...), tensor.Of(tensor.Float32))
	}
	i64 := tensor.New(tensor.WithShape(2), tensor.Of(tensor.Int))
	tests := []struct {
		name string
		p    gorgonia.ValueGrad
		want string
	}{
		{"no gradient", &badParam{name: "w", v: f64(2), err: errString("none")}, "parameter 0 (w) has no gradient"},
		{"dtype mismatch", &badParam{name: "w", v: f64(2), g: f32(2)}, "gradient is float32 (2), value is float64 (2)"},
		{"shape mismatch", &badParam{name: "w", v: f64(2), g: f64(3)}, "gradient is float64 (3), value is float64 (2)"},
		{"not dense", &badParam{name: "w", v: gorgonia.NewI(1), g: gorgonia.NewI(1)}, "value is a *gorgonia.I, want a *tensor.Dense or a float scalar"},
		{"scalar vs vector", &badParam{name: "w", v: gorgonia.NewF64(1), g: f64(1)}, "gradient is float64 (1), value is float64 ()"},
		{"int dtype", &badParam{name: "w", v: i64, g: i64}, "dtype int, want float32 or float64"},
		{"nil", nil, "parameter 0 is nil"},
	}
	for _, name := range builtinNames(t) {
		spec := name
		if name == "lookahead" {
			spec = "lookahead(adam)"
		}
		if w, ok := wrapperSpecs[name]; ok {
			spec = w
		}
		for _, tt := range tests {
			t.Run(name+"/"+tt.name, func(t *testing.T) {
				s, err := Parse(spec)
				if err != nil {
					t.Fatal(err)
				}
				err = s.Step([]gorgonia.ValueGrad{tt.p})
				if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "solvers: "+name) {
					t.Errorf("Step error = %v, want it to name the solver and contain %q", err, tt.want)
				}
			})
		}
	}
	t.Run("negative lr", func(t *testing.T) {
		s, _ := Parse("adam")
		s.SetLearnRate(-1)
		p := newParam("w", tensor.Float64, []int{2}, 1, 2)
		if err := s.Step(valueGrads(p)); err == nil || !strings.Contains(err.Error(), "lr=-1") {
			t.Errorf("Step error = %v", err)
		}
	})
	t.Run("twice in one step", func(t *testing.T) {
		s, _ := Parse("adam")
		p := newParam("w", tensor.Float64, []int{2}, 1, 2)
		if err := s.Step(valueGrads(p, p)); err == nil || !strings.Contains(err.Error(), "appears twice") {
			t.Errorf("Step error = %v", err)
		}
	})
	t.Run("shape changed", func(t *testing.T) {
		s, _ := Parse("adam")
		p := newParam("w", tensor.Float64, []int{2}, 1, 2)
		if err := s.Step(valueGrads(p)); err != nil {
			t.Fatal(err)
		}
		p.v, p.g = f64(3), f64(3)
		if err := s.Step(valueGrads(p)); err == nil || !strings.Contains(err.Error(), "changed from") {
			t.Errorf("Step error = %v", err)
		}
	})
	t.Run("nothing changed on error", func(t *testing.T) {
		// Validation precedes every update: a bad second parameter leaves
		// the first one untouched.
		s, _ := Parse("sgd(lr=1)")
		good := newParam("w", tensor.Float64, []int{2}, 1, 2)
		good.setGrad([]float64{1, 1})
		err := s.Step([]gorgonia.ValueGrad{good, &badParam{name: "b", v: f64(2), g: f32(2)}})
		if err == nil || good.values()[0] != 1 {
			t.Errorf("err = %v, value = %v: want an error and no update", err, good.values())
		}
	})
}

type errString string

func (e errString) Error() string { return string(e) }

func TestGradientsZeroedAndStateByNode(t *testing.T) {
	// State is keyed by the parameter, not its position: swapping the
	// order of the slice between steps must not change the result.
	for _, name := range builtinNames(t) {
		spec := name
		if name == "lookahead" {
			spec = "lookahead(k=2,adam)"
		}
		if w, ok := wrapperSpecs[name]; ok {
			spec = w
		}
		t.Run(name, func(t *testing.T) {
			run := func(swap bool) []float64 {
				s, err := Parse(spec)
				if err != nil {
					t.Fatal(err)
				}
				a := newParam("a", tensor.Float64, []int{2, 2}, 1, -2, 3, 0.5)
				b := newParam("b", tensor.Float32, nil, 0.25) // a scalar
				for step := range 5 {
					a.setGrad(quadGrad(a.values()[:3]))
					b.setGrad([]float64{b.values()[0] - 1})
					order := valueGrads(a, b)
					if swap && step%2 == 1 {
						order = valueGrads(b, a)
					}
					if err := s.Step(order); err != nil {
						t.Fatal(err)
					}
					for _, g := range append(a.grads(), b.grads()...) {
						if g != 0 {
							t.Fatalf("gradient not zeroed: %v %v", a.grads(), b.grads())
						}
					}
				}
				return append(a.values(), b.values()...)
			}
			x, y := run(false), run(true)
			for i := range x {
				if x[i] != y[i] {
					t.Fatalf("order of parameters changed the result: %v vs %v", x, y)
				}
			}
		})
	}
}
