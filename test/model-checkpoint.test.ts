/**
 * lmech-checkpoint v2: any nn model (MLP, residual MLP, CNN, transformer) saved with its spec and
 * parameter table, reloaded bit-exact, and fed to `lmech hessian` — checked against the dense
 * Hessian of the same loss built from exact HVPs (an independent route: eigh of the full matrix).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../src/engine/rng.js';
import { Tensor, randn } from '../src/engine/tensor.js';
import { crossEntropyWithIds } from '../src/engine/ops.js';
import { flatLoss, flatten } from '../src/engine/params.js';
import { eigvalsh } from '../src/engine/linalg/index.js';
import { denseHessian } from '../src/observables/hessian.js';
import { mlpModel } from '../src/models/mlp.js';
import { residualMlp } from '../src/models/residual-mlp.js';
import { cnn } from '../src/models/cnn.js';
import { transformer } from '../src/models/transformer.js';
import type { Model } from '../src/nn/model.js';
import {
  CheckpointError, decodeModelCheckpoint, encodeModelCheckpoint, inputKindOf, loadModelCheckpoint, loadModelDataset, saveCheckpoint, saveModelCheckpoint,
} from '../src/io/checkpoint.js';
import { lmechHessian } from './support/hessian-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'lmech-ckpt2-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const tiny = {
  tr: () => transformer({ vocab: 7, dModel: 8, heads: 2, layers: 1, seqLen: 5, tied: false }),
};
const families: [string, () => Model, number[]][] = [
  ['mlp', () => mlpModel({ widths: [4, 6, 3], activation: 'tanh' }), [4]],
  ['residualMlp', () => residualMlp({ width: 6, depth: 2, inDim: 4, outDim: 3, branchMultiplier: 'invSqrtDepth', norm: 'pre-ln' }), [4]],
  ['cnn', () => cnn({ channels: [2, 3], inShape: [1, 8, 8], classes: 3 }), [1, 8, 8]],
  ['transformer', tiny.tr, [5]],
];

describe('checkpoint v2 round trip', () => {
  for (const [name, make] of families) {
    for (const dtype of ['f64', 'f32'] as const) {
      it(`${name} (${dtype}): parameters, parameter table and outputs come back bit-exact`, () => {
        const m0 = make();
        const params = m0.init(new Rng(3)).map((t) => (dtype === 'f32' ? new Tensor(Float32Array.from(t.data as Float64Array), t.shape) : t));
        const path = join(dir, `${name}-${dtype}.json`);
        saveModelCheckpoint(path, { model: m0, params, loss: 'cross-entropy', dtype });
        const ck = loadModelCheckpoint(path);
        expect(ck.dtype).toBe(dtype);
        expect(ck.names).toEqual(m0.info.map((p) => p.name));
        expect(ck.model.info).toEqual(m0.info);
        expect(ck.input).toBe(name === 'transformer' ? 'tokens' : 'features');
        ck.params.forEach((t, i) => {
          expect(t.shape).toEqual(params[i].shape);
          expect(Array.from(t.data)).toEqual(Array.from(params[i].data));
        });
        const x = name === 'transformer'
          ? new Tensor(Int32Array.from([0, 1, 2, 3, 4, 6, 5, 4, 3, 2]), [2, 5])
          : randn(new Rng(9), [2, ...m0.inShape]);
        const f64 = (ps: Tensor[]) => ps.map((t) => new Tensor(Float64Array.from(t.data), t.shape));
        expect(Array.from(ck.model.apply(f64(ck.params), x).data)).toEqual(Array.from(m0.apply(f64(params), x).data));
      });
    }
  }

  it('keeps a changed parameter table (e.g. a μP-style multiplier) and rejects a mismatched one', () => {
    const m0 = mlpModel({ widths: [4, 6, 3], activation: 'relu' });
    const info = m0.info.map((p, i) => (i === 2 ? { ...p, multiplier: 0.25, lrScale: 4 } : p));
    const params = m0.init(new Rng(1));
    const { manifest, bytes } = encodeModelCheckpoint({ model: { ...m0, info }, params, loss: 'mse' });
    const ck = decodeModelCheckpoint(manifest, bytes, 'x.json');
    expect(ck.model.info[2].multiplier).toBe(0.25);
    expect(ck.model.info[2].lrScale).toBe(4);
    const bad = JSON.parse(JSON.stringify(manifest));
    bad.model.info[0].shape = [9, 9];
    expect(() => decodeModelCheckpoint(bad, bytes, 'x.json')).toThrow(CheckpointError);
    expect(() => decodeModelCheckpoint(bad, bytes, 'x.json')).toThrow(/x\.json: model: /);
    const badT = JSON.parse(JSON.stringify(manifest));
    badT.tensors[1].name = 'nope';
    expect(() => decodeModelCheckpoint(badT, bytes, 'x.json')).toThrow(/tensors\[1\]\.name: expected "layer1\.b"/);
    expect(() => decodeModelCheckpoint({ ...manifest, version: 7 }, bytes, 'x.json')).toThrow(/version: unsupported version 7/);
    expect(() => decodeModelCheckpoint(manifest, bytes.subarray(0, 10), 'x.json')).toThrow(/needs bytes/);
  });

  it('reads version-1 MLP files as nn models', () => {
    const spec = { widths: [3, 5, 2], activation: 'tanh' as const };
    const m0 = mlpModel(spec);
    const params = m0.init(new Rng(4));
    const path = join(dir, 'v1.json');
    saveCheckpoint(path, { spec, loss: 'mse', dtype: 'f64', params, names: [] });
    expect(JSON.parse(readFileSync(path, 'utf8')).version).toBe(1);
    const ck = loadModelCheckpoint(path);
    expect(ck.spec).toEqual(spec);
    const x = randn(new Rng(2), [4, 3]);
    expect(Array.from(ck.model.apply(ck.params, x).data)).toEqual(Array.from(m0.apply(params, x).data));
  });

  it('token data are validated with the file, row and column named', () => {
    const m = tiny.tr();
    const ck = { model: m, loss: 'cross-entropy' as const, input: inputKindOf(m) };
    const p = join(dir, 'bad-tokens.json');
    writeFileSync(p, JSON.stringify({ x: [[0, 1, 2, 3, 9]], y: [[1, 2, 3, 4, 5]] }));
    expect(() => loadModelDataset(p, ck)).toThrow(/bad-tokens\.json: x\[0\]\[4\]: must be an integer id in \[0, 7\) \(got 9\)/);
    writeFileSync(p, JSON.stringify({ x: [[0, 1, 2]], y: [[1, 2, 3]] }));
    expect(() => loadModelDataset(p, ck)).toThrow(/x\[0\]: must be an array of 5 token ids/);
  });
});


describe('lmech hessian on a transformer checkpoint', () => {
  it('top eigenvalues equal those of the dense Hessian of the mean next-token cross-entropy', async () => {
    const m = transformer({ vocab: 5, dModel: 4, heads: 2, layers: 1, seqLen: 4, tied: true });
    const params = m.init(new Rng(11));
    const path = join(dir, 'tr.json');
    saveModelCheckpoint(path, { model: m, params, loss: 'cross-entropy' });
    const rng = new Rng(5);
    const x = Array.from({ length: 6 }, () => Array.from({ length: 4 }, () => rng.int(5)));
    const y = x.map((row) => row.map((t) => (t + 1) % 5));
    const data = join(dir, 'tr-data.json');
    writeFileSync(data, JSON.stringify({ x, y }));
    const out = JSON.parse(await lmechHessian('--model', path, '--data', data, '--top-k', '3', '--tol', '1e-10', '--json', '--backend', 'reference'));
    expect(out.model.kind).toBe('transformer');
    expect(out.data.input).toBe('tokens');
    // Independent route: the dense Hessian, column by column, and its eigenvalues.
    const X = new Tensor(Int32Array.from(x.flat()), [6, 4]), Y = new Tensor(Int32Array.from(y.flat()), [6, 4]);
    const fl = flatLoss((...ps: Tensor[]) => crossEntropyWithIds(m.apply(ps, X), Y), params);
    const theta = flatten(params);
    const ev = eigvalsh(denseHessian((v) => fl.hvp(theta, v), theta.length));
    const top = Array.from(ev).sort((a, b) => b - a).slice(0, 3);
    expect(out.lossValue).toBeCloseTo(fl.value(theta), 12);
    out.top.values.forEach((v: number, i: number) => expect(Math.abs(v - top[i])).toBeLessThan(1e-8 * Math.abs(top[0])));
    const text = await lmechHessian('--model', path, '--data', data, '--backend', 'reference', '--per-layer');
    expect(text).toMatch(/transformer \[4\] → \[4×5\]/);
    expect(text).toMatch(/blocks\.0\.attn/);
  });
});
