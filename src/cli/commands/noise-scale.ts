/**
 * `lmech noise-scale --model ckpt.json --data data.json [--examples N] [--two-batch 4,32] [--draws 200] [--curvature] [--json]`
 *
 * The gradient noise scale of McCandlish et al. 2018 (src/observables/noise-scale.ts) for a saved
 * model (any lmech checkpoint, or ONNX as in `lmech hessian`) on a data set, in f64:
 *   - per-example: B_simple = tr Σ/|G|² from the per-example gradients of all n examples
 *     (population mode: the data set's exact G and Σ), or of --examples N drawn without
 *     replacement (sample mode, bias-corrected), with a jackknife standard error;
 *   - two-batch (App. A.1): --draws pairs of batches of (B_small, B_big) drawn with replacement;
 *   - --curvature: B_noise = tr(HΣ)/GᵀHG and ε_max = |G|²/GᵀHG, from one Hessian-vector product
 *     of the full-data loss per example used.
 * Also the critical-batch-size reading: below B ≈ B_simple, doubling the batch halves the steps.
 */
import type { Command } from 'commander';
import { Tensor, tensor } from '../../engine/tensor.js';
import { astype, gather } from '../../engine/ops.js';
import { flatLoss, flatten } from '../../engine/params.js';
import { Rng } from '../../engine/rng.js';
import { withInfo, type ModelSpec } from '../../nn/model.js';
import { buildModel } from '../../models/registry.js';
import { supervisedLoss } from '../../training/problem.js';
import type { ModelCheckpoint, ModelDataset } from '../../io/checkpoint.js';
import { loadModelDataset } from '../../io/checkpoint.js';
import {
  curvatureNoiseScale, minibatchObjective, noiseScaleFromGradients, perExampleGradients, twoBatchNoiseScale,
  type CurvatureNoiseScale, type NoiseScaleEstimate, type TwoBatchEstimate,
} from '../../observables/noise-scale.js';
import { ConfigError } from '../../experiments/config.js';
import { fmt } from '../../experiments/verdict.js';
import { selectBackend } from '../backend.js';
import { loadAnalysisModel, parseModelSource } from './hessian.js';

export interface NoiseScaleOptions {
  /** Examples for the per-example estimate (0: all n, population mode). */
  examples: number;
  twoBatch: [number, number];
  draws: number;
  curvature: boolean;
  seed: number;
}

export const defaultNoiseScaleOptions: NoiseScaleOptions = { examples: 0, twoBatch: [4, 32], draws: 200, curvature: false, seed: 0 };

function int(flag: string, v: unknown, min: number, max: number): number {
  const x = typeof v === 'number' ? v : Number(v);
  if (!Number.isInteger(x) || x < min || x > max) throw new ConfigError(`${flag}: must be an integer in [${min}, ${max}] (got ${JSON.stringify(v)})`);
  return x;
}

/** Validate raw commander options; errors name the flag. */
export function parseNoiseScaleOptions(raw: Record<string, unknown>): NoiseScaleOptions {
  const d = defaultNoiseScaleOptions;
  let twoBatch = d.twoBatch;
  if (raw.twoBatch !== undefined) {
    const parts = String(raw.twoBatch).split(',').map((s) => Number(s.trim()));
    if (parts.length !== 2 || !parts.every((b) => Number.isInteger(b) && b >= 1) || parts[0] >= parts[1]) {
      throw new ConfigError(`--two-batch: must be two integers B_small,B_big with 1 ≤ B_small < B_big (got ${JSON.stringify(raw.twoBatch)})`);
    }
    twoBatch = [parts[0], parts[1]];
  }
  return {
    examples: int('--examples', raw.examples ?? d.examples, 0, 10_000_000),
    twoBatch,
    draws: int('--draws', raw.draws ?? d.draws, 2, 1_000_000),
    curvature: Boolean(raw.curvature),
    seed: int('--seed', raw.seed ?? d.seed, 0, 2 ** 31),
  };
}

export interface NoiseScaleReport {
  model: { kind: string; parameters: number; loss: string };
  data: { examples: number };
  lossValue: number;
  gradNorm: number;
  perExample: NoiseScaleEstimate;
  twoBatch: TwoBatchEstimate & { bSmall: number; bBig: number };
  curvature?: CurvatureNoiseScale;
  seed: number;
  seconds: number;
}

/** The noise-scale estimates of a checkpoint on a data set (pure apart from the work). */
export function noiseScaleReport(ck: ModelCheckpoint, data: ModelDataset, o: NoiseScaleOptions, log: (msg: string) => void = () => {}, kind?: string): NoiseScaleReport {
  const t0 = performance.now();
  const n = data.n;
  if (o.examples > n) throw new ConfigError(`--examples: must be ≤ the data set's ${n} examples (got ${o.examples})`);
  if (o.twoBatch[1] > 100 * n) throw new ConfigError(`--two-batch: B_big ${o.twoBatch[1]} is far larger than the data set (${n} examples)`);
  const params = ck.params.map((t) => new Tensor(Float64Array.from(t.data), t.shape));
  const net = ck.model.dtype === 'f64' ? ck.model : withInfo(buildModel({ ...ck.model.spec, dtype: 'f64' } as ModelSpec), ck.model.info);
  const X = data.X.dtype === 'i32' ? data.X : astype(data.X, 'f64');
  const Y = data.Y.dtype === 'i32' ? data.Y : astype(data.Y, 'f64');
  const lossOn = (ps: Tensor[], batch: Int32Array) => {
    const ix = tensor(Int32Array.from(batch), [batch.length], 'i32');
    return supervisedLoss(ck.loss, net.apply(ps, gather(X, ix, 0)), gather(Y, ix, 0));
  };
  const obj = minibatchObjective(lossOn, params, n);
  const theta = flatten(params);
  const full = flatLoss((...ps: Tensor[]) => supervisedLoss(ck.loss, net.apply(ps, X), Y), params);
  const { value: lossValue, grad } = full.valueAndGrad(theta);
  const rng = new Rng(o.seed);
  const population = o.examples === 0 || o.examples === n;
  const indices = population ? Int32Array.from({ length: n }, (_, i) => i) : rng.split('examples').permutation(n).slice(0, o.examples);
  log(`per-example gradients (${indices.length})…`);
  const grads = perExampleGradients(obj, theta, indices);
  const mode = population ? 'population' as const : 'sample' as const;
  const perExample = noiseScaleFromGradients(grads, indices.length, { mode });
  log(`two-batch estimator (${o.draws} draws)…`);
  const tb = twoBatchNoiseScale(obj, theta, { bSmall: o.twoBatch[0], bBig: o.twoBatch[1], draws: o.draws, rng: rng.split('two-batch') });
  let curvature: CurvatureNoiseScale | undefined;
  if (o.curvature) {
    log(`B_noise (${indices.length} Hessian-vector products)…`);
    curvature = curvatureNoiseScale(grads, indices.length, (v) => full.hvp(theta, v), { mode });
  }
  return {
    model: { kind: kind ?? (ck.spec ? 'mlp' : String(ck.model.spec.family)), parameters: theta.length, loss: ck.loss },
    data: { examples: n },
    lossValue, gradNorm: Math.sqrt(grad.reduce((s, x) => s + x * x, 0)),
    perExample, twoBatch: { ...tb, bSmall: o.twoBatch[0], bBig: o.twoBatch[1] },
    ...(curvature ? { curvature } : {}),
    seed: o.seed, seconds: (performance.now() - t0) / 1000,
  };
}

const pm = (v: number, se: number) => `${fmt(v)} ± ${fmt(se)}`;

export function formatNoiseScaleReport(r: NoiseScaleReport, names: { model: string; data: string }): string {
  const pe = r.perExample;
  const out = [
    `${names.model} (${r.model.kind}, ${r.model.parameters} parameters, ${r.model.loss}) on ${names.data} (${r.data.examples} examples)`,
    `loss ${fmt(r.lossValue)}, |∇L| = ${fmt(r.gradNorm)}`,
    '',
    `per-example (${pe.examples} examples, ${pe.mode === 'population' ? 'the whole data set: exact G and Σ' : 'a sample: |G|² bias-corrected by tr Σ/n'}):`,
    `  |G|² = ${fmt(pe.gradNormSq)}   tr Σ = ${fmt(pe.traceSigma)}   B_simple = tr Σ/|G|² = ${pm(pe.bSimple, pe.bSimpleSe)} (jackknife SE)`,
    `two-batch (McCandlish App. A, B_small = ${r.twoBatch.bSmall}, B_big = ${r.twoBatch.bBig}, ${r.twoBatch.draws} draws with replacement):`,
    `  |𝒢|² = ${fmt(r.twoBatch.gradNormSq)}   𝒮 = ${fmt(r.twoBatch.traceSigma)}   B_simple = ${pm(r.twoBatch.bSimple, r.twoBatch.bSimpleSe)}`,
  ];
  if (r.curvature) {
    out.push(`curvature: tr(HΣ) = ${fmt(r.curvature.traceHSigma)}   GᵀHG = ${fmt(r.curvature.gHg)}   B_noise = ${fmt(r.curvature.bNoise)}   ε_max = |G|²/GᵀHG = ${fmt(r.curvature.epsMax)}`);
    out.push('  optimal SGD step at batch B: ε_opt(B) = ε_max/(1 + B_noise/B)');
  }
  out.push('');
  out.push(`critical batch size ≈ B_simple (McCandlish et al. 2018, order of magnitude): below it, doubling B halves the steps to a target; above it, steps barely fall`);
  out.push(`(${r.seconds.toFixed(1)} s, seed ${r.seed})`);
  return out.join('\n') + '\n';
}

export function register(program: Command): void {
  program.command('noise-scale')
    .description('Gradient noise scale B_simple = tr Σ/|G|² of a saved model on a data set (per-example and two-batch estimators; --curvature: B_noise)')
    .requiredOption('--model <ckpt.json|model.onnx>', 'checkpoint manifest (lmech-checkpoint v1/v2), or an ONNX model (.onnx)')
    .option('--weights <file.safetensors>', 'ONNX only: parameter values by name')
    .option('--loss <kind>', 'ONNX only: mse or cross-entropy (on logits); default mse')
    .option('--in-shape <dims>', 'ONNX only: input shape without the batch axis')
    .requiredOption('--data <data.json>', 'data file {"x": number[][], "y": number[][] | number[]}')
    .option('--examples <n>', 'per-example estimate on n examples drawn without replacement (0: all, exact)', String(defaultNoiseScaleOptions.examples))
    .option('--two-batch <small,big>', 'batch sizes of the two-batch estimator', defaultNoiseScaleOptions.twoBatch.join(','))
    .option('--draws <n>', 'draws of the two-batch estimator', String(defaultNoiseScaleOptions.draws))
    .option('--curvature', 'also B_noise = tr(HΣ)/GᵀHG (one HVP per example)')
    .option('--seed <n>', 'random seed for the draws', String(defaultNoiseScaleOptions.seed))
    .option('--backend <name>', 'native | wasm | reference (default: native when OpenBLAS loads, else wasm)')
    .option('--json', 'print one JSON object')
    .action(async (raw: Record<string, unknown>) => {
      const o = parseNoiseScaleOptions(raw);
      const src = parseModelSource(raw);
      await selectBackend(raw.backend === undefined ? undefined : String(raw.backend));
      const { ck, kind } = loadAnalysisModel(src);
      const data = loadModelDataset(String(raw.data), ck);
      const log = raw.json ? () => {} : (m: string) => { if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${m}`); };
      const report = noiseScaleReport(ck, data, o, log, kind);
      if (!raw.json && process.stderr.isTTY) process.stderr.write('\r\x1b[K');
      process.stdout.write(raw.json ? JSON.stringify(report) + '\n' : formatNoiseScaleReport(report, { model: String(raw.model), data: String(raw.data) }));
    });
}
