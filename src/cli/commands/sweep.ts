/**
 * `lmech sweep <experiment>`: a family of runs of one experiment into the run store.
 *
 *   lmech sweep lazy-rich --axis width=64,128,256 --axis alpha=logspace(-1,2,7) --seeds 3
 *               [--any-config-flag value] [--workers N] [--store PATH] [--json] [--out DIR] [--metric M]
 *   lmech sweep --file sweep.yaml [...]
 *   lmech sweep … --redis redis://host:6379 [--queue NAME]   cells run by `lmech worker` processes
 *
 * Every cell (one config + seed) is content-hashed; cells already done in the store are not run
 * again, so the same command after an interruption (or a kill) runs exactly the missing ones.
 * Exit: 0 every cell final (done or diverged), 2 bad input, 3 some cell failed or Redis
 * unreachable, 130 interrupted.
 */
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { ConfigError, configFromArgs } from '../../experiments/config.js';
import { getExperiment } from '../../experiments/registry.js';
import { Store } from '../../lab/store.js';
import { parseAxis, parseSeeds, type SweepSpec } from '../../lab/sweep.js';
import { readSweepFile, specFromFile } from '../../lab/sweep-file.js';
import { runSweep, type SweepProgress } from '../../lab/run-sweep.js';
import { parseWorkers } from '../../lab/pool.js';
import { RedisUnavailable, checkQueueName, checkRedisUrl, clusterDispatch, reachRedis } from '../../lab/cluster.js';
import { groupBySeed } from '../../lab/aggregate.js';
import { table } from '../../reports/table.js';
import { renderSweepHtml } from '../../reports/sweep-report.js';
import { exportRows, toCsv } from './runs.js';
import { writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { makeDirs } from '../../io/fs-safe.js';
import { join } from 'node:path';

export const DEFAULT_STORE = 'lmech-runs/lab.sqlite';

interface SweepArgs {
  experiment?: string;
  axes: string[];
  metrics: string[];
  seeds?: string;
  workers?: string;
  store?: string;
  redis?: string;
  queue?: string;
  file?: string;
  json?: boolean;
  out?: string;
  backend?: string;
  quiet?: boolean;
  config: string[];
}

/** Split the words after `sweep`: the command's own flags, and the experiment's config flags. */
export function parseSweepArgs(words: string[]): SweepArgs {
  const a: SweepArgs = { axes: [], metrics: [], config: [] };
  const own = new Set(['--axis', '--metric', '--seeds', '--workers', '--store', '--redis', '--queue', '--file', '--out', '--backend']);
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    const eq = w.indexOf('=');
    const flag = w.startsWith('--') && eq > 0 ? w.slice(0, eq) : w;
    if (own.has(flag)) {
      let v: string;
      if (flag !== w) v = w.slice(eq + 1);
      else {
        if (i + 1 >= words.length) throw new ConfigError(`${w} needs a value`);
        v = words[++i];
      }
      if (flag === '--axis') a.axes.push(v);
      else if (flag === '--metric') a.metrics.push(v);
      else (a as unknown as Record<string, string>)[flag.slice(2)] = v;
    } else if (w === '--json') a.json = true;
    else if (w === '--quiet') a.quiet = true;
    else if (!w.startsWith('--') && a.experiment === undefined && a.config.length === 0) a.experiment = w;
    else a.config.push(w);
  }
  return a;
}

function bar(enabled: boolean) {
  if (!enabled || !process.stderr.isTTY) return { update: (_p: SweepProgress) => {}, stop: () => {} };
  const b = new cliProgress.SingleBar({
    stream: process.stderr, hideCursor: true, clearOnComplete: true,
    format: 'sweep [{bar}] {value}/{total} done | {running} running | {failed} failed | {diverged} diverged | ETA {eta_formatted}',
  }, cliProgress.Presets.shades_classic);
  let started = false;
  return {
    update(p: SweepProgress) {
      if (!started) { b.start(p.total, p.done, { running: 0, failed: 0, diverged: 0 }); started = true; }
      b.update(p.done, { running: p.running, failed: p.failed, diverged: p.diverged });
    },
    stop() { if (started) b.stop(); },
  };
}

/** Create a directory a flag names, or refuse with the flag and the reason (never a raw errno, never a hang). */
function dirFor(flag: string, dir: string): void {
  try {
    makeDirs(dir);
  } catch (e) {
    throw new ConfigError(`${flag}: cannot create ${dir} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

export async function cmdSweep(words: string[]): Promise<number> {
  const args = parseSweepArgs(words);
  let spec: SweepSpec;
  let name: string;
  if (args.file) {
    const f = readSweepFile(args.file);
    if (args.experiment && args.experiment !== f.experiment) throw new ConfigError(`--file names experiment ${f.experiment}, the command line ${args.experiment}`);
    const exp = getExperiment(f.experiment);
    spec = specFromFile(exp, f);
    spec.axes.push(...args.axes.map((t) => parseAxis(exp, t)));
    Object.assign(spec.fixed, configFromArgs(exp.schema, args.config, exp.name));
    if (args.seeds) spec.seeds = parseSeeds(args.seeds);
    name = exp.name;
  } else {
    if (!args.experiment) throw new ConfigError('sweep: name an experiment (lmech list shows them) or give --file');
    const exp = getExperiment(args.experiment);
    spec = {
      experiment: exp.name,
      fixed: configFromArgs(exp.schema, args.config, exp.name),
      axes: args.axes.map((t) => parseAxis(exp, t)),
      seeds: args.seeds ? parseSeeds(args.seeds) : [],
    };
    name = exp.name;
  }
  const exp = getExperiment(name);
  if (args.queue && !args.redis) throw new ConfigError('--queue: only with --redis');
  const dispatch = args.redis ? clusterDispatch({ url: checkRedisUrl(args.redis), queue: args.queue && checkQueueName(args.queue) }) : undefined;
  const workers = parseWorkers(args.workers);
  if (args.redis) {
    try {
      await reachRedis(args.redis);
    } catch (e) {
      if (e instanceof RedisUnavailable) { process.stderr.write(`lmech sweep: ${e.message}\n`); return e.exitCode; }
      throw e;
    }
  }
  const storePath = args.store ?? DEFAULT_STORE;
  dirFor('--store', dirname(storePath));
  if (args.out) dirFor('--out', args.out); // before any cell runs
  const store = Store.open(storePath);
  const ac = new AbortController();
  const onSigint = () => {
    if (ac.signal.aborted) process.exit(130);
    process.stderr.write('\ninterrupted: no new cells start; running cells stop at their next step (Ctrl-C again to quit now)\n');
    ac.abort();
  };
  process.on('SIGINT', onSigint);
  const b = bar(!args.json && !args.quiet);
  try {
    let run;
    try {
      run = await runSweep(exp, spec, { store, workers, backend: args.backend, signal: ac.signal, onProgress: (p) => b.update(p), dispatch });
    } catch (e) {
      if (!(e instanceof RedisUnavailable)) throw e;
      b.stop();
      process.stderr.write(`lmech sweep: ${e.message}\n`);
      return e.exitCode;
    }
    b.stop();
    const cells = store.sweepCells(run.id);
    const groups = groupBySeed(cells.map((c) => ({ coords: c.coords, summary: c.summary, status: c.status })));
    if (args.out) {
      const html = renderSweepHtml({
        experiment: exp.name, title: exp.title, sweep: run.id, axes: spec.axes.map((a) => a.fields[0]), metrics: args.metrics,
        cells: cells.map((c) => ({ index: c.index, hash: c.hash, coords: c.coords, status: c.status, verdict: c.verdict, seconds: c.seconds, summary: c.summary })),
      });
      writeFileSync(join(args.out, 'report.html'), html);
      const { header, rows } = exportRows(cells);
      writeFileSync(join(args.out, 'cells.csv'), toCsv(header, rows));
    }
    if (args.json) {
      process.stdout.write(JSON.stringify({
        sweep: run.id, experiment: exp.name, store: store.path, spec,
        progress: run.progress, ran: run.ran,
        cells: cells.map((c) => ({ index: c.index, hash: c.hash, coords: c.coords, status: c.status, verdict: c.verdict, summary: c.summary, seconds: c.seconds, ...(c.error ? { error: c.error } : {}) })),
        groups: groups.map((g) => ({ coords: g.coords, cells: g.cells.length, diverged: g.diverged, metrics: g.metrics })),
      }) + '\n');
    } else {
      const axes = [...new Set(cells.flatMap((c) => Object.keys(c.coords)))];
      const rows = [['#', ...axes, 'status', 'verdict', 'seconds', 'cell'], ...cells.map((c) => [
        String(c.index), ...axes.map((k) => JSON.stringify(c.coords[k]) ?? ''), c.status, c.verdict ?? '', c.seconds === null ? '' : c.seconds.toFixed(1), c.hash.slice(0, 12),
      ])];
      process.stdout.write(table(rows, process.stdout.isTTY) + '\n\n');
      const p = run.progress;
      if (args.out) process.stdout.write(`report: ${join(args.out, 'report.html')}\n`);
      process.stdout.write(`sweep ${run.id}: ${p.total} cells, ${p.done} done (${p.diverged} diverged, ${p.skipped} already in the store), ${p.failed} failed; ran ${run.ran} now\nstore: ${store.path}\n`);
      for (const c of cells.filter((c) => c.status === 'failed')) process.stdout.write(`failed ${c.hash.slice(0, 12)}: ${c.error}\n`);
    }
    if (ac.signal.aborted) return 130;
    return run.progress.failed > 0 ? 3 : 0;
  } finally {
    b.stop();
    process.off('SIGINT', onSigint);
    store.close();
  }
}

export function register(program: Command): void {
  program.command('sweep [experiment]')
    .description('a family of runs (axes × seeds) into the run store; resumes where it stopped')
    .allowUnknownOption().allowExcessArguments().helpOption(false)
    .action(async (_e: string | undefined, _o: unknown, cmd: Command) => {
      const words = cmd.args;
      if (words.includes('--help') || words.includes('-h')) {
        process.stdout.write(`lmech sweep <experiment> --axis name=values [--axis …] [--seeds N|a,b,c] [--any-config-flag v]
            [--workers N] [--store PATH] [--json] [--out DIR] [--metric NAME ...] [--backend native|wasm|reference]
            [--redis redis://host:6379 [--queue NAME]]
lmech sweep --file sweep.yaml|json

--redis: cells go to a Redis queue and run on \`lmech worker --redis URL\` processes (any
machines); results land in this store. Rerunning a killed coordinator collects jobs that
finished meanwhile without running them again.

axis values: a,b,c | v1;v2 (values holding commas) | logspace(lo,hi,n) | linspace(a,b,n) | range(lo,hi[,step])
zipped axes: --axis width+lr=64:0.1,128:0.05
store default: ${DEFAULT_STORE}; cells already done there are not run again.
exit: 0 all cells done or diverged, 2 bad input, 3 a cell failed or Redis unreachable, 130 interrupted
`);
        process.exitCode = 0;
        return;
      }
      process.exitCode = await cmdSweep(words);
    });
}
