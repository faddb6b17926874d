// Package algoperf writes the curves of a compare study in the directory
// layout and CSV format that the scoring code of MLCommons AlgoPerf
// (github.com/mlcommons/algorithmic-efficiency, scoring/scoring_utils.py
// get_experiment_df, scoring/score_submissions.py,
// scoring/performance_profile.py) reads:
//
//	DIR/<submission>/study_<j>/<workload>/trial_<i>/eval_measurements.csv
//
// so that a convergo study can be fed to AlgoPerf's performance profiles
// and summaries, or compared with AlgoPerf baselines' logs:
//
//	res, err := compare.Run(ctx, study)
//	if err == nil {
//		err = algoperf.Write("algoperf", res)
//	}
//	// python3 scoring/score_submissions.py --submission_directory algoperf ...
//
// # The mapping
//
//	AlgoPerf                       convergo
//	submission directory           a strategy (Trial.Strategy)
//	study_<j>                      the j-th seed of the study (0-based, in Study.Seeds order)
//	<workload>                     a problem (Trial.Problem)
//	trial_1                        the one configuration run per (strategy, seed)
//	eval_measurements.csv row      an evaluation point (compare.Point)
//
// AlgoPerf repeats each submission in independent studies and, under the
// external-tuning ruleset, runs several hyperparameter trials in each,
// numbered from trial_1; convergo runs one configuration of a strategy per
// seed — its best one after tuning (compare.Tuning), whose search trials
// are not kept as curves — so every study has the single trial_1, as in
// AlgoPerf's self-tuning ruleset (score with --self_tuning_ruleset, or
// expect its warning about the number of trials). A failed trial (no
// curve) gets no directory; a diverged one keeps its curve up to the
// divergence.
//
// Directory names keep [A-Za-z0-9._-] and replace every other character
// with '_' (a problem's "/" included: mlp/mnist-sample becomes the workload
// mlp_mnist-sample): AlgoPerf's get_experiment_df uses the submission path
// as a regular expression, which "+" or an unbalanced "(" would break. Two
// names that become the same are told apart by a suffix "-2", "-3", … in
// the order of the trials. Write puts nothing else directly in DIR, since
// score_submissions.py takes every entry there for a submission.
//
// Workload names: AlgoPerf's scorer looks a workload directory up in its
// own registry (scoring_utils.get_workload_metrics_and_targets: a name
// matching (.*)(_jax|_pytorch), whose target metric and value come from
// the workload's code). convergo's problems are not AlgoPerf workloads, so
// its summaries and profiles need either Options.Workload mapping a problem
// to a registered name — only where the problem is that workload — or a
// workload-metadata dictionary passed to performance_profile's functions
// directly. The files themselves are read by get_experiment_df as they are.
//
// # Columns
//
// eval_measurements.csv has a header and one row per evaluation point, the
// columns in the sorted order AlgoPerf's logger writes them
// (algoperf/logger_utils.py write_to_csv), with AlgoPerf's names:
//
//	accumulated_submission_time  Point.Seconds: training time so far, evaluations excluded (AlgoPerf's definition)
//	global_step                  Point.Step
//	preemption_count             0
//	score                        Point.Seconds (AlgoPerf's submission_runner sets score = accumulated_submission_time)
//	train/loss                   Point.TrainLoss: the mean training-batch loss since the previous point
//	                             (AlgoPerf evaluates the loss on training data instead)
//	validation/accuracy          Point.TestAcc
//	validation/loss              Point.TestLoss (f − f* for an analytic problem)
//	validation/num_examples      the problem's validation rows (ProblemInfo.EvalRows; empty when unknown or analytic)
//
// Numbers are written in Go's shortest round-trip form; a missing value
// (NaN: the training loss at step 0, the accuracy of an analytic problem)
// is an empty field, which pandas.read_csv reads as NaN; ±Inf is written
// inf and -inf, as pandas writes and reads them. Columns convergo does not
// measure per point (accumulated_eval_time, accumulated_logging_time,
// total_duration, test/…) are left out. Next to the CSV, trial_<i>/
// convergo_trial.json records the problem, strategy, its text form, seed and
// status of the trial. The same Results give the same bytes.
//
// The tests walk the files as get_experiment_df does and parse them with
// encoding/csv; scripts/algoperf/score_check.py runs AlgoPerf's own
// get_experiment_df and get_workloads_time_to_target on an export (a manual
// check: it needs Python, pandas and a checkout of AlgoPerf).
package algoperf
