/**
 * Kernel (ridge) regression and the closed-form gradient-flow dynamics of a linearized network.
 *
 * KRR (ridge δ, not divided by n — the convention of eigenlearning.ts):
 *   f̂(x) = K(x, X) α,   α = (K(X, X) + δ I)⁻¹ y;                                               (1)
 * ridgeless (δ = 0): α = K⁺ y, the minimum-RKHS-norm interpolant (pseudo-inverse through eigh,
 * eigenvalues below rcond·λ_max dropped).
 *
 * Linearized network f_lin(x; θ) = f(x; θ₀) + ∇f(x; θ₀)ᵀ(θ − θ₀) (paper eq. 2; Lee et al. 2019),
 * GD with step η on the loss
 *   'sum':  L = ½ Σ_a (f(x_a) − y_a)²           ⇒  df(X)/dτ = −K (f(X) − y),  τ = η·steps       (2)
 *   'mean': L = ½ (1/n) Σ_a (f(x_a) − y_a)²     ⇒  the same with τ = η·steps/n
 * (gradient flow is the η → 0 limit at fixed τ; θ̇ = −η∇L per unit "step" time). Solution, with
 * K = K(X, X) = V Λ Vᵀ:
 *   f_τ(X) = y + e^{−Kτ} (f₀(X) − y)                                                           (3)
 *   f_τ(x) = f₀(x) + K(x, X) K⁻¹ (I − e^{−Kτ}) (y − f₀(X))                                     (4)
 * K⁻¹(I − e^{−Kτ}) = V diag((1 − e^{−λτ})/λ) Vᵀ is finite even for singular K (→ τ as λ → 0),
 * so (4) needs no inverse. As τ → ∞, (4) → ridgeless KRR on the residual y − f₀(X).
 * Checked in test/kernels.test.ts against GD on an explicit linear model with K = ΦΦᵀ.
 */
import { cholesky, choleskySolve, clone, eigh, type Mat, mat } from '../engine/linalg/index.js';
import * as libm from '../engine/libm.js';

/** Dual coefficients α of eq. (1). */
export function krrCoefficients(K: Mat, y: ArrayLike<number>, ridge = 0, rcond = 1e-12): Float64Array {
  return krrSolve(K, mat(y.length, 1, Float64Array.from(y)), ridge, rcond).data;
}

/**
 * α = (K + δI)⁻¹ Y for several right-hand sides (Y is n × m). Cholesky when K + δI is well
 * conditioned (every pivot² above rcond·max diagonal); otherwise the eigendecomposition, dropping
 * eigenvalues below rcond·λ_max (the pseudo-inverse: minimum-norm interpolant when δ = 0).
 */
export function krrSolve(K: Mat, Y: Mat, ridge = 0, rcond = 1e-12): Mat {
  const n = K.rows, m = Y.cols;
  if (K.cols !== n || Y.rows !== n) throw new RangeError(`krr: K is ${K.rows}×${K.cols}, Y is ${Y.rows}×${Y.cols}`);
  if (!(ridge >= 0)) throw new RangeError(`ridge: must be ≥ 0 (got ${ridge})`);
  const A = clone(K); // mat() would share K's storage
  let dmax = 0;
  for (let i = 0; i < n; i++) { A.data[i * n + i] += ridge; dmax = Math.max(dmax, A.data[i * n + i]); }
  try {
    const L = cholesky(A);
    let ok = true;
    for (let i = 0; i < n; i++) if (!(L.data[i * n + i] ** 2 > rcond * dmax)) ok = false;
    if (ok) return choleskySolve(L, Y);
  } catch { /* not positive definite: fall through */ }
  const { values, vectors } = eigh(K);
  const lmax = Math.max(...Array.from(values, Math.abs));
  const alpha = mat(n, m);
  for (let i = 0; i < n; i++) {
    const l = values[i] + ridge;
    if (!(Math.abs(l) > rcond * lmax)) continue;
    for (let j = 0; j < m; j++) {
      let c = 0;
      for (let a = 0; a < n; a++) c += vectors.data[a * n + i] * Y.data[a * m + j];
      c /= l;
      for (let a = 0; a < n; a++) alpha.data[a * m + j] += c * vectors.data[a * n + i];
    }
  }
  return alpha;
}

/** f̂ at test points: Kstar (m × n) α. */
export function krrPredict(Kstar: Mat, alpha: ArrayLike<number>): Float64Array {
  const out = new Float64Array(Kstar.rows);
  for (let i = 0; i < Kstar.rows; i++) {
    let s = 0;
    for (let a = 0; a < Kstar.cols; a++) s += Kstar.data[i * Kstar.cols + a] * alpha[a];
    out[i] = s;
  }
  return out;
}

/** KRR fit and prediction in one call. */
export function kernelRidge(K: Mat, Kstar: Mat, y: ArrayLike<number>, ridge = 0): Float64Array {
  return krrPredict(Kstar, krrCoefficients(K, y, ridge));
}

export type LossNormalization = 'sum' | 'mean';

export interface LinearizedDynamics {
  /** f_τ(X) on the training inputs at each time, eq. (3) */
  train(steps: number): Float64Array;
  /** f_τ(x) at the test inputs, eq. (4) */
  test(steps: number): Float64Array;
  /** τ for a given number of steps */
  tau(steps: number): number;
}

/**
 * Closed-form dynamics of eqs. (3)–(4). `lr` is η; times are counted in GD steps, τ = η·steps
 * ('sum' loss) or η·steps/n ('mean' loss). f0 / f0Star default to 0.
 */
export function linearizedDynamics(args: {
  K: Mat; Kstar?: Mat; y: ArrayLike<number>; f0?: ArrayLike<number>; f0Star?: ArrayLike<number>;
  lr: number; loss?: LossNormalization;
}): LinearizedDynamics {
  const { K, y, lr } = args;
  const n = K.rows;
  const norm = (args.loss ?? 'sum') === 'sum' ? 1 : 1 / n;
  const { values, vectors: V } = eigh(K);
  const r0 = new Float64Array(n); // f0(X) − y in the eigenbasis
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let a = 0; a < n; a++) s += V.data[a * n + i] * ((args.f0?.[a] ?? 0) - y[a]);
    r0[i] = s;
  }
  const tau = (steps: number) => lr * steps * norm;
  const fromEigen = (c: Float64Array) => {
    const out = new Float64Array(n);
    for (let a = 0; a < n; a++) { let s = 0; for (let i = 0; i < n; i++) s += V.data[a * n + i] * c[i]; out[a] = s; }
    return out;
  };
  return {
    tau,
    train(steps) {
      const t = tau(steps);
      const c = r0.map((r, i) => r * libm.exp(-Math.max(values[i], 0) * t));
      const f = fromEigen(c);
      for (let a = 0; a < n; a++) f[a] += y[a];
      return f;
    },
    test(steps) {
      if (!args.Kstar) throw new Error('linearizedDynamics: no Kstar given');
      const t = tau(steps);
      // β = V diag((1 − e^{−λτ})/λ) Vᵀ (y − f0)
      const c = r0.map((r, i) => {
        const l = Math.max(values[i], 0);
        const g = l * t < 1e-12 ? t : -libm.expm1(-l * t) / l;
        return -r * g;
      });
      const beta = fromEigen(c);
      const f = krrPredict(args.Kstar, beta);
      if (args.f0Star) for (let i = 0; i < f.length; i++) f[i] += args.f0Star[i];
      return f;
    },
  };
}
