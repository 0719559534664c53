/**
 * One unit of pool work, run in the calling thread: a whole run (`runCell`) or one grid cell
 * (`runGridCell`). The pool's worker threads and its in-thread path both call this, so a job's
 * numbers never depend on where it ran. The cells of one run share its prediction: the last one
 * computed is kept.
 */
import { getExperiment } from '../experiments/registry.js';
import { runGridCell, type CellResult } from '../experiments/runner.js';
import { canonicalJson } from './sweep.js';
import { runCell, type CellOutcome, type CellRunOptions, type CellTask } from './cell.js';

export type WorkerJob =
  | ({ kind: 'run' } & CellTask & CellRunOptions)
  | { kind: 'grid'; experiment: string; config: Record<string, unknown>; key: unknown };

export type WorkerResult = CellOutcome | CellResult;

let predicted: { key: string; value: unknown } | null = null;

export function runJob(
  job: WorkerJob,
  opts: { signal: AbortSignal; progress?: (f: number, label?: string) => void; onRecord?: () => void },
): Promise<WorkerResult> {
  if (job.kind === 'grid') {
    const exp = getExperiment(job.experiment);
    const key = `${job.experiment}\n${canonicalJson(job.config)}`;
    if (predicted?.key !== key) predicted = { key, value: exp.predict(job.config) };
    return runGridCell(exp, job.config, job.key, predicted.value, opts.signal, opts.progress && ((f) => opts.progress!(f)));
  }
  const { kind: _kind, withSeries, ...cell } = job;
  return runCell(cell, { signal: opts.signal, withSeries, progress: opts.progress, onRecord: opts.onRecord });
}
