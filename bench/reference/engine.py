#!/usr/bin/env python3
"""numpy reference figures for bench/sections/engine.ts.

    python3 bench/reference/engine.py '<json spec>'

The spec (all keys optional) says what to measure, e.g.
    {"matmul": [128, 256, 512], "mlp": {"widths": [784, 1024, 1024, 10], "batch": 256},
     "eigh": [{"n": 1000, "runs": 3}, {"n": 2000, "runs": 2}], "minSeconds": 1.0, "minRuns": 3}
and the script prints exactly one JSON object on its last line of stdout. Run it
single-threaded (OMP_NUM_THREADS=OPENBLAS_NUM_THREADS=MKL_NUM_THREADS=1), as the harness does:
our engine runs on one core, so that is the like-for-like comparison.

Timing mirrors bench/harness.ts `time()`: warm-up calls, then timed calls until both a minimum
number of runs and a minimum wall-clock time are reached; we report the best and the median.
"""
import json
import os
import sys

import numpy as np

from timing import timeit


def bench_matmul(sizes, min_runs, min_seconds):
    rng = np.random.default_rng(0)
    out = []
    for dtype, name in ((np.float32, "f32"), (np.float64, "f64")):
        for n in sizes:
            a = rng.standard_normal((n, n)).astype(dtype)
            b = rng.standard_normal((n, n)).astype(dtype)
            c = np.empty((n, n), dtype=dtype)
            # `a @ b` allocates its result each call, like our engine's matmul op does; the
            # backend-level figure we compare with writes into a preallocated output, so time
            # np.matmul(..., out=) too and report the faster (the difference is small).
            t_alloc = timeit(lambda: a @ b, warmup=2, min_runs=min_runs, min_seconds=min_seconds)
            t_out = timeit(lambda: np.matmul(a, b, out=c), warmup=1, min_runs=min_runs, min_seconds=min_seconds)
            best = min(t_alloc["best"], t_out["best"])
            med = min(t_alloc["median"], t_out["median"])
            flops = 2.0 * n ** 3
            out.append({"dtype": name, "n": n, "seconds": best, "median": med, "gflops": flops / best / 1e9})
    return out


def softmax_xent_grad(z, y):
    """Mean softmax cross-entropy of logits z [B,k] with one-hot y, and its gradient dL/dz."""
    m = z.max(axis=1, keepdims=True)
    e = np.exp(z - m)
    s = e.sum(axis=1, keepdims=True)
    lse = m[:, 0] + np.log(s[:, 0])
    bsz = z.shape[0]
    loss = (lse.sum() - (y * z).sum()) / bsz
    dz = (e / s - y) / np.float32(bsz)
    return loss, dz.astype(z.dtype, copy=False)


def bench_mlp(spec, min_runs, min_seconds):
    """One SGD step of a relu MLP in float32, forward and backward written by hand.

    Layout as in src/models/mlp.ts: W_l is [fan_out, fan_in], a layer is h @ W.T + b.
    """
    widths = spec.get("widths", [784, 1024, 1024, 10])
    bsz = spec.get("batch", 256)
    lr = np.float32(spec.get("lr", 0.01))
    rng = np.random.default_rng(1)
    f32 = np.float32
    Ws = [(rng.standard_normal((widths[l + 1], widths[l])) * np.sqrt(2.0 / widths[l])).astype(f32) for l in range(len(widths) - 1)]
    bs = [np.zeros(widths[l + 1], dtype=f32) for l in range(len(widths) - 1)]
    X = rng.standard_normal((bsz, widths[0])).astype(f32)
    labels = rng.integers(0, widths[-1], size=bsz)
    Y = np.zeros((bsz, widths[-1]), dtype=f32)
    Y[np.arange(bsz), labels] = 1
    L = len(Ws)

    def step():
        hs = [X]   # inputs to each layer
        zs = []    # pre-activations
        h = X
        for l in range(L):
            z = h @ Ws[l].T + bs[l]
            zs.append(z)
            if l < L - 1:
                h = np.maximum(z, 0)
                hs.append(h)
        loss, g = softmax_xent_grad(zs[-1], Y)
        for l in range(L - 1, -1, -1):
            dW = g.T @ hs[l]
            db = g.sum(axis=0)
            if l > 0:
                g = (g @ Ws[l]) * (zs[l - 1] > 0)
            Ws[l] -= lr * dW
            bs[l] -= lr * db
        return loss

    t = timeit(step, warmup=2, min_runs=min_runs, min_seconds=min_seconds)
    assert all(w.dtype == np.float32 for w in Ws)
    return {"widths": widths, "batch": bsz, "ms": t["best"] * 1e3, "median_ms": t["median"] * 1e3, "runs": t["runs"]}


def bench_eigh(sizes):
    """sizes: [{"n": 1000, "runs": 3}, ...] (a bare number means one run)."""
    rng = np.random.default_rng(2)
    out = []
    np.linalg.eigh(np.eye(50) + 0.0)  # load LAPACK before timing
    for item in sizes:
        n, runs = (item["n"], int(item.get("runs", 1))) if isinstance(item, dict) else (int(item), 1)
        a = rng.standard_normal((n, n))
        a = (a + a.T) / 2
        t = timeit(lambda: np.linalg.eigh(a), warmup=0, min_runs=runs, min_seconds=0.0)
        out.append({"n": n, "seconds": t["best"], "median": t["median"], "runs": t["runs"]})
    return out


def main():
    spec = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    min_runs = int(spec.get("minRuns", 3))
    min_seconds = float(spec.get("minSeconds", 0.5))
    result = {
        "numpy": np.__version__,
        "threads": {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")},
    }
    if spec.get("matmul"):
        result["matmul"] = bench_matmul(spec["matmul"], min_runs, min_seconds)
    if spec.get("mlp"):
        result["mlp"] = bench_mlp(spec["mlp"], min_runs, min_seconds)
    if spec.get("eigh"):
        result["eigh"] = bench_eigh(spec["eigh"])
    print(json.dumps(result))


if __name__ == "__main__":
    main()
