package layers_test

import (
	"math"
	"testing"

	"github.com/convergo/convergo/layers"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// dropoutRun builds d on a (rows, cols) input of ones in a graph of the
// given mode, runs the batch hooks for step and returns the output.
func dropoutRun(t *testing.T, d layers.Layer, seed uint64, dt tensor.Dtype, training bool, step, rows, cols int) []float64 {
	t.Helper()
	g := gorgonia.NewGraph()
	store, _ := layers.NewStore(seed, dt)
	b := layers.NewBuilder(g, store, training)
	xt := tensor.New(tensor.Of(dt), tensor.WithShape(rows, cols))
	switch v := xt.Data().(type) {
	case []float32:
		for i := range v {
			v[i] = 1
		}
	case []float64:
		for i := range v {
			v[i] = 1
		}
	}
	x := gorgonia.NewMatrix(g, dt, gorgonia.WithShape(rows, cols), gorgonia.WithName("x"), gorgonia.WithValue(xt))
	y, err := d.Build(b, x)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range b.Hooks() {
		if err := h(step); err != nil {
			t.Fatal(err)
		}
	}
	vm := gorgonia.NewTapeMachine(g)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	out := make([]float64, rows*cols)
	switch v := y.Value().Data().(type) {
	case []float32:
		for i, e := range v {
			out[i] = float64(e)
		}
	case []float64:
		copy(out, v)
	}
	return out
}

func TestDropout(t *testing.T) {
	const rows, cols = 100, 200
	tests := []struct {
		name string
		p    float64
		dt   tensor.Dtype
	}{
		{"p0", 0, tensor.Float64},
		{"p0.25", 0.25, tensor.Float64},
		{"p0.5-f32", 0.5, tensor.Float32},
		{"p0.9", 0.9, tensor.Float64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			y := dropoutRun(t, layers.Dropout(tt.p), 5, tt.dt, true, 3, rows, cols)
			keep := 1 / (1 - tt.p)
			dropped := 0
			var sum float64
			for _, v := range y {
				switch {
				case v == 0:
					dropped++
				case math.Abs(v-keep) > 1e-6*keep:
					t.Fatalf("kept value %v, want 1/(1-p) = %v", v, keep)
				}
				sum += v
			}
			n := float64(rows * cols)
			// The dropped fraction is Binomial(n, p)/n: 5 standard deviations.
			if sd := math.Sqrt(tt.p * (1 - tt.p) / n); math.Abs(float64(dropped)/n-tt.p) > 5*sd+1e-12 {
				t.Errorf("dropped fraction %v, want %v", float64(dropped)/n, tt.p)
			}
			// Inverted dropout keeps the mean: E[y] = x = 1.
			if sd := math.Sqrt(tt.p/(1-tt.p)) / math.Sqrt(n); math.Abs(sum/n-1) > 5*sd+1e-12 {
				t.Errorf("mean output %v, want ≈ 1", sum/n)
			}
			if ev := dropoutRun(t, layers.Dropout(tt.p), 5, tt.dt, false, 3, rows, cols); !allEqual(ev, 1) {
				t.Error("the evaluation graph is not the identity")
			}
		})
	}
}

func allEqual(v []float64, x float64) bool {
	for _, e := range v {
		if e != x {
			return false
		}
	}
	return true
}

// TestDropoutMaskReproducible checks that the mask is a function of the
// seed, the layer name and the step only.
func TestDropoutMaskReproducible(t *testing.T) {
	a := dropoutRun(t, layers.Dropout(0.5), 5, tensor.Float64, true, 4, 8, 16)
	b := dropoutRun(t, layers.Dropout(0.5), 5, tensor.Float64, true, 4, 8, 16)
	c := dropoutRun(t, layers.Dropout(0.5), 5, tensor.Float64, true, 5, 8, 16)
	d := dropoutRun(t, layers.Dropout(0.5), 6, tensor.Float64, true, 4, 8, 16)
	f := dropoutRun(t, layers.Dropout(0.5), 5, tensor.Float32, true, 4, 8, 16)
	if !equal(a, b) {
		t.Error("same seed and step, different masks")
	}
	if equal(a, c) || equal(a, d) {
		t.Error("a different step or seed gave the same mask")
	}
	if !equal(a, f) {
		t.Error("float32 and float64 masks differ")
	}
}

func TestDropoutSetRate(t *testing.T) {
	d := layers.Dropout(0.5)
	if err := d.SetRate(1); err == nil || d.Rate() != 0.5 {
		t.Errorf("SetRate(1): err %v, rate %v; want an error and the rate kept", err, d.Rate())
	}
	if err := d.SetRate(-0.1); err == nil {
		t.Error("SetRate(-0.1): no error")
	}
	// The rate is read per batch: build once, change it, rerun the hook.
	g := gorgonia.NewGraph()
	store, _ := layers.NewStore(1, tensor.Float64)
	b := layers.NewBuilder(g, store, true)
	x := gorgonia.NewMatrix(g, tensor.Float64, gorgonia.WithShape(50, 40), gorgonia.WithName("x"))
	if _, err := d.Build(b, x); err != nil {
		t.Fatal(err)
	}
	mask := g.ByName("dropout0.mask")[0].Value().Data().([]float64)
	count := func() int {
		n := 0
		for _, v := range mask {
			if v == 0 {
				n++
			}
		}
		return n
	}
	if err := d.SetRate(0); err != nil {
		t.Fatal(err)
	}
	if err := b.Hooks()[0](1); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 0 {
		t.Errorf("rate 0: %d dropped", n)
	}
	if err := d.SetRate(0.8); err != nil {
		t.Fatal(err)
	}
	if err := b.Hooks()[0](2); err != nil {
		t.Fatal(err)
	}
	if n := count(); n < 1400 || n > 1800 { // 2000·0.8 = 1600 ± 5σ (σ ≈ 18)
		t.Errorf("rate 0.8: %d of 2000 dropped", n)
	}
}
