package solvers

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/pkg/errors"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// This file: Base, the per-parameter machinery every solver of this
// package is built on, exported so that a user's own solver is built on
// the same code (see "Writing your own solver" in the package
// documentation).

// Float is the element type of the parameters a solver updates: a
// kernel written once as func[T Float](w, g []T, ...) serves both dtypes
// (see Dispatch).
type Float interface{ ~float32 | ~float64 }

// float is Float, for the package's own kernels.
type float = Float

// BaseOptions are the hyperparameters every solver has. The zero value is
// a learning rate of 0 and no clipping.
type BaseOptions struct {
	LR        float64 // learning rate, >= 0; LearnRate and SetLearnRate read and set it
	ClipNorm  float64 // clip the global L2 norm of a Step's gradients to this; 0: off
	ClipValue float64 // clip each gradient element to ±this; 0: off
}

// Param is one parameter as a solver's update rule sees it during
// Base.Update: its name, its step count, the backing slices of its value
// and gradient, and its state slots, of the parameter's dtype. The slices
// of the other dtype are nil. They are valid only during the call of the
// rule: do not keep them.
type Param struct {
	name  string
	index int // its position in the model of the Step that first saw it
	dtype tensor.Dtype
	shape tensor.Shape
	step  int
	gen   uint64 // the Step generation that last saw this parameter

	sc  []float64   // per-parameter scalars (Base.scalarNames)
	s32 [][]float32 // slots, float32 parameters
	s64 [][]float64 // slots, float64 parameters

	w32, g32 []float32 // value (of the last Step) and gradient (during a Step)
	w64, g64 []float64
}

func (p *Param) f32() bool { return p.dtype == tensor.Float32 }

// Name returns the parameter's node name, "" if it has none.
func (p *Param) Name() string { return p.name }

// Step returns the number of optimizer steps this parameter has taken,
// the current one included: 1 on its first Update (or one more than the
// count restored by SetState).
func (p *Param) Step() int { return p.step }

// Float32 reports whether the parameter is float32 (W32, G32 and Slot32
// hold its data); otherwise it is float64 (W64, G64, Slot64).
func (p *Param) Float32() bool { return p.f32() }

// Shape returns the parameter's shape (empty for a scalar). Do not modify it.
func (p *Param) Shape() tensor.Shape { return p.shape }

// W32 returns the value of a float32 parameter, updated in place; nil for float64.
func (p *Param) W32() []float32 { return p.w32 }

// G32 returns the gradient of a float32 parameter, already validated and
// clipped; nil for float64.
func (p *Param) G32() []float32 { return p.g32 }

// Slot32 returns state slot i (in the order of the slot names given to
// NewBase) of a float32 parameter, as long as its value; nil for float64.
// Slots start at zero.
func (p *Param) Slot32(i int) []float32 {
	if p.s32 == nil {
		return nil
	}
	return p.s32[i]
}

// W64 returns the value of a float64 parameter, updated in place; nil for float32.
func (p *Param) W64() []float64 { return p.w64 }

// G64 returns the gradient of a float64 parameter, already validated and
// clipped; nil for float32.
func (p *Param) G64() []float64 { return p.g64 }

// Slot64 returns state slot i of a float64 parameter; nil for float32.
func (p *Param) Slot64(i int) []float64 {
	if p.s64 == nil {
		return nil
	}
	return p.s64[i]
}

// Dispatch runs the float32 or the float64 kernel on p's value, gradient
// and slots, with the per-step arguments k. With a kernel written once,
// func rule[T solvers.Float](w, g []T, s [][]T, k K), pass rule[float32]
// and rule[float64]. It allocates nothing.
func Dispatch[K any](p *Param, k K, f32 func(w, g []float32, s [][]float32, k K), f64 func(w, g []float64, s [][]float64, k K)) {
	if p.f32() {
		f32(p.w32, p.g32, p.s32, k)
	} else {
		f64(p.w64, p.g64, p.s64, k)
	}
}

// Base is what every solver of this package is built on, and what a
// user's own solver embeds: the learning rate (LearnRate, SetLearnRate),
// gradient validation and clipping, per-parameter state slots allocated
// on a parameter's first Step, and State and SetState (Stater) for
// checkpoints. A solver's Step calls Update with its update rule. Build a
// Base with NewBase; its zero value is not usable.
type Base struct {
	name      string // the spec name, as in "solvers: adam: ..."
	lr        float64
	clipNorm  float64 // 0: off
	clipValue float64 // 0: off
	slotNames []string
	err       error // an invalid NewBase argument, returned by Step, State and SetState

	// scalarNames name per-parameter float64 scalars (NAdam's mu_product).
	scalarNames []string
	// init, if not nil, initialises the slots of a newly seen parameter
	// from its value (they start at zero otherwise).
	init func(p *Param)
	// slotLen, if not nil, gives the length of slot i of a newly seen
	// parameter (Adafactor's factored moments, Muon's parameters that go
	// to its inner solver); otherwise every slot is as long as the value.
	// It is called once per parameter, at first sight, with p's name,
	// dtype and shape set (and its slices not yet).
	slotLen func(p *Param, i int) int
	// zeroes says that the solver's kernels zero each gradient element in
	// the pass that reads it, so finish need not clear the gradients again.
	zeroes bool

	params  map[gorgonia.ValueGrad]*Param
	order   []*Param               // params in order of first sight
	pending map[string]*ParamState // restored by SetState, adopted on first sight
	// checkPending: the next Step that gets through validation must have
	// adopted every pending state (see SetState).
	checkPending bool
	cur          []*Param // the parameters of the current Step, in order
	gen          uint64
}

// base is Base, for the package's own solvers.
type base = Base

var (
	_ LearnRater = (*Base)(nil)
	_ Stater     = (*Base)(nil)
)

// NewBase returns the Base of a solver named name (the name its errors
// and its State carry; the name it is registered under, if it is), with
// the given options and one state slot per name in slots (moments,
// accumulators: named as they are in State). An invalid argument — an
// empty name, a negative or non-finite option, an empty or repeated slot
// name — is returned as an error by the solver's first Step, State or
// SetState, and by Parse for a registered solver.
func NewBase(name string, opt BaseOptions, slots ...string) Base {
	b := Base{name: name, lr: opt.LR, clipNorm: opt.ClipNorm, clipValue: opt.ClipValue,
		slotNames: slices.Clone(slots), params: map[gorgonia.ValueGrad]*Param{}}
	if name == "" {
		b.name = "?"
		b.err = errors.New("solvers: NewBase: empty solver name")
		return b
	}
	c := checker{solver: name + ": NewBase"}
	c.common(opt.LR, opt.ClipNorm, opt.ClipValue)
	for i, s := range slots {
		c.check(s != "" && !slices.Contains(slots[:i], s), "slot", strconv.Quote(s), "a non-empty name given once")
	}
	b.err = c.err
	return b
}

// baseErr returns the error of NewBase's arguments. It is promoted to
// every type that embeds a Base, so that Parse reports the error of a
// registered solver's NewBase (a negative lr, say) rather than its first Step.
func (b *Base) baseErr() error { return b.err }

func newBase(name string, lr, clipNorm, clipValue float64, slots ...string) base {
	return NewBase(name, BaseOptions{LR: lr, ClipNorm: clipNorm, ClipValue: clipValue}, slots...)
}

// LearnRate returns the current learning rate.
func (b *Base) LearnRate() float64 { return b.lr }

// SetLearnRate sets the learning rate used by the following Steps. A
// negative or non-finite rate makes the next Step return an error.
func (b *Base) SetLearnRate(lr float64) { b.lr = lr }

func (b *Base) errorf(format string, args ...any) error {
	return errors.Errorf("solvers: "+b.name+": "+format, args...)
}

// Update is the Step of a solver whose parameters are updated one by one.
// It validates every parameter of model before anything is changed (a
// value that is not a contiguous *tensor.Dense or a Gorgonia float
// scalar, a missing gradient, a gradient whose dtype or shape differs
// from the value, a parameter listed twice, a negative learning rate: an
// error, and every parameter is left unchanged), allocates the state of
// parameters seen for the first time, clips the gradients (clip_value,
// then clip_norm over all of them), then, for each parameter in the order
// of model, advances its step count and calls rule, and finally zeroes
// every gradient. In steady state it allocates nothing (nor does rule
// need to: a closure that does not escape is not allocated).
func (b *Base) Update(model []gorgonia.ValueGrad, rule func(p *Param)) error {
	if err := b.prepare(model); err != nil {
		return err
	}
	b.each(rule)
	return nil
}

// each is Update after prepare.
func (b *Base) each(f func(p *Param)) {
	for _, p := range b.cur {
		p.step++
		f(p)
	}
	b.finish()
}

// Spec returns the spec of the solver: its name and, in parentheses, the
// key/value pairs of keyvals (key string, value float64, int, bool,
// string for an identifier, or a fmt.Stringer such as an inner solver),
// then clip_norm and clip_value if they are on. A pair whose key is ""
// is a positional argument (an inner solver spec), written after the
// keys. It is how a solver's String method writes the spec that Parse
// reads back, as in
//
//	func (s *SignSGD) String() string { return s.Spec("lr", s.lr0, "beta", s.beta) }
func (b *Base) Spec(keyvals ...any) string {
	var sb strings.Builder
	sb.WriteString(b.name)
	n := 0
	arg := func(key string, v any) {
		if n == 0 {
			sb.WriteByte('(')
		} else {
			sb.WriteByte(',')
		}
		n++
		if key != "" {
			sb.WriteString(key)
			sb.WriteByte('=')
		}
		sb.WriteString(formatValue(v))
	}
	var positional []any
	for i := 0; i+1 < len(keyvals); i += 2 {
		key, _ := keyvals[i].(string)
		if key == "" {
			positional = append(positional, keyvals[i+1])
			continue
		}
		arg(key, keyvals[i+1])
	}
	if b.clipNorm != 0 {
		arg("clip_norm", b.clipNorm)
	}
	if b.clipValue != 0 {
		arg("clip_value", b.clipValue)
	}
	for _, v := range positional {
		arg("", v)
	}
	if n > 0 {
		sb.WriteByte(')')
	}
	return sb.String()
}

// formatValue writes v as the spec grammar reads it (numbers as
// internal/spec's canonical form, strconv 'g' with the shortest exact
// digits).
func formatValue(v any) string {
	switch v := v.(type) {
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	case int:
		return strconv.Itoa(v)
	case bool:
		return strconv.FormatBool(v)
	case string:
		return v
	case interface{ String() string }:
		return v.String()
	}
	return fmt.Sprint(v)
}

// unnamedPrefix starts what (*gorgonia.Node).Name returns for an input
// node made without gorgonia.WithName: its nil op formatted with %s.
const unnamedPrefix = "%!s(<nil>)("

// nodeName returns the name of a parameter, "" if it has none.
func nodeName(vg gorgonia.ValueGrad) string {
	n, ok := vg.(gorgonia.Namer)
	if !ok {
		return ""
	}
	name := n.Name()
	if _, node := vg.(*gorgonia.Node); node && strings.HasPrefix(name, unnamedPrefix) {
		return ""
	}
	return name
}

// label names parameter i of a Step in an error: "parameter 2 (W)", or
// "parameter 2 (unnamed)".
func label(i int, vg gorgonia.ValueGrad) string {
	name := nodeName(vg)
	if name == "" {
		name = "unnamed"
	}
	return "parameter " + strconv.Itoa(i) + " (" + name + ")"
}

// lookup returns the state of vg, allocating it on first sight.
func (b *Base) lookup(i int, vg gorgonia.ValueGrad, w tensorData) (*Param, error) {
	if _, ok := vg.(*gorgonia.Node); !ok && !isComparable(vg) {
		return nil, b.errorf("%s of type %T cannot key the solver state (not comparable)", label(i, vg), vg)
	}
	if p, ok := b.params[vg]; ok {
		if p.dtype != w.dt || !p.shape.Eq(w.sh) {
			return nil, b.errorf("%s changed from %v %v to %v %v", label(i, vg), p.dtype, p.shape, w.dt, w.sh)
		}
		return p, nil
	}
	p := &Param{name: nodeName(vg), index: i, dtype: w.dt, shape: w.sh.Clone(), sc: make([]float64, len(b.scalarNames))}
	n := max(len(w.f32), len(w.f64))
	size := func(i int) int {
		if b.slotLen != nil {
			return b.slotLen(p, i)
		}
		return n
	}
	if p.f32() {
		p.s32 = make([][]float32, len(b.slotNames))
		for i := range p.s32 {
			p.s32[i] = make([]float32, size(i))
		}
		p.w32 = w.f32
	} else {
		p.s64 = make([][]float64, len(b.slotNames))
		for i := range p.s64 {
			p.s64[i] = make([]float64, size(i))
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
	b.order = append(b.order, p)
	return p, nil
}

// prepare validates every parameter of model before anything is changed,
// sets the current value and gradient slices, and clips the gradients.
func (b *Base) prepare(model []gorgonia.ValueGrad) error {
	if b.err != nil {
		return b.err
	}
	if b.params == nil {
		return errors.New("solvers: a Base must be built with NewBase")
	}
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
			return b.errorf("%s: value is %v", label(i, vg), err)
		}
		gv, err := vg.Grad()
		if err != nil {
			return errors.Wrapf(err, "solvers: %s: %s has no gradient", b.name, label(i, vg))
		}
		g, err := data(gv)
		if err != nil {
			return b.errorf("%s: gradient is %v", label(i, vg), err)
		}
		if g.dt != w.dt || !g.sh.Eq(w.sh) || len(g.f32) != len(w.f32) || len(g.f64) != len(w.f64) {
			return b.errorf("%s: gradient is %v %v, value is %v %v", label(i, vg), g.dt, g.sh, w.dt, w.sh)
		}
		p, err := b.lookup(i, vg, w)
		if err != nil {
			return err
		}
		if p.gen == b.gen {
			return b.errorf("%s appears twice in one Step", label(i, vg))
		}
		p.gen = b.gen
		p.w32, p.g32, p.w64, p.g64 = w.f32, g.f32, w.f64, g.f64
		b.cur = append(b.cur, p)
	}
	if b.checkPending {
		if len(b.pending) > 0 {
			return b.errorf("SetState: the State has parameters the model does not have: %s "+
				"(remove them from State.Params to restore part of a model)", quoted(sortedKeys(b.pending)))
		}
		b.checkPending = false
	}
	b.clip()
	return nil
}

func quoted(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, ", ")
}

// clip applies clip_value (elementwise, as torch.nn.utils.clip_grad_value_)
// and then clip_norm (one L2 norm over all gradients of the Step, as
// torch.nn.utils.clip_grad_norm_).
func (b *Base) clip() {
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
func (b *Base) finish() {
	for _, p := range b.cur {
		if !b.zeroes {
			clear(p.g32)
			clear(p.g64)
		}
		p.g32, p.g64 = nil, nil
	}
}
