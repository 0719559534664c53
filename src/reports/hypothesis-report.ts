/**
 * The report of a tested hypothesis (`lmech test FILE --out DIR` → report.html, report.json):
 * the claim and its pre-registration (hash and the time it was put on record, before any run
 * started), the observable against the prediction (a check per value, and a figure when there are
 * several), the regime conditions, the runs (a sweep's cells, or the one run's plots), earlier
 * versions of the same hypothesis in the store, and the hypothesis file itself. Self-contained:
 * inline SVG, no network.
 */
import { parseHTML } from 'linkedom';
import type { Experiment, PlotSpec } from '../experiments/types.js';
import { fmt } from '../experiments/verdict.js';
import type { HypothesisOutcome, PreRegistration } from '../lab/hypothesis.js';
import type { Row } from '../experiments/runner.js';
import { esc } from './escape.js';
import { mathHtml, plainMath } from './math.js';
import { tolText } from './html.js';
import { figureName, figureSvg, seriesCsv } from './figure-export.js';
import { REPORT_SCRIPT } from './figure-download.js';

export const HYPOTHESIS_REPORT_FORMAT = 'lmech-hypothesis-report/1';

export interface HypothesisCellSummary {
  index: number;
  hash: string;
  coords: Record<string, unknown>;
  status: string;
  verdict: string | null;
  seconds: number | null;
  startedAt: string | null;
  /** Measured in an earlier session (reused from the store), i.e. before this registration. */
  reused: boolean;
  error?: string | null;
}

export interface HypothesisReport {
  format: typeof HYPOTHESIS_REPORT_FORMAT;
  preregistration: PreRegistration;
  test: { id: number; startedAt: string; finishedAt: string; sweep: string; store: string };
  expect: string;
  /** Null when the hypothesis could not be judged (`error` says why). */
  outcome: HypothesisOutcome | null;
  error?: string;
  cells: HypothesisCellSummary[];
  history: { hash: string; registeredAt: string; tests: { status: string; verdict: string | null; finishedAt: string | null }[] }[];
}

const scriptJson = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c');

function plotSection(spec: PlotSpec, rows: Row[], i: number, document: Document, data: Record<string, string>, key: string): string {
  const svg = figureSvg(spec, rows, document);
  if (rows.length && data[key] === undefined) data[key] = seriesCsv(rows);
  const buttons = [...(svg ? ['svg', 'png'] : []), ...(rows.length ? ['csv'] : [])]
    .map((k) => `<button type="button" data-download="${k}">${k.toUpperCase()}</button>`).join(' ');
  return `<section class="plot" data-file="${esc(figureName(spec, i))}" data-series="${esc(key)}"><h3>${mathHtml(spec.title)}</h3>${spec.caption ? `<p class="caption">${mathHtml(spec.caption)}</p>` : ''}`
    + `<div class="figure-body">${svg ?? '<p class="empty">no data recorded</p>'}</div>${buttons ? `<p class="downloads">download ${buttons}</p>` : ''}</section>`;
}

/** Observable against prediction, one point per value (when there are several). */
function comparisonRows(o: HypothesisOutcome): Row[] {
  const n = o.observable.values.length;
  const xs = o.observable.labels?.map((l) => Number(l.split(' = ').pop())) ?? [];
  const numeric = xs.length === n && xs.every(Number.isFinite);
  const rows: Row[] = [];
  for (let i = 0; i < n; i++) {
    const x = numeric ? xs[i] : i + 1;
    const label = o.observable.labels?.[i] ?? `#${i + 1}`;
    const u = o.uncertainty?.[i];
    rows.push({ x, label, value: o.observable.values[i], kind: 'measured', ...(u !== undefined ? { lo: o.observable.values[i] - u, hi: o.observable.values[i] + u } : {}) });
    rows.push({ x, label, value: o.prediction[i], kind: 'theory' });
  }
  return rows;
}

export function renderHypothesisHtml(r: HypothesisReport, exp: Experiment, single?: { config: Record<string, unknown>; series: Map<string, Row[]> }): string {
  const { document } = parseHTML('<!doctype html><html><body></body></html>');
  const pre = r.preregistration;
  const h = pre.hypothesis;
  const o = r.outcome;
  const verdict = o?.verdict ?? 'error';
  const asExpected = o ? o.verdict === r.expect : false;
  const data: Record<string, string> = {};
  const firstStart = r.cells.filter((c) => !c.reused && c.startedAt).map((c) => c.startedAt!).sort()[0];
  const reused = r.cells.filter((c) => c.reused).length;
  const order = firstStart
    ? (pre.registeredAt <= firstStart ? `registered before the first run started (${esc(firstStart)})` : `<b>registered after a run started (${esc(firstStart)})</b>`)
    : 'no run was started by this test';
  const checks = (o?.checks ?? []).map((c) => `<tr class="${c.verdict}"><td>${esc(c.name)}</td><td>${esc(fmt(c.predicted))}</td><td>${esc(fmt(c.measured))}${c.uncertainty !== undefined ? ` ± ${esc(fmt(c.uncertainty))}` : ''}</td><td>${esc(tolText(c.tolerance))}</td><td><b>${c.verdict}</b>${c.note ? `<div class="note">${mathHtml(c.note)}</div>` : ''}</td></tr>`).join('\n');
  const regime = (o?.regime ?? []).map((c) => `<tr class="${c.ok ? 'confirmed' : 'out-of-regime'}"><td><code>${esc(c.name)}</code></td><td>${esc(fmt(c.value))}</td><td>${c.bound === 'max' ? '≤' : '≥'} ${esc(fmt(c.limit))}</td><td>${c.ok ? 'met' : 'not met'}</td></tr>`).join('\n');
  const comparison = o && o.observable.values.length > 1
    ? plotSection({
      title: 'Observable against prediction', caption: `${h.observable} (solid) against ${typeof h.prediction === 'number' ? h.prediction : h.prediction} (dashed)`,
      kind: 'lines', series: 'comparison', x: 'x', y: 'value', dashed: 'kind', xLabel: o.observable.labels?.[0]?.split(' = ')[0] ?? 'value #', yLabel: 'observable',
      ...(o.uncertainty ? { errorY: { lo: 'lo', hi: 'hi' } } : {}),
      lineStyles: { theory: { dash: 'dashed', label: 'prediction' }, measured: { dash: 'solid', label: 'measured' } },
    }, comparisonRows(o), 0, document as unknown as Document, data, 'comparison')
    : '';
  const coordKeys = [...new Set(r.cells.flatMap((c) => Object.keys(c.coords)))];
  const measureKeys = o?.cells ? Object.keys(h.per_cell) : [];
  const cellRows = r.cells.map((c, k) => `<tr class="${c.status === 'done' ? '' : 'out-of-regime'}"><td>${c.index}</td>${coordKeys.map((key) => `<td>${esc(JSON.stringify(c.coords[key]) ?? '')}</td>`).join('')}`
    + `${measureKeys.map((key) => `<td>${esc(fmt(o?.cells?.[k]?.[key]))}</td>`).join('')}<td>${esc(c.status)}${c.error ? `<div class="note">${esc(c.error)}</div>` : ''}</td><td>${esc(c.verdict ?? '')}</td><td>${c.seconds === null ? '' : c.seconds.toFixed(1)}</td><td>${c.reused ? 'reused' : 'run now'}</td><td><code>${esc(c.hash.slice(0, 12))}</code></td></tr>`).join('\n');
  const measures = o?.measures ? `<p>Per-run measures: ${Object.entries(o.measures).map(([k, v]) => `<code>${esc(k)}</code> = ${esc(fmt(v))}`).join(', ')}</p>` : '';
  const plots = single ? (exp.plots?.(single.config) ?? []).map((spec, i) => plotSection(spec, single.series.get(spec.series) ?? [], i + 1, document as unknown as Document, data, spec.series)) : [];
  const history = r.history.length > 1
    ? `<h2>Versions of “${esc(h.name)}” on record</h2><p class="note">Each edit (a tolerance, a prediction) is a new hypothesis with its own hash and registration time; a recorded verdict is never changed.</p>
<table><thead><tr><th>hash</th><th>registered</th><th>tests (verdict, finished)</th></tr></thead><tbody>${r.history.map((v) => `<tr${v.hash === pre.hash ? ' class="current"' : ''}><td><code>${esc(v.hash.slice(0, 16))}</code>${v.hash === pre.hash ? ' (this one)' : ''}</td><td>${esc(v.registeredAt)}</td><td>${v.tests.map((t) => `${esc(t.verdict ?? t.status)} ${esc(t.finishedAt ?? '')}`).join('<br>')}</td></tr>`).join('\n')}</tbody></table>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(h.name)} — ${esc(verdict)}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.4em;margin-bottom:0}.strand{color:#666;margin-top:.2em}
.badge{display:inline-block;padding:.2em .7em;border-radius:1em;color:#fff;font-weight:600}
.badge.confirmed{background:#2a7d3c}.badge.falsified,.badge.error{background:#b3261e}.badge.out-of-regime{background:#9a6b00}
table{border-collapse:collapse;width:100%;font-size:.88em;margin:1em 0}td,th{border-bottom:1px solid #ddd;padding:.35em .5em;text-align:left;vertical-align:top}
tr.falsified td:last-child{color:#b3261e}tr.confirmed td:last-child{color:#2a7d3c}tr.out-of-regime td:last-child{color:#9a6b00}tr.current{background:#f4f8ff}
.note{font-size:.85em;color:#666}.caption{color:#555;font-size:.9em}.plot{margin:2em 0}
.prereg{border:1px solid #cdd6e4;background:#f7f9fc;border-radius:.4em;padding:.6em 1em;margin:1em 0}.prereg dt{font-weight:600;float:left;width:11em;clear:left}.prereg dd{margin-left:11em}
code,pre{background:#f5f5f5;padding:.1em .3em}pre{white-space:pre-wrap;padding:.6em}
.figure-body>svg{max-width:100%;height:auto}.downloads{font-size:.85em;color:#555;margin:.3em 0}
.downloads button{font:inherit;padding:.1em .6em;margin-left:.3em;border:1px solid #bbb;border-radius:.3em;background:#fafafa;cursor:pointer}
@media print{.downloads{display:none}}
</style></head><body>
<h1>Hypothesis <code>${esc(h.name)}</code></h1><p class="strand">${mathHtml(h.strand || exp.strand)} · experiment <code>${esc(exp.name)}</code></p>
${h.claim ? `<p><b>Claim.</b> ${mathHtml(h.claim)}</p>` : ''}
<p>Verdict: <span class="badge ${esc(verdict)}" id="verdict">${esc(verdict)}</span> · expected <b>${esc(r.expect)}</b>${o ? (asExpected ? ' (as expected)' : ' (<b>not as expected</b>)') : ''}</p>
${r.error ? `<pre class="error">${esc(r.error)}</pre>` : ''}
<dl class="prereg" id="preregistration">
<dt>hypothesis hash</dt><dd><code>${esc(pre.hash)}</code> (SHA-256 of the canonical hypothesis)</dd>
<dt>registered</dt><dd><time datetime="${esc(pre.registeredAt)}">${esc(pre.registeredAt)}</time> — ${order}</dd>
<dt>tested</dt><dd>${esc(r.test.startedAt)} → ${esc(r.test.finishedAt)} (test #${r.test.id}, sweep <code>${esc(r.test.sweep)}</code>, store <code>${esc(r.test.store)}</code>)</dd>
${pre.file ? `<dt>file</dt><dd><code>${esc(pre.file)}</code>; SHA-256 of the text as first registered <code>${esc(pre.fileSha256 ?? '')}</code></dd>` : ''}
<dt>lab version</dt><dd>${esc(pre.labVersion)}</dd>
${reused ? `<dt>reused runs</dt><dd><b>${reused} of ${r.cells.length} runs were measured before this test</b> (found in the store); the registration does not precede their data</dd>` : ''}
</dl>
<h2>Observable against prediction</h2>
<p><code>${esc(h.observable)}</code> vs <code>${esc(String(h.prediction))}</code>, tolerance ${esc(o?.checks[0] ? tolText(o.checks[0].tolerance) : String(JSON.stringify(h.tolerance)))}${h.uncertainty ? `; uncertainty <code>${esc(h.uncertainty)}</code>` : ''}</p>
<table><thead><tr><th>check</th><th>predicted</th><th>measured</th><th>tolerance</th><th>verdict</th></tr></thead><tbody>
${checks}
</tbody></table>
${measures}
${comparison}
<h2>Regime the claim assumes</h2>
${regime ? `<table><thead><tr><th>condition</th><th>value</th><th>needs</th><th></th></tr></thead><tbody>${regime}</tbody></table>` : '<p class="note">no regime conditions</p>'}
<h2>Runs</h2>
<table><thead><tr><th>#</th>${coordKeys.map((k) => `<th>${esc(k)}</th>`).join('')}${measureKeys.map((k) => `<th>${esc(k)}</th>`).join('')}<th>status</th><th>experiment verdict</th><th>seconds</th><th></th><th>cell</th></tr></thead><tbody>
${cellRows}
</tbody></table>
${plots.length ? `<h2>Plots of the run</h2>\n${plots.join('\n')}` : ''}
${history}
<h2>The hypothesis as registered</h2>
<pre>${esc(pre.text ?? JSON.stringify(h, null, 2))}</pre>
<p class="note">Machine-readable: <code>report.json</code>; the pre-registration record: <code>preregistration.json</code> (written before any run started). Page title: ${esc(plainMath(exp.title))}.</p>
<script type="application/json" id="lmech-figure-data">${scriptJson(data)}</script>
<script>${REPORT_SCRIPT}</script>
</body></html>`;
}
