/**
 * Figures as files and equations (issue 10 §2): `$…$` texts rendered by KaTeX to MathML, plots
 * as standalone SVG (checked against resvg's strict XML parser and by counting the plot's marks),
 * PNG (decoded here with zlib: signature, IHDR size, pixels in the line colours), CSV (parsed back
 * to the rows), the HTML report's download buttons and embedded data, and `lmech run --figures`.
 */
import { describe, expect, it, vi } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { parseHTML } from 'linkedom';
import { Resvg } from '@resvg/resvg-js';
import type { Experiment, ExperimentRecord, PlotSpec } from '../src/experiments/types.js';
import { mathHtml, plainMath, splitMath } from '../src/reports/math.js';
import { figureName, figureSvg, parseCsv, parseFigureFormats, seriesCsv, slugify } from '../src/reports/figure-export.js';
import { svgToPng, writeFigures } from '../src/reports/figure-files.js';
import { renderHtml } from '../src/reports/html.js';
import { main } from '../src/cli/main.js';

type Row = Record<string, number | string>;
const doc = () => parseHTML('<!doctype html><html><body></body></html>').document as unknown as Document;

// A planted family: three exponential decays (measured, solid) and their theory (dashed).
const RATES = [0.5, 1, 2];
const COLORS = ['#4269d0', '#efb118', '#ff725c']; // Plot's observable10, in first-seen order
function decayRows(): Row[] {
  const rows: Row[] = [];
  for (const method of ['measured', 'theory']) {
    for (const k of RATES) for (let t = 0; t <= 20; t++) rows.push({ t: t / 4, loss: Math.exp(-k * t / 4) * (method === 'measured' ? 1.02 : 1), rate: String(k), method });
  }
  return rows;
}
const lineSpec: PlotSpec = { title: 'Loss decay $e^{-\\lambda t}$ per rate λ', caption: 'dashed: theory $L(t) = e^{-\\lambda t}$', kind: 'lines', series: 'loss', x: 't', y: 'loss', stroke: 'rate', dashed: 'method', yType: 'log' };
const heatSpec: PlotSpec = { title: 'Overlap', kind: 'heatmap', series: 'grid', x: 'j', y: 'i', z: 'v' };
const gridRows = (): Row[] => Array.from({ length: 12 }, (_, n) => ({ i: Math.floor(n / 4), j: n % 4, v: ((n * 7) % 12) / 11 }));

// ───────────── a small PNG decoder (8-bit RGB/RGBA, non-interlaced), independent of resvg ─────────────
function decodePng(buf: Uint8Array): { width: number; height: number; channels: number; px: Uint8Array } {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let off = 8, width = 0, height = 0, channels = 0;
  const idat: Uint8Array[] = [];
  while (off < buf.length) {
    const len = dv.getUint32(off);
    const type = String.fromCharCode(...buf.subarray(off + 4, off + 8));
    const data = buf.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') {
      width = dv.getUint32(off + 8); height = dv.getUint32(off + 12);
      expect(data[8]).toBe(8); // bit depth
      expect(data[12]).toBe(0); // no interlace
      channels = { 2: 3, 6: 4 }[data[9]] ?? 0;
      expect(channels, `colour type ${data[9]}`).toBeGreaterThan(0);
    } else if (type === 'IDAT') idat.push(data);
    off += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const px = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? px[y * stride + x - channels] : 0;
      const b = y > 0 ? px[(y - 1) * stride + x] : 0;
      const c = x >= channels && y > 0 ? px[(y - 1) * stride + x - channels] : 0;
      const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
      const pred = [0, a, b, (a + b) >> 1, pa <= pb && pa <= pc ? a : pb <= pc ? b : c][f];
      px[y * stride + x] = (line[x] + pred) & 255;
    }
  }
  return { width, height, channels, px };
}

describe('equations: $…$ is TeX, rendered by KaTeX to MathML', () => {
  it('splits text and math by the Pandoc rule; \\$ is a literal dollar', () => {
    expect(splitMath('rate $u^{2-2/L}$ at $L=3$.')).toEqual([
      { math: false, text: 'rate ' }, { math: true, tex: 'u^{2-2/L}' }, { math: false, text: ' at ' }, { math: true, tex: 'L=3' }, { math: false, text: '.' }]);
    expect(splitMath('costs $5 or $6')).toEqual([{ math: false, text: 'costs $5 or $6' }]);
    expect(splitMath('a \\$ sign and $x$')).toEqual([{ math: false, text: 'a $ sign and ' }, { math: true, tex: 'x' }]);
    expect(splitMath('unclosed $x')).toEqual([{ math: false, text: 'unclosed $x' }]);
    expect(plainMath('drift $\\|G\\|_F$ small')).toBe('drift \\|G\\|_F small');
  });

  it('renders math as MathML (msup for a power, the TeX kept as annotation) and escapes the text around it', () => {
    const html = mathHtml('a<b: $u^{2-2/L}$');
    expect(html.startsWith('a&lt;b: <span class="katex"><math')).toBe(true);
    expect(html).toMatch(/<msup><mi>u<\/mi><mrow><mn>2<\/mn><mo>−<\/mo><mn>2<\/mn>/);
    expect(html).toMatch(/<annotation encoding="application\/x-tex">u\^\{2-2\/L\}<\/annotation>/);
    expect(mathHtml('no math & no dollars')).toBe('no math &amp; no dollars');
    // A TeX error is shown, not thrown.
    expect(() => mathHtml('$\\frac{1}{$')).not.toThrow();
    expect(mathHtml('$\\nosuchmacro$')).toMatch(/nosuchmacro/);
  });
});

describe('figure names and --figures values', () => {
  it('numbers and slugs titles (Greek and TeX spelt out, an equation dropped)', () => {
    expect(figureName({ title: 'Sharpness λ_max(∇²L) vs step', series: 's' }, 0)).toBe('01-sharpness-lambda-max-2l-vs-step');
    expect(figureName({ title: 'Mode strengths u_μ(t) = u*_μᵀ W_L⋯W_1 v*_μ', series: 'modes' }, 9)).toBe('10-mode-strengths-u-mu-t');
    expect(figureName({ title: '∇∇', series: 'loss' }, 2)).toBe('03-loss');
    expect(slugify('Decay $e^{-\\lambda t}$')).toBe('decay-e-lambda-t');
    expect(slugify('x'.repeat(30) + ' ' + 'y'.repeat(30)).length).toBeLessThanOrEqual(40);
  });

  it('parses formats; refuses others naming the flag and the allowed values', () => {
    expect(parseFigureFormats('png,svg')).toEqual(['svg', 'png']);
    expect(parseFigureFormats('CSV')).toEqual(['csv']);
    expect(parseFigureFormats('all')).toEqual(['svg', 'png', 'csv']);
    expect(() => parseFigureFormats('png,gif')).toThrow(/^--figures: must be one or more of svg, png, csv \(comma-separated\), or all \(got "png,gif"\)$/);
    expect(() => parseFigureFormats(undefined)).toThrow(/^--figures: needs a value/);
    expect(() => parseFigureFormats(',')).toThrow(/--figures: must be/);
  });
});

describe('CSV of a series', () => {
  it('round-trips rows: numbers to the same doubles, strings with commas/quotes/newlines, missing cells', () => {
    const rows: Row[] = [
      { t: 0, loss: 0.1 + 0.2, label: 'plain' },
      { t: 1e-300, loss: -1.7976931348623157e308, label: 'with, comma' },
      { t: 2, loss: 1 / 3, label: 'a "quoted"\nline' },
      { t: 3, extra: 5 }, // no loss, no label; a column that appears late
    ];
    const csv = seriesCsv(rows);
    expect(csv.split('\n')[0]).toBe('t,loss,label,extra');
    expect(csv.split('\n')[1]).toBe('0,0.30000000000000004,plain,');
    const back = parseCsv(csv);
    expect(back).toHaveLength(rows.length);
    back.forEach((r, i) => {
      for (const k of ['t', 'loss', 'label', 'extra']) {
        const v = rows[i][k];
        if (v === undefined) expect(r[k]).toBe('');
        else if (typeof v === 'number') expect(Number(r[k])).toBe(v);
        else expect(r[k]).toBe(v);
      }
    });
    const decay = decayRows();
    const parsed = parseCsv(seriesCsv(decay));
    expect(parsed.map((r) => ({ t: Number(r.t), loss: Number(r.loss), rate: r.rate, method: r.method }))).toEqual(decay);
  });
});

describe('standalone SVG', () => {
  it('is well-formed XML with the plot\'s marks: one line per (rate, method), dashed theory, an SVG legend', () => {
    const svg = figureSvg(lineSpec, decayRows(), doc())!;
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" ')).toBe(true);
    expect(() => new Resvg(svg)).not.toThrow(); // resvg's parser (roxmltree) refuses malformed XML
    expect(() => new Resvg('<svg xmlns="http://www.w3.org/2000/svg"><g></svg>')).toThrow(); // … as the check above needs
    const { document } = parseHTML(svg);
    const lines = Array.from(document.querySelectorAll('g[aria-label="line"] path'));
    expect(lines).toHaveLength(2 * RATES.length); // measured + theory for each rate
    const dashedLines = Array.from(document.querySelectorAll('g[aria-label="line"][stroke-dasharray] path'));
    expect(dashedLines).toHaveLength(RATES.length);
    for (const c of COLORS) expect(lines.filter((p) => p.getAttribute('stroke') === c)).toHaveLength(2);
    // Each path has one vertex per time point.
    for (const p of lines) expect((p.getAttribute('d')!.match(/[ML]/g) ?? []).length).toBe(21);
    // Legend: a swatch and a label per rate (however plots.ts names them: "0.5", "rate = 0.5"), all in SVG.
    const legend = document.querySelector('g.legend')!;
    const labels = Array.from(legend.querySelectorAll('text')).map((t) => t.textContent!);
    expect(labels).toHaveLength(RATES.length);
    RATES.forEach((k, i) => expect(labels[i]).toMatch(new RegExp(`(^|= )${k}$`)));
    expect(Array.from(legend.querySelectorAll('svg')).map((s) => s.getAttribute('fill'))).toEqual(COLORS);
    expect(svg).not.toMatch(/<div|<span|<figure/);
    const w = Number(/width="(\d+)"/.exec(svg)![1]), h = Number(/height="(\d+)"/.exec(svg)![1]);
    expect(w).toBeGreaterThanOrEqual(640);
    expect(h).toBeGreaterThan(320); // the plot plus the legend row
  });

  it('draws a heatmap as one cell per row, and nothing when no row is finite', () => {
    const svg = figureSvg(heatSpec, gridRows(), doc())!;
    const { document } = parseHTML(svg);
    expect(document.querySelectorAll('g[aria-label="cell"] rect')).toHaveLength(12);
    expect(figureSvg(lineSpec, [{ t: 'x', loss: 'y' }], doc())).toBeNull();
  });
});

describe('PNG', () => {
  it('has the PNG signature, 2× the SVG size, and pixels in the lines\' colours on white', async () => {
    const svg = figureSvg(lineSpec, decayRows(), doc())!;
    const png = await svgToPng(svg);
    expect([...png.subarray(0, 8)]).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
    const { width, height, channels, px } = decodePng(png);
    expect(width).toBe(2 * Number(/width="(\d+)"/.exec(svg)![1]));
    expect(height).toBe(2 * Number(/height="(\d+)"/.exec(svg)![1]));
    const colours = new Map<string, number>();
    for (let i = 0; i < px.length; i += channels) {
      const key = `${px[i]},${px[i + 1]},${px[i + 2]}`;
      colours.set(key, (colours.get(key) ?? 0) + 1);
    }
    const white = colours.get('255,255,255') ?? 0;
    expect(white / (width * height)).toBeGreaterThan(0.5); // mostly background
    expect(white / (width * height)).toBeLessThan(0.995); // but not blank
    // Every line colour appears (the legend swatches alone are 30×30 px at 2×).
    for (const c of COLORS) {
      const rgb = [1, 3, 5].map((k) => parseInt(c.slice(k, k + 2), 16)).join(',');
      expect(colours.get(rgb) ?? 0, `pixels of ${c}`).toBeGreaterThan(800);
    }
    await expect(svgToPng(svg, { scale: 0 })).rejects.toThrow(/scale: must be in \(0, 8\]/);
  });
});

// A cheap experiment (no training): plots over given rows, and TeX in its texts.
const fakeExp = {
  name: 'fake', title: 'Planted decays', strand: 'tests', description: 'Each mode decays as $e^{-\\lambda t}$.',
  plots: () => [lineSpec, { title: 'Nothing here', kind: 'lines', series: 'empty', x: 't', y: 'loss' }, heatSpec],
} as unknown as Experiment;
const fakeRecord = {
  experiment: 'fake', config: {}, seed: 0, status: 'ok', verdict: 'confirmed', seconds: 0.1, regime: [{ name: 'small $\\eta\\lambda$', value: 0.1, limit: 1, bound: 'max', ok: true }],
  checks: [{ name: 'rate', quantity: 'fitted $\\hat\\lambda$ vs $\\lambda$', predicted: 1, measured: 1.01, tolerance: { kind: 'rel', value: 0.05 }, verdict: 'confirmed' }],
} as unknown as ExperimentRecord;

describe('HTML report', () => {
  it('renders $…$ as MathML, shows each plot as its standalone SVG with SVG/PNG/CSV buttons, and embeds the CSV', () => {
    const series = new Map<string, Row[]>([['loss', decayRows()], ['grid', gridRows()]]);
    const html = renderHtml(fakeExp, fakeRecord, series);
    // Equations: the description, the plot title and caption, the check quantity, the regime condition.
    expect((html.match(/<math xmlns="http:\/\/www.w3.org\/1998\/Math\/MathML">/g) ?? []).length).toBe(6);
    expect(html).toMatch(/<mover accent="true"><mi>λ<\/mi><mo>\^<\/mo><\/mover>/); // \hat\lambda
    expect(html).not.toMatch(/\$e\^/);
    const { document } = parseHTML(html);
    const secs = Array.from(document.querySelectorAll('section.plot'));
    expect(secs.map((s) => s.getAttribute('data-file'))).toEqual(['01-loss-decay-e-lambda-t-per-rate-lambda', '02-nothing-here', '03-overlap']);
    const buttons = (s: Element) => Array.from(s.querySelectorAll('button[data-download]')).map((b) => b.getAttribute('data-download'));
    expect(secs.map(buttons)).toEqual([['svg', 'png', 'csv'], [], ['svg', 'png', 'csv']]);
    // What is shown is what the SVG button saves: the same standalone SVG as --figures writes.
    expect(html).toContain(figureSvg(lineSpec, decayRows(), doc())!.trim());
    const data = JSON.parse(document.getElementById('lmech-figure-data')!.textContent!);
    expect(Object.keys(data).sort()).toEqual(['grid', 'loss']);
    expect(data.loss).toBe(seriesCsv(decayRows()));
    expect(html).toMatch(/<script>\(\(\) => \{/); // the inline download script
    expect(html).not.toMatch(/<script[^>]*\ssrc=|<link[^>]*\shref=/); // nothing fetched
  });

  it('keeps the embedded data inside its <script> whatever the rows hold', () => {
    const html = renderHtml(fakeExp, fakeRecord, new Map([['loss', decayRows().map((r, i) => (i === 0 ? { ...r, method: '</script><b>x' } : r))]]));
    const { document } = parseHTML(html);
    expect(JSON.parse(document.getElementById('lmech-figure-data')!.textContent!).loss).toContain('</script><b>x');
  });
});

describe('writeFigures (lmech run --figures)', () => {
  it('writes figures/<nn>-<slug>.svg|png|csv for every plot with data', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lmech-fig-'));
    const series = new Map<string, Row[]>([['loss', decayRows()], ['grid', gridRows()]]);
    const out = await writeFigures(dir, fakeExp, {}, series, ['svg', 'png', 'csv']);
    expect(readdirSync(join(dir, 'figures')).sort()).toEqual([
      '01-loss-decay-e-lambda-t-per-rate-lambda.csv', '01-loss-decay-e-lambda-t-per-rate-lambda.png', '01-loss-decay-e-lambda-t-per-rate-lambda.svg',
      '03-overlap.csv', '03-overlap.png', '03-overlap.svg']);
    expect(out.empty).toEqual(['02-nothing-here']);
    expect(out.files).toHaveLength(6);
    expect(readFileSync(join(dir, 'figures', '01-loss-decay-e-lambda-t-per-rate-lambda.svg'), 'utf8')).toBe(figureSvg(lineSpec, decayRows(), doc()));
    expect(parseCsv(readFileSync(join(dir, 'figures', '03-overlap.csv'), 'utf8')).map((r) => Number(r.v))).toEqual(gridRows().map((r) => r.v));
    const only = mkdtempSync(join(tmpdir(), 'lmech-fig-'));
    await writeFigures(only, fakeExp, {}, series, ['csv']);
    expect(readdirSync(join(only, 'figures')).every((f) => f.endsWith('.csv'))).toBe(true);
  });
});

describe('lmech run --figures', () => {
  async function lmechInProcess(...args: string[]): Promise<{ code: number; stderr: string }> {
    let stderr = '';
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => { stderr += String(s); return true; });
    const before = process.exitCode;
    try {
      await main(['node', 'lmech', ...args]);
      return { code: Number(process.exitCode ?? 0), stderr };
    } finally {
      spy.mockRestore();
      process.exitCode = before;
    }
  }

  it('a bad value is a usage error (exit 2) naming the flag and the allowed values; so is --figures without --out', async () => {
    const bad = await lmechInProcess('run', 'dln', '--figures', 'gif', '--out', join(tmpdir(), 'never-made'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('lmech: --figures: must be one or more of svg, png, csv (comma-separated), or all (got "gif")\n');
    expect(existsSync(join(tmpdir(), 'never-made'))).toBe(false);
    const eq = await lmechInProcess('run', 'dln', '--figures=svg;png', '--out', join(tmpdir(), 'never-made'));
    expect(eq.code).toBe(2);
    expect(eq.stderr).toMatch(/--figures: must be one or more of svg, png, csv .*\(got "svg;png"\)/);
    const missing = await lmechInProcess('run', 'dln', '--figures');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--figures: needs a value: svg, png, csv/);
    const noOut = await lmechInProcess('run', 'dln', '--figures', 'svg');
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toMatch(/--figures: only with --out DIR/);
  });

  // The CLI runs from dist/ (built by `npm test` before vitest starts), as in cli.test.ts.
  it('writes every figure of a real run beside its report', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lmech-figcli-'));
    const r = spawnSync(process.execPath, ['bin/lmech.js', 'run', 'quadratic-stability', '--dim', '20', '--steps', '120', '--figures', 'svg,png,csv', '--out', dir], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/figures: 3 files in .*figures/);
    const files = readdirSync(join(dir, 'figures')).sort();
    const base = '01-gd-loss-on-a-planted-quadratic-eta-as-a';
    expect(files).toEqual([`${base}.csv`, `${base}.png`, `${base}.svg`]);
    const csv = parseCsv(readFileSync(join(dir, 'figures', `${base}.csv`), 'utf8'));
    const jsonl = readFileSync(join(dir, 'loss.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Row);
    expect(csv).toHaveLength(jsonl.length);
    expect(csv.map((c) => Number(c.loss))).toEqual(jsonl.map((j) => j.loss));
    const png = readFileSync(join(dir, 'figures', `${base}.png`));
    expect([...png.subarray(0, 8)]).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
    expect(readFileSync(join(dir, 'figures', `${base}.svg`), 'utf8')).toMatch(/stroke-dasharray/);
  });
});
