/**
 * `lmech report DIR`: rebuild report.json and report.html from what a run left in its --out
 * directory — manifest.json (experiment, config, seed, version, start) and the streamed
 * <series>.jsonl files — when it was interrupted, killed (kill -9), or crashed.
 *
 *   finished run (report.json status ok/diverged):  report.html redrawn from report.json + series;
 *   interrupted run (status interrupted):            its partial checks kept, page redrawn;
 *   no report.json (the process died):               status "incomplete", no checks (the raw
 *                                                    result that compare() needs died with it),
 *                                                    verdict out-of-regime, the plots of every
 *                                                    row that reached the disk.
 * A last line cut short by the kill is dropped (and counted). A directory whose lock is held by
 * a live run is refused: that run will write its own report.
 */
import type { Command } from 'commander';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ConfigError } from '../../experiments/config.js';
import { experiments } from '../../experiments/registry.js';
import type { ExperimentRecord, RunStatus } from '../../experiments/types.js';
import { readLock } from '../../io/out-dir.js';
import { writeFileAtomic } from '../../io/fs-safe.js';
import { readManifest, type Manifest } from '../../reports/manifest.js';
import { renderHtml } from '../../reports/html.js';

type Row = Record<string, number | string>;

export type RebuiltStatus = RunStatus | 'incomplete';

export interface RebuiltRecord extends Omit<ExperimentRecord, 'status'> {
  status: RebuiltStatus;
  rebuilt: { at: string; by: string; from: string[]; rows: number; droppedLines: number; hadReport: boolean };
}

/** The rows of one .jsonl file; a malformed line (a kill mid-write) is dropped and counted. */
export function readSeriesFile(path: string): { rows: Row[]; dropped: number } {
  const rows: Row[] = [];
  let dropped = 0;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try { rows.push(JSON.parse(line) as Row); } catch { dropped++; }
  }
  return { rows, dropped };
}

function readOldReport(dir: string): ExperimentRecord | null {
  const p = join(dir, 'report.json');
  if (!existsSync(p)) return null;
  try { return JSON.parse(readFileSync(p, 'utf8')) as ExperimentRecord; } catch { return null; }
}

/** Rebuild the record and the page of a run directory; writes report.json and report.html. */
export function rebuildReport(dir: string): { record: RebuiltRecord; series: Map<string, Row[]> } {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new ConfigError(`report: ${dir}: not a directory`);
  const lock = readLock(dir);
  if (lock?.live) throw new ConfigError(`report: ${dir}: a run is still writing here (pid ${lock.pid} on ${lock.host}, since ${lock.started}); it writes its own report when it ends (Ctrl-C stops it and writes one)`);
  let manifest: Manifest | null;
  try { manifest = readManifest(dir); } catch (e) { throw new ConfigError(`report: ${(e as Error).message}`); }
  const old = readOldReport(dir);
  const name = manifest?.experiment ?? old?.experiment;
  if (!name) throw new ConfigError(`report: ${dir}: no manifest.json or report.json (not the --out directory of an lmech run)`);
  const exp = experiments.find((e) => e.name === name);
  if (!exp) throw new ConfigError(`report: ${dir}: unknown experiment "${name}" in manifest.json; known: ${experiments.map((e) => e.name).join(', ')}`);
  const files = readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort();
  const series = new Map<string, Row[]>();
  let rows = 0, dropped = 0, lastWrite = 0;
  for (const f of files) {
    const r = readSeriesFile(join(dir, f));
    series.set(basename(f, '.jsonl'), r.rows);
    rows += r.rows.length;
    dropped += r.dropped;
    lastWrite = Math.max(lastWrite, statSync(join(dir, f)).mtimeMs);
  }
  const config = old?.config ?? manifest!.config;
  const at = new Date().toISOString();
  const stored = `${rows} rows in ${files.length} series${dropped ? `, ${dropped} cut-off line${dropped > 1 ? 's' : ''} dropped` : ''}`;
  let record: RebuiltRecord;
  const rebuilt = { at, by: 'lmech report', from: [...(manifest ? ['manifest.json'] : []), ...(old ? ['report.json'] : []), ...files], rows, droppedLines: dropped, hadReport: !!old };
  if (old) {
    const note = old.status === 'ok' || old.status === 'diverged'
      ? `report.html redrawn by lmech report at ${at} (${stored})`
      : `run ${old.status}: partial measurements; report rebuilt by lmech report at ${at} (${stored})`;
    record = { ...old, note: old.note ? `${old.note}; ${note}` : note, rebuilt };
  } else {
    const started = manifest!.started ? Date.parse(manifest!.started) : NaN;
    const who = `pid ${manifest!.pid} on ${manifest!.host}, started ${manifest!.started}`;
    record = {
      experiment: exp.name, ...(manifest!.label ? { label: manifest!.label } : {}), config, seed: manifest!.seed,
      status: 'incomplete', regime: [], checks: [], verdict: 'out-of-regime',
      note: `incomplete: the run (${who}) ended without writing its report (killed or crashed); rebuilt by lmech report at ${at} from manifest.json and the recorded series (${stored}). No checks: the comparison needs the finished run.`,
      seconds: Number.isFinite(started) && lastWrite ? Math.max(0, (lastWrite - started) / 1000) : 0,
      rebuilt,
    };
  }
  writeFileAtomic(join(dir, 'report.json'), JSON.stringify(record, null, 2) + '\n');
  writeFileAtomic(join(dir, 'report.html'), renderHtml(exp, record as unknown as ExperimentRecord, series));
  return { record, series };
}

export function register(program: Command): void {
  program.command('report <dir>')
    .description('rebuild report.json / report.html from what an interrupted or killed run left in its --out directory')
    .option('--json', 'print the rebuilt record as one JSON object')
    .action((dir: string, o: { json?: boolean }) => {
      const { record } = rebuildReport(dir);
      if (o.json) process.stdout.write(JSON.stringify(record) + '\n');
      else process.stdout.write(`${record.experiment}: status ${record.status}, verdict ${record.verdict} (${record.rebuilt.rows} rows in ${record.rebuilt.from.filter((f) => f.endsWith('.jsonl')).length} series)\nreport: ${join(dir, 'report.html')}\n`);
    });
}
