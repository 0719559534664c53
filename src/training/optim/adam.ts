/**
 * Adam and AdamW, exactly as torch.optim.Adam / torch.optim.AdamW (Kingma & Ba 2015; Loshchilov &
 * Hutter 2019). For parameter tensor k with η_k = η·lrScale_k, λ_k = λ·wdScale_k and
 * ε_k = ε·epsScale_k, at update t = 1, 2, … (m_0 = v_0 = 0):
 *
 *   g_t ← g_t + λ_k θ_{t−1}                          (Adam only: coupled L2 decay)
 *   m_t = β1 m_{t−1} + (1 − β1) g_t
 *   v_t = β2 v_{t−1} + (1 − β2) g_t²
 *   denom = √v_t / √(1 − β2^t) + ε_k                 (ε outside the bias-corrected root, as torch)
 *   u_t = −(η_k / (1 − β1^t)) · m_t / denom
 *   u_t ← u_t − η_k λ_k θ_{t−1}                       (AdamW only: decoupled decay, θ ← (1 − η_k λ_k) θ)
 *   θ_t = θ_{t−1} + u_t
 *
 * The moments are kept in float64 whatever the parameters' dtype.
 */
import type { FloatArray, Optimizer, ParamGroups } from './types.js';
import { checkLists, checkNumber, checkStep, groupResolver } from './types.js';
import * as libm from '../../engine/libm.js';

export interface AdamOptions {
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** Adam: coupled L2 (added to g). AdamW: decoupled, θ ← θ − η λ θ. */
  weightDecay?: number;
  groups?: ParamGroups;
}

export interface AdamState {
  m: Float64Array[];
  v: Float64Array[];
}

function makeAdam(kind: 'adam' | 'adamw', opts: AdamOptions): Optimizer<AdamState> {
  const { beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay = kind === 'adamw' ? 0.01 : 0, groups } = opts;
  checkNumber(kind, 'beta1', beta1, 0, 1, true);
  checkNumber(kind, 'beta2', beta2, 0, 1, true);
  checkNumber(kind, 'eps', eps, 0, Infinity, true);
  checkNumber(kind, 'weightDecay', weightDecay, 0, Infinity, true);
  const decoupled = kind === 'adamw';

  const scales = groupResolver(kind, groups);
  const kernel = (g: FloatArray, p: FloatArray, m: Float64Array, v: Float64Array, stepSize: number, bc2Sqrt: number, epsK: number, coupled: number, decay: number, out: Float64Array | null) => {
    const n = p.length;
    for (let i = 0; i < n; i++) {
      const pi = p[i];
      let gi = g[i];
      if (coupled !== 0) gi += coupled * pi;
      const mi = beta1 * m[i] + (1 - beta1) * gi;
      const vi = beta2 * v[i] + (1 - beta2) * gi * gi;
      m[i] = mi;
      v[i] = vi;
      let u = -stepSize * (mi / (Math.sqrt(vi) / bc2Sqrt + epsK));
      if (decay !== 0) u -= decay * pi;
      if (out === null) p[i] = pi + u;
      else out[i] = u;
    }
  };

  const run = (grads: readonly FloatArray[], state: AdamState, params: readonly FloatArray[], step: number, lr: number, inPlace: boolean) => {
    checkStep(kind, step, lr);
    checkLists(kind, params, grads, 'grads');
    checkLists(kind, params, state.m, 'state.m');
    checkLists(kind, params, state.v, 'state.v');
    const sc = scales(params.length);
    const m = inPlace ? state.m : state.m.map((a) => a.slice());
    const v = inPlace ? state.v : state.v.map((a) => a.slice());
    const bc1 = 1 - libm.pow(beta1, step);
    const bc2Sqrt = Math.sqrt(1 - libm.pow(beta2, step));
    const updates = inPlace ? null : params.map((p) => new Float64Array(p.length));
    for (let k = 0; k < params.length; k++) {
      const lrK = lr * sc.lr[k];
      const wdK = weightDecay * sc.wd[k];
      kernel(grads[k], params[k] as FloatArray, m[k], v[k], lrK / bc1, bc2Sqrt, eps * sc.eps[k],
        decoupled ? 0 : wdK, decoupled ? lrK * wdK : 0, updates?.[k] ?? null);
    }
    return { updates: updates ?? [], state: { m, v } };
  };

  return {
    name: `${kind}(β1=${beta1}, β2=${beta2}, ε=${eps}${weightDecay ? `, λ=${weightDecay}` : ''})`,
    init(params) {
      scales(params.length);
      return { m: params.map((p) => new Float64Array(p.length)), v: params.map((p) => new Float64Array(p.length)) };
    },
    update: (grads, state, params, step, lr) => run(grads, state, params, step, lr, false),
    step: (grads, state, params, step, lr) => run(grads, state, params, step, lr, true).state,
  };
}

/** torch.optim.Adam: weightDecay (default 0) is coupled L2, added to the gradient. */
export const adam = (opts: AdamOptions = {}): Optimizer<AdamState> => makeAdam('adam', opts);

/** torch.optim.AdamW: weightDecay (default 0.01) is decoupled, θ ← (1 − ηλ)θ before the Adam step. */
export const adamw = (opts: AdamOptions = {}): Optimizer<AdamState> => makeAdam('adamw', opts);
