#!/usr/bin/python3
"""Golden learning-rate sequences from torch.optim.lr_scheduler for lrsched.

Rerun from the repository root (Debian's PyTorch: apt-get install -y python3-torch;
use /usr/bin/python3, not another python on PATH):

    /usr/bin/python3 lrsched/testdata/gen_goldens.py

It rewrites lrsched/testdata/goldens.json next to this script. Each case has
  spec     the lrsched spec that must reproduce it,
  torch    the torch constructor used,
  lr       the rate torch's optimizer holds at steps 0..len-1 (what training uses:
           read before optimizer.step(), then scheduler.step()),
  closed   torch's _get_closed_form_lr at the same steps, where the class has one,
  metrics  (plateau) the metric passed to scheduler.step(metric) after each step,
  max_rel_recursive_vs_closed  how far torch's chainable (recursive) form drifts
           from its own closed form over the case (float rounding).
Floats are written with repr, so they round-trip exactly.
"""

import json
import math
import os
import sys

import torch
from torch.optim import SGD
from torch.optim import lr_scheduler as L


def opt(lr):
    p = torch.nn.Parameter(torch.zeros(1))
    return SGD([p], lr=lr)


def run(make, lr, n, metrics=None):
    """Steps a fresh scheduler n times; returns (lr, closed or None)."""
    o = opt(lr)
    s = make(o)
    lrs, closed = [], []
    has_closed = hasattr(s, "_get_closed_form_lr")
    for t in range(n):
        lrs.append(o.param_groups[0]["lr"])
        if has_closed:
            closed.append(s._get_closed_form_lr()[0])
        o.step()
        if metrics is None:
            s.step()
        else:
            s.step(metrics[t])
    return lrs, (closed if has_closed else None)


def rel(a, b):
    if a == b:
        return 0.0
    return abs(a - b) / max(abs(a), abs(b))


cases = []


def case(spec, torch_desc, make, lr, n, metrics=None):
    lrs, closed = run(make, lr, n, metrics)
    c = {"spec": spec, "torch": torch_desc, "lr": lrs}
    if closed is not None:
        c["closed"] = closed
        c["max_rel_recursive_vs_closed"] = max(rel(a, b) for a, b in zip(lrs, closed))
    if metrics is not None:
        c["metrics"] = metrics
    cases.append(c)


# step: torch StepLR
for lr, ss, g, n in [(0.1, 3, 0.1, 30), (1.0, 7, 0.5, 40), (0.05, 1, 0.9, 25)]:
    case(f"step(lr={lr!r},step_size={ss},gamma={g!r})", f"StepLR(step_size={ss}, gamma={g!r})",
         lambda o, ss=ss, g=g: L.StepLR(o, step_size=ss, gamma=g), lr, n)
case("step(lr=0.1,step_size=4)", "StepLR(step_size=4) default gamma 0.1",
     lambda o: L.StepLR(o, step_size=4), 0.1, 20)

# multistep: torch MultiStepLR
for lr, ms, g, n in [(0.1, [5, 12, 20], 0.1, 30), (0.5, [1, 2, 3], 0.7, 10), (1.0, [30, 60, 90], 0.2, 100)]:
    case(f"multistep(lr={lr!r},milestones=[{','.join(map(str, ms))}],gamma={g!r})",
         f"MultiStepLR(milestones={ms}, gamma={g!r})",
         lambda o, ms=ms, g=g: L.MultiStepLR(o, milestones=ms, gamma=g), lr, n)

# exp: torch ExponentialLR
for lr, g, n in [(0.1, 0.95, 100), (1.0, 0.5, 60), (0.01, 1.01, 50)]:
    case(f"exp(lr={lr!r},gamma={g!r})", f"ExponentialLR(gamma={g!r})",
         lambda o, g=g: L.ExponentialLR(o, gamma=g), lr, n)

# linear: torch LinearLR
case("linear(lr=0.05)", "LinearLR() defaults start_factor=1/3 end_factor=1 total_iters=5",
     lambda o: L.LinearLR(o), 0.05, 10)
for lr, sf, ef, tot, n in [(0.1, 0.1, 1.0, 10, 20), (1.0, 1.0, 0.2, 7, 15), (0.3, 0.5, 0.0, 4, 8)]:
    case(f"linear(lr={lr!r},start_factor={sf!r},end_factor={ef!r},total={tot})",
         f"LinearLR(start_factor={sf!r}, end_factor={ef!r}, total_iters={tot})",
         lambda o, sf=sf, ef=ef, tot=tot: L.LinearLR(o, start_factor=sf, end_factor=ef, total_iters=tot), lr, n)

# poly: torch PolynomialLR
for lr, tot, pw, n in [(0.1, 10, 1.0, 15), (0.1, 20, 2.0, 25), (1.0, 16, 0.5, 20)]:
    case(f"poly(lr={lr!r},total={tot},power={pw!r})", f"PolynomialLR(total_iters={tot}, power={pw!r})",
         lambda o, tot=tot, pw=pw: L.PolynomialLR(o, total_iters=tot, power=pw), lr, n)

# cosine: torch CosineAnnealingLR over 0..3T, one and a half periods: beyond
# T the cosine climbs back to max at 2T and falls again (issue 13), in torch's
# recursive form and its closed form alike.
for mx, mn, T in [(0.1, 0.0, 50), (1.0, 0.1, 7), (0.05, 0.001, 100)]:
    case(f"cosine(max={mx!r},min={mn!r},T={T})", f"CosineAnnealingLR(T_max={T}, eta_min={mn!r})",
         lambda o, T=T, mn=mn: L.CosineAnnealingLR(o, T_max=T, eta_min=mn), mx, 3 * T + 1)

# cosine_restarts: torch CosineAnnealingWarmRestarts, stepped without epoch
for mx, mn, T0, mult, n in [(0.1, 0.0, 10, 1, 35), (0.1, 0.01, 5, 2, 80), (1.0, 0.0, 3, 3, 60)]:
    case(f"cosine_restarts(max={mx!r},min={mn!r},T0={T0},mult={mult})",
         f"CosineAnnealingWarmRestarts(T_0={T0}, T_mult={mult}, eta_min={mn!r})",
         lambda o, T0=T0, mult=mult, mn=mn: L.CosineAnnealingWarmRestarts(o, T_0=T0, T_mult=mult, eta_min=mn), mx, n)

# onecycle: torch OneCycleLR (three_phase=False, cycle_momentum off: lrsched
# schedules the rate only), steps 0..total-1
for mx, tot, pct, div, fdiv, an in [(0.1, 100, 0.3, 25.0, 1e4, "cos"), (0.1, 100, 0.3, 25.0, 1e4, "linear"),
                                    (1.0, 37, 0.25, 10.0, 100.0, "cos"), (1.0, 37, 0.25, 10.0, 100.0, "linear"),
                                    (0.5, 10, 0.05, 25.0, 1e4, "cos")]:
    case(f"onecycle(max={mx!r},total={tot},pct_start={pct!r},div={div!r},final_div={fdiv!r},anneal={an})",
         f"OneCycleLR(max_lr={mx!r}, total_steps={tot}, pct_start={pct!r}, div_factor={div!r}, "
         f"final_div_factor={fdiv!r}, anneal_strategy={an!r}, cycle_momentum=False)",
         lambda o, mx=mx, tot=tot, pct=pct, div=div, fdiv=fdiv, an=an: L.OneCycleLR(
             o, max_lr=mx, total_steps=tot, pct_start=pct, div_factor=div, final_div_factor=fdiv,
             anneal_strategy=an, cycle_momentum=False), mx, tot)
case("onecycle(max=0.1,total=50)", "OneCycleLR(max_lr=0.1, total_steps=50) defaults, cycle_momentum=False",
     lambda o: L.OneCycleLR(o, max_lr=0.1, total_steps=50, cycle_momentum=False), 0.1, 50)

# cyclic: torch CyclicLR, its three modes
for base, mx, up, down, mode, g, n in [(0.001, 0.006, 4, None, "triangular", 1.0, 30),
                                       (0.001, 0.006, 3, 5, "triangular2", 1.0, 50),
                                       (0.01, 0.1, 5, None, "exp_range", 0.97, 50),
                                       (0.0, 1.0, 2, 7, "exp_range", 0.9, 40)]:
    sd = "" if down is None else f",step_size_down={down}"
    gs = "" if mode != "exp_range" else f",gamma={g!r}"
    case(f"cyclic(base={base!r},max={mx!r},step_size_up={up}{sd},mode={mode}{gs})",
         f"CyclicLR(base_lr={base!r}, max_lr={mx!r}, step_size_up={up}, step_size_down={down}, mode={mode!r}, "
         f"gamma={g!r}, cycle_momentum=False)",
         lambda o, base=base, mx=mx, up=up, down=down, mode=mode, g=g: L.CyclicLR(
             o, base_lr=base, max_lr=mx, step_size_up=up, step_size_down=down, mode=mode, gamma=g,
             cycle_momentum=False), base, n)

# plateau: torch ReduceLROnPlateau(mode='min') driven by a metric sequence:
# improves quickly, then crawls (improvements of ~1e-5 relative: significant
# for threshold 0 but not for rel 1e-4 or abs 1e-3), then flat, then noisy.
metrics = []
for t in range(60):
    if t < 8:
        m = 1.0 / (1 + 0.5 * t)
    elif t < 20:
        m = 0.2 - 2e-6 * (t - 8)
    elif t < 35:
        m = 0.2
    else:
        m = 0.18 + 0.01 * ((t * 7) % 5) / 4
    metrics.append(m)
for kw, spec_kw in [
    (dict(patience=2), "patience=2"),
    (dict(patience=2, threshold=0.0), "patience=2,threshold=0"),
    (dict(patience=1, threshold=1e-3, threshold_mode="abs"), "patience=1,threshold=0.001,threshold_mode=abs"),
    (dict(patience=0, threshold=0.01, threshold_mode="abs"), "patience=0,threshold=0.01,threshold_mode=abs"),
    (dict(patience=2, cooldown=3), "patience=2,cooldown=3"),
    (dict(factor=0.5, patience=1, cooldown=1, min_lr=0.02), "factor=0.5,patience=1,cooldown=1,min_lr=0.02"),
    (dict(factor=0.3, patience=0, min_lr=1e-3), "factor=0.3,patience=0,min_lr=0.001"),
    (dict(), ""),
]:
    args = ", ".join(f"{k}={v!r}" for k, v in kw.items())
    case(f"plateau(lr=0.1{',' if spec_kw else ''}{spec_kw})", f"ReduceLROnPlateau(mode='min', {args})",
         lambda o, kw=kw: L.ReduceLROnPlateau(o, mode="min", **kw), 0.1, len(metrics), metrics)

# sequential: torch SequentialLR (all inner schedulers share the optimizer's
# initial lr, so the specs use the same lr in each)
case("sequential(linear(lr=0.1,start_factor=0.1,total=10),cosine(max=0.1,T=90),milestones=[10])",
     "SequentialLR([LinearLR(start_factor=0.1, total_iters=10), CosineAnnealingLR(T_max=90)], milestones=[10])",
     lambda o: L.SequentialLR(o, [L.LinearLR(o, start_factor=0.1, total_iters=10),
                                  L.CosineAnnealingLR(o, T_max=90)], milestones=[10]), 0.1, 100)
case("sequential(exp(lr=0.1,gamma=0.9),step(lr=0.1,step_size=5,gamma=0.5),"
     "cosine_restarts(max=0.1,T0=4,mult=2),milestones=[8,20])",
     "SequentialLR([ExponentialLR(gamma=0.9), StepLR(step_size=5, gamma=0.5), "
     "CosineAnnealingWarmRestarts(T_0=4, T_mult=2)], milestones=[8, 20])",
     lambda o: L.SequentialLR(o, [L.ExponentialLR(o, gamma=0.9), L.StepLR(o, step_size=5, gamma=0.5),
                                  L.CosineAnnealingWarmRestarts(o, T_0=4, T_mult=2)], milestones=[8, 20]), 0.1, 50)
case("sequential(multistep(lr=0.2,milestones=[2,4],gamma=0.5),poly(lr=0.2,total=6,power=2),milestones=[7])",
     "SequentialLR([MultiStepLR(milestones=[2, 4], gamma=0.5), PolynomialLR(total_iters=6, power=2.0)], milestones=[7])",
     lambda o: L.SequentialLR(o, [L.MultiStepLR(o, milestones=[2, 4], gamma=0.5),
                                  L.PolynomialLR(o, total_iters=6, power=2.0)], milestones=[7]), 0.2, 16)

out = {
    "generator": "lrsched/testdata/gen_goldens.py",
    "torch_version": torch.__version__,
    "cases": cases,
}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "goldens.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1, allow_nan=False)
    f.write("\n")
for c in cases:
    d = c.get("max_rel_recursive_vs_closed")
    if d is not None and d > 1e-12:
        print(f"recursive vs closed {d:.3g}: {c['spec']}", file=sys.stderr)
print(f"wrote {len(cases)} cases to {path}", file=sys.stderr)
