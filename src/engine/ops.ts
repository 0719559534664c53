/**
 * Differentiable ops on N-dimensional tensors. Each op computes its value eagerly and, when
 * recording is on and an input is tracked, attaches a reverse rule. Every reverse rule is
 * written with these same ops, so gradients can be differentiated again (Hessian-vector
 * products, third order, ...).
 *
 * Broadcasting follows NumPy for any rank: shapes are right-aligned and a dimension of 1 (or a
 * missing one) stretches. The reverse rule of a broadcast input sums the cotangent back to its
 * shape (`sumTo`). Negative axes count from the end.
 *
 * The ops live in ./ops/, one module per family; the elementwise ones come from op tables
 * (UNARY in ops/unary.ts, BINARY in ops/binary.ts) where each entry holds its forward and its
 * reverse rule together.
 */
export { sumTo, broadcastTo } from './ops/broadcast.js';
export { BINARY, binary, add, sub, mul, div, maximum, minimum, where, type BinaryDef, type BinaryName, type RowKernel } from './ops/binary.js';
export {
  UNARY, unary, applyUnary, erfScalar, neg, exp, log, tanh, erf, sigmoid, square, sqrt, rsqrt, abs, relu, gelu,
  softplus, scale, addScalar, powScalar, clip, reluMask, type UnaryDef, type UnaryName,
} from './ops/unary.js';
export { reshape, permute, transpose, unsqueeze, squeeze, concat, stack, slice, astype, stopGradient } from './ops/shape.js';
export { sum, mean, max, logSumExp, logSoftmax, softmax, dot } from './ops/reduce.js';
export { matmul, matmulT } from './ops/matmul.js';
export { gather, scatterAdd, embedding, oneHot } from './ops/indexing.js';
export { im2col, col2im, conv2d, avgPool2d, maxPool2d, type Window, type Conv2dOptions } from './ops/conv.js';
export { mseLoss, softmaxCrossEntropy, crossEntropyWithIds } from './ops/loss.js';
export { make, broadcastShapes } from './ops/core.js';
