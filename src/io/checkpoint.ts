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
 * Version 2 holds any model built from nn layers (src/nn, src/models/registry.ts):
 *     { "format": "lmech-checkpoint", "version": 2,
 *       "model": { "spec": ModelSpec, "info": ParamInfo[] },     // buildModel(spec), then withInfo(info)
 *       "input": "features" | "tokens",                          // float rows, or integer token ids
 *       "loss", "dtype", "weights", "tensors": [{ name: info[i].name, shape, offset, length }, …] }
 *   The parameter table (roles, multipliers, lr scales) travels with the weights, so a μP model is
 *   restored as μP. Version 1 files (MLPs) are still read, and are what an MlpSpec saves to.
 *   Data for a "tokens" model: x rows of T integer ids, y rows of T target ids (cross-entropy).
 *
 * Every error names the file and the field that is wrong.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { Tensor, sameShape, shapeSize } from '../engine/tensor.js';
import { allocate, type DType } from '../engine/dtype.js';
import { mlpModel, type Activation, type MlpSpec, type Parameterization } from '../models/mlp.js';
import { buildModel } from '../models/registry.js';
import { withInfo, type Model, type ModelSpec } from '../nn/model.js';
import type { ParamInfo } from '../nn/types.js';

export const CHECKPOINT_FORMAT = 'lmech-checkpoint';
export const CHECKPOINT_VERSION = 1;
export const MODEL_CHECKPOINT_VERSION = 2;

export type InputKind = 'features' | 'tokens';

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

export interface ModelCheckpointManifest {
  format: typeof CHECKPOINT_FORMAT;
  version: 2;
  model: { spec: ModelSpec; info: ParamInfo[] };
  input: InputKind;
  loss: LossKind;
  dtype: DType;
  weights?: string;
  tensors: TensorEntry[];
}

/** An MLP checkpoint (version 1): the MlpSpec and its parameters in mlpForward's order. */
export interface Checkpoint {
  spec: MlpSpec;
  loss: LossKind;
  dtype: DType;
  /** Parameters in mlpForward's order. */
  params: Tensor[];
  /** Their names (W1, b1, …). */
  names: string[];
}

/** Any nn model (version 2, and version 1 read as an nn MLP). */
export interface ModelCheckpoint {
  model: Model;
  input: InputKind;
  loss: LossKind;
  dtype: DType;
  params: Tensor[];
  names: string[];
  /** Set when the model is an MLP of src/models/mlp.ts (version 1 files). */
  spec?: MlpSpec;
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

/** The tensor entries of a manifest against the expected names and shapes (`context` follows a shape error). */
function validateEntries(raw: unknown[], layout: readonly { name: string; shape: number[] }[], dtype: DType, source: string, context = ''): TensorEntry[] {
  return raw.map((t, i) => {
    const f = `tensors[${i}]`;
    if (!isObject(t)) fail(source, f, 'must be an object {name, shape, offset, length}');
    const e = t as Record<string, unknown>;
    const want = layout[i];
    if (e.name !== want.name) fail(source, `${f}.name`, `expected "${want.name}" (got ${JSON.stringify(e.name)})`);
    if (!Array.isArray(e.shape) || !sameShape(e.shape as number[], want.shape)) {
      fail(source, `${f}.shape`, `expected [${want.shape.join(', ')}] for ${want.name}${context} (got ${JSON.stringify(e.shape)})`);
    }
    const size = shapeSize(want.shape);
    if (e.length !== size) fail(source, `${f}.length`, `expected ${size} = product of shape (got ${JSON.stringify(e.length)})`);
    if (!Number.isInteger(e.offset) || (e.offset as number) < 0) fail(source, `${f}.offset`, `must be a non-negative integer byte offset (got ${JSON.stringify(e.offset)})`);
    if ((e.offset as number) % bytesOf(dtype) !== 0) fail(source, `${f}.offset`, `must be a multiple of ${bytesOf(dtype)} for ${dtype} (got ${e.offset})`);
    return { name: want.name, shape: want.shape.slice(), offset: e.offset as number, length: size };
  });
}

/** Parameters to save have the shapes the layout expects. */
function checkParamShapes(params: Tensor[], layout: readonly { name: string; shape: number[] }[]): void {
  layout.forEach((l, i) => {
    const t = params[i];
    if (!sameShape(t.shape, l.shape)) {
      throw new CheckpointError(`checkpoint: params[${i}] (${l.name}) has shape [${t.shape.join(', ')}], expected [${l.shape.join(', ')}]`);
    }
  });
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
  const entries = validateEntries(tensors, layout, m.dtype as DType, source, ` of widths [${spec.widths.join(', ')}]`);
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
  checkParamShapes(ck.params, layout);
  const { tensors, bytes } = writeTensors(ck.params, layout.map((l) => l.name), ck.dtype);
  const manifest: CheckpointManifest = {
    format: CHECKPOINT_FORMAT, version: 1, model: { kind: 'mlp', spec }, loss: ck.loss, dtype: ck.dtype,
    ...(weights !== undefined ? { weights } : {}), tensors,
  };
  return { manifest, bytes };
}

/** Tensors from a manifest and the weight bytes (validates both). */
export function decodeCheckpoint(rawManifest: unknown, bytes: Uint8Array, source = 'checkpoint'): Checkpoint {
  return fromManifest(validateManifest(rawManifest, source), bytes, source);
}

function fromManifest(m: CheckpointManifest, bytes: Uint8Array, source: string): Checkpoint {
  const params = readTensors(m.tensors, bytes, m.dtype, source);
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

/** The weights file beside a manifest (its "weights" field, or <name>.bin). */
function readWeights(path: string, raw: unknown): Uint8Array {
  const name = isObject(raw) && typeof raw.weights === 'string' && raw.weights.length > 0 ? raw.weights : defaultWeightsName(path);
  const weightsPath = join(dirname(path), name);
  let buf: Buffer;
  try {
    buf = readFileSync(weightsPath);
  } catch (e) {
    throw new CheckpointError(`${path}: weights: cannot read ${weightsPath} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** Read a checkpoint manifest and its weights file. */
export function loadCheckpoint(path: string): Checkpoint {
  const raw = readJson(path, 'checkpoint');
  // The manifest is validated before the weights file is read, so its errors come first.
  const m = validateManifest(raw, path);
  return fromManifest(m, readWeights(path, raw), path);
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

// ---------------------------------------------------------------------------------------
// Version 2: any nn model.

const INPUTS: InputKind[] = ['features', 'tokens'];

/** 'tokens' for models that read integer ids (a transformer, or a layer tree opening with an embedding). */
export function inputKindOf(model: Model): InputKind {
  const s = model.spec as { family: string; layer?: { type?: string; layers?: unknown[] } };
  if (s.family === 'transformer') return 'tokens';
  const first = s.layer?.type === 'serial' && Array.isArray(s.layer.layers) ? (s.layer.layers[0] as { type?: string } | undefined)?.type : s.layer?.type;
  return first === 'embedding' ? 'tokens' : 'features';
}

function writeTensors(params: Tensor[], names: string[], dtype: DType): { tensors: TensorEntry[]; bytes: Uint8Array } {
  const bpe = bytesOf(dtype);
  let offset = 0;
  const tensors = params.map((t, i) => {
    const e = { name: names[i], shape: t.shape.slice(), offset, length: t.size };
    offset += t.size * bpe;
    return e;
  });
  const bytes = new Uint8Array(offset);
  const view = new DataView(bytes.buffer);
  tensors.forEach((e, i) => {
    const d = params[i].data;
    for (let j = 0; j < e.length; j++) {
      if (dtype === 'f32') view.setFloat32(e.offset + 4 * j, d[j], true);
      else view.setFloat64(e.offset + 8 * j, d[j], true);
    }
  });
  return { tensors, bytes };
}

/** Manifest (version 2) and weight bytes for any nn model's parameters (pure). */
export function encodeModelCheckpoint(
  ck: { model: Model; params: Tensor[]; loss: LossKind; input?: InputKind; dtype?: DType }, weights?: string,
): { manifest: ModelCheckpointManifest; bytes: Uint8Array } {
  const { model } = ck;
  const dtype = ck.dtype ?? ck.params[0]?.dtype ?? model.dtype;
  if (dtype !== 'f32' && dtype !== 'f64') throw new CheckpointError(`checkpoint: dtype: must be "f32" or "f64" (got ${JSON.stringify(dtype)})`);
  if (ck.params.length !== model.info.length) throw new CheckpointError(`checkpoint: params: ${ck.params.length} tensors given, the model has ${model.info.length}`);
  checkParamShapes(ck.params, model.info);
  const { tensors, bytes } = writeTensors(ck.params, model.info.map((p) => p.name), dtype);
  const manifest: ModelCheckpointManifest = {
    format: CHECKPOINT_FORMAT, version: 2,
    model: { spec: JSON.parse(JSON.stringify(model.spec)), info: JSON.parse(JSON.stringify(model.info)) },
    input: ck.input ?? inputKindOf(model), loss: ck.loss, dtype,
    ...(weights !== undefined ? { weights } : {}), tensors,
  };
  return { manifest, bytes };
}

function readTensors(entries: TensorEntry[], bytes: Uint8Array, dtype: DType, source: string): Tensor[] {
  const bpe = bytesOf(dtype);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return entries.map((e, i) => {
    const end = e.offset + e.length * bpe;
    if (end > bytes.byteLength) fail(source, `tensors[${i}]`, `${e.name} needs bytes [${e.offset}, ${end}) but the weights file has ${bytes.byteLength} bytes`);
    const data = allocate(dtype, e.length);
    for (let j = 0; j < e.length; j++) {
      const x = dtype === 'f32' ? view.getFloat32(e.offset + 4 * j, true) : view.getFloat64(e.offset + 8 * j, true);
      if (!Number.isFinite(x)) fail(source, `tensors[${i}]`, `${e.name}[${j}] is not finite (${x})`);
      data[j] = x;
    }
    return new Tensor(data, e.shape);
  });
}

/** Validate a version-2 manifest: the model rebuilds from its spec and info, and the tensors match it. */
function validateModelManifest(raw: Record<string, unknown>, source: string): { manifest: ModelCheckpointManifest; model: Model } {
  if (!isObject(raw.model)) fail(source, 'model', 'must be an object {spec, info}');
  const m = raw.model as Record<string, unknown>;
  if (!isObject(m.spec)) fail(source, 'model.spec', 'must be a model spec object (see src/models/registry.ts)');
  if (!Array.isArray(m.info)) fail(source, 'model.info', 'must be the array of parameter descriptions (ParamInfo)');
  if (raw.dtype !== 'f32' && raw.dtype !== 'f64') fail(source, 'dtype', `must be "f32" or "f64" (got ${JSON.stringify(raw.dtype)})`);
  const dtype = raw.dtype as DType;
  let model: Model;
  try {
    model = withInfo(buildModel({ ...(m.spec as ModelSpec), dtype } as ModelSpec), m.info as ParamInfo[]);
  } catch (e) {
    return fail(source, 'model', (e as Error).message);
  }
  if (!LOSSES.includes(raw.loss as LossKind)) fail(source, 'loss', `must be "mse" or "cross-entropy" (got ${JSON.stringify(raw.loss)})`);
  const input = (raw.input ?? inputKindOf(model)) as InputKind;
  if (!INPUTS.includes(input)) fail(source, 'input', `must be "features" or "tokens" (got ${JSON.stringify(raw.input)})`);
  if (raw.weights !== undefined && (typeof raw.weights !== 'string' || raw.weights.length === 0)) fail(source, 'weights', `must be a file name (got ${JSON.stringify(raw.weights)})`);
  if (!Array.isArray(raw.tensors)) fail(source, 'tensors', 'must be an array of {name, shape, offset, length}');
  const ts = raw.tensors as unknown[];
  if (ts.length !== model.info.length) fail(source, 'tensors', `has ${ts.length} entries, but the model has ${model.info.length} parameters (${model.info.map((p) => p.name).join(', ')})`);
  const tensors = validateEntries(ts, model.info, dtype, source);
  return {
    model,
    manifest: {
      format: CHECKPOINT_FORMAT, version: 2, model: { spec: m.spec as ModelSpec, info: m.info as ParamInfo[] }, input, loss: raw.loss as LossKind, dtype,
      ...(raw.weights !== undefined ? { weights: raw.weights as string } : {}), tensors,
    },
  };
}

/** Any checkpoint (version 1 or 2) as an nn model with its parameters. */
export function decodeModelCheckpoint(rawManifest: unknown, bytes: Uint8Array, source = 'checkpoint'): ModelCheckpoint {
  if (!isObject(rawManifest)) fail(source, 'manifest', 'must be a JSON object');
  const raw = rawManifest as Record<string, unknown>;
  if (raw.format !== CHECKPOINT_FORMAT) fail(source, 'format', `must be "${CHECKPOINT_FORMAT}" (got ${JSON.stringify(raw.format)})`);
  if (raw.version === CHECKPOINT_VERSION) {
    const ck = decodeCheckpoint(raw, bytes, source);
    return { model: mlpModel(ck.spec, ck.dtype as 'f32' | 'f64'), input: 'features', loss: ck.loss, dtype: ck.dtype, params: ck.params, names: ck.names, spec: ck.spec };
  }
  if (raw.version !== MODEL_CHECKPOINT_VERSION) fail(source, 'version', `unsupported version ${JSON.stringify(raw.version)} (this build reads versions 1 and 2)`);
  const { manifest, model } = validateModelManifest(raw, source);
  const params = readTensors(manifest.tensors, bytes, manifest.dtype, source);
  return { model, input: manifest.input, loss: manifest.loss, dtype: manifest.dtype, params, names: manifest.tensors.map((e) => e.name) };
}

export function saveModelCheckpoint(
  path: string, ck: { model: Model; params: Tensor[]; loss: LossKind; input?: InputKind; dtype?: DType },
): { manifestPath: string; weightsPath: string } {
  const weights = defaultWeightsName(path);
  const { manifest, bytes } = encodeModelCheckpoint(ck, weights);
  const weightsPath = join(dirname(path), weights);
  writeFileSync(weightsPath, bytes);
  writeFileSync(path, JSON.stringify(manifest, null, 2) + '\n');
  return { manifestPath: path, weightsPath };
}

/** Read any checkpoint manifest (version 1 or 2) and its weights file. */
export function loadModelCheckpoint(path: string): ModelCheckpoint {
  const raw = readJson(path, 'checkpoint');
  return decodeModelCheckpoint(raw, readWeights(path, raw), path);
}

/** A data set for a model: inputs [n, ...inShape] (float features or i32 tokens), targets per the loss. */
export interface ModelDataset {
  X: Tensor;
  /** MSE: [n, ...outShape] floats; cross-entropy on features: one-hot [n, k]; on tokens: i32 ids [n, T]. */
  Y: Tensor;
  n: number;
}

function intRow(row: unknown, len: number, hi: number, source: string, field: string): number[] {
  if (!Array.isArray(row) || row.length !== len) fail(source, field, `must be an array of ${len} token ids (got ${Array.isArray(row) ? `${row.length} entries` : JSON.stringify(row)})`);
  return (row as unknown[]).map((v, j) => {
    if (!Number.isInteger(v) || (v as number) < 0 || (v as number) >= hi) fail(source, `${field}[${j}]`, `must be an integer id in [0, ${hi}) (got ${JSON.stringify(v)})`);
    return v as number;
  });
}

/** Validate a data object {x, y} for any model (MLP rows, CNN images as flat rows, token ids). */
export function parseModelDataset(raw: unknown, ck: Pick<ModelCheckpoint, 'model' | 'loss' | 'input' | 'spec'>, source = 'data'): ModelDataset {
  if (ck.spec) { const d = parseDataset(raw, ck.spec, ck.loss, source); return { X: d.X, Y: d.Y, n: d.n }; }
  if (!isObject(raw)) fail(source, 'data', 'must be a JSON object {"x": …, "y": …}');
  const r = raw as Record<string, unknown>;
  const { model } = ck;
  if (!Array.isArray(r.x) || r.x.length === 0) fail(source, 'x', 'must be a non-empty array of input rows');
  if (!Array.isArray(r.y) || r.y.length !== (r.x as unknown[]).length) fail(source, 'y', `must be an array with one entry per row of x (${(r.x as unknown[]).length})`);
  const xs = r.x as unknown[], ys = r.y as unknown[];
  const n = xs.length;
  if (ck.input === 'tokens') {
    const T = model.inShape[0], V = model.outShape[model.outShape.length - 1];
    if (ck.loss !== 'cross-entropy') fail(source, 'loss', 'a token model is trained with cross-entropy on next-token ids');
    const X = new Int32Array(n * T), Y = new Int32Array(n * T);
    xs.forEach((row, i) => X.set(intRow(row, T, V, source, `x[${i}]`), i * T));
    ys.forEach((row, i) => Y.set(intRow(row, T, V, source, `y[${i}]`), i * T));
    return { X: new Tensor(X, [n, T]), Y: new Tensor(Y, [n, T]), n };
  }
  const d = model.inShape.reduce((a, b) => a * b, 1);
  const k = model.outShape.reduce((a, b) => a * b, 1);
  const flat = (row: unknown, len: number, field: string, what: string): number[] => {
    if (!Array.isArray(row) || row.length !== len) fail(source, field, `must be an array of ${len} numbers (${what}; got ${Array.isArray(row) ? `${row.length} entries` : JSON.stringify(row)})`);
    return (row as unknown[]).map((v, j) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) fail(source, `${field}[${j}]`, `must be a finite number (got ${JSON.stringify(v)})`);
      return v as number;
    });
  };
  const X = new Float64Array(n * d);
  xs.forEach((row, i) => X.set(flat(row, d, `x[${i}]`, `the model's input [${model.inShape.join('×')}] flattened`), i * d));
  const Y = new Float64Array(n * k);
  if (ck.loss === 'cross-entropy' && ys.every((v) => typeof v === 'number')) {
    ys.forEach((v, i) => {
      if (!Number.isInteger(v) || (v as number) < 0 || (v as number) >= k) fail(source, `y[${i}]`, `must be a class label, an integer in [0, ${k}) (got ${JSON.stringify(v)})`);
      Y[i * k + (v as number)] = 1;
    });
  } else {
    ys.forEach((row, i) => Y.set(flat(row, k, `y[${i}]`, "the model's output"), i * k));
  }
  return { X: new Tensor(X, [n, ...model.inShape]), Y: new Tensor(Y, [n, ...model.outShape]), n };
}

export function loadModelDataset(path: string, ck: Pick<ModelCheckpoint, 'model' | 'loss' | 'input' | 'spec'>): ModelDataset {
  return parseModelDataset(readJson(path, 'data file'), ck, path);
}
