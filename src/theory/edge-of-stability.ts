/**
 * Edge of stability and the catapult: the stability facts the experiments test.
 *
 * 1. Stability of GD on the local quadratic model (paper §2.3, Fig. 4; cohen2021gradient).
 *    Near θ*, L(θ) ≈ L* + ½ (θ−θ*)ᵀ H (θ−θ*). GD θ ← θ − η∇L moves the component along each
 *    Hessian eigenvector q_i (eigenvalue λ_i) by
 *        x_{t+1} = (1 − ηλ_i) x_t,   so   x_t = (1 − ηλ_i)^t x_0,
 *    which shrinks iff |1 − ηλ_i| < 1 ⇔ 0 < λ_i < 2/η. The largest stable sharpness
 *    S = λ_max is therefore 2/η (derived here; the digest's "(reconstructed)" derivation checks).
 *    The loss along q_i changes by the factor (1 − ηλ_i)² per step: for λ_i < 2/η it falls
 *    monotonically; at λ_i > 2/η it grows and x_t flips sign every step (period-2 oscillation).
 *
 * 2. Progressive sharpening and the edge of stability (Cohen et al. 2021; the law is stated,
 *    not derived, in the paper). Under full-batch GD, while S < 2/η, S tends to rise; once it
 *    reaches 2/η it stops rising and hovers at or just above 2/η, while the loss keeps falling
 *    over long windows, not monotonically. Gradient flow (η → 0) has no threshold and keeps
 *    sharpening. The mechanism that holds S near 2/η is self-stabilization (Damian et al. 2023):
 *    the oscillation along the top eigenvector, through the third derivative ∇S, pushes S down.
 *    No closed form for the sharpening rate or the plateau level is claimed; the experiment
 *    states a band (e.g. [0.9, 1.1]·2/η) as its tolerance.
 *
 * 3. Catapult (Lewkowycz, Bahri, Dyer, Sohl-Dickstein, Gur-Ari 2020), two-layer linear model
 *    f = vᵀu·x/√n with u, v ∈ Rⁿ, one example (x = 1, target y), loss ½(f − y)². The NTK
 *    (= Hessian top eigenvalue at a minimum, for this loss) is λ = (‖u‖² + ‖v‖²)/n. One GD step
 *    gives exactly (derived in the test from the update u' = u − ηg v/√n, v' = v − ηg u/√n,
 *    g = f − y):
 *        f' = f − ηgλ + η²g² f/n,
 *        λ' = λ + (ηg/n)(ηgλ − 4f).
 *    For y = 0: f' = f(1 − ηλ + η²f²/n), λ' = λ + (ηf²/n)(ηλ − 4). Hence, at large n:
 *      η < 2/λ₀: lazy phase, f → 0 geometrically, λ ≈ λ₀;
 *      2/λ₀ < η < 4/λ₀: catapult phase: |f| first grows (loss spikes) until f² ~ n, which makes
 *        λ fall (ηλ < 4) until ηλ < 2; then f converges, at a flatter point λ_final < 2/η;
 *      η > 4/λ₀: λ grows with f: divergence.
 *    For deep ReLU networks Lewkowycz et al. report the upper edge empirically near 12/λ₀; the
 *    constant 4 belongs to the two-layer linear model only, and is used here as a regime label.
 */
import * as libm from '../engine/libm.js';

/** The largest sharpness at which GD with step η is stable on a quadratic: 2/η. */
export function stabilityThreshold(lr: number): number {
  if (!(lr > 0)) throw new RangeError(`stabilityThreshold: lr must be > 0, got ${lr}`);
  return 2 / lr;
}

/** The largest stable learning rate for sharpness S: 2/S. */
export function maxStableLr(sharpness: number): number {
  if (!(sharpness > 0)) throw new RangeError(`maxStableLr: sharpness must be > 0, got ${sharpness}`);
  return 2 / sharpness;
}

/** Per-step multiplier of GD along a Hessian eigenvector with eigenvalue λ: 1 − ηλ. */
export function gdMultiplier(lr: number, lambda: number): number {
  return 1 - lr * lambda;
}

/** Is GD with step η contracting along curvature λ? |1 − ηλ| < 1. */
export function isStable(lr: number, lambda: number): boolean {
  return Math.abs(gdMultiplier(lr, lambda)) < 1;
}

/**
 * GD on the quadratic ½ Σ_i λ_i x_i² from x0: x_i(t) = (1 − ηλ_i)^t x0_i, and the loss at
 * every step 0..steps.
 */
export function quadraticGdLoss(lr: number, lambdas: ArrayLike<number>, x0: ArrayLike<number>, steps: number): Float64Array {
  const out = new Float64Array(steps + 1);
  for (let t = 0; t <= steps; t++) {
    let s = 0;
    for (let i = 0; i < lambdas.length; i++) s += 0.5 * lambdas[i] * (libm.pow(gdMultiplier(lr, lambdas[i]), t) * x0[i]) ** 2;
    out[t] = s;
  }
  return out;
}

export type CatapultPhase = 'lazy' | 'catapult' | 'divergent';

/** Learning-rate window of the catapult phase for initial curvature λ₀ (two-layer linear model). */
export function catapultWindow(lambda0: number): { lazyBelow: number; divergentAbove: number } {
  if (!(lambda0 > 0)) throw new RangeError(`catapultWindow: λ₀ must be > 0, got ${lambda0}`);
  return { lazyBelow: 2 / lambda0, divergentAbove: 4 / lambda0 };
}

/** Phase of the two-layer linear model at ηλ₀ (large-width limit): < 2 lazy, 2–4 catapult, > 4 divergent. */
export function catapultPhase(lr: number, lambda0: number): CatapultPhase {
  const x = lr * lambda0;
  return x < 2 ? 'lazy' : x < 4 ? 'catapult' : 'divergent';
}

export interface UvState {
  /** Network output f = vᵀu/√n. */
  f: number;
  /** NTK λ = (‖u‖² + ‖v‖²)/n. */
  lambda: number;
}

/** One exact GD step of the two-layer linear model in (f, λ) coordinates (see the file comment). */
export function uvStep(s: UvState, lr: number, width: number, target = 0): UvState {
  const g = s.f - target;
  return {
    f: s.f - lr * g * s.lambda + (lr * lr * g * g * s.f) / width,
    lambda: s.lambda + ((lr * g) / width) * (lr * g * s.lambda - 4 * s.f),
  };
}

/** Iterate `uvStep`; stops early (marking `diverged`) once |f| or λ is non-finite or > 1e150. */
export function uvTrajectory(s0: UvState, lr: number, width: number, steps: number, target = 0): { states: UvState[]; diverged: boolean } {
  const states = [s0];
  let s = s0;
  for (let t = 0; t < steps; t++) {
    s = uvStep(s, lr, width, target);
    states.push(s);
    if (!Number.isFinite(s.f) || !Number.isFinite(s.lambda) || Math.abs(s.f) > 1e150 || Math.abs(s.lambda) > 1e150) return { states, diverged: true };
  }
  return { states, diverged: false };
}
