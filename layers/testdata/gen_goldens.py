"""Generate layers/testdata/goldens.json: forward values of torch layers
that layers/golden_test.go compares convergo's against.

Run from the repository root with Debian's PyTorch (1.13):

    /usr/bin/python3 layers/testdata/gen_goldens.py

Everything is float64 and seeded, so the output is reproducible.
"""
import json
import os

import torch
import torch.nn.functional as F

torch.manual_seed(20240605)
torch.set_default_dtype(torch.float64)


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


cases = {"conv": [], "pool": [], "batchnorm": [], "activation": []}

# Conv2D: (name, N, C, H, W, F, kh, kw, stride, padding, bias)
for name, n, c, h, w, f, kh, kw, s, p, bias in [
    ("3x3", 2, 1, 5, 5, 2, 3, 3, (1, 1), (0, 0), True),
    ("3x3-pad1", 2, 2, 5, 6, 3, 3, 3, (1, 1), (1, 1), True),
    ("3x3-stride2", 1, 2, 7, 6, 2, 3, 3, (2, 2), (0, 0), True),
    ("5x5-stride2-pad2", 2, 3, 9, 8, 4, 5, 5, (2, 2), (2, 2), True),
    ("2x3-stride(1,2)-pad(1,0)-nobias", 1, 3, 4, 7, 2, 2, 3, (1, 2), (1, 0), False),
    ("lenet-conv1", 2, 1, 28, 28, 6, 5, 5, (1, 1), (2, 2), True),
]:
    x = torch.randn(n, c, h, w)
    wt = torch.randn(f, c, kh, kw)
    b = torch.randn(f) if bias else None
    y = F.conv2d(x, wt, b, stride=s, padding=p)
    cases["conv"].append({
        "name": name, "in": [n, c, h, w], "filters": f, "kernel": [kh, kw], "stride": list(s), "padding": list(p),
        "x": flat(x), "w": flat(wt), "b": flat(b) if bias else None, "out": list(y.shape), "y": flat(y),
    })

# Pooling: (name, max, N, C, H, W, k, stride, padding)
for name, is_max, n, c, h, w, k, s, p in [
    ("max2", True, 2, 3, 4, 6, 2, 2, 0),
    ("max2-odd", True, 1, 2, 5, 7, 2, 2, 0),
    ("max3-stride2-pad1", True, 2, 2, 7, 6, 3, 2, 1),
    ("max3-stride1", True, 1, 2, 5, 5, 3, 1, 0),
    ("avg2", False, 2, 3, 4, 6, 2, 2, 0),
    ("avg2-odd", False, 1, 2, 5, 7, 2, 2, 0),
    ("avg3-stride2-pad1", False, 2, 2, 7, 6, 3, 2, 1),
    ("avg3-stride1-pad1", False, 1, 2, 5, 5, 3, 1, 1),
]:
    x = torch.randn(n, c, h, w)
    if is_max:
        y = F.max_pool2d(x, k, stride=s, padding=p)
    else:
        y = F.avg_pool2d(x, k, stride=s, padding=p)  # count_include_pad=True
    cases["pool"].append({
        "name": name, "max": is_max, "in": [n, c, h, w], "kernel": k, "stride": s, "padding": p,
        "x": flat(x), "out": list(y.shape), "y": flat(y),
    })

# BatchNorm: two training forward passes (batch statistics, running
# statistics updated), then one evaluation pass with the running statistics.
for name, shape, momentum in [
    ("1d", (8, 3), 0.1),
    ("1d-momentum0.3", (5, 4), 0.3),
    ("2d", (4, 3, 3, 5), 0.1),
]:
    c = shape[1]
    bn = torch.nn.BatchNorm1d(c, momentum=momentum) if len(shape) == 2 else torch.nn.BatchNorm2d(c, momentum=momentum)
    with torch.no_grad():
        bn.weight.copy_(torch.rand(c) + 0.5)
        bn.bias.copy_(torch.randn(c))
    x1, x2, x3 = torch.randn(*shape) * 2 + 1, torch.randn(*shape) * 3 - 1, torch.randn(*shape)
    bn.train()
    y1 = bn(x1)
    y2 = bn(x2)
    bn.eval()
    y3 = bn(x3)
    cases["batchnorm"].append({
        "name": name, "in": list(shape), "momentum": momentum, "eps": bn.eps,
        "gamma": flat(bn.weight), "beta": flat(bn.bias),
        "x1": flat(x1), "y1": flat(y1), "x2": flat(x2), "y2": flat(y2),
        "running_mean": flat(bn.running_mean), "running_var": flat(bn.running_var),
        "x3": flat(x3), "y3": flat(y3),
    })

# Elementwise and row-wise activations.
x = torch.randn(4, 5) * 3
for name, y in [
    ("gelu", F.gelu(x)),
    ("leakyrelu0.01", F.leaky_relu(x, 0.01)),
    ("leakyrelu0.2", F.leaky_relu(x, 0.2)),
    ("softmax", F.softmax(x, dim=1)),
    ("logsoftmax", F.log_softmax(x, dim=1)),
    ("sigmoid", torch.sigmoid(x)),
    ("tanh", torch.tanh(x)),
]:
    cases["activation"].append({"name": name, "in": [4, 5], "x": flat(x), "y": flat(y)})

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "goldens.json")
with open(out, "w") as f:
    json.dump({"generator": "layers/testdata/gen_goldens.py", "torch": torch.__version__, "cases": cases}, f, indent=None)
    f.write("\n")
print("wrote", out)
