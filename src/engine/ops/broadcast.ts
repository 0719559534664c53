/**
 * Broadcasting and its adjoint, for any rank (NumPy rules: right-aligned, size-1 stretches).
 *
 *   broadcastTo(a, S): y[idx] = a[idx with stretched axes set to 0]
 *   sumTo(g, s):       the adjoint, summing over the stretched axes
 *
 * Each is the other's vjp, so broadcasting is exactly differentiable to any order.
 */
import { Tensor, fmtShape, shapeSize } from '../tensor.js';
import { alloc, broadcastShapes, broadcastStrides, make, rowPlan, sameShape } from './core.js';

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
  return make('sumTo', out, shape, [a], (g) => [broadcastTo(g, a.shape)]);
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
