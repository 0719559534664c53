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
import { runCell, type CellOutcome, type CellTask } from './cell.js';
import type { WorkerTask } from './cell-worker.js';

export interface PoolOptions {
  /** Worker threads (default: the machine's available parallelism, at most one per task). */
  workers?: number;
  /** Backend each worker selects (the --backend flag's values). */
  backend?: string;
  signal?: AbortSignal;
  onDone?: (index: number, outcome: CellOutcome) => void;
}

export const defaultWorkers = (): number => Math.max(1, availableParallelism());

export async function runCells(tasks: readonly CellTask[], opts: PoolOptions = {}): Promise<(CellOutcome | null)[]> {
  const workers = Math.max(1, Math.min(opts.workers ?? defaultWorkers(), tasks.length));
  const results: (CellOutcome | null)[] = tasks.map(() => null);
  if (workers === 1) {
    for (const [i, task] of tasks.entries()) {
      if (opts.signal?.aborted) break;
      results[i] = await runCell(task, { signal: opts.signal });
      opts.onDone?.(i, results[i]!);
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
        const out = await pool.run({ ...tasks[i], backend: opts.backend, port: ch.port2 }, { transferList: [ch.port2] });
        results[i] = out;
        opts.onDone?.(i, out);
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
