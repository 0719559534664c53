#!/usr/bin/env python3
"""PyTorch reference trajectories for test/optim.test.ts and test/loop.test.ts.

    /usr/bin/python3 bench/reference/optim.py > test/fixtures/optim-torch.json

Runs torch.optim.SGD (momentum, dampening, Nesterov, coupled weight decay), Adam (coupled decay),
AdamW (decoupled decay), per-parameter groups (lr / weight_decay / eps per tensor), 
torch.nn.utils.clip_grad_norm_ and three lr_scheduler schedules on one fixed least-squares problem
in float64, and prints the parameter trajectories as JSON:

    L(w, b) = 1/(2m) · Σ_i (x_iᵀ w + b − y_i)²,   w ∈ R^{3×1}, b ∈ R^{1×1}, m = 6.

Each trajectory lists θ = [w₁, w₂, w₃, b] at steps 0..STEPS. Group factors are given relative to
the base lr / weight decay / eps, as the TypeScript optimizers take them (lrScale, wdScale,
epsScale).
"""
import json
import sys

import torch

torch.set_default_dtype(torch.float64)

X = [[0.9, -1.2, 0.3], [0.1, 0.4, -0.7], [-1.5, 0.2, 0.8], [0.6, 1.1, -0.2], [-0.3, -0.8, 1.4], [1.2, 0.5, 0.9]]
Y = [0.7, -0.4, 1.3, 0.2, -1.1, 0.9]
W0 = [0.5, -0.3, 0.8]
B0 = 0.1
STEPS = 10

Xt = torch.tensor(X)
Yt = torch.tensor(Y).reshape(-1, 1)


def loss_fn(w, b):
    r = Xt @ w + b - Yt
    return 0.5 * (r * r).sum() / len(X)


def flat(w, b):
    return [float(v) for v in w.detach().reshape(-1)] + [float(b.detach().reshape(-1)[0])]


CASES = [
    # name, kind, base hyper-parameters, groups (lr, wd, eps scales per tensor [w, b]), clip, scheduler
    dict(name="sgd", kind="sgd", lr=0.3, hyper=dict()),
    dict(name="sgd-momentum", kind="sgd", lr=0.1, hyper=dict(momentum=0.9)),
    dict(name="sgd-momentum-dampening", kind="sgd", lr=0.1, hyper=dict(momentum=0.8, dampening=0.3)),
    dict(name="sgd-nesterov-wd", kind="sgd", lr=0.1, hyper=dict(momentum=0.9, nesterov=True, weight_decay=0.05)),
    dict(name="sgd-momentum-wd", kind="sgd", lr=0.2, hyper=dict(momentum=0.5, weight_decay=0.1)),
    dict(name="sgd-groups", kind="sgd", lr=0.2, hyper=dict(momentum=0.9, weight_decay=0.1), groups=dict(lr=[1.0, 0.25], wd=[2.0, 0.0])),
    dict(name="adam", kind="adam", lr=0.05, hyper=dict()),
    dict(name="adam-wd", kind="adam", lr=0.05, hyper=dict(betas=(0.8, 0.99), eps=1e-3, weight_decay=0.1)),
    dict(name="adamw", kind="adamw", lr=0.05, hyper=dict(weight_decay=0.1)),
    dict(name="adamw-groups", kind="adamw", lr=0.05, hyper=dict(weight_decay=0.2, eps=1e-4), groups=dict(lr=[1.0, 0.5], wd=[1.0, 0.0], eps=[1.0, 100.0])),
    dict(name="sgd-momentum-clip", kind="sgd", lr=0.1, hyper=dict(momentum=0.9), clip=0.3),
    dict(name="adam-clip", kind="adam", lr=0.05, hyper=dict(), clip=0.2),
    dict(name="sgd-momentum-steplr-clip", kind="sgd", lr=0.2, hyper=dict(momentum=0.9), clip=0.5, scheduler=dict(kind="step", every=3, gamma=0.5)),
    dict(name="adamw-cosine", kind="adamw", lr=0.05, hyper=dict(weight_decay=0.1), scheduler=dict(kind="cosine", total=STEPS, minFactor=0.1)),
]


def make_scheduler(opt, spec):
    if spec is None:
        return None
    if spec["kind"] == "step":
        return torch.optim.lr_scheduler.StepLR(opt, step_size=spec["every"], gamma=spec["gamma"])
    if spec["kind"] == "warmup":
        w = spec["warmup"]
        return torch.optim.lr_scheduler.LinearLR(opt, start_factor=1.0 / w, end_factor=1.0, total_iters=w - 1)
    if spec["kind"] == "cosine":
        base = opt.param_groups[0]["lr"]
        return torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=spec["total"], eta_min=spec["minFactor"] * base)
    raise ValueError(spec["kind"])


def run_case(c):
    w = torch.tensor(W0).reshape(3, 1).requires_grad_(True)
    b = torch.tensor([[B0]]).requires_grad_(True)
    h = dict(c["hyper"])
    g = c.get("groups", {})
    lr = c["lr"]
    wd = h.pop("weight_decay", 0.01 if c["kind"] == "adamw" else 0.0)
    eps = h.pop("eps", 1e-8)
    groups = []
    for k, p in enumerate([w, b]):
        grp = dict(params=[p], lr=lr * g.get("lr", [1, 1])[k], weight_decay=wd * g.get("wd", [1, 1])[k])
        if c["kind"] != "sgd":
            grp["eps"] = eps * g.get("eps", [1, 1])[k]
        groups.append(grp)
    if c["kind"] == "sgd":
        opt = torch.optim.SGD(groups, lr=lr, foreach=False, **h)
    elif c["kind"] == "adam":
        opt = torch.optim.Adam(groups, lr=lr, foreach=False, **h)
    else:
        opt = torch.optim.AdamW(groups, lr=lr, foreach=False, **h)
    sched = make_scheduler(opt, c.get("scheduler"))
    traj = [flat(w, b)]
    losses = []
    norms = []
    for _ in range(STEPS):
        opt.zero_grad()
        L = loss_fn(w, b)
        losses.append(float(L))
        L.backward()
        if "clip" in c:
            norms.append(float(torch.nn.utils.clip_grad_norm_([w, b], c["clip"])))
        opt.step()
        if sched is not None:
            sched.step()
        traj.append(flat(w, b))
    losses.append(float(loss_fn(w, b)))
    out = dict(c)
    out["hyper"] = {k: (list(v) if isinstance(v, tuple) else v) for k, v in c["hyper"].items()}
    out.update(trajectory=traj, losses=losses)
    if norms:
        out["gradNorms"] = norms
    return out


def schedule_lrs(spec, base, n):
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=base)
    sched = make_scheduler(opt, spec)
    lrs = []
    for _ in range(n):
        lrs.append(opt.param_groups[0]["lr"])  # the lr update t = 1, 2, … uses
        opt.step()
        sched.step()
    return lrs


SCHEDULES = [
    dict(kind="step", every=3, gamma=0.5),
    dict(kind="warmup", warmup=4),
    dict(kind="cosine", total=10, minFactor=0.1),
    dict(kind="cosine", total=7, minFactor=0.0),
]

result = dict(
    torch=torch.__version__,
    problem=dict(X=X, Y=Y, w0=W0, b0=B0, steps=STEPS),
    cases=[run_case(c) for c in CASES],
    schedules=[dict(spec=s, base=0.1, lrs=schedule_lrs(s, 0.1, 12 if s["kind"] != "cosine" else s["total"])) for s in SCHEDULES],
)
json.dump(result, sys.stdout, indent=1)
print()
