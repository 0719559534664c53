/**
 * Causal multi-head self-attention (Vaswani et al. 2017), x [B, T, d] ↦ [B, T, d] with H heads of
 * size d_h = d/H:
 *   Q = x W_qᵀ, K = x W_kᵀ, V = x W_vᵀ                          (each [B, T, d] → [B, H, T, d_h])
 *   A = softmax_s( s · Q Kᵀ + M ),  M_ts = −∞ for s > t (causal)
 *   y = concat_h(A V) W_oᵀ
 * Logit scale s: 'sqrt' → 1/√d_h (the standard choice: Q·K of random vectors is O(√d_h)), 'mup' →
 * 1/d_h (μP: after training Q and K are correlated, Q·K = O(d_h); Yang et al. 2022, TP V §4).
 * Weights [d, d] with roles attn-q/k/v/o, default init N(0, σ²/d), no biases.
 * Captures `<prefix>q`, `<prefix>k`, `<prefix>v`, `<prefix>scores` (s·QKᵀ before the mask) and
 * `<prefix>preact` (the output projection). No kernel map (the attention NNGP needs the
 * positions' joint state; see Hron et al. 2020).
 */
import { add, matmulT, permute, reshape, scale, softmax } from '../../engine/ops.js';
import { Tensor } from '../../engine/tensor.js';
import { allocate } from '../../engine/dtype.js';
import { checkPositiveInt, normalInit, param } from '../param.js';
import type { Layer, Role } from '../types.js';

export type AttnScale = 'sqrt' | 'mup';

export interface AttentionOptions {
  /** Logit scale: 'sqrt' = 1/√d_head (default), 'mup' = 1/d_head. */
  scale?: AttnScale;
  /** Weight scale σ (default 1): W ~ N(0, σ²/d). */
  sigma?: number;
  /** Causal mask (default true). */
  causal?: boolean;
}

const maskCache = new Map<string, Tensor>();
function causalMask(T: number, dtype: 'f32' | 'f64'): Tensor {
  const key = `${T}:${dtype}`;
  let m = maskCache.get(key);
  if (!m) {
    const data = allocate(dtype, T * T);
    for (let t = 0; t < T; t++) for (let s = t + 1; s < T; s++) data[t * T + s] = -Infinity;
    m = new Tensor(data, [T, T]);
    maskCache.set(key, m);
  }
  return m;
}

export function attention(heads: number, opts: AttentionOptions = {}): Layer {
  checkPositiveInt(heads, 'attention.heads');
  const logitScale = opts.scale ?? 'sqrt';
  if (logitScale !== 'sqrt' && logitScale !== 'mup') throw new RangeError(`attention.scale: must be 'sqrt' or 'mup' (got ${String(logitScale)})`);
  const sigma = opts.sigma ?? 1, causal = opts.causal ?? true;
  return {
    spec: { type: 'attention', heads, scale: logitScale, sigma, causal },
    declare(inShape, prefix) {
      if (inShape.length !== 2) throw new RangeError(`attention: input must be [T, d] (got [${inShape.join(',')}])`);
      const d = inShape[1];
      if (d % heads !== 0) throw new RangeError(`attention.heads: must divide the model dim ${d} (got ${heads})`);
      const roles: [string, Role][] = [['q', 'attn-q'], ['k', 'attn-k'], ['v', 'attn-v'], ['o', 'attn-o']];
      return {
        params: roles.map(([n, role]) => param({ name: `${prefix}${n}`, shape: [d, d], role, fanIn: d, fanOut: d, inIsWidth: true, outIsWidth: true, init: normalInit(sigma / Math.sqrt(d)) })),
        outShape: inShape.slice(),
      };
    },
    apply([Wq, Wk, Wv, Wo], x, ctx) {
      const [B, T, d] = x.shape;
      const dh = d / heads;
      const split = (W: Tensor, name: string) => {
        const z = matmulT(x, W, false, true); // [B, T, d]
        ctx.capture?.(`${ctx.prefix}${name}`, z);
        return permute(reshape(z, [B, T, heads, dh]), [0, 2, 1, 3]); // [B, H, T, dh]
      };
      const q = split(Wq, 'q'), k = split(Wk, 'k'), v = split(Wv, 'v');
      const s = logitScale === 'sqrt' ? 1 / Math.sqrt(dh) : 1 / dh;
      const scores = scale(matmulT(q, k, false, true), s); // [B, H, T, T]
      ctx.capture?.(`${ctx.prefix}scores`, scores);
      const A = softmax(causal ? add(scores, causalMask(T, x.dtype === 'f32' ? 'f32' : 'f64')) : scores, -1);
      const heads_ = matmulT(A, v); // [B, H, T, dh]
      const merged = reshape(permute(heads_, [0, 2, 1, 3]), [B, T, d]);
      const y = matmulT(merged, Wo, false, true);
      ctx.capture?.(`${ctx.prefix}preact`, y);
      return y;
    },
  };
}
