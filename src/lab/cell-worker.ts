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
import { getExperiment } from '../experiments/registry.js';
import { runGridCell, type CellResult } from '../experiments/runner.js';
import { canonicalJson } from './sweep.js';
import { runCell, type CellTask, type CellOutcome, type CellRunOptions } from './cell.js';
import { flagController, type StopFlag } from './stop-flag.js';

export type WorkerJob =
  | ({ kind: 'run' } & CellTask & CellRunOptions)
  | { kind: 'grid'; experiment: string; config: Record<string, unknown>; key: unknown };

export type WorkerTask = WorkerJob & {
  backend?: string;
  /** Receives 'abort' when the coordinator is interrupted; carries progress messages back. */
  port?: MessagePort;
  /** The pool's stop flag (an Int32Array over a SharedArrayBuffer), raised on interrupt. */
  stop?: StopFlag;
};

/** What the worker posts on the task's port while it runs. */
export interface ProgressMessage { type: 'progress'; fraction: number; label?: string }

export type WorkerResult = CellOutcome | CellResult;

const PROGRESS_MS = 100;

let selected: Promise<void> | null = null;
let selectedName: string | undefined;
/** The last prediction computed here: the cells of one run share it. */
let predicted: { key: string; value: unknown } | null = null;

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
    if (task.kind === 'grid') {
      const exp = getExperiment(task.experiment);
      const key = `${task.experiment}\n${canonicalJson(task.config)}`;
      if (predicted?.key !== key) predicted = { key, value: exp.predict(task.config) };
      return await runGridCell(exp, task.config, task.key, predicted.value, signal, (f) => progress(f));
    }
    const { port: _port, backend: _backend, kind: _kind, stop: _stop, withSeries, ...cell } = task;
    return await runCell(cell, { signal, withSeries, progress, onRecord: poll });
  } finally {
    task.port?.close();
  }
}
