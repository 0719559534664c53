#!/usr/bin/env python3
"""numpy reference figures for bench/sections/engine.ts.

    python3 bench/reference/engine.py '<json spec>'

The spec (all keys optional) says what to measure, e.g.
    {"threads": 1, "matmul": [128, 256, 512], "mlp": {"widths": [784, 1024, 1024, 10], "batch": 256},
     "eigh": [{"n": 1000, "runs": 3}, {"n": 2000, "runs": 2}], "minSeconds": 1.0, "minRuns": 3}
and the script prints exactly one JSON object on its last line of stdout.

Threads: the harness starts it with OMP_NUM_THREADS=OPENBLAS_NUM_THREADS=MKL_NUM_THREADS=1; a
"threads" entry overrides those variables before numpy (and so its BLAS) loads, which is when
OpenBLAS reads them. One process per thread count: bench/sections/engine.ts runs it once with
1 thread (everything) and once with 2 (the matmuls its native rows compare against). The
result names the BLAS numpy loaded, its OpenBLAS kernel (corename) and thread count where the
library answers (numpy's bundled scipy-openblas or a system libopenblas).

Timing is bench/reference/timing.py's rule, the mirror of bench/harness.ts `time()`: warm-up
calls, then timed calls until both a minimum number of runs and a minimum wall-clock time are
reached. Every figure is reported as median, min, max and the number of runs.
"""
import ctypes
import glob
import json
import os
import sys

from timing import timeit

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
np = None  # numpy, imported by main() once the thread variables are set


def set_threads_from_spec(spec):
    """Pin the BLAS thread count through the environment; must run before numpy is imported."""
    threads = int(spec.get("threads", 1))
    if threads < 1 or threads > 64:
        raise SystemExit(f"engine.py: threads must be an integer in [1, 64], got {spec.get('threads')}")
    for k in THREAD_VARS:
        os.environ[k] = str(threads)
    return threads


def openblas_info():
    """{'library', 'corename', 'threads'} of the OpenBLAS numpy loaded, or {} when it is not OpenBLAS."""
    candidates = glob.glob(os.path.join(os.path.dirname(np.__file__), "..", "numpy.libs", "*openblas*.so*"))
    try:
        with open("/proc/self/maps") as f:
            candidates += sorted({line.split()[-1] for line in f if "openblas" in line.lower() and line.split()[-1].startswith("/")})
    except OSError:
        pass
    for path in candidates:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix, suffix in (("scipy_openblas", "64_"), ("openblas", "")):
            try:
                corename = getattr(lib, f"{prefix}_get_corename{suffix}")
                nthreads = getattr(lib, f"{prefix}_get_num_threads{suffix}")
            except AttributeError:
                continue
            corename.restype = ctypes.c_char_p
            return {"library": os.path.basename(path), "corename": corename().decode(), "threads": int(nthreads())}
    return {}


def summary(t, scale=1.0):
    """timing.py's figures in the caller's unit (scale 1e3 for ms)."""
    return {"median": t["median"] * scale, "min": t["min"] * scale, "max": t["max"] * scale, "runs": t["runs"]}


def bench_matmul(sizes, min_runs, min_seconds):
    """C = A·B into a preallocated C (np.matmul(..., out=)), as our backend-level matmul does."""
    rng = np.random.default_rng(0)
    out = []
    for dtype, name in ((np.float32, "f32"), (np.float64, "f64")):
        for n in sizes:
            a = rng.standard_normal((n, n)).astype(dtype)
            b = rng.standard_normal((n, n)).astype(dtype)
            c = np.empty((n, n), dtype=dtype)
            t = timeit(lambda: np.matmul(a, b, out=c), warmup=2, min_runs=min_runs, min_seconds=min_seconds)
            flops = 2.0 * n ** 3
            out.append({"dtype": name, "n": n, **summary(t), "gflops": flops / t["median"] / 1e9})
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
    ms = summary(t, 1e3)
    return {"widths": widths, "batch": bsz, "median_ms": ms["median"], "min_ms": ms["min"], "max_ms": ms["max"], "runs": t["runs"]}


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
        out.append({"n": n, **summary(t)})
    return out


def main():
    spec = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    threads = set_threads_from_spec(spec)
    global np
    import numpy  # after the thread variables are set: OpenBLAS reads them when it loads

    np = numpy

    min_runs = int(spec.get("minRuns", 3))
    min_seconds = float(spec.get("minSeconds", 0.5))
    result = {
        "numpy": np.__version__,
        "threads": threads,
        "env": {k: os.environ.get(k) for k in THREAD_VARS},
        "openblas": openblas_info(),
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
