/**
 * Experiment `dln`: Saxe mode dynamics of deep linear networks (paper §2.1, Fig. 1a).
 *
 * Trains W_L⋯W_1 on whitened linear-teacher data by full-batch GD (and by RK4 gradient flow
 * from the same init as the η → 0 reference), records every mode's strength, and checks:
 *   (a) each mode's half-learning time and the whole trajectory against the Bernoulli ODE,
 *   (b) the learning order (larger λ first),
 *   (c) the conservation law W_{l+1}ᵀW_{l+1} − W_lW_lᵀ: ≈ 0 drift under flow, O(η) under GD,
 *   (d) out of regime when the init is unaligned and large, or η is too coarse for the flow.
 */
import { z } from 'zod';
import { Rng } from '../engine/rng.js';
import { tensor, type Tensor } from '../engine/tensor.js';
import { mseLoss, scale } from '../engine/ops.js';
import { flatten } from '../engine/params.js';
import { type Mat } from '../engine/linalg/index.js';
import { linearTeacher, linearTeacherFromMap, type LinearTeacher } from '../data/linear-teacher.js';
import { dlnForward, endToEnd, initAligned, initRandom, layersFromTheta, matsToTensors } from '../models/dln.js';
import { modeStrengths, singularValues } from '../observables/modes.js';
import { layerAlignments } from '../observables/alignment.js';
import { balanceMatrices, conservationDrift } from '../observables/conservation.js';
import {
  discretizationParameter, effectiveInitialStrength2, halfLearningTime, learningOrder, modeLoss, modeTrajectory, timeToReach,
} from '../theory/dln.js';
import { gradientDescent } from '../training/gd.js';
import { gradientFlow } from '../training/flow.js';
import { objectiveFromLoss, type Objective, type TrainResult } from '../training/objective.js';
import { recordSchedule } from '../training/schedule.js';
import { logLogFit } from '../observables/fit.js';
import type { Check, Experiment, PlotSpec, RegimeCondition, RunContext } from './types.js';
import { divergedChecks, exactCheck, fmt, numericCheck, regimeCondition } from './verdict.js';
import * as libm from '../engine/libm.js';

export const dlnSchema = z.object({
  depth: z.number().int().min(1).max(8).default(3).describe('number of weight matrices L'),
  hidden: z.number().int().min(1).max(256).default(6).describe('width of each hidden layer'),
  singularValues: z.array(z.number().min(0).max(100)).min(1).max(32).default([6, 4, 3, 2, 1, 0.5])
    .describe('target singular values λ (also sets input/output dimension)'),
  target: z.array(z.array(z.number().min(-1000).max(1000))).min(1).max(32).optional()
    .describe('any Σ_yx = T as JSON rows, e.g. [[2,0],[0,1]]; overrides singular-values'),
  rotate: z.boolean().default(false).describe('random target singular vectors (else T is diagonal)'),
  init: z.number().gt(0).max(10).default(0.1).describe('per-layer init scale s₀ (aligned: every layer singular value)'),
  initScheme: z.enum(['aligned', 'random']).default('aligned').describe('task-aligned balanced init, or Gaussian N(0, s₀²/fan_in)'),
  lr: z.number().gt(0).max(10).default(0.002).describe('GD learning rate η (time t = η·steps)'),
  steps: z.number().int().min(0).max(2_000_000).default(0).describe('GD steps (0 = enough for every mode, from theory)'),
  samples: z.number().int().min(1).max(100_000).default(32).describe('number of whitened training inputs n'),
  flow: z.boolean().default(true).describe('also integrate gradient flow (RK4) from the same init'),
  conservation: z.boolean().default(true).describe('run the conservation-law sub-experiment (random init, η, η/2, η/4)'),
  trajectoryTolerance: z.number().gt(0).max(1).default(0.05).describe('max |u − u_theory|/λ accepted for GD'),
  seed: z.number().int().min(0).max(2 ** 31).default(0).describe('random seed'),
});

export type DlnConfig = z.infer<typeof dlnSchema>;

interface Setup {
  teacher: LinearTeacher;
  widths: number[];
  layers0: Mat[];
  modes: number;
  u0: number[];
}

function setup(c: DlnConfig): Setup {
  const rng = new Rng(c.seed);
  const teacher = c.target
    ? linearTeacherFromMap(c.target, c.samples, rng.split('data'))
    : linearTeacher({ lambdas: c.singularValues, dIn: c.singularValues.length, dOut: c.singularValues.length, samples: Math.max(c.samples, c.singularValues.length), rotate: c.rotate, rng: rng.split('data') });
  const d = teacher.X.cols;
  const widths = [d, ...Array(c.depth - 1).fill(c.hidden), teacher.T.rows];
  const layers0 = c.initScheme === 'aligned'
    ? initAligned(widths, c.init, teacher.U, teacher.V, rng.split('init'))
    : initRandom(widths, c.init, rng.split('init'));
  const modes = Math.min(...widths);
  const u0: number[] = [];
  for (let mu = 0; mu < modes; mu++) {
    if (c.initScheme === 'aligned') u0.push(libm.pow(c.init, c.depth));
    else if (c.depth === 2) {
      const dOut = teacher.U.rows;
      const u = Array.from({ length: dOut }, (_, i) => teacher.U.data[i * dOut + mu]);
      const v = Array.from({ length: d }, (_, i) => teacher.V.data[i * d + mu]);
      u0.push(effectiveInitialStrength2(layers0[0], layers0[1], u, v));
    } else {
      // Balanced-equivalent guess; flagged out of regime below (no exact reduction for L ≠ 2).
      u0.push(Math.abs(modeStrengths(endToEnd(layers0), teacher.U, teacher.V, modes)[mu]));
    }
  }
  return { teacher, widths, layers0, modes, u0 };
}

export interface DlnPrediction {
  lambdas: number[];
  u0: number[];
  tau: number[];
  order: number[];
  tEnd: number;
  steps: number;
  /** Curvature scale L λ_max^{2−2/L} of the learned solution. */
  curvature: number;
  epsilon: number;
}

export function predictDln(c: DlnConfig): DlnPrediction {
  const s = setup(c);
  const lambdas = s.teacher.lambdas.slice(0, s.modes);
  while (lambdas.length < s.modes) lambdas.push(0);
  const tau = lambdas.map((l, i) => halfLearningTime(l, s.u0[i], c.depth));
  const order = learningOrder(lambdas.map((lambda, i) => ({ lambda, u0: s.u0[i] })), c.depth);
  let tEnd = 0;
  lambdas.forEach((l, i) => {
    if (!(l > 0) || s.u0[i] >= 0.95 * l || !Number.isFinite(tau[i])) return;
    const finish = timeToReach(l, Math.max(s.u0[i], l / 2), 0.95 * l, c.depth);
    tEnd = Math.max(tEnd, tau[i] + finish);
  });
  tEnd = Math.max(1.15 * tEnd, 10 * c.lr);
  const steps = c.steps > 0 ? c.steps : Math.ceil(tEnd / c.lr);
  if (c.steps === 0 && steps > 2_000_000) {
    throw new RangeError(`steps: the slowest mode needs ${steps} GD steps at lr=${c.lr}; raise init or lr, or set steps (≤ 2000000)`);
  }
  const lambdaMax = Math.max(...lambdas);
  return {
    lambdas, u0: s.u0, tau, order, tEnd: steps * c.lr, steps,
    curvature: c.depth * libm.pow(lambdaMax, 2 - 2 / c.depth),
    epsilon: discretizationParameter(c.lr, c.depth, lambdaMax),
  };
}

function objective(t: LinearTeacher, like: Tensor[]): Objective {
  const X = tensor(Float64Array.from(t.X.data), [t.X.rows, t.X.cols]);
  const Y = tensor(Float64Array.from(t.Y.data), [t.Y.rows, t.Y.cols]);
  // ½ · (1/n) Σ‖y − f(x)‖² = ½‖T − W_L⋯W_1‖_F² on whitened inputs: loss (1) of the theory.
  return objectiveFromLoss((...Ws: Tensor[]) => scale(mseLoss(dlnForward(Ws, X), Y), 0.5), like);
}

interface Trace {
  /** Time (η·step for GD) and strengths at every step: needed for exact half-time crossings. */
  crossings: number[];
  maxDeviation: number;
  deviationByMode: number[];
}

/** Follow u_μ(t) during training: record at schedule points, find λ/2 crossings by interpolation. */
function tracer(c: DlnConfig, s: Setup, p: DlnPrediction, method: 'gd' | 'flow', ctx: RunContext, times: Float64Array, recordAt: (k: number) => boolean) {
  const { teacher, widths, modes } = s;
  // Theory at every step of this run's time grid, integrated once.
  const theory = p.lambdas.map((l, i) => modeTrajectory(l, p.u0[i], c.depth, times));
  const crossings = new Array<number>(modes).fill(NaN);
  const prevU = new Float64Array(modes).fill(NaN);
  let prevT = 0;
  const deviationByMode = new Array<number>(modes).fill(0);
  let k = 0;
  const onStep = (t: number, theta: Float64Array, loss: number) => {
    const layers = layersFromTheta(theta, widths);
    const u = modeStrengths(endToEnd(layers), teacher.U, teacher.V, modes);
    for (let i = 0; i < modes; i++) {
      const lam = p.lambdas[i];
      if (lam > 0) deviationByMode[i] = Math.max(deviationByMode[i], Math.abs(u[i] - theory[i][Math.min(k, times.length - 1)]) / lam);
      if (Number.isNaN(crossings[i]) && u[i] >= lam / 2 && lam > 0) {
        crossings[i] = Number.isNaN(prevU[i]) || prevU[i] >= lam / 2 ? t : prevT + ((lam / 2 - prevU[i]) / (u[i] - prevU[i])) * (t - prevT);
      }
    }
    if (recordAt(k)) {
      for (let i = 0; i < modes; i++) {
        ctx.record('modes', { method, t, mode: i + 1, lambda: p.lambdas[i], u: u[i] });
      }
      ctx.record('loss', { method, t, loss });
      if (method === 'gd') {
        const sv = singularValues(endToEnd(layers));
        sv.forEach((v, i) => ctx.record('singular', { method: 'gd', t, index: i + 1, sigma: v }));
      }
    }
    prevU.set(u);
    prevT = t;
    k++;
  };
  const trace = (): Trace => ({ crossings, maxDeviation: Math.max(...deviationByMode), deviationByMode });
  return { onStep, trace };
}

export interface DlnResult {
  gd: { status: TrainResult['status']; divergedAt?: number; trace: Trace };
  flow?: { status: TrainResult['status']; trace: Trace };
  alignment: { pair: string; score: number }[];
  conservation?: { flowDrift: number; gd: { lr: number; drift: number }[]; horizon: number; status: string };
  regime: RegimeCondition[];
}

function regimeFor(c: DlnConfig, s: Setup, p: DlnPrediction): { flow: RegimeCondition[]; gd: RegimeCondition[] } {
  const lambdaMin = Math.min(...p.lambdas.filter((l) => l > 0));
  const lambdaMax = Math.max(...p.lambdas);
  // Balance: ‖G_l(0)‖ relative to the learned layer scale λ_max^{2/L}.
  const G0 = balanceMatrices(s.layers0);
  const imbalance = G0.length ? Math.max(...G0.map((G) => Math.sqrt(G.data.reduce((a, x) => a + x * x, 0)))) / libm.pow(lambdaMax, 2 / c.depth) : 0;
  const flow: RegimeCondition[] = [];
  if (c.initScheme === 'aligned') {
    flow.push(regimeCondition('initial imbalance ‖G(0)‖/λ_max^{2/L}', imbalance, 'max', 1e-6));
  } else {
    flow.push(regimeCondition('random init needs L = 2 (effective-u₀ reduction): |L − 2|', Math.abs(c.depth - 2), 'max', 0));
    // Alignment happens in the linear phase only if every mode starts far below its target.
    flow.push(regimeCondition('small init: max u₀/λ_min', Math.max(...s.u0) / lambdaMin, 'max', 0.01));
    flow.push(regimeCondition('initial imbalance ‖G(0)‖/λ_max^{2/L}', imbalance, 'max', 0.05));
    // Random hidden directions of different modes overlap by ~1/√hidden; the reduction treats
    // modes as independent, which needs many more hidden units than modes.
    flow.push(regimeCondition('cross-mode coupling: modes/hidden', s.modes / c.hidden, 'max', 0.1));
  }
  const gd = [...flow, regimeCondition('GD step η·Lλ_max^{2−2/L}', p.epsilon, 'max', 0.1)];
  return { flow, gd };
}

async function runDln(c: DlnConfig, ctx: RunContext, p: DlnPrediction): Promise<DlnResult> {
  const s = setup(c);
  const like = matsToTensors(s.layers0);
  const theta0 = flatten(like);
  const obj = objective(s.teacher, like);
  const work = (c.flow ? 2.7 : 1) + (c.conservation ? 2 : 0);
  let done = 0;
  const stage = (w: number) => (f: number) => ctx.progress((done + w * f) / work);

  // Theory curves for the plots (dashed).
  const sched = recordSchedule(p.steps);
  const times = [...sched].sort((a, b) => a - b).map((k) => k * c.lr);
  const uTheory = p.lambdas.map((l, i) => modeTrajectory(l, p.u0[i], c.depth, times));
  const floor = 0.5 * s.teacher.lambdas.slice(s.modes).reduce((a, x) => a + x * x, 0);
  times.forEach((t, j) => {
    uTheory.forEach((u, i) => ctx.record('modes', { method: 'theory', t, mode: i + 1, lambda: p.lambdas[i], u: u[j] }));
    ctx.record('loss', { method: 'theory', t, loss: modeLoss(p.lambdas, uTheory.map((u) => u[j]), floor) });
    // Aligned modes: the singular values of W_L⋯W_1 are the |u_μ| in decreasing order.
    uTheory.map((u) => Math.abs(u[j])).sort((a, b) => b - a).forEach((v, i) => ctx.record('singular', { method: 'theory', t, index: i + 1, sigma: v }));
  });

  const gdTimes = Float64Array.from({ length: p.steps + 1 }, (_, k) => k * c.lr);
  const gdTracer = tracer(c, s, p, 'gd', ctx, gdTimes, (k) => sched.has(k));
  const gd = gradientDescent(obj, theta0, {
    lr: c.lr, steps: p.steps, signal: ctx.signal, progress: stage(1),
    onStep: (k, th, loss) => gdTracer.onStep(k * c.lr, th, loss),
  });
  done += 1;
  const layersEnd = layersFromTheta(gd.theta, s.widths);
  const alignment = layerAlignments(layersEnd, s.teacher.U, s.teacher.V, s.modes);
  for (const a of alignment) a.matrix.forEach((row, i) => row.forEach((v, j) => ctx.record('alignment', { pair: a.pair, i: i + 1, j: j + 1, overlap: v })));

  let flow: DlnResult['flow'];
  if (c.flow && gd.status !== 'interrupted') {
    const dt = Math.min(c.lr, 0.1 / p.curvature);
    const nFlow = Math.max(1, Math.ceil(p.tEnd / dt - 1e-9)); // same grid gradientFlow uses
    const flowTimes = Float64Array.from({ length: nFlow + 1 }, (_, j) => (j * p.tEnd) / nFlow);
    const flowTracer = tracer(c, s, p, 'flow', ctx, flowTimes, () => false);
    const nRec = 300;
    let next = 0;
    const fr = gradientFlow(obj, theta0, {
      dt, tEnd: p.tEnd, signal: ctx.signal, progress: stage(1.7),
      onStep: (t, th, loss) => {
        const rec = t >= next;
        if (rec) next += p.tEnd / nRec;
        flowTracer.onStep(t, th, loss);
        if (rec) {
          const u = modeStrengths(endToEnd(layersFromTheta(th, s.widths)), s.teacher.U, s.teacher.V, s.modes);
          u.forEach((v, i) => ctx.record('modes', { method: 'flow', t, mode: i + 1, lambda: p.lambdas[i], u: v }));
          ctx.record('loss', { method: 'flow', t, loss });
        }
      },
    });
    done += 1.7;
    flow = { status: fr.status, trace: flowTracer.trace() };
  }

  let conservation: DlnResult['conservation'];
  if (c.conservation && gd.status === 'completed' && !ctx.signal.aborted) {
    conservation = conservationRuns(c, s, p, ctx, stage(2));
    done += 2;
  }
  const regime = regimeFor(c, s, p).gd;
  return {
    gd: { status: gd.status, divergedAt: gd.divergedAt, trace: gdTracer.trace() },
    flow,
    alignment: alignment.map((a) => ({ pair: a.pair, score: a.score })),
    conservation,
    regime,
  };
}

/**
 * Conservation law from a random (unbalanced) init of the same scale: RK4 flow keeps G_l
 * fixed; GD at η, η/2, η/4 over the same horizon drifts by O(η) (log-log slope 1).
 */
function conservationRuns(c: DlnConfig, s: Setup, p: DlnPrediction, ctx: RunContext, progress: (f: number) => void) {
  const layers0 = initRandom(s.widths, c.init, new Rng(c.seed).split('conservation'));
  const like = matsToTensors(layers0);
  const theta0 = flatten(like);
  const obj = objective(s.teacher, like);
  const G0 = balanceMatrices(layers0);
  // Horizon: long enough for the leading mode to be learned.
  const lambdaMax = Math.max(...p.lambdas);
  const i0 = p.lambdas.indexOf(lambdaMax);
  const horizon = Math.min(p.tEnd, 2 * Math.max(p.tau[i0], 1 / lambdaMax));
  const flow = gradientFlow(obj, theta0, { dt: Math.min(c.lr, 0.1 / p.curvature) / 2, tEnd: horizon, signal: ctx.signal });
  const flowDrift = conservationDrift(G0, layersFromTheta(flow.theta, s.widths));
  ctx.record('conservation', { method: 'flow', lr: 0, drift: flowDrift });
  progress(0.3);
  const gd: { lr: number; drift: number }[] = [];
  let status = flow.status as string;
  for (const [j, lr] of [c.lr, c.lr / 2, c.lr / 4].entries()) {
    const r = gradientDescent(obj, theta0, { lr, steps: Math.max(1, Math.round(horizon / lr)), signal: ctx.signal });
    if (r.status !== 'completed') { status = r.status; break; }
    const drift = conservationDrift(G0, layersFromTheta(r.theta, s.widths));
    gd.push({ lr, drift });
    ctx.record('conservation', { method: 'gd', lr, drift });
    progress(0.3 + 0.7 * ((j + 1) / 3) ** 2);
  }
  return { flowDrift, gd, horizon, status };
}


function compareDln(c: DlnConfig, r: DlnResult, p: DlnPrediction) {
  const s = setup(c);
  const { flow: flowRegime, gd: gdRegime } = regimeFor(c, s, p);
  const checks: Check[] = [];
  if (r.gd.status === 'diverged') {
    return { checks: divergedChecks(['GD trajectory vs theory'], r.gd.divergedAt ?? -1), regime: r.regime, status: 'diverged' as const };
  }
  const status = r.gd.status === 'interrupted' ? 'interrupted' as const : 'ok' as const;
  const learnable = p.lambdas.map((l, i) => i).filter((i) => p.lambdas[i] > 0 && p.u0[i] < p.lambdas[i] / 2);
  for (const i of learnable) {
    checks.push(numericCheck({
      name: `mode ${i + 1} (λ=${fmt(p.lambdas[i])}) half-learning time`,
      quantity: 'τ: time at which u_μ = λ/2 (GD, t = η·step)',
      predicted: p.tau[i], measured: r.gd.trace.crossings[i], uncertainty: c.lr,
      tolerance: { kind: 'rel', value: c.trajectoryTolerance }, regime: gdRegime,
    }));
  }
  checks.push(numericCheck({
    name: 'GD mode trajectories vs theory',
    quantity: 'max over modes and time of |u_μ(t) − u_theory(t)|/λ_μ',
    predicted: 0, measured: r.gd.trace.maxDeviation, tolerance: { kind: 'abs', value: c.trajectoryTolerance }, regime: gdRegime,
  }));
  if (r.flow) {
    checks.push(numericCheck({
      name: 'gradient-flow trajectories vs theory',
      quantity: 'max over modes and time of |u_μ(t) − u_theory(t)|/λ_μ (RK4 flow)',
      predicted: 0, measured: r.flow.trace.maxDeviation,
      tolerance: { kind: 'abs', value: c.initScheme === 'aligned' ? 1e-3 : c.trajectoryTolerance }, regime: flowRegime,
    }));
  }
  // Learning order: measured order of λ/2 crossings among the modes the theory says are learned.
  const measuredOrder = learnable.slice().sort((a, b) => (r.gd.trace.crossings[a] || Infinity) - (r.gd.trace.crossings[b] || Infinity) || a - b);
  const predictedOrder = p.order.filter((i) => learnable.includes(i));
  const distinct = new Set(learnable.map((i) => p.lambdas[i])).size === learnable.length;
  checks.push(exactCheck({
    name: 'learning order', quantity: 'order of half-learning times (mode numbers)',
    predicted: predictedOrder.map((i) => i + 1), measured: measuredOrder.map((i) => i + 1),
    regime: [...gdRegime.filter((g) => !g.name.startsWith('GD step')), ...(distinct ? [] : [regimeCondition('distinct λ', 0, 'min', 1)])],
  }));
  if (r.conservation && r.conservation.status === 'completed' && r.conservation.gd.length === 3) {
    checks.push(numericCheck({
      name: 'conservation law under gradient flow',
      quantity: 'max_l ‖G_l(T) − G_l(0)‖_F / ‖W W ᵀ‖_F, G_l = W_{l+1}ᵀW_{l+1} − W_lW_lᵀ (random init, RK4)',
      predicted: 0, measured: r.conservation.flowDrift, tolerance: { kind: 'abs', value: 1e-6 },
    }));
    const slope = logLogFit(r.conservation.gd.map((g) => g.lr), r.conservation.gd.map((g) => g.drift)).slope;
    checks.push(numericCheck({
      name: 'conservation-law drift under GD grows as O(η)',
      quantity: 'log-log slope of drift(T) vs η over η, η/2, η/4',
      predicted: 1, measured: slope, tolerance: { kind: 'abs', value: 0.2 },
      note: `drifts ${r.conservation.gd.map((g) => g.drift.toExponential(2)).join(', ')} over t ∈ [0, ${r.conservation.horizon.toPrecision(3)}]`,
    }));
  }
  return { checks, regime: r.regime, status };
}

function dlnPlots(): PlotSpec[] {
  const lineStyles = { gd: { label: 'GD' }, flow: { label: 'gradient flow (RK4)' }, theory: { label: 'Saxe theory (eq. 2)' } };
  return [
    { title: 'Mode strengths u_μ(t) = u*_μᵀ W_L⋯W_1 v*_μ', caption: 'Solid: GD; dotted: RK4 gradient flow; dashed: Saxe theory (eq. 2). Time t = η·step. Lower panel: |u − theory| on a log scale, where the curves coincide to the eye (the theory is evaluated at the GD times; the flow shows where its own times coincide with them).', kind: 'lines', series: 'modes', x: 't', y: 'u', stroke: 'mode', strokeLabel: 'μ', dashed: 'method', xType: 'log', lineStyles, residual: true },
    { title: 'Loss ½‖T − W_L⋯W_1‖²', caption: 'Staircase on a log-time axis; dashed: theory ½Σ(λ_μ − u_μ)². Lower panel: relative deviation from the theory.', kind: 'lines', series: 'loss', x: 't', y: 'loss', stroke: 'method', dashed: 'method', xType: 'log', yType: 'log', lineStyles, residual: { relative: true } },
    { title: 'Singular values of the end-to-end map W_L⋯W_1', caption: 'Solid: GD; dashed: theory (the sorted |u_μ(t)| of eq. 2). Lower panel: |σ − theory|.', kind: 'lines', series: 'singular', x: 't', y: 'sigma', stroke: 'index', strokeLabel: 'i', dashed: 'method', xType: 'log', lineStyles, residual: true },
    { title: 'Alignment of singular vectors at the end of training', caption: '|⟨v_i(W_{l+1}), u_j(W_l)⟩| between adjacent layers, and of the outer layers with the target frames.', kind: 'heatmap', series: 'alignment', x: 'j', y: 'i', z: 'overlap', facet: 'pair' },
    { title: 'Conservation-law drift vs learning rate', caption: 'GD drift should fall like η: dotted grey reference of slope 1 through the GD points. Gradient flow (η → 0, not on a log axis) conserves G_l; its drift is in the checks.', kind: 'scatter', series: 'conservation', x: 'lr', y: 'drift', xLabel: 'η', stroke: 'method', xType: 'log', yType: 'log', slopes: [{ slope: 1, through: 'gd', label: 'slope 1' }] },
  ];
}

export const dlnExperiment: Experiment<DlnConfig, DlnResult, DlnPrediction> = {
  name: 'dln',
  title: 'Deep linear network: Saxe mode dynamics',
  strand: '§2.1 solvable settings — deep linear networks (Fig. 1a)',
  description: 'Per-mode Bernoulli ODE $du/dt = L\\,u^{2-2/L}(\\lambda - u)$, learning order, and the conservation law $W_{l+1}^\\top W_{l+1} - W_l W_l^\\top$, against GD and RK4 gradient flow.',
  schema: dlnSchema,
  quick: { depth: 3, init: 0.1, lr: 0.002 },
  variants: [
    { label: 'depth 2, small init', config: { depth: 2, init: 0.01, lr: 0.005 }, expect: 'confirmed' },
    { label: 'random small init, wide hidden layer', config: { depth: 2, init: 0.01, initScheme: 'random', hidden: 64, lr: 0.005, conservation: false }, expect: 'confirmed' },
    { label: 'random large init (steps blurred)', config: { depth: 2, init: 1.5, initScheme: 'random', lr: 0.005, conservation: false, flow: false }, expect: 'out-of-regime' },
  ],
  predict: predictDln,
  run: runDln,
  summary: (_c, r) => ({
    maxModeDeviation: r.gd.trace.maxDeviation,
    ...(r.flow ? { flowMaxModeDeviation: r.flow.trace.maxDeviation } : {}),
    ...(r.conservation ? { flowConservationDrift: r.conservation.flowDrift } : {}),
  }),
  compare: compareDln,
  plots: dlnPlots,
};
