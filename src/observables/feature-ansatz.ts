/**
 * Neural feature ansatz (NFA) estimators (Radhakrishnan, Beaglehole, Pandit & Belkin 2024, Science
 * 383; reference code aradha/agop_feature_learning, ansatz_verification/mlps/verify_deep_NFA.py):
 *
 *   NFM_l  = W_lᵀ W_l                       (d_l × d_l; `removeInit`: (W_l − W_l⁰)ᵀ(W_l − W_l⁰))
 *   AGOP_l = (1/n) Σ_i J_l(x_i)ᵀ J_l(x_i),   J_l = ∂f/∂h_l  (c × d_l),
 *
 * h_l the *input* of layer l (not its pre-activation), summed over the c outputs; the centered
 * variant uses J_l − J̄_l. The ansatz: NFM_l ∝ AGOP_l^s with s = ½ (Radhakrishnan et al.); for an
 * L-layer linear network with balanced init, (W₁ᵀW₁)^L = AGOP₁ exactly, i.e. s = 1/L (derived:
 * AGOP₁ = MᵀM, M = W_L⋯W₁, and W_{l+1}ᵀW_{l+1} = W_lW_lᵀ telescopes MᵀM into (W₁ᵀW₁)^L; Tansley,
 * Massart & Cartis 2025). Correlation = Pearson over matrix entries (subtract the scalar mean of
 * all entries, then cosine); the plain cosine is inflated by the dominant diagonal.
 *
 * Jacobians are exact: for a `tail` map H ↦ F (n × d_l → n × c) acting row by row, one reverse
 * sweep per output c with seed e_c on every row gives row i of ∂f_c/∂h at h_i (the rows do not
 * interact, so the batch gradient of Σ_i f_c(h_i) is the stack of per-example gradients).
 *
 * FACT (Boix-Adserà, Mallinar, Simon & Belkin 2025, arXiv 2507.05644): at a stationary point of
 * L(W) + (λ/2)‖W‖² one has W = −∇_W L/λ, so WᵀW = −(1/λ)(∇_W L)ᵀW; the residual
 * ‖WᵀW − FACT‖_F/‖WᵀW‖_F = ‖(∇_W L + λW)ᵀW‖_F/(λ‖WᵀW‖_F) vanishes with the stationarity residual.
 */
import { vjp } from '../engine/autodiff.js';
import { type Mat, eigh, mat, qr } from '../engine/linalg/index.js';
import { Tensor, tensor } from '../engine/tensor.js';
import * as libm from '../engine/libm.js';

/** Per-example Jacobians of a row-wise map: J[(i·c + k)·d + j] = ∂f_k/∂h_j at row i. */
export interface Jacobians {
  n: number;
  /** Outputs. */
  c: number;
  /** Input dimension of the layer. */
  d: number;
  data: Float64Array;
}

/**
 * Exact Jacobians ∂tail(h)/∂h at every row of H, by c reverse sweeps. `tail` must act on each row
 * independently (dense, elementwise, row-wise norms; not batch norm) and return an n × c tensor
 * (or n values for a scalar output).
 */
export function layerInputJacobians(tail: (H: Tensor) => Tensor, H: Mat): Jacobians {
  const n = H.rows, d = H.cols;
  if (n < 1 || d < 1) throw new RangeError(`layerInputJacobians.H: needs at least one row and column (got ${n}×${d})`);
  const Ht = tensor(Float64Array.from(H.data), [n, d]);
  const out = tail(Ht);
  if (out.shape[0] !== n || out.size % n !== 0) throw new RangeError(`layerInputJacobians.tail: must return n = ${n} rows (got shape [${out.shape.join(',')}])`);
  const c = out.size / n;
  const data = new Float64Array(n * c * d);
  for (let k = 0; k < c; k++) {
    const seed = new Float64Array(n * c);
    for (let i = 0; i < n; i++) seed[i * c + k] = 1;
    const [g] = vjp(tail, [Ht], new Tensor(seed, out.shape));
    for (let i = 0; i < n; i++) data.set(g.data.subarray(i * d, (i + 1) * d), (i * c + k) * d);
  }
  return { n, c, d, data };
}

/**
 * AGOP = (1/n) Σ_i J_iᵀJ_i (d × d), summed over outputs. `centered`: J_i − J̄ with J̄ the mean
 * Jacobian (the covariance of the gradients instead of their second moment).
 */
export function agop(J: Jacobians, opts: { centered?: boolean } = {}): Mat {
  const { n, c, d, data } = J;
  const mean = new Float64Array(c * d);
  if (opts.centered) {
    for (let i = 0; i < n; i++) for (let q = 0; q < c * d; q++) mean[q] += data[i * c * d + q] / n;
  }
  const G = mat(d, d);
  const row = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < c; k++) {
      const o = (i * c + k) * d;
      for (let a = 0; a < d; a++) row[a] = data[o + a] - mean[k * d + a];
      for (let a = 0; a < d; a++) {
        const ra = row[a] / n;
        if (ra === 0) continue;
        for (let b = 0; b < d; b++) G.data[a * d + b] += ra * row[b];
      }
    }
  }
  return G;
}

/** Neural feature matrix WᵀW (d_in × d_in) of a layer W (d_out × d_in); with W0: (W − W0)ᵀ(W − W0). */
export function nfm(W: Mat, W0?: Mat): Mat {
  if (W0 && (W0.rows !== W.rows || W0.cols !== W.cols)) throw new RangeError(`nfm.W0: must be ${W.rows}×${W.cols} like W (got ${W0.rows}×${W0.cols})`);
  const { rows, cols } = W;
  const D = W0 ? W.data.map((w, i) => w - W0.data[i]) : W.data;
  const M = mat(cols, cols);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let a = 0; a < cols; a++) {
      const wa = D[o + a];
      if (wa === 0) continue;
      for (let b = 0; b < cols; b++) M.data[a * cols + b] += wa * D[o + b];
    }
  }
  return M;
}

/**
 * A^p for a symmetric positive semidefinite A, by eigh: V diag(λ^p) Vᵀ. Eigenvalues at or below
 * `cutoff`·λ_max (default 1e-12: the rank cut-off of a float64 eigensolver, whose error on each
 * eigenvalue is a few n·ε·‖A‖) are set to 0, so that roundoff in a null direction does not
 * become (1e-16)^p. Requires p > 0.
 */
export function matrixPower(A: Mat, p: number, opts: { cutoff?: number } = {}): Mat {
  if (A.rows !== A.cols) throw new RangeError(`matrixPower.A: must be square (got ${A.rows}×${A.cols})`);
  if (!(p > 0) || !Number.isFinite(p)) throw new RangeError(`matrixPower.p: must be finite and > 0 (got ${p})`);
  const cutoff = opts.cutoff ?? 1e-12;
  if (!(cutoff >= 0 && cutoff < 1)) throw new RangeError(`matrixPower.cutoff: must be in [0, 1) (got ${cutoff})`);
  const n = A.rows;
  const { values, vectors: V } = eigh(A);
  const top = Math.max(0, ...values);
  const f = Array.from(values, (l) => (l > cutoff * top ? (p === 1 ? l : p === 0.5 ? Math.sqrt(l) : libm.pow(l, p)) : 0));
  const out = mat(n, n);
  for (let k = 0; k < n; k++) {
    if (f[k] === 0) continue;
    for (let a = 0; a < n; a++) {
      const va = f[k] * V.data[a * n + k];
      if (va === 0) continue;
      for (let b = 0; b < n; b++) out.data[a * n + b] += va * V.data[b * n + k];
    }
  }
  return out;
}

function sameSize(where: string, A: Mat, B: Mat): void {
  if (A.rows !== B.rows || A.cols !== B.cols) throw new RangeError(`${where}: B must be ${A.rows}×${A.cols} like A (got ${B.rows}×${B.cols})`);
}

/** Pearson correlation of the entries of A and B: subtract each matrix's mean entry, then cosine. */
export function pearsonEntries(A: Mat, B: Mat): number {
  sameSize('pearsonEntries', A, B);
  const N = A.data.length;
  let ma = 0, mb = 0;
  for (let i = 0; i < N; i++) { ma += A.data[i]; mb += B.data[i]; }
  ma /= N; mb /= N;
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < N; i++) {
    const a = A.data[i] - ma, b = B.data[i] - mb;
    ab += a * b; aa += a * a; bb += b * b;
  }
  return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : NaN;
}

/** Plain cosine ⟨A, B⟩_F/(‖A‖_F‖B‖_F) (no centering; inflated by a dominant diagonal). */
export function cosineEntries(A: Mat, B: Mat): number {
  sameSize('cosineEntries', A, B);
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < A.data.length; i++) { ab += A.data[i] * B.data[i]; aa += A.data[i] * A.data[i]; bb += B.data[i] * B.data[i]; }
  return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : NaN;
}

/** NFA correlation corr(NFM, AGOP^power) (Pearson over entries). */
export function nfaCorrelation(NFM: Mat, AGOP: Mat, power = 0.5): number {
  return pearsonEntries(NFM, power === 1 ? AGOP : matrixPower(AGOP, power));
}

/** The k eigenvectors of a symmetric A with the largest eigenvalues, as the columns of a d × k matrix. */
export function topEigenvectors(A: Mat, k: number): Mat {
  const n = A.rows;
  if (!Number.isInteger(k) || k < 1 || k > n) throw new RangeError(`topEigenvectors.k: must be an integer in [1, ${n}] (got ${k})`);
  const { vectors: V } = eigh(A);
  const out = mat(n, k);
  for (let j = 0; j < k; j++) for (let a = 0; a < n; a++) out.data[a * k + j] = V.data[a * n + (n - 1 - j)];
  return out;
}

/**
 * Subspace alignment ‖P_U V‖_F²/k = mean squared cosine of the principal angles between
 * span(U) and span(V) (d × k each; columns orthonormalized here): 1 for the same subspace,
 * 0 for orthogonal ones, k/d in expectation for a uniformly random V.
 */
export function subspaceAlignment(U: Mat, V: Mat): number {
  if (U.rows !== V.rows || U.cols !== V.cols || U.cols < 1) throw new RangeError(`subspaceAlignment: U and V must both be d×k with k ≥ 1 (got ${U.rows}×${U.cols}, ${V.rows}×${V.cols})`);
  const Qu = qr(U).Q, Qv = qr(V).Q;
  const d = U.rows, k = U.cols;
  let s = 0;
  for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) {
    let dot = 0;
    for (let i = 0; i < d; i++) dot += Qu.data[i * k + a] * Qv.data[i * k + b];
    s += dot * dot;
  }
  return s / k;
}

/** FACT matrix −(1/λ)(∇_W L)ᵀW (d_in × d_in) for a layer W and its loss gradient G (both d_out × d_in). */
export function factMatrix(W: Mat, G: Mat, lambda: number): Mat {
  sameSize('factMatrix', W, G);
  if (!(lambda > 0)) throw new RangeError(`factMatrix.lambda: the weight decay must be > 0 (got ${lambda})`);
  const { rows, cols } = W;
  const F = mat(cols, cols);
  for (let r = 0; r < rows; r++) for (let a = 0; a < cols; a++) {
    const ga = -G.data[r * cols + a] / lambda;
    if (ga === 0) continue;
    for (let b = 0; b < cols; b++) F.data[a * cols + b] += ga * W.data[r * cols + b];
  }
  return F;
}

/** ‖WᵀW − FACT‖_F/‖WᵀW‖_F (0 at any stationary point of L + (λ/2)‖W‖²). */
export function factResidual(W: Mat, G: Mat, lambda: number): number {
  const M = nfm(W), F = factMatrix(W, G, lambda);
  let num = 0, den = 0;
  for (let i = 0; i < M.data.length; i++) { num += (M.data[i] - F.data[i]) ** 2; den += M.data[i] ** 2; }
  return den > 0 ? Math.sqrt(num / den) : NaN;
}
