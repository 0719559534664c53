/**
 * Experiment `scaling-law`: fit L(N, D) = E + A N^{−α} + B D^{−β} (observables/scaling-fit.ts,
 * Hoffmann et al. 2022 approach 3) to a ladder of trained models on a task whose irreducible loss
 * is known exactly, and check the fit against it (science-notes §B1, §F "scaling-fit").
 *
 * ── Task 'additive' (the default): the excess loss is a sum of a model-size and a data-size
 * term by construction, and every run is a training run.
 *
 * Target y = g(u) + h(c) + ξ with independent inputs and noise:
 *   - u: Gaussian features u_k ~ N(0, λ_k), λ_k = k^{−ν}; g(u) = Σ_k w*_k u_k with mode powers
 *     c_k = λ_k w*_k²: c_1 = A₀, c_k = A₀[(k−1)^{−a} − k^{−a}] (k ≥ 2; ≈ a A₀ k^{−(1+a)}, a
 *     power-law spectrum), so the tail τ_N = Σ_{k>N} c_k = A₀ N^{−a} exactly (telescoping) and
 *     G = Var g = Σ_k c_k = 2A₀;
 *   - c: a class, uniform on {1, …, p}; h(c) = √(2H) cos(2πc/p + π/4) (mean 0 and mean square H
 *     exactly for every p ≥ 2);
 *   - ξ ~ N(0, σ²).
 * Model of size N: two towers, f(u, c) = Σ_{k≤N} w_k u_k + θ_c — the capacity tower sees only the
 * N leading features (it can represent g only partly; N counts its parameters), the data tower
 * (p parameters, the same for every N) represents h exactly. Each tower is trained by gradient
 * flow from zero on its own empirical MSE against y, for a time T in units of the inverse top
 * eigenvalue of its Hessian:
 *   - the capacity tower on a plentiful stream of n_U (`capacityData`, 2²²) samples (u, y):
 *     w(T) = V diag((1 − e^{−s T/s_max})/s) Vᵀ Uᵀy/n_U with S = UᵀU/n_U = V diag(s) Vᵀ → OLS;
 *   - the data tower on the D samples (c, y), D/p per class (a balanced data set): the Hessian is
 *     I/p, θ_c(T) = (1 − e^{−T}) ȳ_c → the class means ȳ_c.
 * Population loss, exact for every draw: u, c and ξ are independent and E[g − f_U] = 0 (both are
 * linear in zero-mean u), so the cross term E[(g − f_U)(h − f_V)] = E[g − f_U]·E[h − f_V] = 0 and
 *
 *   L = σ² + [τ_N + Σ_{k≤N} λ_k (w_k − w*_k)²] + (1/p) Σ_c (θ_c − h_c)².
 *
 * Expected loss of a converged run (derived here):
 *   - capacity tower: y − Σ_{k≤N} w*_k u_k = (tail of g) + h + ξ is independent of u_{≤N}, mean 0,
 *     variance s_N² = σ² + H + τ_N; w − w* = (UᵀU)^{−1}Uᵀε, so E Σ λ_k (w_k − w*_k)² =
 *     s_N² tr(Λ E[(UᵀU)^{−1}]) = s_N² N/(n_U − N − 1) (inverse-Wishart mean, E W^{−1} =
 *     Σ^{−1}/(n − N − 1); Anderson, An Introduction to Multivariate Statistical Analysis, §7.7);
 *   - data tower: ȳ_c − h_c is the mean of D/p independent draws of g(u) + ξ ~ N(0, G + σ²), so
 *     E (θ_c − h_c)² = (G + σ²) p/D;
 *   E[L] = σ² + A₀ N^{−a} + (2A₀ + σ²) p / D + ε_N,   ε_N = s_N² N/(n_U − N − 1),
 * i.e. the Chinchilla form with
 *   E = σ²,  A = A₀,  α = a,  B = (2A₀ + σ²) p,  β = 1,
 * up to ε_N ≤ (σ² + H + A₀) N/(n_U − N − 1): 9×10⁻⁵ at N = 256 for the defaults (2.4 % of
 * A₀N^{−a} there, 0.6 % at N = 128, 0.15 % at N = 64), far inside the runs' scatter below.
 * Sampling: the capacity stream's moments (UᵀU, Uᵀy, yᵀy) by Bartlett's decomposition with a
 * Gaussian noise of variance s_N² (h(c) is not Gaussian, but the expected loss above depends only
 * on the noise variance); the data tower's sufficient statistics exactly: ȳ_c ~ N(h_c,
 * (G + σ²) p/D) and the within-class sum of squares (G + σ²) χ²_{D−p} (for the training loss).
 *
 * Measurement: the loss of a run is its MSE on `testSize` (4096) fresh samples, as in practice
 * (unbiased for L: e | c ~ N(h_c − θ_c, capacity excess + σ²)). This matters for the statistics,
 * not the law: the fitter (one Huber scale, bootstrap over runs) and the lack-of-fit F test assume
 * log-residuals of about one size. The exact population losses are strongly heteroscedastic —
 * the data term of one run is (G + σ²)/D · χ²_p, relative scatter √(2/p) of a term that is 50 %
 * of L at D_min and 2 % at D_max: measured log-scatter 1 % at D = 16384 down to 0.04 % at 2²⁰ —
 * and then the F test has a few effective degrees of freedom instead of 23/28 (a correctly specified
 * law with exact losses: F above its 99 % quantile on 1 of 6 seeds with p = 16 and on 1 of 8 with
 * p = 1024; E's 90 % interval missed σ² on 2 of 6 with p = 16). The test set adds a scatter √(2/n_test) ≈ 2.2 % to every run;
 * with p = 4096 classes the data term adds ≤ 1 % at D_min, so the measured log-scatter is
 * 2.0–2.5 % at every D (seed 0, 4 seeds per cell). E[log L̂] = log L − O(1/n_test) is a constant
 * offset the fit absorbs into E, A, B (a relative 2×10⁻⁴).
 *
 * ── Task 'min' (the earlier task, kept as an expected out-of-regime variant): the capacity and
 * data bottlenecks share one estimation and do not add. A solvable power-law teacher (Bahri et
 * al. 2021 "Explaining neural scaling laws"; Maloney, Roberts & Sully 2022): x_k ~ N(0, λ_k),
 * y = Σ_k w*_k x_k + ξ with λ_k w*_k² = k^{−(1+a)}; the model of size N is the linear readout on
 * the N leading features, trained on the same D samples. For that model the unseen features are
 * independent Gaussian noise, so a sample is drawn exactly as y = Σ_{k≤N} w*_k x_k +
 * √(σ² + τ_N)·z with τ_N = Σ_{k>N} k^{−(1+a)} (Hurwitz-zeta tail, Euler–Maclaurin), and
 * L(w) = σ² + τ_N + Σ_{k≤N} λ_k (w_k − w*_k)² (E = σ² exactly); the test MSE of n fresh samples
 * is L·χ²_n/n (the error is N(0, L)). Training: gradient flow from w = 0 on the log-spaced time
 * grid (8 points per decade) with early stopping on a separate validation set (stop after
 * `patience` grid points without improvement; keep the best); with `earlyStopping: false` the
 * flow runs to maxTime (the min-norm interpolant when N ≥ D, which shows the double-descent peak
 * at N ≈ D). Heuristic exponents: α = a from τ_N; the optimally stopped flow learns
 * k* ≈ (D/σ²)^{1/(1+a)} modes, β = a/(1+a). But it learns the k* leading modes the model has, so
 * L − σ² ≈ τ_m + σ² m/D with m = min(N, k*): a smoothed max(A N^{−α}, B D^{−β}), not a sum —
 * bigger models do not help once N > k*(D). The sum form is an approximation whose bias shows
 * once the runs are replicated enough: with 2 seeds per cell on D = 64…4096 the F statistic was
 * 1.7 / 5.1 / 1.7 on seeds 0 / 1 / 2 (limit 2.5; exact losses), a coin toss. The variant runs 8
 * seeds per cell on D = 256…65536, where the runs' log-scatter is homoscedastic (0.019–0.030 at
 * every D, so the F test is calibrated; at D = 64 the run-to-run scatter is 4–5 %, twice the
 * rest), and F = 3.8 / 4.5 / 4.9 on seeds 0 / 1 / 2 against the 99 % limit 1.78 of F(30, 245)
 * (3.3–5.7 on seeds 0–7): the lab says the Chinchilla form is misspecified here.
 *
 * Checks (each at its bootstrap interval):
 *   (1) the known floor σ² lies in the fitted E's interval;
 *   (2) task additive: the derived α = a and β = 1 lie in the fitted exponents' intervals;
 *   (3) exponents are stable: the full fit's α and β lie in the intervals of the fit without the
 *       smallest model size;
 *   (4) held-out prediction: runs at a larger model (2 N_max, D_max) and a larger dataset
 *       (N_max, 2 D_max), not used in the fit, lie in the fit's prediction intervals.
 * Interval level (Bonferroni): a verdict is the conjunction of k checks (9 in the quick
 * configuration), so k intervals at 90 % each fail a correct law on about 1 − 0.9^k of seeds —
 * 4 of 10 seeds at k = 7 here, all by held-out runs falling just outside, the nominal rate. Each
 * check therefore uses 1 − (1 − level)/k, so a correct law passes all of them with probability
 * ≥ level (90 %): on seeds 0–19 the quick configuration confirms 18 (seed 4: α interval
 * [1.001, 1.188]; seed 17: one held-out run 0.7 % below its interval), on 0, 1, 2 all. The
 * percentile intervals then reach the 0.56 % tails, hence 400 bootstrap replicates (≈ 2 per tail).
 * Out of regime (computed from the measurements before the verdict): an axis spans < 1.5
 * decades; a run did not converge (early stopping did not fire and the flow had not settled:
 * e^{−s_min T/s_max} > 1e-6, i.e. (s_min/s_max)·T < 14, for either tower); a double-descent peak
 * (the seed-mean loss rises with N at fixed D by more than `peakTolerance`, 25 %: without early
 * stopping the interpolant at N ≈ D multiplies the loss, with it the rises measured on seeds 0–2
 * stay ≤ 10 % — a threshold set from data; in task additive the rises are test-set scatter,
 * ≤ 6 % on seeds 0–19); the additive law fails a lack-of-fit F test against the seed-to-seed
 * scatter (99 %; task additive: F ≤ 2.4 on seeds 0–19, limit 2.54).
 */
import { z } from 'zod';
import * as libm from '../engine/libm.js';
import { Rng } from '../engine/rng.js';
import { eigh } from '../engine/linalg/index.js';
import {
  computeOptimalWithIntervals, fitScalingLaw, predictWithIntervals, scalingLoss, type ScalingFit, type ScalingRow,
} from '../observables/scaling-fit.js';
import type { Check, Experiment, PlotSpec, RegimeCondition, RunContext } from './types.js';
import { numericCheck, regimeCondition } from './verdict.js';

export const scalingLawSchema = z.object({
  task: z.enum(['additive', 'min']).default('additive').describe('additive: capacity tower (N features, plentiful data) + data tower (p classes, D samples), L − σ² = A N^{−α} + B/D by construction; min: one linear readout on N features trained on D samples (the bottlenecks do not add)'),
  sizes: z.array(z.number().int().min(1).max(2048)).min(2).max(16).default([2, 4, 8, 16, 32, 64, 128, 256]).describe('model sizes N (parameters of the capacity tower = leading features)'),
  dataSizes: z.array(z.number().int().min(2).max(1e7)).min(2).max(16).default([16384, 32768, 65536, 131072, 262144, 524288, 1048576]).describe('training-set sizes D (task additive: multiples of classes)'),
  seeds: z.number().int().min(1).max(16).default(2).describe('independent training sets per (N, D)'),
  spectrum: z.number().gt(0).max(4).default(1.5).describe('feature spectrum exponent ν: λ_k = k^{−ν}'),
  targetExponent: z.number().gt(0).max(4).default(1).describe('target exponent a: tail power τ_N = A₀ N^{−a} (additive), λ_k w*_k² = k^{−(1+a)} (min)'),
  noise: z.number().gt(0).max(100).default(0.5).describe('label-noise variance σ² (the irreducible MSE)'),
  classes: z.number().int().min(2).max(65536).default(4096).describe('task additive: classes p of the data-limited component (parameters of the data tower)'),
  classSignal: z.number().min(0).max(100).default(1).describe('task additive: mean square H of the data-limited component h(c)'),
  capacityAmplitude: z.number().gt(0).max(100).default(1).describe('task additive: A₀, the capacity component\'s tail τ_N = A₀ N^{−a}'),
  capacityData: z.number().int().min(16).max(2 ** 30).default(2 ** 22).describe('task additive: samples of the plentiful stream that trains the capacity tower'),
  testSize: z.number().int().min(0).max(1e7).default(4096).describe('fresh samples the loss of a run is measured on (0: the exact population loss)'),
  validation: z.number().int().min(16).max(1e7).default(4096).describe('task min: validation-set size for early stopping'),
  maxTime: z.number().gt(0).max(1e12).default(1e8).describe('largest gradient-flow time T, in units of the inverse top eigenvalue of the (tower\'s) sample Hessian'),
  patience: z.number().int().min(1).max(100).default(8).describe('task min, early stopping: grid points (8 per decade of t) without validation improvement'),
  earlyStopping: z.boolean().default(true).describe('task min: stop on validation (false: run the flow to maxTime); task additive always runs to maxTime'),
  heldOut: z.boolean().default(true).describe('train the held-out runs (2 N_max, D_max) and (N_max, 2 D_max)'),
  bootstrap: z.number().int().min(20).max(5000).default(500).describe('bootstrap replicates of the fit'),
  level: z.number().gt(0.5).lt(1).default(0.9).describe('family-wise level: each of the k checks uses a 1 − (1 − level)/k interval (Bonferroni)'),
  peakTolerance: z.number().gt(0).max(1).default(0.25).describe('largest relative rise of the loss with N at fixed D still called monotone'),
  seed: z.number().int().min(0).max(2 ** 31).default(0).describe('random seed'),
});

export type ScalingLawConfig = z.infer<typeof scalingLawSchema>;

/**
 * The law the task should show. Task 'additive': exact (header), `exact: true`, with ε_N the
 * capacity tower's estimation term. Task 'min': E = σ² exactly, α = a and β = a/(1+a) heuristic,
 * A and B unknown (NaN).
 */
export interface ScalingLawPrediction { task: ScalingLawConfig['task']; exact: boolean; E: number; A: number; alpha: number; B: number; beta: number }

function validateConfig(c: ScalingLawConfig): void {
  if (c.task !== 'additive') return;
  for (const D of c.dataSizes) if (D % c.classes !== 0) throw new RangeError(`dataSizes: with task "additive" every D must be a multiple of classes = ${c.classes} (balanced classes); got ${D}`);
  const Nmax = 2 * Math.max(...c.sizes);
  if (!(c.capacityData >= 4 * (Nmax + 2))) throw new RangeError(`capacityData: must be ≥ 4·(2·max(sizes) + 2) = ${4 * (Nmax + 2)} so the capacity tower's data are plentiful (got ${c.capacityData})`);
}

export function predictScalingLaw(c: ScalingLawConfig): ScalingLawPrediction {
  validateConfig(c);
  const a = c.targetExponent;
  if (c.task === 'additive') {
    return { task: c.task, exact: true, E: c.noise, A: c.capacityAmplitude, alpha: a, B: (2 * c.capacityAmplitude + c.noise) * c.classes, beta: 1 };
  }
  return { task: c.task, exact: false, E: c.noise, A: NaN, alpha: a, B: NaN, beta: a / (1 + a) };
}

/**
 * Expected population loss of a converged run of task 'additive' at (N, D) (header):
 * σ² + A₀N^{−a} + (2A₀ + σ²)p/D + (σ² + H + A₀N^{−a}) N/(n_U − N − 1).
 */
export function expectedAdditiveLoss(c: ScalingLawConfig, N: number, D: number): number {
  const tau = c.capacityAmplitude * libm.pow(N, -c.targetExponent);
  const eps = (c.noise + c.classSignal + tau) * N / (c.capacityData - N - 1);
  return c.noise + tau + (2 * c.capacityAmplitude + c.noise) * c.classes / D + eps;
}

// ---------- the teachers ----------

/** τ_N = Σ_{k>N} k^{−s} (s > 1): 32 terms summed, the rest by Euler–Maclaurin to f'''. */
export function powerTail(s: number, N: number): number {
  let sum = 0;
  const K = N + 33;
  for (let k = N + 1; k < K; k++) sum += libm.pow(k, -s);
  const f = libm.pow(K, -s);
  return sum + K * f / (s - 1) + f / 2 + s * f / (12 * K) - s * (s + 1) * (s + 2) * f / (720 * K * K * K);
}

/** The model of size N: feature variances λ_{≤N}, the teacher weights w*_{≤N}, and τ_N. */
export interface Teacher { N: number; lam: Float64Array; wStar: Float64Array; tau: number }

/** Task 'min': λ_k w*_k² = k^{−(1+a)}, τ_N the Hurwitz tail. */
export function teacher(c: ScalingLawConfig, N: number): Teacher {
  const a = c.targetExponent;
  const lam = new Float64Array(N), wStar = new Float64Array(N);
  for (let k = 0; k < N; k++) { lam[k] = libm.pow(k + 1, -c.spectrum); wStar[k] = Math.sqrt(libm.pow(k + 1, -(1 + a)) / lam[k]); }
  return { N, lam, wStar, tau: powerTail(1 + a, N) };
}

/** Task 'additive', mode powers of g: c_1 = A₀, c_k = A₀[(k−1)^{−a} − k^{−a}] (k ≥ 2). */
export function capacityPower(c: ScalingLawConfig, k: number): number {
  const a = c.targetExponent, A0 = c.capacityAmplitude;
  return k === 1 ? A0 : A0 * (libm.pow(k - 1, -a) - libm.pow(k, -a));
}

/** Task 'additive': the capacity tower's view of g — λ_{≤N}, w*_{≤N} and τ_N = A₀N^{−a} (exact). */
export function capacityTeacher(c: ScalingLawConfig, N: number): Teacher {
  const lam = new Float64Array(N), wStar = new Float64Array(N);
  for (let k = 0; k < N; k++) { lam[k] = libm.pow(k + 1, -c.spectrum); wStar[k] = Math.sqrt(capacityPower(c, k + 1) / lam[k]); }
  return { N, lam, wStar, tau: c.capacityAmplitude * libm.pow(N, -c.targetExponent) };
}

/** Task 'additive': h_c = √(2H) cos(2πc/p + π/4), c = 1…p (mean 0, mean square H). */
export function classTargets(c: ScalingLawConfig): Float64Array {
  const p = c.classes, amp = Math.sqrt(2 * c.classSignal);
  return Float64Array.from({ length: p }, (_, i) => amp * libm.cos(2 * Math.PI * (i + 1) / p + Math.PI / 4));
}
/** Gamma(shape, 1) by Marsaglia & Tsang (2000); shape < 1 through Gamma(shape + 1)·U^{1/shape}. */
function gamma(shape: number, rng: Rng): number {
  if (shape < 1) return gamma(shape + 1, rng) * libm.pow(1 - rng.uniform(), 1 / shape);
  const d = shape - 1 / 3, c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = rng.normal();
    const v0 = 1 + c * x;
    if (v0 <= 0) continue;
    const v = v0 * v0 * v0;
    const u = 1 - rng.uniform();
    if (libm.log(u) < 0.5 * x * x + d - d * v + d * libm.log(v)) return d * v;
  }
}

/** The sufficient statistics of n samples (x, y): S = XᵀX/n, b = Xᵀy/n, yy = yᵀy/n. */
export interface Moments { S: Float64Array; b: Float64Array; yy: number }

/**
 * Moments of n draws of x_k ~ N(0, λ_k) (k ≤ N), y = w*ᵀx + √(σ² + τ_N) z, drawn exactly:
 * W = Σ_i (x_i, y_i)(x_i, y_i)ᵀ ~ Wishart_{N+1}(n, C), C = G Gᵀ with G lower triangular
 * (G_kk = √λ_k, last row (w*_k √λ_k, √(σ² + τ_N))). For n ≥ N + 1 by Bartlett's decomposition
 * W = (G A)(G A)ᵀ, A lower triangular, A_ii² ~ χ²_{n−i} (i = 0…N), A_ij ~ N(0, 1) (Bartlett 1933;
 * Anderson, An Introduction to Multivariate Statistical Analysis, §7.2) — O(N³) whatever n; for
 * fewer samples the samples themselves, O(n N²).
 */
export function moments(t: Teacher, n: number, noise: number, rng: Rng): Moments {
  const N = t.N, p = N + 1;
  const sd = t.lam.map(Math.sqrt), std = Math.sqrt(noise + t.tau);
  const S = new Float64Array(N * N), b = new Float64Array(N);
  let yy = 0;
  const add = (row: Float64Array) => { // row = (x, y) or a column of G A; accumulates row rowᵀ
    const y = row[N];
    yy += y * y;
    for (let j = 0; j < N; j++) {
      const xj = row[j];
      if (xj === 0) continue;
      b[j] += xj * y;
      const o = j * N;
      for (let k = j; k < N; k++) S[o + k] += xj * row[k];
    }
  };
  const v = new Float64Array(p);
  if (n >= p) {
    // Columns of G A: column j of A has A_jj = √χ²_{n−j} and A_ij ~ N(0, 1) below it.
    for (let j = 0; j < p; j++) {
      v.fill(0);
      const A = new Float64Array(p);
      A[j] = Math.sqrt(2 * gamma((n - j) / 2, rng));
      for (let i = j + 1; i < p; i++) A[i] = rng.normal();
      let y = 0;
      for (let i = j; i < N; i++) { v[i] = sd[i] * A[i]; y += t.wStar[i] * v[i]; }
      v[N] = y + std * A[N];
      add(v);
    }
  } else {
    for (let r = 0; r < n; r++) {
      let y = 0;
      for (let k = 0; k < N; k++) { v[k] = sd[k] * rng.normal(); y += t.wStar[k] * v[k]; }
      v[N] = y + std * rng.normal();
      add(v);
    }
  }
  for (let j = 0; j < N; j++) {
    b[j] /= n;
    for (let k = j; k < N; k++) { const x = S[j * N + k] / n; S[j * N + k] = x; S[k * N + j] = x; }
  }
  return { S, b, yy: yy / n };
}

// ---------- one cell ----------

interface Cell { N: number; D: number; seed: number; heldOut: boolean }

export interface CellResult {
  N: number; D: number; seed: number; heldOut: boolean;
  /** Test MSE of the early-stopped (or final) model on `testSize` fresh samples (the population MSE when testSize = 0). */
  loss: number;
  /** Population MSE (exact). */
  populationLoss: number;
  /** Task 'additive': excess of the capacity tower (τ_N + estimation) and of the data tower; task 'min': loss − σ² and 0. */
  capacityExcess: number;
  dataExcess: number;
  /** Gradient-flow time kept (units of the inverse top eigenvalue of the sample Hessian), and whether the run converged. */
  time: number;
  converged: boolean;
  /** Empirical MSE on the D training samples (task additive: the data tower's). */
  trainLoss: number;
  /** Validation MSE at the kept time (task min; NaN for additive, which has no validation set). */
  validationLoss: number;
}

const GRID_PER_DECADE = 8;
const T_MIN = 0.1;
/** e^{−14} < 1e-6: a mode with s·T > 14 has reached its limit. */
const SETTLED = 14;

/** gᵀ M g − 2 hᵀg + c for a symmetric N×N M. */
function quadratic(M: Float64Array, h: Float64Array, c: number, g: Float64Array): number {
  const N = g.length;
  let q = 0, l = 0;
  for (let i = 0; i < N; i++) {
    let t = 0;
    const o = i * N;
    for (let j = 0; j < N; j++) t += M[o + j] * g[j];
    q += g[i] * t; l += h[i] * g[i];
  }
  return q - 2 * l + c;
}

/** Sample moments in the eigenbasis of S: eigenvalues s, vectors V (column j), c_b = Vᵀb. */
interface Eigen { s: Float64Array; V: Float64Array; sMax: number; live: boolean[]; cb: Float64Array }

function eigenbasis(m: Moments, N: number): Eigen {
  const { values: s, vectors: V } = eigh({ rows: N, cols: N, data: m.S });
  const sMax = s[N - 1];
  const live = Array.from(s, (x) => x > 1e-12 * sMax);
  const cb = new Float64Array(N);
  for (let j = 0; j < N; j++) { let u = 0; for (let k = 0; k < N; k++) u += V.data[k * N + j] * m.b[k]; cb[j] = u; }
  return { s, V: V.data, sMax, live, cb };
}

/** Gradient-flow coefficients g(T) in the eigenbasis: g_j = (1 − e^{−s_j T/s_max})/s_j · c_b,j. */
function flowCoefficients(e: Eigen, T: number): Float64Array<ArrayBuffer> {
  return Float64Array.from(e.s, (sj, j) => (e.live[j] ? -libm.expm1(-sj * T / e.sMax) / sj * e.cb[j] : 0));
}

function settled(e: Eigen, T: number): boolean {
  let sMin = Infinity;
  e.live.forEach((l, j) => { if (l) sMin = Math.min(sMin, e.s[j]); });
  return sMin / e.sMax * T > SETTLED;
}

/** Σ_k λ_k (w_k − w*_k)² for w = V g (back to feature coordinates). */
function featureExcess(t: Teacher, e: Eigen, g: Float64Array): number {
  const N = t.N;
  let excess = 0;
  for (let k = 0; k < N; k++) {
    let w = 0;
    for (let j = 0; j < N; j++) w += e.V[k * N + j] * g[j];
    excess += t.lam[k] * (w - t.wStar[k]) ** 2;
  }
  return excess;
}

function cellRng(c: ScalingLawConfig, key: Cell): Rng {
  return new Rng(c.seed).split(`N${key.N}`).split(`D${key.D}`).split(`seed${key.seed}`);
}

/** Task 'additive': train both towers to maxTime; the loss is σ² + capacity excess + data excess (header). */
function runAdditiveCell(c: ScalingLawConfig, key: Cell): CellResult {
  const { N, D } = key;
  const rng = cellRng(c, key);
  const T = c.maxTime;
  // Capacity tower: plentiful stream, noise = tail of g + h + ξ (variance σ² + H + τ_N).
  const t = capacityTeacher(c, N);
  const e = eigenbasis(moments(t, c.capacityData, c.noise + c.classSignal, rng.split('capacity')), N);
  const capacityExcess = t.tau + featureExcess(t, e, flowCoefficients(e, T));
  // Data tower: D/p samples per class of y = h_c + g(u) + ξ, g(u) + ξ ~ N(0, G + σ²).
  const p = c.classes, h = classTargets(c), v = 2 * c.capacityAmplitude + c.noise;
  const r = rng.split('data');
  const shrink = -libm.expm1(-T); // θ_c(T) = (1 − e^{−T}) ȳ_c
  let dataExcess = 0, fitErr = 0;
  const ybars = new Float64Array(p);
  for (let k = 0; k < p; k++) {
    const ybar = h[k] + Math.sqrt(v * p / D) * r.normal();
    ybars[k] = ybar;
    const theta = shrink * ybar;
    dataExcess += (theta - h[k]) ** 2;
    fitErr += (theta - ybar) ** 2;
  }
  dataExcess /= p;
  // Training MSE = within-class scatter (v·χ²_{D−p}/D) + (1/p) Σ_c (θ_c − ȳ_c)².
  const within = D > p ? v * 2 * gamma((D - p) / 2, r) / D : 0;
  // Test set: error e = (g − f_U)(u) + (h_c − θ_c) + ξ, given c Gaussian with mean h_c − θ_c and
  // variance (capacity excess) + σ² (g − f_U is linear in Gaussian u).
  const populationLoss = c.noise + capacityExcess + dataExcess;
  let loss = populationLoss;
  if (c.testSize > 0) {
    const rt = rng.split('test'), sd = Math.sqrt(capacityExcess + c.noise);
    let ss = 0;
    for (let i = 0; i < c.testSize; i++) {
      const k = rt.int(p);
      const e = h[k] - shrink * ybars[k] + sd * rt.normal();
      ss += e * e;
    }
    loss = ss / c.testSize;
  }
  return {
    N, D, seed: key.seed, heldOut: key.heldOut,
    loss, populationLoss, capacityExcess, dataExcess,
    time: T, converged: settled(e, T) && T > SETTLED,
    trainLoss: within + fitErr / p, validationLoss: NaN,
  };
}

/** Task 'min': one readout on N features trained on the D samples, early-stopped on validation. */
function runMinCell(c: ScalingLawConfig, key: Cell): CellResult {
  const { N, D } = key;
  const rng = cellRng(c, key);
  const t = teacher(c, N);
  const tr = moments(t, D, c.noise, rng.split('train'));
  const va = moments(t, c.validation, c.noise, rng.split('validation'));
  const e = eigenbasis(tr, N);
  const V = e.V;
  // Validation moments in the eigenbasis of S: Vᵀb_v, Vᵀ S_v V.
  const hv = new Float64Array(N);
  for (let j = 0; j < N; j++) { let u = 0; for (let k = 0; k < N; k++) u += V[k * N + j] * va.b[k]; hv[j] = u; }
  const SvV = new Float64Array(N * N); // S_v V
  for (let i = 0; i < N; i++) for (let k = 0; k < N; k++) {
    const x = va.S[i * N + k];
    if (x === 0) continue;
    for (let j = 0; j < N; j++) SvV[i * N + j] += x * V[k * N + j];
  }
  const Mv = new Float64Array(N * N); // Vᵀ S_v V
  for (let k = 0; k < N; k++) for (let i = 0; i < N; i++) {
    const x = V[k * N + i];
    for (let j = 0; j < N; j++) Mv[i * N + j] += x * SvV[k * N + j];
  }
  const valLoss = (g: Float64Array) => quadratic(Mv, hv, va.yy, g);
  const steps = Math.max(1, Math.ceil(GRID_PER_DECADE * libm.log10(c.maxTime / T_MIN)));
  let best: { t: number; g: Float64Array; val: number } = { t: 0, g: new Float64Array(N), val: va.yy };
  let since = 0, stopped = false, tLast = 0, gLast = best.g;
  for (let m = 0; m <= steps; m++) {
    const tau = Math.min(c.maxTime, T_MIN * libm.pow(10, m / GRID_PER_DECADE));
    const g = flowCoefficients(e, tau);
    tLast = tau; gLast = g;
    if (!c.earlyStopping) continue;
    const v = valLoss(g);
    if (v < best.val) { best = { t: tau, g, val: v }; since = 0; }
    else if (++since >= c.patience) { stopped = true; break; }
  }
  const keep = c.earlyStopping ? best : { t: tLast, g: gLast, val: valLoss(gLast) };
  // Population loss σ² + τ_N + Σ_k λ_k (w_k − w*_k)².
  const excess = t.tau + featureExcess(t, e, keep.g);
  let quad = 0, lin = 0;
  for (let j = 0; j < N; j++) { quad += e.s[j] * keep.g[j] * keep.g[j]; lin += e.cb[j] * keep.g[j]; }
  // Test set: the error x·(w − w*) + tail + ξ is N(0, L), so the test MSE is L·χ²_n/n.
  const populationLoss = c.noise + excess;
  const loss = c.testSize > 0 ? populationLoss * 2 * gamma(c.testSize / 2, rng.split('test')) / c.testSize : populationLoss;
  return {
    N, D, seed: key.seed, heldOut: key.heldOut,
    loss, populationLoss, capacityExcess: excess, dataExcess: 0, time: keep.t, converged: stopped || settled(e, c.maxTime),
    trainLoss: quad - 2 * lin + tr.yy, validationLoss: keep.val,
  };
}

/** One training run (N, D, seed) of the configured task. */
export function trainRun(c: ScalingLawConfig, key: Cell): CellResult {
  return c.task === 'additive' ? runAdditiveCell(c, key) : runMinCell(c, key);
}
// ---------- grid ----------

function sorted(xs: number[]): number[] { return [...new Set(xs)].sort((a, b) => a - b); }

function cells(c: ScalingLawConfig): Cell[] {
  const out: Cell[] = [];
  const Ns = sorted(c.sizes), Ds = sorted(c.dataSizes);
  for (const N of Ns) for (const D of Ds) for (let seed = 0; seed < c.seeds; seed++) out.push({ N, D, seed, heldOut: false });
  if (c.heldOut) {
    const Nm = Ns[Ns.length - 1], Dm = Ds[Ds.length - 1];
    for (const [N, D] of [[2 * Nm, Dm], [Nm, 2 * Dm]]) for (let seed = 0; seed < c.seeds; seed++) out.push({ N, D, seed, heldOut: true });
  }
  return out;
}

function cell(c: ScalingLawConfig, key: Cell, ctx: RunContext): CellResult {
  const r = trainRun(c, key);
  ctx.record('runs', { N: r.N, D: r.D, seed: r.seed, loss: r.loss, populationLoss: r.populationLoss, excess: r.populationLoss - c.noise, capacityExcess: r.capacityExcess, dataExcess: r.dataExcess, time: r.time, converged: r.converged ? 1 : 0, heldOut: r.heldOut ? 1 : 0, kind: r.heldOut ? 'held-out' : 'measured' });
  return r;
}

export interface FitSummary {
  params: ScalingFit['params'];
  intervals: NonNullable<ScalingFit['intervals']>;
  warnings: string[];
  decades: ScalingFit['decades'];
  residualScale: number;
  delta: number;
}

export interface ScalingLawResult {
  runs: CellResult[];
  full: FitSummary | null;
  dropped: FitSummary | null;
  droppedSize: number;
  heldOut: { N: number; D: number; seed: number; measured: number; predicted: number; lo: number; hi: number }[];
  unconverged: number;
  /** Largest relative rise of the seed-mean loss with N at fixed D. */
  peakRise: number;
  peakAt: { N: number; D: number } | null;
  /** Lack-of-fit F of the full fit (log scale) against the seed-to-seed scatter, its degrees of freedom and 99 % quantile. */
  lackOfFit: { F: number; df1: number; df2: number; limit: number } | null;
  /** Level of each check's interval (Bonferroni over checkCount checks at family-wise `level`). */
  checkLevel: number;
  checkCount: number;
  interrupted: boolean;
}

/**
 * Lack-of-fit test in log L (Fisher; e.g. Draper & Smith, Applied Regression Analysis, §2.1):
 * with m distinct (N, D) cells, n runs and p = 5 parameters, F = [SS_lof/(m − p)]/[SS_pe/(n − m)],
 * SS_pe the scatter of runs about their cell means (pure error), SS_lof that of the cell means
 * about the fit. ≈ F(m − p, n − m) when the law describes the data.
 */
function lackOfFit(train: CellResult[], predicted: (N: number, D: number) => number): ScalingLawResult['lackOfFit'] {
  const groups = new Map<string, number[]>();
  for (const r of train) {
    const k = `${r.N},${r.D}`;
    (groups.get(k) ?? groups.set(k, []).get(k)!).push(libm.log(r.loss));
  }
  const m = groups.size, n = train.length, p = 5;
  if (n - m < 1 || m - p < 1) return null;
  let ssPe = 0, ssLof = 0;
  for (const [k, ys] of groups) {
    const [N, D] = k.split(',').map(Number);
    const mean = ys.reduce((a, b) => a + b, 0) / ys.length;
    for (const y of ys) ssPe += (y - mean) ** 2;
    ssLof += ys.length * (mean - libm.log(predicted(N, D))) ** 2;
  }
  const df1 = m - p, df2 = n - m;
  return { F: (ssLof / df1) / (ssPe / df2), df1, df2, limit: fQuantile(0.99, df1, df2) };
}

/** Upper quantile of F(d1, d2) from Paulson's normal approximation (cube-root transform), by bisection. */
export function fQuantile(q: number, d1: number, d2: number): number {
  // z for q by bisection on the normal CDF (erf via its Abramowitz–Stegun 7.1.26 form is enough here).
  const Phi = (x: number) => { const t = 1 / (1 + 0.3275911 * Math.abs(x) / Math.SQRT2); const e = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * libm.exp(-x * x / 2); return x >= 0 ? 1 - e / 2 : e / 2; };
  let lo = -10, hi = 10;
  for (let i = 0; i < 100; i++) { const mid = (lo + hi) / 2; if (Phi(mid) < q) lo = mid; else hi = mid; }
  const z = (lo + hi) / 2;
  const a1 = 2 / (9 * d1), a2 = 2 / (9 * d2);
  const zf = (F: number) => { const c = libm.pow(F, 1 / 3); return ((1 - a2) * c - (1 - a1)) / Math.sqrt(a1 + c * c * a2); };
  let flo = 1e-6, fhi = 1e6;
  for (let i = 0; i < 200; i++) { const mid = Math.sqrt(flo * fhi); if (zf(mid) < z) flo = mid; else fhi = mid; }
  return Math.sqrt(flo * fhi);
}

function summarize(f: ScalingFit): FitSummary {
  return { params: f.params, intervals: f.intervals!, warnings: f.warnings, decades: f.decades, residualScale: f.residualScale, delta: f.delta };
}

function aggregate(c: ScalingLawConfig, results: (CellResult | null)[], ctx: RunContext): ScalingLawResult {
  const runs = results.filter((r): r is CellResult => r !== null);
  const interrupted = runs.length < results.length;
  const train = runs.filter((r) => !r.heldOut);
  const unconverged = runs.filter((r) => !r.converged).length;
  // Double-descent detector on the seed means.
  const Ns = sorted(train.map((r) => r.N)), Ds = sorted(train.map((r) => r.D));
  const mean = (N: number, D: number) => {
    const xs = train.filter((r) => r.N === N && r.D === D).map((r) => r.loss);
    return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
  };
  let peakRise = 0, peakAt: { N: number; D: number } | null = null;
  for (const D of Ds) {
    let lowest = Infinity;
    for (const N of Ns) {
      const L = mean(N, D);
      if (!Number.isFinite(L)) continue;
      if (L / lowest - 1 > peakRise) { peakRise = L / lowest - 1; peakAt = { N, D }; }
      lowest = Math.min(lowest, L);
    }
  }
  const rows: ScalingRow[] = train.map((r) => ({ N: r.N, D: r.D, loss: r.loss }));
  const droppedSize = Ns[0];
  const rest = rows.filter((r) => r.N !== droppedSize);
  // Bonferroni: k checks, each at 1 − (1 − level)/k, so a correct law passes all of them with
  // probability ≥ level (checks: E; α and β against the derived values in task additive; α and β
  // stability when the dropped fit exists; held-out runs).
  const checkCount = 1 + (c.task === 'additive' ? 2 : 0) + (rest.length >= 6 ? 2 : 0) + runs.filter((q) => q.heldOut).length;
  const checkLevel = 1 - (1 - c.level) / checkCount;
  const opts = { bootstrap: c.bootstrap, level: checkLevel, seed: c.seed, signal: ctx.signal };
  let full: ScalingFit | null = null, dropped: ScalingFit | null = null;
  const heldOut: ScalingLawResult['heldOut'] = [];
  if (!interrupted && rows.length >= 6) {
    full = fitScalingLaw(rows, opts);
    ctx.progress(0.92, 'fit');
    if (rest.length >= 6 && !ctx.signal.aborted) dropped = fitScalingLaw(rest, opts);
    ctx.progress(0.97, 'fit without the smallest models');
    for (const r of runs.filter((q) => q.heldOut)) {
      const p = predictWithIntervals(full, r.N, r.D, c.seed);
      heldOut.push({ N: r.N, D: r.D, seed: r.seed, measured: r.loss, predicted: p.loss, lo: p.prediction.lo, hi: p.prediction.hi });
    }
    recordFit(c, full, train, ctx);
    if (c.task === 'additive') recordLaw(c, train, ctx);
  }
  const lof = full ? lackOfFit(train, (N, D) => scalingLoss(full!.params, N, D)) : null;
  return {
    runs, full: full && summarize(full), dropped: dropped && summarize(dropped), droppedSize, heldOut,
    unconverged, peakRise, peakAt, lackOfFit: lof, checkLevel, checkCount, interrupted,
  };
}

/** Fitted curves per D, residuals, and the compute frontier, as recorded series. */
function recordFit(c: ScalingLawConfig, f: ScalingFit, train: CellResult[], ctx: RunContext): void {
  const Ns = sorted(train.map((r) => r.N)), Ds = sorted(train.map((r) => r.D));
  const lo = libm.log(Ns[0]), hi = libm.log(2 * Ns[Ns.length - 1]);
  for (const D of [...Ds, 2 * Ds[Ds.length - 1]]) {
    for (let i = 0; i <= 24; i++) {
      const N = libm.exp(lo + (hi - lo) * i / 24);
      const L = scalingLoss(f.params, N, D);
      ctx.record('curves', { N, D, loss: L, kind: 'fit' });
    }
  }
  for (const r of train) ctx.record('curves', { N: r.N, D: r.D, loss: r.loss, kind: 'measured' });
  train.forEach((r) => {
    const L = scalingLoss(f.params, r.N, r.D);
    ctx.record('residuals', { N: r.N, D: r.D, seed: r.seed, residual: libm.log(r.loss / L) });
  });
  // Compute frontier: every run at C = 6ND, and the fitted optimum L*(C), N*(C) with intervals.
  const C0 = 6 * Ns[0] * Ds[0], C1 = 6 * 2 * Ns[Ns.length - 1] * 2 * Ds[Ds.length - 1];
  for (const r of train) ctx.record('frontier', { compute: 6 * r.N * r.D, loss: r.loss, N: r.N, kind: 'measured' });
  for (let i = 0; i <= 24; i++) {
    const C = libm.exp(libm.log(C0) + (libm.log(C1) - libm.log(C0)) * i / 24);
    const o = computeOptimalWithIntervals(f, C);
    if (!Number.isFinite(o.loss)) continue;
    ctx.record('frontier', { compute: C, loss: o.loss, N: o.N, kind: 'fit' });
    ctx.record('allocation', { compute: C, N: o.N, D: o.D, Nlo: o.intervals?.N.lo ?? NaN, Nhi: o.intervals?.N.hi ?? NaN, kind: 'fit' });
  }
}

/** Task additive: the derived law E[L] − σ² against the runs' excess (plotted dashed). */
function recordLaw(c: ScalingLawConfig, train: CellResult[], ctx: RunContext): void {
  const Ns = sorted(train.map((r) => r.N)), Ds = sorted(train.map((r) => r.D));
  const lo = libm.log(Ns[0]), hi = libm.log(2 * Ns[Ns.length - 1]);
  for (const D of Ds) {
    for (let i = 0; i <= 24; i++) {
      const N = libm.exp(lo + (hi - lo) * i / 24);
      ctx.record('law', { N, D, excess: expectedAdditiveLoss(c, N, D) - c.noise, kind: 'theory' });
    }
  }
  for (const r of train) ctx.record('law', { N: r.N, D: r.D, excess: r.populationLoss - c.noise, kind: 'measured' });
}

// ---------- verdict ----------

/** A check that the known value lies in an interval [lo, hi] around the measurement m (tolerance rewritten on m). */
function insideCheck(args: { name: string; quantity: string; known: number; measured: number; lo: number; hi: number; regime: RegimeCondition[]; note?: string }): Check {
  return numericCheck({
    name: args.name, quantity: args.quantity, predicted: args.known, measured: args.measured,
    tolerance: { kind: 'range', lo: args.known - (args.hi - args.measured), hi: args.known + (args.measured - args.lo) },
    uncertainty: (args.hi - args.lo) / 2, regime: args.regime, ...(args.note ? { note: args.note } : {}),
  });
}

function compare(c: ScalingLawConfig, r: ScalingLawResult, p: ScalingLawPrediction) {
  const train = r.runs.filter((q) => !q.heldOut);
  const decN = r.full?.decades.N ?? libm.log10(Math.max(...c.sizes) / Math.min(...c.sizes));
  const decD = r.full?.decades.D ?? libm.log10(Math.max(...c.dataSizes) / Math.min(...c.dataSizes));
  const regime: RegimeCondition[] = [
    regimeCondition('decades spanned by N', decN, 'min', 1.5),
    regimeCondition('decades spanned by D', decD, 'min', 1.5),
    regimeCondition('runs not converged (early stopping did not fire and the flow had not settled)', r.unconverged, 'max', 0),
    ...(r.lackOfFit ? [regimeCondition(`lack-of-fit F of the additive law against the seed scatter (99 % quantile of F(${r.lackOfFit.df1}, ${r.lackOfFit.df2}))`, r.lackOfFit.F, 'max', r.lackOfFit.limit)] : []),
    regimeCondition(`relative rise of the loss with N at fixed D${r.peakAt ? ` (largest at N = ${r.peakAt.N}, D = ${r.peakAt.D})` : ''}: interpolation peak`, r.peakRise, 'max', c.peakTolerance),
  ];
  const checks: Check[] = [];
  if (!r.full) return { checks, regime, status: r.interrupted ? 'interrupted' as const : 'ok' as const, note: `fit not run (${train.length} runs)` };
  const f = r.full, pct = `${(100 * r.checkLevel).toFixed(1)} % (Bonferroni: family-wise ${Math.round(100 * c.level)} % over ${r.checkCount} checks)`;
  checks.push(insideCheck({
    name: 'fitted E agrees with the known noise floor σ²',
    quantity: `E of L = E + A N^{−α} + B D^{−β} (${pct} bootstrap interval [${f.intervals.E!.lo.toPrecision(4)}, ${f.intervals.E!.hi.toPrecision(4)}])`,
    known: p.E, measured: f.params.E, lo: f.intervals.E!.lo, hi: f.intervals.E!.hi, regime,
    note: `fit: A = ${f.params.A.toPrecision(3)}, α = ${f.params.alpha.toFixed(3)}, B = ${f.params.B!.toPrecision(3)}, β = ${f.params.beta!.toFixed(3)} (${p.exact ? 'derived' : 'heuristic'} α = ${p.alpha}, β = ${p.beta.toFixed(3)}${p.exact ? `, A = ${p.A.toPrecision(3)}, B = ${p.B.toPrecision(3)}; α interval [${f.intervals.alpha!.lo.toFixed(3)}, ${f.intervals.alpha!.hi.toFixed(3)}], β interval [${f.intervals.beta!.lo.toFixed(3)}, ${f.intervals.beta!.hi.toFixed(3)}]` : ''}); δ = ${f.delta.toExponential(2)}${f.warnings.length ? `; warnings: ${f.warnings.join('; ')}` : ''}`,
  }));
  if (p.exact) {
    for (const k of ['alpha', 'beta'] as const) {
      const name = k === 'alpha' ? 'α' : 'β';
      checks.push(insideCheck({
        name: `fitted ${name} agrees with the derived ${name} = ${k === 'alpha' ? 'a' : '1'}`,
        quantity: `${name} of the full fit; tolerance: its ${pct} bootstrap interval contains the derived value`,
        known: p[k], measured: f.params[k]!, lo: f.intervals[k]!.lo, hi: f.intervals[k]!.hi, regime,
      }));
    }
  }
  if (r.dropped) {
    const d = r.dropped;
    const reg = [...regime, regimeCondition('decades spanned by N without the smallest size', d.decades.N, 'min', 1.5)];
    for (const k of ['alpha', 'beta'] as const) {
      checks.push(insideCheck({
        name: `exponent ${k === 'alpha' ? 'α' : 'β'} stable when the smallest models (N = ${r.droppedSize}) are dropped`,
        quantity: `${k === 'alpha' ? 'α' : 'β'} of the fit without N = ${r.droppedSize}; tolerance: its ${pct} interval contains the full fit's value`,
        known: f.params[k]!, measured: d.params[k]!, lo: d.intervals[k]!.lo, hi: d.intervals[k]!.hi, regime: reg,
      }));
    }
  }
  for (const h of r.heldOut) {
    checks.push(numericCheck({
      name: `held-out run at N = ${h.N}, D = ${h.D} (seed ${h.seed}) predicted by the fit`,
      quantity: `loss of a run not used in the fit; tolerance: the fit's ${pct} prediction interval (bootstrap + residual scatter)`,
      predicted: h.predicted, measured: h.measured, tolerance: { kind: 'range', lo: h.lo, hi: h.hi }, uncertainty: (h.hi - h.lo) / 2, regime,
    }));
  }
  return { checks, regime, status: r.interrupted ? 'interrupted' as const : 'ok' as const };
}

function plots(c: ScalingLawConfig): PlotSpec[] {
  return [
    { title: 'Loss against model size, one line per dataset size, with the fit', caption: 'Solid: seed runs; dashed: the fitted L(N, D) = E + A N^{−α} + B D^{−β}.', kind: 'lines', series: 'curves', x: 'N', y: 'loss', stroke: 'D', dashed: 'kind', xType: 'log', yType: 'log', lineStyles: { fit: { dash: 'dashed', label: 'fit' } } },
    { title: 'Reducible loss L − σ² against model size', caption: 'Each run\'s population loss minus the known floor σ²; the slope at large D is −α.', kind: 'scatter', series: 'runs', x: 'N', y: 'excess', stroke: 'D', xType: 'log', yType: 'log' },
    ...(c.task !== 'additive' ? [] : [{ title: 'Reducible loss against the derived law', caption: 'Runs: population loss − σ²; dashed: E[L] − σ² = A₀N^{−a} + (2A₀ + σ²)p/D + ε_N, derived, not fitted.', kind: 'lines', series: 'law', x: 'N', y: 'excess', stroke: 'D', dashed: 'kind', xType: 'log', yType: 'log', lineStyles: { theory: { dash: 'dashed', label: 'derived law' }, measured: { dash: 'solid', label: 'runs' } } } satisfies PlotSpec]),
    { title: 'Residuals of the fit', caption: 'log(L_run / L_fit) per run.', kind: 'scatter', series: 'residuals', x: 'N', y: 'residual', stroke: 'D', xType: 'log', rules: [{ y: 0 }] },
    { title: 'Compute frontier', caption: 'Runs at C = 6ND; dashed: the fitted compute-optimal loss L(N*(C), D*(C)).', kind: 'lines', series: 'frontier', x: 'compute', y: 'loss', stroke: 'kind', dashed: 'kind', xType: 'log', yType: 'log', lineStyles: { fit: { dash: 'dashed', label: 'L(N*(C), D*(C))' } } },
    { title: 'Compute-optimal model size N*(C)', caption: 'With its bootstrap interval.', kind: 'lines', series: 'allocation', x: 'compute', y: 'N', dashed: 'kind', xType: 'log', yType: 'log', errorY: { lo: 'Nlo', hi: 'Nhi' }, lineStyles: { fit: { dash: 'dashed', label: 'N*(C)' } } },
  ];
}

/** The quick ladder: 7 model sizes over a factor 64; data sizes 4, 16, 64, 256 samples per class (p = 4096). */
const LADDER = [2, 4, 8, 16, 32, 64, 128];
const QUICK_D = [16384, 65536, 262144, 1048576];

export const scalingLawExperiment: Experiment<ScalingLawConfig, ScalingLawResult, ScalingLawPrediction> = {
  name: 'scaling-law',
  title: 'Scaling-law fit recovers a known noise floor and predicts held-out runs',
  strand: '§B1 laws and universality — L(N, D) = E + A N^{−α} + B D^{−β} (Hoffmann et al. 2022)',
  description: 'A ladder of model sizes × dataset sizes on a task whose excess loss is additive by construction: target g(u) + h(c) + ξ, a power-law teacher g that a capacity tower with N features learns from plentiful data (τ_N = A₀N^{−a}) plus a class component h that a data tower estimates from D balanced samples ((2A₀ + σ²)p/D), label noise σ² (so E = σ², α = a, β = 1 exactly), each tower trained by exact gradient flow to convergence; Huber/L-BFGS fit with bootstrap intervals; checks: σ² inside E\'s interval, exponents stable when the smallest models are dropped, held-out larger runs inside the prediction intervals. Variant task "min" (one readout trained on the same D samples, early-stopped): the bottlenecks do not add and the lack-of-fit test says so.',
  schema: scalingLawSchema,
  quick: { sizes: LADDER, dataSizes: QUICK_D, seeds: 2, bootstrap: 400 },
  variants: [
    { label: 'one decade per axis', config: { sizes: [8, 16, 32, 64, 80], dataSizes: [32768, 65536, 131072, 262144, 327680], seeds: 2, bootstrap: 60, heldOut: false }, expect: 'out-of-regime' },
    { label: 'not trained to convergence (flow time T = 3)', config: { sizes: LADDER, dataSizes: QUICK_D, seeds: 2, bootstrap: 60, heldOut: false, maxTime: 3 }, expect: 'out-of-regime' },
    { label: 'task min: the bottlenecks do not add; 8 replicates over 2.4 decades of D and lack of fit rejects the sum form', config: { task: 'min', sizes: LADDER, dataSizes: [256, 1024, 4096, 16384, 65536], seeds: 8, bootstrap: 60, heldOut: false }, expect: 'out-of-regime' },
    { label: 'task min, no early stopping: interpolation peak at N ≈ D', config: { task: 'min', sizes: LADDER, dataSizes: [16, 64, 256, 1024], seeds: 2, bootstrap: 60, heldOut: false, earlyStopping: false }, expect: 'out-of-regime' },
  ],
  predict: predictScalingLaw,
  grid: { cells, cell, aggregate, cost: (c, k: Cell) => (c.task === 'additive' ? 0 : k.N * k.N * (Math.min(k.D, k.N) + Math.min(c.validation, k.N))) + k.N * k.N * k.N + c.classes },
  compare,
  plots,
  summary: (_c, r): Record<string, number> => r.full ? {
    E: r.full.params.E, alpha: r.full.params.alpha, beta: r.full.params.beta ?? NaN, A: r.full.params.A, B: r.full.params.B ?? NaN,
    E_lo: r.full.intervals.E!.lo, E_hi: r.full.intervals.E!.hi,
    alphaDropped: r.dropped?.params.alpha ?? NaN, betaDropped: r.dropped?.params.beta ?? NaN,
    unconverged: r.unconverged, peakRise: r.peakRise, lackOfFitF: r.lackOfFit?.F ?? NaN, lackOfFitLimit: r.lackOfFit?.limit ?? NaN, checkLevel: r.checkLevel,
  } : { unconverged: r.unconverged, peakRise: r.peakRise },
};
