/**
 * The engine's fast paths against independent routes. Convolution and pooling: im2colT is the transpose of
 * im2col (its copy loops share nothing with im2col's) for many window geometries, col2imT is its
 * adjoint, conv2d with a bias inside the gemm equals conv2d + a broadcast add (and its gradient and
 * HVP match finite differences), and maxPool2d's argmax gather equals the max over im2col's
 * windows, ties and NaNs included, with exact second derivatives. Permute (whole-run copies
 * for runs ≥ 64, element loops below, strided copies) and gather/scatterAdd (scalar and run
 * loops) against index-formula loops.
 */
import { describe, expect, it } from 'vitest';
import {
  Tensor, add, dot, flatLoss, flatten, im2col, max, maxPool2d, randn, reshape, rng, scale, tensor,
  transpose, conv2d, grad, sum, permute, gather, scatterAdd, type Window,
} from '../src/engine/index.js';
import { col2imT, im2colT } from '../src/engine/ops/conv.js';
import { fdDirectional, fdGrad, input, relErr } from './support/fd.js';

const windows: [number[], Window][] = [
  [[2, 3, 6, 6], { kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1 }], // "same" width: the shifted-plane copy
  [[1, 2, 5, 7], { kh: 5, kw: 5, sh: 1, sw: 1, ph: 2, pw: 2 }], // same, wider kernel than half the input
  [[2, 2, 5, 4], { kh: 3, kw: 2, sh: 2, sw: 1, ph: 1, pw: 1 }],
  [[1, 3, 7, 6], { kh: 2, kw: 3, sh: 1, sw: 2, ph: 0, pw: 1 }],
  [[2, 1, 6, 5], { kh: 3, kw: 3, sh: 2, sw: 2, ph: 2, pw: 0 }],
  [[1, 2, 4, 4], { kh: 1, kw: 1, sh: 1, sw: 1, ph: 0, pw: 0 }],
  [[1, 1, 3, 3], { kh: 3, kw: 3, sh: 1, sw: 1, ph: 3, pw: 3 }], // padding beyond the kernel: all-zero taps
];

/** ‖y − z‖ / ‖z‖ and the like, after a shape check. */
function close(y: Tensor, z: Tensor, tol: number): void {
  expect(y.shape).toEqual(z.shape);
  expect(relErr(y.data, z.data)).toBeLessThan(tol);
}

/** Gradient and HVP of ⟨W, y⟩ + ½‖y‖² (y = op(inputs)) vs central finite differences. */
function checkOp(name: string, op: (...xs: Tensor[]) => Tensor, inputs: Tensor[]): void {
  const r = rng(3).split(name);
  const W = randn(r.split('W'), op(...inputs).shape.slice());
  const L = (...xs: Tensor[]) => { const y = op(...xs); return add(dot(y, W), scale(dot(y, y), 0.5)); };
  const fl = flatLoss(L, inputs);
  const theta = flatten(inputs);
  expect(relErr(fl.grad(theta), fdGrad((t) => fl.value(t), theta)), `${name}: gradient`).toBeLessThan(1e-6);
  const v = r.split('v').normals(theta.length);
  expect(relErr(fl.hvp(theta, v), fdDirectional((t) => fl.grad(t), theta, v)), `${name}: hvp`).toBeLessThan(1e-6);
}

describe('im2colT / col2imT (channel-major patch matrix)', () => {
  it('im2colT(x) = im2col(x)ᵀ exactly, for many geometries', () => {
    windows.forEach(([shape, win], k) => {
      const x = randn(rng(10).split(k), shape);
      expect(im2colT(x, win).toNested(), JSON.stringify(win)).toEqual(transpose(im2col(x, win)).toNested());
    });
  });

  it('the extra row is ones (bias) or zeros, and col2imT ignores it', () => {
    const [shape, win] = windows[0];
    const x = randn(rng(11), shape);
    const plain = im2colT(x, win), ones = im2colT(x, win, 1), zeros = im2colT(x, win, 0);
    const [K, NP] = plain.shape;
    expect(ones.shape).toEqual([K + 1, NP]);
    expect(Array.from(ones.data.subarray(0, K * NP))).toEqual(Array.from(plain.data));
    expect(Array.from(ones.data.subarray(K * NP)).every((v) => v === 1)).toBe(true);
    expect(Array.from(zeros.data.subarray(K * NP)).every((v) => v === 0)).toBe(true);
    const c = randn(rng(12), [K + 1, NP]);
    const cut = tensor(Array.from(c.data.subarray(0, K * NP)), [K, NP]);
    expect(col2imT(c, shape, win).toNested()).toEqual(col2imT(cut, shape, win).toNested());
  });

  it('col2imT is the adjoint of im2colT: ⟨im2colT x, c⟩ = ⟨x, col2imT c⟩', () => {
    windows.forEach(([shape, win], k) => {
      const r = rng(13).split(k);
      const x = randn(r.split('x'), shape);
      const cx = im2colT(x, win);
      const c = randn(r.split('c'), cx.shape.slice());
      const lhs = dot(cx, c).item(), rhs = dot(x, col2imT(c, shape, win)).item();
      expect(Math.abs(lhs - rhs) / Math.abs(lhs), JSON.stringify(win)).toBeLessThan(1e-13);
    });
  });

  it('gradients and HVPs through im2colT and col2imT', () => {
    const win = windows[0][1], win2 = windows[2][1];
    checkOp('im2colT same', (x) => im2colT(x, win), [input(rng(14), [1, 2, 4, 4])]);
    checkOp('im2colT strided', (x) => im2colT(x, win2, 1), [input(rng(15), [1, 2, 5, 4])]);
    checkOp('col2imT', (c) => col2imT(c, [1, 2, 4, 4], win), [input(rng(16), [18, 16])]);
  });

  it('rejects a patch matrix of the wrong shape', () => {
    expect(() => col2imT(randn(rng(1), [5, 36]), [1, 1, 6, 6], windows[0][1])).toThrow(/col2imT: cols \[5,36\] do not match \[9 \(or 10\),36\]/);
  });
});

describe('conv2d with the bias inside the gemm', () => {
  it('equals conv2d + a broadcast bias, for padded and strided windows', () => {
    const r = rng(20);
    for (const [xs, ws, stride, padding] of [
      [[2, 3, 6, 6], [4, 3, 3, 3], 1, 1], [[1, 2, 5, 7], [3, 2, 3, 2], 2, 1], [[2, 1, 4, 4], [2, 1, 1, 1], 1, 0],
    ] as [number[], number[], number, number][]) {
      const x = randn(r.split(`x${xs}`), xs), w = randn(r.split(`w${ws}`), ws), b = randn(r.split(`b${ws}`), [ws[0]]);
      const fused = conv2d(x, w, { stride, padding, bias: b });
      const apart = add(conv2d(x, w, { stride, padding }), reshape(b, [1, ws[0], 1, 1]));
      close(fused, apart, 1e-14);
    }
    expect(() => conv2d(randn(r, [1, 1, 4, 4]), randn(r, [2, 1, 3, 3]), { bias: randn(r, [3]) })).toThrow(/conv2d: bias must be \[O=2\], got \[3\]/);
  });

  it('gradient and HVP in x, w and b vs finite differences', () => {
    const r = rng(21);
    checkOp('conv2d bias', (x, w, b) => conv2d(x, w, { padding: 1, bias: b }), [input(r.split('x'), [2, 2, 4, 4]), input(r.split('w'), [3, 2, 3, 3]), input(r.split('b'), [3])]);
    checkOp('conv2d bias strided', (x, w, b) => conv2d(x, w, { stride: 2, bias: b }), [input(r.split('x2'), [1, 2, 5, 5]), input(r.split('w2'), [2, 2, 2, 2]), input(r.split('b2'), [2])]);
  });
});

describe('maxPool2d by argmax gather', () => {
  /** The reference: max over the rows of im2col on the channels-as-batch view. */
  const viaIm2col = (x: Tensor, k: number, s: number) => {
    const [N, C, H, W] = x.shape;
    const win: Window = { kh: k, kw: k, sh: s, sw: s, ph: 0, pw: 0 };
    const Ho = Math.floor((H - k) / s) + 1, Wo = Math.floor((W - k) / s) + 1;
    return reshape(max(im2col(reshape(x, [N * C, 1, H, W]), win), -1), [N, C, Ho, Wo]);
  };

  it('values and gradients equal the max over im2col windows (k = 2 unrolled, k = 3, overlapping)', () => {
    for (const [shape, k, s] of [[[2, 3, 6, 6], 2, 2], [[1, 2, 7, 5], 2, 2], [[1, 2, 7, 7], 3, 2], [[1, 1, 5, 4], 2, 1], [[2, 1, 6, 6], 3, 3]] as [number[], number, number][]) {
      const x = randn(rng(30).split(`${shape}${k}${s}`), shape);
      const W = randn(rng(31).split(`${shape}${k}${s}`), viaIm2col(x, k, s).shape.slice());
      expect(maxPool2d(x, k, s).toNested()).toEqual(viaIm2col(x, k, s).toNested());
      const [g1] = grad((t) => dot(maxPool2d(t, k, s), W), [x]);
      const [g2] = grad((t) => dot(viaIm2col(t, k, s), W), [x]);
      expect(g1.toNested()).toEqual(g2.toNested());
    }
  });

  it('ties go to the first entry of the window and a NaN propagates (the first one)', () => {
    const tie = tensor([[[[1, 1], [1, 1]]]]);
    const [g] = grad((t) => sum(maxPool2d(t, 2)), [tie]);
    expect(g.toNested()).toEqual([[[[1, 0], [0, 0]]]]);
    const tieLow = tensor([[[[0, 1], [1, 0]]]]);
    expect(grad((t) => sum(maxPool2d(t, 2)), [tieLow])[0].toNested()).toEqual([[[[0, 1], [0, 0]]]]);
    for (const at of [0, 1, 2, 3]) {
      const v = [1, 2, 3, 4];
      v[at] = NaN;
      const x = tensor([[[v.slice(0, 2), v.slice(2)]]]);
      expect(Number.isNaN(maxPool2d(x, 2).item()), `NaN at ${at}`).toBe(true);
      const [gx] = grad((t) => sum(maxPool2d(t, 2)), [x]);
      expect(Array.from(gx.data).indexOf(1), `NaN at ${at}`).toBe(at);
      expect(Number.isNaN(maxPool2d(x, 3 - 1, 1).item())).toBe(true);
    }
  });

  it('3×3 windows: the first NaN wins; ±∞ (whose sum is NaN) keep the ordinary rule', () => {
    const x = tensor([[[[1, 5, 2], [5, NaN, 0], [NaN, 3, 4]]]]);
    expect(Number.isNaN(maxPool2d(x, 3).item())).toBe(true);
    expect(Array.from(grad((t) => sum(maxPool2d(t, 3)), [x])[0].data).indexOf(1)).toBe(4); // the first of the two NaNs
    const inf = tensor([[[[-Infinity, 2, 7], [Infinity, 1, Infinity], [0, 3, 4]]]]);
    expect(maxPool2d(inf, 3).item()).toBe(Infinity);
    expect(Array.from(grad((t) => sum(maxPool2d(t, 3)), [inf])[0].data).indexOf(1)).toBe(3);
    const ties = tensor([[[[0, 2, 2], [1, 2, 0], [2, 1, 1]]]]);
    expect(Array.from(grad((t) => sum(maxPool2d(t, 3)), [ties])[0].data).indexOf(1)).toBe(1);
  });

  it('exact HVP (the gather and scatterAdd are each other’s vjp)', () => {
    checkOp('maxPool2d 2', (x) => maxPool2d(x, 2), [input(rng(32), [2, 2, 4, 4])]);
    checkOp('maxPool2d 3 overlapping', (x) => maxPool2d(x, 3, 1), [input(rng(33), [1, 2, 5, 4])]);
  });
});

describe('permute and indexing loops', () => {
  it('permute equals the index formula: long runs, short runs, strided', () => {
    for (const [shape, axes] of [
      [[2, 3, 4, 70], [0, 2, 1, 3]], [[3, 5, 2, 8], [2, 0, 1, 3]], [[4, 3, 5], [2, 0, 1]], [[2, 1, 3, 1], [3, 2, 1, 0]],
    ] as [number[], number[]][]) {
      const a = randn(rng(40).split(`${shape}`), shape);
      const y = permute(a, axes);
      const out = y.shape, strides = shape.map((_, i) => shape.slice(i + 1).reduce((p, d) => p * d, 1));
      const want = new Float64Array(a.size);
      for (let f = 0; f < a.size; f++) {
        let rest = f, src = 0;
        for (let k = out.length - 1; k >= 0; k--) { const ik = rest % out[k]; rest = (rest - ik) / out[k]; src += ik * strides[axes[k]]; }
        want[f] = a.data[src];
      }
      expect(Array.from(y.data), `${shape} → [${axes}]`).toEqual(Array.from(want));
    }
  });

  it('gather / scatterAdd on a middle axis with inner size 1 and > 1 equal explicit loops', () => {
    const idx = tensor([2, 0, 2, 1, 3], [5], 'i32');
    for (const shape of [[3, 4], [3, 4, 1], [2, 4, 5], [2, 4, 20]]) {
      const a = randn(rng(41).split(`${shape}`), shape);
      const [O, L] = shape, inner = shape.slice(2).reduce((p, d) => p * d, 1);
      const got = gather(a, idx, 1);
      const g = randn(rng(42).split(`${shape}`), got.shape.slice());
      const back = scatterAdd(g, idx, 1, L);
      const wantG = new Float64Array(O * 5 * inner), wantS = new Float64Array(O * L * inner);
      for (let o = 0; o < O; o++) for (let t = 0; t < 5; t++) for (let i = 0; i < inner; i++) {
        wantG[(o * 5 + t) * inner + i] = a.data[(o * L + idx.data[t]) * inner + i];
        wantS[(o * L + idx.data[t]) * inner + i] += g.data[(o * 5 + t) * inner + i];
      }
      expect(Array.from(got.data), `gather ${shape}`).toEqual(Array.from(wantG));
      expect(relErr(back.data, wantS), `scatterAdd ${shape}`).toBeLessThan(1e-15);
    }
  });
});
