/**
 * Pool worker entry (piscina). Two kinds of work, each on this thread's own engine instance:
 *   'run'  — a whole experiment run (`runCell`: record, summary, optionally its rows);
 *   'grid' — one cell of a grid experiment (`runGridCell`: the cell's result and rows).
 * The backend is chosen once per worker.
 *
 * Interrupt: the task carries the pool's shared stop flag (stop-flag.ts). The run's signal reads
 * it on every `aborted` poll, and every progress / record call checks it too, so a raised flag
 * stops the work at its next step even while this thread never returns to its event loop (it
 * still reports what it measured, as on Ctrl-C in one thread). An 'abort' message on the task's
 * port does the same for work that does yield. Progress goes back on the port, ~10 times a second.
 */
import type { MessagePort } from 'node:worker_threads';
import { selectBackend } from '../cli/backend.js';
import { flagController, type StopFlag } from './stop-flag.js';
import { runJob, type WorkerJob, type WorkerResult } from './job.js';

export type { WorkerJob, WorkerResult } from './job.js';

export type WorkerTask = WorkerJob & {
  backend?: string;
  /** Receives 'abort' when the coordinator is interrupted; carries progress messages back. */
  port?: MessagePort;
  /** The pool's stop flag (an Int32Array over a SharedArrayBuffer), raised on interrupt. */
  stop?: StopFlag;
};

/** What the worker posts on the task's port while it runs. */
export interface ProgressMessage { type: 'progress'; fraction: number; label?: string }

const PROGRESS_MS = 100;

let selected: Promise<void> | null = null;
let selectedName: string | undefined;
export default async function work(task: WorkerTask): Promise<WorkerResult> {
  if (!selected || selectedName !== task.backend) {
    selectedName = task.backend;
    selected = selectBackend(task.backend);
  }
  await selected;
  const { controller, signal, poll } = flagController(task.stop);
  task.port?.on('message', (m) => { if (m === 'abort') controller.abort(); });
  let last = 0;
  const progress = (fraction: number, label?: string) => {
    poll();
    const now = performance.now();
    if (task.port && (now - last >= PROGRESS_MS || fraction >= 1)) {
      last = now;
      task.port.postMessage({ type: 'progress', fraction, ...(label !== undefined ? { label } : {}) } satisfies ProgressMessage);
    }
  };
  try {
    const { port: _port, backend: _backend, stop: _stop, ...job } = task;
    return await runJob(job as WorkerJob, { signal, progress, onRecord: poll });
  } finally {
    task.port?.close();
  }
}
