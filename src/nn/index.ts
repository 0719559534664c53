/** The layer library: layers that carry their infinite-width kernel, combinators, models. */
export * from './types.js';
/** Per-layer kernel maps under a namespace (their relu/erf would clash with the layers'). */
export * as kernelMaps from './kernels.js';
export type { KernelLayer, KernelState } from './kernels.js';
export * from './param.js';
export * from './combinators.js';
export * from './model.js';
export * from './registry.js';
export * from './layers/dense.js';
export * from './layers/activations.js';
export * from './layers/norm.js';
export * from './layers/embedding.js';
export * from './layers/attention.js';
export * from './layers/conv.js';
export * from './layers/tied.js';
export * from './parameterization.js';
