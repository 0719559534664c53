/**
 * Experiment `edge-of-stability`: progressive sharpening and the 2/η plateau (paper §2.3, Fig. 4;
 * Cohen et al. 2021), on a small MLP trained by full-batch GD on an MNIST subset (or on the user's
 * own data, `--data file.csv|file.npy`: src/data/user-data.ts; nothing below assumes a distribution).
 *
 * For each η in {lr·s : s ∈ lrScales} we train from the same init, measure the sharpness
 * S = λ_max(∇²L) every `sharpnessEvery` steps (Lanczos on exact Hessian-vector products,
 * warm-started from the previous top eigenvector), and the loss at every step. Then:
 *   (a) progressive sharpening: from its lowest value below the threshold, S rises (×≥1.05)
 *       before reaching 2/η;
 *   (b) plateau: averaged over the plateau window, S·η/2 lies in [1 − band, 1 + band];
 *   (c) the loss keeps falling over long windows (mean over the last fifth of the post-threshold
 *       span < mean over its first fifth) …
 *   (d) … but not monotonically (a fraction ≥ 1% of post-threshold steps raise the loss), while
 *       (e) below the threshold GD decreases the loss at (nearly) every step (≤ 1% rises);
 *   (f) control: gradient flow (RK4, step 0.9/S re-chosen at every sharpness measurement)
 *       from the same init has no threshold and sharpens past 2/η of the largest η (×≥1.1).
 *
 * Threshold crossing and plateau window (stated tolerances):
 *   - S_low: the first sharpness measurement below crossFraction·2/η (default 0.9). Runs that
 *     start above 2/η (the initial transient falls under it) count from there.
 *   - crossing step t_c: the first measurement after S_low with S ≥ crossFraction·2/η.
 *   - reached: some measurement after S_low has S·η/2 ≥ reachFraction (default 0.98); runs
 *     whose sharpening stalls below that (seen at η = 0.21: S saturates at 0.905·2/η while
 *     the loss converges) are out of regime for (b)–(d), not evidence for or against them.
 *   - plateau window: measurements at steps ≥ t_c + burnIn·(T − t_c) (default burnIn ½, which
 *     drops the overshoot right after t_c); needs ≥ 5 measurements.
 * Regime: the run must start or fall below the threshold, reach it within the budget, and not
 * diverge; otherwise the affected checks are out of regime, never falsified.
 *
 * Further observables (recorded and plotted, not checked):
 *   - per-layer sharpness: every `perLayerEvery` steps, the top eigenvalue of each parameter
 *     block's Hessian H_bb (W1, b1, W2, …; u ↦ [H·embed_b(u)]_b, Lanczos warm-started per block).
 *     H_bb is a principal submatrix of H, so by Cauchy interlacing λ_max(H_bb) ≤ λ_max(H) = S.
 *   - spectral density of the full Hessian for the largest η, by stochastic Lanczos quadrature
 *     (src/observables/hessian.ts) at chosen steps — by default at step 0, at the threshold
 *     crossing t_c (found online by the rule above; mid-run if there is none) and at the end —
 *     Gaussian-broadened on one grid with one σ (1% of the joint Ritz range), so each curve
 *     integrates to 1.
 *
 * Grid: one cell per η (each rebuilds the data and the shared init from the seed); the cell of the
 * largest η also measures S(θ₀) and runs the flow control, whose rows are replayed after every
 * GD run's rows, so each series keeps the order of one sequential run.
 */
import { z } from 'zod';
import { zeros } from '../engine/tensor.js';
import { unflatten } from '../engine/params.js';
import type { MlpSpec } from '../models/mlp.js';
import { checkDataConfig, loadTrainingSet, userDataFields, type DataSummary } from '../data/user-data.js';
import { blockSharpnessTracker, densityRows, densitySnapshot, mlpBlocks, sharpnessTracker, type DensitySnapshot } from '../observables/trackers.js';
import { mlpProblem, type MlpProblem } from '../training/problem.js';
import type { ParamBlock } from '../observables/hessian.js';
import { stabilityThreshold } from '../theory/edge-of-stability.js';
import { gradientDescent } from '../training/gd.js';
import { gradientFlow } from '../training/flow.js';
import type { Check, Experiment, ModelArtifact, PlotSpec, RegimeCondition, RunContext } from './types.js';
import { divergedChecks, fmt, numericCheck, regimeCondition } from './verdict.js';

export const eosSchema = z.object({
  // data: 'mnist' | 'synthetic' | a .csv/.npy file; labels, task, center: for a file (src/data/user-data.ts).
  ...userDataFields,
  samples: z.number().int().min(20).max(10_000).default(500).describe('training examples n (balanced over classes)'),
  pool: z.number().int().min(1).max(14).default(4).describe('average-pooling factor: 28×28 → (28/pool)²; must divide 28'),
  classes: z.number().int().min(2).max(10).default(10).describe('digits 0..classes−1'),
  width: z.number().int().min(2).max(256).default(32).describe('hidden width'),
  depth: z.number().int().min(1).max(4).default(2).describe('number of hidden layers'),
  activation: z.enum(['tanh', 'relu']).default('tanh').describe('hidden nonlinearity'),
  loss: z.enum(['mse', 'ce']).default('mse').describe('½·mean squared error on one-hot targets, or softmax cross-entropy'),
  lr: z.number().gt(0).max(20).default(0.3).describe('largest GD learning rate η (threshold 2/η)'),
  lrScales: z.array(z.number().gt(0).max(1)).min(1).max(6).default([1, 0.9, 0.8]).describe('further η as multiples of lr'),
  steps: z.number().int().min(10).max(100_000).default(3000).describe('GD steps per η'),
  sharpnessEvery: z.number().int().min(1).max(10_000).default(50).describe('measure the sharpness every k steps'),
  lanczosTol: z.number().gt(0).max(0.1).default(1e-3).describe('relative residual tolerance of the Lanczos top eigenvalue'),
  band: z.number().gt(0).max(1).default(0.1).describe('plateau tolerance: mean S·η/2 ∈ [1 − band, 1 + band]'),
  crossFraction: z.number().gt(0).max(1).default(0.9).describe('the edge phase starts when S ≥ crossFraction·2/η (start of the post-threshold span)'),
  reachFraction: z.number().gt(0).max(1.5).default(0.98).describe('regime: the run counts as having reached 2/η only if some S·η/2 ≥ reachFraction'),
  burnIn: z.number().min(0).max(0.9).default(0.5).describe('fraction of the post-threshold span dropped before the plateau average'),
  flowControl: z.boolean().default(true).describe('gradient-flow control (RK4, dt = flowDt/S) for the largest η'),
  flowDt: z.number().gt(0).max(1).default(0.9).describe('RK4 step of the flow control as a fraction of 1/S (S re-measured every sharpnessEvery·η of time)'),
  flowStop: z.number().min(1).max(10).default(1.15).describe('stop the flow once S ≥ flowStop·2/η (past GD’s crossing time)'),
  perLayerEvery: z.number().int().min(0).max(100_000).default(100).describe('top Hessian eigenvalue of each parameter block (W1, b1, W2, …) every k GD steps (0 = off)'),
  densityProbes: z.number().int().min(0).max(64).default(6).describe('random probes of the SLQ spectral density of the full Hessian, largest η only (0 = off)'),
  densityLanczos: z.number().int().min(2).max(300).default(60).describe('Lanczos steps (quadrature nodes) per density probe'),
  densitySteps: z.array(z.number().int().min(0).max(100_000)).max(8).default([]).describe('GD steps at which to take the density; empty = auto: step 0, the threshold crossing (mid-run if none) and the end'),
  seed: z.number().int().min(0).max(2 ** 31).default(0).describe('random seed (data subset and init)'),
});

export type EosConfig = z.infer<typeof eosSchema>;

/** Densities below this are drawn at it on the log-scale plot (the recorded `density` is exact). */
const DENSITY_FLOOR = 1e-5;

export function learningRates(c: { lr: number; lrScales: number[] }): number[] {
  return [...new Set(c.lrScales.map((s) => c.lr * s))].sort((a, b) => b - a);
}

export function etaLabel(lr: number): string {
  return `η=${Number(lr.toPrecision(3))}`;
}

export interface EosPrediction {
  lrs: number[];
  thresholds: number[];
  band: [number, number];
}

function predictEos(c: EosConfig): EosPrediction {
  if (28 % c.pool !== 0) throw new RangeError(`pool: must divide 28 (1, 2, 4, 7, 14), got ${c.pool}`);
  // The 2/η threshold is a property of GD on any twice-differentiable loss, so any data set
  // keeps the prediction meaningful; regression targets need the MSE loss.
  checkDataConfig(c);
  const lrs = learningRates(c);
  return { lrs, thresholds: lrs.map(stabilityThreshold), band: [1 - c.band, 1 + c.band] };
}

// ---------------------------------------------------------------------------------------
// Trace analysis (pure; tested on synthetic traces).

export interface SharpnessTrace {
  lr: number;
  /** Steps at which the sharpness was measured, ascending, and the values. */
  steps: number[];
  sharpness: number[];
  /** Loss at every step 0..lastStep. */
  loss: ArrayLike<number>;
  lastStep: number;
}

export interface EosAnalysis {
  threshold: number;
  /** First measurement below crossFraction·2/η (−1 if none) and its value. */
  lowStep: number;
  sLow: number;
  /** First measurement at or above crossFraction·2/η after lowStep (−1 if none). */
  crossStep: number;
  sCross: number;
  /** max S·η/2 over the run after lowStep. */
  maxRatio: number;
  /** Lowest S from lowStep to the crossing (or the end), and its step. */
  sMin: number;
  minStep: number;
  /** S at the crossing (or at the end, if never crossed) over sMin. */
  sharpeningFactor: number;
  plateauFrom: number;
  plateauCount: number;
  plateauMean: number;
  /** Standard error of the plateau mean by batch means (≤ 5 batches). */
  plateauSe: number;
  /** Mean loss over the last fifth over the first fifth of [crossStep, lastStep]. */
  lossRatio: number;
  /** Fraction of steps t → t+1 in [crossStep, lastStep] whose loss rose. */
  riseFractionEos: number;
  /** Same over [lowStep, crossStep) — below the threshold. */
  riseFractionStable: number;
  stableSteps: number;
  postSteps: number;
}

function meanOf(a: ArrayLike<number>, from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i++) s += a[i];
  return s / Math.max(1, to - from);
}

function riseFraction(loss: ArrayLike<number>, from: number, to: number): number {
  let rises = 0, n = 0;
  for (let t = from; t < to && t + 1 < loss.length; t++, n++) if (loss[t + 1] > loss[t]) rises++;
  return n ? rises / n : NaN;
}

export function analyzeTrace(tr: SharpnessTrace, opts: { crossFraction: number; burnIn: number }): EosAnalysis {
  const threshold = stabilityThreshold(tr.lr);
  const level = opts.crossFraction * threshold;
  const iLow = tr.sharpness.findIndex((s) => s < level);
  let iCross = -1;
  if (iLow >= 0) for (let i = iLow + 1; i < tr.sharpness.length; i++) if (tr.sharpness[i] >= level) { iCross = i; break; }
  const lowStep = iLow >= 0 ? tr.steps[iLow] : -1;
  const sLow = iLow >= 0 ? tr.sharpness[iLow] : NaN;
  const crossStep = iCross >= 0 ? tr.steps[iCross] : -1;
  const after = iLow >= 0 ? tr.sharpness.slice(iLow) : [];
  const maxRatio = after.length ? Math.max(...after) / threshold : NaN;
  const sCross = iCross >= 0 ? tr.sharpness[iCross] : NaN;
  // Progressive sharpening: from the lowest S between the first sub-threshold measurement and
  // the crossing (or the end) up to the crossing (or the end).
  const iEnd = iCross >= 0 ? iCross : tr.sharpness.length - 1;
  const sMin = iLow >= 0 ? Math.min(...tr.sharpness.slice(iLow, iEnd + 1)) : NaN;
  const minStep = iLow >= 0 ? tr.steps[iLow + tr.sharpness.slice(iLow, iEnd + 1).indexOf(sMin)] : -1;
  const sharpeningFactor = iLow < 0 ? NaN : tr.sharpness[iEnd] / sMin;
  let plateauFrom = -1, plateau: number[] = [];
  if (crossStep >= 0) {
    plateauFrom = crossStep + opts.burnIn * (tr.lastStep - crossStep);
    plateau = tr.sharpness.filter((_, i) => tr.steps[i] >= plateauFrom).map((s) => s / threshold);
  }
  const plateauMean = plateau.length ? plateau.reduce((a, b) => a + b, 0) / plateau.length : NaN;
  let plateauSe = NaN;
  if (plateau.length >= 2) {
    const B = Math.min(5, plateau.length);
    const means: number[] = [];
    for (let b = 0; b < B; b++) {
      const lo = Math.floor((b * plateau.length) / B), hi = Math.floor(((b + 1) * plateau.length) / B);
      means.push(meanOf(plateau, lo, hi));
    }
    const m = means.reduce((a, x) => a + x, 0) / B;
    plateauSe = Math.sqrt(means.reduce((a, x) => a + (x - m) ** 2, 0) / (B - 1) / B);
  }
  let lossRatio = NaN, riseFractionEos = NaN, postSteps = 0;
  const last = Math.min(tr.lastStep, tr.loss.length - 1);
  if (crossStep >= 0) {
    postSteps = last - crossStep;
    const fifth = Math.max(1, Math.floor((postSteps + 1) / 5));
    lossRatio = meanOf(tr.loss, last + 1 - fifth, last + 1) / meanOf(tr.loss, crossStep, crossStep + fifth);
    riseFractionEos = riseFraction(tr.loss, crossStep, last);
  }
  const stableEnd = crossStep >= 0 ? crossStep : last;
  const riseFractionStable = lowStep >= 0 ? riseFraction(tr.loss, lowStep, stableEnd) : NaN;
  return {
    threshold, lowStep, sLow, crossStep, sCross, maxRatio, sMin, minStep, sharpeningFactor, plateauFrom, plateauCount: plateau.length,
    plateauMean, plateauSe, lossRatio, riseFractionEos, riseFractionStable, stableSteps: lowStep >= 0 ? stableEnd - lowStep : 0, postSteps,
  };
}

export interface FlowControl {
  lr: number;
  /** Time (and GD-equivalent step t/η) reached, and S along the way. */
  times: number[];
  sharpness: number[];
  maxRatio: number;
  status: string;
  gradients: number;
}

/** Checks from analysed traces (pure: the verdict logic, tested on synthetic traces). */
export function eosChecks(
  c: Pick<EosConfig, 'band' | 'crossFraction' | 'burnIn'> & { reachFraction?: number; activation?: EosConfig['activation'] },
  runs: { lr: number; status: string; divergedAt?: number; analysis?: EosAnalysis }[],
  flow?: FlowControl,
): { checks: Check[]; regime: RegimeCondition[] } {
  const checks: Check[] = [];
  const regime: RegimeCondition[] = [];
  const names = (lab: string) => [`${lab} progressive sharpening`, `${lab} sharpness plateau at 2/η`, `${lab} loss falls over long windows`, `${lab} loss non-monotone at the edge`, `${lab} loss monotone below the threshold`];
  for (const r of runs) {
    const lab = etaLabel(r.lr);
    if (r.status === 'diverged' || !r.analysis) {
      checks.push(...divergedChecks(names(lab), r.divergedAt ?? -1));
      continue;
    }
    const a = r.analysis;
    const below = regimeCondition(`${lab}: lowest S·η/2 after the start (run must start or fall below ${c.crossFraction})`, a.lowStep >= 0 ? a.sLow / a.threshold : Infinity, 'max', c.crossFraction);
    // Reaching 0.9·2/η is not enough: S can saturate on its own just below 2/η (sharpening
    // stalls as the loss converges), which is not the edge of stability.
    const reached = regimeCondition(`${lab}: max S·η/2 after the low point (threshold reached within the budget)`, a.maxRatio, 'min', c.reachFraction ?? 0.98);
    const window = regimeCondition(`${lab}: sharpness measurements in the plateau window`, a.plateauCount, 'min', 5);
    const stableSpan = regimeCondition(`${lab}: GD steps below the threshold`, a.stableSteps, 'min', 20);
    // Monotone descent below 2/η is the descent lemma of the local quadratic model: it needs a
    // twice-differentiable loss. ReLU kinks are invisible to the Hessian, so it does not apply.
    const smooth = regimeCondition('loss twice differentiable (1 = tanh; 0 = ReLU, whose kinks the Hessian misses)', c.activation === 'relu' ? 0 : 1, 'min', 1);
    regime.push(below, reached, window);
    checks.push(numericCheck({
      name: `${lab} progressive sharpening`,
      quantity: 'S at the threshold crossing (or at the end) / its minimum below the threshold; theory: S rises under GD (> 1; accepted ≥ 1.05)',
      predicted: 1.05, measured: a.sharpeningFactor, tolerance: { kind: 'range', lo: 1.05, hi: Infinity }, regime: [below],
      note: a.crossStep >= 0 ? `S from ${fmt(a.sMin)} (step ${a.minStep}) to ${fmt(a.sCross)} at step ${a.crossStep}; 2/η = ${fmt(a.threshold)}` : `threshold ${fmt(a.threshold)} not reached; S from ${fmt(a.sMin)} (step ${a.minStep}) to ${fmt(a.sMin * a.sharpeningFactor)} at the end`,
    }));
    checks.push(numericCheck({
      name: `${lab} sharpness plateau at 2/η`,
      quantity: `mean of S·η/2 over the plateau window (steps ≥ ${a.plateauFrom >= 0 ? Math.round(a.plateauFrom) : '—'}, ${a.plateauCount} measurements)`,
      predicted: 1, measured: a.plateauMean, uncertainty: a.plateauSe,
      tolerance: { kind: 'range', lo: 1 - c.band, hi: 1 + c.band }, regime: [below, reached, window],
      note: `2/η = ${fmt(a.threshold)}; mean plateau S = ${fmt(a.plateauMean * a.threshold)}; overshoot max S·η/2 = ${fmt(a.maxRatio)}`,
    }));
    checks.push(numericCheck({
      name: `${lab} loss falls over long windows`,
      quantity: 'mean loss over the last fifth / first fifth of the post-threshold span (< 1)',
      predicted: 0, measured: a.lossRatio, tolerance: { kind: 'range', lo: 0, hi: 0.999 }, regime: [below, reached],
    }));
    checks.push(numericCheck({
      name: `${lab} loss non-monotone at the edge`,
      quantity: 'fraction of post-threshold GD steps that raise the loss (theory: > 0; accepted ≥ 0.01)',
      predicted: 0.01, measured: a.riseFractionEos, tolerance: { kind: 'range', lo: 0.01, hi: 1 }, regime: [below, reached],
    }));
    checks.push(numericCheck({
      name: `${lab} loss monotone below the threshold`,
      quantity: 'fraction of GD steps with S < 2/η (from the first sub-threshold measurement to the crossing) that raise the loss (≤ 0.01)',
      predicted: 0, measured: a.riseFractionStable, tolerance: { kind: 'range', lo: 0, hi: 0.01 }, regime: [below, stableSpan, smooth],
    }));
  }
  if (flow) {
    const gdRun = runs.find((r) => r.lr === flow.lr);
    const gdReached = gdRun?.analysis && gdRun.analysis.crossStep >= 0 && gdRun.analysis.maxRatio >= (c.reachFraction ?? 0.98) ? 1 : 0;
    const flowRegime = [
      regimeCondition('flow control: the GD run at the same η reached its threshold', gdReached, 'min', 1),
      regimeCondition('flow control: completed (0 = interrupted or diverged)', flow.status === 'completed' ? 1 : 0, 'min', 1),
    ];
    checks.push(numericCheck({
      name: `control: gradient flow sharpens past 2/η (${etaLabel(flow.lr)})`,
      quantity: 'max S·η/2 along RK4 gradient flow from the same init, after GD’s crossing time (theory: no threshold; accepted ≥ 1.1)',
      predicted: 1.1, measured: flow.maxRatio, tolerance: { kind: 'range', lo: 1.1, hi: Infinity }, regime: flowRegime,
      note: `flow to t = ${fmt(flow.times[flow.times.length - 1])} (= ${fmt(flow.times[flow.times.length - 1] / flow.lr)} GD steps of η), ${flow.gradients} gradients`,
    }));
  }
  return { checks, regime };
}

// ---------------------------------------------------------------------------------------
// Run.

export interface EosRun {
  lr: number;
  status: string;
  divergedAt?: number;
  trace: SharpnessTrace;
  analysis?: EosAnalysis;
  hvps: number;
  /** Parameters θ at the end of the run, flat (for the checkpoint artifact). */
  theta: number[];
  /** HVPs spent on per-block eigenvalues and on densities. */
  perLayerHvps?: number;
  density?: DensitySnapshot[];
}

/** Optional extra observables along a GD run. */
export interface GdExtras {
  /** Per-block top eigenvalues every `every` steps (and at the end) into series 'perLayer'. */
  perLayer?: { every: number; blocks: ParamBlock[] };
  /**
   * SLQ densities into series 'density' at `steps`, or 'auto': step 0, the first measurement
   * with S ≥ crossFraction·2/η after one below it (analyzeTrace's crossing; mid-run if none), the end.
   */
  density?: { steps: number[] | 'auto'; probes: number; lanczos: number; crossFraction: number; seed: number };
}

export interface EosResult {
  dataset: string;
  /** The user's data file (source, shape, SHA-256), when the run trained on one. */
  data?: DataSummary;
  /** The trained problem, kept for checkpoints as plain data: model spec, parameter shapes, data rows. */
  model: { spec: MlpSpec; shapes: number[][]; X: number[]; Y: number[]; n: number; d: number; classes: number };
  parameters: number;
  sharpness0: number;
  runs: EosRun[];
  flow?: FlowControl;
  /** GD runs (grid cells) that did not run: interrupted. */
  missing?: number;
}

/** Full-batch GD at step lr with sharpness every k steps; records loss and sharpness rows. */
export function gdWithSharpness(
  prob: MlpProblem, lr: number, steps: number, every: number, tol: number, ctx: RunContext, progress: (f: number) => void,
  series = { loss: 'loss', sharpness: 'sharpness' },
  extras: GdExtras = {},
): EosRun {
  const dim = prob.objective.dim;
  const tracker = sharpnessTracker(prob.hvp, dim, tol);
  const lab = etaLabel(lr);
  const loss = new Float64Array(steps + 1).fill(NaN);
  const sSteps: number[] = [], sVals: number[] = [];
  const recEvery = Math.max(1, Math.ceil(steps / 1000));
  const pl = extras.perLayer && extras.perLayer.every > 0 ? extras.perLayer : undefined;
  const blockTracker = pl ? blockSharpnessTracker(prob.hvp, dim, pl.blocks, tol) : undefined;
  const dens = extras.density && extras.density.probes > 0 ? extras.density : undefined;
  const snaps: DensitySnapshot[] = [];
  const snap = (th: Float64Array, k: number, label: string) => {
    if (dens && !ctx.signal.aborted) snaps.push(densitySnapshot((v) => prob.hvp(th, v), dim, k, label, dens));
  };
  const auto = dens?.steps === 'auto';
  const wanted = new Set(dens && dens.steps !== 'auto' ? dens.steps.filter((k) => k <= steps) : []);
  const level = dens ? dens.crossFraction * stabilityThreshold(lr) : Infinity;
  let seenLow = false, crossed = false;
  const mid = Math.floor(steps / 2);
  let thetaMid: Float64Array | undefined;
  let s = NaN;
  const res = gradientDescent(prob.objective, prob.theta0, {
    lr, steps, signal: ctx.signal, progress,
    onStep: (k, th, L) => {
      loss[k] = L;
      if (k % recEvery === 0 || k === steps) ctx.record(series.loss, { eta: lab, lr, step: k, loss: L, method: 'GD' });
      const measured = k % every === 0 || k === steps;
      if (measured) {
        s = tracker.measure(th);
        sSteps.push(k); sVals.push(s);
        ctx.record(series.sharpness, { eta: lab, lr, step: k, sharpness: s, ratio: (s * lr) / 2, method: 'GD' });
      }
      if (blockTracker && (k % pl!.every === 0 || k === steps)) {
        const full = measured ? s : tracker.measure(th);
        blockTracker.measure(th).forEach((value, i) => {
          ctx.record('perLayer', { eta: lab, lr, step: k, block: blockTracker.blocks[i].name, lambda: value, ratio: (value * lr) / 2, method: 'GD' });
        });
        ctx.record('perLayer', { eta: lab, lr, step: k, block: 'S = λ_max(H)', lambda: full, ratio: (full * lr) / 2, method: 'GD' });
      }
      if (!dens) return;
      if (!auto) {
        if (wanted.has(k)) snap(th, k, `step ${k}`);
        return;
      }
      if (k === 0) snap(th, 0, `1: init (step 0)`);
      if (measured && !crossed) {
        if (!seenLow) seenLow = s < level;
        else if (s >= level) { crossed = true; snap(th, k, `2: crossing (step ${k})`); }
      }
      if (k === mid && !crossed) thetaMid = Float64Array.from(th);
      if (k === steps) {
        if (!crossed && thetaMid) { const t = thetaMid; snap(t, mid, `2: mid-run, no crossing (step ${mid})`); }
        snap(th, k, `3: end (step ${k})`);
      }
    },
  });
  const lastStep = res.status === 'completed' ? steps : Math.max(0, res.steps - 1);
  if (snaps.length) {
    snaps.sort((a, b) => a.step - b.step);
    for (const r of densityRows(snaps)) {
      ctx.record('density', { eta: lab, lr, step: r.step, label: r.label, eigenvalue: r.x, density: r.density, 'density (floored)': Math.max(r.density, DENSITY_FLOOR) });
    }
  }
  return {
    lr, status: res.status, ...(res.divergedAt !== undefined ? { divergedAt: res.divergedAt } : {}),
    trace: { lr, steps: sSteps, sharpness: sVals, loss: loss.subarray(0, lastStep + 1), lastStep },
    hvps: tracker.hvps,
    theta: Array.from(res.theta),
    ...(blockTracker ? { perLayerHvps: blockTracker.hvps } : {}),
    ...(snaps.length ? { density: snaps } : {}),
  };
}

/**
 * Gradient-flow control: RK4 from θ0 with dt = opts.dt/S (below 1/S), S re-measured every `every`·η of time;
 * stops at t = lr·steps, or once S ≥ stop·2/η and t ≥ tMin.
 */
export function flowWithSharpness(
  prob: MlpProblem, lr: number, opts: { steps: number; every: number; tol: number; stop: number; tMin: number; dt: number }, ctx: RunContext, progress: (f: number) => void,
): FlowControl {
  const tracker = sharpnessTracker(prob.hvp, prob.objective.dim, opts.tol, 1);
  const lab = `flow (${etaLabel(lr)} clock)`;
  const threshold = stabilityThreshold(lr);
  const T = lr * opts.steps, chunk = lr * opts.every;
  let theta = Float64Array.from(prob.theta0);
  let t = 0, gradients = 0, status = 'completed', maxRatio = 0;
  const times: number[] = [], vals: number[] = [];
  let counting = false;
  for (;;) {
    const s = tracker.measure(theta);
    times.push(t); vals.push(s);
    ctx.record('sharpness', { eta: lab, lr, step: t / lr, sharpness: s, ratio: s / threshold, method: 'flow' });
    if (t >= opts.tMin) counting = true;
    if (counting) maxRatio = Math.max(maxRatio, s / threshold);
    if (t >= T - 1e-12 || (counting && s >= opts.stop * threshold)) break;
    if (ctx.signal.aborted) { status = 'interrupted'; break; }
    const dt = Math.min(opts.dt / Math.max(s, 1e-12), chunk);
    const span = Math.min(chunk, T - t);
    const r = gradientFlow(prob.objective, theta, { dt, tEnd: span, signal: ctx.signal });
    gradients += 4 * r.steps + 1;
    if (r.status !== 'completed') { status = r.status; break; }
    theta = Float64Array.from(r.theta);
    t += span;
    ctx.record('loss', { eta: lab, lr, step: t / lr, loss: r.finalLoss, method: 'flow' });
    progress(Math.min(1, t / T));
  }
  return { lr, times, sharpness: vals, maxRatio, status, gradients };
}

/** One cell: GD at η = lrs[i] from the shared init; the cell of the largest η (i = 0) also runs the flow control. */
interface EosCell { i: number; lr: number }

/** A cell's result: the GD run and the trained problem's data; cell 0 adds S(θ₀) and the flow. */
interface EosCellResult {
  run: EosRun;
  dataset: string;
  data?: DataSummary;
  model: EosResult['model'];
  parameters: number;
  sharpness0?: number;
  flow?: FlowControl;
  /** Rows the flow recorded, replayed after every GD run's rows (so each series keeps its order). */
  flowRows?: [string, Record<string, number | string>][];
}

function eosCells(c: EosConfig, p: EosPrediction): EosCell[] {
  return p.lrs.map((lr, i) => ({ i, lr }));
}

async function eosCell(c: EosConfig, { i, lr }: EosCell, ctx: RunContext, p: EosPrediction): Promise<EosCellResult> {
  const { ds, data } = await loadTrainingSet(c);
  const prob = mlpProblem(ds, { ...c, seed: c.seed });
  const s0 = i === 0 ? sharpnessTracker(prob.hvp, prob.objective.dim, c.lanczosTol).measure(prob.theta0) : NaN;
  if (i === 0) {
    // The theory lines of every η open their series, as they did when the runs were one loop.
    for (const [k, eta] of p.lrs.entries()) {
      for (const step of [0, c.steps]) ctx.record('sharpness', { eta: etaLabel(eta), lr: eta, step, sharpness: p.thresholds[k], ratio: 1, method: 'theory' });
      if (c.perLayerEvery > 0) for (const step of [0, c.steps]) ctx.record('perLayer', { eta: etaLabel(eta), lr: eta, step, block: '2/η', lambda: p.thresholds[k], ratio: 1, method: 'theory' });
    }
  }
  const extras: GdExtras = {
    ...(c.perLayerEvery > 0 ? { perLayer: { every: c.perLayerEvery, blocks: mlpBlocks(prob.like) } } : {}),
    ...(i === 0 && c.densityProbes > 0 ? {
      density: { steps: c.densitySteps.length ? c.densitySteps : 'auto' as const, probes: c.densityProbes, lanczos: c.densityLanczos, crossFraction: c.crossFraction, seed: c.seed },
    } : {}),
  };
  const share = i === 0 && c.flowControl ? 1 / 3 : 1;
  const run = gdWithSharpness(prob, lr, c.steps, c.sharpnessEvery, c.lanczosTol, ctx, (f) => ctx.progress(share * f), undefined, extras);
  if (run.status !== 'diverged') run.analysis = analyzeTrace(run.trace, c);
  const out: EosCellResult = {
    run, dataset: ds.description, ...(data ? { data } : {}), parameters: prob.objective.dim,
    model: { spec: prob.spec, shapes: prob.like.map((t) => t.shape.slice()), X: Array.from(ds.X), Y: Array.from(ds.Y), n: ds.n, d: ds.d, classes: ds.classes },
  };
  if (i !== 0) return out;
  out.sharpness0 = s0;
  if (c.flowControl && !ctx.signal.aborted) {
    const reached = !!run.analysis && run.analysis.crossStep >= 0 && run.analysis.maxRatio >= c.reachFraction;
    const tMin = reached ? run.lr * run.analysis!.crossStep : 0;
    // Without a GD crossing the control has nothing to contrast with (its check is out of
    // regime), so the costly flow is skipped.
    if (!reached) out.flow = { lr: run.lr, times: [0], sharpness: [s0], maxRatio: NaN, status: 'skipped', gradients: 0 };
    else {
      const rows: [string, Record<string, number | string>][] = [];
      const held: RunContext = { ...ctx, record: (series, row) => { rows.push([series, row]); } };
      out.flow = flowWithSharpness(prob, run.lr, { steps: c.steps, every: c.sharpnessEvery, tol: c.lanczosTol, stop: c.flowStop, tMin, dt: c.flowDt }, held, (f) => ctx.progress(share + (1 - share) * f));
      out.flowRows = rows;
    }
  }
  return out;
}

function aggregateEos(c: EosConfig, results: (EosCellResult | null)[], ctx: RunContext): EosResult {
  const done = results.filter((r): r is EosCellResult => r !== null);
  const first = results[0];
  for (const [series, row] of first?.flowRows ?? []) ctx.record(series, row);
  const any = done[0];
  return {
    dataset: any?.dataset ?? c.data, ...(any?.data ? { data: any.data } : {}), model: any?.model ?? { spec: { widths: [], activation: c.activation, bias: true }, shapes: [], X: [], Y: [], n: 0, d: 0, classes: c.classes },
    parameters: any?.parameters ?? NaN, sharpness0: first?.sharpness0 ?? NaN, runs: done.map((r) => r.run),
    ...(first?.flow ? { flow: first.flow } : {}),
    ...(done.length < results.length ? { missing: results.length - done.length } : {}),
  };
}

function compareEos(c: EosConfig, r: EosResult) {
  const { checks, regime } = eosChecks(c, r.runs, r.flow);
  const interrupted = !!r.missing || r.runs.some((x) => x.status === 'interrupted') || r.flow?.status === 'interrupted';
  return {
    checks, regime, status: interrupted ? 'interrupted' as const : 'ok' as const, ...(r.data ? { data: r.data } : {}),
    note: `${r.dataset}; MLP ${c.depth}×${c.width} ${c.activation}, ${c.loss}, P = ${r.parameters}; S(θ₀) = ${fmt(r.sharpness0)}; ` +
      r.runs.map((x) => `${etaLabel(x.lr)}: 2/η = ${fmt(2 / x.lr)}, plateau S·η/2 = ${fmt(x.analysis?.plateauMean ?? NaN)}`).join('; '),
  };
}

const EOS_STYLES = { GD: { label: 'GD' }, flow: { label: 'gradient flow' }, theory: { label: '2/η' } };

function eosPlots(c: EosConfig): PlotSpec[] {
  const rules = learningRates(c).map((lr) => ({ y: 2 / lr, label: `2/${etaLabel(lr).slice(2)}` }));
  const plots: PlotSpec[] = [
    { title: 'Sharpness λ_max(∇²L) vs step', caption: 'Full-batch GD (solid), one colour per η; dashed: 2/η. Gradient flow (dotted, clocked in steps of the largest η) keeps sharpening.', kind: 'lines', series: 'sharpness', x: 'step', y: 'sharpness', stroke: 'eta', dashed: 'method', rules, lineStyles: EOS_STYLES },
    { title: 'Sharpness in units of 2/η', caption: 'S·η/2: 1 is the edge of stability.', kind: 'lines', series: 'sharpness', x: 'step', y: 'ratio', yLabel: 'S·η/2', stroke: 'eta', dashed: 'method', rules: [{ y: 1, label: '2/η' }], lineStyles: EOS_STYLES },
    { title: 'Training loss vs step', caption: 'Non-monotone at the edge, but falling over long windows.', kind: 'lines', series: 'loss', x: 'step', y: 'loss', stroke: 'eta', yType: 'log' },
  ];
  if (c.perLayerEvery > 0) {
    plots.push({
      title: 'Per-layer sharpness λ_max(H_bb) vs step', kind: 'lines', series: 'perLayer', x: 'step', y: 'lambda', yLabel: 'λ_max', stroke: 'block', dashed: 'method', facet: 'eta', lineStyles: EOS_STYLES,
      caption: `Top eigenvalue of each parameter block's Hessian (Lanczos every ${c.perLayerEvery} steps), one panel per η; "S = λ_max(H)": the full sharpness; dashed: 2/η. By Cauchy interlacing no block exceeds S.`,
    });
  }
  if (c.densityProbes > 0) {
    const lr = learningRates(c)[0];
    plots.push({
      title: `Hessian spectral density at chosen steps (${etaLabel(lr)})`, kind: 'lines', series: 'density', x: 'eigenvalue', y: 'density (floored)', stroke: 'label', yType: 'log',
      rulesX: [{ x: 2 / lr, label: `2/η = ${Number((2 / lr).toPrecision(3))}` }],
      caption: `Stochastic Lanczos quadrature (${c.densityProbes} probes × ${c.densityLanczos} Lanczos steps), Gaussian-broadened with one σ for all curves, each integrating to 1; log scale (floored at ${DENSITY_FLOOR.toExponential(0)}) to show the outliers beside the bulk near 0. Dashed: 2/η.`,
    });
  }
  return plots;
}

/**
 * Scalars for sweeps: for the largest η (the first run) and the smallest (the last), the plateau
 * S·η/2, the sharpening factor and the long-window loss ratio; the flow control's max S·η/2.
 */
function summaryEos(_c: EosConfig, r: EosResult): Record<string, number> {
  const out: Record<string, number> = { sharpness0: r.sharpness0 };
  const runs: [string, EosRun | undefined][] = [['largestEta', r.runs[0]], ['smallestEta', r.runs.length > 1 ? r.runs[r.runs.length - 1] : undefined]];
  for (const [name, run] of runs) {
    if (!run) continue;
    const a = run.analysis;
    out[`${name}PlateauRatio`] = a?.plateauMean ?? NaN;
    out[`${name}SharpeningFactor`] = a?.sharpeningFactor ?? NaN;
    out[`${name}LossRatio`] = a?.lossRatio ?? NaN;
    out[`${name}FinalLoss`] = run.trace.loss.length ? run.trace.loss[run.trace.loss.length - 1] : NaN;
  }
  if (r.flow) out.flowMaxRatio = r.flow.maxRatio;
  return out;
}

/** One checkpoint per completed GD run (the final weights at that η), with the training data. */
function eosArtifacts(c: EosConfig, r: EosResult): ModelArtifact[] {
  const m = r.model;
  const rows = (A: number[], cols: number) => Array.from({ length: m.n }, (_, i) => A.slice(i * cols, (i + 1) * cols));
  const like = m.shapes.map((shape) => zeros(shape));
  const data = { x: rows(m.X, m.d), y: rows(m.Y, m.classes) };
  return r.runs.filter((run) => run.status === 'completed').map((run) => ({
    name: `model-eta-${etaLabel(run.lr).replace(/[^\w.-]/g, '')}`,
    spec: m.spec,
    loss: c.loss === 'mse' ? 'mse' as const : 'cross-entropy' as const,
    params: unflatten(run.theta, like),
    data,
  }));
}

export const edgeOfStabilityExperiment: Experiment<EosConfig, EosResult, EosPrediction> = {
  name: 'edge-of-stability',
  title: 'Edge of stability: sharpness rises to 2/η and hovers there',
  strand: '§2.3 simple empirical laws — edge of stability (Fig. 4)',
  description: 'Full-batch GD on an MLP over an MNIST subset at several η: progressive sharpening, a sharpness plateau at 2/η, a loss that falls non-monotonically; gradient flow as the threshold-free control.',
  schema: eosSchema,
  // Per-layer eigenvalues and the density are plotted, not checked: cheap settings here.
  quick: { samples: 300, width: 32, depth: 2, lr: 0.3, lrScales: [1, 0.85], steps: 1200, sharpnessEvery: 50, flowStop: 1.12, perLayerEvery: 300, densityProbes: 2, densityLanczos: 20 },
  variants: [
    { label: 'η = 0.1: sharpening too slow to reach 2/η in 400 steps', config: { samples: 300, lr: 0.1, lrScales: [1], steps: 400, flowControl: false, perLayerEvery: 0, densityProbes: 0 }, expect: 'out-of-regime' },
  ],
  predict: predictEos,
  grid: {
    cells: eosCells,
    cell: eosCell,
    aggregate: aggregateEos,
    // Every η runs the same steps; the largest also takes the density snapshots and the flow control.
    cost: (c, k: EosCell) => (k.i === 0 ? 1 + (c.flowControl ? 1 : 0) + (c.densityProbes > 0 ? 0.2 : 0) : 1),
  },
  compare: compareEos,
  plots: eosPlots,
  summary: summaryEos,
  artifacts: eosArtifacts,
};
