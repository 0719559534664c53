/**
 * Tied input/output embedding (Press & Wolf 2017): one table E [V, d] embeds the ids and reads the
 * logits out of the body's output,
 *   ids [B, ...] ↦ h = body(E[ids]) [B, ..., d] ↦ logits = h Eᵀ [B, ..., V].
 * E is named `<prefix>tok.table` (role 'embedding'); the body's parameters keep the prefix.
 * Captures `<prefix>tok.preact` (the looked-up embeddings).
 */
import { astype, embedding as lookup, matmulT, scale } from '../../engine/ops.js';
import { applyLayer, checkPositiveInt, param } from '../param.js';
import type { Layer } from '../types.js';

export function tiedEmbedding(vocab: number, d: number, body: Layer, opts: { std?: number } = {}): Layer {
  checkPositiveInt(vocab, 'tiedEmbedding.vocab');
  checkPositiveInt(d, 'tiedEmbedding.d');
  const std = opts.std ?? 1;
  if (!(std > 0)) throw new RangeError(`tiedEmbedding.std: must be > 0 (got ${std})`);
  return {
    spec: { type: 'tiedEmbedding', vocab, d, std, body: body.spec },
    foldsMultipliers: true,
    declare(inShape, prefix) {
      const inner = body.declare([...inShape, d], prefix);
      const last = inner.outShape[inner.outShape.length - 1];
      if (last !== d) throw new RangeError(`tiedEmbedding: the body must end in dim ${d} (got [${inner.outShape.join(',')}])`);
      const E = param({ name: `${prefix}tok.table`, shape: [vocab, d], role: 'embedding', fanIn: vocab, fanOut: d, inIsWidth: false, outIsWidth: true, init: { kind: 'normal', std } });
      return { params: [E, ...inner.params], outShape: [...inner.outShape.slice(0, -1), vocab] };
    },
    apply(params, ids, ctx) {
      const c = ctx.multipliers?.[0] ?? 1;
      const E = c === 1 ? params[0] : scale(params[0], c);
      const h0 = lookup(E, ids.dtype === 'i32' ? ids : astype(ids, 'i32'));
      ctx.capture?.(`${ctx.prefix}tok.preact`, h0);
      const h = applyLayer(body, params.slice(1), ctx.multipliers?.slice(1), h0, ctx, ctx.prefix);
      return matmulT(h, E, false, true);
    },
  };
}
