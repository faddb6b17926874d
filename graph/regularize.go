package graph

import (
	"github.com/convergo/convergo/layers"
	"github.com/pkg/errors"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Penalty builds a regularization term, a scalar node added to the
// training loss; it is the type of Config.Penalty. It is called once, on
// the training graph, with the builder (for parameter roles) and the
// trainable parameters. A nil node means "no term".
type Penalty = func(b *layers.Builder, params []*gorgonia.Node) (*gorgonia.Node, error)

// ParamFilter selects the parameters a regularizer applies to.
type ParamFilter func(b *layers.Builder, param *gorgonia.Node) bool

// WeightsOnly selects parameters with Role layers.Weight (Dense and Conv2D
// weights), leaving biases and batch-norm scales and shifts alone. It is
// the default of L1, L2 and ElasticNet.
func WeightsOnly(b *layers.Builder, param *gorgonia.Node) bool {
	return b.ParamRole(param) == layers.Weight
}

// AllParams selects every trainable parameter, as a solver's weight_decay
// does.
func AllParams(*layers.Builder, *gorgonia.Node) bool { return true }

// L1 returns the penalty λ·Σ|θ| over the parameters sel selects (nil:
// WeightsOnly). Its gradient is λ·sign(θ) (0 at θ = 0).
func L1(lambda float64, sel ParamFilter) Penalty {
	return normPenalty("L1", lambda, sel, normL1)
}

// L2 returns the penalty ½·λ·Σθ² over the parameters sel selects (nil:
// WeightsOnly). Its gradient is λ·θ, so with plain SGD it is exactly
// coupled weight decay, sgd(weight_decay=λ) (see the package
// documentation, "Regularization").
func L2(lambda float64, sel ParamFilter) Penalty {
	return normPenalty("L2", lambda/2, sel, normL2)
}

// ElasticNet returns λ₁·Σ|θ| + ½·λ₂·Σθ², the sum of L1(l1, sel) and
// L2(l2, sel).
func ElasticNet(l1, l2 float64, sel ParamFilter) Penalty {
	return SumPenalties(L1(l1, sel), L2(l2, sel))
}

// SumPenalties returns the sum of the given penalties' terms (nil
// penalties and nil terms are skipped).
func SumPenalties(ps ...Penalty) Penalty {
	return func(b *layers.Builder, params []*gorgonia.Node) (*gorgonia.Node, error) {
		var sum *gorgonia.Node
		for _, p := range ps {
			if p == nil {
				continue
			}
			t, err := p(b, params)
			if err != nil {
				return nil, err
			}
			if sum, err = addTerms(sum, t); err != nil {
				return nil, err
			}
		}
		return sum, nil
	}
}

// normPenalty returns coef·Σ f(θ) over the selected parameters, one fused
// normOp per parameter (f is |·| or (·)²).
func normPenalty(name string, coef float64, sel ParamFilter, kind normKind) Penalty {
	return func(b *layers.Builder, params []*gorgonia.Node) (*gorgonia.Node, error) {
		if coef < 0 || coef != coef {
			return nil, errors.Errorf("graph: %s penalty: λ = %v, want ≥ 0", name, coef)
		}
		if coef == 0 {
			return nil, nil
		}
		if sel == nil {
			sel = WeightsOnly
		}
		var sum *gorgonia.Node
		for _, p := range params {
			if !sel(b, p) {
				continue
			}
			if p.Dtype() != tensor.Float32 && p.Dtype() != tensor.Float64 {
				return nil, errors.Errorf("graph: %s penalty on %s: dtype %v, want float32 or float64", name, p.Name(), p.Dtype())
			}
			term, err := gorgonia.ApplyOp(normOp{kind: kind, coef: coef, dims: p.Dims()}, p)
			if err != nil {
				return nil, errors.Wrapf(err, "graph: %s penalty on %s", name, p.Name())
			}
			if sum, err = addTerms(sum, term); err != nil {
				return nil, err
			}
		}
		return sum, nil
	}
}

func addTerms(a, b *gorgonia.Node) (*gorgonia.Node, error) {
	switch {
	case a == nil:
		return b, nil
	case b == nil:
		return a, nil
	}
	s, err := gorgonia.Add(a, b)
	return s, errors.Wrap(err, "graph: adding penalty terms")
}
