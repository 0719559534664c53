/**
 * Every registered experiment's report figures, drawn in headless Chromium (issue 10 §2).
 *
 * For each experiment in the registry (so experiments registered later are covered too) the
 * test runs its `quick` configuration on the best backend, renders every PlotSpec with
 * renderPlot — at the report's width (640 px, 960 px for side-by-side panels) and at phone
 * width (390 px) — and checks in the browser, on the laid-out SVG:
 *   - the figure is drawn and has data marks (measured or theory);
 *   - a spec that declares a theory layer (`dashed`) draws it, with a dash pattern;
 *   - a spec with `residual` has its residual panel, and one with `slopes` its reference lines;
 *   - no mark (line, dot, rule, label, error bar) leaves its plot frame;
 *   - tick labels are plain or scientific numbers (no SI prefixes: 10m, 500µ, 0.1y), every tick
 *     has one, they do not overlap their neighbours, and lie inside the SVG (not cut off);
 *   - colour legends name their variable ("α = 0.1", not "0.1").
 * Before them, the pure helpers (tick formatter, tick positions, domains, residual pairing,
 * slope lines) against hand-computed values; these run without a browser.
 *
 * Without /usr/bin/chromium the browser part is skipped locally and fails on CI.
 */
import { parseHTML } from 'linkedom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { experiments } from '../src/experiments/registry.js';
import { runExperiment } from '../src/experiments/runner.js';
import type { PlotSpec } from '../src/experiments/types.js';
import { useBest } from '../src/engine/backend/index.js';
import * as Plot from '@observablehq/plot';
import { fitDomain, formatSlope, formatTick, linearTicks, logTicks, tickFormatter } from '../src/reports/plot-format.js';
import { RESIDUAL, residualRows, slopeLine } from '../src/reports/plot-residual.js';
import { legendName, lineStyle, renderPlot } from '../src/reports/plots.js';
import { figureSvg, figureWidth } from '../src/reports/figure-export.js';
import { CHROMIUM, hasChromium, launchChromium, onCi, requireChromium } from './support/browser.js';

if (!hasChromium && !onCi) console.warn(`figures.e2e: browser checks skipped — ${CHROMIUM} not found`);

describe('tick labels, domains, residuals and slopes (no browser)', () => {
  it('formats ticks in plain or scientific notation, never SI prefixes', () => {
    expect([0, 1, 0.5, 2.5, 1200, 0.001, 0.01, 99999].map(formatTick)).toEqual(['0', '1', '0.5', '2.5', '1200', '0.001', '0.01', '99999']);
    expect(formatTick(0.1 + 0.2)).toBe('0.3'); // float noise dropped
    expect(formatTick(5e-4)).toBe('5×10⁻⁴');
    expect(formatTick(1e-25)).toBe('10⁻²⁵');
    expect(formatTick(1e5)).toBe('10⁵');
    expect(formatTick(2.5e6)).toBe('2.5×10⁶');
    expect(formatTick(-3e-7)).toBe('−3×10⁻⁷');
    expect(formatTick(-15)).toBe('−15');
    // a log axis of decades over ≥ 3 decades: one notation all the way down
    expect([1e-6, 1e-3, 1, 1000].map(tickFormatter([1e-6, 1e-3, 1, 1000], 'log'))).toEqual(['10⁻⁶', '10⁻³', '10⁰', '10³']);
    expect(tickFormatter([1, 2, 5, 10], 'log')(5)).toBe('5');
    expect([1e-5, 1e-4, 1e-3].map(tickFormatter([1e-5, 1e-4, 1e-3], 'log'))).toEqual(['10⁻⁵', '10⁻⁴', '10⁻³']);
    expect([0.01, 0.1, 1].map(tickFormatter([0.01, 0.1, 1], 'log'))).toEqual(['0.01', '0.1', '1']);
    expect([5e-4, 1e-3, 2e-3].map(tickFormatter([5e-4, 1e-3, 2e-3], 'log'))).toEqual(['5×10⁻⁴', '10⁻³', '2×10⁻³']); // not 0.001 beside 5×10⁻⁴
    expect(tickFormatter([0, 1000, 2000], 'linear')(1000)).toBe('1000');
    expect([1, -0.5, -0.75, 2 / 3, 0.37].map(formatSlope)).toEqual(['1', '−1/2', '−3/4', '2/3', '0.37']);
  });

  it('linear ticks at 1-2-5 steps inside the domain', () => {
    expect(linearTicks(5.6, 8.7, 6)).toEqual([6, 6.5, 7, 7.5, 8, 8.5]);
    expect(linearTicks(0, 1200, 8)).toEqual([0, 200, 400, 600, 800, 1000, 1200]);
    expect(linearTicks(-0.03, 0.12, 3)).toEqual([0, 0.05, 0.1]);
  });

  it('log ticks: 1-2-5 or decades, thinned to round powers when they would crowd', () => {
    expect(logTicks(1, 100, 300)).toEqual([1, 2, 5, 10, 20, 50, 100]);
    expect(logTicks(1e-6, 10, 300)).toEqual([1e-6, 1e-5, 1e-4, 1e-3, 0.01, 0.1, 1, 10]);
    expect(logTicks(1e-17, 1, 100)).toEqual([1e-15, 1e-12, 1e-9, 1e-6, 1e-3, 1]); // 17 decades in 100 px: every third (17.6 px) is ≥ 16 px apart
    // a short range, one decade and a bit: 5×10⁻⁵ … 2.1×10⁻⁴, labels at least 16 px apart
    expect(logTicks(5e-5, 2.1e-4, 280)).toEqual([5e-5, 6e-5, 7e-5, 8e-5, 9e-5, 1e-4, 2e-4]); // 9→10 is 20 px apart
    expect(logTicks(5e-5, 2.1e-4, 100)).toEqual([5e-5, 1e-4, 2e-4]); // 1…9 would put 9 and 10 7 px apart
    // horizontal: the labels' widths set the spacing
    expect(logTicks(4.5e-4, 2.2e-3, 560, () => 50)).toEqual([5e-4, 1e-3, 2e-3]);
  });

  it('domains fit the data with 5% padding; 0 only when asked', () => {
    const [lo, hi] = fitDomain([5.5, 8.6, 7], 'linear')!;
    expect(lo).toBeCloseTo(5.5 - 0.155, 12);
    expect(hi).toBeCloseTo(8.6 + 0.155, 12);
    expect(fitDomain([5.5, 8.6], 'linear', { zero: true })).toEqual([0, 8.6 + 0.05 * 8.6]);
    const [a, b] = fitDomain([1e-3, 10, -1, 0], 'log')!; // non-positive values ignored
    expect(Math.log10(a)).toBeCloseTo(-3.2, 12);
    expect(Math.log10(b)).toBeCloseTo(1.2, 12);
    expect(fitDomain([], 'linear')).toBeUndefined();
  });

  it('residuals pair each measured row with the theory of its own series at the same x', () => {
    const rows = [
      { m: 'theory', k: 1, x: 0, y: 1 }, { m: 'theory', k: 1, x: 1, y: 2 }, { m: 'theory', k: 2, x: 1, y: 10 },
      { m: 'gd', k: 1, x: 1, y: 2.5 }, { m: 'gd', k: 2, x: 1, y: 9 }, { m: 'gd', k: 1, x: 0.5, y: 1.5 }, // no theory at x = 0.5: left out
      { m: 'flow', k: 1, x: 0, y: 1 + 1e-9 },
    ];
    const r = residualRows(rows, { x: 'x', y: 'y', isTheory: (d) => d.m === 'theory', keys: ['k'] });
    expect(r.map((d) => [d.m, d.k, d.x])).toEqual([['gd', 1, 1], ['gd', 2, 1], ['flow', 1, 0]]);
    expect(Number(r[0][RESIDUAL])).toBeCloseTo(0.5, 14);
    expect(Number(r[1][RESIDUAL])).toBeCloseTo(1, 14);
    expect(Number(r[2][RESIDUAL])).toBeCloseTo(1e-9, 15);
    const rel = residualRows(rows, { x: 'x', y: 'y', isTheory: (d) => d.m === 'theory', keys: ['k'], relative: true });
    expect(Number(rel[1][RESIDUAL])).toBeCloseTo(0.1, 14);
  });

  it('a slope line passes through the geometric centre of its points with the given log-log slope', () => {
    // points on y = 3 x^-0.5: the reference of slope −½ coincides with them
    const pts = [1, 4, 16, 64].map((x) => ({ x, y: 3 / Math.sqrt(x) }));
    const line = slopeLine(pts, -0.5, 's')!;
    expect(line.points[0].x).toBeCloseTo(1, 12);
    expect(line.points[1].x).toBeCloseTo(64, 12);
    expect(line.points[0].y).toBeCloseTo(3, 12);
    expect(line.points[1].y).toBeCloseTo(3 / 8, 12);
    expect(slopeLine([{ x: 2, y: 1 }], 1, 's')).toBeUndefined();
  });

  it('legends name numeric values by their variable; line styles: theory dashed, flow dotted, else solid', () => {
    const spec: PlotSpec = { title: 't', kind: 'lines', series: 's', x: 'x', y: 'y', stroke: 'alpha', strokeLabel: 'α' };
    expect(legendName(spec, '0.1')).toBe('α = 0.1');
    expect(legendName(spec, '300')).toBe('α = 300');
    expect(legendName({ ...spec, strokeLabel: undefined }, '1e-3')).toBe('alpha = 1e-3');
    expect(legendName(spec, 'η=0.3')).toBe('η=0.3');
    expect(lineStyle(spec, 'theory').dash).toBe('dashed');
    expect(lineStyle(spec, 'flow').dash).toBe('dotted');
    expect(lineStyle(spec, 'GD').dash).toBe('solid');
    expect(lineStyle({ ...spec, lineStyles: { gd: { dash: 'dotted', label: 'GD' } } }, 'gd')).toEqual({ dash: 'dotted', label: 'GD' });
  });

  it('refuses reference slopes on a linear axis, naming the field', () => {
    const { document } = parseHTML('<!doctype html><html><body></body></html>');
    const spec: PlotSpec = { title: 'lin', kind: 'scatter', series: 's', x: 'x', y: 'y', slopes: [{ slope: 1 }] };
    expect(() => renderPlot(spec, [{ x: 1, y: 1 }, { x: 2, y: 2 }], document as unknown as Document)).toThrow(/slopes: .*log/);
  });
});

/** What the browser reports about one rendered figure. */
interface FigureReport {
  drawn: boolean;
  marks: number;
  theoryDashed: number;
  residualMarks: number;
  slopes: number;
  outside: string[];
  badTicks: string[];
  overlaps: string[];
  clipped: string[];
  blanked: string[];
  bareLegend: string[];
}

/** Runs in the page: inspects every `section.fig` and returns one report per figure. */
function inspectFigures(): FigureReport[] {
  const tol = 1.5;
  const box = (e: Element) => e.getBoundingClientRect();
  const inside = (r: DOMRect, f: DOMRect) => r.left >= f.left - tol && r.right <= f.right + tol && r.top >= f.top - tol && r.bottom <= f.bottom + tol;
  const describe = (e: Element) => `${e.closest('[class^="lm-"], [class*=" lm-"]')?.getAttribute('class')} <${e.tagName.toLowerCase()}> ${(e.textContent ?? '').slice(0, 20)}`;
  const NUMBER = /^[−-]?(\d+(\.\d+)?(×10[⁻]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+)?|10[⁻]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+)$/;
  const all = (root: ParentNode, sel: string) => Array.from(root.querySelectorAll(sel));
  const geometry = 'path, circle, line, rect, text';
  // Plot puts a mark's class on its <g>, or on the element itself when the mark is one element (a frame's <rect>).
  const shapes = (classes: string) => `:is(${classes}):is(${geometry}), :is(${classes}) :is(${geometry})`;
  return all(document, 'section.fig').map((sec) => {
    const rep: FigureReport = { drawn: !!sec.querySelector(`svg :is(${shapes('.lm-frame')})`), marks: 0, theoryDashed: 0, residualMarks: 0, slopes: 0, outside: [], badTicks: [], overlaps: [], clipped: [], blanked: [], bareLegend: [] };
    rep.marks = sec.querySelectorAll(shapes('.lm-measured, .lm-theory')).length;
    rep.theoryDashed = all(sec, shapes('.lm-theory')).filter((p) => {
      const d = getComputedStyle(p).strokeDasharray;
      return d !== '' && d !== 'none';
    }).length;
    rep.residualMarks = all(sec, '.lm-residual').reduce((n, r) => n + r.querySelectorAll(shapes('.lm-measured')).length, 0);
    rep.slopes = sec.querySelectorAll(shapes('.lm-slope')).length;
    for (const svg of all(sec, 'svg')) {
      const frames = all(svg, shapes('.lm-frame')).map(box);
      if (frames.length) {
        for (const el of all(svg, shapes('.lm-measured, .lm-theory, .lm-error, .lm-rule, .lm-slope, .lm-label'))) {
          const r = box(el);
          if (r.width === 0 && r.height === 0) continue;
          if (!frames.some((f) => inside(r, f))) rep.outside.push(describe(el));
        }
      }
      const s = box(svg);
      for (const axis of ['x', 'y', 'fx']) {
        const texts = all(svg, `g[aria-label="${axis}-axis tick label"] text`);
        const labels = texts.filter((t) => (t.textContent ?? '') !== '');
        // labels all shown, or all hidden (a panel over a residual panel): never some ticks blank
        if (labels.length && labels.length < texts.length) rep.blanked.push(`${axis}: ${labels.length} of ${texts.length} ticks labelled`);
        const rects = labels.map(box);
        labels.forEach((t, i) => {
          const text = t.textContent ?? '';
          // a label that starts like a number must be one ("10m" is not); category labels ("mlp-16-s0") are text
          if (axis !== 'fx' && /^[−-]?\d/.test(text) && !NUMBER.test(text) && svg.querySelector(shapes('.lm-frame'))) rep.badTicks.push(text);
          const r = rects[i];
          if (r.left < s.left - tol || r.right > s.right + tol || r.top < s.top - tol || r.bottom > s.bottom + tol) rep.clipped.push(`${axis}: ${text}`);
          for (let j = 0; j < i; j++) {
            const q = rects[j];
            const w = Math.min(r.right, q.right) - Math.max(r.left, q.left), h = Math.min(r.bottom, q.bottom) - Math.max(r.top, q.top);
            if (w > 0.5 && h > 0.5) rep.overlaps.push(`${axis}: ${labels[j].textContent} / ${text}`);
          }
        });
      }
    }
    for (const label of all(sec, '.lm-legend [class$="-swatch"]')) {
      const text = (label.textContent ?? '').trim();
      if (/^[-+−]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(text)) rep.bareLegend.push(text);
    }
    return rep;
  });
}

describe.skipIf(!hasChromium && !onCi)('every experiment\'s figures in headless Chromium', () => {
  let browser: Browser | undefined;
  let page: Page | undefined;

  beforeAll(async () => {
    requireChromium();
    await useBest();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
  }, 60_000);

  afterAll(async () => { await browser?.close(); });

  it('the registry has experiments to draw', () => { expect(experiments.length).toBeGreaterThan(0); });

  it('control: the checks flag SI tick labels, marks outside the frame, colliding ticks and bare legends', async () => {
    const { document } = parseHTML('<!doctype html><html><body></body></html>');
    const frame = Plot.frame({ className: 'lm-frame' });
    const draw = (o: Plot.PlotOptions) => (Plot.plot({ document, width: 300, height: 200, ...o }) as unknown as Element).outerHTML;
    const line = [{ x: 0, y: 0.5 }, { x: 2, y: 0.6 }];
    const sections = [
      draw({ y: { type: 'log', domain: [1e-3, 1] }, marks: [frame, Plot.dot([{ x: 1, y: 0.01 }], { x: 'x', y: 'y', className: 'lm-measured' })] }), // Plot's own log ticks: 1m, 10m…
      draw({ x: { domain: [0, 1] }, marks: [frame, Plot.line(line, { x: 'x', y: 'y', className: 'lm-measured' })] }), // x = 2 lies outside
      draw({ x: { domain: [0, 1], ticks: 40, tickFormat: formatTick }, marks: [frame, Plot.dot([{ x: 0.5, y: 1 }], { x: 'x', y: 'y', className: 'lm-measured' })] }),
      `<div class="lm-legend">${(Plot.legend({ color: { type: 'categorical', domain: ['0.1', '300'] }, document } as unknown as Parameters<typeof Plot.legend>[0]) as unknown as Element).outerHTML}</div>`
        + draw({ marks: [frame, Plot.dot([{ x: 1, y: 1 }], { x: 'x', y: 'y', className: 'lm-measured' })] }),
    ];
    await page!.setContent(`<!doctype html><html><head><meta charset="utf-8"></head><body>${sections.map((s) => `<section class="fig">${s}</section>`).join('')}</body></html>`);
    const [si, outside, crowded, bare] = await page!.evaluate(inspectFigures);
    expect(si.blanked.length).toBeGreaterThan(0); // d3's log tickFormat leaves some of its ticks unlabelled
    expect(si.badTicks.length).toBeGreaterThan(0);
    expect(si.badTicks.some((t) => /m$/.test(t))).toBe(true);
    expect(outside.outside.length).toBeGreaterThan(0);
    expect(outside.marks).toBeGreaterThan(0);
    expect(crowded.overlaps.length).toBeGreaterThan(0);
    expect(bare.bareLegend).toEqual(['0.1', '300']);
    expect(si.theoryDashed + outside.theoryDashed + crowded.theoryDashed + bare.theoryDashed).toBe(0);
  });

  for (const exp of experiments) {
    it(`${exp.name}: figures drawn, theory layer present, marks inside their frames, ticks legible`, async () => {
      const { record, series } = await runExperiment(exp, { ...exp.quick });
      const specs = exp.plots?.(record.config) ?? [];
      const { document } = parseHTML('<!doctype html><html><body></body></html>');
      // Each figure as the page draws it (HTML around SVGs) at the report's width and at phone width,
      // and as the report and --figures write it (one standalone SVG).
      const cases = specs.flatMap((spec) => [
        { spec, width: figureWidth(spec), as: 'page' }, { spec, width: 390, as: 'page' }, { spec, width: figureWidth(spec), as: 'standalone svg' },
      ]);
      const html = cases.map(({ spec, width, as }) => {
        const rows = series.get(spec.series) ?? [], doc = document as unknown as Document;
        const figure = as === 'page' ? renderPlot(spec, rows, doc, width) : figureSvg(spec, rows, doc, width) ?? '';
        return `<section class="fig" style="width:${width + 40}px">${figure}</section>`;
      }).join('\n');
      await page!.setContent(`<!doctype html><html><head><meta charset="utf-8"></head><body style="margin:0;font-family:system-ui,sans-serif">${html}</body></html>`);
      const reports = await page!.evaluate(inspectFigures);
      expect(reports.length).toBe(cases.length);
      reports.forEach((r, i) => {
        const { spec, width, as } = cases[i];
        const where = `${exp.name} "${spec.title}" at ${width} px (${as})`;
        expect(r.drawn, `${where}: no figure (series "${spec.series}" empty?)`).toBe(true);
        expect(r.marks, `${where}: no data marks`).toBeGreaterThan(0);
        if (spec.dashed) expect(r.theoryDashed, `${where}: declares a theory layer (dashed: ${spec.dashed}) but draws no dashed theory line`).toBeGreaterThan(0);
        if (spec.residual) expect(r.residualMarks, `${where}: residual panel missing or empty`).toBeGreaterThan(0);
        if (spec.slopes?.length) expect(r.slopes, `${where}: reference slopes missing`).toBe(spec.slopes.length);
        expect(r.outside, `${where}: marks outside the plot frame`).toEqual([]);
        expect(r.badTicks, `${where}: tick labels not in plain or scientific notation`).toEqual([]);
        expect(r.overlaps, `${where}: tick labels overlap`).toEqual([]);
        expect(r.clipped, `${where}: tick labels cut off at the SVG's edge`).toEqual([]);
        expect(r.blanked, `${where}: ticks without labels`).toEqual([]);
        expect(r.bareLegend, `${where}: legend entries that do not name their variable`).toEqual([]);
      });
    }, 90_000);
  }
});
