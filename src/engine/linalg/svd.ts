/**
 * Thin singular value decomposition A = U·diag(S)·Vᵀ by the Golub–Reinsch algorithm.
 *
 * 1. Golub–Kahan bidiagonalization Uᵦᵀ·A·Vᵦ = B with alternating left and right Householder
 *    reflections (Golub & Van Loan, Matrix Computations 4th ed., Alg. 5.4.2). AᵀA is never
 *    formed, so small singular values keep their absolute accuracy ε·‖A‖.
 * 2. U and V formed by blocked backward accumulation of the reflectors (GVL §5.1).
 * 3. Implicit-shift QR on the bidiagonal (Golub–Kahan SVD step, GVL Alg. 8.6.1–8.6.2): the
 *    shift is the Wilkinson shift of the trailing 2×2 block of BᵀB (computed from entries of B,
 *    not by forming BᵀB); a zero on the diagonal is chased out with rotations so the matrix
 *    splits. The steps' right and left rotations are recorded and applied to V and U in
 *    batches, as recurrences along contiguous rows (see `applyRotations` in eigh.ts).
 *
 * Wide matrices are handled through the transpose: A = U·S·Vᵀ ⇔ Aᵀ = V·S·Uᵀ.
 *
 * When the active backend carries LAPACK (`backend().svd`, the native backend), the scaled
 * matrix goes to dgesdd instead (and back here if dgesdd reports no convergence).
 */
import { RotationBatch, pythag } from './eigh.js';
import { accumulateReflectors, householder, transpose, type Mat } from './matrix.js';
import { backend } from '../backend/index.js';

const EPS = 2.220446049250313e-16;
/** Normwise deflation threshold in units of ε·‖B‖ (as in tridiagonalQR). */
const DEFLATE = 4;

export interface SvdResult {
  /** rows×r with orthonormal columns, r = min(rows, cols). */
  U: Mat;
  /** The r singular values, descending and non-negative. */
  S: Float64Array;
  /** cols×r with orthonormal columns. */
  V: Mat;
}

/** Apply one rotation to columns (i, j) of a row-major matrix: col_i ← c·col_i + s·col_j, col_j ← −s·col_i + c·col_j. */
function rotateColumns(M: Float64Array, rows: number, ld: number, i: number, j: number, c: number, s: number): void {
  for (let r = 0; r < rows; r++) {
    const o = r * ld;
    const x = M[o + i], y = M[o + j];
    M[o + i] = c * x + s * y;
    M[o + j] = c * y - s * x;
  }
}

/**
 * Diagonalize the upper bidiagonal matrix with diagonal d[0..n) and superdiagonal e[0..n−1)
 * in place; the left rotations are accumulated into U (urows×n, row-major) and the right ones
 * into V (vrows×n). On return d holds the singular values up to sign and order.
 */
export function bidiagonalQR(
  d: Float64Array, e: Float64Array, n: number,
  U: Float64Array, urows: number, V: Float64Array, vrows: number,
): void {
  if (n <= 1) return;
  let bnorm = 0;
  for (let i = 0; i < n; i++) bnorm = Math.max(bnorm, Math.abs(d[i]) + (i < n - 1 ? Math.abs(e[i]) : 0));
  const small = DEFLATE * EPS * bnorm;
  const right = new RotationBatch(V, vrows, n, n);
  const left = new RotationBatch(U, urows, n, n);
  const maxIter = 40 * n;
  let iter = 0;
  let q = n - 1;
  while (q > 0) {
    // The unreduced block [p, q] ending at q.
    let p = q;
    while (p > 0) {
      const t = Math.abs(e[p - 1]);
      if (t <= EPS * (Math.abs(d[p - 1]) + Math.abs(d[p])) || t <= small) {
        e[p - 1] = 0;
        break;
      }
      p--;
    }
    if (p === q) {
      q--;
      continue;
    }
    // A negligible diagonal entry: chase its row's (or, at the bottom, its column's)
    // off-diagonal entry out with rotations, which splits the block (GVL §8.6).
    let z = -1;
    for (let i = p; i <= q; i++) {
      if (Math.abs(d[i]) <= small) {
        d[i] = 0;
        z = i;
        break;
      }
    }
    if (z >= 0) {
      // These rotations are not adjacent-column sweeps: bring U and V up to date first.
      left.flush();
      right.flush();
      if (z < q) {
        // Left rotations on rows (j, z), j = z+1..q, move the entry f = B[z, j] rightwards.
        let f = e[z];
        e[z] = 0;
        for (let j = z + 1; j <= q && f !== 0; j++) {
          const r = pythag(d[j], f);
          const c = d[j] / r, s = f / r;
          d[j] = r;
          if (j < q) {
            f = -s * e[j];
            e[j] *= c;
          }
          rotateColumns(U, urows, n, j, z, c, s);
        }
      } else {
        // Right rotations on columns (j, q), j = q−1..p, move f = B[j, q] upwards.
        let f = e[q - 1];
        e[q - 1] = 0;
        for (let j = q - 1; j >= p && f !== 0; j--) {
          const r = pythag(d[j], f);
          const c = d[j] / r, s = f / r;
          d[j] = r;
          if (j > p) {
            f = -s * e[j - 1];
            e[j - 1] *= c;
          }
          rotateColumns(V, vrows, n, j, q, c, s);
        }
      }
      continue;
    }
    if (++iter > maxIter) throw new Error(`svd: bidiagonal QR did not converge after ${maxIter} iterations (n = ${n})`);
    // Wilkinson shift from the trailing 2×2 block of BᵀB.
    const dq = d[q], dq1 = d[q - 1], eq1 = e[q - 1], eq2 = q - 1 > p ? e[q - 2] : 0;
    const t11 = dq1 * dq1 + eq2 * eq2, t12 = dq1 * eq1, t22 = dq * dq + eq1 * eq1;
    const delta = 0.5 * (t11 - t22);
    const h = Math.hypot(delta, t12);
    const mu = t22 - (t12 * t12) / (delta >= 0 ? delta + h : delta - h);
    // Golub–Kahan step: a right rotation starts the implicit QR step on BᵀB − μI, then
    // alternating left/right rotations chase the bulge down the bidiagonal.
    let y = d[p] * d[p] - mu;
    let zz = d[p] * e[p];
    const cr = right.c, sr = right.s, ar = right.sweep(p, q) - p;
    const cl = left.c, sl = left.s, al = left.sweep(p, q) - p;
    for (let k = p; k < q; k++) {
      // Right rotation on columns (k, k+1) zeroing zz against y.
      let r = pythag(y, zz);
      let c = 1, s = 0;
      if (r !== 0) { c = y / r; s = zz / r; }
      if (k > p) e[k - 1] = r;
      const dk = d[k], ek = e[k], dk1 = d[k + 1];
      y = c * dk + s * ek;
      e[k] = c * ek - s * dk;
      zz = s * dk1;
      d[k + 1] = c * dk1;
      cr[ar + k] = c; sr[ar + k] = s;
      // Left rotation on rows (k, k+1) zeroing the bulge at (k+1, k).
      r = pythag(y, zz);
      c = 1; s = 0;
      if (r !== 0) { c = y / r; s = zz / r; }
      d[k] = r;
      const ek2 = e[k], dk1b = d[k + 1];
      e[k] = c * ek2 + s * dk1b;
      d[k + 1] = c * dk1b - s * ek2;
      if (k < q - 1) {
        y = e[k];
        zz = s * e[k + 1];
        e[k + 1] *= c;
      }
      cl[al + k] = c; sl[al + k] = s;
    }
  }
  right.flush();
  left.flush();
}

/**
 * W[r0:r0+len, c0:n] ← (I − beta·h·hᵀ)·W[...]: r = hᵀW accumulated over rows, then a rank-1
 * update by rows; four rows per pass so each load and store of r serves four rows of W.
 */
function reflectLeft(
  w: Float64Array, n: number, r0: number, len: number, c0: number,
  h: Float64Array, beta: number, r: Float64Array,
): void {
  r.fill(0, c0, n);
  let i = 0;
  for (; i + 3 < len; i += 4) {
    const o0 = (r0 + i) * n, o1 = o0 + n, o2 = o1 + n, o3 = o2 + n;
    const h0 = h[i], h1 = h[i + 1], h2 = h[i + 2], h3 = h[i + 3];
    for (let j = c0; j < n; j++) r[j] += h0 * w[o0 + j] + h1 * w[o1 + j] + h2 * w[o2 + j] + h3 * w[o3 + j];
  }
  for (; i < len; i++) {
    const hi = h[i], o = (r0 + i) * n;
    for (let j = c0; j < n; j++) r[j] += hi * w[o + j];
  }
  for (let j = c0; j < n; j++) r[j] *= beta;
  i = 0;
  for (; i + 3 < len; i += 4) {
    const o0 = (r0 + i) * n, o1 = o0 + n, o2 = o1 + n, o3 = o2 + n;
    const h0 = h[i], h1 = h[i + 1], h2 = h[i + 2], h3 = h[i + 3];
    for (let j = c0; j < n; j++) {
      const rj = r[j];
      w[o0 + j] -= h0 * rj; w[o1 + j] -= h1 * rj; w[o2 + j] -= h2 * rj; w[o3 + j] -= h3 * rj;
    }
  }
  for (; i < len; i++) {
    const hi = h[i], o = (r0 + i) * n;
    for (let j = c0; j < n; j++) w[o + j] -= hi * r[j];
  }
}

/** W[r0:r1, c0:n] ← W[...]·(I − beta·g·gᵀ), g = h[0..n−c0): per row a dot product and an axpy, four rows at a time. */
function reflectRight(w: Float64Array, n: number, r0: number, r1: number, c0: number, h: Float64Array, beta: number): void {
  const len = n - c0;
  let i = r0;
  for (; i + 3 < r1; i += 4) {
    const o0 = i * n + c0, o1 = o0 + n, o2 = o1 + n, o3 = o2 + n;
    let t0 = 0, t1 = 0, t2 = 0, t3 = 0;
    for (let j = 0; j < len; j++) {
      const g = h[j];
      t0 += w[o0 + j] * g; t1 += w[o1 + j] * g; t2 += w[o2 + j] * g; t3 += w[o3 + j] * g;
    }
    t0 *= beta; t1 *= beta; t2 *= beta; t3 *= beta;
    for (let j = 0; j < len; j++) {
      const g = h[j];
      w[o0 + j] -= t0 * g; w[o1 + j] -= t1 * g; w[o2 + j] -= t2 * g; w[o3 + j] -= t3 * g;
    }
  }
  for (; i < r1; i++) {
    const o = i * n + c0;
    let t = 0;
    for (let j = 0; j < len; j++) t += w[o + j] * h[j];
    t *= beta;
    for (let j = 0; j < len; j++) w[o + j] -= t * h[j];
  }
}

/** Thin SVD of a matrix with rows ≥ cols (U and V left empty unless wanted). */
function svdTall(A: Mat, wantVectors: boolean): SvdResult {
  const m = A.rows, n = A.cols, a = A.data;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    const t = Math.abs(a[i]);
    if (!(t <= Number.MAX_VALUE)) throw new RangeError(`svd: matrix has a non-finite entry at index ${i}`);
    if (t > scale) scale = t;
  }
  if (scale === 0) {
    if (!wantVectors) return { U: { rows: m, cols: 0, data: new Float64Array(0) }, S: new Float64Array(n), V: { rows: n, cols: 0, data: new Float64Array(0) } };
    const U = new Float64Array(m * n), V = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      U[i * n + i] = 1;
      V[i * n + i] = 1;
    }
    return { U: { rows: m, cols: n, data: U }, S: new Float64Array(n), V: { rows: n, cols: n, data: V } };
  }
  // Work on A/scale so that no square in the Householder or shift formulas over/underflows.
  const w = new Float64Array(m * n);
  const inv = 1 / scale;
  for (let i = 0; i < a.length; i++) w[i] = a[i] * inv;
  const lapack = backend().svd;
  if (lapack) {
    const S = new Float64Array(n);
    const U = wantVectors ? new Float64Array(m * n) : null, V = wantVectors ? new Float64Array(n * n) : null;
    if (lapack(w.slice(), m, n, S, U, V)) {
      for (let i = 0; i < n; i++) S[i] *= scale;
      return {
        U: { rows: m, cols: U ? n : 0, data: U ?? new Float64Array(0) },
        S,
        V: { rows: n, cols: V ? n : 0, data: V ?? new Float64Array(0) },
      };
    }
  }

  const d = new Float64Array(n), e = new Float64Array(Math.max(n - 1, 0));
  const betaL = new Float64Array(n), betaR = new Float64Array(n);
  const h = new Float64Array(m), r = new Float64Array(n), mu = new Float64Array(1);
  for (let k = 0; k < n; k++) {
    // Left reflector: zero column k below the diagonal. Its vector is kept in column k, rows k..
    const len = m - k;
    const bl = householder(w, k * n + k, n, len, h, mu);
    betaL[k] = bl;
    d[k] = mu[0];
    for (let i = 0; i < len; i++) w[(k + i) * n + k] = h[i];
    if (bl !== 0 && k + 1 < n) reflectLeft(w, n, k, len, k + 1, h, bl, r);
    if (k + 1 >= n) break;
    // Right reflector: zero row k beyond the superdiagonal. Its vector is kept in row k, cols k+1..
    const len2 = n - k - 1;
    const br = householder(w, k * n + k + 1, 1, len2, h, mu);
    betaR[k] = br;
    e[k] = mu[0];
    for (let j = 0; j < len2; j++) w[k * n + k + 1 + j] = h[j];
    if (br !== 0) reflectRight(w, n, k + 1, m, k + 1, h, br);
  }
  if (!wantVectors) {
    bidiagonalQR(d, e, n, new Float64Array(0), 0, new Float64Array(0), 0);
    const S = new Float64Array(n);
    for (let i = 0; i < n; i++) S[i] = scale * Math.abs(d[i]);
    S.sort().reverse();
    return { U: { rows: m, cols: 0, data: new Float64Array(0) }, S, V: { rows: n, cols: 0, data: new Float64Array(0) } };
  }
  const U = accumulateReflectors(m, n, 0, n, betaL, (k, dst, at) => {
    for (let i = k; i < m; i++) dst[at + i - k] = w[i * n + k];
  });
  const V = accumulateReflectors(n, n, 1, Math.max(n - 2, 0), betaR, (k, dst, at) => {
    dst.set(w.subarray(k * n + k + 1, (k + 1) * n), at);
  });
  bidiagonalQR(d, e, n, U, m, V, n);

  // Make the singular values non-negative (flipping V's column) and sort them descending.
  for (let i = 0; i < n; i++) {
    if (d[i] < 0) {
      d[i] = -d[i];
      for (let j = 0; j < n; j++) V[j * n + i] = -V[j * n + i];
    }
  }
  const order = Int32Array.from(Array.from({ length: n }, (_, i) => i).sort((i, j) => d[j] - d[i] || i - j));
  const S = new Float64Array(n);
  for (let i = 0; i < n; i++) S[i] = scale * d[order[i]];
  const tmp = new Float64Array(n);
  for (const [M, rows] of [[U, m], [V, n]] as const) {
    for (let i = 0; i < rows; i++) {
      const o = i * n;
      for (let j = 0; j < n; j++) tmp[j] = M[o + order[j]];
      M.set(tmp, o);
    }
  }
  return { U: { rows: m, cols: n, data: U }, S, V: { rows: n, cols: n, data: V } };
}

/**
 * Thin SVD of any rows×cols matrix: A = U·diag(S)·Vᵀ with U rows×r, V cols×r, r = min(rows,
 * cols), S descending. Backward stable: ‖A − U·S·Vᵀ‖ is a modest multiple of ε·‖A‖ and every
 * singular value is accurate to that absolute level (rank-deficient input is fine).
 */
export function svd(A: Mat): SvdResult {
  if (A.rows >= A.cols) return svdTall(A, true);
  const { U, S, V } = svdTall(transpose(A), true);
  return { U: V, S, V: U };
}

/** Singular values only (descending), without accumulating U and V. */
export function singularValues(A: Mat): Float64Array {
  return svdTall(A.rows >= A.cols ? A : transpose(A), false).S;
}
