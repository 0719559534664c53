/**
 * Runs one experiment: validate config → predict → run (recording observables) → compare →
 * record with a verdict. Browser-safe: where rows go besides memory is the caller's `sink`
 * (the CLI streams them to JSON-lines files; the web page posts them from a worker).
 *
 * An experiment with a `grid` runs as prepare (config, prediction, cell keys) → cells → finish
 * (aggregate, compare). Who runs the cells is the caller's `cells` executor (the lab's worker
 * pool); by default they run here, one after another.
 */
import { Rng } from '../engine/rng.js';
import { parseConfig } from './config.js';
import type { Experiment, ExperimentRecord, RunContext } from './types.js';
import { overallVerdict, unfinished } from './verdict.js';

export type Row = Record<string, number | string>;

export interface Sink {
  record(series: string, row: Row): void;
  close(): void;
}

/** What one grid cell hands back: its result and the rows it recorded, by series. */
export interface CellResult<CR = unknown> {
  result: CR;
  rows: [string, Row][];
}

/** Runs the cells of a grid; results in `keys` order, null for a cell not run (abort). */
export type CellExecutor = (
  exp: Experiment, config: Record<string, unknown>, keys: unknown[],
  opts: {
    signal: AbortSignal; progress: (fraction: number) => void;
    /**
     * The run's own recorder. An executor that runs the cells here, in `keys` order, may stream
     * their rows through it as they are measured (live plots) and return `rows: []`; one that
     * runs them elsewhere returns each cell's rows and the runner merges them in order.
     */
    record?: (series: string, row: Row) => void;
  },
) => Promise<(CellResult | null)[]>;

export interface RunOptions {
  label?: string;
  signal?: AbortSignal;
  progress?: (fraction: number, label?: string) => void;
  sink?: Sink;
  /** Where a grid experiment's cells run (default: here, in order). */
  cells?: CellExecutor;
}

export interface RunOutput {
  record: ExperimentRecord;
  series: Map<string, Row[]>;
  /** The experiment's raw result (for artifacts such as checkpoints). */
  result: unknown;
}

function context(seed: number, series: Map<string, Row[]>, signal: AbortSignal, opts: RunOptions): RunContext {
  return {
    rng: new Rng(seed),
    progress: (f, l) => opts.progress?.(Math.min(1, Math.max(0, f)), l),
    record: (s, row) => {
      let rows = series.get(s);
      if (!rows) series.set(s, (rows = []));
      rows.push(row);
      opts.sink?.record(s, row);
    },
    signal,
  };
}

const seedOf = (config: Record<string, unknown>) => (typeof config.seed === 'number' ? config.seed : 0);

/** Run one grid cell in this thread, collecting its rows (or handing each to `stream` as it comes). */
export async function runGridCell(
  exp: Experiment, config: Record<string, unknown>, key: unknown, prediction: unknown, signal: AbortSignal,
  progress?: (f: number) => void, stream?: (series: string, row: Row) => void,
): Promise<CellResult> {
  const rows: [string, Row][] = [];
  const ctx: RunContext = {
    rng: new Rng(seedOf(config)),
    progress: (f) => progress?.(Math.min(1, Math.max(0, f))),
    record: stream ?? ((s, row) => { rows.push([s, row]); }),
    signal,
  };
  const result = await exp.grid!.cell(config, key, ctx, prediction);
  return { result, rows };
}

/** The default executor: every cell here, in order, stopping at an abort. */
export const sequentialCells: CellExecutor = async (exp, config, keys, opts) => {
  const prediction = exp.predict(config);
  const out: (CellResult | null)[] = keys.map(() => null);
  for (let i = 0; i < keys.length; i++) {
    if (opts.signal.aborted) break;
    // In order, here: rows go straight to the run's recorder, so plots update while cells run.
    out[i] = await runGridCell(exp, config, keys[i], prediction, opts.signal, (f) => opts.progress((i + f) / keys.length), opts.record);
    opts.progress((i + 1) / keys.length);
  }
  return out;
};

/** Validated config, prediction and (for a grid) the cell keys of one run. */
export function prepareRun(exp: Experiment, raw: Record<string, unknown>) {
  const config = parseConfig(exp.schema, raw, exp.name) as Record<string, unknown>;
  const prediction = exp.predict(config);
  const keys = exp.grid ? exp.grid.cells(config, prediction) : [];
  return { config, prediction, keys };
}

export async function runExperiment(exp: Experiment, raw: Record<string, unknown>, opts: RunOptions = {}): Promise<RunOutput> {
  if (!exp.run && !exp.grid) throw new Error(`${exp.name}: an experiment needs run or grid`);
  const t0 = performance.now();
  const config = parseConfig(exp.schema, raw, exp.name) as Record<string, unknown>;
  const series = new Map<string, Row[]>();
  const signal = opts.signal ?? new AbortController().signal;
  const ctx = context(seedOf(config), series, signal, opts);
  try {
    const prediction = exp.predict(config);
    let result: unknown;
    if (exp.grid) {
      const keys = exp.grid.cells(config, prediction);
      const cells = await (opts.cells ?? sequentialCells)(exp, config, keys, { signal, progress: (f) => ctx.progress(f), record: ctx.record });
      result = finishGrid(exp, config, prediction, cells, ctx);
    } else {
      result = await exp.run!(config, ctx, prediction);
    }
    return { record: recordOf(exp, config, result, prediction, signal, opts.label, t0), series, result };
  } finally {
    opts.sink?.close();
  }
}

/** Merge the cells' rows (in cell order) into the run's series, then aggregate. */
function finishGrid(exp: Experiment, config: Record<string, unknown>, prediction: unknown, cells: (CellResult | null)[], ctx: RunContext): unknown {
  for (const c of cells) for (const [s, row] of c?.rows ?? []) ctx.record(s, row);
  return exp.grid!.aggregate(config, cells.map((c) => (c ? c.result : null)), ctx, prediction);
}

function recordOf(exp: Experiment, config: Record<string, unknown>, result: unknown, prediction: unknown, signal: AbortSignal, label: string | undefined, t0: number): ExperimentRecord {
  const cmp = exp.compare(config, result, prediction);
  const status = signal.aborted && cmp.status === 'ok' ? 'interrupted' : cmp.status;
  return {
    experiment: exp.name,
    ...(label ? { label } : {}),
    config, seed: seedOf(config), status,
    regime: cmp.regime,
    checks: unfinished(cmp.checks, status),
    verdict: overallVerdict(cmp.checks, status),
    ...(cmp.note ? { note: cmp.note } : {}),
    ...(cmp.data ? { data: cmp.data } : {}),
    seconds: (performance.now() - t0) / 1000,
  };
}

/**
 * Finish a grid run whose cells ran elsewhere (the pool gathers cells of many runs): the same
 * aggregation and comparison as `runExperiment`, rows to `sink` in cell order.
 */
export function finishRun(
  exp: Experiment, config: Record<string, unknown>, prediction: unknown, cells: (CellResult | null)[],
  opts: { label?: string; signal?: AbortSignal; sink?: Sink; seconds: number },
): RunOutput {
  const series = new Map<string, Row[]>();
  const signal = opts.signal ?? new AbortController().signal;
  const ctx = context(seedOf(config), series, signal, { sink: opts.sink });
  try {
    const result = finishGrid(exp, config, prediction, cells, ctx);
    const record = recordOf(exp, config, result, prediction, signal, opts.label, performance.now() - opts.seconds * 1000);
    return { record, series, result };
  } finally {
    opts.sink?.close();
  }
}
