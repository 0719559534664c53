/**
 * Lazy vs rich training of a two-layer ReLU network (paper §2.2, Fig. 2; Chizat, Oyallon & Bach
 * 2019 "On lazy training in differentiable programming"; mean-field: Mei, Montanari & Nguyen 2018,
 * Chizat & Bach 2018, Rotskoff & Vanden-Eijnden 2018).
 *
 * Model and loss. f_θ(x) = α h_θ(x), h_θ(x) = (1/m) Σ_i a_i ReLU(w_iᵀx), trained by full-batch GD
 * θ ← θ − η ∇L on L = (1/2n) Σ_r (f(x_r) − y_r)². Init by the doubling trick, so f_{θ₀} ≡ 0.
 *
 * Scaling conventions (derived here).
 *  (i) Lazy side, α ≥ 1. Chizat et al. train α h on the loss (1/α²) ℓ(α h); that is GD on L with
 *      η = η₀/α². Then the function obeys, to first order in the step,
 *        f_{t+1} − f_t = −η J_f J_fᵀ ρ_t / n,  J_f = α J_h  ⇒  −(η₀/n) K_h ρ_t,
 *      with K_h = J_h J_hᵀ independent of α: the function-space dynamics at init no longer depend
 *      on α, while the parameter velocity η J_fᵀρ/n = (η₀/α) J_hᵀρ/n is O(1/α).
 *      Mean-field 1/m: ∂h/∂θ_i = O(1/m) per neuron, so K_h = (1/m)·k̄ with k̄(x, x') =
 *      (1/m) Σ_i [ReLU(w_iᵀx)ReLU(w_iᵀx') + a_i² 1·1 xᵀx'] = O(1). Multiplying η by m gives each
 *      neuron an O(1) velocity and the function an m-independent speed:
 *        η = η₀ · m / α²    (α ≥ 1),    f_{t+1} − f_t ≈ −(η₀/n) k̄ ρ_t.
 *      Linearize θ = θ₀ + u/α: the linearized model α(h₀ + J_h u/α) = J_h u has GD updates
 *      u ← u − η₀ m J_hᵀ(J_h u − y)/n with no α left, so the displacement at any fixed step T is
 *        ‖θ_T − θ₀‖ = ‖u_T‖/α + O(1/α²),   ‖u_T‖² = Σ_j s_j g_j² (v_jᵀy)²,                (1)
 *      where J_h J_hᵀ = Σ_j s_j v_j v_jᵀ, c = η₀m/n and g_j = (1 − (1 − c s_j)^T)/s_j (u₀ = 0, f₀ = 0).
 *      Predicted lazy-limit exponents (log-log slopes in α at fixed η₀, T):
 *        relative weight change  ‖θ_T − θ₀‖/‖θ₀‖   ∝ α^{−1}   (with the prefactor (1))
 *        relative feature change ‖H_T − H₀‖_F/‖H₀‖_F ∝ α^{−1}  (H_ri = ReLU(w_iᵀx_r) is Lipschitz in w)
 *        ReLU gate flips N_f = #{(i, r): sgn w_iᵀx_r changed}  ∝ α^{−1}  (a pre-activation within
 *                                                     |Δw_iᵀx_r| of 0 flips; the density at 0 is finite)
 *        NTK change ‖K_T − K₀‖_F/‖K₀‖_F             ∝ α^{−1/2}  (NOT α^{−1}; derived next)
 *      NTK change. K_rq = (α/m)² Σ_i [ReLU(z_ri)ReLU(z_rq) + a_i² 1[z_ri>0]1[z_qi>0] x_rᵀx_q] has
 *      (a) a part that is smooth in θ: its first-order change cancels exactly under the doubling
 *      trick (partners (w, a), (w, −a) move as (w+v, a+δ), (w−v, −a+δ), and z z', a² are even in
 *      (v, δ)), leaving O(ε²), ε = ‖Δθ‖/‖θ₀‖ ∝ 1/α; (b) step functions 1[z > 0]: each gate flip
 *      changes row and column r of K by ~(α/m)² a_i² x_rᵀx_q, i.e. by ~1/(m√n) relative to
 *      ‖K‖_F ~ (α/m)² m n. N_f ~ n m ε flips with unrelated signs add in quadrature:
 *        ‖ΔK‖_F/‖K‖_F ≈ √N_f /(m√n) ~ (ε/m)^{1/2} ∝ α^{−1/2},
 *      valid while N_f ≫ 1 (for N_f ≲ 1 the change is a rare-event, mean ∝ 1/α) and while (a) is
 *      negligible. Without the doubling trick (a) is O(ε) and dominates for ε ≳ 1/m; but then
 *      f₀ = O(α/√m) and the 1/α² loss no longer makes training lazy (the residual grows with α).
 *      In NTK parameterization (α = c√m): ε ∝ m^{−1/2}, so ‖ΔK‖/‖K‖ ∝ (ε/m)^{1/2} ∝ m^{−3/4} — faster
 *      than the m^{−1/2} of a smooth kernel (there N_f ~ n m ε ∝ √m grows, so flips dominate at all m).
 *        kernel–target alignment change: driven by the same flips; recorded, not checked.
 *      In NTK parameterization, f = (1/√m)Σ a_i ReLU(w_iᵀx), i.e. α = c√m, the same law reads
 *      ∝ m^{−1/2} at fixed c: width alone makes training lazy (Jacot et al. 2018; Lee et al. 2019).
 *      There η = η₀ m/α² = η₀/c² is the usual width-independent NTK step.
 * (ii) Rich side, α ≤ 1. Write θ = α^{−1/2} φ. ReLU nets are 2-homogeneous in (a, w), so
 *      f_θ = α h_θ = h_φ: the network is a mean-field net with small init φ₀ = α^{1/2}θ₀, which must
 *      grow (weights grow by ~α^{−1/2}) to fit. A GD step in θ with η is a step in φ of
 *      Δφ = −η α ∇_φ L(h_φ); the mean-field step of size η₀ (per-neuron gradient times m) needs
 *        η = η₀ · m / α    (α ≤ 1),
 *      which at α = 1 agrees with (i). Combined: η(α, m) = η₀ m min(1, α)/α². (With η₀ m/α² at
 *      α < 1 the φ-step would be η₀/α: unstable once the weights have grown — the final kernel is
 *      ~1/α times the initial one.)
 * (iii) Rich prediction (qualitative; mean-field global convergence for 2-homogeneous nets,
 *      Chizat & Bach 2018, and the Fig. 2 phenomenology): as α → 0 the mass μ_i = |a_i|‖w_i‖
 *      concentrates on the teacher directions w*_k, in neurons whose sgn a_i = sgn a*_k. The
 *      statistic is the mass fraction C(δ) within angle δ of a same-sign teacher direction
 *      (observables/feature-learning.ts). Baseline: with w_i isotropic (N(0, σ²I), d = 2: uniform
 *      angle), μ_i independent of the angle, and each direction carried once with each sign at
 *      equal mass (doubling trick),
 *        E C₀(δ) = ½ |U₊(δ)|/2π + ½ |U₋(δ)|/2π,                                             (2)
 *      U_± = union of the arcs [θ*_k − δ, θ*_k + δ] of the teachers with sgn a*_k = ±. A lazy run
 *      keeps C at its init value (changes O(1/α)); a rich run drives it towards 1.
 */
import { eigh, type Mat } from '../engine/linalg/index.js';
import * as libm from '../engine/libm.js';

/** The learning rate η(α, m) = η₀ m min(1, α)/α² of the header, (i)–(ii). */
export function lazyRichLearningRate(eta0: number, alpha: number, m: number): number {
  return (eta0 * m * Math.min(1, alpha)) / (alpha * alpha);
}

/** Predicted log-log slopes in α of the lazy-limit observables (header, (i)). */
export const lazyExponents = { weight: -1, feature: -1, flips: -1 } as const;

/** Predicted log-log slope in α of the NTK change, gate-flip dominated (header, (i)). */
export const ntkFlipExponent = -0.5;

/** Predicted slope in width m of the NTK change at α = c√m, gate-flip dominated (header, (i)). */
export const ntkFlipWidthExponent = -0.75;

/** Predicted slope in width m at α = c√m (NTK parameterization). */
export const ntkWidthExponent = -0.5;

/**
 * Measure (radians) of the union of arcs [θ_k − δ, θ_k + δ] on the circle, exact (arcs sorted and
 * merged, wrap-around included).
 */
export function arcUnionMeasure(centers: number[], delta: number): number {
  if (!centers.length || delta <= 0) return 0;
  const TWO_PI = 2 * Math.PI;
  if (delta >= Math.PI) return TWO_PI;
  // Cut every arc at 2π into intervals of [0, 2π), then merge on the line.
  const iv: [number, number][] = [];
  for (const c of centers) {
    const s = (((c - delta) % TWO_PI) + TWO_PI) % TWO_PI, e = s + 2 * delta;
    if (e <= TWO_PI) iv.push([s, e]);
    else { iv.push([s, TWO_PI]); iv.push([0, e - TWO_PI]); }
  }
  iv.sort((p, q) => p[0] - q[0]);
  let total = 0, [cs, ce] = iv[0];
  for (const [s, e] of iv.slice(1)) {
    if (s <= ce) ce = Math.max(ce, e);
    else { total += ce - cs; cs = s; ce = e; }
  }
  return total + (ce - cs);
}

/**
 * Baseline (2): expected angular concentration C₀(δ) at an isotropic, sign-symmetric init in d = 2.
 * `matchSign = false` drops the sign requirement (then the baseline is |U|/2π over all teachers).
 */
export function concentrationBaseline(teacherAngles: number[], teacherOutputs: number[], delta: number, matchSign = true): number {
  if (!matchSign) return arcUnionMeasure(teacherAngles, delta) / (2 * Math.PI);
  const plus = teacherAngles.filter((_, k) => teacherOutputs[k] > 0);
  const minus = teacherAngles.filter((_, k) => teacherOutputs[k] < 0);
  return 0.5 * (arcUnionMeasure(plus, delta) + arcUnionMeasure(minus, delta)) / (2 * Math.PI);
}

/**
 * Lazy-limit prefactor (1): ‖u_T‖ for the linearized model after T GD steps, from the Gram matrix
 * G = J_h J_hᵀ (n × n, the NTK of h = f/α at init), targets y, and c = η₀ m / n. The predicted
 * relative weight change at multiplier α is ‖u_T‖/(α‖θ₀‖). Also returns the linearized training
 * residual ‖ρ_T‖/‖y‖ = ‖(I − cG)^T y‖/‖y‖.
 */
export function linearizedDisplacement(G: Mat, y: ArrayLike<number>, c: number, T: number): { displacement: number; residual: number } {
  const { values, vectors } = eigh(G);
  const n = G.rows;
  let u2 = 0, r2 = 0, y2 = 0;
  for (let j = 0; j < n; j++) {
    let p = 0;
    for (let i = 0; i < n; i++) p += vectors.data[i * n + j] * y[i];
    const s = Math.max(values[j], 0);
    const decay = libm.pow(1 - c * s, T);
    // g(s) = (1 − (1 − cs)^T)/s → cT as s → 0.
    const g = s * c * T < 1e-8 ? c * T : (1 - decay) / s;
    u2 += s * g * g * p * p;
    r2 += decay * decay * p * p;
    y2 += p * p;
  }
  return { displacement: Math.sqrt(u2), residual: Math.sqrt(r2 / y2) };
}
