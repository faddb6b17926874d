package layers_test

import (
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/convergo/convergo/layers"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// goldens is layers/testdata/goldens.json, written by
// layers/testdata/gen_goldens.py from PyTorch 1.13 in float64.
type goldens struct {
	Cases struct {
		Conv []struct {
			Name                    string
			In, Kernel, Stride, Out []int
			Padding                 []int
			Filters                 int
			X, W, B, Y              []float64
		}
		Pool []struct {
			Name                    string
			Max                     bool
			In, Out                 []int
			Kernel, Stride, Padding int
			X, Y                    []float64
		}
		Batchnorm []struct {
			Name                   string
			In                     []int
			Momentum, Eps          float64
			Gamma, Beta            []float64
			X1, Y1, X2, Y2, X3, Y3 []float64
			RunningMean            []float64 `json:"running_mean"`
			RunningVar             []float64 `json:"running_var"`
		}
		Activation []struct {
			Name string
			In   []int
			X, Y []float64
		}
	}
}

func loadGoldens(t *testing.T) *goldens {
	t.Helper()
	data, err := os.ReadFile("testdata/goldens.json")
	if err != nil {
		t.Fatal(err)
	}
	var g goldens
	if err := json.Unmarshal(data, &g); err != nil {
		t.Fatal(err)
	}
	return &g
}

// goldenTol is the tolerance of a float64 forward value against torch's:
// both compute in float64, in different summation orders, on values of
// order 1–10, so 1e-10 relative (with an absolute floor of 1e-10).
const goldenTol = 1e-10

func closeTo(t *testing.T, what string, got, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		if d := math.Abs(got[i] - want[i]); d > goldenTol*math.Max(1, math.Abs(want[i])) || math.IsNaN(got[i]) {
			t.Fatalf("%s[%d] = %.15g, torch %.15g", what, i, got[i], want[i])
		}
	}
}

// forward builds l into a fresh float64 graph on an input of the given
// shape and values, sets the named store tensors, runs it, and returns the
// output shape and values.
func forward(t *testing.T, l layers.Layer, shape []int, x []float64, set map[string][]float64) (tensor.Shape, []float64) {
	t.Helper()
	g := gorgonia.NewGraph()
	store, _ := layers.NewStore(1, tensor.Float64)
	b := layers.NewBuilder(g, store, true)
	xt := tensor.New(tensor.WithShape(shape...), tensor.WithBacking(append([]float64(nil), x...)))
	xn := gorgonia.NewTensor(g, tensor.Float64, len(shape), gorgonia.WithShape(shape...), gorgonia.WithName("x"), gorgonia.WithValue(xt))
	y, err := l.Build(b, xn)
	if err != nil {
		t.Fatal(err)
	}
	for name, vals := range set {
		copy(store.Tensor(name).Data().([]float64), vals)
	}
	vm := gorgonia.NewTapeMachine(g)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	return y.Shape(), y.Value().Data().([]float64)
}

func TestConvGolden(t *testing.T) {
	for _, c := range loadGoldens(t).Cases.Conv {
		t.Run(c.Name, func(t *testing.T) {
			l := &layers.Conv2DLayer{Filters: c.Filters, Kernel: [2]int{c.Kernel[0], c.Kernel[1]},
				Stride: [2]int{c.Stride[0], c.Stride[1]}, Padding: [2]int{c.Padding[0], c.Padding[1]}, NoBias: c.B == nil}
			set := map[string][]float64{"conv0.W": c.W}
			if c.B != nil {
				set["conv0.b"] = c.B
			}
			shape, y := forward(t, l, c.In, c.X, set)
			if !shape.Eq(tensor.Shape(c.Out)) {
				t.Fatalf("output shape %v, torch %v", shape, c.Out)
			}
			closeTo(t, "y", y, c.Y)
		})
	}
}

func TestPoolGolden(t *testing.T) {
	for _, c := range loadGoldens(t).Cases.Pool {
		t.Run(c.Name, func(t *testing.T) {
			l := &layers.Pool2DLayer{Max: c.Max, Kernel: [2]int{c.Kernel, c.Kernel}, Stride: [2]int{c.Stride, c.Stride}, Padding: [2]int{c.Padding, c.Padding}}
			shape, y := forward(t, l, c.In, c.X, nil)
			if !shape.Eq(tensor.Shape(c.Out)) {
				t.Fatalf("output shape %v, torch %v", shape, c.Out)
			}
			closeTo(t, "y", y, c.Y)
		})
	}
}

func TestActivationGolden(t *testing.T) {
	ls := map[string]layers.Layer{
		"gelu": layers.GELU(), "leakyrelu0.01": layers.LeakyReLU(0.01), "leakyrelu0.2": layers.LeakyReLU(0.2),
		"softmax": layers.Softmax(), "logsoftmax": layers.LogSoftmax(),
		"sigmoid": layers.Sigmoid(), "tanh": layers.Tanh(),
	}
	for _, c := range loadGoldens(t).Cases.Activation {
		t.Run(c.Name, func(t *testing.T) {
			_, y := forward(t, ls[c.Name], c.In, c.X, nil)
			closeTo(t, "y", y, c.Y)
		})
	}
}

// TestBatchNormGolden runs two training forward passes (batch statistics;
// the running statistics updated with torch's momentum convention and the
// unbiased variance) and one evaluation pass (running statistics) and
// compares all of it with torch's nn.BatchNorm1d/2d.
func TestBatchNormGolden(t *testing.T) {
	for _, c := range loadGoldens(t).Cases.Batchnorm {
		t.Run(c.Name, func(t *testing.T) {
			store, _ := layers.NewStore(1, tensor.Float64)
			l := &layers.BatchNormLayer{Momentum: c.Momentum, Eps: c.Eps}
			type half struct {
				x  *tensor.Dense
				y  *gorgonia.Node
				vm gorgonia.VM
			}
			build := func(training bool) half {
				g := gorgonia.NewGraph()
				b := layers.NewBuilder(g, store, training)
				xt := tensor.New(tensor.Of(tensor.Float64), tensor.WithShape(c.In...))
				xn := gorgonia.NewTensor(g, tensor.Float64, len(c.In), gorgonia.WithShape(c.In...), gorgonia.WithName("x"), gorgonia.WithValue(xt))
				y, err := l.Build(b, xn)
				if err != nil {
					t.Fatal(err)
				}
				if training && len(b.Params()) != 2 {
					t.Fatalf("%d parameters, want 2 (γ, β; the running statistics are buffers)", len(b.Params()))
				}
				return half{xt, y, gorgonia.NewTapeMachine(g)}
			}
			tr, ev := build(true), build(false)
			defer tr.vm.Close()
			defer ev.vm.Close()
			copy(store.Tensor("batchnorm0.gamma").Data().([]float64), c.Gamma)
			copy(store.Tensor("batchnorm0.beta").Data().([]float64), c.Beta)
			run := func(h half, x []float64) []float64 {
				copy(h.x.Data().([]float64), x)
				h.vm.Reset()
				if err := h.vm.RunAll(); err != nil {
					t.Fatal(err)
				}
				return h.y.Value().Data().([]float64)
			}
			closeTo(t, "train y1", run(tr, c.X1), c.Y1)
			closeTo(t, "train y2", run(tr, c.X2), c.Y2)
			closeTo(t, "running_mean", store.Tensor("batchnorm0.running_mean").Data().([]float64), c.RunningMean)
			closeTo(t, "running_var", store.Tensor("batchnorm0.running_var").Data().([]float64), c.RunningVar)
			closeTo(t, "eval y3", run(ev, c.X3), c.Y3)
			if !store.IsBuffer("batchnorm0.running_mean") || store.IsBuffer("batchnorm0.gamma") {
				t.Error("IsBuffer wrong")
			}
		})
	}
}
