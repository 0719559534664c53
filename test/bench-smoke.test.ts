// Covers the benchmark harness's pure parts (no timing assertions, no python, no files):
// the figures themselves come from `npm run bench`.
import { describe, expect, it } from 'vitest';
import {
  fmt, markdownTable, median, parseJsonLine, renderHeader, renderReport, renderSection, rowsTable,
  sectionEnd, sectionStart, singleThreadEnv, speedRatio, targetStatus, targetsLine, time,
  type BenchRow, type BenchSection, type SectionReport,
} from '../bench/harness.js';
import { sections } from '../bench/sections/index.js';
import { nnProblems, paramCount } from '../bench/sections/nn.js';

const section = (id: string): BenchSection => ({
  id, title: `Section ${id}`, ratioLabel: 'speed vs numpy (>1 = ours faster)', run: async () => ({ rows: [] }),
});

const report = (id: string, rows: BenchRow[], measuredAt = '2026-01-01 00:00:00 UTC'): SectionReport => ({
  section: section(id),
  result: {
    rows,
    targets: [{ label: 'x', measured: rows[0]?.ours, op: '>=', threshold: 1, unit: 'GFLOP/s' }],
    notes: ['a note'],
  },
  measuredAt,
  command: 'npm run bench',
  seconds: 1.5,
});

describe('bench harness', () => {
  it('time() returns positive best ≤ median and honours minRuns', () => {
    let calls = 0;
    const t = time(() => { calls++; let s = 0; for (let i = 0; i < 1000; i++) s += i; return s; },
      { warmup: 2, minRuns: 5, minSeconds: 0 });
    expect(t.runs).toBe(5);
    expect(calls).toBe(7);
    expect(t.best).toBeGreaterThan(0);
    expect(t.median).toBeGreaterThanOrEqual(t.best);
    expect(t.min).toBe(t.best);
    expect(t.max).toBeGreaterThanOrEqual(t.median);
  });

  it('time() keeps going until minSeconds and stops at maxRuns', () => {
    const t = time(() => 0, { warmup: 0, minRuns: 1, minSeconds: 0.02, maxRuns: 10_000_000 });
    expect(t.runs).toBeGreaterThan(1);
    const capped = time(() => 0, { warmup: 0, minRuns: 1, minSeconds: 10, maxRuns: 4 });
    expect(capped.runs).toBe(4);
  });

  it('median', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('speedRatio is > 1 when ours is faster, either way round', () => {
    expect(speedRatio(40, 20, 'higher')).toBe(2);   // GFLOP/s
    expect(speedRatio(10, 20, 'lower')).toBe(2);    // ms
    expect(speedRatio(20, 10, 'lower')).toBe(0.5);
    expect(speedRatio(1, undefined, 'higher')).toBeUndefined();
    expect(speedRatio(0, 1, 'higher')).toBeUndefined();
    expect(speedRatio(NaN, 1, 'lower')).toBeUndefined();
  });

  it('targets are computed from the measurement', () => {
    expect(targetStatus({ label: 'a', measured: 21, op: '>=', threshold: 20, unit: 'GFLOP/s' })).toBe('met');
    expect(targetStatus({ label: 'a', measured: 19, op: '>=', threshold: 20, unit: 'GFLOP/s' })).toBe('not met');
    expect(targetStatus({ label: 'b', measured: 2.5, op: '<=', threshold: 3, unit: 's' })).toBe('met');
    expect(targetStatus({ label: 'b', measured: undefined, op: '<=', threshold: 3, unit: 's' })).toBe('not measured');
    const line = targetsLine([{ label: 'eigh n=1000', measured: 4, op: '<=', threshold: 3, unit: 's' }]);
    expect(line).toContain('eigh n=1000 ≤ 3 s: **not met**');
  });

  it('fmt and markdown tables', () => {
    expect(fmt(38.123)).toBe('38.1');
    expect(fmt(0.01234)).toBe('0.0123');
    expect(fmt(1234.5)).toBe('1235');
    expect(fmt(undefined)).toBe('–');
    const t = markdownTable(['a', 'b'], [['1', 'x|y']]);
    expect(t.split('\n')).toEqual(['| a | b |', '|---|---|', '| 1 | x\\|y |']);
    const rows = rowsTable([{ section: 's', name: 'matmul', ours: 38, unit: 'GFLOP/s', reference: 100, ratio: 0.38 }], 'ratio');
    expect(rows).toContain('| matmul | 38.0 | 100 | GFLOP/s | 0.380× |  |');
  });

  it('renders sections and merges a partial run into an existing file', () => {
    const header = renderHeader({ cpu: 'CPU', cores: 2, node: 'v20', os: 'Linux', numpy: '2.4' }, 'today', 'npm run bench');
    expect(header).toContain('`npm run bench`');
    const a1 = report('a', [{ section: 'a', name: 'first', ours: 1, unit: 'ms' }]);
    const b1 = report('b', [{ section: 'b', name: 'second', ours: 2, unit: 'ms' }]);
    const full = renderReport(header, [a1, b1], ['a', 'b']);
    expect(full).toContain(renderSection(a1));
    expect(full.indexOf(sectionStart('a'))).toBeLessThan(full.indexOf(sectionStart('b')));
    expect(full).toContain('**Targets:** x ≥ 1 GFLOP/s: **met**');

    // --only b: a's block survives untouched, b's is replaced.
    const b2 = report('b', [{ section: 'b', name: 'second-new', ours: 3, unit: 'ms' }], 'later');
    const merged = renderReport(header, [b2], ['a', 'b'], full);
    expect(merged).toContain(renderSection(a1));
    expect(merged).toContain('second-new');
    expect(merged).not.toContain('| second |');
    expect(merged.split(sectionEnd('b')).length).toBe(2);
  });

  it('parses the last JSON line of a script and pins BLAS to one thread', () => {
    expect(parseJsonLine('warming up\n{"a": 1}\n{"b": [2]}\n')).toEqual({ b: [2] });
    expect(() => parseJsonLine('no json here')).toThrow();
    const env = singleThreadEnv({ PATH: '/bin' });
    expect(env).toMatchObject({ PATH: '/bin', OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' });
  });

  it('registers sections with unique ids', () => {
    const ids = sections.map((s) => s.id);
    expect(ids).toContain('engine');
    expect(ids).toContain('nn');
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('nn section models have the parameter counts of bench/reference/nn.py (PyTorch)', () => {
    // sum(p.numel() for p in model.parameters()) printed by nn.py under torch 1.13.
    const p = nnProblems();
    expect(paramCount(p.large.model)).toBe(1863690);
    expect(paramCount(p.small.model)).toBe(24202);
    expect(paramCount(p.cnn.model)).toBe(20490);
    expect(paramCount(p.tr.model)).toBe(420352);
    expect(p.tr.model.outShape).toEqual([64, 64]);
    expect(p.cnn.model.outShape).toEqual([10]);
  });
});
