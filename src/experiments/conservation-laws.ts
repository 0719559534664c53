/**
 * Experiment `conservation-laws`: Noether's theorem for learning (Kunin et al. 2021, "Neural
 * mechanics"; theory/noether.ts). Network on a Gaussian-mixture classification task:
 *
 *   x (d) → W₁x + b₁ → LayerNorm(ε, no affine) → W₂· + b₂ → ReLU → W₃· + b₃ → softmax CE,
 *
 * with three symmetry groups: scale (W₁, b₁) in front of the norm (exact for ε = 0), rescale per
 * ReLU neuron k (row k of W₂ and b₂ vs column k of W₃), translation of the softmax readout (the
 * column sums of W₃ and Σ_c b₃_c). Cells (grid):
 *   identities: `steps` steps of the configured optimizer (SGD minibatches, coupled decay λ):
 *     every step's charges against the exact discrete identities S' = (1 − ηλ)S,
 *     Q' = (1 − ηλ)²Q + η²‖g_A‖², Δ' = (1 − ηλ)²Δ + η²(‖g_{A1}‖² − ‖g_{A2}‖²);
 *   flow (dt, dt/2): full-batch RK4 gradient flow, λ = 0, over time T: the charges are conserved
 *     to the integrator's O(dt⁴);
 *   flow-wd: RK4 flow with decay λ: S(t) = e^{−λt}S(0), Q, Δ ∝ e^{−2λt};
 *   gd (η, η/2, η/4): full-batch GD, λ = 0, over the same time T: the quadratic charges drift by
 *     η∫₀ᵀ source dτ + O(η²) (slope 1 in η; the source integrated along the flow cell), the
 *     translation charge not at all.
 * Tolerances: identities ≤ 1e-10 relative (science notes §B5: they are exact; float64 roundoff
 * of a few hundred operations is ~1e-14). Flow: (i) each charge's drift stays within what the
 * integrator's own error allows, bounded from ε = ‖θ_dt(T) − θ_{dt/2}(T)‖ (see flowLawStats),
 * and (ii) the drift vanishes as dt → 0: order log₂(drift(dt)/drift(dt/2)) ≥ 0.5 for ReLU (the
 * field is only piecewise smooth, RK4's order drops to ~1–2 at the kinks; 0.5 leaves room for the
 * two-point estimate) and 4 ± 1 with the linear activation (smooth field); a law broken by the
 * model itself keeps its drift as dt → 0 (order ≈ 0). GD slope 1 ± 0.15 (first order in η); GD
 * prefactor: the Richardson extrapolation of c = drift/η on the two smallest η against the flow
 * integral within 5 % (O(η²) remainder and trapezoid error; the second difference of c, ~2 %, is
 * reported beside it).
 * Regime: the identities assume a memoryless gradient step, measured as
 * max_t ‖u_t + η(g_t + λθ_t)‖/‖η(g_t + λθ_t)‖ ≤ 1e-12 (0 for SGD); momentum and Adam fail it
 * (out of regime: momentum breaks the ReLU law, Adam's per-coordinate scaling every law). A norm ε > 0
 * breaks the scale symmetry itself: a falsified control showing the 1e-10 test has power.
 */
import { z } from 'zod';
import { Rng } from '../engine/rng.js';
import { tensor, type Tensor } from '../engine/tensor.js';
import { add, matmulT, relu, softmaxCrossEntropy } from '../engine/ops.js';
import { standardize } from '../nn/layers/norm.js';
import { valueAndGrad } from '../engine/autodiff.js';
import { flatLoss, flatten, paramCount } from '../engine/params.js';
import { mat } from '../engine/linalg/index.js';
import { neuronNorms, squaredNorm, translationCharges } from '../observables/conservation.js';
import { logLogFit } from '../observables/fit.js';
import { decayFactors, firstOrderDrift, flowCharge, quadraticStep, translationStep } from '../theory/noether.js';
import { gradientFlow } from '../training/flow.js';
import type { Objective } from '../training/objective.js';
import { sgd } from '../training/optim/sgd.js';
import { adam } from '../training/optim/adam.js';
import { applyUpdates, type Optimizer } from '../training/optim/types.js';
import type { Check, Experiment, PlotSpec, RegimeCondition, RunContext } from './types.js';
import { fmt, numericCheck, regimeCondition } from './verdict.js';
import * as libm from '../engine/libm.js';

export const conservationLawsSchema = z.object({
  dim: z.number().int().min(1).max(256).default(8).describe('input dimension d'),
  classes: z.number().int().min(2).max(32).default(4).describe('number of classes C (softmax readout)'),
  hidden: z.number().int().min(1).max(256).default(16).describe('width of both hidden layers'),
  samples: z.number().int().min(4).max(10_000).default(128).describe('training inputs n (Gaussian mixture)'),
  batch: z.number().int().min(1).max(10_000).default(16).describe('SGD minibatch size of the identities cell'),
  optimizer: z.enum(['sgd', 'momentum', 'adam']).default('sgd').describe('optimizer of the identities cell (momentum: heavy ball μ = 0.9; adam: β = (0.9, 0.999))'),
  lr: z.number().gt(0).max(10).default(0.3).describe('learning rate η of the identities cell'),
  weightDecay: z.number().min(0).max(1).default(0.01).describe('coupled weight decay λ (identities and flow-wd cells)'),
  steps: z.number().int().min(1).max(100_000).default(50).describe('steps of the identities cell'),
  activation: z.enum(['relu', 'linear']).default('relu').describe('hidden activation (both 1-homogeneous; linear makes the flow smooth, so RK4\'s O(dt⁴) shows)'),
  normEps: z.number().min(0).max(1).default(0).describe('LayerNorm ε (0: exact scale symmetry)'),
  horizon: z.number().gt(0).max(100).default(2).describe('time T of the flow and GD cells'),
  dt: z.number().gt(0).max(1).default(0.02).describe('RK4 step (the flow is also run at dt/2)'),
  gdLrs: z.array(z.number().gt(0).max(10)).min(0).max(8).default([0.08, 0.04, 0.02]).describe('GD learning rates for the O(η) drift ([] to skip)'),
  flowWeightDecay: z.number().min(0).max(10).default(0.5).describe('λ of the flow-wd cell (0 to skip)'),
  seed: z.number().int().min(0).max(2 ** 31).default(0).describe('random seed'),
});

export type ConservationLawsConfig = z.infer<typeof conservationLawsSchema>;

export interface ConservationLawsPrediction {
  identityTolerance: number;
  decay: { translation: number; quadratic: number };
  flowOrder: number;
  gdSlope: number;
}

const IDENTITY_TOL = 1e-10;
const ROUNDOFF_FLOOR = 1e-13;
/** Relative drift below which both flows count as conserving to roundoff (no order to measure). */
const FLOOR_DRIFT = 1e-12;
const MEMORYLESS_TOL = 1e-12;

export function predictConservationLaws(c: ConservationLawsConfig): ConservationLawsPrediction {
  if (c.batch > c.samples) throw new RangeError(`--batch: must be ≤ samples = ${c.samples} (got ${c.batch})`);
  return { identityTolerance: IDENTITY_TOL, decay: decayFactors(c.lr, c.weightDecay), flowOrder: 4, gdSlope: 1 };
}

// ---------------------------------------------------------------------------------------------
// Data, network, charges.

interface Task { X: Float64Array; Y: Float64Array }

/** Gaussian mixture: class means ~ N(0, 2 I_d), x = μ_c + N(0, I_d), classes balanced; one-hot Y. */
function mixture(c: ConservationLawsConfig, rng: Rng): Task {
  const means = rng.split('means').normals(c.classes * c.dim, Math.SQRT2);
  const noise = rng.split('noise').normals(c.samples * c.dim);
  const X = new Float64Array(c.samples * c.dim), Y = new Float64Array(c.samples * c.classes);
  for (let i = 0; i < c.samples; i++) {
    const k = i % c.classes;
    Y[i * c.classes + k] = 1;
    for (let j = 0; j < c.dim; j++) X[i * c.dim + j] = means[k * c.dim + j] + noise[i * c.dim + j];
  }
  return { X, Y };
}

function shapes(c: ConservationLawsConfig): number[][] {
  return [[c.hidden, c.dim], [c.hidden], [c.hidden, c.hidden], [c.hidden], [c.classes, c.hidden], [c.classes]];
}

function initParams(c: ConservationLawsConfig, rng: Rng): Float64Array[] {
  return shapes(c).map((s, i) => {
    const fanIn = s.length === 2 ? s[1] : 1;
    const std = s.length === 2 ? Math.sqrt((i === 2 ? 2 : 1) / fanIn) : 0.1;
    return rng.split(`p${i}`).normals(s.reduce((a, b) => a * b, 1), std);
  });
}

function lossOf(c: ConservationLawsConfig, X: Tensor, Y: Tensor) {
  return (W1: Tensor, b1: Tensor, W2: Tensor, b2: Tensor, W3: Tensor, b3: Tensor): Tensor => {
    const u = standardize(add(matmulT(X, W1, false, true), b1), c.normEps);
    const z2 = add(matmulT(u, W2, false, true), b2);
    const h = c.activation === 'relu' ? relu(z2) : z2;
    return softmaxCrossEntropy(add(matmulT(h, W3, false, true), b3), Y);
  };
}

interface Charges {
  /** Translation: column sums of W₃ and Σb₃; with the scale Σ_c|·| of each entry's terms. */
  S: Float64Array; Sscale: Float64Array;
  /** Scale: ‖W₁‖² + ‖b₁‖². */
  Q: number;
  /** Rescale per neuron: incoming − outgoing; scale incoming + outgoing. */
  D: Float64Array; Dscale: Float64Array;
}

function chargesOf(c: ConservationLawsConfig, ps: readonly ArrayLike<number>[]): Charges {
  const W2 = mat(c.hidden, c.hidden, Float64Array.from(ps[2])), W3 = mat(c.classes, c.hidden, Float64Array.from(ps[4]));
  const { incoming, outgoing } = neuronNorms(W2, ps[3], W3);
  const abs3 = mat(c.classes, c.hidden, W3.data.map(Math.abs));
  return {
    S: translationCharges(W3, ps[5]), Sscale: translationCharges(abs3, Array.from(ps[5], Math.abs)),
    Q: squaredNorm(ps[0], ps[1]),
    D: incoming.map((v, k) => v - outgoing[k]), Dscale: incoming.map((v, k) => v + outgoing[k]),
  };
}

/** Sources of the quadratic identities: ‖g_A‖² for the scale group, ‖g_in,k‖² − ‖g_out,k‖² per neuron. */
function sourcesOf(c: ConservationLawsConfig, gs: readonly ArrayLike<number>[]): { q: number; d: Float64Array } {
  const { incoming, outgoing } = neuronNorms(mat(c.hidden, c.hidden, Float64Array.from(gs[2])), gs[3], mat(c.classes, c.hidden, Float64Array.from(gs[4])));
  return { q: squaredNorm(gs[0], gs[1]), d: incoming.map((v, k) => v - outgoing[k]) };
}

function maxRel(a: ArrayLike<number>, b: ArrayLike<number>, scale: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / (scale[i] || 1));
  return m;
}

function splitFlat(c: ConservationLawsConfig, theta: Float64Array): Float64Array[] {
  const out: Float64Array[] = [];
  let o = 0;
  for (const s of shapes(c)) { const n = s.reduce((a, b) => a * b, 1); out.push(theta.subarray(o, o + n)); o += n; }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Cells.

type Key = { kind: 'identities' } | { kind: 'flow'; dt: number; wd: number } | { kind: 'gd'; lr: number };

interface IdentitiesCell {
  kind: 'identities'; status: string;
  translation: number; scale: number; rescale: number;
  /** max_t ‖u_t + η(g_t + λθ_t)‖/‖η(g_t + λθ_t)‖. */
  memoryless: number;
  /** S_T/S_0 (largest |S_0| entry) and (1 − ηλ)^T. */
  translationRatio: number; translationRatioPredicted: number;
}

interface FlowCell {
  kind: 'flow'; dt: number; wd: number; status: string;
  /** θ(T), for the integrator's error estimate ‖θ_dt(T) − θ_{dt/2}(T)‖. */
  theta: Float64Array;
  /** Charge(T) − flow prediction, with the scale of each charge's terms at T. */
  driftS: Float64Array; Sscale: Float64Array; driftQ: number; Q: number; driftD: Float64Array; Dscale: Float64Array;
  /** λ = 0: ∫₀ᵀ ‖g_A‖² dτ and per neuron ∫(‖g_in‖² − ‖g_out‖²)dτ (trapezoid on the RK4 grid). */
  sourceQ: number; sourceD: Float64Array;
}

interface GdCell {
  kind: 'gd'; lr: number; status: string;
  /** Q_T − Q_0, Δ_T − Δ_0 (per neuron), max relative translation drift. */
  driftQ: number; driftD: Float64Array; translation: number;
}

type Cell = IdentitiesCell | FlowCell | GdCell;

export interface ConservationLawsResult { cells: Cell[] }

function makeOptimizer(c: ConservationLawsConfig): Optimizer<any> {
  if (c.optimizer === 'momentum') return sgd({ momentum: 0.9, weightDecay: c.weightDecay });
  if (c.optimizer === 'adam') return adam({ weightDecay: c.weightDecay });
  return sgd({ weightDecay: c.weightDecay });
}

function identitiesCell(c: ConservationLawsConfig, ctx: RunContext): IdentitiesCell {
  const rng = new Rng(c.seed);
  const task = mixture(c, rng.split('data'));
  let ps = initParams(c, rng.split('init'));
  const sh = shapes(c);
  const opt = makeOptimizer(c);
  let state = opt.init(ps);
  const brng = rng.split('batches');
  const Xb = new Float64Array(c.batch * c.dim), Yb = new Float64Array(c.batch * c.classes);
  const { lr, weightDecay: wd } = c;
  let translation = 0, scale = 0, rescale = 0, memoryless = 0;
  let ch = chargesOf(c, ps);
  const S0 = ch.S.slice();
  let jMax = 0;
  S0.forEach((s, j) => { if (Math.abs(s) > Math.abs(S0[jMax])) jMax = j; });
  // Charge trajectories for the plots: identity recursion from the measured start.
  let predD = ch.D.slice(), predQ = ch.Q;
  const nTrack = Math.min(4, c.hidden);
  const record = (t: number) => {
    for (let k = 0; k < nTrack; k++) {
      ctx.record('rescale', { step: t, neuron: `k = ${k + 1}`, charge: ch.D[k], kind: 'measured' });
      ctx.record('rescale', { step: t, neuron: `k = ${k + 1}`, charge: predD[k], kind: 'theory' });
    }
    ctx.record('scale', { step: t, charge: ch.Q, kind: 'measured' });
    ctx.record('scale', { step: t, charge: predQ, kind: 'theory' });
    ctx.record('translation', { step: t, ratio: ch.S[jMax] / S0[jMax], kind: 'measured' });
    ctx.record('translation', { step: t, ratio: powInt(1 - lr * wd, t), kind: 'theory' });
  };
  record(0);
  let status = 'completed';
  for (let t = 1; t <= c.steps; t++) {
    if (ctx.signal.aborted) { status = 'interrupted'; break; }
    const idx = brng.split(t).permutation(c.samples).subarray(0, c.batch);
    for (let b = 0; b < c.batch; b++) {
      Xb.set(task.X.subarray(idx[b] * c.dim, (idx[b] + 1) * c.dim), b * c.dim);
      Yb.set(task.Y.subarray(idx[b] * c.classes, (idx[b] + 1) * c.classes), b * c.classes);
    }
    const f = lossOf(c, tensor(Xb.slice(), [c.batch, c.dim]), tensor(Yb.slice(), [c.batch, c.classes]));
    const r = valueAndGrad(f as (...p: Tensor[]) => Tensor, ps.map((p, i) => tensor(p.slice(), sh[i])));
    const gs = r.grads.map((g) => Float64Array.from(g.data));
    if (!Number.isFinite(r.value)) { status = 'diverged'; break; }
    const up = opt.update(gs, state, ps, t, lr);
    state = up.state;
    let dev = 0, ref = 0;
    ps.forEach((p, k) => {
      for (let i = 0; i < p.length; i++) {
        const sgdU = -(lr * (gs[k][i] + wd * p[i]));
        dev += (up.updates[k][i] - sgdU) ** 2; ref += sgdU * sgdU;
      }
    });
    memoryless = Math.max(memoryless, ref > 0 ? Math.sqrt(dev / ref) : Math.sqrt(dev));
    const next = applyUpdates(ps, up.updates) as Float64Array[];
    const chNext = chargesOf(c, next);
    const src = sourcesOf(c, gs);
    const S = translationStep(ch.S, lr, wd);
    const Q = quadraticStep(ch.Q, src.q, lr, wd);
    const D = ch.D.map((d, k) => quadraticStep(d, src.d[k], lr, wd));
    const tr = maxRel(chNext.S, S, chNext.Sscale), sc = Math.abs(chNext.Q - Q) / chNext.Q, rs = maxRel(chNext.D, D, chNext.Dscale);
    translation = Math.max(translation, tr); scale = Math.max(scale, sc); rescale = Math.max(rescale, rs);
    ctx.record('residuals', { step: t, law: 'translation', residual: Math.max(tr, 1e-18) });
    ctx.record('residuals', { step: t, law: 'scale', residual: Math.max(sc, 1e-18) });
    ctx.record('residuals', { step: t, law: 'rescale', residual: Math.max(rs, 1e-18) });
    predD = predD.map((d, k) => quadraticStep(d, src.d[k], lr, wd));
    predQ = quadraticStep(predQ, src.q, lr, wd);
    ps = next; ch = chNext;
    record(t);
    ctx.progress(t / c.steps);
  }
  return {
    kind: 'identities', status, translation, scale, rescale, memoryless,
    translationRatio: ch.S[jMax] / S0[jMax], translationRatioPredicted: powInt(1 - lr * wd, c.steps),
  };
}

/** x^k for an integer k ≥ 0 by repeated multiplication (exact order of the per-step products). */
function powInt(x: number, k: number): number {
  let r = 1;
  for (let i = 0; i < k; i++) r *= x;
  return r;
}

function fullBatchObjective(c: ConservationLawsConfig, wd: number): { obj: Objective; grad: (theta: Float64Array) => Float64Array; theta0: Float64Array } {
  const rng = new Rng(c.seed);
  const task = mixture(c, rng.split('data'));
  const ps = initParams(c, rng.split('init'));
  const like = ps.map((p, i) => tensor(p, shapes(c)[i]));
  const fl = flatLoss(lossOf(c, tensor(task.X, [c.samples, c.dim]), tensor(task.Y, [c.samples, c.classes])) as (...p: Tensor[]) => Tensor, like);
  const obj: Objective = {
    dim: paramCount(like),
    value: (th) => fl.value(th) + 0.5 * wd * squaredNorm(th),
    valueAndGrad: (th) => {
      const r = fl.valueAndGrad(th);
      if (wd !== 0) for (let i = 0; i < th.length; i++) r.grad[i] += wd * th[i];
      return { value: r.value + 0.5 * wd * squaredNorm(th), grad: r.grad };
    },
  };
  return { obj, grad: (th) => fl.grad(th), theta0: flatten(like) };
}

function flowCell(c: ConservationLawsConfig, dt: number, wd: number, ctx: RunContext): FlowCell {
  const { obj, grad, theta0 } = fullBatchObjective(c, wd);
  const ch0 = chargesOf(c, splitFlat(c, theta0));
  const times: number[] = [], srcQ: number[] = [], srcD: Float64Array[] = [];
  const fr = gradientFlow(obj, theta0, {
    dt, tEnd: c.horizon, signal: ctx.signal,
    ...(wd === 0 ? {
      onStep: (t: number, th: Float64Array) => {
        const s = sourcesOf(c, splitFlat(c, grad(th)));
        times.push(t); srcQ.push(s.q); srcD.push(s.d);
      },
    } : {}),
  });
  const ch = chargesOf(c, splitFlat(c, fr.theta));
  const T = fr.time;
  // Flow prediction: S(T) = e^{−λT}S(0), Q(T) = e^{−2λT}Q(0), Δ(T) = e^{−2λT}Δ(0) (conserved for λ = 0).
  const sourceD = new Float64Array(c.hidden);
  if (wd === 0) for (let k = 0; k < c.hidden; k++) sourceD[k] = firstOrderDrift(1, 0, times, srcD.map((d) => d[k]));
  return {
    kind: 'flow', dt, wd, status: fr.status, theta: fr.theta.slice(),
    driftS: ch.S.map((v, j) => v - flowCharge(ch0.S[j], wd, T, 1)), Sscale: ch.Sscale,
    driftQ: ch.Q - flowCharge(ch0.Q, wd, T, 2), Q: ch.Q,
    driftD: ch.D.map((v, k) => v - flowCharge(ch0.D[k], wd, T, 2)), Dscale: ch.Dscale,
    sourceQ: wd === 0 ? firstOrderDrift(1, 0, times, srcQ) : NaN, sourceD,
  };
}

function gdCell(c: ConservationLawsConfig, lr: number, ctx: RunContext): GdCell {
  const { obj, theta0 } = fullBatchObjective(c, 0);
  const ch0 = chargesOf(c, splitFlat(c, theta0));
  const steps = Math.max(1, Math.round(c.horizon / lr));
  const theta = theta0.slice();
  let status = 'completed';
  for (let t = 0; t < steps; t++) {
    if (ctx.signal.aborted) { status = 'interrupted'; break; }
    const { value, grad } = obj.valueAndGrad(theta);
    if (!Number.isFinite(value)) { status = 'diverged'; break; }
    for (let i = 0; i < theta.length; i++) theta[i] -= lr * grad[i];
  }
  const ch = chargesOf(c, splitFlat(c, theta));
  return { kind: 'gd', lr, status, driftQ: ch.Q - ch0.Q, driftD: ch.D.map((d, k) => d - ch0.D[k]), translation: maxRel(ch.S, ch0.S, ch.Sscale) };
}

function cellsOf(c: ConservationLawsConfig): Key[] {
  const keys: Key[] = [{ kind: 'identities' }];
  for (const wd of c.flowWeightDecay > 0 ? [0, c.flowWeightDecay] : [0]) keys.push({ kind: 'flow', dt: c.dt, wd }, { kind: 'flow', dt: c.dt / 2, wd });
  for (const lr of c.gdLrs) keys.push({ kind: 'gd', lr });
  return keys;
}

function runCell(c: ConservationLawsConfig, key: Key, ctx: RunContext): Cell {
  switch (key.kind) {
    case 'identities': return identitiesCell(c, ctx);
    case 'flow': return flowCell(c, key.dt, key.wd, ctx);
    case 'gd': return gdCell(c, key.lr, ctx);
  }
}

const norm = (v: ArrayLike<number>) => Math.sqrt(squaredNorm(v));

function aggregate(c: ConservationLawsConfig, results: (Cell | null)[], ctx: RunContext): ConservationLawsResult {
  const cells = results.filter((x): x is Cell => x !== null);
  const fine = cells.filter((x): x is FlowCell => x.kind === 'flow' && x.wd === 0).sort((a, b) => a.dt - b.dt)[0];
  for (const x of cells) {
    if (x.kind === 'flow' && x.wd === 0) {
      const zeros = (n: number) => new Float64Array(n);
      ctx.record('flow', { dt: x.dt, law: 'translation', drift: Math.max(maxRel(x.driftS, zeros(x.driftS.length), x.Sscale), 1e-18) });
      ctx.record('flow', { dt: x.dt, law: 'scale', drift: Math.max(Math.abs(x.driftQ) / x.Q, 1e-18) });
      ctx.record('flow', { dt: x.dt, law: 'rescale', drift: Math.max(maxRel(x.driftD, zeros(x.driftD.length), x.Dscale), 1e-18) });
    }
    if (x.kind === 'gd') {
      ctx.record('gd', { lr: x.lr, law: 'scale ‖W₁,b₁‖²', drift: Math.abs(x.driftQ), kind: 'measured' });
      ctx.record('gd', { lr: x.lr, law: 'rescale ‖ΔΔ_k‖', drift: norm(x.driftD), kind: 'measured' });
      if (fine) {
        ctx.record('gd', { lr: x.lr, law: 'scale ‖W₁,b₁‖²', drift: x.lr * fine.sourceQ, kind: 'theory' });
        ctx.record('gd', { lr: x.lr, law: 'rescale ‖ΔΔ_k‖', drift: x.lr * norm(fine.sourceD), kind: 'theory' });
      }
    }
  }
  return { cells };
}

/**
 * Flow drift of each law against what the integrator's own error allows. With ε = ‖θ_dt(T) −
 * θ_{dt/2}(T)‖ (an upper estimate of the dt/2 solution's error for any order ≥ 1), a charge can
 * move by at most |δS_j| ≤ √C ε, |δQ| ≤ 2√Q ε + ε², |δΔ_k| ≤ 2√(‖w_in‖² + ‖w_out‖²) ε + ε², plus
 * roundoff (1e-13 of the terms' scale). A law the flow did not conserve would exceed this by
 * orders of magnitude; ReLU kinks make the field only piecewise smooth, so RK4's order there is
 * low (about 1–2), and the O(dt⁴) order is checked with the linear activation.
 */
function flowLawStats(c: ConservationLawsConfig, coarse: FlowCell, fine: FlowCell) {
  let e2 = 0;
  for (let i = 0; i < fine.theta.length; i++) e2 += (coarse.theta[i] - fine.theta[i]) ** 2;
  const eps = Math.sqrt(e2);
  const quad = (s: number) => 2 * Math.sqrt(s) * eps + e2 + ROUNDOFF_FLOOR * s;
  const relS = (x: FlowCell) => maxRel(x.driftS, new Float64Array(x.driftS.length), x.Sscale);
  const relQ = (x: FlowCell) => Math.abs(x.driftQ) / x.Q;
  const relD = (x: FlowCell) => maxRel(x.driftD, new Float64Array(x.driftD.length), x.Dscale);
  let rS = 0, rD = 0;
  fine.driftS.forEach((d, j) => { rS = Math.max(rS, Math.abs(d) / (Math.sqrt(c.classes) * eps + ROUNDOFF_FLOOR * fine.Sscale[j])); });
  fine.driftD.forEach((d, k) => { rD = Math.max(rD, Math.abs(d) / quad(fine.Dscale[k])); });
  const law = (a: number, b: number, ratio: number) => ({ coarse: a, fine: b, ratio, order: libm.log2(a / b) });
  return {
    epsilon: eps,
    translation: law(relS(coarse), relS(fine), rS),
    scale: law(relQ(coarse), relQ(fine), Math.abs(fine.driftQ) / quad(fine.Q)),
    rescale: law(relD(coarse), relD(fine), rD),
  };
}

function compare(c: ConservationLawsConfig, r: ConservationLawsResult) {
  const checks: Check[] = [];
  const regime: RegimeCondition[] = [];
  const statuses = r.cells.map((x) => x.status);
  const status = statuses.includes('interrupted') ? 'interrupted' as const : statuses.includes('diverged') ? 'diverged' as const : 'ok' as const;
  const id = r.cells.find((x): x is IdentitiesCell => x.kind === 'identities');
  if (id) {
    const memoryless = regimeCondition(`${c.optimizer} update is a memoryless gradient step: max ‖u + η(g + λθ)‖/‖η(g + λθ)‖`, id.memoryless, 'max', MEMORYLESS_TOL);
    regime.push(memoryless);
    const tol = { kind: 'abs' as const, value: IDENTITY_TOL };
    const ctxNote = `η = ${c.lr}, λ = ${c.weightDecay}, batch ${c.batch}, ${c.steps} steps`;
    checks.push(numericCheck({
      name: 'translation identity S\' = (1 − ηλ)S (softmax readout)', quantity: 'max over steps and entries of |S_{t+1} − (1 − ηλ)S_t| / Σ_c|terms|',
      predicted: 0, measured: id.translation, tolerance: tol, regime: [memoryless], note: `${ctxNote}; S_T/S_0 = ${fmt(id.translationRatio)} vs (1 − ηλ)^T = ${fmt(id.translationRatioPredicted)}`,
    }));
    checks.push(numericCheck({
      name: 'scale identity Q\' = (1 − ηλ)²Q + η²‖g_A‖² (weights before LayerNorm)', quantity: 'max over steps of |Q_{t+1} − prediction|/Q_{t+1}, Q = ‖W₁‖² + ‖b₁‖²',
      predicted: 0, measured: id.scale, tolerance: tol, regime: [memoryless], note: ctxNote,
    }));
    checks.push(numericCheck({
      name: 'rescale identity Δ\' = (1 − ηλ)²Δ + η²(‖g_in‖² − ‖g_out‖²) (ReLU neurons)', quantity: 'max over steps and neurons of |Δ_{t+1} − prediction|/(‖w_in‖² + ‖w_out‖²)',
      predicted: 0, measured: id.rescale, tolerance: tol, regime: [memoryless], note: ctxNote,
    }));
  }
  const flowPairs = (c.flowWeightDecay > 0 ? [0, c.flowWeightDecay] : [0]).map((wd) => r.cells.filter((x): x is FlowCell => x.kind === 'flow' && x.wd === wd).sort((a, b) => b.dt - a.dt));
  for (const pair of flowPairs) {
    if (pair.length !== 2) continue;
    const [coarse, fine] = pair;
    const st = flowLawStats(c, coarse, fine);
    const wd = fine.wd;
    const prediction = wd === 0 ? 'conserved' : 'S ∝ e^{−λt}, Q, Δ ∝ e^{−2λt}';
    for (const law of ['translation', 'scale', 'rescale'] as const) {
      const s = st[law];
      checks.push(numericCheck({
        name: `${law} charge under gradient flow${wd ? ` with decay λ = ${wd}` : ''}: ${prediction} to integrator precision`,
        quantity: `max |charge(T) − flow prediction| / bound from the RK4 error ‖θ_dt(T) − θ_{dt/2}(T)‖ (at dt/2 = ${fmt(fine.dt)}, T = ${c.horizon})`,
        predicted: 0, measured: s.ratio, tolerance: { kind: 'range', lo: 0, hi: 1 },
        note: `relative drift dt: ${fmt(s.coarse)}, dt/2: ${fmt(s.fine)}; ‖θ_dt − θ_{dt/2}‖ = ${fmt(st.epsilon)}`,
      }));
      const atFloor = s.coarse <= FLOOR_DRIFT && s.fine <= FLOOR_DRIFT;
      if (atFloor) continue;
      const smooth = c.activation === 'linear';
      checks.push(numericCheck({
        name: `${law} charge${wd ? ` (λ = ${wd})` : ''}: flow drift vanishes as dt → 0 (${smooth ? 'RK4 order 4, smooth field' : 'convergent; ReLU kinks limit RK4\'s order'})`,
        quantity: 'order log₂(drift(dt)/drift(dt/2))',
        predicted: smooth ? 4 : 1, measured: s.order,
        tolerance: smooth ? { kind: 'abs', value: 1 } : { kind: 'range', lo: 0.5, hi: 8 },
        note: `relative drift dt: ${fmt(s.coarse)}, dt/2: ${fmt(s.fine)}`,
      }));
    }
  }
  const gds = r.cells.filter((x): x is GdCell => x.kind === 'gd').sort((a, b) => b.lr - a.lr);
  const fine = flowPairs[0].length === 2 ? flowPairs[0][1] : undefined;
  if (gds.length >= 3 && fine) {
    const lrs = gds.map((g) => g.lr);
    for (const [law, drift, source] of [
      ['scale', gds.map((g) => Math.abs(g.driftQ)), fine.sourceQ],
      ['rescale', gds.map((g) => norm(g.driftD)), norm(fine.sourceD)],
    ] as const) {
      checks.push(numericCheck({
        name: `${law} charge broken by GD at O(η)`, quantity: 'log-log slope of the drift at time T vs η',
        predicted: 1, measured: logLogFit(lrs, drift as number[]).slope, tolerance: { kind: 'abs', value: 0.15 },
        note: `drifts ${drift.map(fmt).join(', ')} at η = ${lrs.map(fmt).join(', ')}`,
      }));
      // c(η) = drift/η → ∫ source dτ; Richardson on the two smallest η removes the O(η) term.
      const cs = drift.map((d, i) => d / lrs[i]);
      const n = cs.length;
      const richardson = (lrs[n - 2] * cs[n - 1] - lrs[n - 1] * cs[n - 2]) / (lrs[n - 2] - lrs[n - 1]);
      const second = n >= 3 ? Math.abs(cs[n - 3] - 2 * cs[n - 2] + cs[n - 1]) / Math.abs(source) : NaN;
      checks.push(numericCheck({
        name: `${law} charge: GD drift prefactor = ∫ source dτ along the flow (modified flow)`,
        quantity: law === 'scale' ? 'lim_{η→0} (Q_T − Q_0)/η (Richardson) vs ∫₀ᵀ ‖g_A‖² dτ' : 'lim_{η→0} ‖Δ_T − Δ_0‖/η (Richardson) vs ‖∫₀ᵀ (‖g_in‖² − ‖g_out‖²) dτ‖',
        predicted: source, measured: richardson, tolerance: { kind: 'rel', value: 0.05 },
        note: `drift/η = ${cs.map(fmt).join(', ')}; relative second difference ${fmt(second)}`,
      }));
    }
    checks.push(numericCheck({
      name: 'translation charge conserved exactly by GD (linear law, λ = 0)', quantity: 'max over η of the relative drift at time T',
      predicted: 0, measured: Math.max(...gds.map((g) => g.translation)), tolerance: { kind: 'abs', value: IDENTITY_TOL },
    }));
  }
  return { checks, regime, status };
}

function plots(c: ConservationLawsConfig): PlotSpec[] {
  return [
    { title: 'Residuals of the exact discrete identities', caption: `|charge_{t+1} − identity prediction|, relative, per step of ${c.optimizer} (η = ${c.lr}, λ = ${c.weightDecay}); dashed: the 1e-10 tolerance.`, kind: 'lines', series: 'residuals', x: 'step', y: 'residual', stroke: 'law', yType: 'log', rules: [{ y: IDENTITY_TOL, label: '1e-10' }] },
    { title: 'Rescale charges ‖w_in,k‖² + b_k² − ‖w_out,k‖² of four ReLU neurons', caption: 'Solid: measured; dashed: the identity Δ\' = (1 − ηλ)²Δ + η²(‖g_in‖² − ‖g_out‖²) iterated from the start with the measured gradients.', kind: 'lines', series: 'rescale', x: 'step', y: 'charge', stroke: 'neuron', dashed: 'kind', residual: true },
    { title: 'Scale charge ‖W₁‖² + ‖b₁‖² (before LayerNorm)', kind: 'lines', series: 'scale', x: 'step', y: 'charge', stroke: 'kind', dashed: 'kind', residual: { relative: true } },
    { title: 'Translation charge S_t/S_0 under weight decay', caption: 'Dashed: (1 − ηλ)^t, exponential decay at rate ηλ per step.', kind: 'lines', series: 'translation', x: 'step', y: 'ratio', stroke: 'kind', dashed: 'kind', yType: 'log', residual: { relative: true } },
    { title: 'GD drift of the quadratic charges at time T vs η', caption: 'Dashed: η∫₀ᵀ source dτ along the RK4 flow (first-order modified flow).', kind: 'scatter', series: 'gd', x: 'lr', y: 'drift', xLabel: 'η', stroke: 'law', dashed: 'kind', xType: 'log', yType: 'log', slopes: [{ slope: 1, label: 'slope 1' }] },
    { title: 'Gradient-flow drift vs RK4 step', kind: 'scatter', series: 'flow', x: 'dt', y: 'drift', stroke: 'law', xType: 'log', yType: 'log', slopes: [{ slope: 4, label: 'slope 4' }] },
  ];
}

export const conservationLawsExperiment: Experiment<ConservationLawsConfig, ConservationLawsResult, ConservationLawsPrediction> = {
  name: 'conservation-laws',
  title: 'Noether\'s theorem for learning: translation, scale and rescale charges',
  strand: 'laws & universality — conservation laws from symmetries (Kunin et al. 2021)',
  description: 'Softmax translation, LayerNorm scale and ReLU rescale charges of an MLP: exact discrete identities under SGD with coupled weight decay, conservation under RK4 gradient flow, O(η) breaking by GD with the modified-flow prefactor, and e^{−λt}, e^{−2λt} decay under weight decay.',
  schema: conservationLawsSchema,
  quick: {},
  variants: [
    { label: 'linear hidden activation (smooth flow: RK4 drift O(dt⁴))', config: { activation: 'linear', gdLrs: [], flowWeightDecay: 0, dt: 0.1 }, expect: 'confirmed' },
    { label: 'heavy-ball momentum μ = 0.9 (not a memoryless gradient step: the ReLU law breaks)', config: { optimizer: 'momentum', gdLrs: [], flowWeightDecay: 0 }, expect: 'out-of-regime' },
    { label: 'Adam (per-coordinate scaling breaks every law)', config: { optimizer: 'adam', lr: 0.01, gdLrs: [], flowWeightDecay: 0 }, expect: 'out-of-regime' },
    { label: 'control: LayerNorm ε = 1e-3 breaks the scale symmetry itself', config: { normEps: 1e-3, gdLrs: [], flowWeightDecay: 0 }, expect: 'falsified' },
  ],
  predict: predictConservationLaws,
  grid: {
    cells: (c) => cellsOf(c),
    cell: (c, key: Key, ctx) => runCell(c, key, ctx),
    aggregate: (c, results, ctx) => aggregate(c, results, ctx),
    cost: (c, key: Key) => (key.kind === 'flow' ? (c.horizon / key.dt) * (key.wd === 0 ? 5 : 4) : key.kind === 'gd' ? c.horizon / key.lr : c.steps),
  },
  compare: (c, r) => compare(c, r),
  plots,
  summary: (_c, r) => {
    const out: Record<string, number> = {};
    for (const x of r.cells) {
      if (x.kind === 'identities') Object.assign(out, { translationResidual: x.translation, scaleResidual: x.scale, rescaleResidual: x.rescale, memoryless: x.memoryless });
      if (x.kind === 'flow' && x.wd === 0) out[`flowScaleDrift_dt${x.dt}`] = Math.abs(x.driftQ) / x.Q;
    }
    return out;
  },
};

/** Exposed for tests. */
export const conservationInternals = { mixture, initParams, lossOf, chargesOf, sourcesOf, shapes };
