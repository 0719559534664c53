/**
 * Linear solves.
 *
 * - Cholesky A = L·Lᵀ by the dot-product (Cholesky–Banachiewicz) ordering, Golub & Van Loan,
 *   Matrix Computations 4th ed., §4.2, arranged by rows so both operands of every dot product
 *   are contiguous rows of L. Backward stable for symmetric positive definite A without pivoting.
 * - LU with partial pivoting, P·A = L·U (GVL §3.4), right-looking by rows; then forward and
 *   back substitution for all right-hand sides at once.
 *
 * When the active backend carries LAPACK (`backend().cholesky`, the native backend), finite
 * input goes to dpotrf instead; the loops here stay the portable route and the oracle.
 */
import type { Mat } from './matrix.js';
import { backend } from '../backend/index.js';
import * as libm from '../libm.js';

const EPS = 2.220446049250313e-16;

function allFinite(a: Float64Array): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return false;
  return true;
}

function checkSquare(A: Mat, who: string): number {
  if (A.rows !== A.cols) throw new RangeError(`${who}: matrix is ${A.rows}×${A.cols}, not square`);
  return A.rows;
}

/**
 * Lower-triangular L with A = L·Lᵀ, for symmetric positive definite A (only the lower triangle
 * of A is read). Throws an Error naming the failing pivot if A is not positive definite.
 */
export function cholesky(A: Mat): Mat {
  const n = checkSquare(A, 'cholesky');
  const a = A.data;
  const L = new Float64Array(n * n);
  const lapack = backend().cholesky;
  if (lapack && allFinite(a)) {
    const info = lapack(a, n, L);
    if (info === 0) return { rows: n, cols: n, data: L };
    throw new Error(
      `cholesky: matrix is not positive definite (pivot ${info - 1} of ${n}; ` +
        `the leading ${info}×${info} block is not positive definite)`,
    );
  }
  for (let i = 0; i < n; i++) {
    const oi = i * n;
    for (let j = 0; j <= i; j++) {
      const oj = j * n;
      let s = a[oi + j];
      for (let k = 0; k < j; k++) s -= L[oi + k] * L[oj + k];
      if (j < i) {
        L[oi + j] = s / L[oj + j];
      } else {
        // s is the Schur complement pivot; it is positive exactly when the leading (i+1)×(i+1)
        // block is positive definite (up to rounding).
        if (!(s > 0) || !Number.isFinite(s)) {
          throw new Error(
            `cholesky: matrix is not positive definite (pivot ${i} of ${n} is ${s}; ` +
              `the leading ${i + 1}×${i + 1} block is not positive definite)`,
          );
        }
        L[oi + i] = Math.sqrt(s);
      }
    }
  }
  return { rows: n, cols: n, data: L };
}

/** Solve L·Lᵀ·X = B for X given the Cholesky factor L (B is n×k). */
export function choleskySolve(L: Mat, B: Mat): Mat {
  const n = checkSquare(L, 'choleskySolve');
  if (B.rows !== n) throw new RangeError(`choleskySolve: factor is ${n}×${n} but B has ${B.rows} rows`);
  const k = B.cols, l = L.data;
  const X = B.data.slice();
  // Forward: L·Y = B, row i of Y from rows < i (row operations on contiguous rows of X).
  for (let i = 0; i < n; i++) {
    const oi = i * k;
    for (let p = 0; p < i; p++) {
      const lip = l[i * n + p];
      if (lip === 0) continue;
      const op = p * k;
      for (let c = 0; c < k; c++) X[oi + c] -= lip * X[op + c];
    }
    const inv = 1 / l[i * n + i];
    for (let c = 0; c < k; c++) X[oi + c] *= inv;
  }
  // Backward: Lᵀ·X = Y, row i of X from rows > i; (Lᵀ)_{ip} = L_{pi}.
  for (let i = n - 1; i >= 0; i--) {
    const oi = i * k;
    for (let p = i + 1; p < n; p++) {
      const lpi = l[p * n + i];
      if (lpi === 0) continue;
      const op = p * k;
      for (let c = 0; c < k; c++) X[oi + c] -= lpi * X[op + c];
    }
    const inv = 1 / l[i * n + i];
    for (let c = 0; c < k; c++) X[oi + c] *= inv;
  }
  return { rows: n, cols: k, data: X };
}

/** log det A for symmetric positive definite A, as 2·Σ log L_ii (throws if A is not positive definite). */
export function logDet(A: Mat): number {
  const L = cholesky(A);
  const n = L.rows;
  let s = 0;
  for (let i = 0; i < n; i++) s += libm.log(L.data[i * n + i]);
  return 2 * s;
}

export interface LU {
  /** Unit lower triangle (below the diagonal) and U (on and above), packed n×n. */
  lu: Mat;
  /** Row i of P·A is row perm[i] of A. */
  perm: Int32Array;
}

/**
 * LU factorization with partial pivoting, P·A = L·U. Throws if A is singular to working
 * precision (a pivot no larger than n·ε·max|a_ij|).
 */
export function luFactor(A: Mat): LU {
  const n = checkSquare(A, 'luFactor');
  const w = A.data.slice();
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  let amax = 0;
  for (let i = 0; i < w.length; i++) {
    const t = Math.abs(w[i]);
    if (!(t <= Number.MAX_VALUE)) throw new RangeError(`solve: matrix has a non-finite entry at index ${i}`);
    if (t > amax) amax = t;
  }
  const tiny = n * EPS * amax;
  const tmp = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    // Partial pivoting: the largest entry of column k on or below the diagonal.
    let p = k, best = Math.abs(w[k * n + k]);
    for (let i = k + 1; i < n; i++) {
      const t = Math.abs(w[i * n + k]);
      if (t > best) { best = t; p = i; }
    }
    if (best <= tiny || best === 0) {
      throw new Error(`solve: matrix is singular to working precision (pivot ${k} of ${n} is ${best === 0 ? 0 : best.toExponential(3)}, max entry ${amax.toExponential(3)})`);
    }
    if (p !== k) {
      tmp.set(w.subarray(p * n, p * n + n));
      w.copyWithin(p * n, k * n, k * n + n);
      w.set(tmp, k * n);
      const t = perm[p]; perm[p] = perm[k]; perm[k] = t;
    }
    const ok = k * n, inv = 1 / w[ok + k];
    for (let i = k + 1; i < n; i++) {
      const oi = i * n;
      const l = w[oi + k] * inv;
      w[oi + k] = l;
      if (l === 0) continue;
      for (let j = k + 1; j < n; j++) w[oi + j] -= l * w[ok + j];
    }
  }
  return { lu: { rows: n, cols: n, data: w }, perm };
}

/** Solve A·X = B (B is n×k) from an LU factorization. */
export function luSolve(f: LU, B: Mat): Mat {
  const n = f.lu.rows, k = B.cols, w = f.lu.data;
  if (B.rows !== n) throw new RangeError(`solve: matrix is ${n}×${n} but B has ${B.rows} rows`);
  const X = new Float64Array(n * k);
  for (let i = 0; i < n; i++) X.set(B.data.subarray(f.perm[i] * k, f.perm[i] * k + k), i * k);
  for (let i = 0; i < n; i++) {
    const oi = i * k;
    for (let p = 0; p < i; p++) {
      const l = w[i * n + p];
      if (l === 0) continue;
      const op = p * k;
      for (let c = 0; c < k; c++) X[oi + c] -= l * X[op + c];
    }
  }
  for (let i = n - 1; i >= 0; i--) {
    const oi = i * k;
    for (let p = i + 1; p < n; p++) {
      const u = w[i * n + p];
      if (u === 0) continue;
      const op = p * k;
      for (let c = 0; c < k; c++) X[oi + c] -= u * X[op + c];
    }
    const inv = 1 / w[i * n + i];
    for (let c = 0; c < k; c++) X[oi + c] *= inv;
  }
  return { rows: n, cols: k, data: X };
}

/** Solve A·X = B by LU with partial pivoting; throws if A is singular to working precision. */
export function solve(A: Mat, B: Mat): Mat {
  if (B.rows !== A.rows) throw new RangeError(`solve: A is ${A.rows}×${A.cols} but B has ${B.rows} rows`);
  return luSolve(luFactor(A), B);
}
