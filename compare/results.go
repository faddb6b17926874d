package compare

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/pkg/errors"
)

// Trial statuses.
const (
	StatusOK       = "ok"       // ran its budget (or stopped at the target)
	StatusDiverged = "diverged" // a loss became NaN or ±Inf
	StatusFailed   = "failed"   // any other error (rerun on resume)
)

// Point is one evaluation of a trial: at step 0 (initial weights), every
// Study.EvalEvery steps, at each epoch end and at the end of the budget.
type Point struct {
	Step  int // optimizer steps done
	Epoch int // the epoch in progress (0 before training)
	// Seconds is the training wall time so far, evaluations excluded.
	Seconds float64
	// TrainLoss is the mean training-batch loss (penalty included) over
	// the steps since the previous point; NaN at step 0.
	TrainLoss float64
	TestLoss  float64 // validation cross-entropy
	TestAcc   float64 // validation accuracy
	LR        float64 // learning rate of the last step (the solver's initial rate at step 0)
}

// Trial is the record of one (problem, strategy, seed) run.
type Trial struct {
	Key         string // file name stem under Dir/trials
	Fingerprint string // hash of everything the result depends on
	Problem     string
	Strategy    string // display name
	Solver      string
	Schedule    string
	Regularizer string
	Seed        uint64
	Status      string // StatusOK, StatusDiverged or StatusFailed
	Error       string // for diverged and failed trials
	BudgetSteps int
	Epochs      int // epochs begun
	Steps       int // optimizer steps done
	// Final figures, NaN unless Status is ok. FinalTrainLoss is the mean
	// training-batch loss over the last (possibly partial) epoch.
	FinalTrainLoss, FinalTestLoss, FinalTestAcc float64
	// Best validation figures over the curve.
	BestTestAcc, BestTestLoss float64
	// AULC is the area under the validation-loss curve divided by the
	// budget: (1/S)∫₀^S L(s) ds by the trapezoid rule over the evaluation
	// points, S the budget in steps. +Inf unless Status is ok.
	AULC float64
	// StepsToTarget is the step of the first evaluation point at which the
	// target held, -1 if none; SecondsToTarget its Point.Seconds (NaN).
	StepsToTarget   int
	SecondsToTarget float64
	// Seconds is the training wall time (evaluations excluded);
	// WallSeconds includes them.
	Seconds, WallSeconds float64
	Curve                []Point
	// LRs holds (step, learning rate) pairs: every step, or evenly thinned
	// to at most 2000 pairs.
	LRs [][2]float64
	// Phase is "tune" for a trial of the tuning phase (see Tuning), scored
	// on the validation split, and "" for a trial of the study; Config is
	// a tuning trial's configuration index.
	Phase  string
	Config int
}

// Reached reports whether the trial reached the study's target.
func (t *Trial) Reached() bool { return t.StepsToTarget >= 0 }

// finish fills the summary figures from the curve.
func (t *Trial) finish(target Target) {
	nan := math.NaN()
	t.FinalTestLoss, t.FinalTestAcc, t.BestTestAcc, t.BestTestLoss, t.AULC = nan, nan, nan, nan, math.Inf(1)
	if t.Status != StatusOK {
		t.FinalTrainLoss = nan
	}
	for _, p := range t.Curve {
		if math.IsNaN(t.BestTestAcc) || p.TestAcc > t.BestTestAcc {
			t.BestTestAcc = p.TestAcc
		}
		if math.IsNaN(t.BestTestLoss) || p.TestLoss < t.BestTestLoss {
			t.BestTestLoss = p.TestLoss
		}
	}
	if t.Status != StatusOK || len(t.Curve) == 0 {
		return
	}
	last := t.Curve[len(t.Curve)-1]
	t.FinalTestLoss, t.FinalTestAcc = last.TestLoss, last.TestAcc
	t.AULC = aulc(t.Curve, t.BudgetSteps)
}

// aulc integrates the validation loss over steps [0, budget] by the
// trapezoid rule and divides by budget. A curve that stops early (at the
// target) is continued flat at its last value.
func aulc(c []Point, budget int) float64 {
	if budget <= 0 || len(c) == 0 {
		return math.NaN()
	}
	var a float64
	for i := 1; i < len(c); i++ {
		a += float64(c[i].Step-c[i-1].Step) * (c[i].TestLoss + c[i-1].TestLoss) / 2
	}
	last := c[len(c)-1]
	if last.Step < budget {
		a += float64(budget-last.Step) * last.TestLoss
	}
	return a / float64(budget)
}

// ---- JSON with NaN and ±Inf ----

// jf is a float64 that encodes NaN as null and ±Inf as "+Inf"/"-Inf".
type jf float64

func (f jf) MarshalJSON() ([]byte, error) { return appendNum(nil, float64(f)), nil }

func (f *jf) UnmarshalJSON(b []byte) error {
	switch s := string(b); s {
	case "null":
		*f = jf(math.NaN())
	case `"+Inf"`:
		*f = jf(math.Inf(1))
	case `"-Inf"`:
		*f = jf(math.Inf(-1))
	default:
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return errors.Errorf("compare: bad number %s", s)
		}
		*f = jf(v)
	}
	return nil
}

func appendNum(b []byte, v float64) []byte {
	switch {
	case math.IsNaN(v):
		return append(b, "null"...)
	case math.IsInf(v, 1):
		return append(b, `"+Inf"`...)
	case math.IsInf(v, -1):
		return append(b, `"-Inf"`...)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}

type pointJSON struct {
	Step      int `json:"step"`
	Epoch     int `json:"epoch"`
	Seconds   jf  `json:"seconds"`
	TrainLoss jf  `json:"train_loss"`
	TestLoss  jf  `json:"test_loss"`
	TestAcc   jf  `json:"test_acc"`
	LR        jf  `json:"lr"`
}

// MarshalJSON writes the point with snake_case keys, NaN as null.
func (p Point) MarshalJSON() ([]byte, error) {
	return json.Marshal(pointJSON{p.Step, p.Epoch, jf(p.Seconds), jf(p.TrainLoss), jf(p.TestLoss), jf(p.TestAcc), jf(p.LR)})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (p *Point) UnmarshalJSON(b []byte) error {
	var j pointJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*p = Point{j.Step, j.Epoch, float64(j.Seconds), float64(j.TrainLoss), float64(j.TestLoss), float64(j.TestAcc), float64(j.LR)}
	return nil
}

type trialJSON struct {
	Key             string       `json:"key"`
	Fingerprint     string       `json:"fingerprint"`
	Problem         string       `json:"problem"`
	Strategy        string       `json:"strategy"`
	Solver          string       `json:"solver"`
	Schedule        string       `json:"schedule"`
	Regularizer     string       `json:"regularizer"`
	Seed            uint64       `json:"seed"`
	Status          string       `json:"status"`
	Error           string       `json:"error,omitempty"`
	BudgetSteps     int          `json:"budget_steps"`
	Epochs          int          `json:"epochs"`
	Steps           int          `json:"steps"`
	FinalTrainLoss  jf           `json:"final_train_loss"`
	FinalTestLoss   jf           `json:"final_test_loss"`
	FinalTestAcc    jf           `json:"final_test_acc"`
	BestTestAcc     jf           `json:"best_test_acc"`
	BestTestLoss    jf           `json:"best_test_loss"`
	AULC            jf           `json:"aulc"`
	StepsToTarget   int          `json:"steps_to_target"`
	SecondsToTarget jf           `json:"seconds_to_target"`
	Seconds         jf           `json:"seconds"`
	WallSeconds     jf           `json:"wall_seconds"`
	Curve           []Point      `json:"curve"`
	LRs             [][2]float64 `json:"lrs"`
	Phase           string       `json:"phase,omitempty"`
	Config          int          `json:"config,omitempty"`
}

// MarshalJSON writes the trial with snake_case keys, NaN as null.
func (t Trial) MarshalJSON() ([]byte, error) {
	return json.Marshal(trialJSON{t.Key, t.Fingerprint, t.Problem, t.Strategy, t.Solver, t.Schedule, t.Regularizer, t.Seed,
		t.Status, t.Error, t.BudgetSteps, t.Epochs, t.Steps, jf(t.FinalTrainLoss), jf(t.FinalTestLoss), jf(t.FinalTestAcc),
		jf(t.BestTestAcc), jf(t.BestTestLoss), jf(t.AULC), t.StepsToTarget, jf(t.SecondsToTarget), jf(t.Seconds), jf(t.WallSeconds),
		t.Curve, t.LRs, t.Phase, t.Config})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (t *Trial) UnmarshalJSON(b []byte) error {
	var j trialJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*t = Trial{j.Key, j.Fingerprint, j.Problem, j.Strategy, j.Solver, j.Schedule, j.Regularizer, j.Seed, j.Status, j.Error,
		j.BudgetSteps, j.Epochs, j.Steps, float64(j.FinalTrainLoss), float64(j.FinalTestLoss), float64(j.FinalTestAcc),
		float64(j.BestTestAcc), float64(j.BestTestLoss), float64(j.AULC), j.StepsToTarget, float64(j.SecondsToTarget),
		float64(j.Seconds), float64(j.WallSeconds), j.Curve, j.LRs, j.Phase, j.Config}
	return nil
}

// ---- files ----

// WriteFileAtomic writes data to path through a temporary file in the same
// directory and a rename, so a reader (or a resumed study) sees either the
// old file or the whole new one. The file is readable by everyone (mode
// 0644, less the umask), as files on shared cluster storage must be.
func WriteFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, tmpPrefix+filepath.Base(path)+"-*")
	if err != nil {
		return errors.Wrap(err, "compare")
	}
	tmp := f.Name()
	err = f.Chmod(0o644 &^ umask())
	if err == nil {
		_, err = f.Write(data)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return errors.Wrapf(err, "compare: writing %s", path)
	}
	return nil
}

// tmpPrefix starts the names of WriteFileAtomic's temporary files.
const tmpPrefix = ".tmp-"

// removeStaleTemps removes the temporary files of WriteFileAtomic in dir
// that a killed process left behind: those older than a minute (a younger
// one may belong to another process writing into the same directory).
func removeStaleTemps(dir string) []string {
	var removed []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), tmpPrefix) || e.IsDir() {
			continue
		}
		if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > time.Minute {
			if os.Remove(filepath.Join(dir, e.Name())) == nil {
				removed = append(removed, filepath.Join(dir, e.Name()))
			}
		}
	}
	return removed
}

func trialPath(dir, key string) string { return filepath.Join(dir, "trials", key+".json") }

// trialFile is the content of a trial file: the trial and the SHA-256 of
// its JSON encoding, so that an edited or damaged file is told apart from
// a result.
type trialFile struct {
	SHA256 string          `json:"sha256"`
	Trial  json.RawMessage `json:"trial"`
}

func writeTrial(dir string, t *Trial) error {
	if err := os.MkdirAll(filepath.Join(dir, "trials"), 0o755); err != nil {
		return errors.Wrap(err, "compare")
	}
	b, err := json.Marshal(t)
	if err != nil {
		return errors.Wrapf(err, "compare: encoding trial %s", t.Key)
	}
	f, err := json.Marshal(trialFile{SHA256: hashHex(string(b)), Trial: b})
	if err != nil {
		return errors.Wrapf(err, "compare: encoding trial %s", t.Key)
	}
	return WriteFileAtomic(trialPath(dir, t.Key), append(f, '\n'))
}

// errBadTrialFile is matched by readTrial's error for a file that exists
// but is not a trial file written by this version: corrupt, truncated,
// edited, or of an older format.
var errBadTrialFile = errors.New("not a valid trial file")

// maxTrialFile bounds the size of a trial file that readTrial reads.
const maxTrialFile = 256 << 20

func readTrial(dir, key string) (*Trial, error) {
	path := trialPath(dir, key)
	if fi, err := os.Stat(path); err == nil && fi.Size() > maxTrialFile {
		return nil, errors.Wrapf(errBadTrialFile, "compare: %s: %d bytes, more than the %d a trial file can have", path, fi.Size(), maxTrialFile)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f trialFile
	if err := json.Unmarshal(b, &f); err != nil || f.SHA256 == "" || len(f.Trial) == 0 {
		return nil, errors.Wrapf(errBadTrialFile, "compare: %s: unreadable (truncated, corrupt, or an older format)", path)
	}
	if hashHex(string(f.Trial)) != f.SHA256 {
		return nil, errors.Wrapf(errBadTrialFile, "compare: %s: checksum mismatch (the file was edited or damaged)", path)
	}
	var t Trial
	if err := json.Unmarshal(f.Trial, &t); err != nil {
		return nil, errors.Wrapf(errBadTrialFile, "compare: %s: %v", path, err)
	}
	if t.Key != key {
		return nil, errors.Wrapf(errBadTrialFile, "compare: %s holds trial %q", path, t.Key)
	}
	return &t, nil
}

// StudyInfo is the description of a study saved as study.json, enough to
// rebuild the report from the trial files (Load, Merge).
type StudyInfo struct {
	Problems      []ProblemInfo  `json:"problems"`
	Strategies    []StrategyInfo `json:"strategies"`
	Seeds         []uint64       `json:"seeds"`
	Epochs        int            `json:"epochs,omitempty"`
	Steps         int            `json:"steps,omitempty"`
	Target        Target         `json:"target"`
	StopAtTarget  bool           `json:"stop_at_target,omitempty"`
	EvalEvery     int            `json:"eval_every,omitempty"`
	Shard         string         `json:"shard,omitempty"`
	Bootstrap     int            `json:"bootstrap"`
	BootstrapSeed uint64         `json:"bootstrap_seed"`
	// TrialKeys are the keys of all the study's trials (every shard), in
	// the study's order.
	TrialKeys []string `json:"trial_keys"`
	// Tune describes the tuning phase and its configurations; nil for a
	// study without Tune.
	Tune *TuningInfo `json:"tune,omitempty"`
}

// ProblemInfo describes a Problem.
type ProblemInfo struct {
	Name string `json:"name"`
	// Kind is "" for a classification problem, KindAnalytic for an
	// analytic one; Description then describes the objective (dimension,
	// f*, start, ...) and the data fields are empty.
	Kind        string `json:"kind,omitempty"`
	Description string `json:"description,omitempty"`
	Train       string `json:"train"`
	TrainRows   int    `json:"train_rows"`
	Eval        string `json:"eval"`
	EvalRows    int    `json:"eval_rows"`
	Input       []int  `json:"input"`
	Classes     int    `json:"classes"`
	Batch       int    `json:"batch"`
	BudgetSteps int    `json:"budget_steps"`
	StepsEpoch  int    `json:"steps_per_epoch"`
}

// StrategyInfo is a strategy's display name and text form. For a tuned
// strategy Text is the configuration tuning chose and Tunable the text
// with its search spaces.
type StrategyInfo struct {
	Name    string `json:"name"`
	Text    string `json:"text"`
	Tunable string `json:"tunable,omitempty"`
}

func (st *Study) info() StudyInfo {
	all, _ := st.trials()
	in := StudyInfo{Seeds: st.Seeds, Epochs: st.Epochs, Steps: st.Steps, Target: st.Target, StopAtTarget: st.StopAtTarget,
		EvalEvery: st.EvalEvery, Shard: st.Shard.String(), Bootstrap: st.Bootstrap, BootstrapSeed: st.BootstrapSeed}
	if st.Steps > 0 {
		in.Epochs = 0
	}
	for _, p := range st.Problems {
		if p.IsAnalytic() {
			in.Problems = append(in.Problems, ProblemInfo{Name: p.Name, Kind: KindAnalytic, Description: p.Analytic.describe(),
				BudgetSteps: st.Steps})
			continue
		}
		pi := ProblemInfo{Name: p.Name, Train: p.Train.Name, TrainRows: p.Train.Len(), Eval: p.Eval.Name, EvalRows: p.Eval.Len(),
			Input: p.Config.Input, Classes: p.Config.Classes, Batch: p.Config.Batch}
		if pi.Batch == 0 {
			pi.Batch = 64
		}
		for _, t := range all {
			if t.problem.Name == p.Name {
				pi.BudgetSteps, pi.StepsEpoch = t.total, t.perEpoch
				break
			}
		}
		in.Problems = append(in.Problems, pi)
	}
	for _, s := range st.Strategies {
		in.Strategies = append(in.Strategies, StrategyInfo{Name: s.DisplayName(), Text: s.String()})
	}
	for _, t := range all {
		in.TrialKeys = append(in.TrialKeys, t.key)
	}
	return in
}

func (t Target) MarshalJSON() ([]byte, error) { return json.Marshal(t.String()) }

func (t *Target) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := ParseTarget(s)
	*t = v
	return err
}

func writeStudyInfo(dir string, in StudyInfo) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return errors.Wrap(err, "compare")
	}
	b, err := json.MarshalIndent(&in, "", "  ")
	if err != nil {
		return errors.Wrap(err, "compare: encoding study.json")
	}
	return WriteFileAtomic(filepath.Join(dir, "study.json"), append(b, '\n'))
}

func readStudyInfo(dir string) (StudyInfo, error) {
	var in StudyInfo
	b, err := os.ReadFile(filepath.Join(dir, "study.json"))
	if err != nil {
		return in, errors.Wrap(err, "compare")
	}
	if err := json.Unmarshal(b, &in); err != nil {
		return in, errors.Wrapf(err, "compare: %s", filepath.Join(dir, "study.json"))
	}
	return in, nil
}

// Load reads the results of a study from dir (study.json and the trial
// files) without running anything.
func Load(dir string) (*Results, error) {
	in, err := readStudyInfo(dir)
	if err != nil {
		return nil, err
	}
	var trials []*Trial
	for _, k := range allKeys(in) {
		t, err := readTrial(dir, k)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		trials = append(trials, t)
	}
	return newResults(in, trials), nil
}

// allKeys returns the keys of the tuning trials, then of the study's.
func allKeys(in StudyInfo) []string {
	var keys []string
	if in.Tune != nil {
		for _, c := range in.Tune.Configs {
			keys = append(keys, c.Trials...)
		}
	}
	return append(keys, in.TrialKeys...)
}

// ErrIncomplete is matched (errors.Is) by Merge's error when the shards
// hold only some of the study's trials: the combined results are still
// written (report.md says how many are missing), and the caller decides
// whether a partial study is acceptable.
var ErrIncomplete = errors.New("compare: the study is incomplete")

// Merge combines the directories of shards of one study (same study.json
// apart from the shard) into out: it copies their trial files to out/trials
// and writes the outputs of the combined results there, as Run does. A
// trial found in several directories is taken from the first. If trials
// are missing it writes the outputs all the same and returns the results
// with an error matching ErrIncomplete that says how many are missing.
func Merge(out string, p Plotter, dirs ...string) (*Results, error) {
	if len(dirs) == 0 {
		return nil, errors.New("compare: Merge: no directories")
	}
	for i, d := range dirs {
		if strings.TrimSpace(d) == "" {
			return nil, errors.Errorf("compare: Merge: directory %d of %d is empty (a stray comma?)", i+1, len(dirs))
		}
	}
	var in StudyInfo
	var trials []*Trial
	have := map[string]bool{}
	for i, d := range dirs {
		di, err := readStudyInfo(d)
		if err != nil {
			return nil, err
		}
		di.Shard = ""
		if i == 0 {
			in = di
		} else if !sameStudy(in, di) {
			return nil, errors.Errorf("compare: Merge: %s holds a different study from %s", d, dirs[0])
		}
		for _, k := range allKeys(di) {
			if have[k] {
				continue
			}
			t, err := readTrial(d, k)
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			if err != nil {
				return nil, err
			}
			have[k] = true
			trials = append(trials, t)
		}
	}
	if err := writeStudyInfo(out, in); err != nil {
		return nil, err
	}
	for _, t := range trials {
		if err := writeTrial(out, t); err != nil {
			return nil, err
		}
	}
	res := newResults(in, trials)
	if err := res.Write(out, p); err != nil {
		return res, err
	}
	if n := len(allKeys(in)); len(trials) < n {
		return res, errors.Wrapf(ErrIncomplete, "compare: Merge: %d of the study's %d trials are in %s", len(trials), n, strings.Join(dirs, ", "))
	}
	return res, nil
}

func sameStudy(a, b StudyInfo) bool {
	ja, _ := json.Marshal(&a)
	jb, _ := json.Marshal(&b)
	return bytes.Equal(ja, jb)
}

// ---- results.csv and curves.jsonl ----

// CSVColumns are the columns of results.csv, in order. The time columns
// (seconds_to_target, seconds, wall_seconds) are the only ones that vary
// between runs of the same study.
var CSVColumns = []string{"problem", "strategy", "solver", "schedule", "regularizer", "seed", "status",
	"epochs", "steps", "final_train_loss", "final_test_loss", "final_test_acc", "best_test_acc", "best_test_loss",
	"aulc", "steps_to_target", "seconds_to_target", "seconds", "wall_seconds", "diverged", "error"}

// WriteCSV writes results.csv: a header and one row per trial in the
// study's order. Numbers are written exactly (shortest round-trip form);
// missing values (NaN, no target reached) are empty; an infinite value
// (the AULC of a diverged or failed trial) is inf or -inf, which pandas,
// R, NumPy and Go's strconv all read as a number.
func (r *Results) WriteCSV(w io.Writer) error {
	var b []byte
	b = append(b, strings.Join(CSVColumns, ",")...)
	b = append(b, '\n')
	for _, t := range r.Trials {
		f := csvNum
		stt := ""
		if t.Reached() {
			stt = strconv.Itoa(t.StepsToTarget)
		}
		row := []string{t.Problem, t.Strategy, t.Solver, t.Schedule, t.Regularizer, strconv.FormatUint(t.Seed, 10), t.Status,
			strconv.Itoa(t.Epochs), strconv.Itoa(t.Steps), f(t.FinalTrainLoss), f(t.FinalTestLoss), f(t.FinalTestAcc),
			f(t.BestTestAcc), f(t.BestTestLoss), f(t.AULC), stt, f(t.SecondsToTarget), f(t.Seconds), f(t.WallSeconds),
			strconv.FormatBool(t.Status == StatusDiverged), t.Error}
		for i, c := range row {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, csvField(c)...)
		}
		b = append(b, '\n')
	}
	_, err := w.Write(b)
	return err
}

func csvField(s string) string {
	if !strings.ContainsAny(s, ",\"\n\r") {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// WriteCurves writes curves.jsonl: one JSON object per evaluation point of
// every trial, with the keys problem, strategy, seed, status, step, epoch,
// seconds, train_loss, test_loss, test_acc, lr (null for a missing value).
func (r *Results) WriteCurves(w io.Writer) error {
	var b []byte
	for _, t := range r.Trials {
		head, _ := json.Marshal(map[string]any{"problem": t.Problem, "strategy": t.Strategy, "seed": t.Seed, "status": t.Status})
		head = head[:len(head)-1] // drop '}'
		for _, p := range t.Curve {
			pj, _ := p.MarshalJSON()
			b = append(b, head...)
			b = append(b, ',')
			b = append(b, pj[1:]...)
			b = append(b, '\n')
		}
	}
	_, err := w.Write(b)
	return err
}

func slug(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '.':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	out := b.String()
	if len(out) > 40 {
		out = out[:40]
	}
	return out
}

func hashHex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}
