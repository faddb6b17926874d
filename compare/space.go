package compare

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/pkg/errors"

	"github.com/convergo/convergo/internal/spec"
)

// A search space stands wherever a strategy's spec expects a number:
//
//	loguniform(a,b)     log-uniform on [a, b], 0 < a < b
//	uniform(a,b)        uniform on [a, b], a < b
//	choice(v1,v2,…)     one of the numbers v1, v2, … (at least one)
//
// for example sgd(lr=loguniform(1e-3,1),momentum=choice(0,0.9)). A
// strategy with search spaces is tunable: only a tuned study (Study.Tune)
// runs it, giving it Tuning.Trials configurations, each the strategy with
// every space replaced by a sampled number.
//
// The identifier same, as a value of the schedule, stands for the solver's
// learning rate — the sampled one when lr is a space — so that
// sgd(lr=loguniform(1e-3,1)) | cosine(max=same,T=total) tunes one rate
// that is both (a schedule that ties its peak to the solver's lr with same
// is exempt from the rule that the solver's lr equals the schedule's rate
// at step 0: warmup(steps=100,cosine(max=same,T=total)) starts at 0).

// Space is one search space of a tunable strategy.
type Space struct {
	Kind   string    // "loguniform", "uniform" or "choice"
	Lo, Hi float64   // the bounds of loguniform and uniform
	Values []float64 // the values of choice
	// Part is "solver", "schedule" or "regularizer"; Key the key the space
	// is the value of, with its spec's name ("sgd.lr", "cosine.max"), as
	// the column name of tuning.csv.
	Part, Key string
	Text      string // as written, e.g. "loguniform(1e-3,1)"
}

// Value maps u in [0, 1) to the space: a + (b−a)u, exp(log a + (log b −
// log a)u), or the ⌊u·n⌋-th choice.
func (s Space) Value(u float64) float64 {
	switch s.Kind {
	case "uniform":
		return s.Lo + (s.Hi-s.Lo)*u
	case "loguniform":
		return math.Exp(math.Log(s.Lo) + (math.Log(s.Hi)-math.Log(s.Lo))*u)
	}
	return s.Values[min(int(u*float64(len(s.Values))), len(s.Values)-1)]
}

// Levels is the number of distinct values of a choice, 0 for a continuous
// space.
func (s Space) Levels() int {
	if s.Kind == "choice" {
		return len(s.Values)
	}
	return 0
}

func (s Space) signature() string {
	return fmt.Sprintf("%s(%v,%v,%v)", s.Kind, s.Lo, s.Hi, s.Values)
}

var spaceNames = []string{"loguniform", "uniform", "choice"}

// placeholder is the identifier a space is replaced by while the rest of
// the spec is parsed.
func placeholder(i int) string { return "space__" + strconv.Itoa(i) }

// extractSpaces replaces every search space of text (a value after '=')
// by a placeholder identifier and returns the spaces in order.
func extractSpaces(text string, first int) (string, []Space, error) {
	var b strings.Builder
	var out []Space
	i := 0
	for i < len(text) {
		j := strings.IndexByte(text[i:], '=')
		if j < 0 {
			b.WriteString(text[i:])
			break
		}
		j += i + 1
		b.WriteString(text[i:j])
		k := j
		for k < len(text) && text[k] == ' ' {
			k++
		}
		name := ""
		for _, n := range spaceNames {
			if !strings.HasPrefix(text[k:], n) {
				continue
			}
			if rest := strings.TrimLeft(text[k+len(n):], " "); strings.HasPrefix(rest, "(") {
				name = n
				break
			}
		}
		if name == "" {
			i = j
			continue
		}
		open := strings.IndexByte(text[k:], '(') + k
		end := strings.IndexByte(text[open:], ')')
		if end < 0 {
			return "", nil, errors.Errorf("compare: search space %s at offset %d: no closing ')'", name, k)
		}
		end += open
		sp, err := parseSpace(name, text[open+1:end], text[k:end+1])
		if err != nil {
			// Name the key: the identifier before '='.
			e := j - 1
			b := e
			for b > 0 && (isIdentByte(text[b-1])) {
				b--
			}
			return "", nil, errors.WithMessagef(err, "key %s", text[b:e])
		}
		b.WriteString(placeholder(first + len(out)))
		out = append(out, sp)
		i = end + 1
	}
	return b.String(), out, nil
}

func isIdentByte(c byte) bool {
	return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

func parseSpace(kind, args, text string) (Space, error) {
	s := Space{Kind: kind, Text: text}
	var vals []float64
	for _, a := range strings.Split(args, ",") {
		a = strings.TrimSpace(a)
		v, err := strconv.ParseFloat(a, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return s, errors.Errorf("compare: search space %s: %q is not a finite number (a space stands for a number; a boolean or a name cannot be searched)", text, a)
		}
		vals = append(vals, v)
	}
	switch kind {
	case "choice":
		if len(vals) == 0 {
			return s, errors.Errorf("compare: search space %s: no values", text)
		}
		s.Values = vals
	default:
		if len(vals) != 2 {
			return s, errors.Errorf("compare: search space %s: want two bounds, %s(a,b)", text, kind)
		}
		s.Lo, s.Hi = vals[0], vals[1]
		if !(s.Lo < s.Hi) {
			return s, errors.Errorf("compare: search space %s: want a < b", text)
		}
		if kind == "loguniform" && !(s.Lo > 0) {
			return s, errors.Errorf("compare: search space %s: want 0 < a < b (log scale)", text)
		}
	}
	return s, nil
}

// locate sets the Part and Key of the spaces whose placeholders are in
// the spec text of the given part, and checks that each sits where a
// number is expected (a key's value, not a list element).
func locate(part, text string, spaces []Space, first int) error {
	if text == "" {
		return nil
	}
	c, err := spec.Parse(text)
	if err != nil {
		msg := err.Error()
		for i := len(spaces) - 1; i >= 0; i-- {
			msg = strings.ReplaceAll(msg, placeholder(first+i), spaces[i].Text)
		}
		return errors.Errorf("compare: %s: %s", part, msg)
	}
	found := map[int]bool{}
	var walk func(c *spec.Call) error
	walk = func(c *spec.Call) error {
		for _, k := range c.Keys {
			v := c.Values[k]
			switch v.Kind {
			case spec.Ident:
				if n, ok := strings.CutPrefix(v.Str, "space__"); ok {
					i, _ := strconv.Atoi(n)
					spaces[i-first].Part, spaces[i-first].Key = part, c.Name+"."+k
					found[i] = true
				}
			case spec.List:
				for _, e := range v.List {
					if e.Kind == spec.Ident && strings.HasPrefix(e.Str, "space__") {
						return errors.Errorf("compare: %s %s: a search space inside a list (%s=[…]) is not supported", part, c.Name, k)
					}
				}
			case spec.Spec:
				if err := walk(v.Call); err != nil {
					return err
				}
			}
		}
		for _, p := range c.Positional {
			if err := walk(p); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(c); err != nil {
		return err
	}
	for i := range spaces {
		if !found[first+i] && spaces[i].Part == "" {
			return errors.Errorf("compare: %s: search space %s is not the value of a key", part, spaces[i].Text)
		}
	}
	return nil
}

// tunable is a strategy's text with its search spaces taken out.
type tunable struct {
	solver, schedule, regularizer string // with placeholders
	spaces                        []Space
}

// spaces parses the search spaces of s's text parts.
func (s Strategy) spaces() (*tunable, error) {
	t := &tunable{}
	var err error
	var sp []Space
	parts := []struct {
		name string
		in   string
		out  *string
	}{{"solver", s.Solver, &t.solver}, {"schedule", s.Schedule, &t.schedule}, {"regularizer", s.Regularizer, &t.regularizer}}
	for _, p := range parts {
		first := len(t.spaces)
		if *p.out, sp, err = extractSpaces(p.in, first); err != nil {
			return nil, errors.WithMessagef(err, "compare: strategy %q: %s", s.DisplayName(), p.name)
		}
		if err := locate(p.name, *p.out, sp, first); err != nil {
			return nil, errors.WithMessagef(err, "compare: strategy %q", s.DisplayName())
		}
		t.spaces = append(t.spaces, sp...)
	}
	return t, nil
}

// Spaces returns the search spaces of s, in the order written (solver,
// schedule, regularizer); none for a fixed strategy.
func (s Strategy) Spaces() ([]Space, error) {
	t, err := s.spaces()
	if err != nil {
		return nil, err
	}
	return t.spaces, nil
}

// IsTunable reports whether s has search spaces.
func (s Strategy) IsTunable() bool {
	if !s.mentionsSpaces() {
		return false
	}
	sp, err := s.Spaces()
	return err == nil && len(sp) > 0
}

// mentionsSpaces reports whether s's text has a search-space name followed
// by '(' — a space, well formed or not.
func (s Strategy) mentionsSpaces() bool {
	for _, t := range []string{s.Solver, s.Schedule, s.Regularizer} {
		for _, n := range spaceNames {
			if strings.Contains(t, n+"(") {
				return true
			}
		}
	}
	return false
}

// Sample returns the fixed strategy that replaces each search space i of s
// by Spaces()[i].Value(u[i]); it keeps s's name.
func (s Strategy) Sample(u []float64) (Strategy, error) {
	t, err := s.spaces()
	if err != nil {
		return Strategy{}, err
	}
	if len(u) != len(t.spaces) {
		return Strategy{}, errors.Errorf("compare: strategy %q has %d search spaces, Sample got %d values", s.DisplayName(), len(t.spaces), len(u))
	}
	vals := make([]float64, len(u))
	for i, sp := range t.spaces {
		vals[i] = sp.Value(u[i])
	}
	return s.withValues(t, vals), nil
}

// withValues is s with the placeholders of t replaced by vals.
func (s Strategy) withValues(t *tunable, vals []float64) Strategy {
	out := s
	// One pass over the text, so that a strategy with thousands of spaces
	// is still linear.
	fill := func(text string) string {
		var b strings.Builder
		for {
			i := strings.Index(text, "space__")
			if i < 0 {
				b.WriteString(text)
				return b.String()
			}
			b.WriteString(text[:i])
			j := i + len("space__")
			k := j
			for k < len(text) && text[k] >= '0' && text[k] <= '9' {
				k++
			}
			if n, err := strconv.Atoi(text[j:k]); err == nil && n < len(vals) {
				b.WriteString(strconv.FormatFloat(vals[n], 'g', -1, 64))
			} else {
				b.WriteString(text[i:k])
			}
			text = text[k:]
		}
	}
	out.Solver, out.Schedule, out.Regularizer = fill(t.solver), fill(t.schedule), fill(t.regularizer)
	out.NewSolver, out.NewSchedule, out.Penalty = nil, nil, nil
	if s.NewSolver != nil && s.Solver == "" {
		out.NewSolver = s.NewSolver
	}
	if s.NewSchedule != nil && s.Schedule == "" {
		out.NewSchedule = s.NewSchedule
	}
	if s.Penalty != nil && s.Regularizer == "" {
		out.Penalty = s.Penalty
	}
	return out
}

// midpoint is s with every space at u = 0.5, to validate the rest of the
// spec.
func (s Strategy) midpoint() (Strategy, error) {
	sp, err := s.Spaces()
	if err != nil {
		return Strategy{}, err
	}
	u := make([]float64, len(sp))
	for i := range u {
		u[i] = 0.5
	}
	return s.Sample(u)
}
