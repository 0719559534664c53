/**
 * Heavy-tailed spectra (science-notes §B8, §B9, §F "esd-alpha"): the empirical spectral density
 * (ESD) of a weight matrix, its power-law tail, its Marchenko–Pastur bulk, and the power-law decay
 * of data spectra (covariance eigenvalues, Zipf rank–frequency). Pure functions over plain arrays.
 *
 * ESD. W is N×M after orienting it so that N ≥ M (a transpose changes nothing but the labels);
 * X = WᵀW/N (M×M), aspect ratio Q = N/M ≥ 1, eigenvalues λ_1 ≤ … ≤ λ_M (linalg eigvalsh).
 *
 * Marchenko–Pastur (Marchenko & Pastur 1967): for iid entries of variance σ², as N, M → ∞ at fixed
 * Q the ESD of X tends to
 *   ρ(λ) = Q √((λ₊ − λ)(λ − λ₋)) / (2π σ² λ),  λ± = σ²(1 ± Q^{−½})²,  λ ∈ [λ₋, λ₊].
 * Its CDF is tabulated through λ = λ₋ + (λ₊ − λ₋)(1 − cos θ)/2, which turns the integrand into the
 * smooth [(λ₊ − λ₋)/2]² sin²θ · Q/(2π σ² λ(θ)) (trapezoid rule on 4096 nodes, error < 1e-6).
 * Fit: σ² = the least-squares slope (through 0) of the sorted λ_(i) on the MP quantiles
 * m_i = F⁻¹((i + ½)/M) of the unit-variance law over the lower half of the ESD, so outlying spikes do
 * not move it (the trace estimator σ² = tr X/M is reported too); optionally Q is fitted as well
 * (the Q that minimises the KS distance, σ² by the Q–Q fit at each Q). Goodness of fit: the
 * two-sided KS distance D between the ESD and the fitted MP CDF. Eigenvalues of one matrix are not
 * independent samples (they repel: the ESD sits O(1/M) from MP, not O(1/√M)), so the Kolmogorov
 * distribution would give p ≈ 1 always; the p-value is instead a parametric bootstrap: D of Gaussian
 * Wishart matrices of the same shape, fitted the same way. D is scale-invariant under a
 * scale-equivariant σ² estimate, so its null law depends on (N, M) only and the p-value is exact
 * (up to B) for Gaussian W. The Wishart eigenvalues come from the Dumitriu–Edelman (2002) bidiagonal
 * model: for W N×M standard Gaussian, WᵀW has the spectrum of BBᵀ with B lower bidiagonal,
 * B_ii = χ_{N−i}, B_{i+1,i} = χ_{M−1−i} (i = 0, …), i.e. a tridiagonal eigenproblem in O(M²).
 * Outliers: eigenvalues above the Tracy–Widom edge (Johnstone 2001): for WᵀW with unit-variance
 * entries the largest eigenvalue is ≈ μ + s·σ_TW with μ = (√(N−1) + √M)²,
 * σ_TW = (√(N−1) + √M)(1/√(N−1) + 1/√M)^{1/3} and s ~ TW₁; the edge is σ²(μ + 2.0234 σ_TW)/N
 * (TW₁'s 99 % quantile is 2.0234). Only a spike beyond the finite-size edge counts as an outlier.
 *
 * Power-law tail (Clauset, Shalizi & Newman 2009, SIAM Rev. 51:661): p(x) = ((α − 1)/x_min)
 * (x/x_min)^{−α} for x ≥ x_min. For each candidate x_min (data values leaving a tail of at least
 * `minTail` = 50 points) the MLE with the n − 1 bias correction (science-notes, Corrections)
 *   α̂ = 1 + (n − 1)/Σ_{x_i ≥ x_min} ln(x_i/x_min),   σ_α = (α̂ − 1)/√n,
 * and the two-sided KS distance D = sup_x |S(x) − P(x)| over the tail (the ECDF's left and right
 * limits at every point; WeightWatcher uses only the left one); x_min = argmin D. Interval: the
 * percentile interval of α̂ over nonparametric bootstrap resamples of the whole sample, each refitted
 * with its own x_min. Goodness of fit: Clauset's semi-parametric bootstrap p-value (synthetic sets:
 * each point from the fitted power law with probability n_tail/n, else resampled from the data below
 * x_min; refitted in full); p < 0.1 rejects the power law. Alternatives (Clauset §5): Vuong's
 * normalized log-likelihood ratio R/(σ_R√n) of the power law against an exponential
 * λe^{−λ(x − x_min)} and a lognormal truncated at x_min (both fitted by MLE on the same tail), with
 * two-sided p = erfc(|z|/√2); an alternative is preferred when R < 0 with p < 0.1.
 * Flags that make α "not a law": tail < minTail; the tail mostly inside the MP edge (the fit is to
 * the bulk edge: a Gaussian W gives a spurious α ≈ 6, science-notes §B8); KS bootstrap p < 0.1; an
 * alternative preferred. α > 6 is also flagged (finite-size MP-like, WeightWatcher's "under-trained").
 * HT-SR (Martin & Mahoney 2021, JMLR 22:165): iid entries with a Pareto tail of index μ < 2 give an
 * ESD tail α = 1 + μ/2.
 *
 * Data spectra (§B9): covariance eigenvalues λ_k (centred rows, normalised by the trace) ∝ k^{−a},
 * a by least squares of ln λ_k on ln k over a stated window [k_min, k_max], its interval by
 * bootstrap over the rows (percentile interval shifted by the bootstrap's own bias: resampled
 * spectra come out steeper). Sample-covariance (MP) distortion steepens the tail beyond k ≈ n/20
 * (science-notes [NR]: d = 400, λ_k = k^{−1.5}, k ∈ [20, 200]: â = 2.07 at n = 200, 1.51 at
 * n = 4000), hence the regime rule k_max ≤ n/20, and a fit spanning < 1 decade is out of regime.
 * Zipf (token data): p(r) ∝ r^{−s} over ranks r ∈ [r_min, r_max] of types sorted by count, fitted by
 * the discrete MLE (not OLS on log rank–log frequency): the score equation
 * ⟨ln r⟩_s = (Σ_r c_r ln r)/(Σ_r c_r), solved by bisection (⟨ln r⟩_s decreases in s), standard error
 * 1/√(N Var_s(ln r)) from the Fisher information, and a bootstrap interval (multinomial resampling of
 * the tokens, re-ranked each time; shifted by the bootstrap's own bias like the covariance one). The
 * default r_max is the last rank with ≥ 10 occurrences: ranks of rarer types are mostly sampling
 * noise and bias s. Ranking by the observed counts still biases ŝ low by ~0.5 % (planted: 10⁵ tokens,
 * V = 5000: ŝ = 0.995 ± 0.002 at s = 1, 1.294 ± 0.002 at s = 1.3); the interval covers sampling
 * error only.
 */
import * as libm from '../engine/libm.js';
import { eigvalsh, mat, tridiagonalEigen } from '../engine/linalg/index.js';
import { Rng } from '../engine/rng.js';
import { erfScalar } from '../engine/backend/math-kernels.js';

// ---------------------------------------------------------------------------------------
// Small numerical helpers.

const LOG_2PI = libm.log(2 * Math.PI);

/** erfc(x) for any x: 1 − erf below 3, a continued fraction (Lentz) beyond. */
export function erfc(x: number): number {
  if (x < 3) return 1 - erfScalar(x);
  return libm.exp(-x * x) * millsCf(x * Math.SQRT2) * Math.sqrt(2 / Math.PI);
}

/** 1/(z + 1/(z + 2/(z + 3/(z + …)))): Φc(z)/φ(z) for z ≥ 3 (backward evaluation, 80 terms). */
function millsCf(z: number): number {
  let t = z;
  for (let k = 80; k >= 1; k--) t = z + k / t;
  return 1 / t;
}

/** ln Φc(z) = ln P(Z > z), accurate in both tails. */
export function logNormalSurvival(z: number): number {
  if (z < 0) return libm.log1p(-0.5 * erfc(-z * Math.SQRT1_2));
  if (z < 3) return libm.log(0.5 * erfc(z * Math.SQRT1_2));
  return -0.5 * z * z - 0.5 * LOG_2PI + libm.log(millsCf(z));
}

/** Linear-interpolation quantile of an ascending array. */
export function quantileAsc(xs: ArrayLike<number>, q: number): number {
  const n = xs.length;
  if (n === 0) return NaN;
  const h = (n - 1) * q;
  const lo = Math.floor(h), hi = Math.min(n - 1, lo + 1);
  return xs[lo] + (h - lo) * (xs[hi] - xs[lo]);
}

/** Percentile interval of finite bootstrap values at `level`. */
function percentileInterval(values: number[], level: number): [number, number] {
  const s = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length < 2) return [NaN, NaN];
  return [quantileAsc(s, (1 - level) / 2), quantileAsc(s, (1 + level) / 2)];
}

/**
 * Bootstrap percentile interval shifted by the bootstrap's bias (median of the replicates minus the
 * estimate). Resampled rows hold duplicates, so their sample-covariance spectra are distorted more
 * than the original's and their exponents come out steeper by more than their spread; resampled
 * tokens re-ranked by count likewise flatten a Zipf law. The shifted interval keeps the spread (the
 * sampling error) centred on the estimate; the estimator's own finite-n bias is what the
 * k_max ≤ n/20 rule (covariance) and the minCount window (Zipf) bound.
 */
function biasShiftedInterval(estimate: number, values: number[], level: number): [number, number] {
  const s = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length < 2) return [NaN, NaN];
  const shift = quantileAsc(s, 0.5) - estimate;
  return [quantileAsc(s, (1 - level) / 2) - shift, quantileAsc(s, (1 + level) / 2) - shift];
}

/** Gamma(shape) variate (Marsaglia & Tsang 2000; shape < 1 through Gamma(shape + 1)·U^{1/shape}). */
export function gammaVariate(shape: number, rng: Rng): number {
  if (!(shape > 0)) throw new RangeError(`gammaVariate: shape must be > 0 (got ${shape})`);
  if (shape < 1) return gammaVariate(shape + 1, rng) * libm.pow(rng.uniform() || Number.MIN_VALUE, 1 / shape);
  const d = shape - 1 / 3, c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = rng.normal();
    const t = 1 + c * x;
    if (t <= 0) continue;
    const v = t * t * t;
    const u = rng.uniform();
    if (u > 0 && libm.log(u) < 0.5 * x * x + d - d * v + d * libm.log(v)) return d * v;
  }
}

/** χ²_k variate (= 2·Gamma(k/2)). */
const chiSquare = (k: number, rng: Rng) => 2 * gammaVariate(k / 2, rng);

/** 2-D Nelder–Mead minimisation (standard coefficients 1, 2, ½, ½). */
function nelderMead2(f: (p: [number, number]) => number, start: [number, number], step: [number, number], iters = 300): [number, number] {
  let simplex: { p: [number, number]; v: number }[] = [start, [start[0] + step[0], start[1]], [start[0], start[1] + step[1]]]
    .map((p) => ({ p: p as [number, number], v: f(p as [number, number]) }));
  const val = (p: [number, number]) => { const v = f(p); return Number.isFinite(v) ? v : Infinity; };
  for (let it = 0; it < iters; it++) {
    simplex.sort((a, b) => a.v - b.v);
    const [best, mid, worst] = simplex;
    if (Math.abs(worst.v - best.v) <= 1e-10 * (1 + Math.abs(best.v))) break;
    const c: [number, number] = [(best.p[0] + mid.p[0]) / 2, (best.p[1] + mid.p[1]) / 2];
    const at = (t: number): [number, number] => [c[0] + t * (worst.p[0] - c[0]), c[1] + t * (worst.p[1] - c[1])];
    const r = at(-1), vr = val(r);
    if (vr < best.v) {
      const e = at(-2), ve = val(e);
      simplex[2] = ve < vr ? { p: e, v: ve } : { p: r, v: vr };
    } else if (vr < mid.v) {
      simplex[2] = { p: r, v: vr };
    } else {
      const k = vr < worst.v ? at(-0.5) : at(0.5), vk = val(k);
      if (vk < Math.min(vr, worst.v)) simplex[2] = { p: k, v: vk };
      else simplex = simplex.map((s, i) => (i === 0 ? s : { p: [(s.p[0] + best.p[0]) / 2, (s.p[1] + best.p[1]) / 2] as [number, number], v: val([(s.p[0] + best.p[0]) / 2, (s.p[1] + best.p[1]) / 2]) }));
    }
  }
  simplex.sort((a, b) => a.v - b.v);
  return simplex[0].p;
}

/** Two-sided KS distance between ascending samples and a CDF. */
export function ksDistance(sortedAsc: ArrayLike<number>, cdf: (x: number) => number): number {
  const n = sortedAsc.length;
  let D = 0;
  for (let k = 0; k < n; k++) {
    const F = cdf(sortedAsc[k]);
    D = Math.max(D, F - k / n, (k + 1) / n - F);
  }
  return D;
}

// ---------------------------------------------------------------------------------------
// Empirical spectral density.

export interface Esd {
  /** Eigenvalues of X = WᵀW/N, ascending (M of them). */
  eigenvalues: Float64Array;
  /** Rows and columns as given. */
  shape: [number, number];
  /** N = max(rows, cols), M = min(rows, cols), Q = N/M ≥ 1. */
  N: number;
  M: number;
  Q: number;
}

/** A matrix as plain data: row-major `rows × cols` (a linalg Mat, or a weight tensor's data). */
export interface MatrixLike { rows: number; cols: number; data: ArrayLike<number> }

/** ESD of W: eigenvalues of WᵀW/N with W oriented N×M, N ≥ M (negative round-off clipped to 0). */
export function esd(W: MatrixLike): Esd {
  const { rows, cols, data } = W;
  if (!(Number.isInteger(rows) && rows >= 1 && Number.isInteger(cols) && cols >= 1)) throw new RangeError(`esd: W must have rows, cols ≥ 1 (got ${rows}×${cols})`);
  if (data.length !== rows * cols) throw new RangeError(`esd: W.data has length ${data.length}, need rows·cols = ${rows * cols}`);
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) throw new RangeError(`esd: W.data[${i}] is not finite`);
  const N = Math.max(rows, cols), M = Math.min(rows, cols);
  // Gram of the short side, G_ab = Σ_i W_ia W_ib over the long index i, as dot products of the
  // rows of the M×N orientation (contiguous, typed).
  const A = new Float64Array(M * N);
  if (rows === M) A.set(data);
  else for (let i = 0; i < rows; i++) for (let a = 0; a < cols; a++) A[a * N + i] = data[i * cols + a];
  const G = mat(M, M);
  const g = G.data;
  for (let a = 0; a < M; a++) {
    const oa = a * N;
    for (let b = a; b < M; b++) {
      const ob = b * N;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0, i = 0;
      for (; i + 3 < N; i += 4) {
        s0 += A[oa + i] * A[ob + i]; s1 += A[oa + i + 1] * A[ob + i + 1];
        s2 += A[oa + i + 2] * A[ob + i + 2]; s3 += A[oa + i + 3] * A[ob + i + 3];
      }
      for (; i < N; i++) s0 += A[oa + i] * A[ob + i];
      g[a * M + b] = g[b * M + a] = (s0 + s1 + s2 + s3) / N;
    }
  }
  const ev = eigvalsh(G);
  for (let i = 0; i < ev.length; i++) if (ev[i] < 0) ev[i] = 0;
  ev.sort();
  return { eigenvalues: ev, shape: [rows, cols], N, M, Q: N / M };
}

/**
 * Eigenvalues (ascending) of WᵀW/N for one N×M (N ≥ M) standard Gaussian W, from the
 * Dumitriu–Edelman bidiagonal model (see the file comment): O(M²) work instead of O(NM²).
 */
export function wishartEigenvalues(N: number, M: number, rng: Rng): Float64Array {
  if (!(Number.isInteger(N) && Number.isInteger(M) && M >= 1 && N >= M)) throw new RangeError(`wishartEigenvalues: need integers N ≥ M ≥ 1 (got N = ${N}, M = ${M})`);
  const d2 = new Float64Array(M), e2 = new Float64Array(Math.max(M - 1, 0));
  for (let i = 0; i < M; i++) d2[i] = chiSquare(N - i, rng);
  for (let i = 0; i < M - 1; i++) e2[i] = chiSquare(M - 1 - i, rng);
  const alpha = new Float64Array(M), beta = new Float64Array(Math.max(M - 1, 0));
  for (let i = 0; i < M; i++) alpha[i] = (d2[i] + (i > 0 ? e2[i - 1] : 0)) / N;
  for (let i = 0; i < M - 1; i++) beta[i] = Math.sqrt(d2[i] * e2[i]) / N;
  const { values } = tridiagonalEigen(alpha, beta, false);
  for (let i = 0; i < M; i++) if (values[i] < 0) values[i] = 0;
  return values.sort();
}

// ---------------------------------------------------------------------------------------
// Marchenko–Pastur law.

const MP_NODES = 4096;
interface MpTable { y: number; a: number; b: number; G: Float64Array; median: number }
const mpTables = new Map<number, MpTable>();

/** CDF table of the unit-variance MP law with ratio y = 1/Q ∈ (0, 1] on θ ∈ [0, π]. */
function mpTable(Q: number): MpTable {
  if (!(Q >= 1 && Number.isFinite(Q))) throw new RangeError(`Marchenko–Pastur: Q must be ≥ 1 and finite (got ${Q})`);
  const hit = mpTables.get(Q);
  if (hit) return hit;
  const y = 1 / Q, r = Math.sqrt(y);
  const a = (1 - r) * (1 - r), b = (1 + r) * (1 + r);
  const h = (b - a) / 2, dth = Math.PI / MP_NODES;
  const f = (th: number) => {
    const s = libm.sin(th);
    const lam = a + h * (1 - libm.cos(th));
    // y = 1: λ₋ = 0 and sin²θ/λ(θ) → (1 + cos θ)/h as θ → 0.
    if (lam <= 0) return (h * (1 + libm.cos(th))) / (2 * Math.PI * y);
    return (h * h * s * s) / (2 * Math.PI * y * lam);
  };
  const G = new Float64Array(MP_NODES + 1);
  let prev = f(0);
  for (let k = 1; k <= MP_NODES; k++) {
    const cur = f(k * dth);
    G[k] = G[k - 1] + 0.5 * (prev + cur) * dth;
    prev = cur;
  }
  const total = G[MP_NODES];
  for (let k = 0; k <= MP_NODES; k++) G[k] /= total;
  // Median: the θ where G = ½, then λ(θ).
  let k = 0;
  while (G[k + 1] < 0.5) k++;
  const th = (k + (0.5 - G[k]) / (G[k + 1] - G[k])) * dth;
  const t: MpTable = { y, a, b, G, median: a + h * (1 - libm.cos(th)) };
  if (mpTables.size > 256) mpTables.delete(mpTables.keys().next().value!);
  mpTables.set(Q, t);
  return t;
}

/** MP edges λ± = σ²(1 ± Q^{−½})². */
export function marchenkoPasturEdges(sigma2: number, Q: number): { lambdaMinus: number; lambdaPlus: number } {
  const r = Math.sqrt(1 / Q);
  return { lambdaMinus: sigma2 * (1 - r) * (1 - r), lambdaPlus: sigma2 * (1 + r) * (1 + r) };
}

/** MP density ρ(λ) = Q √((λ₊ − λ)(λ − λ₋))/(2π σ² λ) on [λ₋, λ₊], 0 outside. */
export function marchenkoPasturDensity(lambda: number, sigma2: number, Q: number): number {
  const { lambdaMinus: a, lambdaPlus: b } = marchenkoPasturEdges(sigma2, Q);
  if (lambda <= a || lambda >= b || lambda <= 0) return 0;
  return (Q * Math.sqrt((b - lambda) * (lambda - a))) / (2 * Math.PI * sigma2 * lambda);
}

/** MP CDF F(λ) (tabulated, |error| < 1e-6). */
export function marchenkoPasturCdf(lambda: number, sigma2: number, Q: number): number {
  const T = mpTable(Q);
  const t = lambda / sigma2;
  if (!(t > T.a)) return 0;
  if (t >= T.b) return 1;
  const c = Math.min(1, Math.max(-1, 1 - (2 * (t - T.a)) / (T.b - T.a)));
  const pos = (libm.acos(c) / Math.PI) * MP_NODES;
  const k = Math.min(MP_NODES - 1, Math.floor(pos));
  return T.G[k] + (pos - k) * (T.G[k + 1] - T.G[k]);
}

/** Median of the MP law with variance σ² and ratio Q. */
export function marchenkoPasturMedian(sigma2: number, Q: number): number {
  return sigma2 * mpTable(Q).median;
}

/** TW₁ quantiles (Tracy & Widom 1996; Johnstone 2001 Table 1). */
const TW1_QUANTILES: Record<string, number> = { '0.9': 0.4501, '0.95': 0.9793, '0.99': 2.0234 };

/** Finite-size edge for the largest eigenvalue of WᵀW/N (σ² entries): σ²(μ + s_q σ_TW)/N (Johnstone 2001). */
export function tracyWidomEdge(sigma2: number, N: number, M: number, quantile: 0.9 | 0.95 | 0.99 = 0.99): number {
  const a = Math.sqrt(Math.max(N - 1, 1)), b = Math.sqrt(M);
  const mu = (a + b) * (a + b);
  const s = (a + b) * libm.pow(1 / a + 1 / b, 1 / 3);
  return (sigma2 * (mu + TW1_QUANTILES[String(quantile)] * s)) / N;
}

export interface MpFit {
  /** Bulk variance: Q–Q slope of the lower half of the ESD on the MP quantiles. */
  sigma2: number;
  /** σ² = tr X/M (pulled up by spikes). */
  sigma2Trace: number;
  /** Aspect ratio used: N/M from the shape, or fitted. */
  Q: number;
  Qshape: number;
  aspect: 'shape' | 'fit';
  lambdaMinus: number;
  lambdaPlus: number;
  /** Tracy–Widom 99 % edge; eigenvalues above it are outliers. */
  edge: number;
  outliers: number;
  /** Largest eigenvalue over λ₊. */
  maxOverEdge: number;
  /** Two-sided KS distance between the ESD and the fitted MP CDF. */
  ks: number;
  /** Parametric-bootstrap p-value of ks (Gaussian Wishart null, same shape and estimator); NaN when bootstrap = 0. */
  ksP: number;
  bootstrap: number;
}

export interface MpFitOptions {
  /** 'shape' (default): Q = N/M; 'fit': Q minimising the KS distance. */
  aspect?: 'shape' | 'fit';
  /** Wishart replicates for the KS p-value (default 200; 0: none). */
  bootstrap?: number;
  rng?: Rng;
}

/** Quantiles F⁻¹((i + ½)/M), i = 0…M−1, of the unit-variance MP law (cached per (Q, M)). */
const mpQuantileCache = new Map<string, Float64Array>();
function mpQuantiles(Q: number, M: number): Float64Array {
  const key = `${Q}:${M}`;
  const hit = mpQuantileCache.get(key);
  if (hit) return hit;
  const T = mpTable(Q), h = (T.b - T.a) / 2, dth = Math.PI / MP_NODES;
  const out = new Float64Array(M);
  let k = 0;
  for (let i = 0; i < M; i++) {
    const p = (i + 0.5) / M;
    while (k < MP_NODES - 1 && T.G[k + 1] < p) k++;
    const th = (k + (p - T.G[k]) / (T.G[k + 1] - T.G[k])) * dth;
    out[i] = T.a + h * (1 - libm.cos(th));
  }
  if (mpQuantileCache.size > 256) mpQuantileCache.delete(mpQuantileCache.keys().next().value!);
  mpQuantileCache.set(key, out);
  return out;
}

/** Fraction of the ESD (from the bottom) that the σ² fit uses: spikes above it do not move σ². */
const MP_FIT_FRACTION = 0.5;

/**
 * σ², Q and D for ascending eigenvalues (the estimator the bootstrap repeats). σ² is the
 * least-squares slope through the origin of the sorted eigenvalues λ_(i) on the MP quantiles m_i
 * over the lower half (a Q–Q fit: robust to spikes and to a heavy upper half, scale-equivariant;
 * on Wishart matrices with M = 100–256 its rms error is 1 %, the median alone's ~2 %).
 */
function mpEstimate(ev: Float64Array, Qshape: number, aspect: 'shape' | 'fit'): { sigma2: number; Q: number; ks: number } {
  const M = ev.length, top = Math.max(2, Math.floor(MP_FIT_FRACTION * M));
  const at = (Q: number) => {
    const m = mpQuantiles(Q, M);
    let sxy = 0, sxx = 0;
    for (let i = 0; i < top; i++) { sxy += ev[i] * m[i]; sxx += m[i] * m[i]; }
    const sigma2 = sxy / sxx;
    return { sigma2, Q, ks: ksDistance(ev, (x) => marchenkoPasturCdf(x, sigma2, Q)) };
  };
  if (aspect === 'shape') return at(Qshape);
  // Grid in ln Q over [1, 16·Q_shape], then golden-section refinement around the best node.
  const lo = 0, hi = libm.log(16 * Qshape), K = 32;
  let best = at(Qshape), bestU = libm.log(Qshape);
  for (let k = 0; k <= K; k++) {
    const u = lo + ((hi - lo) * k) / K, r = at(libm.exp(u));
    if (r.ks < best.ks) { best = r; bestU = u; }
  }
  let a = Math.max(lo, bestU - (hi - lo) / K), b = Math.min(hi, bestU + (hi - lo) / K);
  const g = (Math.sqrt(5) - 1) / 2;
  for (let it = 0; it < 24; it++) {
    const c = b - g * (b - a), d = a + g * (b - a);
    const rc = at(libm.exp(c)), rd = at(libm.exp(d));
    if (rc.ks < best.ks) best = rc;
    if (rd.ks < best.ks) best = rd;
    if (rc.ks < rd.ks) b = d; else a = c;
  }
  return best;
}

/** Marchenko–Pastur fit of an ESD: σ² (Q–Q fit of the bulk), Q (shape or fitted), edges, outliers, KS D and its bootstrap p. */
export function marchenkoPasturFit(e: Esd, opts: MpFitOptions = {}): MpFit {
  const aspect = opts.aspect ?? 'shape';
  if (aspect !== 'shape' && aspect !== 'fit') throw new RangeError(`marchenkoPasturFit: aspect must be "shape" or "fit" (got ${JSON.stringify(aspect)})`);
  const B = opts.bootstrap ?? 200;
  if (!(Number.isInteger(B) && B >= 0 && B <= 100_000)) throw new RangeError(`marchenkoPasturFit: bootstrap must be an integer in [0, 100000] (got ${B})`);
  const ev = e.eigenvalues;
  if (ev.length < 2) throw new RangeError(`marchenkoPasturFit: need at least 2 eigenvalues (got ${ev.length})`);
  if (!(quantileAsc(ev, 0.5) > 0)) throw new RangeError('marchenkoPasturFit: the median eigenvalue is 0 (W is rank-deficient by more than half)');
  const est = mpEstimate(ev, e.Q, aspect);
  const { lambdaMinus, lambdaPlus } = marchenkoPasturEdges(est.sigma2, est.Q);
  const Nfit = est.Q * e.M; // the TW edge at the fitted aspect ratio
  const edge = tracyWidomEdge(est.sigma2, aspect === 'shape' ? e.N : Math.max(Nfit, e.M), e.M);
  let outliers = 0;
  for (let i = 0; i < ev.length; i++) if (ev[i] > edge) outliers++;
  let ksP = NaN;
  if (B > 0) {
    const rng = opts.rng ?? new Rng(0);
    let exceed = 0;
    for (let b = 0; b < B; b++) {
      const w = wishartEigenvalues(e.N, e.M, rng.split(`wishart${b}`));
      if (mpEstimate(w, e.Q, aspect).ks >= est.ks) exceed++;
    }
    ksP = (1 + exceed) / (1 + B);
  }
  const trace = ev.reduce((s, x) => s + x, 0) / ev.length;
  return {
    sigma2: est.sigma2, sigma2Trace: trace, Q: est.Q, Qshape: e.Q, aspect, lambdaMinus, lambdaPlus, edge, outliers,
    maxOverEdge: ev[ev.length - 1] / lambdaPlus, ks: est.ks, ksP, bootstrap: B,
  };
}

// ---------------------------------------------------------------------------------------
// Power-law tail (Clauset–Shalizi–Newman).

export interface LikelihoodRatio {
  alternative: 'exponential' | 'lognormal';
  /** Σ_i [ln p_PL(x_i) − ln p_alt(x_i)] over the tail (> 0 favours the power law). */
  R: number;
  /** Vuong's normalized statistic R/(σ_R √n). */
  z: number;
  /** Two-sided p-value of z. */
  p: number;
  favours: 'power-law' | 'alternative' | 'neither';
}

export type PowerLawFlag = 'tail-too-short' | 'inside-mp-edge' | 'ks-rejected' | 'lr-prefers-exponential' | 'lr-prefers-lognormal' | 'alpha-above-6';

export interface PowerLawFit {
  alpha: number;
  /** (α̂ − 1)/√n_tail. */
  sigma: number;
  /** Bootstrap percentile interval of α̂ at `level` ([NaN, NaN] without bootstrap). */
  interval: [number, number];
  level: number;
  xmin: number;
  xmax: number;
  nTail: number;
  n: number;
  /** Two-sided KS distance of the tail from the fitted power law. */
  ks: number;
  /** Clauset's semi-parametric bootstrap p-value (NaN when goodnessBootstrap = 0). */
  ksP: number;
  lr: LikelihoodRatio[];
  /** Fraction of tail points above the MP edge (NaN when no edge was given). */
  aboveEdge: number;
  flags: PowerLawFlag[];
  /** No flag: the tail is a power law by every test made. */
  heavyTail: boolean;
}

export interface PowerLawOptions {
  /** Least tail size (default 50). */
  minTail?: number;
  /** Resamples for the α interval (default 100; 0: none). */
  bootstrap?: number;
  /** Synthetic sets for the KS p-value (default 100; 0: none). */
  goodnessBootstrap?: number;
  /** Most x_min candidates tried (evenly spaced in rank; default 200). */
  maxCandidates?: number;
  /** Interval level (default 0.95). */
  level?: number;
  /** An MP edge (e.g. MpFit.edge): a tail mostly below it is the bulk's edge, not a heavy tail. */
  mpEdge?: number;
  rng?: Rng;
}

interface TailScan { i: number; alpha: number; ks: number }

/** Best x_min for ascending positive data with logs ℓ: the candidate index minimising KS D. */
function scanXmin(x: Float64Array, minTail: number, maxCandidates: number): TailScan {
  const n = x.length;
  const l = new Float64Array(n);
  for (let i = 0; i < n; i++) l[i] = libm.log(x[i]);
  const suffix = new Float64Array(n + 1);
  for (let i = n - 1; i >= 0; i--) suffix[i] = suffix[i + 1] + l[i];
  const last = n - minTail;
  const stride = Math.max(1, Math.ceil((last + 1) / maxCandidates));
  let best: TailScan = { i: -1, alpha: NaN, ks: Infinity };
  for (let i = 0; i <= last; i += stride) {
    if (i > 0 && x[i] === x[i - 1]) continue; // x_min at the first of equal values
    const m = n - i;
    const sumLog = suffix[i] - m * l[i];
    if (!(sumLog > 0)) continue;
    const alpha = 1 + (m - 1) / sumLog;
    const D = tailKs(l, i, alpha, best.ks);
    if (D < best.ks) best = { i, alpha, ks: D };
  }
  return best;
}

/** KS D of the tail x[i..] from the power law with exponent α (stops early past `stopAbove`). */
function tailKs(l: Float64Array, i: number, alpha: number, stopAbove = Infinity): number {
  const n = l.length, m = n - i, li = l[i], a1 = alpha - 1;
  let D = 0;
  for (let k = 0; k < m; k++) {
    const F = 1 - libm.exp(-a1 * (l[i + k] - li));
    const d = Math.max(F - k / m, (k + 1) / m - F);
    if (d > D) { D = d; if (D >= stopAbove) return D; }
  }
  return D;
}

/** Positive finite values, ascending; values below 1e-12·max dropped (exact zeros, rank deficiency). */
function positiveSorted(x: ArrayLike<number>): Float64Array {
  let max = 0;
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i])) throw new RangeError(`powerLawTail: x[${i}] is not finite`);
    if (x[i] > max) max = x[i];
  }
  const out: number[] = [];
  for (let i = 0; i < x.length; i++) if (x[i] > 1e-12 * max && x[i] > 0) out.push(x[i]);
  return Float64Array.from(out).sort();
}

/** Vuong tests of the power law on the tail against a shifted exponential and a truncated lognormal. */
export function likelihoodRatioTests(tail: ArrayLike<number>, xmin: number, alpha: number): LikelihoodRatio[] {
  const n = tail.length;
  const lx = Float64Array.from(tail, (v) => libm.log(v));
  const lxmin = libm.log(xmin);
  const pl = Float64Array.from(lx, (v) => libm.log(alpha - 1) - lxmin - alpha * (v - lxmin));
  // Exponential λ e^{−λ(x − x_min)}, λ = 1/mean(x − x_min).
  let meanExcess = 0;
  for (let i = 0; i < n; i++) meanExcess += (tail[i] - xmin) / n;
  const lam = 1 / Math.max(meanExcess, 1e-300);
  const expo = Float64Array.from(tail, (v) => libm.log(lam) - lam * (v - xmin));
  // Lognormal truncated at x_min: MLE of (μ, ln s) by Nelder–Mead from the log-moments.
  let mu0 = 0;
  for (let i = 0; i < n; i++) mu0 += lx[i] / n;
  let var0 = 0;
  for (let i = 0; i < n; i++) var0 += (lx[i] - mu0) * (lx[i] - mu0) / n;
  const lnPdf = (v: number, mu: number, s: number) => -v - libm.log(s) - 0.5 * LOG_2PI - ((v - mu) * (v - mu)) / (2 * s * s) - logNormalSurvival((lxmin - mu) / s);
  const negLL = ([mu, ls]: [number, number]) => {
    const s = libm.exp(ls);
    if (!(s > 1e-8 && s < 1e4) || Math.abs(mu) > 1e4) return Infinity;
    let ll = 0;
    for (let i = 0; i < n; i++) ll += lnPdf(lx[i], mu, s);
    return -ll;
  };
  const s0 = Math.sqrt(Math.max(var0, 1e-12));
  const [mu, ls] = nelderMead2(negLL, [mu0, libm.log(s0)], [s0, 0.5]);
  const s = libm.exp(ls);
  const logn = Float64Array.from(lx, (v) => lnPdf(v, mu, s));
  const vuong = (alt: Float64Array, alternative: LikelihoodRatio['alternative']): LikelihoodRatio => {
    let R = 0;
    for (let i = 0; i < n; i++) R += pl[i] - alt[i];
    const mean = R / n;
    let v = 0;
    for (let i = 0; i < n; i++) v += (pl[i] - alt[i] - mean) * (pl[i] - alt[i] - mean) / n;
    const z = v > 0 ? R / Math.sqrt(n * v) : 0;
    const p = erfc(Math.abs(z) * Math.SQRT1_2);
    return { alternative, R, z, p, favours: p < 0.1 ? (R > 0 ? 'power-law' : 'alternative') : 'neither' };
  };
  return [vuong(expo, 'exponential'), vuong(logn, 'lognormal')];
}

/** Clauset MLE with KS-optimal x_min, bootstrap interval, bootstrap KS p-value, LR tests and flags. */
export function powerLawTail(x: ArrayLike<number>, opts: PowerLawOptions = {}): PowerLawFit {
  const minTail = opts.minTail ?? 50;
  const B = opts.bootstrap ?? 100, Bg = opts.goodnessBootstrap ?? 100;
  const maxCandidates = opts.maxCandidates ?? 200;
  const level = opts.level ?? 0.95;
  if (!(Number.isInteger(minTail) && minTail >= 2)) throw new RangeError(`powerLawTail: minTail must be an integer ≥ 2 (got ${minTail})`);
  for (const [k, v] of [['bootstrap', B], ['goodnessBootstrap', Bg]] as const) {
    if (!(Number.isInteger(v) && v >= 0 && v <= 100_000)) throw new RangeError(`powerLawTail: ${k} must be an integer in [0, 100000] (got ${v})`);
  }
  if (!(Number.isInteger(maxCandidates) && maxCandidates >= 1)) throw new RangeError(`powerLawTail: maxCandidates must be an integer ≥ 1 (got ${maxCandidates})`);
  if (!(level > 0 && level < 1)) throw new RangeError(`powerLawTail: level must be in (0, 1) (got ${level})`);
  const data = positiveSorted(x);
  const n = data.length;
  if (n < 3) throw new RangeError(`powerLawTail: need at least 3 positive values (got ${n})`);
  // Fewer points than minTail: fit what there is (tail ≥ half the data) and flag it.
  const effMin = n >= minTail ? minTail : Math.max(2, Math.floor(n / 2));
  const fit = scanXmin(data, effMin, maxCandidates);
  const i0 = fit.i, nTail = n - i0, xmin = data[i0];
  const alpha = fit.alpha;
  const rng = opts.rng ?? new Rng(0);
  // Bootstrap interval: resample everything, refit with its own x_min.
  const alphas: number[] = [];
  for (let b = 0; b < B; b++) {
    const r = rng.split(`resample${b}`);
    const s = new Float64Array(n);
    for (let k = 0; k < n; k++) s[k] = data[r.int(n)];
    s.sort();
    const f = scanXmin(s, effMin, maxCandidates);
    if (f.i >= 0) alphas.push(f.alpha);
  }
  // Goodness of fit: semi-parametric synthetic sets (Clauset §4.1).
  let ksP = NaN;
  if (Bg > 0) {
    let exceed = 0;
    for (let b = 0; b < Bg; b++) {
      const r = rng.split(`synthetic${b}`);
      const s = new Float64Array(n);
      for (let k = 0; k < n; k++) {
        s[k] = r.uniform() < nTail / n || i0 === 0
          ? xmin * libm.pow(1 - r.uniform(), -1 / (alpha - 1))
          : data[r.int(i0)];
      }
      s.sort();
      const f = scanXmin(s, effMin, maxCandidates);
      if (f.ks >= fit.ks) exceed++;
    }
    ksP = exceed / Bg;
  }
  const tail = data.subarray(i0);
  const lr = likelihoodRatioTests(tail, xmin, alpha);
  let aboveEdge = NaN;
  if (opts.mpEdge !== undefined) {
    let k = 0;
    for (let j = 0; j < tail.length; j++) if (tail[j] > opts.mpEdge) k++;
    aboveEdge = k / tail.length;
  }
  const flags: PowerLawFlag[] = [];
  if (nTail < minTail) flags.push('tail-too-short');
  if (aboveEdge < 0.5) flags.push('inside-mp-edge');
  if (ksP < 0.1) flags.push('ks-rejected');
  for (const t of lr) if (t.favours === 'alternative') flags.push(t.alternative === 'exponential' ? 'lr-prefers-exponential' : 'lr-prefers-lognormal');
  if (alpha > 6) flags.push('alpha-above-6');
  return {
    alpha, sigma: (alpha - 1) / Math.sqrt(nTail), interval: percentileInterval(alphas, level), level,
    xmin, xmax: data[n - 1], nTail, n, ks: fit.ks, ksP, lr, aboveEdge, flags, heavyTail: flags.length === 0,
  };
}

/** Words for the flags (CLI and reports). */
export const FLAG_TEXT: Record<PowerLawFlag, string> = {
  'tail-too-short': 'tail shorter than the minimum: α is not a law',
  'inside-mp-edge': 'no heavy tail (inside MP edge)',
  'ks-rejected': 'power law rejected by the KS bootstrap (p < 0.1)',
  'lr-prefers-exponential': 'likelihood ratio prefers an exponential tail',
  'lr-prefers-lognormal': 'likelihood ratio prefers a lognormal tail',
  'alpha-above-6': 'α > 6: finite-size MP-like edge, not a heavy tail',
};

// ---------------------------------------------------------------------------------------
// A weight matrix in one call: ESD, MP fit, power-law tail.

export interface LayerSpectrum {
  shape: [number, number];
  N: number;
  M: number;
  Q: number;
  mp: MpFit;
  tail: PowerLawFit;
  /** Largest and smallest eigenvalue of X. */
  lambdaMax: number;
  lambdaMin: number;
}

export interface LayerSpectrumOptions {
  mp?: MpFitOptions;
  tail?: Omit<PowerLawOptions, 'mpEdge' | 'rng'>;
  rng?: Rng;
  /** Keep the eigenvalues in the result (default false). */
  keepEigenvalues?: boolean;
}

/** ESD of W with its MP fit and its power-law tail (the tail judged against the MP edge). */
export function layerSpectrum(W: MatrixLike, opts: LayerSpectrumOptions = {}): LayerSpectrum & { eigenvalues?: Float64Array } {
  const e = esd(W);
  const rng = opts.rng ?? new Rng(0);
  const mp = marchenkoPasturFit(e, { ...opts.mp, rng: rng.split('mp') });
  const tail = powerLawTail(e.eigenvalues, { ...opts.tail, mpEdge: mp.edge, rng: rng.split('tail') });
  const ev = e.eigenvalues;
  return {
    shape: e.shape, N: e.N, M: e.M, Q: e.Q, mp, tail, lambdaMax: ev[ev.length - 1], lambdaMin: ev[0],
    ...(opts.keepEigenvalues ? { eigenvalues: ev } : {}),
  };
}

// ---------------------------------------------------------------------------------------
// Data spectra: covariance eigenvalue decay and Zipf rank–frequency.

/** Eigenvalues of the sample covariance of the rows of X (n×d, centred), descending, normalised to sum 1. */
export function covarianceSpectrum(X: MatrixLike): Float64Array {
  const { rows: n, cols: d, data } = X;
  if (!(n >= 2 && d >= 1)) throw new RangeError(`covarianceSpectrum: need n ≥ 2 rows and d ≥ 1 columns (got ${n}×${d})`);
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += data[i * d + j] / n;
  const Xc = new Float64Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) Xc[i * d + j] = data[i * d + j] - mean[j];
  // The smaller Gram has the same nonzero spectrum.
  const ev = esd({ rows: n, cols: d, data: Xc }).eigenvalues;
  let s = 0;
  for (let i = 0; i < ev.length; i++) s += ev[i];
  const out = new Float64Array(ev.length);
  for (let i = 0; i < ev.length; i++) out[i] = ev[ev.length - 1 - i] / s;
  return out;
}

export interface CovarianceExponentFit {
  /** λ_k ∝ k^{−a}. */
  a: number;
  /** OLS standard error (eigenvalues are correlated: read the bootstrap interval). */
  se: number;
  interval: [number, number];
  level: number;
  intercept: number;
  kMin: number;
  kMax: number;
  n: number;
  d: number;
  /** log10(k_max/k_min). */
  decades: number;
  /** k_max/n (the regime rule asks ≤ 1/20). */
  kMaxOverN: number;
  /** Trace-normalised eigenvalues, descending. */
  spectrum: Float64Array;
}

function olsLogLog(spec: ArrayLike<number>, kMin: number, kMax: number): { slope: number; intercept: number; se: number } {
  let sx = 0, sy = 0, m = 0;
  const xs: number[] = [], ys: number[] = [];
  for (let k = kMin; k <= kMax; k++) {
    const v = spec[k - 1];
    if (!(v > 0)) continue;
    const x = libm.log(k), y = libm.log(v);
    xs.push(x); ys.push(y); sx += x; sy += y; m++;
  }
  const mx = sx / m, my = sy / m;
  let sxx = 0, sxy = 0;
  for (let i = 0; i < m; i++) { sxx += (xs[i] - mx) * (xs[i] - mx); sxy += (xs[i] - mx) * (ys[i] - my); }
  const slope = sxy / sxx, intercept = my - slope * mx;
  let ssr = 0;
  for (let i = 0; i < m; i++) ssr += (ys[i] - intercept - slope * xs[i]) * (ys[i] - intercept - slope * xs[i]);
  return { slope, intercept, se: m > 2 ? Math.sqrt(ssr / (m - 2) / sxx) : NaN };
}

/** Power-law exponent of the covariance spectrum of the rows of X over [kMin, kMax], with a row-bootstrap interval. */
export function covarianceSpectrumExponent(X: MatrixLike, opts: { kMin?: number; kMax?: number; bootstrap?: number; level?: number; rng?: Rng } = {}): CovarianceExponentFit {
  const n = X.rows, d = X.cols;
  const rank = Math.min(n - 1, d);
  const kMin = opts.kMin ?? 1;
  const kMax = opts.kMax ?? Math.max(kMin + 2, Math.min(rank, Math.floor(n / 20)));
  const B = opts.bootstrap ?? 50, level = opts.level ?? 0.95;
  if (!(Number.isInteger(kMin) && kMin >= 1)) throw new RangeError(`covarianceSpectrumExponent: kMin must be an integer ≥ 1 (got ${kMin})`);
  if (!(Number.isInteger(kMax) && kMax >= kMin + 2 && kMax <= rank)) throw new RangeError(`covarianceSpectrumExponent: kMax must be an integer in [kMin + 2, min(n − 1, d)] = [${kMin + 2}, ${rank}] (got ${kMax})`);
  if (!(Number.isInteger(B) && B >= 0 && B <= 10_000)) throw new RangeError(`covarianceSpectrumExponent: bootstrap must be an integer in [0, 10000] (got ${B})`);
  const spectrum = covarianceSpectrum(X);
  const f = olsLogLog(spectrum, kMin, kMax);
  const rng = opts.rng ?? new Rng(0);
  const boot: number[] = [];
  for (let b = 0; b < B; b++) {
    const r = rng.split(`rows${b}`);
    const Xb = new Float64Array(n * d);
    for (let i = 0; i < n; i++) { const src = r.int(n); for (let j = 0; j < d; j++) Xb[i * d + j] = X.data[src * d + j]; }
    boot.push(-olsLogLog(covarianceSpectrum({ rows: n, cols: d, data: Xb }), kMin, kMax).slope);
  }
  return {
    a: -f.slope, se: f.se, interval: biasShiftedInterval(-f.slope, boot, level), level, intercept: f.intercept, kMin, kMax, n, d,
    decades: libm.log10(kMax / kMin), kMaxOverN: kMax / n, spectrum,
  };
}

export interface ZipfFit {
  /** p(r) ∝ r^{−s}. */
  s: number;
  /** Fisher-information standard error. */
  se: number;
  interval: [number, number];
  level: number;
  rMin: number;
  rMax: number;
  /** Tokens inside the rank window, all tokens, distinct types. */
  tokens: number;
  totalTokens: number;
  types: number;
  /** Two-sided KS distance between the token-rank ECDF and the fitted law in the window. */
  ks: number;
}

/** Discrete MLE of s for counts c_r at ranks r = rMin…rMax (counts already in rank order). */
function zipfMle(sortedCounts: ArrayLike<number>, rMin: number, rMax: number): { s: number; se: number; tokens: number } {
  let N = 0, sumLog = 0;
  for (let r = rMin; r <= rMax; r++) { const c = sortedCounts[r - 1]; N += c; sumLog += c * libm.log(r); }
  const target = sumLog / N;
  const logs = new Float64Array(rMax - rMin + 1);
  for (let r = rMin; r <= rMax; r++) logs[r - rMin] = libm.log(r);
  const moments = (s: number) => {
    let z = 0, m1 = 0, m2 = 0;
    for (let k = 0; k < logs.length; k++) { const w = libm.exp(-s * (logs[k] - logs[0])); z += w; m1 += w * logs[k]; m2 += w * logs[k] * logs[k]; }
    m1 /= z; m2 /= z;
    return { mean: m1, variance: m2 - m1 * m1 };
  };
  let lo = -5, hi = 20;
  for (let it = 0; it < 100; it++) {
    const mid = (lo + hi) / 2;
    if (moments(mid).mean > target) lo = mid; else hi = mid;
  }
  const s = (lo + hi) / 2;
  return { s, se: 1 / Math.sqrt(N * moments(s).variance), tokens: N };
}

/** Zipf exponent of token counts (one count per type, any order) by discrete MLE over a rank window. */
export function zipfFit(counts: ArrayLike<number>, opts: { rMin?: number; rMax?: number; minCount?: number; bootstrap?: number; level?: number; rng?: Rng } = {}): ZipfFit {
  for (let i = 0; i < counts.length; i++) {
    if (!(Number.isInteger(counts[i]) && counts[i] >= 0)) throw new RangeError(`zipfFit: counts[${i}] must be an integer ≥ 0 (got ${counts[i]})`);
  }
  const sorted = Array.from(counts).filter((c) => c > 0).sort((a, b) => b - a);
  const types = sorted.length, total = sorted.reduce((a, b) => a + b, 0);
  const minCount = opts.minCount ?? 10;
  const rMin = opts.rMin ?? 1;
  let rMax = opts.rMax ?? 0;
  if (opts.rMax === undefined) { while (rMax < types && sorted[rMax] >= minCount) rMax++; }
  if (!(Number.isInteger(rMin) && rMin >= 1)) throw new RangeError(`zipfFit: rMin must be an integer ≥ 1 (got ${rMin})`);
  if (!(Number.isInteger(rMax) && rMax >= rMin + 2 && rMax <= types)) {
    throw new RangeError(`zipfFit: rMax must be an integer in [rMin + 2, types] = [${rMin + 2}, ${types}] (got ${rMax}${opts.rMax === undefined ? `: ranks with ≥ ${minCount} occurrences` : ''})`);
  }
  const B = opts.bootstrap ?? 100, level = opts.level ?? 0.95;
  if (!(Number.isInteger(B) && B >= 0 && B <= 100_000)) throw new RangeError(`zipfFit: bootstrap must be an integer in [0, 100000] (got ${B})`);
  const fit = zipfMle(sorted, rMin, rMax);
  // KS over the window's token ranks.
  let z = 0;
  for (let r = rMin; r <= rMax; r++) z += libm.pow(r, -fit.s);
  let F = 0, S = 0, ks = 0;
  for (let r = rMin; r <= rMax; r++) {
    const before = S;
    S += sorted[r - 1] / fit.tokens;
    F += libm.pow(r, -fit.s) / z;
    ks = Math.max(ks, Math.abs(S - F), Math.abs(before - (F - libm.pow(r, -fit.s) / z)));
  }
  // Bootstrap: resample the tokens (multinomial over types), re-rank, refit in the same window.
  const rng = opts.rng ?? new Rng(0);
  const cum = new Float64Array(types);
  let acc = 0;
  for (let k = 0; k < types; k++) { acc += sorted[k]; cum[k] = acc; }
  const boot: number[] = [];
  for (let b = 0; b < B; b++) {
    const r = rng.split(`tokens${b}`);
    const c = new Float64Array(types);
    for (let t = 0; t < total; t++) {
      const u = r.uniform() * total;
      let lo = 0, hi = types - 1;
      while (lo < hi) { const mid = (lo + hi) >> 1; if (cum[mid] > u) hi = mid; else lo = mid + 1; }
      c[lo]++;
    }
    const cs = Array.from(c).sort((x, y) => y - x);
    if (cs[rMax - 1] > 0) boot.push(zipfMle(cs, rMin, rMax).s);
  }
  return { s: fit.s, se: fit.se, interval: biasShiftedInterval(fit.s, boot, level), level, rMin, rMax, tokens: fit.tokens, totalTokens: total, types, ks };
}
