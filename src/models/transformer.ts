/**
 * Decoder-only transformer (GPT-style, pre-norm; Radford et al. 2019), ids [B, T] (i32) ↦ logits
 * [B, T, vocab]:
 *   h₀ = E[ids] + P[0:T]
 *   h ← h + Attn(LN(h))           (causal multi-head self-attention, logit scale 1/√d_h or 1/d_h)
 *   h ← h + W_down GELU(W_up LN(h))   (d_ff = 4 d_model by default)      × `layers`
 *   logits = LN(h) Eᵀ (tied) or LN(h) W_outᵀ (untied)
 * Roles: tables 'embedding', attention attn-q/k/v/o, MLP 'hidden', untied readout 'output', norms
 * norm-gain / norm-bias. Names: tok.table, pos.table, blocks.<l>.attn.{norm.gain, heads.q, …},
 * blocks.<l>.mlp.{up.W, down.W, …}, norm.gain, readout.W.
 */
import type { FloatDType } from '../engine/dtype.js';
import { namedSerial, repeat, residual } from '../nn/combinators.js';
import { activation } from '../nn/layers/activations.js';
import { attention, type AttnScale } from '../nn/layers/attention.js';
import { dense } from '../nn/layers/dense.js';
import { embedding, positionEmbedding } from '../nn/layers/embedding.js';
import { layerNorm } from '../nn/layers/norm.js';
import { tiedEmbedding } from '../nn/layers/tied.js';
import { model, withSpec, type Model } from '../nn/model.js';
import { checkPositiveInt } from '../nn/param.js';
import type { Layer } from '../nn/types.js';

export interface TransformerSpec {
  vocab: number;
  dModel: number;
  heads: number;
  layers: number;
  seqLen: number;
  /** MLP hidden dim (default 4·dModel). */
  dFf?: number;
  tied: boolean;
  attnScale?: AttnScale;
  /** Init std of the embedding tables (default 1). */
  embedStd?: number;
}

export function transformerLayers(s: TransformerSpec): Layer {
  const vocab = checkPositiveInt(s.vocab, 'vocab'), d = checkPositiveInt(s.dModel, 'dModel');
  const heads = checkPositiveInt(s.heads, 'heads'), L = checkPositiveInt(s.layers, 'layers', 0);
  const T = checkPositiveInt(s.seqLen, 'seqLen'), dFf = checkPositiveInt(s.dFf ?? 4 * d, 'dFf');
  if (d % heads !== 0) throw new RangeError(`heads: must divide dModel = ${d} (got ${heads})`);
  if (typeof s.tied !== 'boolean') throw new RangeError(`tied: must be true or false (got ${String(s.tied)})`);
  const std = s.embedStd ?? 1;
  const block = () => namedSerial([
    ['attn', residual(namedSerial([['norm', layerNorm()], ['heads', attention(heads, { scale: s.attnScale ?? 'sqrt' })]]))],
    ['mlp', residual(namedSerial([['norm', layerNorm()], ['up', dense(dFf, { role: 'hidden' })], ['act', activation('gelu')], ['down', dense(d, { role: 'hidden' })]]))],
  ]);
  const body: [string, Layer][] = [
    ['pos', positionEmbedding(T, d, { std })],
    ['blocks', repeat(block, L)],
    ['norm', layerNorm()],
  ];
  if (s.tied) return tiedEmbedding(vocab, d, namedSerial(body), { std });
  return namedSerial([['tok', embedding(vocab, d, { std })], ...body, ['readout', dense(vocab, { bias: false, role: 'output' })]]);
}

export function transformer(s: TransformerSpec, dtype: FloatDType = 'f64'): Model {
  return withSpec(model(transformerLayers(s), [s.seqLen], { dtype }), { family: 'transformer', ...s, dtype });
}
