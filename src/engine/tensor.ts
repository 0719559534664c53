/**
 * Dense, immutable, row-major tensors (rank 0, 1 or 2 in practice; any rank is stored).
 *
 * A tensor is "tracked" when it carries a graph `node`: it was produced by an op while
 * recording was on and at least one input was tracked. The only way to start tracking is
 * `grad`/`hvp`/... in autodiff.ts, which wrap the parameters as leaves; everything else is
 * untracked, so plain forward evaluation records nothing.
 */
import { allocate, dtypeOf, type DType, type FloatArray } from './dtype.js';
import type { Rng } from './rng.js';

/**
 * Reverse rule of one recorded op: given the cotangent `g` of the output, return the
 * cotangent of each parent (or null when not needed / zero). `needs[i]` says whether
 * parent i leads to a differentiation target, so unneeded work can be skipped.
 * Rules are written with the differentiable ops, so they can themselves be recorded.
 */
export type BackwardFn = (g: Tensor, needs: readonly boolean[]) => (Tensor | null)[];

export interface Node {
  readonly op: string;
  readonly parents: readonly Tensor[];
  readonly backward: BackwardFn;
}

export class Tensor {
  readonly shape: readonly number[];
  readonly data: FloatArray;
  readonly dtype: DType;
  /** Graph node (null: untracked constant). Internal to the engine. */
  readonly node: Node | null;

  /** Low-level constructor: shares `data` (no copy). Prefer `tensor(...)`. */
  constructor(data: FloatArray, shape: readonly number[], node: Node | null = null) {
    const n = shapeSize(shape);
    if (data.length !== n) {
      throw new Error(`Tensor: data length ${data.length} does not match shape [${shape.join(',')}] (size ${n})`);
    }
    this.data = data;
    this.shape = Object.freeze(shape.slice());
    this.dtype = dtypeOf(data);
    this.node = node;
  }

  get size(): number {
    return this.data.length;
  }

  get rank(): number {
    return this.shape.length;
  }

  /** True when this tensor is part of a recorded graph. */
  get requiresGrad(): boolean {
    return this.node !== null;
  }

  /** The value of a scalar or size-1 tensor. */
  item(): number {
    if (this.size !== 1) throw new Error(`item: tensor of shape [${this.shape.join(',')}] is not a scalar`);
    return this.data[0];
  }

  /** Element i (rank ≤ 1) or (i, j) (rank 2). */
  get(i: number, j?: number): number {
    if (this.rank === 2) {
      const [m, n] = this.shape;
      if (j === undefined) throw new Error(`get: rank-2 tensor [${m},${n}] needs two indices`);
      if (i < 0 || i >= m || j < 0 || j >= n) throw new RangeError(`get: index (${i},${j}) out of range for [${m},${n}]`);
      return this.data[i * n + j];
    }
    if (j !== undefined && j !== 0) throw new Error(`get: rank-${this.rank} tensor takes one index`);
    if (i < 0 || i >= this.size) throw new RangeError(`get: index ${i} out of range for size ${this.size}`);
    return this.data[i];
  }

  /** Plain JS arrays: number[] for rank ≤ 1 (a scalar gives [x]), number[][] for rank 2. */
  toArray(): number[] | number[][] {
    if (this.rank === 2) {
      const [m, n] = this.shape;
      const rows: number[][] = [];
      for (let i = 0; i < m; i++) rows.push(Array.from(this.data.subarray(i * n, (i + 1) * n)));
      return rows;
    }
    return Array.from(this.data);
  }

  toString(): string {
    return `Tensor(${this.dtype}, [${this.shape.join(',')}]${this.node ? `, ${this.node.op}` : ''})`;
  }
}

export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new Error(`invalid shape [${shape.join(',')}]`);
    n *= d;
  }
  return n;
}

export const fmtShape = (s: readonly number[]): string => `[${s.join(',')}]`;

// ---------------------------------------------------------------------------------------
// Recording mode. Ops record a node only when recording is on and some input is tracked.

let recording = true;

export function isGradEnabled(): boolean {
  return recording;
}

/** Run `fn` with graph recording switched on or off, restoring the previous mode after. */
export function withGradMode<T>(enabled: boolean, fn: () => T): T {
  const prev = recording;
  recording = enabled;
  try {
    return fn();
  } finally {
    recording = prev;
  }
}

/** Evaluate `fn` without recording any graph (results are constants). */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

// ---------------------------------------------------------------------------------------
// Creation.

function convert(src: ArrayLike<number>, dtype: DType): FloatArray {
  const out = allocate(dtype, src.length);
  for (let i = 0; i < src.length; i++) out[i] = src[i];
  return out;
}

/**
 * A new tensor from a number, a (nested) array or a typed array (always copied).
 * The dtype defaults to f64, or f32 for a Float32Array input.
 */
export function tensor(
  values: number | number[] | number[][] | FloatArray,
  shape?: number[],
  dtype?: DType,
): Tensor {
  let flat: ArrayLike<number>;
  let inferred: number[];
  let dt: DType = dtype ?? 'f64';
  if (typeof values === 'number') {
    flat = [values];
    inferred = [];
  } else if (values instanceof Float32Array || values instanceof Float64Array) {
    flat = values;
    inferred = [values.length];
    dt = dtype ?? dtypeOf(values);
  } else if (values.length > 0 && Array.isArray(values[0])) {
    const rows = values as number[][];
    const n = rows[0].length;
    const buf = new Array<number>(rows.length * n);
    rows.forEach((r, i) => {
      if (!Array.isArray(r) || r.length !== n) throw new Error(`tensor: ragged rows (row 0 has ${n} entries, row ${i} has ${Array.isArray(r) ? r.length : 'none'})`);
      for (let j = 0; j < n; j++) buf[i * n + j] = r[j];
    });
    flat = buf;
    inferred = [rows.length, n];
  } else {
    flat = values as number[];
    inferred = [flat.length];
  }
  const s = shape ?? inferred;
  if (shapeSize(s) !== flat.length) {
    throw new Error(`tensor: ${flat.length} values do not fit shape ${fmtShape(s)}`);
  }
  return new Tensor(convert(flat, dt), s);
}

export function full(shape: number[], value: number, dtype: DType = 'f64'): Tensor {
  const data = allocate(dtype, shapeSize(shape));
  if (value !== 0) data.fill(value);
  return new Tensor(data, shape);
}

export function zeros(shape: number[], dtype: DType = 'f64'): Tensor {
  return full(shape, 0, dtype);
}

export function ones(shape: number[], dtype: DType = 'f64'): Tensor {
  return full(shape, 1, dtype);
}

export function eye(n: number, dtype: DType = 'f64'): Tensor {
  const data = allocate(dtype, n * n);
  for (let i = 0; i < n; i++) data[i * n + i] = 1;
  return new Tensor(data, [n, n]);
}

/** Entries drawn i.i.d. from N(0, std²) using `rng` (same seed → same tensor). */
export function randn(rng: Rng, shape: number[], std = 1, dtype: DType = 'f64'): Tensor {
  const data = allocate(dtype, shapeSize(shape));
  for (let i = 0; i < data.length; i++) data[i] = std * rng.normal();
  return new Tensor(data, shape);
}

/** Same shape and dtype as `like`, filled with `value`. */
export function fullLike(like: Tensor, value: number): Tensor {
  return full(like.shape.slice(), value, like.dtype);
}

export function zerosLike(like: Tensor): Tensor {
  return fullLike(like, 0);
}

export function onesLike(like: Tensor): Tensor {
  return fullLike(like, 1);
}
