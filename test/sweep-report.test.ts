import { describe, expect, it } from 'vitest';
import { renderSweepHtml, defaultMetrics, type SweepReportCell } from '../src/reports/sweep-report.js';

// A planted family: loss(width, lr) = (log10 lr − log10 lr*(width))², lr* = 0.1·64/width;
// the largest lr diverges at width 256 (no summary, status diverged).
function planted(): SweepReportCell[] {
  const cells: SweepReportCell[] = [];
  for (const width of [64, 128, 256]) for (const lr of [0.0125, 0.025, 0.05, 0.1, 0.2]) for (const seed of [0, 1]) {
    const diverged = width === 256 && lr === 0.2;
    cells.push({
      index: cells.length, hash: `h${cells.length}`.padEnd(16, '0'), verdict: diverged ? 'out-of-regime' : 'confirmed', seconds: 1,
      coords: { width, lr, seed }, status: diverged ? 'diverged' : 'done',
      summary: diverged ? {} : { loss: (Math.log10(lr) - Math.log10((0.1 * 64) / width)) ** 2 + 1e-3 * seed },
    });
  }
  return cells;
}

describe('sweep report', () => {
  it('heatmap optima, error-bar curves, diverged cells kept, and every cell in the table', () => {
    const html = renderSweepHtml({ experiment: 'toy', sweep: 'abc', axes: ['width', 'lr'], cells: planted() });
    // Per-width optimum lr = 0.1·64/width, read from the optima table.
    for (const [w, best] of [[64, 0.1], [128, 0.05], [256, 0.025]]) {
      expect(html).toMatch(new RegExp(`<td>width = ${w}</td><td>${best}</td>`));
    }
    expect(html).toContain('30 cells over width × lr × seed: 28 done, 2 diverged, 0 failed, 0 not run.');
    expect(html).toContain('×2'); // the diverged group is drawn, with its count
    expect((html.match(/<tr class="diverged">/g) ?? []).length).toBe(2);
    expect((html.match(/<tr class="(done|diverged)">/g) ?? []).length).toBe(30);
    expect((html.match(/<svg/g) ?? []).length).toBeGreaterThanOrEqual(2);
    expect(html).not.toMatch(/<script/);
    // Ticks in plain or scientific notation, never SI prefixes (0.0125 is not "12.5m"; issue 10 §2).
    const texts = [...html.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1].trim()).filter(Boolean);
    expect(texts.length).toBeGreaterThan(5);
    expect(texts.filter((t) => /^[−-]?[\d.]+\s?[yzafpnµumkMGTPE]$/.test(t))).toEqual([]);
  });

  it('default metrics are the ones most cells report', () => {
    const cells = planted();
    cells[0].summary = { ...cells[0].summary, rare: 1 };
    expect(defaultMetrics(cells, 1)).toEqual(['loss']);
  });
});
