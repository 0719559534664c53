/**
 * The report of a family of runs: a self-contained HTML page (figures from sweep-figures.ts,
 * drawn on linkedom's DOM in Node): per metric a seed-mean heatmap over two axes with the per-row
 * optimum and its bootstrap interval, curves with seed error bars, diverged cells shown as such,
 * and the table of every cell.
 */
import { parseHTML } from 'linkedom';
import { sweepSections, type SweepReportInput } from './sweep-figures.js';
import { esc } from './escape.js';

export { defaultMetrics, sweepSections, type SweepReportCell, type SweepReportInput } from './sweep-figures.js';


export function renderSweepHtml(input: SweepReportInput): string {
  const { document } = parseHTML('<!doctype html><html><body></body></html>');
  const { figures, table, summary } = sweepSections(document as unknown as Document, input);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>sweep ${esc(input.sweep)} — ${esc(input.experiment)}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;width:100%;font-size:.85em;margin:1em 0}td,th{border-bottom:1px solid #ddd;padding:.3em .5em;text-align:left}
tr.diverged td{color:#b3261e}tr.failed td{color:#b3261e;font-style:italic}tr.queued td,tr.running td{color:#888}
h2{font-size:1.1em;margin-top:2em}.plot{margin:1.5em 0}code{background:#f5f5f5;padding:.1em .3em}
</style></head><body>
<h1>${esc(input.title ?? input.experiment)}: sweep <code>${esc(input.sweep)}</code></h1>
<p>${summary}</p>
${figures}
<h2>Cells</h2>
${table}
</body></html>
`;
}
