/**
 * Divide-and-conquer eigensolver for a symmetric tridiagonal matrix T (Cuppen, Numer. Math.
 * 36, 1981; orthogonal eigenvectors by Gu & Eisenstat, SIAM J. Matrix Anal. Appl. 16, 1995;
 * deflation as in Dongarra & Sorensen, SIAM J. Sci. Stat. Comput. 8, 1987, and LAPACK
 * dlaed2/dlaed3/dlaed4).
 *
 * Divide. With β = T[m−1, m] and s = sign β,
 *   T = diag(T₁, T₂) + |β|·u·uᵀ,   u = e_{m−1} + s·e_m,
 * where T₁, T₂ are the leading and trailing blocks with |β| subtracted from their touching
 * diagonal entries. Solve both halves recursively, T_i = Q_i·D_i·Q_iᵀ (small blocks, n ≤ leaf,
 * by implicit QR), and then
 *   T = (Q₁ ⊕ s·Q₂)·(D + ρ·z·zᵀ)·(Q₁ ⊕ s·Q₂)ᵀ,   z = [last row of Q₁, first row of Q₂]/√2,
 *   ρ = 2|β| > 0, ‖z‖ = 1.
 *
 * Deflation (tolerance τ = 8ε·max(max|d|, max|z|)): a component with ρ|z_i| ≤ τ leaves
 * (d_i, column i) as an eigenpair; two poles with |(d_j − d_i)·c·s| ≤ τ, where (c, s) =
 * (z_j, z_i)/r and r = √(z_i² + z_j²), are rotated so that z_i becomes 0 (and z_j = r):
 *   d_i ← c²d_i + s²d_j,  d_j ← s²d_i + c²d_j,  q_i ← c·q_i − s·q_j,  q_j ← s·q_i + c·q_j,
 * dropping the off-diagonal cs(d_i − d_j). Both perturb T by O(τ) (normwise backward stable).
 *
 * Conquer. The k remaining eigenvalues are the roots of the secular equation
 *   f(λ) = 1 + ρ·Σ_i z_i²/(d_i − λ) = 0,   one in each (d_j, d_{j+1}), the last in (d_k, d_k + ρ‖z‖²).
 * Each root is found relative to its nearer pole d_o (λ = d_o + τ, the pole chosen by the sign
 * of f at the midpoint), so d_i − λ = (d_i − d_o) − τ is accurate even when λ hugs a pole. The
 * iteration fits f near τ by c + b/(δ_L − t) + B/(δ_R − t), the two nearest poles carrying
 * the fitted weights of the left and right partial sums (value and slope matched, as in the
 * Bunch–Nielsen–Sorensen / Li "middle way" schemes), takes the root of that quadratic inside
 * the bracket, and bisects when a step would leave the bracket or fails to halve |f|.
 * Stop when |f| is below its rounding-error bound.
 *
 * Eigenvectors. Gu–Eisenstat: the computed roots are the exact eigenvalues of D + ρ·ẑ·ẑᵀ with
 * (Löwner's formula)
 *   ẑ_i² = ∏_j (λ_j − d_i) / (ρ·∏_{j≠i} (d_j − d_i)),   sign ẑ_i = sign z_i,
 * and the eigenvector for λ_j is (D − λ_j)⁻¹·ẑ normalized, numerically orthogonal because ẑ and
 * λ agree to working accuracy. The products pair each λ_j with its interlacing pole so every
 * factor is O(1). The merged eigenvectors are (Q₁ ⊕ Q₂)·U, two matmuls: columns of Q₁ ⊕ Q₂
 * that a deflation rotation mixed across the halves are dense, the others live in one half,
 * so the top rows need only the top-or-dense columns and the bottom rows the bottom-or-dense.
 */
import { backend } from '../backend/index.js';
import { pythag, tridiagonalQR } from './tridiagonal-qr.js';

const EPS = 2.220446049250313e-16;
/** Largest subproblem solved directly by implicit QR. */
export const DC_LEAF = 32;
const MAX_SECULAR_ITER = 100;

export interface TridiagonalEigenpairs {
  /** Eigenvalues, ascending. */
  values: Float64Array;
  /** n×n row-major; column i is the unit eigenvector of values[i]. */
  vectors: Float64Array;
}

/**
 * All eigenpairs of the symmetric tridiagonal matrix with diagonal d[0..n) and off-diagonal
 * e[0..n−1) (inputs are not modified). Meant for a matrix scaled to O(1) entries.
 */
export function tridiagonalDC(d: Float64Array, e: Float64Array, n: number, leaf = DC_LEAF): TridiagonalEigenpairs {
  if (!Number.isInteger(leaf) || leaf < 2) throw new RangeError(`tridiagonalDC: leaf must be an integer ≥ 2, got ${leaf}`);
  const dd = d.slice(0, n), ee = e.slice(0, Math.max(n - 1, 0));
  return solve(dd, ee, 0, n, leaf);
}

/** Eigenpairs of the block [lo, hi) of (d, e); d's touching entries are modified by splitting. */
function solve(d: Float64Array, e: Float64Array, lo: number, hi: number, leaf: number): TridiagonalEigenpairs {
  const n = hi - lo;
  if (n <= leaf) return leafSolve(d.slice(lo, hi), e.slice(lo, Math.max(hi - 1, lo)), n);
  const m = lo + (n >> 1);
  const beta = e[m - 1];
  const r = Math.abs(beta);
  d[m - 1] -= r;
  d[m] -= r;
  const left = solve(d, e, lo, m, leaf);
  const right = solve(d, e, m, hi, leaf);
  return merge(left, m - lo, right, hi - m, beta);
}

function leafSolve(d: Float64Array, e: Float64Array, n: number): TridiagonalEigenpairs {
  const V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) V[i * n + i] = 1;
  tridiagonalQR(d, e, n, V, n);
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => d[i] - d[j] || i - j);
  const values = new Float64Array(n), vectors = new Float64Array(n * n);
  for (let c = 0; c < n; c++) values[c] = d[order[c]];
  for (let r = 0; r < n; r++) {
    const o = r * n;
    for (let c = 0; c < n; c++) vectors[o + c] = V[o + order[c]];
  }
  return { values, vectors };
}

/** Column kinds of Q₁ ⊕ Q₂: nonzero in the top rows only, in both, in the bottom rows only. */
const TOP = 1, DENSE = 2, BOTTOM = 3;

function merge(
  left: TridiagonalEigenpairs, n1: number, right: TridiagonalEigenpairs, n2: number, beta: number,
): TridiagonalEigenpairs {
  const n = n1 + n2;
  const sg = beta < 0 ? -1 : 1;
  const rho = 2 * Math.abs(beta);
  const Q1 = left.vectors, Q2 = right.vectors;
  // Q = Q₁ ⊕ s·Q₂ (n×n), z, and the poles, in the order of Q's columns.
  const Q = new Float64Array(n * n);
  for (let r = 0; r < n1; r++) Q.set(Q1.subarray(r * n1, (r + 1) * n1), r * n);
  for (let r = 0; r < n2; r++) {
    const o = (n1 + r) * n + n1, o2 = r * n2;
    for (let c = 0; c < n2; c++) Q[o + c] = sg * Q2[o2 + c];
  }
  // Sorted order of the poles (merging two ascending lists).
  const col = new Int32Array(n);
  {
    const a = left.values, b = right.values;
    let i = 0, j = 0, t = 0;
    while (i < n1 && j < n2) col[t++] = a[i] <= b[j] ? i++ : n1 + j++;
    while (i < n1) col[t++] = i++;
    while (j < n2) col[t++] = n1 + j++;
  }
  const ds = new Float64Array(n), zs = new Float64Array(n), kind = new Uint8Array(n);
  let dmax = 0, zmax = 0;
  for (let t = 0; t < n; t++) {
    const c = col[t];
    ds[t] = c < n1 ? left.values[c] : right.values[c - n1];
    zs[t] = Math.SQRT1_2 * (c < n1 ? Q1[(n1 - 1) * n1 + c] : sg * Q2[c - n1]);
    kind[t] = c < n1 ? TOP : BOTTOM;
    dmax = Math.max(dmax, Math.abs(ds[t]));
    zmax = Math.max(zmax, Math.abs(zs[t]));
  }
  // Deflation.
  const tol = 8 * EPS * Math.max(dmax, zmax);
  const keep = new Uint8Array(n);
  let prev = -1;
  for (let j = 0; j < n; j++) {
    if (rho * Math.abs(zs[j]) <= tol) continue;
    if (prev >= 0) {
      const zi = zs[prev], zj = zs[j];
      const r = pythag(zi, zj);
      const c = zj / r, s = zi / r;
      if (Math.abs((ds[j] - ds[prev]) * c * s) <= tol) {
        const di = ds[prev], dj = ds[j];
        ds[prev] = c * c * di + s * s * dj;
        ds[j] = s * s * di + c * c * dj;
        zs[prev] = 0;
        zs[j] = r;
        const ci = col[prev], cj = col[j];
        for (let o = 0; o < n * n; o += n) {
          const qi = Q[o + ci], qj = Q[o + cj];
          Q[o + ci] = c * qi - s * qj;
          Q[o + cj] = s * qi + c * qj;
        }
        if (kind[j] !== kind[prev]) kind[j] = DENSE;
        keep[prev] = 0;
      }
    }
    keep[j] = 1;
    prev = j;
  }
  const kept: number[] = [];
  for (let t = 0; t < n; t++) if (keep[t]) kept.push(t);
  const k = kept.length;
  const dk = new Float64Array(k), zk = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    dk[i] = ds[kept[i]];
    zk[i] = zs[kept[i]];
  }
  const origin = new Int32Array(k), tau = new Float64Array(k);
  secularRoots(dk, zk, rho, origin, tau);
  const U = secularVectors(dk, zk, rho, origin, tau);
  // Merged vectors of the non-deflated part: top rows from TOP and DENSE columns, bottom rows
  // from DENSE and BOTTOM columns.
  const topIdx: number[] = [], botIdx: number[] = [];
  for (let i = 0; i < k; i++) if (kind[kept[i]] === TOP) topIdx.push(i);
  for (let i = 0; i < k; i++) {
    if (kind[kept[i]] === DENSE) {
      topIdx.push(i);
      botIdx.push(i);
    }
  }
  for (let i = 0; i < k; i++) if (kind[kept[i]] === BOTTOM) botIdx.push(i);
  const outTop = product(Q, n, 0, n1, topIdx, kept, col, U, k);
  const outBot = product(Q, n, n1, n2, botIdx, kept, col, U, k);
  // All eigenpairs, ascending: source ≥ 0 is root `source`, < 0 is deflated column −1−source.
  const vals = new Float64Array(n), src = new Int32Array(n);
  let t = 0;
  for (let j = 0; j < k; j++) {
    vals[t] = dk[origin[j]] + tau[j];
    src[t++] = j;
  }
  for (let i = 0; i < n; i++) {
    if (keep[i]) continue;
    vals[t] = ds[i];
    src[t++] = -1 - col[i];
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => vals[i] - vals[j] || i - j);
  const values = new Float64Array(n), vectors = new Float64Array(n * n);
  const srcSorted = new Int32Array(n);
  for (let c = 0; c < n; c++) {
    values[c] = vals[order[c]];
    srcSorted[c] = src[order[c]];
  }
  for (let r = 0; r < n; r++) {
    const o = r * n;
    const part = r < n1 ? outTop : outBot, po = (r < n1 ? r : r - n1) * k;
    for (let c = 0; c < n; c++) {
      const s = srcSorted[c];
      vectors[o + c] = s >= 0 ? part[po + s] : Q[o - 1 - s];
    }
  }
  return { values, vectors };
}

/**
 * Rows [r0, r0 + rows) of Q restricted to the kept columns listed in idx (indices into the kept
 * list), times the matching rows of U (k×k): a rows×k matrix.
 */
function product(
  Q: Float64Array, n: number, r0: number, rows: number, idx: number[],
  kept: number[], col: Int32Array, U: Float64Array, k: number,
): Float64Array {
  const w = idx.length;
  const A = new Float64Array(rows * w), B = new Float64Array(w * k), out = new Float64Array(rows * k);
  if (w === 0 || rows === 0 || k === 0) return out;
  for (let c = 0; c < w; c++) B.set(U.subarray(idx[c] * k, (idx[c] + 1) * k), c * k);
  const cols = idx.map((i) => col[kept[i]]);
  for (let r = 0; r < rows; r++) {
    const o = (r0 + r) * n, oa = r * w;
    for (let c = 0; c < w; c++) A[oa + c] = Q[o + cols[c]];
  }
  backend().matmul(A, B, out, rows, w, k);
  return out;
}

/**
 * Roots of 1 + ρ·Σ z_i²/(d_i − λ) for strictly increasing poles d (ρ > 0, z_i ≠ 0): root j is
 * d[origin[j]] + tau[j].
 */
export function secularRoots(
  d: Float64Array, z: Float64Array, rho: number, origin: Int32Array, tau: Float64Array,
): void {
  const k = d.length;
  if (k === 0) return;
  const w = new Float64Array(k); // ρ·z_i²
  let wsum = 0;
  for (let i = 0; i < k; i++) {
    w[i] = rho * z[i] * z[i];
    wsum += w[i];
  }
  if (k === 1) {
    origin[0] = 0;
    tau[0] = wsum;
    return;
  }
  for (let j = 0; j < k; j++) {
    const last = j === k - 1;
    const L = last ? k - 2 : j, R = L + 1;
    let o: number, lo: number, hi: number, t: number;
    if (!last) {
      const half = 0.5 * (d[j + 1] - d[j]);
      // The sign of f at the midpoint picks the nearer pole as origin.
      let fm = 1;
      const dj = d[j];
      for (let i = 0; i < k; i++) fm += w[i] / ((d[i] - dj) - half);
      if (fm >= 0) {
        o = j; lo = 0; hi = half; t = half;
      } else {
        o = j + 1; lo = -half; hi = 0; t = -half;
      }
    } else {
      o = k - 1; lo = 0; hi = wsum; t = wsum;
    }
    const d0 = d[o], dL = d[L] - d0, dR = d[R] - d0;
    let fPrev = Infinity, bisect = false;
    for (let iter = 0; iter < MAX_SECULAR_ITER; iter++) {
      // f = 1 + ψ + φ at t (relative to the origin d0), ψ over the poles i ≤ L, φ over i > L,
      // with their slopes: the O(k) inner loop, O(k²) per merge.
      let psi = 0, dpsi = 0, phi = 0, dphi = 0;
      for (let i = 0; i <= L; i++) {
        const inv = 1 / ((d[i] - d0) - t), term = w[i] * inv;
        psi += term;
        dpsi += term * inv;
      }
      for (let i = R; i < k; i++) {
        const inv = 1 / ((d[i] - d0) - t), term = w[i] * inv;
        phi += term;
        dphi += term * inv;
      }
      const f = 1 + psi + phi;
      if (f === 0) break;
      if (f < 0) lo = t;
      else hi = t;
      // Rounding error in f: each term carries a few ε relative, plus ε·|t| in its pole gap.
      // ψ's terms are negative; φ's are positive, except for the last root's.
      const bound = EPS * (8 * (1 + Math.abs(phi) - psi) + 3 * Math.abs(t) * (dpsi + dphi));
      if (Math.abs(f) <= bound) break;
      if (bisect || Math.abs(f) > 0.5 * fPrev) bisect = !bisect;
      fPrev = Math.abs(f);
      let next = NaN;
      if (!bisect) {
        const gL = dL - t, gR = dR - t;
        const b = dpsi * gL * gL, B = dphi * gR * gR;
        const c = 1 + (psi - dpsi * gL) + (phi - dphi * gR);
        next = pickRoot(c, -(c * (gL + gR) + b + B), gL * gR * f, t, lo, hi);
      }
      if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
      if (Math.abs(next - t) <= 2 * EPS * Math.abs(t) || !(next > lo && next < hi)) break;
      t = next;
    }
    origin[j] = o;
    tau[j] = t;
  }
}

/** The root t + η of a2·η² + a1·η + a0 = 0 that lies in (lo, hi) and is nearest t; NaN if none. */
function pickRoot(a2: number, a1: number, a0: number, t: number, lo: number, hi: number): number {
  let e1 = NaN, e2 = NaN;
  if (Math.abs(a2) <= EPS * Math.abs(a1)) {
    e1 = -a0 / a1;
  } else {
    const disc = a1 * a1 - 4 * a2 * a0;
    const sq = Math.sqrt(Math.max(disc, 0));
    const q = -0.5 * (a1 + (a1 >= 0 ? sq : -sq));
    e1 = q / a2;
    if (q !== 0) e2 = a0 / q;
  }
  const in1 = t + e1 > lo && t + e1 < hi, in2 = t + e2 > lo && t + e2 < hi;
  if (in1 && in2) return Math.abs(e1) <= Math.abs(e2) ? t + e1 : t + e2;
  if (in1) return t + e1;
  if (in2) return t + e2;
  return NaN;
}

/**
 * U (k×k row-major): column j is the unit eigenvector of D + ρ·ẑ·ẑᵀ for root j, with ẑ from
 * Löwner's formula (see the file header).
 */
export function secularVectors(
  d: Float64Array, z: Float64Array, rho: number, origin: Int32Array, tau: Float64Array,
): Float64Array {
  const k = d.length;
  const U = new Float64Array(k * k);
  if (k === 1) {
    U[0] = 1;
    return U;
  }
  // U[i, j] = δ_ij = d_i − λ_j = (d_i − d_o) − τ_j first.
  for (let i = 0; i < k; i++) {
    const o = i * k, di = d[i];
    for (let j = 0; j < k; j++) U[o + j] = (di - d[origin[j]]) - tau[j];
  }
  const zh = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    const o = i * k, di = d[i];
    // ẑ_i² = (λ_{k−1} − d_i)/ρ · ∏_{j<i} (λ_j − d_i)/(d_j − d_i) · ∏_{i≤j<k−1} (λ_j − d_i)/(d_{j+1} − d_i).
    let p = -U[o + k - 1] / rho;
    for (let j = 0; j < i; j++) p *= -U[o + j] / (d[j] - di);
    for (let j = i; j < k - 1; j++) p *= -U[o + j] / (d[j + 1] - di);
    zh[i] = Math.sign(z[i]) * Math.sqrt(Math.abs(p));
  }
  const norm2 = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    const o = i * k, zi = zh[i];
    for (let j = 0; j < k; j++) {
      const u = zi / U[o + j];
      U[o + j] = u;
      norm2[j] += u * u;
    }
  }
  for (let j = 0; j < k; j++) norm2[j] = 1 / Math.sqrt(norm2[j]);
  for (let i = 0; i < k; i++) {
    const o = i * k;
    for (let j = 0; j < k; j++) U[o + j] *= norm2[j];
  }
  return U;
}
