import type { FloatArray } from '../dtype.js';

/**
 * The backend seam: the few hot kernels that dominate training cost. Everything else in the
 * engine is portable TypeScript. Each backend must agree with `reference` to rounding.
 *
 * Layout: row-major, dense. Inputs and output have the same element type.
 */
export interface Backend {
  readonly name: string;
  /**
   * out[m×n] = op(A) · op(B), where op(A) is m×k and op(B) is k×n.
   * transA: A is stored k×m (so op(A) = Aᵀ); transB: B is stored n×k.
   * `out` must not alias A or B.
   */
  matmul(
    a: FloatArray, b: FloatArray, out: FloatArray,
    m: number, k: number, n: number,
    transA?: boolean, transB?: boolean,
  ): void;
  /** out = alpha·x + beta·y (elementwise, same length; out may alias x or y). */
  axpby(alpha: number, x: FloatArray, beta: number, y: FloatArray, out: FloatArray): void;
  /** out = x ⊙ y (elementwise; out may alias). */
  mul(x: FloatArray, y: FloatArray, out: FloatArray): void;
  /** out = max(x, 0) (out may alias). */
  relu(x: FloatArray, out: FloatArray): void;
  /** out = g ⊙ 1[x > 0]: the fused ReLU backward (out may alias g). */
  reluMask(g: FloatArray, x: FloatArray, out: FloatArray): void;
}
