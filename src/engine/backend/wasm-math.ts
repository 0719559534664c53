import type { FloatArray } from '../dtype.js';
import { referenceMath } from './math-kernels.js';
import type { MathBackwardName, MathKernels, MathUnaryName } from './math-kernels.js';
import type { WasmContext, WasmFamily } from './wasm-context.js';

/**
 * The wasm SIMD math kernels (kernels-math.wat): exports `<op>_f64` / `<op>_f32` taking
 * (x, out, n) for the activations and (g, y, out, n) for the fused backward ops. Arrays shorter
 * than `ctx.minElementwise` (and anything that does not fit in wasm memory) go to the reference.
 * The activations take a fourth argument: the address of TABLE_BYTES of scratch, where each call
 * copies in the table of 2^(j/64) that its exp uses (a passive data segment; wasm.ts owns the
 * memory layout, so the table has no fixed address).
 */
type UnaryExport = (x: number, out: number, n: number, table: number) => void;
type BackwardExport = (g: number, y: number, out: number, n: number) => void;

const UNARY: readonly MathUnaryName[] = ['exp', 'tanh', 'sigmoid', 'erf', 'gelu', 'geluSlope', 'geluCurv'];
const BACKWARD: readonly MathBackwardName[] = ['tanhBackward', 'sigmoidBackward'];
/** Scratch for the exp table of kernels-math.wat: 64 entries of 16 bytes. */
const TABLE_BYTES = 1024;

function pick<F>(ctx: WasmContext, name: string): { f32: F; f64: F } | null {
  const f32 = ctx.exports[`${name}_f32`], f64 = ctx.exports[`${name}_f64`];
  return typeof f32 === 'function' && typeof f64 === 'function' ? { f32: f32 as F, f64: f64 as F } : null;
}

function unaryKernel(ctx: WasmContext, name: MathUnaryName): MathKernels[MathUnaryName] | null {
  const k = pick<UnaryExport>(ctx, name);
  if (!k) return null;
  const fallback = referenceMath[name];
  return (x: FloatArray, out: FloatArray): void => {
    const n = out.length;
    if (x.length < n) throw new RangeError(`${name}: x has ${x.length} elements, needs ${n}`);
    const xs = x.length === n ? x : x.subarray(0, n);
    const f = out instanceof Float32Array ? k.f32 : k.f64;
    if (n < ctx.minElementwise || !ctx.run([out], [xs], (o, i, table) => f(i[0], o[0], n, table), TABLE_BYTES)) fallback(xs, out);
  };
}

function backwardKernel(ctx: WasmContext, name: MathBackwardName): MathKernels[MathBackwardName] | null {
  const k = pick<BackwardExport>(ctx, name);
  if (!k) return null;
  const fallback = referenceMath[name];
  return (g: FloatArray, y: FloatArray, out: FloatArray): void => {
    const n = out.length;
    if (g.length < n) throw new RangeError(`${name}: g has ${g.length} elements, needs ${n}`);
    if (y.length < n) throw new RangeError(`${name}: y has ${y.length} elements, needs ${n}`);
    const gs = g.length === n ? g : g.subarray(0, n), ys = y.length === n ? y : y.subarray(0, n);
    const f = out instanceof Float32Array ? k.f32 : k.f64;
    if (n < ctx.minElementwise || !ctx.run([out], [gs, ys], (o, i) => f(i[0], i[1], o[0], n))) fallback(gs, ys, out);
  };
}

/** The wasm SIMD math kernels (kernels-math.wat); members whose exports are missing are left out. */
export const wasmMathKernels: WasmFamily<MathKernels> = (ctx) => {
  const out: Partial<MathKernels> = {};
  for (const name of UNARY) {
    const k = unaryKernel(ctx, name);
    if (k) out[name] = k;
  }
  for (const name of BACKWARD) {
    const k = backwardKernel(ctx, name);
    if (k) out[name] = k;
  }
  return out;
};
