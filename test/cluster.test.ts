import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';

// A real redis-server (ours, on a free port, when it is on PATH; else LMECH_TEST_REDIS, which
// .ci/run points at the one it starts). The CLI runs from dist/ (built before vitest starts).
const SWEEP = ['sweep', 'quadratic-stability', '--axis', 'dim=90,120', '--axis', 'lambda-max=2,4', '--seeds', '2', '--steps', '2000', '--lr-factors', '0.95,1.05'];
const CELLS = 8;
const LMECH = ['bin/lmech.js'];

const hasServer = spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).status === 0;
const external = process.env.LMECH_TEST_REDIS;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const children = new Set<ChildProcess>();
function start(args: string[]): ChildProcess {
  const c = spawn(process.execPath, [...LMECH, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  c.stdout!.on('data', (d) => { out += d; });
  c.stderr!.on('data', (d) => { err += d; });
  (c as ChildProcess & { output: () => { out: string; err: string } }).output = () => ({ out, err });
  children.add(c);
  c.once('exit', () => children.delete(c));
  return c;
}
async function finish(c: ChildProcess): Promise<{ code: number | null; out: string; err: string }> {
  const code = c.exitCode ?? (await new Promise<number | null>((r) => c.once('exit', (k) => r(k))));
  return { code, ...(c as ChildProcess & { output: () => { out: string; err: string } }).output() };
}
const stop = async (c: ChildProcess, sig: NodeJS.Signals = 'SIGTERM') => { if (c.exitCode === null && c.signalCode === null) { c.kill(sig); await new Promise((r) => c.once('exit', r)); } };

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => res(p)); });
  });
}

async function ping(url: string): Promise<boolean> {
  const c = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  c.on('error', () => {});
  try { await c.connect(); return (await c.ping()) === 'PONG'; } catch { return false; } finally { c.disconnect(); }
}

let url = '';
let server: ChildProcess | null = null;
const dir = mkdtempSync(join(tmpdir(), 'lmech-cluster-'));
const run = `${process.pid}-${Date.now()}`;
const queue = (n: string) => `test-${run}-${n}`;

/** The journal lines (start|done hash worker) a worker wrote. */
function journal(file: string): { what: string; hash: string }[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => { const [what, hash] = l.split(' '); return { what, hash }; });
}
const open = (j: { what: string; hash: string }[]) => j.filter((e) => e.what === 'start' && !j.some((d) => d.what === 'done' && d.hash === e.hash));

function cells(path: string) {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const perCell = db.prepare('SELECT hash, status, attempts FROM cells').all() as { hash: string; status: string; attempts: number }[];
    const dupes = (db.prepare('SELECT COUNT(*) AS n FROM (SELECT hash, series, seq FROM rows GROUP BY hash, series, seq HAVING COUNT(*) > 1)').get() as { n: number }).n;
    return { perCell, dupes, done: perCell.filter((c) => c.status === 'done').length };
  } finally {
    db.close();
  }
}
const doneCount = (path: string) => { try { return cells(path).done; } catch { return 0; } };
async function until(what: string, ok: () => boolean, ms = 120_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}
type Summary = { hash: string; summary: unknown };
const summaries = (j: { cells: Summary[] }) => j.cells.map((c) => [c.hash, c.summary]);

let local: { cells: Summary[]; groups: unknown };

// Locally without Redis the suite is skipped (with a notice); on CI (.ci/run installs and starts one) it must run.
const onCi = Boolean(process.env.CI);
if (!hasServer && !external && !onCi) console.warn('cluster: skipped — no redis-server on PATH and no LMECH_TEST_REDIS (apt-get install redis-server to run it)');
describe.skipIf(!hasServer && !external && !onCi)('lmech sweep --redis / lmech worker (real redis-server)', () => {
  beforeAll(async () => {
    if (hasServer) {
      for (let tries = 0; tries < 3 && !url; tries++) {
        const port = await freePort();
        server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
        const u = `redis://127.0.0.1:${port}`;
        for (let i = 0; i < 100 && server.exitCode === null; i++) { if (await ping(u)) { url = u; break; } await sleep(50); }
        if (!url) server.kill('SIGKILL');
      }
      if (!url) throw new Error('could not start redis-server');
    } else url = external!;
    // The reference: the same sweep on the local pool.
    const r = spawnSync(process.execPath, [...LMECH, ...SWEEP, '--workers', '2', '--store', join(dir, 'local.sqlite'), '--json'], { encoding: 'utf8', timeout: 300_000 });
    expect(r.status, r.stderr).toBe(0);
    local = JSON.parse(r.stdout);
  }, 300_000);

  afterAll(async () => {
    for (const c of [...children]) await stop(c, 'SIGKILL');
    if (server) await stop(server, 'SIGKILL');
  });

  it('2 workers drain a sweep: every cell once, the same summaries as the local pool', async () => {
    const q = queue('drain'), store = join(dir, 'drain.sqlite'), log = join(dir, 'drain.log');
    const workers = [0, 1].map(() => start(['worker', '--redis', url, '--queue', q, '--concurrency', '1', '--journal', log, '--quiet']));
    const coord = await finish(start([...SWEEP, '--redis', url, '--queue', q, '--store', store, '--json']));
    expect(coord.code, coord.err).toBe(0);
    const res = JSON.parse(coord.out);
    expect(res.ran).toBe(CELLS);
    expect(summaries(res)).toEqual(summaries(local));
    expect(res.groups).toEqual(local.groups);
    const s = cells(store);
    expect(s.perCell).toHaveLength(CELLS);
    expect(s.perCell.every((c) => c.status === 'done' && c.attempts === 1)).toBe(true);
    expect(s.dupes).toBe(0);
    const j = journal(log);
    expect(j.filter((e) => e.what === 'done').map((e) => e.hash).sort()).toEqual(s.perCell.map((c) => c.hash).sort());
    // A stopped worker (SIGTERM) exits 0.
    for (const w of workers) { await stop(w); expect(w.exitCode).toBe(0); }
  }, 300_000);

  it('a worker killed mid-cell: its job is retried once its lock expires, and the store has every cell exactly once', async () => {
    const q = queue('kill'), store = join(dir, 'kill.sqlite');
    const logA = join(dir, 'kill-a.log'), logB = join(dir, 'kill-b.log');
    const lock = ['--lock-ms', '4000', '--stalled-ms', '1000'];
    const a = start(['worker', '--redis', url, '--queue', q, '--concurrency', '1', '--journal', logA, '--quiet', ...lock]);
    const coordinator = start([...SWEEP, '--redis', url, '--queue', q, '--store', store, '--json']);
    // Kill A inside its first cell (B starts then: A alone might have drained the queue before B was up).
    await until('worker A in a cell', () => open(journal(logA)).length === 1);
    a.kill('SIGKILL');
    const b = start(['worker', '--redis', url, '--queue', q, '--concurrency', '1', '--journal', logB, '--quiet', ...lock]);
    await new Promise((r) => a.once('exit', r));
    const killedIn = open(journal(logA));
    expect(killedIn).toHaveLength(1); // it died mid-cell
    const victim = killedIn[0].hash;

    const coord = await finish(coordinator);
    expect(coord.code, coord.err).toBe(0);
    const res = JSON.parse(coord.out);
    expect(res.ran).toBe(CELLS);
    expect(summaries(res)).toEqual(summaries(local));
    expect(res.groups).toEqual(local.groups);

    const s = cells(store);
    expect(s.perCell).toHaveLength(CELLS);
    expect(s.perCell.every((c) => c.status === 'done')).toBe(true);
    expect(s.dupes).toBe(0);
    // The victim started twice (A, then B after A's lock expired); every other cell once.
    expect(s.perCell.find((c) => c.hash === victim)!.attempts).toBe(2);
    expect(s.perCell.filter((c) => c.hash !== victim).every((c) => c.attempts === 1)).toBe(true);
    const jb = journal(logB);
    expect(jb.some((e) => e.what === 'start' && e.hash === victim)).toBe(true);
    const finished = [...journal(logA), ...jb].filter((e) => e.what === 'done').map((e) => e.hash);
    expect(finished.sort()).toEqual(s.perCell.map((c) => c.hash).sort());
    await stop(b);
  }, 300_000);

  it('a coordinator killed and restarted collects jobs completed meanwhile: no cell runs twice', async () => {
    const q = queue('restart'), store = join(dir, 'restart.sqlite'), log = join(dir, 'restart.log');
    const args = [...SWEEP, '--redis', url, '--queue', q, '--store', store, '--json'];
    const first = start(args);
    const w = start(['worker', '--redis', url, '--queue', q, '--concurrency', '2', '--journal', log, '--quiet']);
    await until('2 cells in the store', () => doneCount(store) >= 2);
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const before = doneCount(store);
    expect(before).toBeLessThan(CELLS);
    // The workers go on without a coordinator; wait until every cell has run.
    await until('every cell run', () => journal(log).filter((e) => e.what === 'done').length === CELLS);

    const second = await finish(start(args));
    expect(second.code, second.err).toBe(0);
    const res = JSON.parse(second.out);
    expect(res.ran).toBe(CELLS - before);
    expect(summaries(res)).toEqual(summaries(local));
    expect(res.groups).toEqual(local.groups);
    const s = cells(store);
    expect(s.perCell.every((c) => c.status === 'done' && c.attempts <= 1)).toBe(true);
    expect(s.dupes).toBe(0);
    // Worker side: each cell started exactly once.
    const starts = journal(log).filter((e) => e.what === 'start').map((e) => e.hash);
    expect(starts).toHaveLength(CELLS);
    expect(new Set(starts).size).toBe(CELLS);
    await stop(w);
  }, 300_000);

  it('no Redis at the URL: one line naming --redis, exit 3; a bad URL exits 2', async () => {
    const port = await freePort();
    const dead = `redis://127.0.0.1:${port}`;
    const [sweep, worker, bad] = await Promise.all([
      [...SWEEP, '--redis', dead, '--store', join(dir, 'dead.sqlite')], ['worker', '--redis', dead], ['worker', '--redis', 'http://x'],
    ].map((args) => finish(start(args))));
    for (const r of [sweep, worker]) {
      expect(r.code).toBe(3);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).toMatch(new RegExp(`--redis ${dead}: cannot reach a Redis server \\(connect ECONNREFUSED`));
    }
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--redis: expected a redis:\/\/ or rediss:\/\/ URL/);
  }, 60_000);
});
