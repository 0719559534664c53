/**
 * Parameterizations as a table (src/nn/parameterization.ts), checked by independent routes:
 * hand-computed ParamInfo values from TP V Table 3 and the `mup` package; the base-width identity
 * (μP = SP bit for bit at n = n₀); the abc symmetry (a, b, c) → (a + θ, b − θ, c − 2θ) for SGD and
 * c − θ for Adam at ε = 0, on trajectories of f trained by update rules written here; and a one-step
 * derivation on a linear network whose width exponents are exact monomials.
 */
import { describe, expect, test } from 'vitest';
import { grad, jvp } from '../src/engine/autodiff.js';
import { matmul as mmat, type Mat, qr, randomGaussian, randomOrthogonal, transpose as tmat } from '../src/engine/linalg/index.js';
import { mseLoss, mul, scale, sum } from '../src/engine/ops.js';
import { Rng } from '../src/engine/rng.js';
import { Tensor, randn, tensor } from '../src/engine/tensor.js';
import { transformer } from '../src/models/transformer.js';
import { serial } from '../src/nn/combinators.js';
import { relu } from '../src/nn/layers/activations.js';
import { dense } from '../src/nn/layers/dense.js';
import { type Model, model, withInfo } from '../src/nn/model.js';
import {
  type Scheme, abc, depthMultiplier, depthParameterize, meanField, muP, mup, mupPackage, ntp, parameterize,
  roleClass, shiftSymmetry, sp, transferLr,
} from '../src/nn/parameterization.js';
import type { ParamInfo } from '../src/nn/types.js';

const D = 8, K = 4;

/** ReLU MLP d → n → n → n → k with biases, from the layer library (default SP init, σ_w = √2). */
function mlp(n: number, d = D, k = K, bias = true): Model {
  const h = () => dense(n, { bias, sigmaW: Math.SQRT2 });
  return model(serial(h(), relu(), h(), relu(), h(), relu(), dense(k, { bias })), [d]);
}

const stdOf = (p: ParamInfo) => (p.init.kind === 'normal' ? p.init.std : NaN);
const byName = (info: ParamInfo[], name: string) => info.find((p) => p.name === name)!;

describe('tables → ParamInfo', () => {
  test('at the base width μP is SP: same ParamInfo, same outputs bit for bit, same SGD step', () => {
    const m0 = mlp(32);
    for (const optimizer of ['sgd', 'adam'] as const) {
      for (const scheme of [mup, mupPackage, meanField, ntp, sp]) {
        expect(parameterize(m0.info, scheme, { baseWidth: 32, optimizer })).toEqual(m0.info);
        expect(parameterize(m0.info, scheme, { baseInfo: m0.info, optimizer })).toEqual(m0.info);
      }
    }
    const mu = muP(m0, 32, 'sgd');
    expect(mu.info).toEqual(m0.info);
    const params = m0.init(new Rng(7));
    expect(mu.init(new Rng(7)).map((t) => Array.from(t.data))).toEqual(params.map((t) => Array.from(t.data)));
    const X = randn(new Rng(8), [16, D]), Y = randn(new Rng(9), [16, K]);
    expect(Array.from(mu.apply(params, X).data)).toEqual(Array.from(m0.apply(params, X).data));
    // one SGD step with the per-parameter lr, then the outputs again
    const step = (m: Model) => {
      const g = grad((...ps) => mseLoss(m.apply(ps, X), Y), params);
      return params.map((p, i) => new Tensor(p.data.map((w, j) => w - 0.05 * m.info[i].lrScale * g[i].data[j]), p.shape));
    };
    expect(Array.from(mu.apply(step(mu), X).data)).toEqual(Array.from(m0.apply(step(m0), X).data));
  });

  test('μP at m = 4 (n₀ = 32, n = 128): the numbers of TP V Table 3, hand-computed', () => {
    const m = mlp(128), info = m.info, n0 = 32, r = 4;
    const s = parameterize(info, mup, { baseWidth: n0, optimizer: 'sgd' });
    const a = parameterize(info, mup, { baseWidth: n0, optimizer: 'adam' });
    // SP stds from the layers: input √2/√d, hidden √2/√n, readout 1/√n
    expect(stdOf(byName(s, '0.W'))).toBeCloseTo(Math.SQRT2 / Math.sqrt(D), 15);
    expect(stdOf(byName(s, '2.W'))).toBeCloseTo(Math.SQRT2 / Math.sqrt(128), 15);           // var 1/fan_in
    expect(stdOf(byName(s, '6.W'))).toBeCloseTo((1 / Math.sqrt(n0)) * (n0 / 128), 15);      // var ∝ 1/fan_in²
    expect(s.map((p) => p.multiplier)).toEqual(info.map(() => 1));
    expect(s.map((p) => [p.name, p.lrScale])).toEqual([
      ['0.W', r], ['0.b', r], ['2.W', 1], ['2.b', r], ['4.W', 1], ['4.b', r], ['6.W', 1 / r], ['6.b', 1],
    ]);
    expect(a.map((p) => [p.name, p.lrScale, p.epsScale ?? 1])).toEqual([
      ['0.W', 1, 1 / r], ['0.b', 1, 1 / r], ['2.W', 1 / r, 1 / r], ['2.b', 1, 1 / r], ['4.W', 1 / r, 1 / r], ['4.b', 1, 1 / r], ['6.W', 1 / r, 1], ['6.b', 1, 1],
    ]);
    // the `mup` package: readout multiplier 1/m, readout std kept at its base value, SGD LR ×m
    const pk = byName(parameterize(info, mupPackage, { baseWidth: n0, optimizer: 'sgd' }), '6.W');
    expect(pk.multiplier).toBe(1 / r);
    expect(stdOf(pk)).toBeCloseTo(1 / Math.sqrt(n0), 15);
    expect(pk.lrScale).toBe(r);
    // NTP: hidden and readout multiplier 1/√m, std of the base, one LR
    const nt = parameterize(info, ntp, { baseWidth: n0, optimizer: 'sgd' });
    expect(byName(nt, '2.W').multiplier).toBeCloseTo(0.5, 15);
    expect(stdOf(byName(nt, '2.W'))).toBeCloseTo(Math.SQRT2 / Math.sqrt(n0), 15);
    expect(nt.every((p) => p.lrScale === 1)).toBe(true);
    // SP applied to SP info changes nothing, exactly
    expect(parameterize(info, sp, { baseWidth: n0, optimizer: 'sgd' })).toEqual(info);
    // baseInfo (the model at n₀) gives the same table as baseWidth
    const viaBase = parameterize(info, mup, { baseInfo: mlp(n0).info, optimizer: 'adam' });
    viaBase.forEach((p, i) => {
      expect(p.lrScale).toBeCloseTo(a[i].lrScale, 14);
      expect(p.multiplier).toBeCloseTo(a[i].multiplier, 14);
      if (p.init.kind === 'normal') expect(stdOf(p)).toBeCloseTo(stdOf(a[i]), 14);
    });
    expect(info.map(roleClass)).toEqual(['input', 'input', 'hidden', 'input', 'hidden', 'input', 'output', null]);
  });

  test('a transformer by one call: μP = SP at n₀, and the table at 4·n₀ (roles from the layers)', () => {
    const spec = { vocab: 11, heads: 2, layers: 1, seqLen: 5, tied: false, attnScale: 'mup' as const };
    const small = transformer({ ...spec, dModel: 16 });
    const ids = tensor([[1, 2, 3, 4, 5], [0, 10, 9, 8, 7]], [2, 5], 'i32');
    const params = small.init(new Rng(3));
    const mu0 = muP(small, 16, 'adam');
    expect(mu0.info).toEqual(small.info);
    expect(Array.from(mu0.apply(params, ids).data)).toEqual(Array.from(small.apply(params, ids).data));
    const big = transformer({ ...spec, dModel: 64 });
    const mu = muP(big, 16, 'adam');
    const get = (name: string) => byName(mu.info, name);
    const spInfo = (name: string) => byName(big.info, name);
    // embeddings and norms: input-like, Adam LR ×1, ε ÷4; attention and MLP matrices: hidden, Adam LR ÷4
    expect([get('tok.table').lrScale, get('tok.table').epsScale, stdOf(get('tok.table'))]).toEqual([1, 0.25, 1]);
    expect([get('blocks.0.attn.norm.gain').lrScale, get('blocks.0.attn.norm.gain').init]).toEqual([1, { kind: 'ones' }]);
    for (const nm of ['blocks.0.attn.heads.q', 'blocks.0.attn.heads.o', 'blocks.0.mlp.up.W', 'blocks.0.mlp.down.W']) {
      expect(get(nm).lrScale).toBe(0.25);
      expect(stdOf(get(nm))).toBe(stdOf(spInfo(nm)));   // hidden std = SP's (var 1/fan_in)
    }
    // readout: var 1/fan_in², Adam LR ÷4, ε unscaled
    expect(stdOf(get('readout.W'))).toBeCloseTo((1 / 4) / Math.sqrt(16), 15);
    expect([get('readout.W').lrScale, get('readout.W').epsScale ?? 1]).toEqual([0.25, 1]);
    // under SGD the input-like parameters get LR ×m
    expect(byName(muP(big, 16, 'sgd').info, 'pos.table').lrScale).toBe(4);
  });

  test('transferLr: per-parameter factors from the base model to the wide one', () => {
    const base = parameterize(mlp(32).info, mup, { baseWidth: 32, optimizer: 'sgd' });
    const wide = parameterize(mlp(256).info, mup, { baseWidth: 32, optimizer: 'sgd' });
    const { rows, text } = transferLr(base, wide);
    expect(rows.map((r) => [r.name, r.factor])).toEqual([
      ['0.W', 8], ['0.b', 8], ['2.W', 1], ['2.b', 8], ['4.W', 1], ['4.b', 8], ['6.W', 0.125], ['6.b', 1],
    ]);
    expect(text.split('\n')[0]).toMatch(/^parameter\s+role\s+class\s+base lr×\s+target lr×\s+factor$/);
    expect(text).toContain('0.125');
  });

  test('depth multipliers: 1/√L (Depth-μP), 1/L (CompleteP), SGD η ∝ L^{2α−1}, Adam η ∝ L^{α−1}', () => {
    const h = depthMultiplier(8, 2, 0.5);
    expect([h.branchMultiplier, h.sgdLr, h.adamLr, h.adamEps]).toEqual([0.5, 1, 0.5, 0.5]);
    const c = depthMultiplier(8, 2, 1);
    expect([c.branchMultiplier, c.sgdLr, c.adamLr, c.adamEps]).toEqual([0.25, 4, 1, 0.25]);
    const info = mlp(16).info.map((p) => ({ ...p, name: p.name.startsWith('2.') ? `blocks.${p.name}` : p.name }));
    const d = depthParameterize(info, { depth: 16, baseDepth: 4, alpha: 0.5, optimizer: 'adam' });
    expect(d.map((p) => p.lrScale)).toEqual(info.map((p) => (p.name.startsWith('blocks.') ? 0.5 : 1)));
    expect(() => depthMultiplier(0, 1, 0.5)).toThrow(/depthMultiplier\.L: must be an integer ≥ 1/);
  });

  test('bad input names the field and its range', () => {
    const info = mlp(16).info;
    expect(() => parameterize(info, mup, { optimizer: 'sgd' })).toThrow(/baseWidth/);
    expect(() => parameterize(info, mup, { baseWidth: -1, optimizer: 'sgd' })).toThrow(/parameterize\.baseWidth: must be a finite number > 0/);
    expect(() => parameterize(info, mup, { baseWidth: 8, optimizer: 'lion' as never })).toThrow(/parameterize\.optimizer: must be 'sgd' or 'adam'/);
    expect(() => parameterize(info, mup, { baseInfo: info.slice(1), optimizer: 'sgd' })).toThrow(/parameterize\.baseInfo: has no parameter named "0\.W"/);
    expect(() => abc({ sgd: { input: { a: 0, b: 0, c: 0 }, hidden: { a: 0, b: NaN, c: 0 }, output: { a: 0, b: 0, c: 0 } } })).toThrow(/abc\.table\.sgd\.hidden\.b: must be a finite number/);
  });
});

// ————— abc symmetry on trajectories —————

type Update = (info: ParamInfo[], params: Tensor[], grads: Tensor[], t: number, state: Float64Array[][]) => Tensor[];

const sgd = (eta: number): Update => (info, params, grads) =>
  params.map((p, i) => new Tensor(p.data.map((w, j) => w - eta * info[i].lrScale * grads[i].data[j]), p.shape));

/** Adam (Kingma & Ba 2015) with bias correction and ε = 0 (0/0 := 0 for a gradient that is exactly 0). */
const adam = (eta: number, b1 = 0.9, b2 = 0.999): Update => (info, params, grads, t, state) => {
  if (state.length === 0) params.forEach((p) => state.push([new Float64Array(p.size), new Float64Array(p.size)]));
  const c1 = 1 - b1 ** t, c2 = 1 - b2 ** t;
  return params.map((p, i) => {
    const [m, v] = state[i], g = grads[i].data, lr = eta * info[i].lrScale;
    return new Tensor(p.data.map((w, j) => {
      m[j] = b1 * m[j] + (1 - b1) * g[j];
      v[j] = b2 * v[j] + (1 - b2) * g[j] * g[j];
      return v[j] === 0 ? w : w - (lr * (m[j] / c1)) / Math.sqrt(v[j] / c2);
    }), p.shape);
  });
};

/** f_t(X) for t = 0..steps under full-batch training on (X, Y) with MSE. */
function trajectory(net: Model, seed: number, X: Tensor, Y: Tensor, update: Update, steps: number): Float64Array[] {
  let params = net.init(new Rng(seed));
  const out = [Float64Array.from(net.apply(params, X).data)];
  const state: Float64Array[][] = [];
  for (let t = 1; t <= steps; t++) {
    const g = grad((...ps) => mseLoss(net.apply(ps, X), Y), params);
    params = update(net.info, params, g, t, state);
    out.push(Float64Array.from(net.apply(params, X).data));
  }
  return out;
}

function maxRelDiff(a: Float64Array[], b: Float64Array[]): number {
  let worst = 0;
  a.forEach((ft, t) => {
    let num = 0, den = 0;
    for (let j = 0; j < ft.length; j++) { num = Math.max(num, Math.abs(ft[j] - b[t][j])); den = Math.max(den, Math.abs(ft[j])); }
    worst = Math.max(worst, num / den);
  });
  return worst;
}

describe('abc symmetry (a, b, c) → (a + θ, b − θ, c − 2θ) [SGD], c − θ [Adam, ε = 0]', () => {
  const n0 = 8, steps = 20, B = 12, d = 6, k = 3;
  const X = randn(new Rng(11), [B, d]), Y = randn(new Rng(12), [B, k]);
  const thetas: (number | Partial<Record<'input' | 'hidden' | 'output', number>>)[] = [-0.5, 0.5, { input: 0.5, hidden: -0.5, output: 0.5 }];
  // SP's NTK grows ∝ n, so its stable SGD step is smaller (η = 0.05 diverges at n = 96).
  const cases: [string, 'sgd' | 'adam', Scheme, Update][] = [
    ['SGD', 'sgd', mup, sgd(0.05)], ['SGD', 'sgd', sp, sgd(0.01)], ['Adam', 'adam', mup, adam(0.01)], ['Adam', 'adam', sp, adam(0.01)],
  ];
  for (const [label, optimizer, scheme, update] of cases) {
    {
      test(`${label}, ${scheme.name}: f_t(x) agrees to 1e-12 over ${steps} steps at widths 24, 96`, () => {
        for (const n of [24, 96]) {
          const net = mlp(n, d, k);
          const ref = withInfo(net, parameterize(net.info, scheme, { baseWidth: n0, optimizer }));
          const f0 = trajectory(ref, 3, X, Y, update, steps);
          for (const theta of thetas) {
            const shifted = withInfo(net, parameterize(net.info, shiftSymmetry(scheme, theta), { baseWidth: n0, optimizer }));
            // the shift really moves multipliers, inits and learning rates …
            expect(shifted.info[2].multiplier).not.toBeCloseTo(ref.info[2].multiplier, 3);
            const f1 = trajectory(shifted, 3, X, Y, update, steps);
            // … and the function does not move
            expect(maxRelDiff(f0, f1)).toBeLessThan(1e-12);
          }
          // and training did move f
          expect(maxRelDiff(f0, f0.map(() => f0[0]))).toBeGreaterThan(1e-2);
        }
      });
    }
  }

  test('mean-field ≡ μP for one hidden layer (the θ = 1 shift of the readout), SGD trajectories', () => {
    const X1 = randn(new Rng(21), [B, d]);
    for (const n of [32, 128]) {
      const net = model(serial(dense(n, { sigmaW: Math.SQRT2 }), relu(), dense(k)), [d]);
      const a = trajectory(withInfo(net, parameterize(net.info, mup, { baseWidth: n0, optimizer: 'sgd' })), 5, X1, Y, sgd(0.05), steps);
      const b = trajectory(withInfo(net, parameterize(net.info, meanField, { baseWidth: n0, optimizer: 'sgd' })), 5, X1, Y, sgd(0.05), steps);
      expect(maxRelDiff(a, b)).toBeLessThan(1e-12);
    }
  });
});

// ————— one-step derivation on a linear network —————

/**
 * Linear net f = x W₁ᵀW₂ᵀW₃ᵀ (d → n → n → k, no biases), W_l = c_l·w_l (c = multiplier), loss
 * L = −(1/B) Σ y∘f (the first-order term of any loss around f: ∂L/∂f = g = −y/B, fixed). The random
 * directions are isometries with the Gaussian's second moment, w = σ·Z with ZᵀZ = n·I (W₁, W₂) and
 * Z Zᵀ = n·I (W₃), so every Gram product is exact:
 *     W₁ᵀW₁ = S₁ I,  W₂ᵀW₂ = W₂W₂ᵀ = S₂ I,  W₃W₃ᵀ = S₃ I,   S_l = c_l² σ_l² n.
 * One SGD step w ← w − η λ_l ∂L/∂w moves W_l by −ρ_l ∂L/∂W_l with ρ_l = η λ_l c_l², and to first
 * order in η the pre-activations change by (G = x xᵀ g, a B×k matrix that does not depend on n)
 *     Δh₁ = −ρ₁ G W₃W₂,    Δh₂ = −(ρ₂ S₁ + ρ₁ S₂) G W₃,    Δf = −(ρ₃ S₁S₂ + ρ₂ S₁S₃ + ρ₁ S₂S₃) G,
 * so RMS(Δh₁) = ρ₁√(S₂S₃)‖G‖/√(Bn), RMS(Δh₂) = (ρ₂S₁ + ρ₁S₂)√S₃‖G‖/√(Bn), RMS(Δf) = (…)‖G‖/√(Bk).
 * Under the table, S_l ∝ m^{1−2(a_l+b_l)} and ρ_l ∝ m^{−c_l−2a_l} exactly, so each RMS is a sum of
 * monomials in m with exponents read off the table; the leading ones must be the rows of
 * science-notes §A2: SP (−½, +½, +1), NTP (−½, −½, 0), μP (0, 0, 0).
 */
describe('one SGD step of a 3-layer linear network: closed form and width exponents', () => {
  const d = 8, k = 4, B = 6, n0 = 16, eta = 0.1, widths = [16, 32, 64, 128, 256];
  const x = randomGaussian(B, d, new Rng(31)), y = randomGaussian(B, k, new Rng(32));
  const linearNet = (n: number) => model(serial(dense(n, { bias: false }), dense(n, { bias: false }), dense(k, { bias: false })), [d]);
  const toTensor = (A: Mat) => new Tensor(Float64Array.from(A.data), [A.rows, A.cols]);
  const toMat = (t: Tensor): Mat => ({ rows: t.shape[0], cols: t.shape[1], data: Float64Array.from(t.data) });
  const sc = (A: Mat, s: number): Mat => ({ rows: A.rows, cols: A.cols, data: A.data.map((v) => v * s) });
  const rms = (A: Mat) => Math.sqrt(A.data.reduce((s, v) => s + v * v, 0) / A.data.length);

  /** Isometric directions Z with the Gaussian's second moment, for shape [out, in]. */
  function isometry(out: number, inn: number, rng: Rng): Mat {
    if (out === inn) return sc(randomOrthogonal(out, rng), Math.sqrt(out));
    if (out > inn) return sc(qr(randomGaussian(out, inn, rng)).Q, Math.sqrt(out));
    return sc(tmat(qr(randomGaussian(inn, out, rng)).Q), Math.sqrt(inn));
  }

  /** Measured first-order Δh_l (engine JVP along the SGD step) and the closed form, at width n. */
  function oneStep(scheme: Scheme, n: number) {
    const net = withInfo(linearNet(n), parameterize(linearNet(n).info, scheme, { baseWidth: n0, optimizer: 'sgd' }));
    const info = net.info;
    const rng = new Rng(33);
    const Z = info.map((p) => isometry(p.shape[0], p.shape[1], rng.split(p.name)));
    const w = Z.map((z, i) => toTensor(sc(z, stdOf(info[i]))));
    const X = toTensor(x), Y = toTensor(y);
    const loss = (...ps: Tensor[]) => scale(sum(mul(net.apply(ps, X), Y)), -1 / B);
    const g = grad(loss, w);
    const dw = g.map((gi, i) => scale(gi, -eta * info[i].lrScale));
    const names = ['0.preact', '1.preact', 'logits'];
    const measured = names.map((nm) => toMat(jvp((...ps) => {
      let h: Tensor | undefined;
      net.apply(ps, X, { capture: (name, v) => { if (name === nm) h = v; } });
      return h!;
    }, w, dw)));
    // closed form
    const Weff = w.map((t, i) => sc(toMat(t), info[i].multiplier));
    const S = info.map((p) => p.multiplier ** 2 * stdOf(p) ** 2 * n);
    const rho = info.map((p) => eta * p.lrScale * p.multiplier ** 2);
    const G = mmat(mmat(x, tmat(x)), sc(y, -1 / B));
    const closed = [
      sc(mmat(mmat(G, Weff[2]), Weff[1]), -rho[0]),
      sc(mmat(G, Weff[2]), -(rho[1] * S[0] + rho[0] * S[1])),
      sc(G, -(rho[2] * S[0] * S[1] + rho[1] * S[0] * S[2] + rho[0] * S[1] * S[2])),
    ];
    return { measured, closed, Gnorm: Math.sqrt(G.data.reduce((s, v) => s + v * v, 0)) };
  }

  /** Terms (coefficient at m = 1, exponent of m) of RMS(Δh_l), from the table alone. */
  function predictedTerms(scheme: Scheme): [number, number][][] {
    const base = oneStepCoefficients(scheme);
    const t = scheme.table.sgd, [r1, r2, r3] = [t.input, t.hidden, t.output];
    const eS = [r1, r2, r3].map((r) => 1 - 2 * (r.a + r.b)), eRho = [r1, r2, r3].map((r) => -r.c - 2 * r.a);
    return [
      [[base.h1[0], eRho[0] + (eS[1] + eS[2]) / 2 - 0.5]],
      [[base.h2[0], eRho[1] + eS[0] + eS[2] / 2 - 0.5], [base.h2[1], eRho[0] + eS[1] + eS[2] / 2 - 0.5]],
      [[base.f[0], eRho[2] + eS[0] + eS[1]], [base.f[1], eRho[1] + eS[0] + eS[2]], [base.f[2], eRho[0] + eS[1] + eS[2]]],
    ];
  }

  /** The terms' values at the base width, from the base (SP) ParamInfo. */
  function oneStepCoefficients(scheme: Scheme) {
    const info = parameterize(linearNet(n0).info, scheme, { baseWidth: n0, optimizer: 'sgd' });
    const S = info.map((p) => p.multiplier ** 2 * stdOf(p) ** 2 * n0);
    const rho = info.map((p) => eta * p.lrScale * p.multiplier ** 2);
    const { Gnorm } = oneStep(scheme, n0);
    const hid = Gnorm / Math.sqrt(B * n0), out = Gnorm / Math.sqrt(B * k);
    return {
      h1: [rho[0] * Math.sqrt(S[1] * S[2]) * hid],
      h2: [rho[1] * S[0] * Math.sqrt(S[2]) * hid, rho[0] * S[1] * Math.sqrt(S[2]) * hid],
      f: [rho[2] * S[0] * S[1] * out, rho[1] * S[0] * S[2] * out, rho[0] * S[1] * S[2] * out],
    };
  }

  const expectedLeading: [Scheme, number[]][] = [[sp, [-0.5, 0.5, 1]], [ntp, [-0.5, -0.5, 0]], [mup, [0, 0, 0]], [mupPackage, [0, 0, 0]], [meanField, [0, 0, 0]]];
  for (const [scheme, leading] of expectedLeading) {
    test(`${scheme.name}: JVP = closed form; RMS(Δh_l)(n) = Σ terms·m^e exactly; leading exponents ${leading.join(', ')}`, () => {
      const terms = predictedTerms(scheme);
      expect(terms.map((ts) => Math.max(...ts.map(([, e]) => e)))).toEqual(leading);
      for (const n of widths) {
        const { measured, closed } = oneStep(scheme, n);
        measured.forEach((M, l) => {
          const C = closed[l];
          const scaleC = Math.max(...C.data.map(Math.abs));
          expect(Math.max(...M.data.map((v, j) => Math.abs(v - C.data[j]))) / scaleC).toBeLessThan(1e-11);
          const m = n / n0;
          const predicted = terms[l].reduce((s, [c, e]) => s + c * m ** e, 0);
          expect(Math.abs(rms(M) / predicted - 1)).toBeLessThan(1e-10);
        });
      }
    });
  }
});
