/**
 * Experiment `representation-similarity`: do independently trained networks learn the same
 * representation, and more so when wider? (Kornblith et al. 2019 §6.1: CKA between seeds grows
 * with width; Huh et al. 2024, "The Platonic Representation Hypothesis": mutual-kNN alignment;
 * science notes §B6, §B7, §F.)
 *
 * Model zoo: architecture a ∈ {MLP, CNN} × width n × seed s, each network trained by SGD on the
 * same embedded 7×7 MNIST digits (src/data/mnist.ts) with cross-entropy; its penultimate
 * representation (the input of the readout) is taken on a fixed, held-out probe set of n_p digits.
 * MLP: `depth` ReLU hidden layers of width n (NTK parameterization by default, so its width → ∞
 * limit is the kernel regime), learning rate `lr`. CNN: one 3×3 conv layer of n channels (same
 * padding), ReLU, 2×2 average pool (7 → 3), readout on the 9n pooled features; standard
 * parameterization with η = cnnLr·(n_min/n) (the readout's NTK grows ∝ n, so this keeps the
 * function's step O(1): the standard-parameterization route to the kernel limit; with a constant
 * η the widest CNNs train ever more violently and their cross-seed similarity stopped rising in
 * trial runs, widths 4–64). Each cell's random streams depend on
 * (config.seed, arch, width, seed) only; the data and probe set on config.seed only.
 *
 * Measurements (src/observables/similarity.ts): debiased linear CKA and mutual kNN (k neighbours)
 * between ALL pairs of the zoo; for the cross-seed pairs of every (arch, width) also biased linear
 * CKA, RBF CKA (σ = median distance), SVCCA (99 % of variance) and orthogonal Procrustes.
 *
 * Predictions and checks.
 *  (1) Width trend (Kornblith et al. 2019, §6): the cross-seed similarity C̄(n) = mean over seed pairs
 *      of debiased CKA rises with width. Fitted: OLS slope b of C̄ on ln n; its standard error from
 *      the per-width jackknife-over-seeds errors, propagated through the OLS weights
 *      (SE² = Σ_w ((x_w − x̄)/S_xx)² SE_w²); networks of different seeds and widths are independent.
 *      Confirmed when b ≥ z·SE (one-sided, z = `significance`, default 2): positive and significant.
 *  (2) Kernel limit (strand 2, §2.2 limits): as n → ∞ under the NTK parameterization, training is
 *      lazy and the penultimate Gram (1/n)ΦΦᵀ converges to the analytic NNGP kernel Σ of the
 *      trunk (Jacot et al. 2018; Lee et al. 2019), the same for every seed — so the cross-seed CKA
 *      tends to CKA(Σ, Σ) = 1 and each network's CKA to Σ tends to 1. Checked: the deficit
 *      1 − CKA_d(Φ_s Φ_sᵀ, Σ) shrinks with width — OLS slope of ln(deficit) on ln n negative by
 *      z standard errors (same propagation, delta method for the log). Finite-width fluctuations
 *      of the Gram are O(n^{−½}), so the deficit of a cosine-type similarity is O(1/n): the
 *      fitted exponent is reported against −1 as data, not as a verdict (training adds its own
 *      O(1/n) feature movement whose constant is not predicted). MLP only (the CNN has no
 *      closed-form kernel here). The NTK Θ of the whole network is recorded alongside (data).
 *  (3) Where the metrics disagree (Kornblith's / Huh's caveat that similarity indices can rank
 *      the same pairs differently): a table, not a verdict — per metric and architecture the
 *      width-trend slope, its SE and t; and the Spearman rank correlation between every two
 *      metrics over the cross-seed pairs (series `metric-trends`, `metric-agreement`; the note
 *      of the run lists the metrics whose trend sign differs from debiased CKA's).
 *
 * Nulls shown beside the data: debiased CKA 0; mutual kNN k/(n_p − 1); biased linear CKA
 * E tr W₁/‖W₁‖ · E tr W₂/‖W₂‖ /(n_p − 1) (science notes, Corrections).
 *
 * Out of regime (computed before the verdict): fewer than 3 seeds (no jackknife error) or 3
 * widths, a width range under 4×; an untrained zoo — a network whose training accuracy is below
 * `minAccuracy` (default 0.5, five times chance: "trained" means the network has learned the
 * task; at 0 steps the similarity is that of random features, governed by the NNGP alone), or
 * one that diverged. The kernel check additionally needs the NTK parameterization.
 */
import { z } from 'zod';
import { loadDigits, type Dataset } from '../data/mnist.js';
import { gather, softmaxCrossEntropy } from '../engine/ops.js';
import { Rng } from '../engine/rng.js';
import { tensor, type Tensor } from '../engine/tensor.js';
import type { Mat } from '../engine/linalg/index.js';
import * as libm from '../engine/libm.js';
import { mlpModel, type MlpSpec } from '../models/mlp.js';
import { cnn } from '../models/cnn.js';
import { model, type Model } from '../nn/model.js';
import { layerFromSpec } from '../nn/registry.js';
import type { LayerSpec } from '../nn/types.js';
import { linearFit } from '../observables/fit.js';
import {
  centerColumns, centerGram, centredSvd, ckaDebiasedGram, knnIndices, linearCkaNull, linearGram, mutualKnnFromIndices, mutualKnnNull,
  procrustesFromSvd, rbfGram, svccaFromSvd, uCenterGram, type CentredSvd,
} from '../observables/similarity.js';
import { sgd, groupsFromInfo } from '../training/optim/index.js';
import { train } from '../training/loop.js';
import type { Check, Experiment, PlotSpec, RegimeCondition, RunContext } from './types.js';
import { numericCheck, regimeCondition } from './verdict.js';

const ARCHS = ['mlp', 'cnn'] as const;
type Arch = (typeof ARCHS)[number];

export const representationSimilaritySchema = z.object({
  archs: z.array(z.enum(ARCHS)).min(1).max(2).default(['mlp', 'cnn']).describe('architectures in the zoo: mlp, cnn'),
  widths: z.array(z.number().int().min(2).max(1024)).min(1).max(10).default([16, 32, 64, 128, 256]).describe('MLP hidden widths'),
  cnnWidths: z.array(z.number().int().min(2).max(256)).min(1).max(10).default([8, 16, 32, 64]).describe('CNN channels per conv layer'),
  seeds: z.number().int().min(1).max(16).default(4).describe('independently initialized and trained networks per (arch, width)'),
  depth: z.number().int().min(1).max(4).default(2).describe('MLP hidden layers'),
  parameterization: z.enum(['ntk', 'standard']).default('ntk').describe('MLP parameterization (ntk: the width → ∞ limit is the kernel regime)'),
  trainSamples: z.number().int().min(100).max(8000).default(1000).describe('training digits (balanced, fixed by seed)'),
  probeSamples: z.number().int().min(16).max(1000).default(250).describe('held-out probe digits on which representations are compared'),
  steps: z.number().int().min(0).max(20000).default(300).describe('SGD steps per network'),
  batchSize: z.number().int().min(8).max(2000).default(100).describe('minibatch size'),
  lr: z.number().gt(0).max(100).default(1).describe('MLP learning rate (NTK parameterization: O(1))'),
  cnnLr: z.number().gt(0).max(10).default(0.3).describe('CNN learning rate at the narrowest CNN width (standard parameterization)'),
  cnnLrScaling: z.enum(['inverse-width', 'constant']).default('inverse-width').describe('CNN learning rate across widths: η = cnnLr·(n_min/n) (the standard-parameterization route to the kernel limit) or constant'),
  momentum: z.number().min(0).max(0.99).default(0.9).describe('SGD momentum'),
  k: z.number().int().min(1).max(100).default(10).describe('mutual kNN: neighbours per point'),
  rbfFactor: z.number().gt(0).max(100).default(1).describe('RBF CKA bandwidth σ = factor × median distance'),
  significance: z.number().min(0).max(10).default(2).describe('a trend is significant when |slope| ≥ significance × SE'),
  minAccuracy: z.number().min(0).max(1).default(0.5).describe('regime: every network must reach this training accuracy'),
  seed: z.number().int().min(0).max(2 ** 31).default(0).describe('random seed'),
});

export type RepresentationSimilarityConfig = z.infer<typeof representationSimilaritySchema>;

interface Key { arch: Arch; width: number; seed: number }

interface CellResult {
  arch: Arch;
  width: number;
  seed: number;
  /** Penultimate features on the probe set, probe × p (row-major). */
  features: Float64Array;
  p: number;
  trainAccuracy: number;
  finalLoss: number;
  status: 'completed' | 'diverged' | 'interrupted';
  /** Debiased CKA between this network's features at init and after training (lazy → 1). */
  movement: number;
  /** MLP: debiased CKA of the penultimate Gram with the analytic NNGP of the trunk, and with the network's NTK (NaN for the CNN). */
  ckaToNngp: number;
  ckaToNtk: number;
}

export interface Prediction {
  trendSlope: string;
  kernelExponent: number;
  nullDebiased: number;
  nullKnn: number;
}

export interface TrendFit { slope: number; se: number; widths: number[]; means: number[]; ses: number[] }

export interface ArchSummary {
  arch: Arch;
  /** Width trend of cross-seed debiased CKA. */
  trend: TrendFit;
  /** MLP: trend of ln(1 − CKA_d(network, NNGP)) on ln width. */
  kernel?: TrendFit & { deficits: number[] };
  minAccuracy: number;
  diverged: number;
}

export interface RepresentationSimilarityResult {
  archs: ArchSummary[];
  /** metric → arch → slope/se of its cross-seed width trend. */
  metricTrends: { metric: string; arch: Arch; slope: number; se: number }[];
  agreement: { a: string; b: string; spearman: number }[];
  nulls: { debiased: number; knn: number; biasedLinear: number; biasedLinearApprox: number };
  interrupted: boolean;
}

// ---------------------------------------------------------------------------------------------
// Data, models, features.

async function dataFor(c: RepresentationSimilarityConfig): Promise<{ train: Dataset; probe: Float64Array; nProbe: number }> {
  const all = await loadDigits({ data: 'mnist', samples: c.trainSamples + c.probeSamples, pool: 4, seed: c.seed });
  const d = all.d, C = all.classes, n = c.trainSamples;
  const train: Dataset = { ...all, X: all.X.slice(0, n * d), Y: all.Y.slice(0, n * C), labels: all.labels.slice(0, n), n };
  return { train, probe: all.X.slice(n * d), nProbe: c.probeSamples };
}

function network(c: RepresentationSimilarityConfig, arch: Arch, width: number, d: number, classes: number): Model {
  if (arch === 'mlp') {
    const spec: MlpSpec = { widths: [d, ...Array(c.depth).fill(width), classes], activation: 'relu', parameterization: c.parameterization, sigmaW: Math.SQRT2, sigmaB: 0.1 };
    return mlpModel(spec);
  }
  const side = Math.round(Math.sqrt(d));
  return cnn({ channels: [width], k: 3, inShape: [1, side, side], classes, pool: 'avg' });
}

/** The network without its readout (the last named entry of its top-level serial): its output is the penultimate representation. */
function trunkOf(net: Model): { trunk: Model; count: number } {
  const spec = net.layer.spec as LayerSpec & { layers: LayerSpec[]; names?: string[] };
  if (spec.type !== 'serial' || !Array.isArray(spec.layers) || spec.layers.length < 2) throw new Error('representation-similarity: the model is not a serial stack with a readout');
  const names = spec.names ?? spec.layers.map((_, i) => String(i));
  const trunk = model(layerFromSpec({ type: 'serial', layers: spec.layers.slice(0, -1), names: names.slice(0, -1) }), net.inShape, { dtype: net.dtype });
  return { trunk, count: trunk.info.length };
}

function inputTensor(net: Model, X: Float64Array, n: number): Tensor {
  return tensor(X.slice(), [n, ...net.inShape]);
}

function featuresOf(net: Model, params: Tensor[], X: Float64Array, n: number): { features: Float64Array; p: number } {
  const { trunk, count } = trunkOf(net);
  const h = trunk.apply(params.slice(0, count), inputTensor(net, X, n));
  const p = h.size / n;
  return { features: Float64Array.from(h.data as Float64Array), p };
}

/**
 * MLP: `lr` (NTK parameterization: the width-independent O(1) rate). CNN (standard
 * parameterization): the readout's NTK grows ∝ width, so a constant η steps ever harder as width
 * grows; η ∝ 1/width keeps the function's step O(1) — the standard-parameterization route to the
 * kernel limit (Sohl-Dickstein et al. 2020, arXiv 2001.07301).
 */
function learningRate(c: RepresentationSimilarityConfig, k: Key): number {
  if (k.arch === 'mlp') return c.lr;
  return c.cnnLrScaling === 'constant' ? c.cnnLr : (c.cnnLr * widthsOf(c, 'cnn')[0]) / k.width;
}

const cellRng = (c: RepresentationSimilarityConfig, k: Key) => new Rng(c.seed).split(k.arch).split(`width${k.width}`).split(`seed${k.seed}`);

/** The widths swept for one architecture, ascending. */
const widthsOf = (c: RepresentationSimilarityConfig, arch: Arch) => [...new Set(arch === 'mlp' ? c.widths : c.cnnWidths)].sort((a, b) => a - b);

function cells(c: RepresentationSimilarityConfig): Key[] {
  return c.archs.flatMap((arch) => widthsOf(c, arch).flatMap((width) => Array.from({ length: c.seeds }, (_, seed) => ({ arch, width, seed }))));
}

async function cell(c: RepresentationSimilarityConfig, key: Key, ctx: RunContext): Promise<CellResult> {
  const { train: ds, probe, nProbe } = await dataFor(c);
  const net = network(c, key.arch, key.width, ds.d, ds.classes);
  const rng = cellRng(c, key);
  const params = net.init(rng.split('init'));
  const X = inputTensor(net, ds.X, ds.n), Y = tensor(ds.Y.slice(), [ds.n, ds.classes]);
  const init = featuresOf(net, params, probe, nProbe);
  const r = train({
    params, optimizer: sgd({ momentum: c.momentum, groups: groupsFromInfo(net.info) }), lr: learningRate(c, key), steps: c.steps,
    n: ds.n, batchSize: Math.min(c.batchSize, ds.n), rng: rng.split('batches'), signal: ctx.signal,
    loss: (ps, b) => {
      const idx = tensor(b!, [b!.length], 'i32');
      return softmaxCrossEntropy(net.apply(ps, gather(X, idx, 0)), gather(Y, idx, 0));
    },
  });
  const out = net.apply(r.params, X);
  const finalLoss = softmaxCrossEntropy(out, Y).item();
  let correct = 0;
  const o = out.data as Float64Array, C = ds.classes;
  for (let i = 0; i < ds.n; i++) {
    let best = 0;
    for (let j = 1; j < C; j++) if (o[i * C + j] > o[i * C + best]) best = j;
    if (best === ds.labels[i]) correct++;
  }
  const trainAccuracy = correct / ds.n;
  const status = r.status === 'completed' && Number.isFinite(finalLoss) ? 'completed' : r.status === 'interrupted' ? 'interrupted' : 'diverged';
  const fin = featuresOf(net, r.params, probe, nProbe);
  let movement = NaN;
  try {
    movement = ckaDebiasedGram(linearGram(centerColumns({ rows: nProbe, cols: init.p, data: init.features })), linearGram(centerColumns({ rows: nProbe, cols: fin.p, data: fin.features })));
  } catch { /* dead features: movement undefined */ }
  let ckaToNngp = NaN, ckaToNtk = NaN;
  if (key.arch === 'mlp') {
    const P: Mat = { rows: nProbe, cols: ds.d, data: probe };
    const K = linearGram(centerColumns({ rows: nProbe, cols: fin.p, data: fin.features }));
    try {
      ckaToNngp = ckaDebiasedGram(K, trunkOf(net).trunk.kernel!(P).nngp);
      ckaToNtk = ckaDebiasedGram(K, net.kernel!(P).ntk);
    } catch { /* dead features */ }
  }
  ctx.record('networks', { arch: key.arch, width: key.width, seed: key.seed, trainAccuracy, finalLoss, status, movement, ckaToNngp, ckaToNtk });
  return { arch: key.arch, width: key.width, seed: key.seed, features: fin.features, p: fin.p, trainAccuracy, finalLoss, status, movement, ckaToNngp, ckaToNtk };
}

// ---------------------------------------------------------------------------------------------
// Aggregation.

interface Prepared {
  key: Key;
  X: Mat;
  /** Centred linear Gram / its Frobenius norm (biased CKA = dot product). */
  kc: Float64Array | null;
  /** U-centred linear Gram / its norm (debiased CKA = dot product). */
  ku: Float64Array | null;
  knn: Int32Array | null;
  /** Centred RBF Gram / its norm (σ = rbfFactor × median distance). */
  kr: Float64Array | null;
  svd: CentredSvd | null;
}

function unit(v: Float64Array): Float64Array | null {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  if (!(s > 0)) return null;
  const inv = 1 / Math.sqrt(s);
  return v.map((x) => x * inv);
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function attempt<T>(f: () => T): T | null {
  try { return f(); } catch { return null; } // degenerate (dead) features: the metric is undefined for this network
}

function prepare(r: CellResult, n: number, c: RepresentationSimilarityConfig): Prepared {
  const X: Mat = { rows: n, cols: r.p, data: r.features };
  const K = linearGram(centerColumns(X));
  return {
    key: { arch: r.arch, width: r.width, seed: r.seed }, X, kc: unit(centerGram(K).data), ku: unit(uCenterGram(K).data),
    knn: attempt(() => knnIndices(X, c.k)),
    kr: attempt(() => unit(centerGram(rbfGram(X, { factor: c.rbfFactor }).gram).data)),
    svd: attempt(() => centredSvd(X)),
  };
}

/** Jackknife over seeds of the mean over seed pairs of a pairwise statistic (S ≥ 3). */
function jackknifePairs(S: number, value: (a: number, b: number) => number): { mean: number; se: number } {
  const v: number[][] = Array.from({ length: S }, () => new Array(S).fill(NaN));
  const all: number[] = [];
  for (let a = 0; a < S; a++) for (let b = a + 1; b < S; b++) { v[a][b] = v[b][a] = value(a, b); all.push(v[a][b]); }
  const mean = all.reduce((s, x) => s + x, 0) / all.length;
  if (S < 3) return { mean, se: NaN };
  const loo: number[] = [];
  for (let d = 0; d < S; d++) {
    let s = 0, m = 0;
    for (let a = 0; a < S; a++) for (let b = a + 1; b < S; b++) if (a !== d && b !== d) { s += v[a][b]; m++; }
    loo.push(s / m);
  }
  const lm = loo.reduce((s, x) => s + x, 0) / S;
  return { mean, se: Math.sqrt(((S - 1) / S) * loo.reduce((s, x) => s + (x - lm) ** 2, 0)) };
}

/** Jackknife over seeds of the mean of a per-network statistic = its standard error of the mean. */
function meanSe(v: number[]): { mean: number; se: number } {
  const m = v.reduce((s, x) => s + x, 0) / v.length;
  const sd = Math.sqrt(v.reduce((s, x) => s + (x - m) ** 2, 0) / Math.max(v.length - 1, 1));
  return { mean: m, se: v.length > 1 ? sd / Math.sqrt(v.length) : NaN };
}

/** OLS slope on x = ln width, with the SE propagated from per-width SEs. */
function trendFit(widths: number[], means: number[], ses: number[]): TrendFit {
  const x = widths.map(libm.log);
  const fit = linearFit(x, means);
  const mx = x.reduce((s, v) => s + v, 0) / x.length;
  const sxx = x.reduce((s, v) => s + (v - mx) ** 2, 0);
  const se = Math.sqrt(x.reduce((s, v, i) => s + ((v - mx) / sxx) ** 2 * ses[i] ** 2, 0));
  return { slope: fit.slope, se, widths, means, ses };
}

function ranks(v: number[]): number[] {
  const idx = v.map((_, i) => i).sort((a, b) => v[a] - v[b]);
  const r = new Array(v.length);
  for (let i = 0; i < idx.length;) {
    let j = i;
    while (j + 1 < idx.length && v[idx[j + 1]] === v[idx[i]]) j++;
    for (let t = i; t <= j; t++) r[idx[t]] = (i + j) / 2;
    i = j + 1;
  }
  return r;
}

function spearman(a: number[], b: number[]): number {
  const ra = ranks(a), rb = ranks(b), n = a.length;
  const ma = (n - 1) / 2;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) { sab += (ra[i] - ma) * (rb[i] - ma); saa += (ra[i] - ma) ** 2; sbb += (rb[i] - ma) ** 2; }
  return sab / Math.sqrt(saa * sbb);
}

const METRICS = ['ckaDebiased', 'mutualKnn', 'ckaLinear', 'ckaRbf', 'svcca', 'procrustesSimilarity'] as const;
type Metric = (typeof METRICS)[number];

function aggregate(c: RepresentationSimilarityConfig, results: (CellResult | null)[], ctx: RunContext): RepresentationSimilarityResult {
  const interrupted = results.some((r) => r === null || r.status === 'interrupted');
  const n = c.probeSamples;
  const done = results.filter((r): r is CellResult => r !== null);
  const prepared = done.map((r) => prepare(r, n, c));
  const cross = (A: Prepared, B: Prepared, u: 'kc' | 'ku' | 'kr') => (A[u] && B[u] ? dot(A[u]!, B[u]!) : NaN);

  // All pairs of the zoo: debiased CKA and mutual kNN.
  for (let i = 0; i < prepared.length; i++) {
    for (let j = 0; j < prepared.length; j++) {
      const A = prepared[i], B = prepared[j];
      const knn = A.knn && B.knn ? mutualKnnFromIndices(A.knn, B.knn, n, c.k) : NaN;
      ctx.record('pairs', {
        a: `${A.key.arch}-${A.key.width}-s${A.key.seed}`, b: `${B.key.arch}-${B.key.width}-s${B.key.seed}`,
        archA: A.key.arch, widthA: A.key.width, seedA: A.key.seed, archB: B.key.arch, widthB: B.key.width, seedB: B.key.seed,
        ckaDebiased: cross(A, B, 'ku'), mutualKnn: knn,
      });
    }
  }

  const nulls = (() => {
    const pMax = Math.max(...c.archs.map((a) => Math.max(...widthsOf(c, a))));
    const nl = linearCkaNull(n, pMax, pMax, { draws: 8, seed: c.seed });
    return { debiased: 0, knn: mutualKnnNull(n, c.k), biasedLinear: nl.biased, biasedLinearApprox: nl.biasedApprox };
  })();

  const archs: ArchSummary[] = [];
  const metricTrends: RepresentationSimilarityResult['metricTrends'] = [];
  const pairValues: Record<Metric, number[]> = Object.fromEntries(METRICS.map((m) => [m, []])) as unknown as Record<Metric, number[]>;

  for (const arch of c.archs) {
    const nets = done.filter((r) => r.arch === arch);
    const perMetric: Record<Metric, { mean: number; se: number }[]> = Object.fromEntries(METRICS.map((m) => [m, []])) as unknown as Record<Metric, { mean: number; se: number }[]>;
    const complete: number[] = [];
    const kernelDeficit: { mean: number; se: number }[] = [];
    for (const w of widthsOf(c, arch)) {
      const group = prepared.filter((p) => p.key.arch === arch && p.key.width === w).sort((a, b) => a.key.seed - b.key.seed);
      if (group.length !== c.seeds || group.length < 2) continue;
      complete.push(w);
      // Per-pair metric values (cached so the jackknife reuses them).
      const S = group.length;
      const val: Record<Metric, number[][]> = Object.fromEntries(METRICS.map((m) => [m, Array.from({ length: S }, () => new Array(S).fill(NaN))])) as unknown as Record<Metric, number[][]>;
      for (let a = 0; a < S; a++) for (let b = a + 1; b < S; b++) {
        const A = group[a], B = group[b];
        const safe = (f: () => number) => attempt(f) ?? NaN;
        const row: Record<Metric, number> = {
          ckaDebiased: cross(A, B, 'ku'),
          mutualKnn: A.knn && B.knn ? mutualKnnFromIndices(A.knn, B.knn, n, c.k) : NaN,
          ckaLinear: cross(A, B, 'kc'),
          ckaRbf: cross(A, B, 'kr'),
          svcca: A.svd && B.svd ? safe(() => svccaFromSvd(A.svd!, B.svd!).similarity) : NaN,
          procrustesSimilarity: A.svd && B.svd ? safe(() => procrustesFromSvd(A.svd!, B.svd!).nuclear) : NaN,
        };
        for (const m of METRICS) { val[m][a][b] = val[m][b][a] = row[m]; pairValues[m].push(row[m]); }
        ctx.record('cross-seed', { arch, width: w, seedA: A.key.seed, seedB: B.key.seed, ...row });
      }
      for (const m of METRICS) {
        const j = jackknifePairs(S, (a, b) => val[m][a][b]);
        perMetric[m].push(j);
        ctx.record('similarity', { arch, width: w, metric: m, value: j.mean, lo: j.mean - j.se, hi: j.mean + j.se, kind: 'measured' });
      }
      if (arch === 'mlp') {
        const defs = nets.filter((r) => r.width === w).map((r) => 1 - r.ckaToNngp);
        kernelDeficit.push(meanSe(defs));
      }
    }
    for (const m of METRICS) {
      const f = trendFit(complete, perMetric[m].map((v) => v.mean), perMetric[m].map((v) => v.se));
      metricTrends.push({ metric: m, arch, slope: f.slope, se: f.se });
      ctx.record('metric-trends', { metric: m, arch, slope: f.slope, se: f.se, t: f.slope / f.se });
    }
    const trend = trendFit(complete, perMetric.ckaDebiased.map((v) => v.mean), perMetric.ckaDebiased.map((v) => v.se));
    let kernel: ArchSummary['kernel'];
    if (arch === 'mlp' && kernelDeficit.length) {
      const deficits = kernelDeficit.map((d) => d.mean);
      // ln deficit: delta method SE(ln D) = SE(D)/D.
      const f = trendFit(complete, deficits.map((d) => libm.log(d)), kernelDeficit.map((d) => d.se / d.mean));
      kernel = { ...f, deficits };
      complete.forEach((w, i) => ctx.record('kernel-deficit', { width: w, deficit: deficits[i], lo: deficits[i] - kernelDeficit[i].se, hi: deficits[i] + kernelDeficit[i].se, kind: 'measured' }));
      // Theory overlay: C/width through the geometric centre of the measured deficits.
      const logC = complete.reduce((s, w, i) => s + libm.log(deficits[i] * w), 0) / complete.length;
      for (const w of complete) ctx.record('kernel-deficit', { width: w, deficit: libm.exp(logC) / w, kind: 'theory ∝ 1/width' });
    }
    archs.push({
      arch, trend, ...(kernel ? { kernel } : {}),
      minAccuracy: nets.length ? Math.min(...nets.map((r) => r.trainAccuracy)) : NaN,
      diverged: nets.filter((r) => r.status === 'diverged').length,
    });
  }
  const agreement: RepresentationSimilarityResult['agreement'] = [];
  for (let i = 0; i < METRICS.length; i++) for (let j = i + 1; j < METRICS.length; j++) {
    const a = pairValues[METRICS[i]], b = pairValues[METRICS[j]];
    const ok = a.map((v, t) => Number.isFinite(v) && Number.isFinite(b[t]));
    const rho = ok.filter(Boolean).length >= 3 ? spearman(a.filter((_, t) => ok[t]), b.filter((_, t) => ok[t])) : NaN;
    agreement.push({ a: METRICS[i], b: METRICS[j], spearman: rho });
    ctx.record('metric-agreement', { a: METRICS[i], b: METRICS[j], spearman: rho });
  }
  return { archs, metricTrends, agreement, nulls, interrupted };
}

// ---------------------------------------------------------------------------------------------
// Verdict.

function predict(c: RepresentationSimilarityConfig): Prediction {
  return { trendSlope: 'positive', kernelExponent: -1, nullDebiased: 0, nullKnn: mutualKnnNull(c.probeSamples, c.k) };
}

function regimeFor(c: RepresentationSimilarityConfig, a: ArchSummary): RegimeCondition[] {
  const widths = widthsOf(c, a.arch);
  return [
    regimeCondition('seeds per width (jackknife error needs ≥ 3)', c.seeds, 'min', 3),
    regimeCondition(`${a.arch}: widths`, widths.length, 'min', 3),
    regimeCondition(`${a.arch}: width range max/min`, widths[widths.length - 1] / widths[0], 'min', 4),
    regimeCondition(`${a.arch}: lowest training accuracy (trained networks)`, a.minAccuracy, 'min', c.minAccuracy),
    regimeCondition(`${a.arch}: diverged networks`, a.diverged, 'max', 0),
  ];
}

function compare(c: RepresentationSimilarityConfig, r: RepresentationSimilarityResult, p: Prediction) {
  const checks: Check[] = [];
  const regime: RegimeCondition[] = [];
  for (const a of r.archs) {
    const reg = regimeFor(c, a);
    regime.push(...reg.filter((q) => !regime.some((x) => x.name === q.name)));
    const t = a.trend;
    checks.push(numericCheck({
      name: `${a.arch}: cross-seed similarity increases with width`,
      quantity: 'OLS slope of mean cross-seed debiased CKA on ln(width) (tolerance: ≥ significance × SE, one-sided)',
      predicted: 0, measured: t.slope, uncertainty: t.se,
      tolerance: { kind: 'range', lo: c.significance * t.se, hi: Infinity }, regime: reg,
      note: `debiased CKA ${t.means.map((m, i) => `${m.toFixed(3)}±${t.ses[i].toFixed(3)}`).join(', ')} at widths ${t.widths.join(', ')}; null 0`,
    }));
    if (a.kernel) {
      const k = a.kernel;
      checks.push(numericCheck({
        name: 'mlp: wide networks approach the NNGP kernel',
        quantity: 'OLS slope of ln(1 − debiased CKA(penultimate Gram, analytic NNGP)) on ln(width) (tolerance: ≤ −significance × SE)',
        predicted: p.kernelExponent, measured: k.slope, uncertainty: k.se,
        tolerance: { kind: 'range', lo: -Infinity, hi: -c.significance * k.se },
        regime: [...reg, regimeCondition('NTK parameterization (lazy limit) = 1', c.parameterization === 'ntk' ? 1 : 0, 'min', 1)],
        note: `deficit ${k.deficits.map((d) => d.toExponential(2)).join(', ')} at widths ${k.widths.join(', ')}; the exponent −1 (Gram fluctuations O(width^−½)) is shown as data`,
      }));
    }
  }
  const base = new Map(r.metricTrends.filter((m) => m.metric === 'ckaDebiased').map((m) => [m.arch, Math.sign(m.slope)]));
  const disagree = r.metricTrends.filter((m) => m.metric !== 'ckaDebiased' && Math.sign(m.slope) !== base.get(m.arch)).map((m) => `${m.metric} (${m.arch}, slope ${m.slope.toFixed(3)} ± ${m.se.toFixed(3)})`);
  const note = `metric disagreement (data, not a verdict): ${disagree.length ? `width-trend sign differs from debiased CKA for ${disagree.join('; ')}` : 'every metric\'s width trend has the sign of debiased CKA\'s'}; lowest Spearman ρ between metrics over cross-seed pairs ${Math.min(...r.agreement.map((x) => x.spearman)).toFixed(2)}. Nulls at n = ${c.probeSamples}: debiased CKA 0, mutual kNN ${r.nulls.knn.toFixed(4)}, biased linear CKA ${r.nulls.biasedLinear.toFixed(3)} (widest network, p = ${Math.max(...c.archs.map((a) => Math.max(...widthsOf(c, a))))}; approximation √(p²/(n+p)²) ${r.nulls.biasedLinearApprox.toFixed(3)}).`;
  return { checks, regime, status: r.interrupted ? 'interrupted' as const : 'ok' as const, note };
}

function plots(): PlotSpec[] {
  return [
    { title: 'Cross-seed similarity vs width', caption: 'Mean over seed pairs (∓ jackknife SE) of each metric, per architecture. Debiased CKA null 0; mutual kNN null k/(n−1).', kind: 'lines', series: 'similarity', x: 'width', y: 'value', stroke: 'metric', facet: 'arch', xType: 'log', errorY: { lo: 'lo', hi: 'hi' } },
    { title: 'MLP: distance to the NNGP kernel', caption: '1 − debiased CKA(penultimate Gram, analytic NNGP), mean over seeds (∓ SE); dashed: ∝ 1/width through the points (finite-width fluctuations).', kind: 'lines', series: 'kernel-deficit', x: 'width', y: 'deficit', stroke: 'kind', dashed: 'kind', xType: 'log', yType: 'log', errorY: { lo: 'lo', hi: 'hi' }, lineStyles: { 'theory ∝ 1/width': { dash: 'dashed', label: '∝ 1/width' } } },
    { title: 'Debiased CKA between all networks of the zoo', kind: 'heatmap', series: 'pairs', x: 'a', y: 'b', z: 'ckaDebiased' },
    { title: 'Mutual kNN between all networks of the zoo', kind: 'heatmap', series: 'pairs', x: 'a', y: 'b', z: 'mutualKnn' },
  ];
}

export const representationSimilarityExperiment: Experiment<RepresentationSimilarityConfig, RepresentationSimilarityResult, Prediction> = {
  name: 'representation-similarity',
  title: 'Networks trained from different seeds converge in representation as width grows',
  strand: '§2.2 limits / universality of representations (Kornblith et al. 2019; Huh et al. 2024)',
  description: 'Model zoo (MLP and CNN × widths × seeds) on 7×7 MNIST: debiased CKA and mutual kNN between all pairs; fitted width trend of cross-seed similarity; MLP features approach the analytic NNGP kernel; where similarity metrics disagree, as a table.',
  schema: representationSimilaritySchema,
  quick: { archs: ['mlp'], widths: [16, 64, 256], seeds: 3, depth: 1, trainSamples: 500, probeSamples: 200, steps: 100 },
  variants: [
    { label: 'untrained networks (0 steps)', config: { archs: ['mlp'], widths: [16, 64, 256], seeds: 3, depth: 1, trainSamples: 500, probeSamples: 200, steps: 0 }, expect: 'out-of-regime' },
    { label: 'too few seeds', config: { archs: ['mlp'], widths: [16, 64, 256], seeds: 2, depth: 1, trainSamples: 500, probeSamples: 200, steps: 100 }, expect: 'out-of-regime' },
    { label: 'CNN, η ∝ 1/width (slow: ~12 cells)', config: { archs: ['cnn'], cnnWidths: [8, 32, 128], seeds: 4, trainSamples: 300, probeSamples: 150, steps: 60 }, expect: 'confirmed' },
  ],
  predict,
  grid: { cells, cell, aggregate, cost: (c, k: Key) => (k.arch === 'mlp' ? k.width * (c.depth > 1 ? k.width : 49) : 400 * k.width) },
  compare,
  plots,
  summary: (_c, r) => Object.fromEntries(r.archs.flatMap((a) => [
    [`${a.arch}TrendSlope`, a.trend.slope], [`${a.arch}TrendSe`, a.trend.se],
    [`${a.arch}CkaAtWidest`, a.trend.means[a.trend.means.length - 1]],
    ...(a.kernel ? [['mlpKernelExponent', a.kernel.slope], ['mlpKernelDeficitAtWidest', a.kernel.deficits[a.kernel.deficits.length - 1]]] : []),
  ])),
};
