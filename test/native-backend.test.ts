/**
 * The native backend (OpenBLAS + LAPACK through the koffi FFI) against independent routes:
 * matmul against the reference backend's plain loops; eigh / SVD / Cholesky through linalg
 * against their defining identities (A·V = V·Λ, A = U·Σ·Vᵀ, L·Lᵀ = A, orthonormality) and
 * against the TypeScript routines, which stay the oracle.
 *
 * Skipped with the reason printed where the library cannot be loaded; under CI (CI=true), where
 * .ci/run installs libopenblas0, unavailability is a failure.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { allocate, type FloatArray, type FloatDType } from '../src/engine/dtype.js';
import { randn } from './support/arrays.js';
import { Rng } from '../src/engine/rng.js';
import type { Backend } from '../src/engine/backend/types.js';
import { referenceBackend } from '../src/engine/backend/reference.js';
import * as backends from '../src/engine/backend/index.js';
import { backend, setBackend, useBest, useNative, useReference } from '../src/engine/backend/index.js';
import { createNativeBackend, nativeInfo, setNativeThreads } from '../src/engine/backend/native.js';
import {
  cholesky, eigh, eigvalsh, eye, frobenius, matmul, randomGaussian, singularValues, sub, svd, transpose, type Mat,
} from '../src/engine/linalg/index.js';
import { ensureWasmBytes } from './support/wasm-bytes.js';


let native: Backend | null = null;
let reason = '';

beforeAll(async () => {
  ensureWasmBytes();
  try {
    native = await createNativeBackend();
    // One thread: the numbers do not depend on it, and the test machine's cores are shared.
    setNativeThreads(1);
  } catch (e) {
    reason = (e as Error).message;
    console.warn(`native backend tests skipped: ${reason}`);
  }
});

afterAll(() => {
  useReference();
});

it('is available where .ci/run installed it', () => {
  if (process.env.CI === 'true') expect(reason).toBe('');
  if (native === null) return;
  const info = nativeInfo();
  expect(info).not.toBeNull();
  expect(info!.corename).toMatch(/\w+/);
  expect(info!.config).toMatch(/OpenBLAS/);
  expect(info!.lapack).not.toBeNull();
  expect(info!.threads).toBe(1);
  expect(native.eigh && native.svd && native.cholesky && native.matmulBatched).toBeTruthy();
});

type DT = FloatDType;

/** max_ij |got − want| / Σ_p |op(A)_ip·op(B)_pj|: the scale that bounds any summation order's rounding. */
function matmulError(
  got: FloatArray, want: FloatArray, a: FloatArray, b: FloatArray,
  m: number, k: number, n: number, tA: boolean, tB: boolean,
): number {
  let worst = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += Math.abs((tA ? a[p * m + i] : a[i * k + p]) * (tB ? b[j * k + p] : b[p * n + j]));
      const e = Math.abs(got[i * n + j] - want[i * n + j]) / (s || 1);
      if (!(e <= worst)) worst = e; // NaN lands here too
    }
  }
  return worst;
}

const SHAPES: Array<[number, number, number]> = [[1, 1, 1], [7, 13, 5], [127, 129, 131], [1, 200, 3], [64, 1, 33]];
const TRANSPOSES: Array<[boolean, boolean]> = [[false, false], [true, false], [false, true], [true, true]];

describe('native matmul agrees with the reference backend', () => {
  for (const dt of ['f64', 'f32'] as const) {
    for (const [m, k, n] of SHAPES) {
      for (const [tA, tB] of TRANSPOSES) {
        it(`${dt} ${m}×${k}·${k}×${n} transA=${tA} transB=${tB}`, (ctx) => {
          if (!native) return ctx.skip();
          const rng = new Rng(1000 * m + 10 * n + k + (tA ? 1 : 0) + (tB ? 2 : 0));
          const a = randn(rng, dt, m * k), b = randn(rng, dt, k * n);
          const want = allocate(dt, m * n), got = allocate(dt, m * n).fill(777);
          const a0 = a.slice(), b0 = b.slice();
          referenceBackend.matmul(a, b, want, m, k, n, tA, tB);
          native.matmul(a, b, got, m, k, n, tA, tB);
          expect(a).toEqual(a0);
          expect(b).toEqual(b0);
          expect(matmulError(got, want, a, b, m, k, n, tA, tB)).toBeLessThan(dt === 'f64' ? 1e-12 : 1e-5);
        });
      }
    }
  }

  it('works on subarray views (byteOffset honoured) and k = 0', (ctx) => {
    if (!native) return ctx.skip();
    const rng = new Rng(5);
    const buf = randn(rng, 'f64', 3 + 6 + 4 + 8) as Float64Array;
    const a = buf.subarray(3, 9), b = buf.subarray(9, 13); // 3×2 · 2×2
    const outBuf = new Float64Array(11).fill(-1);
    const out = outBuf.subarray(2, 8);
    const want = new Float64Array(6);
    referenceBackend.matmul(a, b, want, 3, 2, 2);
    native.matmul(a, b, out, 3, 2, 2);
    for (let i = 0; i < 6; i++) expect(out[i]).toBeCloseTo(want[i], 14);
    expect([outBuf[0], outBuf[1], outBuf[8], outBuf[9], outBuf[10]]).toEqual([-1, -1, -1, -1, -1]);
    const z = new Float64Array(4).fill(9);
    native.matmul(new Float64Array(0), new Float64Array(0), z, 2, 0, 2);
    expect(Array.from(z)).toEqual([0, 0, 0, 0]);
  });

  it('batched matmul, with a broadcast A, equals per-item reference products', (ctx) => {
    if (!native?.matmulBatched) return ctx.skip();
    const rng = new Rng(9);
    const batch = 4, m = 5, k = 6, n = 3;
    for (const dt of ['f64', 'f32'] as const) {
      for (const strideA of [m * k, 0]) {
        const a = randn(rng, dt, strideA === 0 ? m * k : batch * m * k), b = randn(rng, dt, batch * k * n);
        const got = allocate(dt, batch * m * n);
        native.matmulBatched(a, b, got, batch, m, k, n, true, false, strideA);
        for (let i = 0; i < batch; i++) {
          const ai = a.subarray(i * strideA, i * strideA + m * k), bi = b.subarray(i * k * n, (i + 1) * k * n);
          const want = allocate(dt, m * n);
          referenceBackend.matmul(ai, bi, want, m, k, n, true, false);
          expect(matmulError(got.subarray(i * m * n, (i + 1) * m * n), want, ai, bi, m, k, n, true, false))
            .toBeLessThan(dt === 'f64' ? 1e-12 : 1e-5);
        }
      }
    }
  });

  it('refuses arrays shorter than the shape says, naming the operand', (ctx) => {
    if (!native) return ctx.skip();
    expect(() => native!.matmul(new Float64Array(5), new Float64Array(6), new Float64Array(4), 2, 3, 2)).toThrow(/A has 5 elements, need at least 6/);
    expect(() => native!.matmul(new Float64Array(6), new Float64Array(6), new Float64Array(3), 2, 3, 2)).toThrow(/out has 3 elements/);
    expect(() => native!.matmul(new Float64Array(6), new Float64Array(6), new Float64Array(4), 2.5, 3, 2)).toThrow(/m must be an integer/);
  });
});

/** linalg with the native backend active, counting the LAPACK calls so the route is known. */
function withNative<T>(f: () => T, calls: { n: number }): T {
  const b = native!;
  setBackend({
    ...b,
    eigh: (...args) => { calls.n++; b.eigh!(...args); },
    svd: (...args) => { calls.n++; return b.svd!(...args); },
    cholesky: (...args) => { calls.n++; return b.cholesky!(...args); },
  });
  try {
    return f();
  } finally {
    useReference();
  }
}

function randomSymmetric(n: number, rng: Rng): Mat {
  const G = randomGaussian(n, n, rng);
  const A: Mat = { rows: n, cols: n, data: new Float64Array(n * n) };
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) A.data[i * n + j] = 0.5 * (G.data[i * n + j] + G.data[j * n + i]);
  return A; // indefinite, a GOE draw
}

const diagMat = (v: Float64Array, rows: number, cols: number): Mat => {
  const D: Mat = { rows, cols, data: new Float64Array(rows * cols) };
  for (let i = 0; i < v.length; i++) D.data[i * cols + i] = v[i];
  return D;
};
const orthoError = (Q: Mat) => frobenius(sub(matmul(transpose(Q), Q), eye(Q.cols)));

describe('native LAPACK through linalg', () => {
  for (const n of [1, 2, 60, 200]) {
    it(`eigh n = ${n}: residual, orthogonality, eigenvalues equal to the TypeScript eigh`, (ctx) => {
      if (!native) return ctx.skip();
      const A = randomSymmetric(n, new Rng(40 + n));
      const calls = { n: 0 };
      const { values, vectors: V } = withNative(() => eigh(A), calls);
      const vals = withNative(() => eigvalsh(A), calls);
      expect(calls.n).toBe(2);
      const normA = frobenius(A);
      expect(frobenius(sub(matmul(A, V), matmul(V, diagMat(values, n, n)))) / normA).toBeLessThan(1e-12);
      expect(orthoError(V)).toBeLessThan(1e-12);
      for (let i = 1; i < n; i++) expect(values[i]).toBeGreaterThanOrEqual(values[i - 1]);
      const ts = eigh(A).values; // reference backend active: the TypeScript route
      for (let i = 0; i < n; i++) {
        expect(Math.abs(values[i] - ts[i]) / normA).toBeLessThan(1e-12);
        expect(Math.abs(vals[i] - ts[i]) / normA).toBeLessThan(1e-12);
      }
    });
  }

  it('eigh decomposes the symmetric part of a non-symmetric input, like the TypeScript eigh', (ctx) => {
    if (!native) return ctx.skip();
    const A = randomGaussian(30, 30, new Rng(3));
    const calls = { n: 0 };
    const got = withNative(() => eigh(A).values, calls);
    const want = eigh(A).values;
    expect(calls.n).toBe(1);
    for (let i = 0; i < 30; i++) expect(got[i]).toBeCloseTo(want[i], 11);
  });

  for (const [m, n] of [[60, 25], [25, 60], [40, 40], [1, 7]] as const) {
    it(`svd ${m}×${n}: A = U·Σ·Vᵀ, orthonormal U and V, values equal to the TypeScript svd`, (ctx) => {
      if (!native) return ctx.skip();
      const A = randomGaussian(m, n, new Rng(m * 100 + n));
      const calls = { n: 0 };
      const { U, S, V } = withNative(() => svd(A), calls);
      const sv = withNative(() => singularValues(A), calls);
      expect(calls.n).toBe(2);
      const r = Math.min(m, n);
      expect([U.rows, U.cols, V.rows, V.cols, S.length]).toEqual([m, r, n, r, r]);
      const normA = frobenius(A);
      expect(frobenius(sub(A, matmul(matmul(U, diagMat(S, r, r)), transpose(V)))) / normA).toBeLessThan(1e-12);
      expect(orthoError(U)).toBeLessThan(1e-12);
      expect(orthoError(V)).toBeLessThan(1e-12);
      const ts = singularValues(A);
      for (let i = 0; i < r; i++) {
        if (i > 0) expect(S[i]).toBeLessThanOrEqual(S[i - 1]);
        expect(Math.abs(S[i] - ts[i]) / normA).toBeLessThan(1e-12);
        expect(Math.abs(sv[i] - ts[i]) / normA).toBeLessThan(1e-12);
      }
    });
  }

  it('cholesky: L lower triangular, L·Lᵀ = A, equal to the TypeScript factor; upper triangle ignored', (ctx) => {
    if (!native) return ctx.skip();
    const n = 90;
    const G = randomGaussian(n, n, new Rng(11));
    const A = matmul(G, transpose(G));
    for (let i = 0; i < n; i++) A.data[i * n + i] += n;
    const junk = { rows: n, cols: n, data: A.data.slice() }; // same lower triangle, garbage above
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) junk.data[i * n + j] = 1e6;
    const calls = { n: 0 };
    const L = withNative(() => cholesky(junk), calls);
    expect(calls.n).toBe(1);
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) expect(L.data[i * n + j]).toBe(0);
    expect(frobenius(sub(matmul(L, transpose(L)), A)) / frobenius(A)).toBeLessThan(1e-14);
    const ts = cholesky(A);
    expect(frobenius(sub(L, ts)) / frobenius(ts)).toBeLessThan(1e-13);
  });

  it('cholesky of an indefinite matrix throws naming the same pivot as the TypeScript route', (ctx) => {
    if (!native) return ctx.skip();
    const A = { rows: 3, cols: 3, data: Float64Array.from([4, 2, 0, 2, 1, 0, 0, 0, 1]) }; // 2×2 minor is 0
    const calls = { n: 0 };
    expect(() => withNative(() => cholesky(A), calls)).toThrow(/not positive definite \(pivot 1 of 3/);
    expect(() => cholesky(A)).toThrow(/not positive definite \(pivot 1 of 3/);
    expect(calls.n).toBe(1);
  });
});

describe('fallback when the library is missing', () => {
  it('useNative prints one notice and leaves a working wasm backend; useBest is quiet', async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      const b = await useNative({ libraries: ['libopenblas-does-not-exist.so.0'], lapackLibraries: [] });
      expect(lines.length).toBe(1);
      expect(lines[0]).toMatch(/^lmech: native backend unavailable \(no library with cblas_dgemm .*libopenblas-does-not-exist.*\); using wasm\n$/);
      expect(b.name).toBe('wasm');
      expect(backend()).toBe(b);
      expect(b.eigh).toBeUndefined();
      const rng = new Rng(2);
      const x = randn(rng, 'f64', 40 * 30), y = randn(rng, 'f64', 30 * 20);
      const got = new Float64Array(800), want = new Float64Array(800);
      b.matmul(x, y, got, 40, 30, 20);
      referenceBackend.matmul(x, y, want, 40, 30, 20);
      expect(matmulError(got, want, x, y, 40, 30, 20, false, false)).toBeLessThan(1e-12);
      // linalg keeps its TypeScript route on a backend without LAPACK.
      expect(eigh({ rows: 2, cols: 2, data: Float64Array.from([2, 1, 1, 2]) }).values[0]).toBeCloseTo(1, 14);

      const c = await useNative({ ffiModule: 'no-such-ffi-module-for-tests' });
      expect(lines.length).toBe(2);
      expect(lines[1]).toMatch(/FFI module "no-such-ffi-module-for-tests" not available.*using wasm/);
      expect(c.name).toBe('wasm');

      const d = await useBest({ libraries: ['libopenblas-does-not-exist.so.0'] });
      expect(d.name).toBe('wasm');
      expect(lines.length).toBe(2);
    } finally {
      spy.mockRestore();
      useReference();
    }
  });

  it('useBest picks native where it loads', async (ctx) => {
    if (!native) return ctx.skip();
    expect((await useBest()).name).toBe('native');
    expect(backends.nativeInfo()?.corename).toBe(nativeInfo()?.corename);
    expect(backends.setNativeThreads(1)).toBe(true);
    useReference();
  });
});
