/**
 * `lmech coord-check`: a quantitative coordinate check of any nn model (science-notes §A2).
 *
 *   lmech coord-check --model mlp|transformer|residualMlp|'<json spec>' --param mup|sp|ntp|mf|mup-package
 *                     [--optimizer sgd|adam] [--lr η] [--widths 64,128,…,2048 | --depths 2,4,8 --width n]
 *                     [--steps 3] [--seeds 3] [--batch 16] [--base-width 1] [--depth-alpha ½|1]
 *                     [--loss mse|ce] [--layers a,b] [--no-centered] [--json]
 *
 * A JSON spec is a model spec of src/models/registry.ts in which the strings "$width" and "$depth"
 * stand for the swept width and depth (e.g. {"family":"residualMlp","width":"$width","depth":"$depth",
 * "inDim":16,"outDim":4}). The model is parameterized by --param against --base-width
 * (nn/parameterization.ts; for depth sweeps with --depth-alpha also depthParameterize against the
 * first depth), trained --steps steps on one fixed batch (Gaussian rows and targets with MSE, or
 * random token ids with next-token cross-entropy when the first weight is an embedding), and every
 * captured intermediate is measured (observables/coord-check.ts). Printed: the fitted slope of
 * ln RMS(Δh) against ln width (or depth) per layer and step, mean ± SE over seeds, the predicted
 * slope (theory/abc-exponents.ts for width sweeps; --expect s for any sweep, the only prediction of
 * a depth sweep) and a verdict:
 * interval mean ± 2 SE within prediction ± --tolerance → confirmed, else falsified; μP / mean-field
 * (and --expect) at every step, other schemes at step 1 only (their rows are first order in η); out of regime with
 * < 4 points, a largest width < 512, or a run that diverged. Then the per-parameter learning rates
 * the parameterization implies from the smallest to the largest swept model (`transferLr`).
 */
import type { Command } from 'commander';
import { ConfigError } from '../../experiments/config.js';
import { crossEntropyWithIds, mseLoss, scale, sub } from '../../engine/ops.js';
import { Rng } from '../../engine/rng.js';
import { randn, tensor, type Tensor } from '../../engine/tensor.js';
import { buildModel } from '../../models/registry.js';
import { type Model, type ModelSpec, withInfo } from '../../nn/model.js';
import { depthParameterize, parameterize, transferLr } from '../../nn/parameterization.js';
import { coordCheck, slopeAcrossSeeds, type SeedSlope } from '../../observables/coord-check.js';
import { predictCaptured, schemeByName } from '../../theory/abc-exponents.js';
import { selectBackend } from '../backend.js';

export interface CoordCheckCommandOptions {
  model?: string;
  param?: string;
  optimizer?: string;
  lr?: string | number;
  widths?: string;
  depths?: string;
  width?: string | number;
  depth?: string | number;
  steps?: string | number;
  seeds?: string | number;
  batch?: string | number;
  baseWidth?: string | number;
  depthAlpha?: string | number;
  loss?: string;
  layers?: string;
  centered?: boolean;
  tolerance?: string | number;
  /** A predicted slope for every row (overrides the abc table; the only prediction for depth sweeps). */
  expect?: string | number;
  seed?: string | number;
  json?: boolean;
  backend?: string;
}

export interface CoordCheckRow {
  layer: string;
  step: number;
  slope: number;
  se: number;
  predicted: number | null;
  verdict: 'confirmed' | 'falsified' | 'out-of-regime' | '—';
}

export interface CoordCheckReport {
  axis: 'width' | 'depth';
  points: number[];
  param: string;
  optimizer: 'sgd' | 'adam';
  rows: CoordCheckRow[];
  regime: { name: string; value: number; limit: number; bound: 'min' | 'max'; ok: boolean }[];
  verdict: 'confirmed' | 'falsified' | 'out-of-regime';
  lrTransfer: string;
}

const PRESETS: Record<string, (param: string) => ModelSpec> = {
  mlp: () => ({ family: 'mlp', widths: [32, '$width', '$width', 10], activation: 'relu' }),
  residualMlp: () => ({ family: 'residualMlp', width: '$width', depth: '$depth', inDim: 32, outDim: 10 }),
  transformer: (p) => ({ family: 'transformer', vocab: 16, dModel: '$width', heads: 4, layers: '$depth', seqLen: 8, tied: false, attnScale: p === 'mup' || p === 'mf' || p === 'mup-package' ? 'mup' : 'sqrt' }),
};

function intList(flag: string, s: string | undefined, lo: number, hi: number): number[] | undefined {
  if (s === undefined) return undefined;
  const xs = String(s).split(',').map((t) => Number(t.trim()));
  if (xs.length < 2 || xs.some((x) => !Number.isInteger(x) || x < lo || x > hi)) throw new ConfigError(`${flag}: must be a comma list of at least 2 integers in [${lo}, ${hi}] (got ${JSON.stringify(s)})`);
  return [...new Set(xs)].sort((a, b) => a - b);
}

function num(flag: string, v: string | number | undefined, dflt: number, lo: number, hi: number, integer = false): number {
  if (v === undefined) return dflt;
  const x = Number(v);
  if (!Number.isFinite(x) || x < lo || x > hi || (integer && !Number.isInteger(x))) throw new ConfigError(`${flag}: must be ${integer ? 'an integer' : 'a number'} in [${lo}, ${hi}] (got ${JSON.stringify(v)})`);
  return x;
}

function substitute(spec: unknown, width: number, depth: number): unknown {
  if (spec === '$width') return width;
  if (spec === '$depth') return depth;
  if (Array.isArray(spec)) return spec.map((s) => substitute(s, width, depth));
  if (spec && typeof spec === 'object') return Object.fromEntries(Object.entries(spec).map(([k, v]) => [k, substitute(v, width, depth)]));
  return spec;
}

function parseSpec(s: string | undefined, param: string): unknown {
  const src = s ?? 'mlp';
  if (PRESETS[src]) return PRESETS[src](param);
  try { return JSON.parse(src); } catch {
    throw new ConfigError(`--model: must be ${Object.keys(PRESETS).join(', ')} or a JSON model spec with "$width"/"$depth" placeholders (got ${JSON.stringify(src)})`);
  }
}

/** The fixed batch and loss for a model: token ids + cross-entropy after an embedding, else Gaussian + MSE. */
function problemFor(net: Model, B: number, lossFlag: string | undefined, rng: Rng): { x: Tensor; y: Tensor; loss: (f: Tensor, y: Tensor) => Tensor } {
  const first = net.info.find((p) => p.role !== 'bias' && p.role !== 'norm-gain' && p.role !== 'norm-bias');
  const ids = first?.role === 'embedding';
  const k = net.outShape[net.outShape.length - 1];
  const loss = lossFlag ?? (ids ? 'ce' : 'mse');
  if (loss !== 'mse' && loss !== 'ce') throw new ConfigError(`--loss: must be "mse" or "ce" (got ${JSON.stringify(lossFlag)})`);
  const draw = (r: Rng, n: number, hi: number) => Array.from({ length: n }, () => r.int(hi));
  const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
  const x = ids ? tensor(draw(rng.split('x'), B * size(net.inShape), first!.fanIn), [B, ...net.inShape], 'i32') : randn(rng.split('x'), [B, ...net.inShape]);
  if (loss === 'mse') return { x, y: randn(rng.split('y'), [B, ...net.outShape]), loss: (f, y) => scale(mseLoss(f, y), 1 / size(net.outShape)) };
  const tShape = [B, ...net.outShape.slice(0, -1)];
  return { x, y: tensor(draw(rng.split('y'), size(tShape), k), tShape, 'i32'), loss: (f, y) => crossEntropyWithIds(f, y) };
}

/** Validate the flags, run the sweep and fit the slopes (no printing): the command's whole logic. */
export function coordCheckCommand(o: CoordCheckCommandOptions): CoordCheckReport {
  const param = o.param ?? 'mup';
  const scheme = (() => { try { return schemeByName(param); } catch (e) { throw new ConfigError(`--${(e as Error).message}`); } })();
  const optimizer = (o.optimizer ?? 'sgd') as 'sgd' | 'adam';
  if (optimizer !== 'sgd' && optimizer !== 'adam') throw new ConfigError(`--optimizer: must be "sgd" or "adam" (got ${JSON.stringify(o.optimizer)})`);
  const lr = num('--lr', o.lr, optimizer === 'sgd' ? 0.05 : 0.01, 0, 100);
  const steps = num('--steps', o.steps, 3, 1, 100, true);
  const seeds = num('--seeds', o.seeds, 3, 1, 64, true);
  const B = num('--batch', o.batch, 16, 1, 4096, true);
  const baseWidth = num('--base-width', o.baseWidth, 1, 1, 1 << 16, true);
  const tol = num('--tolerance', o.tolerance, 0.25, 0, 2);
  const seed = num('--seed', o.seed, 0, 0, 2 ** 31, true);
  const depths = intList('--depths', o.depths, 1, 1000);
  const widths = depths ? undefined : intList('--widths', o.widths ?? '64,128,256,512', 1, 1 << 16);
  const fixedWidth = num('--width', o.width, 128, 1, 1 << 16, true);
  const fixedDepth = num('--depth', o.depth, 1, 0, 1000, true);
  const alpha = o.depthAlpha === undefined ? undefined : num('--depth-alpha', o.depthAlpha, 0.5, 0, 2);
  const axis: 'width' | 'depth' = depths ? 'depth' : 'width';
  const points = depths ?? widths!;
  const raw = parseSpec(o.model, param);
  const specAt = (n: number, L: number) => {
    const s = substitute(raw, n, L) as ModelSpec;
    if (o.model === 'residualMlp' && alpha !== undefined) (s as Record<string, unknown>).branchMultiplier = alpha === 1 ? 'invDepth' : alpha === 0.5 ? 'invSqrtDepth' : 'none';
    return s;
  };
  const netAt = (pt: number): Model => {
    const [n, L] = axis === 'width' ? [pt, fixedDepth] : [fixedWidth, pt];
    let base: Model;
    try { base = buildModel(specAt(n, L)); } catch (e) { throw new ConfigError(`--model: ${(e as Error).message}`); }
    let info = parameterize(base.info, scheme, { baseWidth, width: n, optimizer });
    if (axis === 'depth' && alpha !== undefined) info = depthParameterize(info, { depth: L, baseDepth: points[0], alpha, optimizer });
    return withInfo(base, info);
  };
  const select = o.layers ? new Set(o.layers.split(',').map((s) => s.trim())) : null;
  const layerFilter = (name: string) => (select ? select.has(name) : !name.endsWith('scores'));

  const runs = points.map((pt) => Array.from({ length: seeds }, (_, s) => {
    const net = netAt(pt);
    const params = net.init(new Rng(seed).split('init').split(`s${s}`));
    const pb = problemFor(net, B, o.loss, new Rng(seed).split('batch'));
    const f0 = o.centered === false ? null : net.apply(params, pb.x);
    return coordCheck({
      model: net, params, batch: { x: pb.x, y: pb.y }, steps, layers: layerFilter,
      loss: (f) => pb.loss(f0 ? sub(f, f0) : f, pb.y),
      optimizer: optimizer === 'sgd' ? { kind: 'sgd', lr } : { kind: 'adam', lr },
    });
  }));
  const diverged = runs.flat().filter((r) => r.status !== 'ok').length;
  const layers = runs[0][0].layers;
  const sampleNet = netAt(points[points.length - 1]);
  const expected = o.expect === undefined ? undefined : num('--expect', o.expect, 0, -10, 10);
  const pred: Record<string, { update: number } | null> = expected !== undefined
    ? Object.fromEntries(layers.map((l) => [l, { update: expected }]))
    : axis === 'width' ? predictCaptured(sampleNet.info, layers, scheme, optimizer)
    : Object.fromEntries(layers.map((l) => [l, null]));
  const regime = [
    { name: `number of ${axis}s`, value: points.length, limit: 4, bound: 'min' as const },
    ...(axis === 'width' ? [{ name: 'largest width', value: points[points.length - 1], limit: 512, bound: 'min' as const }] : []),
    { name: 'runs that diverged', value: diverged, limit: 0, bound: 'max' as const },
  ].map((r) => ({ ...r, ok: r.bound === 'min' ? r.value >= r.limit : r.value <= r.limit }));
  const inRegime = regime.every((r) => r.ok);
  const flat = param === 'mup' || param === 'mf' || param === 'mup-package' || expected !== undefined;
  const rows: CoordCheckRow[] = [];
  for (let t = 1; t <= steps; t++) layers.forEach((layer, l) => {
    let s: SeedSlope = { mean: NaN, se: NaN, perSeed: [] };
    if (diverged === 0) {
      const ys = Array.from({ length: seeds }, (_, si) => points.map((_, i) => runs[i][si].steps[t].layers[l].rmsUpdate));
      if (ys.every((y) => y.every((v) => v > 0))) s = slopeAcrossSeeds(points, ys);
    }
    const p = pred[layer]?.update ?? null;
    const checked = p !== null && (flat || t === 1);
    const se = Number.isFinite(s.se) ? s.se : 0;
    const verdict: CoordCheckRow['verdict'] = !checked ? '—' : !inRegime ? 'out-of-regime' : Math.abs(s.mean - p) + 2 * se <= tol ? 'confirmed' : 'falsified';
    rows.push({ layer, step: t, slope: s.mean, se: s.se, predicted: p, verdict });
  });
  const checked = rows.filter((r) => r.verdict !== '—');
  const verdict = checked.length === 0 || !inRegime ? 'out-of-regime' : checked.some((r) => r.verdict === 'falsified') ? 'falsified' : 'confirmed';
  // per-parameter LR factors smallest → largest model (a depth sweep: the parameters both have)
  const baseInfo = netAt(points[0]).info, names = new Set(baseInfo.map((p) => p.name));
  const lrTransfer = transferLr(baseInfo, sampleNet.info.filter((p) => names.has(p.name))).text;
  return { axis, points, param, optimizer, rows, regime, verdict, lrTransfer };
}

export function formatCoordCheck(r: CoordCheckReport): string {
  const f = (x: number) => (Number.isFinite(x) ? (x >= 0 ? ' ' : '') + x.toFixed(3) : '   —');
  const head = ['layer', 'step', 'slope', '± SE', 'predicted', 'verdict'];
  const cells = r.rows.map((row) => [row.layer, String(row.step), f(row.slope), Number.isFinite(row.se) ? row.se.toFixed(3) : '—', row.predicted === null ? '—' : f(row.predicted), row.verdict]);
  const w = head.map((h, j) => Math.max(h.length, ...cells.map((c) => c[j].length)));
  const line = (c: string[]) => c.map((s, j) => s.padEnd(w[j])).join('  ').trimEnd();
  const out = [
    `coordinate check: ${r.param}, ${r.optimizer}; slope of ln RMS(h_t − h_0) against ln ${r.axis} over ${r.axis}s ${r.points.join(', ')}`,
    '', line(head), ...cells.map(line), '',
    ...r.regime.map((g) => `${g.ok ? 'ok ' : 'OUT'} ${g.name} = ${g.value} (needs ${g.bound === 'min' ? '≥' : '≤'} ${g.limit})`),
    `verdict: ${r.verdict}`, '',
    `per-parameter learning-rate factors from ${r.axis} ${r.points[0]} to ${r.points[r.points.length - 1]} (transferLr):`,
    r.lrTransfer, '',
  ];
  return out.join('\n');
}

export function register(program: Command): void {
  program
    .command('coord-check')
    .description('coordinate check of any nn model: slope of each layer\'s update against width (or depth), with a verdict')
    .option('--model <spec>', 'mlp | transformer | residualMlp | a JSON model spec with "$width"/"$depth" placeholders', 'mlp')
    .option('--param <p>', 'parameterization: mup | sp | ntp | mf | mup-package', 'mup')
    .option('--optimizer <o>', 'sgd | adam', 'sgd')
    .option('--lr <η>', 'learning rate (default 0.05 SGD, 0.01 Adam)')
    .option('--widths <list>', 'widths to sweep, e.g. 64,128,256,512')
    .option('--depths <list>', 'depths to sweep instead (at --width)')
    .option('--width <n>', 'width for a depth sweep', '128')
    .option('--depth <L>', 'depth for a width sweep (the "$depth" placeholder)', '1')
    .option('--steps <T>', 'optimizer steps on the fixed batch', '3')
    .option('--seeds <s>', 'initializations per point', '3')
    .option('--batch <B>', 'batch size', '16')
    .option('--base-width <n0>', 'base width of the parameterization', '1')
    .option('--depth-alpha <α>', 'depth sweeps: residual branch exponent (½ Depth-μP, 1 CompleteP) with its LR rule (depthParameterize)')
    .option('--expect <s>', 'predicted slope for every row and step (overrides the abc table; depth sweeps have no other prediction)')
    .option('--loss <l>', 'mse | ce (default: ce after an embedding, else mse)')
    .option('--layers <names>', 'comma list of captured names to check (default: all but attention scores)')
    .option('--no-centered', 'train f instead of the centred f − f₀')
    .option('--tolerance <τ>', 'slope tolerance', '0.25')
    .option('--seed <s>', 'random seed', '0')
    .option('--backend <b>', 'best | native | wasm | reference', 'best')
    .option('--json', 'print JSON')
    .action(async (o: CoordCheckCommandOptions) => {
      await selectBackend(o.backend);
      const r = coordCheckCommand(o);
      process.stdout.write(o.json ? JSON.stringify(r) + '\n' : formatCoordCheck(r));
    });
}
