/**
 * Stochastic gradient descent with momentum, exactly as torch.optim.SGD. For parameter tensor k
 * with η_k = η·lrScale_k and λ_k = λ·wdScale_k, at update t = 1, 2, …:
 *
 *   d_t = g_t + λ_k θ_{t−1}                        (coupled L2 weight decay)
 *   b_1 = d_1,   b_t = μ b_{t−1} + (1 − τ) d_t      (momentum buffer; τ = dampening)
 *   d_t ← d_t + μ b_t   (Nesterov)   or   d_t ← b_t   (heavy ball)       [only when μ ≠ 0]
 *   u_t = −η_k d_t,     θ_t = θ_{t−1} + u_t
 *
 * With μ = 0 and λ = 0 this is plain GD, θ ← θ − η g, bit for bit (−(η g) added is η g subtracted).
 * Source: PyTorch docs for torch.optim.SGD (Sutskever et al. 2013 for the Nesterov form).
 */
import type { FloatArray, Optimizer, ParamGroups } from './types.js';
import { checkLists, checkNumber, checkStep, groupResolver } from './types.js';

export interface SgdOptions {
  momentum?: number;
  nesterov?: boolean;
  dampening?: number;
  /** Coupled L2 weight decay λ (added to the gradient, as torch.optim.SGD). */
  weightDecay?: number;
  groups?: ParamGroups;
}

export interface SgdState {
  /** Momentum buffers b (null before the first update, or when μ = 0). */
  buf: Float64Array[] | null;
}

export function sgd(opts: SgdOptions = {}): Optimizer<SgdState> {
  const { momentum = 0, nesterov = false, dampening = 0, weightDecay = 0, groups } = opts;
  checkNumber('sgd', 'momentum', momentum, 0, Infinity, true);
  checkNumber('sgd', 'dampening', dampening, 0, 1);
  checkNumber('sgd', 'weightDecay', weightDecay, 0, Infinity, true);
  if (nesterov && (momentum <= 0 || dampening !== 0)) {
    throw new RangeError(`sgd: nesterov needs momentum > 0 and dampening = 0, got momentum ${momentum}, dampening ${dampening}`);
  }
  const name = `sgd(${momentum ? `μ=${momentum}${nesterov ? ', nesterov' : ''}${dampening ? `, τ=${dampening}` : ''}` : ''}${weightDecay ? `${momentum ? ', ' : ''}λ=${weightDecay}` : ''})`;

  /** One tensor's update; writes u into `out`, or adds it into p when out is null. */
  const scales = groupResolver('sgd', groups);
  const kernel = (g: FloatArray, p: FloatArray, buf: Float64Array | null, first: boolean, lrK: number, wdK: number, out: Float64Array | null) => {
    const n = p.length;
    for (let i = 0; i < n; i++) {
      let d = g[i];
      if (wdK !== 0) d += wdK * p[i];
      if (buf !== null) {
        const b = first ? d : momentum * buf[i] + (1 - dampening) * d;
        buf[i] = b;
        d = nesterov ? d + momentum * b : b;
      }
      const u = -(lrK * d);
      if (out === null) p[i] += u;
      else out[i] = u;
    }
  };

  const run = (grads: readonly FloatArray[], state: SgdState, params: readonly FloatArray[], step: number, lr: number, inPlace: boolean) => {
    checkStep('sgd', step, lr);
    checkLists('sgd', params, grads, 'grads');
    const sc = scales(params.length);
    const first = momentum !== 0 && state.buf === null;
    const buf = momentum === 0 ? null
      : state.buf === null ? params.map((p) => new Float64Array(p.length))
      : inPlace ? state.buf : state.buf.map((b) => b.slice());
    if (buf !== null) checkLists('sgd', params, buf, 'state.buf');
    const updates = inPlace ? null : params.map((p) => new Float64Array(p.length));
    for (let k = 0; k < params.length; k++) {
      kernel(grads[k], params[k] as FloatArray, buf?.[k] ?? null, first, lr * sc.lr[k], weightDecay * sc.wd[k], updates?.[k] ?? null);
    }
    return { updates: updates ?? [], state: { buf } };
  };

  return {
    name,
    init(params) {
      scales(params.length);
      return { buf: null };
    },
    update: (grads, state, params, step, lr) => run(grads, state, params, step, lr, false),
    step: (grads, state, params, step, lr) => run(grads, state, params, step, lr, true).state,
  };
}
