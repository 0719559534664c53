/**
 * Two-layer ReLU student in the lazy/rich convention of Chizat, Oyallon & Bach (2019) and the
 * paper's Fig. 2, and its ReLU teacher:
 *
 *   student  f(x) = (α/m) Σ_{i=1}^{m} a_i ReLU(w_iᵀx),      w_i ∈ R^d, a_i ∈ R
 *   teacher  f*(x) = Σ_{k=1}^{K} a*_k ReLU(w*_kᵀx)
 *
 * Parameters live in one flat vector θ = [w_1 … w_m (row-major m×d), a_1 … a_m], so the
 * training code (GD over an `Objective`) and the observables share one representation.
 * Gradients and the tangent kernel are written out by hand in closed form, as a few backend
 * matmuls (`backend().matmul`) of the n × m pre-activation, feature and masked-residual matrices;
 * the tests check them against the autodiff engine (`twoLayerTensorForward` + `empiricalNtk`)
 * and finite differences.
 *
 *   ∂f(x)/∂a_i = (α/m) ReLU(w_iᵀx),   ∂f(x)/∂w_i = (α/m) a_i 1[w_iᵀx > 0] x
 *   K(x, x') = (α/m)² Σ_i [ReLU(w_iᵀx) ReLU(w_iᵀx') + a_i² 1[w_iᵀx > 0] 1[w_iᵀx' > 0] xᵀx']
 *
 * Initialization ("doubling trick", Chizat et al. 2019): m/2 directions w ~ N(0, σ² I_d), each
 * used twice with output weights +a and −a, so f ≡ 0 at init for every α and the lazy limit has
 * no initial-output term. `balanced` sets |a| = ‖w‖ (the 2-homogeneous balance |a_i|² − ‖w_i‖²,
 * conserved by gradient flow, is then 0); otherwise a ~ N(0, σ²)·sign.
 */
import type { Rng } from '../engine/rng.js';
import { backend } from '../engine/backend/index.js';
import { type Mat, mat, symmetrize } from '../engine/linalg/index.js';
import { Tensor } from '../engine/tensor.js';
import { matmulT, relu, scale } from '../engine/ops.js';
import type { Objective } from '../training/objective.js';
import * as libm from '../engine/libm.js';

export interface TwoLayerShape {
  /** Hidden width m. */
  m: number;
  /** Input dimension d. */
  d: number;
  /** Output multiplier α. */
  alpha: number;
}

export interface TeacherNet {
  /** K × d first-layer weights (rows w*_k). */
  W: Mat;
  /** K output weights a*_k. */
  a: Float64Array;
}

export const paramDim = (s: TwoLayerShape) => s.m * (s.d + 1);

/** Views into θ: W (m×d, row-major) and a (m). */
export function splitTheta(theta: Float64Array, s: TwoLayerShape): { W: Float64Array; a: Float64Array } {
  return { W: theta.subarray(0, s.m * s.d), a: theta.subarray(s.m * s.d, s.m * (s.d + 1)) };
}

export interface TwoLayerInit {
  /** Std of the first-layer weights w ~ N(0, σ² I). */
  sigma?: number;
  /** |a_i| = ‖w_i‖ (default) or |a_i| ~ |N(0, σ²)|. */
  balanced?: boolean;
  /** Pair neurons (w, a) and (w, −a) so that f ≡ 0 at init (default true; needs even m). */
  symmetric?: boolean;
}

export function initTwoLayer(s: TwoLayerShape, rng: Rng, opts: TwoLayerInit = {}): Float64Array {
  const sigma = opts.sigma ?? 1, balanced = opts.balanced ?? true, symmetric = opts.symmetric ?? true;
  if (symmetric && s.m % 2 !== 0) throw new RangeError(`symmetric init needs an even width m, got ${s.m}`);
  const theta = new Float64Array(paramDim(s));
  const { W, a } = splitTheta(theta, s);
  const rw = rng.split('w'), ra = rng.split('a');
  const distinct = symmetric ? s.m / 2 : s.m;
  for (let i = 0; i < distinct; i++) {
    let n2 = 0;
    for (let j = 0; j < s.d; j++) { const v = sigma * rw.normal(); W[i * s.d + j] = v; n2 += v * v; }
    const mag = balanced ? Math.sqrt(n2) : Math.abs(sigma * ra.normal());
    a[i] = symmetric ? mag : ra.rademacher() * mag;
    if (symmetric) {
      const k = i + distinct;
      for (let j = 0; j < s.d; j++) W[k * s.d + j] = W[i * s.d + j];
      a[k] = -a[i];
    }
  }
  return theta;
}

function checkInputs(what: string, s: TwoLayerShape, X: Mat): void {
  if (X.cols !== s.d) throw new RangeError(`${what}: X has ${X.cols} columns, the network's input dimension d is ${s.d}`);
}

/*
 * Matmul forms. d is small (2 in the lazy/rich experiment) and m, n are tens to thousands, so
 * every product below is arranged to run its long dimension (m) as the contiguous inner loop of
 * the output or of a dot product: W enters transposed (Wᵀ, d × m, copied once per call), ∂L/∂W is
 * formed as (∂L/∂W)ᵀ = Xᵀ G (d × m) and transposed back, ∂L/∂a as the row ρᵀH.
 */

/** Wᵀ (d × m) from the row-major W (m × d). */
function transposeW(W: Float64Array, m: number, d: number, out = new Float64Array(m * d)): Float64Array {
  for (let i = 0; i < m; i++) for (let j = 0; j < d; j++) out[j * m + i] = W[i * d + j];
  return out;
}

/** Z = X Wᵀ (n × m) into `out`, given Wᵀ. */
function preactivationsInto(X: Mat, Wt: Float64Array, m: number, out: Float64Array): Float64Array {
  backend().matmul(X.data, Wt, out, X.rows, X.cols, m);
  return out;
}

/** Pre-activations Z = X Wᵀ (n × m) for X (n × d): one backend matmul. */
export function preactivations(theta: Float64Array, s: TwoLayerShape, X: Mat): Float64Array {
  checkInputs('preactivations', s, X);
  return preactivationsInto(X, transposeW(splitTheta(theta, s).W, s.m, s.d), s.m, new Float64Array(X.rows * s.m));
}

/** Hidden features H_{ri} = ReLU(w_iᵀx_r), an n × m matrix. */
export function twoLayerFeatures(theta: Float64Array, s: TwoLayerShape, X: Mat): Mat {
  const Z = preactivations(theta, s, X);
  backend().relu(Z, Z);
  return { rows: X.rows, cols: s.m, data: Z };
}

/** f = (α/m) H a, H = ReLU(X Wᵀ), into `out` (a dot product per row: a is the 1 × m "Bᵀ"). */
function readout(H: Float64Array, a: Float64Array, c: number, n: number, m: number, out: Float64Array): Float64Array {
  const be = backend();
  be.matmul(H, a, out, n, m, 1, false, true);
  be.axpby(c, out, 0, out, out);
  return out;
}

/** f(x_r) = (α/m) Σ_i a_i ReLU(w_iᵀx_r) for every row of X. */
export function twoLayerForward(theta: Float64Array, s: TwoLayerShape, X: Mat): Float64Array {
  const H = twoLayerFeatures(theta, s, X).data;
  return readout(H, splitTheta(theta, s).a, s.alpha / s.m, X.rows, s.m, new Float64Array(X.rows));
}

/** G = 1[Z > 0] ⊙ (u vᵀ) (u.length × v.length, the shape of Z): a k = 1 matmul, then the ReLU mask. */
function maskedOuter(u: Float64Array, v: Float64Array, Z: Float64Array, out: Float64Array): Float64Array {
  const be = backend();
  be.matmul(u, v, out, u.length, 1, v.length);
  be.reluMask(out, Z, out);
  return out;
}

/**
 * Objective L(θ) = (1/2n) Σ_r (f(x_r) − y_r)² with its exact gradient, ρ = f − y the residual,
 * H = ReLU(Z), Z = X Wᵀ:
 *   ∂L/∂a = (α/m)(1/n) Hᵀρ,   ∂L/∂W = (α/m)(1/n) (1[Z > 0] ⊙ ρ aᵀ)ᵀ X,
 * i.e. ∂L/∂w_i = (α/m)(1/n) a_i Σ_r ρ_r 1[z_ri > 0] x_r. Five backend matmuls per call (Z, f,
 * ∂L/∂a, the outer product ρaᵀ, ∂L/∂W); the work arrays are allocated once per objective.
 */
export function twoLayerObjective(s: TwoLayerShape, X: Mat, y: ArrayLike<number>): Objective {
  checkInputs('twoLayerObjective', s, X);
  const n = X.rows, m = s.m, d = s.d, c = s.alpha / m;
  if (y.length !== n) throw new RangeError(`twoLayerObjective: y has ${y.length} targets, X has ${n} rows`);
  const Y = Float64Array.from(y);
  const Z = new Float64Array(n * m), H = new Float64Array(n * m), G = new Float64Array(n * m);
  const Wt = new Float64Array(m * d), gWt = new Float64Array(m * d), rho = new Float64Array(n);
  /** Fills Z, H and ρ = f − y; returns L. */
  const residual = (theta: Float64Array): number => {
    const be = backend();
    preactivationsInto(X, transposeW(splitTheta(theta, s).W, m, d, Wt), m, Z);
    be.relu(Z, H);
    readout(H, splitTheta(theta, s).a, c, n, m, rho);
    be.axpby(1, rho, -1, Y, rho);
    let loss = 0;
    for (let r = 0; r < n; r++) loss += rho[r] * rho[r];
    return loss / (2 * n);
  };
  const valueAndGrad = (theta: Float64Array) => {
    const value = residual(theta);
    const be = backend();
    const grad = new Float64Array(theta.length);
    const gW = grad.subarray(0, m * d), ga = grad.subarray(m * d);
    be.axpby(c / n, rho, 0, rho, rho); // ρ ← (α/m)(1/n) ρ
    be.matmul(rho, H, ga, 1, n, m); // (∂L/∂a)ᵀ = ρᵀ H
    maskedOuter(rho, splitTheta(theta, s).a, Z, G);
    be.matmul(X.data, G, gWt, d, n, m, true); // (∂L/∂W)ᵀ = Xᵀ G, d × m
    for (let j = 0; j < d; j++) for (let i = 0; i < m; i++) gW[i * d + j] = gWt[j * m + i];
    return { value, grad };
  };
  return {
    dim: paramDim(s),
    value: residual,
    valueAndGrad,
  };
}

/**
 * Tangent kernel Gram matrix K_{rs} = ∇θf(x_r)·∇θf(x'_s) in closed form (X2 defaults to X1):
 *   K = (α/m)² [H₁H₂ᵀ + (X₁X₂ᵀ) ⊙ (M₁ diag(a²) M₂ᵀ)],   H = ReLU(Z), M = 1[Z > 0],
 * three backend matmuls. With X2 omitted K is made exactly symmetric.
 */
export function twoLayerNtk(theta: Float64Array, s: TwoLayerShape, X1: Mat, X2?: Mat): Mat {
  const Xb = X2 ?? X1;
  checkInputs('twoLayerNtk', s, Xb);
  const n1 = X1.rows, n2 = Xb.rows, m = s.m, d = s.d, c2 = (s.alpha / m) ** 2;
  const Z1 = preactivations(theta, s, X1), Z2 = X2 ? preactivations(theta, s, Xb) : Z1;
  const { a } = splitTheta(theta, s);
  const be = backend();
  const a2 = new Float64Array(m);
  be.mul(a, a, a2);
  // M₁ diag(a²) and M₂ as masked outer products with a ones vector.
  const Ma1 = maskedOuter(new Float64Array(n1).fill(1), a2, Z1, new Float64Array(n1 * m));
  const M2 = maskedOuter(new Float64Array(n2).fill(1), new Float64Array(m).fill(1), Z2, new Float64Array(n2 * m));
  const H1 = new Float64Array(n1 * m), H2 = X2 ? new Float64Array(n2 * m) : H1;
  be.relu(Z1, H1);
  if (X2) be.relu(Z2, H2);
  const HH = new Float64Array(n1 * n2), MM = new Float64Array(n1 * n2), XX = new Float64Array(n1 * n2);
  be.matmul(H1, H2, HH, n1, m, n2, false, true);
  be.matmul(Ma1, M2, MM, n1, m, n2, false, true);
  be.matmul(X1.data, Xb.data, XX, n1, d, n2, false, true);
  be.mul(XX, MM, MM);
  const K = mat(n1, n2);
  be.axpby(c2, HH, c2, MM, K.data);
  return X2 ? K : symmetrize(K);
}

/**
 * The same student on the autodiff engine, params [W (m×d), A (1×m)], X (n×d) → n×1:
 * an independent route for tests (`empiricalNtk(twoLayerTensorForward(s), …)`).
 */
export function twoLayerTensorForward(s: TwoLayerShape) {
  return (params: Tensor[], X: Tensor): Tensor => scale(matmulT(relu(matmulT(X, params[0], false, true)), params[1], false, true), s.alpha / s.m);
}

/** θ → [W, A] tensors for `twoLayerTensorForward`. */
export function thetaToTensors(theta: Float64Array, s: TwoLayerShape): Tensor[] {
  const { W, a } = splitTheta(theta, s);
  return [new Tensor(Float64Array.from(W), [s.m, s.d]), new Tensor(Float64Array.from(a), [1, s.m])];
}

/** Teacher with unit-norm directions at the given angles (radians, d = 2) and output weights. */
export function teacherFromAngles(angles: number[], outputs: number[]): TeacherNet {
  if (angles.length !== outputs.length) throw new RangeError(`teacher: ${angles.length} angles but ${outputs.length} output weights`);
  const W = mat(angles.length, 2);
  angles.forEach((t, k) => { W.data[2 * k] = libm.cos(t); W.data[2 * k + 1] = libm.sin(t); });
  return { W, a: Float64Array.from(outputs) };
}

export function teacherForward(t: TeacherNet, X: Mat): Float64Array {
  const K = t.a.length, d = t.W.cols;
  const out = new Float64Array(X.rows);
  for (let r = 0; r < X.rows; r++) {
    let f = 0;
    for (let k = 0; k < K; k++) {
      let z = 0;
      for (let j = 0; j < d; j++) z += X.data[r * d + j] * t.W.data[k * d + j];
      if (z > 0) f += t.a[k] * z;
    }
    out[r] = f;
  }
  return out;
}

/** n standard Gaussian inputs in R^d. */
export function gaussianInputs(n: number, d: number, rng: Rng): Mat {
  return { rows: n, cols: d, data: rng.normals(n * d) };
}

/**
 * The first `m` neurons of a doubling-trick network of width M (m, M even): distinct directions
 * 0 … m/2−1 and their partners. Nested widths share neurons, so a width sweep varies m only.
 */
export function subNetwork(theta: Float64Array, from: TwoLayerShape, m: number): Float64Array {
  if (m % 2 || from.m % 2 || m > from.m) throw new RangeError(`subNetwork: need even m ≤ M (got m=${m}, M=${from.m})`);
  const { W, a } = splitTheta(theta, from);
  const d = from.d, half = m / 2, H = from.m / 2;
  const out = new Float64Array(m * (d + 1));
  const o = splitTheta(out, { ...from, m });
  for (let k = 0; k < half; k++) {
    for (const [src, dst] of [[k, k], [H + k, half + k]]) {
      for (let j = 0; j < d; j++) o.W[dst * d + j] = W[src * d + j];
      o.a[dst] = a[src];
    }
  }
  return out;
}
