/**
 * `lmech test FILE…`: test the researcher's own hypotheses (src/lab/hypothesis.ts).
 *
 *   lmech test hypothesis.yaml [more.yaml …] [--out DIR] [--workers N] [--store PATH] [--backend B] [--json] [--quiet]
 *
 * For each file: validate it (every expression parsed, the experiment's config checked), hash it,
 * put it on record in the run store (table `hypotheses`, keeping the first registration time of
 * a hash) and, with --out, write DIR/preregistration.json atomically — all before any run starts.
 * Then its runs go through the sweep machinery (one cell without axes or seeds; cells already in
 * the store are reused and the report says so), the observable is evaluated against the
 * prediction, and the verdict table is printed; with --out, report.json and report.html (several
 * files: one subdirectory DIR/<name> each). A test's verdict is written once into the store
 * (table `hypothesis_tests`) and never edited: an edited tolerance is a new hypothesis.
 *
 * Exit: 0 every verdict is the one its file expects (`expect`, default confirmed), 1 some verdict
 * is not, 2 bad input (file, expression, options; also an expression naming a series or column
 * the run did not record), 3 a run failed, 130 interrupted.
 */
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ConfigError } from '../../experiments/config.js';
import { getExperiment } from '../../experiments/registry.js';
import type { Experiment } from '../../experiments/types.js';
import { fmt } from '../../experiments/verdict.js';
import type { Row } from '../../experiments/runner.js';
import { FINAL, Store } from '../../lab/store.js';
import { expandSweep, type SweepSpec } from '../../lab/sweep.js';
import { specFromFile } from '../../lab/sweep-file.js';
import { runSweep, type SweepProgress } from '../../lab/run-sweep.js';
import { parseWorkers } from '../../lab/pool.js';
import { cellHash, labVersion, sweepId } from '../../lab/identity.js';
import {
  PREREGISTRATION_FORMAT, canonicalHypothesis, hypothesisHash, judgeHypothesis, parseHypothesisText, sha256Hex,
  type CellData, type CompiledHypothesis, type HypothesisOutcome, type PreRegistration,
} from '../../lab/hypothesis.js';
import { HYPOTHESIS_REPORT_FORMAT, renderHypothesisHtml, type HypothesisCellSummary, type HypothesisReport } from '../../reports/hypothesis-report.js';
import { tolText } from '../../reports/html.js';
import { table } from '../../reports/table.js';
import { claimOutDir, type ClaimedDir } from '../../io/out-dir.js';
import { makeDirs, writeFileAtomic } from '../../io/fs-safe.js';

export const DEFAULT_STORE = 'lmech-runs/lab.sqlite';
const EXIT = { ok: 0, verdict: 1, usage: 2, runtime: 3, interrupted: 130 } as const;
export const PREREGISTRATION_FILE = 'preregistration.json';

export interface TestArgs {
  files: string[];
  out?: string;
  workers?: string;
  store?: string;
  backend?: string;
  json?: boolean;
  quiet?: boolean;
}

export function parseTestArgs(words: string[]): TestArgs {
  const a: TestArgs = { files: [] };
  const own = new Set(['--out', '--workers', '--store', '--backend']);
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    const eq = w.indexOf('=');
    const flag = w.startsWith('--') && eq > 0 ? w.slice(0, eq) : w;
    if (own.has(flag)) {
      let v: string;
      if (flag !== w) v = w.slice(eq + 1);
      else { if (i + 1 >= words.length) throw new ConfigError(`${w} needs a value`); v = words[++i]; }
      (a as unknown as Record<string, string>)[flag.slice(2)] = v;
    } else if (w === '--json') a.json = true;
    else if (w === '--quiet') a.quiet = true;
    else if (w.startsWith('-')) throw new ConfigError(`test: unknown option ${w}; options: --out DIR, --workers N, --store PATH, --backend native|wasm|reference, --json, --quiet`);
    else a.files.push(w);
  }
  if (!a.files.length) throw new ConfigError('test: name a hypothesis file (YAML or JSON), e.g. lmech test examples/hypotheses/eos-plateau-mse.yaml');
  return a;
}

/** A hypothesis file read, validated and compiled, with the sweep it asks for. */
export interface LoadedHypothesis {
  file: string;
  text: string;
  compiled: CompiledHypothesis;
  exp: Experiment;
  spec: SweepSpec;
}

export function loadHypothesisFile(file: string): LoadedHypothesis {
  let text: string;
  try { text = readFileSync(file, 'utf8'); } catch (e) { throw new ConfigError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`); }
  const compiled = parseHypothesisText(text, file);
  const h = compiled.h;
  let exp: Experiment;
  try { exp = getExperiment(h.experiment); } catch (e) { throw new ConfigError(`${file}: experiment: ${(e as Error).message}`); }
  let spec: SweepSpec;
  try {
    spec = specFromFile(exp, { experiment: exp.name, fixed: h.overrides, axes: h.axes as never, ...(h.seeds !== undefined ? { seeds: h.seeds } : {}) });
    expandSweep(exp, spec); // every cell's config validated before anything is registered
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError(`${file}: ${e.message}`);
    throw e;
  }
  return { file, text, compiled, exp, spec };
}

function progressBar(enabled: boolean, name: string) {
  if (!enabled || !process.stderr.isTTY) return { update: (_p: SweepProgress) => {}, stop: () => {} };
  let shown = false;
  return {
    update(p: SweepProgress) {
      process.stderr.write(`\r${name}: ${p.done}/${p.total} runs done, ${p.running} running${p.failed ? `, ${p.failed} failed` : ''}   `);
      shown = true;
    },
    stop() { if (shown) process.stderr.write('\r\x1b[K'); shown = false; },
  };
}

interface TestResult { name: string; file: string; hash: string; registeredAt: string; expect: string; verdict: string | null; code: number; outcome: HypothesisOutcome | null; error?: string; dir?: string }

function cellsOf(store: Store, sweep: string, cells: ReturnType<Store['sweepCells']>): CellData[] {
  return cells.map((c) => ({
    index: c.index, coords: c.coords, config: c.config, summary: c.summary ?? {}, status: c.status, verdict: c.verdict,
    series: new Map(store.seriesOf(c.hash).map(({ series }) => [series, store.rows(c.hash, series)] as [string, Row[]])),
  }));
}

function printOutcome(r: TestResult, l: LoadedHypothesis): void {
  const h = l.compiled.h;
  process.stdout.write(`${h.name}${h.claim ? ` — ${h.claim}` : ''}\n${l.exp.name}${h.strand ? ` · ${h.strand}` : ''}\n`);
  if (r.outcome) {
    const rows = [['check', 'predicted', 'measured', 'tolerance', 'verdict'], ...r.outcome.checks.map((c) => [
      c.name, fmt(c.predicted), `${fmt(c.measured)}${c.uncertainty !== undefined ? ` ± ${fmt(c.uncertainty)}` : ''}`, tolText(c.tolerance), c.verdict,
    ])];
    process.stdout.write(`\n${table(rows, process.stdout.isTTY)}\n`);
    const unmet = r.outcome.regime.filter((c) => !c.ok);
    if (unmet.length) process.stdout.write(`regime not met: ${unmet.map((c) => `${c.name} (${fmt(c.value)})`).join('; ')}\n`);
  }
  if (r.error) process.stdout.write(`\nerror: ${r.error}\n`);
  process.stdout.write(`\nverdict: ${r.verdict ?? 'none'} (expected ${r.expect})${r.verdict === r.expect ? '' : ' ← not as expected'}\n`);
  process.stdout.write(`hypothesis ${r.hash} registered ${r.registeredAt}\n`);
  if (r.dir) process.stdout.write(`report: ${join(r.dir, 'report.html')}\n`);
}

async function testOne(l: LoadedHypothesis, store: Store, claim: ClaimedDir | undefined, args: TestArgs, signal: AbortSignal): Promise<TestResult> {
  const h = l.compiled.h;
  const hash = await hypothesisHash(h);
  const lab = labVersion();
  const fileSha256 = await sha256Hex(readFileSync(l.file));
  // On record before any run starts: the store (first registration of this hash) and DIR/preregistration.json.
  const reg = store.registerHypothesis({ hash, name: h.name, labVersion: lab, file: l.file, fileSha256, spec: canonicalHypothesis(h), text: l.text });
  const registeredAt = reg.registeredAt;
  // A hash registered before keeps its first text (this file may differ in comments and layout only).
  const pre: PreRegistration = {
    format: PREREGISTRATION_FORMAT, hash, name: h.name, claim: h.claim, registeredAt, labVersion: lab,
    file: l.file, fileSha256: reg.fileSha256 ?? fileSha256, text: reg.text ?? l.text, hypothesis: h,
  };
  if (claim) writeFileAtomic(join(claim.dir, PREREGISTRATION_FILE), JSON.stringify(pre, null, 2) + '\n');
  const sweep = sweepId(l.spec, lab);
  const test = store.startHypothesisTest(hash, sweep);
  const bar = progressBar(!args.json && !args.quiet, h.name);
  const base = { name: h.name, file: l.file, hash, registeredAt, expect: h.expect };
  let outcome: HypothesisOutcome | null = null;
  let error: string | undefined;
  let code: number = EXIT.ok;
  // Runs already final in the store (from any sweep) are reused: measured before this registration.
  const reused = new Set(expandSweep(l.exp, l.spec).map((c) => cellHash(l.exp.name, c.config, lab)).filter((k) => {
    const c = store.cell(k);
    return c !== null && FINAL.includes(c.status);
  }));
  try {
    const run = await runSweep(l.exp, l.spec, { store, workers: parseWorkers(args.workers), backend: args.backend, signal, onProgress: (p) => bar.update(p) });
    bar.stop();
    const cells = store.sweepCells(run.id);
    const failed = cells.filter((c) => c.status === 'failed');
    const pending = cells.filter((c) => c.status === 'queued' || c.status === 'running');
    if (signal.aborted || pending.length) { error = 'interrupted before every run finished'; code = EXIT.interrupted; }
    else if (failed.length) { error = `${failed.length} of ${cells.length} runs failed: ${failed[0].error ?? 'unknown error'}`; code = EXIT.runtime; }
    else {
      try {
        outcome = judgeHypothesis(l.compiled, cellsOf(store, run.id, cells));
        code = outcome.verdict === h.expect ? EXIT.ok : EXIT.verdict;
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        error = e.message; code = EXIT.usage;
      }
    }
  } catch (e) {
    bar.stop();
    error = (e as Error).message; code = e instanceof ConfigError ? EXIT.usage : EXIT.runtime;
  }
  const finishedAt = store.finishHypothesisTest(test.id, outcome ? { status: 'done', verdict: outcome.verdict, outcome } : { status: 'failed', error });
  const result: TestResult = { ...base, verdict: outcome?.verdict ?? null, code, outcome, ...(error ? { error } : {}), ...(claim ? { dir: claim.dir } : {}) };
  if (claim) {
    const cells = store.sweepCells(sweep);
    const summaries: HypothesisCellSummary[] = cells.map((c) => ({
      index: c.index, hash: c.hash, coords: c.coords, status: c.status, verdict: c.verdict, seconds: c.seconds,
      startedAt: c.startedAt, reused: reused.has(c.hash), ...(c.error ? { error: c.error } : {}),
    }));
    const report: HypothesisReport = {
      format: HYPOTHESIS_REPORT_FORMAT, preregistration: pre,
      test: { id: test.id, startedAt: test.startedAt, finishedAt, sweep, store: store.path },
      expect: h.expect, outcome, ...(error ? { error } : {}), cells: summaries,
      history: store.hypothesisHistory(h.name).map((v) => ({ hash: v.hash, registeredAt: v.registeredAt, tests: v.tests.map((t) => ({ status: t.status, verdict: t.verdict, finishedAt: t.finishedAt })) })),
    };
    writeFileAtomic(join(claim.dir, 'report.json'), JSON.stringify(report, null, 1) + '\n');
    const single = !l.compiled.sweep && cells.length === 1 && cells[0].status !== 'failed'
      ? { config: cells[0].config, series: new Map(store.seriesOf(cells[0].hash).map(({ series }) => [series, store.rows(cells[0].hash, series)] as [string, Row[]])) }
      : undefined;
    writeFileAtomic(join(claim.dir, 'report.html'), renderHypothesisHtml(report, l.exp, single));
  }
  return result;
}

export async function cmdTest(words: string[]): Promise<number> {
  const args = parseTestArgs(words);
  parseWorkers(args.workers);
  // Every file validated before anything is registered or run.
  const loaded = args.files.map(loadHypothesisFile);
  const names = new Set<string>();
  for (const l of loaded) {
    if (names.has(l.compiled.h.name) && args.out) throw new ConfigError(`${l.file}: another file is also named ${l.compiled.h.name} (each gets --out DIR/<name>)`);
    names.add(l.compiled.h.name);
  }
  const storePath = args.store ?? DEFAULT_STORE;
  try { makeDirs(dirname(storePath)); } catch (e) { throw new ConfigError(`--store: cannot create ${dirname(storePath)} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`); }
  const claims: (ClaimedDir | undefined)[] = loaded.map((l) => args.out ? claimOutDir(loaded.length === 1 ? args.out : join(args.out, l.compiled.h.name.replace(/[^\w.-]/g, '_'))) : undefined);
  const store = Store.open(storePath);
  const ac = new AbortController();
  const onSigint = () => {
    if (ac.signal.aborted) process.exit(EXIT.interrupted);
    process.stderr.write('\ninterrupted: no new runs start; running ones stop at their next step (Ctrl-C again to quit now)\n');
    ac.abort();
  };
  process.on('SIGINT', onSigint);
  const results: TestResult[] = [];
  try {
    for (let i = 0; i < loaded.length; i++) {
      if (ac.signal.aborted) break;
      const r = await testOne(loaded[i], store, claims[i], args, ac.signal);
      results.push(r);
      if (!args.json) { printOutcome(r, loaded[i]); if (loaded.length > 1) process.stdout.write('\n'); }
    }
  } finally {
    process.off('SIGINT', onSigint);
    store.close();
    for (const c of claims) c?.release();
  }
  if (args.json) {
    process.stdout.write(JSON.stringify({
      store: storePath,
      hypotheses: results.map((r) => ({
        name: r.name, file: r.file, hash: r.hash, registeredAt: r.registeredAt, expect: r.expect, verdict: r.verdict, asExpected: r.verdict === r.expect,
        ...(r.error ? { error: r.error } : {}), ...(r.dir ? { report: join(r.dir, 'report.html') } : {}),
        checks: r.outcome?.checks ?? [], regime: r.outcome?.regime ?? [],
      })),
    }) + '\n');
  } else if (results.length > 1) {
    const rows = [['hypothesis', 'file', 'verdict', 'expected', ''], ...results.map((r) => [r.name, basename(r.file), r.verdict ?? (r.error ? 'error' : '—'), r.expect, r.verdict === r.expect ? 'ok' : 'NO'])];
    process.stdout.write(`${table(rows, process.stdout.isTTY)}\n`);
  }
  if (results.length < loaded.length || results.some((r) => r.code === EXIT.interrupted)) return EXIT.interrupted;
  // The most serious: bad input, then a runtime failure, then a verdict not as expected.
  for (const c of [EXIT.usage, EXIT.runtime, EXIT.verdict]) if (results.some((r) => r.code === c)) return c;
  return EXIT.ok;
}

const HELP = `lmech test FILE [FILE …] [--out DIR] [--workers N] [--store PATH] [--backend native|wasm|reference] [--json] [--quiet]

Test your own hypothesis: a YAML or JSON file naming an experiment (overrides, optional axes and
seeds), the observable as an expression over the run's series and config, the prediction with its
tolerance, and the regime it assumes (examples/hypotheses/*.yaml). The file is hashed and put on
record (store table hypotheses; with --out, DIR/preregistration.json) before any run starts; then
the runs go through the sweep machinery (cells already in the store are reused), and the verdict
table is printed; --out also writes report.json and report.html (several files: DIR/<name>/).

expressions: mean median min max sum count first last std slope(x, y) argmin(x, y) argmax(x, y)
  argmin_<x>(y) argmax_<x>(y) log log10 exp sqrt abs pow; series[cond], series.column, … by column
exit: 0 every verdict as its file expects (expect:, default confirmed), 1 a verdict not as expected,
  2 bad input (file, expression, options), 3 a run failed, 130 interrupted
`;

export function register(program: Command): void {
  program.command('test [files...]')
    .description('test your own hypothesis file: pre-registered, run through the sweep machinery, verdict against its prediction')
    .allowUnknownOption().allowExcessArguments().helpOption(false)
    .action(async (_f: string[] | undefined, _o: unknown, cmd: Command) => {
      const words = cmd.args;
      if (words.includes('--help') || words.includes('-h')) { process.stdout.write(HELP); process.exitCode = 0; return; }
      process.exitCode = await cmdTest(words);
    });
}
