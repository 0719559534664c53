/**
 * ONNX importer: a model exported from PyTorch (torch.onnx.export) or any ONNX producer becomes
 * an nn `Model` of the lab's layers (src/nn), with its weights as the model's parameters, so the
 * Hessian, NTK and coordinate-check tools run on it unchanged.
 *
 * Supported graphs are single-path chains x → op₁ → op₂ → … → y (no residual or branching
 * connections; weight-side subgraphs such as Transpose of a parameter and Constant nodes are
 * folded). Operators and their layers:
 *   Gemm (transA = 0, α = β = 1; B transposed or not), MatMul with a constant B [K, N]
 *     (+ a following Add of a bias [N], folded)          → dense(N)   W = B (transB = 1) or Bᵀ
 *   Conv (2-D, square kernel, equal strides and pads, dilation 1, group 1)      → conv2d
 *   MaxPool, AveragePool (square kernel, no padding, ceil_mode a no-op), GlobalAveragePool
 *                                                                                → maxPool / avgPool
 *   Relu, Tanh, Sigmoid, Erf, Gelu (exact erf form; also PyTorch's erf subgraph
 *     x·½·(1 + erf(x/√2)), recognised and fused)                                → activations
 *   Flatten (axis 1) → flatten;  Reshape (constant shape, batch axis kept) → onnxReshape
 *   Softmax, LogSoftmax (one axis, not the batch) → onnxSoftmax
 *   LayerNormalization (last axis, with scale and bias) → layerNorm(ε)
 *   Add with an initializer → onnxBias (a trained parameter); Add/Sub/Mul/Div with a Constant
 *     node's value (or Sub/Mul/Div with an initializer) → onnxConst (fixed)
 *   Identity, Dropout (inference), Pad with all-zero pads → nothing
 * Anything else stops the import with an error naming the operator and the node.
 *
 * Parameters are the initializers in weight slots (Gemm B/C, MatMul B, Conv W/B,
 * LayerNormalization scale/B, Add's constant operand), in graph order. `weights` (a parsed
 * .safetensors state_dict, src/io/safetensors.ts) overrides initializers by name and supplies
 * the graph inputs of a model exported with export_params=False; a weights entry the graph does
 * not use as a parameter is an error (the names must match).
 *
 * Batch axis: the graph's data input is [batch, ...inShape]; inShape comes from the file (or
 * `inShape`). The model is built in f64 by default: float32 weights are widened exactly.
 */
import { readFileSync } from 'node:fs';
import type { FloatDType } from '../engine/dtype.js';
import { Tensor } from '../engine/tensor.js';
import { namedSerial } from '../nn/combinators.js';
import { activation } from '../nn/layers/activations.js';
import { avgPool, conv2d, flatten, maxPool } from '../nn/layers/conv.js';
import { dense } from '../nn/layers/dense.js';
import { layerNorm } from '../nn/layers/norm.js';
import { model as buildModel, type Model } from '../nn/model.js';
import type { Layer } from '../nn/types.js';
import { type ConstOp, onnxBias, onnxConst, onnxReshape, onnxSoftmax } from '../nn/layers/onnx.js';
import { type OnnxGraph, type OnnxNode, OnnxError, type OnnxTensor, decodeOnnx } from './onnx-proto.js';
import { readSafetensors } from './safetensors.js';

export { OnnxError, decodeOnnx } from './onnx-proto.js';
export type { OnnxGraph, OnnxNode, OnnxTensor } from './onnx-proto.js';

/** Operators the importer maps (see the header for their conditions). */
export const SUPPORTED_ONNX_OPS = [
  'Gemm', 'MatMul', 'Add', 'Sub', 'Mul', 'Div', 'Relu', 'Tanh', 'Sigmoid', 'Erf', 'Gelu', 'Conv', 'MaxPool', 'AveragePool',
  'GlobalAveragePool', 'Flatten', 'Reshape', 'Softmax', 'LogSoftmax', 'LayerNormalization', 'Identity', 'Dropout', 'Pad', 'Constant', 'Transpose',
] as const;

export interface WeightTensor { shape: number[]; data: ArrayLike<number> }

export interface OnnxImportOptions {
  /** Parameter values by tensor name (e.g. a .safetensors state_dict). */
  weights?: Map<string, WeightTensor>;
  /** Input shape without the batch axis, when the file's is not static. */
  inShape?: number[];
  dtype?: FloatDType;
  /** Name used in error messages (the file path). */
  source?: string;
}

export interface OnnxModel {
  model: Model;
  params: Tensor[];
  /** model.info names, e.g. "0.W", "conv.b". */
  names: string[];
  /** Where each parameter came from: the ONNX tensor name, and whether it was transposed (MatMul B, Gemm transB = 0). */
  origins: { name: string; tensor: string; transposed: boolean }[];
  /** One entry per layer: its name, the ONNX operator(s) and node(s) it came from, the layer type. */
  layers: { name: string; op: string; nodes: string[]; layer: string }[];
  input: string;
  output: string;
  opset: number;
  producer: string;
}

interface Static { value: OnnxTensor; kind: 'initializer' | 'constant'; tensor: string; transposed: boolean }

const SQRT2 = Math.SQRT2;
const near = (a: number, b: number, rel = 1e-6) => Math.abs(a - b) <= rel * Math.max(1, Math.abs(b));

function transpose2(t: OnnxTensor): OnnxTensor {
  const [r, c] = t.dims;
  const out = new Float64Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = t.data[i * c + j];
  return { name: t.name, dims: [c, r], dtype: t.dtype, data: out };
}

/** A Constant node's value (value, value_float(s), value_int(s)). */
function constantValue(n: OnnxNode, fail: (m: string) => never): OnnxTensor {
  const a = n.attributes;
  if (a.value && typeof a.value === 'object' && !Array.isArray(a.value)) return a.value as OnnxTensor;
  if (typeof a.value_float === 'number') return { name: '', dims: [], dtype: 'float32', data: Float64Array.of(a.value_float) };
  if (typeof a.value_int === 'number') return { name: '', dims: [], dtype: 'int64', data: Float64Array.of(a.value_int) };
  if (Array.isArray(a.value_floats)) return { name: '', dims: [a.value_floats.length], dtype: 'float32', data: Float64Array.from(a.value_floats as number[]) };
  if (Array.isArray(a.value_ints)) return { name: '', dims: [a.value_ints.length], dtype: 'int64', data: Float64Array.from(a.value_ints as number[]) };
  return fail(`a Constant needs a value, value_float(s) or value_int(s) attribute (got ${Object.keys(a).join(', ') || 'none'})`);
}

const ints = (v: unknown): number[] | undefined => (Array.isArray(v) ? (v as number[]) : undefined);

/** Layer names from node names: "/fc1/Gemm" → "fc1", "/0/Gemm" → "0", "/Sigmoid" → "Sigmoid". */
function layerNameOf(node: OnnxNode, taken: Set<string>): string {
  const segs = node.name.split('/').filter(Boolean);
  let base = (segs.length > 1 ? segs.slice(0, -1) : segs).join('.').replace(/[^A-Za-z0-9_.:-]/g, '_') || node.op;
  if (taken.has(base)) { let k = 1; while (taken.has(`${base}_${k}`)) k++; base = `${base}_${k}`; }
  taken.add(base);
  return base;
}

/** Import a decoded ONNX graph as an nn model with its parameters. */
export function importOnnx(graph: OnnxGraph, opts: OnnxImportOptions = {}): OnnxModel {
  const source = opts.source ?? 'onnx';
  const dtype = opts.dtype ?? 'f64';
  const fail = (msg: string): never => { throw new OnnxError(`${source}: ${msg}`); };
  const weights = opts.weights ?? new Map<string, WeightTensor>();

  // 1. Static values: initializers (overridden by weights), weight-only graph inputs, Constant
  //    nodes, and Identity/Transpose of statics.
  const statics = new Map<string, Static>();
  const asTensor = (name: string, w: WeightTensor): OnnxTensor => ({ name, dims: w.shape.slice(), dtype: 'float64', data: Float64Array.from(w.data) });
  for (const [name, t] of graph.initializers) {
    const w = weights.get(name);
    if (w && w.shape.join(',') !== t.dims.join(',')) fail(`weights: tensor "${name}" has shape [${w.shape.join(',')}], the graph's initializer has [${t.dims.join(',')}]`);
    statics.set(name, { value: w ? asTensor(name, w) : t, kind: 'initializer', tensor: name, transposed: false });
  }
  for (const inp of graph.inputs) {
    if (statics.has(inp.name) || !weights.has(inp.name)) continue;
    const w = weights.get(inp.name)!;
    if (inp.shape && inp.shape.every((d) => typeof d === 'number') && inp.shape.join(',') !== w.shape.join(',')) {
      fail(`weights: tensor "${inp.name}" has shape [${w.shape.join(',')}], the graph input expects [${inp.shape.join(',')}]`);
    }
    statics.set(inp.name, { value: asTensor(inp.name, w), kind: 'initializer', tensor: inp.name, transposed: false });
  }
  const dataInputs = graph.inputs.filter((v) => !statics.has(v.name));
  if (dataInputs.length !== 1) {
    fail(dataInputs.length === 0
      ? 'the graph has no data input (every input is an initializer)'
      : `the graph has ${dataInputs.length} inputs without values (${dataInputs.map((v) => `"${v.name}"`).join(', ')}); exactly one data input is supported — were the weights exported (export_params=True) or given in the weights file under these names?`);
  }
  const input = dataInputs[0];
  let inShape: number[];
  if (opts.inShape) inShape = opts.inShape.slice();
  else {
    const s = input.shape;
    if (!s || s.length < 2 || !s.slice(1).every((d) => typeof d === 'number')) {
      fail(`input "${input.name}": its shape ${s ? `[${s.join(', ')}]` : '(absent)'} is not [batch, static sizes…]; give the input shape without the batch axis (--in-shape)`);
    }
    inShape = (s as number[]).slice(1);
  }
  const staticBatch = typeof input.shape?.[0] === 'number' ? (input.shape[0] as number) : undefined;

  const consumers = new Map<string, OnnxNode[]>();
  for (const n of graph.nodes) for (const i of n.inputs) if (i) consumers.set(i, [...(consumers.get(i) ?? []), n]);
  const soleConsumer = (name: string): OnnxNode | undefined => {
    const c = consumers.get(name) ?? [];
    return c.length === 1 && !graph.outputs.some((o) => o.name === name) ? c[0] : undefined;
  };
  const isStatic = (name: string) => statics.has(name);
  const scalarStatic = (name: string): number | undefined => {
    const s = statics.get(name);
    return s && s.value.data.length === 1 ? s.value.data[0] : undefined;
  };

  // 2. Fold weight-side nodes; find PyTorch's GELU subgraph x·(1 + erf(x/√2))·½.
  const skip = new Set<OnnxNode>();
  const fused = new Map<OnnxNode, { output: string; nodes: OnnxNode[] }>();
  for (const n of graph.nodes) {
    const nodeFail = (m: string): never => fail(`node "${n.name}" (${n.op}): ${m}`);
    const live = n.inputs.filter(Boolean);
    if (n.op === 'Constant') {
      statics.set(n.outputs[0], { value: constantValue(n, nodeFail), kind: 'constant', tensor: n.outputs[0], transposed: false });
      skip.add(n);
    } else if (live.length > 0 && live.every(isStatic) && (n.op === 'Identity' || n.op === 'Transpose')) {
      const s = statics.get(live[0])!;
      let value = s.value, transposed = s.transposed;
      if (n.op === 'Transpose') {
        const perm = ints(n.attributes.perm);
        if (value.dims.length !== 2 || (perm && perm.join(',') !== '1,0')) nodeFail(`only the transpose of a 2-D constant is folded (got a [${value.dims.join(',')}] tensor, perm ${JSON.stringify(perm)})`);
        value = transpose2(value);
        transposed = !transposed;
      }
      statics.set(n.outputs[0], { ...s, value, transposed });
      skip.add(n);
    } else if (live.length > 0 && live.every(isStatic)) {
      nodeFail('computes on constants only (a shape computation?); export with do_constant_folding=True and a static input shape');
    }
  }
  for (const n of graph.nodes) {
    if (skip.has(n)) continue;
    const scaleIn = n.op === 'Div' ? scalarStatic(n.inputs[1]) : n.op === 'Mul' ? (scalarStatic(n.inputs[1]) ?? scalarStatic(n.inputs[0])) : undefined;
    if (scaleIn === undefined || !(n.op === 'Div' ? near(scaleIn, SQRT2) : near(scaleIn, 1 / SQRT2))) continue;
    const x = n.inputs.find((i) => !isStatic(i))!;
    const erf = soleConsumer(n.outputs[0]);
    if (erf?.op !== 'Erf') continue;
    const plus = soleConsumer(erf.outputs[0]);
    if (plus?.op !== 'Add' || !near(scalarStatic(plus.inputs.find((i) => i !== erf.outputs[0])!) ?? NaN, 1)) continue;
    const times = soleConsumer(plus.outputs[0]);
    if (times?.op !== 'Mul') continue;
    const other = times.inputs.find((i) => i !== plus.outputs[0])!;
    let nodes: OnnxNode[] | undefined, output: string | undefined;
    if (other === x) {
      // x·(1 + erf) then ·½
      const half = soleConsumer(times.outputs[0]);
      if (half?.op === 'Mul' && near(scalarStatic(half.inputs.find((i) => i !== times.outputs[0])!) ?? NaN, 0.5)) { nodes = [n, erf, plus, times, half]; output = half.outputs[0]; }
    } else {
      // (x·½)·(1 + erf)
      const halfNode = graph.nodes.find((m) => m.outputs[0] === other);
      if (halfNode?.op === 'Mul' && halfNode.inputs.includes(x) && near(scalarStatic(halfNode.inputs.find((i) => i !== x)!) ?? NaN, 0.5)) { nodes = [halfNode, n, erf, plus, times]; output = times.outputs[0]; }
    }
    if (!nodes || !output) continue;
    fused.set(nodes[0], { output, nodes });
    for (const m of nodes.slice(1)) skip.add(m);
  }

  // 3. Walk the chain.
  const entries: [string, Layer][] = [];
  const values: OnnxTensor[] = [];
  const origins: { tensor: string; transposed: boolean }[] = [];
  const records: OnnxModel['layers'] = [];
  const taken = new Set<string>();
  const usedWeights = new Set<string>();
  let cur = input.name;
  let shape = inShape.slice();
  const addLayer = (node: OnnxNode, op: string, layer: Layer, nodes: OnnxNode[], params: Static[] = []) => {
    const name = layerNameOf(node, taken);
    let out: number[];
    try {
      out = layer.declare(shape, '').outShape;
    } catch (e) {
      return fail(`node "${node.name}" (${op}): ${(e as Error).message}`);
    }
    entries.push([name, layer]);
    for (const p of params) {
      values.push(p.value);
      origins.push({ tensor: p.tensor, transposed: p.transposed });
      usedWeights.add(p.tensor);
    }
    records.push({ name, op, nodes: nodes.map((m) => m.name), layer: String(layer.spec.type) });
    shape = out;
  };
  const param = (node: OnnxNode, name: string | undefined, what: string): Static => {
    if (!name) return fail(`node "${node.name}" (${node.op}): needs ${what}`);
    const s = statics.get(name);
    if (!s) return fail(`node "${node.name}" (${node.op}): ${what} "${name}" must be a constant (an initializer or weights entry); a computed ${what} is not supported`);
    return s;
  };
  const vector = (s: Static, n: number, node: OnnxNode, what: string): Static => {
    const d = s.value.dims;
    if (s.value.data.length !== n || d.slice(0, -1).some((x) => x !== 1)) fail(`node "${node.name}" (${node.op}): ${what} must have shape [${n}] (got [${d.join(',')}])`);
    return { ...s, value: { ...s.value, dims: [n] } };
  };

  for (const n of graph.nodes) {
    if (skip.has(n)) continue;
    const nodeFail = (m: string): never => fail(`node "${n.name}" (${n.op}): ${m}`);
    const acts = n.inputs.filter((i) => i && !isStatic(i));
    if (acts.length !== 1 || acts[0] !== cur) {
      const foreign = acts.filter((a) => a !== cur);
      nodeFail(acts.length === 0 ? 'reads no activation' : `reads ${foreign.map((a) => `"${a}"`).join(', ')}${acts.includes(cur) ? ` besides the previous layer's output "${cur}"` : `, not the previous layer's output "${cur}"`}: only single-path graphs (no residual or branching connections) are supported`);
    }
    const a = n.attributes;
    const gelu = fused.get(n);
    if (gelu) {
      addLayer({ ...n, name: '/Gelu' }, 'Gelu', activation('gelu'), gelu.nodes);
      cur = gelu.output;
      continue;
    }
    let output = n.outputs[0];
    const extra = n.outputs.slice(1).filter((o) => o && ((consumers.get(o)?.length ?? 0) > 0 || graph.outputs.some((g) => g.name === o)));
    if (extra.length) nodeFail(`its extra output(s) ${extra.map((o) => `"${o}"`).join(', ')} are used; only the first output is supported`);
    switch (n.op) {
      case 'Identity': case 'Dropout': break;
      case 'Pad': {
        const pads = n.inputs[1] ? statics.get(n.inputs[1])?.value.data : ints(a.pads);
        if (!pads || Array.from(pads).some((p) => p !== 0)) nodeFail('only a Pad with all-zero pads is supported (padding belongs in the Conv)');
        break;
      }
      case 'Relu': case 'Tanh': case 'Sigmoid': case 'Erf':
        addLayer(n, n.op, activation(n.op.toLowerCase() as 'relu' | 'tanh' | 'sigmoid' | 'erf'), [n]);
        break;
      case 'Gelu':
        if ((a.approximate ?? 'none') !== 'none') nodeFail(`approximate = "${String(a.approximate)}" is not supported (the exact erf form is)`);
        addLayer(n, n.op, activation('gelu'), [n]);
        break;
      case 'Gemm': {
        if ((a.transA ?? 0) !== 0) nodeFail('transA = 1 is not supported');
        if ((a.alpha ?? 1) !== 1 || (a.beta ?? 1) !== 1) nodeFail(`alpha = ${a.alpha ?? 1}, beta = ${a.beta ?? 1}: only alpha = beta = 1 is supported`);
        if (shape.length !== 1) nodeFail(`Gemm needs a 2-D input [batch, features]; the input here is [batch, ${shape.join(', ')}] (add a Flatten)`);
        const B0 = param(n, n.inputs[1], 'weight B');
        if (B0.value.dims.length !== 2) nodeFail(`weight B must be 2-D (got [${B0.value.dims.join(',')}])`);
        const B = (a.transB ?? 0) === 1 ? B0 : { ...B0, value: transpose2(B0.value), transposed: !B0.transposed };
        const [N, K] = B.value.dims;
        if (K !== shape[0]) nodeFail(`weight B maps ${K} features, the input has ${shape[0]}`);
        const C = n.inputs[2] ? vector(param(n, n.inputs[2], 'bias C'), N, n, 'bias C') : undefined;
        addLayer(n, 'Gemm', dense(N, { bias: !!C }), [n], C ? [B, C] : [B]);
        break;
      }
      case 'MatMul': {
        if (n.inputs[0] !== cur) nodeFail('the activation must be the left operand (x·B)');
        const B0 = param(n, n.inputs[1], 'weight B');
        if (B0.value.dims.length !== 2) nodeFail(`weight B must be 2-D [K, N] (got [${B0.value.dims.join(',')}])`);
        const W = { ...B0, value: transpose2(B0.value), transposed: !B0.transposed };
        const [N, K] = W.value.dims;
        if (K !== shape[shape.length - 1]) nodeFail(`weight B maps ${K} features, the input's last axis has ${shape[shape.length - 1]}`);
        const next = soleConsumer(n.outputs[0]);
        const biasName = next?.op === 'Add' ? next.inputs.find((i) => i !== n.outputs[0]) : undefined;
        const bias = biasName && statics.get(biasName)?.kind === 'initializer' && statics.get(biasName)!.value.data.length === N ? statics.get(biasName)! : undefined;
        if (bias && next) {
          addLayer(n, 'MatMul+Add', dense(N, { bias: true }), [n, next], [W, vector(bias, N, next, 'bias')]);
          skip.add(next);
          output = next.outputs[0];
        } else {
          addLayer(n, 'MatMul', dense(N, { bias: false }), [n], [W]);
        }
        break;
      }
      case 'Add': case 'Sub': case 'Mul': case 'Div': {
        const constFirst = n.inputs[0] !== cur;
        const c = statics.get(constFirst ? n.inputs[0] : n.inputs[1]);
        if (!c) return nodeFail('needs one constant operand');
        if (n.op === 'Add' && c.kind === 'initializer') {
          addLayer(n, 'Add', onnxBias(c.value.dims), [n], [c]);
        } else {
          addLayer(n, n.op, onnxConst(n.op.toLowerCase() as ConstOp, Array.from(c.value.data), c.value.dims, constFirst), [n]);
        }
        break;
      }
      case 'Conv': {
        const W = param(n, n.inputs[1], 'weight W');
        const d = W.value.dims;
        if (d.length !== 4) nodeFail(`only 2-D convolutions are supported (weight [${d.join(',')}])`);
        if (shape.length !== 3) nodeFail(`needs an input [batch, C, H, W] (got [batch, ${shape.join(', ')}])`);
        if ((a.group ?? 1) !== 1) nodeFail(`group = ${a.group}: only group = 1 is supported`);
        if (d[1] !== shape[0]) nodeFail(`weight has ${d[1]} input channels, the input has ${shape[0]}`);
        const ks = ints(a.kernel_shape) ?? d.slice(2);
        if (ks[0] !== ks[1] || ks[0] !== d[2] || d[2] !== d[3]) nodeFail(`only square kernels are supported (kernel ${ks.join('×')}, weight [${d.join(',')}])`);
        const strides = ints(a.strides) ?? [1, 1];
        if (strides[0] !== strides[1]) nodeFail(`strides ${strides.join(',')}: only equal strides are supported`);
        const dil = ints(a.dilations) ?? [1, 1];
        if (dil.some((x) => x !== 1)) nodeFail(`dilations ${dil.join(',')}: only dilation 1 is supported`);
        const autoPad = String(a.auto_pad ?? 'NOTSET');
        if (autoPad !== 'NOTSET' && autoPad !== 'VALID' && autoPad !== '') nodeFail(`auto_pad = ${autoPad}: give explicit pads`);
        const pads = autoPad === 'VALID' ? [0, 0, 0, 0] : ints(a.pads) ?? [0, 0, 0, 0];
        if (pads.some((p) => p !== pads[0])) nodeFail(`pads ${pads.join(',')}: only equal padding on all sides is supported`);
        const B = n.inputs[2] ? vector(param(n, n.inputs[2], 'bias B'), d[0], n, 'bias B') : undefined;
        addLayer(n, 'Conv', conv2d(d[0], d[2], { stride: strides[0], padding: pads[0], bias: !!B }), [n], B ? [W, B] : [W]);
        break;
      }
      case 'MaxPool': case 'AveragePool': {
        if (shape.length !== 3) nodeFail(`needs an input [batch, C, H, W] (got [batch, ${shape.join(', ')}])`);
        const ks = ints(a.kernel_shape);
        if (!ks || ks.length !== 2 || ks[0] !== ks[1]) nodeFail(`only square 2-D windows are supported (kernel_shape ${JSON.stringify(ks)})`);
        const k = ks![0];
        const strides = ints(a.strides) ?? [1, 1];
        if (strides[0] !== strides[1]) nodeFail(`strides ${strides.join(',')}: only equal strides are supported`);
        const pads = ints(a.pads) ?? [0, 0, 0, 0];
        if (pads.some((p) => p !== 0) || (a.auto_pad && a.auto_pad !== 'NOTSET' && a.auto_pad !== 'VALID')) nodeFail(`pads ${pads.join(',')}: padded pooling is not supported`);
        if ((ints(a.dilations) ?? [1, 1]).some((x) => x !== 1)) nodeFail('only dilation 1 is supported');
        if ((a.storage_order ?? 0) !== 0) nodeFail('storage_order = 1 is not supported');
        const s = strides[0];
        if (a.ceil_mode === 1 && shape.slice(1).some((h) => (h - k) % s !== 0)) nodeFail('ceil_mode = 1 with a partial last window is not supported');
        addLayer(n, n.op, n.op === 'MaxPool' ? maxPool(k, s) : avgPool(k, s), [n]);
        break;
      }
      case 'GlobalAveragePool':
        if (shape.length !== 3 || shape[1] !== shape[2]) nodeFail(`needs a square input [batch, C, H, H] (got [batch, ${shape.join(', ')}])`);
        addLayer(n, n.op, avgPool(shape[1], shape[1]), [n]);
        break;
      case 'Flatten': {
        const axis = (a.axis as number | undefined) ?? 1;
        if (axis !== 1 && axis + shape.length + 1 !== 1) nodeFail(`axis = ${axis}: only axis = 1 (keep the batch axis) is supported`);
        if (shape.length > 1) addLayer(n, n.op, flatten(), [n]);
        break;
      }
      case 'Reshape': {
        const target = n.inputs[1] ? statics.get(n.inputs[1])?.value.data : undefined;
        if (!target) return nodeFail('the shape must be a constant (export with a fixed target shape)');
        const t = Array.from(target);
        if ((a.allowzero ?? 0) === 1 && t.includes(0)) nodeFail('allowzero = 1 with a zero size is not supported');
        if (!(t[0] === 0 || t[0] === -1 || (staticBatch !== undefined && t[0] === staticBatch))) nodeFail(`target shape [${t.join(',')}] changes the batch axis; only reshapes that keep it (first entry 0 or -1) are supported`);
        const rest = t.slice(1).map((d, i) => (d === 0 ? shape[i] : d));
        const size = shape.reduce((p, q) => p * q, 1);
        const free = rest.filter((d) => d === -1).length;
        if (free > 1 || (t[0] === -1 && free > 0)) nodeFail(`target shape [${t.join(',')}] has more than one -1`);
        const known = rest.filter((d) => d !== -1).reduce((p, q) => p * q, 1);
        const resolved = rest.map((d) => (d === -1 ? size / known : d));
        if (resolved.some((d) => !Number.isInteger(d) || d <= 0) || resolved.reduce((p, q) => p * q, 1) !== size) nodeFail(`target shape [${t.join(',')}] does not fit the input [batch, ${shape.join(', ')}]`);
        if (resolved.join(',') !== shape.join(',')) addLayer(n, n.op, onnxReshape(resolved), [n]);
        break;
      }
      case 'Softmax': case 'LogSoftmax': {
        const rank = shape.length + 1;
        const axis0 = (a.axis as number | undefined) ?? (graph.opset >= 13 ? -1 : 1);
        const axis = axis0 < 0 ? axis0 + rank : axis0;
        if (axis <= 0 || axis >= rank) nodeFail(`axis = ${axis0} is the batch axis or outside a rank-${rank} input`);
        if (graph.opset < 13 && axis !== rank - 1) nodeFail(`opset ${graph.opset} ${n.op} over the flattened axes ${axis}… is only supported on the last axis`);
        addLayer(n, n.op, onnxSoftmax(axis, n.op === 'LogSoftmax'), [n]);
        break;
      }
      case 'LayerNormalization': {
        const rank = shape.length + 1;
        const axis0 = (a.axis as number | undefined) ?? -1;
        if ((axis0 < 0 ? axis0 + rank : axis0) !== rank - 1) nodeFail(`axis = ${axis0}: only normalization over the last axis is supported`);
        const dLast = shape[shape.length - 1];
        const g = vector(param(n, n.inputs[1], 'scale'), dLast, n, 'scale');
        if (!n.inputs[2]) nodeFail('a LayerNormalization without bias B is not supported (the lab\'s LayerNorm has a shift)');
        const b = vector(param(n, n.inputs[2], 'bias B'), dLast, n, 'bias B');
        addLayer(n, n.op, layerNorm({ eps: (a.epsilon as number | undefined) ?? 1e-5 }), [n], [g, b]);
        break;
      }
      default:
        nodeFail(`operator not supported by the importer (supported: ${SUPPORTED_ONNX_OPS.join(', ')}${n.domain ? `; domain "${n.domain}"` : ''})`);
    }
    cur = output;
  }
  if (graph.outputs.length !== 1) fail(`the graph has ${graph.outputs.length} outputs; exactly one is supported`);
  if (graph.outputs[0].name !== cur) fail(`the graph output "${graph.outputs[0].name}" is not the end of the chain ("${cur}")`);
  if (entries.length === 0) fail('the graph has no layers');
  const unused = [...weights.keys()].filter((k) => !usedWeights.has(k));
  if (unused.length) fail(`weights: ${unused.map((k) => `"${k}"`).join(', ')} ${unused.length === 1 ? 'is' : 'are'} not a parameter of the graph (its parameters: ${[...usedWeights].map((k) => `"${k}"`).join(', ')})`);

  let net: Model;
  try {
    net = buildModel(namedSerial(entries), inShape, { dtype });
  } catch (e) {
    return fail(`building the model: ${(e as Error).message}`);
  }
  if (net.info.length !== values.length) fail(`internal: ${net.info.length} model parameters, ${values.length} tensors`);
  const params = values.map((v, i) => {
    const info = net.info[i];
    if (v.dims.join(',') !== info.shape.join(',')) fail(`tensor "${origins[i].tensor}" has shape [${v.dims.join(',')}], parameter ${info.name} needs [${info.shape.join(',')}]`);
    for (let j = 0; j < v.data.length; j++) if (!Number.isFinite(v.data[j])) fail(`tensor "${origins[i].tensor}"[${j}] is not finite (${v.data[j]})`);
    return new Tensor(dtype === 'f32' ? Float32Array.from(v.data) : Float64Array.from(v.data), info.shape.slice());
  });
  return {
    model: net, params, names: net.info.map((p) => p.name),
    origins: net.info.map((p, i) => ({ name: p.name, ...origins[i] })),
    layers: records, input: input.name, output: cur, opset: graph.opset, producer: graph.producer,
  };
}

/** Read an .onnx file (and optionally a .safetensors file of its weights) as an nn model. */
export function loadOnnxModel(path: string, opts: Omit<OnnxImportOptions, 'weights' | 'source'> & { weights?: string } = {}): OnnxModel {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new OnnxError(`${path}: cannot read the ONNX file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const weights = opts.weights ? readSafetensors(opts.weights).tensors : undefined;
  return importOnnx(decodeOnnx(bytes, path), { ...opts, weights, source: path });
}
