package compare

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/pkg/errors"
)

// Tuning is the equal-budget tuning protocol of a study (Study.Tune): every
// tunable strategy (one with search spaces, see Space) gets exactly Trials
// configurations, drawn by the same seeded sampler — the same sequence for
// every strategy with the same space — each trained on the tuning seeds
// and scored on a validation split carved from the training data; the test
// set (Problem.Eval) is never seen while tuning. The best configuration of
// each strategy is then run on the study's seeds like a fixed strategy,
// and the report compares the tuned strategies. Fixed strategies are run
// as they are.
//
// The score of a configuration is the study's ranking metric on the
// validation split, averaged over the tuning seeds: steps to the target
// if the study has one, else the final validation loss; a trial that
// diverges, fails or misses the target scores +Inf (the worst). The best
// configuration has the lowest score; ties go to the lower index.
//
// An analytic problem has no data to split: its tuning trials minimise the
// objective itself, scored by f − f*, and the final trials differ from
// them only by their seeds.
type Tuning struct {
	// Trials is the number of configurations per tunable strategy (≥ 1).
	Trials int
	// Sampler is "halton" (the default: scrambled Halton, quasi-random),
	// "random" or "grid" (a full factorial grid; Trials must be its size).
	// SamplerSeed (default 1) seeds it.
	Sampler     string
	SamplerSeed uint64
	// Seeds are the seeds each configuration is trained on (default {1}).
	Seeds []uint64
	// Validation is the fraction of the training rows held out to score
	// configurations (default 0.1, at least one batch); which rows is a
	// function of ValidationSeed (default 1), the same for every strategy
	// (datasets.Set.Split).
	Validation     float64
	ValidationSeed uint64
	// Halving turns on synchronous successive halving (Jamieson &
	// Talwalkar 2016; Li et al. 2018, Hyperband's inner loop): the Trials
	// configurations start at a budget of 1/Eta^R of the study's (R =
	// ⌊log_Eta Trials⌋), the best ⌊n/Eta⌋ of each rung (by the same score,
	// on the same paired seeds; ties by final validation loss, then
	// index) go on to the next rung at Eta times the budget, and the last
	// rung runs at the full budget. It costs about (R+1)/Eta^R … of the
	// plain protocol's steps and picks from the same configurations, but a
	// configuration slow to start can be cut early. Eta defaults to 3.
	Halving bool
	Eta     int
}

func (tu *Tuning) defaults() {
	if tu.Eta == 0 {
		tu.Eta = 3
	}
	if tu.Sampler == "" {
		tu.Sampler = "halton"
	}
	if tu.SamplerSeed == 0 {
		tu.SamplerSeed = 1
	}
	if len(tu.Seeds) == 0 {
		tu.Seeds = []uint64{1}
	}
	if tu.Validation == 0 {
		tu.Validation = 0.1
	}
	if tu.ValidationSeed == 0 {
		tu.ValidationSeed = 1
	}
}

// maxTuningTrials bounds Tuning.Trials.
const maxTuningTrials = 100000

func (tu *Tuning) validate() error {
	if tu.Trials < 1 || tu.Trials > maxTuningTrials {
		return errors.Errorf("compare: Tuning.Trials = %d, want 1 to %d", tu.Trials, maxTuningTrials)
	}
	if !slices.Contains(Samplers, tu.Sampler) {
		return errors.Errorf("compare: Tuning.Sampler %q: want one of halton, random, grid", tu.Sampler)
	}
	if tu.Eta < 2 || tu.Eta > 100 {
		return errors.Errorf("compare: Tuning.Eta = %d: want 2 to 100", tu.Eta)
	}
	if !(tu.Validation > 0 && tu.Validation < 1) {
		return errors.Errorf("compare: Tuning.Validation = %v: want a fraction in (0, 1)", tu.Validation)
	}
	s := slices.Clone(tu.Seeds)
	slices.Sort(s)
	if len(slices.Compact(s)) != len(tu.Seeds) {
		return errors.Errorf("compare: repeated tuning seed in %v", tu.Seeds)
	}
	return nil
}

// TuningInfo is the tuning protocol of a study as saved in study.json.
type TuningInfo struct {
	Trials         int      `json:"trials"`
	Sampler        string   `json:"sampler"`
	SamplerSeed    uint64   `json:"sampler_seed"`
	Seeds          []uint64 `json:"seeds"`
	Validation     float64  `json:"validation"`
	ValidationSeed uint64   `json:"validation_seed"`
	// Metric is what scores a configuration: "steps_to_target" or
	// "final_val_loss".
	Metric string `json:"metric"`
	// Halving and Eta: successive halving (see Tuning).
	Halving bool `json:"halving,omitempty"`
	Eta     int  `json:"eta,omitempty"`
	// Configs are every configuration of every tunable strategy, in order
	// (with halving: every configuration of rung 0, then the survivors of
	// rung 1, and so on).
	Configs []ConfigInfo `json:"configs"`
}

// ConfigInfo is one tuning configuration.
type ConfigInfo struct {
	Problem  string    `json:"problem"`
	Strategy string    `json:"strategy"` // the display name of the tunable strategy
	Index    int       `json:"index"`
	Spec     string    `json:"spec"`   // the concrete strategy text
	Keys     []string  `json:"keys"`   // the space of each value ("sgd.lr")
	Spaces   []string  `json:"spaces"` // as written ("loguniform(1e-3,1)")
	Values   []float64 `json:"values"`
	Trials   []string  `json:"trials"` // the keys of its trials, one per tuning seed
	// Rung is the successive-halving rung (0 without halving) and Steps
	// the budget of its trials.
	Rung  int `json:"rung,omitempty"`
	Steps int `json:"steps,omitempty"`
}

// TuningConfig is a tuning configuration with its trials and score (see
// Results.Tuning).
type TuningConfig struct {
	ConfigInfo
	// Score is the configuration's score (see Tuning); +Inf for a trial
	// that diverged, failed or missed the target, NaN while trials are
	// missing.
	Score  float64
	Trials []*Trial
	// Chosen marks the configuration the study ran on its seeds.
	Chosen bool
}

// tuningProblem is p with its training set split into a training part and
// the validation part that scores configurations.
func (st *Study) tuningProblem(p *Problem) (*Problem, error) {
	if p.IsAnalytic() {
		return p, nil
	}
	if st.tuneProblems == nil {
		st.tuneProblems = map[*Problem]*Problem{}
	}
	if tp, ok := st.tuneProblems[p]; ok {
		return tp, nil
	}
	batch := p.Config.Batch
	if batch == 0 {
		batch = 64
	}
	n := p.Train.Len()
	nVal := max(int(math.Round(st.Tune.Validation*float64(n))), 1)
	if n-nVal < batch {
		return nil, errors.Errorf("compare: problem %q: tuning holds out %d of %d training rows for validation, leaving fewer than one batch of %d", p.Name, nVal, n, batch)
	}
	train, val, err := p.Train.Split(nVal, st.Tune.ValidationSeed)
	if err != nil {
		return nil, err
	}
	tp := *p
	tp.Train, tp.Eval = train, val
	st.tuneProblems[p] = &tp
	return &tp, nil
}

// tuningTrials lists the configurations and trials of the tuning phase,
// problems then strategies then configurations then seeds.
func (st *Study) tuningTrials() ([]ConfigInfo, []trialSpec, error) {
	return st.rungTrials(0, 1, nil)
}

// rungTrials lists the configurations and trials of one rung of the tuning
// phase: every configuration, or those alive says, at the budget divided
// by div. Without halving there is one rung, 0, at div 1.
func (st *Study) rungTrials(rung, div int, alive map[[2]string]map[int]bool) ([]ConfigInfo, []trialSpec, error) {
	st.budgetDiv = div
	defer func() { st.budgetDiv = 0 }()
	var configs []ConfigInfo
	var out []trialSpec
	for pi := range st.Problems {
		p := &st.Problems[pi]
		tp, err := st.tuningProblem(p)
		if err != nil {
			return nil, nil, err
		}
		for _, s := range st.Strategies {
			if !s.IsTunable() {
				continue
			}
			t, err := s.spaces()
			if err != nil {
				return nil, nil, err
			}
			levels := make([]int, len(t.spaces))
			keys := make([]string, len(t.spaces))
			texts := make([]string, len(t.spaces))
			for i, sp := range t.spaces {
				levels[i], keys[i], texts[i] = sp.Levels(), sp.Key, sp.Text
				if slices.Contains(keys[:i], keys[i]) {
					keys[i] += "#" + strconv.Itoa(i)
				}
			}
			us, err := points(st.Tune.Sampler, st.Tune.Trials, levels, spaceSeed(st.Tune.SamplerSeed, t.spaces))
			if err != nil {
				return nil, nil, errors.WithMessagef(err, "compare: strategy %q", s.DisplayName())
			}
			for ci, u := range us {
				if alive != nil && !alive[[2]string{p.Name, s.DisplayName()}][ci] {
					continue
				}
				vals := make([]float64, len(u))
				for i, sp := range t.spaces {
					vals[i] = sp.Value(u[i])
				}
				cs := s.withValues(t, vals)
				if err := cs.Validate(); err != nil {
					return nil, nil, errors.WithMessagef(err, "compare: strategy %q, tuning configuration %d (%s)", s.DisplayName(), ci, cs.String())
				}
				cfg := ConfigInfo{Problem: p.Name, Strategy: s.DisplayName(), Index: ci, Spec: cs.String(), Keys: keys, Spaces: texts, Values: vals, Rung: rung}
				specs, err := st.problemTrials(tp, []Strategy{cs}, st.Tune.Seeds, len(out))
				if err != nil {
					return nil, nil, err
				}
				for _, ts := range specs {
					ts.phase, ts.config = "tune", ci
					cfg.Steps = ts.total
					r := ""
					if st.Tune.Halving {
						r = fmt.Sprintf("__r%d", rung)
					}
					ts.key = fmt.Sprintf("tune__%s__%s__c%d%s__seed%d__%s", slug(p.Name), slug(s.DisplayName()), ci, r, ts.seed, ts.finger[:8])
					cfg.Trials = append(cfg.Trials, ts.key)
					out = append(out, ts)
				}
				configs = append(configs, cfg)
			}
		}
	}
	return configs, out, nil
}

// tuningMetric names the score of a configuration.
func tuningMetric(hasTarget bool) string {
	if hasTarget {
		return "steps_to_target"
	}
	return "final_val_loss"
}

// scoreConfigs fills the score of each configuration from its trials and
// marks the chosen one of each (problem, strategy).
func scoreConfigs(in *TuningInfo, trials map[string]*Trial, hasTarget bool) []TuningConfig {
	out := make([]TuningConfig, len(in.Configs))
	for i, c := range in.Configs {
		tc := TuningConfig{ConfigInfo: c, Score: math.NaN()}
		var sum float64
		complete := true
		for _, k := range c.Trials {
			t, ok := trials[k]
			if !ok {
				complete = false
				continue
			}
			tc.Trials = append(tc.Trials, t)
			sum += trialMetric(t, hasTarget)
		}
		if complete && len(c.Trials) > 0 {
			tc.Score = sum / float64(len(c.Trials))
		}
		out[i] = tc
	}
	// The chosen configuration is the best of the last rung a strategy
	// reached (the only rung without halving).
	top := map[[2]string]int{}
	for _, c := range out {
		k := [2]string{c.Problem, c.Strategy}
		top[k] = max(top[k], c.Rung)
	}
	best := map[[2]string]int{}
	for i, c := range out {
		k := [2]string{c.Problem, c.Strategy}
		if c.Rung != top[k] {
			continue
		}
		j, ok := best[k]
		if !ok || better(c.Score, out[j].Score) || (c.Score == out[j].Score && tieBreak(c) < tieBreak(out[j])) {
			best[k] = i
		}
	}
	for _, i := range best {
		out[i].Chosen = !math.IsNaN(out[i].Score)
	}
	return out
}

// tieBreak is the mean final validation loss of a configuration's trials
// (+Inf for a diverged one), which breaks ties of steps to target.
func tieBreak(c TuningConfig) float64 {
	if len(c.Trials) == 0 {
		return math.Inf(1)
	}
	var s float64
	for _, t := range c.Trials {
		s += trialMetric(t, false)
	}
	return s / float64(len(c.Trials))
}

// survivors returns, for each (problem, strategy), the configurations of
// rung that go on: the best ⌊n/eta⌋ (at least one) by score, then final
// validation loss, then index.
func survivors(cs []TuningConfig, rung, eta int) map[[2]string]map[int]bool {
	groups := map[[2]string][]TuningConfig{}
	for _, c := range cs {
		if c.Rung == rung {
			k := [2]string{c.Problem, c.Strategy}
			groups[k] = append(groups[k], c)
		}
	}
	out := map[[2]string]map[int]bool{}
	for k, g := range groups {
		slices.SortStableFunc(g, func(a, b TuningConfig) int {
			if c := cmpFloat(a.Score, b.Score); c != 0 {
				return c
			}
			if c := cmpFloat(tieBreak(a), tieBreak(b)); c != 0 {
				return c
			}
			return a.Index - b.Index
		})
		keep := max(1, len(g)/eta)
		out[k] = map[int]bool{}
		for _, c := range g[:keep] {
			out[k][c.Index] = true
		}
	}
	return out
}

// rungs returns the number of successive-halving rungs for n
// configurations: ⌊log_eta n⌋ + 1.
func rungs(n, eta int) int {
	r := 1
	for p := eta; p <= n; p *= eta {
		r++
	}
	return r
}

// better reports whether score a beats b: lower, and any number beats NaN
// (missing). Equal scores keep the earlier configuration.
func better(a, b float64) bool {
	if math.IsNaN(b) {
		return !math.IsNaN(a)
	}
	return a < b
}

// Tuning returns the tuning configurations of problem (every tunable
// strategy's, in order), empty for a study without Tune.
func (r *Results) TuningOf(problem string) []TuningConfig {
	var out []TuningConfig
	for _, c := range r.Tuning {
		if c.Problem == problem {
			out = append(out, c)
		}
	}
	return out
}

// Chosen returns the concrete strategy text that tuning picked for a
// tunable strategy on a problem — what the study ran on its seeds — or ""
// if the strategy was not tuned there.
func (r *Results) Chosen(problem, strategy string) string {
	for _, c := range r.Tuning {
		if c.Problem == problem && c.Strategy == strategy && c.Chosen {
			return c.Spec
		}
	}
	return ""
}

// TuningColumns are the fixed columns of tuning.csv, in order; a column
// per search-space key (its Key, e.g. "sgd.lr"), in order of first
// appearance, follows "spec", and score, status and chosen close the row.
var TuningColumns = []string{"problem", "strategy", "config", "seed", "spec"}

// WriteTuningCSV writes tuning.csv: a header and one row per tuning trial
// — problem, strategy, configuration index, seed, the concrete strategy
// text, each sampled value in its own column (empty where a strategy has
// no such key), the trial's score (its steps to target or final
// validation loss, see Tuning; inf when it diverged, failed or missed the
// target), its status, and whether its configuration was chosen.
func (r *Results) WriteTuningCSV(w io.Writer) error {
	var keys []string
	for _, c := range r.Tuning {
		for _, k := range c.Keys {
			if !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
	}
	hasTarget := !r.Study.Target.IsZero()
	var b []byte
	head := append(append(slices.Clone(TuningColumns), keys...), "score", "status", "chosen")
	b = append(b, strings.Join(head, ",")...)
	b = append(b, '\n')
	for _, c := range r.Tuning {
		for _, t := range c.Trials {
			row := []string{c.Problem, c.Strategy, strconv.Itoa(c.Index), strconv.FormatUint(t.Seed, 10), c.Spec}
			for _, k := range keys {
				v := ""
				if i := slices.Index(c.Keys, k); i >= 0 {
					v = strconv.FormatFloat(c.Values[i], 'g', -1, 64)
				}
				row = append(row, v)
			}
			row = append(row, csvNum(trialMetric(t, hasTarget)), t.Status, strconv.FormatBool(c.Chosen))
			for i, f := range row {
				if i > 0 {
					b = append(b, ',')
				}
				b = append(b, csvField(f)...)
			}
			b = append(b, '\n')
		}
	}
	_, err := w.Write(b)
	return err
}

// csvNum formats a number for a CSV file: shortest exact form, inf, -inf,
// or empty for NaN.
func csvNum(v float64) string {
	switch {
	case math.IsNaN(v):
		return ""
	case math.IsInf(v, 1):
		return "inf"
	case math.IsInf(v, -1):
		return "-inf"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// BestAfter is the distribution of the best score (the lowest) among k
// configurations drawn with replacement from scores — the "expected
// validation performance" of Dodge et al. 2019 ("Show Your Work: Improved
// Reporting of Experimental Results", EMNLP, §3), a tuning curve: how good
// a strategy is after k trials of tuning, so that one cheap to tune is
// told apart from one that needs many trials. Its CDF is
// 1 − (1 − F(x))^k, F the empirical CDF of scores; BestAfter returns its
// median and quartiles (rather than Dodge's mean ± std) so that scores of
// +Inf — diverged trials — are allowed: the median is finite as long as
// fewer than half of the draws are expected to be all ∞. NaNs are
// ignored; with no scores all three are NaN.
func BestAfter(scores []float64, k int) (median, q1, q3 float64) {
	var s []float64
	for _, v := range scores {
		if !math.IsNaN(v) {
			s = append(s, v)
		}
	}
	if len(s) == 0 || k < 1 {
		return math.NaN(), math.NaN(), math.NaN()
	}
	slices.Sort(s)
	n := float64(len(s))
	quantile := func(q float64) float64 {
		for i, v := range s {
			// P(best ≤ s[i]) = 1 − (1 − (i+1)/n)^k
			if 1-math.Pow(1-float64(i+1)/n, float64(k)) >= q-1e-12 {
				return v
			}
		}
		return s[len(s)-1]
	}
	return quantile(0.5), quantile(0.25), quantile(0.75)
}

// TuningCurvePoint is one point of a tuning curve (see BestAfter).
type TuningCurvePoint struct {
	K              int
	Median, Q1, Q3 float64
	Observed       float64 // the best of the first K configurations, in sampler order
}

// TuningCurve returns the tuning curve of a strategy on a problem, k = 1
// … Trials; nil if it was not tuned there. With successive halving it is
// that of rung 0, where every configuration has the same budget.
func (r *Results) TuningCurve(problem, strategy string) []TuningCurvePoint {
	var scores []float64
	for _, c := range r.Tuning {
		if c.Problem == problem && c.Strategy == strategy && c.Rung == 0 {
			scores = append(scores, c.Score)
		}
	}
	var out []TuningCurvePoint
	best := math.NaN()
	for k := 1; k <= len(scores); k++ {
		if better(scores[k-1], best) {
			best = scores[k-1]
		}
		m, q1, q3 := BestAfter(scores, k)
		out = append(out, TuningCurvePoint{K: k, Median: m, Q1: q1, Q3: q3, Observed: best})
	}
	return out
}
