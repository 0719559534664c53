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
import { backend } from '../engine/backend/index.js';
import { type Mat, mat } from '../engine/linalg/index.js';

export type KernelActivation = 'relu' | 'erf' | 'linear';
export type KernelParameterization = 'ntk' | 'standard';

/** Kernel state for n1 × n2 input pairs (row-major), with the diagonals of both input sets. */
export interface KernelState {
  n1: number;
  n2: number;
  /** per-unit covariance q(x_i, x′_j), length n1·n2 */
  q: Float64Array;
  /** per-unit tangent kernel t(x_i, x′_j), length n1·n2 */
  t: Float64Array;
  /** q(x_i, x_i), q(x′_j, x′_j) */
  q1: Float64Array;
  q2: Float64Array;
  /** width of the current representation (fan-in of the next dense layer) */
  width: number;
}

/** A layer maps the kernel state of its input to that of its output. */
export type KernelLayer = (s: KernelState) => KernelState;

/** Initial state: q = x·x′/d, t = 0. X1 is n1×d, X2 is n2×d (row-major). */
export function inputState(X1: Mat, X2: Mat = X1): KernelState {
  if (X1.cols !== X2.cols) throw new RangeError(`inputs: X1 has ${X1.cols} columns but X2 has ${X2.cols}`);
  const n1 = X1.rows, n2 = X2.rows, d = X1.cols;
  const q = new Float64Array(n1 * n2);
  backend().matmul(X1.data, X2.data, q, n1, d, n2, false, true);
  for (let i = 0; i < q.length; i++) q[i] /= d;
  const sq = (X: Mat) => {
    const out = new Float64Array(X.rows);
    for (let i = 0; i < X.rows; i++) { let s = 0; for (let c = 0; c < d; c++) s += X.data[i * d + c] ** 2; out[i] = s / d; }
    return out;
  };
  return { n1, n2, q, t: new Float64Array(n1 * n2), q1: sq(X1), q2: X2 === X1 ? sq(X1) : sq(X2), width: d };
}

/** State for scalar dot-product kernels: inputs with ‖x‖² = ‖x′‖² = d·r² and x·x′/d = r²·c, for each c. */
export function scalarState(cosines: ArrayLike<number>, r2 = 1, width = 1): KernelState {
  const m = cosines.length;
  const q = new Float64Array(m);
  for (let i = 0; i < m; i++) q[i] = r2 * cosines[i];
  return { n1: 1, n2: m, q, t: new Float64Array(m), q1: new Float64Array([r2]), q2: new Float64Array(m).fill(r2), width };
}

export interface DenseOptions {
  sigmaW2: number;
  sigmaB2: number;
  parameterization?: KernelParameterization;
  /** Output width of this layer (only the standard-parameterization NTK of the next layer uses it). */
  width?: number;
  /** Standard parameterization: is the bias trained (adds 1 to Θ)? Default true, as in `initMlp`. */
  bias?: boolean;
}

/** Affine layer, eq. (1) / (1′). */
export function dense(o: DenseOptions): KernelLayer {
  const { sigmaW2: w2, sigmaB2: b2 } = o;
  const param = o.parameterization ?? 'ntk';
  return (s) => {
    const q = new Float64Array(s.q.length), t = new Float64Array(s.t.length);
    const wq = param === 'ntk' ? w2 : s.width;
    const bt = param === 'ntk' ? b2 : (o.bias ?? true) ? 1 : 0;
    for (let i = 0; i < q.length; i++) {
      q[i] = w2 * s.q[i] + b2;
      t[i] = w2 * s.t[i] + wq * s.q[i] + bt;
    }
    return { ...s, q, t, q1: s.q1.map((v) => w2 * v + b2), q2: s.q2.map((v) => w2 * v + b2), width: o.width ?? s.width };
  };
}

const TWO_PI = 2 * Math.PI;

/** E[φ(u)φ(v)] and E[φ′(u)φ′(v)] for one pair; eq. (2). */
export function dualActivation(act: KernelActivation, q11: number, q22: number, q12: number): [number, number] {
  if (act === 'linear') return [q12, 1];
  if (act === 'relu') {
    const norm = Math.sqrt(q11 * q22);
    if (!(norm > 0)) return [0, 0]; // a zero-variance unit is 0 and φ′(0) = 0 (mask x > 0)
    const c = Math.max(-1, Math.min(1, q12 / norm));
    const th = Math.acos(c);
    return [(norm / TWO_PI) * (Math.sqrt(Math.max(0, 1 - c * c)) + (Math.PI - th) * c), (Math.PI - th) / TWO_PI];
  }
  // erf
  const a = 1 + 2 * q11, b = 1 + 2 * q22;
  const arg = Math.max(-1, Math.min(1, (2 * q12) / Math.sqrt(a * b)));
  return [(2 / Math.PI) * Math.asin(arg), (4 / Math.PI) / Math.sqrt(Math.max(a * b - 4 * q12 * q12, 1e-300))];
}

/** Pointwise nonlinearity, eq. (2). */
export function nonlinearity(act: KernelActivation): KernelLayer {
  return (s) => {
    if (act === 'linear') return s;
    const q = new Float64Array(s.q.length), t = new Float64Array(s.t.length);
    for (let i = 0; i < s.n1; i++) {
      for (let j = 0; j < s.n2; j++) {
        const k = i * s.n2 + j;
        const [e, ed] = dualActivation(act, s.q1[i], s.q2[j], s.q[k]);
        q[k] = e;
        t[k] = s.t[k] * ed;
      }
    }
    const diag = (v: Float64Array) => v.map((x) => dualActivation(act, x, x, x)[0]);
    return { ...s, q, t, q1: diag(s.q1), q2: diag(s.q2) };
  };
}

export const relu = (): KernelLayer => nonlinearity('relu');
export const erf = (): KernelLayer => nonlinearity('erf');
export const identity = (): KernelLayer => (s) => s;

/** Compose layers left to right. */
export function serial(...layers: KernelLayer[]): KernelLayer {
  return (s) => layers.reduce((acc, l) => l(acc), s);
}

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
