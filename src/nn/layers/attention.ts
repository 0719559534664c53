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
 *
 * The weights A = attentionWeights(S, s, causal) are one fused op on the raw products S = QKᵀ:
 * row t keeps only u ≤ t (no −∞ mask is built), A_tu = e^{s S_tu − m_t} / Σ_{u'≤t} e^{s S_tu' − m_t}.
 * Its reverse rule is the fused, bilinear map F(g, A) = s·A ⊙ (g − c), c_t = Σ_u g_tu A_tu, and F's
 * own reverse rule, for the Hessian-vector product, is written in differentiable ops:
 *   ∂F/∂g ᵀh = F(h, A),   ∂F/∂A ᵀh = s·(h ⊙ (g − c) − g·Σ_u h_tu A_tu),
 * so every order of derivative stays exact.
 */
import { make, matmulT, mul, permute, reshape, scale, sub, sum } from '../../engine/ops.js';
import { Tensor, fmtShape } from '../../engine/tensor.js';
import { allocate, type FloatArray } from '../../engine/dtype.js';
import { checkPositiveInt, normalInit, param } from '../param.js';
import type { Layer, Role } from '../types.js';
import * as libm from '../../engine/libm.js';

export type AttnScale = 'sqrt' | 'mup';

export interface AttentionOptions {
  /** Logit scale: 'sqrt' = 1/√d_head (default), 'mup' = 1/d_head. */
  scale?: AttnScale;
  /** Weight scale σ (default 1): W ~ N(0, σ²/d). */
  sigma?: number;
  /** Causal mask (default true). */
  causal?: boolean;
}

/** Row t of a [.., T, T] block is softmaxed over u < len(t) = t + 1 (causal) or T. */
function softmaxRows(S: FloatArray, A: FloatArray, T: number, s: number, causal: boolean): void {
  const blocks = S.length / (T * T);
  for (let b = 0; b < blocks; b++) {
    for (let t = 0; t < T; t++) {
      const o = (b * T + t) * T, len = causal ? t + 1 : T;
      let m = -Infinity;
      for (let u = 0; u < len; u++) { const v = s * S[o + u]; if (v > m) m = v; }
      let z = 0;
      for (let u = 0; u < len; u++) { const e = libm.exp(s * S[o + u] - m); A[o + u] = e; z += e; }
      const inv = 1 / z;
      for (let u = 0; u < len; u++) A[o + u] *= inv;
    }
  }
}

/** out = s·A ⊙ (g − c) row by row, c = Σ_u g A over the kept entries (masked entries stay 0). */
function softmaxVjpRows(G: FloatArray, A: FloatArray, out: FloatArray, T: number, s: number, causal: boolean): void {
  const blocks = A.length / (T * T);
  for (let b = 0; b < blocks; b++) {
    for (let t = 0; t < T; t++) {
      const o = (b * T + t) * T, len = causal ? t + 1 : T;
      let c = 0;
      for (let u = 0; u < len; u++) c += G[o + u] * A[o + u];
      for (let u = 0; u < len; u++) out[o + u] = s * A[o + u] * (G[o + u] - c);
    }
  }
}

function checkScores(op: string, S: Tensor): number {
  const T = S.shape[S.rank - 1];
  if (S.rank < 2 || S.shape[S.rank - 2] !== T || !(S.dtype === 'f32' || S.dtype === 'f64')) {
    throw new Error(`${op}: scores must be a float [.., T, T] tensor, got ${S.dtype} ${fmtShape(S.shape)}`);
  }
  return T;
}

/** F(g, A) = s·A ⊙ (g − Σ_u g A), the reverse rule of attentionWeights; bilinear in (g, A). */
function attentionWeightsVjp(g: Tensor, A: Tensor, s: number, causal: boolean): Tensor {
  const T = checkScores('attentionWeightsVjp', A);
  const out = allocate(A.dtype as 'f32' | 'f64', A.size);
  softmaxVjpRows(g.data as FloatArray, A.data as FloatArray, out, T, s, causal);
  return make('attentionWeightsVjp', out, A.shape, [g, A], (h, needs) => {
    const c = needs[1] ? sum(mul(g, A), -1, true) : null;
    return [
      needs[0] ? attentionWeightsVjp(h, A, s, causal) : null,
      needs[1] ? scale(sub(mul(h, sub(g, c!)), mul(g, sum(mul(h, A), -1, true))), s) : null,
    ];
  });
}

/**
 * Attention weights softmax_u(s·S_tu) over the last axis of scores S [.., T, T], causal (u ≤ t
 * only; the rest is exactly 0) or full. Exact to any order of derivative.
 */
export function attentionWeights(S: Tensor, s: number, causal = true): Tensor {
  const T = checkScores('attentionWeights', S);
  const out = allocate(S.dtype as 'f32' | 'f64', S.size);
  softmaxRows(S.data as FloatArray, out, T, s, causal);
  const A: Tensor = make('attentionWeights', out, S.shape, [S], (g) => [attentionWeightsVjp(g, A, s, causal)]);
  return A;
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
      const raw = matmulT(q, k, false, true); // QKᵀ [B, H, T, T]
      if (ctx.capture) ctx.capture(`${ctx.prefix}scores`, scale(raw, s));
      const A = attentionWeights(raw, s, causal);
      const heads_ = matmulT(A, v); // [B, H, T, dh]
      const merged = reshape(permute(heads_, [0, 2, 1, 3]), [B, T, d]);
      const y = matmulT(merged, Wo, false, true);
      ctx.capture?.(`${ctx.prefix}preact`, y);
      return y;
    },
  };
}
