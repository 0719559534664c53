/**
 * Full-batch gradient descent θ ← θ − η∇L(θ), with divergence detection and interruption: the
 * training loop (loop.ts) with one flat array and plain SGD, whose update −(η g) added to θ is
 * bit for bit the subtraction η g.
 */
import type { FloatArray } from '../engine/dtype.js';
import { trainFlat } from './loop.js';
import { type Objective, type TrainResult } from './objective.js';
import { sgd } from './optim/sgd.js';

export interface GdOptions {
  lr: number;
  steps: number;
  /** Called before step 0 and after every step with the current θ (not a copy: read, don't keep). */
  onStep?: (step: number, theta: Float64Array, loss: number) => void;
  signal?: AbortSignal;
  progress?: (fraction: number) => void;
}

export function gradientDescent(obj: Objective, theta0: Float64Array, opts: GdOptions): TrainResult {
  const { onStep } = opts;
  const r = trainFlat({
    params: [theta0],
    evaluate: (ps) => {
      const { value, grad } = obj.valueAndGrad(ps[0] as Float64Array);
      return { value, grads: [grad] };
    },
    optimizer: sgd(),
    lr: opts.lr,
    steps: opts.steps,
    ...(onStep ? { onObserve: (t: number, ps: FloatArray[], loss: number) => { onStep(t, ps[0] as Float64Array, loss); } } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.progress ? { progress: opts.progress } : {}),
  });
  const theta = r.params[0] as Float64Array;
  const base = { theta, status: r.status, steps: r.steps, time: r.steps * opts.lr, finalLoss: r.finalLoss };
  return r.divergedAt !== undefined ? { ...base, divergedAt: r.divergedAt } : base;
}
