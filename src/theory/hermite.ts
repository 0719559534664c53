/**
 * Hermite analysis of single-index targets and the leap complexity of sparse Boolean targets.
 *
 * Probabilists' Hermite polynomials (orthogonal under the standard Gaussian φ(z) = e^{−z²/2}/√(2π)):
 *   He₀ = 1, He₁ = z, He_{n+1}(z) = z He_n(z) − n He_{n−1}(z),   He_n′ = n He_{n−1},
 *   E_{z~N(0,1)}[He_m(z) He_n(z)] = n! δ_mn.
 * Normalized h_n = He_n/√(n!) are orthonormal, with the overflow-free recurrence
 *   h_{n+1} = (z h_n − √n h_{n−1}) / √(n+1),   h_n′ = √n h_{n−1}.
 *
 * Gauss–Hermite quadrature for the *probability* weight φ (weights sum to 1): the n nodes are the
 * zeros of He_n, the eigenvalues of the Jacobi matrix J (zero diagonal, off-diagonal J_{k,k+1} = √k,
 * k = 1…n−1; Golub & Welsch 1969), polished by Newton on h_n; the weights are
 *   w_i = n! / (n² He_{n−1}(x_i)²) = 1 / (n h_{n−1}(x_i)²)
 * (from the Christoffel–Darboux identity). The rule is exact for polynomials of degree ≤ 2n − 1.
 *
 * Projections: for f ∈ L²(φ), c_k = E[f(z) h_k(z)] (Hermite coefficients), f = Σ_k c_k h_k.
 * Mehler: for (z, z′) standard Gaussians with correlation m,
 *   E[f(z) g(z′)] = Σ_k c_k(f) c_k(g) m^k,
 * so a single-index target y = f(w*·x) seen by a unit-norm student direction w with overlap
 * m = w·w* has population correlation Φ(m) = Σ_k c_k(f) c_k(g) m^k.
 *
 * Information exponent (Ben Arous, Gheissari & Jagannath 2021, JMLR 22(106)):
 *   k*(f) = min{k ≥ 1 : c_k(f) ≠ 0}
 * (for He_k it is k; ReLU: c₁ = ½ so k* = 1; |z| − E|z|: even, c₂ = 1/√π, so k* = 2). Online SGD
 * from a random start needs n ≍ d (k* = 1), d log d (k* = 2), d^{k*−1} (k* ≥ 3) samples to reach
 * non-trivial overlap. Numerically "≠ 0" means |c_k| > tol·‖f‖₂ (default tol 1e-8). Gauss–Hermite is
 * exact for polynomials and spectrally accurate for smooth f, but converges only as O(1/n) for a
 * kink (ReLU, |z|: error ≈ 0.16/n in c₀, c₂; 1e-3 at the default n = 160). A kink at 0 still gives
 * the parity zeros to rounding on the symmetric node set, so k* of ReLU and |z| is exact; for a kink
 * elsewhere every coefficient is generically non-zero anyway. For a target whose first coefficients
 * are truly zero *and* which has an off-centre kink, raise `tol` above the O(1/n) error.
 *
 * Leap complexity (Abbe, Boix-Adserà & Misiakiewicz 2022 COLT "merged-staircase property";
 * 2023 COLT "SGD learning on neural networks: leap complexity and saddle-to-saddle dynamics"):
 * for a Boolean target f(x) = Σ_S f̂(S) χ_S(x), χ_S = Π_{i∈S} x_i on x ∈ {±1}^d, with support
 * 𝒮 = {S : f̂(S) ≠ 0},
 *   Leap(f) = min over orderings (S₁, …, S_m) of 𝒮 of max_i |S_i \ (S₁ ∪ … ∪ S_{i−1})|.
 * Leap(f) ≤ 1 ⇔ the merged-staircase property (MSP). Online SGD on two-layer nets learns f in
 * Θ̃(d^{max(Leap−1, 1)}) steps. Exact computation: adding a set only enlarges the covered union,
 * which can only lower the cost of every later set, so a leap bound L is feasible iff the greedy
 * closure "add any set with at most L new coordinates until none is left" covers 𝒮; Leap(f) is the
 * smallest feasible L (polynomial time; checked against brute force over all orderings in the tests).
 * Examples: x₁ + x₁x₂ + x₁x₂x₃ → 1; x₁x₂x₃ → 3; x₁ + x₂x₃ → 2.
 */
import { tridiagonalEigen } from '../engine/linalg/eigh.js';

/** He_n(z), probabilists' Hermite polynomial, by the three-term recurrence. */
export function hermite(n: number, z: number): number {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`hermite: degree n must be an integer ≥ 0, got ${n}`);
  if (n === 0) return 1;
  let p0 = 1, p1 = z;
  for (let k = 1; k < n; k++) { const p2 = z * p1 - k * p0; p0 = p1; p1 = p2; }
  return p1;
}

/** h_n(z) = He_n(z)/√(n!), orthonormal under N(0, 1). */
export function hermiteNormalized(n: number, z: number): number {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`hermiteNormalized: degree n must be an integer ≥ 0, got ${n}`);
  if (n === 0) return 1;
  let p0 = 1, p1 = z;
  for (let k = 1; k < n; k++) { const p2 = (z * p1 - Math.sqrt(k) * p0) / Math.sqrt(k + 1); p0 = p1; p1 = p2; }
  return p1;
}

/** h₀(z) … h_nMax(z) in one pass. */
export function hermiteNormalizedAll(nMax: number, z: number, out = new Float64Array(nMax + 1)): Float64Array {
  if (!Number.isInteger(nMax) || nMax < 0) throw new RangeError(`hermiteNormalizedAll: nMax must be an integer ≥ 0, got ${nMax}`);
  out[0] = 1;
  if (nMax >= 1) out[1] = z;
  for (let k = 1; k < nMax; k++) out[k + 1] = (z * out[k] - Math.sqrt(k) * out[k - 1]) / Math.sqrt(k + 1);
  return out;
}

/** h_n′(z) = √n h_{n−1}(z). */
export function hermiteNormalizedDerivative(n: number, z: number): number {
  return n === 0 ? 0 : Math.sqrt(n) * hermiteNormalized(n - 1, z);
}

export interface QuadratureRule { nodes: Float64Array; weights: Float64Array }

const ruleCache = new Map<number, QuadratureRule>();

/**
 * n-point Gauss–Hermite rule for E_{z~N(0,1)}[g(z)] ≈ Σ_i w_i g(x_i) (Σ w_i = 1), nodes ascending.
 * Exact for polynomials of degree ≤ 2n − 1.
 */
export function gaussHermite(n: number): QuadratureRule {
  if (!Number.isInteger(n) || n < 1 || n > 400) throw new RangeError(`gaussHermite: n must be an integer in [1, 400], got ${n}`);
  const cached = ruleCache.get(n);
  if (cached) return cached;
  const beta = Array.from({ length: n - 1 }, (_, k) => Math.sqrt(k + 1));
  const { values } = tridiagonalEigen(new Float64Array(n), beta, false);
  const nodes = Float64Array.from(values).sort();
  const weights = new Float64Array(n);
  const h = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) {
    let x = nodes[i];
    // Newton polish on h_n (h_n′ = √n h_{n−1}); two or three steps from the eigenvalue suffice.
    for (let it = 0; it < 4; it++) {
      hermiteNormalizedAll(n, x, h);
      const dx = h[n] / (Math.sqrt(n) * h[n - 1]);
      x -= dx;
      if (Math.abs(dx) <= 1e-16 * Math.max(1, Math.abs(x))) break;
    }
    hermiteNormalizedAll(n, x, h);
    nodes[i] = x;
    weights[i] = 1 / (n * h[n - 1] * h[n - 1]);
  }
  // Symmetrize: the exact rule is symmetric about 0 (this makes parity zeros exact).
  for (let i = 0; i < n >> 1; i++) {
    const j = n - 1 - i;
    const x = 0.5 * (nodes[j] - nodes[i]), w = 0.5 * (weights[i] + weights[j]);
    nodes[i] = -x; nodes[j] = x; weights[i] = w; weights[j] = w;
  }
  if (n % 2 === 1) nodes[n >> 1] = 0;
  const rule = { nodes, weights };
  ruleCache.set(n, rule);
  return rule;
}

/** E_{z~N(0,1)}[g(z)] by the n-point Gauss–Hermite rule. */
export function gaussianExpectation(g: (z: number) => number, n = 160): number {
  const { nodes, weights } = gaussHermite(n);
  let s = 0;
  for (let i = 0; i < nodes.length; i++) s += weights[i] * g(nodes[i]);
  return s;
}

/** Hermite coefficients c_k = E[f(z) h_k(z)], k = 0 … kMax, by n-point Gauss–Hermite quadrature. */
export function hermiteCoefficients(f: (z: number) => number, kMax: number, n = 160): Float64Array {
  if (!Number.isInteger(kMax) || kMax < 0 || kMax > 100) throw new RangeError(`hermiteCoefficients: kMax must be an integer in [0, 100], got ${kMax}`);
  const { nodes, weights } = gaussHermite(n);
  const c = new Float64Array(kMax + 1), h = new Float64Array(kMax + 1);
  for (let i = 0; i < nodes.length; i++) {
    const fw = weights[i] * f(nodes[i]);
    hermiteNormalizedAll(kMax, nodes[i], h);
    for (let k = 0; k <= kMax; k++) c[k] += fw * h[k];
  }
  return c;
}

/**
 * Information exponent k* = min{k ≥ 1 : |c_k| > tol·‖f‖₂} over k ≤ kMax (Infinity when none).
 * ‖f‖₂ = √E f² by the same rule (for f ≡ const the answer is Infinity).
 */
export function informationExponent(f: (z: number) => number, opts: { kMax?: number; nodes?: number; tol?: number } = {}): number {
  const kMax = opts.kMax ?? 12, n = opts.nodes ?? 160, tol = opts.tol ?? 1e-8;
  if (!(tol > 0 && tol < 1)) throw new RangeError(`informationExponent: tol must be in (0, 1), got ${tol}`);
  const c = hermiteCoefficients(f, kMax, n);
  const norm = Math.sqrt(gaussianExpectation((z) => f(z) * f(z), n));
  for (let k = 1; k <= kMax; k++) if (Math.abs(c[k]) > tol * norm) return k;
  return Infinity;
}

/** Population correlation Φ(m) = E[f(z*) g(z)] = Σ_k a_k b_k m^k (Mehler) from two coefficient lists. */
export function mehlerCorrelation(a: ArrayLike<number>, b: ArrayLike<number>, m: number): number {
  let s = 0, p = 1;
  const K = Math.min(a.length, b.length);
  for (let k = 0; k < K; k++) { s += a[k] * b[k] * p; p *= m; }
  return s;
}

/** dΦ/dm = Σ_k k a_k b_k m^{k−1}. */
export function mehlerCorrelationDerivative(a: ArrayLike<number>, b: ArrayLike<number>, m: number): number {
  let s = 0, p = 1;
  const K = Math.min(a.length, b.length);
  for (let k = 1; k < K; k++) { s += k * a[k] * b[k] * p; p *= m; }
  return s;
}

// ---------- Boolean targets: monomials and leap complexity ----------

/** A monomial χ_S as the sorted list of its coordinates S ⊂ {0, …, d−1}. */
export type Monomial = readonly number[];

function checkSets(sets: readonly Monomial[], where: string): number[][] {
  return sets.map((s, i) => {
    if (!Array.isArray(s) || s.some((j) => !Number.isInteger(j) || j < 0)) throw new RangeError(`${where}: sets[${i}] must be a list of coordinate indices ≥ 0`);
    return [...new Set(s)].sort((a, b) => a - b);
  });
}

/** Greedy closure under leap bound L: can all sets be added with at most L new coordinates each? */
function coverableWithLeap(sets: number[][], L: number): boolean {
  const covered = new Set<number>();
  const left = new Set(sets.map((_, i) => i));
  let progress = true;
  while (left.size && progress) {
    progress = false;
    for (const i of [...left]) {
      const fresh = sets[i].filter((j) => !covered.has(j)).length;
      if (fresh <= L) { for (const j of sets[i]) covered.add(j); left.delete(i); progress = true; }
    }
  }
  return left.size === 0;
}

/** Leap complexity of a family of monomials (the support of f̂); 0 for the empty family or constants. */
export function leapComplexity(sets: readonly Monomial[]): number {
  const s = checkSets(sets, 'leapComplexity');
  const maxSize = s.reduce((a, t) => Math.max(a, t.length), 0);
  for (let L = 0; L <= maxSize; L++) if (coverableWithLeap(s, L)) return L;
  return maxSize; // unreachable: L = maxSize always covers
}

/** An ordering of the sets achieving the leap complexity (greedy, smallest new-coordinate count first). */
export function leapOrder(sets: readonly Monomial[]): { order: number[]; leaps: number[] } {
  const s = checkSets(sets, 'leapOrder');
  const L = leapComplexity(s);
  const covered = new Set<number>(), order: number[] = [], leaps: number[] = [];
  const left = new Set(s.map((_, i) => i));
  while (left.size) {
    let best = -1, bestFresh = Infinity;
    for (const i of left) {
      const fresh = s[i].filter((j) => !covered.has(j)).length;
      if (fresh < bestFresh || (fresh === bestFresh && s[i].length < s[best].length)) { best = i; bestFresh = fresh; }
    }
    if (bestFresh > L) throw new Error('leapOrder: internal error (greedy order exceeded the leap)');
    order.push(best); leaps.push(bestFresh);
    for (const j of s[best]) covered.add(j);
    left.delete(best);
  }
  return { order, leaps };
}

/** Merged-staircase property: Leap ≤ 1. */
export function isMergedStaircase(sets: readonly Monomial[]): boolean {
  return leapComplexity(sets) <= 1;
}

/** χ_S(x) = Π_{i∈S} x_i for x a row of ±1 entries. */
export function monomialValue(x: ArrayLike<number>, S: Monomial, offset = 0): number {
  let p = 1;
  for (const i of S) p *= x[offset + i];
  return p;
}

/** The SGD-time exponent on two-layer nets, T ∝ d^{max(Leap−1, 1)} (Abbe et al. 2023), for Leap ≥ 1. */
export function leapTimeExponent(leap: number): number {
  if (!Number.isInteger(leap) || leap < 1) throw new RangeError(`leapTimeExponent: leap must be an integer ≥ 1, got ${leap}`);
  return Math.max(leap - 1, 1);
}

/**
 * Samples online SGD needs to reach weak recovery for information exponent k (Ben Arous et al. 2021):
 * d^{exponent}·log(d)^{logPower}: (1, 0) for k = 1, (1, 1) for k = 2, (k − 1, 0) for k ≥ 3.
 */
export function informationExponentScaling(k: number): { exponent: number; logPower: number } {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`informationExponentScaling: k must be an integer ≥ 1, got ${k}`);
  return k === 1 ? { exponent: 1, logPower: 0 } : k === 2 ? { exponent: 1, logPower: 1 } : { exponent: k - 1, logPower: 0 };
}
