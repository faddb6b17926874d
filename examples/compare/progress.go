package main

import (
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/convergo/convergo/compare"
)

// bar is a one-line progress bar redrawn in place with '\r', naming the
// trials that are running; it is only used when stdout is a terminal.
// A trial that diverges or fails is reported on a line of its own above
// the bar as it happens.
type bar struct {
	w       io.Writer
	last    time.Time
	drawn   bool
	skipped int
}

func newBar(w io.Writer) *bar { return &bar{w: w} }

const barWidth = 24

// update redraws the bar at most ten times a second, and always when a
// trial finishes. The ETA extrapolates the steps run by this process.
func (b *bar) update(p compare.Progress) {
	if tr := p.Trial; tr != nil && p.Skipped == b.skipped && tr.Status != compare.StatusOK {
		b.clear()
		fmt.Fprintln(b.w, trialLine(p))
	}
	b.skipped = p.Skipped
	if p.Trial == nil && time.Since(b.last) < 100*time.Millisecond {
		return
	}
	b.last = time.Now()
	frac := 0.0
	if p.Steps > 0 {
		frac = float64(p.StepsDone) / float64(p.Steps)
	}
	fill := int(frac * barWidth)
	eta := "--:--"
	if p.StepsRun > 0 && p.StepsDone < p.Steps {
		rate := float64(p.StepsRun) / p.Elapsed.Seconds()
		eta = clock(time.Duration(float64(p.Steps-p.StepsDone) / rate * float64(time.Second)))
	} else if p.StepsDone >= p.Steps {
		eta = "0:00"
	}
	running := strings.Join(p.Running, "; ")
	if p.Phase == "tuning" {
		running = "tuning: " + running
	}
	if r := []rune(running); len(r) > 70 {
		running = string(r[:69]) + "…"
	}
	fmt.Fprintf(b.w, "\r\x1b[K[%s%s] %d/%d trials %3.0f%%  %s  ETA %s  %s",
		strings.Repeat("#", fill), strings.Repeat("-", barWidth-fill), p.TrialsDone, p.Trials, 100*frac, clock(p.Elapsed), eta, running)
	b.drawn = true
}

func (b *bar) clear() {
	if b.drawn {
		fmt.Fprint(b.w, "\r\x1b[K")
	}
}

// done ends the bar's line.
func (b *bar) done() {
	if b.drawn {
		fmt.Fprintln(b.w)
		b.drawn = false
	}
}

// lines is the progress report when stdout is not a terminal (a Slurm or
// Kubernetes log): one line per trial that finishes in this run.
type lines struct {
	w       io.Writer
	skipped int
}

func (l *lines) update(p compare.Progress) {
	if p.Trial != nil && p.Skipped == l.skipped {
		fmt.Fprintln(l.w, trialLine(p))
	}
	l.skipped = p.Skipped
}

// trialLine describes the trial that just finished.
func trialLine(p compare.Progress) string {
	t := p.Trial
	what := fmt.Sprintf("%s seed %d", t.Strategy, t.Seed)
	if t.Phase == "tune" {
		what = fmt.Sprintf("tuning %s config %d seed %d", t.Strategy, t.Config, t.Seed)
	}
	head := fmt.Sprintf("[%d/%d %s] %s: ", p.TrialsDone, p.Trials, clock(p.Elapsed), what)
	if t.Status != compare.StatusOK {
		return head + strings.ToUpper(t.Status) + " " + t.Error
	}
	s := head + fmt.Sprintf("ok, %d steps in %.1f s", t.Steps, t.Seconds)
	s += fmt.Sprintf(", loss %.4g", t.FinalTestLoss)
	if !math.IsNaN(t.FinalTestAcc) {
		s += fmt.Sprintf(", acc %.4f", t.FinalTestAcc)
	}
	if t.Reached() {
		s += fmt.Sprintf(", target at step %d", t.StepsToTarget)
	}
	return s
}

func clock(d time.Duration) string {
	s := int(d.Round(time.Second).Seconds())
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}
