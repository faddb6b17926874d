package lrsched

import (
	"strings"

	"github.com/convergo/convergo/internal/spec"
	"github.com/pkg/errors"
)

// Parse builds a schedule from a spec such as
// "warmup(steps=500,cosine(max=0.1,T=20000))". Names, keys and defaults are
// those of the table in the package documentation, plus the schedules added
// with [Register]. Unknown names and keys, missing required keys and
// out-of-range values are errors that name the schedule, the key and the
// value. Parse is safe for concurrent use.
func Parse(s string) (Scheduler, error) {
	c, err := spec.Parse(s)
	if err != nil {
		return nil, pkgErr(err)
	}
	sch, err := parseCall(c)
	return sch, pkgErr(err)
}

// A builder makes a schedule from its spec's arguments.
type builder func(a *Args) (Scheduler, error)

// builtins are the schedules of the documentation table, in its order.
// Wrappers parse their inner specs through Args (whose parse field is
// parseCall), so that this table refers to no function that refers to it:
// it is initialized statically, without init().
var builtins = []struct {
	name  string
	build builder
}{
	{"constant", parseConstant},
	{"step", parseStep},
	{"multistep", parseMultiStep},
	{"exp", parseExp},
	{"expdecay", parseExpDecay},
	{"inverse_time", parseInverseTime},
	{"linear", parseLinear},
	{"poly", parsePoly},
	{"cosine", parseCosine},
	{"cosine_restarts", parseCosineRestarts},
	{"warmup", parseWarmup},
	{"onecycle", parseOneCycle},
	{"cyclic", parseCyclic},
	{"plateau", parsePlateau},
	{"sequential", parseSequential},
	{"wsd", parseWSD},
}

// builtinIndex maps a built-in name to its builder.
var builtinIndex = func() map[string]builder {
	m := make(map[string]builder, len(builtins))
	for _, b := range builtins {
		m[b.name] = b.build
	}
	return m
}()

// parseCall builds the schedule of one parsed spec; its errors start with
// the schedule's name. The order of the errors is that of Args.
func parseCall(c *spec.Call) (Scheduler, error) {
	build, ok := lookup(c.Name)
	if !ok {
		return nil, errors.Errorf("unknown schedule %q (known: %s)", c.Name, strings.Join(Names(), ", "))
	}
	a := newArgs(c, parseCall)
	s, err := build(a)
	if derr := a.a.Done(); derr != nil {
		return nil, derr
	}
	if err != nil {
		return nil, err
	}
	if a.innerErr != nil {
		return nil, a.innerErr
	}
	if s == nil {
		return nil, errors.Errorf("%s: the builder returned no schedule", c.Name)
	}
	return s, nil
}

func parseConstant(a *Args) (Scheduler, error) {
	s := &Constant{a.RequiredFloat("lr")}
	return s, s.check()
}

func parseStep(a *Args) (Scheduler, error) {
	s := &Step{a.RequiredFloat("lr"), a.RequiredInt("step_size"), a.Float("gamma", 0.1)}
	return s, s.check()
}

func parseMultiStep(a *Args) (Scheduler, error) {
	s := &MultiStep{a.RequiredFloat("lr"), a.RequiredInts("milestones"), a.Float("gamma", 0.1)}
	return s, s.check()
}

func parseExp(a *Args) (Scheduler, error) {
	s := &Exp{a.RequiredFloat("lr"), a.RequiredFloat("gamma")}
	return s, s.check()
}

func parseExpDecay(a *Args) (Scheduler, error) {
	s := &ExpDecay{a.RequiredFloat("lr"), a.RequiredFloat("k")}
	return s, s.check()
}

func parseInverseTime(a *Args) (Scheduler, error) {
	s := &InverseTime{a.RequiredFloat("lr"), a.RequiredFloat("k")}
	return s, s.check()
}

func parseLinear(a *Args) (Scheduler, error) {
	// 1/3, 1, 5: torch LinearLR's defaults.
	s := &Linear{a.RequiredFloat("lr"), a.Float("start_factor", 1.0/3), a.Float("end_factor", 1), a.Int("total", 5)}
	return s, s.check()
}

func parsePoly(a *Args) (Scheduler, error) {
	s := &Poly{a.RequiredFloat("lr"), a.RequiredInt("total"), a.Float("power", 1)}
	return s, s.check()
}

func parseCosine(a *Args) (Scheduler, error) {
	s := &Cosine{a.RequiredFloat("max"), a.Float("min", 0), a.RequiredInt("T"), a.Bool("hold", false)}
	return s, s.check()
}

func parseCosineRestarts(a *Args) (Scheduler, error) {
	s := &CosineRestarts{a.RequiredFloat("max"), a.Float("min", 0), a.RequiredInt("T0"), a.Int("mult", 1)}
	return s, s.check()
}
