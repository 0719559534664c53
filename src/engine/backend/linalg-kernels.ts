import type { FloatArray } from '../dtype.js';

/**
 * Level-2 BLAS: dense matrix–vector products on row-major matrices with a row stride.
 *
 *   gemv:       y ← α·A·x + β·y   (A m×n, x n, y m),   or, transposed,   y ← α·Aᵀ·x + β·y   (x m, y n)
 *   symvUpper:  y ← α·A·x + β·y   for symmetric A (n×n) given by its upper triangle only
 *
 * Element (i, j) of A is a[i·lda + j] (lda ≥ n; a submatrix is passed as a subarray starting at
 * its first element). symvUpper reads a[i·lda + j] for j ≥ i only: row i of the upper triangle
 * gives a_ij·x_j to y_i and, by symmetry, a_ij·x_i to y_j, so one pass over the triangle does
 * the work of two matrix–vector products (Golub & Van Loan, Matrix Computations 4th ed., §1.2;
 * the BLAS dgemv/dsymv, Dongarra et al., ACM TOMS 14, 1988).
 *
 * β = 0 overwrites y without reading it (NaN in y does not propagate), as in the BLAS.
 * Contract: y must not overlap a or x (checked: a RangeError); x may overlap a.
 *
 * The reference versions are the oracle the others are tested against: sums in f64 (JS numbers)
 * rounded once per output, so an f32 y is the f64 result rounded. gemv sums each dot product
 * in index order; symvUpper four rows at a time (the order the unblocked reduction in eigh.ts
 * uses), so it agrees with a plain double loop to rounding only.
 */
export interface LinalgKernels {
  gemv(
    a: FloatArray, x: FloatArray, y: FloatArray, m: number, n: number,
    trans?: boolean, alpha?: number, beta?: number, lda?: number,
  ): void;
  symvUpper(
    a: FloatArray, x: FloatArray, y: FloatArray, n: number,
    alpha?: number, beta?: number, lda?: number,
  ): void;
}

function checkCount(op: string, name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0) throw new RangeError(`${op}: ${name} must be a non-negative integer, got ${v}`);
}

function checkNeed(op: string, name: string, arr: ArrayLike<number>, need: number): void {
  if (arr.length < need) throw new RangeError(`${op}: ${name} has ${arr.length} elements, needs ${need}`);
}

/** Whether the first aLen elements of a and the first bLen of b share memory. */
function overlap(a: FloatArray, aLen: number, b: FloatArray, bLen: number): boolean {
  if (a.buffer !== b.buffer || aLen === 0 || bLen === 0) return false;
  const a0 = a.byteOffset, a1 = a0 + aLen * a.BYTES_PER_ELEMENT;
  const b0 = b.byteOffset, b1 = b0 + bLen * b.BYTES_PER_ELEMENT;
  return a0 < b1 && b0 < a1;
}

function checkScalars(op: string, alpha: number, beta: number): void {
  if (typeof alpha !== 'number') throw new RangeError(`${op}: alpha must be a number, got ${String(alpha)}`);
  if (typeof beta !== 'number') throw new RangeError(`${op}: beta must be a number, got ${String(beta)}`);
}

/** Elements of a spanned by an r×c matrix with row stride lda. */
const span = (r: number, c: number, lda: number): number => (r === 0 || c === 0 ? 0 : (r - 1) * lda + c);

/** Validate gemv's arguments; returns the lengths of x and y. */
export function checkGemv(
  a: FloatArray, x: FloatArray, y: FloatArray, m: number, n: number,
  trans: boolean, alpha: number, beta: number, lda: number,
): { xLen: number; yLen: number; aLen: number } {
  checkCount('gemv', 'm', m);
  checkCount('gemv', 'n', n);
  if (!Number.isInteger(lda) || lda < n) throw new RangeError(`gemv: lda must be an integer ≥ n = ${n}, got ${lda}`);
  checkScalars('gemv', alpha, beta);
  const aLen = span(m, n, lda), xLen = trans ? m : n, yLen = trans ? n : m;
  checkNeed('gemv', 'a', a, aLen);
  checkNeed('gemv', 'x', x, xLen);
  checkNeed('gemv', 'y', y, yLen);
  if (overlap(y, yLen, a, aLen)) throw new RangeError('gemv: y must not overlap a');
  if (overlap(y, yLen, x, xLen)) throw new RangeError('gemv: y must not overlap x');
  return { xLen, yLen, aLen };
}

/** Validate symvUpper's arguments; returns the length of a spanned. */
export function checkSymv(
  a: FloatArray, x: FloatArray, y: FloatArray, n: number, alpha: number, beta: number, lda: number,
): number {
  checkCount('symvUpper', 'n', n);
  if (!Number.isInteger(lda) || lda < n) throw new RangeError(`symvUpper: lda must be an integer ≥ n = ${n}, got ${lda}`);
  checkScalars('symvUpper', alpha, beta);
  const aLen = span(n, n, lda);
  checkNeed('symvUpper', 'a', a, aLen);
  checkNeed('symvUpper', 'x', x, n);
  checkNeed('symvUpper', 'y', y, n);
  if (overlap(y, n, a, aLen)) throw new RangeError('symvUpper: y must not overlap a');
  if (overlap(y, n, x, n)) throw new RangeError('symvUpper: y must not overlap x');
  return aLen;
}

let scratch = new Float64Array(64);
function scratchOf(n: number): Float64Array {
  if (scratch.length < n) scratch = new Float64Array(Math.max(n, 2 * scratch.length));
  return scratch;
}

/** y[i] ← α·t[i] + β·y[i] (β = 0: y[i] ← α·t[i]). */
function combine(t: Float64Array, y: FloatArray, len: number, alpha: number, beta: number): void {
  if (beta === 0) for (let i = 0; i < len; i++) y[i] = alpha * t[i];
  else for (let i = 0; i < len; i++) y[i] = alpha * t[i] + beta * y[i];
}

/** t[0..n) = A·x for the symmetric A held in the upper triangle of a (row stride lda). */
function symvUpperInto(a: FloatArray, x: FloatArray, t: Float64Array, n: number, lda: number): void {
  t.fill(0, 0, n);
  let i = 0;
  // Four rows at a time: they share the loads of x_j and t_j, and the four dot products are
  // independent chains.
  for (; i + 3 < n; i += 4) {
    const o0 = i * lda, o1 = o0 + lda, o2 = o1 + lda, o3 = o2 + lda;
    const x0 = x[i], x1 = x[i + 1], x2 = x[i + 2], x3 = x[i + 3];
    // The 4×4 diagonal block.
    const a00 = a[o0 + i], a01 = a[o0 + i + 1], a02 = a[o0 + i + 2], a03 = a[o0 + i + 3];
    const a11 = a[o1 + i + 1], a12 = a[o1 + i + 2], a13 = a[o1 + i + 3];
    const a22 = a[o2 + i + 2], a23 = a[o2 + i + 3], a33 = a[o3 + i + 3];
    let s0 = a00 * x0 + a01 * x1 + a02 * x2 + a03 * x3;
    let s1 = a01 * x0 + a11 * x1 + a12 * x2 + a13 * x3;
    let s2 = a02 * x0 + a12 * x1 + a22 * x2 + a23 * x3;
    let s3 = a03 * x0 + a13 * x1 + a23 * x2 + a33 * x3;
    for (let j = i + 4; j < n; j++) {
      const b0 = a[o0 + j], b1 = a[o1 + j], b2 = a[o2 + j], b3 = a[o3 + j];
      const xj = x[j];
      s0 += b0 * xj; s1 += b1 * xj; s2 += b2 * xj; s3 += b3 * xj;
      t[j] += b0 * x0 + b1 * x1 + b2 * x2 + b3 * x3;
    }
    t[i] += s0; t[i + 1] += s1; t[i + 2] += s2; t[i + 3] += s3;
  }
  for (; i < n; i++) {
    const o = i * lda, xi = x[i];
    let s = a[o + i] * xi;
    for (let j = i + 1; j < n; j++) {
      const aij = a[o + j];
      s += aij * x[j];
      t[j] += aij * xi;
    }
    t[i] += s;
  }
}

/** The reference (exact) level-2 kernels. */
export const referenceLinalg: LinalgKernels = {
  gemv(a, x, y, m, n, trans = false, alpha = 1, beta = 0, lda = n) {
    const { yLen } = checkGemv(a, x, y, m, n, trans, alpha, beta, lda);
    const t = scratchOf(yLen);
    if (!trans) {
      for (let i = 0; i < m; i++) {
        const o = i * lda;
        let s = 0;
        for (let j = 0; j < n; j++) s += a[o + j] * x[j];
        t[i] = s;
      }
    } else {
      t.fill(0, 0, n);
      for (let i = 0; i < m; i++) {
        const o = i * lda, xi = x[i];
        for (let j = 0; j < n; j++) t[j] += a[o + j] * xi;
      }
    }
    combine(t, y, yLen, alpha, beta);
  },
  symvUpper(a, x, y, n, alpha = 1, beta = 0, lda = n) {
    checkSymv(a, x, y, n, alpha, beta, lda);
    const t = scratchOf(n);
    symvUpperInto(a, x, t, n, lda);
    combine(t, y, n, alpha, beta);
  },
};
