package compare

import (
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
)

// Summary describes one figure of a strategy over its seeds.
//
// Median, Q1 and Q3 (the interquartile range is [Q1, Q3]) are taken over
// all trials, a diverged or failed trial, or one that never reached the
// target, counting as the worst value: +Inf for losses, steps and seconds,
// 0 for accuracies. Mean and Std (sample standard deviation, n−1) follow
// one rule for every figure: they are over the N trials that have the
// figure — that finished (status ok) and, for steps and seconds to target,
// reached the target — so a diverged trial is left out of the mean
// accuracy exactly as it is left out of the mean loss (its worst value
// counts in the median only). Quantiles interpolate linearly
// between order statistics (Hyndman & Fan 1996, definition 7, the default
// of R and NumPy).
type Summary struct {
	Median, Q1, Q3 float64
	Mean, Std      float64
	N              int
	// Trials is the number of trials summarised (N counts those that
	// have the figure); with one, there is no spread to show.
	Trials int
}

// summarize summarises xs; has[i] says whether trial i has the figure
// (nil: every finite value counts).
func summarize(xs []float64, has []bool) Summary {
	s := Summary{Median: Quantile(xs, 0.5), Q1: Quantile(xs, 0.25), Q3: Quantile(xs, 0.75), Mean: math.NaN(), Std: math.NaN(), Trials: len(xs)}
	counts := func(i int) bool {
		x := xs[i]
		return !math.IsInf(x, 0) && !math.IsNaN(x) && (has == nil || has[i])
	}
	var sum float64
	for i, x := range xs {
		if counts(i) {
			sum += x
			s.N++
		}
	}
	if s.N == 0 {
		return s
	}
	s.Mean = sum / float64(s.N)
	if s.N > 1 {
		var ss float64
		for i, x := range xs {
			if counts(i) {
				ss += (x - s.Mean) * (x - s.Mean)
			}
		}
		s.Std = math.Sqrt(ss / float64(s.N-1))
	} else {
		s.Std = 0
	}
	return s
}

// Quantile returns the q-quantile of xs (Hyndman–Fan type 7, the default
// of R and NumPy); NaN for an empty slice. ±Inf values sort to the ends
// and propagate. xs is not modified.
func Quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	h := q * float64(len(s)-1)
	lo := int(math.Floor(h))
	hi := min(lo+1, len(s)-1)
	f := h - float64(lo)
	a, b := s[lo], s[hi]
	if f == 0 || a == b {
		return a
	}
	return a + (b-a)*f
}

// CI is a bootstrap confidence interval for the difference between a
// strategy and the best one of its problem (see StrategyStats.DiffToBest).
type CI struct {
	Metric string  // what is compared: "final_test_loss" or "steps_to_target"
	Diff   float64 // mean over the paired seeds of (this − best)
	Lo, Hi float64 // 95% percentile bootstrap interval of that mean
	Pairs  int     // seeds both strategies have
	// OK is false when the interval is undefined: no common seeds, or a
	// paired value that is infinite (a diverged trial, a target not
	// reached).
	OK bool
}

// StrategyStats are the statistics of one strategy on one problem.
type StrategyStats struct {
	Problem, Strategy string
	Text              string // the strategy's text form
	Rank              int    // 1 = best on its problem
	Trials            int
	OK, Diverged      int
	Failed            int
	Reached           int
	// SuccessRate is Reached/Trials with a target, OK/Trials without.
	SuccessRate                                              float64
	FinalTrainLoss, FinalTestLoss, FinalTestAcc, BestTestAcc Summary
	StepsToTarget, SecondsToTarget, AULC, Seconds            Summary
	// DiffToBest compares this strategy with the best-ranked one; for the
	// best itself OK is false and Pairs 0.
	DiffToBest CI
}

// rankKey is the figure strategies are ranked by: the median steps to the
// target when there is one, else the median final validation loss; ties
// are broken by the median area under the loss curve, then by name.
func (s *StrategyStats) rankKey(target bool) float64 {
	if target {
		return s.StepsToTarget.Median
	}
	return s.FinalTestLoss.Median
}

// Results are a study's trials and statistics.
type Results struct {
	Study StudyInfo
	// Trials are in the study's order (problem, strategy, seed), whatever
	// order they ran in.
	Trials []*Trial
	// Stats has one entry per (problem, strategy) with at least one trial,
	// problems in study order, strategies by rank.
	Stats []StrategyStats
	// Profile is the Dolan–Moré performance profile of the strategies over
	// the problems; nil with fewer than two problems. TimeProfile is the
	// same with the cost in training seconds to the target (AlgoPerf's
	// time-to-result), nil without a target.
	Profile, TimeProfile *Profile
	// Tuning are the configurations of the tuning phase with their trials
	// and scores (see Tuning), problems, strategies and configurations in
	// study order; empty for a study without Tune.
	Tuning []TuningConfig
}

// Ranking returns the strategies of problem, best first.
func (r *Results) Ranking(problem string) []string {
	var out []string
	for _, s := range r.Stats {
		if s.Problem == problem {
			out = append(out, s.Strategy)
		}
	}
	return out
}

// Stat returns the statistics of one strategy on one problem, or nil.
func (r *Results) Stat(problem, strategy string) *StrategyStats {
	for i := range r.Stats {
		if r.Stats[i].Problem == problem && r.Stats[i].Strategy == strategy {
			return &r.Stats[i]
		}
	}
	return nil
}

// TrialsOf returns the trials of one strategy on one problem, by seed order.
func (r *Results) TrialsOf(problem, strategy string) []*Trial {
	var out []*Trial
	for _, t := range r.Trials {
		if t.Problem == problem && t.Strategy == strategy {
			out = append(out, t)
		}
	}
	return out
}

func newResults(in StudyInfo, all []*Trial) *Results {
	order := map[string]int{}
	for i, k := range in.TrialKeys {
		order[k] = i
	}
	var trials []*Trial
	tuning := map[string]*Trial{}
	for _, t := range all {
		if t.Phase == "tune" {
			tuning[t.Key] = t
		} else {
			trials = append(trials, t)
		}
	}
	slices.SortStableFunc(trials, func(a, b *Trial) int { return order[a.Key] - order[b.Key] })
	r := &Results{Study: in, Trials: trials}
	hasTarget := !in.Target.IsZero()
	if in.Tune != nil {
		r.Tuning = scoreConfigs(in.Tune, tuning, hasTarget)
	}
	for _, p := range in.Problems {
		var stats []StrategyStats
		for _, s := range in.Strategies {
			ts := r.TrialsOf(p.Name, s.Name)
			if len(ts) == 0 {
				continue
			}
			st := strategyStats(p.Name, s, ts, hasTarget)
			if p.Kind == KindAnalytic || noAccuracy(ts) { // no accuracy: not 0, missing
				st.FinalTestAcc, st.BestTestAcc = missing(), missing()
			}
			stats = append(stats, st)
		}
		slices.SortStableFunc(stats, func(a, b StrategyStats) int {
			ka, kb := a.rankKey(hasTarget), b.rankKey(hasTarget)
			if c := cmpFloat(ka, kb); c != 0 {
				return c
			}
			if c := cmpFloat(a.AULC.Median, b.AULC.Median); c != 0 {
				return c
			}
			return 0 // keep the study's order
		})
		for i := range stats {
			stats[i].Rank = i + 1
			if i > 0 {
				stats[i].DiffToBest = bootstrapDiff(r.TrialsOf(p.Name, stats[0].Strategy), r.TrialsOf(p.Name, stats[i].Strategy),
					hasTarget, in.Bootstrap, in.BootstrapSeed, p.Name+"\x00"+stats[i].Strategy)
			}
		}
		r.Stats = append(r.Stats, stats...)
	}
	if len(in.Problems) > 1 {
		r.Profile = newProfile(r, hasTarget)
		if hasTarget {
			r.TimeProfile = newProfileOf(r, "seconds_to_target")
		}
	}
	return r
}

// cmpFloat orders numbers ascending with NaN last.
func cmpFloat(a, b float64) int {
	switch {
	case math.IsNaN(a) && math.IsNaN(b):
		return 0
	case math.IsNaN(a):
		return 1
	case math.IsNaN(b):
		return -1
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func strategyStats(problem string, s StrategyInfo, ts []*Trial, hasTarget bool) StrategyStats {
	st := StrategyStats{Problem: problem, Strategy: s.Name, Text: s.Text, Trials: len(ts)}
	inf := math.Inf(1)
	var trainL, testL, testA, bestA, stt, sst, area, secs []float64
	var okMask []bool
	for _, t := range ts {
		switch t.Status {
		case StatusOK:
			st.OK++
		case StatusDiverged:
			st.Diverged++
		default:
			st.Failed++
		}
		ok := t.Status == StatusOK
		okMask = append(okMask, ok)
		trainL = append(trainL, worst(ok, t.FinalTrainLoss, inf))
		testL = append(testL, worst(ok, t.FinalTestLoss, inf))
		testA = append(testA, worst(ok, t.FinalTestAcc, 0))
		bestA = append(bestA, worst(!math.IsNaN(t.BestTestAcc), t.BestTestAcc, 0))
		area = append(area, worst(ok, t.AULC, inf))
		secs = append(secs, worst(ok, t.Seconds, inf))
		if t.Reached() {
			st.Reached++
			stt = append(stt, float64(t.StepsToTarget))
			sst = append(sst, t.SecondsToTarget)
		} else {
			stt = append(stt, inf)
			sst = append(sst, inf)
		}
	}
	st.FinalTrainLoss, st.FinalTestLoss, st.FinalTestAcc = summarize(trainL, okMask), summarize(testL, okMask), summarize(testA, okMask)
	st.BestTestAcc, st.AULC, st.Seconds = summarize(bestA, okMask), summarize(area, okMask), summarize(secs, okMask)
	st.StepsToTarget, st.SecondsToTarget = summarize(stt, okMask), summarize(sst, okMask)
	if hasTarget {
		st.SuccessRate = float64(st.Reached) / float64(st.Trials)
	} else {
		st.SuccessRate = float64(st.OK) / float64(st.Trials)
	}
	return st
}

// noAccuracy reports whether the problem has no accuracy: its trials
// finished and every one's accuracy is NaN (a model without labels, such
// as a VAE, whose loss is all there is; graph.Config.Loss).
func noAccuracy(ts []*Trial) bool {
	ok := false
	for _, t := range ts {
		if t.Status != StatusOK {
			continue
		}
		if !math.IsNaN(t.FinalTestAcc) || !math.IsNaN(t.BestTestAcc) {
			return false
		}
		ok = true
	}
	return ok
}

// missing is the Summary of a figure a problem does not have (accuracy
// on an analytic problem): NaN throughout, N = 0.
func missing() Summary {
	nan := math.NaN()
	return Summary{Median: nan, Q1: nan, Q3: nan, Mean: nan, Std: nan}
}

func worst(ok bool, v, w float64) float64 {
	if !ok || math.IsNaN(v) {
		return w
	}
	return v
}

// trialMetric is the per-trial ranking figure.
func trialMetric(t *Trial, hasTarget bool) float64 {
	if hasTarget {
		if t.Reached() {
			return float64(t.StepsToTarget)
		}
		return math.Inf(1)
	}
	return worst(t.Status == StatusOK, t.FinalTestLoss, math.Inf(1))
}

// bootstrapDiff is the paired percentile bootstrap (Efron & Tibshirani
// 1993, ch. 13) of the mean over seeds of metric(other) − metric(best):
// B resamples of the common seeds with replacement, the 2.5% and 97.5%
// quantiles of the resampled means. The resampling stream is seeded by the
// study's bootstrap seed and the (problem, strategy) pair, so the interval
// does not depend on the order of anything.
func bootstrapDiff(best, other []*Trial, hasTarget bool, B int, seed uint64, label string) CI {
	ci := CI{Metric: "final_test_loss", Lo: math.NaN(), Hi: math.NaN(), Diff: math.NaN()}
	if hasTarget {
		ci.Metric = "steps_to_target"
	}
	bySeed := map[uint64]float64{}
	for _, t := range best {
		bySeed[t.Seed] = trialMetric(t, hasTarget)
	}
	var d []float64
	for _, t := range other {
		b, ok := bySeed[t.Seed]
		if !ok {
			continue
		}
		d = append(d, trialMetric(t, hasTarget)-b)
	}
	ci.Pairs = len(d)
	if len(d) == 0 {
		return ci
	}
	var sum float64
	for _, x := range d {
		sum += x
	}
	ci.Diff = sum / float64(len(d))
	if math.IsInf(ci.Diff, 0) || math.IsNaN(ci.Diff) || B <= 0 {
		return ci
	}
	h := fnv.New64a()
	h.Write([]byte(label))
	rng := rand.New(rand.NewPCG(seed, h.Sum64()))
	means := make([]float64, B)
	for b := range means {
		var s float64
		for range d {
			s += d[rng.IntN(len(d))]
		}
		means[b] = s / float64(len(d))
	}
	ci.Lo, ci.Hi, ci.OK = Quantile(means, 0.025), Quantile(means, 0.975), true
	return ci
}

// Profile is a Dolan–Moré performance profile (Dolan & Moré 2002): for
// each strategy s and problem p the cost t(p,s) — the median steps to the
// target with a target, else the median area under the validation-loss
// curve — and the ratio r(p,s) = t(p,s)/min over strategies of t(p,·)
// (+Inf when s failed on p, or when no strategy succeeded). ρₛ(τ) is the
// fraction of problems with r(p,s) ≤ τ: ρₛ(1) is how often s was the best,
// ρₛ(τ) for large τ how often it succeeded at all.
type Profile struct {
	Cost       string   // "steps_to_target" or "aulc"
	Problems   []string // in study order
	Strategies []string // in study order
	// Ratio[i][j] is r(Problems[j], Strategies[i]).
	Ratio [][]float64
}

// Rho returns ρ of strategy i at τ.
func (p *Profile) Rho(i int, tau float64) float64 {
	n := 0
	for _, r := range p.Ratio[i] {
		if r <= tau {
			n++
		}
	}
	return float64(n) / float64(len(p.Problems))
}

// Taus returns the sorted distinct finite ratios (the points where the
// profiles step).
func (p *Profile) Taus() []float64 {
	var out []float64
	for _, row := range p.Ratio {
		for _, r := range row {
			if !math.IsInf(r, 0) && !math.IsNaN(r) {
				out = append(out, r)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// AlgoPerfRMax is the largest ratio of AlgoPerf's benchmark score (Dahl
// et al. 2023, "Benchmarking Neural Network Training Algorithms", §4.3:
// r_max = 4).
const AlgoPerfRMax = 4

// Score is the integrated performance-profile score of strategy i, as
// AlgoPerf's: the area under ρ(τ) for τ in [1, rmax], divided by
// rmax − 1, so 1 means best on every problem and 0 never within rmax of
// the best. ρ is a step function, so the integral is exact.
func (p *Profile) Score(i int, rmax float64) float64 {
	if rmax <= 1 {
		return math.NaN()
	}
	var area float64
	prev := 1.0
	for _, t := range append(p.Taus(), rmax) {
		if t <= 1 {
			continue
		}
		t = min(t, rmax)
		area += (t - prev) * p.Rho(i, prev)
		prev = t
		if t == rmax {
			break
		}
	}
	return area / (rmax - 1)
}

func newProfile(r *Results, hasTarget bool) *Profile {
	cost := "aulc"
	if hasTarget {
		cost = "steps_to_target"
	}
	return newProfileOf(r, cost)
}

// newProfileOf builds the profile of a cost: "aulc", "steps_to_target" or
// "seconds_to_target" (the medians over seeds).
func newProfileOf(r *Results, costName string) *Profile {
	p := &Profile{Cost: costName}
	for _, pr := range r.Study.Problems {
		p.Problems = append(p.Problems, pr.Name)
	}
	for _, s := range r.Study.Strategies {
		p.Strategies = append(p.Strategies, s.Name)
	}
	cost := make([][]float64, len(p.Strategies))
	for i, s := range p.Strategies {
		cost[i] = make([]float64, len(p.Problems))
		for j, pr := range p.Problems {
			c := math.Inf(1)
			if st := r.Stat(pr, s); st != nil {
				switch costName {
				case "aulc":
					c = st.AULC.Median
				case "steps_to_target":
					c = st.StepsToTarget.Median
				case "seconds_to_target":
					c = st.SecondsToTarget.Median
				}
			}
			cost[i][j] = c
		}
	}
	p.Ratio = make([][]float64, len(p.Strategies))
	for i := range p.Strategies {
		p.Ratio[i] = make([]float64, len(p.Problems))
		for j := range p.Problems {
			best := math.Inf(1)
			for k := range p.Strategies {
				best = min(best, cost[k][j])
			}
			r := math.Inf(1)
			if c := cost[i][j]; !math.IsInf(c, 0) && !math.IsNaN(c) && best > 0 {
				r = c / best
			} else if c == 0 && best == 0 {
				r = 1
			}
			p.Ratio[i][j] = r
		}
	}
	return p
}
