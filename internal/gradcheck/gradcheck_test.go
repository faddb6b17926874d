package gradcheck

import (
	"fmt"
	"hash"
	"testing"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// scaleOp computes k·x but claims the derivative is d·grad, so the check
// can be shown to catch a wrong gradient.
type scaleOp struct{ k, d float64 }

func (scaleOp) Arity() int { return 1 }
func (scaleOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	return hm.NewFnType(a, a)
}
func (scaleOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	return in[0].(tensor.Shape).Clone(), nil
}
func (op scaleOp) Do(v ...gorgonia.Value) (gorgonia.Value, error) {
	x := v[0].(*tensor.Dense)
	out := x.Clone().(*tensor.Dense)
	for i, e := range out.Data().([]float64) {
		out.Data().([]float64)[i] = e * op.k
	}
	return out, nil
}
func (scaleOp) ReturnsPtr() bool         { return false }
func (scaleOp) CallsExtern() bool        { return false }
func (scaleOp) OverwritesInput() int     { return -1 }
func (op scaleOp) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (scaleOp) Hashcode() uint32         { return 1 }
func (op scaleOp) String() string        { return fmt.Sprintf("scale(%v,%v)", op.k, op.d) }
func (scaleOp) DiffWRT(int) []bool       { return []bool{true} }
func (op scaleOp) SymDiff(in gorgonia.Nodes, out, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	g, err := gorgonia.Mul(grad, gorgonia.NewConstant(op.d))
	return gorgonia.Nodes{g}, err
}

func build(op scaleOp) Build {
	return func(g *gorgonia.ExprGraph) (*gorgonia.Node, []*gorgonia.Node, error) {
		x := gorgonia.NewVector(g, tensor.Float64, gorgonia.WithShape(3), gorgonia.WithName("x"),
			gorgonia.WithValue(tensor.New(tensor.WithShape(3), tensor.WithBacking([]float64{0.5, -1, 2}))))
		y, err := gorgonia.ApplyOp(op, x)
		if err != nil {
			return nil, nil, err
		}
		sq, err := gorgonia.Square(y)
		if err != nil {
			return nil, nil, err
		}
		loss, err := gorgonia.Sum(sq)
		return loss, []*gorgonia.Node{x}, err
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name    string
		op      scaleOp
		wantBad bool
	}{
		{"right", scaleOp{k: 3, d: 3}, false},
		// d(Σ(3x)²)/dx = 18x; claiming d=2 gives 12x: relative error 1/3.
		{"wrong", scaleOp{k: 3, d: 2}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Check(build(tt.op), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Checked != 3 {
				t.Errorf("checked %d elements, want 3", res.Checked)
			}
			if bad := res.MaxErr > 1e-6; bad != tt.wantBad {
				t.Errorf("%v; want bad=%v", res, tt.wantBad)
			}
			if tt.wantBad && (res.MaxErr < 0.3 || res.MaxErr > 0.34) {
				t.Errorf("max error %v, want 1/3", res.MaxErr)
			}
		})
	}
}
