/**
 * The two-layer student of two-layer.ts, f(x) = (α/m) Σ_i a_i ReLU(w_iᵀx), as an nn Model:
 * serial(hidden: dense(m, no bias), act: relu, readout: dense(1, no bias)) with the readout's
 * multiplier α/m (the mean-field output scale as ParamInfo). Parameters [hidden.W (m×d),
 * readout.W (1×m)] flatten to the θ = [w_1 … w_m, a_1 … a_m] of the hand-derived fast path, so
 * `thetaToTensors` / `flatten` move between the two (the test checks forward and gradient agree).
 * `init` draws w ~ N(0, σ²I), a ~ N(0, σ²) independently; the doubling-trick init is
 * `initTwoLayer` (two-layer.ts).
 */
import { namedSerial } from '../nn/combinators.js';
import { activation } from '../nn/layers/activations.js';
import { dense } from '../nn/layers/dense.js';
import { model, withInfo, withSpec, type Model } from '../nn/model.js';
import type { TwoLayerShape } from './two-layer.js';

export function twoLayerModel(s: TwoLayerShape, sigma = 1): Model {
  const layer = namedSerial([
    ['hidden', dense(s.m, { bias: false, role: 'input' })],
    ['act', activation('relu')],
    ['readout', dense(1, { bias: false, role: 'output' })],
  ]);
  const m = model(layer, [s.d]);
  const info = m.info.map((p) => ({
    ...p,
    init: { kind: 'normal' as const, std: sigma },
    multiplier: p.role === 'output' ? s.alpha / s.m : 1,
  }));
  return withSpec(withInfo(m, info), { family: 'twoLayer', ...s, sigma });
}
