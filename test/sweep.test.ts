import { describe, expect, it } from 'vitest';
import { getExperiment } from '../src/experiments/registry.js';
import { canonicalJson, expandGenerator, expandSweep, parseAxis, parseSeeds } from '../src/lab/sweep.js';
import { cellHash, sweepId } from '../src/lab/identity.js';
import { specFromFile } from '../src/lab/sweep-file.js';

const qs = getExperiment('quadratic-stability');
const dln = getExperiment('dln');

describe('sweep axes', () => {
  it('generators match numpy.logspace / linspace and Python range', () => {
    // numpy.logspace(-4, -1, 4) = [1e-4, 1e-3, 1e-2, 1e-1]; linspace(0.1, 1, 10) steps by 0.1.
    expect(expandGenerator('logspace(-4,-1,4)')).toEqual([1e-4, 1e-3, 1e-2, 1e-1]);
    expect(expandGenerator('linspace(0.1,1,10)')).toEqual([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]);
    expect(expandGenerator('range(64,513,64)')).toEqual([64, 128, 192, 256, 320, 384, 448, 512]);
    expect(expandGenerator('range(5,0,-2)')).toEqual([5, 3, 1]);
    expect(expandGenerator('logspace(0,2,3)')).toEqual([1, 10, 100]);
    expect(expandGenerator('64,128')).toBeNull();
    // Equal ratios on a log axis: consecutive quotients all 10^(3/12).
    const lr = expandGenerator('logspace(-4,-1,13)')!;
    for (let i = 1; i < lr.length; i++) expect(lr[i] / lr[i - 1]).toBeCloseTo(10 ** 0.25, 10);
  });

  it('lists, arrays and zipped axes are coerced by the schema', () => {
    expect(parseAxis(qs, 'dim=20,40')).toEqual({ fields: ['dim'], points: [[20], [40]] });
    expect(parseAxis(qs, 'lambda-max=logspace(0,1,2)')).toEqual({ fields: ['lambdaMax'], points: [[1], [10]] });
    expect(parseAxis(qs, 'lr-factors=[0.5,0.9];[1.1]')).toEqual({ fields: ['lrFactors'], points: [[[0.5, 0.9]], [[1.1]]] });
    expect(parseAxis(qs, 'dim+steps=20:100,40:200')).toEqual({ fields: ['dim', 'steps'], points: [[20, 100], [40, 200]] });
  });

  it('bad axes name the flag and say what is allowed', () => {
    expect(() => parseAxis(qs, 'width=1,2')).toThrow(/--axis width: quadratic-stability has no option --width; allowed: .*--dim/);
    expect(() => parseAxis(qs, 'dim')).toThrow(/--axis: expected name=values/);
    expect(() => parseAxis(qs, 'dim=a,b')).toThrow(/--axis dim: "a" is not a number/);
    expect(() => parseAxis(qs, 'dim+steps=20,40')).toThrow(/must give 2 values separated by ':'/);
    expect(() => parseAxis(qs, 'dim=logspace(1,2)')).toThrow(/expected 3 numbers/);
    expect(() => parseAxis(qs, 'dim=linspace(1,2,0)')).toThrow(/number of points must be an integer from 1/);
    expect(() => parseSeeds('0')).toThrow(/--seeds: the count must be from 1/);
    expect(() => parseSeeds('1,1')).toThrow(/repeated seed/);
    expect(parseSeeds('3')).toEqual([0, 1, 2]);
    expect(parseSeeds('0,5,9')).toEqual([0, 5, 9]);
  });

  it('expansion: product of axes (first outermost), seeds innermost; every config validated', () => {
    const cells = expandSweep(qs, {
      experiment: qs.name, fixed: { steps: 50 }, axes: [parseAxis(qs, 'dim=20,40,60'), parseAxis(qs, 'lambda-max=2,4')], seeds: [0, 1],
    });
    expect(cells).toHaveLength(12);
    expect(cells.map((c) => [c.coords.dim, c.coords.lambdaMax, c.coords.seed]).slice(0, 5)).toEqual([[20, 2, 0], [20, 2, 1], [20, 4, 0], [20, 4, 1], [40, 2, 0]]);
    expect(cells[11].config).toMatchObject({ dim: 60, lambdaMax: 4, seed: 1, steps: 50, lambdaMin: 0.1 });
    expect(() => expandSweep(qs, { experiment: qs.name, fixed: {}, axes: [parseAxis(qs, 'dim=1')], seeds: [] })).toThrow(/--dim: must be ≥ 2/);
    expect(() => expandSweep(qs, { experiment: qs.name, fixed: {}, axes: [parseAxis(qs, 'dim=20'), parseAxis(qs, 'dim=40')], seeds: [] })).toThrow(/--dim is set by two axes/);
  });

  it('identity: the same resolved config hashes equally whatever the key order; any change changes it', () => {
    const a = expandSweep(qs, { experiment: qs.name, fixed: { steps: 50, dim: 20 }, axes: [], seeds: [0] })[0].config;
    const b = expandSweep(qs, { experiment: qs.name, fixed: { dim: 20, steps: 50 }, axes: [], seeds: [0] })[0].config;
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(cellHash(qs.name, a)).toBe(cellHash(qs.name, b));
    expect(cellHash(qs.name, a)).toMatch(/^[0-9a-f]{64}$/);
    expect(cellHash(qs.name, { ...a, seed: 1 })).not.toBe(cellHash(qs.name, a));
    expect(cellHash(qs.name, a, '9.9.9')).not.toBe(cellHash(qs.name, a));
    expect(cellHash(dln.name, a)).not.toBe(cellHash(qs.name, a));
    expect(sweepId({ x: 1, y: [1, 2] })).toBe(sweepId({ y: [1, 2], x: 1 }));
  });

  it('a sweep file gives the same spec as the command line', () => {
    const fromFile = specFromFile(qs, { experiment: qs.name, fixed: { steps: 50 }, axes: ['dim=20,40', { 'lambda-max': [2, 4], steps: [10, 20] }], seeds: 2 });
    expect(fromFile).toEqual({
      experiment: qs.name, fixed: { steps: 50 },
      axes: [{ fields: ['dim'], points: [[20], [40]] }, { fields: ['lambdaMax', 'steps'], points: [[2, 10], [4, 20]] }], seeds: [0, 1],
    });
    expect(() => specFromFile(qs, { experiment: qs.name, axes: [{ dim: [20, 40], steps: [1] }] })).toThrow(/equal length/);
  });
});

describe('run summaries (metrics for families of runs)', () => {
  it('quadratic-stability reports the planted sharpness and counts the diverging learning rates', async () => {
    const { runCell } = await import('../src/lab/cell.js');
    const out = await runCell({ experiment: 'quadratic-stability', config: { dim: 10, steps: 300, lrFactors: [0.95, 1.5], lambdaMax: 3 } });
    expect(out.record.verdict).toBe('confirmed');
    expect(out.summary.sharpness).toBeCloseTo(3, 8);
    expect(out.summary.sharpnessPower).toBeCloseTo(3, 6);
    expect(out.summary.diverged).toBe(1);
    expect(out.summary.maxCurveDeviation).toBeLessThan(1e-6);
  });
});
