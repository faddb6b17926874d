package layers

import (
	"fmt"
	"math/rand/v2"

	"github.com/pkg/errors"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Layer is one piece of a model. Build adds the layer's forward computation
// on x to x's graph and returns the output node.
//
// A Layer value is a description, not a container of weights: the weights
// live in the Builder's Store, so the same Layer value can be built into a
// training graph and an evaluation graph that share weights, and into two
// models that don't.
type Layer interface {
	Build(b *Builder, x *gorgonia.Node) (*gorgonia.Node, error)
}

// Func adapts a function to the Layer interface.
type Func func(b *Builder, x *gorgonia.Node) (*gorgonia.Node, error)

// Build calls f.
func (f Func) Build(b *Builder, x *gorgonia.Node) (*gorgonia.Node, error) { return f(b, x) }

// Store holds the parameter tensors of one model, by name. The training and
// the evaluation graph of a model are built from the same Store, so their
// parameter nodes share the same tensors: a solver updating the training
// graph's values in place updates the evaluation graph's too.
type Store struct {
	Seed    uint64
	Dtype   tensor.Dtype
	tensors map[string]*tensor.Dense
	order   []string
	buffers map[string]bool // names of non-trainable tensors (see Buffer)
}

// NewStore returns an empty store whose parameters are initialised from
// seed, in dtype (tensor.Float32 or tensor.Float64).
func NewStore(seed uint64, dtype tensor.Dtype) (*Store, error) {
	if dtype != tensor.Float32 && dtype != tensor.Float64 {
		return nil, errors.Errorf("layers: dtype %v not supported (want float32 or float64)", dtype)
	}
	return &Store{Seed: seed, Dtype: dtype, tensors: map[string]*tensor.Dense{}}, nil
}

// Names returns the parameter names in creation order.
func (s *Store) Names() []string { return append([]string(nil), s.order...) }

// Tensor returns the parameter called name, or nil.
func (s *Store) Tensor(name string) *tensor.Dense { return s.tensors[name] }

// Buffer returns the non-trainable tensor called name — batch
// normalisation's running statistics, say — creating it with the given
// shape and initial values on first use. A buffer lives in the Store with
// the parameters (Names and Tensor list it, so it is saved and restored with
// the model), but it is never a graph parameter: no Builder returns it from
// Params, so no solver and no regularizer sees it. The layer that owns it
// updates it in place.
func (s *Store) Buffer(name string, shape tensor.Shape, init Init) (*tensor.Dense, error) {
	if err := checkInit(init, name); err != nil {
		return nil, err
	}
	if t, ok := s.tensors[name]; ok {
		if !s.buffers[name] {
			return nil, errors.Errorf("layers: buffer %s: the name is taken by a parameter", name)
		}
		if !t.Shape().Eq(shape) {
			return nil, errors.Errorf("layers: buffer %s: asked for shape %v, already stored with shape %v", name, shape, t.Shape())
		}
		return t, nil
	}
	vals := make([]float64, shape.TotalSize())
	init(paramRand(s.Seed, name), 0, 0, vals)
	t := newDense(s.Dtype, shape, vals)
	s.tensors[name] = t
	s.order = append(s.order, name)
	if s.buffers == nil {
		s.buffers = map[string]bool{}
	}
	s.buffers[name] = true
	return t, nil
}

// IsBuffer reports whether name is a non-trainable buffer (see Buffer)
// rather than a parameter.
func (s *Store) IsBuffer(name string) bool { return s.buffers[name] }

// Builder builds layers into one graph. A model makes one Builder per graph
// (training, evaluation) over one Store; layers must be built in the same
// order into each, so that the names the Builder hands out match.
type Builder struct {
	Graph *gorgonia.ExprGraph
	Store *Store
	// Training is true in the training graph: dropout is active and batch
	// normalisation uses batch statistics.
	Training bool
	// Workers, if not nil, run the matrix products and parallel passes of
	// the ops built from now on (graph.Model sets its own); nil runs them
	// on the calling goroutine.
	Workers *Workers

	params []*gorgonia.Node
	counts map[string]int
	kinds  map[string]string // parameter name -> its Role
	hooks  []BatchHook
	// mixing names the first layer whose output for one sample depends on
	// the other samples of the batch (batch normalisation), or is "".
	mixing string
	losses []*gorgonia.Node
}

// AddLoss records a (batch) vector of per-sample terms that a model adds
// to its per-sample losses, in the training graph and in the evaluation
// graph (where they are part of the reported loss) — a VAE's KL
// divergence, say (GaussianSample). graph.Model takes them in models with
// a Config.Loss, in the order they were recorded.
func (b *Builder) AddLoss(term *gorgonia.Node) error {
	if term == nil || term.Dims() != 1 {
		return errors.Errorf("layers: AddLoss: want a (batch) vector node, got %v", term)
	}
	b.losses = append(b.losses, term)
	return nil
}

// Losses returns the terms recorded by AddLoss.
func (b *Builder) Losses() []*gorgonia.Node { return append([]*gorgonia.Node(nil), b.losses...) }

// MixSamples records that layer name computes across the samples of a
// batch (as batch normalisation's statistics do), so that padding rows of
// a partial batch would change the other rows' outputs. Layers with such
// statistics call it from Build.
func (b *Builder) MixSamples(name string) {
	if b.mixing == "" {
		b.mixing = name
	}
}

// MixesSamples returns the first layer that called MixSamples, or "" when
// every sample's output depends on that sample only.
func (b *Builder) MixesSamples() string { return b.mixing }

// BatchHook is called by the training loop before each forward pass of the
// graph it was registered in, with the batch's sequence number (the
// optimizer step), so that a layer can refill an input of its own — a
// dropout mask, say — as a pure function of the seed and the step.
type BatchHook func(step int) error

// NewBuilder returns a Builder for graph g over store s.
func NewBuilder(g *gorgonia.ExprGraph, s *Store, training bool) *Builder {
	return &Builder{Graph: g, Store: s, Training: training, counts: map[string]int{}, kinds: map[string]string{}}
}

// Name returns a fresh name for a layer of the given kind: dense0, dense1, …
// Names depend only on the build order.
func (b *Builder) Name(kind string) string {
	n := b.counts[kind]
	b.counts[kind]++
	return fmt.Sprintf("%s%d", kind, n)
}

// Role tells regularisers what a parameter is: weights are penalised by
// default, biases and normalisation parameters are not.
type Role string

// Parameter roles.
const (
	Weight Role = "weight"
	Bias   Role = "bias"
	Norm   Role = "norm" // normalisation scales and shifts (BatchNorm γ, β)
)

// Param returns a node in b's graph for the parameter called name, bound
// to the Store's tensor of that name, which is created and initialised on
// first use. fanIn and fanOut are passed to init.
func (b *Builder) Param(name string, role Role, shape tensor.Shape, fanIn, fanOut int, init Init) (*gorgonia.Node, error) {
	if err := checkInit(init, name); err != nil {
		return nil, err
	}
	t, ok := b.Store.tensors[name]
	if !ok {
		vals := make([]float64, shape.TotalSize())
		init(paramRand(b.Store.Seed, name), fanIn, fanOut, vals)
		t = newDense(b.Store.Dtype, shape, vals)
		b.Store.tensors[name] = t
		b.Store.order = append(b.Store.order, name)
	} else if !t.Shape().Eq(shape) {
		return nil, errors.Errorf("layers: parameter %s: built with shape %v, already stored with shape %v", name, shape, t.Shape())
	}
	n := gorgonia.NewTensor(b.Graph, b.Store.Dtype, len(shape), gorgonia.WithShape(shape...), gorgonia.WithName(name), gorgonia.WithValue(t))
	b.params = append(b.params, n)
	b.kinds[name] = string(role)
	return n, nil
}

// Params returns the parameter nodes built so far, in creation order.
func (b *Builder) Params() []*gorgonia.Node { return append([]*gorgonia.Node(nil), b.params...) }

// ParamRole returns the role a parameter was created with.
func (b *Builder) ParamRole(n *gorgonia.Node) Role { return Role(b.kinds[n.Name()]) }

// OnBatch registers a hook run before each training forward pass.
func (b *Builder) OnBatch(h BatchHook) { b.hooks = append(b.hooks, h) }

// Hooks returns the registered batch hooks.
func (b *Builder) Hooks() []BatchHook { return append([]BatchHook(nil), b.hooks...) }

// Rand returns a random stream that is a function of the store's seed and
// name only.
func (b *Builder) Rand(name string) *rand.Rand { return paramRand(b.Store.Seed, name) }

func newDense(dt tensor.Dtype, shape tensor.Shape, vals []float64) *tensor.Dense {
	if dt == tensor.Float32 {
		f := make([]float32, len(vals))
		for i, v := range vals {
			f[i] = float32(v)
		}
		return tensor.New(tensor.WithShape(shape.Clone()...), tensor.WithBacking(f))
	}
	return tensor.New(tensor.WithShape(shape.Clone()...), tensor.WithBacking(vals))
}

// Sequential is a stack of layers applied in order.
type Sequential []Layer

// Stack returns the layers as a Sequential.
func Stack(ls ...Layer) Sequential { return Sequential(ls) }

// Build applies every layer in turn.
func (s Sequential) Build(b *Builder, x *gorgonia.Node) (*gorgonia.Node, error) {
	for i, l := range s {
		if l == nil {
			return nil, errors.Errorf("layers: Sequential: layer %d is nil", i)
		}
		var err error
		if x, err = l.Build(b, x); err != nil {
			return nil, err
		}
	}
	return x, nil
}

// BuildSafe calls l.Build and turns a panic inside Gorgonia's graph
// construction into an error naming the layer.
func BuildSafe(l Layer, b *Builder, x *gorgonia.Node) (out *gorgonia.Node, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errors.Errorf("layers: building %T: panic: %v", l, r)
		}
	}()
	return l.Build(b, x)
}
