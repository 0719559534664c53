/**
 * depth-transfer (science-notes §A4): the planted linear-residual identity against Monte Carlo,
 * the LR rule against hand values and against depthParameterize, the one-layer residual branch
 * against a hand-written forward pass, and the quick config and variants reaching their verdicts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { useWasm } from '../src/engine/backend/index.js';
import { Rng } from '../src/engine/rng.js';
import { tensor } from '../src/engine/tensor.js';
import { residualMlp } from '../src/models/residual-mlp.js';
import { depthParameterize } from '../src/nn/parameterization.js';
import { depthLrExponent, depthLrFactor, linearResidualGrowth, predictedDepthExponents } from '../src/theory/depth-scaling.js';
import { runExperiment } from '../src/experiments/runner.js';
import { depthTransferExperiment as exp, depthTransferSchema } from '../src/experiments/depth-transfer.js';

beforeAll(async () => { await useWasm(); });

describe('linear residual net: E‖x_L‖²/‖x₀‖² = (1 + σ²L^{−2α})^L', () => {
  /** Monte Carlo over R independent nets x ← x + L^{−α} W_l x, W_l ~ N(0, σ²/n): mean and SE of the ratio. */
  function monteCarlo(L: number, alpha: number, sigma2: number, n: number, R: number, rng: Rng): { mean: number; se: number } {
    const m = L ** -alpha, sd = Math.sqrt(sigma2 / n);
    const ratios: number[] = [];
    for (let r = 0; r < R; r++) {
      const z = rng.split(`net${r}`).normals(n + L * n * n, 1);
      let x = Float64Array.from(z.slice(0, n));
      const x0 = x.reduce((a, v) => a + v * v, 0);
      for (let l = 0; l < L; l++) {
        const off = n + l * n * n;
        const y = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          let s = 0;
          for (let j = 0; j < n; j++) s += sd * z[off + i * n + j] * x[j];
          y[i] = x[i] + m * s;
        }
        x = y;
      }
      ratios.push(x.reduce((a, v) => a + v * v, 0) / x0);
    }
    const mean = ratios.reduce((a, b) => a + b, 0) / R;
    const sdR = Math.sqrt(ratios.reduce((a, v) => a + (v - mean) ** 2, 0) / (R - 1));
    return { mean, se: sdR / Math.sqrt(R) };
  }

  const rng = new Rng(11);
  for (const alpha of [0, 0.5, 1]) {
    for (const L of [1, 4, 16]) {
      it(`α = ${alpha}, L = ${L}: Monte Carlo within 3 SE`, () => {
        const sigma2 = 1, n = 16;
        const mc = monteCarlo(L, alpha, sigma2, n, 3000, rng.split(`a${alpha}L${L}`));
        const th = linearResidualGrowth(L, alpha, sigma2);
        expect(Math.abs(mc.mean - th)).toBeLessThan(3 * mc.se);
      });
    }
  }

  it('limits: e^{σ²} for α = ½, 1 for α = 1, (1 + σ²)^L for α = 0', () => {
    expect(linearResidualGrowth(10_000_000, 0.5, 0.7)).toBeCloseTo(Math.exp(0.7), 6);
    expect(linearResidualGrowth(10_000_000, 1, 0.7)).toBeCloseTo(1, 6);
    expect(linearResidualGrowth(10, 0, 0.5)).toBeCloseTo(1.5 ** 10, 9);
    expect(linearResidualGrowth(0, 0.5, 3)).toBe(1);
  });

  it('bad input names the field and its range', () => {
    expect(() => linearResidualGrowth(4, 3, 1)).toThrow(/linearResidualGrowth\.alpha: must be in \[0, 2\]/);
    expect(() => linearResidualGrowth(2.5, 0.5, 1)).toThrow(/linearResidualGrowth\.depth/);
    expect(() => linearResidualGrowth(2, 0.5, -1)).toThrow(/linearResidualGrowth\.sigma2/);
    expect(() => depthLrExponent(0.5, 'lion' as never)).toThrow(/depthLrExponent\.optimizer/);
  });
});

describe('LR rule: branch LR ∝ L^{2α−1} (SGD), L^{α−1} (Adam)', () => {
  it('exponents by hand: Depth-μP SGD 0 / Adam −½, CompleteP SGD 1 / Adam 0', () => {
    expect(depthLrExponent(0.5, 'sgd')).toBe(0);
    expect(depthLrExponent(0.5, 'adam')).toBe(-0.5);
    expect(depthLrExponent(1, 'sgd')).toBe(1);
    expect(depthLrExponent(1, 'adam')).toBe(0);
    expect(depthLrFactor(16, 1, 'sgd')).toBe(16);
    expect(depthLrFactor(16, 0.5, 'adam')).toBeCloseTo(0.25, 15);
  });

  it('predicted depth exponents: 0 under the rule; +1 update, −1 optimum and edge without scaling', () => {
    for (const a of [0.5, 1]) for (const opt of ['sgd', 'adam'] as const) expect(predictedDepthExponents(a, true, opt)).toEqual({ update: 0, optimalLr: 0, stabilityEdge: 0 });
    expect(predictedDepthExponents(0, false)).toEqual({ update: 1, optimalLr: -1, stabilityEdge: -1 });
    // Multiplier without the rule: α = 1 under SGD leaves Δx_L ∝ 1/L.
    expect(predictedDepthExponents(1, false).update).toBe(-1);
  });

  it('depthParameterize applies the same factor to the branch parameters only', () => {
    const net = residualMlp({ width: 8, depth: 16, inDim: 3, outDim: 2, branchMultiplier: 'invDepth', branchLayers: 1 });
    const info = depthParameterize(net.info, { depth: 16, baseDepth: 1, alpha: 1, optimizer: 'sgd' });
    for (let i = 0; i < info.length; i++) {
      const factor = info[i].lrScale / net.info[i].lrScale;
      expect(factor).toBe(info[i].name.startsWith('blocks.') ? depthLrFactor(16, 1, 'sgd') : 1);
    }
  });
});

describe('residual MLP with one-layer branches', () => {
  it('x_{l+1} = x_l + m·(W relu(x_l) + b) matches a hand-written forward pass (no norm)', () => {
    const L = 3, n = 4, d = 3, k = 2, m = 1 / Math.sqrt(L);
    const net = residualMlp({ width: n, depth: L, inDim: d, outDim: k, branchMultiplier: 'invSqrtDepth', branchLayers: 1, norm: 'none' });
    expect(net.info.map((p) => p.name)).toEqual(['in.W', 'in.b', ...Array.from({ length: L }, (_, l) => [`blocks.${l}.down.W`, `blocks.${l}.down.b`]).flat(), 'out.W', 'out.b']);
    const rng = new Rng(3);
    // Random (nonzero) biases too, so every term of the hand formula is exercised.
    const params = net.init(rng.split('init')).map((p, i) => tensor(Float64Array.from(p.data, (v, j) => v + 0.1 * Math.sin(7 * i + j)), p.shape));
    const x = Float64Array.from(rng.split('x').normals(2 * d, 1));
    const affine = (W: ArrayLike<number>, b: ArrayLike<number>, h: number[], out: number) => Array.from({ length: out }, (_, i) => b[i] + h.reduce((a, v, j) => a + W[i * h.length + j] * v, 0));
    const y = net.apply(params, tensor(x, [2, d]));
    for (let r = 0; r < 2; r++) {
      let h = affine(params[0].data, params[1].data, Array.from(x.subarray(r * d, (r + 1) * d)), n);
      for (let l = 0; l < L; l++) {
        const z = affine(params[2 + 2 * l].data, params[3 + 2 * l].data, h.map((v) => Math.max(v, 0)), n);
        h = h.map((v, i) => v + m * z[i]);
      }
      const f = affine(params[2 + 2 * L].data, params[3 + 2 * L].data, h, k);
      for (let i = 0; i < k; i++) expect(y.data[r * k + i]).toBeCloseTo(f[i], 12);
    }
  });

  it('rejects branchLayers outside {1, 2}', () => {
    expect(() => residualMlp({ width: 4, depth: 2, inDim: 3, outDim: 2, branchLayers: 3 as never })).toThrow(/branchLayers: must be 1 or 2/);
  });
});

describe('depth-transfer experiment', () => {
  it('schema: bad input names the field and its range', () => {
    expect(() => depthTransferSchema.parse({ depths: [4] })).toThrow();
    expect(() => depthTransferSchema.parse({ scalings: ['muP'] })).toThrow();
    expect(depthTransferSchema.parse({}).scalings).toEqual(['none', 'invSqrtDepth', 'invDepth']);
  });

  it('prediction states the theory each scaling tests', () => {
    const p = exp.predict(depthTransferSchema.parse({}));
    expect(p.scalings.map((s) => [s.scaling, s.alpha, s.optimalLr, s.update])).toEqual([['none', 0, -1, 1], ['invSqrtDepth', 0.5, 0, 0], ['invDepth', 1, 0, 0]]);
    expect(p.scalings[1].theory).toMatch(/Depth-μP/);
    expect(p.scalings[2].theory).toMatch(/CompleteP/);
  });

  it('quick config (Depth-μP against no scaling) is confirmed', async () => {
    const out = await runExperiment(exp, { ...exp.quick });
    const byName = (re: RegExp) => out.record.checks.find((c) => re.test(c.name))!;
    expect(out.record.verdict).toBe('confirmed');
    expect(Math.abs(byName(/Depth-μP.*optimal LR/).measured as number)).toBeLessThan(0.25);
    expect(byName(/no depth scaling.*optimal LR drifts/).measured as number).toBeLessThan(-0.25);
    expect(byName(/no depth scaling.*one-step/).measured as number).toBeGreaterThan(0.5);
  }, 120_000);

  for (const v of exp.variants!) {
    it(`variant "${v.label}" → ${v.expect}`, async () => {
      const out = await runExperiment(exp, { ...v.config });
      expect(out.record.verdict).toBe(v.expect);
    }, 120_000);
  }
});
