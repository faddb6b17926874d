package solvers

import (
	"reflect"
	"slices"
	"unsafe"

	"github.com/pkg/errors"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// LearnRater is a solver whose learning rate can be read and set, which is
// what a learning-rate schedule needs.
type LearnRater interface {
	LearnRate() float64
	SetLearnRate(lr float64)
}

// Solver is a gorgonia.Solver whose learning rate can be scheduled. Every
// solver of this package, and Parse's result, is one.
type Solver interface {
	gorgonia.Solver
	LearnRater
}

// EvalSwapper is implemented by schedule-free solvers (SFAdamW), whose
// evaluation point x differs from the training iterate y held in the
// parameter tensors. Call SwapToEval before evaluating the model and
// SwapToTrain after. Both are no-ops before the first Step and when the
// solver is already in the requested mode. Lookahead forwards them to its
// inner solver.
type EvalSwapper interface {
	SwapToEval() error
	SwapToTrain() error
}

// tensorData is what a solver needs of a value or gradient.
type tensorData struct {
	dt  tensor.Dtype
	sh  tensor.Shape
	f32 []float32
	f64 []float64
}

// data returns the backing data of v: a *tensor.Dense (contiguous), or a
// Gorgonia scalar (*gorgonia.F32, *gorgonia.F64, what scalar nodes hold).
func data(v gorgonia.Value) (tensorData, error) {
	switch v := v.(type) {
	case *tensor.Dense:
		if v == nil {
			return tensorData{}, errors.New("nil *tensor.Dense")
		}
		if v.RequiresIterator() {
			return tensorData{}, errors.New("a non-contiguous view")
		}
		d := tensorData{dt: v.Dtype(), sh: v.Shape()}
		switch d.dt {
		case tensor.Float32:
			d.f32 = v.Float32s()
		case tensor.Float64:
			d.f64 = v.Float64s()
		default:
			return d, errors.Errorf("dtype %v, want float32 or float64", d.dt)
		}
		return d, nil
	case *gorgonia.F32:
		if v == nil {
			return tensorData{}, errors.New("nil *gorgonia.F32")
		}
		return tensorData{dt: tensor.Float32, f32: unsafe.Slice((*float32)(v), 1)}, nil
	case *gorgonia.F64:
		if v == nil {
			return tensorData{}, errors.New("nil *gorgonia.F64")
		}
		return tensorData{dt: tensor.Float64, f64: unsafe.Slice((*float64)(v), 1)}, nil
	}
	return tensorData{}, errors.Errorf("a %T, want a *tensor.Dense or a float scalar", v)
}

func clampSlice[T float](g []T, c T) {
	for i, x := range g {
		g[i] = min(max(x, -c), c)
	}
}

func scaleSlice[T float](g []T, c T) {
	for i := range g {
		g[i] *= c
	}
}

// sumSquares accumulates in float64 whatever the element type, each
// square rounded before it is added (no FMA under GOAMD64=v3, see
// adamKernel).
func sumSquares[T float](x []T) float64 {
	var s float64
	for _, v := range x {
		s += float64(float64(v) * float64(v))
	}
	return s
}

func isComparable(vg gorgonia.ValueGrad) bool { return reflect.TypeOf(vg).Comparable() }

// sortedKeys returns the keys of m in order, for deterministic output.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
