import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../src/lab/store.js';
import type { ExperimentRecord } from '../src/experiments/types.js';

const record = (verdict: ExperimentRecord['verdict']): ExperimentRecord => ({
  experiment: 'x', config: { a: 1 }, seed: 0, status: 'ok', regime: [], checks: [], verdict, seconds: 0.1,
});

function fresh(): Store {
  return Store.open(join(mkdtempSync(join(tmpdir(), 'lmech-store-')), 'lab.sqlite'));
}

describe('run store (SQLite)', () => {
  const cells = [0, 1, 2].map((i) => ({ index: i, hash: `h${i}`, experiment: 'x', config: { a: i }, coords: { a: i } }));

  it('a result lands exactly once per cell, with its rows, however often it is delivered', () => {
    const s = fresh();
    s.registerSweep('sw', 'x', { spec: 1 }, '0.1.0', cells);
    s.markRunning('h0', 'host');
    const res = { status: 'done' as const, record: record('confirmed'), summary: { loss: 0.5 }, series: [['loss', [{ t: 0, v: 1 }, { t: 1, v: 0.5 }]]] as [string, Record<string, number>[]][], seconds: 1, host: 'host' };
    expect(s.complete('h0', res)).toBe(true);
    expect(s.complete('h0', { ...res, summary: { loss: 99 } })).toBe(false); // duplicate delivery
    expect(s.cell('h0')).toMatchObject({ status: 'done', verdict: 'confirmed', summary: { loss: 0.5 }, attempts: 1 });
    expect(s.rows('h0', 'loss')).toEqual([{ t: 0, v: 1 }, { t: 1, v: 0.5 }]);
    // A late markRunning / fail does not reopen a done cell.
    s.markRunning('h0', 'other');
    s.fail('h0', 'boom', 'other');
    expect(s.cell('h0')!.status).toBe('done');
    s.close();
  });

  it('registering the same sweep again keeps the state of known cells; a failed cell keeps its error', () => {
    const s = fresh();
    s.registerSweep('sw', 'x', {}, '0.1.0', cells);
    s.complete('h1', { status: 'diverged', record: record('out-of-regime'), summary: {}, series: [], seconds: 1, host: 'h' });
    s.markRunning('h2', 'h');
    s.fail('h2', 'RangeError: bad', 'h');
    s.registerSweep('sw', 'x', {}, '0.1.0', cells);
    const got = s.sweepCells('sw');
    expect(got.map((c) => c.status)).toEqual(['queued', 'diverged', 'failed']);
    expect(got[2].error).toBe('RangeError: bad');
    expect(s.sweeps()).toEqual([expect.objectContaining({ id: 'sw', cells: 3, done: 0, failed: 1, diverged: 1 })]);
    s.close();
  });

  it('survives reopening (durable on disk)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lmech-store-'));
    const a = Store.open(join(dir, 'lab.sqlite'));
    a.registerSweep('sw', 'x', {}, '0.1.0', cells);
    a.complete('h0', { status: 'done', record: record('confirmed'), summary: { m: 1 }, series: [], seconds: 1, host: 'h' });
    a.close();
    const b = Store.open(join(dir, 'lab.sqlite'));
    expect(b.cell('h0')!.summary).toEqual({ m: 1 });
    expect(b.cellsByPrefix('h')).toHaveLength(3);
    b.close();
  });
});
