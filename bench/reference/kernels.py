#!/usr/bin/env python3
"""numpy reference figures for bench/sections/kernels.ts.

    python3 bench/reference/kernels.py '<json spec>'

Spec keys (all optional):
    {"analytic": {"n": 2000, "d": 784, "depth": 3, "runs": 2},
     "empirical": {"n": 256, "d": 64, "width": 512, "depth": 3, "runs": 1},
     "kappa": {"m": 100000, "n": 1000, "runs": 5}}
Prints one JSON object on the last line of stdout. Run single-threaded (the harness sets
OMP/OPENBLAS/MKL_NUM_THREADS=1), like our engine.

The computations mirror the TypeScript ones:
  analytic  — ReLU NTK of a depth-L net (σ_w² = 2, σ_b² = 0.1, NTK parameterization) on n×d inputs:
              Gram matrix XXᵀ/d, then the arc-cosine recursion elementwise;
  empirical — the n×n empirical NTK of a width-w ReLU MLP [d, w, …, w, 1] at init: the n×P
              Jacobian is materialized (per-example outer products) and J Jᵀ formed;
  kappa     — solve n = Σ λ_i/(λ_i + κ) for 10⁵ power-law eigenvalues by bisection on ln κ
              (the same bracket and stopping rule as src/theory/eigenlearning.ts).
"""
import json
import os
import sys
import time

import numpy as np


def timeit(fn, runs):
    fn_out = None
    samples = []
    for _ in range(max(1, runs)):
        t0 = time.perf_counter()
        fn_out = fn()
        samples.append(time.perf_counter() - t0)
    return {"best": min(samples), "median": float(np.median(samples)), "runs": len(samples)}, fn_out


def relu_ntk(X, depth, w2=2.0, b2=0.1):
    d = X.shape[1]
    q = X @ X.T / d
    diag = np.einsum("ij,ij->i", X, X) / d
    t = np.zeros_like(q)
    for layer in range(depth):
        # dense
        t = w2 * t + w2 * q + b2
        q = w2 * q + b2
        diag = w2 * diag + b2
        if layer == depth - 1:
            break
        # relu
        norm = np.sqrt(np.outer(diag, diag))
        c = np.clip(q / norm, -1.0, 1.0)
        th = np.arccos(c)
        q = norm / (2 * np.pi) * (np.sqrt(1 - c * c) + (np.pi - th) * c)
        t = t * (np.pi - th) / (2 * np.pi)
        diag = diag / 2
    return t


def empirical_ntk(X, width, depth, seed=0, block=64):
    rng = np.random.default_rng(seed)
    n, d = X.shape
    widths = [d] + [width] * (depth - 1) + [1]
    Ws = [rng.standard_normal((widths[l + 1], widths[l])) for l in range(depth)]
    bs = [rng.standard_normal(widths[l + 1]) for l in range(depth)]
    sw, sb = np.sqrt(2.0), np.sqrt(0.1)
    P = sum(W.size + b.size for W, b in zip(Ws, bs))

    def jacobian(Xb):
        m = Xb.shape[0]
        hs, zs, h = [Xb], [], Xb
        for l in range(depth):
            z = (sw / np.sqrt(widths[l])) * h @ Ws[l].T + sb * bs[l]
            zs.append(z)
            h = np.maximum(z, 0) if l < depth - 1 else z
            hs.append(h)
        J = np.empty((m, P))
        offs = np.cumsum([0] + [W.size + b.size for W, b in zip(Ws, bs)])
        delta = np.ones((m, 1))
        for l in range(depth - 1, -1, -1):
            scale = sw / np.sqrt(widths[l])
            o = offs[l]
            J[:, o:o + Ws[l].size] = (scale * delta[:, :, None] * hs[l][:, None, :]).reshape(m, -1)
            J[:, o + Ws[l].size:offs[l + 1]] = sb * delta
            if l > 0:
                delta = (delta @ Ws[l]) * scale * (zs[l - 1] > 0)
        return J

    # Blocks of rows, as the TypeScript observable does when n·P doubles would not fit.
    K = np.empty((n, n))
    for a in range(0, n, block):
        Ja = jacobian(X[a:a + block])
        for b in range(a, n, block):
            Jb = Ja if b == a else jacobian(X[b:b + block])
            G = Ja @ Jb.T
            K[a:a + block, b:b + block] = G
            K[b:b + block, a:a + block] = G.T
    return K


def solve_kappa(lam, n):
    trace = lam.sum()
    hi = trace / n
    lo = hi
    g = lambda k: (lam / (lam + k)).sum() - n
    while g(lo) <= 0:
        lo /= 1e3
    a, b = np.log(lo), np.log(hi)
    it = 0
    while it < 400 and b - a > 1e-15 * max(1.0, abs(b)):
        m = 0.5 * (a + b)
        if g(np.exp(m)) > 0:
            a = m
        else:
            b = m
        it += 1
    return float(np.exp(0.5 * (a + b)))


def main():
    spec = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    result = {
        "numpy": np.__version__,
        "threads": {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")},
    }
    rng = np.random.default_rng(0)
    if spec.get("analytic"):
        a = spec["analytic"]
        X = rng.standard_normal((a["n"], a["d"]))
        relu_ntk(X[:50], a["depth"])
        t, K = timeit(lambda: relu_ntk(X, a["depth"]), a.get("runs", 2))
        result["analytic"] = {**a, "seconds": t["best"], "median": t["median"], "runs": t["runs"], "trace": float(np.trace(K))}
    if spec.get("empirical"):
        e = spec["empirical"]
        X = rng.standard_normal((e["n"], e["d"]))
        t, K = timeit(lambda: empirical_ntk(X, e["width"], e["depth"]), e.get("runs", 1))
        result["empirical"] = {**e, "seconds": t["best"], "median": t["median"], "runs": t["runs"]}
    if spec.get("kappa"):
        k = spec["kappa"]
        lam = np.arange(1, k["m"] + 1, dtype=np.float64) ** -1.5
        t, kappa = timeit(lambda: solve_kappa(lam, k["n"]), k.get("runs", 5))
        result["kappa"] = {**k, "seconds": t["best"], "median": t["median"], "runs": t["runs"], "kappa": kappa}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
