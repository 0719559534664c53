/**
 * Normalization over the last axis (d features), with a trained gain g (role 'norm-gain', init 1)
 * and, for LayerNorm, a shift β (role 'norm-bias', init 0):
 *   LayerNorm (Ba, Kiros & Hinton 2016):  y = (x − μ)/√(σ² + ε) ⊙ g + β,  μ, σ² the mean and
 *                                         (biased) variance over the d features
 *   RMSNorm (Zhang & Sennrich 2019):      y = x/√(mean(x²) + ε) ⊙ g
 * No kernel map is attached: the limit of the normalized representation is q/√(q₁q₂), but the
 * gains' tangent contribution and the mean subtraction of non-centred inputs are not modelled here.
 */
import { add, addScalar, mean, mul, rsqrt, square, sub } from '../../engine/ops.js';
import { param } from '../param.js';
import type { Layer, ParamInfo } from '../types.js';

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
        const c = sub(x, mean(x, -1, true));
        y = mul(c, rsqrt(addScalar(mean(square(c), -1, true), eps)));
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
