package compare

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/pkg/errors"
	"gorgonia.org/tensor"

	"github.com/convergo/convergo/datasets"
	"github.com/convergo/convergo/graph"
	"github.com/convergo/convergo/layers"
)

// Problem is a model and the data it is trained and validated on — a
// classification problem — or, with Analytic set, an analytic objective
// with a known minimum (see Analytic and AnalyticProblem).
type Problem struct {
	// Name identifies the problem in results and reports ("mnist-mlp").
	Name string
	// Net returns the network description; it is called once per trial,
	// so a trial never shares layer state with another.
	Net func() layers.Layer
	// Config is the model configuration (Input, Classes, Batch, EvalBatch,
	// Dtype). Its Seed and Penalty are set per trial: Seed to the trial's
	// seed, Penalty from the strategy's regularizer.
	Config graph.Config
	// Train is the training set; Eval the validation set, on which the
	// "test" figures are measured.
	Train, Eval *datasets.Set
	// Analytic, if not nil, makes this an analytic problem: the strategy's
	// solver minimises Analytic.Problem (a solvertest.Problem) directly,
	// and the curve's loss is f − f*. Net, Config, Train and Eval must then
	// be left zero.
	Analytic *Analytic
}

// IsAnalytic reports whether p is an analytic problem.
func (p *Problem) IsAnalytic() bool { return p.Analytic != nil }

// Target is a level of validation performance a trial may reach. With both
// fields set, both must hold at the same evaluation point.
type Target struct {
	Acc  float64 // validation accuracy ≥ Acc; 0: no accuracy target
	Loss float64 // validation loss ≤ Loss; 0: no loss target
}

// IsZero reports whether t sets no target.
func (t Target) IsZero() bool { return t.Acc == 0 && t.Loss == 0 }

func (t Target) reached(loss, acc float64) bool {
	if t.IsZero() {
		return false
	}
	return (t.Acc == 0 || acc >= t.Acc) && (t.Loss == 0 || loss <= t.Loss)
}

// String returns "acc>=0.95", "loss<=0.3", both joined by ",", or "none".
func (t Target) String() string {
	var p []string
	if t.Acc != 0 {
		p = append(p, "acc>="+strconv.FormatFloat(t.Acc, 'g', -1, 64))
	}
	if t.Loss != 0 {
		p = append(p, "loss<="+strconv.FormatFloat(t.Loss, 'g', -1, 64))
	}
	if len(p) == 0 {
		return "none"
	}
	return strings.Join(p, ",")
}

// ParseTarget reads "acc=0.95", "acc>=0.95", "loss=0.3", "loss<=0.3", a
// comma-separated pair of those, or "" / "none" (no target).
func ParseTarget(s string) (Target, error) {
	var t Target
	s = strings.TrimSpace(s)
	if s == "" || s == "none" {
		return t, nil
	}
	seen := map[string]bool{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		part = strings.Replace(strings.Replace(part, ">=", "=", 1), "<=", "=", 1)
		k, v, ok := strings.Cut(part, "=")
		if k = strings.TrimSpace(k); seen[k] {
			return Target{}, errors.Errorf("compare: target %q: %s given twice", s, k)
		}
		seen[k] = true
		x, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if !ok || err != nil || math.IsNaN(x) || math.IsInf(x, 0) || x <= 0 {
			return Target{}, errors.Errorf("compare: target %q: want acc=X or loss=Y with X, Y > 0", s)
		}
		switch k {
		case "acc":
			if x > 1 {
				return Target{}, errors.Errorf("compare: target %q: accuracy %v > 1", s, x)
			}
			t.Acc = x
		case "loss":
			t.Loss = x
		default:
			return Target{}, errors.Errorf("compare: target %q: unknown key %q (want acc or loss)", s, k)
		}
	}
	return t, nil
}

// Shard selects a deterministic subset of a study's trials: those whose
// index in the study's trial order (problem, strategy, seed) is Index
// modulo Count. The zero value is the whole study.
type Shard struct{ Index, Count int }

// ParseShard reads "i/n" with 0 ≤ i < n ("" is the whole study).
func ParseShard(s string) (Shard, error) {
	if s == "" {
		return Shard{}, nil
	}
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return Shard{}, errors.Errorf("compare: shard %q: want i/n with 0 ≤ i < n", s)
	}
	return Shard{i, n}, nil
}

func (s Shard) String() string {
	if s.Count <= 1 {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.Index, s.Count)
}

func (s Shard) has(i int) bool { return s.Count <= 1 || i%s.Count == s.Index }

// Progress is passed to Study.Progress as the study advances.
type Progress struct {
	Trials     int // trials in this run (this shard)
	TrialsDone int // finished, including skipped ones
	Skipped    int // found finished in Dir and not rerun
	Steps      int // optimizer steps of all trials of this run
	StepsDone  int // steps done, skipped trials included
	StepsRun   int // steps run by this call (for rates and ETAs)
	Elapsed    time.Duration
	// Trial is the trial that just finished (or was found finished), or
	// nil.
	Trial *Trial
	// Phase is "tuning" during the tuning trials of a study with Tune,
	// "" during the study's own.
	Phase string
	// Running describes the trials running now, in the order they
	// started: "strategy seed N step S/T" (with "tuning config C" in the
	// tuning phase).
	Running []string
}

// Study is a comparison: every strategy on every problem, once per seed.
// Run it with Run. Zero fields take the defaults given.
type Study struct {
	Problems   []Problem
	Strategies []Strategy
	// Seeds are the trial seeds (default 1, 2, 3). Seed s gives every
	// strategy the same initial weights (graph.Config.Seed = s) and the same
	// batch order (graph.Trainer.Seed = s).
	Seeds []uint64
	// Budget: Epochs full passes over the training set, or, if Steps > 0,
	// that many optimizer steps (the last epoch may be partial). Epochs
	// defaults to 5.
	Epochs int
	Steps  int
	// Target is optional; see Trial.StepsToTarget.
	Target Target
	// StopAtTarget ends a trial at the first evaluation that reaches the
	// target (its curve is then shorter).
	StopAtTarget bool
	// EvalEvery evaluates on the validation set every that many optimizer
	// steps, besides step 0 and each epoch end (0: epoch ends only).
	EvalEvery int
	// Parallel is the number of trials run at once (default
	// runtime.NumCPU()). Results do not depend on it.
	Parallel int
	// TrialThreads is the number of threads each trial's model computes on
	// (graph.Config.Threads, default 1), whatever Parallel is: a trial's
	// seconds then depend on its own work, not on how many trials run
	// beside it or in what order (Parallel × TrialThreads should not
	// exceed the cores). Results do not depend on it. Under the openblas
	// build tag OpenBLAS runs single-threaded on these threads too.
	TrialThreads int
	// Dir, if not empty, is where results are written (see the package
	// documentation); finished trials found there are not run again.
	Dir string
	// Shard runs a subset of the trials (see Shard and Merge).
	Shard Shard
	// Bootstrap is the number of bootstrap resamples (default 2000) and
	// BootstrapSeed their seed (default 1).
	Bootstrap     int
	BootstrapSeed uint64
	// Plotter, if not nil, draws the figures into Dir (package
	// compare/plot has one). Nil: no figures.
	Plotter Plotter
	// Progress, if not nil, is called after each evaluation point and each
	// trial, never concurrently.
	Progress func(Progress)
	// OnPlan, if not nil, is called once before any trial runs, with what
	// Run found in Dir and what it will run: a program announces a resumed
	// study with it.
	OnPlan func(Plan)
	// Fresh ignores the trials found in Dir and runs every trial again,
	// overwriting their files.
	Fresh bool
	// Tune, if not nil, tunes every tunable strategy (one with search
	// spaces) with the same budget before the study runs: see Tuning. A
	// study with a tunable strategy needs it.
	Tune *Tuning
	// TuneDirs are, for a sharded tuned study, the directories of the
	// other shards (on shared storage): a shard runs its share of the
	// tuning trials, reads the others' from there, and returns an error
	// matching ErrTuningIncomplete while some are missing. Run every
	// shard, then every shard again: the second pass chooses the same
	// configurations everywhere and runs each shard's study trials. With
	// successive halving each rung takes a pass.
	TuneDirs []string

	dataHashes   map[[2]*datasets.Set]string // per (train, eval) pair, see dataHash
	tuneProblems map[*Problem]*Problem       // the tuning variant of each problem
	budgetDiv    int                         // a successive-halving rung's budget divisor (0: 1)
}

// Plan is what Run is about to do in one phase (see Study.OnPlan).
type Plan struct {
	Dir string // Study.Dir
	// Phase is "tuning" for the tuning trials of a study with Tune, ""
	// for the study's own trials.
	Phase  string
	Trials int // the trials of this run (this shard)
	Found  int // finished trials found in Dir, not run again
	ToRun  int // trials to run
	// Recomputed lists the trial files found in Dir that are run again,
	// each with the reason: a failed trial, a file that is corrupt,
	// truncated, edited (checksum mismatch) or of an older format.
	Recomputed []string
	// RemovedTemps are temporary files of a killed process, removed.
	RemovedTemps []string
	// Fresh is Study.Fresh.
	Fresh bool
}

// trialSpec is one trial to run.
type trialSpec struct {
	index    int
	problem  *Problem
	strategy Strategy
	seed     uint64
	key      string
	finger   string
	total    int // optimizer steps
	perEpoch int
	phase    string // "" for the study's trials, "tune" for tuning trials
	config   int    // the tuning configuration
}

func (st *Study) defaults() {
	if len(st.Seeds) == 0 {
		st.Seeds = []uint64{1, 2, 3}
	}
	if st.Epochs == 0 && st.Steps == 0 {
		st.Epochs = 5
	}
	if st.Parallel <= 0 {
		st.Parallel = runtime.NumCPU()
	}
	if st.TrialThreads <= 0 {
		st.TrialThreads = 1
	}
	if st.Bootstrap == 0 {
		st.Bootstrap = 2000
	}
	if st.BootstrapSeed == 0 {
		st.BootstrapSeed = 1
	}
}

func (st *Study) validate() error {
	if len(st.Problems) == 0 {
		return errors.New("compare: Study has no Problems")
	}
	if len(st.Strategies) == 0 {
		return errors.New("compare: Study has no Strategies")
	}
	if st.Epochs < 0 || st.Steps < 0 || st.EvalEvery < 0 || st.Bootstrap < 0 {
		return errors.Errorf("compare: negative Epochs (%d), Steps (%d), EvalEvery (%d) or Bootstrap (%d)", st.Epochs, st.Steps, st.EvalEvery, st.Bootstrap)
	}
	if st.Shard.Count > 0 && (st.Shard.Index < 0 || st.Shard.Index >= st.Shard.Count) {
		return errors.Errorf("compare: Shard %d/%d: want 0 ≤ index < count", st.Shard.Index, st.Shard.Count)
	}
	if st.Tune != nil {
		tu := *st.Tune // the caller's stays as given
		tu.defaults()
		st.Tune = &tu
		if err := st.Tune.validate(); err != nil {
			return err
		}
	}
	seen := map[string]bool{}
	for i, p := range st.Problems {
		if p.IsAnalytic() {
			if err := st.validateAnalytic(i, &p); err != nil {
				return err
			}
		} else if p.Name == "" || p.Net == nil || p.Train == nil || p.Eval == nil {
			return errors.Errorf("compare: Problems[%d] (%q): Name, Net, Train and Eval are required", i, p.Name)
		}
		if seen["p:"+p.Name] {
			return errors.Errorf("compare: two problems named %q", p.Name)
		}
		seen["p:"+p.Name] = true
	}
	for _, s := range st.Strategies {
		n := s.DisplayName()
		if seen["s:"+n] {
			return errors.Errorf("compare: two strategies named %q", n)
		}
		seen["s:"+n] = true
		if err := s.Validate(); err != nil {
			return errors.WithMessagef(err, "compare: strategy %q", n)
		}
		if st.Tune == nil && s.IsTunable() {
			sp, _ := s.Spaces()
			return errors.Errorf("compare: strategy %q has search spaces (%s=%s, …) but the study is not tuned: set Study.Tune (examples/compare -tune N), or write numbers", n, sp[0].Key, sp[0].Text)
		}
	}
	for _, p := range st.Problems {
		for _, s := range st.Strategies {
			if p.IsAnalytic() && (s.Regularizer != "" || s.Penalty != nil) {
				return errRegularizer(p.Name, s)
			}
			if p.IsAnalytic() && s.Hyper != "" {
				return errors.Errorf("compare: strategy %q has hyper(…), which analytic problems do not take (solvertest.Run schedules the learning rate only)", s.DisplayName())
			}
		}
	}
	seeds := slices.Clone(st.Seeds)
	slices.Sort(seeds)
	if len(slices.Compact(seeds)) != len(st.Seeds) {
		return errors.Errorf("compare: repeated seed in %v", st.Seeds)
	}
	return nil
}

func (st *Study) validateAnalytic(i int, p *Problem) error {
	if p.Name == "" {
		return errors.Errorf("compare: Problems[%d]: Name is required", i)
	}
	if p.Net != nil || p.Train != nil || p.Eval != nil || p.Config.Input != nil || p.Config.Classes != 0 {
		return errors.Errorf("compare: problem %q: Analytic is set, so Net, Config, Train and Eval must be empty", p.Name)
	}
	if st.Steps == 0 {
		return errors.Errorf("compare: problem %q is analytic: it has no epochs; give the budget in Study.Steps", p.Name)
	}
	if st.Target.Acc != 0 {
		return errors.Errorf("compare: problem %q is analytic: it has no accuracy; the target is a tolerance on f − f*, Target{Loss: tol} (loss=1e-6)", p.Name)
	}
	return p.Analytic.validate(p.Name)
}

// dataHashOf returns the data hash of p, computed once per study.
func (st *Study) dataHashOf(p *Problem) string {
	if st.dataHashes == nil {
		st.dataHashes = map[[2]*datasets.Set]string{}
	}
	k := [2]*datasets.Set{p.Train, p.Eval}
	if h, ok := st.dataHashes[k]; ok {
		return h
	}
	h := dataHash(p.Train, p.Eval)
	st.dataHashes[k] = h
	return h
}

// trials lists every trial of the study in its fixed order: problems, then
// strategies, then seeds.
func (st *Study) trials() ([]trialSpec, error) {
	var out []trialSpec
	for pi := range st.Problems {
		ts, err := st.problemTrials(&st.Problems[pi], st.Strategies, st.Seeds, len(out))
		if err != nil {
			return nil, err
		}
		out = append(out, ts...)
	}
	return out, nil
}

// problemTrials lists the trials of p: strategies, then seeds, indexed
// from first.
func (st *Study) problemTrials(p *Problem, strategies []Strategy, seeds []uint64, first int) ([]trialSpec, error) {
	var out []trialSpec
	if p.IsAnalytic() {
		total := st.Steps
		if st.budgetDiv > 1 {
			total = max(1, total/st.budgetDiv)
		}
		for _, s := range strategies {
			for _, seed := range seeds {
				ts := trialSpec{index: first + len(out), problem: p, strategy: s, seed: seed, total: total}
				ts.finger = p.Analytic.fingerprint(p.Name, st, s, seed, total)
				ts.key = fmt.Sprintf("%s__%s__seed%d__%s", slug(p.Name), slug(s.DisplayName()), seed, ts.finger[:8])
				out = append(out, ts)
			}
		}
		return out, nil
	}
	batch := p.Config.Batch
	if batch == 0 {
		batch = 64 // graph.Config's default
	}
	perEpoch := p.Train.Len() / batch // the Trainer drops the last partial batch
	if perEpoch == 0 {
		return nil, errors.Errorf("compare: problem %q: %d training rows, fewer than one batch of %d", p.Name, p.Train.Len(), batch)
	}
	if st.Steps == 0 && st.Epochs > graph.MaxSteps/perEpoch {
		return nil, errors.Errorf("compare: problem %q: %d epochs of %d steps exceed the maximum budget of %d steps", p.Name, st.Epochs, perEpoch, graph.MaxSteps)
	}
	total := st.Epochs * perEpoch
	if st.Steps > 0 {
		total = st.Steps
	}
	if st.budgetDiv > 1 {
		total = max(1, total/st.budgetDiv)
	}
	data := st.dataHashOf(p)
	for _, s := range strategies {
		for _, seed := range seeds {
			ts := trialSpec{index: first + len(out), problem: p, strategy: s, seed: seed, total: total, perEpoch: perEpoch}
			ts.finger = st.fingerprint(p, s, seed, total, batch, data)
			ts.key = fmt.Sprintf("%s__%s__seed%d__%s", slug(p.Name), slug(s.DisplayName()), seed, ts.finger[:8])
			out = append(out, ts)
		}
	}
	return out, nil
}

// TrialFormat is the version of what a trial computes and records. It is
// hashed into every trial fingerprint and is bumped with every change that
// alters a trial's results (the training loop, a solver's arithmetic, the
// evaluation cadence), so that a study resumed or merged by a newer
// convergo never reuses trials of an older one.
const TrialFormat = 2

// fingerprint hashes everything a trial's result depends on: the trial
// format, the problem (its data by content), the strategy, the seed, the
// budget and the study's evaluation settings.
func (st *Study) fingerprint(p *Problem, s Strategy, seed uint64, total, batch int, data string) string {
	dt := p.Config.Dtype
	if dt == (tensor.Dtype{}) {
		dt = tensor.Float32
	}
	return hashHex(fmt.Sprintf("v%d|%s|%s:%d|%s:%d|data=%s|in=%v|classes=%d|batch=%d|dtype=%v|%s|seed=%d|steps=%d|eval=%d|target=%s|stop=%v",
		TrialFormat, p.Name, p.Train.Name, p.Train.Len(), p.Eval.Name, p.Eval.Len(), data, p.Config.Input, p.Config.Classes, batch, dt,
		s.fingerprintText(), seed, total, st.EvalEvery, st.Target, st.StopAtTarget))
}

// dataHash hashes the contents of a problem's training and evaluation
// sets — every value, label, the shape and the class count — so that a
// changed data set (a pixel, a label) is a different trial. SHA-256 runs
// at about a gigabyte per second: 0.2 s for full Fashion-MNIST.
func dataHash(sets ...*datasets.Set) string {
	h := sha256.New()
	var buf [8]byte
	for _, s := range sets {
		fmt.Fprintf(h, "%v|%d|%d|", s.Shape, s.Classes, len(s.X))
		h.Write(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s.X))), 4*len(s.X)))
		for _, y := range s.Y {
			binary.LittleEndian.PutUint64(buf[:], uint64(y))
			h.Write(buf[:])
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Run runs the study: every trial of its shard not already finished in
// Dir, Parallel at a time, then computes the statistics and, with a Dir,
// writes results.csv, curves.jsonl, report.md and the figures. With Tune,
// the tuning trials run first (see Tuning), and the study's trials of a
// tunable strategy run its chosen configuration.
//
// A trial that diverges or fails is recorded as such and the study goes
// on. When ctx is cancelled Run stops the running trials, keeps (and in Dir
// has written) the finished ones, and returns them with ctx's error.
func Run(ctx context.Context, st Study) (*Results, error) {
	st.defaults()
	if err := st.validate(); err != nil {
		return nil, err
	}
	rn := &runner{st: &st, start: time.Now()}
	if st.Dir != "" {
		rn.temps = append(removeStaleTemps(st.Dir), removeStaleTemps(filepath.Join(st.Dir, "trials"))...)
	}
	hasTarget := !st.Target.IsZero()
	var tuneInfo *TuningInfo
	var tuned []*Trial
	if st.Tune != nil {
		tu := st.Tune
		R := 1
		if tu.Halving {
			R = rungs(tu.Trials, tu.Eta)
		}
		div := 1
		for range R - 1 {
			div *= tu.Eta
		}
		configs, specs, err := st.rungTrials(0, div, nil)
		if err != nil {
			return nil, err
		}
		tuneInfo = &TuningInfo{Trials: tu.Trials, Sampler: tu.Sampler, SamplerSeed: tu.SamplerSeed, Seeds: tu.Seeds,
			Validation: tu.Validation, ValidationSeed: tu.ValidationSeed, Metric: tuningMetric(hasTarget), Configs: configs,
			Halving: tu.Halving, Eta: tu.Eta}
		later, err := st.trials()
		if err != nil {
			return nil, err
		}
		rn.count(st.shardOf(specs))
		rn.count(st.shardOf(later))
		byKey := map[string]*Trial{}
		for rung := 0; rung < R; rung++ {
			if rung > 0 {
				alive := survivors(scoreConfigs(tuneInfo, byKey, hasTarget), rung-1, tu.Eta)
				div /= tu.Eta
				configs, specs, err = st.rungTrials(rung, div, alive)
				if err != nil {
					return nil, err
				}
				tuneInfo.Configs = append(tuneInfo.Configs, configs...)
				rn.count(st.shardOf(specs))
			}
			info := st.info()
			info.Tune = tuneInfo
			if st.Dir != "" {
				if err := writeStudyInfo(st.Dir, info); err != nil {
					return nil, err
				}
			}
			done := rn.run(ctx, "tuning", st.shardOf(specs))
			tuned = append(tuned, done...)
			for _, t := range done {
				byKey[t.Key] = t
			}
			if err := ctx.Err(); err != nil {
				res := newResults(info, tuned)
				if st.Dir != "" {
					res.Write(st.Dir, nil)
				}
				return res, err
			}
			// A shard needs every tuning trial of the rung to choose: the
			// other shards' come from their directories.
			missing := 0
			for _, t := range specs {
				if byKey[t.key] != nil {
					continue
				}
				if tr := st.findTuned(t); tr != nil {
					byKey[t.key] = tr
					tuned = append(tuned, tr)
					continue
				}
				missing++
			}
			if missing > 0 {
				res := newResults(info, tuned)
				if st.Dir != "" {
					res.Write(st.Dir, nil)
				}
				return res, errors.Wrapf(ErrTuningIncomplete, "compare: shard %s: %d of the %d tuning trials of rung %d are not finished in %s or the other shards' directories (Study.TuneDirs); run the other shards, then this one again",
					st.Shard, missing, len(specs), rung, st.Dir)
			}
		}
		chosen := map[[2]string]string{}
		for _, c := range scoreConfigs(tuneInfo, byKey, hasTarget) {
			if c.Chosen {
				chosen[[2]string{c.Problem, c.Strategy}] = c.Spec
			}
		}
		// One problem at a time: a strategy's chosen configuration may
		// differ between problems.
		var probs []Problem
		all := slices.Clone(st.Problems)
		for pi := range all {
			st.Problems = all[pi : pi+1]
			strats := slices.Clone(st.Strategies)
			for si, s := range strats {
				if !s.IsTunable() {
					continue
				}
				spec, ok := chosen[[2]string{all[pi].Name, s.DisplayName()}]
				if !ok {
					return nil, errors.Errorf("compare: problem %q, strategy %q: no tuning configuration finished", all[pi].Name, s.DisplayName())
				}
				c, err := ParseStrategy(spec)
				if err != nil {
					return nil, errors.WithMessage(err, "compare: the chosen configuration")
				}
				c.Name = s.DisplayName()
				strats[si] = c
			}
			rn.chosen = append(rn.chosen, strats)
			probs = append(probs, all[pi])
		}
		st.Problems = probs
	}
	all, err := rn.finalTrials()
	if err != nil {
		return nil, err
	}
	var todo []trialSpec
	for _, t := range all {
		if st.Shard.has(t.index) {
			todo = append(todo, t)
		}
	}
	if st.Tune == nil {
		rn.count(todo)
	}
	info := st.info()
	info.TrialKeys = nil
	for _, t := range all {
		info.TrialKeys = append(info.TrialKeys, t.key)
	}
	if st.Tune != nil {
		info.Tune = tuneInfo
		for i, s := range st.Strategies {
			if s.IsTunable() {
				info.Strategies[i].Tunable = s.String()
				if len(st.Problems) == 1 {
					info.Strategies[i].Text = rn.chosen[0][i].String()
				}
			}
		}
	}
	if st.Dir != "" {
		if err := writeStudyInfo(st.Dir, info); err != nil {
			return nil, err
		}
	}
	finished := rn.run(ctx, "", todo)
	res := newResults(info, append(tuned, finished...))
	writeErr := rn.writeErr
	if st.Dir != "" {
		if err := res.Write(st.Dir, st.Plotter); err != nil && writeErr == nil {
			writeErr = err
		}
	}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	return res, writeErr
}

// ErrTuningIncomplete is matched (errors.Is) by Run's error when a shard
// of a tuned study has run its share of the tuning trials but the other
// shards' are not finished yet (see Study.TuneDirs): run the other shards,
// then this one again — it reuses its finished trials and goes on.
var ErrTuningIncomplete = errors.New("compare: the tuning phase is incomplete")

// shardOf returns the trials of ts that are this shard's.
func (st *Study) shardOf(ts []trialSpec) []trialSpec {
	if st.Shard.Count <= 1 {
		return ts
	}
	var out []trialSpec
	for _, t := range ts {
		if st.Shard.has(t.index) {
			out = append(out, t)
		}
	}
	return out
}

// findTuned looks for a finished tuning trial in Dir and TuneDirs.
func (st *Study) findTuned(t trialSpec) *Trial {
	for _, d := range append([]string{st.Dir}, st.TuneDirs...) {
		if d == "" {
			continue
		}
		if tr, err := readTrial(d, t.key); err == nil && tr.Fingerprint == t.finger && tr.Status != StatusFailed {
			return tr
		}
	}
	return nil
}

// runner runs the phases of a study, sharing the progress count and the
// worker pool's settings.
type runner struct {
	st       *Study
	start    time.Time
	temps    []string
	mu       sync.Mutex
	prog     Progress
	writeErr error
	running  map[int]string // trial index → description, see Progress.Running
	order    []int          // running trials in start order
	// chosen[p] are the strategies of problem p after tuning (the chosen
	// configuration in place of each tunable one); nil without Tune.
	chosen [][]Strategy
}

// count adds trials to the progress totals.
func (rn *runner) count(ts []trialSpec) {
	rn.prog.Trials += len(ts)
	for _, t := range ts {
		rn.prog.Steps += t.total
	}
}

// finalTrials lists the study's trials: those of st.trials(), with each
// tunable strategy replaced by its chosen configuration.
func (rn *runner) finalTrials() ([]trialSpec, error) {
	st := rn.st
	if rn.chosen == nil {
		return st.trials()
	}
	var out []trialSpec
	for pi := range st.Problems {
		ts, err := st.problemTrials(&st.Problems[pi], rn.chosen[pi], st.Seeds, len(out))
		if err != nil {
			return nil, err
		}
		out = append(out, ts...)
	}
	return out, nil
}

// describe is a running trial's Progress.Running entry.
func describe(t trialSpec, step int) string {
	s := fmt.Sprintf("%s seed %d step %d/%d", t.strategy.DisplayName(), t.seed, step, t.total)
	if t.phase == "tune" {
		s = fmt.Sprintf("%s config %d seed %d step %d/%d", t.strategy.DisplayName(), t.config, t.seed, step, t.total)
	}
	return s
}

// track records (step ≥ 0) or forgets (step < 0) a running trial.
func (rn *runner) track(i int, t trialSpec, step int) {
	if rn.running == nil {
		rn.running = map[int]string{}
	}
	if step < 0 {
		delete(rn.running, i)
		rn.order = slices.DeleteFunc(rn.order, func(j int) bool { return j == i })
	} else {
		if _, ok := rn.running[i]; !ok {
			rn.order = append(rn.order, i)
		}
		rn.running[i] = describe(t, step)
	}
	rn.prog.Running = rn.prog.Running[:0]
	for _, j := range rn.order {
		rn.prog.Running = append(rn.prog.Running, rn.running[j])
	}
}

func (rn *runner) report(update func(*Progress)) {
	rn.mu.Lock()
	defer rn.mu.Unlock()
	update(&rn.prog)
	rn.prog.Elapsed = time.Since(rn.start)
	if rn.st.Progress != nil {
		rn.st.Progress(rn.prog)
	}
}

// run runs the trials of one phase not already finished in Dir and
// returns every finished one (found or run), in the order of todo.
func (rn *runner) run(ctx context.Context, phase string, todo []trialSpec) []*Trial {
	st := rn.st
	results := make([]*Trial, len(todo))
	plan := Plan{Dir: st.Dir, Phase: phase, Trials: len(todo), Fresh: st.Fresh, RemovedTemps: rn.temps}
	rn.temps = nil
	var queue []int
	for i, t := range todo {
		if st.Dir != "" && !st.Fresh {
			tr, err := readTrial(st.Dir, t.key)
			switch {
			case err == nil && tr.Fingerprint == t.finger && tr.Status != StatusFailed:
				results[i] = tr
				plan.Found++
				rn.report(func(p *Progress) {
					p.TrialsDone++
					p.Skipped++
					p.StepsDone += t.total
					p.Trial = tr
				})
				continue
			case err == nil && tr.Status == StatusFailed:
				plan.Recomputed = append(plan.Recomputed, trialPath(st.Dir, t.key)+": failed before ("+tr.Error+"), run again")
			case err == nil:
				plan.Recomputed = append(plan.Recomputed, trialPath(st.Dir, t.key)+": fingerprint mismatch, run again")
			case errors.Is(err, errBadTrialFile):
				plan.Recomputed = append(plan.Recomputed, err.Error()+"; run again")
			}
		}
		queue = append(queue, i)
	}
	plan.ToRun = len(queue)
	if st.OnPlan != nil {
		st.OnPlan(plan)
	}
	rn.report(func(p *Progress) { p.Phase = phase; p.Trial = nil })
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range min(st.Parallel, max(1, len(queue))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				t := todo[i]
				done := 0
				rn.report(func(p *Progress) { rn.track(i, t, 0); p.Trial = nil })
				tr := st.runTrial(ctx, t, func(step int) {
					rn.report(func(p *Progress) {
						p.StepsDone += step - done
						p.StepsRun += step - done
						p.Trial = nil
						rn.track(i, t, step)
					})
					done = step
				})
				if tr == nil { // cancelled
					rn.mu.Lock()
					rn.track(i, t, -1)
					rn.mu.Unlock()
					continue
				}
				if st.Dir != "" {
					if err := writeTrial(st.Dir, tr); err != nil {
						rn.mu.Lock()
						if rn.writeErr == nil {
							rn.writeErr = err
						}
						rn.mu.Unlock()
					}
				}
				results[i] = tr
				rn.report(func(p *Progress) {
					p.TrialsDone++
					p.StepsDone += t.total - done
					p.Trial = tr
					rn.track(i, t, -1)
				})
			}
		}()
	}
feed:
	for _, i := range queue {
		select {
		case jobs <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	var finished []*Trial
	for _, tr := range results {
		if tr != nil {
			finished = append(finished, tr)
		}
	}
	return finished
}

// newTrial is the record of t before it runs.
func newTrial(t trialSpec) *Trial {
	solver, schedule, reg := t.strategy.parts()
	return &Trial{
		Key: t.key, Fingerprint: t.finger, Problem: t.problem.Name, Strategy: t.strategy.DisplayName(),
		Solver: solver, Schedule: schedule, Regularizer: reg,
		Seed: t.seed, Status: StatusOK, BudgetSteps: t.total,
		StepsToTarget: -1, SecondsToTarget: math.NaN(), Phase: t.phase, Config: t.config,
	}
}

// runTrial trains one model and returns its record, or nil if ctx was
// cancelled before it finished. onStep is called at each evaluation point
// with the number of optimizer steps done.
//
// A trial of a network problem is a configured graph.Trainer: a budget of
// t.total steps, an evaluation at step 0, every EvalEvery steps, at each
// epoch end and at the end, and one hook that records the curve and stops
// at the target.
func (st *Study) runTrial(ctx context.Context, t trialSpec, onStep func(int)) *Trial {
	if t.problem.IsAnalytic() {
		return st.runAnalytic(ctx, t, onStep)
	}
	tr := newTrial(t)
	fail := func(err error) *Trial {
		if ctx.Err() != nil {
			return nil
		}
		if errors.Is(err, graph.ErrDiverged) {
			tr.Status = StatusDiverged
		} else {
			tr.Status = StatusFailed
		}
		tr.Error = fmt.Sprintf("after %d steps: %v", tr.Steps, err)
		tr.finish(st.Target)
		return tr
	}
	sol, sch, pen, err := t.strategy.build(t.total)
	if err != nil {
		return fail(err)
	}
	cfg := t.problem.Config
	cfg.Seed = t.seed
	cfg.Penalty = pen
	net := t.problem.Net()
	if t.strategy.Regularizer != "" {
		_, p, err := parseRegularizers(t.strategy.Regularizer)
		if err != nil {
			return fail(err)
		}
		if p > 0 {
			if net, err = withDropout(net, p); err != nil {
				return fail(err)
			}
		}
	}
	cfg.Threads = max(st.TrialThreads, 1)
	m, err := graph.NewModel(net, cfg)
	if err != nil {
		return fail(err)
	}
	defer m.Close()

	var epochLoss float64 // training-batch losses of the current epoch
	var epochN int
	record := graph.Hook{
		Name: "compare",
		OnStep: func(s graph.StepStats) error {
			if s.Epoch != tr.Epochs {
				epochLoss, epochN = 0, 0
			}
			tr.Steps, tr.Epochs = s.Step+1, s.Epoch
			epochLoss += s.Loss
			epochN++
			return nil
		},
		OnEval: func(e graph.EvalStats) error {
			p := Point{Step: e.Step, Epoch: e.Epoch, Seconds: e.Seconds, TrainLoss: e.TrainLoss, TestLoss: e.TestLoss, TestAcc: e.TestAcc, LR: e.LR}
			tr.Curve = append(tr.Curve, p)
			onStep(e.Step)
			if tr.StepsToTarget < 0 && st.Target.reached(e.TestLoss, e.TestAcc) {
				tr.StepsToTarget, tr.SecondsToTarget = e.Step, e.Seconds
				if st.StopAtTarget {
					return graph.ErrStop
				}
			}
			return nil
		},
	}
	hyper, err := t.strategy.hyper(sol, t.total)
	if err != nil {
		return fail(err)
	}
	trainer := graph.Trainer{
		Solver: sol, Schedule: sch, Hyper: hyper, Steps: t.total, Seed: t.seed,
		EvalEvery: st.EvalEvery, EvalAtStart: true, Hooks: []graph.Hook{record},
	}
	start := time.Now()
	hist, err := trainer.Fit(ctx, m, t.problem.Train, t.problem.Eval)
	tr.Seconds = hist.Seconds
	tr.WallSeconds = time.Since(start).Seconds()
	if epochN > 0 {
		tr.FinalTrainLoss = epochLoss / float64(epochN)
	}
	tr.LRs = thin(hist.LRs, maxLRs)
	if err != nil {
		return fail(err)
	}
	tr.finish(st.Target)
	return tr
}

// maxLRs bounds the learning-rate series kept per trial.
const maxLRs = 2000

// thin returns at most n (step, value) pairs of xs, evenly spaced, always
// keeping the first and the last.
func thin(xs []float64, n int) [][2]float64 {
	if len(xs) == 0 {
		return nil
	}
	stride := max(1, (len(xs)+n-1)/n)
	var out [][2]float64
	for i := 0; i < len(xs); i += stride {
		out = append(out, [2]float64{float64(i), xs[i]})
	}
	if last := len(xs) - 1; last%stride != 0 {
		out = append(out, [2]float64{float64(last), xs[last]})
	}
	return out
}
