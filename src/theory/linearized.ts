/**
 * Spectral bias in time: residual decay per NTK eigendirection for a network trained in its
 * linearized (lazy) regime (Jacot et al. 2018; Lee et al. 2019; paper §1.2, check-experiment E1.5).
 * Only the residual-decay law lives here; kernel regression / eigenlearning are elsewhere.
 *
 * Loss L(θ) = (1/2n) Σ_r (f(x_r) − y_r)² = (1/2n)‖ρ‖², ρ = f(X) − y. One GD step θ ← θ − η∇L with
 * ∇L = (1/n) Jᵀρ (J = ∂f(X)/∂θ, n × P) moves the training outputs, to first order, by
 *   ρ_{k+1} = ρ_k − (η/n) J Jᵀ ρ_k = (I − (η/n) K) ρ_k,   K = J Jᵀ the empirical NTK Gram matrix.
 * If K is constant (linear-in-parameters model exactly; a wide network approximately), with
 * K = Σ_i λ_i u_i u_iᵀ the residual's component c_i = u_iᵀρ evolves independently:
 *   GD:    c_i(k) = (1 − ηλ_i/n)^k c_i(0)                  (exact for a linear model)
 *   flow:  c_i(t) = e^{−λ_i t/n} c_i(0),  t = η k           (the η → 0 limit)
 * Per-step decay rates: GD ρ_i = −ln|1 − ηλ_i/n|, flow ηλ_i/n; they agree to O((ηλ_i/n)²):
 * ρ_i = ηλ_i/n + ½(ηλ_i/n)² + …. Note the 1/n: with the unnormalized loss ½‖ρ‖² (Lee et al.) the
 * rate is ηλ_i. Large-λ directions are fitted first: spectral bias. Stability needs ηλ_max/n < 2.
 * For a nonlinear network the law holds while K_t ≈ K_0; ‖K_T − K_0‖_F/‖K_0‖_F measures that.
 */
import { eigh, type Mat } from '../engine/linalg/index.js';
import { linearFit } from '../observables/fit.js';
import * as libm from '../engine/libm.js';

/** GD per-step decay rate −ln|1 − ηλ/n| of the residual component along an eigenvalue-λ direction. */
export function gdModeRate(lambda: number, eta: number, n: number): number {
  return -libm.log(Math.abs(1 - (eta * lambda) / n));
}

/** Gradient-flow rate per step (time η per step): ηλ/n. */
export function flowModeRate(lambda: number, eta: number, n: number): number {
  return (eta * lambda) / n;
}

/** c_i(k)/c_i(0) after k GD steps, (1 − ηλ/n)^k (sign kept: it alternates when ηλ/n > 1). */
export function gdResidualFactor(lambda: number, eta: number, n: number, steps: number): number {
  return libm.pow(1 - (eta * lambda) / n, steps);
}

/** c_i(t)/c_i(0) under gradient flow after time t = η·steps: e^{−ηλ·steps/n}. */
export function flowResidualFactor(lambda: number, eta: number, n: number, steps: number): number {
  return libm.exp(-(eta * lambda * steps) / n);
}

export interface KernelModes {
  /** Eigenvalues, largest first. */
  lambdas: number[];
  /** Matching unit eigenvectors (each of length n). */
  vectors: Float64Array[];
}

/** Top `k` eigenpairs of a symmetric Gram matrix, largest first. */
export function topKernelModes(K: Mat, k: number): KernelModes {
  const { values, vectors } = eigh(K);
  const n = K.rows, out: KernelModes = { lambdas: [], vectors: [] };
  for (let j = n - 1; j >= Math.max(0, n - k); j--) {
    out.lambdas.push(values[j]);
    const v = new Float64Array(n);
    for (let i = 0; i < n; i++) v[i] = vectors.data[i * n + j];
    out.vectors.push(v);
  }
  return out;
}

/** Components c_i = u_iᵀρ of a residual along the given eigenvectors. */
export function projectResidual(modes: KernelModes, residual: ArrayLike<number>): number[] {
  return modes.vectors.map((u) => { let s = 0; for (let i = 0; i < u.length; i++) s += u[i] * residual[i]; return s; });
}

/**
 * Fitted per-step decay rate of |c(k)|: least-squares slope of ln|c| on k, negated, over the
 * supplied samples (steps ks, values cs). Returns the rate and its standard error.
 */
export function fitDecayRate(ks: number[], cs: number[]): { rate: number; se: number } {
  const pts = ks.map((k, i) => [k, libm.log(Math.abs(cs[i]))] as const).filter(([, l]) => Number.isFinite(l));
  const n = pts.length;
  if (n < 2) return { rate: NaN, se: NaN };
  const { slope, se } = linearFit(pts.map((p) => p[0]), pts.map((p) => p[1]));
  return { rate: -slope, se };
}
