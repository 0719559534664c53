/**
 * A training objective over the flat parameter vector θ ∈ R^P: the one representation that GD,
 * gradient flow, curvature and conservation-law code all share.
 */
import type { Fn } from '../engine/autodiff.js';
import type { FloatArray } from '../engine/dtype.js';
import { flatLoss, paramCount } from '../engine/params.js';
import type { Tensor } from '../engine/tensor.js';

export interface Objective {
  dim: number;
  value(theta: Float64Array): number;
  valueAndGrad(theta: Float64Array): { value: number; grad: Float64Array };
}

export type StopReason = 'completed' | 'diverged' | 'interrupted';

export interface TrainResult {
  theta: Float64Array;
  status: StopReason;
  /** Last step (GD) or time (flow) reached. */
  steps: number;
  time: number;
  /** Step / time at which a non-finite or exploding loss was detected. */
  divergedAt?: number;
  finalLoss: number;
}

/**
 * NaN/Inf loss or gradient, or a loss grown by more than `factor` over its start, counts as
 * divergence. The gradient may be one flat array or a list of them (one per parameter tensor).
 */
export function isDiverged(loss: number, initialLoss: number, grad?: FloatArray | readonly FloatArray[], factor = 1e8): boolean {
  if (!Number.isFinite(loss)) return true;
  if (loss > factor * Math.max(initialLoss, 1)) return true;
  if (grad) {
    let s = 0;
    for (const g of Array.isArray(grad) ? grad : [grad as FloatArray]) for (let i = 0; i < g.length; i++) s += g[i] * g[i];
    if (!Number.isFinite(s)) return true;
  }
  return false;
}

/** An objective that also gives exact Hessian-vector products H(θ)·v. */
export interface CurvedObjective extends Objective {
  hvp(theta: Float64Array, v: Float64Array): Float64Array;
}

/**
 * The scalar loss f(...params) as an objective over θ = flatten(params): θ is split into tensors
 * with the shapes and dtypes of `like` on every call (value by a no-grad forward pass, gradient by
 * one backward pass, H·v by double backward).
 */
export function objectiveFromLoss(f: Fn, like: Tensor[]): CurvedObjective {
  const fl = flatLoss(f, like);
  return {
    dim: paramCount(like),
    value: (theta) => fl.value(theta),
    valueAndGrad: (theta) => fl.valueAndGrad(theta),
    hvp: (theta, v) => fl.hvp(theta, v),
  };
}
