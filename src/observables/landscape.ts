/**
 * Loss-landscape slices around a point θ of parameter space:
 *   1-D:  L(α)    = L(θ + α d),                 α on a grid
 *   2-D:  L(α, β) = L(θ + α d₁ + β d₂),         (α, β) on a grid (row-major: α slow, β fast)
 *
 * Directions:
 *   - top Hessian eigenvectors u_i (unit norm; PyHessian, Yao et al. 2020). Along u_i
 *       L(θ + α u_i) = L(θ) + α ∇L·u_i + ½ λ_i α² + O(α³),
 *     exactly a parabola of curvature λ_i for a quadratic loss;
 *   - random Gaussian directions, filter-normalized (Li, Xu, Taylor, Studer & Goldstein 2018,
 *     "Visualizing the loss landscape of neural nets", §4): for every filter — the slice of a
 *     weight tensor along its first axis, i.e. one output neuron of a dense W [out, in] or one
 *     output channel of a conv W [O, C, k, k] — d_f ← d_f · ‖θ_f‖ / ‖d_f‖, so the slice is
 *     insensitive to the scale invariances of ReLU nets. 1-D parameters (biases, norm gains and
 *     shifts) are, by default, zeroed in the direction (`bias: 'zero'`, Li et al.'s "ignore
 *     biasbn"); `bias: 'normalize'` rescales each 1-D parameter as a single filter instead.
 *
 * Everything here is pure: a loss of flat θ, the point, the directions and the grid in; values out.
 */
import type { Rng } from '../engine/rng.js';

/** Shapes of the parameter blocks of θ (in flatten order). */
export type BlockShapes = readonly (readonly number[])[];

export type BiasMode = 'zero' | 'normalize';

/** n equally spaced points from −r to r (n = 1: [0]). */
export function symmetricGrid(range: number, points: number): Float64Array {
  if (!(range > 0) || !Number.isFinite(range)) throw new RangeError(`landscape.range: must be a positive finite number (got ${range})`);
  if (!Number.isInteger(points) || points < 1) throw new RangeError(`landscape.points: must be an integer ≥ 1 (got ${points})`);
  const g = new Float64Array(points);
  for (let i = 0; i < points; i++) g[i] = points === 1 ? 0 : -range + (2 * range * i) / (points - 1);
  return g;
}

const sizeOf = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** A standard Gaussian direction in R^P. */
export function gaussianDirection(P: number, rng: Rng): Float64Array {
  const d = new Float64Array(P);
  for (let i = 0; i < P; i++) d[i] = rng.normal();
  return d;
}

/**
 * Filter-normalize a direction d against the point θ (both flat over `shapes`): each filter of a
 * weight block (rank ≥ 2; the slices along its first axis) is rescaled to the norm of the same
 * filter of θ; 1-D blocks are zeroed (`bias: 'zero'`) or rescaled as one filter ('normalize').
 * A filter of d with zero norm stays zero.
 */
export function filterNormalize(d: ArrayLike<number>, theta: ArrayLike<number>, shapes: BlockShapes, opts: { bias?: BiasMode } = {}): Float64Array {
  const bias = opts.bias ?? 'zero';
  if (bias !== 'zero' && bias !== 'normalize') throw new RangeError(`filterNormalize.bias: must be 'zero' or 'normalize' (got ${String(bias)})`);
  const P = shapes.reduce((s, sh) => s + sizeOf(sh), 0);
  if (d.length !== P || theta.length !== P) throw new RangeError(`filterNormalize: direction (${d.length}) and θ (${theta.length}) must both have the ${P} entries of the blocks`);
  const out = new Float64Array(P);
  let o = 0;
  for (const sh of shapes) {
    const size = sizeOf(sh);
    const oneD = sh.length <= 1;
    if (oneD && bias === 'zero') { o += size; continue; }
    const filters = oneD ? 1 : sh[0];
    const len = size / filters;
    for (let f = 0; f < filters; f++) {
      const b = o + f * len;
      let nd = 0, nt = 0;
      for (let j = 0; j < len; j++) { nd += d[b + j] * d[b + j]; nt += theta[b + j] * theta[b + j]; }
      const c = nd > 0 ? Math.sqrt(nt / nd) : 0;
      for (let j = 0; j < len; j++) out[b + j] = c * d[b + j];
    }
    o += size;
  }
  return out;
}

/** A random filter-normalized direction (Li et al. 2018). */
export function randomFilterNormalizedDirection(theta: ArrayLike<number>, shapes: BlockShapes, rng: Rng, opts: { bias?: BiasMode } = {}): Float64Array {
  return filterNormalize(gaussianDirection(theta.length, rng), theta, shapes, opts);
}

export interface LandscapeSlice {
  /** Grid along the first direction. */
  alphas: Float64Array;
  /** Grid along the second direction (2-D slices). */
  betas?: Float64Array;
  /** L at each grid point: [alphas.length] (1-D) or [alphas.length × betas.length] row-major (2-D). */
  values: Float64Array;
  /** L(θ). */
  center: number;
}

function checkDir(d: ArrayLike<number>, P: number, which: string): void {
  if (d.length !== P) throw new RangeError(`landscape.${which}: has ${d.length} entries, θ has ${P}`);
}

/** L(θ + α d) for α in `alphas`. */
export function landscape1d(loss: (theta: Float64Array) => number, theta: ArrayLike<number>, d: ArrayLike<number>, alphas: ArrayLike<number>): LandscapeSlice {
  const P = theta.length;
  checkDir(d, P, 'direction');
  const x = new Float64Array(P);
  const values = new Float64Array(alphas.length);
  for (let i = 0; i < alphas.length; i++) {
    const a = alphas[i];
    for (let j = 0; j < P; j++) x[j] = theta[j] + a * d[j];
    values[i] = loss(x);
  }
  return { alphas: Float64Array.from(alphas), values, center: loss(Float64Array.from(theta)) };
}

/** L(θ + α d₁ + β d₂) on the grid alphas × betas (row-major, α slow). */
export function landscape2d(
  loss: (theta: Float64Array) => number, theta: ArrayLike<number>, d1: ArrayLike<number>, d2: ArrayLike<number>, alphas: ArrayLike<number>, betas: ArrayLike<number>,
): LandscapeSlice {
  const P = theta.length;
  checkDir(d1, P, 'direction 1');
  checkDir(d2, P, 'direction 2');
  const x = new Float64Array(P);
  const values = new Float64Array(alphas.length * betas.length);
  for (let i = 0; i < alphas.length; i++) {
    for (let k = 0; k < betas.length; k++) {
      const a = alphas[i], b = betas[k];
      for (let j = 0; j < P; j++) x[j] = theta[j] + a * d1[j] + b * d2[j];
      values[i * betas.length + k] = loss(x);
    }
  }
  return { alphas: Float64Array.from(alphas), betas: Float64Array.from(betas), values, center: loss(Float64Array.from(theta)) };
}

/**
 * Least-squares parabola c₀ + c₁α + ½ c₂ α² through a 1-D slice: c₂ is the curvature along the
 * direction (λ_i along a unit eigenvector of a quadratic loss, exactly).
 */
export function fitParabola(alphas: ArrayLike<number>, values: ArrayLike<number>): { c0: number; c1: number; curvature: number } {
  const n = alphas.length;
  if (n < 3 || values.length !== n) throw new RangeError(`fitParabola: needs ≥ 3 points and as many values (got ${n}, ${values.length})`);
  // Normal equations of [1, α, α²/2]; 3×3 solved by Cramer's rule.
  const S = [[0, 0, 0], [0, 0, 0], [0, 0, 0]], r = [0, 0, 0];
  for (let i = 0; i < n; i++) {
    const a = alphas[i], f = [1, a, 0.5 * a * a];
    for (let p = 0; p < 3; p++) { r[p] += f[p] * values[i]; for (let q = 0; q < 3; q++) S[p][q] += f[p] * f[q]; }
  }
  const det3 = (M: number[][]) => M[0][0] * (M[1][1] * M[2][2] - M[1][2] * M[2][1]) - M[0][1] * (M[1][0] * M[2][2] - M[1][2] * M[2][0]) + M[0][2] * (M[1][0] * M[2][1] - M[1][1] * M[2][0]);
  const D = det3(S);
  const col = (c: number) => det3(S.map((row, p) => row.map((v, q) => (q === c ? r[p] : v)))) / D;
  return { c0: col(0), c1: col(1), curvature: col(2) };
}

/** CSV text of a slice: `alpha,loss` or `alpha,beta,loss` rows. */
export function landscapeCsv(s: LandscapeSlice): string {
  const rows: string[] = [];
  if (!s.betas) {
    rows.push('alpha,loss');
    s.alphas.forEach((a, i) => rows.push(`${a},${s.values[i]}`));
  } else {
    rows.push('alpha,beta,loss');
    const nb = s.betas.length;
    s.alphas.forEach((a, i) => s.betas!.forEach((b, k) => rows.push(`${a},${b},${s.values[i * nb + k]}`)));
  }
  return rows.join('\n') + '\n';
}
