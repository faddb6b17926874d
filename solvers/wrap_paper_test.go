package solvers

import (
	"fmt"
	"math"
	"testing"
)

// wrapperPaperCases are the paper cases of the wrappers of issue 13: each
// reference is the wrapper's rule written out in float64 around the inner
// solver's rule (written out too), independently of the kernels.
func wrapperPaperCases() []paperCase {
	var cases []paperCase
	// cautiousRef applies the rule of Liang et al. 2024 (C-Optim's
	// c_adamw.py: mask = (u·g > 0) with u the ascent direction, divided by
	// mask.mean().clamp(min=1e-3)) to a proposed descent step d: θ += d·φ/max(mean φ, 1e-3).
	cautiousRef := func(w, d, g []float64) {
		n := 0
		for i := range w {
			if -d[i]*g[i] > 0 {
				n++
			}
		}
		scale := 1 / math.Max(float64(n)/float64(len(w)), 1e-3)
		for i := range w {
			if -d[i]*g[i] > 0 {
				w[i] += d[i] * scale
			}
		}
	}
	{ // cautious(sgd(momentum)): b = g (t = 1), b = μb + g; d = -lr·b. Momentum
		// makes b and g disagree in sign on the quadratic's oscillations.
		lr, mu := 0.3, 0.9
		var b []float64
		cases = append(cases, paperCase{name: "cautious", spec: "cautious(sgd(lr=0.3,momentum=0.9))",
			ref: func(ws, gs [][]float64, t int) {
				if b == nil {
					b = append([]float64(nil), gs[0]...)
				} else {
					for i := range b {
						b[i] = mu*b[i] + gs[0][i]
					}
				}
				d := make([]float64, len(b))
				for i := range d {
					d[i] = -lr * b[i]
				}
				cautiousRef(ws[0], d, gs[0])
			}})
	}
	{ // cautious(adamw): C-AdamW: θ ← θ(1-lr·λ) unmasked, then the masked
		// Adam step d = -lr/(1-β1^t)·m/(√v/√(1-β2^t)+ε).
		lr, b1, b2, eps, wd := 0.1, 0.9, 0.999, 1e-8, 0.1
		var m, v []float64
		cases = append(cases, paperCase{name: "cautious", spec: "cautious(adamw(lr=0.1,weight_decay=0.1))",
			ref: func(ws, gs [][]float64, t int) {
				if m == nil {
					m, v = make([]float64, 3), make([]float64, 3)
				}
				d := make([]float64, 3)
				for i := range ws[0] {
					ws[0][i] *= 1 - lr*wd
					m[i] = b1*m[i] + (1-b1)*gs[0][i]
					v[i] = b2*v[i] + (1-b2)*gs[0][i]*gs[0][i]
					d[i] = -lr / (1 - math.Pow(b1, float64(t))) * m[i] / (math.Sqrt(v[i])/math.Sqrt(1-math.Pow(b2, float64(t))) + eps)
				}
				cautiousRef(ws[0], d, gs[0])
			}})
	}
	for _, warmup := range []bool{false, true} {
		// ema around sgd: θ -= lr·g; avg = θ after the first step, then
		// avg = β_t·avg + (1-β_t)·θ, β_t = β or min(β, (1+t)/(10+t)) with t
		// the earlier updates (Keras use_ema; tf.train.ExponentialMovingAverage).
		lr, beta := 0.1, 0.8
		var avg []float64
		cases = append(cases, paperCase{name: "ema", spec: fmt.Sprintf("ema(decay=0.8,warmup=%v,sgd(lr=0.1))", warmup),
			ref: func(ws, gs [][]float64, t int) {
				for i := range ws[0] {
					ws[0][i] -= lr * gs[0][i]
				}
				if avg == nil {
					avg = append([]float64(nil), ws[0]...)
					return
				}
				b := beta
				if warmup {
					b = math.Min(beta, float64(t)/float64(9+t)) // (1+t')/(10+t'), t' = t-1 earlier updates
				}
				for i := range avg {
					avg[i] = b*avg[i] + (1-b)*ws[0][i]
				}
			},
			after: func(t *testing.T, s Solver, ps []*testParam, step int) {
				theta := ps[0].values()
				es := s.(EvalSwapper)
				if err := es.SwapToEval(); err != nil {
					t.Fatal(err)
				}
				compare(t, fmt.Sprintf("step %d: average", step), ps[0].values(), avg, tolFor(ps[0]))
				if err := s.Step(valueGrads(ps...)); err == nil {
					t.Fatal("Step in eval mode: no error")
				}
				if err := es.SwapToTrain(); err != nil {
					t.Fatal(err)
				}
				compare(t, fmt.Sprintf("step %d: θ after the swaps", step), ps[0].values(), theta, 0)
			}})
	}
	{ // chain: clip p0's gradient to norm 0.5 (scale 0.5/(‖g‖+1e-6) when
		// below 1), add 0.1·θ to p1's, decay p0 by 1-lr·0.2, then sgd(lr=0.1).
		lr := 0.1
		cases = append(cases, paperCase{name: "chain",
			spec:   "chain(clip_norm(max=0.5,mask=p0),coupled_decay(weight_decay=0.1,mask=p1),decay(weight_decay=0.2,mask=p0),sgd(lr=0.1))",
			starts: [][]float64{quadStart, {0.5, -1, 2}},
			ref: func(ws, gs [][]float64, t int) {
				g0, g1 := append([]float64(nil), gs[0]...), append([]float64(nil), gs[1]...)
				norm := math.Sqrt(g0[0]*g0[0] + g0[1]*g0[1] + g0[2]*g0[2])
				if c := 0.5 / (norm + 1e-6); c < 1 {
					for i := range g0 {
						g0[i] *= c
					}
				}
				for i := range g1 {
					g1[i] += 0.1 * ws[1][i]
				}
				for i := range ws[0] {
					ws[0][i] *= 1 - lr*0.2
					ws[0][i] -= lr * g0[i]
					ws[1][i] -= lr * g1[i]
				}
			}})
	}
	{ // groups: p0 to the default sgd(lr=0.1), p1 to sgd(lr=0.02,momentum=0.5).
		var b []float64
		cases = append(cases, paperCase{name: "groups", spec: "groups(sgd(lr=0.1),p1=sgd(lr=0.02,momentum=0.5))",
			starts: [][]float64{quadStart, {0.5, -1, 2}},
			ref: func(ws, gs [][]float64, t int) {
				if b == nil {
					b = append([]float64(nil), gs[1]...)
				} else {
					for i := range b {
						b[i] = 0.5*b[i] + gs[1][i]
					}
				}
				for i := range ws[0] {
					ws[0][i] -= 0.1 * gs[0][i]
					ws[1][i] -= 0.02 * b[i]
				}
			}})
	}
	return cases
}
