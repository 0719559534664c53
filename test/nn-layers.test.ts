import { describe, expect, it } from 'vitest';
import { Rng } from '../src/engine/rng.js';
import { Tensor, randn, tensor } from '../src/engine/tensor.js';
import { mat } from '../src/engine/linalg/index.js';
import { scale } from '../src/engine/ops.js';
import {
  activation, ACTIVATIONS, attention, avgPool, conv2d, dense, embedding, fanInSum, fanOut, flatten, layerFromSpec, layerNorm, maxPool,
  model, namedSerial, parallel, positionEmbedding, repeat, residual, rmsNorm, scaleBy, serial, tiedEmbedding, withInfo, type Layer,
} from '../src/nn/index.js';
import { mlpModel } from '../src/models/mlp.js';
import { transformer } from '../src/models/transformer.js';
import { branchMultiplierValue, residualMlp } from '../src/models/residual-mlp.js';

const ids = (rows: number[][]) => tensor(rows, undefined, 'i32');

/** Every layer type, with an input shape and a batch for it. */
function cases(): { name: string; layer: Layer; inShape: number[]; x: Tensor }[] {
  const r = new Rng(1);
  const vec = (d: number) => randn(r.split(`v${d}`), [3, d]);
  const seq = randn(r.split('seq'), [2, 4, 6]);
  const img = randn(r.split('img'), [2, 2, 6, 6]);
  return [
    { name: 'dense', layer: dense(5, { sigmaB: 0.3 }), inShape: [4], x: vec(4) },
    { name: 'dense ntk, no bias, role', layer: dense(5, { bias: false, parameterization: 'ntk', sigmaW: 1.7, role: 'hidden' }), inShape: [4], x: vec(4) },
    { name: 'dense on [T, d]', layer: dense(3), inShape: [4, 6], x: seq },
    ...ACTIVATIONS.map((a) => ({ name: a, layer: activation(a), inShape: [4], x: vec(4) })),
    { name: 'scale', layer: scaleBy(-0.7), inShape: [4], x: vec(4) },
    { name: 'serial', layer: serial(dense(6), activation('tanh'), dense(2)), inShape: [4], x: vec(4) },
    { name: 'named serial', layer: namedSerial([['a', dense(3)], ['b', activation('erf')]]), inShape: [4], x: vec(4) },
    { name: 'repeat', layer: repeat((i) => dense(4, { sigmaW: 1 + i }), 3), inShape: [4], x: vec(4) },
    { name: 'fanOut/parallel/fanInSum', layer: serial(fanOut(2), parallel(dense(3), serial(dense(5), activation('relu'), dense(3))), fanInSum()), inShape: [4], x: vec(4) },
    { name: 'residual', layer: residual(serial(dense(4), activation('gelu'), dense(4)), 0.5), inShape: [4], x: vec(4) },
    { name: 'layerNorm', layer: layerNorm({ eps: 1e-3 }), inShape: [4, 6], x: seq },
    { name: 'rmsNorm', layer: rmsNorm(), inShape: [6], x: vec(6) },
    { name: 'embedding', layer: embedding(7, 3, { std: 0.5 }), inShape: [3], x: ids([[0, 6, 2], [1, 1, 5]]) },
    { name: 'positionEmbedding', layer: positionEmbedding(5, 6), inShape: [4, 6], x: seq },
    { name: 'attention sqrt', layer: attention(2), inShape: [4, 6], x: seq },
    { name: 'attention mup, non-causal', layer: attention(3, { scale: 'mup', causal: false }), inShape: [4, 6], x: seq },
    { name: 'tiedEmbedding', layer: tiedEmbedding(7, 4, serial(dense(4), activation('tanh'))), inShape: [3], x: ids([[0, 6, 2], [1, 1, 5]]) },
    { name: 'conv2d', layer: conv2d(3, 3, { padding: 1, stride: 2 }), inShape: [2, 6, 6], x: img },
    { name: 'avgPool', layer: avgPool(2), inShape: [2, 6, 6], x: img },
    { name: 'maxPool', layer: maxPool(3, 2), inShape: [2, 6, 6], x: img },
    { name: 'flatten', layer: flatten(), inShape: [2, 6, 6], x: img },
  ];
}

describe('layerFromSpec', () => {
  for (const { name, layer, inShape, x } of cases()) {
    it(`rebuilds ${name} from its JSON spec with identical parameters and outputs`, () => {
      const m = model(layer, inShape, { roles: 'declared' });
      const spec = JSON.parse(JSON.stringify(layer.spec));
      expect(spec).toEqual(layer.spec);
      const m2 = model(layerFromSpec(spec), inShape, { roles: 'declared' });
      expect(m2.info).toEqual(m.info);
      expect(m2.outShape).toEqual(m.outShape);
      const params = m.init(new Rng(3));
      const y = m.apply(params, x), y2 = m2.apply(params, x);
      expect(y.shape).toEqual([x.shape[0], ...m.outShape]);
      expect(Array.from(y2.data)).toEqual(Array.from(y.data));
      expect(y.data.every((v) => Number.isFinite(v))).toBe(true);
    });
  }
  it('rejects unknown types, naming the field', () => {
    expect(() => layerFromSpec({ type: 'nope' })).toThrow(/unknown type "nope"/);
    expect(() => dense(0)).toThrow(/dense\.units/);
    expect(() => attention(4).declare([3, 6], '')).toThrow(/attention\.heads/);
    expect(() => residual(dense(3)).declare([4], '')).toThrow(/keep the shape/);
  });
});

describe('multipliers', () => {
  it('apply with multipliers c equals apply with c·w for every layer type (Dense folds c into its product)', () => {
    for (const { name, layer, inShape, x } of cases()) {
      const m = model(layer, inShape, { roles: 'declared' });
      if (m.info.length === 0) continue;
      const cs = m.info.map((_, i) => 0.5 + 0.37 * i);
      const scaled = withInfo(m, m.info.map((p, i) => ({ ...p, multiplier: cs[i] })));
      const params = m.init(new Rng(4));
      const y1 = scaled.apply(params, x);
      const unit = withInfo(m, m.info.map((p) => ({ ...p, multiplier: 1 })));
      const y2 = unit.apply(params.map((p, i) => scale(p, cs[i])), x);
      const err = Math.max(...Array.from(y1.data, (v, i) => Math.abs(v - y2.data[i]) / (1 + Math.abs(y2.data[i]))));
      expect(err, name).toBeLessThan(1e-13);
    }
  });

  it('init draws each parameter from its own named stream (independent of the other layers)', () => {
    const a = model(namedSerial([['x', dense(4)], ['y', dense(3)]]), [2]);
    const b = model(namedSerial([['x', dense(4)], ['extra', dense(4, { sigmaB: 1 })], ['y', dense(3)]]), [2]);
    const pa = a.init(new Rng(11)), pb = b.init(new Rng(11));
    expect(Array.from(pb[0].data)).toEqual(Array.from(pa[0].data)); // x.W
    expect(Array.from(pb[4].data)).toEqual(Array.from(pa[2].data)); // y.W
    const w = withInfo(a, a.info.map((p) => (p.name === 'x.W' ? { ...p, init: { kind: 'normal', std: 3 } } : p)));
    const pw = w.init(new Rng(11));
    pw[0].data.forEach((v, i) => expect(v).toBeCloseTo((3 * pa[0].data[i]) / (1 / Math.sqrt(2)), 12));
  });
});

describe('roles by position', () => {
  it('first weight layer is input, last output, between hidden; explicit roles are kept', () => {
    const m = model(serial(dense(8), activation('relu'), dense(8), activation('relu'), dense(2, { bias: false })), [3]);
    expect(m.info.map((p) => `${p.name}:${p.role}:${+p.inIsWidth}${+p.outIsWidth}`)).toEqual(['0.W:input:01', '0.b:bias:01', '2.W:hidden:11', '2.b:bias:01', '4.W:output:10']);
    const one = model(dense(2), [3]);
    expect(one.info.map((p) => `${p.role}:${+p.inIsWidth}${+p.outIsWidth}`)).toEqual(['input:00', 'bias:00']);
    const fixed = model(serial(dense(8, { role: 'hidden' }), dense(2, { role: 'hidden' })), [3]);
    expect(fixed.info.filter((p) => p.role !== 'bias').map((p) => p.role)).toEqual(['hidden', 'hidden']);
    const t = transformer({ vocab: 5, dModel: 4, heads: 2, layers: 1, seqLen: 3, tied: true });
    expect(t.info.find((p) => p.name === 'blocks.0.mlp.down.W')!.role).toBe('hidden');
  });

  it('captures every pre-activation, block output and the logits', () => {
    const seen: Record<string, number[]> = {};
    const m = mlpModel({ widths: [3, 5, 5, 2], activation: 'relu' });
    m.apply(m.init(new Rng(1)), randn(new Rng(2), [4, 3]), { capture: (n, v) => { seen[n] = v.shape.slice(); } });
    expect(seen).toEqual({ 'layer1.preact': [4, 5], 'layer2.preact': [4, 5], 'layer3.preact': [4, 2], logits: [4, 2] });
    const names: string[] = [];
    const t = transformer({ vocab: 5, dModel: 4, heads: 2, layers: 2, seqLen: 3, tied: false });
    t.apply(t.init(new Rng(1)), ids([[0, 1, 2]]), { capture: (n) => names.push(n) });
    for (const n of ['tok.preact', 'blocks.0.attn.heads.scores', 'blocks.1.attn.heads.q', 'blocks.1.attn.out', 'blocks.1.mlp.up.preact', 'blocks.1.mlp.out', 'readout.preact', 'logits']) expect(names).toContain(n);
  });
});

describe('residual branch multipliers', () => {
  // x_{l+1} = x_l + m W_l x_l with W_l ~ N(0, σ²/n) independent of x_l:
  //   E‖x_{l+1}‖² = ‖x_l‖² + 2m E[x_lᵀ W_l x_l] + m² E‖W_l x_l‖² = (1 + σ²m²)‖x_l‖²,
  // so E‖x_L‖²/‖x_0‖² = (1 + σ²m²)^L exactly at any width (each branch adds independent energy).
  it('E‖x_L‖²/‖x_0‖² = (1 + σ²m²)^L for m = 1/√L (Monte Carlo over seeds, within 3 standard errors), and the kernel map agrees', () => {
    const n = 32, L = 16, sigma = 1.3, seeds = 300;
    const m = branchMultiplierValue('invSqrtDepth', L);
    const net = model(repeat(() => residual(dense(n, { bias: false, sigmaW: sigma }), m), L), [n]);
    const x0 = randn(new Rng(5), [1, n]);
    const e0 = Array.from(x0.data).reduce((s, v) => s + v * v, 0);
    const ratios: number[] = [];
    for (let s = 0; s < seeds; s++) {
      const y = net.apply(net.init(new Rng(1000 + s)), x0);
      ratios.push(Array.from(y.data).reduce((a, v) => a + v * v, 0) / e0);
    }
    const mean = ratios.reduce((a, v) => a + v, 0) / seeds;
    const sd = Math.sqrt(ratios.reduce((a, v) => a + (v - mean) ** 2, 0) / (seeds - 1));
    const predicted = (1 + sigma * sigma * m * m) ** L;
    expect(Math.abs(mean - predicted)).toBeLessThan((3 * sd) / Math.sqrt(seeds));
    // The kernel map of the same layers gives the same growth of q(x, x) (= ‖x‖²/n).
    const k = net.kernel!(mat(1, n, x0.data));
    expect(k.nngp.data[0] / (e0 / n)).toBeCloseTo(predicted, 12);
    // m = 1/√L keeps the growth bounded in L (→ e^{σ²}); m = 1 would give (1 + σ²)^L.
    expect(predicted).toBeLessThan(Math.exp(sigma * sigma));
  });

  it('residualMlp uses 1, 1/√L, 1/L', () => {
    type Tree = { layers: { layers: { multiplier: number }[] }[] };
    const mult = (bm: 'none' | 'invSqrtDepth' | 'invDepth') =>
      (residualMlp({ width: 4, depth: 9, inDim: 2, outDim: 1, branchMultiplier: bm }).layer.spec as unknown as Tree).layers[1].layers.map((b) => b.multiplier);
    expect(mult('none')).toEqual(Array(9).fill(1));
    expect(mult('invSqrtDepth')).toEqual(Array(9).fill(1 / 3));
    expect(mult('invDepth')).toEqual(Array(9).fill(1 / 9));
    expect(() => branchMultiplierValue('bad' as never, 3)).toThrow(/branchMultiplier/);
  });
});
