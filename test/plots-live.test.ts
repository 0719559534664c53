import { describe, expect, it } from 'vitest';
import { parseHTML } from 'linkedom';
import { z } from 'zod';
import { firstSeen, renderPlot } from '../src/reports/plots.js';
import { runExperiment } from '../src/experiments/runner.js';
import type { Experiment, PlotSpec } from '../src/experiments/types.js';

const spec: PlotSpec = { title: 't', kind: 'lines', series: 's', x: 'step', y: 'v', stroke: 'eta' };
const rows = (eta: string, k: number) => [0, 1, 2].map((step) => ({ eta, step, v: k + step }));

/** Legend entries of a rendered plot: [label, colour] in order. */
function legend(html: string): [string, string][] {
  const { document } = parseHTML(`<div>${html}</div>`);
  return Array.from(document.querySelectorAll('span')).filter((s) => s.querySelector('svg')).map((s) => [
    s.textContent!.trim(), s.querySelector('svg')!.getAttribute('fill') ?? s.querySelector('svg')!.querySelector('[fill]')?.getAttribute('fill') ?? '',
  ]);
}

describe('live plots keep their colours', () => {
  it('colour domain in order of first appearance: η = 0.3 keeps its colour when η = 0.1 arrives later (issue 10 §2)', () => {
    expect(firstSeen([...rows('η=0.3', 0), ...rows('η=0.1', 1)], 'eta')).toEqual(['η=0.3', 'η=0.1']);
    const { document } = parseHTML('<!doctype html><html><body></body></html>');
    const early = legend(renderPlot(spec, rows('η=0.3', 0), document as unknown as Document));
    const later = legend(renderPlot(spec, [...rows('η=0.3', 0), ...rows('η=0.1', 1)], document as unknown as Document));
    expect(early.map((e) => e[0])).toEqual(['η=0.3']);
    expect(later.map((e) => e[0])).toEqual(['η=0.3', 'η=0.1']);
    expect(later[0][1]).toBe(early[0][1]);
    expect(later[0][1]).not.toBe('');
  });
});

describe('grid experiments stream their rows while cells run (live page)', () => {
  it('with the default executor a cell sees the earlier cells rows already in the run sink', async () => {
    const seen: number[] = [];
    const sinkRows: string[] = [];
    const toy: Experiment = {
      name: 'toy-grid', title: 'toy', strand: '-', description: '-', schema: z.object({ seed: z.number().default(0) }), quick: {},
      predict: () => null,
      grid: {
        cells: () => [0, 1, 2],
        cell: (_c, k: number, ctx) => { seen.push(sinkRows.length); ctx.record('s', { k }); return k; },
        aggregate: (_c, results) => results,
      },
      compare: () => ({ checks: [], regime: [], status: 'ok' as const }),
    };
    const { series } = await runExperiment(toy, {}, { sink: { record: (s, r) => sinkRows.push(`${s}:${r.k}`), close: () => {} } });
    expect(seen).toEqual([0, 1, 2]); // cell k ran after the rows of cells 0..k−1 had reached the sink
    expect(sinkRows).toEqual(['s:0', 's:1', 's:2']);
    expect(series.get('s')).toEqual([{ k: 0 }, { k: 1 }, { k: 2 }]);
  });
});
