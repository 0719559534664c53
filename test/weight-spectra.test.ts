/**
 * Experiment `weight-spectra`: the quick configuration reaches its verdict (MP at init, α decreases
 * after large-η/B SGD), the narrow variant is out of regime, and `compare` turns planted results
 * into the right verdicts (a decrease confirms, an increase falsifies, failed training is out of regime).
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { useWasm } from '../src/engine/backend/index.js';
import { runExperiment } from '../src/experiments/runner.js';
import {
  weightSpectraExperiment as exp, weightSpectraSchema, summarize, type LayerFit, type WeightSpectraCellResult, type WeightSpectraResult,
} from '../src/experiments/weight-spectra.js';

beforeAll(async () => { await useWasm(); });

/** A planted layer fit: only the fields compare reads matter. */
function fit(layer: string, alpha: number, extra: Partial<LayerFit> = {}): LayerFit {
  return {
    layer, shape: [256, 256], M: 256, Q: 1, inRegime: true, alpha, alphaLo: alpha - 0.5, alphaHi: alpha + 0.5, sigma: 0.2, nTail: 80, xmin: 0.02,
    tailKs: 0.05, tailKsP: 0.5, aboveEdge: 0, flags: ['inside-mp-edge'], heavyTail: false, lrExponential: '', lrLognormal: '',
    sigma2: 0.008, lambdaPlus: 0.032, edge: 0.033, lambdaMax: 0.031, outliers: 0, mpKs: 0.01, mpKsP: 0.5, ...extra,
  };
}

function planted(deltas: number[], opts: { finalLoss?: number; initP?: number } = {}): WeightSpectraResult {
  const cells: WeightSpectraCellResult[] = [];
  deltas.forEach((d, seed) => {
    const base = { seed, status: 'completed' as const, initialLoss: 3, trainAccuracy: 1 };
    cells.push({ ...base, regime: 'init', finalLoss: 3, layers: [fit('layer2.W', 3, { mpKsP: opts.initP ?? 0.5 }), fit('layer3.W', 3.1)] });
    cells.push({ ...base, regime: 'small', finalLoss: 0.2, layers: [fit('layer2.W', 3), fit('layer3.W', 3.1)] });
    cells.push({ ...base, regime: 'large', finalLoss: opts.finalLoss ?? 0.3, layers: [fit('layer2.W', 3 + d, { outliers: 8 }), fit('layer3.W', 3.1 + d + 0.05 * seed, { outliers: 6 })] });
  });
  return { cells, interrupted: false };
}

describe('weight-spectra compare', () => {
  const c = weightSpectraSchema.parse({});
  const p = exp.predict(c);

  test('a decrease of α confirms; MP at init confirmed; the interval is over (seed, layer) pairs', () => {
    const r = planted([-0.5, -0.6, -0.4]);
    const s = summarize(r);
    expect(s.pairs.length).toBe(6);
    expect(s.deltaLarge.mean).toBeCloseTo((-0.5 - 0.6 - 0.4) / 3 + 0.05 * (0 + 1 + 2) / 6, 12);
    const v = exp.compare(c, r, p);
    expect(v.checks.map((k) => k.verdict)).toEqual(['confirmed', 'confirmed', 'confirmed']);
  });

  test('an increase of α falsifies the direction; a small init p-value falsifies MP at init', () => {
    const v = exp.compare(c, planted([0.5, 0.6, 0.4], { initP: 0.001 }), p);
    expect(v.checks[0].verdict).toBe('falsified'); // 0.001 < 0.05/6
    expect(v.checks[2].verdict).toBe('falsified');
  });

  test('training that did not lower the loss is out of regime, not falsified', () => {
    const v = exp.compare(c, planted([0.5, 0.6, 0.4], { finalLoss: 2.9 }), p);
    expect(v.checks[2].verdict).toBe('out-of-regime');
    expect(v.regime.find((q) => q.name.startsWith('large'))!.ok).toBe(false);
  });
});

describe('weight-spectra runs', () => {
  test('quick configuration: MP at init, no tail at init, α decreases under large η/B', async () => {
    const out = await runExperiment(exp, { ...exp.quick });
    const rec = out.record;
    expect(rec.checks.map((k) => k.verdict), JSON.stringify(rec.checks.map((k) => [k.name, k.measured, k.note]))).toEqual(['confirmed', 'confirmed', 'confirmed']);
    expect(rec.verdict).toBe('confirmed');
    const fits = out.series.get('fits')!;
    // W1 (49 eigenvalues) is reported but out of the tail regime; the n×n layers are in it.
    expect(fits.some((f) => f.layer === 'layer1.W' && f.inRegime === 'no')).toBe(true);
    // After large-η/B training every in-regime layer has spikes beyond the Tracy–Widom edge; at init none.
    const big = fits.filter((f) => f.regime === 'large' && f.inRegime === 'yes');
    expect(big.every((f) => (f.outliers as number) > 0)).toBe(true);
    expect(fits.filter((f) => f.regime === 'init' && f.inRegime === 'yes').every((f) => f.outliers === 0)).toBe(true);
    expect(out.series.get('density')!.some((row) => row.kind === 'theory')).toBe(true);
    // Every plot reads a recorded series with numeric x and y (positive on log axes).
    for (const p of exp.plots!(weightSpectraSchema.parse(exp.quick))) {
      const rows = out.series.get(p.series)!;
      expect(rows.length, p.title).toBeGreaterThan(0);
      for (const row of rows) {
        expect(typeof row[p.x], `${p.title}: ${p.x}`).toBe('number');
        if (p.xType === 'log') expect(row[p.x] as number).toBeGreaterThan(0);
        if (p.yType === 'log') expect(row[p.y] as number).toBeGreaterThan(0);
      }
    }
  }, 120_000);

  test('narrow variant is out of regime', async () => {
    const v = exp.variants!.find((x) => x.label.startsWith('narrow'))!;
    const out = await runExperiment(exp, { ...exp.quick, ...v.config });
    expect(out.record.verdict).toBe(v.expect);
  }, 60_000);
});
