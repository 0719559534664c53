/**
 * Experiment `ntk-learning-curves`: eigenlearning predicts the test MSE of kernel regression with
 * the infinite-width NTK (paper §2.1 / Fig. 1b, "based on Fig. 2 of simon2023eigenlearning").
 *
 * Domain: x uniform on S^{d−1} (radius √d). The analytic NTK (or NNGP) of a fully connected net is
 * a dot-product kernel there, so its eigenfunctions are spherical harmonics and its eigenvalues
 * λ_k (multiplicity N(d, k)) follow from the Funk–Hecke formula (src/data/sphere.ts) — a closed-
 * form spectrum, with the tail beyond degree kMax entering as extra ridge (its exact trace).
 * Targets: unit-norm zonal harmonics of chosen degrees (low → high frequency), all their power in
 * one degree, so E_te(n) = E₀ ((1 − L_k)² + ε²) (src/theory/eigenlearning.ts).
 * Measurement: KRR actually fitted on n samples with the same kernel, test MSE on fresh points
 * (against noisy test labels when ε² > 0, i.e. clean MSE + ε²), averaged over draws (± s.e.), and
 * the mean learned coefficient ⟨f̂, f*⟩ against the learnability L_k.
 * Verdict per target: RMS over n ≥ nMin of the relative error of the mean test MSE (statistical
 * error of the mean reported beside it).
 * Route (b) (`network`, kernel = ntk only): for each target and a few n (networkNs), a width-m MLP in
 * NTK parameterization with the kernel's depth, activation and σ's — so its m → ∞ NTK is exactly the
 * analytic Θ — trained by full-batch GD (η = networkLr/λ_max(Θ(X, X)), no catapult) until its train
 * MSE is ≤ networkTrainTol × the test MSE, with the initial function subtracted (f − f₀: the ridgeless
 * NTK-KRR formula has no NNGP-variance term for f₀). Test MSE averaged over networkDraws draws (data
 * and init) against (i) eigenlearning and (ii) KRR on the same training sets (paired). Regime: NTK
 * moved ≤ networkMaxNtkChange during training (width ≫ n), converged, ridge = 0, no divergence.
 * Grid: one cell for the kernel-matrix spectrum, one per (draw, n) of KRR, one per (draw, n) of the
 * network route, each with its own stream from the seed; aggregate averages over draws in draw order.
 */
import { z } from 'zod';
import { Rng } from '../engine/rng.js';
import { eigvalsh, mat, type Mat } from '../engine/linalg/index.js';
import { dotProductKernel, analyticKernel, type FullyConnectedSpec } from '../theory/kernels.js';
import { eigenlearning, type Spectrum } from '../theory/eigenlearning.js';
import { krrSolve } from '../theory/kernel-regression.js';
import { sampleSphere, sphereSpectrum, zonalHarmonic } from '../data/sphere.js';
import { noGrad, tensor, type Tensor } from '../engine/tensor.js';
import { mul, scale, slice, sub, sum } from '../engine/ops.js';
import { flatten, unflatten } from '../engine/params.js';
import { objectiveFromLoss } from '../training/objective.js';
import { initMlp, mlpForward, mlpModel, type MlpSpec } from '../models/mlp.js';
import { empiricalNtk } from '../observables/ntk.js';
import { gradientDescent } from '../training/gd.js';
import type { StopReason } from '../training/objective.js';
import type { Check, Experiment, PlotSpec, RegimeCondition, RunContext } from './types.js';
import { numericCheck, regimeCondition } from './verdict.js';

export const ntkLearningCurvesSchema = z.object({
  dim: z.number().int().min(2).max(64).default(10).describe('input dimension d (data uniform on the sphere S^{d−1} of radius √d)'),
  activation: z.enum(['relu', 'erf', 'linear']).default('relu').describe('activation of the infinite-width network'),
  depth: z.number().int().min(1).max(10).default(3).describe('number of dense layers L'),
  sigmaW2: z.number().min(0).max(10).default(2).describe('weight variance σ_w²'),
  sigmaB2: z.number().min(0).max(10).default(0.1).describe('bias variance σ_b²'),
  kernel: z.enum(['ntk', 'nngp']).default('ntk').describe('kernel used for regression (NTK = GD-trained wide net at convergence)'),
  degrees: z.array(z.number().int().min(0).max(40)).min(1).max(6).default([1, 2, 3]).describe('spherical-harmonic degree of each target (one curve each)'),
  ns: z.array(z.number().int().min(2).max(4000)).min(2).max(20).default([10, 20, 50, 100, 200, 500, 1000, 2000]).describe('training-set sizes n'),
  draws: z.number().int().min(2).max(200).default(8).describe('independent draws of the training set per n'),
  testPoints: z.number().int().min(10).max(20000).default(1000).describe('fresh test points per draw'),
  ridge: z.number().min(0).max(1e3).default(0).describe('ridge δ of (K + δI)⁻¹ (not divided by n)'),
  noise2: z.number().min(0).max(10).default(0).describe('label-noise variance ε²'),
  kMax: z.number().int().min(4).max(400).default(60).describe('harmonic degrees kept in the spectrum (the rest enters as ridge)'),
  nMin: z.number().int().min(1).max(4000).default(20).describe('smallest n at which the verdict is taken (the theory is asymptotic in n)'),
  spectrumSample: z.number().int().min(0).max(4000).default(600).describe('points for the kernel-matrix estimate of the spectrum (0 = skip)'),
  tolerance: z.number().gt(0).max(1).default(0.2).describe('accepted RMS relative error of the mean test MSE'),
  seed: z.number().int().min(0).max(2 ** 31).default(0).describe('random seed'),
  network: z.boolean().default(true).describe('route (b): also train a wide MLP in NTK parameterization (same depth, activation, σ\'s) by full-batch GD and compare its learning curve (skipped when kernel = nngp)'),
  networkWidth: z.number().int().min(4).max(8192).default(512).describe('hidden width m of the trained network (the NTK limit needs m ≫ n)'),
  networkNs: z.array(z.number().int().min(2).max(400)).min(1).max(8).default([20, 50]).describe('training-set sizes n for the network route'),
  networkDraws: z.number().int().min(1).max(50).default(6).describe('independent draws (data and initialization) per network n'),
  networkSteps: z.number().int().min(1).max(100000).default(4000).describe('cap on full-batch GD steps per network run'),
  networkLr: z.number().gt(0).max(1.9).default(1).describe('GD step η in units of 1/λ_max(K) of the analytic NTK on the training set (loss ½Σ(f − y)²; < 2 is stable, 1 is "small η": no catapult)'),
  networkTrainTol: z.number().gt(0).max(0.5).default(1e-4).describe('GD stops once the train MSE is below this fraction of the test MSE of KRR on the same data (per target, checked every 10 steps)'),
  networkInit: z.enum(['centered', 'raw']).default('centered').describe('centered: train and predict with f(x) − f₀(x), removing the random initial function (its NNGP variance is not in the ridgeless NTK-KRR formula); raw: the plain network (for contrast)'),
  networkTolerance: z.number().gt(0).max(1).default(0.2).describe('accepted RMS relative error of the network\'s mean test MSE against eigenlearning, plus twice its statistical error'),
  networkKrrTolerance: z.number().gt(0).max(1).default(0.1).describe('accepted RMS over n of the mean paired relative difference of the network\'s test MSE from analytic-NTK KRR on the same training sets, plus twice its statistical error'),
  networkMaxNtkChange: z.number().gt(0).max(10).default(0.1).describe('regime: largest accepted relative change ‖Θ_T − Θ_0‖_F/‖Θ_0‖_F of the empirical NTK during training'),
});

export type NtkLearningCurvesConfig = z.infer<typeof ntkLearningCurvesSchema>;

function kernelSpec(c: NtkLearningCurvesConfig): FullyConnectedSpec {
  return { activation: c.activation, depth: c.depth, sigmaW2: c.sigmaW2, sigmaB2: c.sigmaB2, parameterization: 'ntk' };
}

export interface NtkLearningCurvesPrediction {
  lambdas: number[];
  multiplicities: number[];
  tailTrace: number;
  /** per target degree, per n */
  curves: { degree: number; lambda: number; testMse: number[]; learnability: number[]; kappa: number[] }[];
  /** largest tail eigenvalue over the smallest κ: the tail-as-ridge approximation needs ≪ 1 */
  tailRatio: number;
  /** per target degree, per n of networkNs: eigenlearning test MSE (route b) */
  networkCurves: { degree: number; testMse: number[] }[];
}

export function spectrumFor(c: NtkLearningCurvesConfig): { sp: Spectrum; lambdas: Float64Array; multiplicities: Float64Array; tail: number; tailMax: number } {
  const spec = kernelSpec(c);
  const fn = (cos: Float64Array) => (c.kernel === 'ntk' ? dotProductKernel(spec, cos).ntk : dotProductKernel(spec, cos).nngp);
  // One extra degree to bound the largest eigenvalue in the tail.
  const s = sphereSpectrum(fn, c.dim, c.kMax + 2);
  const lambdas = s.lambdas.slice(0, c.kMax + 1).map((l) => Math.max(l, 0));
  const multiplicities = s.multiplicities.slice(0, c.kMax + 1);
  let kept = 0;
  for (let k = 0; k <= c.kMax; k++) kept += lambdas[k] * multiplicities[k];
  const tail = Math.max(0, s.trace - kept);
  const tailMax = Math.max(s.lambdas[c.kMax + 1], s.lambdas[c.kMax + 2], 0);
  return { sp: { lambdas, multiplicities, tailTrace: tail }, lambdas, multiplicities, tail, tailMax };
}

export function predictNtkLearningCurves(c: NtkLearningCurvesConfig): NtkLearningCurvesPrediction {
  for (const k of c.degrees) if (k > c.kMax) throw new RangeError(`degrees: degree ${k} exceeds kMax=${c.kMax}`);
  const { sp, lambdas, multiplicities, tail, tailMax } = spectrumFor(c);
  let minKappa = Infinity;
  const curves = c.degrees.map((degree) => {
    const targetPower = new Float64Array(lambdas.length);
    targetPower[degree] = 1;
    const res = c.ns.map((n) => eigenlearning({ ...sp, targetPower }, n, { ridge: c.ridge, noise2: c.noise2 }));
    res.forEach((r) => { minKappa = Math.min(minKappa, r.kappa); });
    return { degree, lambda: lambdas[degree], testMse: res.map((r) => r.testMse), learnability: res.map((r) => r.learnabilities[degree]), kappa: res.map((r) => r.kappa) };
  });
  const networkCurves = c.degrees.map((degree) => {
    const targetPower = new Float64Array(lambdas.length);
    targetPower[degree] = 1;
    return { degree, testMse: c.networkNs.map((n) => eigenlearning({ ...sp, targetPower }, n, { ridge: c.ridge, noise2: c.noise2 }).testMse) };
  });
  return { lambdas: Array.from(lambdas), multiplicities: Array.from(multiplicities), tailTrace: tail, curves, tailRatio: tailMax / minKappa, networkCurves };
}

/** The network of route (b): same depth, activation and σ's as the analytic kernel, NTK parameterization. */
export function networkSpec(c: NtkLearningCurvesConfig, outputs: number): MlpSpec {
  return {
    widths: [c.dim, ...Array.from({ length: c.depth - 1 }, () => c.networkWidth), outputs],
    activation: c.activation, bias: true, parameterization: 'ntk', sigmaW: Math.sqrt(c.sigmaW2), sigmaB: Math.sqrt(c.sigmaB2),
  };
}

export interface NetworkRun {
  /** per target degree: test MSE of the trained network (+ ε²), and of analytic-NTK KRR on the same data */
  testMse: number[];
  krrTestMse: number[];
  /** largest over targets of (final train MSE)/(test MSE of KRR on the same data) */
  trainOverTest: number;
  /** ‖Θ_T − Θ_0‖_F / ‖Θ_0‖_F of the empirical NTK on (up to 16 of) the training points, largest over targets */
  ntkChange: number;
  /** ‖Θ̂_0 − Θ‖_F / ‖Θ‖_F: the empirical NTK at initialization against the analytic one, same points */
  ntkInitDeviation: number;
  /** GD steps, mean over targets */
  steps: number;
  status: StopReason;
}

/**
 * Route (b), one draw: n training points and a zonal-harmonic target of each degree, each fitted by
 * its own single-output network (fresh init), full-batch GD on ½Σ(f − y)² with
 * η = networkLr/λ_max(K) of the analytic NTK on those points, until the train MSE is below
 * networkTrainTol × the test MSE of KRR on the same data (or networkSteps).
 * 'centered' trains f(x) − f₀(x) (equivalently f on targets y + f₀(X)): in the linearized regime
 * that difference evolves exactly as kernel GD from zero and converges to ridgeless KRR with the
 * NTK, whereas the raw network keeps f₀(x) − Θ(x, X)Θ⁻¹f₀(X), a random function whose variance
 * (from the NNGP) adds to the test error. Centering costs one forward pass; the antisymmetric
 * "doubling" init would remove f₀ as well, at twice the parameters.
 */
export function networkLearningRun(c: NtkLearningCurvesConfig, n: number, rng: Rng, signal?: AbortSignal): NetworkRun {
  const D = c.degrees.length, d = c.dim, T = c.testPoints;
  const X = sampleSphere(n, d, rng.split('train'));
  const Xt = sampleSphere(T, d, rng.split('test'));
  const u = Array.from({ length: d }, () => rng.normal());
  const Y = mat(n, D);
  const Ft: Float64Array[] = [];
  const noise = rng.split('noise');
  c.degrees.forEach((k, q) => {
    const f = zonalHarmonic(X, k, u);
    for (let a = 0; a < n; a++) Y.data[a * D + q] = f[a] + Math.sqrt(c.noise2) * noise.normal();
    Ft.push(zonalHarmonic(Xt, k, u));
  });
  const mseOf = (pred: Float64Array) => c.degrees.map((_, q) => {
    let m = 0;
    for (let i = 0; i < T; i++) m += (pred[i * D + q] - Ft[q][i]) ** 2;
    return m / T + c.noise2;
  });
  // Route (a) on the same data, for a paired comparison.
  // The analytic NTK of the very network trained below (its layers carry their kernel maps).
  const netModel = mlpModel(networkSpec(c, 1));
  const K = netModel.kernel!(X).ntk;
  const alpha = krrSolve(K, Y, c.ridge);
  const Ks = netModel.kernel!(Xt, X).ntk;
  const krrPred = new Float64Array(T * D);
  for (let i = 0; i < T; i++) for (let q = 0; q < D; q++) {
    let f = 0;
    for (let a = 0; a < n; a++) f += Ks.data[i * n + a] * alpha.data[a * D + q];
    krrPred[i * D + q] = f;
  }
  const krrTestMse = mseOf(krrPred);
  // The networks: one single-output network per target. (One network with D outputs would couple
  // the targets through the off-diagonal blocks of its empirical NTK, O(1/√m): the residuals of the
  // hard targets then leak an O(1/m) variance into the easy ones — measured +65% on a degree-1
  // target with E_te ≈ 3e-3 at n = 80, m = 2048. The limit Θ ⊗ I has no such coupling.)
  const net = networkSpec(c, 1);
  const fwd = (ps: Tensor[], x: Tensor) => mlpForward(net, ps, x);
  const Xn = tensor(Float64Array.from(X.data), [n, d]), Xtn = tensor(Float64Array.from(Xt.data), [T, d]);
  const centered = c.networkInit === 'centered';
  const ev = eigvalsh(K);
  const lr = c.networkLr / ev[ev.length - 1];
  const m = Math.min(n, 16);
  const Xs = slice(Xn, 0, 0, m);
  const pred = new Float64Array(T * D);
  let worstTrain = 0, ntkChange = 0, ntkInitDeviation = 0, steps = 0;
  let status: StopReason = 'completed';
  for (let q = 0; q < D; q++) {
    const params = initMlp(net, rng.split(`init${q}`));
    const f0 = noGrad(() => fwd(params, Xn)).data;
    const f0t = noGrad(() => fwd(params, Xtn)).data;
    const target = Float64Array.from({ length: n }, (_, a) => Y.data[a * D + q] + (centered ? f0[a] : 0));
    const Yn = tensor(target, [n, 1]);
    const obj = objectiveFromLoss((...ps) => { const r = sub(fwd(ps, Xn), Yn); return scale(sum(mul(r, r)), 0.5); }, params);
    // Convergence is judged against the target's test error: an unfitted train residual r (MSE)
    // shifts the test MSE E by up to ~2√(rE), so r/E ≤ 1e-4 keeps that near 2%.
    const trainOverTest = (th: ArrayLike<number>) => {
      const f = noGrad(() => fwd(unflatten(th, params), Xn)).data;
      let r = 0;
      for (let a = 0; a < n; a++) r += (f[a] - target[a]) ** 2;
      return r / n / krrTestMse[q];
    };
    const stop = new AbortController();
    const theta0 = flatten(params);
    const res = gradientDescent(obj, theta0, {
      lr, steps: c.networkSteps, signal: stop.signal,
      onStep: (step, th) => {
        if (signal?.aborted || (step % 10 === 0 && trainOverTest(th) <= c.networkTrainTol)) stop.abort();
      },
    });
    if (res.status === 'interrupted' && signal?.aborted) { status = 'interrupted'; break; }
    if (res.status === 'diverged') { status = 'diverged'; worstTrain = Infinity; pred.fill(NaN); continue; }
    steps += res.steps;
    worstTrain = Math.max(worstTrain, trainOverTest(res.theta));
    const trained = unflatten(res.theta, params);
    const ft = noGrad(() => fwd(trained, Xtn)).data;
    for (let i = 0; i < T; i++) pred[i * D + q] = ft[i] - (centered ? f0t[i] : 0);
    // Lazy-regime witnesses: how far the empirical NTK moved, and how far it starts from the analytic one.
    const K0 = empiricalNtk(fwd, params, Xs), K1 = empiricalNtk(fwd, trained, Xs);
    let num = 0, den = 0, dev = 0, ref = 0;
    for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) {
      const e0 = K0.data[i * m + j], a = K.data[i * n + j];
      num += (K1.data[i * m + j] - e0) ** 2; den += e0 * e0; dev += (e0 - a) ** 2; ref += a * a;
    }
    ntkChange = Math.max(ntkChange, Math.sqrt(num / den));
    ntkInitDeviation = Math.max(ntkInitDeviation, Math.sqrt(dev / ref));
  }
  return { testMse: mseOf(pred), krrTestMse, trainOverTest: worstTrain, ntkChange, ntkInitDeviation, steps: steps / D, status };
}

export interface NetworkStats {
  /** per degree, per networkNs: mean ± s.e. of the network's test MSE; paired mean(E_net − E_KRR)/mean(E_KRR) ± s.e. */
  curves: { degree: number; mean: number[]; se: number[]; krrRel: number[]; krrRelSe: number[] }[];
  maxNtkChange: number;
  maxTrainOverTest: number;
  diverged: number;
  runs: number;
  meanSteps: number;
}

export interface NtkLearningCurvesResult {
  /** per degree, per n: mean and standard error of the test MSE; mean learned coefficient */
  measured: { degree: number; mean: number[]; se: number[]; coeff: number[]; coeffSe: number[] }[];
  /** per degree: mean of the N(d, k) kernel-matrix eigenvalues eig(K)/N in that degree's block */
  matrixSpectrum: { degree: number; lambda: number }[];
  /** route (b), when run */
  network?: NetworkStats;
  interrupted: boolean;
}

function kernelBlock(spec: FullyConnectedSpec, kind: 'ntk' | 'nngp', A: Mat, B?: Mat): Mat {
  const k = analyticKernel(spec, A, B);
  return kind === 'ntk' ? k.ntk : k.nngp;
}

/**
 * One cell of the grid:
 *   spectrum: eig(K)/N of the kernel matrix on N = spectrumSample points, block means per degree;
 *   krr:      draw t of the training set of size n = ns[j], KRR with the analytic kernel;
 *   network:  draw t at n = networkNs[j], the wide network of route (b) (and KRR on the same data).
 * Streams: new Rng(seed).split('spectrum' | `draw${t}` | `network${t}`)[.split(`n${n}`)].
 */
type NtkCell = { kind: 'spectrum' } | { kind: 'krr'; draw: number; j: number; n: number } | { kind: 'network'; draw: number; j: number; n: number };

/** Per degree: test MSE (+ ε²) and ⟨f̂, f*⟩/‖f*‖² of one KRR draw. */
interface KrrCellResult { kind: 'krr'; mse: number[]; coeff: number[] }
interface SpectrumCellResult { kind: 'spectrum'; blocks: { degree: number; lambda: number; multiplicity: number }[] }
/** A network draw (null run: interrupted inside, not counted). */
interface NetworkCellResult { kind: 'network'; run: NetworkRun | null }
type NtkCellResult = KrrCellResult | SpectrumCellResult | NetworkCellResult;

const withNetworkRoute = (c: NtkLearningCurvesConfig) => c.network && c.kernel === 'ntk';

function ntkCells(c: NtkLearningCurvesConfig): NtkCell[] {
  const cells: NtkCell[] = c.spectrumSample > 0 ? [{ kind: 'spectrum' }] : [];
  for (let t = 0; t < c.draws; t++) c.ns.forEach((n, j) => cells.push({ kind: 'krr', draw: t, j, n }));
  if (withNetworkRoute(c)) for (let t = 0; t < c.networkDraws; t++) c.networkNs.forEach((n, j) => cells.push({ kind: 'network', draw: t, j, n }));
  return cells;
}

/** Relative cost: KRR ∝ n³ + 20·n·testPoints, a network run ∝ n²m² (GD steps × n·P), in rough common units. */
function ntkCellCost(c: NtkLearningCurvesConfig, k: NtkCell): number {
  if (k.kind === 'spectrum') return c.spectrumSample * c.spectrumSample * c.spectrumSample;
  if (k.kind === 'krr') return k.n * k.n * k.n + k.n * c.testPoints * 20;
  return k.n * k.n * c.networkWidth ** 2 * 1e-3;
}

function ntkCell(c: NtkLearningCurvesConfig, k: NtkCell, ctx: RunContext, p: NtkLearningCurvesPrediction): NtkCellResult {
  const spec = kernelSpec(c);
  const rng = new Rng(c.seed);
  if (k.kind === 'spectrum') {
    // Route (a): the spectrum of the kernel matrix on N samples, eig(K)/N, averaged over each degree's block.
    const N = c.spectrumSample;
    const ev = Array.from(eigvalsh(kernelBlock(spec, c.kernel, sampleSphere(N, c.dim, rng.split('spectrum'))))).reverse().map((v) => v / N);
    // Blocks in the order of decreasing Funk–Hecke eigenvalue; only blocks inside the first N/10 modes
    // (further down, eig(K)/N is biased upward at finite N: +10–20% by N/3, measured at d = 3).
    const order = p.lambdas.map((l, d) => d).sort((a, b) => p.lambdas[b] - p.lambdas[a]);
    const blocks: SpectrumCellResult['blocks'] = [];
    let start = 0;
    for (const d of order) {
      const m = p.multiplicities[d];
      if (start + m > N / 10) break;
      blocks.push({ degree: d, lambda: ev.slice(start, start + m).reduce((a, b) => a + b, 0) / m, multiplicity: m });
      start += m;
    }
    return { kind: 'spectrum', blocks };
  }
  if (k.kind === 'network') {
    const t = k.draw, n = k.n;
    const run = networkLearningRun(c, n, rng.split(`network${t}`).split(`n${n}`), ctx.signal);
    if (run.status === 'interrupted') return { kind: 'network', run: null };
    run.testMse.forEach((e, q) => {
      ctx.record('network', { draw: t, n, target: `degree ${c.degrees[q]}`, mse: e, krrMse: run.krrTestMse[q], trainOverTest: run.trainOverTest, ntkChange: run.ntkChange, ntkInitDeviation: run.ntkInitDeviation, steps: run.steps, status: run.status });
    });
    return { kind: 'network', run };
  }
  const D = c.degrees.length, n = k.n;
  const r = rng.split(`draw${k.draw}`).split(`n${n}`);
  const X = sampleSphere(n, c.dim, r.split('train'));
  const Xt = sampleSphere(c.testPoints, c.dim, r.split('test'));
  const u = Array.from({ length: c.dim }, () => r.normal());
  const K = kernelBlock(spec, c.kernel, X);
  const Ks = kernelBlock(spec, c.kernel, Xt, X);
  const Y = mat(n, D);
  const Ft: Float64Array[] = [];
  const noise = r.split('noise');
  c.degrees.forEach((deg, q) => {
    const f = zonalHarmonic(X, deg, u);
    for (let a = 0; a < n; a++) Y.data[a * D + q] = f[a] + Math.sqrt(c.noise2) * noise.normal();
    Ft.push(zonalHarmonic(Xt, deg, u));
  });
  const alpha = krrSolve(K, Y, c.ridge);
  const mses: number[] = [], coeffs: number[] = [];
  for (let q = 0; q < D; q++) {
    let mse = 0, proj = 0, norm = 0;
    for (let i = 0; i < c.testPoints; i++) {
      let f = 0;
      for (let a = 0; a < n; a++) f += Ks.data[i * n + a] * alpha.data[a * D + q];
      mse += (f - Ft[q][i]) ** 2;
      proj += f * Ft[q][i];
      norm += Ft[q][i] ** 2;
    }
    mses.push(mse / c.testPoints + c.noise2);
    coeffs.push(proj / norm);
  }
  return { kind: 'krr', mse: mses, coeff: coeffs };
}

function aggregateNtk(c: NtkLearningCurvesConfig, results: (NtkCellResult | null)[], ctx: RunContext, p: NtkLearningCurvesPrediction): NtkLearningCurvesResult {
  const keys = ntkCells(c);
  let interrupted = false;
  // Spectrum and theory lines for the plots.
  p.lambdas.forEach((l, k) => ctx.record('spectrum', { degree: k, lambda: l, multiplicity: p.multiplicities[k], method: 'Funk–Hecke' }));
  const matrixSpectrum: { degree: number; lambda: number }[] = [];
  // Route (a): KRR, accumulated over draws in draw order.
  const sums = c.degrees.map(() => c.ns.map(() => ({ s: 0, s2: 0, v: 0, v2: 0, k: 0 })));
  keys.forEach((key, i) => {
    const res = results[i];
    if (key.kind === 'network') return;
    if (!res) { interrupted = true; return; }
    if (res.kind === 'spectrum') {
      for (const b of res.blocks) {
        matrixSpectrum.push({ degree: b.degree, lambda: b.lambda });
        ctx.record('spectrum', { degree: b.degree, lambda: b.lambda, multiplicity: b.multiplicity, method: `kernel matrix, N=${c.spectrumSample}` });
      }
    } else if (res.kind === 'krr' && key.kind === 'krr') {
      res.mse.forEach((mse, q) => {
        const coeff = res.coeff[q];
        const acc = sums[q][key.j];
        acc.s += mse; acc.s2 += mse * mse; acc.v += coeff; acc.v2 += coeff * coeff; acc.k++;
      });
    }
  });
  const measured = c.degrees.map((degree, q) => {
    const stats = sums[q].map((a) => {
      const m = a.s / a.k, v = a.v / a.k;
      return { m, se: Math.sqrt(Math.max(a.s2 / a.k - m * m, 0) / Math.max(a.k - 1, 1)), v, vse: Math.sqrt(Math.max(a.v2 / a.k - v * v, 0) / Math.max(a.k - 1, 1)) };
    });
    return { degree, mean: stats.map((s) => s.m), se: stats.map((s) => s.se), coeff: stats.map((s) => s.v), coeffSe: stats.map((s) => s.vse) };
  });
  // Route (b): the wide network, trained (only reported when route (a) is complete).
  let network: NetworkStats | undefined;
  if (withNetworkRoute(c) && !interrupted) {
    const acc = c.degrees.map(() => c.networkNs.map(() => ({ s: 0, s2: 0, r: 0, r2: 0, kr: 0, k: 0 })));
    let maxNtkChange = 0, maxTrainOverTest = 0, diverged = 0, runs = 0, steps = 0;
    keys.forEach((key, i) => {
      if (key.kind !== 'network') return;
      const res = results[i] as NetworkCellResult | null;
      const run = res?.run;
      if (!run) { interrupted = true; return; }
      runs++; steps += run.steps;
      if (run.status === 'diverged') diverged++;
      maxNtkChange = Math.max(maxNtkChange, Number.isFinite(run.ntkChange) ? run.ntkChange : Infinity);
      maxTrainOverTest = Math.max(maxTrainOverTest, Number.isFinite(run.trainOverTest) ? run.trainOverTest : Infinity);
      run.testMse.forEach((e, q) => {
        if (!Number.isFinite(e)) return;
        const diff = e - run.krrTestMse[q];
        const a = acc[q][key.j];
        a.s += e; a.s2 += e * e; a.r += diff; a.r2 += diff * diff; a.kr += run.krrTestMse[q]; a.k++;
      });
    });
    const ms = (s: number, s2: number, k: number) => {
      const m = k ? s / k : NaN;
      return [m, k > 1 ? Math.sqrt(Math.max(s2 / k - m * m, 0) / (k - 1)) : NaN];
    };
    network = {
      curves: c.degrees.map((degree, q) => {
        // Paired: mean(E_net − E_KRR)/mean(E_KRR), its s.e. from the spread of the differences.
        const st = acc[q].map((a) => [...ms(a.s, a.s2, a.k), ...ms(a.r, a.r2, a.k).map((v) => v / (a.kr / a.k))]);
        return { degree, mean: st.map((x) => x[0]), se: st.map((x) => x[1]), krrRel: st.map((x) => x[2]), krrRelSe: st.map((x) => x[3]) };
      }),
      maxNtkChange, maxTrainOverTest, diverged, runs, meanSteps: runs ? steps / runs : 0,
    };
  }
  for (const [q, m] of measured.entries()) {
    const curve = p.curves[q];
    const target = `degree ${m.degree}`;
    // Theory line over ns ∪ networkNs, in increasing n (lines are drawn in row order).
    const theory = new Map<number, number>(c.ns.map((n, j) => [n, curve.testMse[j]]));
    if (network) c.networkNs.forEach((n, j) => { if (!theory.has(n)) theory.set(n, p.networkCurves[q].testMse[j]); });
    for (const n of [...theory.keys()].sort((a, b) => a - b)) ctx.record('curves', { target, method: 'theory', n, mse: theory.get(n)! });
    if (network) {
      const nc = network.curves[q];
      c.networkNs.map((n, j) => [n, j]).sort((a, b) => a[0] - b[0]).forEach(([n, j]) => {
        if (Number.isFinite(nc.mean[j])) ctx.record('curves', { target, method: 'network', n, mse: nc.mean[j], lo: nc.mean[j] - (nc.se[j] || 0), hi: nc.mean[j] + (nc.se[j] || 0) });
      });
    }
    c.ns.forEach((n, j) => {
      if (Number.isFinite(m.mean[j])) {
        ctx.record('curves', { target, method: 'KRR', n, mse: m.mean[j], lo: m.mean[j] - m.se[j], hi: m.mean[j] + m.se[j] });
        ctx.record('learnability', { target, method: 'KRR ⟨f̂, f*⟩', n, L: m.coeff[j], lo: m.coeff[j] - m.coeffSe[j], hi: m.coeff[j] + m.coeffSe[j] });
      }
      ctx.record('learnability', { target, method: 'theory', n, L: curve.learnability[j] });
    });
  }
  return { measured, matrixSpectrum, network, interrupted };
}

function regimeFor(c: NtkLearningCurvesConfig, p: NtkLearningCurvesPrediction): RegimeCondition[] {
  return [
    // Eigenlearning treats the eigenfunctions as if Gaussian (high-dimensional universality). On
    // low-dimensional spheres it underestimates ridgeless KRR by O(1) factors (measured here: ×1.8–2.7
    // at d = 3, +10–30% at d = 5–7, ≤ 15% at d = 10; cf. Tomasini, Sclocchi & Wyart 2022 on low-d data).
    regimeCondition('input dimension d (eigenlearning is a high-dimensional theory)', c.dim, 'min', 8),
    regimeCondition('spectrum truncation: largest tail eigenvalue / smallest κ', p.tailRatio, 'max', 0.05),
    regimeCondition('draws per point', c.draws, 'min', 3),
  ];
}

/** Regime of route (b): the theory's own conditions plus lazy training, convergence, and no ridge. */
export function networkRegime(c: NtkLearningCurvesConfig, net: NetworkStats, p: NtkLearningCurvesPrediction): RegimeCondition[] {
  return [
    regimeCondition('input dimension d (eigenlearning is a high-dimensional theory)', c.dim, 'min', 8),
    regimeCondition('spectrum truncation: largest tail eigenvalue / smallest κ', p.tailRatio, 'max', 0.05),
    // Width large against n: the NTK stays put (lazy regime), so the network is its linearization.
    regimeCondition('relative NTK change ‖Θ_T − Θ_0‖_F/‖Θ_0‖_F during training (worst run)', net.maxNtkChange, 'max', c.networkMaxNtkChange),
    // Trained to (near) interpolation: the ridgeless limit of the GD dynamics.
    regimeCondition('final train MSE / test MSE, per target (worst run; ≤ 1e-3 keeps the shift ≲ 2√(r/E) ≈ 6%)', net.maxTrainOverTest, 'max', 1e-3),
    regimeCondition('ridge δ (GD to convergence is ridgeless KRR)', c.ridge, 'max', 0),
    regimeCondition('diverged network runs', net.diverged, 'max', 0),
    regimeCondition('network draws per point', c.networkDraws, 'min', 2),
  ];
}

function networkChecks(c: NtkLearningCurvesConfig, net: NetworkStats, p: NtkLearningCurvesPrediction): Check[] {
  const regime = networkRegime(c, net, p);
  const idx = c.networkNs.map((n, j) => j).filter((j) => c.networkNs[j] >= c.nMin);
  const rms = (xs: number[]) => Math.sqrt(xs.reduce((a, x) => a + x * x, 0) / Math.max(xs.length, 1));
  const checks: Check[] = [];
  const range = (u: number[]) => `n ∈ {${u.map((j) => c.networkNs[j]).join(', ')}}`;
  for (const [q, m] of net.curves.entries()) {
    const th = p.networkCurves[q].testMse;
    const usable = idx.filter((j) => Number.isFinite(m.mean[j]));
    const rel = usable.map((j) => (m.mean[j] - th[j]) / th[j]);
    // s.e. relative to the measured mean (not to theory: a far-off mean must not look noisy).
    const relSe = usable.map((j) => (m.se[j] || 0) / m.mean[j]);
    const worst = usable.length ? usable[rel.map(Math.abs).indexOf(Math.max(...rel.map(Math.abs)))] : -1;
    const se = rms(relSe);
    // Few draws of small training sets scatter by tens of percent, so the statistical error is added
    // to the tolerance (2 s.e.), and a curve whose error alone exceeds the tolerance is out of regime.
    const reg = [...regime, regimeCondition('network points with n ≥ nMin', usable.length, 'min', 1),
      regimeCondition('statistical error of the network curve (RMS of s.e./mean)', se, 'max', c.networkTolerance)];
    const lambda = p.lambdas[m.degree];
    checks.push(numericCheck({
      name: `network learning curve, degree-${m.degree} target (λ=${lambda.toPrecision(3)})`,
      quantity: `RMS over ${range(usable)} of (E_te,net − E_te,theory)/E_te,theory; width ${c.networkWidth}, ${c.networkInit} f − f₀, GD η=${c.networkLr}/λ_max`,
      predicted: 0, measured: usable.length ? rms(rel) : NaN, uncertainty: se,
      tolerance: { kind: 'abs', value: c.networkTolerance + 2 * se }, regime: reg,
      note: worst >= 0 ? `worst n=${c.networkNs[worst]}: network ${m.mean[worst].toExponential(3)} ± ${(m.se[worst] || 0).toExponential(2)} vs theory ${th[worst].toExponential(3)}; ${net.runs} runs, mean ${net.meanSteps.toFixed(0)} GD steps, NTK change ≤ ${net.maxNtkChange.toFixed(3)}, train MSE ≤ ${net.maxTrainOverTest.toExponential(1)} × test MSE` : undefined,
    }));
    // The same training sets fitted by analytic-NTK KRR: a paired test of "wide network = NTK regression".
    const usableK = idx.filter((j) => Number.isFinite(m.krrRel[j]));
    const seK = rms(usableK.map((j) => m.krrRelSe[j] || 0));
    checks.push(numericCheck({
      name: `network vs KRR on the same training sets, degree-${m.degree} target`,
      quantity: `RMS over ${range(usableK)} of the paired mean(E_te,net − E_te,KRR)/mean(E_te,KRR)`,
      predicted: 0, measured: usableK.length ? rms(usableK.map((j) => m.krrRel[j])) : NaN, uncertainty: seK,
      // The finite-width shift is O(1/m) in absolute MSE, so it is relatively largest for well-learned
      // targets (measured +5% ± 5% at m = 512, depth 3, n = 50 on E_te ≈ 0.05; +14% ± 8% with 6 draws).
      tolerance: { kind: 'abs', value: c.networkKrrTolerance + 2 * seK }, regime: [...regime.slice(2), regimeCondition('network points with n ≥ nMin', usableK.length, 'min', 1)],
      note: usableK.length ? usableK.map((j) => `n=${c.networkNs[j]}: ${(100 * m.krrRel[j]).toFixed(1)}% ± ${(100 * (m.krrRelSe[j] || 0)).toFixed(1)}%`).join('; ') : undefined,
    }));
  }
  return checks;
}

function compareNtkLearningCurves(c: NtkLearningCurvesConfig, r: NtkLearningCurvesResult, p: NtkLearningCurvesPrediction) {
  const regime = regimeFor(c, p);
  const checks: Check[] = [];
  const idx = c.ns.map((n, j) => j).filter((j) => c.ns[j] >= c.nMin);
  for (const [q, m] of r.measured.entries()) {
    const th = p.curves[q];
    const usable = idx.filter((j) => Number.isFinite(m.mean[j]));
    const rel = usable.map((j) => (m.mean[j] - th.testMse[j]) / th.testMse[j]);
    const relSe = usable.map((j) => m.se[j] / th.testMse[j]);
    const rms = (xs: number[]) => Math.sqrt(xs.reduce((a, x) => a + x * x, 0) / Math.max(xs.length, 1));
    const worst = usable.length ? usable[rel.map(Math.abs).indexOf(Math.max(...rel.map(Math.abs)))] : -1;
    checks.push(numericCheck({
      name: `learning curve, degree-${m.degree} target (λ=${th.lambda.toPrecision(3)})`,
      quantity: `RMS over n ∈ [${c.ns[usable[0]] ?? '–'}, ${c.ns[usable[usable.length - 1]] ?? '–'}] of (E_te,KRR − E_te,theory)/E_te,theory`,
      predicted: 0, measured: usable.length ? rms(rel) : NaN, uncertainty: rms(relSe),
      tolerance: { kind: 'abs', value: c.tolerance }, regime: [...regime, regimeCondition('points with n ≥ nMin', usable.length, 'min', 2)],
      note: worst >= 0 ? `worst n=${c.ns[worst]}: KRR ${m.mean[worst].toExponential(3)} ± ${m.se[worst].toExponential(2)} vs theory ${th.testMse[worst].toExponential(3)}` : undefined,
    }));
    // Mean learned coefficient ⟨f̂, f*⟩/‖f*‖² ≈ L_k, at the n where the predicted L_k is nearest ½.
    if (usable.length) {
      const j = usable.reduce((b, i) => (Math.abs(th.learnability[i] - 0.5) < Math.abs(th.learnability[b] - 0.5) ? i : b), usable[0]);
      checks.push(numericCheck({
        name: `learnability, degree-${m.degree} target at n=${c.ns[j]}`,
        quantity: 'mean ⟨f̂, f*⟩/‖f*‖² (KRR) vs L_k = λ_k/(λ_k + κ)',
        predicted: th.learnability[j], measured: m.coeff[j], uncertainty: m.coeffSe[j],
        tolerance: { kind: 'abs', value: Math.max(0.05, 3 * m.coeffSe[j]) }, regime,
      }));
    }
  }
  if (r.network) checks.push(...networkChecks(c, r.network, p));
  for (const { degree, lambda } of r.matrixSpectrum) {
    checks.push(numericCheck({
      name: `spectrum, degree ${degree}: kernel matrix vs Funk–Hecke`,
      quantity: `mean of the N(d, k) = ${p.multiplicities[degree]} eigenvalues eig(K)/N in the block vs λ_k`,
      predicted: p.lambdas[degree], measured: lambda, tolerance: { kind: 'rel', value: 0.15 },
    }));
  }
  // The network route's own conditions (lazy, converged, ridgeless, no divergence) are listed too.
  const all = r.network ? [...regime, ...networkRegime(c, r.network, p).slice(2)] : regime;
  return { checks, regime: all, status: r.interrupted ? 'interrupted' as const : 'ok' as const };
}

/**
 * Scalars for sweeps, worst over the targets: RMS relative error of KRR (and of the network, when
 * run) against eigenlearning over n ≥ nMin, and the network's worst NTK change.
 */
function summaryNtk(c: NtkLearningCurvesConfig, r: NtkLearningCurvesResult, p = predictNtkLearningCurves(c)): Record<string, number> {
  const rmsRel = (ns: number[], mean: number[], th: number[]) => {
    const rel = ns.map((n, j) => j).filter((j) => ns[j] >= c.nMin && Number.isFinite(mean[j])).map((j) => (mean[j] - th[j]) / th[j]);
    return rel.length ? Math.sqrt(rel.reduce((a, x) => a + x * x, 0) / rel.length) : NaN;
  };
  const worst = (xs: number[]) => (xs.length && xs.every(Number.isFinite) ? Math.max(...xs) : NaN);
  const out: Record<string, number> = {
    krrRmsRelError: worst(r.measured.map((m, q) => rmsRel(c.ns, m.mean, p.curves[q].testMse))),
  };
  if (r.network) {
    out.networkRmsRelError = worst(r.network.curves.map((m, q) => rmsRel(c.networkNs, m.mean, p.networkCurves[q].testMse)));
    out.networkMaxNtkChange = r.network.maxNtkChange;
  }
  return out;
}

function plots(): PlotSpec[] {
  return [
    { title: 'Learning curves: KRR (and trained network) test MSE vs eigenlearning', caption: 'Points: KRR with the analytic kernel and (method network, when run) the trained wide network, mean over draws, with ±1 standard-error bars; dashed lines: eigenlearning E_te = E₀((1 − L_k)² + ε²). Lower panel: |MSE − theory|/theory.', kind: 'scatter', series: 'curves', x: 'n', y: 'mse', yLabel: 'test MSE', stroke: 'target', dashed: 'method', xType: 'log', yType: 'log', errorY: { lo: 'lo', hi: 'hi' }, lineStyles: { theory: { label: 'eigenlearning' } }, residual: { relative: true } },
    { title: 'Learnability L_k vs n', caption: 'Mean learned coefficient ⟨f̂, f*⟩/‖f*‖² against L_k = λ_k/(λ_k + κ).', kind: 'lines', series: 'learnability', x: 'n', y: 'L', yLabel: 'L_k', stroke: 'target', dashed: 'method', xType: 'log', errorY: { lo: 'lo', hi: 'hi' }, lineStyles: { theory: { label: 'L_k = λ_k/(λ_k + κ)' } } },
    { title: 'Kernel spectrum on the sphere (Funk–Hecke)', caption: 'Eigenvalue λ_k of degree-k harmonics (multiplicity N(d, k)), closed form vs the block means of eig(K)/N on N samples.', kind: 'scatter', series: 'spectrum', x: 'degree', xLabel: 'degree k', y: 'lambda', yLabel: 'λ_k', stroke: 'method', yType: 'log' },
  ];
}

/** Route (b) small enough for `lmech verify`: one hidden layer (cost ∝ width, not width²), two n. */
const NETWORK_VARIANT = {
  label: 'route (b): wide network (depth 2, width 1024) trained by GD vs eigenlearning and KRR',
  config: { depth: 2, ns: [10, 20, 40, 80], draws: 6, testPoints: 400, spectrumSample: 0, network: true, networkWidth: 1024, networkNs: [20, 40], networkDraws: 12 },
  expect: 'confirmed' as const,
};

export const ntkLearningCurvesExperiment: Experiment<NtkLearningCurvesConfig, NtkLearningCurvesResult, NtkLearningCurvesPrediction> = {
  name: 'ntk-learning-curves',
  title: 'NTK learning curves: eigenlearning vs kernel regression and trained wide networks',
  strand: '§2.1 solvable settings — kernel regression and the NTK (Fig. 1b)',
  description: 'Test MSE of KRR with the infinite-width NTK on the sphere, and of wide NTK-parameterized networks trained by GD, for low- and high-frequency targets, against the eigenlearning prediction E₀((1 − L)² + ε²) from the Funk–Hecke spectrum.',
  schema: ntkLearningCurvesSchema,
  quick: { ns: [10, 20, 40, 80, 160, 320], draws: 10, testPoints: 400, network: false },
  variants: [
    { label: 'ridge and label noise, erf NNGP', config: { activation: 'erf', kernel: 'nngp', ridge: 0.5, noise2: 0.05, ns: [20, 40, 80, 160, 320], draws: 10, testPoints: 400, degrees: [1, 3], network: false }, expect: 'confirmed' },
    { label: 'low-dimensional sphere d = 3 (theory off by ~2×)', config: { dim: 3, kMax: 120, degrees: [1, 2, 4], ns: [20, 40, 80, 160, 320], draws: 10, testPoints: 400, network: false }, expect: 'out-of-regime' },
    NETWORK_VARIANT,
  ],
  predict: predictNtkLearningCurves,
  grid: { cells: ntkCells, cell: ntkCell, aggregate: aggregateNtk, cost: ntkCellCost },
  compare: compareNtkLearningCurves,
  plots,
  summary: summaryNtk,
};
