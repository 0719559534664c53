import { describe, expect, test } from 'vitest';
import { Rng } from '../src/engine/rng.js';
import { runExperiment } from '../src/experiments/runner.js';
import {
  gammaDraw, learningRate, median, noiseMoments, odeEscapeTime, overlapDrift, simulateSingleIndex,
  simulateSingleIndexReduced, singleIndexExperiment,
} from '../src/experiments/single-index.js';

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const sd = (v: number[]) => { const m = mean(v); return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1)); };

describe('single-index theory', () => {
  test('noise moments at m = 0: E c² = k, E c²ζ² = k(2k + 1) (z h_k = √(k+1) h_{k+1} + √k h_{k−1})', () => {
    for (const k of [1, 2, 3, 4]) {
      const { c2, c2zeta2 } = noiseMoments(k, 0);
      expect(c2).toBeCloseTo(k, 12);
      expect(c2zeta2).toBeCloseTo(k * (2 * k + 1), 11);
    }
    // k = 1: c = z*, so E c² = 1 at every m and E c²ζ² = E[z*² ζ²] = 1 + 2(1 − m²).
    const { c2, c2zeta2 } = noiseMoments(1, 0.6);
    expect(c2).toBeCloseTo(1, 12);
    expect(c2zeta2).toBeCloseTo(1 + 2 * 0.64, 12);
  });

  test('noiseless escape time against closed forms (k = 1, k = 3 without the η² term)', () => {
    const eta = 1e-3, th = 0.5;
    // k = 1: dm/dt = η(1 − m²) → T = (atanh m_th − atanh m₀)/η.
    expect(odeEscapeTime(1, 64, eta, -0.1, th, { noContraction: true })).toBeCloseTo((Math.atanh(th) - Math.atanh(-0.1)) / eta, 4);
    // k = 3: dm/dt = 3η m²(1 − m²) → T = [1/m₀ − 1/m_th + atanh m_th − atanh m₀]/(3η).
    const m0 = 0.05;
    expect(odeEscapeTime(3, 400, eta, m0, th, { noContraction: true, intervals: 2000 }) / ((1 / m0 - 1 / th + Math.atanh(th) - Math.atanh(m0)) / (3 * eta))).toBeCloseTo(1, 6);
    // The contraction term lengthens it, and a large enough step stops the escape altogether.
    expect(odeEscapeTime(3, 400, eta, m0, th)).toBeGreaterThan(odeEscapeTime(3, 400, eta, m0, th, { noContraction: true }));
    expect(odeEscapeTime(3, 400, learningRate(3, 400, 5), m0, th)).toBe(Infinity);
    expect(learningRate(3, 16, 0.5)).toBeCloseTo(0.5 / 64, 15);
    expect(learningRate(2, 16, 0.5)).toBeCloseTo(0.5 / 16, 15);
  });

  test('gamma draws (Marsaglia–Tsang): mean a, variance a', () => {
    const rng = new Rng(3);
    for (const a of [1, 7.5]) {
      const v = Array.from({ length: 20000 }, () => gammaDraw(a, rng));
      expect(Math.abs(mean(v) - a)).toBeLessThan(4 * Math.sqrt(a / 20000));
      expect(sd(v) ** 2 / a).toBeGreaterThan(0.95); expect(sd(v) ** 2 / a).toBeLessThan(1.05);
    }
  });

  test('one-step mean change of m, vector loop and reduced chain, against the drift (2)', () => {
    // η small enough that η²c²d ≪ 1 for typical c (the expansion behind (2); at η = 0.05 the heavy
    // tail of c = h₂(z*)h₂′(z) makes the renormalization non-linear and Var Δm 5× smaller).
    const k = 2, d = 16, eta = 0.002, m0 = 1 / Math.sqrt(d), n = 12000;
    const predicted = overlapDrift(k, d, eta, m0);
    for (const sim of [simulateSingleIndex, simulateSingleIndexReduced]) {
      const dm: number[] = [];
      for (let i = 0; i < n; i++) {
        const r = sim(k, d, eta, 0.99, 1, new Rng(i), { init: 'typical', recordEvery: 1 });
        dm.push(r.m[1] - r.m[0]);
      }
      expect(Math.abs(mean(dm) - predicted)).toBeLessThan(4 * sd(dm) / Math.sqrt(n));
      // Var Δm ≈ η² E[c²ζ²](1 − m²) at leading order; c is heavy-tailed, so the sample variance's own
      // relative standard error √((kurtosis − 1)/n) sets the band.
      const mu = mean(dm), v = sd(dm) ** 2;
      const kurt = dm.reduce((a, x) => a + (x - mu) ** 4, 0) / n / (v * v);
      const ratio = v / (eta * eta * noiseMoments(k, m0).c2zeta2 * (1 - m0 * m0));
      expect(Math.abs(ratio - 1)).toBeLessThan(4 * Math.sqrt((kurt - 1) / n));
    }
  });

  test('reduced chain and vector loop: same escape-time law (k = 2, d = 24)', () => {
    const k = 2, d = 24, eta = learningRate(k, d, 0.2), runs = 60;
    const logT = (sim: typeof simulateSingleIndex, label: string) => Array.from({ length: runs }, (_, i) => Math.log(sim(k, d, eta, 0.5, 1e6, new Rng(1000 + i).split(label), { init: 'typical' }).escape));
    const a = logT(simulateSingleIndex, 'vector'), b = logT(simulateSingleIndexReduced, 'reduced');
    const se = Math.sqrt(sd(a) ** 2 / runs + sd(b) ** 2 / runs);
    expect(Math.abs(mean(a) - mean(b))).toBeLessThan(3.5 * se);
    expect(sd(a) / sd(b)).toBeGreaterThan(0.7); expect(sd(a) / sd(b)).toBeLessThan(1.4);
  });

  test('median counts censored runs as longest', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([1, Infinity, 5, 2])).toBe(3.5);
    expect(median([1, Infinity, Infinity])).toBeNaN();
  });
});

describe('single-index experiment', () => {
  test('quick config (k = 3): escape exponent ≈ 2 confirmed', async () => {
    const out = await runExperiment(singleIndexExperiment, { ...singleIndexExperiment.quick });
    expect(out.record.verdict).toBe('confirmed');
    const c = out.record.checks[0];
    expect(c.measured as number).toBeGreaterThan(1.7);
    expect(c.measured as number).toBeLessThan(2.4);
  }, 60000);

  test('k = 1 variant confirmed; a step η d^{k/2} = 2 is out of regime', async () => {
    const v = Object.fromEntries(singleIndexExperiment.variants!.map((x) => [x.label, x]));
    const k1 = singleIndexExperiment.variants!.find((x) => x.label.startsWith('k = 1'))!;
    expect((await runExperiment(singleIndexExperiment, { ...k1.config })).record.verdict).toBe('confirmed');
    const big = Object.values(v).find((x) => x.label.startsWith('step too large'))!;
    expect((await runExperiment(singleIndexExperiment, { ...big.config })).record.verdict).toBe('out-of-regime');
  }, 60000);

  test('bad config names the field', async () => {
    await expect(runExperiment(singleIndexExperiment, { k: 9 })).rejects.toThrow(/k/);
  });
});
