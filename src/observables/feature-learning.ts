/**
 * Feature-learning observables: how far training has moved a network away from its
 * initialization (lazy vs rich, paper §2.2), and whether its neurons sit on a teacher's
 * directions.
 *
 *   relative change           ‖v_t − v_0‖ / ‖v_0‖     (weights θ, hidden features H, NTK Gram K;
 *                                                      Frobenius norms)
 *   kernel–target alignment   A(K, y) = yᵀK y / (‖K‖_F ‖y‖²)    (Cristianini et al. 2002; equals
 *                                                      ⟨K, yyᵀ⟩_F / (‖K‖_F ‖yyᵀ‖_F), in [−1, 1])
 *   angular concentration     C(δ) = Σ_i μ_i 1[∃k: ∠(w_i, w*_k) ≤ δ, sgn a_i = sgn a*_k] / Σ_i μ_i,
 *                             μ_i = |a_i|·‖w_i‖ (the neuron's scale: ReLU is 1-homogeneous, so
 *                             a ReLU(wᵀx) = |a|‖w‖ · sgn(a) ReLU(ŵᵀx))
 *   log-log slope             least-squares slope of ln y on ln x, with its standard error.
 */
import type { Mat } from '../engine/linalg/index.js';
import type { TeacherNet } from '../models/two-layer.js';
import * as libm from '../engine/libm.js';

function norm(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s);
}

/** ‖v − v0‖ / ‖v0‖ for vectors or matrices (Frobenius). */
export function relativeChange(v0: ArrayLike<number> | Mat, v: ArrayLike<number> | Mat): number {
  const a = 'data' in v0 ? v0.data : v0, b = 'data' in v ? v.data : v;
  if (a.length !== b.length) throw new RangeError(`relativeChange: sizes ${a.length} and ${b.length} differ`);
  let num = 0;
  for (let i = 0; i < a.length; i++) num += (b[i] - a[i]) ** 2;
  const den = norm(a);
  return den > 0 ? Math.sqrt(num) / den : (num > 0 ? Infinity : 0);
}

/** Kernel–target alignment yᵀKy / (‖K‖_F ‖y‖²). */
export function kernelTargetAlignment(K: Mat, y: ArrayLike<number>): number {
  const n = K.rows;
  if (K.cols !== n || y.length !== n) throw new RangeError(`kernelTargetAlignment: K is ${K.rows}×${K.cols}, y has ${y.length}`);
  let quad = 0;
  for (let i = 0; i < n; i++) {
    let row = 0;
    for (let j = 0; j < n; j++) row += K.data[i * n + j] * y[j];
    quad += y[i] * row;
  }
  const y2 = norm(y) ** 2, kf = norm(K.data);
  return kf > 0 && y2 > 0 ? quad / (kf * y2) : 0;
}

/** Smallest angle in [0, π] between two vectors. */
export function angleBetween(u: ArrayLike<number>, v: ArrayLike<number>): number {
  let dot = 0;
  for (let i = 0; i < u.length; i++) dot += u[i] * v[i];
  const c = dot / (norm(u) * norm(v));
  return libm.acos(Math.max(-1, Math.min(1, c)));
}

export interface ConcentrationOptions {
  /** Half-width δ of the cone around each teacher direction (radians). */
  delta: number;
  /** Count a neuron only near teachers whose output weight has its sign (default true). */
  matchSign?: boolean;
}

/**
 * Fraction of the mass μ_i = |a_i|‖w_i‖ within angle δ of a teacher direction (with matching
 * output sign). W is m × d (row-major), a has m entries.
 */
export function angularConcentration(W: ArrayLike<number>, a: ArrayLike<number>, d: number, teacher: TeacherNet, opts: ConcentrationOptions): number {
  const m = a.length, K = teacher.a.length, matchSign = opts.matchSign ?? true;
  let total = 0, near = 0;
  for (let i = 0; i < m; i++) {
    const w = Array.from({ length: d }, (_, j) => W[i * d + j]);
    const mu = Math.abs(a[i]) * norm(w);
    if (!(mu > 0)) continue;
    total += mu;
    for (let k = 0; k < K; k++) {
      if (matchSign && Math.sign(a[i]) !== Math.sign(teacher.a[k])) continue;
      const wk = Array.from({ length: d }, (_, j) => teacher.W.data[k * d + j]);
      if (angleBetween(w, wk) <= opts.delta) { near += mu; break; }
    }
  }
  return total > 0 ? near / total : 0;
}

/**
 * Standard error of `angularConcentration` over the draw of neurons (ratio estimator, neurons
 * treated as independent): SE² = Σ_i (c_i − C μ_i)² / (Σ_i μ_i)², c_i = μ_i·[i counted].
 */
export function concentrationStdError(W: ArrayLike<number>, a: ArrayLike<number>, d: number, teacher: TeacherNet, opts: ConcentrationOptions): number {
  const m = a.length;
  const C = angularConcentration(W, a, d, teacher, opts);
  let total = 0, ss = 0;
  for (let i = 0; i < m; i++) {
    const Wi = Array.from({ length: d }, (_, j) => W[i * d + j]);
    const mu = Math.abs(a[i]) * norm(Wi);
    if (!(mu > 0)) continue;
    const ci = angularConcentration(Wi, [a[i]], d, teacher, opts) * mu;
    total += mu;
    ss += (ci - C * mu) ** 2;
  }
  return total > 0 ? Math.sqrt(ss) / total : NaN;
}

export { logLogFit } from './fit.js';
