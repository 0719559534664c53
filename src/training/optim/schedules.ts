/**
 * Learning-rate schedules: pure maps from the update index t = 1, 2, … to a factor multiplying
 * the base rate, η_t = η·s(t). Conventions follow torch.optim.lr_scheduler stepped once after
 * every update (so update t sees scheduler epoch t − 1):
 *
 *   constant:                s(t) = 1
 *   linearWarmup(W):         s(t) = min(1, t/W)                  = LinearLR(start 1/W, end 1, W − 1 iters)
 *   stepDecay(N, γ):         s(t) = γ^⌊(t−1)/N⌋                  = StepLR(step_size N, gamma γ)
 *   cosine(T, {W, m}):       s(t) = t/W                              for t ≤ W
 *                            s(t) = m + (1 − m)·½(1 + cos πp),  p = min(1, (t − 1 − W)/(T − W))
 *                            (W = 0: CosineAnnealingLR(T_max T, eta_min m·η); W > 0: that cosine
 *                            started after a linear warmup of W updates)
 *
 * Compose with `times(a, b)` (product) and `scaled(η, s)` (t ↦ η·s(t), a learning rate).
 */
import { checkNumber } from './types.js';
import * as libm from '../../engine/libm.js';

export type Schedule = (step: number) => number;

export const constant: Schedule = () => 1;

export function linearWarmup(warmupSteps: number): Schedule {
  checkNumber('linearWarmup', 'warmupSteps', warmupSteps, 0, Infinity, true);
  if (warmupSteps === 0) return constant;
  return (t) => Math.min(1, t / warmupSteps);
}

export function stepDecay(every: number, gamma: number): Schedule {
  if (!Number.isInteger(every) || every < 1) throw new RangeError(`stepDecay: every must be an integer ≥ 1, got ${every}`);
  checkNumber('stepDecay', 'gamma', gamma, 0, Infinity, true);
  return (t) => libm.pow(gamma, Math.floor((t - 1) / every));
}

export function cosine(totalSteps: number, opts: { warmup?: number; minFactor?: number } = {}): Schedule {
  const { warmup = 0, minFactor = 0 } = opts;
  if (!Number.isInteger(totalSteps) || totalSteps < 1) throw new RangeError(`cosine: totalSteps must be an integer ≥ 1, got ${totalSteps}`);
  if (!Number.isInteger(warmup) || warmup < 0 || warmup >= totalSteps) {
    throw new RangeError(`cosine: warmup must be an integer in [0, ${totalSteps - 1}], got ${warmup}`);
  }
  checkNumber('cosine', 'minFactor', minFactor, 0, 1);
  const span = totalSteps - warmup;
  return (t) => {
    if (t <= warmup) return t / warmup;
    const p = Math.min(1, Math.max(0, (t - 1 - warmup) / span));
    return minFactor + (1 - minFactor) * 0.5 * (1 + libm.cos(Math.PI * p));
  };
}

/** Pointwise product of schedules, e.g. times(linearWarmup(100), stepDecay(1000, 0.5)). */
export function times(...schedules: Schedule[]): Schedule {
  return (t) => schedules.reduce((f, s) => f * s(t), 1);
}

/** A learning rate t ↦ base·s(t). */
export function scaled(base: number, schedule: Schedule = constant): Schedule {
  return (t) => base * schedule(t);
}
