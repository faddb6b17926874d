// Package lrsched provides learning-rate schedules for convergo: pure
// functions of the step count, plus the metric-driven Plateau, composable
// with Warmup and Sequential.
//
// # Overview
//
// A [Scheduler] maps a step to an absolute learning rate. The step counts
// from 0; whether it counts optimizer steps (batches, the default) or epochs
// is the Trainer's option, and every length below (T, total, step_size,
// milestones, ...) is in that unit. The Trainer sets LR(step) on the solver
// before each optimizer step and, if the schedule is an [Observer], calls
// Observe with the validation metric (lower is better) once per epoch.
//
// Schedules are built from specs with [Parse], e.g.
//
//	cosine(max=0.1,T=20000)
//	warmup(steps=500,cosine(max=0.1,T=20000))
//	sequential(linear(lr=0.1,start_factor=0.1,total=10),cosine(max=0.1,T=90),milestones=[10])
//
// or with the constructors (NewCosine, NewWarmup, ...), which validate the
// same way; errors name the schedule, the key and the value. Each schedule's
// String method gives its canonical spec, every key explicit.
//
// # Custom schedules
//
// A custom schedule is a [Scheduler] value ([Func] adapts a function),
// usable wherever a built-in one is, or a name: [Register] adds a builder
// under a name, after which Parse (and so compare's strategies and the
// examples' flags) accepts name(key=value,...), inside warmup and
// sequential too. The builder reads its keys through [Args], which checks
// them as for the built-in schedules: unknown keys, wrong types, missing
// required keys and range errors are errors naming the key and the value.
// [Names] lists the built-in and registered names.
//
// # Pure functions of the step
//
// Every schedule except [Plateau] is a pure function of the step: no hidden
// state, the same step always gives the same rate, so a resumed run gets the
// right rate from its step count alone and PyTorch's resume pitfalls (a
// scheduler's last_epoch or recursive form out of step with the run) cannot
// happen. They are safe for concurrent use. Where PyTorch computes a
// schedule recursively (each rate from the previous one), lrsched evaluates
// its closed form (torch's _get_closed_form_lr where it has one) in torch's
// operation order; on the committed goldens the two agree to ~1e-14
// relative. LR never panics; a negative step gives the rate at step 0.
//
// # Finite rates
//
// Every schedule that Parse or a constructor accepts returns a rate that is
// finite and >= 0 for every step (FuzzParseLR checks it for 0 <= t < 2^31,
// the steps a run can reach). Validation rejects what could not work:
// negative or non-finite rates, a bound above its partner (cosine's and
// cosine_restarts' min > max, cyclic's base > max, plateau's min_lr > lr),
// onecycle's initial or final rate overflowing, integers beyond 2^53 (in
// lists too). Growth that PyTorch allows (gamma > 1 for exp, step,
// multistep and cyclic's exp_range) saturates at [MaxLR] instead of
// overflowing to +Inf, and a zero rate stays 0 rather than becoming NaN
// (0·Inf).
//
// # Metrics: Plateau and composites
//
// [Plateau] (torch ReduceLROnPlateau, mode min) is the one stateful
// schedule: LR ignores the step and returns the current rate, which changes
// only in Observe. Its state ([PlateauState]: rate, best metric, bad-epoch
// and cooldown counters) is read and restored with State/SetState, or for a
// whole schedule tree with [SaveState]/[LoadState] (JSON).
//
// [Warmup] and [Sequential] always implement Observer, and forward metrics
// to an inner Observer according to the step of their most recent LR call:
// Warmup forwards once that step is past the warm-up (warm-up epochs are
// dropped), Sequential forwards to the schedule active at that step. So a
// Plateau inside a warm-up or a sequence sees exactly the epochs during
// which it sets the rate, which PyTorch cannot do (pytorch#68978).
// [Observes] tells whether a schedule needs metrics at all. A composite
// without an Observer inside records nothing and stays pure.
//
// # Schedules
//
// t is the step, lr (or max, base) the spec's rate; ⌊⌋ is floor. Defaults
// in parentheses; keys without one are required. PyTorch means
// torch.optim.lr_scheduler (1.13), whose defaults these are.
//
//	name             keys (default)                                   rate at step t                                      reference
//	constant         lr                                               lr
//	step             lr step_size gamma(0.1)                          lr·γ^⌊t/step_size⌋                                  PyTorch StepLR
//	multistep        lr milestones gamma(0.1)                         lr·γ^(#milestones ≤ t)                              PyTorch MultiStepLR
//	exp              lr gamma                                         lr·γ^t                                              PyTorch ExponentialLR
//	expdecay         lr k                                             lr·e^(−k·t)                                         closed form
//	inverse_time     lr k                                             lr/(1+k·t)                                          closed form (Keras InverseTimeDecay, decay_steps=1)
//	linear           lr start_factor(1/3) end_factor(1) total(5)      lr·(s+(e−s)·min(t,total)/total)                     PyTorch LinearLR
//	poly             lr total power(1)                                lr·(1−min(t,total)/total)^power                     PyTorch PolynomialLR
//	cosine           max min(0) T hold(false)                         min+½(max−min)(1+cos(π·t/T)) for every t            PyTorch CosineAnnealingLR (closed form); SGDR eq. 5
//	                                                                  (period 2T); hold=true: min for t ≥ T
//	cosine_restarts  max min(0) T0 mult(1)                            cosine over cycles T0, T0·mult, T0·mult², …         PyTorch CosineAnnealingWarmRestarts (SGDR)
//	warmup           steps start(0), inner spec                       start+(inner(steps)−start)·t/steps, then inner(t)   closed form
//	onecycle         max total pct_start(0.3) div(25)                 max/div ↗ max ↘ max/(div·final_div), cos or linear  PyTorch OneCycleLR (two phases)
//	                 final_div(1e4) anneal(cos|linear)
//	cyclic           base max step_size_up step_size_down(=up)        triangle base↔max, amplitude per mode               PyTorch CyclicLR (Smith 2017)
//	                 mode(triangular|triangular2|exp_range) gamma(1)
//	plateau          lr factor(0.1) patience(10) threshold(1e-4)      lr·factor after > patience epochs without           PyTorch ReduceLROnPlateau (mode min, eps 1e-8)
//	                 threshold_mode(rel|abs) cooldown(0) min_lr(0)    improvement, floored at min_lr
//	sequential       inner specs…, milestones                         inner i at t − milestone[i−1]                       PyTorch SequentialLR
//	wsd              lr warmup decay total                            0 ↗ lr (warmup steps), lr, ↘ 0 over the last decay  Hägele et al. 2024 (warmup–stable–decay)
//	                 decay_shape(linear|cosine|sqrt)                  steps of total: 1−x, ½(1+cos πx), 1−√x; 0 for t ≥ total
//
// Choices where PyTorch has no single answer, each documented on its type:
// cosine follows its formula for every t, so beyond T it climbs back to max
// at 2T, as torch's closed and recursive forms do (hold=true keeps min
// instead; cosine_restarts restarts at max); onecycle holds its final rate for
// t ≥ total−1 (torch raises after total steps) and, when
// pct_start·total = 1, gives max at step 0 (torch divides by zero); warmup
// ramps to inner(steps) and then continues the inner schedule at the
// absolute step (use sequential for an inner schedule that restarts);
// milestones must be > 0 and strictly increasing; wsd is 0 from total on
// (each cooldown shape reaches 0 there).
//
// # Verification
//
// testdata/goldens.json holds learning-rate sequences from PyTorch 1.13
// (Debian python3-torch) for every torch-backed schedule, several settings
// each, made by testdata/gen_goldens.py (rerun instructions at its top);
// the tests match them to 1e-9 relative, against torch's recursive values
// and its closed forms; cosine's go to 3T, past its climb back to max. The
// closed forms without a torch counterpart (expdecay, inverse_time, cosine
// with hold, warmup) are checked against their formulas.
package lrsched
