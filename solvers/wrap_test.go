package solvers

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gorgonia.org/tensor"
)

// wrapperSpecs: for each wrapper of issue 13 (a solver that needs an inner
// solver), the spec the tests iterating Names() use.
var wrapperSpecs = map[string]string{
	"cautious": "cautious(adam)",
	"chain":    "chain(clip_norm(max=1),adam)",
	"ema":      "ema(decay=0.5,adam)",
	"groups":   "groups(adam,biases=sgd(lr=0.1))",
}

var bothDtypes = []tensor.Dtype{tensor.Float64, tensor.Float32}

// TestCautiousHalfDisagree: two parameters, sgd(lr=0.1,momentum=0.9), by
// hand. Step 1, g = (1, 1): b = g, the update -0.1·b agrees with -g
// everywhere, mean 1: w = (0.9, 0.9). Step 2, g = (1, -0.5): b = 0.9b + g =
// (1.9, 0.4), update (-0.19, -0.04); the second disagrees with -g (it
// moves along +g), so the mask is (1, 0), its mean 0.5, and the first
// element moves twice as far: w = (0.9 - 0.38, 0.9) = (0.52, 0.9). The
// momentum buffer is the unwrapped solver's: (1.9, 0.4).
func TestCautiousHalfDisagree(t *testing.T) {
	for _, dt := range bothDtypes {
		s, err := Parse("cautious(sgd(lr=0.1,momentum=0.9))")
		if err != nil {
			t.Fatal(err)
		}
		p := newParam("w", dt, []int{2}, 1, 1)
		p.setGrad([]float64{1, 1})
		if err := s.Step(valueGrads(p)); err != nil {
			t.Fatal(err)
		}
		p.setGrad([]float64{1, -0.5})
		if err := s.Step(valueGrads(p)); err != nil {
			t.Fatal(err)
		}
		tol := 1e-15
		if dt == tensor.Float32 {
			tol = 1e-6
		}
		compareAbs(t, dt.String()+" weights", p.values(), []float64{0.52, 0.9}, tol)
		compareAbs(t, dt.String()+" gradient", p.grads(), []float64{0, 0}, 0)
		st, err := s.(Stater).State()
		if err != nil {
			t.Fatal(err)
		}
		compareAbs(t, dt.String()+" momentum", st.Inner.Params["w"].Slots["momentum_buffer"], []float64{1.9, 0.4}, tol)
	}
}

func compareAbs(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	for i := range want {
		if math.Abs(got[i]-want[i]) > tol {
			t.Errorf("%s: element %d = %.17g, want %.17g", what, i, got[i], want[i])
		}
	}
}

// TestCautiousRefuses: inner solvers whose update is not elementwise.
func TestCautiousRefuses(t *testing.T) {
	for _, inner := range []string{"lamb", "lookahead(adam)", "sfadamw", "ema(adam)", "chain(adam)", "groups(adam)", "cautious(adam)"} {
		if _, err := Parse("cautious(" + inner + ")"); err == nil || !strings.Contains(err.Error(), "not elementwise") {
			t.Errorf("cautious(%s): %v, want a refusal", inner, err)
		}
	}
	for _, spec := range []string{"cautious", "cautious(adam,sgd)", "cautious(lr=1,adam)"} {
		if _, err := Parse(spec); err == nil {
			t.Errorf("Parse(%q): no error", spec)
		}
	}
}

// TestEMAThreeSteps: w = 2, the gradient of ½w², sgd(lr=0.5): w = 1, 0.5,
// 0.25. With decay 0.9 the average is 1 (the first step copies), then
// 0.9·1 + 0.1·0.5 = 0.95, then 0.9·0.95 + 0.1·0.25 = 0.88. With warmup the
// decays are min(0.9, 2/11) and min(0.9, 3/12): 2/11·1 + 9/11·0.5 = 6.5/11,
// then 0.25·6.5/11 + 0.75·0.25.
func TestEMAThreeSteps(t *testing.T) {
	for _, tc := range []struct {
		spec string
		want float64
	}{
		{"ema(decay=0.9,sgd(lr=0.5))", 0.88},
		{"ema(decay=0.9,warmup=true,sgd(lr=0.5))", 0.25*6.5/11 + 0.75*0.25},
	} {
		for _, dt := range bothDtypes {
			s, err := Parse(tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			p := newParam("w", dt, nil, 2)
			for range 3 {
				p.setGrad(p.values())
				if err := s.Step(valueGrads(p)); err != nil {
					t.Fatal(err)
				}
			}
			tol := 1e-15
			if dt == tensor.Float32 {
				tol = 1e-7
			}
			es := s.(EvalSwapper)
			if err := es.SwapToEval(); err != nil {
				t.Fatal(err)
			}
			if err := es.SwapToEval(); err != nil { // a no-op
				t.Fatal(err)
			}
			compareAbs(t, tc.spec+" "+dt.String()+" average", p.values(), []float64{tc.want}, tol)
			if _, err := s.(Stater).State(); err == nil {
				t.Errorf("%s: State in eval mode: no error", tc.spec)
			}
			if err := es.SwapToTrain(); err != nil {
				t.Fatal(err)
			}
			compareAbs(t, tc.spec+" "+dt.String()+" weights", p.values(), []float64{0.25}, 0)
		}
	}
	if _, err := Parse("ema(sfadamw)"); err == nil || !strings.Contains(err.Error(), "evaluates at a point of its own") {
		t.Errorf("ema(sfadamw): %v", err)
	}
	if _, err := Parse("ema(decay=1,adam)"); err == nil || !strings.Contains(err.Error(), "decay=1: must be in [0, 1)") {
		t.Errorf("ema(decay=1): %v", err)
	}
}

// TestChainMatchesFusedKeys: where a chain's transforms overlap a
// solver's fused keys (mask all), the results are the same bits, over 6
// steps of random gradients, float32 (assembly kernels included) and float64.
func TestChainMatchesFusedKeys(t *testing.T) {
	pairs := [][2]string{
		{"chain(clip_norm(max=0.5),adam(lr=0.01))", "adam(lr=0.01,clip_norm=0.5)"},
		{"chain(clip_value(max=0.3),sgd(lr=0.1,momentum=0.9))", "sgd(lr=0.1,momentum=0.9,clip_value=0.3)"},
		{"chain(clip_value(max=0.3),clip_norm(max=0.5),rmsprop)", "rmsprop(clip_value=0.3,clip_norm=0.5)"},
		{"chain(coupled_decay(weight_decay=0.1),adam(lr=0.01))", "adam(lr=0.01,weight_decay=0.1)"},
		{"chain(coupled_decay(weight_decay=0.1),sgd(lr=0.1,momentum=0.9))", "sgd(lr=0.1,momentum=0.9,weight_decay=0.1)"},
		{"chain(coupled_decay(weight_decay=0.1),sgd(lr=0.1))", "sgd(lr=0.1,weight_decay=0.1)"},
		{"chain(decay(weight_decay=0.1),adam(lr=0.01))", "adamw(lr=0.01,weight_decay=0.1)"},
		{"chain(decay(weight_decay=0.1),lion(lr=0.01))", "lion(lr=0.01,weight_decay=0.1)"},
		{"chain(clip_norm(max=0.5),decay(weight_decay=0.1),adam(lr=0.01))", "adamw(lr=0.01,weight_decay=0.1,clip_norm=0.5)"},
	}
	for _, pair := range pairs {
		for _, dt := range bothDtypes {
			var runs [2][]float64
			for k, spec := range pair {
				s, err := Parse(spec)
				if err != nil {
					t.Fatal(err)
				}
				rng := rand.New(rand.NewPCG(1, 2))
				w := newParam("W", dt, []int{5, 7}) // 35: the assembly does 32, Go the last 3
				b := newParam("b", dt, []int{7})
				for _, p := range []*testParam{w, b} {
					vals := make([]float64, p.v.Shape().TotalSize())
					for i := range vals {
						vals[i] = rng.NormFloat64()
					}
					p.set(vals)
				}
				for step := range 6 {
					for _, p := range []*testParam{w, b} {
						g := make([]float64, p.v.Shape().TotalSize())
						for i := range g {
							g[i] = rng.NormFloat64() * float64(step+1) / 3
						}
						p.setGrad(g)
					}
					if step == 3 {
						s.SetLearnRate(s.LearnRate() / 2) // a scheduled rate reaches the decay
					}
					if err := s.Step(valueGrads(w, b)); err != nil {
						t.Fatal(err)
					}
				}
				runs[k] = append(w.values(), b.values()...)
			}
			for i := range runs[0] {
				if math.Float64bits(runs[0][i]) != math.Float64bits(runs[1][i]) {
					t.Errorf("%s vs %s (%v): element %d = %v, fused %v", pair[0], pair[1], dt, i, runs[0][i], runs[1][i])
					break
				}
			}
		}
	}
}

// TestChainMasks: by role (given by SetRoles, or by shape), and by layer name.
func TestChainMasks(t *testing.T) {
	// decay(weight_decay=0.5) with sgd(lr=0.1) and zero gradients multiplies
	// the selected parameters by 1 - 0.1·0.5 = 0.95 and leaves the others.
	cases := []struct {
		mask  string
		roles map[string]Role
		want  [3]bool // W (2-D), b (1-D), bn.gamma (1-D)
	}{
		{"weights", nil, [3]bool{true, false, false}},
		{"biases", nil, [3]bool{false, true, true}}, // by shape, a 1-D γ is a bias
		{"norms", map[string]Role{"dense0.W": RoleWeight, "dense0.b": RoleBias, "bn.gamma": RoleNorm}, [3]bool{false, false, true}},
		{"[biases,norms]", map[string]Role{"bn.gamma": RoleNorm}, [3]bool{false, true, true}},
		{"dense0", nil, [3]bool{true, true, false}},
		{"[bn,weights]", nil, [3]bool{true, false, true}},
		{"all", nil, [3]bool{true, true, true}},
	}
	for _, tc := range cases {
		for _, dt := range bothDtypes {
			s, err := Parse("chain(decay(weight_decay=0.5,mask=" + tc.mask + "),sgd(lr=0.1))")
			if err != nil {
				t.Fatal(err)
			}
			if tc.roles != nil {
				s.(RoleSetter).SetRoles(tc.roles)
			}
			ps := []*testParam{newParam("dense0.W", dt, []int{1, 2}, 1, 1), newParam("dense0.b", dt, []int{2}, 1, 1), newParam("bn.gamma", dt, []int{2}, 1, 1)}
			if err := s.Step(valueGrads(ps...)); err != nil {
				t.Fatal(err)
			}
			for i, p := range ps {
				want := 1.0
				if tc.want[i] {
					want = float64(float32(0.95))
					if dt == tensor.Float64 {
						want = 0.95
					}
				}
				if got := p.values()[0]; got != want {
					t.Errorf("mask=%s %v: %s = %v, want %v", tc.mask, dt, p.name, got, want)
				}
			}
		}
	}
	for _, bad := range []string{"chain(decay(weight_decay=0.1,mask=[]),adam)", "chain(decay(weight_decay=0.1,mask=1),adam)",
		"chain(decay(weight_decay=0.1,mask=[weights,1]),adam)", "chain(decay(mask=weights),adam)", "chain(clip_norm(max=0),adam)",
		"chain(decay(weight_decay=-1),adam)", "chain(foo(max=1),adam)", "chain(decay(weight_decay=0.1,zzz=1),adam)",
		"chain(clip_norm(max=1))", "chain", "chain(lr=0.1,adam)"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q): no error", bad)
		}
	}
}

// TestGroups: biases and norms not decayed; a per-group learning-rate
// multiplier kept under SetLearnRate.
func TestGroups(t *testing.T) {
	for _, dt := range bothDtypes {
		s, err := Parse("groups(adamw(lr=0.1,weight_decay=0.5),biases=adamw(lr=0.1,weight_decay=0),norms=adamw(lr=0.1,weight_decay=0))")
		if err != nil {
			t.Fatal(err)
		}
		s.(RoleSetter).SetRoles(map[string]Role{"W": RoleWeight, "b": RoleBias, "g": RoleNorm})
		w, b, g := newParam("W", dt, []int{2, 2}, 1, 1, 1, 1), newParam("b", dt, []int{2}, 1, 1), newParam("g", dt, []int{2}, 1, 1)
		for range 2 { // zero gradients: Adam's step is 0, only the decay moves
			if err := s.Step(valueGrads(w, b, g)); err != nil {
				t.Fatal(err)
			}
		}
		d := 1 - 0.1*0.5
		want := d * d
		if dt == tensor.Float32 {
			want = float64(float32(d) * float32(d))
		}
		if got := w.values()[0]; got != want {
			t.Errorf("%v: weight %v, want %v (decayed twice)", dt, got, want)
		}
		if b.values()[0] != 1 || g.values()[0] != 1 {
			t.Errorf("%v: bias %v, norm %v: want 1 (not decayed)", dt, b.values()[0], g.values()[0])
		}
	}
	s, err := Parse("groups(sgd(lr=0.1),dense0=sgd(lr=0.01),biases=sgd(lr=0.2))")
	if err != nil {
		t.Fatal(err)
	}
	s.SetLearnRate(1)
	gs := s.(*Groups)
	if lr := []float64{gs.Default().LearnRate(), gs.Groups()[0].Solver.LearnRate(), gs.Groups()[1].Solver.LearnRate()}; lr[0] != 1 || lr[1] != 0.1 || lr[2] != 2 {
		t.Errorf("SetLearnRate(1): rates %v, want [1 0.1 2]", lr)
	}
	// The first group in the order written wins: dense0.b goes to dense0.
	p, q := newParam("dense0.b", tensor.Float64, []int{1}, 1), newParam("dense1.b", tensor.Float64, []int{1}, 1)
	p.setGrad([]float64{1})
	q.setGrad([]float64{1})
	if err := s.Step(valueGrads(p, q)); err != nil {
		t.Fatal(err)
	}
	if p.values()[0] != 1-0.1 || q.values()[0] != 1-2 {
		t.Errorf("dense0.b = %v (want 0.9, group dense0), dense1.b = %v (want -1, group biases)", p.values()[0], q.values()[0])
	}
	for _, bad := range []string{"groups", "groups(biases=adam)", "groups(adam,biases=1)", "groups(adam,default=sgd)",
		"groups(adam,biases=foo)", "groups(lr=1,adam)", "groups(adam,x=sgd(lr=-1))"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q): no error", bad)
		}
	}
}

// TestRouter: the routing that Groups uses and Muon can (2-D weights to
// one solver, the rest to another), with no allocation in steady state.
func TestRouter(t *testing.T) {
	r := NewRouter(2, func(name string, role Role, shape tensor.Shape) int {
		if role == RoleWeight && len(shape) == 2 {
			return 0
		}
		return 1
	})
	w, b, g := newParam("W", tensor.Float32, []int{2, 3}), newParam("b", tensor.Float32, []int{3}), newParam("g", tensor.Float32, []int{2, 3})
	r.SetRoles(map[string]Role{"g": RoleNorm})
	model := valueGrads(w, b, g)
	parts, err := r.Split(model)
	if err != nil {
		t.Fatal(err)
	}
	if len(parts[0]) != 1 || parts[0][0] != model[0] || len(parts[1]) != 2 {
		t.Errorf("parts %v", parts)
	}
	if n := testing.AllocsPerRun(10, func() { _, _ = r.Split(model) }); n != 0 {
		t.Errorf("Split allocates %v times", n)
	}
	if _, err := r.Split(append(valueGrads(w), nil)); err == nil {
		t.Error("nil parameter: no error")
	}
}

// TestMask: ParseMask and String.
func TestMask(t *testing.T) {
	for _, tc := range [][2]string{{"weights", "weights"}, {"norms,biases", "[biases,norms]"}, {"all", "all"}, {"dense0,weights,dense0", "[weights,dense0]"}} {
		m, err := ParseMask(strings.Split(tc[0], ",")...)
		if err != nil || m.String() != tc[1] {
			t.Errorf("ParseMask(%s) = %v, %v; want %s", tc[0], m, err, tc[1])
		}
	}
	if _, err := ParseMask("dense0.W"); err == nil {
		t.Error("ParseMask(dense0.W): no error")
	}
	if m, _ := ParseMask("dense0"); !m.Selects("dense0.W", RoleWeight) || m.Selects("dense01.W", RoleWeight) || !m.Selects("dense0", RoleBias) {
		t.Error("layer name mask: dense0 must select dense0.W and dense0, not dense01.W")
	}
}

// TestSetHyper: the schedulable keys, their ranges, the effect of a value
// set, and no allocation per call (the Trainer calls it every step).
func TestSetHyper(t *testing.T) {
	for _, tc := range []struct {
		spec string
		keys []string
	}{
		{"sgd(momentum=0.9,nesterov=true)", []string{"weight_decay", "momentum"}}, {"sgd", []string{"weight_decay"}},
		{"momentum", []string{"beta"}}, {"rmsprop", []string{"momentum", "weight_decay"}},
		{"adagrad", []string{"weight_decay"}}, {"adadelta", []string{"weight_decay"}},
		{"adam", []string{"beta1", "weight_decay"}}, {"adamw", []string{"beta1", "weight_decay"}},
		{"adamax", []string{"beta1", "weight_decay"}}, {"nadam", []string{"beta1", "weight_decay"}},
		{"radam", []string{"beta1", "weight_decay"}}, {"lion", []string{"beta1", "weight_decay"}},
		{"adabelief", []string{"beta1", "weight_decay"}}, {"lamb", []string{"beta1", "weight_decay"}},
		{"lookahead(adam)", []string{"beta1", "weight_decay"}}, {"cautious(adam)", []string{"beta1", "weight_decay"}},
		{"ema(adam)", []string{"beta1", "weight_decay"}}, {"chain(adam)", []string{"beta1", "weight_decay"}},
		{"groups(adam,biases=adamw)", []string{"beta1", "weight_decay"}},
	} {
		s, err := Parse(tc.spec)
		if err != nil {
			t.Fatal(err)
		}
		h, ok := s.(Hyperparams)
		if !ok {
			t.Errorf("%s is not a Hyperparams", tc.spec)
			continue
		}
		if got := h.HyperKeys(); !slicesEqual(got, tc.keys) {
			t.Errorf("%s: HyperKeys %v, want %v", tc.spec, got, tc.keys)
		}
		for _, key := range tc.keys {
			if err := h.SetHyper(key, 0.5); err != nil {
				t.Errorf("%s: SetHyper(%s, 0.5): %v", tc.spec, key, err)
			}
			if n := testing.AllocsPerRun(10, func() { _ = h.SetHyper(key, 0.5) }); n != 0 {
				t.Errorf("%s: SetHyper(%s) allocates %v times", tc.spec, key, n)
			}
			if key != "weight_decay" {
				if err := h.SetHyper(key, 1); err == nil || !strings.Contains(err.Error(), key+"=1: must be in [0, 1)") {
					t.Errorf("%s: SetHyper(%s, 1): %v", tc.spec, key, err)
				}
			} else if err := h.SetHyper(key, -1); err == nil || !strings.Contains(err.Error(), "weight_decay=-1: must be >= 0") {
				t.Errorf("%s: SetHyper(weight_decay, -1): %v", tc.spec, err)
			}
		}
		if err := h.SetHyper("zzz", 0.5); err == nil {
			t.Errorf("%s: SetHyper(zzz): no error", tc.spec)
		}
	}
	if err := mustParse(t, "sgd").(Hyperparams).SetHyper("momentum", 0.9); err == nil || !strings.Contains(err.Error(), "built with momentum=0") {
		t.Errorf("sgd without momentum: SetHyper(momentum): %v", err)
	}
	if err := mustParse(t, "sgd(momentum=0.9,nesterov=true)").(Hyperparams).SetHyper("momentum", 0); err == nil {
		t.Error("nesterov sgd: SetHyper(momentum, 0): no error")
	}
	// The value takes effect: adam with beta1 set to 0 from the first
	// step is adam(beta1=0), bit for bit; groups scale weight decay like
	// the learning rate, a group built without decay keeping none.
	a, b := mustParse(t, "adam(lr=0.1)"), mustParse(t, "adam(lr=0.1,beta1=0)")
	if err := a.(Hyperparams).SetHyper("beta1", 0); err != nil {
		t.Fatal(err)
	}
	pa, pb := newParam("w", tensor.Float32, []int{3}, 1, -2, 3), newParam("w", tensor.Float32, []int{3}, 1, -2, 3)
	for range 3 {
		pa.setGrad(quadGrad(pa.values()))
		pb.setGrad(quadGrad(pb.values()))
		if err := a.Step(valueGrads(pa)); err != nil {
			t.Fatal(err)
		}
		if err := b.Step(valueGrads(pb)); err != nil {
			t.Fatal(err)
		}
	}
	compareAbs(t, "adam with beta1 set to 0", pa.values(), pb.values(), 0)
	g := mustParse(t, "groups(adamw(weight_decay=0.1),biases=adamw(weight_decay=0),norms=adamw(weight_decay=0.05))").(*Groups)
	if err := g.SetHyper("weight_decay", 0.2); err != nil {
		t.Fatal(err)
	}
	if wd := []float64{weightDecayOf(g.Default()), weightDecayOf(g.Groups()[0].Solver), weightDecayOf(g.Groups()[1].Solver)}; wd[0] != 0.2 || wd[1] != 0 || wd[2] != 0.1 {
		t.Errorf("groups SetHyper(weight_decay, 0.2): %v, want [0.2 0 0.1]", wd)
	}
}

func mustParse(t *testing.T, spec string) Solver {
	t.Helper()
	s, err := Parse(spec)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func slicesEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestCautiousAllAgree: where every element agrees (Lion's first step
// moves by -lr·sign(g)), cautious changes nothing, bit for bit; the
// agreement of u = -0.01 with g = 1e-44, whose product underflows to 0 in
// float32, counts.
func TestCautiousAllAgree(t *testing.T) {
	for _, dt := range bothDtypes {
		a, b := mustParse(t, "cautious(lion(lr=0.01))"), mustParse(t, "lion(lr=0.01)")
		pa, pb := newParam("w", dt, []int{3}, 1, -2, 3), newParam("w", dt, []int{3}, 1, -2, 3)
		pa.setGrad([]float64{1e-44, -1e-44, 2}) // 1e-44: a float32 subnormal
		pb.setGrad([]float64{1e-44, -1e-44, 2})
		if err := a.Step(valueGrads(pa)); err != nil {
			t.Fatal(err)
		}
		if err := b.Step(valueGrads(pb)); err != nil {
			t.Fatal(err)
		}
		compareAbs(t, "cautious(lion) first step "+dt.String(), pa.values(), pb.values(), 0)
	}
}
