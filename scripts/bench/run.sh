#!/bin/sh
# run.sh runs the issue-7/issue-17 benchmark: the MLP of examples/bench and
# the LeNet of examples/convnet, each trained by
#
#   convergo, pure-Go build   (its own AVX-512/AVX2 GEMM, internal/gemm)
#   convergo, OpenBLAS build  (-tags openblas)
#   PyTorch, default          (as it starts: its own initialisation, shuffling
#                              and thread count)
#   PyTorch, speed            (torch.set_flush_denormal(True), 2 threads: what
#                              a PyTorch user sets for speed on a CPU)
#
# interleaved round by round (every system once per round, ROUNDS ≥ 3
# rounds), and prints per row the median epoch time over the rounds and, per
# pair, the median of the per-round ratios with their range: on a shared
# machine whose speed drifts between minutes, only ratios measured in the same
# round are worth quoting. Each round also measures the GEMM peak of both
# builds (examples/bench -peak: a 1024³ float32 product, 2 threads); the
# faster one gives each workload's compute bound (its GEMM work, forward and
# backward, divided by the peak), and every epoch is printed as a multiple
# of that bound.
#
# OpenBLAS 0.3.21 (Debian 12) does not know recent Xeons (e.g. model 207) and
# falls back to its Prescott (SSE3) kernels, several times slower than its
# SkylakeX (AVX-512) ones; PyTorch from Debian uses the same library for its
# dense layers. Unless BENCH_CORETYPE says otherwise (a core name, or none),
# run.sh sets OPENBLAS_CORETYPE=SkylakeX for everything it runs when OpenBLAS
# reports Prescott on a CPU with AVX-512, so that neither convergo's OpenBLAS
# build nor PyTorch is measured with a misdetected BLAS.
#
# Needs (Debian/Ubuntu):
#   sudo apt-get install -y dataset-fashion-mnist python3-torch libopenblas-dev
#
# Usage, from the repository root:
#   scripts/bench/run.sh [-epochs N] [-data DIR] [-seed N]
# ROUNDS=N (default 3); CONV_LIMIT=N trains the convnet on the first N
# training samples in every system (default 20000; 0: all 60,000);
# CONV_EPOCHS (default 2; epochs after the first are timed); TORCH_INIT=shared
# starts PyTorch's MLP from convergo's weights and batches (default own).
# Results: one JSON line per run in $OUT (default /tmp/convergo-bench.jsonl),
# each with its "round".
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
TORCH_INIT=${TORCH_INIT:-own}
case "$TORCH_INIT" in
shared | own) ;;
*) echo "run.sh: TORCH_INIT=$TORCH_INIT (want shared or own)" >&2; exit 2 ;;
esac
OUT=${OUT:-/tmp/convergo-bench.jsonl}
ROUNDS=${ROUNDS:-${REPEAT:-3}}
CONV_LIMIT=${CONV_LIMIT:-20000}
CONV_EPOCHS=${CONV_EPOCHS:-2}
THREADS=2
PY=/usr/bin/python3 # Debian's python, which has python3-torch
BIN=$(mktemp -d)
trap 'rm -rf "$BIN"' EXIT

if [ ! -d "$DATA" ]; then
	echo "run.sh: $DATA not found; install it with: sudo apt-get install -y dataset-fashion-mnist" >&2
	exit 1
fi

echo "# building examples/bench and examples/convnet (pure Go, OpenBLAS)" >&2
go build -o "$BIN/bench-purego" ./examples/bench
go build -o "$BIN/convnet-purego" ./examples/convnet
CGO_LDFLAGS=${CGO_LDFLAGS:--lopenblas} go build -tags openblas -o "$BIN/bench-openblas" ./examples/bench
CGO_LDFLAGS=${CGO_LDFLAGS:--lopenblas} go build -tags openblas -o "$BIN/convnet-openblas" ./examples/convnet

export OMP_WAIT_POLICY=PASSIVE OPENBLAS_NUM_THREADS=$THREADS
CORE=$("$PY" -c 'import ctypes; l = ctypes.CDLL("libopenblas.so.0"); l.openblas_get_corename.restype = ctypes.c_char_p; print(l.openblas_get_corename().decode())' 2>/dev/null || echo unknown)
case "${BENCH_CORETYPE:-auto}" in
auto)
	if [ "$CORE" = Prescott ] && grep -qw avx512f /proc/cpuinfo; then
		export OPENBLAS_CORETYPE=SkylakeX
		echo "# OpenBLAS detects this CPU as $CORE: running everything with OPENBLAS_CORETYPE=SkylakeX (BENCH_CORETYPE=none to keep $CORE)" >&2
	fi ;;
none) ;;
*) export OPENBLAS_CORETYPE=$BENCH_CORETYPE ;;
esac

INIT=
if [ "$TORCH_INIT" = shared ]; then
	echo "# exporting convergo's initial weights and batch orders (seed $SEED)" >&2
	"$BIN/bench-purego" -systems none -export "$BIN/init" -epochs "$EPOCHS" -data "$DATA" -seed "$SEED"
	INIT="--init $BIN/init"
fi

# tag ROUND ROW: adds "round" and "row" to every JSON line on stdin.
tag() { "$PY" -c 'import json, sys
for l in sys.stdin:
    if l.strip():
        d = json.loads(l); d.update(round=int(sys.argv[1]), row=sys.argv[2]); print(json.dumps(d), flush=True)' "$1" "$2"; }

# convnet BUILD SOLVER: examples/convnet's epoch lines as one JSON line (the
# median of the epochs after the first); SOLVER is adam (its default,
# adam(lr=2e-3)) or sgd (sgd(lr=0.05,momentum=0.9), the MLP's).
convnet() {
	spec='adam(lr=2e-3)'
	[ "$2" = sgd ] && spec='sgd(lr=0.05,momentum=0.9)'
	"$BIN/convnet-$1" -solver "$spec" -data "$DATA" -limit "$CONV_LIMIT" -epochs "$CONV_EPOCHS" -seed "$SEED" -threads "$THREADS" | "$PY" -c 'import json, re, statistics, sys
secs, acc = [], None
for l in sys.stdin:
    m = re.match(r"epoch=(\d+) .*test_acc=([0-9.]+) .*seconds=([0-9.]+)", l)
    if m:
        secs.append(float(m.group(3))); acc = float(m.group(2))
after = secs[1:] or secs
print(json.dumps({"system": "convergo", "net": "convnet", "blas": sys.argv[1], "solver": sys.argv[2], "epoch_s": statistics.median(after), "epochs_s": secs, "test_acc": acc}))' "$1" "$2"
}

: >"$OUT"
r=1
while [ "$r" -le "$ROUNDS" ]; do
	echo "# round $r of $ROUNDS" >&2
	for b in purego openblas; do
		"$BIN/bench-$b" -peak -threads "$THREADS" | tag "$r" "peak $b" >>"$OUT"
		"$BIN/bench-$b" -systems convergo -epochs "$EPOCHS" -data "$DATA" -seed "$SEED" -threads "$THREADS" | tag "$r" "mlp convergo $b" >>"$OUT"
	done
	for s in default speed; do
		# shellcheck disable=SC2086 # $INIT is empty or two words
		"$PY" scripts/bench/torch_bench.py --epochs "$EPOCHS" --data "$DATA" --seed "$SEED" --settings "$s" --threads "$THREADS" $INIT | tag "$r" "mlp pytorch $s" >>"$OUT"
	done
	for opt in adam sgd; do
		for b in purego openblas; do
			convnet "$b" "$opt" | tag "$r" "convnet convergo $b" >>"$OUT"
		done
		for s in default speed; do
			"$PY" scripts/bench/torch_convnet.py --solver "$opt" --epochs "$CONV_EPOCHS" --data "$DATA" --seed "$SEED" --limit "$CONV_LIMIT" --settings "$s" --threads "$THREADS" | tag "$r" "convnet pytorch $s" >>"$OUT"
		done
	done
	r=$((r + 1))
done

"$PY" - "$OUT" "$CONV_LIMIT" <<'PY'
import json, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
conv_len = int(sys.argv[2]) or 60000
rounds = sorted({r["round"] for r in runs})

# GEMM work per training step, in FLOPs (2 per multiply-add): forward,
# weight gradients, and the input gradients the graph computes (not the
# data's).
def mlp_flops(batch=128, sizes=(784, 256, 128, 10)):
    fwd = [batch * a * b for a, b in zip(sizes, sizes[1:])]
    return 2 * (2 * sum(fwd) + sum(fwd[1:]))
def convnet_flops(batch=64):
    conv1 = batch * 28 * 28 * 6 * 25   # 5×5 over 1 channel, padding 2
    conv2 = batch * 10 * 10 * 16 * 150 # 5×5 over 6 channels
    d1, d2 = batch * 400 * 120, batch * 120 * 10
    return 2 * (2 * (conv1 + conv2 + d1 + d2) + conv2 + d1 + d2)
work = {"mlp": mlp_flops() * (60000 // 128), "convnet": convnet_flops() * (conv_len // 64)}

def by(row, rnd, solver=None):
    for r in runs:
        if r["row"] == row and r["round"] == rnd and (solver is None or r.get("solver") == solver):
            return r
def med(xs):
    return statistics.median(xs) if xs else float("nan")
def fmt_ratio(xs):
    return "—" if not xs else f"{statistics.median(xs):.2f} [{min(xs):.2f}, {max(xs):.2f}]"

peaks = {rnd: max(by(f"peak {b}", rnd)["gflops"] for b in ("purego", "openblas")) for rnd in rounds}
print(f"GEMM peak (1024³ float32, 2 threads), per round: " + ", ".join(
    f"{by('peak purego', r)['gemm']} {by('peak purego', r)['gflops']:.0f} / openblas {by('peak openblas', r)['gflops']:.0f} GFLOP/s" for r in rounds))
print(f"compute bounds at the median peak {med(list(peaks.values())):.0f} GFLOP/s: "
      + ", ".join(f"{k} {w / 1e9 / med(list(peaks.values())):.2f} s/epoch ({w / 1e9:.1f} GFLOP)" for k, w in work.items()))
print()
rows = [
    ("mlp", "sgd"), ("mlp", "adam"), ("convnet", "sgd"), ("convnet", "adam"),
]
systems = ["convergo purego", "convergo openblas", "pytorch default", "pytorch speed"]
print("| workload | solver | system | epoch s (median) | × bound (median [range]) | test acc |")
print("|---|---|---|---:|---:|---:|")
for net, solver in rows:
    for sysname in systems:
        rs = [by(f"{net} {sysname}", rnd, solver) for rnd in rounds]
        rs = [(rnd, r) for rnd, r in zip(rounds, rs) if r]
        if not rs:
            continue
        t = [r["epoch_s"] for _, r in rs]
        xb = [r["epoch_s"] / (work[net] / 1e9 / peaks[rnd]) for rnd, r in rs]
        extra = ""
        if sysname.startswith("pytorch"):
            extra = f" ({rs[0][1].get('threads')} thr)"
        print(f"| {net} | {solver or 'adam'} | {sysname}{extra} | {med(t):.2f} | {fmt_ratio(xb)} | {rs[-1][1].get('test_acc', float('nan')):.4f} |")
print()
print("Ratios of epoch times, median of the per-round ratios [range] (lower is better for the first system):")
print()
print("| workload | solver | purego / openblas | purego / pytorch default | purego / pytorch speed | openblas / pytorch default | openblas / pytorch speed |")
print("|---|---|---:|---:|---:|---:|---:|")
pairs = [("convergo purego", "convergo openblas"), ("convergo purego", "pytorch default"), ("convergo purego", "pytorch speed"),
         ("convergo openblas", "pytorch default"), ("convergo openblas", "pytorch speed")]
for net, solver in rows:
    cells = []
    for a, b in pairs:
        xs = []
        for rnd in rounds:
            ra, rb = by(f"{net} {a}", rnd, solver), by(f"{net} {b}", rnd, solver)
            if ra and rb:
                xs.append(ra["epoch_s"] / rb["epoch_s"])
        cells.append(fmt_ratio(xs))
    print(f"| {net} | {solver or 'adam'} | " + " | ".join(cells) + " |")
print()
print(f"{len(rounds)} rounds; convnet on {conv_len} training samples; PyTorch init: {runs[0].get('init', 'own') if runs else '?'} for the MLP, own for the convnet.")
PY
