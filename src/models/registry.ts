/**
 * buildModel: a Model from its JSON spec — a named family or a raw layer tree — as stored in a
 * checkpoint manifest `{ model: spec, info }` (restore with `withInfo(buildModel(spec), info)`).
 *   { family: 'layers', layer: LayerSpec, inShape, dtype?, roles? }
 *   { family: 'mlp', ...MlpSpec }            { family: 'dln', widths, scale? }
 *   { family: 'residualMlp', ...ResidualMlpSpec }   { family: 'cnn', ...CnnSpec }
 *   { family: 'transformer', ...TransformerSpec }   { family: 'twoLayer', m, d, alpha, sigma? }
 * A bare layer spec ({ type: … }) is accepted with `inShape` beside it.
 */
import type { FloatDType } from '../engine/dtype.js';
import { model, type LayersModelSpec, type Model, type ModelSpec } from '../nn/model.js';
import { layerFromSpec } from '../nn/registry.js';
import type { LayerSpec } from '../nn/types.js';
import { cnn, type CnnSpec } from './cnn.js';
import { dlnModel } from './dln.js';
import { mlpModel, type MlpSpec } from './mlp.js';
import { residualMlp, type ResidualMlpSpec } from './residual-mlp.js';
import { transformer, type TransformerSpec } from './transformer.js';
import { twoLayerModel } from './two-layer-model.js';

export const MODEL_FAMILIES = ['layers', 'mlp', 'dln', 'residualMlp', 'cnn', 'transformer', 'twoLayer'] as const;

export function buildModel(spec: ModelSpec | (LayerSpec & { inShape: number[]; dtype?: FloatDType })): Model {
  if (!spec || typeof spec !== 'object') throw new RangeError('model spec: must be an object');
  if (!('family' in spec) && typeof (spec as LayerSpec).type === 'string') {
    const { inShape, dtype, ...layer } = spec as LayerSpec & { inShape: number[]; dtype?: FloatDType };
    if (!Array.isArray(inShape)) throw new RangeError('model spec: a bare layer spec needs "inShape"');
    return model(layerFromSpec(layer as LayerSpec), inShape, { dtype });
  }
  const s = spec as { family: string; dtype?: FloatDType; [k: string]: unknown };
  const { family, dtype, ...rest } = s;
  switch (family) {
    case 'layers': {
      const l = s as unknown as LayersModelSpec;
      return model(layerFromSpec(l.layer), l.inShape, { dtype: l.dtype, roles: l.roles });
    }
    case 'mlp': return mlpModel(rest as unknown as MlpSpec, dtype);
    case 'dln': return dlnModel(rest.widths as number[], (rest.scale as number | undefined) ?? 1, dtype);
    case 'residualMlp': return residualMlp(rest as unknown as ResidualMlpSpec, dtype);
    case 'cnn': return cnn(rest as unknown as CnnSpec, dtype);
    case 'transformer': return transformer(rest as unknown as TransformerSpec, dtype);
    case 'twoLayer': return twoLayerModel({ m: rest.m as number, d: rest.d as number, alpha: rest.alpha as number }, (rest.sigma as number | undefined) ?? 1);
    default: throw new RangeError(`model spec.family: must be one of ${MODEL_FAMILIES.join(', ')} (got ${String(family)})`);
  }
}
