/**
 * `lmech hessian --model ckpt.json --data data.json [--top-k 5] [--trace] [--density] [--per-layer] [--json]`
 *
 * Hessian estimators (src/observables/hessian.ts) for a saved checkpoint of any nn model — MLP, CNN,
 * residual MLP, transformer (src/io/checkpoint.ts, versions 1 and 2) — on a data set, all from exact
 * Hessian-vector products in f64:
 *   - top-k eigenvalues by Lanczos (always), the GD stability limit 2/λ_max, and for MSE the
 *     Gauss–Newton top eigenvalue λ_max(G) = λ_max(NTK)/n with the NTK's max stable step
 *     2n/λ_max(NTK); --power cross-checks λ_max by power iteration;
 *   - --trace: Hutchinson trace with its standard error (stops at --trace-tol relative SE);
 *   - --density: SLQ spectral density with Gaussian broadening;
 *   - --per-layer: the same per parameter block (W1, b1, W2, …), from the block Hessians H_bb.
 *   - --eigenvectors out.npy: the top-k eigenvectors as a k×P float64 .npy (parameters flattened
 *     in the model's order, see the report's `parameterNames`).
 * `--model file.onnx` imports an ONNX model (src/io/onnx.ts; weights inside it or from
 * `--weights file.safetensors`) with the loss given by `--loss`.
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { Tensor } from '../../engine/tensor.js';
import { astype, reshape } from '../../engine/ops.js';
import { supervisedLoss } from '../../training/problem.js';
import { flatLoss, flatten } from '../../engine/params.js';
import { Rng } from '../../engine/rng.js';
import { selectBackend } from '../backend.js';
import { withInfo, type ModelSpec } from '../../nn/model.js';
import { buildModel } from '../../models/registry.js';
import { type LossKind, type ModelCheckpoint, type ModelDataset, loadModelCheckpoint, loadModelDataset } from '../../io/checkpoint.js';
import { loadOnnxModel } from '../../io/onnx.js';
import { toNpy } from '../../io/npy.js';
import { mat } from '../../engine/linalg/index.js';
import {
  type DensityResult, type TraceResult, gaussNewtonOperator, hutchinsonTrace, hutchinsonTracePerBlock, paramBlocks,
  powerIteration, slqDensity, slqDensityPerBlock, topHessianEigen, topHessianEigenPerBlock,
} from '../../observables/hessian.js';
import { table } from '../../reports/table.js';
import { fmt } from '../../experiments/verdict.js';
import { ConfigError } from '../../experiments/config.js';
import { estimate, guardMemory, parseMemoryLimit } from '../../io/resources.js';

export interface HessianOptions {
  topK: number;
  trace: boolean;
  density: boolean;
  perLayer: boolean;
  power: boolean;
  tol: number;
  /** Most Lanczos steps per eigen-solve (0: topHessianEigen's default, max(200, 10k)). */
  maxIter: number;
  traceTol: number;
  maxProbes: number;
  densityProbes: number;
  densitySteps: number;
  gridSize: number;
  seed: number;
}

export const defaultHessianOptions: HessianOptions = {
  topK: 5, trace: false, density: false, perLayer: false, power: false, tol: 1e-6, maxIter: 0, traceTol: 0.01,
  maxProbes: 1000, densityProbes: 10, densitySteps: 60, gridSize: 200, seed: 0,
};

function int(flag: string, v: unknown, min: number, max: number): number {
  const x = typeof v === 'number' ? v : Number(v);
  if (!Number.isInteger(x) || x < min || x > max) throw new ConfigError(`${flag}: must be an integer in [${min}, ${max}] (got ${JSON.stringify(v)})`);
  return x;
}

function num(flag: string, v: unknown, lo: number, hi: number): number {
  const x = typeof v === 'number' ? v : Number(v);
  if (!Number.isFinite(x) || x <= lo || x > hi) throw new ConfigError(`${flag}: must be a number in (${lo}, ${hi}] (got ${JSON.stringify(v)})`);
  return x;
}

/** Validate raw commander options; errors name the flag. */
export function parseHessianOptions(raw: Record<string, unknown>): HessianOptions {
  const d = defaultHessianOptions;
  return {
    topK: int('--top-k', raw.topK ?? d.topK, 1, 1000),
    trace: Boolean(raw.trace),
    density: Boolean(raw.density),
    perLayer: Boolean(raw.perLayer),
    power: Boolean(raw.power),
    tol: num('--tol', raw.tol ?? d.tol, 0, 0.5),
    maxIter: int('--max-iter', raw.maxIter ?? d.maxIter, 0, 1_000_000),
    traceTol: num('--trace-tol', raw.traceTol ?? d.traceTol, 0, 1),
    maxProbes: int('--max-probes', raw.maxProbes ?? d.maxProbes, 2, 1_000_000),
    densityProbes: int('--density-probes', raw.densityProbes ?? d.densityProbes, 1, 10_000),
    densitySteps: int('--density-steps', raw.densitySteps ?? d.densitySteps, 1, 10_000),
    gridSize: int('--grid', raw.grid ?? d.gridSize, 2, 100_000),
    seed: int('--seed', raw.seed ?? d.seed, 0, 2 ** 31),
  };
}

const f64 = (t: Tensor) => new Tensor(Float64Array.from(t.data), t.shape);

interface DensityJson {
  sigma: number; lambdaMin: number; lambdaMax: number; probes: number; steps: number; slqTrace: number;
  grid: number[]; density: number[];
}

const densityJson = (r: DensityResult): DensityJson => ({
  sigma: r.sigma, lambdaMin: r.lambdaMin, lambdaMax: r.lambdaMax, probes: r.rules.length, steps: Math.max(...r.rules.map((q) => q.nodes.length)),
  slqTrace: r.trace, grid: Array.from(r.grid), density: Array.from(r.density),
});

const traceJson = (t: TraceResult) => ({ value: t.value, stderr: t.stderr, probes: t.probes, converged: t.converged });

export interface HessianReport {
  /** kind: the model family ('mlp', 'cnn', 'transformer', 'layers', …); widths/activation for MLPs. */
  model: { kind: string; widths?: number[]; activation?: string; inShape: number[]; outShape: number[]; parameters: number; dtype: string; loss: string };
  data: { examples: number; inputs: number; outputs: number; input: 'features' | 'tokens' };
  lossValue: number;
  gradNorm: number;
  top: { values: number[]; residuals: number[]; hvps: number; converged: boolean };
  sharpness: number;
  gdMaxStableLr: number;
  power?: { value: number; residual: number; hvps: number; converged: boolean };
  gaussNewton?: { lambdaMax: number; ntkLambdaMax: number; ntkMaxStableLr: number; hvps: number };
  trace?: ReturnType<typeof traceJson> & { relTol: number };
  density?: DensityJson;
  perLayer?: {
    name: string; shape: number[]; parameters: number;
    top: { values: number[]; residuals: number[]; hvps: number; converged: boolean };
    trace?: ReturnType<typeof traceJson>;
    density?: DensityJson;
  }[];
  /** Flat-θ layout of the parameters (when requested: --eigenvectors, ONNX models). */
  parameterLayout?: ParameterLayoutEntry[];
  seed: number;
  seconds: number;
}

/**
 * The largest Krylov basis the requested estimators keep (P-vectors, f64): Lanczos for the top
 * k (at most max(200, 10k) steps, as topHessianEigen), SLQ's steps per probe.
 */
export function hessianMemory(P: number, o: HessianOptions): number {
  const steps = Math.max(Math.max(200, 10 * o.topK), o.density ? o.densitySteps : 0);
  return estimate.lanczos(P, steps);
}

// ---------------------------------------------------------------------------------------
// The model to analyse: an lmech checkpoint, or an ONNX file (+ safetensors weights).

/** A loaded model for the analysis commands; `kind` overrides the report's model kind ('onnx'). */
export interface AnalysisModel {
  ck: ModelCheckpoint;
  kind?: string;
  /** ONNX models: the ONNX tensor each parameter came from, and whether it was transposed. */
  origins?: { tensor: string; transposed: boolean }[];
}

/** Where each parameter block sits in the flat vector θ (the eigenvectors' columns). */
export interface ParameterLayoutEntry { name: string; shape: number[]; offset: number; size: number; tensor?: string; transposed?: boolean }

export function parameterLayout(ck: Pick<ModelCheckpoint, 'params' | 'names'>, origins?: AnalysisModel['origins']): ParameterLayoutEntry[] {
  let offset = 0;
  return ck.params.map((t, i) => {
    const e: ParameterLayoutEntry = { name: ck.names[i] ?? String(i), shape: t.shape.slice(), offset, size: t.size, ...(origins?.[i] ? origins[i] : {}) };
    offset += t.size;
    return e;
  });
}

export interface ModelSourceOptions { model: string; weights?: string; loss?: LossKind; inShape?: number[] }

/** Validate --model/--weights/--loss/--in-shape; errors name the flag. */
export function parseModelSource(raw: Record<string, unknown>): ModelSourceOptions {
  const model = String(raw.model);
  const onnx = model.toLowerCase().endsWith('.onnx');
  if (!onnx) {
    for (const f of ['weights', 'loss', 'inShape'] as const) {
      if (raw[f] !== undefined) throw new ConfigError(`--${f === 'inShape' ? 'in-shape' : f}: only for an ONNX --model (a .onnx file); a checkpoint states its own ${f === 'loss' ? 'loss' : f === 'weights' ? 'weights file' : 'input shape'}`);
    }
    return { model };
  }
  const loss = raw.loss ?? 'mse';
  if (loss !== 'mse' && loss !== 'cross-entropy') throw new ConfigError(`--loss: must be "mse" or "cross-entropy" (got ${JSON.stringify(raw.loss)})`);
  let inShape: number[] | undefined;
  if (raw.inShape !== undefined) {
    inShape = String(raw.inShape).split(/[,x×]/).map((d) => Number(d.trim()));
    if (inShape.length === 0 || !inShape.every((d) => Number.isInteger(d) && d > 0)) throw new ConfigError(`--in-shape: must be positive integers separated by commas, without the batch axis, e.g. 1,28,28 (got ${JSON.stringify(raw.inShape)})`);
  }
  return { model, loss, ...(raw.weights !== undefined ? { weights: String(raw.weights) } : {}), ...(inShape ? { inShape } : {}) };
}

/** Load the model named by parseModelSource's options (ONNX models are built in f64, input 'features'). */
export function loadAnalysisModel(src: ModelSourceOptions): AnalysisModel {
  if (!src.model.toLowerCase().endsWith('.onnx')) return { ck: loadModelCheckpoint(src.model) };
  const m = loadOnnxModel(src.model, { weights: src.weights, inShape: src.inShape, dtype: 'f64' });
  const last = m.layers[m.layers.length - 1];
  if (src.loss === 'cross-entropy' && last.layer === 'onnxSoftmax' && last.op === 'Softmax') {
    throw new ConfigError(`--loss cross-entropy: takes logits, but ${src.model} ends in a Softmax (node "${last.nodes[0]}"); export the model without its final softmax, or use --loss mse`);
  }
  return {
    ck: { model: m.model, input: 'features', loss: src.loss ?? 'mse', dtype: 'f64', params: m.params, names: m.names },
    kind: 'onnx', origins: m.origins.map((o) => ({ tensor: o.tensor, transposed: o.transposed })),
  };
}

/** Bytes of a k×P float64 .npy holding the eigenvectors as rows. */
export function eigenvectorsNpy(vectors: readonly Float64Array[]): Uint8Array {
  const k = vectors.length, P = k ? vectors[0].length : 0;
  const data = new Float64Array(k * P);
  vectors.forEach((v, i) => data.set(v, i * P));
  return toNpy(mat(k, P, data));
}

/** Optional extras of hessianReport: the model kind to report, and a sink for the top eigenvectors. */
export interface HessianHooks {
  kind?: string;
  /** Add the flat-θ layout (with these ONNX origins) to the report. */
  layout?: { origins?: AnalysisModel['origins'] };
  eigenvectors?: (vectors: Float64Array[], values: Float64Array) => void;
}

/** Compute every requested estimator for a checkpoint on a data set. */
export function hessianReport(ck: ModelCheckpoint, data: ModelDataset, o: HessianOptions, log: (msg: string) => void = () => {}, hooks: HessianHooks = {}): HessianReport {
  const t0 = performance.now();
  const params = ck.params.map(f64);
  const n = data.n;
  // Everything in f64: the model is rebuilt in f64 with the same parameter table.
  const net = ck.model.dtype === 'f64' ? ck.model : withInfo(buildModel({ ...ck.model.spec, dtype: 'f64' } as ModelSpec), ck.model.info);
  const X = data.X.dtype === 'i32' ? data.X : astype(data.X, 'f64');
  const Y = data.Y.dtype === 'i32' ? data.Y : astype(data.Y, 'f64');
  const forward = (ps: Tensor[]) => net.apply(ps, X);
  const flatOut = (t: Tensor) => reshape(t, [n, t.size / n]);
  const f = (...ps: Tensor[]) => supervisedLoss(ck.loss, forward(ps), Y);
  const fl = flatLoss(f, params);
  const theta = flatten(params);
  const P = theta.length;
  const hvp = (v: Float64Array) => fl.hvp(theta, v);
  const rng = new Rng(o.seed);
  const { value: lossValue, grad } = fl.valueAndGrad(theta);
  const gradNorm = Math.sqrt(grad.reduce((s, x) => s + x * x, 0));

  log(`top-${o.topK} eigenvalues (Lanczos)…`);
  const iters = o.maxIter > 0 ? { maxIter: o.maxIter } : {};
  const top = topHessianEigen(hvp, P, { k: o.topK, tol: o.tol, ...iters, rng: rng.split('lanczos') });
  const sharpness = top.values[0];
  hooks.eigenvectors?.(top.vectors, Float64Array.from(top.values));
  const report: HessianReport = {
    model: {
      kind: hooks.kind ?? (ck.spec ? 'mlp' : String(ck.model.spec.family)),
      ...(ck.spec ? { widths: ck.spec.widths, activation: ck.spec.activation } : {}),
      inShape: net.inShape, outShape: net.outShape, parameters: P, dtype: ck.dtype, loss: ck.loss,
    },
    data: { examples: n, inputs: net.inShape.reduce((a, b) => a * b, 1), outputs: net.outShape.reduce((a, b) => a * b, 1), input: ck.input },
    lossValue, gradNorm,
    top: { values: Array.from(top.values), residuals: Array.from(top.residuals), hvps: top.hvps, converged: top.converged },
    sharpness,
    gdMaxStableLr: sharpness > 0 ? 2 / sharpness : Infinity,
    ...(hooks.layout ? { parameterLayout: parameterLayout(ck, hooks.layout.origins) } : {}),
    seed: o.seed,
    seconds: 0,
  };
  if (o.power) {
    log('power iteration…');
    const p = powerIteration(hvp, P, { tol: Math.max(o.tol, 1e-8), maxIter: 5000, rng: rng.split('power') });
    report.power = { value: p.value, residual: p.residual, hvps: p.hvps, converged: p.converged };
  }
  if (ck.loss === 'mse') {
    log('Gauss–Newton / NTK top eigenvalue…');
    const G = gaussNewtonOperator((ps) => flatOut(forward(ps)), params, n);
    const g = topHessianEigen(G, P, { k: 1, tol: o.tol, rng: rng.split('gn') });
    const lg = g.values[0];
    report.gaussNewton = { lambdaMax: lg, ntkLambdaMax: n * lg, ntkMaxStableLr: lg > 0 ? 2 / lg : Infinity, hvps: g.hvps };
  }
  const blocks = paramBlocks(params, ck.names);
  const traceOpts = { relTol: o.traceTol, maxProbes: o.maxProbes, rng: rng.split('trace') };
  let perBlockTrace: ReturnType<typeof hutchinsonTracePerBlock> | undefined;
  if (o.trace) {
    log('Hutchinson trace…');
    if (o.perLayer) {
      perBlockTrace = hutchinsonTracePerBlock(hvp, P, blocks, traceOpts);
      report.trace = { ...traceJson(perBlockTrace.total), relTol: o.traceTol };
    } else {
      report.trace = { ...traceJson(hutchinsonTrace(hvp, P, traceOpts)), relTol: o.traceTol };
    }
  }
  const densityOpts = { probes: o.densityProbes, steps: o.densitySteps, gridSize: o.gridSize };
  if (o.density) {
    log('SLQ density…');
    report.density = densityJson(slqDensity(hvp, P, { ...densityOpts, rng: rng.split('slq') }));
  }
  if (o.perLayer) {
    log('per-layer block Hessians…');
    // One Lanczos per block, each stopped at its own tolerance (or its step cap, then flagged).
    const tops = topHessianEigenPerBlock(hvp, P, blocks, { k: o.topK, tol: o.tol, ...iters, rng: rng.split('block-lanczos') });
    const dens = o.density ? slqDensityPerBlock(hvp, P, blocks, { ...densityOpts, rng: rng.split('block-slq') }) : undefined;
    report.perLayer = blocks.map((b, i) => ({
      name: b.name, shape: b.shape ?? [b.size], parameters: b.size,
      top: { values: Array.from(tops[i].result.values), residuals: Array.from(tops[i].result.residuals), hvps: tops[i].result.hvps, converged: tops[i].result.converged },
      ...(perBlockTrace ? { trace: traceJson(perBlockTrace.blocks[i].result) } : {}),
      ...(dens ? { density: densityJson(dens[i].result) } : {}),
    }));
  }
  report.seconds = (performance.now() - t0) / 1000;
  return report;
}

/** A coarse text histogram of a density: mass in `bins` equal intervals of the grid. */
function densityBars(d: DensityJson, bins = 12): string {
  const g = d.grid, y = d.density;
  const lo = g[0], hi = g[g.length - 1];
  const mass = new Array<number>(bins).fill(0);
  for (let i = 1; i < g.length; i++) {
    const mid = 0.5 * (g[i] + g[i - 1]);
    const b = Math.min(bins - 1, Math.floor(((mid - lo) / (hi - lo)) * bins));
    mass[b] += 0.5 * (y[i] + y[i - 1]) * (g[i] - g[i - 1]);
  }
  const width = 40;
  return mass.map((m, b) => {
    const a = lo + ((hi - lo) * b) / bins, c = lo + ((hi - lo) * (b + 1)) / bins;
    return `  [${fmt(a).padStart(9)}, ${fmt(c).padStart(9)})  ${'█'.repeat(Math.round(m * width))} ${fmt(m)}`;
  }).join('\n');
}

const pm = (v: number, se: number) => `${fmt(v)} ± ${fmt(se)}`;

export function formatHessianReport(r: HessianReport, paths: { model: string; data: string }): string {
  const out: string[] = [];
  const arch = r.model.widths ? `MLP [${r.model.widths.join(', ')}] ${r.model.activation}` : `${r.model.kind} [${r.model.inShape.join('×')}] → [${r.model.outShape.join('×')}]`;
  out.push(`model ${paths.model}: ${arch}, ${r.model.parameters} parameters (${r.model.dtype}), loss ${r.model.loss === 'mse' ? 'MSE (1/2n)Σ‖f − y‖²' : 'cross-entropy'}`);
  out.push(`data  ${paths.data}: ${r.data.examples} examples, ${r.data.input === 'tokens' ? `${r.data.inputs} tokens each` : `${r.data.inputs} inputs, ${r.data.outputs} outputs`}`);
  out.push(`loss ${fmt(r.lossValue)}, ‖∇L‖ ${fmt(r.gradNorm)}`);
  out.push('');
  out.push(`top-${r.top.values.length} Hessian eigenvalues (Lanczos, ${r.top.hvps} HVPs${r.top.converged ? '' : ', NOT converged'}):`);
  out.push(table([['#', 'eigenvalue', 'residual ‖Hy − λy‖'], ...r.top.values.map((v, i) => [String(i + 1), fmt(v), fmt(r.top.residuals[i])])]));
  out.push('');
  out.push(`sharpness λ_max = ${fmt(r.sharpness)}  →  GD max stable learning rate 2/λ_max = ${fmt(r.gdMaxStableLr)}`);
  if (r.power) out.push(`power iteration (largest |λ|): ${fmt(r.power.value)} (residual ${fmt(r.power.residual)}, ${r.power.hvps} HVPs${r.power.converged ? '' : ', NOT converged'})`);
  if (r.gaussNewton) {
    out.push(`Gauss–Newton λ_max(G) = λ_max(NTK)/n = ${fmt(r.gaussNewton.lambdaMax)}  (λ_max(NTK) = ${fmt(r.gaussNewton.ntkLambdaMax)})`);
    out.push(`NTK max stable learning rate 2n/λ_max(NTK) = ${fmt(r.gaussNewton.ntkMaxStableLr)}  vs  2/λ_max(H) = ${fmt(r.gdMaxStableLr)}`);
  }
  if (r.trace) out.push(`trace (Hutchinson, ${r.trace.probes} Rademacher probes${r.trace.converged ? '' : `, SE target ${fmt(r.trace.relTol)}·|tr| NOT reached`}): ${pm(r.trace.value, r.trace.stderr)}`);
  if (r.density) {
    out.push('');
    out.push(`spectral density (SLQ: ${r.density.probes} probes × ${r.density.steps} Lanczos steps, Gaussian σ = ${fmt(r.density.sigma)}; Ritz range [${fmt(r.density.lambdaMin)}, ${fmt(r.density.lambdaMax)}]; SLQ trace ${fmt(r.density.slqTrace)}), mass per interval:`);
    out.push(densityBars(r.density));
  }
  if (r.perLayer) {
    out.push('');
    out.push('per layer (block Hessians H_bb):');
    const head = ['block', 'shape', 'params', 'λ_max(H_bb)', `top-${r.top.values.length}`, 'Lanczos'];
    if (r.trace) head.push('tr(H_bb) ± SE');
    if (r.density) head.push('Ritz range');
    out.push(table([head, ...r.perLayer.map((b) => {
      const row = [b.name, `[${b.shape.join('×')}]`, String(b.parameters), fmt(b.top.values[0]), b.top.values.map(fmt).join(', '),
        `${b.top.hvps} HVPs${b.top.converged ? '' : `, NOT converged (residual ${fmt(Math.max(...b.top.residuals))})`}`];
      if (r.trace) row.push(b.trace ? `${pm(b.trace.value, b.trace.stderr)}${b.trace.converged ? '' : ' (SE target NOT reached)'}` : '');
      if (r.density) row.push(b.density ? `[${fmt(b.density.lambdaMin)}, ${fmt(b.density.lambdaMax)}]` : '');
      return row;
    })]));
    const open = r.perLayer.filter((b) => !b.top.converged || (b.trace && !b.trace.converged)).map((b) => b.name);
    if (open.length) out.push(`blocks not converged to their tolerance: ${open.join(', ')} (raise --max-iter / --max-probes, or loosen --tol / --trace-tol)`);
  }
  out.push('');
  out.push(`(${r.seconds.toFixed(1)} s, seed ${r.seed})`);
  return out.join('\n') + '\n';
}

export function register(program: Command): void {
  program.command('hessian')
    .description('Hessian spectrum of a saved model on a data set: top-k eigenvalues (Lanczos), trace (Hutchinson), density (SLQ), per layer')
    .requiredOption('--model <ckpt.json|model.onnx>', 'checkpoint manifest (lmech-checkpoint v1 MLP or v2 any nn model; weights file beside it), or an ONNX model (.onnx)')
    .option('--weights <file.safetensors>', 'ONNX only: parameter values by name (a PyTorch state_dict saved as safetensors)')
    .option('--loss <kind>', 'ONNX only: mse (1/2n)Σ‖f − y‖² or cross-entropy (on logits); default mse')
    .option('--in-shape <dims>', 'ONNX only: input shape without the batch axis (e.g. 1,28,28) when the file has no static one')
    .option('--eigenvectors <out.npy>', 'write the top-k eigenvectors as a k×P float64 .npy (rows; parameters in the model\'s order)')
    .requiredOption('--data <data.json>', 'data file {"x": number[][], "y": number[][] | number[]} (token models: rows of ids)')
    .option('--top-k <k>', 'number of top eigenvalues', String(defaultHessianOptions.topK))
    .option('--trace', 'Hutchinson trace estimate with its standard error')
    .option('--density', 'spectral density by stochastic Lanczos quadrature')
    .option('--per-layer', 'also per parameter block (W1, b1, … or the model\'s parameter names)')
    .option('--power', 'cross-check λ_max by power iteration')
    .option('--tol <x>', 'Lanczos relative residual tolerance', String(defaultHessianOptions.tol))
    .option('--max-iter <n>', 'most Lanczos steps per eigen-solve, per block with --per-layer (0: max(200, 10·k))', String(defaultHessianOptions.maxIter))
    .option('--trace-tol <x>', 'stop Hutchinson when SE ≤ x·|trace|', String(defaultHessianOptions.traceTol))
    .option('--max-probes <n>', 'most Hutchinson probes', String(defaultHessianOptions.maxProbes))
    .option('--density-probes <n>', 'SLQ probe vectors', String(defaultHessianOptions.densityProbes))
    .option('--density-steps <n>', 'Lanczos steps per SLQ probe', String(defaultHessianOptions.densitySteps))
    .option('--grid <n>', 'density grid points', String(defaultHessianOptions.gridSize))
    .option('--seed <n>', 'random seed for the probes', String(defaultHessianOptions.seed))
    .option('--backend <name>', 'native | wasm | reference (default: native when OpenBLAS loads, else wasm)')
    .option('--json', 'print one JSON object')
    .option('--max-memory <size>', 'refuse models whose estimators need more memory than this (e.g. 8G; default half the free memory)')
    .action(async (raw: Record<string, unknown>) => {
      const o = parseHessianOptions(raw);
      const src = parseModelSource(raw);
      await selectBackend(raw.backend === undefined ? undefined : String(raw.backend));
      const { ck, kind, origins } = loadAnalysisModel(src);
      const data = loadModelDataset(String(raw.data), ck);
      const P = ck.params.reduce((s, t) => s + t.size, 0);
      guardMemory({
        what: `the Lanczos basis for ${P} parameters`, flag: `--model ${String(raw.model)}`,
        bytes: hessianMemory(P, o), hint: 'use a smaller --top-k / --density-steps',
      }, parseMemoryLimit(raw.maxMemory as string | undefined), '--max-memory', raw.maxMemory !== undefined);
      const log = raw.json ? () => {} : (m: string) => { if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${m}`); };
      let vectors: Float64Array[] | undefined;
      const report = hessianReport(ck, data, o, log, {
        kind, ...(kind || raw.eigenvectors !== undefined ? { layout: { origins } } : {}),
        eigenvectors: raw.eigenvectors === undefined ? undefined : (v) => { vectors = v; },
      });
      if (vectors) {
        try {
          writeFileSync(String(raw.eigenvectors), eigenvectorsNpy(vectors));
        } catch (e) {
          throw new ConfigError(`--eigenvectors: cannot write ${String(raw.eigenvectors)} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
        }
      }
      if (!raw.json && process.stderr.isTTY) process.stderr.write('\r\x1b[K');
      process.stdout.write(raw.json ? JSON.stringify(report) + '\n' : formatHessianReport(report, { model: String(raw.model), data: String(raw.data) }));
    });
}
