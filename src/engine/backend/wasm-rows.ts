import type { FloatArray } from '../dtype.js';
import {
  checkIds, checkLossArgs, checkPairArgs, checkRowArgs, referenceRows, type RowKernels,
} from './row-kernels.js';
import type { WasmContext, WasmFamily } from './wasm-context.js';

/**
 * The wasm SIMD row kernels (kernels-rows.wat). Problems smaller than the context's
 * `minElementwise` (or that do not fit in memory) run on the reference kernels.
 *
 * Numerics against the reference: addRow, mulRow and sumRows are bit-identical; sumCols sums in
 * lanes (another order); the softmax family computes e^x with its own polynomial and log s with
 * its own series (each within a few ulps), in f64 for both dtypes, so f32 outputs agree to an
 * f32 rounding and f64 ones to a few f64 ulps.
 */

interface RowExports {
  rows_bias_f32: BiasFn;
  rows_bias_f64: BiasFn;
  rows_sumRows_f32: SumFn;
  rows_sumRows_f64: SumFn;
  rows_sumCols_f32: SumFn;
  rows_sumCols_f64: SumFn;
  rows_softmax(x: number, out: number, rows: number, n: number, kind: number, single: number, scratch: number): void;
  rows_softmaxBackward(g: number, y: number, out: number, rows: number, n: number, kind: number, single: number, scratch: number): void;
  rows_crossEntropy(
    z: number, t: number, ids: number, loss: number, grad: number,
    rows: number, n: number, c: number, single: number, scratch: number,
  ): void;
}
type BiasFn = (x: number, b: number, out: number, rows: number, n: number, op: number) => void;
type SumFn = (x: number, out: number, rows: number, n: number) => void;

const SOFTMAX = 0, LOG_SOFTMAX = 1, LOG_SUM_EXP = 2;

/** The first `len` elements of `a`, without copying. */
function head<T extends FloatArray>(a: T, len: number): T {
  return (a.length === len ? a : a.subarray(0, len)) as T;
}

/** Four f64 rows of scratch (with the 16-byte gaps kernels-rows.wat leaves between them). */
const scratchFor = (n: number): number => 4 * (8 * n + 16);

export const wasmRowKernels: WasmFamily<RowKernels> = (ctx: WasmContext) => {
  const ex = ctx.exports as unknown as RowExports;
  if (typeof ex.rows_softmax !== 'function') return {};
  const small = (len: number): boolean => len < ctx.minElementwise;
  const single = (a: FloatArray): number => (a instanceof Float32Array ? 1 : 0);

  return {
    addRow(x, b, out, rows, n) {
      checkRowArgs('addRow', rows, n, x, out, rows * n, b);
      const len = rows * n;
      if (small(len) || !ctx.run([head(out, len)], [head(x, len), head(b, n)], ([o], [xp, bp]) =>
        (single(out) ? ex.rows_bias_f32 : ex.rows_bias_f64)(xp, bp, o, rows, n, 0))) referenceRows.addRow(x, b, out, rows, n);
    },
    mulRow(x, b, out, rows, n) {
      checkRowArgs('mulRow', rows, n, x, out, rows * n, b);
      const len = rows * n;
      if (small(len) || !ctx.run([head(out, len)], [head(x, len), head(b, n)], ([o], [xp, bp]) =>
        (single(out) ? ex.rows_bias_f32 : ex.rows_bias_f64)(xp, bp, o, rows, n, 1))) referenceRows.mulRow(x, b, out, rows, n);
    },
    sumRows(x, out, rows, n) {
      checkRowArgs('sumRows', rows, n, x, out, n);
      const len = rows * n;
      if (rows === 0 || small(len) || !ctx.run([head(out, n)], [head(x, len)], ([o], [xp]) =>
        (single(out) ? ex.rows_sumRows_f32 : ex.rows_sumRows_f64)(xp, o, rows, n))) referenceRows.sumRows(x, out, rows, n);
    },
    sumCols(x, out, rows, n) {
      checkRowArgs('sumCols', rows, n, x, out, rows);
      const len = rows * n;
      if (rows === 0 || small(len) || !ctx.run([head(out, rows)], [head(x, len)], ([o], [xp]) =>
        (single(out) ? ex.rows_sumCols_f32 : ex.rows_sumCols_f64)(xp, o, rows, n))) referenceRows.sumCols(x, out, rows, n);
    },
    softmaxRows(x, out, rows, n) {
      checkRowArgs('softmaxRows', rows, n, x, out, rows * n);
      const len = rows * n;
      if (small(len) || !ctx.run([head(out, len)], [head(x, len)], ([o], [xp], s) =>
        ex.rows_softmax(xp, o, rows, n, SOFTMAX, single(out), s), scratchFor(n))) referenceRows.softmaxRows(x, out, rows, n);
    },
    logSoftmaxRows(x, out, rows, n) {
      checkRowArgs('logSoftmaxRows', rows, n, x, out, rows * n);
      const len = rows * n;
      if (small(len) || !ctx.run([head(out, len)], [head(x, len)], ([o], [xp], s) =>
        ex.rows_softmax(xp, o, rows, n, LOG_SOFTMAX, single(out), s), scratchFor(n))) referenceRows.logSoftmaxRows(x, out, rows, n);
    },
    logSumExpRows(x, out, rows, n) {
      checkRowArgs('logSumExpRows', rows, n, x, out, rows);
      const len = rows * n;
      if (rows === 0 || small(len) || !ctx.run([head(out, rows)], [head(x, len)], ([o], [xp], s) =>
        ex.rows_softmax(xp, o, rows, n, LOG_SUM_EXP, single(out), s), scratchFor(n))) referenceRows.logSumExpRows(x, out, rows, n);
    },
    softmaxBackwardRows(g, y, out, rows, n) {
      checkPairArgs('softmaxBackwardRows', rows, n, g, y, out);
      const len = rows * n;
      if (small(len) || !ctx.run([head(out, len)], [head(g, len), head(y, len)], ([o], [gp, yp], s) =>
        ex.rows_softmaxBackward(gp, yp, o, rows, n, SOFTMAX, single(out), s), scratchFor(n))) {
        referenceRows.softmaxBackwardRows(g, y, out, rows, n);
      }
    },
    logSoftmaxBackwardRows(g, y, out, rows, n) {
      checkPairArgs('logSoftmaxBackwardRows', rows, n, g, y, out);
      const len = rows * n;
      if (small(len) || !ctx.run([head(out, len)], [head(g, len), head(y, len)], ([o], [gp, yp], s) =>
        ex.rows_softmaxBackward(gp, yp, o, rows, n, LOG_SOFTMAX, single(out), s), scratchFor(n))) {
        referenceRows.logSoftmaxBackwardRows(g, y, out, rows, n);
      }
    },
    crossEntropyRows(z, t, loss, grad, rows, n, c) {
      checkLossArgs('crossEntropyRows', rows, n, z, t, loss, grad);
      const len = rows * n;
      if (rows === 0 || small(len) || !ctx.run([head(loss, rows), head(grad, len)], [head(z, len), head(t, len)], ([lp, gp], [zp, tp], s) =>
        ex.rows_crossEntropy(zp, tp, 0, lp, gp, rows, n, c, single(grad), s), scratchFor(n))) {
        referenceRows.crossEntropyRows(z, t, loss, grad, rows, n, c);
      }
    },
    crossEntropyIdsRows(z, ids, loss, grad, rows, n, c) {
      checkLossArgs('crossEntropyIdsRows', rows, n, z, ids, loss, grad);
      checkIds('crossEntropyIdsRows', ids, rows, n);
      const len = rows * n;
      if (rows === 0 || small(len)) return referenceRows.crossEntropyIdsRows(z, ids, loss, grad, rows, n, c);
      // The ids travel as floats of the operands' type (exact: n ≤ 2^24 classes).
      const idf = single(grad) ? Float32Array.from(ids.subarray(0, rows)) : Float64Array.from(ids.subarray(0, rows));
      if (!ctx.run([head(loss, rows), head(grad, len)], [head(z, len), idf], ([lp, gp], [zp, ip], s) =>
        ex.rows_crossEntropy(zp, 0, ip, lp, gp, rows, n, c, single(grad), s), scratchFor(n))) {
        referenceRows.crossEntropyIdsRows(z, ids, loss, grad, rows, n, c);
      }
    },
  };
};
