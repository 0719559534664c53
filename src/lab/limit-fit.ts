/**
 * How an observable converges to its limit along an axis h → 0 (step size η, 1/width, 1/n):
 *
 *   y(h) = y∞ + C·h^p                                                                      (1)
 *
 * fitted by (weighted) least squares, with intervals:
 *   known limit y∞:   ln|y − y∞| = ln|C| + p ln h, ordinary/weighted LS (weights from the δ-method
 *                     σ_ln = σ/|y − y∞|); interval p ± q·SE;
 *   unknown limit:    for fixed p, (1) is linear in (y∞, C): RSS(p) by WLS; p̂ = argmin RSS (grid over
 *                     [pMin, pMax] + golden-section refinement); profile interval
 *                     {p : RSS(p) − RSS(p̂) ≤ q²·s²} with s² = 1 when the σ's are given (χ²₁ profile)
 *                     and s² = RSS(p̂)/(n − 3) otherwise (F₁,ₙ₋₃ = t²ₙ₋₃); the interval of y∞ is the
 *                     union over that p-interval of y∞(p) ± q·SE(y∞ | p) (conservative).
 * q is the two-sided normal quantile for known σ's, else Student's t (Cornish–Fisher expansion).
 * "Limit reached within tolerance": the remaining gap |C|·h_min^p at the finest h is ≤ tol.
 * Planted convergent sequences (test/limit-fit.test.ts) check recovery and interval coverage.
 */
import { erfScalar } from '../engine/backend/math-kernels.js';
import * as libm from '../engine/libm.js';

export interface LimitFitOptions {
  /** the limit, when it is known (fit the rate only) */
  limit?: number;
  /** one standard error per point (else the residual scatter sets the scale) */
  sigmas?: ArrayLike<number>;
  /** confidence level of the intervals (default 0.95) */
  level?: number;
  /** rate search range for an unknown limit (default [0.05, 4]) */
  rateRange?: [number, number];
}

export interface LimitFit {
  limit: number;
  limitInterval: [number, number];
  amplitude: number;
  rate: number;
  rateInterval: [number, number];
  /** |C|·h_min^p: how far the finest point still is from the limit */
  gapAtFinest: number;
  knownLimit: boolean;
  points: number;
}

const normalCdf = (x: number) => 0.5 * (1 + erfScalar(x * Math.SQRT1_2));

/** Two-sided normal quantile z with P(|Z| ≤ z) = level (bisection). */
export function normalQuantile(level: number): number {
  if (!(level > 0 && level < 1)) throw new RangeError(`level: must be in (0, 1) (got ${level})`);
  let lo = 0, hi = 40;
  for (let i = 0; i < 200; i++) { const m = (lo + hi) / 2; if (2 * normalCdf(m) - 1 < level) lo = m; else hi = m; }
  return (lo + hi) / 2;
}

/** Two-sided Student-t quantile for ν degrees of freedom (Cornish–Fisher in 1/ν; ν ≥ 3 to ~1e-3). */
export function studentQuantile(level: number, nu: number): number {
  const z = normalQuantile(level);
  if (!Number.isFinite(nu)) return z;
  if (!(nu >= 1)) throw new RangeError(`degrees of freedom: must be ≥ 1 (got ${nu})`);
  const z3 = z * z * z, z5 = z3 * z * z, z7 = z5 * z * z;
  return z + (z3 + z) / (4 * nu) + (5 * z5 + 16 * z3 + 3 * z) / (96 * nu * nu) + (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * nu * nu * nu);
}

/** WLS of y on [1, x]: intercept, slope, their covariance (unscaled), RSS. */
function wls2(x: ArrayLike<number>, y: ArrayLike<number>, w: ArrayLike<number>) {
  let S = 0, Sx = 0, Sy = 0, Sxx = 0, Sxy = 0;
  for (let i = 0; i < x.length; i++) { S += w[i]; Sx += w[i] * x[i]; Sy += w[i] * y[i]; Sxx += w[i] * x[i] * x[i]; Sxy += w[i] * x[i] * y[i]; }
  const det = S * Sxx - Sx * Sx;
  const b = (S * Sxy - Sx * Sy) / det, a = (Sy - b * Sx) / S;
  let rss = 0;
  for (let i = 0; i < x.length; i++) rss += w[i] * (y[i] - a - b * x[i]) ** 2;
  return { a, b, varA: Sxx / det, varB: S / det, rss };
}

/** Fit (1) to points (h_i, y_i), h_i > 0. */
export function fitLimit(h: ArrayLike<number>, y: ArrayLike<number>, opts: LimitFitOptions = {}): LimitFit {
  const n = h.length;
  if (y.length !== n) throw new RangeError(`y: needs one value per h (${n}), got ${y.length}`);
  for (let i = 0; i < n; i++) if (!(h[i] > 0) || !Number.isFinite(y[i])) throw new RangeError(`h, y: need h > 0 and finite y (point ${i}: h = ${h[i]}, y = ${y[i]})`);
  const level = opts.level ?? 0.95;
  const sig = opts.sigmas;
  if (sig && sig.length !== n) throw new RangeError(`sigmas: needs one per point (${n}), got ${sig.length}`);
  const hMin = Math.min(...Array.from(h));
  if (opts.limit !== undefined) {
    if (n < 2) throw new RangeError('h: a known-limit fit needs at least 2 points');
    const lx = Array.from(h, (v) => libm.log(v));
    const ly = Array.from(y, (v) => libm.log(Math.abs(v - opts.limit!)));
    const w = Array.from(y, (v, i) => (sig ? ((v - opts.limit!) / sig[i]) ** 2 : 1));
    const f = wls2(lx, ly, w);
    const dof = n - 2;
    const s2 = sig ? 1 : dof > 0 ? f.rss / dof : NaN;
    const q = sig ? normalQuantile(level) : studentQuantile(level, Math.max(dof, 1));
    const se = Math.sqrt(f.varB * s2);
    const sign = Math.sign(y.length ? y[0] - opts.limit : 1) || 1;
    const C = sign * libm.exp(f.a);
    return {
      limit: opts.limit, limitInterval: [opts.limit, opts.limit], amplitude: C, rate: f.b, rateInterval: [f.b - q * se, f.b + q * se],
      gapAtFinest: Math.abs(C) * libm.pow(hMin, f.b), knownLimit: true, points: n,
    };
  }
  if (n < 4) throw new RangeError('h: an unknown-limit fit needs at least 4 points');
  const w = Array.from({ length: n }, (_, i) => (sig ? 1 / (sig[i] * sig[i]) : 1));
  const [pMin, pMax] = opts.rateRange ?? [0.05, 4];
  if (!(pMin > 0 && pMax > pMin)) throw new RangeError(`rateRange: need 0 < min < max (got [${pMin}, ${pMax}])`);
  const at = (p: number) => wls2(Array.from(h, (v) => libm.pow(v, p)), y, w);
  const grid = 400;
  const ps: number[] = [], rss: number[] = [];
  for (let i = 0; i <= grid; i++) { const p = pMin * libm.pow(pMax / pMin, i / grid); ps.push(p); rss.push(at(p).rss); }
  let k = 0;
  for (let i = 1; i <= grid; i++) if (rss[i] < rss[k]) k = i;
  // golden-section refinement on [ps[k−1], ps[k+1]]
  let lo = ps[Math.max(0, k - 1)], hi = ps[Math.min(grid, k + 1)];
  const g = (Math.sqrt(5) - 1) / 2;
  for (let it = 0; it < 80; it++) {
    const a = hi - g * (hi - lo), b = lo + g * (hi - lo);
    if (at(a).rss < at(b).rss) hi = b; else lo = a;
  }
  const p = (lo + hi) / 2;
  const best = at(p);
  const dof = n - 3;
  const s2 = sig ? 1 : dof > 0 ? best.rss / dof : NaN;
  const q = sig ? normalQuantile(level) : studentQuantile(level, Math.max(dof, 1));
  const cut = best.rss + q * q * s2;
  // profile interval: walk the grid outward from p̂ while RSS(p) ≤ cut (edges clip to the search range)
  const inside = ps.map((_, i) => rss[i] <= cut);
  let iLo = k, iHi = k;
  while (iLo > 0 && inside[iLo - 1]) iLo--;
  while (iHi < grid && inside[iHi + 1]) iHi++;
  // refine each end by bisection between the last grid point inside and the first outside
  const crossing = (inP: number, outP: number) => {
    let a = inP, b = outP;
    for (let it = 0; it < 60; it++) { const m = (a + b) / 2; if (at(m).rss <= cut) a = m; else b = m; }
    return a;
  };
  const pLo = Math.min(iLo > 0 ? crossing(Math.min(ps[iLo], p), ps[iLo - 1]) : ps[0], p);
  const pHi = Math.max(iHi < grid ? crossing(Math.max(ps[iHi], p), ps[iHi + 1]) : ps[grid], p);
  const rateInterval: [number, number] = [pLo, pHi];
  let yLo = Infinity, yHi = -Infinity;
  for (let i = 0; i <= 64; i++) {
    const f = at(pLo + ((pHi - pLo) * i) / 64);
    const half = q * Math.sqrt(f.varA * s2);
    yLo = Math.min(yLo, f.a - half); yHi = Math.max(yHi, f.a + half);
  }
  const halfBest = q * Math.sqrt(best.varA * s2);
  yLo = Math.min(yLo, best.a - halfBest); yHi = Math.max(yHi, best.a + halfBest);
  return {
    limit: best.a, limitInterval: [yLo, yHi], amplitude: best.b, rate: p, rateInterval,
    gapAtFinest: Math.abs(best.b) * libm.pow(hMin, p), knownLimit: false, points: n,
  };
}

/** Is the limit reached within `tol` at the finest point (the remaining gap |C| h_min^p ≤ tol)? */
export function limitReached(fit: LimitFit, tol: number): boolean {
  return fit.gapAtFinest <= tol;
}
