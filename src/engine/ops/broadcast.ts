/**
 * Broadcasting and its adjoint, for any rank (NumPy rules: right-aligned, size-1 stretches).
 *
 *   broadcastTo(a, S): y[idx] = a[idx with stretched axes set to 0]
 *   sumTo(g, s):       the adjoint, summing over the stretched axes
 *
 * Each is the other's vjp, so broadcasting is exactly differentiable to any order.
 *
 * sumTo over leading axes ([.., n] → [n]) and over trailing axes ([m, ..] → [m, 1, ..]) of a
 * float tensor runs on the backend's row kernels (sumRows, sumCols); other patterns on the
 * strided loop.
 */
import { backend } from '../backend/index.js';
import { referenceRows, type RowKernels } from '../backend/row-kernels.js';
import type { FloatArray } from '../dtype.js';
import { Tensor, fmtShape, shapeSize } from '../tensor.js';
import { alloc, broadcastShapes, broadcastStrides, make, rowPlan, sameShape } from './core.js';

/** The active backend's row kernel `name`, or the reference one when the backend lacks it. */
export function rowKernel<K extends keyof RowKernels>(name: K): RowKernels[K] {
  return (backend()[name] as RowKernels[K] | undefined) ?? referenceRows[name];
}

/** `shape` without its leading 1s (the same broadcast operand). */
export function trailing(shape: readonly number[]): readonly number[] {
  let i = 0;
  while (i < shape.length && shape[i] === 1) i++;
  return i === 0 ? shape : shape.slice(i);
}

/** Whether `b` equals the last b.length dims of `a` (the bias case [.., n] ⊕ [n]). */
export function isSuffix(a: readonly number[], b: readonly number[]): boolean {
  if (b.length > a.length) return false;
  const off = a.length - b.length;
  for (let i = 0; i < b.length; i++) if (a[off + i] !== b[i]) return false;
  return true;
}

/**
 * The two row-kernel cases of sumTo on a float tensor: reducing leading axes ([.., n] → [n]:
 * column sums, the bias gradient) and reducing trailing axes (same rank, [m, ..] kept and the
 * rest 1: per-row sums, e.g. a mean over the last axis). Returns false for any other pattern.
 */
function sumToRows(x: FloatArray, from: readonly number[], to: readonly number[], out: FloatArray): boolean {
  const size = x.length, kept = out.length;
  if (size === 0) return true; // out is already zeros
  if (kept === 1) {
    rowKernel('sumCols')(x, out, 1, size);
    return true;
  }
  if (isSuffix(from, trailing(to))) {
    rowKernel('sumRows')(x, out, size / kept, kept);
    return true;
  }
  if (to.length !== from.length) return false;
  let k = 0;
  while (k < to.length && to[k] === from[k]) k++;
  for (let i = k; i < to.length; i++) if (to[i] !== 1) return false;
  rowKernel('sumCols')(x, out, kept, size / kept);
  return true;
}

function broadcastable(to: readonly number[], from: readonly number[]): boolean {
  try {
    return sameShape(broadcastShapes('', from, to), to);
  } catch {
    return false;
  }
}

/** Sum `a` down to `shape` (the reverse of broadcasting). d/da: broadcastTo(g, a.shape). */
export function sumTo(a: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(a.shape, shape)) return a;
  if (!broadcastable(a.shape, shape)) {
    throw new Error(`sumTo: cannot reduce ${fmtShape(a.shape)} to ${fmtShape(shape)}`);
  }
  const out = alloc(a.dtype, shapeSize(shape));
  const x = a.data;
  const back = (g: Tensor): Tensor[] => [broadcastTo(g, a.shape)];
  if (a.dtype !== 'i32' && sumToRows(x as FloatArray, a.shape, shape, out as FloatArray)) {
    return make('sumTo', out, shape, [a], back);
  }
  const { rows, n, inner, starts } = rowPlan(a.shape, [broadcastStrides(shape, a.shape)]);
  const so = starts[0], s = inner[0];
  if (s === 0 && out instanceof Float32Array) {
    // A run summed into one entry: a register accumulator, rounded to f32 after every addition
    // exactly as storing into `out` would (same numbers, no store/load per element).
    for (let r = 0; r < rows; r++) {
      const o = so[r], base = r * n;
      let acc = out[o];
      for (let j = 0; j < n; j++) acc = Math.fround(acc + x[base + j]);
      out[o] = acc;
    }
  } else if (s === 0) {
    for (let r = 0; r < rows; r++) {
      const o = so[r], base = r * n;
      let acc = out[o];
      for (let j = 0; j < n; j++) acc += x[base + j];
      out[o] = acc;
    }
  } else {
    for (let r = 0; r < rows; r++) {
      const o = so[r], base = r * n;
      for (let j = 0; j < n; j++) out[o + j * s] += x[base + j];
    }
  }
  return make('sumTo', out, shape, [a], back);
}

/** Repeat `a` along stretched dimensions. d/da: sumTo(g, a.shape). */
export function broadcastTo(a: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(a.shape, shape)) return a;
  if (!broadcastable(shape, a.shape)) {
    throw new Error(`broadcastTo: cannot broadcast ${fmtShape(a.shape)} to ${fmtShape(shape)}`);
  }
  const out = alloc(a.dtype, shapeSize(shape));
  const x = a.data;
  const { rows, n, inner, starts } = rowPlan(shape, [broadcastStrides(a.shape, shape)]);
  const sx = starts[0], s = inner[0];
  for (let r = 0; r < rows; r++) {
    const i0 = sx[r], base = r * n;
    if (s === 0) out.fill(x[i0], base, base + n);
    else if (s === 1) out.set(x.subarray(i0, i0 + n), base);
    else for (let j = 0; j < n; j++) out[base + j] = x[i0 + j * s];
  }
  return make('broadcastTo', out, shape.slice(), [a], (g) => [sumTo(g, a.shape)]);
}
