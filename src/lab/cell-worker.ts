/**
 * Pool worker entry (piscina). Two kinds of work, each on this thread's own engine instance:
 *   'run'  — a whole experiment run (`runCell`: record, summary, optionally its rows);
 *   'grid' — one cell of a grid experiment (`runGridCell`: the cell's result and rows).
 * The backend is chosen once per worker; an abort message on the task's port stops the work at
 * its next step (it still reports what it measured, as on Ctrl-C in one thread).
 */
import type { MessagePort } from 'node:worker_threads';
import { selectBackend } from '../cli/backend.js';
import { getExperiment } from '../experiments/registry.js';
import { runGridCell, type CellResult } from '../experiments/runner.js';
import { canonicalJson } from './sweep.js';
import { runCell, type CellTask, type CellOutcome, type CellRunOptions } from './cell.js';

export type WorkerJob =
  | ({ kind: 'run' } & CellTask & CellRunOptions)
  | { kind: 'grid'; experiment: string; config: Record<string, unknown>; key: unknown };

export type WorkerTask = WorkerJob & {
  backend?: string;
  /** Receives 'abort' when the coordinator is interrupted. */
  port?: MessagePort;
};

export type WorkerResult = CellOutcome | CellResult;

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
  const ac = new AbortController();
  task.port?.on('message', (m) => { if (m === 'abort') ac.abort(); });
  try {
    if (task.kind === 'grid') {
      const exp = getExperiment(task.experiment);
      const key = `${task.experiment}\n${canonicalJson(task.config)}`;
      if (predicted?.key !== key) predicted = { key, value: exp.predict(task.config) };
      return await runGridCell(exp, task.config, task.key, predicted.value, ac.signal);
    }
    const { port: _port, backend: _backend, kind: _kind, withSeries, ...cell } = task;
    return await runCell(cell, { signal: ac.signal, withSeries });
  } finally {
    task.port?.close();
  }
}
