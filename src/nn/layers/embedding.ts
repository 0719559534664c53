/**
 * Lookup tables (role 'embedding'): a one-hot input times a table, so the fan-in is the number of
 * rows (finite) and the fan-out the feature dim (width); each output unit sees exactly one entry,
 * so the default init is N(0, σ²) with no 1/√fan-in (σ = `std`, default 1).
 *   embedding(V, d):          ids [B, ...] (i32) ↦ E[ids] [B, ..., d],   E [V, d]
 *   positionEmbedding(T, d):  x [B, t, d] ↦ x + P[0:t],                   P [T, d], t ≤ T
 */
import { add, astype, embedding as lookup, slice } from '../../engine/ops.js';
import { checkPositiveInt, param } from '../param.js';
import type { Layer } from '../types.js';

export interface EmbeddingOptions {
  /** Init std of the table entries (default 1). */
  std?: number;
}

export function embedding(vocab: number, d: number, opts: EmbeddingOptions = {}): Layer {
  checkPositiveInt(vocab, 'embedding.vocab');
  checkPositiveInt(d, 'embedding.d');
  const std = opts.std ?? 1;
  if (!(std >= 0)) throw new RangeError(`embedding.std: must be ≥ 0 (got ${std})`);
  return {
    spec: { type: 'embedding', vocab, d, std },
    declare(inShape, prefix) {
      return {
        params: [param({ name: `${prefix}table`, shape: [vocab, d], role: 'embedding', fanIn: vocab, fanOut: d, inIsWidth: false, outIsWidth: true, init: std > 0 ? { kind: 'normal', std } : { kind: 'zeros' } })],
        outShape: [...inShape, d],
      };
    },
    apply(params, ids, ctx) {
      const y = lookup(params[0], ids.dtype === 'i32' ? ids : astype(ids, 'i32'));
      ctx.capture?.(`${ctx.prefix}preact`, y);
      return y;
    },
  };
}

export function positionEmbedding(maxLen: number, d: number, opts: EmbeddingOptions = {}): Layer {
  checkPositiveInt(maxLen, 'positionEmbedding.maxLen');
  checkPositiveInt(d, 'positionEmbedding.d');
  const std = opts.std ?? 1;
  if (!(std >= 0)) throw new RangeError(`positionEmbedding.std: must be ≥ 0 (got ${std})`);
  return {
    spec: { type: 'positionEmbedding', maxLen, d, std },
    declare(inShape, prefix) {
      if (inShape.length !== 2 || inShape[1] !== d || inShape[0] > maxLen) {
        throw new RangeError(`positionEmbedding: input must be [t ≤ ${maxLen}, ${d}] (got [${inShape.join(',')}])`);
      }
      return {
        params: [param({ name: `${prefix}table`, shape: [maxLen, d], role: 'embedding', fanIn: maxLen, fanOut: d, inIsWidth: false, outIsWidth: true, init: std > 0 ? { kind: 'normal', std } : { kind: 'zeros' } })],
        outShape: inShape.slice(),
      };
    },
    apply(params, x) {
      return add(x, slice(params[0], 0, 0, x.shape[1]));
    },
  };
}
