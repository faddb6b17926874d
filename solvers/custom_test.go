package solvers_test

import (
	"bytes"
	"encoding/gob"
	"math"
	"strings"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/convergo/convergo/solvers"
)

// Tests of the toolkit for custom solvers, through SignSGD of
// example_custom_test.go: a solver written as a user would.

// vec is a ValueGrad (and Namer) holding a value and a gradient tensor.
type vec struct {
	name string
	v, g *tensor.Dense
}

func (p *vec) Name() string                  { return p.name }
func (p *vec) Value() gorgonia.Value         { return p.v }
func (p *vec) Grad() (gorgonia.Value, error) { return p.g, nil }

func newVec(name string, dt tensor.Dtype, vals ...float64) *vec {
	p := &vec{name: name, v: tensor.New(tensor.WithShape(len(vals)), tensor.Of(dt)), g: tensor.New(tensor.WithShape(len(vals)), tensor.Of(dt))}
	for i, x := range vals {
		p.v.SetAt(conv(dt, x), i)
	}
	return p
}

func conv(dt tensor.Dtype, x float64) any {
	if dt == tensor.Float32 {
		return float32(x)
	}
	return x
}

func (p *vec) get(d *tensor.Dense) []float64 {
	out := make([]float64, d.Shape().TotalSize())
	for i := range out {
		x, _ := d.At(i)
		switch x := x.(type) {
		case float32:
			out[i] = float64(x)
		case float64:
			out[i] = x
		}
	}
	return out
}

// setGrad sets the gradient of Σ ½(i+1)·θᵢ² + 0.1: (i+1)θᵢ + 0.1.
func (p *vec) setGrad() {
	w := p.get(p.v)
	for i, x := range w {
		p.g.SetAt(conv(p.v.Dtype(), float64(i+1)*x+0.1), i)
	}
}

func newSign(t testing.TB, lr, beta float64) *SignSGD {
	s, err := NewSignSGD(solvers.BaseOptions{LR: lr}, beta)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var _ solvers.Stater = (*SignSGD)(nil) // from Base

// TestCustomSolverDtypes: the same rule in float32 and float64 gives the
// same trajectory (lr 0.25 and sign steps are exact in both), the one
// worked out by hand, and the gradients are zeroed.
func TestCustomSolverDtypes(t *testing.T) {
	for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
		s := newSign(t, 0.25, 0.5)
		p := newVec("w", dt, 1, -0.5, 0)
		for range 2 {
			p.setGrad()
			if err := s.Step([]gorgonia.ValueGrad{p}); err != nil {
				t.Fatal(err)
			}
			for _, g := range p.get(p.g) {
				if g != 0 {
					t.Fatalf("%v: gradient not zeroed: %v", dt, p.get(p.g))
				}
			}
		}
		// Step 1: g = (1.1, -0.9, 0.1), m = g/2: θ = (0.75, -0.25, -0.25).
		// Step 2: g = (0.85, -0.4, -0.65), m = (0.7, -0.425, -0.3): θ = (0.5, 0, 0).
		want := []float64{0.5, 0, 0}
		if got := p.get(p.v); got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
			t.Errorf("%v: after 2 steps %v, want %v", dt, got, want)
		}
	}
}

// TestCustomSolverAllocatesNothing: a user's solver on Base allocates
// nothing per Step in steady state, in both dtypes.
func TestCustomSolverAllocatesNothing(t *testing.T) {
	for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
		s, err := NewSignSGD(solvers.BaseOptions{LR: 0.1, ClipNorm: 1, ClipValue: 2}, 0.9)
		if err != nil {
			t.Fatal(err)
		}
		ps := []gorgonia.ValueGrad{newVec("a", dt, 1, 2, 3), newVec("b", dt, -1)}
		if err := s.Step(ps); err != nil { // first sight allocates the state
			t.Fatal(err)
		}
		if n := testing.AllocsPerRun(10, func() { _ = s.Step(ps) }); n != 0 {
			t.Errorf("%v: Step allocates %v times per call in steady state", dt, n)
		}
	}
}

// TestCustomSolverState: N steps, State through gob, SetState on a fresh
// solver and fresh parameters, M steps == N+M steps, bit for bit.
func TestCustomSolverState(t *testing.T) {
	mk := func() []*vec {
		return []*vec{newVec("W", tensor.Float32, 1, -2, 0.5, 0.25), newVec("b", tensor.Float64, 0.1, -0.3)}
	}
	steps := func(s *SignSGD, ps []*vec, k int) {
		for range k {
			vgs := make([]gorgonia.ValueGrad, len(ps))
			for i, p := range ps {
				p.setGrad()
				vgs[i] = p
			}
			if err := s.Step(vgs); err != nil {
				t.Fatal(err)
			}
		}
	}
	const n, m = 3, 4
	ref, refPs := newSign(t, 0.01, 0.9), mk()
	steps(ref, refPs, n+m)

	s1, ps1 := newSign(t, 0.01, 0.9), mk()
	steps(s1, ps1, n)
	st, err := s1.State()
	if err != nil {
		t.Fatal(err)
	}
	if st.Solver != "signsgd" || st.Params["W"].Step != n || len(st.Params["W"].Slots["momentum"]) != 4 {
		t.Errorf("State = %+v, want solver signsgd, W at step %d with a momentum slot of 4", st, n)
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(st); err != nil {
		t.Fatal(err)
	}
	var restored solvers.State
	if err := gob.NewDecoder(&buf).Decode(&restored); err != nil {
		t.Fatal(err)
	}
	s2, ps2 := newSign(t, 0.01, 0.9), mk()
	if err := s2.SetState(&restored); err != nil {
		t.Fatal(err)
	}
	for i := range ps2 {
		for j, x := range ps1[i].get(ps1[i].v) {
			ps2[i].v.SetAt(conv(ps2[i].v.Dtype(), x), j)
		}
	}
	steps(s2, ps2, m)
	for i := range ps2 {
		got, want := ps2[i].get(ps2[i].v), refPs[i].get(refPs[i].v)
		for j := range want {
			if math.Float64bits(got[j]) != math.Float64bits(want[j]) {
				t.Fatalf("%s[%d] = %.17g after resume, %.17g without", ps2[i].name, j, got[j], want[j])
			}
		}
	}
	// A State of another solver is refused.
	adam, _ := solvers.Parse("adam")
	if err := adam.(solvers.Stater).SetState(st); err == nil || !strings.Contains(err.Error(), `from solver "signsgd"`) {
		t.Errorf("adam.SetState(signsgd's State): %v", err)
	}
}

// TestCustomSolverParse: registered, the solver round-trips through its
// String, wraps in lookahead, and reports clipping keys.
func TestCustomSolverParse(t *testing.T) {
	if registered != nil {
		t.Fatal(registered)
	}
	for _, spec := range []string{"signsgd", "signsgd(lr=0.5,beta=0,clip_norm=1,clip_value=0.5)", "lookahead(k=2,signsgd(lr=0.1))"} {
		s, err := solvers.Parse(spec)
		if err != nil {
			t.Fatal(err)
		}
		str := s.(interface{ String() string }).String()
		again, err := solvers.Parse(str)
		if err != nil || again.(interface{ String() string }).String() != str {
			t.Errorf("Parse(%q) = %v, %v", str, again, err)
		}
	}
	if s, _ := solvers.Parse("signsgd(clip_value=0.5)"); s.(interface{ String() string }).String() != "signsgd(lr=0.01,beta=0.9,clip_value=0.5)" {
		t.Errorf("String() = %v", s)
	}
}

// TestBaseErrors: invalid NewBase arguments are errors of the first Step
// (and State, SetState), never panics; so is a Base not made by NewBase.
func TestBaseErrors(t *testing.T) {
	p := newVec("w", tensor.Float64, 1)
	for _, tt := range []struct {
		s    *SignSGD
		want string
	}{
		{&SignSGD{Base: solvers.NewBase("x", solvers.BaseOptions{LR: -1})}, "solvers: x: NewBase: lr=-1: must be >= 0"},
		{&SignSGD{Base: solvers.NewBase("x", solvers.BaseOptions{ClipNorm: math.NaN()})}, "clip_norm=NaN: must be >= 0"},
		{&SignSGD{Base: solvers.NewBase("x", solvers.BaseOptions{}, "m", "m")}, `slot="m": must be a non-empty name given once`},
		{&SignSGD{Base: solvers.NewBase("x", solvers.BaseOptions{}, "")}, `slot="": must be a non-empty name given once`},
		{&SignSGD{Base: solvers.NewBase("", solvers.BaseOptions{})}, "solvers: NewBase: empty solver name"},
		{&SignSGD{}, "solvers: a Base must be built with NewBase"},
	} {
		err := tt.s.Step([]gorgonia.ValueGrad{p})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Step error = %v, want it to contain %q", err, tt.want)
		}
	}
	// Parse reports them: signsgd's build passes lr to NewBase unchecked.
	if _, err := solvers.Parse("signsgd(lr=-1)"); err == nil || !strings.Contains(err.Error(), "solvers: signsgd: NewBase: lr=-1: must be >= 0") {
		t.Errorf("Parse(signsgd(lr=-1)): %v", err)
	}
	if _, err := solvers.Parse("lookahead(signsgd(lr=-1))"); err == nil || !strings.Contains(err.Error(), "lr=-1") {
		t.Errorf("Parse(lookahead(signsgd(lr=-1))): %v", err)
	}
	bad := &SignSGD{Base: solvers.NewBase("x", solvers.BaseOptions{LR: -1})}
	if _, err := bad.State(); err == nil {
		t.Error("State of an invalid Base: no error")
	}
	if err := bad.SetState(&solvers.State{Solver: "x"}); err == nil {
		t.Error("SetState of an invalid Base: no error")
	}
}
