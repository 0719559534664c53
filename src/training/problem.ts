/**
 * A supervised problem as the flat-θ objects that GD, gradient flow and curvature code share:
 * an MLP on a labelled data set with MSE (L = (1/2n) Σ‖f(x) − y‖²) or mean softmax cross-entropy,
 * giving θ₀, the Objective (value, gradient) and exact Hessian-vector products.
 */
import { Rng } from '../engine/rng.js';
import { tensor, type Tensor } from '../engine/tensor.js';
import { crossEntropyWithIds, mseLoss, reshape, scale, softmaxCrossEntropy } from '../engine/ops.js';
import { flatten } from '../engine/params.js';
import { initMlp, mlpForward, type MlpSpec } from '../models/mlp.js';
import type { Dataset } from '../data/mnist.js';
import { objectiveFromLoss, type Objective } from './objective.js';

export interface MlpProblem {
  spec: MlpSpec;
  like: Tensor[];
  theta0: Float64Array;
  objective: Objective;
  hvp(theta: Float64Array, v: Float64Array): Float64Array;
}

/**
 * The lab's two supervised losses of a network output f(X) against targets Y, each example's
 * output flattened to a row: 'mse' L = (1/2n) Σ_i ‖f(x_i) − y_i‖² (the ½ makes its Gauss–Newton
 * part (1/n)JᵀJ); 'cross-entropy' the mean softmax cross-entropy against one-hot rows, or — when Y
 * holds i32 token ids — over every position of every example.
 */
export function supervisedLoss(loss: 'mse' | 'cross-entropy', out: Tensor, Y: Tensor): Tensor {
  const n = out.shape[0];
  const rows = (t: Tensor) => (t.rank === 2 ? t : reshape(t, [n, t.size / n]));
  if (loss === 'mse') return scale(mseLoss(rows(out), rows(Y)), 0.5);
  return Y.dtype === 'i32' ? crossEntropyWithIds(out, Y) : softmaxCrossEntropy(rows(out), rows(Y));
}

export function mlpProblem(ds: Dataset, opts: { width: number; depth: number; activation: 'tanh' | 'relu'; loss: 'mse' | 'ce'; seed: number }): MlpProblem {
  const X = tensor(ds.X, [ds.n, ds.d]);
  const Y = tensor(ds.Y, [ds.n, ds.classes]);
  const spec: MlpSpec = { widths: [ds.d, ...Array(opts.depth).fill(opts.width), ds.classes], activation: opts.activation };
  const like = initMlp(spec, new Rng(opts.seed).split('init'), 'f64');
  const f = (...p: Tensor[]) => supervisedLoss(opts.loss === 'mse' ? 'mse' : 'cross-entropy', mlpForward(spec, p, X), Y);
  const objective = objectiveFromLoss(f, like);
  return { spec, like, theta0: flatten(like), objective, hvp: objective.hvp };
}

