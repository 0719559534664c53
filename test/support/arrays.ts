import { expect } from 'vitest';
import { allocate, type FloatArray, type FloatDType } from '../../src/engine/dtype.js';
import type { Rng } from '../../src/engine/rng.js';

/** n i.i.d. standard normals in a fresh f32 or f64 array. */
export function randn(rng: Rng, dt: FloatDType, n: number): FloatArray {
  const a = allocate(dt, n);
  for (let i = 0; i < n; i++) a[i] = rng.normal();
  return a;
}

/** max_i |a_i − b_i| (the lengths must agree). */
export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** max_i |a_i|. */
export function maxAbsArr(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

export function isAscending(a: ArrayLike<number>): boolean {
  for (let i = 1; i < a.length; i++) if (a[i] < a[i - 1]) return false;
  return true;
}
