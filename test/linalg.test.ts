import { describe, expect, it } from 'vitest';
import { Rng } from '../src/engine/rng.js';
import {
  type Mat,
  cholesky,
  choleskySolve,
  diag,
  eigh,
  eigvalsh,
  eye,
  fromRows,
  frobenius,
  lanczos,
  logDet,
  mat,
  matmul,
  matvec,
  maxAbs,
  qr,
  randomGaussian,
  randomOrthogonal,
  singularValues,
  solve,
  sub,
  svd,
  symmetrize,
  toRows,
  transpose,
  tridiagonalEigen,
  tridiagonalEigenEnds,
} from '../src/engine/linalg/index.js';
import { isAscending, maxAbsArr, maxDiff } from './support/arrays.js';
import { eigResidual, orthError, scaleCols } from './support/linalg.js';

// ---------- helpers ----------

/** ‖A − U·S·Vᵀ‖_F / ‖A‖_F. */
function svdResidual(A: Mat, U: Mat, S: Float64Array, V: Mat): number {
  return frobenius(sub(A, matmul(scaleCols(U, S), transpose(V)))) / frobenius(A);
}

/** Q·diag(λ)·Qᵀ, symmetrized so rounding leaves it exactly symmetric. */
function planted(Q: Mat, lambda: number[]): Mat {
  return symmetrize(matmul(scaleCols(Q, lambda), transpose(Q)));
}

/** The first r columns of M. */
function firstCols(M: Mat, r: number): Mat {
  const out = mat(M.rows, r);
  for (let i = 0; i < M.rows; i++) for (let j = 0; j < r; j++) out.data[i * r + j] = M.data[i * M.cols + j];
  return out;
}


function randomSymmetric(n: number, rng: Rng): Mat {
  return symmetrize(randomGaussian(n, n, rng));
}

// ---------- matrix basics ----------

describe('matrix basics', () => {
  it('builds, converts and multiplies', () => {
    const A = fromRows([[1, 2, 3], [4, 5, 6]]);
    expect(toRows(A)).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(toRows(transpose(A))).toEqual([[1, 4], [2, 5], [3, 6]]);
    expect(Array.from(matvec(A, [1, 0, -1]))).toEqual([-2, -2]);
    expect(toRows(matmul(A, transpose(A)))).toEqual([[14, 32], [32, 77]]);
    expect(toRows(diag([1, 2]))).toEqual([[1, 0], [0, 2]]);
    expect(toRows(eye(2))).toEqual([[1, 0], [0, 1]]);
    expect(frobenius(fromRows([[3, 4]]))).toBe(5);
    expect(maxAbs(fromRows([[1, -7], [2, 3]]))).toBe(7);
    expect(toRows(symmetrize(fromRows([[1, 2], [4, 3]])))).toEqual([[1, 3], [3, 3]]);
    expect(() => mat(2, 2, [1, 2, 3])).toThrow(/length 3/);
    expect(() => fromRows([[1, 2], [3]])).toThrow(/row 1/);
    expect(() => matmul(A, A)).toThrow(/matmul/);
  });

  it('matmul agrees with the definition at odd sizes', () => {
    const rng = new Rng(1);
    const A = randomGaussian(7, 5, rng), B = randomGaussian(5, 9, rng);
    const C = matmul(A, B);
    for (let i = 0; i < 7; i++) {
      for (let j = 0; j < 9; j++) {
        let s = 0;
        for (let k = 0; k < 5; k++) s += A.data[i * 5 + k] * B.data[k * 9 + j];
        expect(C.data[i * 9 + j]).toBeCloseTo(s, 12);
      }
    }
  });

  it('qr and randomOrthogonal give orthonormal factors', () => {
    const rng = new Rng(2);
    const A = randomGaussian(37, 23, rng);
    const { Q, R } = qr(A);
    expect(orthError(Q)).toBeLessThan(1e-13);
    expect(frobenius(sub(matmul(Q, R), A)) / frobenius(A)).toBeLessThan(1e-14);
    for (let i = 0; i < 23; i++) {
      expect(R.data[i * 23 + i]).toBeGreaterThanOrEqual(0);
      for (let j = 0; j < i; j++) expect(R.data[i * 23 + j]).toBe(0);
    }
    const O = randomOrthogonal(64, rng);
    expect(orthError(O)).toBeLessThan(1e-13);
    expect(orthError(transpose(O))).toBeLessThan(1e-13);
  });
});

// ---------- eigh ----------

describe('eigh', () => {
  it('n = 500 random symmetric: small residual, orthonormal vectors, eigvalsh agrees', () => {
    const A = randomSymmetric(500, new Rng(500));
    const { values, vectors } = eigh(A);
    expect(values.length).toBe(500);
    expect(isAscending(values)).toBe(true);
    expect(eigResidual(A, values, vectors)).toBeLessThan(1e-10);
    expect(orthError(vectors)).toBeLessThan(1e-10);
    const w = eigvalsh(A);
    expect(maxDiff(w, values) / maxAbsArr(values)).toBeLessThan(1e-12);
  });

  it('recovers a planted spectrum with repeated, zero and negative eigenvalues', () => {
    const n = 240;
    const rng = new Rng(7);
    const lambda: number[] = [];
    for (let i = 0; i < n; i++) {
      if (i < 20) lambda.push(3); // repeated 20 times
      else if (i < 30) lambda.push(-2); // repeated negative
      else if (i < 40) lambda.push(0); // null space
      else if (i < 42) lambda.push(1e-9); // tiny
      else lambda.push(-5 + 10 * rng.uniform());
    }
    const A = planted(randomOrthogonal(n, rng), lambda);
    const { values, vectors } = eigh(A);
    const expected = Float64Array.from(lambda).sort();
    expect(maxDiff(values, expected) / maxAbsArr(expected)).toBeLessThan(1e-10);
    expect(eigResidual(A, values, vectors)).toBeLessThan(1e-10);
    expect(orthError(vectors)).toBeLessThan(1e-10);
    expect(maxDiff(eigvalsh(A), expected) / maxAbsArr(expected)).toBeLessThan(1e-10);
  });

  it('handles 1×1, 2×2, diagonal and zero input', () => {
    const one = eigh(fromRows([[-4]]));
    expect(Array.from(one.values)).toEqual([-4]);
    expect(Math.abs(one.vectors.data[0])).toBe(1);

    const two = eigh(fromRows([[2, 1], [1, 2]]));
    expect(two.values[0]).toBeCloseTo(1, 14);
    expect(two.values[1]).toBeCloseTo(3, 14);
    const v = two.vectors.data;
    expect(Math.abs(v[0] * v[2])).toBeCloseTo(0.5, 14); // (1, −1)/√2 up to sign
    expect(v[0] * v[2]).toBeLessThan(0);
    expect(orthError(two.vectors)).toBeLessThan(1e-15);

    const D = diag([3, -1, 2, 0, -1]);
    const dd = eigh(D);
    expect(Array.from(dd.values)).toEqual([-1, -1, 0, 2, 3]);
    expect(eigResidual(D, dd.values, dd.vectors)).toBe(0);
    expect(orthError(dd.vectors)).toBe(0);

    const Z = mat(6, 6);
    const z = eigh(Z);
    expect(Array.from(z.values)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(orthError(z.vectors)).toBe(0);
    expect(Array.from(eigvalsh(Z))).toEqual([0, 0, 0, 0, 0, 0]);

    const empty = eigh(mat(0, 0));
    expect(empty.values.length).toBe(0);
  });

  it('works at awkward small sizes and with huge or tiny scales', () => {
    const rng = new Rng(11);
    for (const n of [3, 4, 5, 9, 17, 33]) {
      const A = randomSymmetric(n, rng);
      const { values, vectors } = eigh(A);
      expect(eigResidual(A, values, vectors)).toBeLessThan(1e-13);
      expect(orthError(vectors)).toBeLessThan(1e-13);
    }
    for (const s of [1e-200, 1e200]) {
      const A = randomSymmetric(20, rng);
      const As = mat(20, 20, A.data.map((x) => x * s));
      const { values, vectors } = eigh(As);
      expect(eigResidual(As, values, vectors)).toBeLessThan(1e-13);
      expect(maxDiff(values.map((x) => x / s), eigh(A).values)).toBeLessThan(1e-13);
    }
  });

  it('uses the symmetric part and rejects bad input', () => {
    const A = fromRows([[1, 4], [0, 1]]); // symmetric part [[1, 2], [2, 1]]
    const w = eigvalsh(A);
    expect(w[0]).toBeCloseTo(-1, 14);
    expect(w[1]).toBeCloseTo(3, 14);
    expect(() => eigh(mat(2, 3))).toThrow(/not square/);
    expect(() => eigh(fromRows([[1, NaN], [NaN, 1]]))).toThrow(/non-finite/);
  });
});

describe('tridiagonalEigen', () => {
  it('matches eigh of the dense tridiagonal matrix and reports end components', () => {
    const rng = new Rng(5);
    const m = 40;
    const alpha = Array.from({ length: m }, () => rng.normal());
    const beta = Array.from({ length: m - 1 }, () => rng.normal());
    beta[17] = 0; // a split
    const T = mat(m, m);
    for (let i = 0; i < m; i++) T.data[i * m + i] = alpha[i];
    for (let i = 0; i < m - 1; i++) {
      T.data[i * m + i + 1] = beta[i];
      T.data[(i + 1) * m + i] = beta[i];
    }
    const { values, vectors } = tridiagonalEigen(alpha, beta);
    expect(maxDiff(values, eigvalsh(T))).toBeLessThan(1e-13);
    expect(eigResidual(T, values, vectors!)).toBeLessThan(1e-14);
    expect(orthError(vectors!)).toBeLessThan(1e-14);
    expect(tridiagonalEigen(alpha, beta, false).vectors).toBeNull();

    const ends = tridiagonalEigenEnds(alpha, beta);
    expect(maxDiff(ends.values, values)).toBeLessThan(1e-13);
    for (let i = 0; i < m; i++) {
      // Signs of eigenvectors are arbitrary, but first·last is not.
      const f = vectors!.data[i], l = vectors!.data[(m - 1) * m + i];
      expect(ends.first[i] * ends.last[i]).toBeCloseTo(f * l, 12);
      expect(Math.abs(ends.first[i])).toBeCloseTo(Math.abs(f), 12);
      expect(Math.abs(ends.last[i])).toBeCloseTo(Math.abs(l), 12);
    }
    // Quadrature weights (first components squared) sum to one.
    expect(ends.first.reduce((s, x) => s + x * x, 0)).toBeCloseTo(1, 13);
  });
});

// ---------- svd ----------

describe('svd', () => {
  const rng = new Rng(42);

  for (const [m, n] of [[500, 500], [300, 120], [120, 300], [131, 77], [77, 131], [1, 9], [9, 1]] as const) {
    it(`${m}×${n} Gaussian: reconstruction, orthogonality, ordering`, () => {
      const A = randomGaussian(m, n, rng);
      const { U, S, V } = svd(A);
      const r = Math.min(m, n);
      expect([U.rows, U.cols, V.rows, V.cols, S.length]).toEqual([m, r, n, r, r]);
      expect(svdResidual(A, U, S, V)).toBeLessThan(1e-10);
      expect(orthError(U)).toBeLessThan(1e-10);
      expect(orthError(V)).toBeLessThan(1e-10);
      for (let i = 0; i < r; i++) {
        expect(S[i]).toBeGreaterThanOrEqual(0);
        if (i > 0) expect(S[i]).toBeLessThanOrEqual(S[i - 1]);
      }
      expect(maxDiff(singularValues(A), S) / S[0]).toBeLessThan(1e-12);
    });
  }

  it('recovers planted singular values (repeated, tiny and zero)', () => {
    const m = 203, n = 117;
    const sigma: number[] = [];
    for (let i = 0; i < n; i++) {
      if (i < 10) sigma.push(5);
      else if (i < 15) sigma.push(0);
      else if (i < 17) sigma.push(1e-8);
      else sigma.push(0.1 + 3 * rng.uniform());
    }
    const U0 = firstCols(randomOrthogonal(m, rng), n);
    const V0 = randomOrthogonal(n, rng);
    const A = matmul(scaleCols(U0, sigma), transpose(V0));
    const expected = Float64Array.from(sigma).sort().reverse();
    for (const B of [A, transpose(A)]) {
      const { U, S, V } = svd(B);
      expect(maxDiff(S, expected) / expected[0]).toBeLessThan(1e-10);
      expect(svdResidual(B, U, S, V)).toBeLessThan(1e-10);
      expect(orthError(U)).toBeLessThan(1e-10);
      expect(orthError(V)).toBeLessThan(1e-10);
    }
  });

  it('handles rank-deficient input', () => {
    const A = matmul(randomGaussian(150, 30, rng), randomGaussian(30, 90, rng)); // rank 30
    const { U, S, V } = svd(A);
    expect(svdResidual(A, U, S, V)).toBeLessThan(1e-10);
    expect(orthError(U)).toBeLessThan(1e-10);
    expect(orthError(V)).toBeLessThan(1e-10);
    expect(S[29] / S[0]).toBeGreaterThan(1e-6);
    for (let i = 30; i < 90; i++) expect(S[i] / S[0]).toBeLessThan(1e-13);

    // Exactly zero columns and rows.
    const B = randomGaussian(40, 25, rng);
    for (let i = 0; i < 40; i++) B.data[i * 25 + 3] = 0;
    for (let j = 0; j < 25; j++) B.data[7 * 25 + j] = 0;
    const b = svd(B);
    expect(svdResidual(B, b.U, b.S, b.V)).toBeLessThan(1e-13);
    expect(b.S[24]).toBeLessThan(1e-14 * b.S[0]);
  });

  it('chases zeros off the diagonal of a bidiagonal matrix (first, middle, last)', () => {
    for (const rows of [
      [[1, 2, 0, 0, 0, 0], [0, 3, 4, 0, 0, 0], [0, 0, 0, 5, 0, 0], [0, 0, 0, 6, 7, 0], [0, 0, 0, 0, 8, 9], [0, 0, 0, 0, 0, 0]],
      [[0, 2, 0], [0, 3, 4], [0, 0, 5]],
      [[1, 2, 0], [0, 3, 4], [0, 0, 0]],
    ]) {
      const A = fromRows(rows);
      const { U, S, V } = svd(A);
      expect(svdResidual(A, U, S, V)).toBeLessThan(1e-15);
      expect(orthError(U)).toBeLessThan(1e-15);
      expect(orthError(V)).toBeLessThan(1e-15);
      expect(S[S.length - 1]).toBe(0);
      // Σσ² = ‖A‖_F².
      expect(S.reduce((s, x) => s + x * x, 0)).toBeCloseTo(frobenius(A) ** 2, 12);
    }
  });

  it('handles 1×1, 2×2, diagonal and zero input', () => {
    const one = svd(fromRows([[-3]]));
    expect(Array.from(one.S)).toEqual([3]);
    expect(one.U.data[0] * one.V.data[0]).toBe(-1);

    const A2 = fromRows([[3, 0], [4, 5]]); // singular values √45 and √5
    const two = svd(A2);
    expect(two.S[0]).toBeCloseTo(Math.sqrt(45), 13);
    expect(two.S[1]).toBeCloseTo(Math.sqrt(5), 13);
    expect(svdResidual(A2, two.U, two.S, two.V)).toBeLessThan(1e-15);

    const D = diag([0.5, -2, 0, 1]);
    const d = svd(D);
    expect(Array.from(d.S)).toEqual([2, 1, 0.5, 0]);
    expect(svdResidual(D, d.U, d.S, d.V)).toBe(0);

    const Z = mat(5, 3);
    const z = svd(Z);
    expect(Array.from(z.S)).toEqual([0, 0, 0]);
    expect(orthError(z.U)).toBe(0);
    expect(orthError(z.V)).toBe(0);
  });
});

// ---------- solves ----------

describe('cholesky and solve', () => {
  const rng = new Rng(9);

  it('cholesky factor and solve', () => {
    const n = 120;
    const G = randomGaussian(n, n, rng);
    const A = symmetrize(matmul(G, transpose(G)));
    for (let i = 0; i < n; i++) A.data[i * n + i] += 1;
    const L = cholesky(A);
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) expect(L.data[i * n + j]).toBe(0);
    expect(frobenius(sub(matmul(L, transpose(L)), A)) / frobenius(A)).toBeLessThan(1e-14);
    const B = randomGaussian(n, 3, rng);
    const X = choleskySolve(L, B);
    expect(frobenius(sub(matmul(A, X), B)) / (frobenius(A) * frobenius(X))).toBeLessThan(1e-14);
    let ld = 0;
    for (const x of eigvalsh(A)) ld += Math.log(x);
    expect(logDet(A)).toBeCloseTo(ld, 8);
  });

  it('cholesky rejects matrices that are not positive definite', () => {
    expect(() => cholesky(fromRows([[1, 2], [2, 1]]))).toThrow(/not positive definite.*pivot 1/);
    expect(() => cholesky(fromRows([[-1]]))).toThrow(/not positive definite/);
    expect(() => cholesky(fromRows([[0, 0], [0, 1]]))).toThrow(/not positive definite/);
    expect(() => logDet(diag([1, -1]))).toThrow(/not positive definite/);
    expect(() => cholesky(mat(2, 3))).toThrow(/not square/);
  });

  it('solve with partial pivoting', () => {
    const n = 150;
    const A = randomGaussian(n, n, rng);
    const B = randomGaussian(n, 4, rng);
    const X = solve(A, B);
    expect(frobenius(sub(matmul(A, X), B)) / (frobenius(A) * frobenius(X))).toBeLessThan(1e-14);
    // Needs a row swap: the leading entry is zero.
    const P = fromRows([[0, 2], [3, 1]]);
    const x = solve(P, fromRows([[4], [5]]));
    expect(x.data[0]).toBeCloseTo(1, 15);
    expect(x.data[1]).toBeCloseTo(2, 15);
  });

  it('solve rejects singular matrices', () => {
    expect(() => solve(fromRows([[1, 2], [2, 4]]), fromRows([[1], [2]]))).toThrow(/singular/);
    expect(() => solve(mat(3, 3), eye(3))).toThrow(/singular/);
    const R = matmul(randomGaussian(30, 10, rng), randomGaussian(10, 30, rng));
    expect(() => solve(R, randomGaussian(30, 1, rng))).toThrow(/singular/);
  });
});

// ---------- lanczos ----------

describe('lanczos', () => {
  const n = 400;
  const rng = new Rng(400);
  // Planted spectrum: five separated eigenvalues at each end, the bulk in [−1, 1].
  const top = [10, 9, 8, 7, 6];
  const bottom = [-6, -5.5, -5, -4.5, -4];
  const lambda = [...top, ...bottom];
  while (lambda.length < n) lambda.push(-1 + 2 * rng.uniform());
  const A = planted(randomOrthogonal(n, rng), lambda);
  const exact = eigvalsh(A);
  const op = (v: Float64Array) => matvec(A, v);

  function checkPairs(res: ReturnType<typeof lanczos>, expected: number[]) {
    expect(res.converged).toBe(true);
    expect(res.values.length).toBe(expected.length);
    for (let i = 0; i < expected.length; i++) {
      expect(Math.abs(res.values[i] - expected[i]) / Math.abs(expected[i])).toBeLessThan(1e-8);
      const y = res.vectors[i];
      const r = sub(mat(n, 1, matvec(A, y)), mat(n, 1, y.map((x) => x * res.values[i])));
      expect(Math.abs(Math.hypot(...y) - 1)).toBeLessThan(1e-12);
      expect(frobenius(r)).toBeLessThan(1e-6);
    }
  }

  it('finds the top 5 eigenvalues through a matvec closure', () => {
    const res = lanczos(op, n, { k: 5, rng: new Rng(1) });
    checkPairs(res, Array.from(exact.slice(n - 5)).reverse());
    expect(res.iterations).toBeLessThan(n);
    expect(res.alpha.length).toBe(res.iterations);
    expect(res.beta.length).toBe(res.iterations - 1);
    for (const r of res.residuals) expect(r).toBeLessThan(1e-8 * 10);
  });

  it("finds the smallest eigenvalues with which: 'smallest' and both ends with 'both'", () => {
    checkPairs(lanczos(op, n, { k: 4, which: 'smallest', rng: new Rng(2) }), Array.from(exact.slice(0, 4)));
    checkPairs(lanczos(op, n, { k: 4, which: 'both', rng: new Rng(3) }), [exact[0], exact[1], exact[n - 2], exact[n - 1]]);
  });

  it('T from alpha/beta reproduces the Ritz values', () => {
    const res = lanczos(op, n, { k: 2, start: new Float64Array(n).fill(1) });
    const { values } = tridiagonalEigen(res.alpha, res.beta, false);
    expect(Math.abs(values[values.length - 1] - res.values[0])).toBeLessThan(1e-12 * 10);
  });

  it('terminates on an invariant subspace (3 distinct eigenvalues) and resolves multiplicity', () => {
    const m = 120;
    const r = new Rng(8);
    const lam = Array.from({ length: m }, (_, i) => [3, 1, -2][i % 3]);
    const B = planted(randomOrthogonal(m, r), lam);
    const res = lanczos((v) => matvec(B, v), m, { k: 2, rng: r });
    expect(res.converged).toBe(true);
    expect(res.iterations).toBeLessThan(20);
    expect(res.values[0]).toBeCloseTo(3, 10);
    expect(res.values[1]).toBeCloseTo(3, 10);
    expect(Math.abs(res.vectors[0].reduce((s, x, i) => s + x * res.vectors[1][i], 0))).toBeLessThan(1e-10);
    const small = lanczos((v) => matvec(B, v), m, { k: 1, which: 'smallest', rng: r });
    expect(small.values[0]).toBeCloseTo(-2, 10);
  });

  it('spans the whole space for tiny n and handles edge cases', () => {
    const D = diag([4, -1, 2]);
    const res = lanczos((v) => matvec(D, v), 3, { k: 3, which: 'smallest' });
    expect(res.converged).toBe(true);
    expect(res.values[0]).toBeCloseTo(-1, 13);
    expect(res.values[1]).toBeCloseTo(2, 13);
    expect(res.values[2]).toBeCloseTo(4, 13);
    const one = lanczos((v) => Float64Array.from(v, (x) => 7 * x), 1, { k: 1 });
    expect(one.values[0]).toBeCloseTo(7, 14);
    const zero = lanczos((v) => new Float64Array(v.length), 10, { k: 2 });
    expect(zero.converged).toBe(true);
    expect(Array.from(zero.values)).toEqual([0, 0]);
    expect(() => lanczos(op, n, { k: 0 })).toThrow(/k must be/);
    expect(() => lanczos(op, n, { k: 1, start: new Float64Array(n) })).toThrow(/nonzero/);
  });
});
