/**
 * A small convolutional classifier on NCHW images:
 *   [conv k×k (same padding) → ReLU → 2×2 pool] for each entry of `channels`, flatten, dense → classes.
 * Roles: convs 'conv' (the first one's input channels are data, not width), the readout 'output'.
 */
import type { FloatDType } from '../engine/dtype.js';
import { namedSerial } from '../nn/combinators.js';
import { activation, type ActivationName } from '../nn/layers/activations.js';
import { avgPool, conv2d, flatten, maxPool } from '../nn/layers/conv.js';
import { dense } from '../nn/layers/dense.js';
import { model, withSpec, type Model } from '../nn/model.js';
import { checkPositiveInt } from '../nn/param.js';
import type { Layer } from '../nn/types.js';

export interface CnnSpec {
  channels: number[];
  /** Kernel size (odd, default 3). */
  k?: number;
  /** [C, H, W] of one image. */
  inShape: number[];
  classes: number;
  pool?: 'avg' | 'max';
  activation?: ActivationName;
}

export function cnnLayers(s: CnnSpec): Layer {
  const k = s.k ?? 3;
  if (!Number.isInteger(k) || k < 1 || k % 2 !== 1) throw new RangeError(`k: must be an odd integer ≥ 1 (got ${k})`);
  if (!Array.isArray(s.channels) || s.channels.length === 0) throw new RangeError('channels: need at least one conv layer');
  s.channels.forEach((c, i) => checkPositiveInt(c, `channels[${i}]`));
  checkPositiveInt(s.classes, 'classes');
  const pool = s.pool ?? 'avg', act = s.activation ?? 'relu';
  if (pool !== 'avg' && pool !== 'max') throw new RangeError(`pool: must be 'avg' or 'max' (got ${String(pool)})`);
  const entries: [string, Layer][] = [];
  s.channels.forEach((c, i) => {
    entries.push([`conv${i + 1}`, conv2d(c, k, { padding: (k - 1) / 2, sigmaW: act === 'relu' ? Math.SQRT2 : 1 })]);
    entries.push([`act${i + 1}`, activation(act)]);
    entries.push([`pool${i + 1}`, pool === 'avg' ? avgPool(2) : maxPool(2)]);
  });
  entries.push(['flatten', flatten()], ['out', dense(s.classes)]);
  return namedSerial(entries);
}

export function cnn(s: CnnSpec, dtype: FloatDType = 'f64'): Model {
  if (!Array.isArray(s.inShape) || s.inShape.length !== 3) throw new RangeError(`inShape: must be [C, H, W] (got ${JSON.stringify(s.inShape)})`);
  return withSpec(model(cnnLayers(s), s.inShape, { dtype }), { family: 'cnn', ...s, dtype });
}
