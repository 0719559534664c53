/**
 * safetensors files (the Hugging Face format PyTorch users save state_dicts in):
 *
 *   [8 bytes: N, unsigned little-endian]  [N bytes: UTF-8 JSON header]  [raw tensor bytes]
 *
 * The header maps each tensor name to {"dtype", "shape", "data_offsets": [begin, end)} with the
 * offsets relative to the start of the byte buffer after the header; the optional key
 * "__metadata__" maps strings to strings. Tensors are C-order, little-endian. Read here: F64, F32,
 * F16, BF16, I64, I32, I16, I8, U8, BOOL (values as f64 numbers; I64 exact up to 2⁵³).
 * `encodeSafetensors` writes F64 or F32 (tests, exports).
 */
import { readFileSync } from 'node:fs';
import * as libm from '../engine/libm.js';

export class SafetensorsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SafetensorsError';
  }
}

export interface SafeTensor {
  dtype: string;
  shape: number[];
  /** Values as f64. */
  data: Float64Array;
}

export interface Safetensors {
  tensors: Map<string, SafeTensor>;
  metadata: Record<string, string>;
}

const WIDTH: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

function half(h: number): number {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * libm.pow(2, e - 15);
}

function read(dv: DataView, dtype: string, o: number, scratch: DataView): number {
  switch (dtype) {
    case 'F64': return dv.getFloat64(o, true);
    case 'F32': return dv.getFloat32(o, true);
    case 'F16': return half(dv.getUint16(o, true));
    case 'BF16': scratch.setUint32(0, dv.getUint16(o, true) << 16); return scratch.getFloat32(0);
    case 'I64': return Number(dv.getBigInt64(o, true));
    case 'I32': return dv.getInt32(o, true);
    case 'I16': return dv.getInt16(o, true);
    case 'I8': return dv.getInt8(o);
    default: return dv.getUint8(o);
  }
}

/** Parse the bytes of a .safetensors file; errors name the source and the tensor. */
export function parseSafetensors(bytes: Uint8Array, source = 'safetensors'): Safetensors {
  if (bytes.byteLength < 8) throw new SafetensorsError(`${source}: ${bytes.byteLength} bytes is too short for a safetensors file (8-byte header length first)`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(dv.getBigUint64(0, true));
  if (n > bytes.byteLength - 8) throw new SafetensorsError(`${source}: header length ${n} exceeds the file (${bytes.byteLength} bytes); not a safetensors file?`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  } catch (e) {
    throw new SafetensorsError(`${source}: the header is not valid JSON (${(e as Error).message})`);
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) throw new SafetensorsError(`${source}: the header must be a JSON object of tensors`);
  const base = 8 + n, dataBytes = bytes.byteLength - base;
  const tensors = new Map<string, SafeTensor>();
  let metadata: Record<string, string> = {};
  const scratch = new DataView(new ArrayBuffer(4));
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') { metadata = (raw ?? {}) as Record<string, string>; continue; }
    const where = `${source}: tensor ${JSON.stringify(name)}`;
    const e = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (!e || typeof e !== 'object') throw new SafetensorsError(`${where}: must be {dtype, shape, data_offsets}`);
    const dtype = String(e.dtype);
    const w = WIDTH[dtype];
    if (!w) throw new SafetensorsError(`${where}: dtype ${JSON.stringify(e.dtype)} is not supported (supported: ${Object.keys(WIDTH).join(', ')})`);
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isInteger(d) && d >= 0)) throw new SafetensorsError(`${where}: shape must be an array of non-negative integers (got ${JSON.stringify(e.shape)})`);
    const shape = e.shape as number[];
    const off = e.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isInteger(d) && d >= 0) || off[1] < off[0]) {
      throw new SafetensorsError(`${where}: data_offsets must be [begin, end] with 0 ≤ begin ≤ end (got ${JSON.stringify(off)})`);
    }
    const [b, end] = off as number[];
    const size = shape.reduce((p, d) => p * d, 1);
    if (end - b !== size * w) throw new SafetensorsError(`${where}: data_offsets span ${end - b} bytes, but ${dtype}[${shape.join(',')}] needs ${size * w}`);
    if (end > dataBytes) throw new SafetensorsError(`${where}: data_offsets end at ${end}, past the ${dataBytes} data bytes of the file`);
    const data = new Float64Array(size);
    for (let i = 0; i < size; i++) data[i] = read(dv, dtype, base + b + i * w, scratch);
    tensors.set(name, { dtype, shape: shape.slice(), data });
  }
  return { tensors, metadata };
}

export function readSafetensors(path: string): Safetensors {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new SafetensorsError(`${path}: cannot read the safetensors file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseSafetensors(bytes, path);
}

/** Bytes of a safetensors file holding the given tensors (F64 or F32), in the given order. */
export function encodeSafetensors(
  tensors: readonly { name: string; shape: readonly number[]; data: ArrayLike<number> }[], dtype: 'F64' | 'F32' = 'F64', metadata?: Record<string, string>,
): Uint8Array {
  const w = WIDTH[dtype];
  const header: Record<string, unknown> = metadata ? { __metadata__: metadata } : {};
  let offset = 0;
  for (const t of tensors) {
    const size = t.shape.reduce((p, d) => p * d, 1);
    if (size !== t.data.length) throw new SafetensorsError(`encodeSafetensors: tensor ${t.name} has ${t.data.length} values but shape [${t.shape.join(',')}]`);
    header[t.name] = { dtype, shape: t.shape.slice(), data_offsets: [offset, offset + size * w] };
    offset += size * w;
  }
  let h = new TextEncoder().encode(JSON.stringify(header));
  const pad = (8 - (h.byteLength % 8)) % 8;
  if (pad) h = new TextEncoder().encode(JSON.stringify(header) + ' '.repeat(pad));
  const out = new Uint8Array(8 + h.byteLength + offset);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(0, BigInt(h.byteLength), true);
  out.set(h, 8);
  let o = 8 + h.byteLength;
  for (const t of tensors) {
    for (let i = 0; i < t.data.length; i++, o += w) {
      if (dtype === 'F64') dv.setFloat64(o, t.data[i], true); else dv.setFloat32(o, t.data[i], true);
    }
  }
  return out;
}
