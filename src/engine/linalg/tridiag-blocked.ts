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
 * Kernels and memory. The level-2 work runs on the backend's LinalgKernels
 * (backend/linalg-kernels.ts): A⁽⁰⁾·v is one symvUpper; the row update and V·(Wᵀv) + W·(Vᵀv)
 * are gemv's over the panel's rows [v₀ w₀ v₁ w₁ …]. A symmetric product streams the whole
 * trailing triangle from memory for 4 flops per 8-byte element (memory-bound: at n = 2000 the
 * triangle is 16 MB), so its operands must not be copied per call: on a backend with an arena
 * (wasm; native inherits it) the reduction and the back-transformation run on arena copies of
 * their arrays, which the kernels and the matmul read in place, and copy the results back.
 * Where the copies do not fit (inside an arena scope already open and too full) they run on
 * the heap arrays with the portable kernels.
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
import { ARENA, Arena, withArena } from '../arena.js';
import { backend } from '../backend/index.js';
import { referenceLinalg, type LinalgKernels } from '../backend/linalg-kernels.js';

/** Panel width of the reduction. */
export const TRIDIAG_PANEL = 32;
/** Reflectors per block of the back-transformation. */
const APPLY_BLOCK = 128;
/** Rows per matmul when the rank-2b update is formed block row by block row. */
const UPDATE_ROWS = 192;
/** From this n on the reduction runs on arena copies of its arrays (so the level-2 kernels read them in place). */
const RESIDENT_MIN_N = 64;

/**
 * Run `fn` on zero-filled Float64Arrays of the given lengths carved from the active backend's
 * own arena (the wasm backend's linear memory, inherited by the native backend), so its kernels
 * read and write them in place instead of copying them per call. Returns false (without
 * calling fn) when the backend has no arena of its own or the arrays do not fit: inside an
 * already open scope the region cannot grow; an outermost scope that ran short is reopened
 * once, sized by the demand the first try recorded.
 */
function withResident(lengths: readonly number[], fn: (bufs: Float64Array[]) => void): boolean {
  const arena = (backend() as { [ARENA]?: unknown })[ARENA];
  if (!(arena instanceof Arena)) return false;
  const tries = arena.active ? 1 : 2;
  for (let t = 0; t < tries; t++) {
    const done = withArena(() => {
      const bufs: Float64Array[] = [];
      let ok = true;
      // Ask for every array even after one failed, so the recorded demand covers them all.
      for (const len of lengths) {
        const v = arena.alloc('f64', len);
        if (v instanceof Float64Array) bufs.push(v);
        else ok = false;
      }
      if (ok) fn(bufs);
      return ok;
    }, arena);
    if (done) return true;
  }
  return false;
}

/**
 * Row k of the current matrix: a[rowk + c] −= Σ_{s<t} (V[s,k]·W[s,c] + W[s,k]·V[s,c]) for
 * c = k..n−1, as one transposed matrix–vector product with the panel's [v₀ w₀ v₁ w₁ …] rows.
 */
function panelRowUpdate(
  K: LinalgKernels, a: Float64Array, rowk: number, k: number, n: number, VW: Float64Array, t: number, coef: Float64Array,
): void {
  if (t === 0) return;
  for (let s = 0; s < t; s++) {
    coef[2 * s] = VW[(2 * s + 1) * n + k]; // W[s,k] multiplies v_s
    coef[2 * s + 1] = VW[2 * s * n + k]; //  V[s,k] multiplies w_s
  }
  const len = n - k;
  K.gemv(VW.subarray(k, k + (2 * t - 1) * n + len), coef.subarray(0, 2 * t), a.subarray(rowk + k, rowk + n), 2 * t, len, true, -1, 1, n);
}

/**
 * p −= V·(Wᵀv) + W·(Vᵀv) over entries k+1..n−1 (V, W: the panel's t reflectors, stored as rows
 * [v₀ w₀ v₁ w₁ …] of length n): the dot products [v_sᵀv, w_sᵀv] in one matrix–vector product,
 * swapped in pairs, and the correction in one transposed product.
 */
function panelCorrection(
  K: LinalgKernels, p: Float64Array, v: Float64Array, k: number, n: number, VW: Float64Array, t: number,
  dots: Float64Array, coef: Float64Array,
): void {
  if (t === 0) return;
  const len = n - k - 1, rows = 2 * t;
  const block = VW.subarray(k + 1, k + 1 + (rows - 1) * n + len);
  K.gemv(block, v.subarray(k + 1, n), dots.subarray(0, rows), rows, len, false, 1, 0, n);
  for (let s = 0; s < t; s++) {
    coef[2 * s] = dots[2 * s + 1]; // v_s·(w_sᵀv)
    coef[2 * s + 1] = dots[2 * s]; // w_s·(v_sᵀv)
  }
  K.gemv(block, coef.subarray(0, rows), p.subarray(k + 1, n), rows, len, true, -1, 1, n);
}

/**
 * Householder tridiagonalization in place on the full row-major n×n array a (only its upper
 * triangle is read or written). Writes the diagonal to d, the off-diagonal to e and the
 * reflector scalars to betas (betas[n−2] = 0), and leaves reflector k's vector (leading 1) in
 * row k, columns k+1..n−1. Same contract and, to rounding, same output as the unblocked
 * reduction; `nb` is the panel width.
 *
 * The matrix–vector products go to the backend's level-2 kernels (backend/linalg-kernels.ts).
 * A product reads its whole trailing matrix once, so on a backend with an arena (wasm, native)
 * the reduction runs on an arena copy of `a` and its work arrays (copied back at the end),
 * which the kernels and the matmul read in place; where that copy does not fit, it runs in
 * place on the portable kernels.
 */
export function tridiagonalizeBlocked(
  a: Float64Array, n: number, d: Float64Array, e: Float64Array, betas: Float64Array,
  nb = TRIDIAG_PANEL,
): void {
  if (!Number.isInteger(nb) || nb < 1) throw new RangeError(`tridiagonalizeBlocked: nb must be a positive integer, got ${nb}`);
  const lengths = workLengths(n, nb);
  const B = backend();
  if (n >= RESIDENT_MIN_N && B.gemv && B.symvUpper) {
    const K: LinalgKernels = { gemv: B.gemv, symvUpper: B.symvUpper };
    const resident = withResident([n * n, ...lengths], ([ar, ...work]) => {
      ar.set(a.subarray(0, n * n));
      reduce(K, ar, n, d, e, betas, nb, work);
      a.set(ar);
    });
    if (resident) return;
  }
  reduce(referenceLinalg, a, n, d, e, betas, nb, lengths.map((len) => new Float64Array(len)));
}

/** Lengths of the reduction's work arrays: VW, v, p, h, dots, coef, P, Q, C. */
function workLengths(n: number, nb: number): number[] {
  return [2 * nb * n, n, n, n, 2 * nb, 2 * nb, n * 2 * nb, n * 2 * nb, Math.min(UPDATE_ROWS, n) * n];
}

function reduce(
  K: LinalgKernels, a: Float64Array, n: number, d: Float64Array, e: Float64Array, betas: Float64Array,
  nb: number, work: Float64Array[],
): void {
  const count = Math.max(n - 2, 0); // reflectors k = 0..n−3
  // VW: the current panel's v_t (row 2t) and w_t (row 2t+1), global length n each.
  // P, Q: packed [V W] and [W V] of the trailing rows; C: one block row of their product.
  const [VW, v, p, h, dots, coef, P, Q, C] = work;
  const mu = new Float64Array(1);
  const mm = backend();
  for (let k0 = 0; k0 < count; k0 += nb) {
    const b = Math.min(nb, count - k0);
    VW.fill(0, 0, 2 * b * n);
    for (let t = 0; t < b; t++) {
      const k = k0 + t, rowk = k * n;
      // Row k of the current matrix: subtract the panel's updates so far.
      panelRowUpdate(K, a, rowk, k, n, VW, t, coef);
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
      // p = A⁽⁰⁾·v − V·(Wᵀv) − W·(Vᵀv), A⁽⁰⁾ the trailing block from (k+1, k+1), upper triangle.
      const off = (k + 1) * n + k + 1;
      K.symvUpper(a.subarray(off, off + (len - 1) * n + len), v.subarray(k + 1, n), p.subarray(k + 1, n), len, 1, 0, n);
      panelCorrection(K, p, v, k, n, VW, t, dots, coef);
      // w = β·p − (β²/2)(pᵀv)·v.
      let pv = 0;
      for (let c = k + 1; c < n; c++) pv += p[c] * v[c];
      const Kc = 0.5 * beta * beta * pv;
      const vt = VW.subarray(2 * t * n, (2 * t + 1) * n), wt = VW.subarray((2 * t + 1) * n, (2 * t + 2) * n);
      for (let c = k + 1; c < n; c++) {
        vt[c] = v[c];
        wt[c] = beta * p[c] - Kc * v[c];
      }
    }
    // Trailing update of rows/cols r0.. : A ← A − [V W]·[W V]ᵀ, upper triangle only.
    const r0 = k0 + b, m2 = n - r0, b2 = 2 * b;
    if (m2 <= 0) continue;
    for (let i = 0; i < m2; i++) {
      const r = r0 + i, o = i * b2;
      for (let t = 0; t < b; t++) {
        const vr = VW[2 * t * n + r], wr = VW[(2 * t + 1) * n + r];
        P[o + t] = vr; P[o + b + t] = wr;
        Q[o + t] = wr; Q[o + b + t] = vr;
      }
    }
    for (let i0 = 0; i0 < m2; i0 += UPDATE_ROWS) {
      const rows = Math.min(UPDATE_ROWS, m2 - i0), cols = m2 - i0;
      const out = C.subarray(0, rows * cols);
      mm.matmul(P.subarray(i0 * b2, (i0 + rows) * b2), Q.subarray(i0 * b2, m2 * b2), out, rows, b2, cols, false, true);
      // Row g of A from its diagonal on −= row i of the block, from column i on.
      for (let i = 0; i < rows; i++) {
        const g = r0 + i0 + i, oc = i * cols, row = a.subarray(g * n + g, (g + 1) * n);
        mm.axpby(1, row, -1, out.subarray(oc + i, oc + cols), row);
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
 * is n×cols row-major. On a backend with an arena, Z and the work arrays are arena copies for
 * the duration (the matmuls then read and write them in place, as in the reduction).
 */
export function applyReflectors(
  a: Float64Array, n: number, betas: Float64Array, Z: Float64Array, cols: number,
  nb = APPLY_BLOCK,
): void {
  const count = Math.max(n - 2, 0);
  if (count === 0 || cols === 0) return;
  // Y, G, T, X, X2, out.
  const lengths = [n * nb, nb * nb, nb * nb, nb * cols, nb * cols, n * cols];
  const resident = n >= RESIDENT_MIN_N && withResident([n * cols, ...lengths], ([z, ...work]) => {
    z.set(Z.subarray(0, n * cols));
    applyBlocks(a, n, betas, z, cols, nb, work);
    Z.set(z);
  });
  if (!resident) applyBlocks(a, n, betas, Z, cols, nb, lengths.map((len) => new Float64Array(len)));
}

function applyBlocks(
  a: Float64Array, n: number, betas: Float64Array, Z: Float64Array, cols: number, nb: number, work: Float64Array[],
): void {
  const count = Math.max(n - 2, 0);
  const mm = backend();
  const [Y, G, T, X, X2, out] = work;
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
    mm.axpby(1, zs, -1, o, zs); // Z −= Y·T·Yᵀ·Z (exactly zs − o, as a plain loop)
  }
}
