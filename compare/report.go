package compare

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/pkg/errors"
)

// Plotter draws a study's figures into a directory. Package compare/plot
// provides one with gonum/plot; package compare itself draws nothing, so a
// test that only needs the numbers does not link a plotting library.
type Plotter interface {
	// Plot writes the figures of r into dir and returns them, their file
	// names relative to dir.
	Plot(dir string, r *Results) ([]Figure, error)
}

// Figure is one drawn figure, in one or more formats.
type Figure struct {
	Title string
	Files []string // relative to the output directory, e.g. loss_vs_step.png
}

// Write writes results.csv, curves.jsonl, the figures (if p is not nil)
// and report.md into dir, each atomically.
func (r *Results) Write(dir string, p Plotter) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return errors.Wrap(err, "compare")
	}
	var buf bytes.Buffer
	if err := r.WriteCSV(&buf); err != nil {
		return err
	}
	if err := WriteFileAtomic(filepath.Join(dir, "results.csv"), buf.Bytes()); err != nil {
		return err
	}
	buf.Reset()
	if err := r.WriteCurves(&buf); err != nil {
		return err
	}
	if err := WriteFileAtomic(filepath.Join(dir, "curves.jsonl"), buf.Bytes()); err != nil {
		return err
	}
	if r.Study.Tune != nil {
		buf.Reset()
		if err := r.WriteTuningCSV(&buf); err != nil {
			return err
		}
		if err := WriteFileAtomic(filepath.Join(dir, "tuning.csv"), buf.Bytes()); err != nil {
			return err
		}
	}
	var figs []Figure
	var perr error
	if p != nil && len(r.Trials) > 0 {
		figs, perr = p.Plot(dir, r)
	}
	buf.Reset()
	if err := r.WriteReport(&buf, figs); err != nil {
		return err
	}
	if err := WriteFileAtomic(filepath.Join(dir, "report.md"), buf.Bytes()); err != nil {
		return err
	}
	return perr
}

// fmtNum formats a statistic for a table: 4 significant digits, "∞" for
// +Inf, "–" for NaN.
func fmtNum(v float64) string {
	switch {
	case math.IsNaN(v):
		return "–"
	case math.IsInf(v, 1):
		return "∞"
	case math.IsInf(v, -1):
		return "−∞"
	case v != 0 && (math.Abs(v) >= 1e5 || math.Abs(v) < 1e-3):
		return fmt.Sprintf("%.3g", v)
	case math.Abs(v) >= 100:
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.4g", v)
}

// md escapes a table cell.
func md(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// noInterval is the one symbol for a missing interval (a single seed, an
// infinite paired value): the tables never show an IQR or a CI that does
// not exist.
const noInterval = "[–]"

func fmtMedIQR(s Summary) string {
	if s.Trials <= 1 {
		return fmtNum(s.Median) + " " + noInterval
	}
	return fmt.Sprintf("%s [%s, %s]", fmtNum(s.Median), fmtNum(s.Q1), fmtNum(s.Q3))
}

// fmtSteps formats a step count: an integer as one, a median between two
// counts with its .5.
func fmtSteps(v float64) string {
	if v == math.Trunc(v) && !math.IsInf(v, 0) && math.Abs(v) < 1e15 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return fmtNum(v)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

func fmtStepsIQR(s Summary) string {
	if s.Trials <= 1 {
		return fmtSteps(s.Median) + " " + noInterval
	}
	return fmt.Sprintf("%s [%s, %s]", fmtSteps(s.Median), fmtSteps(s.Q1), fmtSteps(s.Q3))
}

func fmtMeanStd(s Summary) string {
	if s.N == 0 {
		return "–"
	}
	if s.N == 1 {
		return fmtNum(s.Mean) + " (n = 1)"
	}
	return fmt.Sprintf("%s ± %s", fmtNum(s.Mean), fmtNum(s.Std))
}

func fmtCI(c CI, rank int) string {
	if rank == 1 {
		return "(best)"
	}
	if !c.OK || c.Pairs < 2 {
		if math.IsNaN(c.Diff) {
			return "– " + noInterval
		}
		return fmt.Sprintf("%+.3g %s", c.Diff, noInterval)
	}
	return fmt.Sprintf("%+.3g [%+.3g, %+.3g]", c.Diff, c.Lo, c.Hi)
}

// heldOut says which split the test columns come from.
func heldOut(p ProblemInfo) string {
	if p.Kind == KindAnalytic {
		return "loss = f − f* of the objective"
	}
	return fmt.Sprintf("test = the held-out set %s (%d rows), never used for training or tuning", p.Eval, p.EvalRows)
}

// nNote warns that a single seed has no spread.
func nNote(seeds []uint64) string {
	if len(seeds) == 1 {
		return "; n = 1 seed: no IQR or CI"
	}
	return ""
}

// rankingRule says how a problem's strategies are ranked.
func rankingRule(hasTarget bool, analytic bool) string {
	if hasTarget {
		return "ranked by median steps to target (a trial that misses it counts as ∞), ties by median AULC"
	}
	if analytic {
		return "ranked by median final f − f*, ties by median AULC"
	}
	return "ranked by median final held-out loss, ties by median AULC"
}

// WriteTable writes the ranked summary as an aligned plain-text table, one
// block per problem (what examples/compare prints at the end).
func (r *Results) WriteTable(w io.Writer) error {
	hasTarget := !r.Study.Target.IsZero()
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for pi, p := range r.Study.Problems {
		if pi > 0 {
			fmt.Fprintln(tw)
		}
		analytic := p.Kind == KindAnalytic
		if analytic {
			fmt.Fprintf(tw, "problem %s (analytic; loss = f − f*): %d steps, seeds %v, target %s\n", p.Name, p.BudgetSteps, r.Study.Seeds, r.Study.Target)
		} else {
			fmt.Fprintf(tw, "problem %s: %d steps (%d per epoch), seeds %v, target %s\n", p.Name, p.BudgetSteps, p.StepsEpoch, r.Study.Seeds, r.Study.Target)
		}
		fmt.Fprintf(tw, "%s; %s%s\n", rankingRule(hasTarget, analytic), heldOut(p), nNote(r.Study.Seeds))
		head := "rank\tstrategy\ttest loss median [IQR]\ttest acc median [IQR]\tAULC\tok"
		if analytic {
			head = "rank\tstrategy\tf − f* median [IQR]\tAULC\tok"
		}
		if hasTarget {
			head += "\tsteps to target\tseconds to target\treached"
		}
		head += "\tΔ" + metricName(hasTarget) + " vs best [95% CI]\n"
		fmt.Fprint(tw, head)
		for _, s := range r.Stats {
			if s.Problem != p.Name {
				continue
			}
			fmt.Fprintf(tw, "%d\t%s\t%s", s.Rank, s.Strategy, fmtMedIQR(s.FinalTestLoss))
			if !analytic {
				fmt.Fprintf(tw, "\t%s", fmtMedIQR(s.FinalTestAcc))
			}
			fmt.Fprintf(tw, "\t%s\t%d/%d", fmtNum(s.AULC.Median), s.OK, s.Trials)
			if hasTarget {
				fmt.Fprintf(tw, "\t%s\t%s\t%d/%d", fmtSteps(s.StepsToTarget.Median), fmtNum(s.SecondsToTarget.Median), s.Reached, s.Trials)
			}
			fmt.Fprintf(tw, "\t%s\n", fmtCI(s.DiffToBest, s.Rank))
		}
		if tc := r.TuningOf(p.Name); len(tc) > 0 {
			fmt.Fprintf(tw, "\n%s\n", r.tuningLine(p))
			for _, c := range tc {
				if c.Chosen {
					fmt.Fprintf(tw, "  %s\t→ %s\t(%s %s, config %d of 0–%d in tuning.csv)\n", c.Strategy, strings.TrimPrefix(c.Spec, c.Strategy+": "),
						r.Study.Tune.Metric, fmtNum(c.Score), c.Index, r.Study.Tune.Trials-1)
				}
			}
		}
	}
	if pr := r.Profile; pr != nil {
		fmt.Fprintf(tw, "\nperformance profile over %d problems (cost: median %s): ρ(τ) = fraction of problems within τ× of the best; score = AlgoPerf's (1/3)∫₁⁴ρ\n", len(pr.Problems), pr.Cost)
		fmt.Fprint(tw, "strategy\tρ(1)\tρ(2)\tρ(4)\tscore")
		if r.TimeProfile != nil {
			fmt.Fprint(tw, "\tscore in seconds to target")
		}
		fmt.Fprintln(tw)
		for i, s := range pr.Strategies {
			fmt.Fprintf(tw, "%s\t%.2f\t%.2f\t%.2f\t%.3f", s, pr.Rho(i, 1), pr.Rho(i, 2), pr.Rho(i, 4), pr.Score(i, AlgoPerfRMax))
			if tp := r.TimeProfile; tp != nil {
				fmt.Fprintf(tw, "\t%.3f", tp.Score(i, AlgoPerfRMax))
			}
			fmt.Fprintln(tw)
		}
	}
	return tw.Flush()
}

// writeTuning writes the tuning section of report.md: for each problem and
// tunable strategy its search space, the chosen configuration and every
// configuration's score, best first.
func (r *Results) writeTuning(b *strings.Builder) {
	tu := r.Study.Tune
	b.WriteString("\n## Tuning\n\n")
	fmt.Fprintf(b, "Every tunable strategy got the same budget: %d configurations drawn by the %s sampler (seed %d; the same sequence for every strategy with the same search space), each trained on seeds %v with the study's budget and scored by %s (mean over the seeds; ∞ for a diverged, failed or off-target trial). The configuration with the best score was then run on the study's seeds; the tables above compare those runs on the held-out set.\n",
		tu.Trials, tu.Sampler, tu.SamplerSeed, tu.Seeds, tu.Metric)
	tunable := map[string]string{}
	for _, s := range r.Study.Strategies {
		tunable[s.Name] = s.Tunable
	}
	for _, p := range r.Study.Problems {
		cs := r.TuningOf(p.Name)
		if len(cs) == 0 {
			continue
		}
		fmt.Fprintf(b, "\n### %s\n\n%s\n", p.Name, r.tuningLine(p))
		for _, name := range uniqueStrategies(cs) {
			var mine []TuningConfig
			for _, c := range cs {
				if c.Strategy == name {
					mine = append(mine, c)
				}
			}
			slices.SortStableFunc(mine, func(a, b TuningConfig) int {
				if a.Rung != b.Rung {
					return b.Rung - a.Rung // the last rung first
				}
				return cmpFloat(a.Score, b.Score)
			})
			fmt.Fprintf(b, "\n**%s** — search space `%s`\n\n", md(name), md(tunable[name]))
			fmt.Fprintf(b, "| config | rung | steps | %s | %s | status | chosen |\n|---:|---:|---:|", strings.Join(mine[0].Keys, " | "), tu.Metric)
			b.WriteString(strings.Repeat("---:|", len(mine[0].Keys)+1) + "---|---|\n")
			for _, c := range mine {
				var vals []string
				for _, v := range c.Values {
					vals = append(vals, strconv.FormatFloat(v, 'g', 4, 64))
				}
				status := StatusOK
				for _, t := range c.Trials {
					if t.Status != StatusOK {
						status = t.Status
					}
				}
				chosen := ""
				if c.Chosen {
					chosen = "**yes**"
				}
				fmt.Fprintf(b, "| %d | %d | %d | %s | %s | %s | %s |\n", c.Index, c.Rung, c.Steps, strings.Join(vals, " | "), fmtNum(c.Score), status, chosen)
			}
		}
	}
}

func uniqueStrategies(cs []TuningConfig) []string {
	var out []string
	for _, c := range cs {
		if !slices.Contains(out, c.Strategy) {
			out = append(out, c.Strategy)
		}
	}
	return out
}

// tuningLine says how the strategies of p were tuned.
func (r *Results) tuningLine(p ProblemInfo) string {
	tu := r.Study.Tune
	on := "on the objective itself"
	if p.Kind != KindAnalytic {
		on = fmt.Sprintf("on a validation split of %s of the %d training rows (seed %d; the test set is not seen)",
			strconv.FormatFloat(100*tu.Validation, 'g', 3, 64)+"%", p.TrainRows, tu.ValidationSeed)
	}
	return fmt.Sprintf("tuned: %d %s configurations per strategy, seeds %v, scored by %s %s; chosen:",
		tu.Trials, tu.Sampler, tu.Seeds, tu.Metric, on)
}

func metricName(hasTarget bool) string {
	if hasTarget {
		return "steps"
	}
	return "loss"
}

// WriteReport writes report.md: the study, a ranked table per problem with
// the statistics, the performance profile, failures, and links to figs.
func (r *Results) WriteReport(w io.Writer, figs []Figure) error {
	in := r.Study
	hasTarget := !in.Target.IsZero()
	var b strings.Builder
	b.WriteString("# Convergence comparison\n\n")
	budget := fmt.Sprintf("%d epochs", in.Epochs)
	if in.Steps > 0 {
		budget = fmt.Sprintf("%d optimizer steps", in.Steps)
	}
	fmt.Fprintf(&b, "Budget %s; seeds %v; target %s; evaluation at step 0", budget, in.Seeds, in.Target)
	if in.hasClassification() {
		b.WriteString(", every epoch end")
		if in.EvalEvery > 0 {
			fmt.Fprintf(&b, " and every %d steps", in.EvalEvery)
		}
	}
	if in.hasAnalytic() {
		if in.hasClassification() {
			b.WriteString(" (analytic problems: ")
		} else {
			b.WriteString(", ")
		}
		if in.EvalEvery > 0 {
			fmt.Fprintf(&b, "every %d steps, the step the target is reached, and the last step", in.EvalEvery)
		} else {
			b.WriteString("every step")
		}
		if in.hasClassification() {
			b.WriteString(")")
		}
	}
	fmt.Fprintf(&b, ". %d of %d trials present", len(r.Trials), len(in.TrialKeys))
	if in.Shard != "" {
		fmt.Fprintf(&b, " (shard %s)", in.Shard)
	}
	b.WriteString(".\n\nStrategies (text form `[name:] solver | schedule | regularizer`; `total` is the budget in steps):\n\n")
	for _, s := range in.Strategies {
		fmt.Fprintf(&b, "- `%s`\n", s.Text)
	}
	for _, p := range in.Problems {
		if p.Kind == KindAnalytic {
			r.writeAnalyticTable(&b, p)
			continue
		}
		fmt.Fprintf(&b, "\n## %s\n\nTrain %s (%d rows), validation %s (%d rows), batch %d, %d steps per epoch, budget %d steps.\n\n",
			p.Name, p.Train, p.TrainRows, p.Eval, p.EvalRows, p.Batch, p.StepsEpoch, p.BudgetSteps)
		if hasTarget {
			b.WriteString("Ranked by median steps to the target, then by median AULC.\n\n")
			b.WriteString("| rank | strategy | steps to target, median [IQR] | seconds to target, median [IQR] | reached | final test loss, median [IQR] | final test acc, median [IQR] | mean ± std test acc | AULC median | Δsteps vs best, mean [95% CI] |\n")
			b.WriteString("|---:|---|---|---|---:|---|---|---|---:|---|\n")
		} else {
			b.WriteString("Ranked by median final validation loss, then by median AULC.\n\n")
			b.WriteString("| rank | strategy | final test loss, median [IQR] | mean ± std test loss | final test acc, median [IQR] | mean ± std test acc | best test acc, median | final train loss, median | AULC median [IQR] | ok | Δloss vs best, mean [95% CI] |\n")
			b.WriteString("|---:|---|---|---|---|---|---:|---:|---|---:|---|\n")
		}
		for _, s := range r.Stats {
			if s.Problem != p.Name {
				continue
			}
			if hasTarget {
				fmt.Fprintf(&b, "| %d | %s | %s | %s | %d/%d | %s | %s | %s | %s | %s |\n", s.Rank, md(s.Strategy),
					fmtStepsIQR(s.StepsToTarget), fmtMedIQR(s.SecondsToTarget), s.Reached, s.Trials, fmtMedIQR(s.FinalTestLoss),
					fmtMedIQR(s.FinalTestAcc), fmtMeanStd(s.FinalTestAcc), fmtNum(s.AULC.Median), fmtCI(s.DiffToBest, s.Rank))
			} else {
				fmt.Fprintf(&b, "| %d | %s | %s | %s | %s | %s | %s | %s | %s | %d/%d | %s |\n", s.Rank, md(s.Strategy),
					fmtMedIQR(s.FinalTestLoss), fmtMeanStd(s.FinalTestLoss), fmtMedIQR(s.FinalTestAcc), fmtMeanStd(s.FinalTestAcc),
					fmtNum(s.BestTestAcc.Median), fmtNum(s.FinalTrainLoss.Median), fmtMedIQR(s.AULC), s.OK, s.Trials, fmtCI(s.DiffToBest, s.Rank))
			}
		}
	}
	if in.hasAnalytic() {
		b.WriteString("\nOn an analytic problem the loss is the excess objective f − f* (f* known); it is computed after every step, so steps to target are exact, and recorded in the curve at the evaluation cadence. Accuracy does not apply.\n")
	}
	b.WriteString("\nMedians and IQRs count a diverged trial (or one that missed the target) as the worst value (∞ loss or steps, 0 accuracy); means ± std are over the trials that finished (and, for steps and seconds to target, reached it) only. AULC is the validation loss averaged over the budget (area under the loss-vs-step curve divided by the number of steps). The CI is a paired percentile bootstrap over seeds")
	fmt.Fprintf(&b, " (%d resamples, seed %d); an interval excluding 0 means the difference is unlikely to be seed noise.\n", in.Bootstrap, in.BootstrapSeed)
	if len(r.Tuning) > 0 {
		r.writeTuning(&b)
	}
	if pr := r.Profile; pr != nil {
		b.WriteString("\n## Performance profile (Dolan & Moré 2002)\n\n")
		fmt.Fprintf(&b, "Cost per problem: median %s. ρ(τ) is the fraction of problems on which a strategy's cost is within a factor τ of the best.\n\n", pr.Cost)
		b.WriteString("| strategy | ρ(1) | ρ(1.25) | ρ(1.5) | ρ(2) | ρ(4) | ρ(∞) | score |\n|---|---:|---:|---:|---:|---:|---:|---:|\n")
		for i, s := range pr.Strategies {
			fmt.Fprintf(&b, "| %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.3f |\n", md(s), pr.Rho(i, 1), pr.Rho(i, 1.25), pr.Rho(i, 1.5), pr.Rho(i, 2), pr.Rho(i, 4), pr.Rho(i, math.MaxFloat64), pr.Score(i, AlgoPerfRMax))
		}
		fmt.Fprintf(&b, "\nScore: AlgoPerf's integrated performance-profile score, (1/(r_max−1))∫₁^r_max ρ(τ) dτ with r_max = %d (Dahl et al. 2023, §4.3).\n", AlgoPerfRMax)
		if tp := r.TimeProfile; tp != nil {
			b.WriteString("\nThe same with the cost in training seconds to the target (median over seeds), AlgoPerf's time-to-result:\n\n")
			b.WriteString("| strategy | ρ(1) | ρ(2) | ρ(4) | score |\n|---|---:|---:|---:|---:|\n")
			for i, s := range tp.Strategies {
				fmt.Fprintf(&b, "| %s | %.2f | %.2f | %.2f | %.3f |\n", md(s), tp.Rho(i, 1), tp.Rho(i, 2), tp.Rho(i, 4), tp.Score(i, AlgoPerfRMax))
			}
		}
	}
	var bad []*Trial
	for _, t := range r.Trials {
		if t.Status != StatusOK {
			bad = append(bad, t)
		}
	}
	if len(bad) > 0 {
		b.WriteString("\n## Diverged and failed trials\n\n")
		for _, t := range bad {
			fmt.Fprintf(&b, "- %s / %s / seed %d: %s after %d steps: %s\n", t.Problem, t.Strategy, t.Seed, t.Status, t.Steps, strings.ReplaceAll(t.Error, "\n", " "))
		}
	}
	if len(figs) > 0 {
		b.WriteString("\n## Figures\n")
		for _, f := range figs {
			fmt.Fprintf(&b, "\n### %s\n\n", f.Title)
			var links []string
			for _, file := range f.Files {
				if strings.HasSuffix(file, ".png") {
					fmt.Fprintf(&b, "![%s](%s)\n\n", f.Title, file)
				}
				links = append(links, fmt.Sprintf("[%s](%s)", strings.TrimPrefix(filepath.Ext(file), "."), file))
			}
			b.WriteString(strings.Join(links, " · ") + "\n")
		}
	}
	b.WriteString("\nFiles: [results.csv](results.csv) (one row per trial), [curves.jsonl](curves.jsonl) (one record per evaluation point), trials/ (one JSON file per trial, for resuming and merging).\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func (in *StudyInfo) hasClassification() bool {
	for _, p := range in.Problems {
		if p.Kind != KindAnalytic {
			return true
		}
	}
	return false
}

func (in *StudyInfo) hasAnalytic() bool {
	for _, p := range in.Problems {
		if p.Kind == KindAnalytic {
			return true
		}
	}
	return false
}

// writeAnalyticTable writes the section of an analytic problem of
// report.md: its description and the ranked table, without accuracy.
func (r *Results) writeAnalyticTable(b *strings.Builder, p ProblemInfo) {
	hasTarget := !r.Study.Target.IsZero()
	fmt.Fprintf(b, "\n## %s\n\nAnalytic objective: %s. Loss = f − f*; budget %d steps.\n\n", p.Name, p.Description, p.BudgetSteps)
	if hasTarget {
		b.WriteString("Ranked by median steps to f − f* ≤ target, then by median AULC.\n\n")
		b.WriteString("| rank | strategy | steps to target, median [IQR] | seconds to target, median [IQR] | reached | final f − f*, median [IQR] | AULC median | Δsteps vs best, mean [95% CI] |\n")
		b.WriteString("|---:|---|---|---|---:|---|---:|---|\n")
	} else {
		b.WriteString("Ranked by median final f − f*, then by median AULC.\n\n")
		b.WriteString("| rank | strategy | final f − f*, median [IQR] | mean ± std f − f* | AULC median [IQR] | ok | Δloss vs best, mean [95% CI] |\n")
		b.WriteString("|---:|---|---|---|---|---:|---|\n")
	}
	for _, s := range r.Stats {
		if s.Problem != p.Name {
			continue
		}
		if hasTarget {
			fmt.Fprintf(b, "| %d | %s | %s | %s | %d/%d | %s | %s | %s |\n", s.Rank, md(s.Strategy),
				fmtStepsIQR(s.StepsToTarget), fmtMedIQR(s.SecondsToTarget), s.Reached, s.Trials, fmtMedIQR(s.FinalTestLoss),
				fmtNum(s.AULC.Median), fmtCI(s.DiffToBest, s.Rank))
		} else {
			fmt.Fprintf(b, "| %d | %s | %s | %s | %s | %d/%d | %s |\n", s.Rank, md(s.Strategy),
				fmtMedIQR(s.FinalTestLoss), fmtMeanStd(s.FinalTestLoss), fmtMedIQR(s.AULC), s.OK, s.Trials, fmtCI(s.DiffToBest, s.Rank))
		}
	}
}
