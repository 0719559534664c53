/**
 * Representation-similarity estimators (src/observables/similarity.ts) against independent routes:
 * the unbiased HSIC against the brute-force U-statistic over distinct 4-tuples, Gram vs feature
 * forms, planted subspace overlaps with exact answers, SVCCA against CCA from covariance
 * matrices, Procrustes against the explicit optimal rotation, invariances, and Monte Carlo nulls
 * (biased CKA: E tr W₁/‖W₁‖ · E tr W₂/‖W₂‖ /(n−1); debiased ≈ 0; mutual kNN k/(n−1)).
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/engine/rng.js';
import { matmul, qr, randomGaussian, randomOrthogonal, solve, svd, transpose, eigvalsh, type Mat } from '../src/engine/linalg/index.js';
import {
  SimilarityError, biasedLinearCkaNullApprox, centerColumns, cka, ckaDebiased, ckaDebiasedGram, ckaDebiasedLinearFeatures,
  ckaGram, ckaLinearFeatures, hsicBiased, hsicUnbiased, hsicUnbiasedLinear, knnIndices, linearCkaNull, linearGram,
  mutualKnn, mutualKnnNull, procrustes, rbfGram, svcca, uCenterGram, wishartTraceRatio,
} from '../src/observables/similarity.js';

const gauss = (n: number, p: number, rng: Rng) => randomGaussian(n, p, rng);
const affine = (X: Mat, Q: Mat, a: number, b: number[]): Mat => {
  const Y = matmul(X, Q);
  for (let i = 0; i < Y.rows; i++) for (let j = 0; j < Y.cols; j++) Y.data[i * Y.cols + j] = a * Y.data[i * Y.cols + j] + b[j];
  return Y;
};
const meanSe = (v: number[]) => {
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  const sd = Math.sqrt(v.reduce((a, x) => a + (x - m) ** 2, 0) / (v.length - 1));
  return { m, se: sd / Math.sqrt(v.length) };
};
const dotM = (A: Mat, B: Mat) => A.data.reduce((s, v, i) => s + v * B.data[i], 0);

/** HSIC_u as the U-statistic over ordered distinct 4-tuples (Song et al. 2012, Theorem 2). */
function hsicUStatistic(K: Mat, L: Mat): number {
  const n = K.rows, k = (i: number, j: number) => K.data[i * n + j], l = (i: number, j: number) => L.data[i * n + j];
  let s = 0, c = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let q = 0; q < n; q++) for (let r = 0; r < n; r++) {
    if (i === j || i === q || i === r || j === q || j === r || q === r) continue;
    s += k(i, j) * l(i, j) + k(i, j) * l(q, r) - 2 * k(i, j) * l(i, q);
    c++;
  }
  return s / c;
}

describe('HSIC and CKA: routes agree', () => {
  const rng = new Rng(11);
  const X = gauss(9, 3, rng.split('x')), Y = gauss(9, 5, rng.split('y'));
  // Uncentred features with an offset, so centring matters.
  for (let i = 0; i < X.data.length; i++) X.data[i] += 0.7;
  const K = linearGram(X), L = linearGram(Y);

  it('unbiased HSIC (Song eq. 5) = brute-force U-statistic = U-centred inner product = Kornblith feature form', () => {
    const ref = hsicUStatistic(K, L);
    const n = K.rows;
    expect(Math.abs(hsicUnbiased(K, L) - ref)).toBeLessThan(1e-12 * Math.abs(ref) + 1e-14);
    expect(Math.abs(dotM(uCenterGram(K), uCenterGram(L)) / (n * (n - 3)) - ref)).toBeLessThan(1e-12 * Math.abs(ref) + 1e-14);
    expect(Math.abs(hsicUnbiasedLinear(X, Y) - ref)).toBeLessThan(1e-12 * Math.abs(ref) + 1e-14);
    // RBF kernels too (the Song formula and U-centring are kernel-agnostic).
    const Kr = rbfGram(X).gram, Lr = rbfGram(Y, { factor: 0.5 }).gram;
    const refR = hsicUStatistic(Kr, Lr);
    expect(Math.abs(hsicUnbiased(Kr, Lr) - refR)).toBeLessThan(1e-12);
    expect(Math.abs(dotM(uCenterGram(Kr), uCenterGram(Lr)) / (n * (n - 3)) - refR)).toBeLessThan(1e-12);
  });

  it('biased HSIC = ‖YᵀX‖²/(n−1)² of centred features; Gram and feature forms of CKA agree to 1e-12', () => {
    const Xc = centerColumns(X), Yc = centerColumns(Y), n = X.rows;
    const xty = matmul(transpose(Xc), Yc);
    expect(Math.abs(hsicBiased(K, L) - dotM(xty, xty) / (n - 1) ** 2)).toBeLessThan(1e-12);
    const rng2 = new Rng(5);
    for (const [nn, p1, p2] of [[9, 3, 5], [40, 7, 60], [200, 12, 3]]) {
      const A = gauss(nn, p1, rng2.split(`a${nn}`)), B = gauss(nn, p2, rng2.split(`b${nn}`));
      for (let i = 0; i < B.data.length; i++) B.data[i] += A.data[(i % nn) * p1] * 0.8; // some shared signal
      const Kg = linearGram(centerColumns(A)), Lg = linearGram(centerColumns(B));
      expect(Math.abs(ckaLinearFeatures(A, B) - ckaGram(Kg, Lg))).toBeLessThan(1e-12);
      expect(Math.abs(ckaDebiasedLinearFeatures(A, B) - ckaDebiasedGram(Kg, Lg))).toBeLessThan(1e-12);
      // Uncentred Grams give the same debiased CKA (U-centring removes row/column offsets).
      expect(Math.abs(ckaDebiasedGram(linearGram(A), linearGram(B)) - ckaDebiasedGram(Kg, Lg))).toBeLessThan(1e-12);
      expect(Math.abs(cka(A, B) - ckaGram(Kg, Lg))).toBeLessThan(1e-12);
      expect(Math.abs(ckaDebiased(A, B) - ckaDebiasedGram(Kg, Lg))).toBeLessThan(1e-12);
    }
  });

  it('RBF CKA tends to linear CKA as the bandwidth grows; σ = factor × median distance', () => {
    const r = new Rng(2);
    const A = gauss(30, 4, r.split('a')), B = gauss(30, 6, r.split('b'));
    for (let i = 0; i < B.data.length; i++) B.data[i] += A.data[(i % 30) * 4 + 1];
    const lin = cka(A, B), wide = cka(A, B, { kernel: 'rbf', factor: 1e3 });
    expect(Math.abs(wide - lin)).toBeLessThan(1e-5);
    const linD = ckaDebiased(A, B), wideD = ckaDebiased(A, B, { kernel: 'rbf', factor: 1e3 });
    expect(Math.abs(wideD - linD)).toBeLessThan(1e-5);
    // Bandwidth by hand: the median over i < j of ‖a_i − a_j‖.
    const d: number[] = [];
    for (let i = 0; i < 30; i++) for (let j = i + 1; j < 30; j++) { let s = 0; for (let c = 0; c < 4; c++) s += (A.data[i * 4 + c] - A.data[j * 4 + c]) ** 2; d.push(Math.sqrt(s)); }
    d.sort((a, b) => a - b);
    expect(d.length % 2).toBe(1); // 435 pairs: the middle one
    const med = d[(d.length - 1) / 2];
    expect(Math.abs(rbfGram(A, { factor: 0.8 }).bandwidth - 0.8 * med)).toBeLessThan(1e-12);
  });
});

describe('planted truths', () => {
  it('known subspace overlap: s shared of p₁, p₂ orthonormal directions → CKA = s/√(p₁p₂), SVCCA = s/min(p₁, p₂), Procrustes ‖XᵀY‖_* = s/√(p₁p₂)', () => {
    const n = 60, rng = new Rng(3);
    const G = centerColumns(gauss(n, 12, rng));
    const { Q } = qr(G); // orthonormal columns, all ⊥ 1 (centred)
    const cols = (idx: number[]) => {
      const out = new Float64Array(n * idx.length);
      for (let r = 0; r < n; r++) idx.forEach((c, j) => { out[r * idx.length + j] = Q.data[r * 12 + c] * 5; });
      return { rows: n, cols: idx.length, data: out };
    };
    for (const [s, p1, p2] of [[2, 4, 4], [1, 3, 6], [3, 3, 5], [0, 4, 5]]) {
      const X = cols(Array.from({ length: p1 }, (_, i) => i));
      const Y = cols([...Array.from({ length: s }, (_, i) => i), ...Array.from({ length: p2 - s }, (_, i) => p1 + i)]);
      const want = s / Math.sqrt(p1 * p2);
      expect(Math.abs(cka(X, Y) - want)).toBeLessThan(1e-12);
      expect(Math.abs(ckaGram(linearGram(X), linearGram(Y)) - want)).toBeLessThan(1e-12);
      expect(Math.abs(svcca(X, Y).similarity - s / Math.min(p1, p2))).toBeLessThan(1e-12);
      expect(Math.abs(procrustes(X, Y).nuclear - want)).toBeLessThan(1e-12);
      expect(Math.abs(procrustes(X, Y).distance2 - (2 - 2 * want))).toBeLessThan(1e-12);
    }
  });

  it('identical → 1 for every metric; mutual kNN by hand on a small example', () => {
    const X = gauss(40, 5, new Rng(4));
    expect(Math.abs(cka(X, X) - 1)).toBeLessThan(1e-14);
    expect(Math.abs(ckaDebiased(X, X) - 1)).toBeLessThan(1e-14);
    expect(mutualKnn(X, X, { k: 5 })).toBe(1);
    expect(Math.abs(svcca(X, X).similarity - 1)).toBeLessThan(1e-12);
    expect(procrustes(X, X).distance2).toBeLessThan(1e-12);
    // Five points at angles 0, 10, 25, 55, 180 degrees (scaled): the 2 nearest by cosine, by hand.
    const pts = (deg: number[], r = 1): Mat => ({ rows: deg.length, cols: 2, data: Float64Array.from(deg.flatMap((a) => [r * Math.cos((a * Math.PI) / 180), r * Math.sin((a * Math.PI) / 180)])) });
    const P = pts([0, 10, 25, 55, 180], 3);
    expect(Array.from(knnIndices(P, 2))).toEqual([1, 2, 0, 2, 1, 0, 2, 1, 3, 2]);
    // Point 3 moved to 4° and point 1 to 12°: 0→{3,1}, 1→{3,0}, 2→{1,3}, 3→{0,1}, 4→{2,1}.
    const P2 = pts([0, 12, 25, 4, 180]);
    expect(Array.from(knnIndices(P2, 2))).toEqual([3, 1, 3, 0, 1, 3, 0, 1, 2, 1]);
    // Overlaps {1,2}∩{3,1}, {0,2}∩{3,0}, {1,0}∩{1,3}, {2,1}∩{0,1}, {3,2}∩{2,1}: one each → 5/10.
    expect(mutualKnn(P, P2, { k: 2 })).toBe(0.5);
    // Exact ties (identical rows) go to the lower index.
    const T: Mat = { rows: 4, cols: 2, data: Float64Array.from([1, 2, 1, 2, 1, 2, -3, 1]) };
    expect(Array.from(knnIndices(T, 1))).toEqual([1, 0, 0, 0]);
  });

  it('SVCCA equals the canonical correlations from covariances (eig of Σxx⁻¹ΣxyΣyy⁻¹Σyx) when nothing is cut', () => {
    const rng = new Rng(8), n = 50;
    const X = gauss(n, 3, rng.split('x')), Y = gauss(n, 2, rng.split('y'));
    for (let i = 0; i < n; i++) Y.data[i * 2] += X.data[i * 3] - 0.5 * X.data[i * 3 + 2];
    const Xc = centerColumns(X), Yc = centerColumns(Y);
    const Sxx = matmul(transpose(Xc), Xc), Syy = matmul(transpose(Yc), Yc), Sxy = matmul(transpose(Xc), Yc);
    const M = matmul(solve(Syy, transpose(Sxy)), solve(Sxx, Sxy)); // Σyy⁻¹Σyx Σxx⁻¹Σxy (2×2), eigenvalues ρ²
    const tr = M.data[0] + M.data[3], det = M.data[0] * M.data[3] - M.data[1] * M.data[2];
    const disc = Math.sqrt(tr * tr / 4 - det);
    const rho = [Math.sqrt(tr / 2 + disc), Math.sqrt(tr / 2 - disc)];
    const r = svcca(X, Y, { variance: 1 });
    expect(r.dimsX).toBe(3); expect(r.dimsY).toBe(2);
    expect(Math.abs(r.correlations[0] - rho[0])).toBeLessThan(1e-10);
    expect(Math.abs(r.correlations[1] - rho[1])).toBeLessThan(1e-10);
    expect(Math.abs(r.similarity - (rho[0] + rho[1]) / 2)).toBeLessThan(1e-10);
    // SVCCA is invariant to any invertible map when no direction is cut.
    const A: Mat = { rows: 3, cols: 3, data: Float64Array.from([2, 0.3, -1, 0, 0.5, 0.2, 0.1, 0, 3]) };
    expect(Math.abs(svcca(matmul(X, A), Y, { variance: 1 }).similarity - r.similarity)).toBeLessThan(1e-10);
  });

  it('Procrustes distance² = min_Q ‖X − YQ‖² with Q = UVᵀ from the SVD of YᵀX (equal widths), also with p > n', () => {
    const rng = new Rng(9);
    for (const [n, p] of [[30, 4], [12, 20]]) {
      const X = centerColumns(gauss(n, p, rng.split(`x${n}`))), Y = centerColumns(gauss(n, p, rng.split(`y${n}`)));
      for (let i = 0; i < X.data.length; i++) Y.data[i] += 0.6 * X.data[i];
      const nx = Math.sqrt(dotM(X, X)), ny = Math.sqrt(dotM(Y, Y));
      const Xn = { ...X, data: X.data.map((v) => v / nx) }, Yn = { ...Y, data: Y.data.map((v) => v / ny) };
      const { U, V } = svd(matmul(transpose(Yn), Xn));
      const Qopt = matmul(U, transpose(V));
      const R = matmul(Yn, Qopt);
      let d2 = 0;
      for (let i = 0; i < R.data.length; i++) d2 += (Xn.data[i] - R.data[i]) ** 2;
      expect(Math.abs(procrustes(X, Y).distance2 - d2)).toBeLessThan(1e-12);
      expect(Math.abs(procrustes(Y, X).distance2 - d2)).toBeLessThan(1e-12);
    }
  });
});

describe('invariances', () => {
  const rng = new Rng(21);
  const n = 50, p = 6;
  const X = gauss(n, p, rng.split('x'));
  const Q = randomOrthogonal(p, rng.split('q'));
  const Z = affine(X, Q, 3.7, Array.from({ length: p }, (_, j) => j - 2));
  const S = affine(X, Q, 0.01, new Array(p).fill(0));

  it('orthogonal map, isotropic scale and translation: CKA (linear, RBF; biased, debiased) = 1, SVCCA = 1, Procrustes = 0', () => {
    for (const k of ['linear', 'rbf'] as const) {
      expect(Math.abs(cka(X, Z, { kernel: k }) - 1)).toBeLessThan(1e-12);
      expect(Math.abs(ckaDebiased(X, Z, { kernel: k }) - 1)).toBeLessThan(1e-12);
    }
    expect(Math.abs(svcca(X, Z).similarity - 1)).toBeLessThan(1e-12);
    expect(procrustes(X, Z).distance2).toBeLessThan(1e-12);
    // Features widened by an isometric embedding into more columns (p → 2p): unchanged.
    const W = randomOrthogonal(2 * p, rng.split('w'));
    const E: Mat = { rows: p, cols: 2 * p, data: W.data.slice(0, p * 2 * p) }; // p orthonormal rows
    expect(Math.abs(cka(X, matmul(X, E)) - 1)).toBeLessThan(1e-12);
  });

  it('mutual kNN: invariant to orthogonal maps and isotropic scale (not translation); anisotropic scaling < 1', () => {
    expect(mutualKnn(X, S, { k: 5 })).toBe(1);
    const D: Mat = { rows: p, cols: p, data: new Float64Array(p * p) };
    for (let j = 0; j < p; j++) D.data[j * p + j] = j === 0 ? 8 : 1;
    expect(mutualKnn(X, matmul(X, D), { k: 5 })).toBeLessThan(1);
  });

  it('symmetric; not invariant to a general invertible map (linear CKA < 1)', () => {
    const Y = gauss(n, 4, rng.split('y'));
    for (let i = 0; i < n; i++) Y.data[i * 4] += X.data[i * p];
    expect(Math.abs(cka(X, Y) - cka(Y, X))).toBeLessThan(1e-14);
    expect(Math.abs(ckaDebiased(X, Y) - ckaDebiased(Y, X))).toBeLessThan(1e-14);
    expect(mutualKnn(X, Y)).toBe(mutualKnn(Y, X));
    const A = randomGaussian(p, p, rng.split('a'));
    expect(cka(X, matmul(X, A))).toBeLessThan(0.95);
  });
});

describe('nulls: independent features', () => {
  it('E[tr W/‖W‖_F]: 1 for rank one; → √(mp/(m+p+1)) (ratio of expectations) for large m, p', () => {
    expect(wishartTraceRatio(31, 1)).toEqual({ mean: 1, se: 0 });
    const w = wishartTraceRatio(400, 300, { draws: 4 });
    expect(Math.abs(w.mean / Math.sqrt((400 * 300) / 701) - 1)).toBeLessThan(2e-3);
  });

  it('biased linear CKA: Monte Carlo mean = E tr W₁/‖W₁‖ · E tr W₂/‖W₂‖ /(n−1) within 3 SE (and p = 1 gives 1/(n−1)); debiased ≈ 0', () => {
    const rng = new Rng(100);
    const cases: [number, number, number][] = [[32, 8, 8], [16, 1, 1], [20, 50, 5]];
    const seen: string[] = [];
    for (const [n, p1, p2] of cases) {
      const biased: number[] = [], debiased: number[] = [];
      for (let t = 0; t < 200; t++) {
        const X = gauss(n, p1, rng.split(`x${n}-${t}`)), Y = gauss(n, p2, rng.split(`y${n}-${t}`));
        biased.push(cka(X, Y));
        debiased.push(ckaDebiased(X, Y));
      }
      const b = meanSe(biased), d = meanSe(debiased);
      const nul = linearCkaNull(n, p1, p2, { draws: 64 });
      if (p1 === 1 && p2 === 1) expect(nul.biased).toBe(1 / (n - 1));
      const se = Math.sqrt(b.se ** 2 + nul.biasedSe ** 2);
      seen.push(`n=${n} p=${p1},${p2}: biased ${b.m.toFixed(4)} ± ${b.se.toFixed(4)} vs exact ${nul.biased.toFixed(4)} (approx ${nul.biasedApprox.toFixed(4)}); debiased ${d.m.toFixed(4)} ± ${d.se.toFixed(4)}`);
      expect(Math.abs(b.m - nul.biased), seen.join('\n')).toBeLessThan(3 * se);
      expect(Math.abs(d.m), seen.join('\n')).toBeLessThan(3 * d.se);
    }
    // The stated bias at small n: with p = 50 ≫ n = 20 the biased null is far from 0.
    expect(linearCkaNull(20, 50, 50).biased).toBeGreaterThan(0.5);
  });

  it('mutual kNN: mean = k/(n−1) within 3 SE', () => {
    const rng = new Rng(200), n = 60, k = 6;
    const v: number[] = [];
    for (let t = 0; t < 150; t++) v.push(mutualKnn(gauss(n, 5, rng.split(`x${t}`)), gauss(n, 7, rng.split(`y${t}`)), { k }));
    const { m, se } = meanSe(v);
    expect(Math.abs(m - mutualKnnNull(n, k))).toBeLessThan(3 * se);
  });

  it('shared latent plus noise: mutual kNN and debiased CKA decrease monotonically with the noise', () => {
    const rng = new Rng(300), n = 120;
    const Zl = gauss(n, 3, rng.split('z'));
    const E1 = gauss(n, 3, rng.split('e1')), E2 = gauss(n, 3, rng.split('e2'));
    const knn: number[] = [], ck: number[] = [];
    for (const s of [0.05, 0.3, 1, 3]) {
      const A = { ...Zl, data: Zl.data.map((v, i) => v + s * E1.data[i]) }, B = { ...Zl, data: Zl.data.map((v, i) => v + s * E2.data[i]) };
      knn.push(mutualKnn(A, B, { k: 8 }));
      ck.push(ckaDebiased(A, B));
    }
    for (let i = 1; i < 4; i++) { expect(knn[i]).toBeLessThan(knn[i - 1]); expect(ck[i]).toBeLessThan(ck[i - 1]); }
  });
});

describe('guards: no NaN, clear errors', () => {
  const X = gauss(10, 3, new Rng(1));
  const C: Mat = { rows: 10, cols: 2, data: new Float64Array(20).fill(4.2) };

  it('constant features → SimilarityError naming the argument, for every metric', () => {
    expect(() => cka(X, C)).toThrow(SimilarityError);
    expect(() => cka(X, C)).toThrow(/Y: .*constant features/);
    expect(() => cka(C, X, { names: ['A.npy', 'B.npy'] })).toThrow(/A\.npy: .*constant/);
    expect(() => ckaDebiased(X, C)).toThrow(/Y: .*constant/);
    expect(() => cka(X, C, { kernel: 'rbf' })).toThrow(/Y: .*median distance/);
    expect(() => svcca(X, C)).toThrow(/Y: constant/);
    expect(() => procrustes(X, C)).toThrow(/Y: constant/);
    expect(() => mutualKnn(X, { ...C, data: new Float64Array(20) }, { k: 3 })).toThrow(/Y: row 0 is zero/);
  });

  it('shape mismatch, n < 4 for the unbiased HSIC, k out of range, non-finite entries', () => {
    expect(() => cka(X, gauss(9, 3, new Rng(2)))).toThrow(/X has 10 rows but Y has 9/);
    const small = gauss(3, 2, new Rng(3));
    expect(() => ckaDebiased(small, small)).toThrow(/n ≥ 4/);
    expect(() => mutualKnn(X, X, { k: 10 })).toThrow(/k: must be an integer in \[1, 9\]/);
    const bad = { ...X, data: X.data.slice() }; bad.data[4] = NaN;
    expect(() => cka(bad, X)).toThrow(/X: entry \[1\]\[1\] is not finite/);
  });

  it('nearly constant features give finite values (no NaN from a negative √ argument)', () => {
    const tiny = { ...X, data: X.data.map((v, i) => 1 + 1e-9 * v * (i % 2)) };
    for (const v of [cka(X, tiny), ckaDebiased(X, tiny), mutualKnn(X, tiny, { k: 3 }), svcca(X, tiny).similarity, procrustes(X, tiny).distance2]) expect(Number.isFinite(v)).toBe(true);
    expect(eigvalsh(uCenterGram(linearGram(X))).length).toBe(10);
  });
});

describe('approximate null formula (science notes §B6)', () => {
  it('√(p₁p₂/((n+p₁)(n+p₂))) matches the exact null to a few per cent at n = 256, p = 8', () => {
    const e = linearCkaNull(256, 8, 8, { draws: 64 }).biased;
    expect(Math.abs(e / biasedLinearCkaNullApprox(256, 8, 8) - 1)).toBeLessThan(0.03);
  });
});

describe('lmech similarity A.npy B.npy', async () => {
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { Command } = await import('commander');
  const { toNpy } = await import('../src/io/npy.js');
  const { similarityCommand, formatSimilarity, register } = await import('../src/cli/commands/similarity.js');
  const { exitCodeOf } = await import('../src/cli/main.js');
  const dir = mkdtempSync(join(tmpdir(), 'lmech-sim-'));
  const rng = new Rng(77);
  const A = gauss(40, 5, rng.split('a'));
  const B = affine(A, randomOrthogonal(5, rng.split('q')), 2, [1, 2, 3, 4, 5]);
  for (let i = 0; i < B.data.length; i++) B.data[i] += 0.3 * rng.normal();
  const fa = join(dir, 'A.npy'), fb = join(dir, 'B.npy'), fshort = join(dir, 'short.npy'), fconst = join(dir, 'const.npy');
  writeFileSync(fa, toNpy(A)); writeFileSync(fb, toNpy(B, '<f4'));
  writeFileSync(fshort, toNpy(gauss(39, 5, rng.split('s'))));
  writeFileSync(fconst, toNpy({ rows: 40, cols: 2, data: new Float64Array(80).fill(1.5) }));

  it('prints every metric with its nulls; values equal the library functions', () => {
    const r = similarityCommand(fa, fb, { permutations: 5 });
    const Bf = { ...B, data: Float64Array.from(new Float32Array(B.data)) }; // stored as float32
    const byName = (s: string) => r.metrics.find((m) => m.metric.startsWith(s))!;
    expect(byName('CKA linear (biased)').value).toBeCloseTo(cka(A, Bf), 12);
    expect(byName('CKA linear (debiased)').value).toBeCloseTo(ckaDebiased(A, Bf), 12);
    expect(byName('mutual kNN').value).toBe(mutualKnn(A, Bf, { k: 10 }));
    expect(byName('mutual kNN').null).toBeCloseTo(10 / 39, 15);
    expect(byName('CKA linear (debiased)').null).toBe(0);
    expect(Math.abs(byName('CKA linear (biased)').null - linearCkaNull(40, 5, 5, { draws: 16 }).biased)).toBeLessThan(1e-12);
    expect(byName('SVCCA').value).toBeCloseTo(svcca(A, Bf).similarity, 12);
    expect(byName('Procrustes').value).toBeCloseTo(procrustes(A, Bf).nuclear, 12);
    // Permutation null of debiased CKA sits near 0, the real pairing far above it.
    expect(Math.abs(byName('CKA linear (debiased)').permutationMean)).toBeLessThan(0.2);
    expect(byName('CKA linear (debiased)').value).toBeGreaterThan(0.8);
    const text = formatSimilarity(r, false);
    expect(text).toMatch(/A\.npy \(40 × 5\) vs .*B\.npy \(40 × 5\)/);
    for (const m of r.metrics) expect(text).toContain(m.metric);
    expect(JSON.parse(formatSimilarity(r, true)).metrics).toHaveLength(r.metrics.length);
  });

  it('bad input → a usage error (exit 2) naming the file and the shapes; constant features → "undefined" with the reason', () => {
    let err: unknown;
    try { similarityCommand(fa, fshort); } catch (e) { err = e; }
    expect((err as Error).message).toMatch(/short\.npy: has 39 rows \(shape 39×5\) but .*A\.npy has 40 \(shape 40×5\)/);
    expect(exitCodeOf(err)).toBe(2);
    expect(() => similarityCommand(fa, join(dir, 'missing.npy'))).toThrow(/missing\.npy: cannot read/);
    try { similarityCommand(fa, join(dir, 'missing.npy')); } catch (e) { expect(exitCodeOf(e)).toBe(2); }
    expect(() => similarityCommand(fa, fb, { k: 40 })).toThrow(/--k: must be an integer in \[1, 39\]/);
    const r = similarityCommand(fa, fconst, { permutations: 2 });
    for (const m of r.metrics) {
      expect(Number.isNaN(m.value)).toBe(true);
      expect(m.reason).toMatch(/const\.npy/);
    }
    expect(formatSimilarity(r, false)).toMatch(/undefined: .*const\.npy: .*constant features/);
  });

  it('registers as a commander subcommand', async () => {
    const program = new Command();
    program.exitOverride();
    register(program);
    const chunks: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    (process.stdout as { write: unknown }).write = (s: string) => { chunks.push(s); return true; };
    try { await program.parseAsync(['node', 'lmech', 'similarity', fa, fb, '--json', '--permutations', '0']); } finally { (process.stdout as { write: unknown }).write = write; }
    const out = JSON.parse(chunks.join(''));
    expect(out.n).toBe(40);
    expect(out.metrics[0].permutationMean).toBeNull();
  });
});
