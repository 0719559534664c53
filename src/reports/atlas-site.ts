/**
 * The atlas on disk: `atlas.json` + `atlas.html` beside a verify run's reports, and the static
 * site (`lmech verify --site DIR`, `lmech atlas --from DIR --site OUT`, `npm run site`):
 *
 *   index.html          the map of the five strands (claims as nodes, coloured by status), the
 *                       claims × latest-verdict table, and the ten open directions
 *   claims/<id>.html    a page per claim: statement and equation (KaTeX → MathML), sources,
 *                       regime, the checks that test it with their latest numbers, figures taken
 *                       from the reports, links to each report and "run it live" on the lab
 *   reports.html        every experiment's report (report.html of each verify entry)
 *   lab/                the live page (vite build of web/), opened with the claim's configuration
 *                       in the URL (`lab/index.html?experiment=…&…&autorun=1`)
 *   atlas.json          the atlas as data
 *
 * Every link is relative, so the site works from any static host. The atlas pages themselves are
 * plain HTML (no scripts), so they also work from file://; the live lab is an ES-module page with
 * a module worker, which Chromium refuses to load from file:// (origin "null"): serve the folder
 * (`npx vite preview --outDir DIR`, `python3 -m http.server`) to run experiments live.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import katex from 'katex';
import { parseHTML } from 'linkedom';
import { experiments, getExperiment } from '../experiments/registry.js';
import type { Check, ExperimentRecord } from '../experiments/types.js';
import { describeRegime, fmt } from '../experiments/verdict.js';
import { STRANDS, type Claim, type ClaimTest } from '../lab/claims.js';
import { atlasJson, buildAtlas, matcherText, type Atlas, type AtlasRecord, type ClaimOutcome, type TestOutcome } from '../lab/atlas.js';
import { writeFileAtomic } from '../io/fs-safe.js';
import { esc } from './escape.js';
import { mathHtml, plainMath } from './math.js';
import { tolText } from './html.js';

/** One verify entry: its record and the directory holding its report.html (if written). */
export interface VerifyEntry { record: ExperimentRecord | AtlasRecord; dir?: string }

/** The entries of a verify output directory: every subdirectory with a report.json. */
export function readVerifyDir(dir: string): VerifyEntry[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`--from ${dir}: not a directory`);
  const out: VerifyEntry[] = [];
  for (const name of readdirSync(dir).sort(naturalOrder)) {
    const sub = join(dir, name);
    const file = join(sub, 'report.json');
    if (!existsSync(file)) continue;
    try {
      out.push({ record: JSON.parse(readFileSync(file, 'utf8')) as ExperimentRecord, dir: sub });
    } catch (e) {
      throw new Error(`--from ${dir}: ${file} is not valid JSON (${(e as Error).message})`);
    }
  }
  return out;
}

/** "dln-10" after "dln-9". */
function naturalOrder(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

const rel = (from: string, to: string) => relative(from, to).split(sep).join('/');

function recordsFor(entries: VerifyEntry[], linkFrom: string): AtlasRecord[] {
  return entries.map(({ record, dir }) => {
    const report = dir && existsSync(join(dir, 'report.html')) ? rel(linkFrom, join(dir, 'report.html')) : undefined;
    return { ...record, ...(report ? { report } : {}) };
  });
}

// ───────────────────────────── shared bits ─────────────────────────────

const CSS = `
body{font-family:system-ui,sans-serif;max-width:1200px;margin:1.5em auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.15em;margin-top:1.8em}nav{font-size:.9em;color:#666}
a{color:#1d4f91}table{border-collapse:collapse;width:100%;font-size:.86em;margin:.8em 0}
td,th{border-bottom:1px solid #ddd;padding:.3em .45em;text-align:left;vertical-align:top}
.badge{display:inline-block;padding:.1em .6em;border-radius:1em;color:#fff;font-weight:600;font-size:.85em;white-space:nowrap}
.badge.confirmed{background:#2a7d3c}.badge.falsified{background:#b3261e}.badge.out-of-regime{background:#9a6b00}.badge.untested{background:#888}
.muted{color:#666}.small{font-size:.85em}.eq{margin:1em 0;font-size:1.15em;overflow-x:auto}
.map{width:100%;height:auto;border:1px solid #e4e4e4;border-radius:.5em;background:#fcfcfc}
.map text{font:12px system-ui,sans-serif;fill:#222}.map .strand-title{font-weight:700;font-size:13px}
.map .node:hover circle{stroke:#000;stroke-width:2}.map .edge{stroke:#999;stroke-opacity:.25;fill:none}
.legend span{margin-right:1em}.dot{display:inline-block;width:.8em;height:.8em;border-radius:50%;vertical-align:-.05em;margin-right:.3em}
.plot{margin:1em 0}.plot svg{max-width:100%;height:auto}.live{font-weight:600}
.od{margin:.8em 0;padding:.6em .8em;border-left:3px solid #ccc}.regime .unmet{color:#9a6b00}
`;

const STATUS_COLOUR: Record<string, string> = { confirmed: '#2a7d3c', falsified: '#b3261e', 'out-of-regime': '#9a6b00', untested: '#999' };

const badge = (s: string) => `<span class="badge ${esc(s)}">${esc(s)}</span>`;

function page(title: string, body: string, root: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(plainMath(title))}</title>
<style>${CSS}</style></head><body>
<nav><a href="${root}index.html">atlas</a> · <a href="${root}reports.html">reports</a>${'' /* the lab link is per claim */}</nav>
${body}
</body></html>
`;
}

/** A display equation (TeX) as MathML. */
const displayMath = (tex: string) => katex.renderToString(tex, { output: 'mathml', displayMode: true, throwOnError: false, strict: false });

const strandOf = (id: string) => STRANDS.find((s) => s.id === id)!;

/** The configuration a test runs: the experiment's quick overrides or the variant's config. */
export function testConfig(test: ClaimTest): Record<string, unknown> {
  const exp = getExperiment(test.experiment);
  if (test.config === 'quick') return exp.quick as Record<string, unknown>;
  const v = exp.variants?.find((x) => x.label === test.config);
  if (!v) throw new Error(`${test.experiment}: no variant "${test.config}"`);
  return v.config as Record<string, unknown>;
}

/** A value as the live page reads it from the URL: lists comma-separated, structured values as JSON. */
function urlValue(v: unknown): string {
  if (Array.isArray(v)) return v.every((x) => typeof x === 'number' || typeof x === 'string' || typeof x === 'boolean') ? v.join(',') : JSON.stringify(v);
  if (v !== null && typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** The live page's query for a test: its configuration preloaded, run on open. */
export function liveQuery(test: ClaimTest): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/%2C/gi, ',');
  const parts = [`experiment=${enc(test.experiment)}`, ...Object.entries(testConfig(test)).map(([k, v]) => `${enc(k)}=${enc(urlValue(v))}`), 'autorun=1'];
  return `?${parts.join('&')}`;
}

function checksTable(t: TestOutcome): string {
  const rows = t.runs.flatMap((r) => r.checks.map((c: Check) => `<tr><td>${mathHtml(c.name)}${r.seed !== undefined && t.runs.length > 1 ? ` <span class="muted">(seed ${r.seed})</span>` : ''}</td><td class="muted">${mathHtml(c.quantity)}</td><td>${esc(fmt(c.predicted))}</td><td>${esc(fmt(c.measured))}${c.uncertainty !== undefined ? ` ± ${esc(fmt(c.uncertainty))}` : ''}</td><td>${esc(tolText(c.tolerance))}</td><td>${badge(c.verdict)}${c.note ? `<div class="muted small">${mathHtml(c.note)}</div>` : ''}</td></tr>`));
  if (!rows.length) return '';
  return `<table><thead><tr><th>check</th><th>quantity</th><th>predicted</th><th>measured</th><th>tolerance</th><th>verdict</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** The regime conditions the run measured (first seed), met or not. */
function regimeList(t: TestOutcome): string {
  const r = t.runs[0]?.regime ?? [];
  if (!r.length) return '';
  return `<p class="small regime">regime: ${r.map((c) => `<span class="${c.ok ? 'met' : 'unmet'}">${mathHtml(describeRegime(c))} ${c.ok ? '✓' : '✗ not met'}</span>`).join(' · ')}</p>`;
}

// ───────────────────────────── the map ─────────────────────────────

function mapSvg(atlas: Atlas, href: (c: ClaimOutcome) => string): string {
  const colW = 236, top = 46, rowH = 30, left = 14;
  const cols = STRANDS.map((s) => atlas.claims.filter((c) => c.claim.strand === s.id));
  const rows = Math.max(...cols.map((c) => c.length));
  const odY = top + rows * rowH + 40;
  const W = colW * STRANDS.length, H = odY + 26;
  const pos = new Map<string, { x: number; y: number }>();
  cols.forEach((cs, i) => cs.forEach((c, j) => pos.set(c.claim.id, { x: left + i * colW + 10, y: top + j * rowH + 14 })));
  const odX = (k: number) => 40 + k * ((W - 80) / Math.max(1, atlas.openDirections.length - 1));
  const edges = atlas.openDirections.flatMap((o, k) => o.direction.claims.filter((id) => pos.has(id)).map((id) => {
    const p = pos.get(id)!, x = odX(k), y = odY - 12;
    return `<path class="edge" d="M${x},${y} C${x},${y - 60} ${p.x},${p.y + 60} ${p.x},${p.y + 8}"/>`;
  }));
  const strandTitles = STRANDS.map((s, i) => `<text class="strand-title" x="${left + i * colW}" y="22"><title>${esc(s.title)}</title>${esc(s.section)} ${esc(s.short)}</text><text class="muted" x="${left + i * colW}" y="36" font-size="10" fill="#777">${cols[i].length} claims</text>`);
  const nodes = atlas.claims.map((c) => {
    const p = pos.get(c.claim.id)!;
    return `<a class="node claim-node" href="${esc(href(c))}" data-claim="${esc(c.claim.id)}" data-status="${c.status}"><title>${esc(plainMath(c.claim.statement))} — ${c.status}</title><circle cx="${p.x}" cy="${p.y}" r="8" fill="${STATUS_COLOUR[c.status]}" stroke="#fff" stroke-width="1.5"/><text x="${p.x + 14}" y="${p.y + 4}">${esc(c.claim.id)}</text></a>`;
  });
  const ods = atlas.openDirections.map((o, k) => `<a class="node od-node" href="#od-${o.direction.number}" data-od="${o.direction.number}"><title>${esc(o.direction.question)}</title><rect x="${odX(k) - 15}" y="${odY - 12}" width="30" height="22" rx="5" fill="#eef2f8" stroke="#1d4f91"/><text x="${odX(k)}" y="${odY + 3}" text-anchor="middle">OD ${o.direction.number}</text></a>`);
  return `<svg class="map" viewBox="0 0 ${W} ${H}" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="map of the five strands">${edges.join('')}${strandTitles.join('')}${nodes.join('')}<text x="14" y="${odY - 24}" class="strand-title">§5 open directions</text>${ods.join('')}</svg>`;
}

function claimTableRows(atlas: Atlas, href: (c: ClaimOutcome) => string, reportHref: (t: TestOutcome) => string | undefined): string {
  return atlas.claims.map((c) => {
    const tests = c.tests.map((t) => {
      const link = reportHref(t);
      const label = `${esc(t.test.experiment)}${t.test.config === 'quick' ? '' : ` [${esc(t.test.config)}]`}`;
      return `<div>${t.test.role === 'test' ? '' : `<span class="muted">${t.test.role}:</span> `}${link ? `<a href="${esc(link)}">${label}</a>` : label} ${badge(t.verdict)}</div>`;
    }).join('');
    return `<tr data-claim="${esc(c.claim.id)}"><td><a href="${esc(href(c))}">${esc(c.claim.id)}</a><div class="small">${mathHtml(c.claim.statement)}</div></td><td>${esc(strandOf(c.claim.strand).section)}</td><td>${badge(c.status)}<div class="muted small">${esc(c.reason)}</div></td><td class="small">${tests}</td></tr>`;
  }).join('\n');
}

function openDirectionsHtml(atlas: Atlas, href: (id: string) => string): string {
  return atlas.openDirections.map((o) => `<div class="od" id="od-${o.direction.number}"><b>OD ${o.direction.number}.</b> ${esc(o.direction.question)}
<div class="small"><b>Claims:</b> ${o.direction.claims.map((id) => { const c = atlas.claims.find((x) => x.claim.id === id); return `<a href="${esc(href(id))}">${esc(id)}</a>${c ? ` ${badge(c.status)}` : ''}`; }).join(', ')}</div>
<div class="small"><b>Experiments:</b> ${o.experiments.map(esc).join(', ')}</div>
<div class="small"><b>Measured here:</b> ${mathHtml(o.direction.measured)}</div>
<div class="small"><b>Still open:</b> ${mathHtml(o.direction.open)}</div></div>`).join('\n');
}

const legend = () => `<p class="legend small">${(['confirmed', 'falsified', 'untested'] as const).map((s) => `<span><i class="dot" style="background:${STATUS_COLOUR[s]}"></i>${s === 'confirmed' ? 'confirmed in regime' : s}</span>`).join('')}</p>`;

function countsLine(atlas: Atlas): string {
  return `${atlas.claims.length} claims: ${atlas.counts.confirmed} confirmed in regime, ${atlas.counts.falsified} falsified, ${atlas.counts.untested} untested · ${atlas.openDirections.length} open directions`;
}

// ───────────────────────────── verify --out: atlas.json + atlas.html ─────────────────────────────

/** Beside a verify run's reports: atlas.json and a one-page atlas.html linking each report. */
export function writeVerifyAtlas(outDir: string, entries: VerifyEntry[]): Atlas {
  const atlas = buildAtlas(recordsFor(entries, outDir), { source: outDir });
  writeFileAtomic(join(outDir, 'atlas.json'), JSON.stringify(atlasJson(atlas), null, 2) + '\n');
  const anchor = (c: ClaimOutcome) => `#${c.claim.id}`;
  const firstReport = (t: TestOutcome) => t.runs.find((r) => r.report)?.report;
  const body = `<h1>Atlas of claims</h1><p class="muted">${esc(countsLine(atlas))}</p>${legend()}${mapSvg(atlas, anchor)}
<h2>Claims × latest verdicts</h2><table><thead><tr><th>claim</th><th>§</th><th>status</th><th>tests (report)</th></tr></thead><tbody>
${claimTableRows(atlas, anchor, firstReport).replace(/<tr data-claim="([^"]+)">/g, '<tr id="$1" data-claim="$1">')}
</tbody></table><h2>Open directions (§5)</h2>${openDirectionsHtml(atlas, (id) => `#${id}`)}`;
  writeFileAtomic(join(outDir, 'atlas.html'), page('Atlas of claims', body, './').replace(/<nav>.*?<\/nav>/s, ''));
  return atlas;
}

// ───────────────────────────── the static site ─────────────────────────────

export interface SiteOptions {
  /**
   * The live page: a directory holding a built page (copied to DIR/lab), 'build' (vite build of
   * web/ into DIR/lab; needs the repository and its dev dependencies), 'auto' (build when
   * possible, else copy web/dist when present, else none), or false (no lab; links omitted).
   */
  lab?: string | 'build' | 'auto' | false;
  /** Where the records came from, shown on the pages. */
  source?: string;
}

export interface SiteResult { dir: string; atlas: Atlas; pages: string[]; lab: boolean; labNote?: string }

function packageRoot(): string | undefined {
  let d = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const p = join(d, 'package.json');
    if (existsSync(p)) {
      try { if ((JSON.parse(readFileSync(p, 'utf8')) as { name?: string }).name === 'learning-mechanics') return d; } catch { /* keep looking */ }
    }
    d = dirname(d);
  }
  return undefined;
}

/** vite build of web/ into `outDir`. */
export async function buildLab(outDir: string): Promise<void> {
  const root = packageRoot();
  if (!root || !existsSync(join(root, 'web', 'vite.config.ts'))) throw new Error('the live page needs the repository\'s web/ folder (vite build)');
  const { build } = await import('vite');
  await build({ root: join(root, 'web'), configFile: join(root, 'web', 'vite.config.ts'), build: { outDir, emptyOutDir: true }, logLevel: 'silent' });
}

async function prepareLab(dir: string, lab: SiteOptions['lab']): Promise<{ ok: boolean; note?: string }> {
  const target = join(dir, 'lab');
  if (lab === false) return { ok: false, note: 'built without the live lab' };
  if (lab === 'build') { await buildLab(target); return { ok: true }; }
  if (lab && lab !== 'auto') {
    if (!existsSync(join(lab, 'index.html'))) throw new Error(`lab ${lab}: no index.html (a vite build of web/)`);
    cpSync(lab, target, { recursive: true });
    return { ok: true };
  }
  try { await buildLab(target); return { ok: true }; } catch (e) {
    const root = packageRoot();
    const dist = root ? join(root, 'web', 'dist') : undefined;
    if (dist && existsSync(join(dist, 'index.html'))) { cpSync(dist, target, { recursive: true }); return { ok: true, note: 'lab copied from web/dist' }; }
    return { ok: false, note: `no live lab: ${(e as Error).message}` };
  }
}

/**
 * Build the static site in `dir` from verify entries. Reports inside `dir` are linked where they
 * are; reports elsewhere are copied to `dir/reports/<entry>/report.html`.
 */
export async function buildSite(dir: string, entries: VerifyEntry[], opts: SiteOptions = {}): Promise<SiteResult> {
  const root = resolve(dir);
  mkdirSync(root, { recursive: true });
  // Reports: linked in place when under the site, else copied in.
  const placed: VerifyEntry[] = entries.map((e, i) => {
    if (!e.dir || !existsSync(join(e.dir, 'report.html'))) return { record: e.record };
    const abs = resolve(e.dir);
    if (abs.startsWith(root + sep)) return { record: e.record, dir: abs };
    const name = abs.split(sep).pop() || `entry-${i}`;
    const to = join(root, 'reports', name);
    mkdirSync(to, { recursive: true });
    cpSync(join(abs, 'report.html'), join(to, 'report.html'));
    return { record: e.record, dir: to };
  });
  const records = recordsFor(placed, root); // report links relative to the site root
  const atlas = buildAtlas(records, opts.source ? { source: opts.source } : {});
  const lab = await prepareLab(root, opts.lab ?? 'auto');
  const pages: string[] = [];
  const write = (path: string, html: string) => { mkdirSync(dirname(join(root, path)), { recursive: true }); writeFileSync(join(root, path), html); pages.push(path); };

  // index.html: map, table, open directions.
  const claimHref = (c: ClaimOutcome) => `claims/${c.claim.id}.html`;
  const firstReport = (t: TestOutcome) => t.runs.find((r) => r.report)?.report;
  write('index.html', page('Atlas of learning mechanics', `<h1>An atlas of learning mechanics</h1>
<p>The claims of the five strands of <i>There will be a scientific theory of deep learning</i> (Simon, Kunin et al. 2026, <a href="https://arxiv.org/abs/2604.21691">arXiv 2604.21691</a>), each tested by the lab's experiments, with its status derived from the latest verdicts.${opts.source ? ` Records: <code>${esc(opts.source)}</code>.` : ''}</p>
<p class="muted" id="counts">${esc(countsLine(atlas))}</p>${legend()}
${mapSvg(atlas, claimHref)}
<h2>Claims × latest verdicts</h2>
<table id="claims"><thead><tr><th>claim</th><th>§</th><th>status</th><th>tests (report)</th></tr></thead><tbody>
${claimTableRows(atlas, claimHref, firstReport)}
</tbody></table>
<h2>Open directions (§5)</h2>
${openDirectionsHtml(atlas, (id) => `claims/${id}.html`)}
${lab.ok ? '<p class="small"><a href="lab/index.html">The live lab</a>: any experiment in the browser.</p>' : `<p class="muted small">${esc(lab.note ?? '')}</p>`}
<p class="muted small">Strand statuses: confirmed in regime = at least one in-regime configuration confirmed and none falsified; falsified = an in-regime configuration falsified; untested = not run, or out of regime only. Boundary configurations show where a claim stops holding; controls show its checks can fail.</p>`, ''));

  // A page per claim.
  for (const c of atlas.claims) write(claimHref(c), claimPage(c, lab.ok, root));

  // reports.html: every experiment's report.
  const reportRows = experiments.map((e) => {
    const mine = records.filter((r) => r.experiment === e.name);
    const cells = mine.length ? mine.map((r) => `<div>${r.report ? `<a href="${esc(r.report)}">${esc(r.label ?? 'quick')}${r.seed !== undefined && mine.length > 1 ? `, seed ${r.seed}` : ''}</a>` : esc(r.label ?? 'quick')} ${badge(r.verdict)}</div>`).join('') : '<span class="muted">not run</span>';
    return `<tr data-experiment="${esc(e.name)}"><td><b>${esc(e.name)}</b><div class="small">${mathHtml(e.title)}</div></td><td class="small">${mathHtml(e.strand)}</td><td class="small">${cells}</td></tr>`;
  });
  write('reports.html', page('Reports', `<h1>Every experiment's report</h1><table><thead><tr><th>experiment</th><th>strand</th><th>configurations (report)</th></tr></thead><tbody>${reportRows.join('\n')}</tbody></table>`, ''));

  writeFileSync(join(root, 'atlas.json'), JSON.stringify(atlasJson(atlas), null, 2) + '\n');
  return { dir: root, atlas, pages, lab: lab.ok, ...(lab.note ? { labNote: lab.note } : {}) };
}

/** Up to `max` figure sections from a report.html (without its download buttons). */
function reportFigures(file: string, max: number): string[] {
  if (!existsSync(file)) return [];
  const { document } = parseHTML(readFileSync(file, 'utf8'));
  return Array.from(document.querySelectorAll('section.plot')).slice(0, max).map((s) => {
    Array.from(s.querySelectorAll('.downloads')).forEach((d) => d.remove());
    return s.outerHTML;
  });
}

/** A claim's page at claims/<id>.html; report links in the records are relative to the site `root`. */
function claimPage(c: ClaimOutcome, lab: boolean, root: string): string {
  const up = (r: string | undefined) => (r ? `../${r}` : undefined);
  const claim: Claim = c.claim;
  const strand = strandOf(claim.strand);
  const tests = c.tests.map((t, i) => {
    const report = up(t.runs.find((r) => r.report)?.report);
    // A claim naming a configuration the experiment no longer has gets no live link (atlas.test fails on it).
    const query = (() => { try { return liveQuery(t.test); } catch { return undefined; } })();
    const live = lab && query ? `<a class="live" data-test="${i}" href="../lab/index.html${esc(query)}">run it live</a>` : '';
    const expect = t.expected ? ` <span class="muted small">expected ${esc(t.expected)}${t.asExpected === false ? ' — <b>not as expected</b>' : ''}</span>` : '';
    return `<section class="test" data-role="${t.test.role}" data-experiment="${esc(t.test.experiment)}" data-config="${esc(t.test.config)}" data-verdict="${t.verdict}">
<h3>${t.test.role === 'test' ? 'In regime' : t.test.role === 'boundary' ? 'Where it stops' : 'Control'}: <code>${esc(t.test.experiment)}</code> [${esc(t.test.config)}] ${badge(t.verdict)}${expect}</h3>
${t.test.note ? `<p class="small">${mathHtml(t.test.note)}</p>` : ''}
<p class="small">checks matching ${t.test.checks.map((m) => `<code>${esc(matcherText(m))}</code>`).join(', ')}${t.unmatched.length ? ` — <b>no check matched</b> ${t.unmatched.map((m) => `<code>${esc(m)}</code>`).join(', ')}` : ''}
${report ? ` · <a class="report" href="${esc(report)}">report</a>` : ''}${live ? ` · ${live}` : ''}</p>
${t.verdict === 'untested' ? '<p class="muted small">no record of this configuration in the latest verify</p>' : regimeList(t) + checksTable(t)}</section>`;
  });
  // Figures: the first plots of the in-regime reports (at most 4 in all).
  const reports = [...new Set(c.tests.filter((t) => t.test.role === 'test').flatMap((t) => t.runs.map((r) => r.report).filter((r): r is string => !!r).slice(0, 1)))];
  return page(claim.id, `<h1>${esc(claim.id)} ${badge(c.status)}</h1>
<p class="muted">${esc(strand.section)} ${esc(strand.title)} · paper ${esc(claim.section)} · <span class="small">${esc(c.reason)}</span></p>
<p class="statement">${mathHtml(claim.statement)}</p>
${claim.equation ? `<div class="eq">${displayMath(claim.equation)}</div>` : ''}
<h2>Regime in which it is claimed</h2><ul>${claim.regime.map((r) => `<li>${mathHtml(r)}</li>`).join('')}</ul>
${claim.reconstructed ? `<p class="small"><b>Reconstructed:</b> ${mathHtml(claim.reconstructed)}</p>` : ''}
<h2>Sources</h2><ul class="sources">${claim.sources.map((s) => `<li>${esc(s.cite)}, “${esc(s.title)}”${s.arxiv ? `, <a href="https://arxiv.org/abs/${esc(s.arxiv)}">arXiv ${esc(s.arxiv)}</a>` : ''}</li>`).join('')}</ul>
<h2>Tests</h2>${lab ? '<p class="muted small">“run it live” opens the lab with this configuration and runs it in your browser. The lab is an ES-module page: browsers refuse it from file://, so serve this folder (any static server, e.g. <code>python3 -m http.server</code>) to use it.</p>' : ''}${tests.join('\n')}
${reports.length ? `<h2>Figures</h2>${reports.flatMap((r, k) => reportFigures(join(root, r), k < 2 ? 2 : 1)).slice(0, 4).join('\n')}` : ''}`, '../');
}
