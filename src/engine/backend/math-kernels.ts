import type { FloatArray } from '../dtype.js';
import * as libm from '../libm.js';

/**
 * Transcendental elementwise kernels (activations and their derivatives) on whole arrays.
 * Every backend may provide them; the reference backend's versions (Math.* and the scalar
 * functions below) are the exact oracle the others are tested against.
 *
 *   exp x,  tanh x,  σ(x) = 1/(1+e⁻ˣ),  erf x = (2/√π)∫₀ˣ e^{−t²} dt,
 *   gelu x = x·Φ(x),  geluSlope x = Φ(x) + x·φ(x),  geluCurv x = φ(x)(2 − x²)
 *     with Φ(x) = ½(1 + erf(x/√2)), φ(x) = e^{−x²/2}/√(2π)  (Hendrycks & Gimpel 2016);
 *   tanhBackward(g, y) = g ⊙ (1 − y)(1 + y)  (= g ⊙ tanh′ when y = tanh x),
 *   sigmoidBackward(g, y) = g ⊙ y(1 − y)     (= g ⊙ σ′ when y = σ(x)).
 *
 * The wasm versions (kernels-math.wat) compute in f64 with their own range reductions,
 * a 64-entry table for exp, polynomials and rationals. Measured against mpmath (40 digits) on
 * 125 407 points (steps of 2⁻¹⁰ on [−8, 8], geometric ±1e-300…800, steps of 0.0123 on [−40, 40],
 * plus edge cases), maximum error in f64 ulps of the exact value, over results in the normal
 * range, the worse of the two builds (relaxed SIMD with FMA / plain SIMD128):
 *   exp 0.53 · tanh 1.27 · sigmoid 1.96 · erf 1.08 · gelu 1.42 (x ≥ 0), 5.2 (x < 0) ·
 *   geluSlope 1.98 (x ≥ 0), 4.6 (x < 0) and geluCurv 2.4, these two in ulps of their larger term
 *   (max(Φ, |x|φ) resp. φ·max(2, x²): both cancel at their zeros, as does the reference).
 *   The relaxed build alone: gelu 1.21 / 4.3, geluSlope 1.93 / 4.6; the rest within 0.02.
 * Subnormal results are within 2 units of 2⁻¹⁰⁷⁴ (also on a dense scan of x ∈ [−38.7, −37.4],
 * where e^{−x²/2} itself is subnormal). The reference is not better everywhere: its erf series is
 * off by up to 17 ulp near |x| = 5…6, its gelu cancels in 1 + erf for x < 0 (0 for x < −8.5) and
 * its geluCurv rounds x² inside exp (≈ x²/2 ulp); test/math-kernels.test.ts pins those spots with
 * mpmath values. f32: computed in f64 and rounded once: ≤ 1 ulp f32 of the f64 reference
 * rounded to f32. The fused backward kernels are bit-identical to the reference.
 *
 * Contract: `out.length` elements are written; `out` may alias an input of the same length.
 */
export interface MathKernels {
  exp(x: FloatArray, out: FloatArray): void;
  tanh(x: FloatArray, out: FloatArray): void;
  sigmoid(x: FloatArray, out: FloatArray): void;
  erf(x: FloatArray, out: FloatArray): void;
  gelu(x: FloatArray, out: FloatArray): void;
  geluSlope(x: FloatArray, out: FloatArray): void;
  geluCurv(x: FloatArray, out: FloatArray): void;
  /** out = g ⊙ (1 − y)(1 + y). */
  tanhBackward(g: FloatArray, y: FloatArray, out: FloatArray): void;
  /** out = g ⊙ y(1 − y). */
  sigmoidBackward(g: FloatArray, y: FloatArray, out: FloatArray): void;
}

export type MathUnaryName = 'exp' | 'tanh' | 'sigmoid' | 'erf' | 'gelu' | 'geluSlope' | 'geluCurv';
export type MathBackwardName = 'tanhBackward' | 'sigmoidBackward';

const SQRT1_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/** 1/(2k+3) for the erf series (300 terms reach 1e-17 relative for every |x| < 6). */
const ERF_TERMS = 300;
const INV_ODD = Float64Array.from({ length: ERF_TERMS }, (_, k) => 1 / (2 * k + 3));

/**
 * Scalar error function, to ~1e-15: erf x = (2/√π) e^{−x²} Σ_k 2^k x^{2k+1}/(1·3⋯(2k+1)) (all terms
 * positive, no cancellation) for |x| < 6; ±1 beyond (1 − erf 6 < 3e-17).
 */
export function erfScalar(x: number): number {
  const a = Math.abs(x);
  if (a >= 6) return Math.sign(x);
  if (a === 0) return 0 * x;
  const x2 = a * a, twoX2 = 2 * x2;
  let term = a, s = a;
  // term_{k+1} = term_k · 2x²/(2k+3), with the reciprocals tabulated: the loop-carried chain is
  // then one multiplication (the factor 2x²·(1/(2k+3)) does not depend on the previous term).
  for (let k = 0; k < ERF_TERMS; k++) {
    term *= twoX2 * INV_ODD[k];
    s += term;
    if (term < 1e-17 * s) break;
  }
  return Math.sign(x) * Math.min(1, TWO_OVER_SQRT_PI * libm.exp(-x2) * s);
}

/** σ(x), stable for either sign. */
export const sigmoidScalar = (x: number): number =>
  (x >= 0 ? 1 / (1 + libm.exp(-x)) : libm.exp(x) / (1 + libm.exp(x)));
/** Exact GELU x·Φ(x). */
export const geluScalar = (x: number): number => 0.5 * x * (1 + erfScalar(x * SQRT1_2));
/** GELU′(x) = Φ(x) + x·φ(x). */
export const geluSlopeScalar = (x: number): number =>
  0.5 * (1 + erfScalar(x * SQRT1_2)) + x * INV_SQRT_2PI * libm.exp(-0.5 * x * x);
/** GELU″(x) = φ(x)(2 − x²). */
export const geluCurvScalar = (x: number): number => INV_SQRT_2PI * libm.exp(-0.5 * x * x) * (2 - x * x);

/** The reference (exact) math kernels: one monomorphic loop per op. */
export const referenceMath: MathKernels = {
  exp(x, o) { for (let i = 0; i < o.length; i++) o[i] = libm.exp(x[i]); },
  tanh(x, o) { for (let i = 0; i < o.length; i++) o[i] = libm.tanh(x[i]); },
  sigmoid(x, o) { for (let i = 0; i < o.length; i++) o[i] = sigmoidScalar(x[i]); },
  erf(x, o) { for (let i = 0; i < o.length; i++) o[i] = erfScalar(x[i]); },
  gelu(x, o) { for (let i = 0; i < o.length; i++) o[i] = geluScalar(x[i]); },
  geluSlope(x, o) { for (let i = 0; i < o.length; i++) o[i] = geluSlopeScalar(x[i]); },
  geluCurv(x, o) { for (let i = 0; i < o.length; i++) o[i] = geluCurvScalar(x[i]); },
  tanhBackward(g, y, o) {
    for (let i = 0; i < o.length; i++) { const v = y[i]; o[i] = g[i] * ((1 - v) * (1 + v)); }
  },
  sigmoidBackward(g, y, o) {
    for (let i = 0; i < o.length; i++) { const v = y[i]; o[i] = g[i] * (v * (1 - v)); }
  },
};
