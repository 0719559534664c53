/**
 * ONNX import checked against PyTorch: three small models exported by torch.onnx.export (PyTorch
 * 1.13, test/fixtures/onnx/make_fixtures.py) with PyTorch's float64 loss, gradient norm, outputs
 * and exact top Hessian eigenvalues (full Hessian + eigh) stored beside them. Our importer +
 * `lmech hessian` must agree to 1e-8 (relative).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Tensor } from '../src/engine/tensor.js';
import { parseNpy } from '../src/io/npy.js';
import { decodeModelCheckpoint, encodeModelCheckpoint } from '../src/io/checkpoint.js';
import { OnnxError, decodeOnnx, importOnnx, loadOnnxModel } from '../src/io/onnx.js';
import { encodeOnnx } from '../src/io/onnx-proto.js';
import { readSafetensors } from '../src/io/safetensors.js';
import { lmechHessian } from './support/hessian-cli.js';

const FIX = 'test/fixtures/onnx';
const dir = mkdtempSync(join(tmpdir(), 'lmech-onnx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Ref {
  loss: 'mse' | 'cross-entropy'; examples: number; parameters: number; names: string[];
  lossValue: number; gradNorm: number; topEigenvalues: number[]; outputs: number[][];
}
const ref = (name: string): Ref => JSON.parse(readFileSync(`${FIX}/${name}-ref.json`, 'utf8'));
const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);
const worst: Record<string, number> = {};

async function hessianJson(name: string, extra: string[] = [], model = `${FIX}/${name}.onnx`) {
  const r = ref(name);
  const out = await lmechHessian('--model', model, '--data', `${FIX}/${name}-data.json`, '--loss', r.loss, '--top-k', '3', '--tol', '1e-10', '--json', ...extra);
  return JSON.parse(out);
}

describe('ONNX models exported from PyTorch', () => {
  for (const name of ['mlp', 'cnn', 'misc']) {
    it(`${name}: outputs, loss, ‖∇L‖ and top-3 Hessian eigenvalues match PyTorch to 1e-8`, async () => {
      const r = ref(name);
      const m = loadOnnxModel(`${FIX}/${name}.onnx`);
      const data = JSON.parse(readFileSync(`${FIX}/${name}-data.json`, 'utf8')) as { x: number[][] };
      const y = m.model.apply(m.params, new Tensor(Float64Array.from(data.x.flat()), [data.x.length, ...m.model.inShape]));
      const want = r.outputs.flat();
      let err = 0;
      want.forEach((v, i) => { err = Math.max(err, Math.abs(y.data[i] - v)); });
      expect(err).toBeLessThan(1e-12);

      const h = await hessianJson(name);
      expect(h.model).toMatchObject({ kind: 'onnx', parameters: r.parameters, loss: r.loss, dtype: 'f64' });
      const diffs = [rel(h.lossValue, r.lossValue), rel(h.gradNorm, r.gradNorm), ...[0, 1, 2].map((i) => rel(h.top.values[i], r.topEigenvalues[i]))];
      worst[name] = Math.max(...diffs);
      for (const d of diffs) expect(d).toBeLessThan(1e-8);
      expect(h.parameterLayout.map((e: { size: number }) => e.size).reduce((a: number, b: number) => a + b, 0)).toBe(r.parameters);
    });
  }

  it('--eigenvectors writes k×P float64 rows equal (up to sign) to PyTorch\'s eigenvectors', async () => {
    for (const name of ['mlp', 'cnn']) {
      const path = join(dir, `${name}-vecs.npy`);
      const h = await hessianJson(name, ['--eigenvectors', path]);
      const ours = parseNpy(readFileSync(path)), theirs = parseNpy(readFileSync(`${FIX}/${name}-eigvecs.npy`));
      const r = ref(name);
      expect([ours.rows, ours.cols]).toEqual([3, r.parameters]);
      // PyTorch's parameter order (state_dict) is ours here: Gemm/Conv weights are not transposed.
      expect(h.parameterLayout.map((e: { tensor: string }) => e.tensor)).toEqual(r.names);
      for (let i = 0; i < 3; i++) {
        let dot = 0;
        for (let j = 0; j < r.parameters; j++) dot += ours.data[i * r.parameters + j] * theirs.data[i * r.parameters + j];
        expect(1 - Math.abs(dot)).toBeLessThan(1e-8);
      }
    }
  });

  it('a graph exported with export_params=False takes its weights from the safetensors state_dict', async () => {
    const a = await hessianJson('mlp');
    const b = await hessianJson('mlp', ['--weights', `${FIX}/mlp.safetensors`], `${FIX}/mlp-noparams.onnx`);
    expect(b.lossValue).toBe(a.lossValue);
    expect(b.gradNorm).toBe(a.gradNorm);
    expect(b.top.values).toEqual(a.top.values);
    await expect(lmechHessian('--model', `${FIX}/mlp-noparams.onnx`, '--data', `${FIX}/mlp-data.json`)).rejects.toThrow(/inputs without values .*"0\.weight"/);
  });

  it('the safetensors file (written by hand in Python) holds the same float32 values as the ONNX initializers', () => {
    const st = readSafetensors(`${FIX}/cnn.safetensors`);
    const g = decodeOnnx(readFileSync(`${FIX}/cnn.onnx`));
    expect([...st.tensors.keys()]).toEqual(ref('cnn').names);
    for (const [name, t] of st.tensors) {
      const init = g.initializers.get(name)!;
      expect(t.dtype).toBe('F32');
      expect(t.shape).toEqual(init.dims);
      expect(Array.from(t.data)).toEqual(Array.from(init.data));
    }
  });

  it('maps each PyTorch module to a lab layer (GELU\'s erf subgraph fused; MatMul weight transposed)', () => {
    const m = loadOnnxModel(`${FIX}/misc.onnx`);
    expect(m.layers.map((l) => `${l.op}→${l.layer}`)).toEqual([
      'Conv→conv2d', 'Sigmoid→sigmoid', 'AveragePool→avgPool', 'Reshape→onnxReshape', 'Gemm→dense', 'LayerNormalization→layerNorm',
      'Gelu→gelu', 'MatMul→dense', 'Softmax→onnxSoftmax',
    ]);
    expect(m.layers[6].nodes).toEqual(['/Div', '/Erf', '/Add', '/Mul', '/Mul_1']);
    expect(m.origins.find((o) => o.name === 'fc2.W')).toMatchObject({ tensor: 'onnx::MatMul_28', transposed: true });
    expect(m.model.info.map((p) => p.role)).toEqual(['conv', 'bias', 'hidden', 'bias', 'norm-gain', 'norm-bias', 'output']);
  });

  it('an imported model saved as an lmech checkpoint reloads with the same outputs (its layers are in the registry)', () => {
    const m = loadOnnxModel(`${FIX}/misc.onnx`);
    const { manifest, bytes } = encodeModelCheckpoint({ model: m.model, params: m.params, loss: 'mse' });
    const back = decodeModelCheckpoint(JSON.parse(JSON.stringify(manifest)), bytes);
    const inShape = m.model.spec.inShape as number[];
    const x = new Tensor(Float64Array.from({ length: 2 * inShape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i)), [2, ...inShape]);
    expect(Array.from(back.model.apply(back.params, x).data)).toEqual(Array.from(m.model.apply(m.params, x).data));
  });
});

// Hand-made graphs for the error paths.
const f32 = (name: string, dims: number[], values: number[]) => ({ name, dims, data_type: 1, float_data: values });
const vi = (name: string, dims: (number | string)[]) => ({
  name, type: { tensor_type: { elem_type: 1, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) } } },
});
function graphBytes(nodes: { op_type: string; input: string[]; output: string[]; name?: string; attribute?: unknown[] }[], output = nodes[nodes.length - 1].output[0]) {
  return encodeOnnx({
    ir_version: 8, opset_import: [{ domain: '', version: 17 }], producer_name: 'test',
    graph: {
      name: 'g', node: nodes, input: [vi('x', ['batch', 2])], output: [vi(output, ['batch', 2])],
      initializer: [f32('W', [2, 2], [1, 2, 3, 4]), f32('b', [2], [0.5, -0.5])],
    },
  });
}

describe('ONNX import errors name the operator and the node', () => {
  it('unsupported operator', () => {
    const bytes = graphBytes([
      { op_type: 'Gemm', input: ['x', 'W', 'b'], output: ['h'], name: 'fc', attribute: [{ name: 'transB', type: 2, i: 1 }] },
      { op_type: 'Selu', input: ['h'], output: ['y'], name: 'act' },
    ]);
    expect(() => importOnnx(decodeOnnx(bytes, 'm.onnx'), { source: 'm.onnx' })).toThrow(/m\.onnx: node "act" \(Selu\): operator not supported by the importer \(supported: Gemm, MatMul/);
  });

  it('a residual connection (a node reading an earlier activation)', () => {
    const bytes = graphBytes([
      { op_type: 'Gemm', input: ['x', 'W', 'b'], output: ['h'], name: 'fc', attribute: [{ name: 'transB', type: 2, i: 1 }] },
      { op_type: 'Tanh', input: ['h'], output: ['t'], name: 'act' },
      { op_type: 'Add', input: ['t', 'x'], output: ['y'], name: 'skip' },
    ]);
    expect(() => importOnnx(decodeOnnx(bytes))).toThrow(/node "skip" \(Add\): reads "x" besides the previous layer's output "t": only single-path graphs/);
  });

  it('cross-entropy on a graph that ends in Softmax is refused (it takes logits)', async () => {
    await expect(lmechHessian('--model', `${FIX}/misc.onnx`, '--data', `${FIX}/misc-data.json`, '--loss', 'cross-entropy'))
      .rejects.toThrow(/--loss cross-entropy: takes logits, but .*misc\.onnx ends in a Softmax \(node "\/Softmax"\)/);
  });

  it('unsupported attributes, bad files and mismatched weights', () => {
    const grouped = graphBytes([{ op_type: 'Gemm', input: ['x', 'W', 'b'], output: ['y'], name: 'fc', attribute: [{ name: 'alpha', type: 1, f: 2 }] }]);
    expect(() => importOnnx(decodeOnnx(grouped))).toThrow(/node "fc" \(Gemm\): alpha = 2, beta = 1: only alpha = beta = 1/);
    expect(() => decodeOnnx(Uint8Array.of(1, 2, 3, 4, 5), 'junk.onnx')).toThrow(OnnxError);
    const ok = graphBytes([{ op_type: 'MatMul', input: ['x', 'W'], output: ['y'], name: 'mm' }]);
    expect(() => importOnnx(decodeOnnx(ok), { weights: new Map([['W', { shape: [3, 2], data: [1, 2, 3, 4, 5, 6] }]]) })).toThrow(/weights: tensor "W" has shape \[3,2\], the graph's initializer has \[2,2\]/);
    expect(() => importOnnx(decodeOnnx(ok), { weights: new Map([['fc.weight', { shape: [2, 2], data: [1, 2, 3, 4] }]]) })).toThrow(/weights: "fc\.weight" is not a parameter of the graph \(its parameters: "W"\)/);
    // MatMul x·W with W [K, N] becomes dense with W' = Wᵀ: y = x Wᵀ'ᵀ.
    const m = importOnnx(decodeOnnx(ok));
    const y = m.model.apply(m.params, new Tensor(Float64Array.of(1, 1, 2, -1), [2, 2]));
    expect(Array.from(y.data)).toEqual([1 + 3, 2 + 4, 2 - 3, 4 - 4]);
  });
});

afterAll(() => {
  // The figures for the report (max relative difference per model over loss, ‖∇L‖, λ₁..₃).
  console.log('ONNX vs PyTorch, max relative difference:', JSON.stringify(worst));
});
