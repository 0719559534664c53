/**
 * The atlas (issue 14 §1): claims as data, statuses derived from verdict records.
 *
 * What is verified, and how:
 *  - statically, for every claim: the experiment and configuration it names exist in the
 *    registry, and a boundary (control) names a configuration expected out of regime (falsified);
 *  - every check matcher against the check names of a recorded run of its configuration
 *    (test/fixtures/atlas/check-names.json, recorded from runExperiment on every quick config and
 *    variant). The fixture can go stale for the expensive experiments; for the cheap ones the
 *    test runs them fresh here and requires the fixture's names to equal the fresh run's, and
 *    `lmech verify --out` reports any matcher that matches nothing in atlas.json ("unmatched");
 *  - status derivation on hand-made records (falsified wins, boundary/control never move it,
 *    seeds combine, an unfinished run is out of regime, no record is untested);
 *  - the verify-side outputs (atlas.json, atlas.html) and the site without the lab: every claim
 *    on the map, every relative link resolving to a file.
 */
import { describe, expect, it, vi } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { main } from '../src/cli/main.js';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseHTML } from 'linkedom';
import { experiments, getExperiment } from '../src/experiments/registry.js';
import { runExperiment } from '../src/experiments/runner.js';
import type { Check, ExperimentRecord } from '../src/experiments/types.js';
import { CLAIMS, OPEN_DIRECTIONS, STRANDS, type Claim } from '../src/lab/claims.js';
import { atlasJson, atlasRows, buildAtlas, claimOutcome, claimProblems, matches, testOutcome, type AtlasRecord } from '../src/lab/atlas.js';
import { buildSite, liveQuery, readVerifyDir, testConfig, writeVerifyAtlas } from '../src/reports/atlas-site.js';
import { writeReport } from '../src/reports/write.js';
import { brokenLinks } from './support/links.js';

const FIXTURE = JSON.parse(readFileSync(new URL('./fixtures/atlas/check-names.json', import.meta.url), 'utf8')) as Record<string, Record<string, string[]>>;

/** Cheap configurations run fresh here (well under a second to a few seconds each). */
const FRESH: [string, string][] = [
  ['quadratic-stability', 'quick'],
  ['quadratic-stability', 'ill-conditioned, λ_max = 100'],
  ['quadratic-stability', 'η within 0.1% of 2/λ_max: unresolved in 200 steps'],
  ['dln', 'depth 2, small init'],
  ['dln', 'random large init (steps blurred)'],
  ['width-convergence', 'narrow networks (depth/width not small)'],
  ['spectral-bias', 'quick'],
  ['spectral-bias', 'narrow network (kernel moves)'],
  ['implicit-regularization', 'quick'],
  ['implicit-regularization', '(a) control: modified loss with κ = ½ instead of ¼ (still O(η))'],
  ['implicit-regularization', '(c) RMSProp (β₁ = 0): threshold 2/η'],
];

const configOf = (exp: string, label: string) => testConfig({ experiment: exp, config: label, role: 'test', checks: [] });

let fresh: Promise<ExperimentRecord[]> | undefined;
/** The FRESH runs, once per file. */
function freshRecords(): Promise<ExperimentRecord[]> {
  fresh ??= (async () => {
    const out: ExperimentRecord[] = [];
    for (const [name, label] of FRESH) out.push((await runExperiment(getExperiment(name), configOf(name, label), { label })).record);
    return out;
  })();
  return fresh;
}

const check = (name: string, verdict: Check['verdict']): Check => ({ name, quantity: 'q', predicted: 1, measured: 1, tolerance: { kind: 'abs', value: 0 }, verdict });
const rec = (experiment: string, label: string, checks: Check[], over: Partial<AtlasRecord> = {}): AtlasRecord => ({ experiment, label, config: {}, status: 'ok', checks, verdict: 'confirmed', ...over });

describe('claims as data', () => {
  it('name only registered experiments and configurations, with roles matching their expectations', () => {
    expect(claimProblems(experiments)).toEqual([]);
    expect(CLAIMS.length).toBeGreaterThanOrEqual(30);
    expect(OPEN_DIRECTIONS.map((d) => d.number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // Every strand has claims; every claim has a source and a regime.
    for (const s of STRANDS) expect(CLAIMS.filter((c) => c.strand === s.id).length, s.id).toBeGreaterThan(0);
    for (const c of CLAIMS) {
      expect(c.sources.length, c.id).toBeGreaterThan(0);
      expect(c.regime.length, c.id).toBeGreaterThan(0);
      for (const s of c.sources) if (s.arxiv) expect(s.arxiv, `${c.id}: ${s.title}`).toMatch(/^\d{4}\.\d{4,5}$/);
    }
  });

  it('claimProblems catches a missing experiment, a missing variant, a boundary or control at odds with the expectation', () => {
    const bad: Claim[] = [
      { ...CLAIMS[0], id: 'x-a', tests: [{ experiment: 'nonesuch', config: 'quick', role: 'test', checks: ['a'] }] },
      { ...CLAIMS[0], id: 'x-b', tests: [{ experiment: 'dln', config: 'no such variant', role: 'test', checks: ['a'] }] },
      { ...CLAIMS[0], id: 'x-c', tests: [{ experiment: 'dln', config: 'quick', role: 'test', checks: ['a'] }, { experiment: 'dln', config: 'quick', role: 'boundary', checks: ['a'] }] },
      { ...CLAIMS[0], id: 'x-d', tests: [{ experiment: 'dln', config: 'quick', role: 'control', checks: ['a'] }] },
    ];
    const p = claimProblems(experiments, bad, []);
    expect(p.some((x) => x.includes('no experiment named nonesuch'))).toBe(true);
    expect(p.some((x) => x.includes('no configuration "no such variant"'))).toBe(true);
    expect(p.some((x) => x.includes('boundary test dln [quick] expects confirmed'))).toBe(true);
    expect(p.some((x) => x.includes('control test dln [quick] expects confirmed, a control must expect falsified'))).toBe(true);
  });

  it('every check matcher matches a check of a recorded run of its configuration (fixture)', () => {
    const missing: string[] = [];
    for (const c of CLAIMS) for (const t of c.tests) {
      const names = FIXTURE[t.experiment]?.[t.config];
      if (!names) { missing.push(`${c.id}: no fixture for ${t.experiment} [${t.config}]`); continue; }
      for (const m of t.checks) if (!names.some((n) => matches(m, n))) missing.push(`${c.id}: ${t.experiment} [${t.config}] ${String(m)} matches none of ${JSON.stringify(names)}`);
    }
    expect(missing).toEqual([]);
  });

  it('fresh quick runs of the cheap experiments: the fixture is current, matchers match, statuses as derived', async () => {
    const records = await freshRecords();
    for (const r of records) expect(r.checks.map((c) => c.name), `${r.experiment} [${r.label}]`).toEqual(FIXTURE[r.experiment][r.label!]);
    const qs = claimOutcome(CLAIMS.find((c) => c.id === 'quadratic-stability')!, records);
    expect(qs.status).toBe('confirmed');
    expect(qs.tests.map((t) => t.verdict)).toEqual(['confirmed', 'confirmed', 'out-of-regime']);
    expect(qs.tests[2].asExpected).toBe(true);
    for (const t of qs.tests) expect(t.unmatched).toEqual([]);
    // dln: two of the four dln configurations ran; both bear on the learning-order claim.
    const order = claimOutcome(CLAIMS.find((c) => c.id === 'dln-learning-order')!, records);
    expect(order.status).toBe('confirmed');
    expect(order.tests.filter((t) => t.verdict === 'untested').map((t) => t.test.config)).toEqual(['quick', 'random small init, wide hidden layer']);
    expect(order.tests.find((t) => t.test.role === 'boundary')!.verdict).toBe('out-of-regime');
    // width-convergence: only the boundary ran, so the claim is still untested.
    const wc = claimOutcome(CLAIMS.find((c) => c.id === 'ntk-width-convergence')!, records);
    expect(wc.status).toBe('untested');
    expect(wc.tests[2].asExpected).toBe(true);
  }, 60_000);
});

describe('status derivation', () => {
  const claim: Claim = {
    id: 'toy', strand: 'laws', section: '§0', statement: 's', sources: [], regime: ['r'],
    tests: [
      { experiment: 'e', config: 'quick', role: 'test', checks: ['law', /^other/] },
      { experiment: 'e', config: 'v2', role: 'test', checks: ['law'] },
      { experiment: 'e', config: 'edge', role: 'boundary', checks: ['law'] },
      { experiment: 'e', config: 'ctrl', role: 'control', checks: ['law'] },
    ],
  };

  it('untested without records; confirmed when an in-regime test confirms; falsified wins', () => {
    expect(claimOutcome(claim, []).status).toBe('untested');
    expect(claimOutcome(claim, []).reason).toBe('not run yet');
    const ok = [rec('e', 'quick', [check('law a', 'confirmed'), check('other b', 'confirmed'), check('unrelated', 'falsified')])];
    expect(claimOutcome(claim, ok).status).toBe('confirmed'); // the unmatched falsified check does not count
    const bad = [...ok, rec('e', 'v2', [check('law a', 'falsified')])];
    const o = claimOutcome(claim, bad);
    expect(o.status).toBe('falsified');
    expect(o.reason).toBe('falsified by e [v2]');
  });

  it('boundary and control tests never move the status; asExpected says whether they behaved', () => {
    const r = [rec('e', 'quick', [check('law', 'confirmed'), check('other', 'confirmed')]), rec('e', 'edge', [check('law', 'confirmed')]), rec('e', 'ctrl', [check('law', 'falsified')])];
    const o = claimOutcome(claim, r);
    expect(o.status).toBe('confirmed');
    expect(o.tests[2]).toMatchObject({ verdict: 'confirmed', expected: 'out-of-regime', asExpected: false });
    expect(o.tests[3]).toMatchObject({ verdict: 'falsified', expected: 'falsified', asExpected: true });
    // Only out-of-regime in-regime tests: untested, with the reason.
    const oor = claimOutcome(claim, [rec('e', 'quick', [check('law', 'out-of-regime'), check('other', 'confirmed')])]);
    expect(oor.status).toBe('untested');
    expect(oor.reason).toMatch(/^only out of regime/);
  });

  it('seeds combine (any falsified falsifies, all confirmed confirms); unfinished runs and unmatched matchers', () => {
    const t = claim.tests[1];
    expect(testOutcome(t, [rec('e', 'v2', [check('law', 'confirmed')], { seed: 0 }), rec('e', 'v2', [check('law', 'confirmed')], { seed: 1 })]).verdict).toBe('confirmed');
    expect(testOutcome(t, [rec('e', 'v2', [check('law', 'confirmed')], { seed: 0 }), rec('e', 'v2', [check('law', 'falsified')], { seed: 1 })]).verdict).toBe('falsified');
    expect(testOutcome(t, [rec('e', 'v2', [check('law', 'confirmed')], { status: 'interrupted' })]).verdict).toBe('out-of-regime');
    const u = testOutcome(claim.tests[0], [rec('e', 'quick', [check('law', 'confirmed')])]);
    expect(u.unmatched).toEqual(['/^other/']);
    // A record without a label is the quick configuration.
    expect(testOutcome(claim.tests[0], [{ experiment: 'e', config: {}, status: 'ok', verdict: 'confirmed', checks: [check('law', 'confirmed'), check('other', 'confirmed')] }]).verdict).toBe('confirmed');
  });

  it('the atlas counts statuses, links open directions, and prints one row per claim', () => {
    const atlas = buildAtlas([]);
    expect(atlas.counts).toEqual({ confirmed: 0, falsified: 0, untested: CLAIMS.length });
    expect(atlas.openDirections).toHaveLength(10);
    for (const o of atlas.openDirections) expect(o.experiments.length, `OD ${o.direction.number}`).toBeGreaterThan(0);
    expect(atlasRows(atlas)).toHaveLength(CLAIMS.length + 1);
    const json = atlasJson(atlas);
    expect(JSON.parse(JSON.stringify(json)).claims[0].tests[0].checks.length).toBeGreaterThan(0);
  });
});

describe('live links', () => {
  it('carry the configuration the CLI runs: lists comma-separated, structured values as JSON', () => {
    for (const c of CLAIMS) for (const t of c.tests) {
      const q = new URLSearchParams(liveQuery(t).slice(1));
      expect(q.get('experiment')).toBe(t.experiment);
      expect(q.get('autorun')).toBe('1');
      for (const [k, v] of Object.entries(testConfig(t))) {
        const text = q.get(k);
        expect(text, `${c.id} ${t.config} ${k}`).not.toBeNull();
        // As the page reads it (web/main.ts fromText): '' is the empty list, '[…' is JSON.
        const back = Array.isArray(v) && text === '' ? []
          : Array.isArray(v) && v.every((x) => typeof x === 'number') ? text!.split(',').map(Number)
          : Array.isArray(v) && v.every((x) => typeof x === 'string') ? text!.split(',')
            : typeof v === 'object' ? JSON.parse(text!) : typeof v === 'number' ? Number(text) : typeof v === 'boolean' ? text === 'true' : text;
        expect(back, `${c.id} ${t.config} ${k}`).toEqual(v);
      }
    }
  });
});

describe('atlas files', () => {
  it('verify --out: atlas.json and atlas.html beside the reports; the site without the lab; links resolve', async () => {
    const records = await freshRecords();
    const out = mkdtempSync(join(tmpdir(), 'lmech-atlas-'));
    records.forEach((r, i) => writeReport(join(out, `${r.experiment}-${i}`), getExperiment(r.experiment), r, new Map()));
    const entries = readVerifyDir(out);
    expect(entries).toHaveLength(records.length);
    const atlas = writeVerifyAtlas(out, entries);
    const json = JSON.parse(readFileSync(join(out, 'atlas.json'), 'utf8'));
    expect(json.claims).toHaveLength(CLAIMS.length);
    const qs = json.claims.find((c: { id: string }) => c.id === 'quadratic-stability');
    expect(qs.status).toBe('confirmed');
    expect(qs.tests[0].runs[0].report).toMatch(/^quadratic-stability-0\/report\.html$/);
    expect(atlas.counts.confirmed).toBeGreaterThanOrEqual(3);
    expect(brokenLinks(out)).toEqual([]);

    const site = mkdtempSync(join(tmpdir(), 'lmech-site-'));
    const res = await buildSite(site, entries, { lab: false });
    expect(res.lab).toBe(false);
    expect(res.pages).toContain('index.html');
    expect(res.pages.filter((p) => p.startsWith('claims/'))).toHaveLength(CLAIMS.length);
    const { document } = parseHTML(readFileSync(join(site, 'index.html'), 'utf8'));
    const nodes = Array.from(document.querySelectorAll('a.claim-node'));
    expect(nodes.map((n) => n.getAttribute('data-claim')).sort()).toEqual(CLAIMS.map((c) => c.id).sort());
    expect(nodes.find((n) => n.getAttribute('data-claim') === 'quadratic-stability')!.getAttribute('data-status')).toBe('confirmed');
    // Reports outside the site are copied in; the claim page shows the numbers and a figure.
    expect(existsSync(join(site, 'reports', 'quadratic-stability-0', 'report.html'))).toBe(true);
    const claimPage = readFileSync(join(site, 'claims', 'quadratic-stability.html'), 'utf8');
    expect(claimPage).toContain('<math');
    expect(claimPage).toMatch(/section class="plot"/);
    expect(claimPage).toMatch(/arxiv\.org\/abs\/2604\.21691/);
    expect(claimPage).not.toContain('run it live'); // no lab
    expect(brokenLinks(site)).toEqual([]);
  }, 60_000);
});

/** `lmech …` in this process (commands that start no worker threads). */
async function lmechInProcess(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '', stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => { stdout += String(s); return true; });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => { stderr += String(s); return true; });
  const before = process.exitCode;
  try {
    await main(['node', 'lmech', ...args]);
    return { code: Number(process.exitCode ?? 0), stdout, stderr };
  } finally {
    out.mockRestore(); err.mockRestore();
    process.exitCode = before;
  }
}

describe('lmech atlas', () => {
  it('without --from nothing runs and every claim is untested; --json; bad --from and --site are usage errors', async () => {
    const t = await lmechInProcess('atlas');
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toContain(`${CLAIMS.length} claims: 0 confirmed in regime, 0 falsified, ${CLAIMS.length} untested (no --from DIR: nothing run); 10 open directions`);
    for (const c of CLAIMS) expect(t.stdout).toContain(c.id);
    const j = await lmechInProcess('atlas', '--json');
    const json = JSON.parse(j.stdout);
    expect(json.counts).toEqual({ confirmed: 0, falsified: 0, untested: CLAIMS.length });
    expect(json.openDirections).toHaveLength(10);
    const bad = await lmechInProcess('atlas', '--from', join(tmpdir(), 'lmech-no-such-dir'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--from .*: not a directory/);
    const empty = mkdtempSync(join(tmpdir(), 'lmech-atlas-empty-'));
    expect((await lmechInProcess('atlas', '--from', empty)).stderr).toMatch(/no entry with a report\.json/);
    const full = mkdtempSync(join(tmpdir(), 'lmech-atlas-full-'));
    writeReport(join(full, 'x'), getExperiment('quadratic-stability'), { experiment: 'quadratic-stability', label: 'quick', config: {}, seed: 0, status: 'ok', regime: [], checks: [], verdict: 'confirmed', seconds: 0 }, new Map());
    const busy = await lmechInProcess('atlas', '--site', full);
    expect(busy.code).toBe(2);
    expect(busy.stderr).toMatch(/--site .*: not empty/);
  });

  it('--from a verify directory reads its entries; --site builds the site from them', async () => {
    const out = mkdtempSync(join(tmpdir(), 'lmech-atlas-from-'));
    for (const [i, label] of ['quick', 'η within 0.1% of 2/λ_max: unresolved in 200 steps'].entries()) {
      const exp = getExperiment('quadratic-stability');
      const { record, series } = await runExperiment(exp, configOf('quadratic-stability', label), { label });
      writeReport(join(out, `quadratic-stability-${i}`), exp, record, series);
    }
    const site = join(mkdtempSync(join(tmpdir(), 'lmech-atlas-site-')), 'site');
    const r = await lmechInProcess('atlas', '--from', out, '--json', '--site', site, '--no-lab');
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.counts.confirmed).toBe(1);
    expect(json.claims.find((c: { id: string }) => c.id === 'quadratic-stability').tests.map((t: { verdict: string }) => t.verdict)).toEqual(['confirmed', 'untested', 'out-of-regime']);
    expect(existsSync(join(site, 'index.html'))).toBe(true);
    expect(brokenLinks(site)).toEqual([]);
  }, 30_000);
});

// The verify hook runs its experiments on worker threads, which need the built CLI (dist/, built
// by `npm test` before vitest starts, as in cli.test.ts).
const repo = fileURLToPath(new URL('..', import.meta.url));
const newer = (a: string, b: string) => existsSync(a) && statSync(a).mtimeMs >= statSync(b).mtimeMs;
const built = newer(join(repo, 'dist', 'src', 'cli', 'main.js'), join(repo, 'src', 'cli', 'main.ts'))
  && newer(join(repo, 'dist', 'src', 'reports', 'atlas-site.js'), join(repo, 'src', 'reports', 'atlas-site.ts'));
describe.skipIf(!built && !process.env.CI)('lmech verify --out / --site (built CLI)', () => {
  it('verify --out writes atlas.json and atlas.html; --site builds the site with the reports in DIR/verify', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'lmech-vsite-')), 'site');
    const r = spawnSync(process.execPath, [join(repo, 'bin', 'lmech.js'), 'verify', '--only', 'quadratic-stability', '--site', dir, '--no-lab', '--workers', '1'], { encoding: 'utf8', cwd: repo });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/atlas: .*atlas\.html \(1 confirmed, 0 falsified, \d+ untested of \d+ claims\)/);
    expect(r.stdout).toMatch(/site: .*index\.html/);
    const atlas = JSON.parse(readFileSync(join(dir, 'verify', 'atlas.json'), 'utf8'));
    const qs = atlas.claims.find((c: { id: string }) => c.id === 'quadratic-stability');
    expect(qs.status).toBe('confirmed');
    expect(qs.tests[0].runs[0].report).toBe('quadratic-stability-0/report.html');
    expect(existsSync(join(dir, 'verify', 'atlas.html'))).toBe(true);
    expect(readFileSync(join(dir, 'claims', 'quadratic-stability.html'), 'utf8')).toContain('../verify/quadratic-stability-0/report.html');
    expect(brokenLinks(dir)).toEqual([]);
  }, 120_000);
});
