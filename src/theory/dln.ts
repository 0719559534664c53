/**
 * Deep linear networks: exact mode dynamics (Saxe, McClelland & Ganguli 2014; paper §2.1, Fig. 1a).
 *
 * Model f(x) = W_L ⋯ W_1 x, whitened inputs (Σ_xx = I), target map T = Σ_yx = U* Λ* V*ᵀ, and the
 * loss with the ½ convention used throughout this lab:
 *
 *   L(W) = ½ E‖y − W_L⋯W_1 x‖² = ½ ‖T − W_L⋯W_1‖_F² + const.                          (1)
 *
 * Gradient flow dW_l/dt = −∂L/∂W_l, time t = η · (GD steps). With task-aligned, balanced
 * initialization every layer keeps the singular vectors it starts with, and the end-to-end
 * strength of mode μ, u_μ = u*_μᵀ W_L⋯W_1 v*_μ = s_μ^L, obeys a Bernoulli ODE of its own:
 *
 *   du/dt = L · u^{2 − 2/L} · (λ − u).                                                   (2)
 *
 * Closed forms (derived from (2)):
 *   L = 1:  u(t) = λ − (λ − u₀) e^{−t}                     (linear regression, no plateau)
 *   L = 2:  u(t) = λ / (1 + (λ/u₀ − 1) e^{−2λt})           (logistic; [LM] eq. 10 with s² = u)
 *   L ≥ 3:  integrate (2) — in w = ln u so that tiny initial strengths keep full precision.
 *
 * Half-learning time τ (u(τ) = λ/2):
 *   L = 1:  τ = ln(2(λ − u₀)/λ);   L = 2:  τ = ln(λ/u₀ − 1) / (2λ);
 *   any L:  τ = ∫_{u₀}^{λ/2} du / (L u^{2−2/L} (λ − u))  (quadrature; an independent route to (2)).
 * Note the ½ in (1): with the unnormalized Frobenius loss every rate doubles, which is the
 * "factor 2" in the learningmechanics.pub widget. Larger λ ⇒ shorter τ: modes are learned in
 * order of decreasing singular value, and the gaps widen as u₀ shrinks (staircase loss).
 *
 * Conservation law (any L, gradient flow): G_l = W_{l+1}ᵀW_{l+1} − W_l W_lᵀ is constant.
 * Under GD each step changes it by η²(∇_{l+1}ᵀ∇_{l+1} − ∇_l∇_lᵀ), so the drift over a fixed time
 * horizon is O(η).
 *
 * Random (unaligned) small init, L = 2: in the early linear phase a_μ = W₁v*_μ and
 * b_μ = W₂ᵀu*_μ obey da/dt = λb, db/dt = λa, so a + b grows like e^{λt} while a − b decays and
 * u_μ = bᵀa → ¼‖a₀ + b₀‖² e^{2λt}: the logistic law holds with the effective initial strength
 * u₀,eff = ¼‖a₀ + b₀‖² (derived here; cross-mode coupling in the hidden layer is neglected).
 */
import * as libm from '../engine/libm.js';

export interface ModeTheory {
  lambda: number;
  u0: number;
}

/** Right-hand side of (2). */
export function modeRate(u: number, lambda: number, depth: number): number {
  return depth * libm.pow(Math.abs(u), 2 - 2 / depth) * (lambda - u);
}

/**
 * u(t) for one mode at the given times. Closed form for L = 1, 2; for L ≥ 3 RK4 on
 * dw/dt = L e^{w(1−2/L)} (λ − e^w), w = ln u, with a step that resolves the fastest rate.
 */
export function modeTrajectory(lambda: number, u0: number, depth: number, times: ArrayLike<number>): Float64Array {
  const out = new Float64Array(times.length);
  if (depth === 1) {
    for (let i = 0; i < times.length; i++) out[i] = lambda - (lambda - u0) * libm.exp(-times[i]);
    return out;
  }
  if (depth === 2 && u0 > 0) {
    for (let i = 0; i < times.length; i++) out[i] = lambda / (1 + (lambda / u0 - 1) * libm.exp(-2 * lambda * times[i]));
    return out;
  }
  if (!(u0 > 0)) {
    // u = 0 is a fixed point of (2) for L ≥ 2 (the saddle): nothing is ever learned.
    return out.fill(u0);
  }
  let tMax = 0;
  for (let i = 0; i < times.length; i++) tMax = Math.max(tMax, times[i]);
  const fastest = depth * libm.pow(Math.max(lambda, u0, 1e-12), 2 - 2 / depth);
  const h = Math.min(0.02 / fastest, tMax / 64 || 1);
  const f = (w: number) => {
    const u = libm.exp(w);
    return depth * libm.exp(w * (1 - 2 / depth)) * (lambda - u);
  };
  // Integrate once over the sorted times, stepping with h between requested points.
  const order = Array.from(times, (_, i) => i).sort((a, b) => times[a] - times[b]);
  let t = 0;
  let w = libm.log(u0);
  for (const idx of order) {
    const target = times[idx];
    while (t < target) {
      const dt = Math.min(h, target - t);
      const k1 = f(w), k2 = f(w + 0.5 * dt * k1), k3 = f(w + 0.5 * dt * k2), k4 = f(w + dt * k3);
      w += (dt / 6) * (k1 + 2 * k2 + 2 * k3 + k4);
      t += dt;
    }
    out[idx] = libm.exp(w);
  }
  return out;
}

/**
 * Time for one mode to go from u0 to u1 under (2), by Gauss–Legendre quadrature in w = ln u:
 * dt = dw · u^{2/L − 1} / (L (λ − u)). Requires u0, u1 on the same side of λ.
 */
export function timeToReach(lambda: number, u0: number, u1: number, depth: number, panels = 200): number {
  if (!(u0 > 0 && u1 > 0)) throw new RangeError('timeToReach needs positive strengths');
  if ((u0 - lambda) * (u1 - lambda) <= 0) return Infinity;
  const w0 = libm.log(u0), w1 = libm.log(u1);
  const g = (w: number) => {
    const u = libm.exp(w);
    return libm.pow(u, 2 / depth - 1) / (depth * (lambda - u));
  };
  // 5-point Gauss–Legendre on each panel.
  const xs = [0, -0.5384693101056831, 0.5384693101056831, -0.906179845938664, 0.906179845938664];
  const ws = [0.5688888888888889, 0.47862867049936647, 0.47862867049936647, 0.23692688505618908, 0.23692688505618908];
  const hw = (w1 - w0) / panels;
  let total = 0;
  for (let p = 0; p < panels; p++) {
    const mid = w0 + (p + 0.5) * hw;
    for (let q = 0; q < 5; q++) total += ws[q] * g(mid + 0.5 * hw * xs[q]);
  }
  return total * 0.5 * hw;
}

/** Half-learning time τ: u(τ) = λ/2. Zero if the mode starts past half; ∞ if it never gets there. */
export function halfLearningTime(lambda: number, u0: number, depth: number): number {
  if (!(lambda > 0)) return Infinity;
  if (u0 >= lambda / 2) return 0;
  if (depth === 1) return libm.log((2 * (lambda - u0)) / lambda);
  if (!(u0 > 0)) return Infinity;
  if (depth === 2) return libm.log(lambda / u0 - 1) / (2 * lambda);
  return timeToReach(lambda, u0, lambda / 2, depth);
}

/** Predicted order in which modes are learned: indices sorted by τ (ties keep index order). */
export function learningOrder(modes: ModeTheory[], depth: number): number[] {
  const tau = modes.map((m) => halfLearningTime(m.lambda, m.u0, depth));
  return modes.map((_, i) => i).sort((a, b) => tau[a] - tau[b] || a - b);
}

/** Loss (1) of aligned modes: ½ Σ_μ (λ_μ − u_μ)² (+ ½ Σ of unlearnable target power, passed as `floor`). */
export function modeLoss(lambdas: ArrayLike<number>, us: ArrayLike<number>, floor = 0): number {
  let s = floor;
  for (let i = 0; i < lambdas.length; i++) s += 0.5 * (lambdas[i] - us[i]) ** 2;
  return s;
}

/** Effective initial strength of mode (u*, v*) for a random two-layer init: ¼‖W₁v* + W₂ᵀu*‖². */
export function effectiveInitialStrength2(
  W1: { rows: number; cols: number; data: Float64Array },
  W2: { rows: number; cols: number; data: Float64Array },
  uStar: ArrayLike<number>,
  vStar: ArrayLike<number>,
): number {
  const h = W1.rows;
  let s = 0;
  for (let r = 0; r < h; r++) {
    let a = 0;
    for (let c = 0; c < W1.cols; c++) a += W1.data[r * W1.cols + c] * vStar[c];
    let b = 0;
    for (let o = 0; o < W2.rows; o++) b += W2.data[o * W2.cols + r] * uStar[o];
    s += (a + b) ** 2;
  }
  return s / 4;
}

/**
 * GD step size regime: the curvature of (1) along mode μ at the learned point is L λ^{2−2/L}
 * (Hessian of ½(λ − s^L)² at s = λ^{1/L}, balanced direction). GD tracks the flow when
 * η · L · λ_max^{2−2/L} ≪ 1, and is unstable beyond 2.
 */
export function discretizationParameter(lr: number, depth: number, lambdaMax: number): number {
  return lr * depth * libm.pow(lambdaMax, 2 - 2 / depth);
}
