/**
 * A self-contained HTML report: verdict, checks, regime, config, and inline SVG plots.
 *
 * Texts in `$…$` are TeX, rendered here to MathML by KaTeX (math.ts: no fonts or CSS to carry).
 * Each plot is shown as the standalone SVG that `lmech run --figures` writes (figure-export.ts),
 * with buttons that save it as SVG or PNG, and its series as CSV; the CSV of every plotted series
 * is embedded as JSON, and a small inline script (figure-download.ts) does the saving, so the
 * page needs no network and no other file.
 */
import { parseHTML } from 'linkedom';
import type { Experiment, ExperimentRecord } from '../experiments/types.js';
import { fmt } from '../experiments/verdict.js';
import { esc } from './escape.js';
import { mathHtml, plainMath } from './math.js';
import { figureName, figureSvg, seriesCsv } from './figure-export.js';
import { REPORT_SCRIPT } from './figure-download.js';

/** JSON inside <script>: no `</script>` or `<!--` can close it early. */
const scriptJson = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c');


export function tolText(t: ExperimentRecord['checks'][number]['tolerance']): string {
  switch (t.kind) {
    case 'abs': return `± ${fmt(t.value)}`;
    case 'rel': return `± ${fmt(100 * t.value)}%`;
    case 'range': return `[${fmt(t.lo)}, ${fmt(t.hi)}]`;
    case 'equal': return 'exact';
  }
}

export function renderHtml(exp: Experiment, record: ExperimentRecord, series: Map<string, Record<string, number | string>[]>): string {
  const { document } = parseHTML('<!doctype html><html><body></body></html>');
  const data: Record<string, string> = {};
  const plots = (exp.plots?.(record.config) ?? []).map((spec, i) => {
    const rows = series.get(spec.series) ?? [];
    const svg = figureSvg(spec, rows, document as unknown as Document);
    if (rows.length && data[spec.series] === undefined) data[spec.series] = seriesCsv(rows);
    const buttons = [...(svg ? ['svg', 'png'] : []), ...(rows.length ? ['csv'] : [])]
      .map((k) => `<button type="button" data-download="${k}" title="save ${k === 'csv' ? `the ${esc(spec.series)} rows` : 'this figure'} as ${k.toUpperCase()}">${k.toUpperCase()}</button>`).join(' ');
    return `<section class="plot" data-file="${esc(figureName(spec, i))}" data-series="${esc(spec.series)}"><h3>${mathHtml(spec.title)}</h3>${spec.caption ? `<p class="caption">${mathHtml(spec.caption)}</p>` : ''}`
      + `<div class="figure-body">${svg ?? '<p class="empty">no data recorded</p>'}</div>${buttons ? `<p class="downloads">download ${buttons}</p>` : ''}</section>`;
  });
  const checks = record.checks.map((c) => `<tr class="${c.verdict}"><td>${mathHtml(c.name)}</td><td class="q">${mathHtml(c.quantity)}</td><td>${esc(fmt(c.predicted))}</td><td>${esc(fmt(c.measured))}${c.uncertainty !== undefined ? ` ± ${esc(fmt(c.uncertainty))}` : ''}</td><td>${esc(tolText(c.tolerance))}</td><td><b>${c.verdict}</b>${c.note ? `<div class="note">${mathHtml(c.note)}</div>` : ''}</td></tr>`).join('\n');
  const regime = record.regime.map((r) => `<tr class="${r.ok ? 'confirmed' : 'out-of-regime'}"><td>${mathHtml(r.name)}</td><td>${esc(fmt(r.value))}</td><td>${r.bound === 'max' ? '≤' : '≥'} ${esc(fmt(r.limit))}</td><td>${r.ok ? 'met' : 'not met'}</td></tr>`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(plainMath(exp.title))} — ${record.verdict}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.4em;margin-bottom:0}.strand{color:#666;margin-top:.2em}
.badge{display:inline-block;padding:.2em .7em;border-radius:1em;color:#fff;font-weight:600}
.badge.confirmed{background:#2a7d3c}.badge.falsified{background:#b3261e}.badge.out-of-regime{background:#9a6b00}
table{border-collapse:collapse;width:100%;font-size:.88em;margin:1em 0}td,th{border-bottom:1px solid #ddd;padding:.35em .5em;text-align:left;vertical-align:top}
tr.falsified td:last-child{color:#b3261e}tr.confirmed td:last-child{color:#2a7d3c}tr.out-of-regime td:last-child{color:#9a6b00}
.q{color:#555}.note{font-size:.85em;color:#666}.caption{color:#555;font-size:.9em}.plot{margin:2em 0}
code,pre{background:#f5f5f5;padding:.1em .3em}
.figure-body>svg{max-width:100%;height:auto}.downloads{font-size:.85em;color:#555;margin:.3em 0}
.downloads button{font:inherit;padding:.1em .6em;margin-left:.3em;border:1px solid #bbb;border-radius:.3em;background:#fafafa;cursor:pointer}
@media print{.downloads{display:none}}
</style></head><body>
<h1>${mathHtml(exp.title)}</h1><p class="strand">${mathHtml(exp.strand)}</p>
<p>Verdict: <span class="badge ${record.verdict}">${record.verdict}</span> · run status <b>${record.status}</b> · seed ${record.seed} · ${record.seconds.toFixed(1)} s</p>
<p>${mathHtml(exp.description)}</p>
${record.note ? `<p class="note">${mathHtml(record.note)}</p>` : ''}
<h2>Checks</h2>
<table><thead><tr><th>check</th><th>quantity</th><th>predicted</th><th>measured</th><th>tolerance</th><th>verdict</th></tr></thead><tbody>
${checks}
</tbody></table>
<h2>Regime of the theory</h2>
<table><thead><tr><th>condition</th><th>value</th><th>needs</th><th></th></tr></thead><tbody>${regime}</tbody></table>
<h2>Plots</h2>
${plots.join('\n')}
<h2>Configuration</h2>
<pre>${esc(JSON.stringify(record.config, null, 2))}</pre>
<p class="note">Observables: the <code>*.jsonl</code> files beside this page. Machine-readable record: <code>report.json</code>.</p>
<script type="application/json" id="lmech-figure-data">${scriptJson(data)}</script>
<script>${REPORT_SCRIPT}</script>
</body></html>`;
}
