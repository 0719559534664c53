import { ARENA, Arena } from '../arena.js';
import type { FloatArray } from '../dtype.js';
import type { Backend } from './types.js';
import { referenceBackend } from './reference.js';
import { wasmBase64, wasmRelaxedBase64 } from './wasm-bytes.generated.js';
import type { WasmContext } from './wasm-context.js';
import { wasmMathKernels } from './wasm-math.js';
import { wasmRowKernels } from './wasm-rows.js';
import { wasmLinalgKernels } from './wasm-linalg.js';

/**
 * The WebAssembly SIMD128 backend: hand-written kernels in `kernels.wat`, assembled by
 * `scripts/build-wasm.mjs` into `wasm-bytes.generated.ts` (base64, so it loads identically in
 * Node and in a browser).
 *
 * Two builds of the same source (see kernels.wat): `simd128` (baseline SIMD, every engine) and
 * `relaxed-simd` (the matmul micro-kernels' multiply-adds as relaxed_madd, one FMA instruction
 * on x64). `createWasmBackend()` picks relaxed-simd where the engine validates a relaxed-SIMD
 * probe (Chromium ≥ 114; Node 20 once V8's flag is on, which this module sets in Node only),
 * else simd128; the backend's `variant` says which one runs.
 *
 * Memory. The instance's linear memory holds the backend's arena (engine/arena.ts): inside a
 * `withArena` scope the engine's tensors are views into it, and a kernel reads and writes such
 * operands in place. Any other operand (a JS-heap array) is copied into staging and the result
 * copied out, so aliasing between `out` and the inputs stays harmless (an input overlapping an
 * in-place output is staged; the elementwise kernels accept out == in exactly). The memory grows
 * on demand, but never while a scope is open (growth detaches the buffer and would empty every
 * live view): staging then borrows the arena's free space, and a call that still does not fit
 * runs on a second, spare instance of the same module. Problems too small to amortise the
 * copies are delegated to the reference backend, and so is anything that would not fit in a
 * 32-bit wasm memory.
 *
 * Numerics: matmul sums in a different order from the reference (blocked over k, vectorised
 * over j), so it agrees to rounding; f32 matmul accumulates in f32. relaxed_madd may round once
 * (FMA) or twice (mul + add), engine and CPU decide (see relaxedMaddFuses); either way the
 * result agrees to rounding. The elementwise kernels are bit-identical to the reference (axpby on f32 computes in f64 and rounds once, like the
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
  /**
   * Which build of the kernels to load (default 'auto': 'relaxed-simd' where the engine supports
   * relaxed SIMD, else 'simd128'). Asking for 'relaxed-simd' where it is unsupported throws.
   */
  variant?: 'auto' | WasmVariant;
}

/** The two builds of kernels.wat: baseline SIMD128, and with relaxed-SIMD multiply-adds. */
export type WasmVariant = 'relaxed-simd' | 'simd128';
const VARIANTS: readonly WasmVariant[] = ['relaxed-simd', 'simd128'];

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
 * block of B), per variant. kc·(mr+nr)·bytes keeps the two micro-panels in L1; mc·kc·bytes
 * (~200 KB) keeps the packed A block in L2.
 */
const BLOCKING = {
  'simd128': {
    f32: { bytes: 4, mr: 4, nr: 8, mc: 128, kc: 384, nc: 2048 },
    f64: { bytes: 8, mr: 4, nr: 4, mc: 96, kc: 256, nc: 1024 },
  },
  'relaxed-simd': {
    f32: { bytes: 4, mr: 4, nr: 8, mc: 128, kc: 384, nc: 2048 },
    f64: { bytes: 8, mr: 4, nr: 4, mc: 96, kc: 256, nc: 1024 },
  },
} as const;

const PAGE = 65536;
/** Bytes [0, HEAP) hold the scratch edge tile; operands start at HEAP. */
const TILE = 0;
const HEAP = 256;
/** Stay below 4 GiB (the wasm32 ceiling). */
const MAX_BYTES = 4 * 1024 * 1024 * 1024 - PAGE;

const align64 = (x: number) => Math.ceil(x / 64) * 64;
const roundUp = (x: number, to: number) => Math.ceil(x / to) * to;
const overlaps = (a: number, aLen: number, b: number, bLen: number) => a < b + bLen && b < a + aLen;

/** One instance of the kernels, with whole-memory views (renewed after every grow). */
interface Space {
  ex: KernelExports;
  memory: WebAssembly.Memory;
  buffer: ArrayBuffer;
  f32: Float32Array;
  f64: Float64Array;
}

function space(instance: WebAssembly.Instance): Space {
  const ex = instance.exports as unknown as KernelExports;
  const buffer = ex.memory.buffer;
  return { ex, memory: ex.memory, buffer, f32: new Float32Array(buffer), f64: new Float64Array(buffer) };
}

function refresh(s: Space): void {
  if (s.buffer !== s.memory.buffer) {
    s.buffer = s.memory.buffer;
    s.f32 = new Float32Array(s.buffer);
    s.f64 = new Float64Array(s.buffer);
  }
}

/**
 * Make the memory at least `bytes` long; false if it cannot grow that far. Growing detaches
 * the old ArrayBuffer (every view of it reads as empty), so main's memory grows only while no
 * arena scope is open.
 */
function reserve(s: Space, bytes: number): boolean {
  if (bytes > MAX_BYTES) return false;
  const have = s.memory.buffer.byteLength;
  if (bytes > have) {
    try {
      s.memory.grow(Math.ceil((bytes - have) / PAGE));
    } catch {
      return false;
    }
  }
  refresh(s);
  return true;
}

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

/**
 * A minimal relaxed-SIMD module: export "f"(a, b, c: f32) = lane 0 of
 * f32x4.relaxed_madd(splat a, splat b, splat c). It validates only where relaxed SIMD is
 * supported, and running it tells whether relaxed_madd fuses (see relaxedMaddFuses).
 */
const RELAXED_SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, //       magic, version
  0x01, 0x08, 0x01, 0x60, 0x03, 0x7d, 0x7d, 0x7d, 0x01, 0x7d, // type section: (f32 f32 f32) -> f32
  0x03, 0x02, 0x01, 0x00, //                               function section: one function of type 0
  0x07, 0x05, 0x01, 0x01, 0x66, 0x00, 0x00, //             export section: "f" = function 0
  0x0a, 0x16, 0x01, 0x14, 0x00, //                         code section: one body, no locals
  0x20, 0x00, 0xfd, 0x13, 0x20, 0x01, 0xfd, 0x13, //       local.get 0; f32x4.splat; local.get 1; f32x4.splat
  0x20, 0x02, 0xfd, 0x13, //                               local.get 2; f32x4.splat
  0xfd, 0x85, 0x02, 0xfd, 0x1f, 0x00, 0x0b, //             f32x4.relaxed_madd; f32x4.extract_lane 0; end
]);

const inNode = (): boolean =>
  typeof process !== 'undefined' && typeof process.versions?.node === 'string';

let relaxedProbe: Promise<boolean> | null = null;

/**
 * Whether this engine runs relaxed SIMD. Node 20 (V8 11.3) ships it behind
 * `--experimental-wasm-relaxed-simd`, which is switched on here first (Node only: the module
 * specifier is kept out of the bundler's sight, so a browser bundle never loads node:v8).
 */
export function wasmRelaxedSimdSupported(): Promise<boolean> {
  relaxedProbe ??= (async () => {
    if (typeof WebAssembly !== 'object') return false;
    try {
      if (WebAssembly.validate(RELAXED_SIMD_PROBE)) return true;
    } catch {
      return false;
    }
    if (!inNode()) return false;
    try {
      const specifier = 'node:v8';
      const v8 = (await import(/* @vite-ignore */ specifier)) as { setFlagsFromString(flags: string): void };
      v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
      return WebAssembly.validate(RELAXED_SIMD_PROBE);
    } catch {
      return false;
    }
  })();
  return relaxedProbe;
}

/**
 * Whether relaxed_madd rounds once (a fused multiply-add) on this engine and CPU; null where
 * relaxed SIMD is unsupported. With a = 1 + 2⁻²³ and c = −(1 + 2⁻²²), a·a + c is exactly 2⁻⁴⁶:
 * a fused multiply-add returns that, mul then add rounds a·a to 1 + 2⁻²² first and returns 0.
 */
export async function relaxedMaddFuses(): Promise<boolean | null> {
  if (!(await wasmRelaxedSimdSupported())) return null;
  const probe = await WebAssembly.instantiate(RELAXED_SIMD_PROBE, {});
  const f = probe.instance.exports.f as (a: number, b: number, c: number) => number;
  const a = 1 + 2 ** -23;
  return f(a, a, -(1 + 2 ** -22)) === 2 ** -46;
}

/** 'auto' → the fastest build this engine runs; an explicit variant is checked. */
async function resolveVariant(asked: unknown = 'auto'): Promise<WasmVariant> {
  if (asked !== 'auto' && !VARIANTS.includes(asked as WasmVariant)) {
    throw new Error(`createWasmBackend: variant must be 'auto', 'relaxed-simd' or 'simd128', got ${JSON.stringify(asked)}`);
  }
  if (asked === 'simd128') return 'simd128';
  const relaxed = await wasmRelaxedSimdSupported();
  if (asked === 'relaxed-simd' && !relaxed) {
    throw new Error("createWasmBackend: variant 'relaxed-simd' is not supported by this JavaScript engine (no relaxed SIMD); use 'auto' or 'simd128'");
  }
  return relaxed ? 'relaxed-simd' : 'simd128';
}

const compiled: Partial<Record<WasmVariant, Promise<WebAssembly.Module>>> = {};

function compileKernels(variant: WasmVariant): Promise<WebAssembly.Module> {
  let module = compiled[variant];
  if (!module) {
    module = WebAssembly.compile(decodeBase64(variant === 'relaxed-simd' ? wasmRelaxedBase64 : wasmBase64));
    compiled[variant] = module;
    module.catch(() => { delete compiled[variant]; });
  }
  return module;
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
  const variant = await resolveVariant(options.variant);
  const blocking = BLOCKING[variant];

  const module = await compileKernels(variant);
  const main = space(await WebAssembly.instantiate(module, {}));
  /**
   * A second instance of the same module (same code, so the same numbers): the rare call
   * whose staging does not fit beside a live arena runs there, since its memory may grow.
   */
  const spare = space(await WebAssembly.instantiate(module, {}));
  const ex = main.ex;

  /** The arena lives in main's memory above HEAP; it grows only when no scope is open. */
  const arena = new Arena('wasm', {
    open(bytes) {
      if (main.memory.buffer.byteLength < HEAP + bytes) {
        reserve(main, Math.min(MAX_BYTES, roundUp(HEAP + bytes + (bytes >> 3), PAGE))); // best effort: a smaller region spills
      }
      refresh(main);
      return { buffer: main.buffer, base: HEAP, end: main.buffer.byteLength };
    },
    close() {},
  });
  const traffic = arena.traffic;

  /** Refuse an array in main's memory that is not live arena memory (kept past its scope). */
  function checkLive(x: FloatArray, len: number): void {
    if (!arena.isLive(x.buffer, x.byteOffset, len)) {
      throw new Error('wasm: an array in arena memory was used after its withArena scope ended (copy results out with .slice(), or make them inside outsideArena)');
    }
  }

  /**
   * Run one kernel on caller arrays. An operand that is live arena memory of this instance is
   * passed in place (zero copy); the others are copied into staging — above the arena's bump
   * pointer while a scope is open, else at HEAP (growing the memory). An input overlapping an
   * in-place output is staged, unless `sameOk` and it is exactly that output (the elementwise
   * kernels allow out == in); overlapping in-place outputs are staged too. When the staging
   * does not fit beside a live arena, the whole call runs on the spare instance. Returns false
   * only when even that cannot hold the operands (the caller then uses the reference kernel).
   */
  function exec(
    bytes: number,
    outs: readonly FloatArray[], outLens: readonly number[],
    ins: readonly FloatArray[], inLens: readonly number[],
    scratchBytes: number, sameOk: boolean,
    kernel: (s: Space, outPtrs: number[], inPtrs: number[], scratch: number) => void,
  ): boolean {
    refresh(main);
    const buf = main.buffer;
    const nO = outs.length, nI = ins.length;
    const oP = new Array<number>(nO), iP = new Array<number>(nI);
    let need = scratchBytes > 0 ? align64(scratchBytes) : 0;
    for (let i = 0; i < nO; i++) {
      const o = outs[i], len = outLens[i] * bytes;
      oP[i] = -1;
      if (o.buffer === buf && o.BYTES_PER_ELEMENT === bytes) {
        checkLive(o, len);
        let clash = false;
        for (let j = 0; j < i && !clash; j++) clash = oP[j] >= 0 && overlaps(o.byteOffset, len, oP[j], outLens[j] * bytes);
        if (!clash) {
          oP[i] = o.byteOffset;
          continue;
        }
      }
      need += align64(len);
    }
    for (let i = 0; i < nI; i++) {
      const x = ins[i], len = inLens[i] * bytes;
      iP[i] = -1;
      if (x.buffer === buf && x.BYTES_PER_ELEMENT === bytes) {
        checkLive(x, len);
        let clash = false;
        for (let j = 0; j < nO && !clash; j++) {
          const same = sameOk && x.byteOffset === oP[j] && len === outLens[j] * bytes;
          clash = oP[j] >= 0 && !same && overlaps(x.byteOffset, len, oP[j], outLens[j] * bytes);
        }
        if (!clash) {
          iP[i] = x.byteOffset;
          continue;
        }
      }
      need += align64(len);
    }
    if (need === 0) {
      kernel(main, oP, iP, 0);
      return true;
    }
    if (arena.active) {
      const at = arena.pushTemp(need);
      if (at >= 0) {
        try {
          stageAndRun(main, at, bytes, outs, outLens, oP, ins, inLens, iP, kernel);
        } finally {
          arena.popTemp(at, need);
        }
        return true;
      }
    } else if (reserve(main, HEAP + need)) {
      stageAndRun(main, HEAP, bytes, outs, outLens, oP, ins, inLens, iP, kernel);
      return true;
    }
    // Staging does not fit beside the live arena: copy everything into the spare instance.
    let all = scratchBytes > 0 ? align64(scratchBytes) : 0;
    for (let i = 0; i < nO; i++) all += align64(outLens[i] * bytes);
    for (let i = 0; i < nI; i++) all += align64(inLens[i] * bytes);
    if (!reserve(spare, HEAP + all)) return false;
    traffic.spareCalls++;
    stageAndRun(spare, HEAP, bytes, outs, outLens, oP.fill(-1), ins, inLens, iP.fill(-1), kernel);
    return true;
  }

  /** Copy the inputs marked −1 into `s` from byte `at` on, place the outputs marked −1 and the scratch after them, run, copy those outputs back. */
  function stageAndRun(
    s: Space, at: number, bytes: number,
    outs: readonly FloatArray[], outLens: readonly number[], oP: number[],
    ins: readonly FloatArray[], inLens: readonly number[], iP: number[],
    kernel: (s: Space, outPtrs: number[], inPtrs: number[], scratch: number) => void,
  ): void {
    const v = bytes === 4 ? s.f32 : s.f64;
    for (let i = 0; i < ins.length; i++) {
      if (iP[i] >= 0) continue;
      const len = inLens[i], x = ins[i];
      iP[i] = at;
      v.set(x.length === len ? x : x.subarray(0, len), at / bytes);
      traffic.copiedIn += len * bytes;
      at = align64(at + len * bytes);
    }
    const staged: number[] = [];
    for (let i = 0; i < outs.length; i++) {
      if (oP[i] >= 0) continue;
      oP[i] = at;
      staged.push(i);
      at = align64(at + outLens[i] * bytes);
    }
    kernel(s, oP, iP, at);
    for (const i of staged) {
      const p = oP[i] / bytes, len = outLens[i];
      outs[i].set(v.subarray(p, p + len));
      traffic.copiedOut += len * bytes;
    }
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
    const blk = single ? blocking.f32 : blocking.f64;
    const bytes = blk.bytes;
    const kc = Math.min(blk.kc, k);
    const packA = align64(roundUp(Math.min(blk.mc, m), blk.mr) * kc * bytes);
    const packB = kc * roundUp(Math.min(blk.nc, n), blk.nr) * bytes;
    const ok = exec(bytes, [out], [m * n], [a, b], [m * k, k * n], packA + packB, false, (s, o, i, scratch) => {
      (single ? s.ex.gemm_f32 : s.ex.gemm_f64)(
        m, k, n,
        i[0], transA ? 1 : k, transA ? m : 1,
        i[1], transB ? 1 : n, transB ? k : 1,
        o[0], scratch, scratch + packA, TILE,
        blk.mc, blk.kc, blk.nc,
      );
    });
    if (!ok) {
      referenceBackend.matmul(a, b, out, m, k, n, transA, transB);
      return;
    }
    if (out.length > m * n) out.fill(0, m * n); // the reference zeroes all of `out`
  }

  /** An elementwise kernel on `len` elements with out == input allowed; false → use the reference. */
  function elementwise(
    out: FloatArray, ins: readonly FloatArray[], len: number,
    kernel: (s: Space, outPtrs: number[], inPtrs: number[]) => void,
  ): boolean {
    if (len < minElementwise) return false;
    return exec(out.BYTES_PER_ELEMENT, [out], [len], ins, ins.length === 1 ? [len] : [len, len], 0, true, kernel);
  }

  /**
   * The kernel families' view of the exports: each function forwards to the instance the
   * current call runs on (main, or spare when its staging did not fit), so a family's kernel
   * closure needs no change for either.
   */
  let current: Record<string, unknown> = ex as unknown as Record<string, unknown>;
  const forwarded: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(ex as unknown as Record<string, unknown>)) {
    forwarded[name] = typeof value === 'function'
      ? (...args: unknown[]) => (current[name] as (...a: unknown[]) => unknown)(...args)
      : value;
  }

  /** WasmContext.run: operands in place where they are live arena memory, staged otherwise. */
  function run(
    outs: readonly FloatArray[], ins: readonly FloatArray[],
    kernel: (outPtrs: number[], inPtrs: number[], scratchPtr: number) => void,
    scratchBytes = 0,
  ): boolean {
    const bytes = outs[0] instanceof Float32Array ? 4 : 8;
    return exec(bytes, outs, outs.map((o) => o.length), ins, ins.map((x) => x.length), scratchBytes, false, (s, o, i, scratch) => {
      if (s === main) return kernel(o, i, scratch);
      current = s.ex as unknown as Record<string, unknown>;
      try {
        kernel(o, i, scratch);
      } finally {
        current = ex as unknown as Record<string, unknown>;
      }
    });
  }

  const ctx: WasmContext = { exports: forwarded, minElementwise, run };

  return attachArena({
    ...wasmMathKernels(ctx),
    ...wasmRowKernels(ctx),
    ...wasmLinalgKernels(ctx),
    name: 'wasm',
    variant,
    matmul,
    axpby(alpha, x, beta, y, out) {
      const len = out.length;
      checkLength('axpby', 'x', x, len);
      checkLength('axpby', 'y', y, len);
      const f32 = out instanceof Float32Array;
      const ok = elementwise(out, [x, y], len, (s, o, i) => (f32 ? s.ex.axpby_f32 : s.ex.axpby_f64)(alpha, i[0], beta, i[1], o[0], len));
      if (!ok) referenceBackend.axpby(alpha, x, beta, y, out);
    },
    mul(x, y, out) {
      const len = out.length;
      checkLength('mul', 'x', x, len);
      checkLength('mul', 'y', y, len);
      const f32 = out instanceof Float32Array;
      const ok = elementwise(out, [x, y], len, (s, o, i) => (f32 ? s.ex.mul_f32 : s.ex.mul_f64)(i[0], i[1], o[0], len));
      if (!ok) referenceBackend.mul(x, y, out);
    },
    relu(x, out) {
      const len = out.length;
      checkLength('relu', 'x', x, len);
      const f32 = out instanceof Float32Array;
      const ok = elementwise(out, [x], len, (s, o, i) => (f32 ? s.ex.relu_f32 : s.ex.relu_f64)(i[0], o[0], len));
      if (!ok) referenceBackend.relu(x, out);
    },
    reluMask(g, x, out) {
      const len = out.length;
      checkLength('reluMask', 'g', g, len);
      checkLength('reluMask', 'x', x, len);
      const f32 = out instanceof Float32Array;
      const ok = elementwise(out, [g, x], len, (s, o, i) => (f32 ? s.ex.reluMask_f32 : s.ex.reluMask_f64)(i[0], i[1], o[0], len));
      if (!ok) referenceBackend.reluMask(g, x, out);
    },
  }, arena);
}

/** Attach the arena as the backend's `[ARENA]` member (enumerable: spreading the backend carries it). */
function attachArena<B extends object>(b: B, arena: Arena): B {
  Object.defineProperty(b, ARENA, { value: arena, enumerable: true });
  return b;
}
