#!/usr/bin/python3
"""Golden optimizer trajectories from PyTorch, for solvers/golden_test.go.

Rerun (from the repository root) with Debian's PyTorch, not a pyenv python:

    apt-get install -y python3-torch      # PyTorch 1.13 at the time of writing
    /usr/bin/python3 solvers/testdata/gen_goldens.py > solvers/testdata/goldens.json

Each case runs one torch.optim optimizer, given by the same spec string that
solvers.Parse reads, for STEPS steps on one problem, in float64 and float32,
and records every parameter after every step. Gradients are set explicitly
(p.grad = formula) so that only the optimizer is under test; the Go test
computes the same formulas. Clipping (clip_value, then clip_norm) is applied
with torch.nn.utils.clip_grad_value_ / clip_grad_norm_ before step(), which
is where convergo clips.

Problems (initial values and data are written to the JSON, so Go needs no
random numbers):
  rosenbrock: f(x, y) = (1-x)^2 + 100 (y-x^2)^2 from (-1.2, 1), x and y two
              0-dim parameters (scalars), named "x" and "y".
  linreg:     f(W, b) = 1/(2N) sum_n |W a_n + b - y_n|^2, W 2x3 and b 2,
              N = 6 fixed points; grad W = R^T A / N, grad b = sum_n R_n / N
              with R = A W^T + b - Y.

Deviations from stock PyTorch 1.13, both deliberate:
  * NAdam: 1.13 computes mu_product_next = mu_product * mu * mu_next, a bug
    (mu counted twice) fixed in PyTorch 2.0 (mu_product * mu_next, Dozat
    2016). The corrected update is patched in below (nadam_fixed).
  * For the float64 runs the default dtype is float64, so the optimizers'
    scalar state tensors (step, NAdam's mu_product) are float64 too; in
    1.13 they are float32 by default, which would cap agreement at ~1e-7.
"""
import json
import math
import sys

import torch
import torch.optim.nadam as nadam_mod

STEPS = 100


def nadam_fixed(params, grads, exp_avgs, exp_avg_sqs, mu_products, state_steps,
                *, beta1, beta2, lr, weight_decay, momentum_decay, eps):
    # torch 1.13's _single_tensor_nadam with mu_product_next = mu_product * mu_next.
    for i, param in enumerate(params):
        grad, exp_avg, exp_avg_sq = grads[i], exp_avgs[i], exp_avg_sqs[i]
        mu_product, step_t = mu_products[i], state_steps[i]
        step_t += 1
        step = step_t.item()
        bias_correction2 = 1 - beta2 ** step
        if weight_decay != 0:
            grad = grad.add(param, alpha=weight_decay)
        mu = beta1 * (1. - 0.5 * (0.96 ** (step * momentum_decay)))
        mu_next = beta1 * (1. - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
        mu_product *= mu
        mu_product_next = mu_product * mu_next
        exp_avg.mul_(beta1).add_(grad, alpha=1 - beta1)
        exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        denom = exp_avg_sq.div(bias_correction2).sqrt().add_(eps)
        param.addcdiv_(grad, denom, value=-lr * (1. - mu) / (1. - mu_product.item()))
        param.addcdiv_(exp_avg, denom, value=-lr * mu_next / (1. - mu_product_next.item()))


nadam_mod._single_tensor_nadam = nadam_fixed

# Data of linreg: small fixed numbers, written to the JSON as given.
A = [[0.5, -1.0, 2.0], [1.5, 0.25, -0.5], [-2.0, 1.0, 0.75], [0.0, -0.5, 1.25],
     [1.0, 2.0, -1.5], [-0.75, -1.25, 0.5]]
Y = [[1.0, -0.5], [0.25, 2.0], [-1.5, 0.5], [0.75, 0.0], [2.0, -1.0], [-0.25, 1.5]]
W0 = [[0.1, -0.2, 0.3], [-0.4, 0.5, -0.6]]
B0 = [0.05, -0.05]
ROSEN0 = [-1.2, 1.0]

# (spec name, keyword arguments as in the spec, torch class, torch kwargs mapper)
def betas(kw):
    out = dict(kw)
    b1, b2 = out.pop('beta1', None), out.pop('beta2', None)
    if b1 is not None or b2 is not None:
        out['betas'] = (0.9 if b1 is None else b1, 0.999 if b2 is None else b2)
    return out


CASES = [
    ('sgd', dict(lr=1e-3)),
    ('sgd', dict(lr=2e-4, momentum=0.9)),
    ('sgd', dict(lr=2e-4, momentum=0.9, dampening=0.5, weight_decay=0.1)),
    ('sgd', dict(lr=2e-4, momentum=0.8, nesterov=True, weight_decay=0.01)),
    ('adagrad', dict()),
    ('adagrad', dict(lr=0.1, lr_decay=0.01, weight_decay=0.05, initial_accumulator_value=0.5, eps=1e-6)),
    ('rmsprop', dict(lr=1e-3)),
    ('rmsprop', dict(lr=1e-3, centered=True)),
    ('rmsprop', dict(lr=5e-4, momentum=0.9)),
    ('rmsprop', dict(lr=1e-3, alpha=0.9, eps=1e-6, weight_decay=0.01, momentum=0.5, centered=True)),
    ('adadelta', dict()),
    ('adadelta', dict(lr=0.5, rho=0.8, eps=1e-4, weight_decay=0.1)),
    ('adam', dict()),
    ('adam', dict(lr=1e-2)),
    ('adam', dict(lr=5e-2, amsgrad=True)),
    ('adam', dict(lr=1e-2, beta1=0.8, beta2=0.99, eps=1e-6, weight_decay=0.1, amsgrad=True)),
    ('adamw', dict()),
    ('adamw', dict(lr=1e-2, beta1=0.5, beta2=0.99, eps=1e-6, weight_decay=0.5, amsgrad=True)),
    ('adamax', dict()),
    ('adamax', dict(lr=5e-3, beta1=0.8, beta2=0.95, eps=1e-4, weight_decay=0.1)),
    ('nadam', dict()),
    ('nadam', dict(lr=1e-2, beta1=0.8, beta2=0.99, eps=1e-6, weight_decay=0.1, momentum_decay=0.01)),
    ('radam', dict()),
    ('radam', dict(lr=1e-3, beta1=0.8, beta2=0.9, eps=1e-6, weight_decay=0.1)),
    # clipping, on top of solvers already covered
    ('sgd', dict(lr=1e-3, clip_norm=1.0)),
    ('sgd', dict(lr=1e-3, momentum=0.5, clip_norm=5.0, clip_value=50.0)),
    ('adam', dict(lr=1e-2, clip_value=0.5)),
    ('rmsprop', dict(lr=1e-3, clip_norm=0.5)),
]

TORCH = {'sgd': torch.optim.SGD, 'adagrad': torch.optim.Adagrad, 'rmsprop': torch.optim.RMSprop,
         'adadelta': torch.optim.Adadelta, 'adam': torch.optim.Adam, 'adamw': torch.optim.AdamW,
         'adamax': torch.optim.Adamax, 'nadam': torch.optim.NAdam, 'radam': torch.optim.RAdam}


def fmt(v):
    if isinstance(v, bool):
        return 'true' if v else 'false'
    return repr(float(v))


def spec(name, kw):
    if not kw:
        return name
    return name + '(' + ','.join('%s=%s' % (k, fmt(v)) for k, v in kw.items()) + ')'


def make_params(problem, dtype):
    if problem == 'rosenbrock':
        return [torch.tensor(ROSEN0[0], dtype=dtype), torch.tensor(ROSEN0[1], dtype=dtype)]
    return [torch.tensor(W0, dtype=dtype), torch.tensor(B0, dtype=dtype)]


def set_grads(problem, params, dtype):
    with torch.no_grad():
        if problem == 'rosenbrock':
            x, y = params
            d = y - x * x
            x.grad = -2 * (1 - x) - 400 * x * d
            y.grad = 200 * d
        else:
            W, b = params
            a, yy = torch.tensor(A, dtype=dtype), torch.tensor(Y, dtype=dtype)
            r = a @ W.T + b - yy
            W.grad = r.T @ a / len(A)
            b.grad = r.sum(0) / len(A)


def run(name, kw, problem, dtype):
    torch.set_default_dtype(dtype)
    params = [p.requires_grad_() for p in make_params(problem, dtype)]
    kw = dict(kw)
    clip_norm, clip_value = kw.pop('clip_norm', None), kw.pop('clip_value', None)
    tkw = betas(kw)
    opt = TORCH[name](params, foreach=False, **tkw)
    traj = []
    for _ in range(STEPS):
        set_grads(problem, params, dtype)
        if clip_value is not None:
            torch.nn.utils.clip_grad_value_(params, clip_value)
        if clip_norm is not None:
            torch.nn.utils.clip_grad_norm_(params, clip_norm)
        opt.step()
        flat = [float(v) for p in params for v in p.detach().reshape(-1).tolist()]
        assert all(abs(v) < 100 for v in flat), (name, kw, problem, dtype)  # no divergence
        traj.append(flat)
    torch.set_default_dtype(torch.float32)
    return traj


def main():
    cases = []
    for name, kw in CASES:
        for problem in ('rosenbrock', 'linreg'):
            for dtype, dname in ((torch.float64, 'float64'), (torch.float32, 'float32')):
                traj = run(name, kw, problem, dtype)
                cases.append({'spec': spec(name, kw), 'problem': problem, 'dtype': dname, 'traj': traj})
    out = {
        'generator': 'solvers/testdata/gen_goldens.py',
        'torch': torch.__version__,
        'steps': STEPS,
        'problems': {'rosenbrock': {'start': ROSEN0},
                     'linreg': {'A': A, 'Y': Y, 'W0': W0, 'b0': B0}},
        'cases': cases,
    }
    json.dump(out, sys.stdout, separators=(',', ':'))
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
