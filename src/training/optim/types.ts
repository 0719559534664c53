/**
 * The optimizer contract, optax style: an optimizer is a pair of pure functions over plain data,
 *
 *   init(θ)                       → state S₀
 *   update(g, S, θ, t, η)         → { updates u, state S' }      (t = 1, 2, … the update index)
 *
 * and the caller applies θ ← θ + u (`applyUpdates`). θ, g and u are lists of flat arrays, one per
 * parameter tensor, so one optimizer serves the flat vector θ ∈ R^P (a list of one) and a layer
 * library's Tensor[] alike. `update` never mutates its inputs; `step` is the fast in-place path
 * (same arithmetic, bit for bit): it overwrites the state's buffers and adds u into θ directly.
 *
 * Per-parameter groups: entry k of `lrScale` / `wdScale` / `epsScale` multiplies the learning
 * rate, weight decay and Adam ε of parameter tensor k (η_k = η·lrScale_k, λ_k = λ·wdScale_k,
 * ε_k = ε·epsScale_k): the factors a parameterization such as μP sets in `ParamInfo`.
 */
import type { FloatArray } from '../../engine/dtype.js';
import type { ParamInfo } from '../../nn/types.js';

export type { FloatArray };

export interface ParamGroups {
  lrScale?: readonly number[];
  wdScale?: readonly number[];
  epsScale?: readonly number[];
}

export interface Optimizer<S = unknown> {
  readonly name: string;
  init(params: readonly FloatArray[]): S;
  /** Pure: returns updates u (Float64Array, one per parameter) and a fresh state. */
  update(grads: readonly FloatArray[], state: S, params: readonly FloatArray[], step: number, lr: number): { updates: FloatArray[]; state: S };
  /** In place: θ ← θ + u and the state's buffers overwritten; returns the (same) state. */
  step(grads: readonly FloatArray[], state: S, params: FloatArray[], step: number, lr: number): S;
}

/** The per-parameter factors declared by a layer library's ParamInfo (epsScale defaults to 1). */
export function groupsFromInfo(info: readonly ParamInfo[]): Required<ParamGroups> {
  return {
    lrScale: info.map((p) => p.lrScale),
    wdScale: info.map((p) => p.wdScale),
    epsScale: info.map((p) => p.epsScale ?? 1),
  };
}

/** θ ← θ + u, into new arrays of θ's dtypes (inputs untouched). */
export function applyUpdates(params: readonly FloatArray[], updates: readonly FloatArray[]): FloatArray[] {
  checkLists('applyUpdates', params, updates);
  return params.map((p, k) => {
    const out = p.slice();
    const u = updates[k];
    for (let i = 0; i < out.length; i++) out[i] = p[i] + u[i];
    return out;
  });
}

/** θ ← θ + u in place; returns `params`. */
export function applyUpdatesInPlace(params: FloatArray[], updates: readonly FloatArray[]): FloatArray[] {
  checkLists('applyUpdatesInPlace', params, updates);
  for (let k = 0; k < params.length; k++) {
    const p = params[k], u = updates[k];
    for (let i = 0; i < p.length; i++) p[i] += u[i];
  }
  return params;
}

// ---------------------------------------------------------------------------------------
// Shared validation.

export function checkLists(where: string, a: readonly FloatArray[], b: readonly FloatArray[], bName = 'updates'): void {
  if (a.length !== b.length) throw new Error(`${where}: ${bName} has ${b.length} tensors for ${a.length} parameters`);
  for (let k = 0; k < a.length; k++) {
    if (a[k].length !== b[k].length) throw new Error(`${where}: ${bName}[${k}] has ${b[k].length} entries, parameter ${k} has ${a[k].length}`);
  }
}

export function checkNumber(where: string, field: string, x: number, lo: number, hi: number, hiOpen = false): void {
  const ok = Number.isFinite(x) && x >= lo && (hiOpen ? x < hi : x <= hi);
  if (!ok) throw new RangeError(`${where}: ${field} must be in [${lo}, ${hi}${hiOpen ? ')' : ']'}, got ${x}`);
}

export function checkStep(where: string, step: number, lr: number): void {
  if (!Number.isInteger(step) || step < 1) throw new RangeError(`${where}: step must be an integer ≥ 1, got ${step}`);
  if (!Number.isFinite(lr) || lr < 0) throw new RangeError(`${where}: lr must be finite and ≥ 0, got ${lr}`);
}

/** `resolveGroups` memoized on the parameter count (optimizers call it every step). */
export function groupResolver(where: string, groups: ParamGroups | undefined): (n: number) => { lr: number[]; wd: number[]; eps: number[] } {
  let cached: { n: number; r: { lr: number[]; wd: number[]; eps: number[] } } | null = null;
  return (n) => {
    if (cached === null || cached.n !== n) cached = { n, r: resolveGroups(where, groups, n) };
    return cached.r;
  };
}

/** Validate the groups against the parameter count; returns the factor lists (1 where absent). */
export function resolveGroups(where: string, groups: ParamGroups | undefined, n: number): { lr: number[]; wd: number[]; eps: number[] } {
  const one = (field: keyof ParamGroups): number[] => {
    const g = groups?.[field];
    if (g === undefined) return new Array<number>(n).fill(1);
    if (g.length !== n) throw new Error(`${where}: groups.${field} has ${g.length} entries for ${n} parameter tensors`);
    g.forEach((x, k) => checkNumber(where, `groups.${field}[${k}]`, x, 0, Infinity, true));
    return g.slice();
  };
  return { lr: one('lrScale'), wd: one('wdScale'), eps: one('epsScale') };
}
