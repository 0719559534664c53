/**
 * Losses (scalar outputs, means over positions).
 *
 *   mseLoss(p, y)             = (1/rows) Σ ‖p_i − y_i‖²              (rows = first dimension)
 *   softmaxCrossEntropy(z, y) = mean over positions of logΣ_j e^{z_j} − Σ_j y_j z_j
 *                               (softmax over the last axis; y one-hot or soft, z's shape)
 *   crossEntropyWithIds(z, t) = mean over positions of logΣ_j e^{z_j} − z_t   (t i32, z[..., k])
 *
 * The two cross-entropies are fused ops (row kernels crossEntropyRows / crossEntropyIdsRows):
 * one pass gives the loss and G = ∂L/∂z = (softmax(z) − y)/P (P positions), and the reverse
 * rule is g ↦ g·G (and −g·z/P for soft targets). G is itself recorded as an op of z (and y),
 * with ∂G/∂z · h = Jᵀ_softmax h / P = softmaxBackward(h, softmax(z))/P and ∂G/∂y · h = −h/P, so
 * Hessian-vector products by double backward stay exact.
 */
import { Tensor, fmtShape, isGradEnabled } from '../tensor.js';
import type { FloatArray } from '../dtype.js';
import { checkIds } from '../backend/row-kernels.js';
import { mul, sub } from './binary.js';
import { rowKernel } from './broadcast.js';
import { alloc, checkDtype, make, requireFloat, sameShape } from './core.js';
import { dot, logSumExp, softmax, softmaxBackward, sum } from './reduce.js';
import { scale } from './unary.js';

/** (1/rows) Σ_i ‖pred_i − target_i‖² (rows = first dimension; same shapes required). */
export function mseLoss(pred: Tensor, target: Tensor): Tensor {
  if (!sameShape(pred.shape, target.shape)) {
    throw new Error(`mseLoss: pred shape ${fmtShape(pred.shape)} and target shape ${fmtShape(target.shape)} differ`);
  }
  const rows = pred.rank === 0 ? 1 : pred.shape[0];
  const d = sub(pred, target);
  return scale(dot(d, d), 1 / rows);
}

/** g·G for the scalar cotangent g of a loss (G itself when g is the plain seed 1 and nothing is recorded). */
function timesSeed(g: Tensor, G: Tensor): Tensor {
  if (g.node === null && g.data[0] === 1) return isGradEnabled() ? G : new Tensor(G.data, G.shape);
  return mul(g, G);
}

/** The mean of per-position losses as a scalar of `like`'s dtype. */
function meanOf(loss: FloatArray, like: Tensor): FloatArray {
  let s = 0;
  for (let r = 0; r < loss.length; r++) s += loss[r];
  const out = alloc(like.dtype, 1) as FloatArray;
  out[0] = s / loss.length;
  return out;
}

/** ∂L/∂z = (softmax(z) − y)/P from the kernel, recorded as an op of z (and of soft targets y). */
function ceGradient(grad: FloatArray, z: Tensor, positions: number, soft: Tensor | null): Tensor {
  return make('crossEntropyGrad', grad, z.shape, soft ? [z, soft] : [z], (h, needs) => [
    needs[0] ? scale(softmaxBackward(h, softmax(z)), 1 / positions) : null,
    needs[1] ? scale(h, -1 / positions) : null,
  ]);
}

const tracking = (...ts: Tensor[]): boolean => isGradEnabled() && ts.some((t) => t.node !== null);

/**
 * mean over positions of [ logΣ_j exp(z_j) − Σ_j y_j z_j ] for logits z [..., k] and one-hot
 * (or soft) targets y of the same shape; the softmax runs over the last axis.
 */
export function softmaxCrossEntropy(logits: Tensor, oneHotTargets: Tensor): Tensor {
  if (logits.rank < 1 || !sameShape(logits.shape, oneHotTargets.shape)) {
    throw new Error(`softmaxCrossEntropy: logits ${fmtShape(logits.shape)} and targets ${fmtShape(oneHotTargets.shape)} must have the same shape of rank ≥ 1`);
  }
  requireFloat('softmaxCrossEntropy', logits);
  checkDtype('softmaxCrossEntropy', logits, oneHotTargets);
  const k = logits.shape[logits.rank - 1];
  const positions = k === 0 ? 0 : logits.size / k;
  if (positions === 0) return scale(sub(sum(logSumExp(logits, -1)), dot(oneHotTargets, logits)), 1 / positions);
  const z = logits, y = oneHotTargets;
  const loss = alloc(z.dtype, positions) as FloatArray;
  const grad = alloc(z.dtype, z.size) as FloatArray;
  rowKernel('crossEntropyRows')(z.data as FloatArray, y.data as FloatArray, loss, grad, positions, k, 1 / positions);
  const G = tracking(z, y) ? ceGradient(grad, z, positions, y) : null;
  return make('softmaxCrossEntropy', meanOf(loss, z), [], [z, y], (g, needs) => [
    needs[0] ? timesSeed(g, G!) : null,
    needs[1] ? scale(mul(g, z), -1 / positions) : null,
  ]);
}

/** mean over positions of [ logΣ_j exp(z_j) − z_{id} ] for logits [..., k] and i32 ids [...]. */
export function crossEntropyWithIds(logits: Tensor, ids: Tensor): Tensor {
  const k = logits.shape[logits.rank - 1];
  if (logits.rank < 1 || !sameShape(ids.shape, logits.shape.slice(0, -1))) {
    throw new Error(`crossEntropyWithIds: ids ${fmtShape(ids.shape)} must have the logits' shape ${fmtShape(logits.shape)} without its last axis`);
  }
  requireFloat('crossEntropyWithIds', logits);
  if (!(ids.data instanceof Int32Array)) throw new Error(`crossEntropyWithIds: ids must be an i32 tensor, got ${ids.dtype}`);
  const positions = ids.size;
  const z = logits;
  checkIds('crossEntropyWithIds', ids.data, positions, k);
  const loss = alloc(z.dtype, positions) as FloatArray;
  if (positions === 0) return make('crossEntropyWithIds', meanOf(loss, z), [], [z], () => [null]);
  if (!tracking(z)) {
    // Value only: log-sum-exp per row minus the logit of the id (no gradient pass).
    rowKernel('logSumExpRows')(z.data as FloatArray, loss, positions, k);
    const Z = z.data, I = ids.data;
    for (let r = 0; r < positions; r++) loss[r] -= Z[r * k + I[r]];
    return new Tensor(meanOf(loss, z), []);
  }
  const grad = alloc(z.dtype, z.size) as FloatArray;
  rowKernel('crossEntropyIdsRows')(z.data as FloatArray, ids.data, loss, grad, positions, k, 1 / positions);
  const G = ceGradient(grad, z, positions, null);
  return make('crossEntropyWithIds', meanOf(loss, z), [], [z], (g) => [timesSeed(g, G)]);
}
