/**
 * lmech — the command line of the learning-mechanics lab.
 *   lmech verify            every registered experiment, quick config, verdict table
 *   lmech run <name> [...]  one experiment with any config option as a flag
 *   lmech list              experiments and their options
 */
import { Command } from 'commander';
import cliProgress from 'cli-progress';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { selectBackend } from './backend.js';
import { experiments, getExperiment } from '../experiments/registry.js';
import { ConfigError, configFromArgs, describeOptions } from '../experiments/config.js';
import type { Experiment } from '../experiments/types.js';
import type { ExperimentRecord, Verdict } from '../experiments/types.js';
import { checksTable, table } from '../reports/table.js';
import { commands } from './commands/index.js';
import { defaultWorkers, poolCells, runTasks } from '../lab/pool.js';
import { finishCellHere, runCellHere, type CellOutcome, type CellTask } from '../lab/cell.js';
import type { WorkerJob, WorkerResult } from '../lab/cell-worker.js';
import { prepareRun, type CellResult } from '../experiments/runner.js';

interface Common { json?: boolean; out?: string; backend?: string; quiet?: boolean; workers?: string }

/** Ctrl-C once: stop at the next step and write what was measured; twice: exit now. */
function interruptible(): AbortController {
  const ac = new AbortController();
  process.on('SIGINT', () => {
    if (ac.signal.aborted) process.exit(130);
    process.stderr.write('\ninterrupted: finishing the current step and writing what was measured (Ctrl-C again to quit)\n');
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
    regime: r.regime, verdict: r.verdict, seconds: Number(r.seconds.toFixed(3)),
  };
}

async function cmdRun(name: string, rest: string[]): Promise<number> {
  const exp = getExperiment(name);
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`lmech run ${exp.name} [options] [--json] [--out DIR] [--backend native|wasm|reference]${exp.grid ? ' [--workers N]' : ''}\n${exp.title}\n\n`);
    describeExperiment(exp);
    return 0;
  }
  const common: Common = {};
  const configArgs: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a === '--json') common.json = true;
    else if (a === '--quiet') common.quiet = true;
    else if (a === '--out' || a === '--backend' || a === '--workers') { if (i + 1 >= rest.length) throw new ConfigError(`${a} needs a value`); common[a.slice(2) as 'out' | 'backend' | 'workers'] = rest[++i]; }
    else if (a.startsWith('--out=') || a.startsWith('--backend=') || a.startsWith('--workers=')) { const [k, v] = a.slice(2).split('='); common[k as 'out' | 'backend' | 'workers'] = v; }
    else configArgs.push(a);
  }
  await selectBackend(common.backend);
  const raw = configFromArgs(exp.schema, configArgs, exp.name);
  const ac = interruptible();
  const bar = progressBar(!common.json && !common.quiet);
  const cells = exp.grid ? poolCells({ workers: common.workers === undefined ? defaultWorkers() : parseWorkers(common.workers), backend: common.backend }) : undefined;
  const { record, saved } = await runCellHere(exp, { experiment: exp.name, config: raw, ...(common.out ? { dir: common.out } : {}) }, { signal: ac.signal, cells, progress: (f, l) => bar.update(f, l ?? exp.name) });
  bar.stop();
  if (common.json) process.stdout.write(JSON.stringify(jsonRecord(record)) + '\n');
  else {
    process.stdout.write(`${exp.title}\n${exp.strand}\n\n${checksTable([record], process.stdout.isTTY)}\n\nverdict: ${record.verdict} (status ${record.status}, ${record.seconds.toFixed(1)} s)\n`);
    const unmet = record.regime.filter((r) => !r.ok);
    if (unmet.length) process.stdout.write(`regime not met: ${unmet.map((r) => r.name).join('; ')}\n`);
    if (common.out) process.stdout.write(`report: ${join(common.out, 'report.html')}\n`);
    for (const a of saved) process.stdout.write(`checkpoint: lmech hessian --model ${a.model} --data ${a.data}\n`);
  }
  return record.verdict === 'falsified' ? 1 : 0;
}

interface VerifyRow { record: ExperimentRecord; expected: Verdict; ok: boolean }

/** --workers: an integer in [1, 256]. */
function parseWorkers(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new ConfigError(`--workers: must be an integer from 1 to 256 (got ${JSON.stringify(v)})`);
  return n;
}

async function cmdVerify(opts: Common & { only?: string; workers?: string }): Promise<number> {
  await selectBackend(opts.backend);
  const only = opts.only ? opts.only.split(',') : undefined;
  const plan = experiments
    .filter((e) => !only || only.includes(e.name))
    .flatMap((e) => [
      { exp: e, label: 'quick', config: e.quick, expect: e.expect ?? 'confirmed' as Verdict },
      ...(e.variants ?? []).map((v) => ({ exp: e, label: v.label, config: v.config, expect: v.expect })),
    ]);
  if (!plan.length) throw new ConfigError(`--only: no experiment named ${opts.only}; known: ${experiments.map((e) => e.name).join(', ')}`);
  const workers = opts.workers === undefined ? defaultWorkers() : parseWorkers(opts.workers);
  const ac = interruptible();
  const bar = progressBar(!opts.json && !opts.quiet);
  if (opts.out) mkdirSync(opts.out, { recursive: true });
  const tasks: CellTask[] = plan.map((item, i) => ({
    experiment: item.exp.name, config: item.config as Record<string, unknown>, label: item.label,
    ...(opts.out ? { dir: join(opts.out, `${item.exp.name}-${i}`) } : {}),
  }));
  const done: (VerifyRow | null)[] = plan.map(() => null);
  let finished = 0;
  const label = () => `verify: ${finished}/${plan.length} (${workers} worker${workers > 1 ? 's' : ''})`;
  bar.update(0, label());
  const land = (i: number, record: ExperimentRecord) => {
    done[i] = { record, expected: plan[i].expect, ok: record.verdict === plan[i].expect };
    bar.update(++finished / plan.length, label());
    // Written after every experiment, so an interrupted verify keeps what it finished.
    if (opts.out) writeFileSync(join(opts.out, 'verify.json'), JSON.stringify(done.filter((r) => r !== null).map((r) => ({ ...jsonRecord(r.record), expected: r.expected, ok: r.ok })), null, 2) + '\n');
  };
  // One pool for everything: whole runs, and the cells of grid experiments (which then finish
  // here, in this thread, when their last cell lands), longest first.
  const jobs: { job: WorkerJob; cost?: number }[] = [];
  const owner: { item: number; cell?: number }[] = [];
  const grids = new Map<number, { config: Record<string, unknown>; prediction: unknown; cells: (CellResult | null)[]; left: number; t0: number }>();
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
  if (opts.json) {
    process.stdout.write(JSON.stringify({ ok: allOk, experiments: rows.map((r) => ({ ...jsonRecord(r.record), expected: r.expected, ok: r.ok })) }) + '\n');
  } else {
    const tty = process.stdout.isTTY;
    process.stdout.write(checksTable(rows.map((r) => r.record), tty) + '\n\n');
    const summary = [['experiment', 'verdict', 'expected', 'ok', 'seconds'], ...rows.map((r) => [
      `${r.record.experiment} [${r.record.label}]`, r.record.verdict, r.expected, r.ok ? 'yes' : 'NO', r.record.seconds.toFixed(1),
    ])];
    process.stdout.write(table(summary, tty) + '\n\n');
    const fals = rows.filter((r) => !r.ok).length;
    process.stdout.write(`${rows.length - fals} passed, ${fals} failed\n`);
    if (rows.length < plan.length) process.stdout.write(`interrupted after ${rows.length} of ${plan.length} experiments\n`);
  }
  return allOk ? 0 : 1;
}

function describeExperiment(e: Experiment): void {
  process.stdout.write(`${e.name} — ${e.title}\n  ${e.strand}\n  ${e.description}\n`);
  for (const o of describeOptions(e.schema)) process.stdout.write(`    ${o.flag.padEnd(24)} ${String(JSON.stringify(o.default)).padEnd(22)} ${o.description}\n`);
  process.stdout.write('\n');
}

function cmdList(): void {
  for (const e of experiments) describeExperiment(e);
}

export async function main(argv: string[]): Promise<void> {
  const program = new Command();
  program.name('lmech').description('learning-mechanics: theory of deep learning vs measurement, with verdicts').showHelpAfterError();
  program.command('verify').description('run every registered experiment in a quick configuration and print the verdict table')
    .option('--json', 'print one JSON object').option('--out <dir>', 'write reports for every experiment here')
    .option('--only <names>', 'comma-separated experiment names').option('--workers <n>', 'worker threads running experiments in parallel (default: all cores)').option('--backend <name>', 'native | wasm | reference (default: native if OpenBLAS loads, else wasm)').option('--quiet', 'no progress bar')
    .action(async (o) => { process.exitCode = await cmdVerify(o); });
  program.command('run <experiment>').description('run one experiment; any config field is a flag (see `lmech list`)')
    .allowUnknownOption().allowExcessArguments().helpOption(false)
    .action(async (name: string, _o: unknown, cmd: Command) => { process.exitCode = await cmdRun(name, cmd.args.slice(1)); });
  program.command('list').description('list experiments and their options').action(() => cmdList());
  for (const register of commands) register(program);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    process.stderr.write(`lmech: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  }
}
