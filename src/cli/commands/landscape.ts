/**
 * `lmech landscape --model ckpt.json|model.onnx --data data.json [--directions eigen|random]
 *    [--dims 1|2] [--range r] [--points n] [--bias zero|normalize] [--out slice.csv|slice.json] [--json]`
 *
 * Loss-landscape slices (src/observables/landscape.ts) around the saved parameters θ:
 *   - eigen (default): along the top Hessian eigenvectors u₁ (and u₂), unit norm, from Lanczos on
 *     exact Hessian-vector products; the 1-D report fits a parabola and prints its curvature
 *     beside λ₁ (equal for a quadratic, close for small --range);
 *   - random: along Gaussian directions, filter-normalized as in Li et al. 2018 (each filter
 *     rescaled to its weights' norm; biases and norm parameters zeroed, or --bias normalize).
 * Writes CSV (alpha[,beta],loss) or JSON by the --out extension; prints a summary (or --json).
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { astype } from '../../engine/ops.js';
import { flatLoss, flatten } from '../../engine/params.js';
import { Rng } from '../../engine/rng.js';
import { Tensor } from '../../engine/tensor.js';
import { ConfigError } from '../../experiments/config.js';
import { fmt } from '../../experiments/verdict.js';
import { loadModelDataset } from '../../io/checkpoint.js';
import { topHessianEigen } from '../../observables/hessian.js';
import {
  type BiasMode, type LandscapeSlice, fitParabola, landscape1d, landscape2d, landscapeCsv, randomFilterNormalizedDirection, symmetricGrid,
} from '../../observables/landscape.js';
import { supervisedLoss } from '../../training/problem.js';
import { selectBackend } from '../backend.js';
import { loadAnalysisModel, parseModelSource } from './hessian.js';

export interface LandscapeOptions {
  directions: 'eigen' | 'random';
  dims: 1 | 2;
  range: number;
  points: number;
  bias: BiasMode;
  seed: number;
  tol: number;
}

export const defaultLandscapeOptions: LandscapeOptions = { directions: 'eigen', dims: 1, range: 1, points: 21, bias: 'zero', seed: 0, tol: 1e-8 };

export function parseLandscapeOptions(raw: Record<string, unknown>): LandscapeOptions {
  const d = defaultLandscapeOptions;
  const directions = raw.directions ?? d.directions;
  if (directions !== 'eigen' && directions !== 'random') throw new ConfigError(`--directions: must be "eigen" or "random" (got ${JSON.stringify(raw.directions)})`);
  const dims = Number(raw.dims ?? d.dims);
  if (dims !== 1 && dims !== 2) throw new ConfigError(`--dims: must be 1 or 2 (got ${JSON.stringify(raw.dims)})`);
  const range = Number(raw.range ?? d.range);
  if (!Number.isFinite(range) || range <= 0 || range > 1e6) throw new ConfigError(`--range: must be a number in (0, 1e6] (got ${JSON.stringify(raw.range)})`);
  const points = Number(raw.points ?? d.points);
  if (!Number.isInteger(points) || points < 3 || points > (dims === 2 ? 201 : 100_000)) throw new ConfigError(`--points: must be an integer in [3, ${dims === 2 ? 201 : 100000}] (got ${JSON.stringify(raw.points)})`);
  const bias = raw.bias ?? d.bias;
  if (bias !== 'zero' && bias !== 'normalize') throw new ConfigError(`--bias: must be "zero" or "normalize" (got ${JSON.stringify(raw.bias)})`);
  const seed = Number(raw.seed ?? d.seed);
  if (!Number.isInteger(seed) || seed < 0 || seed > 2 ** 31) throw new ConfigError(`--seed: must be an integer in [0, ${2 ** 31}] (got ${JSON.stringify(raw.seed)})`);
  const tol = Number(raw.tol ?? d.tol);
  if (!Number.isFinite(tol) || tol <= 0 || tol > 0.5) throw new ConfigError(`--tol: must be a number in (0, 0.5] (got ${JSON.stringify(raw.tol)})`);
  return { directions, dims, range, points, bias, seed, tol };
}

export interface LandscapeReport {
  model: { kind: string; parameters: number; loss: string };
  directions: 'eigen' | 'random';
  bias?: BiasMode;
  dims: 1 | 2;
  range: number;
  points: number;
  center: number;
  alphas: number[];
  betas?: number[];
  values: number[];
  /** eigen: the eigenvalues of the directions. */
  eigenvalues?: number[];
  /** 1-D: least-squares parabola c₀ + c₁α + ½κα² through the slice. */
  fit?: { c0: number; c1: number; curvature: number };
  seed: number;
}

const f64 = (t: Tensor) => new Tensor(Float64Array.from(t.data), t.shape);

export function landscapeReport(
  ck: Parameters<typeof loadModelDataset>[1] & { params: Tensor[] }, data: { X: Tensor; Y: Tensor }, o: LandscapeOptions, kind = 'model',
): { report: LandscapeReport; slice: LandscapeSlice } {
  const params = ck.params.map(f64);
  const X = data.X.dtype === 'i32' ? data.X : astype(data.X, 'f64');
  const Y = data.Y.dtype === 'i32' ? data.Y : astype(data.Y, 'f64');
  const fl = flatLoss((...ps: Tensor[]) => supervisedLoss(ck.loss, ck.model.apply(ps, X), Y), params);
  const theta = flatten(params);
  const P = theta.length;
  const rng = new Rng(o.seed);
  let dirs: Float64Array[];
  let eigenvalues: number[] | undefined;
  if (o.directions === 'eigen') {
    const top = topHessianEigen((v) => fl.hvp(theta, v), P, { k: o.dims, tol: o.tol, rng: rng.split('lanczos') });
    dirs = top.vectors.slice(0, o.dims);
    eigenvalues = Array.from(top.values).slice(0, o.dims);
  } else {
    const shapes = params.map((p) => p.shape);
    dirs = Array.from({ length: o.dims }, (_, i) => randomFilterNormalizedDirection(theta, shapes, rng.split(`direction${i + 1}`), { bias: o.bias }));
  }
  const grid = symmetricGrid(o.range, o.points);
  const loss = (t: Float64Array) => fl.value(t);
  const slice = o.dims === 1 ? landscape1d(loss, theta, dirs[0], grid) : landscape2d(loss, theta, dirs[0], dirs[1], grid, grid);
  const report: LandscapeReport = {
    model: { kind, parameters: P, loss: ck.loss }, directions: o.directions, ...(o.directions === 'random' ? { bias: o.bias } : {}),
    dims: o.dims, range: o.range, points: o.points, center: slice.center,
    alphas: Array.from(slice.alphas), ...(slice.betas ? { betas: Array.from(slice.betas) } : {}), values: Array.from(slice.values),
    ...(eigenvalues ? { eigenvalues } : {}),
    ...(o.dims === 1 ? { fit: fitParabola(slice.alphas, slice.values) } : {}),
    seed: o.seed,
  };
  return { report, slice };
}

export function register(program: Command): void {
  program.command('landscape')
    .description('Loss-landscape slices (1-D or 2-D) along the top Hessian eigenvectors or random filter-normalized directions')
    .requiredOption('--model <ckpt.json|model.onnx>', 'checkpoint manifest or ONNX model (as for lmech hessian)')
    .requiredOption('--data <data.json>', 'data file {"x": …, "y": …}')
    .option('--weights <file.safetensors>', 'ONNX only: parameter values by name')
    .option('--loss <kind>', 'ONNX only: mse or cross-entropy (default mse)')
    .option('--in-shape <dims>', 'ONNX only: input shape without the batch axis')
    .option('--directions <kind>', 'eigen (top Hessian eigenvectors, unit norm) | random (filter-normalized Gaussian, Li et al. 2018)', defaultLandscapeOptions.directions)
    .option('--dims <d>', '1 (a line) or 2 (a plane)', String(defaultLandscapeOptions.dims))
    .option('--range <r>', 'grid from −r to r along each direction', String(defaultLandscapeOptions.range))
    .option('--points <n>', 'grid points per direction', String(defaultLandscapeOptions.points))
    .option('--bias <mode>', 'random directions: zero (biases and norm parameters not moved) | normalize (each rescaled to its own norm)', defaultLandscapeOptions.bias)
    .option('--seed <n>', 'seed of the Lanczos start / random directions', String(defaultLandscapeOptions.seed))
    .option('--tol <x>', 'Lanczos tolerance for the eigen directions', String(defaultLandscapeOptions.tol))
    .option('--out <file>', 'write the slice: .csv (alpha[,beta],loss) or .json (the report)')
    .option('--backend <name>', 'native | wasm | reference')
    .option('--json', 'print the report as one JSON object')
    .action(async (raw: Record<string, unknown>) => {
      const o = parseLandscapeOptions(raw);
      const src = parseModelSource(raw);
      const out = raw.out === undefined ? undefined : String(raw.out);
      if (out !== undefined && !/\.(csv|json)$/i.test(out)) throw new ConfigError(`--out: must end in .csv or .json (got ${JSON.stringify(out)})`);
      await selectBackend(raw.backend === undefined ? undefined : String(raw.backend));
      const { ck, kind } = loadAnalysisModel(src);
      const data = loadModelDataset(String(raw.data), ck);
      const { report, slice } = landscapeReport(ck, data, o, kind ?? (ck.spec ? 'mlp' : String(ck.model.spec.family)));
      if (out) {
        try {
          writeFileSync(out, out.toLowerCase().endsWith('.csv') ? landscapeCsv(slice) : JSON.stringify(report) + '\n');
        } catch (e) {
          throw new ConfigError(`--out: cannot write ${out} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
        }
      }
      if (raw.json) { process.stdout.write(JSON.stringify(report) + '\n'); return; }
      const lines = [
        `model ${src.model}: ${report.model.kind}, ${report.model.parameters} parameters, loss ${report.model.loss}; L(θ) = ${fmt(report.center)}`,
        `${report.dims}-D slice along ${report.directions === 'eigen' ? `the top Hessian eigenvector${report.dims === 2 ? 's u₁, u₂' : ' u₁'} (λ = ${report.eigenvalues!.map(fmt).join(', ')})` : `random filter-normalized directions (biases: ${report.bias})`}, ${report.points}${report.dims === 2 ? '×' + report.points : ''} points on [−${fmt(report.range)}, ${fmt(report.range)}]`,
        `loss range on the slice: [${fmt(Math.min(...report.values))}, ${fmt(Math.max(...report.values))}]`,
      ];
      if (report.fit) lines.push(`parabola fit c₀ + c₁α + ½κα²: κ = ${fmt(report.fit.curvature)}${report.eigenvalues ? ` (λ₁ = ${fmt(report.eigenvalues[0])})` : ''}, c₁ = ${fmt(report.fit.c1)}`);
      if (out) lines.push(`wrote ${out}`);
      process.stdout.write(lines.join('\n') + '\n');
    });
}
