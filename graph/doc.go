// Package graph turns a network description into a trainable model and runs
// the training loop.
//
// # Model
//
// NewModel builds a network (a layers.Layer) twice over one layers.Store:
// a training graph, ending in the loss and differentiated with
// gorgonia.Grad, and an evaluation graph, ending in the logits. Their
// parameter nodes are bound to the same tensors, so
//
//   - a solver that updates the training parameters in place (every
//     gorgonia.Solver does) updates the evaluation graph too, and
//   - evaluating never touches the training graph's state: no dual values,
//     no dropout masks, no batch-norm batch statistics.
//
// Gorgonia fixes a graph's shapes, so the batch sizes are part of the model
// (Config.Batch, Config.EvalBatch). Input and target tensors are allocated
// once and bound to their nodes; each batch is copied into them.
//
// # Running a graph
//
// A Model does not run its graphs with Gorgonia's TapeMachine but with a
// small machine of its own that executes the same ops' Do in the same
// topological order — so results are bit-identical to a TapeMachine's
// (TestMachineMatchesTapeMachine checks losses, gradients, weights and
// logits on dense, convolutional, batch-norm, dropout and penalised
// networks) — while keeping every buffer across runs:
//
//   - an op that can write into a given buffer (gorgonia.UsePreallocDoer,
//     which every convergo op is) overwrites its previous output, unless
//     that output is a view of an input;
//   - each parameter's gradient is written straight into the tensor its
//     Node.Grad returns, which the solver reads: gradients are overwritten
//     every step, never accumulated, and there is no extra addition;
//   - nodes nothing needs are not run: the backward pass stops at the
//     parameters and does not compute the gradient of the input batch.
//
// After the first step, a training step of a network of dense layers and
// activations allocates nothing (TestTrainStepAllocates), where a
// TapeMachine allocates about four objects per op per run. Gorgonia's own
// ops allocate a few small objects per call even when writing into a given
// buffer — HadamardProd (Dropout's mask) and Add (summing penalty terms
// and their gradients into the loss's) — and its elementwise unary ops,
// Sum and Reshape, if a network uses them directly, allocate their
// outputs; a convolutional step with dropout allocates about ten objects.
// Node values stay bound: after a step, Loss().Value() is the step's loss.
//
// # Loss
//
// SoftmaxCrossEntropy is a fused op: the mean over the batch of
// −log softmax(z)[label], computed as log Σ exp(z − max z) − (z − max z)[label]
// so that large logits neither overflow nor lose precision, with its own
// gradient (softmax(z) − onehot)/batch. Targets are dense (batch, classes)
// matrices; rows of all zeros are padding and are ignored, which lets a
// final partial batch be trained without a second graph.
//
// # Models without labels, sequence models
//
// Config.Positions > 0 makes a sequence model (a language model): the
// network ends with (batch·Positions, Classes) logits and the targets are
// the dataset's per-position labels (datasets.Set.Seq), one-hot per
// position, so the loss is SoftmaxCrossEntropy averaged over every
// position of the batch; Evaluate reports the cross-entropy and the
// accuracy per position (next-token accuracy).
//
// Config.Loss replaces the cross-entropy by a LossFunc returning one loss
// per sample — SquaredError, ReconstructionLoss — to which the model adds
// the per-sample terms that layers recorded (Builder.AddLoss: a VAE's KL
// divergence), so a VAE's loss is its negative ELBO. The training loss is
// MaskedMean of that vector over the batch's real rows (a final partial
// batch's padding does not count); Evaluate reports its mean over the
// evaluation set, with accuracy NaN; Classes may be 0 and labels are not
// read. Both kinds train with the same Trainer.
//
// # Trainer
//
// Trainer.Fit is convergo's one training loop (compare's trials are
// configured Trainers). It runs a budget — Epochs, or Steps optimizer steps
// (the last epoch may then be partial) — of seeded, shuffled mini-batches.
// At the start of Fit it gives a solver that is a solvers.RoleSetter the
// role of every parameter (Model.Roles: weight, bias or norm, for masked
// gradient transforms and parameter groups). For each batch it
//
//  1. sets the solver's learning rate to Schedule.LR(step), if there is a
//     schedule (step = optimizer steps so far, or completed epochs with
//     Unit = PerEpoch), then each hyperparameter of Trainer.Hyper
//     (momentum, beta1, weight_decay through solvers.Hyperparams, the
//     dropout rate of the model's dropout layers) to its schedule at the
//     same step, as Optax's inject_hyperparams; ParseHyper reads them
//     from a spec such as momentum=linear(lr=0.95,start_factor=0.9,total=1000);
//  2. runs the training graph (forward and backward);
//  3. stops with an error matching ErrDiverged if the loss is NaN or ±Inf;
//  4. calls Solver.Step with the parameters' values and gradients (which
//     the next step overwrites; convergo's solvers zero them anyway, so
//     that they also work with a TapeMachine, which accumulates);
//  5. calls the OnStep hooks.
//
// It evaluates on the evaluation set before the first step (EvalAtStart),
// every EvalEvery steps, at each epoch end and at the end of a step budget
// — once per step however many rules ask — calling SwapToEval/SwapToTrain
// around it for solvers that evaluate elsewhere (schedule-free, ema), and calls the OnEval hooks with an
// EvalStats (the mean training loss since the previous evaluation, the
// validation figures, the rate, and the training seconds so far). After
// each full epoch it records an EpochStats, gives the evaluation loss to a
// schedule that implements lrsched.Observer, and calls the OnEpoch hooks.
//
// Hooks are named (Trainer.Hooks; the OnStep, OnEval and OnEpoch fields
// are hooks of those names) and run in order. There is one stop rule: the
// budget ends the run; a hook that returns an error matching ErrStop ends
// it early without an error (EarlyStopping is such a hook); any other hook
// error ends it with an error naming the hook and the step; so do a
// cancelled context, a diverged loss and a solver error.
//
// Training seconds (EvalStats.Seconds, History.Seconds) are the wall time
// of the optimizer steps themselves: evaluations and hooks are not
// counted, so a hook that writes checkpoints does not slow the clock.
//
// Any gorgonia.Solver works, Gorgonia's own included; a schedule needs a
// solver with SetLearnRate (every convergo solver; wrap Gorgonia's with
// solvers.Gorgonia).
//
// # Checkpoints
//
// A Checkpoint holds everything a run needs to go on from any step: the
// model's tensors (parameters and buffers), the solver's state
// (solvers.Stater), the schedule's (plateau), the position (steps done,
// whether the epoch's end was processed) and the epoch's running sums. The
// batch order and dropout masks need nothing: they are functions of the
// seeds, the epoch and the step. One call saves, one call loads:
//
//	// inside a hook, or after Fit returned or was cancelled:
//	err := trainer.SaveCheckpoint(file, m)
//
//	// later, in a fresh process: the same network, Config, solver spec,
//	// schedule spec and Trainer configuration
//	err := trainer.LoadCheckpoint(file, m)
//	hist, err := trainer.Fit(ctx, m, train, eval) // continues from the checkpoint's step
//
// The continued run is bit-identical to an uninterrupted one — losses,
// evaluations, weights — for every solver of package solvers, stopped
// mid-epoch or at an epoch's end (TestCheckpointAnyStep). A solver that is
// not a solvers.Stater (Gorgonia's own, wrapped or not) cannot be
// checkpointed: Checkpoint returns an error saying so. StartEpoch remains
// for resuming at an epoch boundary from state restored by hand.
//
// # Reproducibility
//
// A run is a function of its seeds: Config.Seed fixes the initial weights
// (and layers' per-batch randomness), Trainer.Seed the batch order, epoch e's
// order depending on Trainer.Seed and e only. No step depends on goroutine
// scheduling, so results are identical bit for bit whatever GOMAXPROCS is.
//
// # Errors
//
// Exported functions return errors rather than panic: configuration errors
// name the field, dataset mismatches name the dataset and both shapes, and
// panics inside Gorgonia's graph construction are recovered into errors.
//
// # Regularization
//
// L1, L2 and ElasticNet return Penalty terms for Config.Penalty, written as
// the formulas: L1 is λ·Σ|θ| (gradient λ·sign θ), L2 is ½·λ·Σθ² (gradient
// λθ), ElasticNet their sum. They apply to the parameters a ParamFilter
// selects, by default WeightsOnly (Dense and Conv2D weights; not biases,
// not batch-norm γ and β); AllParams selects everything. Each parameter's
// term is one fused op (the norm accumulated in float64, the gradient
// written into a kept buffer), whose gradient is bit for bit that of the
// composed Abs/Square, Sum and Mul graph.
//
// Three things are called weight decay; they coincide only for plain SGD:
//
//   - the L2 term, part of the loss: its gradient λθ joins the loss
//     gradient before the solver sees it;
//   - coupled weight decay, a solver's weight_decay (sgd, adam, … as torch):
//     the solver adds λθ to the gradient itself — the same thing as the L2
//     term for every solver, since both only change the gradient;
//   - decoupled weight decay (adamw, lion, …): θ ← θ(1 − lr·λ) outside the
//     adaptive update (Loshchilov & Hutter 2019).
//
// For SGD, θ − lr(g + λθ) = (1 − lr·λ)θ − lr·g, so all three are the same.
// For Adam the L2/coupled form divides λθ by √v̂ like the rest of the
// gradient, so weights with large gradients are decayed less; decoupled
// decay shrinks every weight by the same factor. TestL2VersusWeightDecay
// shows it: sgd + L2 and sgd(weight_decay=λ) give bit-identical weights
// (momentum too), adam + L2 and adam(weight_decay=λ) too, while adam + L2
// and adamw(weight_decay=λ) differ by 77% (relative) after 24 steps.
//
// # Early stopping
//
// EarlyStopping is an OnEpoch hook: it watches a validation metric (the
// evaluation loss by default, lower is better), snapshots every Store
// tensor (parameters and buffers) when the metric improves by more than
// MinDelta, and after Patience epochs without improvement restores the
// best snapshot and returns an error matching ErrStop. Any OnEpoch or OnStep
// hook may return ErrStop: Fit then stops and returns the history with a
// nil error. Solver state is not snapshotted. Chain combines hooks.
package graph
