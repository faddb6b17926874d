package algoperf

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/pkg/errors"

	"github.com/convergo/convergo/compare"
	"github.com/convergo/convergo/compare/internal/dirnames"
)

// MeasurementsFile is the name of the CSV file in each trial directory, as
// AlgoPerf's scoring_utils.MEASUREMENTS_FILENAME.
const MeasurementsFile = "eval_measurements.csv"

// TrialFile is the name of the JSON file that describes the convergo trial
// behind each trial directory.
const TrialFile = "convergo_trial.json"

// Columns are the columns of eval_measurements.csv, in order.
var Columns = []string{
	"accumulated_submission_time", "global_step", "preemption_count", "score",
	"train/loss", "validation/accuracy", "validation/loss", "validation/num_examples",
}

// Options adjust Write. The zero value (or nil) is the default.
type Options struct {
	// Workload names a problem's workload directory, before the names are
	// made safe (default: the problem's name). Use it to give a problem the
	// name of the AlgoPerf workload it is, such as "mnist_jax", so that
	// AlgoPerf's scorer finds its target.
	Workload func(problem string) string
}

// Write writes r under dir in AlgoPerf's layout with the default Options;
// see the package doc for the mapping and the columns.
func Write(dir string, r *compare.Results) error { return WriteOptions(dir, r, nil) }

// WriteOptions is Write with options (nil means the defaults).
func WriteOptions(dir string, r *compare.Results, o *Options) error {
	if r == nil {
		return errors.New("algoperf: Write: nil results")
	}
	var opt Options
	if o != nil {
		opt = *o
	}
	workload := func(p string) string { return p }
	if opt.Workload != nil {
		workload = opt.Workload
	}

	// study_<j>: the seed's index in the study, else in order of appearance.
	study := map[uint64]int{}
	for _, s := range r.Study.Seeds {
		if _, ok := study[s]; !ok {
			study[s] = len(study)
		}
	}
	rows := map[string]int{}
	for _, p := range r.Study.Problems {
		rows[p.Name] = p.EvalRows
	}
	subs, works := dirnames.New(), dirnames.New()
	for _, t := range r.Trials {
		if _, ok := study[t.Seed]; !ok {
			study[t.Seed] = len(study)
		}
		if len(t.Curve) == 0 {
			continue
		}
		td := filepath.Join(dir, subs.Name(t.Strategy, safe), fmt.Sprintf("study_%d", study[t.Seed]),
			works.Name(workload(t.Problem), safe), "trial_1")
		if err := os.MkdirAll(td, 0o755); err != nil {
			return errors.Wrap(err, "algoperf")
		}
		if err := compare.WriteFileAtomic(filepath.Join(td, MeasurementsFile), measurements(t, rows[t.Problem])); err != nil {
			return err
		}
		b, err := json.MarshalIndent(trialInfo{t.Problem, t.Strategy, t.Solver, t.Schedule, t.Regularizer, t.Seed, t.Status, t.Error}, "", "  ")
		if err != nil {
			return errors.Wrap(err, "algoperf")
		}
		if err := compare.WriteFileAtomic(filepath.Join(td, TrialFile), append(b, '\n')); err != nil {
			return err
		}
	}
	return nil
}

// trialInfo is the content of TrialFile.
type trialInfo struct {
	Problem     string `json:"problem"`
	Strategy    string `json:"strategy"`
	Solver      string `json:"solver"`
	Schedule    string `json:"schedule,omitempty"`
	Regularizer string `json:"regularizer,omitempty"`
	Seed        uint64 `json:"seed"`
	Status      string `json:"status"`
	Error       string `json:"error,omitempty"`
}

// measurements is the eval_measurements.csv of a trial. No field needs
// quoting: all are numbers.
func measurements(t *compare.Trial, evalRows int) []byte {
	var b []byte
	b = append(b, strings.Join(Columns, ",")...)
	b = append(b, '\n')
	n := ""
	if evalRows > 0 {
		n = strconv.Itoa(evalRows)
	}
	for _, p := range t.Curve {
		for i, f := range []string{num(p.Seconds), strconv.Itoa(p.Step), "0", num(p.Seconds),
			num(p.TrainLoss), num(p.TestAcc), num(p.TestLoss), n} {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, f...)
		}
		b = append(b, '\n')
	}
	return b
}

// num formats v for pandas: shortest round-trip digits, NaN empty, ±Inf as
// inf and -inf.
func num(v float64) string {
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

// safe keeps [A-Za-z0-9._-] and replaces every other byte with '_'; "",
// "." and ".." become "_".
func safe(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			b[i] = '_'
		}
	}
	out := string(b)
	if out == "" || out == "." || out == ".." {
		out = "_"
	}
	return out
}
