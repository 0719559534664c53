/**
 * Seeded minibatch index streams over a data set of n examples.
 *
 * - Without replacement: shuffled epochs. Epoch e (0, 1, …) is the permutation
 *   rng.split('epoch' + e).permutation(n), cut into consecutive batches of `batchSize`; the last,
 *   shorter batch of an epoch is kept unless `dropLast`.
 * - With replacement: batch b (0, 1, …) is `batchSize` i.i.d. uniform indices drawn from
 *   rng.split('batch' + b).
 * - Full batch (batchSize ≥ n): always 0, 1, …, n − 1 in order, whatever the other options.
 *
 * Every batch is a pure function of (seed, its position), so the same seed gives the same
 * stream and no other random draw can shift it.
 */
import { Rng } from '../engine/rng.js';

export interface BatchSamplerOptions {
  n: number;
  batchSize: number;
  replacement?: boolean;
  seed?: number;
  rng?: Rng;
  dropLast?: boolean;
}

export interface BatchSampler extends Iterable<Int32Array> {
  /** The next batch of indices (a fresh array). The stream never ends. */
  next(): Int32Array;
  readonly fullBatch: boolean;
  /** Batches per epoch without replacement (1 for full batch; n/batchSize rounded for replacement). */
  readonly batchesPerEpoch: number;
  /** Batches handed out so far. */
  readonly drawn: number;
}

export function batchSampler(opts: BatchSamplerOptions): BatchSampler {
  const { n, batchSize, replacement = false, dropLast = false } = opts;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`batchSampler: n must be an integer ≥ 1, got ${n}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSampler: batchSize must be an integer ≥ 1, got ${batchSize}`);
  const fullBatch = batchSize >= n;
  if (!fullBatch && opts.rng === undefined && opts.seed === undefined) {
    throw new Error('batchSampler: minibatches (batchSize < n) need a seed or an rng');
  }
  const rng = opts.rng ?? new Rng(opts.seed ?? 0);
  const perEpoch = fullBatch ? 1 : replacement ? Math.max(1, Math.round(n / batchSize)) : dropLast ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);

  let drawn = 0;
  let epoch = -1;
  let perm: Int32Array = new Int32Array(0);
  let pos = 0;

  const next = (): Int32Array => {
    drawn++;
    if (fullBatch) {
      const all = new Int32Array(n);
      for (let i = 0; i < n; i++) all[i] = i;
      return all;
    }
    if (replacement) {
      const r = rng.split(`batch${drawn - 1}`);
      const b = new Int32Array(batchSize);
      for (let i = 0; i < batchSize; i++) b[i] = r.int(n);
      return b;
    }
    const remaining = n - pos;
    if (epoch < 0 || remaining === 0 || (dropLast && remaining < batchSize)) {
      epoch++;
      perm = rng.split(`epoch${epoch}`).permutation(n);
      pos = 0;
    }
    const end = Math.min(n, pos + batchSize);
    const b = perm.slice(pos, end);
    pos = end;
    return b;
  };

  return {
    next,
    fullBatch,
    batchesPerEpoch: perEpoch,
    get drawn() { return drawn; },
    *[Symbol.iterator]() { for (;;) yield next(); },
  };
}
