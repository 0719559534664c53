/**
 * Normalization over the last axis (d features), with a trained gain g (role 'norm-gain', init 1)
 * and, for LayerNorm, a shift β (role 'norm-bias', init 0):
 *   LayerNorm (Ba, Kiros & Hinton 2016):  y = (x − μ)/√(σ² + ε) ⊙ g + β,  μ, σ² the mean and
 *                                         (biased) variance over the d features
 *   RMSNorm (Zhang & Sennrich 2019):      y = x/√(mean(x²) + ε) ⊙ g
 * No kernel map is attached: the limit of the normalized representation is q/√(q₁q₂), but the
 * gains' tangent contribution and the mean subtraction of non-centred inputs are not modelled here.
 *
 * LayerNorm's standardization x̂ = (x − μ)·r, r = (σ² + ε)^{−1/2}, is one fused op (one pass per
 * row). With ⟨·⟩ the mean over the row and the symmetric projection P(v) = v − ⟨v⟩ − x̂⟨x̂ v⟩,
 *   dx̂ = r·P(dx),   so its reverse rule is V(g, x) = r·P(g)          (fused too),
 * and V's reverse rule, needed for exact Hessian-vector products, is (m = ⟨g x̂⟩)
 *   ∂V/∂g ᵀh = V(h, x),   ∂V/∂x ᵀh = −r·[⟨h V⟩ x̂ + r·P(m h + ⟨h x̂⟩ g)],
 * written in differentiable ops (from dr = −r²⟨x̂ dx⟩ and dm = ⟨g dx̂⟩).
 */
import { add, addScalar, make, mean, mul, neg, rsqrt, square, sub } from '../../engine/ops.js';
import { allocate, type FloatArray } from '../../engine/dtype.js';
import { Tensor, fmtShape } from '../../engine/tensor.js';
import { param } from '../param.js';
import type { Layer, ParamInfo } from '../types.js';

/** x̂ and r = (σ² + ε)^{−1/2} of each row of length d (two passes over the row, f64 sums). */
function standardizeRows(x: FloatArray, d: number, eps: number, xhat: FloatArray, r: Float64Array): void {
  const rows = r.length;
  for (let i = 0; i < rows; i++) {
    const o = i * d;
    let s = 0;
    for (let j = 0; j < d; j++) s += x[o + j];
    const mu = s / d;
    let q = 0;
    for (let j = 0; j < d; j++) { const c = x[o + j] - mu; q += c * c; }
    const ri = 1 / Math.sqrt(q / d + eps);
    r[i] = ri;
    for (let j = 0; j < d; j++) xhat[o + j] = (x[o + j] - mu) * ri;
  }
}

/** out = r·(g − ⟨g⟩ − x̂⟨g x̂⟩) row by row. */
function projectRows(g: FloatArray, xhat: FloatArray, r: Float64Array, d: number, out: FloatArray): void {
  for (let i = 0; i < r.length; i++) {
    const o = i * d;
    let sg = 0, sgx = 0;
    for (let j = 0; j < d; j++) { const v = g[o + j]; sg += v; sgx += v * xhat[o + j]; }
    const mg = sg / d, mgx = sgx / d, ri = r[i];
    for (let j = 0; j < d; j++) out[o + j] = ri * (g[o + j] - mg - xhat[o + j] * mgx);
  }
}

/** The composed route to x̂ and r (differentiable to any order): used by V's reverse rule. */
function standardizeComposed(x: Tensor, eps: number): { xhat: Tensor; r: Tensor } {
  const c = sub(x, mean(x, -1, true));
  const r = rsqrt(addScalar(mean(square(c), -1, true), eps));
  return { xhat: mul(c, r), r };
}

const project = (v: Tensor, xhat: Tensor): Tensor =>
  sub(sub(v, mean(v, -1, true)), mul(xhat, mean(mul(v, xhat), -1, true)));

/** V(g, x) = r·P(g): the reverse rule of standardize (xhat, r cached from its forward pass). */
function standardizeVjp(g: Tensor, x: Tensor, eps: number, xhat: FloatArray, r: Float64Array): Tensor {
  const d = x.shape[x.rank - 1];
  const out = allocate(x.dtype as 'f32' | 'f64', x.size);
  projectRows(g.data as FloatArray, xhat, r, d, out);
  const V: Tensor = make('standardizeVjp', out, x.shape, [g, x], (h, needs) => {
    const dg = needs[0] ? standardizeVjp(h, x, eps, xhat, r) : null;
    if (!needs[1]) return [dg, null];
    const c = standardizeComposed(x, eps);
    const m = mean(mul(g, c.xhat), -1, true);
    const hV = mean(mul(h, V), -1, true), hx = mean(mul(h, c.xhat), -1, true);
    const inner = project(add(mul(m, h), mul(hx, g)), c.xhat);
    return [dg, neg(mul(c.r, add(mul(hV, c.xhat), mul(c.r, inner))))];
  });
  return V;
}

/** x̂ = (x − μ)/√(σ² + ε) over the last axis, one fused op; exact to any order of derivative. */
export function standardize(x: Tensor, eps = 1e-5): Tensor {
  if (x.rank < 1 || !(x.dtype === 'f32' || x.dtype === 'f64')) throw new Error(`standardize: x must be a float tensor of rank ≥ 1, got ${x.dtype} ${fmtShape(x.shape)}`);
  if (!(eps >= 0)) throw new RangeError(`standardize.eps: must be ≥ 0 (got ${eps})`);
  const d = x.shape[x.rank - 1];
  const xhat = allocate(x.dtype, x.size);
  const r = new Float64Array(d === 0 ? 0 : x.size / d);
  standardizeRows(x.data as FloatArray, d, eps, xhat, r);
  return make('standardize', xhat, x.shape, [x], (g) => [standardizeVjp(g, x, eps, xhat, r)]);
}

export interface NormOptions {
  /** ε added to the variance (default 1e-5). */
  eps?: number;
  /** Trained gain (and LayerNorm shift); default true. */
  affine?: boolean;
}

function normLayer(kind: 'layerNorm' | 'rmsNorm', opts: NormOptions): Layer {
  const eps = opts.eps ?? 1e-5, affine = opts.affine ?? true;
  if (!(eps >= 0)) throw new RangeError(`${kind}.eps: must be ≥ 0 (got ${eps})`);
  return {
    spec: { type: kind, eps, affine },
    declare(inShape, prefix) {
      if (inShape.length < 1) throw new RangeError(`${kind}: input shape must have at least one axis`);
      const d = inShape[inShape.length - 1];
      const params: ParamInfo[] = [];
      if (affine) {
        params.push(param({ name: `${prefix}gain`, shape: [d], role: 'norm-gain', fanIn: 1, fanOut: d, inIsWidth: false, outIsWidth: true, init: { kind: 'ones' } }));
        if (kind === 'layerNorm') params.push(param({ name: `${prefix}shift`, shape: [d], role: 'norm-bias', fanIn: 1, fanOut: d, inIsWidth: false, outIsWidth: true, init: { kind: 'zeros' } }));
      }
      return { params, outShape: inShape.slice() };
    },
    apply(params, x) {
      let y;
      if (kind === 'layerNorm') {
        y = standardize(x, eps);
      } else {
        y = mul(x, rsqrt(addScalar(mean(square(x), -1, true), eps)));
      }
      if (affine) {
        y = mul(y, params[0]);
        if (kind === 'layerNorm') y = add(y, params[1]);
      }
      return y;
    },
  };
}

export const layerNorm = (opts: NormOptions = {}): Layer => normLayer('layerNorm', opts);
export const rmsNorm = (opts: NormOptions = {}): Layer => normLayer('rmsNorm', opts);
