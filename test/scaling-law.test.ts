import { describe, expect, it } from 'vitest';
import * as libm from '../src/engine/libm.js';
import { Rng } from '../src/engine/rng.js';
import { runExperiment } from '../src/experiments/runner.js';
import {
  capacityPower, capacityTeacher, classTargets, expectedAdditiveLoss, fQuantile, moments, powerTail, predictScalingLaw,
  scalingLawExperiment as X, scalingLawSchema, teacher, trainRun,
} from '../src/experiments/scaling-law.js';

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const se = (xs: number[]) => { const m = mean(xs); return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1) / xs.length); };

describe('scaling-law task', () => {
  it('τ_N = Σ_{k>N} k^{−s} (Euler–Maclaurin) matches direct summation', () => {
    for (const s of [1.5, 2, 3]) for (const N of [1, 4, 100]) {
      let direct = 0;
      const K = 200000;
      for (let k = N + 1; k <= K; k++) direct += libm.pow(k, -s);
      direct += libm.pow(K + 0.5, 1 - s) / (s - 1); // midpoint integral for the rest
      expect(powerTail(s, N) / direct).toBeCloseTo(1, 8);
    }
  });

  it('additive task: the capacity tail is exactly A₀N^{−a}, Var g = 2A₀, h has mean 0 and mean square H', () => {
    const c = scalingLawSchema.parse({ targetExponent: 0.7, capacityAmplitude: 1.3, classes: 6, classSignal: 0.8, dataSizes: [60, 120] });
    // Direct partial sums of the mode powers against the telescoped tail (the rest of the sum is A₀K^{−a}).
    const K = 100000;
    let total = 0;
    for (let k = 1; k <= K; k++) total += capacityPower(c, k);
    expect(total + 1.3 * libm.pow(K, -0.7)).toBeCloseTo(2 * 1.3, 10);
    for (const N of [1, 2, 7, 50]) {
      let tail = 0;
      for (let k = N + 1; k <= K; k++) tail += capacityPower(c, k);
      expect(tail + 1.3 * libm.pow(K, -0.7)).toBeCloseTo(1.3 * libm.pow(N, -0.7), 10);
      const t = capacityTeacher(c, N);
      let head = 0;
      for (let k = 0; k < N; k++) head += t.lam[k] * t.wStar[k] ** 2;
      expect(head + t.tau).toBeCloseTo(2 * 1.3, 10);
    }
    for (const p of [2, 3, 6, 16]) {
      const h = classTargets({ ...c, classes: p });
      expect(mean([...h])).toBeCloseTo(0, 12);
      expect(mean([...h].map((x) => x * x))).toBeCloseTo(0.8, 12);
    }
    const p = predictScalingLaw(c);
    expect(p).toMatchObject({ exact: true, E: 0.5, A: 1.3, alpha: 0.7, beta: 1 });
    expect(p.B).toBeCloseTo((2 * 1.3 + 0.5) * 6, 12);
  });

  it('additive task: Monte Carlo mean of trained runs matches the derived E[L] and its two terms', () => {
    // Small plentiful stream (n_U = 40) and few classes so that each term is far above its Monte Carlo error:
    // ε_N = (σ² + H + τ_N) N/(n_U − N − 1) (inverse-Wishart mean) and (2A₀ + σ²) p/D (class means).
    const c = scalingLawSchema.parse({ classes: 4, capacityData: 40, sizes: [3, 8], dataSizes: [8, 64], testSize: 256 });
    for (const [N, D] of [[3, 8], [8, 64]]) {
      const runs = Array.from({ length: 1500 }, (_, s) => trainRun(c, { N, D, seed: s, heldOut: false }));
      expect(runs.every((r) => r.converged)).toBe(true);
      const tau = libm.pow(N, -1);
      const eps = (0.5 + 1 + tau) * N / (40 - N - 1);
      const cap = runs.map((r) => r.capacityExcess - tau), dat = runs.map((r) => r.dataExcess);
      expect(Math.abs(mean(cap) - eps)).toBeLessThan(4 * se(cap));
      expect(Math.abs(mean(dat) - 2.5 * 4 / D)).toBeLessThan(4 * se(dat));
      const pop = runs.map((r) => r.populationLoss);
      expect(Math.abs(mean(pop) - expectedAdditiveLoss(c, N, D))).toBeLessThan(4 * se(pop));
      // The test-set loss is unbiased for the population loss.
      const diff = runs.map((r) => r.loss - r.populationLoss);
      expect(Math.abs(mean(diff))).toBeLessThan(4 * se(diff));
      // Scatter of the data term: (G + σ²)/D · χ²_p, so Var = 2p ((G + σ²)/D)².
      const v = dat.reduce((a, x) => a + (x - mean(dat)) ** 2, 0) / (dat.length - 1);
      expect(Math.abs(v / (2 * 4 * (2.5 / D) ** 2) - 1)).toBeLessThan(0.15);
    }
  });

  it('rejects data sizes that are not multiples of the classes', () => {
    const c = scalingLawSchema.parse({ classes: 16, dataSizes: [64, 100] });
    expect(() => predictScalingLaw(c)).toThrow(/dataSizes.*multiple of classes/);
    expect(() => predictScalingLaw(scalingLawSchema.parse({ classes: 16, dataSizes: [64, 100], task: 'min' }))).not.toThrow();
  });

  it('Bartlett-sampled moments have the Wishart mean and variance of explicit samples', () => {
    const c = scalingLawSchema.parse({ noise: 0.5 });
    const t = teacher(c, 3);
    const n = 20, draws = 4000, rng = new Rng(7);
    const vy = 0.5 + t.tau + t.lam.reduce((a, l, k) => a + l * t.wStar[k] ** 2, 0);
    let mS0 = 0, vS0 = 0, mS01 = 0, mb0 = 0, vb0 = 0, myy = 0;
    for (let i = 0; i < draws; i++) {
      const m = moments(t, n, 0.5, rng); // n ≥ N + 1: Bartlett path
      mS0 += m.S[0]; vS0 += (m.S[0] - t.lam[0]) ** 2; mS01 += m.S[1]; mb0 += m.b[0]; vb0 += (m.b[0] - t.lam[0] * t.wStar[0]) ** 2; myy += m.yy;
    }
    mS0 /= draws; vS0 /= draws; mS01 /= draws; mb0 /= draws; vb0 /= draws; myy /= draws;
    const s4 = (v: number) => 4 * Math.sqrt(v / draws);
    expect(Math.abs(mS0 - t.lam[0])).toBeLessThan(s4(2 * t.lam[0] ** 2 / n));
    expect(Math.abs(mS01)).toBeLessThan(s4(t.lam[0] * t.lam[1] / n));
    expect(Math.abs(mb0 - t.lam[0] * t.wStar[0])).toBeLessThan(s4((t.lam[0] * vy + (t.lam[0] * t.wStar[0]) ** 2) / n));
    expect(Math.abs(myy - vy)).toBeLessThan(s4(2 * vy * vy / n));
    // Var S_00 = 2λ²/n and Var b_0 = (λ Var y + (λ w*)²)/n (Wishart second moments), within 10 %.
    expect(Math.abs(vS0 / (2 * t.lam[0] ** 2 / n) - 1)).toBeLessThan(0.1);
    expect(Math.abs(vb0 / ((t.lam[0] * vy + (t.lam[0] * t.wStar[0]) ** 2) / n) - 1)).toBeLessThan(0.1);
    // The explicit path (n < N + 1) has the same means.
    const t8 = teacher(c, 8);
    let e0 = 0;
    for (let i = 0; i < draws; i++) e0 += moments(t8, 4, 0.5, rng).S[0];
    expect(Math.abs(e0 / draws - t8.lam[0])).toBeLessThan(s4(2 * t8.lam[0] ** 2 / 4));
  });

  it('F quantiles from the Paulson approximation match tabulated values', () => {
    expect(fQuantile(0.99, 30, 30) / 2.386).toBeCloseTo(1, 1);
    expect(Math.abs(fQuantile(0.95, 10, 20) / 2.348 - 1)).toBeLessThan(0.02);
    expect(Math.abs(fQuantile(0.99, 30, 40) / 2.203 - 1)).toBeLessThan(0.02);
  });
});

describe('scaling-law experiment', () => {
  it('quick config (additive task): σ², a and 1 inside the fitted intervals, stable exponents, held-out runs inside', async () => {
    const out = await runExperiment(X, { ...X.quick });
    const r = out.result as any;
    expect(out.record.verdict).toBe('confirmed');
    expect(r.unconverged).toBe(0);
    // 9 checks: E, α, β against the derivation, α and β stability, 4 held-out runs (Bonferroni at 90 % family-wise).
    expect(out.record.checks.length).toBe(9);
    expect(r.checkLevel).toBeCloseTo(1 - 0.1 / 9, 12);
    const iv = r.full.intervals;
    expect(iv.E.lo).toBeLessThanOrEqual(0.5); expect(iv.E.hi).toBeGreaterThanOrEqual(0.5);
    expect(iv.alpha.lo).toBeLessThanOrEqual(1); expect(iv.alpha.hi).toBeGreaterThanOrEqual(1);
    expect(iv.beta.lo).toBeLessThanOrEqual(1); expect(iv.beta.hi).toBeGreaterThanOrEqual(1);
    expect(r.lackOfFit.F).toBeLessThan(r.lackOfFit.limit);
    expect(out.series.get('frontier')!.length).toBeGreaterThan(0);
    expect(out.series.get('law')!.some((row: any) => row.kind === 'theory')).toBe(true);
  }, 30000);

  it('variants are out of regime for the stated reason', async () => {
    const failed = async (v: NonNullable<typeof X.variants>[number]) => {
      const out = await runExperiment(X, { ...v.config });
      expect(out.record.verdict, v.label).toBe(v.expect);
      return out.record.regime.filter((g) => !g.ok).map((g) => g.name).join(' | ');
    };
    const [decade, unconverged, min, peak] = X.variants!;
    expect(await failed(decade)).toMatch(/decades spanned by N/);
    expect(await failed(unconverged)).toMatch(/runs not converged/);
    expect(await failed(min)).toMatch(/lack-of-fit/);
    expect(await failed(peak)).toMatch(/interpolation peak/);
  }, 40000);
});
