/**
 * Blocked Householder tridiagonalization and blocked back-transformation, with the level-3
 * work handed to the backend's matmul.
 *
 * Reduction (Dongarra, Sorensen & Hammarling, "Block reduction of matrices to condensed forms
 * for eigenvalue computations", J. Comput. Appl. Math. 27, 1989; LAPACK dsytrd/dlatrd; Golub &
 * Van Loan, Matrix Computations 4th ed., §8.3.1 and §5.1). Step k of the unblocked reduction
 * picks H_k = I − β_k·v_k·v_kᵀ from row k of the current matrix and applies the two-sided update
 *   A ← H_k·A·H_k = A − v_k·w_kᵀ − w_k·v_kᵀ,   p = β·A·v,   w = p − (β/2)(pᵀv)·v.
 * Over a panel of b steps the updates add up, so the current matrix is
 *   A⁽ᵗ⁾ = A⁽⁰⁾ − V_t·W_tᵀ − W_t·V_tᵀ,      V_t = [v₀ … v_{t−1}],  W_t = [w₀ … w_{t−1}],
 * and nothing but the one row that the next reflector is built from has to be formed:
 *   row k of A⁽ᵗ⁾ = row k of A⁽⁰⁾ − Σ_{s<t} (V[k,s]·w_s + W[k,s]·v_s),
 *   A⁽ᵗ⁾·v = A⁽⁰⁾·v − V_t·(W_tᵀv) − W_t·(V_tᵀv).
 * The product A⁽⁰⁾·v (a symmetric matrix–vector product over the trailing upper triangle) is
 * the level-2 half of the flops. At the end of the panel the trailing matrix receives the whole
 * rank-2b update A ← A − [V W]·[W V]ᵀ at once, a matmul (the level-3 half), formed block row by
 * block row so only the upper triangle is computed.
 *
 * Storage is row-major and only the upper triangle is read: row k is column k by symmetry, so
 * reflector k is built from row k, columns k+1.., and v_k (leading 1) is left there, exactly as
 * the unblocked `tridiagonalize` in eigh.ts leaves it.
 *
 * Back-transformation: Q = H₀H₁⋯H_{n−3}, and Q·Z is applied block by block from the last
 * block backwards, each block H_{k0}⋯H_{k1−1} = I − Y·T·Yᵀ in compact WY form (Schreiber &
 * Van Loan, SIAM J. Sci. Stat. Comput. 10, 1989; LAPACK dlarft, forward columnwise:
 * T_tt = β_t, T[0:t, t] = −β_t·T[0:t, 0:t]·(Yᵀy_t)[0:t]), so Z ← Z − Y·(T·(Yᵀ·Z)) is three
 * matmuls. Cost 2·n²·(columns of Z) flops, all level 3.
 */
import { householder } from './matrix.js';
import { backend } from '../backend/index.js';

/** Panel width of the reduction. */
export const TRIDIAG_PANEL = 32;
/** Reflectors per block of the back-transformation. */
const APPLY_BLOCK = 128;
/** Rows per matmul when the rank-2b update is formed block row by block row. */
const UPDATE_ROWS = 192;

/**
 * p[k+1..n) = A[k+1..n, k+1..n]·v over the upper triangle of the row-major n×n array a
 * (p and v indexed globally; only entries k+1.. are read or written).
 */
function symvUpper(a: Float64Array, n: number, k: number, v: Float64Array, p: Float64Array): void {
  p.fill(0, k + 1, n);
  let i = k + 1;
  // Four rows at a time: row i contributes a_ij·v_j to p_i and, by symmetry, a_ij·v_i to p_j.
  for (; i + 3 < n; i += 4) {
    const o0 = i * n, o1 = o0 + n, o2 = o1 + n, o3 = o2 + n;
    const v0 = v[i], v1 = v[i + 1], v2 = v[i + 2], v3 = v[i + 3];
    // The 4×4 diagonal block.
    const a00 = a[o0 + i], a01 = a[o0 + i + 1], a02 = a[o0 + i + 2], a03 = a[o0 + i + 3];
    const a11 = a[o1 + i + 1], a12 = a[o1 + i + 2], a13 = a[o1 + i + 3];
    const a22 = a[o2 + i + 2], a23 = a[o2 + i + 3], a33 = a[o3 + i + 3];
    let acc0 = a00 * v0 + a01 * v1 + a02 * v2 + a03 * v3;
    let acc1 = a01 * v0 + a11 * v1 + a12 * v2 + a13 * v3;
    let acc2 = a02 * v0 + a12 * v1 + a22 * v2 + a23 * v3;
    let acc3 = a03 * v0 + a13 * v1 + a23 * v2 + a33 * v3;
    for (let j = i + 4; j < n; j++) {
      const a0 = a[o0 + j], a1 = a[o1 + j], a2 = a[o2 + j], a3 = a[o3 + j];
      const vj = v[j];
      acc0 += a0 * vj; acc1 += a1 * vj; acc2 += a2 * vj; acc3 += a3 * vj;
      p[j] += a0 * v0 + a1 * v1 + a2 * v2 + a3 * v3;
    }
    p[i] += acc0; p[i + 1] += acc1; p[i + 2] += acc2; p[i + 3] += acc3;
  }
  for (; i < n; i++) {
    const o = i * n, vi = v[i];
    let acc = a[o + i] * vi;
    for (let j = i + 1; j < n; j++) {
      const aij = a[o + j];
      acc += aij * v[j];
      p[j] += aij * vi;
    }
    p[i] += acc;
  }
}

/** a[rowk + c] −= Σ_{s<t} (V[s,k]·W[s,c] + W[s,k]·V[s,c]) for c = k..n−1, two reflectors per pass. */
function panelRowUpdate(
  a: Float64Array, rowk: number, k: number, n: number, V: Float64Array, W: Float64Array, t: number,
): void {
  let s = 0;
  for (; s + 1 < t; s += 2) {
    const o0 = s * n, o1 = o0 + n;
    const v0 = V[o0 + k], w0 = W[o0 + k], v1 = V[o1 + k], w1 = W[o1 + k];
    for (let c = k; c < n; c++) {
      a[rowk + c] -= (v0 * W[o0 + c] + w0 * V[o0 + c]) + (v1 * W[o1 + c] + w1 * V[o1 + c]);
    }
  }
  if (s < t) {
    const o0 = s * n, v0 = V[o0 + k], w0 = W[o0 + k];
    for (let c = k; c < n; c++) a[rowk + c] -= v0 * W[o0 + c] + w0 * V[o0 + c];
  }
}

/**
 * p −= V·(Wᵀv) + W·(Vᵀv) over entries k+1..n−1, with V, W holding t reflectors (rows of length
 * n); two reflectors per pass.
 */
function panelCorrection(
  p: Float64Array, v: Float64Array, k: number, n: number, V: Float64Array, W: Float64Array, t: number,
  dotW: Float64Array, dotV: Float64Array,
): void {
  let s = 0;
  for (; s + 1 < t; s += 2) {
    const o0 = s * n, o1 = o0 + n;
    let dw0 = 0, dv0 = 0, dw1 = 0, dv1 = 0;
    for (let c = k + 1; c < n; c++) {
      const vc = v[c];
      dw0 += W[o0 + c] * vc; dv0 += V[o0 + c] * vc;
      dw1 += W[o1 + c] * vc; dv1 += V[o1 + c] * vc;
    }
    dotW[s] = dw0; dotV[s] = dv0; dotW[s + 1] = dw1; dotV[s + 1] = dv1;
  }
  if (s < t) {
    const o0 = s * n;
    let dw0 = 0, dv0 = 0;
    for (let c = k + 1; c < n; c++) {
      dw0 += W[o0 + c] * v[c];
      dv0 += V[o0 + c] * v[c];
    }
    dotW[s] = dw0; dotV[s] = dv0;
  }
  s = 0;
  for (; s + 1 < t; s += 2) {
    const o0 = s * n, o1 = o0 + n;
    const dw0 = dotW[s], dv0 = dotV[s], dw1 = dotW[s + 1], dv1 = dotV[s + 1];
    for (let c = k + 1; c < n; c++) {
      p[c] -= (V[o0 + c] * dw0 + W[o0 + c] * dv0) + (V[o1 + c] * dw1 + W[o1 + c] * dv1);
    }
  }
  if (s < t) {
    const o0 = s * n, dw0 = dotW[s], dv0 = dotV[s];
    for (let c = k + 1; c < n; c++) p[c] -= V[o0 + c] * dw0 + W[o0 + c] * dv0;
  }
}

/**
 * Householder tridiagonalization in place on the full row-major n×n array a (only its upper
 * triangle is read or written). Writes the diagonal to d, the off-diagonal to e and the
 * reflector scalars to betas (betas[n−2] = 0), and leaves reflector k's vector (leading 1) in
 * row k, columns k+1..n−1. Same contract and, to rounding, same output as the unblocked
 * reduction; `nb` is the panel width.
 */
export function tridiagonalizeBlocked(
  a: Float64Array, n: number, d: Float64Array, e: Float64Array, betas: Float64Array,
  nb = TRIDIAG_PANEL,
): void {
  if (!Number.isInteger(nb) || nb < 1) throw new RangeError(`tridiagonalizeBlocked: nb must be a positive integer, got ${nb}`);
  const count = Math.max(n - 2, 0); // reflectors k = 0..n−3
  // V and W of the current panel, one global-length row per reflector.
  const V = new Float64Array(nb * n), W = new Float64Array(nb * n);
  const v = new Float64Array(n), p = new Float64Array(n), h = new Float64Array(n);
  const dotW = new Float64Array(nb), dotV = new Float64Array(nb);
  const mu = new Float64Array(1);
  // Packed [V W] and [W V] of the trailing rows, and one block row of their product.
  const P = new Float64Array(n * 2 * nb), Q = new Float64Array(n * 2 * nb);
  const C = new Float64Array(Math.min(UPDATE_ROWS, n) * n);
  const mm = backend();
  for (let k0 = 0; k0 < count; k0 += nb) {
    const b = Math.min(nb, count - k0);
    V.fill(0, 0, b * n);
    W.fill(0, 0, b * n);
    for (let t = 0; t < b; t++) {
      const k = k0 + t, rowk = k * n;
      // Row k of the current matrix: subtract the panel's updates so far.
      panelRowUpdate(a, rowk, k, n, V, W, t);
      const len = n - k - 1;
      const beta = householder(a, rowk + k + 1, 1, len, h, mu);
      d[k] = a[rowk + k];
      e[k] = mu[0];
      betas[k] = beta;
      v.fill(0, 0, k + 1);
      for (let i = 0; i < len; i++) {
        v[k + 1 + i] = h[i];
        a[rowk + k + 1 + i] = h[i];
      }
      if (beta === 0) continue; // H_k = I: v_k and w_k stay zero in the panel
      // p = A⁽⁰⁾·v − V·(Wᵀv) − W·(Vᵀv).
      symvUpper(a, n, k, v, p);
      panelCorrection(p, v, k, n, V, W, t, dotW, dotV);
      // w = β·p − (β²/2)(pᵀv)·v.
      let pv = 0;
      for (let c = k + 1; c < n; c++) pv += p[c] * v[c];
      const K = 0.5 * beta * beta * pv;
      const vt = V.subarray(t * n, (t + 1) * n), wt = W.subarray(t * n, (t + 1) * n);
      for (let c = k + 1; c < n; c++) {
        vt[c] = v[c];
        wt[c] = beta * p[c] - K * v[c];
      }
    }
    // Trailing update of rows/cols r0.. : A ← A − [V W]·[W V]ᵀ, upper triangle only.
    const r0 = k0 + b, m2 = n - r0, b2 = 2 * b;
    if (m2 <= 0) continue;
    for (let i = 0; i < m2; i++) {
      const r = r0 + i, o = i * b2;
      for (let t = 0; t < b; t++) {
        const vr = V[t * n + r], wr = W[t * n + r];
        P[o + t] = vr; P[o + b + t] = wr;
        Q[o + t] = wr; Q[o + b + t] = vr;
      }
    }
    for (let i0 = 0; i0 < m2; i0 += UPDATE_ROWS) {
      const rows = Math.min(UPDATE_ROWS, m2 - i0), cols = m2 - i0;
      const out = C.subarray(0, rows * cols);
      mm.matmul(P.subarray(i0 * b2, (i0 + rows) * b2), Q.subarray(i0 * b2, m2 * b2), out, rows, b2, cols, false, true);
      for (let i = 0; i < rows; i++) {
        const g = r0 + i0 + i, o = g * n, oc = i * cols;
        for (let c = i; c < cols; c++) a[o + g - i + c] -= out[oc + c];
      }
    }
  }
  if (n >= 2) {
    d[n - 2] = a[(n - 2) * n + n - 2];
    e[n - 2] = a[(n - 2) * n + n - 1];
    betas[n - 2] = 0;
  }
  if (n >= 1) d[n - 1] = a[n * n - 1];
}

/**
 * Z ← Q·Z in place, where Q = H₀H₁⋯H_{n−3} is left in `a` and `betas` by the reduction and Z
 * is n×cols row-major.
 */
export function applyReflectors(
  a: Float64Array, n: number, betas: Float64Array, Z: Float64Array, cols: number,
  nb = APPLY_BLOCK,
): void {
  const count = Math.max(n - 2, 0);
  if (count === 0 || cols === 0) return;
  const mm = backend();
  const Y = new Float64Array(n * nb);
  const G = new Float64Array(nb * nb), T = new Float64Array(nb * nb);
  const X = new Float64Array(nb * cols), X2 = new Float64Array(nb * cols);
  const out = new Float64Array(n * cols);
  const lastStart = Math.floor((count - 1) / nb) * nb;
  for (let k0 = lastStart; k0 >= 0; k0 -= nb) {
    const bs = Math.min(nb, count - k0);
    const r0 = k0 + 1, m = n - r0; // Y covers rows r0..n−1
    // Y[i, t] = v_{k0+t}[r0 + i]: zero above the leading 1 at i = t.
    const y = Y.subarray(0, m * bs);
    y.fill(0);
    for (let t = 0; t < bs; t++) {
      const k = k0 + t;
      if (betas[k] === 0) continue;
      y[t * bs + t] = 1;
      const o = k * n;
      for (let i = t + 1; i < m; i++) y[i * bs + t] = a[o + r0 + i];
    }
    // T (upper triangular, bs×bs) from the Gram matrix YᵀY.
    const g = G.subarray(0, bs * bs), tt = T.subarray(0, bs * bs);
    mm.matmul(y, y, g, bs, m, bs, true, false);
    tt.fill(0);
    for (let t = 0; t < bs; t++) {
      const beta = betas[k0 + t];
      tt[t * bs + t] = beta;
      if (beta === 0) continue;
      for (let r = 0; r < t; r++) {
        let acc = 0;
        for (let s = r; s < t; s++) acc += tt[r * bs + s] * g[s * bs + t];
        tt[r * bs + t] = -beta * acc;
      }
    }
    const zs = Z.subarray(r0 * cols, n * cols);
    const x = X.subarray(0, bs * cols), x2 = X2.subarray(0, bs * cols), o = out.subarray(0, m * cols);
    mm.matmul(y, zs, x, bs, m, cols, true, false); // Yᵀ·Z
    mm.matmul(tt, x, x2, bs, bs, cols, false, false); // T·Yᵀ·Z
    mm.matmul(y, x2, o, m, bs, cols, false, false); // Y·T·Yᵀ·Z
    for (let i = 0; i < o.length; i++) zs[i] -= o[i];
  }
}
