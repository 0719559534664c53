// Level-2 BLAS kernels (src/engine/backend/linalg-kernels.ts, wasm-linalg.ts,
// kernels-linalg.wat): gemv (y ← α·op(A)·x + β·y) and symvUpper (symmetric A from its upper
// triangle).
//
// Independent route: plain double loops written here (for symv, over the full symmetric matrix
// rebuilt from the upper triangle), with an error bound from the absolute products; the lower
// triangle and the padding beyond n in each row hold NaN, so reading them would show. Both the
// reference kernels and the wasm ones (both builds, every size on the SIMD path) are checked on
// odd sizes (n = 1, odd tails, m mod 4 ≠ 0), row strides lda > n, trans / no-trans, α / β
// (β = 0 must ignore NaN in y), f32, the aliasing rules, and that arena operands run in place.
import { beforeAll, describe, expect, it } from 'vitest';
import { ARENA, Arena, withArena } from '../src/engine/arena.js';
import { referenceLinalg, type LinalgKernels } from '../src/engine/backend/linalg-kernels.js';
import type { Backend } from '../src/engine/backend/types.js';
import { wasmRelaxedSimdSupported } from '../src/engine/backend/wasm.js';
import { Rng } from '../src/engine/rng.js';
import { ensureWasmBytes } from './support/wasm-bytes.js';

const EPS = 2.220446049250313e-16;

const wasm: Record<string, Backend> = {};

beforeAll(async () => {
  ensureWasmBytes();
  const { createWasmBackend } = await import('../src/engine/backend/wasm.js');
  // minElementwise 0: every size, however small, runs the SIMD kernels.
  wasm.simd128 = await createWasmBackend({ minElementwise: 0, variant: 'simd128' });
  if (await wasmRelaxedSimdSupported()) wasm['relaxed-simd'] = await createWasmBackend({ minElementwise: 0, variant: 'relaxed-simd' });
});

function randn(rng: Rng, n: number): Float64Array {
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal();
  return a;
}

/** An m×n matrix with row stride lda, NaN in the padding columns n..lda−1. */
function padded(rng: Rng, m: number, n: number, lda: number): Float64Array {
  const a = new Float64Array(m === 0 ? 0 : (m - 1) * lda + n).fill(NaN);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) a[i * lda + j] = rng.normal();
  return a;
}

/** Plain loops: exact y and the bound Σ|terms| for each entry. */
function gemvNaive(
  a: Float64Array, x: Float64Array, y0: Float64Array, m: number, n: number, trans: boolean, alpha: number, beta: number, lda: number,
): { y: Float64Array; mag: Float64Array } {
  const len = trans ? n : m;
  const y = new Float64Array(len), mag = new Float64Array(len);
  for (let r = 0; r < len; r++) {
    let s = 0, sa = 0;
    const inner = trans ? m : n;
    for (let q = 0; q < inner; q++) {
      const aij = trans ? a[q * lda + r] : a[r * lda + q];
      s += aij * x[q];
      sa += Math.abs(aij * x[q]);
    }
    y[r] = alpha * s + (beta === 0 ? 0 : beta * y0[r]);
    mag[r] = Math.abs(alpha) * sa + (beta === 0 ? 0 : Math.abs(beta * y0[r]));
  }
  return { y, mag };
}

/** Symmetric n×n from the upper triangle: a_ij for j ≥ i, NaN below the diagonal and in padding. */
function upperTriangle(rng: Rng, n: number, lda: number): Float64Array {
  const a = new Float64Array(n === 0 ? 0 : (n - 1) * lda + n).fill(NaN);
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) a[i * lda + j] = rng.normal();
  return a;
}

function symvNaive(a: Float64Array, x: Float64Array, y0: Float64Array, n: number, alpha: number, beta: number, lda: number) {
  const y = new Float64Array(n), mag = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0, sa = 0;
    for (let j = 0; j < n; j++) {
      const aij = j >= i ? a[i * lda + j] : a[j * lda + i];
      s += aij * x[j];
      sa += Math.abs(aij * x[j]);
    }
    y[i] = alpha * s + (beta === 0 ? 0 : beta * y0[i]);
    mag[i] = Math.abs(alpha) * sa + (beta === 0 ? 0 : Math.abs(beta * y0[i]));
  }
  return { y, mag };
}

/** |got − want| ≤ c·(len + 2)·ε·mag + tiny, entry by entry. */
function expectClose(got: ArrayLike<number>, want: { y: Float64Array; mag: Float64Array }, len: number, c = 2): void {
  expect(got.length).toBe(want.y.length);
  let worst = 0;
  for (let i = 0; i < got.length; i++) {
    expect(Number.isFinite(got[i])).toBe(true);
    const err = Math.abs(got[i] - want.y[i]) / (c * (len + 2) * EPS * want.mag[i] + 1e-300);
    worst = Math.max(worst, err);
  }
  expect(worst).toBeLessThanOrEqual(1);
}

const GEMV_SHAPES: [number, number][] = [
  [1, 1], [1, 2], [2, 1], [3, 5], [4, 4], [5, 7], [7, 5], [8, 9], [13, 1], [1, 13], [17, 33], [33, 17], [64, 65], [6, 301],
];
const SYMV_SIZES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 16, 17, 31, 64, 97];
const SCALARS: [number, number][] = [[1, 0], [-0.75, 0], [2, 1], [1.5, -0.5]];

function kernelsUnderTest(): [string, LinalgKernels][] {
  return [['reference', referenceLinalg], ...Object.entries(wasm).map(([k, b]) => [`wasm ${k}`, b as LinalgKernels] as [string, LinalgKernels])];
}

describe('gemv against plain loops', () => {
  it('every shape, both orientations, α/β, lda ≥ n, on every backend', () => {
    const rng = new Rng(11);
    for (const [name, K] of kernelsUnderTest()) {
      for (const [m, n] of GEMV_SHAPES) {
        for (const trans of [false, true]) {
          for (const [alpha, beta] of SCALARS) {
            for (const lda of [n, n + 3]) {
              const a = padded(rng, m, n, lda);
              const x = randn(rng, trans ? m : n);
              const y0 = randn(rng, trans ? n : m);
              if (beta === 0) y0.fill(NaN); // β = 0 must not read y
              const y = y0.slice();
              K.gemv(a, x, y, m, n, trans, alpha, beta, lda);
              const want = gemvNaive(a, x, y0, m, n, trans, alpha, beta, lda);
              try {
                expectClose(y, want, trans ? m : n);
              } catch (e) {
                throw new Error(`${name} gemv m=${m} n=${n} trans=${trans} α=${alpha} β=${beta} lda=${lda}: ${(e as Error).message}`);
              }
            }
          }
        }
      }
    }
  });

  it('defaults: trans = false, α = 1, β = 0, lda = n; a 2×3 by hand', () => {
    const a = Float64Array.from([1, 2, 3, 4, 5, 6]);
    for (const [, K] of kernelsUnderTest()) {
      const y = new Float64Array(2).fill(NaN);
      K.gemv(a, Float64Array.from([1, 0, -1]), y, 2, 3);
      expect(Array.from(y)).toEqual([-2, -2]);
      const z = Float64Array.from([1, 1, 1]);
      K.gemv(a, Float64Array.from([1, 2]), z, 2, 3, true, 2, 1);
      expect(Array.from(z)).toEqual([19, 25, 31]); // 2·(1·[1 2 3] + 2·[4 5 6]) + 1
    }
  });

  it('empty shapes: m = 0 or n = 0 leave y = β·y', () => {
    for (const [, K] of kernelsUnderTest()) {
      const y = Float64Array.from([1, 2, 3]);
      K.gemv(new Float64Array(0), new Float64Array(0), y, 3, 0, false, 1, 2);
      expect(Array.from(y)).toEqual([2, 4, 6]);
      K.gemv(new Float64Array(0), new Float64Array(0), y, 0, 3, true, 1, 0);
      expect(Array.from(y)).toEqual([0, 0, 0]);
    }
  });
});

describe('symvUpper against the full symmetric product', () => {
  it('every size, α/β, lda ≥ n, never reading below the diagonal', () => {
    const rng = new Rng(12);
    for (const [name, K] of kernelsUnderTest()) {
      for (const n of SYMV_SIZES) {
        for (const [alpha, beta] of SCALARS) {
          for (const lda of [n, n + 1, n + 4]) {
            const a = upperTriangle(rng, n, lda);
            const x = randn(rng, n);
            const y0 = randn(rng, n);
            if (beta === 0) y0.fill(NaN);
            const y = y0.slice();
            K.symvUpper(a, x, y, n, alpha, beta, lda);
            try {
              expectClose(y, symvNaive(a, x, y0, n, alpha, beta, lda), n);
            } catch (e) {
              throw new Error(`${name} symvUpper n=${n} α=${alpha} β=${beta} lda=${lda}: ${(e as Error).message}`);
            }
          }
        }
      }
    }
  });

  it('a trailing block of a larger matrix, as the tridiagonal reduction uses it', () => {
    const rng = new Rng(13);
    const N = 41, k = 6, len = N - k - 1;
    const full = upperTriangle(rng, N, N);
    const off = (k + 1) * N + k + 1;
    const v = randn(rng, N), p = new Float64Array(N).fill(7);
    const want = symvNaive(full.subarray(off), v.subarray(k + 1), new Float64Array(len), len, 1, 0, N);
    for (const [, K] of kernelsUnderTest()) {
      const q = p.slice();
      K.symvUpper(full.subarray(off, off + (len - 1) * N + len), v.subarray(k + 1), q.subarray(k + 1), len, 1, 0, N);
      expectClose(q.subarray(k + 1), want, len);
      expect(Array.from(q.subarray(0, k + 1))).toEqual(new Array(k + 1).fill(7)); // untouched
    }
  });
});

describe('f32 operands', () => {
  it('match the f64 result rounded to f32', () => {
    const rng = new Rng(14);
    const m = 9, n = 13;
    const a = padded(rng, m, n, n), x = randn(rng, n), s = upperTriangle(rng, n, n);
    for (const [, K] of kernelsUnderTest()) {
      const y = new Float32Array(m);
      K.gemv(Float32Array.from(a), Float32Array.from(x), y, m, n);
      const want = gemvNaive(Float64Array.from(Float32Array.from(a)), Float64Array.from(Float32Array.from(x)), new Float64Array(m), m, n, false, 1, 0, n);
      for (let i = 0; i < m; i++) expect(Math.abs(y[i] - want.y[i])).toBeLessThanOrEqual(Math.abs(want.y[i]) * 2 ** -23 + 1e-12 * want.mag[i]);
      const z = new Float32Array(n);
      const s32 = Float32Array.from(s, (v) => (Number.isNaN(v) ? 0 : v));
      K.symvUpper(s32, Float32Array.from(x), z, n);
      const wz = symvNaive(Float64Array.from(s32), Float64Array.from(Float32Array.from(x)), new Float64Array(n), n, 1, 0, n);
      for (let i = 0; i < n; i++) expect(Math.abs(z[i] - wz.y[i])).toBeLessThanOrEqual(Math.abs(wz.y[i]) * 2 ** -23 + 1e-12 * wz.mag[i]);
    }
  });
});

describe('argument checks and aliasing', () => {
  it('y overlapping a or x is refused; x overlapping a is fine', () => {
    const rng = new Rng(15);
    const n = 8, buf = randn(rng, n * n + 2 * n);
    const a = buf.subarray(0, n * n);
    for (const [, K] of kernelsUnderTest()) {
      expect(() => K.gemv(a, buf.subarray(n * n, n * n + n), buf.subarray(n * n - 1, n * n - 1 + n), n, n)).toThrow(/y must not overlap a/);
      expect(() => K.gemv(a, buf.subarray(n * n, n * n + n), buf.subarray(n * n + 3, n * n + 3 + n), n, n)).toThrow(/y must not overlap x/);
      expect(() => K.symvUpper(a, buf.subarray(n * n, n * n + n), a.subarray(0, n), n)).toThrow(/y must not overlap a/);
      // x = row 2 of a itself.
      const x = a.subarray(2 * n, 3 * n), y = new Float64Array(n);
      const want = gemvNaive(Float64Array.from(a), Float64Array.from(x), y, n, n, true, 1, 0, n);
      K.gemv(a, x, y, n, n, true);
      expectClose(y, want, n);
    }
  });

  it('bad sizes, strides and short arrays name the field', () => {
    const a = new Float64Array(12), x = new Float64Array(4), y = new Float64Array(3);
    for (const [, K] of kernelsUnderTest()) {
      expect(() => K.gemv(a, x, y, -1, 4)).toThrow(/gemv: m must be a non-negative integer/);
      expect(() => K.gemv(a, x, y, 3, 4.5)).toThrow(/gemv: n must be a non-negative integer/);
      expect(() => K.gemv(a, x, y, 3, 4, false, 1, 0, 3)).toThrow(/gemv: lda must be an integer ≥ n = 4/);
      expect(() => K.gemv(a, x, y, 4, 4)).toThrow(/gemv: a has 12 elements, needs 16/);
      expect(() => K.gemv(a, x, y, 3, 4, true)).toThrow(/gemv: y has 3 elements, needs 4/);
      expect(() => K.symvUpper(a, x, y, 4)).toThrow(/symvUpper: a has 12 elements, needs 16/);
      expect(() => K.symvUpper(new Float64Array(16), x, y, 4)).toThrow(/symvUpper: y has 3 elements, needs 4/);
      expect(() => K.symvUpper(a, x, y, 2, 1, 0, 1)).toThrow(/symvUpper: lda must be an integer ≥ n = 2/);
    }
  });
});

describe('arena operands run in place', () => {
  it('a matrix allocated in the wasm arena is not copied', () => {
    const b = wasm.simd128;
    const arena = (b as { [ARENA]?: Arena })[ARENA]!;
    expect(arena).toBeInstanceOf(Arena);
    const rng = new Rng(16);
    const n = 300, src = upperTriangle(rng, n, n).map((v) => (Number.isNaN(v) ? 0 : v)), xs = randn(rng, n);
    const want = symvNaive(src, xs, new Float64Array(n), n, 1, 0, n);
    const wantT = gemvNaive(src, xs, new Float64Array(n), n, n, true, 1, 0, n);
    const attempt = () => withArena(() => {
      const a = arena.alloc('f64', n * n), x = arena.alloc('f64', n), y = arena.alloc('f64', n), z = arena.alloc('f64', n);
      if (!a || !x || !y || !z) return null; // this scope's region was sized before the demand was known
      a.set(src);
      x.set(xs);
      const before = arena.stats();
      b.symvUpper!(a, x, y, n);
      b.gemv!(a, x, z, n, n, true);
      const after = arena.stats();
      return { y: y.slice(), z: z.slice(), copied: after.copiedIn - before.copiedIn + after.copiedOut - before.copiedOut };
    }, arena);
    const got = attempt() ?? attempt();
    expect(got).not.toBeNull();
    if (!got) return;
    expect(got.copied).toBe(0);
    expectClose(got.y, want, n);
    expectClose(got.z, wantT, n);
  });
});

describe('the blocked tridiagonal reduction on these kernels', () => {
  it('arena-resident (wasm kernels) and heap fallback (portable kernels) agree', async () => {
    const { createWasmBackend } = await import('../src/engine/backend/wasm.js');
    const { backend, setBackend } = await import('../src/engine/backend/index.js');
    const { tridiagonalizeBlocked } = await import('../src/engine/linalg/tridiag-blocked.js');
    const fresh = await createWasmBackend(); // its arena's first region is the 1 MiB minimum
    const arena = (fresh as { [ARENA]?: Arena })[ARENA]!;
    const rng = new Rng(17);
    const n = 400; // 1.28 MB matrix: does not fit beside an open scope's first region
    const A = upperTriangle(rng, n, n).map((v) => (Number.isNaN(v) ? 0 : v));
    const run = () => {
      const a = A.slice(), d = new Float64Array(n), e = new Float64Array(n), b = new Float64Array(n);
      tridiagonalizeBlocked(a, n, d, e, b);
      return { a, d, e, b };
    };
    const saved = backend();
    setBackend(fresh);
    try {
      const s0 = arena.stats();
      const heap = withArena(() => {
        arena.alloc('f64', 8); // an open scope: the reduction cannot reopen it larger
        return run();
      }, arena);
      const s1 = arena.stats();
      expect(s1.spilled).toBeGreaterThan(s0.spilled); // the arena copy did not fit: heap route
      const resident = run();
      const s2 = arena.stats();
      expect(s2.allocations - s1.allocations).toBeGreaterThanOrEqual(10); // matrix + 9 work arrays in the arena
      let worst = 0;
      for (let i = 0; i < n; i++) {
        worst = Math.max(worst, Math.abs(heap.d[i] - resident.d[i]), Math.abs(heap.b[i] - resident.b[i]));
        if (i < n - 1) worst = Math.max(worst, Math.abs(Math.abs(heap.e[i]) - Math.abs(resident.e[i])));
      }
      expect(worst).toBeLessThan(1e-10);
      // The lower triangle is neither read nor written.
      for (let i = 1; i < n; i += 37) for (let j = 0; j < i; j += 13) expect(resident.a[i * n + j]).toBe(0);
    } finally {
      setBackend(saved);
    }
  });
});
