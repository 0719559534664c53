/**
 * Coordinate check (Yang et al. 2022, "Tensor Programs V", arXiv 2203.03466, §D.1 and Fig. 5;
 * microsoft/mup `coord_check.py`; science-notes §A2): train a model for a few steps on ONE fixed
 * batch and record, after every step t, the size of each captured intermediate h_l and of its change
 * since initialization:
 *
 *     rmsActivation_l(t)     = RMS(h_l^{(t)})            = √(mean_j (h_l^{(t)})_j²)
 *     meanAbsActivation_l(t) = mean_j |(h_l^{(t)})_j|      (what `mup` plots: l1 = x.abs().mean())
 *     rmsUpdate_l(t)         = RMS(h_l^{(t)} − h_l^{(0)})  (the update; its width exponent is the test)
 *
 * Here h^{(t)} is the forward pass *after* t optimizer steps (t = 0: init), all on the same batch, so
 * the update measures what the parameters learned and nothing of batch-to-batch noise. (`mup`
 * records the forward that computes the gradient of step t, i.e. before update t: its "t = 1" is our
 * t = 0.) Raw activations are dominated by their O(1) init at small width and hide the exponent, so
 * slopes are fitted on the update (science-notes §A2, pitfalls).
 *
 * The optimizer runs the model's per-parameter groups (ParamInfo.lrScale, wdScale, epsScale), so a
 * parameterization applied with `withInfo(model, parameterize(...))` is exactly what is checked.
 * Captured names are the model's (`<prefix>preact` of dense/embedding/conv/attention layers,
 * attention `q`/`k`/`v`/`scores`, residual `<prefix>out`, `logits`); a name captured twice in one
 * forward (a reused module) keeps its last value, as in `mup`.
 *
 * A step whose loss or any recorded quantity is not finite ends the check with status 'diverged'
 * (step `divergedAt`); the steps before it are kept.
 */
import { valueAndGrad } from '../engine/autodiff.js';
import type { FloatArray } from '../engine/dtype.js';
import { Tensor } from '../engine/tensor.js';
import type { Model } from '../nn/model.js';
import { adam, groupsFromInfo, sgd, type Optimizer } from '../training/optim/index.js';
import * as libm from '../engine/libm.js';

/** An optimizer by name; its per-parameter groups are read from `model.info`. */
export interface CoordOptimizerSpec {
  kind: 'sgd' | 'adam';
  lr: number;
  /** SGD heavy-ball momentum (default 0). */
  momentum?: number;
  /** Adam β1, β2, ε (defaults 0.9, 0.999, 1e-8, as torch). */
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
}

export interface CoordBatch {
  x: Tensor;
  y?: Tensor;
}

export interface CoordCheckOptions {
  /** The model as trained: its `info` carries the parameterization (multipliers, lr/ε groups). */
  model: Model;
  /** Parameters at step 0 (not modified). */
  params: readonly Tensor[];
  /** The fixed batch every step trains on and every measurement uses. */
  batch: CoordBatch;
  /** Scalar training loss of the model's output on the batch. */
  loss: (output: Tensor, batch: CoordBatch) => Tensor;
  /** An optimizer by name (groups from model.info), or a built optimizer with its learning rate. */
  optimizer: CoordOptimizerSpec | { optimizer: Optimizer; lr: number };
  /** Number of optimizer steps T ≥ 1; measurements at t = 0 … T. */
  steps: number;
  /** Which captured names to record (default: all, in capture order). */
  layers?: readonly string[] | ((name: string) => boolean);
  signal?: AbortSignal;
}

export interface CoordLayerStat {
  name: string;
  rmsActivation: number;
  meanAbsActivation: number;
  /** RMS(h^{(t)} − h^{(0)}); 0 at t = 0. */
  rmsUpdate: number;
}

export interface CoordStep {
  /** Optimizer steps taken before this measurement (0 = init). */
  step: number;
  /** Training loss at these parameters. */
  loss: number;
  layers: CoordLayerStat[];
}

export interface CoordCheckResult {
  /** Recorded names, in capture order. */
  layers: string[];
  /** steps[t] for t = 0 … (last completed step). */
  steps: CoordStep[];
  status: 'ok' | 'diverged' | 'interrupted';
  /** First step whose loss or a recorded quantity was not finite. */
  divergedAt?: number;
  /** Parameters after the last completed step. */
  params: Tensor[];
}

function buildOptimizer(spec: CoordCheckOptions['optimizer'], model: Model): { opt: Optimizer; lr: number } {
  if (spec && typeof spec === 'object' && 'optimizer' in spec) {
    if (!Number.isFinite(spec.lr) || spec.lr < 0) throw new RangeError(`coordCheck.optimizer.lr: must be a finite number ≥ 0 (got ${String(spec.lr)})`);
    return { opt: spec.optimizer, lr: spec.lr };
  }
  const s = spec as CoordOptimizerSpec;
  if (!s || (s.kind !== 'sgd' && s.kind !== 'adam')) throw new RangeError(`coordCheck.optimizer.kind: must be 'sgd' or 'adam' (got ${String((s as { kind?: unknown } | undefined)?.kind)})`);
  if (typeof s.lr !== 'number' || !Number.isFinite(s.lr) || s.lr < 0) throw new RangeError(`coordCheck.optimizer.lr: must be a finite number ≥ 0 (got ${String(s.lr)})`);
  const groups = groupsFromInfo(model.info);
  const opt = s.kind === 'sgd'
    ? sgd({ momentum: s.momentum ?? 0, weightDecay: s.weightDecay ?? 0, groups })
    : adam({ beta1: s.beta1, beta2: s.beta2, eps: s.eps, weightDecay: s.weightDecay ?? 0, groups });
  return { opt, lr: s.lr };
}

function stats(data: FloatArray, ref: FloatArray | null): { rms: number; meanAbs: number; rmsUpdate: number } {
  let s2 = 0, s1 = 0, d2 = 0;
  const n = data.length;
  for (let j = 0; j < n; j++) {
    const v = data[j];
    s2 += v * v;
    s1 += Math.abs(v);
    if (ref) { const d = v - ref[j]; d2 += d * d; }
  }
  return { rms: Math.sqrt(s2 / n), meanAbs: s1 / n, rmsUpdate: ref ? Math.sqrt(d2 / n) : 0 };
}

/**
 * Train `steps` optimizer steps on the fixed batch and measure every selected captured quantity
 * after each (see the header). Pure apart from `signal`: the input parameters are copied.
 */
export function coordCheck(o: CoordCheckOptions): CoordCheckResult {
  const { model, batch } = o;
  if (!Number.isInteger(o.steps) || o.steps < 1 || o.steps > 100_000) throw new RangeError(`coordCheck.steps: must be an integer in [1, 100000] (got ${String(o.steps)})`);
  if (!Array.isArray(o.params) || o.params.length !== model.info.length) {
    throw new RangeError(`coordCheck.params: must be ${model.info.length} tensors, one per parameter of the model (got ${Array.isArray(o.params) ? o.params.length : typeof o.params})`);
  }
  if (!batch || !(batch.x instanceof Tensor)) throw new RangeError('coordCheck.batch.x: must be a Tensor (the fixed input batch)');
  if (typeof o.loss !== 'function') throw new RangeError('coordCheck.loss: must be a function (output, batch) → scalar Tensor');
  const select = o.layers === undefined ? () => true
    : typeof o.layers === 'function' ? o.layers
    : ((set) => (name: string) => set.has(name))(new Set(o.layers));
  const { opt, lr } = buildOptimizer(o.optimizer, model);

  const params = o.params.map((p) => new Tensor(p.data.slice(), p.shape));
  const flat = params.map((p) => p.data as FloatArray);
  let state = opt.init(flat);

  /** One forward with capture and the loss's gradient: values copied out of the graph. */
  const measure = (withGrad: boolean) => {
    const seen = new Map<string, FloatArray>();
    const order: string[] = [];
    const capture = (name: string, v: Tensor) => {
      if (!select(name)) return;
      if (!seen.has(name)) order.push(name);
      seen.set(name, (v.data as FloatArray).slice());
    };
    if (withGrad) {
      const { value, grads } = valueAndGrad((...ps) => o.loss(model.apply(ps, batch.x, { capture }), batch), params);
      return { seen, order, loss: value, grads };
    }
    const out = o.loss(model.apply(params, batch.x, { capture }), batch);
    return { seen, order, loss: out.data[0], grads: null };
  };

  const steps: CoordStep[] = [];
  let ref: Map<string, FloatArray> | null = null;
  let names: string[] = [];
  let status: CoordCheckResult['status'] = 'ok';
  let divergedAt: number | undefined;
  for (let t = 0; t <= o.steps; t++) {
    if (o.signal?.aborted) { status = 'interrupted'; break; }
    const m = measure(t < o.steps);
    if (ref === null) {
      ref = m.seen;
      names = m.order;
      if (names.length === 0) throw new RangeError('coordCheck.layers: selects none of the names the model captures');
    }
    const layers = names.map((name): CoordLayerStat => {
      const v = m.seen.get(name);
      if (!v) throw new Error(`coordCheck: ${name} was captured at step 0 but not at step ${t}`);
      const s = stats(v, t === 0 ? null : ref!.get(name)!);
      return { name, rmsActivation: s.rms, meanAbsActivation: s.meanAbs, rmsUpdate: s.rmsUpdate };
    });
    const finite = Number.isFinite(m.loss) && layers.every((l) => Number.isFinite(l.rmsActivation) && Number.isFinite(l.rmsUpdate));
    if (!finite) { status = 'diverged'; divergedAt = t; break; }
    steps.push({ step: t, loss: m.loss, layers });
    if (m.grads) state = opt.step(m.grads.map((g) => g.data as FloatArray), state, flat, t + 1, lr);
  }
  return { layers: names, steps, status, ...(divergedAt !== undefined ? { divergedAt } : {}), params };
}

/** The per-layer series of one quantity over steps: series[layer][t]. */
export function coordSeries(r: CoordCheckResult, quantity: 'rmsActivation' | 'meanAbsActivation' | 'rmsUpdate' = 'rmsUpdate'): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  r.layers.forEach((name, l) => { out[name] = r.steps.map((s) => s.layers[l][quantity]); });
  return out;
}

export interface SeedSlope {
  /** Mean over seeds of the per-seed OLS slope of ln y against ln x. */
  mean: number;
  /** Standard error of that mean (sample SD / √seeds; NaN for one seed). */
  se: number;
  perSeed: number[];
}

/**
 * The width (or depth) exponent of a coordinate-check quantity: for each seed the OLS slope of
 * ln y against ln x over the sweep, then their mean and its standard error across seeds
 * (science-notes §0 rule 2: the verdict compares an interval with a tolerance). ys[seed][i] is
 * the value at xs[i]; every value must be finite and > 0.
 */
export function slopeAcrossSeeds(xs: readonly number[], ys: readonly (readonly number[])[]): SeedSlope {
  if (xs.length < 2) throw new RangeError(`slopeAcrossSeeds.xs: needs at least 2 points (got ${xs.length})`);
  if (ys.length < 1) throw new RangeError('slopeAcrossSeeds.ys: needs at least one seed');
  const lx = xs.map(libm.log);
  const mx = lx.reduce((a, b) => a + b, 0) / lx.length;
  const sxx = lx.reduce((a, x) => a + (x - mx) ** 2, 0);
  const perSeed = ys.map((y, s) => {
    if (y.length !== xs.length) throw new RangeError(`slopeAcrossSeeds.ys[${s}]: has ${y.length} values for ${xs.length} points`);
    let sxy = 0;
    y.forEach((v, i) => { sxy += (lx[i] - mx) * libm.log(v); });
    return sxy / sxx;
  });
  const mean = perSeed.reduce((a, b) => a + b, 0) / perSeed.length;
  const se = perSeed.length > 1 ? Math.sqrt(perSeed.reduce((a, b) => a + (b - mean) ** 2, 0) / (perSeed.length - 1) / perSeed.length) : NaN;
  return { mean, se, perSeed };
}
