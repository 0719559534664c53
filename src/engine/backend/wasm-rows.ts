import type { RowKernels } from './row-kernels.js';
import type { WasmFamily } from './wasm-context.js';

/** The wasm SIMD row kernels (kernels-rows.wat). */
export const wasmRowKernels: WasmFamily<RowKernels> = () => ({});
