/**
 * Experiment `catapult`: the large-learning-rate catapult (Lewkowycz et al. 2020; paper §2.3–2.4).
 *
 * Measure the sharpness λ₀ = λ_max(∇²L(θ₀)) of an MLP at init (MNIST subset, or the user's own data
 * via `--data file.csv|file.npy` (src/data/user-data.ts); MSE), then run
 * full-batch GD from θ₀ at two learning rates given in units of the stability threshold:
 *   catapult run: η = lrRatio·2/λ₀ with 1 < lrRatio < 2, i.e. 2/λ₀ < η < 4/λ₀;
 *   control run:  η = controlRatio·2/λ₀ with controlRatio < 1 (lazy phase).
 * Predictions (two-layer linear model, see theory/edge-of-stability.ts):
 *   (a) catapult: the loss rises above its running minimum early on (a spike; accepted: peak /
 *       running minimum ≥ 1.05 within the first `window` steps);
 *   (b) the sharpness falls below 2/η: S·η/2 at the end of the window < 1;
 *   (c) the catapult flattens more than lazy training: S(window)/λ₀ smaller than the control's;
 *   (d) training then converges: final loss < the minimum over the window;
 *   (e) control (η < 2/λ₀): no spike (peak / running minimum ≤ 1 + 1e-9 over the window).
 * Regime: lrRatio ∈ (1, 2) (the window 2/λ₀ < η < 4/λ₀ is derived for the two-layer linear
 * model; for deep nonlinear nets the upper edge is larger and not predicted — Lewkowycz et al.
 * report ≈ 12/λ₀ for ReLU nets — so ratios ≥ 2 are out of regime, not falsifying), controlRatio
 * < 1, and no divergence.
 */
import { z } from 'zod';
import { checkDataConfig, loadTrainingSet, userDataFields, type DataSummary } from '../data/user-data.js';
import { catapultPhase, stabilityThreshold } from '../theory/edge-of-stability.js';
import { gradientDescent } from '../training/gd.js';
import type { Check, Experiment, PlotSpec, RegimeCondition, RunContext } from './types.js';
import { divergedChecks, fmt, numericCheck, regimeCondition } from './verdict.js';
import { sharpnessTracker } from '../observables/trackers.js';
import { mlpProblem, type MlpProblem } from '../training/problem.js';

export const catapultSchema = z.object({
  // data: 'mnist' | 'synthetic' | a .csv/.npy file; labels, task, center: for a file (src/data/user-data.ts).
  ...userDataFields,
  samples: z.number().int().min(20).max(10_000).default(500).describe('training examples n'),
  pool: z.number().int().min(1).max(14).default(4).describe('average-pooling factor (must divide 28)'),
  classes: z.number().int().min(2).max(10).default(10).describe('digits 0..classes−1'),
  width: z.number().int().min(2).max(512).default(128).describe('hidden width (the theory is a large-width statement; at 64 the spike is seed-dependent)'),
  depth: z.number().int().min(1).max(4).default(1).describe('hidden layers (1 = the two-layer net of the theory)'),
  activation: z.enum(['tanh', 'relu']).default('tanh').describe('hidden nonlinearity'),
  lrRatio: z.number().gt(0).max(20).default(1.5).describe('catapult run: η·λ₀/2 (theory window: 1 < ratio < 2)'),
  controlRatio: z.number().gt(0).max(20).default(0.5).describe('control run: η·λ₀/2 (< 1: lazy phase)'),
  window: z.number().int().min(5).max(10_000).default(50).describe('early-training window (steps) for the spike and the sharpness drop'),
  steps: z.number().int().min(5).max(100_000).default(300).describe('GD steps per run'),
  spikeMin: z.number().min(1).max(10).default(1.05).describe('accepted spike: peak loss / running minimum ≥ spikeMin'),
  seed: z.number().int().min(0).max(2 ** 31).default(0).describe('random seed'),
});

export type CatapultConfig = z.infer<typeof catapultSchema>;

export interface CatapultPrediction { lrRatio: number; controlRatio: number; phase: string; controlPhase: string }

function predictCatapult(c: CatapultConfig): CatapultPrediction {
  if (28 % c.pool !== 0) throw new RangeError(`pool: must divide 28 (1, 2, 4, 7, 14), got ${c.pool}`);
  if (c.window > c.steps) throw new RangeError(`window: must be ≤ steps (${c.steps}), got ${c.window}`);
  // λ₀ is measured on the data actually trained on, and the window is in units of 2/λ₀, so the
  // prediction holds for any data set (MSE on one-hot or real-valued targets).
  checkDataConfig({ ...c, loss: 'mse' });
  // Phases of the two-layer linear model at ηλ₀ = 2·ratio.
  return { lrRatio: c.lrRatio, controlRatio: c.controlRatio, phase: catapultPhase(2 * c.lrRatio, 1), controlPhase: catapultPhase(2 * c.controlRatio, 1) };
}

export interface CatapultRun {
  role: 'catapult' | 'control';
  ratio: number;
  lr: number;
  status: string;
  divergedAt?: number;
  loss: number[];
  /** max over t ≤ window of L(t) / min_{s ≤ t} L(s). */
  spike: number;
  spikeStep: number;
  /** Sharpness at the end of the window. */
  sWindow: number;
  minWindowLoss: number;
  finalLoss: number;
}

export interface CatapultResult { lambda0: number; parameters: number; dataset: string; data?: DataSummary; runs: CatapultRun[] }

/** Largest ratio L(t)/min_{s≤t} L(s) for t ≤ window, and where it occurs. */
export function spikeOf(loss: ArrayLike<number>, window: number): { spike: number; step: number } {
  let runMin = Infinity, spike = 1, step = 0;
  for (let t = 0; t <= window && t < loss.length; t++) {
    runMin = Math.min(runMin, loss[t]);
    const r = loss[t] / runMin;
    if (r > spike) { spike = r; step = t; }
  }
  return { spike, step };
}

function runOne(prob: MlpProblem, role: CatapultRun['role'], ratio: number, lambda0: number, c: CatapultConfig, ctx: RunContext, progress: (f: number) => void): CatapultRun {
  const lr = (ratio * 2) / lambda0;
  const label = `${role} (ηλ₀/2 = ${ratio})`;
  const tracker = sharpnessTracker(prob.hvp, prob.objective.dim, 1e-3);
  const loss: number[] = [];
  let sWindow = NaN;
  const res = gradientDescent(prob.objective, prob.theta0, {
    lr, steps: c.steps, signal: ctx.signal, progress,
    onStep: (k, th, L) => {
      loss.push(L);
      ctx.record('loss', { run: label, step: k, loss: L });
      const measure = k <= 20 || (k <= c.window && k % 5 === 0) || k % 25 === 0 || k === c.window || k === c.steps;
      if (measure) {
        const s = tracker.measure(th);
        if (k === c.window) sWindow = s;
        ctx.record('sharpness', { run: label, step: k, sharpness: s, ratio: (s * lr) / 2, method: 'GD' });
      }
    },
  });
  ctx.record('sharpness', { run: label, step: 0, sharpness: stabilityThreshold(lr), ratio: 1, method: 'theory' });
  ctx.record('sharpness', { run: label, step: c.steps, sharpness: stabilityThreshold(lr), ratio: 1, method: 'theory' });
  const { spike, step } = spikeOf(loss, c.window);
  return {
    role, ratio, lr, status: res.status, ...(res.divergedAt !== undefined ? { divergedAt: res.divergedAt } : {}),
    loss, spike, spikeStep: step, sWindow,
    minWindowLoss: Math.min(...loss.slice(0, c.window + 1)), finalLoss: loss[loss.length - 1],
  };
}

async function runCatapult(c: CatapultConfig, ctx: RunContext): Promise<CatapultResult> {
  const { ds, data } = await loadTrainingSet(c);
  const prob = mlpProblem(ds, { width: c.width, depth: c.depth, activation: c.activation, loss: 'mse', seed: c.seed });
  const lambda0 = sharpnessTracker(prob.hvp, prob.objective.dim, 1e-6).measure(prob.theta0);
  const runs = [runOne(prob, 'catapult', c.lrRatio, lambda0, c, ctx, (f) => ctx.progress(f / 2))];
  if (!ctx.signal.aborted) runs.push(runOne(prob, 'control', c.controlRatio, lambda0, c, ctx, (f) => ctx.progress(0.5 + f / 2)));
  return { lambda0, parameters: prob.objective.dim, dataset: ds.description, ...(data ? { data } : {}), runs };
}

export function catapultChecks(c: Pick<CatapultConfig, 'lrRatio' | 'controlRatio' | 'spikeMin' | 'window'>, r: CatapultResult): { checks: Check[]; regime: RegimeCondition[] } {
  const checks: Check[] = [];
  const inWindow = [
    regimeCondition('catapult run: ηλ₀/2 above the stability threshold', c.lrRatio, 'min', 1 + 1e-9),
    regimeCondition('catapult run: ηλ₀/2 below the two-layer divergence edge (ηλ₀ < 4)', c.lrRatio, 'max', 2 - 1e-9),
  ];
  const lazy = [regimeCondition('control run: ηλ₀/2 below the stability threshold', c.controlRatio, 'max', 1 - 1e-9)];
  const regime = [...inWindow, ...lazy];
  const cat = r.runs.find((x) => x.role === 'catapult');
  const ctl = r.runs.find((x) => x.role === 'control');
  const catNames = ['catapult: early loss spike', 'catapult: sharpness falls below 2/η', 'catapult: flatter than lazy training', 'catapult: converges after the spike'];
  if (cat && cat.status === 'diverged') checks.push(...divergedChecks(catNames, cat.divergedAt ?? -1));
  else if (cat) {
    checks.push(numericCheck({
      name: catNames[0], quantity: `max over t ≤ ${c.window} of L(t) / min_{s≤t} L(s) (theory: > 1; accepted ≥ ${c.spikeMin})`,
      predicted: c.spikeMin, measured: cat.spike, tolerance: { kind: 'range', lo: c.spikeMin, hi: Infinity }, regime: inWindow,
      note: `peak at step ${cat.spikeStep}; η = ${fmt(cat.lr)} = ${c.lrRatio}·2/λ₀, λ₀ = ${fmt(r.lambda0)}`,
    }));
    checks.push(numericCheck({
      name: catNames[1], quantity: `S·η/2 at step ${c.window} (theory: < 1)`,
      predicted: 1, measured: (cat.sWindow * cat.lr) / 2, tolerance: { kind: 'range', lo: 0, hi: 1 }, regime: inWindow,
      note: `S from λ₀ = ${fmt(r.lambda0)} to ${fmt(cat.sWindow)}; 2/η = ${fmt(2 / cat.lr)}`,
    }));
    if (ctl && ctl.status !== 'diverged') {
      checks.push(numericCheck({
        name: catNames[2], quantity: `S(${c.window})/λ₀ of the catapult run minus that of the control (theory: < 0)`,
        predicted: 0, measured: cat.sWindow / r.lambda0 - ctl.sWindow / r.lambda0, tolerance: { kind: 'range', lo: -Infinity, hi: 0 }, regime,
        note: `catapult ${fmt(cat.sWindow / r.lambda0)}, control ${fmt(ctl.sWindow / r.lambda0)}`,
      }));
    }
    checks.push(numericCheck({
      name: catNames[3], quantity: `final loss / minimum loss over the first ${c.window} steps (theory: < 1)`,
      predicted: 0, measured: cat.finalLoss / cat.minWindowLoss, tolerance: { kind: 'range', lo: 0, hi: 1 }, regime: inWindow,
    }));
  }
  if (ctl && ctl.status === 'diverged') checks.push(...divergedChecks(['control: no spike below 2/λ₀'], ctl.divergedAt ?? -1));
  else if (ctl) {
    checks.push(numericCheck({
      name: 'control: no spike below 2/λ₀', quantity: `max over t ≤ ${c.window} of L(t) / min_{s≤t} L(s) (theory: 1, monotone)`,
      predicted: 1, measured: ctl.spike, tolerance: { kind: 'range', lo: 1, hi: 1 + 1e-9 }, regime: lazy,
      note: `η = ${fmt(ctl.lr)} = ${c.controlRatio}·2/λ₀`,
    }));
  }
  return { checks, regime };
}

function compareCatapult(c: CatapultConfig, r: CatapultResult) {
  const { checks, regime } = catapultChecks(c, r);
  const interrupted = r.runs.length < 2 || r.runs.some((x) => x.status === 'interrupted');
  return {
    checks, regime, status: interrupted ? 'interrupted' as const : 'ok' as const, ...(r.data ? { data: r.data } : {}),
    note: `${r.dataset}; MLP ${c.depth}×${c.width} ${c.activation}, MSE, P = ${r.parameters}; λ₀ = ${fmt(r.lambda0)}, 2/λ₀ = ${fmt(2 / r.lambda0)}`,
  };
}

function catapultPlots(): PlotSpec[] {
  return [
    { title: 'Loss in early training', caption: 'Catapult (2/λ₀ < η < 4/λ₀): the loss spikes, then falls; control (η < 2/λ₀): monotone.', kind: 'lines', series: 'loss', x: 'step', y: 'loss', stroke: 'run', yType: 'log' },
    { title: 'Sharpness in units of 2/η', caption: 'S·η/2; dashed: the threshold 1. The catapult throws the run to a flatter region, below 2/η.', kind: 'lines', series: 'sharpness', x: 'step', y: 'ratio', yLabel: 'S·η/2', stroke: 'run', dashed: 'method', rules: [{ y: 1, label: '2/η' }], lineStyles: { theory: { label: 'threshold S = 2/η' } } },
  ];
}

export const catapultExperiment: Experiment<CatapultConfig, CatapultResult, CatapultPrediction> = {
  name: 'catapult',
  title: 'Catapult: a too-large step spikes the loss and lands in a flatter region',
  strand: '§2.3–2.4 edge of stability — catapult phase (Lewkowycz et al. 2020)',
  description: 'GD at η between 2/λ₀ and 4/λ₀ on an MLP: the loss spikes early and the sharpness falls below 2/η; at η < 2/λ₀ the loss falls monotonically.',
  schema: catapultSchema,
  quick: { samples: 500, width: 128, depth: 1, steps: 100, window: 50 },
  variants: [
    { label: 'ηλ₀/2 = 2.5, beyond the two-layer window', config: { lrRatio: 2.5, steps: 60, window: 50 }, expect: 'out-of-regime' },
  ],
  predict: predictCatapult,
  run: (c, ctx) => runCatapult(c, ctx),
  summary: (_c, r) => {
    const cat = r.runs.filter((x) => x.role === 'catapult');
    return { lambda0: r.lambda0, maxSpike: Math.max(1, ...cat.map((x) => x.spike)), finalLoss: cat.length ? cat[cat.length - 1].loss[cat[cat.length - 1].loss.length - 1] : NaN };
  },
  compare: compareCatapult,
  plots: catapultPlots,
};
