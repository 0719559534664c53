/**
 * A model: a layer tree bound to an input shape, with its parameter table.
 *
 *   model(layer, inShape, { dtype }) → { spec, info, outShape, init(rng), apply(params, x), kernel? }
 *
 * `info[i]` describes parameter i (nn/types.ts). `init` draws parameter i from `info[i].init`
 * with the stream rng.split(s₁).split(s₂)… for its name s₁.s₂.… — deterministic and independent
 * of every other parameter (adding a layer never changes another layer's draw). `apply` gives each
 * layer its parameters times `info[i].multiplier` (W_eff = c·w; Dense applies c to its product).
 * `withInfo(model, info)` swaps the table: this is how a parameterization is applied. `spec` is
 * plain JSON; `buildModel(spec)` (src/models/registry.ts) rebuilds the model from it.
 *
 * Roles by position: a Dense or Conv2d without an explicit role declares itself 'hidden'/'conv'
 * with `positional`; here the first weight layer becomes 'input' (fan-in is data, not width),
 * the last 'output' (fan-out is finite), and their biases follow (a single weight layer: 'input'
 * with neither dim width). Pass `roles: 'declared'` to keep the declared roles.
 */
import type { FloatDType } from '../engine/dtype.js';
import { type Mat, mat } from '../engine/linalg/index.js';
import type { Rng } from '../engine/rng.js';
import { Tensor, full, randn, sameShape, zeros } from '../engine/tensor.js';
import { inputState, type KernelState } from './kernels.js';
import { applyLayer } from './param.js';
import type { Layer, LayerSpec, ParamInfo } from './types.js';

export interface LayersModelSpec {
  family: 'layers';
  layer: LayerSpec;
  inShape: number[];
  dtype?: FloatDType;
  roles?: 'positional' | 'declared';
}

/** JSON description of a model: a raw layer tree, or a named family (src/models/registry.ts). */
export type ModelSpec = LayersModelSpec | { family: string; [key: string]: unknown };

export interface ApplyOptions {
  /** Receives named intermediates (`<prefix>preact`, block outputs, `logits`). */
  capture?: (name: string, value: Tensor) => void;
}

export interface Model {
  readonly spec: ModelSpec;
  readonly layer: Layer;
  readonly inShape: number[];
  readonly outShape: number[];
  readonly dtype: FloatDType;
  readonly info: ParamInfo[];
  init(rng: Rng): Tensor[];
  apply(params: Tensor[], x: Tensor, opts?: ApplyOptions): Tensor;
  /** Analytic NNGP and NTK between the rows of X1 and X2 (vector inputs; where every layer has a kernel). */
  kernel?(X1: Mat, X2?: Mat): { nngp: Mat; ntk: Mat; state: KernelState };
}

export interface ModelOptions {
  dtype?: FloatDType;
  roles?: 'positional' | 'declared';
}

const NON_WEIGHT = new Set(['bias', 'norm-gain', 'norm-bias']);
const prefixOf = (name: string) => name.slice(0, name.lastIndexOf('.') + 1);

/** Resolve `positional` roles (see header) and drop the flag. */
export function assignRoles(params: readonly ParamInfo[], mode: 'positional' | 'declared' = 'positional'): ParamInfo[] {
  const out = params.map((p) => { const { positional: _, ...rest } = p; return { ...rest, shape: p.shape.slice() }; });
  if (mode === 'declared') return out;
  const weights = params.map((p, i) => i).filter((i) => !NON_WEIGHT.has(params[i].role));
  if (weights.length === 0) return out;
  const first = weights[0], last = weights[weights.length - 1];
  for (const i of [first, last]) {
    if (!params[i].positional) continue;
    const p = out[i];
    const isFirst = i === first, isLast = i === last;
    if (p.role === 'hidden' || p.role === 'input' || p.role === 'output') p.role = isFirst ? 'input' : 'output';
    if (isFirst) p.inIsWidth = false;
    if (isLast) p.outIsWidth = false;
    const pre = prefixOf(p.name);
    params.forEach((b, j) => {
      if (b.positional && NON_WEIGHT.has(b.role) && prefixOf(b.name) === pre) out[j].outIsWidth = p.outIsWidth;
    });
  }
  return out;
}

function drawRng(rng: Rng, name: string): Rng {
  return name.split('.').reduce((r, seg) => r.split(seg), rng);
}

export function drawParam(p: ParamInfo, rng: Rng, dtype: FloatDType): Tensor {
  const shape = p.shape.slice();
  switch (p.init.kind) {
    case 'normal': return randn(drawRng(rng, p.name), shape, p.init.std, dtype);
    case 'zeros': return zeros(shape, dtype);
    case 'ones': return full(shape, 1, dtype);
    case 'constant': return full(shape, p.init.value, dtype);
    default: throw new Error(`init: unknown kind ${(p.init as { kind: string }).kind} for ${p.name}`);
  }
}

function build(layer: Layer, inShape: number[], dtype: FloatDType, info: ParamInfo[], outShape: number[], spec: ModelSpec): Model {
  const multipliers = info.map((p) => p.multiplier);
  const allOne = multipliers.every((c) => c === 1);
  const m: Model = {
    spec, layer, inShape, outShape, dtype, info,
    init: (rng) => info.map((p) => drawParam(p, rng, dtype)),
    apply(params, x, opts = {}) {
      if (params.length !== info.length) throw new Error(`model.apply: got ${params.length} parameter tensors, the model has ${info.length}`);
      params.forEach((p, i) => {
        if (!sameShape(p.shape, info[i].shape)) throw new Error(`model.apply: parameter ${info[i].name} has shape [${p.shape.join(',')}], expected [${info[i].shape.join(',')}]`);
      });
      if (!sameShape(x.shape.slice(1), inShape)) throw new Error(`model.apply: input shape [${x.shape.join(',')}] is not [B, ${inShape.join(', ')}]`);
      const y = applyLayer(layer, params, allOne ? undefined : multipliers, x, { capture: opts.capture, prefix: '' }, '');
      opts.capture?.('logits', y);
      return y;
    },
  };
  if (layer.kernel && inShape.length === 1) {
    m.kernel = (X1, X2) => {
      if (X1.cols !== inShape[0]) throw new RangeError(`model.kernel: X1 has ${X1.cols} columns, the model takes ${inShape[0]}`);
      const s = layer.kernel!(inputState(X1, X2 ?? X1), info, inShape);
      return { nngp: mat(s.n1, s.n2, s.q), ntk: mat(s.n1, s.n2, s.t), state: s };
    };
  }
  return m;
}

export function model(layer: Layer, inShape: readonly number[], opts: ModelOptions = {}): Model {
  const dtype = opts.dtype ?? 'f64';
  if (dtype !== 'f64' && dtype !== 'f32') throw new RangeError(`model.dtype: must be 'f32' or 'f64' (got ${String(dtype)})`);
  const roles = opts.roles ?? 'positional';
  const shape = inShape.slice();
  const { params, outShape } = layer.declare(shape, '');
  const names = new Set<string>();
  for (const p of params) {
    if (names.has(p.name)) throw new Error(`model: two parameters are named ${p.name}`);
    names.add(p.name);
  }
  const spec: LayersModelSpec = { family: 'layers', layer: layer.spec, inShape: shape, dtype, ...(roles === 'declared' ? { roles } : {}) };
  return build(layer, shape, dtype, assignRoles(params, roles), outShape, spec);
}

/** The same model with another parameter table (same names and shapes, in order). */
export function withInfo(m: Model, info: readonly ParamInfo[]): Model {
  if (info.length !== m.info.length) throw new Error(`withInfo: got ${info.length} ParamInfo, the model has ${m.info.length}`);
  info.forEach((p, i) => {
    if (p.name !== m.info[i].name || !sameShape(p.shape, m.info[i].shape)) {
      throw new Error(`withInfo: entry ${i} is ${p.name} [${p.shape.join(',')}], expected ${m.info[i].name} [${m.info[i].shape.join(',')}]`);
    }
  });
  return build(m.layer, m.inShape, m.dtype, info.map((p) => ({ ...p, shape: p.shape.slice() })), m.outShape, m.spec);
}

/** Replace the JSON spec (named model families use this to store their own short spec). */
export function withSpec(m: Model, spec: ModelSpec): Model {
  return build(m.layer, m.inShape, m.dtype, m.info, m.outShape, spec);
}
