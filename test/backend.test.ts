import { beforeAll, describe, expect, it } from 'vitest';
import { allocate, type FloatArray, type FloatDType } from '../src/engine/dtype.js';
import { randn } from './support/arrays.js';
import { Rng } from '../src/engine/rng.js';
import type { Backend } from '../src/engine/backend/types.js';
import { referenceBackend } from '../src/engine/backend/reference.js';
import { ensureWasmBytes } from './support/wasm-bytes.js';

// The wasm backend imports wasm-bytes.generated.ts (gitignored, written by
// scripts/build-wasm.mjs). Assemble it here when it is missing or older than kernels.wat, so
// this file also runs straight after a checkout or an edit of the kernels.

type WasmModule = typeof import('../src/engine/backend/wasm.js');
let wasmMod: WasmModule;
/** Thresholds at zero: every call, however small, runs the wasm kernels. */
let wasm: Backend;
/** Default thresholds: small problems are delegated to the reference backend. */
let wasmDefault: Backend;

beforeAll(async () => {
  ensureWasmBytes();
  wasmMod = await import('../src/engine/backend/wasm.js');
  wasm = await wasmMod.createWasmBackend({ minMatmulWork: 0, minElementwise: 0 });
  wasmDefault = await wasmMod.createWasmBackend();
});

type DT = FloatDType;

/**
 * Compare a matmul result against the reference, element by element, relative to the scale
 * Σ_p |op(A)[i,p]|·|op(B)[p,j]| that bounds the rounding error of any summation order (plain
 * relative error is meaningless where the sum cancels to near zero).
 */
function expectMatmulClose(
  got: FloatArray, want: FloatArray, a: FloatArray, b: FloatArray,
  m: number, k: number, n: number, transA: boolean, transB: boolean, tol: number,
): void {
  let worst = 0;
  let where = -1;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let scale = 0;
      for (let p = 0; p < k; p++) {
        const av = transA ? a[p * m + i] : a[i * k + p];
        const bv = transB ? b[j * k + p] : b[p * n + j];
        scale += Math.abs(av * bv);
      }
      const idx = i * n + j;
      const err = Math.abs(got[idx] - want[idx]) / (scale || 1);
      if (!(err <= worst)) { worst = err; where = idx; } // NaN also lands here
    }
  }
  if (!(worst <= tol)) {
    throw new Error(
      `matmul ${m}×${k}×${n} transA=${transA} transB=${transB}: relative error ${worst} > ${tol} ` +
      `at ${where} (got ${got[where]}, want ${want[where]})`,
    );
  }
}

function checkMatmul(backend: Backend, dt: DT, m: number, k: number, n: number, transA: boolean, transB: boolean, seed: number) {
  const rng = new Rng(seed);
  const a = randn(rng, dt, m * k);
  const b = randn(rng, dt, k * n);
  const want = allocate(dt, m * n);
  referenceBackend.matmul(a, b, want, m, k, n, transA, transB);
  const got = allocate(dt, m * n).fill(12345); // stale contents must be overwritten, not added to
  const aCopy = a.slice();
  const bCopy = b.slice();
  backend.matmul(a, b, got, m, k, n, transA, transB);
  expect(a).toEqual(aCopy); // inputs untouched
  expect(b).toEqual(bCopy);
  expectMatmulClose(got, want, a, b, m, k, n, transA, transB, dt === 'f64' ? 1e-12 : 1e-5);
}

const TRANSPOSES: Array<[boolean, boolean]> = [[false, false], [true, false], [false, true], [true, true]];
const ODD = [1, 3, 7, 17, 33, 65, 127, 130];

/** Hand-picked shapes: every tile-edge case, exact tiles, and more than one cache block in m, k, n. */
const SHAPES: Array<[number, number, number]> = [
  [1, 1, 1], [1, 7, 3], [3, 1, 7], [7, 3, 1], [4, 5, 8], [8, 8, 8], [5, 9, 17],
  [17, 33, 65], [33, 17, 1], [1, 130, 127], [65, 127, 130], [127, 130, 33], [130, 65, 127],
  [200, 300, 70], //  m > MC (f32 128, f64 96), k > KC(f64 256)
  [9, 400, 23], //    k > KC for both dtypes
  [6, 40, 2100], //   n > NC (f32 2048, f64 1024)
];

describe('wasm backend: setup', () => {
  it('detects SIMD support and names itself', () => {
    expect(wasmMod.wasmSimdSupported()).toBe(true);
    expect(wasm.name).toBe('wasm');
  });

  it('decodes base64 without Buffer or atob', () => {
    const rng = new Rng(7);
    for (let len = 0; len < 40; len++) {
      const bytes = new Uint8Array(len);
      for (let i = 0; i < len; i++) bytes[i] = rng.int(256);
      const text = Buffer.from(bytes).toString('base64');
      expect(Array.from(wasmMod.decodeBase64(text))).toEqual(Array.from(bytes));
    }
  });
});

describe('wasm backend: matmul agrees with the reference', () => {
  for (const dt of ['f32', 'f64'] as const) {
    for (const [transA, transB] of TRANSPOSES) {
      it(`${dt} transA=${transA} transB=${transB}: hand-picked shapes`, () => {
        let seed = 1;
        for (const [m, k, n] of SHAPES) checkMatmul(wasm, dt, m, k, n, transA, transB, seed++);
      });

      it(`${dt} transA=${transA} transB=${transB}: random odd shapes`, () => {
        const rng = new Rng(dt === 'f32' ? 11 : 12);
        for (let t = 0; t < 12; t++) {
          const m = ODD[rng.int(ODD.length)], k = ODD[rng.int(ODD.length)], n = ODD[rng.int(ODD.length)];
          checkMatmul(wasm, dt, m, k, n, transA, transB, 100 + t);
        }
      });
    }

    it(`${dt}: default thresholds (small problems delegated) agree too`, () => {
      for (const [m, k, n] of [[1, 1, 1], [3, 7, 5], [8, 8, 9], [33, 17, 65]] as const) {
        for (const [transA, transB] of TRANSPOSES) checkMatmul(wasmDefault, dt, m, k, n, transA, transB, m + k + n);
      }
    });
  }

  it('handles empty dimensions like the reference (all of out zeroed)', () => {
    for (const dt of ['f32', 'f64'] as const) {
      for (const [m, k, n] of [[0, 3, 4], [3, 0, 4], [3, 4, 0]] as const) {
        const a = allocate(dt, m * k).fill(1), b = allocate(dt, k * n).fill(1);
        const got = allocate(dt, 12).fill(7);
        const want = allocate(dt, 12).fill(7);
        wasm.matmul(a, b, got, m, k, n);
        referenceBackend.matmul(a, b, want, m, k, n);
        expect(got).toEqual(want);
      }
    }
  });

  it('zeroes the tail of an oversized out, like the reference', () => {
    const rng = new Rng(3);
    const a = randn(rng, 'f64', 6 * 5), b = randn(rng, 'f64', 5 * 7);
    const got = new Float64Array(6 * 7 + 5).fill(9);
    wasm.matmul(a, b, got, 6, 5, 7);
    expect(Array.from(got.subarray(42))).toEqual([0, 0, 0, 0, 0]);
  });

  it('survives memory growth and alternating dtypes on one instance', () => {
    const sizes: Array<[DT, number]> = [['f32', 20], ['f64', 150], ['f32', 5], ['f64', 260], ['f32', 64], ['f64', 3]];
    let seed = 500;
    for (const [dt, s] of sizes) checkMatmul(wasm, dt, s, s + 1, s + 2, false, seed % 2 === 0, seed++);
  });

  it('rejects operands that are too short', () => {
    const a = new Float64Array(5), b = new Float64Array(6), out = new Float64Array(4);
    expect(() => wasm.matmul(a, b, out, 2, 3, 2)).toThrow(RangeError);
    expect(() => wasm.matmul(new Float64Array(6), b, out, 2, 3, 2.5)).toThrow(RangeError);
  });
});

describe('wasm backend: elementwise kernels are bit-identical to the reference', () => {
  const LENGTHS = [0, 1, 2, 3, 4, 5, 7, 8, 9, 17, 33, 1000, 4099];
  const SPECIAL = [0, -0, NaN, Infinity, -Infinity, 1e-310, -1e-40, 3.5, -2.25];

  function inputs(dt: DT, len: number, seed: number): FloatArray {
    const rng = new Rng(seed);
    const x = randn(rng, dt, len);
    // Sprinkle special values (signed zeros, NaN, infinities, subnormals) at random spots.
    for (let t = 0; t < Math.min(len, 12); t++) x[rng.int(len)] = SPECIAL[rng.int(SPECIAL.length)];
    return x;
  }

  function expectIdentical(got: FloatArray, want: FloatArray, label: string): void {
    expect(got.length).toBe(want.length);
    for (let i = 0; i < want.length; i++) {
      if (!Object.is(got[i], want[i])) throw new Error(`${label}: element ${i} is ${got[i]}, reference ${want[i]}`);
    }
  }

  type Op = {
    name: string;
    arity: 1 | 2;
    run: (be: Backend, x: FloatArray, y: FloatArray, out: FloatArray) => void;
  };
  const OPS: Op[] = [
    { name: 'axpby', arity: 2, run: (be, x, y, out) => be.axpby(0.7310585786300049, x, -1.3, y, out) },
    { name: 'axpby(1,0)', arity: 2, run: (be, x, y, out) => be.axpby(1, x, 0, y, out) },
    { name: 'mul', arity: 2, run: (be, x, y, out) => be.mul(x, y, out) },
    { name: 'relu', arity: 1, run: (be, x, _y, out) => be.relu(x, out) },
    { name: 'reluMask', arity: 2, run: (be, x, y, out) => be.reluMask(x, y, out) },
  ];

  for (const dt of ['f32', 'f64'] as const) {
    for (const op of OPS) {
      it(`${dt} ${op.name}: separate out and every aliasing of out with the inputs`, () => {
        for (const be of [wasm, wasmDefault]) {
          for (const len of LENGTHS) {
            const x0 = inputs(dt, len, 1000 + len);
            const y0 = inputs(dt, len, 2000 + len);
            const want = allocate(dt, len);
            op.run(referenceBackend, x0, y0, want);

            // Fresh output array.
            const x = x0.slice(), y = y0.slice();
            const out = allocate(dt, len).fill(42);
            op.run(be, x, y, out);
            expectIdentical(out, want, `${op.name} ${dt} n=${len}`);
            expectIdentical(x, x0, `${op.name} input x changed`);
            expectIdentical(y, y0, `${op.name} input y changed`);

            // out aliases x.
            const xa = x0.slice();
            op.run(be, xa, y0.slice(), xa);
            expectIdentical(xa, want, `${op.name} ${dt} n=${len} out=x`);

            if (op.arity === 2) {
              // out aliases y.
              const ya = y0.slice();
              op.run(be, x0.slice(), ya, ya);
              expectIdentical(ya, want, `${op.name} ${dt} n=${len} out=y`);

              // x, y and out are all the same array.
              const s1 = x0.slice();
              const s2 = x0.slice();
              const wantSame = allocate(dt, len);
              op.run(referenceBackend, s1, s1.slice(), wantSame);
              op.run(be, s2, s2, s2);
              expectIdentical(s2, wantSame, `${op.name} ${dt} n=${len} x=y=out`);
            }
          }
        }
      });
    }
  }
});
