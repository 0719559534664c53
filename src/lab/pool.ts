/**
 * Run a list of cells on every core: a worker-thread pool (piscina), one engine instance per
 * worker. Results come back in task order whatever order they finish in; `onDone` sees each
 * as it lands (to write partial results, update a progress bar). With one worker the cells run
 * in this thread, one after another, exactly as before pools existed.
 *
 * Interrupt: when `signal` aborts, cells not yet started are not started (their slot is null)
 * and running cells get an abort message, stop at their next step and still return a record
 * (status 'interrupted').
 */
import { availableParallelism } from 'node:os';
import { MessageChannel } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { runCell, type CellOutcome, type CellRunOptions, type CellTask } from './cell.js';
import type { WorkerTask } from './cell-worker.js';

export interface PoolOptions {
  /** Worker threads (default: the machine's available parallelism, at most one per task). */
  workers?: number;
  /** Backend each worker selects (the --backend flag's values). */
  backend?: string;
  signal?: AbortSignal;
  /** Cell options passed to every cell (e.g. return its observable rows). */
  cell?: CellRunOptions;
  onStart?: (index: number) => void;
  onDone?: (index: number, outcome: CellOutcome) => void;
  /**
   * A cell threw (or its worker died). Without this handler the error ends the whole run;
   * with it, the cell's slot holds the Error and the other cells go on.
   */
  onError?: (index: number, error: Error) => void;
}

export const defaultWorkers = (): number => Math.max(1, availableParallelism());

const asError = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)));

export async function runCells(tasks: readonly CellTask[], opts: PoolOptions = {}): Promise<(CellOutcome | Error | null)[]> {
  const workers = Math.max(1, Math.min(opts.workers ?? defaultWorkers(), tasks.length));
  const results: (CellOutcome | Error | null)[] = tasks.map(() => null);
  const settle = async (i: number, run: () => Promise<CellOutcome>) => {
    opts.onStart?.(i);
    try {
      const out = await run();
      results[i] = out;
      opts.onDone?.(i, out);
    } catch (e) {
      if (!opts.onError) throw e;
      results[i] = asError(e);
      opts.onError(i, results[i] as Error);
    }
  };
  if (workers === 1) {
    for (const [i, task] of tasks.entries()) {
      if (opts.signal?.aborted) break;
      await settle(i, () => runCell(task, { ...opts.cell, signal: opts.signal }));
    }
    return results;
  }
  const pool = new Piscina<WorkerTask, CellOutcome>({
    filename: fileURLToPath(new URL('./cell-worker.js', import.meta.url)),
    minThreads: workers, maxThreads: workers,
    // One cell at a time per worker: cells are long and CPU-bound.
    concurrentTasksPerWorker: 1,
  });
  const running = new Set<MessageChannel>();
  const onAbort = () => { for (const ch of running) ch.port1.postMessage('abort'); };
  opts.signal?.addEventListener('abort', onAbort);
  // At most `workers` cells in flight, dispatched in task order, so an abort stops dispatch.
  let next = 0;
  const runner = async () => {
    while (next < tasks.length && !opts.signal?.aborted) {
      const i = next++;
      const ch = new MessageChannel();
      running.add(ch);
      try {
        await settle(i, () => pool.run({ ...tasks[i], ...opts.cell, backend: opts.backend, port: ch.port2 }, { transferList: [ch.port2] }));
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
