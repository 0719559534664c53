/**
 * The blocked symmetric eigensolver: blocked Householder tridiagonalization (tridiag-blocked.ts),
 * divide and conquer on T (divide-conquer.ts) and the blocked back-transformation, on the
 * reference and wasm backends. Independent routes: residual and orthogonality (definitions),
 * planted spectra A = Q·diag(λ)·Qᵀ, the unblocked QR route, closed forms (2×2, the Wilkinson
 * matrix's symmetry), and Q·T·Qᵀ = A for the reduction alone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../src/engine/rng.js';
import { useReference, useWasm } from '../src/engine/backend/index.js';
import {
  type Mat, diag, eye, frobenius, fromRows, mat, matmul, maxAbs, randomGaussian, randomOrthogonal,
  sub, symmetrize, transpose,
} from '../src/engine/linalg/matrix.js';
import { eigh, eigvalsh, tridiagonalEigen } from '../src/engine/linalg/eigh.js';
import { applyReflectors, tridiagonalizeBlocked } from '../src/engine/linalg/tridiag-blocked.js';
import { secularRoots, secularVectors, tridiagonalDC } from '../src/engine/linalg/divide-conquer.js';
import { isAscending, maxAbsArr, maxDiff } from './support/arrays.js';
import { eigResidual, orthError, scaleCols } from './support/linalg.js';

const EPS = 2.220446049250313e-16;
const DC = { method: 'divide-conquer' } as const;
const QR = { method: 'qr' } as const;

function planted(Q: Mat, lambda: ArrayLike<number>): Mat {
  return symmetrize(matmul(scaleCols(Q, lambda), transpose(Q)));
}


function tridiagonalMat(d: ArrayLike<number>, e: ArrayLike<number>): Mat {
  const n = d.length, T = mat(n, n);
  for (let i = 0; i < n; i++) T.data[i * n + i] = d[i];
  for (let i = 0; i + 1 < n; i++) {
    T.data[i * n + i + 1] = e[i];
    T.data[(i + 1) * n + i] = e[i];
  }
  return T;
}

/** Full check of an eigendecomposition against A and, if given, the exact spectrum. */
function expectGood(A: Mat, r: { values: Float64Array; vectors: Mat }, tol: number, exact?: ArrayLike<number>): void {
  const n = A.rows;
  expect(r.values.length).toBe(n);
  expect(isAscending(r.values)).toBe(true);
  expect(eigResidual(A, r.values, r.vectors)).toBeLessThan(tol * Math.max(n, 1));
  expect(orthError(r.vectors)).toBeLessThan(tol * Math.max(n, 1));
  if (exact) {
    const sorted = Float64Array.from(exact).sort();
    expect(maxDiff(r.values, sorted)).toBeLessThan(tol * Math.max(n, 1) * Math.max(maxAbsArr(sorted), 1e-300));
  }
}

for (const name of ['reference', 'wasm'] as const) {
  describe(`blocked eigensolver (${name} backend)`, () => {
    beforeAll(async () => {
      if (name === 'wasm') await useWasm();
      else useReference();
    });
    afterAll(() => {
      useReference();
    });

    it('the blocked reduction satisfies Q·T·Qᵀ = A and matches the QR route (odd sizes, several panel widths)', () => {
      const rng = new Rng(1).split(name);
      for (const [n, nb] of [[1, 32], [2, 32], [3, 1], [37, 5], [70, 32], [131, 16]] as const) {
        const A = symmetrize(randomGaussian(n, n, rng));
        const a = new Float64Array(n * n);
        for (let i = 0; i < n; i++) for (let j = i; j < n; j++) a[i * n + j] = A.data[i * n + j];
        const d = new Float64Array(n), e = new Float64Array(Math.max(n - 1, 0)), betas = new Float64Array(n);
        tridiagonalizeBlocked(a, n, d, e, betas, nb);
        // M = Q·T, then Q·Mᵀ = Q·T·Qᵀ.
        const M = tridiagonalMat(d, e);
        applyReflectors(a, n, betas, M.data, n);
        const Mt = transpose(M);
        applyReflectors(a, n, betas, Mt.data, n);
        expect(frobenius(sub(Mt, A)) / frobenius(A)).toBeLessThan(20 * n * EPS);
        const values = tridiagonalEigen(d, e, false).values;
        expect(maxDiff(values, eigvalsh(A, QR)) / maxAbsArr(values)).toBeLessThan(20 * n * EPS);
      }
    });

    it('random symmetric n = 160 and 257: residual, orthogonality, agreement with the QR route', () => {
      const rng = new Rng(2).split(name);
      for (const n of [160, 257]) {
        const A = symmetrize(randomGaussian(n, n, rng));
        const r = eigh(A, DC);
        expectGood(A, r, 2 * EPS);
        const q = eigvalsh(A, QR);
        expect(maxDiff(r.values, q) / maxAbsArr(q)).toBeLessThan(10 * n * EPS);
        expect(maxDiff(eigvalsh(A, DC), q) / maxAbsArr(q)).toBeLessThan(10 * n * EPS);
        // The 'auto' route (blocked on wasm at this size, unblocked QR on reference) agrees too.
        expect(maxDiff(eigh(A).values, q) / maxAbsArr(q)).toBeLessThan(10 * n * EPS);
      }
    });

    it('planted spectra: repeated, clustered, zero, negative and graded eigenvalues', () => {
      const rng = new Rng(3).split(name);
      const n = 150;
      const Q = randomOrthogonal(n, rng);
      const repeated: number[] = [];
      for (let i = 0; i < n; i++) {
        if (i < 30) repeated.push(2);
        else if (i < 45) repeated.push(-1);
        else if (i < 55) repeated.push(0);
        else if (i < 75) repeated.push(0.5 + 1e-12 * i); // a tight cluster
        else repeated.push(-3 + 6 * rng.uniform());
      }
      const graded = Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 1 : -1) * 10 ** (-i / 10));
      const twoClusters = Array.from({ length: n }, (_, i) => (i < n / 2 ? 1 : 1 + 1e-8) + 1e-14 * i);
      for (const lambda of [repeated, graded, twoClusters]) {
        const A = planted(Q, lambda);
        expectGood(A, eigh(A, DC), 2 * EPS, lambda);
        expect(maxDiff(eigvalsh(A, DC), Float64Array.from(lambda).sort())).toBeLessThan(2 * n * EPS * maxAbsArr(lambda));
      }
    });

    it('n = 1, 2, odd sizes around the leaf size, zero, diagonal and identity input', () => {
      const one = eigh(fromRows([[-4]]), DC);
      expect(Array.from(one.values)).toEqual([-4]);
      expect(Math.abs(one.vectors.data[0])).toBe(1);
      const two = eigh(fromRows([[2, 1], [1, 2]]), DC);
      expect(two.values[0]).toBeCloseTo(1, 14);
      expect(two.values[1]).toBeCloseTo(3, 14);
      expect(two.vectors.data[0] * two.vectors.data[2]).toBeCloseTo(-0.5, 14);
      const rng = new Rng(4).split(name);
      for (const n of [3, 31, 33, 65, 97, 129]) {
        const A = symmetrize(randomGaussian(n, n, rng));
        expectGood(A, eigh(A, DC), 2 * EPS);
      }
      const Z = eigh(mat(7, 7), DC);
      expect(Array.from(Z.values)).toEqual([0, 0, 0, 0, 0, 0, 0]);
      expect(orthError(Z.vectors)).toBe(0);
      const entries = Array.from({ length: 120 }, (_, i) => ((i * 37) % 11) - 5); // many repeats
      const D = diag(entries);
      const dd = eigh(D, DC);
      expect(Array.from(dd.values)).toEqual(entries.slice().sort((x, y) => x - y));
      expect(eigResidual(D, dd.values, dd.vectors)).toBeLessThan(EPS);
      expect(orthError(dd.vectors)).toBeLessThan(4 * EPS);
      for (const sc of [1e-200, 1e200]) {
        const A = symmetrize(randomGaussian(130, 130, rng));
        const As = mat(130, 130, A.data.map((x) => x * sc));
        const r = eigh(As, DC);
        expect(eigResidual(As, r.values, r.vectors)).toBeLessThan(130 * 2 * EPS);
        expect(maxDiff(r.values.map((x) => x / sc), eigvalsh(A, QR))).toBeLessThan(1e-12);
      }
      expect(() => eigh(eye(3), { method: 'lapack' as never })).toThrow(/method must be/);
      const I = eigh(eye(100), DC);
      expect(maxDiff(I.values, new Float64Array(100).fill(1))).toBeLessThan(4 * EPS);
      expect(orthError(I.vectors)).toBeLessThan(4 * EPS);
    });

    it('Wilkinson matrix W⁺₂₀₁: near-degenerate pairs, symmetric eigenvectors', () => {
      // d_i = |i − 100|, e_i = 1: the top eigenvalues come in pairs that agree to many digits,
      // which exercises the close-pole deflation; the QR route is the reference.
      const m = 201;
      const d = Float64Array.from({ length: m }, (_, i) => Math.abs(i - 100));
      const e = new Float64Array(m - 1).fill(1);
      const T = tridiagonalMat(d, e);
      const r = eigh(T, DC);
      expectGood(T, r, 2 * EPS, tridiagonalEigen(d, e, false).values);
      const dc = tridiagonalDC(d, e, m);
      const V = mat(m, m, dc.vectors);
      expect(eigResidual(T, dc.values, V)).toBeLessThan(2 * m * EPS);
      expect(orthError(V)).toBeLessThan(2 * m * EPS);
      // The top two eigenvalues (just above 100) agree far below ε·‖T‖; their invariant
      // subspace is mapped to itself by the flip J: i ↦ m−1−i, so the projector P onto the two
      // computed vectors must satisfy J·P·J = P whatever mix of them was returned.
      expect(dc.values[m - 1] - dc.values[m - 2]).toBeLessThan(400 * EPS);
      expect(dc.values[m - 2]).toBeGreaterThan(100);
      const P = (i: number, j: number): number =>
        dc.vectors[i * m + m - 1] * dc.vectors[j * m + m - 1] + dc.vectors[i * m + m - 2] * dc.vectors[j * m + m - 2];
      let flip = 0;
      for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) flip = Math.max(flip, Math.abs(P(i, j) - P(m - 1 - i, m - 1 - j)));
      expect(flip).toBeLessThan(1e-12);
    });
  });
}

describe('secular equation', () => {
  it('roots of 1 + ρ Σ z_i²/(d_i − λ) interlace, satisfy f = 0, and give orthonormal vectors', () => {
    const rng = new Rng(9);
    const k = 60;
    const d = Float64Array.from({ length: k }, (_, i) => i + 0.3 * rng.uniform());
    const z = Float64Array.from({ length: k }, () => rng.normal());
    z[10] = 1e-9; // a root hugging its pole
    z[11] = 1e-7;
    let zz = 0;
    for (const x of z) zz += x * x;
    for (let i = 0; i < k; i++) z[i] /= Math.sqrt(zz);
    const rho = 3;
    const origin = new Int32Array(k), tau = new Float64Array(k);
    secularRoots(d, z, rho, origin, tau);
    for (let j = 0; j < k; j++) {
      // Interlacing, stated through (origin, τ): λ − d_o itself can be below ε·|d_o|.
      if (origin[j] === j) {
        expect(tau[j]).toBeGreaterThan(0);
        expect(tau[j]).toBeLessThanOrEqual(j < k - 1 ? (d[j + 1] - d[j]) / 2 : rho);
      } else {
        expect(origin[j]).toBe(j + 1);
        expect(tau[j]).toBeLessThan(0);
        expect(-tau[j]).toBeLessThanOrEqual((d[j + 1] - d[j]) / 2);
      }
      // f at the root, with every difference taken relative to the origin pole.
      let f = 1, abs = 1;
      for (let i = 0; i < k; i++) {
        const t = (rho * z[i] * z[i]) / ((d[i] - d[origin[j]]) - tau[j]);
        f += t;
        abs += Math.abs(t);
      }
      expect(Math.abs(f)).toBeLessThan(50 * EPS * abs);
    }
    // The root next to the tiny z[10] sits ≈ ρ z² / f'(pole-free part) from d[10]: it is found
    // to full relative accuracy in τ, far below ε·|d|.
    expect(origin[10]).toBe(10);
    expect(tau[10]).toBeGreaterThan(0);
    expect(tau[10]).toBeLessThan(1e-15);
    const U = mat(k, k, secularVectors(d, z, rho, origin, tau));
    expect(orthError(U)).toBeLessThan(k * EPS);
    // U diagonalizes D + ρ·z·zᵀ (z itself, not only Löwner's ẑ, to working accuracy).
    const M = mat(k, k);
    for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) M.data[i * k + j] = rho * z[i] * z[j] + (i === j ? d[i] : 0);
    const lam = Float64Array.from({ length: k }, (_, j) => d[origin[j]] + tau[j]);
    expect(eigResidual(M, lam, U)).toBeLessThan(k * EPS);
  });

  it('2×2 closed form', () => {
    const d = Float64Array.of(-1, 2), z = Float64Array.of(0.6, 0.8), rho = 1.5;
    const origin = new Int32Array(2), tau = new Float64Array(2);
    secularRoots(d, z, rho, origin, tau);
    // Eigenvalues of [[d0 + ρz0², ρz0z1], [ρz0z1, d1 + ρz1²]].
    const a = d[0] + rho * z[0] * z[0], b = rho * z[0] * z[1], c = d[1] + rho * z[1] * z[1];
    const mid = (a + c) / 2, rad = Math.hypot((a - c) / 2, b);
    expect(d[origin[0]] + tau[0]).toBeCloseTo(mid - rad, 15);
    expect(d[origin[1]] + tau[1]).toBeCloseTo(mid + rad, 15);
  });
});
