package solvers

import (
	"bytes"
	"encoding/gob"
	"encoding/json"
	"strings"
	"testing"

	"gorgonia.org/tensor"
)

// resumeSpecs exercise every solver with the keys that add state.
var resumeSpecs = []string{
	"sgd(lr=0.01,momentum=0.9,nesterov=true,clip_norm=1)", "momentum", "adagrad(initial_accumulator_value=0.1)",
	"rmsprop(momentum=0.5,centered=true)", "adadelta", "adam(amsgrad=true)", "adamw", "adamax", "nadam", "radam",
	"lion(weight_decay=0.1)", "adabelief", "lamb(weight_decay=0.01)", "sfadamw(warmup=2)",
	"lookahead(k=3,alpha=0.5,sfadamw(warmup=2))",
}

// TestStateResume: N steps, save (through gob and JSON), restore into a
// fresh solver on fresh parameters, M more steps == N+M steps, bit for bit.
func TestStateResume(t *testing.T) {
	checkCovers(t, "resumeSpecs", resumeSpecs)
	const n, m = 4, 5 // 4+5 crosses lookahead's k=3 syncs and sfadamw's warmup
	for _, spec := range resumeSpecs {
		for _, enc := range []string{"gob", "json"} {
			t.Run(spec+"/"+enc, func(t *testing.T) {
				mk := func() []*testParam {
					return []*testParam{
						newParam("W", tensor.Float32, []int{2, 3}, 1, -2, 0.5, 0.25, 3, -1),
						newParam("b", tensor.Float64, []int{3}, 0.1, 0, -0.3),
						newParam("s", tensor.Float64, nil, 2),
					}
				}
				steps := func(s Solver, ps []*testParam, k int) {
					for range k {
						for _, p := range ps {
							// ∇ of Σ ½(i%3+1)θᵢ² + θᵢ/2: arbitrary, elementwise distinct
							g := p.values()
							for i := range g {
								g[i] = float64(i%3+1)*g[i] + 0.5
							}
							p.setGrad(g)
						}
						if err := s.Step(valueGrads(ps...)); err != nil {
							t.Fatal(err)
						}
					}
				}
				// Reference: n+m steps in one go.
				ref, _ := Parse(spec)
				refPs := mk()
				steps(ref, refPs, n+m)

				s1, _ := Parse(spec)
				ps1 := mk()
				steps(s1, ps1, n)
				st, err := s1.(Stater).State()
				if err != nil {
					t.Fatal(err)
				}
				var restored State
				switch enc {
				case "gob":
					var buf bytes.Buffer
					if err := gob.NewEncoder(&buf).Encode(st); err != nil {
						t.Fatal(err)
					}
					if err := gob.NewDecoder(&buf).Decode(&restored); err != nil {
						t.Fatal(err)
					}
				case "json":
					data, err := json.Marshal(st)
					if err != nil {
						t.Fatal(err)
					}
					if err := json.Unmarshal(data, &restored); err != nil {
						t.Fatal(err)
					}
				}
				// Fresh solver, fresh parameters holding the saved values.
				s2, _ := Parse(spec)
				if err := s2.(Stater).SetState(&restored); err != nil {
					t.Fatal(err)
				}
				ps2 := mk()
				for i := range ps2 {
					ps2[i].set(ps1[i].values())
				}
				steps(s2, ps2, m)
				for i := range ps2 {
					got, want := ps2[i].values(), refPs[i].values()
					for j := range want {
						if got[j] != want[j] {
							t.Fatalf("%s[%d] = %.17g after resume, %.17g without", ps2[i].name, j, got[j], want[j])
						}
					}
				}
			})
		}
	}
}

func TestStateErrors(t *testing.T) {
	s, _ := Parse("adam")
	a := newParam("w", tensor.Float64, []int{2}, 1, 2)
	b := newParam("w", tensor.Float64, []int{2}, 1, 2) // same name
	if err := s.Step(valueGrads(a, b)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.(Stater).State(); err == nil || !strings.Contains(err.Error(), `two parameters are named "w"`) {
		t.Errorf("State with duplicate names: %v", err)
	}
	st := &State{Solver: "sgd"}
	if err := s.(Stater).SetState(st); err == nil || !strings.Contains(err.Error(), `from solver "sgd"`) {
		t.Errorf("SetState from another solver: %v", err)
	}
	// A saved shape that does not match the parameter is an error at Step.
	s1, _ := Parse("adam")
	p := newParam("w", tensor.Float64, []int{2}, 1, 2)
	if err := s1.Step(valueGrads(p)); err != nil {
		t.Fatal(err)
	}
	saved, _ := s1.(Stater).State()
	s2, _ := Parse("adam")
	if err := s2.(Stater).SetState(saved); err != nil {
		t.Fatal(err)
	}
	q := newParam("w", tensor.Float64, []int{3}, 1, 2, 3)
	if err := s2.Step(valueGrads(q)); err == nil || !strings.Contains(err.Error(), "saved state is float64 [2]") {
		t.Errorf("Step with a mismatched saved state: %v", err)
	}
}
