/**
 * Dense, immutable, contiguous row-major tensors of any rank, with f32, f64 or i32 entries.
 *
 * A tensor is "tracked" when it carries a graph `node`: it was produced by an op while
 * recording was on and at least one input was tracked. The only way to start tracking is
 * `grad`/`hvp`/... in autodiff.ts, which wrap the parameters as leaves; everything else is
 * untracked, so plain forward evaluation records nothing. i32 tensors are never tracked.
 *
 * Storage may be shared between tensors (reshape, contiguous slices) — which is safe because
 * no op ever writes into an existing tensor's data.
 */
import { allocate, dtypeOf, isFloat, type DType, type TensorData } from './dtype.js';
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

/** Nested plain arrays of numbers, any depth (a bare number is rank 0). */
export type NestedArray = number | readonly NestedArray[];

export class Tensor {
  readonly shape: readonly number[];
  readonly data: TensorData;
  readonly dtype: DType;
  /** Graph node (null: untracked constant). Internal to the engine. */
  readonly node: Node | null;

  /** Low-level constructor: shares `data` (no copy). Prefer `tensor(...)`. */
  constructor(data: TensorData, shape: readonly number[], node: Node | null = null) {
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

  /**
   * Element at a multi-index (one index per axis). For back-compatibility a rank-0 tensor
   * also takes get(0), and a rank-1 tensor get(i, 0).
   */
  get(...idx: number[]): number {
    const r = this.rank;
    if (r === 0 && idx.length === 1 && idx[0] === 0) return this.data[0];
    if (r === 1 && idx.length === 2 && idx[1] === 0) idx = [idx[0]];
    if (idx.length !== r) {
      throw new Error(`get: rank-${r} tensor [${this.shape.join(',')}] needs ${r} indices, got ${idx.length}`);
    }
    let off = 0;
    for (let k = 0; k < r; k++) {
      const i = idx[k], d = this.shape[k];
      if (!Number.isInteger(i) || i < 0 || i >= d) {
        throw new RangeError(`get: index (${idx.join(',')}) out of range for [${this.shape.join(',')}]`);
      }
      off = off * d + i;
    }
    return this.data[off];
  }

  /** Plain JS arrays: number[] for rank ≤ 1 (a scalar gives [x]), number[][] for rank 2, flat beyond. */
  toArray(): number[] | number[][] {
    if (this.rank === 2) {
      const [m, n] = this.shape;
      const rows: number[][] = [];
      for (let i = 0; i < m; i++) rows.push(Array.from(this.data.subarray(i * n, (i + 1) * n)));
      return rows;
    }
    return Array.from(this.data);
  }

  /** Nested plain arrays mirroring the shape (a scalar gives a number). */
  toNested(): NestedArray {
    const d = this.data, s = this.shape;
    const build = (axis: number, off: number): NestedArray => {
      if (axis === s.length) return d[off];
      const out: NestedArray[] = [];
      const stride = shapeSize(s.slice(axis + 1));
      for (let i = 0; i < s[axis]; i++) out.push(build(axis + 1, off + i * stride));
      return out;
    };
    return build(0, 0);
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

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

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

function convert(src: ArrayLike<number>, dtype: DType): TensorData {
  const out = allocate(dtype, src.length);
  for (let i = 0; i < src.length; i++) out[i] = src[i];
  return out;
}

/** Shape of a nested array (from its first entries) and its entries flattened row-major. */
function flattenNested(values: readonly NestedArray[]): { flat: number[]; shape: number[] } {
  const shape: number[] = [];
  for (let v: NestedArray = values; Array.isArray(v); v = (v as readonly NestedArray[])[0]) {
    shape.push((v as readonly NestedArray[]).length);
    if ((v as readonly NestedArray[]).length === 0) break;
  }
  const flat: number[] = [];
  const walk = (v: NestedArray, axis: number, path: number[]): void => {
    if (axis === shape.length) {
      if (typeof v !== 'number') throw new Error(`tensor: ragged nested array: entry [${path.join(',')}] is an array, expected a number`);
      flat.push(v);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[axis]) {
      throw new Error(`tensor: ragged nested array: entry [${path.join(',')}] has ${Array.isArray(v) ? v.length : 'no'} entries, expected ${shape[axis]}`);
    }
    for (let i = 0; i < v.length; i++) walk(v[i], axis + 1, [...path, i]);
  };
  walk(values, 0, []);
  return { flat, shape };
}

/**
 * A new tensor from a number, a nested array of any depth or a typed array (always copied).
 * The dtype defaults to f64, or to the typed array's own type (Float32Array → f32,
 * Int32Array → i32). Converting to i32 truncates toward zero.
 */
export function tensor(
  values: NestedArray | TensorData,
  shape?: readonly number[],
  dtype?: DType,
): Tensor {
  let flat: ArrayLike<number>;
  let inferred: number[];
  let dt: DType = dtype ?? 'f64';
  if (typeof values === 'number') {
    flat = [values];
    inferred = [];
  } else if (values instanceof Float32Array || values instanceof Float64Array || values instanceof Int32Array) {
    flat = values;
    inferred = [values.length];
    dt = dtype ?? dtypeOf(values);
  } else {
    const r = flattenNested(values as readonly NestedArray[]);
    flat = r.flat;
    inferred = r.shape;
  }
  const s = shape ? shape.slice() : inferred;
  if (shapeSize(s) !== flat.length) {
    throw new Error(`tensor: ${flat.length} values do not fit shape ${fmtShape(s)}`);
  }
  const data = convert(flat, dt);
  if (dt === 'i32') for (let i = 0; i < flat.length; i++) data[i] = Math.trunc(flat[i]);
  return new Tensor(data, s);
}

/** 0, 1, …, n−1 (i32 by default). */
export function arange(n: number, dtype: DType = 'i32'): Tensor {
  if (!Number.isInteger(n) || n < 0) throw new Error(`arange: n must be a non-negative integer, got ${n}`);
  const data = allocate(dtype, n);
  for (let i = 0; i < n; i++) data[i] = i;
  return new Tensor(data, [n]);
}

export function full(shape: readonly number[], value: number, dtype: DType = 'f64'): Tensor {
  const data = allocate(dtype, shapeSize(shape));
  if (value !== 0) data.fill(value);
  return new Tensor(data, shape);
}

export function zeros(shape: readonly number[], dtype: DType = 'f64'): Tensor {
  return full(shape, 0, dtype);
}

export function ones(shape: readonly number[], dtype: DType = 'f64'): Tensor {
  return full(shape, 1, dtype);
}

export function eye(n: number, dtype: DType = 'f64'): Tensor {
  const data = allocate(dtype, n * n);
  for (let i = 0; i < n; i++) data[i * n + i] = 1;
  return new Tensor(data, [n, n]);
}

/** Entries drawn i.i.d. from N(0, std²) using `rng` (same seed → same tensor). */
export function randn(rng: Rng, shape: number[], std = 1, dtype: DType = 'f64'): Tensor {
  if (!isFloat(dtype)) throw new Error(`randn: dtype must be 'f32' or 'f64', got ${dtype}`);
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
