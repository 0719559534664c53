/**
 * `lmech runs`: what the run store holds — the small part of an experiment tracker a lab needs,
 * on a local file.
 *
 *   lmech runs [--store PATH] [--experiment NAME]                 sweeps, with cell counts
 *   lmech runs cells [--experiment NAME] [--status S] [--where field=value ...]
 *   lmech runs show <cell-hash-prefix | sweep-id-prefix>          one cell (config, checks, series) or sweep
 *   lmech runs export <sweep-id-prefix> [--format csv|json]       one row per cell: coords, status, verdict, metrics
 */
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { ConfigError, camel } from '../../experiments/config.js';
import { Store, type CellStatus, type StoredCell } from '../../lab/store.js';
import { table } from '../../reports/table.js';
import { DEFAULT_STORE } from './sweep.js';

const STATUSES: CellStatus[] = ['queued', 'running', 'done', 'failed', 'diverged'];

function openStore(path: string | undefined): Store {
  const p = path ?? DEFAULT_STORE;
  if (!existsSync(p)) throw new ConfigError(`--store: no run store at ${p} (lmech sweep creates one)`);
  return Store.open(p);
}

/** `field=value` filters on a cell's config; values compare as JSON (so 64 matches the number 64). */
export function parseWhere(items: string[]): [string, unknown][] {
  return items.map((w) => {
    const eq = w.indexOf('=');
    if (eq <= 0) throw new ConfigError(`--where: expected field=value (got ${JSON.stringify(w)})`);
    const raw = w.slice(eq + 1);
    let v: unknown = raw;
    try { v = JSON.parse(raw); } catch { /* a bare string */ }
    return [camel(w.slice(0, eq)), v];
  });
}

const matches = (c: StoredCell, where: [string, unknown][]) => where.every(([k, v]) => JSON.stringify(c.config[k]) === JSON.stringify(v));

const csvCell = (v: unknown): string => {
  const s = v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** Rows of a sweep for export: index, coords, status, verdict, seconds, then every metric. */
export function exportRows(cells: (StoredCell & { index: number; coords: Record<string, unknown> })[]): { header: string[]; rows: unknown[][] } {
  const axes = [...new Set(cells.flatMap((c) => Object.keys(c.coords)))];
  const metrics = [...new Set(cells.flatMap((c) => Object.keys(c.summary ?? {})))].sort();
  return {
    header: ['index', ...axes, 'status', 'verdict', 'seconds', 'hash', ...metrics],
    rows: cells.map((c) => [c.index, ...axes.map((a) => c.coords[a]), c.status, c.verdict, c.seconds, c.hash, ...metrics.map((m) => c.summary?.[m])]),
  };
}

export function toCsv(header: string[], rows: unknown[][]): string {
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\n') + '\n';
}

interface RunsOpts { store?: string; experiment?: string; status?: string; where?: string[]; format?: string; json?: boolean }

function listSweeps(o: RunsOpts): void {
  const s = openStore(o.store);
  try {
    const sweeps = s.sweeps({ experiment: o.experiment });
    if (o.json) { process.stdout.write(JSON.stringify(sweeps) + '\n'); return; }
    if (!sweeps.length) { process.stdout.write(`no sweeps in ${s.path}\n`); return; }
    process.stdout.write(table([['sweep', 'experiment', 'cells', 'done', 'diverged', 'failed', 'created'], ...sweeps.map((w) => [
      w.id, w.experiment, String(w.cells), String(w.done), String(w.diverged), String(w.failed), w.created,
    ])], process.stdout.isTTY) + '\n');
  } finally { s.close(); }
}

function listCells(o: RunsOpts): void {
  if (o.status && !STATUSES.includes(o.status as CellStatus)) throw new ConfigError(`--status: must be one of ${STATUSES.join(', ')} (got ${JSON.stringify(o.status)})`);
  const where = parseWhere(o.where ?? []);
  const s = openStore(o.store);
  try {
    const cells = s.cells({ experiment: o.experiment, status: o.status as CellStatus | undefined }).filter((c) => matches(c, where));
    if (o.json) { process.stdout.write(JSON.stringify(cells.map(({ record: _r, ...c }) => c)) + '\n'); return; }
    process.stdout.write(table([['cell', 'experiment', 'status', 'verdict', 'seconds', 'attempts', 'config'], ...cells.map((c) => [
      c.hash.slice(0, 12), c.experiment, c.status, c.verdict ?? '', c.seconds === null ? '' : c.seconds.toFixed(1), String(c.attempts), JSON.stringify(c.config).slice(0, 80),
    ])], process.stdout.isTTY) + `\n${cells.length} cells\n`);
  } finally { s.close(); }
}

function show(id: string, o: RunsOpts): void {
  const s = openStore(o.store);
  try {
    const sweeps = s.sweepsByPrefix(id);
    const cells = s.cellsByPrefix(id);
    if (sweeps.length + cells.length === 0) throw new ConfigError(`runs show: no sweep or cell id starts with "${id}"`);
    if (sweeps.length + cells.length > 1) throw new ConfigError(`runs show: "${id}" is ambiguous (${[...sweeps.map((w) => w.id), ...cells.map((c) => c.hash.slice(0, 16))].join(', ')}); give more characters`);
    if (sweeps.length) {
      const w = sweeps[0];
      const sc = s.sweepCells(w.id);
      if (o.json) { process.stdout.write(JSON.stringify({ ...w, cells: sc.map(({ record: _r, ...c }) => c) }) + '\n'); return; }
      process.stdout.write(`sweep ${w.id} — ${w.experiment}, ${w.cells} cells (${w.done} done, ${w.diverged} diverged, ${w.failed} failed), lab ${w.labVersion}, created ${w.created}\nspec: ${JSON.stringify(w.spec)}\n`);
      const { header, rows } = exportRows(sc);
      const keep = header.indexOf('hash') + 1;
      process.stdout.write(table([header.slice(0, keep), ...rows.map((r) => r.slice(0, keep).map((v) => (v === null || v === undefined ? '' : typeof v === 'number' ? String(Number(v.toPrecision(6))) : String(v).slice(0, 16))))], process.stdout.isTTY) + '\n');
      return;
    }
    const c = cells[0];
    const series = s.seriesOf(c.hash);
    if (o.json) { process.stdout.write(JSON.stringify({ ...c, series }) + '\n'); return; }
    process.stdout.write(`cell ${c.hash}\n${c.experiment}: ${c.status}${c.verdict ? `, verdict ${c.verdict}` : ''}, ${c.attempts} attempt(s)${c.host ? ` on ${c.host}` : ''}${c.seconds !== null ? `, ${c.seconds.toFixed(2)} s` : ''}\nconfig: ${JSON.stringify(c.config)}\n`);
    if (c.error) process.stdout.write(`error: ${c.error}\n`);
    if (c.record) {
      process.stdout.write(table([['check', 'predicted', 'measured', 'verdict'], ...c.record.checks.map((k) => [k.name, JSON.stringify(k.predicted).slice(0, 24), JSON.stringify(k.measured).slice(0, 24), k.verdict])], process.stdout.isTTY) + '\n');
    }
    if (series.length) process.stdout.write(`series: ${series.map((x) => `${x.series} (${x.rows} rows)`).join(', ')}\n`);
  } finally { s.close(); }
}

function exportSweep(id: string, o: RunsOpts): void {
  const format = o.format ?? 'csv';
  if (format !== 'csv' && format !== 'json') throw new ConfigError(`--format: must be "csv" or "json" (got ${JSON.stringify(format)})`);
  const s = openStore(o.store);
  try {
    const sweeps = s.sweepsByPrefix(id);
    if (sweeps.length !== 1) throw new ConfigError(`runs export: ${sweeps.length ? `"${id}" is ambiguous` : `no sweep id starts with "${id}"`} (lmech runs lists them)`);
    const { header, rows } = exportRows(s.sweepCells(sweeps[0].id));
    process.stdout.write(format === 'csv' ? toCsv(header, rows) : JSON.stringify(rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]])))) + (format === 'json' ? '\n' : ''));
  } finally { s.close(); }
}

export function register(program: Command): void {
  const runs = program.command('runs').description('list the sweeps and cells in the run store; show one; export a sweep as CSV/JSON')
    .option('--store <path>', `run store (default ${DEFAULT_STORE})`).option('--experiment <name>', 'only this experiment').option('--json', 'JSON output')
    .action((o: RunsOpts) => listSweeps(o));
  const common = (c: Command) => c.option('--store <path>', `run store (default ${DEFAULT_STORE})`).option('--json', 'JSON output');
  common(runs.command('cells').description('cells, filtered by experiment, status and config fields'))
    .option('--experiment <name>', 'only this experiment').option('--status <s>', STATUSES.join(' | '))
    .option('--where <field=value...>', 'config field equals value (repeatable)')
    .action((_o: RunsOpts, cmd: Command) => listCells(cmd.optsWithGlobals()));
  common(runs.command('show <id>').description('one sweep or cell, by id prefix')).action((id: string, _o: RunsOpts, cmd: Command) => show(id, cmd.optsWithGlobals()));
  runs.command('export <sweep>').description('one row per cell: coordinates, status, verdict, metrics')
    .option('--store <path>', `run store (default ${DEFAULT_STORE})`).option('--format <f>', 'csv | json', 'csv')
    .action((id: string, _o: RunsOpts, cmd: Command) => exportSweep(id, cmd.optsWithGlobals()));
}
