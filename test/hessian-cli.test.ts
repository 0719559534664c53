import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../src/engine/rng.js';
import { tensor, type Tensor } from '../src/engine/tensor.js';
import { mseLoss, scale } from '../src/engine/ops.js';
import { flatLoss, flatten } from '../src/engine/params.js';
import { eigvalsh } from '../src/engine/linalg/index.js';
import { initMlp, mlpForward, type MlpSpec } from '../src/models/mlp.js';
import { empiricalNtk } from '../src/observables/ntk.js';
import { denseHessian } from '../src/observables/hessian.js';
import { saveCheckpoint } from '../src/io/checkpoint.js';
import { lmechHessian } from './support/hessian-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'lmech-hessian-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));


const spec: MlpSpec = { widths: [3, 6, 2], activation: 'tanh', sigmaB: 0.3 };
const rng = new Rng(42);
const params = initMlp(spec, rng.split('init'));
const n = 10;
const xr = new Rng(7);
const X = Array.from({ length: n }, () => Array.from(xr.normals(3)));
const Yrows = X.map(() => Array.from(xr.normals(2)));
const labels = X.map((_, i) => i % 2);
const model = join(dir, 'model.json');
saveCheckpoint(model, { spec, loss: 'mse', dtype: 'f64', params, names: [] });
const modelCe = join(dir, 'model-ce.json');
saveCheckpoint(modelCe, { spec, loss: 'cross-entropy', dtype: 'f32', params: initMlp(spec, rng.split('init'), 'f32'), names: [] });
const data = join(dir, 'data.json');
writeFileSync(data, JSON.stringify({ x: X, y: Yrows }));
const dataCe = join(dir, 'data-ce.json');
writeFileSync(dataCe, JSON.stringify({ x: X, y: labels }));

/** Ground truth from the dense Hessian (built column by column) and eigh. */
function truth() {
  const Xt = tensor(X), Yt = tensor(Yrows);
  const fl = flatLoss((...ps: Tensor[]) => scale(mseLoss(mlpForward(spec, ps, Xt), Yt), 0.5), params);
  const theta = flatten(params);
  const H = denseHessian((v) => fl.hvp(theta, v), theta.length);
  const K = empiricalNtk((ps, x) => mlpForward(spec, ps, x), params, Xt, undefined, { mode: 'full' });
  return { H, P: theta.length, ev: eigvalsh(H), ntkMax: eigvalsh(K)[K.rows - 1] };
}

describe('lmech hessian', () => {
  it('--json: top-k, power, trace, density, per-layer and the NTK line agree with the dense Hessian', async () => {
    const out = await lmechHessian('--model', model, '--data', data, '--top-k', '3', '--trace', '--density', '--per-layer', '--power', '--json', '--tol', '1e-10', '--max-probes', '20000', '--trace-tol', '0.02');
    const r = JSON.parse(out);
    const t = truth();
    expect(r.model).toMatchObject({ kind: 'mlp', widths: [3, 6, 2], parameters: t.P, loss: 'mse' });
    expect(r.data).toEqual({ examples: n, inputs: 3, outputs: 2, input: 'features' });
    for (let i = 0; i < 3; i++) expect(Math.abs(r.top.values[i] - t.ev[t.P - 1 - i])).toBeLessThan(1e-8 * t.ev[t.P - 1]);
    expect(r.sharpness).toBe(r.top.values[0]);
    expect(r.gdMaxStableLr).toBeCloseTo(2 / t.ev[t.P - 1], 8);
    const dominant = Math.max(Math.abs(t.ev[0]), Math.abs(t.ev[t.P - 1]));
    expect(Math.abs(Math.abs(r.power.value) - dominant)).toBeLessThan(1e-5 * dominant);
    // NTK line: λ_max(G) = λ_max(NTK)/n, from an independently built NTK Gram matrix.
    expect(r.gaussNewton.ntkLambdaMax).toBeCloseTo(t.ntkMax, 6);
    expect(r.gaussNewton.ntkMaxStableLr).toBeCloseTo((2 * n) / t.ntkMax, 8);
    // Trace with its standard error.
    let tr = 0;
    for (let i = 0; i < t.P; i++) tr += t.H.data[i * t.P + i];
    expect(r.trace.converged).toBe(true);
    expect(Math.abs(r.trace.value - tr)).toBeLessThan(4 * r.trace.stderr);
    // Density integrates to 1.
    let mass = 0;
    for (let i = 1; i < r.density.grid.length; i++) mass += 0.5 * (r.density.density[i] + r.density.density[i - 1]) * (r.density.grid[i] - r.density.grid[i - 1]);
    expect(mass).toBeCloseTo(1, 3);
    // Per layer: names, sizes, block top eigenvalue vs eigh of the diagonal block, block traces.
    expect(r.perLayer.map((b: any) => b.name)).toEqual(['W1', 'b1', 'W2', 'b2']);
    let off = 0;
    for (const b of r.perLayer) {
      const s = b.parameters;
      const sub = { rows: s, cols: s, data: new Float64Array(s * s) };
      let btr = 0;
      for (let i = 0; i < s; i++) { btr += t.H.data[(off + i) * t.P + off + i]; for (let j = 0; j < s; j++) sub.data[i * s + j] = t.H.data[(off + i) * t.P + off + j]; }
      const ev = eigvalsh(sub);
      expect(Math.abs(b.top.values[0] - ev[s - 1])).toBeLessThan(1e-8 * Math.max(1e-12, Math.abs(ev[s - 1]), Math.abs(ev[0])));
      expect(Math.abs(b.trace.value - btr)).toBeLessThan(4 * b.trace.stderr + 1e-12);
      expect(b.density.lambdaMax).toBeLessThanOrEqual(ev[s - 1] + 1e-8);
      off += s;
    }
  });

  it('text output for a cross-entropy f32 checkpoint with class labels', async () => {
    const out = await lmechHessian('--model', modelCe, '--data', dataCe, '--top-k', '2', '--trace', '--per-layer');
    expect(out).toMatch(/MLP \[3, 6, 2\] tanh, 38 parameters \(f32\), loss cross-entropy/);
    expect(out).toMatch(/top-2 Hessian eigenvalues \(Lanczos/);
    expect(out).toMatch(/GD max stable learning rate 2\/λ_max = /);
    expect(out).toMatch(/trace \(Hutchinson, \d+ Rademacher probes.*\): .* ± /);
    expect(out).toMatch(/per layer \(block Hessians H_bb\)/);
    expect(out).not.toMatch(/Gauss–Newton/);
  });

  it('--per-layer: each block stops at its own tolerance, and a block that did not converge is flagged (issue 10 §4)', async () => {
    // A cap of 2 Lanczos steps: the 1-parameter-per-class bias block is exact (its Krylov space is
    // exhausted), the weight blocks cannot reach 1e-12 in 2 steps.
    const out = await lmechHessian('--model', modelCe, '--data', dataCe, '--top-k', '1', '--per-layer', '--tol', '1e-12', '--max-iter', '2');
    expect(out).toMatch(/W1 .*NOT converged \(residual/);
    expect(out).toMatch(/blocks not converged to their tolerance: W1/);
    const ok = await lmechHessian('--model', modelCe, '--data', dataCe, '--top-k', '1', '--per-layer', '--tol', '1e-8');
    expect(ok).not.toMatch(/NOT converged/);
    expect(ok).not.toMatch(/blocks not converged/);
    const j = JSON.parse(await lmechHessian('--model', modelCe, '--data', dataCe, '--top-k', '1', '--per-layer', '--tol', '1e-12', '--max-iter', '2', '--json'));
    expect(j.perLayer.find((b: { name: string }) => b.name === 'W1').top.converged).toBe(false);
    await expect(lmechHessian('--model', modelCe, '--data', dataCe, '--max-iter', '-1')).rejects.toThrow(/--max-iter: must be an integer in \[0, 1000000\]/);
  });

  it('bad input: clear errors naming the flag or the field', async () => {
    await expect(lmechHessian('--model', join(dir, 'nope.json'), '--data', data)).rejects.toThrow(/nope\.json: cannot read \(ENOENT\)/);
    await expect(lmechHessian('--model', model, '--data', data, '--top-k', 'abc')).rejects.toThrow(/--top-k: must be an integer in \[1, 1000\] \(got "abc"\)/);
    await expect(lmechHessian('--model', model, '--data', data, '--trace-tol', '0')).rejects.toThrow(/--trace-tol: must be a number in \(0, 1\]/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ x: [[1, 2]], y: [[1, 2]] }));
    await expect(lmechHessian('--model', model, '--data', bad)).rejects.toThrow(/bad\.json: x\[0\]: must be an array of 3 numbers/);
    await expect(lmechHessian('--model', model, '--data', dataCe)).rejects.toThrow(/y: is a flat array, but the model has 2 outputs/);
    await expect(lmechHessian('--data', data)).rejects.toThrow(/--model/);
  });
});
