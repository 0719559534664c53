/**
 * Runs one experiment: validate config → predict → run (recording observables) → compare →
 * record with a verdict. Browser-safe: where rows go besides memory is the caller's `sink`
 * (the CLI streams them to JSON-lines files; the web page posts them from a worker).
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

export interface RunOptions {
  label?: string;
  signal?: AbortSignal;
  progress?: (fraction: number, label?: string) => void;
  sink?: Sink;
}

export interface RunOutput {
  record: ExperimentRecord;
  series: Map<string, Row[]>;
  /** The experiment's raw result (for artifacts such as checkpoints). */
  result: unknown;
}

export async function runExperiment(exp: Experiment, raw: Record<string, unknown>, opts: RunOptions = {}): Promise<RunOutput> {
  const config = parseConfig(exp.schema, raw, exp.name) as Record<string, unknown>;
  const seed = typeof config.seed === 'number' ? config.seed : 0;
  const series = new Map<string, Row[]>();
  const signal = opts.signal ?? new AbortController().signal;
  const ctx: RunContext = {
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
  const t0 = performance.now();
  try {
    const prediction = exp.predict(config);
    const result = await exp.run(config, ctx, prediction);
    const cmp = exp.compare(config, result, prediction);
    const status = signal.aborted && cmp.status === 'ok' ? 'interrupted' : cmp.status;
    const record: ExperimentRecord = {
      experiment: exp.name,
      ...(opts.label ? { label: opts.label } : {}),
      config, seed, status,
      regime: cmp.regime,
      checks: unfinished(cmp.checks, status),
      verdict: overallVerdict(cmp.checks, status),
      ...(cmp.note ? { note: cmp.note } : {}),
      seconds: (performance.now() - t0) / 1000,
    };
    return { record, series, result };
  } finally {
    opts.sink?.close();
  }
}
