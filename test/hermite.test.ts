import { describe, expect, test } from 'vitest';
import { Rng } from '../src/engine/rng.js';
import {
  gaussHermite, gaussianExpectation, hermite, hermiteCoefficients, hermiteNormalized, hermiteNormalizedDerivative,
  informationExponent, isMergedStaircase, leapComplexity, leapOrder, leapTimeExponent, mehlerCorrelation,
  mehlerCorrelationDerivative, monomialValue,
} from '../src/theory/hermite.js';

const factorial = (n: number): number => (n <= 1 ? 1 : n * factorial(n - 1));

describe('Hermite polynomials', () => {
  test('explicit low orders (He₃ = z³ − 3z, He₄ = z⁴ − 6z² + 3, He₅ = z⁵ − 10z³ + 15z)', () => {
    for (const z of [-2.3, -0.4, 0, 0.7, 1.9]) {
      expect(hermite(0, z)).toBe(1);
      expect(hermite(1, z)).toBe(z);
      expect(hermite(2, z)).toBeCloseTo(z * z - 1, 13);
      expect(hermite(3, z)).toBeCloseTo(z ** 3 - 3 * z, 12);
      expect(hermite(4, z)).toBeCloseTo(z ** 4 - 6 * z * z + 3, 12);
      expect(hermite(5, z)).toBeCloseTo(z ** 5 - 10 * z ** 3 + 15 * z, 11);
      for (let n = 0; n < 12; n++) expect(hermiteNormalized(n, z)).toBeCloseTo(hermite(n, z) / Math.sqrt(factorial(n)), 10);
    }
  });

  test('h_n′ = √n h_{n−1} against central differences', () => {
    const e = 1e-5;
    for (const n of [1, 2, 3, 6, 9]) for (const z of [-1.3, 0.2, 2.1]) {
      const fd = (hermiteNormalized(n, z + e) - hermiteNormalized(n, z - e)) / (2 * e);
      expect(hermiteNormalizedDerivative(n, z)).toBeCloseTo(fd, 7);
    }
  });

  test('Hermite orthonormality under the Gaussian (Gauss–Hermite quadrature)', () => {
    const n = 30, { nodes, weights } = gaussHermite(n);
    // Exact for degree ≤ 2n − 1 = 59: E[h_a h_b] = δ_ab for a + b ≤ 59.
    for (let a = 0; a < 30; a++) for (let b = 0; b <= a && a + b <= 59; b++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += weights[i] * hermiteNormalized(a, nodes[i]) * hermiteNormalized(b, nodes[i]);
      expect(Math.abs(s - (a === b ? 1 : 0))).toBeLessThan(1e-11);
    }
  });

  test('Gauss–Hermite rule: closed forms for n = 1, 2, 3 and Gaussian moments', () => {
    expect([...gaussHermite(1).nodes]).toEqual([0]);
    expect(gaussHermite(1).weights[0]).toBeCloseTo(1, 15);
    const r2 = gaussHermite(2);
    expect(r2.nodes[1]).toBeCloseTo(1, 14); expect(r2.weights[0]).toBeCloseTo(0.5, 14);
    const r3 = gaussHermite(3);
    expect(r3.nodes[2]).toBeCloseTo(Math.sqrt(3), 14);
    expect(r3.weights[1]).toBeCloseTo(2 / 3, 14); expect(r3.weights[2]).toBeCloseTo(1 / 6, 14);
    // E z^{2j} = (2j − 1)!! exactly (degree 2j ≤ 2n − 1).
    let dfact = 1;
    for (let j = 1; j <= 10; j++) {
      dfact *= 2 * j - 1;
      const m = gaussianExpectation((z) => z ** (2 * j), 20);
      expect(Math.abs(m / dfact - 1)).toBeLessThan(1e-12);
    }
    // Large rules stay normalized and accurate: E cos z = e^{−½}.
    const r = gaussHermite(160);
    expect(r.weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(gaussianExpectation(Math.cos, 160)).toBeCloseTo(Math.exp(-0.5), 12);
  });

  test('Hermite coefficients of ReLU and |z| against closed forms', () => {
    // A kink converges as O(1/n): error budget 3e-3 at n = 160 (≈ 0.16/n for c₀, c₂, larger for higher k; file header).
    const near = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThan(3e-3);
    const relu = hermiteCoefficients((z) => Math.max(z, 0), 4);
    // c0 = E relu = 1/√(2π); c1 = E[z; z>0]·… = ½; c2 = ∫₀^∞ z(z² − 1)φ/√2 = 1/(2√π); c3 = 0 (odd part is z/2);
    // c4 = ∫₀^∞ z(z⁴ − 6z² + 3)φ/√24 = (8 − 12 + 3)/(√(2π)·√24).
    near(relu[0], 1 / Math.sqrt(2 * Math.PI));
    expect(relu[1]).toBeCloseTo(0.5, 12); // the odd part z/2 is a polynomial: exact
    near(relu[2], 1 / (2 * Math.sqrt(Math.PI)));
    expect(Math.abs(relu[3])).toBeLessThan(1e-12);
    near(relu[4], -1 / (Math.sqrt(2 * Math.PI) * Math.sqrt(24)));
    const abs = hermiteCoefficients((z) => Math.abs(z), 3);
    near(abs[0], Math.sqrt(2 / Math.PI));
    expect(Math.abs(abs[1])).toBeLessThan(1e-12); // parity zero, exact on the symmetric rule
    near(abs[2], 1 / Math.sqrt(Math.PI));
    // the error halves when the rule doubles (O(1/n))
    const e160 = Math.abs(hermiteCoefficients((z) => Math.abs(z), 2, 160)[2] - 1 / Math.sqrt(Math.PI));
    const e320 = Math.abs(hermiteCoefficients((z) => Math.abs(z), 2, 320)[2] - 1 / Math.sqrt(Math.PI));
    expect(e320 / e160).toBeGreaterThan(0.4); expect(e320 / e160).toBeLessThan(0.6);
  });

  test('information exponent k* by quadrature', () => {
    expect(informationExponent((z) => hermite(3, z))).toBe(3);
    expect(informationExponent((z) => Math.max(z, 0))).toBe(1);
    expect(informationExponent((z) => Math.abs(z) - Math.sqrt(2 / Math.PI))).toBe(2);
    expect(informationExponent((z) => hermite(4, z) + 0.3 * hermite(6, z))).toBe(4);
    expect(informationExponent((z) => z * z)).toBe(2);
    expect(informationExponent(Math.tanh)).toBe(1);
    expect(informationExponent(() => 1.5)).toBe(Infinity);
    expect(() => informationExponent((z) => z, { tol: 2 })).toThrow(/tol/);
  });

  test('Mehler: E[f(z*) g(z)] = Σ c_k(f) c_k(g) m^k against a two-dimensional quadrature', () => {
    const f = (z: number) => Math.tanh(z) + 0.2 * z * z;
    const g = (z: number) => Math.max(z, 0);
    const K = 40, a = hermiteCoefficients(f, K), b = hermiteCoefficients(g, K);
    const { nodes, weights } = gaussHermite(80);
    for (const m of [-0.6, 0.1, 0.45, 0.9]) {
      // z = m z* + √(1 − m²) ξ with z*, ξ independent.
      let s = 0;
      for (let i = 0; i < nodes.length; i++) for (let j = 0; j < nodes.length; j++) {
        s += weights[i] * weights[j] * f(nodes[i]) * g(m * nodes[i] + Math.sqrt(1 - m * m) * nodes[j]);
      }
      expect(mehlerCorrelation(a, b, m)).toBeCloseTo(s, 3);
      const e = 1e-5;
      expect(mehlerCorrelationDerivative(a, b, m)).toBeCloseTo((mehlerCorrelation(a, b, m + e) - mehlerCorrelation(a, b, m - e)) / (2 * e), 6);
    }
  });

  test('bad input names the field', () => {
    expect(() => hermite(-1, 0)).toThrow(/degree n/);
    expect(() => gaussHermite(0)).toThrow(/n must be/);
    expect(() => hermiteCoefficients((z) => z, 101)).toThrow(/kMax/);
  });
});

describe('leap complexity', () => {
  /** Brute force: minimum over all orderings of the maximum number of new coordinates. */
  function bruteLeap(sets: number[][]): number {
    const idx = sets.map((_, i) => i);
    let best = Infinity;
    const perm = (rest: number[], covered: Set<number>, worst: number) => {
      if (worst >= best) return;
      if (!rest.length) { best = worst; return; }
      for (const i of rest) {
        const fresh = sets[i].filter((j) => !covered.has(j)).length;
        perm(rest.filter((r) => r !== i), new Set([...covered, ...sets[i]]), Math.max(worst, fresh));
      }
    };
    perm(idx, new Set(), 0);
    return best === Infinity ? 0 : best;
  }

  test('the planted examples (exact combinatorics)', () => {
    expect(leapComplexity([[0], [0, 1], [0, 1, 2]])).toBe(1);
    expect(leapComplexity([[0, 1, 2]])).toBe(3);
    expect(leapComplexity([[0], [1, 2]])).toBe(2);
    expect(leapComplexity([[0], [0, 1], [0, 1, 2, 3]])).toBe(2);
    expect(leapComplexity([[0], [0, 1], [0, 1, 2], [0, 1, 2, 3]])).toBe(1);
    expect(leapComplexity([[0, 1], [1, 2], [0, 2]])).toBe(2); // no singleton: the first leap is 2
    expect(leapComplexity([[], [3]])).toBe(1);
    expect(leapComplexity([])).toBe(0);
    expect(isMergedStaircase([[0], [0, 1], [1, 2]])).toBe(true);
    expect(isMergedStaircase([[0, 1, 2]])).toBe(false);
    expect(leapOrder([[0, 1, 2], [0], [0, 1]])).toEqual({ order: [1, 2, 0], leaps: [1, 1, 1] });
    expect(leapTimeExponent(1)).toBe(1);
    expect(leapTimeExponent(3)).toBe(2);
  });

  test('greedy closure = brute force over all orderings on random families', () => {
    const rng = new Rng(7);
    for (let trial = 0; trial < 150; trial++) {
      const m = 1 + rng.int(5), d = 2 + rng.int(5);
      const sets = Array.from({ length: m }, () => {
        const size = 1 + rng.int(Math.min(d, 4));
        return [...rng.permutation(d)].slice(0, size).sort((a, b) => a - b);
      });
      const L = leapComplexity(sets);
      expect(L).toBe(bruteLeap(sets));
      expect(Math.max(...leapOrder(sets).leaps)).toBe(L);
    }
  });

  test('monomial values', () => {
    const x = [1, -1, -1, 1];
    expect(monomialValue(x, [0, 1, 2])).toBe(1);
    expect(monomialValue(x, [1])).toBe(-1);
    expect(monomialValue(x, [])).toBe(1);
  });
});
