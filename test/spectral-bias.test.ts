import { describe, expect, it } from 'vitest';
import { Rng } from '../src/engine/rng.js';
import { mat } from '../src/engine/linalg/index.js';
import { gradientDescent } from '../src/training/gd.js';
import type { Objective } from '../src/training/objective.js';
import {
  fitDecayRate, flowModeRate, flowResidualFactor, gdModeRate, gdResidualFactor, projectResidual, topKernelModes,
} from '../src/theory/linearized.js';
import { runExperiment } from '../src/experiments/runner.js';
import { spectralBiasExperiment } from '../src/experiments/spectral-bias.js';

/**
 * The exact reference: a linear-in-parameters model f(X) = Φθ (random features, fixed), whose
 * NTK Φ Φᵀ never moves, trained by the lab's GD on (1/2n)‖Φθ − y‖².
 */
function linearModel(n: number, P: number, seed: number) {
  const rng = new Rng(seed);
  const Phi = rng.normals(n * P, 1 / Math.sqrt(P));
  const y = rng.normals(n);
  const predict = (th: Float64Array) => Array.from({ length: n }, (_, i) => { let f = 0; for (let p = 0; p < P; p++) f += Phi[i * P + p] * th[p]; return f; });
  const obj: Objective = {
    dim: P,
    value: (th) => predict(th).reduce((a, f, i) => a + (f - y[i]) ** 2, 0) / (2 * n),
    valueAndGrad: (th) => {
      const f = predict(th);
      const g = new Float64Array(P);
      f.forEach((fi, i) => { for (let p = 0; p < P; p++) g[p] += (Phi[i * P + p] * (fi - y[i])) / n; });
      return { value: f.reduce((a, fi, i) => a + (fi - y[i]) ** 2, 0) / (2 * n), grad: g };
    },
  };
  const K = mat(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) { let s = 0; for (let p = 0; p < P; p++) s += Phi[i * P + p] * Phi[j * P + p]; K.data[i * n + j] = s; }
  return { obj, K, y, predict, theta0: rng.normals(P, 0.3) };
}

describe('residual decay law (theory/linearized)', () => {
  const n = 12, P = 30;
  const lm = linearModel(n, P, 7);
  const modes = topKernelModes(lm.K, n);

  it('eigenpairs are sorted, largest first, and satisfy K u = λ u', () => {
    for (let i = 1; i < n; i++) expect(modes.lambdas[i]).toBeLessThanOrEqual(modes.lambdas[i - 1]);
    for (const [i, u] of modes.vectors.entries()) {
      for (let r = 0; r < n; r++) {
        let ku = 0;
        for (let q = 0; q < n; q++) ku += lm.K.data[r * n + q] * u[q];
        expect(ku).toBeCloseTo(modes.lambdas[i] * u[r], 10);
      }
    }
  });

  it('linear model under GD: each component decays exactly as (1 − ηλ_i/n)^k', () => {
    const eta = (1.2 * n) / modes.lambdas[0]; // ηλ_max/n = 1.2: the top mode even oscillates
    const steps = 25;
    const comps: number[][] = [];
    gradientDescent(lm.obj, lm.theta0, { lr: eta, steps, onStep: (_k, th) => comps.push(projectResidual(modes, lm.predict(th).map((f, i) => f - lm.y[i]))) });
    for (const k of [1, 7, 25]) {
      modes.lambdas.forEach((l, i) => {
        expect(comps[k][i]).toBeCloseTo(gdResidualFactor(l, eta, n, k) * comps[0][i], 10);
      });
    }
  });

  it('small η: GD approaches the flow law e^{−ηλk/n}, with the predicted O((ηλ/n)²) per-step gap', () => {
    for (const frac of [0.1, 0.01]) {
      const eta = (frac * n) / modes.lambdas[0];
      const k = Math.round(1 / frac);
      const gd = gdResidualFactor(modes.lambdas[0], eta, n, k), flow = flowResidualFactor(modes.lambdas[0], eta, n, k);
      // ln(gd/flow) = −k(½x² + ⅓x³ + …), x = ηλ/n: close to −k x²/2.
      expect(Math.log(gd / flow) / (-k * frac * frac / 2)).toBeCloseTo(1, frac === 0.01 ? 1 : 0);
      expect(gdModeRate(modes.lambdas[0], eta, n) - flowModeRate(modes.lambdas[0], eta, n)).toBeCloseTo(frac * frac / 2, 3);
    }
  });

  it('fitted decay rate recovers a planted exponential (and noise gives a finite SE)', () => {
    const ks = Array.from({ length: 50 }, (_, k) => k);
    const f = fitDecayRate(ks, ks.map((k) => -3 * Math.exp(-0.07 * k)));
    expect(f.rate).toBeCloseTo(0.07, 12);
    const rng = new Rng(2);
    const g = fitDecayRate(ks, ks.map((k) => Math.exp(-0.07 * k + 0.01 * rng.normal())));
    expect(Math.abs(g.rate - 0.07)).toBeLessThan(5 * g.se);
  });
});

describe('spectral-bias experiment', () => {
  it('quick config: rates match and the order is larger-λ first', async () => {
    const out = await runExperiment(spectralBiasExperiment, spectralBiasExperiment.quick as Record<string, unknown>);
    expect(out.record.verdict).toBe('confirmed');
    expect(out.record.checks.length).toBeGreaterThanOrEqual(2);
  });

  it('a narrow network moves its kernel and is out of regime', async () => {
    const v = spectralBiasExperiment.variants![0];
    const out = await runExperiment(spectralBiasExperiment, v.config as Record<string, unknown>);
    expect(out.record.verdict).toBe('out-of-regime');
    expect(out.record.regime.find((r) => r.name.startsWith('NTK drift'))!.ok).toBe(false);
  });

  it('the rate check can fail: the flow rate without the 1/n is falsified', async () => {
    const c = spectralBiasExperiment.schema.parse(spectralBiasExperiment.quick);
    const p = spectralBiasExperiment.predict(c);
    const ctx = { rng: new Rng(0), progress: () => {}, record: () => {}, signal: new AbortController().signal };
    const r = await spectralBiasExperiment.run!(c, ctx, p);
    const wrong = spectralBiasExperiment.compare(c, r, { ...p, gdRates: p.lambdas.map((l) => p.lr * l) });
    expect(wrong.checks.filter((ch) => ch.name.includes('decay rate')).every((ch) => ch.verdict === 'falsified')).toBe(true);
  });
});
