/**
 * Gradient clipping by global norm, as torch.nn.utils.clip_grad_norm_:
 *
 *   ‖g‖ = (Σ_k Σ_i g_ki²)^{1/2}   over all parameter tensors,
 *   c = max / (‖g‖ + 10⁻⁶),   g ← c·g   only when c < 1.
 */
import type { FloatArray, Optimizer } from './types.js';
import { checkNumber } from './types.js';

export function globalNorm(grads: readonly FloatArray[]): number {
  let s = 0;
  for (const g of grads) for (let i = 0; i < g.length; i++) s += g[i] * g[i];
  return Math.sqrt(s);
}

/** The clip factor c ≤ 1 for gradients of global norm `norm` (1 when no clipping applies). */
export function clipCoefficient(norm: number, maxNorm: number): number {
  checkNumber('clipGradNorm', 'maxNorm', maxNorm, 0, Infinity, true);
  const c = maxNorm / (norm + 1e-6);
  return c < 1 ? c : 1;
}

/** Pure: the clipped gradients (new Float64Arrays when scaled, the inputs when not), the pre-clip norm and c. */
export function clipGradNorm(grads: readonly FloatArray[], maxNorm: number): { grads: FloatArray[]; norm: number; coef: number } {
  const norm = globalNorm(grads);
  const coef = clipCoefficient(norm, maxNorm);
  if (coef === 1) return { grads: grads.slice(), norm, coef };
  return { grads: grads.map((g) => Float64Array.from(g, (x) => x * coef)), norm, coef };
}

/** In place: scales `grads` by c when c < 1; returns the pre-clip norm. */
export function clipGradNormInPlace(grads: FloatArray[], maxNorm: number): number {
  const norm = globalNorm(grads);
  const coef = clipCoefficient(norm, maxNorm);
  if (coef !== 1) for (const g of grads) for (let i = 0; i < g.length; i++) g[i] *= coef;
  return norm;
}

/** An optimizer that clips the gradients to global norm ≤ maxNorm before `inner` sees them. */
export function clipped<S>(inner: Optimizer<S>, maxNorm: number): Optimizer<S> {
  checkNumber('clipped', 'maxNorm', maxNorm, 0, Infinity, true);
  return {
    name: `clip(${maxNorm}) ∘ ${inner.name}`,
    init: (params) => inner.init(params),
    update: (grads, state, params, step, lr) => inner.update(clipGradNorm(grads, maxNorm).grads, state, params, step, lr),
    step: (grads, state, params, step, lr) => inner.step(clipGradNorm(grads, maxNorm).grads, state, params, step, lr),
  };
}
