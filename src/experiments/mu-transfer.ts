/**
 * Experiment `mu-transfer`: μTransfer of the learning rate across width (Yang et al. 2022,
 * "Tensor Programs V", arXiv 2203.03466, Fig. 1/5; science-notes §A3 and §F).
 *
 * For each parameterization P ∈ {SP, μP}, width n and base learning rate η on a log₂ grid, a
 * network is trained by SGD for a fixed budget and its training loss L_P,n(η) measured (seed
 * replicates share the data, their inits and batch orders differ). The loss-optimal learning rate
 *     log₂ η*_P(n) = vertex of the parabola through the 3 lowest points of ln L̄ (lab/optimum.ts)
 * with a seed-bootstrap interval, and the transfer slope
 *     s_η = d log₂ η* / d log₂ n     (OLS over the widths; interval: seed bootstrap of the slope)
 * are compared with:
 *   μP (TP V Table 3, n₀ = baseWidth):  s_η = 0, |s_η| ≤ `mupTolerance` (0.2, §F)      — transfer;
 *     and "wider is better" at the transferred η (the grid point of η*(n_min)): L_n non-increasing in
 *     n within 2 combined standard errors of the seed means (TP V §3: μP's limit is approached from
 *     below in loss; the notes' reference run improves 0.553 → 0.481 over 64 … 1024);
 *   SP (one global η, var 1/fan_in):    s_η = −1 within ±0.5, i.e. s_η < −0.5 (§F).
 *
 * Why SP drifts as 1/n (derived). Under SGD on MSE the function moves by Δf = −η Θ (f − y)/N with
 * the NTK Θ = Σ_l J_l J_lᵀ; in SP the readout's term is ‖h‖² ∝ n (n features of O(1) size, init var
 * 1/fan_in) and the hidden weights' terms are ∝ n too, while the input layer's is O(1). So
 * λ_max(Θ) ∝ n and the stable step — and, for a fixed short budget, the loss-optimal step, which
 * sits a constant factor below the edge — is η* ∝ 1/n: s_η = −1 up to the O(1)/n correction of the
 * input layer, which makes the finite-width slope shallower (the notes' reference: −0.70 on
 * 64 … 1024). One hidden layer (`depth` 1) is the readout-dominated case. Under μP every layer's
 * contribution to Δf is Θ(1) (TP V Table 3: input LR ×m, readout init var 1/fan_in², readout LR /m),
 * so η* has a width-independent limit: s_η → 0.
 *
 * Base width and readout init (test/mup-one-step.test.ts; science-notes §A1 and Corrections): at
 * finite width μP drifts because the readout's initial output f₀ ∝ √(n₀/n) enters the residual
 * f₀ − y. Two remedies, both on by default: a small base width (n₀ = 1, TP V's table read
 * literally; the μP learning rate is then in base-width units, so its grid `mupLog2Lr` sits
 * elsewhere than SP's), and a zero-initialized readout under μP (`zeroReadout`, the `mup`
 * package's readout_zero_init, which the maintainers recommend for untied readouts), so f₀ = 0 at
 * every width. Measured on the quick config (seed 2): with a Gaussian μP readout s_η = −0.25
 * (η* moves from −0.67 at n = 32 to −1.45 at n = 256), with a zero readout −0.07.
 *
 * The stability edge (derived, and seen in every sweep): for SGD on a fixed budget the loss falls
 * with η up to the edge of stability η ≈ 2/λ_max — in a linear model the optimum lies within
 * O(1/steps) of it — so without a safeguard the cell above the optimum overflows and no optimum
 * is bracketed. `clip` (default 10) clips the gradient's global norm at 10× its full-batch norm at
 * init: a stable run's gradient shrinks and never reaches it (plain SGD), an unstable run ends at a
 * finite, large loss, so the grid minimum has two finite neighbours and the parabola is defined.
 * The refined optimum then sits in the last fraction of an octave below the edge, which is the
 * quantity that scales (SP edge ∝ 1/n, μP edge fixed); grids finer than an octave (0.625 in the
 * quick config) resolve it.
 *
 * Finite-width SP slope (derived): for one hidden layer the NTK trace is ≈ ‖x‖²(1 + n/d) (input
 * layer + readout, d = 49 inputs), so over n = 32 … 256 λ_max grows as (d + n), a local slope of
 * ≈ −0.65 rather than −1; the tolerance −1 ± 0.5 of §F covers it, and wider ranges approach −1.

 * Cross-entropy (science-notes §A3; Haas et al. 2025, arXiv 2505.22491): under CE the SP optimum
 * decays much slower than the NTK argument says (the softmax saturates, "controlled divergence"),
 * so the SP prediction is stated for MSE only: with `loss: 'cross-entropy'` its check is out of
 * regime (the slope is still measured and reported); μP's transfer is predicted for both losses.
 *
 * Out of regime (computed before the verdict): an optimum not bracketed by the grid (a grid-edge
 * minimum or a diverged neighbour) for that parameterization; more than `maxDivergedFraction` of
 * that parameterization's cells diverged (the grid is misplaced: a sweep centred on the optimum
 * with the edge of stability ~1–2 octaves above it diverges in well under half its cells); a width
 * range below 4× (notes §A3); a bootstrap interval of s_η wider than the tolerance band (the run
 * cannot resolve the prediction; more seeds needed).
 *
 * Models. (a) `mlp` (default, quick): ReLU MLP with `depth` hidden layers of width n on the
 * embedded 7×7 MNIST digits (src/data/mnist.ts; 49 inputs, 10 one-hot outputs), minibatch SGD.
 * (b) `transformer`: the pre-LN decoder of src/models/transformer.ts (d_model = n, 4 heads, d_ff =
 * 4n, untied readout; attention logits 1/√d_h under SP, 1/d_h under μP) on a seeded Zipfian Markov
 * language (src/data/synthetic-language.ts), next-token loss; the loss floor (the source's
 * cross-entropy floor, in nats) is reported for CE runs. Not part of `lmech verify` (a sweep costs
 * minutes of CPU). Measured once (MSE, widths 16…128, V = 16, order 1, T = 8, B = 16, 256
 * sequences, 100 steps, 2 seeds, 9 η per grid 1 octave apart): SP s_η = −0.60, but μP s_η = −0.37
 * [−0.45, −0.20] — falsified at these widths (d_head = 4…32; the μP basin is flat to 1 % over two
 * octaves, so small finite-width effects move its vertex); wider was better at the transferred η.
 *
 * Resolution. When the cell above the grid minimum is unstable (a loss many times the minimum),
 * the parabola's vertex tends to x_k − h/2 (h the grid step): the refinement then adds nothing and
 * the optimum is resolved to the grid step, hence steps below an octave in the configurations here.
 */
import { z } from 'zod';
import { loadDigits, type Dataset } from '../data/mnist.js';
import { crossEntropyFloor, markovSource, tokenBatch } from '../data/synthetic-language.js';
import { crossEntropyWithIds, mseLoss, oneHot, reshape, scale, softmaxCrossEntropy } from '../engine/ops.js';
import { grad } from '../engine/autodiff.js';
import { Rng } from '../engine/rng.js';
import { tensor, type Tensor } from '../engine/tensor.js';
import { sweepOptimum, type Optimum } from '../lab/optimum.js';
import { mlpModel } from '../models/mlp.js';
import { transformer } from '../models/transformer.js';
import { withInfo, type Model } from '../nn/model.js';
import { mup, parameterize, roleClass, sp } from '../nn/parameterization.js';
import { train } from '../training/loop.js';
import { cosine, groupsFromInfo, linearWarmup, sgd } from '../training/optim/index.js';
import type { Check, Experiment, PlotSpec, RegimeCondition, RunContext } from './types.js';
import { numericCheck, regimeCondition } from './verdict.js';
import * as libm from '../engine/libm.js';
import { linearFit } from '../observables/fit.js';

const log2Range = (def: [number, number], what: string) =>
  z.tuple([z.number().min(-40).max(20), z.number().min(-40).max(20)]).default(def).describe(`${what}: [lowest, highest] log₂ η of the grid (η the base learning rate)`);

export const muTransferSchema = z.object({
  model: z.enum(['mlp', 'transformer']).default('mlp').describe('network: ReLU MLP on 7×7 MNIST digits, or a pre-LN transformer on a synthetic Zipfian Markov language'),
  loss: z.enum(['mse', 'cross-entropy']).default('mse').describe('training loss: MSE ½‖f − y‖² on one-hot targets (the canonical verdict) or softmax cross-entropy (SP check out of regime)'),
  widths: z.array(z.number().int().min(4).max(4096)).min(2).max(10).default([32, 64, 128, 256, 512]).describe('hidden widths n (MLP) or d_model (transformer)'),
  activation: z.enum(['relu', 'tanh']).default('relu').describe('MLP activation'),
  depth: z.number().int().min(1).max(4).default(1).describe('MLP hidden layers (1: the readout-dominated case of the SP prediction)'),
  lrs: z.number().int().min(3).max(41).default(17).describe('learning rates per grid, log-spaced over the log₂ ranges'),
  spLog2Lr: log2Range([-11, -1], 'SP grid'),
  mupLog2Lr: log2Range([-6, 4], 'μP grid'),
  zeroReadout: z.boolean().default(true).describe('μP: initialize the readout weights at zero (the `mup` package\'s readout_zero_init; removes the initial output f₀ ∝ n^{−½})'),
  baseWidth: z.number().gt(0).max(4096).default(1).describe('μP base width n₀ (μP = SP at n = n₀, up to the zero readout); keep it small against the widths (finite-width drift grows with n₀)'),
  steps: z.number().int().min(1).max(100_000).default(100).describe('SGD steps (fixed budget at every η)'),
  warmup: z.number().min(0).max(1).default(0).describe('linear warmup over this fraction of the steps (0: constant η)'),
  schedule: z.enum(['constant', 'cosine']).default('constant').describe('after warmup: constant η, or cosine decay to 0'),
  clip: z.number().min(0).max(1e6).default(10).describe('clip the gradient\'s global norm at this multiple of its full-batch norm at init (0: no clipping): a stable run never reaches it, an unstable one ends at a finite (large) loss instead of overflowing'),
  batchSize: z.number().int().min(1).max(4096).default(64).describe('minibatch size (examples, or sequences for the transformer)'),
  samples: z.number().int().min(20).max(10_000).default(500).describe('training set size: MNIST digits (balanced) or Markov sequences'),
  evaluate: z.enum(['train', 'test']).default('train').describe('loss measured after the budget: on the whole training set, or on `testSamples` held-out examples'),
  testSamples: z.number().int().min(20).max(9000).default(1000).describe('held-out examples (with evaluate = test)'),
  seeds: z.number().int().min(1).max(32).default(3).describe('replicates (init and batch order) per cell'),
  vocab: z.number().int().min(2).max(256).default(16).describe('transformer: vocabulary V of the Markov language'),
  order: z.number().int().min(0).max(3).default(1).describe('transformer: Markov order k (context length) of the language'),
  zipf: z.number().min(0).max(8).default(1.2).describe('transformer: Zipf exponent s of every next-token law'),
  seqLen: z.number().int().min(2).max(128).default(8).describe('transformer: sequence length T'),
  heads: z.number().int().min(1).max(16).default(4).describe('transformer: attention heads (must divide every width)'),
  layers: z.number().int().min(1).max(4).default(1).describe('transformer: blocks'),
  mupTolerance: z.number().gt(0).max(2).default(0.2).describe('μP prediction: |s_η| ≤ this (science-notes §F)'),
  spSlopeMax: z.number().min(-3).max(0).default(-0.5).describe('SP prediction: s_η ∈ [−2 − spSlopeMax, spSlopeMax], i.e. −1 ± 0.5 by default (§F: s_η < −0.5)'),
  maxDivergedFraction: z.number().min(0).max(1).default(0.5).describe('out of regime when more than this fraction of one parameterization\'s cells diverged'),
  seed: z.number().int().min(0).max(2 ** 31).default(0).describe('random seed'),
});

export type MuTransferConfig = z.infer<typeof muTransferSchema>;
export type Param = 'sp' | 'mup';
const PARAMS: readonly Param[] = ['sp', 'mup'];
const LABEL: Record<Param, string> = { sp: 'SP', mup: 'μP' };

export interface MuTransferPrediction {
  /** Predicted transfer slopes d log₂ η* / d log₂ n. */
  slope: Record<Param, number>;
  /** The two log₂ η grids. */
  grid: Record<Param, number[]>;
  /**
   * Finite-width SP slope for one hidden layer: −(OLS slope of log₂(1 + n/d) on log₂ n), from the
   * NTK trace ‖x‖²(1 + n/d) (input layer + readout; see the file comment). MLP with depth 1 only.
   */
  spFiniteWidth?: number;
  /** CE floor of the Markov language (nats per token), transformer only. */
  lossFloor?: number;
}

export function lrGrid(range: readonly [number, number], count: number, field = 'grid'): number[] {
  const [lo, hi] = range;
  if (!(hi > lo)) throw new RangeError(`--${field}: the highest log₂ η must exceed the lowest (got [${lo}, ${hi}])`);
  return Array.from({ length: count }, (_, j) => lo + ((hi - lo) * j) / (count - 1));
}

function checkConfig(c: MuTransferConfig): void {
  if (new Set(c.widths).size !== c.widths.length) throw new RangeError(`--widths: must be distinct (got ${c.widths.join(', ')})`);
  if (c.model === 'transformer') {
    const bad = c.widths.find((n) => n % c.heads !== 0);
    if (bad !== undefined) throw new RangeError(`--heads: must divide every width (got heads ${c.heads}, width ${bad})`);
    if (libm.pow(c.vocab, c.order) > 65536) throw new RangeError(`--order: vocab^order must be ≤ 65536 (got ${c.vocab}^${c.order})`);
  }
}

function predict(c: MuTransferConfig): MuTransferPrediction {
  checkConfig(c);
  const p: MuTransferPrediction = {
    slope: { sp: -1, mup: 0 },
    grid: { sp: lrGrid(c.spLog2Lr, c.lrs, 'sp-log2-lr'), mup: lrGrid(c.mupLog2Lr, c.lrs, 'mup-log2-lr') },
  };
  if (c.model === 'mlp' && c.depth === 1) {
    const ws = sortedWidths(c), D = 49;   // the 7×7 digits
    p.spFiniteWidth = -ols(ws.map(libm.log2), ws.map((n) => libm.log2(1 + n / D)));
  }
  if (c.model === 'transformer') p.lossFloor = crossEntropyFloor(markovSource({ vocab: c.vocab, order: c.order, exponent: c.zipf, seed: c.seed }), c.seqLen);
  return p;
}

// ---------------------------------------------------------------------------------------------
// One cell: one network trained at one (parameterization, width, η, replicate).

export interface MuTransferCell { param: Param; width: number; j: number; log2Lr: number; replicate: number }
export interface MuTransferCellResult {
  /** Training loss on the whole training set after the budget (NaN when diverged). */
  loss: number;
  diverged: boolean;
  divergedAt: number;
}

const sortedWidths = (c: MuTransferConfig) => [...c.widths].sort((a, b) => a - b);

function cells(c: MuTransferConfig, p: MuTransferPrediction): MuTransferCell[] {
  checkConfig(c);
  const out: MuTransferCell[] = [];
  for (const param of PARAMS) for (const width of sortedWidths(c)) for (let replicate = 0; replicate < c.seeds; replicate++) {
    p.grid[param].forEach((log2Lr, j) => out.push({ param, width, j, log2Lr, replicate }));
  }
  return out;
}

/** The network at width n under `param` (μP: TP V Table 3 with base width n₀, SGD). */
function network(c: MuTransferConfig, param: Param, n: number, d: number, k: number): Model {
  const base = c.model === 'mlp'
    ? mlpModel({ widths: [d, ...Array(c.depth).fill(n), k], activation: c.activation })
    : transformer({ vocab: c.vocab, dModel: n, heads: c.heads, layers: c.layers, seqLen: c.seqLen, tied: false, attnScale: param === 'mup' ? 'mup' : 'sqrt' });
  let info = parameterize(base.info, param === 'mup' ? mup : sp, { baseWidth: c.baseWidth, width: n, optimizer: 'sgd' });
  if (param === 'mup' && c.zeroReadout) info = info.map((q) => (roleClass(q) === 'output' ? { ...q, init: { kind: 'zeros' } } : q));
  return withInfo(base, info);
}

/** What a cell trains on: inputs and targets of the whole training set, and how to cut a batch. */
interface Problem {
  inDim: number;
  outDim: number;
  n: number;
  /** Loss of outputs on training examples `idx` (null: all). */
  loss(net: Model, params: Tensor[], idx: Int32Array | null): Tensor;
  /** The measured loss after training (training set or held-out set). */
  evaluate(net: Model, params: Tensor[]): number;
}

const digitCache = new Map<string, Promise<Dataset>>();

/** The MLP's data: MNIST digits (fixed by config.seed), rows gathered per batch. */
async function digitsProblem(c: MuTransferConfig): Promise<Problem> {
  const total = c.samples + (c.evaluate === 'test' ? c.testSamples : 0);
  const key = `${total}|${c.seed}`;
  let pending = digitCache.get(key);
  if (!pending) {
    if (digitCache.size > 8) digitCache.clear();
    digitCache.set(key, (pending = loadDigits({ data: 'mnist', samples: total, pool: 4, classes: 10, seed: c.seed })));
  }
  const all = await pending;
  const { d, classes: k } = all;
  const n = c.samples;
  const train = { X: all.X.subarray(0, n * d), Y: all.Y.subarray(0, n * k) };
  const test = { X: all.X.subarray(n * d), Y: all.Y.subarray(n * k), n: total - n };
  const lossOf = (f: Tensor, Y: Tensor) => (c.loss === 'mse' ? scale(mseLoss(f, Y), 0.5) : softmaxCrossEntropy(f, Y));
  const rows = (src: Float64Array, w: number, idx: Int32Array) => {
    const out = new Float64Array(idx.length * w);
    for (let i = 0; i < idx.length; i++) out.set(src.subarray(idx[i] * w, (idx[i] + 1) * w), i * w);
    return out;
  };
  const loss = (net: Model, params: Tensor[], idx: Int32Array | null) => {
    const m = idx ? idx.length : n;
    const X = tensor(idx ? rows(train.X, d, idx) : train.X, [m, d]);
    const Y = tensor(idx ? rows(train.Y, k, idx) : train.Y, [m, k]);
    return lossOf(net.apply(params, X), Y);
  };
  return {
    inDim: d, outDim: k, n, loss,
    evaluate(net, params) {
      if (c.evaluate === 'train') return loss(net, params, null).item();
      return lossOf(net.apply(params, tensor(test.X, [test.n, d])), tensor(test.Y, [test.n, k])).item();
    },
  };
}

/** The transformer's data: `samples` stationary sequences of the Markov language (fixed by config.seed), and `testSamples` held out. */
function languageProblem(c: MuTransferConfig): Problem {
  const src = markovSource({ vocab: c.vocab, order: c.order, exponent: c.zipf, seed: c.seed });
  const data = tokenBatch(src, c.samples, c.seqLen, new Rng(c.seed).split('corpus'));
  const T = c.seqLen, V = c.vocab;
  const cut = (a: Int32Array, idx: Int32Array) => {
    const out = new Int32Array(idx.length * T);
    for (let i = 0; i < idx.length; i++) out.set(a.subarray(idx[i] * T, (idx[i] + 1) * T), i * T);
    return out;
  };
  const lossOf = (logits: Tensor, next: Tensor) => {
    if (c.loss === 'cross-entropy') return crossEntropyWithIds(logits, next);
    // MSE per position against the one-hot next token: (1/2P) Σ_positions ‖z − e_next‖².
    const P = next.size;
    return scale(mseLoss(reshape(logits, [P, V]), reshape(oneHot(next, V), [P, V])), 0.5);
  };
  const ids = (b: { ids: Int32Array; batch: number }) => tensor(b.ids, [b.batch, T], 'i32');
  const nexts = (b: { next: Int32Array; batch: number }) => tensor(b.next, [b.batch, T], 'i32');
  const loss = (net: Model, params: Tensor[], idx: Int32Array | null) => {
    if (!idx) return lossOf(net.apply(params, ids(data)), nexts(data));
    const b = { ids: cut(data.ids, idx), next: cut(data.next, idx), batch: idx.length };
    return lossOf(net.apply(params, ids(b)), nexts(b));
  };
  return {
    inDim: T, outDim: V, n: c.samples, loss,
    evaluate(net, params) {
      if (c.evaluate === 'train') return loss(net, params, null).item();
      const held = tokenBatch(src, c.testSamples, T, new Rng(c.seed).split('held-out'));
      return lossOf(net.apply(params, ids(held)), nexts(held)).item();
    },
  };
}

function scheduleOf(c: MuTransferConfig) {
  const W = Math.min(c.steps - 1, Math.round(c.warmup * c.steps));
  return c.schedule === 'cosine' ? cosine(c.steps, { warmup: W }) : linearWarmup(W);
}

async function cell(c: MuTransferConfig, key: MuTransferCell, ctx: RunContext): Promise<MuTransferCellResult> {
  const problem = c.model === 'mlp' ? await digitsProblem(c) : languageProblem(c);
  const net = network(c, key.param, key.width, problem.inDim, problem.outDim);
  // Replicate r: one init per width and one batch stream shared by every width, η and
  // parameterization (the same normal draws under SP and μP: only the scalings differ).
  const rep = new Rng(c.seed).split(`replicate${key.replicate}`);
  const params = net.init(rep.split(`width${key.width}`).split('init'));
  let clipNorm: number | undefined;
  if (c.clip > 0) {
    const g = grad((...ps: Tensor[]) => problem.loss(net, ps, null), params);
    clipNorm = c.clip * Math.sqrt(g.reduce((a, t) => a + (t.data as Float64Array).reduce((x, v) => x + v * v, 0), 0));
  }
  const run = train({
    ...(clipNorm !== undefined ? { clipNorm } : {}),
    params, optimizer: sgd({ groups: groupsFromInfo(net.info) }), lr: libm.pow(2, key.log2Lr), steps: c.steps, schedule: scheduleOf(c),
    n: problem.n, batchSize: Math.min(c.batchSize, problem.n), rng: rep.split('batches'),
    loss: (ps, batch) => problem.loss(net, ps, batch),
    signal: ctx.signal, progress: (f) => ctx.progress(f),
  });
  const diverged = run.status === 'diverged';
  let loss = NaN;
  if (!diverged) loss = problem.evaluate(net, run.params);
  const bad = diverged || !Number.isFinite(loss);
  const result = { loss: bad ? NaN : loss, diverged: bad, divergedAt: run.divergedAt ?? (bad ? c.steps : -1) };
  ctx.record('cells', { param: LABEL[key.param], width: key.width, log2Lr: key.log2Lr, replicate: key.replicate, loss: result.loss, diverged: bad ? 1 : 0 });
  return result;
}

// ---------------------------------------------------------------------------------------------
// Aggregation: optimum per (parameterization, width), slope with a seed bootstrap.

export interface WidthOptimum extends Optimum {
  width: number;
  /** Per-replicate refined optima (each replicate's own curve), for the seeds table. */
  perSeed: number[];
}

export interface ParamSummary {
  param: Param;
  optima: WidthOptimum[];
  /** OLS slope of log₂ η* on log₂ n, its seed-bootstrap 95 % interval and SD. */
  slope: number;
  slopeLo: number;
  slopeHi: number;
  slopeSd: number;
  /** log₂ η*(n_max) − log₂ η*(n_min). */
  drift: number;
  diverged: number;
  cells: number;
  unbracketed: number;
  /** Seed-mean loss (and its SE) at the transferred η: the grid point of η*(n_min), per width. */
  transferred: { log2Lr: number; loss: number[]; se: number[] };
}

export interface MuTransferResult {
  params: ParamSummary[];
  widths: number[];
  interrupted: boolean;
  lossFloor?: number;
}

/** Least-squares slope (observables/fit.ts). */
const ols = (xs: readonly number[], ys: readonly number[]): number => linearFit(xs, ys).slope;

const BOOT = 1000;

function aggregate(c: MuTransferConfig, results: (MuTransferCellResult | null)[], ctx: RunContext, p: MuTransferPrediction): MuTransferResult {
  const keys = cells(c, p);
  const widths = sortedWidths(c);
  const interrupted = results.some((r) => r === null);
  const lw = widths.map(libm.log2);
  // losses[param][width][replicate][j]; a cell not run or diverged is +∞ (sweepOptimum's convention).
  const table = new Map<string, number[][]>();
  const at = (param: Param, w: number) => {
    const k = `${param}|${w}`;
    let t = table.get(k);
    if (!t) table.set(k, (t = Array.from({ length: c.seeds }, () => new Array<number>(c.lrs).fill(Infinity))));
    return t;
  };
  const counts = { sp: { diverged: 0, cells: 0 }, mup: { diverged: 0, cells: 0 } };
  keys.forEach((k, i) => {
    const r = results[i];
    counts[k.param].cells++;
    if (r && (r.diverged || !Number.isFinite(r.loss))) counts[k.param].diverged++;
    if (r && !r.diverged && Number.isFinite(r.loss)) at(k.param, k.width)[k.replicate][k.j] = r.loss;
  });
  const summaries: ParamSummary[] = PARAMS.map((param, pi) => {
    const xs = p.grid[param];
    const optima: WidthOptimum[] = widths.map((width) => {
      const L = at(param, width);
      const o = sweepOptimum(xs, L, { seed: c.seed + 7919 * pi + width });
      const perSeed = L.map((row) => sweepOptimum(xs, [row], { resamples: 0 }).x);
      return { ...o, width, perSeed };
    });
    // Slope bootstrap: each width's replicates resampled with replacement (widths are independent
    // draws of init), the refined optimum recomputed with sweepOptimum, the OLS slope refitted.
    const rng = new Rng(c.seed).split(`slope-bootstrap-${param}`);
    const boot: number[] = [];
    for (let b = 0; b < BOOT; b++) {
      const ys = widths.map((w) => {
        const L = at(param, w);
        return sweepOptimum(xs, L.map(() => L[rng.int(L.length)]), { resamples: 0 }).x;
      });
      if (ys.every(Number.isFinite)) boot.push(ols(lw, ys));
    }
    boot.sort((a, b) => a - b);
    const q = (f: number) => (boot.length ? boot[Math.min(boot.length - 1, Math.floor(f * boot.length))] : NaN);
    const bm = boot.reduce((a, b) => a + b, 0) / Math.max(1, boot.length);
    const slopeSd = boot.length > 1 ? Math.sqrt(boot.reduce((a, b) => a + (b - bm) ** 2, 0) / (boot.length - 1)) : NaN;
    const ys = optima.map((o) => o.x);
    const slope = ys.every(Number.isFinite) ? ols(lw, ys) : NaN;
    // Loss at the transferred η: the grid point nearest η*(n_min), at every width.
    const j0 = Number.isFinite(optima[0].x) ? nearest(xs, optima[0].x) : 0;
    const loss: number[] = [], se: number[] = [];
    for (const w of widths) {
      const vals = at(param, w).map((row) => row[j0]);
      const m = vals.reduce((a, b) => a + b, 0) / vals.length;
      loss.push(m);
      se.push(vals.length > 1 && Number.isFinite(m) ? Math.sqrt(vals.reduce((a, b) => a + (b - m) ** 2, 0) / (vals.length - 1) / vals.length) : NaN);
    }
    return {
      param, optima, slope, slopeLo: q(0.025), slopeHi: q(0.975), slopeSd,
      drift: ys[ys.length - 1] - ys[0],
      diverged: counts[param].diverged, cells: counts[param].cells,
      unbracketed: optima.filter((o) => !o.bracketed).length,
      transferred: { log2Lr: xs[j0], loss, se },
    };
  });
  // Rows for the plots.
  for (const s of summaries) {
    const xs = p.grid[s.param], P = LABEL[s.param];
    widths.forEach((w, wi) => {
      const L = at(s.param, w);
      xs.forEach((x, j) => {
        const vals = L.map((row) => row[j]).filter(Number.isFinite);
        if (vals.length < L.length) return;      // a diverged replicate: the seed mean is +∞
        const m = vals.reduce((a, b) => a + b, 0) / vals.length;
        const sd = vals.length > 1 ? Math.sqrt(vals.reduce((a, b) => a + (b - m) ** 2, 0) / (vals.length - 1)) : 0;
        const e = sd / Math.sqrt(vals.length);
        ctx.record('curves', { param: P, width: w, log2Lr: x, loss: m, lo: m - e, hi: m + e, part: 'loss' });
      });
      const o = s.optima[wi];
      if (Number.isFinite(o.x)) {
        for (const x of [o.lo, o.x, o.hi]) if (Number.isFinite(x)) ctx.record('curves', { param: P, width: w, log2Lr: x, loss: o.min, part: 'optimum (95 % interval)' });
        ctx.record('optima', { param: P, width: w, log2Opt: o.x, lo: o.lo, hi: o.hi, kind: 'measured', loss: o.min, bracketed: o.bracketed ? 1 : 0 });
      }
      ctx.record('transferred', { param: P, width: w, loss: s.transferred.loss[wi], lo: s.transferred.loss[wi] - s.transferred.se[wi], hi: s.transferred.loss[wi] + s.transferred.se[wi], log2Lr: s.transferred.log2Lr });
    });
    // Theory: slope p.slope through the smallest width's optimum.
    const o0 = s.optima[0];
    if (Number.isFinite(o0.x)) for (const w of widths) ctx.record('optima', { param: P, width: w, log2Opt: o0.x + p.slope[s.param] * (libm.log2(w) - libm.log2(widths[0])), kind: 'theory' });
  }
  return { params: summaries, widths, interrupted, ...(p.lossFloor !== undefined ? { lossFloor: p.lossFloor } : {}) };
}

function nearest(xs: readonly number[], x: number): number {
  let k = 0;
  xs.forEach((v, i) => { if (Math.abs(v - x) < Math.abs(xs[k] - x)) k = i; });
  return k;
}

// ---------------------------------------------------------------------------------------------

/** Regime conditions of one parameterization's checks (computed from measured quantities). */
function regimeOf(c: MuTransferConfig, s: ParamSummary, band: number): RegimeCondition[] {
  const widths = sortedWidths(c);
  return [
    regimeCondition(`${LABEL[s.param]}: optima not bracketed by the grid (grid-edge or diverged neighbour)`, s.unbracketed, 'max', 0),
    regimeCondition(`${LABEL[s.param]}: fraction of cells diverged`, s.diverged / s.cells, 'max', c.maxDivergedFraction),
    regimeCondition('width range n_max/n_min', widths[widths.length - 1] / widths[0], 'min', 4),
    regimeCondition('widths swept', widths.length, 'min', 3),
    regimeCondition(`${LABEL[s.param]}: width of the 95 % bootstrap interval of s_η (resolution)`, s.slopeHi - s.slopeLo, 'max', band),
  ];
}

function compare(c: MuTransferConfig, r: MuTransferResult, p: MuTransferPrediction) {
  const checks: Check[] = [];
  const regime: RegimeCondition[] = [];
  const spS = r.params.find((s) => s.param === 'sp')!, muS = r.params.find((s) => s.param === 'mup')!;
  const table = (s: ParamSummary) => s.optima.map((o) => `n=${o.width}: ${o.x.toFixed(2)} [${o.lo.toFixed(2)}, ${o.hi.toFixed(2)}]${o.bracketed ? '' : ' (edge)'}`).join('; ');

  const muRegime = regimeOf(c, muS, 2 * c.mupTolerance);
  checks.push(numericCheck({
    name: 'μP: the loss-optimal learning rate transfers across width',
    quantity: 's_η = d log₂ η*/d log₂ n (OLS over widths; η* = parabola vertex of ln L̄ around the grid minimum)',
    predicted: p.slope.mup, measured: muS.slope, uncertainty: muS.slopeSd,
    tolerance: { kind: 'abs', value: c.mupTolerance }, regime: muRegime,
    note: `95 % seed-bootstrap interval [${muS.slopeLo.toFixed(3)}, ${muS.slopeHi.toFixed(3)}]; Δlog₂η* over ${r.widths[0]}…${r.widths[r.widths.length - 1]} = ${muS.drift.toFixed(2)}; log₂ η*: ${table(muS)}`,
  }));
  // Wider is better at the transferred η: count consecutive widths whose seed-mean loss rises by
  // more than 2 combined standard errors.
  const tl = muS.transferred;
  let violations = 0;
  for (let i = 1; i < tl.loss.length; i++) {
    const se = Math.hypot(tl.se[i] || 0, tl.se[i - 1] || 0);
    if (!(tl.loss[i] <= tl.loss[i - 1] + 2 * se)) violations++;
  }
  checks.push(numericCheck({
    name: 'μP: wider is better at the transferred learning rate',
    quantity: `widths whose loss at log₂ η = ${tl.log2Lr.toFixed(2)} (the grid point of η*(n_min)) exceeds the next-narrower one's by > 2 SE`,
    predicted: 0, measured: violations, tolerance: { kind: 'abs', value: 0 },
    regime: muRegime.slice(0, 4),
    note: `loss ${tl.loss.map((x, i) => `${r.widths[i]}: ${x.toPrecision(4)}`).join(', ')}`,
  }));
  const spRegime = [
    ...regimeOf(c, spS, 2 * Math.abs(1 + c.spSlopeMax)),
    regimeCondition('loss is MSE (1) rather than cross-entropy (0): SP drift predicted for MSE', c.loss === 'mse' ? 1 : 0, 'min', 1),
  ];
  const half = Math.abs(p.slope.sp - c.spSlopeMax);
  checks.push(numericCheck({
    name: 'SP: the optimal learning rate drifts as 1/width',
    quantity: 's_η = d log₂ η*/d log₂ n (SGD; NTK ∝ n ⇒ η* ∝ 1/n)',
    predicted: p.slope.sp, measured: spS.slope, uncertainty: spS.slopeSd,
    tolerance: { kind: 'range', lo: p.slope.sp - half, hi: c.spSlopeMax }, regime: spRegime,
    note: `95 % seed-bootstrap interval [${spS.slopeLo.toFixed(3)}, ${spS.slopeHi.toFixed(3)}]${p.spFiniteWidth !== undefined ? `; finite-width NTK estimate over these widths ${p.spFiniteWidth.toFixed(2)}` : ''}; log₂ η*: ${table(spS)}`,
  }));
  for (const x of [...muRegime, ...spRegime]) if (!regime.some((y) => y.name === x.name)) regime.push(x);
  const note = r.lossFloor !== undefined ? `cross-entropy floor of the language: ${r.lossFloor.toFixed(4)} nats/token` : undefined;
  return { checks, regime, status: r.interrupted ? 'interrupted' as const : 'ok' as const, ...(note ? { note } : {}) };
}

function plots(c: MuTransferConfig): PlotSpec[] {
  return [
    {
      title: 'Training loss vs learning rate, one line per width (TP V Fig. 5)',
      caption: `Seed mean ± SE after ${c.steps} SGD steps (${c.model === 'mlp' ? `ReLU MLP, ${c.depth} hidden layer${c.depth > 1 ? 's' : ''}, 7×7 MNIST` : 'transformer, Zipfian Markov language'}, ${c.loss}); thin segments: the parabola-refined optimum log₂ η* with its 95 % seed-bootstrap interval. Left SP (optimum drifts left with width), right μP (base width ${c.baseWidth}; optimum fixed, wider is lower). Diverged points are omitted.`,
      kind: 'lines', series: 'curves', x: 'log2Lr', y: 'loss', stroke: 'width', facet: 'param', group: 'part', yType: 'log', errorY: { lo: 'lo', hi: 'hi' },
    },
    {
      title: 'Optimal learning rate vs width',
      caption: 'log₂ η* with 95 % bootstrap intervals; dashed: the predicted slope through the narrowest width (SP −1, μP 0). Log width axis.',
      kind: 'scatter', series: 'optima', x: 'width', y: 'log2Opt', stroke: 'param', dashed: 'kind', xType: 'log', errorY: { lo: 'lo', hi: 'hi' },
    },
    {
      title: 'Loss at the transferred learning rate vs width',
      caption: 'Seed mean ± SE at the grid point of η*(n_min), per parameterization: μP predicts non-increasing in width.',
      kind: 'scatter', series: 'transferred', x: 'width', y: 'loss', stroke: 'param', xType: 'log', yType: 'log', errorY: { lo: 'lo', hi: 'hi' },
    },
  ];
}

function summary(_c: MuTransferConfig, r: MuTransferResult): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of r.params) {
    out[`${s.param}Slope`] = s.slope;
    out[`${s.param}SlopeLo`] = s.slopeLo;
    out[`${s.param}SlopeHi`] = s.slopeHi;
    out[`${s.param}Drift`] = s.drift;
    out[`${s.param}DivergedFraction`] = s.diverged / s.cells;
  }
  return out;
}

function cost(c: MuTransferConfig, k: MuTransferCell): number {
  const n = k.width;
  const perStep = c.model === 'mlp' ? n * 60 + (c.depth - 1) * n * n : c.layers * 12 * n * n * c.seqLen;
  return c.steps * (perStep + 20_000);
}

/** `lmech verify`: 4 widths (8×), 9 learning rates 0.625 octave apart around each optimum, 3 seeds, 100 steps. */
const QUICK: Partial<MuTransferConfig> = { widths: [32, 64, 128, 256], lrs: 9, spLog2Lr: [-6.5, -1.5], mupLog2Lr: [-3.5, 1.5], seeds: 3 };

export const muTransferExperiment: Experiment<MuTransferConfig, MuTransferResult, MuTransferPrediction> = {
  name: 'mu-transfer',
  title: 'μTransfer: the optimal learning rate is width-independent under μP, drifts as 1/width under SP',
  strand: 'A3 theories of hyperparameters — μP and hyperparameter transfer (TP V Fig. 5)',
  description: 'Learning-rate sweeps × widths × seeds under SP and μP (SGD); the parabola-refined loss-optimal log₂ η per width with seed-bootstrap intervals; transfer slope s_η against 0 (μP) and −1 (SP, MSE), and wider-is-better at the transferred η under μP.',
  schema: muTransferSchema,
  quick: QUICK,
  variants: [
    { label: 'cross-entropy loss (SP drift not predicted: out of regime)', config: { ...QUICK, loss: 'cross-entropy', spLog2Lr: [-3, 3], mupLog2Lr: [-2, 4], seeds: 2 }, expect: 'out-of-regime' },
    { label: 'grid too narrow (optima on the grid edge)', config: { ...QUICK, lrs: 5, spLog2Lr: [-12, -10], mupLog2Lr: [-9, -7], seeds: 2 }, expect: 'out-of-regime' },
  ],
  predict,
  grid: { cells, cell, aggregate, cost },
  compare,
  plots,
  summary,
};
