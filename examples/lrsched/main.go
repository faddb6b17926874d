// Command lrsched prints and plots learning-rate schedules given as specs.
//
// Usage:
//
//	go run ./examples/lrsched [-steps N] [-out prefix] [-outdir dir] [-s spec]... [spec...]
//
// Each schedule is given as a spec (see package lrsched), with a repeatable
// -s flag or as positional arguments (quote them for the shell). It writes
// the curves to <outdir>/<prefix>.png and .svg (creating outdir), says so on
// standard error, then prints a table (a column "step", then one column per
// schedule) for steps 0..N-1 on standard output. With no schedule it
// reproduces the classic figure of exponential decay
// expdecay(lr=0.1,k=0.01) against cosine annealing cosine(max=0.1,min=0,T=50)
// over 100 steps, the cosine climbing back to 0.1 after step 50 as its
// formula does (cosine(...,hold=true) stays at min instead):
//
//	go run ./examples/lrsched
//	go run ./examples/lrsched -steps 300 -out warm 'warmup(steps=30,cosine(max=0.1,T=300))' 'wsd(lr=0.1,warmup=30,decay=60,total=300)'
//	go run ./examples/lrsched -steps 100000 | head
//
// The table may be cut short by its reader (head): a closed standard output
// ends the program quietly, with status 0, the figures already written.
// -h prints the flags and exits with status 0. A plateau schedule gets no
// metrics here, so it plots as a constant.
package main

import (
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"

	"github.com/pkg/errors"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/convergo/convergo/lrsched"
)

// defaultSpecs is the classic figure: exponential decay against cosine
// annealing with the same initial rate.
var defaultSpecs = []string{"expdecay(lr=0.1,k=0.01)", "cosine(max=0.1,min=0,T=50)"}

type config struct {
	specs  []string
	steps  int
	out    string
	outdir string
}

// specList is a repeatable string flag.
type specList []string

func (s *specList) String() string     { return strings.Join(*s, " ") }
func (s *specList) Set(v string) error { *s = append(*s, v); return nil }

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	var specs specList
	fs := flag.NewFlagSet("lrsched", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Var(&specs, "s", "a schedule spec (repeatable; positional arguments are specs too)")
	fs.IntVar(&c.steps, "steps", 100, "number of steps to print and plot (0..N-1)")
	fs.StringVar(&c.out, "out", "lrsched", "output file prefix: writes <prefix>.png and <prefix>.svg")
	fs.StringVar(&c.outdir, "outdir", ".", "directory for the figures")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	c.specs = append(specs, fs.Args()...)
	if len(c.specs) == 0 {
		c.specs = append([]string(nil), defaultSpecs...)
	}
	if c.steps <= 0 {
		return c, errors.Errorf("-steps=%d: must be > 0", c.steps)
	}
	if c.out == "" || strings.ContainsRune(c.out, os.PathSeparator) {
		return c, errors.Errorf("-out=%q: want a file name prefix (use -outdir for the directory)", c.out)
	}
	return c, nil
}

func main() {
	// With SIGPIPE notified, a write to a closed standard output fails with
	// EPIPE instead of killing the program, and realMain ends quietly.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	os.Exit(realMain(os.Args[1:], os.Stdout, os.Stderr))
}

// realMain runs the program and returns its exit status: 0 on success,
// after -h, or when stdout was closed by its reader; 1 on an error, which
// it prints to stderr; 2 for bad flags.
func realMain(args []string, stdout, stderr io.Writer) int {
	c, err := parseFlags(args, stderr)
	if err == flag.ErrHelp {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "lrsched:", err)
		return 2
	}
	if err := run(c, stdout, stderr); err != nil {
		if errors.Is(err, syscall.EPIPE) {
			return 0 // the reader (head) has what it wanted
		}
		fmt.Fprintln(stderr, "lrsched:", err)
		return 1
	}
	return 0
}

// run writes the figures, then the table: a reader that stops early (head)
// still gets the figures.
func run(c config, stdout, stderr io.Writer) error {
	scheds := make([]lrsched.Scheduler, len(c.specs))
	for i, s := range c.specs {
		var err error
		if scheds[i], err = lrsched.Parse(s); err != nil {
			return err
		}
	}
	lrs := make([][]float64, len(scheds))
	for i, s := range scheds {
		lrs[i] = make([]float64, c.steps)
		for t := range c.steps {
			lrs[i][t] = s.LR(t)
		}
	}
	p, err := figure(c.specs, lrs)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(c.outdir, 0o755); err != nil {
		return errors.Wrapf(err, "-outdir")
	}
	for _, ext := range []string{".png", ".svg"} {
		path := filepath.Join(c.outdir, c.out+ext)
		if err := save(p, path, ext); err != nil {
			return errors.Wrapf(err, "writing %s", path)
		}
		fmt.Fprintln(stderr, "wrote", path)
	}
	return errors.Wrap(printTable(stdout, c.specs, lrs), "writing the table")
}

// Figure size: 16 cm × 10 cm reads at its natural size; the PNG at 150 dpi
// (945×591 pixels) stays sharp on screens.
const (
	width  = 16 * vg.Centimeter
	height = 10 * vg.Centimeter
	dpi    = 150
)

func save(p *plot.Plot, path, ext string) (err error) {
	var w io.WriterTo
	if ext == ".png" {
		c := vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(width, height), vgimg.UseDPI(dpi))}
		p.Draw(draw.New(c))
		w = c
	} else if w, err = p.WriterTo(width, height, ext[1:]); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := w.WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func printTable(w io.Writer, specs []string, lrs [][]float64) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprint(tw, "step")
	for _, s := range specs {
		fmt.Fprint(tw, "\t", s)
	}
	fmt.Fprintln(tw)
	for t := range lrs[0] {
		fmt.Fprint(tw, t)
		for i := range lrs {
			fmt.Fprintf(tw, "\t%.6g", lrs[i][t])
		}
		fmt.Fprintln(tw)
	}
	return tw.Flush()
}

func figure(specs []string, lrs [][]float64) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("Learning-rate schedules over %d steps", len(lrs[0]))
	p.X.Label.Text = "step"
	p.Y.Label.Text = "learning rate"
	p.Y.Min = 0
	top := 0.0
	for _, l := range lrs {
		for _, lr := range l {
			top = max(top, lr)
		}
	}
	// Headroom for the legend above the curves: each entry takes about
	// 6.5% of the plot's height at this figure size (measured on the PNG).
	p.Y.Max = top / (1 - 0.065*float64(min(len(specs), 10)+1))
	p.X.Tick.Marker = intTicks{}
	p.Add(plotter.NewGrid())
	p.Legend.Top = true
	for i, s := range specs {
		xys := make(plotter.XYs, len(lrs[i]))
		for t, lr := range lrs[i] {
			xys[t] = plotter.XY{X: float64(t), Y: lr}
		}
		l, err := plotter.NewLine(xys)
		if err != nil {
			return nil, errors.Wrapf(err, "plotting %s", s)
		}
		l.Color = plotutil.Color(i)
		l.Dashes = plotutil.Dashes(i)
		l.Width = vg.Points(1.5)
		p.Add(l)
		p.Legend.Add(s, l)
	}
	return p, nil
}

// intTicks marks steps with round integers: about five labelled ticks at a
// 1, 2 or 5 ×10^k spacing, and unlabelled ticks in between.
type intTicks struct{}

func (intTicks) Ticks(lo, hi float64) []plot.Tick {
	span := hi - lo
	if span <= 0 {
		return []plot.Tick{{Value: lo, Label: fmt.Sprint(lo)}}
	}
	step := 1.0
	for _, m := range []float64{1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 2e5, 5e5, 1e6} {
		step = m
		if span/m <= 6 {
			break
		}
	}
	var ticks []plot.Tick
	minor := step / 5
	if step < 5 {
		minor = step
	}
	for v := math.Ceil(lo/minor) * minor; v <= hi; v += minor {
		t := plot.Tick{Value: v}
		if math.Mod(v, step) == 0 {
			t.Label = strconv.FormatFloat(v, 'f', -1, 64)
		}
		ticks = append(ticks, t)
	}
	return ticks
}
