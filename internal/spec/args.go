package spec

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/pkg/errors"
)

// Args reads the keys of a Call, remembering which were read so that Done
// can report unknown keys. Getters return the default when the key is absent
// and record the first type error. The prefix (for example "solvers: adam")
// starts every error message.
type Args struct {
	call   *Call
	prefix string
	used   map[string]bool
	asked  []string // every key a getter asked for, for the unknown-key hint
	pos    int
	err    error
}

// Args returns a reader over c's arguments; errors start with prefix.
func (c *Call) Args(prefix string) *Args {
	return &Args{call: c, prefix: prefix, used: map[string]bool{}}
}

// Has reports whether key was given (and marks it read).
func (a *Args) Has(key string) bool {
	a.ask(key)
	_, ok := a.call.Values[key]
	if ok {
		a.used[key] = true
	}
	return ok
}

func (a *Args) fail(err error) {
	if a.err == nil {
		a.err = err
	}
}

// Errorf records an error about key (a range check, say); the message names
// the spec, the key and the value given.
func (a *Args) Errorf(key, format string, args ...any) {
	v, ok := a.call.Values[key]
	given := "default"
	if ok {
		given = v.Text
	}
	a.fail(errors.Errorf("%s: %s=%s: %s", a.prefix, key, clip(given), clip(fmt.Sprintf(format, args...))))
}

// Err records a free-form error.
func (a *Args) Err(err error) { a.fail(err) }

func (a *Args) ask(key string) {
	if !slices.Contains(a.asked, key) {
		a.asked = append(a.asked, key)
	}
}

func (a *Args) get(key string, want Kind) (Value, bool) {
	a.ask(key)
	v, ok := a.call.Values[key]
	if !ok {
		return Value{}, false
	}
	a.used[key] = true
	if v.Kind != want {
		a.fail(errors.Errorf("%s: %s=%s: want %s, got %s", a.prefix, key, clip(v.Text), article(want), article(v.Kind)))
		return Value{}, false
	}
	return v, true
}

// Float returns the number at key, or def.
func (a *Args) Float(key string, def float64) float64 {
	v, ok := a.get(key, Number)
	if !ok {
		return def
	}
	return v.Num
}

// MaxInt is the largest magnitude Int and Ints accept: 2^53, beyond which
// a float64 (how numbers are parsed) no longer holds every integer, and
// far inside int's range, so the conversion never wraps.
const MaxInt = 1 << 53

// Int returns the integer at key, or def; a non-integral number, or one of
// magnitude above MaxInt, is an error.
func (a *Args) Int(key string, def int) int {
	v, ok := a.get(key, Number)
	if !ok {
		return def
	}
	if v.Num != math.Trunc(v.Num) {
		a.Errorf(key, "want an integer")
		return def
	}
	if math.Abs(v.Num) > MaxInt {
		a.Errorf(key, "want an integer of magnitude at most 2^53")
		return def
	}
	return int(v.Num)
}

// Bool returns the boolean at key, or def.
func (a *Args) Bool(key string, def bool) bool {
	v, ok := a.get(key, Bool)
	if !ok {
		return def
	}
	return v.Bool
}

// Enum returns the identifier at key, or def; it must be one of allowed.
func (a *Args) Enum(key, def string, allowed ...string) string {
	v, ok := a.get(key, Ident)
	if !ok {
		return def
	}
	if !slices.Contains(allowed, v.Str) {
		a.Errorf(key, "want one of %s", strings.Join(allowed, "|"))
		return def
	}
	return v.Str
}

// Floats returns the list of numbers at key, or def.
func (a *Args) Floats(key string, def []float64) []float64 {
	v, ok := a.get(key, List)
	if !ok {
		return def
	}
	out := make([]float64, 0, len(v.List))
	for _, e := range v.List {
		if e.Kind != Number {
			a.Errorf(key, "want a list of numbers, element %s is %s", e.Text, article(e.Kind))
			return def
		}
		out = append(out, e.Num)
	}
	return out
}

// Ints returns the list of integers at key, or def; as for Int, every
// element must be integral and of magnitude at most MaxInt. Errors quote
// the element as written.
func (a *Args) Ints(key string, def []int) []int {
	v, ok := a.call.Values[key]
	fs := a.Floats(key, nil)
	if fs == nil || !ok {
		return def
	}
	out := make([]int, len(fs))
	for i, f := range fs {
		text := v.List[i].Text
		if f != math.Trunc(f) {
			a.Errorf(key, "want a list of integers, element %s is not", text)
			return def
		}
		if math.Abs(f) > MaxInt {
			a.Errorf(key, "want a list of integers of magnitude at most 2^53, element %s is not", text)
			return def
		}
		out[i] = int(f)
	}
	return out
}

// Idents returns the identifier at key as a list of one, or the list of
// identifiers at key ([a,b]), or def. An empty list or an element that
// is not an identifier is an error.
func (a *Args) Idents(key string, def []string) []string {
	a.ask(key)
	v, ok := a.call.Values[key]
	if !ok {
		return def
	}
	a.used[key] = true
	switch v.Kind {
	case Ident:
		return []string{v.Str}
	case List:
		if len(v.List) == 0 {
			a.Errorf(key, "want an identifier or a non-empty list of identifiers")
			return def
		}
		out := make([]string, 0, len(v.List))
		for _, e := range v.List {
			if e.Kind != Ident {
				a.Errorf(key, "want a list of identifiers, element %s is %s", e.Text, article(e.Kind))
				return def
			}
			out = append(out, e.Str)
		}
		return out
	}
	a.fail(errors.Errorf("%s: %s=%s: want an identifier or a list of identifiers, got %s", a.prefix, key, clip(v.Text), article(v.Kind)))
	return def
}

// Call returns the inner spec at key, written key=name(...) or key=name
// (an identifier, a call without arguments), or nil.
func (a *Args) Call(key string) *Call {
	a.ask(key)
	v, ok := a.call.Values[key]
	if !ok {
		return nil
	}
	if v.Kind == Ident {
		a.used[key] = true
		return &Call{Name: v.Str, Values: map[string]Value{}, Text: v.Text}
	}
	return a.Spec(key)
}

// Keys returns the keys given, in the order written, without marking
// them read (for a spec whose keys are names of its own choosing, such as
// the groups of solvers' groups).
func (a *Args) Keys() []string { return slices.Clone(a.call.Keys) }

// Spec returns the inner spec at key (key=name(...)), or nil.
func (a *Args) Spec(key string) *Call {
	v, ok := a.get(key, Spec)
	if !ok {
		return nil
	}
	return v.Call
}

// Positional returns the remaining positional arguments and marks them read.
func (a *Args) Positional() []*Call {
	rest := a.call.Positional[a.pos:]
	a.pos = len(a.call.Positional)
	return rest
}

// Done returns the first recorded error, else an error naming every key that
// was given but never read, else an error about unread positional arguments.
func (a *Args) Done() error {
	if a.err != nil {
		return a.err
	}
	var unknown []string
	for _, k := range a.call.Keys {
		if !a.used[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		return errors.Errorf("%s: unknown key %s%s", a.prefix, clip(strings.Join(unknown, ", ")), knownHint(a.asked))
	}
	if a.pos < len(a.call.Positional) {
		return errors.Errorf("%s: unexpected positional argument %s", a.prefix, clip(a.call.Positional[a.pos].Text))
	}
	return nil
}

func knownHint(known []string) string {
	if len(known) == 0 {
		return ""
	}
	return " (known: " + strings.Join(known, ", ") + ")"
}

// article returns the kind with its indefinite article: "a number", "an identifier".
func article(k Kind) string {
	if k == Ident {
		return "an " + k.String()
	}
	return "a " + k.String()
}

// FloatOrWord returns the number at key, or def when it is absent, or
// wordVal when its value is the identifier word (such as none or inf,
// which a number cannot spell); any other identifier is an error.
func (a *Args) FloatOrWord(key string, def float64, word string, wordVal float64) float64 {
	a.ask(key)
	v, ok := a.call.Values[key]
	if !ok {
		return def
	}
	a.used[key] = true
	switch {
	case v.Kind == Number:
		return v.Num
	case v.Kind == Ident && v.Str == word:
		return wordVal
	}
	a.fail(errors.Errorf("%s: %s=%s: want a number or %s", a.prefix, key, clip(v.Text), word))
	return def
}
