/**
 * Neural collapse NC1–NC4 (Papyan, Han & Donoho 2020, PNAS 117:24652; science-notes §B3), pure
 * functions over last-layer features H (n×p, row i = h_i), labels y_i ∈ {0, …, C−1}, and the
 * classifier z = W h + b with W C×p (row c = w_c) and b ∈ R^C.
 *
 * Class statistics:
 *   μ_c = mean_{i: y_i = c} h_i,   μ_G = (1/C) Σ_c μ_c (the class-balanced global mean; equal to
 *   the sample mean when classes are balanced, and it makes Σ_c μ̃_c = 0 exactly, so Σ_B has rank
 *   ≤ C − 1 on unbalanced subsets too),   μ̃_c = μ_c − μ_G,   M̃ = [μ̃_1 … μ̃_C] (p×C),
 *   Σ_W = (1/n) Σ_i (h_i − μ_{y_i})(h_i − μ_{y_i})ᵀ,   Σ_B = (1/C) Σ_c μ̃_c μ̃_cᵀ = M̃M̃ᵀ/C.
 *
 * NC1 = (1/C) tr(Σ_W Σ_B⁺), with Σ_B⁺ from the top C−1 eigenpairs of Σ_B in float64 (not a pinv
 * with a default rcond, which on a float32 rank-(C−1) Σ_B lets a near-zero eigenvalue through and
 * gives the negative NC1 of tding1/Neural-Collapse#3). The eigenpairs come from the C×C Gram
 * G = M̃ᵀM̃/C: G u_k = λ_k u_k ⇒ Σ_B v_k = λ_k v_k with v_k = M̃u_k/√(Cλ_k), so
 *   Σ_B⁺ = Σ_{k≤C−1} v_k v_kᵀ/λ_k = M̃ (Σ_k u_k u_kᵀ/λ_k²) M̃ᵀ / C,
 *   NC1 = (1/C²) Σ_{k≤C−1} u_kᵀ A u_k / λ_k²,   A = M̃ᵀ Σ_W M̃ = (1/n) Σ_i q_i q_iᵀ,  q_i = M̃ᵀ(h_i − μ_{y_i}).
 * No p×p matrix is formed (cost n·p·C). Eigenvalues below 1e-12·λ_max (class means that do not
 * span C − 1 directions) are dropped and `rank` says how many were kept. Also returned: the
 * quotient variant tr Σ_W / tr Σ_B (Tirer et al. 2023).
 * Planted value (science-notes, Corrections): an ETF at radius r plus isotropic N(0, σ²I) noise,
 * n_c examples per class, gives E NC1 ≈ σ²(C−1)²/(C r²)·(1 − 1/n_c).
 *
 * NC2 (over the centred means μ̃_c): equinorm = std_c ‖μ̃_c‖ / mean_c ‖μ̃_c‖ (population std);
 * cosines cos_{cc'} = μ̃_c·μ̃_c'/(‖μ̃_c‖‖μ̃_c'‖) over pairs c < c': their mean (→ −1/(C−1)), their
 * std (equiangularity), mean |cos + 1/(C−1)| (max-angle); and the ETF error
 * ‖M̃ᵀM̃/‖M̃ᵀM̃‖_F − (I − 11ᵀ/C)/√(C−1)‖_F (rhubarbwu `structure_error`; the target has unit norm).
 * Note: Σ_c μ̃_c = 0 gives Σ_{c≠c'} μ̃_c·μ̃_c' = −Σ_c ‖μ̃_c‖², so with equal norms the mean cosine
 * is −1/(C−1) whatever the angles; the mean cosine tests equinorm, the std and max-angle test
 * equiangularity.
 *
 * NC3, two different quantities that both go by the name:
 *   nc3SelfDuality  = ‖Wᵀ/‖W‖_F − M̃/‖M̃‖_F‖²_F (Papyan et al. Fig. 4; in [0, 4]);
 *   nc3ProductEtf   = ‖W M̃/‖W M̃‖_F − (I − 11ᵀ/C)/√(C−1)‖_F (rhubarbwu `self_duality_error`,
 *                     tding1 `W_H_relation`: the C×C cross-structure against the ETF).
 * NC4 = fraction of examples where argmax_c (w_c·h + b_c) ≠ argmin_c ‖h − μ_c‖ (the bias is part
 * of the classifier; the class means are those of the given statistics, e.g. the training set's;
 * ties go to the lowest index in both).
 */
import { eigh, mat, type Mat } from '../engine/linalg/index.js';

export interface ClassStatistics {
  classes: number;
  /** feature dimension p */
  dim: number;
  /** examples per class */
  counts: number[];
  /** class means μ_c, C×p (row c) */
  means: Mat;
  /** class-balanced global mean μ_G = mean_c μ_c */
  globalMean: Float64Array;
  /** centred means μ̃_c = μ_c − μ_G, C×p (row c; the transpose of Papyan's M̃) */
  centred: Mat;
}

export interface NeuralCollapseOptions {
  /** Eigenpairs of Σ_B kept in NC1 (default C − 1, at most p). */
  rank?: number;
}

export interface Nc1Result {
  /** (1/C) tr(Σ_W Σ_B⁺) */
  nc1: number;
  /** tr Σ_W / tr Σ_B */
  quotient: number;
  /** eigenpairs of Σ_B used */
  rank: number;
  /** tr Σ_W, tr Σ_B */
  traceWithin: number;
  traceBetween: number;
  /** the eigenvalues of Σ_B used, descending */
  eigenvalues: number[];
}

export interface Nc2Result {
  equinorm: number;
  meanCosine: number;
  /** std of the pairwise cosines (equiangularity) */
  cosineStd: number;
  /** mean |cos + 1/(C−1)| */
  maxAngle: number;
  etfError: number;
  /** ‖μ̃_c‖ per class */
  norms: number[];
}

export interface Nc4Result {
  /** fraction of examples where classifier and nearest class mean disagree */
  mismatch: number;
  /** accuracy of the classifier argmax(Wh + b), and of the nearest class mean */
  classifierAccuracy: number;
  nccAccuracy: number;
}

export interface NeuralCollapseMetrics {
  nc1: number;
  nc1Quotient: number;
  rank: number;
  equinorm: number;
  meanCosine: number;
  cosineStd: number;
  maxAngle: number;
  etfError: number;
  nc3SelfDuality: number;
  nc3ProductEtf: number;
  nc4: number;
  classifierAccuracy: number;
  nccAccuracy: number;
}

function checkFeatures(H: Mat, where: string): void {
  if (!H || !Number.isInteger(H.rows) || !Number.isInteger(H.cols) || H.rows < 1 || H.cols < 1 || H.data.length !== H.rows * H.cols) {
    throw new RangeError(`${where}: H must be an n×p matrix with n ≥ 1, p ≥ 1 and data of length n·p`);
  }
}

function checkLabels(labels: ArrayLike<number>, n: number, C: number, where: string): void {
  if (labels.length !== n) throw new RangeError(`${where}: labels has length ${labels.length}, expected n = ${n} (rows of H)`);
  for (let i = 0; i < n; i++) {
    const y = labels[i];
    if (!Number.isInteger(y) || y < 0 || y >= C) throw new RangeError(`${where}: labels[${i}] = ${y} must be an integer in [0, ${C - 1}]`);
  }
}

function checkClassifier(W: Mat, b: ArrayLike<number> | null, C: number, p: number, where: string): void {
  if (W.rows !== C || W.cols !== p || W.data.length !== C * p) throw new RangeError(`${where}: W must be C×p = ${C}×${p} (row c = w_c), got ${W.rows}×${W.cols}`);
  if (b !== null && b.length !== C) throw new RangeError(`${where}: b must have length C = ${C}, got ${b.length}`);
}

/** Class means, the class-balanced global mean and the centred means. */
export function classStatistics(H: Mat, labels: ArrayLike<number>, classes: number): ClassStatistics {
  checkFeatures(H, 'classStatistics');
  if (!Number.isInteger(classes) || classes < 2) throw new RangeError(`classStatistics: classes must be an integer ≥ 2, got ${classes}`);
  const n = H.rows, p = H.cols, C = classes;
  checkLabels(labels, n, C, 'classStatistics');
  const counts = new Array<number>(C).fill(0);
  const means = mat(C, p);
  for (let i = 0; i < n; i++) {
    const c = labels[i];
    counts[c]++;
    const row = c * p, off = i * p;
    for (let j = 0; j < p; j++) means.data[row + j] += H.data[off + j];
  }
  counts.forEach((m, c) => {
    if (m === 0) throw new RangeError(`classStatistics: class ${c} has no example in labels (every class in [0, ${C - 1}] needs at least one)`);
    for (let j = 0; j < p; j++) means.data[c * p + j] /= m;
  });
  const globalMean = new Float64Array(p);
  for (let c = 0; c < C; c++) for (let j = 0; j < p; j++) globalMean[j] += means.data[c * p + j] / C;
  const centred = mat(C, p);
  for (let c = 0; c < C; c++) for (let j = 0; j < p; j++) centred.data[c * p + j] = means.data[c * p + j] - globalMean[j];
  return { classes: C, dim: p, counts, means, globalMean, centred };
}

/** NC1 = (1/C) tr(Σ_W Σ_B⁺) from the top C − 1 eigenpairs of Σ_B (see the file comment). */
export function nc1(H: Mat, labels: ArrayLike<number>, stats: ClassStatistics, opts: NeuralCollapseOptions = {}): Nc1Result {
  checkFeatures(H, 'nc1');
  const { classes: C, dim: p } = stats;
  if (H.cols !== p) throw new RangeError(`nc1: H has ${H.cols} columns, the statistics have p = ${p}`);
  const n = H.rows;
  checkLabels(labels, n, C, 'nc1');
  const maxRank = Math.min(C - 1, p);
  const want = opts.rank ?? maxRank;
  if (!Number.isInteger(want) || want < 1 || want > maxRank) throw new RangeError(`nc1: rank must be an integer in [1, ${maxRank}] (min(C − 1, p)), got ${opts.rank}`);
  const Mt = stats.centred.data; // row c = μ̃_c
  // Gram G = M̃ᵀM̃/C (C×C).
  const G = mat(C, C);
  for (let a = 0; a < C; a++) for (let c = a; c < C; c++) {
    let s = 0;
    for (let j = 0; j < p; j++) s += Mt[a * p + j] * Mt[c * p + j];
    G.data[a * C + c] = G.data[c * C + a] = s / C;
  }
  // A = (1/n) Σ_i q_i q_iᵀ with q_i = M̃ᵀ r_i, r_i = h_i − μ_{y_i}; and tr Σ_W = (1/n) Σ ‖r_i‖².
  const A = mat(C, C);
  const r = new Float64Array(p), q = new Float64Array(C);
  let traceWithin = 0;
  for (let i = 0; i < n; i++) {
    const y = labels[i], off = i * p;
    let rr = 0;
    for (let j = 0; j < p; j++) { const v = H.data[off + j] - stats.means.data[y * p + j]; r[j] = v; rr += v * v; }
    traceWithin += rr / n;
    for (let c = 0; c < C; c++) { let s = 0; for (let j = 0; j < p; j++) s += Mt[c * p + j] * r[j]; q[c] = s; }
    for (let a = 0; a < C; a++) for (let c = a; c < C; c++) A.data[a * C + c] += (q[a] * q[c]) / n;
  }
  for (let a = 0; a < C; a++) for (let c = 0; c < a; c++) A.data[a * C + c] = A.data[c * C + a];
  let traceBetween = 0;
  for (let c = 0; c < C; c++) traceBetween += G.data[c * C + c];
  const { values, vectors } = eigh(G, { method: 'qr' });
  // values ascending: take the top `want`, dropping numerically zero ones.
  const lmax = values[C - 1];
  let sum = 0, rank = 0;
  const used: number[] = [];
  for (let k = C - 1; k >= C - want; k--) {
    const lam = values[k];
    if (!(lam > 1e-12 * lmax)) break;
    let uAu = 0;
    for (let a = 0; a < C; a++) {
      let s = 0;
      for (let c = 0; c < C; c++) s += A.data[a * C + c] * vectors.data[c * C + k];
      uAu += vectors.data[a * C + k] * s;
    }
    sum += uAu / (lam * lam);
    used.push(lam);
    rank++;
  }
  return { nc1: sum / (C * C), quotient: traceWithin / traceBetween, rank, traceWithin, traceBetween, eigenvalues: used };
}

/** NC2: equinorm and equiangularity of the centred class means. */
export function nc2(stats: ClassStatistics): Nc2Result {
  const { classes: C, dim: p } = stats;
  const M = stats.centred.data;
  const gram = new Float64Array(C * C);
  for (let a = 0; a < C; a++) for (let c = a; c < C; c++) {
    let s = 0;
    for (let j = 0; j < p; j++) s += M[a * p + j] * M[c * p + j];
    gram[a * C + c] = gram[c * C + a] = s;
  }
  const norms = Array.from({ length: C }, (_, c) => Math.sqrt(gram[c * C + c]));
  const meanNorm = norms.reduce((s, v) => s + v, 0) / C;
  const equinorm = Math.sqrt(norms.reduce((s, v) => s + (v - meanNorm) * (v - meanNorm), 0) / C) / meanNorm;
  const target = -1 / (C - 1);
  const cos: number[] = [];
  for (let a = 0; a < C; a++) for (let c = a + 1; c < C; c++) cos.push(gram[a * C + c] / (norms[a] * norms[c]));
  const meanCosine = cos.reduce((s, v) => s + v, 0) / cos.length;
  const cosineStd = Math.sqrt(cos.reduce((s, v) => s + (v - meanCosine) * (v - meanCosine), 0) / cos.length);
  const maxAngle = cos.reduce((s, v) => s + Math.abs(v - target), 0) / cos.length;
  return { equinorm, meanCosine, cosineStd, maxAngle, etfError: etfDistance(gram, C), norms };
}

/** ‖X/‖X‖_F − (I − 11ᵀ/C)/√(C−1)‖_F for a C×C matrix X (row-major). */
function etfDistance(X: Float64Array, C: number): number {
  let nx = 0;
  for (const v of X) nx += v * v;
  nx = Math.sqrt(nx);
  const s = 1 / Math.sqrt(C - 1);
  let d = 0;
  for (let a = 0; a < C; a++) for (let c = 0; c < C; c++) {
    const t = ((a === c ? 1 : 0) - 1 / C) * s;
    const v = X[a * C + c] / nx - t;
    d += v * v;
  }
  return Math.sqrt(d);
}

/** NC3 (Papyan): ‖Wᵀ/‖W‖_F − M̃/‖M̃‖_F‖²_F, W C×p. */
export function nc3SelfDuality(W: Mat, stats: ClassStatistics): number {
  const { classes: C, dim: p } = stats;
  checkClassifier(W, null, C, p, 'nc3SelfDuality');
  let nw = 0, nm = 0;
  for (let i = 0; i < C * p; i++) { nw += W.data[i] * W.data[i]; nm += stats.centred.data[i] * stats.centred.data[i]; }
  nw = Math.sqrt(nw); nm = Math.sqrt(nm);
  let d = 0;
  for (let i = 0; i < C * p; i++) { const v = W.data[i] / nw - stats.centred.data[i] / nm; d += v * v; }
  return d;
}

/** NC3 (rhubarbwu / tding1): ‖W M̃/‖W M̃‖_F − (I − 11ᵀ/C)/√(C−1)‖_F. */
export function nc3ProductEtf(W: Mat, stats: ClassStatistics): number {
  const { classes: C, dim: p } = stats;
  checkClassifier(W, null, C, p, 'nc3ProductEtf');
  const X = new Float64Array(C * C);
  for (let a = 0; a < C; a++) for (let c = 0; c < C; c++) {
    let s = 0;
    for (let j = 0; j < p; j++) s += W.data[a * p + j] * stats.centred.data[c * p + j];
    X[a * C + c] = s;
  }
  return etfDistance(X, C);
}

/** NC4: disagreement of argmax_c(w_c·h + b_c) with the nearest class mean argmin_c ‖h − μ_c‖. */
export function nc4(H: Mat, labels: ArrayLike<number> | null, W: Mat, b: ArrayLike<number> | null, stats: ClassStatistics): Nc4Result {
  checkFeatures(H, 'nc4');
  const { classes: C, dim: p } = stats;
  if (H.cols !== p) throw new RangeError(`nc4: H has ${H.cols} columns, the statistics have p = ${p}`);
  checkClassifier(W, b, C, p, 'nc4');
  const n = H.rows;
  if (labels !== null) checkLabels(labels, n, C, 'nc4');
  let mismatch = 0, right = 0, nccRight = 0;
  for (let i = 0; i < n; i++) {
    const off = i * p;
    let best = -Infinity, arg = 0, near = Infinity, argNear = 0;
    for (let c = 0; c < C; c++) {
      let z = b ? b[c] : 0, d2 = 0;
      for (let j = 0; j < p; j++) {
        const h = H.data[off + j];
        z += W.data[c * p + j] * h;
        const e = h - stats.means.data[c * p + j];
        d2 += e * e;
      }
      if (z > best) { best = z; arg = c; }
      if (d2 < near) { near = d2; argNear = c; }
    }
    if (arg !== argNear) mismatch++;
    if (labels !== null) { if (arg === labels[i]) right++; if (argNear === labels[i]) nccRight++; }
  }
  return { mismatch: mismatch / n, classifierAccuracy: labels ? right / n : NaN, nccAccuracy: labels ? nccRight / n : NaN };
}

/** All of NC1–NC4 for features H with labels, classifier W (C×p) and bias b. */
export function neuralCollapse(H: Mat, labels: ArrayLike<number>, classes: number, W: Mat, b: ArrayLike<number> | null, opts: NeuralCollapseOptions = {}): NeuralCollapseMetrics {
  const stats = classStatistics(H, labels, classes);
  checkClassifier(W, b, classes, H.cols, 'neuralCollapse');
  const one = nc1(H, labels, stats, opts);
  const two = nc2(stats);
  const four = nc4(H, labels, W, b, stats);
  return {
    nc1: one.nc1, nc1Quotient: one.quotient, rank: one.rank,
    equinorm: two.equinorm, meanCosine: two.meanCosine, cosineStd: two.cosineStd, maxAngle: two.maxAngle, etfError: two.etfError,
    nc3SelfDuality: nc3SelfDuality(W, stats), nc3ProductEtf: nc3ProductEtf(W, stats),
    nc4: four.mismatch, classifierAccuracy: four.classifierAccuracy, nccAccuracy: four.nccAccuracy,
  };
}
