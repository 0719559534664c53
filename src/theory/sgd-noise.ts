/**
 * SGD noise: the stationary state of SGD on a noisy quadratic, its SDE (Ornstein–Uhlenbeck) limit,
 * the exact second-moment dynamics of online SGD on a Gaussian linear teacher, the one-step
 * optimal step of McCandlish et al., and the steps–examples trade-off with its fit.
 *
 * 1. Noisy quadratic (derived; science-notes §A5). L(θ) = ½θᵀHθ, SGD θ ← θ − η(Hθ + ξ) with
 *    E ξ = 0, Cov ξ = Σ/B (fresh each step). In the eigenbasis of H (eigenvalues h_i) only the
 *    diagonal s_i = (QᵀΣQ)_ii of the noise enters the loss: the mode variances obey
 *      v_i(t+1) = (1 − ηh_i)² v_i(t) + η² s_i/B,   m_i(t) = (1 − ηh_i)^t m_i(0),
 *    so the stationary state (needs 0 < ηh_i < 2) is
 *      Var θ_i = η s_i / (B h_i (2 − ηh_i)),   ⟨L⟩ = ½Σ h_i v_i = (η/2B) Σ_i s_i/(2 − ηh_i),
 *    and E L(t) = ½Σ h_i [v_i^∞ + (m_i(0)² − v_i^∞)(1 − ηh_i)^{2t}] from a deterministic start.
 *    The SDE dθ = −Hθ dt + √(η/B) Σ^{1/2} dW (t = kη; Li, Tai & E 2017; Mandt et al. 2017) has
 *    the OU stationary covariance V with HV + VH = (η/B)Σ, so ⟨L⟩_SDE = (η/4B) tr Σ: it depends on
 *    η and B only through the temperature η/B. The discrete result exceeds it mode by mode by
 *    the factor 1/(1 − ηh_i/2) — the linear scaling rule's violation, exact.
 *
 * 2. Online SGD on a Gaussian linear teacher (derived). x ~ N(0, Λ) (Λ = diag λ in its eigenbasis),
 *    y = w*ᵀx + σε, ℓ = ½(xᵀw − y)², δ = w − w*. Population loss L = ½(δᵀΛδ + σ²), gradient
 *    G = Λδ, per-example covariance (Isserlis) Σ = Λ·2L + ΛδδᵀΛ. Hence
 *      tr Σ = 2L tr Λ + |Λδ|²,  B_simple = tr Σ/|G|² = 1 + 2L tr Λ/|Λδ|²,
 *      B_noise = tr(HΣ)/GᵀHG = 1 + 2L tr Λ²/(δᵀΛ³δ),
 *    and the diagonal second moments d_i = E δ_i² of SGD with batch B evolve in closed form:
 *      d_i ← d_i(1 − ηλ_i)² + (η²/B)(λ_i² d_i + λ_i(Σ_j λ_j d_j + σ²)),   E L = ½(Σλ_i d_i + σ²).
 *
 * 3. McCandlish, Kaplan, Amodei et al. 2018 (arXiv 1812.06162, §2): on the local quadratic
 *    E L(θ − εG_B) = L − ε|G|² + ½ε²(GᵀHG + tr(HΣ)/B) (exact for a quadratic), so
 *      ε_opt(B) = ε_max/(1 + B_noise/B), ε_max = |G|²/GᵀHG, ΔL_opt(B) = ΔL_max/(1 + B_noise/B),
 *    and steps S and examples E = BS to a target obey (S/S_min − 1)(E/E_min − 1) = 1, i.e.
 *      S(B) = S_min(1 + B_crit/B),  E(B) = E_min(1 + B/B_crit),  B_crit = E_min/S_min,
 *    which is linear in 1/B: S = S_min + E_min·(1/B). `fitStepsExamples` fits it by weighted
 *    least squares (weights 1/S², i.e. relative errors) with delta-method standard errors.
 */
import { eigh, type Mat } from '../engine/linalg/index.js';
import * as libm from '../engine/libm.js';

function checkPositiveArray(where: string, field: string, xs: ArrayLike<number>): void {
  if (xs.length === 0) throw new RangeError(`${where}: ${field} must be non-empty`);
  for (let i = 0; i < xs.length; i++) {
    if (!(xs[i] > 0 && Number.isFinite(xs[i]))) throw new RangeError(`${where}: ${field}[${i}] must be finite and > 0, got ${xs[i]}`);
  }
}

function checkStepAndBatch(where: string, eta: number, batch: number): void {
  if (!(eta > 0 && Number.isFinite(eta))) throw new RangeError(`${where}: eta must be finite and > 0, got ${eta}`);
  if (!(batch > 0 && Number.isFinite(batch))) throw new RangeError(`${where}: batch must be finite and > 0, got ${batch}`);
}

export interface NoisyQuadratic {
  /** Eigenvalues h_i of H (> 0). */
  h: ArrayLike<number>;
  /** Diagonal s_i of the per-example gradient-noise covariance Σ in H's eigenbasis (≥ 0). */
  s: ArrayLike<number>;
}

export interface StationaryState {
  /** Stationary mode variances Var θ_i = η s_i/(B h_i (2 − ηh_i)). */
  variance: number[];
  /** ⟨L⟩ − L* = (η/2B) Σ s_i/(2 − ηh_i). */
  excessLoss: number;
  /** SDE (OU) limit (η/4B) Σ s_i. */
  sdeExcessLoss: number;
  /** excessLoss / sdeExcessLoss (≥ 1): how far the discrete process is from its temperature law. */
  violation: number;
  /** η·max h_i (stationary iff < 2; the SDE limit needs ≪ 1). */
  etaHMax: number;
}

function checkQuadratic(where: string, q: NoisyQuadratic): void {
  checkPositiveArray(where, 'h', q.h);
  if (q.s.length !== q.h.length) throw new RangeError(`${where}: s has ${q.s.length} entries for ${q.h.length} eigenvalues h`);
  for (let i = 0; i < q.s.length; i++) {
    if (!(q.s[i] >= 0 && Number.isFinite(q.s[i]))) throw new RangeError(`${where}: s[${i}] must be finite and ≥ 0, got ${q.s[i]}`);
  }
}

/** The exact stationary state of SGD with step η and batch B on a noisy quadratic. */
export function noisyQuadraticStationary(q: NoisyQuadratic, eta: number, batch: number): StationaryState {
  checkQuadratic('noisyQuadraticStationary', q);
  checkStepAndBatch('noisyQuadraticStationary', eta, batch);
  let hMax = 0;
  for (let i = 0; i < q.h.length; i++) hMax = Math.max(hMax, q.h[i]);
  if (eta * hMax >= 2) throw new RangeError(`noisyQuadraticStationary: eta·h_max must be < 2 for a stationary state, got ${eta * hMax}`);
  const variance: number[] = [];
  let excess = 0, trS = 0;
  for (let i = 0; i < q.h.length; i++) {
    const h = q.h[i], s = q.s[i];
    variance.push((eta * s) / (batch * h * (2 - eta * h)));
    excess += s / (2 - eta * h);
    trS += s;
  }
  excess *= eta / (2 * batch);
  const sde = (eta * trS) / (4 * batch);
  return { variance, excessLoss: excess, sdeExcessLoss: sde, violation: sde > 0 ? excess / sde : 1, etaHMax: eta * hMax };
}

/** OU stationary excess loss (η/4B)·tr Σ: a function of the temperature η/B alone. */
export function sdeStationaryExcessLoss(traceSigma: number, eta: number, batch: number): number {
  checkStepAndBatch('sdeStationaryExcessLoss', eta, batch);
  return (eta * traceSigma) / (4 * batch);
}

/**
 * The same from full matrices: H symmetric positive definite, Σ symmetric PSD (not necessarily
 * commuting with H). Only diag(QᵀΣQ) in H's eigenbasis Q enters ⟨L⟩.
 */
export function noisyQuadraticStationaryFromMatrices(H: Mat, Sigma: Mat, eta: number, batch: number): StationaryState {
  const d = H.rows;
  if (H.cols !== d || Sigma.rows !== d || Sigma.cols !== d) throw new RangeError(`noisyQuadraticStationaryFromMatrices: H and Sigma must both be ${d}×${d}`);
  const { values, vectors } = eigh(H);
  const s: number[] = [];
  for (let k = 0; k < d; k++) {
    let acc = 0;
    for (let i = 0; i < d; i++) {
      let row = 0;
      for (let j = 0; j < d; j++) row += Sigma.data[i * d + j] * vectors.data[j * d + k];
      acc += vectors.data[i * d + k] * row;
    }
    s.push(Math.max(acc, 0));
  }
  return noisyQuadraticStationary({ h: Array.from(values), s }, eta, batch);
}

/**
 * Exact expected loss E L(t) − L* of SGD on the noisy quadratic from a deterministic start whose
 * coordinates in H's eigenbasis are m0, averaged over steps t0 ≤ t < t1 (t1 = t0 + 1: one step).
 */
export function noisyQuadraticMeanLoss(q: NoisyQuadratic, m0: ArrayLike<number>, eta: number, batch: number, t0: number, t1 = t0 + 1): number {
  const st = noisyQuadraticStationary(q, eta, batch);
  if (m0.length !== q.h.length) throw new RangeError(`noisyQuadraticMeanLoss: m0 has ${m0.length} entries for ${q.h.length} eigenvalues`);
  if (!(Number.isInteger(t0) && t0 >= 0 && Number.isInteger(t1) && t1 > t0)) throw new RangeError(`noisyQuadraticMeanLoss: need integers 0 ≤ t0 < t1, got ${t0}, ${t1}`);
  const n = t1 - t0;
  let total = 0;
  for (let i = 0; i < q.h.length; i++) {
    const r = (1 - eta * q.h[i]) ** 2;
    // Σ_{t=t0}^{t1−1} r^t / n, computed stably.
    const geo = r === 1 ? 1 : (libm.pow(r, t0) * (1 - libm.pow(r, n))) / ((1 - r) * n);
    total += 0.5 * q.h[i] * (st.variance[i] + (m0[i] ** 2 - st.variance[i]) * geo);
  }
  return total;
}

// ---------------------------------------------------------------------------------------
// Gaussian linear teacher.

export interface LinearTeacherNoise {
  /** Population loss L = ½(δᵀΛδ + σ²). */
  loss: number;
  gradNormSq: number;
  traceSigma: number;
  bSimple: number;
  bNoise: number;
}

/** Closed-form gradient noise of the Gaussian linear teacher at δ = w − w* (eigenbasis of Λ). */
export function linearTeacherNoise(lambda: ArrayLike<number>, delta: ArrayLike<number>, sigma2: number): LinearTeacherNoise {
  checkPositiveArray('linearTeacherNoise', 'lambda', lambda);
  if (delta.length !== lambda.length) throw new RangeError(`linearTeacherNoise: delta has ${delta.length} entries for ${lambda.length} eigenvalues`);
  if (!(sigma2 >= 0)) throw new RangeError(`linearTeacherNoise: sigma2 must be ≥ 0, got ${sigma2}`);
  let q1 = 0, g2 = 0, q3 = 0, tr1 = 0, tr2 = 0;
  for (let i = 0; i < lambda.length; i++) {
    const l = lambda[i], d = delta[i];
    q1 += l * d * d; g2 += l * l * d * d; q3 += l * l * l * d * d; tr1 += l; tr2 += l * l;
  }
  const twoL = q1 + sigma2;
  const traceSigma = twoL * tr1 + g2;
  return { loss: twoL / 2, gradNormSq: g2, traceSigma, bSimple: traceSigma / g2, bNoise: (twoL * tr2 + q3) / q3 };
}

/**
 * Exact expected population loss E L(t), t = 0 … steps, of online SGD (fresh Gaussian examples,
 * batch B, constant step η) on the linear teacher from E δ_i² = d0[i].
 */
export function linearTeacherMeanLoss(lambda: ArrayLike<number>, d0: ArrayLike<number>, sigma2: number, eta: number, batch: number, steps: number): Float64Array {
  checkPositiveArray('linearTeacherMeanLoss', 'lambda', lambda);
  checkStepAndBatch('linearTeacherMeanLoss', eta, batch);
  if (!(Number.isInteger(steps) && steps >= 0)) throw new RangeError(`linearTeacherMeanLoss: steps must be an integer ≥ 0, got ${steps}`);
  const p = lambda.length;
  const d = Float64Array.from(d0);
  const out = new Float64Array(steps + 1);
  const loss = () => { let q = 0; for (let i = 0; i < p; i++) q += lambda[i] * d[i]; return q; };
  let q = loss();
  out[0] = 0.5 * (q + sigma2);
  for (let t = 1; t <= steps; t++) {
    const drive = (eta * eta / batch) * (q + sigma2);
    for (let i = 0; i < p; i++) {
      const l = lambda[i];
      d[i] = d[i] * ((1 - eta * l) ** 2 + (eta * eta / batch) * l * l) + drive * l;
    }
    q = loss();
    out[t] = 0.5 * (q + sigma2);
    if (!Number.isFinite(out[t])) { out.fill(Infinity, t); break; }
  }
  return out;
}

/** First t with curve[t] ≤ target (Infinity if none). */
export function firstPassage(curve: ArrayLike<number>, target: number): number {
  for (let t = 0; t < curve.length; t++) if (curve[t] <= target) return t;
  return Infinity;
}

// ---------------------------------------------------------------------------------------
// McCandlish et al.: one-step optimum and the steps–examples trade-off.

export interface OptimalStep {
  epsMax: number;
  bNoise: number;
  epsOpt: number;
  /** Expected one-step decrease at ε_opt, and its B → ∞ limit ΔL_max = |G|⁴/(2GᵀHG). */
  deltaLOpt: number;
  deltaLMax: number;
}

/** ε_opt(B) and ΔL_opt(B) from |G|², GᵀHG and tr(HΣ). */
export function optimalStep(gradNormSq: number, gHg: number, traceHSigma: number, batch: number): OptimalStep {
  if (!(gHg > 0)) throw new RangeError(`optimalStep: gHg must be > 0 (positive curvature along G), got ${gHg}`);
  if (!(batch > 0)) throw new RangeError(`optimalStep: batch must be > 0, got ${batch}`);
  const epsMax = gradNormSq / gHg;
  const bNoise = traceHSigma / gHg;
  const epsOpt = epsMax / (1 + bNoise / batch);
  const deltaLMax = (gradNormSq * gradNormSq) / (2 * gHg);
  return { epsMax, bNoise, epsOpt, deltaLOpt: deltaLMax / (1 + bNoise / batch), deltaLMax };
}

/** Expected one-step decrease L − E L(θ − εG_B) on a quadratic: ε|G|² − ½ε²(GᵀHG + tr(HΣ)/B). */
export function expectedDecrease(gradNormSq: number, gHg: number, traceHSigma: number, batch: number, eps: number): number {
  return eps * gradNormSq - 0.5 * eps * eps * (gHg + traceHSigma / batch);
}

/** Steps S(B) = S_min(1 + B_crit/B) and examples E(B) = B·S(B) on the trade-off curve. */
export function tradeoffSteps(batch: number, sMin: number, bCrit: number): { steps: number; examples: number } {
  const steps = sMin * (1 + bCrit / batch);
  return { steps, examples: batch * steps };
}

export interface TradeoffFit {
  sMin: number;
  eMin: number;
  bCrit: number;
  sMinSe: number;
  eMinSe: number;
  /** Delta-method standard error of B_crit = E_min/S_min. */
  bCritSe: number;
  /** RMS relative residual of S. */
  rmsRelResidual: number;
  points: number;
}

/**
 * Fit S = S_min + E_min/B (the trade-off (S/S_min − 1)(E/E_min − 1) = 1) to measured (B, S) by
 * least squares with weights 1/S² (relative errors). Non-finite S (target not reached) are skipped.
 */
export function fitStepsExamples(batch: ArrayLike<number>, steps: ArrayLike<number>): TradeoffFit {
  if (batch.length !== steps.length) throw new RangeError(`fitStepsExamples: ${batch.length} batch sizes for ${steps.length} step counts`);
  const xs: number[] = [], ys: number[] = [];
  for (let k = 0; k < batch.length; k++) {
    if (!(batch[k] > 0)) throw new RangeError(`fitStepsExamples: batch[${k}] must be > 0, got ${batch[k]}`);
    if (Number.isFinite(steps[k]) && steps[k] > 0) { xs.push(1 / batch[k]); ys.push(steps[k]); }
  }
  const n = xs.length;
  if (n < 2) throw new RangeError(`fitStepsExamples: need at least 2 batch sizes that reached the target, got ${n}`);
  let sw = 0, swx = 0, swy = 0, swxx = 0, swxy = 0;
  for (let k = 0; k < n; k++) {
    const w = 1 / (ys[k] * ys[k]);
    sw += w; swx += w * xs[k]; swy += w * ys[k]; swxx += w * xs[k] * xs[k]; swxy += w * xs[k] * ys[k];
  }
  const det = sw * swxx - swx * swx;
  if (!(det > 0)) throw new RangeError('fitStepsExamples: need at least 2 distinct batch sizes');
  const a = (swxx * swy - swx * swxy) / det; // S_min
  const b = (sw * swxy - swx * swy) / det;   // E_min
  let chi2 = 0, rel = 0;
  for (let k = 0; k < n; k++) {
    const r = ys[k] - a - b * xs[k];
    chi2 += (r * r) / (ys[k] * ys[k]);
    rel += (r / ys[k]) ** 2;
  }
  const s2 = n > 2 ? chi2 / (n - 2) : NaN;
  const varA = (s2 * swxx) / det, varB = (s2 * sw) / det, covAB = (-s2 * swx) / det;
  const bCrit = b / a;
  const bCritSe = Math.abs(bCrit) * Math.sqrt(Math.max(varB / (b * b) + varA / (a * a) - (2 * covAB) / (a * b), 0));
  return { sMin: a, eMin: b, bCrit, sMinSe: Math.sqrt(varA), eMinSe: Math.sqrt(varB), bCritSe, rmsRelResidual: Math.sqrt(rel / n), points: n };
}
