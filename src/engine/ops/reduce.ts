/**
 * Reductions over one or several axes (NumPy semantics; `keepdims` keeps reduced axes as 1).
 *
 *   sum:       via sumTo (adjoint broadcastTo)          mean = sum / count
 *   max:       d/da = g routed to the first argmax (a constant one-hot mask, so linear in g)
 *   logSumExp: m + log Σ e^{a−m} with m the max;  d/da = g ⊙ e^{a − lse} = g ⊙ softmax(a)
 *   logSoftmax = a − logSumExp(a, keepdims);  softmax = exp(logSoftmax)
 *   (along the last axis each is one fused op on the backend's row kernels, with fused reverse
 *   rules softmaxBackward / logSoftmaxBackward that are themselves differentiable)
 *   dot:       Σ a ⊙ b over all entries
 */
import { allocate, type FloatArray } from '../dtype.js';
import { Tensor, fmtShape } from '../tensor.js';
import { mul, sub } from './binary.js';
import { rowKernel, sumTo } from './broadcast.js';
import { alloc, around, checkDtype, make, normAxes, normAxis, requireFloat, sameShape } from './core.js';
import { permute, reshape } from './shape.js';
import { exp, neg, scale } from './unary.js';
import * as libm from '../libm.js';

type Axis = number | readonly number[];

function keptShape(shape: readonly number[], axes: readonly number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

function droppedShape(shape: readonly number[], axes: readonly number[]): number[] {
  return shape.filter((_, i) => !axes.includes(i));
}

/**
 * Sum over `axis` (a number, a list, or all axes when omitted). For rank 2: sum(a, 0) → [n],
 * sum(a, 1) → [m], sum(a) → scalar.
 */
export function sum(a: Tensor, axis?: Axis, keepdims = false): Tensor {
  const axes = normAxes('sum', axis, a.rank);
  const kept = keptShape(a.shape, axes);
  if (!keepdims && axes.length === a.rank) return sumTo(a, []);
  const s = sumTo(a, kept);
  return keepdims ? s : reshape(s, droppedShape(a.shape, axes));
}

/** Mean over `axis` (shapes as in `sum`). */
export function mean(a: Tensor, axis?: Axis, keepdims = false): Tensor {
  requireFloat('mean', a);
  const axes = normAxes('mean', axis, a.rank);
  const count = axes.reduce((p, i) => p * a.shape[i], 1);
  return scale(sum(a, axes, keepdims), 1 / count);
}

/** Move `axes` to the end and merge them into one: a view [...kept, Π reduced] (a copy only if needed). */
function gatherAxes(a: Tensor, axes: readonly number[]): Tensor {
  const rest = Array.from({ length: a.rank }, (_, i) => i).filter((i) => !axes.includes(i));
  const moved = permute(a, [...rest, ...axes]);
  return reshape(moved, [...rest.map((i) => a.shape[i]), axes.reduce((p, i) => p * a.shape[i], 1)]);
}

/** Reduce one axis with the max, recording the argmax-routed reverse rule. Output keeps the axis as 1. */
function maxAlong(a: Tensor, ax: number): Tensor {
  const [outer, len, inner] = around(a.shape, ax);
  if (len === 0) throw new Error(`max: axis ${ax} of ${fmtShape(a.shape)} is empty`);
  const x = a.data;
  const out = alloc(a.dtype, outer * inner);
  const arg = new Int32Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * len * inner + i;
      let best = x[base], at = 0;
      for (let j = 1; j < len; j++) {
        const v = x[base + j * inner];
        if (v > best || (v !== v && best === best)) { best = v; at = j; } // NaN propagates (first one)
      }
      out[o * inner + i] = best;
      arg[o * inner + i] = at;
    }
  }
  const kept = a.shape.slice();
  kept[ax] = 1;
  const aShape = a.shape;
  return make('max', out, kept, [a], (g) => [routeToArg(g, arg, aShape, ax)]);
}

/**
 * The reverse rule of maxAlong: g (axis `ax` of size 1) placed at the argmax along `ax`, zeros
 * elsewhere — the same as g ⊙ one-hot(argmax) but without materialising the broadcast. Linear
 * in g; its adjoint is takeAtArg (and vice versa), so higher derivatives stay exact.
 */
function routeToArg(g: Tensor, arg: Int32Array, shape: readonly number[], ax: number): Tensor {
  const [outer, len, inner] = around(shape, ax);
  const out = allocate(g.dtype, outer * len * inner);
  const G = g.data;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) out[(o * len + arg[o * inner + i]) * inner + i] = G[o * inner + i];
  }
  return make('routeToArg', out, shape, [g], (h) => [takeAtArg(h, arg, g.shape, ax)]);
}

/** h [.., len, ..] read at the argmax along `ax` → [.., 1, ..] (the adjoint of routeToArg). */
function takeAtArg(h: Tensor, arg: Int32Array, kept: readonly number[], ax: number): Tensor {
  const [outer, len, inner] = around(h.shape, ax);
  const out = allocate(h.dtype, outer * inner);
  const H = h.data;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) out[o * inner + i] = H[(o * len + arg[o * inner + i]) * inner + i];
  }
  const hShape = h.shape;
  return make('takeAtArg', out, kept, [h], (g) => [routeToArg(g, arg, hShape, ax)]);
}

/** Maximum over `axis` (number, list, or all). The gradient goes to the first maximal entry. */
export function max(a: Tensor, axis?: Axis, keepdims = false): Tensor {
  const axes = normAxes('max', axis, a.rank);
  if (a.rank === 0) return a;
  let m: Tensor;
  if (axes.length === 1) {
    m = maxAlong(a, axes[0]);
  } else {
    const flat = gatherAxes(a, axes);
    m = maxAlong(flat, flat.rank - 1);
  }
  return reshape(m, keepdims ? keptShape(a.shape, axes) : droppedShape(a.shape, axes));
}

/**
 * log Σ exp(a) along `axis` (default the last), shifted by the maximum so it never overflows.
 * Rank 2: axis 1 → per row [m], axis 0 → per column [n]. d/da = g ⊙ softmax(a).
 */
export function logSumExp(a: Tensor, axis = -1, keepdims = false): Tensor {
  requireFloat('logSumExp', a);
  if (a.rank === 0) throw new Error('logSumExp: needs rank ≥ 1, got a scalar');
  const ax = normAxis('logSumExp', axis, a.rank);
  const [outer, len, inner] = around(a.shape, ax);
  const x = a.data;
  const out = alloc(a.dtype, outer * inner);
  if (inner === 1) {
    rowKernel('logSumExpRows')(x as FloatArray, out as FloatArray, outer, len);
  } else {
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const base = o * len * inner + i;
        let mx = -Infinity;
        for (let j = 0; j < len; j++) mx = Math.max(mx, x[base + j * inner]);
        if (mx === -Infinity || mx === Infinity) { out[o * inner + i] = mx; continue; }
        let s = 0;
        for (let j = 0; j < len; j++) s += libm.exp(x[base + j * inner] - mx);
        out[o * inner + i] = mx + libm.log(s);
      }
    }
  }
  const kept = a.shape.slice();
  kept[ax] = 1;
  const shape = keepdims ? kept : droppedShape(a.shape, [ax]);
  const last = ax === a.rank - 1;
  const t: Tensor = make('logSumExp', out, shape, [a], (g) => [
    last ? mul(reshape(g, kept), softmax(a)) : mul(reshape(g, kept), exp(sub(a, reshape(t, kept)))),
  ]);
  return t;
}

/** [rows, n] of a float tensor seen as rows along its last axis. */
function lastAxisRows(a: Tensor): [number, number] {
  const n = a.shape[a.rank - 1];
  return [n === 0 ? 0 : a.size / n, n];
}

/**
 * log softmax along `axis` (default the last): y = a − logSumExp(a). Along the last axis one
 * fused op (row kernel logSoftmaxRows) whose reverse rule is logSoftmaxBackward(g, y).
 */
export function logSoftmax(a: Tensor, axis = -1): Tensor {
  requireFloat('logSoftmax', a);
  if (a.rank === 0 || normAxis('logSoftmax', axis, a.rank) !== a.rank - 1) return sub(a, logSumExp(a, axis, true));
  const [rows, n] = lastAxisRows(a);
  const out = alloc(a.dtype, a.size) as FloatArray;
  rowKernel('logSoftmaxRows')(a.data as FloatArray, out, rows, n);
  const y: Tensor = make('logSoftmax', out, a.shape, [a], (g) => [logSoftmaxBackward(g, y)]);
  return y;
}

/**
 * softmax along `axis` (default the last): y = exp(logSoftmax(a)). Along the last axis one
 * fused op (row kernel softmaxRows) whose reverse rule is softmaxBackward(g, y).
 */
export function softmax(a: Tensor, axis = -1): Tensor {
  requireFloat('softmax', a);
  if (a.rank === 0 || normAxis('softmax', axis, a.rank) !== a.rank - 1) return exp(logSoftmax(a, axis));
  const [rows, n] = lastAxisRows(a);
  const out = alloc(a.dtype, a.size) as FloatArray;
  rowKernel('softmaxRows')(a.data as FloatArray, out, rows, n);
  const y: Tensor = make('softmax', out, a.shape, [a], (g) => [softmaxBackward(g, y)]);
  return y;
}

/**
 * The softmax vjp along the last axis, y = softmax(a):  u = Jᵀg = y ⊙ (g − s),  s = Σ_j g_j y_j.
 * A fused op, differentiable in both arguments (J is symmetric, so the rule in g is itself):
 *   ∂/∂g: h ↦ y ⊙ (h − Σ h⊙y)          ∂/∂y: h ↦ h ⊙ (g − s) − g · Σ_j h_j y_j
 */
export function softmaxBackward(g: Tensor, y: Tensor): Tensor {
  checkDtype('softmaxBackward', g, y);
  if (!sameShape(g.shape, y.shape)) throw new Error(`softmaxBackward: g ${fmtShape(g.shape)} and y ${fmtShape(y.shape)} differ`);
  const [rows, n] = lastAxisRows(y);
  const out = alloc(y.dtype, y.size) as FloatArray;
  rowKernel('softmaxBackwardRows')(g.data as FloatArray, y.data as FloatArray, out, rows, n);
  return make('softmaxBackward', out, y.shape, [g, y], (h, needs) => [
    needs[0] ? softmaxBackward(h, y) : null,
    needs[1] ? sub(mul(h, sub(g, sum(mul(g, y), -1, true))), mul(g, sum(mul(h, y), -1, true))) : null,
  ]);
}

/**
 * The log-softmax vjp along the last axis, y = logSoftmax(a):  u = g − e^y · Σ_j g_j. A fused op,
 * differentiable in both arguments:
 *   ∂/∂g: h ↦ h − Σ_j h_j e^{y_j}        ∂/∂y: h ↦ −h ⊙ e^y · Σ_j g_j
 */
export function logSoftmaxBackward(g: Tensor, y: Tensor): Tensor {
  checkDtype('logSoftmaxBackward', g, y);
  if (!sameShape(g.shape, y.shape)) throw new Error(`logSoftmaxBackward: g ${fmtShape(g.shape)} and y ${fmtShape(y.shape)} differ`);
  const [rows, n] = lastAxisRows(y);
  const out = alloc(y.dtype, y.size) as FloatArray;
  rowKernel('logSoftmaxBackwardRows')(g.data as FloatArray, y.data as FloatArray, out, rows, n);
  return make('logSoftmaxBackward', out, y.shape, [g, y], (h, needs) => {
    const p = exp(y);
    return [
      needs[0] ? sub(h, sum(mul(h, p), -1, true)) : null,
      needs[1] ? neg(mul(mul(h, p), sum(g, -1, true))) : null,
    ];
  });
}

/** Σ a ⊙ b over all entries (same shapes) → scalar. d/da = g·b, d/db = g·a. */
export function dot(a: Tensor, b: Tensor): Tensor {
  checkDtype('dot', a, b);
  if (!sameShape(a.shape, b.shape)) throw new Error(`dot: shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)} differ`);
  const A = a.data, B = b.data;
  let s = 0;
  for (let i = 0; i < A.length; i++) s += A[i] * B[i];
  const out = alloc(a.dtype, 1);
  out[0] = s;
  return make('dot', out, [], [a, b], (g, needs) => [needs[0] ? mul(g, b) : null, needs[1] ? mul(g, a) : null]);
}
