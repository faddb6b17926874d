package solvers

import (
	"fmt"
	"math"
	"testing"

	"gorgonia.org/tensor"
)

// The solvers without a PyTorch reference are checked against their
// papers' update rules, written out below in scalar float64 code, step by
// step, independently of the solvers' kernels.

// quadGrad is the gradient of f(θ) = Σ ½aᵢθᵢ² + bᵢθᵢ, with a = (1, 3, 2)
// and b = (0.5, 0, 0): arbitrary small numbers; the third element starts
// at 0 with gradient 0, which exercises sign(0) = 0 and zero moments.
func quadGrad(w []float64) []float64 {
	a, b := []float64{1, 3, 2}, []float64{0.5, 0, 0}
	g := make([]float64, len(w))
	for i := range w {
		g[i] = a[i]*w[i] + b[i]
	}
	return g
}

var quadStart = []float64{1, -2, 0} // arbitrary, with a 0 (see quadGrad)

type paperCase struct {
	name, spec string
	// ref updates the parameters ws (one slice per tensor) given their
	// gradients gs at step t (from 1), the way the paper says.
	ref func(ws, gs [][]float64, t int)
	// starts are the initial tensors (default: one, quadStart).
	starts [][]float64
	// check, if set, runs after each step with the solver and the
	// reference's extra state (for SFAdamW's evaluation point).
	after func(t *testing.T, s Solver, ps []*testParam, step int)
}

func sign(x float64) float64 {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return 0
}

func paperCases() []paperCase {
	var cases []paperCase

	{ // Momentum, the EMA form of DESIGN.md: v = βv + (1-β)g, θ -= lr·v, v0 = 0.
		lr, beta := 0.1, 0.8 // arbitrary, not the defaults
		var v []float64
		cases = append(cases, paperCase{name: "momentum", spec: "momentum(lr=0.1,beta=0.8)",
			ref: func(ws, gs [][]float64, t int) {
				if v == nil {
					v = make([]float64, len(ws[0]))
				}
				for i := range ws[0] {
					v[i] = beta*v[i] + (1-beta)*gs[0][i]
					ws[0][i] -= lr * v[i]
				}
			}})
	}
	{ // Lion, Chen et al. 2023, Algorithm 2 (decoupled weight decay, sign(0) = 0):
		// c = β1 m + (1-β1) g; θ = θ - η(sign(c) + λθ); m = β2 m + (1-β2) g.
		lr, b1, b2, wd := 0.05, 0.9, 0.99, 0.1
		var m []float64
		cases = append(cases, paperCase{name: "lion", spec: "lion(lr=0.05,weight_decay=0.1)",
			ref: func(ws, gs [][]float64, t int) {
				if m == nil {
					m = make([]float64, len(ws[0]))
				}
				for i := range ws[0] {
					c := b1*m[i] + (1-b1)*gs[0][i]
					ws[0][i] -= lr * (sign(c) + wd*ws[0][i])
					m[i] = b2*m[i] + (1-b2)*gs[0][i]
				}
			}})
	}
	{ // AdaBelief, Zhuang et al. 2020, Algorithm 2: m = β1 m + (1-β1) g;
		// s = β2 s + (1-β2)(g-m)² + ε; m̂ = m/(1-β1^t); ŝ = s/(1-β2^t);
		// θ = θ - α m̂/(√ŝ + ε); weight decay decoupled: θ ← θ(1-αλ) first.
		lr, b1, b2, eps, wd := 0.01, 0.8, 0.9, 1e-3, 0.2 // eps large enough to matter
		var m, s []float64
		cases = append(cases, paperCase{name: "adabelief", spec: "adabelief(lr=0.01,beta1=0.8,beta2=0.9,eps=0.001,weight_decay=0.2)",
			ref: func(ws, gs [][]float64, t int) {
				if m == nil {
					m, s = make([]float64, len(ws[0])), make([]float64, len(ws[0]))
				}
				for i := range ws[0] {
					g := gs[0][i]
					ws[0][i] *= 1 - lr*wd
					m[i] = b1*m[i] + (1-b1)*g
					s[i] = b2*s[i] + (1-b2)*(g-m[i])*(g-m[i]) + eps
					mh := m[i] / (1 - math.Pow(b1, float64(t)))
					sh := s[i] / (1 - math.Pow(b2, float64(t)))
					ws[0][i] -= lr * mh / (math.Sqrt(sh) + eps)
				}
			}})
	}
	{ // LAMB, You et al. 2020, Algorithm 2, per tensor, φ(z) = z:
		// m, v as Adam; r = m̂/(√v̂+ε) + λθ; θ = θ - η‖θ‖/‖r‖ r, ratio 1 when a
		// norm is 0 (the second tensor starts at 0 so ‖θ‖ = 0 at step 1).
		lr, b1, b2, eps, wd := 0.1, 0.9, 0.999, 1e-6, 0.01
		var m, v [][]float64
		cases = append(cases, paperCase{name: "lamb", spec: "lamb(lr=0.1,weight_decay=0.01)",
			starts: [][]float64{quadStart, {0, 0, 0}},
			ref: func(ws, gs [][]float64, t int) {
				if m == nil {
					for range ws {
						m, v = append(m, make([]float64, 3)), append(v, make([]float64, 3))
					}
				}
				for k := range ws {
					r := make([]float64, len(ws[k]))
					var wn, rn float64
					for i := range ws[k] {
						g := gs[k][i]
						m[k][i] = b1*m[k][i] + (1-b1)*g
						v[k][i] = b2*v[k][i] + (1-b2)*g*g
						mh := m[k][i] / (1 - math.Pow(b1, float64(t)))
						vh := v[k][i] / (1 - math.Pow(b2, float64(t)))
						r[i] = mh/(math.Sqrt(vh)+eps) + wd*ws[k][i]
						wn += ws[k][i] * ws[k][i]
						rn += r[i] * r[i]
					}
					ratio := 1.0
					if wn > 0 && rn > 0 {
						ratio = math.Sqrt(wn) / math.Sqrt(rn)
					}
					for i := range ws[k] {
						ws[k][i] -= lr * ratio * r[i]
					}
				}
			}})
	}
	{ // Schedule-Free AdamW, Defazio et al. 2024 (Algorithm 1 with Adam
		// normalisation), as the authors' current AdamWScheduleFree
		// (facebookresearch/schedule_free, schedulefree/adamw_schedulefree.py
		// at 43e5c2d9; r = 0, weight_lr_power = 2, no inner momentum), written
		// with explicit x and z sequences:
		// y_t = (1-β1) z_t + β1 x_t (gradients taken at y);
		// z_{t+1} = z_t - γ_t (g/(√(v/(1-β2^t))+ε) + λ y_t);
		// x_{t+1} = (1-c) x_t + c z_{t+1}, c = γ_max,t² / Σ γ_max,i²;
		// γ_t = lr·min(1, t/warmup) (no bias correction since 2024-11-04).
		lr, b1, b2, eps, wd, warmup := 0.1, 0.9, 0.999, 1e-8, 0.05, 3
		var x, z, v []float64
		var lrMax, wsum float64
		cases = append(cases, paperCase{name: "sfadamw", spec: "sfadamw(lr=0.1,weight_decay=0.05,warmup=3)",
			ref: func(ws, gs [][]float64, t int) {
				if x == nil {
					x, z, v = append([]float64(nil), ws[0]...), append([]float64(nil), ws[0]...), make([]float64, 3)
				}
				gamma := lr * min(1, float64(t)/float64(warmup))
				lrMax = max(lrMax, gamma)
				wsum += lrMax * lrMax
				c := lrMax * lrMax / wsum
				bc2 := 1 - math.Pow(b2, float64(t))
				for i := range ws[0] {
					y := ws[0][i]
					v[i] = b2*v[i] + (1-b2)*gs[0][i]*gs[0][i]
					z[i] -= gamma * (gs[0][i]/(math.Sqrt(v[i]/bc2)+eps) + wd*y)
					x[i] = (1-c)*x[i] + c*z[i]
					ws[0][i] = (1-b1)*z[i] + b1*x[i]
				}
			},
			after: func(t *testing.T, s Solver, ps []*testParam, step int) {
				// The evaluation point is x; back in train mode, y again.
				y := ps[0].values()
				es := s.(EvalSwapper)
				if err := es.SwapToEval(); err != nil {
					t.Fatal(err)
				}
				tol := tolFor(ps[0])
				compare(t, fmt.Sprintf("step %d: x", step), ps[0].values(), x, tol)
				if err := s.Step(valueGrads(ps...)); err == nil {
					t.Fatal("Step in eval mode: no error")
				}
				if err := es.SwapToTrain(); err != nil {
					t.Fatal(err)
				}
				compare(t, fmt.Sprintf("step %d: y after swaps", step), ps[0].values(), y, tol)
			}})
	}
	{ // Lookahead, Zhang et al. 2019, Algorithm 1: the inner optimizer (here
		// plain SGD, lr 0.1) takes k = 3 steps from the fast weights; then
		// φ = φ + α(θ - φ), θ = φ, with α = 0.5; inner state is kept.
		lr, k, alpha := 0.1, 3, 0.5
		var slow []float64
		cases = append(cases, paperCase{name: "lookahead", spec: "lookahead(k=3,alpha=0.5,sgd(lr=0.1))",
			ref: func(ws, gs [][]float64, t int) {
				if slow == nil {
					slow = append([]float64(nil), ws[0]...)
				}
				for i := range ws[0] {
					ws[0][i] -= lr * gs[0][i]
				}
				if t%k == 0 {
					for i := range ws[0] {
						slow[i] += alpha * (ws[0][i] - slow[i])
						ws[0][i] = slow[i]
					}
				}
			}})
	}
	cases = append(cases, wrapperPaperCases()...) // issue 13: cautious, ema, chain, groups (wrap_paper_test.go)
	return cases
}

func tolFor(p *testParam) float64 {
	if p.v.Dtype() == tensor.Float32 {
		return 1e-5 // float32: a few ulps per step over 10 steps
	}
	return 1e-12 // float64: reassociation only
}

func compare(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	for i := range want {
		if math.Abs(got[i]-want[i]) > tol*(math.Abs(want[i])+1e-3) {
			t.Fatalf("%s: element %d = %.17g, want %.17g", what, i, got[i], want[i])
		}
	}
}

func TestPaperSolvers(t *testing.T) {
	const steps = 10 // enough for bias corrections, warmup and two lookahead syncs
	for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
		for _, c := range paperCases() { // fresh reference state per dtype
			t.Run(c.name+"/"+dt.String(), func(t *testing.T) {
				s, err := Parse(c.spec)
				if err != nil {
					t.Fatal(err)
				}
				starts := c.starts
				if starts == nil {
					starts = [][]float64{quadStart}
				}
				var ps []*testParam
				var ws [][]float64
				for i, st := range starts {
					ps = append(ps, newParam(fmt.Sprint("p", i), dt, []int{len(st)}, st...))
					ws = append(ws, append([]float64(nil), st...))
				}
				for step := 1; step <= steps; step++ {
					var gs [][]float64
					for _, p := range ps {
						// The gradient from the solver's own iterate (rounded
						// to dtype), so float32 errors do not accumulate twice.
						g := quadGrad(p.values())
						p.setGrad(g)
						gs = append(gs, g)
					}
					c.ref(ws, gs, step)
					if err := s.Step(valueGrads(ps...)); err != nil {
						t.Fatal(err)
					}
					for k, p := range ps {
						compare(t, fmt.Sprintf("step %d: tensor %d", step, k), p.values(), ws[k], tolFor(p))
						// Keep the reference on the solver's trajectory.
						copy(ws[k], p.values())
					}
					if c.after != nil {
						c.after(t, s, ps, step)
					}
				}
			})
		}
	}
}
