/**
 * Residual MLP: x₀ = W_in x, x_{l+1} = x_l + m · W₂ φ(W₁ N(x_l)) for l < L, f = W_out x_L, with N
 * a pre-LayerNorm ('pre-ln') or nothing ('none'), and the branch multiplier m. `branchLayers: 1`
 * gives the one-layer branch x_{l+1} = x_l + m · W φ(N(x_l)) (TP VI's block depth 1; default 2):
 *   'none' → 1,   'invSqrtDepth' → 1/√L (Depth-μP: Bordelon et al. 2023; Yang et al. 2023, TP VI),
 *   'invDepth' → 1/L (CompleteP: Dey et al. 2025).
 * With linear branches of variance σ²/n the stream grows as E‖x_L‖² = (1 + σ²m²)^L ‖x₀‖², since each
 * branch adds independent energy σ²m²‖x‖²; m = 1/√L keeps it → e^{σ²} as L → ∞ (test/nn-layers).
 * Parameter names: in.W, blocks.<l>.up.W, blocks.<l>.down.W, (blocks.<l>.norm.gain/shift), out.W
 * (one-layer branches have no blocks.<l>.up).
 */
import type { FloatDType } from '../engine/dtype.js';
import { namedSerial, repeat, residual } from '../nn/combinators.js';
import { activation, type ActivationName } from '../nn/layers/activations.js';
import { dense } from '../nn/layers/dense.js';
import { layerNorm } from '../nn/layers/norm.js';
import { model, withSpec, type Model } from '../nn/model.js';
import { checkPositiveInt } from '../nn/param.js';
import type { Layer } from '../nn/types.js';

export type BranchMultiplier = 'none' | 'invSqrtDepth' | 'invDepth';

export interface ResidualMlpSpec {
  width: number;
  /** Number of residual blocks L. */
  depth: number;
  inDim: number;
  outDim: number;
  branchMultiplier?: BranchMultiplier;
  norm?: 'pre-ln' | 'none';
  activation?: ActivationName;
  /** Biases in every dense layer (default true). */
  bias?: boolean;
  /** Weight layers per residual branch: 2 (default) W₂ φ(W₁ N(x)), or 1: W φ(N(x)). */
  branchLayers?: 1 | 2;
}

export function branchMultiplierValue(kind: BranchMultiplier, depth: number): number {
  if (kind === 'none') return 1;
  if (kind === 'invSqrtDepth') return 1 / Math.sqrt(depth);
  if (kind === 'invDepth') return 1 / depth;
  throw new RangeError(`branchMultiplier: must be 'none', 'invSqrtDepth' or 'invDepth' (got ${String(kind)})`);
}

export function residualMlpLayers(s: ResidualMlpSpec): Layer {
  const width = checkPositiveInt(s.width, 'width'), depth = checkPositiveInt(s.depth, 'depth', 0);
  checkPositiveInt(s.inDim, 'inDim'); checkPositiveInt(s.outDim, 'outDim');
  const norm = s.norm ?? 'pre-ln', act = s.activation ?? 'relu', bias = s.bias ?? true;
  if (norm !== 'pre-ln' && norm !== 'none') throw new RangeError(`norm: must be 'pre-ln' or 'none' (got ${String(norm)})`);
  const branchLayers = s.branchLayers ?? 2;
  if (branchLayers !== 1 && branchLayers !== 2) throw new RangeError(`branchLayers: must be 1 or 2 (got ${String(s.branchLayers)})`);
  const m = branchMultiplierValue(s.branchMultiplier ?? 'none', Math.max(1, depth));
  const sigmaW = act === 'relu' ? Math.SQRT2 : 1;
  const block = () => {
    const parts: [string, Layer][] = [];
    if (norm === 'pre-ln') parts.push(['norm', layerNorm()]);
    if (branchLayers === 2) parts.push(['up', dense(width, { bias, sigmaW: 1 })]);
    parts.push(['act', activation(act)], ['down', dense(width, { bias, sigmaW })]);
    return residual(namedSerial(parts), m);
  };
  return namedSerial([
    ['in', dense(width, { bias })],
    ['blocks', repeat(block, depth)],
    ['out', dense(s.outDim, { bias })],
  ]);
}

export function residualMlp(s: ResidualMlpSpec, dtype: FloatDType = 'f64'): Model {
  return withSpec(model(residualMlpLayers(s), [s.inDim], { dtype }), { family: 'residualMlp', ...s, dtype });
}
