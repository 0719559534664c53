/**
 * One training loop for every optimizer, batch scheme and model representation.
 *
 * At each recorded point t = 0, 1, …, T the loop evaluates the loss and gradient at θ_t on the
 * batch B_{t+1} that the next update will use (the whole data set when full batch):
 *
 *   (L_t, g_t) = (ℓ(θ_t; B_{t+1}), ∇ℓ(θ_t; B_{t+1}))
 *   g̃_t = clip(g_t)                                     (global norm, when clipNorm is set)
 *   θ_{t+1} = θ_t + u,  (u, S_{t+1}) = opt.update(g̃_t, S_t, θ_t, t + 1, η·s(t + 1))
 *
 * so `losses[t]` is L_t (full batch: exactly L(θ_t)), and after T updates one more evaluation
 * gives the final loss. Divergence — non-finite L_t or g_t, or L_t > factor·max(L_0, 1) (as
 * `isDiverged`) — is checked after every update and stops the run with status 'diverged' at
 * that step. An aborted `signal` (checked before every update) gives 'interrupted'; onObserve
 * returning 'stop' ends the run as 'completed' with `stoppedEarly`.
 *
 * `trainFlat` is the core over lists of flat arrays and a gradient oracle (full-batch GD on an
 * `Objective` is trainFlat with one array and plain SGD); `train` is the same loop over Tensor
 * parameters and a differentiable loss.
 *
 * Memory: each step — the evaluation (L_t, g_t) and the update that consumes g_t — runs in one
 * arena scope (engine/arena.ts), so the step's tensors live in backend memory (wasm: in place
 * for the kernels) and are released wholesale when it ends; from the second step on a
 * fixed-shape loop allocates no typed-array storage. Hence the contract: the loss / evaluate
 * function must not keep any tensor or array it makes beyond its return (cache constants
 * outside the loop, or pass `arena: false`). θ, the optimizer state and everything handed to
 * onObserve / progress live on the JS heap, and those callbacks run outside the arena
 * (`outsideArena`), so what they compute may be kept.
 */
import { outsideArena, withArena } from '../engine/arena.js';
import { valueAndGrad } from '../engine/autodiff.js';
import type { FloatArray } from '../engine/dtype.js';
import type { Rng } from '../engine/rng.js';
import { Tensor } from '../engine/tensor.js';
import { batchSampler, type BatchSampler } from './batches.js';
import { type StopReason, isDiverged } from './objective.js';
import { clipGradNorm } from './optim/clip.js';
import type { Optimizer } from './optim/types.js';

export type ObserveResult = void | 'stop';

interface CommonOptions {
  optimizer: Optimizer<any>;
  /** Base learning rate η; update t uses η·schedule(t). */
  lr: number;
  schedule?: (step: number) => number;
  /** Clip gradients to this global norm (torch clip_grad_norm_) before the optimizer sees them. */
  clipNorm?: number;
  steps: number;
  /** onObserve cadence: step 0, every observeEvery steps, and the last step. Default 1. */
  observeEvery?: number;
  signal?: AbortSignal;
  progress?: (fraction: number) => void;
  /** Loss growth factor counted as divergence (default 1e8, as isDiverged). */
  divergenceFactor?: number;
  /**
   * Run each step in an arena scope (default true; see the file comment). false: plain heap
   * allocation, for a loss that keeps tensors between calls. The numbers are the same.
   */
  arena?: boolean;
}

export interface FlatLoopOptions extends CommonOptions {
  /** Initial parameters (copied, never mutated). */
  params: readonly FloatArray[];
  /**
   * Loss and gradient at θ (the live arrays: read, don't keep) on `batch` (null: full batch).
   * Runs inside the step's arena scope: keep nothing it allocates beyond the call.
   */
  evaluate(params: FloatArray[], batch: Int32Array | null): { value: number; grads: readonly FloatArray[] };
  /** Batch stream; omitted or full-batch → evaluate gets null. */
  sampler?: BatchSampler;
  /** Called with the live θ (read, don't keep). */
  onObserve?: (step: number, params: FloatArray[], loss: number) => ObserveResult;
}

export interface FlatLoopResult {
  params: FloatArray[];
  status: StopReason;
  /** Updates done. */
  steps: number;
  divergedAt?: number;
  finalLoss: number;
  /** L_0 … L_steps. */
  losses: Float64Array;
  /** True when onObserve asked to stop. */
  stoppedEarly: boolean;
}

function checkOptions(where: string, o: CommonOptions): number {
  if (!Number.isInteger(o.steps) || o.steps < 0) throw new RangeError(`${where}: steps must be an integer ≥ 0, got ${o.steps}`);
  if (!Number.isFinite(o.lr) || o.lr < 0) throw new RangeError(`${where}: lr must be finite and ≥ 0, got ${o.lr}`);
  const every = o.observeEvery ?? 1;
  if (!Number.isInteger(every) || every < 1) throw new RangeError(`${where}: observeEvery must be an integer ≥ 1, got ${o.observeEvery}`);
  if (o.clipNorm !== undefined && !(o.clipNorm >= 0 && Number.isFinite(o.clipNorm))) {
    throw new RangeError(`${where}: clipNorm must be finite and ≥ 0, got ${o.clipNorm}`);
  }
  if (o.divergenceFactor !== undefined && !(o.divergenceFactor > 0)) {
    throw new RangeError(`${where}: divergenceFactor must be > 0, got ${o.divergenceFactor}`);
  }
  return every;
}

export function trainFlat(opts: FlatLoopOptions): FlatLoopResult {
  const every = checkOptions('train', opts);
  const { optimizer, lr, schedule, clipNorm, steps, signal, progress, onObserve } = opts;
  const factor = opts.divergenceFactor ?? 1e8;
  const params = opts.params.map((p) => p.slice());
  const sampler = opts.sampler && !opts.sampler.fullBatch ? opts.sampler : null;
  const nextBatch = () => (sampler ? sampler.next() : null);
  const losses = new Float64Array(steps + 1);
  const done = (status: StopReason, t: number, loss: number, extra: { divergedAt?: number; stoppedEarly?: boolean } = {}): FlatLoopResult => ({
    params, status, steps: t, finalLoss: loss, losses: losses.slice(0, t + 1), stoppedEarly: extra.stoppedEarly ?? false,
    ...(extra.divergedAt !== undefined ? { divergedAt: extra.divergedAt } : {}),
  });

  const useArena = opts.arena ?? true;
  const scope = useArena ? withArena : <T>(fn: () => T): T => fn();
  const callback = useArena ? outsideArena : <T>(fn: () => T): T => fn();
  const progressEvery = Math.max(1, Math.floor(steps / 200));
  let state = optimizer.init(params);
  let initial = NaN;

  /**
   * Step t in one scope: (L_t, g_t) at θ_t, the checks and callbacks at t, then the update
   * θ_t → θ_{t+1} that consumes g_t. Returns the result when the run ends at t, else null.
   */
  const stepAt = (t: number): FlatLoopResult | null => {
    const { value: loss, grads } = opts.evaluate(params, nextBatch());
    losses[t] = loss;
    if (t === 0) initial = loss;
    else if (isDiverged(loss, initial, grads, factor)) return done('diverged', t, loss, { divergedAt: t });
    if (onObserve && (t === 0 || t % every === 0 || t === steps) && callback(() => onObserve(t, params, loss)) === 'stop') {
      return done('completed', t, loss, { stoppedEarly: true });
    }
    if (progress && t > 0 && t % progressEvery === 0) callback(() => progress(t / steps));
    if (t === steps) return done('completed', steps, loss);
    if (signal?.aborted) return done('interrupted', t, loss);
    const g = clipNorm === undefined ? grads : clipGradNorm(grads, clipNorm).grads;
    state = optimizer.step(g, state, params, t + 1, schedule ? lr * schedule(t + 1) : lr);
    return null;
  };
  for (let t = 0; ; t++) {
    const r = scope(() => stepAt(t));
    if (r) return r;
  }
}

// ---------------------------------------------------------------------------------------
// Tensor front end.

export interface TrainOptions extends CommonOptions {
  /** Initial parameters (not mutated). */
  params: Tensor[];
  /**
   * Scalar differentiable loss on a batch of example indices (null: the full data set). Runs
   * inside the step's arena scope: cache no tensor it makes (build constants before `train`).
   */
  loss: (params: Tensor[], batch: Int32Array | null) => Tensor;
  /** Data-set size; with batchSize < n the loop draws seeded minibatches (batches.ts). */
  n?: number;
  batchSize?: number;
  replacement?: boolean;
  seed?: number;
  rng?: Rng;
  dropLast?: boolean;
  /** Called with a snapshot of the parameters (safe to keep). */
  onObserve?: (step: number, params: Tensor[], loss: number) => ObserveResult;
}

export type TrainLoopResult = Omit<FlatLoopResult, 'params'> & { params: Tensor[] };

export function train(opts: TrainOptions): TrainLoopResult {
  const like = opts.params;
  const { n, batchSize } = opts;
  let sampler: BatchSampler | undefined;
  if (n !== undefined && batchSize !== undefined) {
    sampler = batchSampler({
      n, batchSize, replacement: opts.replacement ?? false, dropLast: opts.dropLast ?? false,
      ...(opts.rng ? { rng: opts.rng } : {}), ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
    });
  } else if (batchSize !== undefined) {
    throw new Error('train: batchSize needs n (the data-set size)');
  }
  const floats = (data: unknown, what: string): FloatArray => {
    if (data instanceof Float64Array || data instanceof Float32Array) return data;
    throw new Error(`train: ${what} must be a float32/float64 tensor`);
  };
  const wrap = (arrs: readonly FloatArray[]) => arrs.map((a, k) => new Tensor(a, like[k].shape));
  const { onObserve, params: _p, loss: _l, ...common } = opts;
  const r = trainFlat({
    ...common,
    params: like.map((t, k) => floats(t.data, `params[${k}]`)),
    ...(sampler ? { sampler } : {}),
    evaluate: (arrs, batch) => {
      const { value, grads } = valueAndGrad((...ps: Tensor[]) => opts.loss(ps, batch), wrap(arrs));
      return { value, grads: grads.map((g, k) => floats(g.data, `gradient ${k}`)) };
    },
    ...(onObserve ? { onObserve: (t: number, arrs: FloatArray[], loss: number) => onObserve(t, wrap(arrs.map((a) => a.slice())), loss) } : {}),
  });
  return { ...r, params: wrap(r.params) };
}
