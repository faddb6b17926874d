#!/usr/bin/python3
"""PyTorch reference for examples/convnet (issue 17).

The same network and workload as `go run ./examples/convnet -data DIR`:
LeNet-style, conv 5×5·6 padding 2 → ReLU → max-pool 2 → conv 5×5·16 →
ReLU → max-pool 2 → flatten → dense 120 → ReLU → dropout 0.25 → dense 10,
softmax cross-entropy, Adam lr 2e-3 (--solver sgd: SGD lr 0.05 momentum
0.9), batch 64 (last partial batch dropped),
float32, Fashion-MNIST (pixels byte/255), PyTorch's own initialisation and
shuffling from --seed. Timing covers the training steps only; the data is in
memory as one tensor. It prints one JSON line:

    {"system": "pytorch", "net": "convnet", "settings": ..., "threads": ...,
     "epoch_s": ..., "epochs_s": [...], "test_acc": ...}

epoch_s is the median of the epochs after the first. --settings default
leaves PyTorch as it starts (its own thread count); --settings speed is what
a PyTorch user sets for speed on a CPU: torch.set_flush_denormal(True) and
torch.set_num_threads(--threads).

    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 scripts/bench/torch_convnet.py --settings speed
"""

import argparse
import json
import statistics
import sys
import time

import torch
from torch import nn

sys.path.insert(0, __import__("os").path.dirname(__file__))
from torch_bench import DEFAULT_DATA, load  # noqa: E402

BATCH = 64


def lenet(classes=10, dropout=0.25):
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Dropout(dropout),
        nn.Linear(120, classes),
    )


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=DEFAULT_DATA)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--limit", type=int, default=0, help="train on the first N samples only (0: all)")
    ap.add_argument("--settings", choices=("default", "speed"), default="default")
    ap.add_argument("--solver", choices=("adam", "sgd"), default="adam")
    ap.add_argument("--threads", type=int, default=2, help="torch.set_num_threads with --settings speed")
    args = ap.parse_args()
    if args.settings == "speed":
        torch.set_flush_denormal(True)
        torch.set_num_threads(args.threads)
    xtr, ytr = load(args.data, "train")
    xte, yte = load(args.data, "t10k")
    if args.limit:
        xtr, ytr = xtr[: args.limit], ytr[: args.limit]
    xtr, xte = xtr.reshape(-1, 1, 28, 28), xte.reshape(-1, 1, 28, 28)
    torch.manual_seed(args.seed)
    model = lenet()
    if args.solver == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    else:
        opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    loss_fn = nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(args.seed)
    steps = xtr.shape[0] // BATCH
    times = []
    for _ in range(args.epochs):
        model.train()
        perm = torch.randperm(xtr.shape[0], generator=gen)
        start = time.perf_counter()
        for s in range(steps):
            idx = perm[s * BATCH : (s + 1) * BATCH]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(xtr[idx]), ytr[idx])
            loss.backward()
            opt.step()
        times.append(time.perf_counter() - start)
    model.eval()
    with torch.no_grad():
        acc = sum((model(xte[i : i + 1000]).argmax(1) == yte[i : i + 1000]).sum().item() for i in range(0, xte.shape[0], 1000)) / xte.shape[0]
    after = times[1:] if len(times) > 1 else times
    print(json.dumps({
        "system": "pytorch", "net": "convnet", "solver": args.solver, "settings": args.settings, "threads": torch.get_num_threads(),
        "epoch_s": statistics.median(after), "epochs_s": times, "test_acc": acc, "train_len": int(xtr.shape[0]),
    }), flush=True)


if __name__ == "__main__":
    sys.exit(main())
