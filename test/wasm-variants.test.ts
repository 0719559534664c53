/**
 * The two builds of kernels.wat (scripts/build-wasm.mjs): `simd128` (mul + add) and
 * `relaxed-simd` (f32x4/f64x2.relaxed_madd, an FMA on x64). Both must give the matmul to
 * rounding, whether or not relaxed_madd fuses on this machine.
 *
 * Independent route: the exact product Σ_p a_ip·b_pj computed in f64 from the same inputs (for
 * f32 inputs every product is exact in f64, so this is the true value to ~1e-16 relative), and
 * the classical bound for any summation order, with or without fused multiply-adds:
 *   |ĉ_ij − c_ij| ≤ γ_k · Σ_p |a_ip|·|b_pj|,   γ_k = k·u / (1 − k·u)
 * (Higham, Accuracy and Stability of Numerical Algorithms, §3.1; u = 2⁻²⁴ for f32, 2⁻⁵³ for f64).
 * For f64 the "exact" value is itself a double sum, so the tolerance doubles.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { FloatArray } from '../src/engine/dtype.js';
import { Rng } from '../src/engine/rng.js';
import type { Backend } from '../src/engine/backend/types.js';
import { referenceBackend } from '../src/engine/backend/reference.js';
import { ensureWasmBytes } from './support/wasm-bytes.js';


type WasmModule = typeof import('../src/engine/backend/wasm.js');
let wasmMod: WasmModule;
let relaxedSupported = false;
const backends: Record<'relaxed-simd' | 'simd128', Backend | undefined> = { 'relaxed-simd': undefined, simd128: undefined };

beforeAll(async () => {
  ensureWasmBytes();
  wasmMod = await import('../src/engine/backend/wasm.js');
  relaxedSupported = await wasmMod.wasmRelaxedSimdSupported();
  backends.simd128 = await wasmMod.createWasmBackend({ variant: 'simd128', minMatmulWork: 0 });
  if (relaxedSupported) backends['relaxed-simd'] = await wasmMod.createWasmBackend({ variant: 'relaxed-simd', minMatmulWork: 0 });
});

type Shape = [m: number, k: number, n: number];

/**
 * Odd shapes around the register tile (4×8 f32, 4×4 f64) and the cache blocks (mc 128/96,
 * kc 384/256, nc 2048/1024): partial tiles, k split into several kc blocks (the accumulate
 * path), m over several mc blocks, n over two nc blocks (f64).
 */
const ODD: Shape[] = [
  [1, 1, 1], [1, 7, 1], [3, 5, 7], [4, 8, 8], [5, 9, 9], [13, 1, 11],
  [17, 385, 9], [9, 700, 13], [130, 20, 33], [200, 257, 6], [6, 40, 1030],
];

function fill(rng: Rng, len: number, dtype: 'f32' | 'f64'): FloatArray {
  const out = dtype === 'f32' ? new Float32Array(len) : new Float64Array(len);
  for (let i = 0; i < len; i++) out[i] = rng.normal();
  return out;
}

/** Largest |got − exact| / (Σ|a||b|·γ_k): ≤ 1 means within the rounding bound. */
function worstRatio(
  got: FloatArray, a: FloatArray, b: FloatArray,
  m: number, k: number, n: number, transA: boolean, transB: boolean, u: number,
): number {
  const gamma = (k * u) / (1 - k * u);
  let worst = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let exact = 0;
      let scale = 0;
      for (let p = 0; p < k; p++) {
        const prod = (transA ? a[p * m + i] : a[i * k + p]) * (transB ? b[j * k + p] : b[p * n + j]);
        exact += prod;
        scale += Math.abs(prod);
      }
      const r = Math.abs(got[i * n + j] - exact) / (gamma * scale || Number.MIN_VALUE);
      if (!(r <= worst)) worst = r; // NaN lands here too
    }
  }
  return worst;
}

describe('wasm kernel variants', () => {
  it('auto picks relaxed SIMD where the engine has it (Node 20 after the V8 flag) and says so', async () => {
    expect(relaxedSupported).toBe(true); // Node ≥ 20.19 (package.json engines) has relaxed SIMD behind a flag
    const auto = await wasmMod.createWasmBackend();
    expect(auto.name).toBe('wasm');
    expect(auto.variant).toBe('relaxed-simd');
    expect(backends.simd128?.variant).toBe('simd128');
    expect(backends['relaxed-simd']?.variant).toBe('relaxed-simd');
  });

  it('rejects an unknown variant, naming the option and the allowed values', async () => {
    await expect(wasmMod.createWasmBackend({ variant: 'avx512' as never }))
      .rejects.toThrow("variant must be 'auto', 'relaxed-simd' or 'simd128', got \"avx512\"");
  });

  it('the two binaries differ exactly by relaxed_madd: present in one, absent from the other', async () => {
    const gen = await import('../src/engine/backend/wasm-bytes.generated.js');
    const plain = wasmMod.decodeBase64(gen.wasmBase64);
    const relaxed = wasmMod.decodeBase64(gen.wasmRelaxedBase64);
    const count = (bytes: Uint8Array, op: number[]) => {
      let c = 0;
      for (let i = 0; i + op.length <= bytes.length; i++) if (op.every((x, j) => bytes[i + j] === x)) c++;
      return c;
    };
    const F32_MADD = [0xfd, 0x85, 0x02], F64_MADD = [0xfd, 0x87, 0x02];
    // At least one relaxed_madd per accumulator of each gemm micro-kernel (8 + 8; fragments may add more).
    const sites = count(relaxed, F32_MADD) + count(relaxed, F64_MADD);
    expect(count(relaxed, F32_MADD)).toBeGreaterThanOrEqual(8);
    expect(count(relaxed, F64_MADD)).toBeGreaterThanOrEqual(8);
    expect(count(plain, F32_MADD) + count(plain, F64_MADD)).toBe(0);
    // Each site is mul + add (two 3-byte opcodes) in one build and relaxed_madd (one) in the other.
    expect(plain.length - relaxed.length).toBe(3 * sites);
  });

  for (const variant of ['relaxed-simd', 'simd128'] as const) {
    for (const dtype of ['f32', 'f64'] as const) {
      it(`${variant} ${dtype}: every transpose case, odd and random shapes, within the rounding bound`, () => {
        const be = backends[variant];
        expect(be, `${variant} backend`).toBeDefined();
        const u = dtype === 'f32' ? 2 ** -24 : 2 * 2 ** -53;
        const rng = new Rng(2024).split(`${variant}-${dtype}`);
        const shapes: Shape[] = [...ODD];
        for (let t = 0; t < 6; t++) shapes.push([1 + rng.int(150), 1 + rng.int(450), 1 + rng.int(150)]);
        for (const [m, k, n] of shapes) {
          for (const [transA, transB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
            const a = fill(rng, m * k, dtype);
            const b = fill(rng, k * n, dtype);
            const got = dtype === 'f32' ? new Float32Array(m * n) : new Float64Array(m * n);
            got.fill(NaN); // every element must be written
            be!.matmul(a, b, got, m, k, n, transA, transB);
            const label = `${variant} ${dtype} ${m}×${k}×${n} transA=${transA} transB=${transB}`;
            expect(worstRatio(got, a, b, m, k, n, transA, transB, u), label).toBeLessThanOrEqual(1);
            // And the reference backend (its own summation order) lands within the same bound.
            const ref = dtype === 'f32' ? new Float32Array(m * n) : new Float64Array(m * n);
            referenceBackend.matmul(a, b, ref, m, k, n, transA, transB);
            expect(worstRatio(ref, a, b, m, k, n, transA, transB, u), `reference ${label}`).toBeLessThanOrEqual(1);
          }
        }
      });
    }
  }

  it('relaxed_madd probe: fused (2⁻⁴⁶) or not (0), and the relaxed matmul rounds the same way', async () => {
    const fuses = await wasmMod.relaxedMaddFuses();
    expect(typeof fuses).toBe('boolean');
    // A 1×2·2×1 product whose second multiply-add cancels: a0·b0 = −(1 + 2ε), a1·b1 = 1 + 2ε + ε²
    // (ε = 2⁻²³ in f32, 2⁻⁵² in f64). Exact: ε². mul + add rounds a1·b1 to 1 + 2ε first: 0.
    for (const [Arr, eps] of [[Float32Array, 2 ** -23], [Float64Array, 2 ** -52]] as const) {
      const a = Arr.of(-(1 + 2 * eps), 1 + eps);
      const b = Arr.of(1, 1 + eps);
      const relaxed = new Arr(1), plain = new Arr(1), ref = new Arr(1);
      backends['relaxed-simd']!.matmul(a, b, relaxed, 1, 2, 1);
      backends.simd128!.matmul(a, b, plain, 1, 2, 1);
      referenceBackend.matmul(a, b, ref, 1, 2, 1);
      expect(plain[0]).toBe(0);
      expect(relaxed[0]).toBe(fuses ? eps * eps : 0);
      if (Arr === Float32Array) expect(ref[0]).toBe(eps * eps); // the reference sums f32 inputs in f64
    }
  });

  it('hand-computed 2×3·3×2 product is exact in both variants (small integers)', () => {
    // [[1,2,3],[4,5,6]] · [[7,8],[9,10],[11,12]] = [[58,64],[139,154]]
    for (const be of [backends.simd128!, backends['relaxed-simd']!]) {
      for (const Arr of [Float32Array, Float64Array]) {
        const out = new Arr(4);
        be.matmul(Arr.of(1, 2, 3, 4, 5, 6), Arr.of(7, 8, 9, 10, 11, 12), out, 2, 3, 2);
        expect(Array.from(out)).toEqual([58, 64, 139, 154]);
      }
    }
  });
});
