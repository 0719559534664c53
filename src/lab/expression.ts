/**
 * The observable language of a hypothesis: an expression over a run's recorded series and its
 * config (or, for a sweep, over its table of cells), e.g.
 *
 *   mean(sharpness[method == "GD" && step > 0.5*steps].ratio) * lr / 2
 *   argmin_lr(finalLoss) by width
 *   slope(log(width), log(updateRms))
 *
 * Parsed by jsep (a maintained parser only: it builds an AST and evaluates nothing), then
 * interpreted here over a whitelist: numbers, strings, booleans; names resolved through Maps
 * (never a property lookup on a JavaScript object, so `constructor`, `__proto__`, `toString`
 * are just unknown names); the functions of FUNCTIONS; arithmetic, comparison and logic
 * operators elementwise over columns. Every error names the offending token and its column.
 *
 * Values: a number / string / boolean, a column (`Vec`: one value per row, optionally labelled
 * by group), or a table (`Table`: a series' rows). Names, innermost first:
 *   1. inside `T[cond]`, the columns of T (so `step > 0.5*steps` compares every row's step);
 *   2. the columns of the scope's row table (a sweep's cells: axes, seed, summary metrics,
 *      per-cell measures);
 *   3. series (tables) by name;
 *   4. constants: config fields, summary metrics, `pi`.
 * A table used as numbers is its column of the same name (`mean(loss)` = `mean(loss.loss)`).
 *
 *   T.col           the column col of T
 *   T[cond]         the rows of T where cond holds (cond evaluated row by row over T's columns)
 *   v[i]            element i of a column (negative: from the end)
 *   f by col        f evaluated once per distinct value of col (ascending), every table that has
 *                   col restricted to that value: one number per group
 *   argmin_x(y)     the x whose rows have the smallest mean y (rows with equal x, e.g. seeds,
 *                   averaged first); argmax_x likewise; also argmin(x, y)
 *   slope(x, y)     least-squares slope of y on x
 *
 * Numbers go through the lab's portable libm (log, exp, pow), so the page and the CLI agree bit
 * for bit. Browser-safe.
 */
import jsep from 'jsep';
import * as libm from '../engine/libm.js';
import { ConfigError } from '../experiments/config.js';

export type Row = Record<string, number | string>;
export type Scalar = number | string | boolean;

/** One value per row (or per group of a `by`), with optional group labels. */
export interface Vec { kind: 'vec'; values: Scalar[]; labels?: string[] }
/** A series: its rows and its columns (own keys of its rows). */
export interface Table { kind: 'table'; name: string; rows: Row[]; columns: string[] }
export type Value = Scalar | Vec | Table;

/** What names an expression may use. */
export interface Scope {
  /** Series by name. */
  tables?: ReadonlyMap<string, readonly Row[]>;
  /** Named constants (config fields, summary metrics); arrays become columns. */
  constants?: ReadonlyMap<string, unknown>;
  /** The table whose columns are names at the top level (a sweep's cells); also a series under its name. */
  rows?: { name: string; rows: readonly Row[] };
}

/** A parse or evaluation error at a position of the expression (0-based `index`, 1-based column in the message). */
export class ExpressionError extends ConfigError {
  constructor(readonly what: string, readonly source: string, readonly index: number, readonly detail: string, length = 1) {
    const col = Math.max(0, Math.min(index, source.length));
    const caret = ' '.repeat(col) + '^'.repeat(Math.max(1, Math.min(length, source.length - col || 1)));
    super(`${what}, column ${col + 1}: ${detail}\n  ${source}\n  ${caret}`);
    this.name = 'ExpressionError';
  }
}

// ───────────────────────────── parsing ─────────────────────────────

type Node = jsep.Expression & { start?: number; end?: number };

/** The functions an expression may call (argmin_<x> / argmax_<x> besides). */
export const FUNCTIONS: readonly string[] = [
  'mean', 'median', 'min', 'max', 'sum', 'count', 'first', 'last', 'std',
  'slope', 'argmin', 'argmax', 'log', 'log10', 'exp', 'sqrt', 'abs', 'pow',
];
const FUNCTION_SET = new Set(FUNCTIONS);
const ARG_PREFIX = /^arg(min|max)_([A-Za-z_$][\w$]*)$/;
const ALLOWED = `allowed functions: ${FUNCTIONS.join(', ')}, argmin_<x>, argmax_<x>`;

const BINARY_OK = new Set(['+', '-', '*', '/', '%', '**', '<', '<=', '>', '>=', '==', '!=', '===', '!==', '&&', '||', 'by']);
const BINARY_HINT: Record<string, string> = {
  '^': 'use ** (or pow(x, y)) for powers',
  '|': 'use || for "or"', '&': 'use && for "and"',
  '??': 'not supported', '<<': 'not supported', '>>': 'not supported', '>>>': 'not supported',
};

// Token positions: jsep's nodes carry none, so a hook records where each token starts and ends
// (only while parseExpression runs: jsep's configuration is global).
let tracking = false;
const starts: number[] = [];
interface JsepThis { index: number; code: number; expr: string; gobbleNumericLiteral(): Node }
jsep.addBinaryOp('by', 0.5);
jsep.hooks.add('gobble-token', function (this: JsepThis, env: { node?: Node }) {
  if (!tracking) return;
  starts.push(this.index);
  // jsep returns number literals without running 'after-token'; parse them here so it does.
  if ((this.code >= 48 && this.code <= 57) || this.code === 46) env.node = this.gobbleNumericLiteral();
} as jsep.HookCallback);
jsep.hooks.add('after-token', function (this: JsepThis, env: { node?: Node | false }) {
  if (!tracking) return;
  const start = starts.pop() ?? 0;
  const node = env.node;
  if (!node) return;
  let end = this.index;
  while (end > start && /\s/.test(this.expr[end - 1])) end--;
  node.start = start;
  node.end = end;
  // The head of a member/call chain (`f` in f(x), `T` in T[c].x) starts where the token does.
  let head: Node = node;
  while (head.type === 'MemberExpression' || head.type === 'CallExpression') {
    head = (head.type === 'MemberExpression' ? head.object : head.callee) as Node;
    if (head.start === undefined) { head.start = start; if (head.type === 'Identifier') head.end = start + String(head.name).length; }
  }
} as jsep.HookCallback);

export interface Parsed { what: string; source: string; ast: Node }

const startOf = (n: Node): number => {
  if (n.start !== undefined) return n.start;
  const kids = [n.left, n.object, n.callee, n.argument].filter(Boolean) as Node[];
  return kids.length ? Math.min(...kids.map(startOf)) : 0;
};
const endOf = (n: Node): number => {
  if (n.end !== undefined) return n.end;
  const kid = (n.right ?? n.property ?? n.argument) as Node | undefined;
  return kid ? endOf(kid) : startOf(n) + 1;
};

/** Where the non-computed property `name` of a member expression stands (after its object). */
function propertyAt(p: Parsed, n: Node): number {
  const from = startOf(n.object as Node);
  const m = new RegExp(`\\.\\s*(${String((n.property as Node).name).replace(/\$/g, '\\$')})(?![\\w$])`, 'g');
  m.lastIndex = from;
  const hit = m.exec(p.source);
  return hit ? hit.index + hit[0].length - hit[1].length : from;
}

function fail(p: Parsed, n: Node, detail: string): never {
  const s = startOf(n);
  throw new ExpressionError(p.what, p.source, s, detail, Math.max(1, endOf(n) - s));
}

/** Where the operator of a binary node stands (between its operands). */
function operatorAt(p: Parsed, n: Node): number {
  const i = p.source.indexOf(String(n.operator), endOf(n.left as Node));
  return i >= 0 ? i : startOf(n);
}

/** Static checks: allowed node types, operators, functions; `by` takes a column name. */
function check(p: Parsed, n: Node): void {
  switch (n.type) {
    case 'Literal':
      if (typeof n.value !== 'number' && typeof n.value !== 'string' && typeof n.value !== 'boolean') fail(p, n, `${String(n.raw)} is not a value here (numbers, "strings", true, false)`);
      return;
    case 'Identifier': return;
    case 'ArrayExpression':
      for (const e of n.elements as (Node | null)[]) { if (!e) fail(p, n, 'empty element in a list'); check(p, e); }
      return;
    case 'UnaryExpression':
      if (!['-', '+', '!'].includes(String(n.operator))) fail(p, n, `operator ${String(n.operator)} is not allowed (allowed: - + !)`);
      check(p, n.argument as Node);
      return;
    case 'BinaryExpression': {
      const op = String(n.operator);
      if (!BINARY_OK.has(op)) {
        const at = operatorAt(p, n);
        throw new ExpressionError(p.what, p.source, at, `operator ${op} is not allowed${BINARY_HINT[op] ? ` (${BINARY_HINT[op]})` : ''}; allowed: + - * / % ** < <= > >= == != && || by`, op.length);
      }
      const left = n.left as Node;
      if (op === '**' && left.type === 'UnaryExpression' && p.source[startOf(left)] === String(left.operator)) {
        throw new ExpressionError(p.what, p.source, startOf(left), `ambiguous sign: write -(x ** y) or (-x) ** y`);
      }
      if (op === 'by' && (n.right as Node).type !== 'Identifier') fail(p, n.right as Node, '"by" must be followed by a column name (e.g. … by width)');
      check(p, left);
      check(p, n.right as Node);
      return;
    }
    case 'MemberExpression':
      check(p, n.object as Node);
      if (n.computed) check(p, n.property as Node);
      else if ((n.property as Node).type !== 'Identifier') fail(p, n, 'expected a column name after "."');
      if (n.optional) fail(p, n, '?. is not supported');
      return;
    case 'CallExpression': {
      const callee = n.callee as Node;
      if (callee.type !== 'Identifier') fail(p, callee, `only named functions can be called; ${ALLOWED}`);
      const name = String(callee.name);
      if (!FUNCTION_SET.has(name) && !ARG_PREFIX.test(name)) {
        throw new ExpressionError(p.what, p.source, startOf(callee), `unknown function "${name}"; ${ALLOWED}`, name.length);
      }
      for (const a of n.arguments as Node[]) check(p, a);
      return;
    }
    case 'Compound':
      if (!(n.body as Node[]).length) throw new ExpressionError(p.what, p.source, 0, 'empty expression');
      fail(p, (n.body as Node[])[1] ?? n, 'one expression expected (an operator is missing, or a stray token)');
    case 'ConditionalExpression': fail(p, n, '?: is not supported');
    case 'ThisExpression': fail(p, n, '"this" is not a name here');
    case 'SequenceExpression': fail(p, n, 'one expression expected, not a sequence');
    default: fail(p, n, `${n.type} is not supported`);
  }
}

/** Parse and check an expression; `what` names it in errors (e.g. "observable", "regime[0]"). */
export function parseExpression(source: string, what = 'expression'): Parsed {
  if (typeof source !== 'string' || source.trim() === '') throw new ExpressionError(what, String(source ?? ''), 0, 'empty expression');
  if (source.length > 2000) throw new ExpressionError(what, source.slice(0, 60), 0, `expression too long (${source.length} characters; at most 2000)`);
  let ast: Node;
  tracking = true;
  starts.length = 0;
  try {
    ast = jsep(source) as Node;
  } catch (e) {
    const err = e as Error & { index?: number; description?: string };
    throw new ExpressionError(what, source, err.index ?? 0, err.description ?? err.message);
  } finally {
    tracking = false;
    starts.length = 0;
  }
  const p = { what, source, ast };
  check(p, ast);
  return p;
}

// ───────────────────────────── values ─────────────────────────────

const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);
const isVec = (v: Value): v is Vec => typeof v === 'object' && v.kind === 'vec';
const isTable = (v: Value): v is Table => typeof v === 'object' && v.kind === 'table';

function tableOf(name: string, rows: readonly Row[]): Table {
  const cols = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r)) cols.add(k);
  return { kind: 'table', name, rows: rows as Row[], columns: [...cols] };
}

function column(t: Table, col: string): Vec {
  return { kind: 'vec', values: t.rows.map((r) => (hasOwn(r, col) ? r[col] : NaN)) };
}

const describe = (v: Value): string => isTable(v) ? `series ${v.name} (${v.rows.length} rows)` : isVec(v) ? `a column of ${v.values.length}` : typeof v === 'string' ? `"${v}"` : String(v);

interface Ctx {
  p: Parsed;
  scope: Scope;
  /** The top-level row table (a sweep's cells), restricted by the groups in force. */
  top?: Table;
  /** The tables of the enclosing filters T[…], outermost first: their columns are names. */
  filters: Table[];
  /** `by` restrictions in force: every table with the column keeps the rows with this value. */
  groups: { col: string; value: Scalar }[];
}

function restrict(ctx: Ctx, t: Table): Table {
  let rows = t.rows;
  for (const g of ctx.groups) if (t.columns.includes(g.col)) rows = rows.filter((r) => r[g.col] === g.value);
  return rows === t.rows ? t : { ...t, rows };
}

/** Every table in scope: the row table, the series, the enclosing filters. */
function tablesInScope(ctx: Ctx): Table[] {
  const out: Table[] = [];
  if (ctx.top) out.push(ctx.top);
  for (const [name, rows] of ctx.scope.tables ?? []) if (name !== ctx.scope.rows?.name) out.push(restrict(ctx, tableOf(name, rows)));
  return [...out, ...ctx.filters];
}

function available(ctx: Ctx): string {
  const parts: string[] = [];
  const inner = ctx.filters[ctx.filters.length - 1] ?? ctx.top;
  if (inner) parts.push(`columns of ${inner.name}: ${inner.columns.join(', ') || '(none)'}`);
  const series = [...(ctx.scope.tables?.keys() ?? [])].filter((n) => n !== ctx.scope.rows?.name);
  if (ctx.scope.rows) parts.push(`table ${ctx.scope.rows.name}`);
  if (series.length) parts.push(`series: ${series.join(', ')}`);
  const consts = [...(ctx.scope.constants?.keys() ?? [])];
  if (consts.length) parts.push(`config and metrics: ${consts.join(', ')}`);
  return parts.join('; ') || 'nothing is defined';
}

function constant(v: unknown): Value | undefined {
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  if (Array.isArray(v) && v.every((x) => typeof x === 'number' || typeof x === 'string' || typeof x === 'boolean')) return { kind: 'vec', values: v as Scalar[] };
  return undefined;
}

function lookup(ctx: Ctx, n: Node): Value {
  const name = String(n.name);
  for (let i = ctx.filters.length - 1; i >= 0; i--) {
    const t = ctx.filters[i];
    if (t.columns.includes(name)) return column(t, name);
  }
  // Inside `… by col`, col is the group's value.
  for (let i = ctx.groups.length - 1; i >= 0; i--) if (ctx.groups[i].col === name) return ctx.groups[i].value;
  if (ctx.top?.columns.includes(name)) return column(ctx.top, name);
  if (ctx.top && name === ctx.top.name) return ctx.top;
  const series = ctx.scope.tables?.get(name);
  if (series) return restrict(ctx, tableOf(name, series));
  const c = ctx.scope.constants;
  if (c?.has(name)) {
    const v = constant(c.get(name));
    if (v !== undefined) return v;
    fail(ctx.p, n, `"${name}" is not a number, string or list of them`);
  }
  if (name === 'pi') return Math.PI;
  fail(ctx.p, n, `unknown name "${name}"; ${available(ctx)}`);
}

/** A value as numbers (a table: its column of the same name). */
function numbers(ctx: Ctx, n: Node, v: Value, fn: string): number[] {
  if (typeof v === 'number') return [v];
  if (typeof v === 'boolean') return [v ? 1 : 0];
  if (typeof v === 'string') fail(ctx.p, n, `${fn}: needs numbers, got the string "${v}"`);
  const vec = isTable(v) ? valueColumn(ctx, n, v) : v;
  return vec.values.map((x) => {
    if (typeof x === 'number') return x;
    if (typeof x === 'boolean') return x ? 1 : 0;
    fail(ctx.p, n, `${fn}: needs numbers, but the column holds the string "${x}"`);
  });
}

function valueColumn(ctx: Ctx, n: Node, t: Table): Vec {
  if (t.columns.includes(t.name)) return column(t, t.name);
  fail(ctx.p, n, `series ${t.name} has no column named ${t.name}: pick one, e.g. ${t.name}.${t.columns.find((c) => c !== 'step') ?? t.columns[0] ?? 'value'} (columns: ${t.columns.join(', ') || '(none: no rows)'})`);
}

/** Elementwise over scalars and columns (columns of equal length; scalars broadcast). */
function zip(ctx: Ctx, n: Node, a: Value, b: Value, f: (x: Scalar, y: Scalar) => Scalar, what: string): Value {
  const va = asVec(ctx, n.left as Node ?? n, a), vb = asVec(ctx, n.right as Node ?? n, b);
  if (!va && !vb) return f(a as Scalar, b as Scalar);
  if (va && vb && va.values.length !== vb.values.length) fail(ctx.p, n, `${what}: columns of different lengths (${va.values.length} and ${vb.values.length})`);
  const len = (va ?? vb)!.values.length;
  const labels = va?.labels ?? vb?.labels;
  const values = Array.from({ length: len }, (_, i) => f(va ? va.values[i] : (a as Scalar), vb ? vb.values[i] : (b as Scalar)));
  return labels ? { kind: 'vec', values, labels } : { kind: 'vec', values };
}

function asVec(ctx: Ctx, n: Node, v: Value): Vec | null {
  if (isVec(v)) return v;
  if (isTable(v)) return valueColumn(ctx, n, v);
  return null;
}

function map1(ctx: Ctx, n: Node, v: Value, f: (x: number) => number, fn: string): Value {
  if (isVec(v) || isTable(v)) {
    const vec = asVec(ctx, n, v)!;
    const xs = numbers(ctx, n, vec, fn);
    return vec.labels ? { kind: 'vec', values: xs.map(f), labels: vec.labels } : { kind: 'vec', values: xs.map(f) };
  }
  return f(numbers(ctx, n, v, fn)[0]);
}

const num = (ctx: Ctx, n: Node, x: Scalar, op: string): number => {
  if (typeof x === 'number') return x;
  if (typeof x === 'boolean') return x ? 1 : 0;
  fail(ctx.p, n, `${op}: needs numbers, got the string "${x}"`);
};
const truth = (ctx: Ctx, n: Node, x: Scalar, op: string): boolean => {
  if (typeof x === 'boolean') return x;
  if (typeof x === 'number') return x !== 0;
  fail(ctx.p, n, `${op}: needs true/false, got the string "${x}"`);
};

function binary(ctx: Ctx, n: Node): Value {
  const op = String(n.operator);
  if (op === 'by') return groupBy(ctx, n);
  const a = evalNode(ctx, n.left as Node), b = evalNode(ctx, n.right as Node);
  const N = (x: Scalar) => num(ctx, n, x, op);
  switch (op) {
    case '+': return zip(ctx, n, a, b, (x, y) => N(x) + N(y), op);
    case '-': return zip(ctx, n, a, b, (x, y) => N(x) - N(y), op);
    case '*': return zip(ctx, n, a, b, (x, y) => N(x) * N(y), op);
    case '/': return zip(ctx, n, a, b, (x, y) => N(x) / N(y), op);
    case '%': return zip(ctx, n, a, b, (x, y) => N(x) % N(y), op);
    case '**': return zip(ctx, n, a, b, (x, y) => libm.pow(N(x), N(y)), op);
    case '<': return zip(ctx, n, a, b, (x, y) => N(x) < N(y), op);
    case '<=': return zip(ctx, n, a, b, (x, y) => N(x) <= N(y), op);
    case '>': return zip(ctx, n, a, b, (x, y) => N(x) > N(y), op);
    case '>=': return zip(ctx, n, a, b, (x, y) => N(x) >= N(y), op);
    case '==': case '===': return zip(ctx, n, a, b, (x, y) => x === y, op);
    case '!=': case '!==': return zip(ctx, n, a, b, (x, y) => x !== y, op);
    case '&&': return zip(ctx, n, a, b, (x, y) => truth(ctx, n, x, op) && truth(ctx, n, y, op), op);
    case '||': return zip(ctx, n, a, b, (x, y) => truth(ctx, n, x, op) || truth(ctx, n, y, op), op);
  }
  fail(ctx.p, n, `operator ${op} is not allowed`);
}

const cmp = (x: Scalar, y: Scalar) => (typeof x === 'number' && typeof y === 'number' ? x - y : String(x) < String(y) ? -1 : String(x) > String(y) ? 1 : 0);

/** The distinct values of `col` over every table in scope that has it, ascending. */
function groupValues(ctx: Ctx, n: Node, col: string): Scalar[] {
  const seen = new Set<Scalar>();
  let found = false;
  for (const t of tablesInScope(ctx)) {
    if (!t.columns.includes(col)) continue;
    found = true;
    for (const r of t.rows) if (hasOwn(r, col)) seen.add(r[col]);
  }
  if (!found) fail(ctx.p, n, `by ${col}: no table in scope has a column ${col}; ${available(ctx)}`);
  return [...seen].sort(cmp);
}

function groupBy(ctx: Ctx, n: Node): Value {
  const right = n.right as Node;
  const col = String(right.name);
  const values: Scalar[] = [];
  const labels: string[] = [];
  const groups = groupValues(ctx, right, col);
  if (!groups.length) fail(ctx.p, right, `by ${col}: no rows`);
  for (const g of groups) {
    const only: Ctx = { ...ctx, groups: [{ col, value: g }] };
    const inner: Ctx = {
      ...ctx, groups: [...ctx.groups, { col, value: g }],
      top: ctx.top && restrict(only, ctx.top), filters: ctx.filters.map((t) => restrict(only, t)),
    };
    const v = evalNode(inner, n.left as Node);
    if (typeof v === 'object') fail(ctx.p, n.left as Node, `the left side of "by ${col}" must give one number per group, got ${describe(v)} for ${col} = ${g}`);
    values.push(v);
    labels.push(`${col} = ${g}`);
  }
  return { kind: 'vec', values, labels };
}

function member(ctx: Ctx, n: Node): Value {
  const obj = evalNode(ctx, n.object as Node);
  if (!n.computed) {
    const col = String((n.property as Node).name);
    if (!isTable(obj)) fail(ctx.p, n.object as Node, `".${col}": only a series has columns, this is ${describe(obj)}`);
    if (!obj.columns.includes(col)) {
      const at = propertyAt(ctx.p, n);
      throw new ExpressionError(ctx.p.what, ctx.p.source, at, `series ${obj.name} has no column "${col}"; columns: ${obj.columns.join(', ') || '(none: no rows)'}`, col.length);
    }
    return column(obj, col);
  }
  const prop = n.property as Node;
  if (isTable(obj)) {
    const cond = evalNode({ ...ctx, filters: [...ctx.filters, obj] }, prop);
    if (typeof cond === 'boolean') return cond ? obj : { ...obj, rows: [] };
    if (!isVec(cond) || cond.values.length !== obj.rows.length || cond.values.some((x) => typeof x !== 'boolean')) {
      fail(ctx.p, prop, `a filter ${obj.name}[…] needs a condition on its rows (e.g. step > 100), got ${describe(cond)}`);
    }
    return { ...obj, rows: obj.rows.filter((_, i) => cond.values[i] === true) };
  }
  if (isVec(obj)) {
    const idx = evalNode(ctx, prop);
    if (typeof idx === 'number') {
      if (!Number.isInteger(idx) || idx >= obj.values.length || idx < -obj.values.length) fail(ctx.p, prop, `index ${idx} out of range (the column has ${obj.values.length} values; negative counts from the end)`);
      return obj.values[idx < 0 ? obj.values.length + idx : idx];
    }
    if (isVec(idx) && idx.values.length === obj.values.length && idx.values.every((x) => typeof x === 'boolean')) {
      const keep = obj.values.map((_, i) => idx.values[i] === true);
      return { kind: 'vec', values: obj.values.filter((_, i) => keep[i]), ...(obj.labels ? { labels: obj.labels.filter((_, i) => keep[i]) } : {}) };
    }
    fail(ctx.p, prop, `a column takes an integer index or a condition of its length, got ${describe(idx)}`);
  }
  fail(ctx.p, n.object as Node, `[…] applies to a series or a column, not ${describe(obj)}`);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : 0.5 * (s[m - 1] + s[m]);
}

function leastSquaresSlope(x: number[], y: number[]): number {
  const n = x.length;
  let mx = 0, my = 0;
  for (let i = 0; i < n; i++) { mx += x[i]; my += y[i]; }
  mx /= n; my /= n;
  let sxx = 0, sxy = 0;
  for (let i = 0; i < n; i++) { sxx += (x[i] - mx) * (x[i] - mx); sxy += (x[i] - mx) * (y[i] - my); }
  return sxy / sxx;
}

/** The x whose rows have the smallest (largest) mean y; rows with equal x are averaged first. */
function argExtreme(ctx: Ctx, n: Node, xs: Scalar[], ys: number[], which: 'min' | 'max', fn: string): Scalar {
  if (xs.length !== ys.length) fail(ctx.p, n, `${fn}: x and y have different lengths (${xs.length} and ${ys.length})`);
  if (!xs.length) fail(ctx.p, n, `${fn}: empty selection`);
  const sums = new Map<Scalar, { s: number; k: number }>();
  xs.forEach((x, i) => { const e = sums.get(x) ?? { s: 0, k: 0 }; e.s += ys[i]; e.k++; sums.set(x, e); });
  let best: Scalar | undefined, bestV = NaN;
  for (const x of [...sums.keys()].sort(cmp)) {
    const e = sums.get(x)!;
    const v = e.s / e.k;
    if (Number.isNaN(v)) continue;
    if (best === undefined || (which === 'min' ? v < bestV : v > bestV)) { best = x; bestV = v; }
  }
  if (best === undefined) fail(ctx.p, n, `${fn}: every y is NaN`);
  return best;
}

function call(ctx: Ctx, n: Node): Value {
  const callee = n.callee as Node;
  const name = String(callee.name);
  const argNodes = n.arguments as Node[];
  const arity = (k: number | [number, number]) => {
    const [lo, hi] = typeof k === 'number' ? [k, k] : k;
    if (argNodes.length < lo || argNodes.length > hi) fail(ctx.p, n, `${name} takes ${lo === hi ? lo : `${lo} to ${hi}`} argument${hi === 1 ? '' : 's'} (got ${argNodes.length})`);
  };
  const pre = ARG_PREFIX.exec(name);
  if (pre) {
    arity(1);
    // argmin_x(T[cond].y): x from the same (filtered) table as y.
    const arg = argNodes[0];
    if (arg.type === 'MemberExpression' && !arg.computed) {
      const t = evalNode(ctx, arg.object as Node);
      const col = String((arg.property as Node).name);
      if (isTable(t) && t.columns.includes(pre[2]) && t.columns.includes(col)) {
        return argExtreme(ctx, n, column(t, pre[2]).values, numbers(ctx, arg, column(t, col), name), pre[1] as 'min' | 'max', name);
      }
    }
    const x = evalNode(ctx, { type: 'Identifier', name: pre[2], start: startOf(callee) + 7, end: startOf(callee) + name.length } as Node);
    const xv = asVec(ctx, callee, x);
    if (!xv) fail(ctx.p, callee, `${name}: ${pre[2]} must be a column (e.g. an axis of the sweep), got ${describe(x)}`);
    return argExtreme(ctx, n, xv.values, numbers(ctx, argNodes[0], evalNode(ctx, argNodes[0]), name), pre[1] as 'min' | 'max', name);
  }
  const args = argNodes.map((a) => evalNode(ctx, a));
  const nums = (i: number) => numbers(ctx, argNodes[i], args[i], name);
  const nonEmpty = (xs: number[], i: number) => { if (!xs.length) fail(ctx.p, argNodes[i], `${name}: empty selection (no rows)`); return xs; };
  switch (name) {
    case 'count': {
      arity(1);
      const v = args[0];
      return isTable(v) ? v.rows.length : isVec(v) ? v.values.length : 1;
    }
    case 'mean': arity(1); { const xs = nonEmpty(nums(0), 0); return xs.reduce((s, x) => s + x, 0) / xs.length; }
    case 'sum': arity(1); return nums(0).reduce((s, x) => s + x, 0);
    case 'median': arity(1); return median(nonEmpty(nums(0), 0));
    case 'std': {
      arity(1);
      const xs = nums(0);
      if (xs.length < 2) fail(ctx.p, argNodes[0], `std: needs at least 2 values (got ${xs.length})`);
      const m = xs.reduce((s, x) => s + x, 0) / xs.length;
      return Math.sqrt(xs.reduce((s, x) => s + (x - m) * (x - m), 0) / (xs.length - 1));
    }
    case 'min': case 'max': {
      arity([1, 8]);
      const pick = name === 'min' ? (a: number, b: number) => (b < a || Number.isNaN(b) ? b : a) : (a: number, b: number) => (b > a || Number.isNaN(b) ? b : a);
      if (args.length === 1) return nonEmpty(nums(0), 0).reduce(pick);
      return args.slice(1).reduce<Value>((acc, b, k) => zip(ctx, { ...n, left: argNodes[0], right: argNodes[k + 1] } as Node, acc, b, (x, y) => pick(num(ctx, n, x, name), num(ctx, n, y, name)), name), args[0]);
    }
    case 'first': case 'last': {
      arity(1);
      const v = args[0];
      const vec = asVec(ctx, argNodes[0], v);
      if (!vec) return v as Scalar;
      if (!vec.values.length) fail(ctx.p, argNodes[0], `${name}: empty selection (no rows)`);
      return vec.values[name === 'first' ? 0 : vec.values.length - 1];
    }
    case 'slope': {
      arity(2);
      const x = nums(0), y = nums(1);
      if (x.length !== y.length) fail(ctx.p, n, `slope: x and y have different lengths (${x.length} and ${y.length})`);
      if (x.length < 2 || new Set(x).size < 2) fail(ctx.p, argNodes[0], `slope: needs at least 2 distinct x values (got ${new Set(x).size})`);
      return leastSquaresSlope(x, y);
    }
    case 'argmin': case 'argmax': {
      arity(2);
      const xv = asVec(ctx, argNodes[0], args[0]);
      if (!xv) fail(ctx.p, argNodes[0], `${name}(x, y): x must be a column, got ${describe(args[0])}`);
      return argExtreme(ctx, n, xv.values, nums(1), name === 'argmin' ? 'min' : 'max', name);
    }
    case 'log': arity(1); return map1(ctx, argNodes[0], args[0], libm.log, name);
    case 'log10': arity(1); return map1(ctx, argNodes[0], args[0], libm.log10, name);
    case 'exp': arity(1); return map1(ctx, argNodes[0], args[0], libm.exp, name);
    case 'sqrt': arity(1); return map1(ctx, argNodes[0], args[0], Math.sqrt, name);
    case 'abs': arity(1); return map1(ctx, argNodes[0], args[0], Math.abs, name);
    case 'pow': arity(2); return zip(ctx, { ...n, left: argNodes[0], right: argNodes[1] } as Node, args[0], args[1], (x, y) => libm.pow(num(ctx, n, x, name), num(ctx, n, y, name)), name);
  }
  fail(ctx.p, callee, `unknown function "${name}"; ${ALLOWED}`);
}

function evalNode(ctx: Ctx, n: Node): Value {
  switch (n.type) {
    case 'Literal': return n.value as Scalar;
    case 'Identifier': return lookup(ctx, n);
    case 'ArrayExpression': {
      const values = (n.elements as Node[]).map((e) => {
        const v = evalNode(ctx, e);
        if (typeof v === 'object') fail(ctx.p, e, 'a list holds numbers or strings');
        return v;
      });
      return { kind: 'vec', values };
    }
    case 'UnaryExpression': {
      const op = String(n.operator);
      const v = evalNode(ctx, n.argument as Node);
      if (op === '!') return zip(ctx, n, v, true, (x) => !truth(ctx, n, x, '!'), '!');
      return map1(ctx, n.argument as Node, v, op === '-' ? (x) => -x : (x) => x, op);
    }
    case 'BinaryExpression': return binary(ctx, n);
    case 'MemberExpression': return member(ctx, n);
    case 'CallExpression': return call(ctx, n);
  }
  fail(ctx.p, n, `${n.type} is not supported`);
}

/** Evaluate a parsed expression in a scope. */
export function evaluate(p: Parsed, scope: Scope): Value {
  const top = scope.rows ? tableOf(scope.rows.name, scope.rows.rows) : undefined;
  return evalNode({ p, scope, top, filters: [], groups: [] }, p.ast);
}

/** A value as plain numbers with labels (a scalar: one number); errors name the expression. */
export function asNumbers(p: Parsed, v: Value): { values: number[]; labels?: string[] } {
  const ctx: Ctx = { p, scope: {}, filters: [], groups: [] };
  const vec = isVec(v) ? v : isTable(v) ? valueColumn(ctx, p.ast, v) : null;
  const values = numbers(ctx, p.ast, vec ?? v, p.what);
  return vec?.labels ? { values, labels: vec.labels } : { values };
}

/** Parse and evaluate in one go. */
export function evaluateExpression(source: string, scope: Scope, what = 'expression'): Value {
  return evaluate(parseExpression(source, what), scope);
}

/** Where a top-level comparison splits (for regime conditions: value vs limit). */
export function comparisonParts(p: Parsed): { left: Parsed; right: Parsed; operator: '<' | '<=' | '>' | '>=' } | null {
  const n = p.ast;
  if (n.type !== 'BinaryExpression' || !['<', '<=', '>', '>='].includes(String(n.operator))) return null;
  const sub = (m: Node): Parsed => ({ what: p.what, source: p.source, ast: m });
  return { left: sub(n.left as Node), right: sub(n.right as Node), operator: String(n.operator) as '<' | '<=' | '>' | '>=' };
}

/** The source text of a sub-expression. */
export function sourceOf(p: Parsed): string {
  return p.source.slice(startOf(p.ast), endOf(p.ast)).trim();
}
