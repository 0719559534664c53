/**
 * Image layers on NCHW batches x [B, C, H, W]:
 *   conv2d(O, k, {stride, padding, bias}):  y = W ⋆ x + b, W [O, C, k, k] (role 'conv', fan-in C·k²,
 *     fan-out O; default init N(0, σ²/(C k²))), b [O]; H_out = ⌊(H + 2p − k)/s⌋ + 1.
 *     Captures `<prefix>preact`.
 *   avgPool(k, stride = k), maxPool(k, stride = k): mean / max over k×k windows.
 *   flatten(): [B, ...s] ↦ [B, Π s].
 * Channels are the width dims (a coordinate check scales them); the first conv's input channels
 * are data, so `model()` clears its inIsWidth by position (and the last weight layer's outIsWidth).
 * No kernel maps (the CNN-GP needs a state per pixel pair; Novak et al. 2019).
 */
import { avgPool2d, conv2d as convOp, maxPool2d, reshape } from '../../engine/ops.js';
import { checkPositiveInt, normalInit, param } from '../param.js';
import type { Layer, ParamInfo, Role } from '../types.js';

export interface Conv2dOptions {
  stride?: number;
  padding?: number;
  bias?: boolean;
  /** Weight scale σ (default 1). */
  sigmaW?: number;
  role?: Role;
}

const outSize = (n: number, k: number, s: number, p: number) => Math.floor((n + 2 * p - k) / s) + 1;

export function conv2d(out: number, k: number, opts: Conv2dOptions = {}): Layer {
  checkPositiveInt(out, 'conv2d.out');
  checkPositiveInt(k, 'conv2d.k');
  const stride = checkPositiveInt(opts.stride ?? 1, 'conv2d.stride');
  const padding = checkPositiveInt(opts.padding ?? 0, 'conv2d.padding', 0);
  const bias = opts.bias ?? true, sigmaW = opts.sigmaW ?? 1;
  const spec = { type: 'conv2d', out, k, stride, padding, bias, sigmaW, ...(opts.role ? { role: opts.role } : {}) };
  return {
    spec,
    declare(inShape, prefix) {
      if (inShape.length !== 3) throw new RangeError(`conv2d: input must be [C, H, W] (got [${inShape.join(',')}])`);
      const [C, H, W] = inShape;
      const Ho = outSize(H, k, stride, padding), Wo = outSize(W, k, stride, padding);
      if (Ho < 1 || Wo < 1) throw new RangeError(`conv2d.k: a ${k}×${k} window does not fit a ${H}×${W} input with padding ${padding}`);
      const role = opts.role ?? 'conv', positional = opts.role === undefined;
      const params: ParamInfo[] = [param({ name: `${prefix}W`, shape: [out, C, k, k], role, fanIn: C * k * k, fanOut: out, inIsWidth: true, outIsWidth: true, init: normalInit(sigmaW / Math.sqrt(C * k * k)), positional })];
      if (bias) params.push(param({ name: `${prefix}b`, shape: [out], role: 'bias', fanIn: 1, fanOut: out, inIsWidth: false, outIsWidth: true, init: { kind: 'zeros' }, positional }));
      return { params, outShape: [out, Ho, Wo] };
    },
    apply(params, x, ctx) {
      const y = convOp(x, params[0], { stride, padding, bias: bias ? params[1] : undefined });
      ctx.capture?.(`${ctx.prefix}preact`, y);
      return y;
    },
  };
}

function poolLayer(kind: 'avgPool' | 'maxPool', k: number, stride?: number): Layer {
  checkPositiveInt(k, `${kind}.k`);
  const s = checkPositiveInt(stride ?? k, `${kind}.stride`);
  return {
    spec: { type: kind, k, stride: s },
    declare(inShape) {
      if (inShape.length !== 3) throw new RangeError(`${kind}: input must be [C, H, W] (got [${inShape.join(',')}])`);
      const [C, H, W] = inShape;
      const Ho = outSize(H, k, s, 0), Wo = outSize(W, k, s, 0);
      if (Ho < 1 || Wo < 1) throw new RangeError(`${kind}.k: a ${k}×${k} window does not fit a ${H}×${W} input`);
      return { params: [], outShape: [C, Ho, Wo] };
    },
    apply: (_p, x) => (kind === 'avgPool' ? avgPool2d(x, k, s) : maxPool2d(x, k, s)),
  };
}

export const avgPool = (k: number, stride?: number): Layer => poolLayer('avgPool', k, stride);
export const maxPool = (k: number, stride?: number): Layer => poolLayer('maxPool', k, stride);

export function flatten(): Layer {
  return {
    spec: { type: 'flatten' },
    declare: (inShape) => ({ params: [], outShape: [inShape.reduce((p, d) => p * d, 1)] }),
    apply: (_p, x) => reshape(x, [x.shape[0], -1]),
    kernel: (s, _info, inShape) => {
      if (inShape.length !== 1) throw new Error('flatten.kernel: only the identity case (vector input) has a kernel map');
      return s;
    },
  };
}
