import { describe, expect, it } from 'vitest';
import { Rng } from '../src/engine/rng.js';
import { mat } from '../src/engine/linalg/index.js';
import { eigenlearning, kernelSpectrum, learningCurve, powerLawSpectrum, solveKappa, type Spectrum } from '../src/theory/eigenlearning.js';
import { krrCoefficients } from '../src/theory/kernel-regression.js';
import { logLogFit } from '../src/observables/fit.js';
const logLogSlope = (xs: number[], ys: number[]) => logLogFit(xs, ys).slope;

/** Brute force: scan κ on a fine log grid, then plain bisection on κ itself. */
function bruteKappa(lambdas: number[], n: number, delta: number): number {
  const g = (k: number) => lambdas.reduce((s, l) => s + l / (l + k), 0) + delta / k - n;
  let lo = 0, hi = 0;
  for (let e = -30; e <= 10; e += 0.01) {
    const k = Math.pow(10, e);
    if (g(k) > 0) lo = k; else { hi = k; break; }
  }
  for (let i = 0; i < 200; i++) { const m = 0.5 * (lo + hi); if (g(m) > 0) lo = m; else hi = m; }
  return 0.5 * (lo + hi);
}

describe('κ solve', () => {
  it('agrees with brute-force bisection and satisfies Σ L_i + δ/κ = n', () => {
    const r = new Rng(1);
    for (const [M, n, delta] of [[50, 10, 0], [50, 10, 0.3], [200, 3, 1e-4], [30, 29.5, 0], [100, 1000, 2]] as const) {
      const lambdas = Array.from({ length: M }, () => Math.exp(3 * r.normal()));
      const { kappa, saturated } = solveKappa({ lambdas }, n, delta);
      expect(saturated).toBe(false);
      expect(Math.abs(kappa - bruteKappa(lambdas, n, delta)) / kappa).toBeLessThan(1e-9);
      const res = eigenlearning({ lambdas }, n, { ridge: delta });
      expect(res.sumL + delta / kappa).toBeCloseTo(n, 8);
      for (const L of res.learnabilities) { expect(L).toBeGreaterThanOrEqual(0); expect(L).toBeLessThanOrEqual(1); }
    }
  });

  it('handles δ = 0 with n ≥ modes (κ = 0, E₀ = n/(n − M)), multiplicities, and 10⁵ eigenvalues', () => {
    const sat = eigenlearning({ lambdas: [3, 2, 1], targetPower: [1, 1, 1] }, 5, { noise2: 0.1 });
    expect(sat.kappa).toBe(0);
    expect(sat.e0).toBeCloseTo(5 / 2, 12);
    expect(sat.testMse).toBeCloseTo(2.5 * 0.1, 12);
    // Groups with multiplicity = the expanded spectrum.
    const grouped = eigenlearning({ lambdas: [1, 0.1], multiplicities: [3, 40], targetPower: [0.5, 0.2] }, 17, { ridge: 0.01, noise2: 0.05 });
    const expanded = eigenlearning({ lambdas: [...Array(3).fill(1), ...Array(40).fill(0.1)], targetPower: [...Array(3).fill(0.5 / 3), ...Array(40).fill(0.2 / 40)] }, 17, { ridge: 0.01, noise2: 0.05 });
    expect(grouped.kappa).toBeCloseTo(expanded.kappa, 12);
    expect(grouped.testMse).toBeCloseTo(expanded.testMse, 12);
    const big = powerLawSpectrum(100_000, 1.5, 2);
    const res = eigenlearning(big, 500);
    expect(res.sumL).toBeCloseTo(500, 6);
  });

  it('power-law spectra give E_te ∝ n^{−min(β−1, 2α)} (ridgeless, noiseless)', () => {
    for (const [alpha, beta] of [[1.5, 2], [1.2, 4]] as const) {
      const sp = powerLawSpectrum(200_000, alpha, beta);
      const ns = [100, 200, 400, 800];
      const curve = learningCurve(sp, ns);
      const slope = logLogSlope(ns, curve.map((c) => c.testMse));
      expect(Math.abs(slope + Math.min(beta - 1, 2 * alpha))).toBeLessThan(0.1);
    }
  });
});

describe('eigenlearning vs simulated KRR on a planted spectrum', () => {
  // x ~ N(0, diag(λ)), linear kernel K(x, x′) = x·x′: eigenfunctions φ_i = x_i/√λ_i with eigenvalue λ_i
  // exactly. Target f* = Σ v_i φ_i, i.e. weights w*_i = v_i/√λ_i; noisy labels y = f* + ε ξ.
  const d = 150;
  const lambdas = Array.from({ length: d }, (_, i) => Math.pow(i + 1, -1.3));
  const v = Array.from({ length: d }, (_, i) => Math.pow(i + 1, -0.8) * (i % 2 ? 1 : -1));
  const spec: Spectrum = { lambdas, targetPower: v.map((x) => x * x) };

  function simulate(n: number, ridge: number, noise2: number, draws: number, seed: number) {
    const r = new Rng(seed);
    let te = 0, te2 = 0, tr = 0;
    for (let t = 0; t < draws; t++) {
      const X = mat(n, d);
      for (let a = 0; a < n; a++) for (let i = 0; i < d; i++) X.data[a * d + i] = Math.sqrt(lambdas[i]) * r.normal();
      const y = new Float64Array(n);
      for (let a = 0; a < n; a++) { let s = 0; for (let i = 0; i < d; i++) s += X.data[a * d + i] * v[i] / Math.sqrt(lambdas[i]); y[a] = s + Math.sqrt(noise2) * r.normal(); }
      const K = mat(n, n);
      for (let a = 0; a < n; a++) for (let b = 0; b <= a; b++) { let s = 0; for (let i = 0; i < d; i++) s += X.data[a * d + i] * X.data[b * d + i]; K.data[a * n + b] = K.data[b * n + a] = s; }
      const alpha = krrCoefficients(K, y, ridge);
      // w = Xᵀα; clean test error (w − w*)ᵀΛ(w − w*) exactly, + ε² for noisy test labels.
      let e = 0;
      for (let i = 0; i < d; i++) { let w = 0; for (let a = 0; a < n; a++) w += X.data[a * d + i] * alpha[a]; e += lambdas[i] * (w - v[i] / Math.sqrt(lambdas[i])) ** 2; }
      const mse = e + noise2;
      let trainErr = 0;
      for (let a = 0; a < n; a++) { let f = 0; for (let b = 0; b < n; b++) f += K.data[a * n + b] * alpha[b]; trainErr += (f - y[a]) ** 2 / n; }
      te += mse / draws; te2 += mse * mse / draws; tr += trainErr / draws;
    }
    return { test: te, se: Math.sqrt(Math.max(te2 - te * te, 0) / draws), train: tr };
  }

  for (const [ridge, noise2] of [[0, 0], [0.05, 0.1], [1, 0.1]] as const) {
    it(`test and train MSE agree within 10% (δ = ${ridge}, ε² = ${noise2})`, () => {
      for (const n of [20, 60, 120]) {
        const sim = simulate(n, ridge, noise2, 40, 1000 + n);
        const th = eigenlearning(spec, n, { ridge, noise2 });
        expect(Math.abs(sim.test - th.testMse)).toBeLessThan(0.1 * th.testMse + 2 * sim.se);
        if (ridge > 0) expect(Math.abs(sim.train - th.trainMse)).toBeLessThan(0.1 * th.trainMse + 0.05 * th.testMse);
        else expect(sim.train).toBeLessThan(1e-8);
      }
    });
  }

  it('a spectrum estimated from a kernel matrix recovers the planted one', () => {
    const r = new Rng(3), N = 800, dd = 6;
    const lam = [1, 0.5, 0.25, 0.1, 0.05, 0.01];
    const X = Array.from({ length: N }, () => lam.map((l) => Math.sqrt(l) * r.normal()));
    const K = mat(N, N);
    for (let a = 0; a < N; a++) for (let b = 0; b < N; b++) { let s = 0; for (let i = 0; i < dd; i++) s += X[a][i] * X[b][i]; K.data[a * N + b] = s; }
    const y = X.map((x) => 2 * x[0] / Math.sqrt(lam[0]));
    const { lambdas, coeffs } = kernelSpectrum(K, y);
    lam.forEach((l, i) => expect(Math.abs(lambdas[i] - l) / l).toBeLessThan(0.15));
    expect(Math.abs(Math.abs(coeffs![0]) - 2)).toBeLessThan(0.1);
    expect(lambdas[dd]).toBeLessThan(1e-10);
  });
});
