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

// ---------------------------------------------------------------------------------------------
// Charges of the symmetry groups of a nonlinear network (Kunin et al. 2021; theory/noether.ts).

/**
 * Per hidden neuron k of a homogeneous (ReLU) layer h = σ(W_in x + b_in) read out by W_out:
 * incoming ‖W_in[k, :]‖² + b_in[k]² and outgoing ‖W_out[:, k]‖² (W_in: m × d, W_out: c × m).
 */
export function neuronNorms(Win: Mat, bIn: ArrayLike<number> | null, Wout: Mat): { incoming: Float64Array; outgoing: Float64Array } {
  const m = Win.rows;
  if (Wout.cols !== m) throw new RangeError(`neuronNorms.Wout: must have ${m} columns (one per neuron of W_in), got ${Wout.cols}`);
  if (bIn && bIn.length !== m) throw new RangeError(`neuronNorms.bIn: must have ${m} entries, got ${bIn.length}`);
  const incoming = new Float64Array(m), outgoing = new Float64Array(m);
  for (let k = 0; k < m; k++) {
    let s = bIn ? bIn[k] * bIn[k] : 0;
    for (let j = 0; j < Win.cols; j++) { const w = Win.data[k * Win.cols + j]; s += w * w; }
    incoming[k] = s;
  }
  for (let c = 0; c < Wout.rows; c++) for (let k = 0; k < m; k++) { const w = Wout.data[c * m + k]; outgoing[k] += w * w; }
  return { incoming, outgoing };
}

/** Rescale charges Δ_k = ‖w_in,k‖² + b_k² − ‖w_out,k‖², conserved under gradient flow for a ReLU neuron. */
export function rescaleCharges(Win: Mat, bIn: ArrayLike<number> | null, Wout: Mat): Float64Array {
  const { incoming, outgoing } = neuronNorms(Win, bIn, Wout);
  return incoming.map((v, k) => v - outgoing[k]);
}

/**
 * Translation charges of a softmax readout z = W h + b (W: c × m): the column sums Σ_c W[c, j]
 * (m entries) followed by Σ_c b_c when b is given; conserved because softmax ignores a shift
 * shared by all logits.
 */
export function translationCharges(W: Mat, b?: ArrayLike<number>): Float64Array {
  if (b && b.length !== W.rows) throw new RangeError(`translationCharges.b: must have ${W.rows} entries, got ${b.length}`);
  const S = new Float64Array(W.cols + (b ? 1 : 0));
  for (let c = 0; c < W.rows; c++) for (let j = 0; j < W.cols; j++) S[j] += W.data[c * W.cols + j];
  if (b) for (let c = 0; c < W.rows; c++) S[W.cols] += b[c];
  return S;
}

/** Scale charge ‖θ_A‖² of a group of parameter blocks (e.g. the weights and bias feeding a norm layer). */
export function squaredNorm(...blocks: ArrayLike<number>[]): number {
  let s = 0;
  for (const a of blocks) for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return s;
}
