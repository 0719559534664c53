/**
 * Empirical neural tangent kernel at the current parameters (Jacot, Gabriel & Hongler 2018):
 *
 *   K_oo'(x, x') = Σ_p ∂f_o(x)/∂θ_p · ∂f_o'(x')/∂θ_p,    trace form K(x, x') = Σ_o K_oo(x, x').
 *
 * Rows of the Jacobian J (one per example and output) come from vector–Jacobian products on
 * single examples. K is built block by block: when the whole n·k × P Jacobian would exceed
 * `maxBytes`, blocks of rows are recomputed instead of stored (memory O(block·P), not O(n·P)).
 */
import { Tensor, tensor } from '../engine/tensor.js';
import { vjp } from '../engine/autodiff.js';
import { paramCount } from '../engine/params.js';
import { slice } from '../engine/ops.js';
import { backend } from '../engine/backend/index.js';
import { type Mat, mat } from '../engine/linalg/index.js';

export type Forward = (params: Tensor[], X: Tensor) => Tensor;

/** Jacobian rows for examples [start, end): row (i·k + o) = ∇θ f_o(x_i). */
export function jacobianRows(forward: Forward, params: Tensor[], X: Tensor, start: number, end: number, outputs: number): Float64Array {
  const P = paramCount(params);
  const rows = new Float64Array((end - start) * outputs * P);
  for (let i = start; i < end; i++) {
    const xi = slice(X, 0, i, i + 1);
    for (let o = 0; o < outputs; o++) {
      const u = new Float64Array(outputs);
      u[o] = 1;
      const gs = vjp((...ps) => forward(ps, xi), params, tensor(u, [1, outputs], X.dtype));
      let off = ((i - start) * outputs + o) * P;
      for (const g of gs) { rows.set(g.data, off); off += g.size; }
    }
  }
  return rows;
}

export interface NtkOptions {
  /** 'trace': n1 × n2 kernel summed over outputs; 'full': (n1·k) × (n2·k) with output blocks. */
  mode?: 'trace' | 'full';
  /** Largest Jacobian block kept in memory at once (default 256 MiB). */
  maxBytes?: number;
}

/** Empirical NTK between X1 and X2 (X2 defaults to X1). */
export function empiricalNtk(forward: Forward, params: Tensor[], X1: Tensor, X2?: Tensor, opts: NtkOptions = {}): Mat {
  const same = X2 === undefined;
  const Xb = X2 ?? X1;
  const k = forward(params, slice(X1, 0, 0, 1)).shape[1] ?? 1;
  const P = paramCount(params);
  const mode = opts.mode ?? 'trace';
  const n1 = X1.shape[0], n2 = Xb.shape[0];
  const rowBytes = k * P * 8;
  const block = Math.max(1, Math.floor((opts.maxBytes ?? 256 * 2 ** 20) / (2 * rowBytes)));
  const K = mode === 'trace' ? mat(n1, n2) : mat(n1 * k, n2 * k);
  const cols = K.cols;
  for (let a = 0; a < n1; a += block) {
    const aEnd = Math.min(n1, a + block);
    const Ja = jacobianRows(forward, params, X1, a, aEnd, k);
    for (let b = same ? a : 0; b < n2; b += block) {
      const bEnd = Math.min(n2, b + block);
      const Jb = same && b === a ? Ja : jacobianRows(forward, params, Xb, b, bEnd, k);
      // Gram block G = J_a J_bᵀ on the active backend (the O(n²P) part).
      const ra = (aEnd - a) * k, rb = (bEnd - b) * k;
      const G = new Float64Array(ra * rb);
      backend().matmul(Ja, Jb, G, ra, P, rb, false, true);
      for (let i = a; i < aEnd; i++)
        for (let j = b; j < bEnd; j++)
          for (let o = 0; o < k; o++)
            for (let o2 = 0; o2 < k; o2++) {
              if (mode === 'trace' && o !== o2) continue;
              const s = G[((i - a) * k + o) * rb + (j - b) * k + o2];
              if (mode === 'trace') {
                K.data[i * cols + j] += s;
                if (same && b !== a) K.data[j * cols + i] += s;
              } else {
                K.data[(i * k + o) * cols + j * k + o2] = s;
                if (same && b !== a) K.data[(j * k + o2) * cols + i * k + o] = s;
              }
            }
    }
  }
  return K;
}
