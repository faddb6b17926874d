package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/convergo/convergo/compare"
)

// bar is a one-line progress bar redrawn in place with '\r'; it is only
// used when stdout is a terminal.
type bar struct {
	w     io.Writer
	last  time.Time
	drawn bool
}

func newBar(w io.Writer) *bar { return &bar{w: w} }

const barWidth = 30

// update redraws the bar at most ten times a second, and always when a
// trial finishes. The ETA extrapolates the steps run by this process.
func (b *bar) update(p compare.Progress) {
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
	fmt.Fprintf(b.w, "\r[%s%s] %d/%d trials %3.0f%%  elapsed %s  ETA %s ",
		strings.Repeat("#", fill), strings.Repeat("-", barWidth-fill), p.TrialsDone, p.Trials, 100*frac, clock(p.Elapsed), eta)
	b.drawn = true
}

// done ends the bar's line.
func (b *bar) done() {
	if b.drawn {
		fmt.Fprintln(b.w)
		b.drawn = false
	}
}

func clock(d time.Duration) string {
	s := int(d.Round(time.Second).Seconds())
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}
