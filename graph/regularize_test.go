package graph

import (
	"math"
	"strings"
	"testing"

	"github.com/convergo/convergo/internal/gradcheck"
	"github.com/convergo/convergo/layers"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestPenaltyValueAndGradient checks each penalty's value against its
// formula and its gradient against finite differences (relative error ≤
// 1e-6), on the parameters of a small float64 network.
func TestPenaltyValueAndGradient(t *testing.T) {
	const l1, l2 = 0.03, 0.2
	tests := []struct {
		name string
		pen  Penalty
		// want computes the expected value from the parameters by role.
		want func(w, b []float64) float64
	}{
		{"l1-weights", L1(l1, nil), func(w, b []float64) float64 { return l1 * sumAbs(w) }},
		{"l2-weights", L2(l2, nil), func(w, b []float64) float64 { return l2 / 2 * sumSq(w) }},
		{"l2-all", L2(l2, AllParams), func(w, b []float64) float64 { return l2 / 2 * (sumSq(w) + sumSq(b)) }},
		{"elastic", ElasticNet(l1, l2, nil), func(w, b []float64) float64 { return l1*sumAbs(w) + l2/2*sumSq(w) }},
		{"elastic-all", ElasticNet(l1, l2, AllParams), func(w, b []float64) float64 {
			return l1*(sumAbs(w)+sumAbs(b)) + l2/2*(sumSq(w)+sumSq(b))
		}},
	}
	net := layers.Stack(layers.Dense(4).WithInit(layers.GlorotUniform, layers.TorchDefault), layers.Tanh(),
		layers.Dense(3).WithInit(layers.GlorotUniform, layers.TorchDefault))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var w, bias []float64
			res, err := gradcheck.Check(func(g *gorgonia.ExprGraph) (*gorgonia.Node, []*gorgonia.Node, error) {
				store, _ := layers.NewStore(4, tensor.Float64)
				b := layers.NewBuilder(g, store, true)
				x := gorgonia.NewMatrix(g, tensor.Float64, gorgonia.WithShape(2, 5), gorgonia.WithName("x"),
					gorgonia.WithValue(tensor.New(tensor.WithShape(2, 5), tensor.WithBacking(randVals(1, 10, 1)))))
				if _, err := net.Build(b, x); err != nil {
					return nil, nil, err
				}
				for _, p := range b.Params() {
					d := p.Value().Data().([]float64)
					if b.ParamRole(p) == layers.Weight {
						w = append(w, d...)
					} else {
						bias = append(bias, d...)
					}
				}
				pen, err := tt.pen(b, b.Params())
				// Differentiate with respect to the penalised parameters.
				var wrt []*gorgonia.Node
				for _, p := range b.Params() {
					if strings.HasSuffix(tt.name, "-all") || b.ParamRole(p) == layers.Weight {
						wrt = append(wrt, p)
					}
				}
				return pen, wrt, err
			}, gradcheck.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if res.MaxErr > 1e-6 {
				t.Errorf("gradient: %v", res)
			}
			// The value, from a fresh graph with the same weights.
			g := gorgonia.NewGraph()
			store, _ := layers.NewStore(4, tensor.Float64)
			b := layers.NewBuilder(g, store, true)
			x := gorgonia.NewMatrix(g, tensor.Float64, gorgonia.WithShape(2, 5), gorgonia.WithName("x"))
			if _, err := net.Build(b, x); err != nil {
				t.Fatal(err)
			}
			pen, err := tt.pen(b, b.Params())
			if err != nil {
				t.Fatal(err)
			}
			vm := gorgonia.NewTapeMachine(g)
			defer vm.Close()
			if err := gorgonia.Let(x, tensor.New(tensor.WithShape(2, 5), tensor.WithBacking(make([]float64, 10)))); err != nil {
				t.Fatal(err)
			}
			if err := vm.RunAll(); err != nil {
				t.Fatal(err)
			}
			got, _ := scalarValue(pen.Value())
			want := tt.want(w, bias)
			if math.Abs(got-want) > 1e-12*math.Abs(want) {
				t.Errorf("value %v, want %v", got, want)
			}
		})
	}
}

func sumAbs(v []float64) (s float64) {
	for _, x := range v {
		s += math.Abs(x)
	}
	return s
}

func sumSq(v []float64) (s float64) {
	for _, x := range v {
		s += x * x
	}
	return s
}

func TestPenaltyErrors(t *testing.T) {
	g := gorgonia.NewGraph()
	store, _ := layers.NewStore(4, tensor.Float64)
	b := layers.NewBuilder(g, store, true)
	x := gorgonia.NewMatrix(g, tensor.Float64, gorgonia.WithShape(2, 5), gorgonia.WithName("x"))
	if _, err := layers.Dense(3).Build(b, x); err != nil {
		t.Fatal(err)
	}
	if _, err := L2(-1, nil)(b, b.Params()); err == nil {
		t.Error("L2(-1): no error")
	}
	if n, err := L1(0, nil)(b, b.Params()); n != nil || err != nil {
		t.Errorf("L1(0) = %v, %v; want no term", n, err)
	}
	none := func(*layers.Builder, *gorgonia.Node) bool { return false }
	if n, err := ElasticNet(1, 1, none)(b, b.Params()); n != nil || err != nil {
		t.Errorf("nothing selected: %v, %v; want no term", n, err)
	}
}
