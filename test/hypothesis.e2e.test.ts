/**
 * End to end: the page's prediction box (web/main.ts) in headless Chromium through playwright-core,
 * as test/web.e2e.test.ts drives the page. A prediction opened from the URL is registered when the
 * run starts (its SHA-256 the one `lmech test` gives the same hypothesis), judged when the run ends
 * (Saxe's half-learning time of the top DLN mode: confirmed), kept in the URL, and re-judged on the
 * same data when edited after the run — marked as not pre-registered; a malformed expression shows
 * the column it fails at.
 *
 * Without /usr/bin/chromium the suite is skipped locally and fails on CI.
 */
import { rmSync } from 'node:fs';
import { type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { compileHypothesis, hypothesisHash } from '../src/lab/hypothesis.js';
import * as libm from '../src/engine/libm.js';
import { CHROMIUM, baseUrl, buildPage, closeServer, hasChromium, launchChromium, onCi, requireChromium, serve } from './support/browser.js';

if (!hasChromium && !onCi) console.warn(`hypothesis.e2e: skipped — ${CHROMIUM} not found`);



// The top mode (λ₁ = 6) of a depth-2 DLN from aligned init s₀ = 0.01 is half learned at ln(6/s₀² − 1)/12.
const OBSERVABLE = 'first(modes[method == "gd" && mode == 1 && u >= 0.5 * lambda].t)';
const PREDICTION = 'log(6 / init ** 2 - 1) / 12';

describe.skipIf(!hasChromium && !onCi)('the page’s prediction box in headless Chromium', () => {
  let outDir = '';
  let server: Server | undefined;
  let browser: Browser | undefined;
  let base = '';

  beforeAll(async () => {
    requireChromium();
    outDir = await buildPage('lmech-hyp-web-');
    server = await serve(resolve(outDir), { isolated: true });
    base = baseUrl(server);
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await closeServer(server);
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  it('registers the prediction at Run, shows its verdict when the run ends, keeps it in the URL, re-judges an edit as post hoc', async () => {
    const page = await browser!.newPage({ viewport: { width: 1360, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    const q = new URLSearchParams({ experiment: 'dln', depth: '2', init: '0.01', lr: '0.005', steps: '300', flow: 'false', conservation: 'false', 'h-observable': OBSERVABLE, 'h-prediction': PREDICTION, 'h-tolerance': '5%', autorun: '1' });
    await page.goto(`${base}?${q}`);
    await page.waitForSelector('#verdict[data-state="done"], #verdict[data-state="error"]', { timeout: 60_000 });
    await page.waitForSelector('#h-verdict[data-state="confirmed"], #h-verdict[data-state="falsified"], #h-verdict[data-state="error"]', { timeout: 10_000 });
    expect(await page.locator('#h-error').textContent()).toBe('');
    expect(await page.locator('#h-verdict').textContent()).toBe('confirmed');
    expect(await page.locator('#h-observable').inputValue()).toBe(OBSERVABLE);

    // Registered before the run, with the hash `lmech test` computes for the same hypothesis.
    const reg = page.locator('#h-registration');
    expect(await reg.textContent()).toMatch(/^registered \d{4}-\d\d-\d\dT[\d:.]+Z · sha256 [0-9a-f]{16}… · before the run$/);
    const config = await page.evaluate(() => (globalThis as unknown as { lmechRecord: { config: Record<string, unknown> } }).lmechRecord.config);
    const same = compileHypothesis({ name: 'page', experiment: 'dln', overrides: config, observable: OBSERVABLE, prediction: PREDICTION, tolerance: '5%' });
    expect(await reg.getAttribute('data-hash')).toBe(await hypothesisHash(same.h));

    // The check: measured t½ against ln(6/s₀² − 1)/12 = 0.9168.
    const cells = await page.locator('#h-checks tbody tr td').allTextContents();
    expect(cells[0]).toBe('page');
    expect(Number(cells[1])).toBeCloseTo(libm.log(6 / 1e-4 - 1) / 12, 3);
    expect(Math.abs(Number(cells[2]) / Number(cells[1]) - 1)).toBeLessThan(0.05);

    // The prediction is in the URL (a shared link carries it).
    const url = new URL(page.url());
    expect(url.searchParams.get('h-observable')).toBe(OBSERVABLE);
    expect(url.searchParams.get('h-prediction')).toBe(PREDICTION);
    expect(url.searchParams.get('h-tolerance')).toBe('5%');

    // Tightened after the run: judged on the same data, marked as not pre-registered; the run is not stale.
    await page.locator('#h-tolerance').fill('0.01%');
    await page.locator('#h-tolerance').dispatchEvent('change');
    await page.waitForSelector('#h-verdict[data-state="falsified"]', { timeout: 10_000 });
    expect(await reg.textContent()).toContain('written after the run: not pre-registered');
    await page.waitForFunction(() => new URLSearchParams(location.search).get('h-tolerance') === '0.01%');
    expect(await page.locator('#stale').isVisible()).toBe(false);

    // A malformed expression: the error names the field and the column.
    await page.locator('#h-observable').fill('mean(modes.u) ^ 2');
    await page.locator('#h-observable').dispatchEvent('change');
    await page.waitForSelector('#h-error:not([hidden])');
    expect(await page.locator('#h-error').textContent()).toContain('prediction: observable, column 15: operator ^ is not allowed');
    expect(await page.locator('#h-verdict').textContent()).toBe('error');

    await page.screenshot({ path: join(tmpdir(), 'lmech-page-prediction.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);
});
