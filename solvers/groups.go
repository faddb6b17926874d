package solvers

import (
	"github.com/pkg/errors"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Group is one parameter group of Groups: the parameters its Mask
// selects, stepped by its solver. Key names it in a spec and in State:
// weights, biases, norms, all or a layer name (see Mask).
type Group struct {
	Key    string
	Solver Solver
}

// Groups gives different parameters different solvers or settings, as
// torch.optim's parameter groups: each parameter goes to the first group,
// in the order written, whose key selects it (by role or layer name, see
// Mask and RoleSetter), and the others to the default solver. The spec is
// the default solver positionally and one key per group:
//
//	groups(adamw(lr=1e-3,weight_decay=0.05),biases=adamw(lr=1e-3,weight_decay=0),norms=adamw(lr=1e-3,weight_decay=0))
//	groups(sgd(lr=0.1,momentum=0.9),dense0=sgd(lr=0.01,momentum=0.9))
//
// The learning rate is the default solver's. SetLearnRate (a schedule)
// sets it and sets each group's to lr·m, m the ratio of the group's
// learning rate to the default's as built (the group's rate stays fixed
// if the default's is 0): a per-layer learning-rate multiplier, kept under
// any schedule, as torch's schedulers scale every group. Each solver keeps its own state
// (State.Groups). Step validates every parameter before any solver steps.
type Groups struct {
	base   // no slots: validation
	router *Router
	// solvers[0] is the default; solvers[i+1] is groups[i]'s.
	solvers []Solver
	groups  []Group
	masks   []Mask
	lr0     []float64        // the learning rates of solvers as built
	wd0     []float64        // their weight decays as built (Groups.SetHyper)
	hyperOK map[string]error // SetHyper: whether every solver takes the key
}

var (
	_ Solver      = (*Groups)(nil)
	_ RoleSetter  = (*Groups)(nil)
	_ EvalSwapper = (*Groups)(nil)
	_ Adopter     = (*Groups)(nil)
)

// NewGroups returns the groups gs in front of the default solver def, or
// an error for a nil solver or an invalid or repeated key.
func NewGroups(def Solver, gs ...Group) (*Groups, error) {
	if def == nil {
		return nil, errors.New("solvers: groups: nil default solver")
	}
	g := &Groups{base: newBase("groups", 0, 0, 0), solvers: []Solver{def}, lr0: []float64{def.LearnRate()}, wd0: []float64{weightDecayOf(def)}}
	for i, gr := range gs {
		if gr.Solver == nil {
			return nil, errors.Errorf("solvers: groups: group %s: nil solver", gr.Key)
		}
		if gr.Key == "default" {
			return nil, errors.New("solvers: groups: the key default is the default solver's (give it positionally)")
		}
		for _, o := range gs[:i] {
			if o.Key == gr.Key {
				return nil, errors.Errorf("solvers: groups: key %s given twice", gr.Key)
			}
		}
		m, err := ParseMask(gr.Key)
		if err != nil {
			return nil, errors.Wrap(err, "solvers: groups")
		}
		g.groups = append(g.groups, gr)
		g.masks = append(g.masks, m)
		g.lr0 = append(g.lr0, gr.Solver.LearnRate())
		g.wd0 = append(g.wd0, weightDecayOf(gr.Solver))
		g.solvers = append(g.solvers, gr.Solver)
	}
	g.router = NewRouter(len(g.solvers), g.route)
	return g, nil
}

// route returns the part of a parameter: 1+ the first group selecting
// it, else 0, the default.
func (g *Groups) route(name string, role Role, _ tensor.Shape) int {
	for i, m := range g.masks {
		if m.Selects(name, role) {
			return i + 1
		}
	}
	return 0
}

func parseGroups(a *Args) (Solver, error) {
	for _, key := range []string{"clip_norm", "clip_value", "lr"} {
		if a.Has(key) {
			a.Errorf(key, "belongs to each group's solver, as in groups(adam(%s=...),biases=adam(%s=...))", key, key)
		}
	}
	var gs []Group
	for _, key := range a.a.Keys() {
		if key == "clip_norm" || key == "clip_value" || key == "lr" {
			continue
		}
		c := a.a.Call(key)
		if c == nil {
			continue // a.a recorded the type error
		}
		s, err := a.parse(c)
		if err != nil {
			return nil, errors.Wrapf(err, "solvers: groups: group %s", key)
		}
		gs = append(gs, Group{Key: key, Solver: s})
	}
	def, err := a.Inner()
	if err != nil {
		return nil, err
	}
	return NewGroups(def, gs...)
}

// String returns groups(key=spec,…,default spec).
func (g *Groups) String() string {
	args := make([]any, 0, 2*len(g.groups)+2)
	for _, gr := range g.groups {
		args = append(args, gr.Key, innerString(gr.Solver))
	}
	return g.Spec(append(args, "", innerString(g.solvers[0]))...)
}

// Default returns the default solver.
func (g *Groups) Default() Solver { return g.solvers[0] }

// Groups returns the groups, in order.
func (g *Groups) Groups() []Group { return append([]Group(nil), g.groups...) }

// LearnRate returns the default solver's learning rate.
func (g *Groups) LearnRate() float64 { return g.solvers[0].LearnRate() }

// SetLearnRate sets the default solver's learning rate to lr and each
// group's to lr0_g·(lr/lr0), lr0_g and lr0 the group's and the default's
// as built (lr0_g if lr0 is 0): a group keeps its rate exactly when lr is
// the default's as built.
func (g *Groups) SetLearnRate(lr float64) {
	g.solvers[0].SetLearnRate(lr)
	for i, s := range g.solvers[1:] {
		r := g.lr0[i+1]
		if g.lr0[0] > 0 {
			r *= lr / g.lr0[0]
		}
		s.SetLearnRate(r)
	}
}

// SetRoles sets the roles the groups route by and forwards them to every
// solver.
func (g *Groups) SetRoles(roles map[string]Role) {
	g.router.SetRoles(roles)
	for _, s := range g.solvers {
		forwardRoles(s, roles)
	}
}

// Step validates every parameter, then steps each group's parameters
// with its solver, the default's first.
func (g *Groups) Step(model []gorgonia.ValueGrad) error {
	if err := g.prepare(model); err != nil {
		return err
	}
	parts, err := g.router.Split(model)
	if err != nil {
		return err
	}
	for i, s := range g.solvers {
		if err := s.Step(parts[i]); err != nil {
			return err
		}
	}
	return nil
}

// SwapToEval forwards to every solver that is an EvalSwapper.
func (g *Groups) SwapToEval() error {
	for _, s := range g.solvers {
		if e, ok := s.(EvalSwapper); ok {
			if err := e.SwapToEval(); err != nil {
				return err
			}
		}
	}
	return nil
}

// SwapToTrain forwards to every solver that is an EvalSwapper.
func (g *Groups) SwapToTrain() error {
	for _, s := range g.solvers {
		if e, ok := s.(EvalSwapper); ok {
			if err := e.SwapToTrain(); err != nil {
				return err
			}
		}
	}
	return nil
}

// Adopt registers each group's parameters with its solver.
func (g *Groups) Adopt(model []gorgonia.ValueGrad) error {
	if err := g.base.Adopt(model); err != nil {
		return err
	}
	parts, err := g.router.Split(model)
	if err != nil {
		return err
	}
	for i, s := range g.solvers {
		if a, ok := s.(Adopter); ok {
			if err := a.Adopt(parts[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

func (g *Groups) key(i int) string {
	if i == 0 {
		return "default"
	}
	return g.groups[i-1].Key
}

// State returns the state of every solver, in State.Groups by key.
func (g *Groups) State() (*State, error) {
	st, err := g.base.State()
	if err != nil {
		return nil, err
	}
	st.Groups = map[string]*State{}
	for i, s := range g.solvers {
		ss, ok := s.(Stater)
		if !ok {
			return nil, g.errorf("State: group %s: solver %T has no State", g.key(i), s)
		}
		gs, err := ss.State()
		if err != nil {
			return nil, err
		}
		st.Groups[g.key(i)] = gs
	}
	return st, nil
}

// SetState restores a State saved by State.
func (g *Groups) SetState(st *State) error {
	if st == nil {
		return g.errorf("SetState: nil State")
	}
	for i, s := range g.solvers {
		if st.Groups[g.key(i)] == nil {
			return g.errorf("SetState: no state for group %s", g.key(i))
		}
		if _, ok := s.(Stater); !ok {
			return g.errorf("SetState: group %s: solver %T has no SetState", g.key(i), s)
		}
	}
	if len(st.Groups) != len(g.solvers) {
		return g.errorf("SetState: the State has %d groups, the solver %d", len(st.Groups), len(g.solvers))
	}
	if err := g.base.SetState(st); err != nil {
		return err
	}
	for i, s := range g.solvers {
		if err := s.(Stater).SetState(st.Groups[g.key(i)]); err != nil {
			return errors.WithMessagef(err, "solvers: groups: group %s", g.key(i))
		}
	}
	return nil
}
