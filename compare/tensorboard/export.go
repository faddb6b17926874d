package tensorboard

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/pkg/errors"

	"github.com/convergo/convergo/compare"
	"github.com/convergo/convergo/compare/internal/dirnames"
)

// BaseWallTime is the wall time, in seconds since the Unix epoch, of a
// trial's start in the files Write makes: 2000-01-01T00:00:00Z. A fixed
// time keeps the files a pure function of the results.
const BaseWallTime = 946684800

// FileName is the name of the event file in each run directory, in
// TensorBoard's pattern events.out.tfevents.<time>.<host>.<pid>.<n> with
// fixed values: BaseWallTime, host "convergo", pid 0, n 0.
const FileName = "events.out.tfevents.0946684800.convergo.0.0"

// Tags of the scalars Write records.
const (
	TagTrainLoss = "train/loss"
	TagValLoss   = "validation/loss"
	TagValAcc    = "validation/accuracy"
	TagLR        = "lr"
)

// Write writes one event file per trial of r under dir, as
// dir/<problem>/<strategy>/seed<N>/FileName (see the package doc for the
// layout, the scalars and the wall times). A trial with no evaluation point
// and no learning rate (a failed one) gets no file. Files are written
// atomically; existing files of other runs are left alone.
func Write(dir string, r *compare.Results) error {
	if r == nil {
		return errors.New("tensorboard: Write: nil results")
	}
	paths := runDirs(r.Trials)
	for i, t := range r.Trials {
		if len(t.Curve) == 0 && len(t.LRs) == 0 {
			continue
		}
		var b bytes.Buffer
		if err := WriteTrial(&b, t); err != nil {
			return err
		}
		run := filepath.Join(dir, paths[i])
		if err := os.MkdirAll(run, 0o755); err != nil {
			return errors.Wrap(err, "tensorboard")
		}
		if err := compare.WriteFileAtomic(filepath.Join(run, FileName), b.Bytes()); err != nil {
			return err
		}
	}
	return nil
}

// event is one scalar to write.
type event struct {
	step  int
	order int // tag order within a step
	wall  float64
	tag   string
	value float64
}

// WriteTrial writes the event file of one trial to w: what Write puts in
// the trial's run directory.
func WriteTrial(w io.Writer, t *compare.Trial) error {
	var evs []event
	add := func(step, order int, wall float64, tag string, v float64) {
		if !math.IsNaN(v) {
			evs = append(evs, event{step, order, wall, tag, v})
		}
	}
	for _, p := range t.Curve {
		wall := BaseWallTime + p.Seconds
		add(p.Step, 0, wall, TagTrainLoss, p.TrainLoss)
		add(p.Step, 1, wall, TagValLoss, p.TestLoss)
		add(p.Step, 2, wall, TagValAcc, p.TestAcc)
		if len(t.LRs) == 0 {
			add(p.Step, 3, wall, TagLR, p.LR)
		}
	}
	for _, sl := range t.LRs {
		step := int(sl[0])
		add(step, 3, BaseWallTime+secondsAt(t.Curve, sl[0]), TagLR, sl[1])
	}
	slices.SortStableFunc(evs, func(a, b event) int {
		return cmp.Or(cmp.Compare(a.step, b.step), cmp.Compare(a.order, b.order))
	})
	tw := NewWriter(w)
	if err := tw.Start(BaseWallTime); err != nil {
		return err
	}
	for _, e := range evs {
		if err := tw.AddScalar(e.tag, int64(e.step), e.wall, e.value); err != nil {
			return err
		}
	}
	return nil
}

// secondsAt interpolates the training seconds of a curve linearly in the
// step; before the first point it is the first point's seconds (0 at step
// 0), after the last the last point's. NaN seconds count as 0.
func secondsAt(c []compare.Point, step float64) float64 {
	sec := func(p compare.Point) float64 {
		if math.IsNaN(p.Seconds) {
			return 0
		}
		return p.Seconds
	}
	if len(c) == 0 {
		return 0
	}
	i, _ := slices.BinarySearchFunc(c, step, func(p compare.Point, s float64) int { return cmp.Compare(float64(p.Step), s) })
	switch {
	case i == 0:
		return sec(c[0])
	case i == len(c):
		return sec(c[len(c)-1])
	}
	a, b := c[i-1], c[i]
	if b.Step == a.Step {
		return sec(b)
	}
	f := (step - float64(a.Step)) / float64(b.Step-a.Step)
	return sec(a) + f*(sec(b)-sec(a))
}

// runDirs returns the run directory of each trial, relative to Write's dir:
// problem/strategy/seed<N> with unsafe characters replaced and clashes
// between different names told apart by a suffix.
func runDirs(trials []*compare.Trial) []string {
	problems := dirnames.New()
	strategies := map[string]*dirnames.Namer{}
	out := make([]string, len(trials))
	for i, t := range trials {
		p := problems.Name(t.Problem, problemPath)
		sn := strategies[t.Problem]
		if sn == nil {
			sn = dirnames.New()
			strategies[t.Problem] = sn
		}
		s := sn.Name(t.Strategy, component)
		out[i] = filepath.Join(filepath.FromSlash(p), s, fmt.Sprintf("seed%d", t.Seed))
	}
	return out
}

// problemPath makes a problem name a relative slash-separated path: its
// "/" separate directories, each made safe by component.
func problemPath(s string) string {
	parts := strings.Split(s, "/")
	for i, p := range parts {
		parts[i] = component(p)
	}
	return strings.Join(parts, "/")
}

// component makes s one safe path element: characters outside
// [A-Za-z0-9._+=,()-] become '_', and "", "." and ".." become "_".
func component(s string) string {
	b := []byte(s)
	for i, c := range b {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', strings.IndexByte("._+=,()-", c) >= 0:
		default:
			b[i] = '_'
		}
	}
	out := string(b)
	if out == "" || out == "." || out == ".." {
		out = "_"
	}
	return out
}
