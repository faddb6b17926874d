package solvers

import (
	"slices"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Stater is implemented by every solver of this package: it saves and
// restores the solver's full state (moments, accumulators, step counts,
// solver-wide counters), so that a run resumed on a fresh graph with a
// fresh solver continues bit for bit.
//
// The state of a parameter is keyed by its node's name
// (gorgonia.Namer), so names must be unique and stable across runs;
// State returns an error otherwise. Hyperparameters, the learning rate
// included, are not state: build the fresh solver from the same spec or
// config (and let the schedule set the learning rate).
//
// SetState may be called on a fresh solver before its first Step: the
// state of each parameter is adopted when the parameter is first seen by
// Step (its dtype and shape must match), so the new graph need not exist
// yet. Parameters whose names are not in the State start fresh. A name of
// the State that the first Step after SetState does not see is an error
// of that Step, which names it (the State is not of this model); to
// restore part of a model, delete the other names from State.Params
// first. An unnamed parameter (a node made without gorgonia.WithName)
// can be stepped, but State then returns an error naming its position.
type Stater interface {
	State() (*State, error)
	SetState(*State) error
}

// State is a solver's saved state. It is plain data: encoding/gob and
// encoding/json both round-trip it exactly (float32 slot values are
// stored as float64, which holds them exactly; JSON cannot hold NaN or
// ±Inf, gob can).
type State struct {
	Solver  string                 // the spec name of the solver, checked by SetState
	Scalars map[string]float64     `json:",omitempty"` // solver-wide counters
	Params  map[string]*ParamState // per parameter, by node name
	Inner   *State                 `json:",omitempty"` // Lookahead: its inner solver
	// Groups are the states of the solvers of a groups solver, by group
	// key ("default" for the default solver).
	Groups map[string]*State `json:",omitempty"`
}

// ParamState is the state of one parameter.
type ParamState struct {
	Dtype string // "float32" or "float64"
	Shape []int
	Step  int                  // optimizer steps this parameter has taken
	Slots map[string][]float64 // named buffers (exp_avg, exp_avg_sq, ...), row-major
	// Scalars are per-parameter numbers such as NAdam's mu_product.
	Scalars map[string]float64 `json:",omitempty"`
}

// State returns a deep copy of the solver's state.
func (b *Base) State() (*State, error) {
	st := &State{Solver: b.name, Params: map[string]*ParamState{}}
	if b.err != nil {
		return nil, b.err
	}
	for _, p := range b.order {
		if p.name == "" {
			return nil, b.errorf("State: parameter %d has no name; name it with gorgonia.WithName (State keys parameters by node name)", p.index)
		}
		if _, dup := st.Params[p.name]; dup {
			return nil, b.errorf("State: two parameters are named %q (State keys parameters by node name)", p.name)
		}
		ps := &ParamState{Dtype: p.dtype.String(), Shape: slices.Clone([]int(p.shape)), Step: p.step, Slots: map[string][]float64{}}
		if len(b.scalarNames) > 0 {
			ps.Scalars = map[string]float64{}
			for i, name := range b.scalarNames {
				ps.Scalars[name] = p.sc[i]
			}
		}
		for i, name := range b.slotNames {
			var buf []float64
			if p.f32() {
				buf = make([]float64, len(p.s32[i]))
				for j, v := range p.s32[i] {
					buf[j] = float64(v)
				}
			} else {
				buf = slices.Clone(p.s64[i])
			}
			ps.Slots[name] = buf
		}
		st.Params[p.name] = ps
	}
	// Parameters restored by SetState but not seen since are still state.
	for _, name := range sortedKeys(b.pending) {
		if _, dup := st.Params[name]; !dup {
			st.Params[name] = b.pending[name]
		}
	}
	return st, nil
}

// SetState replaces the solver's state by st (see Stater). The solver
// forgets every parameter it has seen.
func (b *Base) SetState(st *State) error {
	if b.err != nil {
		return b.err
	}
	if st == nil {
		return b.errorf("SetState: nil State")
	}
	if st.Solver != b.name {
		return b.errorf("SetState: the State is from solver %q", st.Solver)
	}
	pending := map[string]*ParamState{}
	for _, name := range sortedKeys(st.Params) {
		ps := st.Params[name]
		if ps == nil {
			return b.errorf("SetState: parameter %q: nil state", name)
		}
		if ps.Dtype != "float32" && ps.Dtype != "float64" {
			return b.errorf("SetState: parameter %q: dtype %q", name, ps.Dtype)
		}
		n := tensor.Shape(ps.Shape).TotalSize()
		if len(ps.Slots) != len(b.slotNames) {
			return b.errorf("SetState: parameter %q: slots %v, want %v", name, sortedKeys(ps.Slots), b.slotNames)
		}
		for _, s := range b.slotNames {
			buf, ok := ps.Slots[s]
			// With slotLen, lengths are checked when the parameter is seen (restore).
			if !ok || b.slotLen == nil && len(buf) != n {
				return b.errorf("SetState: parameter %q: slot %q missing or not of length %d", name, s, n)
			}
		}
		for _, s := range b.scalarNames {
			if _, ok := ps.Scalars[s]; !ok {
				return b.errorf("SetState: parameter %q: scalar %q missing", name, s)
			}
		}
		pending[name] = ps
	}
	b.params = map[gorgonia.ValueGrad]*Param{}
	b.order = nil
	b.pending = pending
	b.checkPending = len(pending) > 0
	return nil
}

// needScalars checks that st has the solver-wide scalars names.
func (b *Base) needScalars(st *State, names ...string) error {
	for _, k := range names {
		if _, ok := st.Scalars[k]; !ok {
			return b.errorf("SetState: scalar %q missing", k)
		}
	}
	return nil
}

// initFromValue is a base.init that starts the first slot at the
// parameter's value (Lookahead's slow weights, SFAdamW's z).
func initFromValue(p *Param) {
	if p.f32() {
		copy(p.s32[0], p.w32)
	} else {
		copy(p.s64[0], p.w64)
	}
}

// restore copies a saved ParamState into a newly seen parameter.
func (b *Base) restore(p *Param, ps *ParamState) error {
	if ps.Dtype != p.dtype.String() || !p.shape.Eq(tensor.Shape(ps.Shape)) {
		return b.errorf("parameter %s: saved state is %s %v, the parameter is %v %v", p.name, ps.Dtype, ps.Shape, p.dtype, p.shape)
	}
	for i, name := range b.slotNames {
		if want := max(lenAt(p.s32, i), lenAt(p.s64, i)); len(ps.Slots[name]) != want {
			return b.errorf("parameter %s: saved slot %q has %d values, want %d", p.name, name, len(ps.Slots[name]), want)
		}
	}
	p.step = ps.Step
	for i, name := range b.scalarNames {
		p.sc[i] = ps.Scalars[name]
	}
	for i, name := range b.slotNames {
		if p.f32() {
			for j, v := range ps.Slots[name] {
				p.s32[i][j] = float32(v)
			}
		} else {
			copy(p.s64[i], ps.Slots[name])
		}
	}
	return nil
}

func lenAt[T any](s [][]T, i int) int {
	if s == nil {
		return 0
	}
	return len(s[i])
}
