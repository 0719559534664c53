/**
 * Run a sweep into a store: expand the spec into cells, register them, run every cell that is
 * not final (never the done ones: a restarted sweep resumes), write each result as it lands,
 * then read the whole family back for aggregation. The executor is the local worker pool
 * (pool.ts); the Redis cluster (cluster.ts) plugs in through the same `Dispatch` shape.
 */
import { hostname } from 'node:os';
import type { Experiment } from '../experiments/types.js';
import { FINAL, type Store } from './store.js';
import { cellHash, labVersion, sweepId } from './identity.js';
import { expandSweep, type SweepSpec } from './sweep.js';
import { runCells } from './pool.js';
import type { CellOutcome, CellTask } from './cell.js';

export interface SweepProgress { total: number; done: number; running: number; failed: number; diverged: number; skipped: number }

export interface SweepRunOptions {
  store: Store;
  workers?: number;
  backend?: string;
  signal?: AbortSignal;
  onProgress?: (p: SweepProgress) => void;
  /** Alternative executor (the Redis cluster); default: the local pool. */
  dispatch?: Dispatch;
}

/**
 * An executor: run these cells, calling back as each starts / lands / fails. `onStart` may come
 * again for a cell retried after its worker died (each start counts in the store's attempts);
 * `onDone` may come without `onStart` for a result collected from an earlier run (cluster.ts).
 */
export type Dispatch = (tasks: CellTask[], hooks: {
  onStart(i: number, worker?: string): void;
  onDone(i: number, outcome: CellOutcome, worker?: string): void;
  onError(i: number, error: Error, worker?: string): void;
  signal?: AbortSignal;
}) => Promise<void>;

export interface SweepRun {
  id: string;
  /** Cells run now (the rest were already final in the store). */
  ran: number;
  progress: SweepProgress;
}

const host = hostname();

/** Register and run a sweep; returns when every cell not yet final has been tried (or on abort). */
export async function runSweep(exp: Experiment, spec: SweepSpec, opts: SweepRunOptions): Promise<SweepRun> {
  const cells = expandSweep(exp, spec);
  const lab = labVersion();
  const id = sweepId(spec, lab);
  const refs = cells.map((c) => ({ index: c.index, hash: cellHash(exp.name, c.config, lab), experiment: exp.name, config: c.config, coords: c.coords }));
  const { store } = opts;
  store.registerSweep(id, exp.name, spec, lab, refs);

  // One task per distinct pending cell (two points of a sweep may resolve to the same config).
  const stored = new Map(store.sweepCells(id).map((c) => [c.hash, c.status]));
  const seen = new Set<string>();
  const pending = refs.filter((r) => {
    if (seen.has(r.hash)) return false;
    seen.add(r.hash);
    return !FINAL.includes(stored.get(r.hash)!);
  });
  const progress: SweepProgress = {
    total: seen.size, done: seen.size - pending.length, running: 0, failed: 0, diverged: 0, skipped: seen.size - pending.length,
  };
  opts.onProgress?.({ ...progress });
  const tasks: CellTask[] = pending.map((r) => ({ experiment: exp.name, config: r.config }));
  let ran = 0;
  const live = new Set<number>();
  const hooks = {
    signal: opts.signal,
    onStart(i: number, worker?: string) {
      store.markRunning(pending[i].hash, host, worker);
      if (!live.has(i)) { live.add(i); progress.running++; }
      opts.onProgress?.({ ...progress });
    },
    onDone(i: number, out: CellOutcome, worker?: string) {
      if (live.delete(i)) progress.running--;
      const hash = pending[i].hash;
      const status = out.record.status;
      if (status === 'interrupted') {
        store.requeue(hash);
      } else {
        const final = status === 'diverged' ? 'diverged' : 'done';
        store.complete(hash, { status: final, record: out.record, summary: out.summary, series: out.series ?? [], seconds: out.seconds, host, worker });
        ran++;
        progress.done++;
        if (final === 'diverged') progress.diverged++;
      }
      opts.onProgress?.({ ...progress });
    },
    onError(i: number, e: Error, worker?: string) {
      if (live.delete(i)) progress.running--;
      progress.failed++;
      store.fail(pending[i].hash, e.message.split('\n')[0], host, worker);
      opts.onProgress?.({ ...progress });
    },
  };
  const dispatch: Dispatch = opts.dispatch ?? (async (ts, h) => {
    await runCells(ts, {
      workers: opts.workers, backend: opts.backend, signal: h.signal, cell: { withSeries: true },
      onStart: (i) => h.onStart(i), onDone: (i, o) => h.onDone(i, o), onError: (i, e) => h.onError(i, e),
    });
  });
  await dispatch(tasks, hooks);
  return { id, ran, progress: { ...progress } };
}
