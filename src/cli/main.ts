/**
 * lmech — the command line of the learning-mechanics lab.
 *   lmech verify            every registered experiment, quick config, verdict table
 *   lmech run <name> [...]  one experiment with any config option as a flag
 *   lmech list              experiments and their options
 *   lmech report DIR        rebuild the report of an interrupted or killed run
 *
 * Runs go to worker threads (src/lab/pool.ts), even one run on one worker, so this thread
 * stays free for Ctrl-C: the first stops the work within a step (a shared stop flag) and writes
 * what was measured, marked interrupted; the second exits at once (130).
 *
 * Exit codes (EXIT below): 0 every verdict as expected, 1 a falsified or unexpected verdict,
 * 2 bad input or usage, 3 runtime failure, 130 interrupted.
 */
import { Command, CommanderError } from 'commander';
import cliProgress from 'cli-progress';
import { join } from 'node:path';
import { readdirSync } from 'node:fs';
import { selectBackend } from './backend.js';
import { experiments } from '../experiments/registry.js';
import { ConfigError, configFromArgs, describeOptions, parseConfig } from '../experiments/config.js';
import type { Experiment } from '../experiments/types.js';
import type { ExperimentRecord, Verdict } from '../experiments/types.js';
import { checksTable, table } from '../reports/table.js';
import { commands } from './commands/index.js';
import { register as registerReport } from './commands/report.js';
import { register as registerAtlas, checkSiteDir } from './commands/atlas.js';
import { buildSite, writeVerifyAtlas } from '../reports/atlas-site.js';
import { parseWorkers, poolCells, runTasks } from '../lab/pool.js';
import { finishCellHere, runCellHere, type CellOutcome, type CellTask } from '../lab/cell.js';
import type { WorkerJob, WorkerResult } from '../lab/cell-worker.js';
import { prepareRun, type CellResult } from '../experiments/runner.js';
import { parseSeeds } from '../lab/sweep.js';
import { claimOutDir, type ClaimedDir } from '../io/out-dir.js';
import { manifestOf, writeManifest } from '../reports/manifest.js';
import { makeDirs, writeFileAtomic } from '../io/fs-safe.js';
import { MatrixFormatError } from '../io/npy.js';
import { CheckpointError } from '../io/checkpoint.js';
import { parseFigureFormats, type FigureFormat } from '../reports/figure-export.js';
import { writeFigures } from '../reports/figure-files.js';
import { readSeriesFile } from './commands/report.js';
import { checkDataConfig, isDataFile, loadUserData, UserDataError, type DataSummary, type DataTask } from '../data/user-data.js';
import { plainMath } from '../reports/math.js';

export const EXIT = { ok: 0, verdict: 1, usage: 2, runtime: 3, interrupted: 130 } as const;

export const EXIT_HELP = `
Exit codes:
  0    every verdict as expected (run: not falsified)
  1    a falsified verdict, or (verify) a verdict other than the expected one
  2    bad input or usage: unknown command, experiment or flag, a missing or invalid value,
       an --out directory in use or not empty, a computation over --max-memory
  3    runtime failure (an error while running)
  130  interrupted (Ctrl-C): what was measured is written, marked interrupted
`;

interface Common { json?: boolean; out?: string; backend?: string; quiet?: boolean; workers?: string; subdir?: boolean }

/** Ctrl-C once: stop at the next step and write what was measured; twice: exit now. */
function interruptible(what = 'finishing the current step and writing what was measured'): AbortController {
  const ac = new AbortController();
  process.on('SIGINT', () => {
    if (ac.signal.aborted) process.exit(EXIT.interrupted);
    process.stderr.write(`\ninterrupted: ${what} (Ctrl-C again to quit)\n`);
    ac.abort();
  });
  return ac;
}

function progressBar(enabled: boolean) {
  if (!enabled || !process.stderr.isTTY) return { update: (_f: number, _l?: string) => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar({ stream: process.stderr, format: '{label} [{bar}] {percentage}% | {duration_formatted}', hideCursor: true, clearOnComplete: true }, cliProgress.Presets.shades_classic);
  let started = false;
  return {
    update(f: number, label = '') {
      if (!started) { bar.start(100, 0, { label }); started = true; }
      bar.update(Math.round(100 * f), { label });
    },
    stop() { if (started) bar.stop(); },
  };
}

function jsonRecord(r: ExperimentRecord) {
  return {
    experiment: r.experiment, ...(r.label ? { label: r.label } : {}), config: r.config, status: r.status,
    checks: r.checks.map((c) => ({ name: c.name, quantity: c.quantity, predicted: c.predicted, measured: c.measured, ...(c.uncertainty !== undefined ? { uncertainty: c.uncertainty } : {}), tolerance: c.tolerance, verdict: c.verdict, ...(c.note ? { note: c.note } : {}) })),
    regime: r.regime, verdict: r.verdict, ...(r.data ? { data: r.data } : {}), seconds: Number(r.seconds.toFixed(3)),
  };
}

/** Experiments that train on a dataset the user may give (`--data FILE [--labels FILE]`). */
const takesUserData = (e: Experiment) => { const s = (e.schema as unknown as { shape?: Record<string, unknown> }).shape ?? {}; return 'data' in s && 'labels' in s && 'task' in s; };

/**
 * `--data`/`--labels` given to an experiment whose prediction is derived for the data it generates
 * itself (a teacher, the sphere, whitened inputs): a usage error that says so, not "unknown option".
 */
function refuseUserData(exp: Experiment, args: string[]): void {
  if (takesUserData(exp)) return;
  const flag = args.find((a) => /^--(data|labels|task)(=|$)/.test(a));
  if (!flag) return;
  const takers = experiments.filter(takesUserData).map((e) => e.name).join(', ');
  throw new ConfigError(`${flag.split('=')[0]}: ${exp.name} does not train on user data: its prediction is derived for the data it generates itself (${exp.strand}); experiments that take --data FILE: ${takers}`);
}

/** A run on the user's data file: read and validate it here, before any directory is claimed (bad data is a usage error), for the manifest. */
async function userDataOf(exp: Experiment, config: Record<string, unknown>): Promise<DataSummary | undefined> {
  if (!takesUserData(exp)) return undefined;
  checkDataConfig(config as Parameters<typeof checkDataConfig>[0]);
  if (!isDataFile(config.data)) return undefined;
  const labels = typeof config.labels === 'string' && config.labels ? config.labels : undefined;
  return (await loadUserData(config.data, { labels, task: config.task as DataTask, center: config.center !== false })).summary;
}

/** The series a run streamed to its directory (`<series>.jsonl`), by name. */
function seriesInDir(dir: string): Map<string, Record<string, number | string>[]> {
  return new Map(readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort().map((f) => [f.slice(0, -'.jsonl'.length), readSeriesFile(join(dir, f)).rows]));
}

/** The experiment of that name, or a usage error listing the known ones. */
function experimentNamed(name: string): Experiment {
  const e = experiments.find((x) => x.name === name);
  if (!e) throw new ConfigError(`unknown experiment "${name}"; known: ${experiments.map((x) => x.name).join(', ')}`);
  return e;
}

/** The terminal's width for tables (none when stdout is not a terminal and COLUMNS is unset). */
function terminalWidth(): number | undefined {
  if (process.stdout.isTTY && process.stdout.columns) return process.stdout.columns;
  const c = Number(process.env.COLUMNS);
  return Number.isInteger(c) && c > 20 ? c : undefined;
}

async function cmdRun(name: string, rest: string[]): Promise<number> {
  const exp = experimentNamed(name);
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`lmech run ${exp.name} [options] [--json] [--out DIR [--subdir] [--figures svg,png,csv]] [--backend native|wasm|reference]${exp.grid ? ' [--workers N]' : ''}\n${exp.title}\n\n`);
    describeExperiment(exp);
    process.stdout.write('--out DIR: reports and observables go there (manifest.json first); a DIR in use or not empty is refused, unless --subdir (a new subdirectory of it)\n'
      + '--figures svg,png,csv: with --out, also every plot as DIR/figures/<nn>-<title>.svg / .png (resvg, 2x) and its series as .csv (or: all)\n' + EXIT_HELP);
    return EXIT.ok;
  }
  const common: Common = {};
  const configArgs: string[] = [];
  let figures: FigureFormat[] | undefined;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a === '--json') common.json = true;
    else if (a === '--quiet') common.quiet = true;
    else if (a === '--subdir') common.subdir = true;
    else if (a === '--out' || a === '--backend' || a === '--workers') { if (i + 1 >= rest.length) throw new ConfigError(`${a} needs a value`); common[a.slice(2) as 'out' | 'backend' | 'workers'] = rest[++i]; }
    else if (a.startsWith('--out=') || a.startsWith('--backend=') || a.startsWith('--workers=')) { const [k, v] = a.slice(2).split('='); common[k as 'out' | 'backend' | 'workers'] = v; }
    else if (a === '--figures' || a.startsWith('--figures=')) figures = parseFigureFormats(a === '--figures' ? rest[++i] : a.slice('--figures='.length));
    else configArgs.push(a);
  }
  if (common.subdir && !common.out) throw new ConfigError('--subdir: only with --out DIR');
  if (figures && !common.out) throw new ConfigError('--figures: only with --out DIR (the files go to DIR/figures/)');
  const workers = parseWorkers(common.workers);
  await selectBackend(common.backend);
  refuseUserData(exp, configArgs);
  const raw = configFromArgs(exp.schema, configArgs, exp.name);
  const config = parseConfig(exp.schema, raw, exp.name) as Record<string, unknown>; // bad input fails here, before any directory is claimed
  const data = await userDataOf(exp, config);
  const claim: ClaimedDir | undefined = common.out ? claimOutDir(common.out, { subdir: common.subdir, name: exp.name }) : undefined;
  try {
    // What is being run, on disk before anything else (a kill -9 leaves at least this).
    if (claim) writeManifest(claim.dir, manifestOf(exp.name, config, undefined, data));
    const ac = interruptible();
    const bar = progressBar(!common.json && !common.quiet);
    const task: CellTask = { experiment: exp.name, config: raw, ...(claim ? { dir: claim.dir } : {}) };
    let record: ExperimentRecord, saved: CellOutcome['saved'];
    if (exp.grid) {
      // The cells go to the pool; prediction, aggregation and comparison stay here (short).
      ({ record, saved } = await runCellHere(exp, task, { signal: ac.signal, cells: poolCells({ workers, backend: common.backend }), progress: (f, l) => bar.update(f, l ?? exp.name) }));
    } else {
      // One run on one worker thread: this thread waits on events, so Ctrl-C lands at once.
      const [out] = await runTasks<CellOutcome>([{ job: { kind: 'run', ...task } }], {
        workers: 1, backend: common.backend, signal: ac.signal, onProgress: (_i, f, l) => bar.update(f, l ?? exp.name),
      });
      if (out === null) { bar.stop(); process.stderr.write('interrupted before the run started\n'); return EXIT.interrupted; }
      if (out instanceof Error) throw out;
      ({ record, saved } = out);
    }
    bar.stop();
    // --figures: each plot from the rows the run streamed to DIR (the worker has closed them).
    const figs = claim && figures ? await writeFigures(claim.dir, exp, record.config as Record<string, unknown>, seriesInDir(claim.dir), figures) : undefined;
    if (common.json) process.stdout.write(JSON.stringify(figs ? { ...jsonRecord(record), figures: figs.files } : jsonRecord(record)) + '\n');
    else {
      const dataLine = data ? `data: ${data.source} (${data.format}, ${data.shape[0]} examples × ${data.shape[1]} inputs, ${data.task}${data.classes ? `, ${data.classes} classes` : ''}, sha256 ${data.sha256.slice(0, 12)}…)\n` : '';
      process.stdout.write(`${exp.title}\n${exp.strand}\n${dataLine}\n${checksTable([record], process.stdout.isTTY, { maxWidth: terminalWidth() })}\n\nverdict: ${record.verdict} (status ${record.status}, ${record.seconds.toFixed(1)} s)\n`);
      const unmet = record.regime.filter((r) => !r.ok);
      if (unmet.length) process.stdout.write(`regime not met: ${unmet.map((r) => r.name).join('; ')}\n`);
      if (claim) process.stdout.write(`report: ${join(claim.dir, 'report.html')}\n`);
      if (figs) process.stdout.write(`figures: ${figs.files.length} files in ${join(claim!.dir, 'figures')}${figs.empty.length ? ` (nothing to draw: ${figs.empty.join(', ')})` : ''}\n`);
      for (const a of saved) process.stdout.write(`checkpoint: lmech hessian --model ${a.model} --data ${a.data}\n`);
    }
    if (record.status === 'interrupted') return EXIT.interrupted;
    return record.verdict === 'falsified' ? EXIT.verdict : EXIT.ok;
  } finally {
    claim?.release();
  }
}

interface VerifyRow { record: ExperimentRecord; expected: Verdict; ok: boolean; seed?: number; config: number }

const hasSeed = (e: Experiment) => 'seed' in ((e.schema as unknown as { shape?: Record<string, unknown> }).shape ?? {});

/** One finished verify entry as a line: for logs and pipes, where no table is drawn until the end. */
function verifyLine(r: VerifyRow, k: number, n: number): string {
  const seed = r.seed !== undefined ? ` seed ${r.seed}` : '';
  return `[${String(k).padStart(String(n).length)}/${n}] ${r.ok ? 'ok ' : 'NO '} ${r.record.experiment} [${r.record.label}]${seed}: ${r.record.verdict}${r.ok ? '' : ` (expected ${r.expected})`}${r.record.status !== 'ok' ? `, status ${r.record.status}` : ''}, ${r.record.seconds.toFixed(1)} s`;
}

async function cmdVerify(opts: Common & { only?: string; workers?: string; seeds?: string; site?: string; lab?: boolean }): Promise<number> {
  const only = opts.only ? opts.only.split(',') : undefined;
  if (only) for (const n of only) if (!experiments.some((e) => e.name === n)) throw new ConfigError(`--only: no experiment named ${n}; known: ${experiments.map((e) => e.name).join(', ')}`);
  const seeds = opts.seeds === undefined ? undefined : parseSeeds(opts.seeds);
  const workers = parseWorkers(opts.workers);
  if (opts.subdir && !opts.out && !opts.site) throw new ConfigError('--subdir: only with --out DIR');
  // --site DIR: the static atlas site; the reports go to --out, or to DIR/verify.
  if (opts.site) { checkSiteDir(opts.site); opts.out ??= join(opts.site, 'verify'); }
  await selectBackend(opts.backend);
  // Configurations (quick + variants); with --seeds each one under every seed (those without a
  // seed option once, as they are).
  const configs = experiments
    .filter((e) => !only || only.includes(e.name))
    .flatMap((e) => [
      { exp: e, label: 'quick', config: e.quick as Record<string, unknown>, expect: e.expect ?? 'confirmed' as Verdict },
      ...(e.variants ?? []).map((v) => ({ exp: e, label: v.label, config: v.config as Record<string, unknown>, expect: v.expect })),
    ]);
  const plan = configs.flatMap((c, ci) => (seeds && hasSeed(c.exp) ? seeds : [undefined]).map((seed) => ({
    ...c, ci, seed, config: seed === undefined ? c.config : { ...c.config, seed },
  })));
  const claim: ClaimedDir | undefined = opts.out ? claimOutDir(opts.out, { subdir: opts.subdir, name: 'verify' }) : undefined;
  try {
    const ac = interruptible('no new experiments start; running ones stop at their next step');
    const tty = process.stdout.isTTY;
    const bar = progressBar(!opts.json && !opts.quiet);
    // Piped or in CI (no terminal to draw a bar on): one line per entry as it finishes.
    const lines = opts.quiet ? null : !opts.json && !tty ? process.stdout : opts.json && !process.stderr.isTTY ? process.stderr : null;
    const tasks: CellTask[] = plan.map((item, i) => ({
      experiment: item.exp.name, config: item.config, label: item.label,
      ...(claim ? { dir: join(claim.dir, `${item.exp.name}-${i}${item.seed !== undefined ? `-seed${item.seed}` : ''}`) } : {}),
    }));
    const done: (VerifyRow | null)[] = plan.map(() => null);
    let finished = 0;
    const label = () => `verify: ${finished}/${plan.length} (${workers} worker${workers > 1 ? 's' : ''})`;
    bar.update(0, label());
    const land = (i: number, record: ExperimentRecord) => {
      const row: VerifyRow = { record, expected: plan[i].expect, ok: record.verdict === plan[i].expect, config: plan[i].ci, ...(plan[i].seed !== undefined ? { seed: plan[i].seed } : {}) };
      done[i] = row;
      bar.update(++finished / plan.length, label());
      lines?.write(verifyLine(row, finished, plan.length) + '\n');
      // Written after every experiment, so an interrupted verify keeps what it finished.
      if (claim) writeFileAtomic(join(claim.dir, 'verify.json'), JSON.stringify(done.filter((r) => r !== null).map((r) => ({ ...jsonRecord(r.record), expected: r.expected, ok: r.ok, ...(r.seed !== undefined ? { seed: r.seed } : {}) })), null, 2) + '\n');
    };
    // One pool for everything: whole runs, and the cells of grid experiments (which then finish
    // here, in this thread, when their last cell lands), longest first.
    const jobs: { job: WorkerJob; cost?: number }[] = [];
    const owner: { item: number; cell?: number }[] = [];
    const grids = new Map<number, { config: Record<string, unknown>; prediction: unknown; cells: (CellResult | null)[]; left: number; t0: number; started?: boolean }>();
    // Every entry's manifest first, from this thread (it knows the command line).
    if (claim) {
      for (const [i, item] of plan.entries()) {
        makeDirs(tasks[i].dir!);
        writeManifest(tasks[i].dir!, manifestOf(item.exp.name, parseConfig(item.exp.schema, item.config, item.exp.name) as Record<string, unknown>, item.label));
      }
    }
    for (const [i, item] of plan.entries()) {
      const grid = item.exp.grid;
      if (!grid) {
        jobs.push({ job: { kind: 'run', ...tasks[i] } });
        owner.push({ item: i });
        continue;
      }
      const { config, prediction, keys } = prepareRun(item.exp, tasks[i].config);
      grids.set(i, { config, prediction, cells: keys.map(() => null), left: keys.length, t0: performance.now() });
      keys.forEach((key, k) => {
        jobs.push({ job: { kind: 'grid', experiment: item.exp.name, config, key }, cost: grid.cost?.(config, key) });
        owner.push({ item: i, cell: k });
      });
      if (!keys.length) land(i, finishCellHere(item.exp, tasks[i], config, prediction, [], { seconds: 0 }).record);
    }
    await runTasks<WorkerResult>(jobs, {
      workers, backend: opts.backend, signal: ac.signal,
      // A grid entry's seconds run from its first cell's start, not from when it was queued.
      onStart: (j) => { const g = grids.get(owner[j].item); if (g && g.left === g.cells.length && !g.started) { g.started = true; g.t0 = performance.now(); } },
      onDone: (j, out) => {
        const { item, cell } = owner[j];
        if (cell === undefined) return land(item, (out as CellOutcome).record);
        const g = grids.get(item)!;
        g.cells[cell] = out as CellResult;
        if (--g.left === 0) land(item, finishCellHere(plan[item].exp, tasks[item], g.config, g.prediction, g.cells, { seconds: (performance.now() - g.t0) / 1000 }).record);
      },
    });
    // Interrupted: grid runs with some cells done still report (as interrupted) what they measured.
    for (const [i, g] of grids) {
      if (done[i] === null && g.left < g.cells.length) land(i, finishCellHere(plan[i].exp, tasks[i], g.config, g.prediction, g.cells, { signal: ac.signal, seconds: (performance.now() - g.t0) / 1000 }).record);
    }
    const rows = done.filter((r): r is VerifyRow => r !== null);
    bar.stop();
    const allOk = rows.length === plan.length && rows.every((r) => r.ok);
    // Per configuration: how many seeds gave the expected verdict.
    const perConfig = configs.map((c, ci) => {
      const mine = rows.filter((r) => r.config === ci);
      return { experiment: c.exp.name, label: c.label, expected: c.expect, agree: mine.filter((r) => r.ok).length, of: mine.length, runs: mine };
    }).filter((c) => c.of > 0);
    if (opts.json) {
      process.stdout.write(JSON.stringify({
        ok: allOk,
        ...(seeds ? { seeds } : {}),
        experiments: rows.map((r) => ({ ...jsonRecord(r.record), expected: r.expected, ok: r.ok, ...(r.seed !== undefined ? { seed: r.seed } : {}) })),
        ...(seeds ? { configurations: perConfig.map((c) => ({ experiment: c.experiment, label: c.label, expected: c.expected, agree: c.agree, of: c.of, verdicts: c.runs.map((r) => ({ seed: r.seed ?? null, verdict: r.record.verdict, ok: r.ok })) })) } : {}),
      }) + '\n');
    } else {
      const maxWidth = terminalWidth();
      // With several seeds the checks of every run would be a wall: only those that disagree.
      const shown = seeds && seeds.length > 1 ? rows.filter((r) => !r.ok) : rows;
      if (shown.length) process.stdout.write(checksTable(shown.map((r) => (r.seed !== undefined ? { ...r.record, label: `${r.record.label}, seed ${r.seed}` } : r.record)), tty, { maxWidth }) + '\n\n');
      const summary = seeds
        ? [['experiment', 'expected', 'seeds as expected', 'verdict by seed', 'ok'], ...perConfig.map((c) => [
          `${c.experiment} [${c.label}]`, c.expected, `${c.agree}/${c.of}`,
          c.runs.map((r) => (r.seed !== undefined ? `${r.seed}: ${r.record.verdict}` : r.record.verdict)).join(', '), c.agree === c.of ? 'yes' : 'NO',
        ])]
        : [['experiment', 'verdict', 'expected', 'ok', 'seconds'], ...rows.map((r) => [
          `${r.record.experiment} [${r.record.label}]`, r.record.verdict, r.expected, r.ok ? 'yes' : 'NO', r.record.seconds.toFixed(1),
        ])];
      process.stdout.write(table(summary, tty, { maxWidth }) + '\n\n');
      const fals = rows.filter((r) => !r.ok).length;
      if (seeds) {
        const bad = perConfig.filter((c) => c.agree < c.of).length;
        process.stdout.write(`seeds ${seeds.join(', ')}: ${perConfig.length - bad} of ${perConfig.length} configurations as expected under every seed\n`);
      }
      process.stdout.write(`${rows.length - fals} passed, ${fals} failed\n`);
      if (rows.length < plan.length) process.stdout.write(`interrupted after ${rows.length} of ${plan.length} experiments\n`);
    }
    // The atlas: every claim with its latest verdict and links to the reports (and the site).
    if (claim) {
      const entries = done.flatMap((r, i) => (r ? [{ record: r.record, dir: tasks[i].dir }] : []));
      const atlas = writeVerifyAtlas(claim.dir, entries);
      if (!opts.json && !opts.quiet) process.stdout.write(`atlas: ${join(claim.dir, 'atlas.html')} (${atlas.counts.confirmed} confirmed, ${atlas.counts.falsified} falsified, ${atlas.counts.untested} untested of ${atlas.claims.length} claims)\n`);
      if (opts.site) {
        const site = await buildSite(opts.site, entries, { source: claim.dir, lab: opts.lab === false ? false : 'auto' });
        if (!opts.json && !opts.quiet) process.stdout.write(`site: ${join(site.dir, 'index.html')}${site.labNote ? ` (${site.labNote})` : ''}\n`);
      }
    }
    if (ac.signal.aborted) return EXIT.interrupted;
    return allOk ? EXIT.ok : EXIT.verdict;
  } finally {
    claim?.release();
  }
}

function describeExperiment(e: Experiment): void {
  process.stdout.write(`${e.name} — ${e.title}\n  ${e.strand}\n  ${plainMath(e.description)}\n`);
  for (const o of describeOptions(e.schema)) process.stdout.write(`    ${o.flag.padEnd(24)} ${(o.default === undefined ? '—' : JSON.stringify(o.default)).padEnd(22)} ${o.range.padEnd(26)} ${o.description}\n`);
  process.stdout.write('\n');
}

function cmdList(): void {
  for (const e of experiments) describeExperiment(e);
}

/** Bad input (the user can fix the command line) versus a failure while running. */
export function exitCodeOf(err: unknown): number {
  if (err instanceof ConfigError || err instanceof MatrixFormatError || err instanceof CheckpointError || err instanceof UserDataError) return EXIT.usage;
  if (err instanceof Error && /^unknown experiment "/.test(err.message)) return EXIT.usage;
  return EXIT.runtime;
}

export async function main(argv: string[]): Promise<void> {
  const program = new Command();
  // Commander's own errors (unknown command/flag, missing argument) throw instead of exiting 1,
  // so they get the usage code; settings are inherited by the commands defined below.
  program.exitOverride();
  program.name('lmech').description('learning-mechanics: theory of deep learning vs measurement, with verdicts').showHelpAfterError().addHelpText('after', EXIT_HELP);
  program.command('verify').description('run every registered experiment in a quick configuration and print the verdict table')
    .option('--json', 'print one JSON object').option('--out <dir>', 'write reports for every experiment here (refused if in use or not empty)')
    .option('--subdir', 'with --out: a new subdirectory of it when it is in use or not empty')
    .option('--only <names>', 'comma-separated experiment names').option('--workers <n>', 'worker threads running experiments in parallel (default: all cores)')
    .option('--seeds <list>', 'run every configuration under each seed (e.g. 0,1,2, or a count: 3) and report per configuration how many gave the expected verdict')
    .option('--backend <name>', 'native | wasm | reference (default: native if OpenBLAS loads, else wasm)').option('--quiet', 'no progress bar, no per-experiment lines')
    .option('--site <dir>', 'also build the static atlas site here (a new or empty directory; reports in --out, or DIR/verify)')
    .option('--no-lab', 'with --site: without the live lab (no vite build of the page)')
    .addHelpText('after', '\nPiped or in CI (stdout not a terminal), one line per configuration as it finishes.\n' + EXIT_HELP)
    .action(async (o) => { process.exitCode = await cmdVerify(o); });
  program.command('run <experiment>').description('run one experiment; any config field is a flag (see `lmech list`)')
    .allowUnknownOption().allowExcessArguments().helpOption(false)
    .action(async (name: string, _o: unknown, cmd: Command) => { process.exitCode = await cmdRun(name, cmd.args.slice(1)); });
  program.command('list').description('list experiments and their options').action(() => cmdList());
  registerReport(program);
  registerAtlas(program);
  for (const register of commands) register(program);
  try {
    if (argv.length <= 2) {
      // No command: the help, as a usage error.
      process.stderr.write(program.helpInformation());
      process.exitCode = EXIT.usage;
      return;
    }
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help asked for: 0. Anything else commander refused (it printed why): usage.
      process.exitCode = err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0 ? EXIT.ok : EXIT.usage;
      return;
    }
    const code = exitCodeOf(err);
    const msg = err instanceof Error ? err.message : String(err);
    process.stderr.write(`lmech: ${msg}\n`);
    if (code === EXIT.runtime && process.env.LMECH_DEBUG && err instanceof Error && err.stack) process.stderr.write(err.stack + '\n');
    process.exitCode = code;
  }
}
