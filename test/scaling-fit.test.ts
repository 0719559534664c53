import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as libm from '../src/engine/libm.js';
import { Rng } from '../src/engine/rng.js';
import { lbfgs } from '../src/training/lbfgs.js';
import {
  computeOptimal, computeOptimalWithIntervals, fitScalingLaw, predictWithIntervals, scalingLoss, type ScalingParams, type ScalingRow,
} from '../src/observables/scaling-fit.js';
import { fitScalingCommand, formatFitScaling, parseScalingCsv } from '../src/cli/commands/fit-scaling.js';
import { ConfigError } from '../src/experiments/config.js';
import { exitCodeOf } from '../src/cli/main.js';

// Besiroglu et al. (2024)-like truth (science-notes §B1 planted test).
const truth: ScalingParams = { E: 1.8, A: 400, B: 2000, alpha: 0.34, beta: 0.37 };

/** n × n grid, N from N0 and D from D0 over `decades` each, lognormal noise σ. */
function design(decades: number, n: number, sigma: number, rng: Rng | null, N0 = 1e7, D0 = 1e9, p = truth): ScalingRow[] {
  const rows: ScalingRow[] = [];
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    const N = N0 * libm.pow(10, decades * i / (n - 1)), D = D0 * libm.pow(10, decades * j / (n - 1));
    rows.push({ N, D, loss: scalingLoss(p, N, D) * (rng ? libm.exp(sigma * rng.normal()) : 1) });
  }
  return rows;
}

describe('L-BFGS', () => {
  it('minimizes the Rosenbrock function and a 6-D ill-conditioned quadratic', () => {
    const rosen = { valueAndGrad(x: Float64Array) { const a = 1 - x[0], b = x[1] - x[0] * x[0]; return { value: a * a + 100 * b * b, grad: Float64Array.from([-2 * a - 400 * x[0] * b, 200 * b]) }; } };
    const r = lbfgs(rosen, [-1.2, 1]);
    expect(r.x[0]).toBeCloseTo(1, 8);
    expect(r.x[1]).toBeCloseTo(1, 8);
    // f = ½ Σ h_i (x_i − c_i)², h_i from 1 to 1e5: minimizer c.
    const h = [1, 10, 100, 1e3, 1e4, 1e5], c = [1, -2, 3, -4, 5, -6];
    const quad = { valueAndGrad(x: Float64Array) { let v = 0; const g = new Float64Array(6); for (let i = 0; i < 6; i++) { v += 0.5 * h[i] * (x[i] - c[i]) ** 2; g[i] = h[i] * (x[i] - c[i]); } return { value: v, grad: g }; } };
    const q = lbfgs(quad, new Float64Array(6), { gradTol: 1e-9 });
    expect(['gradient', 'value']).toContain(q.status);
    for (let i = 0; i < 6; i++) expect(q.x[i]).toBeCloseTo(c[i], 6);
  });
});

describe('scaling-law fit (Hoffmann approach 3)', () => {
  it('recovers the parameters of noise-free planted data exactly, in both forms', () => {
    const f = fitScalingLaw(design(3, 7, 0, null), { bootstrap: 0 });
    expect(f.params.E).toBeCloseTo(truth.E, 5);
    expect(f.params.alpha).toBeCloseTo(truth.alpha, 5);
    expect(f.params.beta!).toBeCloseTo(truth.beta!, 5);
    expect(f.params.A / truth.A).toBeCloseTo(1, 4);
    expect(f.params.B! / truth.B!).toBeCloseTo(1, 4);
    expect(f.form).toBe('ND');
    const one: ScalingParams = { E: 0.3, A: 5, alpha: 0.5 };
    const rows = Array.from({ length: 12 }, (_, i) => { const X = libm.pow(10, 1 + 3 * i / 11); return { N: X, loss: scalingLoss(one, X) }; });
    const g = fitScalingLaw(rows, { bootstrap: 0 });
    expect(g.form).toBe('X');
    expect(g.params.E).toBeCloseTo(0.3, 6);
    expect(g.params.alpha).toBeCloseTo(0.5, 6);
    expect(g.params.A).toBeCloseTo(5, 4);
  });

  it('scouting the starts finds the optimum that running every start to convergence finds', () => {
    for (const s of [1, 2, 3]) {
      const rows = design(2.5, 6, 0.02, new Rng(s));
      const a = fitScalingLaw(rows, { bootstrap: 0 });
      const b = fitScalingLaw(rows, { bootstrap: 0, polish: Infinity });
      expect(a.objective).toBeLessThanOrEqual(b.objective * (1 + 1e-6));
      expect(a.params.alpha).toBeCloseTo(b.params.alpha, 3);
    }
  });

  it('δ is tied to the noise scale: ≈ 1.345 σ for lognormal noise σ', () => {
    const f = fitScalingLaw(design(3, 7, 0.02, new Rng(5)), { bootstrap: 0 });
    // MAD scale of 49 residuals of a 5-parameter fit: within ±35 % of σ.
    expect(f.delta / (1.345 * 0.02)).toBeGreaterThan(0.65);
    expect(f.delta / (1.345 * 0.02)).toBeLessThan(1.35);
  });

  it('bootstrap intervals cover the planted truth at the stated 90 % level over 30 draws', () => {
    const M = 30, keys = ['E', 'A', 'alpha', 'B', 'beta'] as const;
    const cover: Record<string, number> = { E: 0, A: 0, alpha: 0, B: 0, beta: 0 };
    const est: Record<string, number[]> = { E: [], A: [], alpha: [], B: [], beta: [] };
    const width: Record<string, number[]> = { E: [], A: [], alpha: [], B: [], beta: [] };
    for (let m = 0; m < M; m++) {
      const f = fitScalingLaw(design(2.5, 6, 0.01, new Rng(1000 + m)), { bootstrap: 80, level: 0.9, seed: m });
      for (const k of keys) {
        const iv = f.intervals![k]!;
        if (iv.lo <= truth[k]! && truth[k]! <= iv.hi) cover[k]++;
        est[k].push(f.params[k]!); width[k].push(iv.hi - iv.lo);
      }
    }
    // Bin(30, 0.9): P(X ≤ 21) ≈ 0.8 %, so ≥ 22 of 30 per parameter; pooled ≥ 85 %.
    for (const k of keys) expect(cover[k], `${k}: covered ${cover[k]}/${M}`).toBeGreaterThanOrEqual(22);
    const pooled = keys.reduce((a, k) => a + cover[k], 0) / (M * keys.length);
    expect(pooled).toBeGreaterThanOrEqual(0.85);
    // Not covering by being vacuous: the median width matches 2·1.645 × the draw-to-draw SD of the estimates (factor 2).
    for (const k of keys) {
      const mean = est[k].reduce((a, b) => a + b, 0) / M;
      const sd = Math.sqrt(est[k].reduce((a, b) => a + (b - mean) ** 2, 0) / (M - 1));
      const w = [...width[k]].sort((a, b) => a - b)[M / 2];
      expect(w / (2 * 1.645 * sd), k).toBeGreaterThan(0.5);
      expect(w / (2 * 1.645 * sd), k).toBeLessThan(2);
    }
  }, 60000);

  it('warns about identifiability on a one-decade design and not on a three-decade design', () => {
    const narrow = fitScalingLaw(design(1, 7, 0.01, new Rng(1)), { bootstrap: 60 });
    expect(narrow.warnings.some((w) => w.includes('N spans 1.00 decades'))).toBe(true);
    expect(narrow.warnings.some((w) => w.startsWith('E is not constrained'))).toBe(true);
    const wide = fitScalingLaw(design(3, 7, 0.01, new Rng(1)), { bootstrap: 60 });
    expect(wide.warnings).toEqual([]);
    expect(wide.intervals!.E!.hi / wide.intervals!.E!.lo).toBeLessThan(1.2);
  });

  it('compute-optimal N*(C), D*(C) agree with a brute-force minimization over N at fixed C', () => {
    for (const C of [1e20, 5.76e23, 1e26]) {
      const o = computeOptimal(truth, C);
      expect(6 * o.N * o.D / C).toBeCloseTo(1, 10);
      // Golden-section search of L(N, C/(6N)) over log N.
      const L = (u: number) => scalingLoss(truth, libm.exp(u), C / (6 * libm.exp(u)));
      let a = libm.log(1), b = libm.log(C / 6);
      const r = (Math.sqrt(5) - 1) / 2;
      for (let i = 0; i < 200; i++) { const x1 = b - r * (b - a), x2 = a + r * (b - a); if (L(x1) < L(x2)) b = x2; else a = x1; }
      const Nbf = libm.exp((a + b) / 2);
      expect(o.N / Nbf).toBeCloseTo(1, 5);
      expect(o.loss).toBeCloseTo(L((a + b) / 2), 10);
    }
    // Epoch's fit at Chinchilla's compute: N* ≈ 73 B, D*/N* ≈ 18 (science-notes §B1).
    const epoch: ScalingParams = { E: 1.817, A: 482.0, B: 2085, alpha: 0.348, beta: 0.366 };
    const o = computeOptimal(epoch, 6 * 70e9 * 1.4e12);
    expect(o.N / 1e9).toBeGreaterThan(65);
    expect(o.N / 1e9).toBeLessThan(80);
    expect(o.D / o.N).toBeGreaterThan(16);
    expect(o.D / o.N).toBeLessThan(20);
  });

  it('gives intervals for N*(C) and for a held-out prediction that contain the truth', () => {
    const f = fitScalingLaw(design(3, 7, 0.01, new Rng(9)), { bootstrap: 100 });
    const C = 1e24;
    const o = computeOptimalWithIntervals(f, C);
    const t = computeOptimal(truth, C);
    expect(o.intervals!.N.lo).toBeLessThanOrEqual(t.N);
    expect(o.intervals!.N.hi).toBeGreaterThanOrEqual(t.N);
    const p = predictWithIntervals(f, 3e10, 3e12);
    const L = scalingLoss(truth, 3e10, 3e12);
    expect(p.prediction.lo).toBeLessThanOrEqual(L);
    expect(p.prediction.hi).toBeGreaterThanOrEqual(L);
    expect(p.prediction.hi - p.prediction.lo).toBeGreaterThan(p.confidence.hi - p.confidence.lo);
  });

  it('rejects bad rows with the field and range', () => {
    expect(() => fitScalingLaw([{ N: 1, D: 1, loss: 1 }])).toThrow(/rows: need at least 6/);
    const rows = design(2, 4, 0, null);
    rows[3] = { N: -1, D: 10, loss: 1 };
    expect(() => fitScalingLaw(rows)).toThrow(/rows\[3\]\.N: must be a finite number > 0/);
  });
});

describe('lmech fit-scaling', () => {
  const csv = (rows: ScalingRow[]) => ['N,D,loss', ...rows.map((r) => `${r.N},${r.D},${r.loss}`)].join('\n');

  it('fits a user CSV and prints parameters with intervals, warnings and N*(C), D*(C)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fit-scaling-'));
    const file = join(dir, 'runs.csv');
    writeFileSync(file, '# my runs\n' + csv(design(3, 5, 0.01, new Rng(4))));
    const r = fitScalingCommand(file, { compute: '1e22,1e24', bootstrap: 40 });
    expect(r.form).toBe('ND');
    expect(r.optimal).toHaveLength(2);
    expect(r.fit.intervals!.alpha!.lo).toBeLessThan(r.fit.params.alpha);
    const text = formatFitScaling(r);
    expect(text).toMatch(/α\s+0\.3\d+\s+\[/);
    expect(text).toMatch(/C = 1\.000e\+22: N\* = /);
    expect(text).toMatch(/warnings: none/);
    // One-resource form X,loss.
    const one = parseScalingCsv('X,loss\n1,2\n10,1.5\n100,1.2\n1000,1.1\n', 'x.csv');
    expect(one.form).toBe('X');
    expect(one.rows[1]).toEqual({ N: 10, loss: 1.5 });
  });

  it('bad input → a usage error (exit 2) naming the line and column', () => {
    const bad = (text: string) => { try { parseScalingCsv(text, 'runs.csv'); } catch (e) { expect(e).toBeInstanceOf(ConfigError); expect(exitCodeOf(e)).toBe(2); return (e as Error).message; } return ''; };
    expect(bad('N,D,loss\n1,2,3\n4,x,6\n')).toBe('runs.csv line 3, column D: must be a finite number > 0 (got "x")');
    expect(bad('N,D,loss\n1,2,-3\n')).toMatch(/line 2, column loss: must be a finite number > 0/);
    expect(bad('N,D\n1,2\n')).toMatch(/line 1: the header needs a "loss" column/);
    expect(bad('a,b,loss\n1,2,3\n')).toMatch(/header needs columns N,D,loss or X,loss/);
    expect(bad('N,D,loss\n1,2\n')).toMatch(/line 2: 2 columns, the header has 3/);
    expect(bad('N,D,loss\n1,2,3\n')).toMatch(/1 data rows; the N,D law has 5 parameters/);
    expect(() => fitScalingCommand('x.csv', { level: 2 }, 'N,D,loss\n')).toThrow(/--level: must be a number in \[0.5, 0.999\]/);
    expect(() => fitScalingCommand('x.csv', { compute: '1e20' }, 'X,loss\n1,2\n10,1.5\n100,1.2\n1000,1.1\n')).toThrow(/--compute: needs an N,D,loss table/);
  });
});
