/**
 * Hessian estimators of a training loss, all built on exact Hessian-vector products
 * (`flatLoss(f, like).hvp(θ, ·)`, double backward — no finite differences):
 *
 * - `topHessianEigen`: top-k eigenpairs by Lanczos with full reorthogonalization
 *   (src/engine/linalg/lanczos.ts); `powerIteration` as an independent cross-check (it converges
 *   to the eigenvalue of largest |λ|, which is λ_max only when λ_max ≥ |λ_min|).
 * - `hutchinsonTrace`: tr(H) = E[zᵀHz] for Rademacher z (Hutchinson 1990); the variance of one
 *   probe is 2 Σ_{i≠j} H_ij², so diagonal H gives the exact trace. Reports the standard error
 *   s/√m and stops when it falls below relTol·|estimate|.
 * - `slqDensity`: spectral density φ(t) = (1/n) Σ_i δ(t − λ_i) by stochastic Lanczos quadrature
 *   (Golub & Meurant; Lin, Saad & Yang 2016; Ghorbani, Krishnan & Xiao 2019). For a unit probe v,
 *   m Lanczos steps give T_m = S Θ Sᵀ and the Gauss quadrature vᵀ g(H) v ≈ Σ_k w_k g(θ_k) with
 *   nodes θ_k and weights w_k = S_{1k}² (first components of T_m's eigenvectors), exact for
 *   polynomials of degree ≤ 2m − 1. The weights of each probe sum to 1, so the broadened density
 *   (1/n_v) Σ_probes Σ_k w_k N(t; θ_k, σ²) integrates to 1. (PyHessian's SLQ weights were wrong
 *   for a while after a refactor, fixed in its PR #23; the tests here check Σ_k w_k = 1, ∫φ = 1 and
 *   the quadrature's exactness on moments vᵀHʲv, j ≤ 2m − 1.)
 * - Per-block (per-layer) versions: the block Hessian H_bb acts as u ↦ [H·embed_b(u)]_b.
 *   The per-block Hutchinson trace needs no extra HVPs: with one Rademacher z over all of θ,
 *   E[z_bᵀ(Hz)_b] = tr(H_bb) because different blocks' probe entries are independent and mean
 *   zero. Σ_b tr(H_bb) = tr(H).
 * - `preconditionedSharpness`: λ_max(P⁻¹H) for Adam with P = diag(√v̂ + ε) (Cohen et al. 2022,
 *   "Adaptive gradient methods at the edge of stability": their P_t, with v̂ the bias-corrected
 *   second moment; optionally the first-moment bias-correction factor 1 − β₁^t), computed as the
 *   top eigenvalue of the symmetric P^{-1/2} H P^{-1/2} (similar to P⁻¹H). Its stability threshold
 *   is (2 + 2β₁)/((1 − β₁)η) (src/theory/stability.ts).
 * - Gauss–Newton / NTK: for L = (1/2n) Σ‖f(x_i) − y_i‖², H = G + Σ residual·∇²f with
 *   G = (1/n) JᵀJ (J: the nk × P Jacobian of all outputs). G and K/n, K = JJᵀ the empirical NTK
 *   Gram matrix, share their nonzero eigenvalues (JᵀJ and JJᵀ do), so the NTK's largest stable GD
 *   step is 2/λ_max(G) = 2n/λ_max(K).
 */
import { lanczos, tridiagonalEigenEnds, type Mat, mat } from '../engine/linalg/index.js';
import { Rng } from '../engine/rng.js';
import { Tensor } from '../engine/tensor.js';
import { jvp, vjp } from '../engine/autodiff.js';
import { flatten, unflatten, paramCount } from '../engine/params.js';
import * as libm from '../engine/libm.js';

/** H·v at a fixed θ. Must return a new array (or one not reused before the next call). */
export type HessianOperator = (v: Float64Array) => ArrayLike<number>;

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function norm(a: ArrayLike<number>): number {
  return Math.sqrt(dot(a, a));
}

function checkDim(dim: number, who: string): void {
  if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`${who}: dimension must be a positive integer (got ${dim})`);
}

function apply(op: HessianOperator, v: Float64Array, dim: number, who: string): Float64Array {
  const r = op(v);
  if (r.length !== dim) throw new RangeError(`${who}: operator returned ${r.length} entries for dimension ${dim}`);
  return r instanceof Float64Array ? r : Float64Array.from(r);
}

// ---------------------------------------------------------------------------------------
// Top eigenpairs.

export interface EigenOptions {
  /** Number of eigenpairs (default 1). */
  k?: number;
  /** 'largest' (default, descending), 'smallest' (ascending), or 'both'. */
  which?: 'largest' | 'smallest' | 'both';
  /** Relative residual tolerance ‖Hy − θy‖ ≤ tol·|θ| (default 1e-6). */
  tol?: number;
  /** Most HVPs (default min(dim, max(200, 10k))). */
  maxIter?: number;
  rng?: Rng;
  start?: ArrayLike<number>;
}

export interface EigenResult {
  values: Float64Array;
  vectors: Float64Array[];
  residuals: Float64Array;
  /** Hessian-vector products used. */
  hvps: number;
  converged: boolean;
}

/**
 * Top-k Hessian eigenpairs by Lanczos with full reorthogonalization on exact HVPs.
 *
 * A single Krylov space holds one copy of each eigenvalue (in exact arithmetic), and exact
 * multiplicities are common in Hessians for structural reasons (for MSE the last layer's block is
 * A ⊗ I_k: every eigenvalue k-fold). So for k > 1 and which = 'largest' or 'smallest' the result is
 * checked: Lanczos (k = 1) on the deflated operator P H P, P = I − VVᵀ over the pairs found so far,
 * from a start orthogonal to V; a value beyond the current k-th one is a missed copy and is merged
 * in, and the check repeats. Costs one extra single-eigenvalue run when nothing was missed.
 */
export function topHessianEigen(hvp: HessianOperator, dim: number, opts: EigenOptions & { checkMultiplicity?: boolean } = {}): EigenResult {
  checkDim(dim, 'topHessianEigen');
  const k = Math.min(opts.k ?? 1, dim);
  const which = opts.which ?? 'largest';
  const tol = opts.tol ?? 1e-6;
  const rng = opts.rng ?? new Rng(0x4e55);
  const op = (v: Float64Array) => apply(hvp, v, dim, 'topHessianEigen');
  const r = lanczos(op, dim, {
    k, which, tol,
    maxIter: opts.maxIter ?? Math.min(dim, Math.max(200, 10 * k)),
    rng,
    ...(opts.start ? { start: opts.start } : {}),
  });
  let hvps = r.iterations;
  let converged = r.converged;
  const pairs = Array.from(r.values, (value, i) => ({ value, vector: r.vectors[i], residual: r.residuals[i] }));
  if (k > 1 && k < dim && which !== 'both' && (opts.checkMultiplicity ?? true)) {
    const sign = which === 'largest' ? 1 : -1;
    const found = pairs.map((p) => p.vector); // every vector found so far (deflation basis)
    for (let round = 0; round < k && found.length < dim; round++) {
      const project = (x: Float64Array) => {
        for (let pass = 0; pass < 2; pass++) {
          for (const q of found) {
            const c = dot(q, x);
            for (let i = 0; i < dim; i++) x[i] -= c * q[i];
          }
        }
        return x;
      };
      const start = project(rng.normals(dim));
      if (!(norm(start) > 0)) break;
      const d = lanczos((v) => project(op(project(Float64Array.from(v)))), dim, {
        k: 1, which, tol, maxIter: Math.min(dim - found.length, Math.max(100, opts.maxIter ?? 200)), rng, start,
      });
      hvps += d.iterations;
      converged &&= d.converged;
      const theta = d.values[0];
      const kth = pairs[pairs.length - 1].value;
      if (!(sign * (theta - kth) > Math.max(tol * Math.abs(kth), 1e-12 * Math.abs(pairs[0].value)))) break;
      // A missed copy: insert it, drop the last.
      const y = d.vectors[0];
      found.push(y);
      pairs.push({ value: theta, vector: y, residual: d.residuals[0] });
      pairs.sort((a, b) => sign * (b.value - a.value));
      pairs.length = k;
    }
  }
  return {
    values: Float64Array.from(pairs, (p) => p.value),
    vectors: pairs.map((p) => p.vector),
    residuals: Float64Array.from(pairs, (p) => p.residual),
    hvps, converged,
  };
}

export interface PowerResult {
  /** Rayleigh quotient vᵀHv of the final unit vector: the eigenvalue of largest |λ|. */
  value: number;
  vector: Float64Array;
  /** ‖Hv − value·v‖. */
  residual: number;
  hvps: number;
  converged: boolean;
}

/**
 * Power iteration v ← Hv/‖Hv‖ with Rayleigh quotient θ = vᵀHv, stopped when the residual
 * ‖Hv − θv‖ ≤ tol·|θ| (default 1e-6) or after maxIter HVPs (default 1000). Converges to the
 * dominant (largest-|λ|) eigenvalue at rate |λ₂/λ₁| per step: a cross-check for Lanczos.
 */
export function powerIteration(
  hvp: HessianOperator, dim: number, opts: { tol?: number; maxIter?: number; rng?: Rng; start?: ArrayLike<number> } = {},
): PowerResult {
  checkDim(dim, 'powerIteration');
  const tol = opts.tol ?? 1e-6, maxIter = opts.maxIter ?? 1000;
  let v = opts.start ? Float64Array.from(opts.start) : (opts.rng ?? new Rng(0x9e37)).normals(dim);
  if (v.length !== dim) throw new RangeError(`powerIteration: start has ${v.length} entries for dimension ${dim}`);
  let nv = norm(v);
  if (!(nv > 0)) throw new RangeError('powerIteration: start vector must be nonzero');
  for (let i = 0; i < dim; i++) v[i] /= nv;
  let value = 0, residual = Infinity, hvps = 0;
  while (hvps < maxIter) {
    const Hv = apply(hvp, v, dim, 'powerIteration');
    hvps++;
    value = dot(v, Hv);
    let r2 = 0;
    for (let i = 0; i < dim; i++) { const d = Hv[i] - value * v[i]; r2 += d * d; }
    residual = Math.sqrt(r2);
    nv = norm(Hv);
    if (residual <= tol * Math.abs(value) || nv === 0) {
      return { value, vector: v, residual, hvps, converged: true };
    }
    for (let i = 0; i < dim; i++) Hv[i] /= nv;
    v = Hv;
  }
  return { value, vector: v, residual, hvps, converged: false };
}

// ---------------------------------------------------------------------------------------
// Hutchinson trace.

export interface TraceOptions {
  /** Stop once stderr ≤ relTol·|estimate| (default 0.01). */
  relTol?: number;
  /** ...or once stderr ≤ absTol (default 0). */
  absTol?: number;
  /** At least this many probes before the stopping rule applies (default 10, ≥ 2). */
  minProbes?: number;
  /** At most this many probes (default 1000). */
  maxProbes?: number;
  rng?: Rng;
}

export interface TraceResult {
  /** Sample mean of zᵀHz. */
  value: number;
  /** Standard error s/√m of the mean (s: sample standard deviation of the m probes). */
  stderr: number;
  probes: number;
  /** The stopping tolerance was met (else maxProbes was reached). */
  converged: boolean;
}

/** Running mean and variance (Welford). */
class Moments {
  n = 0;
  mean = 0;
  m2 = 0;
  push(x: number): void {
    this.n++;
    const d = x - this.mean;
    this.mean += d / this.n;
    this.m2 += d * (x - this.mean);
  }
  get stderr(): number {
    return this.n < 2 ? Infinity : Math.sqrt(this.m2 / (this.n - 1) / this.n);
  }
}

function traceOpts(o: TraceOptions, who: string) {
  const relTol = o.relTol ?? 0.01, absTol = o.absTol ?? 0;
  const minProbes = Math.max(2, o.minProbes ?? 10), maxProbes = Math.max(minProbes, o.maxProbes ?? 1000);
  if (!(relTol >= 0) || !(absTol >= 0)) throw new RangeError(`${who}: relTol and absTol must be ≥ 0`);
  return { relTol, absTol, minProbes, maxProbes, rng: o.rng ?? new Rng(0x7ace) };
}

const settled = (m: Moments, relTol: number, absTol: number) => m.stderr <= Math.max(relTol * Math.abs(m.mean), absTol);

function rademacher(rng: Rng, dim: number): Float64Array {
  const z = new Float64Array(dim);
  for (let i = 0; i < dim; i++) z[i] = rng.rademacher();
  return z;
}

/** Hutchinson estimate of tr(H) with Rademacher probes, a standard error and a stopping rule. */
export function hutchinsonTrace(hvp: HessianOperator, dim: number, opts: TraceOptions = {}): TraceResult {
  checkDim(dim, 'hutchinsonTrace');
  const o = traceOpts(opts, 'hutchinsonTrace');
  const m = new Moments();
  while (m.n < o.maxProbes) {
    const z = rademacher(o.rng, dim);
    m.push(dot(z, apply(hvp, z, dim, 'hutchinsonTrace')));
    if (m.n >= o.minProbes && settled(m, o.relTol, o.absTol)) break;
  }
  return { value: m.mean, stderr: m.stderr, probes: m.n, converged: settled(m, o.relTol, o.absTol) && m.n >= o.minProbes };
}

// ---------------------------------------------------------------------------------------
// Stochastic Lanczos quadrature.

export interface QuadratureRule {
  /** Ritz values θ_k (ascending). */
  nodes: Float64Array;
  /** Gauss weights w_k = (first component of the k-th eigenvector of T_m)²; they sum to 1. */
  weights: Float64Array;
}

/**
 * The m-point Gauss quadrature rule of the spectral measure of H seen from the direction v:
 * Σ_k w_k g(θ_k) ≈ vᵀ g(H) v / ‖v‖², exact for polynomials g of degree ≤ 2m − 1. Fewer nodes
 * when the Krylov space of v is invariant (then the rule is exact for every g).
 */
export function lanczosQuadrature(hvp: HessianOperator, dim: number, v: ArrayLike<number>, steps: number): QuadratureRule {
  checkDim(dim, 'lanczosQuadrature');
  const m = Math.min(dim, Math.max(1, Math.floor(steps)));
  // k = m wanted pairs only "converge" on an invariant subspace; later restart blocks (after a
  // zero β) are orthogonal to v, so their eigenvectors have zero first component: weight 0.
  const r = lanczos((x) => apply(hvp, x, dim, 'lanczosQuadrature'), dim, { k: m, maxIter: m, tol: 1e-14, start: v });
  const { values, first } = tridiagonalEigenEnds(r.alpha, r.beta);
  const weights = new Float64Array(values.length);
  let s = 0;
  for (let i = 0; i < values.length; i++) { weights[i] = first[i] * first[i]; s += weights[i]; }
  // Σ w = 1 up to rounding (first row of an orthogonal matrix); renormalise the last ulps away.
  for (let i = 0; i < weights.length; i++) weights[i] /= s;
  return { nodes: values, weights };
}

/** (1/P) Σ_p Σ_k w_pk N(t; θ_pk, σ²) on `grid`: integrates to 1 when each probe's weights do. */
export function broadenedDensity(rules: QuadratureRule[], sigma: number, grid: ArrayLike<number>): Float64Array {
  if (!(sigma > 0)) throw new RangeError(`broadenedDensity: σ must be > 0 (got ${sigma})`);
  const out = new Float64Array(grid.length);
  const c = 1 / (Math.sqrt(2 * Math.PI) * sigma * rules.length);
  for (const r of rules) {
    for (let k = 0; k < r.nodes.length; k++) {
      const w = r.weights[k], th = r.nodes[k];
      if (w === 0) continue;
      for (let j = 0; j < grid.length; j++) {
        const d = (grid[j] - th) / sigma;
        out[j] += c * w * libm.exp(-0.5 * d * d);
      }
    }
  }
  return out;
}

export interface DensityOptions {
  /** Random probes (default 10). */
  probes?: number;
  /** Lanczos steps per probe = quadrature nodes (default 60, ≤ dim). */
  steps?: number;
  /** Gaussian broadening σ (default 1% of the Ritz-value range, at least 1e-4·max|θ|). */
  sigma?: number;
  /** Grid points (default 400), spanning [θ_min − 5σ, θ_max + 5σ]. */
  gridSize?: number;
  rng?: Rng;
}

export interface DensityResult {
  rules: QuadratureRule[];
  sigma: number;
  grid: Float64Array;
  /** Broadened spectral density on `grid` (∫ = 1). */
  density: Float64Array;
  /** Extreme Ritz values over all probes (each within the true spectrum's range). */
  lambdaMin: number;
  lambdaMax: number;
  /** SLQ estimate of tr(H) = n · mean over probes of Σ_k w_k θ_k. */
  trace: number;
  hvps: number;
}

/** Spectral density of H by stochastic Lanczos quadrature with Gaussian broadening. */
export function slqDensity(hvp: HessianOperator, dim: number, opts: DensityOptions = {}): DensityResult {
  checkDim(dim, 'slqDensity');
  const probes = Math.max(1, Math.floor(opts.probes ?? 10));
  const steps = Math.min(dim, Math.max(1, Math.floor(opts.steps ?? 60)));
  const gridSize = Math.max(2, Math.floor(opts.gridSize ?? 400));
  const rng = opts.rng ?? new Rng(0x51c0);
  const rules: QuadratureRule[] = [];
  let lo = Infinity, hi = -Infinity, trace = 0, hvps = 0;
  for (let p = 0; p < probes; p++) {
    const v = rng.split(`probe${p}`).normals(dim);
    const r = lanczosQuadrature(hvp, dim, v, steps);
    hvps += Math.min(steps, dim);
    rules.push(r);
    lo = Math.min(lo, r.nodes[0]);
    hi = Math.max(hi, r.nodes[r.nodes.length - 1]);
    trace += (dim * dot(r.weights, r.nodes)) / probes;
  }
  // Default σ: 1% of the Ritz range, which is floored at 1% of the spectrum's scale so that a
  // (numerically) single-point spectrum still gets a resolvable width.
  const sigma = opts.sigma ?? 0.01 * Math.max(hi - lo, 0.01 * Math.max(Math.abs(lo), Math.abs(hi)), 1e-12);
  if (!(sigma > 0) || !Number.isFinite(sigma)) throw new RangeError(`slqDensity: σ must be > 0 (got ${sigma})`);
  const grid = new Float64Array(gridSize);
  const a = lo - 5 * sigma, b = hi + 5 * sigma;
  for (let j = 0; j < gridSize; j++) grid[j] = a + ((b - a) * j) / (gridSize - 1);
  return { rules, sigma, grid, density: broadenedDensity(rules, sigma, grid), lambdaMin: lo, lambdaMax: hi, trace, hvps };
}

// ---------------------------------------------------------------------------------------
// Parameter blocks (per-layer Hessians).

export interface ParamBlock {
  name: string;
  /** First index of the block in θ. */
  offset: number;
  /** Number of parameters in the block. */
  size: number;
  shape?: number[];
}

/** One block per tensor of `like`, in θ's order; names default to "p0", "p1", …. */
export function paramBlocks(like: Tensor[], names?: string[]): ParamBlock[] {
  if (names && names.length !== like.length) throw new RangeError(`paramBlocks: ${names.length} names for ${like.length} tensors`);
  let off = 0;
  return like.map((t, i) => {
    const b = { name: names?.[i] ?? `p${i}`, offset: off, size: t.size, shape: t.shape.slice() };
    off += t.size;
    return b;
  });
}

/** The block Hessian H_bb as an operator on R^{size}: u ↦ [H · embed_b(u)]_b. */
export function blockOperator(hvp: HessianOperator, dim: number, block: ParamBlock): HessianOperator {
  if (block.offset < 0 || block.size < 1 || block.offset + block.size > dim) {
    throw new RangeError(`blockOperator: block ${block.name} [${block.offset}, ${block.offset + block.size}) is outside [0, ${dim})`);
  }
  return (u) => {
    const v = new Float64Array(dim);
    v.set(u, block.offset);
    const Hv = apply(hvp, v, dim, 'blockOperator');
    return Hv.slice(block.offset, block.offset + block.size);
  };
}

export interface BlockResult<T> { block: ParamBlock; result: T }

export function topHessianEigenPerBlock(hvp: HessianOperator, dim: number, blocks: ParamBlock[], opts: EigenOptions = {}): BlockResult<EigenResult>[] {
  return blocks.map((b) => ({ block: b, result: topHessianEigen(blockOperator(hvp, dim, b), b.size, opts) }));
}

export function slqDensityPerBlock(hvp: HessianOperator, dim: number, blocks: ParamBlock[], opts: DensityOptions = {}): BlockResult<DensityResult>[] {
  return blocks.map((b) => ({ block: b, result: slqDensity(blockOperator(hvp, dim, b), b.size, opts) }));
}

/**
 * Per-block Hutchinson traces tr(H_bb) from shared full-size Rademacher probes (one HVP per
 * probe for all blocks), plus the whole trace. Stops when every block (and the total) meets
 * the tolerance, or at maxProbes.
 */
export function hutchinsonTracePerBlock(
  hvp: HessianOperator, dim: number, blocks: ParamBlock[], opts: TraceOptions = {},
): { total: TraceResult; blocks: BlockResult<TraceResult>[] } {
  checkDim(dim, 'hutchinsonTracePerBlock');
  for (const b of blocks) if (b.offset < 0 || b.offset + b.size > dim) throw new RangeError(`hutchinsonTracePerBlock: block ${b.name} outside [0, ${dim})`);
  const o = traceOpts(opts, 'hutchinsonTracePerBlock');
  const total = new Moments();
  const per = blocks.map(() => new Moments());
  const done = () => settled(total, o.relTol, o.absTol) && per.every((m) => settled(m, o.relTol, o.absTol));
  while (total.n < o.maxProbes) {
    const z = rademacher(o.rng, dim);
    const Hz = apply(hvp, z, dim, 'hutchinsonTracePerBlock');
    total.push(dot(z, Hz));
    blocks.forEach((b, i) => {
      let s = 0;
      for (let j = b.offset; j < b.offset + b.size; j++) s += z[j] * Hz[j];
      per[i].push(s);
    });
    if (total.n >= o.minProbes && done()) break;
  }
  const res = (m: Moments): TraceResult => ({ value: m.mean, stderr: m.stderr, probes: m.n, converged: m.n >= o.minProbes && settled(m, o.relTol, o.absTol) });
  return { total: res(total), blocks: blocks.map((b, i) => ({ block: b, result: res(per[i]) })) };
}

// ---------------------------------------------------------------------------------------
// Dense Hessian (small models: ground truth for the estimators).

/** H built column by column, H e_j via one HVP each, then symmetrized: dim HVPs. */
export function denseHessian(hvp: HessianOperator, dim: number): Mat {
  checkDim(dim, 'denseHessian');
  const H = mat(dim, dim);
  const e = new Float64Array(dim);
  for (let j = 0; j < dim; j++) {
    e.fill(0);
    e[j] = 1;
    const col = apply(hvp, e, dim, 'denseHessian');
    for (let i = 0; i < dim; i++) H.data[i * dim + j] = col[i];
  }
  for (let i = 0; i < dim; i++) {
    for (let j = i + 1; j < dim; j++) {
      const s = 0.5 * (H.data[i * dim + j] + H.data[j * dim + i]);
      H.data[i * dim + j] = s;
      H.data[j * dim + i] = s;
    }
  }
  return H;
}

// ---------------------------------------------------------------------------------------
// Adam-preconditioned sharpness.

export interface PreconditionerOptions {
  /** Adam's bias-corrected second moment v̂ (one entry per parameter, ≥ 0). */
  vHat: ArrayLike<number>;
  /** Adam's ε (added to √v̂). */
  eps: number;
  /** Learning rate η: when given, the threshold (2 + 2β₁)/((1 − β₁)η) is returned too. */
  lr?: number;
  /** β₁ (default 0.9). */
  beta1?: number;
  /**
   * Adam's step count t: when given, P includes the first-moment bias-correction factor
   * (1 − β₁^t), as in Cohen et al. 2022 (Adam with m̂ = m/(1 − β₁^t)). Default: omitted (t → ∞).
   */
  step?: number;
}

export interface PreconditionedSharpnessResult {
  /** λ_max(P⁻¹H) = λ_max(P^{-1/2} H P^{-1/2}). */
  value: number;
  /** Unit eigenvector u of P^{-1/2} H P^{-1/2}. */
  symmetricVector: Float64Array;
  /** Right eigenvector y = P^{-1/2}u of P⁻¹H (P⁻¹H y = λ y), unit length. */
  vector: Float64Array;
  residual: number;
  hvps: number;
  /** The diagonal of P. */
  p: Float64Array;
  /** (2 + 2β₁)/((1 − β₁)η), when lr was given. */
  threshold?: number;
  convention: string;
}

/** Adam's preconditioner diagonal p_i = (1 − β₁^t)(√v̂_i + ε) (factor omitted without `step`). */
export function adamPreconditioner(o: PreconditionerOptions, dim: number): Float64Array {
  if (o.vHat.length !== dim) throw new RangeError(`adamPreconditioner: vHat has ${o.vHat.length} entries for ${dim} parameters`);
  if (!(o.eps >= 0)) throw new RangeError(`adamPreconditioner: eps must be ≥ 0 (got ${o.eps})`);
  const beta1 = o.beta1 ?? 0.9;
  const bc = o.step !== undefined ? 1 - libm.pow(beta1, o.step) : 1;
  const p = new Float64Array(dim);
  for (let i = 0; i < dim; i++) {
    const v = o.vHat[i];
    if (!(v >= 0) || !Number.isFinite(v)) throw new RangeError(`adamPreconditioner: vHat[${i}] must be finite and ≥ 0 (got ${v})`);
    p[i] = bc * (Math.sqrt(v) + o.eps);
    if (!(p[i] > 0)) throw new RangeError(`adamPreconditioner: P[${i}] = 0 (vHat = 0 and eps = 0)`);
  }
  return p;
}

/** Top eigenvalue of P⁻¹H for Adam's diagonal preconditioner, by Lanczos on P^{-1/2}HP^{-1/2}. */
export function preconditionedSharpness(
  hvp: HessianOperator, dim: number, o: PreconditionerOptions, eig: EigenOptions = {},
): PreconditionedSharpnessResult {
  const p = adamPreconditioner(o, dim);
  const d = p.map((x) => 1 / Math.sqrt(x));
  const op: HessianOperator = (u) => {
    const v = new Float64Array(dim);
    for (let i = 0; i < dim; i++) v[i] = d[i] * u[i];
    const Hv = apply(hvp, v, dim, 'preconditionedSharpness');
    for (let i = 0; i < dim; i++) Hv[i] *= d[i];
    return Hv;
  };
  const r = topHessianEigen(op, dim, { ...eig, k: 1 });
  const u = r.vectors[0];
  const y = u.map((x, i) => x * d[i]);
  const ny = norm(y);
  for (let i = 0; i < dim; i++) y[i] /= ny;
  const beta1 = o.beta1 ?? 0.9;
  return {
    value: r.values[0], symmetricVector: u, vector: y, residual: r.residuals[0], hvps: r.hvps, p,
    ...(o.lr !== undefined ? { threshold: (2 + 2 * beta1) / ((1 - beta1) * o.lr) } : {}),
    convention: 'P = diag((1 − β₁^t)(√v̂ + ε)) (Cohen et al. 2022; factor 1 − β₁^t only when step t is given), update θ ← θ − η P⁻¹m; stable iff λ_max(P⁻¹H) < (2 + 2β₁)/((1 − β₁)η)',
  };
}

// ---------------------------------------------------------------------------------------
// Gauss–Newton and the NTK.

/**
 * The Gauss–Newton operator of L = (1/2n) Σ_i ‖f(x_i) − y_i‖²: v ↦ G v = (1/n) Jᵀ(J v), with
 * J v by a Jacobian-vector product and Jᵀu by a vector-Jacobian product of `outputs(params)`
 * (the [n, k] predictions on the whole data set). `params` fixes θ.
 */
export function gaussNewtonOperator(outputs: (params: Tensor[]) => Tensor, params: Tensor[], n: number): HessianOperator {
  const P = paramCount(params);
  const f = (...ps: Tensor[]) => outputs(ps);
  return (v) => {
    if (v.length !== P) throw new RangeError(`gaussNewtonOperator: v has ${v.length} entries for ${P} parameters`);
    const Jv = jvp(f, params, unflatten(v, params));
    const out = flatten(vjp(f, params, Jv));
    for (let i = 0; i < out.length; i++) out[i] /= n;
    return out;
  };
}

/** G = (1/n) JᵀJ from a dense row-major Jacobian J (rows × P). */
export function gaussNewtonFromJacobian(J: ArrayLike<number>, rows: number, P: number, n: number): Mat {
  if (J.length !== rows * P) throw new RangeError(`gaussNewtonFromJacobian: J has ${J.length} entries, expected ${rows}×${P}`);
  const G = mat(P, P);
  for (let r = 0; r < rows; r++) {
    const o = r * P;
    for (let i = 0; i < P; i++) {
      const a = J[o + i] / n;
      if (a === 0) continue;
      const gi = i * P;
      for (let j = 0; j < P; j++) G.data[gi + j] += a * J[o + j];
    }
  }
  return G;
}

/** The NTK's largest stable GD step on L = (1/2n)Σ‖f − y‖²: 2n/λ_max(K) (= 2/λ_max(G)). */
export function ntkMaxStableLr(lambdaMaxNtk: number, n: number): number {
  if (!(lambdaMaxNtk > 0)) throw new RangeError(`ntkMaxStableLr: λ_max(NTK) must be > 0 (got ${lambdaMaxNtk})`);
  return (2 * n) / lambdaMaxNtk;
}
