/**
 * Eigenlearning: the test and train error of kernel ridge regression from the kernel's
 * eigensystem (Simon, Dickens, Karkada & DeWeese 2023, "The eigenlearning framework", TMLR;
 * equivalent to Bordelon, Canatar & Pehlevan 2020 / Canatar et al. 2021 and to Jacot et al. 2020,
 * "Kernel alignment risk estimator"). Paper-digest items marked (reconstructed) are re-derived
 * below and checked against simulation in test/eigenlearning.test.ts.
 *
 * Setting: K(x, x′) = Σ_i λ_i φ_i(x) φ_i(x′) with φ_i orthonormal under the data measure μ,
 * target f*(x) = Σ_i v_i φ_i(x), labels y = f*(x) + noise of variance ε², n i.i.d. samples,
 * KRR predictor f̂(x) = K(x, X) (K(X, X) + δ I_n)⁻¹ y  (ridge δ NOT divided by n).
 *
 *   effective regularization κ > 0:   n = Σ_i λ_i/(λ_i + κ) + δ/κ                          (1)
 *   learnabilities:                   L_i = λ_i/(λ_i + κ) ∈ [0, 1],  Σ_i L_i + δ/κ = n       (2)
 *   overfitting coefficient:          E₀ = n / (n − Σ_i L_i²)                                 (3)
 *   test MSE on noisy test labels:    E_te = E₀ (Σ_i (1 − L_i)² v_i² + ε²)                    (4)
 *   train MSE:                        E_tr = (δ / (nκ))² E_te                                 (5)
 *   mean learned coefficients:        E[v̂_i] = L_i v_i
 *
 * Conventions checked: (4) is the error against *noisy* test labels (it contains the ε² floor);
 * the error against the clean target f* is E_te − ε² = E₀ Σ(1 − L_i)² v_i² + (E₀ − 1) ε², which is
 * Bordelon/Canatar's E_g = (1/(1 − γ)) [Σ κ²v_i²/(λ_i + κ)²·… + γ ε²] with γ = Σ L_i²/n,
 * 1/(1 − γ) = E₀. As δ → ∞ at fixed n, κ → δ/n and (5) → E_te (nothing is fit); at δ = 0 the
 * train error vanishes (interpolation). Eq. (1) has no positive root when δ = 0 and n ≥ M, the
 * number of nonzero λ: then κ = 0, every L_i = 1 and E₀ = n/(n − M) (the under-parameterized side
 * of ridgeless regression).
 *
 * Finite spectra: modes may be given in groups of equal λ with multiplicities (the spherical
 * harmonics of one degree), and the truncated tail of a spectrum can be given by its trace τ_tail:
 * modes with λ ≪ κ contribute λ/(λ + κ) ≈ λ/κ to (1), i.e. they act as an extra ridge τ_tail
 * (their L_i² and their target content are neglected; stated as a regime in the experiments).
 *
 * Power-law corollary (reconstructed in the digest): λ_i ∝ i^{−α}, v_i² ∝ i^{−β} give, ridgeless
 * and noiseless, E_te ∝ n^{−min(β − 1, 2α)}; `powerLawSpectrum` builds such spectra.
 */
import { eigh, type Mat } from '../engine/linalg/index.js';
import * as libm from '../engine/libm.js';

export interface Spectrum {
  /** eigenvalues λ_i (or one per group) */
  lambdas: ArrayLike<number>;
  /** multiplicity of each group (default 1 each) */
  multiplicities?: ArrayLike<number>;
  /** target power in each group: Σ of v_i² over the group (default 0) */
  targetPower?: ArrayLike<number>;
  /** trace of a truncated tail of small eigenvalues, treated as extra ridge (default 0) */
  tailTrace?: number;
}

export interface KappaResult {
  kappa: number;
  /** true when δ = 0 and n ≥ number of nonzero modes: κ = 0 (no positive root) */
  saturated: boolean;
  iterations: number;
}

function sumL(lambdas: ArrayLike<number>, mult: ArrayLike<number> | undefined, kappa: number): number {
  let s = 0;
  for (let i = 0; i < lambdas.length; i++) {
    const l = lambdas[i];
    if (l > 0) s += (mult ? mult[i] : 1) * (l / (l + kappa));
  }
  return s;
}

/**
 * Solve eq. (1) for κ by bisection on ln κ (the left side is strictly decreasing in κ), bracketed by
 * κ_hi = (Σλ + δ)/n, where the right side is already < n, and κ_lo found by shrinking.
 * Any n > 0; δ ≥ 0. Ridge includes the tail trace of the spectrum when given.
 */
export function solveKappa(spec: Spectrum, n: number, ridge = 0): KappaResult {
  if (!(n > 0)) throw new RangeError(`n: must be > 0 (got ${n})`);
  if (!(ridge >= 0)) throw new RangeError(`ridge: must be ≥ 0 (got ${ridge})`);
  const { lambdas, multiplicities: mult } = spec;
  const delta = ridge + (spec.tailTrace ?? 0);
  let trace = 0, modes = 0;
  for (let i = 0; i < lambdas.length; i++) {
    if (lambdas[i] < 0) throw new RangeError(`lambdas: eigenvalue ${i} is negative (${lambdas[i]})`);
    if (lambdas[i] > 0) { trace += (mult ? mult[i] : 1) * lambdas[i]; modes += mult ? mult[i] : 1; }
  }
  if (delta === 0 && modes <= n) return { kappa: 0, saturated: true, iterations: 0 };
  const g = (k: number) => sumL(lambdas, mult, k) + delta / k - n;
  let hi = (trace + delta) / n;
  let lo = hi;
  let iterations = 0;
  while (g(lo) <= 0) {
    lo /= 1e3;
    iterations++;
    if (lo < 1e-300) return { kappa: lo, saturated: true, iterations };
  }
  let a = libm.log(lo), b = libm.log(hi);
  for (; iterations < 400 && b - a > 1e-15 * Math.max(1, Math.abs(b)); iterations++) {
    const m = 0.5 * (a + b);
    if (g(libm.exp(m)) > 0) a = m; else b = m;
  }
  return { kappa: libm.exp(0.5 * (a + b)), saturated: false, iterations };
}

export interface EigenlearningResult {
  n: number;
  kappa: number;
  /** L_i per mode (or group) */
  learnabilities: Float64Array;
  /** Σ_i L_i (with multiplicity); = n − δ/κ */
  sumL: number;
  /** Σ_i L_i² (with multiplicity) */
  sumL2: number;
  e0: number;
  /** eq. (4): MSE against noisy test labels */
  testMse: number;
  /** E_te − ε²: MSE against the clean target */
  cleanTestMse: number;
  /** eq. (5) */
  trainMse: number;
}

/** Eqs. (1)–(5) for one sample size n. */
export function eigenlearning(spec: Spectrum, n: number, opts: { ridge?: number; noise2?: number } = {}): EigenlearningResult {
  const ridge = opts.ridge ?? 0, noise2 = opts.noise2 ?? 0;
  const { kappa } = solveKappa(spec, n, ridge);
  const { lambdas, multiplicities: mult, targetPower } = spec;
  const L = new Float64Array(lambdas.length);
  let s1 = 0, s2 = 0, miss = 0;
  for (let i = 0; i < lambdas.length; i++) {
    const l = lambdas[i];
    L[i] = l > 0 ? l / (l + kappa) : 0;
    const m = mult ? mult[i] : 1;
    s1 += m * L[i];
    s2 += m * L[i] * L[i];
    if (targetPower) miss += (1 - L[i]) ** 2 * targetPower[i];
  }
  const e0 = n > s2 ? n / (n - s2) : Infinity;
  const testMse = e0 * (miss + noise2);
  // (5) uses the explicit ridge only: a tail treated as ridge is still interpolated by KRR.
  const trainMse = kappa > 0 ? (ridge / (n * kappa)) ** 2 * testMse : 0;
  return { n, kappa, learnabilities: L, sumL: s1, sumL2: s2, e0, testMse, cleanTestMse: testMse - noise2, trainMse };
}

/** Predicted learning curve over sample sizes. */
export function learningCurve(spec: Spectrum, ns: number[], opts: { ridge?: number; noise2?: number } = {}): EigenlearningResult[] {
  return ns.map((n) => eigenlearning(spec, n, opts));
}

/**
 * Spectrum estimated from a kernel matrix on N samples x_a ~ μ: λ_i ≈ eig_i(K)/N and, for labels
 * y_a = f*(x_a), v_i ≈ u_iᵀy/√N (φ_i(x_a) ≈ √N u_ia). Sorted descending.
 */
export function kernelSpectrum(K: Mat, y?: ArrayLike<number>): { lambdas: Float64Array; coeffs?: Float64Array } {
  const N = K.rows;
  const { values, vectors } = eigh(K);
  const lambdas = new Float64Array(N), coeffs = y ? new Float64Array(N) : undefined;
  for (let r = 0; r < N; r++) {
    const i = N - 1 - r;
    lambdas[r] = Math.max(0, values[i]) / N;
    if (y && coeffs) {
      let s = 0;
      for (let a = 0; a < N; a++) s += vectors.data[a * N + i] * y[a];
      coeffs[r] = s / Math.sqrt(N);
    }
  }
  return { lambdas, coeffs };
}

/** λ_i = scale · i^{−α}, v_i² = i^{−β} (i = 1…M): a synthetic power-law task. */
export function powerLawSpectrum(M: number, alpha: number, beta: number, scale = 1): Spectrum {
  const lambdas = new Float64Array(M), targetPower = new Float64Array(M);
  for (let i = 0; i < M; i++) { lambdas[i] = scale * libm.pow(i + 1, -alpha); targetPower[i] = libm.pow(i + 1, -beta); }
  return { lambdas, targetPower };
}
