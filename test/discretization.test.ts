import { describe, expect, it } from 'vitest';
import { Rng } from '../src/engine/rng.js';
import { sampleSphere } from '../src/data/sphere.js';
import { analyticKernel } from '../src/theory/kernels.js';
import { discretizationExperiment, twoLayerReluNtk, twoLayerReluNtkLimit, type DiscretizationResult } from '../src/experiments/discretization.js';
import { runExperiment } from '../src/experiments/runner.js';

describe('one-hidden-layer ReLU NTK', () => {
  const X = sampleSphere(5, 6, new Rng(2));
  const lim = twoLayerReluNtkLimit(X);

  it('the limit equals the composed analytic NTK (theory/kernels.ts, depth 2, σ_w² = 1, no bias)', () => {
    const { ntk } = analyticKernel({ activation: 'relu', depth: 2, sigmaW2: 1, sigmaB2: 0 }, X);
    // dense → relu → dense: Θ = E[φ′φ′]·(σ_w² q) + E[φφ], the same sum
    for (let i = 0; i < lim.length; i++) expect(lim[i]).toBeCloseTo(ntk.data[i], 12);
  });

  it('E‖Θ_emp − Θ∞‖² = c/width exactly (an average of iid units), and the mean is unbiased', () => {
    let norm = 0;
    for (const v of lim) norm += v * v;
    const meanSq = (w: number, S: number) => {
      let s = 0;
      const avg = new Float64Array(lim.length);
      for (let k = 0; k < S; k++) {
        const K = twoLayerReluNtk(X, w, new Rng(9).split(`w${w}`).split(k));
        let e = 0;
        for (let i = 0; i < K.length; i++) { e += (K[i] - lim[i]) ** 2; avg[i] += K[i] / S; }
        s += e / norm;
      }
      return { d2: s / S, avg };
    };
    const a = meanSq(8, 1500), b = meanSq(128, 400);
    expect(a.d2 * 8 / (b.d2 * 128)).toBeGreaterThan(0.85);
    expect(a.d2 * 8 / (b.d2 * 128)).toBeLessThan(1.15);
    for (let i = 0; i < lim.length; i++) expect(Math.abs(a.avg[i] - lim[i])).toBeLessThan(0.05 * Math.abs(lim[0]));
  });
});

describe('discretization experiment', () => {
  it('GD → flow at rate η¹ (quick) with the limit recovered', async () => {
    const out = await runExperiment(discretizationExperiment, { ...discretizationExperiment.quick });
    expect(out.record.verdict).toBe('confirmed');
    const r = out.result as DiscretizationResult;
    expect(Math.abs(r.known.rate - 1)).toBeLessThan(0.05);
  });

  it('variants: NTK in width confirmed, coarse steps out of regime, a wrong rate falsified', async () => {
    for (const v of discretizationExperiment.variants!) {
      const out = await runExperiment(discretizationExperiment, { ...discretizationExperiment.quick, ...v.config });
      expect(out.record.verdict, v.label).toBe(v.expect);
    }
  });

  it('an observe time that is not a multiple of η is named', () => {
    expect(() => discretizationExperiment.predict(discretizationExperiment.schema.parse({ lrs: [0.07, 0.02, 0.01, 0.005], observeTime: 1 }))).toThrow(/observeTime/);
  });
});
