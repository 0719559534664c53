import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../src/engine/rng.js';
import { Tensor, noGrad, randn, tensor, zeros } from '../src/engine/tensor.js';
import type { FloatDType } from '../src/engine/dtype.js';
import { add, crossEntropyWithIds, erf, matmul, matmulT, mseLoss, oneHot, relu, scale, softmaxCrossEntropy, tanh, transpose } from '../src/engine/ops.js';
import { valueAndGrad } from '../src/engine/autodiff.js';
import { flatten, unflatten } from '../src/engine/params.js';
import { useReference, useWasm } from '../src/engine/backend/index.js';
import { initMlp, mlpForward, mlpModel, type MlpSpec } from '../src/models/mlp.js';
import { dlnForward, dlnModel } from '../src/models/dln.js';
import { gaussianInputs, initTwoLayer, thetaToTensors, twoLayerForward, twoLayerObjective, type TwoLayerShape } from '../src/models/two-layer.js';
import { twoLayerModel } from '../src/models/two-layer-model.js';
import { residualMlp } from '../src/models/residual-mlp.js';
import { cnn } from '../src/models/cnn.js';
import { transformer } from '../src/models/transformer.js';
import { buildModel } from '../src/models/registry.js';
import { withInfo, type Model } from '../src/nn/model.js';

// ---------------------------------------------------------------------------------------
// The implementations of mlp.ts / dln.ts before they moved onto nn layers (verbatim), as the
// reference for bit-identical numbers.
const oldDefaults = (s: MlpSpec) => ({
  bias: s.bias ?? true,
  param: s.parameterization ?? 'standard',
  sigmaW: s.sigmaW ?? (s.activation === 'relu' ? Math.SQRT2 : 1),
  sigmaB: s.sigmaB ?? 0,
  outputScale: s.outputScale ?? 1,
});
function oldInitMlp(spec: MlpSpec, rng: Rng, dtype: FloatDType = 'f64'): Tensor[] {
  const d = oldDefaults(spec);
  const params: Tensor[] = [];
  for (let l = 1; l < spec.widths.length; l++) {
    const fanIn = spec.widths[l - 1], fanOut = spec.widths[l];
    const r = rng.split(`layer${l}`);
    const std = d.param === 'ntk' ? 1 : d.sigmaW / Math.sqrt(fanIn);
    params.push(randn(r.split('W'), [fanOut, fanIn], std, dtype));
    if (d.bias) {
      const bstd = d.param === 'ntk' ? 1 : d.sigmaB;
      params.push(bstd > 0 ? randn(r.split('b'), [fanOut], bstd, dtype) : zeros([fanOut], dtype));
    }
  }
  return params;
}
function oldActivate(h: Tensor, act: MlpSpec['activation']): Tensor {
  return act === 'relu' ? relu(h) : act === 'tanh' ? tanh(h) : act === 'erf' ? erf(h) : h;
}
function oldMlpForward(spec: MlpSpec, params: Tensor[], X: Tensor): Tensor {
  const d = oldDefaults(spec);
  const L = spec.widths.length - 1;
  const per = d.bias ? 2 : 1;
  let h = X;
  for (let l = 0; l < L; l++) {
    const W = params[per * l];
    let z = matmulT(h, W, false, true);
    if (d.param === 'ntk') z = scale(z, d.sigmaW / Math.sqrt(spec.widths[l]));
    if (d.bias) z = add(z, d.param === 'ntk' ? scale(params[per * l + 1], d.sigmaB) : params[per * l + 1]);
    h = l < L - 1 ? oldActivate(z, spec.activation) : z;
  }
  return d.outputScale === 1 ? h : scale(h, d.outputScale);
}
function oldDlnForward(params: Tensor[], X: Tensor): Tensor {
  let h = X;
  for (const W of params) h = matmul(h, transpose(W));
  return h;
}
// ---------------------------------------------------------------------------------------

/** Exactly equal entries (=== : bit-identical up to the sign of zero). */
function expectSame(a: ArrayLike<number>, b: ArrayLike<number>) {
  expect(a.length).toBe(b.length);
  let diff = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) diff++;
  expect(diff).toBe(0);
}

afterAll(() => { useReference(); });

describe('mlp.ts and dln.ts on nn layers keep their numbers', () => {
  const specs: MlpSpec[] = [];
  for (const activation of ['relu', 'tanh', 'erf', 'linear'] as const)
    for (const parameterization of ['standard', 'ntk'] as const)
      for (const bias of [true, false])
        specs.push({ widths: [5, 17, 9, 3], activation, parameterization, bias, sigmaB: bias && activation !== 'linear' ? 0.3 : 0, outputScale: activation === 'erf' ? 2.5 : 1 });
  specs.push({ widths: [4, 1], activation: 'relu' }, { widths: [3, 40, 40, 40, 2], activation: 'relu', parameterization: 'ntk', sigmaW: 1.1, sigmaB: 0 });

  for (const backend of ['reference', 'wasm'] as const) {
    it(`initMlp and mlpForward are bit-identical to the old implementation (${backend} backend, ${specs.length} specs, f64 and f32)`, async () => {
      if (backend === 'wasm') await useWasm(); else useReference();
      specs.forEach((spec, k) => {
        for (const dtype of ['f64', 'f32'] as const) {
          const pNew = initMlp(spec, new Rng(100 + k), dtype), pOld = oldInitMlp(spec, new Rng(100 + k), dtype);
          expect(pNew.map((p) => p.shape)).toEqual(pOld.map((p) => p.shape));
          pNew.forEach((p, i) => { expect(p.dtype).toBe(dtype); expectSame(p.data, pOld[i].data); });
          const X = randn(new Rng(7 + k), [11, spec.widths[0]], 1, dtype);
          expectSame(mlpForward(spec, pNew, X).data, oldMlpForward(spec, pOld, X).data);
        }
      });
    });

    it(`dlnForward is bit-identical to the old implementation (${backend} backend)`, async () => {
      if (backend === 'wasm') await useWasm(); else useReference();
      for (const widths of [[6, 6, 6, 6], [5, 30, 20, 4], [3, 2]]) {
        const r = new Rng(widths.length);
        const params = widths.slice(1).map((w, i) => randn(r.split(i), [w, widths[i]], 1 / Math.sqrt(widths[i])));
        const X = randn(r.split('x'), [13, widths[0]]);
        expectSame(dlnForward(params, X).data, oldDlnForward(params, X).data);
      }
      useReference();
    });
  }

  it('mlpModel exposes names, roles and width flags by position', () => {
    const m = mlpModel({ widths: [4, 8, 8, 2], activation: 'relu' });
    expect(m.info.map((p) => p.name)).toEqual(['layer1.W', 'layer1.b', 'layer2.W', 'layer2.b', 'layer3.W', 'layer3.b']);
    expect(m.info.map((p) => p.role)).toEqual(['input', 'bias', 'hidden', 'bias', 'output', 'bias']);
    expect(m.info.map((p) => [p.inIsWidth, p.outIsWidth])).toEqual([[false, true], [false, true], [true, true], [false, true], [true, false], [false, false]]);
    expect(m.info.every((p) => p.positional === undefined)).toBe(true);
    const ntk = mlpModel({ widths: [4, 8, 2], activation: 'erf', parameterization: 'ntk', sigmaW: 1.5, sigmaB: 0.2 });
    expect(ntk.info[0]).toMatchObject({ init: { kind: 'normal', std: 1 }, multiplier: 1.5 / 2 });
    expect(ntk.info[1]).toMatchObject({ init: { kind: 'normal', std: 1 }, multiplier: 0.2 });
    expect(JSON.parse(JSON.stringify(m.spec))).toEqual(m.spec);
    const dm = dlnModel([3, 5, 2]);
    expect(dm.info.map((p) => p.name)).toEqual(['W1.W', 'W2.W']);
  });
});

describe('two-layer student as an nn model equals the hand-derived fast path', () => {
  it('forward and gradient agree to 1e-12', () => {
    const s: TwoLayerShape = { m: 40, d: 3, alpha: 2.5 };
    const rng = new Rng(3);
    const theta = initTwoLayer(s, rng.split('init'), { symmetric: false, balanced: false });
    const X = gaussianInputs(17, s.d, rng.split('x'));
    const y = rng.split('y').normals(17);
    const m = twoLayerModel(s);
    const params = thetaToTensors(theta, s);
    const Xt = tensor(X.data, [X.rows, X.cols]);
    const f = m.apply(params, Xt);
    const fast = twoLayerForward(theta, s, X);
    expect(f.shape).toEqual([17, 1]);
    for (let i = 0; i < 17; i++) expect(Math.abs(f.data[i] - fast[i])).toBeLessThan(1e-12 * Math.max(1, Math.abs(fast[i])));
    const Y = tensor(y, [17, 1]);
    const { value, grads } = valueAndGrad((...ps) => scale(mseLoss(m.apply(ps, Xt), Y), 0.5), params);
    const ref = twoLayerObjective(s, X, y).valueAndGrad(theta);
    expect(Math.abs(value - ref.value)).toBeLessThan(1e-12 * ref.value);
    const g = flatten(grads);
    let num = 0, den = 0;
    for (let i = 0; i < g.length; i++) { num += (g[i] - ref.grad[i]) ** 2; den += ref.grad[i] ** 2; }
    expect(Math.sqrt(num / den)).toBeLessThan(1e-12);
    expect(m.info.map((p) => [p.role, p.multiplier])).toEqual([['input', 1], ['output', s.alpha / s.m]]);
  });
});

// ---------------------------------------------------------------------------------------
// Gradients against central finite differences, and short training runs, for each family.

type Loss = (ps: Tensor[]) => Tensor;

/** Relative error ‖g − g_fd‖/‖g_fd‖ over `count` random coordinates of θ (h = 1e-5, f64). */
function fdRelErr(loss: Loss, params: Tensor[], count: number, seed: number): number {
  const { grads } = valueAndGrad((...ps) => loss(ps), params);
  const g = flatten(grads), theta = flatten(params);
  const r = new Rng(seed);
  const h = 1e-5;
  let num = 0, den = 0;
  for (let c = 0; c < count; c++) {
    const i = Math.floor(r.uniform() * theta.length);
    const at = (v: number) => { const t = Float64Array.from(theta); t[i] = v; return noGrad(() => loss(unflatten(t, params))).item(); };
    const fd = (at(theta[i] + h) - at(theta[i] - h)) / (2 * h);
    num += (g[i] - fd) ** 2; den += fd * fd;
  }
  return Math.sqrt(num / den);
}

/** Adam (Kingma & Ba 2015; β = 0.9, 0.999, ε = 1e-8) or plain SGD on the flat θ; returns the losses. */
function train(loss: Loss, params: Tensor[], steps: number, lr: number, method: 'sgd' | 'adam'): number[] {
  let theta = flatten(params);
  const m1 = new Float64Array(theta.length), m2 = new Float64Array(theta.length);
  const losses: number[] = [];
  for (let t = 1; t <= steps; t++) {
    const { value, grads } = valueAndGrad((...ps) => loss(ps), unflatten(theta, params));
    losses.push(value);
    const g = flatten(grads);
    theta = Float64Array.from(theta);
    for (let i = 0; i < theta.length; i++) {
      if (method === 'sgd') { theta[i] -= lr * g[i]; continue; }
      m1[i] = 0.9 * m1[i] + 0.1 * g[i];
      m2[i] = 0.999 * m2[i] + 0.001 * g[i] * g[i];
      theta[i] -= (lr * (m1[i] / (1 - 0.9 ** t))) / (Math.sqrt(m2[i] / (1 - 0.999 ** t)) + 1e-8);
    }
  }
  losses.push(noGrad(() => loss(unflatten(theta, params))).item());
  return losses;
}

function regression(m: Model, n: number, seed: number) {
  const r = new Rng(seed);
  const X = randn(r.split('x'), [n, m.inShape[0]]);
  const teacher = randn(r.split('t'), [m.outShape[0], m.inShape[0]], 1 / Math.sqrt(m.inShape[0]));
  const Y = tanh(matmulT(X, teacher, false, true));
  return (ps: Tensor[]) => scale(mseLoss(m.apply(ps, X), Y), 0.5);
}

describe('each model family: gradient = finite differences, and training lowers the loss', () => {
  it('MLP', () => {
    const m = mlpModel({ widths: [4, 12, 12, 2], activation: 'tanh', sigmaB: 0.1 });
    const loss = regression(m, 16, 1);
    expect(fdRelErr(loss, m.init(new Rng(2)), 30, 3)).toBeLessThan(1e-6);
    const L = train(loss, m.init(new Rng(2)), 200, 0.2, 'sgd');
    expect(L[L.length - 1]).toBeLessThan(L[0] / 50);
  });

  it('residual MLP (pre-LN and none, each branch multiplier)', () => {
    for (const [norm, bm] of [['pre-ln', 'invSqrtDepth'], ['none', 'invDepth'], ['pre-ln', 'none']] as const) {
      const m = residualMlp({ width: 10, depth: 3, inDim: 4, outDim: 2, branchMultiplier: bm, norm, activation: 'tanh' });
      const loss = regression(m, 16, 4);
      expect(fdRelErr(loss, m.init(new Rng(5)), 30, 6)).toBeLessThan(1e-6);
    }
    const m = residualMlp({ width: 16, depth: 4, inDim: 4, outDim: 2, branchMultiplier: 'invSqrtDepth', norm: 'pre-ln' });
    const loss = regression(m, 16, 7);
    const L = train(loss, m.init(new Rng(8)), 150, 0.05, 'sgd');
    expect(L[L.length - 1]).toBeLessThan(L[0] / 50);
    expect(m.info.filter((p) => p.role === 'input').map((p) => p.name)).toEqual(['in.W']);
    expect(m.info.filter((p) => p.role === 'output').map((p) => p.name)).toEqual(['out.W']);
    expect(m.info.find((p) => p.name === 'blocks.2.up.W')!.role).toBe('hidden');
    expect(m.info.find((p) => p.name === 'blocks.2.norm.gain')!.role).toBe('norm-gain');
  });

  it('CNN', () => {
    const m = cnn({ channels: [3, 4], k: 3, inShape: [1, 8, 8], classes: 3, activation: 'tanh' });
    expect(m.outShape).toEqual([3]);
    const r = new Rng(9);
    const n = 12;
    // Class c: a bright 4×4 quadrant c (plus noise), so the label is learnable from the image.
    const labels = Array.from({ length: n }, (_, i) => i % 3);
    const X = randn(r.split('x'), [n, 1, 8, 8], 0.3);
    labels.forEach((c, i) => { for (let a = 0; a < 4; a++) for (let b = 0; b < 4; b++) X.data[i * 64 + (a + (c === 2 ? 4 : 0)) * 8 + b + (c === 1 ? 4 : 0)] += 1; });
    const Y = oneHot(tensor(labels, [n], 'i32'), 3);
    const loss = (ps: Tensor[]) => softmaxCrossEntropy(m.apply(ps, X), Y);
    expect(fdRelErr(loss, m.init(new Rng(10)), 30, 11)).toBeLessThan(1e-6);
    const L = train(loss, m.init(new Rng(10)), 60, 0.02, 'adam');
    expect(L[L.length - 1]).toBeLessThan(L[0] / 50);
    expect(m.info.map((p) => `${p.name}:${p.role}:${+p.inIsWidth}${+p.outIsWidth}`)).toEqual([
      'conv1.W:conv:01', 'conv1.b:bias:01', 'conv2.W:conv:11', 'conv2.b:bias:01', 'out.W:output:10', 'out.b:bias:00',
    ]);
  });

  for (const tied of [false, true]) {
    it(`transformer (${tied ? 'tied' : 'untied'} readout)`, () => {
      const spec = { vocab: 5, dModel: 8, heads: 2, layers: 2, seqLen: 6, tied, attnScale: 'sqrt' as const };
      const m = transformer(spec);
      expect(m.outShape).toEqual([6, 5]);
      // Next token of the cyclic sequence t, t+1, …  (mod 5): learnable from the current token.
      const B = 6, T = 6, V = 5;
      const ids = tensor(Array.from({ length: B * T }, (_, i) => (Math.floor(i / T) + (i % T)) % V), [B, T], 'i32');
      const next = tensor(Array.from({ length: B * T }, (_, i) => (Math.floor(i / T) + (i % T) + 1) % V), [B, T], 'i32');
      const loss = (ps: Tensor[]) => crossEntropyWithIds(m.apply(ps, ids), next);
      expect(fdRelErr(loss, m.init(new Rng(12)), 30, 13)).toBeLessThan(1e-6);
      const L = train(loss, m.init(new Rng(12)), 60, 0.03, 'adam');
      expect(L[L.length - 1]).toBeLessThan(L[0] / 50);
      const roles = new Set(m.info.map((p) => p.role));
      for (const r of ['embedding', 'attn-q', 'attn-k', 'attn-v', 'attn-o', 'hidden', 'norm-gain', 'norm-bias']) expect(roles.has(r as never)).toBe(true);
      expect(roles.has('output')).toBe(!tied);
      expect(m.info[0].name).toBe('tok.table');
    });
  }

  it('causal attention: the logits at position t do not depend on tokens after t', () => {
    const m = transformer({ vocab: 7, dModel: 8, heads: 2, layers: 1, seqLen: 5, tied: false, attnScale: 'mup' });
    const params = m.init(new Rng(1));
    const a = m.apply(params, tensor([[1, 2, 3, 4, 5]], [1, 5], 'i32'));
    const b = m.apply(params, tensor([[1, 2, 3, 0, 6]], [1, 5], 'i32'));
    for (let i = 0; i < 3 * 7; i++) expect(a.data[i]).toBe(b.data[i]);
    expect(Math.abs(a.data[3 * 7] - b.data[3 * 7])).toBeGreaterThan(1e-6);
  });
});

describe('checkpoint specs', () => {
  it('buildModel(JSON(spec)) with the stored info rebuilds every family with identical outputs', () => {
    const models: [Model, Tensor][] = [
      [mlpModel({ widths: [3, 6, 2], activation: 'erf', parameterization: 'ntk', outputScale: 3 }), randn(new Rng(1), [4, 3])],
      [dlnModel([3, 5, 2], 0.7), randn(new Rng(1), [4, 3])],
      [residualMlp({ width: 6, depth: 2, inDim: 3, outDim: 2, branchMultiplier: 'invDepth', norm: 'pre-ln' }), randn(new Rng(1), [4, 3])],
      [cnn({ channels: [2], k: 3, inShape: [1, 6, 6], classes: 2, pool: 'max' }), randn(new Rng(1), [2, 1, 6, 6])],
      [transformer({ vocab: 5, dModel: 4, heads: 2, layers: 1, seqLen: 3, tied: true }), tensor([[0, 1, 2], [4, 3, 2]], [2, 3], 'i32')],
      [twoLayerModel({ m: 6, d: 3, alpha: 2 }), randn(new Rng(1), [4, 3])],
    ];
    for (const [m, x] of models) {
      // A changed parameter table (as a parameterization would make) must survive the round trip.
      const info = m.info.map((p, i) => ({ ...p, multiplier: p.multiplier * (1 + 0.1 * (i % 3)) }));
      const mi = withInfo(m, info);
      const manifest = JSON.parse(JSON.stringify({ model: mi.spec, info: mi.info }));
      const back = withInfo(buildModel(manifest.model), manifest.info);
      expect(back.info).toEqual(mi.info);
      const params = mi.init(new Rng(5));
      expectSame(back.init(new Rng(5)).flatMap((p) => Array.from(p.data)), params.flatMap((p) => Array.from(p.data)));
      expectSame(back.apply(params, x).data, mi.apply(params, x).data);
      // And the raw layer tree route (family 'layers').
      const raw = withInfo(buildModel(JSON.parse(JSON.stringify({ family: 'layers', layer: m.layer.spec, inShape: m.inShape, roles: 'declared' }))), manifest.info);
      expectSame(raw.apply(params, x).data, mi.apply(params, x).data);
    }
    expect(() => buildModel({ family: 'nope' })).toThrow(/family/);
  });
});
