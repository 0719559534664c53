/**
 * Experiment `quadratic-stability`: the 2/λ law (paper digest §3.2, "Why 2/η").
 *
 * On L(θ) = ½(θ − θ*)ᵀH(θ − θ*) with a planted spectrum (H = Q diag(λ) Qᵀ, Q random orthogonal,
 * λ geometric from λ_max down to λ_min), full-batch GD with step η converges iff η < 2/λ_max
 * (src/theory/stability.ts). For each η = factor · 2/λ_max the experiment predicts the outcome
 * and the whole loss curve L(t) = ½Σλ_i c_i²(1 − ηλ_i)^{2t}, runs GD through the training loop
 * (which stops on NaN/Inf or a 1e8× loss blow-up), and checks:
 *   (a) the outcome: converges below 2/λ_max, diverges above — divergence is the *prediction*
 *       there, so the detected divergence (and the step at which the loop detects it) is the
 *       measurement;
 *   (b) the loss curve against the closed form;
 *   (c) the measured sharpness — Lanczos on exact HVPs of the autodiff loss, and power iteration
 *       as a cross-check — against the planted λ_max.
 * Out of regime when `steps` is too short to resolve the outcome (η too close to 2/λ_max).
 */
import { z } from 'zod';
import { Rng } from '../engine/rng.js';
import { Tensor, tensor } from '../engine/tensor.js';
import { dot, matmulT, scale, sub } from '../engine/ops.js';
import { randomOrthogonal } from '../engine/linalg/index.js';
import { powerIteration, topHessianEigen } from '../observables/hessian.js';
import { criticalLearningRate, gdConverges, predictedDivergenceStep, quadraticGdLoss } from '../theory/stability.js';
import { gradientDescent } from '../training/gd.js';
import { objectiveFromLoss } from '../training/objective.js';
import type { Check, Experiment, PlotSpec, RegimeCondition, RunContext } from './types.js';
import { exactCheck, numericCheck, regimeCondition } from './verdict.js';
import * as libm from '../engine/libm.js';

export const quadraticStabilitySchema = z.object({
  dim: z.number().int().min(2).max(400).default(50).describe('dimension of θ (number of planted eigenvalues)'),
  lambdaMax: z.number().gt(0).max(1e4).default(4).describe('planted top curvature λ_max'),
  lambdaMin: z.number().gt(0).max(1e4).default(0.1).describe('planted smallest curvature λ_min (geometric spectrum in between)'),
  lrFactors: z.array(z.number().gt(0).max(10)).min(1).max(16).default([0.5, 0.95, 1.05, 1.5])
    .describe('learning rates as multiples of the critical step 2/λ_max'),
  steps: z.number().int().min(1).max(100_000).default(600).describe('most GD steps per learning rate'),
  convergedRatio: z.number().gt(0).max(0.5).default(1e-6).describe('"converged" means L(T)/L(0) ≤ this'),
  curveTolerance: z.number().gt(0).max(1).default(1e-6).describe('max relative deviation of the GD loss curve from the closed form'),
  sharpnessTolerance: z.number().gt(0).max(1).default(1e-6).describe('relative tolerance of measured vs planted λ_max'),
  seed: z.number().int().min(0).max(2 ** 31).default(0).describe('random seed'),
});

export type QuadraticStabilityConfig = z.infer<typeof quadraticStabilitySchema>;

export type Outcome = 'converges' | 'diverges' | 'undecided';

interface Setup {
  lambdas: number[];
  c0: number[];
  Q: Float64Array; // row-major dim × dim
  thetaStar: Float64Array;
  theta0: Float64Array;
}

function plantedSpectrum(c: QuadraticStabilityConfig): number[] {
  const d = c.dim;
  return Array.from({ length: d }, (_, i) => c.lambdaMax * libm.pow(c.lambdaMin / c.lambdaMax, d === 1 ? 0 : i / (d - 1)));
}

function setup(c: QuadraticStabilityConfig): Setup {
  if (c.lambdaMin > c.lambdaMax) throw new RangeError(`--lambda-min: must be ≤ --lambda-max (got ${c.lambdaMin} > ${c.lambdaMax})`);
  const rng = new Rng(c.seed);
  const d = c.dim;
  const lambdas = plantedSpectrum(c);
  const Q = randomOrthogonal(d, rng.split('basis')).data;
  const signs = rng.split('start');
  const c0 = lambdas.map(() => signs.rademacher());
  const thetaStar = rng.split('optimum').normals(d);
  const theta0 = Float64Array.from(thetaStar);
  for (let i = 0; i < d; i++) for (let k = 0; k < d; k++) theta0[i] += Q[i * d + k] * c0[k];
  return { lambdas, c0, Q, thetaStar, theta0 };
}

export interface RunPrediction {
  factor: number;
  eta: number;
  outcome: Outcome;
  /** Step at which the training loop's divergence rule fires (Infinity if not within max(10·steps, 20000)). */
  divergenceStep: number;
  /** Closed-form L(steps)/L(0) (for convergent runs). */
  lossRatio: number;
}

export interface QuadraticStabilityPrediction {
  lambdaMax: number;
  criticalLr: number;
  runs: RunPrediction[];
}

export function predictQuadraticStability(c: QuadraticStabilityConfig): QuadraticStabilityPrediction {
  const s = setup(c);
  const etaC = criticalLearningRate(c.lambdaMax);
  const L0 = quadraticGdLoss(s.lambdas, s.c0, 0, 0);
  const runs = c.lrFactors.map((factor) => {
    const eta = factor * etaC;
    const converges = gdConverges(eta, c.lambdaMax);
    // Look past `steps` so an unresolved run still reports when it would diverge.
    const divergenceStep = converges ? Infinity : predictedDivergenceStep(s.lambdas, s.c0, eta, Math.max(10 * c.steps, 20_000));
    const lossRatio = converges ? quadraticGdLoss(s.lambdas, s.c0, eta, c.steps) / L0 : Infinity;
    return { factor, eta, outcome: (converges ? 'converges' : 'diverges') as Outcome, divergenceStep, lossRatio };
  });
  return { lambdaMax: c.lambdaMax, criticalLr: etaC, runs };
}

/** L(θ) = ½ (θ − θ*)ᵀ H (θ − θ*) as an autodiff function of θ (shape [1, d]). */
function lossFunction(s: Setup, d: number) {
  const H = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) {
      let v = 0;
      for (let k = 0; k < d; k++) v += s.Q[i * d + k] * s.lambdas[k] * s.Q[j * d + k];
      H[i * d + j] = v;
    }
  const Ht = tensor(H, [d, d]);
  const star = tensor(Float64Array.from(s.thetaStar), [1, d]);
  return (theta: Tensor) => {
    const delta = sub(theta, star);
    return scale(dot(delta, matmulT(delta, Ht)), 0.5);
  };
}

interface RunMeasurement {
  factor: number;
  eta: number;
  status: string;
  outcome: Outcome;
  divergedAt?: number;
  finalLossRatio: number;
  /** Max over steps (where the predicted loss is well above rounding) of |L − L_theory|/L_theory. */
  curveDeviation: number;
}

export interface QuadraticStabilityResult {
  sharpness: { lanczos: number; lanczosResidual: number; hvps: number; power: number; powerHvps: number };
  runs: RunMeasurement[];
}

async function runQuadraticStability(c: QuadraticStabilityConfig, ctx: RunContext, p: QuadraticStabilityPrediction): Promise<QuadraticStabilityResult> {
  const s = setup(c);
  const d = c.dim;
  const f = lossFunction(s, d);
  const like = [tensor(s.theta0, [1, d])];
  const obj = objectiveFromLoss(f, like);

  // Measured sharpness at θ0 from exact HVPs of the autodiff loss.
  const hvp = (v: Float64Array) => obj.hvp(s.theta0, v);
  const top = topHessianEigen(hvp, d, { k: 1, tol: 1e-10, rng: ctx.rng.split('lanczos') });
  const pow = powerIteration(hvp, d, { tol: 1e-9, maxIter: 20_000, rng: ctx.rng.split('power') });
  ctx.record('sharpness', { method: 'lanczos', value: top.values[0], hvps: top.hvps });
  ctx.record('sharpness', { method: 'power iteration', value: pow.value, hvps: pow.hvps });
  ctx.record('sharpness', { method: 'planted', value: c.lambdaMax, hvps: 0 });
  ctx.progress(0.05);

  const L0 = obj.value(s.theta0);
  const runs: RunMeasurement[] = [];
  for (const [j, rp] of p.runs.entries()) {
    if (ctx.signal.aborted) break;
    let dev = 0;
    const label = `${rp.factor}·2/λ`;
    const every = Math.max(1, Math.floor(c.steps / 300));
    const r = gradientDescent(obj, s.theta0, {
      lr: rp.eta, steps: c.steps, signal: ctx.signal,
      onStep: (t, _th, loss) => {
        const pred = quadraticGdLoss(s.lambdas, s.c0, rp.eta, t);
        // Compare while the predicted loss is far above the rounding floor of θ (≈ ε‖θ‖).
        if (pred > 1e-12 * L0) dev = Math.max(dev, Math.abs(loss - pred) / pred);
        if (t % every === 0) {
          ctx.record('loss', { run: label, method: 'gd', step: t, loss });
          ctx.record('loss', { run: label, method: 'theory', step: t, loss: pred });
        }
      },
    });
    const finalLossRatio = r.finalLoss / L0;
    const outcome: Outcome = r.status === 'diverged' ? 'diverges'
      : r.status === 'completed' && finalLossRatio <= c.convergedRatio ? 'converges' : 'undecided';
    runs.push({ factor: rp.factor, eta: rp.eta, status: r.status, outcome, divergedAt: r.divergedAt, finalLossRatio, curveDeviation: dev });
    ctx.progress(0.05 + 0.95 * (j + 1) / p.runs.length);
  }
  return {
    sharpness: { lanczos: top.values[0], lanczosResidual: top.residuals[0], hvps: top.hvps, power: pow.value, powerHvps: pow.hvps },
    runs,
  };
}

function resolvable(c: QuadraticStabilityConfig, rp: RunPrediction): RegimeCondition {
  return rp.outcome === 'converges'
    ? regimeCondition(`η = ${rp.factor}·2/λ: predicted L(T)/L(0) after ${c.steps} steps`, rp.lossRatio, 'max', c.convergedRatio)
    : regimeCondition(`η = ${rp.factor}·2/λ: steps − predicted divergence step`, c.steps - rp.divergenceStep, 'min', 0);
}

function compareQuadraticStability(c: QuadraticStabilityConfig, r: QuadraticStabilityResult, p: QuadraticStabilityPrediction) {
  const checks: Check[] = [];
  const regime: RegimeCondition[] = [];
  checks.push(numericCheck({
    name: 'sharpness (Lanczos on exact HVPs) = planted λ_max',
    quantity: 'λ_max(∇²L) at θ₀',
    predicted: c.lambdaMax, measured: r.sharpness.lanczos, uncertainty: r.sharpness.lanczosResidual,
    tolerance: { kind: 'rel', value: c.sharpnessTolerance },
    note: `${r.sharpness.hvps} HVPs; uncertainty = Ritz residual ‖Hy − θy‖`,
  }));
  checks.push(numericCheck({
    name: 'sharpness by power iteration (cross-check)',
    quantity: 'dominant eigenvalue of ∇²L at θ₀',
    predicted: c.lambdaMax, measured: r.sharpness.power,
    tolerance: { kind: 'rel', value: Math.max(c.sharpnessTolerance, 1e-6) },
    note: `${r.sharpness.powerHvps} HVPs`,
  }));
  for (const m of r.runs) {
    const rp = p.runs.find((x) => x.factor === m.factor)!;
    const cond = resolvable(c, rp);
    regime.push(cond);
    const name = `GD at η = ${m.factor}·2/λ_max (η = ${m.eta.toPrecision(4)})`;
    checks.push(exactCheck({
      name: `${name}: outcome`,
      quantity: `converges (L(T)/L(0) ≤ ${c.convergedRatio}) or diverges (loop stops on NaN/Inf or 1e8× loss)`,
      predicted: rp.outcome, measured: m.outcome, regime: [cond],
      note: rp.outcome === 'diverges' ? 'divergence is the prediction here: the detected blow-up is the measurement' : undefined,
    }));
    if (rp.outcome === 'diverges') {
      checks.push(numericCheck({
        name: `${name}: divergence step`,
        quantity: 'first step with L > 1e8·max(L₀, 1), closed form vs training loop',
        predicted: rp.divergenceStep, measured: m.divergedAt ?? NaN, tolerance: { kind: 'abs', value: 1 }, regime: [cond],
      }));
    }
    checks.push(numericCheck({
      name: `${name}: loss curve`,
      quantity: 'max_t |L_GD(t) − ½Σλ_i c_i²(1 − ηλ_i)^{2t}| / L_theory(t)',
      predicted: 0, measured: m.curveDeviation, tolerance: { kind: 'abs', value: c.curveTolerance },
    }));
  }
  const status = r.runs.length < p.runs.length ? 'interrupted' as const : 'ok' as const;
  return { checks, regime, status };
}

function plots(): PlotSpec[] {
  return [
    { title: 'GD loss on a planted quadratic, η as a multiple of 2/λ_max', caption: 'Solid: GD; dashed: closed form $\\tfrac12\\sum_i \\lambda_i c_i^2 (1 - \\eta\\lambda_i)^{2t}$. Below $2/\\lambda_{\\max}$ the loss decays; above it the top mode grows like $|1 - \\eta\\lambda_{\\max}|^{2t}$ until the loop stops at a 1e8× blow-up. Lower panel: relative deviation from the closed form.', kind: 'lines', series: 'loss', x: 'step', y: 'loss', stroke: 'run', strokeLabel: 'η', dashed: 'method', yType: 'log', lineStyles: { gd: { label: 'GD' }, theory: { label: 'closed form' } }, residual: { relative: true } },
  ];
}

export const quadraticStabilityExperiment: Experiment<QuadraticStabilityConfig, QuadraticStabilityResult, QuadraticStabilityPrediction> = {
  name: 'quadratic-stability',
  title: 'Stability of GD on a quadratic: diverges iff η > 2/λ_max',
  strand: '§2.3 simple empirical laws — edge of stability (why 2/η)',
  description: 'On a quadratic with a planted spectrum, GD converges below η = 2/λ_max and diverges above; the loss curve follows ½Σλc²(1 − ηλ)^{2t}; Lanczos on exact HVPs recovers the planted sharpness.',
  schema: quadraticStabilitySchema,
  quick: { dim: 30, lrFactors: [0.95, 1.05], steps: 300 },
  variants: [
    { label: 'ill-conditioned, λ_max = 100', config: { dim: 40, lambdaMax: 100, lambdaMin: 0.5, lrFactors: [0.9, 1.1], steps: 2500 }, expect: 'confirmed' },
    { label: 'η within 0.1% of 2/λ_max: unresolved in 200 steps', config: { dim: 30, lrFactors: [0.999, 1.001], steps: 200 }, expect: 'out-of-regime' },
  ],
  predict: predictQuadraticStability,
  run: runQuadraticStability,
  // Stable metric names for sweeps: the measured sharpness, and per stability side the worst case.
  summary: (_c, r) => ({
    sharpness: r.sharpness.lanczos,
    sharpnessPower: r.sharpness.power,
    maxCurveDeviation: Math.max(...r.runs.map((m) => m.curveDeviation).filter(Number.isFinite), 0),
    diverged: r.runs.filter((m) => m.outcome === 'diverges').length,
  }),
  compare: compareQuadraticStability,
  plots,
};
