import { describe, expect, it } from 'vitest';
import { Rng } from '../src/engine/rng.js';
import { argminOver, fitOverAxis, groupBySeed, stats } from '../src/lab/aggregate.js';

describe('aggregation over seeds', () => {
  it('stats: mean, sample std (n − 1) and standard error by hand', () => {
    const s = stats([1, 2, 3, 4]);
    expect(s.mean).toBe(2.5);
    expect(s.std).toBeCloseTo(Math.sqrt(5 / 3), 14);
    expect(s.sem).toBeCloseTo(Math.sqrt(5 / 3) / 2, 14);
    expect(stats([7]).std).toBeNaN();
  });

  it('groups cells differing only in seed; diverged cells are counted, not dropped', () => {
    const g = groupBySeed([
      { coords: { w: 1, seed: 0 }, summary: { loss: 1 }, status: 'done' },
      { coords: { w: 1, seed: 1 }, summary: { loss: 3 }, status: 'done' },
      { coords: { w: 2, seed: 0 }, summary: { loss: Infinity }, status: 'diverged' },
      { coords: { w: 2, seed: 1 }, summary: { loss: 5 }, status: 'done' },
    ]);
    expect(g).toHaveLength(2);
    expect(g[0].coords).toEqual({ w: 1 });
    expect(g[0].metrics.loss).toMatchObject({ n: 2, mean: 2 });
    expect(g[1].diverged).toBe(1);
    expect(g[1].metrics.loss.n).toBe(1);
  });

  it('argmin with bootstrap interval recovers a planted optimum; a diverged value is never the optimum', () => {
    // loss(lr) = (log10 lr − log10 lr*)² + noise, lr* = 0.01 for width 64 and 0.001 for width 128.
    const rng = new Rng(3);
    const lrs = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1];
    const cells = [];
    for (const [w, best] of [[64, 1e-2], [128, 1e-3]] as const) {
      for (const lr of lrs) for (let seed = 0; seed < 8; seed++) {
        const diverged = lr === 1e-1;
        cells.push({ coords: { width: w, lr, seed }, status: diverged ? 'diverged' : 'done',
          summary: diverged ? {} : { loss: (Math.log10(lr) - Math.log10(best)) ** 2 + 0.05 * rng.normal() } });
      }
    }
    const am = argminOver(cells, 'lr', 'loss', { resamples: 400, seed: 1 });
    expect(am).toHaveLength(2);
    const [a64, a128] = am;
    expect(a64.coords).toEqual({ width: 64 });
    expect(a64.argmin).toBe(1e-2);
    expect(a128.argmin).toBe(1e-3);
    for (const a of am) {
      expect(a.lo).toBeLessThanOrEqual(a.argmin);
      expect(a.hi).toBeGreaterThanOrEqual(a.argmin);
      expect(a.hi).toBeLessThan(1e-1);
      expect(a.seeds).toBe(8);
    }
    // Noise comparable to the curvature between grid points: the interval widens to several
    // grid values and still covers the planted optimum.
    const noisy = lrs.slice(0, 6).flatMap((lr) => [0, 1, 2, 3, 4, 5].map((seed) => ({
      coords: { lr, seed }, status: 'done', summary: { loss: (Math.log10(lr) + 2.5) ** 2 + 0.6 * rng.normal() },
    })));
    const f = argminOver(noisy, 'lr', 'loss', { resamples: 400 })[0];
    const span = lrs.filter((v) => v >= f.lo && v <= f.hi).length;
    expect(span).toBeGreaterThanOrEqual(3);
    expect(f.lo).toBeLessThanOrEqual(3e-3);
    expect(f.hi).toBeGreaterThanOrEqual(3e-3);
  });

  it('fits over an axis: a planted power law per group, diverged points left out', () => {
    // y = c·n^{−1/2} with c = 1 (width 64 group) and c = 3 (other group), seeds with ±1% noise.
    const cells = [];
    for (const [depth, c] of [[2, 1], [4, 3]] as const) for (const n of [16, 64, 256, 1024]) for (const seed of [0, 1]) {
      const diverged = depth === 4 && n === 1024;
      cells.push({ coords: { depth, n, seed }, status: diverged ? 'diverged' : 'done', summary: diverged ? {} : { dev: c * n ** -0.5 * (1 + 0.01 * (seed ? 1 : -1)) } });
    }
    const [d2, d4] = fitOverAxis(cells, 'n', 'dev', 'loglog');
    expect(d2.coords).toEqual({ depth: 2 });
    expect(d2.slope).toBeCloseTo(-0.5, 12);
    expect(Math.exp(d2.intercept)).toBeCloseTo(1, 12);
    expect(d4.x).toEqual([16, 64, 256]);
    expect(d4.slope).toBeCloseTo(-0.5, 12);
    expect(Math.exp(d4.intercept)).toBeCloseTo(3, 12);
    const lin = fitOverAxis([0, 1, 2].map((x) => ({ coords: { x }, status: 'done', summary: { y: 2 * x + 1 } })), 'x', 'y');
    expect(lin[0]).toMatchObject({ slope: 2, intercept: 1 });
  });
});
