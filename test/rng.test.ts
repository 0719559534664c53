import { describe, expect, it } from 'vitest';
import { Rng } from '../src/engine/rng.js';

describe('Rng', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const a = new Rng(42), b = new Rng(42), c = new Rng(43);
    const xa = Array.from({ length: 5 }, () => a.uniform());
    expect(Array.from({ length: 5 }, () => b.uniform())).toEqual(xa);
    expect(Array.from({ length: 5 }, () => c.uniform())).not.toEqual(xa);
  });

  it('split streams do not depend on how much the parent drew', () => {
    const a = new Rng(1), b = new Rng(1);
    b.normals(100);
    expect(a.split('init').normals(3)).toEqual(b.split('init').normals(3));
    expect(a.split('init').uniform()).not.toEqual(a.split('data').uniform());
  });

  it('normal draws have the right moments and uniforms the right range', () => {
    const r = new Rng(5);
    const n = 200_000;
    let s = 0, s2 = 0, s4 = 0;
    for (let i = 0; i < n; i++) { const x = r.normal(); s += x; s2 += x * x; s4 += x ** 4; }
    expect(Math.abs(s / n)).toBeLessThan(5 * Math.sqrt(1 / n));
    expect(Math.abs(s2 / n - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    expect(Math.abs(s4 / n - 3)).toBeLessThan(5 * Math.sqrt(96 / n));
    let lo = 1, hi = 0, rad = 0;
    for (let i = 0; i < 10_000; i++) { const u = r.uniform(); lo = Math.min(lo, u); hi = Math.max(hi, u); rad += r.rademacher(); }
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(1);
    expect(Math.abs(rad)).toBeLessThan(500);
    const p = Array.from(r.permutation(50)).sort((x, y) => x - y);
    expect(p).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('rejects a non-finite seed', () => {
    expect(() => new Rng(NaN)).toThrow(/seed/);
  });
});
