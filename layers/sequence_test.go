package layers_test

import (
	"math"
	"strings"
	"testing"

	"github.com/convergo/convergo/internal/gradcheck"
	"github.com/convergo/convergo/layers"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestSequenceGradients checks the sequence layers' gradients (parameters
// and input) against central finite differences, relative error ≤ 1e-6 as
// TestGradients (see package gradcheck). Inputs are (batch·context, d)
// matrices: batch 2, context 3.
func TestSequenceGradients(t *testing.T) {
	tests := []struct {
		name  string
		layer layers.Layer
		in    []int
		tol   float64 // 0: 1e-6
	}{
		{"layernorm", layers.LayerNorm(), []int{3, 5}, 0},
		{"posembed", layers.PositionalEmbedding(3), []int{6, 4}, 0},
		{"attention", layers.CausalSelfAttention(2, 3), []int{6, 4}, 0},
		{"residual", layers.Residual(layers.Dense(4)), []int{3, 4}, 0},
		{"mlpblock", layers.MLPBlock(8), []int{3, 4}, 0},
		{"transformer-glorot", layers.Stack(
			layers.Residual(layers.Stack(layers.LayerNorm(), &layers.AttentionLayer{Heads: 2, Context: 3, Init: layers.GlorotUniform})),
			layers.Residual(layers.Stack(layers.LayerNorm(), layers.Dense(8), layers.GELU(), layers.Dense(4))),
		), []int{6, 4},
			// The central difference's rounding error is about
			// ε·|loss|/H ≈ 2e-16·10/1e-6 = 2e-9 absolute, 2e-6 relative to
			// this block's smallest checked gradients (1e-3); GOAMD64=v3's
			// FMA fusion moves the error from 9e-7 to 1.4e-6.
			3e-6},
		{"gaussian-nokl", &layers.GaussianSampleLayer{Latent: 2, NoKL: true}, []int{3, 4}, 0},
	}
	for _, tt := range tests {
		tol := tt.tol
		if tol == 0 {
			tol = 1e-6
		}
		t.Run(tt.name, func(t *testing.T) { checkLayerGradientTol(t, tt.layer, tt.in, []int{5}, tol) })
	}
}

// TestSequenceGradientsSmall checks layers whose gradients are tiny or
// exactly zero, where the default floor of 1e-4 would compare the central
// difference's absolute error (about 1e-10) relatively: the key bias of
// attention has gradient 0 exactly (a shift of every key by b adds q·b to
// all of a query's scores, which the softmax ignores), and TransformerBlock's
// N(0, 0.02²) weights give gradients of about 1e-6. With a floor of 1e-3,
// an error ≤ 1e-6 means an absolute error ≤ 1e-9 below 1e-3.
func TestSequenceGradientsSmall(t *testing.T) {
	for _, tt := range []struct {
		name  string
		layer layers.Layer
	}{
		{"attention-keybias", layers.CausalSelfAttention(1, 3)},
		{"transformer", layers.TransformerBlock(2, 3, 8)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, err := gradcheck.Check(func(g *gorgonia.ExprGraph) (*gorgonia.Node, []*gorgonia.Node, error) {
				store, _ := layers.NewStore(7, tensor.Float64)
				b := layers.NewBuilder(g, store, true)
				x := randInput(g, "x", 3, 6, 4)
				y, err := tt.layer.Build(b, x)
				if err != nil {
					return nil, nil, err
				}
				loss, err := weighted(g, y)
				return loss, append(b.Params(), x), err
			}, gradcheck.Options{Floor: 1e-3})
			if err != nil {
				t.Fatal(err)
			}
			if res.MaxErr > 1e-6 {
				t.Error(res)
			}
		})
	}
}

// TestEmbeddingGradient checks the gradient into the table (ids repeat, so
// rows are summed) against finite differences.
func TestEmbeddingGradient(t *testing.T) {
	res, err := gradcheck.Check(func(g *gorgonia.ExprGraph) (*gorgonia.Node, []*gorgonia.Node, error) {
		store, _ := layers.NewStore(7, tensor.Float64)
		b := layers.NewBuilder(g, store, true)
		ids := tensor.New(tensor.WithShape(2, 3), tensor.WithBacking([]float64{0, 4, 2, 4, 4, 1}))
		x := gorgonia.NewMatrix(g, tensor.Float64, gorgonia.WithShape(2, 3), gorgonia.WithName("ids"), gorgonia.WithValue(ids))
		y, err := layers.Stack(layers.Embedding(5, 3), layers.PositionalEmbedding(3)).Build(b, x)
		if err != nil {
			return nil, nil, err
		}
		if !y.Shape().Eq(tensor.Shape{6, 3}) {
			t.Fatalf("output shape %v, want (6, 3)", y.Shape())
		}
		loss, err := weighted(g, y)
		return loss, b.Params(), err
	}, gradcheck.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.MaxErr > 1e-6 {
		t.Error(res)
	}
}

// TestGaussianSampleKLGradient checks the sample and its KL term together:
// Σ z⊙r + KL, the shape of a negative ELBO.
func TestGaussianSampleKLGradient(t *testing.T) {
	res, err := gradcheck.Check(func(g *gorgonia.ExprGraph) (*gorgonia.Node, []*gorgonia.Node, error) {
		store, _ := layers.NewStore(7, tensor.Float64)
		b := layers.NewBuilder(g, store, true)
		x := randInput(g, "x", 3, 3, 6)
		y, err := layers.Stack(layers.Dense(6), layers.GaussianSample(3)).Build(b, x)
		if err != nil {
			return nil, nil, err
		}
		for _, h := range b.Hooks() {
			if err := h(4); err != nil {
				return nil, nil, err
			}
		}
		w, err := weighted(g, y)
		if err != nil {
			return nil, nil, err
		}
		if len(b.Losses()) != 1 {
			t.Fatalf("%d loss terms, want the KL", len(b.Losses()))
		}
		kl, err := gorgonia.Sum(b.Losses()[0])
		if err != nil {
			return nil, nil, err
		}
		loss, err := gorgonia.Add(w, kl)
		return loss, append(b.Params(), x), err
	}, gradcheck.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.MaxErr > 1e-6 {
		t.Error(res)
	}
}

// TestKLValue checks KL(N(μ, σ²) ‖ N(0, 1)) against its closed form on one
// row: μ = (1, 0), log σ = (0, log 2).
func TestKLValue(t *testing.T) {
	g := gorgonia.NewGraph()
	h := tensor.New(tensor.WithShape(1, 4), tensor.WithBacking([]float64{1, 0, 0, math.Log(2)}))
	x := gorgonia.NewMatrix(g, tensor.Float64, gorgonia.WithShape(1, 4), gorgonia.WithName("h"), gorgonia.WithValue(h))
	kl, err := layers.KLStandardNormal(x)
	if err != nil {
		t.Fatal(err)
	}
	vm := gorgonia.NewTapeMachine(g)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	// per coordinate ½(μ² + σ² − 1) − log σ: ½(1+1−1) − 0 = 0.5, and ½(0+4−1) − log 2
	want := 0.5 + 1.5 - math.Log(2)
	if got := kl.Value().Data().([]float64)[0]; math.Abs(got-want) > 1e-12 {
		t.Errorf("KL = %v, want %v", got, want)
	}
}

// TestAttentionCausal checks that an output row depends on the rows at or
// before its position only: changing the last position's input changes no
// earlier output.
func TestAttentionCausal(t *testing.T) {
	run := func(last float64) []float64 {
		g := gorgonia.NewGraph()
		store, _ := layers.NewStore(1, tensor.Float64)
		b := layers.NewBuilder(g, store, false)
		vals := make([]float64, 4*4)
		for i := range vals {
			vals[i] = math.Sin(float64(i))
		}
		vals[3*4] = last // position 3 of the one sample
		x := gorgonia.NewMatrix(g, tensor.Float64, gorgonia.WithShape(4, 4), gorgonia.WithName("x"),
			gorgonia.WithValue(tensor.New(tensor.WithShape(4, 4), tensor.WithBacking(vals))))
		y, err := layers.CausalSelfAttention(2, 4).Build(b, x)
		if err != nil {
			t.Fatal(err)
		}
		vm := gorgonia.NewTapeMachine(g)
		defer vm.Close()
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		return append([]float64(nil), y.Value().Data().([]float64)...)
	}
	a, b := run(0), run(5)
	for i := range 12 {
		if a[i] != b[i] {
			t.Fatalf("output %d (position %d) changed with the input at position 3", i, i/4)
		}
	}
	if a[12] == b[12] {
		t.Error("position 3's output did not change with its input")
	}
}

// TestSequenceFloat32 runs a transformer block and an embedding in float32
// and float64 from the same seed: the outputs agree to float32 precision.
func TestSequenceFloat32(t *testing.T) {
	out := func(dt tensor.Dtype) []float64 {
		g := gorgonia.NewGraph()
		store, _ := layers.NewStore(3, dt)
		b := layers.NewBuilder(g, store, true)
		ids := []float64{1, 2, 3, 0, 7, 7, 1, 5}
		var v *tensor.Dense
		if dt == tensor.Float32 {
			f := make([]float32, len(ids))
			for i, x := range ids {
				f[i] = float32(x)
			}
			v = tensor.New(tensor.WithShape(2, 4), tensor.WithBacking(f))
		} else {
			v = tensor.New(tensor.WithShape(2, 4), tensor.WithBacking(ids))
		}
		x := gorgonia.NewMatrix(g, dt, gorgonia.WithShape(2, 4), gorgonia.WithName("ids"), gorgonia.WithValue(v))
		y, err := layers.Stack(layers.Embedding(8, 8), layers.PositionalEmbedding(4), layers.TransformerBlock(2, 4, 16), layers.LayerNorm()).Build(b, x)
		if err != nil {
			t.Fatal(err)
		}
		vm := gorgonia.NewTapeMachine(g)
		defer vm.Close()
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		var r []float64
		switch d := y.Value().Data().(type) {
		case []float32:
			for _, x := range d {
				r = append(r, float64(x))
			}
		case []float64:
			r = d
		}
		return r
	}
	a, b := out(tensor.Float32), out(tensor.Float64)
	for i := range a {
		if math.Abs(a[i]-b[i]) > 1e-4 {
			t.Fatalf("element %d: float32 %v, float64 %v", i, a[i], b[i])
		}
	}
}

func TestEmbeddingBadID(t *testing.T) {
	g := gorgonia.NewGraph()
	store, _ := layers.NewStore(1, tensor.Float64)
	b := layers.NewBuilder(g, store, false)
	x := gorgonia.NewVector(g, tensor.Float64, gorgonia.WithShape(2), gorgonia.WithName("ids"),
		gorgonia.WithValue(tensor.New(tensor.WithShape(2), tensor.WithBacking([]float64{1, 9}))))
	if _, err := layers.Embedding(4, 2).Build(b, x); err != nil {
		t.Fatal(err)
	}
	vm := gorgonia.NewTapeMachine(g)
	defer vm.Close()
	err := vm.RunAll()
	if err == nil || !strings.Contains(err.Error(), "embedding0") || !strings.Contains(err.Error(), "[0, 4)") {
		t.Errorf("error = %v, want it to name the layer and the range", err)
	}
}
