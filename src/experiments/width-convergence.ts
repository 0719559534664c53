/**
 * Experiment `width-convergence`: the empirical NTK of a randomly initialized MLP (NTK
 * parameterization) converges to the analytic infinite-width NTK (src/theory/kernels.ts) as the
 * width n grows, with fluctuations of relative size O(1/√n) (Jacot et al. 2018; the variance of
 * the NTK at init is ∝ depth/width — Hanin & Nica 2019 — so the theory needs depth ≪ width).
 *
 * Measured for each width and seed: D(n) = ‖Θ_emp − Θ_∞‖_F / ‖Θ_∞‖_F on a fixed set of inputs on
 * the sphere (radius √d). Checks:
 *   (a) the exponent a of the fit D̄(n) ∝ n^a (D̄ = RMS of D over seeds, least squares in log-log) is −½;
 *   (b) the seed average of Θ_emp at the largest width agrees with Θ_∞ within its sampling error
 *       (no systematic offset; the mean's deviation is O(1/√(n·seeds)) + O(1/n)).
 */
import { z } from 'zod';
import { Rng } from '../engine/rng.js';
import { tensor } from '../engine/tensor.js';
import { mat, type Mat } from '../engine/linalg/index.js';
import { initMlp, mlpForward, mlpModel, type MlpSpec } from '../models/mlp.js';
import { empiricalNtk } from '../observables/ntk.js';
import { sampleSphere } from '../data/sphere.js';
import { logLogFit } from '../observables/fit.js';
import type { Check, Experiment, PlotSpec, RegimeCondition, RunContext } from './types.js';
import { numericCheck, regimeCondition } from './verdict.js';
import * as libm from '../engine/libm.js';

export const widthConvergenceSchema = z.object({
  dim: z.number().int().min(1).max(256).default(8).describe('input dimension d'),
  inputs: z.number().int().min(2).max(64).default(8).describe('number of inputs (sphere of radius √d)'),
  activation: z.enum(['relu', 'erf', 'linear']).default('relu').describe('activation'),
  depth: z.number().int().min(1).max(8).default(3).describe('number of dense layers L'),
  sigmaW2: z.number().gt(0).max(10).default(2).describe('weight variance σ_w²'),
  sigmaB2: z.number().min(0).max(10).default(0.1).describe('bias variance σ_b²'),
  widths: z.array(z.number().int().min(1).max(4096)).min(3).max(12).default([32, 64, 128, 256, 512, 1024, 2048]).describe('hidden widths n'),
  seeds: z.number().int().min(1).max(64).default(10).describe('random initializations per width'),
  tolerance: z.number().gt(0).max(1).default(0.15).describe('accepted |a + ½| for the fitted exponent a'),
  seed: z.number().int().min(0).max(2 ** 31).default(0).describe('random seed'),
});

export type WidthConvergenceConfig = z.infer<typeof widthConvergenceSchema>;

export interface WidthConvergencePrediction {
  exponent: number;
  ntk: Mat;
}

function inputsFor(c: WidthConvergenceConfig): Mat {
  return sampleSphere(c.inputs, c.dim, new Rng(c.seed).split('inputs'));
}

/** The network at hidden width n, NTK parameterization; its analytic kernel comes with its layers. */
function specFor(c: WidthConvergenceConfig, n: number): MlpSpec {
  return { widths: [c.dim, ...Array(c.depth - 1).fill(n), 1], activation: c.activation, parameterization: 'ntk', sigmaW: Math.sqrt(c.sigmaW2), sigmaB: Math.sqrt(c.sigmaB2) };
}

function predict(c: WidthConvergenceConfig): WidthConvergencePrediction {
  // Under the NTK parameterization the limit kernel does not depend on the hidden width.
  const { ntk } = mlpModel(specFor(c, c.widths[0])).kernel!(inputsFor(c));
  return { exponent: -0.5, ntk };
}

export interface WidthConvergenceResult {
  widths: number[];
  meanDeviation: number[];
  seDeviation: number[];
  exponent: number;
  /** ‖mean_seeds Θ_emp − Θ_∞‖/‖Θ_∞‖ at the largest width, and the per-seed spread / √seeds */
  meanKernelDeviation: number;
  meanKernelSe: number;
  interrupted: boolean;
}

function relFro(A: Mat, B: Mat): number {
  let num = 0, den = 0;
  for (let i = 0; i < A.data.length; i++) { num += (A.data[i] - B.data[i]) ** 2; den += B.data[i] ** 2; }
  return Math.sqrt(num / den);
}

/** One cell: the empirical NTK of one network (width n, init seed s). */
interface WidthCell { width: number; seed: number }
interface WidthCellResult { deviation: number; /** Θ_emp at the largest width (for the seed average), else null. */ kernel: Float64Array | null }

function cells(c: WidthConvergenceConfig): WidthCell[] {
  const widths = [...c.widths].sort((a, b) => a - b);
  return widths.flatMap((width) => Array.from({ length: c.seeds }, (_, seed) => ({ width, seed })));
}

function cell(c: WidthConvergenceConfig, { width: n, seed: s }: WidthCell, ctx: RunContext, p: WidthConvergencePrediction): WidthCellResult {
  const X = inputsFor(c);
  const Xt = tensor(Float64Array.from(X.data), [X.rows, X.cols]);
  const spec = specFor(c, n);
  const params = initMlp(spec, new Rng(c.seed).split(`width${n}`).split(`seed${s}`));
  const K = empiricalNtk((ps, x) => mlpForward(spec, ps, x), params, Xt);
  const deviation = relFro(K, p.ntk);
  ctx.record('deviation', { width: n, seed: s, deviation });
  return { deviation, kernel: n === Math.max(...c.widths) ? K.data : null };
}

function aggregate(c: WidthConvergenceConfig, results: (WidthCellResult | null)[], ctx: RunContext, p: WidthConvergencePrediction): WidthConvergenceResult {
  const keys = cells(c);
  const widths = [...new Set(keys.map((k) => k.width))];
  const meanDeviation: number[] = [], seDeviation: number[] = [];
  // A width counts only when all its seeds ran (an interrupt leaves later cells null).
  const complete = widths.filter((n) => keys.every((k, i) => k.width !== n || results[i] !== null));
  const interrupted = complete.length < widths.length;
  const firstMissing = widths.findIndex((n) => !complete.includes(n));
  const done = firstMissing === -1 ? widths : widths.slice(0, firstMissing);
  for (const n of done) {
    const devs = keys.flatMap((k, i) => (k.width === n ? [results[i]!.deviation] : []));
    // RMS over seeds: E[D²] ∝ 1/width at leading order (the NTK's variance at init).
    const ms = devs.reduce((a, b) => a + b * b, 0) / devs.length;
    const m = Math.sqrt(ms);
    const sdSq = Math.sqrt(devs.reduce((a, b) => a + (b * b - ms) ** 2, 0) / Math.max(devs.length - 1, 1));
    const se = sdSq / Math.sqrt(devs.length) / (2 * m); // delta method for √(mean D²)
    meanDeviation.push(m);
    seDeviation.push(se);
    ctx.record('mean', { width: n, method: 'measured', deviation: m, lo: m - se, hi: m + se });
  }
  const exponent = done.length >= 2 ? logLogFit(done, meanDeviation).slope : NaN;
  // Theory line C/√n through the geometric mean of the measurements.
  if (done.length) {
    const logC = done.reduce((a, n, i) => a + libm.log(meanDeviation[i] * Math.sqrt(n)), 0) / done.length;
    for (const n of widths) ctx.record('mean', { width: n, method: 'theory', deviation: libm.exp(logC) / Math.sqrt(n) });
  }
  let meanKernelDeviation = NaN, meanKernelSe = NaN;
  const last = results.filter((r): r is WidthCellResult => r !== null && r.kernel !== null);
  if (!interrupted && last.length === c.seeds) {
    const size = p.ntk.rows;
    const mean = mat(size, size);
    for (const r of last) for (let i = 0; i < mean.data.length; i++) mean.data[i] += r.kernel![i] / c.seeds;
    meanKernelDeviation = relFro(mean, p.ntk);
    // Standard error of the mean kernel, in the same relative Frobenius norm.
    const spread = last.reduce((a, r) => a + relFro({ rows: size, cols: size, data: r.kernel! }, mean) ** 2, 0);
    meanKernelSe = Math.sqrt(spread / Math.max(c.seeds - 1, 1) / c.seeds);
  }
  return { widths: done, meanDeviation, seDeviation, exponent, meanKernelDeviation, meanKernelSe, interrupted };
}

function regimeFor(c: WidthConvergenceConfig): RegimeCondition[] {
  const minW = Math.min(...c.widths);
  return [
    regimeCondition('depth / smallest width (finite-width corrections ∝ depth/width)', c.depth / minW, 'max', 0.1),
    regimeCondition('width range max/min', Math.max(...c.widths) / minW, 'min', 4),
  ];
}

function compare(c: WidthConvergenceConfig, r: WidthConvergenceResult, p: WidthConvergencePrediction) {
  const regime = regimeFor(c);
  const checks: Check[] = [];
  // Uncertainty of the exponent from the per-width standard errors (propagated to log D̄).
  const lw = r.widths.map(libm.log);
  const mx = lw.reduce((a, b) => a + b, 0) / Math.max(lw.length, 1);
  const sxx = lw.reduce((a, x) => a + (x - mx) ** 2, 0);
  const slopeSe = Math.sqrt(lw.reduce((a, x, i) => a + ((x - mx) / sxx) ** 2 * (r.seDeviation[i] / r.meanDeviation[i]) ** 2, 0));
  checks.push(numericCheck({
    name: 'empirical NTK → analytic NTK at rate width^{−½}',
    quantity: 'exponent a of RMS_seeds ‖Θ_emp − Θ_∞‖_F/‖Θ_∞‖_F ∝ width^a',
    predicted: p.exponent, measured: r.exponent, uncertainty: slopeSe,
    tolerance: { kind: 'abs', value: c.tolerance }, regime,
    note: `D̄ = ${r.meanDeviation.map((d) => d.toExponential(2)).join(', ')} at widths ${r.widths.join(', ')}`,
  }));
  if (Number.isFinite(r.meanKernelDeviation)) {
    const nMax = Math.max(...c.widths);
    checks.push(numericCheck({
      name: `seed-averaged empirical NTK at width ${nMax} has no systematic offset`,
      quantity: '‖mean_seeds Θ_emp − Θ_∞‖_F/‖Θ_∞‖_F (tolerance: 3 standard errors of the mean + 1/width)',
      predicted: 0, measured: r.meanKernelDeviation, uncertainty: r.meanKernelSe,
      tolerance: { kind: 'abs', value: 3 * r.meanKernelSe + 1 / nMax }, regime: [...regime, regimeCondition('seeds', c.seeds, 'min', 3)],
    }));
  }
  return { checks, regime, status: r.interrupted ? 'interrupted' as const : 'ok' as const };
}

function plots(): PlotSpec[] {
  return [
    { title: 'Empirical NTK deviation from the infinite-width NTK', caption: 'RMS over seeds of ‖Θ_emp − Θ_∞‖_F/‖Θ_∞‖_F (columns lo/hi: ∓ one standard error); dashed (method = theory): C/√width with C fitted.', kind: 'lines', series: 'mean', x: 'width', y: 'deviation', stroke: 'method', dashed: 'method', xType: 'log', yType: 'log', errorY: { lo: 'lo', hi: 'hi' }, lineStyles: { theory: { label: 'C/√width' } } },
    { title: 'Deviation per seed', caption: 'Dotted grey: reference slope −½ through the points.', kind: 'scatter', series: 'deviation', x: 'width', y: 'deviation', stroke: 'seed', xType: 'log', yType: 'log', slopes: [{ slope: -0.5 }] },
  ];
}

export const widthConvergenceExperiment: Experiment<WidthConvergenceConfig, WidthConvergenceResult, WidthConvergencePrediction> = {
  name: 'width-convergence',
  title: 'Empirical NTK converges to the analytic NTK as 1/√width',
  strand: '§2.1 / §1.2 linearized networks — the infinite-width limit of the NTK',
  description: 'Relative Frobenius deviation of the empirical NTK at init from the analytic (arc-cosine recursion) NTK, over widths and seeds; fitted exponent against −½, and no systematic offset of the seed average.',
  schema: widthConvergenceSchema,
  quick: { widths: [32, 64, 128, 256, 512, 1024], seeds: 8 },
  variants: [
    { label: 'erf network', config: { activation: 'erf', sigmaW2: 1.5, widths: [32, 64, 128, 256, 512, 1024], seeds: 8 }, expect: 'confirmed' },
    { label: 'narrow networks (depth/width not small)', config: { widths: [4, 8, 16, 32], seeds: 4 }, expect: 'out-of-regime' },
  ],
  predict,
  grid: { cells, cell, aggregate, cost: (_c, k: WidthCell) => k.width * k.width },
  compare,
  plots,
  summary: (_c, r) => ({ exponent: r.exponent, meanKernelDeviation: r.meanKernelDeviation, deviationAtLargestWidth: r.meanDeviation[r.meanDeviation.length - 1] }),
};
