/**
 * Depth scaling of residual networks: branch multipliers L^{−α} and the learning-rate rule that
 * goes with them (science-notes §A4, derived there and here).
 *
 * Residual stream with L branches, x_{l+1} = x_l + L^{−α}·b_l(x_l), l = 0 … L−1:
 *   α = 0   no scaling (standard practice);
 *   α = ½   Depth-μP (Bordelon, Noci, Li, Hanin & Pehlevan 2023, arXiv 2309.16620; Yang, Yu, Zhu &
 *           Hayou 2023, "Tensor Programs VI", arXiv 2310.02244);
 *   α = 1   CompleteP (Dey et al. 2025, arXiv 2505.01618; nanoGPT-mup `completep` branch).
 *
 * (1) Planted identity, linear branches b_l(x) = W_l x with W_l ~ N(0, σ²/n) i.i.d., independent of
 *     x_l: E‖x_{l+1}‖² = ‖x_l‖² + 2L^{−α}E[x_lᵀW_l x_l] + L^{−2α}E‖W_l x_l‖² = (1 + σ²L^{−2α})‖x_l‖²
 *     exactly (the cross term has mean zero, E‖Wx‖² = σ²‖x‖²), so
 *         E‖x_L‖²/‖x₀‖² = (1 + σ² L^{−2α})^L        (for any width n)
 *     → e^{σ²} for α = ½, → 1 for α = 1, and (1 + σ²)^L (exponential) for α = 0.
 *
 * (2) LR rule. A branch weight's gradient carries the branch multiplier, ∂ℓ/∂W_l = L^{−α}·δ_{l+1}h_lᵀ
 *     (δ_{l+1} = ∂ℓ/∂x_{l+1}), and its update moves the stream by L^{−α}·ΔW_l h_l. Under SGD with
 *     branch LR η_b each block therefore moves x_L by Θ(η_b L^{−2α}), and the L blocks add coherently
 *     (their updates all follow the same back-propagated error, which is depth-stable for α ≥ ½):
 *         Δx_L = Θ(η_b · L^{1−2α}),     so a Θ(1) update needs   η_b ∝ L^{2α−1}   (SGD).
 *     Adam normalizes the gradient, ΔW_l = Θ(η_b) per entry, so Δx_L = Θ(η_b L^{1−α}) and
 *         η_b ∝ L^{α−1}   (Adam).
 *     This reproduces Depth-μP (SGD LR constant, Adam ∝ L^{−½}) and CompleteP (Adam LR constant).
 *     The same count gives the branch part of the NTK, Σ_l L^{−2α}·Θ(1)·η_b/η, so under the rule the
 *     largest stable LR 2/λ_max is depth-independent, and without it (α = 0, η_b = η) λ_max ∝ L.
 *
 * (3) Predicted depth exponents (log₂–log₂ slopes against L) of a model trained with base LR η and
 *     branch LR η_b = η·L^{r} (r = the rule's exponent, or 0 when the rule is not applied):
 *         one-step update   RMS(Δx_L) ∝ L^{1−2α+r}   (SGD)
 *         optimal LR        η* ∝ L^{−(1−2α+r)}       (the base LR that keeps Δx_L fixed)
 *         stability edge    η_max ∝ L^{−(1−2α+r)}
 *     With the rule all three are 0; with no scaling at all (α = 0, r = 0) they are +1, −1, −1 in
 *     the limit L → ∞. At finite L the input and readout layers, whose update does not grow with L,
 *     make the optimal-LR and edge slopes shallower than −1 (η* ∝ 1/(c + L)).
 */
import { depthMultiplier, type Optimizer } from '../nn/parameterization.js';
import * as libm from '../engine/libm.js';

function checkAlpha(alpha: number, field: string): number {
  if (typeof alpha !== 'number' || !(alpha >= 0 && alpha <= 2)) throw new RangeError(`${field}: must be in [0, 2] (got ${String(alpha)}); 0 no scaling, ½ Depth-μP, 1 CompleteP`);
  return alpha;
}

/** E‖x_L‖²/‖x₀‖² = (1 + σ²L^{−2α})^L for the linear residual net with N(0, σ²/n) branch weights. */
export function linearResidualGrowth(depth: number, alpha: number, sigma2: number): number {
  if (!Number.isInteger(depth) || depth < 0) throw new RangeError(`linearResidualGrowth.depth: must be an integer ≥ 0 (got ${String(depth)})`);
  checkAlpha(alpha, 'linearResidualGrowth.alpha');
  if (!(sigma2 >= 0) || !Number.isFinite(sigma2)) throw new RangeError(`linearResidualGrowth.sigma2: must be a finite number ≥ 0 (got ${String(sigma2)})`);
  if (depth === 0) return 1;
  return libm.exp(depth * libm.log1p(sigma2 * libm.pow(depth, -2 * alpha)));
}

/** The rule's exponent r in η_branch ∝ L^r: 2α − 1 (SGD) or α − 1 (Adam). */
export function depthLrExponent(alpha: number, optimizer: Optimizer): number {
  checkAlpha(alpha, 'depthLrExponent.alpha');
  if (optimizer === 'sgd') return 2 * alpha - 1;
  if (optimizer === 'adam') return alpha - 1;
  throw new RangeError(`depthLrExponent.optimizer: must be 'sgd' or 'adam' (got ${String(optimizer)})`);
}

/** Branch LR factor L^r (with L₀ = 1): the SGD or Adam entry of `depthMultiplier`. */
export function depthLrFactor(depth: number, alpha: number, optimizer: Optimizer): number {
  const d = depthMultiplier(depth, 1, alpha);
  return optimizer === 'sgd' ? d.sgdLr : d.adamLr;
}

export interface DepthExponents {
  /** Slope of log₂ RMS(Δx_L) after one step against log₂ L. */
  update: number;
  /** Slope of log₂ η* against log₂ L. */
  optimalLr: number;
  /** Slope of log₂ η_max (largest stable LR) against log₂ L. */
  stabilityEdge: number;
}

/**
 * Large-L depth exponents of header (3) for branch multiplier L^{−α} and branch LR η·L^{r}, with
 * r = the rule's exponent when `lrRule`, else 0. SGD: u = 1 − 2α + r; Adam: u = 1 − α + r.
 */
export function predictedDepthExponents(alpha: number, lrRule: boolean, optimizer: Optimizer = 'sgd'): DepthExponents {
  checkAlpha(alpha, 'predictedDepthExponents.alpha');
  const r = lrRule ? depthLrExponent(alpha, optimizer) : 0;
  const u = (optimizer === 'sgd' ? 1 - 2 * alpha : 1 - alpha) + r;
  return { update: u + 0, optimalLr: -u + 0, stabilityEdge: -u + 0 };
}
