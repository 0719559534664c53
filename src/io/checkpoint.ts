/**
 * Model checkpoints and data files for `lmech hessian` (and anything else that loads a model).
 *
 * A checkpoint is two files side by side:
 *   ckpt.json  — the manifest:
 *     { "format": "lmech-checkpoint", "version": 1,
 *       "model": { "kind": "mlp", "spec": MlpSpec },          // see src/models/mlp.ts
 *       "loss": "mse" | "cross-entropy",
 *       "dtype": "f32" | "f64",
 *       "weights": "ckpt.bin",                                  // optional; default <name>.bin
 *       "tensors": [{ "name": "W1", "shape": [h, d], "offset": 0, "length": h·d }, …] }
 *   ckpt.bin   — the raw entries, little-endian IEEE floats of `dtype`. Tensor i occupies
 *     `length` elements starting at byte `offset`; entries are row-major.
 * Tensors are the MLP's parameters in mlpForward's order [W1, b1, W2, b2, …] (no b's when
 * spec.bias = false), named W1, b1, W2, …; W_l has shape [widths[l], widths[l−1]].
 *
 * Losses (the convention of the Hessian tools): 'mse' is L = (1/2n) Σ_i ‖f(x_i) − y_i‖² (the ½
 * makes its Gauss–Newton part (1/n)JᵀJ); 'cross-entropy' is the mean softmax cross-entropy.
 *
 * A data file is JSON { "x": number[][], "y": number[][] | number[] }: x has one row of
 * widths[0] inputs per example; y has one row of widths[L] targets per example, or (when it is a
 * flat array) class labels 0…k−1 for cross-entropy, or scalar targets for MSE with one output.
 *
 * Every error names the file and the field that is wrong.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { Tensor } from '../engine/tensor.js';
import { allocate, type DType } from '../engine/dtype.js';
import type { Activation, MlpSpec, Parameterization } from '../models/mlp.js';

export const CHECKPOINT_FORMAT = 'lmech-checkpoint';
export const CHECKPOINT_VERSION = 1;

export type LossKind = 'mse' | 'cross-entropy';

export interface TensorEntry {
  name: string;
  shape: number[];
  /** Byte offset in the weights file. */
  offset: number;
  /** Number of elements. */
  length: number;
}

export interface CheckpointManifest {
  format: typeof CHECKPOINT_FORMAT;
  version: 1;
  model: { kind: 'mlp'; spec: MlpSpec };
  loss: LossKind;
  dtype: DType;
  weights?: string;
  tensors: TensorEntry[];
}

export interface Checkpoint {
  spec: MlpSpec;
  loss: LossKind;
  dtype: DType;
  /** Parameters in mlpForward's order. */
  params: Tensor[];
  /** Their names (W1, b1, …). */
  names: string[];
}

export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}

const fail = (source: string, field: string, msg: string): never => {
  throw new CheckpointError(`${source}: ${field}: ${msg}`);
};

const ACTIVATIONS: Activation[] = ['relu', 'tanh', 'erf', 'linear'];
const PARAMS: Parameterization[] = ['standard', 'ntk'];
const LOSSES: LossKind[] = ['mse', 'cross-entropy'];
const bytesOf = (d: DType) => (d === 'f32' ? 4 : 8);

/** Names and shapes of an MLP's parameter tensors, in mlpForward's order. */
export function mlpTensorLayout(spec: MlpSpec): { name: string; shape: number[] }[] {
  const out: { name: string; shape: number[] }[] = [];
  for (let l = 1; l < spec.widths.length; l++) {
    out.push({ name: `W${l}`, shape: [spec.widths[l], spec.widths[l - 1]] });
    if (spec.bias ?? true) out.push({ name: `b${l}`, shape: [spec.widths[l]] });
  }
  return out;
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Validate an MlpSpec read from JSON. */
export function validateMlpSpec(raw: unknown, source: string, field = 'model.spec'): MlpSpec {
  if (!isObject(raw)) fail(source, field, 'must be an object');
  const s = raw as Record<string, unknown>;
  const w = s.widths;
  if (!Array.isArray(w) || w.length < 2) fail(source, `${field}.widths`, `must be an array of at least 2 layer widths (got ${JSON.stringify(w)})`);
  (w as unknown[]).forEach((x, i) => {
    if (!Number.isInteger(x) || (x as number) < 1) fail(source, `${field}.widths[${i}]`, `must be a positive integer (got ${JSON.stringify(x)})`);
  });
  if (!ACTIVATIONS.includes(s.activation as Activation)) fail(source, `${field}.activation`, `must be one of ${ACTIVATIONS.map((a) => JSON.stringify(a)).join(', ')} (got ${JSON.stringify(s.activation)})`);
  const spec: MlpSpec = { widths: (w as number[]).slice(), activation: s.activation as Activation };
  if (s.bias !== undefined) {
    if (typeof s.bias !== 'boolean') fail(source, `${field}.bias`, `must be true or false (got ${JSON.stringify(s.bias)})`);
    spec.bias = s.bias as boolean;
  }
  if (s.parameterization !== undefined) {
    if (!PARAMS.includes(s.parameterization as Parameterization)) fail(source, `${field}.parameterization`, `must be "standard" or "ntk" (got ${JSON.stringify(s.parameterization)})`);
    spec.parameterization = s.parameterization as Parameterization;
  }
  for (const k of ['sigmaW', 'sigmaB', 'outputScale'] as const) {
    if (s[k] === undefined) continue;
    if (typeof s[k] !== 'number' || !Number.isFinite(s[k])) fail(source, `${field}.${k}`, `must be a finite number (got ${JSON.stringify(s[k])})`);
    spec[k] = s[k] as number;
  }
  const known = ['widths', 'activation', 'bias', 'parameterization', 'sigmaW', 'sigmaB', 'outputScale'];
  const extra = Object.keys(s).filter((k) => !known.includes(k));
  if (extra.length) fail(source, field, `unknown field${extra.length > 1 ? 's' : ''} ${extra.join(', ')}; allowed: ${known.join(', ')}`);
  return spec;
}

/** Validate a parsed manifest (structure, the spec, and tensor names/shapes against the spec). */
export function validateManifest(raw: unknown, source = 'checkpoint'): CheckpointManifest {
  if (!isObject(raw)) fail(source, 'manifest', 'must be a JSON object');
  const m = raw as Record<string, unknown>;
  if (m.format !== CHECKPOINT_FORMAT) fail(source, 'format', `must be "${CHECKPOINT_FORMAT}" (got ${JSON.stringify(m.format)})`);
  if (m.version !== CHECKPOINT_VERSION) fail(source, 'version', `unsupported version ${JSON.stringify(m.version)} (this build reads version ${CHECKPOINT_VERSION})`);
  if (!isObject(m.model)) fail(source, 'model', 'must be an object {kind, spec}');
  const model = m.model as Record<string, unknown>;
  if (model.kind !== 'mlp') fail(source, 'model.kind', `must be "mlp" (got ${JSON.stringify(model.kind)})`);
  const spec = validateMlpSpec(model.spec, source);
  if (!LOSSES.includes(m.loss as LossKind)) fail(source, 'loss', `must be "mse" or "cross-entropy" (got ${JSON.stringify(m.loss)})`);
  if (m.dtype !== 'f32' && m.dtype !== 'f64') fail(source, 'dtype', `must be "f32" or "f64" (got ${JSON.stringify(m.dtype)})`);
  if (m.weights !== undefined && (typeof m.weights !== 'string' || m.weights.length === 0)) fail(source, 'weights', `must be a file name (got ${JSON.stringify(m.weights)})`);
  if (!Array.isArray(m.tensors)) fail(source, 'tensors', 'must be an array of {name, shape, offset, length}');
  const layout = mlpTensorLayout(spec);
  const tensors = m.tensors as unknown[];
  if (tensors.length !== layout.length) {
    fail(source, 'tensors', `has ${tensors.length} entries, but an MLP with widths [${spec.widths.join(', ')}]${spec.bias === false ? ' and no biases' : ''} has ${layout.length} (${layout.map((l) => l.name).join(', ')})`);
  }
  const entries: TensorEntry[] = tensors.map((t, i) => {
    const f = `tensors[${i}]`;
    if (!isObject(t)) fail(source, f, 'must be an object {name, shape, offset, length}');
    const e = t as Record<string, unknown>;
    const want = layout[i];
    if (e.name !== want.name) fail(source, `${f}.name`, `expected "${want.name}" (got ${JSON.stringify(e.name)})`);
    if (!Array.isArray(e.shape) || e.shape.length !== want.shape.length || e.shape.some((x, j) => x !== want.shape[j])) {
      fail(source, `${f}.shape`, `expected [${want.shape.join(', ')}] for ${want.name} of widths [${spec.widths.join(', ')}] (got ${JSON.stringify(e.shape)})`);
    }
    const size = want.shape.reduce((a, b) => a * b, 1);
    if (e.length !== size) fail(source, `${f}.length`, `expected ${size} = product of shape (got ${JSON.stringify(e.length)})`);
    if (!Number.isInteger(e.offset) || (e.offset as number) < 0) fail(source, `${f}.offset`, `must be a non-negative integer byte offset (got ${JSON.stringify(e.offset)})`);
    if ((e.offset as number) % bytesOf(m.dtype as DType) !== 0) fail(source, `${f}.offset`, `must be a multiple of ${bytesOf(m.dtype as DType)} for ${m.dtype} (got ${e.offset})`);
    return { name: want.name, shape: want.shape.slice(), offset: e.offset as number, length: size };
  });
  return {
    format: CHECKPOINT_FORMAT, version: 1, model: { kind: 'mlp', spec }, loss: m.loss as LossKind, dtype: m.dtype as DType,
    ...(m.weights !== undefined ? { weights: m.weights as string } : {}), tensors: entries,
  };
}

/** Manifest and little-endian weight bytes for a checkpoint (pure; no files). */
export function encodeCheckpoint(ck: Checkpoint, weights?: string): { manifest: CheckpointManifest; bytes: Uint8Array } {
  const spec = validateMlpSpec(ck.spec, 'checkpoint', 'spec');
  const layout = mlpTensorLayout(spec);
  if (ck.params.length !== layout.length) throw new CheckpointError(`checkpoint: params: ${ck.params.length} tensors given, the spec needs ${layout.length} (${layout.map((l) => l.name).join(', ')})`);
  const bpe = bytesOf(ck.dtype);
  let offset = 0;
  const tensors: TensorEntry[] = layout.map((l, i) => {
    const t = ck.params[i];
    if (t.shape.length !== l.shape.length || t.shape.some((x, j) => x !== l.shape[j])) {
      throw new CheckpointError(`checkpoint: params[${i}] (${l.name}) has shape [${t.shape.join(', ')}], expected [${l.shape.join(', ')}]`);
    }
    const e = { name: l.name, shape: l.shape, offset, length: t.size };
    offset += t.size * bpe;
    return e;
  });
  const bytes = new Uint8Array(offset);
  const view = new DataView(bytes.buffer);
  tensors.forEach((e, i) => {
    const d = ck.params[i].data;
    for (let j = 0; j < e.length; j++) {
      if (ck.dtype === 'f32') view.setFloat32(e.offset + 4 * j, d[j], true);
      else view.setFloat64(e.offset + 8 * j, d[j], true);
    }
  });
  const manifest: CheckpointManifest = {
    format: CHECKPOINT_FORMAT, version: 1, model: { kind: 'mlp', spec }, loss: ck.loss, dtype: ck.dtype,
    ...(weights !== undefined ? { weights } : {}), tensors,
  };
  return { manifest, bytes };
}

/** Tensors from a manifest and the weight bytes (validates both). */
export function decodeCheckpoint(rawManifest: unknown, bytes: Uint8Array, source = 'checkpoint'): Checkpoint {
  const m = validateManifest(rawManifest, source);
  const bpe = bytesOf(m.dtype);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const params = m.tensors.map((e, i) => {
    const end = e.offset + e.length * bpe;
    if (end > bytes.byteLength) {
      fail(source, `tensors[${i}]`, `${e.name} needs bytes [${e.offset}, ${end}) but the weights file has ${bytes.byteLength} bytes`);
    }
    const data = allocate(m.dtype, e.length);
    for (let j = 0; j < e.length; j++) {
      const x = m.dtype === 'f32' ? view.getFloat32(e.offset + 4 * j, true) : view.getFloat64(e.offset + 8 * j, true);
      if (!Number.isFinite(x)) fail(source, `tensors[${i}]`, `${e.name}[${j}] is not finite (${x})`);
      data[j] = x;
    }
    return new Tensor(data, e.shape);
  });
  return { spec: m.model.spec, loss: m.loss, dtype: m.dtype, params, names: m.tensors.map((e) => e.name) };
}

/** Default weights file for a manifest path: ckpt.json → ckpt.bin. */
export function defaultWeightsName(manifestPath: string): string {
  const b = basename(manifestPath);
  const ext = extname(b);
  return `${ext ? b.slice(0, -ext.length) : b}.bin`;
}

/** Write `path` (the JSON manifest) and the weights file beside it. */
export function saveCheckpoint(path: string, ck: Checkpoint): { manifestPath: string; weightsPath: string } {
  const weights = defaultWeightsName(path);
  const { manifest, bytes } = encodeCheckpoint(ck, weights);
  const weightsPath = join(dirname(path), weights);
  writeFileSync(weightsPath, bytes);
  writeFileSync(path, JSON.stringify(manifest, null, 2) + '\n');
  return { manifestPath: path, weightsPath };
}

function readJson(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new CheckpointError(`${what} ${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CheckpointError(`${what} ${path}: not valid JSON (${(e as Error).message})`);
  }
}

/** Read a checkpoint manifest and its weights file. */
export function loadCheckpoint(path: string): Checkpoint {
  const raw = readJson(path, 'checkpoint');
  const m = validateManifest(raw, path);
  const weightsPath = join(dirname(path), m.weights ?? defaultWeightsName(path));
  let buf: Buffer;
  try {
    buf = readFileSync(weightsPath);
  } catch (e) {
    throw new CheckpointError(`${path}: weights: cannot read ${weightsPath} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return decodeCheckpoint(raw, new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), path);
}

// ---------------------------------------------------------------------------------------
// Data files.

export interface Dataset {
  /** Inputs [n, d] and targets [n, k] (one-hot rows for class labels), f64. */
  X: Tensor;
  Y: Tensor;
  n: number;
  /** Class labels when y was given as labels. */
  labels?: Int32Array;
}

/** Validate a parsed data object {x, y} against the model's widths and loss. */
export function parseDataset(raw: unknown, spec: MlpSpec, loss: LossKind, source = 'data'): Dataset {
  if (!isObject(raw)) fail(source, 'data', 'must be a JSON object {"x": number[][], "y": number[][] | number[]}');
  const r = raw as Record<string, unknown>;
  const d = spec.widths[0], k = spec.widths[spec.widths.length - 1];
  if (!Array.isArray(r.x) || r.x.length === 0) fail(source, 'x', 'must be a non-empty array of input rows');
  const xs = r.x as unknown[];
  const n = xs.length;
  const X = new Float64Array(n * d);
  xs.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== d) fail(source, `x[${i}]`, `must be an array of ${d} numbers (the model's input width; got ${Array.isArray(row) ? `${row.length} entries` : JSON.stringify(row)})`);
    (row as unknown[]).forEach((v, j) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) fail(source, `x[${i}][${j}]`, `must be a finite number (got ${JSON.stringify(v)})`);
      X[i * d + j] = v as number;
    });
  });
  if (!Array.isArray(r.y)) fail(source, 'y', 'must be an array (rows of targets, or class labels)');
  const ys = r.y as unknown[];
  if (ys.length !== n) fail(source, 'y', `has ${ys.length} entries but x has ${n} rows`);
  const Y = new Float64Array(n * k);
  let labels: Int32Array | undefined;
  if (ys.every((v) => typeof v === 'number')) {
    if (loss === 'cross-entropy') {
      labels = new Int32Array(n);
      ys.forEach((v, i) => {
        if (!Number.isInteger(v) || (v as number) < 0 || (v as number) >= k) fail(source, `y[${i}]`, `must be a class label, an integer in [0, ${k}) (got ${JSON.stringify(v)})`);
        labels![i] = v as number;
        Y[i * k + (v as number)] = 1;
      });
    } else {
      if (k !== 1) fail(source, 'y', `is a flat array, but the model has ${k} outputs: give one row of ${k} targets per example`);
      ys.forEach((v, i) => {
        if (!Number.isFinite(v)) fail(source, `y[${i}]`, `must be a finite number (got ${JSON.stringify(v)})`);
        Y[i] = v as number;
      });
    }
  } else {
    ys.forEach((row, i) => {
      if (!Array.isArray(row) || row.length !== k) fail(source, `y[${i}]`, `must be an array of ${k} numbers (the model's output width; got ${Array.isArray(row) ? `${row.length} entries` : JSON.stringify(row)})`);
      (row as unknown[]).forEach((v, j) => {
        if (typeof v !== 'number' || !Number.isFinite(v)) fail(source, `y[${i}][${j}]`, `must be a finite number (got ${JSON.stringify(v)})`);
        Y[i * k + j] = v as number;
      });
    });
  }
  return { X: new Tensor(X, [n, d]), Y: new Tensor(Y, [n, k]), n, ...(labels ? { labels } : {}) };
}

/** Read and validate a data file for a model. */
export function loadDataset(path: string, spec: MlpSpec, loss: LossKind): Dataset {
  return parseDataset(readJson(path, 'data file'), spec, loss, path);
}
