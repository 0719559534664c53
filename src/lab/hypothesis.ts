/**
 * A researcher's own hypothesis, tested by the lab: which experiment (or sweep) to run, the
 * observable to measure as an expression over its recorded series and config (expression.ts),
 * the prediction with its tolerance, and the regime the claim assumes.
 *
 *   name: eos-plateau-mse
 *   claim: Full-batch GD on MSE hovers at the edge of stability, S ≈ 2/η
 *   experiment: edge-of-stability
 *   overrides: { lr: 0.3, steps: 600 }
 *   axes: [lr=0.1,0.2]                # optional: a sweep (the --axis syntax or {field: [values]})
 *   seeds: 3                          # optional: a count or a list
 *   per_cell: { plateau: "mean(sharpness[step > 0.5*steps].ratio)" }   # sweeps: one number per cell
 *   observable: mean(sharpness[method == "GD" && step > 0.5*steps].ratio) by lr
 *   prediction: 1                     # a number or an expression ("2 / lr")
 *   tolerance: 10%                    # ±0.05 (absolute) | 10% (relative) | [0.9, 1.1] (range) | {abs|rel|range}
 *   uncertainty: std(plateau) / sqrt(count(plateau))   # optional, reported
 *   regime: ["last(loss.loss) < first(loss.loss)"]     # conditions the claim assumes
 *   expect: confirmed                 # the verdict its author expects (default confirmed)
 *
 * Scope of the expressions. One run (no axes, no seeds): its series by name, its config fields,
 * its summary metrics and the per-cell measures. A sweep: the table `cells`, one row per cell with
 * its coordinates (axes, seed), summary metrics, per-cell measures, `diverged` (0/1) and `verdict`,
 * whose columns are names; config fields equal in every cell are constants.
 *
 * Verdict: one check per value of the observable (a `by` gives one per group), against the
 * prediction (broadcast); any failed regime condition makes every check out of regime, never
 * falsified; a diverged or interrupted run is a failed condition unless `allow_diverged`.
 *
 * Identity and pre-registration: the hash is SHA-256 of the canonical JSON of the validated
 * hypothesis (defaults filled, key order and YAML comments irrelevant), so changing the tolerance
 * or the prediction after a run makes a new hypothesis with its own registration time; the lab
 * never edits a recorded verdict. Browser-safe (SHA-256 by WebCrypto).
 */
import { z } from 'zod';
import { parse as parseYaml } from 'yaml';
import { ConfigError, camel } from '../experiments/config.js';
import type { Check, RegimeCondition, Tolerance, Verdict } from '../experiments/types.js';
import { numericCheck, overallVerdict } from '../experiments/verdict.js';
import { canonicalJson } from './sweep.js';
import { asNumbers, comparisonParts, evaluate, parseExpression, sourceOf, type Parsed, type Row, type Scope, type Value } from './expression.js';

export const HYPOTHESIS_FORMAT = 'lmech-hypothesis/1';
export const PREREGISTRATION_FORMAT = 'lmech-preregistration/1';

const IDENT = /^[A-Za-z_$][\w$]*$/;

/** Tolerance as text: `±0.05` / `0.05` (absolute), `10%` / `±10%` (relative), `[0.9, 1.1]` (range). */
export function parseToleranceText(text: string, what = 'tolerance'): Tolerance {
  const t = text.trim().replace(/^\+-|^±/, '').trim();
  const num = (s: string) => {
    const v = Number(s.trim().replace(/^inf(inity)?$/i, 'Infinity').replace(/^-inf(inity)?$/i, '-Infinity'));
    if (s.trim() === '' || Number.isNaN(v)) throw new ConfigError(`${what}: "${text}" is not a tolerance; write ±0.05 (absolute), 10% (relative) or [lo, hi] (range)`);
    return v;
  };
  const range = /^\[(.*),(.*)\]$/.exec(t);
  let tol: Tolerance;
  if (range) tol = { kind: 'range', lo: num(range[1]), hi: num(range[2]) };
  else if (t.endsWith('%')) tol = { kind: 'rel', value: num(t.slice(0, -1)) / 100 };
  else tol = { kind: 'abs', value: num(t) };
  return checkTolerance(tol, what, text);
}

function checkTolerance(tol: Tolerance, what: string, text: string): Tolerance {
  if ((tol.kind === 'abs' || tol.kind === 'rel') && !(tol.value >= 0 && Number.isFinite(tol.value))) throw new ConfigError(`${what}: must be a finite number ≥ 0 (got ${text})`);
  if (tol.kind === 'range' && !(tol.lo <= tol.hi)) throw new ConfigError(`${what}: range [lo, hi] needs lo ≤ hi (got ${text})`);
  return tol;
}

const toleranceField = z.union([
  z.string(),
  z.number(),
  z.object({ abs: z.number().min(0) }).strict(),
  z.object({ rel: z.number().min(0) }).strict(),
  z.object({ range: z.tuple([z.number(), z.number()]) }).strict(),
]).describe('±x (absolute), x% (relative), [lo, hi], or {abs: x} | {rel: x} | {range: [lo, hi]}');

const expressionText = z.string().min(1).max(2000);

export const hypothesisSchema = z.object({
  name: z.string().regex(/^[\w.-]{1,80}$/, 'letters, digits, _ . - (at most 80): it names the report').describe('short identifier'),
  claim: z.string().max(2000).default('').describe('the hypothesis in words'),
  strand: z.string().max(200).default('').describe('the strand of the theory it belongs to'),
  source: z.string().max(2000).default('').describe('where the claim comes from (paper, notebook)'),
  experiment: z.string().min(1).describe('a registered experiment (lmech list)'),
  overrides: z.record(z.string(), z.unknown()).default({}).describe('config overrides of every run'),
  axes: z.array(z.union([z.string(), z.record(z.string(), z.array(z.unknown()))])).max(8).default([]).describe('sweep axes (the --axis syntax, or {field: [values]})'),
  seeds: z.union([z.number().int().min(1).max(10_000), z.array(z.number().int().min(0)).min(1).max(10_000)]).optional().describe('a seed count or list (makes a sweep)'),
  per_cell: z.record(z.string().regex(IDENT, 'a name (letters, digits, _)'), expressionText).default({}).describe('sweep: per-cell measures, columns of the cells table'),
  observable: expressionText.describe('what to measure'),
  prediction: z.union([z.number(), expressionText]).describe('the predicted value: a number or an expression'),
  tolerance: toleranceField,
  uncertainty: expressionText.optional().describe('one standard error of the observable (reported, not used in the verdict)'),
  regime: z.array(z.union([expressionText, z.object({ name: z.string().min(1).max(300), when: expressionText }).strict()])).max(32).default([]).describe('conditions the claim assumes'),
  allow_diverged: z.boolean().default(false).describe('a diverged run does not put the hypothesis out of regime'),
  expect: z.enum(['confirmed', 'falsified', 'out-of-regime']).default('confirmed').describe('the verdict the author expects'),
}).strict();

export type Hypothesis = z.infer<typeof hypothesisSchema>;

/** A hypothesis with every expression parsed (syntax, operators and functions checked). */
export interface CompiledHypothesis {
  h: Hypothesis;
  tolerance: Tolerance;
  observable: Parsed;
  prediction: Parsed | number;
  uncertainty?: Parsed;
  perCell: [string, Parsed][];
  regime: { name: string; parsed: Parsed }[];
  /** A sweep (axes or seeds given): expressions see the cells table. */
  sweep: boolean;
}

function zodMessage(e: z.ZodError, where: string): string {
  return e.issues.map((i) => {
    const path = i.path.length ? i.path.map((p) => (typeof p === 'number' ? `[${p}]` : p)).join('.').replace(/\.\[/g, '[') : '';
    return `${where}${path ? `: ${path}` : ''}: ${i.message}`;
  }).join('\n');
}

export function toleranceOf(t: Hypothesis['tolerance']): Tolerance {
  if (typeof t === 'string') return parseToleranceText(t);
  if (typeof t === 'number') return checkTolerance({ kind: 'abs', value: t }, 'tolerance', String(t));
  if ('abs' in t) return { kind: 'abs', value: t.abs };
  if ('rel' in t) return { kind: 'rel', value: t.rel };
  return checkTolerance({ kind: 'range', lo: t.range[0], hi: t.range[1] }, 'tolerance', JSON.stringify(t.range));
}

/** Validate a parsed document (JSON / YAML value) as a hypothesis and compile its expressions. */
export function compileHypothesis(doc: unknown, where = 'hypothesis'): CompiledHypothesis {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError(`${where}: expected a mapping with name, experiment, observable, prediction, tolerance`);
  const r = hypothesisSchema.safeParse(doc);
  if (!r.success) throw new ConfigError(zodMessage(r.error, where));
  const h = r.data;
  h.overrides = Object.fromEntries(Object.entries(h.overrides).map(([k, v]) => [camel(k), v]));
  const at = (what: string) => `${where}: ${what}`;
  let tolerance: Tolerance;
  try { tolerance = toleranceOf(h.tolerance); } catch (e) { throw new ConfigError(`${where}: ${(e as Error).message}`); }
  return {
    h, tolerance,
    observable: parseExpression(h.observable, at('observable')),
    prediction: typeof h.prediction === 'number' ? h.prediction : parseExpression(h.prediction, at('prediction')),
    ...(h.uncertainty ? { uncertainty: parseExpression(h.uncertainty, at('uncertainty')) } : {}),
    perCell: Object.entries(h.per_cell).map(([k, src]) => [k, parseExpression(src, at(`per_cell.${k}`))]),
    regime: h.regime.map((c, i) => typeof c === 'string'
      ? { name: c, parsed: parseExpression(c, at(`regime[${i}]`)) }
      : { name: c.name, parsed: parseExpression(c.when, at(`regime[${i}].when`)) }),
    sweep: h.axes.length > 0 || h.seeds !== undefined,
  };
}

/** Parse a hypothesis file's text (JSON when it looks like JSON or the name ends in .json, else YAML). */
export function parseHypothesisText(text: string, file = 'hypothesis'): CompiledHypothesis {
  let doc: unknown;
  const json = /\.json$/i.test(file) || /^\s*\{/.test(text);
  try {
    doc = json ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new ConfigError(`${file}: not valid ${json ? 'JSON' : 'YAML'}: ${(e as Error).message.split('\n')[0]}`);
  }
  return compileHypothesis(doc, file);
}

// ───────────────────────────── identity ─────────────────────────────

export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  const digest = await globalThis.crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** The canonical text a hypothesis is identified by (format tag + its validated content). */
export const canonicalHypothesis = (h: Hypothesis): string => canonicalJson({ format: HYPOTHESIS_FORMAT, ...h });

/** SHA-256 of the canonical hypothesis: any change of claim, prediction or tolerance makes a new one. */
export const hypothesisHash = (h: Hypothesis): Promise<string> => sha256Hex(canonicalHypothesis(h));

/** What is on record before any run starts. */
export interface PreRegistration {
  format: typeof PREREGISTRATION_FORMAT;
  hash: string;
  name: string;
  claim: string;
  /** When this hypothesis (this hash) was first registered: ISO 8601, UTC. */
  registeredAt: string;
  labVersion: string;
  /** The file as given, and the SHA-256 of its bytes. */
  file?: string;
  fileSha256?: string;
  text?: string;
  hypothesis: Hypothesis;
}

// ───────────────────────────── the verdict ─────────────────────────────

/** What one run (cell) left: its coordinates, config, summary metrics, series and status. */
export interface CellData {
  index: number;
  coords: Record<string, unknown>;
  config: Record<string, unknown>;
  summary: Record<string, number>;
  series: ReadonlyMap<string, readonly Row[]>;
  status: string;
  /** The experiment's own verdict for the run, if it finished. */
  verdict?: string | null;
}

export interface HypothesisOutcome {
  verdict: Verdict;
  checks: Check[];
  regime: RegimeCondition[];
  observable: { values: number[]; labels?: string[] };
  prediction: number[];
  uncertainty?: number[];
  /** Sweeps: the cells table the expressions saw. */
  cells?: Row[];
  /** One run: the per-cell measures. */
  measures?: Record<string, number | string>;
}

const identifierKeys = (o: Record<string, unknown>) => Object.entries(o).filter(([k]) => IDENT.test(k));

function runScope(cell: CellData, extra: Record<string, unknown> = {}): Scope {
  return {
    tables: cell.series,
    constants: new Map<string, unknown>([...identifierKeys(cell.config), ...identifierKeys(cell.summary), ...Object.entries(extra)]),
  };
}

const scalarOf = (p: Parsed, v: Value): number | string => {
  if (typeof v === 'number' || typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  const { values } = asNumbers(p, v);
  if (values.length !== 1) throw new ConfigError(`${p.what}: a per-cell measure must be one number, got ${values.length} values`);
  return values[0];
};

const cellValue = (v: unknown): number | string => (typeof v === 'number' || typeof v === 'string' ? v : typeof v === 'boolean' ? (v ? 1 : 0) : JSON.stringify(v));

/** The scope the observable, prediction and regime are evaluated in, and the per-cell measures. */
export function hypothesisScope(c: CompiledHypothesis, cells: readonly CellData[]): { scope: Scope; table?: Row[]; measures?: Record<string, number | string> } {
  const measure = (cell: CellData) => {
    const out: Record<string, number | string> = {};
    for (const [name, p] of c.perCell) out[name] = scalarOf(p, evaluate(p, runScope(cell, out)));
    return out;
  };
  if (!c.sweep) {
    if (cells.length !== 1) throw new ConfigError(`hypothesis ${c.h.name}: one run expected, got ${cells.length}`);
    const measures = measure(cells[0]);
    return { scope: runScope(cells[0], measures), measures };
  }
  const table: Row[] = cells.map((cell) => ({
    ...Object.fromEntries(Object.entries(cell.coords).map(([k, v]) => [k, cellValue(v)])),
    ...Object.fromEntries(identifierKeys(cell.summary)),
    ...measure(cell),
    diverged: cell.status === 'diverged' ? 1 : 0,
    verdict: cell.verdict ?? '',
  }));
  // Config fields equal in every cell are constants (what varies is in the table).
  const constants = new Map<string, unknown>();
  for (const [k, v] of identifierKeys(cells[0]?.config ?? {})) {
    if (cells.every((cell) => canonicalJson(cell.config[k]) === canonicalJson(v))) constants.set(k, v);
  }
  return { scope: { rows: { name: 'cells', rows: table }, tables: new Map([['cells', table]]), constants }, table };
}

function regimeOf(c: CompiledHypothesis, scope: Scope): RegimeCondition[] {
  return c.regime.map(({ name, parsed }) => {
    const parts = comparisonParts(parsed);
    if (!parts) {
      const { values } = asNumbers(parsed, evaluate(parsed, scope));
      const ok = values.length > 0 && values.every((v) => v !== 0 && !Number.isNaN(v));
      return { name, value: ok ? 1 : 0, limit: 1, bound: 'min' as const, ok };
    }
    const l = asNumbers(parts.left, evaluate(parts.left, scope)).values;
    const r = asNumbers(parts.right, evaluate(parts.right, scope)).values;
    const n = Math.max(l.length, r.length);
    if (l.length !== r.length && l.length !== 1 && r.length !== 1) throw new ConfigError(`${parsed.what}: ${sourceOf(parts.left)} has ${l.length} values, ${sourceOf(parts.right)} ${r.length}`);
    const at = (a: number[], i: number) => (a.length === 1 ? a[0] : a[i]);
    const holds = (x: number, y: number) => parts.operator === '<' ? x < y : parts.operator === '<=' ? x <= y : parts.operator === '>' ? x > y : x >= y;
    // Report the worst element: the largest margin past the limit (or the tightest when all hold).
    let worst = 0, worstMargin = -Infinity;
    for (let i = 0; i < n; i++) {
      const x = at(l, i), y = at(r, i);
      const margin = Number.isNaN(x) || Number.isNaN(y) ? Infinity : parts.operator[0] === '<' ? x - y : y - x;
      if (margin > worstMargin) { worstMargin = margin; worst = i; }
    }
    const ok = n > 0 && Array.from({ length: n }, (_, i) => holds(at(l, i), at(r, i))).every(Boolean);
    return { name, value: at(l, worst), limit: at(r, worst), bound: parts.operator[0] === '<' ? 'max' as const : 'min' as const, ok };
  });
}

/** Judge a hypothesis on the runs it asked for. */
export function judgeHypothesis(c: CompiledHypothesis, cells: readonly CellData[]): HypothesisOutcome {
  const { scope, table, measures } = hypothesisScope(c, cells);
  const regime = regimeOf(c, scope);
  const unfinished = cells.filter((cell) => cell.status !== 'done' && cell.status !== 'ok' && !(c.h.allow_diverged && cell.status === 'diverged'));
  if (unfinished.length) {
    regime.push({ name: `runs that did not finish (diverged or interrupted)${c.h.allow_diverged ? '' : '; allow_diverged: true accepts diverged runs'}`, value: unfinished.length, limit: 0, bound: 'max', ok: false });
  }
  const observable = asNumbers(c.observable, evaluate(c.observable, scope));
  const prediction = typeof c.prediction === 'number' ? [c.prediction] : asNumbers(c.prediction, evaluate(c.prediction, scope)).values;
  const uncertainty = c.uncertainty ? asNumbers(c.uncertainty, evaluate(c.uncertainty, scope)).values : undefined;
  const n = observable.values.length;
  const fits = (k: number) => k === n || k === 1;
  if (!n) throw new ConfigError(`${c.observable.what}: evaluates to no value`);
  if (!fits(prediction.length)) throw new ConfigError(`${c.h.name}: prediction: ${prediction.length} values for an observable of ${n}`);
  if (uncertainty && !fits(uncertainty.length)) throw new ConfigError(`${c.h.name}: uncertainty: ${uncertainty.length} values for an observable of ${n}`);
  const pick = (a: number[], i: number) => (a.length === 1 ? a[0] : a[i]);
  const quantity = `${c.h.observable}${typeof c.prediction === 'number' ? '' : `; predicted: ${c.h.prediction}`}`;
  const checks = observable.values.map((measured, i) => numericCheck({
    name: n === 1 ? c.h.name : `${c.h.name} (${observable.labels?.[i] ?? `#${i + 1}`})`,
    quantity, predicted: pick(prediction, i), measured,
    ...(uncertainty ? { uncertainty: pick(uncertainty, i) } : {}),
    tolerance: c.tolerance, regime,
  }));
  return {
    verdict: overallVerdict(checks, 'ok'), checks, regime, observable,
    prediction: observable.values.map((_, i) => pick(prediction, i)),
    ...(uncertainty ? { uncertainty: observable.values.map((_, i) => pick(uncertainty, i)) } : {}),
    ...(table ? { cells: table } : {}),
    ...(measures && Object.keys(measures).length ? { measures } : {}),
  };
}
