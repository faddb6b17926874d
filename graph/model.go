package graph

import (
	"math"
	"strings"

	"github.com/convergo/convergo/datasets"
	"github.com/convergo/convergo/internal/num"
	"github.com/convergo/convergo/layers"
	"github.com/convergo/convergo/solvers"
	"github.com/pkg/errors"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Config describes a classification model around a network.
type Config struct {
	// Input is the shape of one sample, e.g. {784} for an MLP or
	// {1, 28, 28} for a convnet. Its product must equal the dataset's
	// Features().
	Input []int
	// Classes is the number of output classes; the network must end with
	// (batch, Classes) logits.
	Classes int
	// Batch is the training batch size (default 64). Gorgonia fixes a
	// graph's shapes, so it is part of the model.
	Batch int
	// EvalBatch is the batch size of the evaluation graph (default 1000).
	EvalBatch int
	// Dtype is tensor.Float32 (the default) or tensor.Float64.
	Dtype tensor.Dtype
	// Seed determines the initial weights (and any other randomness a layer
	// draws at construction or per batch, such as dropout masks).
	Seed uint64
	// Penalty, if not nil, returns a term added to the training loss — a
	// regularizer. It is called once, on the training graph, with the
	// builder (for parameter roles) and the parameters.
	Penalty func(b *layers.Builder, params []*gorgonia.Node) (*gorgonia.Node, error)
	// Threads is the number of goroutines that run the model's matrix
	// products and parallel passes (default 1: the goroutine calling the
	// model). The model's goroutines are its own (layers.Workers): its
	// speed does not depend on GOMAXPROCS or on other models training in
	// the same process, and its results do not depend on Threads. Under
	// the openblas build tag OpenBLAS runs single-threaded on the
	// model's goroutines too (layers.Workers).
	Threads int
	// Positions, when > 0, makes the model a sequence classifier (a
	// language model): the network ends with (batch·Positions, Classes)
	// logits, row b·Positions + t predicting label t of sample b, whose
	// labels are the dataset's per-position labels (datasets.Set.Seq, with
	// SeqLen = Positions). The training loss is SoftmaxCrossEntropy over
	// every position of the batch (the mean per position); Evaluate reports
	// the mean cross-entropy and the accuracy per position. See "Models
	// without labels, sequence models" in the package documentation.
	Positions int
	// Loss, when not nil, replaces the cross-entropy: it returns a
	// (batch) vector of per-sample losses of the network's input x and
	// output out (SquaredError, say), built into the training and the
	// evaluation graph. The model needs no labels (Classes may be 0); the
	// training loss is the mean over the batch's real rows of this vector
	// plus the per-sample terms layers record with Builder.AddLoss (a VAE's
	// KL divergence), and Evaluate reports the same mean over the
	// evaluation set, with a NaN accuracy.
	Loss LossFunc
}

func (c *Config) defaults() {
	if c.Batch == 0 {
		c.Batch = 64
	}
	if c.EvalBatch == 0 {
		c.EvalBatch = 1000
	}
	if c.Dtype == (tensor.Dtype{}) {
		c.Dtype = tensor.Float32
	}
	if c.Threads == 0 {
		c.Threads = 1
	}
}

func (c *Config) validate() error {
	if len(c.Input) == 0 {
		return errors.New("graph: Config.Input (the shape of one sample) is empty")
	}
	for _, d := range c.Input {
		if d <= 0 {
			return errors.Errorf("graph: Config.Input %v has a dimension ≤ 0", c.Input)
		}
	}
	if c.Positions < 0 {
		return errors.Errorf("graph: Config.Positions = %d, want ≥ 0", c.Positions)
	}
	if c.Loss != nil && c.Positions > 0 {
		return errors.New("graph: Config.Loss and Config.Positions are both set; a sequence model's loss is the cross-entropy")
	}
	if c.Classes < 2 && c.Loss == nil {
		return errors.Errorf("graph: Config.Classes = %d, want ≥ 2", c.Classes)
	}
	if c.Batch < 1 || c.EvalBatch < 1 {
		return errors.Errorf("graph: batch sizes must be ≥ 1 (Batch %d, EvalBatch %d)", c.Batch, c.EvalBatch)
	}
	if c.Dtype != tensor.Float32 && c.Dtype != tensor.Float64 {
		return errors.Errorf("graph: Config.Dtype %v, want float32 or float64", c.Dtype)
	}
	if c.Threads < 1 {
		return errors.Errorf("graph: Config.Threads = %d, want ≥ 1", c.Threads)
	}
	return nil
}

// features is the product of the input shape.
func (c *Config) features() int {
	n := 1
	for _, d := range c.Input {
		n *= d
	}
	return n
}

// half is one compiled graph: its input, target and output nodes and the
// machine that runs it.
type half struct {
	g      *gorgonia.ExprGraph
	b      *layers.Builder
	x      *gorgonia.Node // (batch, Input...)
	xT     *tensor.Dense
	logits *gorgonia.Node
	t      *gorgonia.Node // one-hot targets, training graph only
	tT     *tensor.Dense
	loss   *gorgonia.Node
	vm     *machine
	batch  int
	hooks  []layers.BatchHook
	// the data of xT and tT, one of each pair non-nil (Dense.Data boxes a
	// slice in an interface, which allocates)
	x32, t32 []float32
	x64, t64 []float64
	outBuf   []float64 // logits copied out, evaluation
	scratch  []float64
	// rows are the per-sample losses of a model with Config.Loss (the
	// evaluation graph's output); mask marks the real rows of a training
	// batch (1) and the padding (0).
	rows   *gorgonia.Node
	mask   *tensor.Dense
	mask32 []float32
	mask64 []float64
}

// Model is a classifier built twice from one network description: a
// training graph (loss, gradients, dropout active) and an evaluation graph
// (logits only, dropout off), whose parameter nodes share the same weight
// tensors. A solver updating the training parameters in place is therefore
// seen by the evaluation graph, and evaluating never disturbs training
// state. Input and target tensors are bound once and filled per batch.
type Model struct {
	cfg    Config
	store  *layers.Store
	train  half
	eval   half
	params []*gorgonia.Node
	net    layers.Layer
	wk     *layers.Workers
}

// Gorgonia v0.9.18 keeps constant nodes in package variables (its
// const.go): 0, 1, 2, 3 and ln 2, in float32 and float64, which it adds to
// every graph that needs one — gorgonia.Grad (the seed gradient 1),
// Rectify and LeakyRelu (0), and the symbolic derivatives of Square, Sqrt
// and InverseSqrt (2), Cube (3), Log2 (ln 2), Tanh, Sigmoid, Log1p and Pow
// (1). Adding a node to a graph calls Node.Hashcode, which computes the
// hash on first use and caches it in the node, unsynchronised: two
// goroutines building the first graphs of a process (compare's parallel
// trials) both wrote the shared nodes' hash fields, a data race (issue 16).
// Nothing else writes to them: graphs get clones, and at run time (in
// convergo's machine as in a TapeMachine, which keeps constants out of its
// in-place reuse) their values are only read. (A twelfth node, 1+1e-16 for
// BinaryXent, is never hashed: it is named "1" like the 1 BinaryXent adds
// first, and AddNode returns a constant of the same name unhashed.)
//
// warmGorgonia fills those caches by building and differentiating one
// small throwaway graph per dtype that adds each of the ten nodes. It runs
// when package graph is initialised, because initialisation happens before
// main and before any goroutine it starts: every later graph of the
// process, built by NewModel or with gorgonia directly (as solvertest.Run
// does for compare's analytic problems), then only reads the cached hashes.
// A sync.Once or a mutex inside NewModel would order NewModel calls only.
// TestGorgoniaConstantsWarm checks that all ten are reached.
// It costs about 0.5 ms and 100 KB once per process (GODEBUG=inittrace=1);
// TestWarmGorgoniaCost bounds it.
func init() { warmGorgonia() }

func warmGorgonia() {
	for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
		if err := warmGorgoniaDtype(dt); err != nil {
			// A fixed, valid graph: this fails only if Gorgonia changed.
			panic(errors.Wrapf(err, "graph: warming Gorgonia's shared constant nodes (%v)", dt))
		}
	}
}

func warmGorgoniaDtype(dt tensor.Dtype) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errors.Errorf("panic: %v", r)
		}
	}()
	g := gorgonia.NewGraph()
	x := gorgonia.NewVector(g, dt, gorgonia.WithShape(2), gorgonia.WithName("x"))
	cost := x
	// Each op adds one constant, in its forward graph or its derivative:
	// 0, 2, 3, ln 2; Grad adds 1.
	for _, f := range []func(*gorgonia.Node) (*gorgonia.Node, error){gorgonia.Rectify, gorgonia.Square, gorgonia.Cube, gorgonia.Log2} {
		if cost, err = f(cost); err != nil {
			return err
		}
	}
	if cost, err = gorgonia.Sum(cost); err != nil {
		return err
	}
	_, err = gorgonia.Grad(cost, x)
	return err
}

// NewModel builds the training and evaluation graphs of net.
func NewModel(net layers.Layer, cfg Config) (m *Model, err error) {
	cfg.defaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if net == nil {
		return nil, errors.New("graph: NewModel: nil network")
	}
	store, err := layers.NewStore(cfg.Seed, cfg.Dtype)
	if err != nil {
		return nil, err
	}
	m = &Model{cfg: cfg, store: store, net: net, wk: layers.NewWorkers(cfg.Threads)}
	if err := m.build(&m.train, net, true, cfg.Batch); err != nil {
		return nil, err
	}
	if err := m.build(&m.eval, net, false, cfg.EvalBatch); err != nil {
		return nil, err
	}
	m.params = m.train.b.Params()
	if len(m.params) == 0 {
		return nil, errors.New("graph: NewModel: the network has no parameters")
	}
	if err := m.compile(); err != nil {
		return nil, err
	}
	return m, nil
}

// compile differentiates the training loss, binds each parameter's
// gradient tensor (its dual value, which Node.Grad returns) and compiles
// both graphs' machines.
func (m *Model) compile() (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errors.Errorf("graph: NewModel: panic: %v", r)
		}
	}()
	forward := make(map[int64]bool)
	for _, n := range m.train.g.AllNodes() {
		forward[n.ID()] = true
	}
	grads, err := gorgonia.Grad(m.train.loss, m.params...)
	if err != nil {
		return errors.Wrap(err, "graph: NewModel: symbolic gradient")
	}
	gradTo := make([]*tensor.Dense, len(m.params))
	for i, p := range m.params {
		gradTo[i] = newTensor(m.cfg.Dtype, p.Shape())
		gorgonia.WithGrad(gradTo[i])(p)
	}
	if m.train.vm, err = compile(m.train.g, true, []*gorgonia.Node{m.train.loss}, forward, grads, gradTo); err != nil {
		return err
	}
	out := m.eval.logits
	if m.cfg.Loss != nil {
		out = m.eval.rows
	}
	m.eval.vm, err = compile(m.eval.g, false, []*gorgonia.Node{out}, nil, nil, nil)
	return err
}

func (m *Model) build(h *half, net layers.Layer, training bool, batch int) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errors.Errorf("graph: building the %s graph: panic: %v", graphName(training), r)
		}
	}()
	cfg := &m.cfg
	h.g = gorgonia.NewGraph()
	h.b = layers.NewBuilder(h.g, m.store, training)
	h.b.Workers = m.wk
	h.batch = batch
	shape := append([]int{batch}, cfg.Input...)
	h.xT = newTensor(cfg.Dtype, shape)
	h.x32, h.x64 = floats(h.xT)
	h.x = gorgonia.NewTensor(h.g, cfg.Dtype, len(shape), gorgonia.WithShape(shape...), gorgonia.WithName("x"), gorgonia.WithValue(h.xT))
	h.logits, err = net.Build(h.b, h.x)
	if err != nil {
		return err
	}
	if cfg.Loss != nil {
		return m.buildLoss(h, training)
	}
	if len(h.b.Losses()) > 0 {
		return errors.New("graph: layers recorded per-sample loss terms (Builder.AddLoss), which only a model with Config.Loss takes")
	}
	want := tensor.Shape{batch * max(cfg.Positions, 1), cfg.Classes}
	if !h.logits.Shape().Eq(want) {
		if cfg.Positions > 0 {
			return errors.Errorf("graph: the network's output has shape %v, want %v (batch·positions, classes)", h.logits.Shape(), want)
		}
		return errors.Errorf("graph: the network's output has shape %v, want %v (batch, classes)", h.logits.Shape(), want)
	}
	h.hooks = h.b.Hooks()
	if !training {
		h.outBuf = make([]float64, want.TotalSize())
		return nil
	}
	h.tT = newTensor(cfg.Dtype, want)
	h.t32, h.t64 = floats(h.tT)
	h.t = gorgonia.NewMatrix(h.g, cfg.Dtype, gorgonia.WithShape(want...), gorgonia.WithName("targets"), gorgonia.WithValue(h.tT))
	if h.loss, err = SoftmaxCrossEntropy(h.logits, h.t); err != nil {
		return err
	}
	return m.addPenalty(h)
}

// addPenalty adds Config.Penalty's term to the training loss.
func (m *Model) addPenalty(h *half) (err error) {
	cfg := &m.cfg
	if cfg.Penalty != nil {
		pen, err := cfg.Penalty(h.b, h.b.Params())
		if err != nil {
			return errors.Wrap(err, "graph: building the penalty")
		}
		if pen != nil {
			if h.loss, err = gorgonia.Add(h.loss, pen); err != nil {
				return errors.Wrap(err, "graph: adding the penalty to the loss")
			}
		}
	}
	return nil
}

func graphName(training bool) string {
	if training {
		return "training"
	}
	return "evaluation"
}

func newTensor(dt tensor.Dtype, shape []int) *tensor.Dense {
	return tensor.New(tensor.Of(dt), tensor.WithShape(shape...))
}

// floats returns t's data as a float32 or a float64 slice.
func floats(t *tensor.Dense) ([]float32, []float64) {
	if t.Dtype() == tensor.Float32 {
		return t.Float32s(), nil
	}
	return nil, t.Float64s()
}

// Config returns the model's configuration with defaults filled in.
func (m *Model) Config() Config { return m.cfg }

// Params returns the trainable parameter nodes of the training graph, in
// creation order. Pass them to a solver with gorgonia.NodesToValueGrads:
// each node's Grad is a tensor that every training step overwrites with
// that batch's gradient (gradients do not accumulate across steps).
func (m *Model) Params() []*gorgonia.Node { return m.params }

// ParamRole returns whether a parameter is a weight, a bias or a
// normalisation parameter.
func (m *Model) ParamRole(n *gorgonia.Node) layers.Role { return m.train.b.ParamRole(n) }

// ParamInfos describes every parameter, by node name, for the solvers
// that treat parameters by their place in the network
// (solvers.ParamDescriber: Muon); the Trainer passes it to them before
// training. Layer is the layer kind of the parameter's name, its prefix up
// to the first "." without the layer's number ("dense0.W" → "dense",
// "conv1.b" → "conv", "batchnorm0.gamma" → "batchnorm"); Role is its
// layers.Role; Output marks the parameters of the output layer, the layer
// of the last weight created (the network's last Dense or Conv2D, which
// produces the logits in a Sequential network).
func (m *Model) ParamInfos() map[string]solvers.ParamInfo {
	info := make(map[string]solvers.ParamInfo, len(m.params))
	output := ""
	for _, p := range m.params {
		layer, _, _ := strings.Cut(p.Name(), ".")
		if m.ParamRole(p) == layers.Weight {
			output = layer
		}
	}
	for _, p := range m.params {
		layer, _, _ := strings.Cut(p.Name(), ".")
		info[p.Name()] = solvers.ParamInfo{Layer: strings.TrimRight(layer, "0123456789"), Role: string(m.ParamRole(p)),
			Output: layer == output}
	}
	return info
}

// Dropouts returns the dropout layers of the network, found through
// layers.Sequential (layers.Stack) nesting, in order: Trainer.Hyper's
// "dropout" schedule sets their rate.
func (m *Model) Dropouts() []*layers.DropoutLayer {
	var out []*layers.DropoutLayer
	var walk func(l layers.Layer)
	walk = func(l layers.Layer) {
		switch l := l.(type) {
		case *layers.DropoutLayer:
			out = append(out, l)
		case layers.Sequential:
			for _, c := range l {
				walk(c)
			}
		}
	}
	walk(m.net)
	return out
}

// Roles returns the role of every parameter by node name, as solvers see
// them: graph.Trainer passes it to a solver that is a solvers.RoleSetter
// (masked gradient transforms, parameter groups) at the start of Fit.
func (m *Model) Roles() map[string]solvers.Role {
	roles := make(map[string]solvers.Role, len(m.params))
	for _, p := range m.params {
		roles[p.Name()] = solvers.Role(m.ParamRole(p))
	}
	return roles
}

// Store returns the parameter tensors, shared by both graphs.
func (m *Model) Store() *layers.Store { return m.store }

// TrainGraph returns the training graph.
func (m *Model) TrainGraph() *gorgonia.ExprGraph { return m.train.g }

// EvalGraph returns the evaluation graph.
func (m *Model) EvalGraph() *gorgonia.ExprGraph { return m.eval.g }

// Loss returns the training loss node.
func (m *Model) Loss() *gorgonia.Node { return m.train.loss }

// Close releases the model's buffers. The model must not be used after.
func (m *Model) Close() error {
	m.train.vm, m.eval.vm = nil, nil
	m.wk.Close()
	return nil
}

// checkSet verifies that s fits the model.
func (m *Model) checkSet(s *datasets.Set) error {
	if s == nil {
		return errors.New("graph: nil dataset")
	}
	if s.Features() != m.cfg.features() {
		return errors.Errorf("graph: dataset %s has %d features per sample (shape %v), the model takes %d (shape %v)",
			s.Name, s.Features(), s.Shape, m.cfg.features(), m.cfg.Input)
	}
	if m.cfg.Positions > 0 && s.SeqLen != m.cfg.Positions {
		return errors.Errorf("graph: dataset %s has %d labels per row (SeqLen), the model %d positions", s.Name, s.SeqLen, m.cfg.Positions)
	}
	if m.cfg.Loss == nil && s.Classes > m.cfg.Classes {
		return errors.Errorf("graph: dataset %s has %d classes, the model %d", s.Name, s.Classes, m.cfg.Classes)
	}
	return nil
}

// fill copies n rows of inputs x (row-major, features each) and labels y
// into h's bound tensors; rows n..batch are zeroed (padding, which the loss
// ignores).
func (m *Model) fill(h *half, x []float32, y []int, n int) {
	f := m.cfg.features()
	if h.x32 != nil {
		copy(h.x32, x[:n*f])
		clear(h.x32[n*f:])
	} else {
		for i, v := range x[:n*f] {
			h.x64[i] = float64(v)
		}
		clear(h.x64[n*f:])
	}
	if h.mask != nil {
		fillMask(h, n)
	}
	if h.tT == nil || m.cfg.Positions > 0 {
		return
	}
	c := m.cfg.Classes
	if h.t32 != nil {
		clear(h.t32)
		for i, l := range y[:n] {
			h.t32[i*c+l] = 1
		}
	} else {
		clear(h.t64)
		for i, l := range y[:n] {
			h.t64[i*c+l] = 1
		}
	}
}

// trainStep runs the training graph's forward and backward pass on one
// batch, writing the gradients into the parameters' dual values. step is
// the optimizer step, passed to batch hooks.
func (m *Model) trainStep(x []float32, y []int, n, step int) (float64, error) {
	m.fill(&m.train, x, y, n)
	return m.runTrain(step)
}

// runTrain runs the batch hooks and the training graph on the filled
// inputs.
func (m *Model) runTrain(step int) (float64, error) {
	for _, h := range m.train.hooks {
		if err := h(step); err != nil {
			return 0, err
		}
	}
	if m.train.vm == nil {
		return 0, errors.New("graph: the model is closed")
	}
	if err := m.train.vm.run(); err != nil {
		return 0, errors.Wrap(err, "graph: training forward/backward pass")
	}
	return scalarValue(m.train.loss.Value())
}

func scalarValue(v gorgonia.Value) (float64, error) {
	switch s := v.(type) {
	case *gorgonia.F32:
		return float64(*s), nil
	case *gorgonia.F64:
		return float64(*s), nil
	}
	return 0, errors.Errorf("graph: loss value is %T, want a scalar", v)
}

// Evaluate returns the mean cross-entropy loss and the accuracy of the
// model on s, using the evaluation graph (no dropout, running statistics).
// The loss is computed from the logits in float64 and does not include the
// penalty term.
func (m *Model) Evaluate(s *datasets.Set) (loss, acc float64, err error) {
	if err := m.checkSet(s); err != nil {
		return 0, 0, err
	}
	if s.Len() == 0 {
		return 0, 0, errors.Errorf("graph: Evaluate: dataset %s is empty", s.Name)
	}
	h := &m.eval
	if h.vm == nil {
		return 0, 0, errors.New("graph: the model is closed")
	}
	if m.cfg.Loss != nil || m.cfg.Positions > 0 {
		return m.evaluateOther(s)
	}
	f, c := m.cfg.features(), m.cfg.Classes
	var sum float64
	correct := 0
	for start := 0; start < s.Len(); start += h.batch {
		n := min(h.batch, s.Len()-start)
		m.fill(h, s.X[start*f:(start+n)*f], nil, n)
		if err := h.vm.run(); err != nil {
			return 0, 0, errors.Wrap(err, "graph: evaluation forward pass")
		}
		out := h.outBuf
		switch d := h.logits.Value().Data().(type) {
		case []float32:
			for i, v := range d {
				out[i] = float64(v)
			}
		case []float64:
			copy(out, d)
		}
		for i := range n {
			row := out[i*c : (i+1)*c]
			label := s.Y[start+i]
			sum += num.LogSumExp(row) - row[label]
			if argmax(row) == label {
				correct++
			}
		}
	}
	loss = sum / float64(s.Len())
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return loss, float64(correct) / float64(s.Len()), errors.Wrapf(ErrDiverged, "evaluation loss on %s is %v", s.Name, loss)
	}
	return loss, float64(correct) / float64(s.Len()), nil
}

// argmax returns the index of the first largest element.
func argmax(row []float64) int {
	best := 0
	for i, v := range row {
		if v > row[best] {
			best = i
		}
	}
	return best
}
