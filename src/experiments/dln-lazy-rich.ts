/**
 * Experiment `dln-lazy-rich`: exact learning dynamics of a two-layer linear network off the
 * small-init regime — λ-balanced initializations W₂ᵀW₂ − W₁W₁ᵀ = λI (Dominé et al. 2025, "From lazy
 * to rich"; the single-neuron case is Kunin et al. 2024, "Get rich quick"). The relative scale of the
 * layers, λ, sets lazy (|λ| large: a fixed kernel, exponential learning, NTK movement ∝ λ⁻²) versus
 * rich (λ = 0 from a small init: Saxe's sigmoidal mode-by-mode learning, the NTK moves by ≫ 1).
 *
 * For each λ (one cell each, same base draw): the exact solution (theory/dln-riccati.ts, eq. 3), RK4
 * of the full matrix flow, and full-batch GD at η and η/2 on L = ½‖T − W₂W₁‖²_F (whitened inputs),
 * recorded at common times. Checks:
 *   (a) Riccati = RK4 flow: max_t ‖P_RK4 − P‖_F/‖T‖_F ≤ 1e-7 (RK4 global error (dt·S)⁴-small);
 *   (b) GD → the exact solution as η → 0: the Richardson-extrapolated GD (2P_{η/2} − P_η) is within the
 *       first-order correction it removed, max_t ‖2P_{η/2} − P_η − P‖ ≤ max_t ‖P_{η/2} − P_η‖ (all λ);
 *   (c) NTK movement ‖K(t_end) − K(0)‖_F/‖K(0)‖_F per λ, GD (extrapolated) against the exact value,
 *       tolerance the first-order correction |m_{η/2} − m_η|;
 *   (d) lazy limit: the measured movement falls monotonically as |λ| grows past lazyFrom (the order
 *       predicted by the exact solution), where the large layer is square (λ > 0: hidden = outputs;
 *       λ < 0: hidden = inputs). Derived from (3): A, B are then functions of P and λ, e.g.
 *       B = λ/2 + (PPᵀ + λ²/4)^{1/2} = λ + PPᵀ/λ + O(λ⁻³), so the movement is ≈ ‖T‖²/λ² + O(σ²/λ) → 0;
 *   (d′) single neuron (hidden = outputs = 1), upstream λ → −∞: not lazy. With ‖w‖² = a² + |λ|,
 *       K = a² I + wwᵀ and ΔK = |λ|(ŵ₁ŵ₁ᵀ − ŵ₀ŵ₀ᵀ) + E, ‖E‖_F ≤ (√d + 1)(a₀² + a₁²), a₁² = (√(λ² + 4‖T‖²) − |λ|)/2
 *       at convergence (a₁‖w₁‖ = ‖T‖, ŵ₁ = ±T̂): movement = |λ|√2 sin∠(w₀, T)/‖K₀‖ ± ‖E‖/‖K₀‖ — the first
 *       layer's rotation (Kunin et al.), checked at the most negative λ (regime: loss converged);
 *   (e) task-aligned λ = 0 init (`init: 'aligned'`): the exact solution's modes follow Saxe's logistic
 *       (theory/dln.ts), ≤ 1e-6 relative.
 * Regime: the init is λ-balanced (residual ≤ 1e-9·(1 + |λ|)), and η·S_max ≤ 0.1 with S_max the largest
 * NTK eigenvalue λ_max(A) + λ_max(B) along the exact trajectory (GD tracks the flow only when η·S ≪ 1).
 */
import { z } from 'zod';
import { Rng } from '../engine/rng.js';
import * as libm from '../engine/libm.js';
import { type Mat, mat, matmul, randomOrthogonal, transpose } from '../engine/linalg/index.js';
import {
  balanceOf, gramsOf, lambdaBalancedInit, ntkMovement, ntkNormSquared, ntkTopEigenvalue, riccatiSolution, twoLayerLinearObjective, type RiccatiState,
} from '../theory/dln-riccati.js';
import { modeTrajectory } from '../theory/dln.js';
import { gradientDescent } from '../training/gd.js';
import { gradientFlow } from '../training/flow.js';
import { linearFit } from '../observables/fit.js';
import type { Check, Experiment, PlotSpec, RegimeCondition, RunContext } from './types.js';
import { exactCheck, numericCheck, regimeCondition } from './verdict.js';

export const dlnLazyRichSchema = z.object({
  inputs: z.number().int().min(1).max(32).default(4).describe('input dimension d'),
  hidden: z.number().int().min(1).max(32).default(4).describe('hidden width h'),
  outputs: z.number().int().min(1).max(32).default(4).describe('output dimension k'),
  singularValues: z.array(z.number().min(0).max(20)).min(1).max(32).default([3, 2, 1, 0.5]).describe('target singular values (min(d, k) of them; missing ones are 0)'),
  lambdas: z.array(z.number().min(-1000).max(1000)).min(1).max(24).default([-16, -8, -4, -1, 0, 1, 4, 8, 16]).describe('balance parameters λ (W₂ᵀW₂ − W₁W₁ᵀ = λI)'),
  scale: z.number().min(0).max(10).default(0.1).describe('init scale σ of the drawn layer (entries N(0, σ²/fan-in))'),
  init: z.enum(['balanced', 'aligned', 'generic']).default('balanced').describe('balanced: λ-balanced random; aligned: λ-balanced and task-aligned (d = h = k); generic: independent Gaussian layers (not λ-balanced: out of regime)'),
  lr: z.number().gt(0).max(10).default(0.005).describe('GD step η (a second run uses η/2)'),
  time: z.number().gt(0).max(1000).default(15).describe('training time t_end = η·steps'),
  records: z.number().int().min(4).max(1000).default(60).describe('recorded times along the run'),
  flowDt: z.number().gt(0).max(1).default(0.002).describe('RK4 step of the reference matrix flow'),
  lazyFrom: z.number().gt(0).max(1000).default(4).describe('fit the lazy slope over λ ≥ this (and over λ ≤ −this)'),
  seed: z.number().int().min(0).max(2 ** 31).default(0).describe('random seed'),
});

export type DlnLazyRichConfig = z.infer<typeof dlnLazyRichSchema>;

export interface DlnLazyRichPrediction {
  lambdas: number[];
  /** exact NTK movement at t_end per λ */
  movement: number[];
  /** exact final loss / initial loss per λ */
  lossRatio: number[];
  /** largest NTK eigenvalue along the exact trajectory per λ */
  sharpness: number[];
  lazySlope: number;
}

/** Target T = U diag(s) Vᵀ with random orthogonal frames (fixed by the seed). */
function targetOf(c: DlnLazyRichConfig): { T: Mat; U: Mat; V: Mat } {
  const d = c.inputs, k = c.outputs, r = Math.min(d, k);
  const rng = new Rng(c.seed).split('target');
  const U = randomOrthogonal(k, rng.split('U')), V = randomOrthogonal(d, rng.split('V'));
  const T = mat(k, d);
  for (let i = 0; i < k; i++)
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let m = 0; m < r; m++) s += U.data[i * k + m] * (c.singularValues[m] ?? 0) * V.data[j * d + m];
      T.data[i * d + j] = s;
    }
  return { T, U, V };
}

function checkConfig(c: DlnLazyRichConfig): void {
  if (c.singularValues.length > Math.min(c.inputs, c.outputs)) throw new RangeError(`singularValues: at most min(inputs, outputs) = ${Math.min(c.inputs, c.outputs)} values (got ${c.singularValues.length})`);
  if (c.init === 'aligned' && !(c.inputs === c.hidden && c.hidden === c.outputs)) throw new RangeError('init: aligned needs inputs = hidden = outputs');
  if (c.init !== 'generic') for (const l of c.lambdas) {
    if (l > 0 && c.outputs < c.hidden) throw new RangeError(`lambdas: λ > 0 needs outputs ≥ hidden (got ${c.outputs} < ${c.hidden})`);
    if (l < 0 && c.inputs < c.hidden) throw new RangeError(`lambdas: λ < 0 needs inputs ≥ hidden (got ${c.inputs} < ${c.hidden})`);
  }
}

/** Initial layers for one λ. */
function initFor(c: DlnLazyRichConfig, lambda: number, frames: { U: Mat; V: Mat }): { W1: Mat; W2: Mat } {
  const dims = { inputs: c.inputs, hidden: c.hidden, outputs: c.outputs };
  const rng = new Rng(c.seed).split('init');
  if (c.init === 'balanced') return lambdaBalancedInit(dims, lambda, c.scale, rng);
  if (c.init === 'generic') {
    const r1 = rng.split('W1'), r2 = rng.split('W2');
    return {
      W1: mat(c.hidden, c.inputs, r1.normals(c.hidden * c.inputs, c.scale / Math.sqrt(c.inputs))),
      W2: mat(c.outputs, c.hidden, r2.normals(c.outputs * c.hidden, Math.sqrt((c.scale * c.scale + Math.max(lambda, 0)) / c.hidden))),
    };
  }
  // aligned: W₁ = O diag(a) Vᵀ, W₂ = U diag(b) Oᵀ with b² − a² = λ, the smaller of a, b equal to σ.
  const n = c.inputs;
  const O = randomOrthogonal(n, rng.split('O'));
  const a = lambda >= 0 ? c.scale : Math.sqrt(c.scale * c.scale - lambda);
  const b = lambda >= 0 ? Math.sqrt(c.scale * c.scale + lambda) : c.scale;
  const W1 = matmul(O, transpose(frames.V));
  const W2 = matmul(frames.U, transpose(O));
  for (let i = 0; i < W1.data.length; i++) { W1.data[i] *= a; W2.data[i] *= b; }
  return { W1, W2 };
}

/** Recorded times: multiples of η (so GD at η and at η/2 land on them). */
function schedule(c: DlnLazyRichConfig): { stride: number; steps: number; times: number[] } {
  const stride = Math.max(1, Math.round(c.time / (c.lr * c.records)));
  const steps = stride * c.records;
  return { stride, steps, times: Array.from({ length: c.records + 1 }, (_, j) => j * stride * c.lr) };
}

function predict(c: DlnLazyRichConfig): DlnLazyRichPrediction {
  checkConfig(c);
  const frames = targetOf(c);
  const { times } = schedule(c);
  const lambdas = [...c.lambdas].sort((a, b) => a - b);
  const movement: number[] = [], lossRatio: number[] = [], sharpness: number[] = [];
  for (const lambda of lambdas) {
    const { W1, W2 } = initFor(c, lambda, frames);
    const sol = riccatiSolution(frames.T, W1, W2, times);
    const g0 = gramsOf(W1, W2);
    movement.push(ntkMovement(g0.A, g0.B, sol[sol.length - 1].A, sol[sol.length - 1].B));
    lossRatio.push(lossOf(frames.T, sol[sol.length - 1].P) / lossOf(frames.T, sol[0].P));
    sharpness.push(sol.reduce((m, s) => Math.max(m, ntkTopEigenvalue(s.A, s.B)), 0));
  }
  return { lambdas, movement, lossRatio, sharpness, lazySlope: -2 };
}

function lossOf(T: Mat, P: Mat): number {
  let s = 0;
  for (let i = 0; i < T.data.length; i++) s += 0.5 * (T.data[i] - P.data[i]) ** 2;
  return s;
}

function relDiff(A: ArrayLike<number>, B: ArrayLike<number>, norm: number): number {
  let s = 0;
  for (let i = 0; i < A.length; i++) s += (A[i] - B[i]) ** 2;
  return Math.sqrt(s) / norm;
}

interface Cell { lambda: number }

export interface DlnLazyRichCellResult {
  lambda: number;
  balanceResidual: number;
  sharpness: number;
  /** max_t ‖P_RK4 − P‖/‖T‖ */
  flowDeviation: number;
  /** max_t ‖P_GD(η) − P‖/‖T‖ and at η/2 */
  gdDeviation: number;
  gdDeviationHalf: number;
  /** max_t ‖2P_{η/2} − P_η − P‖/‖T‖ and the removed first-order correction max_t ‖P_{η/2} − P_η‖/‖T‖ */
  extrapolatedDeviation: number;
  firstOrderCorrection: number;
  movementPredicted: number;
  movement: number;
  movementHalf: number;
  /** Saxe check (aligned λ = 0): max relative deviation of the modes from the logistic; NaN otherwise */
  saxeDeviation: number;
  /** single neuron, λ < 0: the upstream limit |λ|√2 sin∠(w₀, T)/‖K₀‖ and its bound ‖E‖/‖K₀‖ (NaN otherwise) */
  upstreamLimit: number;
  upstreamBound: number;
  /** final GD loss / initial loss */
  lossRatio: number;
  status: string;
}

function cell(c: DlnLazyRichConfig, { lambda }: Cell, ctx: RunContext): DlnLazyRichCellResult {
  const frames = targetOf(c);
  const { T } = frames;
  const { W1, W2 } = initFor(c, lambda, frames);
  const { stride, steps, times } = schedule(c);
  const h = c.hidden, d = c.inputs, k = c.outputs;
  const norm = Math.sqrt(T.data.reduce((a, v) => a + v * v, 0)) || 1;
  const sol: RiccatiState[] = riccatiSolution(T, W1, W2, times);
  const theta0 = new Float64Array([...W1.data, ...W2.data]);
  const obj = twoLayerLinearObjective(T, h);
  const productOf = (th: Float64Array) => {
    const w1 = mat(h, d, th.subarray(0, h * d)), w2 = mat(k, h, th.subarray(h * d));
    return { ...gramsOf(w1, w2), loss: 0 };
  };
  const runGd = (lr: number, every: number) => {
    const snaps: ReturnType<typeof productOf>[] = [];
    const res = gradientDescent(obj, theta0, {
      lr, steps: steps * (every / stride), signal: ctx.signal,
      onStep: (s, th, loss) => { if (s % every === 0) snaps.push({ ...productOf(th), loss }); },
    });
    return { snaps, status: res.status };
  };
  const gd = runGd(c.lr, stride);
  ctx.progress(0.3);
  const gdHalf = runGd(c.lr / 2, 2 * stride);
  ctx.progress(0.6);
  const flowSnaps: Mat[] = [];
  const tEnd = times[times.length - 1];
  const nFlow = Math.max(1, Math.ceil(tEnd / c.flowDt / c.records)) * c.records; // flow steps land on the records
  const flowEvery = nFlow / c.records;
  let flowStep = 0;
  gradientFlow(obj, theta0, {
    dt: tEnd / nFlow, tEnd, signal: ctx.signal,
    onStep: (_t, th) => { if (flowStep++ % flowEvery === 0) flowSnaps.push(productOf(th).P); },
  });
  ctx.progress(0.9);
  const n = Math.min(sol.length, gd.snaps.length, gdHalf.snaps.length, flowSnaps.length);
  let flowDeviation = 0, gdDeviation = 0, gdDeviationHalf = 0, extrapolatedDeviation = 0, firstOrderCorrection = 0, sharpness = 0;
  for (let j = 0; j < n; j++) {
    const P = sol[j].P.data, Pa = gd.snaps[j].P.data, Pb = gdHalf.snaps[j].P.data;
    const R = Pb.map((v, i) => 2 * v - Pa[i]);
    flowDeviation = Math.max(flowDeviation, relDiff(flowSnaps[j].data, P, norm));
    gdDeviation = Math.max(gdDeviation, relDiff(Pa, P, norm));
    gdDeviationHalf = Math.max(gdDeviationHalf, relDiff(Pb, P, norm));
    extrapolatedDeviation = Math.max(extrapolatedDeviation, relDiff(R, P, norm));
    firstOrderCorrection = Math.max(firstOrderCorrection, relDiff(Pb, Pa, norm));
    sharpness = Math.max(sharpness, ntkTopEigenvalue(sol[j].A, sol[j].B));
    const t = times[j], label = `λ = ${lambda}`;
    ctx.record('loss', { lambda: label, t, loss: lossOf(T, sol[j].P), method: 'theory' });
    ctx.record('loss', { lambda: label, t, loss: gd.snaps[j].loss, method: 'GD' });
  }
  const g0 = gramsOf(W1, W2);
  const last = n - 1;
  const movementPredicted = ntkMovement(g0.A, g0.B, sol[last].A, sol[last].B);
  const movement = ntkMovement(g0.A, g0.B, gd.snaps[last].A, gd.snaps[last].B);
  const movementHalf = ntkMovement(g0.A, g0.B, gdHalf.snaps[last].A, gdHalf.snaps[last].B);
  let saxeDeviation = NaN;
  if (c.init === 'aligned' && lambda === 0) {
    // modes u_μ = u*_μᵀ P v*_μ against s_μ/(1 + (s_μ/u₀ − 1)e^{−2 s_μ t}), u₀ = σ²
    saxeDeviation = 0;
    const r = Math.min(d, k);
    for (let m = 0; m < r; m++) {
      const s = c.singularValues[m] ?? 0;
      if (!(s > 0)) continue;
      const u = modeTrajectory(s, c.scale * c.scale, 2, times);
      for (let j = 0; j < n; j++) {
        let v = 0;
        for (let i = 0; i < k; i++) for (let q = 0; q < d; q++) v += frames.U.data[i * k + m] * sol[j].P.data[i * d + q] * frames.V.data[q * d + m];
        saxeDeviation = Math.max(saxeDeviation, Math.abs(v - u[j]) / s);
      }
    }
  }
  let upstreamLimit = NaN, upstreamBound = NaN;
  if (h === 1 && k === 1 && lambda < 0) {
    const w0 = W1.data, a0sq = W2.data[0] ** 2;
    let ww = 0, tt = 0, wt = 0;
    for (let j = 0; j < d; j++) { ww += w0[j] * w0[j]; tt += T.data[j] ** 2; wt += w0[j] * T.data[j]; }
    const sin = Math.sqrt(Math.max(0, 1 - (wt * wt) / (ww * tt)));
    const k0 = Math.sqrt(ntkNormSquared(g0.A, g0.B));
    const a1sq = (Math.sqrt(lambda * lambda + 4 * tt) - Math.abs(lambda)) / 2;
    upstreamLimit = (Math.abs(lambda) * Math.SQRT2 * sin) / k0;
    upstreamBound = ((Math.sqrt(d) + 1) * (a0sq + a1sq)) / k0;
  }
  return {
    upstreamLimit, upstreamBound, lossRatio: gd.snaps[last].loss / gd.snaps[0].loss,
    lambda, balanceResidual: balanceOf(W1, W2).residual, sharpness, flowDeviation, gdDeviation, gdDeviationHalf, extrapolatedDeviation, firstOrderCorrection,
    movementPredicted, movement, movementHalf, saxeDeviation, status: gd.status === 'completed' && gdHalf.status === 'completed' ? 'ok' : gd.status,
  };
}

export interface DlnLazyRichResult { cells: DlnLazyRichCellResult[]; interrupted: boolean }

function cells(c: DlnLazyRichConfig): Cell[] {
  checkConfig(c);
  return [...new Set(c.lambdas)].sort((a, b) => a - b).map((lambda) => ({ lambda }));
}

function aggregate(c: DlnLazyRichConfig, results: (DlnLazyRichCellResult | null)[], ctx: RunContext): DlnLazyRichResult {
  const done = results.filter((r): r is DlnLazyRichCellResult => r !== null);
  for (const r of done) {
    ctx.record('movement', { lambda: r.lambda, movement: r.movementPredicted, method: 'theory' });
    ctx.record('movement', { lambda: r.lambda, movement: 2 * r.movementHalf - r.movement, method: 'GD (extrapolated)' });
    ctx.record('movement', { lambda: r.lambda, movement: r.movement, method: `GD η = ${c.lr}` });
    ctx.record('deviation', { lambda: r.lambda, deviation: r.gdDeviation, method: `GD η = ${c.lr}` });
    ctx.record('deviation', { lambda: r.lambda, deviation: r.gdDeviationHalf, method: `GD η = ${c.lr / 2}` });
    ctx.record('deviation', { lambda: r.lambda, deviation: r.extrapolatedDeviation, method: 'Richardson 2P(η/2) − P(η)' });
    ctx.record('deviation', { lambda: r.lambda, deviation: Math.max(r.flowDeviation, 1e-16), method: 'RK4 flow' });
  }
  return { cells: done, interrupted: done.length < results.length };
}

/** Slope of ln movement over ln|λ| for the cells with sign·λ ≥ lazyFrom (NaN with < 2 cells). */
function lazySlope(c: DlnLazyRichConfig, cs: DlnLazyRichCellResult[], sign: 1 | -1, pick: (r: DlnLazyRichCellResult) => number): { slope: number; count: number } {
  const sel = cs.filter((r) => sign * r.lambda >= c.lazyFrom);
  if (sel.length < 2) return { slope: NaN, count: sel.length };
  return { slope: linearFit(sel.map((r) => libm.log(Math.abs(r.lambda))), sel.map((r) => libm.log(pick(r)))).slope, count: sel.length };
}

function compare(c: DlnLazyRichConfig, r: DlnLazyRichResult, _p: DlnLazyRichPrediction) {
  const cs = r.cells;
  const worstResidual = cs.reduce((a, q) => Math.max(a, q.balanceResidual / (1 + Math.abs(q.lambda))), 0);
  const etaS = cs.reduce((a, q) => Math.max(a, c.lr * q.sharpness), 0);
  const balanced = regimeCondition('λ-balance residual max|W₂ᵀW₂ − W₁W₁ᵀ − λI|/(1 + |λ|) at init', worstResidual, 'max', 1e-9);
  const regime: RegimeCondition[] = [balanced, regimeCondition('η · largest NTK eigenvalue along the exact trajectory', etaS, 'max', 0.1)];
  const checks: Check[] = [];
  const flowWorst = cs.reduce((a, q) => (q.flowDeviation > a.flowDeviation ? q : a), cs[0]);
  checks.push(numericCheck({
    name: 'exact Riccati solution = RK4 of the full matrix flow',
    quantity: 'max over λ and t of ‖P_RK4 − P_Riccati‖_F/‖T‖_F (RK4 error budget 1e-7)',
    predicted: 0, measured: flowWorst.flowDeviation, tolerance: { kind: 'abs', value: 1e-7 }, regime: [balanced],
    note: `worst at λ = ${flowWorst.lambda}`,
  }));
  const ratio = cs.reduce((a, q) => Math.max(a, q.extrapolatedDeviation / Math.max(q.firstOrderCorrection, 1e-300)), 0);
  checks.push(numericCheck({
    name: 'GD converges to the exact solution as η → 0 (first order in η)',
    quantity: 'max over λ of max_t‖2P_{η/2} − P_η − P‖ / max_t‖P_{η/2} − P_η‖ (extrapolated error within the first-order correction)',
    predicted: 0, measured: ratio, tolerance: { kind: 'range', lo: 0, hi: 1 }, regime,
    note: `GD deviation at η: ${cs.map((q) => `λ=${q.lambda}: ${q.gdDeviation.toExponential(1)}`).join(', ')}`,
  }));
  for (const q of cs) {
    const measured = 2 * q.movementHalf - q.movement;
    const budget = Math.abs(q.movementHalf - q.movement);
    checks.push(numericCheck({
      name: `NTK movement at λ = ${q.lambda}`,
      quantity: '‖K(t_end) − K(0)‖_F/‖K(0)‖_F: GD extrapolated to η → 0 vs the exact solution (tolerance: the first-order correction |m(η/2) − m(η)|)',
      predicted: q.movementPredicted, measured, tolerance: { kind: 'abs', value: budget + 1e-9 * q.movementPredicted }, regime,
      note: `GD at η: ${q.movement.toPrecision(4)}`,
    }));
  }
  const square = { pos: c.hidden === c.outputs, neg: c.hidden === c.inputs };
  for (const sign of [1, -1] as const) {
    if (!(sign === 1 ? square.pos : square.neg)) continue;
    const side = cs.filter((q) => sign * q.lambda >= c.lazyFrom).sort((a, b) => Math.abs(a.lambda) - Math.abs(b.lambda));
    if (side.length < 2) continue;
    const rank = (vals: number[]) => vals.map((_, i) => i).sort((a, b) => vals[b] - vals[a]).map((i) => side[i].lambda);
    const exact = lazySlope(c, cs, sign, (q) => q.movementPredicted);
    checks.push(exactCheck({
      name: `lazy limit ${sign > 0 ? 'λ → +∞ (large output layer)' : 'λ → −∞ (large input layer)'}: the NTK stops moving`,
      quantity: `λ ordered by decreasing measured NTK movement, over |λ| ≥ ${c.lazyFrom}`,
      predicted: rank(side.map((q) => q.movementPredicted)), measured: rank(side.map((q) => 2 * q.movementHalf - q.movement)), regime,
      note: `movement ${side.map((q) => `${q.movementPredicted.toPrecision(3)} (λ=${q.lambda})`).join(', ')}; log-log slope ${exact.slope.toFixed(2)} (→ −2 while ‖T‖²/λ ≫ σ², −1 beyond)`,
    }));
  }
  const up = cs.filter((q) => Number.isFinite(q.upstreamLimit) && -q.lambda >= c.lazyFrom).sort((a, b) => a.lambda - b.lambda)[0];
  if (up) {
    const measured = 2 * up.movementHalf - up.movement;
    checks.push(numericCheck({
      name: `single neuron, upstream λ = ${up.lambda}: not lazy — the first layer rotates onto the target`,
      quantity: 'NTK movement vs |λ|√2 sin∠(w₀, T)/‖K₀‖ (tolerance: the bound ‖E‖/‖K₀‖ + the GD first-order correction)',
      predicted: up.upstreamLimit, measured, tolerance: { kind: 'abs', value: up.upstreamBound + Math.abs(up.movementHalf - up.movement) },
      regime: [...regime, regimeCondition(`final loss / initial loss at λ = ${up.lambda} (converged: ŵ = ±T̂)`, up.lossRatio, 'max', 1e-8)],
    }));
  }
  const saxe = cs.filter((q) => Number.isFinite(q.saxeDeviation));
  if (saxe.length) {
    checks.push(numericCheck({
      name: 'λ = 0, task-aligned init: the exact solution is Saxe’s logistic per mode',
      quantity: 'max over modes and t of |u*ᵀPv* − s/(1 + (s/u₀ − 1)e^{−2st})|/s',
      predicted: 0, measured: saxe[0].saxeDeviation, tolerance: { kind: 'abs', value: 1e-6 }, regime: [balanced],
    }));
  }
  const bad = cs.find((q) => q.status !== 'ok');
  return { checks, regime, status: r.interrupted ? 'interrupted' as const : bad ? 'diverged' as const : 'ok' as const };
}

function plots(c: DlnLazyRichConfig): PlotSpec[] {
  return [
    { title: 'Loss: exact solution (dashed) and GD', caption: 'One line per balance λ; the exact λ-balanced Riccati solution is dashed.', kind: 'lines', series: 'loss', x: 't', y: 'loss', stroke: 'lambda', group: 'method', dashed: 'method', yType: 'log', strokeLabel: 'λ' },
    { title: 'NTK movement across the balance parameter', caption: `‖K(t_end) − K(0)‖_F/‖K(0)‖_F; lazy when |λ| is large (slope −2 in |λ|), rich at λ = 0 from a small init (σ = ${c.scale}).`, kind: 'lines', series: 'movement', x: 'lambda', y: 'movement', stroke: 'method', dashed: 'method', yType: 'log', xLabel: 'λ' },
    { title: 'Deviation of GD from the exact solution', caption: 'max_t ‖P − P_exact‖_F/‖T‖_F: halving η halves the GD error; Richardson extrapolation and RK4 reach the exact solution.', kind: 'lines', series: 'deviation', x: 'lambda', y: 'deviation', stroke: 'method', yType: 'log', xLabel: 'λ' },
  ];
}

export const dlnLazyRichExperiment: Experiment<DlnLazyRichConfig, DlnLazyRichResult, DlnLazyRichPrediction> = {
  name: 'dln-lazy-rich',
  title: 'Lazy to rich in a two-layer linear network: the exact λ-balanced (Riccati) solution',
  strand: '§2.1 solvable settings: deep linear networks — off the small-init regime (ties to lazy-rich §2.2)',
  description: 'Exact gradient flow of W₂W₁ from λ-balanced initializations (matrix Riccati solution) against RK4 and GD across the balance parameter λ; the NTK movement is exact and shrinks like λ⁻² in the lazy limit, while λ = 0 from a small init is rich (Saxe).',
  schema: dlnLazyRichSchema,
  quick: {},
  variants: [
    { label: 'single neuron f = a wᵀx (Kunin et al.): upstream λ < 0 is not lazy', config: { inputs: 4, hidden: 1, outputs: 1, singularValues: [2], lambdas: [-16, -8, -4, -1, 0, 1, 4, 8, 16], time: 60 }, expect: 'confirmed' },
    { label: 'small aligned balanced init (Saxe limit)', config: { init: 'aligned', lambdas: [0, 4, 8], scale: 0.05 }, expect: 'confirmed' },
    { label: 'generic (not λ-balanced) init', config: { init: 'generic', lambdas: [0, 4] }, expect: 'out-of-regime' },
    { label: 'coarse step: η·S > 0.1', config: { lr: 0.02, lambdas: [0, 8, 16], records: 30 }, expect: 'out-of-regime' },
  ],
  predict,
  grid: { cells, cell, aggregate, cost: (c: DlnLazyRichConfig) => c.time / c.lr },
  compare,
  plots,
  summary: (_c, r) => {
    const byL = (l: number) => r.cells.find((q) => q.lambda === l);
    const out: Record<string, number> = {
      maxFlowDeviation: r.cells.reduce((a, q) => Math.max(a, q.flowDeviation), 0),
      maxGdDeviation: r.cells.reduce((a, q) => Math.max(a, q.gdDeviation), 0),
    };
    const zero = byL(0);
    if (zero) out.movementAtZero = zero.movementPredicted;
    const top = r.cells[r.cells.length - 1];
    if (top) out.movementAtLargestLambda = top.movementPredicted;
    return out;
  },
};
