package suite

import (
	"context"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/convergo/convergo/graph"
	"github.com/convergo/convergo/solvers"
)

// TestProbe times a few steps of a workload (PROBE=name, PROBE_STEPS=n).
func TestProbe(t *testing.T) {
	name := os.Getenv("PROBE")
	if name == "" {
		t.Skip()
	}
	steps, _ := strconv.Atoi(os.Getenv("PROBE_STEPS"))
	opt := Options{}
	if os.Getenv("PROBE_FULL") != "" {
		opt.Size = Full
	}
	p, err := Problem(name, opt)
	if err != nil {
		t.Fatal(err)
	}
	cfg := p.Config
	cfg.Seed = 1
	m, err := graph.NewModel(p.Net(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := solvers.Parse(os.Getenv("PROBE_SOLVER"))
	tr := graph.Trainer{Solver: s, Steps: steps, Seed: 1, EvalEvery: steps / 5, EvalAtStart: true, OnEval: func(e graph.EvalStats) error {
		t.Logf("step %d loss %.4f acc %.4f train %.4f sec %.2f eval %.2fs", e.Step, e.TestLoss, e.TestAcc, e.TrainLoss, e.Seconds, e.EvalSeconds)
		return nil
	}}
	start := time.Now()
	cpu0 := cpuSeconds()
	h, err := tr.Fit(context.Background(), m, p.Train, p.Eval)
	if err != nil {
		t.Fatal(err)
	}
	cpu := cpuSeconds() - cpu0
	t.Logf("cpu %.1f s over the run (training and evaluations), %.2f cpu-s/step", cpu, cpu/float64(steps))
	t.Logf("%s: %d train rows, batch %d, %d steps/epoch; %.3f s/step, %.1f s/epoch (train time), wall %.1fs",
		name, p.Train.Len(), cfg.Batch, p.Train.Len()/cfg.Batch, h.Seconds/float64(steps), h.Seconds/float64(steps)*float64(p.Train.Len()/cfg.Batch), time.Since(start).Seconds())
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
