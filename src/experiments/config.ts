/**
 * Config validation with errors a user can act on: each names the field (as its CLI flag) and
 * the allowed range, e.g. "--depth: must be ≤ 8 (got 12)".
 */
import { z } from 'zod';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export const kebab = (s: string) => s.replace(/[A-Z]/g, (m) => '-' + m.toLowerCase());
export const camel = (s: string) => s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

function shapeOf(schema: z.ZodType): Record<string, z.ZodType> {
  const s = schema as unknown as { shape?: Record<string, z.ZodType> };
  return s.shape ?? {};
}

/** A value as the user typed it, for an error message: Infinity/NaN shown as such, long values cut. */
export function showValue(v: unknown, max = 120): string {
  const text = JSON.stringify(v, (_k, x) => (typeof x === 'number' && !Number.isFinite(x) ? `\u0000${x}\u0000` : x))
    ?.replace(/"\\u0000(-?Infinity|NaN)\\u0000"/g, '$1') ?? String(v);
  if (text.length <= max) return text;
  const n = Array.isArray(v) ? `, ${v.length} entries` : '';
  return `${text.slice(0, max)}… (${text.length} characters${n})`;
}

function describeIssue(issue: z.core.$ZodIssue, raw: Record<string, unknown>): string {
  const key = issue.path.map(String).join('.');
  const flag = `--${kebab(String(issue.path[0] ?? key))}${issue.path.length > 1 ? `[${issue.path.slice(1).join('.')}]` : ''}`;
  const got = issue.path.reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<PropertyKey, unknown>)[k as PropertyKey] : undefined), raw);
  const gotText = got === undefined ? '' : ` (got ${showValue(got)})`;
  const i = issue as unknown as Record<string, unknown>;
  switch (issue.code) {
    case 'too_big':
      return `${flag}: must be ${i.inclusive === false ? '<' : '≤'} ${i.maximum}${i.origin === 'array' ? ' entries' : ''}${gotText}`;
    case 'too_small':
      return `${flag}: must be ${i.inclusive === false ? '>' : '≥'} ${i.minimum}${i.origin === 'array' ? ' entries' : ''}${gotText}`;
    case 'invalid_type':
      if (i.expected === 'number' && typeof got === 'number') return `${flag}: must be a finite number${gotText}`;
      return `${flag}: expected ${i.expected}${gotText}`;
    case 'invalid_value':
      return `${flag}: must be one of ${(i.values as unknown[]).map((v) => JSON.stringify(v)).join(', ')}${gotText}`;
    default:
      return `${flag}: ${issue.message}${gotText}`;
  }
}

/** Validate a raw config against an experiment schema; unknown keys are errors, not silently dropped. */
export function parseConfig<C>(schema: z.ZodType<C>, raw: Record<string, unknown>, experiment: string): C {
  const shape = shapeOf(schema);
  const known = Object.keys(shape);
  const unknown = Object.keys(raw).filter((k) => !known.includes(k));
  if (unknown.length) {
    throw new ConfigError(`${experiment}: unknown option${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `--${kebab(k)}`).join(', ')}; allowed: ${known.map((k) => `--${kebab(k)}`).join(' ')}`);
  }
  const r = schema.safeParse(raw);
  if (!r.success) throw new ConfigError(`${experiment}: invalid config\n  ${r.error.issues.map((i) => describeIssue(i, raw)).join('\n  ')}`);
  return r.data;
}

/**
 * Turn CLI words (`--depth 3 --singular-values 6,4,3 --no-flow --rotate`) into a raw config,
 * coercing each value by the schema field's type.
 */
export function configFromArgs(schema: z.ZodType, args: string[], experiment: string): Record<string, unknown> {
  const shape = shapeOf(schema);
  const out: Record<string, unknown> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('--')) throw new ConfigError(`${experiment}: unexpected argument ${JSON.stringify(a)} (options look like --name value)`);
    let name = a.slice(2);
    let value: string | undefined;
    const eq = name.indexOf('=');
    if (eq >= 0) { value = name.slice(eq + 1); name = name.slice(0, eq); }
    let key = camel(name);
    let negated = false;
    if (!(key in shape) && name.startsWith('no-') && camel(name.slice(3)) in shape) { key = camel(name.slice(3)); negated = true; }
    const field = shape[key];
    const kind = field ? fieldKind(field) : 'string';
    if (kind === 'boolean') {
      if (value === undefined && !negated && i + 1 < args.length && /^(true|false)$/.test(args[i + 1])) value = args[++i];
      out[key] = negated ? false : value === undefined ? true : value === 'true';
      continue;
    }
    if (value === undefined) {
      if (i + 1 >= args.length) throw new ConfigError(`${experiment}: --${name} needs a value`);
      value = args[++i];
    }
    out[key] = kind === 'number' ? toNumber(value)
      : kind === 'array' ? (value.trim().startsWith('[') ? parseJson(value, name, experiment) : value.split(',').map((v) => toNumber(v.trim())))
      : value;
  }
  return out;
}

function parseJson(value: string, name: string, experiment: string): unknown {
  try { return JSON.parse(value); } catch { throw new ConfigError(`${experiment}: --${name}: not valid JSON: ${value.length > 120 ? `${value.slice(0, 120)}… (${value.length} characters)` : value}`); }
}

const toNumber = (v: string) => (v.trim() === '' || Number.isNaN(Number(v)) ? v : Number(v));

export function fieldKind(field: z.ZodType): 'number' | 'boolean' | 'array' | 'string' {
  let f = field as unknown as { def?: { type?: string; innerType?: unknown }; _zod?: { def: { type: string; innerType?: unknown } } };
  for (let guard = 0; guard < 8; guard++) {
    const def = f._zod?.def ?? f.def;
    const t = def?.type;
    if (t === 'default' || t === 'optional' || t === 'nullable' || t === 'prefault') { f = def!.innerType as typeof f; continue; }
    if (t === 'number' || t === 'int') return 'number';
    if (t === 'boolean') return 'boolean';
    if (t === 'array' || t === 'tuple') return 'array';
    return 'string';
  }
  return 'string';
}

interface ZodInternals { _zod: { def: { type: string; innerType?: ZodInternals; element?: ZodInternals; entries?: Record<string, unknown>; checks?: { _zod: { def: Record<string, unknown> } }[] } } }

/** The schema field under default/optional wrappers. */
function inner(field: z.ZodType): ZodInternals {
  let f = field as unknown as ZodInternals;
  for (let guard = 0; guard < 8 && ['default', 'optional', 'nullable', 'prefault'].includes(f._zod.def.type); guard++) f = f._zod.def.innerType!;
  return f;
}

/** A number field's interval from its checks, e.g. "(0, 20]", "integer in [1, 8]". */
function numberRange(f: ZodInternals): string {
  let lo = '', hi = '', int = false;
  for (const c of f._zod.def.checks ?? []) {
    const d = c._zod.def;
    if (d.check === 'greater_than') lo = `${d.inclusive ? '[' : '('}${d.value}`;
    else if (d.check === 'less_than') hi = `${d.value}${d.inclusive ? ']' : ')'}`;
    else if (d.check === 'number_format' && /int/.test(String(d.format))) int = true;
  }
  if (!lo && !hi) return int ? 'integer' : 'number';
  return `${int ? 'integer in ' : ''}${lo || '(−∞'}, ${hi || '∞)'}`;
}

/** The allowed values of a field, in words: an interval, a list of choices, a list length and its entries' range. */
export function describeRange(field: z.ZodType): string {
  const f = inner(field);
  const t = f._zod.def.type;
  if (t === 'number' || t === 'int') return numberRange(f);
  if (t === 'enum') return Object.values(f._zod.def.entries ?? {}).map((v) => JSON.stringify(v)).join(' | ');
  if (t === 'boolean') return 'true | false';
  // A union (e.g. data: "mnist" | "synthetic" | a file path): each option, a described one by its description.
  if (t === 'union') return ((f._zod.def as unknown as { options?: z.ZodType[] }).options ?? []).map((o) => (o as unknown as { description?: string }).description ?? describeRange(o)).join(' | ');
  if (t === 'array') {
    let min = '', max = '';
    for (const c of f._zod.def.checks ?? []) {
      const d = c._zod.def;
      if (d.check === 'min_length') min = String(d.minimum);
      else if (d.check === 'max_length') max = String(d.maximum);
    }
    const el = f._zod.def.element ? describeRange(f._zod.def.element as unknown as z.ZodType) : '';
    const len = min || max ? `${min || 0}–${max || '∞'} ` : '';
    return `list of ${len}${el ? `(${el})` : 'values'}`;
  }
  return t;
}

/** Human-readable list of an experiment's options: flag, default, allowed range, description. */
export function describeOptions(schema: z.ZodType): { flag: string; default: unknown; range: string; description: string }[] {
  const shape = shapeOf(schema);
  const defaults = schema.safeParse({});
  return Object.entries(shape).map(([k, f]) => ({
    flag: `--${kebab(k)}`,
    default: defaults.success ? (defaults.data as Record<string, unknown>)[k] : undefined,
    range: describeRange(f),
    description: (f as unknown as { description?: string }).description ?? '',
  }));
}
