/**
 * BullMQ sandboxed processor: runs one cluster job (a cell) with `runCell` in a worker thread of
 * an `lmech worker` process. The cell is CPU-bound; running it off the worker's main thread keeps
 * that thread free to renew the job's lock, so a long cell is never mistaken for a dead worker.
 *
 * Settings come from the thread's workerData (set by `lmech worker`): the backend this machine
 * uses, the worker's name, and optionally a journal file that gets one line per cell start and
 * end (`start <hash> <worker>` / `done <hash> <worker>`): a worker-side record of what ran where,
 * used by the tests to count runs.
 */
import { appendFileSync } from 'node:fs';
import { workerData } from 'node:worker_threads';
import type { SandboxedJob } from 'bullmq';
import { selectBackend } from '../cli/backend.js';
import { runCell, type CellOutcome, type CellTask } from './cell.js';

export interface ClusterJobData {
  experiment: string;
  config: Record<string, unknown>;
  label?: string;
}

export interface ClusterJobResult {
  outcome: CellOutcome;
  /** Which worker ran it (host:pid). */
  worker: string;
}

export interface ProcessorSettings {
  backend?: string;
  worker?: string;
  journal?: string;
}

const settings: ProcessorSettings = (workerData as { lmech?: ProcessorSettings } | null)?.lmech ?? {};
let selected: Promise<void> | null = null;

const note = (what: string, id: string | undefined) => {
  if (settings.journal) appendFileSync(settings.journal, `${what} ${id} ${settings.worker ?? process.pid}\n`);
};

export default async function processCell(job: SandboxedJob<ClusterJobData, ClusterJobResult>): Promise<ClusterJobResult> {
  selected ??= selectBackend(settings.backend);
  await selected;
  note('start', job.id);
  const task: CellTask = { experiment: job.data.experiment, config: job.data.config, ...(job.data.label ? { label: job.data.label } : {}) };
  const outcome = await runCell(task, { withSeries: true });
  note('done', job.id);
  return { outcome, worker: settings.worker ?? `pid ${process.pid}` };
}
