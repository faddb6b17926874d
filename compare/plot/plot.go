// Package plot draws the figures of a compare study with gonum/plot: the
// validation loss against optimizer steps (median line and interquartile
// band per strategy, log scale), the validation accuracy against training
// wall seconds, the learning rate against steps and, for a study of
// several problems, the Dolan–Moré performance profile. Each figure is
// written as PNG and SVG.
//
// It is a separate package so that package compare, and the tests that use
// it, do not link a plotting library:
//
//	res, err := compare.Run(ctx, compare.Study{..., Dir: "out", Plotter: plot.New()})
package plot

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/pkg/errors"
	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/convergo/convergo/compare"
)

// Plotter draws the figures; see New.
type Plotter struct {
	// Width and Height of each figure (default 9 × 5.5 inches; PNGs at
	// 96 dpi).
	Width, Height vg.Length
	// Formats are the file extensions written (default png and svg).
	Formats []string
}

var _ compare.Plotter = (*Plotter)(nil)

// New returns a Plotter with the defaults.
func New() *Plotter { return &Plotter{} }

// palette is Okabe & Ito's colour-blind-safe palette (Wong 2011, Nature
// Methods 8:441), black moved last.
var palette = []color.RGBA{
	{0xE6, 0x9F, 0x00, 0xff}, // orange
	{0x56, 0xB4, 0xE9, 0xff}, // sky blue
	{0x00, 0x9E, 0x73, 0xff}, // bluish green
	{0xD5, 0x5E, 0x00, 0xff}, // vermillion
	{0x00, 0x72, 0xB2, 0xff}, // blue
	{0xCC, 0x79, 0xA7, 0xff}, // reddish purple
	{0xF0, 0xE4, 0x42, 0xff}, // yellow
	{0x00, 0x00, 0x00, 0xff}, // black
}

// style returns strategy i's colour and dash pattern (solid for the first
// len(palette) strategies, then dashed, then dotted).
func style(i int) (color.RGBA, []vg.Length) {
	c := palette[i%len(palette)]
	switch (i / len(palette)) % 3 {
	case 1:
		return c, []vg.Length{vg.Points(6), vg.Points(3)}
	case 2:
		return c, []vg.Length{vg.Points(2), vg.Points(2)}
	}
	return c, nil
}

// settings returns the figure size and formats, defaults filled in.
func (pl *Plotter) settings() (w, h vg.Length, formats []string) {
	w, h, formats = pl.Width, pl.Height, pl.Formats
	if w == 0 {
		w = 9 * vg.Inch
	}
	if h == 0 {
		h = 5.5 * vg.Inch
	}
	if len(formats) == 0 {
		formats = []string{"png", "svg"}
	}
	return w, h, formats
}

// Plot writes the figures into dir.
func (pl *Plotter) Plot(dir string, r *compare.Results) ([]compare.Figure, error) {
	w, h, formats := pl.settings()
	var figs []compare.Figure
	save := func(p *gplot.Plot, stem, title string) error {
		f := compare.Figure{Title: title}
		for _, ext := range formats {
			name := stem + "." + ext
			if err := save1(p, w, h, ext, filepath.Join(dir, name)); err != nil {
				return errors.Wrapf(err, "compare/plot: saving %s", name)
			}
			f.Files = append(f.Files, name)
		}
		figs = append(figs, f)
		return nil
	}
	multi := len(r.Study.Problems) > 1
	for _, pi := range r.Study.Problems {
		suffix, in := "", ""
		if multi {
			suffix, in = "-"+slug(pi.Name), " — "+pi.Name
		}
		groups := groupsOf(r, pi.Name)
		if len(groups) == 0 {
			continue
		}
		analytic := pi.Kind == compare.KindAnalytic
		figures := []struct {
			stem, title string
			make        func([]group, string, compare.Target) (*gplot.Plot, error)
		}{
			{"loss_vs_step", "Held-out (test) loss vs step (median and IQR over seeds)" + in, lossVsStep},
			{"acc_vs_seconds", "Held-out (test) accuracy vs training seconds (median over seeds)" + in, accVsSeconds},
			{"lr_vs_step", "Learning rate vs step" + in, lrVsStep},
		}
		if analytic { // the loss is f − f*, and there is no accuracy to plot
			figures[0].title = "f − f* vs step (median and IQR over seeds)" + in
			figures[0].make = func(g []group, title string, tgt compare.Target) (*gplot.Plot, error) {
				p, err := lossVsStep(g, title, tgt)
				if p != nil {
					p.Y.Label.Text = "f − f* (log scale)"
				}
				return p, err
			}
			figures = append(figures[:1], figures[2])
		}
		for _, fig := range figures {
			p, err := fig.make(groups, fig.title, r.Study.Target)
			if err != nil {
				return figs, err
			}
			if err := save(p, fig.stem+suffix, fig.title); err != nil {
				return figs, err
			}
		}
		tf, err := tuningFigures(r, pi.Name, in)
		if err != nil {
			return figs, err
		}
		for _, f := range tf {
			if err := save(f.plot, f.stem+suffix, f.title); err != nil {
				return figs, err
			}
		}
	}
	if r.Profile != nil {
		title := fmt.Sprintf("Performance profile over %d problems (cost: median %s)", len(r.Profile.Problems), r.Profile.Cost)
		p, err := profilePlot(r.Profile, title)
		if err != nil {
			return figs, err
		}
		if err := save(p, "performance_profile", title); err != nil {
			return figs, err
		}
	}
	return figs, nil
}

// save1 draws p on a w×h canvas with a margin all round (gonum/plot puts
// the title flush with the top edge) and writes it to path atomically.
func save1(p *gplot.Plot, w, h vg.Length, format, path string) error {
	c, err := draw.NewFormattedCanvas(w, h, format)
	if err != nil {
		return err
	}
	m := vg.Points(8)
	p.Draw(draw.Crop(draw.New(c), m, -m, m, -m))
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return err
	}
	return compare.WriteFileAtomic(path, buf.Bytes())
}

// group is one strategy's trials on one problem, with its index in the
// study (for a stable colour).
type group struct {
	name   string
	index  int
	trials []*compare.Trial
}

func groupsOf(r *compare.Results, problem string) []group {
	var out []group
	for i, s := range r.Study.Strategies {
		if ts := r.TrialsOf(problem, s.Name); len(ts) > 0 {
			out = append(out, group{s.Name, i, ts})
		}
	}
	return out
}

func newPlot(title, x, y string) *gplot.Plot {
	p := gplot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = vg.Points(13)
	p.X.Label.Text = x
	p.Y.Label.Text = y
	for _, a := range []*gplot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font.Size = vg.Points(11)
		a.Tick.Label.Font.Size = vg.Points(10)
	}
	p.Legend.TextStyle.Font.Size = vg.Points(10)
	p.Legend.ThumbnailWidth = vg.Points(24)
	p.Legend.YOffs = -vg.Points(4) // clear of the title
	p.Legend.XOffs = -vg.Points(4)
	p.Add(plotter.NewGrid())
	return p
}

func addLine(p *gplot.Plot, xys plotter.XYs, g group, legend bool) error {
	_, err := addLine1(p, xys, g, legend)
	return err
}

func addLine1(p *gplot.Plot, xys plotter.XYs, g group, legend bool) (*plotter.Line, error) {
	if len(xys) == 0 {
		return nil, nil
	}
	l, err := plotter.NewLine(xys)
	if err != nil {
		return nil, errors.Wrapf(err, "compare/plot: %s", g.name)
	}
	c, dash := style(g.index)
	l.Color, l.Dashes, l.Width = c, dash, vg.Points(2)
	p.Add(l)
	if legend {
		p.Legend.Add(g.name, l)
	}
	return l, nil
}

// perStep collects, for each evaluation step of the group, the values of
// f over the seeds. A trial that has stopped (diverged, failed) before a
// step counts as +Inf there; one that stopped early at the target keeps
// its last value.
func perStep(g group, f func(compare.Point) float64) (steps []int, vals [][]float64) {
	seen := map[int]bool{}
	for _, t := range g.trials {
		for _, pt := range t.Curve {
			if !seen[pt.Step] {
				seen[pt.Step] = true
				steps = append(steps, pt.Step)
			}
		}
	}
	slices.Sort(steps)
	vals = make([][]float64, len(steps))
	for _, t := range g.trials {
		j := 0
		for i, s := range steps {
			for j < len(t.Curve)-1 && t.Curve[j+1].Step <= s {
				j++
			}
			switch {
			case len(t.Curve) > 0 && t.Curve[j].Step == s:
				vals[i] = append(vals[i], f(t.Curve[j]))
			case t.Status != compare.StatusOK:
				vals[i] = append(vals[i], math.Inf(1))
			case len(t.Curve) > 0 && t.Curve[j].Step < s:
				vals[i] = append(vals[i], f(t.Curve[j]))
			}
		}
	}
	return steps, vals
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func lossVsStep(groups []group, title string, target compare.Target) (*gplot.Plot, error) {
	p := newPlot(title, "optimizer step", "held-out loss (log scale)")
	p.Y.Scale = gplot.LogScale{}
	p.Y.Tick.Marker = logTicks{}
	// The y range is the data's: from the smallest lower quartile to the
	// largest upper quartile that is finite, cut at 100× the largest
	// initial loss (so that one exploding strategy does not flatten the
	// others) and at 30 decades below the top; the legend says when
	// either cut applies.
	lo, hi, start := math.Inf(1), math.Inf(-1), math.Inf(-1)
	type band struct{ med, q1, q3 plotter.XYs }
	bands := make([]band, len(groups))
	maxStep := 0.0
	for gi, g := range groups {
		steps, vals := perStep(g, func(pt compare.Point) float64 { return pt.TestLoss })
		for i, s := range steps {
			med, q1, q3 := compare.Quantile(vals[i], 0.5), compare.Quantile(vals[i], 0.25), compare.Quantile(vals[i], 0.75)
			x := float64(s)
			maxStep = max(maxStep, x)
			if finite(med) && med > 0 {
				bands[gi].med = append(bands[gi].med, plotter.XY{X: x, Y: med})
			}
			bands[gi].q1 = append(bands[gi].q1, plotter.XY{X: x, Y: q1})
			bands[gi].q3 = append(bands[gi].q3, plotter.XY{X: x, Y: q3})
			if finite(q1) && q1 > 0 {
				lo = min(lo, q1)
			}
			if finite(q3) {
				hi = max(hi, q3)
			}
			if finite(med) {
				hi = max(hi, med)
			}
			if s == 0 && finite(med) {
				start = max(start, med)
			}
		}
	}
	if math.IsInf(lo, 0) || math.IsInf(hi, 0) {
		lo, hi = 0.01, 10
	}
	cutTop, cutBottom := false, false
	if finite(start) && hi > 100*start {
		hi, cutTop = 100*start, true
	}
	if target.Loss > 0 {
		lo = min(lo, target.Loss)
	}
	if hi/lo > 1e30 {
		lo, cutBottom = hi*1e-30, true
	}
	lo, hi = lo/1.3, hi*1.3
	p.Y.Min, p.Y.Max = lo, hi
	clip := func(v float64) float64 { return min(max(v, lo), hi) }
	for gi, g := range groups {
		b := bands[gi]
		var ring plotter.XYs
		for _, pt := range b.q3 {
			ring = append(ring, plotter.XY{X: pt.X, Y: clip(pt.Y)})
		}
		for i := len(b.q1) - 1; i >= 0; i-- {
			ring = append(ring, plotter.XY{X: b.q1[i].X, Y: clip(b.q1[i].Y)})
		}
		if len(ring) >= 3 {
			poly, err := plotter.NewPolygon(ring)
			if err != nil {
				return nil, errors.Wrapf(err, "compare/plot: IQR band of %s", g.name)
			}
			c, _ := style(g.index)
			poly.Color = color.NRGBA{c.R, c.G, c.B, 0x40}
			poly.LineStyle.Width = 0
			poly.LineStyle.Color = color.Transparent
			p.Add(poly)
		}
	}
	var all plotter.XYs
	for gi, g := range groups {
		med := make(plotter.XYs, 0, len(bands[gi].med))
		for _, pt := range bands[gi].med {
			med = append(med, plotter.XY{X: pt.X, Y: clip(pt.Y)})
		}
		all = append(all, med...)
		if err := addMarkedLine(p, med, g, maxStep, gi, len(groups)); err != nil {
			return nil, err
		}
	}
	diverged := addDiverged(p, groups, func(pt compare.Point) float64 { return pt.TestLoss }, clip, &all)
	if target.Loss > 0 {
		addTargetLine(p, target.Loss, fmt.Sprintf("target: loss ≤ %g", target.Loss))
	}
	if cutTop {
		p.Legend.Add(fmt.Sprintf("axis cut at 100× the initial loss (%.3g); higher values drawn on the top edge", 100*start))
	}
	if cutBottom {
		p.Legend.Add(fmt.Sprintf("axis cut at 30 decades below the top (%.3g); lower values drawn on the bottom edge", lo*1.3))
	}
	placeLegend(p, all, len(groups)+legendExtras(diverged, target.Loss > 0, cutTop, cutBottom))
	return p, nil
}

// addMarkedLine draws a group's median line with its shape as markers at
// staggered steps, and its legend entry.
func addMarkedLine(p *gplot.Plot, xys plotter.XYs, g group, maxStep float64, i, n int) error {
	l, err := addLine1(p, xys, g, false)
	if err != nil || l == nil {
		return err
	}
	sc, err := plotter.NewScatter(markersAlong(xys, maxStep, i, n))
	if err != nil {
		return err
	}
	c, _ := style(g.index)
	sc.Color, sc.Shape, sc.Radius = c, markerShape(g.index), vg.Points(3.5)
	p.Add(sc)
	p.Legend.Add(g.name, l, sc)
	return nil
}

// addDiverged marks, with a cross in the group's colour, the last finite
// point of every trial that diverged or failed — where and when it did.
func addDiverged(p *gplot.Plot, groups []group, f func(compare.Point) float64, clip func(float64) float64, all *plotter.XYs) bool {
	any := false
	for _, g := range groups {
		var xys plotter.XYs
		for _, t := range g.trials {
			if t.Status == compare.StatusOK {
				continue
			}
			for i := len(t.Curve) - 1; i >= 0; i-- {
				if v := f(t.Curve[i]); finite(v) {
					xys = append(xys, plotter.XY{X: float64(t.Curve[i].Step), Y: clip(v)})
					break
				}
			}
		}
		if len(xys) == 0 {
			continue
		}
		any = true
		sc, _ := plotter.NewScatter(xys)
		c, _ := style(g.index)
		sc.Color, sc.Shape, sc.Radius = c, draw.CrossGlyph{}, vg.Points(6)
		sc.GlyphStyle.Color = c
		p.Add(sc)
		*all = append(*all, xys...)
	}
	if any {
		sc, _ := plotter.NewScatter(plotter.XYs{{}})
		sc.Color, sc.Shape, sc.Radius = grey, draw.CrossGlyph{}, vg.Points(5)
		p.Legend.Add("× a trial's last finite value before it diverged or failed", sc)
	}
	return any
}

// legendExtras counts the legend entries that are not strategies.
func legendExtras(flags ...bool) int {
	n := 0
	for _, f := range flags {
		if f {
			n++
		}
	}
	return n
}

// addTargetLine draws the study's target as a dashed horizontal line.
func addTargetLine(p *gplot.Plot, y float64, label string) {
	f := plotter.NewFunction(func(float64) float64 { return y })
	f.Color, f.Width, f.Dashes = color.Black, vg.Points(1), []vg.Length{vg.Points(5), vg.Points(3)}
	p.Add(f)
	p.Legend.Add(label, f)
}

func accVsSeconds(groups []group, title string, target compare.Target) (*gplot.Plot, error) {
	p := newPlot(title, "training seconds (the optimizer steps; evaluation excluded)", "held-out accuracy")
	lo, hi, maxX := 1.0, 0.0, 0.0
	var lines []plotter.XYs
	for _, g := range groups {
		steps, accs := perStep(g, func(pt compare.Point) float64 { return pt.TestAcc })
		_, secs := perStep(g, func(pt compare.Point) float64 { return pt.Seconds })
		var xys plotter.XYs
		for i := range steps {
			var a, s []float64
			for k := range accs[i] {
				if finite(accs[i][k]) && finite(secs[i][k]) {
					a, s = append(a, accs[i][k]), append(s, secs[i][k])
				}
			}
			if len(a) == 0 {
				continue
			}
			y := compare.Quantile(a, 0.5)
			xys = append(xys, plotter.XY{X: compare.Quantile(s, 0.5), Y: y})
			lo, hi = min(lo, y), max(hi, y)
			maxX = max(maxX, xys[len(xys)-1].X)
		}
		lines = append(lines, xys)
	}
	if hi < lo {
		lo, hi = 0, 1
	}
	if target.Acc > 0 {
		lo, hi = min(lo, target.Acc), max(hi, target.Acc)
	}
	// The axis starts where the data start (the step-0 accuracy, chance
	// level) and ends at the best median, with a margin.
	pad := 0.04*(hi-lo) + 0.005
	p.Y.Min, p.Y.Max = max(0, lo-pad), min(1, hi+pad)
	p.Y.Tick.Marker = linTicks{}
	p.X.Min = 0
	var all plotter.XYs
	for gi, g := range groups {
		all = append(all, lines[gi]...)
		if err := addMarkedLine(p, lines[gi], g, maxX, gi, len(groups)); err != nil {
			return nil, err
		}
	}
	if target.Acc > 0 {
		addTargetLine(p, target.Acc, fmt.Sprintf("target: accuracy ≥ %g", target.Acc))
	}
	placeLegend(p, all, len(groups)+1)
	return p, nil
}

func lrVsStep(groups []group, title string, _ compare.Target) (*gplot.Plot, error) {
	p := newPlot(title, "optimizer step", "learning rate (log scale)")
	p.Y.Scale = gplot.LogScale{}
	p.Y.Tick.Marker = logTicks{}
	// The y range is the data's: from the smallest positive rate to the
	// largest (a warm-up from 1e-5, a cosine annealed to 1e-8 are shown
	// as they are). A rate of 0 has no place on a log axis: it is drawn
	// on the bottom edge, and the legend says so. Beyond 12 decades the
	// axis is cut, and the legend says that too.
	lo, hi, maxStep := math.Inf(1), 0.0, 0.0
	zero := false
	for _, g := range groups {
		for _, pt := range g.trials[0].LRs {
			switch {
			case pt[1] > 0 && finite(pt[1]):
				lo, hi = min(lo, pt[1]), max(hi, pt[1])
			case pt[1] == 0:
				zero = true
			}
			maxStep = max(maxStep, pt[0])
		}
	}
	if hi == 0 {
		lo, hi = 0.1, 1
	}
	cut := false
	if hi/lo > 1e12 {
		lo, cut = hi*1e-12, true
	}
	p.Y.Min, p.Y.Max = lo/1.5, hi*1.5
	var all plotter.XYs
	for gi, g := range groups {
		var xys plotter.XYs
		for _, pt := range g.trials[0].LRs { // the same for every seed, except for metric-driven schedules
			if finite(pt[1]) {
				xys = append(xys, plotter.XY{X: pt[0], Y: min(max(pt[1], p.Y.Min), p.Y.Max)})
			}
		}
		l, err := addLine1(p, xys, g, false)
		if err != nil {
			return nil, err
		}
		if l == nil {
			continue
		}
		all = append(all, xys...)
		// Markers at staggered steps, a shape per strategy: curves that
		// coincide (two strategies with one schedule) stay apart.
		sc, err := plotter.NewScatter(markersAlong(xys, maxStep, gi, len(groups)))
		if err != nil {
			return nil, err
		}
		c, _ := style(g.index)
		sc.Color, sc.Shape, sc.Radius = c, markerShape(g.index), vg.Points(3.5)
		p.Add(sc)
		p.Legend.Add(g.name, l, sc)
	}
	if zero {
		p.Legend.Add("a rate of 0 is drawn on the bottom edge")
	}
	if cut {
		p.Legend.Add(fmt.Sprintf("axis cut at 1e-12 × the largest rate (%.3g)", hi*1e-12))
	}
	placeLegend(p, all, len(groups)+2)
	return p, nil
}

// markersAlong picks about six points of xys at steps staggered by the
// curve's index i of n, so that the markers of coinciding curves do not
// cover each other.
func markersAlong(xys plotter.XYs, maxStep float64, i, n int) plotter.XYs {
	var out plotter.XYs
	const k = 6
	j := 0
	for m := range k {
		x := maxStep * (float64(m) + (float64(i)+0.5)/float64(max(n, 1))) / k
		for j < len(xys)-1 && xys[j].X < x {
			j++
		}
		if len(xys) > 0 {
			out = append(out, xys[j])
		}
	}
	return out
}

// placeLegend puts p's legend in the corner of the data area that holds
// the fewest of pts (after the axes' ranges and scales are set), so that
// it hides as little of the curves as possible; if every corner holds
// some, it raises the top of the y axis to make room above the data and
// puts the legend there.
func placeLegend(p *gplot.Plot, pts plotter.XYs, entries int) {
	best, bestN := 0, math.MaxInt
	for corner := range 4 {
		top, left := corner&1 == 1, corner&2 == 2
		n := 0
		for _, pt := range pts {
			x, y := p.X.Norm(pt.X), p.Y.Norm(pt.Y)
			inX := (left && x < 0.45) || (!left && x > 0.55)
			inY := (top && y > 0.6) || (!top && y < 0.4)
			if inX && inY {
				n++
			}
		}
		if n < bestN {
			best, bestN = corner, n
		}
	}
	p.Legend.Top, p.Legend.Left = best&1 == 1, best&2 == 2
	if bestN == 0 {
		return
	}
	// Room above the data for the legend's entries (about 13 points each
	// on a figure whose data area is about 330 points high).
	f := min(0.5, float64(entries*13+12)/330)
	lo, hi := p.Y.Min, p.Y.Max
	if _, ok := p.Y.Scale.(gplot.LogScale); ok && lo > 0 {
		p.Y.Max = math.Exp(math.Log(hi) + (math.Log(hi)-math.Log(lo))*f/(1-f))
	} else {
		p.Y.Max = hi + (hi-lo)*f/(1-f)
	}
	// No tick labels in the room made for the legend: they would read as
	// values the data reach.
	p.Y.Tick.Marker = cappedTicks{p.Y.Tick.Marker, hi}
	p.Legend.Top, p.Legend.Left = true, false
}

// cappedTicks is a Ticker without ticks above max.
type cappedTicks struct {
	gplot.Ticker
	max float64
}

func (c cappedTicks) Ticks(lo, hi float64) []gplot.Tick {
	var out []gplot.Tick
	for _, t := range c.Ticker.Ticks(lo, min(hi, c.max)) {
		if t.Value <= c.max*(1+1e-12) {
			out = append(out, t)
		}
	}
	return out
}

func profilePlot(pr *compare.Profile, title string) (*gplot.Plot, error) {
	p := newPlot(title, "τ (cost within a factor τ of the best; log scale)", "ρ(τ): fraction of problems")
	taus := pr.Taus()
	maxTau := 2.0
	if len(taus) > 0 {
		maxTau = max(2, taus[len(taus)-1]*1.5)
	}
	p.X.Scale = gplot.LogScale{}
	p.X.Tick.Marker = logTicks{}
	p.X.Min, p.X.Max = 1, maxTau
	p.Y.Min, p.Y.Max = 0, 1.05
	var all plotter.XYs
	for i, s := range pr.Strategies {
		var xys plotter.XYs
		prev := pr.Rho(i, 1)
		xys = append(xys, plotter.XY{X: 1, Y: prev})
		for _, t := range taus {
			if t <= 1 {
				continue
			}
			xys = append(xys, plotter.XY{X: t, Y: prev})
			prev = pr.Rho(i, t)
			xys = append(xys, plotter.XY{X: t, Y: prev})
		}
		xys = append(xys, plotter.XY{X: maxTau, Y: prev})
		if err := addMarkedLine(p, xys, group{name: s, index: i}, maxTau, i, len(pr.Strategies)); err != nil {
			return nil, err
		}
		all = append(all, xys...)
	}
	placeLegend(p, all, len(pr.Strategies))
	return p, nil
}

func slug(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' {
			return r
		}
		return '_'
	}, s)
}

// logTicks labels 1, 2 and 5 times powers of ten (every integer multiple
// when the range spans less than a decade), with minor ticks in between;
// gonum's LogTicks labels powers of ten only, which leaves a loss axis
// from 0.2 to 2.3 with a single label.
type logTicks struct{}

func (logTicks) Ticks(lo, hi float64) []gplot.Tick {
	if !(lo > 0) || !(hi > lo) {
		return nil
	}
	labels := []float64{1, 2, 5}
	if hi/lo < 10 {
		labels = []float64{1, 1.5, 2, 3, 4, 5, 6, 7, 8, 9}
	}
	if hi/lo > 1e4 {
		labels = []float64{1}
	}
	// Over many decades, label every k-th power of ten and mark the rest
	// with a minor tick only (no minor ticks inside the decades).
	decades := math.Log10(hi / lo)
	every := max(1, int(math.Ceil(decades/10)))
	var ticks []gplot.Tick
	for e := math.Floor(math.Log10(lo)); e <= math.Ceil(math.Log10(hi)); e++ {
		base := math.Pow(10, e)
		if every > 1 {
			if base >= lo && base <= hi {
				t := gplot.Tick{Value: base}
				if int(e)%every == 0 {
					t.Label = strconv.FormatFloat(base, 'g', 3, 64)
				}
				ticks = append(ticks, t)
			}
			continue
		}
		for m := 1.0; m < 10; m++ {
			for _, v := range []float64{m * base, (m + 0.5) * base} {
				if v < lo || v > hi || (v != m*base && !slices.Contains(labels, m+0.5)) {
					continue
				}
				t := gplot.Tick{Value: v}
				if slices.Contains(labels, v/base) || slices.Contains(labels, math.Round(v/base*10)/10) {
					t.Label = strconv.FormatFloat(v, 'g', 3, 64)
				}
				ticks = append(ticks, t)
			}
		}
	}
	return ticks
}

// linTicks labels a linear axis at 1, 2 or 5 times a power of ten, about
// 5 to 10 labels, with minor ticks between.
type linTicks struct{}

func (linTicks) Ticks(lo, hi float64) []gplot.Tick {
	if !(hi > lo) {
		return nil
	}
	step := math.Pow(10, math.Floor(math.Log10(hi-lo)))
	for _, m := range []float64{0.1, 0.2, 0.5, 1} {
		if (hi-lo)/(step*m) <= 10 {
			step *= m
			break
		}
	}
	var ticks []gplot.Tick
	minor := step / 2
	for v := math.Ceil(lo/minor) * minor; v <= hi+minor*1e-9; v += minor {
		t := gplot.Tick{Value: v}
		if k := v / step; math.Abs(k-math.Round(k)) < 1e-6 {
			t.Label = strconv.FormatFloat(math.Round(v/step)*step, 'f', max(0, int(-math.Floor(math.Log10(step)))), 64)
		}
		ticks = append(ticks, t)
	}
	return ticks
}
