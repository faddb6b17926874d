#!/usr/bin/python3
"""PyTorch reference for examples/bench (issue 7).

The same workload as `go run ./examples/bench`: Fashion-MNIST at full size
(60,000 train / 10,000 test, pixels byte/255), an MLP 784-256-128-10 with
ReLU, softmax cross-entropy, batch 128 (last partial batch dropped),
float32, SGD lr 0.05 momentum 0.9 and Adam lr 1e-3. Timing covers the
training steps only; the data is in memory as one tensor. It prints one JSON
object per solver, with the fields examples/bench prints; bytes_per_step and
allocs_per_step are null (Python has no equivalent of Go's MemStats), and
"init" says where the initial weights and batch order came from.

By default ("init": "own") the weights are PyTorch's own nn.Linear draws
after torch.manual_seed(seed) and each epoch's order is torch.randperm: the
same distributions as convergo's, other draws. With --init DIR
("init": "shared") they are those `go run ./examples/bench -export DIR`
wrote: the convergo model's initial weights for its seed (Dense W is
(in, out); it is transposed into Linear.weight, (out, in)) and the batches
convergo's Trainer draws in each epoch, so that both systems train the
same model from the same start on the same batches. The seed is then the
one in DIR/manifest.json (--seed is ignored), --epochs must not exceed the
exported epochs, and training uses the first train_len samples (as with
the Go bench's -limit). --losses N prints the loss of the first N steps to
stderr, one JSON line per step, as the Go bench's -losses does.

Run it with Debian's interpreter, which has python3-torch, on 2 threads:

    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 scripts/bench/torch_bench.py

scripts/bench/run.sh does that for you.
"""

import argparse
import gzip
import json
import os
import statistics
import struct
import sys
import time

import numpy as np
import torch
from torch import nn

DEFAULT_DATA = "/usr/share/datasets/fashion-mnist"
BATCH = 128
INIT_FORMAT = "convergo-bench-init/1"  # examples/bench's ExportFormat
SOLVERS = {
    "sgd": lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9),
    "adam": lambda p: torch.optim.Adam(p, lr=1e-3),
}


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    _, _, dtype, ndim = struct.unpack(">BBBB", data[:4])
    if dtype != 0x08:
        raise SystemExit(f"{path}: IDX type 0x{dtype:02x}, want unsigned bytes")
    dims = struct.unpack(">" + "I" * ndim, data[4 : 4 + 4 * ndim])
    arr = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    return arr.reshape(dims)


def find(d, stem):
    for name in (stem + ".gz", stem):
        p = os.path.join(d, name)
        if os.path.exists(p):
            return p
    raise SystemExit(
        f"torch_bench: {d}: no {stem}[.gz]; install Fashion-MNIST with\n"
        "\tsudo apt-get install -y dataset-fashion-mnist\n"
        f"(files in {DEFAULT_DATA}) or pass --data DIR"
    )


def load(d, prefix):
    x = read_idx(find(d, f"{prefix}-images-idx3-ubyte")).reshape(-1, 784)
    y = read_idx(find(d, f"{prefix}-labels-idx1-ubyte"))
    return torch.from_numpy(x.astype(np.float32) / 255.0), torch.from_numpy(y.astype(np.int64))


def blas_name():
    """Debian's torch is built against the generic libblas.so.3, which the
    alternatives system points at OpenBLAS when libopenblas is installed."""
    info = torch.__config__.show()
    if "BLAS_INFO=mkl" in info:
        return "mkl"
    for d in ("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib"):
        p = os.path.join(d, "libblas.so.3")
        if os.path.exists(p):
            return "openblas" if "openblas" in os.path.realpath(p) else os.path.basename(os.path.realpath(p))
    return "generic"


def read_init(d, epochs):
    """The manifest, the weights by name and the batch order (epochs, steps,
    BATCH) that examples/bench -export wrote into d."""
    try:
        with open(os.path.join(d, "manifest.json")) as f:
            man = json.load(f)
    except OSError as e:
        raise SystemExit(f"torch_bench: --init {d}: {e}; write it with: go run ./examples/bench -systems none -export {d}")
    if man.get("format") != INIT_FORMAT:
        raise SystemExit(f"torch_bench: --init {d}: format {man.get('format')!r}, want {INIT_FORMAT!r}")
    if man["batch"] != BATCH:
        raise SystemExit(f"torch_bench: --init {d}: batch {man['batch']}, want {BATCH}")
    if man["epochs"] < epochs:
        raise SystemExit(f"torch_bench: --init {d}: batch orders for {man['epochs']} epochs, want {epochs}: export with -epochs {epochs}")
    def arr(a):
        v = np.load(os.path.join(d, a["file"]))
        if v.dtype != np.dtype(a["dtype"]) or list(v.shape) != a["shape"]:
            raise SystemExit(f"torch_bench: --init {d}: {a['file']} is {v.dtype} {v.shape}, manifest says {a['dtype']} {a['shape']}")
        return v
    params = {p["name"]: arr(p) for p in man["params"]}
    return man, params, arr(man["order"])


def load_init(model, params):
    """Copies convergo's dense<i>.W (in, out) and dense<i>.b into the i-th
    nn.Linear of model (weight (out, in))."""
    linears = [m for m in model if isinstance(m, nn.Linear)]
    if set(params) != {f"dense{i}.{p}" for i in range(len(linears)) for p in "Wb"}:
        raise SystemExit(f"torch_bench: --init: parameters {sorted(params)}, want dense0.W, dense0.b, … for {len(linears)} layers")
    with torch.no_grad():
        for i, lin in enumerate(linears):
            w, b = params[f"dense{i}.W"].T, params[f"dense{i}.b"]
            if w.shape != tuple(lin.weight.shape) or b.shape != tuple(lin.bias.shape):
                raise SystemExit(f"torch_bench: --init: dense{i} is {w.shape[::-1]}, {b.shape}; want {tuple(lin.weight.shape)[::-1]}, {tuple(lin.bias.shape)}")
            lin.weight.copy_(torch.from_numpy(np.ascontiguousarray(w)))
            lin.bias.copy_(torch.from_numpy(b))


def run(name, xtr, ytr, xte, yte, epochs, seed, init=None, losses=0):
    """Trains one solver; init is None (own weights and order) or
    (params, order) from read_init."""
    torch.manual_seed(seed)
    model = nn.Sequential(
        nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10)
    )
    if init is not None:
        load_init(model, init[0])
    opt = SOLVERS[name](model.parameters())
    loss_fn = nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(seed)
    steps = xtr.shape[0] // BATCH
    if init is not None and init[1].shape[1] != steps:
        raise SystemExit(f"torch_bench: --init: {init[1].shape[1]} batches per epoch, want {steps}")
    times = []
    step = 0
    for e in range(epochs):
        if init is None:
            perm = torch.randperm(xtr.shape[0], generator=gen)
        else:
            perm = torch.from_numpy(init[1][e].reshape(-1))
        start = time.perf_counter()
        for s in range(steps):
            idx = perm[s * BATCH : (s + 1) * BATCH]
            xb, yb = xtr[idx], ytr[idx]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
            if step < losses:
                print(json.dumps({"system": "pytorch", "solver": name, "step": step, "loss": loss.item()}), file=sys.stderr, flush=True)
            step += 1
        times.append(time.perf_counter() - start)
    with torch.no_grad():
        acc = (model(xte).argmax(1) == yte).float().mean().item()
    after = times[1:] if len(times) > 1 else times
    epoch_s = statistics.median(after)
    return {
        "system": "pytorch",
        "blas": blas_name(),
        "solver": name,
        "dtype": "float32",
        "epoch_s": epoch_s,
        "samples_per_s": steps * BATCH / epoch_s,
        "test_acc": acc,
        "bytes_per_step": None,
        "allocs_per_step": None,
        "init": "own" if init is None else "shared",
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=DEFAULT_DATA)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (with --settings speed, or --settings legacy)")
    ap.add_argument("--settings", choices=("legacy", "default", "speed"), default="legacy",
                    help="default: PyTorch as it starts (its own thread count); speed: what a PyTorch user sets for speed on a CPU, "
                    "torch.set_flush_denormal(True) and --threads; legacy: --threads only (this script's behaviour before)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--solvers", default="sgd,adam")
    ap.add_argument("--init", metavar="DIR", help="start from the weights and batch orders examples/bench -export DIR wrote")
    ap.add_argument("--losses", type=int, default=0, metavar="N", help="print the loss of the first N steps to stderr")
    args = ap.parse_args()
    if not os.path.isdir(args.data):
        find(args.data, "train-images-idx3-ubyte")
    if args.settings == "speed":
        torch.set_flush_denormal(True)
    if args.settings != "default":
        torch.set_num_threads(args.threads)
    xtr, ytr = load(args.data, "train")
    xte, yte = load(args.data, "t10k")
    init, seed = None, args.seed
    if args.init:
        man, params, order = read_init(args.init, args.epochs)
        if man["train_len"] > xtr.shape[0]:
            raise SystemExit(f"torch_bench: --init: train_len {man['train_len']} > {xtr.shape[0]} training samples")
        xtr, ytr = xtr[: man["train_len"]], ytr[: man["train_len"]]
        init, seed = (params, order), man["seed"]
    for name in args.solvers.split(","):
        if name not in SOLVERS:
            raise SystemExit(f"torch_bench: unknown solver {name!r} (want sgd, adam)")
        r = run(name, xtr, ytr, xte, yte, args.epochs, seed, init, args.losses)
        r.update(settings=args.settings, threads=torch.get_num_threads())
        print(json.dumps(r), flush=True)


if __name__ == "__main__":
    sys.exit(main())
