/**
 * Scaling-law estimator: fits
 *
 *   L(N, D) = E + A N^{−α} + B D^{−β}        (form 'ND', Hoffmann et al. 2022)
 *   L(X)    = E + A X^{−α}                   (form 'X', one resource)
 *
 * to measured (N, D, loss) or (X, loss) rows by "approach 3" of Hoffmann et al. (2022, App. D.2):
 * with e = log E, a = log A, b = log B, minimize the SUM of Huber terms of the log residuals
 *
 *   J(θ) = Σ_i Huber_δ( LSE(a − α log N_i, b − β log D_i, e) − log L_i ),
 *   Huber_δ(r) = r²/2 for |r| ≤ δ, δ(|r| − δ/2) beyond,
 *
 * by L-BFGS (src/training/lbfgs.ts) from a cold grid of starts: α, β ∈ {0.2, 0.5, 1}, E a fraction
 * {0.05, 0.5, 0.9} of the smallest loss (scale-free, unlike Hoffmann's absolute grid), and for each
 * (α, β, E) the amplitudes A, B from the linear least-squares fit of L − E on N^{−α}, D^{−β}
 * (weights 1/L², i.e. relative errors; science-notes §B1).
 *
 * Conventions taken from the replication studies (science-notes §B1 and its corrections):
 *   - terms are summed, not averaged (an averaged objective makes L-BFGS stop early);
 *   - δ is tied to the noise scale: a least-squares pilot fit gives residuals r, the robust scale
 *     σ̂ = 1.4826·median|r| (MAD), and δ = 1.345 σ̂ (Huber's 95 %-efficiency constant, ≈ 2 median|r|,
 *     the notes' "δ ≥ 2× median |residual|"); δ = 1e-3 ≪ σ̂ makes the loss ≈ L1 and the optimizer
 *     stall near its start. A fixed δ can be given instead;
 *   - intervals are percentile-bootstrap intervals over runs (rows resampled with replacement),
 *     each replicate refitted from the same cold multi-start grid (never warm-started from the
 *     full fit, which collapses the intervals), with δ held at the full-data value;
 *   - compute-optimal allocation under C = k N D (k = 6 FLOPs per parameter per token):
 *       N*(C) = G (C/k)^{β/(α+β)},  D*(C) = G^{−1} (C/k)^{α/(α+β)},  G = (αA/(βB))^{1/(α+β)}
 *     (minimizer of A N^{−α} + B (C/(kN))^{−β} over N: setting the derivative to zero gives
 *     αA N^{−α} = βB D^{−β}), with intervals from the bootstrap replicates.
 *
 * Identifiability warnings (computed from the data and the bootstrap, thresholds set by judgment
 * and stated here):
 *   - an axis spans < 1.5 decades (science-notes §0.3, §B1);
 *   - E is not constrained: its interval's upper/lower ratio exceeds 2 (the floor is not known to
 *     within a factor 2, e.g. the data show no curvature in log-log);
 *   - α and E trade off: |corr(α, log E)| > 0.95 over replicates;
 *   The bootstrap correlations of α (β) with the log amplitude at the design's geometric centre,
 *   log A_c = log A − α ū, are reported but not warned on: they are ≈ −0.99 on well-posed 3-decade
 *   designs as on 1-decade ones (measured, test/scaling-fit.test.ts), so they do not separate
 *   identifiable from unidentifiable designs; the notes' uncentred corr(α, log A) is ≈ 1 for any
 *   design far from N = 1 (an intercept extrapolated decades away), a property of the coordinates.
 *
 * Sources: Hoffmann et al., "Training Compute-Optimal Large Language Models" (2022), App. D.2;
 * Besiroglu et al., "Chinchilla Scaling: A replication attempt" (2024); Huber, "Robust Estimation
 * of a Location Parameter" (1964); Efron & Tibshirani, "An Introduction to the Bootstrap" (1993).
 */
import * as libm from '../engine/libm.js';
import { Rng } from '../engine/rng.js';
import { lbfgs } from '../training/lbfgs.js';

export type ScalingForm = 'ND' | 'X';

/** One measured run: (N, D, loss) for form 'ND'; (X, loss) for form 'X' (X given as N). */
export interface ScalingRow { N: number; D?: number; loss: number }

export interface ScalingParams { E: number; A: number; alpha: number; B?: number; beta?: number }

export interface Interval { lo: number; hi: number }

export interface ScalingFitOptions {
  /** Huber δ on log residuals; default 'auto' (1.345 × MAD scale of a least-squares pilot fit). */
  delta?: number | 'auto';
  /** Bootstrap replicates (default 200; 0: no intervals). */
  bootstrap?: number;
  /** Two-sided interval level (default 0.9). */
  level?: number;
  seed?: number;
  /** Starting grids (defaults as in the header). */
  alphaStarts?: number[];
  betaStarts?: number[];
  /** E starts as fractions of the smallest loss. */
  eStarts?: number[];
  /** How many of the best scouted starts are run to convergence (default 3; Infinity: all). */
  polish?: number;
  /** Signal to stop the bootstrap early (the fit returns the replicates done so far). */
  signal?: AbortSignal;
}

export interface ScalingFit {
  form: ScalingForm;
  params: ScalingParams;
  /** Huber δ used (on log loss). */
  delta: number;
  /** Robust scale of the log residuals of the final fit (1.4826·MAD). */
  residualScale: number;
  /** log L_i − log L̂_i of the final fit, in row order. */
  residuals: number[];
  objective: number;
  /** Whether the best start's L-BFGS run ended by a convergence criterion. */
  converged: boolean;
  rows: number;
  /** Decades spanned by each axis: log10(max/min). */
  decades: { N: number; D?: number };
  level: number;
  /** Per-parameter percentile intervals (absent without bootstrap). */
  intervals?: Record<keyof ScalingParams, Interval | undefined>;
  /** Bootstrap replicates of the parameters (finite fits only). */
  replicates: ScalingParams[];
  correlations?: { alphaLogE: number; alphaLogAc: number; betaLogE?: number; betaLogBc?: number };
  warnings: string[];
}

export const DEFAULT_ALPHA_STARTS = [0.2, 0.5, 1];
export const DEFAULT_E_STARTS = [0.05, 0.5, 0.9];

// ---------- the objective ----------

/**
 * The design, indexed for speed: distinct values of log N (and log D), centred on the rows' means
 * ū, v̄ (so θ[1], θ[3] are log amplitudes at the design centre — better conditioned, and a − α u is
 * unchanged); the distinct (N, D) pairs; each row's pair and y = log L. A replicate is a vector of
 * row weights (bootstrap multiplicities), so repeated rows and rows sharing a pair (seeds) cost one
 * prediction.
 */
interface Design {
  two: boolean;
  uc: number; vc: number;
  uVals: Float64Array; vVals: Float64Array;
  pairU: Int32Array; pairV: Int32Array;
  rowPair: Int32Array;
  y: Float64Array;
}

function indexDesign(lu: number[], lv: number[] | null, y: number[]): Design {
  const n = lu.length;
  const uc = lu.reduce((a, x) => a + x, 0) / n;
  const vc = lv ? lv.reduce((a, x) => a + x, 0) / n : 0;
  const table = (xs: number[]) => {
    const vals = [...new Set(xs)].sort((p, q) => p - q);
    const at = new Map(vals.map((v, k) => [v, k]));
    return { vals, at };
  };
  const U = table(lu), V = table(lv ?? [0]);
  const pairs = new Map<string, number>();
  const pairU: number[] = [], pairV: number[] = [];
  const rowPair = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const ku = U.at.get(lu[i])!, kv = V.at.get(lv ? lv[i] : 0)!;
    const key = `${ku},${kv}`;
    let p = pairs.get(key);
    if (p === undefined) { p = pairU.length; pairs.set(key, p); pairU.push(ku); pairV.push(kv); }
    rowPair[i] = p;
  }
  return {
    two: lv !== null, uc, vc,
    uVals: Float64Array.from(U.vals, (x) => x - uc), vVals: Float64Array.from(V.vals, (x) => x - vc),
    pairU: Int32Array.from(pairU), pairV: Int32Array.from(pairV), rowPair, y: Float64Array.from(y),
  };
}

/** θ = [e, a, α] or [e, a, α, b, β] (centred); log L̂ at row i. */
function logPrediction(d: Design, theta: ArrayLike<number>, i: number): number {
  const p = d.rowPair[i];
  let L = libm.exp(theta[0]) + libm.exp(theta[1] - theta[2] * d.uVals[d.pairU[p]]);
  if (d.two) L += libm.exp(theta[3] - theta[4] * d.vVals[d.pairV[p]]);
  return libm.log(L);
}

/**
 * J(θ) = Σ_i w_i Huber_δ(log L̂_i − y_i) and ∇J, for row weights w. Evaluated in linear space,
 * L̂ = E + A_c e^{−α u} + B_c e^{−β v}, with one exponential per distinct N and D value and one
 * logarithm per distinct pair; a step into overflow gives J = ∞, which the line search rejects.
 */
function objective(d: Design, w: Float64Array, delta: number) {
  const rows: number[] = [];
  for (let i = 0; i < w.length; i++) if (w[i] > 0) rows.push(i);
  const activePairs = [...new Set(rows.map((i) => d.rowPair[i]))];
  const nu = d.uVals.length, nv = d.vVals.length;
  const PU = new Float64Array(nu), PV = new Float64Array(nv);
  const np = d.pairU.length;
  const lp = new Float64Array(np), G = new Float64Array(np);
  return {
    valueAndGrad(theta: Float64Array) {
      const E = libm.exp(theta[0]), Ac = libm.exp(theta[1]), al = theta[2];
      const Bc = d.two ? libm.exp(theta[3]) : 0, be = d.two ? theta[4] : 0;
      for (let k = 0; k < nu; k++) PU[k] = Ac * libm.exp(-al * d.uVals[k]);
      if (d.two) for (let k = 0; k < nv; k++) PV[k] = Bc * libm.exp(-be * d.vVals[k]);
      for (const p of activePairs) { lp[p] = libm.log(E + PU[d.pairU[p]] + (d.two ? PV[d.pairV[p]] : 0)); G[p] = 0; }
      let J = 0;
      for (const i of rows) {
        const p = d.rowPair[i];
        const r = lp[p] - d.y[i];
        const ar = Math.abs(r);
        J += w[i] * (ar <= delta ? 0.5 * r * r : delta * (ar - 0.5 * delta));
        G[p] += w[i] * (r > delta ? delta : r < -delta ? -delta : r);
      }
      const g = new Float64Array(theta.length);
      for (const p of activePairs) {
        const c = G[p] / (E + PU[d.pairU[p]] + (d.two ? PV[d.pairV[p]] : 0));
        const tu = c * PU[d.pairU[p]];
        g[0] += c * E;
        g[1] += tu;
        g[2] -= tu * d.uVals[d.pairU[p]];
        if (d.two) { const tv = c * PV[d.pairV[p]]; g[3] += tv; g[4] -= tv * d.vVals[d.pairV[p]]; }
      }
      return { value: Number.isFinite(J) ? J : Infinity, grad: g };
    },
  };
}

// ---------- starts ----------

/** Weighted least squares of z on the columns of F (weights w), by normal equations (2×2 or 1×1). */
function amplitudes(F: number[][], z: number[], w: number[]): number[] {
  const p = F[0].length;
  const M = Array.from({ length: p }, () => new Array<number>(p).fill(0));
  const r = new Array<number>(p).fill(0);
  for (let i = 0; i < z.length; i++) for (let j = 0; j < p; j++) {
    r[j] += w[i] * F[i][j] * z[i];
    for (let k = 0; k < p; k++) M[j][k] += w[i] * F[i][j] * F[i][k];
  }
  if (p === 1) return [r[0] / M[0][0]];
  const det = M[0][0] * M[1][1] - M[0][1] * M[1][0];
  if (!(Math.abs(det) > 1e-12 * M[0][0] * M[1][1])) return [r[0] / M[0][0] / 2, r[1] / M[1][1] / 2];
  return [(r[0] * M[1][1] - r[1] * M[0][1]) / det, (M[0][0] * r[1] - M[1][0] * r[0]) / det];
}

/** The cold grid of starts (independent of any earlier fit), amplitudes by weighted least squares. */
function starts(d: Design, w: Float64Array, o: ScalingFitOptions): Float64Array[] {
  const as = o.alphaStarts ?? DEFAULT_ALPHA_STARTS;
  const bs = d.two ? (o.betaStarts ?? DEFAULT_ALPHA_STARTS) : [0];
  const es = o.eStarts ?? DEFAULT_E_STARTS;
  const rows: number[] = [];
  for (let i = 0; i < w.length; i++) if (w[i] > 0) rows.push(i);
  const L = rows.map((i) => libm.exp(d.y[i]));
  const minL = Math.min(...L);
  const out: Float64Array[] = [];
  for (const al of as) for (const be of bs) for (const q of es) {
    const E = q * minL;
    const F: number[][] = [], z: number[] = [], wt: number[] = [];
    rows.forEach((i, k) => {
      const p = d.rowPair[i];
      const fu = libm.exp(-al * d.uVals[d.pairU[p]]);
      F.push(d.two ? [fu, libm.exp(-be * d.vVals[d.pairV[p]])] : [fu]);
      z.push(L[k] - E); wt.push(w[i] / (L[k] * L[k]));
    });
    const amp = amplitudes(F, z, wt);
    // A non-positive amplitude: start that term at a tenth of the mean excess loss.
    const logAmp = (j: number) => {
      if (amp[j] > 0 && Number.isFinite(amp[j])) return libm.log(amp[j]);
      let s = 0;
      for (let k = 0; k < rows.length; k++) s += libm.log(Math.max(z[k], 1e-3 * minL) / 10 / F[k][j]);
      return s / rows.length;
    };
    out.push(d.two ? Float64Array.from([libm.log(E), logAmp(0), al, logAmp(1), be]) : Float64Array.from([libm.log(E), logAmp(0), al]));
  }
  return out;
}

interface BestFit { theta: Float64Array; value: number; converged: boolean }

/**
 * Cold multi-start L-BFGS for row weights w: every start runs a few iterations, the best
 * `POLISH` of them are then run to convergence (starts that share a basin end at the same point,
 * so this finds the optimum that running all of them to convergence finds, at a fraction of the
 * cost; checked in test/scaling-fit.test.ts).
 */
const SCOUT_ITERATIONS = 5;
const POLISH = 3;

function multiStart(d: Design, w: Float64Array, delta: number, o: ScalingFitOptions): BestFit {
  const obj = objective(d, w, delta);
  const scouts = starts(d, w, o)
    .map((x0) => lbfgs(obj, x0, { maxIterations: SCOUT_ITERATIONS }))
    .filter((r) => Number.isFinite(r.value) && r.x.every(Number.isFinite))
    .sort((p, q) => p.value - q.value);
  let best: BestFit | null = null;
  for (const s of scouts.slice(0, o.polish ?? POLISH)) {
    const r = s.status === 'max-iterations' ? lbfgs(obj, s.x, { maxIterations: 2000 }) : s;
    if (!Number.isFinite(r.value) || r.x.some((v) => !Number.isFinite(v))) continue;
    if (!best || r.value < best.value) best = { theta: r.x, value: r.value, converged: r.status !== 'max-iterations' && r.status !== 'non-finite' };
  }
  if (!best) throw new Error('scaling fit: every start diverged (non-finite objective); check that all losses are positive and finite');
  return best;
}

/** Internal (centred) θ → E, A, α, B, β in the user's units: log A = θ₁ + α ū. */
function toParams(theta: ArrayLike<number>, d: Design): ScalingParams {
  const p: ScalingParams = { E: libm.exp(theta[0]), A: libm.exp(theta[1] + theta[2] * d.uc), alpha: theta[2] };
  if (theta.length === 5) { p.B = libm.exp(theta[3] + theta[4] * d.vc); p.beta = theta[4]; }
  return p;
}

// ---------- statistics helpers ----------

/** Quantile q of a sorted array, linear interpolation between order statistics (type 7). */
export function quantileSorted(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN;
  const h = (xs.length - 1) * q;
  const lo = Math.floor(h), hi = Math.ceil(h);
  return xs[lo] + (h - lo) * (xs[hi] - xs[lo]);
}

function percentile(xs: number[], level: number): Interval {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return { lo: quantileSorted(s, (1 - level) / 2), hi: quantileSorted(s, (1 + level) / 2) };
}

export function correlation(x: readonly number[], y: readonly number[]): number {
  const n = x.length;
  let mx = 0, my = 0;
  for (let i = 0; i < n; i++) { mx += x[i]; my += y[i]; }
  mx /= n; my /= n;
  let sxx = 0, syy = 0, sxy = 0;
  for (let i = 0; i < n; i++) { sxx += (x[i] - mx) ** 2; syy += (y[i] - my) ** 2; sxy += (x[i] - mx) * (y[i] - my); }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : NaN;
}

function robustScale(r: number[]): number {
  const a = r.map(Math.abs).sort((x, y) => x - y);
  return 1.4826 * quantileSorted(a, 0.5);
}

function decades(xs: number[]): number {
  return libm.log10(Math.max(...xs) / Math.min(...xs));
}

// ---------- the estimator ----------

function validate(rows: readonly ScalingRow[], form: ScalingForm): void {
  const p = form === 'ND' ? 5 : 3;
  if (rows.length < p + 1) throw new RangeError(`rows: need at least ${p + 1} runs for the ${p}-parameter form ${form} (got ${rows.length})`);
  rows.forEach((r, i) => {
    if (!(r.N > 0 && Number.isFinite(r.N))) throw new RangeError(`rows[${i}].${form === 'ND' ? 'N' : 'X'}: must be a finite number > 0 (got ${r.N})`);
    if (form === 'ND' && !(r.D !== undefined && r.D > 0 && Number.isFinite(r.D))) throw new RangeError(`rows[${i}].D: must be a finite number > 0 (got ${r.D})`);
    if (!(r.loss > 0 && Number.isFinite(r.loss))) throw new RangeError(`rows[${i}].loss: must be a finite number > 0 (got ${r.loss})`);
  });
}

/**
 * Fit the scaling law to `rows` (form 'ND' when every row has D, else 'X'), with bootstrap
 * intervals over runs and identifiability warnings.
 */
export function fitScalingLaw(rows: readonly ScalingRow[], opts: ScalingFitOptions = {}): ScalingFit {
  const form: ScalingForm = rows.length > 0 && rows.every((r) => r.D !== undefined) ? 'ND' : 'X';
  validate(rows, form);
  const level = opts.level ?? 0.9;
  if (!(level > 0 && level < 1)) throw new RangeError(`level: must be in (0, 1) (got ${level})`);
  const B = opts.bootstrap ?? 200;
  if (!(Number.isInteger(B) && B >= 0 && B <= 100000)) throw new RangeError(`bootstrap: must be an integer in [0, 100000] (got ${B})`);
  if (opts.delta !== undefined && opts.delta !== 'auto' && !(opts.delta > 0 && Number.isFinite(opts.delta))) throw new RangeError(`delta: must be a number > 0 or "auto" (got ${opts.delta})`);
  const n = rows.length;
  const d = indexDesign(rows.map((r) => libm.log(r.N)), form === 'ND' ? rows.map((r) => libm.log(r.D!)) : null, rows.map((r) => libm.log(r.loss)));
  const all = new Float64Array(n).fill(1);
  const resid = (theta: ArrayLike<number>) => rows.map((_, i) => d.y[i] - logPrediction(d, theta, i));
  let delta: number;
  if (opts.delta === undefined || opts.delta === 'auto') {
    // Pilot: least squares (δ larger than any residual), then δ from the residuals' robust scale.
    const pilot = multiStart(d, all, 1e3, opts);
    const s = robustScale(resid(pilot.theta));
    delta = Math.max(1.345 * s, 1e-6);
  } else delta = opts.delta;
  const best = multiStart(d, all, delta, opts);
  const params = toParams(best.theta, d);
  const residuals = resid(best.theta);
  const dec = { N: decades(rows.map((r) => r.N)), ...(form === 'ND' ? { D: decades(rows.map((r) => r.D!)) } : {}) };
  const fit: ScalingFit = {
    form, params, delta, residualScale: robustScale(residuals), residuals, objective: best.value,
    converged: best.converged, rows: n, decades: dec, level, replicates: [], warnings: [],
  };
  const label = form === 'ND' ? 'N' : 'X';
  if (dec.N < 1.5) fit.warnings.push(`${label} spans ${dec.N.toFixed(2)} decades (< 1.5): the exponent α and the floor E are not identifiable from so short a range`);
  if (dec.D !== undefined && dec.D < 1.5) fit.warnings.push(`D spans ${dec.D.toFixed(2)} decades (< 1.5): β and E are not identifiable from so short a range`);
  if (!best.converged) fit.warnings.push('the optimizer did not converge on the full data (iteration cap reached)');
  if (B > 0) {
    const rng = new Rng(opts.seed ?? 0).split('scaling-bootstrap');
    const thetas: Float64Array[] = [];
    for (let b = 0; b < B; b++) {
      if (opts.signal?.aborted) break;
      const w = new Float64Array(n);
      for (let i = 0; i < n; i++) w[rng.int(n)]++;
      try { thetas.push(multiStart(d, w, delta, opts).theta); } catch { /* a replicate with no finite start is dropped */ }
    }
    fit.replicates = thetas.map((t) => toParams(t, d));
    const col = (f: (p: ScalingParams) => number) => fit.replicates.map(f);
    fit.intervals = {
      E: percentile(col((p) => p.E), level),
      A: percentile(col((p) => p.A), level),
      alpha: percentile(col((p) => p.alpha), level),
      B: form === 'ND' ? percentile(col((p) => p.B!), level) : undefined,
      beta: form === 'ND' ? percentile(col((p) => p.beta!), level) : undefined,
    };
    const al = thetas.map((t) => t[2]), le = thetas.map((t) => t[0]);
    fit.correlations = {
      alphaLogE: correlation(al, le),
      alphaLogAc: correlation(al, thetas.map((t) => t[1])),
      ...(form === 'ND' ? {
        betaLogE: correlation(thetas.map((t) => t[4]), le),
        betaLogBc: correlation(thetas.map((t) => t[4]), thetas.map((t) => t[3])),
      } : {}),
    };
    const E = fit.intervals.E!;
    if (!(E.hi / E.lo <= 2)) fit.warnings.push(`E is not constrained: its ${Math.round(level * 100)} % interval [${fmtNum(E.lo)}, ${fmtNum(E.hi)}] spans more than a factor 2 (no clear curvature in log-log)`);
    const c = fit.correlations;
    const ridge = (name: string, r: number | undefined) => {
      if (r !== undefined && Math.abs(r) > 0.95) fit.warnings.push(`${name} trade off along a ridge: bootstrap correlation ${r.toFixed(3)} (|r| > 0.95)`);
    };
    ridge('α and E', c.alphaLogE);
    ridge('β and E', c.betaLogE);
  }
  return fit;
}

function fmtNum(x: number): string {
  return Math.abs(x) >= 1e4 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential(3) : Number(x.toPrecision(4)).toString();
}

// ---------- predictions and compute-optimal allocation ----------

/** L(N, D) (or L(X) with D omitted) from parameters. */
export function scalingLoss(p: ScalingParams, N: number, D?: number): number {
  let L = p.E + p.A * libm.pow(N, -p.alpha);
  if (p.B !== undefined && p.beta !== undefined) {
    if (D === undefined) throw new RangeError('D: required for the form L(N, D)');
    L += p.B * libm.pow(D, -p.beta);
  }
  return L;
}

/**
 * Percentile interval of L̂(N, D) over the bootstrap replicates (the fit's uncertainty), and a
 * prediction interval for one new run: log L̂_b + r*_b with r*_b a residual of the full fit
 * drawn at random (inflated by √(n/(n−p)) for the fitted parameters), so a new run's own noise
 * is included.
 */
export function predictWithIntervals(fit: ScalingFit, N: number, D?: number, seed = 0): { loss: number; confidence: Interval; prediction: Interval } {
  const loss = scalingLoss(fit.params, N, D);
  if (fit.replicates.length === 0) return { loss, confidence: { lo: NaN, hi: NaN }, prediction: { lo: NaN, hi: NaN } };
  const rng = new Rng(seed).split('scaling-prediction');
  const p = fit.form === 'ND' ? 5 : 3;
  const inflate = Math.sqrt(fit.rows / Math.max(fit.rows - p, 1));
  const mean = fit.replicates.map((q) => scalingLoss(q, N, D));
  const pred = mean.map((m) => libm.exp(libm.log(m) + inflate * fit.residuals[rng.int(fit.rows)]));
  return { loss, confidence: percentile(mean, fit.level), prediction: percentile(pred, fit.level) };
}

export interface ComputeOptimum { N: number; D: number; loss: number }

/** The compute-optimal (N*, D*) under C = k·N·D for L(N, D) = E + A N^{−α} + B D^{−β} (closed form above). */
export function computeOptimal(p: ScalingParams, C: number, flopsPerToken = 6): ComputeOptimum {
  if (p.B === undefined || p.beta === undefined) throw new RangeError('computeOptimal: needs the two-resource form L(N, D)');
  if (!(C > 0 && Number.isFinite(C))) throw new RangeError(`compute: must be a finite number > 0 (got ${C})`);
  if (!(flopsPerToken > 0)) throw new RangeError(`flopsPerToken: must be > 0 (got ${flopsPerToken})`);
  const { A, B, alpha, beta } = p;
  if (!(alpha > 0 && beta > 0)) return { N: NaN, D: NaN, loss: NaN };
  const G = libm.pow((alpha * A) / (beta * B), 1 / (alpha + beta));
  const c = C / flopsPerToken;
  const N = G * libm.pow(c, beta / (alpha + beta));
  const D = libm.pow(c, alpha / (alpha + beta)) / G;
  return { N, D, loss: scalingLoss(p, N, D) };
}

/** N*(C), D*(C) with percentile intervals over the bootstrap replicates. */
export function computeOptimalWithIntervals(fit: ScalingFit, C: number, flopsPerToken = 6): ComputeOptimum & { intervals: { N: Interval; D: Interval; loss: Interval } | null } {
  const best = computeOptimal(fit.params, C, flopsPerToken);
  if (fit.replicates.length === 0) return { ...best, intervals: null };
  const reps = fit.replicates.map((q) => computeOptimal(q, C, flopsPerToken));
  return {
    ...best,
    intervals: {
      N: percentile(reps.map((r) => r.N), fit.level),
      D: percentile(reps.map((r) => r.D), fit.level),
      loss: percentile(reps.map((r) => r.loss), fit.level),
    },
  };
}
