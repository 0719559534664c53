/**
 * Curvature trackers along a training run, over the flat θ of an Objective:
 *   - sharpness S = λ_max(∇²L), Lanczos on exact HVPs warm-started from the last top eigenvector;
 *   - per-block λ_max(H_bb) (H_bb a principal submatrix of H, so λ_max(H_bb) ≤ S by Cauchy
 *     interlacing);
 *   - stochastic Lanczos quadrature snapshots of the spectral density, broadened on one shared grid.
 */
import { Rng } from '../engine/rng.js';
import type { Tensor } from '../engine/tensor.js';
import { sharpness } from './sharpness.js';
import { broadenedDensity, blockOperator, paramBlocks, slqDensity, type ParamBlock, type QuadratureRule } from './hessian.js';

/** Top Hessian eigenvalue tracker: warm-starts every Lanczos run from the last top eigenvector. */
export function sharpnessTracker(hvp: (theta: Float64Array, v: Float64Array) => Float64Array, dim: number, tol: number, seed = 0) {
  let start: Float64Array | undefined;
  const rng = new Rng(seed).split('lanczos');
  let hvps = 0;
  return {
    measure(theta: Float64Array): number {
      const r = sharpness((v) => { hvps++; return hvp(theta, v); }, dim, { tol, maxIter: Math.min(dim, 80), rng, ...(start ? { start } : {}) });
      start = r.vector;
      return r.value;
    },
    get hvps() { return hvps; },
  };
}

/** Names of an MLP's parameter blocks in θ's order: W1, b1, W2, b2, … (a matrix opens a layer). */
export function mlpBlocks(like: Tensor[]): ParamBlock[] {
  let layer = 0;
  return paramBlocks(like, like.map((t) => (t.shape.length === 2 ? `W${++layer}` : `b${Math.max(layer, 1)}`)));
}

/**
 * Per-block top Hessian eigenvalues λ_max(H_bb), each by Lanczos on the block operator,
 * warm-started from that block's last top eigenvector.
 */
export function blockSharpnessTracker(
  hvp: (theta: Float64Array, v: Float64Array) => Float64Array, dim: number, blocks: ParamBlock[], tol: number, seed = 0,
) {
  const starts: (Float64Array | undefined)[] = blocks.map(() => undefined);
  const rngs = blocks.map((b) => new Rng(seed).split('lanczos-block').split(b.name));
  let hvps = 0;
  return {
    blocks,
    measure(theta: Float64Array): number[] {
      const full = (v: Float64Array) => { hvps++; return hvp(theta, v); };
      return blocks.map((b, i) => {
        const op = blockOperator(full, dim, b);
        const start = starts[i];
        const r = sharpness((u) => op(u) as Float64Array, b.size, { tol, maxIter: Math.min(b.size, 80), rng: rngs[i], ...(start ? { start } : {}) });
        starts[i] = r.vector;
        return r.value;
      });
    },
    get hvps() { return hvps; },
  };
}

/** The SLQ quadrature rules of the full Hessian at one GD step. */
export interface DensitySnapshot {
  step: number;
  label: string;
  rules: QuadratureRule[];
  hvps: number;
}

export function densitySnapshot(
  hvp: (v: Float64Array) => Float64Array, dim: number, step: number, label: string, o: { probes: number; lanczos: number; seed: number },
): DensitySnapshot {
  // Only the quadrature rules are kept: the broadening is done once per run, on a shared grid.
  const r = slqDensity(hvp, dim, { probes: o.probes, steps: o.lanczos, gridSize: 2, rng: new Rng(o.seed).split('slq').split(step) });
  return { step, label, rules: r.rules, hvps: r.hvps };
}

/**
 * Broadened densities of several snapshots on one grid with one σ: σ = 1% of the joint Ritz range
 * (as slqDensity's default), grid over [θ_min − 5σ, θ_max + 5σ]. Each curve integrates to 1.
 */
export function densityRows(snaps: DensitySnapshot[], gridSize = 300): { step: number; label: string; x: number; density: number }[] {
  let lo = Infinity, hi = -Infinity;
  for (const s of snaps) for (const r of s.rules) { lo = Math.min(lo, r.nodes[0]); hi = Math.max(hi, r.nodes[r.nodes.length - 1]); }
  if (!snaps.length || !Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  const sigma = 0.01 * Math.max(hi - lo, 0.01 * Math.max(Math.abs(lo), Math.abs(hi)), 1e-12);
  const a = lo - 5 * sigma, b = hi + 5 * sigma;
  const grid = Float64Array.from({ length: gridSize }, (_, j) => a + ((b - a) * j) / (gridSize - 1));
  const rows: { step: number; label: string; x: number; density: number }[] = [];
  for (const s of snaps) {
    const d = broadenedDensity(s.rules, sigma, grid);
    for (let j = 0; j < gridSize; j++) rows.push({ step: s.step, label: s.label, x: grid[j], density: d[j] });
  }
  return rows;
}

