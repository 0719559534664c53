#!/usr/bin/env python3
"""PyTorch reference figures for bench/sections/hessian.ts.

    python3 bench/reference/hessian.py '<json spec>'

spec: {"widths": [100, 256, 256, 10], "examples": 1000, "runs": 5, "minSeconds": 2,
       "topK": 5, "lanczosTol": 1e-4, "traceTol": 0.01, "maxProbes": 2000}

Same problem as the TypeScript side (statistically: a tanh MLP with standard init, Gaussian
inputs and targets, loss (1/2n)·sum ||f(x) - y||^2, float64, one thread): time of one gradient,
one Hessian-vector product by double backward, top-k eigenvalues (scipy's ARPACK eigsh on the
HVP operator when scipy is present) and a Hutchinson trace with Rademacher probes stopped at
the same relative standard error. Prints one JSON object on its last line. Exits with an
ImportError message when torch is missing (the harness then notes "PyTorch unavailable").
"""
import json
import math
import sys
import time

import torch  # noqa: E402  (the harness reports a missing torch)

from timing import timeit as best_of  # noqa: E402


def timeit(fn, warmup=1, min_runs=3, min_seconds=0.5):
    """Best run time in seconds (timing.py's rule)."""
    return best_of(fn, warmup=warmup, min_runs=min_runs, min_seconds=min_seconds, max_runs=10**9)["best"]


def main():
    spec = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    widths = spec.get("widths", [100, 256, 256, 10])
    n = spec.get("examples", 1000)
    runs = spec.get("runs", 5)
    min_seconds = spec.get("minSeconds", 1.0)
    top_k = spec.get("topK", 5)
    lanczos_tol = spec.get("lanczosTol", 1e-4)
    trace_tol = spec.get("traceTol", 0.01)
    max_probes = spec.get("maxProbes", 2000)

    torch.set_num_threads(1)
    torch.manual_seed(4)
    dt = torch.float64
    params = []
    for l in range(1, len(widths)):
        params.append((torch.randn(widths[l], widths[l - 1], dtype=dt) / math.sqrt(widths[l - 1])).requires_grad_())
        params.append(torch.zeros(widths[l], dtype=dt).requires_grad_())
    X = torch.randn(n, widths[0], dtype=dt)
    Y = torch.randn(n, widths[-1], dtype=dt)

    def loss_fn():
        h = X
        for l in range(len(params) // 2):
            h = h @ params[2 * l].T + params[2 * l + 1]
            if l < len(params) // 2 - 1:
                h = torch.tanh(h)
        return 0.5 * ((h - Y) ** 2).sum() / n

    def grad():
        return torch.autograd.grad(loss_fn(), params)

    def hvp(vs):
        g = torch.autograd.grad(loss_fn(), params, create_graph=True)
        dot = sum((a * b).sum() for a, b in zip(g, vs))
        return torch.autograd.grad(dot, params)

    P = sum(p.numel() for p in params)
    shapes = [p.shape for p in params]

    def unflat(v):
        out, o = [], 0
        for s in shapes:
            k = int(torch.Size(s).numel())
            out.append(v[o:o + k].view(s))
            o += k
        return out

    def flat_hvp(v):
        return torch.cat([h.reshape(-1) for h in hvp(unflat(v))])

    v = torch.randn(P, dtype=dt)
    vs = unflat(v)
    grad_s = timeit(grad, 1, runs, min_seconds)
    hvp_s = timeit(lambda: hvp(vs), 1, runs, min_seconds)
    out = {"torch": torch.__version__, "parameters": P, "gradMs": grad_s * 1e3, "hvpMs": hvp_s * 1e3}

    try:
        import numpy as np
        from scipy.sparse.linalg import LinearOperator, eigsh

        count = [0]

        def mv(x):
            count[0] += 1
            return flat_hvp(torch.from_numpy(np.ascontiguousarray(x, dtype=np.float64)).reshape(-1)).numpy()

        op = LinearOperator((P, P), matvec=mv, dtype=np.float64)
        t0 = time.perf_counter()
        vals = eigsh(op, k=top_k, which="LA", tol=lanczos_tol, return_eigenvectors=False)
        out["lanczosS"] = time.perf_counter() - t0
        out["lanczosNote"] = f"scipy eigsh (ARPACK) on torch HVPs, {count[0]} HVPs, top {sorted(vals.tolist(), reverse=True)[0]:.4g}"
    except ImportError:
        out["lanczosNote"] = "scipy unavailable: no Lanczos reference"

    t0 = time.perf_counter()
    s = s2 = 0.0
    m = 0
    while m < max_probes:
        z = torch.randint(0, 2, (P,), dtype=dt) * 2 - 1
        x = float((z * flat_hvp(z)).sum())
        m += 1
        s += x
        s2 += x * x
        if m >= 10:
            mean = s / m
            var = max(0.0, (s2 - m * mean * mean) / (m - 1))
            if math.sqrt(var / m) <= trace_tol * abs(mean):
                break
    out["traceS"] = time.perf_counter() - t0
    out["traceProbes"] = m
    print(json.dumps(out))


if __name__ == "__main__":
    main()
