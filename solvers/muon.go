package solvers

import (
	"fmt"
	"maps"
	"math"

	"github.com/pkg/errors"
	"gorgonia.org/gorgonia"
)

// ParamInfo tells a solver what a parameter is in its network, for
// solvers that treat parameters by their place (Muon). graph.Model fills
// it from the layers' names and roles (graph.Model.ParamInfos).
type ParamInfo struct {
	// Layer is the kind of the layer that owns the parameter, as it names
	// its parameters: "dense" (weights stored (in, out)), "conv" (kernels
	// (out, in, kh, kw)), "batchnorm", …; "" for a parameter of no known
	// layer, taken as it is.
	Layer string
	// Role is "weight", "bias" or "norm" (layers.Weight, layers.Bias,
	// layers.Norm: batch normalisation's scale and shift); only weights
	// can go to Muon.
	Role string
	// Output reports that the parameter belongs to the network's output
	// layer (the one producing the logits).
	Output bool
}

// ParamDescriber is implemented by solvers that treat a parameter by its
// place in the network (Muon) and by the wrappers that forward to them
// (Lookahead). DescribeParams gives the information by parameter (node)
// name; it must come before the first Step that sees a parameter, which
// settles how the parameter is treated for the rest of the run (and its
// State). graph.Trainer calls it before training when the solver has it;
// without it a solver goes by the shapes alone.
type ParamDescriber interface {
	DescribeParams(info map[string]ParamInfo)
}

// MuonConfig holds the hyperparameters of Muon. Start from
// DefaultMuonConfig: a zero field means zero, not "default".
type MuonConfig struct {
	LR          float64 // learning rate, >= 0 (scaled per matrix by AdjustLRFn)
	WeightDecay float64 // decoupled: θ ← θ(1 - lr·λ), with the unscaled lr
	Momentum    float64 // μ, in [0, 1)
	Nesterov    bool    // the update is g + μ(B - g) instead of B
	NSSteps     int     // Newton–Schulz iterations, in [0, 100)
	Eps         float64 // floor of ‖X‖_F in the normalisation, >= 2⁻¹²⁶ (the smallest normal float32)
	// AdjustLRFn is "original", lr·√max(1, rows/cols), or
	// "match_rms_adamw", lr·0.2·√max(rows, cols).
	AdjustLRFn          string
	ClipNorm, ClipValue float64 // gradient clipping, of all parameters, before the inner solver's; 0: off
}

// DefaultMuonConfig returns torch.optim.Muon's defaults: lr 1e-3, weight
// decay 0.1, momentum 0.95, Nesterov, 5 Newton–Schulz steps, ε 1e-7,
// adjust_lr_fn original.
func DefaultMuonConfig() MuonConfig {
	return MuonConfig{LR: 1e-3, WeightDecay: 0.1, Momentum: 0.95, Nesterov: true, NSSteps: 5, Eps: 1e-7, AdjustLRFn: "original"}
}

// The Newton–Schulz quintic of torch.optim.Muon (Keller Jordan's).
const nsA, nsB, nsC = 3.4445, -4.7750, 2.0315

// Muon (Jordan et al. 2024, "Muon: An optimizer for hidden layers in
// neural networks"), as torch.optim.Muon (PyTorch ≥ 2.9,
// torch/optim/_muon.py at 098e03f91de9384cc3afdf5c8b9a6bbc442bd66a), for
// the matrices of a network; the other parameters go to an inner solver
// (default adamw with its defaults), as the references advise. For a
// matrix θ with gradient g:
//
//	B ← B + (1-μ)(g - B)                       (torch's lerp: an EMA)
//	U = g + μ(B - g) with Nesterov, else B
//	X ← U/max(‖U‖_F, ε), transposed when it has more rows than columns;
//	ns_steps times: A = XXᵀ;  X ← aX + (bA + cA²)X,  (a, b, c) = (3.4445, -4.7750, 2.0315)
//	θ ← θ(1 - lr·λ);  θ ← θ - lr'·O   (O: X transposed back)
//	lr' = lr·√max(1, rows/cols)  (original)  or  lr·0.2·√max(rows, cols)  (match_rms_adamw)
//
// Newton–Schulz is computed in the parameter's dtype (float32 or
// float64), as Optax does; torch computes it in bfloat16, whose 8-bit
// mantissa makes its O differ from the exact one by ~1%.
//
// Which parameters are matrices, and their rows and columns for lr',
// follows torch.optim.Muon on the same network in PyTorch: with the
// information of DescribeParams (see ParamDescriber; graph.Trainer gives
// it), a Dense weight, stored (in, out), counts as torch's nn.Linear
// weight (out, in); a convolution kernel (out, in, kh, kw) as the matrix
// (out, in·kh·kw); a weight of another layer, if 2-D, as it is; biases,
// batch normalisation's parameters and the network's output layer (as
// Keller Jordan and Keras advise) go to the inner solver. Without
// information, a 2-D parameter is a matrix as it is and everything else
// goes to the inner solver. The choice is made when a parameter is first
// seen and kept.
//
// The inner solver's learning rate follows Muon's: SetLearnRate(lr) sets
// it to its own initial rate times lr/lr0, lr0 being Muon's initial rate
// (a schedule scales both, as a torch scheduler scales every parameter
// group). Clipping keys apply to all parameters together, before the
// inner solver sees its gradients. State holds the momentum buffers (an
// empty buffer for the parameters of the inner solver) and, as Inner, the
// inner solver's state. Step allocates nothing in steady state; the
// Newton–Schulz workspace is allocated for the largest matrix seen.
type Muon struct {
	base
	cfg    MuonConfig
	inner  Solver
	lr0    float64 // the lr Muon was built with
	inLR0  float64 // the inner solver's lr then
	info   map[string]ParamInfo
	others []gorgonia.ValueGrad // the inner solver's parameters of the current Step
	ws32   []float32
	ws64   []float64
}

var (
	_ Solver         = (*Muon)(nil)
	_ EvalSwapper    = (*Muon)(nil)
	_ ParamDescriber = (*Muon)(nil)
	_ Adopter        = (*Muon)(nil)
	_ ParamDescriber = (*Lookahead)(nil)
)

// NewMuon returns a Muon solver for the matrices and inner for the other
// parameters (nil: adamw with its defaults), or an error naming the first
// invalid field.
func NewMuon(cfg MuonConfig, inner Solver) (*Muon, error) {
	c := checker{solver: "muon"}
	c.common(cfg.LR, cfg.ClipNorm, cfg.ClipValue)
	c.nonNeg("weight_decay", cfg.WeightDecay)
	c.beta("momentum", cfg.Momentum)
	c.check(cfg.NSSteps >= 0 && cfg.NSSteps < 100, "ns_steps", cfg.NSSteps, "in [0, 100)")
	c.eps("eps", cfg.Eps)
	c.check(cfg.AdjustLRFn == "original" || cfg.AdjustLRFn == "match_rms_adamw", "adjust_lr_fn", cfg.AdjustLRFn, "original or match_rms_adamw")
	if c.err != nil {
		return nil, c.err
	}
	if inner == nil {
		var err error
		if inner, err = NewAdamW(DefaultAdamWConfig()); err != nil {
			return nil, err
		}
	}
	// Per-parameter scalars: the rows and columns of lr' (0 for the inner
	// solver's parameters, whose buffer is empty).
	s := &Muon{base: newBase("muon", cfg.LR, cfg.ClipNorm, cfg.ClipValue, "momentum_buffer"), cfg: cfg, inner: inner,
		lr0: cfg.LR, inLR0: inner.LearnRate()}
	s.scalarNames = []string{"rows", "cols"}
	s.slotLen = func(p *Param, _ int) int {
		if rows, _ := s.classify(p); rows > 0 {
			return p.shape.TotalSize()
		}
		return 0
	}
	s.init = func(p *Param) { p.sc[0], p.sc[1] = s.classify(p) }
	return s, nil
}

// classify returns the rows and columns of lr' of a matrix parameter, in
// torch's orientation, or 0, 0 for a parameter of the inner solver.
func (s *Muon) classify(p *Param) (rows, cols float64) {
	sh := p.shape
	info, ok := s.info[p.name]
	switch {
	case !ok || info.Layer == "":
		if !ok || info.Role == "weight" || info.Role == "" {
			if len(sh) == 2 && !info.Output {
				return float64(sh[0]), float64(sh[1])
			}
		}
	case info.Output || info.Role != "weight":
	case info.Layer == "dense" && len(sh) == 2:
		return float64(sh[1]), float64(sh[0]) // stored (in, out); torch's Linear is (out, in)
	case info.Layer == "conv" && len(sh) >= 3:
		return float64(sh[0]), float64(sh.TotalSize() / sh[0])
	case len(sh) == 2:
		return float64(sh[0]), float64(sh[1])
	}
	return 0, 0
}

func parseMuon(a *Args) (Solver, error) {
	cfg := DefaultMuonConfig()
	cfg.LR = a.Float("lr", cfg.LR)
	cfg.WeightDecay = a.Float("weight_decay", cfg.WeightDecay)
	cfg.Momentum = a.Float("momentum", cfg.Momentum)
	cfg.Nesterov = a.Bool("nesterov", cfg.Nesterov)
	cfg.NSSteps = a.Int("ns_steps", cfg.NSSteps)
	cfg.Eps = a.Float("eps", cfg.Eps)
	cfg.AdjustLRFn = a.Enum("adjust_lr_fn", cfg.AdjustLRFn, "original", "match_rms_adamw")
	cfg.ClipNorm, cfg.ClipValue = a.Clip()
	var inner Solver
	if pos := a.a.Positional(); len(pos) > 1 {
		return nil, errors.Errorf("solvers: muon: want at most one inner solver spec, as in muon(lr=0.02,adamw(lr=3e-4)), got %d", len(pos))
	} else if len(pos) == 1 {
		var err error
		if inner, err = a.parse(pos[0]); err != nil {
			return nil, errors.Wrap(err, "solvers: muon: inner solver")
		}
	}
	return NewMuon(cfg, inner)
}

// String returns the solver's spec with every key and the inner solver's
// spec (its String, or its Go type if it has none).
func (s *Muon) String() string {
	c := &s.cfg
	var inner any = s.inner
	if _, ok := inner.(interface{ String() string }); !ok {
		inner = fmt.Sprintf("%T", s.inner)
	}
	return s.Spec("lr", c.LR, "weight_decay", c.WeightDecay, "momentum", c.Momentum, "nesterov", c.Nesterov,
		"ns_steps", c.NSSteps, "eps", c.Eps, "adjust_lr_fn", c.AdjustLRFn, "", inner)
}

// Inner returns the solver of the parameters that are not matrices.
func (s *Muon) Inner() Solver { return s.inner }

// SetLearnRate sets Muon's learning rate and scales the inner solver's
// by the same factor (see Muon).
func (s *Muon) SetLearnRate(lr float64) {
	s.base.SetLearnRate(lr)
	if s.lr0 > 0 {
		s.inner.SetLearnRate(s.inLR0 * (lr / s.lr0))
	}
}

// DescribeParams records what each parameter is (see ParamDescriber) and
// passes the information on to the inner solver if it takes it.
func (s *Muon) DescribeParams(info map[string]ParamInfo) {
	s.info = maps.Clone(info)
	if d, ok := s.inner.(ParamDescriber); ok {
		d.DescribeParams(info)
	}
}

// Step updates the matrices with Muon and passes the other parameters to
// the inner solver; it zeroes every gradient.
func (s *Muon) Step(model []gorgonia.ValueGrad) error {
	if err := s.prepare(model); err != nil {
		return err
	}
	s.splitOthers(model)
	if len(s.others) > 0 {
		if err := s.inner.Step(s.others); err != nil {
			return err
		}
	}
	s.each(func(p *Param) {
		if p.sc[0] == 0 {
			return
		}
		rows, cols := p.sc[0], p.sc[1]
		ratio := math.Sqrt(max(1, rows/cols))
		if s.cfg.AdjustLRFn == "match_rms_adamw" {
			ratio = 0.2 * math.Sqrt(max(rows, cols))
		}
		k := muonStep{s: s, lrAdj: s.lr * ratio, m: p.shape[0]}
		Dispatch(p, k, muonKernel[float32], muonKernel[float64])
	})
	return nil
}

// splitOthers sets s.others to the parameters of model (after prepare)
// that go to the inner solver, without allocating in steady state.
func (s *Muon) splitOthers(model []gorgonia.ValueGrad) {
	s.others = s.others[:0]
	for i, p := range s.cur {
		if p.sc[0] == 0 {
			s.others = append(s.others, model[i])
		}
	}
}

type muonStep struct {
	s     *Muon
	lrAdj float64
	m     int // rows of the stored matrix (its first axis)
}

// muonKernel: the slot is the momentum buffer. The workspace holds X, a
// second X and the two Gram matrices. Products are rounded before they
// are added (no FMA, see adamKernel). Nothing is flushed: the buffer is
// normalised before use.
func muonKernel[T float](w, g []T, sl [][]T, k muonStep) {
	c := &k.s.cfg
	n := len(w)
	g, buf := g[:n], sl[0][:n]
	mu := T(c.Momentum)
	m, q := k.m, n/k.m
	r, cc := m, q // X is r×cc with r <= cc
	if m > q {
		r, cc = q, m
	}
	ws := muonWorkspace[T](k.s, 2*n+2*r*r)
	x, x2, a, b := ws[:n], ws[n:2*n], ws[2*n:2*n+r*r], ws[2*n+r*r:]
	for i := range n {
		buf[i] = lerpTorch(buf[i], g[i], 1-mu)
		u := buf[i]
		if c.Nesterov {
			u = lerpTorch(g[i], buf[i], mu)
		}
		if m > q { // X = Uᵀ
			x[(i%q)*m+i/q] = u
		} else {
			x[i] = u
		}
	}
	norm := T(max(math.Sqrt(sumSquares(x)), c.Eps))
	for i := range x {
		x[i] /= norm
	}
	for range c.NSSteps {
		// a = X Xᵀ (symmetric: rows' dot products)
		for i := range r {
			xi := x[i*cc : (i+1)*cc]
			for j := 0; j <= i; j++ {
				d := dot(xi, x[j*cc:(j+1)*cc])
				a[i*r+j], a[j*r+i] = d, d
			}
		}
		// b = nsB·a + nsC·a·a (a symmetric: (a·a)_ij = a_i·a_j)
		for i := range r {
			ai := a[i*r : (i+1)*r]
			for j := range r {
				b[i*r+j] = T(nsB*ai[j]) + T(nsC*dot(ai, a[j*r:(j+1)*r]))
			}
		}
		// x2 = nsA·x + b·x
		for i := range r {
			row := x2[i*cc : (i+1)*cc]
			for j := range row {
				row[j] = T(nsA * x[i*cc+j])
			}
			for l := range r {
				axpy(row, b[i*r+l], x[l*cc:(l+1)*cc])
			}
		}
		x, x2 = x2, x
	}
	decay, nlr := T(1-float64(k.s.lr*c.WeightDecay)), T(-k.lrAdj)
	for i := range w {
		o := x[i]
		if m > q {
			o = x[(i%q)*m+i/q]
		}
		w[i] = T(w[i]*decay) + T(nlr*o)
	}
}

// dot is Σ x_i·y_i in T, each product rounded (no FMA).
func dot[T float](x, y []T) T {
	y = y[:len(x)]
	var s T
	for i := range x {
		s += T(x[i] * y[i])
	}
	return s
}

// axpy is y += α·x, each product rounded (no FMA).
func axpy[T float](y []T, alpha T, x []T) {
	x = x[:len(y)]
	for i := range y {
		y[i] += T(alpha * x[i])
	}
}

// muonWorkspace returns n elements of s's workspace of type T, growing it
// when a larger matrix is first seen.
func muonWorkspace[T float](s *Muon, n int) []T {
	var ws []T
	switch p := any(&ws).(type) {
	case *[]float32:
		if len(s.ws32) < n {
			s.ws32 = make([]float32, n)
		}
		*p = s.ws32[:n]
	case *[]float64:
		if len(s.ws64) < n {
			s.ws64 = make([]float64, n)
		}
		*p = s.ws64[:n]
	}
	return ws
}

// Adopt registers the parameters with Muon and the inner solver's with it
// (see Adopter).
func (s *Muon) Adopt(model []gorgonia.ValueGrad) error {
	if err := s.base.Adopt(model); err != nil {
		return err
	}
	if a, ok := s.inner.(Adopter); ok {
		s.others = s.others[:0]
		for _, vg := range model {
			if p := s.params[vg]; p != nil && p.sc[0] == 0 {
				s.others = append(s.others, vg)
			}
		}
		return a.Adopt(s.others)
	}
	return nil
}

// SwapToEval forwards to the inner solver if it is an EvalSwapper.
func (s *Muon) SwapToEval() error {
	if e, ok := s.inner.(EvalSwapper); ok {
		return e.SwapToEval()
	}
	return nil
}

// SwapToTrain forwards to the inner solver if it is an EvalSwapper.
func (s *Muon) SwapToTrain() error {
	if e, ok := s.inner.(EvalSwapper); ok {
		return e.SwapToTrain()
	}
	return nil
}

// State returns the momentum buffers and, as Inner, the inner solver's
// state (which must be a Stater).
func (s *Muon) State() (*State, error) {
	is, ok := s.inner.(Stater)
	if !ok {
		return nil, s.errorf("State: inner solver %T has no State", s.inner)
	}
	inner, err := is.State()
	if err != nil {
		return nil, err
	}
	st, err := s.base.State()
	if err != nil {
		return nil, err
	}
	st.Inner = inner
	return st, nil
}

// SetState restores a State saved by State, the inner solver's included.
func (s *Muon) SetState(st *State) error {
	is, ok := s.inner.(Stater)
	if !ok {
		return s.errorf("SetState: inner solver %T has no SetState", s.inner)
	}
	if st == nil || st.Inner == nil {
		return s.errorf("SetState: no inner state")
	}
	if err := s.base.SetState(st); err != nil {
		return err
	}
	return is.SetState(st.Inner)
}
