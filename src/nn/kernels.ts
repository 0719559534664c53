/**
 * Infinite-width kernel maps of single layers (NNGP Σ and NTK Θ), the pieces that
 * src/theory/kernels.ts composes into whole networks and that nn layers carry as their `kernel`
 * (the design of neural-tangents' `stax`, Novak et al. 2020 — written here from the equations).
 *
 * State carried between layers, for every input pair (x, x′):
 *   q(x, x′) = per-unit covariance of the current representation h,  lim (1/n) Σ_j h_j(x) h_j(x′),
 *   t(x, x′) = per-unit tangent kernel of h,                          lim Σ_p ∂h_j(x)/∂θ_p ∂h_j(x′)/∂θ_p,
 * plus q(x, x) and q(x′, x′). Inputs start as q = xᵀx′/d, t = 0 (d = input dimension).
 *
 * Affine layer z = c_W W h + c_b b with W_ij ~ N(0, s_W²), b ~ N(0, s_b²), fan-in n (the layer sees
 * the effective weights c·w, see nn/types.ts). Then E[z z′] = c_W² s_W² n q + c_b² s_b² and
 * ∂z/∂W_ij = c_W h_j, ∂z/∂b_i = c_b, so
 *   Σ ← c_W² s_W² n · q + c_b² s_b²,     Θ ← c_W² s_W² n · t + c_W² n · q + c_b² · 1[b trained]      (1)
 * NTK parameterization (Jacot et al. 2018): c_W = σ_w/√n, s_W = 1, c_b = σ_b, s_b = 1 gives
 *   Σ ← σ_w² q + σ_b²,   Θ ← σ_w² t + σ_w² q + σ_b²;
 * standard parameterization: c = 1, s_W = σ_w/√n, s_b = σ_b gives Θ ← σ_w² t + n q + 1[bias]
 * (Sohl-Dickstein et al. 2020), which grows with the fan-in n: it is a finite-width value.
 *
 * Nonlinearity φ, with (u, v) ~ N(0, [[q₁₁, q₁₂], [q₁₂, q₂₂]]):
 *   q ← E[φ(u)φ(v)],     t ← t · E[φ′(u)φ′(v)]                                                   (2)
 *   ReLU (arc-cosine kernels, Cho & Saul 2009), cos ϑ = q₁₂/√(q₁₁q₂₂):
 *     E[φφ] = √(q₁₁q₂₂)/(2π) · (sin ϑ + (π − ϑ) cos ϑ),     E[φ′φ′] = (π − ϑ)/(2π)
 *   erf (Williams 1997):
 *     E[φφ] = (2/π) arcsin( 2q₁₂ / √((1 + 2q₁₁)(1 + 2q₂₂)) ),
 *     E[φ′φ′] = (4/π) / √((1 + 2q₁₁)(1 + 2q₂₂) − 4q₁₂²)
 *   identity: q, t unchanged.   tanh, GELU, sigmoid: no closed form, so those layers carry no kernel.
 *
 * Fixed scale y = c·h: q ← c² q, t ← c² t.   Sum of branches y = Σ_a h_a (fanInSum, residual):
 *   q ← Σ_a q_a, t ← Σ_a t_a, exact in the limit when the branches are uncorrelated — every
 *   branch but at most one ends in its own zero-mean weight matrix (then all cross-covariances
 *   E[h_a h_b′] and cross tangent terms vanish as n → ∞). Branches are held in `branches`.
 */
import { backend } from '../engine/backend/index.js';
import type { Mat } from '../engine/linalg/index.js';
import type { InitSpec, ParamInfo } from './types.js';
import * as libm from '../engine/libm.js';

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
  /** parallel branches after `fanOut` (each a full state); absent for a single representation */
  branches?: KernelState[];
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

/** Affine layer from (σ_w², σ_b²) and a parameterization, eq. (1); the fan-in is the state's width. */
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

/** Variance of one entry drawn from `init` (normal: std², zeros: 0; constants are not random). */
function initVariance(init: InitSpec, name: string): number {
  if (init.kind === 'normal') return init.std * init.std;
  if (init.kind === 'zeros') return 0;
  throw new Error(`kernel: parameter ${name} has a constant init (${init.kind}); the Gaussian kernel map needs normal or zeros`);
}

/**
 * Affine layer from the ParamInfo of its weight (and bias), eq. (1): the parameterization is read
 * from (multiplier, init.std), so any ParamInfo map (SP, NTP, μP, …) gives its own kernel.
 */
export function denseFromInfo(W: ParamInfo, b?: ParamInfo): KernelLayer {
  const cw2 = W.multiplier * W.multiplier, n = W.fanIn;
  const w2 = cw2 * initVariance(W.init, W.name) * n;
  const b2 = b ? b.multiplier * b.multiplier * initVariance(b.init, b.name) : 0;
  const bt = b ? b.multiplier * b.multiplier : 0;
  return (s) => {
    const q = new Float64Array(s.q.length), t = new Float64Array(s.t.length);
    for (let i = 0; i < q.length; i++) {
      q[i] = w2 * s.q[i] + b2;
      t[i] = w2 * s.t[i] + cw2 * n * s.q[i] + bt;
    }
    return { ...s, q, t, q1: s.q1.map((v) => w2 * v + b2), q2: s.q2.map((v) => w2 * v + b2), width: W.fanOut };
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
    const th = libm.acos(c);
    return [(norm / TWO_PI) * (Math.sqrt(Math.max(0, 1 - c * c)) + (Math.PI - th) * c), (Math.PI - th) / TWO_PI];
  }
  // erf
  const a = 1 + 2 * q11, b = 1 + 2 * q22;
  const arg = Math.max(-1, Math.min(1, (2 * q12) / Math.sqrt(a * b)));
  return [(2 / Math.PI) * libm.asin(arg), (4 / Math.PI) / Math.sqrt(Math.max(a * b - 4 * q12 * q12, 1e-300))];
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

/** y = c·h: q ← c² q, t ← c² t. */
export function scaleKernel(c: number): KernelLayer {
  const c2 = c * c;
  return (s) => ({ ...s, q: s.q.map((v) => c2 * v), t: s.t.map((v) => c2 * v), q1: s.q1.map((v) => c2 * v), q2: s.q2.map((v) => c2 * v) });
}

/** Σ_a c_a² · state_a (uncorrelated branches; see the header). Widths must agree. */
export function sumStates(states: KernelState[], coefs: number[] = states.map(() => 1)): KernelState {
  const first = states[0];
  const acc = (pick: (s: KernelState) => Float64Array) => {
    const out = new Float64Array(pick(first).length);
    states.forEach((s, a) => { const v = pick(s), c2 = coefs[a] * coefs[a]; for (let i = 0; i < out.length; i++) out[i] += c2 * v[i]; });
    return out;
  };
  return { n1: first.n1, n2: first.n2, q: acc((s) => s.q), t: acc((s) => s.t), q1: acc((s) => s.q1), q2: acc((s) => s.q2), width: first.width };
}

/** Compose layers left to right. */
export function serial(...layers: KernelLayer[]): KernelLayer {
  return (s) => layers.reduce((acc, l) => l(acc), s);
}
