/**
 * `lmech fit-scaling <csv>`: fit a scaling law to a user's own runs (observables/scaling-fit.ts).
 *
 *   lmech fit-scaling runs.csv [--compute 1e21,1e22] [--flops-per-token 6] [--level 0.9]
 *                    [--bootstrap 200] [--delta auto|δ] [--seed 0] [--json]
 *
 * The CSV has a header naming its columns: N,D,loss (L = E + A N^{−α} + B D^{−β}) or X,loss
 * (L = E + A X^{−α}); other columns are ignored, names are case-insensitive, '#' starts a comment
 * line. Printed: the parameters with their bootstrap intervals, the Huber δ and residual scale,
 * identifiability warnings, and for each --compute C the compute-optimal N*(C), D*(C) (C = k·N·D)
 * with intervals. A malformed file is a usage error (exit 2) naming the line and column.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ConfigError } from '../../experiments/config.js';
import {
  computeOptimalWithIntervals, fitScalingLaw, type ScalingFit, type ScalingRow,
} from '../../observables/scaling-fit.js';

export interface FitScalingOptions {
  compute?: string;
  flopsPerToken?: string | number;
  level?: string | number;
  bootstrap?: string | number;
  delta?: string | number;
  seed?: string | number;
  json?: boolean;
}

/** Parse the CSV text into rows; errors name the file, line and column. */
export function parseScalingCsv(text: string, source = 'CSV'): { form: 'ND' | 'X'; rows: ScalingRow[] } {
  const lines = text.split(/\r?\n/).map((l, i) => ({ text: l.trim(), line: i + 1 })).filter((l) => l.text !== '' && !l.text.startsWith('#'));
  if (lines.length === 0) throw new ConfigError(`${source}: empty file; expected a header N,D,loss or X,loss`);
  const header = lines[0].text.split(',').map((h) => h.trim().toLowerCase());
  const col = (name: string) => header.indexOf(name);
  const iLoss = col('loss');
  const iN = col('n'), iD = col('d'), iX = col('x');
  if (iLoss < 0) throw new ConfigError(`${source} line ${lines[0].line}: the header needs a "loss" column (got ${lines[0].text})`);
  let form: 'ND' | 'X';
  if (iN >= 0 && iD >= 0) form = 'ND';
  else if (iX >= 0 || (iN >= 0 && iD < 0)) form = 'X';
  else throw new ConfigError(`${source} line ${lines[0].line}: the header needs columns N,D,loss or X,loss (got ${lines[0].text})`);
  const iFirst = form === 'ND' ? iN : (iX >= 0 ? iX : iN);
  const firstName = form === 'ND' ? 'N' : (iX >= 0 ? 'X' : 'N');
  const rows: ScalingRow[] = [];
  for (const { text: t, line } of lines.slice(1)) {
    const cells = t.split(',').map((c) => c.trim());
    if (cells.length < header.length) throw new ConfigError(`${source} line ${line}: ${cells.length} columns, the header has ${header.length}`);
    const value = (i: number, name: string) => {
      const raw = cells[i];
      const x = raw === '' ? NaN : Number(raw);
      if (!Number.isFinite(x) || x <= 0) throw new ConfigError(`${source} line ${line}, column ${name}: must be a finite number > 0 (got ${JSON.stringify(raw)})`);
      return x;
    };
    const N = value(iFirst, firstName);
    const loss = value(iLoss, 'loss');
    rows.push(form === 'ND' ? { N, D: value(iD, 'D'), loss } : { N, loss });
  }
  const need = form === 'ND' ? 6 : 4;
  if (rows.length < need) throw new ConfigError(`${source}: ${rows.length} data rows; the ${form === 'ND' ? 'N,D' : 'X'} law has ${need - 1} parameters and needs at least ${need} runs`);
  return { form, rows };
}

function num(flag: string, v: string | number | undefined, dflt: number, lo: number, hi: number, integer = false): number {
  if (v === undefined) return dflt;
  const x = Number(v);
  if (!Number.isFinite(x) || x < lo || x > hi || (integer && !Number.isInteger(x))) throw new ConfigError(`${flag}: must be ${integer ? 'an integer' : 'a number'} in [${lo}, ${hi}] (got ${JSON.stringify(v)})`);
  return x;
}

export interface FitScalingReport {
  form: 'ND' | 'X';
  fit: Omit<ScalingFit, 'replicates' | 'residuals'> & { replicates: number };
  optimal: { compute: number; N: number; D: number; loss: number; intervals: { N: { lo: number; hi: number }; D: { lo: number; hi: number }; loss: { lo: number; hi: number } } | null }[];
}

/** Validate the flags, read and fit the file (no printing): the command's whole logic. */
export function fitScalingCommand(file: string, o: FitScalingOptions, text?: string): FitScalingReport {
  const level = num('--level', o.level, 0.9, 0.5, 0.999);
  const bootstrap = num('--bootstrap', o.bootstrap, 200, 0, 100000, true);
  const seed = num('--seed', o.seed, 0, 0, 2 ** 31, true);
  const k = num('--flops-per-token', o.flopsPerToken, 6, 1e-12, 1e12);
  const delta = o.delta === undefined || o.delta === 'auto' ? 'auto' as const : num('--delta', o.delta, 0, 1e-12, 100);
  const computes = o.compute === undefined ? [] : String(o.compute).split(',').map((s) => {
    const x = Number(s.trim());
    if (!Number.isFinite(x) || x <= 0) throw new ConfigError(`--compute: must be a comma list of numbers > 0 (got ${JSON.stringify(o.compute)})`);
    return x;
  });
  let body: string;
  if (text !== undefined) body = text;
  else {
    try { body = readFileSync(file, 'utf8'); } catch (e) { throw new ConfigError(`${file}: cannot read (${(e as Error).message})`); }
  }
  const { form, rows } = parseScalingCsv(body, file);
  if (computes.length && form !== 'ND') throw new ConfigError('--compute: needs an N,D,loss table (the compute-optimal allocation splits C between N and D)');
  const fit = fitScalingLaw(rows, { bootstrap, level, seed, delta });
  const optimal = computes.map((C) => ({ compute: C, ...computeOptimalWithIntervals(fit, C, k) }));
  const { replicates, residuals: _r, ...rest } = fit;
  return { form, fit: { ...rest, replicates: replicates.length }, optimal };
}

const g = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '—' : Math.abs(x) >= 1e4 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential(3) : Number(x.toPrecision(4)).toString());

export function formatFitScaling(r: FitScalingReport): string {
  const f = r.fit, pct = `${Math.round(f.level * 100)} %`;
  const names: [keyof typeof f.params, string][] = r.form === 'ND'
    ? [['E', 'E'], ['A', 'A'], ['alpha', 'α'], ['B', 'B'], ['beta', 'β']]
    : [['E', 'E'], ['A', 'A'], ['alpha', 'α']];
  const out = [
    r.form === 'ND' ? 'L(N, D) = E + A N^(−α) + B D^(−β)' : 'L(X) = E + A X^(−α)',
    `${f.rows} runs; ${r.form === 'ND' ? `N spans ${f.decades.N.toFixed(2)} decades, D ${f.decades.D!.toFixed(2)}` : `X spans ${f.decades.N.toFixed(2)} decades`}; Huber δ = ${g(f.delta)} on log loss, residual scale ${g(f.residualScale)}`,
    '',
    `parameter  estimate  ${pct} interval (${f.replicates} bootstrap replicates)`,
    ...names.map(([k, label]) => {
      const iv = f.intervals?.[k];
      return `${label.padEnd(9)}  ${g(f.params[k]).padEnd(8)}  ${iv ? `[${g(iv.lo)}, ${g(iv.hi)}]` : '—'}`;
    }),
  ];
  if (f.correlations) out.push('', `bootstrap correlations: corr(α, log E) = ${g(f.correlations.alphaLogE)}${f.correlations.betaLogE !== undefined ? `, corr(β, log E) = ${g(f.correlations.betaLogE)}` : ''}`);
  out.push('', f.warnings.length ? 'warnings:' : 'warnings: none', ...f.warnings.map((w) => `  - ${w}`));
  if (r.optimal.length) {
    out.push('', `compute-optimal allocation (C = k·N·D):`);
    for (const o of r.optimal) {
      out.push(`  C = ${g(o.compute)}: N* = ${g(o.N)}${o.intervals ? ` [${g(o.intervals.N.lo)}, ${g(o.intervals.N.hi)}]` : ''}, D* = ${g(o.D)}${o.intervals ? ` [${g(o.intervals.D.lo)}, ${g(o.intervals.D.hi)}]` : ''}, L = ${g(o.loss)}${o.intervals ? ` [${g(o.intervals.loss.lo)}, ${g(o.intervals.loss.hi)}]` : ''}`);
    }
  }
  return out.join('\n') + '\n';
}

export function register(program: Command): void {
  program
    .command('fit-scaling <csv>')
    .description('fit L(N, D) = E + A N^-α + B D^-β (or L(X) = E + A X^-α) to a CSV of runs: Huber/L-BFGS, bootstrap intervals, identifiability warnings, compute-optimal N*(C), D*(C)')
    .option('--compute <C>', 'compute budgets (comma list) for the compute-optimal allocation')
    .option('--flops-per-token <k>', 'C = k·N·D', '6')
    .option('--level <q>', 'interval level', '0.9')
    .option('--bootstrap <B>', 'bootstrap replicates (0: none)', '200')
    .option('--delta <δ>', 'Huber δ on log loss, or auto (1.345 × robust residual scale)', 'auto')
    .option('--seed <s>', 'bootstrap seed', '0')
    .option('--json', 'print JSON')
    .action((file: string, o: FitScalingOptions) => {
      const r = fitScalingCommand(file, o);
      process.stdout.write(o.json ? JSON.stringify(r) + '\n' : formatFitScaling(r));
    });
}
