package graph

import (
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/convergo/convergo/layers"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// concurrentChildEnv names the test a child process of inFreshProcess runs.
const concurrentChildEnv = "CONVERGO_GRAPH_CONCURRENT_CHILD"

// inFreshProcess runs body in a child process (the test binary itself,
// running only this test; about 0.1 s), unless this process is that child.
//
// The data race of issue 16 shows only while Gorgonia's package-level
// constant nodes are cold, that is in the first graphs a process builds, so
// a test that looks for it must be the first to build one: in a fresh
// process every -count repetition is a real attempt, whatever ran before.
func inFreshProcess(t *testing.T, body func(t *testing.T)) {
	if os.Getenv(concurrentChildEnv) == t.Name() {
		body(t)
		return
	}
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^"+t.Name()+"$", "-test.count=1", "-test.v")
	// A -race binary sleeps a second before exiting (atexit_sleep_ms,
	// for the reports of other goroutines); the child need not.
	gorace := strings.TrimSpace(os.Getenv("GORACE") + " atexit_sleep_ms=0")
	cmd.Env = append(os.Environ(), concurrentChildEnv+"="+t.Name(), "GORACE="+gorace)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child process: %v\n%s", err, out)
	}
}

// TestConcurrentNewModel is the reproduction of issue 16's data race
// (run it with -race): gorgonia.Grad adds Gorgonia's package-level constant
// node 1 to the graph, and Node.Hashcode caches its hash in that shared
// node lazily, so two goroutines building the first models of a process
// wrote the same fields. The network waits at a barrier when the
// evaluation graph is built, just before NewModel calls Grad, so that the
// two goroutines reach the racy write together and -race reports it on
// every run (without the barrier, incidental synchronisation — sync.Pool
// under the race detector — hid it in 9 runs of 10).
func TestConcurrentNewModel(t *testing.T) {
	inFreshProcess(t, func(t *testing.T) {
		const goroutines = 2
		var barrier sync.WaitGroup
		barrier.Add(goroutines)
		var wg sync.WaitGroup
		for range goroutines {
			wg.Go(func() {
				net := layers.Stack(layers.Dense(8), layers.ReLU(), layers.Dense(3),
					layers.Func(func(b *layers.Builder, x *gorgonia.Node) (*gorgonia.Node, error) {
						if !b.Training { // the evaluation graph, built last
							barrier.Done()
							barrier.Wait()
						}
						return x, nil
					}))
				if _, err := NewModel(net, Config{Input: []int{12}, Classes: 3, Batch: 4, EvalBatch: 4}); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	})
}

// TestConcurrentModels builds and trains every network of machineCases,
// float32 and float64, in two goroutines at once, as compare's parallel
// trials do, and requires the numbers of the same models built one after
// the other, bit for bit. Under -race it looks for anything else the
// layers, the penalties and the machine (at run time too) might share
// between models; it has no barrier, so it is not a reliable reproduction
// of the Hashcode race itself (it missed it in 10 runs of 10).
func TestConcurrentModels(t *testing.T) {
	inFreshProcess(t, concurrentModels)
}

// concurrentModels is the body of TestConcurrentModels. It must build its
// first model in the goroutines, not before them: a model built first by
// the test goroutine would warm the shared nodes and hide the race.
func concurrentModels(t *testing.T) {
	const goroutines = 2
	type key struct {
		name string
		dt   tensor.Dtype
	}
	var keys []key
	for _, tc := range machineCases {
		for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
			keys = append(keys, key{tc.name, dt})
		}
	}
	run := func(tc int, dt tensor.Dtype) ([]float64, error) {
		const batch, classes, steps = 5, 3, 3
		c := machineCases[tc]
		cfg := Config{Input: c.input, Classes: classes, Batch: batch, EvalBatch: batch, Dtype: dt, Seed: 9, Penalty: c.penalty}
		m, err := NewModel(c.net(), cfg)
		if err != nil {
			return nil, err
		}
		f := cfg.features()
		rng := rand.New(rand.NewPCG(1, 2))
		x := make([]float32, batch*f)
		y := make([]int, batch)
		var losses []float64
		solver := &sgd{lr: 0.1}
		for step := range steps {
			for i := range x {
				x[i] = rng.Float32()*2 - 1
			}
			for i := range y {
				y[i] = rng.IntN(classes)
			}
			loss, err := m.trainStep(x, y, batch, step)
			if err != nil {
				return nil, err
			}
			losses = append(losses, loss)
			if err := solver.Step(gorgonia.NodesToValueGrads(m.params)); err != nil {
				return nil, err
			}
		}
		m.fill(&m.eval, x, nil, batch)
		if err := m.eval.vm.run(); err != nil {
			return nil, err
		}
		switch d := m.eval.logits.Value().Data().(type) {
		case []float32:
			for _, v := range d {
				losses = append(losses, float64(v))
			}
		case []float64:
			losses = append(losses, d...)
		}
		return losses, nil
	}
	got := make([][][]float64, goroutines)
	errs := make([]error, goroutines)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			// Each goroutine walks the cases in a different order, so
			// that they build different graphs at the same time too.
			got[g] = make([][]float64, len(keys))
			for j := range keys {
				k := (j + g*len(keys)/goroutines) % len(keys)
				tc := k / 2
				var err error
				if got[g][k], err = run(tc, keys[k].dt); err != nil {
					errs[g] = err
					return
				}
			}
		})
	}
	wg.Wait()
	for g, err := range errs {
		if err != nil {
			t.Fatalf("goroutine %d: %v", g, err)
		}
	}
	for k, key := range keys {
		want, err := run(k/2, key.dt)
		if err != nil {
			t.Fatal(err)
		}
		for g := range goroutines {
			for i := range want {
				if math.Float64bits(got[g][k][i]) != math.Float64bits(want[i]) {
					t.Fatalf("%s/%v: goroutine %d: value %d is %v, built alone %v", key.name, key.dt, g, i, got[g][k][i], want[i])
				}
			}
		}
	}
}
