/**
 * Integer indexing. With a of shape P + [L] + Q (the axis in the middle) and i32 indices of
 * shape I:
 *
 *   gather(a, idx, axis)[p, t, q] = a[p, idx[t], q]          (numpy.take; shape P + I + Q)
 *   scatterAdd(g, idx, axis, L)[p, l, q] = Σ_{t: idx[t]=l} g[p, t, q]
 *
 * The two are adjoint linear maps, each the other's vjp, so gradients through embeddings and
 * gathers can be differentiated again. Indices are never differentiated; negative indices
 * count from the end.
 */
import { allocate, type DType, type TensorData } from '../dtype.js';
import { Tensor, fmtShape, shapeSize } from '../tensor.js';
import { alloc, around, make, normAxis } from './core.js';

/** Validated flat indices into an axis of length `len` (negatives wrapped). */
function indexList(op: string, indices: Tensor, len: number): Int32Array {
  if (indices.dtype !== 'i32') {
    throw new Error(`${op}: indices must be an i32 tensor, got ${indices.dtype} ${fmtShape(indices.shape)} (use astype(t, 'i32'))`);
  }
  const src = indices.data;
  let out: Int32Array | null = null;
  for (let t = 0; t < src.length; t++) {
    const v = src[t];
    if (v < -len || v >= len) throw new RangeError(`${op}: index ${v} at position ${t} is out of range for an axis of length ${len} (allowed ${-len}..${len - 1})`);
    if (v < 0) {
      out ??= Int32Array.from(src);
      out[t] = v + len;
    }
  }
  return out ?? (src as Int32Array);
}

/*
 * The copy loops, one small function each (so each is optimized on its own), over
 * (o, t, i) ↦ element (o·len + idx[t])·inner + i of the indexed tensor and (o·T + t)·inner + i of
 * the gathered one (T = idx.length).
 */
function gatherScalars(x: TensorData, out: TensorData, idx: Int32Array, outer: number, len: number): void {
  const T = idx.length;
  for (let o = 0; o < outer; o++) {
    const src = o * len, dst = o * T;
    for (let t = 0; t < T; t++) out[dst + t] = x[src + idx[t]];
  }
}

function gatherRuns(x: TensorData, out: TensorData, idx: Int32Array, outer: number, len: number, inner: number): void {
  const T = idx.length;
  for (let o = 0; o < outer; o++) {
    for (let t = 0; t < T; t++) {
      const src = (o * len + idx[t]) * inner, dst = (o * T + t) * inner;
      if (inner >= 16) out.set(x.subarray(src, src + inner), dst);
      else for (let i = 0; i < inner; i++) out[dst + i] = x[src + i];
    }
  }
}

function scatterScalars(g: TensorData, out: TensorData, idx: Int32Array, outer: number, size: number): void {
  const T = idx.length;
  for (let o = 0; o < outer; o++) {
    const dst = o * size, src = o * T;
    for (let t = 0; t < T; t++) out[dst + idx[t]] += g[src + t];
  }
}

function scatterRuns(g: TensorData, out: TensorData, idx: Int32Array, outer: number, size: number, inner: number): void {
  const T = idx.length;
  for (let o = 0; o < outer; o++) {
    for (let t = 0; t < T; t++) {
      const dst = (o * size + idx[t]) * inner, src = (o * T + t) * inner;
      for (let i = 0; i < inner; i++) out[dst + i] += g[src + i];
    }
  }
}

/** numpy.take(a, indices, axis): shape a.shape[:axis] + indices.shape + a.shape[axis+1:]. */
export function gather(a: Tensor, indices: Tensor, axis = 0): Tensor {
  if (a.rank === 0) throw new Error('gather: cannot index a scalar');
  const ax = normAxis('gather', axis, a.rank);
  return gatherAt(a, new Tensor(indexList('gather', indices, a.shape[ax]), indices.shape), ax);
}

/**
 * gather with indices already checked: i32, each in [0, a.shape[ax]), ax in [0, rank). For ops
 * that make their own indices (maxPool2d's argmax); no validation pass.
 */
export function gatherAt(a: Tensor, indices: Tensor, ax: number): Tensor {
  const [outer, len, inner] = around(a.shape, ax);
  const idx = indices.data as Int32Array;
  const shape = [...a.shape.slice(0, ax), ...indices.shape, ...a.shape.slice(ax + 1)];
  const out = alloc(a.dtype, outer * idx.length * inner);
  if (inner === 1) gatherScalars(a.data, out, idx, outer, len);
  else gatherRuns(a.data, out, idx, outer, len, inner);
  return make('gather', out, shape, [a], (g) => [scatterAddAt(g, indices, ax, len)]);
}

/**
 * The adjoint of gather: g has shape P + indices.shape + Q; the result has shape P + [size] + Q
 * with g's slices summed into the indexed positions. d/dg = gather(h, indices, axis).
 */
export function scatterAdd(g: Tensor, indices: Tensor, axis: number, size: number): Tensor {
  const ir = indices.rank;
  const ax = normAxis('scatterAdd', axis, g.rank - ir + 1);
  const mid = g.shape.slice(ax, ax + ir);
  if (mid.length !== ir || mid.some((d, i) => d !== indices.shape[i])) {
    throw new Error(`scatterAdd: g ${fmtShape(g.shape)} does not hold indices ${fmtShape(indices.shape)} at axis ${axis}`);
  }
  if (!Number.isInteger(size) || size < 0) throw new Error(`scatterAdd: size must be a non-negative integer, got ${size}`);
  return scatterAddAt(g, new Tensor(indexList('scatterAdd', indices, size), indices.shape), ax, size);
}

/** scatterAdd with indices already checked (i32, each in [0, size)) and g's shape matching them. */
export function scatterAddAt(g: Tensor, indices: Tensor, ax: number, size: number): Tensor {
  const ir = indices.rank;
  const pre = g.shape.slice(0, ax), post = g.shape.slice(ax + ir);
  const idx = indices.data as Int32Array;
  const outer = shapeSize(pre), inner = shapeSize(post);
  const shape = [...pre, size, ...post];
  const out = alloc(g.dtype, outer * size * inner);
  if (inner === 1) scatterScalars(g.data, out, idx, outer, size);
  else scatterRuns(g.data, out, idx, outer, size, inner);
  return make('scatterAdd', out, shape, [g], (h) => [gatherAt(h, indices, ax)]);
}

/** Rows of an embedding table [V, d] for i32 ids of any shape → [...ids.shape, d]. */
export function embedding(table: Tensor, ids: Tensor): Tensor {
  if (table.rank !== 2) throw new Error(`embedding: table must be [V, d], got ${fmtShape(table.shape)}`);
  return gather(table, ids, 0);
}

/** One-hot encoding of i32 ids (each in [0, n)) → [...ids.shape, n] (a constant). */
export function oneHot(ids: Tensor, n: number, dtype: DType = 'f64'): Tensor {
  if (!Number.isInteger(n) || n < 1) throw new Error(`oneHot: n must be a positive integer, got ${n}`);
  if (ids.dtype !== 'i32') throw new Error(`oneHot: ids must be an i32 tensor, got ${ids.dtype}`);
  const out = allocate(dtype, ids.size * n);
  const d = ids.data;
  for (let t = 0; t < d.length; t++) {
    const v = d[t];
    if (v < 0 || v >= n) throw new RangeError(`oneHot: id ${v} at position ${t} is out of range 0..${n - 1}`);
    out[t * n + v] = 1;
  }
  return new Tensor(out, [...ids.shape, n]);
}
