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
// # Loss
//
// SoftmaxCrossEntropy is a fused op: the mean over the batch of
// −log softmax(z)[label], computed as log Σ exp(z − max z) − (z − max z)[label]
// so that large logits neither overflow nor lose precision, with its own
// gradient (softmax(z) − onehot)/batch. Targets are dense (batch, classes)
// matrices; rows of all zeros are padding and are ignored, which lets a
// final partial batch be trained without a second graph.
//
// # Trainer
//
// Trainer.Fit runs epochs of seeded, shuffled mini-batches. For each batch
// it
//
//  1. sets the solver's learning rate to Schedule.LR(step), if there is a
//     schedule (step = optimizer steps so far, or completed epochs with
//     Unit = PerEpoch);
//  2. runs the training graph's TapeMachine (forward and backward);
//  3. stops with an error matching ErrDiverged if the loss is NaN or ±Inf;
//  4. calls Solver.Step with the parameters' values and gradients. The
//     solver zeroes the gradients (the TapeMachine accumulates into them).
//
// After each epoch it evaluates on the evaluation set (calling
// SwapToEval/SwapToTrain around it for schedule-free solvers), records an
// EpochStats, gives the evaluation loss to a schedule that implements
// lrsched.Observer, and calls OnEpoch. Any gorgonia.Solver works, Gorgonia's
// own included; a schedule needs a solver with SetLearnRate (every convergo
// solver; wrap Gorgonia's with solvers.Gorgonia).
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
package graph
