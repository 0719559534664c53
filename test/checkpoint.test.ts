import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../src/engine/rng.js';
import { initMlp, mlpForward, type MlpSpec } from '../src/models/mlp.js';
import {
  CheckpointError, decodeCheckpoint, encodeCheckpoint, loadCheckpoint, mlpTensorLayout, parseDataset, saveCheckpoint,
} from '../src/io/checkpoint.js';

const dir = mkdtempSync(join(tmpdir(), 'lmech-ckpt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const spec: MlpSpec = { widths: [3, 5, 2], activation: 'tanh', sigmaB: 0.5 };

describe('checkpoint round trip', () => {
  for (const dtype of ['f64', 'f32'] as const) {
    it(`${dtype}: save → load gives bit-identical tensors and the same forward pass`, () => {
      const params = initMlp(spec, new Rng(1), dtype);
      const path = join(dir, `m-${dtype}.json`);
      const { weightsPath } = saveCheckpoint(path, { spec, loss: 'mse', dtype, params, names: [] });
      expect(weightsPath).toBe(join(dir, `m-${dtype}.bin`));
      const bytes = readFileSync(weightsPath);
      expect(bytes.length).toBe(params.reduce((s, p) => s + p.size, 0) * (dtype === 'f32' ? 4 : 8));
      const ck = loadCheckpoint(path);
      expect(ck.names).toEqual(['W1', 'b1', 'W2', 'b2']);
      expect(ck.spec).toEqual(spec);
      expect(ck.dtype).toBe(dtype);
      ck.params.forEach((p, i) => {
        expect(p.shape).toEqual(params[i].shape);
        expect(p.data.constructor).toBe(params[i].data.constructor);
        expect(Array.from(p.data)).toEqual(Array.from(params[i].data));
      });
      const manifest = JSON.parse(readFileSync(path, 'utf8'));
      expect(manifest).toMatchObject({ format: 'lmech-checkpoint', version: 1, model: { kind: 'mlp' }, loss: 'mse', dtype, weights: `m-${dtype}.bin` });
      expect(manifest.tensors[2]).toEqual({ name: 'W2', shape: [2, 5], offset: (15 + 5) * (dtype === 'f32' ? 4 : 8), length: 10 });
    });
  }

  it('writes little-endian floats at the manifest offsets (independent decoder)', () => {
    const params = initMlp({ widths: [2, 2], activation: 'linear' }, new Rng(2));
    const { manifest, bytes } = encodeCheckpoint({ spec: { widths: [2, 2], activation: 'linear' }, loss: 'mse', dtype: 'f64', params, names: [] });
    const buf = Buffer.from(bytes);
    const b = manifest.tensors[1];
    expect(buf.readDoubleLE(b.offset + 8)).toBe(params[1].data[1]);
    expect(buf.readDoubleLE(0)).toBe(params[0].data[0]);
  });

  it('without biases, the layout has weights only', () => {
    const s: MlpSpec = { widths: [4, 3, 3, 1], activation: 'relu', bias: false };
    expect(mlpTensorLayout(s).map((l) => l.name)).toEqual(['W1', 'W2', 'W3']);
    const params = initMlp(s, new Rng(3));
    const { manifest, bytes } = encodeCheckpoint({ spec: s, loss: 'cross-entropy', dtype: 'f64', params, names: [] });
    const ck = decodeCheckpoint(manifest, bytes);
    const X = initMlp({ widths: [4, 5], activation: 'linear', bias: false }, new Rng(4))[0];
    expect(Array.from(mlpForward(s, ck.params, X).data)).toEqual(Array.from(mlpForward(s, params, X).data));
  });
});

describe('checkpoint errors name the field', () => {
  const params = initMlp(spec, new Rng(5));
  const { manifest, bytes } = encodeCheckpoint({ spec, loss: 'mse', dtype: 'f64', params, names: [] });
  const bad = (patch: (m: any) => void, b: Uint8Array = bytes) => {
    const m = JSON.parse(JSON.stringify(manifest));
    patch(m);
    return () => decodeCheckpoint(m, b, 'ckpt.json');
  };

  it('rejects bad manifests with messages naming the field', () => {
    expect(bad((m) => { m.format = 'pytorch'; })).toThrow(/ckpt\.json: format: must be "lmech-checkpoint"/);
    expect(bad((m) => { m.version = 2; })).toThrow(/version: unsupported version 2/);
    expect(bad((m) => { m.model.kind = 'cnn'; })).toThrow(/model\.kind: must be "mlp"/);
    expect(bad((m) => { m.model.spec.widths = [3, 0, 2]; })).toThrow(/model\.spec\.widths\[1\]: must be a positive integer/);
    expect(bad((m) => { m.model.spec.activation = 'gelu'; })).toThrow(/model\.spec\.activation: must be one of/);
    expect(bad((m) => { m.loss = 'l1'; })).toThrow(/loss: must be "mse" or "cross-entropy"/);
    expect(bad((m) => { m.dtype = 'f16'; })).toThrow(/dtype: must be "f32" or "f64"/);
    expect(bad((m) => { m.tensors.pop(); })).toThrow(/tensors: has 3 entries, but an MLP with widths \[3, 5, 2\] has 4 \(W1, b1, W2, b2\)/);
    expect(bad((m) => { m.tensors[2].shape = [5, 2]; })).toThrow(/tensors\[2\]\.shape: expected \[2, 5\] for W2/);
    expect(bad((m) => { m.tensors[0].name = 'weight'; })).toThrow(/tensors\[0\]\.name: expected "W1"/);
    expect(bad((m) => { m.tensors[1].length = 4; })).toThrow(/tensors\[1\]\.length: expected 5/);
    expect(bad((m) => { m.tensors[3].offset = 3; })).toThrow(/tensors\[3\]\.offset: must be a multiple of 8/);
    expect(bad(() => {}, bytes.slice(0, bytes.length - 8))).toThrow(/tensors\[3\]: b2 needs bytes \[\d+, \d+\) but the weights file has \d+ bytes/);
    expect(bad(() => {})).not.toThrow();
  });

  it('reports unreadable files and bad JSON with the path', () => {
    expect(() => loadCheckpoint(join(dir, 'missing.json'))).toThrow(CheckpointError);
    expect(() => loadCheckpoint(join(dir, 'missing.json'))).toThrow(/missing\.json: cannot read \(ENOENT\)/);
    const p = join(dir, 'broken.json');
    writeFileSync(p, '{ "format": ');
    expect(() => loadCheckpoint(p)).toThrow(/broken\.json: not valid JSON/);
    const q = join(dir, 'noweights.json');
    writeFileSync(q, JSON.stringify({ ...manifest, weights: 'nowhere.bin' }));
    expect(() => loadCheckpoint(q)).toThrow(/noweights\.json: weights: cannot read .*nowhere\.bin/);
  });
});

describe('data files', () => {
  it('accepts target rows, class labels, and scalar targets', () => {
    const d = parseDataset({ x: [[1, 2, 3], [4, 5, 6]], y: [[0.5, 1], [1, 2]] }, spec, 'mse');
    expect(d.n).toBe(2);
    expect(d.X.shape).toEqual([2, 3]);
    expect(Array.from(d.Y.data)).toEqual([0.5, 1, 1, 2]);
    const c = parseDataset({ x: [[1, 2, 3], [4, 5, 6]], y: [1, 0] }, spec, 'cross-entropy');
    expect(Array.from(c.Y.data)).toEqual([0, 1, 1, 0]);
    expect(Array.from(c.labels!)).toEqual([1, 0]);
    const s = parseDataset({ x: [[1, 2, 3]], y: [7] }, { widths: [3, 1], activation: 'linear' }, 'mse');
    expect(Array.from(s.Y.data)).toEqual([7]);
  });

  it('rejects bad data with messages naming the field', () => {
    const p = (raw: unknown, loss: 'mse' | 'cross-entropy' = 'mse') => () => parseDataset(raw, spec, loss, 'data.json');
    expect(p([1, 2])).toThrow(/data\.json: data: must be a JSON object/);
    expect(p({ y: [] })).toThrow(/data\.json: x: must be a non-empty array/);
    expect(p({ x: [[1, 2]], y: [[1, 2]] })).toThrow(/x\[0\]: must be an array of 3 numbers \(the model's input width; got 2 entries\)/);
    expect(p({ x: [[1, 2, 'a']], y: [[1, 2]] })).toThrow(/x\[0\]\[2\]: must be a finite number \(got "a"\)/);
    expect(p({ x: [[1, 2, 3]], y: [[1, 2], [3, 4]] })).toThrow(/y: has 2 entries but x has 1 rows/);
    expect(p({ x: [[1, 2, 3]], y: [[1]] })).toThrow(/y\[0\]: must be an array of 2 numbers/);
    expect(p({ x: [[1, 2, 3]], y: [2] }, 'cross-entropy')).toThrow(/y\[0\]: must be a class label, an integer in \[0, 2\) \(got 2\)/);
    expect(p({ x: [[1, 2, 3]], y: [1] })).toThrow(/y: is a flat array, but the model has 2 outputs/);
  });
});
