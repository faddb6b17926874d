package solvers

import (
	"math"
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

// float is the element type of the parameters a solver updates.
type float interface{ ~float32 | ~float64 }

// param is the per-parameter state of a solver: its slots (moments,
// accumulators), its step count, and the backing slices of the value and
// gradient seen in the current Step.
type param struct {
	name  string
	dtype tensor.Dtype
	shape tensor.Shape
	step  int
	gen   uint64 // the Step generation that last saw this parameter

	sc  []float64   // per-parameter scalars (base.scalarNames)
	s32 [][]float32 // slots, float32 parameters
	s64 [][]float64 // slots, float64 parameters

	w32, g32 []float32 // value (of the last Step) and gradient (during a Step)
	w64, g64 []float64
}

func (p *param) f32() bool { return p.dtype == tensor.Float32 }

// base is the part shared by every solver: the learning rate, gradient
// clipping, and the per-parameter state keyed by the parameter node.
type base struct {
	name      string // the spec name, as in "solvers: adam: ..."
	lr        float64
	clipNorm  float64 // 0: off
	clipValue float64 // 0: off
	slotNames []string
	// scalarNames name per-parameter float64 scalars (NAdam's mu_product).
	scalarNames []string
	// init, if not nil, initialises the slots of a newly seen parameter
	// from its value (they start at zero otherwise).
	init func(p *param)
	// zeroes says that the solver's kernels zero each gradient element in
	// the pass that reads it, so finish need not clear the gradients again.
	zeroes bool

	params  map[gorgonia.ValueGrad]*param
	pending map[string]*ParamState // restored by SetState, adopted on first sight
	cur     []*param               // the parameters of the current Step, in order
	gen     uint64
}

func newBase(name string, lr, clipNorm, clipValue float64, slots ...string) base {
	return base{name: name, lr: lr, clipNorm: clipNorm, clipValue: clipValue, slotNames: slots,
		params: map[gorgonia.ValueGrad]*param{}}
}

// LearnRate returns the current learning rate.
func (b *base) LearnRate() float64 { return b.lr }

// SetLearnRate sets the learning rate used by the following Steps. A
// negative or non-finite rate makes the next Step return an error.
func (b *base) SetLearnRate(lr float64) { b.lr = lr }

func (b *base) errorf(format string, args ...any) error {
	return errors.Errorf("solvers: "+b.name+": "+format, args...)
}

func nodeName(vg gorgonia.ValueGrad) string {
	if n, ok := vg.(gorgonia.Namer); ok {
		return n.Name()
	}
	return ""
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

// lookup returns the state of vg, allocating it on first sight.
func (b *base) lookup(vg gorgonia.ValueGrad, w tensorData) (*param, error) {
	if _, ok := vg.(*gorgonia.Node); !ok && !isComparable(vg) {
		return nil, b.errorf("parameter of type %T cannot key the solver state (not comparable)", vg)
	}
	if p, ok := b.params[vg]; ok {
		if p.dtype != w.dt || !p.shape.Eq(w.sh) {
			return nil, b.errorf("parameter %s changed from %v %v to %v %v", p.name, p.dtype, p.shape, w.dt, w.sh)
		}
		return p, nil
	}
	p := &param{name: nodeName(vg), dtype: w.dt, shape: w.sh.Clone(), sc: make([]float64, len(b.scalarNames))}
	n := max(len(w.f32), len(w.f64))
	if p.f32() {
		p.s32 = make([][]float32, len(b.slotNames))
		for i := range p.s32 {
			p.s32[i] = make([]float32, n)
		}
		p.w32 = w.f32
	} else {
		p.s64 = make([][]float64, len(b.slotNames))
		for i := range p.s64 {
			p.s64[i] = make([]float64, n)
		}
		p.w64 = w.f64
	}
	if ps, ok := b.pending[p.name]; ok && p.name != "" {
		if err := b.restore(p, ps); err != nil {
			return nil, err
		}
		delete(b.pending, p.name)
	} else if b.init != nil {
		b.init(p)
	}
	b.params[vg] = p
	return p, nil
}

// prepare validates every parameter of model before anything is changed,
// sets the current value and gradient slices, and clips the gradients.
func (b *base) prepare(model []gorgonia.ValueGrad) error {
	if math.IsNaN(b.lr) || math.IsInf(b.lr, 0) || b.lr < 0 {
		return b.errorf("lr=%v: must be a finite number >= 0", b.lr)
	}
	b.gen++
	b.cur = b.cur[:0]
	for i, vg := range model {
		if vg == nil {
			return b.errorf("parameter %d is nil", i)
		}
		w, err := data(vg.Value())
		if err != nil {
			return b.errorf("parameter %d (%s): value is %v", i, nodeName(vg), err)
		}
		gv, err := vg.Grad()
		if err != nil {
			return errors.Wrapf(err, "solvers: %s: parameter %d (%s) has no gradient", b.name, i, nodeName(vg))
		}
		g, err := data(gv)
		if err != nil {
			return b.errorf("parameter %d (%s): gradient is %v", i, nodeName(vg), err)
		}
		if g.dt != w.dt || !g.sh.Eq(w.sh) || len(g.f32) != len(w.f32) || len(g.f64) != len(w.f64) {
			return b.errorf("parameter %d (%s): gradient is %v %v, value is %v %v", i, nodeName(vg), g.dt, g.sh, w.dt, w.sh)
		}
		p, err := b.lookup(vg, w)
		if err != nil {
			return err
		}
		if p.gen == b.gen {
			return b.errorf("parameter %d (%s) appears twice in one Step", i, nodeName(vg))
		}
		p.gen = b.gen
		p.w32, p.g32, p.w64, p.g64 = w.f32, g.f32, w.f64, g.f64
		b.cur = append(b.cur, p)
	}
	b.clip()
	return nil
}

// clip applies clip_value (elementwise, as torch.nn.utils.clip_grad_value_)
// and then clip_norm (one L2 norm over all gradients of the Step, as
// torch.nn.utils.clip_grad_norm_).
func (b *base) clip() {
	if c := b.clipValue; c > 0 {
		for _, p := range b.cur {
			if p.f32() {
				clampSlice(p.g32, float32(c))
			} else {
				clampSlice(p.g64, c)
			}
		}
	}
	if b.clipNorm <= 0 {
		return
	}
	var sum float64
	for _, p := range b.cur {
		if p.f32() {
			sum += sumSquares(p.g32)
		} else {
			sum += sumSquares(p.g64)
		}
	}
	total := math.Sqrt(sum)
	// torch: clip_coef = max_norm / (total_norm + 1e-6), clamped to <= 1,
	// computed in the gradients' dtype.
	coef64 := b.clipNorm / (total + 1e-6)
	coef32 := float32(b.clipNorm) / (float32(total) + float32(1e-6))
	for _, p := range b.cur {
		if p.f32() {
			if coef32 < 1 {
				scaleSlice(p.g32, coef32)
			}
		} else if coef64 < 1 {
			scaleSlice(p.g64, coef64)
		}
	}
}

// finish zeroes the gradients of the current Step, unless the kernels
// have (b.zeroes). The value slices are kept: SFAdamW's and Lookahead's
// mode swaps write through them.
func (b *base) finish() {
	for _, p := range b.cur {
		if !b.zeroes {
			clear(p.g32)
			clear(p.g64)
		}
		p.g32, p.g64 = nil, nil
	}
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

// update is the Step of a solver whose parameters are updated one by one:
// it validates and clips (prepare), advances each parameter's step count
// and calls f on it, then zeroes the gradients.
func (b *base) update(model []gorgonia.ValueGrad, f func(p *param)) error {
	if err := b.prepare(model); err != nil {
		return err
	}
	b.each(f)
	return nil
}

// each is update after prepare.
func (b *base) each(f func(p *param)) {
	for _, p := range b.cur {
		p.step++
		f(p)
	}
	b.finish()
}

// kernel is an element loop over the value w, the gradient g and the
// slots s of one parameter, with its per-step arguments k.
type kernel[T float, K any] func(w, g []T, s [][]T, k K)

// dispatch runs the float32 or float64 instantiation of a kernel on p.
func dispatch[K any](p *param, k K, f32 kernel[float32, K], f64 kernel[float64, K]) {
	if p.f32() {
		f32(p.w32, p.g32, p.s32, k)
	} else {
		f64(p.w64, p.g64, p.s64, k)
	}
}
