/**
 * Experiment `mu-transfer` (src/experiments/mu-transfer.ts):
 *   - aggregation against planted sweeps: loss curves with ln L a parabola in log₂ η around a
 *     planted optimum log₂ η*(n) = a + s·log₂ n (no training) — the measured slopes recover s,
 *     diverged cells and grid-edge optima make the verdict out of regime;
 *   - the finite-width SP estimate against a hand computation;
 *   - the quick configuration trained for real reaches 'confirmed'; the too-narrow grid is out of regime;
 *   - the transformer cell on the Markov language runs and is deterministic;
 *   - bad input names the field.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { useBest } from '../src/engine/backend/index.js';
import { Rng } from '../src/engine/rng.js';
import { runExperiment, runGridCell } from '../src/experiments/runner.js';
import { parseConfig } from '../src/experiments/config.js';
import {
  lrGrid, muTransferExperiment as E, muTransferSchema, type MuTransferCell, type MuTransferCellResult, type MuTransferConfig, type MuTransferResult,
} from '../src/experiments/mu-transfer.js';
import { overallVerdict } from '../src/experiments/verdict.js';
import type { RunContext } from '../src/experiments/types.js';

beforeAll(async () => { await useBest(); });

const ctx = (): RunContext & { rows: Map<string, Record<string, number | string>[]> } => {
  const rows = new Map<string, Record<string, number | string>[]>();
  return {
    rng: new Rng(0), progress: () => {}, signal: new AbortController().signal, rows,
    record: (s, r) => { if (!rows.has(s)) rows.set(s, []); rows.get(s)!.push(r); },
  };
};

/** Cell results of a planted sweep: ln L = ln L₀ + κ (x − x*(n))² + noise, x* = a + s log₂ n per parameterization. */
function planted(c: MuTransferConfig, slopes: { sp: number; mup: number }, opts: { noise?: number; diverge?: (k: MuTransferCell) => boolean } = {}) {
  const p = E.predict(c);
  const keys = E.grid!.cells(c, p) as MuTransferCell[];
  const rng = new Rng(42);
  const results: MuTransferCellResult[] = keys.map((k) => {
    const a = k.param === 'sp' ? -1 : -0.5;
    const xStar = a + slopes[k.param] * (Math.log2(k.width) - 5);
    const L = 0.1 * (1 + 32 / k.width) * Math.exp(0.15 * (k.log2Lr - xStar) ** 2) * Math.exp((opts.noise ?? 0) * rng.split(JSON.stringify(k)).normal());
    const div = opts.diverge?.(k) ?? false;
    return { loss: div ? NaN : L, diverged: div, divergedAt: div ? 3 : -1 };
  });
  const cx = ctx();
  const r = E.grid!.aggregate(c, results, cx, p) as MuTransferResult;
  return { r, p, cmp: E.compare(c, r, p), rows: cx.rows };
}

describe('mu-transfer aggregation on planted sweeps', () => {
  const c = parseConfig(muTransferSchema, { widths: [32, 64, 128, 256], lrs: 13, spLog2Lr: [-8, 1], mupLog2Lr: [-4, 2], seeds: 3 }, 'mu-transfer');

  test('noise-free parabolas: exact optima and slopes (0 for μP, −1 for SP); verdict confirmed', () => {
    const { r, cmp } = planted(c, { sp: -1, mup: 0 });
    const sp = r.params.find((s) => s.param === 'sp')!, mu = r.params.find((s) => s.param === 'mup')!;
    sp.optima.forEach((o, i) => expect(o.x).toBeCloseTo(-1 - i, 10));
    mu.optima.forEach((o) => expect(o.x).toBeCloseTo(-0.5, 10));
    expect(sp.slope).toBeCloseTo(-1, 10);
    expect(mu.slope).toBeCloseTo(0, 10);
    expect(sp.slopeLo).toBeCloseTo(-1, 10);
    expect(mu.slopeHi).toBeCloseTo(0, 10);
    // L₀ ∝ 1 + 32/n: wider is better at the transferred η.
    expect(mu.transferred.loss[3]).toBeLessThan(mu.transferred.loss[0]);
    expect(cmp.checks.map((x) => x.verdict)).toEqual(['confirmed', 'confirmed', 'confirmed']);
  });

  test('noisy planted slopes are recovered within their bootstrap interval; a μP drift of −0.5 is falsified', () => {
    const { r, cmp } = planted(c, { sp: -0.8, mup: -0.5 }, { noise: 0.01 });
    const sp = r.params.find((s) => s.param === 'sp')!, mu = r.params.find((s) => s.param === 'mup')!;
    for (const [s, truth] of [[sp, -0.8], [mu, -0.5]] as const) {
      expect(s.slopeLo).toBeLessThanOrEqual(truth + 0.02);
      expect(s.slopeHi).toBeGreaterThanOrEqual(truth - 0.02);
      expect(Math.abs(s.slope - truth)).toBeLessThan(0.1);
    }
    expect(cmp.checks[0].verdict).toBe('falsified');
    expect(cmp.checks[2].verdict).toBe('confirmed');
    expect(overallVerdict(cmp.checks)).toBe('falsified');
  });

  test('optima beyond the grid and too many diverged cells are out of regime, not falsified', () => {
    const edge = planted(c, { sp: -4, mup: 0 });  // SP optimum at n = 256 is −13: off the grid
    expect(edge.r.params[0].unbracketed).toBeGreaterThan(0);
    expect(edge.cmp.checks[2].verdict).toBe('out-of-regime');
    const div = planted(c, { sp: -1, mup: 0 }, { diverge: (k) => k.param === 'mup' && k.j >= 5 });
    expect(div.cmp.checks[0].verdict).toBe('out-of-regime');        // > half the μP cells diverged
    expect(div.cmp.regime.find((x) => x.name.startsWith('μP: fraction'))!.ok).toBe(false);
  });

  test('Fig. 5 rows: one loss curve per width and parameterization, optima with intervals, theory lines', () => {
    const { rows } = planted(c, { sp: -1, mup: 0 }, { noise: 0.01 });
    const curves = rows.get('curves')!;
    expect(curves.filter((x) => x.part === 'loss').length).toBe(2 * 4 * 13);
    expect(curves.filter((x) => x.part !== 'loss').length).toBe(2 * 4 * 3);
    expect(rows.get('optima')!.filter((x) => x.kind === 'theory').length).toBe(8);
    expect(E.plots!(c)[0].facet).toBe('param');
  });

  test('finite-width SP estimate: −OLS slope of log₂(1 + n/49) (hand-computed 0.639 on 32…256)', () => {
    expect(E.predict(c).spFiniteWidth).toBeCloseTo(-0.6387, 3);
    expect(lrGrid([-2, 2], 5)).toEqual([-2, -1, 0, 1, 2]);
  });
});

describe('mu-transfer trained', () => {
  test('quick config (MLP, 7×7 MNIST, SGD + MSE): μP slope ≈ 0, wider is better, SP slope < −0.5 → confirmed', async () => {
    const out = await runExperiment(E, { ...E.quick });
    const r = out.result as MuTransferResult;
    for (const s of r.params) console.log(`${s.param}: s_η = ${s.slope.toFixed(3)} [${s.slopeLo.toFixed(3)}, ${s.slopeHi.toFixed(3)}], log₂ η* = ${s.optima.map((o) => `${o.width}: ${o.x.toFixed(2)} [${o.lo.toFixed(2)}, ${o.hi.toFixed(2)}]`).join(', ')}`);
    expect(out.record.verdict).toBe('confirmed');
    expect(r.params.every((s) => s.unbracketed === 0)).toBe(true);
  }, 300_000);

  test('a grid far below the optimum is out of regime (every optimum on the upper edge)', async () => {
    const v = E.variants!.find((x) => x.label.startsWith('grid too narrow'))!;
    const out = await runExperiment(E, { ...v.config, seeds: 1 });
    expect(out.record.verdict).toBe('out-of-regime');
    const r = out.result as MuTransferResult;
    expect(r.params.every((s) => s.unbracketed === 4)).toBe(true);
    expect(out.record.checks.every((x) => x.verdict === 'out-of-regime')).toBe(true);
  }, 60_000);

  test('transformer cell on the Markov language: finite loss, the same on a rerun', async () => {
    const cfg = parseConfig(muTransferSchema, { model: 'transformer', loss: 'cross-entropy', widths: [8, 16], steps: 5, samples: 32, batchSize: 8, seqLen: 6, vocab: 8, seeds: 1, lrs: 3 }, 'mu-transfer');
    const p = E.predict(cfg);
    expect(p.lossFloor!).toBeGreaterThan(0);
    expect(p.lossFloor!).toBeLessThan(Math.log(8));
    const key: MuTransferCell = { param: 'mup', width: 16, j: 1, log2Lr: -2, replicate: 0 };
    const a = await runGridCell(E, cfg, key, p, new AbortController().signal);
    const b = await runGridCell(E, cfg, key, p, new AbortController().signal);
    const ra = a.result as MuTransferCellResult;
    expect(Number.isFinite(ra.loss)).toBe(true);
    expect(ra.loss).toBeLessThan(Math.log(8) + 1);
    expect((b.result as MuTransferCellResult).loss).toBe(ra.loss);
  }, 60_000);

  test('bad input names the field and its range', () => {
    expect(() => parseConfig(muTransferSchema, { widths: [32] }, 'mu-transfer')).toThrow(/--widths.*≥ 2/);
    expect(() => E.predict(parseConfig(muTransferSchema, { spLog2Lr: [0, -1] }, 'mu-transfer'))).toThrow(/--sp-log2-lr/);
    expect(() => E.predict(parseConfig(muTransferSchema, { model: 'transformer', widths: [30, 64], heads: 4 }, 'mu-transfer'))).toThrow(/--heads/);
    expect(() => E.predict(parseConfig(muTransferSchema, { widths: [32, 32, 64] }, 'mu-transfer'))).toThrow(/--widths.*distinct/);
  });
});
