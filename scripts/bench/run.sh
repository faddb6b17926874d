#!/bin/sh
# run.sh runs the issue-7 benchmark in one go: examples/bench built with
# gonum's pure-Go BLAS and with OpenBLAS (each timing convergo's Trainer and a
# plain hand-written Gorgonia loop), then the PyTorch reference, and prints
# the JSON lines, a table and the ratios convergo/PyTorch and
# convergo/Gorgonia (epoch seconds, lower is better), and the test accuracy
# of convergo minus PyTorch's.
#
# PyTorch starts from convergo's initial weights and trains on convergo's
# batches, in convergo's order (examples/bench -export, torch_bench.py
# --init): both systems then train the same model from the same start, and
# the accuracy column shows what the implementations do, not the luck of
# two seeds' draws (about a point apart on this workload). TORCH_INIT=own
# lets PyTorch draw its own weights and order from the seed instead, as
# before; scripts/bench/seeds.sh compares the two that way over seeds.
#
# Needs (Debian/Ubuntu):
#   sudo apt-get install -y dataset-fashion-mnist python3-torch libopenblas-dev
#
# Usage, from the repository root:
#   scripts/bench/run.sh [-epochs N] [-data DIR] [-seed N]
# REPEAT=N runs the three programs N times in turn (default 1) and reports,
# per row, the median epoch time of the N runs: on a shared machine, the
# load then falls on all systems alike. Results are kept in $OUT (default
# /tmp/convergo-bench.jsonl), one JSON line per run and row.
set -eu

cd "$(dirname "$0")/../.."
EPOCHS=3
DATA=/usr/share/datasets/fashion-mnist
SEED=1
while [ $# -gt 0 ]; do
	case "$1" in
	-epochs | --epochs) EPOCHS=$2; shift 2 ;;
	-data | --data) DATA=$2; shift 2 ;;
	-seed | --seed) SEED=$2; shift 2 ;;
	*) echo "run.sh: unknown argument $1 (want -epochs N, -data DIR, -seed N)" >&2; exit 2 ;;
	esac
done
TORCH_INIT=${TORCH_INIT:-shared}
case "$TORCH_INIT" in
shared | own) ;;
*) echo "run.sh: TORCH_INIT=$TORCH_INIT (want shared or own)" >&2; exit 2 ;;
esac
OUT=${OUT:-/tmp/convergo-bench.jsonl}
REPEAT=${REPEAT:-1}
PY=/usr/bin/python3 # Debian's python, which has python3-torch
BIN=$(mktemp -d)
trap 'rm -rf "$BIN"' EXIT

if [ ! -d "$DATA" ]; then
	echo "run.sh: $DATA not found; install it with: sudo apt-get install -y dataset-fashion-mnist" >&2
	exit 1
fi

echo "# building examples/bench (gonum, openblas)" >&2
go build -o "$BIN/bench-gonum" ./examples/bench
CGO_LDFLAGS=${CGO_LDFLAGS:--lopenblas} go build -tags openblas -o "$BIN/bench-openblas" ./examples/bench

# Gorgonia and OpenBLAS: 2 threads on this 2-core machine, like PyTorch.
export OMP_WAIT_POLICY=PASSIVE OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-2}
INIT=
if [ "$TORCH_INIT" = shared ]; then
	echo "# exporting convergo's initial weights and batch orders (seed $SEED)" >&2
	"$BIN/bench-gonum" -systems none -export "$BIN/init" -epochs "$EPOCHS" -data "$DATA" -seed "$SEED"
	INIT="--init $BIN/init"
fi
: >"$OUT"
i=1
while [ "$i" -le "$REPEAT" ]; do
	echo "# run $i of $REPEAT: pure-Go build" >&2
	"$BIN/bench-gonum" -epochs "$EPOCHS" -data "$DATA" -seed "$SEED" | tee -a "$OUT"
	echo "# run $i of $REPEAT: OpenBLAS build" >&2
	"$BIN/bench-openblas" -epochs "$EPOCHS" -data "$DATA" -seed "$SEED" | tee -a "$OUT"
	echo "# run $i of $REPEAT: PyTorch ($TORCH_INIT init)" >&2
	# shellcheck disable=SC2086 # $INIT is empty or two words
	"$PY" scripts/bench/torch_bench.py --epochs "$EPOCHS" --data "$DATA" --seed "$SEED" --threads 2 $INIT | tee -a "$OUT"
	i=$((i + 1))
done

"$PY" - "$OUT" <<'EOF'
import json, sys
import statistics
runs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
# One row per (system, BLAS, solver): the median epoch time over the runs.
rows, seen = [], {}
for r in runs:
    k = (r["system"], r["blas"], r["solver"])
    if k not in seen:
        seen[k] = dict(r, _t=[])
        rows.append(seen[k])
    seen[k]["_t"].append(r["epoch_s"])
for r in rows:
    r["samples_per_s"] *= r["epoch_s"] / statistics.median(r["_t"])
    r["epoch_s"] = statistics.median(r["_t"])
def fmt(v, f):
    return "—" if v is None else format(v, f)
print()
print("| system | BLAS | solver | epoch s | samples/s | test acc | bytes/step | allocs/step |")
print("|---|---|---|---:|---:|---:|---:|---:|")
for r in rows:
    system = r["system"] + (f" ({r['init']} init)" if "init" in r else "")
    print(f"| {system} | {r['blas']} | {r['solver']} | {r['epoch_s']:.2f} | {r['samples_per_s']:.0f} | "
          f"{r['test_acc']:.4f} | {fmt(r['bytes_per_step'], ',.0f')} | {fmt(r['allocs_per_step'], '.4g')} |")
get = {(r["system"], r["blas"], r["solver"]): r for r in rows}
torch = {r["solver"]: r for r in rows if r["system"] == "pytorch"}
print()
print("| BLAS | solver | convergo/PyTorch | convergo/Gorgonia | allocs Gorgonia/convergo | Adam/SGD (convergo) | acc convergo − PyTorch |")
print("|---|---|---:|---:|---:|---:|---:|")
for blas in ("gonum", "openblas"):
    for s in ("sgd", "adam"):
        c, g, t = get.get(("convergo", blas, s)), get.get(("gorgonia", blas, s)), torch.get(s)
        if not c:
            continue
        ct = f"{c['epoch_s']/t['epoch_s']:.2f}" if t else "—"
        cg = f"{c['epoch_s']/g['epoch_s']:.2f}" if g else "—"
        # Below one allocation per step the ratio says nothing (convergo's
        # steps allocate nothing; the stray allocation is the epoch's own).
        if not g:
            al = "—"
        elif c["allocs_per_step"] < 1:
            al = f"{g['allocs_per_step']:.0f} vs {c['allocs_per_step']:.3f}"
        else:
            al = f"{g['allocs_per_step']/c['allocs_per_step']:.1f}×"
        sgd = get.get(("convergo", blas, "sgd"))
        ad = f"{c['epoch_s']/sgd['epoch_s']:.2f}" if sgd else "—"
        acc = f"{100*(c['test_acc']-t['test_acc']):+.2f} pt" if t else "—"
        print(f"| {blas} | {s} | {ct} | {cg} | {al} | {ad} | {acc} |")
inits = {r.get("init", "own") for r in torch.values()}
if inits == {"shared"}:
    print("\nPyTorch trained from convergo's initial weights, on its batches in its order.")
elif inits == {"own"}:
    print("\nPyTorch drew its own initial weights and batch order: the accuracy difference includes seed noise (see scripts/bench/seeds.sh).")
EOF
