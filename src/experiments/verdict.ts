import type { Check, RegimeCondition, Tolerance, Verdict, RunStatus } from './types.js';

/** Does `measured` agree with `predicted` within `tol`? */
export function withinTolerance(predicted: number, measured: number, tol: Tolerance): boolean {
  if (!Number.isFinite(measured)) return false;
  switch (tol.kind) {
    case 'abs': return Math.abs(measured - predicted) <= tol.value;
    case 'rel': return Math.abs(measured - predicted) <= tol.value * Math.abs(predicted);
    case 'range': return measured >= tol.lo && measured <= tol.hi;
    case 'equal': return measured === predicted;
  }
}

export function regimeCondition(name: string, value: number, bound: 'max' | 'min', limit: number): RegimeCondition {
  const ok = Number.isFinite(value) && (bound === 'max' ? value <= limit : value >= limit);
  return { name, value, limit, bound, ok };
}

export function describeRegime(r: RegimeCondition): string {
  return `${r.name} = ${fmt(r.value)} (theory needs ${r.bound === 'max' ? '≤' : '≥'} ${fmt(r.limit)})`;
}

/**
 * A numeric check. When any of the theory's regime conditions fails, the verdict is
 * out-of-regime whatever the numbers say: outside its assumptions a mismatch does not
 * falsify the theory, and a match does not confirm it.
 */
export function numericCheck(args: {
  name: string;
  quantity: string;
  predicted: number;
  measured: number;
  tolerance: Tolerance;
  uncertainty?: number;
  regime?: RegimeCondition[];
  note?: string;
}): Check {
  const failed = (args.regime ?? []).filter((r) => !r.ok);
  const verdict: Verdict = failed.length
    ? 'out-of-regime'
    : withinTolerance(args.predicted, args.measured, args.tolerance) ? 'confirmed' : 'falsified';
  const note = failed.length ? failed.map(describeRegime).join('; ') : args.note;
  return {
    name: args.name,
    quantity: args.quantity,
    predicted: args.predicted,
    measured: args.measured,
    ...(args.uncertainty !== undefined ? { uncertainty: args.uncertainty } : {}),
    tolerance: args.tolerance,
    verdict,
    ...(note ? { note } : {}),
  };
}

/** A check on a discrete prediction (an ordering, a label). */
export function exactCheck(args: {
  name: string; quantity: string; predicted: string | number[]; measured: string | number[];
  regime?: RegimeCondition[]; note?: string;
}): Check {
  const failed = (args.regime ?? []).filter((r) => !r.ok);
  const same = JSON.stringify(args.predicted) === JSON.stringify(args.measured);
  const verdict: Verdict = failed.length ? 'out-of-regime' : same ? 'confirmed' : 'falsified';
  const note = failed.length ? failed.map(describeRegime).join('; ') : args.note;
  return { name: args.name, quantity: args.quantity, predicted: args.predicted, measured: args.measured, tolerance: { kind: 'equal' }, verdict, ...(note ? { note } : {}) };
}

/** Checks for a run that diverged: nothing can be compared, and the report says why. */
export function divergedChecks(names: string[], step: number): Check[] {
  return names.map((name) => ({
    name, quantity: 'run diverged', predicted: 'finite loss', measured: `non-finite at step ${step}`,
    tolerance: { kind: 'equal' } as Tolerance, verdict: 'out-of-regime' as Verdict,
    note: `training diverged (NaN/Inf) at step ${step}; the theory describes convergent dynamics`,
  }));
}

/**
 * Overall verdict: any falsified check falsifies; else out-of-regime if any is; else confirmed.
 * A run that did not finish (interrupted, or diverged where divergence was not the prediction)
 * tests nothing, so it is out of regime whatever its partial checks say.
 */
export function overallVerdict(checks: Check[], status: RunStatus = 'ok'): Verdict {
  if (status !== 'ok' || checks.length === 0) return 'out-of-regime';
  if (checks.some((c) => c.verdict === 'falsified')) return 'falsified';
  if (checks.some((c) => c.verdict === 'out-of-regime')) return 'out-of-regime';
  return 'confirmed';
}

/** Checks of an unfinished run: what was measured is kept, but nothing is confirmed or falsified. */
export function unfinished(checks: Check[], status: RunStatus): Check[] {
  if (status === 'ok') return checks;
  return checks.map((c) => c.verdict === 'out-of-regime' ? c : { ...c, verdict: 'out-of-regime', note: `run ${status} before completion: partial measurement${c.note ? `; ${c.note}` : ''}` });
}

export function fmt(x: unknown): string {
  if (typeof x === 'number') {
    if (!Number.isFinite(x)) return String(x);
    if (x === 0) return '0';
    const a = Math.abs(x);
    return a >= 1e4 || a < 1e-3 ? x.toExponential(2) : Number(x.toPrecision(4)).toString();
  }
  if (Array.isArray(x)) return `[${x.map(fmt).join(', ')}]`;
  return String(x);
}
