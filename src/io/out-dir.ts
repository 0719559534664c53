/**
 * Claiming an output directory (`--out DIR`) for one run.
 *
 * A lock file DIR/.lmech.lock, created with O_EXCL ('wx'), holds {pid, host, started, command}.
 * A second run into a directory whose lock is held by a live process is refused; a lock left by
 * a process that is gone (same host, pid not alive: kill -9, a crash) is stale and reclaimed. A
 * directory that already holds files (another run's outputs) is refused too, so series from two
 * runs never mix. With `subdir`, a busy or non-empty DIR instead gives the run a fresh
 * subdirectory DIR/<name>-<UTC time>[-k] (created with mkdir, which is atomic).
 *
 * Errors are ConfigErrors naming the flag: the user chose the directory.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeSync } from 'node:fs';
import { makeDirs } from './fs-safe.js';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../experiments/config.js';

export const LOCK_FILE = '.lmech.lock';

export interface LockInfo { pid: number; host: string; started: string; command: string[] }

export interface ClaimedDir {
  /** Where the run writes (DIR itself, or its new subdirectory). */
  dir: string;
  /** Remove the lock (also done on process exit). */
  release(): void;
}

const codeOf = (e: unknown) => (e as NodeJS.ErrnoException)?.code ?? '';
const why = (e: unknown) => (codeOf(e) ? `${codeOf(e)}: ` : '') + String((e as Error)?.message ?? e).replace(/^[A-Z]+: /, '');

/** Is process `pid` alive on this host? (EPERM: alive but not ours.) */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try { process.kill(pid, 0); return true; } catch (e) { return codeOf(e) === 'EPERM'; }
}

/** The lock on `dir`, if any: its holder and whether that holder still runs. */
export function readLock(dir: string): (LockInfo & { live: boolean }) | null {
  let text: string;
  try { text = readFileSync(join(dir, LOCK_FILE), 'utf8'); } catch { return null; }
  let info: LockInfo;
  try { info = JSON.parse(text) as LockInfo; } catch { info = { pid: 0, host: hostname(), started: '?', command: [] }; }
  // Another host's process cannot be checked from here: taken as live.
  const live = info.host !== hostname() ? true : processAlive(info.pid);
  return { ...info, live };
}

function ensureDir(flag: string, dir: string): void {
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new ConfigError(`${flag} ${dir}: exists and is not a directory`);
  try {
    makeDirs(dir);
  } catch (e) {
    throw new ConfigError(`${flag} ${dir}: cannot create the directory (${why(e)})`);
  }
  let st;
  try { st = statSync(dir); } catch (e) { throw new ConfigError(`${flag} ${dir}: cannot read the directory (${why(e)})`); }
  if (!st.isDirectory()) throw new ConfigError(`${flag} ${dir}: exists and is not a directory`);
}

const releasers = new Set<() => void>();
let exitHook = false;

/** Take the lock (O_EXCL); 'busy' with the holder when a live process has it. */
function tryLock(flag: string, dir: string): { release: () => void; reclaimed: boolean } | { busy: LockInfo } {
  const path = join(dir, LOCK_FILE);
  let reclaimed = false;
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx');
    } catch (e) {
      if (codeOf(e) !== 'EEXIST') throw new ConfigError(`${flag} ${dir}: not writable (${why(e)})`);
      const held = readLock(dir);
      if (held?.live) return { busy: held };
      rmSync(path, { force: true }); // stale: its process is gone
      reclaimed = true;
      continue;
    }
    const info: LockInfo = { pid: process.pid, host: hostname(), started: new Date().toISOString(), command: process.argv.slice(2) };
    try { writeSync(fd, JSON.stringify(info) + '\n'); } finally { closeSync(fd); }
    const release = () => {
      if (!releasers.delete(release)) return;
      try { if (readLock(dir)?.pid === process.pid) rmSync(path, { force: true }); } catch { /* gone already */ }
    };
    releasers.add(release);
    if (!exitHook) { exitHook = true; process.on('exit', () => { for (const r of [...releasers]) r(); }); }
    return { release, reclaimed };
  }
  throw new ConfigError(`${flag} ${dir}: could not take the lock ${path}`);
}

const stamp = () => new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z').replace('T', '-');

function freshSubdir(flag: string, dir: string, name: string): string {
  const base = `${name.replace(/[^\w.-]/g, '_')}-${stamp()}`;
  for (let k = 1; k < 1000; k++) {
    const sub = join(dir, k === 1 ? base : `${base}-${k}`);
    try { mkdirSync(sub); return sub; } catch (e) { if (codeOf(e) !== 'EEXIST') throw new ConfigError(`${flag} ${sub}: cannot create the directory (${why(e)})`); }
  }
  throw new ConfigError(`${flag} ${dir}: no free subdirectory name ${base}-k`);
}

/**
 * Claim `dir` for one run. Refuses (ConfigError naming `flag`) a directory in use by a live run
 * or holding files already, unless `subdir` (then a fresh subdirectory named after `name`).
 */
export function claimOutDir(dir: string, opts: { flag?: string; subdir?: boolean; name?: string } = {}): ClaimedDir {
  const flag = opts.flag ?? '--out';
  ensureDir(flag, dir);
  const lock = tryLock(flag, dir);
  const hint = `choose another ${flag}, or add --subdir to write into a new subdirectory of it`;
  if ('busy' in lock) {
    if (opts.subdir) return claimOutDir(freshSubdir(flag, dir, opts.name ?? 'run'), { flag });
    const b = lock.busy;
    throw new ConfigError(`${flag} ${dir}: in use by another lmech run (pid ${b.pid} on ${b.host}, since ${b.started}; lock ${join(dir, LOCK_FILE)}); ${hint}`);
  }
  const others = readdirSync(dir).filter((f) => f !== LOCK_FILE);
  if (others.length) {
    lock.release();
    if (opts.subdir) return claimOutDir(freshSubdir(flag, dir, opts.name ?? 'run'), { flag });
    const shown = others.slice(0, 4).join(', ') + (others.length > 4 ? `, … (${others.length} entries)` : '');
    const dead = lock.reclaimed ? `; a run that died left it (\`lmech report ${dir}\` rebuilds its report)` : '';
    throw new ConfigError(`${flag} ${dir}: not empty (holds ${shown})${dead}; ${hint}`);
  }
  return { dir, release: lock.release };
}
