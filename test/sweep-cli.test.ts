import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';

// The CLI runs from dist/ (built by `npm test` before vitest starts).
const SWEEP = ['sweep', 'quadratic-stability', '--axis', 'dim=150,200', '--axis', 'lambda-max=2,4', '--seeds', '2', '--steps', '3000', '--lr-factors', '0.95,1.05'];
const lmech = (...args: string[]) => spawnSync(process.execPath, ['bin/lmech.js', ...args], { encoding: 'utf8', timeout: 300_000 });

function counts(path: string): { done: number; total: number } {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const r = db.prepare("SELECT SUM(status = 'done') AS done, COUNT(*) AS total FROM cells").get() as { done: number | null; total: number };
    return { done: r.done ?? 0, total: r.total };
  } finally {
    db.close();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('lmech sweep', () => {
  it('killed with SIGKILL half way and rerun: every cell exactly once, and the same numbers as an uninterrupted sweep', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lmech-sweep-'));
    const killed = join(dir, 'killed.sqlite'), clean = join(dir, 'clean.sqlite');

    const child = spawn(process.execPath, ['bin/lmech.js', ...SWEEP, '--workers', '2', '--store', killed, '--quiet'], { stdio: 'ignore' });
    const deadline = Date.now() + 240_000;
    let seen = { done: 0, total: 0 };
    while (Date.now() < deadline) {
      await sleep(200);
      try { seen = counts(killed); } catch { continue; }
      if (seen.done >= 2) break;
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(seen.total).toBe(8);
    const before = counts(killed);
    expect(before.done).toBeGreaterThanOrEqual(2);
    expect(before.done).toBeLessThan(8); // it really was killed half way

    const rerun = lmech(...SWEEP, '--workers', '2', '--store', killed, '--json');
    expect(rerun.status, rerun.stderr).toBe(0);
    const resumed = JSON.parse(rerun.stdout);
    expect(resumed.ran).toBe(8 - before.done); // exactly the cells not done
    expect(resumed.progress).toMatchObject({ total: 8, done: 8, failed: 0 });

    const db = new Database(killed, { readonly: true });
    const perCell = db.prepare('SELECT hash, status, attempts FROM cells').all() as { hash: string; status: string; attempts: number }[];
    const rowDupes = db.prepare('SELECT COUNT(*) AS n FROM (SELECT hash, series, seq FROM rows GROUP BY hash, series, seq HAVING COUNT(*) > 1)').get() as { n: number };
    db.close();
    expect(perCell).toHaveLength(8);
    expect(perCell.every((c) => c.status === 'done')).toBe(true);
    expect(rowDupes.n).toBe(0);

    const full = lmech(...SWEEP, '--workers', '2', '--store', clean, '--json');
    expect(full.status, full.stderr).toBe(0);
    const uninterrupted = JSON.parse(full.stdout);
    expect(uninterrupted.ran).toBe(8);
    // Same cells, same summaries (bit for bit) and the same aggregate.
    expect(resumed.cells.map((c: { hash: string; summary: unknown }) => [c.hash, c.summary]))
      .toEqual(uninterrupted.cells.map((c: { hash: string; summary: unknown }) => [c.hash, c.summary]));
    expect(resumed.groups).toEqual(uninterrupted.groups);

    // A third run finds everything done and runs nothing.
    const again = JSON.parse(lmech(...SWEEP, '--store', clean, '--json').stdout);
    expect(again.ran).toBe(0);
  }, 600_000);

  it('lmech runs lists, filters, shows and exports what the store holds', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lmech-runs-'));
    const store = join(dir, 'lab.sqlite');
    const sw = lmech('sweep', 'quadratic-stability', '--axis', 'dim=10,12', '--seeds', '2', '--steps', '300', '--lr-factors', '0.95', '--workers', '1', '--store', store, '--json');
    expect(sw.status, sw.stderr).toBe(0);
    const { sweep, cells } = JSON.parse(sw.stdout);
    const list = JSON.parse(lmech('runs', '--store', store, '--json').stdout);
    expect(list).toEqual([expect.objectContaining({ id: sweep, experiment: 'quadratic-stability', cells: 4, done: 4 })]);
    const some = JSON.parse(lmech('runs', 'cells', '--store', store, '--where', 'dim=12', '--status', 'done', '--json').stdout);
    expect(some.map((c: { config: { dim: number } }) => c.config.dim)).toEqual([12, 12]);
    const one = lmech('runs', 'show', cells[0].hash.slice(0, 10), '--store', store);
    expect(one.stdout).toMatch(/quadratic-stability: done, verdict confirmed, 1 attempt/);
    const csv = lmech('runs', 'export', sweep.slice(0, 6), '--store', store).stdout.trim().split('\n');
    expect(csv).toHaveLength(5);
    expect(csv[0]).toMatch(/^index,dim,seed,status,verdict,seconds,hash,/);
    expect(csv[1]).toMatch(/^0,10,0,done,confirmed,/);
    const bad = lmech('runs', 'cells', '--store', store, '--status', 'nope');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--status: must be one of queued, running, done, failed, diverged/);
  });

  it('bad input exits 2 with the flag named', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lmech-sweep-bad-'));
    const r = lmech('sweep', 'quadratic-stability', '--axis', 'width=1,2', '--store', join(dir, 's.sqlite'));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--axis width: quadratic-stability has no option --width/);
    const s = lmech('sweep', 'quadratic-stability', '--seeds', '0', '--store', join(dir, 's.sqlite'));
    expect(s.status).toBe(2);
    expect(s.stderr).toMatch(/--seeds: the count must be from 1 to 10000/);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/); // no stack trace
    const o = lmech('sweep', 'quadratic-stability', '--axis', 'dim=10', '--out', '/proc/nope', '--store', join(dir, 's.sqlite'));
    expect(o.status).toBe(2);
    expect(o.stderr).toMatch(/--out: cannot create \/proc\/nope/);
  });
});
