/**
 * Gradient flow dθ/dt = −∇L(θ), the η → 0 limit of GD, integrated by classical RK4 with a
 * fixed step dt. The caller picks dt well below 1/sharpness (RK4 is accurate to O(dt⁴)).
 */
import { type Objective, type TrainResult, isDiverged } from './objective.js';

export interface FlowOptions {
  dt: number;
  tEnd: number;
  /** Called at t = 0 and after every RK4 step. */
  onStep?: (t: number, theta: Float64Array, loss: number) => void;
  signal?: AbortSignal;
  progress?: (fraction: number) => void;
}

export function gradientFlow(obj: Objective, theta0: Float64Array, opts: FlowOptions): TrainResult {
  const P = theta0.length;
  const theta = Float64Array.from(theta0);
  const tmp = new Float64Array(P);
  const nSteps = Math.max(1, Math.ceil(opts.tEnd / opts.dt - 1e-9));
  const h = opts.tEnd / nSteps;
  let { value: loss, grad: k1 } = obj.valueAndGrad(theta);
  const initial = loss;
  opts.onStep?.(0, theta, loss);
  const every = Math.max(1, Math.floor(nSteps / 200));
  const at = (k: Float64Array, c: number) => {
    for (let i = 0; i < P; i++) tmp[i] = theta[i] - c * k[i];
    return obj.valueAndGrad(tmp).grad;
  };
  for (let s = 1; s <= nSteps; s++) {
    if (opts.signal?.aborted) return { theta, status: 'interrupted', steps: s - 1, time: (s - 1) * h, finalLoss: loss };
    const k2 = at(k1, h / 2);
    const k3 = at(k2, h / 2);
    const k4 = at(k3, h);
    for (let i = 0; i < P; i++) theta[i] -= (h / 6) * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
    ({ value: loss, grad: k1 } = obj.valueAndGrad(theta));
    if (isDiverged(loss, initial, k1)) return { theta, status: 'diverged', steps: s, time: s * h, divergedAt: s * h, finalLoss: loss };
    opts.onStep?.(s * h, theta, loss);
    if (opts.progress && s % every === 0) opts.progress(s / nSteps);
  }
  return { theta, status: 'completed', steps: nSteps, time: opts.tEnd, finalLoss: loss };
}
