/**
 * Two-layer ReLU student in the lazy/rich convention of Chizat, Oyallon & Bach (2019) and the
 * paper's Fig. 2, and its ReLU teacher:
 *
 *   student  f(x) = (α/m) Σ_{i=1}^{m} a_i ReLU(w_iᵀx),      w_i ∈ R^d, a_i ∈ R
 *   teacher  f*(x) = Σ_{k=1}^{K} a*_k ReLU(w*_kᵀx)
 *
 * Parameters live in one flat vector θ = [w_1 … w_m (row-major m×d), a_1 … a_m], so the
 * training code (GD over an `Objective`) and the observables share one representation.
 * Gradients and the tangent kernel are written out by hand (the network is small and they are
 * cheap in closed form); the tests check them against the autodiff engine (`twoLayerTensorForward`
 * + `empiricalNtk`) and finite differences.
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
import { type Mat, mat } from '../engine/linalg/index.js';
import { Tensor } from '../engine/tensor.js';
import { matmulT, relu, scale } from '../engine/ops.js';
import type { Objective } from '../training/objective.js';

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

/** Pre-activations Z = X Wᵀ (n × m) for X (n × d). */
export function preactivations(theta: Float64Array, s: TwoLayerShape, X: Mat): Float64Array {
  const { W } = splitTheta(theta, s);
  const n = X.rows, d = s.d, m = s.m;
  const Z = new Float64Array(n * m);
  for (let r = 0; r < n; r++) {
    const xo = r * d;
    for (let i = 0; i < m; i++) {
      let z = 0;
      for (let j = 0; j < d; j++) z += X.data[xo + j] * W[i * d + j];
      Z[r * m + i] = z;
    }
  }
  return Z;
}

/** Hidden features H_{ri} = ReLU(w_iᵀx_r), an n × m matrix. */
export function twoLayerFeatures(theta: Float64Array, s: TwoLayerShape, X: Mat): Mat {
  const Z = preactivations(theta, s, X);
  for (let k = 0; k < Z.length; k++) if (Z[k] < 0) Z[k] = 0;
  return { rows: X.rows, cols: s.m, data: Z };
}

/** f(x_r) for every row of X. */
export function twoLayerForward(theta: Float64Array, s: TwoLayerShape, X: Mat): Float64Array {
  const Z = preactivations(theta, s, X);
  const { a } = splitTheta(theta, s);
  const out = new Float64Array(X.rows);
  const c = s.alpha / s.m;
  for (let r = 0; r < X.rows; r++) {
    let f = 0;
    for (let i = 0; i < s.m; i++) { const z = Z[r * s.m + i]; if (z > 0) f += a[i] * z; }
    out[r] = c * f;
  }
  return out;
}

/**
 * Objective L(θ) = (1/2n) Σ_r (f(x_r) − y_r)² with its exact gradient:
 *   ∂L/∂a_i = (α/m)(1/n) Σ_r ρ_r ReLU(z_ri),  ∂L/∂w_i = (α/m)(1/n) a_i Σ_r ρ_r 1[z_ri > 0] x_r,
 * ρ = f − y the residual.
 */
export function twoLayerObjective(s: TwoLayerShape, X: Mat, y: ArrayLike<number>): Objective {
  const n = X.rows, m = s.m, d = s.d, c = s.alpha / m;
  const valueAndGrad = (theta: Float64Array) => {
    const Z = preactivations(theta, s, X);
    const { a } = splitTheta(theta, s);
    const rho = new Float64Array(n);
    let loss = 0;
    for (let r = 0; r < n; r++) {
      let f = 0;
      for (let i = 0; i < m; i++) { const z = Z[r * m + i]; if (z > 0) f += a[i] * z; }
      rho[r] = c * f - y[r];
      loss += rho[r] * rho[r];
    }
    const grad = new Float64Array(theta.length);
    const gW = grad.subarray(0, m * d), ga = grad.subarray(m * d);
    for (let r = 0; r < n; r++) {
      const g = (c / n) * rho[r];
      if (g === 0) continue;
      const xo = r * d;
      for (let i = 0; i < m; i++) {
        const z = Z[r * m + i];
        if (z <= 0) continue;
        ga[i] += g * z;
        const gai = g * a[i];
        for (let j = 0; j < d; j++) gW[i * d + j] += gai * X.data[xo + j];
      }
    }
    return { value: loss / (2 * n), grad };
  };
  return {
    dim: paramDim(s),
    value: (theta) => valueAndGrad(theta).value,
    valueAndGrad,
  };
}

/** Tangent kernel Gram matrix K_{rs} = ∇θf(x_r)·∇θf(x'_s) in closed form (X2 defaults to X1). */
export function twoLayerNtk(theta: Float64Array, s: TwoLayerShape, X1: Mat, X2?: Mat): Mat {
  const Xb = X2 ?? X1;
  const Z1 = preactivations(theta, s, X1), Z2 = X2 ? preactivations(theta, s, Xb) : Z1;
  const { a } = splitTheta(theta, s);
  const m = s.m, d = s.d, c2 = (s.alpha / m) ** 2;
  const K = mat(X1.rows, Xb.rows);
  for (let r = 0; r < X1.rows; r++) {
    for (let q = X2 ? 0 : r; q < Xb.rows; q++) {
      let xx = 0;
      for (let j = 0; j < d; j++) xx += X1.data[r * d + j] * Xb.data[q * d + j];
      let k = 0;
      for (let i = 0; i < m; i++) {
        const z1 = Z1[r * m + i], z2 = Z2[q * m + i];
        if (z1 > 0 && z2 > 0) k += z1 * z2 + a[i] * a[i] * xx;
      }
      K.data[r * K.cols + q] = c2 * k;
      if (!X2) K.data[q * K.cols + r] = c2 * k;
    }
  }
  return K;
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
  angles.forEach((t, k) => { W.data[2 * k] = Math.cos(t); W.data[2 * k + 1] = Math.sin(t); });
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
