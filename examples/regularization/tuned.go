package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"text/tabwriter"

	"github.com/pkg/errors"

	"github.com/convergo/convergo/compare"
	"github.com/convergo/convergo/compare/plot"
	"github.com/convergo/convergo/datasets"
	"github.com/convergo/convergo/graph"
	"github.com/convergo/convergo/layers"
)

// tunedOptions are the settings of the tuned experiment.
type tunedOptions struct {
	solver         string // the base solver spec, e.g. adam(lr=1e-3)
	epochs, batch  int
	hidden, trials int
	seeds          int
	validation     float64
	out            string
	noPlots        bool
}

// tunedStrategies are the five arms as compare strategies, each
// regularizer's strength a search space: λ log-uniform over three to four
// decades around the values that work on this network, p uniform. The
// network has a Dropout layer (rate 0 but for the dropout arm) after each
// hidden layer, so that every arm has the same layers and initial weights.
func tunedStrategies(solver string) []string {
	return []string{
		"none: " + solver,
		"l1: " + solver + " | l1(lambda=loguniform(1e-6,1e-2))",
		"l2: " + solver + " | l2(lambda=loguniform(1e-5,1e-1))",
		"dropout: " + solver + " | dropout(p=uniform(0.05,0.9))",
		"adamw: adamw(lr=1e-3,weight_decay=loguniform(0.01,30))",
	}
}

// runTuned runs the regularization experiment by the equal-budget tuning
// protocol of package compare: every regularized arm gets the same number
// of configurations, scored by the final validation loss on a split carved
// out of the training subset (the test set is never seen), then the chosen
// settings and the unregularized arm run on seeds 1…n, and the held-out
// figures are reported with 95 % confidence intervals over the seeds.
func runTuned(ctx context.Context, w io.Writer, train, test *datasets.Set, o tunedOptions) error {
	hidden, classes := o.hidden, train.Classes
	net := func() layers.Layer {
		return layers.Stack(layers.Dense(hidden), layers.ReLU(), layers.Dropout(0),
			layers.Dense(hidden), layers.ReLU(), layers.Dropout(0), layers.Dense(classes))
	}
	strats, err := compare.ParseStrategies(tunedStrategies(o.solver)...)
	if err != nil {
		return err
	}
	st := compare.Study{
		Problems: []compare.Problem{{Name: "wide-mlp", Net: net, Train: train, Eval: test,
			Config: graph.Config{Input: []int{train.Features()}, Classes: classes, Batch: o.batch}}},
		Strategies: strats, Epochs: o.epochs, Dir: o.out,
		Tune: &compare.Tuning{Trials: o.trials, Validation: o.validation},
	}
	for i := range o.seeds {
		st.Seeds = append(st.Seeds, uint64(i+1))
	}
	if !o.noPlots && o.out != "" {
		st.Plotter = plot.New()
	}
	fmt.Fprintf(w, "wide MLP 784-%d-%d-10 on %d training digits (%d held out for tuning), %d test digits; %d epochs of batch %d; %d configurations per regularizer, then seeds 1–%d\n",
		hidden, hidden, train.Len(), int(math.Round(o.validation*float64(train.Len()))), test.Len(), o.epochs, o.batch, o.trials, o.seeds)
	res, err := compare.Run(ctx, st)
	if err != nil {
		return err
	}
	return writeTuned(w, res, o)
}

// ci95 is the mean of xs and the half-width of its 95 % confidence
// interval by Student's t (two-sided, n−1 degrees of freedom).
func ci95(xs []float64) (mean, half float64) {
	n := float64(len(xs))
	for _, x := range xs {
		mean += x
	}
	mean /= n
	if len(xs) < 2 {
		return mean, math.NaN()
	}
	var ss float64
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	return mean, tQuantile975(len(xs)-1) * math.Sqrt(ss/(n-1)/n)
}

// tQuantile975 is the 0.975 quantile of Student's t with df degrees of
// freedom (a table for small df; the normal 1.96 beyond 30).
func tQuantile975(df int) float64 {
	table := []float64{0, 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
		2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
		2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042}
	if df < len(table) {
		return table[df]
	}
	return 1.96
}

func writeTuned(w io.Writer, res *compare.Results, o tunedOptions) error {
	none := res.TrialsOf("wide-mlp", "none")
	bySeed := map[uint64]*compare.Trial{}
	for _, t := range none {
		bySeed[t.Seed] = t
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "\nmethod\tchosen setting\ttest loss, mean ± 95% CI\ttest acc, mean ± 95% CI\tΔloss vs none (paired)\tΔacc vs none (paired)\t")
	var lines []string
	for _, s := range res.Study.Strategies {
		ts := res.TrialsOf("wide-mlp", s.Name)
		if len(ts) == 0 {
			continue
		}
		var loss, acc, dl, da []float64
		for _, t := range ts {
			if t.Status != compare.StatusOK {
				return errors.Errorf("%s seed %d: %s: %s", s.Name, t.Seed, t.Status, t.Error)
			}
			loss, acc = append(loss, t.FinalTestLoss), append(acc, t.FinalTestAcc)
			if b := bySeed[t.Seed]; b != nil {
				dl, da = append(dl, t.FinalTestLoss-b.FinalTestLoss), append(da, t.FinalTestAcc-b.FinalTestAcc)
			}
		}
		ml, hl := ci95(loss)
		ma, ha := ci95(acc)
		setting := "–"
		if c := res.Chosen("wide-mlp", s.Name); c != "" {
			setting = c[len(s.Name)+2:]
		}
		diff := func(xs []float64, pct bool) string {
			if s.Name == "none" {
				return "–"
			}
			m, h := ci95(xs)
			scale, unit := 1.0, ""
			if pct {
				scale, unit = 100, " pt"
			}
			verdict := "overlaps 0"
			if m-h > 0 || m+h < 0 {
				verdict = "excludes 0"
			}
			return fmt.Sprintf("%+.3g ± %.2g%s (%s)", scale*m, scale*h, unit, verdict)
		}
		fmt.Fprintf(tw, "%s\t%s\t%.4f ± %.4f\t%.4f ± %.4f\t%s\t%s\t\n", s.Name, setting, ml, hl, ma, ha, diff(dl, false), diff(da, true))
		lines = append(lines, fmt.Sprintf("reg: method=%s test_loss=%.4f test_acc=%.4f", s.Name, ml, ma))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	for _, l := range lines {
		fmt.Fprintln(w, l)
	}
	if o.out != "" {
		fmt.Fprintf(w, "\nreport, tuning.csv and figures in %s\n", o.out)
	}
	return nil
}
