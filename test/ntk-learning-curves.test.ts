/**
 * ntk-learning-curves as a grid: a spectrum cell, (draw, n) KRR cells and (draw, n) network cells,
 * each with its own random stream, so the order cells run in cannot change a number; a KRR cell
 * is checked against KRR written out by hand with the documented streams.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/engine/rng.js';
import { runExperiment, runGridCell, type CellExecutor, type CellResult } from '../src/experiments/runner.js';
import { ntkLearningCurvesExperiment as exp, ntkLearningCurvesSchema, type NtkLearningCurvesResult } from '../src/experiments/ntk-learning-curves.js';
import { sampleSphere, zonalHarmonic } from '../src/data/sphere.js';
import { analyticKernel } from '../src/theory/kernels.js';
import { krrSolve } from '../src/theory/kernel-regression.js';

const reversedCells: CellExecutor = async (e, config, keys, { signal }) => {
  const p = e.predict(config);
  const out: (CellResult | null)[] = keys.map(() => null);
  for (let i = keys.length - 1; i >= 0; i--) out[i] = await runGridCell(e, config, keys[i], p, signal);
  return out;
};

const small = { dim: 8, depth: 2, degrees: [1, 2], ns: [10, 20, 40], draws: 3, testPoints: 100, spectrumSample: 120, network: true, networkWidth: 64, networkNs: [10], networkDraws: 2, networkSteps: 300 };

describe('ntk-learning-curves as a grid of cells', () => {
  it('cells: spectrum, draws × ns, network draws × networkNs; reversed order gives the same record and series', async () => {
    const config = ntkLearningCurvesSchema.parse(small);
    const keys = exp.grid!.cells(config, exp.predict(config));
    expect(keys.map((k: { kind: string }) => k.kind)).toEqual(['spectrum', ...Array(9).fill('krr'), 'network', 'network']);
    const a = await runExperiment(exp, small);
    const b = await runExperiment(exp, small, { cells: reversedCells });
    expect(b.record.checks).toEqual(a.record.checks);
    expect([...b.series]).toEqual([...a.series]);
    // The closed-form spectrum opens its series, the kernel-matrix block means follow.
    const methods = a.series.get('spectrum')!.map((r) => r.method);
    expect(methods[0]).toBe('Funk–Hecke');
    expect(methods.lastIndexOf('Funk–Hecke')).toBeLessThan(methods.findIndex((m) => m !== 'Funk–Hecke'));
    expect(a.series.get('network')!.map((r) => r.draw)).toEqual([0, 0, 1, 1]);
  }, 60_000);

  it('a KRR cell is KRR on the stream seed → draw t → n', async () => {
    const config = ntkLearningCurvesSchema.parse(small);
    const cell = await runGridCell(exp, config, { kind: 'krr', draw: 2, j: 1, n: 20 }, exp.predict(config), new AbortController().signal);
    const r = new Rng(config.seed).split('draw2').split('n20');
    const X = sampleSphere(20, 8, r.split('train')), Xt = sampleSphere(100, 8, r.split('test'));
    const u = Array.from({ length: 8 }, () => r.normal());
    const spec = { activation: 'relu' as const, depth: 2, sigmaW2: 2, sigmaB2: 0.1, parameterization: 'ntk' as const };
    const f = zonalHarmonic(X, 1, u), ft = zonalHarmonic(Xt, 1, u);
    const alpha = krrSolve(analyticKernel(spec, X).ntk, { rows: 20, cols: 1, data: Float64Array.from(f) }, 0);
    const Ks = analyticKernel(spec, Xt, X).ntk;
    let mse = 0;
    for (let i = 0; i < 100; i++) { let g = 0; for (let a = 0; a < 20; a++) g += Ks.data[i * 20 + a] * alpha.data[a]; mse += (g - ft[i]) ** 2; }
    expect((cell.result as { mse: number[] }).mse[0]).toBeCloseTo(mse / 100, 10);
  });

  it('a KRR cell not run leaves the run interrupted and skips route (b)', async () => {
    const dropOne: CellExecutor = async (e, config, keys, opts) => {
      const out = await reversedCells(e, config, keys, opts);
      out[3] = null;
      return out;
    };
    const out = await runExperiment(exp, small, { cells: dropOne });
    expect(out.record.status).toBe('interrupted');
    const r = out.result as NtkLearningCurvesResult;
    expect(r.interrupted).toBe(true);
    expect(r.network).toBeUndefined();
  }, 60_000);
});
