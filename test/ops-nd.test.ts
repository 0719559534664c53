/**
 * N-dimensional ops: forward values against hand computations / naive loops, gradients against
 * central finite differences and Hessian-vector products against finite differences of
 * gradients (all f64), and the wasm backend against the reference on batched matmul and conv2d.
 */
import { afterAll, describe, expect, it } from 'vitest';
import {
  Tensor, tensor, zeros, randn, rng, arange, type Rng,
  add, sub, mul, div, maximum, minimum, where, sumTo, broadcastTo,
  reshape, permute, transpose, slice, concat, stack, unsqueeze, squeeze,
  sum, mean, max, logSumExp, softmax, logSoftmax, dot, matmul, matmulT,
  gather, scatterAdd, embedding, oneHot, conv2d, im2col, col2im, avgPool2d, maxPool2d,
  clip, abs, gelu, softplus, rsqrt, exp, tanh, erfScalar, scale, astype,
  softmaxCrossEntropy, crossEntropyWithIds, mseLoss,
  grad, flatten, flatLoss, useReference, useWasm, setBackend, referenceBackend, type Backend, type Window,
} from '../src/engine/index.js';
import { fdDirectional, fdGrad, input, norm, relErr, type InputKind } from './support/fd.js';

// ---------------------------------------------------------------------------------------
// Helpers (finite differences and norms: ./support/fd.ts).

/**
 * Gradient and HVP of L = ⟨W, y⟩ + ½‖y‖² (y = op(inputs)) vs finite differences: the quadratic
 * scalarization gives even linear ops a nonzero Hessian, exercising the double backward.
 */
function checkOp(name: string, op: (...xs: Tensor[]) => Tensor, inputs: Tensor[]): void {
  const r = rng(1).split(name);
  const y0 = op(...inputs);
  const W = randn(r.split('W'), y0.shape.slice());
  const L = (...xs: Tensor[]) => {
    const y = op(...xs);
    return add(dot(y, W), scale(dot(y, y), 0.5));
  };
  const fl = flatLoss(L, inputs);
  const theta = flatten(inputs);
  const eg = relErr(fl.grad(theta), fdGrad((t) => fl.value(t), theta));
  expect(eg, `${name}: gradient rel. error ${eg}`).toBeLessThan(1e-6);
  const v = r.split('v').normals(theta.length);
  const eh = relErr(fl.hvp(theta, v), fdDirectional((t) => fl.grad(t), theta, v));
  expect(eh, `${name}: hvp rel. error ${eh}`).toBeLessThan(1e-6);
}

const ids = (values: number[], shape?: number[]) => tensor(values, shape, 'i32');

/** Naive cross-correlation with zero padding: the 6-loop definition (plus the batch loop). */
function naiveConv(x: Tensor, w: Tensor, sh: number, sw: number, ph: number, pw: number): { data: Float64Array; shape: number[] } {
  const [N, C, H, W] = x.shape, [O, , kh, kw] = w.shape;
  const Ho = Math.floor((H + 2 * ph - kh) / sh) + 1, Wo = Math.floor((W + 2 * pw - kw) / sw) + 1;
  const out = new Float64Array(N * O * Ho * Wo);
  for (let n = 0; n < N; n++) for (let o = 0; o < O; o++) for (let i = 0; i < Ho; i++) for (let j = 0; j < Wo; j++) {
    let s = 0;
    for (let c = 0; c < C; c++) for (let p = 0; p < kh; p++) for (let q = 0; q < kw; q++) {
      const h = i * sh - ph + p, v = j * sw - pw + q;
      if (h >= 0 && h < H && v >= 0 && v < W) s += w.get(o, c, p, q) * x.get(n, c, h, v);
    }
    out[((n * O + o) * Ho + i) * Wo + j] = s;
  }
  return { data: out, shape: [N, O, Ho, Wo] };
}

/** Naive batched matmul with broadcast batch dims, by multi-index arithmetic. */
function naiveBmm(a: Tensor, b: Tensor): Float64Array {
  const ba = a.shape.slice(0, -2), bb = b.shape.slice(0, -2);
  const [m, k] = a.shape.slice(-2), n = b.shape[b.rank - 1];
  const r = Math.max(ba.length, bb.length);
  const pa = [...Array(r - ba.length).fill(1), ...ba], pb = [...Array(r - bb.length).fill(1), ...bb];
  const batch = pa.map((d, i) => Math.max(d, pb[i]));
  const nb = batch.reduce((p, d) => p * d, 1);
  const out = new Float64Array(nb * m * n);
  for (let t = 0; t < nb; t++) {
    let rem = t;
    const idx = batch.map(() => 0);
    for (let i = r - 1; i >= 0; i--) { idx[i] = rem % batch[i]; rem = Math.floor(rem / batch[i]); }
    let oa = 0, ob = 0;
    for (let i = 0; i < r; i++) { oa = oa * pa[i] + (pa[i] === 1 ? 0 : idx[i]); ob = ob * pb[i] + (pb[i] === 1 ? 0 : idx[i]); }
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a.data[oa * m * k + i * k + p] * b.data[ob * k * n + p * n + j];
      out[t * m * n + i * n + j] = s;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------

describe('tensors of any rank', () => {
  it('nested arrays, get, toNested, i32 and arange', () => {
    const a = tensor([[[1, 2, 3], [4, 5, 6]], [[7, 8, 9], [10, 11, 12]]]);
    expect(a.shape).toEqual([2, 2, 3]);
    expect(a.get(1, 0, 2)).toBe(9);
    expect(a.toNested()).toEqual([[[1, 2, 3], [4, 5, 6]], [[7, 8, 9], [10, 11, 12]]]);
    expect(tensor(2.5).toNested()).toBe(2.5);
    expect(tensor([1, 2]).get(1, 0)).toBe(2); // back-compat get(i, 0) on a vector
    expect(() => a.get(1, 0)).toThrow(/rank-3 tensor \[2,2,3\] needs 3 indices/);
    expect(() => a.get(2, 0, 0)).toThrow(RangeError);
    expect(() => tensor([[[1], [2]], [[3]]])).toThrow(/ragged/);
    const i = tensor([1.9, -2.7, 3], undefined, 'i32');
    expect(i.dtype).toBe('i32');
    expect(Array.from(i.data)).toEqual([1, -2, 3]);
    expect(tensor(new Int32Array([4, 5])).dtype).toBe('i32');
    expect(Array.from(arange(4).data)).toEqual([0, 1, 2, 3]);
    expect(arange(3).dtype).toBe('i32');
    expect(() => randn(rng(1), [2], 1, 'i32')).toThrow(/randn: dtype/);
  });

  it('i32 tensors: integer shape ops and arithmetic, no graph, float ops refuse them', () => {
    const k = ids([0, 1, 2, 3, 4, 5], [2, 3]);
    expect(transpose(k).toNested()).toEqual([[0, 3], [1, 4], [2, 5]]);
    expect(add(k, 1).data).toBeInstanceOf(Int32Array);
    expect(sum(k, 1).toNested()).toEqual([3, 12]);
    expect(max(k, 0).toNested()).toEqual([3, 4, 5]);
    expect(() => exp(k)).toThrow(/exp: needs an f32 or f64 tensor, got i32/);
    expect(() => div(k, k)).toThrow(/div: needs an f32 or f64 tensor/);
    expect(() => matmul(k, transpose(k))).toThrow(/matmul: needs an f32 or f64/);
    expect(() => grad((t) => sum(t), [k])).toThrow(/i32/);
    // Inside a differentiated function, i32 intermediates are never tracked.
    grad((x) => {
      const hard = astype(x, 'i32');
      expect(hard.requiresGrad).toBe(false);
      expect(Array.from(hard.data)).toEqual([1, -2]);
      return sum(x);
    }, [tensor([1.5, -2.5])]);
    expect(() => add(k, tensor([1, 2, 3]))).toThrow(/add: dtype mismatch/);
  });
});

describe('forward values', () => {
  it('broadcasting of any rank (bias, size-1 axes, three operands)', () => {
    const a = reshape(arange(24, 'f64'), [2, 3, 4]);
    const b = tensor([[100], [200], [300]]); // [3,1]
    const c = add(a, b);
    for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) {
      expect(c.get(i, j, k)).toBe(12 * i + 4 * j + k + 100 * (j + 1));
    }
    const d = mul(reshape(arange(2, 'f64'), [2, 1, 1, 1]), reshape(arange(3, 'f64'), [1, 3, 1]));
    expect(d.shape).toEqual([2, 1, 3, 1]);
    expect(d.toNested()).toEqual([[[[0], [0], [0]]], [[[0], [1], [2]]]]);
    expect(sub(a, tensor([1, 2, 3, 4])).get(1, 2, 3)).toBe(23 - 4);
    expect(() => add(zeros([2, 3, 4]), zeros([2, 4]))).toThrow(/add: shapes \[2,3,4\] and \[2,4\] are not broadcastable/);
    expect(maximum(tensor([[1, 5]]), tensor([[3], [4]])).toNested()).toEqual([[3, 5], [4, 5]]);
    expect(minimum(tensor([1, 5]), 2).toNested()).toEqual([1, 2]);
    expect(where(tensor([1, 0, 2], undefined, 'i32'), tensor([1, 2, 3]), tensor([[10, 20, 30], [40, 50, 60]])).toNested())
      .toEqual([[1, 20, 3], [1, 50, 3]]);
    expect(sumTo(a, [3, 1]).toNested()).toEqual([[60], [92], [124]]); // Σ_{i,k} 12i + 4j + k = 32j + 60
    expect(broadcastTo(tensor([1, 2]), [2, 1, 2]).toNested()).toEqual([[[1, 2]], [[1, 2]]]);
  });

  it('permute, transpose, slice, concat, stack, squeeze against index arithmetic', () => {
    const shape = [2, 3, 4, 5];
    const a = reshape(arange(120, 'f64'), shape);
    const p = permute(a, [2, 0, 3, 1]);
    expect(p.shape).toEqual([4, 2, 5, 3]);
    for (let i = 0; i < 4; i++) for (let j = 0; j < 2; j++) for (let k = 0; k < 5; k++) for (let l = 0; l < 3; l++) {
      expect(p.get(i, j, k, l)).toBe(((j * 3 + l) * 4 + i) * 5 + k);
    }
    const t = transpose(a, 1, -1); // swap axes 1 and 3
    expect(t.shape).toEqual([2, 5, 4, 3]);
    expect(t.get(1, 4, 2, 0)).toBe(a.get(1, 0, 2, 4));
    expect(transpose(tensor([[1, 2, 3], [4, 5, 6]])).toNested()).toEqual([[1, 4], [2, 5], [3, 6]]);
    expect(transpose(tensor([1, 2]))).toBeDefined();
    const s = slice(a, -2, 1, 3);
    expect(s.shape).toEqual([2, 3, 2, 5]);
    expect(s.get(1, 2, 1, 4)).toBe(a.get(1, 2, 2, 4));
    const s0 = slice(a, 0, 1, 2);
    expect(s0.get(0, 1, 1, 1)).toBe(a.get(1, 1, 1, 1));
    const c = concat([slice(a, 2, 0, 1), slice(a, 2, 1, 4)], -2);
    expect(Array.from(c.data)).toEqual(Array.from(a.data));
    const st = stack([tensor([1, 2]), tensor([3, 4]), tensor([5, 6])], -1);
    expect(st.toNested()).toEqual([[1, 3, 5], [2, 4, 6]]);
    expect(unsqueeze(tensor([1, 2]), -1).shape).toEqual([2, 1]);
    expect(squeeze(zeros([1, 3, 1, 2])).shape).toEqual([3, 2]);
    expect(squeeze(zeros([1, 3, 1, 2]), 2).shape).toEqual([1, 3, 2]);
    expect(() => squeeze(zeros([2, 3]), 0)).toThrow(/squeeze: axis 0 of \[2,3\] has size 2/);
    expect(reshape(a, [6, -1]).data).toBe(a.data); // reshape shares storage
    expect(() => permute(a, [0, 1, 1, 2])).toThrow(/permute/);
  });

  it('reductions with axes lists, keepdims and negative axes', () => {
    const a = reshape(arange(24, 'f64'), [2, 3, 4]);
    const ref = (f: (i: number, j: number, k: number) => boolean) => {
      let s = 0;
      for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) if (f(i, j, k)) s += 12 * i + 4 * j + k;
      return s;
    };
    const s02 = sum(a, [0, -1]);
    expect(s02.shape).toEqual([3]);
    expect(s02.toNested()).toEqual([0, 1, 2].map((j) => ref((_i, jj) => jj === j)));
    expect(sum(a, 1, true).shape).toEqual([2, 1, 4]);
    expect(sum(a, 1, true).get(1, 0, 2)).toBe(ref((i, _j, k) => i === 1 && k === 2));
    expect(sum(a).item()).toBe(276);
    expect(sum(a, undefined, true).shape).toEqual([1, 1, 1]);
    expect(mean(a, [1, 2]).toNested()).toEqual([ref((i) => i === 0) / 12, ref((i) => i === 1) / 12]);
    const b = tensor([[[3, 9, 1], [4, 2, 8]], [[7, 7, 0], [5, 6, 5]]]);
    expect(max(b).item()).toBe(9);
    expect(max(b, 1).toNested()).toEqual([[4, 9, 8], [7, 7, 5]]);
    expect(max(b, [0, 2], true).toNested()).toEqual([[[9], [8]]]);
    // The max gradient goes to the first argmax.
    const [g] = grad((t) => sum(max(t, -1)), [b]);
    expect(g.toNested()).toEqual([[[0, 1, 0], [0, 0, 1]], [[1, 0, 0], [0, 1, 0]]]);
    const l = logSumExp(b, 0, true);
    expect(l.shape).toEqual([1, 2, 3]);
    expect(l.get(0, 1, 2)).toBeCloseTo(Math.log(Math.exp(8) + Math.exp(5)), 14);
    const sm = softmax(b, 1);
    expect(sm.get(1, 0, 2)).toBeCloseTo(Math.exp(0) / (Math.exp(0) + Math.exp(5)), 14);
    expect(logSoftmax(b).get(0, 0, 1)).toBeCloseTo(9 - Math.log(Math.exp(3) + Math.exp(9) + Math.exp(1)), 14);
    expect(logSumExp(tensor([[1000, 1000, 1000]]), -1).get(0)).toBeCloseTo(1000 + Math.log(3), 10);
  });

  it('batched matmul: numpy semantics with broadcast batch dims', () => {
    const r = rng(3);
    for (const [sa, sb] of [[[2, 3, 4], [2, 4, 5]], [[2, 1, 3, 4], [3, 4, 2]], [[3, 4], [2, 4, 5]], [[2, 3, 4], [4, 5]], [[1, 3, 4], [2, 4, 1]]]) {
      const a = randn(r.split(`a${sa}`), sa), b = randn(r.split(`b${sb}`), sb);
      expect(relErr(matmul(a, b).data, naiveBmm(a, b))).toBeLessThan(1e-14);
    }
    const a = randn(r, [2, 3, 4]);
    expect(matmul(a, randn(r, [4])).shape).toEqual([2, 3]);
    expect(matmul(randn(r, [3]), a).shape).toEqual([2, 4]);
    // matmulT on equal batches: transposes act on the last two axes.
    const b = randn(r, [2, 5, 4]);
    expect(relErr(matmulT(a, b, false, true).data, matmul(a, transpose(b)).data)).toBeLessThan(1e-15);
    expect(relErr(matmulT(b, a, false, true).data, matmul(b, transpose(a)).data)).toBeLessThan(1e-15);
    const c = randn(r, [2, 3, 5]);
    expect(relErr(matmulT(a, c, true, false).data, matmul(transpose(a), c).data)).toBeLessThan(1e-15);
    const e = randn(r, [2, 4, 3]);
    expect(relErr(matmulT(c, e, true, true).data, matmul(transpose(c), transpose(e)).data)).toBeLessThan(1e-15);
    expect(() => matmul(zeros([2, 3, 4]), zeros([3, 4, 5]))).toThrow(/matmul: shapes \[2\] and \[3\] are not broadcastable/);
  });

  it('gather, scatterAdd, embedding, oneHot against index arithmetic', () => {
    const a = reshape(arange(24, 'f64'), [2, 3, 4]);
    const idx = ids([2, 0, 2, -1], [2, 2]);
    const g = gather(a, idx, 1);
    expect(g.shape).toEqual([2, 2, 2, 4]);
    const want = [2, 0, 2, 2];
    for (let i = 0; i < 2; i++) for (let t = 0; t < 4; t++) for (let k = 0; k < 4; k++) {
      expect(g.get(i, t >> 1, t & 1, k)).toBe(a.get(i, want[t], k));
    }
    const s = scatterAdd(ones3(), ids([1, 1, 0]), 1, 2);
    expect(s.toNested()).toEqual([[[1, 1], [2, 2]]]);
    const table = tensor([[1, 2], [3, 4], [5, 6]]);
    expect(embedding(table, ids([2, 0, 1, 2], [2, 2])).toNested()).toEqual([[[5, 6], [1, 2]], [[3, 4], [5, 6]]]);
    expect(oneHot(ids([2, 0]), 3).toNested()).toEqual([[0, 0, 1], [1, 0, 0]]);
    expect(() => gather(a, ids([3]), 1)).toThrow(/gather: index 3 .* out of range/);
    expect(() => gather(a, tensor([1]), 1)).toThrow(/gather: indices must be an i32 tensor/);
    expect(() => oneHot(ids([3]), 3)).toThrow(/oneHot: id 3/);
  });

  it('conv2d against a naive convolution; pools against window loops', () => {
    const r = rng(4);
    for (const [xs, ws, st, pd] of [
      [[2, 3, 7, 6], [4, 3, 3, 2], 1, 0],
      [[1, 2, 8, 9], [3, 2, 3, 3], 2, 1],
      [[2, 1, 5, 5], [2, 1, 1, 1], 1, 2],
    ] as [number[], number[], number, number][]) {
      const x = randn(r.split(`x${xs}`), xs), w = randn(r.split(`w${ws}`), ws);
      const y = conv2d(x, w, { stride: st, padding: pd });
      const want = naiveConv(x, w, st, st, pd, pd);
      expect(y.shape).toEqual(want.shape);
      expect(relErr(y.data, want.data)).toBeLessThan(1e-14);
    }
    const x = randn(r, [1, 2, 5, 4]), w = randn(r, [2, 2, 2, 3]);
    const y = conv2d(x, w, { stride: [2, 1], padding: [0, 1] });
    const want = naiveConv(x, w, 2, 1, 0, 1);
    expect(y.shape).toEqual(want.shape);
    expect(relErr(y.data, want.data)).toBeLessThan(1e-14);
    const p = reshape(arange(32, 'f64'), [1, 2, 4, 4]);
    expect(maxPool2d(p, 2).toNested()).toEqual([[[[5, 7], [13, 15]], [[21, 23], [29, 31]]]]);
    expect(avgPool2d(p, 2).toNested()).toEqual([[[[2.5, 4.5], [10.5, 12.5]], [[18.5, 20.5], [26.5, 28.5]]]]);
    expect(maxPool2d(p, 3, 1).get(0, 1, 1, 1)).toBe(16 + 15);
    expect(avgPool2d(p, 2, 1).shape).toEqual([1, 2, 3, 3]);
    expect(() => conv2d(zeros([1, 3, 4, 4]), zeros([2, 2, 3, 3]))).toThrow(/conv2d: weight must be \[O, C=3/);
    expect(() => conv2d(zeros([1, 1, 2, 2]), zeros([1, 1, 3, 3]))).toThrow(/does not fit input/);
  });

  it('col2im is the adjoint of im2col: ⟨im2col x, c⟩ = ⟨x, col2im c⟩', () => {
    const r = rng(5);
    const win: Window = { kh: 3, kw: 2, sh: 2, sw: 1, ph: 1, pw: 1 };
    const x = randn(r, [2, 3, 5, 4]);
    const cx = im2col(x, win);
    const c = randn(r, cx.shape.slice());
    const lhs = dot(cx, c).item(), rhs = dot(x, col2im(c, x.shape, win)).item();
    expect(Math.abs(lhs - rhs) / Math.abs(lhs)).toBeLessThan(1e-13);
  });

  it('elementwise: gelu, softplus, clip, abs, rsqrt', () => {
    const xs = [-40, -3, -0.5, 0, 0.7, 2, 40];
    const x = tensor(xs);
    const Phi = (v: number) => 0.5 * (1 + erfScalar(v / Math.SQRT2));
    expect(relErr(gelu(x).data, xs.map((v) => v * Phi(v)))).toBeLessThan(1e-15);
    expect(gelu(tensor([1])).item()).toBeCloseTo(0.8413447460685429, 14);
    const sp = softplus(x);
    expect(sp.get(0)).toBeCloseTo(Math.exp(-40), 25);
    expect(sp.get(6)).toBe(40);
    expect(sp.get(3)).toBeCloseTo(Math.LN2, 15);
    expect(sp.get(1)).toBeCloseTo(Math.log(1 + Math.exp(-3)), 15);
    expect(clip(x, -1, 1).toNested()).toEqual([-1, -1, -0.5, 0, 0.7, 1, 1]);
    expect(abs(x).toNested()).toEqual(xs.map(Math.abs));
    expect(rsqrt(tensor([4, 0.25])).toNested()).toEqual([0.5, 2]);
    // gelu' = Φ(x) + x φ(x)
    const [g] = grad((t) => sum(gelu(t)), [tensor([0.3, -1.2])]);
    const phi = (v: number) => Math.exp(-v * v / 2) / Math.sqrt(2 * Math.PI);
    expect(relErr(g.data, [0.3, -1.2].map((v) => Phi(v) + v * phi(v)))).toBeLessThan(1e-14);
  });

  it('losses of any rank: softmaxCrossEntropy and crossEntropyWithIds', () => {
    const z = tensor([[[1, 2, 0], [0.5, -1, 3]], [[2, 2, 2], [0, 0, 1]]]);
    const t = ids([1, 2, 0, 2], [2, 2]);
    const rows = [[1, 2, 0], [0.5, -1, 3], [2, 2, 2], [0, 0, 1]];
    const want = rows.reduce((s, r, i) => s + Math.log(r.reduce((p, v) => p + Math.exp(v), 0)) - r[[1, 2, 0, 2][i]], 0) / 4;
    expect(crossEntropyWithIds(z, t).item()).toBeCloseTo(want, 14);
    expect(softmaxCrossEntropy(z, oneHot(t, 3)).item()).toBeCloseTo(want, 14);
    // Rank 2 keeps its meaning (mean over rows).
    expect(softmaxCrossEntropy(reshape(z, [4, 3]), reshape(oneHot(t, 3), [4, 3])).item()).toBeCloseTo(want, 14);
    expect(() => crossEntropyWithIds(z, ids([0, 1]))).toThrow(/crossEntropyWithIds: ids \[2\]/);
    expect(mseLoss(tensor([[1, 2]]), tensor([[0, 0]])).item()).toBe(5);
  });
});

function ones3(): Tensor {
  return tensor([[[1, 1], [1, 1], [1, 1]]]); // [1,3,2]
}

describe('gradients and HVPs vs finite differences (f64, rank 3–4, broadcasting)', () => {
  const r = rng(77);
  let counter = 0;
  const n = (s: number[], k: InputKind = 'n') => input(r.split(counter++), s, k);
  const win: Window = { kh: 2, kw: 3, sh: 2, sw: 1, ph: 1, pw: 1 };
  const cond = tensor([1, 0, 1, 1, 0, 0, 1, 0].map((v) => v), [2, 1, 4], 'i32');
  const cases: [string, (...xs: Tensor[]) => Tensor, Tensor[]][] = [
    ['add rank 4 broadcast', add, [n([2, 1, 3, 2]), n([4, 1, 2])]],
    ['sub size-1 axes', sub, [n([2, 3, 1]), n([1, 1, 4])]],
    ['mul bias', mul, [n([2, 3, 4]), n([4])]],
    ['div broadcast', div, [n([2, 1, 4]), n([3, 1], 'p')]],
    ['maximum', maximum, [n([2, 3, 2]), n([3, 1])]],
    ['minimum', minimum, [n([2, 1, 3]), n([2, 3])]],
    ['where', (a, b) => where(cond, a, b), [n([2, 3, 4]), n([3, 1])]],
    ['sumTo rank 4', (a) => sumTo(a, [3, 1, 2]), [n([2, 3, 4, 2])]],
    ['broadcastTo rank 4', (a) => broadcastTo(a, [2, 3, 4, 2]), [n([3, 1, 2])]],
    ['reshape rank 4', (a) => reshape(a, [4, -1, 3]), [n([2, 3, 2, 2])]],
    ['permute', (a) => permute(a, [3, 1, 0, 2]), [n([2, 3, 2, 4])]],
    ['transpose axes', (a) => transpose(a, 0, 2), [n([2, 3, 4])]],
    ['slice negative axis', (a) => slice(a, -1, 1, 3), [n([2, 3, 4])]],
    ['concat rank 3', (a, b) => concat([a, b], 1), [n([2, 1, 3]), n([2, 2, 3])]],
    ['stack', (a, b) => stack([a, b], 1), [n([2, 3]), n([2, 3])]],
    ['squeeze/unsqueeze', (a) => unsqueeze(squeeze(a, 1), 0), [n([2, 1, 3])]],
    ['sum axes', (a) => sum(a, [0, 2]), [n([2, 3, 4])]],
    ['sum keepdims', (a) => sum(a, -1, true), [n([2, 3, 4])]],
    ['mean axes keepdims', (a) => mean(a, [1, 3], true), [n([2, 3, 2, 2])]],
    ['max axis', (a) => max(a, 1), [n([2, 3, 4])]],
    ['max axes', (a) => max(a, [0, 2], true), [n([2, 3, 4])]],
    ['logSumExp axis 1', (a) => logSumExp(a, 1), [n([2, 3, 4])]],
    ['logSumExp axis 0 keepdims', (a) => logSumExp(a, 0, true), [n([3, 2, 2])]],
    ['softmax axis 1', (a) => softmax(a, 1), [n([2, 3, 2])]],
    ['logSoftmax last', (a) => logSoftmax(a), [n([2, 2, 3])]],
    ['matmul batched', matmul, [n([2, 3, 4]), n([2, 4, 2])]],
    ['matmul broadcast batch', matmul, [n([2, 1, 2, 3]), n([3, 3, 2])]],
    ['matmul batch · matrix', matmul, [n([2, 3, 4]), n([4, 2])]],
    ['matmul matrix · batch', matmul, [n([3, 4]), n([2, 4, 2])]],
    ['matmul batch · vector', matmul, [n([2, 3, 4]), n([4])]],
    ['matmulT Aᵀ·Bᵀ batched', (a, b) => matmulT(a, b, true, true), [n([2, 4, 3]), n([2, 2, 4])]],
    ['matmulT A·Bᵀ batch · matrix', (a, b) => matmulT(a, b, false, true), [n([2, 3, 4]), n([5, 4])]],
    ['gather axis 1 (repeats)', (a) => gather(a, ids([2, 0, 2], [3]), 1), [n([2, 3, 2])]],
    ['gather 2-D indices', (a) => gather(a, ids([1, 0, 1, 1], [2, 2]), -1), [n([3, 2])]],
    ['scatterAdd', (g) => scatterAdd(g, ids([1, 1, 0], [3]), 1, 3), [n([2, 3, 2])]],
    ['embedding', (t) => embedding(t, ids([0, 2, 2, 1, 0, 0], [2, 3])), [n([3, 2])]],
    ['im2col', (x) => im2col(x, win), [n([2, 2, 3, 3])]],
    ['col2im', (c) => col2im(c, [1, 2, 3, 3], win), [n([6, 12])]],
    ['conv2d', (x, w) => conv2d(x, w), [n([2, 2, 4, 3]), n([3, 2, 2, 2])]],
    ['conv2d stride 2 padding 1', (x, w) => conv2d(x, w, { stride: 2, padding: 1 }), [n([1, 2, 4, 5]), n([2, 2, 3, 3])]],
    ['avgPool2d', (x) => avgPool2d(x, 2), [n([2, 2, 4, 4])]],
    ['avgPool2d overlapping', (x) => avgPool2d(x, 2, 1), [n([1, 2, 3, 3])]],
    ['maxPool2d', (x) => maxPool2d(x, 2), [n([2, 2, 4, 4])]],
    ['maxPool2d overlapping', (x) => maxPool2d(x, 2, 1), [n([1, 1, 4, 3])]],
    ['clip', (a) => clip(a, -1, 1), [n([2, 3, 4], 'c')]],
    ['abs', abs, [n([2, 3, 2], 'r')]],
    ['gelu', gelu, [n([2, 3, 4])]],
    ['softplus', softplus, [n([2, 3, 4])]],
    ['rsqrt', rsqrt, [n([2, 3, 2], 'p')]],
    ['softmaxCrossEntropy rank 3', (z) => softmaxCrossEntropy(z, oneHot(ids([0, 2, 1, 1, 2, 0], [2, 3]), 3)), [n([2, 3, 3])]],
    ['crossEntropyWithIds', (z) => crossEntropyWithIds(z, ids([3, 0, 1, 3, 2, 2], [3, 2])), [n([3, 2, 4])]],
  ];
  for (const [name, op, xs] of cases) it(name, () => checkOp(name, op, xs));
});

describe('HVPs through small models vs finite differences of gradients', () => {
  it('CNN: conv2d → gelu → maxPool2d → conv2d → avgPool2d → dense → crossEntropyWithIds', () => {
    const r = rng(8);
    const X = randn(r.split('X'), [3, 2, 6, 6]);
    const labels = ids([0, 2, 1]);
    const ps = [
      randn(r.split('w1'), [3, 2, 3, 3], 0.4), randn(r.split('b1'), [3, 1, 1], 0.1),
      randn(r.split('w2'), [4, 3, 2, 2], 0.4),
      randn(r.split('W'), [4, 3], 0.5), randn(r.split('b'), [3], 0.1),
    ];
    const f = (w1: Tensor, b1: Tensor, w2: Tensor, W: Tensor, b: Tensor) => {
      let h = gelu(add(conv2d(X, w1, { padding: 1 }), b1)); // [3,3,6,6]
      h = maxPool2d(h, 2); // [3,3,3,3]
      h = tanh(conv2d(h, w2)); // [3,4,2,2]
      h = reshape(avgPool2d(h, 2), [3, 4]);
      return crossEntropyWithIds(add(matmul(h, W), b), labels);
    };
    const fl = flatLoss(f as (...xs: Tensor[]) => Tensor, ps);
    const theta = flatten(ps);
    expect(relErr(fl.grad(theta), fdGrad((t) => fl.value(t), theta))).toBeLessThan(1e-6);
    const v = r.split('v').normals(theta.length);
    expect(relErr(fl.hvp(theta, v), fdDirectional((t) => fl.grad(t), theta, v))).toBeLessThan(1e-6);
  });

  it('causal attention with embeddings: softmax(QKᵀ/√d + mask)·V, batched matmuls', () => {
    const r = rng(9);
    const B = 2, T = 4, d = 3, V = 5;
    const tokens = ids([0, 3, 1, 4, 2, 2, 0, 1], [B, T]);
    const next = ids([3, 1, 4, 0, 2, 0, 1, 3], [B, T]);
    const mask = tensor(Array.from({ length: T * T }, (_, k) => (k % T <= Math.floor(k / T) ? 0 : -1e9)), [T, T]);
    const ps = [randn(r.split('E'), [V, d]), randn(r.split('Wq'), [d, d], 0.6), randn(r.split('Wk'), [d, d], 0.6), randn(r.split('Wv'), [d, d], 0.6), randn(r.split('U'), [d, V], 0.6)];
    const f = (E: Tensor, Wq: Tensor, Wk: Tensor, Wv: Tensor, U: Tensor) => {
      const x = embedding(E, tokens); // [B,T,d]
      const q = matmul(x, Wq), k = matmul(x, Wk), v = matmul(x, Wv);
      const att = softmax(add(scale(matmulT(q, k, false, true), 1 / Math.sqrt(d)), mask)); // [B,T,T]
      const h = add(x, matmul(att, v));
      return crossEntropyWithIds(matmul(h, U), next);
    };
    const fl = flatLoss(f as (...xs: Tensor[]) => Tensor, ps);
    const theta = flatten(ps);
    expect(relErr(fl.grad(theta), fdGrad((t) => fl.value(t), theta))).toBeLessThan(1e-6);
    const v = r.split('v').normals(theta.length);
    expect(relErr(fl.hvp(theta, v), fdDirectional((t) => fl.grad(t), theta, v))).toBeLessThan(1e-6);
  });
});

describe('backend seam', () => {
  afterAll(() => { useReference(); });
  it('an optional matmulBatched kernel gets the right strides (0 = broadcast one matrix)', () => {
    const calls: number[][] = [];
    const batched: Backend = {
      ...referenceBackend,
      name: 'batched-mock',
      matmulBatched(a, b, out, batch, m, k, n, transA = false, transB = false, strideA = m * k, strideB = k * n) {
        calls.push([batch, strideA, strideB]);
        for (let i = 0; i < batch; i++) {
          referenceBackend.matmul(a.subarray(i * strideA, i * strideA + m * k), b.subarray(i * strideB, i * strideB + k * n),
            out.subarray(i * m * n, (i + 1) * m * n), m, k, n, transA, transB);
        }
      },
    };
    const r = rng(12);
    const a = randn(r, [3, 2, 4]), b = randn(r, [3, 4, 5]), w = randn(r, [1, 4, 5]), aT = randn(r, [4, 2]);
    useReference();
    const want = [matmul(a, b), matmul(a, w), matmulT(aT, b, true, false), matmul(randn(rng(1), [2, 1, 2, 4]), b)];
    setBackend(batched);
    const got = [matmul(a, b), matmul(a, w), matmulT(aT, b, true, false), matmul(randn(rng(1), [2, 1, 2, 4]), b)];
    got.forEach((g, i) => expect(Array.from(g.data)).toEqual(Array.from(want[i].data)));
    // [3]·[3]: full strides; [3]·[1]: B broadcast; [] (rank-2 Aᵀ)·[3]: A broadcast; [2,1]·[3]: mixed → per-matrix loop.
    expect(calls).toEqual([[3, 8, 20], [3, 8, 0], [3, 0, 20]]);
  });
});

describe('wasm vs reference backend on odd shapes', () => {
  afterAll(() => { useReference(); });
  it('batched matmul and conv2d agree to rounding (f64 and f32)', async () => {
    const r = rng(10);
    const cases = (dt: 'f32' | 'f64') => {
      const a = randn(r.split(`a${dt}`), [3, 17, 13], 1, dt), b = randn(r.split(`b${dt}`), [3, 13, 19], 1, dt);
      const c = randn(r.split(`c${dt}`), [2, 1, 11, 9], 1, dt), e = randn(r.split(`e${dt}`), [5, 9, 15], 1, dt);
      const x = randn(r.split(`x${dt}`), [2, 3, 11, 9], 1, dt), w = randn(r.split(`w${dt}`), [5, 3, 3, 2], 1, dt);
      return () => [
        matmul(a, b), matmulT(a, b, false, false), matmulT(b, a, true, true), matmul(c, e),
        matmulT(e, randn(rng(1), [7, 15], 1, dt), false, true),
        conv2d(x, w, { stride: 2, padding: 1 }), conv2d(x, w),
        ...grad((xx, ww) => sum(square2(conv2d(xx, ww, { padding: [1, 0] }))), [x, w]),
      ];
    };
    for (const dt of ['f64', 'f32'] as const) {
      const run = cases(dt);
      useReference();
      const want = run();
      await useWasm();
      const got = run();
      got.forEach((g, i) => {
        expect(g.shape).toEqual(want[i].shape);
        expect(relErr(g.data, want[i].data), `${dt} case ${i}`).toBeLessThan(dt === 'f64' ? 1e-13 : 1e-5);
      });
    }
  });
});

function square2(t: Tensor): Tensor {
  return mul(t, t);
}
