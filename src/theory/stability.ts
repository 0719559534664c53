/**
 * Linear stability of gradient descent on a quadratic (paper digest §3.2, "Why 2/η").
 *
 * Loss L(θ) = ½ (θ − θ*)ᵀ H (θ − θ*) with H = Σ_i λ_i q_i q_iᵀ symmetric. GD with step η,
 * θ_{t+1} = θ_t − η H (θ_t − θ*), acts on each eigen-coordinate c_i = q_iᵀ(θ − θ*) separately:
 *
 *   c_i(t+1) = (1 − ηλ_i) c_i(t)   ⇒   c_i(t) = (1 − ηλ_i)^t c_i(0),
 *   L(t) = ½ Σ_i λ_i c_i(0)² (1 − ηλ_i)^{2t}.
 *
 * Mode i contracts iff |1 − ηλ_i| < 1, i.e. 0 < ηλ_i < 2. So GD converges from a generic start
 * (every c_i(0) ≠ 0) iff η < 2/λ_max: the critical step 2/λ_max (equivalently, the largest stable
 * sharpness at step η is 2/η — the edge of stability of Cohen et al. 2021). At η = 2/λ_max the
 * top mode oscillates with constant amplitude; above it |c_1| grows like |1 − ηλ_1|^t.
 * (Derived here directly from the recursion; the digest marks its version "reconstructed".)
 *
 * Momentum with an exponential moving average (Adam's first moment, Cohen et al. 2022,
 * "Adaptive gradient methods at the edge of stability"): m_t = β₁ m_{t−1} + (1 − β₁) g_t,
 * θ_{t+1} = θ_t − η P⁻¹ m_t. On a quadratic, for an eigenvalue a of P⁻¹H (mode coordinate x),
 * eliminating m gives x_{t+1} = (1 + β₁ − η(1 − β₁)a) x_t − β₁ x_{t−1}, with characteristic
 * polynomial r² − (1 + β₁ − η(1 − β₁)a) r + β₁. For 0 ≤ β₁ < 1 both roots lie inside the unit
 * circle iff |1 + β₁ − η(1 − β₁)a| < 1 + β₁ (Jury criterion), i.e. for a > 0:
 *
 *   a < (2 + 2β₁) / ((1 − β₁) η)      (= 38/η for β₁ = 0.9).
 *
 * So the stability threshold of the *preconditioned* sharpness λ_max(P⁻¹H) under Adam is
 * (2 + 2β₁)/((1 − β₁)η); β₁ = 0 recovers 2/η.
 */
import * as libm from '../engine/libm.js';

/** The largest stable GD step on a quadratic with top curvature λ_max: η_c = 2/λ_max. */
export function criticalLearningRate(lambdaMax: number): number {
  if (!(lambdaMax > 0)) throw new RangeError(`criticalLearningRate: λ_max must be > 0 (got ${lambdaMax})`);
  return 2 / lambdaMax;
}

/** Per-step GD multiplier of eigen-coordinate i: 1 − ηλ_i. */
export function gdModeFactor(eta: number, lambda: number): number {
  return 1 - eta * lambda;
}

/** Does GD with step η converge on a quadratic whose eigenvalues are all in (0, λ_max]? */
export function gdConverges(eta: number, lambdaMax: number): boolean {
  return eta > 0 && eta * lambdaMax < 2;
}

/** Closed-form loss after t GD steps: ½ Σ λ_i c_i(0)² (1 − ηλ_i)^{2t}. */
export function quadraticGdLoss(lambdas: ArrayLike<number>, c0: ArrayLike<number>, eta: number, t: number): number {
  let s = 0;
  for (let i = 0; i < lambdas.length; i++) {
    const f = gdModeFactor(eta, lambdas[i]);
    s += 0.5 * lambdas[i] * c0[i] * c0[i] * libm.pow(f * f, t);
  }
  return s;
}

/**
 * First GD step t ≥ 1 at which the closed-form loss exceeds `factor`·max(L(0), 1) — the
 * divergence rule of `isDiverged` in src/training/objective.ts — or Infinity if that does not
 * happen within `maxSteps`.
 */
export function predictedDivergenceStep(
  lambdas: ArrayLike<number>, c0: ArrayLike<number>, eta: number, maxSteps: number, factor = 1e8,
): number {
  const limit = factor * Math.max(quadraticGdLoss(lambdas, c0, eta, 0), 1);
  for (let t = 1; t <= maxSteps; t++) {
    const L = quadraticGdLoss(lambdas, c0, eta, t);
    if (!Number.isFinite(L) || L > limit) return t;
  }
  return Infinity;
}

/** Preconditioned-sharpness stability threshold for EMA momentum (Adam): (2 + 2β₁)/((1 − β₁)η). */
export function adamStabilityThreshold(eta: number, beta1: number): number {
  if (!(eta > 0)) throw new RangeError(`adamStabilityThreshold: η must be > 0 (got ${eta})`);
  if (!(beta1 >= 0 && beta1 < 1)) throw new RangeError(`adamStabilityThreshold: β₁ must be in [0, 1) (got ${beta1})`);
  return (2 + 2 * beta1) / ((1 - beta1) * eta);
}
