/**
 * A supervised problem as the flat-θ objects that GD, gradient flow and curvature code share:
 * an MLP on a labelled data set with MSE (L = (1/2n) Σ‖f(x) − y‖²) or mean softmax cross-entropy,
 * giving θ₀, the Objective (value, gradient) and exact Hessian-vector products.
 */
import { Rng } from '../engine/rng.js';
import { tensor, type Tensor } from '../engine/tensor.js';
import { mseLoss, scale, softmaxCrossEntropy } from '../engine/ops.js';
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

export function mlpProblem(ds: Dataset, opts: { width: number; depth: number; activation: 'tanh' | 'relu'; loss: 'mse' | 'ce'; seed: number }): MlpProblem {
  const X = tensor(ds.X, [ds.n, ds.d]);
  const Y = tensor(ds.Y, [ds.n, ds.classes]);
  const spec: MlpSpec = { widths: [ds.d, ...Array(opts.depth).fill(opts.width), ds.classes], activation: opts.activation };
  const like = initMlp(spec, new Rng(opts.seed).split('init'), 'f64');
  const f = opts.loss === 'mse'
    ? (...p: Tensor[]) => scale(mseLoss(mlpForward(spec, p, X), Y), 0.5)
    : (...p: Tensor[]) => softmaxCrossEntropy(mlpForward(spec, p, X), Y);
  const objective = objectiveFromLoss(f, like);
  return { spec, like, theta0: flatten(like), objective, hvp: objective.hvp };
}

