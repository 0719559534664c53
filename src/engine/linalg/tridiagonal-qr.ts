/**
 * Implicit symmetric QR on a tridiagonal matrix (Golub & Van Loan, Matrix Computations 4th ed.,
 * Alg. 8.3.2; Parlett, The Symmetric Eigenvalue Problem, ch. 8) in the EISPACK tql form,
 * deflating from the bottom, with Wilkinson shifts and, when vectors are wanted, "perfect"
 * shifts from a cheap eigenvalues-only pass first. The Givens rotations of one sweep are
 * recorded and then applied to V in one pass (as LAPACK's dsteqr/dlasr do). They act on
 * adjacent *columns* of the row-major V, so within a row the sweep is a short recurrence over
 * contiguous memory; eight rows go together so their independent recurrences overlap in the
 * CPU pipeline. Used by eigh.ts (the whole spectrum below the divide-and-conquer crossover,
 * and eigenvalues only), by divide-conquer.ts for its leaves and by svd.ts (rotations).
 */
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
