/**
 * Experiment `discretization`: how an observable converges to its limit, y(h) = y∞ + C·h^p
 * (src/lab/limit-fit.ts), with the rate p and its interval, and whether the limit is reached within
 * a tolerance at the finest point. Two applications (`target`):
 *
 *   dln — h = η. GD on the two-layer linear network L = ½‖T − W₂W₁‖²_F from a λ-balanced init; the
 *         observable is the loss at a fixed time t_obs = η·steps; its limit is the exact gradient-flow
 *         loss (matrix Riccati solution, theory/dln-riccati.ts). GD is a first-order integrator of the
 *         flow, so p = 1 (global error O(η)). Regime: η_max·S ≤ 0.1, S = largest NTK eigenvalue along
 *         the exact trajectory (beyond, the O(η²) terms bend the curve and GD may oscillate).
 *   ntk — h = 1/width. Empirical NTK of f(x) = n^{−½} Σ_i a_i ReLU(w_iᵀx/√d) (NTK parameterization,
 *         a, w ~ N(0, 1)) on inputs on the sphere of radius √d, against the arc-cosine limit
 *         Θ∞(x, x′) = E[φ(u)φ(u′)] + E[φ′(u)φ′(u′)]·xᵀx′/d; the observable is the RMS over seeds of
 *         ‖Θ_emp − Θ∞‖_F/‖Θ∞‖_F, limit 0, rate p = ½ (Θ_emp is an average of n iid terms; Jacot et al.
 *         2018). Its error bars come from the seed spread (δ-method).
 * Checks: (a) the known-limit fit's rate interval, widened by `rateBudget` (the stated allowance for
 * higher-order terms over the fitted range), contains the predicted p; (b) the unknown-limit fit
 * recovers the limit: |y∞ − limit| ≤ the half-width of its interval + limitTolerance·scale; (c) the
 * limit is reached within limitTolerance·scale at the finest h (gap |C| h_min^p). scale = |limit|, or
 * 1 when the limit is 0 (the NTK observable is already a relative deviation: within 5 % by default).
 */
import { z } from 'zod';
import { Rng } from '../engine/rng.js';
import * as libm from '../engine/libm.js';
import { type Mat, mat, randomOrthogonal } from '../engine/linalg/index.js';
import { dualActivation } from '../nn/kernels.js';
import { sampleSphere } from '../data/sphere.js';
import { lambdaBalancedInit, ntkTopEigenvalue, riccatiSolution, twoLayerLinearObjective } from '../theory/dln-riccati.js';
import { gradientDescent } from '../training/gd.js';
import { fitLimit, type LimitFit } from '../lab/limit-fit.js';
import type { Check, Experiment, PlotSpec, RegimeCondition, RunContext } from './types.js';
import { numericCheck, regimeCondition } from './verdict.js';

export const discretizationSchema = z.object({
  target: z.enum(['dln', 'ntk']).default('dln').describe('dln: GD loss at fixed time vs η → 0; ntk: empirical NTK vs width → ∞'),
  lrs: z.array(z.number().gt(0).max(10)).min(4).max(16).default([0.02, 0.01, 0.005, 0.0025, 0.00125, 0.000625]).describe('dln: step sizes η'),
  observeTime: z.number().gt(0).max(100).default(3).describe('dln: time t_obs at which the loss is compared (a multiple of every η)'),
  lambda: z.number().min(-100).max(100).default(0).describe('dln: balance λ of the init'),
  scale: z.number().gt(0).max(10).default(0.3).describe('dln: init scale σ'),
  size: z.number().int().min(1).max(16).default(3).describe('dln: input = hidden = output dimension'),
  singularValues: z.array(z.number().min(0).max(20)).min(1).max(16).default([2, 1, 0.5]).describe('dln: target singular values'),
  widths: z.array(z.number().int().min(2).max(65536)).min(4).max(16).default([16, 32, 64, 128, 256, 512, 1024, 2048, 4096]).describe('ntk: hidden widths'),
  seeds: z.number().int().min(2).max(256).default(24).describe('ntk: networks per width'),
  inputs: z.number().int().min(2).max(32).default(6).describe('ntk: inputs on the sphere'),
  dim: z.number().int().min(1).max(256).default(8).describe('ntk: input dimension d'),
  rate: z.number().gt(0).max(10).optional().describe('override the predicted rate (a control)'),
  rateBudget: z.number().min(0).max(2).default(0.1).describe('allowance for higher-order terms added to the rate interval'),
  limitTolerance: z.number().gt(0).max(1).default(0.05).describe('limit reached within this fraction of the scale (|limit|, or 1 for a zero limit: the NTK observable is already relative)'),
  seed: z.number().int().min(0).max(2 ** 31).default(0).describe('random seed'),
});

export type DiscretizationConfig = z.infer<typeof discretizationSchema>;

export interface DiscretizationPrediction {
  axis: string;
  rate: number;
  /** the limit (exact flow loss for dln, 0 for ntk) */
  limit: number;
  /** dln: η_max·S along the exact trajectory */
  stiffness: number;
}

function dlnSetup(c: DiscretizationConfig) {
  const n = c.size;
  if (c.singularValues.length > n) throw new RangeError(`singularValues: at most size = ${n} values`);
  const rng = new Rng(c.seed).split('dln');
  const U = randomOrthogonal(n, rng.split('U')), V = randomOrthogonal(n, rng.split('V'));
  const T = mat(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let m = 0; m < n; m++) s += U.data[i * n + m] * (c.singularValues[m] ?? 0) * V.data[j * n + m];
    T.data[i * n + j] = s;
  }
  const { W1, W2 } = lambdaBalancedInit({ inputs: n, hidden: n, outputs: n }, c.lambda, c.scale, rng.split('init'));
  return { T, W1, W2 };
}

function lossOf(T: Mat, P: Mat): number {
  let s = 0;
  for (let i = 0; i < T.data.length; i++) s += 0.5 * (T.data[i] - P.data[i]) ** 2;
  return s;
}

function stepsFor(c: DiscretizationConfig, lr: number): number {
  const steps = Math.round(c.observeTime / lr);
  if (Math.abs(steps * lr - c.observeTime) > 1e-9 * c.observeTime) throw new RangeError(`observeTime: must be a multiple of every η (η = ${lr})`);
  return steps;
}

function predict(c: DiscretizationConfig): DiscretizationPrediction {
  if (c.target === 'ntk') return { axis: '1/width', rate: c.rate ?? 0.5, limit: 0, stiffness: NaN };
  for (const lr of c.lrs) stepsFor(c, lr);
  const { T, W1, W2 } = dlnSetup(c);
  const times = Array.from({ length: 41 }, (_, j) => (j * c.observeTime) / 40);
  const sol = riccatiSolution(T, W1, W2, times);
  const S = sol.reduce((m, s) => Math.max(m, ntkTopEigenvalue(s.A, s.B)), 0);
  return { axis: 'η', rate: c.rate ?? 1, limit: lossOf(T, sol[sol.length - 1].P), stiffness: Math.max(...c.lrs) * S };
}

interface Cell { h: number; value: number }
interface CellResult { h: number; value: number; se: number; status: string }

function cells(c: DiscretizationConfig): Cell[] {
  return c.target === 'dln' ? [...c.lrs].sort((a, b) => b - a).map((lr) => ({ h: lr, value: lr })) : [...c.widths].sort((a, b) => a - b).map((w) => ({ h: 1 / w, value: w }));
}

/** Empirical NTK of one random one-hidden-layer ReLU net (NTK parameterization) on X (m × d). */
export function twoLayerReluNtk(X: Mat, width: number, rng: Rng): Float64Array {
  const m = X.rows, d = X.cols;
  const K = new Float64Array(m * m);
  const u = new Float64Array(m);
  const G = new Float64Array(m * m);
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) { let s = 0; for (let q = 0; q < d; q++) s += X.data[i * d + q] * X.data[j * d + q]; G[i * m + j] = s / d; }
  const w = new Float64Array(d);
  for (let unit = 0; unit < width; unit++) {
    for (let q = 0; q < d; q++) w[q] = rng.normal();
    const a = rng.normal();
    for (let i = 0; i < m; i++) { let s = 0; for (let q = 0; q < d; q++) s += w[q] * X.data[i * d + q]; u[i] = s / Math.sqrt(d); }
    for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) {
      const on = u[i] > 0 && u[j] > 0;
      K[i * m + j] += (on ? u[i] * u[j] : 0) + (on ? a * a * G[i * m + j] : 0);
    }
  }
  for (let i = 0; i < K.length; i++) K[i] /= width;
  return K;
}

/** Θ∞ of the same network: E[φφ] + E[φ′φ′]·q₁₂. */
export function twoLayerReluNtkLimit(X: Mat): Float64Array {
  const m = X.rows, d = X.cols;
  const q = (i: number, j: number) => { let s = 0; for (let k = 0; k < d; k++) s += X.data[i * d + k] * X.data[j * d + k]; return s / d; };
  const K = new Float64Array(m * m);
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) {
    const [pp, dd] = dualActivation('relu', q(i, i), q(j, j), q(i, j));
    K[i * m + j] = pp + dd * q(i, j);
  }
  return K;
}

function cell(c: DiscretizationConfig, key: Cell, ctx: RunContext): CellResult {
  if (c.target === 'dln') {
    const { T, W1, W2 } = dlnSetup(c);
    const obj = twoLayerLinearObjective(T, c.size);
    const res = gradientDescent(obj, new Float64Array([...W1.data, ...W2.data]), { lr: key.value, steps: stepsFor(c, key.value), signal: ctx.signal });
    return { h: key.h, value: res.finalLoss, se: 0, status: res.status };
  }
  const X = sampleSphere(c.inputs, c.dim, new Rng(c.seed).split('inputs'));
  const lim = twoLayerReluNtkLimit(X);
  let norm = 0;
  for (const v of lim) norm += v * v;
  norm = Math.sqrt(norm);
  const devs: number[] = [];
  for (let s = 0; s < c.seeds; s++) {
    if (ctx.signal.aborted) break;
    const K = twoLayerReluNtk(X, key.value, new Rng(c.seed).split(`width${key.value}`).split(`seed${s}`));
    let e = 0;
    for (let i = 0; i < K.length; i++) e += (K[i] - lim[i]) ** 2;
    devs.push(Math.sqrt(e) / norm);
  }
  const ms = devs.reduce((a, b) => a + b * b, 0) / devs.length;
  const sdSq = Math.sqrt(devs.reduce((a, b) => a + (b * b - ms) ** 2, 0) / Math.max(devs.length - 1, 1));
  return { h: key.h, value: Math.sqrt(ms), se: sdSq / Math.sqrt(devs.length) / (2 * Math.sqrt(ms)), status: devs.length === c.seeds ? 'completed' : 'interrupted' };
}

export interface DiscretizationResult {
  points: CellResult[];
  known: LimitFit;
  free: LimitFit;
  interrupted: boolean;
  diverged: boolean;
}

function aggregate(c: DiscretizationConfig, results: (CellResult | null)[], ctx: RunContext, p: DiscretizationPrediction): DiscretizationResult {
  const points = results.filter((r): r is CellResult => r !== null && Number.isFinite(r.value));
  const hs = points.map((q) => q.h), ys = points.map((q) => q.value);
  const sig = c.target === 'ntk' ? points.map((q) => q.se) : undefined;
  const known = fitLimit(hs, ys, { limit: p.limit, ...(sig ? { sigmas: sig } : {}) });
  const free = fitLimit(hs, ys, sig ? { sigmas: sig } : {});
  const x = c.target === 'dln' ? 'η' : 'width';
  for (const q of points) {
    const xv = c.target === 'dln' ? q.h : 1 / q.h;
    ctx.record('convergence', { [x]: xv, method: 'measured', gap: Math.abs(q.value - p.limit), lo: Math.abs(q.value - p.limit) - q.se, hi: Math.abs(q.value - p.limit) + q.se });
    ctx.record('convergence', { [x]: xv, method: 'theory', gap: Math.abs(known.amplitude) * libm.pow(q.h, p.rate) });
    ctx.record('values', { [x]: xv, value: q.value, limit: p.limit, fittedLimit: free.limit });
  }
  return { points, known, free, interrupted: results.some((r) => r === null || r.status === 'interrupted'), diverged: results.some((r) => r?.status === 'diverged') };
}

function compare(c: DiscretizationConfig, r: DiscretizationResult, p: DiscretizationPrediction) {
  const regime: RegimeCondition[] = [regimeCondition('axis points', r.points.length, 'min', 4)];
  if (c.target === 'dln') regime.push(regimeCondition('η_max · largest NTK eigenvalue along the exact flow', p.stiffness, 'max', 0.1));
  else regime.push(regimeCondition('width range max/min', Math.max(...c.widths) / Math.min(...c.widths), 'min', 16));
  const checks: Check[] = [];
  const [lo, hi] = r.known.rateInterval;
  checks.push(numericCheck({
    name: `convergence rate in ${p.axis}`,
    quantity: `exponent p of |y − y∞| ∝ (${p.axis})^p (known-limit fit; tolerance: its 95 % interval widened by ${c.rateBudget})`,
    predicted: p.rate, measured: r.known.rate, uncertainty: (hi - lo) / 3.92,
    tolerance: { kind: 'range', lo: p.rate - (hi - r.known.rate) - c.rateBudget, hi: p.rate + (r.known.rate - lo) + c.rateBudget }, regime,
    note: `interval [${lo.toFixed(3)}, ${hi.toFixed(3)}]; free-limit fit p = ${r.free.rate.toFixed(3)} [${r.free.rateInterval.map((v) => v.toFixed(3)).join(', ')}]`,
  }));
  const scale = p.limit !== 0 ? Math.abs(p.limit) : 1;
  const half = (r.free.limitInterval[1] - r.free.limitInterval[0]) / 2;
  checks.push(numericCheck({
    name: 'the limit recovered from the sequence alone',
    quantity: 'y∞ of the free fit y∞ + C h^p (tolerance: half its 95 % interval + limitTolerance·scale)',
    predicted: p.limit, measured: r.free.limit, tolerance: { kind: 'abs', value: half + c.limitTolerance * scale }, regime,
  }));
  checks.push(numericCheck({
    name: 'limit reached within tolerance at the finest point',
    quantity: 'gap |C|·h_min^p of the known-limit fit (tolerance limitTolerance·scale)',
    predicted: 0, measured: r.known.gapAtFinest, tolerance: { kind: 'abs', value: c.limitTolerance * scale }, regime,
  }));
  return { checks, regime, status: r.interrupted ? 'interrupted' as const : r.diverged ? 'diverged' as const : 'ok' as const };
}

function plots(c: DiscretizationConfig): PlotSpec[] {
  const x = c.target === 'dln' ? 'η' : 'width';
  return [
    { title: 'Distance to the limit', caption: 'Measured |y − y∞| (error bars: one standard error) and the fitted power law (dashed).', kind: 'lines', series: 'convergence', x, y: 'gap', stroke: 'method', dashed: 'method', xType: 'log', yType: 'log', errorY: { lo: 'lo', hi: 'hi' } },
  ];
}

export const discretizationExperiment: Experiment<DiscretizationConfig, DiscretizationResult, DiscretizationPrediction> = {
  name: 'discretization',
  title: 'Convergence to a limit: rate and reach (GD → flow in η, empirical → analytic NTK in width)',
  strand: 'cross-cutting: limits the theories are stated in (η → 0, width → ∞)',
  description: 'Fits y(h) = y∞ + C h^p with intervals (lab/limit-fit.ts): GD loss at fixed time converges to the exact DLN flow at rate η¹; the empirical NTK of a ReLU net converges to the arc-cosine kernel at rate width^{−½}; reports whether the limit is reached within tolerance.',
  schema: discretizationSchema,
  quick: {},
  variants: [
    { label: 'empirical NTK → analytic NTK in width', config: { target: 'ntk' }, expect: 'confirmed' },
    { label: 'coarse steps (η·S > 0.1)', config: { lrs: [0.3, 0.2, 0.15, 0.1, 0.075], observeTime: 3 }, expect: 'out-of-regime' },
    { label: 'control: claiming rate η² for GD', config: { rate: 2 }, expect: 'falsified' },
  ],
  predict,
  grid: { cells, cell, aggregate, cost: (c: DiscretizationConfig, k: Cell) => (c.target === 'dln' ? 1 / k.value : k.value) },
  compare,
  plots,
  summary: (_c, r) => ({ rate: r.known.rate, freeRate: r.free.rate, fittedLimit: r.free.limit, gapAtFinest: r.known.gapAtFinest }),
};
