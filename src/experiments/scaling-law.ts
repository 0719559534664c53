/**
 * Experiment `scaling-law`: fit L(N, D) = E + A N^{−α} + B D^{−β} (observables/scaling-fit.ts,
 * Hoffmann et al. 2022 approach 3) to a ladder of trained models on a task whose irreducible loss
 * is known exactly, and check the fit against it (science-notes §B1, §F "scaling-fit").
 *
 * Task (a solvable power-law teacher; Bahri et al. 2021 "Explaining neural scaling laws",
 * Maloney, Roberts & Sully 2022): Gaussian features x_k ~ N(0, λ_k), λ_k = k^{−ν}, k = 1, 2, …;
 * teacher y = Σ_k w*_k x_k + ξ, ξ ~ N(0, σ²), with target power λ_k w*_k² = k^{−(1+a)}.
 * Model of size N: the linear readout f(x) = Σ_{k≤N} w_k x_k on the N leading features
 * (N parameters). For that model the unseen features are independent Gaussian noise, so a sample
 * is drawn exactly as y = Σ_{k≤N} w*_k x_k + √(σ² + τ_N)·z with τ_N = Σ_{k>N} k^{−(1+a)}
 * (Hurwitz-zeta tail, Euler–Maclaurin). The population MSE of any w is exact:
 *
 *   L(w) = σ² + τ_N + Σ_{k≤N} λ_k (w_k − w*_k)²,    so the irreducible loss is E = σ² exactly.
 *
 * Training (one cell = (N, D, seed)): gradient flow on the empirical MSE ½‖Xw − y‖²/D from w = 0,
 * solved exactly in the eigenbasis of S = XᵀX/D = V diag(s) Vᵀ:
 *   w(t) = V diag((1 − e^{−s t})/s) Vᵀ Xᵀy/D,
 * evaluated on a log-spaced time grid (8 points per decade) with early stopping on a separate
 * validation set (stop after `patience` grid points without improvement; keep the best). A cell
 * counts as converged when early stopping fired or the flow has settled (e^{−s_min t} < 1e-6 for
 * every nonzero s); with `earlyStopping: false` the flow runs to maxTime (the min-norm interpolant
 * when N ≥ D, which shows the double-descent peak at N ≈ D).
 *
 * Expected exponents (derived here, heuristic: modes with λ_k t > 1 are learned): α = a from τ_N;
 * with D samples the optimally stopped flow learns k* ≈ (D/σ²)^{1/(1+a)} modes, so the estimation
 * error is ≈ (σ²/D)^{a/(1+a)}, β = a/(1+a). Reported, not checked (the additive form is itself an
 * approximation: for N < k* the D-term is ≈ σ² N/D).
 *
 * Checks (tolerances are the fit's own bootstrap intervals at `level`):
 *   (1) the known floor σ² lies in the fitted E's interval;
 *   (2) exponents are stable: the full fit's α and β lie in the intervals of the fit without the
 *       smallest model size;
 *   (3) held-out prediction: runs at a larger model (2 N_max, D_max) and a larger dataset
 *       (N_max, 2 D_max), not used in the fit, lie in the fit's prediction intervals.
 * Out of regime (computed from the measurements before the verdict): an axis spans < 1.5
 * decades; a run did not converge; a double-descent peak (the seed-mean loss rises with N at
 * fixed D by more than `peakTolerance`, 25 %: without early stopping the interpolant at N ≈ D
 * multiplies the loss, with it the rises measured on seeds 0–2 stay ≤ 10 % — a threshold set from
 * data); the additive law fails a lack-of-fit F test against the seed-to-seed scatter (99 %).
 *
 * Why the lack-of-fit condition (derived here, measured on seeds 0–2): in this solvable task the
 * two bottlenecks are not additive. The optimally stopped flow learns the k* ≈ (D/σ²)^{1/(1+a)}
 * leading modes that the model has, so L − σ² ≈ τ_m + σ² m/D with m = min(N, k*): a smoothed
 * max(A N^{−α}, B D^{−β}) rather than a sum — bigger models do not help once N > k*(D). The sum
 * form is then an approximation whose bias shows only when the runs are precise enough: with
 * D over 2.4 decades the F statistic is 9–16 (limit 2.3) and E's interval excludes σ²; at the
 * quick configuration's precision F is 1.7 / 5.1 / 1.7 for seeds 0 / 1 / 2 (limit 2.5), so seed 1
 * is out of regime and seeds 0 and 2 confirmed.
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
  sizes: z.array(z.number().int().min(1).max(2048)).min(2).max(16).default([4, 8, 16, 32, 64, 128, 256, 512]).describe('model sizes N (parameters = leading features)'),
  dataSizes: z.array(z.number().int().min(2).max(1e7)).min(2).max(16).default([64, 128, 256, 512, 1024, 2048, 4096]).describe('training-set sizes D'),
  seeds: z.number().int().min(1).max(16).default(2).describe('independent training sets per (N, D)'),
  spectrum: z.number().gt(0).max(4).default(1.5).describe('feature spectrum exponent ν: λ_k = k^{−ν}'),
  targetExponent: z.number().gt(0).max(4).default(1).describe('target power exponent a: λ_k w*_k² = k^{−(1+a)}'),
  noise: z.number().gt(0).max(100).default(0.5).describe('label-noise variance σ² (the irreducible MSE)'),
  validation: z.number().int().min(16).max(1e7).default(4096).describe('validation-set size for early stopping'),
  maxTime: z.number().gt(0).max(1e12).default(1e8).describe('largest gradient-flow time t, in units of 1/λ_max of the sample covariance'),
  patience: z.number().int().min(1).max(100).default(8).describe('early stopping: grid points (8 per decade of t) without validation improvement'),
  earlyStopping: z.boolean().default(true).describe('stop on validation (false: run the flow to maxTime)'),
  heldOut: z.boolean().default(true).describe('train the held-out runs (2 N_max, D_max) and (N_max, 2 D_max)'),
  bootstrap: z.number().int().min(20).max(5000).default(200).describe('bootstrap replicates of the fit'),
  level: z.number().gt(0.5).lt(1).default(0.9).describe('interval level'),
  peakTolerance: z.number().gt(0).max(1).default(0.25).describe('largest relative rise of the loss with N at fixed D still called monotone'),
  seed: z.number().int().min(0).max(2 ** 31).default(0).describe('random seed'),
});

export type ScalingLawConfig = z.infer<typeof scalingLawSchema>;

export interface ScalingLawPrediction { E: number; alpha: number; beta: number }

export function predictScalingLaw(c: ScalingLawConfig): ScalingLawPrediction {
  const a = c.targetExponent;
  return { E: c.noise, alpha: a, beta: a / (1 + a) };
}

// ---------- the teacher ----------

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

export function teacher(c: ScalingLawConfig, N: number): Teacher {
  const a = c.targetExponent;
  const lam = new Float64Array(N), wStar = new Float64Array(N);
  for (let k = 0; k < N; k++) { lam[k] = libm.pow(k + 1, -c.spectrum); wStar[k] = Math.sqrt(libm.pow(k + 1, -(1 + a)) / lam[k]); }
  return { N, lam, wStar, tau: powerTail(1 + a, N) };
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
  /** Population MSE of the early-stopped (or final) weights. */
  loss: number;
  /** Gradient-flow time kept (units of 1/s_max, s_max the top eigenvalue of XᵀX/D), and whether the run converged. */
  time: number;
  converged: boolean;
  trainLoss: number;
  validationLoss: number;
}

const GRID_PER_DECADE = 8;
const T_MIN = 0.1;

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

function runCell(c: ScalingLawConfig, key: Cell): CellResult {
  const { N, D } = key;
  const rng = new Rng(c.seed).split(`N${N}`).split(`D${D}`).split(`seed${key.seed}`);
  const t = teacher(c, N);
  const tr = moments(t, D, c.noise, rng.split('train'));
  const va = moments(t, c.validation, c.noise, rng.split('validation'));
  const { values: s, vectors: V } = eigh({ rows: N, cols: N, data: tr.S });
  const sMax = s[N - 1];
  const live = Array.from(s, (x) => x > 1e-12 * sMax);
  // Rotate everything into the eigenbasis of S: c_b = Vᵀb, validation moments VᵀS_vV, Vᵀb_v.
  const Vt = (x: Float64Array) => { const o = new Float64Array(N); for (let j = 0; j < N; j++) { let u = 0; for (let k = 0; k < N; k++) u += V.data[k * N + j] * x[k]; o[j] = u; } return o; };
  const cb = Vt(tr.b), hv = Vt(va.b);
  const SvV = new Float64Array(N * N); // S_v V
  for (let i = 0; i < N; i++) for (let k = 0; k < N; k++) {
    const x = va.S[i * N + k];
    if (x === 0) continue;
    for (let j = 0; j < N; j++) SvV[i * N + j] += x * V.data[k * N + j];
  }
  const Mv = new Float64Array(N * N); // Vᵀ S_v V
  for (let k = 0; k < N; k++) for (let i = 0; i < N; i++) {
    const x = V.data[k * N + i];
    for (let j = 0; j < N; j++) Mv[i * N + j] += x * SvV[k * N + j];
  }
  // w(t) = V g(t), g_j = (1 − e^{−s_j t})/s_j · (Vᵀb)_j; time in units of 1/s_max on a log grid.
  const coef = (tau: number) => Float64Array.from(s, (sj, j) => (live[j] ? -libm.expm1(-sj * tau / sMax) / sj * cb[j] : 0));
  const valLoss = (g: Float64Array) => quadratic(Mv, hv, va.yy, g);
  const steps = Math.max(1, Math.ceil(GRID_PER_DECADE * libm.log10(c.maxTime / T_MIN)));
  let best = { t: 0, g: new Float64Array(N), val: va.yy };
  let since = 0, stopped = false, tLast = 0, gLast = best.g;
  for (let m = 0; m <= steps; m++) {
    const tau = Math.min(c.maxTime, T_MIN * libm.pow(10, m / GRID_PER_DECADE));
    const g = coef(tau);
    tLast = tau; gLast = g;
    if (!c.earlyStopping) continue;
    const v = valLoss(g);
    if (v < best.val) { best = { t: tau, g, val: v }; since = 0; }
    else if (++since >= c.patience) { stopped = true; break; }
  }
  let sMin = Infinity;
  for (let j = 0; j < N; j++) if (live[j]) sMin = Math.min(sMin, s[j]);
  const settled = sMin / sMax * c.maxTime > 14; // e^{−14} < 1e-6: the flow has reached its limit
  const keep = c.earlyStopping ? best : { t: tLast, g: gLast, val: valLoss(gLast) };
  // Back to feature coordinates: population loss σ² + τ_N + Σ_k λ_k (w_k − w*_k)².
  let excess = 0;
  for (let k = 0; k < N; k++) {
    let w = 0;
    for (let j = 0; j < N; j++) w += V.data[k * N + j] * keep.g[j];
    excess += t.lam[k] * (w - t.wStar[k]) ** 2;
  }
  let quad = 0, lin = 0;
  for (let j = 0; j < N; j++) { quad += s[j] * keep.g[j] * keep.g[j]; lin += cb[j] * keep.g[j]; }
  return {
    N, D, seed: key.seed, heldOut: key.heldOut,
    loss: c.noise + t.tau + excess, time: keep.t, converged: stopped || settled,
    trainLoss: quad - 2 * lin + tr.yy, validationLoss: keep.val,
  };
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
  const r = runCell(c, key);
  ctx.record('runs', { N: r.N, D: r.D, seed: r.seed, loss: r.loss, excess: r.loss - c.noise, time: r.time, converged: r.converged ? 1 : 0, heldOut: r.heldOut ? 1 : 0, kind: r.heldOut ? 'held-out' : 'measured' });
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
  const opts = { bootstrap: c.bootstrap, level: c.level, seed: c.seed, signal: ctx.signal };
  let full: ScalingFit | null = null, dropped: ScalingFit | null = null;
  const heldOut: ScalingLawResult['heldOut'] = [];
  const droppedSize = Ns[0];
  if (!interrupted && rows.length >= 6) {
    full = fitScalingLaw(rows, opts);
    ctx.progress(0.92, 'fit');
    const rest = rows.filter((r) => r.N !== droppedSize);
    if (rest.length >= 6 && !ctx.signal.aborted) dropped = fitScalingLaw(rest, opts);
    ctx.progress(0.97, 'fit without the smallest models');
    for (const r of runs.filter((q) => q.heldOut)) {
      const p = predictWithIntervals(full, r.N, r.D, c.seed);
      heldOut.push({ N: r.N, D: r.D, seed: r.seed, measured: r.loss, predicted: p.loss, lo: p.prediction.lo, hi: p.prediction.hi });
    }
    recordFit(c, full, train, ctx);
  }
  const lof = full ? lackOfFit(train, (N, D) => scalingLoss(full!.params, N, D)) : null;
  return {
    runs, full: full && summarize(full), dropped: dropped && summarize(dropped), droppedSize, heldOut,
    unconverged, peakRise, peakAt, lackOfFit: lof, interrupted,
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
  const f = r.full, pct = Math.round(c.level * 100);
  checks.push(insideCheck({
    name: 'fitted E agrees with the known noise floor σ²',
    quantity: `E of L = E + A N^{−α} + B D^{−β} (${pct} % bootstrap interval [${f.intervals.E!.lo.toPrecision(4)}, ${f.intervals.E!.hi.toPrecision(4)}])`,
    known: p.E, measured: f.params.E, lo: f.intervals.E!.lo, hi: f.intervals.E!.hi, regime,
    note: `fit: A = ${f.params.A.toPrecision(3)}, α = ${f.params.alpha.toFixed(3)}, B = ${f.params.B!.toPrecision(3)}, β = ${f.params.beta!.toFixed(3)} (heuristic prediction α = ${p.alpha}, β = ${p.beta.toFixed(3)}); δ = ${f.delta.toExponential(2)}${f.warnings.length ? `; warnings: ${f.warnings.join('; ')}` : ''}`,
  }));
  if (r.dropped) {
    const d = r.dropped;
    const reg = [...regime, regimeCondition('decades spanned by N without the smallest size', d.decades.N, 'min', 1.5)];
    for (const k of ['alpha', 'beta'] as const) {
      checks.push(insideCheck({
        name: `exponent ${k === 'alpha' ? 'α' : 'β'} stable when the smallest models (N = ${r.droppedSize}) are dropped`,
        quantity: `${k === 'alpha' ? 'α' : 'β'} of the fit without N = ${r.droppedSize}; tolerance: its ${pct} % interval contains the full fit's value`,
        known: f.params[k]!, measured: d.params[k]!, lo: d.intervals[k]!.lo, hi: d.intervals[k]!.hi, regime: reg,
      }));
    }
  }
  for (const h of r.heldOut) {
    checks.push(numericCheck({
      name: `held-out run at N = ${h.N}, D = ${h.D} (seed ${h.seed}) predicted by the fit`,
      quantity: `loss of a run not used in the fit; tolerance: the fit's ${pct} % prediction interval (bootstrap + residual scatter)`,
      predicted: h.predicted, measured: h.measured, tolerance: { kind: 'range', lo: h.lo, hi: h.hi }, uncertainty: (h.hi - h.lo) / 2, regime,
    }));
  }
  return { checks, regime, status: r.interrupted ? 'interrupted' as const : 'ok' as const };
}

function plots(): PlotSpec[] {
  return [
    { title: 'Loss against model size, one line per dataset size, with the fit', caption: 'Solid: seed runs; dashed: the fitted L(N, D) = E + A N^{−α} + B D^{−β}.', kind: 'lines', series: 'curves', x: 'N', y: 'loss', stroke: 'D', dashed: 'kind', xType: 'log', yType: 'log', lineStyles: { fit: { dash: 'dashed', label: 'fit' } } },
    { title: 'Reducible loss L − σ² against model size', caption: 'Each run minus the known floor σ²; the slope at large D is −α.', kind: 'scatter', series: 'runs', x: 'N', y: 'excess', stroke: 'D', xType: 'log', yType: 'log' },
    { title: 'Residuals of the fit', caption: 'log(L_run / L_fit) per run.', kind: 'scatter', series: 'residuals', x: 'N', y: 'residual', stroke: 'D', xType: 'log', rules: [{ y: 0 }] },
    { title: 'Compute frontier', caption: 'Runs at C = 6ND; dashed: the fitted compute-optimal loss L(N*(C), D*(C)).', kind: 'lines', series: 'frontier', x: 'compute', y: 'loss', stroke: 'kind', dashed: 'kind', xType: 'log', yType: 'log', lineStyles: { fit: { dash: 'dashed', label: 'L(N*(C), D*(C))' } } },
    { title: 'Compute-optimal model size N*(C)', caption: 'With its bootstrap interval.', kind: 'lines', series: 'allocation', x: 'compute', y: 'N', dashed: 'kind', xType: 'log', yType: 'log', errorY: { lo: 'Nlo', hi: 'Nhi' }, lineStyles: { fit: { dash: 'dashed', label: 'N*(C)' } } },
  ];
}

export const scalingLawExperiment: Experiment<ScalingLawConfig, ScalingLawResult, ScalingLawPrediction> = {
  name: 'scaling-law',
  title: 'Scaling-law fit recovers a known noise floor and predicts held-out runs',
  strand: '§B1 laws and universality — L(N, D) = E + A N^{−α} + B D^{−β} (Hoffmann et al. 2022)',
  description: 'A ladder of model sizes × dataset sizes on a power-law Gaussian teacher with label noise σ² (so E = σ² exactly), trained by exact gradient flow with early stopping; Huber/L-BFGS fit with bootstrap intervals; checks: σ² inside E\'s interval, exponents stable when the smallest models are dropped, held-out larger runs inside the prediction intervals.',
  schema: scalingLawSchema,
  quick: { sizes: [2, 4, 8, 16, 32, 64, 128], dataSizes: [64, 256, 1024, 4096], seeds: 2, bootstrap: 100 },
  variants: [
    { label: 'one decade per axis', config: { sizes: [8, 16, 32, 64, 80], dataSizes: [128, 256, 512, 1024, 1280], seeds: 2, bootstrap: 60, heldOut: false }, expect: 'out-of-regime' },
    { label: 'not trained to convergence (flow time ≤ 3/s_max)', config: { sizes: [2, 4, 8, 16, 32, 64, 128], dataSizes: [64, 256, 1024, 4096], seeds: 2, bootstrap: 60, heldOut: false, maxTime: 3 }, expect: 'out-of-regime' },
    { label: 'no early stopping: interpolation peak at N ≈ D', config: { sizes: [2, 4, 8, 16, 32, 64, 128], dataSizes: [16, 64, 256, 1024], seeds: 2, bootstrap: 60, heldOut: false, earlyStopping: false }, expect: 'out-of-regime' },
    { label: 'precise runs over 2.4 decades of D: lack of fit rejects the additive law', config: { sizes: [2, 4, 8, 16, 32, 64, 128], dataSizes: [256, 1024, 4096, 16384, 65536], seeds: 2, bootstrap: 60, heldOut: false }, expect: 'out-of-regime' },
  ],
  predict: predictScalingLaw,
  grid: { cells, cell, aggregate, cost: (c, k: Cell) => k.N * k.N * (k.D + c.validation) + k.N * k.N * k.N },
  compare,
  plots,
  summary: (_c, r): Record<string, number> => r.full ? {
    E: r.full.params.E, alpha: r.full.params.alpha, beta: r.full.params.beta ?? NaN, A: r.full.params.A, B: r.full.params.B ?? NaN,
    E_lo: r.full.intervals.E!.lo, E_hi: r.full.intervals.E!.hi,
    alphaDropped: r.dropped?.params.alpha ?? NaN, betaDropped: r.dropped?.params.beta ?? NaN,
    unconverged: r.unconverged, peakRise: r.peakRise,
  } : { unconverged: r.unconverged, peakRise: r.peakRise },
};
