/**
 * The few layers an imported ONNX graph needs beyond the layer library (src/nn/layers): each
 * is one ONNX operator, applied to a batch x [B, ...s] and differentiable to any order (they are
 * compositions of engine ops).
 *   onnxSoftmax {axis, log}:  softmax / log-softmax over `axis` of the batched tensor (ONNX
 *                             Softmax / LogSoftmax, opset ≥ 13 semantics: one axis)
 *   onnxReshape {shape}:      x ↦ reshape(x, [B, ...shape])
 *   onnxBias {shape}:         x ↦ x + c, c a trained parameter (role 'bias') of the given shape,
 *                             broadcast against x's trailing axes (ONNX Add with an initializer)
 *   onnxConst {op, value, shape, constFirst}:  x ↦ x ∘ c or c ∘ x for ∘ ∈ {+, −, ×, ÷} and a fixed c
 *                             (ONNX Add/Sub/Mul/Div with a constant operand)
 * Registered in the layer registry (nn/registry.ts) under these types, so a checkpoint of an
 * imported model rebuilds from its JSON spec.
 */
import { add, broadcastShapes, div, logSoftmax, mul, reshape, softmax, sub } from '../../engine/ops.js';
import { Tensor } from '../../engine/tensor.js';
import { param } from '../param.js';
import type { Layer } from '../types.js';

export function onnxSoftmax(axis: number, log = false): Layer {
  if (!Number.isInteger(axis) || axis === 0) throw new RangeError(`onnxSoftmax.axis: must be a non-zero integer (not the batch axis; got ${axis})`);
  return {
    spec: { type: 'onnxSoftmax', axis, log },
    declare: (inShape) => {
      const rank = inShape.length + 1;
      if (axis >= rank || axis < -rank + 1) throw new RangeError(`onnxSoftmax.axis: ${axis} is outside a rank-${rank} batched input`);
      return { params: [], outShape: inShape.slice() };
    },
    apply: (_p, x) => (log ? logSoftmax(x, axis) : softmax(x, axis)),
  };
}

export function onnxReshape(shape: readonly number[]): Layer {
  if (!shape.every((d) => Number.isInteger(d) && d > 0)) throw new RangeError(`onnxReshape.shape: must be positive integers (got [${shape.join(',')}])`);
  const size = shape.reduce((a, b) => a * b, 1);
  return {
    spec: { type: 'onnxReshape', shape: shape.slice() },
    declare: (inShape) => {
      const n = inShape.reduce((a, b) => a * b, 1);
      if (n !== size) throw new RangeError(`onnxReshape.shape: [${shape.join(',')}] holds ${size} values, the input [${inShape.join(',')}] has ${n}`);
      return { params: [], outShape: shape.slice() };
    },
    apply: (_p, x) => reshape(x, [x.shape[0], ...shape]),
  };
}

export function onnxBias(shape: readonly number[]): Layer {
  const size = shape.reduce((a, b) => a * b, 1);
  return {
    spec: { type: 'onnxBias', shape: shape.slice() },
    declare: (inShape, prefix) => {
      const out = broadcastShapes('onnxBias', [1, ...inShape], shape);
      if (out.length !== inShape.length + 1 || out[0] !== 1 || out.slice(1).some((d, i) => d !== inShape[i])) {
        throw new RangeError(`onnxBias.shape: [${shape.join(',')}] must broadcast into the input [${inShape.join(',')}] without changing it`);
      }
      return {
        params: [param({ name: `${prefix}b`, shape: shape.slice(), role: 'bias', fanIn: 1, fanOut: size, inIsWidth: false, outIsWidth: false, init: { kind: 'zeros' } })],
        outShape: inShape.slice(),
      };
    },
    apply: (p, x) => add(x, p[0]),
  };
}

export type ConstOp = 'add' | 'sub' | 'mul' | 'div';
const CONST_OPS: Record<ConstOp, (a: Tensor, b: Tensor) => Tensor> = { add, sub, mul, div };

export function onnxConst(op: ConstOp, value: readonly number[], shape: readonly number[], constFirst = false): Layer {
  const f = CONST_OPS[op];
  if (!f) throw new RangeError(`onnxConst.op: must be one of ${Object.keys(CONST_OPS).join(', ')} (got ${String(op)})`);
  const size = shape.reduce((a, b) => a * b, 1);
  if (value.length !== size) throw new RangeError(`onnxConst.value: has ${value.length} entries, shape [${shape.join(',')}] needs ${size}`);
  const cache = new Map<string, Tensor>();
  const constant = (dtype: 'f32' | 'f64'): Tensor => {
    let c = cache.get(dtype);
    if (!c) { c = new Tensor(dtype === 'f32' ? Float32Array.from(value) : Float64Array.from(value), shape.slice()); cache.set(dtype, c); }
    return c;
  };
  return {
    spec: { type: 'onnxConst', op, value: value.slice(), shape: shape.slice(), constFirst },
    declare: (inShape) => {
      const out = broadcastShapes('onnxConst', [1, ...inShape], shape);
      if (out.length !== inShape.length + 1 || out[0] !== 1 || out.slice(1).some((d, i) => d !== inShape[i])) {
        throw new RangeError(`onnxConst.shape: [${shape.join(',')}] must broadcast into the input [${inShape.join(',')}] without changing it`);
      }
      return { params: [], outShape: inShape.slice() };
    },
    apply: (_p, x) => {
      const c = constant(x.dtype === 'f32' ? 'f32' : 'f64');
      return constFirst ? f(c, x) : f(x, c);
    },
  };
}
