// Package tensorboard writes the curves of a compare study as TensorBoard
// event files, so that
//
//	tensorboard --logdir DIR
//
// shows every trial's training loss, validation loss, validation accuracy
// and learning rate, grouped by problem and strategy:
//
//	res, err := compare.Run(ctx, study)
//	if err == nil {
//		err = tensorboard.Write("tb", res)
//	}
//
// It is a separate package so that package compare, and the core packages
// below it, do not link the protobuf library.
//
// # Layout
//
// Write makes one TensorBoard run per trial:
//
//	DIR/<problem>/<strategy>/seed<N>/events.out.tfevents.0946684800.convergo.0.0
//
// Problem and strategy names are kept where they are safe in a path: a
// problem's "/" (mlp/mnist-sample) makes nested directories, and every
// other character outside [A-Za-z0-9._+=,()-] becomes '_' (so
// "sgd(lr=0.1) | cosine(max=0.1,T=total)" is the directory
// "sgd(lr=0.1)___cosine(max=0.1,T=total)"). Two names that become the same
// directory are told apart by a suffix "-2", "-3", … in the order of the
// trials. TensorBoard names each run by its path under DIR, so runs sort
// and filter by problem, then strategy, then seed.
//
// # Scalars
//
// Each evaluation point of a trial (compare.Point) gives the scalars
//
//	train/loss           Point.TrainLoss (mean training-batch loss since the previous point)
//	validation/loss      Point.TestLoss
//	validation/accuracy  Point.TestAcc
//
// at step Point.Step, and each (step, rate) pair of Trial.LRs gives lr (the
// curve's Point.LR when a trial has no LRs). A missing value — NaN, such as
// the training loss at step 0 or the accuracy of an analytic problem — is
// skipped, not written: TensorBoard has no notion of a missing point, and a
// NaN would break its axes. ±Inf (a diverged loss) is written as it is.
// Values are stored as float32, the type of TensorBoard's simple_value.
// Events are written in order of step; within a step in the order above.
//
// # Determinism: wall times and the file name
//
// The same Results give the same bytes. Nothing depends on the clock, the
// host or the process: every event's wall time is BaseWallTime
// (2000-01-01T00:00:00Z, 946684800 s after the Unix epoch) plus the trial's
// training seconds at that point (Point.Seconds, evaluations excluded), so
// TensorBoard's "relative" x-axis shows training time; an lr event takes
// the training seconds interpolated linearly in the step between the
// evaluation points around it. The file name follows TensorBoard's pattern
// events.out.tfevents.<time>.<host>.<pid>.<n> with the fixed values
// FileName holds: time 0946684800 (BaseWallTime), host "convergo", pid 0,
// n 0. Writing again into the same DIR replaces a run's file.
//
// # Format
//
// An event file is a sequence of TFRecords — a little-endian uint64 length,
// the masked CRC-32C of those 8 bytes, the data, the masked CRC-32C of the
// data, where mask(c) = ((c >> 15) | (c << 17)) + 0xa282ead8 — each holding
// one serialized tensorboard.Event (tensorboard/compat/proto/event.proto,
// summary.proto):
//
//	Event   {double wall_time = 1; int64 step = 2; oneof what {string file_version = 3; Summary summary = 5; …}}
//	Summary {repeated Value value = 1}
//	Value   {string tag = 1; oneof value {float simple_value = 2; …}}
//
// The first record is an Event with file_version "brain.Event:2". Fields
// are encoded with google.golang.org/protobuf/encoding/protowire in field
// order, as proto3 serializes them: wall_time and step are left out when
// 0, the oneof members are always present. The tests check the records
// byte for byte against protobuf's own deterministic serialization and
// against an event file from TensorBoard's repository (testdata/README.md).
//
// Writer writes such a file for one run, for programs that log their own
// scalars.
package tensorboard
