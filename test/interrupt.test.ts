/**
 * Ctrl-C and kill -9 on real `lmech` processes (issue 10 §1): the first SIGINT stops a long
 * run within a step and writes its report marked interrupted; a second exits at once; a run
 * killed with SIGKILL leaves manifest + series from which `lmech report` rebuilds a report.
 * A watchdog kills a child that ignores the signal (what the old main-thread loop did).
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { exitOf, jsonl, start, until } from './support/child.js';

const lmech = (...args: string[]) => spawnSync(process.execPath, ['bin/lmech.js', ...args], { encoding: 'utf8', timeout: 120_000 });
const LONG = ['run', 'dln', '--steps', '300000', '--no-conservation', '--quiet'];
/** Long enough that a child still running then has ignored the signal (300000 steps take minutes). */
const WATCHDOG = 60_000;
function running(store: string): boolean {
  if (!existsSync(store)) return false;
  try {
    const db = new Database(store, { readonly: true, fileMustExist: true });
    try { return (db.prepare("SELECT COUNT(*) AS n FROM cells WHERE status = 'running'").get() as { n: number }).n > 0; } finally { db.close(); }
  } catch { return false; }
}
const gdSteps = (dir: string) => jsonl(join(dir, 'loss.jsonl')).filter((r) => r.method === 'gd').map((r) => r.t as number);

describe('Ctrl-C', () => {
  it('run dln --steps 300000: the first SIGINT stops it mid-run, report.json says interrupted, exit 130', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'lmech-int-')), 'out');
    const c = start([...LONG, '--out', dir]);
    await until(() => gdSteps(dir).length > 0, WATCHDOG, 'the first GD rows on disk');
    c.proc.kill('SIGINT');
    expect(await exitOf(c, WATCHDOG)).toBe(130);
    expect(c.stderr()).toMatch(/interrupted: finishing the current step/);
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    expect(report.status).toBe('interrupted');
    expect(report.config.steps).toBe(300000);
    // It stopped part way: the last GD step on disk is far from the end.
    expect(Math.max(...gdSteps(dir))).toBeLessThan(300000);
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toMatch(/run status <b>interrupted<\/b>/);
    expect(c.stdout()).toMatch(/status interrupted/);
  });

  it('a second SIGINT exits at once (130), while the first is still being honoured (no report yet)', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'lmech-int2-')), 'out');
    const c = start([...LONG, '--out', dir]);
    // The manifest is written before the worker thread starts; stop while that is starting up
    // (the first Ctrl-C then still has to start the run, see the flag and write the report).
    await until(() => existsSync(join(dir, 'manifest.json')), WATCHDOG, 'manifest.json');
    c.proc.kill('SIGINT');
    await until(() => /interrupted:/.test(c.stderr()), WATCHDOG, 'the first interrupt to be seen');
    c.proc.kill('SIGINT');
    expect(await exitOf(c, WATCHDOG)).toBe(130);
    expect(existsSync(join(dir, 'report.json')), 'report').toBe(false);
    expect(c.stdout()).toBe('');
    expect(existsSync(join(dir, '.lmech.lock')), 'lock').toBe(false); // released on exit
  });

  it('sweep on one worker: SIGINT stops the running cell at its next step, exit 130', async () => {
    const store = join(mkdtempSync(join(tmpdir(), 'lmech-int3-')), 'lab.sqlite');
    const c = start(['sweep', 'dln', '--axis', 'lr=0.002', '--steps', '300000', '--no-conservation', '--workers', '1', '--store', store, '--quiet', '--json']);
    await until(() => running(store), WATCHDOG, 'the cell to be running');
    c.proc.kill('SIGINT');
    expect(await exitOf(c, WATCHDOG)).toBe(130);
    const out = JSON.parse(c.stdout());
    expect(out.cells).toHaveLength(1);
  });
});

describe('kill -9', () => {
  it('leaves manifest.json and the series; `lmech report DIR` rebuilds report.json/html marked incomplete', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'lmech-k9-')), 'out');
    const c = start([...LONG, '--out', dir]);
    await until(() => gdSteps(dir).length > 0, WATCHDOG, 'the first GD rows on disk');
    c.proc.kill('SIGKILL');
    expect(await c.exited).toBe('SIGKILL');
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ experiment: 'dln', seed: 0, lab: { name: 'learning-mechanics' } });
    expect(manifest.config.steps).toBe(300000);
    expect(manifest.command).toEqual(expect.arrayContaining(['run', 'dln', '--steps', '300000']));
    expect(Number.isNaN(Date.parse(manifest.started))).toBe(false);
    expect(existsSync(join(dir, 'report.json'))).toBe(false);
    // The dead run's lock is stale, and the directory is not empty: a new run is refused, with the way out.
    const again = lmech('run', 'dln', '--steps', '10', '--out', dir);
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/--out .*: not empty .*lmech report/);

    const r = lmech('report', dir, '--json');
    expect(r.status, r.stderr).toBe(0);
    const rec = JSON.parse(r.stdout);
    expect(rec.status).toBe('incomplete');
    expect(rec.experiment).toBe('dln');
    expect(rec.note).toMatch(/killed or crashed/);
    expect(rec.rebuilt.rows).toBe(['loss', 'modes', 'singular', 'alignment'].reduce((s, k) => s + jsonl(join(dir, `${k}.jsonl`)).length, 0));
    const saved = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    expect(saved.status).toBe('incomplete');
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html).toMatch(/run status <b>incomplete<\/b>/);
    expect((html.match(/<svg/g) ?? []).length).toBeGreaterThan(0);
  });

  it('lmech report: a directory that is no run, and one still in use, are refused (exit 2)', () => {
    const empty = mkdtempSync(join(tmpdir(), 'lmech-rep-'));
    const r = lmech('report', empty);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/no manifest.json or report.json/);
  });
});
