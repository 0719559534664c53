import { describe, expect, it } from 'vitest';
import { Rng } from '../src/engine/rng.js';
import { mat, randomOrthogonal } from '../src/engine/linalg/index.js';
import {
  expectedDecrease, firstPassage, fitStepsExamples, linearTeacherMeanLoss, linearTeacherNoise, noisyQuadraticMeanLoss,
  noisyQuadraticStationary, noisyQuadraticStationaryFromMatrices, optimalStep, sdeStationaryExcessLoss, tradeoffSteps,
} from '../src/theory/sgd-noise.js';
import { noiseScaleFromGradients } from '../src/observables/noise-scale.js';
import { runExperiment } from '../src/experiments/runner.js';
import { sgdNoiseExperiment } from '../src/experiments/sgd-noise.js';

const q = { h: [1, 0.3, 0.1], s: [1, 0.5, 0.2] };

describe('SGD on a noisy quadratic: exact stationary state (OU and discrete)', () => {
  it('the closed form is the fixed point of the variance recursion v ← (1 − ηh)²v + η²s/B', () => {
    for (const [eta, B] of [[0.1, 1], [0.4, 4], [1.6, 16], [1.9, 3]]) {
      const st = noisyQuadraticStationary(q, eta, B);
      q.h.forEach((h, i) => {
        let v = 0;
        for (let t = 0; t < 200_000; t++) v = (1 - eta * h) ** 2 * v + (eta * eta * q.s[i]) / B;
        expect(st.variance[i]).toBeCloseTo(v, 12);
      });
      expect(st.excessLoss).toBeCloseTo(0.5 * q.h.reduce((a, h, i) => a + h * st.variance[i], 0), 14);
    }
  });

  it('matches the science-notes reference numbers [NR] and the SDE limit (η/4B)trΣ', () => {
    expect(noisyQuadraticStationary(q, 0.1, 1).excessLoss).toBeCloseTo(0.0440, 4);
    expect(noisyQuadraticStationary(q, 0.4, 4).excessLoss).toBeCloseTo(0.05 * (1 / 1.6 + 0.5 / 1.88 + 0.2 / 1.96), 14); // 0.04965 ≈ [NR] 0.0497
    expect(noisyQuadraticStationary(q, 1.6, 16).excessLoss).toBeCloseTo(0.147, 3);
    expect(noisyQuadraticStationary(q, 0.05, 1).excessLoss).toBeCloseTo(0.0216, 4);
    const st = noisyQuadraticStationary(q, 1.6, 16);
    expect(st.sdeExcessLoss).toBeCloseTo(sdeStationaryExcessLoss(1.7, 1.6, 16), 15);
    expect(st.violation).toBeCloseTo(3.456, 3);
    // At fixed temperature η/B the discrete value tends to the SDE one as η → 0, with excess ∝ η.
    const v1 = noisyQuadraticStationary(q, 1e-3, 0.01), v2 = noisyQuadraticStationary(q, 5e-4, 0.005);
    expect(v1.violation - 1).toBeGreaterThan(0);
    expect((v1.violation - 1) / (v2.violation - 1)).toBeCloseTo(2, 2);
    expect(() => noisyQuadraticStationary(q, 2, 1)).toThrow(/eta·h_max must be < 2/);
    expect(() => noisyQuadraticStationary({ h: [1, -1], s: [1, 1] }, 0.1, 1)).toThrow(/h\[1\]/);
  });

  it('the continuous OU process: HV + VH = (η/B)Σ solved exactly for non-commuting H, Σ gives ½tr(HV) = (η/4B)tr Σ', () => {
    // The Lyapunov identity tr(H V) = ½ tr((η/B)Σ) holds for any symmetric H ≻ 0, so the SDE value does
    // not depend on H; the discrete value does — checked against iterating V ← (I−ηH)V(I−ηH) + η²Σ/B.
    const d = 4, rng = new Rng(3);
    const Q = randomOrthogonal(d, rng.split('q')).data, R = randomOrthogonal(d, rng.split('r')).data;
    const hs = [1.2, 0.7, 0.3, 0.1], ss = [0.5, 2, 1, 0.3];
    const H = mat(d, d), S = mat(d, d);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) for (let k = 0; k < d; k++) {
      H.data[i * d + j] += Q[i * d + k] * hs[k] * Q[j * d + k];
      S.data[i * d + j] += R[i * d + k] * ss[k] * R[j * d + k];
    }
    const eta = 0.5, B = 2;
    const st = noisyQuadraticStationaryFromMatrices(H, S, eta, B);
    const A = mat(d, d);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) A.data[i * d + j] = (i === j ? 1 : 0) - eta * H.data[i * d + j];
    let V = new Float64Array(d * d);
    for (let t = 0; t < 5000; t++) {
      const AV = new Float64Array(d * d), next = new Float64Array(d * d);
      for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) for (let k = 0; k < d; k++) AV[i * d + j] += A.data[i * d + k] * V[k * d + j];
      for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) {
        let v = (eta * eta * S.data[i * d + j]) / B;
        for (let k = 0; k < d; k++) v += AV[i * d + k] * A.data[j * d + k];
        next[i * d + j] = v;
      }
      V = next;
    }
    let trHV = 0;
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) trHV += H.data[i * d + j] * V[j * d + i];
    expect(st.excessLoss).toBeCloseTo(0.5 * trHV, 12);
    expect(st.sdeExcessLoss).toBeCloseTo((eta * ss.reduce((a, b) => a + b, 0)) / (4 * B), 12);
  });

  it('Monte Carlo SGD chains match the exact mean loss curve and the stationary value within 3 SE', () => {
    const eta = 0.4, B = 4, K = 400, T = 300, rng = new Rng(7);
    const m0 = [1, -1, 2];
    const sums = new Float64Array(T + 1);
    const finals: number[] = [];
    for (let k = 0; k < K; k++) {
      const th = m0.slice();
      let tail = 0;
      for (let t = 0; t <= T; t++) {
        const L = 0.5 * q.h.reduce((a, h, i) => a + h * th[i] ** 2, 0);
        sums[t] += L / K;
        if (t >= 200) tail += L / (T - 199);
        for (let i = 0; i < 3; i++) th[i] -= eta * (q.h[i] * th[i] + Math.sqrt(q.s[i] / B) * rng.normal());
      }
      finals.push(tail);
    }
    for (const t of [0, 5, 20, 80]) expect(sums[t]).toBeCloseTo(noisyQuadraticMeanLoss(q, m0, eta, B, t), t === 0 ? 12 : 1);
    const mean = finals.reduce((a, b) => a + b, 0) / K;
    const se = Math.sqrt(finals.reduce((a, b) => a + (b - mean) ** 2, 0) / (K - 1) / K);
    expect(Math.abs(mean - noisyQuadraticMeanLoss(q, m0, eta, B, 200, T + 1))).toBeLessThan(3 * se);
    // Window average far from the start = the stationary value.
    expect(noisyQuadraticMeanLoss(q, m0, eta, B, 5000, 6000)).toBeCloseTo(noisyQuadraticStationary(q, eta, B).excessLoss, 10);
  });
});

describe('Gaussian linear teacher: closed-form noise scale and second-moment dynamics', () => {
  const lambda = [1, 0.5, 0.2, 0.05];
  const sigma2 = 0.1;

  it('B_simple and B_noise closed forms match per-example gradients drawn from the teacher', () => {
    const delta = [0.3, -0.5, 1, 2], rng = new Rng(11), n = 200_000, d = 4;
    const closed = linearTeacherNoise(lambda, delta, sigma2);
    const grads = new Float64Array(n * d);
    for (let j = 0; j < n; j++) {
      const x = lambda.map((l) => Math.sqrt(l) * rng.normal());
      const r = x.reduce((a, xi, i) => a + xi * delta[i], 0) - Math.sqrt(sigma2) * rng.normal();
      for (let i = 0; i < d; i++) grads[j * d + i] = x[i] * r;
    }
    const est = noiseScaleFromGradients(grads, n);
    expect(Math.abs(est.bSimple - closed.bSimple)).toBeLessThan(4 * est.bSimpleSe);
    expect(est.traceSigma).toBeCloseTo(closed.traceSigma, 1);
    expect(closed.loss).toBeCloseTo(0.5 * (lambda.reduce((a, l, i) => a + l * delta[i] ** 2, 0) + sigma2), 14);
    // Isotropic Λ: B_noise = B_simple.
    const iso = linearTeacherNoise([0.5, 0.5, 0.5], [1, -2, 0.3], sigma2);
    expect(iso.bNoise).toBeCloseTo(iso.bSimple, 12);
  });

  it('the exact expected-loss recursion matches Monte Carlo SGD runs', () => {
    const eta = 0.6, B = 3, T = 25, R = 4000, rng = new Rng(12), d = 4;
    const wStar = [1, -1, 0.5, 2];
    const curve = linearTeacherMeanLoss(lambda, wStar.map((w) => w * w), sigma2, eta, B, T);
    const at = [0, 3, 10, 25];
    const samples = at.map(() => [] as number[]);
    for (let k = 0; k < R; k++) {
      const w = [0, 0, 0, 0];
      for (let t = 0; t <= T; t++) {
        const idx = at.indexOf(t);
        if (idx >= 0) samples[idx].push(0.5 * (lambda.reduce((a, l, i) => a + l * (w[i] - wStar[i]) ** 2, 0) + sigma2));
        const g = [0, 0, 0, 0];
        for (let j = 0; j < B; j++) {
          const x = lambda.map((l) => Math.sqrt(l) * rng.normal());
          const r = x.reduce((a, xi, i) => a + xi * (w[i] - wStar[i]), 0) - Math.sqrt(sigma2) * rng.normal();
          for (let i = 0; i < d; i++) g[i] += (x[i] * r) / B;
        }
        for (let i = 0; i < d; i++) w[i] -= eta * g[i];
      }
    }
    at.forEach((t, k) => {
      const xs = samples[k], m = xs.reduce((a, b) => a + b, 0) / R;
      const se = Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (R - 1) / R);
      expect(Math.abs(m - curve[t])).toBeLessThan(4 * se + 1e-12);
    });
    expect(firstPassage(curve, curve[10])).toBeLessThanOrEqual(10);
    expect(firstPassage(curve, 0)).toBe(Infinity);
  });
});

describe('McCandlish et al.: optimal step and the steps–examples trade-off', () => {
  it('ε_opt maximizes the exact one-step decrease and ΔL_opt = ΔL_max/(1 + B_noise/B)', () => {
    const g2 = 2, gHg = 3, trHS = 12, B = 5;
    const o = optimalStep(g2, gHg, trHS, B);
    expect(o.bNoise).toBe(4);
    let best = -Infinity, arg = 0;
    for (let k = 0; k <= 20000; k++) { const e = k * 1e-4; const v = expectedDecrease(g2, gHg, trHS, B, e); if (v > best) { best = v; arg = e; } }
    expect(arg).toBeCloseTo(o.epsOpt, 3);
    expect(expectedDecrease(g2, gHg, trHS, B, o.epsOpt)).toBeCloseTo(o.deltaLOpt, 14);
    expect(o.deltaLOpt).toBeCloseTo(o.deltaLMax / (1 + o.bNoise / B), 14);
  });

  it('the expected decrease is exact for SGD on a quadratic with Gaussian noise (Monte Carlo)', () => {
    const h = [2, 0.5], s = [1, 3], th = [0.7, -1.2], B = 4, eps = 0.3, rng = new Rng(13), R = 200_000;
    const L = (x: number[]) => 0.5 * (h[0] * x[0] ** 2 + h[1] * x[1] ** 2);
    const G = [h[0] * th[0], h[1] * th[1]];
    let acc = 0;
    for (let k = 0; k < R; k++) {
      const gb = G.map((g, i) => g + Math.sqrt(s[i] / B) * rng.normal());
      acc += (L(th) - L(th.map((x, i) => x - eps * gb[i]))) / R;
    }
    const exact = expectedDecrease(G[0] ** 2 + G[1] ** 2, h[0] * G[0] ** 2 + h[1] * G[1] ** 2, h[0] * s[0] + h[1] * s[1], B, eps);
    expect(acc).toBeCloseTo(exact, 2);
  });

  it('the fit recovers a planted hyperbola exactly, and within its SE from noisy points', () => {
    const Bs = [1, 2, 4, 8, 16, 32, 64, 128, 256];
    const S = Bs.map((B) => tradeoffSteps(B, 12, 40).steps);
    const f = fitStepsExamples(Bs, S);
    expect(f.sMin).toBeCloseTo(12, 10);
    expect(f.bCrit).toBeCloseTo(40, 8);
    expect(f.eMin).toBeCloseTo(480, 8);
    expect(f.rmsRelResidual).toBeLessThan(1e-12);
    // Every point on the curve satisfies (S/S_min − 1)(E/E_min − 1) = 1.
    for (const B of Bs) { const t = tradeoffSteps(B, 12, 40); expect((t.steps / 12 - 1) * (t.examples / 480 - 1)).toBeCloseTo(1, 12); }
    const rng = new Rng(14);
    const noisy = S.map((s) => s * (1 + 0.05 * rng.normal()));
    const g = fitStepsExamples(Bs, noisy);
    expect(Math.abs(g.bCrit - 40)).toBeLessThan(4 * g.bCritSe);
    // Unreached batch sizes are skipped; fewer than two points is an error that says so.
    expect(fitStepsExamples([1, 2, 4], [100, Infinity, 30]).points).toBe(2);
    expect(() => fitStepsExamples([1, 2], [Infinity, 5])).toThrow(/at least 2 batch sizes/);
  });
});

describe('experiment sgd-noise', () => {
  it('quick config is confirmed', async () => {
    const { record } = await runExperiment(sgdNoiseExperiment, { ...sgdNoiseExperiment.quick });
    expect(record.checks.filter((c) => c.verdict !== 'confirmed').map((c) => c.name)).toEqual([]);
    expect(record.verdict).toBe('confirmed');
  }, 60_000);

  it('variants reach their expected verdicts', async () => {
    for (const v of sgdNoiseExperiment.variants!) {
      const { record } = await runExperiment(sgdNoiseExperiment, { ...sgdNoiseExperiment.quick, ...v.config });
      expect(record.verdict, v.label).toBe(v.expect);
    }
  }, 60_000);

  it('rejects a noise vector of the wrong length, naming the field', () => {
    expect(() => sgdNoiseExperiment.predict(sgdNoiseExperiment.schema.parse({ noise: [1, 2] }))).toThrow(/--noise/);
  });
});
