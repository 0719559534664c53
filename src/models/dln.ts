/**
 * Deep linear network f(x) = W_L ⋯ W_1 x (paper eq. 1). Layer l maps R^{d_{l−1}} → R^{d_l};
 * inputs are rows, so a batch X (n × d_0) maps to X W_1ᵀ ⋯ W_Lᵀ.
 */
import type { Rng } from '../engine/rng.js';
import { Tensor, tensor } from '../engine/tensor.js';
import { matmul as tmatmul, transpose as ttranspose } from '../engine/ops.js';
import { type Mat, mat, matmul, randomOrthogonal } from '../engine/linalg/index.js';

export type DlnInit = 'aligned' | 'random';

export function dlnForward(params: Tensor[], X: Tensor): Tensor {
  let h = X;
  for (const W of params) h = tmatmul(h, ttranspose(W));
  return h;
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
