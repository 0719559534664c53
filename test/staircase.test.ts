import { describe, expect, test } from 'vitest';
import { Rng } from '../src/engine/rng.js';
import { runExperiment } from '../src/experiments/runner.js';
import {
  forward, initTwoLayer, lossAndGradient, sgdStep, staircaseExperiment, stratifiedTestSet, targetMonomials,
} from '../src/experiments/staircase.js';
import { leapComplexity, monomialValue } from '../src/theory/hermite.js';

describe('staircase machinery', () => {
  const d = 6, N = 5, n = 4;
  const setup = (alpha: number) => {
    const rng = new Rng(11);
    const net = initTwoLayer(d, N, { alpha, initScale: 0.7, biasStd: 0.5 }, rng.split('net'));
    const X = new Float64Array(n * d), y = new Float64Array(n), xr = rng.split('x');
    for (let i = 0; i < X.length; i++) X[i] = xr.rademacher();
    for (let r = 0; r < n; r++) y[r] = xr.normal();
    return { net, X, y };
  };

  test('two-layer gradient against central differences', () => {
    const { net, X, y } = setup(3);
    const g = lossAndGradient(net, X, y, n), e = 1e-6;
    for (const [arr, grad] of [[net.W, g.gW], [net.b, g.gb], [net.a, g.ga]] as const) {
      for (let i = 0; i < arr.length; i++) {
        const v = arr[i];
        arr[i] = v + e; const lp = lossAndGradient(net, X, y, n).loss;
        arr[i] = v - e; const lm = lossAndGradient(net, X, y, n).loss;
        arr[i] = v;
        expect(grad[i]).toBeCloseTo((lp - lm) / (2 * e), 7);
      }
    }
    // forward agrees with the loss's own forward pass
    const f = forward(net, X, n);
    const loss = f.reduce((a, fi, r) => a + 0.5 * (fi - y[r]) ** 2 / n, 0);
    expect(loss).toBeCloseTo(g.loss, 14);
  });

  test('one SGD step is θ − (η N/α²) ∇L', () => {
    for (const alpha of [1, 4]) {
      const { net, X, y } = setup(alpha);
      const g = lossAndGradient(net, X, y, n);
      const before = { W: Float64Array.from(net.W), b: Float64Array.from(net.b), a: Float64Array.from(net.a) };
      const eta = 0.3, k = eta * N / (alpha * alpha);
      const loss = sgdStep(net, X, y, n, eta, { h: new Float64Array(n * N), res: new Float64Array(n) });
      expect(loss).toBeCloseTo(g.loss, 14);
      for (let i = 0; i < net.W.length; i++) expect(net.W[i]).toBeCloseTo(before.W[i] - k * g.gW[i], 13);
      for (let j = 0; j < N; j++) {
        expect(net.b[j]).toBeCloseTo(before.b[j] - k * g.gb[j], 13);
        expect(net.a[j]).toBeCloseTo(before.a[j] - k * g.ga[j], 13);
      }
    }
  });

  test('stratified test set gives exact Walsh coefficients of the targets (planted)', () => {
    const dd = 10, { X, n: m } = stratifiedTestSet(dd, 3, 8, new Rng(2));
    const stair = targetMonomials('staircase', 3), all = [[0], [1], [2], [0, 1], [0, 2], [1, 2], [0, 1, 2], [3], [0, 4]];
    for (const S of all) {
      let c = 0;
      for (let r = 0; r < m; r++) {
        let f = 0;
        for (const T of stair) f += monomialValue(X, T, r * dd);
        c += f * monomialValue(X, S, r * dd);
      }
      c /= m;
      const planted = stair.some((T) => JSON.stringify(T) === JSON.stringify(S)) ? 1 : 0;
      // Monomials within the support are exact (balanced patterns); outside it, sampling error only.
      if (S.every((i) => i < 3)) expect(c).toBeCloseTo(planted, 14);
      else expect(Math.abs(c)).toBeLessThan(0.5);
    }
    expect(leapComplexity(targetMonomials('staircase', 3))).toBe(1);
    expect(leapComplexity(targetMonomials('control', 3))).toBe(3);
  });
});

describe('staircase experiment', () => {
  test('quick config: learned in order, ∝ d, the Leap-3 control not learned', async () => {
    const out = await runExperiment(staircaseExperiment, { ...staircaseExperiment.quick });
    expect(out.record.verdict).toBe('confirmed');
    expect(out.record.checks[0].measured).toBe('x1 < x1x2 < x1x2x3');
  }, 60000);

  test('lazy variant is out of regime (features frozen)', async () => {
    const lazy = staircaseExperiment.variants!.find((v) => v.label.startsWith('lazy'))!;
    const out = await runExperiment(staircaseExperiment, { ...lazy.config });
    expect(out.record.verdict).toBe('out-of-regime');
    expect(out.record.regime.find((r) => r.name.startsWith('relative first-layer'))!.ok).toBe(false);
  }, 60000);

  test('bad config names the field', async () => {
    await expect(runExperiment(staircaseExperiment, { width: 0 })).rejects.toThrow(/width/);
    await expect(runExperiment(staircaseExperiment, { degree: 5, dims: [4, 8] })).rejects.toThrow(/degree/);
  });
});
