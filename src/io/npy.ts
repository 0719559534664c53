/**
 * Matrix input: NumPy .npy (format versions 1.0, 2.0, 3.0), JSON (array of rows, or a flat array
 * of numbers = one column) and CSV (one row per line, comma/whitespace separated, optional header).
 *
 * .npy layout (numpy.lib.format): magic "\x93NUMPY", major, minor version bytes, header length
 * HEADER_LEN (uint16 LE for v1, uint32 LE for v2/v3), then an ASCII (v3: UTF-8) Python dict literal
 * {'descr': '<f8', 'fortran_order': False, 'shape': (n, d), } padded with spaces and '\n' so the
 * data starts at a multiple of 64 bytes, then the raw data. Read here: little-endian float64
 * ('<f8') and float32 ('<f4'), also int32/int64 ('<i4', '<i8'), in C order or Fortran order.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { Mat } from '../engine/linalg/index.js';

export class MatrixFormatError extends Error {}

/** Parse .npy bytes into a rows × cols matrix (rank 0 → 1×1, rank 1 → n×1, rank 2 → as is). */
export function parseNpy(bytes: Uint8Array, what = 'npy'): Mat {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 10 || magic.some((b, i) => bytes[i] !== b)) throw new MatrixFormatError(`${what}: not a .npy file (missing \\x93NUMPY magic)`);
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number, start: number;
  if (major === 1) { headerLen = view.getUint16(8, true); start = 10; }
  else if (major === 2 || major === 3) { headerLen = view.getUint32(8, true); start = 12; }
  else throw new MatrixFormatError(`${what}: unsupported .npy format version ${major}.${bytes[7]}`);
  if (start + headerLen > bytes.length) throw new MatrixFormatError(`${what}: truncated header`);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeStr = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeStr === undefined) throw new MatrixFormatError(`${what}: malformed header ${JSON.stringify(header.trim())}`);
  const shape = shapeStr.split(',').map((s) => s.trim()).filter((s) => s.length).map(Number);
  if (shape.some((s) => !Number.isInteger(s) || s < 0)) throw new MatrixFormatError(`${what}: bad shape (${shapeStr})`);
  if (shape.length > 2) throw new MatrixFormatError(`${what}: array has rank ${shape.length}; expected a matrix (rank ≤ 2)`);
  const rows = shape.length === 0 ? 1 : shape[0], cols = shape.length === 2 ? shape[1] : 1;
  const types: Record<string, [number, (o: number) => number]> = {
    '<f8': [8, (o) => view.getFloat64(o, true)],
    '<f4': [4, (o) => view.getFloat32(o, true)],
    '<i4': [4, (o) => view.getInt32(o, true)],
    '<i8': [8, (o) => Number(view.getBigInt64(o, true))],
  };
  const t = types[descr.replace(/^\|/, '<')];
  if (!t) throw new MatrixFormatError(`${what}: dtype '${descr}' not supported; use little-endian float64 '<f8' or float32 '<f4' (or '<i4', '<i8')`);
  const [size, get] = t;
  const dataStart = start + headerLen;
  const count = rows * cols;
  if (dataStart + count * size > bytes.length) throw new MatrixFormatError(`${what}: data truncated (need ${count} × ${size} bytes after the header)`);
  const data = new Float64Array(count);
  for (let k = 0; k < count; k++) {
    const v = get(dataStart + k * size);
    if (fortran === 'True') { const c = Math.floor(k / rows), r = k % rows; data[r * cols + c] = v; } else data[k] = v;
  }
  return { rows, cols, data };
}

/** Bytes of a .npy v1.0 file holding a float64 (or float32) C-order matrix: the writer's half, for tests and exports. */
export function toNpy(m: Mat, dtype: '<f8' | '<f4' = '<f8'): Uint8Array {
  let header = `{'descr': '${dtype}', 'fortran_order': False, 'shape': (${m.rows}, ${m.cols}), }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header += ' '.repeat(pad % 64) + '\n';
  const size = dtype === '<f8' ? 8 : 4;
  const out = new Uint8Array(10 + header.length + m.data.length * size);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  const view = new DataView(out.buffer);
  view.setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  const o = 10 + header.length;
  for (let k = 0; k < m.data.length; k++) {
    if (size === 8) view.setFloat64(o + 8 * k, m.data[k], true); else view.setFloat32(o + 4 * k, m.data[k], true);
  }
  return out;
}

/** JSON: [[...], [...]] (rows) or [x, y, …] (one column). */
export function parseJsonMatrix(text: string, what = 'json'): Mat {
  let v: unknown;
  try { v = JSON.parse(text); } catch (e) { throw new MatrixFormatError(`${what}: invalid JSON (${(e as Error).message})`); }
  if (!Array.isArray(v) || v.length === 0) throw new MatrixFormatError(`${what}: expected a non-empty JSON array of rows`);
  const rows = v.map((r) => (Array.isArray(r) ? r : [r]));
  const cols = rows[0].length;
  if (cols === 0) throw new MatrixFormatError(`${what}: rows are empty`);
  const data = new Float64Array(rows.length * cols);
  rows.forEach((r, i) => {
    if (r.length !== cols) throw new MatrixFormatError(`${what}: row ${i} has ${r.length} entries, row 0 has ${cols}`);
    r.forEach((x, j) => {
      if (typeof x !== 'number' || !Number.isFinite(x)) throw new MatrixFormatError(`${what}: entry [${i}][${j}] is not a finite number (${JSON.stringify(x)})`);
      data[i * cols + j] = x;
    });
  });
  return { rows: rows.length, cols, data };
}

/** CSV: comma, semicolon, tab or space separated; a first line that is not numeric is a header. */
export function parseCsvMatrix(text: string, what = 'csv'): Mat {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length && !l.startsWith('#'));
  const split = (l: string) => l.split(/[,;\t ]+/).filter((s) => s.length);
  if (lines.length && split(lines[0]).some((s) => !Number.isFinite(Number(s)))) lines.shift();
  if (!lines.length) throw new MatrixFormatError(`${what}: no numeric rows`);
  const rows = lines.map(split);
  const cols = rows[0].length;
  const data = new Float64Array(rows.length * cols);
  rows.forEach((r, i) => {
    if (r.length !== cols) throw new MatrixFormatError(`${what}: line ${i + 1} has ${r.length} fields, the first has ${cols}`);
    r.forEach((s, j) => {
      const x = Number(s);
      if (!Number.isFinite(x)) throw new MatrixFormatError(`${what}: line ${i + 1}, field ${j + 1} is not a number (${JSON.stringify(s)})`);
      data[i * cols + j] = x;
    });
  });
  return { rows: rows.length, cols, data };
}

/** Read a matrix file by extension: .npy, .json, .csv/.tsv/.txt. */
export function readMatrix(path: string, what = path): Mat {
  const ext = extname(path).toLowerCase();
  let bytes: Buffer;
  try { bytes = readFileSync(path); } catch (e) { throw new MatrixFormatError(`${what}: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`); }
  if (ext === '.npy') return parseNpy(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), what);
  if (ext === '.json') return parseJsonMatrix(bytes.toString('utf8'), what);
  if (ext === '.csv' || ext === '.tsv' || ext === '.txt') return parseCsvMatrix(bytes.toString('utf8'), what);
  throw new MatrixFormatError(`${what}: unknown file type "${ext || '(none)'}"; allowed: .npy, .json, .csv (.tsv, .txt)`);
}
