/**
 * Experiment `implicit-regularization`: the step size as a curvature regularizer, in three parts
 * (theory and sources: src/theory/implicit-regularization.ts).
 *
 * (a) modified-flow — backward error analysis (Barrett & Dherin 2021). On a small tanh MLP
 *     (MSE regression, synthetic data) GD with step η runs k = T/η steps; gradient flow and the
 *     modified flow dθ/dt = −∇(L + (η/4)‖∇L‖²) (RK4, step beaFlowDt, ∇L̃ = ∇L + (η/2)H∇L by one
 *     HVP) run to the same time T. Distances ‖θ_GD(k) − θ_flow(T)‖ over ≥ 4 values of η, fitted
 *     log-log: slope 1 (plain flow) and 2 (modified flow). Tolerance ±0.3 from the leading-order
 *     error budget: on a quadratic mode the local slopes are 1 + (2/3 − hT/4)ηh and
 *     2 + (3/4 − hT/2)ηh (derived in the theory file; coefficients ≤ ¾ for hT ≤ 3); a
 *     least-squares fit over a halving ladder of 4 η weighs a correction linear in η as ≈ 0.41·(its
 *     value at η_max), so with η_max·S ≤ 0.5 the leading term is ≤ 0.41·¾·0.5 ≈ 0.16 and the next
 *     order (∝ (ηS)², ≤ 0.1) keeps the total under 0.3. Regime: η_max·S_max ≤ 0.5
 *     (S_max = λ_max measured along the flow), and the RK4 error below 1 % of the smallest
 *     modified-flow gap (budget (S·dt)⁴/(40(η_min·S)²), from RK4's z⁵/120 local error against
 *     the gap TS(ηS)²/3).
 * (b) central-flow — the k = 1 central flow (Cohen et al. 2024) on the planted toy
 *     L(u, v) = ½e^u v² + c·u (science notes §A7, [NR] numbers there). GD (1e-10 Gaussian noise on
 *     v each step, seeded) and the central flow (Euler, cfSubsteps per step) run side by side
 *     from u₀ = ln(2/η) − offset. Over the late window (steps ≥ burnIn·steps) GD's time averages
 *     against the flow's predictions: η⟨S⟩ vs ηS_CF = 2 (3 %), ⟨(uᵀ(w_GD − w_CF))²⟩ vs σ² (10 %),
 *     ⟨L⟩ vs L̄ = L + ½σ²S within 13 % of ½σ²S (the loss's oscillation part ½S·v² carries the
 *     10 % budget of σ², its drift part c·δu the 3 % budget of S, since δu = δ ln S). Trajectories:
 *     every block of toyWindow steps, the block means of GD's ηS and loss against the flow's
 *     block means, same tolerances. Regime: the flow sits on the edge (σ² > 0) for ≥ 90 % of the
 *     late window and GD reached ηS ≥ 2 — before sharpening reaches 2/η the flow is plain
 *     gradient flow and there is nothing to predict — and sharpening is slow against the
 *     oscillation: the flow's relative sharpening rate per step −η⟨∇S,∇L⟩/S (η|c| on the toy)
 *     ≤ 1.25e-3. That limit is set from data: GD's 1 − η⟨S⟩/2 grows with it — 0.0005, 0.017,
 *     0.027, 0.038, 0.050 at η|c| = 5e-5, 1e-3, 1.5e-3, 2e-3, 2.5e-3 (seeds 0–2 alike; the block
 *     maximum reaches 0.029 at 1.5e-3), while ⟨v²⟩ stays within 3 % of σ² — so the 3 % sharpness
 *     budget holds with margin only below ≈ 1.25e-3 (variant: η|c| = 2.5e-3, out of regime).
 * (c) adam-edge — Adam (src/training/optim/adam.ts) on a rotated quadratic with a planted
 *     spectrum: the preconditioned sharpness λ_max(P⁻¹H) (P = (1 − β₁^t)(√v̂ + ε), measured by
 *     `preconditionedSharpness`) rises as v̂ decays and plateaus at (2 + 2β₁)/((1 − β₁)η). No
 *     closed form is claimed for the offset of the plateau from the threshold (the sawtooth of
 *     self-stabilization), so, as in `edge-of-stability`, the stated tolerance is a band: the mean
 *     over the plateau window in [1 − band, 1 + band]·threshold. Regime: λ_max(H)/ε above the
 *     threshold (else P ≥ ε caps the preconditioned sharpness below it) and the threshold
 *     reached (ratio ≥ reachFraction) within the budget.
 *
 * Grid: (a) one cell for the gradient flow and one per η (GD + modified flow); (b) one per toy
 * setting; (c) one cell. Each derives its numbers from config.seed and its key only.
 */
import { z } from 'zod';
import { Rng } from '../engine/rng.js';
import { randomOrthogonal } from '../engine/linalg/index.js';
import type { Dataset } from '../data/mnist.js';
import { logLogFit } from '../observables/fit.js';
import { preconditionedSharpness } from '../observables/hessian.js';
import { sharpness } from '../observables/sharpness.js';
import {
  adamStabilityThreshold, BACKWARD_ERROR_ORDERS, centralFlow, edgeToyObjective, edgeToyPrediction, modifiedObjective, topEigenTracker,
} from '../theory/implicit-regularization.js';
import { gradientDescent } from '../training/gd.js';
import { gradientFlow } from '../training/flow.js';
import type { CurvedObjective } from '../training/objective.js';
import { adam } from '../training/optim/adam.js';
import { mlpProblem } from '../training/problem.js';
import type { Check, Experiment, PlotSpec, RegimeCondition, RunContext } from './types.js';
import { divergedChecks, fmt, numericCheck, regimeCondition } from './verdict.js';
import * as libm from '../engine/libm.js';

const PARTS = ['modified-flow', 'central-flow', 'adam-edge'] as const;
type Part = (typeof PARTS)[number];

export const implicitRegularizationSchema = z.object({
  parts: z.array(z.enum(PARTS)).min(1).max(3).default([...PARTS]).describe('which parts run: modified-flow (a), central-flow (b), adam-edge (c)'),
  // (a)
  beaSamples: z.number().int().min(2).max(256).default(16).describe('(a) training examples n of the regression data'),
  beaInputs: z.number().int().min(1).max(32).default(4).describe('(a) input dimension d (x ~ N(0, I), y = sin(wᵀx))'),
  beaWidth: z.number().int().min(2).max(64).default(8).describe('(a) hidden width of the one-hidden-layer tanh MLP'),
  beaEtas: z.array(z.number().gt(0).max(4)).min(4).max(8).default([0.12, 0.06, 0.03, 0.015]).describe('(a) GD step sizes η (≥ 4; each T/η must be an integer)'),
  beaTime: z.number().gt(0).max(20).default(2.4).describe('(a) time T = kη at which GD and the flows are compared'),
  beaFlowDt: z.number().gt(0).max(0.1).default(0.02).describe('(a) RK4 step of both flows'),
  modifiedCoefficient: z.number().min(0).max(2).default(0.25).describe('(a) κ of the modified loss L + κη‖∇L‖² (Barrett–Dherin: ¼; other values are a falsified control)'),
  slopeTolerance: z.number().gt(0).max(1).default(0.3).describe('(a) accepted |slope − order| (leading-order error budget, see the file comment)'),
  maxEtaSharpness: z.number().gt(0).max(4).default(0.5).describe('(a) regime: η_max·S_max must be ≤ this for the expansion in ηS'),
  // (b)
  toyLrs: z.array(z.number().gt(0).max(1)).min(1).max(4).default([0.1, 0.05]).describe('(b) GD step sizes η of the toy settings'),
  toyCs: z.array(z.number().min(-1).lt(0)).min(1).max(4).default([-0.01, -0.02]).describe('(b) slopes c < 0 of the toy L = ½e^u v² + c·u, one per η'),
  toyOffset: z.number().min(-1).max(10).default(0.3).describe('(b) start u₀ = ln(2/η) − offset'),
  toyV0: z.number().min(0).max(1).default(0.05).describe('(b) start v₀'),
  toySteps: z.number().int().min(100).max(400_000).default(40_000).describe('(b) GD steps (= central-flow time)'),
  toyNoise: z.number().min(0).max(1e-3).default(1e-10).describe('(b) std of the Gaussian noise added to v after each GD step'),
  toyWindow: z.number().int().min(10).max(100_000).default(5000).describe('(b) block length (steps) of the time averages along the trajectory'),
  toyBurnIn: z.number().min(0).max(0.95).default(0.5).describe('(b) fraction of the run before the late window of the plateau averages'),
  cfSubsteps: z.number().int().min(1).max(64).default(4).describe('(b) Euler substeps of the central flow per GD step'),
  sharpnessTolerance: z.number().gt(0).max(1).default(0.03).describe('(b) relative tolerance of η⟨S⟩ against the central flow'),
  varianceTolerance: z.number().gt(0).max(1).default(0.1).describe('(b) relative tolerance of ⟨(uᵀΔw)²⟩ against σ²'),
  maxSharpeningRate: z.number().gt(0).max(1).default(1.25e-3).describe('(b) regime: mean relative sharpening rate per step −η⟨∇S,∇L⟩/S at the edge must be ≤ this (set from data, see the file comment)'),
  lossTolerance: z.number().gt(0).max(1).default(0.13).describe('(b) |⟨L⟩ − L̄| ≤ this·½σ²S (σ² budget + S budget)'),
  // (c)
  adamDim: z.number().int().min(2).max(200).default(10).describe('(c) dimension of the quadratic'),
  adamLambdaMax: z.number().gt(0).max(1e4).default(1).describe('(c) top planted curvature λ_max(H)'),
  adamLambdaMin: z.number().gt(0).max(1e4).default(0.05).describe('(c) smallest planted curvature (geometric spectrum in between)'),
  adamLr: z.number().gt(0).max(1).default(0.01).describe('(c) Adam learning rate η'),
  adamBeta1: z.number().min(0).max(0.999).default(0.9).describe('(c) Adam β₁'),
  adamBeta2: z.number().min(0).max(0.99999).default(0.99).describe('(c) Adam β₂'),
  adamEps: z.number().min(0).max(1).default(1e-8).describe('(c) Adam ε'),
  adamSteps: z.number().int().min(100).max(1_000_000).default(4000).describe('(c) Adam steps'),
  adamEvery: z.number().int().min(1).max(10_000).default(10).describe('(c) measure λ_max(P⁻¹H) every k steps'),
  adamBand: z.number().gt(0).max(1).default(0.1).describe('(c) plateau tolerance: mean λ_max(P⁻¹H)/threshold ∈ [1 − band, 1 + band]'),
  adamBurnIn: z.number().min(0).max(0.95).default(0.5).describe('(c) fraction of the span after the first reach dropped before the plateau mean'),
  reachFraction: z.number().gt(0).max(1.5).default(0.98).describe('(b, c) the edge counts as reached once the ratio to the threshold is ≥ this'),
  seed: z.number().int().min(0).max(2 ** 31).default(0).describe('random seed (data and init of (a), noise of (b), basis and start of (c))'),
});

export type ImplicitRegularizationConfig = z.infer<typeof implicitRegularizationSchema>;

export interface ImplicitRegularizationPrediction {
  orders: { flow: number; modified: number };
  etas: number[];
  steps: number[];
  toy: { lr: number; c: number; u: number; sharpness: number; sigma2: number; loss: number }[];
  adamThreshold: number;
}

function predict(c: ImplicitRegularizationConfig): ImplicitRegularizationPrediction {
  const etas = [...new Set(c.beaEtas)].sort((a, b) => b - a);
  if (etas.length < 4) throw new RangeError(`--bea-etas: needs ≥ 4 distinct values (got ${etas.length})`);
  const steps = etas.map((eta) => {
    const k = Math.round(c.beaTime / eta);
    if (k < 1 || Math.abs(k * eta - c.beaTime) > 1e-9 * c.beaTime) throw new RangeError(`--bea-etas: each --bea-time / η must be a whole number of steps (T = ${c.beaTime}, η = ${eta})`);
    return k;
  });
  if (c.toyLrs.length !== c.toyCs.length) throw new RangeError(`--toy-cs: needs one c per η of --toy-lrs (${c.toyLrs.length}), got ${c.toyCs.length}`);
  if (c.adamLambdaMin > c.adamLambdaMax) throw new RangeError(`--adam-lambda-min: must be ≤ --adam-lambda-max (got ${c.adamLambdaMin} > ${c.adamLambdaMax})`);
  return {
    orders: { ...BACKWARD_ERROR_ORDERS }, etas, steps,
    toy: c.toyLrs.map((lr, i) => ({ lr, c: c.toyCs[i], ...edgeToyPrediction(lr, c.toyCs[i]) })),
    adamThreshold: adamStabilityThreshold(c.adamLr, c.adamBeta1),
  };
}

// ---------------------------------------------------------------------------------------
// (a) Backward error analysis on a small MLP.

/** Regression data y = sin(wᵀx), x ~ N(0, I_d), as the lab's Dataset (one output). */
function regressionData(c: ImplicitRegularizationConfig): Dataset {
  const rng = new Rng(c.seed).split('bea-data');
  const n = c.beaSamples, d = c.beaInputs;
  const X = rng.split('x').normals(n * d);
  const w = rng.split('teacher').normals(d);
  const Y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += X[i * d + j] * w[j];
    Y[i] = libm.sin(s);
  }
  return { X, Y, labels: new Int32Array(n), n, d, classes: 1, source: 'synthetic', description: `y = sin(wᵀx), n = ${n}, d = ${d}` };
}

function beaProblem(c: ImplicitRegularizationConfig): { obj: CurvedObjective; theta0: Float64Array } {
  const p = mlpProblem(regressionData(c), { width: c.beaWidth, depth: 1, activation: 'tanh', loss: 'mse', seed: c.seed });
  return { obj: { ...p.objective, hvp: p.hvp }, theta0: p.theta0 };
}

interface BeaFlowResult { theta: Float64Array; sharpnessMax: number; sharpness0: number; status: string; loss0: number; lossT: number }
interface BeaGdResult { eta: number; gd: Float64Array; modified: Float64Array; gdStatus: string; modifiedStatus: string; divergedAt?: number }

function beaFlowCell(c: ImplicitRegularizationConfig, ctx: RunContext): BeaFlowResult {
  const { obj, theta0 } = beaProblem(c);
  const P = obj.dim;
  const rng = new Rng(c.seed).split('bea-lanczos');
  let start: Float64Array | undefined;
  const measure = (th: Float64Array) => {
    const r = sharpness((v) => obj.hvp(th, v), P, { tol: 1e-8, maxIter: Math.min(P, 80), rng, ...(start ? { start } : {}) });
    start = r.vector;
    return r.value;
  };
  const s0 = measure(theta0);
  let sMax = s0, next = c.beaTime / 8;
  const loss0 = obj.value(theta0);
  const r = gradientFlow(obj, theta0, {
    dt: c.beaFlowDt, tEnd: c.beaTime, signal: ctx.signal, progress: (f) => ctx.progress(f),
    onStep: (t, th, L) => {
      if (t + 1e-12 >= next) {
        next += c.beaTime / 8;
        const s = measure(th);
        sMax = Math.max(sMax, s);
        ctx.record('beaFlow', { time: t, loss: L, sharpness: s });
      }
    },
  });
  return { theta: Float64Array.from(r.theta), sharpnessMax: sMax, sharpness0: s0, status: r.status, loss0, lossT: r.finalLoss };
}

function beaGdCell(c: ImplicitRegularizationConfig, eta: number, ctx: RunContext): BeaGdResult {
  const { obj, theta0 } = beaProblem(c);
  const k = Math.round(c.beaTime / eta);
  const gd = gradientDescent(obj, theta0, { lr: eta, steps: k, signal: ctx.signal });
  const mod = gradientFlow(modifiedObjective(obj, eta, c.modifiedCoefficient), theta0, {
    dt: c.beaFlowDt, tEnd: c.beaTime, signal: ctx.signal, progress: (f) => ctx.progress(f),
  });
  return {
    eta, gd: Float64Array.from(gd.theta), modified: Float64Array.from(mod.theta), gdStatus: gd.status, modifiedStatus: mod.status,
    ...(gd.divergedAt !== undefined ? { divergedAt: gd.divergedAt } : {}),
  };
}

export interface BeaResult {
  etas: number[];
  distanceFlow: number[];
  distanceModified: number[];
  slopeFlow: number;
  slopeFlowSe: number;
  slopeModified: number;
  slopeModifiedSe: number;
  sharpness0: number;
  sharpnessMax: number;
  /** (S·dt)⁴/(40(η_min S)²): RK4 error over the smallest modified-flow gap (leading order). */
  rk4Budget: number;
  status: 'ok' | 'diverged' | 'interrupted';
  divergedAt?: number;
}

function distance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s);
}

function aggregateBea(c: ImplicitRegularizationConfig, flow: BeaFlowResult | null, runs: (BeaGdResult | null)[], ctx: RunContext): BeaResult {
  const done = runs.filter((r): r is BeaGdResult => r !== null).sort((a, b) => b.eta - a.eta);
  const interrupted = !flow || done.length < runs.length || flow.status === 'interrupted' || done.some((r) => r.gdStatus === 'interrupted' || r.modifiedStatus === 'interrupted');
  const diverged = done.find((r) => r.gdStatus === 'diverged' || r.modifiedStatus === 'diverged') ?? (flow?.status === 'diverged' ? { divergedAt: -1 } : undefined);
  const etas = done.map((r) => r.eta);
  const dF = flow ? done.map((r) => distance(r.gd, flow.theta)) : [];
  const dM = done.map((r) => distance(r.gd, r.modified));
  for (let i = 0; i < etas.length; i++) {
    ctx.record('distance', { eta: etas[i], distance: dF[i], curve: 'GD − gradient flow', method: 'measured' });
    ctx.record('distance', { eta: etas[i], distance: dM[i], curve: 'GD − modified flow', method: 'measured' });
  }
  const ok = etas.length >= 2 && dF.every((d) => d > 0 && Number.isFinite(d)) && dM.every((d) => d > 0 && Number.isFinite(d));
  const fF = ok ? logLogFit(etas, dF) : { slope: NaN, se: NaN, intercept: NaN };
  const fM = ok ? logLogFit(etas, dM) : { slope: NaN, se: NaN, intercept: NaN };
  // Theory lines C·η^p through the geometric mean of each set of distances.
  if (ok) {
    const line = (d: number[], p: number, curve: string) => {
      const logC = d.reduce((a, x, i) => a + libm.log(x) - p * libm.log(etas[i]), 0) / d.length;
      for (const eta of etas) ctx.record('distance', { eta, distance: libm.exp(logC) * libm.pow(eta, p), curve, method: 'theory' });
    };
    line(dF, BACKWARD_ERROR_ORDERS.flow, 'GD − gradient flow');
    line(dM, BACKWARD_ERROR_ORDERS.modified, 'GD − modified flow');
  }
  const S = flow?.sharpnessMax ?? NaN;
  const etaMin = etas.length ? Math.min(...etas) : NaN;
  return {
    etas, distanceFlow: dF, distanceModified: dM, slopeFlow: fF.slope, slopeFlowSe: fF.se, slopeModified: fM.slope, slopeModifiedSe: fM.se,
    sharpness0: flow?.sharpness0 ?? NaN, sharpnessMax: S, rk4Budget: libm.pow(S * c.beaFlowDt, 4) / (40 * (etaMin * S) ** 2),
    status: interrupted ? 'interrupted' : diverged ? 'diverged' : 'ok',
    ...(diverged ? { divergedAt: diverged.divergedAt ?? -1 } : {}),
  };
}

// ---------------------------------------------------------------------------------------
// (b) Central flow on the planted toy.

export interface ToyBlock { from: number; to: number; gdEtaS: number; cfEtaS: number; gdLoss: number; cfLoss: number; gdVariance: number; cfSigma2: number }

export interface ToyResult {
  lr: number;
  c: number;
  /** Late-window means: GD's ηS, loss and (uᵀ(w_GD − w_CF))²; the flow's ηS, L̄, σ² and ½σ²S. */
  gdEtaS: number;
  cfEtaS: number;
  gdLoss: number;
  cfLoss: number;
  gdVariance: number;
  cfSigma2: number;
  halfSigma2S: number;
  /** Late-window mean of the central flow's −η⟨∇S, ∇L⟩/S (the adiabatic parameter). */
  sharpeningRate: number;
  /** Block means along the run. */
  blocks: ToyBlock[];
  /** Fraction of late-window steps with σ² > 0; GD's first step with ηS ≥ 2 (−1 if none); max ηS. */
  edgeFraction: number;
  gdCrossStep: number;
  gdMaxEtaS: number;
  status: 'ok' | 'diverged' | 'interrupted';
  divergedAt?: number;
}

function toyCell(c: ImplicitRegularizationConfig, i: number, ctx: RunContext): ToyResult {
  const lr = c.toyLrs[i], cc = c.toyCs[i];
  const obj = edgeToyObjective(cc);
  const w0 = Float64Array.of(libm.log(2 / lr) - c.toyOffset, c.toyV0);
  const noise = new Rng(c.seed).split('toy-noise').split(i);
  const label = `η=${lr}, c=${cc}`;
  const T = c.toySteps, late = Math.floor(c.toyBurnIn * T), W = c.toyWindow;
  const every = Math.max(1, Math.floor(T / 800));
  const theta = Float64Array.from(w0);
  const top = topEigenTracker(obj.hvp, obj.dim, 1e-10, c.seed);
  const gdSharpness = () => top(theta).value;
  const acc = { n: 0, gdS: 0, cfS: 0, gdL: 0, cfL: 0, gdV: 0, cfV: 0, half: 0, edge: 0, rate: 0 };
  const blk = { n: 0, gdS: 0, cfS: 0, gdL: 0, cfL: 0, gdV: 0, cfV: 0 };
  const blocks: ToyBlock[] = [];
  let cross = -1, maxEtaS = 0, status: ToyResult['status'] = 'ok', divergedAt: number | undefined;
  const cf = centralFlow(obj, w0, {
    lr, steps: T, substeps: c.cfSubsteps, signal: ctx.signal, seed: c.seed,
    onStep: (k, w, pt, u) => {
      if (status !== 'ok') return;
      if (k > 0) {
        // One GD step to the same time, then the noise on v.
        const { grad } = obj.valueAndGrad(theta);
        theta[0] -= lr * grad[0];
        theta[1] -= lr * grad[1] - c.toyNoise * noise.normal();
      }
      const L = obj.value(theta);
      const S = gdSharpness();
      if (!Number.isFinite(L) || !Number.isFinite(S)) { status = 'diverged'; divergedAt = k; return; }
      const d = u[0] * (theta[0] - w[0]) + u[1] * (theta[1] - w[1]);
      const etaS = lr * S, cfEtaS = lr * pt.sharpness;
      if (cross < 0 && etaS >= 2) cross = k;
      maxEtaS = Math.max(maxEtaS, etaS);
      if (k % every === 0) {
        ctx.record('toySharpness', { case: label, step: k, etaS, method: 'GD' });
        ctx.record('toySharpness', { case: label, step: k, etaS: cfEtaS, method: 'theory' });
        ctx.record('toyLoss', { case: label, step: k, loss: L, method: 'GD' });
        ctx.record('toyLoss', { case: label, step: k, loss: pt.predictedLoss, method: 'theory' });
      }
      if (k < T) {
        blk.n++; blk.gdS += etaS; blk.cfS += cfEtaS; blk.gdL += L; blk.cfL += pt.predictedLoss; blk.gdV += d * d; blk.cfV += pt.sigma2;
        if (blk.n === W || k === T - 1) {
          const b: ToyBlock = { from: k + 1 - blk.n, to: k + 1, gdEtaS: blk.gdS / blk.n, cfEtaS: blk.cfS / blk.n, gdLoss: blk.gdL / blk.n, cfLoss: blk.cfL / blk.n, gdVariance: blk.gdV / blk.n, cfSigma2: blk.cfV / blk.n };
          blocks.push(b);
          const mid = (b.from + b.to) / 2;
          ctx.record('toySharpness', { case: label, step: mid, etaS: b.gdEtaS, method: 'GD block mean' });
          ctx.record('toyLoss', { case: label, step: mid, loss: b.gdLoss, method: 'GD block mean' });
          ctx.record('toyVariance', { case: label, step: mid, variance: b.gdVariance, method: 'GD ⟨(uᵀΔw)²⟩' });
          ctx.record('toyVariance', { case: label, step: mid, variance: b.cfSigma2, method: 'theory' });
          blk.n = blk.gdS = blk.cfS = blk.gdL = blk.cfL = blk.gdV = blk.cfV = 0;
        }
        if (k >= late) {
          acc.n++; acc.gdS += etaS; acc.cfS += cfEtaS; acc.gdL += L; acc.cfL += pt.predictedLoss; acc.gdV += d * d; acc.cfV += pt.sigma2;
          acc.half += 0.5 * pt.sigma2 * pt.sharpness;
          acc.rate += pt.sharpeningRate;
          if (pt.sigma2 > 0) acc.edge++;
        }
      }
      if (k % 1000 === 0) ctx.progress(k / T);
    },
  });
  if (cf.status === 'interrupted') status = 'interrupted';
  else if (cf.status === 'diverged' && status === 'ok') { status = 'diverged'; divergedAt = cf.steps; }
  const m = (x: number) => x / Math.max(acc.n, 1);
  return {
    lr, c: cc, sharpeningRate: m(acc.rate), gdEtaS: m(acc.gdS), cfEtaS: m(acc.cfS), gdLoss: m(acc.gdL), cfLoss: m(acc.cfL), gdVariance: m(acc.gdV), cfSigma2: m(acc.cfV), halfSigma2S: m(acc.half),
    blocks, edgeFraction: acc.n ? acc.edge / acc.n : 0, gdCrossStep: cross, gdMaxEtaS: maxEtaS, status,
    ...(divergedAt !== undefined ? { divergedAt } : {}),
  };
}

// ---------------------------------------------------------------------------------------
// (c) Adam's edge on a quadratic.

export interface AdamResult {
  threshold: number;
  /** λ_max(H)/ε: the preconditioned sharpness can never exceed it. */
  epsCap: number;
  reachStep: number;
  maxRatio: number;
  plateauFrom: number;
  plateauCount: number;
  plateauMean: number;
  plateauSe: number;
  finalLoss: number;
  status: 'ok' | 'diverged' | 'interrupted';
  divergedAt?: number;
}

function adamCell(c: ImplicitRegularizationConfig, ctx: RunContext): AdamResult {
  const rng = new Rng(c.seed).split('adam-quadratic');
  const d = c.adamDim;
  const lambdas = Array.from({ length: d }, (_, i) => c.adamLambdaMax * libm.pow(c.adamLambdaMin / c.adamLambdaMax, d === 1 ? 0 : i / (d - 1)));
  const Q = randomOrthogonal(d, rng.split('basis')).data;
  const H = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += Q[i * d + k] * lambdas[k] * Q[j * d + k];
    H[i * d + j] = s;
  }
  const Hv = (v: ArrayLike<number>) => {
    const out = new Float64Array(d);
    for (let i = 0; i < d; i++) { let s = 0; for (let j = 0; j < d; j++) s += H[i * d + j] * v[j]; out[i] = s; }
    return out;
  };
  const theta = rng.split('start').normals(d);
  const opt = adam({ beta1: c.adamBeta1, beta2: c.adamBeta2, eps: c.adamEps });
  const state = opt.init([theta]);
  const threshold = adamStabilityThreshold(c.adamLr, c.adamBeta1);
  const eigRng = rng.split('lanczos');
  let start: Float64Array | undefined;
  const steps: number[] = [], ratios: number[] = [];
  let status: AdamResult['status'] = 'ok', divergedAt: number | undefined, loss = NaN;
  const lossOf = () => { const g = Hv(theta); let s = 0; for (let i = 0; i < d; i++) s += theta[i] * g[i]; return 0.5 * s; };
  for (let t = 1; t <= c.adamSteps; t++) {
    if (ctx.signal.aborted) { status = 'interrupted'; break; }
    const g = Hv(theta);
    opt.step([g], state, [theta], t, c.adamLr);
    if (t % c.adamEvery === 0 || t === c.adamSteps) {
      loss = lossOf();
      if (!Number.isFinite(loss) || theta.some((x) => !Number.isFinite(x))) { status = 'diverged'; divergedAt = t; break; }
      const bc2 = 1 - libm.pow(c.adamBeta2, t);
      const vHat = state.v[0].map((x) => x / bc2);
      const r = preconditionedSharpness(Hv, d, { vHat, eps: c.adamEps, lr: c.adamLr, beta1: c.adamBeta1, step: t }, { tol: 1e-10, rng: eigRng, ...(start ? { start } : {}) });
      start = r.symmetricVector;
      steps.push(t); ratios.push(r.value / threshold);
      ctx.record('adam', { step: t, ratio: r.value / threshold, preconditionedSharpness: r.value, method: `Adam (β₁=${c.adamBeta1})` });
      ctx.record('adamLoss', { step: t, loss: Math.max(loss, 1e-300), method: 'Adam' });
    }
    if (t % 500 === 0) ctx.progress(t / c.adamSteps);
  }
  for (const step of [0, c.adamSteps]) ctx.record('adam', { step, ratio: 1, preconditionedSharpness: threshold, method: 'theory' });
  const iReach = ratios.findIndex((x) => x >= c.reachFraction);
  const reachStep = iReach >= 0 ? steps[iReach] : -1;
  const last = steps.length ? steps[steps.length - 1] : 0;
  const from = reachStep >= 0 ? reachStep + c.adamBurnIn * (last - reachStep) : Infinity;
  const plateau = ratios.filter((_, i) => steps[i] >= from);
  const mean = plateau.length ? plateau.reduce((a, b) => a + b, 0) / plateau.length : NaN;
  // Standard error by batch means (5 batches): neighbouring measurements are correlated.
  let se = NaN;
  if (plateau.length >= 5) {
    const B = 5, means: number[] = [];
    for (let b = 0; b < B; b++) {
      const lo = Math.floor((b * plateau.length) / B), hi = Math.floor(((b + 1) * plateau.length) / B);
      means.push(plateau.slice(lo, hi).reduce((a, x) => a + x, 0) / (hi - lo));
    }
    const mb = means.reduce((a, x) => a + x, 0) / B;
    se = Math.sqrt(means.reduce((a, x) => a + (x - mb) ** 2, 0) / (B - 1) / B);
  }
  return {
    threshold, epsCap: c.adamEps > 0 ? c.adamLambdaMax / c.adamEps : Infinity, reachStep, maxRatio: ratios.length ? Math.max(...ratios) : NaN,
    plateauFrom: from, plateauCount: plateau.length, plateauMean: mean, plateauSe: se, finalLoss: loss, status,
    ...(divergedAt !== undefined ? { divergedAt } : {}),
  };
}

// ---------------------------------------------------------------------------------------
// Grid.

type Cell =
  | { part: 'modified-flow'; role: 'flow' }
  | { part: 'modified-flow'; role: 'gd'; eta: number }
  | { part: 'central-flow'; index: number }
  | { part: 'adam-edge' };

type CellResult =
  | { part: 'modified-flow'; role: 'flow'; flow: BeaFlowResult }
  | { part: 'modified-flow'; role: 'gd'; run: BeaGdResult }
  | { part: 'central-flow'; toy: ToyResult }
  | { part: 'adam-edge'; adam: AdamResult };

export interface ImplicitRegularizationResult {
  bea?: BeaResult;
  toy?: ToyResult[];
  adam?: AdamResult;
  missing?: number;
}

function cells(c: ImplicitRegularizationConfig, p: ImplicitRegularizationPrediction): Cell[] {
  const out: Cell[] = [];
  if (c.parts.includes('modified-flow')) {
    out.push({ part: 'modified-flow', role: 'flow' });
    for (const eta of p.etas) out.push({ part: 'modified-flow', role: 'gd', eta });
  }
  if (c.parts.includes('central-flow')) c.toyLrs.forEach((_, index) => out.push({ part: 'central-flow', index }));
  if (c.parts.includes('adam-edge')) out.push({ part: 'adam-edge' });
  return out;
}

function cell(c: ImplicitRegularizationConfig, key: Cell, ctx: RunContext): CellResult {
  if (key.part === 'modified-flow') {
    return key.role === 'flow' ? { part: key.part, role: 'flow', flow: beaFlowCell(c, ctx) } : { part: key.part, role: 'gd', run: beaGdCell(c, key.eta, ctx) };
  }
  if (key.part === 'central-flow') return { part: key.part, toy: toyCell(c, key.index, ctx) };
  return { part: key.part, adam: adamCell(c, ctx) };
}

function aggregate(c: ImplicitRegularizationConfig, results: (CellResult | null)[], ctx: RunContext, p: ImplicitRegularizationPrediction): ImplicitRegularizationResult {
  const keys = cells(c, p);
  const out: ImplicitRegularizationResult = {};
  const missing = results.filter((r) => r === null).length;
  if (c.parts.includes('modified-flow')) {
    const flowIdx = keys.findIndex((k) => k.part === 'modified-flow' && k.role === 'flow');
    const flow = results[flowIdx] as Extract<CellResult, { role: 'flow' }> | null;
    const runs = keys.flatMap((k, i) => (k.part === 'modified-flow' && k.role === 'gd' ? [(results[i] as Extract<CellResult, { role: 'gd' }> | null)?.run ?? null] : []));
    out.bea = aggregateBea(c, flow?.flow ?? null, runs, ctx);
  }
  if (c.parts.includes('central-flow')) {
    out.toy = keys.flatMap((k, i) => (k.part === 'central-flow' && results[i] ? [(results[i] as Extract<CellResult, { part: 'central-flow' }>).toy] : []));
  }
  if (c.parts.includes('adam-edge')) {
    const i = keys.findIndex((k) => k.part === 'adam-edge');
    const r = results[i] as Extract<CellResult, { part: 'adam-edge' }> | null;
    if (r) out.adam = r.adam;
  }
  return { ...out, ...(missing ? { missing } : {}) };
}

// ---------------------------------------------------------------------------------------
// Verdict.

function beaChecks(c: ImplicitRegularizationConfig, r: BeaResult, p: ImplicitRegularizationPrediction): { checks: Check[]; regime: RegimeCondition[] } {
  const names = ['(a) plain gradient flow is O(η) from GD', '(a) modified flow is O(η²) from GD'];
  if (r.status === 'diverged') return { checks: divergedChecks(names, r.divergedAt ?? -1), regime: [] };
  const etaMax = Math.max(...r.etas);
  const regime = [
    regimeCondition('(a) η_max·S_max (expansion parameter of backward error analysis)', etaMax * r.sharpnessMax, 'max', c.maxEtaSharpness),
    regimeCondition('(a) RK4 error over the smallest modified-flow gap, (S·dt)⁴/(40(η_min·S)²)', r.rk4Budget, 'max', 0.01),
    regimeCondition('(a) values of η fitted', r.etas.length, 'min', 4),
  ];
  const tol = { kind: 'abs' as const, value: c.slopeTolerance };
  const fmtD = (d: number[]) => d.map((x) => x.toExponential(2)).join(', ');
  return {
    regime,
    checks: [
      numericCheck({
        name: names[0], quantity: 'log-log slope of ‖θ_GD(T/η) − θ_GF(T)‖ against η', predicted: p.orders.flow, measured: r.slopeFlow,
        uncertainty: r.slopeFlowSe, tolerance: tol, regime, note: `distances ${fmtD(r.distanceFlow)} at η = ${r.etas.join(', ')}`,
      }),
      numericCheck({
        name: names[1], quantity: `log-log slope of ‖θ_GD(T/η) − θ_mod(T)‖ against η, modified loss L + ${c.modifiedCoefficient}·η‖∇L‖²`,
        predicted: p.orders.modified, measured: r.slopeModified, uncertainty: r.slopeModifiedSe, tolerance: tol, regime,
        note: `distances ${fmtD(r.distanceModified)}${c.modifiedCoefficient !== 0.25 ? `; κ = ${c.modifiedCoefficient} ≠ ¼: control, O(η²) not expected` : ''}`,
      }),
    ],
  };
}

function toyChecks(c: ImplicitRegularizationConfig, r: ToyResult): { checks: Check[]; regime: RegimeCondition[] } {
  const lab = `(b) η=${r.lr}, c=${r.c}:`;
  const names = [`${lab} time-averaged sharpness`, `${lab} oscillation variance`, `${lab} time-averaged loss`, `${lab} sharpness trajectory`, `${lab} loss trajectory`];
  if (r.status === 'diverged') return { checks: divergedChecks(names, r.divergedAt ?? -1), regime: [] };
  const regime = [
    regimeCondition(`${lab} fraction of the late window with the central flow on the edge (σ² > 0)`, r.edgeFraction, 'min', 0.9),
    regimeCondition(`${lab} GD's max ηS (sharpening reached 2/η)`, r.gdMaxEtaS / 2, 'min', c.reachFraction),
    regimeCondition(`${lab} blocks of ${c.toyWindow} steps`, r.blocks.length, 'min', 2),
    regimeCondition(`${lab} sharpening rate per step −η⟨∇S,∇L⟩/S on the edge (adiabatic: oscillation faster than sharpening)`, r.sharpeningRate, 'max', c.maxSharpeningRate),
  ];
  const devS = Math.max(...r.blocks.map((b) => Math.abs(b.gdEtaS - b.cfEtaS) / b.cfEtaS));
  const devL = r.halfSigma2S > 0 ? Math.max(...r.blocks.map((b) => Math.abs(b.gdLoss - b.cfLoss))) / r.halfSigma2S : NaN;
  return {
    regime,
    checks: [
      numericCheck({ name: names[0], quantity: 'η⟨S(w_GD)⟩ over the late window vs ηS(w_CF)', predicted: r.cfEtaS, measured: r.gdEtaS, tolerance: { kind: 'rel', value: c.sharpnessTolerance }, regime }),
      numericCheck({ name: names[1], quantity: '⟨(uᵀ(w_GD − w_CF))²⟩ over the late window vs the central flow’s σ²', predicted: r.cfSigma2, measured: r.gdVariance, tolerance: { kind: 'rel', value: c.varianceTolerance }, regime }),
      numericCheck({
        name: names[2], quantity: '⟨L(w_GD)⟩ over the late window vs L̄ = L(w_CF) + ½σ²S', predicted: r.cfLoss, measured: r.gdLoss,
        tolerance: { kind: 'abs', value: c.lossTolerance * r.halfSigma2S }, regime, note: `tolerance ${c.lossTolerance}·½σ²S = ${fmt(c.lossTolerance * r.halfSigma2S)}`,
      }),
      numericCheck({
        name: names[3], quantity: `max over blocks of ${c.toyWindow} steps of |η⟨S⟩_GD − η⟨S⟩_CF|/η⟨S⟩_CF`, predicted: 0, measured: devS,
        tolerance: { kind: 'abs', value: c.sharpnessTolerance }, regime,
      }),
      numericCheck({
        name: names[4], quantity: `max over blocks of ${c.toyWindow} steps of |⟨L⟩_GD − ⟨L̄⟩_CF| / (late-window ½σ²S)`, predicted: 0, measured: devL,
        tolerance: { kind: 'abs', value: c.lossTolerance }, regime,
      }),
    ],
  };
}

function adamChecks(c: ImplicitRegularizationConfig, r: AdamResult): { checks: Check[]; regime: RegimeCondition[] } {
  const name = `(c) Adam preconditioned sharpness plateaus at (2 + 2β₁)/((1 − β₁)η) = ${fmt(r.threshold)}`;
  if (r.status === 'diverged') return { checks: divergedChecks([name], r.divergedAt ?? -1), regime: [] };
  const regime = [
    regimeCondition('(c) λ_max(H)/(ε·threshold) (P ≥ ε caps λ_max(P⁻¹H) at λ_max(H)/ε)', r.epsCap / r.threshold, 'min', 1),
    regimeCondition('(c) max λ_max(P⁻¹H)/threshold (threshold reached within the budget)', r.maxRatio, 'min', c.reachFraction),
    regimeCondition('(c) measurements in the plateau window', r.plateauCount, 'min', 10),
  ];
  return {
    regime,
    checks: [numericCheck({
      name, quantity: 'mean λ_max(P⁻¹H)/threshold over the plateau window', predicted: 1, measured: r.plateauMean, uncertainty: r.plateauSe,
      tolerance: { kind: 'range', lo: 1 - c.adamBand, hi: 1 + c.adamBand }, regime,
      note: `first reached at step ${r.reachStep}; window from step ${fmt(r.plateauFrom)}; max ratio ${fmt(r.maxRatio)}`,
    })],
  };
}

function compare(c: ImplicitRegularizationConfig, r: ImplicitRegularizationResult, p: ImplicitRegularizationPrediction) {
  const checks: Check[] = [], regime: RegimeCondition[] = [];
  const notes: string[] = [];
  let interrupted = !!r.missing;
  if (r.bea) {
    const x = beaChecks(c, r.bea, p);
    checks.push(...x.checks); regime.push(...x.regime);
    if (r.bea.status === 'interrupted') interrupted = true;
    notes.push(`(a) S(θ₀) = ${fmt(r.bea.sharpness0)}, S_max = ${fmt(r.bea.sharpnessMax)}, slopes ${fmt(r.bea.slopeFlow)} (flow) and ${fmt(r.bea.slopeModified)} (modified)`);
  }
  for (const t of r.toy ?? []) {
    const x = toyChecks(c, t);
    checks.push(...x.checks); regime.push(...x.regime);
    if (t.status === 'interrupted') interrupted = true;
    notes.push(`(b) η=${t.lr}, c=${t.c}: η⟨S⟩ = ${fmt(t.gdEtaS)}, ⟨v²⟩ = ${fmt(t.gdVariance)} (σ² = ${fmt(t.cfSigma2)}), ⟨L⟩ = ${fmt(t.gdLoss)} (L̄ = ${fmt(t.cfLoss)})`);
  }
  if (r.adam) {
    const x = adamChecks(c, r.adam);
    checks.push(...x.checks); regime.push(...x.regime);
    if (r.adam.status === 'interrupted') interrupted = true;
    notes.push(`(c) plateau λ_max(P⁻¹H)/threshold = ${fmt(r.adam.plateauMean)}`);
  }
  return { checks, regime, status: interrupted ? 'interrupted' as const : 'ok' as const, note: notes.join('; ') };
}

function plots(c: ImplicitRegularizationConfig): PlotSpec[] {
  const out: PlotSpec[] = [];
  if (c.parts.includes('modified-flow')) {
    out.push({
      title: '(a) Distance from GD at time T against η', kind: 'lines', series: 'distance', x: 'eta', y: 'distance', stroke: 'curve', dashed: 'method', xType: 'log', yType: 'log',
      caption: `‖θ_GD(T/η) − θ_flow(T)‖ at T = ${c.beaTime}; dashed: C·η (plain gradient flow) and C·η² (modified flow on L + (η/4)‖∇L‖²) through the measurements' geometric mean.`,
    });
    out.push({ title: '(a) Gradient flow: loss and sharpness', kind: 'lines', series: 'beaFlow', x: 'time', y: 'sharpness', caption: 'λ_max(∇²L) along the flow (sets the expansion parameter ηS).' });
  }
  if (c.parts.includes('central-flow')) {
    out.push({ title: '(b) Toy: ηS of GD and of the central flow', kind: 'lines', series: 'toySharpness', x: 'step', y: 'etaS', stroke: 'method', dashed: 'method', facet: 'case', rules: [{ y: 2, label: 'ηS = 2' }], caption: `GD on L = ½e^u v² + c·u oscillates in bursts around the edge; block means over ${c.toyWindow} steps; dashed: the central flow.` });
    out.push({ title: '(b) Toy: loss of GD and the central flow’s L̄ = L + ½σ²S', kind: 'lines', series: 'toyLoss', x: 'step', y: 'loss', stroke: 'method', dashed: 'method', facet: 'case' });
    out.push({ title: '(b) Toy: oscillation variance ⟨(uᵀ(w_GD − w_CF))²⟩ against σ²', kind: 'lines', series: 'toyVariance', x: 'step', y: 'variance', stroke: 'method', dashed: 'method', facet: 'case', yType: 'log' });
  }
  if (c.parts.includes('adam-edge')) {
    out.push({ title: '(c) Adam: preconditioned sharpness over its threshold', kind: 'lines', series: 'adam', x: 'step', y: 'ratio', stroke: 'method', dashed: 'method', rules: [{ y: 1, label: '(2 + 2β₁)/((1 − β₁)η)' }], caption: 'λ_max(P⁻¹H)·(1 − β₁)η/(2 + 2β₁) for Adam on a quadratic; 1 is the edge.' });
    out.push({ title: '(c) Adam: loss', kind: 'lines', series: 'adamLoss', x: 'step', y: 'loss', stroke: 'method', yType: 'log' });
  }
  return out;
}

function summary(_c: ImplicitRegularizationConfig, r: ImplicitRegularizationResult): Record<string, number> {
  const out: Record<string, number> = {};
  if (r.bea) {
    out.slopeFlow = r.bea.slopeFlow;
    out.slopeModified = r.bea.slopeModified;
    out.etaMaxSharpness = Math.max(...r.bea.etas) * r.bea.sharpnessMax;
  }
  (r.toy ?? []).forEach((t, i) => {
    out[`toy${i}EtaS`] = t.gdEtaS;
    out[`toy${i}VarianceRatio`] = t.gdVariance / t.cfSigma2;
    out[`toy${i}LossError`] = (t.gdLoss - t.cfLoss) / t.halfSigma2S;
  });
  if (r.adam) out.adamPlateauRatio = r.adam.plateauMean;
  return out;
}

export const implicitRegularizationExperiment: Experiment<ImplicitRegularizationConfig, ImplicitRegularizationResult, ImplicitRegularizationPrediction> = {
  name: 'implicit-regularization',
  title: 'Step size as curvature regularization: modified flow, central flow, Adam’s edge',
  strand: 'implicit regularization of the step size (Barrett & Dherin 2021; Cohen et al. 2022, 2024)',
  description: '(a) GD is O(η²) close to the modified flow on L + (η/4)‖∇L‖² and only O(η) close to gradient flow (fitted slopes on a small MLP); (b) at the edge of stability the k = 1 central flow predicts GD’s time-averaged sharpness, loss and oscillation variance (planted toy); (c) Adam’s preconditioned sharpness plateaus at (2 + 2β₁)/((1 − β₁)η).',
  schema: implicitRegularizationSchema,
  quick: {},
  variants: [
    { label: '(a) η so large the expansion in ηS fails (η_max·S > 3)', config: { parts: ['modified-flow'], beaEtas: [1.2, 0.6, 0.3, 0.15] }, expect: 'out-of-regime' },
    { label: '(a) control: modified loss with κ = ½ instead of ¼ (still O(η))', config: { parts: ['modified-flow'], modifiedCoefficient: 0.5 }, expect: 'falsified' },
    { label: '(b) before sharpening reaches 2/η (the flow is plain gradient flow)', config: { parts: ['central-flow'], toyOffset: 3, toySteps: 2500, toyWindow: 500 }, expect: 'out-of-regime' },
    { label: '(b) sharpening too fast for the time average (η|c| = 2.5e-3 per step)', config: { parts: ['central-flow'], toyLrs: [0.05], toyCs: [-0.05] }, expect: 'out-of-regime' },
    { label: '(c) RMSProp (β₁ = 0): threshold 2/η', config: { parts: ['adam-edge'], adamBeta1: 0 }, expect: 'confirmed' },
    { label: '(c) ε so large that P ≥ ε keeps λ_max(P⁻¹H) below the threshold', config: { parts: ['adam-edge'], adamEps: 0.01 }, expect: 'out-of-regime' },
  ],
  predict,
  grid: {
    cells,
    cell,
    aggregate,
    cost: (c, k: Cell) => (k.part === 'modified-flow' ? (k.role === 'flow' ? 0.5 : 1) : k.part === 'central-flow' ? 1.5 * c.toySteps / 40_000 : 0.3),
  },
  compare,
  plots,
  summary,
};
