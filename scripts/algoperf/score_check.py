#!/usr/bin/env python3
"""Read a convergo AlgoPerf export with AlgoPerf's own scoring code.

A manual check of github.com/convergo/convergo/compare/algoperf (go test
does not run it): it loads every submission directory of an export with
scoring/scoring_utils.py get_experiment_df from a checkout of
github.com/mlcommons/algorithmic-efficiency, prints the columns and curves it
read, and computes performance_profile.get_workloads_time_to_target on them.

Usage (from the repository root):

    go run ./examples/compare -steps 60 -seeds 3 -algoperf /tmp/ap -no-plots \\
        -strategy 'sgd+cosine: sgd(lr=0.1) | cosine(max=0.1,T=total)' -strategy 'adam: adam(lr=1e-3)'
    python3 scripts/algoperf/score_check.py path/to/algorithmic-efficiency /tmp/ap [metric target]

It needs pandas, numpy, absl, matplotlib and tabulate (Debian: python3-pandas
python3-absl python3-matplotlib python3-tabulate). AlgoPerf's workload
registry imports jax and is replaced by an empty stub; since convergo's
problems are not registered AlgoPerf workloads, the target is given on the
command line (default validation/accuracy 0.8) instead of being looked up.
"""
import os
import sys
import types


def main():
    if len(sys.argv) not in (3, 5):
        sys.exit(__doc__)
    checkout, export = sys.argv[1], sys.argv[2]
    metric, target = "validation/accuracy", 0.8
    if len(sys.argv) == 5:
        metric, target = sys.argv[3], float(sys.argv[4])
    sys.path.insert(0, checkout)
    # The registry module (algoperf/workloads/workloads.py) imports jax;
    # get_experiment_df does not use it.
    stub = types.ModuleType("algoperf.workloads.workloads")
    stub.WORKLOADS, stub.BASE_WORKLOADS = {}, []
    stub.get_base_workload_name = lambda w: w
    sys.modules["algoperf"] = types.ModuleType("algoperf")
    sys.modules["algoperf.workloads"] = types.ModuleType("algoperf.workloads")
    sys.modules["algoperf.workloads.workloads"] = stub
    from scoring import performance_profile, scoring_utils

    scoring_utils.get_workload_metrics_and_targets = lambda w, split="validation": (metric, target)
    for sub in sorted(os.listdir(export)):
        df = scoring_utils.get_experiment_df(os.path.join(export, sub))
        print(sub, df.shape, sorted(df.columns))
        print(df[["workload", "study", "global_step", "score", metric]].to_string())
        t = performance_profile.get_workloads_time_to_target(
            df, sub, time_col="global_step", self_tuning_ruleset=True)
        print(f"{sub}: median global_step to {metric} reaching {target}:")
        print(t.to_string())


if __name__ == "__main__":
    main()
