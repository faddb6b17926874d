package solvers

import (
	"bytes"
	"encoding/gob"
	"encoding/json"
	"strings"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// resumeSpecs exercise every solver with the keys that add state.
var resumeSpecs = []string{
	"sgd(lr=0.01,momentum=0.9,nesterov=true,clip_norm=1)", "momentum", "adagrad(initial_accumulator_value=0.1)",
	"rmsprop(momentum=0.5,centered=true)", "adadelta", "adam(amsgrad=true)", "adamw", "adamax", "nadam", "radam",
	"lion(weight_decay=0.1)", "adabelief", "lamb(weight_decay=0.01)", "sfadamw(warmup=2)", "sfadamw(warmup=2,r=1,inner_momentum=0.9)",
	"lookahead(k=3,alpha=0.5,sfadamw(warmup=2))",
	"muon", "muon(momentum=0.9,sfadamw(warmup=2))", "adafactor(weight_decay=0.01)",
	"ademamix(beta3_warmup=3,alpha_warmup=3)", "adopt(weight_decay=0.1,decouple=true)", "sfsgd(warmup=2,r=1)",
	"prodigy", "prodigy(weight_decay=0.01,decouple=false,safeguard_warmup=true,bias_correction=true)",
	"cautious(adamw(weight_decay=0.1))", "ema(decay=0.5,warmup=true,adam)",
	"chain(clip_norm(max=1),decay(weight_decay=0.1,mask=weights),adam)",
	"groups(adam,biases=sgd(lr=0.1,momentum=0.9),W=lookahead(k=3,sfadamw(warmup=2)))",
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

// TestSetStateUnknownName: a State naming a parameter the model does not
// have is an error of the first Step after SetState, which names it; a
// State with that name removed restores the rest.
func TestSetStateUnknownName(t *testing.T) {
	for _, name := range builtinNames(t) {
		spec := name
		if name == "lookahead" {
			spec = "lookahead(k=2,adam)"
		}
		if w, ok := wrapperSpecs[name]; ok {
			spec = w
		}
		t.Run(name, func(t *testing.T) {
			s1, _ := Parse(spec)
			w := newParam("w", tensor.Float64, []int{2}, 1, 2)
			old := newParam("old", tensor.Float32, nil, 3)
			w.setGrad([]float64{0.5, -0.5})
			old.setGrad([]float64{1})
			if err := s1.Step(valueGrads(w, old)); err != nil {
				t.Fatal(err)
			}
			st, err := s1.(Stater).State()
			if err != nil {
				t.Fatal(err)
			}

			s2, _ := Parse(spec)
			if err := s2.(Stater).SetState(st); err != nil {
				t.Fatal(err)
			}
			w2 := newParam("w", tensor.Float64, []int{2}, 1, 2)
			w2.setGrad([]float64{0.5, -0.5})
			err = s2.Step(valueGrads(w2))
			if err == nil || !strings.Contains(err.Error(), `the State has parameters the model does not have: "old"`) {
				t.Fatalf("Step after SetState with an unknown name: %v", err)
			}
			if got := w2.values(); got[0] != 1 || got[1] != 2 {
				t.Errorf("the failed Step changed the parameter: %v", got)
			}
			// The documented way to restore part of a model.
			delete(st.Params, "old")
			if st.Inner != nil {
				delete(st.Inner.Params, "old")
			}
			for _, g := range st.Groups {
				delete(g.Params, "old")
			}
			s3, _ := Parse(spec)
			if err := s3.(Stater).SetState(st); err != nil {
				t.Fatal(err)
			}
			if err := s3.Step(valueGrads(w2)); err != nil {
				t.Fatalf("Step after SetState of part of a model: %v", err)
			}
			// The check is made once: later Steps may see any parameters.
			if err := s3.Step(valueGrads(newParam("new", tensor.Float64, nil, 1))); err != nil {
				t.Errorf("a later Step: %v", err)
			}
		})
	}
}

// TestUnnamedNodes: an unnamed Gorgonia node can be stepped, but State
// names its position and says how to fix it, and Step errors call it
// unnamed (Gorgonia's Name() of such a node is "%!s(<nil>)()").
func TestUnnamedNodes(t *testing.T) {
	g := gorgonia.NewGraph()
	named := gorgonia.NewVector(g, tensor.Float64, gorgonia.WithShape(2), gorgonia.WithName("w"), gorgonia.WithInit(gorgonia.Zeroes()))
	unnamed := gorgonia.NewVector(g, tensor.Float64, gorgonia.WithShape(2), gorgonia.WithInit(gorgonia.Zeroes()))
	loss := gorgonia.Must(gorgonia.Sum(gorgonia.Must(gorgonia.Add(gorgonia.Must(gorgonia.Square(named)), gorgonia.Must(gorgonia.Square(unnamed))))))
	if _, err := gorgonia.Grad(loss, named, unnamed); err != nil {
		t.Fatal(err)
	}
	vm := gorgonia.NewTapeMachine(g, gorgonia.BindDualValues(named, unnamed))
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	s, _ := Parse("adam")
	if err := s.Step(gorgonia.NodesToValueGrads(gorgonia.Nodes{named, unnamed})); err != nil {
		t.Fatal(err)
	}
	_, err := s.(Stater).State()
	if err == nil || !strings.Contains(err.Error(), "solvers: adam: State: parameter 1 has no name; name it with gorgonia.WithName") {
		t.Errorf("State with an unnamed node: %v", err)
	}
	if err != nil && strings.Contains(err.Error(), "%!") {
		t.Errorf("State error shows Gorgonia's placeholder name: %v", err)
	}
	// A Step error about an unnamed node (of another shape: Gorgonia
	// would return the same node for the same type, shape and no name).
	other := gorgonia.NewVector(g, tensor.Float64, gorgonia.WithShape(3), gorgonia.WithInit(gorgonia.Zeroes()))
	err = s.Step(gorgonia.NodesToValueGrads(gorgonia.Nodes{named, other}))
	if err == nil || !strings.Contains(err.Error(), "parameter 1 (unnamed)") {
		t.Errorf("Step error about an unnamed node: %v", err)
	}
}
