/**
 * Noether's theorem for learning: conservation laws from symmetries of the loss, their exact
 * discrete-time versions for GD/SGD with coupled weight decay, and their gradient-flow limits.
 * Sources: Kunin, Sagastuy-Breña, Ganguli, Yamins & Tanaka 2021, "Neural mechanics" (ICLR,
 * arXiv 2012.04728) §3–5; Marcotte, Gribonval & Peyré 2023 (arXiv 2307.00144) for completeness;
 * Marcotte, Gribonval & Peyré 2024, "Keep the momentum" (arXiv 2405.12888) for momentum.
 *
 * Symmetries of a loss L(θ) of a parameter group A (and the gradient identity each implies):
 *   translation  L(θ + α1_A) = L            ⇒ ⟨g, 1_A⟩ = 0          (softmax readout: Σ_c w_c, Σ_c b_c)
 *   scale        L(αθ_A) = L, α > 0          ⇒ ⟨g_A, θ_A⟩ = 0        (weights feeding a norm layer, ε = 0)
 *   rescale      L(αθ_{A1}, θ_{A2}/α) = L    ⇒ ⟨g_{A1}, θ_{A1}⟩ = ⟨g_{A2}, θ_{A2}⟩
 *                                              (ReLU neuron: incoming weights and bias vs outgoing weights)
 *
 * Exact discrete identities (derived here) for the step θ' = θ − η(g + λθ) = (1 − ηλ)θ − ηg, with
 * g the gradient of the (minibatch) loss without decay, valid for any η, any batch:
 *   translation  S' = (1 − ηλ) S,                               S = ⟨θ, 1_A⟩
 *   scale        Q' = (1 − ηλ)² Q + η² ‖g_A‖²,                  Q = ‖θ_A‖²
 *   rescale      Δ' = (1 − ηλ)² Δ + η² (‖g_{A1}‖² − ‖g_{A2}‖²),  Δ = ‖θ_{A1}‖² − ‖θ_{A2}‖²
 * (expand ‖(1 − ηλ)θ_A − ηg_A‖² and use the gradient identity for the cross term).
 *
 * Gradient flow θ̇ = −g − λθ (η → 0): S(t) = e^{−λt}S(0), Q(t) = e^{−2λt}Q(0), Δ(t) = e^{−2λt}Δ(0):
 * conserved for λ = 0. To first order in η, GD follows the modified flow of Kunin et al. (§5), whose
 * quadratic charges obey Q̇ = −2λQ + η‖g_A‖², i.e.
 *   Q(t) = e^{−2λt}Q(0) + η ∫₀ᵗ e^{−2λ(t−τ)} ‖g_A(τ)‖² dτ + O(η²),
 * so at a fixed time horizon the GD drift of a quadratic charge is O(η) with slope 1 in η and
 * prefactor ∫‖g_A‖²dτ along the flow; the translation charge, linear in θ, has no η² source and
 * GD conserves it exactly (λ = 0). Per step, weight decay shrinks S by (1 − ηλ) and Q, Δ by
 * (1 − ηλ)² ≈ 1 − 2ηλ: exponential decay at rate ηλ and 2ηλ per step.
 * Momentum and Adam updates are not memoryless gradient steps; their cross terms ⟨θ_A, u_A⟩ do
 * not vanish, and no law survives for ReLU nets under momentum (Marcotte et al. 2024); for the
 * translation charge heavy-ball momentum still gives ΣΔθ = 0 when λ = 0, Adam does not.
 */
import * as libm from '../engine/libm.js';

function checkStep(where: string, lr: number, wd: number): void {
  if (!(lr >= 0) || !Number.isFinite(lr)) throw new RangeError(`${where}.lr: must be finite and ≥ 0 (got ${lr})`);
  if (!(wd >= 0) || !Number.isFinite(wd)) throw new RangeError(`${where}.wd: must be finite and ≥ 0 (got ${wd})`);
}

/** Translation charge after one GD/SGD step with coupled decay: (1 − ηλ)S (each entry). */
export function translationStep(S: ArrayLike<number>, lr: number, wd: number): Float64Array {
  checkStep('translationStep', lr, wd);
  const f = 1 - lr * wd;
  return Float64Array.from(S, (s) => f * s);
}

/**
 * Quadratic charge (scale: Q = ‖θ_A‖², source ‖g_A‖²; rescale: Δ = ‖θ_{A1}‖² − ‖θ_{A2}‖², source
 * ‖g_{A1}‖² − ‖g_{A2}‖²) after one GD/SGD step: (1 − ηλ)²Q + η²·source.
 */
export function quadraticStep(Q: number, source: number, lr: number, wd: number): number {
  checkStep('quadraticStep', lr, wd);
  const f = 1 - lr * wd;
  return f * f * Q + lr * lr * source;
}

/** Gradient-flow value at time t of a charge that decays at rate `order`·λ (translation 1, scale/rescale 2). */
export function flowCharge(Q0: number, wd: number, t: number, order: 1 | 2): number {
  if (!(wd >= 0) || !(t >= 0)) throw new RangeError(`flowCharge: wd and t must be ≥ 0 (got ${wd}, ${t})`);
  return Q0 * libm.exp(-order * wd * t);
}

/**
 * First-order GD drift of a quadratic charge at time t (modified flow): η ∫₀ᵗ e^{−2λ(t−τ)} s(τ) dτ
 * for the source s sampled at times τ_j (trapezoid rule; τ ascending, ending at t).
 */
export function firstOrderDrift(lr: number, wd: number, times: ArrayLike<number>, source: ArrayLike<number>): number {
  if (times.length !== source.length || times.length < 2) throw new RangeError(`firstOrderDrift: times and source need the same length ≥ 2 (got ${times.length}, ${source.length})`);
  const t = times[times.length - 1];
  let s = 0;
  for (let j = 1; j < times.length; j++) {
    const a = source[j - 1] * libm.exp(-2 * wd * (t - times[j - 1]));
    const b = source[j] * libm.exp(-2 * wd * (t - times[j]));
    s += 0.5 * (a + b) * (times[j] - times[j - 1]);
  }
  return lr * s;
}

/** Per-step decay factors of the three charges under weight decay: translation 1 − ηλ, quadratic (1 − ηλ)². */
export function decayFactors(lr: number, wd: number): { translation: number; quadratic: number } {
  checkStep('decayFactors', lr, wd);
  const f = 1 - lr * wd;
  return { translation: f, quadratic: f * f };
}
