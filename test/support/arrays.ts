import { allocate, type FloatArray, type FloatDType } from '../../src/engine/dtype.js';
import type { Rng } from '../../src/engine/rng.js';

/** n i.i.d. standard normals in a fresh f32 or f64 array. */
export function randn(rng: Rng, dt: FloatDType, n: number): FloatArray {
  const a = allocate(dt, n);
  for (let i = 0; i < n; i++) a[i] = rng.normal();
  return a;
}
