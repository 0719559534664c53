/**
 * Representation similarity between two sets of features of the same n inputs, X (n×p₁) and
 * Y (n×p₂), rows = inputs. Pure functions over Mats; nothing is modified in place.
 *
 * CKA (Kornblith et al. 2019, arXiv 1905.00414). With H = I − 11ᵀ/n, Grams K = XXᵀ, L = YYᵀ (or
 * any kernel), HSIC_b(K, L) = tr(KHLH)/(n−1)² and
 *     CKA(K, L) = HSIC(K, L) / √(HSIC(K, K)·HSIC(L, L)).
 *   Linear kernel, feature form (columns centred): CKA = ‖YᵀX‖²_F / (‖XᵀX‖_F ‖YᵀY‖_F).
 *   RBF kernel: K_ij = exp(−‖x_i − x_j‖²/(2σ²)), σ = factor × median_{i<j} ‖x_i − x_j‖
 *   (Kornblith's `gram_rbf` with threshold = factor; his median also counts the zero diagonal).
 * Unbiased HSIC (Song, Smola, Gretton et al. 2012, JMLR 13, eq. 5), K̃, L̃ = K, L with zeroed diagonals:
 *     HSIC_u = [tr(K̃L̃) + (1ᵀK̃1)(1ᵀL̃1)/((n−1)(n−2)) − (2/(n−2))·1ᵀK̃L̃1] / (n(n−3)),
 *   an unbiased estimator of the population HSIC (n ≥ 4). The same number is the U-centred inner
 *   product ⟨K_u, L_u⟩/(n(n−3)) (Székely & Rizzo 2014: K_u zero diagonal, off-diagonal
 *   K_ij − r_i/(n−2) − r_j/(n−2) + S/((n−1)(n−2)), r = row sums, S = total sum of the zero-diagonal
 *   K̃), the route used for many pairs; and, for the linear kernel, Kornblith's feature form
 *     ⟨K_u, L_u⟩ = ‖XᵀY‖²_F − (n/(n−2))·r_X·r_Y + ‖X‖²_F‖Y‖²_F/((n−1)(n−2)),  r_X,i = ‖x_i‖²
 *   (X, Y column-centred). Debiased CKA = HSIC_u(K, L)/√(HSIC_u(K, K) HSIC_u(L, L)): a ratio of
 *   unbiased estimates (≈ 0, not exactly 0 in mean, for independent features; can be negative).
 *   All three routes are tested equal to 1e-12.
 * Null of the biased linear CKA for independent isotropic Gaussian features (derived; science
 * notes, Corrections): the centred Gram is a Wishart matrix W (dimension m = n − 1, p degrees of
 * freedom) in the centred subspace, orthogonally invariant, so
 *     E[CKA_b] = E[tr W₁/‖W₁‖_F] · E[tr W₂/‖W₂‖_F] / (n − 1)                  (exact)
 *             ≈ √(p₁p₂ / ((n + p₁)(n + p₂)))       (ratio of expectations: E tr W = mp,
 *                                                    E‖W‖²_F = mp(m + p + 1));
 *   p = 1 gives 1/(n − 1) exactly. E[tr W/‖W‖_F] has no closed form: `wishartTraceRatio` draws it.
 * Mutual k-nearest-neighbour alignment (Huh, Cheung, Wang & Isola 2024, "The Platonic
 * Representation Hypothesis", arXiv 2405.07987; minyoungg/platonic-rep metrics.py mutual_knn):
 * rows L2-normalised, neighbours by inner product with the point itself excluded, ties broken
 * by the lower index; score = mean_i |N_X(i) ∩ N_Y(i)|/k. Null for independent features:
 * each neighbour set is a uniform k-subset of the n − 1 others, so E = k/(n − 1) exactly.
 * (platonic-rep also clips features at the 95th percentile of |x| first: `clipQuantile`.)
 * SVCCA (Raghu, Gilmer, Yosinski & Sohl-Dickstein 2017, arXiv 1706.05806): centre, keep the top
 * singular directions holding a fraction `variance` (default 0.99) of Σs², then CCA between the
 * two reduced spaces: the canonical correlations are the singular values of U_XᵀU_Y (orthonormal
 * bases of the kept spans); SVCCA = their mean over min(k_X, k_Y).
 * Orthogonal Procrustes (Ding, Denain & Steinhardt 2021, arXiv 2108.01661; Williams et al. 2021):
 * centre, scale to ‖X‖_F = ‖Y‖_F = 1; min_Q ‖X − YQ‖²_F over orthogonal Q equals
 *     d² = 2 − 2‖XᵀY‖_*  (nuclear norm),  and the angular metric θ = arccos ‖XᵀY‖_*.
 * Invariances: every metric here is invariant to orthogonal maps of either feature space and to
 * isotropic scaling; CKA, SVCCA and Procrustes also to translation (they centre); mutual kNN is
 * not (it normalises rows, as platonic-rep does). Linear CKA is not invariant to general
 * invertible maps; SVCCA is (when no direction is cut).
 *
 * Degenerate input — constant features (zero variance after centring), a zero row for mutual
 * kNN, n < 4 for the unbiased HSIC, a non-positive unbiased self-HSIC — throws SimilarityError
 * naming the argument: the metric is undefined there (0/0), and a NaN would hide why.
 */
import { backend } from '../engine/backend/index.js';
import { eigh, singularValues, svd, type Mat } from '../engine/linalg/index.js';
import { Rng } from '../engine/rng.js';
import * as libm from '../engine/libm.js';

export class SimilarityError extends Error {}

function checkMat(X: Mat, what: string): void {
  if (!X || !(X.data instanceof Float64Array) || X.data.length !== X.rows * X.cols) throw new SimilarityError(`${what}: not a float64 matrix`);
  if (X.rows < 2 || X.cols < 1) throw new SimilarityError(`${what}: need at least 2 rows (inputs) and 1 column (feature), got ${X.rows}×${X.cols}`);
  for (let i = 0; i < X.data.length; i++) {
    if (!Number.isFinite(X.data[i])) throw new SimilarityError(`${what}: entry [${Math.floor(i / X.cols)}][${i % X.cols}] is not finite (${X.data[i]})`);
  }
}

function checkPair(X: Mat, Y: Mat, names: [string, string] = ['X', 'Y']): void {
  checkMat(X, names[0]);
  checkMat(Y, names[1]);
  if (X.rows !== Y.rows) throw new SimilarityError(`${names[0]} has ${X.rows} rows but ${names[1]} has ${Y.rows}: both must hold features of the same inputs (rows)`);
}

function checkGram(K: Mat, what: string): void {
  if (K.rows !== K.cols) throw new SimilarityError(`${what}: a Gram matrix must be square, got ${K.rows}×${K.cols}`);
  if (K.rows < 2) throw new SimilarityError(`${what}: need n ≥ 2 inputs, got ${K.rows}`);
}

/** Column-centred copy of X (a constant column becomes exactly 0, not rounding noise). */
export function centerColumns(X: Mat): Mat {
  const { rows: n, cols: p } = X;
  const mu = new Float64Array(p), constant = new Uint8Array(p).fill(1);
  for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) {
    const v = X.data[i * p + j];
    mu[j] += v;
    if (v !== X.data[j]) constant[j] = 0;
  }
  for (let j = 0; j < p; j++) mu[j] = constant[j] ? X.data[j] : mu[j] / n;
  const out = new Float64Array(n * p);
  for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) out[i * p + j] = X.data[i * p + j] - mu[j];
  return { rows: n, cols: p, data: out };
}

/** AᵀB (A n×a, B n×b). */
function crossProduct(A: Mat, B: Mat): Mat {
  const out = new Float64Array(A.cols * B.cols);
  backend().matmul(A.data, B.data, out, A.cols, A.rows, B.cols, true, false);
  return { rows: A.cols, cols: B.cols, data: out };
}

/** Linear Gram XXᵀ (n×n) of X as given (centre first for the centred Gram). */
export function linearGram(X: Mat): Mat {
  const n = X.rows;
  const out = new Float64Array(n * n);
  backend().matmul(X.data, X.data, out, n, X.cols, n, false, true);
  // Exact symmetry (a blocked matmul may round the two triangles differently).
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) { const v = 0.5 * (out[i * n + j] + out[j * n + i]); out[i * n + j] = v; out[j * n + i] = v; }
  return { rows: n, cols: n, data: out };
}

function sumSq(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return s;
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function median(values: Float64Array): number {
  const v = Float64Array.from(values).sort();
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

/** Squared distances ‖x_i − x_j‖² from a Gram (clamped at 0). */
function squaredDistances(G: Mat): Float64Array {
  const n = G.rows, d = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) d[i * n + j] = i === j ? 0 : Math.max(0, G.data[i * n + i] + G.data[j * n + j] - 2 * G.data[i * n + j]);
  return d;
}

export interface RbfOptions {
  /** σ = factor × median pairwise distance (default 1). */
  factor?: number;
  /** A fixed σ instead (overrides factor). */
  bandwidth?: number;
}

/** RBF Gram exp(−‖x_i − x_j‖²/(2σ²)) and the σ used (σ = factor × median_{i<j} distance). */
export function rbfGram(X: Mat, opts: RbfOptions = {}, what = 'X'): { gram: Mat; bandwidth: number } {
  checkMat(X, what);
  const n = X.rows;
  const d2 = squaredDistances(linearGram(centerColumns(X)));
  let sigma = opts.bandwidth;
  if (sigma === undefined) {
    const factor = opts.factor ?? 1;
    if (!(factor > 0 && Number.isFinite(factor))) throw new SimilarityError(`rbf factor: must be a finite number > 0 (got ${factor})`);
    const off = new Float64Array((n * (n - 1)) / 2);
    let o = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) off[o++] = Math.sqrt(d2[i * n + j]);
    const med = median(off);
    if (!(med > 0)) throw new SimilarityError(`${what}: the median distance between rows is 0 (at least half the rows coincide), so the RBF bandwidth σ = factor × median distance is 0; give a bandwidth`);
    sigma = factor * med;
  }
  if (!(sigma > 0 && Number.isFinite(sigma))) throw new SimilarityError(`rbf bandwidth: must be a finite number > 0 (got ${sigma})`);
  const K = new Float64Array(n * n), s = 1 / (2 * sigma * sigma);
  for (let i = 0; i < n * n; i++) K[i] = libm.exp(-d2[i] * s);
  return { gram: { rows: n, cols: n, data: K }, bandwidth: sigma };
}

/** HKH (double centring), a copy. */
export function centerGram(K: Mat): Mat {
  checkGram(K, 'K');
  const n = K.rows, r = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) { let s = 0; for (let j = 0; j < n; j++) s += K.data[i * n + j]; r[i] = s / n; total += s; }
  total /= n * n;
  const out = new Float64Array(n * n);
  // Row means and column means of a symmetric K coincide; use both for a non-symmetric one.
  const c = new Float64Array(n);
  for (let j = 0; j < n; j++) { let s = 0; for (let i = 0; i < n; i++) s += K.data[i * n + j]; c[j] = s / n; }
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i * n + j] = K.data[i * n + j] - r[i] - c[j] + total;
  return { rows: n, cols: n, data: out };
}

/**
 * U-centring (Székely & Rizzo 2014; Kornblith's `center_gram(unbiased=True)`): zero diagonal,
 * K_ij − r_i/(n−2) − r_j/(n−2) + S/((n−1)(n−2)) off the diagonal (r, S of the zero-diagonal K). A copy.
 */
export function uCenterGram(K: Mat): Mat {
  checkGram(K, 'K');
  const n = K.rows;
  if (n < 4) throw new SimilarityError(`unbiased HSIC needs n ≥ 4 inputs (got ${n})`);
  const r = new Float64Array(n);
  let S = 0;
  for (let i = 0; i < n; i++) { let s = 0; for (let j = 0; j < n; j++) if (j !== i) s += K.data[i * n + j]; r[i] = s; S += s; }
  const out = new Float64Array(n * n), a = 1 / (n - 2), b = S / ((n - 1) * (n - 2));
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i * n + j] = i === j ? 0 : K.data[i * n + j] - (r[i] + r[j]) * a + b;
  return { rows: n, cols: n, data: out };
}

/** Biased HSIC tr(KHLH)/(n−1)². */
export function hsicBiased(K: Mat, L: Mat): number {
  checkGram(K, 'K'); checkGram(L, 'L');
  if (K.rows !== L.rows) throw new SimilarityError(`K is ${K.rows}×${K.rows} but L is ${L.rows}×${L.rows}`);
  const n = K.rows;
  return dot(centerGram(K).data, centerGram(L).data) / ((n - 1) * (n - 1));
}

/** Unbiased HSIC, Song et al. 2012 eq. (5), computed term by term (the reference route). */
export function hsicUnbiased(K: Mat, L: Mat): number {
  checkGram(K, 'K'); checkGram(L, 'L');
  if (K.rows !== L.rows) throw new SimilarityError(`K is ${K.rows}×${K.rows} but L is ${L.rows}×${L.rows}`);
  const n = K.rows;
  if (n < 4) throw new SimilarityError(`unbiased HSIC needs n ≥ 4 inputs (got ${n})`);
  const Kt = Float64Array.from(K.data), Lt = Float64Array.from(L.data);
  for (let i = 0; i < n; i++) { Kt[i * n + i] = 0; Lt[i * n + i] = 0; }
  let trKL = 0, sK = 0, sL = 0;
  const rK = new Float64Array(n), rL = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    const k = Kt[i * n + j], l = Lt[i * n + j];
    trKL += k * Lt[j * n + i];
    sK += k; sL += l;
    rK[j] += k; // 1ᵀK̃ (column sums)
    rL[i] += l; // L̃1 (row sums)
  }
  const oneKL1 = dot(rK, rL);
  return (trKL + (sK * sL) / ((n - 1) * (n - 2)) - (2 / (n - 2)) * oneKL1) / (n * (n - 3));
}

/** Unbiased HSIC of linear kernels from features (Kornblith's debiased dot product / (n(n−3))). */
export function hsicUnbiasedLinear(X: Mat, Y: Mat): number {
  checkPair(X, Y);
  const n = X.rows;
  if (n < 4) throw new SimilarityError(`unbiased HSIC needs n ≥ 4 inputs (got ${n})`);
  return debiasedDot(centerColumns(X), centerColumns(Y)) / (n * (n - 3));
}

function rowSumSq(X: Mat): Float64Array {
  const r = new Float64Array(X.rows);
  for (let i = 0; i < X.rows; i++) { let s = 0; for (let j = 0; j < X.cols; j++) s += X.data[i * X.cols + j] ** 2; r[i] = s; }
  return r;
}

/** ⟨K_u, L_u⟩ for K = XXᵀ, L = YYᵀ of centred X, Y, in feature space. */
function debiasedDot(Xc: Mat, Yc: Mat): number {
  const n = Xc.rows;
  const xty = sumSq(crossProduct(Xc, Yc).data);
  return xty - (n / (n - 2)) * dot(rowSumSq(Xc), rowSumSq(Yc)) + (sumSq(Xc.data) * sumSq(Yc.data)) / ((n - 1) * (n - 2));
}

/**
 * num/√(ab), refusing a self-term a, b that is 0 or negative, or whose argument is flagged
 * `flat` (zero variance up to rounding: see `isFlat`).
 */
function ratio(num: number, a: number, b: number, names: [string, string], what: string, flat: [boolean, boolean] = [false, false]): number {
  for (const [v, nm, f] of [[a, names[0], flat[0]], [b, names[1], flat[1]]] as const) {
    if (f || !(v > 0)) throw new SimilarityError(`${nm}: ${what} is ${f || v === 0 ? '0 (constant features: zero variance after centring)' : `${v.toExponential(3)} ≤ 0 (too few inputs or nearly constant features)`}, so CKA is undefined (0/0)`);
  }
  return num / Math.sqrt(a * b);
}

/**
 * Zero variance up to rounding: the centred matrix's norm is under 1e-12 of the raw one's
 * (rounding leaves ~1e-16; a constant column is already exactly 0 after centerColumns).
 */
function isFlat(centred: ArrayLike<number>, raw: ArrayLike<number>): boolean {
  return !(sumSq(centred) > 1e-24 * sumSq(raw));
}

/** Biased CKA from two Grams. */
export function ckaGram(K: Mat, L: Mat, names: [string, string] = ['K', 'L']): number {
  checkGram(K, names[0]); checkGram(L, names[1]);
  if (K.rows !== L.rows) throw new SimilarityError(`${names[0]} is ${K.rows}×${K.rows} but ${names[1]} is ${L.rows}×${L.rows}`);
  const Kc = centerGram(K).data, Lc = centerGram(L).data;
  return ratio(dot(Kc, Lc), sumSq(Kc), sumSq(Lc), names, 'the centred Gram has ‖HKH‖²', [isFlat(Kc, K.data), isFlat(Lc, L.data)]);
}

/** Debiased CKA from two Grams (U-centred inner products). */
export function ckaDebiasedGram(K: Mat, L: Mat, names: [string, string] = ['K', 'L']): number {
  checkGram(K, names[0]); checkGram(L, names[1]);
  if (K.rows !== L.rows) throw new SimilarityError(`${names[0]} is ${K.rows}×${K.rows} but ${names[1]} is ${L.rows}×${L.rows}`);
  const Ku = uCenterGram(K).data, Lu = uCenterGram(L).data;
  return ratio(dot(Ku, Lu), sumSq(Ku), sumSq(Lu), names, 'the unbiased self-HSIC', [isFlat(Ku, K.data), isFlat(Lu, L.data)]);
}

/** Linear CKA in feature space: ‖YᵀX‖²/(‖XᵀX‖‖YᵀY‖) with centred columns. */
export function ckaLinearFeatures(X: Mat, Y: Mat, names: [string, string] = ['X', 'Y']): number {
  checkPair(X, Y, names);
  const Xc = centerColumns(X), Yc = centerColumns(Y);
  return ratio(sumSq(crossProduct(Xc, Yc).data), sumSq(crossProduct(Xc, Xc).data), sumSq(crossProduct(Yc, Yc).data), names, '‖XᵀX‖²_F', [isFlat(Xc.data, X.data), isFlat(Yc.data, Y.data)]);
}

/** Debiased linear CKA in feature space (Kornblith's debiased dot products). */
export function ckaDebiasedLinearFeatures(X: Mat, Y: Mat, names: [string, string] = ['X', 'Y']): number {
  checkPair(X, Y, names);
  if (X.rows < 4) throw new SimilarityError(`unbiased HSIC needs n ≥ 4 inputs (got ${X.rows})`);
  const Xc = centerColumns(X), Yc = centerColumns(Y);
  return ratio(debiasedDot(Xc, Yc), debiasedDot(Xc, Xc), debiasedDot(Yc, Yc), names, 'the unbiased self-HSIC', [isFlat(Xc.data, X.data), isFlat(Yc.data, Y.data)]);
}

export interface CkaOptions {
  kernel?: 'linear' | 'rbf';
  /** RBF: σ = factor × median distance (default 1). */
  factor?: number;
  names?: [string, string];
}

function grams(X: Mat, Y: Mat, o: CkaOptions): [Mat, Mat] {
  const names = o.names ?? ['X', 'Y'];
  if ((o.kernel ?? 'linear') === 'linear') return [linearGram(centerColumns(X)), linearGram(centerColumns(Y))];
  return [rbfGram(X, { factor: o.factor ?? 1 }, names[0]).gram, rbfGram(Y, { factor: o.factor ?? 1 }, names[1]).gram];
}

/** Feature form is cheaper when p₁p₂ + p₁² + p₂² < 3n²/… — pick by the flop count of the products. */
function featureFormCheaper(X: Mat, Y: Mat): boolean {
  const n = X.rows, p1 = X.cols, p2 = Y.cols;
  return n * (p1 * p2 + p1 * p1 + p2 * p2) <= n * n * (p1 + p2);
}

/** Biased CKA (linear by default, or RBF with σ = factor × median distance). */
export function cka(X: Mat, Y: Mat, o: CkaOptions = {}): number {
  const names = o.names ?? ['X', 'Y'];
  checkPair(X, Y, names);
  if ((o.kernel ?? 'linear') === 'linear' && featureFormCheaper(X, Y)) return ckaLinearFeatures(X, Y, names);
  const [K, L] = grams(X, Y, o);
  return ckaGram(K, L, names);
}

/** Debiased CKA (ratio of unbiased HSICs), linear or RBF. Needs n ≥ 4. */
export function ckaDebiased(X: Mat, Y: Mat, o: CkaOptions = {}): number {
  const names = o.names ?? ['X', 'Y'];
  checkPair(X, Y, names);
  if (X.rows < 4) throw new SimilarityError(`debiased CKA needs n ≥ 4 inputs (got ${X.rows})`);
  if ((o.kernel ?? 'linear') === 'linear' && featureFormCheaper(X, Y)) return ckaDebiasedLinearFeatures(X, Y, names);
  const [K, L] = grams(X, Y, o);
  return ckaDebiasedGram(K, L, names);
}

// ---------------------------------------------------------------------------------------------
// Mutual k-nearest neighbours.

export interface KnnOptions {
  /** Neighbours per point (default 10; 1 ≤ k ≤ n − 1). */
  k?: number;
  /** Clip every entry to ± the q-quantile of |x| first (platonic-rep uses 0.95); default: no clipping. */
  clipQuantile?: number;
}

function clipped(X: Mat, q: number): Mat {
  // platonic-rep: per-sample q-quantile of |x|, averaged over samples, is the clipping level.
  const p = X.cols;
  let level = 0;
  const row = new Float64Array(p);
  for (let i = 0; i < X.rows; i++) {
    for (let j = 0; j < p; j++) row[j] = Math.abs(X.data[i * p + j]);
    row.sort();
    const pos = q * (p - 1), lo = Math.floor(pos), hi = Math.min(p - 1, lo + 1);
    level += row[lo] + (pos - lo) * (row[hi] - row[lo]);
  }
  level /= X.rows;
  return { rows: X.rows, cols: p, data: X.data.map((v) => Math.max(-level, Math.min(level, v))) };
}

/**
 * The k nearest neighbours of every row (n×k, row-major) by inner product of L2-normalised
 * rows, the row itself excluded; ties go to the lower index.
 */
export function knnIndices(X: Mat, k: number, what = 'X'): Int32Array {
  checkMat(X, what);
  const n = X.rows, p = X.cols;
  if (!Number.isInteger(k) || k < 1 || k > n - 1) throw new SimilarityError(`k: must be an integer in [1, ${n - 1}] (n − 1 for n = ${n} rows), got ${k}`);
  const Z = new Float64Array(X.data.length);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < p; j++) s += X.data[i * p + j] ** 2;
    if (!(s > 0)) throw new SimilarityError(`${what}: row ${i} is zero, so it has no direction to compare (mutual kNN normalises rows)`);
    const inv = 1 / Math.sqrt(s);
    for (let j = 0; j < p; j++) Z[i * p + j] = X.data[i * p + j] * inv;
  }
  let allSame = true;
  for (let i = p; i < Z.length && allSame; i++) if (Z[i] !== Z[i % p]) allSame = false;
  if (allSame) throw new SimilarityError(`${what}: every row points the same way (constant features), so all points are tied as neighbours and mutual kNN is undefined`);
  const S = new Float64Array(n * n);
  backend().matmul(Z, Z, S, n, p, n, false, true);
  const out = new Int32Array(n * k);
  const bestV = new Float64Array(k), bestI = new Int32Array(k);
  for (let i = 0; i < n; i++) {
    let m = 0; // filled so far; kept sorted by (value desc, index asc)
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const v = S[i * n + j];
      if (m === k && !(v > bestV[k - 1])) continue; // equal value: the earlier (lower) index stays
      let pos = m === k ? k - 1 : m++;
      while (pos > 0 && v > bestV[pos - 1]) { bestV[pos] = bestV[pos - 1]; bestI[pos] = bestI[pos - 1]; pos--; }
      bestV[pos] = v; bestI[pos] = j;
    }
    out.set(bestI, i * k);
  }
  return out;
}

/** Mutual kNN score from two neighbour tables (n×k each). */
export function mutualKnnFromIndices(a: Int32Array, b: Int32Array, n: number, k: number): number {
  if (a.length !== n * k || b.length !== n * k) throw new SimilarityError(`neighbour tables must both be ${n}×${k}`);
  let total = 0;
  const mark = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < k; t++) mark[a[i * k + t]] = i;
    for (let t = 0; t < k; t++) if (mark[b[i * k + t]] === i) total++;
  }
  return total / (n * k);
}

/** Mutual k-NN alignment mean_i |N_X(i) ∩ N_Y(i)|/k (Huh et al. 2024). */
export function mutualKnn(X: Mat, Y: Mat, o: KnnOptions & { names?: [string, string] } = {}): number {
  const names = o.names ?? ['X', 'Y'];
  checkPair(X, Y, names);
  const k = o.k ?? 10;
  const q = o.clipQuantile;
  if (q !== undefined && !(q > 0 && q <= 1)) throw new SimilarityError(`clipQuantile: must be in (0, 1] (got ${q})`);
  const A = q === undefined ? X : clipped(X, q), B = q === undefined ? Y : clipped(Y, q);
  return mutualKnnFromIndices(knnIndices(A, k, names[0]), knnIndices(B, k, names[1]), X.rows, k);
}

/** Null of mutual kNN for independent features: k/(n − 1). */
export function mutualKnnNull(n: number, k: number): number {
  return k / (n - 1);
}

// ---------------------------------------------------------------------------------------------
// SVCCA and Procrustes.

/** Left singular vectors (columns) and singular values (descending) of a centred X. */
function leftSingular(Xc: Mat): { U: Mat; s: Float64Array } {
  if (Xc.rows >= Xc.cols) {
    const { U, S } = svd(Xc);
    return { U, s: S };
  }
  const { values, vectors } = eigh(linearGram(Xc));
  const n = Xc.rows, U = new Float64Array(n * n), s = new Float64Array(n);
  for (let c = 0; c < n; c++) {
    const src = n - 1 - c; // descending
    s[c] = Math.sqrt(Math.max(0, values[src]));
    for (let r = 0; r < n; r++) U[r * n + c] = vectors.data[r * n + src];
  }
  return { U: { rows: n, cols: n, data: U }, s };
}

/** Columns 0..k−1 of U. */
function firstColumns(U: Mat, k: number): Mat {
  const out = new Float64Array(U.rows * k);
  for (let r = 0; r < U.rows; r++) for (let c = 0; c < k; c++) out[r * k + c] = U.data[r * U.cols + c];
  return { rows: U.rows, cols: k, data: out };
}

function keptDims(s: Float64Array, fraction: number, what: string): number {
  const total = sumSq(s);
  if (!(total > 0)) throw new SimilarityError(`${what}: constant features (zero variance after centring), so SVCCA is undefined`);
  let acc = 0;
  for (let i = 0; i < s.length; i++) {
    acc += s[i] * s[i];
    if (acc >= fraction * total * (1 - 1e-12)) return i + 1;
  }
  return s.length;
}

export interface SvccaResult {
  /** Mean canonical correlation over min(dimsX, dimsY). */
  similarity: number;
  correlations: Float64Array;
  dimsX: number;
  dimsY: number;
}

/** Left singular vectors (columns of U, n×r) and singular values s (descending) of the column-centred X. */
export interface CentredSvd { U: Mat; s: Float64Array }

/** The centred SVD of X, computed once and reused by `svccaFromSvd` / `procrustesFromSvd` for many pairs. */
export function centredSvd(X: Mat, what = 'X'): CentredSvd {
  checkMat(X, what);
  return leftSingular(centerColumns(X));
}

/** SVCCA from two centred SVDs (see `svcca`). */
export function svccaFromSvd(a: CentredSvd, b: CentredSvd, o: { variance?: number; names?: [string, string] } = {}): SvccaResult {
  const names = o.names ?? ['X', 'Y'];
  if (a.U.rows !== b.U.rows) throw new SimilarityError(`${names[0]} has ${a.U.rows} rows but ${names[1]} has ${b.U.rows}`);
  const f = o.variance ?? 0.99;
  if (!(f > 0 && f <= 1)) throw new SimilarityError(`variance: the fraction of Σs² kept must be in (0, 1] (got ${f})`);
  const kx = keptDims(a.s, f, names[0]), ky = keptDims(b.s, f, names[1]);
  const rho = singularValues(crossProduct(firstColumns(a.U, kx), firstColumns(b.U, ky)));
  const m = Math.min(kx, ky);
  const correlations = Float64Array.from(rho.subarray(0, m), (v) => Math.min(1, v));
  return { similarity: correlations.reduce((s, v) => s + v, 0) / m, correlations, dimsX: kx, dimsY: ky };
}

/** SVCCA (Raghu et al. 2017): SVD truncation to `variance` of Σs² (default 0.99), then CCA. */
export function svcca(X: Mat, Y: Mat, o: { variance?: number; names?: [string, string] } = {}): SvccaResult {
  const names = o.names ?? ['X', 'Y'];
  checkPair(X, Y, names);
  return svccaFromSvd(centredSvd(X, names[0]), centredSvd(Y, names[1]), o);
}

/** Procrustes from two centred SVDs: ‖XᵀY‖_* = ‖(U_X S_X)ᵀ(U_Y S_Y)‖_* (rank-trimmed). */
export function procrustesFromSvd(a: CentredSvd, b: CentredSvd, o: { names?: [string, string] } = {}): ProcrustesResult {
  const names = o.names ?? ['X', 'Y'];
  if (a.U.rows !== b.U.rows) throw new SimilarityError(`${names[0]} has ${a.U.rows} rows but ${names[1]} has ${b.U.rows}`);
  const scaled = (d: CentredSvd, what: string): Mat => {
    const norm = Math.sqrt(sumSq(d.s));
    if (!(norm > 0)) throw new SimilarityError(`${what}: constant features (zero variance after centring), so the Procrustes distance is undefined`);
    let r = 0;
    while (r < d.s.length && d.s[r] > 1e-13 * d.s[0]) r++;
    const n = d.U.rows, Z = new Float64Array(n * r);
    for (let i = 0; i < n; i++) for (let c = 0; c < r; c++) Z[i * r + c] = (d.U.data[i * d.U.cols + c] * d.s[c]) / norm;
    return { rows: n, cols: r, data: Z };
  };
  const nuc = Math.min(1, singularValues(crossProduct(scaled(a, names[0]), scaled(b, names[1]))).reduce((s, v) => s + v, 0));
  return { distance2: Math.max(0, 2 - 2 * nuc), angle: libm.acos(nuc), nuclear: nuc };
}

/** X with at most n columns and the same Gram (XXᵀ = ZZᵀ): all metrics here are invariant to it. */
function compact(Xc: Mat): Mat {
  if (Xc.cols <= Xc.rows) return Xc;
  const { U, s } = leftSingular(Xc);
  const n = Xc.rows, Z = new Float64Array(n * n);
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) Z[r * n + c] = U.data[r * n + c] * s[c];
  return { rows: n, cols: n, data: Z };
}

export interface ProcrustesResult {
  /** d² = 2 − 2‖XᵀY‖_* for centred, unit-Frobenius X, Y (Ding et al. 2021), in [0, 2]. */
  distance2: number;
  /** θ = arccos ‖XᵀY‖_* (Williams et al. 2021), in [0, π/2]. */
  angle: number;
  /** ‖XᵀY‖_* of the normalised representations, in [0, 1]. */
  nuclear: number;
}

/** Orthogonal Procrustes distance between centred, Frobenius-normalised representations. */
export function procrustes(X: Mat, Y: Mat, o: { names?: [string, string] } = {}): ProcrustesResult {
  const names = o.names ?? ['X', 'Y'];
  checkPair(X, Y, names);
  const Xc = compact(centerColumns(X)), Yc = compact(centerColumns(Y));
  const nx = Math.sqrt(sumSq(Xc.data)), ny = Math.sqrt(sumSq(Yc.data));
  if (!(nx > 0)) throw new SimilarityError(`${names[0]}: constant features (zero variance after centring), so the Procrustes distance is undefined`);
  if (!(ny > 0)) throw new SimilarityError(`${names[1]}: constant features (zero variance after centring), so the Procrustes distance is undefined`);
  const nuc = Math.min(1, singularValues(crossProduct(Xc, Yc)).reduce((s, v) => s + v, 0) / (nx * ny));
  return { distance2: Math.max(0, 2 - 2 * nuc), angle: libm.acos(nuc), nuclear: nuc };
}

// ---------------------------------------------------------------------------------------------
// Nulls.

/** √(p₁p₂/((n + p₁)(n + p₂))): the ratio-of-expectations approximation of E[CKA_b] (independent Gaussians). */
export function biasedLinearCkaNullApprox(n: number, p1: number, p2: number): number {
  return Math.sqrt((p1 * p2) / ((n + p1) * (n + p2)));
}

/**
 * E[tr W/‖W‖_F] for W = GGᵀ, G an m×p matrix of iid N(0, 1) (Wishart, p degrees of freedom), by
 * `draws` seeded draws; exactly 1 when m = 1 or p = 1 (rank one). Returns the mean and its SE.
 */
export function wishartTraceRatio(m: number, p: number, opts: { draws?: number; seed?: number } = {}): { mean: number; se: number } {
  if (!(Number.isInteger(m) && m >= 1 && Number.isInteger(p) && p >= 1)) throw new SimilarityError(`wishartTraceRatio: m and p must be integers ≥ 1 (got ${m}, ${p})`);
  if (m === 1 || p === 1) return { mean: 1, se: 0 };
  const draws = opts.draws ?? 16;
  const rng = new Rng(opts.seed ?? 0).split(`wishart-${m}-${p}`);
  const a = Math.min(m, p), b = Math.max(m, p);
  const vals = new Float64Array(draws);
  const A = new Float64Array(a * a);
  for (let t = 0; t < draws; t++) {
    const G = Float64Array.from(rng.normals(a * b)); // a×b; GGᵀ (a×a) has the nonzero spectrum of W
    backend().matmul(G, G, A, a, b, a, false, true);
    vals[t] = sumSq(G) / Math.sqrt(sumSq(A));
  }
  const mean = vals.reduce((s, v) => s + v, 0) / draws;
  const v = vals.reduce((s, x) => s + (x - mean) ** 2, 0) / Math.max(draws - 1, 1);
  return { mean, se: Math.sqrt(v / draws) };
}

export interface CkaNull {
  /** E[CKA_b] = E[tr W₁/‖W₁‖]·E[tr W₂/‖W₂‖]/(n − 1), drawn (see wishartTraceRatio). */
  biased: number;
  biasedSe: number;
  /** √(p₁p₂/((n + p₁)(n + p₂))). */
  biasedApprox: number;
  /** Debiased CKA: 0 (a ratio of unbiased estimates; ≈ 0). */
  debiased: number;
}

/** Null values of linear CKA for independent isotropic Gaussian features of n inputs. */
export function linearCkaNull(n: number, p1: number, p2: number, opts: { draws?: number; seed?: number } = {}): CkaNull {
  const r1 = wishartTraceRatio(n - 1, p1, opts), r2 = p2 === p1 ? r1 : wishartTraceRatio(n - 1, p2, opts);
  const biased = (r1.mean * r2.mean) / (n - 1);
  // One draw serves both factors when p₁ = p₂ (then the errors add, not in quadrature).
  const biasedSe = (p2 === p1 ? 2 * r1.mean * r1.se : Math.sqrt((r2.mean * r1.se) ** 2 + (r1.mean * r2.se) ** 2)) / (n - 1);
  return { biased, biasedSe, biasedApprox: biasedLinearCkaNullApprox(n, p1, p2), debiased: 0 };
}
