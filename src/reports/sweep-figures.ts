/**
 * Figures of a family of runs, for the HTML report (sweep-report.ts, drawn on linkedom) and the
 * browser page (drawn on its own document):
 *   - per metric, a heatmap of the seed mean over two axes (rows: the first axis, columns: the
 *     second), the per-row optimum ringed (argmin over the columns, with its bootstrap interval
 *     in the table below), diverged cells drawn as such (grey, ×), never dropped;
 *   - per metric, curves of the seed mean against an axis, one line per value of another axis,
 *     with ± one standard error bars over seeds;
 *   - the table of every cell: coordinates, status, verdict, seconds, cell id.
 * Pure: data and a `document` in, HTML strings out (Observable Plot).
 */
import * as Plot from '@observablehq/plot';
import { argminOver, groupBySeed, type AggCell } from '../lab/aggregate.js';
import { esc } from './escape.js';
import { formatTick } from './plot-format.js';

export interface SweepReportCell extends AggCell {
  index: number;
  hash: string;
  verdict: string | null;
  seconds: number | null;
}

export interface SweepReportInput {
  experiment: string;
  title?: string;
  sweep: string;
  /** Non-seed axes in sweep order (their fields; a zipped axis contributes its first field). */
  axes: string[];
  cells: SweepReportCell[];
  /** Metrics to plot (default: those most cells have). */
  metrics?: string[];
}

const num = (v: number) => (Number.isFinite(v) ? Number(v.toPrecision(4)).toString() : String(v));

/** Metrics present in the most cells, at most `k`. */
export function defaultMetrics(cells: readonly AggCell[], k = 3): string[] {
  const count = new Map<string, number>();
  for (const c of cells) for (const [m, v] of Object.entries(c.summary ?? {})) if (Number.isFinite(v)) count.set(m, (count.get(m) ?? 0) + 1);
  return [...count].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, k).map(([m]) => m);
}

/** Log scale for a positive numeric axis spanning at least a factor 20. */
function scaleOf(values: unknown[]): 'log' | 'linear' | 'band' {
  if (!values.every((v) => typeof v === 'number')) return 'band';
  const xs = values as number[];
  return xs.every((v) => v > 0) && Math.max(...xs) / Math.min(...xs) >= 20 ? 'log' : 'linear';
}

function heatmap(document: Document, input: SweepReportInput, metric: string, rowAxis: string, colAxis: string): { svg: string; optima: string } {
  const groups = groupBySeed(input.cells);
  const data = groups.map((g) => ({
    row: String(g.coords[rowAxis]), col: String(g.coords[colAxis]),
    mean: g.metrics[metric]?.mean ?? NaN, n: g.metrics[metric]?.n ?? 0, diverged: g.diverged, cells: g.cells.length,
  }));
  const finite = data.filter((d) => Number.isFinite(d.mean)).map((d) => d.mean);
  const optima = argminOver(input.cells.filter((c) => c.coords[colAxis] !== undefined), colAxis, metric);
  const ringed = optima.map((o) => ({ row: String(o.coords[rowAxis]), col: String(o.argmin) }));
  const order = (axis: string) => [...new Set(input.cells.map((c) => c.coords[axis]))].sort((a, b) => (typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b)))).map(String);
  const lo = Math.min(...finite), hi = Math.max(...finite);
  const svg = finite.length ? (Plot.plot({
    document, width: 720, height: 60 + 34 * order(rowAxis).length, padding: 0.04, marginLeft: 70, style: { fontSize: '11px' },
    x: { label: colAxis, domain: order(colAxis) }, y: { label: rowAxis, domain: order(rowAxis) },
    color: { scheme: 'viridis', domain: [lo, hi === lo ? lo + 1 : hi], reverse: true, label: metric, tickFormat: formatTick },
    marks: [
      Plot.cell(data.filter((d) => Number.isFinite(d.mean)), { x: 'col', y: 'row', fill: 'mean', inset: 0.5 }),
      Plot.cell(data.filter((d) => !Number.isFinite(d.mean)), { x: 'col', y: 'row', fill: '#bbb', inset: 0.5 }),
      Plot.text(data, { x: 'col', y: 'row', fontSize: 9, text: (d: (typeof data)[number]) => (Number.isFinite(d.mean) ? num(d.mean) : '') + (d.diverged ? ` ×${d.diverged}` : ''), fill: 'white', stroke: 'black', strokeWidth: 2, paintOrder: 'stroke' }),
      Plot.dot(ringed, { x: 'col', y: 'row', r: 11, stroke: '#e4572e', strokeWidth: 2.5 }),
    ],
  }) as unknown as { outerHTML: string }).outerHTML : '<p class="empty">no finite values</p>';
  const rows = optima.map((o) => `<tr><td>${esc(rowAxis)} = ${esc(JSON.stringify(o.coords[rowAxis]))}</td><td>${esc(num(o.argmin))}</td><td>[${esc(num(o.lo))}, ${esc(num(o.hi))}]</td><td>${esc(num(o.min))}</td><td>${o.seeds}</td></tr>`).join('');
  const table = `<table><tr><th>row</th><th>argmin ${esc(colAxis)}</th><th>95% bootstrap interval</th><th>min ${esc(metric)}</th><th>seeds</th></tr>${rows}</table>`;
  return { svg, optima: table };
}

function curves(document: Document, input: SweepReportInput, metric: string, xAxis: string, lineAxis?: string): string {
  const groups = groupBySeed(input.cells);
  const data = groups.map((g) => {
    const s = g.metrics[metric];
    return { x: g.coords[xAxis] as number, line: lineAxis ? String(g.coords[lineAxis]) : 'all', mean: s?.mean ?? NaN, lo: s ? s.mean - (s.sem || 0) : NaN, hi: s ? s.mean + (s.sem || 0) : NaN, diverged: g.diverged };
  }).filter((d) => typeof d.x === 'number').sort((a, b) => a.x - b.x);
  const ok = data.filter((d) => Number.isFinite(d.mean));
  if (!ok.length) return '<p class="empty">no finite values</p>';
  const xScale = scaleOf(data.map((d) => d.x));
  const yLog = ok.every((d) => d.mean > 0) && Math.max(...ok.map((d) => d.mean)) / Math.min(...ok.map((d) => d.mean)) >= 20;
  const div = data.filter((d) => d.diverged > 0);
  return (Plot.plot({
    document, width: 720, height: 320, grid: true, style: { fontSize: '11px' },
    x: { type: xScale === 'band' ? 'point' : xScale, label: xAxis, ...(xScale === 'band' ? {} : { tickFormat: formatTick }) }, y: { type: yLog ? 'log' : 'linear', label: `${metric} (mean ± s.e. over seeds)`, tickFormat: formatTick },
    color: lineAxis ? { legend: true, type: 'categorical', label: lineAxis } : undefined,
    marks: [
      Plot.ruleX(ok.filter((d) => Number.isFinite(d.lo) && Number.isFinite(d.hi) && (!yLog || d.lo > 0)), { x: 'x', y1: 'lo', y2: 'hi', stroke: lineAxis ? 'line' : undefined }),
      Plot.line(ok, { x: 'x', y: 'mean', stroke: lineAxis ? 'line' : undefined, z: 'line', strokeWidth: 1.6 }),
      Plot.dot(ok, { x: 'x', y: 'mean', fill: lineAxis ? 'line' : undefined, r: 2.5 }),
      Plot.text(div, { x: 'x', frameAnchor: 'bottom', dy: -6, text: (d: (typeof div)[number]) => `× ${d.diverged} diverged`, fill: '#b3261e', fontSize: 9 }),
    ],
  }) as unknown as { outerHTML: string }).outerHTML;
}

/** The metric sections (heatmap + optima + curves per metric) and the cell table, as HTML. */
export function sweepSections(doc: Document, input: SweepReportInput): { figures: string; table: string; summary: string } {
  const metrics = input.metrics?.length ? input.metrics : defaultMetrics(input.cells);
  const axes = input.axes.filter((a) => a !== 'seed');
  const sections: string[] = [];
  for (const m of metrics) {
    const parts: string[] = [`<h2>${esc(m)}</h2>`];
    if (axes.length >= 2) {
      const h = heatmap(doc, input, m, axes[0], axes[1]);
      parts.push(`<section class="plot"><h3>${esc(m)} over ${esc(axes[0])} × ${esc(axes[1])} (seed mean; ring: per-row optimum; grey/×: diverged)</h3>${h.svg}${h.optima}</section>`);
      parts.push(`<section class="plot"><h3>${esc(m)} against ${esc(axes[1])}, one line per ${esc(axes[0])}</h3>${curves(doc, input, m, axes[1], axes[0])}</section>`);
    } else if (axes.length === 1) {
      parts.push(`<section class="plot"><h3>${esc(m)} against ${esc(axes[0])}</h3>${curves(doc, input, m, axes[0])}</section>`);
    }
    sections.push(parts.join('\n'));
  }
  const coordKeys = [...new Set(input.cells.flatMap((c) => Object.keys(c.coords)))];
  const counts = (s: string) => input.cells.filter((c) => c.status === s).length;
  const rows = input.cells.map((c) => `<tr class="${esc(c.status)}"><td>${c.index}</td>${coordKeys.map((k) => `<td>${esc(JSON.stringify(c.coords[k]) ?? '')}</td>`).join('')}<td>${esc(c.status)}</td><td>${esc(c.verdict ?? '')}</td><td>${c.seconds === null ? '' : c.seconds.toFixed(1)}</td><td><code>${esc(c.hash.slice(0, 12))}</code></td></tr>`).join('\n');
  return {
    figures: sections.join('\n'),
    summary: `${input.cells.length} cells over ${axes.length ? axes.map(esc).join(' × ') : 'no axes'}${coordKeys.includes('seed') ? ' × seed' : ''}: ${counts('done')} done, ${counts('diverged')} diverged, ${counts('failed')} failed, ${counts('queued') + counts('running')} not run.`,
    table: `<table class="cells"><tr><th>#</th>${coordKeys.map((k) => `<th>${esc(k)}</th>`).join('')}<th>status</th><th>verdict</th><th>seconds</th><th>cell</th></tr>\n${rows}\n</table>`,
  };
}
