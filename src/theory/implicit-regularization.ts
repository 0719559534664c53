/**
 * Step size as curvature regularization: three predictions about what finite-η dynamics do that
 * gradient flow does not.
 *
 * 1. Backward error analysis (Barrett & Dherin 2021, "Implicit gradient regularization").
 *    GD θ_{k+1} = θ_k − η∇L(θ_k) follows, to O(η²) over a fixed time T = kη, the *modified flow*
 *        dθ/dt = −∇L̃(θ),   L̃ = L + (η/4)‖∇L‖²,   ∇L̃ = ∇L + (η/2) H∇L,
 *    (H∇L is one Hessian-vector product), while plain gradient flow dθ/dt = −∇L is only O(η)
 *    close: the local error of one step is O(η²) against the flow and O(η³) against the modified
 *    flow; T/η steps make the global errors O(η) and O(η²). Exact on a quadratic
 *    L = ½ Σ h_i x_i² (derived here): GD gives x_i(1 − ηh_i)^k, the flow x_i e^{−h_i T}, the modified
 *    flow x_i e^{−(h_i + ηh_i²/2)T}; from ln(1 − x) = −x − x²/2 − x³/3 − … (x = ηh)
 *        GD − flow     ≈ −(ηh²T/2) e^{−hT} x_i,     GD − modified ≈ −(η²h³T/3) e^{−hT} x_i.
 *    Error budget of a log-log slope: the local slope d ln‖gap‖/d ln η of one quadratic mode is
 *        plain flow     1 + (2/3 − hT/4)·ηh + O(η²),     modified flow  2 + (3/4 − hT/2)·ηh + O(η²)
 *    (derived: gap_flow = e^{−hT}(1 − e^{−hT(x/2 + x²/3 + …)}), gap_mod = e^{−hT(1 + x/2)}·
 *    (1 − e^{−hT(x²/3 + x³/4 + …)}), x = ηh; expand the logarithms). Both coefficients are ≤ ¾ in
 *    magnitude for hT ≤ 3, so the leading correction is ≤ ¾·ηS (S = λ_max along the path).
 *
 * 2. Central flow (Cohen, Damian, Talwalkar, Kolter & Lee 2024, arXiv 2410.24206; reference code
 *    alex-damian/central_flows_jax). At the edge of stability GD oscillates along the top Hessian
 *    eigenvector u; the time-averaged trajectory w follows
 *        dw/dt = −η[∇L(w) + ½ σ² ∇S(w)],   S = λ_max(∇²L),   ∇S = ∇_w(uᵀ∇²L u)  (t in GD steps),
 *    with σ² ≥ 0 the oscillation variance, fixed by the complementarity S ≤ 2/η, σ² ≥ 0,
 *    σ²(2/η − S) = 0 (the k = 1 case of the semidefinite complementarity problem). On the edge,
 *    dS/dt = 0 gives σ² = max(0, −2⟨∇S, ∇L⟩/‖∇S‖²) (derived). Discretised as the reference code does
 *    (Euler substeps dt, S linearised at the end of the substep):
 *        S⁺ = S − dt·η⟨∇S, ∇L⟩ − dt·η·½σ²‖∇S‖² ≤ 2/η  ⇒  σ² = max(0, 2(S − dt·η⟨∇S,∇L⟩ − 2/η)/(dt·η‖∇S‖²)),
 *    which also pulls a drift above 2/η back. Predictions for GD's time averages:
 *        ⟨L(w_GD)⟩ ≈ L̄ = L(w) + ½σ² S(w)   (= L + σ²/η on the edge),   ⟨(uᵀ(w_GD − w))²⟩ ≈ σ²,
 *        ⟨S(w_GD)⟩ ≈ S(w) (= 2/η on the edge).
 *    ∇S without third-order autodiff: the third derivative is symmetric, so
 *        ∇_w(uᵀHu) = T[u, u, ·] = T[u, ·, u] = d/dε H(w + εu)u ≈ [H(w+εu)u − H(w−εu)u]/(2ε)
 *    (central difference of exact HVPs; truncation O(ε²), rounding O(1e-16/ε)).
 *    Planted toy (science notes §A7, derived): L(u, v) = ½e^u v² + c·u, c < 0 (no minimum: gradient
 *    flow sharpens S = e^u without bound). The central flow stops at u = ln(2/η), v = 0 with
 *    σ² = −cη, L̄ = c·ln(2/η) − c.
 *
 * 3. Adam's edge (Cohen et al. 2022, "Adaptive gradient methods at the edge of stability"): with a
 *    frozen preconditioner P, EMA momentum on a quadratic is stable iff λ_max(P⁻¹H) <
 *    (2 + 2β₁)/((1 − β₁)η) (src/theory/stability.ts, Jury criterion on
 *    r² − (1 + β₁ − η(1 − β₁)a) r + β₁); as v̂ shrinks the preconditioned sharpness rises to that
 *    threshold and hovers there.
 */
import type { CurvedObjective, Objective } from '../training/objective.js';
import { sharpness } from '../observables/sharpness.js';
import { Rng } from '../engine/rng.js';
import { adamStabilityThreshold } from './stability.js';
import * as libm from '../engine/libm.js';

export { adamStabilityThreshold };

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function checkLr(eta: number, who: string): void {
  if (!(eta > 0) || !Number.isFinite(eta)) throw new RangeError(`${who}: η (lr) must be a finite number > 0 (got ${eta})`);
}

// ---------------------------------------------------------------------------------------
// 1. Backward error analysis.

/**
 * L̃ = L + κη‖∇L‖² and ∇L̃ = ∇L + 2κη H∇L at θ (one gradient and one HVP); κ = ¼ is Barrett &
 * Dherin's modified loss (any other κ leaves an O(η) error: a control).
 */
export function modifiedLoss(obj: CurvedObjective, eta: number, theta: Float64Array, coefficient = 0.25): { value: number; grad: Float64Array } {
  const { value, grad } = obj.valueAndGrad(theta);
  const Hg = obj.hvp(theta, grad);
  const out = new Float64Array(grad.length);
  const k = 2 * coefficient * eta;
  for (let i = 0; i < grad.length; i++) out[i] = grad[i] + k * Hg[i];
  return { value: value + coefficient * eta * dot(grad, grad), grad: out };
}

/** The modified objective L + κη‖∇L‖² of GD with step η (κ = ¼: Barrett & Dherin 2021), for gradientFlow. */
export function modifiedObjective(obj: CurvedObjective, eta: number, coefficient = 0.25): Objective {
  if (!(eta >= 0) || !Number.isFinite(eta)) throw new RangeError(`modifiedObjective: η must be a finite number ≥ 0 (got ${eta})`);
  if (!Number.isFinite(coefficient)) throw new RangeError(`modifiedObjective: coefficient κ must be finite (got ${coefficient})`);
  return {
    dim: obj.dim,
    value: (theta) => modifiedLoss(obj, eta, theta, coefficient).value,
    valueAndGrad: (theta) => modifiedLoss(obj, eta, theta, coefficient),
  };
}

/** Global orders of the distance to GD at fixed time: plain flow O(η), modified flow O(η²). */
export const BACKWARD_ERROR_ORDERS = { flow: 1, modified: 2 } as const;

export interface QuadraticTrajectories {
  gd: Float64Array;
  flow: Float64Array;
  modified: Float64Array;
}

/** Exact coordinates on L = ½Σh_i x_i² after k GD steps, and of both flows at T = kη. */
export function quadraticTrajectories(lambdas: ArrayLike<number>, x0: ArrayLike<number>, eta: number, steps: number): QuadraticTrajectories {
  checkLr(eta, 'quadraticTrajectories');
  if (lambdas.length !== x0.length) throw new RangeError(`quadraticTrajectories: ${lambdas.length} curvatures for ${x0.length} coordinates`);
  const T = steps * eta, n = lambdas.length;
  const gd = new Float64Array(n), flow = new Float64Array(n), modified = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const h = lambdas[i];
    gd[i] = x0[i] * libm.pow(1 - eta * h, steps);
    flow[i] = x0[i] * libm.exp(-h * T);
    modified[i] = x0[i] * libm.exp(-(h + 0.5 * eta * h * h) * T);
  }
  return { gd, flow, modified };
}

/** Leading-order gaps GD − flow ≈ −(ηh²T/2)e^{−hT}x and GD − modified ≈ −(η²h³T/3)e^{−hT}x. */
export function quadraticLeadingGaps(lambdas: ArrayLike<number>, x0: ArrayLike<number>, eta: number, T: number): { flow: Float64Array; modified: Float64Array } {
  checkLr(eta, 'quadraticLeadingGaps');
  const n = lambdas.length;
  const flow = new Float64Array(n), modified = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const h = lambdas[i], e = libm.exp(-h * T) * x0[i];
    flow[i] = -(eta * h * h * T / 2) * e;
    modified[i] = -(eta * eta * h * h * h * T / 3) * e;
  }
  return { flow, modified };
}

/**
 * Leading corrections to the local log-log slopes of one quadratic mode (see the file comment):
 * plain flow (2/3 − hT/4)·ηh, modified flow (3/4 − hT/2)·ηh.
 */
export function slopeCorrections(etaH: number, hT: number): { flow: number; modified: number } {
  return { flow: (2 / 3 - hT / 4) * etaH, modified: (3 / 4 - hT / 2) * etaH };
}

// ---------------------------------------------------------------------------------------
// 2. Central flow, k = 1.

/** σ² on the edge from dS/dt = 0: max(0, −2⟨∇S, ∇L⟩/‖∇S‖²). */
export function selfStabilizationSigma2(gradL: ArrayLike<number>, gradS: ArrayLike<number>): number {
  const n2 = dot(gradS, gradS);
  if (!(n2 > 0)) return 0;
  return Math.max(0, (-2 * dot(gradS, gradL)) / n2);
}

/**
 * σ² of one Euler substep dt (in GD steps) of the k = 1 central flow: the smallest σ² ≥ 0 with the
 * linearised S after the substep ≤ 2/η (complementarity; the k = 1 semidefinite problem).
 */
export function projectedSigma2(S: number, gradL: ArrayLike<number>, gradS: ArrayLike<number>, eta: number, dt: number): number {
  checkLr(eta, 'projectedSigma2');
  const free = S - dt * eta * dot(gradS, gradL) - 2 / eta;
  const n2 = dot(gradS, gradS);
  if (!(free > 0) || !(n2 > 0)) return 0;
  return (2 * free) / (dt * eta * n2);
}

/** ∇_w λ(w) = T[u, u, ·] ≈ [H(w + εu)u − H(w − εu)u]/(2ε) for a unit eigenvector u (simple λ). */
export function sharpnessGradient(hvp: (theta: Float64Array, v: Float64Array) => Float64Array, theta: Float64Array, u: Float64Array, eps = 1e-5): Float64Array {
  const P = theta.length;
  const wp = new Float64Array(P), wm = new Float64Array(P);
  for (let i = 0; i < P; i++) { wp[i] = theta[i] + eps * u[i]; wm[i] = theta[i] - eps * u[i]; }
  const a = hvp(wp, u), b = hvp(wm, u);
  const out = new Float64Array(P);
  for (let i = 0; i < P; i++) out[i] = (a[i] - b[i]) / (2 * eps);
  return out;
}

/**
 * Top Hessian eigenpair tracker: Lanczos on exact HVPs warm-started from the last eigenvector; for
 * two parameters the closed form of the symmetric 2×2 matrix built from two HVPs.
 */
export function topEigenTracker(hvp: (theta: Float64Array, v: Float64Array) => Float64Array, dim: number, tol = 1e-9, seed = 0) {
  const rng = new Rng(seed).split('central-flow-lanczos');
  let start: Float64Array | undefined;
  return (theta: Float64Array): { value: number; vector: Float64Array } => {
    if (dim === 2) {
      const c0 = hvp(theta, Float64Array.of(1, 0)), c1 = hvp(theta, Float64Array.of(0, 1));
      const a = c0[0], d = c1[1], b = 0.5 * (c0[1] + c1[0]);
      const lam = 0.5 * (a + d) + Math.hypot(0.5 * (a - d), b);
      // Of the two (equivalent) eigenvector formulas take the better-conditioned one.
      let x = lam - d, y = b;
      if (Math.hypot(b, lam - a) > Math.hypot(x, y)) { x = b; y = lam - a; }
      const n = Math.hypot(x, y);
      return { value: lam, vector: n > 0 ? Float64Array.of(x / n, y / n) : Float64Array.of(a >= d ? 1 : 0, a >= d ? 0 : 1) };
    }
    const r = sharpness((v) => hvp(theta, v), dim, { tol, maxIter: Math.min(dim, 80), rng, ...(start ? { start } : {}) });
    start = r.vector;
    return r;
  };
}

export interface CentralFlowPoint {
  /** Time in GD steps. */
  t: number;
  loss: number;
  /** S(w) = λ_max(∇²L(w)). */
  sharpness: number;
  /** Predicted oscillation variance along u. */
  sigma2: number;
  /** Predicted time-averaged GD loss L + ½σ²S. */
  predictedLoss: number;
  /**
   * Relative rate of sharpening per GD step under the unprojected flow, −η⟨∇S, ∇L⟩/S: the
   * adiabatic parameter (the oscillation must settle faster than S moves).
   */
  sharpeningRate: number;
}

export interface CentralFlowOptions {
  lr: number;
  /** Whole GD steps of flow time. */
  steps: number;
  /** Euler substeps per GD step (dt = 1/substeps; reference code: 4). */
  substeps?: number;
  /** Relative Lanczos tolerance of the top eigenpair (default 1e-9). */
  eigenTol?: number;
  /** Finite-difference step of ∇S (default 1e-5). */
  eps?: number;
  /** After every whole step (and at t = 0): w (not a copy), its point, and the top eigenvector u. */
  onStep?: (t: number, w: Float64Array, point: CentralFlowPoint, u: Float64Array) => void;
  signal?: AbortSignal;
  seed?: number;
}

export interface CentralFlowResult {
  theta: Float64Array;
  status: 'completed' | 'diverged' | 'interrupted';
  steps: number;
  /** Whole steps at which σ² > 0 (the flow sat on the edge). */
  edgeSteps: number;
}

/**
 * Integrates the k = 1 central flow for GD with step η by Euler substeps dt, σ² from
 * `projectedSigma2` at each substep; the top eigenpair by Lanczos warm-started from the last u.
 */
export function centralFlow(obj: CurvedObjective, w0: Float64Array, o: CentralFlowOptions): CentralFlowResult {
  checkLr(o.lr, 'centralFlow');
  const substeps = o.substeps ?? 4;
  if (!Number.isInteger(substeps) || substeps < 1 || substeps > 1000) throw new RangeError(`centralFlow: substeps must be an integer in [1, 1000] (got ${substeps})`);
  if (!Number.isInteger(o.steps) || o.steps < 0) throw new RangeError(`centralFlow: steps must be an integer ≥ 0 (got ${o.steps})`);
  const eta = o.lr, dt = 1 / substeps, P = w0.length;
  const w = Float64Array.from(w0);
  const top = topEigenTracker(obj.hvp, P, o.eigenTol ?? 1e-9, o.seed ?? 0);
  let edgeSteps = 0;
  const evaluate = () => {
    const { value, grad } = obj.valueAndGrad(w);
    const { value: S, vector: u } = top(w);
    const gS = sharpnessGradient(obj.hvp, w, u, o.eps);
    return { value, grad, S, u, gS };
  };
  let e = evaluate();
  const point = (t: number, sigma2: number): CentralFlowPoint => ({
    t, loss: e.value, sharpness: e.S, sigma2, predictedLoss: e.value + 0.5 * sigma2 * e.S, sharpeningRate: (-eta * dot(e.gS, e.grad)) / e.S,
  });
  let sigma2 = projectedSigma2(e.S, e.grad, e.gS, eta, dt);
  o.onStep?.(0, w, point(0, sigma2), e.u);
  for (let k = 1; k <= o.steps; k++) {
    if (o.signal?.aborted) return { theta: w, status: 'interrupted', steps: k - 1, edgeSteps };
    let onEdge = false;
    for (let s = 0; s < substeps; s++) {
      if (s > 0) { e = evaluate(); sigma2 = projectedSigma2(e.S, e.grad, e.gS, eta, dt); }
      if (sigma2 > 0) onEdge = true;
      for (let i = 0; i < P; i++) w[i] -= dt * eta * (e.grad[i] + 0.5 * sigma2 * e.gS[i]);
    }
    e = evaluate();
    if (!Number.isFinite(e.value) || !Number.isFinite(e.S)) return { theta: w, status: 'diverged', steps: k, edgeSteps };
    sigma2 = projectedSigma2(e.S, e.grad, e.gS, eta, dt);
    if (onEdge) edgeSteps++;
    o.onStep?.(k, w, point(k, sigma2), e.u);
  }
  return { theta: w, status: 'completed', steps: o.steps, edgeSteps };
}

/**
 * The planted toy L(u, v) = ½e^u v² + c·u (θ = [u, v]), with exact gradient and Hessian:
 * ∇L = (½e^u v² + c, e^u v), H = [[½e^u v², e^u v], [e^u v, e^u]].
 */
export function edgeToyObjective(c: number): CurvedObjective {
  if (!(c < 0) || !Number.isFinite(c)) throw new RangeError(`edgeToyObjective: c must be a finite number < 0 (got ${c})`);
  const value = (th: Float64Array) => 0.5 * libm.exp(th[0]) * th[1] * th[1] + c * th[0];
  return {
    dim: 2,
    value,
    valueAndGrad: (th) => {
      const e = libm.exp(th[0]), v = th[1];
      return { value: 0.5 * e * v * v + c * th[0], grad: Float64Array.of(0.5 * e * v * v + c, e * v) };
    },
    hvp: (th, x) => {
      const e = libm.exp(th[0]), v = th[1];
      return Float64Array.of(0.5 * e * v * v * x[0] + e * v * x[1], e * v * x[0] + e * x[1]);
    },
  };
}

/** λ_max of the toy's Hessian at (u, v). */
export function edgeToySharpness(u: number, v: number): number {
  const e = libm.exp(u), a = 0.5 * e * v * v, b = e * v;
  return 0.5 * (a + e) + Math.sqrt(0.25 * (a - e) ** 2 + b * b);
}

/** The toy's central-flow fixed point: u = ln(2/η), v = 0, S = 2/η, σ² = −cη, L̄ = c·ln(2/η) − c. */
export function edgeToyPrediction(eta: number, c: number): { u: number; sharpness: number; sigma2: number; loss: number } {
  checkLr(eta, 'edgeToyPrediction');
  const u = libm.log(2 / eta);
  return { u, sharpness: 2 / eta, sigma2: -c * eta, loss: c * u - c };
}

// ---------------------------------------------------------------------------------------
// 3. Adam.

/**
 * Spectral radius of EMA momentum on one quadratic mode with preconditioned curvature a (frozen
 * P): the larger |root| of r² − (1 + β₁ − η(1 − β₁)a) r + β₁. < 1 iff a < (2 + 2β₁)/((1 − β₁)η).
 */
export function emaMomentumRadius(a: number, eta: number, beta1: number): number {
  checkLr(eta, 'emaMomentumRadius');
  if (!(beta1 >= 0 && beta1 < 1)) throw new RangeError(`emaMomentumRadius: β₁ must be in [0, 1) (got ${beta1})`);
  const b = 1 + beta1 - eta * (1 - beta1) * a;
  const disc = b * b - 4 * beta1;
  if (disc < 0) return Math.sqrt(beta1); // complex pair: |r|² = product of the roots = β₁
  const s = Math.sqrt(disc);
  return Math.max(Math.abs((b + s) / 2), Math.abs((b - s) / 2));
}
