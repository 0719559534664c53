"""The timing rule every reference script shares, mirroring bench/harness.ts `time()`: warm-up
calls, then timed calls until both a minimum number of runs and a minimum wall-clock time are
reached (at most max_runs); returns the run times in seconds with their best, median, min, max."""
import time


def timeit(fn, warmup=1, min_runs=3, min_seconds=0.5, max_runs=1000):
    for _ in range(warmup):
        fn()
    samples = []
    total = 0.0
    while len(samples) < max_runs and (len(samples) < min_runs or total < min_seconds):
        t0 = time.perf_counter()
        fn()
        dt = time.perf_counter() - t0
        samples.append(dt)
        total += dt
    s = sorted(samples)
    k = len(s) // 2
    median = s[k] if len(s) % 2 else 0.5 * (s[k - 1] + s[k])
    return {"best": s[0], "median": median, "min": s[0], "max": s[-1], "runs": len(s)}
