/**
 * Experiment `representation-similarity`: the quick configuration (MLP zoo, 3 widths × 3 seeds)
 * reaches its expected verdict; the all-pairs table is consistent (diagonal 1, symmetric, nulls
 * recorded); untrained and too-few-seed zoos are out of regime. The estimators themselves are
 * tested against planted truths in test/similarity.test.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { useWasm } from '../src/engine/backend/index.js';
import { runExperiment } from '../src/experiments/runner.js';
import { representationSimilarityExperiment as E } from '../src/experiments/representation-similarity.js';

beforeAll(async () => { await useWasm(); });

describe('representation-similarity', () => {
  it('quick: cross-seed debiased CKA rises with width and the MLP approaches its NNGP kernel (confirmed)', async () => {
    const out = await runExperiment(E, { ...E.quick });
    const rec = out.record;
    expect(rec.verdict, JSON.stringify(rec.checks, null, 1)).toBe('confirmed');
    expect(rec.checks.map((c) => c.name)).toEqual(['mlp: cross-seed similarity increases with width', 'mlp: wide networks approach the NNGP kernel']);
    expect(rec.regime.every((r) => r.ok)).toBe(true);
    const trend = rec.checks[0];
    expect(trend.measured as number).toBeGreaterThan(2 * (trend.uncertainty as number));
    expect(rec.note).toMatch(/metric disagreement \(data, not a verdict\)/);
    // All pairs: 9 networks → 81 rows; debiased CKA of a network with itself is 1; symmetric.
    const pairs = out.series.get('pairs')!;
    expect(pairs).toHaveLength(81);
    const at = (a: string, b: string) => pairs.find((r) => r.a === a && r.b === b)!;
    for (const r of pairs.filter((p) => p.a === p.b)) { expect(r.ckaDebiased as number).toBeCloseTo(1, 12); expect(r.mutualKnn).toBe(1); }
    expect(at('mlp-16-s0', 'mlp-256-s2').ckaDebiased).toBeCloseTo(at('mlp-256-s2', 'mlp-16-s0').ckaDebiased as number, 12);
    // Metric table: six metrics' trends and 15 rank correlations recorded as data.
    expect(out.series.get('metric-trends')).toHaveLength(6);
    expect(out.series.get('metric-agreement')).toHaveLength(15);
    // Every trained network learned the task; the widest moved least from its init (lazier).
    const nets = out.series.get('networks')!;
    expect(Math.min(...nets.map((r) => r.trainAccuracy as number))).toBeGreaterThan(0.9);
    const mv = (w: number) => nets.filter((r) => r.width === w).reduce((s, r) => s + (r.movement as number), 0) / 3;
    expect(mv(256)).toBeGreaterThan(mv(16));
  }, 60000);

  it('untrained zoo and too few seeds are out of regime', async () => {
    for (const label of ['untrained networks (0 steps)', 'too few seeds']) {
      const v = E.variants!.find((x) => x.label === label)!;
      const out = await runExperiment(E, v.config);
      expect(out.record.verdict, label).toBe('out-of-regime');
    }
  }, 60000);
});
