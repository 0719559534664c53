import type { FloatArray } from '../dtype.js';
import * as libm from '../libm.js';

/**
 * Structural kernels over the rows of a row-major [rows × n] array: broadcast bias add and
 * product, sums over either axis, softmax / log-softmax / log-sum-exp along rows, their reverse
 * rules, and fused softmax cross-entropy (loss and gradient in one pass).
 *
 *   addRow:              out[r,j] = x[r,j] + b[j]            mulRow: out[r,j] = x[r,j] · b[j]
 *   sumRows:             out[j] = Σ_r x[r,j]                 sumCols: out[r] = Σ_j x[r,j]
 *   softmaxRows:         y[r,j] = e^{x[r,j] − m_r} · (1 / Σ_k e^{x[r,k] − m_r}),  m_r = max_k x[r,k]
 *   logSoftmaxRows:      y[r,j] = (x[r,j] − m_r) − log Σ_k e^{x[r,k] − m_r}
 *   logSumExpRows:       out[r] = m_r + log Σ_k e^{x[r,k] − m_r}
 *   softmaxBackwardRows: out = y ⊙ (g − Σ_j g_j y_j)         (y = softmax; the vjp g ↦ Jᵀg)
 *   logSoftmaxBackwardRows: out = g − e^y · Σ_j g_j          (y = log-softmax)
 *   crossEntropyRows:    loss[r] = lse_r − Σ_j t[r,j] z[r,j],  grad = c·(softmax(z) − t)
 *   crossEntropyIdsRows: the same with t the one-hot rows of integer ids (id[r] ∈ [0, n))
 *
 * A row whose maximum is ±∞ or NaN gives NaN (softmax) and the maximum itself (log-sum-exp),
 * as the unfused chain of ops did. The reference backend's versions are the exact oracle the
 * others are tested against: f32 arithmetic in f64 rounded once per output (sums excepted:
 * sumRows/sumCols round after every addition, as accumulating into a Float32Array does).
 *
 * Contract: the first rows·n elements (rows for per-row outputs) are read and written; `out`
 * may alias an input of the same length. Inputs and outputs share one float type (ids: Int32Array).
 */
export interface RowKernels {
  addRow(x: FloatArray, b: FloatArray, out: FloatArray, rows: number, n: number): void;
  mulRow(x: FloatArray, b: FloatArray, out: FloatArray, rows: number, n: number): void;
  sumRows(x: FloatArray, out: FloatArray, rows: number, n: number): void;
  sumCols(x: FloatArray, out: FloatArray, rows: number, n: number): void;
  softmaxRows(x: FloatArray, out: FloatArray, rows: number, n: number): void;
  logSoftmaxRows(x: FloatArray, out: FloatArray, rows: number, n: number): void;
  logSumExpRows(x: FloatArray, out: FloatArray, rows: number, n: number): void;
  softmaxBackwardRows(g: FloatArray, y: FloatArray, out: FloatArray, rows: number, n: number): void;
  logSoftmaxBackwardRows(g: FloatArray, y: FloatArray, out: FloatArray, rows: number, n: number): void;
  crossEntropyRows(
    z: FloatArray, t: FloatArray, loss: FloatArray, grad: FloatArray, rows: number, n: number, c: number,
  ): void;
  crossEntropyIdsRows(
    z: FloatArray, ids: Int32Array, loss: FloatArray, grad: FloatArray, rows: number, n: number, c: number,
  ): void;
}

/** Throw unless rows and n are non-negative integers. */
export function checkDims(op: string, rows: number, n: number): void {
  if (!Number.isInteger(rows) || rows < 0) throw new RangeError(`${op}: rows must be a non-negative integer, got ${rows}`);
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`${op}: n must be a non-negative integer, got ${n}`);
}

/** Throw unless array `name` holds at least `need` elements. */
export function checkLen(op: string, name: string, a: ArrayLike<number>, need: number): void {
  if (a.length < need) throw new RangeError(`${op}: ${name} has ${a.length} elements, needs ${need}`);
}

/** Checks for the kernels' argument patterns: x [rows·n] (with b [n]), and out of `outLen`. */
export function checkRowArgs(op: string, rows: number, n: number, x: ArrayLike<number>, out: ArrayLike<number>, outLen: number, b?: ArrayLike<number>): void {
  checkDims(op, rows, n);
  checkLen(op, 'x', x, rows * n);
  if (b) checkLen(op, 'b', b, n);
  checkLen(op, 'out', out, outLen);
}

/** g, y, out all [rows·n]. */
export function checkPairArgs(op: string, rows: number, n: number, g: ArrayLike<number>, y: ArrayLike<number>, out: ArrayLike<number>): void {
  checkDims(op, rows, n);
  checkLen(op, 'g', g, rows * n);
  checkLen(op, 'y', y, rows * n);
  checkLen(op, 'out', out, rows * n);
}

/** z, grad [rows·n]; loss [rows]; targets [rows·n] (dense) or ids [rows]. */
export function checkLossArgs(
  op: string, rows: number, n: number, z: ArrayLike<number>, target: ArrayLike<number>, loss: ArrayLike<number>, grad: ArrayLike<number>,
): void {
  checkDims(op, rows, n);
  checkLen(op, 'z', z, rows * n);
  if (target instanceof Int32Array) checkLen(op, 'ids', target, rows);
  else checkLen(op, 't', target, rows * n);
  checkLen(op, 'loss', loss, rows);
  checkLen(op, 'grad', grad, rows * n);
}

/** Throw unless every id lies in [0, n). */
export function checkIds(op: string, ids: Int32Array, rows: number, n: number): void {
  for (let r = 0; r < rows; r++) {
    const t = ids[r];
    if (!(t >= 0 && t < n)) throw new RangeError(`${op}: ids[${r}] = ${t} out of range (allowed 0..${n - 1})`);
  }
}

function rowMax(x: FloatArray, o: number, n: number): number {
  let m = -Infinity;
  for (let j = 0; j < n; j++) {
    const v = x[o + j];
    if (v > m || v !== v) m = v;
    if (m !== m) break;
  }
  return m;
}

/** Σ_j e^{x[o+j] − m}, storing the terms in e[j] when given. */
function expSum(x: FloatArray, o: number, n: number, m: number, e: Float64Array | null): number {
  let s = 0;
  for (let j = 0; j < n; j++) {
    const v = libm.exp(x[o + j] - m);
    if (e) e[j] = v;
    s += v;
  }
  return s;
}

let scratch = new Float64Array(64);
function scratchOf(n: number): Float64Array {
  if (scratch.length < n) scratch = new Float64Array(Math.max(n, 2 * scratch.length));
  return scratch;
}

/** The reference (exact) row kernels. */
export const referenceRows: RowKernels = {
  addRow(x, b, out, rows, n) {
    checkRowArgs('addRow', rows, n, x, out, rows * n, b);
    for (let r = 0, o = 0; r < rows; r++, o += n) {
      for (let j = 0; j < n; j++) out[o + j] = x[o + j] + b[j];
    }
  },
  mulRow(x, b, out, rows, n) {
    checkRowArgs('mulRow', rows, n, x, out, rows * n, b);
    for (let r = 0, o = 0; r < rows; r++, o += n) {
      for (let j = 0; j < n; j++) out[o + j] = x[o + j] * b[j];
    }
  },
  sumRows(x, out, rows, n) {
    checkRowArgs('sumRows', rows, n, x, out, n);
    // Row 0 first, then add the others in order: out may alias x's first row.
    if (rows === 0) { out.fill(0, 0, n); return; }
    for (let j = 0; j < n; j++) out[j] = x[j];
    for (let r = 1, o = n; r < rows; r++, o += n) {
      for (let j = 0; j < n; j++) out[j] += x[o + j];
    }
  },
  sumCols(x, out, rows, n) {
    checkRowArgs('sumCols', rows, n, x, out, rows);
    const single = out instanceof Float32Array;
    for (let r = 0, o = 0; r < rows; r++, o += n) {
      let s = 0;
      if (single) for (let j = 0; j < n; j++) s = Math.fround(s + x[o + j]);
      else for (let j = 0; j < n; j++) s += x[o + j];
      out[r] = s;
    }
  },
  softmaxRows(x, out, rows, n) {
    checkRowArgs('softmaxRows', rows, n, x, out, rows * n);
    const e = scratchOf(n);
    for (let r = 0, o = 0; r < rows; r++, o += n) {
      const inv = 1 / expSum(x, o, n, rowMax(x, o, n), e);
      for (let j = 0; j < n; j++) out[o + j] = e[j] * inv;
    }
  },
  logSoftmaxRows(x, out, rows, n) {
    checkRowArgs('logSoftmaxRows', rows, n, x, out, rows * n);
    for (let r = 0, o = 0; r < rows; r++, o += n) {
      const m = rowMax(x, o, n);
      const l = libm.log(expSum(x, o, n, m, null));
      for (let j = 0; j < n; j++) out[o + j] = (x[o + j] - m) - l;
    }
  },
  logSumExpRows(x, out, rows, n) {
    checkRowArgs('logSumExpRows', rows, n, x, out, rows);
    for (let r = 0, o = 0; r < rows; r++, o += n) {
      const m = rowMax(x, o, n);
      out[r] = m === Infinity || m === -Infinity ? m : m + libm.log(expSum(x, o, n, m, null));
    }
  },
  softmaxBackwardRows(g, y, out, rows, n) {
    checkPairArgs('softmaxBackwardRows', rows, n, g, y, out);
    for (let r = 0, o = 0; r < rows; r++, o += n) {
      let s = 0;
      for (let j = 0; j < n; j++) s += g[o + j] * y[o + j];
      for (let j = 0; j < n; j++) out[o + j] = y[o + j] * (g[o + j] - s);
    }
  },
  logSoftmaxBackwardRows(g, y, out, rows, n) {
    checkPairArgs('logSoftmaxBackwardRows', rows, n, g, y, out);
    for (let r = 0, o = 0; r < rows; r++, o += n) {
      let s = 0;
      for (let j = 0; j < n; j++) s += g[o + j];
      for (let j = 0; j < n; j++) out[o + j] = g[o + j] - libm.exp(y[o + j]) * s;
    }
  },
  crossEntropyRows(z, t, loss, grad, rows, n, c) {
    checkLossArgs('crossEntropyRows', rows, n, z, t, loss, grad);
    const e = scratchOf(n);
    for (let r = 0, o = 0; r < rows; r++, o += n) {
      const m = rowMax(z, o, n);
      const s = expSum(z, o, n, m, e);
      let tz = 0;
      for (let j = 0; j < n; j++) tz += t[o + j] * z[o + j];
      loss[r] = (m + libm.log(s)) - tz;
      const inv = 1 / s;
      for (let j = 0; j < n; j++) grad[o + j] = c * (e[j] * inv - t[o + j]);
    }
  },
  crossEntropyIdsRows(z, ids, loss, grad, rows, n, c) {
    checkLossArgs('crossEntropyIdsRows', rows, n, z, ids, loss, grad);
    checkIds('crossEntropyIdsRows', ids, rows, n);
    const e = scratchOf(n);
    for (let r = 0, o = 0; r < rows; r++, o += n) {
      const m = rowMax(z, o, n);
      const s = expSum(z, o, n, m, e);
      const id = ids[r];
      loss[r] = (m + libm.log(s)) - z[o + id];
      const inv = 1 / s;
      for (let j = 0; j < n; j++) grad[o + j] = c * (e[j] * inv - (j === id ? 1 : 0));
    }
  },
};
