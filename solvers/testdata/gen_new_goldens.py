#!/usr/bin/python3
"""Reference trajectories of the solvers of issue 13, for solvers/golden_new_test.go.

Rerun (from the repository root) with Debian's PyTorch, not a pyenv python:

    apt-get install -y python3-torch      # PyTorch 1.13 at the time of writing
    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 solvers/testdata/gen_new_goldens.py \
        > solvers/testdata/new_goldens.json

PyTorch 1.13 has none of these optimizers, so each is ported below, in torch
operations, from its reference at a fixed revision (named in each function);
the ports read their references, they are not copies. Each case runs one
solver, given by the spec string solvers.Parse reads, for STEPS steps on a
problem, in float64 and float32, and records every parameter after every
step. Gradients are set by formula (as gen_goldens.py does), so that only
the optimizer is under test; the Go test computes the same formulas.

Problems:
  rosenbrock, linreg: as gen_goldens.py (two scalars; W 2x3 and b 2).
  tall: W 4x2 (more rows than columns: Muon transposes it) with
        f = 1/(2N) sum_n |W a_n - y_n|^2, N = 5, grad W = R^T A / N, R = A W^T - Y;
        and T 2x2x3 (a 3-D parameter: Adafactor factors its last two axes, the
        first is a batch) with f = sum_k c_k T_k^2 / 2 + d_k T_k,
        c_k = 0.5 (k mod 3 + 1), d_k = 0.1 ((k mod 4) - 1.5), k the row-major index.

Deliberate deviation: Muon's Newton-Schulz runs in the parameter's dtype (as
convergo and Optax), not in bfloat16 as torch.optim.Muon does.
"""
import json
import math
import sys

import torch

STEPS = 100

A = [[0.5, -1.0, 2.0], [1.5, 0.25, -0.5], [-2.0, 1.0, 0.75], [0.0, -0.5, 1.25],
     [1.0, 2.0, -1.5], [-0.75, -1.25, 0.5]]
Y = [[1.0, -0.5], [0.25, 2.0], [-1.5, 0.5], [0.75, 0.0], [2.0, -1.0], [-0.25, 1.5]]
W0 = [[0.1, -0.2, 0.3], [-0.4, 0.5, -0.6]]
B0 = [0.05, -0.05]
ROSEN0 = [-1.2, 1.0]
TALL_A = [[1.0, -0.5], [0.25, 2.0], [-1.5, 0.75], [0.5, 0.5], [-1.0, -0.25]]
TALL_Y = [[0.5, -1.0, 0.25, 1.5], [2.0, 0.0, -0.5, 1.0], [-1.0, 1.5, 0.75, -0.25],
          [0.25, 0.5, -1.5, 0.0], [1.0, -0.75, 0.5, 2.0]]
TALL_W0 = [[0.3, -0.1], [0.2, 0.4], [-0.5, 0.1], [0.05, -0.3]]
TALL_T0 = [[[0.5, -0.25, 1.0], [0.0, 0.75, -1.0]], [[-0.5, 0.25, 0.125], [1.5, -0.75, 0.3]]]


def lerp_(a, b, w):
    """torch.lerp, in place (1.13 has it; named for the references' lerp_)."""
    return a.lerp_(b, w)


# ---------------------------------------------------------------- Muon
# torch/optim/_muon.py at 098e03f91de9384cc3afdf5c8b9a6bbc442bd66a
# (pytorch/pytorch), _single_tensor_muon and _zeropower_via_newtonschulz with
# use_addmm=False, for 2-D parameters; the others go to torch.optim.AdamW.
class Muon:
    def __init__(self, params, lr=1e-3, weight_decay=0.1, momentum=0.95, nesterov=True,
                 ns_steps=5, eps=1e-7, adjust_lr_fn='original', inner=None):
        self.mats = [p for p in params if p.dim() == 2]
        rest = [p for p in params if p.dim() != 2]
        self.inner = torch.optim.AdamW(rest, foreach=False, **betas(inner or {})) if rest else None
        self.h = dict(lr=lr, wd=weight_decay, mu=momentum, nesterov=nesterov, ns=ns_steps, eps=eps, fn=adjust_lr_fn)
        self.buf = {id(p): torch.zeros_like(p) for p in self.mats}

    @torch.no_grad()
    def step(self):
        if self.inner is not None:
            self.inner.step()
        h = self.h
        for p in self.mats:
            g, buf = p.grad, self.buf[id(p)]
            buf.lerp_(g, 1 - h['mu'])
            update = g.lerp(buf, h['mu']) if h['nesterov'] else buf
            x = update.clone()  # in the parameter's dtype (torch: bfloat16)
            tall = x.size(0) > x.size(1)
            if tall:
                x = x.T
            x = x / x.norm().clamp(min=h['eps'])
            for _ in range(h['ns']):
                gram = x @ x.T
                upd = -4.7750 * gram + 2.0315 * (gram @ gram)
                x = 3.4445 * x + upd @ x
            if tall:
                x = x.T
            rows, cols = p.shape[:2]
            if h['fn'] == 'original':
                ratio = math.sqrt(max(1, rows / cols))
            else:
                ratio = 0.2 * math.sqrt(max(rows, cols))
            p.mul_(1 - h['lr'] * h['wd'])
            p.add_(x, alpha=-h['lr'] * ratio)


# ---------------------------------------------------------------- Adafactor
# torch/optim/_adafactor.py at 051d6a09bb159a48ac11006c454c0c979511d0f3
# (pytorch/pytorch), _single_tensor_adafactor.
class Adafactor:
    def __init__(self, params, lr=1e-2, beta2_decay=-0.8, eps1=None, eps2=1e-3, d=1.0, weight_decay=0.0):
        self.params = params
        self.h = dict(lr=lr, tau=beta2_decay, eps1=eps1, eps2=eps2, d=d, wd=weight_decay)
        self.state = {}
        for p in params:
            st = {'step': 0}
            if p.dim() > 1:
                rs, cs = list(p.shape), list(p.shape)
                rs[-1], cs[-2] = 1, 1
                st['row'], st['col'] = p.new_zeros(rs), p.new_zeros(cs)
            else:
                st['var'] = torch.zeros_like(p)
            self.state[id(p)] = st

    @torch.no_grad()
    def step(self):
        h = self.h
        for p in self.params:
            g, st = p.grad, self.state[id(p)]
            eps1 = h['eps1'] if h['eps1'] is not None else torch.finfo(p.dtype).eps
            st['step'] += 1
            t = float(st['step'])
            omb2 = t ** h['tau']
            rho = min(h['lr'], 1 / t ** 0.5)
            alpha = max(h['eps2'], p.norm(2).item() / (p.numel() ** 0.5)) * rho
            if h['wd'] != 0:
                p.mul_(1 - h['lr'] * h['wd'])
            if g.dim() > 1:
                row_mean = torch.linalg.vector_norm(g, dim=-1, keepdim=True).square_().div_(g.size(-1))
                st['row'].lerp_(row_mean, omb2)
                col_mean = torch.linalg.vector_norm(g, dim=-2, keepdim=True).square_().div_(g.size(-2))
                st['col'].lerp_(col_mean, omb2)
                v = st['row'] @ st['col']
                v.div_(st['row'].mean(dim=-2, keepdim=True).clamp_(min=eps1))
            else:
                st['var'].lerp_(g * g, omb2)
                v = st['var'].clone()
            u = v.clamp_(min=eps1 * eps1).rsqrt_()
            u.mul_(g)
            denom = max(1.0, u.norm(2).item() / ((u.numel() ** 0.5) * h['d']))
            p.add_(u, alpha=-alpha / denom)


# ---------------------------------------------------------------- AdEMAMix
# apple/ml-ademamix, pytorch/ademamix.py at c3d73c09f1287e5c33b95189bb0aa7de0a5a7667;
# warm-ups of 0 steps are the reference's None.
class AdEMAMix:
    def __init__(self, params, lr=1e-3, beta1=0.9, beta2=0.999, beta3=0.9999, alpha=2.0,
                 beta3_warmup=0, alpha_warmup=0, eps=1e-8, weight_decay=0.0):
        self.params = params
        self.h = dict(lr=lr, b1=beta1, b2=beta2, b3=beta3, alpha=alpha, b3w=beta3_warmup, aw=alpha_warmup,
                      eps=eps, wd=weight_decay)
        self.state = {id(p): dict(step=0, m1=torch.zeros_like(p), m2=torch.zeros_like(p), v=torch.zeros_like(p))
                      for p in params}

    @torch.no_grad()
    def step(self):
        h = self.h
        for p in self.params:
            g, st = p.grad, self.state[id(p)]
            st['step'] += 1
            t = st['step']
            bc1, bc2 = 1 - h['b1'] ** t, 1 - h['b2'] ** t
            alpha = h['alpha']
            if h['aw'] and t < h['aw']:
                a = t / float(h['aw'])
                alpha = (1.0 - a) * 0 + a * h['alpha']
            beta3 = h['b3']
            if h['b3w'] and t < h['b3w']:
                f = lambda b: math.log(0.5) / math.log(b + 1e-8) - 1
                a = t / float(h['b3w'])
                beta3 = math.pow(0.5, 1 / ((1.0 - a) * f(h['b1']) + a * f(h['b3']) + 1))
            st['m1'].mul_(h['b1']).add_(g, alpha=1 - h['b1'])
            st['m2'].mul_(beta3).add_(g, alpha=1 - beta3)
            st['v'].mul_(h['b2']).addcmul_(g, g, value=1 - h['b2'])
            denom = (st['v'].sqrt() / math.sqrt(bc2)).add_(h['eps'])
            update = (st['m1'].div(bc1) + alpha * st['m2']) / denom
            update.add_(p, alpha=h['wd'])
            p.add_(-h['lr'] * update)


# ---------------------------------------------------------------- ADOPT
# iShohei220/adopt, src/adopt/adopt.py at c621db21481adc94769982cccd7b896464ab295e,
# _single_tensor_adopt with clip_lambda = step ** clip_exp.
class ADOPT:
    def __init__(self, params, lr=1e-3, beta1=0.9, beta2=0.9999, eps=1e-6, weight_decay=0.0,
                 decouple=False, clip_exp=0.25):
        self.params = params
        self.h = dict(lr=lr, b1=beta1, b2=beta2, eps=eps, wd=weight_decay, decouple=decouple, ce=clip_exp)
        self.state = {id(p): dict(step=0, m=torch.zeros_like(p), v=torch.zeros_like(p)) for p in params}

    @torch.no_grad()
    def step(self):
        h = self.h
        for p in self.params:
            g, st = p.grad, self.state[id(p)]
            step = st['step']
            if h['wd'] != 0 and not h['decouple']:
                g = g.add(p, alpha=h['wd'])
            if step == 0:
                st['v'].addcmul_(g, g)
                st['step'] += 1
                continue
            if h['wd'] != 0 and h['decouple']:
                p.add_(p, alpha=-h['lr'] * h['wd'])
            denom = torch.clamp(st['v'].sqrt(), h['eps'])
            n = g.div(denom)
            clip = step ** h['ce']
            n.clamp_(-clip, clip)
            st['m'].lerp_(n, 1 - h['b1'])
            p.add_(st['m'], alpha=-h['lr'])
            st['v'].mul_(h['b2']).addcmul_(g, g, value=1 - h['b2'])
            st['step'] += 1


# ---------------------------------------------------------------- Schedule-Free
# facebookresearch/schedule_free: schedulefree/sgd_schedulefree.py at
# 59ed9b662d5ec5799aded7390b2482758423653c and schedulefree/adamw_schedulefree.py
# at 43e5c2d978920e1a3707a7609662c72b56401e62 (the non-foreach loops), in train mode.
class ScheduleFree:
    def __init__(self, params, adam, lr, beta1, beta2=0.999, eps=1e-8, weight_decay=0.0, warmup=0,
                 r=0.0, weight_lr_power=2.0, inner_momentum=0.0):
        self.params, self.adam = params, adam
        self.h = dict(lr=lr, b1=beta1, b2=beta2, eps=eps, wd=weight_decay, warmup=warmup, r=r,
                      power=weight_lr_power, im=inner_momentum)
        self.k, self.lr_max, self.weight_sum = 0, -1.0, 0.0
        self.state = {id(p): dict(z=p.detach().clone(), v=torch.zeros_like(p), m=torch.zeros_like(p)) for p in params}

    @torch.no_grad()
    def step(self):
        h, k = self.h, self.k
        sched = (k + 1) / h['warmup'] if k < h['warmup'] else 1.0
        lr = h['lr'] * sched
        bc2 = 1 - h['b2'] ** (k + 1)
        bc1 = 1 - h['im'] ** (k + 1) if h['im'] != 0 else None
        self.lr_max = max(lr, self.lr_max)
        weight = ((k + 1) ** h['r']) * (self.lr_max ** h['power'])
        self.weight_sum += weight
        ckp1 = weight / self.weight_sum if self.weight_sum != 0 else 0
        for y in self.params:
            g, st = y.grad, self.state[id(y)]
            z = st['z']
            if self.adam:
                st['v'].mul_(h['b2']).addcmul_(g, g, value=1 - h['b2'])
                denom = st['v'].div(bc2).sqrt_().add_(h['eps'])
                if h['im'] != 0:
                    st['m'].mul_(h['im']).add_(g, alpha=1 - h['im'])
                    gn = st['m'].div(bc1).div_(denom)
                else:
                    gn = g.div_(denom)
                if h['wd'] != 0:
                    gn.add_(y, alpha=h['wd'])
            else:
                gn = g
                if h['wd'] != 0:
                    gn.add_(y, alpha=h['wd'])
            y.lerp_(end=z, weight=ckp1)
            y.add_(gn, alpha=lr * (h['b1'] * (1 - ckp1) - 1))
            z.sub_(gn, alpha=lr)
        self.k = k + 1


def SFAdamW(params, lr=2.5e-3, beta1=0.9, **kw):
    return ScheduleFree(params, True, lr, beta1, **kw)


def SFSGD(params, lr=1.0, momentum=0.9, weight_decay=0.0, warmup=0, r=0.0, weight_lr_power=2.0):
    return ScheduleFree(params, False, lr, momentum, weight_decay=weight_decay, warmup=warmup, r=r,
                        weight_lr_power=weight_lr_power)


# ---------------------------------------------------------------- Prodigy
# konstmish/prodigy, prodigyopt/prodigy.py at a1b4f0eff7ef988ac10d6f11f26b0da15d254588,
# one parameter group, slice_p = 1, no FSDP.
class Prodigy:
    def __init__(self, params, lr=1.0, beta1=0.9, beta2=0.999, beta3=None, d0=1e-6, d_coef=1.0,
                 growth_rate=float('inf'), weight_decay=0.0, decouple=True, safeguard_warmup=False,
                 bias_correction=False, eps=1e-8):
        self.params = params
        self.h = dict(lr=lr, b1=beta1, b2=beta2, b3=beta3 if beta3 is not None else math.sqrt(beta2), d0=d0,
                      dc=d_coef, gr=growth_rate, wd=weight_decay, dec=decouple, sw=safeguard_warmup,
                      bc=bias_correction, eps=eps)
        self.k, self.d, self.d_max, self.num = 0, d0, d0, 0.0
        self.state = {id(p): dict(s=torch.zeros_like(p), p0=p.detach().clone(), m=torch.zeros_like(p),
                                  v=torch.zeros_like(p)) for p in params}

    @torch.no_grad()
    def step(self):
        h, k, d = self.h, self.k, self.d
        b1, b2, b3 = h['b1'], h['b2'], h['b3']
        bc = ((1 - b2 ** (k + 1)) ** 0.5) / (1 - b1 ** (k + 1)) if h['bc'] else 1
        dlr = d * h['lr'] * bc
        num = self.num * b3
        delta, d_denom = 0.0, 0.0
        for p in self.params:
            g, st = p.grad, self.state[id(p)]
            if h['wd'] != 0 and not h['dec']:
                g.add_(p, alpha=h['wd'])
            if h['lr'] > 0:
                delta += (d / h['d0']) * dlr * torch.dot(g.flatten(), (st['p0'] - p).flatten()).item()
                if b1 > 0:
                    st['m'].mul_(b1).add_(g, alpha=d * (1 - b1))
                st['v'].mul_(b2).addcmul_(g, g, value=d * d * (1 - b2))
                if h['sw']:
                    st['s'].mul_(b3).add_(g, alpha=(d / h['d0']) * d)
                else:
                    st['s'].mul_(b3).add_(g, alpha=(d / h['d0']) * dlr)
                d_denom += st['s'].abs().sum().item()
        if d_denom == 0:
            return
        if h['lr'] > 0:
            gnum = num + delta
            d_hat = h['dc'] * gnum / d_denom
            if d == h['d0']:
                d = max(d, d_hat)
            self.d_max = max(self.d_max, d_hat)
            d = min(self.d_max, d * h['gr'])
            self.num = gnum
        self.d = d
        for p in self.params:
            g, st = p.grad, self.state[id(p)]
            denom = st['v'].sqrt().add_(d * h['eps'])
            if h['wd'] != 0 and h['dec']:
                p.add_(p, alpha=-h['wd'] * dlr)
            if b1 > 0:
                p.addcdiv_(st['m'], denom, value=-dlr)
            else:
                p.addcdiv_(g, denom, value=-dlr * d)
        self.k = k + 1


def betas(kw):
    out = dict(kw)
    b1, b2 = out.pop('beta1', None), out.pop('beta2', None)
    if b1 is not None or b2 is not None:
        out['betas'] = (0.9 if b1 is None else b1, 0.999 if b2 is None else b2)
    return out


SOLVERS = {'muon': Muon, 'adafactor': Adafactor, 'ademamix': AdEMAMix, 'adopt': ADOPT,
           'sfadamw': SFAdamW, 'sfsgd': SFSGD, 'prodigy': Prodigy}

# (name, keyword arguments as in the spec, problems). Settings exercise every key.
# Sign-like updates (Muon's orthogonalised steps, Adafactor's relative steps,
# Prodigy's growing d) bounce around the optimum once there, where the float32
# rounding differences between torch and Go grow chaotically; the settings and
# problems below keep the 100 steps short of that (as gen_goldens.py does for
# Adamax).
CASES = [
    ('muon', dict(lr=0.005), ('linreg', 'tall')),
    ('muon', dict(lr=0.01, weight_decay=0.05, momentum=0.9, nesterov=False, ns_steps=3, eps=1e-6,
                  adjust_lr_fn='match_rms_adamw', inner=dict(lr=0.01, weight_decay=0.1)), ('linreg', 'tall')),
    ('adafactor', dict(), ('rosenbrock', 'linreg', 'tall')),
    ('adafactor', dict(lr=0.01, beta2_decay=-0.5, eps1=1e-6, eps2=0.01, d=2.0, weight_decay=0.1),
     ('rosenbrock', 'linreg', 'tall')),
    ('ademamix', dict(lr=0.01), ('rosenbrock', 'linreg', 'tall')),
    ('ademamix', dict(lr=0.01, beta1=0.8, beta2=0.99, beta3=0.999, alpha=5.0, beta3_warmup=50, alpha_warmup=30,
                      eps=1e-6, weight_decay=0.1), ('rosenbrock', 'linreg', 'tall')),
    ('adopt', dict(lr=0.01), ('rosenbrock', 'linreg', 'tall')),
    ('adopt', dict(lr=0.01, beta1=0.8, beta2=0.99, eps=1e-4, weight_decay=0.1), ('rosenbrock', 'linreg', 'tall')),
    ('adopt', dict(lr=0.01, weight_decay=0.1, decouple=True, clip_exp=0.5), ('rosenbrock', 'linreg', 'tall')),
    ('sfsgd', dict(lr=1e-3), ('rosenbrock', 'linreg', 'tall')),
    ('sfsgd', dict(lr=5e-4, momentum=0.8, weight_decay=0.1, warmup=10, r=1.0, weight_lr_power=1.0),
     ('rosenbrock', 'linreg', 'tall')),
    ('sfadamw', dict(lr=0.01), ('rosenbrock', 'linreg', 'tall')),
    ('sfadamw', dict(lr=0.01, beta1=0.8, beta2=0.99, weight_decay=0.1, warmup=10, r=1.0, weight_lr_power=1.0,
                     inner_momentum=0.9), ('rosenbrock', 'linreg', 'tall')),
    ('prodigy', dict(), ('linreg', 'tall')),
    ('prodigy', dict(beta1=0.8, beta2=0.99, d0=1e-4, growth_rate=1.05, weight_decay=0.1, decouple=False,
                     safeguard_warmup=True, bias_correction=True), ('rosenbrock', 'linreg', 'tall')),
    ('prodigy', dict(lr=0.1, beta1=0.0, beta3=0.9, d_coef=0.5, growth_rate=1.02, weight_decay=0.1, eps=1e-6),
     ('linreg', 'tall')),
]


def fmt(v):
    if isinstance(v, bool):
        return 'true' if v else 'false'
    if isinstance(v, str):
        return v
    return repr(float(v))


def spec(name, kw):
    kw = dict(kw)
    inner = kw.pop('inner', None)
    args = ['%s=%s' % (k, fmt(v)) for k, v in kw.items()]
    if inner is not None:
        args.append(spec('adamw', inner))
    return name + ('(' + ','.join(args) + ')' if args else '')


def make_params(problem, dtype):
    if problem == 'rosenbrock':
        return [torch.tensor(ROSEN0[0], dtype=dtype), torch.tensor(ROSEN0[1], dtype=dtype)]
    if problem == 'linreg':
        return [torch.tensor(W0, dtype=dtype), torch.tensor(B0, dtype=dtype)]
    return [torch.tensor(TALL_W0, dtype=dtype), torch.tensor(TALL_T0, dtype=dtype)]


def set_grads(problem, params, dtype):
    with torch.no_grad():
        if problem == 'rosenbrock':
            x, y = params
            d = y - x * x
            x.grad = -2 * (1 - x) - 400 * x * d
            y.grad = 200 * d
        elif problem == 'linreg':
            W, b = params
            a, yy = torch.tensor(A, dtype=dtype), torch.tensor(Y, dtype=dtype)
            r = a @ W.T + b - yy
            W.grad = r.T @ a / len(A)
            b.grad = r.sum(0) / len(A)
        else:
            W, T = params
            a, yy = torch.tensor(TALL_A, dtype=dtype), torch.tensor(TALL_Y, dtype=dtype)
            r = a @ W.T - yy
            W.grad = r.T @ a / len(TALL_A)
            k = torch.arange(T.numel(), dtype=torch.int64)
            c = (0.5 * (k % 3 + 1)).to(dtype).reshape(T.shape)
            d = (0.1 * ((k % 4) - 1.5)).to(dtype).reshape(T.shape)
            T.grad = c * T + d


def run(name, kw, problem, dtype):
    torch.set_default_dtype(dtype)
    params = [p.requires_grad_() for p in make_params(problem, dtype)]
    opt = SOLVERS[name](params, **kw)
    traj = []
    for _ in range(STEPS):
        set_grads(problem, params, dtype)
        opt.step()
        flat = [float(v) for p in params for v in p.detach().reshape(-1).tolist()]
        assert all(abs(v) < 100 for v in flat), (name, kw, problem, dtype)  # no divergence
        traj.append(flat)
    torch.set_default_dtype(torch.float32)
    return traj


def main():
    torch.set_num_threads(1)
    cases = []
    for name, kw, problems in CASES:
        for problem in problems:
            for dtype, dname in ((torch.float64, 'float64'), (torch.float32, 'float32')):
                traj = run(name, kw, problem, dtype)
                cases.append({'spec': spec(name, kw), 'problem': problem, 'dtype': dname, 'traj': traj})
    out = {
        'generator': 'solvers/testdata/gen_new_goldens.py',
        'torch': torch.__version__,
        'steps': STEPS,
        'problems': {'rosenbrock': {'start': ROSEN0},
                     'linreg': {'A': A, 'Y': Y, 'W0': W0, 'b0': B0},
                     'tall': {'A': TALL_A, 'Y': TALL_Y, 'W0': TALL_W0, 'T0': TALL_T0}},
        'cases': cases,
    }
    json.dump(out, sys.stdout, separators=(',', ':'))
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
