/**
 * Deep linear network f(x) = W_L ⋯ W_1 x (paper eq. 1). Layer l maps R^{d_{l−1}} → R^{d_l};
 * inputs are rows, so a batch X (n × d_0) maps to X W_1ᵀ ⋯ W_Lᵀ. On nn layers it is
 * serial(W1: dense(d_1, no bias), …, WL: dense(d_L, no bias)) (`dlnModel`); the task-aligned and
 * random initializations below are matrix constructions and stay as plain linear algebra.
 */
import type { FloatDType } from '../engine/dtype.js';
import type { Rng } from '../engine/rng.js';
import { Tensor, tensor } from '../engine/tensor.js';
import { type Mat, mat, matmul, randomOrthogonal } from '../engine/linalg/index.js';
import { namedSerial } from '../nn/combinators.js';
import { dense } from '../nn/layers/dense.js';
import { model, withSpec, type Model } from '../nn/model.js';

export type DlnInit = 'aligned' | 'random';

/**
 * The DLN with widths [d_0, …, d_L] as an nn Model; parameter l is `W${l}.W` [d_l, d_{l−1}], default
 * init N(0, scale²/d_{l−1}) (the distribution of `initRandom`, from the model's own streams).
 */
export function dlnModel(widths: number[], scale = 1, dtype: FloatDType = 'f64'): Model {
  if (!Array.isArray(widths) || widths.length < 2) throw new RangeError(`widths: need at least [inDim, outDim] (got ${JSON.stringify(widths)})`);
  const layer = namedSerial(widths.slice(1).map((w, i) => [`W${i + 1}`, dense(w, { bias: false, sigmaW: scale })]));
  return withSpec(model(layer, [widths[0]], { dtype }), { family: 'dln', widths: widths.slice(), scale, dtype });
}

const cache = new Map<string, Model>();

export function dlnForward(params: Tensor[], X: Tensor): Tensor {
  const widths = [X.shape[1], ...params.map((W) => W.shape[0])];
  const key = widths.join(',');
  let m = cache.get(key);
  if (!m) {
    if (cache.size >= 64) cache.delete(cache.keys().next().value!);
    m = dlnModel(widths);
    cache.set(key, m);
  }
  return m.apply(params, X);
}

export function toMat(t: Tensor): Mat {
  return mat(t.shape[0], t.shape[1], Float64Array.from(t.data));
}

/** W_L ⋯ W_1 as a plain matrix. */
export function endToEnd(layers: Mat[]): Mat {
  let E = layers[0];
  for (let l = 1; l < layers.length; l++) E = matmul(layers[l], E);
  return E;
}

/**
 * Task-aligned, balanced init (Saxe et al.): W_l = R_l · (s₀ I) · R_{l−1}ᵀ with R_0 = V*, R_L = U*
 * and random orthogonal hidden frames. Every mode then starts at u₀ = s₀^L, and the layers are
 * exactly balanced (W_{l+1}ᵀW_{l+1} = W_l W_lᵀ).
 */
export function initAligned(widths: number[], scale: number, U: Mat, V: Mat, rng: Rng): Mat[] {
  const L = widths.length - 1;
  const frames: Mat[] = [V];
  for (let l = 1; l < L; l++) frames.push(randomOrthogonal(widths[l], rng.split(`frame${l}`)));
  frames.push(U);
  const layers: Mat[] = [];
  // Only the r = min_l d_l modes that pass every layer get strength s₀; giving a wide layer
  // more nonzero directions than its neighbours would break the balance W_{l+1}ᵀW_{l+1} = W_lW_lᵀ.
  const r = Math.min(...widths);
  for (let l = 1; l <= L; l++) {
    const dOut = widths[l], dIn = widths[l - 1];
    const Rout = frames[l], Rin = frames[l - 1];
    const W = mat(dOut, dIn);
    for (let i = 0; i < dOut; i++)
      for (let j = 0; j < dIn; j++) {
        let s = 0;
        for (let k = 0; k < r; k++) s += Rout.data[i * dOut + k] * Rin.data[j * dIn + k];
        W.data[i * dIn + j] = scale * s;
      }
    layers.push(W);
  }
  return layers;
}

/** Random init: entries N(0, s₀²/d_{l−1}), so each layer's singular values are of order s₀. */
export function initRandom(widths: number[], scale: number, rng: Rng): Mat[] {
  const layers: Mat[] = [];
  for (let l = 1; l < widths.length; l++) {
    const r = rng.split(`W${l}`);
    layers.push(mat(widths[l], widths[l - 1], r.normals(widths[l] * widths[l - 1], scale / Math.sqrt(widths[l - 1]))));
  }
  return layers;
}

export function matsToTensors(layers: Mat[]): Tensor[] {
  return layers.map((W) => tensor(Float64Array.from(W.data), [W.rows, W.cols]));
}

/** Split a flat θ back into the layer matrices (same order as flatten of the tensors). */
export function layersFromTheta(theta: Float64Array, widths: number[]): Mat[] {
  const layers: Mat[] = [];
  let o = 0;
  for (let l = 1; l < widths.length; l++) {
    const n = widths[l] * widths[l - 1];
    layers.push(mat(widths[l], widths[l - 1], theta.subarray(o, o + n)));
    o += n;
  }
  return layers;
}
