/**
 * Render a PlotSpec to static SVG with Observable Plot, using linkedom as the DOM so reports
 * are drawn in Node with no browser. The browser page uses the same function with its own
 * `document`.
 *
 * What a figure holds (lines/scatter): a legend row (colours named by their variable, "α = 0.1";
 * line styles: solid = measured, dotted = gradient flow, dashed = theory), the plot in a light
 * frame with domains that fit the data (padded 5%; 0 only when `yZero`), ticks in plain or
 * scientific notation (plot-format.ts), optional reference lines of given log-log slope, and
 * optionally a residual panel |measured − theory| underneath on the same x axis
 * (plot-residual.ts). Facets share their scales, or each panel gets its own (`facetScales`).
 *
 * Every mark carries a class — lm-measured, lm-theory, lm-error, lm-rule, lm-slope, lm-label;
 * lm-frame for the plot area — so a browser test can check that marks exist, that the theory
 * layer is drawn, and that nothing leaves the frame.
 */
import * as Plot from '@observablehq/plot';
import type { PlotSpec } from '../experiments/types.js';
import { fitDomain, formatSlope, formatTick, labelWidth, linearTicks, logTicks, tickFormatter } from './plot-format.js';
import { RESIDUAL, residualRows, slopeLine, type SlopeLine } from './plot-residual.js';
import * as libm from '../engine/libm.js';

type Row = Record<string, number | string>;
type Dash = 'solid' | 'dotted' | 'dashed';
type ScaleType = 'linear' | 'log';

/** The value of the `dashed` column that marks theory rows. */
export const THEORY = 'theory';
const DASHARRAY: Record<Dash, string | undefined> = { solid: undefined, dotted: '1.5,3', dashed: '6,4' };
const RULE_COLOUR = '#b44';
const HEIGHT = 320, MAIN_WITH_RESIDUAL = 270, RESIDUAL_HEIGHT = 140;
/** Vertical pixels outside the frame: Plot's default top and bottom margins (20 + 30; the main panel above a residual panel has 20 + 12), the residual panel's 18 + 30. */
const MARGINS_Y = 50, RESIDUAL_MARGINS_Y = 48;

/** Distinct values of a column, as strings, in order of first appearance. */
export function firstSeen(rows: readonly Row[], key: string): string[] {
  const seen = new Set<string>();
  for (const r of rows) if (r[key] !== undefined) seen.add(String(r[key]));
  return [...seen];
}

/** A facet column's values as they are (numbers stay numbers, so marks find their panel), in order of first appearance. */
function facetDomain(rows: readonly Row[], key: string): (number | string)[] {
  const seen = new Map<string, number | string>();
  for (const r of rows) if (r[key] !== undefined && !seen.has(String(r[key]))) seen.set(String(r[key]), r[key]);
  return [...seen.values()];
}

export function renderPlot(spec: PlotSpec, rows: Row[], document: Document, width = 640): string {
  const el = plotElement(spec, rows, document, width);
  return el ? (el as unknown as { outerHTML: string }).outerHTML : '<p class="empty">no data recorded</p>';
}

/** Style and legend label of one value of the spec's `dashed` column. */
export function lineStyle(spec: PlotSpec, value: string): { dash: Dash; label: string } {
  const s = spec.lineStyles?.[value];
  return { dash: s?.dash ?? (value === THEORY ? 'dashed' : /flow/i.test(value) ? 'dotted' : 'solid'), label: s?.label ?? value };
}

/** A colour legend entry: numbers are named by their variable ("α = 0.1"); words stand for themselves. */
export function legendName(spec: PlotSpec, value: string): string {
  return /^[-+−]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(value.trim()) ? `${spec.strokeLabel ?? spec.stroke} = ${value}` : value;
}

const numberTick = (v: unknown) => (typeof v === 'number' ? formatTick(v) : String(v));

export function plotElement(spec: PlotSpec, rows: Row[], document: Document, width = 640): Element | null {
  if (spec.slopes?.length && (spec.xType !== 'log' || spec.yType !== 'log')) {
    throw new Error(`slopes: reference slopes need xType and yType 'log' (plot "${spec.title}")`);
  }
  const positive = (v: unknown) => typeof v === 'number' && v > 0 && Number.isFinite(v);
  // A heatmap's axes are categories (numbers or labels such as "mlp-16-s0"); its value must be finite.
  if (spec.kind === 'heatmap') {
    const cells = rows.filter((r) => r[spec.x] !== undefined && r[spec.y] !== undefined && Number.isFinite(Number(r[spec.z!])));
    return cells.length ? heatmap(spec, cells, document, width) : null;
  }
  const data = rows.filter((r) =>
    Number.isFinite(Number(r[spec.x])) && Number.isFinite(Number(r[spec.y])) &&
    (spec.xType !== 'log' || positive(r[spec.x])) && (spec.yType !== 'log' || positive(r[spec.y])));
  if (!data.length) return null;

  const colour = colourScale(spec, data);
  const parts: Element[] = [];
  const legendRow = legends(spec, data, colour, document, width);
  if (legendRow) parts.push(legendRow);

  if (spec.facet && spec.facetScales && spec.facetScales !== 'shared') {
    parts.push(freeFacets(spec, data, colour, document, width));
    return wrap(document, parts);
  }
  const residual = spec.residual && spec.dashed ? residualRows(data, {
    x: spec.x, y: spec.y, isTheory: (d) => isTheory(spec, d),
    keys: [spec.stroke, spec.group, spec.facet].filter((k): k is string => k !== undefined && k !== spec.dashed),
    relative: typeof spec.residual === 'object' && spec.residual.relative === true,
  }).filter((r) => Number(r[RESIDUAL]) > 0) : [];
  const slopes = slopeLines(spec, data);
  const facets = spec.facet ? firstSeen(data, spec.facet).length : 1;
  // Plot's fx band padding is 0.1: neighbouring panels are a tenth of a band apart.
  const x = axis(xValues(spec, data, slopes), spec.xType ?? 'linear', panelWidth(width, facets), 70, spec.kind === 'scatter' ? 0.04 : 0, false, true,
    facets > 1 ? (panelWidth(width, facets) / 0.9) * 0.1 / 2 - 2 : Infinity);
  const y = axis(yValues(spec, data, slopes), spec.yType ?? 'linear', residual.length ? MAIN_WITH_RESIDUAL - 32 : HEIGHT - MARGINS_Y, 38, 0.05, spec.yZero === true);
  const r = residual.length ? axis(residual.map((d) => Number(d[RESIDUAL])), 'log', RESIDUAL_HEIGHT - RESIDUAL_MARGINS_Y, 30, 0.06, false) : undefined;
  const marginLeft = leftMargin(y, r);
  parts.push(panel(spec, data, { x, y, colour, document, width, height: residual.length ? MAIN_WITH_RESIDUAL : HEIGHT, marginLeft, slopes, xAxisLabels: !residual.length }));
  if (r) parts.push(residualPanel(spec, residual, { x, y: r, colour, document, width, marginLeft }));
  return wrap(document, parts);
}

/** Room for the widest y tick label (panels stacked on one x axis share it, so their frames line up). */
function leftMargin(...axes: (Axis | undefined)[]): number {
  const widths = axes.flatMap((a) => (a ? a.ticks.map((t) => labelWidth(tickFormatter(a.ticks, a.type)(t)) + 12) : []));
  return Math.ceil(Math.max(40, ...widths));
}

function wrap(document: Document, parts: Element[]): Element {
  const div = document.createElement('div');
  div.setAttribute('class', 'lm-figure');
  for (const p of parts) div.appendChild(p);
  return div;
}

interface Axis { type: ScaleType; domain: [number, number]; ticks: number[] }

/**
 * A scale fitted to `values` along `length` pixels: about one tick per `perTick` pixels (linear),
 * log ticks spaced by their labels' width on a horizontal axis or by `perTick`/2 on a vertical one.
 */
function axis(values: number[], type: ScaleType, length: number, perTick: number, pad: number, zero: boolean, horizontal = false, edgeRoom = Infinity): Axis {
  const domain = fitDomain(values, type, { pad, zero }) ?? [type === 'log' ? 0.1 : 0, 1];
  const count = Math.max(2, Math.floor(length / perTick));
  const gap = horizontal ? (a: number, b: number) => (labelWidth(formatTick(a)) + labelWidth(formatTick(b))) / 2 + 10 : () => Math.max(15, perTick / 2);
  let ticks = type === 'log' ? logTicks(domain[0], domain[1], length, gap) : linearTicks(domain[0], domain[1], count);
  if (horizontal && Number.isFinite(edgeRoom)) {
    // Side-by-side panels: a label may reach past its panel's edge by at most half the gap, or it meets the neighbour's.
    const at = (v: number) => length * (type === 'log' ? libm.log(v / domain[0]) / libm.log(domain[1] / domain[0]) : (v - domain[0]) / (domain[1] - domain[0]));
    const kept = ticks.filter((v) => { const h = labelWidth(formatTick(v)) / 2; return at(v) - h >= -edgeRoom && at(v) + h <= length + edgeRoom; });
    if (kept.length >= 2) ticks = kept;
  }
  return { type, domain, ticks };
}

/** Inner width of one facet panel (Plot's default margins and band padding). */
const panelWidth = (width: number, facets: number) => Math.max(60, (width - 60) / facets * (facets > 1 ? 0.9 : 1));

function xValues(spec: PlotSpec, data: Row[], slopes: SlopeLine[]): number[] {
  return [...data.map((d) => Number(d[spec.x])), ...(spec.rulesX ?? []).map((r) => r.x), ...slopes.flatMap((s) => s.points.map((p) => p.x))];
}

function yValues(spec: PlotSpec, data: Row[], slopes: SlopeLine[]): number[] {
  const ys = data.map((d) => Number(d[spec.y]));
  if (spec.errorY) for (const d of data) ys.push(Number(d[spec.errorY.lo]), Number(d[spec.errorY.hi]));
  for (const r of spec.rules ?? []) ys.push(r.y);
  for (const s of slopes) for (const p of s.points) ys.push(p.y);
  return ys;
}

function slopeLines(spec: PlotSpec, data: Row[]): SlopeLine[] {
  const measured = data.filter((d) => !isTheory(spec, d));
  return (spec.slopes ?? []).flatMap((s) => {
    const anchor = measured.filter((d) => (s.through === undefined || (spec.stroke !== undefined && String(d[spec.stroke]) === s.through)) &&
      (s.xRange === undefined || (Number(d[spec.x]) >= s.xRange[0] && Number(d[spec.x]) <= s.xRange[1])));
    const line = slopeLine(anchor.map((d) => ({ x: Number(d[spec.x]), y: Number(d[spec.y]) })), s.slope, s.label ?? `slope ${formatSlope(s.slope)}`);
    return line ? [line] : [];
  });
}

/**
 * A row's line-style key from the spec's `dashed` column: its value as a string ("theory", "gd",
 * "flow" …), or for a numeric flag column theory when non-zero and "measured" when 0.
 */
function roleOf(spec: PlotSpec, d: Row): string {
  if (spec.dashed === undefined) return '';
  const v = d[spec.dashed];
  return typeof v === 'number' ? (v !== 0 ? THEORY : 'measured') : String(v);
}

/** Theory rows: those drawn dashed (by default the value "theory"; lineStyles may dash others, e.g. an oracle curve). */
const isTheory = (spec: PlotSpec, d: Row) => spec.dashed !== undefined && lineStyle(spec, roleOf(spec, d)).dash === 'dashed';

interface Colour { key?: string; options?: Plot.ScaleOptions; of?: (d: Row) => string }

function colourScale(spec: PlotSpec, data: Row[]): Colour {
  const key = spec.stroke;
  if (!key) return {};
  // Colours in order of first appearance, not sorted: rows stream in that order, so a value keeps
  // its colour for the whole of a live run (a new η gets the next colour, the others stay put).
  const options: Plot.ScaleOptions = { type: 'categorical', domain: firstSeen(data, key), tickFormat: (v: string) => legendName(spec, String(v)), label: spec.strokeLabel ?? key };
  return { key, options, of: (d: Row) => String(d[key]) };
}

/** The legend row: colour swatches, and line styles when more than one style is drawn. */
function legends(spec: PlotSpec, data: Row[], colour: Colour, document: Document, width: number): Element | null {
  const items: Element[] = [];
  const sameColumn = spec.dashed !== undefined && spec.dashed === spec.stroke;
  if (colour.options && !sameColumn) items.push(Plot.legend({ color: colour.options, document } as unknown as Parameters<typeof Plot.legend>[0]) as unknown as Element);
  if (spec.dashed) {
    const values = [...new Set(data.map((d) => roleOf(spec, d)))];
    const order: Record<Dash, number> = { solid: 0, dotted: 1, dashed: 2 }; // measured first, theory last
    const styles = values.map((v) => ({ value: v, ...lineStyle(spec, v) })).sort((a, b) => order[a.dash] - order[b.dash]);
    if (sameColumn || new Set(styles.map((s) => s.dash)).size > 1) items.push(styleLegend(styles, sameColumn ? colour : {}, document, width));
  }
  if (!items.length) return null;
  const row = document.createElement('div');
  row.setAttribute('class', 'lm-legend');
  row.setAttribute('style', 'display:flex;flex-wrap:wrap;align-items:center;column-gap:1.2em;margin-left:4px;font-size:11px');
  for (const i of items) row.appendChild(i);
  return row;
}

/** A strip of line samples with labels ("—— GD  ····· flow  – – theory"), drawn with Plot so it works in any DOM. */
function styleLegend(styles: { value: string; dash: Dash; label: string }[], colour: Colour, document: Document, width: number): Element {
  let at = 2;
  const placed = styles.map((s) => { const x = at; at += 30 + labelWidth(s.label) + 16; return { ...s, x }; });
  const w = Math.min(width, Math.ceil(at));
  const marks: Plot.Markish[] = placed.flatMap((s) => {
    const d = [{ label: s.label, c: s.value }];
    return [
      Plot.link(d, { x1: () => s.x, x2: () => s.x + 26, y1: () => 0.5, y2: () => 0.5, stroke: colour.of ? 'c' : '#333', strokeWidth: 1.8, strokeDasharray: DASHARRAY[s.dash], strokeLinecap: s.dash === 'dotted' ? 'round' : 'butt' }),
      Plot.text(d, { x: () => s.x + 31, y: () => 0.5, text: 'label', textAnchor: 'start', fill: 'currentColor' }),
    ];
  });
  const svg = Plot.plot({
    document, width: w, height: 22, margin: 0, style: { fontSize: '11px' },
    x: { type: 'identity', axis: null }, y: { domain: [0, 1], axis: null },
    color: colour.options ? { ...colour.options, legend: false } : undefined,
    marks,
  }) as unknown as Element;
  svg.setAttribute('class', `${svg.getAttribute('class') ?? ''} lm-style-legend`.trim());
  return svg;
}

interface PanelOptions {
  x: Axis; y: Axis; colour: Colour; document: Document; width: number; height: number; marginLeft?: number;
  slopes: SlopeLine[]; xAxisLabels: boolean; facet?: string;
}

/** A position scale: its domain, with the axis drawn by axisMarks (so every tick gets our label). */
const scale = (a: Axis) => ({ type: a.type, domain: a.domain, axis: null });

/**
 * Grid lines and an axis at exactly our ticks, labelled by our formatter (`labels` false: tick
 * marks only, for a panel stacked over another on the same x). Drawn as marks rather than through
 * the scale's tickFormat because for a log scale Plot passes that through d3's log tickFormat,
 * which blanks some labels (5×10ⁿ next to 2×10ⁿ) by its own count of ticks.
 */
function axisMarks(a: Axis, dim: 'x' | 'y', label: string | null, labels = true): Plot.Markish[] {
  const format = tickFormatter(a.ticks, a.type);
  const text = (d: number) => (labels ? format(d) : '');
  return dim === 'x'
    ? [Plot.gridX(a.ticks), Plot.axisX(a.ticks, { text, label, labelAnchor: 'right', labelArrow: 'right' })]
    : [Plot.gridY(a.ticks), Plot.axisY(a.ticks, { text, label, labelAnchor: 'top', labelArrow: 'up' })];
}

/** The main panel of a lines/scatter plot. */
function panel(spec: PlotSpec, data: Row[], o: PanelOptions): Element {
  const { x, y } = spec;
  const stroke = o.colour.of;
  const fx = o.facet === undefined ? spec.facet : undefined;
  const group = (d: Row) => `${spec.dashed ? d[spec.dashed] : ''}|${stroke ? stroke(d) : ''}${spec.group ? `|${d[spec.group]}` : ''}`;
  const marks: Plot.Markish[] = [
    ...axisMarks(o.x, 'x', o.xAxisLabels ? spec.xLabel ?? spec.x : null, o.xAxisLabels), ...axisMarks(o.y, 'y', spec.yLabel ?? spec.y),
    Plot.frame({ className: 'lm-frame', stroke: '#ccc' }),
  ];
  if (o.y.type === 'linear' && o.y.domain[0] < 0 && o.y.domain[1] > 0) marks.push(Plot.ruleY([0], { stroke: '#bbb', className: 'lm-rule' }));
  const measured = data.filter((d) => !isTheory(spec, d));
  const theory = data.filter((d) => isTheory(spec, d));
  if (spec.errorY) {
    const { lo, hi } = spec.errorY;
    const bars = data.filter((d) => Number.isFinite(Number(d[lo])) && Number.isFinite(Number(d[hi])) && (spec.yType !== 'log' || (Number(d[lo]) > 0 && Number(d[hi]) > 0)));
    if (bars.length) marks.push(Plot.ruleX(bars, { x, y1: lo, y2: hi, fx, stroke, strokeWidth: 1.2, className: 'lm-error' }));
  }
  // Measured rows, one mark per line style (GD solid, flow dotted, …).
  const byStyle = new Map<Dash, Row[]>();
  for (const d of measured) {
    const dash = spec.dashed ? lineStyle(spec, roleOf(spec, d)).dash : 'solid';
    let list = byStyle.get(dash);
    if (!list) byStyle.set(dash, (list = []));
    list.push(d);
  }
  for (const [dash, rows] of byStyle) {
    const style = { strokeDasharray: DASHARRAY[dash], strokeLinecap: dash === 'dotted' ? 'round' : undefined } as const;
    if (spec.kind === 'scatter') {
      marks.push(Plot.line(rows, { x, y, fx, stroke, z: group, strokeOpacity: 0.5, ...style, className: 'lm-measured' }));
      marks.push(Plot.dot(rows, { x, y, fx, stroke, fill: stroke, r: 3, tip: true, className: 'lm-measured' }));
    } else {
      marks.push(Plot.line(rows, { x, y, fx, stroke, z: group, strokeWidth: spec.group ? 0.8 : dash === 'dotted' ? 2.2 : 1.8, ...style, className: 'lm-measured' }));
    }
  }
  if (theory.length) marks.push(Plot.line(theory, { x, y, fx, stroke, z: group, strokeDasharray: DASHARRAY.dashed, strokeWidth: 1.4, strokeOpacity: 0.9, className: 'lm-theory' }));
  // Reference slopes on top of the data, thin and grey, so the eye can compare the two.
  o.slopes.forEach((s, i) => {
    marks.push(Plot.line(s.points, { x: 'x', y: 'y', stroke: '#777', strokeWidth: 1.2, strokeDasharray: '2,2', className: 'lm-slope' }));
    // label part way along the line (log space; several lines: spread out), on the side away from it:
    // upper left of a rising line, upper right of a falling one
    const [a, b] = s.points, f = o.slopes.length > 1 ? 0.2 + 0.6 * i / (o.slopes.length - 1) : 0.3;
    const at = { x: a.x * libm.pow(b.x / a.x, f), y: a.y * libm.pow(b.y / a.y, f), label: s.label };
    // keep the label inside the frame: flip its side where it would run past an edge
    const frac = (v: number, d: [number, number]) => libm.log(v / d[0]) / libm.log(d[1] / d[0]);
    const innerW = o.width - (o.marginLeft ?? 40) - 20, innerH = o.height - (o.xAxisLabels ? MARGINS_Y : 32);
    const px = frac(at.x, o.x.domain) * innerW, py = (1 - frac(at.y, o.y.domain)) * innerH, w = labelWidth(s.label) * 10 / 11;
    let anchor: 'start' | 'end' = s.slope > 0 ? 'end' : 'start';
    if (anchor === 'start' && px + w > innerW - 2) anchor = 'end';
    else if (anchor === 'end' && px - w < 2) anchor = 'start';
    marks.push(Plot.text([at], { x: 'x', y: 'y', text: 'label', dy: py < 16 ? 12 : -7, textAnchor: anchor, fill: '#555', fontSize: 10, className: 'lm-label' }));
  });
  for (const r of spec.rules ?? []) {
    marks.push(Plot.ruleY([r.y], { stroke: RULE_COLOUR, strokeDasharray: '2,3', className: 'lm-rule' }));
    if (r.label) marks.push(Plot.text([{ y: r.y, label: r.label }], { y: 'y', text: 'label', frameAnchor: 'right', textAnchor: 'end', dx: -4, dy: -6, fill: RULE_COLOUR, fontSize: 10, className: 'lm-label' }));
  }
  for (const r of spec.rulesX ?? []) {
    marks.push(Plot.ruleX([r.x], { stroke: RULE_COLOUR, strokeDasharray: '4,3', className: 'lm-rule' }));
    if (!r.label) continue;
    // Left of the line, unless that would run past the frame's left edge: then right of it.
    const d = o.x.domain, innerW = o.width - (o.marginLeft ?? 40) - 20;
    const f = o.x.type === 'log' ? libm.log(r.x / d[0]) / libm.log(d[1] / d[0]) : (r.x - d[0]) / (d[1] - d[0]);
    const left = f * innerW - labelWidth(r.label) - 6 >= 2;
    marks.push(Plot.text([{ x: r.x, label: r.label }], { x: 'x', text: 'label', frameAnchor: 'top', textAnchor: left ? 'end' : 'start', dx: left ? -4 : 4, dy: 8, fill: RULE_COLOUR, className: 'lm-label' }));
  }
  return Plot.plot({
    document: o.document, width: o.width, height: o.height, style: { fontSize: '11px' },
    marginLeft: o.marginLeft, marginBottom: o.xAxisLabels ? undefined : 12,
    x: scale(o.x),
    y: scale(o.y),
    color: o.colour.options,
    ...(fx ? { fx: { label: null, axis: 'top', domain: facetDomain(data, fx) } } : {}),
    marks,
  }) as unknown as Element;
}

/** |measured − theory| under the main panel, on its x axis, in the same colours and line styles. */
function residualPanel(spec: PlotSpec, rows: Row[], o: { x: Axis; y: Axis; colour: Colour; document: Document; width: number; marginLeft: number }): Element {
  const stroke = o.colour.of;
  const fx = spec.facet;
  const group = (d: Row) => `${spec.dashed ? d[spec.dashed] : ''}|${stroke ? stroke(d) : ''}${spec.group ? `|${d[spec.group]}` : ''}`;
  const relative = typeof spec.residual === 'object' && spec.residual.relative === true;
  const label = (typeof spec.residual === 'object' ? spec.residual.label : undefined)
    ?? (relative ? `|${spec.y} − theory| / theory` : `|${spec.y} − theory|`);
  const marks: Plot.Markish[] = [...axisMarks(o.x, 'x', spec.xLabel ?? spec.x), ...axisMarks(o.y, 'y', label), Plot.frame({ className: 'lm-frame', stroke: '#ccc' })];
  const byStyle = new Map<Dash, Row[]>();
  for (const d of rows) {
    const dash = lineStyle(spec, roleOf(spec, d)).dash;
    let list = byStyle.get(dash);
    if (!list) byStyle.set(dash, (list = []));
    list.push(d);
  }
  for (const [dash, list] of byStyle) {
    const style = { strokeDasharray: DASHARRAY[dash], strokeLinecap: dash === 'dotted' ? 'round' : undefined } as const;
    if (spec.kind === 'scatter') marks.push(Plot.dot(list, { x: spec.x, y: RESIDUAL, fx, stroke, r: 2.5, className: 'lm-measured' }));
    else marks.push(Plot.line(list, { x: spec.x, y: RESIDUAL, fx, stroke, z: group, strokeWidth: dash === 'dotted' ? 2 : 1.4, ...style, className: 'lm-measured' }));
  }
  const svg = Plot.plot({
    document: o.document, width: o.width, height: RESIDUAL_HEIGHT, style: { fontSize: '11px' }, marginLeft: o.marginLeft, marginTop: 18,
    x: scale(o.x),
    y: scale(o.y),
    color: o.colour.options,
    ...(fx ? { fx: { label: null, axis: null, domain: facetDomain(rows, fx) } } : {}),
    marks,
  }) as unknown as Element;
  svg.setAttribute('class', `${svg.getAttribute('class') ?? ''} lm-residual`.trim());
  return svg;
}

/** One plot per facet value, side by side, each with its own y scale (and x, for 'free'). */
function freeFacets(spec: PlotSpec, data: Row[], colour: Colour, document: Document, width: number): Element {
  const values = firstSeen(data, spec.facet!);
  const w = Math.max(200, Math.floor(width / values.length) - 4);
  const box = document.createElement('div');
  box.setAttribute('class', 'lm-facets');
  box.setAttribute('style', 'display:flex;flex-wrap:wrap;gap:4px');
  const sharedX = spec.facetScales === 'free-y'
    ? axis(xValues(spec, data, []), spec.xType ?? 'linear', w - 60, 70, spec.kind === 'scatter' ? 0.04 : 0, false, true) : undefined;
  for (const v of values) {
    const rows = data.filter((d) => String(d[spec.facet!]) === v);
    const x = sharedX ?? axis(xValues(spec, rows, []), spec.xType ?? 'linear', w - 60, 70, spec.kind === 'scatter' ? 0.04 : 0, false, true);
    const y = axis(yValues(spec, rows, []), spec.yType ?? 'linear', HEIGHT - MARGINS_Y, 38, 0.05, spec.yZero === true);
    const marginLeft = leftMargin(y);
    const cell = document.createElement('div');
    const title = document.createElement('div');
    title.setAttribute('class', 'lm-facet-label');
    title.setAttribute('style', `font-size:11px;text-align:center;padding-left:${marginLeft}px`);
    title.textContent = v;
    cell.appendChild(title);
    cell.appendChild(panel(spec, rows, { x, y, colour, document, width: w, height: HEIGHT, marginLeft, slopes: [], xAxisLabels: true, facet: v }));
    box.appendChild(cell);
  }
  return box;
}

/** Every k-th category of a band axis, so that labels of width ~w fit cells `cellWidth` wide (undefined: all). */
function bandTicks(categories: unknown[], cellWidth: number): unknown[] | undefined {
  const w = Math.max(0, ...categories.map((c) => labelWidth(numberTick(c as never))));
  const every = Math.ceil((w + 10) / Math.max(1, cellWidth));
  return every > 1 ? categories.filter((_, i) => i % every === 0) : undefined;
}

function heatmap(spec: PlotSpec, data: Row[], document: Document, width: number): Element {
  const x = spec.x, y = spec.y;
  // Values as text only where a cell is wide enough to hold "0.00" at 8 px.
  const cellWidth = panelWidth(width, spec.facet ? firstSeen(data, spec.facet).length : 1) / Math.max(1, firstSeen(data, x).length);
  const text = cellWidth >= 24 ? [Plot.text(data, { x, y, fx: spec.facet, text: (d: Row) => Number(d[spec.z!]).toFixed(2), fontSize: 8, fill: (d: Row) => (Number(d[spec.z!]) > 0.6 ? 'white' : 'black'), className: 'lm-label' })] : [];
  const yLabels = [...new Set(data.map((d) => d[y]))].map((v) => labelWidth(numberTick(v as never)));
  const svg = Plot.plot({
    document, width, style: { fontSize: '11px' },
    marginLeft: Math.max(40, Math.max(0, ...yLabels) + 14),
    padding: 0.05,
    color: { scheme: 'blues', domain: [0, 1], label: spec.z }, // no ramp legend: it needs a canvas, which the Node DOM lacks; cells carry their values as text
    x: { label: spec.xLabel ?? spec.x, tickFormat: numberTick, ticks: bandTicks([...new Set(data.map((d) => d[x]))], (width - Math.max(40, Math.max(0, ...yLabels) + 14) - 20) / Math.max(1, firstSeen(data, x).length)) }, y: { label: spec.yLabel ?? spec.y, tickFormat: numberTick },
    fx: spec.facet ? { label: null } : undefined,
    marks: [
      Plot.frame({ className: 'lm-frame', stroke: '#ccc' }),
      Plot.cell(data, { x, y, fill: spec.z, fx: spec.facet, inset: 0.5, className: 'lm-measured' }),
      ...text,
    ],
  }) as unknown as Element;
  return wrap(document, [svg]);
}
