package lrsched

import (
	"strings"

	"github.com/convergo/convergo/internal/spec"
	"github.com/pkg/errors"
)

// Parse builds a schedule from a spec such as
// "warmup(steps=500,cosine(max=0.1,T=20000))". Names, keys and defaults are
// those of the table in the package documentation. Unknown names and keys,
// missing required keys and out-of-range values are errors that name the
// schedule, the key and the value.
func Parse(s string) (Scheduler, error) {
	c, err := spec.Parse(s)
	if err != nil {
		return nil, pkgErr(err)
	}
	sch, err := parseCall(c)
	return sch, pkgErr(err)
}

type parseFunc func(a *spec.Args, r *req, c *spec.Call) (Scheduler, error)

// parsers maps each schedule name to its parser; names lists them in the
// order of the documentation table.
var (
	parsers map[string]parseFunc
	names   = []string{"constant", "step", "multistep", "exp", "expdecay", "inverse_time", "linear", "poly",
		"cosine", "cosine_restarts", "warmup", "onecycle", "cyclic", "plateau", "sequential"}
)

func init() {
	parsers = map[string]parseFunc{
		"constant": func(a *spec.Args, r *req, _ *spec.Call) (Scheduler, error) {
			s := &Constant{r.Float("lr")}
			return done(a, s, s.check)
		},
		"step": func(a *spec.Args, r *req, _ *spec.Call) (Scheduler, error) {
			s := &Step{r.Float("lr"), r.Int("step_size"), a.Float("gamma", 0.1)}
			return done(a, s, s.check)
		},
		"multistep": func(a *spec.Args, r *req, _ *spec.Call) (Scheduler, error) {
			s := &MultiStep{r.Float("lr"), r.Ints("milestones"), a.Float("gamma", 0.1)}
			return done(a, s, s.check)
		},
		"exp": func(a *spec.Args, r *req, _ *spec.Call) (Scheduler, error) {
			s := &Exp{r.Float("lr"), r.Float("gamma")}
			return done(a, s, s.check)
		},
		"expdecay": func(a *spec.Args, r *req, _ *spec.Call) (Scheduler, error) {
			s := &ExpDecay{r.Float("lr"), r.Float("k")}
			return done(a, s, s.check)
		},
		"inverse_time": func(a *spec.Args, r *req, _ *spec.Call) (Scheduler, error) {
			s := &InverseTime{r.Float("lr"), r.Float("k")}
			return done(a, s, s.check)
		},
		"linear": func(a *spec.Args, r *req, _ *spec.Call) (Scheduler, error) {
			// 1/3, 1, 5: torch LinearLR's defaults.
			s := &Linear{r.Float("lr"), a.Float("start_factor", 1.0/3), a.Float("end_factor", 1), a.Int("total", 5)}
			return done(a, s, s.check)
		},
		"poly": func(a *spec.Args, r *req, _ *spec.Call) (Scheduler, error) {
			s := &Poly{r.Float("lr"), r.Int("total"), a.Float("power", 1)}
			return done(a, s, s.check)
		},
		"cosine": func(a *spec.Args, r *req, _ *spec.Call) (Scheduler, error) {
			s := &Cosine{r.Float("max"), a.Float("min", 0), r.Int("T")}
			return done(a, s, s.check)
		},
		"cosine_restarts": func(a *spec.Args, r *req, _ *spec.Call) (Scheduler, error) {
			s := &CosineRestarts{r.Float("max"), a.Float("min", 0), r.Int("T0"), a.Int("mult", 1)}
			return done(a, s, s.check)
		},
	}
	addComposites()
}

// parseCall builds the schedule of one parsed spec; its errors start with
// the schedule's name.
func parseCall(c *spec.Call) (Scheduler, error) {
	p, ok := parsers[c.Name]
	if !ok {
		return nil, errors.Errorf("unknown schedule %q (known: %s)", c.Name, strings.Join(names, ", "))
	}
	a := c.Args(c.Name)
	return p(a, &req{a: a, sched: c.Name}, c)
}

// done reports the spec errors of a (type errors, unknown keys, stray
// positional arguments), then the range check of the schedule.
func done[S Scheduler](a *spec.Args, s S, check func() error) (Scheduler, error) {
	if err := a.Done(); err != nil {
		return nil, err
	}
	if err := check(); err != nil {
		return nil, err
	}
	return s, nil
}

// req reads required keys: a missing one is recorded as an error in a.
type req struct {
	a     *spec.Args
	sched string
}

func (r *req) has(key string) bool {
	if r.a.Has(key) {
		return true
	}
	r.a.Err(errors.Errorf("%s: missing required key %s", r.sched, key))
	return false
}

func (r *req) Float(key string) float64 {
	if !r.has(key) {
		return 0
	}
	return r.a.Float(key, 0)
}

func (r *req) Int(key string) int {
	if !r.has(key) {
		return 0
	}
	return r.a.Int(key, 0)
}

func (r *req) Ints(key string) []int {
	if !r.has(key) {
		return nil
	}
	return r.a.Ints(key, []int{})
}
