/**
 * A run's scalar metrics for families of runs (heatmaps, curves, argmins): the experiment's own
 * `summary(config, result)` where it has one, over the default — each check whose measurement is
 * one finite number, by check name. Browser-safe.
 */
import type { Experiment, ExperimentRecord } from '../experiments/types.js';

export function defaultSummary(record: ExperimentRecord): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of record.checks) if (typeof c.measured === 'number' && Number.isFinite(c.measured)) out[c.name] = c.measured;
  return out;
}

/** Metrics of a finished run; none for a run that did not finish (interrupted). */
export function runSummary(exp: Experiment, record: ExperimentRecord, result: unknown): Record<string, number> {
  if (record.status !== 'ok' && record.status !== 'diverged') return {};
  const own = exp.summary && record.status === 'ok' ? exp.summary(record.config, result) : {};
  return { ...defaultSummary(record), ...Object.fromEntries(Object.entries(own).filter(([, v]) => typeof v === 'number')) };
}
