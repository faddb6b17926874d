package main

import (
	"flag"
	"fmt"
	"slices"
	"strings"

	"github.com/convergo/convergo/compare"
	"github.com/convergo/convergo/compare/suite"
	"github.com/convergo/convergo/datasets"
	"github.com/pkg/errors"
)

// isSuite reports whether every comma-separated name of -problem is a
// workload of compare/suite.
func isSuite(names string) bool {
	for _, n := range strings.Split(names, ",") {
		if _, err := suite.Lookup(strings.TrimSpace(n)); err != nil {
			return false
		}
	}
	return true
}

// suiteStudy loads the named workloads (-problem NAME[,NAME…]) and fills
// in what the flags left unset: the budget (-steps: the largest step hint
// of the workloads), the target (a single workload's documented one) and
// the strategies (the workloads' documented strategies, or mnist_seed's
// three). Tuning is off unless -tune was given.
func suiteStudy(fs *flag.FlagSet, names, data string, full bool, batch int, steps, tune *int, tgt *compare.Target, strategies *listFlag) ([]compare.Problem, string, error) {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if set["model"] {
		return nil, "", errors.New("-model is for -problem mnist; the named problems have their own models")
	}
	if set["epochs"] {
		return nil, "", errors.New("-problem with named workloads takes its budget in -steps (some are analytic and have no epochs)")
	}
	opt := suite.Options{Data: data}
	if full {
		opt.Size = suite.Full
	}
	if set["batch"] {
		opt.Batch = batch
	}
	var probs []compare.Problem
	var ws []suite.Workload
	var what []string
	for _, n := range strings.Split(names, ",") {
		w, _ := suite.Lookup(strings.TrimSpace(n))
		p, err := w.Load(opt)
		if err != nil {
			return nil, "", errors.WithMessagef(err, "-problem %s", w.Name)
		}
		probs, ws = append(probs, p), append(ws, w)
		if p.IsAnalytic() {
			what = append(what, w.Name)
		} else {
			what = append(what, fmt.Sprintf("%s (%d train, %d validation rows of %s)", w.Name, p.Train.Len(), p.Eval.Len(), strings.TrimSuffix(p.Train.Name, "/train")))
		}
	}
	if *steps == 0 {
		for _, w := range ws {
			*steps = max(*steps, w.StepHint)
		}
	}
	if !set["target"] && len(ws) == 1 {
		*tgt = ws[0].Target
	}
	if !set["tune"] {
		*tune = 0
	}
	if len(*strategies) == 0 {
		for _, w := range ws {
			for _, s := range append(slices.Clone(w.Strategies), w.Strategy) {
				if len(w.Strategies) > 0 && s == w.Strategy {
					continue
				}
				if !slices.Contains(*strategies, s) {
					*strategies = append(*strategies, s)
				}
			}
		}
	}
	return probs, strings.Join(what, ", "), nil
}

// mlpFrom is -model mlp:H1,H2,… on the loaded data.
func mlpFrom(model string, train, test *datasets.Set, batch int) (compare.Problem, error) {
	hidden, err := suite.ParseMLP(model)
	if err != nil {
		return compare.Problem{}, err
	}
	p := suite.MLP(hidden, train, test, batch)
	p.Name += "/" + strings.TrimSuffix(train.Name, "/train")
	return p, nil
}
