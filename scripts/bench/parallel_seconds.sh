#!/bin/sh
# parallel_seconds.sh checks that a trial's time does not depend on how many
# trials run beside it (issue 14): it runs examples/compare's default study
# at -parallel 1 and -parallel 2, interleaved round by round (1 2 1 2 …), and
# prints for every strategy the median per-trial `seconds` (the training
# time column of results.csv) at each setting and their ratio: the median
# of the per-round ratios, with their range.
#
# Each trial's model computes on its own threads (compare.Study.TrialThreads,
# default 1, graph.Config.Threads), so at -parallel 2 on 2 cores two trials
# each have a core, as the single trial has at -parallel 1; a ratio near 1
# says a trial's seconds measure its own work.
#
# Usage, from the repository root:
#   scripts/bench/parallel_seconds.sh [extra examples/compare flags]
# ROUNDS=N (default 3); BUILD=openblas for the OpenBLAS build. The study is
# run with -tune 0 (the classic five at fixed rates, no tuning phase),
# -no-plots and -fresh, plus the flags given.
set -eu

cd "$(dirname "$0")/../.."
ROUNDS=${ROUNDS:-3}
BUILD=${BUILD:-purego}
BIN=$(mktemp -d)
trap 'rm -rf "$BIN"' EXIT

case "$BUILD" in
purego) go build -o "$BIN/compare" ./examples/compare ;;
openblas) CGO_LDFLAGS=${CGO_LDFLAGS:--lopenblas} go build -tags openblas -o "$BIN/compare" ./examples/compare ;;
*) echo "parallel_seconds.sh: BUILD=$BUILD (want purego or openblas)" >&2; exit 2 ;;
esac
export OMP_WAIT_POLICY=PASSIVE

i=1
while [ "$i" -le "$ROUNDS" ]; do
	for p in 1 2; do
		echo "# round $i of $ROUNDS: -parallel $p" >&2
		"$BIN/compare" -tune 0 -no-plots -fresh -parallel "$p" -out "$BIN/r$i-p$p" "$@" >"$BIN/r$i-p$p.log" 2>&1 ||
			{ cat "$BIN/r$i-p$p.log" >&2; exit 1; }
	done
	i=$((i + 1))
done

python3 - "$BIN" "$ROUNDS" <<'PY'
import csv, os, statistics, sys
d, rounds = sys.argv[1], int(sys.argv[2])
def secs(r, p):
    out = {}
    with open(os.path.join(d, f"r{r}-p{p}", "results.csv")) as f:
        for row in csv.DictReader(f):
            if row["status"] == "ok":
                out.setdefault(row["strategy"], []).append(float(row["seconds"]))
    return out
runs = {(r, p): secs(r, p) for r in range(1, rounds + 1) for p in (1, 2)}
strategies = list(runs[(1, 1)])
print(f"per-trial training seconds (results.csv `seconds`), {rounds} rounds interleaved")
print()
print("| strategy | median s, -parallel 1 | median s, -parallel 2 | ratio 2/1, median of rounds [range] |")
print("|---|---:|---:|---:|")
allr = []
for s in strategies + ["all"]:
    pick = (lambda run: [v for vs in run.values() for v in vs]) if s == "all" else (lambda run: run.get(s, []))
    m1 = statistics.median([v for r in range(1, rounds + 1) for v in pick(runs[(r, 1)])])
    m2 = statistics.median([v for r in range(1, rounds + 1) for v in pick(runs[(r, 2)])])
    ratios = [statistics.median(pick(runs[(r, 2)])) / statistics.median(pick(runs[(r, 1)])) for r in range(1, rounds + 1)]
    print(f"| {s} | {m1:.3f} | {m2:.3f} | {statistics.median(ratios):.3f} [{min(ratios):.3f}, {max(ratios):.3f}] |")
PY
