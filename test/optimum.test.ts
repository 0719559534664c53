/**
 * The sweep optimum (src/lab/optimum.ts) against planted loss curves: exact recovery of an
 * off-grid vertex, the bracketing rules, and the coverage of the seed-bootstrap interval.
 */
import { describe, expect, test } from 'vitest';
import { Rng } from '../src/engine/rng.js';
import { sweepOptimum, threePointVertex } from '../src/lab/optimum.js';

const grid = (lo: number, hi: number, n: number) => Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / (n - 1));

describe('sweepOptimum', () => {
  test('three-point vertex of an exact parabola, unequal spacing', () => {
    const f = (x: number) => 2 * (x - 0.37) ** 2 + 1;
    expect(threePointVertex(-1, f(-1), 0.2, f(0.2), 1.5, f(1.5))).toBeCloseTo(0.37, 12);
  });

  test('recovers an off-grid optimum exactly when ln L is a parabola in log2 η', () => {
    const xs = grid(-10, 2, 13); // log2 η
    const truth = -4.3;
    const L = (x: number) => 0.5 * Math.exp(0.2 * (x - truth) ** 2);
    const o = sweepOptimum(xs, [xs.map(L), xs.map(L)]);
    expect(o.bracketed).toBe(true);
    expect(o.x).toBeCloseTo(truth, 10);
    expect(o.lo).toBeCloseTo(truth, 10);
    expect(o.hi).toBeCloseTo(truth, 10);
    expect(o.min).toBeCloseTo(L(-4), 12);
  });

  test('grid-edge and diverged neighbours are reported unbracketed, diverged cells never optimal', () => {
    const xs = [0, 1, 2, 3];
    expect(sweepOptimum(xs, [[1, 2, 3, 4]]).bracketed).toBe(false);
    const o = sweepOptimum(xs, [[3, 2, 1, NaN]]);
    expect(o.bracketed).toBe(false);
    expect(o.x).toBe(2);
    const d = sweepOptimum(xs, [[3, 2, 1, 0.5], [3, 2, 1, Infinity]]);
    expect(d.index).toBe(2); // the mean at x = 3 is +∞ once one seed diverged there
  });

  test('bad input names the argument', () => {
    expect(() => sweepOptimum([0, 0], [[1, 1]])).toThrow(/strictly increasing/);
    expect(() => sweepOptimum([0, 1], [[1]])).toThrow(/losses\[0\] has 1 values, expected 2/);
  });

  test('the 95 % seed-bootstrap interval covers a planted optimum at roughly its level', () => {
    // Per-seed curves: ln L_s(x) = a (x − x*)² + c + ε_s(x), ε ~ N(0, 0.05²) independent per point.
    // Bootstrap percentile intervals from 8 seeds undercover somewhat (small-sample bias);
    // we require ≥ 80 % coverage over 200 planted sweeps and a median width that shrinks with seeds.
    const xs = grid(-8, 0, 9);
    const rng = new Rng(11);
    const truth = -3.6;
    const draw = (seeds: number) => Array.from({ length: seeds }, () => xs.map((x) => Math.exp(0.3 * (x - truth) ** 2 + 0.05 * rng.normal())));
    let covered = 0;
    const widths8: number[] = [], widths32: number[] = [];
    for (let t = 0; t < 200; t++) {
      const o = sweepOptimum(xs, draw(8), { resamples: 200, seed: t });
      if (o.lo <= truth && truth <= o.hi) covered++;
      widths8.push(o.hi - o.lo);
      if (t < 40) { const o32 = sweepOptimum(xs, draw(32), { resamples: 200, seed: t }); widths32.push(o32.hi - o32.lo); }
    }
    expect(covered / 200).toBeGreaterThanOrEqual(0.8);
    const med = (a: number[]) => a.sort((p, q) => p - q)[a.length >> 1];
    expect(med(widths32)).toBeLessThan(0.7 * med(widths8)); // ∝ 1/√seeds: expected ratio 0.5
  });
});
