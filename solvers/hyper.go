package solvers

import (
	"slices"

	"github.com/pkg/errors"
)

// Hyperparams is a solver whose hyperparameters other than the learning
// rate can be changed between Steps, for schedules of them (Optax's
// inject_hyperparams; graph.Trainer.Hyper calls SetHyper before every
// optimizer step, as it calls SetLearnRate). Keys are spelled as in the
// solver's spec. The value applies from the next Step on, to everything
// the rule computes from it: Adam's bias correction 1-β1^t uses the
// current β1, as Optax's scale_by_adam under inject_hyperparams does.
//
// The built-in solvers accept:
//
//	sgd                                   momentum (if built with momentum > 0), weight_decay
//	momentum                              beta
//	rmsprop                               momentum, weight_decay
//	adagrad, adadelta                     weight_decay
//	adam, adamw, adamax, nadam, radam,
//	lion, adabelief, lamb                 beta1, weight_decay
//	lookahead, cautious, ema, chain       forwarded to the inner solver
//	groups                                forwarded to every group's solver; weight_decay scaled
//	                                      as the learning rate (see Groups.SetHyper)
type Hyperparams interface {
	// SetHyper sets the hyperparameter key to v, or returns an error naming
	// the solver and the key for a key it cannot schedule or a value out of
	// the key's range (the range of the constructor).
	SetHyper(key string, v float64) error
	// HyperKeys returns the keys SetHyper accepts.
	HyperKeys() []string
}

// hyper is one schedulable hyperparameter: where it lives and its range.
type hyper struct {
	key   string
	field *float64
	rng   hyperRange
}

type hyperRange int

const (
	rangeBeta   hyperRange = iota // [0, 1)
	rangeNonNeg                   // >= 0, finite
)

// setHyper sets the field of key among hs to v after its range check. It
// allocates nothing unless it returns an error.
func (b *Base) setHyper(hs []hyper, key string, v float64) error {
	for i := range hs {
		if hs[i].key != key {
			continue
		}
		switch hs[i].rng {
		case rangeBeta:
			if !(v >= 0 && v < 1) {
				return b.errorf("SetHyper: %s=%v: must be in [0, 1)", key, v)
			}
		case rangeNonNeg:
			if !(finite(v) && v >= 0) {
				return b.errorf("SetHyper: %s=%v: must be >= 0", key, v)
			}
		}
		*hs[i].field = v
		return nil
	}
	return b.errorf("SetHyper: %s cannot be scheduled (schedulable: %s)", key, hyperKeys(hs))
}

func hyperKeys(hs []hyper) []string {
	keys := make([]string, len(hs))
	for i, h := range hs {
		keys[i] = h.key
	}
	return keys
}

func beta1WD(beta1, wd *float64) [2]hyper {
	return [2]hyper{{"beta1", beta1, rangeBeta}, {"weight_decay", wd, rangeNonNeg}}
}

func (s *SGD) hypers() [2]hyper {
	return [2]hyper{{"weight_decay", &s.cfg.WeightDecay, rangeNonNeg}, {"momentum", &s.cfg.Momentum, rangeBeta}}
}

// SetHyper sets momentum (if built with momentum > 0) or weight_decay (see Hyperparams).
func (s *SGD) SetHyper(key string, v float64) error {
	hs := s.hypers()
	if key == "momentum" {
		if !s.hasMomentum() {
			return s.errorf("SetHyper: momentum: built with momentum=0, there is no momentum buffer; build it with momentum > 0 to schedule it")
		}
		if s.cfg.Nesterov && v == 0 {
			return s.errorf("SetHyper: momentum=0: must be > 0 with nesterov")
		}
	}
	return s.setHyper(hs[:], key, v)
}

// hasMomentum reports whether the SGD was built with a momentum buffer.
func (s *SGD) hasMomentum() bool { return len(s.slotNames) > 0 }

// HyperKeys returns the keys SetHyper accepts.
func (s *SGD) HyperKeys() []string {
	hs := s.hypers()
	if !s.hasMomentum() {
		return hyperKeys(hs[:1])
	}
	return hyperKeys(hs[:])
}

func (s *Momentum) hypers() [1]hyper { return [1]hyper{{"beta", &s.cfg.Beta, rangeBeta}} }

// SetHyper sets beta (see Hyperparams).
func (s *Momentum) SetHyper(key string, v float64) error {
	hs := s.hypers()
	return s.setHyper(hs[:], key, v)
}

// HyperKeys returns the keys SetHyper accepts.
func (s *Momentum) HyperKeys() []string {
	hs := s.hypers()
	return hyperKeys(hs[:])
}

func (s *RMSprop) hypers() [2]hyper {
	return [2]hyper{{"momentum", &s.cfg.Momentum, rangeBeta}, {"weight_decay", &s.cfg.WeightDecay, rangeNonNeg}}
}

// SetHyper sets momentum or weight_decay (see Hyperparams).
func (s *RMSprop) SetHyper(key string, v float64) error {
	hs := s.hypers()
	return s.setHyper(hs[:], key, v)
}

// HyperKeys returns the keys SetHyper accepts.
func (s *RMSprop) HyperKeys() []string {
	hs := s.hypers()
	return hyperKeys(hs[:])
}

func (s *Adagrad) hypers() [1]hyper {
	return [1]hyper{{"weight_decay", &s.cfg.WeightDecay, rangeNonNeg}}
}

// SetHyper sets weight_decay (see Hyperparams).
func (s *Adagrad) SetHyper(key string, v float64) error {
	hs := s.hypers()
	return s.setHyper(hs[:], key, v)
}

// HyperKeys returns the keys SetHyper accepts.
func (s *Adagrad) HyperKeys() []string {
	hs := s.hypers()
	return hyperKeys(hs[:])
}

func (s *Adadelta) hypers() [1]hyper {
	return [1]hyper{{"weight_decay", &s.cfg.WeightDecay, rangeNonNeg}}
}

// SetHyper sets weight_decay (see Hyperparams).
func (s *Adadelta) SetHyper(key string, v float64) error {
	hs := s.hypers()
	return s.setHyper(hs[:], key, v)
}

// HyperKeys returns the keys SetHyper accepts.
func (s *Adadelta) HyperKeys() []string {
	hs := s.hypers()
	return hyperKeys(hs[:])
}

// SetHyper sets beta1 or weight_decay (see Hyperparams); adamw's too.
func (s *Adam) SetHyper(key string, v float64) error {
	hs := beta1WD(&s.cfg.Beta1, &s.cfg.WeightDecay)
	return s.setHyper(hs[:], key, v)
}

// HyperKeys returns the keys SetHyper accepts.
func (s *Adam) HyperKeys() []string { return []string{"beta1", "weight_decay"} }

// SetHyper sets beta1 or weight_decay (see Hyperparams).
func (s *Adamax) SetHyper(key string, v float64) error {
	hs := beta1WD(&s.cfg.Beta1, &s.cfg.WeightDecay)
	return s.setHyper(hs[:], key, v)
}

// HyperKeys returns the keys SetHyper accepts.
func (s *Adamax) HyperKeys() []string { return []string{"beta1", "weight_decay"} }

// SetHyper sets beta1 or weight_decay (see Hyperparams).
func (s *NAdam) SetHyper(key string, v float64) error {
	hs := beta1WD(&s.cfg.Beta1, &s.cfg.WeightDecay)
	return s.setHyper(hs[:], key, v)
}

// HyperKeys returns the keys SetHyper accepts.
func (s *NAdam) HyperKeys() []string { return []string{"beta1", "weight_decay"} }

// SetHyper sets beta1 or weight_decay (see Hyperparams).
func (s *RAdam) SetHyper(key string, v float64) error {
	hs := beta1WD(&s.cfg.Beta1, &s.cfg.WeightDecay)
	return s.setHyper(hs[:], key, v)
}

// HyperKeys returns the keys SetHyper accepts.
func (s *RAdam) HyperKeys() []string { return []string{"beta1", "weight_decay"} }

// SetHyper sets beta1 or weight_decay (see Hyperparams).
func (s *Lion) SetHyper(key string, v float64) error {
	hs := beta1WD(&s.cfg.Beta1, &s.cfg.WeightDecay)
	return s.setHyper(hs[:], key, v)
}

// HyperKeys returns the keys SetHyper accepts.
func (s *Lion) HyperKeys() []string { return []string{"beta1", "weight_decay"} }

// SetHyper sets beta1 or weight_decay (see Hyperparams).
func (s *AdaBelief) SetHyper(key string, v float64) error {
	hs := beta1WD(&s.cfg.Beta1, &s.cfg.WeightDecay)
	return s.setHyper(hs[:], key, v)
}

// HyperKeys returns the keys SetHyper accepts.
func (s *AdaBelief) HyperKeys() []string { return []string{"beta1", "weight_decay"} }

// SetHyper sets beta1 or weight_decay (see Hyperparams).
func (s *LAMB) SetHyper(key string, v float64) error {
	hs := beta1WD(&s.cfg.Beta1, &s.cfg.WeightDecay)
	return s.setHyper(hs[:], key, v)
}

// HyperKeys returns the keys SetHyper accepts.
func (s *LAMB) HyperKeys() []string { return []string{"beta1", "weight_decay"} }

// innerSetHyper forwards SetHyper to inner, a wrapper's (named by b).
func innerSetHyper(b *Base, inner Solver, key string, v float64) error {
	h, ok := inner.(Hyperparams)
	if !ok {
		return b.errorf("SetHyper: %s: the inner solver %T has no schedulable hyperparameters", key, inner)
	}
	return h.SetHyper(key, v)
}

func innerHyperKeys(inner Solver) []string {
	if h, ok := inner.(Hyperparams); ok {
		return h.HyperKeys()
	}
	return nil
}

// SetHyper forwards to the inner solver (see Hyperparams).
func (l *Lookahead) SetHyper(key string, v float64) error {
	return innerSetHyper(&l.base, l.inner, key, v)
}

// HyperKeys returns the inner solver's.
func (l *Lookahead) HyperKeys() []string { return innerHyperKeys(l.inner) }

// SetHyper forwards to the inner solver (see Hyperparams).
func (c *Cautious) SetHyper(key string, v float64) error {
	return innerSetHyper(&c.base, c.inner, key, v)
}

// HyperKeys returns the inner solver's.
func (c *Cautious) HyperKeys() []string { return innerHyperKeys(c.inner) }

// SetHyper forwards to the inner solver (see Hyperparams).
func (e *EMA) SetHyper(key string, v float64) error { return innerSetHyper(&e.base, e.inner, key, v) }

// HyperKeys returns the inner solver's.
func (e *EMA) HyperKeys() []string { return innerHyperKeys(e.inner) }

// SetHyper forwards to the inner solver (see Hyperparams); the
// transforms' amounts are not schedulable.
func (c *Chain) SetHyper(key string, v float64) error { return innerSetHyper(&c.base, c.inner, key, v) }

// HyperKeys returns the inner solver's.
func (c *Chain) HyperKeys() []string { return innerHyperKeys(c.inner) }

// SetHyper sets key on every group's solver. weight_decay is scaled as
// the learning rate: the default's becomes v and a group's
// wd0_g·(v/wd0), wd0_g and wd0 as built (wd0_g if wd0 is 0), so that a
// group built without decay (biases=adamw(weight_decay=0)) stays without.
// Every solver must accept the key.
func (g *Groups) SetHyper(key string, v float64) error {
	if _, ok := g.hyperOK[key]; !ok { // checked once per key: HyperKeys allocates
		if g.hyperOK == nil {
			g.hyperOK = map[string]error{}
		}
		g.hyperOK[key] = nil
		for i, s := range g.solvers {
			h, ok := s.(Hyperparams)
			if !ok || !slices.Contains(h.HyperKeys(), key) {
				g.hyperOK[key] = g.errorf("SetHyper: %s: group %s (%s) cannot schedule it", key, g.key(i), specName(s))
				break
			}
		}
	}
	if err := g.hyperOK[key]; err != nil {
		return err
	}
	for i, s := range g.solvers {
		x := v
		if key == "weight_decay" && i > 0 {
			x = g.wd0[i]
			if g.wd0[0] > 0 {
				x *= v / g.wd0[0]
			}
		}
		if err := s.(Hyperparams).SetHyper(key, x); err != nil {
			return errors.WithMessagef(err, "solvers: groups: group %s", g.key(i))
		}
	}
	return nil
}

// HyperKeys returns the keys every group's solver accepts.
func (g *Groups) HyperKeys() []string {
	var keys []string
	for i, s := range g.solvers {
		h, ok := s.(Hyperparams)
		if !ok {
			return nil
		}
		if i == 0 {
			keys = h.HyperKeys()
			continue
		}
		keys = slices.DeleteFunc(keys, func(k string) bool { return !slices.Contains(h.HyperKeys(), k) })
	}
	return keys
}

// weightDecayOf returns a solver's current weight decay (0 if it has none).
func weightDecayOf(s Solver) float64 {
	switch s := s.(type) {
	case interface{ weightDecay() float64 }:
		return s.weightDecay()
	case *Lookahead:
		return weightDecayOf(s.inner)
	case *Cautious:
		return weightDecayOf(s.inner)
	case *EMA:
		return weightDecayOf(s.inner)
	case *Chain:
		return weightDecayOf(s.inner)
	}
	return 0
}

func (s *SGD) weightDecay() float64       { return s.cfg.WeightDecay }
func (s *RMSprop) weightDecay() float64   { return s.cfg.WeightDecay }
func (s *Adagrad) weightDecay() float64   { return s.cfg.WeightDecay }
func (s *Adadelta) weightDecay() float64  { return s.cfg.WeightDecay }
func (s *Adam) weightDecay() float64      { return s.cfg.WeightDecay }
func (s *Adamax) weightDecay() float64    { return s.cfg.WeightDecay }
func (s *NAdam) weightDecay() float64     { return s.cfg.WeightDecay }
func (s *RAdam) weightDecay() float64     { return s.cfg.WeightDecay }
func (s *Lion) weightDecay() float64      { return s.cfg.WeightDecay }
func (s *AdaBelief) weightDecay() float64 { return s.cfg.WeightDecay }
func (s *LAMB) weightDecay() float64      { return s.cfg.WeightDecay }
