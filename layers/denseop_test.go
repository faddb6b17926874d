package layers

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/convergo/convergo/internal/gemm"
	"github.com/convergo/convergo/internal/gradcheck"
	"gonum.org/v1/gonum/blas/gonum"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// filled returns a node of the given shape and dtype bound to N(0,1) values
// drawn from seed.
func filled(g *gorgonia.ExprGraph, dt tensor.Dtype, name string, seed uint64, shape ...int) *gorgonia.Node {
	rng := rand.New(rand.NewPCG(seed, 3))
	n := 1
	for _, d := range shape {
		n *= d
	}
	vals := make([]float64, n)
	for i := range vals {
		vals[i] = rng.NormFloat64()
	}
	t := newDense(dt, tensor.Shape(shape), vals)
	return gorgonia.NewTensor(g, dt, len(shape), gorgonia.WithShape(shape...), gorgonia.WithName(name), gorgonia.WithValue(t))
}

// weightedSum returns Σ y⊙r for a fixed random r, so that every output
// element carries a distinct weight into the gradient.
func weightedSum(g *gorgonia.ExprGraph, y *gorgonia.Node) *gorgonia.Node {
	r := filled(g, y.Dtype(), "r", 99, y.Shape()...)
	return gorgonia.Must(gorgonia.Sum(gorgonia.Must(gorgonia.HadamardProd(y, r))))
}

// TestDenseOpGradients checks the fused dense and ReLU ops against central
// finite differences in float64 (relative error ≤ 1e-6, the bound of
// package gradcheck's documentation), with the input's gradient requested
// and not, with and without a bias, and stacked.
func TestDenseOpGradients(t *testing.T) {
	tests := []struct {
		name      string
		bias      bool
		inputGrad bool // include x in the wrt list
		stacked   bool // Dense → ReLU → Dense
	}{
		{"bias", true, true, false},
		{"nobias", false, true, false},
		{"params-only", true, false, false},
		{"stacked", true, true, true},
		{"stacked-params-only", true, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := gradcheck.Check(func(g *gorgonia.ExprGraph) (*gorgonia.Node, []*gorgonia.Node, error) {
				x := filled(g, tensor.Float64, "x", 1, 5, 7)
				w := filled(g, tensor.Float64, "W", 2, 7, 4)
				b := filled(g, tensor.Float64, "b", 3, 4)
				wrt := []*gorgonia.Node{w}
				var y *gorgonia.Node
				if tt.bias {
					y = gorgonia.Must(gorgonia.ApplyOp(denseForward{bias: true, buf: new(fcBuf)}, x, w, b))
					wrt = append(wrt, b)
				} else {
					y = gorgonia.Must(gorgonia.ApplyOp(denseForward{buf: new(fcBuf)}, x, w))
				}
				if tt.stacked {
					h := gorgonia.Must(relu(y))
					w2 := filled(g, tensor.Float64, "W2", 4, 4, 3)
					b2 := filled(g, tensor.Float64, "b2", 5, 3)
					y = gorgonia.Must(gorgonia.ApplyOp(denseForward{bias: true, buf: new(fcBuf)}, h, w2, b2))
					wrt = append(wrt, w2, b2)
				}
				if tt.inputGrad {
					wrt = append(wrt, x)
				}
				return weightedSum(g, y), wrt, nil
			}, gradcheck.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if res.MaxErr > 1e-6 {
				t.Errorf("%v", res)
			}
		})
	}
}

// denseGraph builds y = x·W + b, the fused way or with gorgonia.Mul and
// BroadcastAdd, and a weighted-sum loss, differentiated with respect to
// W, b and (if inputGrad) x.
func denseGraph(dt tensor.Dtype, fused, inputGrad bool, batch, in, out int) (g *gorgonia.ExprGraph, x, loss *gorgonia.Node, wrt gorgonia.Nodes, vm gorgonia.VM) {
	g = gorgonia.NewGraph()
	x = filled(g, dt, "x", 1, batch, in)
	w := filled(g, dt, "W", 2, in, out)
	b := filled(g, dt, "b", 3, out)
	var y *gorgonia.Node
	if fused {
		y = gorgonia.Must(gorgonia.ApplyOp(denseForward{bias: true, buf: new(fcBuf)}, x, w, b))
	} else {
		y = gorgonia.Must(gorgonia.BroadcastAdd(gorgonia.Must(gorgonia.Mul(x, w)), b, nil, []byte{0}))
	}
	loss = weightedSum(g, y)
	wrt = gorgonia.Nodes{w, b}
	if inputGrad {
		wrt = append(wrt, x)
	}
	grads, err := gorgonia.Grad(loss, wrt...)
	if err != nil {
		panic(err)
	}
	_ = grads
	return g, x, loss, wrt, gorgonia.NewTapeMachine(g, gorgonia.BindDualValues(wrt...))
}

// TestDenseOpMatchesMulAdd requires the fused op's output and gradients to
// equal, bit for bit, those of gorgonia.Mul + BroadcastAdd in float32, at a
// size where gonum's GEMM runs in parallel (the arithmetic is the same:
// the same BLAS calls, the bias added after the product, the bias gradient
// summed over rows in order).
func TestDenseOpMatchesMulAdd(t *testing.T) {
	const batch, in, out = 128, 300, 70
	run := func(fused bool) (loss float32, grads [][]float32) {
		_, _, l, wrt, vm := denseGraph(tensor.Float32, fused, true, batch, in, out)
		defer vm.Close()
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		for _, n := range wrt {
			gv, err := n.Grad()
			if err != nil {
				t.Fatal(err)
			}
			grads = append(grads, append([]float32(nil), gv.Data().([]float32)...))
		}
		return l.Value().Data().(float32), grads
	}
	lf, gf := run(true)
	lc, gc := run(false)
	if _, gonumBLAS := gorgonia.WhichBLAS().(gonum.Implementation); gonumBLAS && gemm.Available() {
		// convergo's own float32 GEMM (an FMA chain per element) against
		// gonum's (each product rounded): the same values to float32
		// rounding over a 300-term sum.
		near := func(a, b float32) bool { return math.Abs(float64(a-b)) <= 1e-5*(1+math.Abs(float64(b))) }
		if !near(lf/batch, lc/batch) {
			t.Errorf("loss: fused %v, Mul+BroadcastAdd %v", lf, lc)
		}
		for i, name := range []string{"W", "b", "x"} {
			for k := range gf[i] {
				if !near(gf[i][k], gc[i][k]) {
					t.Errorf("d%s[%d]: fused %v, Mul+BroadcastAdd %v", name, k, gf[i][k], gc[i][k])
					break
				}
			}
		}
		return
	}
	if math.Float32bits(lf) != math.Float32bits(lc) {
		t.Errorf("loss: fused %v, Mul+BroadcastAdd %v", lf, lc)
	}
	for i, name := range []string{"W", "b", "x"} {
		for k := range gf[i] {
			if math.Float32bits(gf[i][k]) != math.Float32bits(gc[i][k]) {
				t.Errorf("d%s[%d]: fused %v, Mul+BroadcastAdd %v", name, k, gf[i][k], gc[i][k])
				break
			}
		}
	}
}

// TestDenseOpSkipsDataGradient checks that the input gradient is not
// computed (left zero) when nobody asked for it, and is when x is in the
// wrt list.
func TestDenseOpSkipsDataGradient(t *testing.T) {
	for _, inputGrad := range []bool{false, true} {
		g, _, _, _, vm := denseGraph(tensor.Float64, true, inputGrad, 4, 6, 3)
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		var dx *gorgonia.Node
		for _, n := range g.AllNodes() {
			if _, ok := n.Op().(denseGradX); ok {
				dx = n
			}
		}
		if dx == nil {
			t.Fatal("no DenseGradX node in the graph")
		}
		nonzero := 0
		for _, v := range dx.Value().Data().([]float64) {
			if v != 0 {
				nonzero++
			}
		}
		if inputGrad && nonzero == 0 || !inputGrad && nonzero != 0 {
			t.Errorf("inputGrad=%t: %d nonzero elements in dx", inputGrad, nonzero)
		}
		vm.Close()
	}
}

// TestDenseOpNoAllocs locks in that the ops' Do reuse their buffers: after
// the first call, a forward or backward call allocates nothing.
func TestDenseOpNoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's instrumentation allocates")
	}
	g := gorgonia.NewGraph()
	x := filled(g, tensor.Float32, "x", 1, 8, 5).Value()
	w := filled(g, tensor.Float32, "W", 2, 5, 3).Value()
	b := filled(g, tensor.Float32, "b", 3, 3).Value()
	dy := filled(g, tensor.Float32, "dy", 4, 8, 3).Value()
	xn := filled(g, tensor.Float32, "xn", 5, 8, 5)
	// Each op value is built once, with its buffer, and called repeatedly,
	// as the tape machine calls the op of one node.
	fwd := denseForward{bias: true, buf: new(fcBuf)}
	gx := denseGradX{x: xn, buf: new(fcBuf)}
	gw := denseGradW{buf: new(fcBuf)}
	gb := denseGradB{buf: new(fcBuf)}
	r := reluOp{dims: 2, buf: new(fcBuf)}
	rg := reluGrad{dims: 2, buf: new(fcBuf)}
	ops := []struct {
		name string
		do   func() (gorgonia.Value, error)
	}{
		{"forward", func() (gorgonia.Value, error) { return fwd.Do(x, w, b) }},
		{"dx", func() (gorgonia.Value, error) { return gx.Do(dy, w) }},
		{"dW", func() (gorgonia.Value, error) { return gw.Do(x, dy) }},
		{"db", func() (gorgonia.Value, error) { return gb.Do(dy) }},
		{"relu", func() (gorgonia.Value, error) { return r.Do(x) }},
		{"relugrad", func() (gorgonia.Value, error) { return rg.Do(dy, dy) }},
	}
	for _, op := range ops {
		t.Run(op.name, func(t *testing.T) {
			first, err := op.do()
			if err != nil {
				t.Fatal(err)
			}
			allocs := testing.AllocsPerRun(20, func() {
				v, err := op.do()
				if err != nil || v != first {
					t.Fatalf("Do returned %p, %v; want the buffer %p", v, err, first)
				}
			})
			if allocs != 0 {
				t.Errorf("%v allocations per call, want 0", allocs)
			}
		})
	}
}

// TestReLUKernels32 checks the branch-free float32 kernels against the
// generic ones on signed zeros, subnormals, infinities and random values.
func TestReLUKernels32(t *testing.T) {
	x := []float32{0, float32(math.Copysign(0, -1)), 1e-45, -1e-45, 1, -1, float32(math.Inf(1)), float32(math.Inf(-1)), math.MaxFloat32, -math.MaxFloat32}
	rng := rand.New(rand.NewPCG(1, 1))
	for range 1000 {
		x = append(x, float32(rng.NormFloat64()))
	}
	g := make([]float32, len(x))
	for i := range g {
		g[i] = float32(rng.NormFloat64())
	}
	want, got := make([]float32, len(x)), make([]float32, len(x))
	reluForward(want, x)
	reluForward32(got, x)
	for i := range x {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("forward(%v) = %v, want %v", x[i], got[i], want[i])
		}
	}
	reluBackward(want, x, g)
	reluBackward32(got, x, g)
	for i := range x {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("backward at x=%v, g=%v: %v, want %v", x[i], g[i], got[i], want[i])
		}
	}
}
