/**
 * Hypotheses (`lmech test`): the expression language against hand-computed values, its error
 * positions and its sandbox (no globals, no prototype); hashing (stable under layout, new under an
 * edited tolerance; against node:crypto); the verdict on planted runs; the store's pre-registration
 * records; and, as child processes of the built CLI, a pre-registration written before a run that
 * fails, and the five shipped examples reaching their expected verdicts.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import * as libm from '../src/engine/libm.js';
import { ExpressionError, FUNCTIONS, evaluate, evaluateExpression, parseExpression, type Row, type Scope } from '../src/lab/expression.js';
import { canonicalHypothesis, compileHypothesis, hypothesisHash, judgeHypothesis, parseHypothesisText, parseToleranceText, type CellData } from '../src/lab/hypothesis.js';
import { canonicalJson } from '../src/lab/sweep.js';
import { Store } from '../src/lab/store.js';

// A run with three series: loss every step, sharpness every other step, and a string column.
const loss: Row[] = [4, 2, 1, 0.5, 0.25].map((v, step) => ({ step, loss: v }));
const sharp: Row[] = [{ step: 0, sharpness: 3, method: 'GD', lr: 0.1 }, { step: 2, sharpness: 5, method: 'GD', lr: 0.1 }, { step: 4, sharpness: 7, method: 'GD', lr: 0.1 },
  { step: 0, sharpness: 2, method: 'GD', lr: 0.2 }, { step: 2, sharpness: 4, method: 'GD', lr: 0.2 }, { step: 4, sharpness: 9, method: 'flow', lr: 0.2 }];
const run: Scope = {
  tables: new Map([['loss', loss], ['sharpness', sharp], ['modes', [{ t: 0, u: 1 }]]]),
  constants: new Map<string, unknown>([['steps', 4], ['lr', 0.1], ['widths', [8, 16]], ['loss_kind', 'mse']]),
};
const ev = (src: string, scope: Scope = run) => evaluateExpression(src, scope, 'observable');
const values = (src: string, scope: Scope = run) => {
  const v = ev(src, scope);
  return typeof v === 'object' && v.kind === 'vec' ? v.values : v;
};
/** The error an expression raises (its message, and the 1-based column it names). */
function errorOf(src: string, scope: Scope = run): { message: string; column: number } {
  try { ev(src, scope); } catch (e) {
    expect(e).toBeInstanceOf(ExpressionError);
    const m = /column (\d+)/.exec((e as Error).message);
    return { message: (e as Error).message, column: m ? Number(m[1]) : -1 };
  }
  throw new Error(`no error for ${src}`);
}

describe('expression: every function on hand-computed series', () => {
  it('reducers over a series (its column of the same name), a column, a filter', () => {
    expect(ev('mean(loss)')).toBe((4 + 2 + 1 + 0.5 + 0.25) / 5);
    expect(ev('sum(loss.loss)')).toBe(7.75);
    expect(ev('median(loss)')).toBe(1);
    expect(ev('median(loss[step >= 1])')).toBe((1 + 0.5) / 2); // even count: mean of the middle two
    expect(ev('min(loss)')).toBe(0.25);
    expect(ev('max(loss.loss)')).toBe(4);
    expect(ev('count(loss)')).toBe(5);
    expect(ev('count(loss[loss < 1])')).toBe(2);
    expect(ev('sum(loss.loss < 1)')).toBe(2); // booleans count as 1/0
    expect(ev('first(loss)')).toBe(4);
    expect(ev('last(loss.loss)')).toBe(0.25);
    // sample standard deviation of 1, 2, 3, 4: sqrt(5/3)
    expect(ev('std(sharpness[lr == 0.1].step / 2 + 1)')).toBeCloseTo(1, 15);
    expect(ev('std([1, 2, 3, 4])')).toBe(Math.sqrt(5 / 3));
    expect(ev('mean(sharpness[method == "GD" && step > 0.5 * steps].sharpness) * lr / 2')).toBe(7 * 0.1 / 2);
  });

  it('slope: least squares, exact on a line and on log-log power laws', () => {
    expect(ev('slope(loss.step, log(loss.loss))')).toBeCloseTo(libm.log(0.5), 15); // loss = 4·2^(−step)
    expect(ev('slope([1, 2, 3, 4], [2, 4, 5, 4])')).toBeCloseTo(0.7, 15); // Sxy = 3.5, Sxx = 5
    expect(ev('slope(log([8, 16, 32]), log(3 * [8, 16, 32] ** -0.5))')).toBeCloseTo(-0.5, 14);
  });

  it('elementwise math through the portable libm', () => {
    expect(ev('log(10)')).toBe(libm.log(10));
    expect(ev('log10(1000)')).toBe(libm.log10(1000));
    expect(ev('exp(1.5)')).toBe(libm.exp(1.5));
    expect(ev('sqrt(2)')).toBe(Math.sqrt(2));
    expect(ev('abs(-3)')).toBe(3);
    expect(ev('pow(2, 0.5)')).toBe(libm.pow(2, 0.5));
    expect(ev('3 ** 1.7')).toBe(libm.pow(3, 1.7));
    expect(ev('2 ** 3 ** 2')).toBe(512); // right-associative
    expect(ev('(-2) ** 2')).toBe(4);
    expect(values('exp(loss.step)')).toEqual([0, 1, 2, 3, 4].map(libm.exp));
    expect(values('-loss.loss + 1')).toEqual([-3, -1, 0, 0.5, 0.75]);
    expect(values('min(loss.loss, 1)')).toEqual([1, 1, 1, 0.5, 0.25]);
    expect(ev('max(2, 7, 3)')).toBe(7);
    expect(ev('7 % 4 + 10 / 4 - 2 * 3')).toBe(3 + 2.5 - 6);
    expect(ev('pi')).toBe(Math.PI);
  });

  it('constants, lists, indices, strings and logic', () => {
    expect(values('widths * 2')).toEqual([16, 32]);
    expect(ev('widths[-1]')).toBe(16);
    expect(ev('loss.loss[1]')).toBe(2);
    expect(values('loss.loss[loss.loss > 1]')).toEqual([4, 2]);
    expect(ev('loss_kind == "mse"')).toBe(true);
    expect(ev('!(1 > 2) && (2 >= 2 || false)')).toBe(true);
    expect(ev('1 == "1"')).toBe(false); // strict: a number is not its text
    expect(ev('count(sharpness[method != "GD"])')).toBe(1);
  });

  it('by: one value per group, every table with the column restricted; the group value is a name', () => {
    const v = ev('mean(sharpness[method == "GD"].sharpness) by lr');
    expect(v).toEqual({ kind: 'vec', values: [5, 3], labels: ['lr = 0.1', 'lr = 0.2'] });
    expect(values('2 / lr by lr')).toEqual([20, 10]); // inside the group lr is the group's, not the config's
    expect(values('count(sharpness) by method')).toEqual([5, 1]);
    // loss has no column lr: it is not restricted
    expect(values('count(loss) + count(sharpness) by lr')).toEqual([8, 8]);
  });

  it('argmin / argmax over a sweep table, seeds averaged first, with by', () => {
    // Planted: the mean loss over seeds is (lr − lr*(width))², lr* = 0.1 at width 64, 0.01 at width 256.
    const lrs = [0.01, 0.03, 0.1, 0.3];
    const best: Record<number, number> = { 64: 0.1, 256: 0.01 };
    const cells: Row[] = [];
    for (const width of [64, 256]) for (const lr of lrs) for (const seed of [0, 1]) {
      cells.push({ width, lr, seed, final_loss: (lr - best[width]) ** 2 + (seed ? 0.001 : -0.001) });
    }
    const sweep: Scope = { rows: { name: 'cells', rows: cells }, tables: new Map([['cells', cells]]) };
    expect(values('argmin_lr(final_loss) by width', sweep)).toEqual([0.1, 0.01]);
    expect(values('argmax_lr(final_loss) by width', sweep)).toEqual([0.3, 0.3]);
    // over both widths the best single lr is 0.03, neither width's optimum: means 0.00405, 0.00265, 0.00405, …
    expect(ev('argmin(lr, final_loss)', sweep)).toBe(0.03);
    expect(ev('argmax(lr, final_loss)', sweep)).toBe(0.3);
    expect(ev('argmin_lr(cells[width == 64].final_loss)', sweep)).toBe(0.1);
    // a seed that alone would move the argmin does not, once averaged
    const noisy: Row[] = [{ x: 1, y: 0 }, { x: 1, y: 10 }, { x: 2, y: 3 }, { x: 2, y: 3 }];
    expect(ev('argmin(noisy.x, noisy.y)', { tables: new Map([['noisy', noisy]]) })).toBe(2);
    expect(ev('count(cells[width == 256])', sweep)).toBe(8);
  });

  it('every listed function is covered above', () => {
    const src = readFileSync(new URL(import.meta.url), 'utf8');
    for (const f of FUNCTIONS) expect(src.includes(`'${f}(`) || src.includes(` ${f}(`) || src.includes(`(${f}(`) || src.includes(`"${f}(`), f).toBe(true);
  });
});

describe('expression: errors point at the offending token', () => {
  it.each([
    ['meen(loss)', 1, 'unknown function "meen"'],
    ['mean(los)', 6, 'unknown name "los"'],
    ['mean(loss.los)', 11, 'no column "los"'],
    ['mean(loss) ^ 2', 12, 'use ** (or pow(x, y)) for powers'],
    ['mean(loss) | 2', 12, 'use || for "or"'],
    ['mean(loss) +', 13, 'Expected expression after +'],
    ['mean(loss', 10, 'Expected )'],
    ['mean(loss) 2', 12, 'one expression expected'],
    ['slope(loss.step)', 1, 'slope takes 2 arguments (got 1)'],
    ['mean(loss[step > 9])', 6, 'empty selection'],
    ['mean(modes)', 6, 'series modes has no column named modes: pick one, e.g. modes.t'],
    ['1 by 2', 6, '"by" must be followed by a column name'],
    ['mean(loss) by width', 15, 'no table in scope has a column width'],
    ['-lr ** 2', 1, 'ambiguous sign'],
    ['a ? 1 : 2', 1, '?: is not supported'],
    ['lr = 2', 4, 'Unexpected "="'],
    ['mean(loss[method])', 11, 'unknown name "method"'],
    ['mean(loss.loss + [1, 2])', 6, 'columns of different lengths'],
    ['loss_kind * 2', 1, 'needs numbers, got the string "mse"'],
  ])('%s → column %i', (src, column, text) => {
    const e = errorOf(src);
    expect(e.message).toContain(text);
    expect(e.column).toBe(column);
    expect(e.message.startsWith('observable, column')).toBe(true);
    // the caret line sits under the column
    const [, line, caret] = e.message.split('\n');
    expect(line).toBe(`  ${src}`);
    expect(caret.indexOf('^')).toBe(column - 1 + 2);
  });

  it('unknown names list what is defined, unknown functions what is allowed', () => {
    expect(errorOf('nope').message).toContain('series: loss, sharpness, modes; config and metrics: steps, lr, widths, loss_kind');
    expect(errorOf('mean(loss[nope > 1])').message).toContain('columns of loss: step, loss');
    expect(errorOf('f(1)').message).toContain('allowed functions: mean, median, min, max, sum, count, first, last, std, slope');
  });
});

describe('expression: no access to globals or prototypes', () => {
  it.each([
    'constructor', '__proto__', 'toString', 'valueOf', 'hasOwnProperty', 'globalThis', 'process', 'window', 'Function', 'eval', 'Math',
  ])('the name %s is unknown', (name) => {
    expect(errorOf(name).message).toContain(`unknown name "${name}"`);
  });

  it.each([
    ['loss.constructor', 'no column "constructor"'],
    ['loss.__proto__', 'no column "__proto__"'],
    ['loss["constructor"]', 'needs a condition on its rows'],
    ['loss.loss["constructor"]', 'integer index or a condition'],
    ['mean.constructor', 'unknown name "mean"'],
    ['constructor(1)', 'unknown function "constructor"'],
    ['toString()', 'unknown function "toString"'],
    ['Math.log(2)', 'only named functions can be called'],
    ['this', '"this" is not a name here'],
    ['(1).constructor', 'only a series has columns'],
    ['"x".constructor', 'only a series has columns'],
    ['[1].constructor', 'only a series has columns'],
    ['mean(loss).constructor', 'only a series has columns'],
    ['f = 1', 'Unexpected "="'],
  ])('%s is refused', (src, text) => {
    expect(errorOf(src).message).toContain(text);
  });

  it('an own "__proto__" or "constructor" column (from JSON) is data, and nothing leaks onto prototypes', () => {
    const rows = JSON.parse('[{"__proto__": 3, "constructor": 5, "x": 1}, {"__proto__": 4, "constructor": 6, "x": 2}]') as Row[];
    const scope: Scope = { tables: new Map([['t', rows]]) };
    expect(ev('sum(t.__proto__) + sum(t.constructor)', scope)).toBe(18);
    expect(ev('mean(t[constructor > 5].x)', scope)).toBe(2);
    ev('mean(loss[step >= 0]) by step');
    expect(({} as Record<string, unknown>).loss).toBeUndefined();
    expect(Object.keys(Object.prototype)).toEqual([]);
  });

  it('a parse leaves jsep usable for the next, and positions do not leak between parses', () => {
    expect(() => parseExpression('mean(', 'a')).toThrow(ExpressionError);
    expect(evaluate(parseExpression('1 + 2', 'b'), {})).toBe(3);
  });
});

// ───────────────────────────── hypotheses ─────────────────────────────

const YAML = `# a comment
name: planted
experiment: dln
overrides: { depth: 2 }
observable: mean(loss)
prediction: 2
tolerance: 10%
`;

describe('hypothesis files: tolerance, validation, hashing', () => {
  it('tolerance text', () => {
    expect(parseToleranceText('±0.05')).toEqual({ kind: 'abs', value: 0.05 });
    expect(parseToleranceText('0.05')).toEqual({ kind: 'abs', value: 0.05 });
    expect(parseToleranceText('10%')).toEqual({ kind: 'rel', value: 0.1 });
    expect(parseToleranceText('± 5 %')).toEqual({ kind: 'rel', value: 0.05 });
    expect(parseToleranceText('[0.9, 1.1]')).toEqual({ kind: 'range', lo: 0.9, hi: 1.1 });
    expect(parseToleranceText('[1.05, inf]')).toEqual({ kind: 'range', lo: 1.05, hi: Infinity });
    expect(() => parseToleranceText('[2, 1]')).toThrow('lo ≤ hi');
    expect(() => parseToleranceText('-1')).toThrow('≥ 0');
    expect(() => parseToleranceText('lots')).toThrow('is not a tolerance');
  });

  it('bad input names the field (and, for expressions, the column)', () => {
    expect(() => parseHypothesisText(YAML.replace('tolerance', 'tolerence'), 'h.yaml')).toThrow(/h\.yaml.*tolerence/s);
    expect(() => parseHypothesisText(YAML.replace('name: planted', 'name: "two words"'), 'h.yaml')).toThrow('h.yaml: name: letters, digits');
    expect(() => parseHypothesisText(YAML.replace('mean(loss)', 'mean(loss) ^ 2'), 'h.yaml')).toThrow('h.yaml: observable, column 12: operator ^ is not allowed');
    expect(() => parseHypothesisText(`${YAML}regime: ["max(loss) <"]`, 'h.yaml')).toThrow('h.yaml: regime[0], column');
    expect(() => parseHypothesisText('name: [', 'h.yaml')).toThrow('h.yaml: not valid YAML');
  });

  it('the hash: SHA-256 of the canonical hypothesis; layout, comments, key order and JSON vs YAML do not change it', async () => {
    const a = parseHypothesisText(YAML, 'a.yaml').h;
    const b = parseHypothesisText(JSON.stringify({ tolerance: '10%', prediction: 2, observable: 'mean(loss)', overrides: { depth: 2 }, experiment: 'dln', name: 'planted' }), 'b.json').h;
    const hash = await hypothesisHash(a);
    expect(await hypothesisHash(b)).toBe(hash);
    // the independent route: node:crypto over the canonical JSON, with the defaults filled in
    const canonical = canonicalJson({ format: 'lmech-hypothesis/1', ...a });
    expect(canonicalHypothesis(a)).toBe(canonical);
    expect(hash).toBe(createHash('sha256').update(canonical).digest('hex'));
    expect(canonical).toContain('"expect":"confirmed"');
  });

  it('editing the tolerance (or the prediction) after the run makes a new hypothesis', async () => {
    const base = await hypothesisHash(parseHypothesisText(YAML).h);
    const looser = await hypothesisHash(parseHypothesisText(YAML.replace('10%', '20%')).h);
    const moved = await hypothesisHash(parseHypothesisText(YAML.replace('prediction: 2', 'prediction: 2.1')).h);
    expect(new Set([base, looser, moved]).size).toBe(3);
  });
});

const cell = (series: Record<string, Row[]>, config: Record<string, unknown> = {}, extra: Partial<CellData> = {}): CellData => ({
  index: 0, coords: {}, config, summary: {}, series: new Map(Object.entries(series)), status: 'done', ...extra,
});

describe('the verdict on planted runs', () => {
  const h = (o: Record<string, unknown>) => compileHypothesis({ name: 'p', experiment: 'dln', observable: 'mean(loss)', prediction: 1.5, tolerance: '±0.1', ...o });

  it('one run: confirmed, falsified, out of regime (a failed condition never falsifies)', () => {
    const runs = [cell({ loss: [{ loss: 1 }, { loss: 2 }] })];
    expect(judgeHypothesis(h({}), runs).verdict).toBe('confirmed');
    expect(judgeHypothesis(h({ prediction: 3 }), runs).verdict).toBe('falsified');
    const oor = judgeHypothesis(h({ prediction: 3, regime: ['max(loss) < 1.5', { name: 'long enough', when: 'count(loss) >= 2' }] }), runs);
    expect(oor.verdict).toBe('out-of-regime');
    expect(oor.regime).toEqual([
      { name: 'max(loss) < 1.5', value: 2, limit: 1.5, bound: 'max', ok: false },
      { name: 'long enough', value: 2, limit: 2, bound: 'min', ok: true },
    ]);
    expect(oor.checks[0].note).toContain('max(loss) < 1.5 = 2');
  });

  it('a prediction expression over the config, a by giving one check per group, and the uncertainty', () => {
    const runs = [cell({ s: [{ lr: 0.1, s: 20.5 }, { lr: 0.2, s: 9 }] })];
    const out = judgeHypothesis(h({ observable: 'mean(s) by lr', prediction: '2 / lr by lr', tolerance: '5%', uncertainty: '0.5' }), runs);
    expect(out.observable).toEqual({ values: [20.5, 9], labels: ['lr = 0.1', 'lr = 0.2'] });
    expect(out.prediction).toEqual([20, 10]);
    expect(out.checks.map((c) => [c.name, c.verdict, c.uncertainty])).toEqual([['p (lr = 0.1)', 'confirmed', 0.5], ['p (lr = 0.2)', 'falsified', 0.5]]);
    expect(out.verdict).toBe('falsified');
  });

  it('a sweep: per-cell measures become columns of the cells table; shared config fields are constants', () => {
    const runs = [1, 2, 4].map((w, i) => cell({ d: [{ d: 3 / Math.sqrt(w) }, { d: 3 / Math.sqrt(w) }] }, { width: w, depth: 3 }, { index: i, coords: { width: w } }));
    const out = judgeHypothesis(compileHypothesis({
      name: 's', experiment: 'dln', axes: ['width=1,2,4'], per_cell: { dev: 'mean(d)' },
      observable: 'slope(log(width), log(dev))', prediction: -0.5, tolerance: '±0.01', regime: ['depth / min(width) <= 3'],
    }), runs);
    expect(out.checks[0].measured).toBeCloseTo(-0.5, 14);
    expect(out.verdict).toBe('confirmed');
    expect(out.cells?.map((r) => [r.width, r.dev])).toEqual([[1, 3], [2, 3 / Math.SQRT2], [4, 1.5]]);
  });

  it('a diverged run puts the hypothesis out of regime unless allow_diverged', () => {
    const runs = [cell({ loss: [{ loss: 1.5 }] }, {}, { status: 'diverged' })];
    expect(judgeHypothesis(h({}), runs).verdict).toBe('out-of-regime');
    expect(judgeHypothesis(h({ allow_diverged: true }), runs).verdict).toBe('confirmed');
  });

  it('names the run did not record are bad input, with the series listed', () => {
    expect(() => judgeHypothesis(h({ observable: 'mean(sharp)' }), [cell({ loss: [{ loss: 1 }] }, { lr: 0.1 })]))
      .toThrow(/unknown name "sharp"; series: loss; config and metrics: lr/);
  });
});

describe('the store keeps the first registration and never edits a finished test', () => {
  it('registerHypothesis, startHypothesisTest, finishHypothesisTest, hypothesisHistory', async () => {
    const store = Store.open(':memory:');
    const reg = { hash: 'h1', name: 'p', labVersion: '0', spec: '{}', text: 'first' };
    const a = store.registerHypothesis(reg);
    await new Promise((r) => setTimeout(r, 5));
    const b = store.registerHypothesis({ ...reg, text: 'second' });
    expect(a.first).toBe(true);
    expect(b).toEqual({ registeredAt: a.registeredAt, first: false, text: 'first', fileSha256: null });
    const t = store.startHypothesisTest('h1', 'sweep');
    expect(t.startedAt >= a.registeredAt).toBe(true);
    store.finishHypothesisTest(t.id, { status: 'done', verdict: 'falsified' });
    store.finishHypothesisTest(t.id, { status: 'done', verdict: 'confirmed' }); // ignored: already finished
    store.registerHypothesis({ ...reg, hash: 'h2' }); // the tolerance loosened: a new hypothesis
    const hist = store.hypothesisHistory('p');
    expect(hist.map((v) => [v.hash, v.tests.map((x) => x.verdict)])).toEqual([['h1', ['falsified']], ['h2', []]]);
    store.close();
  });
});

// ───────────────────────────── the CLI ─────────────────────────────

// The CLI runs from dist/ (built by `npm test` before vitest); LMECH_BIN may point at another build.
const BIN = process.env.LMECH_BIN ?? 'bin/lmech.js';
const lmech = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 240_000 });

describe('lmech test', () => {
  it('bad input: exit 2 naming the file, the field and the column; nothing registered', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lmech-hyp-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, YAML.replace('mean(loss)', 'mean(loss) ^ 2'));
    const r = lmech('test', file, '--store', join(dir, 'lab.sqlite'), '--out', join(dir, 'out'));
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toContain(`${file}: observable, column 12: operator ^ is not allowed`);
    expect(existsSync(join(dir, 'lab.sqlite'))).toBe(false);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('pre-registration is on record before the run starts: a run that fails still leaves it, older than the run', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lmech-hyp-'));
    const file = join(dir, 'fails.yaml');
    // pool 3 passes the schema (1…14) but the experiment refuses it when the run starts (28 % 3 ≠ 0).
    writeFileSync(file, 'name: fails\nexperiment: edge-of-stability\noverrides: { pool: 3, steps: 10 }\nobservable: mean(sharpness.ratio)\nprediction: 1\ntolerance: 10%\n');
    const store = join(dir, 'lab.sqlite'), out = join(dir, 'out');
    const r = lmech('test', file, '--store', store, '--out', out, '--workers', '1');
    expect(r.status, r.stdout + r.stderr).toBe(3);
    expect(r.stdout).toContain('runs failed: pool: must divide 28');
    const pre = JSON.parse(readFileSync(join(out, 'preregistration.json'), 'utf8'));
    expect(pre).toMatchObject({ format: 'lmech-preregistration/1', name: 'fails', file, text: readFileSync(file, 'utf8') });
    expect(pre.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(pre.fileSha256).toBe(createHash('sha256').update(readFileSync(file)).digest('hex'));
    const db = new Database(store, { readonly: true });
    const h = db.prepare('SELECT hash, registered_at FROM hypotheses').get() as { hash: string; registered_at: string };
    const t = db.prepare('SELECT status, started_at, error FROM hypothesis_tests').get() as { status: string; started_at: string; error: string };
    const c = db.prepare('SELECT status, started_at FROM cells').get() as { status: string; started_at: string };
    db.close();
    expect(h).toEqual({ hash: pre.hash, registered_at: pre.registeredAt });
    expect(t.status).toBe('failed');
    expect(t.error).toContain('pool: must divide 28');
    expect(c.status).toBe('failed');
    // registered ≤ test started ≤ the run started (ISO timestamps order as text)
    expect(pre.registeredAt <= t.started_at && t.started_at <= c.started_at).toBe(true);
    // and the file was written before the report (which the run's end wrote)
    expect(statSync(join(out, 'preregistration.json')).mtimeMs).toBeLessThanOrEqual(statSync(join(out, 'report.json')).mtimeMs);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.outcome).toBeNull();
    expect(report.preregistration.hash).toBe(pre.hash);
  });

  it('the five shipped examples give their expected verdicts, with pre-registered reports', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lmech-hyp-'));
    const files = readdirSync('examples/hypotheses').filter((f) => f.endsWith('.yaml')).sort().map((f) => join('examples/hypotheses', f));
    expect(files).toHaveLength(5);
    const r = lmech('test', ...files, '--store', join(dir, 'lab.sqlite'), '--out', join(dir, 'out'), '--json', '--workers', '2');
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const { hypotheses } = JSON.parse(r.stdout) as { hypotheses: { name: string; verdict: string; expect: string; hash: string; registeredAt: string; checks: { measured: number }[] }[] };
    const verdicts = Object.fromEntries(hypotheses.map((x) => [x.name, x.verdict]));
    expect(verdicts).toEqual({
      'dln-half-time-large-init': 'out-of-regime',
      'dln-half-time-vs-init': 'confirmed',
      'eos-plateau-cross-entropy': 'falsified',
      'eos-plateau-mse': 'confirmed',
      'ntk-fluctuations-width': 'confirmed',
    });
    for (const x of hypotheses) {
      expect(x.verdict).toBe(x.expect);
      const html = readFileSync(join(dir, 'out', x.name, 'report.html'), 'utf8');
      expect(html).toContain(x.hash);
      expect(html).toContain(x.registeredAt);
      expect(html).toContain('registered before the first run started');
      expect(JSON.parse(readFileSync(join(dir, 'out', x.name, 'preregistration.json'), 'utf8')).hash).toBe(x.hash);
    }
    // Rerun: the runs come from the store, the registrations keep their first time, and the report says the data came first.
    const again = lmech('test', files[0], '--store', join(dir, 'lab.sqlite'), '--json');
    expect(again.status).toBe(0);
    const first = hypotheses.find((x) => files[0].includes(x.name))!;
    expect(JSON.parse(again.stdout).hypotheses[0]).toMatchObject({ hash: first.hash, registeredAt: first.registeredAt, verdict: first.verdict });
  }, 240_000);
});
