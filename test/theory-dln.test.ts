import { describe, expect, it } from 'vitest';
import { halfLearningTime, learningOrder, modeRate, modeTrajectory, timeToReach, discretizationParameter } from '../src/theory/dln.js';

/** An independent route: plain RK4 on du/dt = L u^{2−2/L}(λ − u) in u itself, tiny steps. */
function integrateU(lambda: number, u0: number, L: number, t: number, n = 200_000): number {
  const h = t / n;
  let u = u0;
  for (let i = 0; i < n; i++) {
    const k1 = modeRate(u, lambda, L), k2 = modeRate(u + 0.5 * h * k1, lambda, L);
    const k3 = modeRate(u + 0.5 * h * k2, lambda, L), k4 = modeRate(u + h * k3, lambda, L);
    u += (h / 6) * (k1 + 2 * k2 + 2 * k3 + k4);
  }
  return u;
}

describe('Saxe mode dynamics (theory/dln)', () => {
  it('closed forms for L = 1, 2 match direct integration of the ODE', () => {
    for (const [L, lambda, u0, t] of [[1, 2, 0.1, 1.3], [2, 3, 1e-3, 0.9], [2, 0.5, 1e-4, 9]] as const) {
      const closed = modeTrajectory(lambda, u0, L, [t])[0];
      expect(Math.abs(closed - integrateU(lambda, u0, L, t)) / lambda).toBeLessThan(1e-9);
    }
  });

  it('log-space RK4 for L ≥ 3 matches direct integration', () => {
    for (const [L, lambda, u0, t] of [[3, 4, 1e-3, 2.0], [4, 2, 1e-2, 3.5], [3, 0.5, 1e-3, 30]] as const) {
      const ode = modeTrajectory(lambda, u0, L, [t])[0];
      expect(Math.abs(ode - integrateU(lambda, u0, L, t)) / lambda).toBeLessThan(1e-7);
    }
  });

  it('half-learning time: quadrature agrees with the closed forms and with the trajectory', () => {
    expect(timeToReach(3, 1e-4, 1.5, 2)).toBeCloseTo(Math.log(3 / 1e-4 - 1) / 6, 9);
    expect(timeToReach(2, 0.1, 1, 1)).toBeCloseTo(Math.log((2 * (2 - 0.1)) / 2), 9);
    for (const L of [2, 3, 4, 5]) {
      const tau = halfLearningTime(2, 1e-3, L);
      expect(modeTrajectory(2, 1e-3, L, [tau])[0]).toBeCloseTo(1, 6);
    }
  });

  it('larger singular values are learned first, and gaps widen as the init shrinks', () => {
    const lambdas = [0.5, 6, 2, 4];
    expect(learningOrder(lambdas.map((lambda) => ({ lambda, u0: 1e-4 })), 3)).toEqual([1, 3, 2, 0]);
    const gap = (u0: number) => halfLearningTime(1, u0, 2) - halfLearningTime(4, u0, 2);
    expect(gap(1e-6)).toBeGreaterThan(gap(1e-3));
  });

  it('a mode at the saddle (u₀ = 0) is never learned; one past half is learned at t = 0', () => {
    expect(halfLearningTime(2, 0, 2)).toBe(Infinity);
    expect(modeTrajectory(2, 0, 3, [5])[0]).toBe(0);
    expect(halfLearningTime(2, 1.5, 3)).toBe(0);
  });

  it('discretization parameter is η times the top Hessian eigenvalue Lλ^{2−2/L} of the scalar model', () => {
    // Finite-difference Hessian of ½(λ − s1 s2 s3)² at the balanced solution.
    const lambda = 2, L = 3, s = Math.pow(lambda, 1 / L), h = 1e-4;
    const f = (a: number[]) => 0.5 * (lambda - a[0] * a[1] * a[2]) ** 2;
    const H: number[][] = [];
    for (let i = 0; i < 3; i++) {
      H.push([]);
      for (let j = 0; j < 3; j++) {
        const at = (di: number, dj: number) => { const a = [s, s, s]; a[i] += di; a[j] += dj; return f(a); };
        H[i].push((at(h, h) - at(h, -h) - at(-h, h) + at(-h, -h)) / (4 * h * h));
      }
    }
    // H = c·11ᵀ at the solution, top eigenvalue = sum of a row.
    const top = H[0].reduce((a, b) => a + b, 0);
    expect(discretizationParameter(1, L, lambda)).toBeCloseTo(top, 5);
  });
});
