/**
 * One cell of work: an experiment, a raw config and a label, run to a record; with a
 * directory, observables stream there and report.json / report.html (and any artifacts) are
 * written beside them. The same function runs in the CLI's own thread and inside a pool
 * worker (pool.ts), so a cell's numbers never depend on where it ran.
 */
import { getExperiment } from '../experiments/registry.js';
import { runExperiment, type RunOptions } from '../experiments/runner.js';
import type { Experiment, ExperimentRecord } from '../experiments/types.js';
import { FileSink } from '../reports/recorder.js';
import { writeArtifacts, writeReport } from '../reports/write.js';

export interface CellTask {
  experiment: string;
  config: Record<string, unknown>;
  label?: string;
  /** Where the cell's report and observables go (none: kept in memory only). */
  dir?: string;
}

export interface CellOutcome {
  record: ExperimentRecord;
  /** Checkpoints written for `lmech hessian` (model and data paths). */
  saved: { model: string; data: string }[];
}

/** Run one cell in this thread; `result` is the experiment's raw result (not serializable in general). */
export async function runCellHere(exp: Experiment, task: CellTask, opts: Omit<RunOptions, 'label' | 'sink'> = {}) {
  const dir = task.dir;
  const out = await runExperiment(exp, task.config, { ...opts, label: task.label, sink: dir ? new FileSink(dir) : undefined });
  if (!dir) return { ...out, saved: [] as CellOutcome['saved'] };
  writeReport(dir, exp, out.record, out.series);
  const saved = exp.artifacts && out.record.status === 'ok' ? writeArtifacts(dir, exp.artifacts(out.record.config, out.result)) : [];
  return { ...out, saved };
}

/** The serializable part of a cell's outcome (what crosses a thread boundary). */
export async function runCell(task: CellTask, opts: Omit<RunOptions, 'label' | 'sink'> = {}): Promise<CellOutcome> {
  const { record, saved } = await runCellHere(getExperiment(task.experiment), task, opts);
  return { record, saved };
}
