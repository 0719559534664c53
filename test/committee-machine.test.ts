/**
 * The committee-machine theory (src/theory/committee-machine.ts) against independent routes:
 * the Gaussian integrals against Monte Carlo and against Saad & Solla's closed forms, ε_g against
 * Monte Carlo and the linear corner, the ODE against hand-solved K = M = 1 cases (linear units
 * with noise and weight decay in closed form; erf units with a zero teacher, a 1-d flow derived by
 * hand), the stability limit against LMS and against the nonlinear flow, the plateau as a fixed
 * point of the unsymmetrized flow.
 */
import { describe, expect, test } from 'vitest';
import { Rng } from '../src/engine/rng.js';
import * as libm from '../src/engine/libm.js';
import { erfScalar } from '../src/engine/backend/math-kernels.js';
import {
  committeeRhs, fieldCovariance, fieldUnits, flowJacobian, generalizationError, i2, i3, i3Erf, i4, i4Erf,
  integrateCommittee, j2, maxRealEigenvalue, plateauEscapeRate, stabilityLimit, symmetricPlateau,
  type CommitteeProblem, type CommitteeUnit,
} from '../src/theory/committee-machine.js';

const g = (u: CommitteeUnit, z: number) => (u === 'erf' ? erfScalar(z * Math.SQRT1_2) : z);
const gp = (u: CommitteeUnit, z: number) => (u === 'erf' ? Math.sqrt(2 / Math.PI) * libm.exp(-0.5 * z * z) : 1);

/** A random covariance C = AAᵀ/n + 0.1 I of size n. */
function randomCov(n: number, rng: Rng): Float64Array {
  const A = Array.from({ length: n * n }, () => rng.normal());
  const C = new Float64Array(n * n);
  for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += A[a * n + k] * A[b * n + k];
    C[a * n + b] = s / n + (a === b ? 0.1 : 0);
  }
  return C;
}

/** Samples u ~ N(0, C) via the Cholesky factor. */
function sampler(C: Float64Array, n: number, rng: Rng): () => Float64Array {
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) {
    let s = C[i * n + j];
    for (let k = 0; k < j; k++) s -= L[i * n + k] * L[j * n + k];
    L[i * n + j] = i === j ? Math.sqrt(s) : s / L[j * n + j];
  }
  const z = new Float64Array(n), u = new Float64Array(n);
  return () => {
    for (let i = 0; i < n; i++) z[i] = rng.normal();
    for (let i = 0; i < n; i++) { let s = 0; for (let k = 0; k <= i; k++) s += L[i * n + k] * z[k]; u[i] = s; }
    return u;
  };
}

/** Monte Carlo mean and standard error of f(u). */
function mc(draw: () => Float64Array, f: (u: Float64Array) => number, samples: number): { mean: number; se: number } {
  let s = 0, s2 = 0;
  for (let t = 0; t < samples; t++) { const v = f(draw()); s += v; s2 += v * v; }
  const mean = s / samples;
  return { mean, se: Math.sqrt((s2 / samples - mean * mean) / samples) };
}

describe('Gaussian integrals', () => {
  test('I₂, I₃, I₄, J₂ (erf and mixed units, repeated indices) agree with Monte Carlo within 4 SE', () => {
    const n = 4, rng = new Rng(11);
    const C = randomCov(n, rng);
    const draw = sampler(C, n, rng.split('mc'));
    const us: CommitteeUnit[][] = [['erf', 'erf', 'erf', 'erf'], ['erf', 'linear', 'erf', 'linear']];
    const cases: { name: string; idx: number[]; kind: 2 | 3 | 4 | 'j' }[] = [
      { name: 'I2(0,1)', idx: [0, 1], kind: 2 }, { name: 'I2(2,2)', idx: [2, 2], kind: 2 },
      { name: 'I3(0,1,2)', idx: [0, 1, 2], kind: 3 }, { name: 'I3(1,1,3)', idx: [1, 1, 3], kind: 3 }, { name: 'I3(2,0,2)', idx: [2, 0, 2], kind: 3 },
      { name: 'I4(0,1,2,3)', idx: [0, 1, 2, 3], kind: 4 }, { name: 'I4(0,0,2,3)', idx: [0, 0, 2, 3], kind: 4 },
      { name: 'I4(0,2,0,2)', idx: [0, 2, 0, 2], kind: 4 }, { name: 'I4(1,2,3,3)', idx: [1, 2, 3, 3], kind: 4 },
      { name: 'J2(0,2)', idx: [0, 2], kind: 'j' }, { name: 'J2(1,1)', idx: [1, 1], kind: 'j' },
    ];
    for (const units of us) {
      for (const cs of cases) {
        const [a, b, c, d] = cs.idx;
        const exact = cs.kind === 2 ? i2(C, n, units, a, b)
          : cs.kind === 3 ? i3(C, n, units, a, b, c)
          : cs.kind === 4 ? i4(C, n, units, a, b, c, d) : j2(C, n, units, a, b);
        const f = cs.kind === 2 ? (u: Float64Array) => g(units[a], u[a]) * g(units[b], u[b])
          : cs.kind === 3 ? (u: Float64Array) => gp(units[a], u[a]) * u[b] * g(units[c], u[c])
          : cs.kind === 4 ? (u: Float64Array) => gp(units[a], u[a]) * gp(units[b], u[b]) * g(units[c], u[c]) * g(units[d], u[d])
          : (u: Float64Array) => gp(units[a], u[a]) * gp(units[b], u[b]);
        const { mean, se } = mc(draw, f, 60000);
        expect(Math.abs(mean - exact), `${cs.name} ${units.join(',')}: MC ${mean} ± ${se}, closed form ${exact}`).toBeLessThan(4 * se + 1e-12);
      }
    }
  });

  test("the tilt route equals Saad & Solla's closed forms of I₃ and I₄ for erf units (all index patterns)", () => {
    const n = 4, units = fieldUnits(2, 2, 'erf', 'erf');
    for (let trial = 0; trial < 5; trial++) {
      const C = randomCov(n, new Rng(100 + trial));
      for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) for (let c = 0; c < n; c++) {
        expect(i3(C, n, units, a, b, c)).toBeCloseTo(i3Erf(C, n, a, b, c), 13);
        for (let d = 0; d < n; d++) expect(i4(C, n, units, a, b, c, d)).toBeCloseTo(i4Erf(C, n, a, b, c, d), 13);
      }
    }
  });

  test('linear units: the integrals are Gaussian moments (I₂ = C_ab, I₃ = C_bc, I₄ = C_cd, J₂ = 1)', () => {
    const n = 3, C = randomCov(n, new Rng(5)), units: CommitteeUnit[] = ['linear', 'linear', 'linear'];
    expect(i2(C, n, units, 0, 2)).toBe(C[2]);
    expect(i3(C, n, units, 0, 1, 2)).toBeCloseTo(C[1 * n + 2], 15);
    expect(i4(C, n, units, 0, 1, 1, 2)).toBeCloseTo(C[1 * n + 2], 15);
    expect(j2(C, n, units, 0, 1)).toBe(1);
  });
});

describe('generalization error', () => {
  test('ε_g(Q, R, T) equals ½E(teacher − student)² by Monte Carlo (K = 3, M = 2, erf)', () => {
    const K = 3, M = 2, n = K + M, rng = new Rng(21);
    const C = randomCov(n, rng);
    const Q = new Float64Array(K * K), R = new Float64Array(K * M), T = new Float64Array(M * M);
    for (let i = 0; i < K; i++) { for (let k = 0; k < K; k++) Q[i * K + k] = C[i * n + k]; for (let m = 0; m < M; m++) R[i * M + m] = C[i * n + K + m]; }
    for (let a = 0; a < M; a++) for (let b = 0; b < M; b++) T[a * M + b] = C[(K + a) * n + K + b];
    expect(Array.from(fieldCovariance(Q, R, T, K, M))).toEqual(Array.from(C));
    const draw = sampler(C, n, rng.split('mc'));
    const { mean, se } = mc(draw, (u) => {
      let d = 0;
      for (let a = 0; a < n; a++) d += (a < K ? -1 : 1) * erfScalar(u[a] * Math.SQRT1_2);
      return 0.5 * d * d;
    }, 100000);
    const exact = generalizationError(Q, R, T, K, M);
    expect(Math.abs(mean - exact), `MC ${mean} ± ${se} vs ${exact}`).toBeLessThan(4 * se);
    // The erf closed form written out: (1/π)[Σ asin(Q…) + Σ asin(T…) − 2Σ asin(R…)].
    let byHand = 0;
    const as = (c: number, x: number, y: number) => libm.asin(c / Math.sqrt((1 + x) * (1 + y)));
    for (let i = 0; i < K; i++) for (let k = 0; k < K; k++) byHand += as(Q[i * K + k], Q[i * K + i], Q[k * K + k]);
    for (let a = 0; a < M; a++) for (let b = 0; b < M; b++) byHand += as(T[a * M + b], T[a * M + a], T[b * M + b]);
    for (let i = 0; i < K; i++) for (let m = 0; m < M; m++) byHand -= 2 * as(R[i * M + m], Q[i * K + i], T[m * M + m]);
    expect(exact).toBeCloseTo(byHand / Math.PI, 14);
  });

  test('linear corner: ε_g = ½(ΣQ + ΣT − 2ΣR); an untrained erf student from zero weights has ε_g = 1/3 for T = I₂', () => {
    const Q = [0.5, 0.1, 0.1, 0.7], R = [0.2, -0.1, 0.3, 0.4], T = [1, 0.2, 0.2, 0.9];
    const sum = (v: number[]) => v.reduce((a, b) => a + b, 0);
    expect(generalizationError(Q, R, T, 2, 2, 'linear', 'linear')).toBeCloseTo(0.5 * (sum(Q) + sum(T) - 2 * sum(R)), 15);
    // (1/π)·2·asin(½) = 1/3.
    expect(generalizationError([0, 0, 0, 0], [0, 0, 0, 0], [1, 0, 0, 1], 2, 2)).toBeCloseTo(1 / 3, 15);
  });
});

describe('the order-parameter ODE against hand-solved K = M = 1 cases', () => {
  test('linear units with teacher noise and weight decay: the closed-form solution', () => {
    // dR/dα = η(T − R) − κR;  dQ/dα = 2η(R − Q) + η²(T − 2R + Q + σ²) − 2κQ (derived by hand).
    const eta = 0.7, kappa = 0.15, sigma2 = 0.3, T = 1.3, Q0 = 0.2, R0 = -0.1;
    const b = eta + kappa, Rstar = eta * T / b, dR0 = R0 - Rstar;
    const a = 2 * eta - eta * eta + 2 * kappa, cR = 2 * eta - 2 * eta * eta, d = eta * eta * (T + sigma2);
    const Qstar = (cR * Rstar + d) / a, B = cR * dR0 / (a - b), A = Q0 - Qstar - B;
    const problem: CommitteeProblem = { K: 1, M: 1, student: 'linear', teacher: 'linear', T: [T], eta, noiseVariance: sigma2, weightDecay: kappa };
    const alphas = [0.5, 1, 2, 5, 10, 20];
    const tr = integrateCommittee(problem, { Q: new Float64Array([Q0]), R: new Float64Array([R0]) }, { alphas, dt: 0.01 });
    alphas.forEach((al, j) => {
      expect(tr.R[j][0]).toBeCloseTo(Rstar + dR0 * libm.exp(-b * al), 10);
      expect(tr.Q[j][0]).toBeCloseTo(Qstar + A * libm.exp(-a * al) + B * libm.exp(-b * al), 10);
    });
    // The same right-hand side term by term, at a point.
    const r = committeeRhs(problem, { Q: new Float64Array([0.4]), R: new Float64Array([0.25]) });
    expect(r.dR[0]).toBeCloseTo(eta * (T - 0.25) - kappa * 0.25, 14);
    expect(r.dQ[0]).toBeCloseTo(2 * eta * (0.25 - 0.4) + eta * eta * (T - 0.5 + 0.4 + sigma2) - 2 * kappa * 0.4, 14);
  });

  // Erf student, zero teacher (T = 0: y = g(0) + σζ = σζ, R stays 0). By hand from I₃ and I₄ with
  // all entries of C equal to Q: I₃(s,s,s) = (2/π) Q/((1+Q)√(1+2Q)), I₄(s,s,s,s) = (4/π²)(1+2Q)^{−½}
  // asin(Q/(1+3Q)), J₂ = (2/π)(1+2Q)^{−½}, so
  //   dQ/dα = −(4η/π) Q/((1+Q)√(1+2Q)) + η²[(4/π²) asin(Q/(1+3Q)) + σ²(2/π)](1+2Q)^{−½} − 2κQ.
  const zeroTeacherRate = (Q: number, eta: number, sigma2: number, kappa: number) =>
    -(4 * eta / Math.PI) * Q / ((1 + Q) * Math.sqrt(1 + 2 * Q))
    + eta * eta * ((4 / (Math.PI * Math.PI)) * libm.asin(Q / (1 + 3 * Q)) + sigma2 * 2 / Math.PI) / Math.sqrt(1 + 2 * Q) - 2 * kappa * Q;
  const zeroTeacher = (eta: number, sigma2 = 0, kappa = 0): CommitteeProblem => ({ K: 1, M: 1, student: 'erf', teacher: 'erf', T: [0], eta, noiseVariance: sigma2, weightDecay: kappa });

  test('erf units, zero teacher: the right-hand side equals the hand-derived 1-d flow', () => {
    for (const Q of [0.01, 0.3, 1, 4]) {
      const r = committeeRhs(zeroTeacher(0.8, 0.2, 0.05), { Q: new Float64Array([Q]), R: new Float64Array([0]) });
      expect(r.dR[0]).toBe(0);
      expect(r.dQ[0]).toBeCloseTo(zeroTeacherRate(Q, 0.8, 0.2, 0.05), 14);
    }
  });

  test('erf units, zero teacher, η → 0: the implicit solution F(Q(α)) = F(Q₀) − (4η/π)α', () => {
    // ∫ (1+Q)√(1+2Q)/Q dQ with s = √(1+2Q) gives F = s³/3 + 2s + ln((s−1)/(s+1)).
    const F = (Q: number) => { const s = Math.sqrt(1 + 2 * Q); return s * s * s / 3 + 2 * s + libm.log((s - 1) / (s + 1)); };
    const eta = 1e-6, taus = [0.5, 1, 2, 4];
    const tr = integrateCommittee(zeroTeacher(eta), { Q: new Float64Array([2]), R: new Float64Array([0]) }, { alphas: taus.map((t) => t / eta), dt: 0.01 / eta });
    taus.forEach((tau, j) => expect(F(tr.Q[j][0]) - F(2) + (4 / Math.PI) * tau).toBeCloseTo(0, 5));
  });

  test('erf units, zero teacher, noise: the flow settles where the hand-derived rate vanishes', () => {
    const eta = 1.5, sigma2 = 0.5;
    // Root of the 1-d rate by bisection: positive near Q = 0 (the noise term), negative at large Q.
    let lo = 1e-9, hi = 50;
    for (let it = 0; it < 200; it++) { const mid = 0.5 * (lo + hi); if (zeroTeacherRate(mid, eta, sigma2, 0) > 0) lo = mid; else hi = mid; }
    const tr = integrateCommittee(zeroTeacher(eta, sigma2), { Q: new Float64Array([0.05]), R: new Float64Array([0]) }, { alphas: [400], dt: 0.05 });
    expect(tr.Q[0][0]).toBeCloseTo(0.5 * (lo + hi), 8);
  });

  test('Euler and RK4 agree as dt → 0; bad input names the field', () => {
    const problem: CommitteeProblem = { K: 2, M: 2, student: 'erf', teacher: 'erf', T: [1, 0, 0, 1], eta: 0.5 };
    const init = { Q: new Float64Array([0.01, 0.001, 0.001, 0.012]), R: new Float64Array([0.02, -0.01, 0.015, 0.03]) };
    const a = integrateCommittee(problem, init, { alphas: [5, 20], dt: 0.05 });
    const b = integrateCommittee(problem, init, { alphas: [5, 20], dt: 0.002, method: 'euler' });
    expect(Math.abs(a.eg[1] - b.eg[1]) / a.eg[1]).toBeLessThan(2e-3);
    expect(() => integrateCommittee({ ...problem, eta: -1 }, init, { alphas: [1] })).toThrow(/eta/);
    expect(() => integrateCommittee({ ...problem, T: [1, 0, 0] }, init, { alphas: [1] })).toThrow(/T must have/);
    expect(() => committeeRhs({ ...problem, weightDecay: -0.1 }, init)).toThrow(/weightDecay/);
  });
});

describe('stability limit and the plateau', () => {
  test('maxRealEigenvalue on matrices with known spectra', () => {
    // [[−0.1, 1], [−1, −0.1]] has −0.1 ± i; an upper-triangular one has its diagonal.
    expect(maxRealEigenvalue(new Float64Array([-0.1, 1, -1, -0.1]), 2)).toBeCloseTo(-0.1, 10);
    expect(maxRealEigenvalue(new Float64Array([-2, 5, 1, 0, 0.3, 7, 0, 0, -1]), 3)).toBeCloseTo(0.3, 10);
  });

  test('linear units: η_max = 2/K (LMS); erf: the flow returns to Q = R = T below η_max and leaves it above', () => {
    expect(stabilityLimit({ K: 1, M: 1, student: 'linear', teacher: 'linear', T: [1] })).toBeCloseTo(2, 12);
    expect(stabilityLimit({ K: 2, M: 2, student: 'linear', teacher: 'linear', T: [1, 0, 0, 1] })).toBeCloseTo(1, 12);
    for (const K of [1, 2]) {
      const T = K === 1 ? [1] : [1, 0, 0, 1];
      const etaMax = stabilityLimit({ K, M: K, student: 'erf', teacher: 'erf', T });
      expect(etaMax).toBeGreaterThan(1);
      const dist = (eta: number) => {
        const p: CommitteeProblem = { K, M: K, student: 'erf', teacher: 'erf', T, eta };
        const Q = Float64Array.from(T, (v, j) => v + (j === 0 ? 2e-3 : 1e-3)), R = Float64Array.from(T, (v, j) => v - (j === 0 ? 1e-3 : 0));
        const tr = integrateCommittee(p, { Q, R }, { alphas: [0, 600], dt: 0.05 });
        return tr.eg[1] / tr.eg[0];
      };
      expect(dist(0.9 * etaMax)).toBeLessThan(0.5);
      expect(dist(1.1 * etaMax)).toBeGreaterThan(2);
    }
  });

  test('symmetric plateau (K = M = 2, η = ½): a fixed point of the full flow, ε_g ≈ 0.0146 [NR], unstable at rate μ > 0', () => {
    const p: CommitteeProblem = { K: 2, M: 2, student: 'erf', teacher: 'erf', T: [1, 0, 0, 1], eta: 0.5 };
    const pl = symmetricPlateau(p);
    expect(pl.eg).toBeGreaterThan(0.0146 * 0.99);
    expect(pl.eg).toBeLessThan(0.0146 * 1.01);
    const r = committeeRhs(p, pl);
    expect(Math.max(...Array.from(r.dQ, Math.abs), ...Array.from(r.dR, Math.abs))).toBeLessThan(1e-12);
    expect(pl.Q[0]).toBeGreaterThan(pl.Q[1]); // students distinct (q > c), not the coincident manifold
    const mu = plateauEscapeRate(p, pl);
    expect(mu).toBeGreaterThan(0.01);
    // The perfect solution is stable at this η.
    const perfect = flowJacobian(p, { Q: new Float64Array([1, 0, 0, 1]), R: new Float64Array([1, 0, 0, 1]) });
    expect(maxRealEigenvalue(perfect.J, perfect.d)).toBeLessThan(0);
  });
});
