package compare

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/pkg/errors"
	"gorgonia.org/gorgonia"

	"github.com/convergo/convergo/graph"
	"github.com/convergo/convergo/internal/spec"
	"github.com/convergo/convergo/layers"
	"github.com/convergo/convergo/lrsched"
	"github.com/convergo/convergo/solvers"
)

// Strategy is one way of optimizing a model: a solver, an optional
// learning-rate schedule and an optional regularizer, under a display name.
//
// Each of the three is given as text (a spec, see ParseStrategy and the
// package documentation) or as a Go value — a factory of your own solver or
// schedule, a penalty function — or both:
//
//   - Text only (Solver, Schedule, Regularizer): the trial builds it with
//     solvers.Parse, lrsched.Parse (after substituting total) or the
//     regularizer parser. Names registered with solvers.Register and
//     lrsched.Register are accepted.
//   - Go value only (NewSolver, NewSchedule, Penalty): the trial calls the
//     factory. A Go value cannot be hashed, so Key must then be set — a
//     version string you change whenever the code or the settings behind
//     the factory change — and it goes into the trial fingerprint, so that
//     a resumed study never reuses the trials of an older solver. Name is
//     required too (there is no text to show).
//   - Both (what ParseStrategy returns, so that a program can build the
//     values itself): the text wins — it is what a trial builds, shows and
//     hashes — and the factory is not called.
//
// # Learning rate and schedule
//
// With a schedule, the schedule sets the rate of every step, the first
// included. A solver spec that also writes lr (sgd(lr=0.5) | cosine(max=0.1,T=total))
// would run at a different rate than it says, so that is an error unless
// the two agree at step 0 (|lr − LR(0)| ≤ 1e-12·max(|lr|, |LR(0)|)); leave
// lr out of the solver spec when a schedule sets it. The rate recorded at
// step 0 (curves, figures) is the schedule's LR(0).
type Strategy struct {
	// Name is the display name, used in tables, plots and file names.
	// Empty means the text form of the specs (String without the name);
	// required when a part is a Go value only.
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
	// biases); and/or "dropout(p=0.2)": every Dropout layer of the network
	// drops with probability p (inverted dropout), or, for a network
	// without one, its input does. Both: "l2(lambda=1e-4) | dropout(p=0.2)".
	// Empty: none.
	Regularizer string
	// Hyper schedules hyperparameters other than the learning rate, as
	// graph.ParseHyper reads them: "hyper(momentum=linear(lr=0.95,start_factor=0.9,total=total),weight_decay=cosine(max=0.05,T=total))"
	// (total is the budget, as in Schedule; the keys are the solver's
	// solvers.Hyperparams, and dropout for the network's Dropout layers).
	// Empty: none.
	Hyper string

	// NewSolver returns a fresh solver; it is called once per trial (and
	// once when the study is validated). Any gorgonia.Solver works; a
	// schedule needs one with SetLearnRate (graph.LearnRater), a
	// checkpoint one that is a solvers.Stater. A solver that implements
	// fmt.Stringer is described by its String in reports and fingerprints.
	NewSolver func() (gorgonia.Solver, error)
	// NewSchedule returns a fresh schedule for a trial of totalSteps
	// optimizer steps; nil: the solver's own learning rate.
	NewSchedule func(totalSteps int) (lrsched.Scheduler, error)
	// Penalty is a regularization term (graph.L2, graph.ElasticNet, or
	// your own); nil: none.
	Penalty graph.Penalty
	// Key is hashed into the trial fingerprint; required when a part is a
	// Go value only (see above).
	Key string
}

// DisplayName returns Name, or the text form of the specs when Name is empty.
func (s Strategy) DisplayName() string {
	if s.Name != "" {
		return s.Name
	}
	return s.specText()
}

// goOnly reports which parts are Go values without a text form.
func (s Strategy) goOnly() (solver, schedule, penalty bool) {
	return s.NewSolver != nil && s.Solver == "", s.NewSchedule != nil && s.Schedule == "", s.Penalty != nil && s.Regularizer == ""
}

// IsGoValue reports whether some part of s is a Go value without a text
// form (so that Key is required and String cannot be parsed back).
func (s Strategy) IsGoValue() bool {
	a, b, c := s.goOnly()
	return a || b || c
}

// parts returns the text of each part: its spec, or for a Go value only a
// description ("go:" and the value's String, or its Go type).
func (s Strategy) parts() (solver, schedule, regularizer string) {
	solver, schedule, regularizer = s.Solver, s.Schedule, s.Regularizer
	gs, gsch, gp := s.goOnly()
	if gs {
		solver = "go:" + describeSolver(s.NewSolver)
	}
	if gsch {
		schedule = "go:" + describeSchedule(s.NewSchedule)
	}
	if gp {
		regularizer = "go:penalty"
	}
	return solver, schedule, regularizer
}

func describeSolver(f func() (gorgonia.Solver, error)) string {
	sol, err := callSolver(f)
	if err != nil || sol == nil {
		return "solver"
	}
	if st, ok := sol.(fmt.Stringer); ok {
		return st.String()
	}
	return fmt.Sprintf("%T", sol)
}

func describeSchedule(f func(int) (lrsched.Scheduler, error)) string {
	sch, err := callSchedule(f, 1000)
	if err != nil || sch == nil {
		return "schedule"
	}
	if st, ok := sch.(fmt.Stringer); ok {
		return st.String()
	}
	return fmt.Sprintf("%T", sch)
}

// callSolver calls a user's factory, turning a panic into an error.
func callSolver(f func() (gorgonia.Solver, error)) (s gorgonia.Solver, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errors.Errorf("compare: NewSolver panicked: %v", r)
		}
	}()
	s, err = f()
	if err == nil && s == nil {
		err = errors.New("compare: NewSolver returned a nil solver")
	}
	return s, err
}

func callSchedule(f func(int) (lrsched.Scheduler, error), total int) (s lrsched.Scheduler, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errors.Errorf("compare: NewSchedule panicked: %v", r)
		}
	}()
	s, err = f(total)
	if err == nil && s == nil {
		err = errors.New("compare: NewSchedule returned a nil schedule")
	}
	return s, err
}

func (s Strategy) specText() string {
	solver, schedule, regularizer := s.parts()
	parts := []string{solver}
	if schedule != "" {
		parts = append(parts, schedule)
	}
	if regularizer != "" {
		parts = append(parts, regularizer)
	}
	if s.Hyper != "" {
		parts = append(parts, s.Hyper)
	}
	return strings.Join(parts, " | ")
}

// hyper builds the trial's Trainer.Hyper from s.Hyper for a budget of
// total steps, and checks its keys against the solver.
func (s Strategy) hyper(sol gorgonia.Solver, total int) (map[string]lrsched.Scheduler, error) {
	if s.Hyper == "" {
		return nil, nil
	}
	text, err := substitute(s.Hyper, map[string]float64{"total": float64(total)})
	if err != nil {
		return nil, errors.Wrap(err, "compare: hyper")
	}
	h, err := graph.ParseHyper(text)
	if err != nil {
		return nil, err
	}
	hp, ok := sol.(solvers.Hyperparams)
	for key := range h {
		switch {
		case key == "dropout":
		case !ok:
			return nil, errors.Errorf("compare: hyper(%s=…): solver %T has no schedulable hyperparameters", key, sol)
		case !slices.Contains(hp.HyperKeys(), key):
			return nil, errors.Errorf("compare: hyper(%s=…): the solver can schedule %v", key, hp.HyperKeys())
		}
	}
	return h, nil
}

// String returns the text form, which ParseStrategy reads back — unless a
// part is a Go value only, which is shown as "go:" and its description.
func (s Strategy) String() string {
	if s.Name == "" {
		return s.specText()
	}
	return s.Name + ": " + s.specText()
}

// fingerprintText is what the trial fingerprint hashes of s.
func (s Strategy) fingerprintText() string {
	if s.Key == "" {
		return s.String()
	}
	return s.String() + "|key=" + s.Key
}

// withDropout returns net with every Dropout layer's rate set to p, or,
// if it has none, with a dropout layer of rate p in front (input
// dropout). The layers are a trial's own (Problem.Net is called per
// trial), so setting their rate touches no other trial.
func withDropout(net layers.Layer, p float64) (layers.Layer, error) {
	found := false
	var walk func(l layers.Layer) error
	walk = func(l layers.Layer) error {
		switch l := l.(type) {
		case *layers.DropoutLayer:
			found = true
			return l.SetRate(p)
		case layers.Sequential:
			for _, x := range l {
				if err := walk(x); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := walk(net); err != nil {
		return nil, err
	}
	if !found {
		return layers.Stack(layers.Dropout(p), net), nil
	}
	return net, nil
}

// regularizerNames are the spec names a segment after the solver may have
// to be read as a regularizer rather than a schedule.
var regularizerNames = map[string]bool{"l1": true, "l2": true, "elastic": true, "dropout": true}

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
			return Strategy{}, errors.Errorf("compare: strategy %q: empty name before ':'", excerpt(text))
		}
	}
	segs := strings.Split(rest, "|")
	s.Solver = strings.TrimSpace(segs[0])
	if s.Solver == "" {
		return Strategy{}, errors.Errorf("compare: strategy %q: no solver", excerpt(text))
	}
	for _, seg := range segs[1:] {
		seg = strings.TrimSpace(seg)
		plain, _, err := extractSpaces(seg, 0)
		if err != nil {
			return Strategy{}, errors.WithMessagef(err, "compare: strategy %q: segment %q", excerpt(text), excerpt(seg))
		}
		c, err := spec.Parse(plain)
		if err != nil {
			return Strategy{}, errors.Wrapf(err, "compare: strategy %q: segment %q", excerpt(text), excerpt(seg))
		}
		if c.Name == "hyper" {
			if s.Hyper != "" {
				return Strategy{}, errors.Errorf("compare: strategy %q: two hyper(…) segments; put every key in one", excerpt(text))
			}
			s.Hyper = seg
			continue
		}
		if regularizerNames[c.Name] {
			if s.Regularizer != "" {
				prevDropout := strings.HasPrefix(strings.TrimSpace(s.Regularizer), "dropout")
				if (c.Name == "dropout") == prevDropout || strings.Contains(s.Regularizer, "|") {
					return Strategy{}, errors.Errorf("compare: strategy %q: two regularizers (%s, %s); a strategy has at most one penalty (use elastic(l1=…,l2=…) for both norms) and one dropout", excerpt(text), excerpt(s.Regularizer), excerpt(seg))
				}
				s.Regularizer += " | " + seg
				continue
			}
			s.Regularizer = seg
			continue
		}
		if s.Schedule != "" {
			return Strategy{}, errors.Errorf("compare: strategy %q: two schedules (%s, %s); compose them with sequential(…)", excerpt(text), excerpt(s.Schedule), excerpt(seg))
		}
		s.Schedule = seg
	}
	if err := s.Validate(); err != nil {
		if strings.Contains(err.Error(), "unknown schedule") {
			// A misspelt regularizer is read as a schedule: say what else
			// the segment could have been.
			return Strategy{}, errors.WithMessagef(err, "compare: strategy %q (a segment after the solver is a schedule or one of the regularizers l1, l2, elastic, dropout)", excerpt(text))
		}
		return Strategy{}, errors.WithMessagef(err, "compare: strategy %q", excerpt(text))
	}
	if !s.IsTunable() {
		s.fill()
	}
	return s, nil
}

// fill sets the factories of s from its text.
func (s *Strategy) fill() {
	solverText, scheduleText, regText := s.Solver, s.Schedule, s.Regularizer
	s.NewSolver = func() (gorgonia.Solver, error) { return solvers.Parse(solverText) }
	if scheduleText != "" {
		s.NewSchedule = func(total int) (lrsched.Scheduler, error) {
			sol, err := solvers.Parse(solverText)
			if err != nil {
				return nil, err
			}
			return parseSchedule(scheduleText, solverText, sol, total)
		}
	}
	if regText != "" {
		pen, _ := parseRegularizer(regText) // checked by Validate
		s.Penalty = pen
	}
}

// excerpt shortens a long text for an error message: its first 60 and
// last 30 bytes (on rune boundaries) around an ellipsis.
func excerpt(s string) string {
	if len(s) <= 120 {
		return s
	}
	a, b := 60, len(s)-30
	for a > 0 && !utf8.RuneStart(s[a]) {
		a--
	}
	for b < len(s) && !utf8.RuneStart(s[b]) {
		b++
	}
	return s[:a] + fmt.Sprintf("…(%d bytes)…", b-a) + s[b:]
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

// Validate checks s: every spec (with total = 1000 for the schedule), the
// factories (each is called once), the Key of a Go value and the rule on
// lr and a schedule (see Strategy).
//
// A tunable strategy (one with search spaces, see Space) is checked with
// every space at its midpoint; only a tuned study can run it.
func (s Strategy) Validate() error {
	if s.mentionsSpaces() {
		sp, err := s.Spaces()
		if err != nil {
			return err
		}
		if len(sp) > 0 { // a name like "uniform(" that is not a space falls through
			m, err := s.midpoint()
			if err != nil {
				return err
			}
			_, _, _, err = m.build(1000)
			return err
		}
	}
	_, _, _, err := s.build(1000)
	return err
}

// build makes a fresh solver, schedule and penalty for one trial whose
// budget is total optimizer steps.
func (s Strategy) build(total int) (gorgonia.Solver, lrsched.Scheduler, graph.Penalty, error) {
	if strings.ContainsAny(s.Name, "\n\r\t|") {
		return nil, nil, nil, errors.Errorf("compare: strategy name %q: no '|', tabs or newlines", s.Name)
	}
	if s.Solver == "" && s.NewSolver == nil {
		return nil, nil, nil, errors.New("compare: strategy has no solver (set Solver or NewSolver)")
	}
	if s.IsGoValue() {
		if s.Key == "" {
			return nil, nil, nil, errors.Errorf("compare: strategy %q has a Go value without a text form (%s): set Key — a version string you change with the code — so that a resumed study cannot reuse the trials of an older version", s.Name, s.goParts())
		}
		if s.Name == "" {
			return nil, nil, nil, errors.Errorf("compare: a strategy with a Go value (%s) needs a Name", s.goParts())
		}
	}
	var sol gorgonia.Solver
	var err error
	if s.Solver != "" {
		sol, err = solvers.Parse(s.Solver)
	} else {
		sol, err = callSolver(s.NewSolver)
	}
	if err != nil {
		return nil, nil, nil, err
	}
	var sch lrsched.Scheduler
	switch {
	case s.Schedule != "":
		if sch, err = parseSchedule(s.Schedule, s.Solver, sol, total); err != nil {
			return nil, nil, nil, err
		}
	case s.NewSchedule != nil:
		if sch, err = callSchedule(s.NewSchedule, total); err != nil {
			return nil, nil, nil, err
		}
	}
	if sch != nil {
		if _, ok := sol.(graph.LearnRater); !ok {
			return nil, nil, nil, errors.Errorf("compare: strategy %q has a schedule, but its solver %T has no SetLearnRate (graph.LearnRater)", s.DisplayName(), sol)
		}
		if !usesSame(s.Schedule) {
			if err := checkScheduleRate(s.Solver, sch); err != nil {
				return nil, nil, nil, err
			}
		}
	}
	pen := s.Penalty
	if s.Regularizer != "" {
		if pen, _, err = parseRegularizers(s.Regularizer); err != nil {
			return nil, nil, nil, err
		}
	}
	if _, err := s.hyper(sol, total); err != nil {
		return nil, nil, nil, err
	}
	return sol, sch, pen, nil
}

// goParts names the parts of s that are Go values only.
func (s Strategy) goParts() string {
	a, b, c := s.goOnly()
	var p []string
	if a {
		p = append(p, "NewSolver")
	}
	if b {
		p = append(p, "NewSchedule")
	}
	if c {
		p = append(p, "Penalty")
	}
	return strings.Join(p, ", ")
}

// solverLR returns the lr a solver spec writes — the inner solver's for a
// wrapper without its own (lookahead) — and whether it writes one.
func solverLR(solverSpec string) (spec.Value, bool) {
	if solverSpec == "" {
		return spec.Value{}, false
	}
	c, err := spec.Parse(solverSpec)
	if err != nil {
		return spec.Value{}, false
	}
	for rateOfInner[c.Name] && len(c.Positional) > 0 {
		if _, ok := c.Values["lr"]; ok {
			break
		}
		c = c.Positional[len(c.Positional)-1]
	}
	v, ok := c.Values["lr"]
	return v, ok && v.Kind == spec.Number
}

// rateOfInner are the wrappers whose learning rate is their (last) inner
// solver's; a solver with an inner solver of its own besides (muon, whose
// inner solver takes the parameters it does not) has its own rate.
var rateOfInner = map[string]bool{"lookahead": true, "cautious": true, "ema": true, "chain": true}

// usesSame reports whether a schedule spec has the identifier same as a
// value.
func usesSame(scheduleSpec string) bool {
	c, err := spec.Parse(scheduleSpec)
	return err == nil && hasIdent(c, "same")
}

func hasIdent(c *spec.Call, id string) bool {
	for _, k := range c.Keys {
		v := c.Values[k]
		if (v.Kind == spec.Ident && v.Str == id) || (v.Kind == spec.Spec && hasIdent(v.Call, id)) {
			return true
		}
	}
	for _, p := range c.Positional {
		if hasIdent(p, id) {
			return true
		}
	}
	return false
}

// parseSchedule builds a schedule spec for a trial of total steps: total
// stands for the budget, same for the solver's learning rate (the lr the
// solver spec writes, else the solver's own).
func parseSchedule(scheduleSpec, solverSpec string, sol gorgonia.Solver, total int) (lrsched.Scheduler, error) {
	ids := map[string]float64{"total": float64(total)}
	if usesSame(scheduleSpec) {
		if v, ok := solverLR(solverSpec); ok {
			ids["same"] = v.Num
		} else if lr, ok := sol.(graph.LearnRater); ok {
			ids["same"] = lr.LearnRate()
		} else {
			return nil, errors.Errorf("compare: schedule %s uses same, but the solver has no learning rate to tie it to", scheduleSpec)
		}
	}
	text, err := substitute(scheduleSpec, ids)
	if err != nil {
		return nil, err
	}
	return lrsched.Parse(text)
}

// checkScheduleRate applies the rule of Strategy: a solver spec that sets
// lr, with a schedule, must agree with the schedule's rate at step 0.
func checkScheduleRate(solverSpec string, sch lrsched.Scheduler) error {
	v, ok := solverLR(solverSpec)
	if !ok {
		return nil
	}
	lr0 := sch.LR(0)
	if math.Abs(v.Num-lr0) <= 1e-12*math.Max(math.Abs(v.Num), math.Abs(lr0)) {
		return nil
	}
	return errors.Errorf("compare: the solver spec %s sets lr=%s but the schedule starts at %s (its rate at step 0); with a schedule the schedule sets every step's rate: leave lr out of the solver spec, or make the two agree",
		solverSpec, v.Text, strconv.FormatFloat(lr0, 'g', -1, 64))
}

// substitute replaces each identifier of ids, wherever it is a value in
// the spec, by its number.
func substitute(text string, ids map[string]float64) (string, error) {
	c, err := spec.Parse(text)
	if err != nil {
		return "", err
	}
	var walk func(c *spec.Call)
	var val func(v spec.Value) spec.Value
	val = func(v spec.Value) spec.Value {
		switch v.Kind {
		case spec.Ident:
			if n, ok := ids[v.Str]; ok {
				return spec.Value{Kind: spec.Number, Num: n, Text: v.Str}
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
	pen, _, err := parseRegularizers(text)
	return pen, err
}

// parseRegularizers reads a strategy's Regularizer: at most one penalty
// (l1, l2, elastic) and at most one dropout(p=…), separated by '|'. The
// dropout rate p (0 < p < 1) is set on every Dropout layer of the network,
// or, if it has none, applied to its input (a dropout layer before the
// first layer); 0 without dropout.
func parseRegularizers(text string) (pen graph.Penalty, dropout float64, err error) {
	for _, part := range strings.Split(text, "|") {
		part = strings.TrimSpace(part)
		c, err := spec.Parse(part)
		if err != nil {
			return nil, 0, errors.Wrap(err, "compare: regularizer")
		}
		if c.Name == "dropout" {
			a := c.Args("compare: regularizer dropout")
			if !a.Has("p") {
				a.Err(errors.New("compare: regularizer dropout: missing required key p (the drop probability)"))
			}
			dropout = a.Float("p", 0)
			if err := a.Done(); err != nil {
				return nil, 0, err
			}
			if !(dropout > 0 && dropout < 1) {
				return nil, 0, errors.Errorf("compare: regularizer %s: p must be in (0, 1)", part)
			}
			continue
		}
		if pen, err = parsePenalty(c, part); err != nil {
			return nil, 0, err
		}
	}
	return pen, dropout, nil
}

func parsePenalty(c *spec.Call, text string) (graph.Penalty, error) {
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
		return nil, errors.Errorf("compare: unknown regularizer %q (known: l1, l2, elastic, dropout)", c.Name)
	}
	if err := a.Done(); err != nil {
		return nil, err
	}
	if !(l1 >= 0) || !(l2 >= 0) || l1+l2 == 0 {
		return nil, errors.Errorf("compare: regularizer %s: coefficients must be ≥ 0 and not all 0", text)
	}
	return graph.ElasticNet(l1, l2, graph.WeightsOnly), nil
}
