/**
 * Symmetric Lanczos with full reorthogonalization, for a few extreme eigenpairs of an operator
 * known only through matrix–vector products (a Hessian, a kernel matrix).
 *
 * Each step runs the three-term recurrence and then reorthogonalizes the new vector against
 * the whole basis with classical Gram–Schmidt done twice (Kahan's "twice is enough": Parlett,
 * The Symmetric Eigenvalue Problem, ch. 6; Giraud, Langou & Rozložník 2005), so the basis stays
 * orthonormal to working precision and no spurious copies of converged Ritz values appear.
 * Ritz values come from the tridiagonal T_m by the implicit QR solver in eigh.ts; the residual
 * of Ritz pair (θ_i, Q_m·s_i) is ‖A·y − θ·y‖ = |β_m·s_{m,i}| (Parlett ch. 13), computed in O(m²)
 * by accumulating only the last row of T_m's eigenvector matrix.
 *
 * If β_m vanishes, span(Q_m) is an invariant subspace: its Ritz pairs are exact eigenpairs, but
 * a single Krylov space holds only one copy of a repeated eigenvalue. The run then continues
 * from a random vector orthogonal to the basis (T gets a zero off-diagonal entry and splits),
 * and stops when the whole space is spanned or when a further invariant block leaves the
 * wanted values unchanged (so e.g. a matrix with three distinct eigenvalues terminates after
 * a few blocks of three steps, with multiplicities resolved).
 */
import { Rng } from '../rng.js';
import { tridiagonalEigen, tridiagonalEigenEnds } from './eigh.js';

const EPS = 2.220446049250313e-16;

export interface LanczosOptions {
  /** Number of wanted eigenpairs (clamped to n). */
  k: number;
  /**
   * Which end of the spectrum: 'largest' (returned in descending order), 'smallest'
   * (ascending), or 'both' (⌈k/2⌉ largest and ⌊k/2⌋ smallest, returned in ascending order).
   * Default 'largest'.
   */
  which?: 'largest' | 'smallest' | 'both';
  /** Most Lanczos steps (matrix–vector products); default min(n, max(100, 4k)). */
  maxIter?: number;
  /**
   * Convergence: every wanted pair has residual ≤ tol·|θ| (or is at the rounding level,
   * residual ≤ 8ε·‖T‖). Default 1e-10.
   */
  tol?: number;
  /** Source of the random start and restart vectors; default a fixed seed. */
  rng?: Rng;
  /** Start vector (normalized internally); default random Gaussian. */
  start?: ArrayLike<number>;
}

export interface LanczosResult {
  /** The wanted Ritz values, ordered as described for `which`. */
  values: Float64Array;
  /** Unit Ritz vectors, vectors[i] for values[i]. */
  vectors: Float64Array[];
  /** Residual norms ‖A·y_i − θ_i·y_i‖ = |β_m·s_{m,i}| (in exact arithmetic). */
  residuals: Float64Array;
  /** Lanczos steps taken (= matrix–vector products = size m of T). */
  iterations: number;
  /** Whether every wanted pair met the tolerance (or the whole space was spanned). */
  converged: boolean;
  /** Diagonal of T_m (length m). */
  alpha: Float64Array;
  /** Off-diagonal of T_m (length m−1); zero where the run restarted after an invariant subspace. */
  beta: Float64Array;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function norm(a: Float64Array): number {
  let scale = 0;
  for (let i = 0; i < a.length; i++) scale = Math.max(scale, Math.abs(a[i]));
  if (scale === 0 || !Number.isFinite(scale)) return scale;
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const t = a[i] / scale;
    s += t * t;
  }
  return scale * Math.sqrt(s);
}

/** w ← w − Q·(Qᵀw), twice (CGS2). */
function reorthogonalize(w: Float64Array, Q: Float64Array[], coef: Float64Array): void {
  const m = Q.length, n = w.length;
  for (let pass = 0; pass < 2; pass++) {
    for (let i = 0; i < m; i++) coef[i] = dot(Q[i], w);
    for (let i = 0; i < m; i++) {
      const c = coef[i], q = Q[i];
      for (let t = 0; t < n; t++) w[t] -= c * q[t];
    }
  }
}

/** Indices (into the ascending Ritz values of T_m) of the wanted pairs, in output order. */
function wantedIndices(m: number, k: number, which: 'largest' | 'smallest' | 'both'): number[] {
  const idx: number[] = [];
  if (which === 'largest') {
    for (let i = 0; i < k; i++) idx.push(m - 1 - i);
  } else if (which === 'smallest') {
    for (let i = 0; i < k; i++) idx.push(i);
  } else {
    const hi = Math.ceil(k / 2), lo = k - hi;
    for (let i = 0; i < lo; i++) idx.push(i);
    for (let i = hi - 1; i >= 0; i--) idx.push(m - 1 - i);
  }
  return idx;
}

/**
 * Extreme eigenpairs of the symmetric operator `op` on Rⁿ, op(v) = A·v. The operator gets its
 * own copy of v and its result is copied, so it may reuse buffers freely.
 */
export function lanczos(
  op: (v: Float64Array) => ArrayLike<number>,
  n: number,
  opts: LanczosOptions,
): LanczosResult {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`lanczos: n must be a positive integer, got ${n}`);
  if (!Number.isInteger(opts.k) || opts.k < 1) throw new RangeError(`lanczos: k must be a positive integer, got ${opts.k}`);
  const k = Math.min(opts.k, n);
  const which = opts.which ?? 'largest';
  const maxIter = Math.min(n, Math.max(k, Math.floor(opts.maxIter ?? Math.max(100, 4 * k))));
  const tol = opts.tol ?? 1e-10;
  const rng = opts.rng ?? new Rng(0x1a2c05);

  const randomUnitOrthogonal = (Q: Float64Array[], coef: Float64Array): Float64Array | null => {
    // A random vector has a component of order 1/√n outside any proper subspace, so one
    // draw suffices unless Q already spans (numerically) all of Rⁿ.
    for (let attempt = 0; attempt < 3; attempt++) {
      const r = new Float64Array(n);
      for (let i = 0; i < n; i++) r[i] = rng.normal();
      const r0 = norm(r);
      reorthogonalize(r, Q, coef);
      const rn = norm(r);
      if (rn > 1e-8 * r0) {
        for (let i = 0; i < n; i++) r[i] /= rn;
        return r;
      }
    }
    return null;
  };

  const Q: Float64Array[] = [];
  const coef = new Float64Array(maxIter + 1);
  let q: Float64Array;
  if (opts.start !== undefined) {
    if (opts.start.length !== n) throw new RangeError(`lanczos: start has length ${opts.start.length}, expected ${n}`);
    q = Float64Array.from(opts.start);
    const qn = norm(q);
    if (!(qn > 0) || !Number.isFinite(qn)) throw new RangeError('lanczos: start vector must be finite and nonzero');
    for (let i = 0; i < n; i++) q[i] /= qn;
  } else {
    q = randomUnitOrthogonal(Q, coef)!;
  }

  const alpha: number[] = [];
  const beta: number[] = [];
  let tnorm = 0; // running max row sum of T: at least ‖T‖₂, at most 3‖A‖₂
  let converged = false;
  let nextCheck = k;
  let lastBeta = 0;
  let prevWanted: number[] | null = null; // wanted Ritz values at the last invariant subspace
  let blockStart = 0; // first index of the current Krylov block (after the last restart)
  for (;;) {
    Q.push(q);
    const j = Q.length - 1;
    const Aq = op(q.slice()); // a copy, so an operator that scribbles on its input is harmless
    if (Aq.length !== n) throw new RangeError(`lanczos: op returned length ${Aq.length}, expected ${n}`);
    const w = Float64Array.from(Aq);
    const a = dot(q, w);
    if (!Number.isFinite(a)) throw new RangeError(`lanczos: op returned a non-finite vector at step ${j}`);
    alpha.push(a);
    const bPrev = j > 0 ? beta[j - 1] : 0;
    for (let i = 0; i < n; i++) w[i] -= a * q[i];
    if (bPrev !== 0) {
      const qp = Q[j - 1];
      for (let i = 0; i < n; i++) w[i] -= bPrev * qp[i];
    }
    reorthogonalize(w, Q, coef);
    const b = norm(w);
    lastBeta = b;
    tnorm = Math.max(tnorm, Math.abs(a) + b + bPrev);
    const m = Q.length;
    // An invariant subspace: what is left of A·q after projection is at the rounding level
    // (reorthogonalized residuals of an invariant subspace come out near ε·‖A‖).
    const breakdown = b <= 100 * Math.sqrt(n) * EPS * tnorm;
    if (m === n) {
      converged = true;
      break;
    }
    if (m >= nextCheck || breakdown || m >= maxIter) {
      // Check less often as T grows, so the O(m²) checks stay a small share of the work.
      nextCheck = m + Math.max(1, Math.floor(m / 20));
      const { values, last } = tridiagonalEigenEnds(alpha, beta);
      const scale = Math.max(Math.abs(values[0]), Math.abs(values[m - 1]));
      if (m >= k) {
        const idx = wantedIndices(m, k, which);
        const floor = 8 * EPS * scale;
        const good = (theta: number, res: number) => res <= Math.max(tol * Math.abs(theta), floor);
        let ok = idx.every((i) => good(values[i], Math.abs(b * last[i])));
        if (ok && !breakdown && blockStart > 0) {
          // After a restart the earlier blocks' pairs are exact and so always look converged;
          // the new block must also have settled its extreme Ritz value(s) on the wanted side,
          // which are the first to converge and can only move outwards as the block grows.
          const blk = tridiagonalEigenEnds(alpha.slice(blockStart), beta.slice(blockStart, m - 1));
          const mb = m - blockStart;
          const sides = which === 'largest' ? [mb - 1] : which === 'smallest' ? [0] : [0, mb - 1];
          ok = sides.every((i) => good(blk.values[i], Math.abs(b * blk.last[i])));
        }
        if (ok && breakdown) {
          // The Ritz pairs of an invariant subspace are exact, but further copies of an
          // eigenvalue outside it are invisible to this Krylov space. So keep exploring the
          // orthogonal complement, and stop once a whole further block leaves the wanted
          // values unchanged.
          const cur = idx.map((i) => values[i]);
          converged = prevWanted !== null &&
            cur.every((v, t) => Math.abs(v - prevWanted![t]) <= Math.max(tol * Math.abs(v), floor));
          prevWanted = cur;
        } else {
          converged = ok;
        }
      }
      if (converged || m >= maxIter) break;
    }
    if (breakdown) {
      const r = randomUnitOrthogonal(Q, coef);
      if (r === null) {
        converged = true;
        break;
      }
      beta.push(0);
      blockStart = m;
      q = r;
    } else {
      beta.push(b);
      for (let i = 0; i < n; i++) w[i] /= b;
      q = w;
    }
  }

  const m = Q.length;
  const al = Float64Array.from(alpha);
  const be = Float64Array.from(beta.slice(0, m - 1));
  const { values, vectors: S } = tridiagonalEigen(al, be, true);
  const idx = wantedIndices(m, k, which);
  const outValues = new Float64Array(k);
  const residuals = new Float64Array(k);
  const vectors: Float64Array[] = [];
  for (let t = 0; t < k; t++) {
    const i = idx[t];
    outValues[t] = values[i];
    residuals[t] = Math.abs(lastBeta * S!.data[(m - 1) * m + i]);
    // Ritz vector y = Q_m·s_i.
    const y = new Float64Array(n);
    for (let j = 0; j < m; j++) {
      const c = S!.data[j * m + i];
      if (c === 0) continue;
      const qj = Q[j];
      for (let l = 0; l < n; l++) y[l] += c * qj[l];
    }
    vectors.push(y);
  }
  return { values: outValues, vectors, residuals, iterations: m, converged, alpha: al, beta: be };
}
