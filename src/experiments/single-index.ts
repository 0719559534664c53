/**
 * Experiment `single-index`: online SGD on a single-index Hermite target escapes the equator in
 * n ≍ d (k = 1), d log d (k = 2), d^{k−1} (k ≥ 3) samples — Ben Arous, Gheissari & Jagannath 2021,
 * "Online stochastic gradient descent on non-convex losses from high-dimensional inference",
 * JMLR 22(106) (BAGJ).
 *
 * Setting (BAGJ's supervised single-layer network with a correlation loss): x ~ N(0, I_d) fresh
 * every step, target y = h_k(w*·x) with h_k = He_k/√(k!) (information exponent exactly k), a
 * student direction w ∈ S^{d−1} with prediction h_k(w·x) and loss L = −y h_k(w·x). Population
 * loss −Φ(m) with Φ(m) = E[y h_k(w·x)] = m^k (Mehler, src/theory/hermite.ts), m = w·w*. Spherical
 * online SGD, one sample per step:
 *   w ← (w − η ∇_S L)/‖·‖,  ∇_S L = −y h_k′(z)(x − z w),  z = w·x.                          (1)
 * Init (`init`): 'typical' (default) — a uniformly random direction with overlap exactly |m₀| = 1/√d,
 * the typical overlap of a random start (sign random for k = 1, positive for k ≥ 2); 'uniform' —
 * w₀ uniform on the sphere, m₀ ~ N(0, 1/d). For odd k ≥ 3 the sign is flipped to m₀ > 0 (BAGJ
 * start from m₀ ≥ γ/√d: from m₀ < 0 the drift ∝ m^{k−1} ≥ 0 stalls at m = 0 and only the noise
 * carries it across); for even k we follow |m| (the law is symmetric). Why 'typical' by default:
 * for k ≥ 3, T ∝ 1/m₀^{k−2} and m₀√d = |N(0, 1)| puts a heavy tail on T (E[1/|g|] = ∞), which
 * the d-scaling does not care about but a handful of seeds does.
 *
 * Step size (BAGJ Thm 1.3, as we read it: step δ/N with k = 1: δ = o(1), αδ → ∞; k = 2: δ = o(1),
 * αδ ≫ log N; k ≥ 3: δ = o(N^{−(k−2)/2}), αδ ≫ N^{(k−2)/2}, where M = αN is the number of samples
 * — we re-derive it here rather than rely on the reading). Per step, with c = y h_k′(z):
 *   drift    E[Δm] = η k m^{k−1}(1 − m²) − (η²/2) m D(m),                                     (2)
 *            D(m) = E[c²(‖x‖² − z²)] = (d − 2) E[c²] + E[c² ζ²],   ζ = (z* − m z)/√(1 − m²),
 *   noise    Var[Δm] ≈ η² E[c² ζ²](1 − m²)  (= η² k at m = 0),
 * where the η² term is the contraction from renormalizing onto the sphere (E[c²] = k at m = 0).
 * Writing η = δ d^{−k/2} (k ≥ 3) or η = δ/d (k ≤ 2), u = m√d and s = t/d^{k−1} make (2) and the
 * noise d-independent at small m: du/ds = δ k u^{k−1} − (δ²k/2) u (k ≥ 3) with noise variance
 * δ²k per unit s. So the time from the equator (u₀ = O(1)) to an O(1) overlap is
 *   T ≈ d^{k−1}/(δ k (k−2) u₀^{k−2})  (k ≥ 3),   T ≈ d ln d/(2δ(2 − δ))  (k = 2),
 *   T ≈ (d/δ) ∫₀^{m_th} dm/((1 − m²) − δm/2)  (k = 1),
 * for any fixed δ small enough that the drift beats the contraction (ρ below). This is BAGJ's
 * scaling (their δ/N = η; δ_N ∝ N^{−(k−2)/2}), with the log for k = 2 from ∫ dm/m.
 *
 * Measurement: escape time T = first step with m ≥ m_th (|m| for even k), per (d, seed) cell;
 * per d the median T̄ over seeds (robust to the escape-time tail that SGD noise adds: a run
 * pushed back towards m = 0 waits there; a run not escaped within its budget counts as longest);
 * the exponent p̂ = OLS slope of ln T̄ vs ln d, with a bootstrap over seeds (within each d) for its
 * standard error. Since u = m√d and s = t/d^{k−1} make the whole process d-independent, every
 * quantile of T scales with the same exponent.
 * Predictions:
 *   (a) p_ODE: the same fit applied to the noiseless ODE (2) integrated from each cell's own m₀ to
 *       m_th — the finite-d version of BAGJ's exponent (the (1 − m²) factor and the fixed threshold
 *       shift the local slope at d ~ 10²: for k = 3, T ∝ √d/g − O(1) with g = m₀√d, so over
 *       d = 16…256 p_ODE ≈ 2.1, → 2 as d → ∞). Tolerance: |p̂ − p_ODE| ≤ exponentTolerance + 2 SE
 *       (the 95 % CI widened by a model-error budget of 0.1 for SGD noise the ODE leaves out).
 *   (b) k = 2 only, the log: T/d = A + b ln d with b = 1/(2δ(2 − δ)) (from ln(m_th/m₀) = ½ ln d + O(1);
 *       the O(1) and the SGD noise, which is d-independent in u, only move A). Relative tolerance
 *       `logTolerance` + 2 SE/b.
 * Regime (computed before the verdict): ρ = max over d and m ∈ [d^{−½}, m_th] of contraction/drift
 * in (2) ≤ ¾ (else the renormalization pins m at 0 and no escape happens; ρ ∝ η d^{k/2});
 * ν² = max over d of η d^{k/2} ≤ ¼ — the squared SGD displacement of m over one doubling time of
 * the start, in units of m₀² = 1/d (from Var Δm = η²k and doubling time m₀^{2−k}/(ηk)): above it
 * the noise, not the drift, sets the escape; ≥ 75 % of runs escaped within the step budget; the
 * asymptotic law's own local slope over the dims differs from p_ODE by ≤ 0.25 (d large enough that
 * the asymptotic law is what is tested); max d/min d ≥ 4.
 *
 * Simulation (`simulator`): 'reduced' (default) runs the exact one-dimensional Markov chain of m
 * that (1) induces (see simulateSingleIndexReduced: three scalar draws per step), 'vector' the full
 * d-dimensional loop; the test checks that the two give the same escape-time law.
 *
 * Why hand-written loops and not an `nn` model: the student is one unit-norm vector, a step is two
 * dot products and one axpy over Float64Arrays (O(d), no tensors, no autodiff), and the k = 3 cells
 * at d = 256 need ~10⁵ steps each. ‖w‖ is renormalized exactly every step from the closed form
 * ‖w − η∇_S L‖² = 1 + η²c²(‖x‖² − z²) (∇_S L ⊥ w), and recomputed from the vector every 256 steps.
 */
import { z } from 'zod';
import { Rng } from '../engine/rng.js';
import * as libm from '../engine/libm.js';
import { linearFit } from '../observables/fit.js';
import { gaussHermite, hermiteNormalized, hermiteNormalizedDerivative, informationExponentScaling } from '../theory/hermite.js';
import type { Check, Experiment, PlotSpec, RegimeCondition, RunContext } from './types.js';
import { numericCheck, regimeCondition } from './verdict.js';

export const singleIndexSchema = z.object({
  k: z.number().int().min(1).max(5).default(3).describe('information exponent k: target y = He_k(w*·x)/√k!, student He_k(w·x)/√k!'),
  dims: z.array(z.number().int().min(4).max(4096)).min(2).max(10).default([16, 32, 64, 128, 256]).describe('input dimensions d'),
  seeds: z.number().int().min(2).max(64).default(8).describe('independent runs (teacher, init, samples) per d'),
  lr: z.number().gt(0).max(100).default(0.1).describe('step δ: η = δ/d for k ≤ 2, η = δ·d^{−k/2} for k ≥ 3'),
  simulator: z.enum(['reduced', 'vector']).default('reduced').describe('reduced: the exact one-dimensional Markov chain of m (O(1) per step); vector: the full d-dimensional SGD loop (O(d) per step)'),
  init: z.enum(['typical', 'uniform']).default('typical').describe('typical: w₀ a uniformly random direction with overlap exactly m₀ = 1/√d (the typical |m₀| of a random start); uniform: w₀ uniform on the sphere'),
  threshold: z.number().min(0.05).max(0.95).default(0.5).describe('weak-recovery overlap m_th: T = first step with m ≥ m_th'),
  budget: z.number().min(1).max(1000).default(10).describe('step budget per cell, in units of the noiseless escape time from m₀ = 1/√d'),
  exponentTolerance: z.number().min(0).max(2).default(0.1).describe('model-error budget added to 2 SE for |p̂ − p_ODE|'),
  logTolerance: z.number().min(0).max(2).default(0.25).describe('k = 2: relative error budget of the log coefficient b (added to 2 SE/b)'),
  recordPoints: z.number().int().min(10).max(1000).default(60).describe('recorded points of each overlap trajectory'),
  seed: z.number().int().min(0).max(2 ** 31).default(0).describe('random seed'),
});

export type SingleIndexConfig = z.infer<typeof singleIndexSchema>;

/** η for dimension d: δ/d (k ≤ 2), δ d^{−k/2} (k ≥ 3). */
export function learningRate(k: number, d: number, lr: number): number {
  return k <= 2 ? lr / d : lr * libm.pow(d, -k / 2);
}

// ---------- the noiseless ODE (2) ----------

/** E[c²] and E[c² ζ²] at overlap m, c = h_k(z*) h_k′(z), by a two-dimensional Gauss–Hermite rule (exact: polynomials). */
export function noiseMoments(k: number, m: number): { c2: number; c2zeta2: number } {
  const { nodes, weights } = gaussHermite(2 * k + 2);
  const s = Math.sqrt(Math.max(0, 1 - m * m));
  let c2 = 0, c2z2 = 0;
  for (let i = 0; i < nodes.length; i++) {
    const zs = nodes[i], y = hermiteNormalized(k, zs);
    for (let j = 0; j < nodes.length; j++) {
      const xi = nodes[j], zz = m * zs + s * xi, zeta = s * zs - m * xi;
      const c = y * hermiteNormalizedDerivative(k, zz), w = weights[i] * weights[j] * c * c;
      c2 += w; c2z2 += w * zeta * zeta;
    }
  }
  return { c2, c2zeta2: c2z2 };
}

/** Mean change of m per step, eq. (2) (m > 0 side; k = 1 any sign). */
export function overlapDrift(k: number, d: number, eta: number, m: number): number {
  const { c2, c2zeta2 } = noiseMoments(k, m);
  const D = (d - 2) * c2 + c2zeta2;
  return eta * k * libm.pow(Math.abs(m), k - 1) * (k === 1 ? 1 : Math.sign(m)) * (1 - m * m) - 0.5 * eta * eta * m * D;
}

/** Contraction / drift ratio max over m ∈ [d^{−½}, m_th]: ≥ 1 means the noiseless flow never escapes. */
export function contractionRatio(k: number, d: number, eta: number, threshold: number): number {
  let worst = 0;
  const lo = Math.min(1 / Math.sqrt(d), threshold);
  for (let i = 0; i <= 40; i++) {
    const m = lo * libm.pow(threshold / lo, i / 40);
    const { c2, c2zeta2 } = noiseMoments(k, m);
    const contraction = 0.5 * eta * eta * m * ((d - 2) * c2 + c2zeta2);
    const drift = eta * k * libm.pow(m, k - 1) * (1 - m * m);
    worst = Math.max(worst, contraction / drift);
  }
  return worst;
}

/**
 * Steps for the noiseless ODE (2) to go from m₀ to m_th (Infinity if the drift vanishes on the way),
 * by composite Simpson on dt = dm/drift (k = 1) or dt = m du/drift, m = e^u (k ≥ 2). `noContraction`
 * drops the η² term (the small-step limit used to set budgets).
 */
export function odeEscapeTime(k: number, d: number, eta: number, m0: number, threshold: number, opts: { noContraction?: boolean; intervals?: number } = {}): number {
  const n = opts.intervals ?? 400;
  const drift = (m: number) => opts.noContraction ? eta * k * libm.pow(Math.abs(m), k - 1) * (1 - m * m) : overlapDrift(k, d, eta, m);
  if (k >= 2 && !(m0 > 0)) return Infinity;
  if (m0 >= threshold) return 0;
  const a = k === 1 ? m0 : libm.log(m0), b = k === 1 ? threshold : libm.log(threshold), h = (b - a) / n;
  let s = 0;
  for (let i = 0; i <= n; i++) {
    const u = a + i * h, m = k === 1 ? u : libm.exp(u);
    const f = drift(m);
    if (!(f > 0)) return Infinity;
    const g = (k === 1 ? 1 : m) / f;
    s += (i === 0 || i === n ? 1 : i % 2 ? 4 : 2) * g;
  }
  return (s * h) / 3;
}

// ---------- the simulation (1) ----------

export interface SingleIndexRun {
  m0: number;
  /** first step with m ≥ m_th (|m| for even k), NaN if not within maxSteps */
  escape: number;
  steps: number;
  /** recorded (t, m) */
  t: number[];
  m: number[];
  interrupted: boolean;
}

/** Online spherical SGD (1) at dimension d; streams teacher, init, samples split from `rng`. */
export function simulateSingleIndex(k: number, d: number, eta: number, threshold: number, maxSteps: number, rng: Rng, opts: { init?: 'typical' | 'uniform'; recordEvery?: number; signal?: AbortSignal; progress?: (f: number) => void } = {}): SingleIndexRun {
  const unit = (r: Rng) => {
    const v = r.normals(d);
    let s = 0;
    for (let i = 0; i < d; i++) s += v[i] * v[i];
    const inv = 1 / Math.sqrt(s);
    for (let i = 0; i < d; i++) v[i] *= inv;
    return v;
  };
  const wStar = unit(rng.split('teacher')), w = unit(rng.split('init'));
  let m = 0;
  for (let i = 0; i < d; i++) m += w[i] * wStar[i];
  if (opts.init === 'typical') {
    // Keep w₀'s random direction orthogonal to w*, set the overlap to exactly 1/√d.
    let s = 0;
    for (let i = 0; i < d; i++) { w[i] -= m * wStar[i]; s += w[i] * w[i]; }
    const m0 = (k === 1 && m < 0 ? -1 : 1) / Math.sqrt(d), r = Math.sqrt(1 - m0 * m0) / Math.sqrt(s);
    for (let i = 0; i < d; i++) w[i] = m0 * wStar[i] + r * w[i];
    m = m0;
  }
  if (k >= 3 && k % 2 === 1 && m < 0) { for (let i = 0; i < d; i++) w[i] = -w[i]; m = -m; }
  const m0 = m;
  const samples = rng.split('samples');
  const x = new Float64Array(d);
  const even = k % 2 === 0;
  const every = Math.max(1, Math.floor(opts.recordEvery ?? maxSteps));
  const out: SingleIndexRun = { m0, escape: NaN, steps: 0, t: [0], m: [m0], interrupted: false };
  const crossed = (v: number) => (even ? Math.abs(v) : v) >= threshold;
  if (crossed(m)) { out.escape = 0; return out; }
  for (let t = 1; t <= maxSteps; t++) {
    let zw = 0, zs = 0, xx = 0;
    for (let i = 0; i < d; i++) {
      const xi = samples.normal();
      x[i] = xi; zw += w[i] * xi; zs += wStar[i] * xi; xx += xi * xi;
    }
    const c = hermiteNormalized(k, zs) * hermiteNormalizedDerivative(k, zw);
    const a = eta * c;                                   // w + a (x − z w), then renormalize
    const inv = 1 / Math.sqrt(1 + a * a * Math.max(0, xx - zw * zw));
    const keep = (1 - a * zw) * inv, ax = a * inv;
    for (let i = 0; i < d; i++) w[i] = keep * w[i] + ax * x[i];
    m = (m + a * (zs - zw * m)) * inv;
    if ((t & 255) === 0) {
      let s = 0, mm = 0;
      for (let i = 0; i < d; i++) { s += w[i] * w[i]; mm += w[i] * wStar[i]; }
      const r = 1 / Math.sqrt(s);
      for (let i = 0; i < d; i++) w[i] *= r;
      m = mm * r;
      if (opts.signal?.aborted) { out.interrupted = true; out.steps = t; return out; }
      if ((t & 65535) === 0) opts.progress?.(t / maxSteps);
    }
    if (!Number.isFinite(m)) { out.steps = t; return out; }
    if (t % every === 0) { out.t.push(t); out.m.push(m); }
    if (crossed(m)) { out.escape = t; out.steps = t; out.t.push(t); out.m.push(m); return out; }
  }
  out.steps = maxSteps;
  return out;
}

/** Gamma(a, 1) for a ≥ 1 (Marsaglia & Tsang 2000, "A simple method for generating gamma variables"). */
export function gammaDraw(a: number, rng: Rng): number {
  const dd = a - 1 / 3, cc = 1 / Math.sqrt(9 * dd);
  for (;;) {
    let x: number, v: number;
    do { x = rng.normal(); v = 1 + cc * x; } while (v <= 0);
    v = v * v * v;
    const u = rng.uniform();
    if (u < 1 - 0.0331 * x * x * x * x) return dd * v;
    if (u > 0 && libm.log(u) < 0.5 * x * x + dd * (1 - v + libm.log(v))) return dd * v;
  }
}

/**
 * The same online SGD (1) as an exact one-dimensional Markov chain of m. By rotational invariance
 * only three independent numbers of a fresh x matter: z = x·w, ζ = x·e with e = (w* − m w)/√(1 − m²),
 * and r² = ‖x‖² − z² − ζ² ~ χ²_{d−2}. Then z* = m z + √(1 − m²) ζ, c = h_k(z*) h_k′(z), a = η c and
 *   m ← (m + a √(1 − m²) ζ) / √(1 + a²(ζ² + r²)),
 * which is (1) projected on w* (x − z w = ζ e + x_rest ⊥ w). Same law of (m_t) as the vector loop
 * (checked in test/single-index.test.ts), at O(1) cost per step instead of O(d).
 */
export function simulateSingleIndexReduced(k: number, d: number, eta: number, threshold: number, maxSteps: number, rng: Rng, opts: { init?: 'typical' | 'uniform'; recordEvery?: number; signal?: AbortSignal; progress?: (f: number) => void } = {}): SingleIndexRun {
  let m: number;
  if (opts.init === 'uniform') {
    // m₀ of a uniform point on S^{d−1}: g/√(g² + χ²_{d−1}).
    const ir = rng.split('init'), g = ir.normal();
    m = g / Math.sqrt(g * g + 2 * gammaDraw((d - 1) / 2, ir));
    if (k >= 3 && k % 2 === 1 && m < 0) m = -m;
  } else m = (k === 1 && rng.split('init').uniform() < 0.5 ? -1 : 1) / Math.sqrt(d);
  const m0 = m, samples = rng.split('samples'), even = k % 2 === 0, half = (d - 2) / 2;
  const every = Math.max(1, Math.floor(opts.recordEvery ?? maxSteps));
  const out: SingleIndexRun = { m0, escape: NaN, steps: 0, t: [0], m: [m0], interrupted: false };
  const crossed = (v: number) => (even ? Math.abs(v) : v) >= threshold;
  if (crossed(m)) { out.escape = 0; return out; }
  for (let t = 1; t <= maxSteps; t++) {
    const zw = samples.normal(), zeta = samples.normal(), r2 = 2 * gammaDraw(half, samples);
    const s = Math.sqrt(Math.max(0, 1 - m * m));
    const a = eta * hermiteNormalized(k, m * zw + s * zeta) * hermiteNormalizedDerivative(k, zw);
    m = (m + a * s * zeta) / Math.sqrt(1 + a * a * (zeta * zeta + r2));
    if ((t & 4095) === 0) {
      if (opts.signal?.aborted) { out.interrupted = true; out.steps = t; return out; }
      if ((t & 262143) === 0) opts.progress?.(t / maxSteps);
    }
    if (t % every === 0) { out.t.push(t); out.m.push(m); }
    if (crossed(m)) { out.escape = t; out.steps = t; out.t.push(t); out.m.push(m); return out; }
  }
  out.steps = maxSteps;
  return out;
}

// ---------- prediction ----------

export interface SingleIndexPrediction {
  /** BAGJ: T ∝ d^exponent (ln d)^logPower */
  exponent: number;
  logPower: number;
  /** local slope of ln(d^p ln^q d) over the configured dims */
  lawSlope: number;
  /** noiseless escape time from the typical start m₀ = 1/√d, per dim */
  typicalEscape: number[];
  /** contraction/drift ratio ρ, max over the dims */
  contraction: number;
  /** k = 2: predicted coefficient b of T/d = A + b ln d, 1/(2δ(2 − δ)) */
  logCoefficient: number;
  /** max over d of η d^{k/2}: squared SGD displacement over one doubling time of m, in units of m₀² = 1/d */
  startNoise: number;
}

function sortedDims(c: SingleIndexConfig): number[] {
  return [...new Set(c.dims)].sort((a, b) => a - b);
}

function lawTime(p: { exponent: number; logPower: number }, d: number): number {
  return libm.pow(d, p.exponent) * libm.pow(libm.log(d), p.logPower);
}

function predict(c: SingleIndexConfig): SingleIndexPrediction {
  const dims = sortedDims(c);
  const law = informationExponentScaling(c.k);
  const lx = dims.map(libm.log);
  const lawSlope = linearFit(lx, dims.map((d) => libm.log(lawTime(law, d)))).slope;
  const typicalEscape = dims.map((d) => odeEscapeTime(c.k, d, learningRate(c.k, d, c.lr), 1 / Math.sqrt(d), c.threshold));
  return {
    ...law, lawSlope, typicalEscape,
    contraction: Math.max(...dims.map((d) => contractionRatio(c.k, d, learningRate(c.k, d, c.lr), c.threshold))),
    logCoefficient: c.k === 2 ? 1 / (2 * c.lr * (2 - c.lr)) : NaN,
    startNoise: Math.max(...dims.map((d) => learningRate(c.k, d, c.lr) * libm.pow(d, c.k / 2))),
  };
}

// ---------- cells ----------

interface CellKey { d: number; seed: number }

export interface SingleIndexCell {
  d: number;
  seed: number;
  m0: number;
  /** measured escape step (NaN: not within budget) */
  escape: number;
  /** noiseless ODE escape time from this cell's m₀ */
  odeEscape: number;
  budget: number;
  interrupted: boolean;
}

function cells(c: SingleIndexConfig): CellKey[] {
  return sortedDims(c).flatMap((d) => Array.from({ length: c.seeds }, (_, seed) => ({ d, seed })));
}

function timeScale(k: number, d: number): number {
  return lawTime(informationExponentScaling(k), d);
}

function cell(c: SingleIndexConfig, { d, seed }: CellKey, ctx: RunContext): SingleIndexCell {
  const eta = learningRate(c.k, d, c.lr);
  const ref = odeEscapeTime(c.k, d, eta, 1 / Math.sqrt(d), c.threshold, { noContraction: true });
  const budget = Math.ceil(c.budget * ref);
  const rng = new Rng(c.seed).split(`d${d}`).split(`seed${seed}`);
  const run = (c.simulator === 'vector' ? simulateSingleIndex : simulateSingleIndexReduced)(c.k, d, eta, c.threshold, budget, rng, { init: c.init, recordEvery: Math.max(1, Math.floor(ref / c.recordPoints)), signal: ctx.signal, progress: (f) => ctx.progress(f) });
  const scale = timeScale(c.k, d);
  for (let j = 0; j < run.t.length; j++) {
    ctx.record('trajectory', { t: run.t[j], tScaled: run.t[j] / scale, m: c.k % 2 === 0 ? Math.abs(run.m[j]) : run.m[j], d, seed, run: `d = ${d}, seed ${seed}` });
  }
  const m0 = c.k % 2 === 0 ? Math.abs(run.m0) : run.m0;
  const odeEscape = odeEscapeTime(c.k, d, eta, m0, c.threshold);
  ctx.record('escapeCells', { d, seed, T: run.escape, m0, odeEscape });
  return { d, seed, m0, escape: run.escape, odeEscape, budget, interrupted: run.interrupted };
}

// ---------- aggregate ----------

export interface SingleIndexResult {
  dims: number[];
  cells: SingleIndexCell[];
  /** median over seeds of the measured escape step, per d (a run not escaped within its budget counts as longest) */
  medianEscape: number[];
  /** geometric mean over seeds of the ODE escape time from each cell's own m₀, per d */
  meanOdeEscape: number[];
  escapedFraction: number;
  exponent: number;
  exponentSe: number;
  odeExponent: number;
  /** k = 2: coefficient b of mean(T/d) = A + b ln d, and its SE */
  logCoefficient: number;
  logCoefficientSe: number;
  interrupted: boolean;
}

const geoMean = (v: readonly number[]) => libm.exp(v.reduce((a, x) => a + libm.log(x), 0) / v.length);
/** Median; a censored run (T = +∞: not escaped within its budget) counts as longer than every escape. */
export function median(v: readonly number[]): number {
  const s = [...v].sort((a, b) => a - b), n = s.length;
  if (!n) return NaN;
  const m = n % 2 ? s[(n - 1) / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
  return Number.isFinite(m) ? m : NaN;
}
const mean = (v: readonly number[]) => v.reduce((a, x) => a + x, 0) / v.length;
const sd = (v: readonly number[]) => { const m = mean(v); return Math.sqrt(v.reduce((a, x) => a + (x - m) ** 2, 0) / Math.max(v.length - 1, 1)); };

/** OLS slope of ln(median T) on ln d, and of median(T)/d on ln d, from per-d samples. */
function fits(dims: number[], perD: number[][]): { exponent: number; logCoefficient: number } {
  const lx = dims.map(libm.log), med = perD.map(median);
  return {
    exponent: linearFit(lx, med.map(libm.log)).slope,
    logCoefficient: linearFit(lx, med.map((t, i) => t / dims[i])).slope,
  };
}

function aggregate(c: SingleIndexConfig, results: (SingleIndexCell | null)[], ctx: RunContext, p: SingleIndexPrediction): SingleIndexResult {
  const done = results.filter((r): r is SingleIndexCell => r !== null);
  const interrupted = done.length < results.length || done.some((r) => r.interrupted);
  const all = sortedDims(c);
  const escaped = done.filter((r) => Number.isFinite(r.escape));
  const time = (r: SingleIndexCell) => (Number.isFinite(r.escape) ? Math.max(r.escape, 1) : Infinity);
  const dims = all.filter((d) => Number.isFinite(median(done.filter((r) => r.d === d).map(time))));
  const perD = dims.map((d) => done.filter((r) => r.d === d).map(time));
  const perDOde = dims.map((d) => done.filter((r) => r.d === d).map((r) => r.odeEscape));
  const medianEscape = perD.map(median), meanOdeEscape = perDOde.map((v) => (v.every(Number.isFinite) ? geoMean(v) : NaN));
  let exponent = NaN, exponentSe = NaN, odeExponent = NaN, logCoefficient = NaN, logCoefficientSe = NaN;
  if (dims.length >= 2 && dims.length === all.length) {
    ({ exponent, logCoefficient } = fits(dims, perD));
    if (meanOdeEscape.every(Number.isFinite)) odeExponent = linearFit(dims.map(libm.log), meanOdeEscape.map(libm.log)).slope;
    // Bootstrap over seeds within each d.
    const boot = new Rng(c.seed).split('bootstrap');
    const ex: number[] = [], lc: number[] = [];
    for (let b = 0; b < 400; b++) {
      const resampled = perD.map((v) => v.map(() => v[boot.int(v.length)]));
      const f = fits(dims, resampled);
      if (Number.isFinite(f.exponent)) { ex.push(f.exponent); lc.push(f.logCoefficient); }
    }
    exponentSe = sd(ex); logCoefficientSe = sd(lc);
  }
  dims.forEach((d, i) => {
    ctx.record('escape', { d, T: medianEscape[i], kind: 'measured' });
    if (Number.isFinite(meanOdeEscape[i])) ctx.record('escape', { d, T: meanOdeEscape[i], kind: 'noiseless ODE' });
    ctx.record('escapeScaled', { d, ratio: medianEscape[i] / timeScale(c.k, d), kind: 'measured' });
  });
  if (dims.length >= 2) {
    // The asymptotic law C d^p ln^q d through the geometric centre of the measured points.
    const logC = mean(dims.map((d, i) => libm.log(medianEscape[i] / timeScale(c.k, d))));
    for (const d of dims) ctx.record('escape', { d, T: libm.exp(logC) * timeScale(c.k, d), kind: 'theory' });
    for (const d of dims) ctx.record('escapeScaled', { d, ratio: libm.exp(logC), kind: 'theory' });
  }
  return {
    dims, cells: done, medianEscape, meanOdeEscape, escapedFraction: done.length ? escaped.length / done.length : 0,
    exponent, exponentSe, odeExponent, logCoefficient, logCoefficientSe, interrupted,
  };
}

// ---------- verdict ----------

function compare(c: SingleIndexConfig, r: SingleIndexResult, p: SingleIndexPrediction) {
  const all = sortedDims(c);
  const regime: RegimeCondition[] = [
    regimeCondition('contraction/drift ratio ρ, max over d (η d^{k/2} small: renormalization must not pin m at 0)', p.contraction, 'max', 0.75),
    regimeCondition('noise/drift at the start, max over d of η d^{k/2} (= the SGD step in units of the start overlap)', p.startNoise, 'max', 0.25),
    regimeCondition('fraction of runs that escaped within the step budget (the median needs most)', r.escapedFraction, 'min', 0.75),
    regimeCondition('dimension range max d / min d', all[all.length - 1] / all[0], 'min', 4),
    regimeCondition('finite-d bias |p_ODE − local slope of the asymptotic law| (d large enough)', Math.abs(r.odeExponent - p.lawSlope), 'max', 0.25),
  ];
  const law = p.logPower ? `d^${p.exponent} ln d` : `d^${p.exponent}`;
  const checks: Check[] = [numericCheck({
    name: `escape time from the equator ∝ ${law} (Ben Arous et al. 2021, k = ${c.k})`,
    quantity: `slope of ln T̄ vs ln d, T̄ = median over seeds of the first step with ${c.k % 2 === 0 ? '|m|' : 'm'} ≥ ${c.threshold}; predicted: the noiseless drift ODE over the same d (asymptotic local slope ${p.lawSlope.toFixed(3)})`,
    predicted: r.odeExponent, measured: r.exponent, uncertainty: r.exponentSe,
    tolerance: { kind: 'abs', value: c.exponentTolerance + 2 * (Number.isFinite(r.exponentSe) ? r.exponentSe : 0) }, regime,
    note: `T̄ = ${r.medianEscape.map((t) => t.toPrecision(3)).join(', ')} at d = ${r.dims.join(', ')}; measured/ODE = ${r.medianEscape.map((t, i) => (t / r.meanOdeEscape[i]).toFixed(2)).join(', ')}`,
  })];
  if (c.k === 2) {
    checks.push(numericCheck({
      name: 'k = 2: the d log d law — coefficient of ln d in T/d',
      quantity: 'slope b of mean(T/d) vs ln d; predicted 1/(2δ(2 − δ)) from ln(m_th/m₀) = ½ ln d + O(1)',
      predicted: p.logCoefficient, measured: r.logCoefficient, uncertainty: r.logCoefficientSe,
      tolerance: { kind: 'abs', value: c.logTolerance * p.logCoefficient + 2 * (Number.isFinite(r.logCoefficientSe) ? r.logCoefficientSe : 0) }, regime,
    }));
  }
  return { checks, regime, status: r.interrupted ? 'interrupted' as const : 'ok' as const };
}

function plots(c: SingleIndexConfig): PlotSpec[] {
  const law = informationExponentScaling(c.k);
  const lawText = law.logPower ? `d ln d` : law.exponent === 1 ? 'd' : `d^${law.exponent}`;
  return [
    { title: `Escape time from the equator, He_${c.k} target`, caption: `Geometric mean over seeds of the first step with overlap ≥ ${c.threshold}; dotted: the noiseless drift ODE from each run's own start; dashed: ${lawText} (Ben Arous et al. 2021).`, kind: 'lines', series: 'escape', x: 'd', y: 'T', stroke: 'kind', dashed: 'kind', xType: 'log', yType: 'log', lineStyles: { theory: { dash: 'dashed', label: lawText }, 'noiseless ODE': { dash: 'dotted', label: 'ODE' }, measured: { dash: 'solid', label: 'SGD' } } },
    { title: `Escape time over the predicted law, T̄/${lawText}`, caption: 'Flat when the law holds (up to the finite-d corrections the noiseless ODE carries); dashed: the constant through the points.', kind: 'lines', series: 'escapeScaled', x: 'd', y: 'ratio', stroke: 'kind', dashed: 'kind', xType: 'log', yType: 'log', yLabel: `T̄ / ${lawText}` },
    { title: 'Escape times of every run', kind: 'scatter', series: 'escapeCells', x: 'd', y: 'T', stroke: 'seed', xType: 'log', yType: 'log' },
    { title: `Overlap m(t) against t/${lawText}`, caption: 'Each run until it crosses the threshold: the curves of different d collapse under the predicted time scale (up to the spread of the random start).', kind: 'lines', series: 'trajectory', x: 'tScaled', y: 'm', stroke: 'd', group: 'run', xLabel: `t / ${lawText}`, yLabel: c.k % 2 === 0 ? '|m|' : 'm', rules: [{ y: c.threshold, label: 'threshold' }] },
  ];
}

export const singleIndexExperiment: Experiment<SingleIndexConfig, SingleIndexResult, SingleIndexPrediction> = {
  name: 'single-index',
  title: 'Single-index models: online SGD escapes the equator in d^{k−1} samples',
  strand: '§C2 solvable nonlinear models — single-index models and the information exponent',
  description: 'Spherical online SGD on y = He_k(w*·x) (information exponent k) from a random start: the number of samples to reach overlap 1/2 grows as d (k = 1), d log d (k = 2), d^{k−1} (k ≥ 3) with the step size scaled as in Ben Arous, Gheissari & Jagannath 2021; fitted exponent with a bootstrap CI against the drift ODE.',
  schema: singleIndexSchema,
  quick: { k: 3, dims: [16, 32, 64, 128, 256], seeds: 8 },
  variants: [
    { label: 'k = 1 (T ∝ d)', config: { k: 1, dims: [16, 32, 64, 128, 256, 512, 1024], seeds: 8 }, expect: 'confirmed' },
    { label: 'k = 2 (T ∝ d ln d)', config: { k: 2, dims: [16, 32, 64, 128, 256, 512, 1024], seeds: 8 }, expect: 'confirmed' },
    { label: 'step too large (η d^{k/2} = 2: renormalization pins m at the equator)', config: { k: 3, dims: [16, 32, 64], seeds: 4, lr: 2, budget: 3 }, expect: 'out-of-regime' },
    { label: 'd too small for the asymptotic law (k = 3, d = 6…16)', config: { k: 3, dims: [6, 8, 12, 16], seeds: 8 }, expect: 'out-of-regime' },
  ],
  predict,
  grid: { cells, cell, aggregate, cost: (c: SingleIndexConfig, k: CellKey) => k.d * timeScale(c.k, k.d) },
  compare,
  plots,
  summary: (_c, r) => ({ exponent: r.exponent, exponentSe: r.exponentSe, odeExponent: r.odeExponent, logCoefficient: r.logCoefficient, escapedFraction: r.escapedFraction }),
};
