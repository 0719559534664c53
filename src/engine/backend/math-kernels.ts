import type { FloatArray } from '../dtype.js';

/**
 * Transcendental elementwise kernels (activations and their derivatives) on whole arrays.
 * Every backend may provide them; the reference backend's versions (Math.* and the engine's
 * scalar functions) are the exact oracle the others are tested against.
 *
 * Contract: `out.length` elements are written; `out` may alias an input of the same length.
 */
export interface MathKernels {
  // Filled in by the math-kernel family (see kernels-math.wat / wasm-math.ts).
}

/** The reference (exact) math kernels. */
export const referenceMath: MathKernels = {};
