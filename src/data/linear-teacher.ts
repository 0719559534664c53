/**
 * Linear teacher data for deep linear networks: whitened inputs x (Σ_xx = I exactly on the
 * sample) and targets y = T x, so the sample loss equals the population loss ½‖T − W‖_F²
 * and the only data statistic that enters the dynamics is Σ_yx = T (paper §2.1).
 */
import type { Rng } from '../engine/rng.js';
import { type Mat, mat, eigh, matmul, transpose, randomOrthogonal, svd } from '../engine/linalg/index.js';

export interface LinearTeacher {
  /** n × d_in inputs with XᵀX/n = I. */
  X: Mat;
  /** n × d_out targets, Y = X Tᵀ. */
  Y: Mat;
  /** Target map T = U diag(λ) Vᵀ (d_out × d_in). */
  T: Mat;
  U: Mat;
  V: Mat;
  lambdas: number[];
}

/** T = U diag(λ) Vᵀ; U, V random orthogonal when `rotate`, identity otherwise (T diagonal). */
export function targetMap(lambdas: number[], dOut: number, dIn: number, rng: Rng, rotate: boolean): { T: Mat; U: Mat; V: Mat } {
  const r = lambdas.length;
  if (r > Math.min(dOut, dIn)) throw new RangeError(`singularValues: at most min(dOut, dIn) = ${Math.min(dOut, dIn)} values, got ${r}`);
  const U = rotate ? randomOrthogonal(dOut, rng.split('U')) : identity(dOut);
  const V = rotate ? randomOrthogonal(dIn, rng.split('V')) : identity(dIn);
  const T = mat(dOut, dIn);
  for (let mu = 0; mu < r; mu++) {
    for (let i = 0; i < dOut; i++) {
      const ui = U.data[i * dOut + mu] * lambdas[mu];
      if (ui === 0) continue;
      for (let j = 0; j < dIn; j++) T.data[i * dIn + j] += ui * V.data[j * dIn + mu];
    }
  }
  return { T, U, V };
}

function identity(n: number): Mat {
  const I = mat(n, n);
  for (let i = 0; i < n; i++) I.data[i * n + i] = 1;
  return I;
}

/** n Gaussian inputs in R^d, then exactly whitened: X ← X (XᵀX/n)^{-1/2}. */
export function whitenedInputs(n: number, d: number, rng: Rng): Mat {
  if (n < d) throw new RangeError(`samples must be ≥ input dimension ${d} to whiten, got ${n}`);
  const X = mat(n, d, rng.normals(n * d));
  const C = matmul(transpose(X), X);
  for (let i = 0; i < C.data.length; i++) C.data[i] /= n;
  const { values, vectors } = eigh(C);
  // C^{-1/2} = Q diag(1/√λ) Qᵀ
  const W = mat(d, d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += (vectors.data[i * d + k] * vectors.data[j * d + k]) / Math.sqrt(values[k]);
      W.data[i * d + j] = s;
    }
  return matmul(X, W);
}

export function linearTeacher(opts: { lambdas: number[]; dIn: number; dOut: number; samples: number; rotate: boolean; rng: Rng }): LinearTeacher {
  const { T, U, V } = targetMap(opts.lambdas, opts.dOut, opts.dIn, opts.rng.split('target'), opts.rotate);
  const X = whitenedInputs(opts.samples, opts.dIn, opts.rng.split('inputs'));
  const Y = matmul(X, transpose(T));
  return { X, Y, T, U, V, lambdas: opts.lambdas.slice() };
}

/**
 * Extend k orthonormal columns (n × k) to a full orthonormal basis of R^n: the remaining columns
 * are random vectors, Gram–Schmidt'ed twice against everything before them.
 */
export function completeBasis(Q: Mat, rng: Rng): Mat {
  const n = Q.rows, k = Q.cols;
  const B = mat(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) B.data[i * n + j] = Q.data[i * k + j];
  for (let j = k; j < n; j++) {
    const v = rng.normals(n);
    for (let pass = 0; pass < 2; pass++)
      for (let c = 0; c < j; c++) {
        let d = 0;
        for (let i = 0; i < n; i++) d += B.data[i * n + c] * v[i];
        for (let i = 0; i < n; i++) v[i] -= d * B.data[i * n + c];
      }
    const norm = Math.hypot(...v);
    for (let i = 0; i < n; i++) B.data[i * n + j] = v[i] / norm;
  }
  return B;
}

/** Teacher for an arbitrary input–output correlation Σ_yx = T (d_out × d_in), given as rows. */
export function linearTeacherFromMap(rows: number[][], samples: number, rng: Rng): LinearTeacher {
  const dOut = rows.length, dIn = rows[0]?.length ?? 0;
  if (!dOut || !dIn || rows.some((r) => r.length !== dIn)) throw new RangeError(`--target: must be a non-empty rectangular matrix (rows of equal length)`);
  const T = mat(dOut, dIn, rows.flat());
  const { U, S, V } = svd(T);
  const X = whitenedInputs(Math.max(samples, dIn), dIn, rng.split('inputs'));
  return {
    X, Y: matmul(X, transpose(T)), T,
    U: completeBasis(U, rng.split('U')), V: completeBasis(V, rng.split('V')),
    lambdas: Array.from(S),
  };
}
