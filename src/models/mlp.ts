/**
 * Fully connected network f(x) = W_L φ(⋯ φ(W_1 x + b_1) ⋯) + b_L with inputs as rows, built from
 * nn layers: serial(layer1: dense, act1: φ, layer2: dense, …, layerL: dense[, output: scale]).
 *
 * Parameterizations (Jacot et al. 2018; Lee et al. 2019; neural-tangents' convention):
 *   standard: W_ij ~ N(0, σ_w²/fan_in), b ~ N(0, σ_b²),  layer = h Wᵀ + b
 *   ntk:      W_ij ~ N(0, 1),          b ~ N(0, 1),     layer = (σ_w/√fan_in) h Wᵀ + σ_b b
 * Both give the same function distribution at init; they differ in how gradients scale with
 * width, which is what the NTK limit (and later μP) is about. In nn terms the NTK
 * parameterization is ParamInfo (init std 1, multiplier σ_w/√fan_in), not another layer.
 * `outputScale` multiplies f (the α of lazy-vs-rich training).
 *
 * Parameter l is named `layer${l}.W` / `layer${l}.b`, so `init` draws it from
 * rng.split(`layer${l}`).split('W' | 'b') — the streams this module has always used.
 */
import type { FloatDType } from '../engine/dtype.js';
import type { Rng } from '../engine/rng.js';
import type { Tensor } from '../engine/tensor.js';
import { erf, relu, tanh } from '../engine/ops.js';
import { activation } from '../nn/layers/activations.js';
import { scaleBy } from '../nn/layers/activations.js';
import { dense } from '../nn/layers/dense.js';
import { namedSerial } from '../nn/combinators.js';
import { model, withSpec, type Model } from '../nn/model.js';
import type { Layer } from '../nn/types.js';

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

/** The layer tree of `spec` (input shape [widths[0]]). */
export function mlpLayers(spec: MlpSpec): Layer {
  if (!Array.isArray(spec.widths) || spec.widths.length < 2) throw new RangeError(`widths: need at least [inDim, outDim] (got ${JSON.stringify(spec.widths)})`);
  const d = defaults(spec);
  const L = spec.widths.length - 1;
  const entries: [string, Layer][] = [];
  for (let l = 1; l <= L; l++) {
    entries.push([`layer${l}`, dense(spec.widths[l], { bias: d.bias, parameterization: d.param, sigmaW: d.sigmaW, sigmaB: d.sigmaB })]);
    if (l < L) entries.push([`act${l}`, activation(spec.activation)]);
  }
  if (d.outputScale !== 1) entries.push(['output', scaleBy(d.outputScale)]);
  return namedSerial(entries);
}

/** The MLP as an nn Model (spec { family: 'mlp', ...spec }). */
export function mlpModel(spec: MlpSpec, dtype: FloatDType = 'f64'): Model {
  const m = model(mlpLayers(spec), [spec.widths[0]], { dtype });
  return withSpec(m, { family: 'mlp', ...spec, dtype });
}

const cache = new Map<string, Model>();
function cached(spec: MlpSpec, dtype: FloatDType): Model {
  const key = JSON.stringify([spec, dtype]);
  let m = cache.get(key);
  if (!m) {
    if (cache.size >= 64) cache.delete(cache.keys().next().value!);
    m = mlpModel(spec, dtype);
    cache.set(key, m);
  }
  return m;
}

/** Parameters in order [W1, b1, W2, b2, …] (biases omitted when bias = false). */
export function initMlp(spec: MlpSpec, rng: Rng, dtype: FloatDType = 'f64'): Tensor[] {
  return cached(spec, dtype).init(rng);
}

export function activate(h: Tensor, act: Activation): Tensor {
  return act === 'relu' ? relu(h) : act === 'tanh' ? tanh(h) : act === 'erf' ? erf(h) : h;
}

export function mlpForward(spec: MlpSpec, params: Tensor[], X: Tensor): Tensor {
  return cached(spec, 'f64').apply(params, X);
}
