/**
 * Experiment `teacher-student`: online SGD of a soft committee machine (K erf units) learning a
 * teacher committee (M units) in dimension N, against the closed order-parameter ODEs of
 * Saad & Solla 1995 / Biehl & Schwarze 1995 (src/theory/committee-machine.ts).
 *
 * Setup: x ~ N(0, I_N) fresh every step; teacher rows B_n orthonormalized and scaled to √N
 * (T = I exactly); student w_i ~ N(0, initStd²) per component; the step (1) of the theory file,
 *   w_i ← (1 − κ/N) w_i + (η/√N) δ g′(λ_i) x,   time α = steps/N;
 * ε_g measured exactly from the student's order parameters Q = wwᵀ/N, R = wBᵀ/N (for Gaussian
 * inputs ε_g is a function of Q, R, T only), so the measurement carries no test-set noise.
 *
 * For every run (N, seed) the ODE is integrated from the run's *own* finite-N initial Q, R: an
 * exactly symmetric start would stay on the plateau for ever, and the asymmetry that ends the
 * plateau is itself O(N^{−½}) (science notes, corrections). Runs: `seeds` full-length runs at
 * the largest N; seed 0 full length at every N (the plateau's N-dependence); `fluctuationSeeds`
 * runs per N in all for check (d), the extra ones stopping at the end of its window.
 *
 * Checks (tolerances and their budgets):
 *  (a) trajectory, at the largest N, worst seed: max over the recorded α (where ε_g^ODE ≥ egFloor)
 *      of |ε_g^SGD − ε_g^ODE|/ε_g^ODE, the ODE taken at α before the middle of its plateau and at
 *      α − Δ after it, Δ = α_exit^SGD − α_exit^ODE (the escape delay, bounded by (c): it does not
 *      shrink with N, so an unshifted comparison of the steep escape would measure the delay, not
 *      the curve). Budget: the relative finite-N fluctuation of ε_g, largest in the initial
 *      descent (SD of ε_g^SGD − ε_g^ODE at α = 1 over 60 runs: 0.0126, 0.0068, 0.0039 at N = 125,
 *      500, 2000, i.e. ≈ 4 % of ε_g at N = 500, mean 0 within 1 SE); the max over ~130 correlated
 *      points stays below ~3 SD, so curveTolerance = 0.25 at N = 500, scaled by √(500/N) (set from
 *      these data; measured 0.05–0.15 at N = 500 over ~20 runs at η = ½ and 1, 0.03–0.06 at N = 1000).
 *  (b) plateau height: the mean over seeds of ε_g^SGD averaged over the middle half of each run's
 *      own plateau, against ε_g at the ODE's symmetric fixed point. Budget 5 %: the |Δε_g|
 *      fluctuation (≈ 3 % of the plateau at N = 500) averages down over the plateau; the run's
 *      residual asymmetry lowers ε_g by ≲ 3 % at initStd = 0.1 (measured −0.2 … −3.6 %); the
 *      coincident-student point differs by 0.2 %.
 *  (c) plateau end: the mean over seeds of μ·(α_exit^SGD − α_exit^ODE), α_exit where ε_g first
 *      falls below half the plateau height, μ the symmetry-breaking rate at the fixed point
 *      (theory). SGD noise adds to the asymmetry seed a random part of the same order (both
 *      ∝ N^{−½}), multiplying its amplitude by a random factor f and shifting the escape by ln f/μ;
 *      measured RMS of μΔα ≈ 0.2–0.5 (initStd 10⁻³, N = 500–1000) and ≈ 0.6 (initStd 0.1,
 *      N = 500, with tails to ±1.7), so the mean of 3 runs has SE ≈ 0.35 and
 *      ln(escapeFactor = 3) = 1.1 ≈ 3 SE (set from data).
 *  (d) finite-N fluctuations: D(N) = RMS over runs and α ∈ fluctuationWindow (early phase and
 *      plateau, before any escape — a regime condition) of ‖(Q, R)^SGD − (Q, R)^ODE‖_F, fitted as
 *      D ∝ N^a; a = −½ (linear-noise / central-limit scaling of the diffusive SGD fluctuations).
 *      Budget 0.15: bootstrap SD of the fitted a with 8 runs per N ∈ {125, 250, 500} is 0.047
 *      (16-run estimate −0.525), so 3 SD plus the next-order (N^{−1}) bias.
 *
 * Why the plateau length is not checked against N: it grows like ln N for small initial overlaps
 * (both the init asymmetry and the SGD noise that breaks the symmetry are O(N^{−½})), so it is only
 * predicted per run from the matched initial condition, and (d) is measured before the escape.
 *
 * The simulation is plain online SGD on a two-layer committee machine, not an `nn` model: the
 * inner loop (one fresh Gaussian input, K + M dot products of length N, K axpys) is written
 * directly over Float64Arrays, so a step costs O((K + M)·N) with no tensor or autodiff overhead
 * (~10 µs at N = 500; the quick run takes 10⁵-step trajectories). The Gaussian inputs come from a
 * ziggurat sampler over xoshiro128** words (below): the input draw is half of a step's cost, and
 * Rng.normal (polar method through the class method nextUint32) is ~13× slower per draw.
 */
import { z } from 'zod';
import { Rng } from '../engine/rng.js';
import * as libm from '../engine/libm.js';
import { erfScalar } from '../engine/backend/math-kernels.js';
import { linearFit } from '../observables/fit.js';
import {
  generalizationError, integrateCommittee, plateauEscapeRate, stabilityLimit, symmetricPlateau,
  type CommitteeProblem,
} from '../theory/committee-machine.js';
import type { Check, Experiment, PlotSpec, RegimeCondition, RunContext } from './types.js';
import { divergedChecks, numericCheck, regimeCondition } from './verdict.js';

export const teacherStudentSchema = z.object({
  K: z.number().int().min(1).max(8).default(2).describe('student hidden units K'),
  M: z.number().int().min(1).max(8).default(2).describe('teacher hidden units M'),
  activation: z.enum(['erf', 'linear']).default('erf').describe('hidden units of student and teacher: g(z) = erf(z/√2) or linear'),
  eta: z.number().gt(0).max(20).default(0.5).describe('learning rate η (step (η/√N) δ g′ x)'),
  noiseStd: z.number().min(0).max(2).default(0).describe('teacher output noise σ'),
  weightDecay: z.number().min(0).max(10).default(0).describe('weight decay κ per unit of α: w ← (1 − κ/N) w + …'),
  initStd: z.number().min(0).max(2).default(1e-3).describe('student init: w_i ~ N(0, initStd²) per component'),
  dims: z.array(z.number().int().min(8).max(20000)).min(1).max(8).default([250, 500, 1000]).describe('input dimensions N (the curve is checked at the largest)'),
  seeds: z.number().int().min(1).max(32).default(4).describe('full-length runs (teacher, init, inputs) at the largest N, for the curve and plateau checks'),
  fluctuationSeeds: z.number().int().min(2).max(64).default(12).describe('runs per N for the N^{−½} check (those beyond the full-length ones stop at the end of the window)'),
  alphaMax: z.number().gt(0).max(5000).default(400).describe('training time α = steps/N'),
  recordEvery: z.number().gt(0).max(100).default(2.5).describe('record every Δα (plus a denser early grid)'),
  fluctuationWindow: z.array(z.number().min(0).max(5000)).length(2).default([5, 50]).describe('α range [from, to] of the d^{−½} fluctuation check (before the plateau escape)'),
  egFloor: z.number().gt(0).max(1).default(1e-3).describe('trajectory check only where ε_g^ODE ≥ this'),
  curveTolerance: z.number().gt(0).max(10).default(0.25).describe('accepted max |ε_g^SGD − ε_g^ODE|/ε_g^ODE at N = 500 (scaled by √(500/N) at the largest N)'),
  heightTolerance: z.number().gt(0).max(1).default(0.05).describe('accepted relative error of the plateau height'),
  escapeFactor: z.number().gt(1).max(100).default(3).describe('accepted factor on the symmetry-breaking amplitude: |Δα_exit| ≤ ln(factor)/μ'),
  exponentTolerance: z.number().gt(0).max(1).default(0.15).describe('accepted |a + ½| of the fluctuation exponent'),
  dt: z.number().gt(0).max(1).default(0.1).describe('RK4 step of the ODE in α'),
  seed: z.number().int().min(0).max(2 ** 31).default(0).describe('random seed'),
});

export type TeacherStudentConfig = z.infer<typeof teacherStudentSchema>;

export interface TeacherStudentPrediction {
  /** ε_g at the symmetric fixed point (NaN without a plateau: K = 1 or M = 1) */
  plateauHeight: number;
  /** η_max of the perfect solution (NaN where not defined) */
  etaMax: number;
  /** μ: growth rate per unit α of the symmetry-breaking mode at the symmetric plateau (NaN without one) */
  escapeRate: number;
  /** ε_g at α = 0 for a tiny init: ½ Σ_nm I₂(n, m) */
  initialError: number;
  exponent: number;
}

function problemFor(c: TeacherStudentConfig): CommitteeProblem {
  const T = new Float64Array(c.M * c.M);
  for (let n = 0; n < c.M; n++) T[n * c.M + n] = 1;
  return { K: c.K, M: c.M, student: c.activation, teacher: c.activation, T, eta: c.eta, noiseVariance: c.noiseStd * c.noiseStd, weightDecay: c.weightDecay };
}

function hasPlateau(c: TeacherStudentConfig): boolean {
  return c.activation === 'erf' && c.K >= 2 && c.M >= 2;
}

function predict(c: TeacherStudentConfig): TeacherStudentPrediction {
  const problem = problemFor(c);
  const plateau = hasPlateau(c) ? symmetricPlateau(problem) : null;
  const ok = plateau !== null && Number.isFinite(plateau.eg);
  return {
    plateauHeight: ok ? plateau.eg : NaN,
    escapeRate: ok ? plateauEscapeRate(problem, plateau) : NaN,
    etaMax: stabilityLimit(problem),
    initialError: generalizationError(new Float64Array(c.K * c.K), new Float64Array(c.K * c.M), problem.T, c.K, c.M, c.activation, c.activation),
    exponent: -0.5,
  };
}

// ---------- Gaussian inputs: ziggurat ----------

const ZIG_C = 128, ZIG_R = 3.442619855899, ZIG_V = 9.91256303526217e-3;
/** Layer edges x_0 = V/f(R) > x_1 = R > … > x_C = 0 for f(x) = e^{−x²/2}, and ratios x_{i+1}/x_i. */
const ZIG_X = new Float64Array(ZIG_C + 1), ZIG_RATIO = new Float64Array(ZIG_C);
{
  const f = (x: number) => libm.exp(-0.5 * x * x);
  ZIG_X[0] = ZIG_V / f(ZIG_R);
  ZIG_X[1] = ZIG_R;
  for (let i = 2; i < ZIG_C; i++) ZIG_X[i] = Math.sqrt(-2 * libm.log(ZIG_V / ZIG_X[i - 1] + f(ZIG_X[i - 1])));
  ZIG_X[ZIG_C] = 0;
  for (let i = 0; i < ZIG_C; i++) ZIG_RATIO[i] = ZIG_X[i + 1] / ZIG_X[i];
}
const TWO_POW_M24 = 1 / 16777216;

/**
 * Standard normal draws by the ziggurat method (Marsaglia & Tsang 2000; layers and the wedge
 * test as in Doornik 2005). One 32-bit word gives the layer (7 bits) and a signed abscissa
 * u ∈ (−1, 1) on a 2^25 grid (25 bits); the rare wedge and tail cases (≈ 1.2 % of draws) use
 * 53-bit uniforms. Exact up to that abscissa grid (spacing ≤ 2·10⁻⁷ of the layer width).
 *
 * The words come from xoshiro128** (the generator of src/engine/rng.ts) with its state in local
 * variables inside `fill`: through the class method Rng.nextUint32 a word costs ~20× more, and
 * the inputs need N draws per SGD step. The state is seeded from four words of the given stream,
 * so the draws are fixed by (config.seed, cell key) like every other stream.
 */
export class ZigguratNormal {
  private readonly state = new Int32Array(4);
  constructor(rng: Rng) {
    for (let k = 0; k < 4; k++) this.state[k] = rng.nextUint32() | 0;
    if ((this.state[0] | this.state[1] | this.state[2] | this.state[3]) === 0) this.state[0] = 1;
  }
  /** One xoshiro128** word (as an int32), advancing the state. */
  private word(): number {
    const st = this.state;
    const s1 = st[1], m = Math.imul(s1, 5), r = Math.imul((m << 7) | (m >>> 25), 9), t = s1 << 9;
    st[2] ^= st[0]; st[3] ^= s1; st[1] ^= st[2]; st[0] ^= st[3]; st[2] ^= t; st[3] = (st[3] << 11) | (st[3] >>> 21);
    return r;
  }
  /** Uniform in [0, 1) with 53 bits. */
  private uniform(): number {
    const a = this.word() >>> 5, b = this.word() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }
  next(): number { return this.fromWord(this.word()); }
  /** Fill `out` with draws: the same numbers as out.length calls of next(), the fast path inline. */
  fill(out: Float64Array): void {
    const st = this.state;
    let s0 = st[0], s1 = st[1], s2 = st[2], s3 = st[3];
    for (let p = 0; p < out.length; p++) {
      const m = Math.imul(s1, 5), word = Math.imul((m << 7) | (m >>> 25), 9), t = s1 << 9;
      s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = (s3 << 11) | (s3 >>> 21);
      const i = word & 127;
      const u = ((word >>> 7) + 0.5) * TWO_POW_M24 - 1;
      if (Math.abs(u) < ZIG_RATIO[i]) { out[p] = u * ZIG_X[i]; continue; }
      st[0] = s0; st[1] = s1; st[2] = s2; st[3] = s3;
      out[p] = this.fromWord(word);
      s0 = st[0]; s1 = st[1]; s2 = st[2]; s3 = st[3];
    }
    st[0] = s0; st[1] = s1; st[2] = s2; st[3] = s3;
  }
  /** A draw that starts from `first` (further words from the state when it misses). */
  private fromWord(first: number): number {
    let word = first;
    for (;;) {
      const i = word & 127;
      const u = ((word >>> 7) + 0.5) * TWO_POW_M24 - 1;
      if (Math.abs(u) < ZIG_RATIO[i]) return u * ZIG_X[i];
      if (i === 0) {
        // Tail beyond R (Marsaglia 1964): x = −ln(U₁)/R accepted when −2 ln U₂ > x².
        let x: number, y: number;
        do {
          x = -libm.log(1 - this.uniform()) / ZIG_R;
          y = -libm.log(1 - this.uniform());
        } while (2 * y < x * x);
        return u < 0 ? -(ZIG_R + x) : ZIG_R + x;
      }
      const x = u * ZIG_X[i];
      const f0 = libm.exp(-0.5 * (ZIG_X[i] * ZIG_X[i] - x * x)), f1 = libm.exp(-0.5 * (ZIG_X[i + 1] * ZIG_X[i + 1] - x * x));
      if (f1 + this.uniform() * (f0 - f1) < 1) return x;
      word = this.word();
    }
  }
}

// ---------- the simulation ----------

const SQRT1_2 = Math.SQRT1_2, SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** Σ_p A[o + p] x[p] with four accumulators (independent add chains pipeline better than one). */
function dot(A: Float64Array, o: number, x: Float64Array, N: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0, p = 0;
  for (; p + 3 < N; p += 4) { s0 += A[o + p] * x[p]; s1 += A[o + p + 1] * x[p + 1]; s2 += A[o + p + 2] * x[p + 2]; s3 += A[o + p + 3] * x[p + 3]; }
  for (; p < N; p++) s0 += A[o + p] * x[p];
  return (s0 + s1) + (s2 + s3);
}

/** A[o + p] += c x[p], unrolled like `dot`. */
function axpy(A: Float64Array, o: number, c: number, x: Float64Array, N: number): void {
  let p = 0;
  for (; p + 3 < N; p += 4) { A[o + p] += c * x[p]; A[o + p + 1] += c * x[p + 1]; A[o + p + 2] += c * x[p + 2]; A[o + p + 3] += c * x[p + 3]; }
  for (; p < N; p++) A[o + p] += c * x[p];
}

/** The α at which a run records: a dense early grid (the fast initial descent), then every Δα. */
export function recordAlphas(alphaMax: number, every: number): number[] {
  const early = [0, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4, 5, 6, 8, 10].filter((a) => a < Math.min(alphaMax, 10));
  const out = [...early];
  for (let a = early.length ? 10 : every; a <= alphaMax + 1e-9; a += every) if (a > (out[out.length - 1] ?? -1) + 1e-9) out.push(a);
  if (out[out.length - 1] < alphaMax - 1e-9) out.push(alphaMax);
  return out;
}

export interface SgdRun {
  alpha: number[];
  Q: Float64Array[];
  R: Float64Array[];
  T: Float64Array;
  /** step at which the weights became non-finite, or null */
  divergedAt: number | null;
  interrupted: boolean;
}

/**
 * Online SGD of the committee machine at dimension N, recording (Q, R) at `alphas`
 * (step = round(α N)). Streams: teacher, init, inputs, noise — split from `rng`.
 */
export function simulateCommittee(c: TeacherStudentConfig, N: number, rng: Rng, alphas: readonly number[], signal?: AbortSignal, progress?: (f: number) => void): SgdRun {
  const { K, M } = c;
  if (M > N) throw new RangeError(`M must be ≤ N (teacher rows are orthonormalized), got M = ${M}, N = ${N}`);
  // Teacher: Gaussian rows, Gram–Schmidt, scaled to norm √N, so T = BBᵀ/N = I.
  const tr = rng.split('teacher');
  const B = new Float64Array(M * N);
  for (let n = 0; n < M; n++) {
    const row = B.subarray(n * N, (n + 1) * N);
    for (let p = 0; p < N; p++) row[p] = tr.normal();
    for (let m = 0; m < n; m++) {
      const prev = B.subarray(m * N, (m + 1) * N);
      let d = 0;
      for (let p = 0; p < N; p++) d += row[p] * prev[p];
      for (let p = 0; p < N; p++) row[p] -= (d / N) * prev[p];
    }
    let s = 0;
    for (let p = 0; p < N; p++) s += row[p] * row[p];
    const scale = Math.sqrt(N / s);
    for (let p = 0; p < N; p++) row[p] *= scale;
  }
  const ir = rng.split('init');
  const W = new Float64Array(K * N);
  for (let j = 0; j < W.length; j++) W[j] = c.initStd * ir.normal();
  const inputs = new ZigguratNormal(rng.split('inputs'));
  const noise = rng.split('noise');

  const erf = c.activation === 'erf';
  const x = new Float64Array(N), lam = new Float64Array(K), coef = new Float64Array(K);
  const invSqrtN = 1 / Math.sqrt(N), step = c.eta * invSqrtN, decay = 1 - c.weightDecay / N, sigma = c.noiseStd;

  const overlaps = () => {
    const Q = new Float64Array(K * K), R = new Float64Array(K * M);
    for (let i = 0; i < K; i++) {
      const wi = W.subarray(i * N, (i + 1) * N);
      for (let k = i; k < K; k++) { const wk = W.subarray(k * N, (k + 1) * N); let s = 0; for (let p = 0; p < N; p++) s += wi[p] * wk[p]; Q[i * K + k] = s / N; Q[k * K + i] = s / N; }
      for (let n = 0; n < M; n++) { const bn = B.subarray(n * N, (n + 1) * N); let s = 0; for (let p = 0; p < N; p++) s += wi[p] * bn[p]; R[i * M + n] = s / N; }
    }
    return { Q, R };
  };
  const T = new Float64Array(M * M);
  for (let n = 0; n < M; n++) for (let m = 0; m < M; m++) { let s = 0; for (let p = 0; p < N; p++) s += B[n * N + p] * B[m * N + p]; T[n * M + m] = s / N; }

  const out: SgdRun = { alpha: [], Q: [], R: [], T, divergedAt: null, interrupted: false };
  const totalSteps = Math.round(alphas[alphas.length - 1] * N);
  let t = 0;
  for (const a of alphas) {
    const target = Math.round(a * N);
    for (; t < target; t++) {
      inputs.fill(x);
      let y = 0;
      for (let n = 0; n < M; n++) {
        const nu = dot(B, n * N, x, N) * invSqrtN;
        y += erf ? erfScalar(nu * SQRT1_2) : nu;
      }
      if (sigma > 0) y += sigma * noise.normal();
      for (let i = 0; i < K; i++) {
        lam[i] = dot(W, i * N, x, N) * invSqrtN;
        y -= erf ? erfScalar(lam[i] * SQRT1_2) : lam[i];
      }
      // y now holds δ = teacher + noise − student.
      if (!Number.isFinite(y)) { out.divergedAt = t; return out; }
      for (let i = 0; i < K; i++) coef[i] = step * y * (erf ? SQRT_2_OVER_PI * libm.exp(-0.5 * lam[i] * lam[i]) : 1);
      for (let i = 0; i < K; i++) {
        if (decay !== 1) for (let p = i * N; p < (i + 1) * N; p++) W[p] *= decay;
        axpy(W, i * N, coef[i], x, N);
      }
      if ((t & 4095) === 0) {
        if (signal?.aborted) { out.interrupted = true; return out; }
        progress?.(t / totalSteps);
      }
    }
    const { Q, R } = overlaps();
    if (!Q.every(Number.isFinite)) { out.divergedAt = t; return out; }
    out.alpha.push(a); out.Q.push(Q); out.R.push(R);
  }
  return out;
}

// ---------- cells ----------

/** One run: dimension, seed, and how far it goes (full length, or the end of the fluctuation window). */
interface CellKey { N: number; seed: number; alphaEnd: number }

export interface CellOutcome {
  N: number;
  seed: number;
  /** ran to alphaMax (else to the end of the fluctuation window) */
  full: boolean;
  /** the SGD record: α, ε_g, the matched ODE's ε_g at the same α, ‖(Q, R)^SGD − (Q, R)^ODE‖_F */
  alpha: number[];
  egSgd: number[];
  egOde: number[];
  deviation: number[];
  /** the matched ODE on a fine grid (Δα = ½), for interpolation and crossing times */
  odeAlpha: number[];
  odeEg: number[];
  divergedAt: number | null;
  interrupted: boolean;
  odeFinite: boolean;
}

/**
 * The runs: at the largest N, `seeds` full-length runs (curve, plateau); at every N, seed 0 full
 * length (the plateau's N-dependence) and `fluctuationSeeds` runs in all, the extra ones stopping
 * at the end of the fluctuation window. A shorter run is a prefix of the same stream.
 */
function cells(c: TeacherStudentConfig): CellKey[] {
  const dims = [...new Set(c.dims)].sort((a, b) => a - b), nMax = dims[dims.length - 1];
  const short = Math.min(c.fluctuationWindow[1], c.alphaMax);
  const keys: CellKey[] = [];
  for (const N of dims) {
    for (let seed = 0; seed < Math.max(c.seeds, c.fluctuationSeeds); seed++) {
      const full = seed === 0 || (N === nMax && seed < c.seeds);
      if (full) keys.push({ N, seed, alphaEnd: c.alphaMax });
      else if (seed < c.fluctuationSeeds) keys.push({ N, seed, alphaEnd: short });
    }
  }
  return keys;
}

function cell(c: TeacherStudentConfig, { N, seed, alphaEnd }: CellKey, ctx: RunContext): CellOutcome {
  const alphas = recordAlphas(alphaEnd, c.recordEvery);
  const full = alphaEnd === c.alphaMax;
  const rng = new Rng(c.seed).split(`N${N}`).split(`seed${seed}`);
  const sgd = simulateCommittee(c, N, rng, alphas, ctx.signal, (f) => ctx.progress(f));
  const problem = { ...problemFor(c), T: sgd.T };
  const base: CellOutcome = { N, seed, full, alpha: [], egSgd: [], egOde: [], deviation: [], odeAlpha: [], odeEg: [], divergedAt: sgd.divergedAt, interrupted: sgd.interrupted, odeFinite: true };
  if (!sgd.Q.length) return base;
  // The ODE from this run's own finite-N overlaps at α = 0, on the SGD grid and every ½.
  const last = sgd.alpha[sgd.alpha.length - 1];
  const fine = [...new Set([...sgd.alpha, ...Array.from({ length: Math.floor(2 * last) + 1 }, (_, j) => j / 2)])].sort((a, b) => a - b);
  const ode = integrateCommittee(problem, { Q: sgd.Q[0], R: sgd.R[0] }, { alphas: fine, dt: c.dt });
  base.odeFinite = ode.finite;
  base.odeAlpha = ode.alpha; base.odeEg = ode.eg;
  const at = new Map(ode.alpha.map((a, j) => [a, j]));
  const nMax = Math.max(...c.dims);
  for (let j = 0; j < sgd.alpha.length; j++) {
    const a = sgd.alpha[j], k = at.get(a);
    if (k === undefined) break;
    const eg = generalizationError(sgd.Q[j], sgd.R[j], sgd.T, c.K, c.M, c.activation, c.activation);
    let d2 = 0;
    for (let q = 0; q < sgd.Q[j].length; q++) d2 += (sgd.Q[j][q] - ode.Q[k][q]) ** 2;
    for (let r = 0; r < sgd.R[j].length; r++) d2 += (sgd.R[j][r] - ode.R[k][r]) ** 2;
    base.alpha.push(a); base.egSgd.push(eg); base.egOde.push(ode.eg[k]); base.deviation.push(Math.sqrt(d2));
    if (N === nMax && full) {
      ctx.record('curve', { alpha: a, eg, seed, run: `seed ${seed}`, method: 'SGD' });
      ctx.record('curve', { alpha: a, eg: ode.eg[k], seed, run: `seed ${seed}`, method: 'ODE' });
    }
    if (seed === 0 && full) {
      ctx.record('dimension', { alpha: a, eg, N, run: `N = ${N}`, method: 'SGD' });
      ctx.record('dimension', { alpha: a, eg: ode.eg[k], N, run: `N = ${N}`, method: 'ODE' });
    }
  }
  return base;
}

// ---------- aggregate ----------

export interface PlateauStats {
  /** mean ε_g over the middle half of the plateau (NaN when there is none) */
  height: number;
  /** first α with ε_g ≤ 1.1 × plateau height */
  entry: number;
  /** first α after entry with ε_g ≤ ½ plateau height (NaN: not reached) */
  exit: number;
}

/** Plateau entry, exit and height of one ε_g(α) curve, relative to the predicted height P. */
export function plateauStats(alpha: readonly number[], eg: readonly number[], P: number): PlateauStats {
  const entryIdx = eg.findIndex((e) => e <= 1.1 * P);
  if (entryIdx < 0 || !Number.isFinite(P)) return { height: NaN, entry: NaN, exit: NaN };
  let exitIdx = -1;
  for (let j = entryIdx; j < eg.length; j++) if (eg[j] <= 0.5 * P) { exitIdx = j; break; }
  const entry = alpha[entryIdx];
  // The crossing of ½P by linear interpolation between the recorded points.
  let exit = NaN;
  if (exitIdx > entryIdx) {
    const a0 = alpha[exitIdx - 1], a1 = alpha[exitIdx], e0 = eg[exitIdx - 1], e1 = eg[exitIdx];
    exit = a0 + (a1 - a0) * (e0 - 0.5 * P) / (e0 - e1);
  }
  const end = Number.isFinite(exit) ? exit : alpha[alpha.length - 1];
  const lo = entry + 0.25 * (end - entry), hi = entry + 0.75 * (end - entry);
  let s = 0, k = 0;
  for (let j = 0; j < alpha.length; j++) if (alpha[j] >= lo && alpha[j] <= hi) { s += eg[j]; k++; }
  return { height: k ? s / k : NaN, entry, exit };
}

/** ln ε interpolated linearly between the recorded points of (alpha, eg); NaN outside. */
function interpLog(alpha: readonly number[], eg: readonly number[], a: number): number {
  if (!(a >= alpha[0] && a <= alpha[alpha.length - 1])) return NaN;
  let hi = 1;
  while (hi < alpha.length - 1 && alpha[hi] < a) hi++;
  const lo = hi - 1, t = (a - alpha[lo]) / (alpha[hi] - alpha[lo]);
  return libm.exp((1 - t) * libm.log(eg[lo]) + t * libm.log(eg[hi]));
}

/**
 * The trajectory deviation of one run: max over its recorded α (where the reference ≥ floor) of
 * |ε_g^SGD(α) − ε_ref(α)|/ε_ref(α), with ε_ref the matched ODE at α before the middle of the ODE's
 * plateau and at α − Δ after it, Δ = α_exit^SGD − α_exit^ODE. The escape time carries an O(1)
 * shift that does not shrink with N (the symmetry breaking is amplified from O(N^{−½}) seeds of
 * which SGD noise is a part); check (c) bounds Δ, and this check the shape of the rest.
 */
export function curveDeviationOf(r: CellOutcome, sgd: PlateauStats, ode: PlateauStats, floor: number): number {
  const shifted = Number.isFinite(sgd.exit) && Number.isFinite(ode.exit);
  const mid = shifted ? 0.5 * (ode.entry + ode.exit) : Infinity;
  const shift = shifted ? sgd.exit - ode.exit : 0;
  let worst = 0;
  r.alpha.forEach((a, j) => {
    const ref = a < mid ? r.egOde[j] : interpLog(r.odeAlpha, r.odeEg, a - shift);
    if (Number.isFinite(ref) && ref >= floor) worst = Math.max(worst, Math.abs(r.egSgd[j] - ref) / ref);
  });
  return worst;
}

export interface TeacherStudentResult {
  dims: number[];
  cells: CellOutcome[];
  /** per seed at the largest N: max relative |ε_SGD − ε_ODE| where ε_ODE ≥ floor */
  curveDeviation: number[];
  /** per seed at the largest N */
  plateauSgd: PlateauStats[];
  plateauOde: PlateauStats[];
  /** D(N): RMS over seeds and window of ‖Δ(Q, R)‖_F; and its standard error */
  fluctuation: number[];
  fluctuationSe: number[];
  /** RMS over seeds and window of |ε_SGD − ε_ODE| */
  egFluctuation: number[];
  exponent: number;
  exponentSe: number;
  egExponent: number;
  /** largest α of the window past which some matched ODE had already left its plateau (should be none) */
  windowAfterEscape: number;
  divergedAt: number | null;
  interrupted: boolean;
}

function aggregate(c: TeacherStudentConfig, results: (CellOutcome | null)[], ctx: RunContext, p: TeacherStudentPrediction): TeacherStudentResult {
  const done = results.filter((r): r is CellOutcome => r !== null);
  const interrupted = done.length < results.length || done.some((r) => r.interrupted);
  const diverged = done.find((r) => r.divergedAt !== null || !r.odeFinite);
  const dims = [...new Set(c.dims)].sort((a, b) => a - b);
  const nMax = dims[dims.length - 1];
  const top = done.filter((r) => r.N === nMax && r.full && r.seed < c.seeds);
  const plateauSgd = top.map((r) => plateauStats(r.alpha, r.egSgd, p.plateauHeight));
  const plateauOde = top.map((r) => plateauStats(r.odeAlpha, r.odeEg, p.plateauHeight));
  const curveDeviation = top.map((r, i) => curveDeviationOf(r, plateauSgd[i], plateauOde[i], c.egFloor));
  if (Number.isFinite(p.plateauHeight)) {
    for (const alpha of [0, c.alphaMax]) ctx.record('curve', { alpha, eg: p.plateauHeight, seed: 'theory', run: 'plateau', method: 'symmetric plateau' });
  }
  const [wa, wb] = c.fluctuationWindow;
  let windowAfterEscape = 0;
  const fluctuation: number[] = [], fluctuationSe: number[] = [], egFluctuation: number[] = [];
  const fitDims: number[] = [];
  for (const N of dims) {
    const rs = done.filter((r) => r.N === N && r.seed < c.fluctuationSeeds);
    if (rs.length < c.fluctuationSeeds) continue;
    // Per-seed mean square over the window (seeds are independent; α points within a seed are not).
    const perSeed: number[] = [], perSeedEg: number[] = [];
    for (const r of rs) {
      let s = 0, se = 0, k = 0;
      const exit = plateauStats(r.odeAlpha, r.odeEg, p.plateauHeight).exit;
      r.alpha.forEach((a, j) => {
        if (a < wa || a > wb) return;
        if (Number.isFinite(exit) && a > exit) windowAfterEscape = Math.max(windowAfterEscape, a);
        s += r.deviation[j] ** 2; se += (r.egSgd[j] - r.egOde[j]) ** 2; k++;
      });
      if (k) { perSeed.push(s / k); perSeedEg.push(se / k); }
    }
    if (!perSeed.length) continue;
    const ms = perSeed.reduce((a, b) => a + b, 0) / perSeed.length;
    const sd = Math.sqrt(perSeed.reduce((a, b) => a + (b - ms) ** 2, 0) / Math.max(perSeed.length - 1, 1));
    const D = Math.sqrt(ms);
    fluctuation.push(D);
    fluctuationSe.push(sd / Math.sqrt(perSeed.length) / (2 * D)); // delta method for √(mean)
    egFluctuation.push(Math.sqrt(perSeedEg.reduce((a, b) => a + b, 0) / perSeedEg.length));
    fitDims.push(N);
    ctx.record('fluctuation', { N, method: 'measured', observable: '‖Δ(Q,R)‖', value: D, lo: D * (1 - fluctuationSe[fluctuationSe.length - 1] / D), hi: D * (1 + fluctuationSe[fluctuationSe.length - 1] / D) });
    ctx.record('fluctuation', { N, method: 'measured', observable: '|Δε_g|', value: egFluctuation[egFluctuation.length - 1] });
  }
  let exponent = NaN, exponentSe = NaN, egExponent = NaN;
  if (fitDims.length >= 2) {
    const lx = fitDims.map(libm.log);
    const fit = linearFit(lx, fluctuation.map(libm.log));
    exponent = fit.slope;
    // Propagate the per-N standard errors of log D to the slope.
    const mx = lx.reduce((a, b) => a + b, 0) / lx.length, sxx = lx.reduce((a, b) => a + (b - mx) ** 2, 0);
    exponentSe = Math.sqrt(lx.reduce((a, x, i) => a + ((x - mx) / sxx) ** 2 * (fluctuationSe[i] / fluctuation[i]) ** 2, 0));
    egExponent = linearFit(lx, egFluctuation.map(libm.log)).slope;
    // Theory lines C·N^{−½} through the geometric mean of each measured series.
    for (const [obs, ys] of [['‖Δ(Q,R)‖', fluctuation], ['|Δε_g|', egFluctuation]] as const) {
      const logC = fitDims.reduce((a, N, i) => a + libm.log(ys[i] * Math.sqrt(N)), 0) / fitDims.length;
      for (const N of fitDims) ctx.record('fluctuation', { N, method: 'theory', observable: obs, value: libm.exp(logC) / Math.sqrt(N) });
    }
  }
  return {
    dims: fitDims, cells: done, curveDeviation, plateauSgd, plateauOde, fluctuation, fluctuationSe, egFluctuation,
    exponent, exponentSe, egExponent, windowAfterEscape,
    divergedAt: diverged ? (diverged.divergedAt ?? -1) : null, interrupted,
  };
}

// ---------- verdict ----------

function regimeFor(c: TeacherStudentConfig, p: TeacherStudentPrediction): RegimeCondition[] {
  const regime = [regimeCondition('smallest input dimension N (the ODE is the N → ∞ limit)', Math.min(...c.dims), 'min', 100)];
  if (Number.isFinite(p.etaMax)) regime.push(regimeCondition('η / η_max (stability limit of the perfect solution)', c.eta / p.etaMax, 'max', 1));
  return regime;
}

function compare(c: TeacherStudentConfig, r: TeacherStudentResult, p: TeacherStudentPrediction) {
  const regime = regimeFor(c, p);
  if (r.divergedAt !== null) {
    return { checks: divergedChecks(['ε_g trajectory vs ODE', 'finite-N fluctuations ∝ N^{−½}'], r.divergedAt), regime, status: 'diverged' as const };
  }
  const checks: Check[] = [];
  const nMax = Math.max(...c.dims);
  checks.push(numericCheck({
    name: `ε_g(α) of SGD follows the ODE at N = ${nMax} (worst seed)`,
    quantity: `max over α (where ε_g^ODE ≥ ${c.egFloor}) of |ε_g^SGD − ε_g^ODE|/ε_g^ODE, ODE from each run's own initial Q, R`,
    predicted: 0, measured: Math.max(...r.curveDeviation), tolerance: { kind: 'abs', value: c.curveTolerance * Math.sqrt(500 / nMax) }, regime,
    note: `per seed: ${r.curveDeviation.map((d) => d.toFixed(3)).join(', ')}`,
  }));
  if (hasPlateau(c)) {
    const heights = r.plateauSgd.map((s) => s.height);
    const meanHeight = heights.reduce((a, b) => a + b, 0) / heights.length;
    checks.push(numericCheck({
      name: 'plateau height = ε_g at the symmetric fixed point',
      quantity: `mean over seeds (N = ${nMax}) of ε_g^SGD averaged over the middle half of the plateau`,
      predicted: p.plateauHeight, measured: meanHeight, tolerance: { kind: 'rel', value: c.heightTolerance }, regime,
      note: `per seed: ${heights.map((h) => h.toPrecision(4)).join(', ')}`,
    }));
    // The escape delay in units of the e-folding time 1/μ of the symmetry-breaking mode.
    const shifts = r.plateauSgd.map((s, i) => (s.exit - r.plateauOde[i].exit) * p.escapeRate);
    const stuck = shifts.filter((v) => !Number.isFinite(v)).length;
    const meanShift = shifts.reduce((a, b) => a + b, 0) / shifts.length;
    const lengths = (st: PlateauStats[]) => st.map((s) => (s.exit - s.entry).toFixed(1)).join(', ');
    checks.push(numericCheck({
      name: 'plateau ends (ε_g < ½ plateau) when the matched ODE predicts',
      quantity: 'mean over seeds of μ·(α_exit^SGD − α_exit^ODE), μ the escape rate at the symmetric fixed point',
      predicted: 0, measured: stuck ? NaN : meanShift, tolerance: { kind: 'abs', value: libm.log(c.escapeFactor) },
      uncertainty: shifts.length > 1 && !stuck ? Math.sqrt(shifts.reduce((a, v) => a + (v - meanShift) ** 2, 0) / (shifts.length - 1) / shifts.length) : undefined,
      regime: [...regime, regimeCondition('runs at the largest N still on the plateau at alphaMax', stuck, 'max', 0)],
      note: `μ·Δα per seed: ${shifts.map((v) => v.toFixed(2)).join(', ')}; plateau length α_exit − α_entry, SGD: ${lengths(r.plateauSgd)}; ODE: ${lengths(r.plateauOde)}; 1/μ = ${(1 / p.escapeRate).toFixed(1)}`,
    }));
  }
  checks.push(numericCheck({
    name: 'finite-N deviation from the ODE shrinks as N^{−½}',
    quantity: `exponent a of RMS_seeds,α∈[${c.fluctuationWindow.join(', ')}] ‖(Q,R)^SGD − (Q,R)^ODE‖_F ∝ N^a`,
    predicted: p.exponent, measured: r.exponent, uncertainty: r.exponentSe, tolerance: { kind: 'abs', value: c.exponentTolerance },
    regime: [...regime, regimeCondition('dimension range max N / min N', Math.max(...c.dims) / Math.min(...c.dims), 'min', 4),
      regimeCondition('last α of the window past a matched-ODE plateau escape (0: none)', r.windowAfterEscape, 'max', 0)],
    note: `D = ${r.fluctuation.map((d) => d.toExponential(2)).join(', ')} at N = ${r.dims.join(', ')}; |Δε_g| exponent ${r.egExponent.toFixed(3)}`,
  }));
  return { checks, regime, status: r.interrupted ? 'interrupted' as const : 'ok' as const };
}

function plots(c: TeacherStudentConfig): PlotSpec[] {
  const nMax = Math.max(...c.dims);
  return [
    {
      title: `Generalization error: online SGD vs the Saad–Solla ODE (N = ${nMax})`,
      caption: 'Each run (solid) and the ODE integrated from that run’s own initial overlaps (dashed); dotted: ε_g at the symmetric fixed point. Fast descent, symmetric plateau, escape by specialization. Residual panel: |SGD − ODE|/ODE at equal α (the trajectory check shifts the post-plateau part by the measured escape delay).',
      kind: 'lines', series: 'curve', x: 'alpha', y: 'eg', xLabel: 'α = steps/N', yLabel: 'ε_g', stroke: 'seed', strokeLabel: 'seed', group: 'run', dashed: 'method', yType: 'log',
      lineStyles: { ODE: { dash: 'dashed', label: 'ODE' }, SGD: { dash: 'solid', label: 'SGD' }, 'symmetric plateau': { dash: 'dotted', label: 'symmetric fixed point' } },
      residual: { relative: true },
    },
    {
      title: 'The plateau length depends on N (seed 0 at each N)',
      caption: 'Both the initial asymmetry and the SGD noise that break the students’ symmetry are O(N^{−½}), so the escape comes later at larger N (∝ ln N); each run is compared with the ODE from its own start (dashed).',
      kind: 'lines', series: 'dimension', x: 'alpha', y: 'eg', xLabel: 'α = steps/N', yLabel: 'ε_g', stroke: 'N', strokeLabel: 'N', group: 'run', dashed: 'method', yType: 'log',
      lineStyles: { ODE: { dash: 'dashed', label: 'ODE' }, SGD: { dash: 'solid', label: 'SGD' } },
    },
    {
      title: 'Deviation from the ODE vs dimension',
      caption: `RMS over seeds and α ∈ [${c.fluctuationWindow.join(', ')}] of ‖(Q,R)^SGD − (Q,R)^ODE‖_F and |ε_g^SGD − ε_g^ODE| (lo/hi: ∓ one standard error); dashed: C·N^{−½} through the points.`,
      kind: 'lines', series: 'fluctuation', x: 'N', y: 'value', stroke: 'observable', group: 'method', dashed: 'method', xType: 'log', yType: 'log', errorY: { lo: 'lo', hi: 'hi' },
      lineStyles: { theory: { dash: 'dashed', label: 'C·N^{−½}' }, measured: { dash: 'solid', label: 'measured' } },
    },
  ];
}

/**
 * The quick configuration: η = ½ as in the canonical run, a larger initial weight scale
 * (initStd = 0.1 instead of 10⁻³) so that the plateau ends by α ≈ 150–250 instead of ≈ 300–370
 * at N = 500, and three seeds at N ∈ {125, 250, 500}.
 */
const QUICK: Partial<TeacherStudentConfig> = { dims: [125, 250, 500], seeds: 3, fluctuationSeeds: 8, initStd: 0.1, alphaMax: 300 };

export const teacherStudentExperiment: Experiment<TeacherStudentConfig, TeacherStudentResult, TeacherStudentPrediction> = {
  name: 'teacher-student',
  title: 'Soft committee machine: online SGD follows the Saad–Solla ODEs',
  strand: '§C1 solvable nonlinear models — teacher–student committee machines',
  description: 'Online SGD of a K-unit erf committee machine learning an M-unit teacher in dimension N, against the closed order-parameter ODEs integrated from each run’s own initial overlaps: the whole ε_g(α) curve, the symmetric plateau’s height and end, and finite-N deviations shrinking as N^{−½}.',
  schema: teacherStudentSchema,
  quick: QUICK,
  variants: [
    { label: 'η above the stability limit of the perfect solution (η = 3 > η_max ≈ 2.31)', config: { ...QUICK, eta: 3, seeds: 2, alphaMax: 100 }, expect: 'out-of-regime' },
    { label: 'small dimensions (N < 100)', config: { ...QUICK, dims: [24, 48, 96] }, expect: 'out-of-regime' },
  ],
  predict,
  grid: { cells, cell, aggregate, cost: (_c: TeacherStudentConfig, k: CellKey) => k.N * k.N * k.alphaEnd },
  compare,
  plots,
  summary: (_c, r) => ({ exponent: r.exponent, curveDeviation: Math.max(...r.curveDeviation), plateauHeight: r.plateauSgd.reduce((a, s) => a + s.height, 0) / Math.max(r.plateauSgd.length, 1), plateauExit: r.plateauSgd.reduce((a, s) => a + s.exit, 0) / Math.max(r.plateauSgd.length, 1) }),
};
