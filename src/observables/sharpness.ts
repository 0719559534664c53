/**
 * Sharpness: the top eigenvalue λ_max of the training-loss Hessian, by Lanczos with full
 * reorthogonalization on exact Hessian-vector products (no finite differences). Tracking
 * through training warm-starts from the previous top eigenvector, which cuts iterations.
 * Paper §2.3 (edge of stability: under GD with step η, λ_max rises to ≈ 2/η and hovers there).
 */
import { lanczos } from '../engine/linalg/index.js';
import { Rng } from '../engine/rng.js';

export interface SharpnessResult {
  value: number;
  vector: Float64Array;
  iterations: number;
  residual: number;
}

export function sharpness(
  hvp: (v: Float64Array) => Float64Array,
  dim: number,
  opts: { tol?: number; maxIter?: number; start?: Float64Array; rng?: Rng } = {},
): SharpnessResult {
  const r = lanczos(hvp, dim, {
    k: 1, which: 'largest', tol: opts.tol ?? 1e-6, maxIter: opts.maxIter ?? Math.min(dim, 60),
    rng: opts.rng ?? new Rng(0), ...(opts.start ? { start: opts.start } : {}),
  });
  return { value: r.values[0], vector: r.vectors[0], iterations: r.iterations, residual: r.residuals[0] };
}
