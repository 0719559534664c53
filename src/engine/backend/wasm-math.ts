import type { MathKernels } from './math-kernels.js';
import type { WasmFamily } from './wasm-context.js';

/** The wasm SIMD math kernels (kernels-math.wat). */
export const wasmMathKernels: WasmFamily<MathKernels> = () => ({});
