import type { FloatArray } from '../dtype.js';
import type { LapackKernels } from '../linalg/native-lapack.js';
import type { MathKernels } from './math-kernels.js';
import type { RowKernels } from './row-kernels.js';
import type { LinalgKernels } from './linalg-kernels.js';

/**
 * The backend seam: the few hot kernels that dominate training cost. Everything else in the
 * engine is portable TypeScript. Each backend must agree with `reference` to rounding.
 *
 * Layout: row-major, dense. Inputs and output have the same element type.
 *
 * Kernel families beyond the core five are optional members, declared in their own files
 * (`math-kernels.ts`: activations and derivatives; `row-kernels.ts`: bias, row reductions,
 * softmax, fused losses). Callers check for a member and keep a portable route.
 */
export interface Backend extends Partial<MathKernels>, Partial<RowKernels>, Partial<LinalgKernels> {
  readonly name: string;
  /** Which build of its kernels runs (wasm: 'relaxed-simd' or 'simd128'), where there are several. */
  readonly variant?: string;
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

  // Optional kernels (present on the native backend; callers keep a portable route).
  /**
   * out_i = op(A_i)·op(B_i) for i < batch, each as in `matmul`. A_i starts at i·strideA
   * (default m·k; 0 broadcasts one A), B_i at i·strideB (default k·n), out_i at i·m·n.
   */
  matmulBatched?(
    a: FloatArray, b: FloatArray, out: FloatArray,
    batch: number, m: number, k: number, n: number,
    transA?: boolean, transB?: boolean, strideA?: number, strideB?: number,
  ): void;
  /** LAPACK dsyevd, row-major (see linalg/native-lapack.ts). linalg's eigh uses it when present. */
  eigh?: LapackKernels['eigh'];
  /** LAPACK dgesdd, row-major thin SVD. linalg's svd uses it when present. */
  svd?: LapackKernels['svd'];
  /** LAPACK dpotrf, row-major lower factor. linalg's cholesky uses it when present. */
  cholesky?: LapackKernels['cholesky'];
}
