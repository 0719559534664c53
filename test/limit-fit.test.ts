import { describe, expect, it } from 'vitest';
import { Rng } from '../src/engine/rng.js';
import * as libm from '../src/engine/libm.js';
import { fitLimit, limitReached, normalQuantile, studentQuantile } from '../src/lab/limit-fit.js';

const hs = Array.from({ length: 8 }, (_, k) => libm.pow(2, -(k + 1)));

describe('quantiles', () => {
  it('normal and Student-t two-sided quantiles', () => {
    expect(normalQuantile(0.95)).toBeCloseTo(1.959963984540054, 9);
    expect(normalQuantile(0.6826894921370859)).toBeCloseTo(1, 9);
    expect(studentQuantile(0.95, 5)).toBeCloseTo(2.5706, 2);
    expect(studentQuantile(0.95, 10)).toBeCloseTo(2.2281, 3);
    expect(studentQuantile(0.95, 30)).toBeCloseTo(2.0423, 4);
    expect(() => normalQuantile(1)).toThrow(/level/);
  });
});

describe('fitLimit on planted convergent sequences', () => {
  it('recovers limit, amplitude and rate exactly without noise', () => {
    const y = hs.map((h) => 2 + 3 * libm.pow(h, 1.5));
    const f = fitLimit(hs, y);
    expect(f.rate).toBeCloseTo(1.5, 6);
    expect(f.limit).toBeCloseTo(2, 8);
    expect(f.amplitude).toBeCloseTo(3, 6);
    expect(f.gapAtFinest).toBeCloseTo(3 * libm.pow(hs[7], 1.5), 6);
    expect(limitReached(f, 1e-3)).toBe(true);
    expect(limitReached(f, 1e-4)).toBe(false);
    const k = fitLimit(hs, hs.map((h) => 1 - 0.5 * h), { limit: 1 });
    expect(k.rate).toBeCloseTo(1, 12);
    expect(k.amplitude).toBeCloseTo(-0.5, 12);
  });

  it('intervals cover the planted rate and limit at about their level (known σ, unknown σ, known limit)', () => {
    const rng = new Rng(11);
    const R = 300, sigma = 0.003;
    let covP = 0, covY = 0, covPt = 0, covK = 0;
    for (let r = 0; r < R; r++) {
      const noise = rng.normals(hs.length, sigma);
      const y = hs.map((h, i) => 2 + 3 * libm.pow(h, 1.5) + noise[i]);
      const f = fitLimit(hs, y, { sigmas: hs.map(() => sigma) });
      if (f.rateInterval[0] <= 1.5 && 1.5 <= f.rateInterval[1]) covP++;
      if (f.limitInterval[0] <= 2 && 2 <= f.limitInterval[1]) covY++;
      const t = fitLimit(hs, y);
      if (t.rateInterval[0] <= 1.5 && 1.5 <= t.rateInterval[1]) covPt++;
      // known limit, multiplicative noise (log-normal scatter of the gap)
      const yk = hs.map((h) => 5 - 0.7 * libm.pow(h, 0.5) * libm.exp(0.05 * rng.normal()));
      const k = fitLimit(hs, yk, { limit: 5 });
      if (k.rateInterval[0] <= 0.5 && 0.5 <= k.rateInterval[1]) covK++;
    }
    // binomial(300, 0.95): SE 1.3 %, so [0.9, 0.99] is > 3.5 SE wide on each side
    for (const c of [covP, covPt, covK]) { expect(c / R).toBeGreaterThan(0.9); expect(c / R).toBeLessThan(0.99); }
    expect(covY / R).toBeGreaterThan(0.9); // union over the rate interval: conservative
  });

  it('rejects bad input with the field named', () => {
    expect(() => fitLimit([1, 0.5, 0], [1, 2, 3, 4])).toThrow(/y:/);
    expect(() => fitLimit([1, 0.5, 0, 0.1], [1, 2, 3, 4])).toThrow(/h > 0/);
    expect(() => fitLimit([1, 0.5, 0.25], [1, 2, 3])).toThrow(/at least 4/);
    expect(() => fitLimit(hs, hs, { rateRange: [2, 1] })).toThrow(/rateRange/);
  });
});
