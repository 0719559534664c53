/**
 * Pool worker entry (piscina): runs cells with `runCell` on this thread's own engine instance.
 * The backend is chosen once per worker; an abort message on the task's port stops the cell at
 * its next step (the experiment still reports what it measured, as on Ctrl-C in one thread).
 */
import type { MessagePort } from 'node:worker_threads';
import { selectBackend } from '../cli/backend.js';
import { runCell, type CellTask, type CellOutcome, type CellRunOptions } from './cell.js';

export interface WorkerTask extends CellTask, CellRunOptions {
  backend?: string;
  /** Receives 'abort' when the coordinator is interrupted. */
  port?: MessagePort;
}

let selected: Promise<void> | null = null;
let selectedName: string | undefined;

export default async function work(task: WorkerTask): Promise<CellOutcome> {
  if (!selected || selectedName !== task.backend) {
    selectedName = task.backend;
    selected = selectBackend(task.backend);
  }
  await selected;
  const ac = new AbortController();
  task.port?.on('message', (m) => { if (m === 'abort') ac.abort(); });
  try {
    const { port: _port, backend: _backend, withSeries, ...cell } = task;
    return await runCell(cell, { signal: ac.signal, withSeries });
  } finally {
    task.port?.close();
  }
}
