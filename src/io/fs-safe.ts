/**
 * File-system helpers that fail cleanly:
 *   writeFileAtomic — write `<file>.<pid>.tmp` beside the target, then rename over it: a reader
 *                     (or a run killed mid-write) sees the old file or the new one, never half;
 *   makeDirs        — `mkdir -p` one component at a time. Node's own recursive mkdirSync loops
 *                     forever where mkdir answers ENOENT under an existing parent (/proc/nope).
 */
import { existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

const isDir = (p: string) => { try { return statSync(p).isDirectory(); } catch { return false; } };

/** Create `dir` and any missing parents; throws the first mkdir error (ENOENT, EACCES, ENOTDIR, …). */
export function makeDirs(dir: string): void {
  const missing: string[] = [];
  // Up to the nearest path that exists (mkdir under it then says ENOTDIR if it is a file).
  for (let p = resolve(dir); !existsSync(p); p = dirname(p)) {
    missing.push(p);
    if (dirname(p) === p) break;
  }
  for (const p of missing.reverse()) {
    try { mkdirSync(p); } catch (e) { if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || !isDir(p)) throw e; }
  }
}
