/**
 * `lmech verify` output (issue 10 §4): piped, one line per configuration as it finishes; the
 * tables fit the terminal width (wrapped); no "NaN ± NaN"; --seeds runs every configuration
 * under each seed and counts, per configuration, the seeds that gave the expected verdict.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { checksTable, columnWidths, measuredText, table, wrap } from '../src/reports/table.js';
import type { ExperimentRecord } from '../src/experiments/types.js';

const visible = (s: string) => [...s.replace(/\x1b\[[0-9;]*m/g, '')].length;

const record = (over: Partial<ExperimentRecord['checks'][number]> = {}): ExperimentRecord => ({
  experiment: 'edge-of-stability', label: 'η = 0.1: sharpening too slow to reach 2/η in 400 steps', config: {}, seed: 0, status: 'ok',
  regime: [], verdict: 'out-of-regime', seconds: 1,
  checks: [
    { name: 'sharpness plateau S·η/2 after the progressive-sharpening phase, mean over the last third', quantity: 'S·η/2', predicted: 1, measured: NaN, uncertainty: NaN, tolerance: { kind: 'rel', value: 0.05 }, verdict: 'out-of-regime', ...over },
    { name: 'loss keeps decreasing non-monotonically', quantity: 'L', predicted: 'non-monotone', measured: 'non-monotone', tolerance: { kind: 'equal' }, verdict: 'confirmed' },
  ],
});

describe('verdict table', () => {
  it('no "NaN ± NaN": a number not measured shows as —, a non-finite uncertainty is left out', () => {
    expect(measuredText(NaN, NaN)).toBe('—');
    expect(measuredText(2.5, NaN)).toBe('2.5');
    expect(measuredText(2.5, 0.1)).toBe('2.5 ± 0.1');
    expect(measuredText(Infinity, 1)).toBe('Infinity ± 1');
    const t = checksTable([record()]);
    expect(t).not.toMatch(/NaN/);
    expect(t).toMatch(/ — /);
  });

  it('fits the width it is given: columns narrowed widest first, cells wrapped, no text lost', () => {
    for (const width of [60, 80, 100]) {
      const t = checksTable([record(), record({ measured: 1.01, uncertainty: 0.02 })], true, { maxWidth: width });
      for (const line of t.split('\n')) expect(visible(line), line).toBeLessThanOrEqual(width);
      // Wide enough for whole words (≥ 95 here): every word of the long check name is kept.
      if (width >= 100) for (const w of ['sharpness', 'progressive-sharpening', 'third']) expect(t).toContain(w);
      expect(t).toContain('\x1b[33mout-of-regime\x1b[0m'); // the verdict is never split
    }
    const wide = checksTable([record()]);
    expect(Math.max(...wide.split('\n').map(visible))).toBeGreaterThan(100); // unlimited without a width
    expect(wrap('alpha beta gamma', 10)).toEqual(['alpha beta', 'gamma']);
    expect(wrap('abcdefghijkl', 5)).toEqual(['abcde', 'fghij', 'kl']);
    const rows = [['a', 'b'], ['x'.repeat(30), 'y y y y y y y y y y y y y y y']];
    expect(columnWidths(rows, { maxWidth: 40 }).reduce((a, b) => a + b, 2)).toBeLessThanOrEqual(40);
    expect(table(rows, false, { maxWidth: 40 }).split('\n').every((l) => l.length <= 40)).toBe(true);
  });
});

describe('lmech verify, piped', () => {
  it('--seeds 0,1: one line per configuration and seed as it finishes, tables within COLUMNS, per-configuration seed counts', () => {
    const r = spawnSync(process.execPath, ['bin/lmech.js', 'verify', '--only', 'quadratic-stability', '--seeds', '0,1', '--workers', '2'], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, COLUMNS: '80' } });
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    const progress = lines.filter((l) => /^\[\d\/6\] /.test(l));
    expect(progress).toHaveLength(6);
    progress.forEach((l, k) => expect(l.startsWith(`[${k + 1}/6] ok  quadratic-stability [`)).toBe(true));
    for (const seed of [0, 1]) expect(progress.filter((l) => l.includes(` seed ${seed}: `))).toHaveLength(3);
    // The lines come first, as the runs finish; the table after them.
    expect(lines.indexOf(progress[5])).toBeLessThan(lines.findIndex((l) => /^experiment +expected/.test(l)));
    for (const l of lines.filter((x) => !/^\[\d\/6\]/.test(x))) expect(visible(l), l).toBeLessThanOrEqual(80);
    expect(r.stdout).toMatch(/seeds 0, 1: 3 of 3 configurations as expected under every seed/);
    expect(r.stdout).toMatch(/ 2\/2 /);
    expect(r.stdout).not.toMatch(/NaN/);
  });
});
