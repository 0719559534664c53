/**
 * The quantization model of neural scaling (Michaud, Liu, Girit & Tegmark 2023, arXiv 2303.13506,
 * §2; science-notes §B2).
 *
 * Notation. The code's Zipf exponent `alpha` (= a) is the paper's α + 1: quanta (subtasks) k = 1, 2, …
 * are used with frequencies
 *     p_k = k^{−a} / Z,   Z = ζ(a) (infinitely many quanta) or H_T(a) = Σ_{k=1}^{T} k^{−a} (T quanta).
 * A model that has learned the n most frequent quanta, and is at chance on the others with loss b
 * per example (b = ln 2 for a parity under cross-entropy at chance), has
 *     L(n) − L_∞ = b Σ_{k>n} p_k                                               (paper eq. 4)
 *                ≈ b n^{−α} / (α ζ(α+1))       (T = ∞, n ≫ 1; the integral of the tail; eq. 5)
 * The next Euler–Maclaurin terms give Σ_{k>n} k^{−a} = n^{1−a}/(a−1) − n^{−a}/2 + a n^{−a−1}/12 − …,
 * so exact/leading = 1 − α/(2n) + O(n^{−2}) (derived; tested against exact sums).
 * Exponents (paper §2, derived here from the two assumptions stated):
 *   parameters: the number of learned quanta n ∝ N           ⇒ L − L_∞ ∝ N^{−α}          (α_N = α)
 *   data: a quantum is learned once it has been seen τ times: D p_n ≥ τ ⇒ n ∝ (D/τ)^{1/(α+1)}
 *                                                               ⇒ L − L_∞ ∝ D^{−α/(α+1)} (α_D = α/(α+1));
 *   with fresh samples at a fixed batch B, D = B·S, so the loss in optimizer steps S has the same
 *   exponent, and the step at which quantum k is learned is S_k = τ/(B p_k) ∝ p_k^{−1}.
 * Finite T (derived): with T quanta, Σ_{k=n+1}^{T} k^{−a} = ζ(a, n+1) − ζ(a, T+1) (Hurwitz ζ), whose
 * log-slope is d ln L/d ln n = −n·a·ζ(a+1, n+1)/(ζ(a, n+1) − ζ(a, T+1)) ≈ −α/(1 − (n/T)^α): the
 * truncation steepens the power law long before n reaches T when α is small (α = 0.4, n/T = 0.1:
 * −0.66 instead of −0.4), so the T = ∞ exponent applies only where (n/T)^α ≪ 1.
 *
 * Numerics: the Hurwitz zeta ζ(s, q) = Σ_{j≥0} (q + j)^{−s} (s > 1, q > 0) by Euler–Maclaurin
 * summation after 12 explicit terms with 8 Bernoulli corrections (relative error < 1e-15 for
 * 1 < s ≤ 12; tested against direct sums and known values ζ(2) = π²/6, ζ(4) = π⁴/90).
 */
import * as libm from '../engine/libm.js';

const BERNOULLI_2M = [1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510];

function checkS(where: string, s: number): void {
  if (!Number.isFinite(s) || s <= 1 || s > 64) throw new RangeError(`${where}: s (the Zipf exponent) must be in (1, 64], got ${s}`);
}

/** Hurwitz zeta ζ(s, q) = Σ_{j≥0} (q + j)^{−s}, s > 1, q > 0. */
export function hurwitzZeta(s: number, q: number): number {
  checkS('hurwitzZeta', s);
  if (!Number.isFinite(q) || q <= 0) throw new RangeError(`hurwitzZeta: q must be finite and > 0, got ${q}`);
  const N = 12;
  let head = 0;
  for (let j = N - 1; j >= 0; j--) head += libm.pow(q + j, -s);
  const a = q + N;
  const aPow = libm.pow(a, -s); // a^{−s}
  let tail = (a * aPow) / (s - 1) + aPow / 2;
  // Σ_m B_{2m}/(2m)! · s(s+1)…(s+2m−2) · a^{−s−2m+1}
  let rising = s;        // s(s+1)…(s+2m−2) for m = 1
  let fact = 2;          // (2m)!
  let power = aPow / a;  // a^{−s−1}
  for (let m = 1; m <= BERNOULLI_2M.length; m++) {
    const term = (BERNOULLI_2M[m - 1] / fact) * rising * power;
    tail += term;
    if (Math.abs(term) < 1e-18 * Math.abs(tail)) break;
    rising *= (s + 2 * m - 1) * (s + 2 * m);
    fact *= (2 * m + 1) * (2 * m + 2);
    power /= a * a;
  }
  return head + tail;
}

/** Riemann zeta ζ(s), s > 1. */
export function zeta(s: number): number {
  return hurwitzZeta(s, 1);
}

function checkTasks(where: string, nTasks: number): void {
  if (!(nTasks === Infinity || (Number.isInteger(nTasks) && nTasks >= 1))) throw new RangeError(`${where}: nTasks must be an integer ≥ 1 or Infinity, got ${nTasks}`);
}

/** Σ_{k=n+1}^{T} k^{−a} for real n ≥ 0 (the smooth interpolation ζ(a, n+1) − ζ(a, T+1)). */
export function unnormalizedTail(n: number, alpha: number, nTasks = Infinity): number {
  checkS('unnormalizedTail', alpha);
  checkTasks('unnormalizedTail', nTasks);
  if (!(n >= 0)) throw new RangeError(`unnormalizedTail: n must be ≥ 0, got ${n}`);
  if (n >= nTasks) return 0;
  return hurwitzZeta(alpha, n + 1) - (nTasks === Infinity ? 0 : hurwitzZeta(alpha, nTasks + 1));
}

/** Normalizer Z: ζ(a) for T = ∞, H_T(a) = Σ_{k≤T} k^{−a} otherwise. */
export function zipfNormalizer(alpha: number, nTasks = Infinity): number {
  return unnormalizedTail(0, alpha, nTasks);
}

/** p_k = k^{−a}/Z for quanta k = 1 … T (1-based rank). */
export function quantaFrequency(k: number, alpha: number, nTasks = Infinity): number {
  if (!Number.isInteger(k) || k < 1 || k > nTasks) throw new RangeError(`quantaFrequency: k must be an integer in [1, ${nTasks}], got ${k}`);
  return libm.pow(k, -alpha) / zipfNormalizer(alpha, nTasks);
}

/** Σ_{k>n} p_k: the frequency mass of the quanta not among the n most frequent. */
export function tailMass(n: number, alpha: number, nTasks = Infinity): number {
  return unnormalizedTail(n, alpha, nTasks) / zipfNormalizer(alpha, nTasks);
}

/** Leading asymptotics of the T = ∞ tail mass: n^{−α}/(α ζ(α+1)), α = a − 1. */
export function tailMassAsymptotic(n: number, alpha: number): number {
  checkS('tailMassAsymptotic', alpha);
  if (!(n > 0)) throw new RangeError(`tailMassAsymptotic: n must be > 0, got ${n}`);
  const a = alpha - 1;
  return libm.pow(n, -a) / (a * zeta(alpha));
}

/** Oracle learner that has learned the n most frequent of T parity tasks: L(n) = b Σ_{k>n} p_k, b = ln 2. */
export function oracleLoss(n: number, alpha: number, nTasks = Infinity, chanceLoss = Math.LN2): number {
  return chanceLoss * tailMass(n, alpha, nTasks);
}

/** d ln L/d ln n of the (smooth) finite-T oracle loss at real n > 0: −n·a·ζ(a+1, n+1)/tail(n). */
export function oracleLocalSlope(n: number, alpha: number, nTasks = Infinity): number {
  if (!(n > 0)) throw new RangeError(`oracleLocalSlope: n must be > 0, got ${n}`);
  const tail = unnormalizedTail(n, alpha, nTasks);
  if (!(tail > 0)) return -Infinity;
  return (-n * alpha * hurwitzZeta(alpha + 1, n + 1)) / tail;
}

/** OLS slope of ln L_oracle(n) on ln n over the given (real, > 0) learned counts. */
export function oracleWindowSlope(ns: readonly number[], alpha: number, nTasks = Infinity): number {
  if (ns.length < 2) return NaN;
  const xs = ns.map((n) => libm.log(n)), ys = ns.map((n) => libm.log(oracleLoss(n, alpha, nTasks)));
  const mx = xs.reduce((s, v) => s + v, 0) / xs.length, my = ys.reduce((s, v) => s + v, 0) / ys.length;
  let sxy = 0, sxx = 0;
  for (let i = 0; i < xs.length; i++) { sxy += (xs[i] - mx) * (ys[i] - my); sxx += (xs[i] - mx) ** 2; }
  return sxy / sxx;
}

export interface QuantaExponents {
  /** the paper's α = a − 1 */
  paperAlpha: number;
  /** d ln L/d ln N = −α (n ∝ N) */
  parameters: number;
  /** d ln L/d ln D = −α/(α+1) (learned after τ sightings) */
  data: number;
  /** d ln L/d ln S at fixed batch with fresh samples: = data */
  steps: number;
  /** d ln S_k/d ln p_k = −1 (learned after τ sightings) */
  learnStep: number;
  source: string;
}

/** Predicted scaling exponents from the Zipf exponent (the code's alpha = α + 1). */
export function quantaExponents(alpha: number): QuantaExponents {
  checkS('quantaExponents', alpha);
  const a = alpha - 1;
  return {
    paperAlpha: a,
    parameters: -a,
    data: -a / (a + 1),
    steps: -a / (a + 1),
    learnStep: -1,
    source: 'Michaud et al. 2023 (arXiv 2303.13506) §2: L − L∞ = bΣ_{k>n} p_k ≈ b n^{−α}/(αζ(α+1)); n ∝ N ⇒ α_N = α; D p_n = τ ⇒ α_D = α/(α+1)',
  };
}
