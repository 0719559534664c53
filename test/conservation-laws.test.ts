/**
 * Noether conservation laws (src/theory/noether.ts, src/observables/conservation.ts additions,
 * src/experiments/conservation-laws.ts) against independent routes: hand-computed charges, the
 * expanded square ‖(1 − ηλ)θ − ηg‖² with a planted orthogonal g, closed-form integrals, the loss's
 * invariance under each symmetry (forward passes only) and the gradient identities it implies,
 * exact discrete identities along SGD with weight decay, RK4 flow conservation at O(dt⁴) on the
 * smooth (linear-activation) network, and the verdicts of the quick config and its variants.
 */
import { describe, expect, test } from 'vitest';
import { Rng } from '../src/engine/rng.js';
import { tensor, noGrad, type Tensor } from '../src/engine/tensor.js';
import { grad } from '../src/engine/autodiff.js';
import { fromRows } from '../src/engine/linalg/index.js';
import { neuronNorms, rescaleCharges, squaredNorm, translationCharges } from '../src/observables/conservation.js';
import { decayFactors, firstOrderDrift, flowCharge, quadraticStep, translationStep } from '../src/theory/noether.js';
import { conservationInternals as I, conservationLawsExperiment as E, conservationLawsSchema } from '../src/experiments/conservation-laws.js';
import { runExperiment } from '../src/experiments/runner.js';
import * as libm from '../src/engine/libm.js';

describe('charges (hand-computed)', () => {
  const Win = fromRows([[1, 2], [0, -1], [3, 0]]); // 3 neurons, 2 inputs
  const b = [1, 2, 0];
  const Wout = fromRows([[1, 0, 2], [2, 1, 0]]); // 2 outputs
  test('neuronNorms and rescaleCharges', () => {
    const { incoming, outgoing } = neuronNorms(Win, b, Wout);
    expect(Array.from(incoming)).toEqual([6, 5, 9]);
    expect(Array.from(outgoing)).toEqual([5, 1, 4]);
    expect(Array.from(rescaleCharges(Win, b, Wout))).toEqual([1, 4, 5]);
    expect(Array.from(rescaleCharges(Win, null, Wout))).toEqual([0, 0, 5]);
    expect(() => neuronNorms(Win, b, fromRows([[1, 2]]))).toThrow(/Wout/);
  });
  test('translationCharges and squaredNorm', () => {
    expect(Array.from(translationCharges(Wout, [0.5, -2]))).toEqual([3, 1, 2, -1.5]);
    expect(Array.from(translationCharges(Wout))).toEqual([3, 1, 2]);
    expect(squaredNorm([1, 2], [3])).toBe(14);
  });
});

describe('noether theory', () => {
  test('quadraticStep equals ‖(1 − ηλ)θ − ηg‖² for g ⟂ θ (scale symmetry)', () => {
    const rng = new Rng(1);
    const th = rng.normals(9), raw = rng.normals(9);
    const dotp = raw.reduce((a, v, i) => a + v * th[i], 0), n2 = squaredNorm(th);
    const g = raw.map((v, i) => v - (dotp / n2) * th[i]);
    const lr = 0.7, wd = 0.2;
    const next = th.map((v, i) => (1 - lr * wd) * v - lr * g[i]);
    expect(quadraticStep(n2, squaredNorm(g), lr, wd)).toBeCloseTo(squaredNorm(next), 13);
    // Rescale: groups A1 = (θ₁, θ₂), A2 = (θ₃) with ⟨g_A1, θ_A1⟩ = ⟨g_A2, θ_A2⟩.
    const a = [1, 2], ga = [0.5, 0.25], c = [2], gc = [0.5]; // ⟨ga, a⟩ = 1 = ⟨gc, c⟩
    const step = (v: number[], gv: number[]) => v.map((x, i) => (1 - lr * wd) * x - lr * gv[i]);
    const D1 = squaredNorm(step(a, ga)) - squaredNorm(step(c, gc));
    expect(quadraticStep(squaredNorm(a) - squaredNorm(c), squaredNorm(ga) - squaredNorm(gc), lr, wd)).toBeCloseTo(D1, 14);
  });

  test('translationStep, decayFactors, flowCharge', () => {
    expect(Array.from(translationStep([2, -4], 0.5, 0.1))).toEqual([1.9, -3.8]);
    expect(decayFactors(0.5, 0.1)).toEqual({ translation: 0.95, quadratic: 0.95 * 0.95 });
    expect(flowCharge(3, 0.25, 2, 2)).toBeCloseTo(3 * libm.exp(-1), 15);
    expect(flowCharge(3, 0, 5, 1)).toBe(3);
    expect(() => quadraticStep(1, 1, -1, 0)).toThrow(/lr/);
  });

  test('firstOrderDrift: η∫₀ᵀ e^{−2λ(T−τ)} s(τ)dτ against closed forms', () => {
    const T = 2, n = 2001, lam = 0.3, lr = 0.05;
    const ts = Array.from({ length: n }, (_, j) => (j * T) / (n - 1));
    const ones = ts.map(() => 1);
    expect(firstOrderDrift(lr, 0, ts, ones)).toBeCloseTo(lr * T, 14);
    const exact = lr * (1 - libm.exp(-2 * lam * T)) / (2 * lam);
    expect(Math.abs(firstOrderDrift(lr, lam, ts, ones) - exact) / exact).toBeLessThan(1e-6);
    expect(() => firstOrderDrift(lr, 0, [0], [1])).toThrow(/same length/);
  });
});

describe('symmetries of the experiment network', () => {
  const c = conservationLawsSchema.parse({ seed: 3 });
  const task = I.mixture(c, new Rng(3).split('data'));
  const ps = I.initParams(c, new Rng(3).split('init'));
  const sh = I.shapes(c);
  const X = tensor(task.X, [c.samples, c.dim]), Y = tensor(task.Y, [c.samples, c.classes]);
  const f = I.lossOf(c, X, Y) as (...p: Tensor[]) => Tensor;
  const L = (q: Float64Array[]) => noGrad(() => f(...q.map((p, i) => tensor(p, sh[i])))).item();
  const L0 = L(ps);

  test('the loss is invariant under scale, rescale and translation (forward passes)', () => {
    const scaled = ps.map((p, i) => (i < 2 ? p.map((v) => 3.7 * v) : p.slice()));
    expect(Math.abs(L(scaled) - L0) / L0).toBeLessThan(1e-13);
    const k = 5, a = 2.5, h = c.hidden;
    const rescaled = ps.map((p) => p.slice());
    for (let j = 0; j < h; j++) rescaled[2][k * h + j] *= a;
    rescaled[3][k] *= a;
    for (let cc = 0; cc < c.classes; cc++) rescaled[4][cc * h + k] /= a;
    expect(Math.abs(L(rescaled) - L0) / L0).toBeLessThan(1e-13);
    const shifted = ps.map((p) => p.slice());
    const v = new Rng(9).normals(h);
    for (let cc = 0; cc < c.classes; cc++) { for (let j = 0; j < h; j++) shifted[4][cc * h + j] += v[j]; shifted[5][cc] += 1.3; }
    expect(Math.abs(L(shifted) - L0) / L0).toBeLessThan(1e-13);
  });

  test('…hence the gradient identities ⟨g_A, θ_A⟩ = 0, ⟨g_in, θ_in⟩ = ⟨g_out, θ_out⟩ per neuron, Σ_c g_c = 0', () => {
    const gs = grad(f, ps.map((p, i) => tensor(p, sh[i]))).map((g) => g.data as Float64Array);
    const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => { let s = 0; for (let i = 0; i < a.length; i++) s += a[i] * b[i]; return s; };
    const gScale = Math.sqrt(squaredNorm(gs[0], gs[1]) * squaredNorm(ps[0], ps[1]));
    expect(Math.abs(dot(gs[0], ps[0]) + dot(gs[1], ps[1])) / gScale).toBeLessThan(1e-13);
    const h = c.hidden;
    for (let k = 0; k < h; k++) {
      let inn = gs[3][k] * ps[3][k], out = 0;
      for (let j = 0; j < h; j++) inn += gs[2][k * h + j] * ps[2][k * h + j];
      for (let cc = 0; cc < c.classes; cc++) out += gs[4][cc * h + k] * ps[4][cc * h + k];
      expect(Math.abs(inn - out)).toBeLessThan(1e-14 + 1e-12 * (Math.abs(inn) + Math.abs(out)));
    }
    const colSums = translationCharges({ rows: c.classes, cols: h, data: gs[4] }, gs[5]);
    expect(Math.max(...colSums.map(Math.abs))).toBeLessThan(1e-15);
  });
});

describe('conservation-laws experiment', () => {
  test('quick: exact identities ≤ 1e-10 along SGD with decay, flow conserves, GD breaks at O(η): confirmed', async () => {
    const out = await runExperiment(E, { ...E.quick });
    const byName = (s: string) => out.record.checks.find((ch) => ch.name.startsWith(s))!;
    for (const law of ['translation identity', 'scale identity', 'rescale identity']) {
      expect(byName(law).measured as number).toBeLessThan(1e-12);
    }
    expect(byName('scale charge broken by GD').measured as number).toBeGreaterThan(0.85);
    expect(out.record.verdict).toBe('confirmed');
  }, 60000);

  test('linear activation (smooth field): RK4 drift of the quadratic charges is O(dt⁴)', async () => {
    const v = E.variants!.find((x) => x.label.startsWith('linear'))!;
    const out = await runExperiment(E, { ...v.config });
    const orders = out.record.checks.filter((ch) => ch.name.includes('RK4 order 4'));
    expect(orders.length).toBe(2);
    for (const o of orders) expect(Math.abs((o.measured as number) - 4)).toBeLessThan(1);
    expect(out.record.verdict).toBe('confirmed');
  }, 60000);

  test('momentum: out of regime, the rescale identity visibly broken', async () => {
    const v = E.variants!.find((x) => x.label.startsWith('heavy-ball'))!;
    const out = await runExperiment(E, { ...v.config });
    expect(out.record.verdict).toBe('out-of-regime');
    expect(out.record.checks.find((ch) => ch.name.startsWith('rescale identity'))!.measured as number).toBeGreaterThan(1e-4);
  }, 60000);

  test('control: LayerNorm ε > 0 falsifies the scale identity', async () => {
    const v = E.variants!.find((x) => x.label.startsWith('control'))!;
    const out = await runExperiment(E, { ...v.config });
    expect(out.record.verdict).toBe('falsified');
    expect(out.record.checks.find((ch) => ch.name.startsWith('scale identity'))!.verdict).toBe('falsified');
    expect(out.record.checks.find((ch) => ch.name.startsWith('rescale identity'))!.verdict).toBe('confirmed');
  }, 60000);

  test('bad input names the field', () => {
    expect(() => E.predict(conservationLawsSchema.parse({ batch: 200, samples: 100 }))).toThrow(/--batch/);
  });
});
