/**
 * Work on every core: a worker-thread pool (piscina), one engine instance per worker.
 *
 *   runTasks   — any list of worker jobs (whole runs, grid cells, or both mixed, as verify
 *                does), dispatched longest first by their cost, results in task order;
 *   runCells   — whole experiment runs (a sweep's cells, verify's entries);
 *   poolCells  — a `CellExecutor` for the runner: one grid run's cells on the pool.
 * Even with one worker the work runs on a worker thread, so this thread stays free to answer
 * Ctrl-C and to draw progress (`inThread`, or sources run without a build, keep it here).
 *
 * Interrupt: when `signal` aborts, tasks not yet started are not started (their slot is null)
 * and running ones stop at their next step and still return: the pool raises a shared stop flag
 * (stop-flag.ts) that each worker reads on every poll of its run's signal and every
 * progress/record call — a message alone would wait until the synchronous training loop ends.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { MessageChannel } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { ConfigError } from '../experiments/config.js';
import type { CellOutcome, CellRunOptions, CellTask } from './cell.js';
import type { ProgressMessage, WorkerTask } from './cell-worker.js';
import { runJob, type WorkerJob, type WorkerResult } from './job.js';
import { createStopFlag, raiseStop } from './stop-flag.js';
import type { CellExecutor, CellResult } from '../experiments/runner.js';

export interface TaskHooks<O> {
  signal?: AbortSignal;
  onStart?: (index: number) => void;
  onDone?: (index: number, outcome: O) => void;
  /**
   * A task threw (or its worker died). Without this handler the error ends the whole run;
   * with it, the task's slot holds the Error and the others go on.
   */
  onError?: (index: number, error: Error) => void;
  /** A running task's progress in [0, 1] (with the experiment's stage label), ~10 times a second. */
  onProgress?: (index: number, fraction: number, label?: string) => void;
}

export interface PoolOptions {
  /** Worker threads (default: the machine's available parallelism, at most one per task). */
  workers?: number;
  /** Backend each worker selects (the --backend flag's values). */
  backend?: string;
  /** Run the tasks in this thread, one after another (no worker threads; Ctrl-C waits). */
  inThread?: boolean;
}

export const defaultWorkers = (): number => Math.max(1, availableParallelism());

/** The --workers flag: an integer from 1 to 256; absent, every core. */
export function parseWorkers(v: string | undefined): number {
  if (v === undefined) return defaultWorkers();
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new ConfigError(`--workers: must be an integer from 1 to 256 (got ${JSON.stringify(v)})`);
  return n;
}

const asError = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)));

const workerFile = fileURLToPath(new URL('./cell-worker.js', import.meta.url));

export async function runTasks<O extends WorkerResult>(
  jobs: readonly { job: WorkerJob; cost?: number }[], opts: PoolOptions & TaskHooks<O> = {},
): Promise<(O | Error | null)[]> {
  const workers = Math.max(1, Math.min(opts.workers ?? defaultWorkers(), jobs.length));
  const results: (O | Error | null)[] = jobs.map(() => null);
  const settle = async (i: number, run: () => Promise<WorkerResult>) => {
    opts.onStart?.(i);
    try {
      const out = (await run()) as O;
      results[i] = out;
      opts.onDone?.(i, out);
    } catch (e) {
      if (!opts.onError) throw e;
      results[i] = asError(e);
      opts.onError(i, results[i] as Error);
    }
  };
  // Longest first (stable: equal costs keep task order), so the last task to start is short.
  const order = jobs.map((_, i) => i).sort((a, b) => (jobs[b].cost ?? 1) - (jobs[a].cost ?? 1) || a - b);
  if (!jobs.length) return results;
  // No built worker file (sources run directly, e.g. under vitest): this thread it is.
  if (opts.inThread || !existsSync(workerFile)) {
    for (const i of order) {
      if (opts.signal?.aborted) break;
      await settle(i, () => runJob(jobs[i].job, { signal: opts.signal ?? new AbortController().signal, progress: opts.onProgress && ((f, l) => opts.onProgress!(i, f, l)) }));
    }
    return results;
  }
  const pool = new Piscina<WorkerTask, WorkerResult>({
    filename: workerFile,
    minThreads: workers, maxThreads: workers,
    // One task at a time per worker: the work is long and CPU-bound.
    concurrentTasksPerWorker: 1,
  });
  const stop = createStopFlag();
  const running = new Set<MessageChannel>();
  const onAbort = () => {
    raiseStop(stop);
    for (const ch of running) ch.port1.postMessage('abort');
  };
  if (opts.signal?.aborted) onAbort();
  opts.signal?.addEventListener('abort', onAbort);
  // At most `workers` tasks in flight, so an abort stops dispatch.
  let next = 0;
  const runner = async () => {
    while (next < order.length && !opts.signal?.aborted) {
      const i = order[next++];
      const ch = new MessageChannel();
      running.add(ch);
      if (opts.onProgress) ch.port1.on('message', (m: ProgressMessage) => { if (m?.type === 'progress') opts.onProgress!(i, m.fraction, m.label); });
      try {
        await settle(i, () => pool.run({ ...jobs[i].job, backend: opts.backend, port: ch.port2, stop } as WorkerTask, { transferList: [ch.port2] }));
      } finally {
        running.delete(ch);
        ch.port1.close();
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: workers }, runner));
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    await pool.destroy();
  }
  return results;
}

/** Whole experiment runs (sweep cells, verify entries) on the pool. */
export function runCells(
  tasks: readonly CellTask[],
  opts: PoolOptions & TaskHooks<CellOutcome> & { cell?: CellRunOptions } = {},
): Promise<(CellOutcome | Error | null)[]> {
  return runTasks<CellOutcome>(tasks.map((t) => ({ job: { kind: 'run', ...t, ...opts.cell } })), opts);
}

/** A grid run's cells on the pool: the runner's `cells` option for `lmech run`. */
export function poolCells(opts: PoolOptions = {}): CellExecutor {
  return async (exp, config, keys, { signal, progress }) => {
    const grid = exp.grid!;
    // The run's progress: the mean of its cells' progress (a finished cell counts 1).
    const parts = keys.map(() => 0);
    const finished = keys.map(() => false);
    let total = 0;
    const set = (i: number, f: number) => { total += f - parts[i]; parts[i] = f; progress(total / keys.length); };
    const out = await runTasks<CellResult>(
      keys.map((key) => ({ job: { kind: 'grid', experiment: exp.name, config, key }, cost: grid.cost?.(config, key) })),
      {
        ...opts, signal,
        onDone: (i) => { finished[i] = true; set(i, 1); },
        onProgress: (i, f) => { if (!finished[i]) set(i, Math.min(1, Math.max(0, f))); },
      },
    );
    return out.map((r) => (r instanceof Error ? null : r));
  };
}
