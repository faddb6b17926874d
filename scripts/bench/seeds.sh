#!/bin/sh
# seeds.sh compares the test accuracy of convergo and PyTorch on the issue-7
# workload over several seeds, and prints per system and solver the mean ±
# sample standard deviation of test_acc, and the mean ± std of the per-seed
# difference convergo − PyTorch.
#
# By default each system starts from its own initialisation: convergo from
# examples/bench's seed, PyTorch from torch.manual_seed(seed) and
# torch.randperm (the same distributions, other draws), so the comparison is
# of two samples of runs. TORCH_INIT=shared starts PyTorch from convergo's
# weights and batch order of each seed instead (examples/bench -export,
# torch_bench.py --init): the differences are then what float32 rounding
# does to two implementations of the same computation.
#
# Only convergo's Trainer runs (not the plain Gorgonia loop), with gonum's
# pure-Go BLAS (BLAS=openblas for the OpenBLAS build, about 5× faster here).
# The runs are sequential; the timings are not reported. SOLVERS=sgd (or
# adam) runs one solver only (default sgd,adam).
#
# Needs (Debian/Ubuntu):
#   sudo apt-get install -y dataset-fashion-mnist python3-torch [libopenblas-dev]
#
# Usage, from the repository root:
#   scripts/bench/seeds.sh [-seeds "1 2 3 4 5"] [-epochs N] [-data DIR]
# Results are kept in $OUT (default /tmp/convergo-seeds.jsonl), one JSON line
# per run with a "seed" field added.
set -eu

cd "$(dirname "$0")/../.."
SEEDS="1 2 3 4 5"
EPOCHS=3
DATA=/usr/share/datasets/fashion-mnist
while [ $# -gt 0 ]; do
	case "$1" in
	-seeds | --seeds) SEEDS=$2; shift 2 ;;
	-epochs | --epochs) EPOCHS=$2; shift 2 ;;
	-data | --data) DATA=$2; shift 2 ;;
	*) echo "seeds.sh: unknown argument $1 (want -seeds \"1 2 …\", -epochs N, -data DIR)" >&2; exit 2 ;;
	esac
done
OUT=${OUT:-/tmp/convergo-seeds.jsonl}
TORCH_INIT=${TORCH_INIT:-own}
BLAS=${BLAS:-gonum}
SOLVERS=${SOLVERS:-sgd,adam}
case "$TORCH_INIT" in
shared | own) ;;
*) echo "seeds.sh: TORCH_INIT=$TORCH_INIT (want own or shared)" >&2; exit 2 ;;
esac
PY=/usr/bin/python3 # Debian's python, which has python3-torch
BIN=$(mktemp -d)
trap 'rm -rf "$BIN"' EXIT

if [ ! -d "$DATA" ]; then
	echo "seeds.sh: $DATA not found; install it with: sudo apt-get install -y dataset-fashion-mnist" >&2
	exit 1
fi

echo "# building examples/bench ($BLAS)" >&2
case "$BLAS" in
gonum) go build -o "$BIN/bench" ./examples/bench ;;
openblas) CGO_LDFLAGS=${CGO_LDFLAGS:--lopenblas} go build -tags openblas -o "$BIN/bench" ./examples/bench ;;
*) echo "seeds.sh: BLAS=$BLAS (want gonum or openblas)" >&2; exit 2 ;;
esac
export OMP_WAIT_POLICY=PASSIVE OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-2}

# tag SEED adds "seed": SEED to each JSON line.
tag() { sed "s/^{/{\"seed\": $1, /"; }

: >"$OUT"
for s in $SEEDS; do
	echo "# seed $s: convergo" >&2
	INIT=
	if [ "$TORCH_INIT" = shared ]; then
		"$BIN/bench" -systems convergo -solvers "$SOLVERS" -epochs "$EPOCHS" -data "$DATA" -seed "$s" -export "$BIN/init" | tag "$s" | tee -a "$OUT"
		INIT="--init $BIN/init"
	else
		"$BIN/bench" -systems convergo -solvers "$SOLVERS" -epochs "$EPOCHS" -data "$DATA" -seed "$s" | tag "$s" | tee -a "$OUT"
	fi
	echo "# seed $s: PyTorch ($TORCH_INIT init)" >&2
	# shellcheck disable=SC2086 # $INIT is empty or two words
	"$PY" scripts/bench/torch_bench.py --epochs "$EPOCHS" --data "$DATA" --seed "$s" --threads 2 --solvers "$SOLVERS" $INIT | tag "$s" | tee -a "$OUT"
done

"$PY" - "$OUT" <<'EOF'
import json, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
acc = {}
for r in runs:
    acc.setdefault((r["system"], r["solver"]), {})[r["seed"]] = 100 * r["test_acc"]
def ms(v, sign=""):
    sd = statistics.stdev(v) if len(v) > 1 else float("nan")
    return f"{statistics.mean(v):{sign}.2f} ± {sd:.2f}"
print()
print("| system | solver | seeds | test acc % (mean ± std) | min | max |")
print("|---|---|---|---:|---:|---:|")
for (system, solver), a in acc.items():
    init = next((r.get("init") for r in runs if r["system"] == system and "init" in r), None)
    name = system + (f" ({init} init)" if init else "")
    v = list(a.values())
    print(f"| {name} | {solver} | {len(v)} | {ms(v)} | {min(v):.2f} | {max(v):.2f} |")
print()
print("| solver | convergo − PyTorch, pt (mean ± std over seeds) | per seed |")
print("|---|---:|---|")
for solver in dict.fromkeys(s for _, s in acc):
    c, t = acc.get(("convergo", solver), {}), acc.get(("pytorch", solver), {})
    seeds = [s for s in c if s in t]
    if not seeds:
        continue
    d = [c[s] - t[s] for s in seeds]
    print(f"| {solver} | {ms(d, '+')} | " + ", ".join(f"{s}: {x:+.2f}" for s, x in zip(seeds, d)) + " |")
EOF
