package lrsched

import (
	"slices"
	"strings"
	"sync"

	"github.com/convergo/convergo/internal/spec"
	"github.com/pkg/errors"
)

// registry holds the schedules added with Register, in registration order.
var registry struct {
	sync.RWMutex
	build map[string]builder
	names []string
}

// Register adds a schedule under name: from then on [Parse] (and with it
// compare.ParseStrategy and the -strategy flags of the examples) builds it
// from a spec name(key=value,...) by calling build with the spec's
// arguments. The keys are checked as for a built-in schedule (see [Args]):
// unknown keys list the known ones, and wrong types, missing required keys
// and range errors recorded with Args.Errorf name the key and the value.
// compare substitutes the identifier total by the trial's budget before
// parsing, so a registered schedule gets T=total like a built-in one.
//
// It is an error if name is empty, is not an identifier of the spec
// grammar (letters, digits and underscores, starting with a letter or an
// underscore; true and false are values), or is already taken, by a
// built-in or a registered schedule, or if build is nil. Register is safe
// for concurrent use, typically called from main or init. There is no way
// to remove a schedule.
//
// build is called by Parse, possibly from several goroutines at once, with
// a fresh Args each time. A panic in build is returned by Parse as an
// error. The schedule it returns should, like every built-in one, give a
// finite rate >= 0 for every step (a Func will do), and be a pure function
// of the step unless it is an Observer.
//
// compare reads the names l1, l2 and elastic as regularizers, not
// schedules: avoid them.
func Register(name string, build func(a *Args) (Scheduler, error)) error {
	switch {
	case name == "":
		return errors.New("lrsched: Register: empty schedule name")
	case !spec.IsIdent(name) || name == "true" || name == "false":
		return errors.Errorf("lrsched: Register: %q is not a spec name (letters, digits and _, starting with a letter or _)", name)
	case build == nil:
		return errors.Errorf("lrsched: Register: %s: nil build function", name)
	}
	registry.Lock()
	defer registry.Unlock()
	if _, ok := builtinIndex[name]; ok {
		return errors.Errorf("lrsched: Register: %s is a built-in schedule", name)
	}
	if _, ok := registry.build[name]; ok {
		return errors.Errorf("lrsched: Register: %s is already registered", name)
	}
	if registry.build == nil {
		registry.build = map[string]builder{}
	}
	registry.build[name] = registered(name, build)
	registry.names = append(registry.names, name)
	return nil
}

// registered wraps a user's build function: its errors get the schedule's
// name in front, and a panic becomes an error.
func registered(name string, build builder) builder {
	return func(a *Args) (s Scheduler, err error) {
		defer func() {
			if r := recover(); r != nil {
				s, err = nil, errors.Errorf("%s: build panicked: %v", name, r)
			}
		}()
		s, err = build(a)
		if err != nil && err != a.innerErr && !strings.HasPrefix(err.Error(), name+": ") {
			err = errors.WithMessage(err, name)
		}
		return s, err
	}
}

// lookup returns the builder of a built-in or registered schedule.
func lookup(name string) (builder, bool) {
	if b, ok := builtinIndex[name]; ok {
		return b, true
	}
	registry.RLock()
	defer registry.RUnlock()
	b, ok := registry.build[name]
	return b, ok
}

// Names returns the names Parse accepts: the built-in schedules in the
// order of the documentation table, then the registered ones in the order
// of registration. The slice is the caller's.
func Names() []string {
	out := make([]string, 0, len(builtins)+8)
	for _, b := range builtins {
		out = append(out, b.name)
	}
	registry.RLock()
	defer registry.RUnlock()
	return slices.Concat(out, registry.names)
}
