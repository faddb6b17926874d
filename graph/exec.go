package graph

import (
	"fmt"

	"github.com/pkg/errors"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// machine runs an expression graph as Gorgonia's TapeMachine does — every
// op's Do in topological order, on the nodes' bound inputs — but with what a
// training loop that runs the same graph thousands of times needs:
//
//   - Buffers persist across runs. On the first run each op allocates its
//     output (Do); later runs hand that output back to the op to overwrite
//     (gorgonia.UsePreallocDoer), unless the op does not implement it, the
//     output aliases one of its inputs (a view), or the op declines the
//     buffer (returns a different value or an error) — those nodes run Do
//     every time, as under a TapeMachine.
//   - A parameter's gradient node writes straight into the tensor a solver
//     reads (the parameter's dual value, see Model.Params), overwriting it:
//     there is no accumulation and no extra addition per gradient.
//   - Nodes that nothing needs are skipped: the backward pass computes the
//     gradients of the parameters only, not of the input batch (whose
//     gradient is the costliest product of a network's first layer).
//   - Running allocates nothing itself. A TapeMachine allocates about four
//     objects per instruction per run (argument slices, log formatting,
//     types), and BindDualValues adds an addition per gradient.
//
// The nodes' values stay bound as under a TapeMachine (Node.Value after a
// run is the node's output), rebinding only when an output changes.
//
// Ops that implement gorgonia.TrainModeOp are told whether the graph is a
// training graph once, at compile time.
type machine struct {
	steps []mstep
	vals  []gorgonia.Value // node outputs, by index in steps
	ran   bool
	// copies are gradients that cannot be written in place: value index →
	// gradient tensor, copied after each run.
	copies []gradCopy
}

type mstep struct {
	node  *gorgonia.Node
	op    gorgonia.Op // nil: an input or constant, read with Node.Value
	pd    gorgonia.UsePreallocDoer
	in    []int // indices into machine.vals
	args  []gorgonia.Value
	dst   gorgonia.Value // the parameter gradient this node writes, or nil
	reuse bool           // hand vals[i] back to the op (set after the first run)
	bound gorgonia.Value // what node is bound to
}

type gradCopy struct {
	from int
	to   *tensor.Dense
}

// compile prepares a machine computing the values of outputs and writing
// grads[i] (a node of the graph) into gradTo[i] (may be nil). keep are
// nodes run even when no output depends on them (the forward pass, whose
// ops may update state such as batch-norm running statistics).
func compile(g *gorgonia.ExprGraph, training bool, outputs []*gorgonia.Node, keep map[int64]bool, grads []*gorgonia.Node, gradTo []*tensor.Dense) (*machine, error) {
	sorted, err := gorgonia.Sort(g)
	if err != nil {
		return nil, errors.Wrap(err, "graph: sorting the graph")
	}
	children := func(n *gorgonia.Node) []*gorgonia.Node {
		it := g.From(n.ID())
		out := make([]*gorgonia.Node, 0, it.Len())
		for it.Next() {
			out = append(out, it.Node().(*gorgonia.Node))
		}
		return out
	}
	// needed: ancestors of the outputs, the gradients and the kept nodes.
	needed := make(map[int64]bool)
	var mark func(n *gorgonia.Node)
	mark = func(n *gorgonia.Node) {
		if needed[n.ID()] {
			return
		}
		needed[n.ID()] = true
		for _, c := range children(n) {
			mark(c)
		}
	}
	for _, n := range outputs {
		mark(n)
	}
	for _, n := range grads {
		mark(n)
	}
	for _, n := range sorted {
		if keep[n.ID()] {
			mark(n)
		}
	}

	m := &machine{}
	index := make(map[int64]int)
	for i := len(sorted) - 1; i >= 0; i-- { // Sort puts the roots first
		n := sorted[i]
		if !needed[n.ID()] {
			continue
		}
		s := mstep{node: n, op: n.Op()}
		if s.op != nil {
			cs := children(n)
			if len(cs) == 0 && n.Value() != nil { // a constant
				s.op = nil
			}
			for _, c := range cs {
				s.in = append(s.in, index[c.ID()])
			}
			s.args = make([]gorgonia.Value, len(s.in))
			s.pd, _ = s.op.(gorgonia.UsePreallocDoer)
			if tm, ok := s.op.(gorgonia.TrainModeOp); ok {
				tm.SetTraining(training)
			}
		}
		index[n.ID()] = len(m.steps)
		m.steps = append(m.steps, s)
	}
	m.vals = make([]gorgonia.Value, len(m.steps))

	for i, gn := range grads {
		to := gradTo[i]
		if to == nil {
			continue
		}
		if !gn.Shape().Eq(to.Shape()) {
			return nil, errors.Errorf("graph: gradient node %v has shape %v, its parameter %v", gn, gn.Shape(), to.Shape())
		}
		k := index[gn.ID()]
		s := &m.steps[k]
		if s.op != nil && s.dst == nil {
			s.dst = to
			continue
		}
		// An input, a constant, or a node already writing another
		// parameter's gradient (two parameters with one gradient node).
		m.copies = append(m.copies, gradCopy{from: k, to: to})
	}
	return m, nil
}

// run executes the graph once. A panic in an op is returned as an error
// naming the node.
func (m *machine) run() (err error) {
	var cur *gorgonia.Node
	defer func() {
		if r := recover(); r != nil {
			err = errors.Errorf("graph: running %v: panic: %v", cur, r)
		}
	}()
	for i := range m.steps {
		s := &m.steps[i]
		cur = s.node
		if s.op == nil {
			v := s.node.Value()
			if v == nil {
				return errors.Errorf("graph: node %v has no value bound", s.node)
			}
			m.vals[i] = v
			continue
		}
		for j, k := range s.in {
			s.args[j] = m.vals[k]
		}
		v, err := m.exec(i, s)
		if err != nil {
			return errors.Wrapf(err, "graph: running %v", s.node)
		}
		m.vals[i] = v
		if v != s.bound {
			if err := gorgonia.UnsafeLet(s.node, v); err != nil {
				return errors.Wrapf(err, "graph: binding the value of %v", s.node)
			}
			s.bound = v
		}
	}
	m.ran = true
	for _, c := range m.copies {
		if err := copyInto(c.to, m.vals[c.from]); err != nil {
			return err
		}
	}
	return nil
}

// exec runs step i once, choosing between Do and UsePreallocDo.
func (m *machine) exec(i int, s *mstep) (gorgonia.Value, error) {
	switch {
	case s.dst != nil:
		if s.pd != nil {
			if v, err := s.pd.UsePreallocDo(s.dst, s.args...); err == nil && v == s.dst {
				return v, nil
			}
		}
		v, err := s.op.Do(s.args...)
		if err != nil {
			return nil, err
		}
		if err := copyInto(s.dst.(*tensor.Dense), v); err != nil {
			return nil, err
		}
		return s.dst, nil
	case s.reuse:
		if v, err := s.pd.UsePreallocDo(m.vals[i], s.args...); err == nil && v == m.vals[i] {
			return v, nil
		}
		s.reuse = false // the op declined its own buffer: Do from now on
	}
	v, err := s.op.Do(s.args...)
	if err != nil {
		return nil, err
	}
	if !m.ran {
		s.reuse = s.pd != nil && reusable(v, s.args)
	}
	return v, nil
}

// reusable reports whether v, an op's output, may be handed back to the op:
// a scalar, or a dense tensor that shares no memory with the op's inputs.
func reusable(v gorgonia.Value, args []gorgonia.Value) bool {
	switch v.(type) {
	case *gorgonia.F32, *gorgonia.F64:
		for _, a := range args {
			if a == v {
				return false
			}
		}
		return true
	}
	t, ok := v.(*tensor.Dense)
	if !ok || t.IsView() || t.Size() == 0 {
		return false
	}
	lo := t.Uintptr()
	hi := lo + uintptr(t.MemSize())
	for _, a := range args {
		at, ok := a.(tensor.Tensor)
		if !ok {
			continue
		}
		alo := at.Uintptr()
		ahi := alo + uintptr(at.MemSize())
		if alo < hi && lo < ahi {
			return false
		}
	}
	return true
}

// copyInto copies the tensor or scalar v into dst.
func copyInto(dst *tensor.Dense, v gorgonia.Value) error {
	switch x := v.(type) {
	case *tensor.Dense:
		if !x.Shape().Eq(dst.Shape()) || x.Dtype() != dst.Dtype() {
			return errors.Errorf("graph: gradient of shape %v %v, want %v %v", x.Shape(), x.Dtype(), dst.Shape(), dst.Dtype())
		}
		return tensor.Copy(dst, x)
	case *gorgonia.F32:
		return setScalar(dst, float64(*x))
	case *gorgonia.F64:
		return setScalar(dst, float64(*x))
	}
	return errors.Errorf("graph: gradient value of type %T", v)
}

func setScalar(dst *tensor.Dense, x float64) error {
	switch d := dst.Data().(type) {
	case []float32:
		for i := range d {
			d[i] = float32(x)
		}
	case []float64:
		for i := range d {
			d[i] = x
		}
	case float32:
		dst.Set(0, float32(x))
	case float64:
		dst.Set(0, x)
	default:
		return fmt.Errorf("graph: gradient tensor of %T", d)
	}
	return nil
}
