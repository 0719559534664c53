/**
 * One cell of work: an experiment, a raw config and a label, run to a record; with a
 * directory, observables stream there and report.json / report.html (and any artifacts) are
 * written beside them. The same function runs in the CLI's own thread and inside a pool
 * worker (pool.ts), so a cell's numbers never depend on where it ran.
 */
import { getExperiment } from '../experiments/registry.js';
import { finishRun, runExperiment, type CellResult, type RunOptions, type RunOutput } from '../experiments/runner.js';
import type { Experiment, ExperimentRecord } from '../experiments/types.js';
import type { Row, Sink } from '../experiments/runner.js';
import { parseConfig } from '../experiments/config.js';
import { MANIFEST, manifestOf, writeManifest } from '../reports/manifest.js';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { FileSink } from '../reports/recorder.js';
import { runSummary } from './summary.js';
export { defaultSummary } from './summary.js';
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
  /** Scalar metrics of the cell (Experiment.summary, else its numeric checks' measurements). */
  summary: Record<string, number>;
  /** Observable rows by series, when asked for (`withSeries`). */
  series?: [string, Row[]][];
  /** Wall time of the cell in seconds. */
  seconds: number;
}

export interface CellRunOptions {
  /** Return the cell's observable rows with its outcome (for the run store). */
  withSeries?: boolean;
}

/** Called on every recorded row, before it is stored (the pool worker checks its stop flag there). */
export interface RecordHook { onRecord?: () => void }

/** With a directory: report.json / report.html and any artifacts beside the streamed rows. */
function writeOutputs(exp: Experiment, dir: string | undefined, out: RunOutput): RunOutput & { saved: CellOutcome['saved'] } {
  if (!dir) return { ...out, saved: [] };
  writeReport(dir, exp, out.record, out.series);
  const saved = exp.artifacts && out.record.status === 'ok' ? writeArtifacts(dir, exp.artifacts(out.record.config, out.result)) : [];
  return { ...out, saved };
}

/** The row sink of a cell: its directory's .jsonl files (if any), with the record hook in front. */
function cellSink(dir: string | undefined, onRecord: (() => void) | undefined): Sink | undefined {
  const file = dir ? new FileSink(dir) : undefined;
  if (!onRecord) return file;
  return { record: (s, row) => { onRecord(); file?.record(s, row); }, close: () => file?.close() };
}

/**
 * Run one cell in this thread; `result` is the experiment's raw result (not serializable in
 * general). With a directory, manifest.json is there before the run starts (written here
 * unless the caller wrote it).
 */
export async function runCellHere(exp: Experiment, task: CellTask, opts: Omit<RunOptions, 'label' | 'sink'> & RecordHook = {}) {
  const { onRecord, ...run } = opts;
  if (task.dir && !existsSync(join(task.dir, MANIFEST))) {
    // The CLI writes it first (with its command line); other callers get one here.
    const config = parseConfig(exp.schema, task.config, exp.name) as Record<string, unknown>;
    mkdirSync(task.dir, { recursive: true });
    writeManifest(task.dir, manifestOf(exp.name, config, task.label));
  }
  const out = await runExperiment(exp, task.config, { ...run, label: task.label, sink: cellSink(task.dir, onRecord) });
  return writeOutputs(exp, task.dir, out);
}

/** A grid run whose cells ran on the pool: aggregate, compare, write its outputs (verify). */
export function finishCellHere(
  exp: Experiment, task: CellTask, config: Record<string, unknown>, prediction: unknown,
  cells: (CellResult | null)[], opts: { signal?: AbortSignal; seconds: number },
) {
  const out = finishRun(exp, config, prediction, cells, { label: task.label, signal: opts.signal, sink: task.dir ? new FileSink(task.dir) : undefined, seconds: opts.seconds });
  return writeOutputs(exp, task.dir, out);
}

/** The serializable part of a cell's outcome (what crosses a thread boundary). */
export async function runCell(task: CellTask, opts: Omit<RunOptions, 'label' | 'sink'> & CellRunOptions & RecordHook = {}): Promise<CellOutcome> {
  const exp = getExperiment(task.experiment);
  const { withSeries, ...run } = opts;
  const t0 = performance.now();
  const { record, saved, series, result } = await runCellHere(exp, task, run);
  const summary = runSummary(exp, record, result);
  return { record, saved, summary, ...(withSeries ? { series: [...series] } : {}), seconds: (performance.now() - t0) / 1000 };
}
