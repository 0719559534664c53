/**
 * The optimum of a hyperparameter sweep, located between grid points, with a bootstrap interval
 * over seeds (science-notes §A3: "η*(n) = argmin (parabola fit in log2 η through the 3 lowest
 * points; bootstrap over seeds)").
 *
 * Given a grid x_0 < … < x_{m−1} (e.g. log₂ η) and the loss of every seed at every grid point,
 * the seed-mean curve ȳ(x) is minimised on the grid at x_k; the refined optimum is the vertex of
 * the parabola through (x_{k−1}, ȳ_{k−1}), (x_k, ȳ_k), (x_{k+1}, ȳ_{k+1}):
 *     x* = x_k − ½ · [d₁²(ȳ_k − ȳ_{k+1}) − d₂²(ȳ_k − ȳ_{k−1})] / [d₁(ȳ_k − ȳ_{k+1}) + d₂(ȳ_k − ȳ_{k−1})],
 * d₁ = x_k − x_{k−1}, d₂ = x_{k+1} − x_k (the three-point vertex; for equal spacing h it reads
 * x* = x_k + (h/2)(ȳ_{k−1} − ȳ_{k+1})/(ȳ_{k−1} − 2ȳ_k + ȳ_{k+1})). Since ȳ_k is the smallest of the
 * three, the vertex lies in [x_{k−1}, x_{k+1}]. The fit is made on ln ȳ by default (a loss basin is
 * closer to a parabola in log loss over decades of η, and the vertex is then invariant to a
 * rescaling of the loss).
 *
 * Diverged or failed cells count as +∞, so they are never the optimum; a +∞ neighbour leaves the
 * grid argmin unrefined on that side (the vertex is taken from the finite points only). The
 * optimum is *bracketed* when the grid minimum is an interior point with finite neighbours; an
 * unbracketed optimum is a grid-edge value and experiments report it as out of regime.
 *
 * Interval: seeds are resampled with replacement (paired across grid points: the same seed index
 * at every x), the refined optimum recomputed, and the 2.5 % / 97.5 % quantiles reported.
 */
import { Rng } from '../engine/rng.js';
import * as libm from '../engine/libm.js';

export interface Optimum {
  /** Refined optimum (grid units, e.g. log₂ η). */
  x: number;
  /** Grid index of the seed-mean minimum. */
  index: number;
  /** Seed-mean loss at the grid minimum. */
  min: number;
  /** True when the minimum is interior with finite neighbours on both sides. */
  bracketed: boolean;
  /** Bootstrap interval of x (95 %), and the bootstrap standard deviation. */
  lo: number;
  hi: number;
  sd: number;
  seeds: number;
}

/** Vertex of the parabola through three points, given y1 ≤ y0, y2 (finite). */
export function threePointVertex(x0: number, y0: number, x1: number, y1: number, x2: number, y2: number): number {
  const d1 = x1 - x0, d2 = x2 - x1;
  const a = y1 - y2, b = y1 - y0;
  const den = d1 * a + d2 * b;
  if (den === 0) return x1; // flat: all three equal
  return x1 - 0.5 * (d1 * d1 * a - d2 * d2 * b) / den;
}

function refine(xs: readonly number[], ys: readonly number[]): { x: number; index: number; min: number; bracketed: boolean } {
  let k = -1, min = Infinity;
  ys.forEach((y, i) => { if (y < min) { min = y; k = i; } });
  if (k < 0) return { x: NaN, index: -1, min: Infinity, bracketed: false };
  const left = k > 0 && Number.isFinite(ys[k - 1]);
  const right = k < ys.length - 1 && Number.isFinite(ys[k + 1]);
  if (!left || !right) return { x: xs[k], index: k, min, bracketed: false };
  return { x: threePointVertex(xs[k - 1], ys[k - 1], xs[k], ys[k], xs[k + 1], ys[k + 1]), index: k, min, bracketed: true };
}

/**
 * The optimum of `losses[seed][i]` over the grid `xs` (ascending), with a seed bootstrap.
 * Non-finite losses are +∞ (diverged). `transform: 'log'` (default) fits ln ȳ (needs ȳ > 0).
 */
export function sweepOptimum(
  xs: readonly number[],
  losses: readonly (readonly number[])[],
  opts: { resamples?: number; seed?: number; transform?: 'log' | 'none' } = {},
): Optimum {
  const m = xs.length;
  if (m < 1) throw new Error('sweepOptimum: xs needs at least one grid point');
  for (let i = 1; i < m; i++) if (!(xs[i] > xs[i - 1])) throw new Error(`sweepOptimum: xs must be strictly increasing (xs[${i}] = ${xs[i]} after ${xs[i - 1]})`);
  if (losses.length < 1) throw new Error('sweepOptimum: losses needs at least one seed');
  for (const [s, row] of losses.entries()) if (row.length !== m) throw new Error(`sweepOptimum: losses[${s}] has ${row.length} values, expected ${m} (one per grid point)`);
  const log = (opts.transform ?? 'log') === 'log';
  const clean = losses.map((row) => row.map((y) => (Number.isFinite(y) && (!log || y > 0) ? y : Infinity)));
  const curve = (pick: readonly number[]) => xs.map((_, i) => {
    let s = 0;
    for (const j of pick) s += clean[j][i];
    const mean = s / pick.length;
    return log ? libm.log(mean) : mean;
  });
  const all = losses.map((_, j) => j);
  const full = refine(xs, curve(all));
  const B = opts.resamples ?? 1000;
  const rng = new Rng(opts.seed ?? 0).split('optimum-bootstrap');
  const boot: number[] = [];
  for (let b = 0; b < B; b++) {
    const r = refine(xs, curve(all.map(() => rng.int(all.length))));
    if (Number.isFinite(r.x)) boot.push(r.x);
  }
  boot.sort((a, b) => a - b);
  const q = (p: number) => (boot.length ? boot[Math.min(boot.length - 1, Math.max(0, Math.floor(p * boot.length)))] : NaN);
  const mean = boot.reduce((a, b) => a + b, 0) / Math.max(1, boot.length);
  const sd = boot.length > 1 ? Math.sqrt(boot.reduce((a, b) => a + (b - mean) ** 2, 0) / (boot.length - 1)) : 0;
  return {
    x: full.x, index: full.index, min: log ? libm.exp(full.min) : full.min, bracketed: full.bracketed,
    lo: q(0.025), hi: q(0.975), sd, seeds: losses.length,
  };
}
