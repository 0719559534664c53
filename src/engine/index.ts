/** The engine: tensors, differentiable ops, autodiff, flat parameters, RNG, dtypes, backends. */
export * from './dtype.js';
export * from './rng.js';
export * from './backend/index.js';
export * from './tensor.js';
export * from './ops.js';
export * from './autodiff.js';
export * from './params.js';
export * from './arena.js';
// Linear algebra (src/engine/linalg/) is re-exported here by the lead once it lands. Note that
// ops.ts already exports `matmul`/`transpose`/`dot`... for Tensors, so re-export linalg under a
// namespace or with explicit names to avoid `export *` name clashes, e.g.:
// export * as linalg from './linalg/index.js';
