/** Independent routes shared by the engine tests: norms, relative errors, central finite differences. */
import { expect } from 'vitest';
import type { Rng } from '../../src/engine/rng.js';
import { randn, type Tensor } from '../../src/engine/tensor.js';

export function norm(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s);
}

/** ‖a − b‖ / max(‖a‖, ‖b‖, tiny), after checking the lengths agree. */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>, tiny = 1e-300): number {
  expect(a.length).toBe(b.length);
  const d = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) d[i] = a[i] - b[i];
  return norm(d) / Math.max(norm(a), norm(b), tiny);
}

/** Central finite-difference gradient of a scalar function of the flat parameters. */
export function fdGrad(value: (theta: Float64Array) => number, theta: Float64Array, h = 1e-6): Float64Array {
  const g = new Float64Array(theta.length);
  const t = Float64Array.from(theta);
  for (let i = 0; i < t.length; i++) {
    const step = h * Math.max(1, Math.abs(theta[i]));
    t[i] = theta[i] + step;
    const fp = value(t);
    t[i] = theta[i] - step;
    const fm = value(t);
    t[i] = theta[i];
    g[i] = (fp - fm) / (2 * step);
  }
  return g;
}

/** Central finite difference of a vector function along direction v: (F(θ+hv) − F(θ−hv)) / 2h. */
export function fdDirectional(F: (theta: Float64Array) => Float64Array, theta: Float64Array, v: Float64Array, h = 1e-6): Float64Array {
  const step = h / Math.max(1e-12, norm(v) / Math.sqrt(v.length));
  const fp = F(theta.map((x, i) => x + step * v[i]));
  const fm = F(theta.map((x, i) => x - step * v[i]));
  return fp.map((x, i) => (x - fm[i]) / (2 * step));
}

export type InputKind = 'n' | 'p' | 'r' | 'c';
/**
 * A random f64 test input: n = normal, p = positive in [0.5, 2], r = normal kept ≥ 0.2 from 0 (for
 * kinks at 0), c = kept ≥ 0.2 from ±1 (for clip's kinks).
 */
export function input(r: Rng, shape: number[], kind: InputKind = 'n'): Tensor {
  const t = randn(r, shape);
  const d = t.data;
  for (let i = 0; i < d.length; i++) {
    if (kind === 'p') d[i] = 0.5 + 1.5 * r.uniform();
    if (kind === 'r') d[i] = Math.sign(d[i] || 1) * (0.2 + Math.abs(d[i]));
    if (kind === 'c') d[i] = Math.sign(d[i] || 1) * (Math.abs(d[i]) < 1 ? 0.8 * Math.abs(d[i]) : 1.2 + Math.abs(d[i]));
  }
  return t;
}
