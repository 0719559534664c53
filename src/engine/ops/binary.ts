/**
 * Elementwise binary ops with broadcasting of any rank, from one table: each entry holds the
 * scalar forward f(p, q), an optional closure-free row kernel and same-shape fast path, and the
 * reverse rule (written with differentiable ops, at the broadcast shape; `binary` sums each
 * cotangent back to its operand's shape with `sumTo`).
 *
 *   add: ∂/∂a = g, ∂/∂b = g            sub: g, −g
 *   mul: g ⊙ b, g ⊙ a                  div: g / b, −g ⊙ (a/b) / b
 *   maximum: g ⊙ 1[a ≥ b], g ⊙ 1[a < b] (ties go to a)   minimum: g ⊙ 1[a ≤ b], g ⊙ 1[a > b]
 *
 * `where(cond, a, b)` (three operands, cond held constant) lives here too. The bias case
 * [.., n] ⊕ [n] of add / sub / mul on floats runs on the backend's row kernels (addRow, mulRow).
 */
import { backend } from '../backend/index.js';
import type { FloatArray, TensorData } from '../dtype.js';
import { Tensor, shapeSize } from '../tensor.js';
import { isSuffix, rowKernel, sumTo, trailing } from './broadcast.js';
import {
  alloc, broadcastShapes, broadcastStrides, make, operands, requireFloat, rowPlan, sameShape,
  type Grads, type Operand,
} from './core.js';
import { neg } from './unary.js';

/** O[io + k] = f(A[ia + k·sa], B[ib + k·sb]) for k < n. */
export type RowKernel = (
  A: TensorData, ia: number, sa: number,
  B: TensorData, ib: number, sb: number,
  O: TensorData, io: number, n: number,
) => void;

export interface BinaryDef {
  forward: (p: number, q: number) => number;
  /** Row kernel; built from `forward` when omitted. */
  row?: RowKernel;
  /** Same-shape float fast path (e.g. a backend kernel). */
  same?: (x: FloatArray, y: FloatArray, out: FloatArray) => void;
  /** Cotangents of (a, b) at the broadcast shape, given the output y. */
  vjp: (g: Tensor, a: Tensor, b: Tensor, y: Tensor, needs: readonly boolean[]) => Grads;
  /** Whether i32 operands are allowed (the result is i32 and never differentiated). */
  ints?: boolean;
}

function rowOf(f: (p: number, q: number) => number): RowKernel {
  return (A, ia, sa, B, ib, sb, O, io, n) => {
    for (let k = 0; k < n; k++) O[io + k] = f(A[ia + k * sa], B[ib + k * sb]);
  };
}

function addRow(A: TensorData, ia: number, sa: number, B: TensorData, ib: number, sb: number, O: TensorData, io: number, n: number): void {
  for (let k = 0; k < n; k++) O[io + k] = A[ia + k * sa] + B[ib + k * sb];
}
function subRow(A: TensorData, ia: number, sa: number, B: TensorData, ib: number, sb: number, O: TensorData, io: number, n: number): void {
  for (let k = 0; k < n; k++) O[io + k] = A[ia + k * sa] - B[ib + k * sb];
}
function mulRow(A: TensorData, ia: number, sa: number, B: TensorData, ib: number, sb: number, O: TensorData, io: number, n: number): void {
  for (let k = 0; k < n; k++) O[io + k] = A[ia + k * sa] * B[ib + k * sb];
}
function divRow(A: TensorData, ia: number, sa: number, B: TensorData, ib: number, sb: number, O: TensorData, io: number, n: number): void {
  for (let k = 0; k < n; k++) O[io + k] = A[ia + k * sa] / B[ib + k * sb];
}

/** Constant 0/1 mask of pred(a, b) at the broadcast shape `like` (not differentiated). */
function maskOf(a: Tensor, b: Tensor, pred: (p: number, q: number) => boolean): Tensor {
  return binaryRaw('mask', a, b, (p, q) => (pred(p, q) ? 1 : 0));
}

/** The op table. Adding a broadcasting binary op is one entry here plus a one-line export. */
export const BINARY = {
  add: {
    forward: (p, q) => p + q, row: addRow, ints: true,
    same: (x, y, o) => backend().axpby(1, x, 1, y, o),
    vjp: (g) => [g, g],
  },
  sub: {
    forward: (p, q) => p - q, row: subRow, ints: true,
    same: (x, y, o) => backend().axpby(1, x, -1, y, o),
    vjp: (g, _a, _b, _y, needs) => [g, needs[1] ? neg(g) : null],
  },
  mul: {
    forward: (p, q) => p * q, row: mulRow, ints: true,
    same: (x, y, o) => backend().mul(x, y, o),
    vjp: (g, a, b, _y, needs) => [needs[0] ? mul(g, b) : null, needs[1] ? mul(g, a) : null],
  },
  div: {
    forward: (p, q) => p / q, row: divRow,
    vjp: (g, _a, b, y, needs) => [needs[0] ? div(g, b) : null, needs[1] ? neg(mul(g, div(y, b))) : null],
  },
  maximum: {
    forward: (p, q) => (p >= q ? p : q), ints: true,
    vjp: (g, a, b, _y, needs) => [
      needs[0] ? mul(g, maskOf(a, b, (p, q) => p >= q)) : null,
      needs[1] ? mul(g, maskOf(a, b, (p, q) => p < q)) : null,
    ],
  },
  minimum: {
    forward: (p, q) => (p <= q ? p : q), ints: true,
    vjp: (g, a, b, _y, needs) => [
      needs[0] ? mul(g, maskOf(a, b, (p, q) => p <= q)) : null,
      needs[1] ? mul(g, maskOf(a, b, (p, q) => p > q)) : null,
    ],
  },
} satisfies Record<string, BinaryDef>;

export type BinaryName = keyof typeof BINARY;

const rows = new Map<BinaryDef, RowKernel>();
function rowFor(def: BinaryDef): RowKernel {
  let r = def.row ?? rows.get(def);
  if (!r) rows.set(def, (r = rowOf(def.forward)));
  return r;
}

/**
 * The bias case [.., n] ⊕ [n] (either operand order; leading 1s of the small one ignored) of
 * add, mul and sub on floats, through the backend's row kernels (addRow, mulRow; x − b as
 * x + (−b), which IEEE defines to be the same number). Returns false for any other case.
 */
function biasRows(name: BinaryName, a: Tensor, b: Tensor, out: FloatArray): boolean {
  if (name !== 'add' && name !== 'mul' && name !== 'sub') return false;
  let big = a, small = b;
  if (!(a.size === out.length && b.size > 1 && isSuffix(a.shape, trailing(b.shape)))) {
    if (name === 'sub' || !(b.size === out.length && a.size > 1 && isSuffix(b.shape, trailing(a.shape)))) return false;
    big = b;
    small = a;
  }
  const n = small.size, rows = out.length / n;
  const x = big.data as FloatArray;
  let v = small.data as FloatArray;
  if (name === 'sub') {
    v = v.slice();
    for (let j = 0; j < n; j++) v[j] = -v[j];
  }
  rowKernel(name === 'mul' ? 'mulRow' : 'addRow')(x, v, out, rows, n);
  return true;
}

/** Broadcast loop of a row kernel over two operands into a fresh array (no graph). */
function broadcastLoop(row: RowKernel, a: Tensor, b: Tensor, shape: readonly number[], out: TensorData): void {
  const A = a.data, B = b.data;
  if (a.size === out.length && b.size > 1 && isSuffix(a.shape, b.shape)) {
    const n = b.size;
    for (let o = 0; o < out.length; o += n) row(A, o, 1, B, 0, 1, out, o, n);
    return;
  }
  if (b.size === out.length && a.size > 1 && isSuffix(b.shape, a.shape)) {
    const n = a.size;
    for (let o = 0; o < out.length; o += n) row(A, 0, 1, B, o, 1, out, o, n);
    return;
  }
  const p = rowPlan(shape, [broadcastStrides(a.shape, shape), broadcastStrides(b.shape, shape)]);
  const sa = p.starts[0], sb = p.starts[1], ia = p.inner[0], ib = p.inner[1], n = p.n;
  for (let r = 0; r < p.rows; r++) row(A, sa[r], ia, B, sb[r], ib, out, r * n, n);
}

/** f applied with broadcasting, as an untracked constant. */
function binaryRaw(op: string, a: Tensor, b: Tensor, f: (p: number, q: number) => number): Tensor {
  const shape = broadcastShapes(op, a.shape, b.shape);
  const out = alloc(a.dtype, shapeSize(shape));
  broadcastLoop(rowOf(f), a, b, shape, out);
  return new Tensor(out, shape);
}

/** Apply a table entry with broadcasting, recording its reverse rule. */
export function binary(name: BinaryName, x: Operand, y: Operand): Tensor {
  const def: BinaryDef = BINARY[name];
  const [a, b] = operands(name, x, y);
  if (!def.ints) requireFloat(name, a);
  const shape = broadcastShapes(name, a.shape, b.shape);
  const out = alloc(a.dtype, shapeSize(shape));
  if (sameShape(a.shape, b.shape)) {
    if (def.same && a.dtype !== 'i32') def.same(a.data as FloatArray, b.data as FloatArray, out as FloatArray);
    else rowFor(def)(a.data, 0, 1, b.data, 0, 1, out, 0, out.length);
  } else if (a.dtype === 'i32' || !biasRows(name, a, b, out as FloatArray)) {
    broadcastLoop(rowFor(def), a, b, shape, out);
  }
  const t: Tensor = make(name, out, shape, [a, b], (g, needs) => {
    const [ga, gb] = def.vjp(g, a, b, t, needs);
    return [ga && sumTo(ga, a.shape), gb && sumTo(gb, b.shape)];
  });
  return t;
}

/** a + b (broadcasting). */
export function add(a: Operand, b: Operand): Tensor {
  return binary('add', a, b);
}

/** a − b (broadcasting). */
export function sub(a: Operand, b: Operand): Tensor {
  return binary('sub', a, b);
}

/** a ⊙ b (broadcasting). */
export function mul(a: Operand, b: Operand): Tensor {
  return binary('mul', a, b);
}

/** a / b (broadcasting). */
export function div(a: Operand, b: Operand): Tensor {
  return binary('div', a, b);
}

/** Elementwise max(a, b); at ties the gradient goes to a. */
export function maximum(a: Operand, b: Operand): Tensor {
  return binary('maximum', a, b);
}

/** Elementwise min(a, b); at ties the gradient goes to a. */
export function minimum(a: Operand, b: Operand): Tensor {
  return binary('minimum', a, b);
}

/**
 * cond ? a : b elementwise, all three broadcast together. `cond` may have any dtype
 * (nonzero = true) and is not differentiated. d/da = where(cond, g, 0), d/db = where(cond, 0, g).
 */
export function where(cond: Tensor, x: Operand, y: Operand): Tensor {
  const [a, b] = operands('where', x, y);
  const shape = broadcastShapes('where', cond.shape, a.shape, b.shape);
  const out = alloc(a.dtype, shapeSize(shape));
  const C = cond.data, A = a.data, B = b.data;
  const p = rowPlan(shape, [broadcastStrides(cond.shape, shape), broadcastStrides(a.shape, shape), broadcastStrides(b.shape, shape)]);
  const [sc, sa, sb] = p.starts, [ic, ia, ib] = p.inner, n = p.n;
  for (let r = 0; r < p.rows; r++) {
    const c0 = sc[r], a0 = sa[r], b0 = sb[r], o = r * n;
    for (let k = 0; k < n; k++) out[o + k] = C[c0 + k * ic] !== 0 ? A[a0 + k * ia] : B[b0 + k * ib];
  }
  const c = cond.node ? new Tensor(cond.data, cond.shape) : cond;
  return make('where', out, shape, [a, b], (g, needs) => {
    const zero = scalarZero(g);
    return [
      needs[0] ? sumTo(where(c, g, zero), a.shape) : null,
      needs[1] ? sumTo(where(c, zero, g), b.shape) : null,
    ];
  });
}

function scalarZero(like: Tensor): Tensor {
  return new Tensor(alloc(like.dtype, 1), []);
}
