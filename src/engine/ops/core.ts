/**
 * Shared machinery of the differentiable ops: recording a node (`make`), dtype and axis
 * checks, and the strided iteration used by broadcasting, reductions and permutes.
 *
 * Strided iteration: an N-d loop over a result of shape S reads each operand k at offset
 * Σ_i idx_i · stride_k[i] (stride 0 on a broadcast axis). `rowPlan` first drops size-1 axes and
 * merges adjacent axes that are contiguous for every operand, so the common cases collapse to
 * one long inner run (same shape) or rows × run (bias [m,n] ⊕ [n]); the inner run is then a
 * plain loop with fixed strides, and only the row starts come from an odometer.
 */
import { allocate, isFloat, type DType, type TensorData } from '../dtype.js';
import { Tensor, isGradEnabled, fmtShape, shapeSize, type BackwardFn } from '../tensor.js';

export type Operand = Tensor | number;
export type Grads = (Tensor | null)[];

/**
 * Wrap a freshly computed value, recording a node if any input is tracked (and the output is
 * a float: i32 results are never differentiated).
 */
export function make(op: string, data: TensorData, shape: readonly number[], inputs: readonly Tensor[], backward: BackwardFn): Tensor {
  const track = isGradEnabled() && !(data instanceof Int32Array) && inputs.some((t) => t.node !== null);
  return new Tensor(data, shape, track ? { op, parents: inputs, backward } : null);
}

export function checkDtype(op: string, a: Tensor, b: Tensor): void {
  if (a.dtype !== b.dtype) {
    throw new Error(`${op}: dtype mismatch (${a.dtype} ${fmtShape(a.shape)} vs ${b.dtype} ${fmtShape(b.shape)}); convert one with astype()`);
  }
}

/** Float ops refuse i32 tensors (convert with astype first). */
export function requireFloat(op: string, ...ts: Tensor[]): void {
  for (const t of ts) {
    if (!isFloat(t.dtype)) {
      throw new Error(`${op}: needs an f32 or f64 tensor, got ${t.dtype} ${fmtShape(t.shape)}; convert with astype(t, 'f64')`);
    }
  }
}

export { sameShape } from '../tensor.js';

/** An axis in [−rank, rank) mapped to [0, rank). */
export function normAxis(op: string, axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new Error(`${op}: axis ${axis} out of range for rank ${rank} (allowed ${-rank}..${rank - 1})`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Distinct normalized axes, sorted (undefined → all axes). */
export function normAxes(op: string, axis: number | readonly number[] | undefined, rank: number): number[] {
  if (axis === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axis === 'number' ? [axis] : axis;
  const out = list.map((a) => normAxis(op, a, rank));
  if (new Set(out).size !== out.length) throw new Error(`${op}: repeated axis in [${list.join(',')}]`);
  return out.sort((p, q) => p - q);
}

export function scalarLike(v: number, like: Tensor): Tensor {
  const d = allocate(like.dtype, 1);
  d[0] = v;
  return new Tensor(d, []);
}

/** Lift number operands to scalar tensors of the other operand's dtype. */
export function operands(op: string, x: Operand, y: Operand): [Tensor, Tensor] {
  if (typeof x === 'number' && typeof y === 'number') throw new Error(`${op}: at least one operand must be a Tensor`);
  const a = typeof x === 'number' ? scalarLike(x, y as Tensor) : x;
  const b = typeof y === 'number' ? scalarLike(y, a) : y;
  checkDtype(op, a, b);
  return [a, b];
}

export function alloc(dtype: DType, n: number): TensorData {
  return allocate(dtype, n);
}

// ---------------------------------------------------------------------------------------
// Shapes and strides.

/** NumPy broadcasting: right-aligned, a dimension of 1 (or a missing one) stretches. */
export function broadcastShapes(op: string, ...shapes: (readonly number[])[]): number[] {
  const r = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(r).fill(1);
  for (const s of shapes) {
    const off = r - s.length;
    for (let i = 0; i < s.length; i++) {
      const d = s[i], o = out[off + i];
      if (d === o || d === 1) continue;
      if (o !== 1) throw new Error(`${op}: shapes ${shapes.map(fmtShape).join(' and ')} are not broadcastable`);
      out[off + i] = d;
    }
  }
  return out;
}

/** Row-major strides (in elements) of a contiguous tensor of this shape. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** Strides for reading a contiguous `shape` as a broadcast operand of a result of shape `out`. */
export function broadcastStrides(shape: readonly number[], out: readonly number[]): number[] {
  const cs = contiguousStrides(shape);
  const off = out.length - shape.length;
  return out.map((_, i) => (i < off || shape[i - off] === 1 ? 0 : cs[i - off]));
}

/**
 * The rows of a strided N-d loop over `shape`: the inner run length `n`, each operand's inner
 * stride, and each operand's start offset for every row. The result itself is contiguous, so
 * row r of the result starts at r·n.
 */
export interface RowPlan {
  rows: number;
  n: number;
  inner: number[];
  starts: Int32Array[];
}

export function rowPlan(shape: readonly number[], strides: readonly (readonly number[])[]): RowPlan {
  const dims: number[] = [];
  const st: number[][] = strides.map(() => []);
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (d === 1) continue;
    const last = dims.length - 1;
    if (last >= 0 && strides.every((s, k) => st[k][last] === s[i] * d)) {
      dims[last] *= d;
      for (let k = 0; k < st.length; k++) st[k][last] = strides[k][i];
    } else {
      dims.push(d);
      for (let k = 0; k < st.length; k++) st[k].push(strides[k][i]);
    }
  }
  const r = dims.length;
  const n = r > 0 ? dims[r - 1] : 1;
  const size = shapeSize(dims);
  const rows = n === 0 ? 0 : size / n;
  const inner = st.map((s) => (r > 0 ? s[r - 1] : 0));
  const starts = st.map(() => new Int32Array(rows));
  const idx = new Array<number>(Math.max(0, r - 1)).fill(0);
  const cur = st.map(() => 0);
  const K = st.length;
  for (let row = 0; row < rows; row++) {
    for (let k = 0; k < K; k++) starts[k][row] = cur[k];
    for (let ax = r - 2; ax >= 0; ax--) {
      idx[ax]++;
      for (let k = 0; k < K; k++) cur[k] += st[k][ax];
      if (idx[ax] < dims[ax]) break;
      for (let k = 0; k < K; k++) cur[k] -= st[k][ax] * dims[ax];
      idx[ax] = 0;
    }
  }
  return { rows, n, inner, starts };
}

/** Sizes before, along and after `axis`: element (o, j, i) sits at (o·len + j)·inner + i. */
export function around(shape: readonly number[], axis: number): [number, number, number] {
  return [shapeSize(shape.slice(0, axis)), shape[axis], shapeSize(shape.slice(axis + 1))];
}
