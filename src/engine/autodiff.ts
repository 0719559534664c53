/**
 * Reverse-mode automatic differentiation, functional style (like JAX's grad, built on a
 * micrograd-like tape).
 *
 * `grad(f, params)` wraps each parameter as a fresh differentiation target, runs `f` with
 * recording on, and walks the recorded graph backwards from the output, summing cotangents
 * into a local map (nothing is stored on tensors, so the same graph can be walked many times).
 *
 * Higher order: reverse rules are themselves ops, so with `createGraph` the returned grads
 * are recorded as functions of the parameters. When `grad` is called on parameters that are
 * already tracked (i.e. inside another `grad`), the targets are identity nodes on top of
 * them, so derivatives flow through to the outer level; and whenever `grad` runs inside the
 * function of another differentiation, `createGraph` defaults to true.
 * Hence hvp(f) = grad(⟨grad f, v⟩), and hvp/vjp/jvp compose further (third order and up).
 */
import { allocate } from './dtype.js';
import { add, dot } from './ops.js';
import { Tensor, fmtShape, isGradEnabled, onesLike, withGradMode, zerosLike } from './tensor.js';

export type Fn = (...params: Tensor[]) => Tensor;

export interface GradOptions {
  /** Record the backward pass so the grads can be differentiated again (default: true when nested). */
  createGraph?: boolean;
}

/** How many differentiated functions are being evaluated right now (grad inside f → 2, ...). */
let depth = 0;

/**
 * True when we are inside an outer differentiation: f may then close over outer-tracked
 * tensors, so derivatives must be recorded for the outer level to see them.
 */
function nested(params: Tensor[]): boolean {
  return isGradEnabled() && (depth > 0 || params.some((p) => p.requiresGrad));
}

/** A fresh target for each parameter: a leaf, or an identity node over a tracked parameter. */
function targetsFor(params: Tensor[]): Tensor[] {
  return params.map((p) => {
    if (!(p instanceof Tensor)) throw new Error('grad: every parameter must be a Tensor');
    if (p.dtype === 'i32') throw new Error(`grad: cannot differentiate with respect to an i32 tensor ${fmtShape(p.shape)}; pass indices as constants`);
    const tracked = isGradEnabled() && p.requiresGrad;
    return new Tensor(p.data, p.shape, {
      op: tracked ? 'target' : 'leaf',
      parents: tracked ? [p] : [],
      backward: (g) => [g],
    });
  });
}

/**
 * Cotangents at `targets` of ⟨seed, out⟩, i.e. seedᵀ·∂out/∂target, by one reverse sweep.
 * Only nodes on a path from a target to `out` are visited by the reverse rules.
 * With `createGraph` the sweep is recorded, so its results are differentiable.
 */
export function backwardFrom(out: Tensor, targets: Tensor[], seed: Tensor, createGraph: boolean): Tensor[] {
  if (seed.dtype !== out.dtype || seed.size !== out.size) {
    throw new Error(`backward: seed ${seed.dtype} ${fmtShape(seed.shape)} does not match output ${out.dtype} ${fmtShape(out.shape)}`);
  }
  const isTarget = new Set(targets);
  // Post-order DFS (iterative, so deep graphs do not overflow the stack). Targets are
  // boundaries: we never look beneath them. A node is relevant if it leads to a target.
  const order: Tensor[] = [];
  const relevant = new Set<Tensor>();
  const seen = new Set<Tensor>();
  if (out.node) {
    const stack: [Tensor, number][] = [[out, 0]];
    seen.add(out);
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const [t, i] = top;
      const parents = isTarget.has(t) ? [] : t.node!.parents;
      if (i < parents.length) {
        top[1]++;
        const p = parents[i];
        if (p.node && !seen.has(p)) {
          seen.add(p);
          stack.push([p, 0]);
        }
        continue;
      }
      stack.pop();
      if (isTarget.has(t) || parents.some((p) => relevant.has(p))) relevant.add(t);
      order.push(t);
    }
  }

  const cot = new Map<Tensor, Tensor>();
  if (relevant.has(out)) cot.set(out, seed.shape.length === out.shape.length ? seed : new Tensor(seed.data, out.shape));
  withGradMode(createGraph, () => {
    for (let k = order.length - 1; k >= 0; k--) {
      const t = order[k];
      if (isTarget.has(t)) continue;
      const g = cot.get(t);
      if (!g || !relevant.has(t)) continue;
      cot.delete(t);
      const node = t.node!;
      const needs = node.parents.map((p) => relevant.has(p));
      const gs = node.backward(g, needs);
      node.parents.forEach((p, i) => {
        const gp = gs[i];
        if (!needs[i] || !gp) return;
        if (gp.size !== p.size) {
          throw new Error(`internal: ${node.op} backward gave ${fmtShape(gp.shape)} for input ${fmtShape(p.shape)}`);
        }
        const prev = cot.get(p);
        cot.set(p, prev ? add(prev, gp) : gp);
      });
    }
  });
  return targets.map((t) => cot.get(t) ?? zerosLike(t));
}

function scalarOutput(name: string, out: Tensor): void {
  if (!(out instanceof Tensor)) throw new Error(`${name}: f must return a Tensor`);
  if (out.size !== 1) throw new Error(`${name}: f must return a scalar, got shape ${fmtShape(out.shape)}`);
}

function checkLike(name: string, vs: Tensor[], params: Tensor[]): void {
  if (vs.length !== params.length) throw new Error(`${name}: got ${vs.length} direction tensors for ${params.length} params`);
  vs.forEach((v, i) => {
    const p = params[i];
    if (v.size !== p.size || v.dtype !== p.dtype) {
      throw new Error(`${name}: direction ${i} is ${v.dtype} ${fmtShape(v.shape)} but param ${i} is ${p.dtype} ${fmtShape(p.shape)}`);
    }
  });
}

/** Σᵢ ⟨aᵢ, bᵢ⟩ as a (possibly tracked) scalar tensor. */
function sumDots(as: Tensor[], bs: Tensor[]): Tensor {
  let s: Tensor | null = null;
  for (let i = 0; i < as.length; i++) {
    const b = bs[i].shape.length === as[i].shape.length ? bs[i] : new Tensor(bs[i].data, as[i].shape);
    const d = dot(as[i], b);
    s = s ? add(s, d) : d;
  }
  return s ?? new Tensor(allocate('f64', 1), []);
}

function run(f: Fn, targets: Tensor[]): Tensor {
  depth++;
  try {
    return withGradMode(true, () => f(...targets));
  } finally {
    depth--;
  }
}

/** Gradient of a scalar function with respect to each parameter tensor. */
export function grad(f: Fn, params: Tensor[], opts?: GradOptions): Tensor[] {
  return valueAndGradT(f, params, opts?.createGraph ?? nested(params)).grads;
}

function valueAndGradT(f: Fn, params: Tensor[], createGraph: boolean): { out: Tensor; grads: Tensor[] } {
  const targets = targetsFor(params);
  const out = run(f, targets);
  scalarOutput('grad', out);
  return { out, grads: backwardFrom(out, targets, onesLike(out), createGraph) };
}

/** The value f(params) and its gradient from one forward and one backward pass. */
export function valueAndGrad(f: Fn, params: Tensor[]): { value: number; grads: Tensor[] } {
  const { out, grads } = valueAndGradT(f, params, nested(params));
  return { value: out.item(), grads };
}

/** Hessian-vector product H·v, exact: the gradient of ⟨∇f, v⟩ (double backward). */
export function hvp(f: Fn, params: Tensor[], v: Tensor[]): Tensor[] {
  checkLike('hvp', v, params);
  return grad((...ps) => sumDots(grad(f, ps, { createGraph: true }), v), params);
}

/** Vector-Jacobian product uᵀ·J for f with any output shape; u has f's output shape. */
export function vjp(f: Fn, params: Tensor[], u: Tensor): Tensor[] {
  const targets = targetsFor(params);
  const out = run(f, targets);
  if (u.size !== out.size || u.dtype !== out.dtype) {
    throw new Error(`vjp: u is ${u.dtype} ${fmtShape(u.shape)} but f returns ${out.dtype} ${fmtShape(out.shape)}`);
  }
  return backwardFrom(out, targets, u, nested(params));
}

/**
 * Jacobian-vector product J·v (output shape of f), exact, by the double-vjp trick:
 * w(u) = uᵀJ is linear in u, so ∂/∂u ⟨w(u), v⟩ = J·v.
 */
export function jvp(f: Fn, params: Tensor[], v: Tensor[]): Tensor {
  checkLike('jvp', v, params);
  const createGraph = nested(params);
  const targets = targetsFor(params);
  const out = run(f, targets);
  const [u] = targetsFor([zerosLike(out)]);
  const s = withGradMode(true, () => sumDots(backwardFrom(out, targets, u, true), v));
  return backwardFrom(s, [u], onesLike(s), createGraph)[0];
}

/**
 * Dense Jacobian: rows = output entries (row-major), cols = parameters flattened in order.
 * One reverse sweep per output entry over a single recorded forward pass.
 */
export function jacobian(f: Fn, params: Tensor[]): Float64Array {
  const targets = targetsFor(params);
  const out = run(f, targets);
  const P = params.reduce((s, p) => s + p.size, 0);
  const m = out.size;
  const J = new Float64Array(m * P);
  const seed = allocate(out.dtype, m);
  for (let i = 0; i < m; i++) {
    seed.fill(0);
    seed[i] = 1;
    const gs = backwardFrom(out, targets, new Tensor(seed, out.shape), false);
    let off = i * P;
    for (const g of gs) {
      J.set(g.data, off);
      off += g.size;
    }
  }
  return J;
}
