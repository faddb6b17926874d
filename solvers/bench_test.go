package solvers

import (
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// allocSpecs: every solver, with the options that add work.
var allocSpecs = []string{
	"sgd(momentum=0.9,nesterov=true,weight_decay=0.01,clip_norm=1,clip_value=1)", "momentum",
	"adagrad", "rmsprop(momentum=0.9,centered=true)", "adadelta", "adam(amsgrad=true)", "adamw",
	"adamax", "nadam", "radam", "lion", "adabelief", "lamb", "sfadamw", "lookahead(adam)",
	"muon", "muon(nesterov=false,adjust_lr_fn=match_rms_adamw,clip_norm=1,sfadamw)", "adafactor(weight_decay=0.01)",
	"ademamix(beta3_warmup=10,alpha_warmup=10,weight_decay=0.1)", "adopt(weight_decay=0.1)",
	"sfsgd(weight_decay=0.01)", "prodigy(weight_decay=0.01,bias_correction=true)",
	"cautious(adamw)", "ema(warmup=true,adam)", "groups(adam,biases=sgd(momentum=0.9),norms=adamw)",
	"chain(clip_norm(max=1,mask=weights),clip_value(max=0.5),coupled_decay(weight_decay=0.01,mask=biases),decay(weight_decay=0.1),adam)",
}

func TestStepAllocatesNothing(t *testing.T) {
	checkCovers(t, "allocSpecs", allocSpecs)
	for _, spec := range allocSpecs {
		for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
			t.Run(spec+"/"+dt.String(), func(t *testing.T) {
				s, err := Parse(spec)
				if err != nil {
					t.Fatal(err)
				}
				ps := valueGrads(newParam("W", dt, []int{4, 5}), newParam("b", dt, []int{5}), newParam("s", dt, nil))
				// A Gorgonia scalar (what a scalar node holds) too.
				ps = append(ps, &badParam{name: "f", v: gorgonia.NewF64(1), g: gorgonia.NewF64(0.5)})
				if err := s.Step(ps); err != nil { // first sight allocates the state
					t.Fatal(err)
				}
				if n := testing.AllocsPerRun(10, func() { _ = s.Step(ps) }); n != 0 {
					t.Errorf("Step allocates %v times per call in steady state", n)
				}
			})
		}
	}
}

// benchParams: 1M float32 parameters in one tensor, gradient set to a
// constant so every branch (signs, maxima) is taken the same way.
const benchParams = 1 << 20

func stepBench(b *testing.B, spec string) {
	s, err := Parse(spec)
	if err != nil {
		b.Fatal(err)
	}
	benchSolver(b, s)
}

func benchSolver(b *testing.B, s gorgonia.Solver) { benchSolverGrad(b, s, 1e-3) }

// tinyGrad is a gradient whose square is subnormal in float32; with it
// constant, the second moments converge to 1e-40, subnormal too.
const tinyGrad = 1e-20

// tinyBench is stepBench with gradients of tinyGrad: without flushing (see
// flush) Adam's Step ran 20–30× slower than BenchmarkStepAdam.
func tinyBench(b *testing.B, spec string) {
	s, err := Parse(spec)
	if err != nil {
		b.Fatal(err)
	}
	benchSolverGrad(b, s, tinyGrad)
}

func BenchmarkStepAdamTinyGrad(b *testing.B)        { tinyBench(b, "adam") }
func BenchmarkStepAMSGradTinyGrad(b *testing.B)     { tinyBench(b, "adam(amsgrad=true)") }
func BenchmarkStepRMSpropTinyGrad(b *testing.B)     { tinyBench(b, "rmsprop") }
func BenchmarkStepAdagradTinyGrad(b *testing.B)     { tinyBench(b, "adagrad") }
func BenchmarkStepAdadeltaTinyGrad(b *testing.B)    { tinyBench(b, "adadelta") }
func BenchmarkStepAdamaxTinyGrad(b *testing.B)      { tinyBench(b, "adamax") }
func BenchmarkStepNAdamTinyGrad(b *testing.B)       { tinyBench(b, "nadam") }
func BenchmarkStepRAdamTinyGrad(b *testing.B)       { tinyBench(b, "radam") }
func BenchmarkStepAdaBeliefTinyGrad(b *testing.B)   { tinyBench(b, "adabelief") }
func BenchmarkStepLAMBTinyGrad(b *testing.B)        { tinyBench(b, "lamb") }
func BenchmarkStepSFAdamWTinyGrad(b *testing.B)     { tinyBench(b, "sfadamw") }
func BenchmarkStepSGDMomentumTinyGrad(b *testing.B) { tinyBench(b, "sgd(momentum=0.9)") }

func benchSolverGrad(b *testing.B, s gorgonia.Solver, grad float32) {
	p := newParam("W", tensor.Float32, []int{benchParams})
	w, g := p.v.Float32s(), p.g.Float32s()
	for i := range w {
		w[i] = 1
	}
	vgs := valueGrads(p)
	if err := s.Step(vgs); err != nil { // allocate the state outside the timing
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		// Our solvers zero the gradient; Gorgonia's zero it too. A constant
		// gradient keeps the work the same each step (setting it is part
		// of the measured time for every solver alike).
		for i := range g {
			g[i] = grad
		}
		if err := s.Step(vgs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/benchParams, "ns/param")
}

func BenchmarkStepSGD(b *testing.B)          { stepBench(b, "sgd") }
func BenchmarkStepSGDMomentum(b *testing.B)  { stepBench(b, "sgd(momentum=0.9)") }
func BenchmarkStepMomentum(b *testing.B)     { stepBench(b, "momentum") }
func BenchmarkStepAdagrad(b *testing.B)      { stepBench(b, "adagrad") }
func BenchmarkStepRMSprop(b *testing.B)      { stepBench(b, "rmsprop") }
func BenchmarkStepAdadelta(b *testing.B)     { stepBench(b, "adadelta") }
func BenchmarkStepAdam(b *testing.B)         { stepBench(b, "adam") }
func BenchmarkStepAdamW(b *testing.B)        { stepBench(b, "adamw") }
func BenchmarkStepAdamax(b *testing.B)       { stepBench(b, "adamax") }
func BenchmarkStepNAdam(b *testing.B)        { stepBench(b, "nadam") }
func BenchmarkStepRAdam(b *testing.B)        { stepBench(b, "radam") }
func BenchmarkStepLion(b *testing.B)         { stepBench(b, "lion") }
func BenchmarkStepAdaBelief(b *testing.B)    { stepBench(b, "adabelief") }
func BenchmarkStepLAMB(b *testing.B)         { stepBench(b, "lamb") }
func BenchmarkStepSFAdamW(b *testing.B)      { stepBench(b, "sfadamw") }
func BenchmarkStepLookahead(b *testing.B)    { stepBench(b, "lookahead(adam)") }
func BenchmarkStepAdamClipNorm(b *testing.B) { stepBench(b, "adam(clip_norm=1)") }
func BenchmarkStepAdafactor(b *testing.B)    { stepBench(b, "adafactor") }
func BenchmarkStepAdEMAMix(b *testing.B)     { stepBench(b, "ademamix") }
func BenchmarkStepADOPT(b *testing.B)        { stepBench(b, "adopt") }
func BenchmarkStepSFSGD(b *testing.B)        { stepBench(b, "sfsgd") }
func BenchmarkStepProdigy(b *testing.B)      { stepBench(b, "prodigy") }

// BenchmarkStepMuon: one 64×16384 float32 matrix (benchParams), five
// Newton–Schulz iterations (about 0.7 G multiply-adds; a square matrix of
// the same size would take 16 times more).
func BenchmarkStepMuon(b *testing.B) { muonBench(b) }

// BenchmarkStepGorgoniaAdam is Gorgonia's built-in Adam on the same
// parameters, for comparison.
func BenchmarkStepGorgoniaAdam(b *testing.B) { benchSolver(b, gorgonia.NewAdamSolver()) }

func muonBench(b *testing.B) {
	s, err := Parse("muon")
	if err != nil {
		b.Fatal(err)
	}
	p := newParam("W", tensor.Float32, []int{64, benchParams / 64})
	w, g := p.v.Float32s(), p.g.Float32s()
	for i := range w {
		w[i] = 1
	}
	vgs := valueGrads(p)
	b.ReportAllocs()
	for b.Loop() {
		for i := range g {
			g[i] = float32(i%7) * 1e-3
		}
		if err := s.Step(vgs); err != nil {
			b.Fatal(err)
		}
	}
}
