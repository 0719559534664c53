/**
 * ONNX model files as plain data: the protobuf bytes (decoded by protobufjs against the schema in
 * onnx-schema.ts) → { opset, inputs, outputs, initializers, nodes } with every tensor's values as
 * numbers. Tensor payloads are read from raw_data (little-endian, as the IR requires) or from the
 * typed fields float_data / double_data / int32_data / int64_data. Weights stored outside the file
 * (data_location = EXTERNAL) are reported as such: give them as a .safetensors file instead.
 */
import protobuf from 'protobufjs';
import { ONNX_PROTO } from './onnx-schema.js';
import * as libm from '../engine/libm.js';

export class OnnxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OnnxError';
  }
}

/** ONNX TensorProto.DataType codes the importer reads, and their names. */
export const ONNX_DTYPES: Record<number, string> = {
  1: 'float32', 2: 'uint8', 3: 'int8', 6: 'int32', 7: 'int64', 9: 'bool', 10: 'float16', 11: 'float64', 16: 'bfloat16',
};

export interface OnnxTensor {
  name: string;
  dims: number[];
  /** ONNX element type name (float32, float64, int64, …). */
  dtype: string;
  /** Values as f64 (exact for float32/float16/bfloat16 and for int64 up to 2⁵³). */
  data: Float64Array;
}

export type OnnxAttribute = number | number[] | string | string[] | OnnxTensor;

export interface OnnxNode {
  name: string;
  op: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes: Record<string, OnnxAttribute>;
}

export interface OnnxValueInfo {
  name: string;
  /** Element type name, or 'unknown'. */
  dtype: string;
  /** Static sizes as numbers, symbolic ones (e.g. "batch") as strings; undefined when absent. */
  shape?: (number | string)[];
}

export interface OnnxGraph {
  irVersion: number;
  /** Version of the default ("" / ai.onnx) operator set. */
  opset: number;
  producer: string;
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  initializers: Map<string, OnnxTensor>;
  nodes: OnnxNode[];
}

let modelType: protobuf.Type | undefined;
function ModelProto(): protobuf.Type {
  modelType ??= protobuf.parse(ONNX_PROTO, { keepCase: true }).root.lookupType('onnx.ModelProto');
  return modelType;
}

type Obj = Record<string, unknown>;
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const num = (v: unknown): number => (typeof v === 'number' ? v : v == null ? 0 : Number(v));
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** A float32 attribute as the shortest decimal that rounds to it (1e-5 stays 1e-5, not 9.99999974738e-6). */
export function shortestFloat32(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  for (let p = 1; p <= 9; p++) {
    const y = Number(x.toPrecision(p));
    if (Math.fround(y) === x) return y;
  }
  return x;
}

function bytesOf(v: unknown): Uint8Array {
  return v instanceof Uint8Array ? v : new Uint8Array(0);
}

function halfToNumber(h: number): number {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * libm.pow(2, e - 15);
}

function bf16ToNumber(h: number): number {
  const dv = new DataView(new ArrayBuffer(4));
  dv.setUint32(0, h << 16);
  return dv.getFloat32(0);
}

/** A TensorProto's values as f64. */
export function tensorValues(t: Obj, source: string): OnnxTensor {
  const name = str(t.name);
  const dims = arr(t.dims).map(num);
  const code = num(t.data_type);
  const dtype = ONNX_DTYPES[code];
  const where = `${source}: tensor ${JSON.stringify(name)}`;
  if (num(t.data_location) === 1) {
    throw new OnnxError(`${where}: its data is stored outside the .onnx file (external data); pass the weights as a .safetensors file (--weights) instead`);
  }
  if (!dtype) throw new OnnxError(`${where}: element type ${code} is not supported (supported: ${Object.values(ONNX_DTYPES).join(', ')})`);
  const size = dims.reduce((a, b) => a * b, 1);
  const out = new Float64Array(size);
  const raw = bytesOf(t.raw_data);
  if (raw.byteLength > 0) {
    const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const width: Record<string, number> = { float32: 4, float64: 8, int64: 8, int32: 4, float16: 2, bfloat16: 2, int8: 1, uint8: 1, bool: 1 };
    const w = width[dtype];
    if (raw.byteLength !== size * w) throw new OnnxError(`${where}: raw_data has ${raw.byteLength} bytes, expected ${size * w} for ${dtype}[${dims.join(',')}]`);
    for (let i = 0; i < size; i++) {
      const o = i * w;
      switch (dtype) {
        case 'float32': out[i] = dv.getFloat32(o, true); break;
        case 'float64': out[i] = dv.getFloat64(o, true); break;
        case 'int64': out[i] = Number(dv.getBigInt64(o, true)); break;
        case 'int32': out[i] = dv.getInt32(o, true); break;
        case 'float16': out[i] = halfToNumber(dv.getUint16(o, true)); break;
        case 'bfloat16': out[i] = bf16ToNumber(dv.getUint16(o, true)); break;
        case 'int8': out[i] = dv.getInt8(o); break;
        default: out[i] = dv.getUint8(o);
      }
    }
    return { name, dims, dtype, data: out };
  }
  const field = dtype === 'float32' ? t.float_data : dtype === 'float64' ? t.double_data : dtype === 'int64' ? t.int64_data : t.int32_data;
  const vals = arr(field).map(num);
  if (vals.length !== size) throw new OnnxError(`${where}: holds ${vals.length} values, expected ${size} for ${dtype}[${dims.join(',')}]`);
  for (let i = 0; i < size; i++) {
    const v = vals[i];
    out[i] = dtype === 'float16' ? halfToNumber(v) : dtype === 'bfloat16' ? bf16ToNumber(v) : v;
  }
  return { name, dims, dtype, data: out };
}

function attribute(a: Obj, source: string): OnnxAttribute {
  switch (num(a.type)) {
    case 1: return shortestFloat32(num(a.f));
    case 2: return num(a.i);
    case 3: return new TextDecoder().decode(bytesOf(a.s));
    case 4: return tensorValues(a.t as Obj, source);
    case 6: return arr(a.floats).map((x) => shortestFloat32(num(x)));
    case 7: return arr(a.ints).map(num);
    case 8: return arr(a.strings).map((s) => new TextDecoder().decode(bytesOf(s)));
    default: return `<attribute type ${num(a.type)}>`;
  }
}

function valueInfo(v: Obj): OnnxValueInfo {
  const tt = (v.type as Obj | undefined)?.tensor_type as Obj | undefined;
  const shape = tt?.shape as Obj | undefined;
  return {
    name: str(v.name),
    dtype: ONNX_DTYPES[num(tt?.elem_type)] ?? 'unknown',
    ...(shape ? { shape: arr(shape.dim).map((d) => { const o = d as Obj; return str(o.dim_param) || (o.dim_value != null && num(o.dim_value) > 0 ? num(o.dim_value) : '?'); }) } : {}),
  };
}

/** Decode the bytes of an .onnx file. */
export function decodeOnnx(bytes: Uint8Array, source = 'onnx'): OnnxGraph {
  const T = ModelProto();
  let m: Obj;
  try {
    m = T.toObject(T.decode(bytes), { longs: Number, enums: Number, arrays: true, defaults: false }) as Obj;
  } catch (e) {
    throw new OnnxError(`${source}: not a valid ONNX model file (protobuf decoding failed: ${(e as Error).message})`);
  }
  const g = m.graph as Obj | undefined;
  if (!g || arr(g.node).length === 0) throw new OnnxError(`${source}: the file has no graph (or a graph without nodes); is it an ONNX model?`);
  const opsetEntry = arr(m.opset_import).map((o) => o as Obj).find((o) => str(o.domain) === '' || str(o.domain) === 'ai.onnx');
  const initializers = new Map<string, OnnxTensor>();
  for (const t of arr(g.initializer)) {
    const v = tensorValues(t as Obj, source);
    initializers.set(v.name, v);
  }
  const nodes = arr(g.node).map((n, i): OnnxNode => {
    const o = n as Obj;
    const op = str(o.op_type);
    const attributes: Record<string, OnnxAttribute> = {};
    for (const a of arr(o.attribute)) attributes[str((a as Obj).name)] = attribute(a as Obj, `${source}: node ${str(o.name) || i}`);
    return { name: str(o.name) || `${op}_${i}`, op, domain: str(o.domain), inputs: arr(o.input).map(str), outputs: arr(o.output).map(str), attributes };
  });
  return {
    irVersion: num(m.ir_version),
    opset: opsetEntry ? num(opsetEntry.version) : 0,
    producer: [str(m.producer_name), str(m.producer_version)].filter(Boolean).join(' '),
    inputs: arr(g.input).map((v) => valueInfo(v as Obj)),
    outputs: arr(g.output).map((v) => valueInfo(v as Obj)),
    initializers,
    nodes,
  };
}

/**
 * Bytes of an .onnx file from a plain ModelProto object (snake_case field names as in the
 * schema): the writer's half, for tests and hand-made graphs.
 */
export function encodeOnnx(model: Record<string, unknown>): Uint8Array {
  const T = ModelProto();
  const err = T.verify(model);
  if (err) throw new OnnxError(`encodeOnnx: ${err}`);
  return T.encode(T.fromObject(model)).finish();
}
