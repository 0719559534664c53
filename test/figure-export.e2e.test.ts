/**
 * End to end, in Debian's headless Chromium (playwright-core, no browser download): the HTML
 * report's download buttons (its inline script, from a file:// page, no network) and the live
 * page's, save the figure as SVG and PNG and its series as CSV; the report's `$…$` texts are laid
 * out by the browser as MathML.
 *
 * Without /usr/bin/chromium the suite is skipped locally and fails on CI (as web.e2e.test.ts).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { Resvg } from '@resvg/resvg-js';
import type { Experiment, ExperimentRecord, PlotSpec } from '../src/experiments/types.js';
import { renderHtml } from '../src/reports/html.js';
import { parseCsv, seriesCsv } from '../src/reports/figure-export.js';
import { baseUrl, buildPage, closeServer, hasChromium, launchChromium, onCi, requireChromium, serve } from './support/browser.js';


type Row = Record<string, number | string>;
const RATES = [0.5, 1, 2];
const rows: Row[] = RATES.flatMap((k) => Array.from({ length: 30 }, (_, t) => ({ t, loss: Math.exp(-k * t / 10), rate: String(k), method: 'measured' })));
const spec: PlotSpec = { title: 'Decay $e^{-\\lambda t}$', caption: 'theory: $L(t) = L_0 e^{-\\lambda t}$', kind: 'lines', series: 'loss', x: 't', y: 'loss', stroke: 'rate', yType: 'log' };
const exp = { name: 'fake', title: 'Planted decays', strand: 'tests', description: 'modes decay as $e^{-\\lambda_k t}$', plots: () => [spec] } as unknown as Experiment;
const record = { experiment: 'fake', config: {}, seed: 0, status: 'ok', verdict: 'confirmed', seconds: 0, regime: [], checks: [] } as unknown as ExperimentRecord;

const PNG_SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];
const pngSize = (b: Buffer) => ({ w: b.readUInt32BE(16), h: b.readUInt32BE(20) });
const svgSize = (s: string) => ({ w: Number(/<svg[^>]*\swidth="([\d.]+)"/.exec(s)![1]), h: Number(/<svg[^>]*\sheight="([\d.]+)"/.exec(s)![1]) });

/** Click a button and read what it downloads. */
async function download(page: Page, selector: string): Promise<{ name: string; body: Buffer }> {
  const [d] = await Promise.all([page.waitForEvent('download', { timeout: 20_000 }), page.locator(selector).click()]);
  const path = await d.path();
  return { name: d.suggestedFilename(), body: readFileSync(path!) };
}


describe.skipIf(!hasChromium && !onCi)('figure downloads in headless Chromium', () => {
  let browser: Browser | undefined;
  let server: Server | undefined;
  let work = '';

  beforeAll(async () => {
    requireChromium();
    work = mkdtempSync(join(tmpdir(), 'lmech-figdl-'));
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await closeServer(server);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('the HTML report (file://) saves SVG, PNG and CSV, and lays out its $…$ as MathML', async () => {
    const file = join(work, 'report.html');
    writeFileSync(file, renderHtml(exp, record, new Map([['loss', rows]])));
    const page = await browser!.newPage({ acceptDownloads: true });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(pathToFileURL(file).href);
    // Title, caption and description: three formulas, each laid out with a real size.
    expect(await page.locator('math').count()).toBe(3);
    const box = await page.locator('h3 math').boundingBox();
    expect(box!.width).toBeGreaterThan(10);

    const svg = await download(page, 'section.plot button[data-download="svg"]');
    expect(svg.name).toBe('01-decay-e-lambda-t.svg');
    const text = svg.body.toString('utf8');
    expect(text).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(() => new Resvg(text)).not.toThrow(); // well-formed XML
    expect((text.match(/<path[^>]*stroke="#[0-9a-f]{6}"/g) ?? []).length).toBeGreaterThanOrEqual(RATES.length);

    const png = await download(page, 'section.plot button[data-download="png"]');
    expect(png.name).toBe('01-decay-e-lambda-t.png');
    expect([...png.body.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
    expect(pngSize(png.body)).toEqual({ w: 2 * svgSize(text).w, h: 2 * svgSize(text).h });

    const csv = await download(page, 'section.plot button[data-download="csv"]');
    expect(csv.name).toBe('01-decay-e-lambda-t.csv');
    expect(csv.body.toString('utf8')).toBe(seriesCsv(rows));
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it('the live page saves the figure it drew as SVG and PNG, and its rows as CSV', async () => {
    const out = await buildPage('', join(work, 'web'));
    server = await serve(resolve(out), { isolated: true });
    const base = baseUrl(server);
    const page = await browser!.newPage({ acceptDownloads: true, viewport: { width: 1360, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${base}?experiment=dln&depth=2&init=0.01&lr=0.005&conservation=false&autorun=1`);
    await page.waitForSelector('#verdict[data-state="done"], #verdict[data-state="error"]', { timeout: 60_000 });
    const fig = 'figure[data-series="loss"]';
    await page.waitForSelector(`${fig} button[data-download="svg"]:not([disabled])`);

    const svg = await download(page, `${fig} button[data-download="svg"]`);
    expect(svg.name).toMatch(/^\d\d-loss.*\.svg$/);
    const text = svg.body.toString('utf8');
    expect(text).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(() => new Resvg(text)).not.toThrow();
    expect(text).toMatch(/<path[^>]*d="M/);

    const png = await download(page, `${fig} button[data-download="png"]`);
    expect([...png.body.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
    expect(pngSize(png.body)).toEqual({ w: 2 * svgSize(text).w, h: 2 * svgSize(text).h });

    const csv = await download(page, `${fig} button[data-download="csv"]`);
    const back = parseCsv(csv.body.toString('utf8'));
    const series = await page.evaluate(() => (globalThis as unknown as { lmechSeries: Map<string, Record<string, unknown>[]> }).lmechSeries.get('loss'));
    expect(back).toHaveLength(series!.length);
    expect(back.map((r) => Number(r.loss))).toEqual(series!.map((r) => r.loss));
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);
});
