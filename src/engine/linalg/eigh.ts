/**
 * Symmetric eigendecomposition A = V·diag(λ)·Vᵀ. Two portable routes:
 *
 * Small n (below DC_MIN_N), unblocked:
 * 1. Householder tridiagonalization Qᵀ·A·Q = T (Golub & Van Loan, Matrix Computations 4th ed.,
 *    Alg. 8.3.1): each step is a symmetric matrix–vector product and a symmetric rank-2 update,
 *    fused into one pass over the upper triangle, row by row, so every inner loop is contiguous.
 * 2. Q formed by backward accumulation of the Householder vectors, four at a time in compact
 *    WY form (GVL §5.1; Schreiber & Van Loan 1989).
 * 3. Implicit symmetric QR on T (tridiagonal-qr.ts), the rotations accumulated into V = Q.
 * Cost ≈ 4/3·n³ (reduction) + 4/3·n³ (Q) + 3·n³·(QR steps per eigenvalue, ≈ 1.3) flops.
 *
 * Large n on a backend with a fast matmul (wasm SIMD; OpenBLAS when LAPACK is not used), blocked,
 * the O(n³) work in that matmul:
 * 1. Blocked tridiagonalization (tridiag-blocked.ts, LAPACK dsytrd/dlatrd): half its 4/3·n³
 *    flops are a rank-2b matmul update per panel, half symmetric matrix–vector products.
 * 2. Divide and conquer on T (divide-conquer.ts, Cuppen; Gu & Eisenstat): ≈ 4/3·n³ matmul
 *    flops at most, less with deflation.
 * 3. V = Q·Z applied in compact WY blocks: 2·n³ matmul flops.
 * Eigenvalues only: the reduction (blocked from BLOCKED_MIN_N on) and QR on T without vectors.
 *
 * When the active backend carries LAPACK (`backend().eigh`, the native backend), `eigh` and
 * `eigvalsh` hand the same scaled symmetric matrix to dsyevd instead (unless a portable route
 * is forced with `method`); this file stays the portable route and the oracle it is tested
 * against.
 */
import { accumulateReflectors, householder, type Mat } from './matrix.js';
import { backend, referenceBackend } from '../backend/index.js';
import { tridiagonalQR } from './tridiagonal-qr.js';
import { applyReflectors, tridiagonalizeBlocked } from './tridiag-blocked.js';
import { tridiagonalDC } from './divide-conquer.js';

export { applyRotations, RotationBatch, pythag, tridiagonalQR } from './tridiagonal-qr.js';

/**
 * Householder tridiagonalization in place on the full row-major n×n array w (only its upper
 * triangle is read). Writes the diagonal to d, the off-diagonal to e, the reflector scalars
 * to betas, and leaves Householder vector k (with its leading 1) in row k, columns k+1..n−1.
 *
 * Step k needs p = A₂₂·v_k and then applies A₂₂ ← A₂₂ − v·wᵀ − w·vᵀ (GVL 8.3.1). The update of
 * step k is deferred and fused with the product of step k+1, so each step streams the trailing
 * triangle through memory once instead of twice: only row k+1 is brought up to date eagerly,
 * because the next Householder vector is built from it.
 */
function tridiagonalize(w: Float64Array, n: number, d: Float64Array, e: Float64Array, betas: Float64Array): void {
  // All vectors are indexed by global row/column so the fused loop has no offset arithmetic.
  let vPrev = new Float64Array(n), wPrev = new Float64Array(n); // pending update (zero at first)
  let v = new Float64Array(n), p = new Float64Array(n);
  const h = new Float64Array(n);
  const mu = new Float64Array(1);
  for (let k = 0; k < n - 2; k++) {
    const rowk = k * n;
    // Bring row k up to date with the pending update of step k−1.
    {
      const vk = vPrev[k], wk = wPrev[k];
      for (let j = k; j < n; j++) w[rowk + j] -= vk * wPrev[j] + wk * vPrev[j];
    }
    const s = n - k - 1;
    const beta = householder(w, rowk + k + 1, 1, s, h, mu);
    d[k] = w[rowk + k];
    e[k] = mu[0];
    betas[k] = beta;
    v.fill(0, 0, k + 1);
    for (let i = 0; i < s; i++) {
      v[k + 1 + i] = h[i];
      w[rowk + k + 1 + i] = h[i];
    }
    // One pass over the trailing upper triangle: apply the pending update to row i, then use
    // the fresh entries for p = A₂₂·v (row i gives a_ii·v_i + Σ_{j>i} a_ij·v_j to p_i and, by
    // symmetry, a_ij·v_i to p_j).
    p.fill(0);
    let i = k + 1;
    // Four rows at a time: they share the loads of v, p and the pending vectors, and the four
    // dot-product accumulators are independent chains.
    for (; i + 3 < n; i += 4) {
      // The 4×4 diagonal block of the upper triangle, entry by entry.
      for (let r = 0; r < 4; r++) {
        const ir = i + r, o = ir * n, vpr = vPrev[ir], wpr = wPrev[ir], vr = v[ir];
        for (let c = r; c < 4; c++) {
          const ic = i + c;
          const a = w[o + ic] - (vpr * wPrev[ic] + wpr * vPrev[ic]);
          w[o + ic] = a;
          if (c === r) {
            p[ir] += a * vr;
          } else {
            p[ir] += a * v[ic];
            p[ic] += a * vr;
          }
        }
      }
      const o0 = i * n, o1 = o0 + n, o2 = o1 + n, o3 = o2 + n;
      const vp0 = vPrev[i], vp1 = vPrev[i + 1], vp2 = vPrev[i + 2], vp3 = vPrev[i + 3];
      const wp0 = wPrev[i], wp1 = wPrev[i + 1], wp2 = wPrev[i + 2], wp3 = wPrev[i + 3];
      const v0 = v[i], v1 = v[i + 1], v2 = v[i + 2], v3 = v[i + 3];
      let acc0 = 0, acc1 = 0, acc2 = 0, acc3 = 0;
      for (let j = i + 4; j < n; j++) {
        const wj = wPrev[j], vpj = vPrev[j], vj = v[j];
        const a0 = w[o0 + j] - (vp0 * wj + wp0 * vpj);
        const a1 = w[o1 + j] - (vp1 * wj + wp1 * vpj);
        const a2 = w[o2 + j] - (vp2 * wj + wp2 * vpj);
        const a3 = w[o3 + j] - (vp3 * wj + wp3 * vpj);
        w[o0 + j] = a0; w[o1 + j] = a1; w[o2 + j] = a2; w[o3 + j] = a3;
        acc0 += a0 * vj; acc1 += a1 * vj; acc2 += a2 * vj; acc3 += a3 * vj;
        p[j] += a0 * v0 + a1 * v1 + a2 * v2 + a3 * v3;
      }
      p[i] += acc0; p[i + 1] += acc1; p[i + 2] += acc2; p[i + 3] += acc3;
    }
    for (; i < n; i++) {
      const o = i * n;
      const vpi = vPrev[i], wpi = wPrev[i], vi = v[i];
      const aii = w[o + i] - (vpi * wPrev[i] + wpi * vPrev[i]);
      w[o + i] = aii;
      let acc = aii * vi;
      for (let j = i + 1; j < n; j++) {
        const a = w[o + j] - (vpi * wPrev[j] + wpi * vPrev[j]);
        w[o + j] = a;
        acc += a * v[j];
        p[j] += a * vi;
      }
      p[i] += acc;
    }
    // w = beta·p − (beta²/2)(pᵀv)·v becomes the pending update (reusing the old buffers).
    let pv = 0;
    for (let i = k + 1; i < n; i++) pv += p[i] * v[i];
    const K = 0.5 * beta * beta * pv;
    for (let i = k + 1; i < n; i++) p[i] = beta * p[i] - K * v[i];
    const tv = vPrev, tw = wPrev;
    vPrev = v; wPrev = p;
    v = tv; p = tw;
  }
  // Apply the last pending update to the trailing 2×2 block.
  for (let i = Math.max(n - 2, 0); i < n; i++) {
    const o = i * n, vi = vPrev[i], wi = wPrev[i];
    for (let j = i; j < n; j++) w[o + j] -= vi * wPrev[j] + wi * vPrev[j];
  }
  if (n >= 2) {
    d[n - 2] = w[(n - 2) * n + n - 2];
    e[n - 2] = w[(n - 2) * n + n - 1];
    betas[n - 2] = 0;
  }
  d[n - 1] = w[n * n - 1];
}

/** Q = H₀H₁⋯H_{n−3} from the vectors left in row k of w by `tridiagonalize`. */
function formQ(w: Float64Array, n: number, betas: Float64Array): Float64Array {
  return accumulateReflectors(n, n, 1, Math.max(n - 2, 0), betas, (k, dst, at) => {
    dst.set(w.subarray(k * n + k + 1, (k + 1) * n), at);
  });
}

/**
 * Copy (A + Aᵀ)/2 into a fresh array scaled by 1/max|a_ij| (so squares in the Householder and
 * shift formulas can neither overflow nor underflow). Returns the array and the scale.
 */
function prepare(A: Mat, who: string): { w: Float64Array; scale: number } {
  if (A.rows !== A.cols) throw new RangeError(`${who}: matrix is ${A.rows}×${A.cols}, not square`);
  const n = A.rows, a = A.data;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    const t = Math.abs(a[i]);
    if (!(t <= Number.MAX_VALUE)) throw new RangeError(`${who}: matrix has a non-finite entry at index ${i}`);
    if (t > scale) scale = t;
  }
  const w = new Float64Array(n * n);
  if (scale === 0) return { w, scale };
  const h = 0.5 / scale;
  for (let i = 0; i < n; i++) {
    w[i * n + i] = a[i * n + i] / scale;
    for (let j = i + 1; j < n; j++) w[i * n + j] = h * (a[i * n + j] + a[j * n + i]);
  }
  return { w, scale };
}

/** Ascending order of values (stable). */
function ascendingOrder(values: Float64Array): Int32Array {
  const idx = Array.from({ length: values.length }, (_, i) => i);
  idx.sort((i, j) => values[i] - values[j] || i - j);
  return Int32Array.from(idx);
}

/** Permute the columns of a row-major rows×n matrix: new column j = old column order[j]. */
function permuteColumns(V: Float64Array, rows: number, n: number, order: Int32Array): void {
  const tmp = new Float64Array(n);
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    for (let j = 0; j < n; j++) tmp[j] = V[o + order[j]];
    V.set(tmp, o);
  }
}

export interface EighResult {
  /** Eigenvalues in ascending order. */
  values: Float64Array;
  /** Column i is the unit eigenvector for values[i]; the columns are orthonormal. */
  vectors: Mat;
}

/**
 * Which route `eigh` / `eigvalsh` take: 'auto' (LAPACK when the backend has it; else, with a
 * fast matmul (any backend but the reference one), the blocked divide-and-conquer route from
 * DC_MIN_N on; else unblocked QR), or one portable route forced: 'qr' (unblocked reduction +
 * implicit QR) or 'divide-conquer' (blocked reduction + divide and conquer; for `eigvalsh`
 * the blocked reduction + QR on T).
 */
export type EighMethod = 'auto' | 'qr' | 'divide-conquer';

export interface EighOptions {
  method?: EighMethod;
}

/** Smallest n for which the portable route is blocked reduction + divide and conquer. */
export const DC_MIN_N = 128;
/** Smallest n for which eigvalsh uses the blocked reduction. */
export const BLOCKED_MIN_N = 320;

/** The blocked routes pay off only when matmul is much faster than the portable loops. */
function fastMatmul(): boolean {
  return backend() !== referenceBackend;
}

function pickMethod(opts: EighOptions | undefined, who: string): EighMethod {
  const method = opts?.method ?? 'auto';
  if (method !== 'auto' && method !== 'qr' && method !== 'divide-conquer') {
    throw new RangeError(`${who}: method must be 'auto', 'qr' or 'divide-conquer', got ${String(method)}`);
  }
  return method;
}

/**
 * Eigendecomposition of a symmetric matrix (the symmetric part (A + Aᵀ)/2 is what is
 * decomposed). Backward stable: ‖A·V − V·Λ‖ and ‖VᵀV − I‖ are a modest multiple of n·ε·‖A‖.
 */
export function eigh(A: Mat, opts?: EighOptions): EighResult {
  const method = pickMethod(opts, 'eigh');
  const n = A.rows;
  const { w, scale } = prepare(A, 'eigh');
  if (scale === 0) {
    const vectors: Mat = { rows: n, cols: n, data: new Float64Array(n * n) };
    for (let i = 0; i < n; i++) vectors.data[i * n + i] = 1;
    return { values: new Float64Array(n), vectors };
  }
  const lapack = backend().eigh;
  if (lapack && method === 'auto') {
    const values = new Float64Array(n), V = new Float64Array(n * n);
    lapack(w, n, values, V);
    for (let i = 0; i < n; i++) values[i] *= scale;
    return { values, vectors: { rows: n, cols: n, data: V } };
  }
  const d = new Float64Array(n), e = new Float64Array(Math.max(n - 1, 0)), betas = new Float64Array(n);
  if (method === 'divide-conquer' || (method === 'auto' && n >= DC_MIN_N && fastMatmul())) {
    tridiagonalizeBlocked(w, n, d, e, betas);
    const { values, vectors: Z } = tridiagonalDC(d, e, n);
    applyReflectors(w, n, betas, Z, n);
    for (let i = 0; i < n; i++) values[i] *= scale;
    return { values, vectors: { rows: n, cols: n, data: Z } };
  }
  tridiagonalize(w, n, d, e, betas);
  const V = formQ(w, n, betas);
  tridiagonalQR(d, e, n, V, n);
  const order = ascendingOrder(d);
  permuteColumns(V, n, n, order);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = scale * d[order[i]];
  return { values, vectors: { rows: n, cols: n, data: V } };
}

/** Eigenvalues of a symmetric matrix in ascending order, without the cost of eigenvectors. */
export function eigvalsh(A: Mat, opts?: EighOptions): Float64Array {
  const method = pickMethod(opts, 'eigvalsh');
  const n = A.rows;
  const { w, scale } = prepare(A, 'eigvalsh');
  if (scale === 0) return new Float64Array(n);
  const lapack = backend().eigh;
  if (lapack && method === 'auto') {
    const values = new Float64Array(n);
    lapack(w, n, values, null);
    for (let i = 0; i < n; i++) values[i] *= scale;
    return values;
  }
  const d = new Float64Array(n), e = new Float64Array(Math.max(n - 1, 0)), betas = new Float64Array(n);
  if (method === 'divide-conquer' || (method === 'auto' && n >= BLOCKED_MIN_N && fastMatmul())) tridiagonalizeBlocked(w, n, d, e, betas);
  else tridiagonalize(w, n, d, e, betas);
  tridiagonalQR(d, e, n);
  d.sort();
  for (let i = 0; i < n; i++) d[i] *= scale;
  return d;
}

function checkTridiagonal(alpha: ArrayLike<number>, beta: ArrayLike<number>, who: string): number {
  const n = alpha.length;
  if (beta.length < n - 1) throw new RangeError(`${who}: beta has length ${beta.length}, need ${n - 1} for ${n} diagonal entries`);
  for (let i = 0; i < n; i++) if (!Number.isFinite(alpha[i])) throw new RangeError(`${who}: alpha[${i}] is not finite`);
  for (let i = 0; i < n - 1; i++) if (!Number.isFinite(beta[i])) throw new RangeError(`${who}: beta[${i}] is not finite`);
  return n;
}

/** Scale factor for a tridiagonal matrix: its largest entry (1 if zero). */
function tridiagonalScale(alpha: ArrayLike<number>, beta: ArrayLike<number>, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s = Math.max(s, Math.abs(alpha[i]));
  for (let i = 0; i < n - 1; i++) s = Math.max(s, Math.abs(beta[i]));
  return s === 0 ? 1 : s;
}

/**
 * Eigen-decomposition of the symmetric tridiagonal matrix with diagonal `alpha` (length m) and
 * off-diagonal `beta` (its first m−1 entries are used). Values ascending; with `wantVectors`
 * (default true) column i of `vectors` (m×m) is the unit eigenvector of values[i].
 */
export function tridiagonalEigen(
  alpha: ArrayLike<number>, beta: ArrayLike<number>, wantVectors = true,
): { values: Float64Array; vectors: Mat | null } {
  const n = checkTridiagonal(alpha, beta, 'tridiagonalEigen');
  const sc = tridiagonalScale(alpha, beta, n);
  const d = new Float64Array(n), e = new Float64Array(Math.max(n - 1, 0));
  for (let i = 0; i < n; i++) d[i] = alpha[i] / sc;
  for (let i = 0; i < n - 1; i++) e[i] = beta[i] / sc;
  let V: Float64Array | null = null;
  if (wantVectors) {
    V = new Float64Array(n * n);
    for (let i = 0; i < n; i++) V[i * n + i] = 1;
  }
  tridiagonalQR(d, e, n, V, n);
  const order = ascendingOrder(d);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = sc * d[order[i]];
  if (V === null) return { values, vectors: null };
  permuteColumns(V, n, n, order);
  return { values, vectors: { rows: n, cols: n, data: V } };
}

/**
 * Eigenvalues (ascending) of a symmetric tridiagonal matrix together with the first and last
 * components of each unit eigenvector, in O(m²): only those two rows of the eigenvector matrix
 * are accumulated. The first components squared are the Gauss quadrature weights of stochastic
 * Lanczos quadrature; the last components give Lanczos residual bounds |β_m·z_{m,i}|.
 */
export function tridiagonalEigenEnds(
  alpha: ArrayLike<number>, beta: ArrayLike<number>,
): { values: Float64Array; first: Float64Array; last: Float64Array } {
  const n = checkTridiagonal(alpha, beta, 'tridiagonalEigenEnds');
  const sc = tridiagonalScale(alpha, beta, n);
  const d = new Float64Array(n), e = new Float64Array(Math.max(n - 1, 0));
  for (let i = 0; i < n; i++) d[i] = alpha[i] / sc;
  for (let i = 0; i < n - 1; i++) e[i] = beta[i] / sc;
  const rows = new Float64Array(2 * n); // row 0 = e₁ᵀ, row 1 = e_mᵀ
  if (n > 0) {
    rows[0] = 1;
    rows[2 * n - 1] = 1;
  }
  tridiagonalQR(d, e, n, rows, 2);
  const order = ascendingOrder(d);
  const values = new Float64Array(n), first = new Float64Array(n), last = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    values[i] = sc * d[order[i]];
    first[i] = rows[order[i]];
    last[i] = rows[n + order[i]];
  }
  return { values, first, last };
}
