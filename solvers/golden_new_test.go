package solvers

import (
	"encoding/json"
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"gorgonia.org/tensor"
)

// This file: the solvers of issue 13 (and sfadamw after its fidelity fix)
// against testdata/new_goldens.json, written by testdata/gen_new_goldens.py
// from float64/float32 torch ports of their references (PyTorch 1.13 has
// none of them; the script names each reference's file and revision).

// newGoldens is testdata/new_goldens.json: goldens' schema, with the
// problem tall added.
type newGoldens struct {
	goldens
	Problems struct {
		Tall struct {
			A, Y, W0 [][]float64
			T0       [][][]float64
		}
	}
}

func loadNewGoldens(t *testing.T) *newGoldens {
	t.Helper()
	data, err := os.ReadFile("testdata/new_goldens.json")
	if err != nil {
		t.Fatal(err)
	}
	var g newGoldens
	if err := json.Unmarshal(data, &g.goldens); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &g); err != nil {
		t.Fatal(err)
	}
	return &g
}

// tall: W 4×2 (more rows than columns) with f = 1/(2N) Σ_n |W a_n - y_n|²,
// and T 2×2×3 with f = Σ_k ½c_k T_k² + d_k T_k, c_k = 0.5(k%3+1),
// d_k = 0.1((k%4)-1.5): the formulas of gen_new_goldens.py.
func tall(g *newGoldens, dt tensor.Dtype) problem {
	tp := g.Problems.Tall
	W := newParam("W", dt, []int{len(tp.W0), len(tp.W0[0])}, slices.Concat(tp.W0...)...)
	var t0 []float64
	for _, m := range tp.T0 {
		t0 = append(t0, slices.Concat(m...)...)
	}
	T := newParam("T", dt, []int{len(tp.T0), len(tp.T0[0]), len(tp.T0[0][0])}, t0...)
	pr := problem{params: []*testParam{W, T}}
	if dt == tensor.Float32 {
		A, Y := conv[float32](tp.A), conv[float32](tp.Y)
		pr.grad = func() {
			tallGrad(A, Y, W.v.Float32s(), W.g.Float32s())
			quadTGrad(T.v.Float32s(), T.g.Float32s())
		}
	} else {
		A, Y := conv[float64](tp.A), conv[float64](tp.Y)
		pr.grad = func() {
			tallGrad(A, Y, W.v.Float64s(), W.g.Float64s())
			quadTGrad(T.v.Float64s(), T.g.Float64s())
		}
	}
	return pr
}

// tallGrad: R = A Wᵀ - Y, df/dW = Rᵀ A / N.
func tallGrad[T float](A, Y [][]T, w, gw []T) {
	out, in, n := len(Y[0]), len(A[0]), T(len(A))
	clear(gw)
	for k, a := range A {
		for i := range out {
			r := -Y[k][i]
			for j := range in {
				r += a[j] * w[i*in+j]
			}
			for j := range in {
				gw[i*in+j] += r * a[j]
			}
		}
	}
	for i := range gw {
		gw[i] /= n
	}
}

func quadTGrad[T float](w, g []T) {
	for k := range w {
		c, d := T(0.5*float64(k%3+1)), T(0.1*(float64(k%4)-1.5))
		g[k] = c*w[k] + d
	}
}

// Tolerances against the ports, per element: |got-want| <= rel·|want| + abs.
const (
	// float64: the same IEEE double operations up to reassociation (sums
	// accumulated in float64 in Go's order, torch's vectorised reductions,
	// rsqrt against 1/√). Measured worst over all cases (go test -v
	// -run TestNewGoldenTrajectories logs it per solver): 9.5e-13
	// (ademamix), muon 2.8e-13, prodigy 4.9e-13, sfadamw 7.8e-13.
	newTolRel64, newTolAbs64 = 1e-9, 1e-12
	// float32: torch's float32 kernels round differently (vectorised
	// reductions, FMA; Go's float64 sums of norms and dot products), a few
	// ulps per step that the trajectory accumulates. Measured worst:
	// 7.3e-5 (ademamix), prodigy 8.9e-5, muon 2.6e-5, the others below
	// 1.6e-5. (Sign-like steps near an optimum amplify such differences
	// chaotically: see the note on CASES in gen_new_goldens.py.)
	newTolRel32, newTolAbs32 = 5e-4, 1e-6
)

func TestNewGoldenTrajectories(t *testing.T) {
	g := loadNewGoldens(t)
	if g.Steps < 100 {
		t.Fatalf("goldens have %d steps, want >= 100", g.Steps)
	}
	worstBy := map[string]float64{}
	for _, c := range g.Cases {
		name, _, _ := strings.Cut(c.Spec, "(")
		t.Run(c.Problem+"/"+c.Dtype+"/"+c.Spec, func(t *testing.T) {
			s, err := Parse(c.Spec)
			if err != nil {
				t.Fatal(err)
			}
			dt := tensor.Float64
			rel, abs := newTolRel64, newTolAbs64
			if c.Dtype == "float32" {
				dt, rel, abs = tensor.Float32, newTolRel32, newTolAbs32
			}
			var pr problem
			switch c.Problem {
			case "rosenbrock":
				pr = rosenbrock(&g.goldens, dt)
			case "linreg":
				pr = linreg(&g.goldens, dt)
			default:
				pr = tall(g, dt)
			}
			vgs := valueGrads(pr.params...)
			worst := 0.0
			for step, want := range c.Traj {
				pr.grad()
				if err := s.Step(vgs); err != nil {
					t.Fatal(err)
				}
				var got []float64
				for _, p := range pr.params {
					got = append(got, p.values()...)
				}
				for i := range want {
					d := math.Abs(got[i] - want[i])
					if d > rel*math.Abs(want[i])+abs {
						t.Fatalf("step %d: element %d = %.17g, reference %.17g (|diff| %.3g)", step+1, i, got[i], want[i], d)
					}
					worst = max(worst, d/(math.Abs(want[i])+abs/rel))
				}
			}
			key := name + "/" + c.Dtype
			worstBy[key] = max(worstBy[key], worst)
			t.Logf("worst relative difference %.3g", worst)
		})
	}
	for _, k := range sortedKeys(worstBy) {
		t.Logf("%-18s worst relative difference %.3g", k, worstBy[k])
	}
}
