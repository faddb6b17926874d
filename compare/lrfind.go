package compare

import (
	"context"
	"io"
	"math"
	"strconv"

	"github.com/pkg/errors"

	"github.com/convergo/convergo/graph"
	"github.com/convergo/convergo/lrsched"
)

// LRFindOptions tune LRFind; the zero value (and each zero field) means
// fastai's lr_find defaults.
type LRFindOptions struct {
	Start, End float64 // the rate of the first and last step (1e-7, 10)
	Steps      int     // steps of the ramp (100)
	// Beta is the factor of the exponential moving average that smooths
	// the loss, debiased (0.98).
	Beta float64
	// StopFactor stops the test once the smoothed loss exceeds StopFactor
	// times its minimum (4).
	StopFactor float64
	Seed       uint64 // the weights' and the batch order's seed (1)
}

func (o *LRFindOptions) defaults() {
	if o.Start == 0 {
		o.Start = 1e-7
	}
	if o.End == 0 {
		o.End = 10
	}
	if o.Steps == 0 {
		o.Steps = 100
	}
	if o.Beta == 0 {
		o.Beta = 0.98
	}
	if o.StopFactor == 0 {
		o.StopFactor = 4
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
}

// LRFindResult is one learning-rate range test.
type LRFindResult struct {
	Problem, Solver string
	// LRs[i], Losses[i] and Smoothed[i] are the rate, the training-batch
	// loss and its smoothed value of step i; the test stops early when
	// the loss diverges.
	LRs, Losses, Smoothed []float64
	// Diverged reports that the test stopped before its last step (the
	// smoothed loss passed StopFactor × its minimum, or became NaN/Inf).
	Diverged bool
	// The suggestions, computed as fastai's on the smoothed losses without
	// the first tenth and the last 5 points: Valley (the default there),
	// the rate two thirds of the way down the longest decreasing run of
	// the curve; Steepest, the rate of the most negative slope of the loss
	// against log lr; MinOver10, a tenth of the rate of the lowest loss.
	// NaN when the curve is too short.
	Valley, Steepest, MinOver10 float64
}

// LRFind runs the learning-rate range test (Smith 2017, "Cyclical Learning
// Rates for Training Neural Networks", §3.3; fastai's lr_find): a fresh
// model of the classification problem p, trained by the solver of
// solverSpec for Steps steps while the rate ramps exponentially from Start
// to End, stopping when the smoothed loss diverges. The curve shows where
// the loss falls fastest and where it blows up, which bounds a search
// space (loguniform(Valley/10, Valley·10), say). The solver's own lr is
// overridden by the ramp.
func LRFind(ctx context.Context, p Problem, solverSpec string, opt *LRFindOptions) (*LRFindResult, error) {
	var o LRFindOptions
	if opt != nil {
		o = *opt
	}
	o.defaults()
	switch {
	case p.IsAnalytic():
		return nil, errors.Errorf("compare: LRFind: problem %q is analytic; the range test is for networks", p.Name)
	case p.Net == nil || p.Train == nil:
		return nil, errors.Errorf("compare: LRFind: problem %q has no Net or Train set", p.Name)
	case !(o.Start > 0 && o.End > o.Start) || math.IsInf(o.End, 0):
		return nil, errors.Errorf("compare: LRFind: rates from %v to %v: want 0 < Start < End, finite", o.Start, o.End)
	case o.Steps < 2 || o.Steps > graph.MaxSteps:
		return nil, errors.Errorf("compare: LRFind: Steps = %d: want 2 to %d", o.Steps, graph.MaxSteps)
	case !(o.Beta >= 0 && o.Beta < 1) || !(o.StopFactor > 1):
		return nil, errors.Errorf("compare: LRFind: Beta %v, StopFactor %v: want 0 ≤ Beta < 1 and StopFactor > 1", o.Beta, o.StopFactor)
	}
	st := Strategy{Solver: solverSpec}
	sol, _, _, err := st.build(o.Steps)
	if err != nil {
		return nil, err
	}
	if _, ok := sol.(graph.LearnRater); !ok {
		return nil, errors.Errorf("compare: LRFind: solver %s has no SetLearnRate", solverSpec)
	}
	cfg := p.Config
	cfg.Seed = o.Seed
	m, err := graph.NewModel(p.Net(), cfg)
	if err != nil {
		return nil, err
	}
	defer m.Close()
	ratio := math.Log(o.End / o.Start)
	ramp := lrsched.Func(func(t int) float64 { return o.Start * math.Exp(ratio*float64(t)/float64(o.Steps-1)) })
	res := &LRFindResult{Problem: p.Name, Solver: solverSpec}
	var avg float64
	best := math.Inf(1)
	record := graph.Hook{Name: "lrfind", OnStep: func(s graph.StepStats) error {
		avg = o.Beta*avg + (1-o.Beta)*s.Loss
		sm := avg / (1 - math.Pow(o.Beta, float64(s.Step+1)))
		res.LRs = append(res.LRs, s.LR)
		res.Losses = append(res.Losses, s.Loss)
		res.Smoothed = append(res.Smoothed, sm)
		best = min(best, sm)
		if sm > o.StopFactor*best || math.IsNaN(sm) || math.IsInf(sm, 0) {
			res.Diverged = true
			return graph.ErrStop
		}
		return nil
	}}
	tr := graph.Trainer{Solver: sol, Schedule: ramp, Steps: o.Steps, Seed: o.Seed, Hooks: []graph.Hook{record}}
	if _, err := tr.Fit(ctx, m, p.Train, nil); err != nil {
		if !errors.Is(err, graph.ErrDiverged) {
			return res, err
		}
		res.Diverged = true
	}
	res.suggest()
	return res, nil
}

// suggest fills the suggestions from the smoothed curve, as fastai's
// lr_find does (callback/schedule.py, valley, steep and minimum).
func (r *LRFindResult) suggest() {
	r.Valley, r.Steepest, r.MinOver10 = math.NaN(), math.NaN(), math.NaN()
	n := len(r.Smoothed)
	from, to := n/10, n-5
	if to-from < 3 {
		return
	}
	lrs, loss := r.LRs[from:to], r.Smoothed[from:to]
	// The minimum, divided by 10.
	imin := 0
	for i, v := range loss {
		if v < loss[imin] {
			imin = i
		}
	}
	r.MinOver10 = lrs[imin] / 10
	// The steepest slope in log lr.
	isteep, g := -1, math.Inf(1)
	for i := 1; i < len(loss); i++ {
		if d := (loss[i] - loss[i-1]) / (math.Log(lrs[i]) - math.Log(lrs[i-1])); d < g {
			isteep, g = i-1, d
		}
	}
	if isteep >= 0 {
		r.Steepest = lrs[isteep]
	}
	// The longest valley: the longest strictly decreasing subsequence, and
	// the point two thirds down it.
	m := len(loss)
	lds := make([]int, m)
	maxStart, maxEnd := 0, 0
	for i := range lds {
		lds[i] = 1
	}
	for i := 1; i < m; i++ {
		for j := 0; j < i; j++ {
			if loss[i] < loss[j] && lds[i] < lds[j]+1 {
				lds[i] = lds[j] + 1
			}
			if lds[maxEnd] < lds[i] {
				maxEnd = i
				maxStart = maxEnd - lds[maxEnd]
			}
		}
	}
	sections := float64(maxEnd-maxStart) / 3
	idx := maxStart + int(sections) + int(sections/2)
	r.Valley = lrs[min(max(idx, 0), m-1)]
}

// WriteCSV writes the test as CSV: step, lr, loss, smoothed_loss.
func (r *LRFindResult) WriteCSV(w io.Writer) error {
	b := []byte("problem,solver,step,lr,loss,smoothed_loss\n")
	for i := range r.LRs {
		b = append(b, csvField(r.Problem)+","+csvField(r.Solver)+","+strconv.Itoa(i)+","+csvNum(r.LRs[i])+","+csvNum(r.Losses[i])+","+csvNum(r.Smoothed[i])+"\n"...)
	}
	_, err := w.Write(b)
	return err
}
