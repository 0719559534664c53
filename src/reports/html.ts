/** A self-contained HTML report: verdict, checks, regime, config, and inline SVG plots. */
import { parseHTML } from 'linkedom';
import type { Experiment, ExperimentRecord } from '../experiments/types.js';
import { fmt } from '../experiments/verdict.js';
import { renderPlot } from './plots.js';
import { esc } from './escape.js';


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
  const plots = (exp.plots?.(record.config) ?? []).map((spec) => {
    // Side-by-side panels get the page's full width (as on the live page).
    const rows = series.get(spec.series) ?? [];
    return `<section class="plot"><h3>${esc(spec.title)}</h3>${spec.caption ? `<p class="caption">${esc(spec.caption)}</p>` : ''}${renderPlot(spec, rows, document as unknown as Document, spec.facet ? 960 : 640)}</section>`;
  });
  const checks = record.checks.map((c) => `<tr class="${c.verdict}"><td>${esc(c.name)}</td><td class="q">${esc(c.quantity)}</td><td>${esc(fmt(c.predicted))}</td><td>${esc(fmt(c.measured))}${c.uncertainty !== undefined ? ` ± ${esc(fmt(c.uncertainty))}` : ''}</td><td>${esc(tolText(c.tolerance))}</td><td><b>${c.verdict}</b>${c.note ? `<div class="note">${esc(c.note)}</div>` : ''}</td></tr>`).join('\n');
  const regime = record.regime.map((r) => `<tr class="${r.ok ? 'confirmed' : 'out-of-regime'}"><td>${esc(r.name)}</td><td>${esc(fmt(r.value))}</td><td>${r.bound === 'max' ? '≤' : '≥'} ${esc(fmt(r.limit))}</td><td>${r.ok ? 'met' : 'not met'}</td></tr>`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(exp.title)} — ${record.verdict}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.4em;margin-bottom:0}.strand{color:#666;margin-top:.2em}
.badge{display:inline-block;padding:.2em .7em;border-radius:1em;color:#fff;font-weight:600}
.badge.confirmed{background:#2a7d3c}.badge.falsified{background:#b3261e}.badge.out-of-regime{background:#9a6b00}
table{border-collapse:collapse;width:100%;font-size:.88em;margin:1em 0}td,th{border-bottom:1px solid #ddd;padding:.35em .5em;text-align:left;vertical-align:top}
tr.falsified td:last-child{color:#b3261e}tr.confirmed td:last-child{color:#2a7d3c}tr.out-of-regime td:last-child{color:#9a6b00}
.q{color:#555}.note{font-size:.85em;color:#666}.caption{color:#555;font-size:.9em}.plot{margin:2em 0}
code,pre{background:#f5f5f5;padding:.1em .3em}
</style></head><body>
<h1>${esc(exp.title)}</h1><p class="strand">${esc(exp.strand)}</p>
<p>Verdict: <span class="badge ${record.verdict}">${record.verdict}</span> · run status <b>${record.status}</b> · seed ${record.seed} · ${record.seconds.toFixed(1)} s</p>
<p>${esc(exp.description)}</p>
${record.note ? `<p class="note">${esc(record.note)}</p>` : ''}
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
</body></html>`;
}
