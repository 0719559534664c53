/**
 * Pointwise nonlinearities φ (no parameters). relu, erf and linear carry their infinite-width
 * kernel map (nn/kernels.ts eq. 2: arc-cosine, Williams' erf kernel, identity); tanh, sigmoid and
 * GELU have no closed-form dual activation, so they carry none.
 *   GELU(x) = x Φ(x) = (x/2)(1 + erf(x/√2))   (exact form, Hendrycks & Gimpel 2016).
 * Also `scaleBy(c)`: the fixed map h ↦ c·h (an output multiplier that is not a parameter's).
 */
import { erf, gelu, relu as reluOp, scale, sigmoid as sigmoidOp, tanh as tanhOp } from '../../engine/ops.js';
import type { Tensor } from '../../engine/tensor.js';
import { nonlinearity, scaleKernel, type KernelActivation } from '../kernels.js';
import type { Layer } from '../types.js';

export type ActivationName = 'relu' | 'tanh' | 'erf' | 'gelu' | 'sigmoid' | 'linear';
export const ACTIVATIONS: readonly ActivationName[] = ['relu', 'tanh', 'erf', 'gelu', 'sigmoid', 'linear'];

const fns: Record<ActivationName, (x: Tensor) => Tensor> = {
  relu: reluOp, tanh: tanhOp, erf, gelu, sigmoid: sigmoidOp, linear: (x) => x,
};

const withKernel: readonly string[] = ['relu', 'erf', 'linear'];

/** The activation layer named `name`; spec { type: name }. */
export function activation(name: ActivationName): Layer {
  const f = fns[name];
  if (!f) throw new RangeError(`activation: must be one of ${ACTIVATIONS.join(', ')} (got ${String(name)})`);
  const k = withKernel.includes(name) ? nonlinearity(name as KernelActivation) : undefined;
  return {
    spec: { type: name },
    declare: (inShape) => ({ params: [], outShape: inShape.slice() }),
    apply: (_p, x) => f(x),
    ...(k ? { kernel: (s) => k(s) } : {}),
  };
}

export const relu = (): Layer => activation('relu');
export const tanh = (): Layer => activation('tanh');
export const erfLayer = (): Layer => activation('erf');
export const geluLayer = (): Layer => activation('gelu');
export const sigmoid = (): Layer => activation('sigmoid');
export const linear = (): Layer => activation('linear');

/** h ↦ c·h; kernel q ← c²q, t ← c²t. */
export function scaleBy(c: number): Layer {
  if (!Number.isFinite(c)) throw new RangeError(`scale.value: must be a finite number (got ${c})`);
  const k = scaleKernel(c);
  return {
    spec: { type: 'scale', value: c },
    declare: (inShape) => ({ params: [], outShape: inShape.slice() }),
    apply: (_p, x) => (c === 1 ? x : scale(x, c)),
    kernel: (s) => k(s),
  };
}
