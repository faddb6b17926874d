package solvers

import (
	"github.com/pkg/errors"

	"github.com/convergo/convergo/internal/spec"
)

// Args reads the arguments of one solver spec, for a build function given
// to Register (the built-in solvers are read the same way). Each getter
// returns the value of its key, or def when the key is not given, and
// marks the key read; after build returns, Parse reports the first error
// recorded (a value of the wrong type, a range error from Errorf), else
// any key that was given but never read (listing the keys that were),
// else a positional argument that was not read. So a build function
// reads every key it knows, with its default, then checks ranges:
//
//	func(a *solvers.Args) (solvers.Solver, error) {
//		lr, beta := a.Float("lr", 0.01), a.Float("beta", 0.9)
//		if !(beta >= 0 && beta < 1) {
//			a.Errorf("beta", "must be in [0, 1)")
//		}
//		norm, value := a.Clip()
//		return NewSignSGD(solvers.BaseOptions{LR: lr, ClipNorm: norm, ClipValue: value}, beta)
//	}
type Args struct {
	a     *spec.Args
	name  string
	parse func(*spec.Call) (Solver, error) // parseCall (a field: a direct call would be an initialization cycle with builtins)
}

// Name returns the solver name of the spec.
func (a *Args) Name() string { return a.name }

// Has reports whether key was given (and marks it read).
func (a *Args) Has(key string) bool { return a.a.Has(key) }

// Float returns the number at key, or def.
func (a *Args) Float(key string, def float64) float64 { return a.a.Float(key, def) }

// Int returns the integer at key, or def; a number that is not an
// integer is an error.
func (a *Args) Int(key string, def int) int { return a.a.Int(key, def) }

// Bool returns the boolean (true or false) at key, or def.
func (a *Args) Bool(key string, def bool) bool { return a.a.Bool(key, def) }

// Enum returns the identifier at key, or def; one not in allowed is an
// error listing them.
func (a *Args) Enum(key, def string, allowed ...string) string {
	return a.a.Enum(key, def, allowed...)
}

// Floats returns the list of numbers at key ([a,b,c]), or def.
func (a *Args) Floats(key string, def []float64) []float64 { return a.a.Floats(key, def) }

// Errorf records an error about the value of key, typically a range
// check; the message names the solver, the key and the value given
// ("solvers: signsgd: beta=1.5: must be in [0, 1)"). Only the first
// error recorded is reported.
func (a *Args) Errorf(key, format string, args ...any) { a.a.Errorf(key, format, args...) }

// Clip reads clip_norm and clip_value, the clipping keys every solver
// takes (see BaseOptions); both are 0, off, when not given, and a value
// given must be > 0.
func (a *Args) Clip() (norm, value float64) {
	norm = a.Float("clip_norm", 0)
	if a.Has("clip_norm") && !(norm > 0) {
		a.Errorf("clip_norm", "must be > 0 (leave it out to turn clipping off)")
	}
	value = a.Float("clip_value", 0)
	if a.Has("clip_value") && !(value > 0) {
		a.Errorf("clip_value", "must be > 0 (leave it out to turn clipping off)")
	}
	return norm, value
}

// Inner parses the spec's positional argument as a solver, for a wrapper
// such as lookahead(k=5,adam): the spec must have exactly one.
func (a *Args) Inner() (Solver, error) {
	pos := a.a.Positional()
	if len(pos) != 1 {
		return nil, errors.Errorf("solvers: %s: want exactly one inner solver spec, as in %s(...,adam), got %d", a.name, a.name, len(pos))
	}
	inner, err := a.parse(pos[0])
	if err != nil {
		return nil, errors.Wrapf(err, "solvers: %s: inner solver", a.name)
	}
	return inner, nil
}

// floatOrWord reads a number that may also be spelled as the identifier
// word (eps1=none, growth_rate=inf), which stands for wordVal.
func (a *Args) floatOrWord(key string, def float64, word string, wordVal float64) float64 {
	return a.a.FloatOrWord(key, def, word, wordVal)
}
