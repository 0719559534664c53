/**
 * Dense float64 matrices as plain data (row-major `Float64Array`) and the basic operations on
 * them. Products use an i-k-j loop blocked over four rows of the output, so the innermost loop
 * streams one contiguous row of B into four contiguous rows of C (no strided access, and each
 * loaded element of B is used four times). QR is Householder QR (Golub & Van Loan, Matrix
 * Computations 4th ed., Alg. 5.2.1) with blocked backward accumulation of Q (GVL §5.1);
 * `randomOrthogonal` fixes the signs of R's diagonal so that Q is Haar-distributed
 * (Mezzadri, "How to generate random matrices from the classical compact groups", 2007).
 */
import type { Rng } from '../rng.js';

/** A dense row-major float64 matrix: element (i, j) is `data[i * cols + j]`. */
export interface Mat {
  rows: number;
  cols: number;
  data: Float64Array;
}

function checkDims(rows: number, cols: number): void {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
    throw new RangeError(`matrix dimensions must be non-negative integers, got ${rows}×${cols}`);
  }
}

/**
 * A rows×cols matrix. A `Float64Array` is used as the storage itself (not copied); any other
 * array-like is copied. Without data the matrix is zero.
 */
export function mat(rows: number, cols: number, data?: ArrayLike<number>): Mat {
  checkDims(rows, cols);
  if (data === undefined) return { rows, cols, data: new Float64Array(rows * cols) };
  if (data.length !== rows * cols) {
    throw new RangeError(`mat(${rows}, ${cols}): data has length ${data.length}, expected ${rows * cols}`);
  }
  return { rows, cols, data: data instanceof Float64Array ? data : Float64Array.from(data) };
}

/** A copy of A with its own storage. */
export function clone(A: Mat): Mat {
  return { rows: A.rows, cols: A.cols, data: A.data.slice() };
}

/** Build a matrix from an array of equal-length rows. */
export function fromRows(rows: number[][]): Mat {
  const m = rows.length;
  const n = m === 0 ? 0 : rows[0].length;
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    const r = rows[i];
    if (r.length !== n) throw new RangeError(`fromRows: row ${i} has length ${r.length}, expected ${n}`);
    for (let j = 0; j < n; j++) out[i * n + j] = r[j];
  }
  return { rows: m, cols: n, data: out };
}

/** The rows of A as plain arrays. */
export function toRows(A: Mat): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < A.rows; i++) out.push(Array.from(A.data.subarray(i * A.cols, (i + 1) * A.cols)));
  return out;
}

/** The n×n identity. */
export function eye(n: number): Mat {
  const A = mat(n, n);
  for (let i = 0; i < n; i++) A.data[i * n + i] = 1;
  return A;
}

/** A square matrix with `values` on the diagonal. */
export function diag(values: ArrayLike<number>): Mat {
  const n = values.length;
  const A = mat(n, n);
  for (let i = 0; i < n; i++) A.data[i * n + i] = values[i];
  return A;
}

export function transpose(A: Mat): Mat {
  const { rows: m, cols: n, data: a } = A;
  const out = new Float64Array(m * n);
  // Tiled so both the reads and the writes stay within a few cache lines per tile.
  const T = 32;
  for (let i0 = 0; i0 < m; i0 += T) {
    const i1 = Math.min(m, i0 + T);
    for (let j0 = 0; j0 < n; j0 += T) {
      const j1 = Math.min(n, j0 + T);
      for (let i = i0; i < i1; i++) {
        for (let j = j0; j < j1; j++) out[j * m + i] = a[i * n + j];
      }
    }
  }
  return { rows: n, cols: m, data: out };
}

/** C = A·B. */
export function matmul(A: Mat, B: Mat): Mat {
  if (A.cols !== B.rows) throw new RangeError(`matmul: ${A.rows}×${A.cols} times ${B.rows}×${B.cols}`);
  const m = A.rows, K = A.cols, n = B.cols;
  const a = A.data, b = B.data;
  const c = new Float64Array(m * n);
  let i = 0;
  for (; i + 3 < m; i += 4) {
    const c0 = i * n, c1 = c0 + n, c2 = c1 + n, c3 = c2 + n;
    const a0 = i * K, a1 = a0 + K, a2 = a1 + K, a3 = a2 + K;
    for (let k = 0; k < K; k++) {
      const x0 = a[a0 + k], x1 = a[a1 + k], x2 = a[a2 + k], x3 = a[a3 + k];
      const bk = k * n;
      for (let j = 0; j < n; j++) {
        const y = b[bk + j];
        c[c0 + j] += x0 * y;
        c[c1 + j] += x1 * y;
        c[c2 + j] += x2 * y;
        c[c3 + j] += x3 * y;
      }
    }
  }
  for (; i < m; i++) {
    const c0 = i * n, a0 = i * K;
    for (let k = 0; k < K; k++) {
      const x0 = a[a0 + k];
      if (x0 === 0) continue;
      const bk = k * n;
      for (let j = 0; j < n; j++) c[c0 + j] += x0 * b[bk + j];
    }
  }
  return { rows: m, cols: n, data: c };
}

/** y = A·x. */
export function matvec(A: Mat, x: ArrayLike<number>): Float64Array {
  if (x.length !== A.cols) throw new RangeError(`matvec: ${A.rows}×${A.cols} times vector of length ${x.length}`);
  const { rows: m, cols: n, data: a } = A;
  const y = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let s = 0;
    const o = i * n;
    for (let j = 0; j < n; j++) s += a[o + j] * x[j];
    y[i] = s;
  }
  return y;
}

/** Frobenius norm, scaled to avoid overflow and underflow. */
export function frobenius(A: Mat): number {
  const scale = maxAbs(A);
  if (scale === 0 || !Number.isFinite(scale)) return scale;
  const a = A.data;
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const t = a[i] / scale;
    s += t * t;
  }
  return scale * Math.sqrt(s);
}

/** Largest absolute entry (0 for an empty matrix; NaN if any entry is NaN). */
export function maxAbs(A: Mat): number {
  const a = A.data;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const t = Math.abs(a[i]);
    if (t > m || Number.isNaN(t)) m = t;
    if (Number.isNaN(m)) return NaN;
  }
  return m;
}

function sameShape(A: Mat, B: Mat, op: string): void {
  if (A.rows !== B.rows || A.cols !== B.cols) {
    throw new RangeError(`${op}: shapes ${A.rows}×${A.cols} and ${B.rows}×${B.cols} differ`);
  }
}

/** A − B. */
export function sub(A: Mat, B: Mat): Mat {
  sameShape(A, B, 'sub');
  const out = new Float64Array(A.data.length);
  for (let i = 0; i < out.length; i++) out[i] = A.data[i] - B.data[i];
  return { rows: A.rows, cols: A.cols, data: out };
}

/** A + B. */
export function add(A: Mat, B: Mat): Mat {
  sameShape(A, B, 'add');
  const out = new Float64Array(A.data.length);
  for (let i = 0; i < out.length; i++) out[i] = A.data[i] + B.data[i];
  return { rows: A.rows, cols: A.cols, data: out };
}

/** s·A. */
export function scale(A: Mat, s: number): Mat {
  const out = new Float64Array(A.data.length);
  for (let i = 0; i < out.length; i++) out[i] = s * A.data[i];
  return { rows: A.rows, cols: A.cols, data: out };
}

/** (A + Aᵀ)/2, the nearest symmetric matrix in any unitarily invariant norm. */
export function symmetrize(A: Mat): Mat {
  if (A.rows !== A.cols) throw new RangeError(`symmetrize: matrix is ${A.rows}×${A.cols}, not square`);
  const n = A.rows, a = A.data;
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    out[i * n + i] = a[i * n + i];
    for (let j = i + 1; j < n; j++) {
      const v = 0.5 * (a[i * n + j] + a[j * n + i]);
      out[i * n + j] = v;
      out[j * n + i] = v;
    }
  }
  return { rows: n, cols: n, data: out };
}

/** A rows×cols matrix of independent standard normal entries. */
export function randomGaussian(rows: number, cols: number, rng: Rng): Mat {
  const A = mat(rows, cols);
  for (let i = 0; i < A.data.length; i++) A.data[i] = rng.normal();
  return A;
}

/**
 * Householder vector of x = a[off], a[off+stride], ... (len entries): writes v (v[0] = 1) into
 * `v[0..len)` and returns beta with (I − beta·v·vᵀ)x = mu·e₁; `out[0]` receives mu.
 * GVL Alg. 5.1.1, which picks v[0] = x₀ − ‖x‖ in the cancellation-free form so that mu = +‖x‖.
 * When x is already a multiple of e₁ no reflection is made (beta = 0, mu = x₀).
 */
export function householder(
  a: Float64Array, off: number, stride: number, len: number, v: Float64Array, out: Float64Array,
): number {
  const x0 = a[off];
  let sigma = 0;
  for (let i = 1; i < len; i++) {
    const t = a[off + i * stride];
    sigma += t * t;
  }
  v[0] = 1;
  if (sigma === 0) {
    for (let i = 1; i < len; i++) v[i] = 0;
    out[0] = x0;
    return 0;
  }
  const mu = Math.sqrt(x0 * x0 + sigma);
  const v0 = x0 <= 0 ? x0 - mu : -sigma / (x0 + mu);
  const beta = (2 * v0 * v0) / (sigma + v0 * v0);
  const inv = 1 / v0;
  for (let i = 1; i < len; i++) v[i] = a[off + i * stride] * inv;
  out[0] = mu;
  return beta;
}

/**
 * Backward accumulation of Householder reflectors (GVL §5.1) in compact WY form, four at a
 * time (H_k⋯H_{k+3} = I − Y·T·Yᵀ, Schreiber & Van Loan 1989). Returns the qrows×qcols row-major matrix
 *   Q = H₀·H₁⋯H_{count−1}·[I; 0],
 * where H_k = I − beta_k·v_k·v_kᵀ acts on rows off+k .. qrows−1 and `load(k, dst, at)` writes
 * v_k (length qrows−off−k, leading entry 1) into dst[at..]. Because [I; 0] is untouched by the
 * later reflectors outside their trailing block, H_k only needs columns off+k.. of Q. Working
 * four reflectors at a time streams Q through memory twice per four reflectors, not per one.
 */
export function accumulateReflectors(
  qrows: number, qcols: number, off: number, count: number, betas: Float64Array,
  load: (k: number, dst: Float64Array, at: number) => void,
): Float64Array {
  const q = new Float64Array(qrows * qcols);
  for (let i = 0; i < Math.min(qrows, qcols); i++) q[i * qcols + i] = 1;
  const sMax = Math.max(qrows - off, 0), cMax = Math.max(qcols - off, 0);
  const Y = new Float64Array(4 * sMax); // row t: reflector k0+t over local rows 0..s−1
  const X = new Float64Array(4 * cMax); // Yᵀ·Q₂₂, then T·Yᵀ·Q₂₂
  const T = new Float64Array(16);
  const G = new Float64Array(16); // Gram matrix YᵀY (upper triangle)
  for (let kEnd = count - 1; kEnd >= 0; kEnd -= 4) {
    const k0 = Math.max(0, kEnd - 3);
    const r0 = off + k0; // first global row/col of the block
    const s = qrows - r0, c = qcols - r0;
    if (s <= 0 || c <= 0) continue;
    Y.fill(0, 0, 4 * s);
    let any = false;
    for (let t = 0; t < 4; t++) {
      const k = k0 + t;
      if (k > kEnd || betas[k] === 0 || t >= s) continue;
      load(k, Y, t * s + t);
      any = true;
    }
    if (!any) continue;
    // T for the forward product H_{k0}⋯H_{k0+3}: T_tt = β_t, T[0:t, t] = −β_t·T[0:t,0:t]·Yᵀy_t.
    for (let a = 0; a < 4; a++) {
      for (let b = a; b < 4; b++) {
        let g = 0;
        for (let i = b; i < s; i++) g += Y[a * s + i] * Y[b * s + i];
        G[a * 4 + b] = g;
      }
    }
    T.fill(0);
    for (let t = 0; t < 4; t++) {
      const k = k0 + t;
      const beta = k <= kEnd && t < s ? betas[k] : 0;
      T[t * 4 + t] = beta;
      for (let a = 0; a < t; a++) {
        let acc = 0;
        for (let b = a; b < t; b++) acc += T[a * 4 + b] * G[b * 4 + t];
        T[a * 4 + t] = -beta * acc;
      }
    }
    // X = Yᵀ·Q₂₂, accumulated over the rows of Q so every access is contiguous; two rows of Q
    // per pass over X halve the loads and stores of X.
    X.fill(0, 0, 4 * c);
    const y1 = s, y2 = 2 * s, y3 = 3 * s;
    const x1 = c, x2 = 2 * c, x3 = 3 * c;
    let i = 0;
    for (; i + 1 < s; i += 2) {
      const a0 = Y[i], a1 = Y[y1 + i], a2 = Y[y2 + i], a3 = Y[y3 + i];
      const b0 = Y[i + 1], b1 = Y[y1 + i + 1], b2 = Y[y2 + i + 1], b3 = Y[y3 + i + 1];
      const o = (r0 + i) * qcols + r0, o2 = o + qcols;
      for (let j = 0; j < c; j++) {
        const u = q[o + j], v = q[o2 + j];
        X[j] += a0 * u + b0 * v;
        X[x1 + j] += a1 * u + b1 * v;
        X[x2 + j] += a2 * u + b2 * v;
        X[x3 + j] += a3 * u + b3 * v;
      }
    }
    if (i < s) {
      const a0 = Y[i], a1 = Y[y1 + i], a2 = Y[y2 + i], a3 = Y[y3 + i];
      const o = (r0 + i) * qcols + r0;
      for (let j = 0; j < c; j++) {
        const u = q[o + j];
        X[j] += a0 * u;
        X[x1 + j] += a1 * u;
        X[x2 + j] += a2 * u;
        X[x3 + j] += a3 * u;
      }
    }
    // X ← T·X (T upper triangular, so in place top-down).
    for (let j = 0; j < c; j++) {
      const c0 = X[j], c1 = X[x1 + j], c2 = X[x2 + j], c3 = X[x3 + j];
      X[j] = T[0] * c0 + T[1] * c1 + T[2] * c2 + T[3] * c3;
      X[x1 + j] = T[5] * c1 + T[6] * c2 + T[7] * c3;
      X[x2 + j] = T[10] * c2 + T[11] * c3;
      X[x3 + j] = T[15] * c3;
    }
    // Q₂₂ ← Q₂₂ − Y·X, two rows per pass so each load of X serves both.
    i = 0;
    for (; i + 1 < s; i += 2) {
      const a0 = Y[i], a1 = Y[y1 + i], a2 = Y[y2 + i], a3 = Y[y3 + i];
      const b0 = Y[i + 1], b1 = Y[y1 + i + 1], b2 = Y[y2 + i + 1], b3 = Y[y3 + i + 1];
      const o = (r0 + i) * qcols + r0, o2 = o + qcols;
      for (let j = 0; j < c; j++) {
        const u0 = X[j], u1 = X[x1 + j], u2 = X[x2 + j], u3 = X[x3 + j];
        q[o + j] -= a0 * u0 + a1 * u1 + a2 * u2 + a3 * u3;
        q[o2 + j] -= b0 * u0 + b1 * u1 + b2 * u2 + b3 * u3;
      }
    }
    if (i < s) {
      const a0 = Y[i], a1 = Y[y1 + i], a2 = Y[y2 + i], a3 = Y[y3 + i];
      const o = (r0 + i) * qcols + r0;
      for (let j = 0; j < c; j++) {
        q[o + j] -= a0 * X[j] + a1 * X[x1 + j] + a2 * X[x2 + j] + a3 * X[x3 + j];
      }
    }
  }
  return q;
}

/**
 * Thin QR of an m×n matrix with m ≥ n: A = Q·R, Q m×n with orthonormal columns, R n×n upper
 * triangular with a non-negative diagonal.
 */
export function qr(A: Mat): { Q: Mat; R: Mat } {
  const m = A.rows, n = A.cols;
  if (m < n) throw new RangeError(`qr: needs rows ≥ cols, got ${m}×${n}`);
  const w = A.data.slice();
  const betas = new Float64Array(n);
  const vs = new Float64Array(m * n); // column k holds v_k in rows k..m-1, stored row-major
  const v = new Float64Array(m);
  const r = new Float64Array(n);
  const mu = new Float64Array(1);
  for (let k = 0; k < n; k++) {
    const len = m - k;
    const beta = householder(w, k * n + k, n, len, v, mu);
    betas[k] = beta;
    for (let i = 0; i < len; i++) vs[(k + i) * n + k] = v[i];
    w[k * n + k] = mu[0];
    for (let i = 1; i < len; i++) w[(k + i) * n + k] = 0;
    if (beta === 0) continue;
    // W[k:, k+1:] -= beta·v·(vᵀW[k:, k+1:]), accumulated row by row so access is contiguous.
    r.fill(0, k + 1, n);
    for (let i = 0; i < len; i++) {
      const vi = v[i], o = (k + i) * n;
      for (let j = k + 1; j < n; j++) r[j] += vi * w[o + j];
    }
    for (let i = 0; i < len; i++) {
      const t = beta * v[i], o = (k + i) * n;
      for (let j = k + 1; j < n; j++) w[o + j] -= t * r[j];
    }
  }
  // Sign fix: make R's diagonal non-negative (the Householder convention above already gives
  // mu ≥ 0 except when no reflection was needed and x₀ < 0).
  const sign = new Float64Array(n);
  for (let k = 0; k < n; k++) sign[k] = w[k * n + k] < 0 ? -1 : 1;
  const R = mat(n, n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) R.data[i * n + j] = sign[i] * w[i * n + j];
  }
  const q = accumulateReflectors(m, n, 0, n, betas, (k, dst, at) => {
    for (let i = k; i < m; i++) dst[at + i - k] = vs[i * n + k];
  });
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) q[i * n + j] *= sign[j];
  }
  return { Q: { rows: m, cols: n, data: q }, R };
}

/** A Haar-distributed random n×n orthogonal matrix: QR of a Gaussian matrix with R's diagonal made positive. */
export function randomOrthogonal(n: number, rng: Rng): Mat {
  return qr(randomGaussian(n, n, rng)).Q;
}
