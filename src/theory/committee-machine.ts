/**
 * Online learning in soft committee machines: the closed order-parameter ODEs
 * (Saad & Solla 1995, PRL 74, 4337 and PRE 52, 4225; Biehl & Schwarze 1995, J. Phys. A 28, 643;
 * with teacher noise and weight decay as in Goldt et al. 2019, NeurIPS).
 *
 * Model. Inputs x ~ N(0, I_N). Student ŷ = Σ_{i≤K} g(λ_i), λ_i = w_i·x/√N; teacher
 * y = Σ_{n≤M} g̃(ν_n) + σζ, ν_n = B_n·x/√N, ζ ~ N(0, 1). Units g, g̃ ∈ {erf, linear}:
 *   erf:    g(z) = erf(z/√2),  g′(z) = √(2/π) e^{−z²/2};       linear: g(z) = z, g′ = 1.
 * Online SGD on ½(y − ŷ)², one fresh example per step, weight decay κ:
 *   w_i ← (1 − κ/N) w_i + (η/√N) δ g′(λ_i) x,   δ = y − ŷ,   time α = steps/N.          (1)
 * (the decay is not multiplied by η; pyscm's `learn` uses the same convention.)
 *
 * Order parameters Q = wwᵀ/N (K×K), R = wBᵀ/N (K×M), T = BBᵀ/N (M×M). The local fields
 * u = (λ_1..λ_K, ν_1..ν_M) are jointly Gaussian with covariance C = [[Q, R], [Rᵀ, T]] (indices
 * a, b, … run over all K + M units, students first). The Gaussian integrals:
 *   I₂(a,b)     = E[g_a(u_a) g_b(u_b)]
 *   I₃(a,b,c)   = E[g′_a(u_a) u_b g_c(u_c)]
 *   I₄(a,b,c,d) = E[g′_a(u_a) g′_b(u_b) g_c(u_c) g_d(u_d)]
 *   J₂(a,b)     = E[g′_a(u_a) g′_b(u_b)]
 * Closed forms for erf units (Saad & Solla 1995, PRE appendix):
 *   I₂ = (2/π) asin(C_ab / √((1+C_aa)(1+C_bb)))
 *   I₃ = (2/π) (C_bc(1+C_aa) − C_ab C_ac) / ((1+C_aa) √Λ₃),   Λ₃ = (1+C_aa)(1+C_cc) − C_ac²
 *   I₄ = (4/π²) Λ₄^{−½} asin(Λ₀ / √(Λ₁Λ₂)),   Λ₄ = (1+C_aa)(1+C_bb) − C_ab²,
 *        Λ₀ = Λ₄C_cd − C_bcC_bd(1+C_aa) − C_acC_ad(1+C_bb) + C_abC_acC_bd + C_abC_adC_bc,
 *        Λ₁ = Λ₄(1+C_cc) − C_bc²(1+C_aa) − C_ac²(1+C_bb) + 2C_abC_acC_bc,  Λ₂ = Λ₁ with c → d
 *   J₂ = (2/π) Λ₄^{−½}.
 * The general route used by the ODE (any mix of erf and linear units; derived here): each erf
 * g′ is a Gaussian factor √(2/π) e^{−u²/2}, and for S the set of tilted indices (a and b may
 * coincide), E[e^{−½Σ_{s∈S} u_s²} F(u)] = det(I + C_SS)^{−½} E′[F], where E′ is the Gaussian with
 * covariance C′ = C − C_{·S}(I + C_SS)^{−1}C_{S·}. What remains is a pair moment under C′:
 *   erf·erf: (2/π) asin(C′_cd/√((1+C′_cc)(1+C′_dd))),  erf·lin: C′_cd √(2/π)/√(1+C′_cc),  lin·lin: C′_cd
 * (Stein's lemma for the mixed one). With S = {a} this reproduces I₃, with S = {a, b} I₄ and J₂
 * above — test/committee-machine.test.ts checks the two routes against each other and against
 * Monte Carlo.
 *
 * Generalization error (noise-free target):  ε_g = ½[Σ_ik I₂(i,k) + Σ_nm I₂(n,m) − 2Σ_in I₂(i,n)];
 * for erf units ε_g = (1/π)[Σ asin(Q_ik/√((1+Q_ii)(1+Q_kk))) + Σ asin(T…) − 2Σ asin(R_in/…)], for
 * linear units ε_g = ½(ΣQ + ΣT − 2ΣR).
 *
 * ODEs (N → ∞ of (1); write δ = Σ_p s_p g_p(u_p) with s = −1 for students, +1 for teachers):
 *   dR_in/dα = η Σ_p s_p I₃(i, n, p) − κ R_in
 *   dQ_ik/dα = η Σ_p s_p [I₃(i,k,p) + I₃(k,i,p)] + η² [Σ_pq s_p s_q I₄(i,k,p,q) + σ² J₂(i,k)] − 2κ Q_ik
 * i.e. Saad–Solla's dR = η[Σ_m I₃(i,n,m) − Σ_j I₃(i,n,j)], dQ = η[…] + η²[Σ_nm I₄ − 2Σ_jn I₄ + Σ_jl I₄]
 * + η²σ²(2/π)(1 + Q_ii + Q_kk + Q_iiQ_kk − Q_ik²)^{−½}. The decay terms come from
 * (1 − κ/N)² Q = Q − 2κQ/N + O(N⁻²) per step of dα = 1/N (pyscm's ODE drops the dt on the Q term;
 * here both carry it, and the test checks the decay against simulation).
 *
 * Stability limit (K = M, erf units, σ = κ = 0): at the perfect solution Q = R = T the right-hand
 * side vanishes and its Jacobian is η J₁ + η² J₂; η_max is the smallest η > 0 at which the largest
 * real part of an eigenvalue of J₁ + η J₂ reaches 0 (the linearization of Saad & Solla's
 * asymptotic phase; computed here: η_max ≈ 4.06, 2.31, 1.62 for K = M = 1, 2, 3 with T = I). Linear students (derived here): only
 * Σ_i w_i enters ŷ and all units get the same update, so the sum follows LMS with rate Kη:
 * dD/dα = −Kη(2 − Kη)D + …, stable iff η < 2/K.
 *
 * The symmetric plateau: with all students identical in distribution (Q_ii = q, Q_i≠k = c,
 * R_in = r_n) the flow stays in that subspace; its attracting fixed point there is the saddle the
 * full dynamics lingers at (ε_g = 0.01464 for K = M = 2, T = I, η = ½; [NR] 0.0146). The
 * subspace also holds a fixed point with coincident students (q = c), unstable along q − c, which
 * a tiny start passes first (ε_g 0.2 % higher there).
 * An exactly symmetric start never leaves the plateau; an asymmetry a₀ grows like a₀ e^{μα}, μ the
 * largest real part of an eigenvalue of the flow's Jacobian at the fixed point (μ = 0.0316 at
 * η = ½), so the plateau lasts ≈ ln(1/a₀)/μ and a trajectory prediction must start from the same
 * finite-N overlaps as the simulation.
 */
import * as libm from '../engine/libm.js';
import { mat } from '../engine/linalg/matrix.js';
import { solve } from '../engine/linalg/solve.js';

export type CommitteeUnit = 'erf' | 'linear';

/** A committee-machine learning problem: sizes, units, teacher overlaps and SGD settings. */
export interface CommitteeProblem {
  /** student hidden units */
  K: number;
  /** teacher hidden units */
  M: number;
  student: CommitteeUnit;
  teacher: CommitteeUnit;
  /** teacher overlaps T = BBᵀ/N, M×M row-major */
  T: ArrayLike<number>;
  /** learning rate η of (1) */
  eta: number;
  /** teacher output noise variance σ² (default 0) */
  noiseVariance?: number;
  /** weight decay κ of (1) (default 0) */
  weightDecay?: number;
}

/** Q (K×K) and R (K×M), row-major. */
export interface OrderParameters {
  Q: Float64Array;
  R: Float64Array;
}

const TWO_OVER_PI = 2 / Math.PI;
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

function validate(p: CommitteeProblem): void {
  if (!Number.isInteger(p.K) || p.K < 1 || p.K > 64) throw new RangeError(`K must be an integer in [1, 64], got ${p.K}`);
  if (!Number.isInteger(p.M) || p.M < 1 || p.M > 64) throw new RangeError(`M must be an integer in [1, 64], got ${p.M}`);
  if (p.T.length !== p.M * p.M) throw new RangeError(`T must have M² = ${p.M * p.M} entries, got ${p.T.length}`);
  if (!(p.eta > 0) || !Number.isFinite(p.eta)) throw new RangeError(`eta must be a finite number > 0, got ${p.eta}`);
  const s2 = p.noiseVariance ?? 0, wd = p.weightDecay ?? 0;
  if (!(s2 >= 0) || !Number.isFinite(s2)) throw new RangeError(`noiseVariance must be finite and ≥ 0, got ${s2}`);
  if (!(wd >= 0) || !Number.isFinite(wd)) throw new RangeError(`weightDecay must be finite and ≥ 0, got ${wd}`);
}

/** The units of the K + M local fields, students first. */
export function fieldUnits(K: number, M: number, student: CommitteeUnit, teacher: CommitteeUnit): CommitteeUnit[] {
  return [...Array<CommitteeUnit>(K).fill(student), ...Array<CommitteeUnit>(M).fill(teacher)];
}

/** C = [[Q, R], [Rᵀ, T]], (K+M)×(K+M) row-major. */
export function fieldCovariance(Q: ArrayLike<number>, R: ArrayLike<number>, T: ArrayLike<number>, K: number, M: number): Float64Array {
  const n = K + M, C = new Float64Array(n * n);
  for (let i = 0; i < K; i++) {
    for (let k = 0; k < K; k++) C[i * n + k] = Q[i * K + k];
    for (let m = 0; m < M; m++) { C[i * n + K + m] = R[i * M + m]; C[(K + m) * n + i] = R[i * M + m]; }
  }
  for (let a = 0; a < M; a++) for (let b = 0; b < M; b++) C[(K + a) * n + K + b] = T[a * M + b];
  return C;
}

// ---------- the Gaussian integrals ----------

/** E[h_c h_d] for a zero-mean Gaussian with covariance entries cc, cd, dd (h = erf(·/√2) or identity). */
function pairMoment(cc: number, cd: number, dd: number, uc: CommitteeUnit, ud: CommitteeUnit): number {
  if (uc === 'erf' && ud === 'erf') return TWO_OVER_PI * libm.asin(clampUnit(cd / Math.sqrt((1 + cc) * (1 + dd))));
  if (uc === 'erf') return cd * SQRT_2_OVER_PI / Math.sqrt(1 + cc);
  if (ud === 'erf') return cd * SQRT_2_OVER_PI / Math.sqrt(1 + dd);
  return cd;
}

function clampUnit(x: number): number { return x > 1 ? 1 : x < -1 ? -1 : x; }

/**
 * The Gaussian tilt by the erf derivatives at indices `S` (0, 1 or 2 entries, possibly equal;
 * linear units are dropped: g′ = 1): returns the factor E[Π g′] and C′ = C − C_{·S}(I + C_SS)^{−1}C_{S·}.
 */
export function tilt(C: ArrayLike<number>, n: number, units: readonly CommitteeUnit[], S: readonly number[]): { factor: number; C: Float64Array } {
  const s = S.filter((a) => units[a] === 'erf');
  const out = Float64Array.from(C);
  if (s.length === 0) return { factor: 1, C: out };
  if (s.length === 1) {
    const a = s[0], A = 1 + C[a * n + a];
    for (let p = 0; p < n; p++) for (let q = 0; q < n; q++) out[p * n + q] -= C[p * n + a] * C[a * n + q] / A;
    return { factor: SQRT_2_OVER_PI / Math.sqrt(A), C: out };
  }
  if (s.length !== 2) throw new RangeError(`tilt takes at most 2 indices, got ${s.length}`);
  const [a, b] = s;
  const A11 = 1 + C[a * n + a], A12 = C[a * n + b], A22 = 1 + C[b * n + b];
  const det = A11 * A22 - A12 * A12;
  const i11 = A22 / det, i12 = -A12 / det, i22 = A11 / det;
  for (let p = 0; p < n; p++) {
    const pa = C[p * n + a], pb = C[p * n + b];
    const ya = i11 * pa + i12 * pb, yb = i12 * pa + i22 * pb;
    for (let q = 0; q < n; q++) out[p * n + q] -= ya * C[a * n + q] + yb * C[b * n + q];
  }
  return { factor: TWO_OVER_PI / Math.sqrt(det), C: out };
}

/** I₂(a,b) = E[g_a(u_a) g_b(u_b)] for any units. */
export function i2(C: ArrayLike<number>, n: number, units: readonly CommitteeUnit[], a: number, b: number): number {
  return pairMoment(C[a * n + a], C[a * n + b], C[b * n + b], units[a], units[b]);
}

/** I₃(a,b,c) = E[g′_a(u_a) u_b g_c(u_c)] for any units (Gaussian tilt route). */
export function i3(C: ArrayLike<number>, n: number, units: readonly CommitteeUnit[], a: number, b: number, c: number): number {
  const t = tilt(C, n, units, [a]);
  return t.factor * pairMoment(t.C[b * n + b], t.C[b * n + c], t.C[c * n + c], 'linear', units[c]);
}

/** I₄(a,b,c,d) = E[g′_a g′_b g_c g_d] for any units (Gaussian tilt route). */
export function i4(C: ArrayLike<number>, n: number, units: readonly CommitteeUnit[], a: number, b: number, c: number, d: number): number {
  const t = tilt(C, n, units, [a, b]);
  return t.factor * pairMoment(t.C[c * n + c], t.C[c * n + d], t.C[d * n + d], units[c], units[d]);
}

/** J₂(a,b) = E[g′_a(u_a) g′_b(u_b)]. */
export function j2(C: ArrayLike<number>, n: number, units: readonly CommitteeUnit[], a: number, b: number): number {
  return tilt(C, n, units, [a, b]).factor;
}

/** Saad & Solla's closed form of I₃ for erf units. */
export function i3Erf(C: ArrayLike<number>, n: number, a: number, b: number, c: number): number {
  const caa = C[a * n + a], ccc = C[c * n + c], cab = C[a * n + b], cac = C[a * n + c], cbc = C[b * n + c];
  const lambda3 = (1 + caa) * (1 + ccc) - cac * cac;
  return TWO_OVER_PI * (cbc * (1 + caa) - cab * cac) / ((1 + caa) * Math.sqrt(lambda3));
}

/** Saad & Solla's closed form of I₄ for erf units. */
export function i4Erf(C: ArrayLike<number>, n: number, a: number, b: number, c: number, d: number): number {
  const e = (p: number, q: number) => C[p * n + q];
  const caa = e(a, a), cbb = e(b, b), ccc = e(c, c), cdd = e(d, d);
  const cab = e(a, b), cac = e(a, c), cad = e(a, d), cbc = e(b, c), cbd = e(b, d), ccd = e(c, d);
  const l4 = (1 + caa) * (1 + cbb) - cab * cab;
  const l0 = l4 * ccd - cbc * cbd * (1 + caa) - cac * cad * (1 + cbb) + cab * cac * cbd + cab * cad * cbc;
  const l1 = l4 * (1 + ccc) - cbc * cbc * (1 + caa) - cac * cac * (1 + cbb) + 2 * cab * cac * cbc;
  const l2 = l4 * (1 + cdd) - cbd * cbd * (1 + caa) - cad * cad * (1 + cbb) + 2 * cab * cad * cbd;
  return (4 / (Math.PI * Math.PI)) / Math.sqrt(l4) * libm.asin(clampUnit(l0 / Math.sqrt(l1 * l2)));
}

// ---------- generalization error ----------

/** ε_g(Q, R, T) = ½E[(teacher − student)²] without the output noise. */
export function generalizationError(
  Q: ArrayLike<number>, R: ArrayLike<number>, T: ArrayLike<number>, K: number, M: number,
  student: CommitteeUnit = 'erf', teacher: CommitteeUnit = 'erf',
): number {
  const n = K + M, C = fieldCovariance(Q, R, T, K, M), units = fieldUnits(K, M, student, teacher);
  let e = 0;
  for (let a = 0; a < n; a++) {
    const sa = a < K ? -1 : 1;
    for (let b = 0; b < n; b++) e += sa * (b < K ? -1 : 1) * i2(C, n, units, a, b);
  }
  return 0.5 * e;
}

// ---------- the ODE ----------

/** Right-hand side (dQ/dα, dR/dα) at order parameters (Q, R); Q is taken symmetric. */
export function committeeRhs(problem: CommitteeProblem, state: OrderParameters): { dQ: Float64Array; dR: Float64Array } {
  validate(problem);
  const parts = rhsEvaluator(problem)(state.Q, state.R);
  const { K, M, eta } = problem, kappa = problem.weightDecay ?? 0;
  const dQ = new Float64Array(K * K), dR = new Float64Array(K * M);
  for (let j = 0; j < K * K; j++) dQ[j] = eta * parts.q1[j] + eta * eta * parts.q2[j] - 2 * kappa * state.Q[j];
  for (let j = 0; j < K * M; j++) dR[j] = eta * parts.r1[j] - kappa * state.R[j];
  return { dQ, dR };
}

/**
 * The η-free pieces of the flow: dR = η r1 − κR, dQ = η q1 + η² q2 − 2κQ (q2 includes σ² J₂).
 * Each I₃ row shares the tilt by one student, each I₄ block the tilt by a pair of students.
 * Returns an evaluator with its buffers allocated once (the integrator calls it 4× per step);
 * the arrays it returns are overwritten by the next call.
 */
function rhsEvaluator(problem: CommitteeProblem): (Q: ArrayLike<number>, R: ArrayLike<number>) => { q1: Float64Array; q2: Float64Array; r1: Float64Array } {
  const { K, M } = problem, n = K + M, sigma2 = problem.noiseVariance ?? 0;
  const units = fieldUnits(K, M, problem.student, problem.teacher);
  const sign = Float64Array.from({ length: n }, (_, p) => (p < K ? -1 : 1));
  const q1 = new Float64Array(K * K), q2 = new Float64Array(K * K), r1 = new Float64Array(K * M);
  const drive = new Float64Array(K * n), C = new Float64Array(n * n), Ct = new Float64Array(n * n);
  const T = Float64Array.from(problem.T);
  return (Q, R) => {
    // C = [[Q, R], [Rᵀ, T]]
    for (let i = 0; i < K; i++) {
      for (let k = 0; k < K; k++) C[i * n + k] = Q[i * K + k];
      for (let m = 0; m < M; m++) { C[i * n + K + m] = R[i * M + m]; C[(K + m) * n + i] = R[i * M + m]; }
    }
    for (let a = 0; a < M; a++) for (let b = 0; b < M; b++) C[(K + a) * n + K + b] = T[a * M + b];
    // E[δ g′_i u_b] = Σ_p s_p I₃(i, b, p) for every b (students and teachers).
    for (let i = 0; i < K; i++) {
      const factor = tiltInto(C, n, units, i, -1, Ct);
      for (let b = 0; b < n; b++) {
        let s = 0;
        for (let p = 0; p < n; p++) s += sign[p] * pairMoment(Ct[b * n + b], Ct[b * n + p], Ct[p * n + p], 'linear', units[p]);
        drive[i * n + b] = factor * s;
      }
    }
    for (let i = 0; i < K; i++) {
      for (let m = 0; m < M; m++) r1[i * M + m] = drive[i * n + K + m];
      for (let k = 0; k < K; k++) q1[i * K + k] = drive[i * n + k] + drive[k * n + i];
    }
    // E[δ² g′_i g′_k] = Σ_pq s_p s_q I₄(i,k,p,q) + σ² J₂(i,k).
    for (let i = 0; i < K; i++) {
      for (let k = i; k < K; k++) {
        const factor = tiltInto(C, n, units, i, k, Ct);
        let s = 0;
        for (let p = 0; p < n; p++) {
          const cpp = Ct[p * n + p];
          s += pairMoment(cpp, cpp, cpp, units[p], units[p]);
          for (let q = p + 1; q < n; q++) s += 2 * sign[p] * sign[q] * pairMoment(cpp, Ct[p * n + q], Ct[q * n + q], units[p], units[q]);
        }
        const v = factor * (s + sigma2);
        q2[i * K + k] = v; q2[k * K + i] = v;
      }
    }
    return { q1, q2, r1 };
  };
}

/** `tilt` by index a (b < 0) or the pair (a, b), writing C′ into `out`; returns the factor. */
function tiltInto(C: Float64Array, n: number, units: readonly CommitteeUnit[], a: number, b: number, out: Float64Array): number {
  const ea = units[a] === 'erf', eb = b >= 0 && units[b] === 'erf';
  if (!ea && !eb) { out.set(C); return 1; }
  if (ea !== eb) {
    const t = ea ? a : b, A = 1 + C[t * n + t];
    for (let p = 0; p < n; p++) { const y = C[p * n + t] / A; for (let q = 0; q < n; q++) out[p * n + q] = C[p * n + q] - y * C[t * n + q]; }
    return SQRT_2_OVER_PI / Math.sqrt(A);
  }
  const A11 = 1 + C[a * n + a], A12 = C[a * n + b], A22 = 1 + C[b * n + b];
  const det = A11 * A22 - A12 * A12;
  const i11 = A22 / det, i12 = -A12 / det, i22 = A11 / det;
  for (let p = 0; p < n; p++) {
    const pa = C[p * n + a], pb = C[p * n + b];
    const ya = i11 * pa + i12 * pb, yb = i12 * pa + i22 * pb;
    for (let q = 0; q < n; q++) out[p * n + q] = C[p * n + q] - ya * C[a * n + q] - yb * C[b * n + q];
  }
  return TWO_OVER_PI / Math.sqrt(det);
}

export interface IntegrateOptions {
  /** times α at which to record, increasing, ≥ 0 */
  alphas: readonly number[];
  /** step in α (default 0.02) */
  dt?: number;
  method?: 'rk4' | 'euler';
  /** after every step, average over permutations of the students (stays on the symmetric subspace exactly) */
  symmetric?: boolean;
}

export interface CommitteeTrajectory {
  alpha: number[];
  eg: number[];
  Q: Float64Array[];
  R: Float64Array[];
  /** false when the order parameters became non-finite (the record stops there) */
  finite: boolean;
}

/** Integrate the order-parameter ODE from `init` (at α = 0) and record at `alphas`. */
export function integrateCommittee(problem: CommitteeProblem, init: OrderParameters, opts: IntegrateOptions): CommitteeTrajectory {
  validate(problem);
  const { K, M, eta } = problem, kappa = problem.weightDecay ?? 0;
  const dt = opts.dt ?? 0.02, method = opts.method ?? 'rk4';
  if (!(dt > 0) || !Number.isFinite(dt)) throw new RangeError(`dt must be a finite number > 0, got ${dt}`);
  if (init.Q.length !== K * K || init.R.length !== K * M) throw new RangeError(`init needs Q with K² = ${K * K} and R with K·M = ${K * M} entries`);
  for (let j = 1; j < opts.alphas.length; j++) if (!(opts.alphas[j] >= opts.alphas[j - 1])) throw new RangeError('alphas must be increasing');
  if (opts.alphas.length && !(opts.alphas[0] >= 0)) throw new RangeError('alphas must be ≥ 0');
  const nq = K * K, dim = nq + K * M;
  const parts0 = rhsEvaluator(problem);
  const f = (y: Float64Array, out: Float64Array) => {
    const parts = parts0(y.subarray(0, nq), y.subarray(nq));
    for (let j = 0; j < nq; j++) out[j] = eta * parts.q1[j] + eta * eta * parts.q2[j] - 2 * kappa * y[j];
    for (let j = 0; j < K * M; j++) out[nq + j] = eta * parts.r1[j] - kappa * y[nq + j];
  };
  let y = new Float64Array(dim);
  y.set(init.Q, 0); y.set(init.R, nq);
  if (opts.symmetric) symmetrize(y, K, M);
  const k1 = new Float64Array(dim), k2 = new Float64Array(dim), k3 = new Float64Array(dim), k4 = new Float64Array(dim), tmp = new Float64Array(dim);
  const step = (h: number) => {
    f(y, k1);
    if (method === 'euler') { for (let j = 0; j < dim; j++) y[j] += h * k1[j]; }
    else {
      for (let j = 0; j < dim; j++) tmp[j] = y[j] + 0.5 * h * k1[j];
      f(tmp, k2);
      for (let j = 0; j < dim; j++) tmp[j] = y[j] + 0.5 * h * k2[j];
      f(tmp, k3);
      for (let j = 0; j < dim; j++) tmp[j] = y[j] + h * k3[j];
      f(tmp, k4);
      for (let j = 0; j < dim; j++) y[j] += (h / 6) * (k1[j] + 2 * k2[j] + 2 * k3[j] + k4[j]);
    }
    if (opts.symmetric) symmetrize(y, K, M);
  };
  const out: CommitteeTrajectory = { alpha: [], eg: [], Q: [], R: [], finite: true };
  let alpha = 0;
  for (const target of opts.alphas) {
    while (alpha < target - 1e-12) {
      const h = Math.min(dt, target - alpha);
      step(h);
      alpha += h;
      if (!y.every(Number.isFinite)) { out.finite = false; return out; }
    }
    const Q = y.slice(0, nq), R = y.slice(nq);
    out.alpha.push(target);
    out.eg.push(generalizationError(Q, R, problem.T, K, M, problem.student, problem.teacher));
    out.Q.push(Q); out.R.push(R);
  }
  return out;
}

/** Average (Q, R) over permutations of the students: Q_ii → mean, Q_i≠k → mean, R_in → mean over i. */
function symmetrize(y: Float64Array, K: number, M: number): void {
  let d = 0, o = 0;
  for (let i = 0; i < K; i++) for (let k = 0; k < K; k++) { if (i === k) d += y[i * K + k]; else o += y[i * K + k]; }
  d /= K; o = K > 1 ? o / (K * (K - 1)) : 0;
  for (let i = 0; i < K; i++) for (let k = 0; k < K; k++) y[i * K + k] = i === k ? d : o;
  const nq = K * K;
  for (let m = 0; m < M; m++) {
    let r = 0;
    for (let i = 0; i < K; i++) r += y[nq + i * M + m];
    for (let i = 0; i < K; i++) y[nq + i * M + m] = r / K;
  }
}

export interface SymmetricPlateau {
  Q: Float64Array;
  R: Float64Array;
  eg: number;
  /** max |d(Q,R)/dα| at the returned point (≈ 0 at a fixed point) */
  residual: number;
}

/**
 * The symmetric plateau: the attracting fixed point of the flow restricted to the symmetric
 * subspace (all students identical in distribution: Q_ii = q, Q_i≠k = c, R_in = r_n). Integrated
 * there from Q = q0·I, R = 0 until ε_g changes by < 1e-3 relative over 20 units of α, then
 * polished by Newton's method in (q, c, r_1..r_M). The default q0 = ½ starts with q − c of order
 * one: from a tiny start the flow first passes the manifold of coincident students (q = c), itself
 * a fixed point of the symmetric flow but unstable along q − c (ε_g there differs by ~0.3 % for
 * K = M = 2, η = ½), and drifts off it only slowly. NaN when the flow does not settle by alphaMax.
 */
export function symmetricPlateau(problem: CommitteeProblem, opts: { q0?: number; alphaMax?: number; dt?: number } = {}): SymmetricPlateau {
  validate(problem);
  const { K, M } = problem;
  const q0 = opts.q0 ?? 0.5, alphaMax = opts.alphaMax ?? 2000 / Math.min(problem.eta, 1), dt = opts.dt ?? 0.05;
  const fail: SymmetricPlateau = { Q: new Float64Array(K * K), R: new Float64Array(K * M), eg: NaN, residual: Infinity };
  const expand = (z: ArrayLike<number>) => {
    const Q = new Float64Array(K * K), R = new Float64Array(K * M);
    for (let i = 0; i < K; i++) for (let k = 0; k < K; k++) Q[i * K + k] = i === k ? z[0] : z[1];
    for (let i = 0; i < K; i++) for (let m = 0; m < M; m++) R[i * M + m] = z[2 + m];
    return { Q, R };
  };
  const reducedRhs = (z: ArrayLike<number>) => {
    const s = expand(z), r = committeeRhs(problem, s);
    return [r.dQ[0], K > 1 ? r.dQ[1] : 0, ...Array.from(r.dR.subarray(0, M))];
  };
  // 1. The symmetric flow, recorded every unit of α, in chunks until ε_g settles: the first α
  //    after which it changes by < 1e-3 relative over 20 units of α.
  let Q: Float64Array = new Float64Array(K * K), R: Float64Array = new Float64Array(K * M);
  for (let i = 0; i < K; i++) Q[i * K + i] = q0;
  const egs: number[] = [], Qs: Float64Array[] = [], Rs: Float64Array[] = [];
  let settled = -1;
  while (settled < 0 && egs.length < alphaMax) {
    const tr = integrateCommittee(problem, { Q, R }, { alphas: Array.from({ length: 20 }, (_, j) => j + 1), dt, symmetric: true });
    if (!tr.finite) return fail;
    egs.push(...tr.eg); Qs.push(...tr.Q); Rs.push(...tr.R);
    Q = tr.Q[19]; R = tr.R[19];
    for (let j = Math.max(0, egs.length - 40); j + 20 < egs.length; j++) if (Math.abs(egs[j + 20] - egs[j]) < 1e-3 * egs[j]) { settled = j; break; }
  }
  if (settled < 0) return fail;
  // 2. Newton on the reduced coordinates z = (q, c, r_1..r_M); c is absent (kept 0) for K = 1.
  const dim = 2 + M;
  const z = [Qs[settled][0], K > 1 ? Qs[settled][1] : 0, ...Array.from(Rs[settled].subarray(0, M))];
  const active = Array.from({ length: dim }, (_, j) => j).filter((j) => K > 1 || j !== 1);
  let f = reducedRhs(z);
  for (let it = 0; it < 30 && Math.max(...f.map(Math.abs)) > 1e-14; it++) {
    const m = active.length, J = mat(m, m), rhs = mat(m, 1);
    active.forEach((col, c) => {
      const h = 1e-7 * Math.max(1, Math.abs(z[col]));
      const zp = z.slice(), zm = z.slice();
      zp[col] += h; zm[col] -= h;
      const fp = reducedRhs(zp), fm = reducedRhs(zm);
      active.forEach((row, r) => { J.data[r * m + c] = (fp[row] - fm[row]) / (2 * h); });
    });
    active.forEach((row, r) => { rhs.data[r] = -f[row]; });
    const step = solve(J, rhs);
    active.forEach((col, c) => { z[col] += step.data[c]; });
    f = reducedRhs(z);
  }
  const fixed = expand(z);
  const eg = generalizationError(fixed.Q, fixed.R, problem.T, K, M, problem.student, problem.teacher);
  const residual = Math.max(...f.map(Math.abs));
  return { Q: fixed.Q, R: fixed.R, eg, residual };
}

// ---------- stability of the perfect solution ----------

/** Largest real part of an eigenvalue of A (d×d): the growth rate of ‖e^{At}‖, by scaling and squaring. */
export function maxRealEigenvalue(A: Float64Array, d: number): number {
  let norm = 0;
  for (let r = 0; r < d; r++) { let s = 0; for (let c = 0; c < d; c++) s += Math.abs(A[r * d + c]); norm = Math.max(norm, s); }
  if (norm === 0) return 0;
  const h = 0.25 / norm;
  // E = exp(hA) by Taylor (‖hA‖ ≤ ¼: 20 terms reach rounding).
  let E: Float64Array = new Float64Array(d * d), term: Float64Array = new Float64Array(d * d);
  for (let r = 0; r < d; r++) { E[r * d + r] = 1; term[r * d + r] = 1; }
  for (let k = 1; k <= 20; k++) {
    const next = matmul(term, A, d);
    for (let j = 0; j < d * d; j++) { next[j] *= h / k; E[j] += next[j]; }
    term = next;
  }
  // exp(hA·2^s) = e^{L} Ê with Ê normalized; rate = L/(h 2^s).
  let L = 0;
  const normalize = () => { let m = 0; for (let j = 0; j < d * d; j++) m = Math.max(m, Math.abs(E[j])); for (let j = 0; j < d * d; j++) E[j] /= m; return libm.log(m); };
  L = normalize();
  let scale = h;
  for (let s = 0; s < 60; s++) {
    E = matmul(E, E, d);
    L = 2 * L + normalize();
    scale *= 2;
  }
  return L / scale;
}

function matmul(A: Float64Array, B: Float64Array, d: number): Float64Array {
  const C = new Float64Array(d * d);
  for (let r = 0; r < d; r++) for (let k = 0; k < d; k++) { const a = A[r * d + k]; if (a !== 0) for (let c = 0; c < d; c++) C[r * d + c] += a * B[k * d + c]; }
  return C;
}

/**
 * η_max: the learning rate above which the perfect solution Q = R = T (K = M, same units) is
 * unstable under the noiseless flow without weight decay. NaN when K ≠ M or the units differ.
 */
export function stabilityLimit(problem: Omit<CommitteeProblem, 'eta'> & { eta?: number }, opts: { etaMax?: number } = {}): number {
  const { K, M } = problem;
  // Linear students: only the sum Σ_i w_i enters ŷ and every unit gets the same update, so the sum
  // follows LMS with rate Kη: stable iff Kη < 2 (for any teacher; its fixed point is not isolated).
  if (problem.student === 'linear') return 2 / K;
  if (K !== M || problem.teacher !== 'erf') return NaN;
  const base: CommitteeProblem = { ...problem, eta: 1, noiseVariance: 0, weightDecay: 0 };
  validate(base);
  // Independent coordinates: Q_ik (i ≤ k) and R_in.
  const pairs: [number, number][] = [];
  for (let i = 0; i < K; i++) for (let k = i; k < K; k++) pairs.push([i, k]);
  const d = pairs.length + K * M;
  const unpack = (v: Float64Array) => {
    const Q = new Float64Array(K * K), R = new Float64Array(K * M);
    pairs.forEach(([i, k], j) => { Q[i * K + k] = v[j]; Q[k * K + i] = v[j]; });
    for (let j = 0; j < K * M; j++) R[j] = v[pairs.length + j];
    return { Q, R };
  };
  const pack = (q: Float64Array, r: Float64Array, out: Float64Array) => {
    pairs.forEach(([i, k], j) => { out[j] = q[i * K + k]; });
    for (let j = 0; j < K * M; j++) out[pairs.length + j] = r[j];
  };
  const star = new Float64Array(d);
  pack(Float64Array.from(problem.T), Float64Array.from(problem.T), star);
  // Jacobians of the η¹ and η² parts by central differences.
  const J1 = new Float64Array(d * d), J2 = new Float64Array(d * d);
  const f1 = new Float64Array(d), f2 = new Float64Array(d), b1 = new Float64Array(d), b2 = new Float64Array(d);
  const eps = 1e-6, evaluate = rhsEvaluator(base);
  for (let c = 0; c < d; c++) {
    const vp = star.slice(), vm = star.slice();
    vp[c] += eps; vm[c] -= eps;
    const sp = unpack(vp), sm = unpack(vm);
    const pp = evaluate(sp.Q, sp.R);
    pack(pp.q1, pp.r1, f1); pack(pp.q2, new Float64Array(K * M), f2);
    const pm = evaluate(sm.Q, sm.R);
    pack(pm.q1, pm.r1, b1); pack(pm.q2, new Float64Array(K * M), b2);
    for (let r = 0; r < d; r++) { J1[r * d + c] = (f1[r] - b1[r]) / (2 * eps); J2[r * d + c] = (f2[r] - b2[r]) / (2 * eps); }
  }
  const rate = (eta: number) => maxRealEigenvalue(J1.map((v, j) => v + eta * J2[j]), d);
  if (!(rate(1e-9) < 0)) return 0;
  const top = opts.etaMax ?? 50;
  // Scan for the first crossing, then bisect.
  let lo = 0, hi = NaN;
  for (let eta = 0.02; eta <= top; eta *= 1.05) { if (rate(eta) >= 0) { hi = eta; break; } lo = eta; }
  if (!Number.isFinite(hi)) return Infinity;
  for (let it = 0; it < 60; it++) { const mid = 0.5 * (lo + hi); if (rate(mid) >= 0) hi = mid; else lo = mid; }
  return 0.5 * (lo + hi);
}

/**
 * Jacobian of the full flow (η, σ², κ included) at (Q, R), by central differences, in the
 * independent coordinates (Q_ik for i ≤ k, then R_in): d = K(K+1)/2 + KM.
 */
export function flowJacobian(problem: CommitteeProblem, state: OrderParameters, eps = 1e-6): { J: Float64Array; d: number } {
  validate(problem);
  const { K, M } = problem;
  const pairs: [number, number][] = [];
  for (let i = 0; i < K; i++) for (let k = i; k < K; k++) pairs.push([i, k]);
  const d = pairs.length + K * M, J = new Float64Array(d * d);
  const at = (c: number, h: number) => {
    const Q = Float64Array.from(state.Q), R = Float64Array.from(state.R);
    if (c < pairs.length) { const [i, k] = pairs[c]; Q[i * K + k] += h; if (i !== k) Q[k * K + i] += h; }
    else R[c - pairs.length] += h;
    const r = committeeRhs(problem, { Q, R });
    return [...pairs.map(([i, k]) => r.dQ[i * K + k]), ...Array.from(r.dR)];
  };
  for (let c = 0; c < d; c++) {
    const fp = at(c, eps), fm = at(c, -eps);
    for (let r = 0; r < d; r++) J[r * d + c] = (fp[r] - fm[r]) / (2 * eps);
  }
  return { J, d };
}

/**
 * μ: the growth rate of the symmetry-breaking perturbation on the plateau, the largest real part
 * of an eigenvalue of the flow's Jacobian at the symmetric fixed point (per unit α). A perturbation
 * of size a₀ takes ≈ ln(a_escape/a₀)/μ to leave the plateau, so a factor f in a₀ shifts the
 * escape by ln f / μ.
 */
export function plateauEscapeRate(problem: CommitteeProblem, plateau: OrderParameters = symmetricPlateau(problem)): number {
  const { J, d } = flowJacobian(problem, plateau);
  return maxRealEigenvalue(J, d);
}
