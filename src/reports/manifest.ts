/**
 * manifest.json: written into a run's output directory before the run starts, so whatever
 * happens later (an interrupt, kill -9, a crash) the directory still says what was run:
 * experiment, full config, seed, lab version, start time, host, process and command line.
 * `lmech report DIR` rebuilds a report from it and the streamed *.jsonl series.
 */
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { backend } from '../engine/backend/index.js';
import { writeFileAtomic } from '../io/fs-safe.js';
import type { DataSummary } from '../data/user-data.js';

export const MANIFEST = 'manifest.json';

export interface Manifest {
  format: 'lmech-run-manifest';
  version: 1;
  experiment: string;
  label?: string;
  config: Record<string, unknown>;
  /** The user's data file (`--data FILE`): source, format, shape, SHA-256, labels. */
  data?: DataSummary;
  seed: number;
  lab: { name: string; version: string };
  started: string;
  host: string;
  pid: number;
  node: string;
  backend: string;
  command: string[];
}

let labCache: Manifest['lab'] | undefined;
/** This package's name and version, from the nearest package.json above this module (src/ or dist/src/). */
export function labVersion(): Manifest['lab'] {
  if (labCache) return labCache;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++, dir = dirname(dir)) {
    const p = join(dir, 'package.json');
    if (!existsSync(p)) continue;
    try {
      const pkg = JSON.parse(readFileSync(p, 'utf8')) as { name?: string; version?: string };
      if (pkg.name && pkg.version) return (labCache = { name: pkg.name, version: pkg.version });
    } catch { /* not ours: keep looking */ }
  }
  return (labCache = { name: 'learning-mechanics', version: 'unknown' });
}

export function manifestOf(experiment: string, config: Record<string, unknown>, label?: string, data?: DataSummary): Manifest {
  let backendName = 'unknown';
  try { backendName = backend().name; } catch { /* none selected yet */ }
  return {
    format: 'lmech-run-manifest', version: 1, experiment, ...(label ? { label } : {}), config, ...(data ? { data } : {}),
    seed: typeof config.seed === 'number' ? config.seed : 0,
    lab: labVersion(), started: new Date().toISOString(), host: hostname(), pid: process.pid,
    node: process.version, backend: backendName, command: process.argv.slice(2),
  };
}

export function writeManifest(dir: string, m: Manifest): void {
  writeFileAtomic(join(dir, MANIFEST), JSON.stringify(m, null, 2) + '\n');
}

/** The manifest of a run directory, or null when there is none. Throws on a malformed one. */
export function readManifest(dir: string): Manifest | null {
  const p = join(dir, MANIFEST);
  if (!existsSync(p)) return null;
  const m = JSON.parse(readFileSync(p, 'utf8')) as Manifest;
  if (m.format !== 'lmech-run-manifest' || typeof m.experiment !== 'string' || typeof m.config !== 'object') throw new Error(`${p}: not an lmech run manifest`);
  return m;
}
