import { describe, expect, it } from 'vitest';
import { Rng } from '../src/engine/rng.js';
import { tensor, type Tensor } from '../src/engine/tensor.js';
import { gather } from '../src/engine/ops.js';
import { perExampleGrads } from '../src/engine/params.js';
import { loadMnist } from '../src/data/mnist.js';
import { initMlp, mlpForward, type MlpSpec } from '../src/models/mlp.js';
import { supervisedLoss } from '../src/training/problem.js';
import {
  curvatureNoiseScale, minibatchObjective, noiseScale, noiseScaleFromGradients, noiseScaleTracker, perExampleGradients,
  twoBatchNoiseScale, twoBatchRatio, twoBatchTerms, type MinibatchObjective,
} from '../src/observables/noise-scale.js';

/**
 * Planted Gaussian per-example gradients (science-notes §A6): G = (1, −2, ½, 0), Σ = diag(4, 1, 9, 2),
 * so |G|² = 5.25, tr Σ = 16, B_simple = 16/5.25 = 3.0476.
 */
const G = [1, -2, 0.5, 0];
const SIG = [4, 1, 9, 2];
const G2 = G.reduce((a, g) => a + g * g, 0);
const TR = SIG.reduce((a, b) => a + b, 0);
const P = G.length;

function plantedGrads(n: number, rng: Rng): Float64Array {
  const out = new Float64Array(n * P);
  for (let i = 0; i < n; i++) for (let j = 0; j < P; j++) out[i * P + j] = G[j] + Math.sqrt(SIG[j]) * rng.normal();
  return out;
}

function meanSe(xs: number[]): { mean: number; se: number; sd: number } {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
  return { mean: m, se: sd / Math.sqrt(xs.length), sd };
}

describe('per-example B_simple estimator on planted Gaussian gradients', () => {
  it('bias-corrected |G|² and tr Σ are unbiased at small n; the raw |Ĝ|² carries tr Σ/n', () => {
    const n = 10, R = 4000, rng = new Rng(1);
    const raw: number[] = [], g2: number[] = [], tr: number[] = [];
    for (let k = 0; k < R; k++) {
      const e = noiseScaleFromGradients(plantedGrads(n, rng), n);
      raw.push(e.meanGradNormSq); g2.push(e.gradNormSq); tr.push(e.traceSigma);
    }
    const r = meanSe(raw), g = meanSe(g2), t = meanSe(tr);
    expect(Math.abs(r.mean - (G2 + TR / n))).toBeLessThan(4 * r.se); // 6.85: the finite-sample bias
    expect(Math.abs(g.mean - G2)).toBeLessThan(4 * g.se);
    expect(Math.abs(t.mean - TR)).toBeLessThan(4 * t.se);
    expect(r.mean - G2).toBeGreaterThan(10 * r.se); // the correction matters
  });

  it('B̂_simple → 3.048 at large n, and its jackknife SE matches the spread over draws', () => {
    const n = 400, R = 300, rng = new Rng(2);
    const b: number[] = [], se: number[] = [];
    for (let k = 0; k < R; k++) {
      const e = noiseScaleFromGradients(plantedGrads(n, rng), n);
      b.push(e.bSimple); se.push(e.bSimpleSe);
    }
    const m = meanSe(b);
    // The ratio's O(1/n) bias is ~ relSE² ≈ 1 %: allow 4 SE + 2 %.
    expect(Math.abs(m.mean - TR / G2)).toBeLessThan(4 * m.se + 0.02 * (TR / G2));
    const meanJack = se.reduce((a, x) => a + x, 0) / R;
    expect(meanJack / m.sd).toBeGreaterThan(0.8);
    expect(meanJack / m.sd).toBeLessThan(1.25);
  });

  it('population mode is the exact data-set moments (hand computation)', () => {
    // Rows (1, 0), (3, 2): Ĝ = (2, 1), Σ = mean of (∓1, ∓1)² → tr Σ = 2.
    const e = noiseScaleFromGradients(Float64Array.of(1, 0, 3, 2), 2, { mode: 'population' });
    expect(e.gradNormSq).toBeCloseTo(5, 14);
    expect(e.traceSigma).toBeCloseTo(2, 14);
    expect(e.bSimple).toBeCloseTo(0.4, 14);
    const s = noiseScaleFromGradients(Float64Array.of(1, 0, 3, 2), 2, { mode: 'sample' });
    expect(s.traceSigma).toBeCloseTo(4, 14);
    expect(s.gradNormSq).toBeCloseTo(3, 14);
  });

  it('names the field on bad input', () => {
    expect(() => noiseScaleFromGradients(new Float64Array(6), 1)).toThrow(/n must be an integer ≥ 2/);
    expect(() => noiseScaleFromGradients(new Float64Array(7), 2)).toThrow(/not n = 2 rows/);
    expect(() => noiseScaleFromGradients(new Float64Array(4), 2, { mode: 'x' as never })).toThrow(/mode must be/);
    expect(() => twoBatchTerms(1, 1, 8, 8)).toThrow(/bSmall < bBig/);
    expect(() => noiseScaleTracker(1)).toThrow(/beta must be in \[0, 1\)/);
  });
});

describe('two-batch estimator (McCandlish App. A.1)', () => {
  it('recovers the planted |G|², tr Σ and B_simple from batch means (B_small = 8, B_big = 256)', () => {
    const rng = new Rng(3);
    const mean = (B: number) => {
      const g = new Float64Array(P);
      for (let j = 0; j < P; j++) g[j] = G[j] + Math.sqrt(SIG[j] / B) * rng.normal(); // exact law of a batch mean
      return g.reduce((a, x) => a + x * x, 0);
    };
    const terms = Array.from({ length: 4000 }, () => twoBatchTerms(mean(8), mean(256), 8, 256));
    const est = twoBatchRatio(terms);
    const g = meanSe(terms.map((t) => t.gradNormSq)), s = meanSe(terms.map((t) => t.traceSigma));
    expect(Math.abs(g.mean - G2)).toBeLessThan(4 * g.se);
    expect(Math.abs(s.mean - TR)).toBeLessThan(4 * s.se);
    expect(Math.abs(est.bSimple - TR / G2)).toBeLessThan(4 * est.bSimpleSe);
  });

  it('on a finite data set (draws with replacement) agrees with the per-example population estimate', () => {
    const n = 64, rng = new Rng(4);
    const rows = plantedGrads(n, rng);
    // ℓ_i(θ) with gradient rows_i (θ-independent): a MinibatchObjective whose batch mean is exact.
    const obj: MinibatchObjective = {
      dim: P, n,
      gradOn: (_th, batch) => {
        const g = new Float64Array(P);
        for (const i of batch) for (let j = 0; j < P; j++) g[j] += rows[i * P + j] / batch.length;
        return g;
      },
    };
    const theta = new Float64Array(P);
    const direct = noiseScale(obj, theta); // all n examples: population mode
    expect(direct.mode).toBe('population');
    const two = twoBatchNoiseScale(obj, theta, { bSmall: 4, bBig: 32, draws: 3000, rng: rng.split('two') });
    expect(Math.abs(two.bSimple - direct.bSimple)).toBeLessThan(4 * two.bSimpleSe);
  });

  it('the EMA tracker is the ratio of the averaged terms (β = 0: the last draw, clamped at 0)', () => {
    const t0 = noiseScaleTracker(0);
    expect(Number.isNaN(t0.bSimple)).toBe(true);
    t0.update(10, 6, 4, 16); // |𝒢|² = (16·6 − 4·10)/12 = 4.667, 𝒮 = 4/(1/4 − 1/16) = 21.33
    expect(t0.bSimple).toBeCloseTo(21.333333333333332 / 4.666666666666667, 12);
    t0.update(5, 6, 4, 16); // 𝒮 < 0 → clamped
    expect(t0.bSimple).toBe(0);
    const t = noiseScaleTracker(0.5);
    t.update(10, 6, 4, 16); t.update(8, 6, 4, 16);
    const a = twoBatchTerms(10, 6, 4, 16), b = twoBatchTerms(8, 6, 4, 16);
    expect(t.bSimple).toBeCloseTo((0.5 * a.traceSigma + b.traceSigma) / (0.5 * a.gradNormSq + b.gradNormSq), 12);
    expect(t.updates).toBe(2);
  });
});

describe('B_noise = tr(HΣ)/GᵀHG from per-example gradients and HVPs', () => {
  it('recovers the planted value with H = diag(h)', () => {
    const h = [2, 1, 0.5, 3];
    const trHS = h.reduce((a, x, j) => a + x * SIG[j], 0), gHg = h.reduce((a, x, j) => a + x * G[j] ** 2, 0);
    const rng = new Rng(5), R = 400, n = 50;
    const tr: number[] = [], q: number[] = [];
    for (let k = 0; k < R; k++) {
      const c = curvatureNoiseScale(plantedGrads(n, rng), n, (v) => v.map((x, j) => h[j] * x));
      tr.push(c.traceHSigma); q.push(c.gHg);
    }
    const a = meanSe(tr), b = meanSe(q);
    expect(Math.abs(a.mean - trHS)).toBeLessThan(4 * a.se);
    expect(Math.abs(b.mean - gHg)).toBeLessThan(4 * b.se);
    // H ∝ I gives B_noise = B_simple exactly, estimate by estimate.
    const grads = plantedGrads(n, rng);
    expect(curvatureNoiseScale(grads, n, (v) => v.map((x) => 2 * x)).bNoise).toBeCloseTo(noiseScaleFromGradients(grads, n).bSimple, 10);
  });
});

describe('on a real model: an MLP on 7×7 digits through autodiff', () => {
  it('per-example gradients equal the engine route, and the two estimators agree', async () => {
    const ds = await loadMnist({ samples: 48, pool: 4, classes: 4, seed: 0 });
    const spec: MlpSpec = { widths: [ds.d, 6, ds.classes], activation: 'tanh' };
    const like = initMlp(spec, new Rng(0).split('init'), 'f64');
    const X = tensor(ds.X, [ds.n, ds.d]), Y = tensor(ds.Y, [ds.n, ds.classes]);
    const lossOn = (ps: Tensor[], batch: Int32Array) => {
      const ix = tensor(Int32Array.from(batch), [batch.length], 'i32');
      return supervisedLoss('cross-entropy', mlpForward(spec, ps, gather(X, ix, 0)), gather(Y, ix, 0));
    };
    const obj = minibatchObjective(lossOn, like, ds.n);
    const theta = Float64Array.from(like.flatMap((t) => Array.from(t.data)));
    const mine = perExampleGradients(obj, theta, Int32Array.from({ length: ds.n }, (_, i) => i));
    const engine = perExampleGrads((ps, i) => lossOn(ps, Int32Array.of(i)), like, ds.n);
    let maxDiff = 0;
    for (let k = 0; k < mine.length; k++) maxDiff = Math.max(maxDiff, Math.abs(mine[k] - engine[k]));
    expect(maxDiff).toBeLessThan(1e-12);
    // The batch-mean gradient is the mean of the per-example rows.
    const full = obj.gradOn(theta, Int32Array.from({ length: ds.n }, (_, i) => i));
    for (let j = 0; j < obj.dim; j += 37) {
      let m = 0;
      for (let i = 0; i < ds.n; i++) m += mine[i * obj.dim + j] / ds.n;
      expect(full[j]).toBeCloseTo(m, 12);
    }
    const direct = noiseScale(obj, theta);
    const two = twoBatchNoiseScale(obj, theta, { bSmall: 2, bBig: 16, draws: 300, rng: new Rng(9) });
    expect(direct.bSimple).toBeGreaterThan(0);
    expect(Math.abs(two.bSimple - direct.bSimple)).toBeLessThan(4 * two.bSimpleSe);
  });
});

describe('lmech noise-scale on a saved checkpoint', () => {
  it('reports the per-example B_simple of the model (same as from the MLP directly) and validates its flags', async () => {
    const { mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { saveCheckpoint, loadModelCheckpoint, loadModelDataset } = await import('../src/io/checkpoint.js');
    const { noiseScaleReport, parseNoiseScaleOptions, formatNoiseScaleReport } = await import('../src/cli/commands/noise-scale.js');
    const dir = mkdtempSync(join(tmpdir(), 'lmech-noise-'));
    try {
      const spec: MlpSpec = { widths: [3, 5, 2], activation: 'tanh' };
      const params = initMlp(spec, new Rng(1).split('init'));
      const xr = new Rng(2), n = 12;
      const x = Array.from({ length: n }, () => Array.from(xr.normals(3)));
      const y = x.map(() => Array.from(xr.normals(2)));
      saveCheckpoint(join(dir, 'm.json'), { spec, loss: 'mse', dtype: 'f64', params, names: [] });
      writeFileSync(join(dir, 'd.json'), JSON.stringify({ x, y }));
      const ck = loadModelCheckpoint(join(dir, 'm.json'));
      const data = loadModelDataset(join(dir, 'd.json'), ck);
      const o = parseNoiseScaleOptions({ draws: '400', twoBatch: '2,8', curvature: true });
      const r = noiseScaleReport(ck, data, o);
      // Independent route: the MLP's own forward pass, one example at a time.
      const X = tensor(x), Y = tensor(y);
      const one = (ps: Tensor[], i: number) => {
        const ix = tensor(Int32Array.of(i), [1], 'i32');
        return supervisedLoss('mse', mlpForward(spec, ps, gather(X, ix, 0)), gather(Y, ix, 0));
      };
      const direct = noiseScaleFromGradients(perExampleGrads(one, params, n), n, { mode: 'population' });
      expect(r.perExample.mode).toBe('population');
      expect(r.perExample.bSimple).toBeCloseTo(direct.bSimple, 10);
      expect(Math.abs(r.twoBatch.bSimple - r.perExample.bSimple)).toBeLessThan(4 * r.twoBatch.bSimpleSe);
      expect(r.curvature!.gHg).toBeGreaterThan(0);
      expect(formatNoiseScaleReport(r, { model: 'm.json', data: 'd.json' })).toMatch(/B_simple = tr Σ\/\|G\|²/);
      expect(() => noiseScaleReport(ck, data, { ...o, examples: 13 })).toThrow(/--examples: must be ≤/);
      expect(() => parseNoiseScaleOptions({ twoBatch: '8,4' })).toThrow(/--two-batch/);
      expect(() => parseNoiseScaleOptions({ draws: '1' })).toThrow(/--draws/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
