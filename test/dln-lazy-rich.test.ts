import { describe, expect, it } from 'vitest';
import { Rng } from '../src/engine/rng.js';
import { type Mat, eigh, eigvalsh, mat, matmul, randomOrthogonal, transpose } from '../src/engine/linalg/index.js';
import * as libm from '../src/engine/libm.js';
import {
  balanceOf, gramsOf, lambdaBalancedInit, ntkNormSquared, ntkTopEigenvalue, riccatiSolution, twoLayerLinearObjective,
} from '../src/theory/dln-riccati.js';
import { modeTrajectory } from '../src/theory/dln.js';
import { gradientFlow } from '../src/training/flow.js';
import { dlnLazyRichExperiment, type DlnLazyRichResult } from '../src/experiments/dln-lazy-rich.js';
import { runExperiment } from '../src/experiments/runner.js';

function target(k: number, d: number, sv: number[], rng: Rng): Mat {
  const U = randomOrthogonal(k, rng.split('U')), V = randomOrthogonal(d, rng.split('V'));
  const T = mat(k, d);
  for (let i = 0; i < k; i++) for (let j = 0; j < d; j++) {
    let s = 0;
    for (let m = 0; m < Math.min(k, d); m++) s += U.data[i * k + m] * (sv[m] ?? 0) * V.data[j * d + m];
    T.data[i * d + j] = s;
  }
  return T;
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => { let m = 0; for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i])); return m; };

/** e^{−Ct} for symmetric C. */
function expSym(C: Mat, t: number): Mat {
  const { values, vectors: V } = eigh(C);
  const n = C.rows, out = mat(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let m = 0; m < n; m++) s += V.data[i * n + m] * libm.exp(-values[m] * t) * V.data[j * n + m];
    out.data[i * n + j] = s;
  }
  return out;
}

describe('λ-balanced init', () => {
  it('is exactly λ-balanced for either sign, and rejects impossible shapes', () => {
    const rng = new Rng(4);
    for (const [d, h, k, lambda] of [[5, 3, 4, 2.5], [5, 3, 4, -1.5], [3, 3, 3, 0], [6, 1, 1, -4], [6, 1, 1, 4]]) {
      const { W1, W2 } = lambdaBalancedInit({ inputs: d, hidden: h, outputs: k }, lambda, 0.7, rng.split(`${d}${h}${k}${lambda}`));
      const b = balanceOf(W1, W2);
      expect(b.lambda).toBeCloseTo(lambda, 12);
      expect(b.residual).toBeLessThan(1e-12 * (1 + Math.abs(lambda)));
    }
    expect(() => lambdaBalancedInit({ inputs: 4, hidden: 3, outputs: 2 }, 1, 0.1, rng)).toThrow(/hidden/);
    expect(() => lambdaBalancedInit({ inputs: 2, hidden: 3, outputs: 4 }, -1, 0.1, rng)).toThrow(/hidden/);
  });
});

describe('exact Riccati solution', () => {
  it('matches RK4 of the full matrix flow (rectangular shapes, both signs of λ, large and small init)', () => {
    const rng = new Rng(9);
    for (const [d, h, k, lambda, scale] of [[4, 4, 4, 0, 0.05], [5, 3, 4, 1.5, 0.5], [4, 3, 2, -2, 0.3], [3, 2, 3, 0.7, 1.5], [6, 1, 1, -3, 0.2]]) {
      const T = target(k, d, [2.5, 1.5, 0.7, 0.3], rng.split(`T${d}${h}${k}`));
      const { W1, W2 } = lambdaBalancedInit({ inputs: d, hidden: h, outputs: k }, lambda, scale, rng.split(`I${d}${h}${k}`));
      const times = [0, 0.3, 1, 2.5, 6];
      const sol = riccatiSolution(T, W1, W2, [6, 0.3, 2.5, 0, 1]); // any order
      const byT = new Map(sol.map((s) => [s.t, s]));
      const obj = twoLayerLinearObjective(T, h);
      const seen: Float64Array[] = [];
      let i = 0;
      gradientFlow(obj, new Float64Array([...W1.data, ...W2.data]), { dt: 0.001, tEnd: 6, onStep: (t, th) => { if (Math.abs(t - times[i]) < 1e-9) { seen.push(Float64Array.from(th)); i++; } } });
      expect(seen.length).toBe(times.length);
      times.forEach((t, j) => {
        const W1t = mat(h, d, seen[j].subarray(0, h * d)), W2t = mat(k, h, seen[j].subarray(h * d));
        const g = gramsOf(W1t, W2t), s = byT.get(t)!;
        expect(maxAbsDiff(g.P.data, s.P.data), `P at t=${t} (${d},${h},${k},λ=${lambda})`).toBeLessThan(1e-9);
        expect(maxAbsDiff(g.A.data, s.A.data)).toBeLessThan(1e-9);
        expect(maxAbsDiff(g.B.data, s.B.data)).toBeLessThan(1e-9);
      });
    }
  });

  it('keeps the balance identity PPᵀ = B² − λB (h = k) along the solution', () => {
    const rng = new Rng(2);
    const T = target(3, 5, [2, 1, 0.5], rng.split('T'));
    const lambda = 1.3;
    const { W1, W2 } = lambdaBalancedInit({ inputs: 5, hidden: 3, outputs: 3 }, lambda, 0.4, rng.split('I'));
    for (const s of riccatiSolution(T, W1, W2, [0, 0.5, 2, 10])) {
      const PPt = matmul(s.P, transpose(s.P)), B2 = matmul(s.B, s.B);
      expect(maxAbsDiff(PPt.data, B2.data.map((v, i) => v - lambda * s.B.data[i]))).toBeLessThan(1e-10);
    }
  });

  it('λ = 0, task-aligned small init: Saxe’s logistic for every mode', () => {
    const n = 3, sv = [3, 1.5, 0.4], s0 = 0.01;
    const rng = new Rng(5);
    const U = randomOrthogonal(n, rng.split('U')), V = randomOrthogonal(n, rng.split('V')), O = randomOrthogonal(n, rng.split('O'));
    const T = mat(n, n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) { let s = 0; for (let m = 0; m < n; m++) s += U.data[i * n + m] * sv[m] * V.data[j * n + m]; T.data[i * n + j] = s; }
    const W1 = matmul(O, transpose(V)), W2 = matmul(U, transpose(O));
    for (let i = 0; i < n * n; i++) { W1.data[i] *= s0; W2.data[i] *= s0; }
    const times = [0, 1, 2, 3, 5, 8, 14, 20];
    const sol = riccatiSolution(T, W1, W2, times);
    for (let m = 0; m < n; m++) {
      const u = modeTrajectory(sv[m], s0 * s0, 2, times);
      sol.forEach((s, j) => {
        let v = 0;
        for (let i = 0; i < n; i++) for (let q = 0; q < n; q++) v += U.data[i * n + m] * s.P.data[i * n + q] * V.data[q * n + m];
        expect(Math.abs(v - u[j])).toBeLessThan(1e-9 * sv[m]);
      });
    }
  });

  it('large λ is lazy: the product follows the fixed-kernel model T − e^{−K₀t}[T − P₀]', () => {
    const rng = new Rng(7);
    const T = target(3, 3, [2, 1, 0.5], rng.split('T'));
    const lambda = 400;
    const { W1, W2 } = lambdaBalancedInit({ inputs: 3, hidden: 3, outputs: 3 }, lambda, 0.1, rng.split('I'));
    const g0 = gramsOf(W1, W2);
    const times = [0, 0.001, 0.003, 0.01, 0.03];
    let worst = 0;
    for (const s of riccatiSolution(T, W1, W2, times)) {
      // K₀[M] = B₀M + MA₀ ⇒ e^{−K₀t}M = e^{−B₀t} M e^{−A₀t}
      const E0 = mat(3, 3, T.data.map((v, i) => v - g0.P.data[i]));
      const lin = matmul(matmul(expSym(g0.B, s.t), E0), expSym(g0.A, s.t));
      worst = Math.max(worst, maxAbsDiff(s.P.data, T.data.map((v, i) => v - lin.data[i])));
    }
    // deviation of order ‖T‖³/λ (the kernel moves by ‖T‖²/λ relative to λ)
    expect(worst).toBeLessThan(8 / lambda);
  });
});

describe('NTK operator', () => {
  it('‖K‖_F and λ_max of K = I⊗B + A⊗I agree with the explicit Kronecker matrix', () => {
    const rng = new Rng(3);
    const { W1, W2 } = lambdaBalancedInit({ inputs: 3, hidden: 2, outputs: 2 }, 0.8, 1, rng);
    const { A, B } = gramsOf(W1, W2);
    const d = 3, k = 2, n = d * k;
    // vec(M) row-major over (i, j), i ∈ outputs, j ∈ inputs: (BM + MA)_{ij} = Σ_p B_ip M_pj + Σ_q M_iq A_qj
    const K = mat(n, n);
    for (let i = 0; i < k; i++) for (let j = 0; j < d; j++) {
      for (let p = 0; p < k; p++) K.data[(i * d + j) * n + p * d + j] += B.data[i * k + p];
      for (let q = 0; q < d; q++) K.data[(i * d + j) * n + i * d + q] += A.data[q * d + j];
    }
    expect(ntkNormSquared(A, B)).toBeCloseTo(K.data.reduce((a, v) => a + v * v, 0), 10);
    const ev = eigvalsh(K);
    expect(ntkTopEigenvalue(A, B)).toBeCloseTo(ev[ev.length - 1], 10);
  });

  it('the objective’s gradient matches central differences', () => {
    const rng = new Rng(1);
    const T = target(2, 3, [1.5, 0.5], rng.split('T'));
    const obj = twoLayerLinearObjective(T, 2);
    const th = rng.normals(obj.dim, 0.7);
    const { grad } = obj.valueAndGrad(th);
    for (let i = 0; i < obj.dim; i++) {
      const e = 1e-6, p = Float64Array.from(th), m = Float64Array.from(th);
      p[i] += e; m[i] -= e;
      expect(grad[i]).toBeCloseTo((obj.value(p) - obj.value(m)) / (2 * e), 7);
    }
  });
});

describe('dln-lazy-rich experiment', () => {
  it('quick config is confirmed; rich at λ = 0, lazy at large |λ|', async () => {
    const out = await runExperiment(dlnLazyRichExperiment, { ...dlnLazyRichExperiment.quick });
    expect(out.record.verdict).toBe('confirmed');
    const r = out.result as DlnLazyRichResult;
    const at = (l: number) => r.cells.find((q) => q.lambda === l)!;
    expect(at(0).movementPredicted).toBeGreaterThan(10);
    expect(at(16).movementPredicted).toBeLessThan(0.05);
    expect(at(-16).movementPredicted).toBeLessThan(0.05);
  });

  it('variants reach their expected verdicts (single neuron, Saxe limit, generic init, coarse step)', async () => {
    for (const v of dlnLazyRichExperiment.variants!) {
      const out = await runExperiment(dlnLazyRichExperiment, { ...dlnLazyRichExperiment.quick, ...v.config });
      expect(out.record.verdict, v.label).toBe(v.expect);
    }
  });

  it('bad shapes are named', () => {
    expect(() => dlnLazyRichExperiment.predict(dlnLazyRichExperiment.schema.parse({ inputs: 4, hidden: 3, outputs: 2, singularValues: [1] }))).toThrow(/outputs ≥ hidden/);
    expect(() => dlnLazyRichExperiment.predict(dlnLazyRichExperiment.schema.parse({ init: 'aligned', hidden: 3 }))).toThrow(/aligned/);
  });
});
