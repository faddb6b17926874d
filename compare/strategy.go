package compare

import (
	"strings"

	"github.com/pkg/errors"

	"github.com/convergo/convergo/graph"
	"github.com/convergo/convergo/internal/spec"
	"github.com/convergo/convergo/lrsched"
	"github.com/convergo/convergo/solvers"
)

// Strategy is one way of optimizing a model: a solver, an optional
// learning-rate schedule and an optional regularizer, under a display name.
//
// Its text form (see ParseStrategy and the package documentation) is
//
//	[name ":"] solver ["|" schedule] ["|" regularizer]
type Strategy struct {
	// Name is the display name, used in tables, plots and file names.
	// Empty means the text form of the specs (String without the name).
	Name string
	// Solver is a solvers.Parse spec, e.g. "sgd(lr=0.1,momentum=0.9)".
	Solver string
	// Schedule is an lrsched.Parse spec, e.g. "cosine(max=0.1,T=total)";
	// empty keeps the solver's learning rate constant. The identifier
	// total, wherever a value is expected, stands for the trial's budget in
	// optimizer steps.
	Schedule string
	// Regularizer is a penalty added to the training loss:
	// "l2(lambda=1e-4)" (½·λ·Σθ²), "l1(lambda=1e-5)" (λ·Σ|θ|) or
	// "elastic(l1=1e-5,l2=1e-4)" (their sum), over the weights (not the
	// biases). Empty: none.
	Regularizer string
}

// DisplayName returns Name, or the text form of the specs when Name is empty.
func (s Strategy) DisplayName() string {
	if s.Name != "" {
		return s.Name
	}
	return s.specText()
}

func (s Strategy) specText() string {
	parts := []string{s.Solver}
	if s.Schedule != "" {
		parts = append(parts, s.Schedule)
	}
	if s.Regularizer != "" {
		parts = append(parts, s.Regularizer)
	}
	return strings.Join(parts, " | ")
}

// String returns the text form, which ParseStrategy reads back.
func (s Strategy) String() string {
	if s.Name == "" {
		return s.specText()
	}
	return s.Name + ": " + s.specText()
}

// regularizerNames are the spec names a segment after the solver may have
// to be read as a regularizer rather than a schedule.
var regularizerNames = map[string]bool{"l1": true, "l2": true, "elastic": true}

// ParseStrategy reads the text form
//
//	[name ":"] solver ["|" schedule] ["|" regularizer]
//
// for example
//
//	sgd(lr=0.1,momentum=0.9) | cosine(max=0.1,T=total)
//	adamw: adamw(lr=1e-3,weight_decay=0.05)
//	sgd+l2: sgd(lr=0.1) | l2(lambda=1e-4)
//
// The spec grammar has no ':' or '|', so the name is everything before the
// first ':' and the segments are separated by '|'. The segments after the
// solver are told apart by name: l1, l2 and elastic are regularizers,
// anything else a schedule. Every spec is checked (by solvers.Parse,
// lrsched.Parse with total=1, and the regularizer parser), so an error names
// the bad key here rather than when a trial starts.
func ParseStrategy(text string) (Strategy, error) {
	var s Strategy
	rest := text
	if i := strings.IndexByte(rest, ':'); i >= 0 {
		s.Name = strings.TrimSpace(rest[:i])
		rest = rest[i+1:]
		if s.Name == "" {
			return Strategy{}, errors.Errorf("compare: strategy %q: empty name before ':'", text)
		}
	}
	segs := strings.Split(rest, "|")
	s.Solver = strings.TrimSpace(segs[0])
	if s.Solver == "" {
		return Strategy{}, errors.Errorf("compare: strategy %q: no solver", text)
	}
	for _, seg := range segs[1:] {
		seg = strings.TrimSpace(seg)
		c, err := spec.Parse(seg)
		if err != nil {
			return Strategy{}, errors.Wrapf(err, "compare: strategy %q: segment %q", text, seg)
		}
		if regularizerNames[c.Name] {
			if s.Regularizer != "" {
				return Strategy{}, errors.Errorf("compare: strategy %q: two regularizers (%s, %s); use elastic(l1=…,l2=…)", text, s.Regularizer, seg)
			}
			s.Regularizer = seg
			continue
		}
		if s.Schedule != "" {
			return Strategy{}, errors.Errorf("compare: strategy %q: two schedules (%s, %s); compose them with sequential(…)", text, s.Schedule, seg)
		}
		s.Schedule = seg
	}
	if err := s.Validate(); err != nil {
		return Strategy{}, errors.WithMessagef(err, "compare: strategy %q", text)
	}
	return s, nil
}

// ParseStrategies parses each text with ParseStrategy.
func ParseStrategies(texts ...string) ([]Strategy, error) {
	out := make([]Strategy, 0, len(texts))
	for _, t := range texts {
		s, err := ParseStrategy(t)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// Validate checks every spec of s, with total = 1000 for the schedule.
func (s Strategy) Validate() error {
	_, _, _, err := s.build(1000)
	return err
}

// build makes a fresh solver, schedule and penalty for one trial whose
// budget is total optimizer steps.
func (s Strategy) build(total int) (solvers.Solver, lrsched.Scheduler, graph.Penalty, error) {
	if strings.ContainsAny(s.Name, "\n\r\t|") {
		return nil, nil, nil, errors.Errorf("compare: strategy name %q: no '|', tabs or newlines", s.Name)
	}
	sol, err := solvers.Parse(s.Solver)
	if err != nil {
		return nil, nil, nil, err
	}
	var sch lrsched.Scheduler
	if s.Schedule != "" {
		text, err := substituteTotal(s.Schedule, total)
		if err != nil {
			return nil, nil, nil, err
		}
		if sch, err = lrsched.Parse(text); err != nil {
			return nil, nil, nil, err
		}
	}
	var pen graph.Penalty
	if s.Regularizer != "" {
		if pen, err = parseRegularizer(s.Regularizer); err != nil {
			return nil, nil, nil, err
		}
	}
	return sol, sch, pen, nil
}

// substituteTotal replaces the identifier total, wherever it is a value in
// the spec, by the number n.
func substituteTotal(text string, n int) (string, error) {
	c, err := spec.Parse(text)
	if err != nil {
		return "", err
	}
	var walk func(c *spec.Call)
	var val func(v spec.Value) spec.Value
	val = func(v spec.Value) spec.Value {
		switch v.Kind {
		case spec.Ident:
			if v.Str == "total" {
				return spec.Value{Kind: spec.Number, Num: float64(n), Text: "total"}
			}
		case spec.List:
			l := make([]spec.Value, len(v.List))
			for i, e := range v.List {
				l[i] = val(e)
			}
			v.List = l
		case spec.Spec:
			walk(v.Call)
		}
		return v
	}
	walk = func(c *spec.Call) {
		for _, k := range c.Keys {
			c.Values[k] = val(c.Values[k])
		}
		for _, p := range c.Positional {
			walk(p)
		}
	}
	walk(c)
	return c.String(), nil
}

// parseRegularizer reads l1(lambda=…), l2(lambda=…) or
// elastic(l1=…,l2=…) into graph.L1, graph.L2 or graph.ElasticNet over the
// weights (graph.WeightsOnly).
func parseRegularizer(text string) (graph.Penalty, error) {
	c, err := spec.Parse(text)
	if err != nil {
		return nil, errors.Wrap(err, "compare: regularizer")
	}
	a := c.Args("compare: regularizer " + c.Name)
	var l1, l2 float64
	switch c.Name {
	case "l1":
		l1 = a.Float("lambda", 0)
	case "l2":
		l2 = a.Float("lambda", 0)
	case "elastic":
		l1, l2 = a.Float("l1", 0), a.Float("l2", 0)
	default:
		return nil, errors.Errorf("compare: unknown regularizer %q (known: l1, l2, elastic)", c.Name)
	}
	if err := a.Done(); err != nil {
		return nil, err
	}
	if !(l1 >= 0) || !(l2 >= 0) || l1+l2 == 0 {
		return nil, errors.Errorf("compare: regularizer %s: coefficients must be ≥ 0 and not all 0", text)
	}
	return graph.ElasticNet(l1, l2, graph.WeightsOnly), nil
}
