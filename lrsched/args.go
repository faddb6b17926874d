package lrsched

import (
	"github.com/convergo/convergo/internal/spec"
	"github.com/pkg/errors"
)

// Args reads the keys of one spec for the builder of a schedule, built-in
// or registered with [Register]; the built-in schedules read theirs the same
// way. Each getter returns the value given for its key, or the default when
// the key is absent, and remembers the key as known. After the builder
// returns, [Parse] reports, in this order:
//
//   - the first error a getter recorded: a value of the wrong type
//     ("T=2.5: want an integer"), a missing required key, a value outside
//     an Enum's choices, or a range error recorded with Errorf;
//   - every key given but never read, with the keys that were read ("unknown
//     key tmax (known: max, min, T)");
//   - a positional argument (an inner spec) that Inner did not read;
//   - the error the builder returned, prefixed by the schedule's name
//     unless it already starts with it.
//
// So a builder reads every key it accepts, checks ranges with Errorf, and
// returns its schedule; it need not check its own errors first. Numbers
// are float64 values; Int and Ints accept integral numbers of magnitude at
// most 2^53. An Args is used by one builder call, in one goroutine.
type Args struct {
	name     string
	a        *spec.Args
	call     *spec.Call
	parse    func(*spec.Call) (Scheduler, error) // parseCall, passed in to keep the builtins table static
	innerErr error
}

func newArgs(c *spec.Call, parse func(*spec.Call) (Scheduler, error)) *Args {
	return &Args{name: c.Name, a: c.Args(c.Name), call: c, parse: parse}
}

// Float returns the number at key, or def if key is absent.
func (a *Args) Float(key string, def float64) float64 { return a.a.Float(key, def) }

// Int returns the integer at key, or def if key is absent; a non-integral
// number is an error.
func (a *Args) Int(key string, def int) int { return a.a.Int(key, def) }

// Bool returns the boolean (true or false) at key, or def if key is absent.
func (a *Args) Bool(key string, def bool) bool { return a.a.Bool(key, def) }

// Enum returns the identifier at key, or def if key is absent; any other
// identifier than those allowed is an error listing them.
func (a *Args) Enum(key, def string, allowed ...string) string {
	return a.a.Enum(key, def, allowed...)
}

// Floats returns the list of numbers at key ([0.1,0.2]), or def if key is
// absent.
func (a *Args) Floats(key string, def []float64) []float64 { return a.a.Floats(key, def) }

// Ints returns the list of integers at key ([30,60]), or def if key is
// absent.
func (a *Args) Ints(key string, def []int) []int { return a.a.Ints(key, def) }

// Has reports whether key was given, and counts it as read.
func (a *Args) Has(key string) bool { return a.a.Has(key) }

// required records a missing key as an error; it reports whether key was
// given.
func (a *Args) required(key string) bool {
	if a.a.Has(key) {
		return true
	}
	a.a.Err(errors.Errorf("%s: missing required key %s", a.name, key))
	return false
}

// RequiredFloat returns the number at key; a missing key is an error (and
// the result 0).
func (a *Args) RequiredFloat(key string) float64 {
	if !a.required(key) {
		return 0
	}
	return a.a.Float(key, 0)
}

// RequiredInt returns the integer at key; a missing key is an error (and
// the result 0).
func (a *Args) RequiredInt(key string) int {
	if !a.required(key) {
		return 0
	}
	return a.a.Int(key, 0)
}

// RequiredFloats returns the list of numbers at key; a missing key is an
// error (and the result nil). An empty list [] is not missing.
func (a *Args) RequiredFloats(key string) []float64 {
	if !a.required(key) {
		return nil
	}
	return a.a.Floats(key, []float64{})
}

// RequiredInts returns the list of integers at key; a missing key is an
// error (and the result nil). An empty list [] is not missing.
func (a *Args) RequiredInts(key string) []int {
	if !a.required(key) {
		return nil
	}
	return a.a.Ints(key, []int{})
}

// Errorf records an error about the value of key, a range check say:
//
//	if T <= 0 { a.Errorf("T", "must be > 0") }
//
// gives "lrsched: name: T=0: must be > 0", naming the value as the spec
// wrote it ("default" when the key was absent). Only the first error a
// getter or Errorf records is reported.
func (a *Args) Errorf(key, format string, args ...any) { a.a.Errorf(key, format, args...) }

// Inner parses the schedule's one positional argument, the inner schedule
// of a wrapper such as warmup(steps=500,cosine(max=0.1,T=20000)). It is an
// error if there is none or more than one, or if the inner spec is
// invalid; the error starts with the wrapper's name ("warmup: cosine: T=0:
// must be > 0"). A builder may return it as is. Call Inner at most once.
func (a *Args) Inner() (Scheduler, error) {
	pos := a.a.Positional()
	var err error
	var s Scheduler
	switch len(pos) {
	case 0:
		err = errors.Errorf("%s: missing the inner schedule, a positional spec as in %s(...,cosine(max=0.1,T=100))", a.name, a.name)
	case 1:
		if s, err = a.parse(pos[0]); err != nil {
			err = errors.WithMessage(err, a.name)
		}
	default:
		err = errors.Errorf("%s: want one inner schedule, got %d", a.name, len(pos))
	}
	if err != nil {
		a.innerErr = err
		return nil, err
	}
	return s, nil
}

// inners parses every positional argument (Sequential's schedules).
func (a *Args) inners() ([]Scheduler, error) {
	pos := a.a.Positional()
	out := make([]Scheduler, len(pos))
	for i, p := range pos {
		s, err := a.parse(p)
		if err != nil {
			return nil, errors.WithMessagef(err, "%s: schedule %d", a.name, i)
		}
		out[i] = s
	}
	return out, nil
}
