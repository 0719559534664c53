/**
 * Experiment `depth-limits`: random deep networks at finite depth-to-width ratio (Hanin 2018;
 * Hanin & Nica 2019, "Products of many large random matrices and gradients in deep neural networks").
 *
 * For L hidden layers of width n (ReLU with He init, or linear with variance 1/n; optional linear
 * readout), Z = log(‖J(x)u‖²/‖u‖²) for a random input x and direction u is a sum of L independent
 * per-layer terms (src/theory/random-products.ts, eq. 1), approximately Gaussian with variance
 * growing linearly in β = Σ_l 1/n_l = L/n: Var Z = L·V(n) (+ ψ′(n_out/2)), V(n) exact from
 * digamma/trigamma (ReLU: E ψ′(K/2) + Var ψ(K/2), K ~ Bin(n, ½) — 5/n + 37/(2n²) + …; linear:
 * ψ′(n/2) = 2/n + 2/n² + …). Cells: (depth, width, seed), each `networks` independent networks;
 * the same is measured for the output norm Z_f = log(‖f(x)‖²/‖x‖²), which has the same law.
 *
 * Sampler: `matrix` draws every W_l and multiplies (n² normals per layer); `projected` draws only
 * the two columns that matter, (W x, W v), whose rows are iid N(0, σ²·Gram(x, v)) — the same joint
 * law exactly (Gaussian rows are rotation invariant), at 2n normals per layer; the vectors x_l, v_l
 * and the ReLU gates are still computed explicitly. The tests check both samplers against theory.
 *
 * Checks (tolerances: Z_TOL = 3.5 standard errors computed from the *predicted* cumulants — the
 * prediction is exact, so only sampling error is budgeted; 3.5 SE keeps the family-wise false-alarm
 * rate of the ≤ 16 such checks of one run below 1 %):
 *   (a) slope c of the weighted least-squares fit Var Z ≈ c·β + r over all cells, against the same
 *       fit applied to the exact predicted variances (the finite-width constant; wide limit 5 or 2);
 *       the same for the output norm;
 *   (b) per width, the per-layer variance (slope of Var Z over depth) against V(n);
 *   (c) the mean: max over cells of |mean Z − κ₁|/SE ≤ 3.5 (family-wise ≈ 1 % for ≤ 20 cells);
 *   (d) "approximately Gaussian": KS distance of the pooled Z, each standardized by its predicted mean
 *       and variance, from N(0, 1) ≤ 1.63/√M (1 % KS critical value) + the cells' mean Edgeworth
 *       bound (first two orders, from the predicted skewness and kurtosis);
 *   (e) the infinite-width kernel value 0 for the hidden layers (their kernel is deterministic; a
 *       readout adds Gaussian-process noise the kernel does predict): RMS over networks of the hidden
 *       part of Z ≤ kernelTolerance in every cell
 *       with L/n ≤ kernelDepthRatio (regime condition: the kernel is a limit at L/n → 0). By (a) the
 *       RMS is ≈ √(5L/n), so the default limit 0.01 keeps it near 0.22 < 0.25; at L/n of order 1 it
 *       is of order 1 and more (plotted).
 * Dead networks (a ReLU layer with no active unit, probability 2^{−n} per layer) are excluded and
 * counted; the theory is conditioned on survival.
 * A `constant: 'wide-limit'` control compares with the Hanin–Nica Gaussian N(−cβ/2, cβ) instead of the
 * exact finite-width law: at narrow widths it is falsified (5 + 37/(2n) differs from 5 by ≫ 3.5 SE).
 */
import { z } from 'zod';
import { Rng } from '../engine/rng.js';
import * as libm from '../engine/libm.js';
import { erfScalar } from '../engine/backend/math-kernels.js';
import {
  type Cumulants, edgeworthKsBound, layerLogCumulants, logNormCumulants, shapeOf, wideLimitConstant,
} from '../theory/random-products.js';
import type { Check, Experiment, PlotSpec, RegimeCondition, RunContext } from './types.js';
import { numericCheck, regimeCondition } from './verdict.js';

export const depthLimitsSchema = z.object({
  activation: z.enum(['relu', 'linear']).default('relu').describe('hidden nonlinearity: relu (He init, variance 2/n) or linear (variance 1/n)'),
  widths: z.array(z.number().int().min(2).max(4096)).min(1).max(12).default([16, 32, 64, 128, 256]).describe('hidden widths n'),
  depths: z.array(z.number().int().min(1).max(512)).min(2).max(12).default([1, 2, 4, 8, 16, 32]).describe('numbers of hidden layers L'),
  readout: z.number().int().min(0).max(1024).default(0).describe('linear readout outputs n_out (0: none)'),
  networks: z.number().int().min(10).max(100_000).default(500).describe('independent networks per cell'),
  seeds: z.number().int().min(1).max(32).default(2).describe('cells (seeds) per (depth, width); their networks are pooled'),
  sampler: z.enum(['projected', 'matrix']).default('projected').describe('projected: draw (W x, W v) jointly (2n normals/layer); matrix: full Gaussian matrices (n² normals/layer)'),
  constant: z.enum(['exact', 'wide-limit']).default('exact').describe('theory compared: exact finite-width law, or the wide-layer Hanin–Nica Gaussian (a control)'),
  kernelTolerance: z.number().gt(0).max(10).default(0.25).describe('accepted RMS of log(‖Ju‖²/‖u‖²) around the infinite-width kernel value 0'),
  kernelDepthRatio: z.number().gt(0).max(10).default(0.01).describe('regime of the infinite-width kernel: L/n ≤ this'),
  seed: z.number().int().min(0).max(2 ** 31).default(0).describe('random seed'),
});

export type DepthLimitsConfig = z.infer<typeof depthLimitsSchema>;

export interface DepthLimitsCellPrediction {
  depth: number;
  width: number;
  beta: number;
  cumulants: Cumulants;
  /** the hidden layers alone (what the infinite-width kernel says is 0) */
  hidden: Cumulants;
}

export interface DepthLimitsPrediction {
  cells: DepthLimitsCellPrediction[];
  /** exact (or wide-limit) per-layer variance V(n) per width */
  perLayer: { width: number; variance: number; wideLimit: number }[];
  /** wide-layer constant c (5 ReLU, 2 linear) */
  wideLimit: number;
}

function checkConfig(c: DepthLimitsConfig): void {
  if (new Set(c.depths).size < 2) throw new RangeError('depths: need at least two different depths to fit a slope');
}

function predict(c: DepthLimitsConfig): DepthLimitsPrediction {
  checkConfig(c);
  const exact = c.constant === 'exact';
  const widths = [...new Set(c.widths)].sort((a, b) => a - b);
  const depths = [...new Set(c.depths)].sort((a, b) => a - b);
  const cells = widths.flatMap((width) => depths.map((depth) => ({
    depth, width, beta: depth / width,
    cumulants: logNormCumulants({ activation: c.activation, width, depth, readout: c.readout, exact }),
    hidden: logNormCumulants({ activation: c.activation, width, depth, readout: 0, exact }),
  })));
  const perLayer = widths.map((width) => ({ width, variance: layerLogCumulants(c.activation, width, exact)[1], wideLimit: wideLimitConstant(c.activation) / width }));
  return { cells, perLayer, wideLimit: wideLimitConstant(c.activation) };
}

export interface LogNormSpec {
  activation: 'relu' | 'linear';
  width: number;
  depth: number;
  readout: number;
}

function normalizeInPlace(x: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  const r = Math.sqrt(s);
  if (r > 0) for (let i = 0; i < x.length; i++) x[i] /= r;
  return s;
}

/**
 * One random network: Z_J = log(‖J(x)u‖²/‖u‖²) and Z_f = log(‖f(x)‖²/‖x‖²), each layer normalized by
 * its mean scale (the readout by n_out/n), for a random input x and direction u. Null if a ReLU layer
 * has no active unit (dead network). Vectors are renormalized after every layer (the factors are
 * scale-free: ReLU is 1-homogeneous and its gates depend on the direction of x only).
 */
export function sampleLogNorms(spec: LogNormSpec, sampler: 'projected' | 'matrix', rng: Rng): { jac: number; out: number; hidden: number } | null {
  const n = spec.width;
  const x = rng.normals(n), v = rng.normals(n);
  normalizeInPlace(x);
  normalizeInPlace(v);
  const z = new Float64Array(n), y = new Float64Array(n);
  const relu = spec.activation === 'relu';
  let jac = 0, out = 0;
  // rows of W (m of them, entries N(0, s²)) applied to the unit vectors x and v, into z and y
  const apply = (m: number, s: number) => {
    if (sampler === 'matrix') {
      for (let i = 0; i < m; i++) {
        let a = 0, b = 0;
        for (let j = 0; j < n; j++) { const w = s * rng.normal(); a += w * x[j]; b += w * v[j]; }
        z[i] = a; y[i] = b;
      }
    } else {
      // (w·x, w·v) ~ N(0, s²[[1, c], [c, 1]]) with c = x·v: w·v = c (w·x) + √(1 − c²) η.
      let c = 0;
      for (let j = 0; j < n; j++) c += x[j] * v[j];
      const perp = Math.sqrt(Math.max(0, 1 - c * c));
      for (let i = 0; i < m; i++) { const g = rng.normal(), h = rng.normal(); z[i] = s * g; y[i] = s * (c * g + perp * h); }
    }
  };
  const gain = Math.sqrt((relu ? 2 : 1) / n);
  for (let l = 0; l < spec.depth; l++) {
    apply(n, gain);
    for (let i = 0; i < n; i++) {
      if (relu && !(z[i] > 0)) { x[i] = 0; v[i] = 0; } else { x[i] = z[i]; v[i] = y[i]; }
    }
    const nx = normalizeInPlace(x), nv = normalizeInPlace(v);
    if (!(nx > 0)) return null;
    out += libm.log(nx);
    jac += libm.log(nv);
  }
  const hidden = jac;
  if (spec.readout > 0) {
    const m = spec.readout;
    apply(m, 1 / Math.sqrt(n));
    let nx = 0, nv = 0;
    for (let i = 0; i < m; i++) { nx += z[i] * z[i]; nv += y[i] * y[i]; }
    const scale = libm.log(m / n); // E ‖W h‖²/‖h‖² = n_out/n
    out += libm.log(nx) - scale;
    jac += libm.log(nv) - scale;
  }
  return { jac, out, hidden };
}

interface DepthLimitsCell { depth: number; width: number; seed: number }
interface DepthLimitsCellResult { depth: number; width: number; jac: Float64Array; out: Float64Array; hidden: Float64Array; dead: number }

function cells(c: DepthLimitsConfig): DepthLimitsCell[] {
  checkConfig(c);
  const widths = [...new Set(c.widths)].sort((a, b) => a - b);
  const depths = [...new Set(c.depths)].sort((a, b) => a - b);
  return widths.flatMap((width) => depths.flatMap((depth) => Array.from({ length: c.seeds }, (_, seed) => ({ depth, width, seed }))));
}

function cell(c: DepthLimitsConfig, { depth, width, seed }: DepthLimitsCell, ctx: RunContext): DepthLimitsCellResult {
  const rng = new Rng(c.seed).split(`depth${depth}`).split(`width${width}`).split(`seed${seed}`);
  const jac: number[] = [], out: number[] = [], hidden: number[] = [];
  let dead = 0;
  const spec: LogNormSpec = { activation: c.activation, width, depth, readout: c.readout };
  for (let k = 0; k < c.networks; k++) {
    if (ctx.signal.aborted) break;
    const r = sampleLogNorms(spec, c.sampler, rng);
    if (r) { jac.push(r.jac); out.push(r.out); hidden.push(r.hidden); } else dead++;
    if ((k & 63) === 63) ctx.progress(k / c.networks);
  }
  return { depth, width, jac: Float64Array.from(jac), out: Float64Array.from(out), hidden: Float64Array.from(hidden), dead };
}

/** Sample moments of one pooled (depth, width) group. */
export interface SampleMoments { n: number; mean: number; variance: number; m4: number; skewness: number; rms: number }

export function sampleMoments(xs: ArrayLike<number>): SampleMoments {
  const n = xs.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += xs[i];
  mean /= n;
  let m2 = 0, m3 = 0, m4 = 0, sq = 0;
  for (let i = 0; i < n; i++) { const d = xs[i] - mean; m2 += d * d; m3 += d * d * d; m4 += d * d * d * d; sq += xs[i] * xs[i]; }
  const variance = m2 / (n - 1);
  m2 /= n; m3 /= n; m4 /= n;
  return { n, mean, variance, m4, skewness: m3 / libm.pow(m2, 1.5), rms: Math.sqrt(sq / n) };
}

/** Kolmogorov–Smirnov distance sup |F_n − Φ| of a sample from the standard normal. */
export function ksNormal(xs: ArrayLike<number>): number {
  const s = Float64Array.from(xs).sort();
  const n = s.length;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const F = normalCdf(s[i]);
    d = Math.max(d, (i + 1) / n - F, F - i / n);
  }
  return d;
}

/** Φ(x) = (1 + erf(x/√2))/2 (erf to ~1e−15; the KS distance needs far less). */
export function normalCdf(x: number): number {
  return 0.5 * (1 + erfScalar(x * Math.SQRT1_2));
}

export interface DepthLimitsGroup {
  depth: number;
  width: number;
  beta: number;
  dead: number;
  jac: SampleMoments;
  out: SampleMoments;
  predicted: Cumulants;
  /** RMS over networks of the hidden layers' log ‖J_hidden u‖²/‖u‖², and its prediction √(κ₂ + κ₁²) */
  hiddenRms: number;
  hiddenRmsPredicted: number;
  /** standard error of the sample variance and of the mean from the predicted cumulants */
  varianceSe: number;
  meanSe: number;
}

export interface DepthLimitsResult {
  groups: DepthLimitsGroup[];
  /** weighted LS slopes of Var over β */
  slope: { measured: number; measuredOut: number; predicted: number; se: number };
  perWidth: { width: number; measured: number; predicted: number; se: number }[];
  meanMaxZ: number;
  ks: { distance: number; tolerance: number; samples: number };
  kernel: { ratio: number; rms: number; depth: number; width: number }[];
  interrupted: boolean;
}

/** Weighted least squares y ≈ a + b x with weights w; slope, its SE from the weights (known variances). */
function weightedSlope(xs: number[], ys: number[], ws: number[]): { slope: number; se: number } {
  let W = 0, mx = 0, my = 0;
  for (let i = 0; i < xs.length; i++) { W += ws[i]; mx += ws[i] * xs[i]; my += ws[i] * ys[i]; }
  mx /= W; my /= W;
  let sxx = 0, sxy = 0;
  for (let i = 0; i < xs.length; i++) { sxx += ws[i] * (xs[i] - mx) ** 2; sxy += ws[i] * (xs[i] - mx) * (ys[i] - my); }
  return { slope: sxy / sxx, se: Math.sqrt(1 / sxx) };
}

function aggregate(c: DepthLimitsConfig, results: (DepthLimitsCellResult | null)[], ctx: RunContext, p: DepthLimitsPrediction): DepthLimitsResult {
  const interrupted = results.some((r) => r === null);
  const groups: DepthLimitsGroup[] = [];
  for (const cp of p.cells) {
    const mine = results.filter((r): r is DepthLimitsCellResult => r !== null && r.depth === cp.depth && r.width === cp.width);
    const jacs = mine.flatMap((r) => Array.from(r.jac)), outs = mine.flatMap((r) => Array.from(r.out)), hidden = mine.flatMap((r) => Array.from(r.hidden));
    if (jacs.length < 3) continue;
    const M = jacs.length;
    const [, k2, , k4] = cp.cumulants;
    // Var of the sample variance: (μ₄ − σ⁴)/M with μ₄ = κ₄ + 3κ₂².
    groups.push({
      depth: cp.depth, width: cp.width, beta: cp.beta, dead: mine.reduce((a, r) => a + r.dead, 0),
      jac: sampleMoments(jacs), out: sampleMoments(outs), predicted: cp.cumulants,
      hiddenRms: sampleMoments(hidden).rms, hiddenRmsPredicted: Math.sqrt(cp.hidden[1] + cp.hidden[0] ** 2),
      varianceSe: Math.sqrt((k4 + 2 * k2 * k2) / M), meanSe: Math.sqrt(k2 / M),
    });
  }
  // (a) pooled slope over β
  const xs = groups.map((g) => g.beta), ws = groups.map((g) => 1 / g.varianceSe ** 2);
  const fitJ = weightedSlope(xs, groups.map((g) => g.jac.variance), ws);
  const fitF = weightedSlope(xs, groups.map((g) => g.out.variance), ws);
  const fitP = weightedSlope(xs, groups.map((g) => g.predicted[1]), ws);
  // (b) per width, slope over depth
  const perWidth: DepthLimitsResult['perWidth'] = [];
  for (const pl of p.perLayer) {
    const gs = groups.filter((g) => g.width === pl.width);
    if (gs.length < 2) continue;
    const f = weightedSlope(gs.map((g) => g.depth), gs.map((g) => g.jac.variance), gs.map((g) => 1 / g.varianceSe ** 2));
    perWidth.push({ width: pl.width, measured: f.slope, predicted: pl.variance, se: f.se });
  }
  // (c) means
  const meanMaxZ = groups.reduce((a, g) => Math.max(a, Math.abs(g.jac.mean - g.predicted[0]) / g.meanSe), 0);
  // (d) pooled standardized KS
  const pooled: number[] = [];
  let edge = 0, total = 0;
  for (const cp of p.cells) {
    const g = groups.find((q) => q.depth === cp.depth && q.width === cp.width);
    if (!g) continue;
    const sd = Math.sqrt(cp.cumulants[1]);
    for (const r of results) if (r && r.depth === cp.depth && r.width === cp.width) for (const zv of r.jac) pooled.push((zv - cp.cumulants[0]) / sd);
    const { skewness, excessKurtosis } = shapeOf(cp.cumulants);
    edge += g.jac.n * edgeworthKsBound(skewness, excessKurtosis);
    total += g.jac.n;
  }
  const ks = { distance: pooled.length ? ksNormal(pooled) : NaN, tolerance: 1.63 / Math.sqrt(Math.max(total, 1)) + edge / Math.max(total, 1), samples: total };
  // (e) kernel
  const kernel = groups.map((g) => ({ ratio: g.beta, rms: g.hiddenRms, depth: g.depth, width: g.width }));

  for (const g of groups) {
    const common = { depth: g.depth, width: g.width, beta: g.beta };
    ctx.record('variance', { ...common, method: 'measured', variance: g.jac.variance, lo: g.jac.variance - g.varianceSe, hi: g.jac.variance + g.varianceSe });
    ctx.record('variance', { ...common, method: 'theory', variance: g.predicted[1] });
    ctx.record('cells', {
      ...common, networks: g.jac.n, dead: g.dead, mean: g.jac.mean, meanPredicted: g.predicted[0], variance: g.jac.variance, variancePredicted: g.predicted[1],
      varianceOut: g.out.variance, skewness: g.jac.skewness, skewnessPredicted: shapeOf(g.predicted).skewness, rms: g.jac.rms,
    });
    ctx.record('kernel', { ...common, method: 'measured', rms: g.hiddenRms });
    ctx.record('kernel', { ...common, method: 'theory', rms: g.hiddenRmsPredicted });
  }
  for (const w of perWidth) {
    ctx.record('per-layer', { width: w.width, method: 'measured', nV: w.width * w.measured, lo: w.width * (w.measured - w.se), hi: w.width * (w.measured + w.se) });
    ctx.record('per-layer', { width: w.width, method: 'theory', nV: w.width * w.predicted });
    ctx.record('per-layer', { width: w.width, method: 'wide limit', nV: p.wideLimit });
  }
  return {
    groups, slope: { measured: fitJ.slope, measuredOut: fitF.slope, predicted: fitP.slope, se: fitJ.se },
    perWidth, meanMaxZ, ks, kernel, interrupted,
  };
}

/** Tolerance in standard errors (see the header). */
const Z_TOL = 3.5;

function compare(c: DepthLimitsConfig, r: DepthLimitsResult, p: DepthLimitsPrediction) {
  const minNetworks = r.groups.reduce((a, g) => Math.min(a, g.jac.n), Infinity);
  const enough = regimeCondition('surviving networks per (depth, width) (sampling-error estimates)', minNetworks, 'min', 100);
  const regime: RegimeCondition[] = [enough];
  const checks: Check[] = [];
  const theory = c.constant === 'exact' ? 'exact finite-width law' : `wide-layer limit ${p.wideLimit}/n`;
  checks.push(numericCheck({
    name: 'Var log ‖Ju‖² grows linearly in β = Σ 1/n_l with the predicted constant',
    quantity: 'slope c of the weighted fit Var Z ≈ c·β + r over all (depth, width) cells (tolerance 3.5 SE)',
    predicted: r.slope.predicted, measured: r.slope.measured, uncertainty: r.slope.se,
    tolerance: { kind: 'abs', value: Z_TOL * r.slope.se }, regime,
    note: `${theory}; wide-layer constant ${p.wideLimit} (Hanin–Nica), exact n·V(n) = ${p.perLayer.map((q) => `${(q.width * q.variance).toFixed(3)} (n=${q.width})`).join(', ')}`,
  }));
  checks.push(numericCheck({
    name: 'Var log ‖f(x)‖² (output norm) has the same slope',
    quantity: 'slope c of the weighted fit Var Z_f ≈ c·β + r (tolerance 3.5 SE)',
    predicted: r.slope.predicted, measured: r.slope.measuredOut, uncertainty: r.slope.se,
    tolerance: { kind: 'abs', value: Z_TOL * r.slope.se }, regime,
  }));
  for (const w of r.perWidth) {
    checks.push(numericCheck({
      name: `per-layer variance at width ${w.width}`,
      quantity: 'n × slope of Var Z over depth L (tolerance 3.5 SE)',
      predicted: w.width * w.predicted, measured: w.width * w.measured, uncertainty: w.width * w.se,
      tolerance: { kind: 'abs', value: Z_TOL * w.width * w.se }, regime,
      note: `wide-layer value ${p.wideLimit}`,
    }));
  }
  checks.push(numericCheck({
    name: 'mean of log ‖Ju‖² in every cell',
    quantity: 'max over cells of |mean Z − κ₁|/SE (≤ 3.5: family-wise false alarm ≈ 1 % for ≤ 20 cells)',
    predicted: 0, measured: r.meanMaxZ, tolerance: { kind: 'abs', value: Z_TOL }, regime,
  }));
  checks.push(numericCheck({
    name: 'log ‖Ju‖² is approximately Gaussian',
    quantity: 'KS distance of the pooled Z (each cell standardized by its predicted mean and variance) from N(0, 1); tolerance 1.63/√M + mean Edgeworth bound',
    predicted: 0, measured: r.ks.distance, tolerance: { kind: 'abs', value: r.ks.tolerance }, regime,
    note: `${r.ks.samples} networks`,
  }));
  const inRegime = r.kernel.filter((k) => k.ratio <= c.kernelDepthRatio);
  const minRatio = r.kernel.reduce((a, k) => Math.min(a, k.ratio), Infinity);
  const kernelRegime = [...regime, regimeCondition('smallest depth-to-width ratio L/n (the infinite-width kernel is the L/n → 0 limit)', minRatio, 'max', c.kernelDepthRatio)];
  const worst = (inRegime.length ? inRegime : r.kernel.filter((k) => k.ratio === minRatio)).reduce((a, k) => (k.rms > a.rms ? k : a), { rms: -Infinity, ratio: NaN, depth: 0, width: 0 });
  const largest = r.kernel.reduce((a, k) => (k.ratio > a.ratio ? k : a), { rms: NaN, ratio: -Infinity, depth: 0, width: 0 });
  checks.push(numericCheck({
    name: 'a single network matches the infinite-width kernel (‖Ju‖² = ‖u‖²) when L/n → 0',
    quantity: `largest RMS over networks of log(‖J_hidden u‖²/‖u‖²) (hidden layers; the kernel predicts 0) among cells with L/n ≤ ${c.kernelDepthRatio}`,
    predicted: 0, measured: worst.rms, tolerance: { kind: 'abs', value: c.kernelTolerance }, regime: kernelRegime,
    note: `at L/n = ${worst.ratio} (L = ${worst.depth}, n = ${worst.width}); at the largest L/n = ${largest.ratio} the RMS is ${largest.rms.toFixed(3)}`,
  }));
  return { checks, regime: kernelRegime, status: r.interrupted ? 'interrupted' as const : 'ok' as const };
}

function plots(c: DepthLimitsConfig): PlotSpec[] {
  const wide = wideLimitConstant(c.activation);
  return [
    { title: 'Variance of log ‖Ju‖² against β = L/n', caption: 'One line per width; dashed: exact finite-width prediction L·V(n). Error bars: one standard error.', kind: 'lines', series: 'variance', x: 'beta', y: 'variance', stroke: 'width', group: 'method', dashed: 'method', xType: 'log', yType: 'log', errorY: { lo: 'lo', hi: 'hi' }, xLabel: 'β = L/n', strokeLabel: 'width', slopes: [{ slope: 1, label: 'slope 1' }] },
    { title: 'Per-layer variance × width', caption: `Measured slope of Var over depth, times n; dashed: exact n·V(n); the wide-layer limit is ${wide}.`, kind: 'lines', series: 'per-layer', x: 'width', y: 'nV', stroke: 'method', dashed: 'method', xType: 'log', errorY: { lo: 'lo', hi: 'hi' }, rules: [{ y: wide, label: `wide limit ${wide}` }], lineStyles: { theory: { label: 'exact n·V(n)' }, 'wide limit': { dash: 'dotted', label: `${wide}` } } },
    { title: 'Typical deviation from the infinite-width kernel', caption: 'RMS over networks of log(‖J_hidden u‖²/‖u‖²) through the hidden layers (the readout, if any, is Gaussian-process noise the kernel does predict); the kernel predicts 0. Dashed: √(κ₂ + κ₁²).', kind: 'scatter', series: 'kernel', x: 'beta', y: 'rms', stroke: 'method', dashed: 'method', xType: 'log', yType: 'log', xLabel: 'L/n', rulesX: [{ x: c.kernelDepthRatio, label: 'kernel regime' }], rules: [{ y: c.kernelTolerance, label: 'tolerance' }], slopes: [{ slope: 0.5, label: 'slope ½' }] },
  ];
}

export const depthLimitsExperiment: Experiment<DepthLimitsConfig, DepthLimitsResult, DepthLimitsPrediction> = {
  name: 'depth-limits',
  title: 'Deep random networks at finite depth-to-width ratio: log-normal Jacobians (Hanin–Nica)',
  strand: '§2.1 / §1.2 infinite-width limits — where they stop: depth-to-width ratio',
  description: 'log ‖J u‖² of random ReLU (He) or linear networks over depth, width and seeds: its variance grows linearly in β = Σ1/n_l with the exact finite-width constant (digamma/trigamma; wide limit 5 or 2), its mean and Gaussian shape match, and a single network agrees with the infinite-width kernel only when L/n → 0.',
  schema: depthLimitsSchema,
  quick: { widths: [16, 32, 64, 256], depths: [1, 2, 4, 8, 16], networks: 200, seeds: 2 },
  variants: [
    { label: 'linear network (constant 2)', config: { activation: 'linear', widths: [16, 32, 64, 256], depths: [1, 2, 4, 8, 16], networks: 200, seeds: 2 }, expect: 'confirmed' },
    { label: 'ReLU with a linear readout of 4 outputs', config: { readout: 4, widths: [16, 32, 64, 256], depths: [1, 2, 4, 8, 16], networks: 200, seeds: 2 }, expect: 'confirmed' },
    { label: 'deep and narrow (L/n ≥ ¼): the infinite-width kernel out of regime', config: { widths: [8, 16, 32], depths: [8, 16, 32], networks: 200, seeds: 2 }, expect: 'out-of-regime' },
    { label: 'control: the wide-layer constant 5/n at narrow widths', config: { constant: 'wide-limit', widths: [8, 16, 32], depths: [1, 2, 4, 8, 16], networks: 200, seeds: 2 }, expect: 'falsified' },
  ],
  predict,
  grid: { cells, cell, aggregate, cost: (c: DepthLimitsConfig, k: DepthLimitsCell) => k.depth * (c.sampler === 'matrix' ? k.width * k.width : k.width) },
  compare,
  plots,
  summary: (_c, r) => ({
    slope: r.slope.measured, slopePredicted: r.slope.predicted, slopeOutput: r.slope.measuredOut,
    meanMaxZ: r.meanMaxZ, ksDistance: r.ks.distance,
    kernelRmsAtSmallestRatio: r.kernel.reduce((a, k) => (k.ratio < a.ratio ? k : a), { ratio: Infinity, rms: NaN }).rms,
    kernelRmsAtLargestRatio: r.kernel.reduce((a, k) => (k.ratio > a.ratio ? k : a), { ratio: -Infinity, rms: NaN }).rms,
  }),
};
