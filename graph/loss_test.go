package graph

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/convergo/convergo/internal/gradcheck"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func matrixNode(g *gorgonia.ExprGraph, name string, rows, cols int, vals []float64) *gorgonia.Node {
	t := tensor.New(tensor.WithShape(rows, cols), tensor.WithBacking(vals))
	return gorgonia.NewMatrix(g, tensor.Float64, gorgonia.WithShape(rows, cols), gorgonia.WithName(name), gorgonia.WithValue(t))
}

func randVals(seed uint64, n int, scale float64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 0))
	v := make([]float64, n)
	for i := range v {
		v[i] = rng.NormFloat64() * scale
	}
	return v
}

// TestSoftmaxCrossEntropyValue checks the forward value against the
// definition −mean log softmax(z)[label], computed naively here for modest
// logits, and that huge logits neither overflow nor lose the answer.
func TestSoftmaxCrossEntropyValue(t *testing.T) {
	tests := []struct {
		name   string
		logits []float64
		labels []int // -1: padding row
		want   float64
	}{
		// Uniform logits: loss = log(3).
		{"uniform", []float64{0, 0, 0, 5, 5, 5}, []int{0, 2}, math.Log(3)},
		// One row, logits (1,2,3), label 2: −log(e³/(e+e²+e³)).
		{"one-row", []float64{1, 2, 3}, []int{2}, -math.Log(math.Exp(3) / (math.Exp(1) + math.Exp(2) + math.Exp(3)))},
		// Shifting logits by 1000 must not change it (the naive form overflows).
		{"huge", []float64{1001, 1002, 1003}, []int{2}, -math.Log(math.Exp(3) / (math.Exp(1) + math.Exp(2) + math.Exp(3)))},
		// A padding row (all-zero targets) is ignored: same as "one-row".
		{"padding", []float64{1, 2, 3, 50, -50, 7}, []int{2, -1}, -math.Log(math.Exp(3) / (math.Exp(1) + math.Exp(2) + math.Exp(3)))},
	}
	for _, tt := range tests {
		for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
			t.Run(tt.name+"/"+dt.String(), func(t *testing.T) {
				rows := len(tt.labels)
				cols := len(tt.logits) / rows
				targets := make([]float64, len(tt.logits))
				for i, l := range tt.labels {
					if l >= 0 {
						targets[i*cols+l] = 1
					}
				}
				g := gorgonia.NewGraph()
				z := dtNode(g, dt, "z", rows, cols, tt.logits)
				y := dtNode(g, dt, "t", rows, cols, targets)
				loss, err := SoftmaxCrossEntropy(z, y)
				if err != nil {
					t.Fatal(err)
				}
				vm := gorgonia.NewTapeMachine(g)
				defer vm.Close()
				if err := vm.RunAll(); err != nil {
					t.Fatal(err)
				}
				got, err := scalarValue(loss.Value())
				if err != nil {
					t.Fatal(err)
				}
				tol := 1e-12
				if dt == tensor.Float32 {
					tol = 1e-6 // the loss is accumulated in float64 and rounded once
				}
				if math.Abs(got-tt.want) > tol*math.Max(1, tt.want) {
					t.Errorf("loss = %.15g, want %.15g", got, tt.want)
				}
			})
		}
	}
}

func dtNode(g *gorgonia.ExprGraph, dt tensor.Dtype, name string, rows, cols int, vals []float64) *gorgonia.Node {
	if dt == tensor.Float64 {
		return matrixNode(g, name, rows, cols, append([]float64(nil), vals...))
	}
	f := make([]float32, len(vals))
	for i, v := range vals {
		f[i] = float32(v)
	}
	t := tensor.New(tensor.WithShape(rows, cols), tensor.WithBacking(f))
	return gorgonia.NewMatrix(g, dt, gorgonia.WithShape(rows, cols), gorgonia.WithName(name), gorgonia.WithValue(t))
}

// TestSoftmaxCrossEntropyGradient checks the fused op's hand-written
// gradient against central finite differences, for one-hot, soft and
// padded targets, and with the loss scaled (so the incoming gradient is not
// 1).
func TestSoftmaxCrossEntropyGradient(t *testing.T) {
	const rows, cols = 4, 5
	oneHot := make([]float64, rows*cols)
	for i := range rows {
		oneHot[i*cols+(i*3)%cols] = 1
	}
	soft := randVals(4, rows*cols, 1)
	for i := range soft {
		soft[i] = math.Abs(soft[i])
	}
	padded := append([]float64(nil), oneHot...)
	clear(padded[2*cols:])
	tests := []struct {
		name    string
		targets []float64
		scale   float64
	}{
		{"one-hot", oneHot, 1},
		{"soft", soft, 1},
		{"padded", padded, 1},
		{"scaled", oneHot, -2.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := gradcheck.Check(func(g *gorgonia.ExprGraph) (*gorgonia.Node, []*gorgonia.Node, error) {
				z := matrixNode(g, "z", rows, cols, randVals(3, rows*cols, 2))
				y := matrixNode(g, "t", rows, cols, append([]float64(nil), tt.targets...))
				loss, err := SoftmaxCrossEntropy(z, y)
				if err != nil {
					return nil, nil, err
				}
				loss, err = gorgonia.Mul(loss, gorgonia.NewConstant(tt.scale))
				return loss, []*gorgonia.Node{z}, err
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

func TestSoftmaxCrossEntropyShapeErrors(t *testing.T) {
	g := gorgonia.NewGraph()
	a := gorgonia.NewMatrix(g, tensor.Float64, gorgonia.WithShape(2, 3), gorgonia.WithName("a"))
	b := gorgonia.NewMatrix(g, tensor.Float64, gorgonia.WithShape(2, 4), gorgonia.WithName("b"))
	c := gorgonia.NewMatrix(g, tensor.Float32, gorgonia.WithShape(2, 3), gorgonia.WithName("c"))
	if _, err := SoftmaxCrossEntropy(a, b); err == nil {
		t.Error("no error for mismatched shapes")
	}
	if _, err := SoftmaxCrossEntropy(a, c); err == nil {
		t.Error("no error for mismatched dtypes")
	}
}
