/**
 * Symmetric eigendecomposition A = V·diag(λ)·Vᵀ.
 *
 * 1. Householder tridiagonalization Qᵀ·A·Q = T (Golub & Van Loan, Matrix Computations 4th ed.,
 *    Alg. 8.3.1): each step is a symmetric matrix–vector product and a symmetric rank-2 update,
 *    fused into one pass over the upper triangle, row by row, so every inner loop is contiguous.
 * 2. Q formed by backward accumulation of the Householder vectors, four at a time in compact
 *    WY form (GVL §5.1; Schreiber & Van Loan 1989).
 * 3. Implicit symmetric QR steps on T (GVL Alg. 8.3.2; Parlett, The Symmetric Eigenvalue
 *    Problem, ch. 8) in the EISPACK tql form, deflating from the bottom, with Wilkinson shifts
 *    and, when vectors are wanted, "perfect" shifts from a cheap eigenvalues-only pass first.
 *    The Givens rotations of one sweep are recorded and then applied to V = Q in one pass (as
 *    LAPACK's dsteqr/dlasr do). They act on adjacent *columns* of the row-major V, so within a
 *    row the sweep is a short recurrence over contiguous memory; eight rows go together so
 *    their independent recurrences overlap in the CPU pipeline.
 *
 * Cost ≈ 4/3·n³ (reduction) + 4/3·n³ (Q) + 3·n³·(QR steps per eigenvalue, ≈ 1.3) flops.
 *
 * When the active backend carries LAPACK (`backend().eigh`, the native backend), `eigh` and
 * `eigvalsh` hand the same scaled symmetric matrix to dsyevd instead; this file stays the
 * portable route and the oracle it is tested against.
 */
import { accumulateReflectors, householder, type Mat } from './matrix.js';
import { backend } from '../backend/index.js';

const EPS = 2.220446049250313e-16;

/**
 * Apply the rotations k = l..m−1, in that order, to columns (k, k+1) of rows r0..r1−1 of a
 * row-major matrix V with row stride `ld`; rotation k is (c[base + k], s[base + k]):
 *   col_k ← c_k·col_k + s_k·col_{k+1},   col_{k+1} ← −s_k·col_k + c_k·col_{k+1}.
 * This is V ← V·G_l·G_{l+1}⋯G_{m−1}.
 */
export function applyRotations(
  V: Float64Array, r0: number, r1: number, ld: number, l: number, m: number,
  c: Float64Array, s: Float64Array, base = 0,
): void {
  if (m <= l) return;
  let r = r0;
  // Within a row, the value carried from column k into column k+1 is the only dependency, so
  // it lives in a register; eight rows at a time give the CPU eight independent chains.
  for (; r + 7 < r1; r += 8) {
    const o0 = r * ld, o1 = o0 + ld, o2 = o1 + ld, o3 = o2 + ld;
    const o4 = o3 + ld, o5 = o4 + ld, o6 = o5 + ld, o7 = o6 + ld;
    let t0 = V[o0 + l], t1 = V[o1 + l], t2 = V[o2 + l], t3 = V[o3 + l];
    let t4 = V[o4 + l], t5 = V[o5 + l], t6 = V[o6 + l], t7 = V[o7 + l];
    for (let k = l; k < m; k++) {
      const ck = c[base + k], sk = s[base + k], k1 = k + 1;
      let x = V[o0 + k1]; V[o0 + k] = ck * t0 + sk * x; t0 = ck * x - sk * t0;
      x = V[o1 + k1]; V[o1 + k] = ck * t1 + sk * x; t1 = ck * x - sk * t1;
      x = V[o2 + k1]; V[o2 + k] = ck * t2 + sk * x; t2 = ck * x - sk * t2;
      x = V[o3 + k1]; V[o3 + k] = ck * t3 + sk * x; t3 = ck * x - sk * t3;
      x = V[o4 + k1]; V[o4 + k] = ck * t4 + sk * x; t4 = ck * x - sk * t4;
      x = V[o5 + k1]; V[o5 + k] = ck * t5 + sk * x; t5 = ck * x - sk * t5;
      x = V[o6 + k1]; V[o6 + k] = ck * t6 + sk * x; t6 = ck * x - sk * t6;
      x = V[o7 + k1]; V[o7 + k] = ck * t7 + sk * x; t7 = ck * x - sk * t7;
    }
    V[o0 + m] = t0; V[o1 + m] = t1; V[o2 + m] = t2; V[o3 + m] = t3;
    V[o4 + m] = t4; V[o5 + m] = t5; V[o6 + m] = t6; V[o7 + m] = t7;
  }
  for (; r < r1; r++) {
    const o = r * ld;
    let t = V[o + l];
    for (let k = l; k < m; k++) {
      const ck = c[base + k], sk = s[base + k];
      const x = V[o + k + 1];
      V[o + k] = ck * t + sk * x;
      t = ck * x - sk * t;
    }
    V[o + m] = t;
  }
}

/** Rows of V per block when a batch of sweeps is applied (a block stays in L1/L2 for the batch). */
const BATCH_ROWS = 16;
/** Rotations held per batch (16 MiB of coefficients). */
const BATCH_ROTATIONS = 1 << 20;

/**
 * Rotation sweeps recorded and applied to a row-major matrix in batches. Rows of V evolve
 * independently under V ← V·G₁G₂⋯, so a whole batch of sweeps can be applied to a block of
 * rows while it sits in cache, instead of streaming all of V through memory once per sweep.
 * Usage: `const at = batch.sweep(l, m)`, write rotation k to c/s[at + k − l], and `flush()`
 * before V is read (or touched by anything else).
 */
export class RotationBatch {
  c: Float64Array;
  s: Float64Array;
  private readonly ls: number[] = [];
  private readonly ms: number[] = [];
  private readonly offs: number[] = [];
  private used = 0;

  constructor(
    private readonly V: Float64Array, private readonly rows: number, private readonly ld: number,
    maxSweepLength: number,
  ) {
    // Small problems hold everything; large ones flush every BATCH_ROTATIONS rotations. With no
    // rows to update the buffers are only scratch space for one sweep.
    const cap = rows === 0 ? maxSweepLength
      : Math.max(maxSweepLength, Math.min(BATCH_ROTATIONS, 4 * maxSweepLength * maxSweepLength));
    this.c = new Float64Array(cap);
    this.s = new Float64Array(cap);
  }

  /** Reserve room for a sweep over columns l..m; returns the offset of its rotation l. */
  sweep(l: number, m: number): number {
    if (this.used + (m - l) > this.c.length) this.flush();
    const at = this.used;
    this.ls.push(l);
    this.ms.push(m);
    this.offs.push(at);
    this.used += m - l;
    return at;
  }

  flush(): void {
    const { V, rows, ld, ls, ms, offs, c, s } = this;
    const count = ls.length;
    if (count > 0 && rows > 0) {
      for (let r0 = 0; r0 < rows; r0 += BATCH_ROWS) {
        const r1 = Math.min(rows, r0 + BATCH_ROWS);
        for (let t = 0; t < count; t++) applyRotations(V, r0, r1, ld, ls[t], ms[t], c, s, offs[t] - ls[t]);
      }
    }
    ls.length = 0;
    ms.length = 0;
    offs.length = 0;
    this.used = 0;
  }
}

/**
 * √(a² + b²) for rotations. V8's Math.hypot is not correctly rounded and, when |b| ≪ |a|, is
 * biased low by about ε/4; over the O(n²) rotations of a QR sweep sequence that bias adds up
 * (measured: singular values off by ~450ε·‖A‖ at n = 1000, against ~40ε with this). The plain
 * formula is accurate to ~ε/4 without bias; Math.hypot only guards the over/underflow range.
 */
export function pythag(a: number, b: number): number {
  const s = a * a + b * b;
  return s > 1e-290 && s < 1e290 ? Math.sqrt(s) : Math.hypot(a, b);
}

const PERFECT_SHIFT_MIN_N = 16;
/** Normwise deflation threshold, in units of ε·‖T‖ (see tridiagonalQR). */
const DEFLATE = 4;

/** Index of the entry of the ascending array `pool` nearest to x among those not yet used. */
function nearestUnused(pool: Float64Array, used: Uint8Array, x: number): number {
  let lo = 0, hi = pool.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (pool[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  let a = lo - 1, b = lo;
  while (a >= 0 && used[a]) a--;
  while (b < pool.length && used[b]) b++;
  if (a < 0) return b < pool.length ? b : 0;
  if (b >= pool.length) return a;
  return x - pool[a] <= pool[b] - x ? a : b;
}

/**
 * Diagonalize the symmetric tridiagonal matrix with diagonal d[0..n) and off-diagonal
 * e[0..n−1) (e[i] couples i and i+1) in place: on return d holds the eigenvalues (unsorted) and
 * e is destroyed. If V is given (row-major, `vrows` rows, n columns) it is multiplied on the
 * right by the accumulated rotations, so passing V = I yields the eigenvectors as columns,
 * passing V = Q yields Q·Z, and passing a single row yields that row of Z.
 */
export function tridiagonalQR(
  d: Float64Array, e: Float64Array, n: number, V: Float64Array | null = null, vrows = 0,
): void {
  if (n <= 1) return;
  const batch = V !== null && vrows > 0 ? new RotationBatch(V, vrows, n, n) : null;
  const scratchC = batch === null ? new Float64Array(n) : null;
  const scratchS = batch === null ? new Float64Array(n) : null;
  const maxIter = 30 * n;
  let iter = 0;
  // Perfect shifts: when rotations must be accumulated (the expensive case), first find the
  // eigenvalues in O(n²) without vectors, then start each deflation with a shift equal to the
  // computed eigenvalue nearest the Wilkinson shift. An exact eigenvalue as shift deflates in
  // one step in exact arithmetic; in floating point it may not (forward instability: Parlett
  // & Le, SIMAX 1993), so it is tried once per deflation and then Wilkinson shifts take over.
  // This cuts the QR steps from ~1.9 to ~1.3 per eigenvalue. Backward stability never
  // depends on the shift.
  let pool: Float64Array | null = null;
  let used: Uint8Array | null = null;
  if (V !== null && n >= PERFECT_SHIFT_MIN_N) {
    pool = d.slice();
    const ec = e.slice();
    tridiagonalQR(pool, ec, n);
    pool.sort();
    used = new Uint8Array(n);
  }
  // An off-diagonal entry is negligible if it is tiny next to its two diagonal neighbours, or
  // next to ‖T‖: zeroing entries below c·ε·‖T‖ perturbs T by at most 2c·ε·‖T‖ in norm (they
  // sit in distinct positions), which is all normwise backward stability asks. The small
  // c > 1 lets most perfect-shift steps deflate at once (their shifts carry O(ε·‖T‖) error).
  let tnorm = 0;
  for (let i = 0; i < n; i++) {
    const row = Math.abs(d[i]) + (i > 0 ? Math.abs(e[i - 1]) : 0) + (i < n - 1 ? Math.abs(e[i]) : 0);
    if (row > tnorm) tnorm = row;
  }
  const small = DEFLATE * EPS * tnorm;
  let tried = -1; // the bottom index for which the perfect shift was already spent
  let m = n - 1;
  while (m > 0) {
    // Find the unreduced block [l, m] that ends at m.
    let l = m;
    while (l > 0) {
      const t = Math.abs(e[l - 1]);
      if (t <= EPS * (Math.abs(d[l - 1]) + Math.abs(d[l])) || t <= small) {
        e[l - 1] = 0;
        break;
      }
      l--;
    }
    if (l === m) {
      if (pool !== null) used![nearestUnused(pool, used!, d[m])] = 1;
      m--;
      continue;
    }
    if (++iter > maxIter) {
      throw new Error(`tridiagonal QR did not converge after ${maxIter} iterations (n = ${n}); is the input finite?`);
    }
    // Wilkinson shift: the eigenvalue of the trailing 2×2 block closer to d[m].
    const b = e[m - 1];
    const delta = 0.5 * (d[m - 1] - d[m]);
    const h = Math.hypot(delta, b);
    let mu = d[m] - (b * b) / (delta >= 0 ? delta + h : delta - h);
    if (pool !== null && tried !== m) {
      tried = m;
      mu = pool[nearestUnused(pool, used!, mu)];
    }
    // Implicit QR step (GVL Alg. 8.3.2): the first rotation is that of the shifted QR step on
    // the first column of T − μI; the rest chase the bulge down and out of the block. It is
    // written in the EISPACK tql form (the mirror image of the implicit QL step of tql2):
    // each rotation moves an amount p from one diagonal entry to the next, so the diagonal is
    // updated by corrections and its sum is conserved. Recomputing d[k] as c²a + 2csf + s²g
    // instead lets rounding errors build up over the O(n) sweeps each entry goes through
    // (measured ~10× larger eigenvalue errors at n = 1000).
    // Rotation k goes to cs/sn[at + k]: into the batch for V, or into scratch space.
    let cs: Float64Array, sn: Float64Array, at: number;
    if (batch !== null) {
      cs = batch.c;
      sn = batch.s;
      at = batch.sweep(l, m) - l;
    } else {
      cs = scratchC!;
      sn = scratchS!;
      at = 0;
    }
    let g = d[l] - mu;
    let c = 1, s = 1, p = 0;
    for (let k = l; k < m; k++) {
      const f = s * e[k], bb = c * e[k];
      const r = pythag(g, f);
      if (r !== 0) {
        c = g / r;
        s = f / r;
      } else {
        c = 1;
        s = 0;
      }
      if (k > l) e[k - 1] = r;
      g = d[k] - p;
      const t = (d[k + 1] - g) * s + 2 * c * bb;
      p = s * t;
      d[k] = g + p;
      g = c * t - bb;
      cs[at + k] = c;
      sn[at + k] = s;
    }
    d[m] -= p;
    e[m - 1] = g;
  }
  batch?.flush();
}

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
 * Eigendecomposition of a symmetric matrix (the symmetric part (A + Aᵀ)/2 is what is
 * decomposed). Backward stable: ‖A·V − V·Λ‖ and ‖VᵀV − I‖ are a modest multiple of n·ε·‖A‖.
 */
export function eigh(A: Mat): EighResult {
  const n = A.rows;
  const { w, scale } = prepare(A, 'eigh');
  if (scale === 0) {
    const vectors: Mat = { rows: n, cols: n, data: new Float64Array(n * n) };
    for (let i = 0; i < n; i++) vectors.data[i * n + i] = 1;
    return { values: new Float64Array(n), vectors };
  }
  const lapack = backend().eigh;
  if (lapack) {
    const values = new Float64Array(n), V = new Float64Array(n * n);
    lapack(w, n, values, V);
    for (let i = 0; i < n; i++) values[i] *= scale;
    return { values, vectors: { rows: n, cols: n, data: V } };
  }
  const d = new Float64Array(n), e = new Float64Array(Math.max(n - 1, 0)), betas = new Float64Array(n);
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
export function eigvalsh(A: Mat): Float64Array {
  const n = A.rows;
  const { w, scale } = prepare(A, 'eigvalsh');
  if (scale === 0) return new Float64Array(n);
  const lapack = backend().eigh;
  if (lapack) {
    const values = new Float64Array(n);
    lapack(w, n, values, null);
    for (let i = 0; i < n; i++) values[i] *= scale;
    return values;
  }
  const d = new Float64Array(n), e = new Float64Array(Math.max(n - 1, 0)), betas = new Float64Array(n);
  tridiagonalize(w, n, d, e, betas);
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
