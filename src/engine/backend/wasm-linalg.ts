import type { FloatArray } from '../dtype.js';
import { checkGemv, checkSymv, referenceLinalg, type LinalgKernels } from './linalg-kernels.js';
import type { WasmContext, WasmFamily } from './wasm-context.js';

/**
 * The wasm SIMD level-2 kernels (kernels-linalg.wat), f64 only: f32 operands and problems with
 * fewer than the context's `minElementwise` matrix elements run on the reference kernels.
 *
 * Memory. A matrix–vector product reads its matrix once, so staging a matrix that is not
 * already in wasm memory costs as much as the product: pass arena views (allocate the matrix
 * inside a `withArena` scope) to run in place. The reduction in linalg/tridiag-blocked.ts does.
 *
 * Numerics against the reference: the same products summed in another order (two lanes,
 * four rows at a time; relaxed_madd may fuse), so results agree to rounding; α multiplies x
 * (transposed gemv) or the finished sum (the others), β·y is added last.
 */

interface LinalgExports {
  linalg_gemv_n_f64: GemvFn;
  linalg_gemv_t_f64: GemvFn;
  linalg_symv_upper_f64(a: number, lda: number, x: number, u: number, y: number, n: number, alpha: number, beta: number, t: number): void;
}
/** u: where y's old values are read (β ≠ 0); y: where the result goes. */
type GemvFn = (a: number, lda: number, x: number, u: number, y: number, m: number, n: number, alpha: number, beta: number) => void;

/** The first `len` elements of `a`, without copying. */
function head<T extends FloatArray>(a: T, len: number): T {
  return (a.length === len ? a : a.subarray(0, len)) as T;
}

export const wasmLinalgKernels: WasmFamily<LinalgKernels> = (ctx: WasmContext) => {
  const ex = ctx.exports as unknown as LinalgExports;
  if (typeof ex.linalg_symv_upper_f64 !== 'function') return {};
  const wasmable = (y: FloatArray, a: FloatArray, x: FloatArray, work: number): boolean =>
    work >= ctx.minElementwise && y instanceof Float64Array && a instanceof Float64Array && x instanceof Float64Array;

  /** The inputs: a and x, and y's old values when β ≠ 0 (a separate copy: wasm.ts stages an input that overlaps an output). */
  const inputs = (a: FloatArray, x: FloatArray, y: FloatArray, beta: number): FloatArray[] => (beta === 0 ? [a, x] : [a, x, y]);

  return {
    gemv(a, x, y, m, n, trans = false, alpha = 1, beta = 0, lda = n) {
      const { xLen, yLen, aLen } = checkGemv(a, x, y, m, n, trans, alpha, beta, lda);
      if (yLen === 0) return;
      const out = head(y, yLen);
      if (!wasmable(y, a, x, m * n) || !ctx.run([out], inputs(head(a, aLen), head(x, xLen), out, beta), ([yp], [ap, xp, up]) =>
        (trans ? ex.linalg_gemv_t_f64 : ex.linalg_gemv_n_f64)(ap, lda, xp, up ?? 0, yp, m, n, alpha, beta))) {
        referenceLinalg.gemv(a, x, y, m, n, trans, alpha, beta, lda);
      }
    },
    symvUpper(a, x, y, n, alpha = 1, beta = 0, lda = n) {
      const aLen = checkSymv(a, x, y, n, alpha, beta, lda);
      if (n === 0) return;
      const out = head(y, n);
      if (!wasmable(y, a, x, n * n) || !ctx.run([out], inputs(head(a, aLen), head(x, n), out, beta), ([yp], [ap, xp, up], t) =>
        ex.linalg_symv_upper_f64(ap, lda, xp, up ?? 0, yp, n, alpha, beta, t), 8 * n)) {
        referenceLinalg.symvUpper(a, x, y, n, alpha, beta, lda);
      }
    },
  };
};
