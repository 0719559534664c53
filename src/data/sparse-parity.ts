/**
 * Multitask sparse parity (Michaud, Liu, Girit & Tegmark 2023, "The quantization model of neural
 * scaling", arXiv 2303.13506, §3; reference script ejmichaud/quantization-model
 * scripts/sparse-parity-v4.py).
 *
 * An example of task i ∈ {0, …, T−1} is x = [e_i | b] ∈ {0,1}^{T+n}: the one-hot "control bits"
 * e_i naming the task, then n uniform random bits b. Task i has a fixed random subset
 * S_i ⊂ {0, …, n−1}, |S_i| = k, and the label is the parity y = ⊕_{j∈S_i} b_j.
 * Tasks are drawn with Zipf frequencies
 *     p_i = (i+1)^{−alpha} / Σ_{j=1}^{T} j^{−alpha}        (i = 0 … T−1),
 * where this `alpha` is the code's exponent, = the paper's α + 1 (science-notes §B2: the paper's
 * Fig. 2 uses alpha = 1.4, i.e. α = 0.4).
 *
 * Facts used by the tests: P(task = i) = p_i exactly (inverse-CDF sampling against the exact
 * cumulative sums); for every task the label is a fair coin (k ≥ 1 uniform bits), independent of the
 * bits outside S_i.
 */
import type { Rng } from '../engine/rng.js';
import * as libm from '../engine/libm.js';

export interface SparseParitySpec {
  /** number of tasks T */
  nTasks: number;
  /** number of random bits n */
  nBits: number;
  /** parity size k = |S_i| */
  k: number;
  /** Zipf exponent of the task frequencies (the code's alpha = paper's α + 1) */
  alpha: number;
}

export interface SparseParityTask extends SparseParitySpec {
  /** S_i, sorted, for each task (drawn once from the rng given to `sparseParityTask`) */
  subsets: number[][];
  /** exact task frequencies p_i (sum 1) */
  frequencies: Float64Array;
  /** input dimension T + n */
  inputDim: number;
}

export interface SparseParityBatch {
  /** rows [e_task | bits], shape [size, T + n], entries 0/1 */
  x: Float32Array | Float64Array;
  task: Int32Array;
  label: Int32Array;
  size: number;
}

function checkInt(where: string, field: string, v: number, lo: number, hi: number): void {
  if (!Number.isInteger(v) || v < lo || v > hi) throw new RangeError(`${where}: ${field} must be an integer in [${lo}, ${hi}], got ${v}`);
}

/** Exact Zipf frequencies p_i = (i+1)^{−alpha}/H_T(alpha), i = 0 … T−1. */
export function zipfFrequencies(nTasks: number, alpha: number): Float64Array {
  checkInt('zipfFrequencies', 'nTasks', nTasks, 1, 1_000_000);
  if (!Number.isFinite(alpha) || alpha < 0 || alpha > 20) throw new RangeError(`zipfFrequencies: alpha must be in [0, 20], got ${alpha}`);
  const p = new Float64Array(nTasks);
  let s = 0;
  // Sum from the smallest term up, for accuracy.
  for (let i = nTasks - 1; i >= 0; i--) { p[i] = libm.pow(i + 1, -alpha); s += p[i]; }
  for (let i = 0; i < nTasks; i++) p[i] /= s;
  return p;
}

/** The tasks: a random k-subset of the n bits for each of the T tasks, and their frequencies. */
export function sparseParityTask(spec: SparseParitySpec, rng: Rng): SparseParityTask {
  checkInt('sparseParityTask', 'nTasks', spec.nTasks, 1, 100_000);
  checkInt('sparseParityTask', 'nBits', spec.nBits, 1, 10_000);
  checkInt('sparseParityTask', 'k', spec.k, 1, spec.nBits);
  const frequencies = zipfFrequencies(spec.nTasks, spec.alpha);
  const subsets: number[][] = [];
  for (let i = 0; i < spec.nTasks; i++) {
    // Partial Fisher–Yates: the first k entries of a random permutation of the bits.
    const r = rng.split(`task${i}`);
    const idx = Array.from({ length: spec.nBits }, (_, j) => j);
    for (let j = 0; j < spec.k; j++) {
      const m = j + r.int(spec.nBits - j);
      const t = idx[j]; idx[j] = idx[m]; idx[m] = t;
    }
    subsets.push(idx.slice(0, spec.k).sort((a, b) => a - b));
  }
  return { ...spec, subsets, frequencies, inputDim: spec.nTasks + spec.nBits };
}

/** Inverse-CDF sampler of the task index from the exact cumulative frequencies. */
export function taskSampler(frequencies: Float64Array): (rng: Rng) => number {
  const cdf = new Float64Array(frequencies.length);
  let s = 0;
  for (let i = 0; i < frequencies.length; i++) { s += frequencies[i]; cdf[i] = s; }
  const last = frequencies.length - 1;
  return (rng) => {
    const u = rng.uniform() * s;
    let lo = 0, hi = last;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (cdf[mid] > u) hi = mid; else lo = mid + 1; }
    return lo;
  };
}

/** Fill row r of x with [e_task | random bits] and return the parity label. */
function fillRow(t: SparseParityTask, x: Float32Array | Float64Array, r: number, task: number, rng: Rng): number {
  const d = t.inputDim, base = r * d;
  x.fill(0, base, base + t.nTasks);
  x[base + task] = 1;
  let word = 0;
  for (let j = 0; j < t.nBits; j++) {
    if ((j & 31) === 0) word = rng.nextUint32();
    x[base + t.nTasks + j] = (word >>> (j & 31)) & 1;
  }
  let y = 0;
  for (const j of t.subsets[task]) y ^= x[base + t.nTasks + j];
  return y;
}

function allocate(size: number, d: number, dtype: 'f32' | 'f64'): SparseParityBatch {
  return { x: dtype === 'f32' ? new Float32Array(size * d) : new Float64Array(size * d), task: new Int32Array(size), label: new Int32Array(size), size };
}

/**
 * A batch of `size` fresh examples with tasks drawn from the Zipf frequencies. Pass `into` (a batch
 * of the same size and dtype) to refill it in place, as the training loop does every step.
 */
export function sampleSparseParity(t: SparseParityTask, size: number, rng: Rng, opts: { dtype?: 'f32' | 'f64'; into?: SparseParityBatch } = {}): SparseParityBatch {
  checkInt('sampleSparseParity', 'size', size, 1, 100_000_000);
  const out = opts.into ?? allocate(size, t.inputDim, opts.dtype ?? 'f32');
  if (out.size !== size || out.x.length !== size * t.inputDim) throw new RangeError(`sampleSparseParity: into must hold ${size} rows of ${t.inputDim}`);
  const draw = taskSampler(t.frequencies);
  for (let r = 0; r < size; r++) {
    const task = draw(rng);
    out.task[r] = task;
    out.label[r] = fillRow(t, out.x, r, task, rng);
  }
  return out;
}

/**
 * Held-out evaluation set: `perTask` fresh examples of every task (task-major order), so each
 * task's accuracy is measured with the same precision whatever its frequency.
 */
export function perTaskSet(t: SparseParityTask, perTask: number, rng: Rng, dtype: 'f32' | 'f64' = 'f32'): SparseParityBatch {
  checkInt('perTaskSet', 'perTask', perTask, 1, 10_000_000);
  const size = t.nTasks * perTask;
  const out = allocate(size, t.inputDim, dtype);
  for (let task = 0; task < t.nTasks; task++) {
    const r = rng.split(`heldout${task}`);
    for (let m = 0; m < perTask; m++) {
      const row = task * perTask + m;
      out.task[row] = task;
      out.label[row] = fillRow(t, out.x, row, task, r);
    }
  }
  return out;
}
