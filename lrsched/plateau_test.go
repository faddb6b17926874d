package lrsched

import (
	"encoding/json"
	"math"
	"testing"
)

// Plateau follows torch on NaN metrics: a NaN is never an improvement.
func TestPlateauNaN(t *testing.T) {
	p := mustParse(t, "plateau(lr=1,patience=1,factor=0.5)").(*Plateau)
	for _, m := range []float64{1, math.NaN(), math.NaN()} {
		p.Observe(m)
	}
	if got := p.LR(0); got != 0.5 { // two bad epochs > patience 1: one reduction
		t.Errorf("LR after NaNs = %v, want 0.5", got)
	}
	if st := p.State(); st.Best != 1 || st.Epochs != 3 {
		t.Errorf("state %+v", st)
	}
}

func TestPlateauStateRoundTrip(t *testing.T) {
	metrics := []float64{1, 0.9, 0.9, 0.9, 0.9, 0.8, 0.8, 0.8, 0.8, 0.8}
	spec := "plateau(lr=0.1,patience=1,cooldown=2)"
	// Reference: one run through all metrics.
	ref := mustParse(t, spec).(*Plateau)
	var want []float64
	for _, m := range metrics {
		want = append(want, ref.LR(0))
		ref.Observe(m)
	}
	for cut := 0; cut <= len(metrics); cut++ {
		a := mustParse(t, spec).(*Plateau)
		var got []float64
		for _, m := range metrics[:cut] {
			got = append(got, a.LR(0))
			a.Observe(m)
		}
		b, err := SaveState(a)
		if err != nil {
			t.Fatal(err)
		}
		resumed := mustParse(t, spec)
		if err := LoadState(resumed, b); err != nil {
			t.Fatalf("cut %d: %v (%s)", cut, err, b)
		}
		for _, m := range metrics[cut:] {
			got = append(got, resumed.LR(0))
			resumed.(Observer).Observe(m)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("cut %d: epoch %d: LR %v, want %v", cut, i, got[i], want[i])
			}
		}
	}
	// The initial state, Best = +Inf, survives JSON.
	p := mustParse(t, spec).(*Plateau)
	b, err := json.Marshal(p.State())
	if err != nil {
		t.Fatal(err)
	}
	var st PlateauState
	if err := json.Unmarshal(b, &st); err != nil || !math.IsInf(st.Best, 1) || st.LR != 0.1 {
		t.Errorf("%s -> %+v, %v", b, st, err)
	}
	if err := p.SetState(PlateauState{LR: -1}); err == nil {
		t.Error("SetState accepted lr=-1")
	}
	if err := LoadState(p, []byte("[]")); err == nil {
		t.Error("LoadState accepted 0 states for 1 plateau")
	}
	if b, err := SaveState(mustParse(t, "cosine(max=1,T=5)")); err != nil || string(b) != "[]" {
		t.Errorf("SaveState(pure) = %s, %v", b, err)
	}
}

// epochs runs a schedule the way the Trainer does with per-epoch stepping:
// LR(e) at the start of epoch e, Observe(metric) at its end.
func epochs(s Scheduler, metrics []float64) []float64 {
	out := make([]float64, len(metrics))
	for e, m := range metrics {
		out[e] = s.LR(e)
		if o, ok := s.(Observer); ok {
			o.Observe(m)
		}
	}
	return out
}

func TestPlateauInComposites(t *testing.T) {
	flat := []float64{1, 1, 1, 1, 1, 1, 1, 1, 1, 1} // never improves after the first epoch
	tests := []struct {
		spec string
		want []float64
	}{
		// Plain: patience 1, so epochs 1,2 bad -> reduce after epoch 2, again after 4, ...
		{"plateau(lr=1,patience=1,factor=0.5)", []float64{1, 1, 1, 0.5, 0.5, 0.25, 0.25, 0.125, 0.125, 0.0625}},
		// Warm-up for 3 epochs towards the plateau's rate, metrics dropped meanwhile; the
		// plateau's first metric is epoch 3's, so it reduces after epochs 5, 7, 9.
		{"warmup(steps=3,plateau(lr=1,patience=1,factor=0.5))", []float64{0, 1.0 / 3, 2.0 / 3, 1, 1, 1, 0.5, 0.5, 0.25, 0.25}},
		// Sequential: constant for 4 epochs (metrics not seen by the plateau), then the
		// plateau from its own lr; it sees epochs 4.. and reduces after epochs 6 and 8.
		{"sequential(constant(lr=2),plateau(lr=1,patience=1,factor=0.5),milestones=[4])", []float64{2, 2, 2, 2, 1, 1, 1, 0.5, 0.5, 0.25}},
		// Plateau first, then a cosine: the plateau stops seeing metrics at the milestone.
		{"sequential(plateau(lr=1,patience=0,factor=0.5),constant(lr=0.01),milestones=[3])", []float64{1, 1, 0.5, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01}},
		// Nested: warmup inside sequential; the warm-up counts the sequential's local step.
		{"sequential(constant(lr=2),warmup(steps=2,plateau(lr=1,patience=0,factor=0.5)),milestones=[2])", []float64{2, 2, 0, 0.5, 1, 1, 0.5, 0.25, 0.125, 0.0625}},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			s := mustParse(t, tt.spec)
			if !Observes(s) {
				t.Fatal("Observes = false")
			}
			if len(Plateaus(s)) != 1 {
				t.Fatalf("Plateaus = %v", Plateaus(s))
			}
			got := epochs(s, flat)
			for e := range tt.want {
				if !closeRel(got[e], tt.want[e], 1e-15) {
					t.Errorf("epoch %d: LR %v, want %v (all: %v)", e, got[e], tt.want[e], got)
					break
				}
			}
		})
	}
	// Composites without an Observer inside keep Observe as a no-op and stay pure.
	for _, spec := range []string{"warmup(steps=3,cosine(max=1,T=5))", "sequential(constant(lr=1),constant(lr=2),milestones=[1])"} {
		s := mustParse(t, spec)
		if Observes(s) {
			t.Errorf("%s: Observes = true", spec)
		}
		s.(Observer).Observe(1) // no effect, no panic
	}
}
