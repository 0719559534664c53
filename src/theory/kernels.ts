/**
 * Analytic infinite-width kernels of fully connected networks: NNGP Σ and NTK Θ, composed layer
 * by layer (each layer knows how it maps the pair (Σ, Θ); the design of neural-tangents' `stax`,
 * Novak et al. 2020 — written here from the equations, not from that code).
 *
 * State carried between layers, for every input pair (x, x′):
 *   q(x, x′) = per-unit covariance of the current representation h,  lim (1/n) Σ_j h_j(x) h_j(x′),
 *   t(x, x′) = per-unit tangent kernel of h,                          lim Σ_p ∂h_j(x)/∂θ_p ∂h_j(x′)/∂θ_p,
 * plus q(x, x) and q(x′, x′). Inputs start as q = xᵀx′/d, t = 0 (d = input dimension).
 *
 * dense(σ_w², σ_b²), NTK parameterization z = (σ_w/√n) W h + σ_b b, W, b ~ N(0, 1)
 * (Jacot et al. 2018; Lee et al. 2019):
 *   Σ ← σ_w² q + σ_b²,      Θ ← σ_w² t + σ_w² q + σ_b²                                       (1)
 *   (σ_w² t: gradients through h;  σ_w² q: gradients of W;  σ_b²: gradient of b).
 * dense, standard parameterization z = W h + b, W ~ N(0, σ_w²/n), b ~ N(0, σ_b²): the same Σ, but
 * ∂z/∂W_ij = h_j is not scaled by 1/√n, so the weight term is n·q and grows with the fan-in n
 * (Sohl-Dickstein et al. 2020, "On the infinite width limit of neural networks with a standard
 * parameterization"). We give its value at a stated finite width:
 *   Θ ← σ_w² t + n q + 1[bias trained]                                                       (1′)
 * so it has no width → ∞ limit; the standard NTK needs `width` (hidden fan-in) to be given.
 *
 * Nonlinearity φ, with (u, v) ~ N(0, [[q₁₁, q₁₂], [q₁₂, q₂₂]]) (the Σ of the previous dense layer):
 *   q ← E[φ(u)φ(v)],     t ← t · E[φ′(u)φ′(v)]                                                (2)
 *   ReLU (arc-cosine kernels, Cho & Saul 2009), cos ϑ = q₁₂/√(q₁₁q₂₂):
 *     E[φφ] = √(q₁₁q₂₂)/(2π) · (sin ϑ + (π − ϑ) cos ϑ),     E[φ′φ′] = (π − ϑ)/(2π)
 *   erf (Williams 1997):
 *     E[φφ] = (2/π) arcsin( 2q₁₂ / √((1 + 2q₁₁)(1 + 2q₂₂)) ),
 *     E[φ′φ′] = (4/π) / √((1 + 2q₁₁)(1 + 2q₂₂) − 4q₁₂²)      (φ′ = (2/√π) e^{−u²}; Gaussian integral)
 *   identity: q, t unchanged.
 * A depth-L network is dense, φ, dense, φ, …, dense (L dense layers); its NNGP is the last Σ and its
 * NTK the last Θ. With σ_b² = 0 the ReLU recursion reproduces the paper digest's (reconstructed)
 * closed form Σ^{(ℓ+1)} = σ_w²/(2π) √(Σ₁₁Σ₂₂)(sin ϑ + (π − ϑ)cos ϑ) + σ_b², Σ̇ = σ_w²(π − ϑ)/(2π),
 * Θ^{(ℓ+1)} = Θ^{(ℓ)} Σ̇^{(ℓ+1)} + Σ^{(ℓ+1)}: (1) after (2) is exactly that recursion. The check is
 * against Monte-Carlo wide networks in test/kernels.test.ts (our engine's `mlpForward`,
 * `empiricalNtk`), for both parameterizations.
 * The NTK is the trace kernel per output: for k outputs the full NTK is Θ ⊗ I_k.
 */
import { type Mat, mat } from '../engine/linalg/index.js';
import { type KernelActivation, type KernelLayer, type KernelParameterization, dense, inputState, nonlinearity, scalarState, serial } from '../nn/kernels.js';

// The per-layer maps (eqs. 1, 2) live with the layers in src/nn/kernels.ts; they are re-exported
// here so theory code and existing callers keep one import.
export {
  type DenseOptions, type KernelActivation, type KernelLayer, type KernelParameterization, type KernelState,
  dense, denseFromInfo, dualActivation, erf, identity, inputState, nonlinearity, relu, scalarState, scaleKernel, serial, sumStates,
} from '../nn/kernels.js';

export interface FullyConnectedSpec {
  activation: KernelActivation;
  /** number of dense (weight) layers L ≥ 1; L − 1 hidden layers */
  depth: number;
  sigmaW2: number;
  sigmaB2: number;
  parameterization?: KernelParameterization;
  /** hidden width; required for the standard-parameterization NTK (eq. 1′), ignored otherwise */
  width?: number;
  /** standard parameterization: biases trained (default true) */
  bias?: boolean;
}

/** dense, φ, dense, φ, …, dense: the kernel of `mlpForward` with widths [d, width, …, width, k]. */
export function fullyConnected(spec: FullyConnectedSpec): KernelLayer {
  if (!Number.isInteger(spec.depth) || spec.depth < 1) throw new RangeError(`depth: must be an integer ≥ 1 (got ${spec.depth})`);
  if (!(spec.sigmaW2 >= 0) || !(spec.sigmaB2 >= 0)) throw new RangeError('sigmaW2, sigmaB2: must be ≥ 0');
  const param = spec.parameterization ?? 'ntk';
  if (param === 'standard' && spec.depth > 1 && !(spec.width && spec.width > 0)) {
    throw new RangeError('width: the standard-parameterization NTK grows with width (no infinite-width limit); give the hidden width');
  }
  const layers: KernelLayer[] = [];
  for (let l = 0; l < spec.depth; l++) {
    layers.push(dense({ sigmaW2: spec.sigmaW2, sigmaB2: spec.sigmaB2, parameterization: param, width: spec.width, bias: spec.bias }));
    if (l < spec.depth - 1) layers.push(nonlinearity(spec.activation));
  }
  return serial(...layers);
}

export interface KernelPair {
  nngp: Mat;
  ntk: Mat;
}

/** Analytic NNGP and NTK matrices between the rows of X1 and X2 (default X1). */
export function analyticKernel(spec: FullyConnectedSpec, X1: Mat, X2?: Mat): KernelPair {
  const s = fullyConnected(spec)(inputState(X1, X2 ?? X1));
  return { nngp: mat(s.n1, s.n2, s.q), ntk: mat(s.n1, s.n2, s.t) };
}

/**
 * The kernel as a function of the cosine c = x·x′/(‖x‖‖x′‖) for inputs with ‖x‖² = d·r2
 * (dot-product kernel on the sphere of radius √(d·r2)). Returns [nngp(c), ntk(c)] per c.
 * `inputDim` = d matters only for the standard-parameterization NTK (first-layer fan-in).
 */
export function dotProductKernel(spec: FullyConnectedSpec, cosines: ArrayLike<number>, r2 = 1, inputDim = 1): { nngp: Float64Array; ntk: Float64Array } {
  const s = fullyConnected(spec)(scalarState(cosines, r2, inputDim));
  return { nngp: s.q, ntk: s.t };
}
