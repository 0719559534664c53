/**
 * Uniform data on the sphere S^{d−1} (radius √d, so x·x′/d is the cosine and every input has
 * x·x/d = 1), spherical-harmonic targets, and the exact eigenvalues of dot-product kernels there.
 *
 * Gegenbauer (Legendre) polynomials of dimension d, normalized P_k(1) = 1:
 *   P₀ = 1, P₁ = t, P_{k+1}(t) = ((2k + d − 2) t P_k(t) − k P_{k−1}(t)) / (k + d − 2).
 * Degree-k harmonics span a space of dimension N(d, k) = (2k + d − 2)/k · C(k + d − 3, k − 1), N(d, 0) = 1.
 * For t = ⟨x, x′⟩/(‖x‖‖x′‖) with x′ uniform, t has density ∝ (1 − t²)^{(d−3)/2}, and
 * E_t[P_k(t)²] = 1/N(d, k), so the zonal harmonic Y_k(x) = √N(d, k) P_k(⟨x̂, û⟩) has unit L²(μ) norm.
 * Funk–Hecke: a dot-product kernel K(x, x′) = κ(t) has the harmonics as eigenfunctions, with
 *   λ_k = E_t[κ(t) P_k(t)] = ∫₀^π κ(cos φ) P_k(cos φ) sin^{d−2}φ dφ / ∫₀^π sin^{d−2}φ dφ,
 * each with multiplicity N(d, k); Σ_k N(d, k) λ_k = κ(1) (the trace). Computed by Gauss–Legendre
 * quadrature in φ (smooth for the ReLU/erf kernels: arccos(cos φ) = φ).
 */
import type { Rng } from '../engine/rng.js';
import { type Mat, mat } from '../engine/linalg/index.js';
import * as libm from '../engine/libm.js';

/** n points uniform on the sphere of radius √d in R^d (rows). */
export function sampleSphere(n: number, d: number, rng: Rng): Mat {
  const X = mat(n, d);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let c = 0; c < d; c++) { const g = rng.normal(); X.data[i * d + c] = g; s += g * g; }
    const f = Math.sqrt(d / s);
    for (let c = 0; c < d; c++) X.data[i * d + c] *= f;
  }
  return X;
}

/** Gegenbauer polynomial P_k^{(d)}(t), P_k(1) = 1. */
export function gegenbauer(k: number, d: number, t: number): number {
  if (k === 0) return 1;
  let p0 = 1, p1 = t;
  for (let j = 1; j < k; j++) {
    const p2 = ((2 * j + d - 2) * t * p1 - j * p0) / (j + d - 2);
    p0 = p1; p1 = p2;
  }
  return p1;
}

/** N(d, k): dimension of the degree-k spherical harmonics on S^{d−1}. */
export function harmonicMultiplicity(d: number, k: number): number {
  if (k === 0) return 1;
  if (d === 2) return 2;
  // (2k + d − 2)/k · C(k + d − 3, k − 1), via log-gamma-free product
  let c = 1;
  for (let j = 1; j <= k - 1; j++) c *= (d - 2 + j) / j; // C(k + d − 3, k − 1) = Π_{j=1}^{k−1} (d − 2 + j)/j
  return Math.round(((2 * k + d - 2) / k) * c);
}

/** Unit-norm zonal harmonic of degree k around direction u: √N(d,k) · P_k(⟨x̂, û⟩), at each row of X. */
export function zonalHarmonic(X: Mat, k: number, u: ArrayLike<number>): Float64Array {
  const d = X.cols;
  let nu = 0;
  for (let c = 0; c < d; c++) nu += u[c] * u[c];
  nu = Math.sqrt(nu);
  const s = Math.sqrt(harmonicMultiplicity(d, k));
  const out = new Float64Array(X.rows);
  for (let i = 0; i < X.rows; i++) {
    let dot = 0, nx = 0;
    for (let c = 0; c < d; c++) { dot += X.data[i * d + c] * u[c]; nx += X.data[i * d + c] ** 2; }
    out[i] = s * gegenbauer(k, d, dot / (Math.sqrt(nx) * nu));
  }
  return out;
}

const GL_X = [0, -0.5384693101056831, 0.5384693101056831, -0.906179845938664, 0.906179845938664];
const GL_W = [0.5688888888888889, 0.47862867049936647, 0.47862867049936647, 0.23692688505618908, 0.23692688505618908];

/**
 * Funk–Hecke eigenvalues λ_k, k = 0…kMax, of the dot-product kernel κ on S^{d−1}.
 * `kappa` maps an array of cosines to kernel values (vectorized, e.g. `dotProductKernel`).
 */
export function sphereSpectrum(kappa: (cosines: Float64Array) => Float64Array, d: number, kMax: number, panels = 0): {
  lambdas: Float64Array; multiplicities: Float64Array; trace: number;
} {
  const P = panels || Math.max(200, 8 * (kMax + 10));
  const m = P * 5;
  const phi = new Float64Array(m), w = new Float64Array(m);
  const h = Math.PI / P;
  for (let p = 0; p < P; p++) for (let q = 0; q < 5; q++) {
    const j = p * 5 + q;
    phi[j] = (p + 0.5) * h + 0.5 * h * GL_X[q];
    w[j] = 0.5 * h * GL_W[q] * libm.pow(libm.sin(phi[j]), d - 2);
  }
  let wsum = 0;
  for (let j = 0; j < m; j++) wsum += w[j];
  const t = phi.map(libm.cos);
  const kv = kappa(t);
  const lambdas = new Float64Array(kMax + 1), multiplicities = new Float64Array(kMax + 1);
  // Recurrence over k for all nodes at once.
  let p0 = new Float64Array(m).fill(1), p1 = Float64Array.from(t);
  for (let k = 0; k <= kMax; k++) {
    const pk = k === 0 ? p0 : p1;
    let s = 0;
    for (let j = 0; j < m; j++) s += w[j] * kv[j] * pk[j];
    lambdas[k] = s / wsum;
    multiplicities[k] = harmonicMultiplicity(d, k);
    if (k >= 1) {
      const p2 = new Float64Array(m);
      for (let j = 0; j < m; j++) p2[j] = ((2 * k + d - 2) * t[j] * p1[j] - k * p0[j]) / (k + d - 2);
      p0 = p1; p1 = p2;
    }
  }
  const one = kappa(new Float64Array([1]))[0];
  return { lambdas, multiplicities, trace: one };
}
