// Package solvers implements convergo's optimizers. Each is a
// gorgonia.Solver whose learning rate can be scheduled (Solver =
// gorgonia.Solver + LearnRater), follows a named reference, and can save
// and restore its state (Stater).
//
// # Using a solver
//
// Build one from a spec string with Parse, or from a config struct with
// its constructor:
//
//	s, err := solvers.Parse("adamw(lr=3e-4,weight_decay=0.05,clip_norm=1)")
//
//	cfg := solvers.DefaultAdamWConfig()
//	cfg.LR, cfg.WeightDecay, cfg.ClipNorm = 3e-4, 0.05, 1
//	s, err := solvers.NewAdamW(cfg)
//
// and call Step in a plain Gorgonia loop:
//
//	vm := gorgonia.NewTapeMachine(g, gorgonia.BindDualValues(params...))
//	for ... {
//		vm.RunAll()
//		s.Step(gorgonia.NodesToValueGrads(params))
//		vm.Reset()
//	}
//
// # Defaults
//
// In a spec, a key left out takes the default of the table below. In Go,
// each solver has a DefaultXConfig function returning those defaults; a
// config field's zero value means zero (momentum=0 and weight_decay=0 are
// legitimate), never "use the default", so start from DefaultXConfig and
// change fields. Constructors validate every field and return an error
// naming the solver, the key (as spelled in a spec) and the value; so
// does Parse, which also rejects unknown names (listing the known ones),
// unknown keys (listing the known ones) and values of the wrong type.
// Nothing is silently ignored.
//
// # Conventions
//
// Step updates each parameter's value in place from its gradient and then
// zeroes the gradient (a TapeMachine with BindDualValues accumulates into
// it). Every parameter is validated first — a value that is not a
// contiguous *tensor.Dense or a Gorgonia float scalar, a missing gradient,
// a gradient whose dtype or shape differs from the value, a parameter
// listed twice — so an error leaves every parameter unchanged. Step never
// panics on bad input.
//
// State (moments, accumulators, step counts) is kept per parameter, keyed
// by the gorgonia.ValueGrad itself (the *gorgonia.Node pointer), not by its
// position in the slice, and allocated on the parameter's first Step. In
// steady state Step allocates nothing. Step counts are per parameter, as
// in PyTorch.
//
// float32 and float64 parameters of any shape, scalars included, are
// supported and may be mixed. Per-element arithmetic is done in the
// parameter's dtype, with scalar hyperparameters and bias corrections
// computed in float64 and converted once per Step, as PyTorch does
// (Python floats converted per operation). Norms (clip_norm, LAMB's trust
// ratio) are accumulated in float64.
//
// Weight decay is coupled — λθ is added to the gradient, the gradient of
// the L2 penalty ½λ‖θ‖² (PyTorch's weight_decay) — for sgd, adagrad,
// rmsprop, adadelta, adam, adamax, nadam and radam. It is decoupled —
// θ ← θ(1 - lr·λ), not seen by the moments — for adamw, lion and
// adabelief. LAMB adds λθ to its update direction r, and sfadamw adds λy to
// its normalised gradient, as their references do.
//
// Gradient clipping happens first, before weight decay and before any
// moment is updated, over all parameters of one Step: clip_value clamps
// each element to [-v, v] (torch.nn.utils.clip_grad_value_); then
// clip_norm computes the L2 norm of all gradients together and scales
// them by max/(norm+1e-6) when that is below 1
// (torch.nn.utils.clip_grad_norm_). Lookahead has no clipping keys of its
// own: they belong to its inner solver, lookahead(adam(clip_norm=1)).
//
// # Solvers
//
// Every solver also takes clip_norm and clip_value (off by default).
//
//	name       keys (default)                                           reference
//	sgd        lr(0.01) momentum(0) dampening(0) nesterov(false)        torch.optim.SGD
//	           weight_decay(0)
//	momentum   lr(0.01) beta(0.9)                                       v=βv+(1-β)g, θ-=lr·v, v0=0
//	adagrad    lr(0.01) lr_decay(0) weight_decay(0)                     torch.optim.Adagrad
//	           initial_accumulator_value(0) eps(1e-10)
//	rmsprop    lr(0.01) alpha(0.99) eps(1e-8) weight_decay(0)           torch.optim.RMSprop
//	           momentum(0) centered(false)
//	adadelta   lr(1.0) rho(0.9) eps(1e-6) weight_decay(0)               torch.optim.Adadelta
//	adam       lr(1e-3) beta1(0.9) beta2(0.999) eps(1e-8)               torch.optim.Adam
//	           weight_decay(0) amsgrad(false)
//	adamw      as adam, weight_decay(0.01)                              torch.optim.AdamW
//	adamax     lr(2e-3) beta1(0.9) beta2(0.999) eps(1e-8)               torch.optim.Adamax
//	           weight_decay(0)
//	nadam      lr(2e-3) beta1 beta2 eps weight_decay                    torch.optim.NAdam (>= 2.0)
//	           momentum_decay(4e-3)
//	radam      lr(1e-3) beta1 beta2 eps weight_decay                    torch.optim.RAdam
//	lion       lr(1e-4) beta1(0.9) beta2(0.99) weight_decay(0)          Chen et al. 2023, Alg. 2
//	adabelief  lr(1e-3) beta1 beta2 eps(1e-16) weight_decay(0)          Zhuang et al. 2020, Alg. 2
//	lamb       lr(1e-3) beta1 beta2 eps(1e-6) weight_decay(0)           You et al. 2020, Alg. 2
//	sfadamw    lr(2.5e-3) beta1(0.9) beta2(0.999) eps(1e-8)             Defazio et al. 2024,
//	           weight_decay(0) warmup(0)                                AdamWScheduleFree
//	lookahead  k(5) alpha(0.5), inner spec                              Zhang et al. 2019, Alg. 1
//
// Each solver's type documents its update rule. Notes on the references:
//
//   - nadam follows PyTorch 2.x; PyTorch 1.13 multiplies μ_t twice into the
//     second bias correction (a bug fixed upstream).
//   - lion: sign(0) = 0; weight decay decoupled.
//   - adabelief: ε is added inside s at every step and to the denominator;
//     weight decay decoupled.
//   - lamb: bias-corrected moments, r = m̂/(√v̂+ε) + λθ, step lr·‖θ‖/‖r‖·r
//     per tensor, the ratio 1 if either norm is 0.
//   - sfadamw: r = 0, weight_lr_power = 2. The parameter tensors hold the
//     training iterate y; the point to evaluate is x. It implements
//     EvalSwapper: call SwapToEval before evaluating and SwapToTrain after.
//   - lookahead: every k inner steps slow += α(fast-slow), fast ← slow; the
//     inner solver's state is kept; EvalSwapper calls are forwarded.
//
// # Speed and exactness
//
// On amd64 CPUs with AVX, the float32 updates of adam and adamw (without
// AMSGrad) and of sgd (momentum or none, with or without weight decay,
// not Nesterov, after the first step) run in assembly, 8 elements at a
// time, the Go kernels doing each tensor's last len%8 elements. The
// assembly performs the same float32 operations on the same operands in
// the same order, each rounded, as the Go kernels, so the results are the
// same bits (NaN payloads aside, which Go leaves unspecified);
// TestAdamSIMDMatchesGo and TestSGDSIMDMatchesGo check it on random data
// with subnormals, signed zeros, infinities and NaNs. The Go kernels
// round every product before adding it (an explicit conversion, which the
// Go spec says forbids fusing into an FMA), so the results do not depend
// on GOAMD64 either. Build with -tags purego to use the Go kernels only;
// other architectures and CPUs without AVX always do.
//
// float32 kernels flush to zero the moments and squared gradients that
// would be subnormal (below 2⁻¹²⁶): on x86, arithmetic on subnormals is
// tens of times slower, and gradients of 1e-20 or moments decaying under
// zero gradients produce them. The effect is below float32 rounding
// where it is applied (the weights of TestFlushSubnormals are the same
// bits with and without it), and flushing is off when ε is small enough
// for it to show: below 1e-10, or 1e-20 for adadelta and adabelief, whose
// ε sits under a square root (see flush in flush.go for the argument, and
// each kernel for what it flushes). float64 kernels never flush.
//
// # Saving and restoring
//
// Every solver is a Stater: State returns a plain *State (gob or JSON)
// holding the per-parameter buffers keyed by node name (names must be
// unique) and the solver-wide counters; SetState on a fresh solver makes
// a run resumed on a fresh graph continue bit for bit. See Stater.
//
// # Gorgonia's own solvers
//
// Any gorgonia.Solver can be used directly. To schedule the learning rate
// of one, wrap it with Gorgonia, which re-applies gorgonia.WithLearnRate.
// Gorgonia v0.9.18's solvers deviate from their references in places
// (AdamW never updates the weights, Momentum applies L2 to the velocity,
// AdaGrad ignores WithLearnRate); TestGorgoniaDeviations pins these.
//
// # Verification
//
// The PyTorch-backed solvers and both clipping keys are compared with
// golden trajectories produced by torch.optim (testdata/gen_goldens.py):
// 100 steps, 28 settings that exercise every key, two problems, float64
// to 1e-9 relative and float32 to 5e-4. The others are compared, step by
// step, with their papers' update rules written out in the tests.
package solvers
