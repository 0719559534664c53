/**
 * Shape ops, all linear, each with its adjoint as reverse rule:
 *
 *   reshape ↔ reshape back (data shared, no copy)     permute(axes) ↔ permute(inverse axes)
 *   slice ↔ zero-padding (concat with zeros)          concat ↔ slices
 *   stack = concat of unsqueezed                      squeeze/unsqueeze = reshape
 *   astype ↔ astype back                              stopGradient: value kept, derivative 0
 *
 * Negative axes count from the end everywhere.
 */
import { allocate, type DType, type TensorData } from '../dtype.js';
import { Tensor, fmtShape, shapeSize, zeros } from '../tensor.js';
import { around, checkDtype, contiguousStrides, make, normAxis, rowPlan, sameShape } from './core.js';

/** Same data, new shape (one entry may be −1 to infer it). d/da = reshape(g, a.shape). */
export function reshape(a: Tensor, shape: readonly number[]): Tensor {
  const s = shape.slice();
  const hole = s.indexOf(-1);
  if (hole >= 0) {
    if (s.indexOf(-1, hole + 1) >= 0) throw new Error(`reshape: at most one −1 allowed in ${fmtShape(shape)}`);
    const rest = s.reduce((p, d, i) => (i === hole ? p : p * d), 1);
    if (rest === 0 || a.size % rest !== 0) throw new Error(`reshape: cannot reshape ${fmtShape(a.shape)} to ${fmtShape(shape)}`);
    s[hole] = a.size / rest;
  }
  if (s.some((d) => !Number.isInteger(d) || d < 0) || shapeSize(s) !== a.size) {
    throw new Error(`reshape: cannot reshape ${fmtShape(a.shape)} (size ${a.size}) to ${fmtShape(shape)}`);
  }
  if (sameShape(s, a.shape)) return a;
  return make('reshape', a.data, s, [a], (g) => [reshape(g, a.shape)]);
}

/** out[q·n + j] = x[starts[q] + j]: whole runs (memcpy-like from 64 elements up). */
function copyRuns(x: TensorData, out: TensorData, starts: Int32Array, n: number): void {
  const rows = starts.length;
  if (n >= 64) {
    for (let q = 0; q < rows; q++) out.set(x.subarray(starts[q], starts[q] + n), q * n);
    return;
  }
  for (let q = 0; q < rows; q++) {
    const i0 = starts[q], o = q * n;
    for (let j = 0; j < n; j++) out[o + j] = x[i0 + j];
  }
}

/** out[q·n + j] = x[starts[q] + j·s]. */
function copyStrided(x: TensorData, out: TensorData, starts: Int32Array, n: number, s: number): void {
  const rows = starts.length;
  for (let q = 0; q < rows; q++) {
    const i0 = starts[q], o = q * n;
    for (let j = 0; j < n; j++) out[o + j] = x[i0 + j * s];
  }
}

/**
 * Reorder axes: result axis i is input axis axes[i] (numpy.transpose(a, axes)).
 * d/da = permute(g, axes⁻¹).
 */
export function permute(a: Tensor, axes: readonly number[]): Tensor {
  const r = a.rank;
  if (axes.length !== r) throw new Error(`permute: axes [${axes.join(',')}] must list each of the ${r} axes of ${fmtShape(a.shape)} once`);
  const ax = axes.map((x) => normAxis('permute', x, r));
  if (new Set(ax).size !== r) throw new Error(`permute: axes [${axes.join(',')}] must list each of the ${r} axes of ${fmtShape(a.shape)} once`);
  if (ax.every((x, i) => x === i)) return a;
  const shape = ax.map((x) => a.shape[x]);
  const cs = contiguousStrides(a.shape);
  const { n, inner, starts } = rowPlan(shape, [ax.map((x) => cs[x])]);
  const out = allocate(a.dtype, a.size);
  if (inner[0] === 1) copyRuns(a.data, out, starts[0], n); // the last axis stays last (head split/merge)
  else copyStrided(a.data, out, starts[0], n, inner[0]);
  const inv = new Array<number>(r);
  ax.forEach((x, i) => { inv[x] = i; });
  return make('permute', out, shape, [a], (g) => [permute(g, inv)]);
}

/** Swap two axes (default the last two). Rank < 2 is returned as is; rank 2 is Aᵀ. */
export function transpose(a: Tensor, ax1 = -2, ax2 = -1): Tensor {
  if (a.rank < 2) return a;
  const i = normAxis('transpose', ax1, a.rank), j = normAxis('transpose', ax2, a.rank);
  const axes = Array.from({ length: a.rank }, (_, k) => k);
  axes[i] = j;
  axes[j] = i;
  return permute(a, axes);
}

/** Insert a size-1 axis at position `axis` ∈ [−rank−1, rank]. */
export function unsqueeze(a: Tensor, axis: number): Tensor {
  const ax = normAxis('unsqueeze', axis, a.rank + 1);
  const s = a.shape.slice();
  s.splice(ax, 0, 1);
  return reshape(a, s);
}

/** Remove size-1 axes: the given one(s), or all of them when `axis` is omitted. */
export function squeeze(a: Tensor, axis?: number | readonly number[]): Tensor {
  let drop: number[];
  if (axis === undefined) {
    drop = a.shape.flatMap((d, i) => (d === 1 ? [i] : []));
  } else {
    drop = (typeof axis === 'number' ? [axis] : axis).map((x) => normAxis('squeeze', x, a.rank));
    for (const d of drop) {
      if (a.shape[d] !== 1) throw new Error(`squeeze: axis ${d} of ${fmtShape(a.shape)} has size ${a.shape[d]}, not 1`);
    }
  }
  return reshape(a, a.shape.filter((_, i) => !drop.includes(i)));
}

/** Join tensors along `axis` (other dimensions must agree). d/dtᵢ = the matching slice of g. */
export function concat(ts: readonly Tensor[], axis = 0): Tensor {
  if (ts.length === 0) throw new Error('concat: no tensors');
  const first = ts[0];
  if (first.rank === 0) throw new Error('concat: cannot join rank-0 tensors (use stack)');
  const ax = normAxis('concat', axis, first.rank);
  for (const t of ts) {
    checkDtype('concat', first, t);
    if (t.rank !== first.rank || t.shape.some((d, i) => i !== ax && d !== first.shape[i])) {
      throw new Error(`concat: shapes ${fmtShape(first.shape)} and ${fmtShape(t.shape)} do not match off axis ${ax}`);
    }
  }
  if (ts.length === 1) return first;
  const total = ts.reduce((s, t) => s + t.shape[ax], 0);
  const shape = first.shape.slice();
  shape[ax] = total;
  const [outer, , inner] = around(shape, ax);
  const out = allocate(first.dtype, shapeSize(shape));
  const offsets: number[] = [];
  let off = 0;
  for (const t of ts) {
    offsets.push(off);
    const len = t.shape[ax] * inner;
    for (let o = 0; o < outer; o++) out.set(t.data.subarray(o * len, (o + 1) * len), o * total * inner + off * inner);
    off += t.shape[ax];
  }
  return make('concat', out, shape, ts, (g, needs) =>
    ts.map((t, i) => (needs[i] ? slice(g, ax, offsets[i], offsets[i] + t.shape[ax]) : null)));
}

/** Stack same-shape tensors along a new axis ∈ [−rank−1, rank]. */
export function stack(ts: readonly Tensor[], axis = 0): Tensor {
  if (ts.length === 0) throw new Error('stack: no tensors');
  const r = ts[0].rank;
  for (const t of ts) {
    if (!sameShape(t.shape, ts[0].shape)) throw new Error(`stack: shapes ${fmtShape(ts[0].shape)} and ${fmtShape(t.shape)} differ`);
  }
  const ax = normAxis('stack', axis, r + 1);
  return concat(ts.map((t) => unsqueeze(t, ax)), ax);
}

/** Entries start..end−1 along `axis`. d/da = g padded with zeros back to a's shape. */
export function slice(a: Tensor, axis: number, start: number, end: number): Tensor {
  const ax = normAxis('slice', axis, a.rank);
  const len = a.shape[ax];
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > len || start > end) {
    throw new Error(`slice: range ${start}..${end} on axis ${axis} is invalid for ${fmtShape(a.shape)} (need 0 ≤ start ≤ end ≤ ${len})`);
  }
  if (start === 0 && end === len) return a;
  const shape = a.shape.slice();
  shape[ax] = end - start;
  const [outer, , inner] = around(a.shape, ax);
  const w = (end - start) * inner;
  let out;
  if (outer === 1) {
    out = a.data.subarray(start * inner, start * inner + w); // contiguous: share the storage
  } else {
    out = allocate(a.dtype, shapeSize(shape));
    for (let o = 0; o < outer; o++) out.set(a.data.subarray(o * len * inner + start * inner, o * len * inner + start * inner + w), o * w);
  }
  return make('slice', out, shape, [a], (g) => {
    const pad = (n: number) => { const s = a.shape.slice(); s[ax] = n; return zeros(s, a.dtype); };
    const parts = [pad(start), g, pad(len - end)].filter((t) => t.shape[ax] > 0);
    return [concat(parts, ax)];
  });
}

/** Change element type (to i32: truncation toward zero, not differentiated). d/da = astype(g, a.dtype). */
export function astype(a: Tensor, dtype: DType): Tensor {
  if (a.dtype === dtype) return a;
  const out = allocate(dtype, a.size);
  if (dtype === 'i32') for (let i = 0; i < out.length; i++) out[i] = Math.trunc(a.data[i]);
  else out.set(a.data);
  return make('astype', out, a.shape, [a], (g) => [astype(g, a.dtype)]);
}

/** Same values, cut from the graph: its derivative is 0. */
export function stopGradient(a: Tensor): Tensor {
  return new Tensor(a.data, a.shape);
}
