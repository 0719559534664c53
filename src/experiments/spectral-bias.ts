/**
 * Experiment `spectral-bias`: spectral bias in time (paper §1.2, check-experiment E1.5).
 *
 * A one-hidden-layer ReLU MLP in NTK parameterization is trained by full-batch GD on
 * L = (1/2n)Σ(f − y)². The empirical NTK Gram matrix K₀ at init is eigendecomposed; the train
 * residual's component along each of the top eigenvectors should decay as (1 − ηλ_i/n)^k
 * (theory/linearized.ts). Checks the fitted per-step rate of each top direction against
 * −ln(1 − ηλ_i/n) (relative tolerance), the learning order (larger λ decays faster), and is out of
 * regime when the kernel moves: ‖K_T − K₀‖_F/‖K₀‖_F above a limit (small width). Per mode, the
 * first-order perturbation of the eigenbasis by ΔK = K_T − K₀ gives two more conditions: the rate
 * shift bound ‖ΔK‖_F/λ_i, and the leakage Σ_j |u_iᵀΔK u_j/(λ_i − λ_j)|·|c_j(0)/c_i(0)| of other
 * components into c_i (large for near-degenerate eigenvalues or a component that starts tiny);
 * a mode whose initial share |c_i(0)|/‖ρ₀‖ < 0.02 is not checked either.
 */
import { z } from 'zod';
import { Rng } from '../engine/rng.js';
import { tensor, type Tensor } from '../engine/tensor.js';
import { mseLoss, scale } from '../engine/ops.js';
import { flatten, unflatten } from '../engine/params.js';
import { objectiveFromLoss } from '../training/objective.js';
import { initMlp, mlpForward, type MlpSpec } from '../models/mlp.js';
import { empiricalNtk } from '../observables/ntk.js';
import { relativeChange } from '../observables/feature-learning.js';
import { fitDecayRate, flowModeRate, gdModeRate, gdResidualFactor, projectResidual, topKernelModes } from '../theory/linearized.js';
import { gradientDescent } from '../training/gd.js';
import type { Check, Experiment, PlotSpec, RegimeCondition, RunContext } from './types.js';
import { divergedChecks, exactCheck, numericCheck, regimeCondition } from './verdict.js';
import * as libm from '../engine/libm.js';

export const spectralBiasSchema = z.object({
  width: z.number().int().min(1).max(8192).default(2048).describe('hidden width m'),
  inputDim: z.number().int().min(1).max(64).default(4).describe('input dimension d (x ~ N(0, I_d))'),
  samples: z.number().int().min(4).max(256).default(48).describe('training inputs n'),
  modes: z.number().int().min(1).max(16).default(4).describe('top NTK eigendirections checked'),
  lrFraction: z.number().gt(0).max(1.9).default(0.1).describe('η = lrFraction · n/λ_max(K₀), i.e. ηλ_max/n'),
  decay: z.number().gt(0).max(20).default(4).describe('train until the slowest checked mode is predicted to fall by e^{−decay}'),
  maxSteps: z.number().int().min(10).max(200_000).default(20_000).describe('cap on GD steps'),
  rateTolerance: z.number().gt(0).max(1).default(0.05).describe('relative tolerance on each fitted decay rate'),
  kernelDriftLimit: z.number().gt(0).max(10).default(0.05).describe('regime: max ‖K_T − K₀‖_F/‖K₀‖_F (whole kernel) and max ‖K_T − K₀‖_F/λ_i (per checked mode)'),
  leakageLimit: z.number().gt(0).max(10).default(0.1).describe('regime: max first-order leakage of other modes into each checked one'),
  seed: z.number().int().min(0).max(2 ** 31).default(0).describe('random seed'),
});

export type SpectralBiasConfig = z.infer<typeof spectralBiasSchema>;

interface Setup {
  spec: MlpSpec;
  params: Tensor[];
  X: Tensor;
  Y: Tensor;
  y: Float64Array;
}

function setup(c: SpectralBiasConfig): Setup {
  const rng = new Rng(c.seed);
  const spec: MlpSpec = { widths: [c.inputDim, c.width, 1], activation: 'relu', parameterization: 'ntk', bias: true, sigmaB: 0.5 };
  const params = initMlp(spec, rng.split('init'));
  const rd = rng.split('data');
  const Xd = rd.normals(c.samples * c.inputDim);
  const beta = rd.normals(c.inputDim, 2 / Math.sqrt(c.inputDim));
  // A smooth nonlinear target: y = sin(βᵀx) + ½ (first coordinate)².
  const y = new Float64Array(c.samples);
  for (let r = 0; r < c.samples; r++) {
    let z = 0;
    for (let j = 0; j < c.inputDim; j++) z += beta[j] * Xd[r * c.inputDim + j];
    y[r] = libm.sin(z) + 0.5 * Xd[r * c.inputDim] ** 2;
  }
  return { spec, params, X: tensor(Xd, [c.samples, c.inputDim]), Y: tensor(Float64Array.from(y), [c.samples, 1]), y };
}

export interface SpectralBiasPrediction {
  lambdas: number[];
  lr: number;
  steps: number;
  /** GD rate −ln(1 − ηλ_i/n) and flow rate ηλ_i/n per checked mode. */
  gdRates: number[];
  flowRates: number[];
  /** Fit window per mode: steps until the predicted decay reaches e^{−decay}. */
  windows: number[];
}

function kernelAt(s: Setup, params: Tensor[]) {
  return empiricalNtk((ps, X) => mlpForward(s.spec, ps, X), params, s.X);
}

export function predictSpectralBias(c: SpectralBiasConfig): SpectralBiasPrediction {
  const s = setup(c);
  const K0 = kernelAt(s, s.params);
  const modes = topKernelModes(K0, c.modes);
  const n = c.samples;
  const lr = (c.lrFraction * n) / modes.lambdas[0];
  const gdRates = modes.lambdas.map((l) => gdModeRate(l, lr, n));
  const windows = gdRates.map((r) => Math.min(c.maxSteps, Math.ceil(c.decay / r)));
  return { lambdas: modes.lambdas, lr, steps: Math.max(...windows), gdRates, flowRates: modes.lambdas.map((l) => flowModeRate(l, lr, n)), windows };
}

export interface SpectralBiasResult {
  status: 'completed' | 'diverged' | 'interrupted';
  divergedAt?: number;
  rates: { rate: number; se: number }[];
  kernelDrift: number;
  /** ‖K_T − K₀‖_F (absolute). */
  kernelDriftAbs: number;
  /** Per checked mode: first-order rate shift |u_iᵀΔK u_i|/λ_i and leakage Σ_j |u_iᵀΔK u_j/(λ_i − λ_j)|·|c_j(0)/c_i(0)| (ΔK at the end of training). */
  rateShift: number[];
  leakage: number[];
  initialShare: number[];
}

async function runSpectralBias(c: SpectralBiasConfig, ctx: RunContext, p: SpectralBiasPrediction): Promise<SpectralBiasResult> {
  const s = setup(c);
  const K0 = kernelAt(s, s.params);
  const modes = topKernelModes(K0, c.modes);
  const obj = objectiveFromLoss((...ps: Tensor[]) => scale(mseLoss(mlpForward(s.spec, ps, s.X), s.Y), 0.5), s.params);
  const theta0 = flatten(s.params);
  const comps: number[][] = modes.lambdas.map(() => []);
  const every = Math.max(1, Math.floor(p.steps / 300));
  let c0: number[] = [], r0norm = 0;
  const res = gradientDescent(obj, theta0, {
    lr: p.lr, steps: p.steps, signal: ctx.signal, progress: (f) => ctx.progress(0.05 + 0.9 * f),
    onStep: (k, th) => {
      const f = mlpForward(s.spec, unflatten(th, s.params), s.X).data;
      const rho = Array.from(f, (v, i) => v - s.y[i]);
      const cs = projectResidual(modes, rho);
      if (k === 0) { c0 = cs; r0norm = Math.hypot(...rho); }
      cs.forEach((v, i) => comps[i].push(v));
      if (k % every === 0 || k === p.steps) {
        cs.forEach((v, i) => {
          ctx.record('residual', { step: k, mode: `${i + 1}: λ=${modes.lambdas[i].toPrecision(3)}`, c: Math.abs(v / c0[i]), kind: 'measured' });
          ctx.record('residual', { step: k, mode: `${i + 1}: λ=${modes.lambdas[i].toPrecision(3)}`, c: Math.abs(gdResidualFactor(modes.lambdas[i], p.lr, c.samples, k)), kind: 'theory' });
        });
      }
    },
  });
  const KT = kernelAt(s, unflatten(res.theta, s.params));
  const kernelDrift = relativeChange(K0, KT);
  let d2 = 0;
  for (let i = 0; i < K0.data.length; i++) d2 += (KT.data[i] - K0.data[i]) ** 2;
  // Perturbation of the eigenbasis by ΔK = K_T − K₀ (first order): the diagonal shifts each rate,
  // the off-diagonal rotates u_i towards u_j by u_iᵀΔK u_j/(λ_i − λ_j), leaking c_j into c_i.
  const all = topKernelModes(K0, c.samples);
  const n = c.samples;
  const dK = KT.data.map((v, i) => v - K0.data[i]);
  const dKu = all.vectors.map((u) => Array.from({ length: n }, (_, r) => { let t = 0; for (let q = 0; q < n; q++) t += dK[r * n + q] * u[q]; return t; }));
  const rho0 = Array.from(mlpForward(s.spec, s.params, s.X).data, (v, i) => v - s.y[i]);
  const cAll = projectResidual(all, rho0);
  const rateShift: number[] = [], leakage: number[] = [];
  modes.lambdas.forEach((l, i) => {
    const ui = all.vectors[i];
    const Mij = (j: number) => { let t = 0; for (let r = 0; r < n; r++) t += ui[r] * dKu[j][r]; return t; };
    rateShift.push(Math.abs(Mij(i)) / l);
    let leak = 0;
    for (let j = 0; j < n; j++) if (j !== i) leak += Math.abs(Mij(j) / (l - all.lambdas[j])) * Math.abs(cAll[j] / cAll[i]);
    leakage.push(leak);
  });
  const rates = comps.map((cs, i) => {
    const w = Math.min(p.windows[i], cs.length - 1);
    return fitDecayRate(Array.from({ length: w + 1 }, (_, k) => k), cs.slice(0, w + 1));
  });
  rates.forEach((r, i) => {
    ctx.record('rates', { lambda: modes.lambdas[i], rate: r.rate, kind: 'measured' });
    ctx.record('rates', { lambda: modes.lambdas[i], rate: p.gdRates[i], kind: 'theory' });
  });
  ctx.progress(1);
  return { status: res.status, divergedAt: res.divergedAt, rates, kernelDrift, kernelDriftAbs: Math.sqrt(d2), rateShift, leakage, initialShare: c0.map((v) => Math.abs(v) / r0norm) };
}

function compareSpectralBias(c: SpectralBiasConfig, r: SpectralBiasResult, p: SpectralBiasPrediction) {
  if (r.status === 'diverged') return { checks: divergedChecks(['residual decay rates'], r.divergedAt ?? -1), regime: [], status: 'diverged' as const };
  const drift = regimeCondition('NTK drift ‖K_T − K₀‖_F/‖K₀‖_F', r.kernelDrift, 'max', c.kernelDriftLimit);
  const regime: RegimeCondition[] = [drift];
  const usable: number[] = [];
  const checks: Check[] = p.lambdas.map((l, i) => {
    // A component that starts tiny is swamped by leakage from the others as soon as K moves.
    const share = regimeCondition(`mode ${i + 1}: initial residual share |c_i(0)|/‖ρ₀‖`, r.initialShare[i], 'min', 0.02);
    // First-order perturbation: the rate of mode i shifts by u_iᵀΔK u_i ≤ ‖ΔK‖₂ ≤ ‖ΔK‖_F, so the
    // relative rate error is bounded by ‖ΔK‖_F/λ_i: small eigenvalues leave the regime first.
    const modeDrift = regimeCondition(`mode ${i + 1}: NTK drift relative to λ_i, ‖K_T − K₀‖_F/λ_i`, r.kernelDriftAbs / l, 'max', c.kernelDriftLimit);
    const leak = regimeCondition(`mode ${i + 1}: leakage from other modes, Σ_j |u_iᵀΔK u_j/(λ_i − λ_j)|·|c_j(0)/c_i(0)|`, r.leakage[i], 'max', c.leakageLimit);
    regime.push(share, modeDrift, leak);
    if (share.ok && modeDrift.ok && leak.ok) usable.push(i);
    return numericCheck({
      name: `mode ${i + 1} (λ=${l.toPrecision(4)}) residual decay rate`,
      quantity: `per-step rate of |u_iᵀρ_k|, fitted over k ≤ ${p.windows[i]}; theory −ln(1 − ηλ_i/n) (flow ηλ_i/n = ${p.flowRates[i].toPrecision(4)})`,
      predicted: p.gdRates[i], measured: r.rates[i].rate, uncertainty: r.rates[i].se,
      tolerance: { kind: 'rel', value: c.rateTolerance }, regime: [drift, modeDrift, share, leak],
    });
  });
  // Learning order among the modes whose own regime conditions hold.
  const measuredOrder = usable.slice().sort((a, b) => r.rates[b].rate - r.rates[a].rate || a - b);
  const distinct = usable.every((i, k) => k === 0 || p.lambdas[i] < p.lambdas[usable[k - 1]] * (1 - 2 * c.rateTolerance));
  checks.push(exactCheck({
    name: 'spectral bias: larger-λ directions are fitted faster', quantity: `modes (of those in regime: ${usable.map((i) => i + 1).join(', ') || 'none'}) ordered by fitted decay rate`,
    predicted: usable.map((i) => i + 1), measured: measuredOrder.map((i) => i + 1),
    regime: [drift, regimeCondition('modes in regime for the order check', usable.length, 'min', 2),
      regimeCondition('eigenvalue gaps > 2·rateTolerance (resolvable order): 1 if so', distinct ? 1 : 0, 'min', 1)],
  }));
  return { checks, regime, status: r.status === 'interrupted' ? 'interrupted' as const : 'ok' as const, note: `η = ${p.lr.toPrecision(4)}, ${p.steps} steps, kernel drift ${r.kernelDrift.toExponential(2)}` };
}

function spectralBiasPlots(): PlotSpec[] {
  return [
    { title: 'Residual along the top NTK eigendirections, |u_iᵀρ_k| / |u_iᵀρ₀|', caption: 'Solid: GD on the network; dashed: (1 − ηλ_i/n)^k from the NTK at init. Larger λ decays first (spectral bias). Lower panel: |measured − theory|.', kind: 'lines', series: 'residual', x: 'step', y: 'c', stroke: 'mode', dashed: 'kind', yType: 'log', lineStyles: { measured: { label: 'GD on the network' }, theory: { label: '(1 − ηλ_i/n)^k' } }, residual: { label: '|c − theory|' } },
    { title: 'Fitted decay rate vs NTK eigenvalue', caption: 'Theory (dashed): −ln(1 − ηλ/n) ≈ ηλ/n.', kind: 'scatter', series: 'rates', x: 'lambda', xLabel: 'NTK eigenvalue λ', y: 'rate', stroke: 'kind', dashed: 'kind', xType: 'log', yType: 'log' },
  ];
}

export const spectralBiasExperiment: Experiment<SpectralBiasConfig, SpectralBiasResult, SpectralBiasPrediction> = {
  name: 'spectral-bias',
  title: 'Spectral bias in time: residual decay along NTK eigendirections',
  strand: '§1.2 linearized networks / NTK (check-experiment E1.5)',
  description: 'Wide NTK-parameterized ReLU MLP, full-batch GD on (1/2n)Σ(f−y)²: the residual along the i-th eigenvector of the empirical NTK at init decays as (1 − ηλ_i/n)^k; out of regime when the kernel moves.',
  schema: spectralBiasSchema,
  quick: {}, // the default (m = 2048, n = 48, 4 modes) runs in about a second
  variants: [
    { label: 'narrow network (kernel moves)', config: { width: 8, samples: 32, modes: 3, lrFraction: 0.5 }, expect: 'out-of-regime' },
  ],
  predict: predictSpectralBias,
  run: runSpectralBias,
  summary: (_c, r) => ({ kernelDrift: r.kernelDrift, topModeRate: r.rates[0]?.rate ?? NaN, maxRateShift: Math.max(0, ...r.rateShift) }),
  compare: compareSpectralBias,
  plots: spectralBiasPlots,
};
