/**
 * The gradient noise scale of McCandlish, Kaplan, Amodei et al. 2018 (arXiv 1812.06162) on any
 * flat-θ objective over a data set (or a distribution) of examples.
 *
 * With per-example gradients g_i (i = 1…n) at one θ, mean G and per-example covariance Σ:
 *   E|G_B|² = |G|² + tr Σ/B   (B i.i.d. examples),   B_simple = tr Σ/|G|²,
 *   B_noise = tr(HΣ)/GᵀHG    (McCandlish §2.2; = B_simple when H ∝ I).
 *
 * Direct estimator (`noiseScaleFromGradients`) from the n × P matrix of per-example gradients:
 *   Ĝ = (1/n)Σg_i,  tr Σ̂ = (1/(n−1)) Σ‖g_i − Ĝ‖²   (unbiased),
 *   |G|²^ = |Ĝ|² − tr Σ̂/n                         (E|Ĝ|² = |G|² + tr Σ/n: the finite-sample bias),
 *   B̂_simple = tr Σ̂ / |G|²^   — mode 'sample' (the n examples are draws from a distribution).
 * Mode 'population' (the n examples ARE the data set, e.g. the whole training set): G = Ĝ and
 * Σ = (1/n)Σ‖g_i − Ĝ‖² exactly, no correction. A leave-one-out jackknife (O(nP), from the sums
 * Σg_i and the dot products g_i·Σg_j) gives the standard error of B̂_simple. With HVPs, the same
 * route gives tr(HΣ̂) = (1/(n−1))(Σ g_iᵀHg_i − n ĜᵀHĜ) and GᵀHG^ = ĜᵀHĜ − tr(HΣ̂)/n (n HVPs).
 *
 * Two-batch estimator (McCandlish App. A.1), needing only batch-mean gradients at the SAME θ:
 *   |𝒢|² = (B_big|G_big|² − B_small|G_small|²)/(B_big − B_small),
 *   𝒮    = (|G_small|² − |G_big|²)/(1/B_small − 1/B_big),
 * each unbiased for |G|² and tr Σ under i.i.d. sampling (batches drawn WITH replacement from a
 * finite data set: then unbiased for the data set's G and Σ). B_simple = mean 𝒮 / mean |𝒢|² over
 * many draws (a ratio of means; a single draw's terms may be negative) — or, along training, a
 * ratio of exponential moving averages (`noiseScaleTracker`), clamped only in the final ratio.
 */
import { grad } from '../engine/autodiff.js';
import { withArena } from '../engine/arena.js';
import { flatten, paramCount, unflatten } from '../engine/params.js';
import type { Rng } from '../engine/rng.js';
import type { Tensor } from '../engine/tensor.js';

/** A loss over examples 0…n−1 seen as a function of flat θ: gradOn is the batch-MEAN gradient. */
export interface MinibatchObjective {
  dim: number;
  /** Number of examples (indices 0…n−1). */
  n: number;
  gradOn(theta: Float64Array, batch: Int32Array): Float64Array;
  /** Optional: Hessian-vector product of the full-data loss at θ (for B_noise). */
  hvp?(theta: Float64Array, v: Float64Array): Float64Array;
}

/**
 * A MinibatchObjective from a differentiable batch loss (the batch MEAN of a per-example loss,
 * as supervisedLoss is) over parameter tensors shaped like `like`. Each call runs in an arena scope.
 */
export function minibatchObjective(lossOn: (params: Tensor[], batch: Int32Array) => Tensor, like: Tensor[], n: number): MinibatchObjective {
  if (!(Number.isInteger(n) && n >= 1)) throw new RangeError(`minibatchObjective: n must be an integer ≥ 1, got ${n}`);
  return {
    dim: paramCount(like),
    n,
    gradOn: (theta, batch) => withArena(() => flatten(grad((...ps: Tensor[]) => lossOn(ps, batch), unflatten(theta, like)))),
  };
}

/** Rows of per-example gradients ∇ℓ_i(θ), i ∈ indices (one gradOn call per example). */
export function perExampleGradients(obj: MinibatchObjective, theta: Float64Array, indices: Int32Array): Float64Array {
  if (theta.length !== obj.dim) throw new RangeError(`perExampleGradients: theta has ${theta.length} entries for ${obj.dim} parameters`);
  const P = obj.dim;
  const out = new Float64Array(indices.length * P);
  const one = new Int32Array(1);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    if (!(Number.isInteger(i) && i >= 0 && i < obj.n)) throw new RangeError(`perExampleGradients: index ${i} outside 0…${obj.n - 1}`);
    one[0] = i;
    const g = obj.gradOn(theta, one);
    if (g.length !== P) throw new RangeError(`perExampleGradients: gradOn returned ${g.length} entries for ${P} parameters`);
    out.set(g, k * P);
  }
  return out;
}

export type NoiseScaleMode = 'sample' | 'population';

export interface NoiseScaleEstimate {
  mode: NoiseScaleMode;
  examples: number;
  /** |Ĝ|², uncorrected. */
  meanGradNormSq: number;
  /** Estimate of |G|² (sample mode: bias-corrected). */
  gradNormSq: number;
  /** Estimate of tr Σ. */
  traceSigma: number;
  bSimple: number;
  /** Jackknife standard error of bSimple (NaN for n < 3). */
  bSimpleSe: number;
}

function checkMode(where: string, mode: string): void {
  if (mode !== 'sample' && mode !== 'population') throw new RangeError(`${where}: mode must be 'sample' or 'population', got ${mode}`);
}

/** (|G|², tr Σ) estimates from n, ‖S‖² (S = Σg_i) and Q = Σ‖g_i‖². */
function moments(n: number, s2: number, q: number, mode: NoiseScaleMode): { g2: number; tr: number; mean2: number } {
  const mean2 = s2 / (n * n);
  const ss = q - s2 / n; // Σ‖g_i − Ĝ‖²
  if (mode === 'population') return { g2: mean2, tr: ss / n, mean2 };
  const tr = ss / (n - 1);
  return { g2: mean2 - tr / n, tr, mean2 };
}

/** B_simple from an n × P matrix of per-example gradients (row-major). */
export function noiseScaleFromGradients(grads: Float64Array, n: number, opts: { mode?: NoiseScaleMode } = {}): NoiseScaleEstimate {
  const mode = opts.mode ?? 'sample';
  checkMode('noiseScaleFromGradients', mode);
  if (!(Number.isInteger(n) && n >= 2)) throw new RangeError(`noiseScaleFromGradients: n must be an integer ≥ 2, got ${n}`);
  if (grads.length % n !== 0 || grads.length === 0) throw new RangeError(`noiseScaleFromGradients: ${grads.length} numbers are not n = ${n} rows`);
  const P = grads.length / n;
  const S = new Float64Array(P);
  const sq = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let a = 0;
    for (let j = 0; j < P; j++) { const g = grads[i * P + j]; S[j] += g; a += g * g; }
    sq[i] = a;
  }
  let s2 = 0, q = 0;
  for (let j = 0; j < P; j++) s2 += S[j] * S[j];
  for (let i = 0; i < n; i++) q += sq[i];
  const m = moments(n, s2, q, mode);
  const bSimple = m.tr / m.g2;
  // Leave-one-out jackknife.
  let se = NaN;
  if (n >= 3) {
    const loo = new Float64Array(n);
    let mean = 0;
    for (let i = 0; i < n; i++) {
      let gs = 0;
      for (let j = 0; j < P; j++) gs += grads[i * P + j] * S[j];
      const s2i = s2 - 2 * gs + sq[i];
      const mi = moments(n - 1, s2i, q - sq[i], mode);
      loo[i] = mi.tr / mi.g2;
      mean += loo[i] / n;
    }
    let v = 0;
    for (let i = 0; i < n; i++) v += (loo[i] - mean) ** 2;
    se = Math.sqrt(((n - 1) / n) * v);
  }
  return { mode, examples: n, meanGradNormSq: m.mean2, gradNormSq: m.g2, traceSigma: m.tr, bSimple, bSimpleSe: se };
}

/** B_simple of an objective at θ from per-example gradients on `indices` (default: all n examples, population mode). */
export function noiseScale(obj: MinibatchObjective, theta: Float64Array, opts: { indices?: Int32Array; mode?: NoiseScaleMode } = {}): NoiseScaleEstimate {
  const indices = opts.indices ?? Int32Array.from({ length: obj.n }, (_, i) => i);
  const mode = opts.mode ?? (opts.indices ? 'sample' : 'population');
  return noiseScaleFromGradients(perExampleGradients(obj, theta, indices), indices.length, { mode });
}

export interface CurvatureNoiseScale {
  /** Estimate of tr(HΣ). */
  traceHSigma: number;
  /** Estimate of GᵀHG. */
  gHg: number;
  bNoise: number;
  /** McCandlish's ε_max = |G|²/GᵀHG (with |G|² from the same gradients). */
  epsMax: number;
}

/**
 * B_noise = tr(HΣ)/GᵀHG from per-example gradients and Hessian-vector products v ↦ Hv (n HVPs).
 * Same modes and bias correction as noiseScaleFromGradients.
 */
export function curvatureNoiseScale(grads: Float64Array, n: number, hvp: (v: Float64Array) => Float64Array, opts: { mode?: NoiseScaleMode } = {}): CurvatureNoiseScale {
  const mode = opts.mode ?? 'sample';
  checkMode('curvatureNoiseScale', mode);
  if (!(Number.isInteger(n) && n >= 2) || grads.length % n !== 0) throw new RangeError(`curvatureNoiseScale: n must be an integer ≥ 2 dividing ${grads.length}, got ${n}`);
  const P = grads.length / n;
  const mean = new Float64Array(P);
  const Hmean = new Float64Array(P);
  let quad = 0; // Σ g_iᵀHg_i
  for (let i = 0; i < n; i++) {
    const g = grads.subarray(i * P, (i + 1) * P);
    const Hg = hvp(Float64Array.from(g));
    if (Hg.length !== P) throw new RangeError(`curvatureNoiseScale: hvp returned ${Hg.length} entries for ${P} parameters`);
    for (let j = 0; j < P; j++) { quad += g[j] * Hg[j]; mean[j] += g[j] / n; Hmean[j] += Hg[j] / n; }
  }
  let mHm = 0;
  for (let j = 0; j < P; j++) mHm += mean[j] * Hmean[j];
  const ss = quad - n * mHm;
  const ns = noiseScaleFromGradients(grads, n, { mode });
  const traceHSigma = mode === 'population' ? ss / n : ss / (n - 1);
  const gHg = mode === 'population' ? mHm : mHm - traceHSigma / n;
  return { traceHSigma, gHg, bNoise: traceHSigma / gHg, epsMax: ns.gradNormSq / gHg };
}

export interface TwoBatchTerms {
  /** Unbiased estimate |𝒢|² of |G|². */
  gradNormSq: number;
  /** Unbiased estimate 𝒮 of tr Σ. */
  traceSigma: number;
}

/** One draw of McCandlish's two-batch estimator from |G_small|², |G_big|² at the same θ. */
export function twoBatchTerms(gSmallSq: number, gBigSq: number, bSmall: number, bBig: number): TwoBatchTerms {
  if (!(bSmall >= 1 && bBig > bSmall)) throw new RangeError(`twoBatchTerms: need 1 ≤ bSmall < bBig, got bSmall = ${bSmall}, bBig = ${bBig}`);
  return {
    gradNormSq: (bBig * gBigSq - bSmall * gSmallSq) / (bBig - bSmall),
    traceSigma: (gSmallSq - gBigSq) / (1 / bSmall - 1 / bBig),
  };
}

export interface TwoBatchEstimate {
  gradNormSq: number;
  traceSigma: number;
  /** mean 𝒮 / mean |𝒢|². */
  bSimple: number;
  /** Delta-method standard error of the ratio over the draws. */
  bSimpleSe: number;
  draws: number;
}

/** Ratio of means over draws of (|𝒢|², 𝒮), with a delta-method standard error. */
export function twoBatchRatio(terms: readonly TwoBatchTerms[]): TwoBatchEstimate {
  const k = terms.length;
  if (k === 0) throw new RangeError('twoBatchRatio: need at least one draw');
  let mg = 0, ms = 0;
  for (const t of terms) { mg += t.gradNormSq / k; ms += t.traceSigma / k; }
  const r = ms / mg;
  let v = 0;
  for (const t of terms) v += (t.traceSigma - r * t.gradNormSq) ** 2;
  const se = k > 1 ? Math.sqrt(v / (k - 1) / k) / Math.abs(mg) : NaN;
  return { gradNormSq: mg, traceSigma: ms, bSimple: r, bSimpleSe: se, draws: k };
}

function squaredNorm(g: Float64Array): number {
  let s = 0;
  for (let j = 0; j < g.length; j++) s += g[j] * g[j];
  return s;
}

/**
 * The two-batch estimator on an objective at θ: `draws` pairs of batches of bSmall and bBig
 * examples drawn with replacement (i.i.d. uniform over 0…n−1) from rng.
 */
export function twoBatchNoiseScale(obj: MinibatchObjective, theta: Float64Array, opts: { bSmall: number; bBig: number; draws: number; rng: Rng }): TwoBatchEstimate {
  const { bSmall, bBig, draws, rng } = opts;
  if (!(Number.isInteger(bSmall) && Number.isInteger(bBig) && bSmall >= 1 && bBig > bSmall)) throw new RangeError(`twoBatchNoiseScale: need integers 1 ≤ bSmall < bBig, got ${bSmall}, ${bBig}`);
  if (!(Number.isInteger(draws) && draws >= 1)) throw new RangeError(`twoBatchNoiseScale: draws must be an integer ≥ 1, got ${draws}`);
  const batch = (b: number, r: Rng) => { const ix = new Int32Array(b); for (let i = 0; i < b; i++) ix[i] = r.int(obj.n); return ix; };
  const terms: TwoBatchTerms[] = [];
  for (let k = 0; k < draws; k++) {
    const r = rng.split(`draw${k}`);
    const small = squaredNorm(obj.gradOn(theta, batch(bSmall, r.split('small'))));
    const big = squaredNorm(obj.gradOn(theta, batch(bBig, r.split('big'))));
    terms.push(twoBatchTerms(small, big, bSmall, bBig));
  }
  return twoBatchRatio(terms);
}

export interface NoiseScaleTracker {
  /** Feed one draw (|G_small|², |G_big|² at the same θ). */
  update(gSmallSq: number, gBigSq: number, bSmall: number, bBig: number): void;
  /** EMA(𝒮)/EMA(|𝒢|²) with bias-corrected EMAs (NaN before the first update; ≥ 0 after clamping). */
  readonly bSimple: number;
  readonly updates: number;
}

/** A ratio of exponential moving averages of the two-batch terms, for tracking along training. */
export function noiseScaleTracker(beta: number): NoiseScaleTracker {
  if (!(beta >= 0 && beta < 1)) throw new RangeError(`noiseScaleTracker: beta must be in [0, 1), got ${beta}`);
  let g = 0, s = 0, k = 0;
  return {
    update(gSmallSq, gBigSq, bSmall, bBig) {
      const t = twoBatchTerms(gSmallSq, gBigSq, bSmall, bBig);
      g = beta * g + (1 - beta) * t.gradNormSq;
      s = beta * s + (1 - beta) * t.traceSigma;
      k++;
    },
    get bSimple() {
      if (k === 0) return NaN;
      // The bias corrections 1 − β^k cancel in the ratio.
      return g > 0 ? Math.max(s / g, 0) : Infinity;
    },
    get updates() { return k; },
  };
}
