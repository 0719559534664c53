/**
 * models/two-layer.ts on every backend (reference, wasm, native where it loads): the matmul
 * formulation of the forward pass, the ½-MSE gradient and the closed-form tangent kernel against
 * independent routes written from the definitions, one sample and one neuron at a time:
 *   f(x) = (α/m) Σ_i a_i ReLU(w_iᵀx)                       (plain loops)
 *   ∇L   = central finite differences of L = (1/2n) Σ_r (f(x_r) − y_r)² (plain-loop L)
 *   K_rs = ∇θf(x_r)·∇θf(x_s), ∇θf from finite differences of the plain-loop f
 * Sizes are chosen so the wasm backend takes its kernel path (m·k·n above its 512 cutoff).
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Backend } from '../src/engine/backend/types.js';
import { backend, referenceBackend, setBackend } from '../src/engine/backend/index.js';
import { createWasmBackend } from '../src/engine/backend/wasm.js';
import { createNativeBackend } from '../src/engine/backend/native.js';
import { Rng } from '../src/engine/rng.js';
import type { Mat } from '../src/engine/linalg/index.js';
import {
  gaussianInputs, initTwoLayer, splitTheta, twoLayerFeatures, twoLayerForward, twoLayerNtk, twoLayerObjective, type TwoLayerShape,
} from '../src/models/two-layer.js';
import { fdGrad, relErr } from './support/fd.js';

const s: TwoLayerShape = { m: 24, d: 3, alpha: 2.5 };
const rng = new Rng(7);
const X = gaussianInputs(40, s.d, rng.split('x'));
const X2 = gaussianInputs(9, s.d, rng.split('x2'));
const y = rng.split('y').normals(40);
const theta = initTwoLayer(s, rng.split('init'), { symmetric: false, balanced: false });

/** f(x_r) from the definition, one neuron at a time. */
function loopForward(th: Float64Array, Xm: Mat): Float64Array {
  const { W, a } = splitTheta(th, s);
  const out = new Float64Array(Xm.rows);
  for (let r = 0; r < Xm.rows; r++) {
    let f = 0;
    for (let i = 0; i < s.m; i++) {
      let z = 0;
      for (let j = 0; j < s.d; j++) z += W[i * s.d + j] * Xm.data[r * s.d + j];
      f += a[i] * Math.max(z, 0);
    }
    out[r] = (s.alpha / s.m) * f;
  }
  return out;
}

function loopLoss(th: Float64Array): number {
  const f = loopForward(th, X);
  let l = 0;
  for (let r = 0; r < f.length; r++) l += (f[r] - y[r]) ** 2;
  return l / (2 * f.length);
}

/** ∇θf(x_r) for every row, by central differences of the plain-loop f (rows × P). */
function fdJacobian(Xm: Mat): Float64Array[] {
  return Array.from({ length: Xm.rows }, (_, r) => {
    const xr: Mat = { rows: 1, cols: s.d, data: Xm.data.subarray(r * s.d, (r + 1) * s.d) };
    return fdGrad((th) => loopForward(th, xr)[0], theta);
  });
}

const dot = (u: Float64Array, v: Float64Array) => u.reduce((acc, x, i) => acc + x * v[i], 0);

const backends: { name: string; make: () => Promise<Backend> }[] = [
  { name: 'reference', make: async () => referenceBackend },
  { name: 'wasm', make: () => createWasmBackend() },
  { name: 'native', make: () => createNativeBackend() },
];

const previous = backend();
afterAll(() => setBackend(previous));

const J1 = fdJacobian(X), J2 = fdJacobian(X2);
const gFd = fdGrad(loopLoss, theta);

describe.each(backends)('two-layer student on the $name backend', ({ name, make }) => {
  let available: Backend | string;
  const use = async (): Promise<boolean> => {
    available ??= await make().catch((e: Error) => e.message);
    if (typeof available === 'string') {
      if (process.env.CI === 'true' || name !== 'native') throw new Error(`${name} backend unavailable: ${available}`);
      console.warn(`skipping native two-layer checks: ${available}`);
      return false;
    }
    setBackend(available);
    return true;
  };

  it('forward pass and features equal the per-neuron definition', async () => {
    if (!(await use())) return;
    expect(relErr(twoLayerForward(theta, s, X), loopForward(theta, X))).toBeLessThan(1e-13);
    const H = twoLayerFeatures(theta, s, X);
    const { W } = splitTheta(theta, s);
    const z = W[5 * s.d] * X.data[3 * s.d] + W[5 * s.d + 1] * X.data[3 * s.d + 1] + W[5 * s.d + 2] * X.data[3 * s.d + 2];
    expect(H.data[3 * s.m + 5]).toBeCloseTo(Math.max(z, 0), 14);
  });

  it('gradient equals finite differences of the plain-loop loss', async () => {
    if (!(await use())) return;
    const obj = twoLayerObjective(s, X, y);
    const { value, grad } = obj.valueAndGrad(theta);
    expect(value).toBeCloseTo(loopLoss(theta), 13);
    expect(obj.value(theta)).toBe(value);
    expect(relErr(grad, gFd)).toBeLessThan(1e-7);
    // The work arrays are reused between calls: a second θ must not see the first one's residual.
    const th2 = theta.map((v, i) => v + 0.01 * Math.sin(i));
    const g2 = obj.valueAndGrad(th2).grad;
    expect(relErr(g2, fdGrad(loopLoss, th2))).toBeLessThan(1e-7);
    expect(relErr(obj.valueAndGrad(theta).grad, grad)).toBe(0);
  });

  it('closed-form NTK equals Jacobian products, and is exactly symmetric on one input set', async () => {
    if (!(await use())) return;
    const K = twoLayerNtk(theta, s, X);
    const Kfd = J1.flatMap((u) => J1.map((v) => dot(u, v)));
    expect(relErr(K.data, Kfd)).toBeLessThan(1e-7);
    for (let r = 0; r < X.rows; r++) for (let q = 0; q < r; q++) expect(K.data[r * X.rows + q]).toBe(K.data[q * X.rows + r]);
    const Kx = twoLayerNtk(theta, s, X, X2);
    expect([Kx.rows, Kx.cols]).toEqual([X.rows, X2.rows]);
    expect(relErr(Kx.data, J1.flatMap((u) => J2.map((v) => dot(u, v))))).toBeLessThan(1e-7);
  });
});

describe('two-layer input checks', () => {
  it('names the mismatched field', () => {
    const bad = gaussianInputs(5, s.d + 1, new Rng(1));
    expect(() => twoLayerForward(theta, s, bad)).toThrow(/X has 4 columns.*d is 3/);
    expect(() => twoLayerObjective(s, X, y.subarray(0, 10))).toThrow(/y has 10 targets, X has 40 rows/);
    expect(() => twoLayerNtk(theta, s, X, bad)).toThrow(/X has 4 columns/);
  });
});
