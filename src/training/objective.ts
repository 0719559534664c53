/**
 * A training objective over the flat parameter vector θ ∈ R^P: the one representation that GD,
 * gradient flow, curvature and conservation-law code all share.
 */
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

/** NaN/Inf, or a loss grown by more than `factor` over its start, counts as divergence. */
export function isDiverged(loss: number, initialLoss: number, grad?: Float64Array, factor = 1e8): boolean {
  if (!Number.isFinite(loss)) return true;
  if (loss > factor * Math.max(initialLoss, 1)) return true;
  if (grad) {
    let s = 0;
    for (let i = 0; i < grad.length; i++) s += grad[i] * grad[i];
    if (!Number.isFinite(s)) return true;
  }
  return false;
}
