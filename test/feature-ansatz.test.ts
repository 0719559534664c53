/**
 * Neural feature ansatz estimators (src/observables/feature-ansatz.ts) against independent routes:
 * finite differences and the dense autodiff Jacobian for the per-example Jacobians, closed forms
 * for linear models (AGOP = WᵀW; deep linear: AGOP = MᵀM and (W₁ᵀW₁)^L = AGOP along balanced RK4
 * gradient flow), hand-computed correlations, planted subspaces, a ridge stationary point for FACT;
 * and the experiment's quick configuration and lazy variant reaching their verdicts.
 */
import { describe, expect, test } from 'vitest';
import { Rng } from '../src/engine/rng.js';
import { tensor, type Tensor } from '../src/engine/tensor.js';
import { jacobian } from '../src/engine/autodiff.js';
import { matmulT, scale, square, sub, sum } from '../src/engine/ops.js';
import { flatten } from '../src/engine/params.js';
import { type Mat, eye, fromRows, mat, matmul, qr, randomGaussian, randomOrthogonal, solve, transpose } from '../src/engine/linalg/index.js';
import {
  agop, cosineEntries, factMatrix, factResidual, layerInputJacobians, matrixPower, nfaCorrelation, nfm, pearsonEntries, subspaceAlignment, topEigenvectors,
} from '../src/observables/feature-ansatz.js';
import { dlnForward, endToEnd, layersFromTheta, matsToTensors } from '../src/models/dln.js';
import { gradientFlow } from '../src/training/flow.js';
import { objectiveFromLoss } from '../src/training/objective.js';
import { featureAnsatzExperiment, featureAnsatzInternals } from '../src/experiments/feature-ansatz.js';
import { runExperiment } from '../src/experiments/runner.js';

const relErr = (A: Mat, B: Mat) => {
  let n = 0, d = 0;
  for (let i = 0; i < A.data.length; i++) { n += (A.data[i] - B.data[i]) ** 2; d += B.data[i] ** 2; }
  return Math.sqrt(n / d);
};

describe('per-example Jacobians', () => {
  const rng = new Rng(5);
  const widths = [4, 6, 6, 3];
  const ps = featureAnsatzInternals.initMlp(widths, 1, rng.split('init')).map((p, i) => {
    // Nonzero biases and a non-doubled readout, so the map is generic.
    const q = rng.split(`noise${i}`).normals(p.length, 0.5);
    return tensor(p.map((v, j) => v + q[j]), i % 2 ? [p.length] : [widths[i / 2 + 1], widths[i / 2]]);
  });
  const tail = (h: Tensor) => featureAnsatzInternals.mlpFrom(ps, h, 1, 1.5);
  const H = randomGaussian(5, 6, rng.split('H'));

  test('match central finite differences (layer-2 input, 3 outputs)', () => {
    const J = layerInputJacobians(tail, H);
    expect([J.n, J.c, J.d]).toEqual([5, 3, 6]);
    const h = 1e-6;
    let worst = 0;
    for (let i = 0; i < 5; i++) for (let j = 0; j < 6; j++) {
      const plus = H.data.slice(), minus = H.data.slice();
      plus[i * 6 + j] += h; minus[i * 6 + j] -= h;
      const fp = tail(tensor(plus, [5, 6])).data, fm = tail(tensor(minus, [5, 6])).data;
      for (let k = 0; k < 3; k++) {
        const fd = (fp[i * 3 + k] - fm[i * 3 + k]) / (2 * h);
        worst = Math.max(worst, Math.abs(fd - J.data[(i * 3 + k) * 6 + j]));
      }
    }
    expect(worst).toBeLessThan(1e-7);
  });

  test('equal the diagonal blocks of the dense autodiff Jacobian', () => {
    const J = layerInputJacobians(tail, H);
    const full = jacobian((x) => tail(x), [tensor(Float64Array.from(H.data), [5, 6])]); // (5·3) × (5·6)
    let worst = 0;
    for (let i = 0; i < 5; i++) for (let k = 0; k < 3; k++) for (let i2 = 0; i2 < 5; i2++) for (let j = 0; j < 6; j++) {
      const v = full[(i * 3 + k) * 30 + i2 * 6 + j];
      worst = Math.max(worst, Math.abs(i2 === i ? v - J.data[(i * 3 + k) * 6 + j] : v));
    }
    expect(worst).toBeLessThan(1e-14);
  });
});

describe('AGOP and NFM on linear models (closed forms)', () => {
  test('f(x) = Wx: AGOP = WᵀW = NFM, centered AGOP = 0, correlation 1 with exponent 1', () => {
    const rng = new Rng(1);
    const W = randomGaussian(3, 5, rng.split('W'));
    const Wt = tensor(Float64Array.from(W.data), [3, 5]);
    const J = layerInputJacobians((h) => matmulT(h, Wt, false, true), randomGaussian(7, 5, rng.split('X')));
    const G = agop(J), N = nfm(W);
    expect(relErr(G, N)).toBeLessThan(1e-14);
    expect(Math.max(...agop(J, { centered: true }).data.map(Math.abs))).toBeLessThan(1e-14);
    expect(nfaCorrelation(N, G, 1)).toBeCloseTo(1, 14);
  });

  test('nfm with W0 is (W − W0)ᵀ(W − W0)', () => {
    const W = fromRows([[1, 2], [3, 4], [0, 1]]), W0 = fromRows([[1, 1], [1, 1], [1, 1]]);
    expect(Array.from(nfm(W, W0).data)).toEqual([0 + 4 + 1, 0 + 6 + 0, 0 + 6 + 0, 1 + 9 + 0]);
  });

  test('balanced deep linear net under RK4 gradient flow: (W₁ᵀW₁)^3 = AGOP = MᵀM, corr(W₁ᵀW₁, AGOP^{1/3}) = 1 to 1e-12', () => {
    const d = 4, L = 3, rng = new Rng(7);
    const frames = Array.from({ length: L + 1 }, (_, l) => randomOrthogonal(d, rng.split(`R${l}`)));
    const sig = [0.2, 0.3, 0.45, 0.6];
    const layers0 = Array.from({ length: L }, (_, l) => {
      const S = mat(d, d); sig.forEach((s, i) => { S.data[i * d + i] = s; });
      return matmul(matmul(frames[l + 1], S), transpose(frames[l]));
    });
    const T = randomGaussian(d, d, rng.split('T'));
    const I = tensor(eye(d).data.slice(), [d, d]);
    const target = tensor(transpose(T).data, [d, d]);
    const like = matsToTensors(layers0);
    const obj = objectiveFromLoss((...Ws: Tensor[]) => scale(sum(square(sub(dlnForward(Ws, I), target))), 0.5), like);
    let worstCorr = 0, worstPow = 0, worstMtM = 0, minDeficitOne = Infinity, checked = 0;
    gradientFlow(obj, flatten(like), {
      dt: 0.01, tEnd: 2,
      onStep: (t, th) => {
        if (Math.round(t / 0.01) % 20) return;
        const Ws = layersFromTheta(th, [d, d, d, d]).map((W) => mat(d, d, Float64Array.from(W.data)));
        const G = agop(layerInputJacobians((h) => dlnForward(Ws.map((W) => tensor(W.data, [d, d])), h), eye(d)));
        const M = endToEnd(Ws);
        worstMtM = Math.max(worstMtM, relErr(G, matmul(transpose(M), M)));
        const N = nfm(Ws[0]);
        worstPow = Math.max(worstPow, relErr(matmul(matmul(N, N), N), G));
        worstCorr = Math.max(worstCorr, 1 - pearsonEntries(N, matrixPower(G, 1 / L)));
        minDeficitOne = Math.min(minDeficitOne, 1 - pearsonEntries(N, G));
        checked++;
      },
    });
    expect(checked).toBeGreaterThan(8);
    expect(worstMtM).toBeLessThan(1e-13);
    // RK4 keeps the balance W_{l+1}ᵀW_{l+1} = W_lW_lᵀ to O(dt⁴) (~1e-8 relative at dt = 0.01 over t = 2);
    // 1 − corr is quadratic in that error, hence at roundoff.
    expect(worstPow).toBeLessThan(1e-7);
    expect(worstCorr).toBeLessThan(1e-12);
    // Distinct singular values: exponent 1 is visibly wrong.
    expect(minDeficitOne).toBeGreaterThan(1e-3);
  });
});

describe('matrix power, correlations, subspaces', () => {
  test('matrixPower: (A^{1/2})² = A, (A^{1/3})³ = A, A¹ = A; rank-one projector is a fixed point', () => {
    const rng = new Rng(2);
    const B = randomGaussian(6, 6, rng);
    const A = matmul(transpose(B), B);
    const h = matrixPower(A, 0.5), c = matrixPower(A, 1 / 3);
    expect(relErr(matmul(h, h), A)).toBeLessThan(1e-12);
    expect(relErr(matmul(matmul(c, c), c), A)).toBeLessThan(1e-12);
    expect(relErr(matrixPower(A, 1), A)).toBeLessThan(1e-12);
    const v = [0.6, 0.8, 0];
    const P = mat(3, 3, v.flatMap((a) => v.map((b) => a * b)));
    expect(relErr(matrixPower(P, 1 / 3), P)).toBeLessThan(1e-12); // null eigenvalues cut, not (1e-17)^{1/3}
    expect(() => matrixPower(A, 0)).toThrow(/matrixPower.p/);
  });

  test('pearsonEntries: hand-computed value, invariances, sign', () => {
    const A = fromRows([[1, 2], [3, 4]]), B = fromRows([[2, 1], [4, 5]]);
    // entries (1,2,3,4) vs (2,1,4,5): means 2.5, 3; centered (−1.5,−.5,.5,1.5)·(−1,−2,1,2) = 1.5+1+.5+3 = 6; norms √5, √10
    expect(pearsonEntries(A, B)).toBeCloseTo(6 / Math.sqrt(50), 14);
    const B2 = mat(2, 2, B.data.map((x) => 3.7 * x + 11));
    expect(pearsonEntries(A, B2)).toBeCloseTo(pearsonEntries(A, B), 14);
    expect(pearsonEntries(A, mat(2, 2, A.data.map((x) => -x)))).toBeCloseTo(-1, 14);
    expect(Number.isNaN(pearsonEntries(A, mat(2, 2, [1, 1, 1, 1])))).toBe(true);
  });

  test('cosine is inflated by a shared diagonal, Pearson much less', () => {
    const rng = new Rng(3);
    const d = 20;
    const noise = (r: Rng) => { const E = randomGaussian(d, d, r); const S = mat(d, d, E.data.map((_, q) => (E.data[q] + E.data[(q % d) * d + Math.floor(q / d)]) / 2)); for (let i = 0; i < d; i++) S.data[i * d + i] += 10; return S; };
    const A = noise(rng.split('a')), B = noise(rng.split('b'));
    expect(cosineEntries(A, B)).toBeGreaterThan(0.7);
    expect(pearsonEntries(A, B)).toBeLessThan(cosineEntries(A, B));
  });

  test('subspaceAlignment: same span 1, orthogonal 0, random k/d on average', () => {
    const rng = new Rng(4);
    const d = 12, k = 3;
    const Q = randomOrthogonal(d, rng.split('Q'));
    const cols = (from: number) => mat(d, k, Float64Array.from({ length: d * k }, (_, q) => Q.data[Math.floor(q / k) * d + from + (q % k)]));
    const U = cols(0), V = cols(k);
    const Umix = matmul(U, randomGaussian(k, k, rng.split('mix'))); // another basis of span U
    expect(subspaceAlignment(U, Umix)).toBeCloseTo(1, 12);
    expect(subspaceAlignment(U, V)).toBeLessThan(1e-28 + 1e-14);
    const draws = 400;
    const vals = Array.from({ length: draws }, (_, i) => subspaceAlignment(U, randomGaussian(d, k, rng.split(`r${i}`))));
    const mean = vals.reduce((a, b) => a + b, 0) / draws;
    const sd = Math.sqrt(vals.reduce((a, b) => a + (b - mean) ** 2, 0) / (draws - 1));
    expect(Math.abs(mean - k / d)).toBeLessThan(3 * sd / Math.sqrt(draws));
  });

  test('topEigenvectors of a planted low-rank + small isotropic matrix span the planted subspace', () => {
    const rng = new Rng(6);
    const d = 10, k = 2;
    const U = qr(randomGaussian(d, k, rng)).Q;
    const A = matmul(U, mat(k, d, transpose(U).data.map((x, q) => x * (q < d ? 5 : 3))));
    for (let i = 0; i < d; i++) A.data[i * d + i] += 0.01;
    expect(subspaceAlignment(topEigenvectors(A, k), U)).toBeCloseTo(1, 10);
  });
});

describe('FACT', () => {
  test('ridge regression optimum: WᵀW = FACT to 1e-10; off the optimum the residual is ‖(G + λW)ᵀW‖/(λ‖WᵀW‖)', () => {
    const rng = new Rng(8);
    const n = 40, d = 5, c = 3, lambda = 0.3;
    const X = randomGaussian(n, d, rng.split('X')), Y = randomGaussian(n, c, rng.split('Y'));
    // L(W) = (1/2n)‖XWᵀ − Y‖² ⇒ ∇L = (1/n)(W XᵀX − YᵀX); stationary with decay: W = YᵀX (XᵀX + nλI)⁻¹.
    const XtX = matmul(transpose(X), X), YtX = matmul(transpose(Y), X);
    const Areg = mat(d, d, XtX.data.map((v, q) => v + (q % (d + 1) === 0 ? n * lambda : 0)));
    const Wst = transpose(solve(Areg, transpose(YtX))); // Areg symmetric
    const grad = (W: Mat) => mat(c, d, matmul(W, XtX).data.map((v, q) => (v - YtX.data[q]) / n));
    expect(factResidual(Wst, grad(Wst), lambda)).toBeLessThan(1e-10);
    const W = randomGaussian(c, d, rng.split('W'));
    const G = grad(W);
    const R = matmul(transpose(mat(c, d, G.data.map((g, q) => g + lambda * W.data[q]))), W);
    const M = nfm(W);
    let rn = 0, mn = 0;
    for (let q = 0; q < R.data.length; q++) { rn += R.data[q] ** 2; mn += M.data[q] ** 2; }
    expect(factResidual(W, G, lambda)).toBeCloseTo(Math.sqrt(rn / mn) / lambda, 12);
    expect(factMatrix(W, G, lambda).rows).toBe(d);
  });
});

describe('feature-ansatz experiment', () => {
  test('quick: confirmed (2- and 3-layer MLPs, planted DLN)', async () => {
    const out = await runExperiment(featureAnsatzExperiment, { ...featureAnsatzExperiment.quick });
    expect(out.record.checks.map((c) => c.verdict).every((v) => v === 'confirmed')).toBe(true);
    expect(out.record.verdict).toBe('confirmed');
    expect(out.record.checks.length).toBe(7);
  }, 60000);

  test('lazy variant (α = 100): out of regime, features did not move', async () => {
    const v = featureAnsatzExperiment.variants!.find((x) => x.label.startsWith('lazy'))!;
    const out = await runExperiment(featureAnsatzExperiment, { ...v.config, depths: [2] });
    expect(out.record.verdict).toBe('out-of-regime');
    const moved = out.record.regime.find((r) => r.name.includes('features moved'))!;
    expect(moved.value).toBeLessThan(0.5);
  }, 60000);

  test('bad input names the field', () => {
    expect(() => featureAnsatzExperiment.predict(featureAnsatzExperiment.schema.parse({ width: 31 }))).toThrow(/--width/);
    expect(() => featureAnsatzExperiment.schema.parse({ dim: 1 })).toThrow();
  });
});
