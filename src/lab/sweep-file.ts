/**
 * Sweep files (JSON or YAML): the same sweep as the command line, kept beside a paper draft.
 *
 *   experiment: lazy-rich
 *   fixed: { steps: 2000 }               # overrides common to every cell
 *   axes:
 *     - width=64,128,256                 # the --axis syntax, or
 *     - { lr: [0.1, 0.05] }              # one field and its values, or
 *     - { width: [64, 128], lr: [0.1, 0.05] }   # several fields: zipped, equal lengths
 *   seeds: 3                             # a count, or a list [0, 5, 9]
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ConfigError, camel } from '../experiments/config.js';
import type { Experiment } from '../experiments/types.js';
import { parseAxis, parseSeeds, type Axis, type AxisValue, type SweepSpec } from './sweep.js';

export interface SweepFile {
  experiment: string;
  fixed?: Record<string, unknown>;
  axes?: (string | Record<string, AxisValue[]>)[];
  seeds?: number | number[];
}

export function readSweepFile(path: string): SweepFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`--file: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let data: unknown;
  try {
    data = /\.json$/i.test(path) ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new ConfigError(`--file ${path}: not valid ${/\.json$/i.test(path) ? 'JSON' : 'YAML'}: ${(e as Error).message.split('\n')[0]}`);
  }
  if (!data || typeof data !== 'object' || typeof (data as SweepFile).experiment !== 'string') {
    throw new ConfigError(`--file ${path}: needs an "experiment" name (and optionally fixed, axes, seeds)`);
  }
  return data as SweepFile;
}

function objectAxis(exp: Experiment, o: Record<string, AxisValue[]>): Axis {
  const fields = Object.keys(o).map(camel);
  const lists = Object.values(o);
  if (!fields.length || lists.some((l) => !Array.isArray(l) || !l.length)) throw new ConfigError(`sweep file axes: each entry needs non-empty lists (got ${JSON.stringify(o)})`);
  if (new Set(lists.map((l) => l.length)).size > 1) throw new ConfigError(`sweep file axes: zipped fields ${fields.join(', ')} need lists of equal length`);
  const shape = (exp.schema as unknown as { shape?: Record<string, unknown> }).shape ?? {};
  for (const f of fields) if (!(f in shape)) throw new ConfigError(`sweep file axes: ${exp.name} has no option ${f}`);
  return { fields, points: lists[0].map((_, i) => lists.map((l) => l[i])) };
}

/** A sweep spec from a file's content (the experiment object resolved by the caller). */
export function specFromFile(exp: Experiment, f: SweepFile): SweepSpec {
  const axes = (f.axes ?? []).map((a) => (typeof a === 'string' ? parseAxis(exp, a) : objectAxis(exp, a)));
  const seeds = f.seeds === undefined ? [] : parseSeeds(Array.isArray(f.seeds) ? f.seeds.join(',') : String(f.seeds));
  return { experiment: exp.name, fixed: Object.fromEntries(Object.entries(f.fixed ?? {}).map(([k, v]) => [camel(k), v])), axes, seeds };
}
