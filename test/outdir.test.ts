/**
 * The output directory of a run (issue 10 §1): a lock against a second run, refusal of a
 * non-empty directory, `--subdir`, stale locks of dead processes, unwritable or impossible
 * paths that name the flag (and /proc/nope, where Node's recursive mkdir never returns).
 */
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { claimOutDir, LOCK_FILE, processAlive, readLock } from '../src/io/out-dir.js';
import { makeDirs } from '../src/io/fs-safe.js';
import { exitOf, start, until } from './support/child.js';

const lmech = (...args: string[]) => spawnSync(process.execPath, ['bin/lmech.js', ...args], { encoding: 'utf8', timeout: 60_000 });
const SHORT = ['run', 'dln', '--depth', '2', '--init', '0.01', '--lr', '0.005', '--no-flow', '--no-conservation', '--quiet'];

/** The pid of a process that has exited (so certainly not alive now). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

describe('claimOutDir', () => {
  it('locks an empty directory, refuses a second claim while held, and releases', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'lmech-od-')), 'a', 'b');
    const c = claimOutDir(dir);
    expect(c.dir).toBe(dir);
    expect(readLock(dir)).toMatchObject({ pid: process.pid, host: hostname(), live: true });
    expect(() => claimOutDir(dir)).toThrow(/--out .*: in use by another lmech run \(pid \d+ .*--subdir/);
    c.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    const again = claimOutDir(dir);
    again.release();
  });

  it('a stale lock (its process is gone) is reclaimed; a non-empty directory is refused, or gets a subdirectory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lmech-od2-'));
    const pid = deadPid();
    expect(processAlive(pid)).toBe(false);
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid, host: hostname(), started: 'x', command: [] }));
    const c = claimOutDir(dir);
    expect(readLock(dir)?.pid).toBe(process.pid);
    c.release();
    writeFileSync(join(dir, 'loss.jsonl'), '{}\n');
    expect(() => claimOutDir(dir)).toThrow(/--out .*: not empty \(holds loss\.jsonl\).*--subdir/);
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false); // the refused claim left no lock
    const a = claimOutDir(dir, { subdir: true, name: 'dln' });
    const b = claimOutDir(dir, { subdir: true, name: 'dln' });
    expect(a.dir).not.toBe(b.dir);
    expect(a.dir.startsWith(join(dir, 'dln-'))).toBe(true);
    expect(readdirSync(a.dir)).toEqual([LOCK_FILE]);
    a.release(); b.release();
  });

  it('paths that cannot be directories: errors name --out and the reason', () => {
    const base = mkdtempSync(join(tmpdir(), 'lmech-od3-'));
    writeFileSync(join(base, 'file'), 'x');
    expect(() => claimOutDir(join(base, 'file'))).toThrow(/--out .*file: exists and is not a directory/);
    expect(() => claimOutDir(join(base, 'file', 'sub'))).toThrow(/--out .*: cannot create the directory \(ENOTDIR/);
    expect(() => makeDirs('/proc/nope/deeper')).toThrow(/ENOENT/);
    expect(() => claimOutDir('/proc/nope')).toThrow(/--out \/proc\/nope: cannot create the directory \(ENOENT/);
    mkdirSync(join(base, 'ok', 'x', 'y'), { recursive: true });
    makeDirs(join(base, 'ok', 'x', 'y', 'z'));
    expect(existsSync(join(base, 'ok', 'x', 'y', 'z'))).toBe(true);
  });
});

describe('lmech run --out', () => {
  it('a second run into a directory in use is refused naming --out; with --subdir it gets its own subdirectory', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'lmech-od4-')), 'out');
    const first = start(['run', 'dln', '--steps', '300000', '--no-conservation', '--quiet', '--out', dir]);
    await until(() => existsSync(join(dir, 'manifest.json')), 60_000, 'the first run to start');
    const second = lmech(...SHORT, '--seed', '1', '--out', dir);
    expect(second.status).toBe(2);
    expect(second.stderr).toMatch(new RegExp(`--out ${dir}: in use by another lmech run \\(pid ${first.proc.pid} `));
    const sub = lmech(...SHORT, '--seed', '1', '--out', dir, '--subdir', '--json');
    expect(sub.status, sub.stderr).toBe(0);
    const subdirs = readdirSync(dir).filter((f) => f.startsWith('dln-'));
    expect(subdirs).toHaveLength(1);
    expect(JSON.parse(readFileSync(join(dir, subdirs[0], 'report.json'), 'utf8')).seed).toBe(1);
    first.proc.kill('SIGINT');
    expect(await exitOf(first, 60_000)).toBe(130);
    // The first run's files are its own: its seed, in one piece.
    expect(JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')).seed).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')).pid).toBe(first.proc.pid);
    for (const line of readFileSync(join(dir, 'loss.jsonl'), 'utf8').trim().split('\n')) JSON.parse(line);
  });

  it('--out /proc/nope returns at once (exit 2) with a message naming --out', async () => {
    const c = spawn(process.execPath, ['bin/lmech.js', ...SHORT, '--out', '/proc/nope'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    c.stderr!.on('data', (d) => { err += d; });
    const code = await exitOf({ proc: c, exited: new Promise((r) => c.on('exit', (x, s) => r(x ?? s ?? -1))), stdout: () => '', stderr: () => err }, 60_000);
    expect(code).toBe(2);
    expect(err).toMatch(/--out \/proc\/nope: cannot create the directory \(ENOENT/);
  });
});
