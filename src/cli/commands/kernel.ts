/**
 * `lmech kernel`: the analytic infinite-width NNGP / NTK matrix of a fully connected network.
 *
 *   lmech kernel --act relu --depth 3 [--sigma-w2 2 --sigma-b2 0 --param ntk|standard --width n]
 *                --x inputs.json [--x2 other.npy] --kind ntk|nngp [--json]
 *
 * Inputs are rows of a matrix in .json (array of rows), .csv or .npy (little-endian float64/float32).
 * Output: the n1 × n2 matrix, as CSV lines, or with --json as {kind, spec, rows, cols, kernel}.
 */
import type { Command } from 'commander';
import { ConfigError } from '../../experiments/config.js';
import { analyticKernel, type FullyConnectedSpec, type KernelActivation, type KernelParameterization } from '../../theory/kernels.js';
import { MatrixFormatError, readMatrix } from '../../io/npy.js';
import type { Mat } from '../../engine/linalg/index.js';
import { estimate, guardMemory, parseMemoryLimit } from '../../io/resources.js';

export interface KernelCommandOptions {
  act?: string;
  depth?: string | number;
  sigmaW2?: string | number;
  sigmaB2?: string | number;
  param?: string;
  width?: string | number;
  x?: string;
  x2?: string;
  kind?: string;
  json?: boolean;
  /** Memory limit (bytes or with a unit); default half the free memory. */
  maxMemory?: string | number;
}

function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[], dflt: T): T {
  if (value === undefined) return dflt;
  if (!(allowed as readonly string[]).includes(value)) throw new ConfigError(`${flag}: must be one of ${allowed.map((a) => `"${a}"`).join(', ')} (got ${JSON.stringify(value)})`);
  return value as T;
}

function num(flag: string, value: string | number | undefined, dflt: number | undefined, check: (x: number) => boolean, range: string): number | undefined {
  if (value === undefined) return dflt;
  const x = typeof value === 'number' ? value : Number(value);
  if (typeof value === 'string' && value.trim() === '') throw new ConfigError(`${flag}: needs ${range}`);
  if (!Number.isFinite(x) || !check(x)) throw new ConfigError(`${flag}: must be ${range} (got ${JSON.stringify(value)})`);
  return x;
}

/** Validate the flags and compute the matrix (no printing): the command's whole logic. */
export function kernelCommand(o: KernelCommandOptions): { kind: 'ntk' | 'nngp'; spec: FullyConnectedSpec; matrix: Mat } {
  const act = oneOf<KernelActivation>('--act', o.act, ['relu', 'erf', 'linear'], 'relu');
  const kind = oneOf('--kind', o.kind, ['ntk', 'nngp'] as const, 'ntk');
  const param = oneOf<KernelParameterization>('--param', o.param, ['ntk', 'standard'], 'ntk');
  const depth = num('--depth', o.depth, 3, (x) => Number.isInteger(x) && x >= 1 && x <= 100, 'an integer in [1, 100]')!;
  const sigmaW2 = num('--sigma-w2', o.sigmaW2, act === 'relu' ? 2 : 1, (x) => x >= 0, 'a number ≥ 0')!;
  const sigmaB2 = num('--sigma-b2', o.sigmaB2, 0, (x) => x >= 0, 'a number ≥ 0')!;
  const width = num('--width', o.width, undefined, (x) => Number.isInteger(x) && x >= 1, 'an integer ≥ 1');
  if (param === 'standard' && kind === 'ntk' && depth > 1 && width === undefined) {
    throw new ConfigError('--width: the standard-parameterization NTK grows with the hidden width (no infinite-width limit); give --width, or use --param ntk');
  }
  if (!o.x) throw new ConfigError('--x: required (a .json, .csv or .npy file of input rows)');
  const limit = parseMemoryLimit(o.maxMemory);
  let X1: Mat, X2: Mat | undefined;
  try {
    X1 = readMatrix(o.x, `--x ${o.x}`);
    X2 = o.x2 ? readMatrix(o.x2, `--x2 ${o.x2}`) : undefined;
  } catch (e) {
    if (e instanceof MatrixFormatError) throw new ConfigError(e.message);
    throw e;
  }
  if (X2 && X2.cols !== X1.cols) throw new ConfigError(`--x2: rows have ${X2.cols} entries but --x rows have ${X1.cols}`);
  const n2 = X2 ? X2.rows : X1.rows;
  guardMemory({
    what: `the ${X1.rows} × ${n2} kernel matrices`, flag: `--x ${o.x}${o.x2 ? ` --x2 ${o.x2}` : ''}`,
    bytes: estimate.analyticKernel(X1.rows, n2), hint: 'use fewer rows',
  }, limit, '--max-memory', o.maxMemory !== undefined);
  const spec: FullyConnectedSpec = { activation: act, depth, sigmaW2, sigmaB2, parameterization: param, ...(width !== undefined ? { width } : {}) };
  const k = analyticKernel(spec, X1, X2);
  return { kind, spec, matrix: kind === 'ntk' ? k.ntk : k.nngp };
}

export function formatKernel(r: ReturnType<typeof kernelCommand>, json: boolean): string {
  const { matrix: M } = r;
  const rows: number[][] = [];
  for (let i = 0; i < M.rows; i++) rows.push(Array.from(M.data.subarray(i * M.cols, (i + 1) * M.cols)));
  if (json) return JSON.stringify({ kind: r.kind, spec: r.spec, rows: M.rows, cols: M.cols, kernel: rows }) + '\n';
  return rows.map((r) => r.map((x) => x.toPrecision(10)).join(',')).join('\n') + '\n';
}

export function register(program: Command): void {
  program
    .command('kernel')
    .description('analytic infinite-width NNGP/NTK matrix of a fully connected network')
    .option('--act <name>', 'activation: relu | erf | linear', 'relu')
    .option('--depth <L>', 'number of dense layers (L − 1 hidden layers)', '3')
    .option('--sigma-w2 <v>', 'weight variance σ_w² (default 2 for relu, 1 otherwise)')
    .option('--sigma-b2 <v>', 'bias variance σ_b²', '0')
    .option('--param <p>', 'parameterization: ntk | standard', 'ntk')
    .option('--width <n>', 'hidden width (needed for the standard-parameterization NTK)')
    .option('--x <file>', 'input rows: .json (array of rows), .csv or .npy')
    .option('--x2 <file>', 'second set of input rows (default: --x)')
    .option('--kind <k>', 'ntk | nngp', 'ntk')
    .option('--json', 'print JSON instead of CSV')
    .option('--max-memory <size>', 'refuse inputs whose kernel needs more memory than this (e.g. 8G; default half the free memory)')
    .action((o: KernelCommandOptions) => {
      process.stdout.write(formatKernel(kernelCommand(o), !!o.json));
    });
}
