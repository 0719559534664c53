/**
 * Render a PlotSpec to static SVG with Observable Plot, using linkedom as the DOM so reports
 * are drawn in Node with no browser. The browser page uses the same function with its own
 * `document`.
 */
import * as Plot from '@observablehq/plot';
import type { PlotSpec } from '../experiments/types.js';

type Row = Record<string, number | string>;

/** Distinct values of a column, as strings, in order of first appearance. */
export function firstSeen(rows: readonly Row[], key: string): string[] {
  const seen = new Set<string>();
  for (const r of rows) if (r[key] !== undefined) seen.add(String(r[key]));
  return [...seen];
}

export function renderPlot(spec: PlotSpec, rows: Row[], document: Document, width = 640): string {
  const el = plotElement(spec, rows, document, width);
  return el ? (el as unknown as { outerHTML: string }).outerHTML : '<p class="empty">no data recorded</p>';
}

export function plotElement(spec: PlotSpec, rows: Row[], document: Document, width = 640): Element | null {
  const positive = (v: unknown) => typeof v === 'number' && v > 0 && Number.isFinite(v);
  const data = rows.filter((r) =>
    Number.isFinite(Number(r[spec.x])) && Number.isFinite(Number(r[spec.y])) &&
    (spec.xType !== 'log' || positive(r[spec.x])) && (spec.yType !== 'log' || positive(r[spec.y])));
  if (!data.length) return null;
  const common = { document, width, height: spec.kind === 'heatmap' ? undefined : 320, style: { fontSize: '11px' } };
  const x = spec.x, y = spec.y;
  const colorKey = spec.stroke;
  const colorOf = colorKey ? (d: Row) => String(d[colorKey]) : undefined;
  if (spec.kind === 'heatmap') {
    return Plot.plot({
      ...common,
      padding: 0.05,
      color: { scheme: 'blues', domain: [0, 1], label: spec.z }, // no ramp legend: it needs a canvas, which the Node DOM lacks; cells carry their values as text
      x: { label: spec.x }, y: { label: spec.y },
      fx: spec.facet ? { label: null } : undefined,
      marks: [
        Plot.cell(data, { x, y, fill: spec.z, fx: spec.facet, inset: 0.5 }),
        Plot.text(data, { x, y, fx: spec.facet, text: (d: Row) => Number(d[spec.z!]).toFixed(2), fontSize: 8, fill: (d: Row) => (Number(d[spec.z!]) > 0.6 ? 'white' : 'black') }),
      ],
    }) as unknown as Element;
  }
  const isDashed = (d: Row) => spec.dashed !== undefined && d[spec.dashed] === 'theory';
  const solid = data.filter((d) => !isDashed(d));
  const dashed = data.filter(isDashed);
  const group = (d: Row) => `${spec.dashed ? d[spec.dashed] : ''}|${colorOf ? colorOf(d) : ''}${spec.group ? `|${d[spec.group]}` : ''}`;
  const fx = spec.facet; // undefined: one panel, as before
  const marks: Plot.Markish[] = [Plot.ruleY([0], { stroke: '#ccc' })];
  if (spec.errorY) {
    const { lo, hi } = spec.errorY;
    const bars = solid.filter((d) => Number.isFinite(Number(d[lo])) && Number.isFinite(Number(d[hi])) && (spec.yType !== 'log' || (Number(d[lo]) > 0 && Number(d[hi]) > 0)));
    marks.push(Plot.ruleX(bars, { x, y1: lo, y2: hi, fx, stroke: colorOf, strokeWidth: 1.2 }));
  }
  if (spec.kind === 'scatter') {
    marks.push(Plot.line(solid, { x, y, fx, stroke: colorOf, z: group, strokeOpacity: 0.5 }));
    marks.push(Plot.dot(solid, { x, y, fx, stroke: colorOf, fill: colorOf, r: 3, tip: true }));
  } else {
    marks.push(Plot.line(solid, { x, y, fx, stroke: colorOf, z: group, strokeWidth: spec.group ? 0.8 : 1.8 }));
  }
  if (dashed.length) marks.push(Plot.line(dashed, { x, y, fx, stroke: colorOf, z: group, strokeDasharray: '5,4', strokeWidth: 1.2, strokeOpacity: 0.9 }));
  for (const r of spec.rules ?? []) marks.push(Plot.ruleY([r.y], { stroke: '#b44', strokeDasharray: '2,3' }));
  for (const r of spec.rulesX ?? []) {
    marks.push(Plot.ruleX([r.x], { stroke: '#b44', strokeDasharray: '4,3' }));
    if (r.label) marks.push(Plot.text([{ x: r.x, label: r.label }], { x: 'x', text: 'label', frameAnchor: 'top', textAnchor: 'end', dx: -4, dy: 4, fill: '#b44' }));
  }
  return Plot.plot({
    ...common,
    grid: true,
    x: { type: spec.xType ?? 'linear', label: spec.x },
    y: { type: spec.yType ?? 'linear', label: spec.y },
    // Colours in order of first appearance, not sorted: rows stream in that order, so a value keeps
    // its colour for the whole of a live run (a new η gets the next colour, the others stay put).
    color: colorKey ? { legend: true, type: 'categorical', label: colorKey, domain: firstSeen(data, colorKey) } : undefined,
    ...(fx ? { fx: { label: null } } : {}),
    marks,
  }) as unknown as Element;
}
