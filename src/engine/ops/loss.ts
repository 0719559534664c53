/**
 * Losses (scalar outputs, means over positions).
 *
 *   mseLoss(p, y)             = (1/rows) Σ ‖p_i − y_i‖²              (rows = first dimension)
 *   softmaxCrossEntropy(z, y) = mean over positions of logΣ_j e^{z_j} − Σ_j y_j z_j
 *                               (softmax over the last axis; y one-hot or soft, z's shape)
 *   crossEntropyWithIds(z, t) = mean over positions of logΣ_j e^{z_j} − z_t   (t i32, z[..., k])
 */
import { Tensor, fmtShape } from '../tensor.js';
import { sub } from './binary.js';
import { requireFloat, sameShape } from './core.js';
import { oneHot } from './indexing.js';
import { dot, logSumExp, sum } from './reduce.js';
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

/**
 * mean over positions of [ logΣ_j exp(z_j) − Σ_j y_j z_j ] for logits z [..., k] and one-hot
 * (or soft) targets y of the same shape; the softmax runs over the last axis.
 */
export function softmaxCrossEntropy(logits: Tensor, oneHotTargets: Tensor): Tensor {
  if (logits.rank < 1 || !sameShape(logits.shape, oneHotTargets.shape)) {
    throw new Error(`softmaxCrossEntropy: logits ${fmtShape(logits.shape)} and targets ${fmtShape(oneHotTargets.shape)} must have the same shape of rank ≥ 1`);
  }
  requireFloat('softmaxCrossEntropy', logits);
  const positions = logits.size / logits.shape[logits.rank - 1];
  return scale(sub(sum(logSumExp(logits, -1)), dot(oneHotTargets, logits)), 1 / positions);
}

/** mean over positions of [ logΣ_j exp(z_j) − z_{id} ] for logits [..., k] and i32 ids [...]. */
export function crossEntropyWithIds(logits: Tensor, ids: Tensor): Tensor {
  const k = logits.shape[logits.rank - 1];
  if (logits.rank < 1 || !sameShape(ids.shape, logits.shape.slice(0, -1))) {
    throw new Error(`crossEntropyWithIds: ids ${fmtShape(ids.shape)} must have the logits' shape ${fmtShape(logits.shape)} without its last axis`);
  }
  requireFloat('crossEntropyWithIds', logits);
  return softmaxCrossEntropy(logits, oneHot(ids, k, logits.dtype));
}
