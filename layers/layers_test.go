package layers_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/convergo/convergo/internal/gradcheck"
	"github.com/convergo/convergo/layers"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// randInput returns a float64 input node of the given shape filled from a
// fixed seed, N(0,1).
func randInput(g *gorgonia.ExprGraph, name string, seed uint64, shape ...int) *gorgonia.Node {
	rng := rand.New(rand.NewPCG(seed, 1))
	n := 1
	for _, d := range shape {
		n *= d
	}
	vals := make([]float64, n)
	for i := range vals {
		vals[i] = rng.NormFloat64()
	}
	t := tensor.New(tensor.WithShape(shape...), tensor.WithBacking(vals))
	return gorgonia.NewTensor(g, tensor.Float64, len(shape), gorgonia.WithShape(shape...), gorgonia.WithName(name), gorgonia.WithValue(t))
}

// weighted turns y into a scalar Σ y⊙r with a fixed random r, so that every
// output element gets a distinct weight in the gradient check.
func weighted(g *gorgonia.ExprGraph, y *gorgonia.Node) (*gorgonia.Node, error) {
	r := randInput(g, "r", 99, y.Shape()...)
	p, err := gorgonia.HadamardProd(y, r)
	if err != nil {
		return nil, err
	}
	return gorgonia.Sum(p)
}

// TestGradients compares the symbolic gradient of every layer with central
// finite differences (relative error ≤ 1e-6, see package gradcheck).
func TestGradients(t *testing.T) {
	tests := []struct {
		name  string
		layer layers.Layer
		in    []int
	}{
		{"dense", layers.Dense(3).WithInit(layers.GlorotUniform, layers.TorchDefault), []int{4, 5}},
		{"dense-nobias", &layers.DenseLayer{Units: 2, WeightInit: layers.HeNormal, NoBias: true}, []int{3, 4}},
		{"relu", layers.ReLU(), []int{3, 4}},
		{"sigmoid", layers.Sigmoid(), []int{3, 4}},
		{"tanh", layers.Tanh(), []int{3, 4}},
		{"stack", layers.Stack(layers.Dense(6), layers.Tanh(), layers.Dense(2).WithInit(layers.GlorotNormal, layers.TorchDefault), layers.Sigmoid()), []int{5, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkLayerGradient(t, tt.layer, tt.in, nil) })
	}
}

// checkLayerGradient builds layer on a seeded float64 input of shape in,
// runs its batch hooks for each of steps (dropout masks), and requires the
// gradient of a weighted sum of its output, with respect to its parameters
// and its input, to match central finite differences (relative error ≤
// 1e-6, see package gradcheck).
func checkLayerGradient(t *testing.T, layer layers.Layer, in, steps []int) {
	t.Helper()
	checkLayerGradientTol(t, layer, in, steps, 1e-6)
}

// checkLayerGradientTol is checkLayerGradient with a tolerance on the
// relative error.
func checkLayerGradientTol(t *testing.T, layer layers.Layer, in, steps []int, tol float64) {
	t.Helper()
	res, err := gradcheck.Check(func(g *gorgonia.ExprGraph) (*gorgonia.Node, []*gorgonia.Node, error) {
		store, err := layers.NewStore(7, tensor.Float64)
		if err != nil {
			return nil, nil, err
		}
		b := layers.NewBuilder(g, store, true)
		x := randInput(g, "x", 3, in...)
		y, err := layer.Build(b, x)
		if err != nil {
			return nil, nil, err
		}
		for _, s := range steps {
			for _, h := range b.Hooks() {
				if err := h(s); err != nil {
					return nil, nil, err
				}
			}
		}
		loss, err := weighted(g, y)
		return loss, append(b.Params(), x), err
	}, gradcheck.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.MaxErr > tol {
		t.Errorf("%v", res)
	}
	t.Log(res)
}

func TestDenseShapeError(t *testing.T) {
	g := gorgonia.NewGraph()
	store, _ := layers.NewStore(1, tensor.Float32)
	b := layers.NewBuilder(g, store, true)
	x := gorgonia.NewTensor(g, tensor.Float32, 3, gorgonia.WithShape(2, 3, 4), gorgonia.WithName("x"))
	_, err := layers.Dense(4).Build(b, x)
	if err == nil || !strings.Contains(err.Error(), "dense0") || !strings.Contains(err.Error(), "(2, 3, 4)") {
		t.Errorf("error = %v, want it to name the layer and the shape", err)
	}
}

// TestInitStatistics checks each initializer's range or moments against its
// formula on a large draw.
func TestInitStatistics(t *testing.T) {
	const fanIn, fanOut, n = 300, 100, 200000
	tests := []struct {
		name      string
		init      layers.Init
		bound     float64 // 0: unbounded
		wantStd   float64
		tolStdRel float64
	}{
		// U(-a,a) has std a/√3.
		{"glorot-uniform", layers.GlorotUniform, math.Sqrt(6.0 / 400), math.Sqrt(6.0/400) / math.Sqrt(3), 0.01},
		{"glorot-normal", layers.GlorotNormal, 0, math.Sqrt(2.0 / 400), 0.01},
		{"he-uniform", layers.HeUniform, math.Sqrt(6.0 / 300), math.Sqrt(6.0/300) / math.Sqrt(3), 0.01},
		{"he-normal", layers.HeNormal, 0, math.Sqrt(2.0 / 300), 0.01},
		{"torch-default", layers.TorchDefault, 1 / math.Sqrt(300), 1 / math.Sqrt(300) / math.Sqrt(3), 0.01},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vals := make([]float64, n)
			tt.init(rand.New(rand.NewPCG(1, 2)), fanIn, fanOut, vals)
			var sum, sq float64
			for _, v := range vals {
				if tt.bound > 0 && math.Abs(v) > tt.bound {
					t.Fatalf("value %v outside ±%v", v, tt.bound)
				}
				sum += v
				sq += v * v
			}
			mean := sum / n
			std := math.Sqrt(sq/n - mean*mean)
			// 5σ of the sample mean: std/√n·5.
			if math.Abs(mean) > 5*tt.wantStd/math.Sqrt(n) {
				t.Errorf("mean %v, want ≈ 0", mean)
			}
			if math.Abs(std/tt.wantStd-1) > tt.tolStdRel {
				t.Errorf("std %v, want %v", std, tt.wantStd)
			}
		})
	}
}

// TestInitReproducible checks that a parameter's initial value depends on
// the seed and its name only, and that float32 is the float64 draw rounded.
func TestInitReproducible(t *testing.T) {
	build := func(seed uint64, dt tensor.Dtype, extra bool) *layers.Store {
		g := gorgonia.NewGraph()
		store, _ := layers.NewStore(seed, dt)
		b := layers.NewBuilder(g, store, true)
		x := gorgonia.NewMatrix(g, dt, gorgonia.WithShape(2, 4), gorgonia.WithName("x"))
		net := layers.Stack(layers.Dense(3), layers.Dense(2))
		if extra {
			// A different network whose second layer has the same name.
			net = layers.Stack(layers.Dense(3), layers.Dense(2), layers.Dense(2))
		}
		if _, err := net.Build(b, x); err != nil {
			t.Fatal(err)
		}
		return store
	}
	a, b := build(5, tensor.Float64, false), build(5, tensor.Float64, true)
	c := build(6, tensor.Float64, false)
	f := build(5, tensor.Float32, false)
	w := a.Tensor("dense1.W").Data().([]float64)
	if got := b.Tensor("dense1.W").Data().([]float64); !equal(w, got) {
		t.Errorf("adding a layer changed dense1.W: %v vs %v", w, got)
	}
	if got := c.Tensor("dense1.W").Data().([]float64); equal(w, got) {
		t.Error("a different seed gave the same weights")
	}
	for i, v := range f.Tensor("dense1.W").Data().([]float32) {
		if v != float32(w[i]) {
			t.Errorf("float32 weight %d = %v, want float32(%v)", i, v, w[i])
		}
	}
}

func equal(a, b []float64) bool {
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
