package plot

import (
	"image/color"
	"math"
	"slices"
	"strings"

	"github.com/pkg/errors"
	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/convergo/convergo/compare"
)

// tuningFigure is a figure of the tuning phase, made from the results.
type tuningFigure struct {
	stem, title string
	plot        *gplot.Plot
}

// tuningFigures are the sensitivity figures — the validation score of
// every configuration against each sampled hyperparameter, one figure per
// hyperparameter name (lr, momentum, …), a line per strategy (DeepOBS's
// tuneability plot) — and the tuning curves (compare.BestAfter: the best
// score after k configurations, median and IQR).
func tuningFigures(r *compare.Results, problem, in string) ([]tuningFigure, error) {
	var cs []compare.TuningConfig
	for _, c := range r.TuningOf(problem) {
		if c.Rung == 0 { // with halving, the rung where every configuration has the same budget
			cs = append(cs, c)
		}
	}
	if len(cs) == 0 {
		return nil, nil
	}
	metric := r.Study.Tune.Metric
	yLabel := "validation loss at the end (tuning split)"
	if metric == "steps_to_target" {
		yLabel = "steps to target on the tuning split"
	}
	index := map[string]int{}
	for i, s := range r.Study.Strategies {
		index[s.Name] = i
	}
	// hyperparameter name (the key after the spec name) → strategies
	var params []string
	for _, c := range cs {
		for _, k := range c.Keys {
			if p := paramName(k); !slices.Contains(params, p) {
				params = append(params, p)
			}
		}
	}
	var figs []tuningFigure
	for _, param := range params {
		title := "Sensitivity: " + yLabel + " vs " + param + in
		p := newPlot(title, param, yLabel)
		logX := true
		var finiteMax, finiteMin = math.Inf(-1), math.Inf(1)
		type series struct {
			name   string
			pts    plotter.XYs
			inf    []float64 // x of configurations scored ∞
			chosen plotter.XYs
		}
		var all []series
		for _, name := range strategiesOf(cs) {
			var s series
			s.name = name
			for _, c := range cs {
				if c.Strategy != name {
					continue
				}
				for i, k := range c.Keys {
					if paramName(k) != param {
						continue
					}
					if c.Spaces[i] == "" || !strings.HasPrefix(c.Spaces[i], "loguniform") {
						logX = false
					}
					x := c.Values[i]
					switch {
					case math.IsInf(c.Score, 1):
						s.inf = append(s.inf, x)
					case !math.IsNaN(c.Score):
						s.pts = append(s.pts, plotter.XY{X: x, Y: c.Score})
						finiteMax, finiteMin = max(finiteMax, c.Score), min(finiteMin, c.Score)
						if c.Chosen {
							s.chosen = append(s.chosen, plotter.XY{X: x, Y: c.Score})
						}
					}
				}
			}
			slices.SortFunc(s.pts, func(a, b plotter.XY) int { return cmpF(a.X, b.X) })
			all = append(all, s)
		}
		if math.IsInf(finiteMax, 0) {
			finiteMin, finiteMax = 0, 1
		}
		top := finiteMax + 0.08*max(finiteMax-finiteMin, math.Abs(finiteMax)*0.1, 1e-9)
		if logX {
			p.X.Scale = gplot.LogScale{}
			p.X.Tick.Marker = logTicks{}
			p.X.Label.Text = param + " (log scale)"
		}
		// A loss spans decades between good and bad rates: log scale.
		logY := metric != "steps_to_target" && finiteMin > 0
		if logY {
			p.Y.Scale = gplot.LogScale{}
			p.Y.Tick.Marker = logTicks{}
			p.Y.Label.Text = yLabel + " (log scale)"
			top = finiteMax * math.Pow(finiteMax/finiteMin, 0.08)
			p.Y.Min = finiteMin / math.Pow(finiteMax/finiteMin, 0.04)
		}
		anyInf := false
		for _, s := range all {
			g := group{name: s.name, index: index[s.name]}
			c, dash := style(g.index)
			if len(s.pts) > 0 {
				l, sc, err := plotter.NewLinePoints(s.pts)
				if err != nil {
					return nil, errors.Wrapf(err, "compare/plot: sensitivity of %s", s.name)
				}
				l.Color, l.Dashes, l.Width = c, dash, vg.Points(1.5)
				sc.Color, sc.Shape, sc.Radius = c, markerShape(g.index), vg.Points(3.5)
				p.Add(l, sc)
				p.Legend.Add(s.name, l, sc)
			}
			if len(s.chosen) > 0 {
				ring, _ := plotter.NewScatter(s.chosen)
				ring.Color, ring.Shape, ring.Radius = c, draw.RingGlyph{}, vg.Points(7)
				p.Add(ring)
			}
			if len(s.inf) > 0 {
				anyInf = true
				var xys plotter.XYs
				for _, x := range s.inf {
					xys = append(xys, plotter.XY{X: x, Y: top})
				}
				sc, _ := plotter.NewScatter(xys)
				sc.Color, sc.Shape, sc.Radius = c, draw.CrossGlyph{}, vg.Points(4)
				p.Add(sc)
			}
		}
		if anyInf {
			p.Y.Max = top + 0.04*(top-finiteMin)
			if logY {
				p.Y.Max = top * math.Pow(finiteMax/finiteMin, 0.04)
			}
			ref := plotter.NewFunction(func(float64) float64 { return top })
			ref.Color, ref.Dashes, ref.Width = grey, []vg.Length{vg.Points(2), vg.Points(2)}, vg.Points(0.5)
			p.Add(ref)
			p.Legend.Add("× diverged or missed the target (score ∞), drawn on this line", ref)
		}
		p.Legend.Add("chosen configuration", ringLegend{})
		p.Legend.Top, p.Legend.Left = true, true
		figs = append(figs, tuningFigure{stem: "sensitivity_" + slug(param), title: title, plot: p})
	}

	// Tuning curves.
	title := "Tuning curve: the best score after k configurations (median and IQR; Dodge et al. 2019)" + in
	p := newPlot(title, "configurations tried (k)", "best "+yLabel)
	p.Title.TextStyle.Font.Size = vg.Points(11)
	var capped bool
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, c := range cs {
		if !math.IsInf(c.Score, 0) && !math.IsNaN(c.Score) {
			lo, hi = min(lo, c.Score), max(hi, c.Score)
		}
	}
	if math.IsInf(lo, 0) {
		lo, hi = 0, 1
	}
	top := hi + 0.05*max(hi-lo, 1e-9)
	clip := func(v float64) float64 {
		if math.IsInf(v, 1) {
			capped = true
			return top
		}
		return v
	}
	for _, name := range strategiesOf(cs) {
		curve := r.TuningCurve(problem, name)
		g := group{name: name, index: index[name]}
		var med, q1, q3 plotter.XYs
		for _, pt := range curve {
			x := float64(pt.K)
			med = append(med, plotter.XY{X: x, Y: clip(pt.Median)})
			q1 = append(q1, plotter.XY{X: x, Y: clip(pt.Q1)})
			q3 = append(q3, plotter.XY{X: x, Y: clip(pt.Q3)})
		}
		c, _ := style(g.index)
		if poly, err := bandPolygon(q1, q3); err == nil && poly != nil {
			poly.Color = withAlpha(c, 0x40)
			poly.LineStyle.Width = 0
			p.Add(poly)
		}
		l, err := addLine1(p, med, g, true)
		if err != nil {
			return nil, err
		}
		if l != nil {
			sc, _ := plotter.NewScatter(med)
			sc.Color, sc.Shape, sc.Radius = c, markerShape(g.index), vg.Points(2.5)
			p.Add(sc)
		}
	}
	if capped {
		p.Y.Max = top + 0.03*(top-lo)
		p.Legend.Add("values at the top line: ∞ (diverged or missed the target)")
	}
	p.Legend.Top = true
	figs = append(figs, tuningFigure{stem: "tuning_curve", title: title, plot: p})
	return figs, nil
}

// paramName is the hyperparameter of a space key: "sgd.lr" → "lr".
func paramName(key string) string {
	k, _, _ := strings.Cut(key, "#")
	if i := strings.LastIndexByte(k, '.'); i >= 0 {
		return k[i+1:]
	}
	return k
}

func strategiesOf(cs []compare.TuningConfig) []string {
	var out []string
	for _, c := range cs {
		if !slices.Contains(out, c.Strategy) {
			out = append(out, c.Strategy)
		}
	}
	return out
}

func cmpF(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// markerShape gives strategy i a glyph of its own, so that curves that
// coincide or have similar colours stay apart.
func markerShape(i int) draw.GlyphDrawer {
	shapes := []draw.GlyphDrawer{draw.CircleGlyph{}, draw.SquareGlyph{}, draw.TriangleGlyph{}, draw.PyramidGlyph{}, draw.BoxGlyph{}, draw.PlusGlyph{}, draw.CrossGlyph{}, draw.RingGlyph{}}
	return shapes[i%len(shapes)]
}

// ringLegend is a legend thumbnail of the chosen-configuration ring.
type ringLegend struct{}

func (ringLegend) Thumbnail(c *draw.Canvas) {
	r := vg.Points(5)
	c.DrawGlyph(draw.GlyphStyle{Color: grey, Radius: r, Shape: draw.RingGlyph{}}, vg.Point{X: (c.Min.X + c.Max.X) / 2, Y: (c.Min.Y + c.Max.Y) / 2})
}

var grey = color.RGBA{0x80, 0x80, 0x80, 0xff}

func withAlpha(c color.RGBA, a uint8) color.NRGBA { return color.NRGBA{c.R, c.G, c.B, a} }

// bandPolygon is the region between lo and hi (same xs), nil if too short.
func bandPolygon(lo, hi plotter.XYs) (*plotter.Polygon, error) {
	var ring plotter.XYs
	ring = append(ring, hi...)
	for i := len(lo) - 1; i >= 0; i-- {
		ring = append(ring, lo[i])
	}
	if len(ring) < 3 {
		return nil, nil
	}
	poly, err := plotter.NewPolygon(ring)
	if err != nil {
		return nil, err
	}
	poly.LineStyle.Color = color.Transparent
	return poly, nil
}
