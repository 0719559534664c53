/**
 * Your own training data: `--data file.csv|file.npy` (and optionally `--labels file.csv|file.npy`),
 * read, validated and turned into the lab's `Dataset` (inputs X ∈ R^{n×d}, targets Y ∈ R^{n×k}).
 *
 * Files (rows = examples; at most MAX_ROWS rows, MAX_COLUMNS columns, MAX_BYTES bytes):
 *   - .csv: comma-, tab- or semicolon-separated numbers (the separator is the first of these on the
 *     first line; none → whitespace). A first line with a field that is not a number is a header
 *     (its names are kept for messages). Blank lines and lines starting with '#' are skipped.
 *     Fields may be "quoted". Rows in messages are the file's line numbers (1-based, the header
 *     is row 1, as a spreadsheet shows them); columns are 1-based.
 *   - .npy: a rank-1 or rank-2 little-endian float64/float32/int32/int64 array (src/io/npy.ts);
 *     row i of a message is array row i (1-based).
 *   Every entry must be a finite number.
 * Labels: the last column of the data file, unless a labels file (same number of rows) is given.
 *   - task 'classification': one column of integer class labels — the distinct values, sorted,
 *     become classes 0..K−1 (2 ≤ K ≤ MAX_CLASSES) — or K ≥ 2 columns of one-hot rows; the
 *     targets are one-hot rows (MSE on one-hot targets, or softmax cross-entropy).
 *   - task 'regression': the label columns are the targets as they are (MSE only).
 * Inputs: by default centered per column and scaled by one global factor so the mean squared
 * entry is 1 (`centerAndScale`, the preprocessing the MNIST subset gets), so learning rates
 * tuned for MNIST keep their meaning; `center: false` takes them as they are. Rows keep the
 * file's order (no shuffling, no subsampling): the same numbers in a .csv and a .npy give a
 * bit-identical dataset.
 *
 * The file is read with node:fs, imported lazily (specifiers in variables, so a browser bundle
 * never sees it); in a browser `loadUserData` refuses with a UserDataError. The identity of a
 * file is the SHA-256 of its bytes (`summary.sha256`); the sweep store hashes it into the cell
 * identity (src/lab/identity.ts), so editing a file in place makes new cells.
 */
import { z } from 'zod';
import type { Mat } from '../engine/linalg/index.js';
import { centerAndScale, loadDigits, type Dataset } from './mnist.js';

export const MAX_ROWS = 10_000;
export const MAX_COLUMNS = 4096;
export const MAX_CLASSES = 1000;
export const MAX_BYTES = 256 * 2 ** 20;

/** Bad user data: the message names the file (and the row and column where there is one). */
export class UserDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserDataError';
  }
}

export type DataTask = 'classification' | 'regression';
export type DataFormat = 'csv' | 'npy';

/** A value of a `data`/`labels` option that names a file (rather than a built-in source). */
export const DATA_FILE = /\.(csv|npy)$/i;
export const isDataFile = (v: unknown): v is string => typeof v === 'string' && DATA_FILE.test(v);

/** A numeric table read from a file, with the file row of each data row (for messages). */
export interface Table extends Mat {
  file: string;
  format: DataFormat;
  header?: string[];
  /** rowOf[i]: the row number a user sees for data row i (csv: the line; npy: i + 1). */
  rowOf: Int32Array;
}

/** Where the data came from and what shape it has: plain JSON, for the record and the manifest. */
export interface DataSummary {
  /** The data file as given on the command line, its format and the SHA-256 of its bytes. */
  source: string;
  format: DataFormat;
  sha256: string;
  /** Inputs: n examples × d features (after the label column is taken out). */
  shape: [number, number];
  /** Columns of the target matrix Y (classes for classification). */
  targets: number;
  task: DataTask;
  /** Where the labels came from: a column of the data file, or their own file. */
  labels: { source: string; column?: number; format?: DataFormat; sha256?: string };
  /** Classification: the number of classes and the label value of each (one-hot labels: 0..K−1). */
  classes?: number;
  classValues?: number[];
  header: boolean;
  centered: boolean;
}

export interface UserData {
  X: Float64Array;
  Y: Float64Array;
  /** Class index of each example (classification; zeros for regression). */
  labels: Int32Array;
  n: number;
  d: number;
  /** Columns of Y. */
  outputs: number;
  summary: DataSummary;
  description: string;
}

export interface UserDataOptions {
  /** A labels file; default: the data file's last column. */
  labels?: string;
  task: DataTask;
  /** Center the inputs and scale them to unit mean square (default true). */
  center?: boolean;
  /** Reads a file's bytes (default: node:fs). */
  read?: (path: string) => Promise<Uint8Array>;
}

// ---------------------------------------------------------------------------------------
// Parsing (pure).

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const unquote = (s: string) => (s.length >= 2 && s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1).trim() : s);
const show = (s: string) => JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);

function checkSize(file: string, rows: number, cols: number): void {
  if (rows > MAX_ROWS) throw new UserDataError(`${file}: ${rows} rows, more than the ${MAX_ROWS} allowed (full-batch GD and Hessians on every example); use a subset of the rows`);
  if (cols > MAX_COLUMNS) throw new UserDataError(`${file}: ${cols} columns, more than the ${MAX_COLUMNS} allowed`);
}

/** CSV text → table; every error names the file, the row (its line) and the column. */
export function parseCsvTable(text: string, file: string): Table {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const kept: number[] = [];
  lines.forEach((l, i) => { const t = l.trim(); if (t.length && !t.startsWith('#')) kept.push(i); });
  if (!kept.length) throw new UserDataError(`${file}: no rows (the file is empty)`);
  const first = lines[kept[0]];
  const sep = [',', '\t', ';'].find((s) => first.includes(s));
  const split = (l: string) => (sep ? l.split(sep) : l.trim().split(/\s+/)).map((s) => unquote(s.trim()));
  const head = split(first);
  let header: string[] | undefined;
  if (head.some((s) => s.length && !NUMBER.test(s))) { header = head; kept.shift(); }
  if (!kept.length) throw new UserDataError(`${file}: a header but no data rows`);
  const cols = head.length;
  checkSize(file, kept.length, cols);
  const rows = kept.length;
  const data = new Float64Array(rows * cols);
  const rowOf = new Int32Array(rows);
  const ref = header ? 'the header (row 1)' : `row ${kept[0] + 1}`;
  kept.forEach((li, i) => {
    const f = split(lines[li]);
    const row = li + 1;
    rowOf[i] = row;
    if (f.length !== cols) throw new UserDataError(`${file} row ${row}: ${f.length} columns, but ${ref} has ${cols}`);
    f.forEach((s, j) => {
      if (!s.length) throw new UserDataError(`${file} row ${row}, column ${j + 1}: empty field (a missing value)`);
      if (!NUMBER.test(s)) throw new UserDataError(`${file} row ${row}, column ${j + 1}: ${show(s)} is not a number`);
      const x = Number(s);
      if (!Number.isFinite(x)) throw new UserDataError(`${file} row ${row}, column ${j + 1}: ${show(s)} is not a finite number`);
      data[i * cols + j] = x;
    });
  });
  return { rows, cols, data, file, format: 'csv', ...(header ? { header } : {}), rowOf };
}

/** A parsed .npy matrix → table: finite entries only, within the size bounds. */
export function npyTable(m: Mat, file: string): Table {
  checkSize(file, m.rows, m.cols);
  for (let k = 0; k < m.data.length; k++) {
    if (!Number.isFinite(m.data[k])) throw new UserDataError(`${file} row ${Math.floor(k / m.cols) + 1}, column ${(k % m.cols) + 1}: ${m.data[k]} is not a finite number`);
  }
  return { rows: m.rows, cols: m.cols, data: m.data, file, format: 'npy', rowOf: Int32Array.from({ length: m.rows }, (_, i) => i + 1) };
}

function columnName(t: Table, j: number): string {
  return t.header?.[j] ? `column ${j + 1} ("${t.header[j]}")` : `column ${j + 1}`;
}

/** Integer class labels (one column) or one-hot rows → class indices, one-hot Y, K classes. */
function classify(L: Table, col0: number, ncols: number, where: string) {
  const n = L.rows;
  const labels = new Int32Array(n);
  if (ncols === 1) {
    const values = new Set<number>();
    for (let i = 0; i < n; i++) {
      const v = L.data[i * L.cols + col0];
      if (!Number.isInteger(v)) throw new UserDataError(`${L.file} row ${L.rowOf[i]}, column ${col0 + 1}: ${v} is not an integer class label (task classification; use --task regression for real-valued targets)`);
      values.add(v);
    }
    const classValues = [...values].sort((a, b) => a - b);
    const K = classValues.length;
    if (K < 2) throw new UserDataError(`${where}: every label is ${classValues[0]}; classification needs at least 2 classes`);
    if (K > MAX_CLASSES) throw new UserDataError(`${where}: ${K} distinct labels, more than the ${MAX_CLASSES} classes allowed (real-valued targets? use --task regression)`);
    const index = new Map(classValues.map((v, k) => [v, k]));
    for (let i = 0; i < n; i++) labels[i] = index.get(L.data[i * L.cols + col0])!;
    return { labels, K, classValues };
  }
  for (let i = 0; i < n; i++) {
    let ones = 0, at = -1;
    for (let k = 0; k < ncols; k++) {
      const v = L.data[i * L.cols + col0 + k];
      if (v === 1) { ones++; at = k; } else if (v !== 0) throw new UserDataError(`${L.file} row ${L.rowOf[i]}, column ${col0 + k + 1}: ${v} in a one-hot label row (entries must be 0 or 1; for real-valued targets use --task regression)`);
    }
    if (ones !== 1) throw new UserDataError(`${L.file} row ${L.rowOf[i]}: ${ones} entries equal 1 in a one-hot label row (exactly one allowed)`);
    labels[i] = at;
  }
  if (ncols > MAX_CLASSES) throw new UserDataError(`${where}: ${ncols} one-hot columns, more than the ${MAX_CLASSES} classes allowed`);
  return { labels, K: ncols, classValues: Array.from({ length: ncols }, (_, k) => k) };
}

/**
 * Inputs and labels tables → the dataset: labels from `labels` or the data's last column,
 * classes or real targets by task, inputs centered and scaled unless `center` is false.
 */
export function userDataFromTables(data: Table, labelsTable: Table | undefined, opts: { task: DataTask; center?: boolean; sha256: string; labelsSha256?: string }): UserData {
  const center = opts.center ?? true;
  let d: number, L: Table, col0: number, ncols: number, labelSource: DataSummary['labels'];
  if (labelsTable) {
    if (labelsTable.rows !== data.rows) throw new UserDataError(`${labelsTable.file}: ${labelsTable.rows} rows of labels, but ${data.file} has ${data.rows} rows of data`);
    d = data.cols; L = labelsTable; col0 = 0; ncols = labelsTable.cols;
    labelSource = { source: labelsTable.file, format: labelsTable.format, ...(opts.labelsSha256 ? { sha256: opts.labelsSha256 } : {}) };
  } else {
    if (data.cols < 2) throw new UserDataError(`${data.file}: 1 column; the last column holds the labels, so at least 2 are needed (or give the labels in their own file with --labels)`);
    d = data.cols - 1; L = data; col0 = d; ncols = 1;
    labelSource = { source: data.file, column: data.cols };
  }
  const n = data.rows;
  if (n < 2) throw new UserDataError(`${data.file}: ${n} row; at least 2 examples are needed`);
  const X = new Float64Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) X[i * d + j] = data.data[i * data.cols + j];
  if (center) centerAndScale(X, n, d);
  const where = labelsTable ? labelsTable.file : `${data.file} ${columnName(data, col0)}`;
  let Y: Float64Array, labels: Int32Array, outputs: number, classInfo = '';
  let classes: number | undefined, classValues: number[] | undefined;
  if (opts.task === 'classification') {
    const c = classify(L, col0, ncols, where);
    labels = c.labels; outputs = c.K; classes = c.K; classValues = c.classValues;
    Y = new Float64Array(n * outputs);
    for (let i = 0; i < n; i++) Y[i * outputs + labels[i]] = 1;
    const counts = new Array<number>(outputs).fill(0);
    for (const k of labels) counts[k]++;
    const listed = c.classValues.length <= 12 ? ` (${c.classValues.map((v, k) => `${v}: ${counts[k]}`).join(', ')})` : '';
    classInfo = `${c.K} classes${listed} → one-hot targets`;
  } else {
    outputs = ncols; labels = new Int32Array(n);
    Y = new Float64Array(n * outputs);
    for (let i = 0; i < n; i++) for (let k = 0; k < ncols; k++) Y[i * outputs + k] = L.data[i * L.cols + col0 + k];
    classInfo = `${ncols} real-valued target${ncols > 1 ? 's' : ''}`;
  }
  const summary: DataSummary = {
    source: data.file, format: data.format, sha256: opts.sha256, shape: [n, d], targets: outputs, task: opts.task, labels: labelSource,
    ...(classes !== undefined ? { classes, classValues: classValues!.slice(0, 100) } : {}),
    header: !!data.header, centered: center,
  };
  const from = labelsTable ? `labels from ${labelsTable.file}` : `labels from ${columnName(data, col0)}`;
  const description = `${data.file} (${data.format.toUpperCase()}${data.header ? ' with header' : ''}, sha256 ${opts.sha256.slice(0, 12)}…): ` +
    `${n} examples × ${d} inputs, ${from}: ${classInfo}; inputs ${center ? 'centered, unit mean-square' : 'as given'}, rows in file order`;
  return { X, Y, labels, n, d, outputs, summary, description };
}

// ---------------------------------------------------------------------------------------
// Files (Node).

function isNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}

/** The bytes of a file (node:fs, imported lazily), refusing files over MAX_BYTES. */
export async function readFileBytes(path: string, flag = '--data'): Promise<Uint8Array> {
  if (!isNode()) throw new UserDataError(`${flag} ${path}: reading a data file needs Node (the lmech CLI or the library); the page trains on the built-in data only`);
  const fsName = 'node:fs/promises';
  const fs = await import(/* @vite-ignore */ fsName) as typeof import('node:fs/promises');
  let size: number;
  try { size = (await fs.stat(path)).size; } catch (e) { throw new UserDataError(`${flag}: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`); }
  if (size > MAX_BYTES) throw new UserDataError(`${flag} ${path}: ${(size / 2 ** 20).toFixed(0)} MiB, more than the ${MAX_BYTES / 2 ** 20} MiB allowed`);
  try { return new Uint8Array(await fs.readFile(path)); } catch (e) { throw new UserDataError(`${flag}: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`); }
}

/** SHA-256 of bytes, hex (WebCrypto: Node and browsers; equal to node:crypto's). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Bytes of a .csv or .npy file → table (the .npy header is parsed by src/io/npy.ts). */
export async function tableFromBytes(bytes: Uint8Array, file: string): Promise<Table> {
  const ext = DATA_FILE.exec(file)?.[1]?.toLowerCase();
  if (ext === 'csv') return parseCsvTable(new TextDecoder('utf-8').decode(bytes), file);
  if (ext === 'npy') {
    // Held in a variable so bundlers leave src/io/npy.ts (which imports node:fs) out of the page.
    const npyName = '../io/npy.js';
    const { parseNpy } = await import(/* @vite-ignore */ npyName) as typeof import('../io/npy.js');
    let m: Mat;
    try { m = parseNpy(bytes, file); } catch (e) { throw new UserDataError((e as Error).message); }
    return npyTable(m, file);
  }
  throw new UserDataError(`${file}: unknown file type; allowed: .csv, .npy`);
}

/** Read, validate and prepare a data file (and its labels file): see the file comment. */
export async function loadUserData(path: string, opts: UserDataOptions): Promise<UserData> {
  const read = opts.read ?? ((p: string) => readFileBytes(p, p === path ? '--data' : '--labels'));
  if (!isDataFile(path)) throw new UserDataError(`--data: ${JSON.stringify(path)} is not a .csv or .npy file`);
  if (opts.labels !== undefined && opts.labels !== '' && !isDataFile(opts.labels)) throw new UserDataError(`--labels: ${JSON.stringify(opts.labels)} is not a .csv or .npy file`);
  const bytes = await read(path);
  const table = await tableFromBytes(bytes, path);
  let labels: Table | undefined, labelsSha256: string | undefined;
  if (opts.labels) {
    const lb = await read(opts.labels);
    labels = await tableFromBytes(lb, opts.labels);
    labelsSha256 = await sha256Hex(lb);
  }
  return userDataFromTables(table, labels, { task: opts.task, center: opts.center, sha256: await sha256Hex(bytes), ...(labelsSha256 ? { labelsSha256 } : {}) });
}

/** The user data as the lab's Dataset (what `mlpProblem` trains on). */
export function asDataset(u: UserData): Dataset {
  return { X: u.X, Y: u.Y, labels: u.labels, n: u.n, d: u.d, classes: u.outputs, source: 'file', description: u.description };
}

// ---------------------------------------------------------------------------------------
// Config fields shared by the experiments that train on a dataset.

const FILE_ERROR = 'must be "mnist", "synthetic" or a path to a .csv or .npy file';

/** Zod fields `data`, `labels`, `task`, `center` of an experiment that trains on MNIST or on the user's data. */
export const userDataFields = {
  data: z.union([z.enum(['mnist', 'synthetic']), z.string().regex(DATA_FILE, { error: FILE_ERROR }).describe('path (.csv, .npy)')], { error: FILE_ERROR }).default('mnist')
    .describe('MNIST digits (pool 4 is embedded, so also in the browser; other pools need Node, else the browser falls back to synthetic), a seeded Gaussian mixture, or your own .csv/.npy file (Node only: rows = examples, every row used in file order; the last column is the label unless --labels; samples, pool, classes then do not apply)'),
  labels: z.string().regex(/^$|\.(csv|npy)$/i, { error: 'must be empty (labels = the last column of --data) or a path to a .csv or .npy file' }).default('')
    .describe('with --data FILE: the labels in their own .csv/.npy file, one row per example ("" = the last column of the data file)'),
  task: z.enum(['classification', 'regression']).default('classification')
    .describe('with --data FILE: classification (integer labels or one-hot rows → one-hot targets) or regression (the label columns are the targets; MSE only)'),
  center: z.boolean().default(true)
    .describe('with --data FILE: center each input column and scale to unit mean square (as the MNIST subset); --no-center keeps the inputs as given'),
};

/** The config fields of one run that name files, with their flags (for the cell identity and early checks). */
export function dataFilesOf(config: Record<string, unknown>): { field: 'data' | 'labels'; path: string }[] {
  const out: { field: 'data' | 'labels'; path: string }[] = [];
  if (isDataFile(config.data)) out.push({ field: 'data', path: config.data });
  if (isDataFile(config.data) && isDataFile(config.labels)) out.push({ field: 'labels', path: config.labels });
  return out;
}

export interface TrainingSetConfig {
  data: string; labels: string; task: DataTask; center: boolean;
  samples: number; pool: number; classes: number; seed: number;
}

/** What a config asks for, as one check before anything is read (no file access). */
export function checkDataConfig(c: Pick<TrainingSetConfig, 'data' | 'labels' | 'task'> & { loss?: string }): void {
  if (!isDataFile(c.data)) {
    if (c.labels) throw new UserDataError(`--labels: only with --data FILE (got --data ${c.data})`);
    if (c.task === 'regression') throw new UserDataError(`--task regression: only with --data FILE (${c.data} has class labels)`);
    return;
  }
  if (c.task === 'regression' && c.loss !== undefined && c.loss !== 'mse') throw new UserDataError(`--task regression: real-valued targets need --loss mse (got --loss ${c.loss})`);
}

/** The training set of a run: the user's file when `data` names one, else MNIST or its synthetic stand-in. */
export async function loadTrainingSet(c: TrainingSetConfig): Promise<{ ds: Dataset; data?: DataSummary }> {
  if (isDataFile(c.data)) {
    const u = await loadUserData(c.data, { labels: c.labels || undefined, task: c.task, center: c.center });
    return { ds: asDataset(u), data: u.summary };
  }
  return { ds: await loadDigits({ data: c.data as 'mnist' | 'synthetic', samples: c.samples, pool: c.pool, classes: c.classes, seed: c.seed }) };
}
