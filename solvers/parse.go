package solvers

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/pkg/errors"

	"github.com/convergo/convergo/internal/spec"
)

// builtins is the table of the solvers Parse knows: each spec name and
// the function that builds the solver from its arguments. It is the one
// place a built-in solver is listed; Register adds a user's solvers
// beside it.
var builtins = map[string]func(a *Args) (Solver, error){
	"adabelief": parseAdaBelief,
	"adafactor": parseAdafactor,
	"adadelta":  parseAdadelta,
	"adagrad":   parseAdagrad,
	"adam":      parseAdam,
	"adamax":    parseAdamax,
	"adamw":     parseAdamW,
	"ademamix":  parseAdEMAMix,
	"adopt":     parseADOPT,
	"cautious":  parseCautious,
	"chain":     parseChain,
	"ema":       parseEMA,
	"groups":    parseGroups,
	"lamb":      parseLAMB,
	"lion":      parseLion,
	"lookahead": parseLookahead,
	"momentum":  parseMomentum,
	"muon":      parseMuon,
	"nadam":     parseNAdam,
	"prodigy":   parseProdigy,
	"radam":     parseRAdam,
	"rmsprop":   parseRMSprop,
	"sfadamw":   parseSFAdamW,
	"sfsgd":     parseSFSGD,
	"sgd":       parseSGD,
}

// registry holds the solvers added by Register.
var registry struct {
	sync.RWMutex
	m map[string]func(a *Args) (Solver, error)
}

// Register makes Parse (and so compare.ParseStrategy and the -strategy
// flags of the examples) accept the solver name, built by build from its
// spec's arguments. build reads the keys through a, which gives them the
// checking of the built-in solvers: a key build never reads is an
// unknown key (the error lists the keys it reads), a value of the wrong
// type is an error naming the key, a.Errorf records a range error, and a
// positional argument not read with a.Inner is an error. Register is
// meant for a program's main (or a test), before any Parse; it is safe
// for concurrent use. It returns an error if name is empty, is not a
// valid spec name (letters, digits and underscores, starting with a
// letter or an underscore), or is taken, by a built-in solver or an
// earlier Register; or if build is nil.
func Register(name string, build func(a *Args) (Solver, error)) error {
	if name == "" {
		return errors.New("solvers: Register: empty name")
	}
	if c, err := spec.Parse(name); err != nil || c.Name != name {
		return errors.Errorf("solvers: Register: %q is not a valid spec name (letters, digits and underscores, starting with a letter)", name)
	}
	if build == nil {
		return errors.Errorf("solvers: Register: %s: nil build function", name)
	}
	if _, ok := builtins[name]; ok {
		return errors.Errorf("solvers: Register: %s is a built-in solver", name)
	}
	registry.Lock()
	defer registry.Unlock()
	if _, ok := registry.m[name]; ok {
		return errors.Errorf("solvers: Register: %s is already registered", name)
	}
	if registry.m == nil {
		registry.m = map[string]func(a *Args) (Solver, error){}
	}
	registry.m[name] = build
	return nil
}

// lookupBuilder returns the build function of name, built-in or registered.
func lookupBuilder(name string) (func(a *Args) (Solver, error), bool) {
	if f, ok := builtins[name]; ok {
		return f, true
	}
	registry.RLock()
	defer registry.RUnlock()
	f, ok := registry.m[name]
	return f, ok
}

// Names returns the spec names Parse knows, built-in and registered, sorted.
func Names() []string {
	registry.RLock()
	names := make([]string, 0, len(builtins)+len(registry.m))
	for n := range registry.m {
		names = append(names, n)
	}
	registry.RUnlock()
	for n := range builtins {
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
	f, ok := lookupBuilder(c.Name)
	if !ok {
		return nil, errors.Errorf("solvers: unknown solver %q (known: %s)", c.Name, strings.Join(Names(), ", "))
	}
	a := &Args{a: c.Args("solvers: " + c.Name), name: c.Name, parse: parseCall}
	s, err := f(a)
	if derr := a.a.Done(); derr != nil {
		return nil, derr
	}
	if err != nil {
		return nil, err
	}
	if s == nil {
		return nil, errors.Errorf("solvers: %s: the build function returned no solver and no error", c.Name)
	}
	if b, ok := s.(interface{ baseErr() error }); ok && b.baseErr() != nil {
		return nil, b.baseErr()
	}
	return s, nil
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

// eps checks that x, an ε added to a denominator or under a square
// root, is > 0 and not below the smallest normal float32: a smaller ε
// rounds to 0 or to a subnormal in float32 parameters, which silently
// changes the algorithm (a division by zero) or slows it down.
func (c *checker) eps(key string, x float64) {
	if !(finite(x) && x > 0) {
		c.check(false, key, x, "> 0")
		return
	}
	c.check(x >= minNormal32, key, x, fmt.Sprintf(">= %v, the smallest normal float32 (below it, eps rounds to 0 or a subnormal in float32)", float64(minNormal32)))
}

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
