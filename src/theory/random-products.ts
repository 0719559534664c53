/**
 * Products of many random matrices: the log-norm of a deep random network's input–output Jacobian
 * at finite depth-to-width ratio (Hanin 2018, "Which neural net architectures give rise to exploding
 * and vanishing gradients?"; Hanin & Nica 2019, "Products of many large random matrices and
 * gradients in deep neural networks", Comm. Math. Phys. 2020). Exact finite-width constants derived
 * here; the wide-layer limits are Hanin–Nica's.
 *
 * Network: h_l = φ(W_l h_{l−1}), l = 1…L, widths n_l, W_l ∈ R^{n_l × n_{l−1}} with iid N(0, σ²/n_{l−1})
 * entries (ReLU, He init: σ² = 2; linear: σ² = 1); optionally a linear readout of n_out outputs with
 * N(0, 1/n_L) entries. For a direction u, v_l = D_l W_l v_{l−1} (D_l = diag 1[W_l h_{l−1} > 0] for ReLU,
 * I for linear) gives J u = v_L, and the per-layer factor is R_l = ‖v_l‖²/‖v_{l−1}‖².
 *
 * Exact law of one factor (derived). Given the past, write v = a ĥ + b e (e ⊥ ĥ). Row i of W gives
 * g_i = w_i·ĥ and w_i·v = a g_i + b η_i with η_i independent of g_i and symmetric, so
 * (a g + b η)² | g > 0 has the law of (a g − b η)² | g > 0 = (a(−g) + b η)² | (−g) < 0: the law given
 * g > 0 equals the law given g < 0, hence the unconditional law (σ²‖v‖²/n_{l−1}) χ²_1. Rows are
 * independent and the active set depends on the g's only, so
 *   R_l = (σ²/n_{l−1}) χ²_{K_l},   K_l ~ Bin(n_l, ½) (ReLU), K_l = n_l (linear),                (1)
 * independent of everything before — the same for any u, and for u = x (ReLU is 1-homogeneous:
 * J(x)x = f(x), so ‖f(x)‖²/‖x‖² has the same law). Hence log ‖Ju‖²/‖u‖² = Σ_l log R_l is a sum of
 * independent terms at any width and depth; its cumulants are the sums of the layers' cumulants.
 * A layer with K_l = 0 kills the network (probability 2^{−n_l}); we condition on survival, which
 * keeps the factors independent with K_l ~ Bin(n_l, ½) truncated to K_l ≥ 1.
 *
 * Cumulants of log χ²_k: E(χ²_k)^s = 2^s Γ(k/2 + s)/Γ(k/2), so
 *   κ₁ = ψ(k/2) + ln 2,   κ_j = ψ^{(j−1)}(k/2)  (j ≥ 2; ψ = digamma, ψ′ = trigamma).            (2)
 * We report each layer normalized by its mean scale E R_l = n_l/n_{l−1} (so the infinite-width value
 * of every factor is 1 and its log 0):
 *   ReLU (He):  X = ln(2/n) + ln χ²_K, conditional cumulants κ₁ = ln(4/n) + ψ(K/2),
 *               κ_j = ψ^{(j−1)}(K/2), mixed over K ~ Bin(n, ½) | K ≥ 1 (law of total cumulance);
 *               Var X = E ψ′(K/2) + Var ψ(K/2) = 5/n + 37/(2n²) + O(n⁻³),  E X ≈ −5/(2n).        (3)
 *               (derived: with K = (n/2)(1 + ε), E ε² = 1/n, E ε⁴ ≈ 3/n², ψ′(K/2) ≈ 2/K + 2/K² gives
 *               E ψ′ = 4/n + 12/n², and ψ(K/2) ≈ ln(n/4) + ε − ε²/2 + ε³/3 + 2ε/n gives
 *               Var ψ = 1/n + 13/(2n²); the "22/n²" sometimes quoted fits n ≈ 32, where n(nV − 5) ≈ 21.8)
 *   linear:     X = ln(χ²_n/n): κ₁ = ψ(n/2) + ln(2/n) ≈ −1/n − 1/(3n²),
 *               Var X = ψ′(n/2) = 2/n + 2/n² + 4/(3n³) + O(n^{−5})  (ψ′(x) ~ 1/x + 1/(2x²) + 1/(6x³)).  (4)
 *   readout (n_out linear outputs): as (4) with n = n_out, Var = ψ′(n_out/2) ≈ 2/n_out.
 * Hanin–Nica limit (L, n_l → ∞, β = Σ_l 1/n_l fixed): log ‖Ju‖²/‖u‖² → N(−(5/2)β, 5β) for ReLU/He,
 * N(−β, 2β) for linear nets: variance linear in β with constant 5 (ReLU) or 2 (linear). At finite n
 * the slope of Var against β is n·Var X(n) = 5 + 37/(2n) + … (ReLU), 2 + 2/n + … (linear).
 * The infinite-width kernel (NNGP/NTK, L/n → 0) has ‖Ju‖²/‖u‖² = 1 for every network; a typical
 * network deviates from it by e^{±√(5β)}, so the kernel describes a single network only when β → 0.
 *
 * Polygamma ψ^{(m)}, m = 0…3: recurrence ψ^{(m)}(x) = ψ^{(m)}(x + 1) − (−1)^m m!/x^{m+1} up to x ≥ 12,
 * then the asymptotic series (Abramowitz & Stegun 6.3.18, 6.4.11)
 *   ψ(x) ~ ln x − 1/(2x) − Σ_k B_{2k}/(2k x^{2k}),
 *   ψ^{(m)}(x) ~ (−1)^{m+1} [ (m−1)!/x^m + m!/(2x^{m+1}) + Σ_k B_{2k} (2k+m−1)!/((2k)! x^{2k+m}) ],
 * with B₂ … B₁₆ (truncation error below 1e−17 relative at x ≥ 12). Tested against the exact
 * finite sums at integers and half-integers and against quadrature of the χ² density.
 */
import * as libm from '../engine/libm.js';

/** Bernoulli numbers B_2, B_4, …, B_16. */
const BERNOULLI = [1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510];
const FACT = [1, 1, 2, 6, 24, 120, 720, 5040, 40320, 362880, 3628800, 39916800, 479001600, 6227020800, 87178291200, 1307674368000, 20922789888000, 355687428096000, 6402373705728000, 121645100408832000];

/** ψ^{(m)}(x) for m ∈ {0, 1, 2, 3} and x > 0 (digamma, trigamma, tetragamma, pentagamma). */
export function polygamma(m: number, x: number): number {
  if (!(m === 0 || m === 1 || m === 2 || m === 3)) throw new RangeError(`polygamma: order m must be 0, 1, 2 or 3 (got ${m})`);
  if (!(x > 0) || !Number.isFinite(x)) throw new RangeError(`polygamma: argument x must be a finite number > 0 (got ${x})`);
  let acc = 0;
  // (−1)^{m+1} m! / x^{m+1} summed while shifting x up: ψ^{(m)}(x) = ψ^{(m)}(x+1) + (−1)^{m+1} m!/x^{m+1}.
  const sign = m % 2 === 0 ? -1 : 1;
  while (x < 12) {
    acc += sign * FACT[m] / libm.pow(x, m + 1);
    x += 1;
  }
  const inv = 1 / x, inv2 = inv * inv;
  let series: number;
  if (m === 0) {
    series = libm.log(x) - 0.5 * inv;
    let p = inv2;
    for (let k = 1; k <= BERNOULLI.length; k++) { series -= BERNOULLI[k - 1] / (2 * k) * p; p *= inv2; }
  } else {
    // (m−1)!/x^m + m!/(2x^{m+1}) + Σ_k B_{2k} (2k+m−1)!/(2k)! / x^{2k+m}
    let p = libm.pow(inv, m);
    series = FACT[m - 1] * p + 0.5 * FACT[m] * p * inv;
    p *= inv2;
    for (let k = 1; k <= BERNOULLI.length; k++) { series += BERNOULLI[k - 1] * (FACT[2 * k + m - 1] / FACT[2 * k]) * p; p *= inv2; }
    series *= sign === 1 ? 1 : -1; // (−1)^{m+1}
  }
  return acc + series;
}

export const digamma = (x: number): number => polygamma(0, x);
export const trigamma = (x: number): number => polygamma(1, x);

/** First four cumulants [κ₁, κ₂, κ₃, κ₄] of a random variable. */
export type Cumulants = [number, number, number, number];

/** Cumulants (2) of ln χ²_k. */
export function logChiSquareCumulants(k: number): Cumulants {
  if (!(k > 0)) throw new RangeError(`logChiSquareCumulants: degrees of freedom k must be > 0 (got ${k})`);
  const h = k / 2;
  return [polygamma(0, h) + Math.LN2, polygamma(1, h), polygamma(2, h), polygamma(3, h)];
}

/** P(K = k), k = 0…n, for K ~ Bin(n, ½), in log space (exact to rounding for any n). */
export function binomialHalfPmf(n: number): Float64Array {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`binomialHalfPmf: n must be an integer ≥ 1 (got ${n})`);
  const p = new Float64Array(n + 1);
  let logC = 0;
  const base = -n * Math.LN2;
  for (let k = 0; k <= n; k++) {
    p[k] = libm.exp(logC + base);
    logC += libm.log((n - k) / (k + 1));
  }
  return p;
}

/**
 * Cumulants of a mixture: X | K has cumulants c(K) (κ₁…κ₄), K has weights w (summing to 1).
 * Central moments about the mixture mean, then cumulants (law of total cumulance).
 */
export function mixtureCumulants(weights: ArrayLike<number>, conditional: Cumulants[]): Cumulants {
  let W = 0, mean = 0;
  for (let i = 0; i < weights.length; i++) { W += weights[i]; mean += weights[i] * conditional[i][0]; }
  mean /= W;
  let M2 = 0, M3 = 0, M4 = 0;
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i] / W;
    if (w === 0) continue;
    const [c1, c2, c3, c4] = conditional[i];
    const d = c1 - mean;
    M2 += w * (c2 + d * d);
    M3 += w * (c3 + 3 * c2 * d + d * d * d);
    M4 += w * (c4 + 4 * c3 * d + 3 * c2 * c2 + 6 * c2 * d * d + d * d * d * d);
  }
  return [mean, M2, M3, M4 - 3 * M2 * M2];
}

export type ProductActivation = 'relu' | 'linear';

/**
 * Cumulants of one layer's normalized log factor X = ln(R_l / E R_l) (eqs. 3, 4) for fan-out n.
 * `exact: false` gives the wide-layer (Hanin–Nica) Gaussian: ReLU N(−5/(2n), 5/n), linear N(−1/n, 2/n).
 */
export function layerLogCumulants(activation: ProductActivation, n: number, exact = true): Cumulants {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`layer width n must be an integer ≥ 1 (got ${n})`);
  if (activation !== 'relu' && activation !== 'linear') throw new RangeError(`activation must be 'relu' or 'linear' (got ${activation})`);
  if (!exact) {
    const c = wideLimitConstant(activation);
    return [-c / (2 * n), c / n, 0, 0];
  }
  if (activation === 'linear') {
    const [k1, k2, k3, k4] = logChiSquareCumulants(n);
    return [k1 - libm.log(n), k2, k3, k4];
  }
  const pmf = binomialHalfPmf(n);
  const weights: number[] = [];
  const cond: Cumulants[] = [];
  // X = ln(2/n) + ln χ²_K (E R = (2/n)·E K = 1 up to the 2^{−n} truncation); κ₁(ln χ²_K) carries the + ln 2.
  const shift = libm.log(2 / n);
  // Skip K = 0 (dead network: conditioned away) and weights below 1e−300 (no contribution).
  for (let k = 1; k <= n; k++) {
    if (pmf[k] < 1e-300) continue;
    const [c1, c2, c3, c4] = logChiSquareCumulants(k);
    weights.push(pmf[k]);
    cond.push([c1 + shift, c2, c3, c4]);
  }
  return mixtureCumulants(weights, cond);
}

/** Wide-layer constant c: Var ln R_l ≈ c/n (ReLU with He init: 5; linear: 2). */
export function wideLimitConstant(activation: ProductActivation): number {
  return activation === 'relu' ? 5 : 2;
}

export interface ProductNetworkSpec {
  activation: ProductActivation;
  /** hidden width n (all hidden layers; the input has dimension n too) */
  width: number;
  /** number of hidden layers L */
  depth: number;
  /** linear readout outputs n_out (0: none) */
  readout?: number;
  /** exact finite-width cumulants (default) or the wide-layer Gaussian limit */
  exact?: boolean;
}

/** Cumulants of log(‖Ju‖²/‖u‖²) (normalized: the infinite-width value is 0) = sum over layers. */
export function logNormCumulants(spec: ProductNetworkSpec): Cumulants {
  const { activation, width, depth } = spec;
  if (!Number.isInteger(depth) || depth < 0) throw new RangeError(`depth: must be an integer ≥ 0 (got ${depth})`);
  const readout = spec.readout ?? 0;
  if (!Number.isInteger(readout) || readout < 0) throw new RangeError(`readout: must be an integer ≥ 0 (got ${readout})`);
  const layer = depth > 0 ? layerLogCumulants(activation, width, spec.exact ?? true) : [0, 0, 0, 0];
  const out: Cumulants = [depth * layer[0], depth * layer[1], depth * layer[2], depth * layer[3]];
  if (readout > 0) {
    const r = layerLogCumulants('linear', readout, spec.exact ?? true);
    for (let j = 0; j < 4; j++) out[j] += r[j];
  }
  return out;
}

/** β = Σ_l 1/n_l over the hidden layers (Hanin–Nica's effective depth-to-width ratio). */
export function depthToWidth(depth: number, width: number): number {
  return depth / width;
}

/** Skewness κ₃/κ₂^{3/2} and excess kurtosis κ₄/κ₂² from cumulants. */
export function shapeOf(c: Cumulants): { skewness: number; excessKurtosis: number } {
  return { skewness: c[2] / libm.pow(c[1], 1.5), excessKurtosis: c[3] / (c[1] * c[1]) };
}

/**
 * First two Edgeworth orders of sup_x |F(x) − Φ(x)| for a standardized variable with skewness γ and
 * excess kurtosis κ: F − Φ ≈ −φ(x)[γ/6 He₂(x) + κ/24 He₃(x) + γ²/72 He₅(x)] (Hall 1992, §2.2), with
 * sup|φHe₂| = φ(0) = 0.3989, sup|φHe₃| = 0.5504, sup|φHe₅| = 2.309 (maxima computed numerically).
 */
export function edgeworthKsBound(skewness: number, excessKurtosis: number): number {
  return (0.3989 / 6) * Math.abs(skewness) + (0.5504 / 24) * Math.abs(excessKurtosis) + (2.309 / 72) * skewness * skewness;
}
