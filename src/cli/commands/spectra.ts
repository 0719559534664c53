/**
 * `lmech spectra --model ckpt.json [--layer NAME]… [--min-tail 50] [--aspect shape|fit] [--json]`
 *
 * Heavy-tailed weight spectra (src/observables/spectra.ts; science-notes §B8) of every weight
 * matrix of a saved model — an lmech checkpoint (v1 MLP or v2 any nn model) or an ONNX file, loaded
 * as `lmech hessian` loads it. No data set is needed: the ESD is of the weights alone. Per layer:
 *   - shape N×M (oriented N ≥ M), Q = N/M;
 *   - Marchenko–Pastur bulk: σ² (Q–Q fit of the lower half of the ESD), λ₊, the Tracy–Widom 99 %
 *     edge and the number of outliers beyond it, KS D with its Wishart-bootstrap p-value;
 *   - power-law tail (Clauset–Shalizi–Newman): α̂ with the KS-optimal x_min (tail ≥ --min-tail),
 *     its bootstrap interval, KS D and the semi-parametric bootstrap p, Vuong likelihood-ratio tests
 *     against exponential and lognormal tails, and the flags that make α "not a law"
 *     ("no heavy tail (inside MP edge)", tail too short, KS rejected, LR prefers an alternative, α > 6).
 * Weights are the effective ones (each parameter times its forward multiplier). Rank-2 parameters
 * are matrices [out, in]; a rank-4 convolution kernel [out, in, kh, kw] is read as the
 * out × (in·kh·kw) matrix (WeightWatcher slices per kernel position instead; the table says
 * "reshaped"); rank-3 and higher otherwise are [d0, rest]. Vectors (biases, norm gains) are skipped.
 */
import type { Command } from 'commander';
import { Rng } from '../../engine/rng.js';
import { selectBackend } from '../backend.js';
import { ConfigError } from '../../experiments/config.js';
import { fmt } from '../../experiments/verdict.js';
import { table } from '../../reports/table.js';
import type { ModelCheckpoint } from '../../io/checkpoint.js';
import { FLAG_TEXT, layerSpectrum, type LayerSpectrum, type PowerLawFlag } from '../../observables/spectra.js';
import { loadAnalysisModel, parseModelSource } from './hessian.js';

export interface SpectraOptions {
  layers: string[];
  minTail: number;
  bootstrap: number;
  goodnessBootstrap: number;
  mpBootstrap: number;
  aspect: 'shape' | 'fit';
  seed: number;
}

export const defaultSpectraOptions: SpectraOptions = { layers: [], minTail: 50, bootstrap: 100, goodnessBootstrap: 100, mpBootstrap: 200, aspect: 'shape', seed: 0 };

function int(flag: string, v: unknown, min: number, max: number): number {
  const x = typeof v === 'number' ? v : Number(v);
  if (!Number.isInteger(x) || x < min || x > max) throw new ConfigError(`${flag}: must be an integer in [${min}, ${max}] (got ${JSON.stringify(v)})`);
  return x;
}

/** Validate raw commander options; errors name the flag. */
export function parseSpectraOptions(raw: Record<string, unknown>): SpectraOptions {
  const d = defaultSpectraOptions;
  const aspect = raw.aspect ?? d.aspect;
  if (aspect !== 'shape' && aspect !== 'fit') throw new ConfigError(`--aspect: must be "shape" (Q = N/M) or "fit" (Q fitted to the bulk) (got ${JSON.stringify(raw.aspect)})`);
  const layers = raw.layer === undefined ? [] : (Array.isArray(raw.layer) ? raw.layer : [raw.layer]).map(String);
  return {
    layers,
    minTail: int('--min-tail', raw.minTail ?? d.minTail, 2, 1_000_000),
    bootstrap: int('--bootstrap', raw.bootstrap ?? d.bootstrap, 0, 100_000),
    goodnessBootstrap: int('--goodness', raw.goodness ?? d.goodnessBootstrap, 0, 100_000),
    mpBootstrap: int('--mp-bootstrap', raw.mpBootstrap ?? d.mpBootstrap, 0, 100_000),
    aspect,
    seed: int('--seed', raw.seed ?? d.seed, 0, 2 ** 31),
  };
}

export interface SpectraLayerReport {
  name: string;
  /** Parameter shape as stored, and the matrix it was read as. */
  tensorShape: number[];
  shape: [number, number];
  reshaped: boolean;
  N: number;
  M: number;
  Q: number;
  lambdaMax: number;
  mp: LayerSpectrum['mp'];
  tail: LayerSpectrum['tail'];
  /** The flag column: "no heavy tail (inside MP edge)", "power law", … */
  verdict: string;
}

export interface SpectraReport {
  model: { kind: string; parameters: number; dtype: string };
  layers: SpectraLayerReport[];
  skipped: { name: string; shape: number[]; why: string }[];
  options: SpectraOptions;
  seconds: number;
}

/** The matrices of a checkpoint: effective weights of every parameter of rank ≥ 2. */
export function weightMatrices(ck: ModelCheckpoint): { name: string; tensorShape: number[]; rows: number; cols: number; data: Float64Array; reshaped: boolean }[] {
  const out: { name: string; tensorShape: number[]; rows: number; cols: number; data: Float64Array; reshaped: boolean }[] = [];
  ck.params.forEach((t, i) => {
    if (t.shape.length < 2) return;
    const m = ck.model.info[i]?.multiplier ?? 1;
    const rows = t.shape[0], cols = t.size / rows;
    out.push({ name: ck.names[i] ?? String(i), tensorShape: t.shape.slice(), rows, cols, data: Float64Array.from(t.data as ArrayLike<number>, (v) => m * v), reshaped: t.shape.length > 2 });
  });
  return out;
}

export function spectraReport(ck: ModelCheckpoint, o: SpectraOptions, kind?: string, log: (m: string) => void = () => {}): SpectraReport {
  const t0 = performance.now();
  const all = weightMatrices(ck);
  const known = new Set(all.map((w) => w.name));
  for (const l of o.layers) if (!known.has(l)) throw new ConfigError(`--layer: no weight matrix named ${JSON.stringify(l)}; the model has ${[...known].join(', ') || 'none'}`);
  const chosen = o.layers.length ? all.filter((w) => o.layers.includes(w.name)) : all;
  const rng = new Rng(o.seed);
  const skipped: SpectraReport['skipped'] = ck.params.flatMap((t, i) => (t.shape.length < 2 ? [{ name: ck.names[i] ?? String(i), shape: t.shape.slice(), why: 'not a matrix' }] : []));
  const layers: SpectraLayerReport[] = [];
  for (const w of chosen) {
    if (Math.min(w.rows, w.cols) < 3) { skipped.push({ name: w.name, shape: w.tensorShape, why: `fewer than 3 eigenvalues (${Math.min(w.rows, w.cols)})` }); continue; }
    if (!w.data.every(Number.isFinite)) { skipped.push({ name: w.name, shape: w.tensorShape, why: 'non-finite entries' }); continue; }
    log(`${w.name} [${w.tensorShape.join('×')}]…`);
    const s = layerSpectrum(w, {
      rng: rng.split(w.name), mp: { aspect: o.aspect, bootstrap: o.mpBootstrap },
      tail: { minTail: o.minTail, bootstrap: o.bootstrap, goodnessBootstrap: o.goodnessBootstrap },
    });
    layers.push({
      name: w.name, tensorShape: w.tensorShape, shape: s.shape, reshaped: w.reshaped, N: s.N, M: s.M, Q: s.Q, lambdaMax: s.lambdaMax,
      mp: s.mp, tail: s.tail, verdict: flagText(s.tail.flags),
    });
  }
  return {
    model: { kind: kind ?? (ck.spec ? 'mlp' : String(ck.model.spec.family)), parameters: ck.params.reduce((a, t) => a + t.size, 0), dtype: ck.dtype },
    layers, skipped, options: o, seconds: (performance.now() - t0) / 1000,
  };
}

/** A p-value, or "—" when none was computed (bootstrap 0). */
const pv = (p: number) => (Number.isFinite(p) ? fmt(p) : '—');
const interval = (iv: [number, number]) => (Number.isFinite(iv[0]) ? `[${fmt(iv[0])}, ${fmt(iv[1])}]` : '');
/** "vs exp → PL (p 1e-5)": which of the power law (PL) and the alternative the Vuong test favours. */
const lrCell = (t: LayerSpectrum['tail']['lr'][number]) => {
  const alt = t.alternative === 'exponential' ? 'exp' : 'logn';
  return `vs ${alt} → ${t.favours === 'alternative' ? alt : t.favours === 'power-law' ? 'PL' : 'neither'} (p ${fmt(t.p)})`;
};
const SHORT: Record<PowerLawFlag, string> = {
  'tail-too-short': 'tail too short', 'inside-mp-edge': 'inside MP edge', 'ks-rejected': 'KS rejects',
  'lr-prefers-exponential': 'LR: exponential', 'lr-prefers-lognormal': 'LR: lognormal', 'alpha-above-6': 'α > 6',
};

/** The flag column: the headline, then the other flags in short. */
export function flagText(flags: readonly PowerLawFlag[]): string {
  if (flags.length === 0) return 'power law';
  const head = flags.includes('inside-mp-edge') ? 'no heavy tail (inside MP edge)' : flags.includes('tail-too-short') ? 'tail too short: α is not a law' : 'not a power law';
  const rest = flags.filter((f) => f !== 'inside-mp-edge').map((f) => SHORT[f]);
  return rest.length ? `${head}; ${rest.join(', ')}` : head;
}

export function formatSpectraReport(r: SpectraReport, path: string): string {
  const out: string[] = [];
  out.push(`model ${path}: ${r.model.kind}, ${r.model.parameters} parameters (${r.model.dtype})`);
  out.push(`ESD of X = WᵀW/N per weight matrix (N ≥ M); MP σ² by a Q–Q fit of the lower half, outliers beyond the Tracy–Widom 99 % edge;`);
  out.push(`α by Clauset MLE α = 1 + (n−1)/Σ ln(λ/x_min), KS-optimal x_min with a tail ≥ ${r.options.minTail}, 95 % bootstrap interval (${r.options.bootstrap} resamples); KS p by ${r.options.goodnessBootstrap} synthetic sets; MP KS p by ${r.options.mpBootstrap} Wishart replicates.`);
  out.push('');
  const head = ['layer', 'shape', 'Q', 'MP σ²', 'λ₊', 'λ_max', 'outliers', 'MP KS D (p)', 'α ± σ [interval]', 'x_min (tail)', 'KS D (p)', 'LR test', 'flag'];
  out.push(table([head, ...r.layers.map((l) => [
    l.name, `${l.shape[0]}×${l.shape[1]}${l.reshaped ? ` (reshaped ${l.tensorShape.join('×')})` : ''}`, fmt(l.Q) + (l.mp.aspect === 'fit' ? ` (fit ${fmt(l.mp.Q)})` : ''),
    fmt(l.mp.sigma2), fmt(l.mp.lambdaPlus), fmt(l.lambdaMax), String(l.mp.outliers), `${fmt(l.mp.ks)} (${pv(l.mp.ksP)})`,
    `${fmt(l.tail.alpha)} ± ${fmt(l.tail.sigma)} ${interval(l.tail.interval)}`, `${fmt(l.tail.xmin)} (${l.tail.nTail})`, `${fmt(l.tail.ks)} (${pv(l.tail.ksP)})`,
    `${lrCell(l.tail.lr[0])}; ${lrCell(l.tail.lr[1])}`, flagText(l.tail.flags),
  ])], false, { maxWidth: process.stdout.isTTY && process.stdout.columns ? process.stdout.columns : 240 }));
  const notes = [...new Set(r.layers.flatMap((l) => l.tail.flags))];
  if (notes.length) out.push(`flags: ${notes.map((f) => `${SHORT[f]} — ${FLAG_TEXT[f]}`).join('; ')}`);
  if (r.skipped.length) out.push(`skipped: ${r.skipped.map((s) => `${s.name} [${s.shape.join('×')}] (${s.why})`).join(', ')}`);
  out.push('');
  out.push(`(${r.seconds.toFixed(1)} s, seed ${r.options.seed})`);
  return out.join('\n') + '\n';
}

export function register(program: Command): void {
  program.command('spectra')
    .description('Heavy-tailed weight spectra of a saved model: per-layer Marchenko–Pastur fit (σ², λ₊, outliers) and power-law tail α (Clauset MLE, bootstrap interval, KS and LR tests)')
    .requiredOption('--model <ckpt.json|model.onnx>', 'checkpoint manifest (lmech-checkpoint v1 MLP or v2 any nn model; weights file beside it), or an ONNX model (.onnx)')
    .option('--weights <file.safetensors>', 'ONNX only: parameter values by name')
    .option('--in-shape <dims>', 'ONNX only: input shape without the batch axis when the file has no static one')
    .option('--layer <name...>', 'only these weight matrices (by parameter name; default all of rank ≥ 2)')
    .option('--min-tail <n>', 'least power-law tail size', String(defaultSpectraOptions.minTail))
    .option('--bootstrap <n>', 'bootstrap resamples for the α interval', String(defaultSpectraOptions.bootstrap))
    .option('--goodness <n>', 'synthetic sets for the power-law KS p-value', String(defaultSpectraOptions.goodnessBootstrap))
    .option('--mp-bootstrap <n>', 'Wishart replicates for the MP KS p-value', String(defaultSpectraOptions.mpBootstrap))
    .option('--aspect <shape|fit>', 'MP aspect ratio: Q = N/M from the shape, or fitted to the bulk', defaultSpectraOptions.aspect)
    .option('--seed <n>', 'random seed for the bootstraps', String(defaultSpectraOptions.seed))
    .option('--backend <name>', 'native | wasm | reference (default: native when OpenBLAS loads, else wasm)')
    .option('--json', 'print one JSON object')
    .action(async (raw: Record<string, unknown>) => {
      const o = parseSpectraOptions(raw);
      const src = parseModelSource(raw);
      await selectBackend(raw.backend === undefined ? undefined : String(raw.backend));
      const { ck, kind } = loadAnalysisModel(src);
      const log = raw.json ? () => {} : (m: string) => { if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${m}`); };
      const report = spectraReport(ck, o, kind, log);
      if (!raw.json && process.stderr.isTTY) process.stderr.write('\r\x1b[K');
      process.stdout.write(raw.json ? JSON.stringify(report) + '\n' : formatSpectraReport(report, String(raw.model)));
    });
}
