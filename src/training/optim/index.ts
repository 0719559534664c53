/** Optimizers (pure state machines over lists of flat arrays), clipping and LR schedules. */
export * from './types.js';
export { sgd, type SgdOptions, type SgdState } from './sgd.js';
export { adam, adamw, type AdamOptions, type AdamState } from './adam.js';
export { globalNorm, clipCoefficient, clipGradNorm, clipGradNormInPlace, clipped } from './clip.js';
export { constant, linearWarmup, stepDecay, cosine, times, scaled, type Schedule } from './schedules.js';
