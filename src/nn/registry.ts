/**
 * layerFromSpec: rebuild any layer tree from its JSON `spec` — a table of constructors keyed by
 * `type`. Combinators rebuild their children recursively. `registerLayer` adds a type.
 */
import { fanInSum, fanOut, namedSerial, parallel, residual } from './combinators.js';
import { ACTIVATIONS, activation, scaleBy, type ActivationName } from './layers/activations.js';
import { attention, type AttentionOptions } from './layers/attention.js';
import { avgPool, conv2d, flatten, maxPool, type Conv2dOptions } from './layers/conv.js';
import { dense, type DenseOptions } from './layers/dense.js';
import { embedding, positionEmbedding } from './layers/embedding.js';
import { layerNorm, rmsNorm, type NormOptions } from './layers/norm.js';
import { onnxBias, onnxConst, onnxReshape, onnxSoftmax, type ConstOp } from './layers/onnx.js';
import { tiedEmbedding } from './layers/tied.js';
import type { Layer, LayerSpec } from './types.js';

export type LayerBuilder = (spec: LayerSpec, build: (s: LayerSpec) => Layer) => Layer;

const table = new Map<string, LayerBuilder>();

export function registerLayer(type: string, builder: LayerBuilder): void {
  table.set(type, builder);
}

export function layerFromSpec(spec: LayerSpec): Layer {
  if (!spec || typeof spec !== 'object' || typeof spec.type !== 'string') throw new RangeError(`layer spec: needs a string "type" (got ${JSON.stringify(spec)})`);
  const b = table.get(spec.type);
  if (!b) throw new RangeError(`layer spec: unknown type "${spec.type}" (known: ${[...table.keys()].join(', ')})`);
  return b(spec, layerFromSpec);
}

const specs = (v: unknown, field: string): LayerSpec[] => {
  if (!Array.isArray(v)) throw new RangeError(`${field}: must be an array of layer specs`);
  return v as LayerSpec[];
};

registerLayer('dense', (s) => dense(s.units as number, s as DenseOptions));
for (const a of ACTIVATIONS) registerLayer(a, () => activation(a as ActivationName));
registerLayer('scale', (s) => scaleBy(s.value as number));
registerLayer('serial', (s, build) => {
  const layers = specs(s.layers, 'serial.layers').map(build);
  const names = (s.names as string[] | undefined) ?? layers.map((_, i) => String(i));
  return namedSerial(layers.map((l, i) => [names[i], l]));
});
registerLayer('parallel', (s, build) => parallel(...specs(s.layers, 'parallel.layers').map(build)));
registerLayer('fanOut', (s) => fanOut(s.n as number));
registerLayer('fanInSum', () => fanInSum());
registerLayer('residual', (s, build) => residual(build(s.branch as LayerSpec), s.multiplier as number));
registerLayer('layerNorm', (s) => layerNorm(s as NormOptions));
registerLayer('rmsNorm', (s) => rmsNorm(s as NormOptions));
registerLayer('embedding', (s) => embedding(s.vocab as number, s.d as number, { std: s.std as number }));
registerLayer('positionEmbedding', (s) => positionEmbedding(s.maxLen as number, s.d as number, { std: s.std as number }));
registerLayer('tiedEmbedding', (s, build) => tiedEmbedding(s.vocab as number, s.d as number, build(s.body as LayerSpec), { std: s.std as number }));
registerLayer('attention', (s) => attention(s.heads as number, s as AttentionOptions));
registerLayer('conv2d', (s) => conv2d(s.out as number, s.k as number, s as Conv2dOptions));
registerLayer('avgPool', (s) => avgPool(s.k as number, s.stride as number));
registerLayer('maxPool', (s) => maxPool(s.k as number, s.stride as number));
registerLayer('flatten', () => flatten());
// Layers the ONNX importer (src/io/onnx.ts) emits, so a checkpoint of an imported model reloads.
registerLayer('onnxSoftmax', (s) => onnxSoftmax(s.axis as number, Boolean(s.log)));
registerLayer('onnxReshape', (s) => onnxReshape(s.shape as number[]));
registerLayer('onnxBias', (s) => onnxBias(s.shape as number[]));
registerLayer('onnxConst', (s) => onnxConst(s.op as ConstOp, s.value as number[], s.shape as number[], Boolean(s.constFirst)));
