package lrsched

import (
	"fmt"
	"slices"

	"github.com/pkg/errors"
)

// Errors name the schedule, the key and the value: "lrsched: cosine: T=0:
// must be > 0". Checks return them without the "lrsched" prefix so that a
// composite can put its own name in front ("lrsched: warmup: cosine: ...");
// exported constructors and Parse add the prefix.

func bad(sched, key string, value any, format string, args ...any) error {
	return errors.Errorf("%s: %s=%v: %s", sched, key, value, fmt.Sprintf(format, args...))
}

// pkgErr adds the package prefix.
func pkgErr(err error) error {
	if err == nil {
		return nil
	}
	return errors.WithMessage(err, "lrsched")
}

// checker collects the first failed check of one schedule.
type checker struct {
	sched string
	err   error
}

func (c *checker) fail(key string, value any, format string, args ...any) {
	if c.err == nil {
		c.err = bad(c.sched, key, value, format, args...)
	}
}

// finite checks that v is a finite number.
func (c *checker) finite(key string, v float64) {
	if !finite(v) {
		c.fail(key, v, "must be a finite number")
	}
}

// rate checks a learning rate: finite and >= 0.
func (c *checker) rate(key string, v float64) {
	c.finite(key, v)
	if v < 0 {
		c.fail(key, v, "must be >= 0 (a learning rate)")
	}
}

func (c *checker) nonNeg(key string, v float64) {
	c.finite(key, v)
	if v < 0 {
		c.fail(key, v, "must be >= 0")
	}
}

func (c *checker) positive(key string, v float64) {
	c.finite(key, v)
	if !(v > 0) {
		c.fail(key, v, "must be > 0")
	}
}

// atMost checks lo <= hi, two rates that bound a schedule (cosine's min and
// max, say): with lo > hi the schedule would run upside down, most likely
// a typo.
func (c *checker) atMost(loKey string, lo float64, hiKey string, hi float64) {
	if lo > hi {
		c.fail(loKey, num(lo), "must be <= %s (%s)", hiKey, num(hi))
	}
}

func (c *checker) positiveInt(key string, v int) {
	if v <= 0 {
		c.fail(key, v, "must be > 0")
	}
}

func (c *checker) nonNegInt(key string, v int) {
	if v < 0 {
		c.fail(key, v, "must be >= 0")
	}
}

// milestones checks a list of steps: each > 0, strictly increasing.
func (c *checker) milestones(key string, ms []int) {
	for i, m := range ms {
		if m <= 0 {
			c.fail(key, ints(ms), "milestone %d must be > 0", m)
			return
		}
		if i > 0 && m <= ms[i-1] {
			c.fail(key, ints(ms), "milestones must be strictly increasing (%d after %d)", m, ms[i-1])
			return
		}
	}
}

func cloneInts(xs []int) []int { return slices.Clone(xs) }

// valid returns s, or the zero value and err with the package prefix.
func valid[S any](s S, err error) (S, error) {
	if err != nil {
		var zero S
		return zero, pkgErr(err)
	}
	return s, nil
}
