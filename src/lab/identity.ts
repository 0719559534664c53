/**
 * A cell's identity: SHA-256 of (experiment, resolved config, lab version). The seed is a config
 * field, so it is part of the config. Identical cells — in one sweep or across sweeps sharing a
 * store — hash equally and are never run twice; a new lab version starts afresh, since its
 * numbers may differ.
 *
 * A config that trains on the user's files (`data`/`labels` naming a .csv or .npy) also hashes the
 * SHA-256 of each file's bytes: editing a file in place makes new cells, and the same bytes under
 * another path are another config (the path is part of it). Configs without files hash exactly as
 * before (`experiment \n config \n lab`), so existing stores keep their cells.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { canonicalJson } from './sweep.js';
import { dataFilesOf, UserDataError } from '../data/user-data.js';

let version: string | null = null;

/** The lab's version (package.json), read once. */
export function labVersion(): string {
  if (version === null) {
    // src/lab/ when run from source (tests), dist/src/lab/ when built.
    for (const rel of ['../../package.json', '../../../package.json']) {
      try {
        const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
        if (pkg.name === 'learning-mechanics' && pkg.version) { version = pkg.version; break; }
      } catch { /* try the next */ }
    }
    if (version === null) throw new Error('labVersion: cannot find the learning-mechanics package.json');
  }
  return version;
}

/** SHA-256 (hex) of a file's bytes (read at every call: a cache keyed by mtime could miss an edit). */
export function fileSha256(path: string, flag = '--data'): string {
  let bytes: Buffer;
  try { bytes = readFileSync(path); } catch (e) { throw new UserDataError(`${flag}: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`); }
  return createHash('sha256').update(bytes).digest('hex');
}

export function cellHash(experiment: string, config: Record<string, unknown>, lab = labVersion()): string {
  const files = dataFilesOf(config);
  const contents = files.length ? `\n${canonicalJson(Object.fromEntries(files.map((f) => [f.field, fileSha256(f.path, `--${f.field}`)])))}` : '';
  return createHash('sha256').update(`${experiment}\n${canonicalJson(config)}\n${lab}${contents}`).digest('hex');
}

/** A sweep's identity: the same command (experiment, fixed overrides, axes, seeds) gives the same id. */
export function sweepId(spec: unknown, lab = labVersion()): string {
  return createHash('sha256').update(`${canonicalJson(spec)}\n${lab}`).digest('hex').slice(0, 16);
}
