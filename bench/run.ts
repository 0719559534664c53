/**
 * `npm run bench`: run every benchmark section (bench/sections/index.ts), print the tables and
 * write BENCHMARKS.md at the repository root.
 *
 *   node --expose-gc dist/bench/run.js [--only id[,id...]] [--quick] [--out FILE] [--no-write]
 *
 * --only    run just these sections; the other sections' blocks already in the output file
 *           are kept as they are (each block carries its own date and command).
 * --quick   fewer sizes and repetitions: a smoke test of the pipeline. It writes no file
 *           unless --out is given, so it never replaces real figures in BENCHMARKS.md.
 * --out     write this file instead of BENCHMARKS.md.
 * --no-write  print only.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  pythonInfo, renderHeader, renderReport, renderSection, repoRoot,
  type BenchContext, type MachineInfo, type SectionReport,
} from './harness.js';
import { sections } from './sections/index.js';

interface Args {
  only: string[] | null;
  quick: boolean;
  out: string | null;
  write: boolean;
}

function usage(): string {
  return [
    'usage: node --expose-gc dist/bench/run.js [--only id[,id...]] [--quick] [--out FILE] [--no-write]',
    `sections: ${sections.map((s) => s.id).join(', ')}`,
  ].join('\n');
}

function parseArgs(argv: string[]): Args {
  const a: Args = { only: null, quick: false, out: null, write: true };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const eq = arg.indexOf('=');
      if (eq >= 0) return arg.slice(eq + 1);
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value\n${usage()}`);
      return v;
    };
    if (arg === '--quick') a.quick = true;
    else if (arg === '--no-write') a.write = false;
    else if (arg === '--only' || arg.startsWith('--only=')) a.only = [...(a.only ?? []), ...value().split(',').map((s) => s.trim()).filter(Boolean)];
    else if (arg === '--out' || arg.startsWith('--out=')) a.out = value();
    else if (arg === '--help' || arg === '-h') {
      console.log(usage());
      process.exit(0);
    } else throw new Error(`unknown argument ${arg}\n${usage()}`);
  }
  if (a.only) {
    const unknown = a.only.filter((id) => !sections.some((s) => s.id === id));
    if (unknown.length > 0) throw new Error(`unknown section ${unknown.join(', ')}\n${usage()}`);
  }
  return a;
}

/** The command as a reader would retype it. */
function commandLine(argv: string[]): string {
  const rest = argv.join(' ');
  if (process.env.npm_lifecycle_event === 'bench') return rest ? `npm run bench -- ${rest}` : 'npm run bench';
  const script = path.relative(process.cwd(), process.argv[1] ?? 'dist/bench/run.js') || 'dist/bench/run.js';
  return `node --expose-gc ${script}${rest ? ` ${rest}` : ''}`;
}

const stamp = (d: Date) => d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const args = parseArgs(argv);
  const command = commandLine(argv);
  const log = (msg: string) => process.stderr.write(`${msg}\n`);
  if (typeof (globalThis as { gc?: unknown }).gc !== 'function') {
    log('note: run node with --expose-gc (npm run bench does) so the harness can collect garbage between measurements');
  }

  const start = new Date();
  const py = await pythonInfo();
  const cpus = os.cpus();
  const machine: MachineInfo = {
    cpu: cpus[0]?.model?.trim() || 'unknown CPU',
    cores: cpus.length,
    node: `${process.version} (V8 ${process.versions.v8})`,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    numpy: py.numpy ? `${py.numpy}${py.blas ? ` (${py.blas})` : ''}, python ${py.python}` : `unavailable (${py.error ?? 'unknown'})`,
    loadavg: os.loadavg(),
  };

  const chosen = sections.filter((s) => !args.only || args.only.includes(s.id));
  const ctx: BenchContext = { quick: args.quick, log };
  const reports: SectionReport[] = [];
  const failed: string[] = [];
  for (const section of chosen) {
    log(`[bench] ${section.id}: ${section.title}`);
    const t0 = process.hrtime.bigint();
    try {
      const result = await section.run(ctx);
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      reports.push({ section, result, measuredAt: stamp(new Date()), command, seconds });
      log(`[bench] ${section.id} done in ${seconds.toFixed(1)} s`);
    } catch (e) {
      failed.push(section.id);
      log(`[bench] ${section.id} FAILED: ${(e as Error).stack ?? e}`);
    }
  }

  machine.loadavgEnd = os.loadavg();
  for (const r of reports) console.log(`\n${renderSection(r)}\n`);

  const outFile = args.out ? path.resolve(args.out) : path.join(repoRoot(), 'BENCHMARKS.md');
  const write = args.write && (!args.quick || args.out !== null);
  if (!write) {
    log(args.quick && args.write ? '[bench] --quick: no file written (pass --out FILE to write one)' : '[bench] --no-write: no file written');
  } else if (reports.length > 0) {
    const extra = [
      'All figures are single-threaded on both sides unless a row names its thread count (the engine section\'s native OpenBLAS rows, beside numpy at the same count). The machine is shared with other engineers\' builds and tests, so figures are noisy (the engine and nn sections report medians with min–max and run counts, the others best-of-runs); compare ratios more than absolute numbers.',
    ];
    if (args.quick) extra.push('**Quick mode (`--quick`)**: reduced sizes and repetitions — a smoke test, not a measurement.');
    if (args.only) extra.push(`This run measured only: ${reports.map((r) => r.section.id).join(', ')}; other sections keep the figures (and dates) of their last run.`);
    const header = renderHeader(machine, stamp(start), command, extra);
    if (failed.length > 0) extra.push(`Failed in this run (previous figures, if any, kept): ${failed.join(', ')}.`);
    const previous = existsSync(outFile) ? readFileSync(outFile, 'utf8') : undefined;
    writeFileSync(outFile, renderReport(header, reports, sections.map((s) => s.id), previous));
    log(`[bench] wrote ${outFile}`);
  }
  if (failed.length > 0) {
    log(`[bench] failed sections: ${failed.join(', ')}`);
    process.exitCode = 1;
  }
}

main().catch((e) => {
  console.error((e as Error).message ?? e);
  process.exitCode = 1;
});
