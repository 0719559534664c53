/**
 * Exact gradient flow of a two-layer linear network from λ-balanced initializations: the matrix
 * Riccati solution (Fukumizu 1998; Braun et al. 2022 for λ = 0; Dominé et al. 2025, "From lazy to
 * rich: exact learning dynamics in deep linear networks", for λ ≠ 0; the single-neuron case is the
 * minimal model of Kunin et al. 2024, "Get rich quick"). Derived here from the flow.
 *
 * Model f(x) = W₂W₁x, W₁ ∈ R^{h×d}, W₂ ∈ R^{k×h}, whitened inputs, target map T ∈ R^{k×d}:
 *   L = ½‖T − W₂W₁‖²_F,   Ẇ₁ = W₂ᵀE,   Ẇ₂ = EW₁ᵀ,   E = T − W₂W₁.                          (1)
 * Conservation: d/dt(W₂ᵀW₂ − W₁W₁ᵀ) = 0. λ-balanced init: W₂ᵀW₂ − W₁W₁ᵀ = λ I_h (needs k ≥ h for
 * λ > 0, d ≥ h for λ < 0). λ > 0: the output layer is larger ("downstream"); λ < 0: the input layer.
 *
 * Derivation. Stack Q = [W₁ᵀ; W₂] ∈ R^{(d+k)×h}. Then QᵀQ = W₁W₁ᵀ + W₂ᵀW₂, so with the balance
 * W₁W₁ᵀ = (QᵀQ − λ)/2 and W₂ᵀW₂ = (QᵀQ + λ)/2, and (1) reads
 *   Q̇ = F Q − [W₁ᵀ W₂ᵀW₂; W₂ W₁W₁ᵀ] = (F − (λ/2) J) Q − ½ Q QᵀQ,
 *   F = [[0, Tᵀ], [T, 0]],   J = diag(I_d, −I_k).
 * Hence X = QQᵀ = [[W₁ᵀW₁, (W₂W₁)ᵀ], [W₂W₁, W₂W₂ᵀ]] obeys the matrix Riccati equation
 *   Ẋ = G X + X G − X²,   G = F − (λ/2) J = [[−λ/2 I_d, Tᵀ], [T, λ/2 I_k]] (symmetric).     (2)
 * With Y = X⁻¹ (for invertible X; the result extends by continuity), Ẏ = I − GY − YG is linear:
 * Y(t) = e^{−Gt}Y₀e^{−Gt} + ∫₀ᵗ e^{−2Gu}du, so
 *   X(t) = e^{Gt} Q₀ (I_h + Q₀ᵀ S(t) Q₀)⁻¹ Q₀ᵀ e^{Gt},   S(t) = ∫₀ᵗ e^{2Gs} ds = (e^{2Gt} − I)/(2G).  (3)
 * (push-through identity X₀(I + SX₀)⁻¹ = Q₀(I + Q₀ᵀSQ₀)⁻¹Q₀ᵀ). The product W₂W₁ is the lower-left
 * block of X, the layer Grams A = W₁ᵀW₁ and B = W₂W₂ᵀ its diagonal blocks. For numerical stability
 * (3) is applied in steps Δ ≤ 1/max|g| (eigenvalues g of G), each step exact: in the eigenbasis of G,
 * Q̃ ← diag(e^{gΔ}) Q̃ L⁻ᵀ with L Lᵀ = I + Q̃ᵀ diag(s(Δ)) Q̃ — a factor of the same X (semigroup).
 *
 * Neural tangent kernel. Θ(x, x′) = (xᵀx′) B + (xᵀAx′) I_k; on function space (whitened data) it is
 * the operator K[M] = B M + M A (so Ṗ = K[E], P = W₂W₁), with eigenvalues a_i + b_j and
 *   ‖K‖²_F = d‖B‖²_F + k‖A‖²_F + 2 tr A tr B.                                                  (4)
 * NTK movement = ‖K(t) − K(0)‖_F/‖K(0)‖_F, exact from (3).
 * Limits (derived from (3)/(1)):
 *   lazy, |λ| → ∞ with h = k (λ > 0) or h = d (λ < 0): the large layer's Gram is ≈ |λ| I, so
 *     Ṗ ≈ |λ|(T − P) (kernel regression with a fixed kernel) and the movement ∝ ‖T‖²/λ² (slope −2);
 *   rich, λ = 0, small task-aligned init: every mode follows Saxe's logistic u(t) = s/(1 + (s/u₀ − 1)e^{−2st});
 *   single neuron (h = k = 1), λ → −∞: A ≈ |λ| ŵŵᵀ rotates with w, so the NTK moves by O(1) — the
 *     upstream init is not lazy (Kunin et al.), unlike the square network.
 */
import { type Mat, eigh, cholesky, mat, matmul, randomOrthogonal, transpose } from '../engine/linalg/index.js';
import type { Rng } from '../engine/rng.js';
import * as libm from '../engine/libm.js';

export interface TwoLayerDims { inputs: number; hidden: number; outputs: number }

function checkDims(T: Mat, W1: Mat, W2: Mat): TwoLayerDims {
  const d = T.cols, k = T.rows, h = W1.rows;
  if (W1.cols !== d) throw new RangeError(`W1: must be h×${d} (inputs of T), got ${W1.rows}×${W1.cols}`);
  if (W2.rows !== k || W2.cols !== h) throw new RangeError(`W2: must be ${k}×${h}, got ${W2.rows}×${W2.cols}`);
  return { inputs: d, hidden: h, outputs: k };
}

/** Symmetric square root of a PSD matrix (negative eigenvalues from rounding clipped to 0). */
function sqrtPsd(C: Mat): Mat {
  const { values, vectors: V } = eigh(C);
  const n = C.rows, out = mat(n, n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let m = 0; m < n; m++) s += V.data[i * n + m] * Math.sqrt(Math.max(0, values[m])) * V.data[j * n + m];
      out.data[i * n + j] = s;
    }
  return out;
}

/**
 * λ-balanced init: W₂ᵀW₂ − W₁W₁ᵀ = λI exactly. λ ≥ 0: W₁ ~ N(0, scale²/d), W₂ = R (W₁W₁ᵀ + λI)^{1/2}
 * with R ∈ R^{k×h} orthonormal columns (k ≥ h); λ < 0: W₂ ~ N(0, scale²/h), W₁ = (W₂ᵀW₂ + |λ|I)^{1/2} R′
 * with R′ ∈ R^{h×d} orthonormal rows (d ≥ h).
 */
export function lambdaBalancedInit(dims: TwoLayerDims, lambda: number, scale: number, rng: Rng): { W1: Mat; W2: Mat } {
  const { inputs: d, hidden: h, outputs: k } = dims;
  if (!Number.isFinite(lambda)) throw new RangeError(`lambda: must be finite (got ${lambda})`);
  if (!(scale >= 0)) throw new RangeError(`scale: must be ≥ 0 (got ${scale})`);
  if (lambda >= 0 && k < h) throw new RangeError(`hidden: λ ≥ 0 needs outputs ≥ hidden (got ${k} < ${h})`);
  if (lambda < 0 && d < h) throw new RangeError(`hidden: λ < 0 needs inputs ≥ hidden (got ${d} < ${h})`);
  const gauss = (rows: number, cols: number, std: number, r: Rng) => mat(rows, cols, r.normals(rows * cols, std));
  if (lambda >= 0) {
    const W1 = gauss(h, d, scale / Math.sqrt(d), rng.split('W1'));
    const C = matmul(W1, transpose(W1));
    for (let i = 0; i < h; i++) C.data[i * h + i] += lambda;
    const O = randomOrthogonal(k, rng.split('R'));
    const R = mat(k, h);
    for (let i = 0; i < k; i++) for (let j = 0; j < h; j++) R.data[i * h + j] = O.data[i * k + j];
    return { W1, W2: matmul(R, sqrtPsd(C)) };
  }
  const W2 = gauss(k, h, scale / Math.sqrt(h), rng.split('W2'));
  const C = matmul(transpose(W2), W2);
  for (let i = 0; i < h; i++) C.data[i * h + i] -= lambda;
  const O = randomOrthogonal(d, rng.split('R'));
  const R = mat(h, d);
  for (let i = 0; i < h; i++) for (let j = 0; j < d; j++) R.data[i * d + j] = O.data[i * d + j];
  return { W1: matmul(sqrtPsd(C), R), W2 };
}

/** W₂ᵀW₂ − W₁W₁ᵀ, its mean diagonal λ̄, and the largest |entry| of (W₂ᵀW₂ − W₁W₁ᵀ − λ̄ I). */
export function balanceOf(W1: Mat, W2: Mat): { C: Mat; lambda: number; residual: number } {
  const C = matmul(transpose(W2), W2);
  const G = matmul(W1, transpose(W1));
  const h = C.rows;
  let tr = 0;
  for (let i = 0; i < C.data.length; i++) C.data[i] -= G.data[i];
  for (let i = 0; i < h; i++) tr += C.data[i * h + i];
  const lambda = tr / h;
  let residual = 0;
  for (let i = 0; i < h; i++) for (let j = 0; j < h; j++) residual = Math.max(residual, Math.abs(C.data[i * h + j] - (i === j ? lambda : 0)));
  return { C, lambda, residual };
}

/** One time of the exact solution: the product P = W₂W₁ and the layer Grams A = W₁ᵀW₁, B = W₂W₂ᵀ. */
export interface RiccatiState { t: number; P: Mat; A: Mat; B: Mat }

/**
 * Exact flow (3) from (W₁, W₂) at the given times (any order, ≥ 0). λ is taken as the mean diagonal
 * of W₂ᵀW₂ − W₁W₁ᵀ; the solution is exact when the init is λ-balanced (check `balanceOf`).
 */
export function riccatiSolution(T: Mat, W1: Mat, W2: Mat, times: ArrayLike<number>): RiccatiState[] {
  const { inputs: d, hidden: h, outputs: k } = checkDims(T, W1, W2);
  for (let i = 0; i < times.length; i++) if (!(times[i] >= 0)) throw new RangeError(`times: must be ≥ 0 (got ${times[i]})`);
  const { lambda } = balanceOf(W1, W2);
  const n = d + k;
  const G = mat(n, n);
  for (let i = 0; i < d; i++) G.data[i * n + i] = -lambda / 2;
  for (let i = 0; i < k; i++) G.data[(d + i) * n + d + i] = lambda / 2;
  for (let i = 0; i < k; i++) for (let j = 0; j < d; j++) { G.data[(d + i) * n + j] = T.data[i * d + j]; G.data[j * n + d + i] = T.data[i * d + j]; }
  const { values: g, vectors: V } = eigh(G);
  // Q̃ = Vᵀ Q₀, Q₀ = [W₁ᵀ; W₂]
  let Qt = mat(n, h);
  for (let i = 0; i < n; i++)
    for (let c = 0; c < h; c++) {
      let s = 0;
      for (let r = 0; r < d; r++) s += V.data[r * n + i] * W1.data[c * d + r];
      for (let r = 0; r < k; r++) s += V.data[(d + r) * n + i] * W2.data[r * h + c];
      Qt.data[i * h + c] = s;
    }
  let gMax = 0;
  for (let i = 0; i < n; i++) gMax = Math.max(gMax, Math.abs(g[i]));
  const maxStep = gMax > 0 ? 1 / gMax : Infinity;
  const step = (Q: Mat, dt: number): Mat => {
    if (dt === 0) return Q;
    const e = new Float64Array(n), s = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const x = g[i] * dt;
      e[i] = libm.exp(x);
      s[i] = Math.abs(x) < 1e-8 ? dt * (1 + x) : libm.expm1(2 * x) / (2 * g[i]);
    }
    const M = mat(h, h);
    for (let a = 0; a < h; a++)
      for (let b = 0; b <= a; b++) {
        let v = a === b ? 1 : 0;
        for (let i = 0; i < n; i++) v += Q.data[i * h + a] * s[i] * Q.data[i * h + b];
        M.data[a * h + b] = v; M.data[b * h + a] = v;
      }
    const L = cholesky(M);
    // Q_new = diag(e) Q L⁻ᵀ: each row q solves L y = (e_i q)ᵀ → forward substitution.
    const out = mat(n, h);
    for (let i = 0; i < n; i++) {
      for (let a = 0; a < h; a++) {
        let v = e[i] * Q.data[i * h + a];
        for (let b = 0; b < a; b++) v -= L.data[a * h + b] * out.data[i * h + b];
        out.data[i * h + a] = v / L.data[a * h + a];
      }
    }
    return out;
  };
  const order = Array.from(times, (_, i) => i).sort((a, b) => times[a] - times[b]);
  const out: RiccatiState[] = new Array(times.length);
  let t = 0;
  for (const idx of order) {
    const target = times[idx];
    while (t < target) {
      const dt = Math.min(maxStep, target - t);
      Qt = step(Qt, dt);
      t = dt === target - t ? target : t + dt;
    }
    // X = V Q̃ Q̃ᵀ Vᵀ; Q = V Q̃
    const Q = matmul(V, Qt);
    const X = matmul(Q, transpose(Q));
    const A = mat(d, d), P = mat(k, d), B = mat(k, k);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) A.data[i * d + j] = X.data[i * n + j];
    for (let i = 0; i < k; i++) for (let j = 0; j < d; j++) P.data[i * d + j] = X.data[(d + i) * n + j];
    for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) B.data[i * k + j] = X.data[(d + i) * n + d + j];
    out[idx] = { t: target, P, A, B };
  }
  return out;
}

/** ‖K‖²_F of the NTK operator K[M] = BM + MA (eq. 4), A: d×d, B: k×k. */
export function ntkNormSquared(A: Mat, B: Mat): number {
  const d = A.rows, k = B.rows;
  let a2 = 0, b2 = 0, ta = 0, tb = 0;
  for (let i = 0; i < A.data.length; i++) a2 += A.data[i] * A.data[i];
  for (let i = 0; i < B.data.length; i++) b2 += B.data[i] * B.data[i];
  for (let i = 0; i < d; i++) ta += A.data[i * d + i];
  for (let i = 0; i < k; i++) tb += B.data[i * k + i];
  return d * b2 + k * a2 + 2 * ta * tb;
}

/** Relative NTK movement ‖K₁ − K₀‖_F/‖K₀‖_F from the layer Grams (A = W₁ᵀW₁, B = W₂W₂ᵀ). */
export function ntkMovement(A0: Mat, B0: Mat, A1: Mat, B1: Mat): number {
  const dA = mat(A0.rows, A0.cols, A1.data.map((v, i) => v - A0.data[i]));
  const dB = mat(B0.rows, B0.cols, B1.data.map((v, i) => v - B0.data[i]));
  return Math.sqrt(ntkNormSquared(dA, dB) / ntkNormSquared(A0, B0));
}

/** Largest eigenvalue of the NTK operator (the Gauss–Newton sharpness): λ_max(A) + λ_max(B). */
export function ntkTopEigenvalue(A: Mat, B: Mat): number {
  const a = eigh(A).values, b = eigh(B).values;
  return a[a.length - 1] + b[b.length - 1];
}

/** Grams A = W₁ᵀW₁, B = W₂W₂ᵀ and the product P = W₂W₁ of given weights. */
export function gramsOf(W1: Mat, W2: Mat): { A: Mat; B: Mat; P: Mat } {
  return { A: matmul(transpose(W1), W1), B: matmul(W2, transpose(W2)), P: matmul(W2, W1) };
}

/**
 * The loss (1) over θ = [W₁ (h×d, row-major), W₂ (k×h)] with its exact gradient — the flow that (3)
 * solves, for GD and RK4 (training/gd.ts, training/flow.ts).
 */
export function twoLayerLinearObjective(T: Mat, hidden: number): { dim: number; value(theta: Float64Array): number; valueAndGrad(theta: Float64Array): { value: number; grad: Float64Array } } {
  const d = T.cols, k = T.rows, h = hidden;
  const n1 = h * d, dim = n1 + k * h;
  const valueAndGrad = (theta: Float64Array) => {
    const W1 = theta.subarray(0, n1), W2 = theta.subarray(n1, dim);
    const E = new Float64Array(k * d);
    let value = 0;
    for (let i = 0; i < k; i++)
      for (let j = 0; j < d; j++) {
        let p = 0;
        for (let m = 0; m < h; m++) p += W2[i * h + m] * W1[m * d + j];
        const e = T.data[i * d + j] - p;
        E[i * d + j] = e;
        value += 0.5 * e * e;
      }
    const grad = new Float64Array(dim);
    // ∂L/∂W₁ = −W₂ᵀE (h×d), ∂L/∂W₂ = −E W₁ᵀ (k×h)
    for (let m = 0; m < h; m++)
      for (let j = 0; j < d; j++) {
        let s = 0;
        for (let i = 0; i < k; i++) s += W2[i * h + m] * E[i * d + j];
        grad[m * d + j] = -s;
      }
    for (let i = 0; i < k; i++)
      for (let m = 0; m < h; m++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += E[i * d + j] * W1[m * d + j];
        grad[n1 + i * h + m] = -s;
      }
    return { value, grad };
  };
  return { dim, value: (theta) => valueAndGrad(theta).value, valueAndGrad };
}
