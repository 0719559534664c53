import type { FloatArray } from '../dtype.js';
import type { Backend } from './types.js';
import { referenceBackend } from './reference.js';
import { wasmBase64 } from './wasm-bytes.generated.js';
import type { WasmContext } from './wasm-context.js';
import { wasmMathKernels } from './wasm-math.js';
import { wasmRowKernels } from './wasm-rows.js';

/**
 * The WebAssembly SIMD128 backend: hand-written kernels in `kernels.wat`, assembled by
 * `scripts/build-wasm.mjs` into `wasm-bytes.generated.ts` (base64, so it loads identically in
 * Node and in a browser).
 *
 * Every call copies its operands into the instance's linear memory, runs one kernel and copies
 * the result out into the caller's array, so aliasing between `out` and the inputs is harmless
 * for the elementwise ops. The memory grows on demand (it never shrinks; it is reused by later
 * calls). Problems too small to amortise the copies are delegated to the reference backend,
 * and so is anything that would not fit in a 32-bit wasm memory.
 *
 * Numerics: matmul sums in a different order from the reference (blocked over k, vectorised
 * over j), so it agrees to rounding; f32 matmul accumulates in f32. The elementwise kernels are
 * bit-identical to the reference (axpby on f32 computes in f64 and rounds once, like the
 * reference's `alpha*x + beta*y` stored into a Float32Array).
 */

export interface WasmBackendOptions {
  /**
   * Matmuls with m·k·n below this run on the reference backend (default 512). Measured on
   * Node 20 / x64, the wasm path including its copies already wins from about 8×8×8.
   */
  minMatmulWork?: number;
  /**
   * Elementwise ops on fewer elements than this run on the reference backend (default 512;
   * the copies make wasm break even at a few hundred elements).
   */
  minElementwise?: number;
}

interface KernelExports {
  memory: WebAssembly.Memory;
  gemm_f32: GemmKernel;
  gemm_f64: GemmKernel;
  axpby_f32: AxpbyKernel;
  axpby_f64: AxpbyKernel;
  mul_f32: BinaryKernel;
  mul_f64: BinaryKernel;
  reluMask_f32: BinaryKernel;
  reluMask_f64: BinaryKernel;
  relu_f32: UnaryKernel;
  relu_f64: UnaryKernel;
}

type GemmKernel = (
  m: number, k: number, n: number,
  a: number, rsa: number, csa: number,
  b: number, rsb: number, csb: number,
  c: number, packA: number, packB: number, tile: number,
  mcBlock: number, kcBlock: number, ncBlock: number,
) => void;
type AxpbyKernel = (alpha: number, x: number, beta: number, y: number, out: number, n: number) => void;
type BinaryKernel = (x: number, y: number, out: number, n: number) => void;
type UnaryKernel = (x: number, out: number, n: number) => void;

/**
 * Register tile (mr×nr, fixed in kernels.wat) and cache blocking (mc×kc block of A, kc×nc
 * block of B). kc·(mr+nr)·bytes keeps the two micro-panels in L1; mc·kc·bytes (~200 KB)
 * keeps the packed A block in L2.
 */
const BLOCKING = {
  f32: { bytes: 4, mr: 4, nr: 8, mc: 128, kc: 384, nc: 2048 },
  f64: { bytes: 8, mr: 4, nr: 4, mc: 96, kc: 256, nc: 1024 },
} as const;

const PAGE = 65536;
/** Bytes [0, HEAP) hold the scratch edge tile; operands start at HEAP. */
const TILE = 0;
const HEAP = 256;
/** Stay below 4 GiB (the wasm32 ceiling). */
const MAX_BYTES = 4 * 1024 * 1024 * 1024 - PAGE;

const align64 = (x: number) => Math.ceil(x / 64) * 64;
const roundUp = (x: number, to: number) => Math.ceil(x / to) * to;

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Base64 → bytes without Buffer or atob, so it runs unchanged in Node, browsers and workers. */
export function decodeBase64(s: string): Uint8Array<ArrayBuffer> {
  const lookup = new Int16Array(128).fill(-1);
  for (let i = 0; i < B64.length; i++) lookup[B64.charCodeAt(i)] = i;
  let len = s.length;
  while (len > 0 && s.charCodeAt(len - 1) === 61 /* '=' */) len--;
  const out = new Uint8Array(Math.floor((len * 3) / 4));
  let acc = 0, bits = 0, o = 0;
  for (let i = 0; i < len; i++) {
    const code = s.charCodeAt(i);
    const v = code < 128 ? lookup[code] : -1;
    if (v < 0) throw new Error(`invalid base64 character at ${i}`);
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

/** A minimal module whose only function uses a SIMD opcode (i32x4.splat). */
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, //       type section: () -> v128
  0x03, 0x02, 0x01, 0x00, //                         function section: one function of type 0
  0x0a, 0x08, 0x01, 0x06, 0x00, //                   code section: one body, no locals
  0x41, 0x00, 0xfd, 0x11, 0x0b, //                   i32.const 0; i32x4.splat; end
]);

/** Whether this engine supports WebAssembly SIMD128 (which the kernels require). */
export function wasmSimdSupported(): boolean {
  try {
    return typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

let compiled: Promise<WebAssembly.Module> | null = null;

function compileKernels(): Promise<WebAssembly.Module> {
  if (!compiled) {
    compiled = WebAssembly.compile(decodeBase64(wasmBase64));
    compiled.catch(() => { compiled = null; });
  }
  return compiled;
}

function checkDims(m: number, k: number, n: number): void {
  for (const [name, v] of [['m', m], ['k', k], ['n', n]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`matmul: ${name} must be a non-negative integer, got ${v}`);
  }
}

function checkLength(op: string, name: string, arr: FloatArray, need: number): void {
  if (arr.length < need) throw new RangeError(`${op}: ${name} has ${arr.length} elements, needs ${need}`);
}

/** Instantiate the kernels (async, so it is fine on a browser's main thread). */
export async function createWasmBackend(options: WasmBackendOptions = {}): Promise<Backend> {
  if (!wasmSimdSupported()) {
    throw new Error('WebAssembly SIMD128 is not supported by this JavaScript engine');
  }
  const minMatmulWork = options.minMatmulWork ?? 512;
  const minElementwise = options.minElementwise ?? 512;

  const instance = await WebAssembly.instantiate(await compileKernels(), {});
  const ex = instance.exports as unknown as KernelExports;
  const memory = ex.memory;

  let buffer = memory.buffer;
  let f32 = new Float32Array(buffer);
  let f64 = new Float64Array(buffer);

  /** Make the memory at least `bytes` long; false if it cannot grow that far. */
  function reserve(bytes: number): boolean {
    if (bytes > MAX_BYTES) return false;
    if (bytes > memory.buffer.byteLength) {
      try {
        memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / PAGE));
      } catch {
        return false;
      }
    }
    if (buffer !== memory.buffer) {
      buffer = memory.buffer;
      f32 = new Float32Array(buffer);
      f64 = new Float64Array(buffer);
    }
    return true;
  }

  const view = (out: FloatArray): FloatArray => (out instanceof Float32Array ? f32 : f64);

  /** Copy the first `len` elements of `src` into memory at byte offset `at`. */
  function copyIn(v: FloatArray, src: FloatArray, at: number, bytes: number, len: number): void {
    v.set(src.length === len ? src : src.subarray(0, len), at / bytes);
  }

  function matmul(
    a: FloatArray, b: FloatArray, out: FloatArray,
    m: number, k: number, n: number,
    transA = false, transB = false,
  ): void {
    checkDims(m, k, n);
    checkLength('matmul', 'out', out, m * n);
    checkLength('matmul', 'a', a, m * k);
    checkLength('matmul', 'b', b, k * n);
    if (m === 0 || n === 0 || k === 0) {
      out.fill(0);
      return;
    }
    if (m * k * n < minMatmulWork) {
      referenceBackend.matmul(a, b, out, m, k, n, transA, transB);
      return;
    }
    const single = out instanceof Float32Array;
    const blk = single ? BLOCKING.f32 : BLOCKING.f64;
    const bytes = blk.bytes;
    const kc = Math.min(blk.kc, k);
    const offA = HEAP;
    const offB = align64(offA + m * k * bytes);
    const offC = align64(offB + k * n * bytes);
    const offPA = align64(offC + m * n * bytes);
    const offPB = align64(offPA + roundUp(Math.min(blk.mc, m), blk.mr) * kc * bytes);
    const end = offPB + kc * roundUp(Math.min(blk.nc, n), blk.nr) * bytes;
    if (!reserve(end)) {
      referenceBackend.matmul(a, b, out, m, k, n, transA, transB);
      return;
    }
    const v = view(out);
    copyIn(v, a, offA, bytes, m * k);
    copyIn(v, b, offB, bytes, k * n);
    (single ? ex.gemm_f32 : ex.gemm_f64)(
      m, k, n,
      offA, transA ? 1 : k, transA ? m : 1,
      offB, transB ? 1 : n, transB ? k : 1,
      offC, offPA, offPB, TILE,
      blk.mc, blk.kc, blk.nc,
    );
    const c0 = offC / bytes;
    out.set(v.subarray(c0, c0 + m * n));
    if (out.length > m * n) out.fill(0, m * n); // the reference zeroes all of `out`
  }

  /**
   * Stage up to two inputs at X and Y, run `kernel(X, Y, X)` in place, copy X back into `out`.
   * Returns null when the operands do not fit (the caller falls back to the reference).
   */
  function stage(out: FloatArray, x: FloatArray, y: FloatArray | null, len: number): [number, number] | null {
    const bytes = out instanceof Float32Array ? 4 : 8;
    const offX = HEAP;
    const offY = align64(offX + len * bytes);
    if (!reserve(offY + (y ? len * bytes : 0))) return null;
    const v = view(out);
    copyIn(v, x, offX, bytes, len);
    if (y) copyIn(v, y, offY, bytes, len);
    return [offX, offY];
  }

  function finish(out: FloatArray, offX: number, len: number): void {
    const bytes = out instanceof Float32Array ? 4 : 8;
    out.set(view(out).subarray(offX / bytes, offX / bytes + len));
  }

  /** WasmContext.run: stage every input and output region, run, copy the outputs back. */
  function run(
    outs: readonly FloatArray[], ins: readonly FloatArray[],
    kernel: (outPtrs: number[], inPtrs: number[], scratchPtr: number) => void,
    scratchBytes = 0,
  ): boolean {
    const bytes = outs[0] instanceof Float32Array ? 4 : 8;
    let at = HEAP;
    const place = (len: number): number => { const p = at; at = align64(at + len * bytes); return p; };
    const inPtrs = ins.map((x) => place(x.length));
    const outPtrs = outs.map((o) => place(o.length));
    const scratch = at;
    if (!reserve(scratch + scratchBytes)) return false;
    const v = view(outs[0]);
    ins.forEach((x, i) => v.set(x, inPtrs[i] / bytes));
    kernel(outPtrs, inPtrs, scratch);
    outs.forEach((o, i) => o.set(v.subarray(outPtrs[i] / bytes, outPtrs[i] / bytes + o.length)));
    return true;
  }

  const ctx: WasmContext = { exports: ex as unknown as Record<string, unknown>, minElementwise, run };

  return {
    ...wasmMathKernels(ctx),
    ...wasmRowKernels(ctx),
    name: 'wasm',
    matmul,
    axpby(alpha, x, beta, y, out) {
      const len = out.length;
      checkLength('axpby', 'x', x, len);
      checkLength('axpby', 'y', y, len);
      const at = len >= minElementwise ? stage(out, x, y, len) : null;
      if (!at) return referenceBackend.axpby(alpha, x, beta, y, out);
      (out instanceof Float32Array ? ex.axpby_f32 : ex.axpby_f64)(alpha, at[0], beta, at[1], at[0], len);
      finish(out, at[0], len);
    },
    mul(x, y, out) {
      const len = out.length;
      checkLength('mul', 'x', x, len);
      checkLength('mul', 'y', y, len);
      const at = len >= minElementwise ? stage(out, x, y, len) : null;
      if (!at) return referenceBackend.mul(x, y, out);
      (out instanceof Float32Array ? ex.mul_f32 : ex.mul_f64)(at[0], at[1], at[0], len);
      finish(out, at[0], len);
    },
    relu(x, out) {
      const len = out.length;
      checkLength('relu', 'x', x, len);
      const at = len >= minElementwise ? stage(out, x, null, len) : null;
      if (!at) return referenceBackend.relu(x, out);
      (out instanceof Float32Array ? ex.relu_f32 : ex.relu_f64)(at[0], at[0], len);
      finish(out, at[0], len);
    },
    reluMask(g, x, out) {
      const len = out.length;
      checkLength('reluMask', 'g', g, len);
      checkLength('reluMask', 'x', x, len);
      const at = len >= minElementwise ? stage(out, g, x, len) : null;
      if (!at) return referenceBackend.reluMask(g, x, out);
      (out instanceof Float32Array ? ex.reluMask_f32 : ex.reluMask_f64)(at[0], at[1], at[0], len);
      finish(out, at[0], len);
    },
  };
}
