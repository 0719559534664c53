import type { FloatArray } from '../dtype.js';

/**
 * What a wasm kernel family (wasm-math.ts, wasm-rows.ts) needs from the wasm backend: the
 * instance's exports and one way to run a kernel on caller arrays. Placing operands in linear
 * memory (copying, or not when an array already lives there) is the backend's business, so a
 * family never touches memory layout.
 */
export interface WasmContext {
  /** The instance's exported functions, by export name. */
  readonly exports: Readonly<Record<string, unknown>>;
  /** Arrays shorter than this are cheaper on the reference backend (the copies dominate). */
  readonly minElementwise: number;
  /**
   * Run `kernel(outPtrs, inPtrs, scratchPtr)` with every input readable and every output
   * writable in linear memory (byte addresses, 64-byte aligned), `scratchBytes` of scratch,
   * then make the outputs' contents visible in the caller's `outs`. Inputs and outputs must
   * share the element type of `outs[0]`. Returns false when the operands do not fit; the caller
   * then falls back to the reference kernel.
   */
  run(
    outs: readonly FloatArray[], ins: readonly FloatArray[],
    kernel: (outPtrs: number[], inPtrs: number[], scratchPtr: number) => void,
    scratchBytes?: number,
  ): boolean;
}

/** A kernel family's contribution to the wasm backend. */
export type WasmFamily<K> = (ctx: WasmContext) => Partial<K>;
