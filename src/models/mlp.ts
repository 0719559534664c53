/**
 * Fully connected network f(x) = W_L φ(⋯ φ(W_1 x + b_1) ⋯) + b_L with inputs as rows.
 *
 * Parameterizations (Jacot et al. 2018; Lee et al. 2019; neural-tangents' convention):
 *   standard: W_ij ~ N(0, σ_w²/fan_in), b ~ N(0, σ_b²),  layer = h Wᵀ + b
 *   ntk:      W_ij ~ N(0, 1),          b ~ N(0, 1),     layer = (σ_w/√fan_in) h Wᵀ + σ_b b
 * Both give the same function distribution at init; they differ in how gradients scale with
 * width, which is what the NTK limit (and later μP) is about. `outputScale` multiplies f
 * (the α of lazy-vs-rich training).
 */
import type { DType } from '../engine/dtype.js';
import type { Rng } from '../engine/rng.js';
import { Tensor, randn, zeros } from '../engine/tensor.js';
import { add, erf, matmulT, relu, scale, tanh } from '../engine/ops.js';

export type Activation = 'relu' | 'tanh' | 'erf' | 'linear';
export type Parameterization = 'standard' | 'ntk';

export interface MlpSpec {
  widths: number[];
  activation: Activation;
  bias?: boolean;
  parameterization?: Parameterization;
  sigmaW?: number;
  sigmaB?: number;
  outputScale?: number;
}

const defaults = (s: MlpSpec) => ({
  bias: s.bias ?? true,
  param: s.parameterization ?? 'standard',
  sigmaW: s.sigmaW ?? (s.activation === 'relu' ? Math.SQRT2 : 1),
  sigmaB: s.sigmaB ?? 0,
  outputScale: s.outputScale ?? 1,
});

/** Parameters in order [W1, b1, W2, b2, …] (biases omitted when bias = false). */
export function initMlp(spec: MlpSpec, rng: Rng, dtype: DType = 'f64'): Tensor[] {
  const d = defaults(spec);
  const params: Tensor[] = [];
  for (let l = 1; l < spec.widths.length; l++) {
    const fanIn = spec.widths[l - 1], fanOut = spec.widths[l];
    const r = rng.split(`layer${l}`);
    const std = d.param === 'ntk' ? 1 : d.sigmaW / Math.sqrt(fanIn);
    params.push(randn(r.split('W'), [fanOut, fanIn], std, dtype));
    if (d.bias) {
      const bstd = d.param === 'ntk' ? 1 : d.sigmaB;
      params.push(bstd > 0 ? randn(r.split('b'), [fanOut], bstd, dtype) : zeros([fanOut], dtype));
    }
  }
  return params;
}

export function activate(h: Tensor, act: Activation): Tensor {
  return act === 'relu' ? relu(h) : act === 'tanh' ? tanh(h) : act === 'erf' ? erf(h) : h;
}

export function mlpForward(spec: MlpSpec, params: Tensor[], X: Tensor): Tensor {
  const d = defaults(spec);
  const L = spec.widths.length - 1;
  const per = d.bias ? 2 : 1;
  let h = X;
  for (let l = 0; l < L; l++) {
    const W = params[per * l];
    let z = matmulT(h, W, false, true);
    if (d.param === 'ntk') z = scale(z, d.sigmaW / Math.sqrt(spec.widths[l]));
    if (d.bias) z = add(z, d.param === 'ntk' ? scale(params[per * l + 1], d.sigmaB) : params[per * l + 1]);
    h = l < L - 1 ? activate(z, spec.activation) : z;
  }
  return d.outputScale === 1 ? h : scale(h, d.outputScale);
}
