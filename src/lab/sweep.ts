/**
 * A sweep: one experiment, fixed overrides, axes and seeds, expanded deterministically into
 * cells (one full run of the experiment each). Pure: no I/O, no clock, browser-safe.
 *
 * Axis syntax (CLI `--axis`, and the `axes` list of a sweep file):
 *   width=64,128,256            a list (numbers, strings, true/false)
 *   widths=[32,64];[64,128]     values separated by ';' when a value holds commas (arrays)
 *   lr=logspace(-4,-1,13)       13 values 10^-4 … 10^-1, equal ratios (as numpy.logspace)
 *   alpha=linspace(0.1,1,10)    10 equally spaced values, both ends included
 *   width=range(64,513,64)      integers lo, lo+step, … < hi (as Python's range)
 *   width+lr=64:0.1,128:0.05    zipped axes: one axis whose values set several fields together
 * Cells are the product of the axes in the order given (first axis outermost), then seeds.
 */
import { ConfigError, camel, fieldKind, kebab, parseConfig } from '../experiments/config.js';
import type { Experiment } from '../experiments/types.js';
import * as libm from '../engine/libm.js';

export type AxisValue = number | string | boolean | unknown[];

/** One axis: the fields it sets and, for each of its points, one value per field. */
export interface Axis {
  fields: string[];
  points: AxisValue[][];
}

export interface SweepSpec {
  experiment: string;
  /** Overrides common to every cell (raw config values). */
  fixed: Record<string, unknown>;
  axes: Axis[];
  /** Seeds (each cell's `seed` field); [] when the experiment has no seed field. */
  seeds: number[];
}

export interface SweepCell {
  /** Position in the expansion (stable for a given spec). */
  index: number;
  /** The axis coordinates of this cell (field → value), seed included. */
  coords: Record<string, AxisValue>;
  /** The resolved config (schema defaults filled in): what the cell runs, and what its identity hashes. */
  config: Record<string, unknown>;
}

const MAX_POINTS = 100_000;

function numbers(args: string, what: string, count: number): number[] {
  const parts = args.split(',').map((s) => Number(s.trim()));
  if (parts.length !== count || parts.some((v) => !Number.isFinite(v))) {
    throw new ConfigError(`--axis ${what}: expected ${count} numbers, got "${args}"`);
  }
  return parts;
}

function pointCount(n: number, what: string): number {
  if (!Number.isInteger(n) || n < 1 || n > MAX_POINTS) throw new ConfigError(`--axis ${what}: the number of points must be an integer from 1 to ${MAX_POINTS} (got ${n})`);
  return n;
}

/** Expand a generator (`logspace(…)`, `linspace(…)`, `range(…)`) or null when `text` is a plain list. */
export function expandGenerator(text: string, what = 'axis'): number[] | null {
  const m = /^\s*(logspace|linspace|range)\((.*)\)\s*$/.exec(text);
  if (!m) return null;
  const [, fn, args] = m;
  if (fn === 'range') {
    const parts = args.split(',');
    const [lo, hi, step = 1] = numbers(args, `${what} range(lo,hi[,step])`, parts.length < 3 ? 2 : 3);
    if (!(step !== 0 && Number.isFinite(step))) throw new ConfigError(`--axis ${what}: range step must be non-zero`);
    const out: number[] = [];
    for (let v = lo; step > 0 ? v < hi : v > hi; v += step) {
      out.push(v);
      if (out.length > MAX_POINTS) throw new ConfigError(`--axis ${what}: range has more than ${MAX_POINTS} points`);
    }
    if (!out.length) throw new ConfigError(`--axis ${what}: range(${args}) is empty`);
    return out;
  }
  const [a, b, nRaw] = numbers(args, `${what} ${fn}(start,stop,n)`, 3);
  const n = pointCount(nRaw, what);
  const lin = (i: number) => (n === 1 ? a : a + ((b - a) * i) / (n - 1));
  // Round to 12 significant digits so that e.g. logspace(-4,-1,4) gives exactly 0.001, not 0.0010000000000000002.
  const tidy = (v: number) => Number(v.toPrecision(12));
  return Array.from({ length: n }, (_, i) => tidy(fn === 'logspace' ? libm.pow(10, lin(i)) : lin(i)));
}

/** Coerce one textual value by the schema field's kind. */
function coerce(text: string, kind: ReturnType<typeof fieldKind>, what: string): AxisValue {
  const t = text.trim();
  if (kind === 'number') {
    const v = Number(t);
    if (t === '' || !Number.isFinite(v)) throw new ConfigError(`--axis ${what}: "${t}" is not a number`);
    return v;
  }
  if (kind === 'boolean') {
    if (t !== 'true' && t !== 'false') throw new ConfigError(`--axis ${what}: "${t}" must be true or false`);
    return t === 'true';
  }
  if (kind === 'array') {
    try {
      const v: unknown = JSON.parse(t.startsWith('[') ? t : `[${t}]`);
      if (Array.isArray(v)) return v;
    } catch { /* fall through */ }
    throw new ConfigError(`--axis ${what}: "${t}" is not a list (write [a,b,…] and separate values with ';')`);
  }
  return t;
}

/** Parse `name=values` (or `a+b=x:y,…`) against the experiment's schema. */
export function parseAxis(exp: Experiment, text: string): Axis {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new ConfigError(`--axis: expected name=values (e.g. width=64,128 or lr=logspace(-4,-1,13)), got "${text}"`);
  const names = text.slice(0, eq).split('+').map((s) => s.trim());
  const body = text.slice(eq + 1);
  const shape = (exp.schema as unknown as { shape?: Record<string, unknown> }).shape ?? {};
  const fields = names.map((n) => {
    const key = camel(n);
    if (!(key in shape)) throw new ConfigError(`--axis ${n}: ${exp.name} has no option --${kebab(key)}; allowed: ${Object.keys(shape).map((k) => `--${kebab(k)}`).join(' ')}`);
    return key;
  });
  if (new Set(fields).size !== fields.length) throw new ConfigError(`--axis ${names.join('+')}: a field appears twice`);
  const kinds = fields.map((f) => fieldKind(shape[f] as never));
  const what = names.join('+');
  let points: AxisValue[][];
  const gen = fields.length === 1 ? expandGenerator(body, what) : null;
  if (gen) {
    if (kinds[0] !== 'number') throw new ConfigError(`--axis ${what}: ${body.split('(')[0]} gives numbers, but --${kebab(fields[0])} is not numeric`);
    points = gen.map((v) => [v]);
  } else {
    const items = (body.includes(';') ? body.split(';') : body.split(',')).filter((s) => s.trim() !== '');
    if (!items.length) throw new ConfigError(`--axis ${what}: no values`);
    points = items.map((item) => {
      const parts = fields.length === 1 ? [item] : item.split(':');
      if (parts.length !== fields.length) throw new ConfigError(`--axis ${what}: "${item}" must give ${fields.length} values separated by ':'`);
      return parts.map((p, k) => coerce(p, kinds[k], what));
    });
  }
  return { fields, points };
}

/** `--seeds 3` → [0, 1, 2]; `--seeds 0,5,9` → [0, 5, 9]. */
export function parseSeeds(text: string): number[] {
  const parts = text.split(',').map((s) => Number(s.trim()));
  if (parts.some((v) => !Number.isInteger(v) || v < 0 || v > 2 ** 31)) throw new ConfigError(`--seeds: must be a count (e.g. 3) or a list of non-negative integer seeds (got "${text}")`);
  if (parts.length === 1) {
    if (parts[0] < 1 || parts[0] > 10_000) throw new ConfigError(`--seeds: the count must be from 1 to 10000 (got ${parts[0]})`);
    return Array.from({ length: parts[0] }, (_, i) => i);
  }
  if (new Set(parts).size !== parts.length) throw new ConfigError(`--seeds: repeated seed in "${text}"`);
  return parts;
}

/** Every cell of a sweep, in a fixed order, each config validated by the experiment's schema. */
export function expandSweep(exp: Experiment, spec: SweepSpec): SweepCell[] {
  const shape = (exp.schema as unknown as { shape?: Record<string, unknown> }).shape ?? {};
  const hasSeed = 'seed' in shape;
  if (spec.seeds.length && !hasSeed) throw new ConfigError(`--seeds: ${exp.name} has no --seed option`);
  const seen = new Set<string>();
  for (const a of spec.axes) for (const f of a.fields) {
    if (seen.has(f)) throw new ConfigError(`--axis: --${kebab(f)} is set by two axes`);
    if (f === 'seed' && spec.seeds.length) throw new ConfigError('--axis seed: use --seeds instead');
    seen.add(f);
  }
  const total = spec.axes.reduce((n, a) => n * a.points.length, 1) * Math.max(1, spec.seeds.length);
  if (total > MAX_POINTS) throw new ConfigError(`sweep: ${total} cells is more than ${MAX_POINTS}`);
  const cells: SweepCell[] = [];
  const idx = spec.axes.map(() => 0);
  for (let c = 0; c < total / Math.max(1, spec.seeds.length); c++) {
    const coords: Record<string, AxisValue> = {};
    spec.axes.forEach((a, k) => a.fields.forEach((f, j) => { coords[f] = a.points[idx[k]][j]; }));
    for (const seed of spec.seeds.length ? spec.seeds : [undefined]) {
      const cellCoords = seed === undefined ? { ...coords } : { ...coords, seed };
      const config = parseConfig(exp.schema, { ...spec.fixed, ...cellCoords }, exp.name) as Record<string, unknown>;
      cells.push({ index: cells.length, coords: cellCoords, config });
    }
    // Odometer: last axis fastest.
    for (let k = spec.axes.length - 1; k >= 0; k--) {
      if (++idx[k] < spec.axes[k].points.length) break;
      idx[k] = 0;
    }
  }
  return cells;
}

/** Canonical JSON: object keys sorted at every depth, so equal configs serialize equally. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v).sort().filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}
