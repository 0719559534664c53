/** Full-batch gradient descent θ ← θ − η∇L(θ), with divergence detection and interruption. */
import { type Objective, type TrainResult, isDiverged } from './objective.js';

export interface GdOptions {
  lr: number;
  steps: number;
  /** Called before step 0 and after every step with the current θ (not a copy: read, don't keep). */
  onStep?: (step: number, theta: Float64Array, loss: number) => void;
  signal?: AbortSignal;
  progress?: (fraction: number) => void;
}

export function gradientDescent(obj: Objective, theta0: Float64Array, opts: GdOptions): TrainResult {
  const theta = Float64Array.from(theta0);
  let { value: loss, grad } = obj.valueAndGrad(theta);
  const initial = loss;
  opts.onStep?.(0, theta, loss);
  const every = Math.max(1, Math.floor(opts.steps / 200));
  for (let step = 1; step <= opts.steps; step++) {
    if (opts.signal?.aborted) return { theta, status: 'interrupted', steps: step - 1, time: (step - 1) * opts.lr, finalLoss: loss };
    for (let i = 0; i < theta.length; i++) theta[i] -= opts.lr * grad[i];
    ({ value: loss, grad } = obj.valueAndGrad(theta));
    if (isDiverged(loss, initial, grad)) {
      return { theta, status: 'diverged', steps: step, time: step * opts.lr, divergedAt: step, finalLoss: loss };
    }
    opts.onStep?.(step, theta, loss);
    if (opts.progress && step % every === 0) opts.progress(step / opts.steps);
  }
  return { theta, status: 'completed', steps: opts.steps, time: opts.steps * opts.lr, finalLoss: loss };
}
