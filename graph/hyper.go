package graph

import (
	"strconv"

	"github.com/pkg/errors"

	"github.com/convergo/convergo/internal/spec"
	"github.com/convergo/convergo/lrsched"
)

// ParseHyper builds Trainer.Hyper from a spec of key=schedule pairs, the
// keys being the solver's (momentum, beta1, weight_decay: see
// solvers.Hyperparams) and each schedule an lrsched spec, whose rate is
// the hyperparameter's value, or a number for a constant:
//
//	momentum=linear(lr=0.95,start_factor=0.8947368421052632,total=1000),weight_decay=cosine(max=0.05,min=0.005,T=10000)
//
// (momentum from 0.85 up to 0.95 over 1000 steps, then 0.95; weight decay
// annealed from 0.05 to 0.005). The spec may also be written hyper(...).
func ParseHyper(s string) (map[string]lrsched.Scheduler, error) {
	c, err := spec.Parse(s)
	if err != nil || c.Name != "hyper" {
		c, err = spec.Parse("hyper(" + s + ")")
	}
	if err != nil {
		return nil, errors.Wrap(err, "graph: ParseHyper")
	}
	if len(c.Positional) > 0 {
		return nil, errors.Errorf("graph: ParseHyper: %s: want key=schedule pairs", c.Positional[0].Text)
	}
	if len(c.Keys) == 0 {
		return nil, errors.New("graph: ParseHyper: no key=schedule pair")
	}
	out := make(map[string]lrsched.Scheduler, len(c.Keys))
	for _, key := range c.Keys {
		v := c.Values[key]
		text := v.Text
		switch v.Kind {
		case spec.Number:
			text = "constant(lr=" + strconv.FormatFloat(v.Num, 'g', -1, 64) + ")"
		case spec.Spec:
			text = v.Call.String()
		case spec.Ident:
		default:
			return nil, errors.Errorf("graph: ParseHyper: %s=%s: want a schedule spec or a number", key, v.Text)
		}
		sch, err := lrsched.Parse(text)
		if err != nil {
			return nil, errors.Wrapf(err, "graph: ParseHyper: %s", key)
		}
		out[key] = sch
	}
	return out, nil
}
