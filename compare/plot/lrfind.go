package plot

import (
	"fmt"
	"math"
	"path/filepath"
	"strconv"

	"github.com/pkg/errors"
	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/convergo/convergo/compare"
)

// LRFind draws learning-rate range tests (compare.LRFind) into dir as
// lrfind.png and lrfind.svg (the Plotter's formats): the smoothed
// training loss against the rate (log scale) per solver, the raw loss
// faint behind it, and each solver's valley suggestion marked. The y axis
// stops at 4 times the largest starting loss, so that the blow-up that
// ends a test does not flatten the rest; the figure says so.
func (pl *Plotter) LRFind(dir string, results []*compare.LRFindResult) (compare.Figure, error) {
	title := "Learning-rate range test: training loss vs rate (Smith 2017; ○ = valley suggestion)"
	p := newPlot(title, "learning rate (log scale)", "training-batch loss (smoothed; raw faint)")
	p.X.Scale = gplot.LogScale{}
	p.X.Tick.Marker = logTicks{}
	lo, hi := math.Inf(1), math.Inf(-1)
	start := math.Inf(-1)
	for _, r := range results {
		for i, v := range r.Smoothed {
			for _, x := range []float64{v, r.Losses[i]} {
				if finite(x) {
					lo, hi = min(lo, x), max(hi, x)
				}
			}
			if i == 0 && finite(v) {
				start = max(start, v)
			}
		}
	}
	if math.IsInf(lo, 0) {
		lo, hi = 0, 1
	}
	capped := false
	if finite(start) && hi > 4*start {
		hi, capped = 4*start, true
	}
	p.Y.Min, p.Y.Max = max(0, lo-0.05*(hi-lo)), hi+0.05*(hi-lo)
	clip := func(v float64) float64 { return min(max(v, p.Y.Min), p.Y.Max) }
	for i, r := range results {
		g := group{name: r.Solver, index: i}
		c, _ := style(i)
		var raw, sm plotter.XYs
		for j := range r.LRs {
			if finite(r.Losses[j]) {
				raw = append(raw, plotter.XY{X: r.LRs[j], Y: clip(r.Losses[j])})
			}
			if finite(r.Smoothed[j]) {
				sm = append(sm, plotter.XY{X: r.LRs[j], Y: clip(r.Smoothed[j])})
			}
		}
		if len(raw) > 1 {
			l, err := plotter.NewLine(raw)
			if err != nil {
				return compare.Figure{}, errors.Wrap(err, "compare/plot: lrfind")
			}
			l.Color, l.Width = withAlpha(c, 0x60), vg.Points(0.7)
			p.Add(l)
		}
		name := r.Solver
		if finite(r.Valley) {
			name += " (valley " + strconv.FormatFloat(r.Valley, 'g', 2, 64) + ")"
		}
		if r.Diverged {
			name += ", diverged at " + strconv.FormatFloat(r.LRs[len(r.LRs)-1], 'g', 2, 64)
		}
		g.name = name
		if _, err := addLine1(p, sm, g, true); err != nil {
			return compare.Figure{}, err
		}
		if finite(r.Valley) {
			for j, lr := range r.LRs {
				if lr >= r.Valley {
					ring, _ := plotter.NewScatter(plotter.XYs{{X: lr, Y: clip(r.Smoothed[j])}})
					ring.Color, ring.Radius, ring.Shape = c, vg.Points(6), draw.RingGlyph{}
					p.Add(ring)
					break
				}
			}
		}
	}
	if capped {
		p.Legend.Add(fmt.Sprintf("y axis cut at 4× the starting loss (%.3g)", start))
	}
	p.Legend.Top, p.Legend.Left = true, true
	w, h, formats := pl.settings()
	f := compare.Figure{Title: title}
	for _, ext := range formats {
		name := "lrfind." + ext
		if err := save1(p, w, h, ext, filepath.Join(dir, name)); err != nil {
			return f, errors.Wrapf(err, "compare/plot: saving %s", name)
		}
		f.Files = append(f.Files, name)
	}
	return f, nil
}
