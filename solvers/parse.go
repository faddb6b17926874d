package solvers

import (
	"math"
	"slices"
	"strings"

	"github.com/pkg/errors"

	"github.com/convergo/convergo/internal/spec"
)

// parsers maps each spec name to the function that builds the solver from
// its arguments. Keys are read through spec.Args, so unknown keys, wrong
// types and unread positional arguments are errors.
var parsers = map[string]func(a *spec.Args, c *spec.Call) (Solver, error){}

// Names returns the spec names Parse knows, sorted.
func Names() []string {
	names := make([]string, 0, len(parsers))
	for n := range parsers {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Parse builds a solver from a spec such as "adam(lr=3e-4,clip_norm=1)" or
// "lookahead(k=6,alpha=0.5,radam(lr=1e-3))". See the package documentation
// for the names, keys and defaults. Keys that are not given take the
// defaults of the table (those of the DefaultXConfig functions).
func Parse(s string) (Solver, error) {
	c, err := spec.Parse(s)
	if err != nil {
		return nil, errors.Wrap(err, "solvers")
	}
	return parseCall(c)
}

func parseCall(c *spec.Call) (Solver, error) {
	f, ok := parsers[c.Name]
	if !ok {
		return nil, errors.Errorf("solvers: unknown solver %q (known: %s)", c.Name, strings.Join(Names(), ", "))
	}
	a := c.Args("solvers: " + c.Name)
	s, err := f(a, c)
	if derr := a.Done(); derr != nil {
		return nil, derr
	}
	if err != nil {
		return nil, err
	}
	return s, nil
}

// readClip reads clip_norm and clip_value. In a spec, leaving a key out
// turns clipping off, so a given value must be > 0.
func readClip(a *spec.Args) (norm, value float64) {
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

// checker collects the first range error of a config, naming the solver,
// the key (as in the spec) and the value.
type checker struct {
	solver string
	err    error
}

func (c *checker) check(ok bool, key string, v any, want string) {
	if !ok && c.err == nil {
		c.err = errors.Errorf("solvers: %s: %s=%v: must be %s", c.solver, key, v, want)
	}
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// nonNeg checks x >= 0 and finite.
func (c *checker) nonNeg(key string, x float64) { c.check(finite(x) && x >= 0, key, x, ">= 0") }

// pos checks x > 0 and finite.
func (c *checker) pos(key string, x float64) { c.check(finite(x) && x > 0, key, x, "> 0") }

// beta checks 0 <= x < 1.
func (c *checker) beta(key string, x float64) { c.check(x >= 0 && x < 1, key, x, "in [0, 1)") }

// unit checks 0 <= x <= 1.
func (c *checker) unit(key string, x float64) { c.check(x >= 0 && x <= 1, key, x, "in [0, 1]") }

// common checks lr and the clipping fields of every config (0 turns
// clipping off in a config).
func (c *checker) common(lr, clipNorm, clipValue float64) {
	c.nonNeg("lr", lr)
	c.nonNeg("clip_norm", clipNorm)
	c.nonNeg("clip_value", clipValue)
}
