/**
 * Experiment `coord-check`: the quantitative coordinate check (TP V, Yang et al. 2022, arXiv
 * 2203.03466, Fig. 5 / §D.1; science-notes §A2 and §F). For an MLP and a transformer under SP, NTP,
 * μP and mean-field, at widths n (base width n₀, m = n/n₀), a few steps of SGD or Adam on one fixed
 * batch; after step t the update of every layer's pre-activation c_l(t, n) = RMS(h_l^{(t)} − h_l^{(0)})
 * (observables/coord-check.ts). Per seed the OLS slope s_l(t) of ln c against ln n; mean ± SE over
 * seeds. Predictions (theory/abc-exponents.ts, first order in η, from the abc table):
 *   μP, mean-field   s_l = 0 for every layer and step                      (feature learning, stable)
 *   SP               SGD (−½, ½, …, ½, 1), Adam (0, 1, …, 1, 3/2): the readout grows with width
 *   NTP              SGD features −½ (input and hidden), readout 0; Adam (0, ½, …, ½, 1)
 * Checks (science-notes §F; tolerance τ = 0.25 and the SP margin 0.75 are the notes' verdict sheet):
 *   μP and mean-field, every layer and step: mean ± 2 SE ⊂ [−τ, τ];
 *   SP, step 1: s_out(SP) − s_out(μP) − 2 SE ≥ 0.75 ("distinguished");
 *   NTP with SGD, step 1, input and hidden layers: mean ± 2 SE ⊂ [−½ − τ, −½ + τ].
 * Not checked, only drawn (dashed) and tabled: SP's hidden rows and later steps (large η·m updates
 * compound over steps and layers and the loss blows up at the wide end: not first order), the NTP
 * readout and NTP/SP with Adam, whose leading terms only dominate past these widths (a hidden update
 * a·m^{½} + b·m^{−½}, or a·m^{½} + b): on the quick config (seeds 0–2, step 1, widths 64…512) SP SGD
 * hidden +0.26…0.36 (table ½), NTP readout −0.11…−0.14 (0), NTP Adam hidden +0.09…0.11 (½) and
 * readout +0.51…0.53 (1), SP Adam hidden +0.82…0.87 (1) and readout +1.14…1.18 (3/2).
 * Centring (default): the loss is taken on f − f₀, so the first residual is −y at every width and μP's
 * init transient f₀ ∝ m^{−½} (whose batch-coherent part the kernel's constant mode amplifies,
 * test/mup-one-step.test.ts) does not enter; exponents are unchanged. Inits use common random numbers
 * across widths (see `cell`). Quick uses 2 hidden layers: with 3, μP SGD's readout slope on 64…512
 * (centred) was −0.12…−0.30 over config seeds 0–2 and one seed's interval crossed −0.25 — the O(depth/n)
 * fluctuations of the kernel add a variance to RMS(Δf) that decays as 1/n (a negative finite-width slope).
 * Out of regime (computed from the config and the cells before any verdict): fewer than 4 widths,
 * largest width < 512, fewer than 2 seeds, or any width that diverged (non-finite loss or update)
 * in the checked combination.
 */
import { z } from 'zod';
import { crossEntropyWithIds, mseLoss, scale, sub } from '../engine/ops.js';
import { Rng } from '../engine/rng.js';
import { randn, tensor, type Tensor } from '../engine/tensor.js';
import { mlpModel } from '../models/mlp.js';
import { transformer } from '../models/transformer.js';
import { type Model, withInfo } from '../nn/model.js';
import { parameterize } from '../nn/parameterization.js';
import { coordCheck, slopeAcrossSeeds, type SeedSlope } from '../observables/coord-check.js';
import { abcExponents, mlpChain, predictCaptured, schemeByName } from '../theory/abc-exponents.js';
import type { Check, Experiment, PlotSpec, RegimeCondition, RunContext } from './types.js';
import { numericCheck, regimeCondition } from './verdict.js';
import * as libm from '../engine/libm.js';

const PARAMS = ['sp', 'ntp', 'mup', 'mf'] as const;
const OPTIMIZERS = ['sgd', 'adam'] as const;
const MODELS = ['mlp', 'transformer'] as const;
type ParamName = (typeof PARAMS)[number];
type OptName = (typeof OPTIMIZERS)[number];
type ModelName = (typeof MODELS)[number];

export const coordCheckSchema = z.object({
  models: z.array(z.enum(MODELS)).min(1).max(2).default(['mlp', 'transformer']).describe('model families: mlp (ReLU, MSE) and/or transformer (1 pre-LN block, next-token CE)'),
  params: z.array(z.enum(PARAMS)).min(1).max(4).default(['sp', 'ntp', 'mup', 'mf']).describe('parameterizations (SP checks need mup in the list)'),
  optimizers: z.array(z.enum(OPTIMIZERS)).min(1).max(2).default(['sgd', 'adam']).describe('optimizers'),
  widths: z.array(z.number().int().min(4).max(8192)).min(2).max(12).default([64, 128, 256, 512, 1024, 2048]).describe('widths n (MLP hidden width, transformer d_model)'),
  seeds: z.number().int().min(1).max(32).default(3).describe('initializations per width'),
  steps: z.number().int().min(1).max(20).default(3).describe('optimizer steps on the fixed batch'),
  baseWidth: z.number().int().min(1).max(4096).default(1).describe('base width n₀ of the parameterization (m = n/n₀)'),
  depth: z.number().int().min(2).max(8).default(3).describe('MLP hidden layers'),
  inputDim: z.number().int().min(1).max(1024).default(32).describe('MLP input dimension d'),
  outputDim: z.number().int().min(1).max(256).default(10).describe('MLP output dimension k'),
  batch: z.number().int().min(1).max(512).default(16).describe('batch size B (MLP rows; transformer sequences)'),
  vocab: z.number().int().min(2).max(512).default(16).describe('transformer vocabulary'),
  seqLen: z.number().int().min(2).max(64).default(8).describe('transformer sequence length T'),
  heads: z.number().int().min(1).max(16).default(4).describe('transformer heads (d_head = n/heads grows with width)'),
  ffMult: z.number().int().min(1).max(8).default(4).describe('transformer MLP width d_ff = ffMult·n'),
  lrSgd: z.number().gt(0).max(10).default(0.05).describe('SGD learning rate η (times each parameter\'s lrScale)'),
  lrAdam: z.number().gt(0).max(1).default(0.01).describe('Adam learning rate'),
  centered: z.boolean().default(true).describe('train the centred output f − f₀ (removes the readout\'s init transient f₀ ∝ √(n₀/n) from the residual)'),
  tolerance: z.number().gt(0).max(1).default(0.25).describe('τ: slope interval (mean ± 2 SE) must lie within prediction ± τ'),
  spMargin: z.number().min(0).max(3).default(0.75).describe('SP distinguished when s_out(SP) − s_out(μP) − 2 SE ≥ this'),
  seed: z.number().int().min(0).max(2 ** 31).default(0).describe('random seed'),
});

export type CoordCheckConfig = z.infer<typeof coordCheckSchema>;

export interface CoordKey { model: ModelName; param: ParamName; optimizer: OptName; width: number; seed: number }

interface CellResult {
  layers: string[];
  /** update[t − 1][l], activation[t][l] (t = 0 … steps completed). */
  update: number[][];
  activation: number[][];
  loss: number[];
  diverged: boolean;
}

export interface ComboSlopes {
  model: ModelName; param: ParamName; optimizer: OptName;
  layers: string[];
  /** Display class per layer ('input' | 'hidden' | 'output' | 'other'). */
  classes: string[];
  predicted: (number | null)[];
  /** slopes[t − 1][l] of the update; activation slopes at the last step. */
  slopes: SeedSlope[][];
  activationSlopes: SeedSlope[];
  divergedWidths: number[];
}

export interface CoordCheckResult {
  combos: ComboSlopes[];
  interrupted: boolean;
}

export type CoordCheckPrediction = Record<string, { layers: string[]; update: (number | null)[]; activation: (number | null)[]; classes: string[] }>;

const comboKey = (m: string, p: string, o: string) => `${m}.${p}.${o}`;

function mlpLayerNames(c: CoordCheckConfig): string[] {
  return [...Array.from({ length: c.depth }, (_, l) => `layer${l + 1}.preact`), 'logits'];
}

const TF_LAYERS = ['tok.preact', 'blocks.0.attn.heads.q', 'blocks.0.attn.heads.k', 'blocks.0.attn.heads.v', 'blocks.0.attn.heads.preact', 'blocks.0.mlp.up.preact', 'blocks.0.mlp.down.preact', 'logits'];

function buildNet(c: CoordCheckConfig, model: ModelName, param: ParamName, optimizer: OptName, n: number): Model {
  const base = model === 'mlp'
    ? mlpModel({ widths: [c.inputDim, ...Array(c.depth).fill(n), c.outputDim], activation: 'relu' })
    : transformer({ vocab: c.vocab, dModel: n, dFf: c.ffMult * n, heads: c.heads, layers: 1, seqLen: c.seqLen, tied: false, attnScale: param === 'mup' || param === 'mf' ? 'mup' : 'sqrt' });
  return withInfo(base, parameterize(base.info, schemeByName(param), { baseWidth: c.baseWidth, optimizer }));
}

/** The fixed batch of a model family (the same for every width, seed and parameterization). */
function batchFor(c: CoordCheckConfig, model: ModelName): { x: Tensor; y: Tensor } {
  const r = new Rng(c.seed).split('batch').split(model);
  if (model === 'mlp') return { x: randn(r.split('x'), [c.batch, c.inputDim]), y: randn(r.split('y'), [c.batch, c.outputDim]) };
  const ids = (s: Rng) => tensor(Array.from({ length: c.batch * c.seqLen }, () => s.int(c.vocab)), [c.batch, c.seqLen], 'i32');
  return { x: ids(r.split('x')), y: ids(r.split('y')) };
}

function predict(c: CoordCheckConfig): CoordCheckPrediction {
  const out: CoordCheckPrediction = {};
  for (const model of c.models) for (const param of c.params) for (const optimizer of c.optimizers) {
    const scheme = schemeByName(param);
    if (model === 'mlp') {
      const ex = abcExponents(mlpChain(c.depth - 1), scheme, optimizer);
      out[comboKey(model, param, optimizer)] = { layers: mlpLayerNames(c), update: ex.map((e) => e.update), activation: ex.map((e) => e.activation), classes: ex.map((e) => e.cls) };
    } else {
      const info = buildNet(c, model, param, optimizer, 8 * c.heads).info;
      const p = predictCaptured(info, TF_LAYERS, scheme, optimizer);
      out[comboKey(model, param, optimizer)] = {
        layers: TF_LAYERS, update: TF_LAYERS.map((n) => p[n]?.update ?? null), activation: TF_LAYERS.map((n) => p[n]?.activation ?? null),
        classes: TF_LAYERS.map((n) => p[n]?.cls ?? 'other'),
      };
    }
  }
  return out;
}

function cells(c: CoordCheckConfig): CoordKey[] {
  const keys: CoordKey[] = [];
  for (const model of c.models) for (const param of c.params) for (const optimizer of c.optimizers) {
    for (const width of [...c.widths].sort((a, b) => a - b)) for (let seed = 0; seed < c.seeds; seed++) keys.push({ model, param, optimizer, width, seed });
  }
  return keys;
}

function cell(c: CoordCheckConfig, k: CoordKey, ctx: RunContext): CellResult {
  const net = buildNet(c, k.model, k.param, k.optimizer, k.width);
  // Common random numbers: the same streams for every parameterization and every width of a seed
  // (each parameter drawn from rng.split(its name); its leading entries coincide across widths), so
  // the slope's seed-to-seed spread is not inflated by independent draws at each width.
  const params = net.init(new Rng(c.seed).split('init').split(k.model).split(`s${k.seed}`));
  const batch = batchFor(c, k.model);
  const layers = k.model === 'mlp' ? mlpLayerNames(c) : TF_LAYERS;
  const f0 = c.centered ? net.apply(params, batch.x) : null;
  const centre = (f: Tensor) => (f0 ? sub(f, f0) : f);
  const loss = k.model === 'mlp'
    ? (f: Tensor, b: { y?: Tensor }) => scale(mseLoss(centre(f), b.y!), 1 / c.outputDim)   // mean over B·k (PyTorch MSELoss)
    : (f: Tensor, b: { y?: Tensor }) => crossEntropyWithIds(centre(f), b.y!);
  const r = coordCheck({
    model: net, params, batch, loss, steps: c.steps, layers, signal: ctx.signal,
    optimizer: k.optimizer === 'sgd' ? { kind: 'sgd', lr: c.lrSgd } : { kind: 'adam', lr: c.lrAdam },
  });
  const update = r.steps.slice(1).map((s) => s.layers.map((l) => l.rmsUpdate));
  const activation = r.steps.map((s) => s.layers.map((l) => l.rmsActivation));
  r.steps.forEach((s) => s.layers.forEach((l) => ctx.record('cells', {
    model: k.model, param: k.param, optimizer: k.optimizer, width: k.width, seed: k.seed, step: s.step, layer: l.name,
    rmsUpdate: l.rmsUpdate, rmsActivation: l.rmsActivation, meanAbsActivation: l.meanAbsActivation, loss: s.loss,
  })));
  return { layers: r.layers, update, activation, loss: r.steps.map((s) => s.loss), diverged: r.status === 'diverged' || update.some((u) => u.some((v) => !(v > 0))) };
}

const geoMean = (xs: number[]) => libm.exp(xs.reduce((a, b) => a + libm.log(b), 0) / xs.length);

function aggregate(c: CoordCheckConfig, results: (CellResult | null)[], ctx: RunContext, p: CoordCheckPrediction): CoordCheckResult {
  const keys = cells(c);
  const widths = [...c.widths].sort((a, b) => a - b);
  const interrupted = results.some((r) => r === null);
  const combos: ComboSlopes[] = [];
  for (const model of c.models) for (const param of c.params) for (const optimizer of c.optimizers) {
    const ck = comboKey(model, param, optimizer), pred = p[ck];
    const mine = keys.map((k, i) => [k, results[i]] as const).filter(([k]) => k.model === model && k.param === param && k.optimizer === optimizer);
    if (mine.some(([, r]) => r === null)) continue;
    const at = (w: number, s: number) => mine.find(([k]) => k.width === w && k.seed === s)![1]!;
    const divergedWidths = widths.filter((w) => Array.from({ length: c.seeds }, (_, s) => at(w, s)).some((r) => r.diverged));
    const layers = pred.layers;
    const slopes: SeedSlope[][] = [];
    const activationSlopes: SeedSlope[] = [];
    const series = `coord-${model}-${param}-${optimizer}`;
    if (divergedWidths.length === 0) {
      for (let t = 1; t <= c.steps; t++) {
        slopes.push(layers.map((_, l) => slopeAcrossSeeds(widths, Array.from({ length: c.seeds }, (_, s) => widths.map((w) => at(w, s).update[t - 1][l])))));
      }
      layers.forEach((_, l) => activationSlopes.push(slopeAcrossSeeds(widths, Array.from({ length: c.seeds }, (_, s) => widths.map((w) => at(w, s).activation[c.steps][l])))));
      // panels: seed mean (geometric) of the update per width and step, and the predicted slope through it
      layers.forEach((layer, l) => {
        for (let t = 1; t <= c.steps; t++) {
          const ys = widths.map((w) => geoMean(Array.from({ length: c.seeds }, (_, s) => at(w, s).update[t - 1][l])));
          widths.forEach((w, i) => ctx.record(series, { layer, width: w, step: `t=${t}`, kind: 'measured', theory: 0, rmsUpdate: ys[i] }));
          const e = pred.update[l];
          if (e !== null) {
            const logC = widths.reduce((a, w, i) => a + libm.log(ys[i]) - e * libm.log(w), 0) / widths.length;
            widths.forEach((w) => ctx.record(series, { layer, width: w, step: `t=${t}`, kind: 'theory', theory: 1, rmsUpdate: libm.exp(logC + e * libm.log(w)) }));
          }
          ctx.record('slopes', { model, param, optimizer, layer, step: t, slope: slopes[t - 1][l].mean, se: slopes[t - 1][l].se, predicted: e ?? NaN });
        }
        ctx.record('activation-slopes', { model, param, optimizer, layer, slope: activationSlopes[l].mean, se: activationSlopes[l].se, predictedInit: pred.activation[l] ?? NaN });
      });
    }
    combos.push({ model, param, optimizer, layers, classes: pred.classes, predicted: pred.update, slopes, activationSlopes, divergedWidths });
  }
  return { combos, interrupted };
}

function baseRegime(c: CoordCheckConfig): RegimeCondition[] {
  return [
    regimeCondition('number of widths', c.widths.length, 'min', 4),
    regimeCondition('largest width (coordinate-check asymptotics)', Math.max(...c.widths), 'min', 512),
    regimeCondition('seeds (for a standard error)', c.seeds, 'min', 2),
  ];
}

/** mean ± 2 SE ⊂ [pred − τ, pred + τ], as a range on the mean. */
function intervalCheck(name: string, quantity: string, pred: number, s: SeedSlope, tau: number, regime: RegimeCondition[]): Check {
  const se = Number.isFinite(s.se) ? s.se : 0;
  return numericCheck({
    name, quantity, predicted: pred, measured: s.mean, uncertainty: s.se, regime,
    tolerance: { kind: 'range', lo: pred - tau + 2 * se, hi: pred + tau - 2 * se },
    note: `mean ± 2 SE = [${(s.mean - 2 * se).toFixed(3)}, ${(s.mean + 2 * se).toFixed(3)}] must lie in ${pred} ± ${tau}; per seed ${s.perSeed.map((x) => x.toFixed(3)).join(', ')}`,
  });
}

function compare(c: CoordCheckConfig, r: CoordCheckResult) {
  const regime = baseRegime(c);
  const checks: Check[] = [];
  const widths = [...c.widths].sort((a, b) => a - b);
  const window = `widths ${widths[0]}…${widths[widths.length - 1]}`;
  const divergedCond = (x: ComboSlopes) => regimeCondition(`${x.model} ${x.param} ${x.optimizer}: widths that diverged`, x.divergedWidths.length, 'max', 0);
  const find = (m: string, p: string, o: string) => r.combos.find((x) => x.model === m && x.param === p && x.optimizer === o);
  for (const x of r.combos) {
    const reg = [...regime, divergedCond(x)];
    const tag = `${x.model} ${x.param === 'mf' ? 'mean-field' : x.param === 'mup' ? 'μP' : x.param.toUpperCase()} ${x.optimizer === 'sgd' ? 'SGD' : 'Adam'}`;
    const na = x.divergedWidths.length > 0;
    if (x.param === 'mup' || x.param === 'mf') {
      for (let t = 1; t <= c.steps; t++) x.layers.forEach((layer, l) => {
        const s = na ? { mean: NaN, se: NaN, perSeed: [] } : x.slopes[t - 1][l];
        checks.push(intervalCheck(`${tag}: ${layer} update slope, step ${t}`, `OLS slope of ln RMS(Δh) vs ln width (${window}), mean over ${c.seeds} seeds`, 0, s, c.tolerance, reg));
      });
    } else if (x.param === 'sp') {
      const mu = find(x.model, 'mup', x.optimizer);
      if (!mu) continue;
      const l = x.layers.length - 1;
      const sp = na ? NaN : x.slopes[0][l].mean, m = mu.divergedWidths.length ? NaN : mu.slopes[0][l].mean;
      const se = na || mu.divergedWidths.length ? NaN : Math.hypot(x.slopes[0][l].se, mu.slopes[0][l].se);
      const seUse = Number.isFinite(se) ? se : 0;
      checks.push(numericCheck({
        name: `${tag}: readout update grows faster than under μP (step 1)`,
        quantity: `s_out(SP) − s_out(μP) of ${x.layers[l]} (${window}); prediction ${x.predicted[l]} − 0 from the table`,
        predicted: (x.predicted[l] ?? NaN) - 0, measured: sp - m, uncertainty: se,
        tolerance: { kind: 'range', lo: c.spMargin + 2 * seUse, hi: 100 }, regime: [...reg, divergedCond(mu)],
        note: `distinguished when the difference minus 2 SE ≥ ${c.spMargin} (science-notes §F); SP ${sp.toFixed(3)}, μP ${m.toFixed(3)}`,
      }));
    } else if (x.param === 'ntp' && x.optimizer === 'sgd') {
      x.layers.forEach((layer, l) => {
        if (x.classes[l] !== 'input' && x.classes[l] !== 'hidden') return;
        const pred = x.predicted[l];
        if (pred === null) return;
        const s = na ? { mean: NaN, se: NaN, perSeed: [] } : x.slopes[0][l];
        checks.push(intervalCheck(`${tag}: ${layer} feature update vanishes (step 1)`, `OLS slope of ln RMS(Δh) vs ln width (${window})`, pred, s, c.tolerance, reg));
      });
    }
  }
  return { checks, regime, status: r.interrupted ? 'interrupted' as const : 'ok' as const };
}

function plots(c: CoordCheckConfig): PlotSpec[] {
  const out: PlotSpec[] = [];
  for (const model of c.models) for (const param of c.params) for (const optimizer of c.optimizers) {
    out.push({
      title: `Coordinate check: ${model}, ${param}, ${optimizer} — RMS(h_t − h_0) against width`,
      caption: `One panel per layer; one line per step t (geometric mean over seeds); dashed: the predicted slope from the abc table (theory/abc-exponents.ts) through the points. Base width n₀ = ${c.baseWidth}.`,
      kind: 'lines', series: `coord-${model}-${param}-${optimizer}`, x: 'width', y: 'rmsUpdate', stroke: 'step', group: 'kind', dashed: 'theory', facet: 'layer', xType: 'log', yType: 'log',
    });
  }
  out.push({ title: 'Fitted update slopes per layer and step', caption: 'slope of ln RMS(Δh) vs ln width; column predicted: the abc table.', kind: 'scatter', series: 'slopes', x: 'step', y: 'slope', stroke: 'param', facet: 'optimizer' });
  return out;
}

function summary(_c: CoordCheckConfig, r: CoordCheckResult): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of r.combos) {
    if (x.slopes.length === 0) continue;
    const k = `${x.model}.${x.param}.${x.optimizer}`;
    out[`${k}.readoutSlope`] = x.slopes[0][x.layers.length - 1].mean;
    out[`${k}.maxAbsSlope`] = Math.max(...x.slopes.flat().map((s) => Math.abs(s.mean)));
  }
  return out;
}

export const coordCheckExperiment: Experiment<CoordCheckConfig, CoordCheckResult, CoordCheckPrediction> = {
  name: 'coord-check',
  title: 'Coordinate check: width exponents of layer updates under SP, NTP, μP, mean-field',
  strand: '§A1–A2 theories of hyperparameters — abc-parameterizations and μP',
  description: 'RMS of every layer\'s pre-activation update after a few SGD/Adam steps on a fixed batch, against width; the fitted log-log slope per layer and step (mean ± SE over seeds) against the abc table: 0 under μP and mean-field, SP\'s readout distinguished, NTP features $\\propto n^{-1/2}$.',
  schema: coordCheckSchema,
  quick: { models: ['mlp'], widths: [64, 128, 256, 512], seeds: 3, steps: 3, depth: 2 },
  variants: [
    { label: 'transformer (μP vs SP, SGD, 1 block, d_ff = n, widths 64…512, 2 steps)', config: { models: ['transformer'], params: ['mup', 'sp'], optimizers: ['sgd'], widths: [64, 128, 256, 512], seeds: 3, steps: 2, batch: 4, ffMult: 1 }, expect: 'confirmed' },
    { label: 'max width 256 (< 512: pre-asymptotic)', config: { models: ['mlp'], widths: [32, 64, 128, 256], seeds: 3, steps: 2, depth: 2 }, expect: 'out-of-regime' },
    { label: 'three widths (< 4 for a slope)', config: { models: ['mlp'], params: ['mup', 'sp'], widths: [128, 256, 512], seeds: 3, steps: 2, depth: 2 }, expect: 'out-of-regime' },
  ],
  predict,
  grid: { cells, cell, aggregate, cost: (c, k: CoordKey) => (k.model === 'mlp' ? k.width * k.width * c.depth : 40 * k.width * k.width) * c.steps },
  compare,
  plots,
  summary,
};
