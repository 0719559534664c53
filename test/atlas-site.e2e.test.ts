/**
 * End to end (issue 14 §2): build the static atlas site — from records of a few cheap runs made
 * here, with the live lab built by Vite — and drive it in Debian's headless Chromium:
 *   - from file:// the map renders every registered claim as a node coloured by its status, and a
 *     node opens its claim page (the atlas pages are plain HTML, no scripts);
 *   - every link of every page resolves, as files and over a static HTTP server;
 *   - a claim's "run it live" link (over HTTP: the lab is an ES-module page with a module worker,
 *     which Chromium does not load from file://) starts the experiment with the claim's
 *     configuration and reaches the same verdict, with the same checks, as the CLI.
 *
 * Without /usr/bin/chromium the suite is skipped locally and fails on CI.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { parseHTML } from 'linkedom';
import { getExperiment } from '../src/experiments/registry.js';
import { runExperiment } from '../src/experiments/runner.js';
import type { ExperimentRecord } from '../src/experiments/types.js';
import { CLAIMS } from '../src/lab/claims.js';
import { buildSite, testConfig, type SiteResult, type VerifyEntry } from '../src/reports/atlas-site.js';
import { writeReport } from '../src/reports/write.js';
import { brokenLinks } from './support/links.js';
import { CHROMIUM, baseUrl, closeServer, hasChromium, launchChromium, onCi, requireChromium, serve } from './support/browser.js';

if (!hasChromium && !onCi) console.warn(`atlas-site.e2e: skipped — ${CHROMIUM} not found (install Debian's chromium to run the browser test)`);



/** The cheap configurations whose records the site is built from (a second or two in all). */
const RUNS: [string, string][] = [
  ['quadratic-stability', 'quick'],
  ['quadratic-stability', 'ill-conditioned, λ_max = 100'],
  ['quadratic-stability', 'η within 0.1% of 2/λ_max: unresolved in 200 steps'],
  ['spectral-bias', 'quick'],
];

describe.skipIf(!hasChromium && !onCi)('atlas site in headless Chromium', () => {
  const tmp: string[] = [];
  let site: SiteResult;
  let records: ExperimentRecord[] = [];
  let server: Server | undefined;
  let browser: Browser | undefined;
  let base = '';

  beforeAll(async () => {
    requireChromium();
    const verify = mkdtempSync(join(tmpdir(), 'lmech-atlas-verify-'));
    const dir = mkdtempSync(join(tmpdir(), 'lmech-atlas-site-'));
    tmp.push(verify, dir);
    const entries: VerifyEntry[] = [];
    for (const [i, [name, label]] of RUNS.entries()) {
      const exp = getExperiment(name);
      const { record, series } = await runExperiment(exp, testConfig({ experiment: name, config: label, role: 'test', checks: [] }), { label });
      const d = join(verify, `${name}-${i}`);
      writeReport(d, exp, record, series);
      entries.push({ record, dir: d });
      records.push(record);
    }
    site = await buildSite(dir, entries, { lab: 'build', source: verify });
    server = await serve(resolve(dir), { isolated: false });
    base = baseUrl(server);
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await closeServer(server);
    for (const d of tmp) rmSync(d, { recursive: true, force: true });
  });

  it('from file://, the map renders every registered claim coloured by status, and a node opens its page', async () => {
    expect(site.lab).toBe(true);
    const page = await browser!.newPage({ viewport: { width: 1300, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(pathToFileURL(join(site.dir, 'index.html')).href);
    const nodes = page.locator('svg.map a.claim-node');
    expect(await nodes.count()).toBe(CLAIMS.length);
    const drawn = await nodes.evaluateAll((as) => as.map((a) => ({ id: a.getAttribute('data-claim'), status: a.getAttribute('data-status'), fill: a.querySelector('circle')!.getAttribute('fill'), w: a.getBoundingClientRect().width })));
    expect(drawn.map((d) => d.id).sort()).toEqual(CLAIMS.map((c) => c.id).sort());
    for (const d of drawn) {
      expect(d.w, `${d.id} drawn`).toBeGreaterThan(10);
      expect(d.status).toBe(site.atlas.claims.find((c) => c.claim.id === d.id)!.status);
    }
    const colour = (s: string) => new Set(drawn.filter((d) => d.status === s).map((d) => d.fill));
    expect(colour('confirmed').size).toBe(1);
    expect(colour('untested').size).toBe(1);
    expect([...colour('confirmed')][0]).not.toBe([...colour('untested')][0]);
    expect(drawn.find((d) => d.id === 'quadratic-stability')!.status).toBe('confirmed');
    expect(drawn.find((d) => d.id === 'spectral-bias')!.status).toBe('confirmed');
    expect(await page.locator('svg.map a.od-node').count()).toBe(10);

    await page.locator('a.claim-node[data-claim="quadratic-stability"]').click();
    await page.waitForURL(/claims\/quadratic-stability\.html$/);
    expect(await page.locator('h1').textContent()).toContain('quadratic-stability');
    expect(await page.locator('.eq math').count()).toBe(1);
    expect(await page.locator('section.test[data-role="test"] table tbody tr').count()).toBeGreaterThan(3);
    expect(await page.locator('section.plot svg').count()).toBeGreaterThan(0);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it('every link resolves: as files, and over a static HTTP server', async () => {
    expect(brokenLinks(site.dir)).toEqual([]);
    const urls = new Set<string>();
    for (const p of site.pages) {
      const { document } = parseHTML(readFileSync(join(site.dir, p), 'utf8'));
      for (const a of Array.from(document.querySelectorAll('a[href]'))) {
        const href = a.getAttribute('href')!;
        if (/^(https?:|mailto:|#)/.test(href)) continue;
        urls.add(new URL(href, base + p).href.split('#')[0]);
      }
    }
    expect(urls.size).toBeGreaterThan(CLAIMS.length);
    const bad: string[] = [];
    for (const u of urls) { const r = await fetch(u); if (r.status !== 200) bad.push(`${r.status} ${u}`); }
    expect(bad).toEqual([]);
  }, 30_000);

  it("a claim's 'run it live' link starts the experiment with its configuration and reaches the CLI's verdict", async () => {
    const page = await browser!.newPage({ viewport: { width: 1300, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(base + 'claims/quadratic-stability.html');
    const link = page.locator('section.test[data-config="quick"] a.live');
    expect(await link.getAttribute('href')).toMatch(/^\.\.\/lab\/index\.html\?experiment=quadratic-stability&/);
    await link.click();
    await page.waitForURL(/\/lab\/index\.html\?experiment=quadratic-stability/);
    await page.waitForSelector('#verdict[data-state="done"], #verdict[data-state="error"]', { timeout: 30_000 });
    const cli = records[0];
    expect(await page.locator('#verdict').textContent(), (await page.locator('#error').textContent()) ?? '').toBe(cli.verdict);
    const web = await page.evaluate(() => (globalThis as unknown as { lmechRecord: ExperimentRecord }).lmechRecord);
    expect(web.config).toEqual(cli.config); // the claim's configuration, preloaded from the URL
    expect(web.checks.map((c) => [c.name, c.verdict])).toEqual(cli.checks.map((c) => [c.name, c.verdict]));
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});
