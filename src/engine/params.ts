/**
 * The flat view θ ∈ R^P of a list of parameter tensors (concatenated in order, each
 * row-major). Curvature, NTK and conservation-law code works in this space.
 */
import { allocate } from './dtype.js';
import { grad, hvp, valueAndGrad, type Fn } from './autodiff.js';
import { Tensor, noGrad } from './tensor.js';
import { withArena } from './arena.js';

export function paramCount(ts: Tensor[]): number {
  let n = 0;
  for (const t of ts) n += t.size;
  return n;
}

/** Concatenate the tensors' entries into one Float64Array. */
export function flatten(ts: Tensor[]): Float64Array {
  const out = new Float64Array(paramCount(ts));
  let off = 0;
  for (const t of ts) {
    out.set(t.data, off);
    off += t.size;
  }
  return out;
}

/** Split θ into new tensors with the shapes and dtypes of `like`. */
export function unflatten(theta: ArrayLike<number>, like: Tensor[]): Tensor[] {
  const P = paramCount(like);
  if (theta.length !== P) throw new Error(`unflatten: got ${theta.length} numbers for ${P} parameters`);
  let off = 0;
  return like.map((t) => {
    const data = allocate(t.dtype, t.size);
    for (let i = 0; i < data.length; i++) data[i] = theta[off + i];
    off += t.size;
    return new Tensor(data, t.shape);
  });
}

export interface FlatLoss {
  value(theta: ArrayLike<number>): number;
  grad(theta: ArrayLike<number>): Float64Array;
  valueAndGrad(theta: ArrayLike<number>): { value: number; grad: Float64Array };
  /** Hessian-vector product H(θ)·v. */
  hvp(theta: ArrayLike<number>, v: ArrayLike<number>): Float64Array;
}

/**
 * A scalar loss f(...params) seen as a function of the flat vector θ. Each call runs in an arena
 * scope (arena.ts): its tensors live in backend memory and are released when it returns, and
 * only plain numbers and fresh heap arrays (`flatten`) come out. So `f` must not keep a tensor
 * it makes between calls (caches belong outside, built before the first call).
 */
export function flatLoss(f: Fn, like: Tensor[]): FlatLoss {
  const P = paramCount(like);
  return {
    value: (theta) => withArena(() => noGrad(() => f(...unflatten(theta, like))).item()),
    grad: (theta) => withArena(() => flatten(grad(f, unflatten(theta, like)))),
    valueAndGrad: (theta) => withArena(() => {
      const r = valueAndGrad(f, unflatten(theta, like));
      return { value: r.value, grad: flatten(r.grads) };
    }),
    hvp: (theta, v) => {
      if (v.length !== P) throw new Error(`flatLoss.hvp: v has ${v.length} entries for ${P} parameters`);
      return withArena(() => flatten(hvp(f, unflatten(theta, like), unflatten(v, like))));
    },
  };
}

/**
 * Per-example gradients: row i (of n, each of length P) is ∇θ lossOne(params, i).
 * A simple loop of n backward passes.
 */
export function perExampleGrads(
  lossOne: (params: Tensor[], i: number) => Tensor,
  params: Tensor[],
  n: number,
): Float64Array {
  const P = paramCount(params);
  const out = new Float64Array(n * P);
  for (let i = 0; i < n; i++) {
    const gs = grad((...ps) => lossOne(ps, i), params);
    let off = i * P;
    for (const g of gs) {
      out.set(g.data, off);
      off += g.size;
    }
  }
  return out;
}
