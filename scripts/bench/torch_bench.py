#!/usr/bin/python3
"""PyTorch reference for examples/bench (issue 7).

The same workload as `go run ./examples/bench`: Fashion-MNIST at full size
(60,000 train / 10,000 test, pixels byte/255), an MLP 784-256-128-10 with
ReLU, softmax cross-entropy, batch 128 (last partial batch dropped),
float32, SGD lr 0.05 momentum 0.9 and Adam lr 1e-3. Timing covers the
training steps only; the data is in memory as one tensor. It prints one JSON
object per solver, with the fields examples/bench prints; bytes_per_step and
allocs_per_step are null (Python has no equivalent of Go's MemStats).

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


def run(name, xtr, ytr, xte, yte, epochs, seed):
    torch.manual_seed(seed)
    model = nn.Sequential(
        nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10)
    )
    opt = SOLVERS[name](model.parameters())
    loss_fn = nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(seed)
    steps = xtr.shape[0] // BATCH
    times = []
    for _ in range(epochs):
        perm = torch.randperm(xtr.shape[0], generator=gen)
        start = time.perf_counter()
        for s in range(steps):
            idx = perm[s * BATCH : (s + 1) * BATCH]
            xb, yb = xtr[idx], ytr[idx]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
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
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=DEFAULT_DATA)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--solvers", default="sgd,adam")
    args = ap.parse_args()
    if not os.path.isdir(args.data):
        find(args.data, "train-images-idx3-ubyte")
    torch.set_num_threads(args.threads)
    xtr, ytr = load(args.data, "train")
    xte, yte = load(args.data, "t10k")
    for name in args.solvers.split(","):
        if name not in SOLVERS:
            raise SystemExit(f"torch_bench: unknown solver {name!r} (want sgd, adam)")
        print(json.dumps(run(name, xtr, ytr, xte, yte, args.epochs, args.seed)), flush=True)


if __name__ == "__main__":
    sys.exit(main())
