/**
 * Gradient-flow conservation law of deep linear networks (and of any layer pair joined by a
 * linear or homogeneous map): G_l = W_{l+1}ᵀW_{l+1} − W_l W_lᵀ is constant under gradient flow
 * (paper §2.3; Du, Hu & Lee 2018). Under GD it drifts by O(η²) per step.
 */
import { type Mat, matmul, transpose, frobenius } from '../engine/linalg/index.js';

export function balanceMatrices(layers: Mat[]): Mat[] {
  const G: Mat[] = [];
  for (let l = 0; l + 1 < layers.length; l++) {
    const A = matmul(transpose(layers[l + 1]), layers[l + 1]);
    const B = matmul(layers[l], transpose(layers[l]));
    for (let i = 0; i < A.data.length; i++) A.data[i] -= B.data[i];
    G.push(A);
  }
  return G;
}

/**
 * Relative drift max_l ‖G_l(t) − G_l(0)‖_F / scale, with scale = max_l ‖W_l W_lᵀ‖_F at time t
 * (the size of the terms whose difference is conserved).
 */
export function conservationDrift(G0: Mat[], layers: Mat[]): number {
  const Gt = balanceMatrices(layers);
  let drift = 0;
  for (let l = 0; l < Gt.length; l++) {
    let s = 0;
    for (let i = 0; i < Gt[l].data.length; i++) s += (Gt[l].data[i] - G0[l].data[i]) ** 2;
    drift = Math.max(drift, Math.sqrt(s));
  }
  let scale = 0;
  for (const W of layers) scale = Math.max(scale, frobenius(matmul(W, transpose(W))));
  return scale > 0 ? drift / scale : drift;
}
