import type { FloatArray } from '../dtype.js';

/**
 * Structural kernels over rows of a row-major [rows × n] array: broadcast bias add, sums over
 * the leading axis, softmax / log-softmax along rows, fused losses and their gradients.
 * The reference backend's versions are the exact oracle the others are tested against.
 *
 * Contract: `out` may alias an input of the same length.
 */
export interface RowKernels {
  // Filled in by the row-kernel family (see kernels-rows.wat / wasm-rows.ts).
}

/** The reference (exact) row kernels. */
export const referenceRows: RowKernels = {};
