/**
 * The fused ops of the attention and LayerNorm layers against their unfused compositions (the
 * textbook formulas in ordinary differentiable ops) and against central finite differences:
 *   attentionWeights(S, s, causal) = softmax(s·S + M)      (M = −∞ above the diagonal, or 0)
 *   standardize(x, ε)              = (x − μ)/√(σ² + ε)     over the last axis
 * Values, gradients, exact HVPs (vs FD of gradients) and third derivatives (fused vs composed).
 */
import { describe, expect, it } from 'vitest';
import {
  Tensor, add, addScalar, dot, flatLoss, flatten, grad, hvp, mean, mul, randn, rng, rsqrt, scale,
  softmax, square, sub, tensor, tanh,
} from '../src/engine/index.js';
import { attention, attentionWeights } from '../src/nn/layers/attention.js';
import { layerNorm, standardize } from '../src/nn/layers/norm.js';
import { model } from '../src/nn/model.js';
import { fdDirectional, fdGrad, input, relErr } from './support/fd.js';

function composedWeights(S: Tensor, s: number, causal: boolean): Tensor {
  const T = S.shape[S.rank - 1];
  if (!causal) return softmax(scale(S, s), -1);
  const M = tensor(Array.from({ length: T * T }, (_, k) => (k % T <= Math.floor(k / T) ? 0 : -Infinity)), [T, T]);
  return softmax(add(scale(S, s), M), -1);
}

function composedStandardize(x: Tensor, eps: number): Tensor {
  const c = sub(x, mean(x, -1, true));
  return mul(c, rsqrt(addScalar(mean(square(c), -1, true), eps)));
}

/** A nonlinear scalarization L = ⟨W, tanh(y)⟩ + ½‖y‖² of y = op(x), so every derivative order is nonzero. */
function scalarize(op: (x: Tensor) => Tensor, W: Tensor): (x: Tensor) => Tensor {
  return (x) => { const y = op(x); return add(dot(W, tanh(y)), scale(dot(y, y), 0.5)); };
}

/** Gradient and HVP of the scalarized op vs finite differences, and vs the composed op exactly. */
function check(name: string, fused: (x: Tensor) => Tensor, composed: (x: Tensor) => Tensor, x: Tensor): void {
  const r = rng(4).split(name);
  const W = randn(r.split('W'), fused(x).shape.slice());
  const Lf = scalarize(fused, W), Lc = scalarize(composed, W);
  const fl = flatLoss(Lf, [x]);
  const theta = flatten([x]);
  const g = fl.grad(theta);
  expect(relErr(g, fdGrad((t) => fl.value(t), theta)), `${name}: gradient vs FD`).toBeLessThan(1e-6);
  const v = r.split('v').normals(theta.length);
  const h = fl.hvp(theta, v);
  expect(relErr(h, fdDirectional((t) => fl.grad(t), theta, v)), `${name}: hvp vs FD`).toBeLessThan(1e-6);
  // Against the composition: gradient, HVP and a third derivative D³L[v, v, ·] agree to rounding.
  const vt = new Tensor(Float64Array.from(v), x.shape);
  const [gc] = grad(Lc, [x]), [gf] = grad(Lf, [x]);
  expect(relErr(gf.data, gc.data), `${name}: gradient vs composed`).toBeLessThan(1e-12);
  const [hc] = hvp(Lc, [x], [vt]), [hf] = hvp(Lf, [x], [vt]);
  expect(relErr(hf.data, hc.data), `${name}: hvp vs composed`).toBeLessThan(1e-12);
  const third = (L: (x: Tensor) => Tensor) => grad((t) => dot(hvp(L, [t], [vt])[0], vt), [x])[0];
  expect(relErr(third(Lf).data, third(Lc).data), `${name}: third derivative vs composed`).toBeLessThan(1e-10);
}

describe('attentionWeights: fused causal softmax', () => {
  it('equals softmax(s·S + mask); masked entries are exactly 0; rows sum to 1', () => {
    const S = randn(rng(1), [2, 3, 5, 5], 2);
    for (const causal of [true, false]) {
      const A = attentionWeights(S, 0.7, causal), B = composedWeights(S, 0.7, causal);
      expect(relErr(A.data, B.data)).toBeLessThan(1e-15);
    }
    const A = attentionWeights(S, 0.7);
    for (let b = 0; b < 6; b++) for (let t = 0; t < 5; t++) {
      let z = 0;
      for (let u = 0; u < 5; u++) {
        const a = A.data[(b * 5 + t) * 5 + u];
        if (u > t) expect(a).toBe(0);
        z += a;
      }
      expect(Math.abs(z - 1)).toBeLessThan(1e-15);
    }
    expect(() => attentionWeights(randn(rng(2), [2, 3, 4]), 1)).toThrow(/attentionWeights: scores must be a float \[\.\., T, T\] tensor, got f64 \[2,3,4\]/);
  });

  it('gradient, HVP and third derivative: causal and full', () => {
    check('causal', (S) => attentionWeights(S, 0.8, true), (S) => composedWeights(S, 0.8, true), input(rng(3), [2, 4, 4]));
    check('full', (S) => attentionWeights(S, 1.3, false), (S) => composedWeights(S, 1.3, false), input(rng(5), [1, 2, 3, 3]));
  });

  it('the attention layer gives the textbook forward pass', () => {
    const B = 2, T = 4, d = 6, H = 2, dh = 3;
    const m = model(attention(H), [T, d]);
    const ps = m.init(rng(6));
    const x = randn(rng(7), [B, T, d]);
    const y = m.apply(ps, x);
    // Independent loop: per batch, head and position, the causal softmax over u ≤ t.
    const [Wq, Wk, Wv, Wo] = ps.map((p) => p.data);
    const proj = (W: ArrayLike<number>, b: number, t: number, o: number) => {
      let s = 0;
      for (let i = 0; i < d; i++) s += W[o * d + i] * x.data[(b * T + t) * d + i];
      return s;
    };
    for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) {
      const merged = new Float64Array(d);
      for (let h = 0; h < H; h++) {
        const logits = Array.from({ length: t + 1 }, (_, u) => {
          let s = 0;
          for (let e = 0; e < dh; e++) s += proj(Wq, b, t, h * dh + e) * proj(Wk, b, u, h * dh + e);
          return s / Math.sqrt(dh);
        });
        const mx = Math.max(...logits), ws = logits.map((l) => Math.exp(l - mx)), z = ws.reduce((p, q) => p + q, 0);
        for (let e = 0; e < dh; e++) merged[h * dh + e] = ws.reduce((acc, w, u) => acc + (w / z) * proj(Wv, b, u, h * dh + e), 0);
      }
      for (let o = 0; o < d; o++) {
        let s = 0;
        for (let i = 0; i < d; i++) s += Wo[o * d + i] * merged[i];
        expect(Math.abs(y.data[(b * T + t) * d + o] - s)).toBeLessThan(1e-12);
      }
    }
  });
});

describe('standardize: fused LayerNorm core', () => {
  it('equals (x − μ)/√(σ² + ε) and the layer keeps its formula', () => {
    const x = randn(rng(8), [3, 4, 7], 3);
    expect(relErr(standardize(x, 1e-5).data, composedStandardize(x, 1e-5).data)).toBeLessThan(1e-14);
    const m = model(layerNorm(), [4, 7]);
    const [gain, shift] = [randn(rng(9), [7]), randn(rng(10), [7])];
    const want = add(mul(composedStandardize(x, 1e-5), gain), shift);
    expect(relErr(m.apply([gain, shift], x).data, want.data)).toBeLessThan(1e-14);
    expect(() => standardize(x, -1)).toThrow(/standardize.eps: must be ≥ 0/);
  });

  it('gradient, HVP and third derivative (ε = 1e-5 and ε = 0.5)', () => {
    check('eps small', (x) => standardize(x, 1e-5), (x) => composedStandardize(x, 1e-5), input(rng(11), [3, 5]));
    check('eps large', (x) => standardize(x, 0.5), (x) => composedStandardize(x, 0.5), input(rng(12), [2, 2, 4]));
  });
});
