/**
 * Differentiable ops. Each op computes its value eagerly and, when recording is on and an
 * input is tracked, attaches a reverse rule. Every reverse rule is written with these same
 * ops, so gradients can be differentiated again (Hessian-vector products, third order, ...).
 *
 * Broadcasting follows NumPy for rank ≤ 2: shapes are right-aligned and a dimension of 1
 * (or a missing one) stretches. So [m,n] combines with [], [n], [1,n], [m,1] and [m,n].
 * The reverse rule of a broadcast input sums the cotangent back to its shape (`sumTo`).
 */
import { backend } from './backend/index.js';
import { allocate, type DType, type FloatArray } from './dtype.js';
import { Tensor, isGradEnabled, shapeSize, fmtShape, zeros, type BackwardFn } from './tensor.js';

type Operand = Tensor | number;
type Grads = (Tensor | null)[];

/** Wrap a freshly computed value, recording a node if any input is tracked. */
function make(op: string, data: FloatArray, shape: readonly number[], inputs: Tensor[], backward: BackwardFn): Tensor {
  const track = isGradEnabled() && inputs.some((t) => t.node !== null);
  return new Tensor(data, shape, track ? { op, parents: inputs, backward } : null);
}

function checkDtype(op: string, a: Tensor, b: Tensor): void {
  if (a.dtype !== b.dtype) {
    throw new Error(`${op}: dtype mismatch (${a.dtype} ${fmtShape(a.shape)} vs ${b.dtype} ${fmtShape(b.shape)}); convert one with astype()`);
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Lift number operands to scalar tensors of the other operand's dtype. */
function operands(op: string, x: Operand, y: Operand): [Tensor, Tensor] {
  if (typeof x === 'number' && typeof y === 'number') throw new Error(`${op}: at least one operand must be a Tensor`);
  const a = typeof x === 'number' ? scalarLike(x, y as Tensor) : x;
  const b = typeof y === 'number' ? scalarLike(y, a) : y;
  checkDtype(op, a, b);
  return [a, b];
}

function scalarLike(v: number, like: Tensor): Tensor {
  const d = allocate(like.dtype, 1);
  d[0] = v;
  return new Tensor(d, []);
}

// ---------------------------------------------------------------------------------------
// Broadcasting (rank ≤ 2; a rank-0 scalar broadcasts against anything).

function broadcastShape(op: string, a: readonly number[], b: readonly number[]): number[] {
  if (sameShape(a, b)) return a.slice();
  if (a.length === 0) return b.slice();
  if (b.length === 0) return a.slice();
  const fail = () => new Error(`${op}: shapes ${fmtShape(a)} and ${fmtShape(b)} are not broadcastable`);
  if (a.length > 2 || b.length > 2) throw fail();
  const r = Math.max(a.length, b.length);
  const out = new Array<number>(r);
  for (let k = 1; k <= r; k++) {
    const da = a[a.length - k] ?? 1;
    const db = b[b.length - k] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw fail();
    out[r - k] = da === 1 ? db : da;
  }
  return out;
}

/** View a shape as [rows, cols] (scalar → [1,1], vector → [1,n], rank > 2 → [1,size]). */
function as2d(shape: readonly number[]): [number, number] {
  if (shape.length === 0) return [1, 1];
  if (shape.length === 1) return [1, shape[0]];
  if (shape.length === 2) return [shape[0], shape[1]];
  return [1, shapeSize(shape)];
}

/** Element strides (row, col) of `shape` read as a broadcast operand of an [R,C] result. */
function strides(shape: readonly number[]): [number, number] {
  const [r, c] = as2d(shape);
  return [r === 1 ? 0 : c, c === 1 ? 0 : 1];
}

/** Sum `a` down to `shape` (the reverse of broadcasting). d/da: broadcastTo(g, a.shape). */
export function sumTo(a: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(a.shape, shape)) return a;
  if (!sameShape(broadcastShape('sumTo', shape, a.shape), a.shape)) {
    throw new Error(`sumTo: cannot reduce ${fmtShape(a.shape)} to ${fmtShape(shape)}`);
  }
  const [R, C] = as2d(a.shape);
  const [rs, cs] = strides(shape);
  const out = allocate(a.dtype, shapeSize(shape));
  const x = a.data;
  for (let i = 0; i < R; i++) {
    const o = i * rs;
    for (let j = 0; j < C; j++) out[o + j * cs] += x[i * C + j];
  }
  return make('sumTo', out, shape, [a], (g) => [broadcastTo(g, a.shape)]);
}

/** Repeat `a` along stretched dimensions. d/da: sumTo(g, a.shape). */
export function broadcastTo(a: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(a.shape, shape)) return a;
  if (!sameShape(broadcastShape('broadcastTo', a.shape, shape), shape)) {
    throw new Error(`broadcastTo: cannot broadcast ${fmtShape(a.shape)} to ${fmtShape(shape)}`);
  }
  const [R, C] = as2d(shape);
  const [rs, cs] = strides(a.shape);
  const out = allocate(a.dtype, R * C);
  const x = a.data;
  for (let i = 0; i < R; i++) {
    for (let j = 0; j < C; j++) out[i * C + j] = x[i * rs + j * cs];
  }
  return make('broadcastTo', out, shape, [a], (g) => [sumTo(g, a.shape)]);
}

/**
 * Elementwise binary op with broadcasting. `rule` returns the cotangents at the broadcast
 * shape; they are summed back to each operand's shape here.
 */
function binary(
  op: string, x: Operand, y: Operand,
  f: (p: number, q: number) => number,
  fast: ((a: FloatArray, b: FloatArray, out: FloatArray) => void) | null,
  rule: (g: Tensor, a: Tensor, b: Tensor, out: Tensor, needs: readonly boolean[]) => Grads,
): Tensor {
  const [a, b] = operands(op, x, y);
  const shape = broadcastShape(op, a.shape, b.shape);
  const out = allocate(a.dtype, shapeSize(shape));
  const A = a.data, B = b.data;
  if (fast && sameShape(a.shape, b.shape)) {
    fast(A, B, out);
  } else if (sameShape(a.shape, b.shape)) {
    for (let i = 0; i < out.length; i++) out[i] = f(A[i], B[i]);
  } else {
    const [R, C] = as2d(shape);
    const [ar, ac] = strides(a.shape);
    const [br, bc] = strides(b.shape);
    for (let i = 0; i < R; i++) {
      for (let j = 0; j < C; j++) out[i * C + j] = f(A[i * ar + j * ac], B[i * br + j * bc]);
    }
  }
  const t: Tensor = make(op, out, shape, [a, b], (g, needs) => {
    const [ga, gb] = rule(g, a, b, t, needs);
    return [ga && sumTo(ga, a.shape), gb && sumTo(gb, b.shape)];
  });
  return t;
}

/** a + b. d/da = g, d/db = g. */
export function add(a: Operand, b: Operand): Tensor {
  return binary('add', a, b, (p, q) => p + q,
    (x, y, o) => backend().axpby(1, x, 1, y, o),
    (g) => [g, g]);
}

/** a − b. d/da = g, d/db = −g. */
export function sub(a: Operand, b: Operand): Tensor {
  return binary('sub', a, b, (p, q) => p - q,
    (x, y, o) => backend().axpby(1, x, -1, y, o),
    (g, _a, _b, _o, needs) => [g, needs[1] ? neg(g) : null]);
}

/** a ⊙ b. d/da = g ⊙ b, d/db = g ⊙ a. */
export function mul(a: Operand, b: Operand): Tensor {
  return binary('mul', a, b, (p, q) => p * q,
    (x, y, o) => backend().mul(x, y, o),
    (g, A, B, _o, needs) => [needs[0] ? mul(g, B) : null, needs[1] ? mul(g, A) : null]);
}

/** a / b. d/da = g / b, d/db = −g ⊙ (a/b) / b. */
export function div(a: Operand, b: Operand): Tensor {
  return binary('div', a, b, (p, q) => p / q, null,
    (g, _A, B, out, needs) => [needs[0] ? div(g, B) : null, needs[1] ? neg(mul(g, div(out, B))) : null]);
}

// ---------------------------------------------------------------------------------------
// Elementwise unary ops.

function unary(op: string, a: Tensor, f: (x: number) => number, rule: (g: Tensor, out: Tensor) => Tensor): Tensor {
  const out = allocate(a.dtype, a.size);
  const x = a.data;
  for (let i = 0; i < out.length; i++) out[i] = f(x[i]);
  const t: Tensor = make(op, out, a.shape, [a], (g) => [rule(g, t)]);
  return t;
}

/** −a. d/da = −g. */
export function neg(a: Tensor): Tensor {
  return unary('neg', a, (x) => -x, (g) => neg(g));
}

/** c·a. d/da = c·g. */
export function scale(a: Tensor, c: number): Tensor {
  return unary('scale', a, (x) => c * x, (g) => scale(g, c));
}

/** a + c. d/da = g. */
export function addScalar(a: Tensor, c: number): Tensor {
  return unary('addScalar', a, (x) => x + c, (g) => g);
}

/** eᵃ. d/da = g ⊙ eᵃ. */
export function exp(a: Tensor): Tensor {
  return unary('exp', a, Math.exp, (g, out) => mul(g, out));
}

/** ln a. d/da = g / a. */
export function log(a: Tensor): Tensor {
  return unary('log', a, Math.log, (g) => div(g, a));
}

/** tanh a. d/da = g ⊙ (1 − tanh² a). */
export function tanh(a: Tensor): Tensor {
  return unary('tanh', a, Math.tanh, (g, out) => mul(g, addScalar(neg(square(out)), 1)));
}

/**
 * Scalar error function, to ~1e-15: erf x = (2/√π) e^{−x²} Σ_k 2^k x^{2k+1}/(1·3⋯(2k+1)) (all terms
 * positive, no cancellation) for |x| < 6; ±1 beyond (1 − erf 6 < 3e-17).
 */
export function erfScalar(x: number): number {
  const a = Math.abs(x);
  if (a >= 6) return Math.sign(x);
  if (a === 0) return 0 * x;
  const x2 = a * a;
  let term = a, s = a;
  for (let k = 0; k < 300; k++) {
    term *= (2 * x2) / (2 * k + 3);
    s += term;
    if (term < 1e-17 * s) break;
  }
  return Math.sign(x) * Math.min(1, (2 / Math.sqrt(Math.PI)) * Math.exp(-x2) * s);
}

/** erf a. d/da = g ⊙ (2/√π) e^{−a²}. */
export function erf(a: Tensor): Tensor {
  return unary('erf', a, erfScalar, (g) => mul(g, scale(exp(neg(square(a))), 2 / Math.sqrt(Math.PI))));
}

/** σ(a) = 1/(1+e⁻ᵃ), computed stably. d/da = g ⊙ σ(1 − σ). */
export function sigmoid(a: Tensor): Tensor {
  const f = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
  return unary('sigmoid', a, f, (g, out) => mul(g, mul(out, addScalar(neg(out), 1))));
}

/** a². d/da = 2a ⊙ g. */
export function square(a: Tensor): Tensor {
  return unary('square', a, (x) => x * x, (g) => mul(g, scale(a, 2)));
}

/** √a. d/da = g / (2√a). */
export function sqrt(a: Tensor): Tensor {
  return unary('sqrt', a, Math.sqrt, (g, out) => div(g, scale(out, 2)));
}

/** aᵖ. d/da = p·aᵖ⁻¹ ⊙ g. */
export function powScalar(a: Tensor, p: number): Tensor {
  if (p === 1) return a;
  return unary('powScalar', a, (x) => Math.pow(x, p),
    (g) => (p === 0 ? zeros(g.shape.slice(), g.dtype) : mul(g, scale(powScalar(a, p - 1), p))));
}

/** |a|. d/da = sign(a) ⊙ g (sign held constant; 0 at 0). */
export function abs(a: Tensor): Tensor {
  return unary('abs', a, Math.abs, (g) => {
    const sign = allocate(a.dtype, a.size);
    for (let i = 0; i < sign.length; i++) sign[i] = Math.sign(a.data[i]);
    return mul(g, new Tensor(sign, a.shape));
  });
}

/** max(a, 0). d/da = g ⊙ 1[a > 0]: the mask is constant, so the second derivative is 0. */
export function relu(a: Tensor): Tensor {
  const out = allocate(a.dtype, a.size);
  backend().relu(a.data, out);
  return make('relu', out, a.shape, [a], (g) => [reluMask(g, a)]);
}

/**
 * g ⊙ 1[x > 0] (the fused ReLU backward), linear in g with x held constant.
 * d/dg = reluMask(h, x).
 */
export function reluMask(g: Tensor, x: Tensor): Tensor {
  checkDtype('reluMask', g, x);
  if (!sameShape(g.shape, x.shape)) throw new Error(`reluMask: shapes ${fmtShape(g.shape)} and ${fmtShape(x.shape)} differ`);
  const out = allocate(g.dtype, g.size);
  backend().reluMask(g.data, x.data, out);
  return make('reluMask', out, g.shape, [g], (h) => [reluMask(h, x)]);
}

// ---------------------------------------------------------------------------------------
// Linear algebra and shape ops.

/**
 * op(A)·op(B) for 2-D tensors, where op transposes when the flag is set (no copy is made).
 * C = op(A)op(B): d op(A) = G·op(B)ᵀ, d op(B) = op(A)ᵀ·G, each mapped back through op.
 */
export function matmulT(a: Tensor, b: Tensor, transA = false, transB = false): Tensor {
  checkDtype('matmul', a, b);
  if (a.rank !== 2 || b.rank !== 2) {
    throw new Error(`matmul: expected 2-D operands, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  }
  const [m, k] = transA ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
  const [k2, n] = transB ? [b.shape[1], b.shape[0]] : [b.shape[0], b.shape[1]];
  if (k !== k2) {
    throw new Error(`matmul: inner dimensions differ: ${fmtShape(a.shape)}${transA ? 'ᵀ' : ''} · ${fmtShape(b.shape)}${transB ? 'ᵀ' : ''}`);
  }
  const out = allocate(a.dtype, m * n);
  backend().matmul(a.data, b.data, out, m, k, n, transA, transB);
  return make('matmul', out, [m, n], [a, b], (g, needs) => [
    needs[0] ? (transA ? matmulT(b, g, transB, true) : matmulT(g, b, false, !transB)) : null,
    needs[1] ? (transB ? matmulT(g, a, true, transA) : matmulT(a, g, !transA, false)) : null,
  ]);
}

/** Matrix product: [m,k]·[k,n] → [m,n]; [m,k]·[k] → [m]; [k]·[k,n] → [n]; [k]·[k] → scalar. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  const ka = a.shape[a.rank - 1], kb = b.shape[0];
  if (a.rank < 1 || a.rank > 2 || b.rank < 1 || b.rank > 2 || ka !== kb) {
    throw new Error(`matmul: cannot multiply ${fmtShape(a.shape)} by ${fmtShape(b.shape)}`);
  }
  if (a.rank === 2 && b.rank === 2) return matmulT(a, b);
  if (a.rank === 2) return reshape(matmulT(a, reshape(b, [kb, 1])), [a.shape[0]]);
  if (b.rank === 2) return reshape(matmulT(reshape(a, [1, ka]), b), [b.shape[1]]);
  return dot(a, b);
}

/** Aᵀ (rank ≤ 1 returned as is). d/da = gᵀ. */
export function transpose(a: Tensor): Tensor {
  if (a.rank < 2) return a;
  if (a.rank !== 2) throw new Error(`transpose: expected rank ≤ 2, got ${fmtShape(a.shape)}`);
  const [m, n] = a.shape;
  const out = allocate(a.dtype, m * n);
  const x = a.data;
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[j * m + i] = x[i * n + j];
  return make('transpose', out, [n, m], [a], (g) => [transpose(g)]);
}

/** Same data, new shape (one entry may be −1 to infer it). d/da = reshape(g, a.shape). */
export function reshape(a: Tensor, shape: number[]): Tensor {
  const s = shape.slice();
  const hole = s.indexOf(-1);
  if (hole >= 0) {
    const rest = s.reduce((p, d, i) => (i === hole ? p : p * d), 1);
    if (rest === 0 || a.size % rest !== 0) throw new Error(`reshape: cannot reshape ${fmtShape(a.shape)} to ${fmtShape(shape)}`);
    s[hole] = a.size / rest;
  }
  if (shapeSize(s) !== a.size) throw new Error(`reshape: cannot reshape ${fmtShape(a.shape)} (size ${a.size}) to ${fmtShape(shape)}`);
  if (sameShape(s, a.shape)) return a;
  return make('reshape', a.data, s, [a], (g) => [reshape(g, a.shape.slice())]);
}

/** Change element type. d/da = astype(g, a.dtype). */
export function astype(a: Tensor, dtype: DType): Tensor {
  if (a.dtype === dtype) return a;
  const out = allocate(dtype, a.size);
  out.set(a.data);
  return make('astype', out, a.shape, [a], (g) => [astype(g, a.dtype)]);
}

/** Same values, cut from the graph: its derivative is 0. */
export function stopGradient(a: Tensor): Tensor {
  return new Tensor(a.data, a.shape);
}

// ---------------------------------------------------------------------------------------
// Reductions.

/** Sum of all entries (→ scalar), or over axis 0 (→ [n]) or axis 1 (→ [m]). */
export function sum(a: Tensor, axis?: 0 | 1): Tensor {
  if (axis === undefined) return sumTo(a.rank > 2 ? reshape(a, [a.size]) : a, []);
  if (axis >= a.rank || a.rank > 2) throw new Error(`sum: axis ${axis} out of range for shape ${fmtShape(a.shape)}`);
  if (a.rank === 1) return sumTo(a, []);
  if (axis === 0) return sumTo(a, [a.shape[1]]);
  return reshape(sumTo(a, [a.shape[0], 1]), [a.shape[0]]);
}

/** Mean of all entries, or over an axis (shapes as in `sum`). */
export function mean(a: Tensor, axis?: 0 | 1): Tensor {
  const count = axis === undefined ? a.size : a.shape[axis];
  return scale(sum(a, axis), 1 / count);
}

/** Σ a ⊙ b over all entries (same shapes) → scalar. d/da = g·b, d/db = g·a. */
export function dot(a: Tensor, b: Tensor): Tensor {
  checkDtype('dot', a, b);
  if (!sameShape(a.shape, b.shape)) throw new Error(`dot: shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)} differ`);
  const A = a.data, B = b.data;
  let s = 0;
  for (let i = 0; i < A.length; i++) s += A[i] * B[i];
  const out = allocate(a.dtype, 1);
  out[0] = s;
  return make('dot', out, [], [a, b], (g, needs) => [needs[0] ? mul(g, b) : null, needs[1] ? mul(g, a) : null]);
}

/**
 * log Σ_j exp(a_ij) along `axis` (1: per row → [m]; 0: per column → [n]; rank 1 → scalar),
 * shifted by the maximum so it never overflows. d/da = g ⊙ softmax(a).
 */
export function logSumExp(a: Tensor, axis: 0 | 1 = 1): Tensor {
  if (a.rank === 1) return reshape(logSumExp(reshape(a, [1, a.size]), 1), []);
  if (a.rank !== 2) throw new Error(`logSumExp: expected rank 1 or 2, got ${fmtShape(a.shape)}`);
  if (axis === 0) return logSumExp(transpose(a), 1);
  const [m, n] = a.shape;
  const x = a.data;
  const out = allocate(a.dtype, m);
  for (let i = 0; i < m; i++) {
    let mx = -Infinity;
    for (let j = 0; j < n; j++) mx = Math.max(mx, x[i * n + j]);
    if (mx === -Infinity || mx === Infinity) { out[i] = mx; continue; }
    let s = 0;
    for (let j = 0; j < n; j++) s += Math.exp(x[i * n + j] - mx);
    out[i] = mx + Math.log(s);
  }
  const t: Tensor = make('logSumExp', out, [m], [a], (g) => [
    mul(reshape(g, [m, 1]), exp(sub(a, reshape(t, [m, 1])))),
  ]);
  return t;
}

/** log softmax along `axis` (default 1: each row). */
export function logSoftmax(a: Tensor, axis: 0 | 1 = 1): Tensor {
  const lse = logSumExp(a, axis);
  return sub(a, a.rank === 2 && axis === 1 ? reshape(lse, [a.shape[0], 1]) : lse);
}

/** softmax along `axis` (default 1: each row). */
export function softmax(a: Tensor, axis: 0 | 1 = 1): Tensor {
  return exp(logSoftmax(a, axis));
}

// ---------------------------------------------------------------------------------------
// Losses.

/** (1/rows) Σ_i ‖pred_i − target_i‖² (rows = first dimension; same shapes required). */
export function mseLoss(pred: Tensor, target: Tensor): Tensor {
  if (!sameShape(pred.shape, target.shape)) {
    throw new Error(`mseLoss: pred shape ${fmtShape(pred.shape)} and target shape ${fmtShape(target.shape)} differ`);
  }
  const rows = pred.rank === 0 ? 1 : pred.shape[0];
  const d = sub(pred, target);
  return scale(dot(d, d), 1 / rows);
}

/** mean_i [ logΣ_j exp(z_ij) − Σ_j y_ij z_ij ] for logits z [m,k] and one-hot (or soft) targets y [m,k]. */
export function softmaxCrossEntropy(logits: Tensor, oneHot: Tensor): Tensor {
  if (logits.rank !== 2 || !sameShape(logits.shape, oneHot.shape)) {
    throw new Error(`softmaxCrossEntropy: logits ${fmtShape(logits.shape)} and targets ${fmtShape(oneHot.shape)} must be the same 2-D shape`);
  }
  return scale(sub(sum(logSumExp(logits, 1)), dot(oneHot, logits)), 1 / logits.shape[0]);
}

// ---------------------------------------------------------------------------------------
// Joining and cutting.

/** Sizes of the dimensions before and after `axis`. */
function around(shape: readonly number[], axis: number): [number, number] {
  return [shapeSize(shape.slice(0, axis)), shapeSize(shape.slice(axis + 1))];
}

/** Join tensors along `axis` (other dimensions must agree). d/dtᵢ = the matching slice of g. */
export function concat(ts: Tensor[], axis = 0): Tensor {
  if (ts.length === 0) throw new Error('concat: no tensors');
  const first = ts[0];
  if (axis < 0 || axis >= first.rank) throw new Error(`concat: axis ${axis} out of range for ${fmtShape(first.shape)}`);
  for (const t of ts) {
    checkDtype('concat', first, t);
    if (t.rank !== first.rank || t.shape.some((d, i) => i !== axis && d !== first.shape[i])) {
      throw new Error(`concat: shapes ${fmtShape(first.shape)} and ${fmtShape(t.shape)} do not match off axis ${axis}`);
    }
  }
  if (ts.length === 1) return first;
  const total = ts.reduce((s, t) => s + t.shape[axis], 0);
  const shape = first.shape.slice();
  shape[axis] = total;
  const [outer, inner] = around(shape, axis);
  const out = allocate(first.dtype, shapeSize(shape));
  const offsets: number[] = [];
  let off = 0;
  for (const t of ts) {
    offsets.push(off);
    const len = t.shape[axis] * inner;
    for (let o = 0; o < outer; o++) out.set(t.data.subarray(o * len, (o + 1) * len), o * total * inner + off * inner);
    off += t.shape[axis];
  }
  return make('concat', out, shape, ts, (g, needs) =>
    ts.map((t, i) => (needs[i] ? slice(g, axis, offsets[i], offsets[i] + t.shape[axis]) : null)));
}

/** Entries start..end−1 along `axis`. d/da = g padded with zeros back to a's shape. */
export function slice(a: Tensor, axis: number, start: number, end: number): Tensor {
  const len = a.shape[axis];
  if (axis < 0 || axis >= a.rank || start < 0 || end > len || start > end) {
    throw new Error(`slice: range ${start}..${end} on axis ${axis} is invalid for ${fmtShape(a.shape)}`);
  }
  if (start === 0 && end === len) return a;
  const shape = a.shape.slice();
  shape[axis] = end - start;
  const [outer, inner] = around(a.shape, axis);
  const out = allocate(a.dtype, shapeSize(shape));
  const w = (end - start) * inner;
  for (let o = 0; o < outer; o++) out.set(a.data.subarray(o * len * inner + start * inner, o * len * inner + start * inner + w), o * w);
  return make('slice', out, shape, [a], (g) => {
    const pad = (n: number) => { const s = a.shape.slice(); s[axis] = n; return zeros(s, a.dtype); };
    const parts = [pad(start), g, pad(len - end)].filter((t) => t.shape[axis] > 0);
    return [concat(parts, axis)];
  });
}
