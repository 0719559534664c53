import { describe, expect, it } from 'vitest';
import * as libm from '../src/engine/libm.js';
import { Rng } from '../src/engine/rng.js';
import { runExperiment } from '../src/experiments/runner.js';
import { fQuantile, moments, powerTail, scalingLawExperiment as X, scalingLawSchema, teacher } from '../src/experiments/scaling-law.js';

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
    const se = (v: number) => 4 * Math.sqrt(v / draws);
    expect(Math.abs(mS0 - t.lam[0])).toBeLessThan(se(2 * t.lam[0] ** 2 / n));
    expect(Math.abs(mS01)).toBeLessThan(se(t.lam[0] * t.lam[1] / n));
    expect(Math.abs(mb0 - t.lam[0] * t.wStar[0])).toBeLessThan(se((t.lam[0] * vy + (t.lam[0] * t.wStar[0]) ** 2) / n));
    expect(Math.abs(myy - vy)).toBeLessThan(se(2 * vy * vy / n));
    // Var S_00 = 2λ²/n and Var b_0 = (λ Var y + (λ w*)²)/n (Wishart second moments), within 10 %.
    expect(Math.abs(vS0 / (2 * t.lam[0] ** 2 / n) - 1)).toBeLessThan(0.1);
    expect(Math.abs(vb0 / ((t.lam[0] * vy + (t.lam[0] * t.wStar[0]) ** 2) / n) - 1)).toBeLessThan(0.1);
    // The explicit path (n < N + 1) has the same means.
    const t8 = teacher(c, 8);
    let e0 = 0;
    for (let i = 0; i < draws; i++) e0 += moments(t8, 4, 0.5, rng).S[0];
    expect(Math.abs(e0 / draws - t8.lam[0])).toBeLessThan(se(2 * t8.lam[0] ** 2 / 4));
  });

  it('F quantiles from the Paulson approximation match tabulated values', () => {
    expect(fQuantile(0.99, 30, 30) / 2.386).toBeCloseTo(1, 1);
    expect(Math.abs(fQuantile(0.95, 10, 20) / 2.348 - 1)).toBeLessThan(0.02);
    expect(Math.abs(fQuantile(0.99, 30, 40) / 2.203 - 1)).toBeLessThan(0.02);
  });
});

describe('scaling-law experiment', () => {
  it('quick config: E ∋ σ², stable exponents and held-out runs inside their intervals', async () => {
    const out = await runExperiment(X, { ...X.quick });
    const r = out.result as any;
    expect(out.record.verdict).toBe('confirmed');
    expect(r.unconverged).toBe(0);
    expect(r.full.intervals.E.lo).toBeLessThanOrEqual(0.5);
    expect(r.full.intervals.E.hi).toBeGreaterThanOrEqual(0.5);
    expect(out.record.checks.length).toBe(7);
    expect(out.series.get('frontier')!.length).toBeGreaterThan(0);
  }, 30000);

  it('variants are out of regime for the stated reason', async () => {
    const byLabel = Object.fromEntries(X.variants!.map((v) => [v.label, v]));
    const failed = async (label: string) => {
      const out = await runExperiment(X, { ...byLabel[label].config });
      expect(out.record.verdict, label).toBe(byLabel[label].expect);
      return out.record.regime.filter((g) => !g.ok).map((g) => g.name).join(' | ');
    };
    expect(await failed('one decade per axis')).toMatch(/decades spanned by N/);
    expect(await failed('no early stopping: interpolation peak at N ≈ D')).toMatch(/interpolation peak/);
    expect(await failed('precise runs over 2.4 decades of D: lack of fit rejects the additive law')).toMatch(/lack-of-fit/);
  }, 40000);
});
