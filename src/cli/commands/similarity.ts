/**
 * `lmech similarity A.npy B.npy`: how similar are two representations of the same inputs?
 *
 *   lmech similarity A.npy B.npy [--k 10] [--rbf-factor 1] [--variance 0.99]
 *                    [--permutations 10] [--seed 0] [--json]
 *
 * A and B are n × p₁ and n × p₂ matrices (rows = the same n inputs, in the same order; .npy
 * float64/float32, or .json / .csv rows). Printed for each metric of src/observables/similarity.ts
 * (linear CKA biased and debiased, RBF CKA biased and debiased, mutual kNN, SVCCA, orthogonal
 * Procrustes): its value, its null for independent isotropic Gaussian features of this n, p₁, p₂
 * where one is known (biased linear CKA E tr W₁/‖W₁‖·E tr W₂/‖W₂‖/(n−1), drawn, and its
 * approximation √(p₁p₂/((n+p₁)(n+p₂))); debiased CKA 0; mutual kNN k/(n−1)), and a permutation
 * null (the rows of B shuffled: the pairing of inputs destroyed, each space's own geometry kept)
 * as mean ± sd over `--permutations` seeded shuffles. A metric that is undefined for these
 * inputs (constant features, a zero row) is printed as "undefined" with the reason.
 *
 * Bad input (unreadable file, not a matrix, different numbers of rows, a bad flag) → exit 2
 * with a message naming the file and the shapes.
 */
import type { Command } from 'commander';
import { ConfigError } from '../../experiments/config.js';
import { MatrixFormatError, readMatrix } from '../../io/npy.js';
import type { Mat } from '../../engine/linalg/index.js';
import { Rng } from '../../engine/rng.js';
import {
  SimilarityError, cka, ckaDebiased, linearCkaNull, mutualKnn, mutualKnnNull, procrustes, svcca,
} from '../../observables/similarity.js';

export interface SimilarityCommandOptions {
  k?: string | number;
  rbfFactor?: string | number;
  variance?: string | number;
  permutations?: string | number;
  seed?: string | number;
  nullDraws?: string | number;
  json?: boolean;
}

export interface MetricRow {
  metric: string;
  /** NaN when undefined (see `reason`). */
  value: number;
  reason?: string;
  /** Analytic null for independent Gaussian features (NaN: none known). */
  null: number;
  nullNote?: string;
  permutationMean: number;
  permutationSd: number;
  detail?: string;
}

export interface SimilarityReport {
  a: { file: string; rows: number; cols: number };
  b: { file: string; rows: number; cols: number };
  n: number;
  k: number;
  permutations: number;
  metrics: MetricRow[];
}

function num(flag: string, value: string | number | undefined, dflt: number, ok: (x: number) => boolean, range: string): number {
  if (value === undefined) return dflt;
  const x = typeof value === 'number' ? value : Number(value);
  if ((typeof value === 'string' && value.trim() === '') || !Number.isFinite(x) || !ok(x)) throw new ConfigError(`${flag}: must be ${range} (got ${JSON.stringify(value)})`);
  return x;
}

function read(file: string | undefined, which: string): Mat {
  if (!file) throw new ConfigError(`${which}: required (a .npy, .json or .csv matrix, rows = inputs)`);
  try {
    return readMatrix(file, file);
  } catch (e) {
    if (e instanceof MatrixFormatError) throw new ConfigError(e.message);
    throw e;
  }
}

function permuteRows(X: Mat, perm: Int32Array): Mat {
  const out = new Float64Array(X.data.length), p = X.cols;
  for (let i = 0; i < X.rows; i++) out.set(X.data.subarray(perm[i] * p, (perm[i] + 1) * p), i * p);
  return { rows: X.rows, cols: p, data: out };
}

/** Validate, read both files and compute every metric with its nulls (no printing). */
export function similarityCommand(fileA: string | undefined, fileB: string | undefined, o: SimilarityCommandOptions = {}): SimilarityReport {
  const A = read(fileA, 'A'), B = read(fileB, 'B');
  const fa = fileA!, fb = fileB!;
  if (A.rows !== B.rows) {
    throw new ConfigError(`${fb}: has ${B.rows} rows (shape ${B.rows}×${B.cols}) but ${fa} has ${A.rows} (shape ${A.rows}×${A.cols}); both must hold features of the same inputs, one row per input`);
  }
  const n = A.rows;
  if (n < 4) throw new ConfigError(`${fa}: has ${n} rows; the similarity metrics need n ≥ 4 inputs (rows)`);
  const k = num('--k', o.k, Math.min(10, n - 1), (x) => Number.isInteger(x) && x >= 1 && x <= n - 1, `an integer in [1, ${n - 1}] (n − 1)`);
  const factor = num('--rbf-factor', o.rbfFactor, 1, (x) => x > 0, 'a number > 0');
  const variance = num('--variance', o.variance, 0.99, (x) => x > 0 && x <= 1, 'a fraction in (0, 1]');
  const permutations = num('--permutations', o.permutations, 10, (x) => Number.isInteger(x) && x >= 0 && x <= 10000, 'an integer in [0, 10000]');
  const seed = num('--seed', o.seed, 0, (x) => Number.isInteger(x) && x >= 0, 'an integer ≥ 0');
  const nullDraws = num('--null-draws', o.nullDraws, 16, (x) => Number.isInteger(x) && x >= 2 && x <= 10000, 'an integer in [2, 10000]');
  const names: [string, string] = [fa, fb];

  const metrics: { metric: string; f: (X: Mat, Y: Mat) => number; detail?: (X: Mat, Y: Mat) => string; null?: number; nullNote?: string }[] = [];
  // The drawn Wishart null costs min(n, p)²·max(n, p) per draw; above ~1e10 flops only the approximation is given.
  const cost = (p: number) => Math.min(n - 1, p) ** 2 * Math.max(n - 1, p) * nullDraws;
  const drawn = cost(A.cols) + cost(B.cols) <= 1e10;
  const lin = drawn ? linearCkaNull(n, A.cols, B.cols, { draws: nullDraws, seed }) : null;
  const approx = Math.sqrt((A.cols * B.cols) / ((n + A.cols) * (n + B.cols)));
  metrics.push({
    metric: 'CKA linear (biased)', f: (X, Y) => cka(X, Y, { names }),
    null: lin ? lin.biased : approx,
    nullNote: lin ? `E trW₁/‖W₁‖·E trW₂/‖W₂‖/(n−1) = ${lin.biased.toFixed(4)} ± ${lin.biasedSe.toFixed(4)} (${nullDraws} Wishart draws); ≈ √(p₁p₂/((n+p₁)(n+p₂))) = ${approx.toFixed(4)}` : `≈ √(p₁p₂/((n+p₁)(n+p₂))) (too large to draw the exact Wishart value)`,
  });
  metrics.push({ metric: 'CKA linear (debiased)', f: (X, Y) => ckaDebiased(X, Y, { names }), null: 0, nullNote: 'ratio of unbiased HSICs: ≈ 0' });
  metrics.push({ metric: `CKA RBF (biased, σ = ${factor} × median distance)`, f: (X, Y) => cka(X, Y, { kernel: 'rbf', factor, names }), null: NaN });
  metrics.push({ metric: `CKA RBF (debiased, σ = ${factor} × median distance)`, f: (X, Y) => ckaDebiased(X, Y, { kernel: 'rbf', factor, names }), null: 0, nullNote: 'ratio of unbiased HSICs: ≈ 0' });
  metrics.push({ metric: `mutual kNN (k = ${k})`, f: (X, Y) => mutualKnn(X, Y, { k, names }), null: mutualKnnNull(n, k), nullNote: 'k/(n−1)' });
  metrics.push({
    metric: `SVCCA (${variance * 100} % of variance)`, f: (X, Y) => svcca(X, Y, { variance, names }).similarity, null: NaN,
    detail: (X, Y) => { const r = svcca(X, Y, { variance, names }); return `kept dims ${r.dimsX}, ${r.dimsY}; top correlations ${Array.from(r.correlations.subarray(0, 3), (v) => v.toFixed(3)).join(', ')}`; },
  });
  metrics.push({
    metric: 'Procrustes similarity ‖XᵀY‖_* (normalised)', f: (X, Y) => procrustes(X, Y, { names }).nuclear, null: NaN,
    detail: (X, Y) => { const r = procrustes(X, Y, { names }); return `distance² 2 − 2‖XᵀY‖_* = ${r.distance2.toFixed(4)}, angle ${r.angle.toFixed(4)} rad`; },
  });

  const perms = Array.from({ length: permutations }, (_, t) => new Rng(seed).split('permutation').split(t).permutation(n));
  const rows: MetricRow[] = metrics.map((m) => {
    let value = NaN, reason: string | undefined, detail: string | undefined;
    try {
      value = m.f(A, B);
      detail = m.detail?.(A, B);
    } catch (e) {
      if (!(e instanceof SimilarityError)) throw e;
      reason = e.message;
    }
    const vals: number[] = [];
    if (reason === undefined) for (const p of perms) { try { vals.push(m.f(A, permuteRows(B, p))); } catch (e) { if (!(e instanceof SimilarityError)) throw e; } }
    const mean = vals.length ? vals.reduce((s, v) => s + v, 0) / vals.length : NaN;
    const sd = vals.length > 1 ? Math.sqrt(vals.reduce((s, v) => s + (v - mean) ** 2, 0) / (vals.length - 1)) : NaN;
    return {
      metric: m.metric, value, ...(reason ? { reason } : {}), null: m.null ?? NaN, ...(m.nullNote ? { nullNote: m.nullNote } : {}),
      permutationMean: mean, permutationSd: sd, ...(detail ? { detail } : {}),
    };
  });
  return { a: { file: fa, rows: A.rows, cols: A.cols }, b: { file: fb, rows: B.rows, cols: B.cols }, n, k, permutations, metrics: rows };
}

const f4 = (x: number) => (Number.isFinite(x) ? x.toFixed(4) : '—');

export function formatSimilarity(r: SimilarityReport, json: boolean): string {
  if (json) return JSON.stringify(r, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)) + '\n';
  const lines = [
    `${r.a.file} (${r.a.rows} × ${r.a.cols}) vs ${r.b.file} (${r.b.rows} × ${r.b.cols}): n = ${r.n} inputs`,
    `${'metric'.padEnd(46)} ${'value'.padStart(8)}  ${'null'.padStart(8)}  ${`perm. null (${r.permutations})`.padStart(20)}`,
  ];
  for (const m of r.metrics) {
    const perm = Number.isFinite(m.permutationMean) ? `${f4(m.permutationMean)} ± ${f4(m.permutationSd)}` : '—';
    lines.push(`${m.metric.padEnd(46)} ${(m.reason ? 'undefined' : f4(m.value)).padStart(8)}  ${f4(m.null).padStart(8)}  ${perm.padStart(20)}`);
    if (m.reason) lines.push(`    undefined: ${m.reason}`);
    if (m.detail) lines.push(`    ${m.detail}`);
    if (m.nullNote) lines.push(`    null: ${m.nullNote}`);
  }
  lines.push('null: expectation for independent isotropic Gaussian features of this n, p₁, p₂ (— : none known); perm. null: mean ± sd with the rows of B shuffled.');
  return lines.join('\n') + '\n';
}

export function register(program: Command): void {
  program
    .command('similarity <A> <B>')
    .description('representation similarity of two feature matrices of the same inputs (rows): CKA (linear, RBF; biased, debiased), mutual kNN, SVCCA, Procrustes, with their nulls')
    .option('--k <k>', 'mutual kNN neighbours (default min(10, n − 1))')
    .option('--rbf-factor <f>', 'RBF bandwidth σ = f × median distance', '1')
    .option('--variance <v>', 'SVCCA: fraction of variance kept', '0.99')
    .option('--permutations <m>', 'row shuffles of B for the permutation null (0: none)', '10')
    .option('--null-draws <d>', 'Wishart draws for the exact biased-CKA null', '16')
    .option('--seed <s>', 'seed of the shuffles and draws', '0')
    .option('--json', 'print JSON')
    .action((a: string, b: string, o: SimilarityCommandOptions) => {
      process.stdout.write(formatSimilarity(similarityCommand(a, b, o), !!o.json));
    });
}
