/**
 * Limited-memory BFGS for smooth (C¹) objectives over a flat float64 vector.
 *
 *   x_{k+1} = x_k + t_k p_k,   p_k = −H_k ∇f(x_k),
 *
 * H_k applied by the two-loop recursion over the last m pairs s_i = x_{i+1} − x_i,
 * y_i = ∇f_{i+1} − ∇f_i with initial scaling H⁰ = (sᵀy / yᵀy) I (Nocedal & Wright, Numerical
 * Optimization, 2nd ed., Alg. 7.4–7.5); the step t_k satisfies the strong Wolfe conditions
 *   f(x + t p) ≤ f(x) + c₁ t ∇fᵀp,   |∇f(x + t p)ᵀp| ≤ c₂ |∇fᵀp|
 * (bracketing and zoom with safeguarded cubic interpolation, N&W Alg. 3.5–3.6), so sᵀy > 0 and
 * H_k stays positive definite. A pair with sᵀy ≤ ε·‖s‖‖y‖ is skipped.
 *
 * Stopping: ‖∇f‖∞ ≤ gradTol, or a relative decrease (f_k − f_{k+1}) ≤ fTol·max(|f_k|, |f_{k+1}|, tiny)
 * over `stall` consecutive iterations, or maxIterations, or a line search that cannot decrease f
 * (at the floor of floating-point resolution this is the usual end of a converged run).
 * Defaults are tight on purpose: loose tolerances make multi-start and bootstrap fits stop near
 * their start and report collapsed intervals (science-notes §B1 corrections).
 */
import type { Objective } from './objective.js';

export interface LbfgsOptions {
  /** Number of stored (s, y) pairs m (default 10). */
  memory?: number;
  /** Iteration cap (default 500). */
  maxIterations?: number;
  /** Stop when the largest gradient component is ≤ this (default 1e-10). */
  gradTol?: number;
  /** Stop when the relative decrease of f stays ≤ this for `stall` iterations (default 1e-13). */
  fTol?: number;
  /** Consecutive small-decrease iterations before stopping (default 3). */
  stall?: number;
  /** Wolfe constants 0 < c₁ < c₂ < 1 (default 1e-4, 0.9). */
  c1?: number;
  c2?: number;
  /** Function evaluations allowed per line search (default 30). */
  maxLineSearch?: number;
}

export type LbfgsStatus = 'gradient' | 'value' | 'max-iterations' | 'line-search' | 'non-finite';

export interface LbfgsResult {
  x: Float64Array;
  value: number;
  grad: Float64Array;
  iterations: number;
  evaluations: number;
  /** Why it stopped: 'gradient' / 'value' are convergence; 'line-search' means no further decrease was found. */
  status: LbfgsStatus;
}

type VG = Pick<Objective, 'valueAndGrad'>;

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** Minimizer of the cubic through (a, fa, da), (b, fb, db), kept inside the safeguard [lo, hi]. */
function cubicMin(a: number, fa: number, da: number, b: number, fb: number, db: number, lo: number, hi: number): number {
  const d1 = da + db - 3 * (fa - fb) / (a - b);
  const disc = d1 * d1 - da * db;
  let t = NaN;
  if (disc >= 0) {
    const d2 = Math.sign(b - a) * Math.sqrt(disc);
    t = b - (b - a) * (db + d2 - d1) / (db - da + 2 * d2);
  }
  if (!Number.isFinite(t) || t < lo || t > hi) t = (lo + hi) / 2;
  return t;
}

interface Probe { t: number; f: number; d: number; g: Float64Array; x: Float64Array }

/**
 * Strong-Wolfe line search along p from x (value f0, slope d0 = ∇fᵀp < 0). Returns the accepted
 * probe, or the best probe with f < f0 when the conditions could not be met within the budget,
 * or null when no decrease was found.
 */
function lineSearch(obj: VG, x: Float64Array, f0: number, d0: number, p: Float64Array, t0: number,
  c1: number, c2: number, maxEval: number, count: () => void): Probe | null {
  const n = x.length;
  const probe = (t: number): Probe => {
    const xt = new Float64Array(n);
    for (let i = 0; i < n; i++) xt[i] = x[i] + t * p[i];
    count();
    const { value, grad } = obj.valueAndGrad(xt);
    const g = Float64Array.from(grad);
    const f = Number.isFinite(value) ? value : Infinity;
    const d = Number.isFinite(f) ? dot(g, p) : NaN;
    return { t, f, d, g, x: xt };
  };
  let best: Probe | null = null;
  const keep = (q: Probe) => { if (q.f < f0 && (!best || q.f < best.f)) best = q; };
  let prev: Probe = { t: 0, f: f0, d: d0, g: new Float64Array(0), x };
  let t = t0;
  let evals = 0;
  // Bracketing phase.
  let lo: Probe | null = null, hi: Probe | null = null;
  while (evals < maxEval) {
    const q = probe(t); evals++;
    keep(q);
    if (!Number.isFinite(q.f)) { t = prev.t + (t - prev.t) / 4; if (t - prev.t < 1e-20) return best; continue; }
    if (q.f > f0 + c1 * t * d0 || (evals > 1 && q.f >= prev.f)) { lo = prev; hi = q; break; }
    if (Math.abs(q.d) <= -c2 * d0) return q;
    if (q.d >= 0) { lo = q; hi = prev; break; }
    prev = q;
    t = Math.min(4 * t, t + 1e6 * Math.max(t, 1));
  }
  if (!lo || !hi) return best;
  // Zoom phase: lo satisfies sufficient decrease with the lower f; the minimizer lies between lo and hi.
  while (evals < maxEval) {
    const a = Math.min(lo.t, hi.t), b = Math.max(lo.t, hi.t);
    const w = b - a;
    if (w <= 1e-16 * Math.max(1, b)) break;
    const tt = Number.isFinite(hi.f) && Number.isFinite(hi.d)
      ? cubicMin(lo.t, lo.f, lo.d, hi.t, hi.f, hi.d, a + 0.1 * w, b - 0.1 * w)
      : (a + b) / 2;
    const q = probe(tt); evals++;
    keep(q);
    if (!Number.isFinite(q.f) || q.f > f0 + c1 * tt * d0 || q.f >= lo.f) { hi = q; continue; }
    if (Math.abs(q.d) <= -c2 * d0) return q;
    if (q.d * (hi.t - lo.t) >= 0) hi = lo;
    lo = q;
  }
  return best;
}

/** Minimize f from x0 by L-BFGS with a strong-Wolfe line search. */
export function lbfgs(obj: VG, x0: ArrayLike<number>, opts: LbfgsOptions = {}): LbfgsResult {
  const m = opts.memory ?? 10;
  const maxIter = opts.maxIterations ?? 500;
  const gradTol = opts.gradTol ?? 1e-10;
  const fTol = opts.fTol ?? 1e-13;
  const stall = opts.stall ?? 3;
  const c1 = opts.c1 ?? 1e-4, c2 = opts.c2 ?? 0.9;
  const maxLs = opts.maxLineSearch ?? 30;
  if (!(m >= 1 && Number.isInteger(m))) throw new RangeError(`memory: must be an integer ≥ 1 (got ${m})`);
  if (!(c1 > 0 && c1 < c2 && c2 < 1)) throw new RangeError(`c1, c2: need 0 < c1 < c2 < 1 (got ${c1}, ${c2})`);
  const n = x0.length;
  let evaluations = 1;
  let x: Float64Array = Float64Array.from(x0);
  const first = obj.valueAndGrad(x);
  let f = first.value;
  let g: Float64Array = Float64Array.from(first.grad);
  if (!Number.isFinite(f) || g.some((v) => !Number.isFinite(v))) return { x, value: f, grad: g, iterations: 0, evaluations, status: 'non-finite' };
  const S: Float64Array[] = [], Y: Float64Array[] = [], R: number[] = [];
  let small = 0;
  for (let k = 0; k < maxIter; k++) {
    if (maxAbs(g) <= gradTol) return { x, value: f, grad: g, iterations: k, evaluations, status: 'gradient' };
    // Two-loop recursion: p = −H g.
    const q = Float64Array.from(g);
    const alpha = new Array<number>(S.length);
    for (let i = S.length - 1; i >= 0; i--) {
      alpha[i] = R[i] * dot(S[i], q);
      for (let j = 0; j < n; j++) q[j] -= alpha[i] * Y[i][j];
    }
    const gamma = S.length ? dot(S[S.length - 1], Y[Y.length - 1]) / dot(Y[Y.length - 1], Y[Y.length - 1]) : 1;
    for (let j = 0; j < n; j++) q[j] *= gamma;
    for (let i = 0; i < S.length; i++) {
      const beta = R[i] * dot(Y[i], q);
      for (let j = 0; j < n; j++) q[j] += S[i][j] * (alpha[i] - beta);
    }
    const p = q.map((v) => -v);
    let d0 = dot(g, p);
    if (!(d0 < 0)) {
      // Not a descent direction (lost curvature information): restart from steepest descent.
      S.length = 0; Y.length = 0; R.length = 0;
      for (let j = 0; j < n; j++) p[j] = -g[j];
      d0 = dot(g, p);
    }
    const t0 = S.length ? 1 : Math.min(1, 1 / Math.max(maxAbs(g), 1e-300));
    const step = lineSearch(obj, x, f, d0, p, t0, c1, c2, maxLs, () => { evaluations++; });
    if (!step) return { x, value: f, grad: g, iterations: k, evaluations, status: 'line-search' };
    const s = new Float64Array(n), y = new Float64Array(n);
    for (let j = 0; j < n; j++) { s[j] = step.x[j] - x[j]; y[j] = step.g[j] - g[j]; }
    const sy = dot(s, y);
    if (sy > 1e-12 * Math.sqrt(dot(s, s) * dot(y, y))) {
      S.push(s); Y.push(y); R.push(1 / sy);
      if (S.length > m) { S.shift(); Y.shift(); R.shift(); }
    }
    const decrease = f - step.f;
    const scale = Math.max(Math.abs(f), Math.abs(step.f), 1e-300);
    x = step.x; f = step.f; g = step.g;
    small = decrease <= fTol * scale ? small + 1 : 0;
    if (small >= stall) return { x, value: f, grad: g, iterations: k + 1, evaluations, status: 'value' };
  }
  return { x, value: f, grad: g, iterations: maxIter, evaluations, status: 'max-iterations' };
}
