package solvers

import (
	"math"
	"testing"

	"gorgonia.org/tensor"
)

// TestMuonOrientation: a Dense weight stored (in, out) = Wᵀ, described as
// such, takes the transpose of the step of the raw matrix W (out, in) —
// torch's nn.Linear weight, checked against the reference by the goldens
// — lr scale √max(1, out/in) included; undescribed, Wᵀ is a matrix as it
// is (scale 1). A conv kernel counts as (out, in·kh·kw), and the output
// layer, biases and undescribed non-matrices go to the inner solver.
func TestMuonOrientation(t *testing.T) {
	const out, in = 4, 2 // more rows than columns: scale √2
	w := []float64{0.3, -0.1, 0.2, 0.4, -0.5, 0.1, 0.05, -0.3}
	g := []float64{0.5, 1, -0.25, 0.75, 2, -1, 0.1, 0.3}
	tr := func(x []float64) []float64 { // (out, in) → (in, out)
		y := make([]float64, len(x))
		for i := range out {
			for j := range in {
				y[j*out+i] = x[i*in+j]
			}
		}
		return y
	}
	step := func(info map[string]ParamInfo, shape []int, w0, g0 []float64) []float64 {
		s, err := Parse("muon(lr=0.1)")
		if err != nil {
			t.Fatal(err)
		}
		if info != nil {
			s.(ParamDescriber).DescribeParams(info)
		}
		p := newParam("dense0.W", tensor.Float64, shape, w0...)
		for range 3 {
			p.setGrad(g0)
			if err := s.Step(valueGrads(p)); err != nil {
				t.Fatal(err)
			}
		}
		return p.values()
	}
	raw := step(nil, []int{out, in}, w, g)
	dense := step(map[string]ParamInfo{"dense0.W": {Layer: "dense", Role: "weight"}}, []int{in, out}, tr(w), tr(g))
	asIs := step(nil, []int{in, out}, tr(w), tr(g))
	var moved bool
	for i, want := range tr(raw) {
		if math.Abs(dense[i]-want) > 1e-12 {
			t.Fatalf("Dense weight: element %d = %v, want %v (the raw matrix's step, transposed)", i, dense[i], want)
		}
		moved = moved || math.Abs(asIs[i]-want) > 1e-6
	}
	if !moved {
		t.Error("an undescribed (in, out) matrix took the Dense step: the lr scale should differ")
	}

	s, _ := Parse("muon")
	s.(ParamDescriber).DescribeParams(map[string]ParamInfo{
		"conv0.W":  {Layer: "conv", Role: "weight"},
		"conv0.b":  {Layer: "conv", Role: "bias"},
		"dense1.W": {Layer: "dense", Role: "weight", Output: true},
		"bn0.g":    {Layer: "batchnorm", Role: "bias"},
	})
	ps := []*testParam{newParam("conv0.W", tensor.Float32, []int{3, 2, 2, 2}), newParam("conv0.b", tensor.Float32, []int{3}),
		newParam("dense1.W", tensor.Float32, []int{5, 2}), newParam("bn0.g", tensor.Float32, []int{3}),
		newParam("raw", tensor.Float32, []int{2, 3}), newParam("v", tensor.Float32, []int{3})}
	for _, p := range ps {
		p.setGrad(make([]float64, len(p.values())))
	}
	if err := s.Step(valueGrads(ps...)); err != nil {
		t.Fatal(err)
	}
	st, err := s.(Stater).State()
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string][2]float64{"conv0.W": {3, 8}, "raw": {2, 3}, "conv0.b": {}, "dense1.W": {}, "bn0.g": {}, "v": {}} {
		ps := st.Params[name]
		if got := [2]float64{ps.Scalars["rows"], ps.Scalars["cols"]}; got != want {
			t.Errorf("%s: rows, cols = %v, want %v (0, 0: the inner solver's)", name, got, want)
		}
		if inner := st.Inner.Params[name] != nil; inner != (want[0] == 0) {
			t.Errorf("%s: in the inner solver's state: %v", name, inner)
		}
	}
}

// TestMuonInnerLearnRate: a schedule's rate reaches the inner solver
// scaled by its ratio to Muon's (see Muon).
func TestMuonInnerLearnRate(t *testing.T) {
	s, err := Parse("muon(lr=0.02,adamw(lr=3e-4))")
	if err != nil {
		t.Fatal(err)
	}
	s.SetLearnRate(0.01)
	if got := s.(*Muon).Inner().LearnRate(); math.Abs(got-1.5e-4) > 1e-18 {
		t.Errorf("inner lr = %v after SetLearnRate(0.01), want 1.5e-4", got)
	}
	if s.LearnRate() != 0.01 {
		t.Errorf("lr = %v", s.LearnRate())
	}
}
