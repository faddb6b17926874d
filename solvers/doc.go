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
// Ranges beyond PyTorch's, where a value would silently misbehave:
// momentum (sgd, rmsprop) is in [0, 1) — torch accepts momentum ≥ 1,
// which never converges; dampening is in [0, 1]; rmsprop's alpha is in
// [0, 1) (alpha = 1 keeps the mean square at 0); and every eps must be
// at least 2⁻¹²⁶ ≈ 1.1754944e-38, the smallest normal float32, below which
// it rounds to 0 or to a subnormal in float32 parameters.
//
// Every solver's String returns its canonical spec with every key
// explicit, clip_norm and clip_value only when on, and a wrapper's inner
// spec positionally:
//
//	adam(lr=0.001,beta1=0.9,beta2=0.999,eps=1e-08,weight_decay=0,amsgrad=false)
//	lookahead(k=6,alpha=0.5,radam(lr=0.001,beta1=0.9,beta2=0.999,eps=1e-08,weight_decay=0))
//
// Parse(s.String()) builds an equal solver. The learning rate shown is
// the one the solver was built with, not one a schedule has set since.
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
// (torch.nn.utils.clip_grad_norm_). Lookahead, cautious, ema, chain and
// groups have no clipping keys of their own: they belong to the inner
// solver, lookahead(adam(clip_norm=1)), or to a transform of a chain,
// chain(clip_norm(max=1,mask=weights),adam).
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
//	           weight_decay(0) warmup(0) r(0) weight_lr_power(2)        AdamWScheduleFree (schedule_free
//	           inner_momentum(0)                                        43e5c2d9, after 2024-11-04)
//	lookahead  k(5) alpha(0.5), inner spec                              Zhang et al. 2019, Alg. 1
//	muon       lr(1e-3) weight_decay(0.1) momentum(0.95) nesterov(true) torch.optim.Muon (2.9+),
//	           ns_steps(5) eps(1e-7) adjust_lr_fn(original|             matrices; the rest to the inner
//	           match_rms_adamw), optional inner spec (adamw)            solver (see ParamDescriber)
//	adafactor  lr(1e-2) beta2_decay(-0.8) eps1(none) eps2(1e-3) d(1)    torch.optim.Adafactor (2.5+)
//	           weight_decay(0)
//	ademamix   lr(1e-3) beta1(0.9) beta2(0.999) beta3(0.9999) alpha(2)  Pagliardini et al. 2024,
//	           beta3_warmup(0) alpha_warmup(0) eps(1e-8) weight_decay(0) apple/ml-ademamix
//	adopt      lr(1e-3) beta1(0.9) beta2(0.9999) eps(1e-6)              Taniguchi et al. 2024,
//	           weight_decay(0) decouple(false) clip_exp(0.25)           iShohei220/adopt
//	sfsgd      lr(1.0) momentum(0.9) weight_decay(0) warmup(0) r(0)     Defazio et al. 2024,
//	           weight_lr_power(2)                                       SGDScheduleFree
//	prodigy    lr(1.0) beta1(0.9) beta2(0.999) beta3(√beta2) d0(1e-6)   Mishchenko & Defazio 2023,
//	           d_coef(1) growth_rate(inf) weight_decay(0) decouple(true) konstmish/prodigy
//	           safeguard_warmup(false) bias_correction(false) eps(1e-8)
//	cautious   inner spec (elementwise solvers only)                    Liang et al. 2024, C-Optim
//	ema        decay(0.999) warmup(false), inner spec                   Keras use_ema, torch
//	                                                                    AveragedModel(get_ema_multi_avg_fn)
//	chain      transforms…, solver spec last                            Optax chain (see below)
//	groups     default solver spec, key=solver spec per group           torch parameter groups
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
//   - sfadamw, sfsgd: the parameter tensors hold the training iterate y;
//     the point to evaluate is x. They implement EvalSwapper: call
//     SwapToEval before evaluating and SwapToTrain after. sfadamw follows
//     the authors' code after its 2024-11-04 change (lr_k = lr·sched,
//     denominator √(v/(1-β2^(k+1))) + ε; before it, lr_k carried
//     √(1-β2^(k+1))).
//   - muon: Newton–Schulz in the parameter's dtype (torch: bfloat16). A
//     solver sees only []gorgonia.ValueGrad, so which parameters are
//     matrices comes from DescribeParams (ParamDescriber), which
//     graph.Trainer calls with graph.Model.ParamInfos: a Dense weight
//     (stored (in, out)) counts as torch's (out, in), a conv kernel as
//     (out, in·kh·kw); biases, batch normalisation and the output layer go
//     to the inner solver (muon(lr=0.02,adamw(lr=3e-4))). Without it, 2-D
//     parameters are matrices as they are.
//   - adafactor: eps1=none is the dtype's machine epsilon; ≥ 2-D
//     parameters keep factored row and column moments of their last two
//     axes.
//   - ademamix: warm-ups of 0 steps are none; alpha ramps linearly, beta3
//     linearly in half-life from beta1.
//   - adopt: the first step only initialises v = g²; the normalised
//     gradient is clipped to ±(t-1)^clip_exp.
//   - prodigy: d, d_max, the numerator of d̂ and the step count are
//     solver-wide and saved in State; growth_rate=inf is no limit.
//   - lookahead: every k inner steps slow += α(fast-slow), fast ← slow; the
//     inner solver's state is kept; EvalSwapper calls are forwarded.
//   - cautious: the inner update u is kept where it agrees in sign with the
//     gradient, φ = 1[u·(−g) > 0], and rescaled per tensor:
//     θ ← θ + u·φ/max(mean φ, 1e-3) (C-Optim's current normalisation; the
//     first version used numel/(sum φ + 1)). Decoupled weight decay is not
//     masked. The inner Step runs in place, so its state is exact; only
//     solvers implementing Elementwise are accepted (not lamb, lookahead,
//     sfadamw, nor the wrappers).
//   - ema: after each inner Step avg ← θ (first step), then
//     avg ← β·avg + (1−β)·θ, with warmup β_t = min(β, (1+t)/(10+t)); it is
//     an EvalSwapper (the Trainer evaluates the average) and its State
//     holds the averages.
//   - groups: a parameter goes to the first group, in the order written,
//     whose key selects it; a group's learning rate follows the default's
//     in proportion (a per-layer lr multiplier under any schedule).
//
// # Roles, masks, transforms and groups
//
// A parameter has a Role: RoleWeight, RoleBias or RoleNorm (BatchNorm's
// γ and β). A solver sees only []gorgonia.ValueGrad, so a solver that
// needs roles is a RoleSetter: graph.Trainer calls SetRoles with
// graph.Model.Roles before the first Step of every Fit; in a hand-written
// loop call it yourself. A parameter without a role is a weight if it has
// two or more dimensions and a bias otherwise (Optax's and nanoGPT's
// ndim >= 2 rule).
//
// A mask (Mask, the mask key of a transform, the keys of groups) selects
// parameters by role — weights, biases, norms, all — or by layer name: an
// identifier such as dense0 selects dense0 and every dense0.* parameter
// (the grammar has no strings, so patterns are layer-name prefixes);
// mask=[biases,norms,conv1] selects the union.
//
// chain runs gradient transforms in the order written in front of the
// solver given last:
//
//	clip_norm(max, mask=all)              scale the selected gradients by max/(‖g‖+1e-6) if below 1
//	clip_value(max, mask=all)             clamp the selected gradients to [-max, max]
//	coupled_decay(weight_decay, mask=all) g ← g + λθ (L2, PyTorch's weight_decay)
//	decay(weight_decay, mask=all)         θ ← θ(1 − lr·λ), lr the solver's (AdamW's decoupled decay)
//
// chain(clip_norm(max=1),decay(weight_decay=0.05,mask=weights),adam(lr=1e-3))
// is AdamW with clipping and no decay of biases and norms. With mask=all a
// transform gives the bits of the fused key (chain(clip_norm(max=1),adam)
// is adam(clip_norm=1), chain(decay(weight_decay=λ),adam) is
// adamw(weight_decay=λ)), which stay the fast path.
//
// groups gives parameters different solvers or settings:
//
//	groups(adamw(lr=1e-3,weight_decay=0.05),biases=adamw(lr=1e-3,weight_decay=0),norms=adamw(lr=1e-3,weight_decay=0))
//	groups(sgd(lr=0.1,momentum=0.9),dense0=sgd(lr=0.01,momentum=0.9))
//
// Router is the routing of groups, for solvers of your own that send some
// parameters elsewhere (Muon's 2-D weights): NewRouter(n, rule) then
// Split(model) each Step, allocation-free.
//
// # Scheduling other hyperparameters
//
// A solver that is a Hyperparams lets a schedule set momentum, beta1 or
// weight_decay between Steps (SetHyper; graph.Trainer.Hyper does it
// before every step at the learning-rate schedule's step count, so
// checkpoints stay exact). See Hyperparams for the keys of each solver.
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
// Because SetState comes before the first Step, it cannot know the model:
// the first Step after it checks that every parameter name of the State
// was seen, and returns an error naming those that were not (a State of
// another model). To restore part of a model, delete the other names from
// State.Params before SetState. An input node made without
// gorgonia.WithName can be stepped, but State returns "parameter N has no
// name; name it with gorgonia.WithName".
//
// # Writing your own solver
//
// A solver of your own is a type that embeds Base, built by NewBase with
// its name, its BaseOptions (lr, clip_norm, clip_value) and the names of
// its per-parameter state slots, and whose Step calls Base.Update with
// the update rule. Base provides the rest: LearnRate and SetLearnRate,
// validation of every parameter and gradient before anything changes,
// clipping, slots allocated on a parameter's first Step (zero-filled; to
// start one elsewhere, fill it when Param.Step() is 1), State and
// SetState keyed by parameter name, the zeroing of the gradients, and no
// allocation per Step. The rule receives a *Param: Name, Step (its
// 1-based step count), Float32, and the value, gradient and slots as
// W32/G32/Slot32 or W64/G64/Slot64. Written once as a generic kernel over
// Float, Dispatch runs it for either dtype. Sign-SGD with momentum
// (m ← βm + (1-β)g, θ ← θ - lr·sign(m)) is, in full:
//
//	type SignSGD struct {
//		solvers.Base
//		lr, beta float64
//	}
//
//	func NewSignSGD(opt solvers.BaseOptions, beta float64) (*SignSGD, error) {
//		if !(beta >= 0 && beta < 1) {
//			return nil, fmt.Errorf("signsgd: beta=%v: must be in [0, 1)", beta)
//		}
//		return &SignSGD{Base: solvers.NewBase("signsgd", opt, "momentum"), lr: opt.LR, beta: beta}, nil
//	}
//
//	func (s *SignSGD) Step(model []gorgonia.ValueGrad) error {
//		return s.Update(model, func(p *solvers.Param) {
//			solvers.Dispatch(p, s, signStep[float32], signStep[float64])
//		})
//	}
//
//	func signStep[T solvers.Float](w, g []T, slots [][]T, s *SignSGD) {
//		m, beta, lr := slots[0], T(s.beta), T(s.LearnRate())
//		for i := range w {
//			m[i] = beta*m[i] + (1-beta)*g[i]
//			if m[i] > 0 {
//				w[i] -= lr
//			} else if m[i] < 0 {
//				w[i] += lr
//			}
//		}
//	}
//
//	func (s *SignSGD) String() string { return s.Spec("lr", s.lr, "beta", s.beta) }
//
// Such a solver works wherever a built-in one does: in a hand-written
// Gorgonia loop, in graph.Trainer, in solvertest, inside lookahead, and,
// once registered, in specs. Register adds it to Parse (and so to
// compare.ParseStrategy and the -strategy flags); its build function reads
// the keys through Args, which checks them exactly as for the built-ins:
//
//	func main() {
//		err := solvers.Register("signsgd", func(a *solvers.Args) (solvers.Solver, error) {
//			lr, beta := a.Float("lr", 0.01), a.Float("beta", 0.9)
//			if !(beta >= 0 && beta < 1) {
//				a.Errorf("beta", "must be in [0, 1)")
//			}
//			norm, value := a.Clip()
//			return NewSignSGD(solvers.BaseOptions{LR: lr, ClipNorm: norm, ClipValue: value}, beta)
//		})
//		...
//		s, err := solvers.Parse("signsgd(lr=1e-3,beta=0.95,clip_norm=1)")
//
// A wrapper reads its inner solver with Args.Inner. Example_customSolver
// runs this code. The built-in solvers are written the same way, on the
// same Base; they add, internally, kernels that zero the gradient as they
// read it and per-parameter float64 scalars (NAdam's mu_product).
//
// # Gorgonia's own solvers
//
// Any gorgonia.Solver can be used directly. To schedule the learning rate
// of one, wrap it with Gorgonia, which re-applies gorgonia.WithLearnRate.
// Gorgonia v0.9.18's solvers deviate from their references in places
// (AdamW never updates the weights, Momentum applies L2 to the velocity,
// AdaGrad ignores WithLearnRate, Barzilai–Borwein's step size is 0/0 =
// NaN once the gradients stop changing); TestGorgoniaDeviations pins
// these. Gorgonia refuses AdaGrad and AdamW, and guards Barzilai–Borwein:
// when its denominator is 0 the previous step size is kept.
//
// # Verification
//
// The PyTorch-backed solvers and both clipping keys are compared with
// golden trajectories produced by torch.optim (testdata/gen_goldens.py):
// 100 steps, 28 settings that exercise every key, two problems, float64
// to 1e-9 relative and float32 to 5e-4. muon, adafactor, ademamix, adopt,
// sfsgd, prodigy and sfadamw, which PyTorch 1.13 lacks, are compared with
// trajectories of torch ports of their references, each at a named
// revision (testdata/gen_new_goldens.py): 100 steps, 16 settings, on
// scalars, vectors, a 2×3, a 4×2 and a 2×2×3 parameter; float64 agrees to
// 1e-12 relative, float32 to 1e-4 (tolerances 1e-9 and 5e-4). The others
// are compared, step by step, with their papers' update rules written out
// in the tests; so are the wrappers (cautious, ema, chain, groups:
// wrap_paper_test.go), besides hand-computed steps (wrap_test.go) and
// chain's bit-for-bit agreement with the fused keys.
package solvers
